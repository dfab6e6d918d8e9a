//! Measurements of a whole file as it streams past: integrated loudness, loudness range, true
//! peak and sample peak with Lacquer's own meters (BS.1770-4 / Tech 3341 / 3342 conformant, see
//! `dsp/tests/kernels/metering.rs`), plus the short-term loudness history and the long-term average
//! spectrum for the plot.

use lacquer_dsp::loudness::LoudnessMeter;
use lacquer_dsp::meter::TruePeakMeter;
use realfft::{RealFftPlanner, RealToComplex};
use serde::Serialize;
use std::sync::Arc;

/// Short-term loudness is sampled this often for the history, seconds.
pub const HISTORY_STEP_S: f64 = 0.5;
/// FFT size of the long-term spectrum at 44.1/48 kHz (scaled with the rate).
const SPECTRUM_SIZE_48K: usize = 4096;

/// The figures of one file.
#[derive(Debug, Clone, Copy, Serialize, Default, PartialEq)]
pub struct Figures {
    pub integrated_lufs: f64,
    pub loudness_range_lu: f64,
    pub true_peak_dbtp: f64,
    pub sample_peak_dbfs: f64,
    /// Peak-to-loudness ratio: true peak minus integrated loudness.
    pub plr_db: f64,
    pub max_short_term_lufs: f64,
    pub seconds: f64,
}

/// Everything measured about one signal.
#[derive(Debug, Clone)]
pub struct Measured {
    pub figures: Figures,
    /// Short-term loudness every `HISTORY_STEP_S`.
    pub history: Vec<f32>,
    pub spectrum: Option<Vec<(f64, f64)>>,
}

pub struct Analyzer {
    rate: f64,
    loudness: LoudnessMeter,
    true_peak: TruePeakMeter,
    sample_peak: f32,
    frames: u64,
    history_step: u64,
    next_history: u64,
    history: Vec<f32>,
    spectrum: Option<Spectrum>,
}

impl Analyzer {
    pub fn new(rate: f64, with_spectrum: bool) -> Self {
        let history_step = (HISTORY_STEP_S * rate).round() as u64;
        Self {
            rate,
            loudness: LoudnessMeter::new(rate, 2),
            true_peak: TruePeakMeter::new(2),
            sample_peak: 0.0,
            frames: 0,
            history_step,
            next_history: history_step,
            history: Vec::new(),
            spectrum: with_spectrum.then(|| Spectrum::new(rate)),
        }
    }

    pub fn process(&mut self, left: &[f32], right: &[f32]) {
        let mut start = 0;
        let n = left.len();
        while start < n {
            // Split at history points so the short-term reading is taken on time.
            let until = (self.next_history - self.frames) as usize;
            let end = n.min(start + until);
            let (l, r) = (&left[start..end], &right[start..end]);
            self.loudness.process_stereo(l, r);
            self.true_peak.process(&[l, r]);
            for (&a, &b) in l.iter().zip(r) {
                self.sample_peak = self.sample_peak.max(a.abs()).max(b.abs());
            }
            if let Some(s) = self.spectrum.as_mut() {
                s.push(l, r);
            }
            self.frames += (end - start) as u64;
            if self.frames == self.next_history {
                self.history.push(self.loudness.short_term_lufs() as f32);
                self.next_history += self.history_step;
            }
            start = end;
        }
    }

    pub fn figures(&self) -> Figures {
        let i = self.loudness.integrated_lufs();
        let tp = amp_db(self.true_peak.max_peak(0).max(self.true_peak.max_peak(1)) as f64);
        Figures {
            integrated_lufs: i,
            loudness_range_lu: self.loudness.loudness_range_lu(),
            true_peak_dbtp: tp,
            sample_peak_dbfs: amp_db(self.sample_peak as f64),
            plr_db: tp - i,
            max_short_term_lufs: self.loudness.max_short_term_lufs(),
            seconds: self.frames as f64 / self.rate,
        }
    }

    pub fn measured(&self) -> Measured {
        Measured {
            figures: self.figures(),
            history: self.history.clone(),
            spectrum: self.spectrum(),
        }
    }

    /// Long-term average spectrum of the mid signal: (frequency Hz, level dB), if collected.
    pub fn spectrum(&self) -> Option<Vec<(f64, f64)>> {
        self.spectrum.as_ref().map(Spectrum::levels)
    }
}

pub fn amp_db(x: f64) -> f64 {
    if x > 0.0 {
        20.0 * x.log10()
    } else {
        f64::NEG_INFINITY
    }
}

/// Welch average: Hann windows, half overlap, of (L+R)/2.
struct Spectrum {
    rate: f64,
    size: usize,
    fft: Arc<dyn RealToComplex<f64>>,
    window: Vec<f64>,
    ring: Vec<f64>,
    fill: usize,
    input: Vec<f64>,
    output: Vec<realfft::num_complex::Complex<f64>>,
    power: Vec<f64>,
    frames: u64,
}

impl Spectrum {
    fn new(rate: f64) -> Self {
        let size = (SPECTRUM_SIZE_48K as f64 * rate / 48_000.0)
            .max(1024.0)
            .round()
            .log2()
            .round()
            .exp2() as usize;
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(size);
        let window = (0..size)
            .map(|i| 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / size as f64).cos())
            .collect();
        let output = fft.make_output_vec();
        Self {
            rate,
            size,
            input: fft.make_input_vec(),
            power: vec![0.0; output.len()],
            output,
            fft,
            window,
            ring: vec![0.0; size],
            fill: 0,
            frames: 0,
        }
    }

    fn push(&mut self, left: &[f32], right: &[f32]) {
        for (&a, &b) in left.iter().zip(right) {
            self.ring[self.fill] = 0.5 * (a as f64 + b as f64);
            self.fill += 1;
            if self.fill == self.size {
                for ((x, &s), &w) in self.input.iter_mut().zip(&self.ring).zip(&self.window) {
                    *x = s * w;
                }
                self.fft
                    .process(&mut self.input, &mut self.output)
                    .expect("sizes from the planner");
                for (p, c) in self.power.iter_mut().zip(&self.output) {
                    *p += c.norm_sqr();
                }
                self.frames += 1;
                let half = self.size / 2;
                self.ring.copy_within(half.., 0);
                self.fill = half;
            }
        }
    }

    /// dB relative to a full-scale sine.
    fn levels(&self) -> Vec<(f64, f64)> {
        let frames = self.frames.max(1) as f64;
        // A full-scale sine through a Hann window peaks at (N/4)^2 in power.
        let reference = (self.size as f64 / 4.0).powi(2);
        self.power
            .iter()
            .enumerate()
            .skip(1)
            .map(|(k, &p)| {
                let f = k as f64 * self.rate / self.size as f64;
                (f, 10.0 * (p / frames / reference).max(1e-20).log10())
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sine_reads_its_level_everywhere() {
        let rate = 48_000.0;
        let amp = 10f64.powf(-20.0 / 20.0);
        let x: Vec<f32> = (0..(rate * 6.0) as usize)
            .map(|n| (amp * (std::f64::consts::TAU * 1000.0 * n as f64 / rate).sin()) as f32)
            .collect();
        let mut a = Analyzer::new(rate, true);
        for c in x.chunks(1234) {
            a.process(c, c);
        }
        let f = a.figures();
        let spectrum = a.spectrum().unwrap();
        let (peak_f, peak_db) = spectrum
            .iter()
            .copied()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap();
        println!(
            "{f:?}; spectrum peak {peak_db:.2} dB at {peak_f:.0} Hz; history {} points",
            a.measured().history.len()
        );
        // EBU Tech 3341: a stereo 1 kHz sine at -20 dBFS reads -20 LUFS.
        assert!((f.integrated_lufs + 20.0).abs() < 0.1);
        assert!((f.true_peak_dbtp + 20.0).abs() < 0.1);
        assert!((f.sample_peak_dbfs + 20.0).abs() < 0.01);
        assert!((peak_f - 1000.0).abs() < 20.0);
        assert!((peak_db + 20.0).abs() < 1.5, "{peak_db}");
        assert_eq!(a.measured().history.len(), 12);
    }
}
