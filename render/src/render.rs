//! `lacquer render`: one file, optionally normalised in as many analysis passes as it takes.

use crate::analysis::HISTORY_STEP_S;
use crate::engine::{run_pass, DitherChoice, Job, PassResult, RenderError, Timings};
use crate::output::{create_sink, Bits, Format, Pending};
use crate::report::{platforms, write_json, FileReport, NormalizeInfo};
use crate::SettingsArgs;
use indicatif::{ProgressBar, ProgressStyle};
use lacquer_dsp::chain::ChainParams;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct RenderArgs {
    /// The file to master (anything symphonia decodes: WAV, AIFF, FLAC, MP3, AAC/M4A, Ogg).
    pub input: PathBuf,
    /// Where to write the master.
    #[arg(short, long, value_name = "OUT")]
    pub output: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
    /// The JSON report (default: OUT's name with `.lacquer.json`).
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
}

/// Options shared by `render` and `album`.
#[derive(clap::Args, Clone)]
pub struct CommonArgs {
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Analyse first, then set the limiter drive so the master lands on the target loudness
    /// (within 0.05 LU) with its true peak at or below the ceiling.
    #[arg(long)]
    pub normalize: bool,
    /// Output sample rate, Hz (default: the input's).
    #[arg(long, value_name = "HZ")]
    pub rate: Option<u32>,
    /// Output word length (default: the chain's dither word length if its dither is on, else 24).
    #[arg(long, value_enum)]
    pub bits: Option<Bits>,
    /// Output format (default: from OUT's extension, else WAV).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Dither for integer output when the chain's own dither is off.
    #[arg(long, value_enum, default_value = "tpdf")]
    pub dither: DitherChoice,
    /// Replace an existing output.
    #[arg(long)]
    pub force: bool,
    /// Also write a PNG with the loudness history and spectrum, before and after.
    #[arg(long)]
    pub plot: bool,
    /// No JSON report.
    #[arg(long)]
    pub no_report: bool,
    /// No progress bar and no table.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Everything to render one file.
#[derive(Clone)]
pub struct FileJob {
    pub input: PathBuf,
    pub output: PathBuf,
    pub chain: ChainParams,
    pub settings: String,
    pub notes: Vec<String>,
    pub out_rate: Option<u32>,
    pub bits: Bits,
    pub format: Format,
    pub dither: DitherChoice,
    /// (target LUFS, ceiling dBTP).
    pub normalize: Option<(f64, f64)>,
    pub spectrum: bool,
}

pub struct Rendered {
    pub report: FileReport,
    /// The finished file under its temporary name: `commit` puts it in place.
    pub pending: Option<Pending>,
    pub before_spectrum: Option<Vec<(f64, f64)>>,
    pub after_spectrum: Option<Vec<(f64, f64)>>,
}

/// Passes `--normalize` may take before giving up.
pub const MAX_PASSES: usize = 8;
/// Normalisation aims this close; the guarantee is 0.1 LU.
pub const AIM_LU: f64 = 0.05;

pub fn default_bits(chain: &ChainParams) -> Bits {
    if chain.dither_enabled && chain.dither.bits <= 16 {
        Bits::I16
    } else {
        Bits::I24
    }
}

pub fn resolve_format(flag: Option<Format>, output: &Path) -> Format {
    flag.or_else(|| Format::of_path(output))
        .unwrap_or(Format::Wav)
}

/// Refuse to overwrite without `--force`, and never write over the input.
pub fn check_output(input: &Path, output: &Path, force: bool) -> Result<(), RenderError> {
    let out_err = |m: String| RenderError::Output(m);
    if output.is_dir() {
        return Err(out_err(format!("{} is a directory", output.display())));
    }
    if let Ok(out_meta) = std::fs::metadata(output) {
        if let Ok(in_meta) = std::fs::metadata(input) {
            use std::os::unix::fs::MetadataExt;
            if in_meta.dev() == out_meta.dev() && in_meta.ino() == out_meta.ino() {
                return Err(out_err(format!(
                    "refusing to write over the input: {} and {} are the same file",
                    input.display(),
                    output.display()
                )));
            }
        }
        if !force {
            return Err(out_err(format!(
                "{} exists (use --force to replace it)",
                output.display()
            )));
        }
    }
    let dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(out_err(format!(
            "cannot write {}: the folder {} does not exist",
            output.display(),
            dir.display()
        )));
    }
    Ok(())
}

pub fn progress_bar(quiet: bool, len: Option<u64>, prefix: String) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len.unwrap_or(0));
    bar.set_style(
        ProgressStyle::with_template("{prefix} [{bar:40}] {percent:>3}% {msg} ({eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_prefix(prefix);
    bar
}

/// The chain settings for normalisation control `u` (dB of loudness asked for relative to
/// the base settings) and the ceiling trim: the limiter's drive takes `u` in its 0-24 dB
/// range; below 0 dB of drive the rest goes to the output gain (a plain gain after the
/// limiter, so the master gets quieter without losing its peak control).
fn normalized_params(base: &ChainParams, u: f64, trim: f64) -> (ChainParams, bool) {
    let mut p = *base;
    let mut pinned = false;
    if p.limiter_enabled {
        let want = base.limiter.drive_db + u;
        let drive = want.clamp(0.0, 24.0);
        pinned = want > 24.0;
        p.limiter.drive_db = drive;
        p.output_gain_db = base.output_gain_db + (want - drive).min(0.0) + trim;
    } else {
        p.output_gain_db = base.output_gain_db + u + trim;
    }
    (p, pinned)
}

fn rel(path: &Path) -> String {
    path.display().to_string()
}

/// Render `job` (normalising if asked) into a temporary file beside its output. `progress` gets the input
/// frames of the current pass.
pub fn render_file(
    job: &FileJob,
    bar: &ProgressBar,
    on_frames: &(dyn Fn(u64) + Sync),
) -> Result<Rendered, RenderError> {
    let mut timings = Timings::default();
    let mut before: Option<crate::analysis::Measured> = None;
    let base = job.chain;
    let one_pass = |chain: ChainParams,
                    analyse_input: bool,
                    timings: &mut Timings|
     -> Result<(PassResult, Pending), RenderError> {
        let pending = Pending::new(&job.output);
        let rate_guess = job.out_rate.unwrap_or(0);
        let mut sink_rate = rate_guess;
        if sink_rate == 0 {
            sink_rate = lacquer_session::audio_file::AudioReader::open(&job.input)?
                .info()
                .sample_rate;
        }
        let mut sink = create_sink(&pending.temp, job.format, job.bits, sink_rate)
            .map_err(RenderError::Output)?;
        let pass_job = Job {
            chain,
            out_rate: job.out_rate,
            bits: job.bits,
            dither: job.dither,
            analyse_input,
            spectrum: job.spectrum,
        };
        let result = run_pass(&job.input, &pass_job, Some(sink.as_mut()), on_frames)?;
        let t = std::time::Instant::now();
        sink.finish().map_err(|e| {
            RenderError::Output(format!("cannot write {}: {e}", job.output.display()))
        })?;
        let mut r = result;
        r.timings.write_s += t.elapsed().as_secs_f64();
        r.timings.total_s += t.elapsed().as_secs_f64();
        timings.add(&r.timings);
        Ok((r, pending))
    };

    let (result, pending, normalize) = match job.normalize {
        None => {
            bar.set_message("rendering");
            let (r, p) = one_pass(base, true, &mut timings)?;
            (r, p, None)
        }
        Some((target, ceiling)) => {
            let mut u = 0.0;
            let mut trim = 0.0;
            // (u, loudness with the trim taken out)
            let mut last: Option<(f64, f64)> = None;
            let mut done = None;
            for pass in 1..=MAX_PASSES {
                bar.set_message(format!("pass {pass}"));
                bar.set_position(0);
                let (p, pinned) = normalized_params(&base, u, trim);
                if !(-24.0..=24.0).contains(&p.output_gain_db) {
                    return Err(RenderError::Target(format!(
                        "{}: reaching {target:.1} LUFS needs an output gain of {:.1} dB, \
                         outside +-24 dB",
                        job.input.display(),
                        p.output_gain_db
                    )));
                }
                let (mut r, pending) = one_pass(p, pass == 1, &mut timings)?;
                if pass == 1 {
                    before = r.before.take();
                }
                let f = r.after.figures;
                let (l, tp) = (f.integrated_lufs, f.true_peak_dbtp);
                if !l.is_finite() {
                    return Err(RenderError::Target(format!(
                        "{}: the master is silent; there is no loudness to normalise",
                        job.input.display()
                    )));
                }
                let over = tp - ceiling;
                if (l - target).abs() <= AIM_LU && over <= 0.0 {
                    done = Some((
                        r,
                        pending,
                        NormalizeInfo {
                            target_lufs: target,
                            ceiling_dbtp: ceiling,
                            passes: pass,
                            drive_db: p.limiter.drive_db,
                            output_gain_db: p.output_gain_db,
                            error_lu: l - target,
                        },
                    ));
                    break;
                }
                if pinned && l < target - AIM_LU {
                    return Err(RenderError::Target(format!(
                        "{}: cannot reach {target:.1} LUFS under a {ceiling:.1} dBTP ceiling: at \
                         the limiter's full 24 dB of drive the master reads {l:.2} LUFS",
                        job.input.display()
                    )));
                }
                // Output gain is linear after the limiter: take the trim out of the reading so
                // readings at different trims stay comparable.
                let corrected = l - trim;
                if over > 0.0 {
                    trim -= over + 0.01;
                }
                let aim = target - trim;
                let slope = match last {
                    Some((u0, l0)) if (u - u0).abs() > 1e-6 => {
                        ((corrected - l0) / (u - u0)).clamp(0.05, 1.5)
                    }
                    _ => 1.0,
                };
                last = Some((u, corrected));
                u += (aim - corrected) / slope;
                drop(pending);
            }
            let Some((r, p, info)) = done else {
                return Err(RenderError::Target(format!(
                    "{}: did not settle within {AIM_LU} LU of {target:.1} LUFS in {MAX_PASSES} passes",
                    job.input.display()
                )));
            };
            (r, p, Some(info))
        }
    };
    let mut result = result;
    if before.is_none() {
        before = result.before.take();
    }
    let before = before.expect("the first pass measures the input");

    let after_fig = result.after.figures;
    let before_fig = before.figures;
    let seconds = before_fig.seconds;
    let report = FileReport {
        input: rel(&job.input),
        output: rel(&job.output),
        settings: job.settings.clone(),
        notes: job.notes.clone(),
        input_codec: result.codec.clone(),
        input_channels: result.in_channels,
        input_rate: result.in_rate,
        output_rate: result.out_rate,
        output_format: format!("{:?} {}", job.format, job.bits.label()),
        word_length: result.word_length.clone(),
        frames_in: result.frames_in,
        frames_out: result.frames_out,
        latency_frames: result.latency,
        tail_frames: result.tail_frames,
        before: before_fig,
        after: after_fig,
        normalize,
        platforms: platforms(&after_fig),
        realtime_factor: seconds / timings.total_s.max(1e-9),
        timings,
        short_term_history_step_s: HISTORY_STEP_S,
        short_term_before: before.history,
        short_term_after: result.after.history,
    };
    Ok(Rendered {
        report,
        pending: Some(pending),
        before_spectrum: before.spectrum,
        after_spectrum: result.after.spectrum,
    })
}

/// Write the plot beside the report.
pub fn write_plot(path: &Path, r: &Rendered, target: Option<f64>) -> Result<(), RenderError> {
    let pending = Pending::new(path);
    let empty = Vec::new();
    crate::plot::write_png(
        &pending.temp,
        &crate::plot::PlotData {
            title: format!("{} -> {}", r.report.input, r.report.output),
            history_step_s: r.report.short_term_history_step_s,
            before_history: &r.report.short_term_before,
            after_history: &r.report.short_term_after,
            before_spectrum: r.before_spectrum.as_ref().unwrap_or(&empty),
            after_spectrum: r.after_spectrum.as_ref().unwrap_or(&empty),
            target_lufs: target,
        },
    )
    .map_err(RenderError::Output)?;
    pending.commit().map_err(RenderError::Output)
}

pub fn sidecar(output: &Path, ext: &str) -> PathBuf {
    let stem = output
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    output.with_file_name(format!("{stem}.lacquer.{ext}"))
}

/// Build a job from the command line's shared options.
pub fn file_job(
    common: &CommonArgs,
    settings: &crate::settings::Settings,
    input: &Path,
    output: &Path,
) -> Result<FileJob, RenderError> {
    let chain = settings.params.chain_params();
    let format = resolve_format(common.format, output);
    let bits = common.bits.unwrap_or_else(|| default_bits(&chain));
    if format == Format::Flac && bits == Bits::F32 {
        return Err(RenderError::Settings(
            "FLAC holds integer samples: use --bits 16 or 24 (or --format wav)".into(),
        ));
    }
    if let Some(rate) = common.rate {
        if !(8_000..=768_000).contains(&rate) {
            return Err(RenderError::Settings(format!(
                "--rate {rate}: Lacquer renders at 8 kHz to 768 kHz"
            )));
        }
    }
    let normalize = if common.normalize {
        let target = settings.params.target_lufs().ok_or_else(|| {
            RenderError::Settings(
                "--normalize needs a delivery target with a loudness (--target spotify, ...); \
                 this one has none"
                    .into(),
            )
        })?;
        Some((target, chain.limiter.clamped().ceiling_db))
    } else {
        None
    };
    Ok(FileJob {
        input: input.into(),
        output: output.into(),
        chain,
        settings: settings.source.clone(),
        notes: settings.notes.clone(),
        out_rate: common.rate,
        bits,
        format,
        dither: common.dither,
        normalize,
        spectrum: common.plot,
    })
}

pub fn run(args: &RenderArgs) -> Result<(), RenderError> {
    let c = &args.common;
    let settings = c.settings.build()?;
    let job = file_job(c, &settings, &args.input, &args.output)?;
    check_output(&args.input, &args.output, c.force)?;
    let frames = lacquer_session::audio_file::AudioReader::open(&args.input)?
        .info()
        .frames;
    let bar = progress_bar(c.quiet, frames, "lacquer".into());
    let mut rendered = render_file(&job, &bar, &|n| bar.set_position(n))?;
    bar.finish_and_clear();
    if let Some(p) = rendered.pending.take() {
        p.commit().map_err(RenderError::Output)?;
    }
    if !c.no_report {
        let path = args
            .report
            .clone()
            .unwrap_or_else(|| sidecar(&args.output, "json"));
        write_json(&path, &rendered.report).map_err(RenderError::Output)?;
    }
    if c.plot {
        write_plot(
            &sidecar(&args.output, "png"),
            &rendered,
            job.normalize.map(|n| n.0),
        )?;
    }
    if !c.quiet {
        crate::say!("{}", rendered.report.table().trim_end());
    }
    Ok(())
}
