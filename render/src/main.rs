//! `lacquer`: the plugin's mastering chain on files, from the command line.
//!
//! Exit codes: 0 done; 2 usage or settings (unknown preset, parameter or value); 3 the input
//! (unreadable, truncated, unsupported); 4 the output (exists without `--force`, same file as
//! the input, cannot be written, disk full); 5 `--normalize` cannot reach the target.

mod album;
mod analysis;
mod engine;
mod output;
mod plot;
mod render;
mod report;
mod settings;

use clap::{Args, Parser, Subcommand};

/// `println!` that ignores a closed pipe (`lacquer params | head`).
#[macro_export]
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($t)*);
    }};
}
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "lacquer",
    version,
    about = "Lacquer's mastering chain on files: the plugin's own code, rendered offline"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Master one file.
    Render(render::RenderArgs),
    /// Master an album: every track with one setting (or its own), a shared loudness
    /// strategy, a CD image with its CUE sheet, and reports.
    Album(album::AlbumArgs),
    /// List the factory and user presets.
    Presets,
    /// List every parameter with its ID and value (after --preset/--state/--set).
    Params(SettingsArgs),
    /// List the delivery targets.
    Targets,
}

/// The settings, as in the plugin.
#[derive(Args, Clone, Default)]
pub struct SettingsArgs {
    /// A factory or user preset by name, or a preset file.
    #[arg(long, value_name = "NAME")]
    pub preset: Option<String>,
    /// A state saved by the plugin (the host's CLAP state stream, or its JSON) or a preset file.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Set a parameter in display units, as typed into the editor: `--set lim_ceiling=-0.5dB`,
    /// `--set "EQ Phase Mode=Linear Phase (medium latency)"`. Repeatable.
    #[arg(long = "set", value_name = "PARAM=VALUE")]
    pub sets: Vec<String>,
    /// Delivery target (sets the ceiling and the loudness): spotify, apple-music, youtube,
    /// amazon-music, tidal, deezer, podcast, ebu-r128, atsc-a85, cd.
    #[arg(long, value_name = "PLATFORM")]
    pub target: Option<String>,
}

impl SettingsArgs {
    pub fn build(&self) -> Result<settings::Settings, engine::RenderError> {
        settings::build(
            self.preset.as_deref(),
            self.state.as_deref(),
            &self.sets,
            self.target.as_deref(),
        )
        .map_err(engine::RenderError::Settings)
    }
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Render(args) => render::run(&args),
        Command::Album(args) => album::run(&args),
        Command::Presets => {
            for p in lacquer_session::presets::FACTORY_PRESETS {
                say!("{:<24} {}", p.name, p.description);
            }
            for (name, path) in lacquer_session::presets::user_presets() {
                say!("{name:<24} (user preset, {})", path.display());
            }
            Ok(())
        }
        Command::Params(args) => args.build().map(|s| {
            for (id, name, value) in settings::describe(&s.params) {
                say!("{id:<18} {name:<36} {value}");
            }
        }),
        Command::Targets => {
            for t in lacquer_dsp::targets::TARGETS {
                say!(
                    "{:<14} {:<24} {:>10} {:>6.1} dBTP",
                    t.id,
                    t.name,
                    t.integrated_lufs
                        .map_or("-".into(), |l| format!("{l:.1} LUFS")),
                    t.ceiling_dbtp
                );
            }
            Ok(())
        }
    };
    if let Err(e) = result {
        eprintln!("lacquer: {e}");
        std::process::exit(e.exit_code());
    }
}
