//! Long-term analysis, the same for a reference (over the whole file, at load) and for the
//! master (over what has played, on the reference thread): average mid and side spectra,
//! width per band, low-end mono ratio, crest factor and correlation. Loudness, LRA and true
//! peak come from Lacquer's loudness meters, not from here.
//!
//! The spectra are Welch averages (Hann, 8192 points, 50 % overlap) of mid = (L + R) / 2 and
//! side = (L - R) / 2. Frames quieter than -90 dBFS (silence before, after and between songs,
//! a stopped transport) are left out of every figure, so they do not pull the averages down.

use lacquer_dsp::meter::grid::{point_hz, POINTS};
use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use std::sync::Arc;

pub const FFT_SIZE: usize = 8192;
const HOP: usize = FFT_SIZE / 2;
/// Bands of the width figures, Hz.
pub const WIDTH_BANDS: [(f64, f64); 4] = [
    (120.0, 500.0),
    (500.0, 2_000.0),
    (2_000.0, 8_000.0),
    (8_000.0, 20_000.0),
];
/// The low end whose mono ratio is reported: 20 Hz up to this.
pub const LOW_END_HZ: f64 = 120.0;
/// Half-width of the smoothing around each display point, octaves (1/6 octave in all).
const SMOOTH_OCT: f64 = 1.0 / 12.0;
/// Mean square (both channels) below which a stretch counts as silence.
const GATE_POWER: f64 = 1e-9;

/// The long-term figures of one programme.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
    /// Average power spectra, dB (white noise of variance v reads 10 log10 v), at the
    /// editor's analysis points (`meter::grid`), smoothed over 1/6 octave.
    pub mid_db: Vec<f32>,
    pub side_db: Vec<f32>,
    /// Side's share of the energy in each of `WIDTH_BANDS` (0 = mono, 0.5 = as much side as
    /// mid, 1 = all side).
    pub width: [f32; 4],
    /// Mid's share of the energy from 20 Hz to `LOW_END_HZ` (1 = mono bass).
    pub low_end_mono: f32,
    /// Sample peak over RMS (both channels), dB.
    pub crest_db: f32,
    /// Correlation of left and right over everything measured (-1..1).
    pub correlation: f32,
    pub sample_peak_db: f32,
    pub rms_db: f32,
    /// Seconds of non-silent audio measured.
    pub seconds: f64,
}

impl Default for Stats {
    fn default() -> Self {
        Self {
            mid_db: vec![f32::NEG_INFINITY; POINTS],
            side_db: vec![f32::NEG_INFINITY; POINTS],
            width: [f32::NAN; 4],
            low_end_mono: f32::NAN,
            crest_db: f32::NAN,
            correlation: f32::NAN,
            sample_peak_db: f32::NEG_INFINITY,
            rms_db: f32::NEG_INFINITY,
            seconds: 0.0,
        }
    }
}

#[derive(Default, Clone, Copy)]
struct Sums {
    peak: f32,
    ll: f64,
    rr: f64,
    lr: f64,
    frames: u64,
}

impl Sums {
    fn add(&mut self, o: &Sums) {
        self.peak = self.peak.max(o.peak);
        self.ll += o.ll;
        self.rr += o.rr;
        self.lr += o.lr;
        self.frames += o.frames;
    }
}

/// Long-term average power spectra of mid and side, as measured (for the match EQ).
#[derive(Debug, Clone)]
pub struct Ltas {
    rate: f64,
    mid: Vec<f64>,
    side: Vec<f64>,
    /// Divides a bin's sum into an average power (frames x window power).
    norm: f64,
    /// Seconds of non-silent audio behind it.
    pub seconds: f64,
}

impl Ltas {
    fn power(&self, side: bool, lo: f64, hi: f64) -> f64 {
        band_power(
            self.rate,
            if side { &self.side } else { &self.mid },
            self.norm,
            lo,
            hi,
        )
    }

    /// Average power from `lo` to `hi` Hz, dB (-inf if silent or above Nyquist).
    pub fn band_db(&self, side: bool, lo: f64, hi: f64) -> f32 {
        if lo >= self.rate / 2.0 {
            return f32::NEG_INFINITY;
        }
        let p = self.power(side, lo, hi.min(self.rate / 2.0));
        if p > 0.0 {
            (10.0 * p.log10()) as f32
        } else {
            f32::NEG_INFINITY
        }
    }
}

/// Average power in the bins from `lo` to `hi` Hz (the nearest bin when none lies inside).
fn band_power(rate: f64, power: &[f64], norm: f64, lo: f64, hi: f64) -> f64 {
    let bin_hz = rate / FFT_SIZE as f64;
    let last = power.len() - 1;
    let a = ((lo / bin_hz).ceil() as usize).min(last);
    let b = ((hi / bin_hz).floor() as usize).min(last);
    if b >= a {
        power[a..=b].iter().sum::<f64>() / ((b - a + 1) as f64 * norm)
    } else {
        let k = (((lo * hi).sqrt() / bin_hz).round() as usize).min(last);
        power[k] / norm
    }
}

/// Feeds on stereo audio of any length; `stats()` at any time.
pub struct Accumulator {
    rate: f64,
    fft: Arc<dyn RealToComplex<f32>>,
    window: Vec<f32>,
    window_power: f64,
    mid: Vec<f32>,
    side: Vec<f32>,
    fill: usize,
    input: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    power_mid: Vec<f64>,
    power_side: Vec<f64>,
    spectra: u64,
    chunk: Sums,
    total: Sums,
}

impl Accumulator {
    pub fn new(rate: f64) -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(FFT_SIZE);
        let window: Vec<f32> = (0..FFT_SIZE)
            .map(|i| {
                let x = std::f64::consts::TAU * i as f64 / FFT_SIZE as f64;
                (0.5 - 0.5 * x.cos()) as f32
            })
            .collect();
        let window_power = window.iter().map(|&w| (w as f64) * (w as f64)).sum();
        Self {
            rate: rate.max(1.0),
            spectrum: fft.make_output_vec(),
            scratch: fft.make_scratch_vec(),
            input: vec![0.0; FFT_SIZE],
            fft,
            window,
            window_power,
            mid: vec![0.0; FFT_SIZE],
            side: vec![0.0; FFT_SIZE],
            fill: 0,
            power_mid: vec![0.0; FFT_SIZE / 2 + 1],
            power_side: vec![0.0; FFT_SIZE / 2 + 1],
            spectra: 0,
            chunk: Sums::default(),
            total: Sums::default(),
        }
    }

    pub fn rate(&self) -> f64 {
        self.rate
    }

    pub fn push(&mut self, left: &[f32], right: &[f32]) {
        for (&l, &r) in left.iter().zip(right) {
            self.mid[self.fill] = 0.5 * (l + r);
            self.side[self.fill] = 0.5 * (l - r);
            self.fill += 1;
            let c = &mut self.chunk;
            c.peak = c.peak.max(l.abs()).max(r.abs());
            c.ll += l as f64 * l as f64;
            c.rr += r as f64 * r as f64;
            c.lr += l as f64 * r as f64;
            c.frames += 1;
            if c.frames as usize == HOP {
                if (c.ll + c.rr) / (2.0 * HOP as f64) > GATE_POWER {
                    let chunk = self.chunk;
                    self.total.add(&chunk);
                }
                self.chunk = Sums::default();
            }
            if self.fill == FFT_SIZE {
                self.analyse_frame();
                self.mid.copy_within(HOP.., 0);
                self.side.copy_within(HOP.., 0);
                self.fill = FFT_SIZE - HOP;
            }
        }
    }

    fn analyse_frame(&mut self) {
        let energy: f64 = self
            .mid
            .iter()
            .zip(&self.side)
            .map(|(&m, &s)| (m as f64) * (m as f64) + (s as f64) * (s as f64))
            .sum::<f64>()
            / FFT_SIZE as f64;
        // Mid and side carry half the channels' power between them.
        if energy < GATE_POWER / 2.0 {
            return;
        }
        for (which, power) in [
            (&self.mid, &mut self.power_mid),
            (&self.side, &mut self.power_side),
        ] {
            for ((x, &v), &w) in self.input.iter_mut().zip(which.iter()).zip(&self.window) {
                *x = v * w;
            }
            if self
                .fft
                .process_with_scratch(&mut self.input, &mut self.spectrum, &mut self.scratch)
                .is_err()
            {
                return;
            }
            for (p, c) in power.iter_mut().zip(&self.spectrum) {
                *p += c.norm_sqr() as f64;
            }
        }
        self.spectra += 1;
    }

    fn band_power(&self, power: &[f64], lo: f64, hi: f64) -> f64 {
        let norm = self.spectra.max(1) as f64 * self.window_power;
        band_power(self.rate, power, norm, lo, hi)
    }

    /// The spectra so far (`None` before the first non-silent frame).
    pub fn ltas(&self) -> Option<Ltas> {
        (self.spectra > 0).then(|| Ltas {
            rate: self.rate,
            mid: self.power_mid.clone(),
            side: self.power_side.clone(),
            norm: self.spectra as f64 * self.window_power,
            seconds: self.spectra as f64 * HOP as f64 / self.rate,
        })
    }

    /// Seconds of non-silent audio analysed.
    pub fn seconds(&self) -> f64 {
        self.spectra as f64 * HOP as f64 / self.rate
    }

    pub fn stats(&self) -> Stats {
        let mut st = Stats::default();
        let nyquist = self.rate / 2.0;
        if self.spectra > 0 {
            let db = |p: f64| {
                if p > 0.0 {
                    (10.0 * p.log10()) as f32
                } else {
                    f32::NEG_INFINITY
                }
            };
            for i in 0..POINTS {
                let f = point_hz(i);
                let (lo, hi) = (f * 2f64.powf(-SMOOTH_OCT), f * 2f64.powf(SMOOTH_OCT));
                if hi >= nyquist {
                    continue;
                }
                st.mid_db[i] = db(self.band_power(&self.power_mid, lo, hi));
                st.side_db[i] = db(self.band_power(&self.power_side, lo, hi));
            }
            let share = |lo: f64, hi: f64, of_side: bool| {
                let m = self.band_power(&self.power_mid, lo, hi.min(nyquist));
                let s = self.band_power(&self.power_side, lo, hi.min(nyquist));
                let part = if of_side { s } else { m };
                if m + s > 0.0 && lo < nyquist {
                    (part / (m + s)) as f32
                } else {
                    f32::NAN
                }
            };
            for (w, &(lo, hi)) in st.width.iter_mut().zip(&WIDTH_BANDS) {
                *w = share(lo, hi, true);
            }
            st.low_end_mono = share(20.0, LOW_END_HZ, false);
        }
        let t = &self.total;
        if t.frames > 0 {
            let ms = (t.ll + t.rr) / (2.0 * t.frames as f64);
            st.rms_db = (10.0 * ms.log10()) as f32;
            st.sample_peak_db = 20.0 * t.peak.log10();
            st.crest_db = st.sample_peak_db - st.rms_db;
            let denom = (t.ll * t.rr).sqrt();
            st.correlation = if denom > 0.0 {
                (t.lr / denom) as f32
            } else {
                f32::NAN
            };
            st.seconds = t.frames as f64 / self.rate;
        }
        st
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn noise(seed: &mut u64) -> f32 {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        ((*seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    /// Known programmes give known figures: a sine's crest factor is 3.01 dB; mono has
    /// correlation 1, all-mid energy and a mono low end; independent noise on both sides has
    /// correlation 0 and half its energy in the side; white noise's spectrum is flat at its
    /// variance; silence between programme parts changes nothing.
    #[test]
    fn figures_of_known_signals() {
        let rate = 48_000.0;
        let n = 10 * 48_000;
        let sine: Vec<f32> = (0..n)
            .map(|i| 0.5 * (std::f32::consts::TAU * 997.0 * i as f32 / 48_000.0).sin())
            .collect();
        let mut a = Accumulator::new(rate);
        a.push(&sine, &sine);
        let pure = a.stats();
        // Silence in the middle is left out (in 85 ms steps: the edges count a little).
        let silence = vec![0.0f32; 3 * 48_000];
        a.push(&silence, &silence);
        a.push(&sine, &sine);
        let s = a.stats();
        println!(
            "sine: crest {:.4} dB alone, {:.4} dB around silence; correlation {:.4}, low-end \
             mono {:.3}, seconds {:.2}",
            pure.crest_db, s.crest_db, s.correlation, s.low_end_mono, s.seconds
        );
        assert!((pure.crest_db - 3.0103).abs() < 0.005);
        assert!((s.crest_db - 3.0103).abs() < 0.1);
        assert!((s.correlation - 1.0).abs() < 1e-6);
        assert!((s.seconds - 20.0).abs() < 0.2, "{}", s.seconds);
        assert!(s.width.iter().all(|&w| w < 1e-6), "{:?}", s.width);

        let mut seed = 0x1234_5678_9abc_def1u64;
        let l: Vec<f32> = (0..n).map(|_| noise(&mut seed)).collect();
        let r: Vec<f32> = (0..n).map(|_| noise(&mut seed)).collect();
        let mut b = Accumulator::new(rate);
        b.push(&l, &r);
        let s = b.stats();
        let var = 1.0f64 / 3.0; // uniform on -1..1
                                // Mid and side of independent channels each carry half the variance.
        let expected = 10.0 * (var / 2.0).log10();
        let flat: Vec<f32> = (0..POINTS)
            .filter(|&i| (200.0..15_000.0).contains(&point_hz(i)))
            .map(|i| s.mid_db[i])
            .collect();
        let worst = flat
            .iter()
            .fold(0.0f64, |m, &v| m.max((v as f64 - expected).abs()));
        println!(
            "noise: correlation {:.4}, widths {:?}, low-end mono {:.3}, mid spectrum within \
             {worst:.2} dB of {expected:.2} dB",
            s.correlation, s.width, s.low_end_mono
        );
        assert!(s.correlation.abs() < 0.01);
        assert!(
            s.width.iter().all(|&w| (w - 0.5).abs() < 0.05),
            "{:?}",
            s.width
        );
        assert!((s.low_end_mono - 0.5).abs() < 0.1);
        assert!(worst < 1.0, "{worst}");
    }
}
