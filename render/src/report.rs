//! Reports: a text table for the terminal and a JSON file, per file and per album, with the
//! loudness figures before and after and what each delivery target would do with the master.

use crate::analysis::Figures;
use crate::engine::Timings;
use lacquer_dsp::targets::{Normalization, TARGETS};
use serde::Serialize;
use std::fmt::Write;

/// What one destination does with the master.
#[derive(Debug, Clone, Serialize)]
pub struct PlatformVerdict {
    pub id: &'static str,
    pub name: &'static str,
    pub target_lufs: Option<f64>,
    pub ceiling_dbtp: f64,
    /// Playback gain the platform applies, dB (negative: turned down). `None` where it does
    /// not normalise.
    pub playback_gain_db: Option<f64>,
    /// The true peak after the platform's gain, dBTP.
    pub peak_after_gain_dbtp: Option<f64>,
    pub verdict: String,
}

pub fn platforms(after: &Figures) -> Vec<PlatformVerdict> {
    TARGETS
        .iter()
        .map(|t| {
            let gain = t.playback_gain_db(after.integrated_lufs);
            let over = after.true_peak_dbtp > t.ceiling_dbtp + 1e-9;
            let mut verdict = match (t.normalization, gain, t.integrated_lufs) {
                (_, Some(g), _) if g < -0.05 => format!("turns it down {:.1} dB", -g),
                (_, Some(g), _) if g > 0.05 => format!("turns it up {g:.1} dB"),
                (Normalization::DownOnly, Some(_), Some(l)) if after.integrated_lufs < l - 0.05 => {
                    format!(
                        "plays it as is ({:.1} LU under its {l} LUFS)",
                        l - after.integrated_lufs
                    )
                }
                (_, Some(_), _) => "plays it as is".into(),
                (Normalization::None, None, Some(l)) => {
                    let tol = t.tolerance_lu.unwrap_or(0.0);
                    let off = after.integrated_lufs - l;
                    if off.abs() <= tol + 1e-9 {
                        format!("meets {l} LUFS (+-{tol} LU)")
                    } else {
                        format!("misses {l} LUFS by {off:+.1} LU")
                    }
                }
                _ => "no loudness normalisation".into(),
            };
            if over {
                verdict.push_str(&format!("; true peak over its {} dBTP", t.ceiling_dbtp));
            }
            PlatformVerdict {
                id: t.id,
                name: t.name,
                target_lufs: t.integrated_lufs,
                ceiling_dbtp: t.ceiling_dbtp,
                playback_gain_db: gain,
                peak_after_gain_dbtp: gain.map(|g| after.true_peak_dbtp + g),
                verdict,
            }
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct NormalizeInfo {
    pub target_lufs: f64,
    pub ceiling_dbtp: f64,
    pub passes: usize,
    pub drive_db: f64,
    pub output_gain_db: f64,
    pub error_lu: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileReport {
    pub input: String,
    pub output: String,
    pub settings: String,
    pub notes: Vec<String>,
    pub input_codec: String,
    pub input_channels: usize,
    pub input_rate: u32,
    pub output_rate: u32,
    pub output_format: String,
    pub word_length: String,
    pub frames_in: u64,
    pub frames_out: u64,
    pub latency_frames: usize,
    pub tail_frames: u64,
    pub before: Figures,
    pub after: Figures,
    pub normalize: Option<NormalizeInfo>,
    pub platforms: Vec<PlatformVerdict>,
    pub timings: Timings,
    /// Seconds of audio per second of work, over every pass.
    pub realtime_factor: f64,
    pub short_term_history_step_s: f64,
    pub short_term_before: Vec<f32>,
    pub short_term_after: Vec<f32>,
}

fn f(x: f64, unit: &str) -> String {
    if x.is_finite() {
        format!("{x:.1} {unit}")
    } else {
        "-inf".into()
    }
}

fn figure_rows(out: &mut String, before: &Figures, after: &Figures) {
    let _ = writeln!(out, "  {:<22} {:>12} {:>12}", "", "before", "after");
    let rows: [(&str, f64, f64, &str); 5] = [
        (
            "integrated loudness",
            before.integrated_lufs,
            after.integrated_lufs,
            "LUFS",
        ),
        (
            "loudness range",
            before.loudness_range_lu,
            after.loudness_range_lu,
            "LU",
        ),
        (
            "true peak",
            before.true_peak_dbtp,
            after.true_peak_dbtp,
            "dBTP",
        ),
        ("PLR", before.plr_db, after.plr_db, "dB"),
        (
            "max short-term",
            before.max_short_term_lufs,
            after.max_short_term_lufs,
            "LUFS",
        ),
    ];
    for (name, b, a, unit) in rows {
        let _ = writeln!(out, "  {name:<22} {:>12} {:>12}", f(b, unit), f(a, unit));
    }
}

impl FileReport {
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{} -> {}", self.input, self.output);
        let _ = writeln!(out, "  settings: {}", self.settings);
        for n in &self.notes {
            let _ = writeln!(out, "  note: {n}");
        }
        figure_rows(&mut out, &self.before, &self.after);
        if let Some(n) = &self.normalize {
            let _ = writeln!(
                out,
                "  normalised to {:.1} LUFS (off by {:+.2} LU), ceiling {:.1} dBTP: limiter drive \
                 {:.2} dB, output gain {:.2} dB, {} pass(es)",
                n.target_lufs, n.error_lu, n.ceiling_dbtp, n.drive_db, n.output_gain_db, n.passes
            );
        }
        let _ = writeln!(out, "  platforms:");
        for p in &self.platforms {
            let _ = writeln!(out, "    {:<24} {}", p.name, p.verdict);
        }
        let t = &self.timings;
        let total = t.total_s.max(1e-9);
        let _ = writeln!(
            out,
            "  {:.1} s of audio in {:.2} s ({:.0}x realtime): chain {:.0} %, decode {:.0} %, \
             resample {:.0} %, dither {:.0} %, write {:.0} %, meters {:.0} %",
            self.before.seconds,
            t.total_s,
            self.realtime_factor,
            100.0 * t.chain_s / total,
            100.0 * t.decode_s / total,
            100.0 * t.resample_s / total,
            100.0 * t.dither_s / total,
            100.0 * t.write_s / total,
            100.0 * t.meters_s / total,
        );
        out
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct AlbumTrackRow {
    pub number: usize,
    pub title: String,
    pub before_lufs: f64,
    pub after_lufs: f64,
    pub track_target_lufs: Option<f64>,
    pub true_peak_dbtp: f64,
    /// Level relative to the album's loudest track, before and after, LU.
    pub relative_before_lu: f64,
    pub relative_after_lu: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlbumReport {
    pub strategy: String,
    pub target_lufs: Option<f64>,
    pub ceiling_dbtp: f64,
    pub tracks: Vec<AlbumTrackRow>,
    pub album_image: String,
    pub cue_sheet: String,
    pub album_after: Figures,
    pub platforms: Vec<PlatformVerdict>,
    pub jobs: usize,
    pub seconds: f64,
    pub files: Vec<FileReport>,
}

impl AlbumReport {
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "album: strategy {}, target {}, ceiling {:.1} dBTP, {} tracks on {} job(s) in {:.1} s",
            self.strategy,
            self.target_lufs
                .map_or("none".into(), |t| format!("{t:.1} LUFS")),
            self.ceiling_dbtp,
            self.tracks.len(),
            self.jobs,
            self.seconds
        );
        let _ = writeln!(
            out,
            "  {:>2}  {:<28} {:>10} {:>10} {:>10} {:>9} {:>10} {:>10}",
            "#", "title", "before", "after", "target", "TP", "rel.before", "rel.after"
        );
        for t in &self.tracks {
            let _ = writeln!(
                out,
                "  {:>2}  {:<28} {:>10} {:>10} {:>10} {:>9} {:>10} {:>10}",
                t.number,
                t.title.chars().take(28).collect::<String>(),
                f(t.before_lufs, "LUFS"),
                f(t.after_lufs, "LUFS"),
                t.track_target_lufs.map_or("-".into(), |x| f(x, "LUFS")),
                f(t.true_peak_dbtp, "dBTP"),
                format!("{:+.2} LU", t.relative_before_lu),
                format!("{:+.2} LU", t.relative_after_lu),
            );
        }
        let a = &self.album_after;
        let _ = writeln!(
            out,
            "  whole album ({}): {} integrated, LRA {}, true peak {}",
            self.album_image,
            f(a.integrated_lufs, "LUFS"),
            f(a.loudness_range_lu, "LU"),
            f(a.true_peak_dbtp, "dBTP")
        );
        let _ = writeln!(out, "  CUE sheet: {}", self.cue_sheet);
        let _ = writeln!(out, "  platforms (whole album):");
        for p in &self.platforms {
            let _ = writeln!(out, "    {:<24} {}", p.name, p.verdict);
        }
        out
    }
}

/// Write `value` as pretty JSON through a temporary file.
pub fn write_json(path: &std::path::Path, value: &impl Serialize) -> Result<(), String> {
    let json = serde_json::to_vec_pretty(value).map_err(|e| format!("cannot encode: {e}"))?;
    let pending = crate::output::Pending::new(path);
    std::fs::write(&pending.temp, json)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    pending.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_platform_gets_its_verdict() {
        let after = Figures {
            integrated_lufs: -9.0,
            true_peak_dbtp: -0.5,
            ..Default::default()
        };
        let v = platforms(&after);
        let by = |id: &str| v.iter().find(|p| p.id == id).unwrap().verdict.clone();
        println!("{v:#?}");
        assert!(by("spotify").starts_with("turns it down 5.0 dB"));
        assert!(by("spotify").contains("true peak over"));
        assert!(by("ebu-r128").contains("misses -23 LUFS by +14.0"));
        assert_eq!(by("cd"), "no loudness normalisation");
        let quiet = Figures {
            integrated_lufs: -18.0,
            true_peak_dbtp: -3.0,
            ..Default::default()
        };
        let v = platforms(&quiet);
        let by = |id: &str| v.iter().find(|p| p.id == id).unwrap().verdict.clone();
        assert_eq!(by("spotify"), "turns it up 4.0 dB");
        assert!(by("youtube").starts_with("plays it as is (4.0 LU under"));
    }
}
