//! `lacquer album`: every track through the chain (in parallel, one streaming render per
//! core), a loudness strategy for the whole album, a CD image with gaps and its CUE sheet
//! (titles, performers, ISRCs from an optional TOML manifest), and an album report.
//!
//! Nothing is put in place until every track, the image and the sheet are done.

use crate::analysis::Analyzer;
use crate::engine::RenderError;
use crate::output::{create_sink, Format, Pending};
use crate::render::{
    check_output, file_job, progress_bar, render_file, write_plot, CommonArgs, Rendered,
};
use crate::report::{platforms, write_json, AlbumReport, AlbumTrackRow};
use lacquer_dsp::loudness::LoudnessMeter;
use lacquer_session::audio_file::AudioReader;
use rayon::prelude::*;
use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Strategy {
    /// Every track to the target loudness.
    Each,
    /// Keep the tracks' relative levels, with the loudest on the target.
    Album,
    /// Render as set; no loudness matching.
    None,
}

#[derive(clap::Args)]
pub struct AlbumArgs {
    /// The tracks, in order (or give them in the manifest).
    pub files: Vec<PathBuf>,
    /// Folder for the masters, the CD image, its CUE sheet and the reports.
    #[arg(short, long, value_name = "DIR")]
    pub output: PathBuf,
    #[command(flatten)]
    pub common: CommonArgs,
    /// TOML manifest: album title/performer/catalog, gaps, and per track file, title,
    /// performer, ISRC, gap, preset or state.
    #[arg(long, value_name = "FILE")]
    pub manifest: Option<PathBuf>,
    /// Loudness strategy (default: album when the target has a loudness, else none).
    #[arg(long, value_enum)]
    pub loudness: Option<Strategy>,
    /// Silence before each track after the first, seconds (the manifest may set it per track).
    #[arg(long, value_name = "SECONDS")]
    pub gap: Option<f64>,
    /// Tracks rendered at once (default: every core).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Base name of the CD image, its CUE sheet and the album report.
    #[arg(long, default_value = "album")]
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Manifest {
    title: Option<String>,
    performer: Option<String>,
    catalog: Option<String>,
    /// Default gap before tracks 2.., seconds.
    gap: Option<f64>,
    #[serde(default)]
    track: Vec<ManifestTrack>,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestTrack {
    file: Option<PathBuf>,
    title: Option<String>,
    performer: Option<String>,
    isrc: Option<String>,
    /// Silence before this track, seconds.
    gap: Option<f64>,
    preset: Option<String>,
    state: Option<PathBuf>,
}

struct Track {
    number: usize,
    input: PathBuf,
    output: PathBuf,
    title: String,
    performer: Option<String>,
    isrc: Option<String>,
    gap_s: f64,
    job: crate::render::FileJob,
}

/// ISO 3901: two letters (country), three alphanumerics (registrant), seven digits (year and
/// designation). Checked by character, so any text, ASCII or not, gets an answer, not a panic.
fn valid_isrc(s: &str) -> bool {
    let c: Vec<char> = s.chars().collect();
    c.len() == 12
        && c[..2].iter().all(|c| c.is_ascii_uppercase())
        && c[2..5].iter().all(|c| c.is_ascii_alphanumeric())
        && c[5..].iter().all(|c| c.is_ascii_digit())
}

fn file_name_safe(s: &str) -> String {
    s.chars()
        .map(|c| {
            if "/\\:*?\"<>|".contains(c) || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_string()
}

fn cue_text(s: &str) -> String {
    s.replace('"', "'")
}

/// CD frames (1/75 s) as MM:SS:FF.
fn msf(frames: u64, rate: u32) -> String {
    let per = rate as u64 / 75;
    let f = frames / per;
    format!("{:02}:{:02}:{:02}", f / 75 / 60, f / 75 % 60, f % 75)
}

fn read_manifest(path: &Path) -> Result<Manifest, RenderError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        RenderError::Settings(format!("cannot read manifest {}: {e}", path.display()))
    })?;
    toml::from_str(&text).map_err(|e| {
        RenderError::Settings(format!(
            "manifest {}: {}",
            path.display(),
            e.to_string().lines().collect::<Vec<_>>().join(" ")
        ))
    })
}

/// Integrated loudness of a file as it is (the album strategy's relative levels).
fn input_loudness(path: &Path) -> Result<f64, RenderError> {
    let mut r = AudioReader::open(path)?;
    let mut m = LoudnessMeter::new(r.info().sample_rate as f64, 2);
    let mut l = vec![0.0; 8192];
    let mut rr = vec![0.0; 8192];
    loop {
        let n = r.read(&mut l, &mut rr)?;
        if n == 0 {
            break;
        }
        m.process_stereo(&l[..n], &rr[..n]);
    }
    Ok(m.integrated_lufs())
}

pub fn run(args: &AlbumArgs) -> Result<(), RenderError> {
    let c = &args.common;
    let manifest = match &args.manifest {
        Some(p) => read_manifest(p)?,
        None => Manifest::default(),
    };
    let manifest_dir = args
        .manifest
        .as_ref()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_default();
    let inputs: Vec<PathBuf> = if !args.files.is_empty() {
        args.files.clone()
    } else {
        manifest
            .track
            .iter()
            .map(|t| t.file.as_ref().map(|f| manifest_dir.join(f)))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                RenderError::Settings(
                    "no tracks: give FILES or `file` for every manifest track".into(),
                )
            })?
    };
    if inputs.is_empty() {
        return Err(RenderError::Settings("no tracks to master".into()));
    }
    if !manifest.track.is_empty() && manifest.track.len() != inputs.len() {
        return Err(RenderError::Settings(format!(
            "the manifest lists {} tracks but {} files were given",
            manifest.track.len(),
            inputs.len()
        )));
    }
    std::fs::create_dir_all(&args.output).map_err(|e| {
        RenderError::Output(format!("cannot create {}: {e}", args.output.display()))
    })?;

    let shared = c.settings.build()?;
    let format = c.format.unwrap_or(Format::Wav);
    let default_gap = args.gap.or(manifest.gap).unwrap_or(0.0);
    let mut tracks = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let m = manifest.track.get(i).cloned().unwrap_or_default();
        let settings = if m.preset.is_some() || m.state.is_some() {
            let mut per = c.settings.clone();
            per.preset = m.preset.clone();
            per.state = m.state.as_ref().map(|s| manifest_dir.join(s));
            per.build()?
        } else {
            crate::settings::build(
                c.settings.preset.as_deref(),
                c.settings.state.as_deref(),
                &c.settings.sets,
                c.settings.target.as_deref(),
            )
            .map_err(RenderError::Settings)?
        };
        let title = m.title.clone().unwrap_or_else(|| {
            input
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| format!("Track {}", i + 1))
        });
        if let Some(isrc) = &m.isrc {
            if !valid_isrc(isrc) {
                return Err(RenderError::Settings(format!(
                    "track {}: ISRC {isrc:?} is not 12 characters CCXXXYYNNNNN",
                    i + 1
                )));
            }
        }
        let gap_s = m.gap.unwrap_or(if i == 0 { 0.0 } else { default_gap });
        if !(0.0..=600.0).contains(&gap_s) {
            return Err(RenderError::Settings(format!(
                "track {}: gap {gap_s} s is outside 0-600 s",
                i + 1
            )));
        }
        let output = args.output.join(format!(
            "{:02} {}.{}",
            i + 1,
            file_name_safe(&title),
            format.extension()
        ));
        let mut common = c.clone();
        common.normalize = false;
        common.format = Some(format);
        let job = file_job(&common, &settings, input, &output)?;
        check_output(input, &output, c.force)?;
        tracks.push(Track {
            number: i + 1,
            input: input.clone(),
            output,
            title,
            performer: m.performer.clone().or(manifest.performer.clone()),
            isrc: m.isrc.clone(),
            gap_s,
            job,
        });
    }
    if let Some(cat) = &manifest.catalog {
        if !(cat.len() == 13 && cat.chars().all(|c| c.is_ascii_digit())) {
            return Err(RenderError::Settings(format!(
                "catalog {cat:?} is not a 13-digit UPC/EAN"
            )));
        }
    }
    let image_path = args
        .output
        .join(format!("{}.{}", args.name, format.extension()));
    let cue_path = args.output.join(format!("{}.cue", args.name));
    let report_path = args.output.join(format!("{}.lacquer.json", args.name));
    for p in [&image_path, &cue_path] {
        check_output(&tracks[0].input, p, c.force)?;
    }

    let target = shared.params.target_lufs();
    let ceiling = shared.params.chain_params().limiter.clamped().ceiling_db;
    let strategy = args.loudness.unwrap_or(if target.is_some() {
        Strategy::Album
    } else {
        Strategy::None
    });
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| RenderError::Settings(format!("cannot start {jobs} jobs: {e}")))?;
    let started = std::time::Instant::now();

    // The strategy's per-track targets.
    let before_levels: Vec<f64> = pool.install(|| {
        tracks
            .par_iter()
            .map(|t| input_loudness(&t.input))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let loudest = before_levels
        .iter()
        .copied()
        .filter(|l| l.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let track_targets: Vec<Option<f64>> = match (strategy, target) {
        (Strategy::None, _) => vec![None; tracks.len()],
        (_, None) => {
            return Err(RenderError::Settings(
                "this loudness strategy needs a delivery target with a loudness (--target ...)"
                    .into(),
            ))
        }
        (Strategy::Each, Some(t)) => vec![Some(t); tracks.len()],
        (Strategy::Album, Some(t)) => before_levels
            .iter()
            .map(|&l| l.is_finite().then_some(t - (loudest - l)))
            .collect(),
    };
    for (t, target) in tracks.iter_mut().zip(&track_targets) {
        t.job.normalize = target.map(|x| (x, t.job.chain.limiter.clamped().ceiling_db));
    }

    let total: u64 = tracks
        .iter()
        .filter_map(|t| AudioReader::open(&t.input).ok()?.info().frames)
        .sum();
    let bar = progress_bar(c.quiet, Some(total), format!("album ({jobs} jobs)"));
    let rendered: Vec<Rendered> = pool.install(|| {
        tracks
            .par_iter()
            .map(|t| {
                let last = std::sync::atomic::AtomicU64::new(0);
                let silent = indicatif::ProgressBar::hidden();
                let r = render_file(&t.job, &silent, &|n| {
                    let prev = last.swap(n, std::sync::atomic::Ordering::Relaxed);
                    if n > prev && t.job.normalize.is_none() {
                        bar.inc(n - prev);
                    }
                });
                if t.job.normalize.is_some() {
                    bar.inc(
                        AudioReader::open(&t.input)
                            .ok()
                            .and_then(|r| r.info().frames)
                            .unwrap_or(0),
                    );
                }
                r
            })
            .collect::<Result<Vec<_>, _>>()
    })?;
    bar.finish_and_clear();

    // CD image: tracks back to back, each gap before its track, everything on CD frames.
    let rate = rendered[0].report.output_rate;
    if rendered.iter().any(|r| r.report.output_rate != rate) {
        return Err(RenderError::Settings(
            "tracks at different sample rates cannot share one CD image: give --rate".into(),
        ));
    }
    let cd_frame = (rate as u64 / 75).max(1);
    let image_pending = Pending::new(&image_path);
    let mut sink = create_sink(&image_pending.temp, format, tracks[0].job.bits, rate)
        .map_err(RenderError::Output)?;
    let mut album_meter = Analyzer::new(rate as f64, false);
    let mut pos = 0u64;
    let mut cue = String::new();
    cue.push_str(&format!(
        "REM COMMENT \"Lacquer {}\"\n",
        env!("CARGO_PKG_VERSION")
    ));
    if let Some(cat) = &manifest.catalog {
        cue.push_str(&format!("CATALOG {cat}\n"));
    }
    if let Some(p) = &manifest.performer {
        cue.push_str(&format!("PERFORMER \"{}\"\n", cue_text(p)));
    }
    if let Some(t) = &manifest.title {
        cue.push_str(&format!("TITLE \"{}\"\n", cue_text(t)));
    }
    cue.push_str(&format!(
        "FILE \"{}\" WAVE\n",
        image_path.file_name().unwrap_or_default().to_string_lossy()
    ));
    let write_err = |e: std::io::Error| {
        RenderError::Output(format!("cannot write {}: {e}", image_path.display()))
    };
    let silence = vec![0.0f32; 8192];
    let write_silence =
        |sink: &mut Box<dyn crate::output::AudioSink>, meter: &mut Analyzer, mut n: u64| {
            while n > 0 {
                let k = n.min(silence.len() as u64) as usize;
                sink.write(&silence[..k], &silence[..k])?;
                meter.process(&silence[..k], &silence[..k]);
                n -= k as u64;
            }
            Ok::<(), std::io::Error>(())
        };
    for (t, r) in tracks.iter().zip(&rendered) {
        let gap = ((t.gap_s * rate as f64 / cd_frame as f64).round() as u64) * cd_frame;
        cue.push_str(&format!("  TRACK {:02} AUDIO\n", t.number));
        cue.push_str(&format!("    TITLE \"{}\"\n", cue_text(&t.title)));
        if let Some(p) = &t.performer {
            cue.push_str(&format!("    PERFORMER \"{}\"\n", cue_text(p)));
        }
        if let Some(isrc) = &t.isrc {
            cue.push_str(&format!("    ISRC {isrc}\n"));
        }
        if gap > 0 {
            cue.push_str(&format!("    INDEX 00 {}\n", msf(pos, rate)));
            write_silence(&mut sink, &mut album_meter, gap).map_err(write_err)?;
            pos += gap;
        }
        cue.push_str(&format!("    INDEX 01 {}\n", msf(pos, rate)));
        let temp = &r.pending.as_ref().expect("not yet committed").temp;
        let mut reader = AudioReader::open(temp)?;
        let mut l = vec![0.0; 8192];
        let mut rr = vec![0.0; 8192];
        let mut n_track = 0u64;
        loop {
            let n = reader.read(&mut l, &mut rr)?;
            if n == 0 {
                break;
            }
            sink.write(&l[..n], &rr[..n]).map_err(write_err)?;
            album_meter.process(&l[..n], &rr[..n]);
            n_track += n as u64;
        }
        // Pad the track to a whole CD frame so the next index lands on one.
        let pad = (cd_frame - n_track % cd_frame) % cd_frame;
        write_silence(&mut sink, &mut album_meter, pad).map_err(write_err)?;
        pos += n_track + pad;
    }
    sink.finish().map_err(write_err)?;
    let cue_pending = Pending::new(&cue_path);
    std::fs::write(&cue_pending.temp, &cue)
        .map_err(|e| RenderError::Output(format!("cannot write {}: {e}", cue_path.display())))?;

    // Everything is written: put it in place.
    let mut rendered = rendered;
    for r in &mut rendered {
        if let Some(p) = r.pending.take() {
            p.commit().map_err(RenderError::Output)?;
        }
    }
    image_pending.commit().map_err(RenderError::Output)?;
    cue_pending.commit().map_err(RenderError::Output)?;

    let loudest_after = rendered
        .iter()
        .map(|r| r.report.after.integrated_lufs)
        .filter(|l| l.is_finite())
        .fold(f64::NEG_INFINITY, f64::max);
    let rows: Vec<AlbumTrackRow> = tracks
        .iter()
        .zip(&rendered)
        .zip(&track_targets)
        .map(|((t, r), target)| AlbumTrackRow {
            number: t.number,
            title: t.title.clone(),
            before_lufs: r.report.before.integrated_lufs,
            after_lufs: r.report.after.integrated_lufs,
            track_target_lufs: *target,
            true_peak_dbtp: r.report.after.true_peak_dbtp,
            relative_before_lu: r.report.before.integrated_lufs - loudest,
            relative_after_lu: r.report.after.integrated_lufs - loudest_after,
        })
        .collect();
    let album_after = album_meter.figures();
    let report = AlbumReport {
        strategy: format!("{strategy:?}").to_lowercase(),
        target_lufs: target,
        ceiling_dbtp: ceiling,
        tracks: rows,
        album_image: image_path.display().to_string(),
        cue_sheet: cue_path.display().to_string(),
        platforms: platforms(&album_after),
        album_after,
        jobs,
        seconds: started.elapsed().as_secs_f64(),
        files: rendered.iter().map(|r| r.report.clone()).collect(),
    };
    if !c.no_report {
        write_json(&report_path, &report).map_err(RenderError::Output)?;
    }
    if c.plot {
        for (t, r) in tracks.iter().zip(&rendered) {
            write_plot(
                &crate::render::sidecar(&t.output, "png"),
                r,
                t.job.normalize.map(|n| n.0),
            )?;
        }
    }
    if !c.quiet {
        crate::say!("{}", report.table().trim_end());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cue_times_and_isrc_checks() {
        assert_eq!(msf(0, 44_100), "00:00:00");
        assert_eq!(msf(44_100 * 61 + 588 * 3, 44_100), "01:01:03");
        assert!(valid_isrc("USABC2400001"));
        assert!(!valid_isrc("US-ABC-24-00001"));
        // Twelve bytes that are not twelve characters: refused, never a panic.
        assert!(!valid_isrc("ÜSABC240001"));
        assert!(!valid_isrc("UÜBC2400001"));
        assert_eq!(file_name_safe("AC/DC: Live?"), "AC_DC_ Live_");
    }
}
