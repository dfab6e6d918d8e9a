//! Polyphase windowed-sinc interpolation by an integer factor.
//!
//! Used wherever Lacquer needs to see between the samples: the true-peak meter (BS.1770-4
//! Annex 2 asks for at least 4x) and the half-band stages of the limiter's detector.
//!
//! Coefficients are stored tap-major (`coefs[k][p]`, all phases of one tap together), so one
//! input sample feeds all `P` phases with one vector multiply-add per tap. The prototype is a
//! Kaiser-windowed sinc with its centre on an input sample, so phase 0 reproduces the input
//! exactly (delayed by `T / 2`): the interpolated peak can never read below the sample peak.

/// Coefficients of a `P`-phase, `T`-taps-per-phase interpolator.
#[derive(Debug, Clone)]
pub struct PolyphaseInterpolator<const P: usize, const T: usize> {
    coefs: [[f32; P]; T],
    /// The same taps per phase, oldest input first (`reversed[p][j] = coefs[T - 1 - j][p]`):
    /// the layout the block peak detector walks.
    reversed: [[f32; T]; P],
}

/// Largest history the block peak detector supports.
const MAX_TAPS: usize = 128;
/// Block peak detection works on chunks of this many input samples.
const PEAK_CHUNK: usize = 64;
/// Lanes of consecutive output samples computed together (a few SIMD registers' worth).
pub(crate) const LANES: usize = 16;

/// Zeroth-order modified Bessel function of the first kind (series; converges fast for the
/// arguments a Kaiser window uses). Shared by every Kaiser design in `filter`.
pub(crate) fn bessel_i0(x: f64) -> f64 {
    let mut sum = 1.0;
    let mut term = 1.0;
    let half = x / 2.0;
    for k in 1..200 {
        term *= (half / k as f64) * (half / k as f64);
        sum += term;
        if term < sum * 1e-17 {
            break;
        }
    }
    sum
}

/// Kaiser window at `u` in -1..1 (0 at the centre, 1 at the edges).
pub(crate) fn kaiser(beta: f64, u: f64) -> f64 {
    bessel_i0(beta * (1.0 - u * u).max(0.0).sqrt()) / bessel_i0(beta)
}

/// `sin(pi x) / (pi x)`.
pub(crate) fn sinc(x: f64) -> f64 {
    if x.abs() < 1e-12 {
        1.0
    } else {
        let px = std::f64::consts::PI * x;
        px.sin() / px
    }
}

impl<const P: usize, const T: usize> PolyphaseInterpolator<P, T> {
    /// Design the filter. `kaiser_beta` trades stop-band depth for transition width (5.65 gives
    /// about 60 dB, 8.0 about 80 dB). The cut-off sits at the input's Nyquist frequency.
    pub fn new(kaiser_beta: f64) -> Self {
        Self::with_cutoff(kaiser_beta, 1.0)
    }

    /// Design with the cut-off at `cutoff` times the input's Nyquist frequency. A peak detector
    /// wants it slightly above 1: a filter cut exactly at Nyquist attenuates the content just
    /// below it (by 6 dB at Nyquist itself) and under-reads the peaks that content makes, while
    /// a cut-off a little higher passes it at unity and lets in only a little image energy,
    /// which can only make the reading cautious.
    pub fn with_cutoff(kaiser_beta: f64, cutoff: f64) -> Self {
        assert!(
            P >= 1 && T >= 2 && T.is_multiple_of(2),
            "T must be even so phase 0 is an input sample"
        );
        let len = P * T;
        let centre = len as f64 / 2.0;
        let mut h = vec![0.0f64; len];
        for (j, hj) in h.iter_mut().enumerate() {
            let t = (j as f64 - centre) / centre;
            let window = kaiser(kaiser_beta, t);
            *hj = sinc(cutoff * (j as f64 - centre) / P as f64) * window;
        }
        let mut coefs = [[0.0f32; P]; T];
        let mut reversed = [[0.0f32; T]; P];
        for p in 0..P {
            // Each phase alone must pass DC at unity, or a constant input would ripple at the
            // oversampled rate and read as a false peak.
            let dc: f64 = (0..T).map(|k| h[k * P + p]).sum();
            for (k, tap) in coefs.iter_mut().enumerate() {
                tap[p] = (h[k * P + p] / dc) as f32;
                reversed[p][T - 1 - k] = tap[p];
            }
        }
        Self { coefs, reversed }
    }

    /// Delay of the interpolated signal, in input samples.
    pub const LATENCY: usize = T / 2;

    /// Taps of phase `p`, oldest input first.
    pub(crate) fn phase_taps(&self, p: usize) -> &[f32; T] {
        &self.reversed[p]
    }

    /// Push one input sample into `history` (newest first) and return the `P` interpolated
    /// output samples that belong to it, oldest first.
    #[inline(always)]
    pub fn push(&self, history: &mut [f32; T], x: f32) -> [f32; P] {
        history.copy_within(0..T - 1, 1);
        history[0] = x;
        let mut acc = [0.0f32; P];
        for (tap, &h) in self.coefs.iter().zip(history.iter()) {
            for p in 0..P {
                acc[p] += tap[p] * h;
            }
        }
        acc
    }
}

/// One phase's output for `LANES` consecutive inputs: `buf` starts at the oldest input of the
/// first window. One broadcast tap times a run of inputs per step, which vectorises cleanly.
#[inline(always)]
pub(crate) fn lanes_of_phase<const T: usize>(taps: &[f32; T], buf: &[f32]) -> [f32; LANES] {
    let mut acc = [0.0f32; LANES];
    for (j, &c) in taps.iter().enumerate() {
        for (a, &x) in acc.iter_mut().zip(&buf[j..j + LANES]) {
            *a += c * x;
        }
    }
    acc
}

impl<const P: usize, const T: usize> PolyphaseInterpolator<P, T> {
    /// The largest |value| of the interpolated signal over `input`, for peak metering.
    ///
    /// `history` holds the last `T - 1` inputs, oldest first (start it zeroed). Phase 0 is the
    /// input itself, so only phases 1.. are computed, each for `LANES` consecutive outputs at a
    /// time: one broadcast tap times a run of inputs, which vectorises without shuffles.
    pub fn max_abs_block(&self, history: &mut [f32; T], input: &[f32]) -> f32 {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx") {
            // SAFETY: the CPU supports AVX (checked just above).
            return unsafe { self.max_abs_block_avx(history, input) };
        }
        self.max_abs_block_portable(history, input)
    }

    /// The same code compiled for 256-bit vectors. No FMA: plain multiplies and adds in the
    /// same order give bit-identical results on every x86-64, so renders stay reproducible.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx")]
    unsafe fn max_abs_block_avx(&self, history: &mut [f32; T], input: &[f32]) -> f32 {
        self.max_abs_block_portable(history, input)
    }

    #[inline(always)]
    fn max_abs_block_portable(&self, history: &mut [f32; T], input: &[f32]) -> f32 {
        assert!(T <= MAX_TAPS);
        let mut peak = 0.0f32;
        let mut buf = [0.0f32; PEAK_CHUNK + MAX_TAPS];
        for chunk in input.chunks(PEAK_CHUNK) {
            let n = chunk.len();
            buf[..T - 1].copy_from_slice(&history[..T - 1]);
            buf[T - 1..T - 1 + n].copy_from_slice(chunk);
            for &x in chunk {
                peak = peak.max(x.abs());
            }
            for taps in &self.reversed[1..] {
                let mut start = 0;
                while start < n {
                    let acc = lanes_of_phase(taps, &buf[start..]);
                    // Lanes past the end of a short final chunk read stale buffer contents;
                    // they are left out of the peak.
                    let valid = (n - start).min(LANES);
                    for &a in &acc[..valid] {
                        peak = peak.max(a.abs());
                    }
                    start += LANES;
                }
            }
            history[..T - 1].copy_from_slice(&buf[n..n + T - 1]);
        }
        peak
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::TAU;

    #[test]
    fn phase_zero_reproduces_the_input() {
        let f = PolyphaseInterpolator::<4, 24>::new(5.65);
        let mut hist = [0.0; 24];
        let input: Vec<f32> = (0..200)
            .map(|i| ((i * 7919) % 113) as f32 / 113.0 - 0.5)
            .collect();
        let mut out = Vec::new();
        for &x in &input {
            out.push(f.push(&mut hist, x)[0]);
        }
        let d = PolyphaseInterpolator::<4, 24>::LATENCY;
        for i in d..input.len() {
            assert!((out[i] - input[i - d]).abs() < 1e-6, "sample {i}");
        }
    }

    #[test]
    fn block_peak_equals_the_per_sample_peak() {
        let f = PolyphaseInterpolator::<4, 24>::new(5.65);
        let input: Vec<f32> = (0..1000)
            .map(|i| (((i * 7919) % 113) as f32 / 113.0 - 0.5) * ((i % 7) as f32))
            .collect();
        let mut hist = [0.0; 24];
        let per_sample = input.iter().fold(0.0f32, |m, &x| {
            f.push(&mut hist, x).iter().fold(m, |m, y| m.max(y.abs()))
        });
        for block in [1, 5, 64, 100, 1000] {
            let mut hist = [0.0; 24];
            let block_peak = input
                .chunks(block)
                .fold(0.0f32, |m, c| m.max(f.max_abs_block(&mut hist, c)));
            assert!(
                (block_peak - per_sample).abs() < 1e-6,
                "block {block}: {block_peak} vs {per_sample}"
            );
        }
    }

    /// Every phase is a fractional-delay filter with unity gain across the pass band.
    #[test]
    fn every_phase_is_flat_to_0_4_fs() {
        let f = PolyphaseInterpolator::<4, 24>::new(5.65);
        for p in 0..4 {
            for i in 0..=40 {
                let w = 2.0 * std::f64::consts::PI * 0.4 * i as f64 / 40.0;
                let (mut re, mut im) = (0.0f64, 0.0f64);
                for k in 0..24 {
                    re += f.coefs[k][p] as f64 * (w * k as f64).cos();
                    im -= f.coefs[k][p] as f64 * (w * k as f64).sin();
                }
                let db = 10.0 * (re * re + im * im).log10();
                assert!(
                    db.abs() < 0.02,
                    "phase {p} at {:.3} fs: {db:.4} dB",
                    0.4 * i as f64 / 40.0
                );
            }
        }
    }

    /// The interpolated sine must lie on the true continuous sine: this is what makes the
    /// true-peak reading right.
    #[test]
    fn interpolates_a_sine_onto_the_continuous_curve() {
        let f = PolyphaseInterpolator::<4, 24>::new(5.65);
        let mut hist = [0.0; 24];
        let (fs, freq) = (48_000.0, 9_000.0);
        let d = PolyphaseInterpolator::<4, 24>::LATENCY as f64;
        let mut worst: f64 = 0.0;
        for n in 0..2_000 {
            let x = (TAU * freq * n as f64 / fs).sin() as f32;
            let out = f.push(&mut hist, x);
            if n > 100 {
                for (p, y) in out.iter().enumerate() {
                    let t = n as f64 - d + p as f64 / 4.0;
                    let truth = (TAU * freq * t / fs).sin();
                    worst = worst.max((*y as f64 - truth).abs());
                }
            }
        }
        // 9 kHz at 48 kHz (0.19 fs): well inside the pass band.
        assert!(worst < 2e-3, "worst deviation {worst}");
    }
}
