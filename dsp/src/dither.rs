//! Word-length reduction to 16, 20 or 24 bits with TPDF dither, optionally noise-shaped.
//!
//! Output stays `f32` but lies exactly on the target grid `k / 2^(bits - 1)` with
//! `-2^(bits - 1) <= k < 2^(bits - 1)`, so the host's integer conversion is lossless.
//!
//! TPDF: the difference of two independent uniform values spans +-1 LSB with a triangular
//! density (variance LSB^2 / 6). Added before rounding, it makes the first two moments of the
//! total error independent of the signal: no distortion and no noise modulation, at a total
//! error power of LSB^2/12 (rounding) + LSB^2/6 (dither) = LSB^2/4, spectrally white.
//!
//! Noise shaping: error feedback, `y = Q(x - sum h_k e[n-k] + d)`, `e = y - (x - sum ..)`, so
//! the total error (dither included) leaves through `NTF(z) = 1 - sum h_k z^-k`. The taps are
//! Wannamaker's 9-tap F-weighted design for 44.1 kHz ("Psychoacoustically optimal noise
//! shaping", JAES 1992): about -18 dB across 1-6 kHz where the ear is most sensitive, rising
//! to +27 dB at Nyquist (+18 dB of total power, all of it where hearing is least sensitive).
//! At other rates the curve scales with the rate (at 48 kHz the dip still covers 1-6.5 kHz;
//! at 88.2 kHz and above the noise is pushed past 20 kHz anyway). The fed-back error is
//! clamped, so clipping at full scale cannot make the loop run away.

use crate::Stage;
/// Dither mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DitherMode {
    /// Pass the signal through untouched.
    #[default]
    Off,
    /// Flat triangular dither of +-1 LSB.
    Tpdf,
    /// TPDF dither with 9th-order psychoacoustic noise shaping.
    NoiseShaped,
}

/// User settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DitherParams {
    pub mode: DitherMode,
    /// Target word length: 16, 20 or 24.
    pub bits: u32,
}

impl Default for DitherParams {
    fn default() -> Self {
        Self {
            mode: DitherMode::Off,
            bits: 16,
        }
    }
}

/// Word lengths the dither supports.
pub const SUPPORTED_BITS: [u32; 3] = [16, 20, 24];

impl DitherParams {
    pub fn validate(&self) -> Result<(), String> {
        if SUPPORTED_BITS.contains(&self.bits) {
            Ok(())
        } else {
            Err(format!(
                "dither word length must be 16, 20 or 24 bits, got {}",
                self.bits
            ))
        }
    }

    /// The same settings with the word length forced to the nearest supported one.
    pub fn clamped(&self) -> Self {
        let bits = SUPPORTED_BITS
            .into_iter()
            .min_by_key(|&b| b.abs_diff(self.bits))
            .unwrap_or(16);
        Self { bits, ..*self }
    }
}

/// Wannamaker's F-weighted error-feedback taps (h_1..h_9) for 44.1 kHz.
const SHAPING: [f64; 9] = [
    2.412, -3.370, 3.937, -4.174, 3.353, -2.205, 1.281, -0.569, 0.0847,
];
/// Largest total error (in LSB) without clipping: rounding 0.5 plus dither below 1.
const MAX_ERROR: f64 = 1.5;
/// `(v + ROUNDER) - ROUNDER` rounds `v` to the nearest integer (ties to even) for
/// `|v| < 2^51`, with two adds instead of a libm call; larger values are integers already.
const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// xorshift64* (Vigna): fast, 64-bit state, passes BigCrush on its upper bits.
#[derive(Debug, Clone, Copy)]
struct Rng(u64);

impl Rng {
    #[inline(always)]
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Triangular value in (-1, 1): the difference of two 24-bit uniforms from one draw.
    #[inline(always)]
    fn tpdf(&mut self) -> f64 {
        const SCALE: f64 = 1.0 / (1u64 << 24) as f64;
        let r = self.next();
        // Through i32: both fit in 24 bits, and a signed 32-bit conversion is one instruction
        // where u64 -> f64 is a branchy sequence on x86-64.
        let a = (r >> 40) as i32 as f64;
        let b = ((r >> 16) & 0xFF_FFFF) as i32 as f64;
        (a - b) * SCALE
    }
}

/// Fixed per-channel seeds, so `reset()` replays the same noise (reproducible renders).
const SEEDS: [u64; 2] = [0x9E37_79B9_7F4A_7C15, 0xD1B5_4A32_D192_ED03];

/// Stereo dither / word-length reducer.
#[derive(Debug, Clone)]
pub struct Dither {
    params: DitherParams,
    /// `2^(bits - 1)`: samples per unit, i.e. 1 / LSB.
    scale: f64,
    rng: [Rng; 2],
    /// Past total errors per channel, newest first (noise-shaped mode).
    errors: [[f64; 9]; 2],
}

impl Dither {
    pub fn params(&self) -> DitherParams {
        self.params
    }

    /// Size of one step of the target grid.
    pub fn lsb(&self) -> f64 {
        1.0 / self.scale
    }

    fn process_tpdf(&mut self, left: &mut [f32], right: &mut [f32]) {
        let scale = self.scale;
        let inv = 1.0 / scale;
        let [rng_l, rng_r] = &mut self.rng;
        // Both channels in one loop: the two generators' dependency chains overlap.
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            *l = requantize(*l, rng_l.tpdf(), scale, inv).0;
            *r = requantize(*r, rng_r.tpdf(), scale, inv).0;
        }
    }

    fn process_shaped(&mut self, left: &mut [f32], right: &mut [f32]) {
        let scale = self.scale;
        let inv = 1.0 / scale;
        let [rng_l, rng_r] = &mut self.rng;
        let [err_l, err_r] = &mut self.errors;
        // Both channels per step: each loop is a serial chain through its error feedback, and
        // two independent chains overlap in the pipeline.
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let (y, e) = requantize_shaped(*l, feedback(err_l), rng_l.tpdf(), scale, inv);
            *l = y;
            push_error(err_l, e);
            let (y, e) = requantize_shaped(*r, feedback(err_r), rng_r.tpdf(), scale, inv);
            *r = y;
            push_error(err_r, e);
        }
    }
}

impl Stage for Dither {
    type Params = DitherParams;

    /// The rate is not used (dither is the same at every rate); it is taken so every stage
    /// is built the same way.
    fn new(_sample_rate: f64, params: &DitherParams) -> Self {
        let mut d = Self {
            params: params.clamped(),
            scale: 1.0,
            rng: SEEDS.map(Rng),
            errors: [[0.0; 9]; 2],
        };
        d.set_params(params);
        d.reset();
        d
    }
    /// Apply new settings. A change of mode or word length clears the shaping filter.
    fn set_params(&mut self, params: &DitherParams) {
        let p = params.clamped();
        if p != self.params {
            self.errors = [[0.0; 9]; 2];
        }
        self.scale = (1u64 << (p.bits - 1)) as f64;
        self.params = p;
    }
    fn reset(&mut self) {
        self.rng = SEEDS.map(Rng);
        self.errors = [[0.0; 9]; 2];
    }
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        match self.params.mode {
            DitherMode::Off => {}
            DitherMode::Tpdf => self.process_tpdf(left, right),
            DitherMode::NoiseShaped => self.process_shaped(left, right),
        }
    }
    /// No delay.
    fn latency(&self) -> usize {
        0
    }
}

/// `sum h_k e[n - k]` over the stored errors (newest first).
#[inline(always)]
fn feedback(errors: &[f64; 9]) -> f64 {
    SHAPING.iter().zip(errors).map(|(h, e)| h * e).sum()
}

#[inline(always)]
fn push_error(errors: &mut [f64; 9], e: f64) {
    errors.copy_within(0..8, 1);
    errors[0] = e;
}

/// Round `x` (after adding `dither` LSB) onto the grid. Returns the output.
#[inline(always)]
fn requantize(x: f32, dither: f64, scale: f64, inv: f64) -> (f32, f64) {
    requantize_shaped(x, 0.0, dither, scale, inv)
}

/// Noise-shaped rounding: the target is `x - feedback` (in LSB); returns the output and the
/// total error (output minus target, in LSB, clamped) to feed back.
#[inline(always)]
fn requantize_shaped(x: f32, feedback: f64, dither: f64, scale: f64, inv: f64) -> (f32, f64) {
    // Non-finite input is dithered silence; it must not reach the error feedback.
    let x = if x.is_finite() { x as f64 } else { 0.0 };
    let target = x * scale - feedback;
    let rounded = (target + dither + ROUNDER) - ROUNDER;
    let q = rounded.clamp(-scale, scale - 1.0);
    let error = (q - target).clamp(-MAX_ERROR, MAX_ERROR);
    ((q * inv) as f32, error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lacquer_testkit::signal::tone as sine;
    use realfft::RealFftPlanner;
    use std::f64::consts::TAU;

    fn noise(frames: usize, seed: u64, amp: f64) -> Vec<f32> {
        let mut rng = Rng(seed);
        (0..frames)
            .map(|_| ((rng.next() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0) * amp)
            .map(|v| v as f32)
            .collect()
    }

    /// Averaged power spectrum (Welch, `seg`-point segments, no overlap), `seg / 2 + 1` bins,
    /// scaled so a white sequence of variance `v` reads `v` in every bin.
    fn welch(x: &[f64], seg: usize, hann: bool) -> Vec<f64> {
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(seg);
        let window: Vec<f64> = (0..seg)
            .map(|i| {
                if hann {
                    0.5 - 0.5 * (TAU * i as f64 / seg as f64).cos()
                } else {
                    1.0
                }
            })
            .collect();
        let norm: f64 = window.iter().map(|w| w * w).sum();
        let mut acc = vec![0.0; seg / 2 + 1];
        let mut buf = vec![0.0; seg];
        let mut spec = fft.make_output_vec();
        let mut count = 0;
        for chunk in x.chunks_exact(seg) {
            for ((b, &v), &w) in buf.iter_mut().zip(chunk).zip(&window) {
                *b = v * w;
            }
            fft.process(&mut buf, &mut spec).unwrap();
            for (a, c) in acc.iter_mut().zip(&spec) {
                *a += c.norm_sqr() / norm;
            }
            count += 1;
        }
        acc.iter().map(|a| a / count as f64).collect()
    }

    fn db(x: f64) -> f64 {
        10.0 * x.max(1e-300).log10()
    }

    fn run(mode: DitherMode, bits: u32, x: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let mut d = Dither::new(48_000.0, &DitherParams { mode, bits });
        let (mut l, mut r) = (x.to_vec(), x.to_vec());
        for (a, b) in l.chunks_mut(97).zip(r.chunks_mut(97)) {
            d.process(a, b);
        }
        (l, r)
    }

    #[test]
    fn every_output_sample_lies_on_the_grid() {
        // Noise beyond full scale, a near-full-scale sine and tiny values.
        let mut x = noise(20_000, 7, 1.3);
        x.extend(sine(48_000.0, 997.0, 0.999_99, 20_000));
        x.extend(noise(20_000, 8, 1e-6));
        for bits in SUPPORTED_BITS {
            let scale = (1u64 << (bits - 1)) as f64;
            for mode in [DitherMode::Tpdf, DitherMode::NoiseShaped] {
                let (l, r) = run(mode, bits, &x);
                for &y in l.iter().chain(&r) {
                    let k = y as f64 * scale;
                    assert!(
                        k == k.round() && k >= -scale && k < scale,
                        "{mode:?} {bits} bit: {y} is off the grid"
                    );
                }
            }
            let (l, _) = run(DitherMode::Off, bits, &x);
            assert!(l.iter().zip(&x).all(|(a, b)| a.to_bits() == b.to_bits()));
        }
    }

    /// TPDF total error: mean 0, variance LSB^2/4 within 5 %, white within +-1 dB.
    #[test]
    fn tpdf_error_is_white_with_a_quarter_lsb_squared_variance() {
        let n = 1 << 20;
        let rate = 48_000.0;
        let x: Vec<f32> = sine(rate, 1_234.5, 0.3, n)
            .iter()
            .zip(noise(n, 3, 0.01))
            .map(|(a, b)| a + b)
            .collect();
        for bits in SUPPORTED_BITS {
            let (l, r) = run(DitherMode::Tpdf, bits, &x);
            let scale = (1u64 << (bits - 1)) as f64;
            let e: Vec<f64> = l
                .iter()
                .zip(&x)
                .map(|(&y, &x)| (y as f64 - x as f64) * scale)
                .collect();
            let mean = e.iter().sum::<f64>() / n as f64;
            let var = e.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
            let ratio = var / 0.25;
            let spec = welch(&e, 1024, false);
            // 16 bands of 32 bins (DC left out), each against the overall mean.
            let overall = spec[1..513].iter().sum::<f64>() / 512.0;
            let worst = spec[1..513]
                .chunks(32)
                .map(|band| db(band.iter().sum::<f64>() / 32.0 / overall).abs())
                .fold(0.0, f64::max);
            // Channels carry independent noise.
            let er: Vec<f64> = r
                .iter()
                .zip(&x)
                .map(|(&y, &x)| (y as f64 - x as f64) * scale)
                .collect();
            let corr = e.iter().zip(&er).map(|(a, b)| a * b).sum::<f64>() / n as f64 / var;
            println!(
                "TPDF {bits} bit: error mean {mean:+.5} LSB, variance {ratio:.4} x LSB^2/4, \
                 spectrum flat within {worst:.3} dB, L/R error correlation {corr:+.4}"
            );
            assert!(mean.abs() < 0.005);
            assert!((ratio - 1.0).abs() < 0.05);
            assert!(worst < 1.0);
            assert!(corr.abs() < 0.01);
        }
    }

    /// A -100 dBFS 1 kHz sine at 16 bits: truncation makes harmonic spurs, TPDF leaves none
    /// above the noise floor and keeps the sine itself.
    #[test]
    fn low_level_sine_has_spurs_when_truncated_and_none_when_dithered() {
        let rate = 48_000.0;
        let seg = 4_800; // 10 Hz bins: the sine and its harmonics sit on bins
        let n = seg * 200;
        let amp = 1e-5; // -100 dBFS peak
        let x = sine(rate, 1_000.0, amp, n);
        let truncated: Vec<f64> = x
            .iter()
            .map(|&v| (v as f64 * 32_768.0).floor() / 32_768.0)
            .collect();
        let (dithered, _) = run(DitherMode::Tpdf, 16, &x);
        let dithered: Vec<f64> = dithered.iter().map(|&v| v as f64).collect();
        let bin = |f: f64| (f / (rate / seg as f64)).round() as usize;
        // A sine of amplitude `a` on a bin reads `a^2 seg / 6` in `welch` (Hann): this returns
        // the amplitude in dBFS that a bin's power stands for.
        let tone_db = |spec: &[f64], k: usize| db(spec[k] * 6.0 / seg as f64);
        let floor_near = |spec: &[f64], k: usize| {
            let mut v: Vec<f64> = (k - 40..k + 40)
                .filter(|&j| j.abs_diff(k) > 3)
                .map(|j| spec[j])
                .collect();
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let st = welch(&truncated, seg, true);
        let sd = welch(&dithered, seg, true);
        let mut worst_trunc = f64::NEG_INFINITY;
        let mut worst_dith = f64::NEG_INFINITY;
        let mut line = String::new();
        for h in 2..=9 {
            let k = bin(1_000.0 * h as f64);
            let t = tone_db(&st, k);
            let d_excess = db(sd[k] / floor_near(&sd, k));
            line += &format!(" H{h} {t:.1}/{d_excess:+.2}");
            worst_trunc = worst_trunc.max(t);
            worst_dith = worst_dith.max(d_excess);
        }
        let floor_db = tone_db(&sd, bin(7_350.0));
        let k1 = bin(1_000.0);
        let fundamental = tone_db(&sd, k1);
        println!(
            "-100 dBFS sine at 16 bit, per harmonic: truncated spur dBFS / dithered bin re local floor dB:{line}"
        );
        println!(
            "dithered: noise floor {floor_db:.1} dBFS per 10 Hz bin, fundamental {fundamental:.2} dBFS (amplitude), worst truncated spur {worst_trunc:.1} dBFS"
        );
        // Truncation: spurs tower over the dithered floor.
        assert!(worst_trunc > floor_db + 20.0);
        // Dithered: no harmonic bin above the local floor beyond estimation scatter (200
        // averaged segments: about 0.3 dB standard deviation per bin).
        assert!(worst_dith < 1.5, "spur {worst_dith} dB above the floor");
        assert!((fundamental - (-100.0)).abs() < 0.5, "{fundamental}");
    }

    /// Noise shaping: at least 10 dB less noise in 1-6 kHz than flat TPDF, and the error
    /// spectrum follows `|NTF|^2 x LSB^2/4`.
    #[test]
    fn noise_shaping_lowers_the_noise_where_hearing_is_keenest() {
        let rate = 44_100.0;
        let n = 1 << 20;
        let x: Vec<f32> = sine(rate, 440.0, 0.1, n)
            .iter()
            .zip(noise(n, 11, 0.001))
            .map(|(a, b)| a + b)
            .collect();
        let seg = 2048;
        let error_spectrum = |mode| {
            let (y, _) = run(mode, 16, &x);
            let e: Vec<f64> = y
                .iter()
                .zip(&x)
                .map(|(&y, &x)| (y as f64 - x as f64) * 32_768.0)
                .collect();
            welch(&e, seg, true)
        };
        let flat = error_spectrum(DitherMode::Tpdf);
        let shaped = error_spectrum(DitherMode::NoiseShaped);
        let hz = rate / seg as f64;
        let band = |s: &[f64], lo: f64, hi: f64| {
            let (a, b) = ((lo / hz).ceil() as usize, (hi / hz).floor() as usize);
            s[a..=b].iter().sum::<f64>() / (b - a + 1) as f64
        };
        let reduction = db(band(&flat, 1_000.0, 6_000.0) / band(&shaped, 1_000.0, 6_000.0));
        let total = db(band(&shaped, 20.0, 22_000.0) / band(&flat, 20.0, 22_000.0));
        // Against the analytic noise transfer function, in 21 bands of 1 kHz.
        let ntf2 = |f: f64| {
            let w = TAU * f / rate;
            let (mut re, mut im) = (1.0, 0.0);
            for (k, h) in SHAPING.iter().enumerate() {
                re -= h * (w * (k + 1) as f64).cos();
                im += h * (w * (k + 1) as f64).sin();
            }
            re * re + im * im
        };
        let mut worst_model = 0.0f64;
        for b in 0..21 {
            let (lo, hi) = (500.0 + 1_000.0 * b as f64, 1_500.0 + 1_000.0 * b as f64);
            let predicted = 0.25
                * (0..=100)
                    .map(|i| ntf2(lo + (hi - lo) * i as f64 / 100.0))
                    .sum::<f64>()
                / 101.0;
            worst_model = worst_model.max(db(band(&shaped, lo, hi) / predicted).abs());
        }
        println!(
            "noise shaping at 44.1 kHz: 1-6 kHz noise {reduction:.1} dB below flat TPDF; total noise {total:+.1} dB; \
             measured error spectrum within {worst_model:.2} dB of |NTF|^2 LSB^2/4"
        );
        assert!(reduction >= 10.0, "{reduction}");
        assert!(worst_model < 0.5, "{worst_model}");
    }

    /// Clipping at full scale cannot make the shaping loop run away: after a burst far beyond
    /// full scale the error is back to its normal level at once.
    #[test]
    fn noise_shaping_survives_clipping() {
        let rate = 44_100.0;
        let mut x = vec![1.5f32; 10_000];
        x.extend(noise(10_000, 4, 3.0));
        x.extend(sine(rate, 1_000.0, 0.01, 40_000));
        let (y, _) = run(DitherMode::NoiseShaped, 16, &x);
        let e: Vec<f64> = y[20_100..]
            .iter()
            .zip(&x[20_100..])
            .map(|(&y, &x)| (y as f64 - x as f64) * 32_768.0)
            .collect();
        let peak = e.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let rms = (e.iter().map(|v| v * v).sum::<f64>() / e.len() as f64).sqrt();
        let bound: f64 = SHAPING.iter().map(|h| h.abs()).sum::<f64>() * MAX_ERROR + MAX_ERROR;
        println!("after clipping: error peak {peak:.2} LSB (bound {bound:.1}), rms {rms:.2} LSB");
        assert!(peak <= bound);
        assert!(y[..10_000].iter().all(|&v| v == 1.0 - 1.0 / 32_768.0));
    }

    #[test]
    fn reset_replays_the_same_noise_and_nan_is_dithered_silence() {
        let x = sine(48_000.0, 100.0, 0.2, 5_000);
        let mut d = Dither::new(
            48_000.0,
            &DitherParams {
                mode: DitherMode::NoiseShaped,
                bits: 20,
            },
        );
        let (mut a, mut b) = (x.clone(), x.clone());
        d.process(&mut a, &mut b);
        d.reset();
        let (mut c, mut e) = (x.clone(), x.clone());
        d.process(&mut c, &mut e);
        assert_eq!(a, c);
        let mut bad = vec![f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 0.5];
        let mut bad_r = bad.clone();
        d.process(&mut bad, &mut bad_r);
        assert!(bad.iter().all(|v| v.is_finite()));
        assert!(bad[..3].iter().all(|v| v.abs() < 1e-4));
        let (mut f, mut g) = (x.clone(), x.clone());
        d.process(&mut f, &mut g);
        assert!(f.iter().zip(&x).all(|(y, x)| (y - x).abs() < 1e-4));
    }

    #[test]
    fn processing_does_not_allocate() {
        let x = sine(48_000.0, 100.0, 0.2, 1_000);
        let (mut l, mut r) = (x.clone(), x);
        let mut d = Dither::new(48_000.0, &DitherParams::default());
        crate::no_alloc::assert_no_alloc(|| {
            for mode in [DitherMode::Off, DitherMode::Tpdf, DitherMode::NoiseShaped] {
                for bits in SUPPORTED_BITS {
                    d.set_params(&DitherParams { mode, bits });
                    d.process(&mut l, &mut r);
                }
            }
            d.reset();
        });
    }

    #[test]
    fn validate_names_the_bad_setting() {
        let p = DitherParams {
            mode: DitherMode::Tpdf,
            bits: 12,
        };
        assert!(p.validate().unwrap_err().contains("word length"));
        assert_eq!(p.clamped().bits, 16);
        assert_eq!(DitherParams { bits: 23, ..p }.clamped().bits, 24);
        assert!(DitherParams::default().validate().is_ok());
    }
}
