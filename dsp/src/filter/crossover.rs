//! Linkwitz-Riley crossovers (4th order, 24 dB/oct) and the N-band splitter shared by the
//! multiband compressor and the stereo imager.
//!
//! An LR4 low-pass is two cascaded 2nd-order Butterworth low-passes, the high-pass two cascaded
//! Butterworth high-passes. With `D(s) = s^2 + sqrt2 w s + w^2`:
//!
//! `LP4 + HP4 = (w^4 + s^4) / D^2 = (s^2 - sqrt2 w s + w^2)(s^2 + sqrt2 w s + w^2) / D^2
//!            = (s^2 - sqrt2 w s + w^2) / D`,
//!
//! the 2nd-order allpass with the same poles (Q = 1/sqrt2). The bilinear transform maps each
//! rational function to its digital twin with the same substitution, so the identity holds
//! exactly for the digital filters too, provided all three share the same prewarped `g`.
//!
//! Every 2nd-order section is a TPT state-variable filter (Zavalishin / Simper): one SVF gives
//! low-pass, band-pass and high-pass at once, and the allpass is `x - 2k * band`. Its states are
//! the trapezoidal integrators' outputs (physical quantities like capacitor voltages), so
//! changing `g` while audio runs moves the response without the state jumps or transient gain
//! blow-ups of a direct-form biquad. The low-pass and high-pass chains share the first SVF.
//!
//! Splitting into N bands is a tree: each band passes through the allpasses of the crossovers it
//! did not go through, so the bands always sum to the product of all the crossovers' allpasses
//! (flat magnitude):
//!
//! * 2 bands: `LP1 | HP1`
//! * 3 bands: `AP2 LP1 | LP2 HP1 | HP2 HP1`
//! * 4 bands: split at the middle crossover first, then `LP1 AP3 LP2 | HP1 AP3 LP2 |
//!   LP3 AP1 HP2 | HP3 AP1 HP2` (two allpasses rather than three for the cascade form).

use super::svf::{ButterworthSvfCoefs, Svf, BUTTERWORTH_K as K};
use crate::util::one_pole_coef_per;
use std::f64::consts::PI;

/// LR4 split of `N` lanes: the first SVF feeds both the low and the high chain.
#[derive(Debug, Clone, Copy, Default)]
struct Lr4<const N: usize> {
    split: Svf<N>,
    low: Svf<N>,
    high: Svf<N>,
}

impl<const N: usize> Lr4<N> {
    /// Returns (low, high).
    #[inline(always)]
    fn tick(&mut self, c: &ButterworthSvfCoefs, x: [f64; N]) -> ([f64; N], [f64; N]) {
        let (band, lp) = self.split.tick(c, x);
        let hp: [f64; N] = std::array::from_fn(|i| x[i] - K * band[i] - lp[i]);
        let (_, low) = self.low.tick(c, lp);
        let high = self.high.highpass(c, hp);
        (low, high)
    }

    fn reset(&mut self) {
        *self = Self::default();
    }

    fn sanitize(&mut self) {
        self.split.sanitize();
        self.low.sanitize();
        self.high.sanitize();
    }
}

/// The 2nd-order allpass an LR4 at the same frequency sums to.
#[derive(Debug, Clone, Copy, Default)]
struct Allpass<const N: usize> {
    svf: Svf<N>,
}

impl<const N: usize> Allpass<N> {
    #[inline(always)]
    fn tick(&mut self, c: &ButterworthSvfCoefs, x: [f64; N]) -> [f64; N] {
        let (band, _) = self.svf.tick(c, x);
        std::array::from_fn(|i| x[i] - 2.0 * K * band[i])
    }
}

pub const MIN_CROSSOVER_HZ: f64 = 20.0;
pub const MAX_CROSSOVER_HZ: f64 = 20_000.0;

/// Highest usable crossover at `sample_rate`: 20 kHz, or 0.45 fs where that is lower (`tan`
/// blows up at Nyquist).
fn max_crossover_hz(sample_rate: f64) -> f64 {
    MAX_CROSSOVER_HZ.min(0.45 * sample_rate)
}

fn clamp_crossover(freq_hz: f64, sample_rate: f64, default: f64) -> f64 {
    let hi = max_crossover_hz(sample_rate);
    if freq_hz.is_finite() {
        freq_hz.clamp(MIN_CROSSOVER_HZ.min(hi), hi)
    } else {
        default.clamp(MIN_CROSSOVER_HZ.min(hi), hi)
    }
}

/// Analytic magnitudes (low, high) of the digital LR4 at `freq_hz`: the bilinear transform maps
/// `f` to the analog frequency `tan(pi f / fs)`, so `|H_low| = 1 / (1 + (W / Wc)^4)` with
/// `W = tan(pi f / fs)`, `Wc = tan(pi fc / fs)`; the high band mirrors it. Exact for
/// `Lr4Crossover` (and useful to draw band curves).
pub fn lr4_magnitudes(freq_hz: f64, crossover_hz: f64, sample_rate: f64) -> (f64, f64) {
    let w = (PI * freq_hz / sample_rate).tan();
    let wc = (PI * crossover_hz / sample_rate).tan();
    let r4 = (w / wc).powi(4);
    (1.0 / (1.0 + r4), r4 / (1.0 + r4))
}

/// A crossover frequency and its Butterworth SVF coefficients, kept in range at one rate.
#[derive(Debug, Clone)]
struct Corner {
    sample_rate: f64,
    freq_hz: f64,
    coefs: ButterworthSvfCoefs,
}

impl Corner {
    fn new(sample_rate: f64, freq_hz: f64) -> Self {
        let sample_rate = sample_rate.clamp(1000.0, 768_000.0);
        let freq_hz = clamp_crossover(freq_hz, sample_rate, 1000.0);
        Self {
            sample_rate,
            freq_hz,
            coefs: ButterworthSvfCoefs::butterworth(freq_hz, sample_rate),
        }
    }

    fn set_freq(&mut self, freq_hz: f64) {
        self.freq_hz = clamp_crossover(freq_hz, self.sample_rate, self.freq_hz);
        self.coefs = ButterworthSvfCoefs::butterworth(self.freq_hz, self.sample_rate);
    }
}

/// One Linkwitz-Riley 4th-order crossover for one channel.
#[derive(Debug, Clone)]
pub struct Lr4Crossover {
    corner: Corner,
    filter: Lr4<1>,
}

impl Lr4Crossover {
    pub fn new(sample_rate: f64, freq_hz: f64) -> Self {
        Self {
            corner: Corner::new(sample_rate, freq_hz),
            filter: Lr4::default(),
        }
    }

    /// Move the crossover. The state is kept, so the response glides rather than restarting;
    /// callers automating it should still step it in small increments (see `BandSplitter`).
    pub fn set_freq(&mut self, freq_hz: f64) {
        self.corner.set_freq(freq_hz);
    }

    pub fn freq_hz(&self) -> f64 {
        self.corner.freq_hz
    }

    pub fn reset(&mut self) {
        self.filter.reset();
    }

    /// One sample in, (low, high) out.
    #[inline]
    pub fn tick(&mut self, x: f64) -> (f64, f64) {
        let (low, high) = self.filter.tick(&self.corner.coefs, [x]);
        (low[0], high[0])
    }

    /// Split `input` into `low` and `high` (all the same length).
    pub fn process(&mut self, input: &[f32], low: &mut [f32], high: &mut [f32]) {
        for ((x, l), h) in input.iter().zip(low.iter_mut()).zip(high.iter_mut()) {
            let (a, b) = self.tick(*x as f64);
            *l = a as f32;
            *h = b as f32;
        }
        self.filter.sanitize();
    }
}

/// The allpass that an `Lr4Crossover` at the same frequency sums to, for one channel: the phase
/// compensation for bands that do not pass through that crossover.
#[derive(Debug, Clone)]
pub struct Lr4Allpass {
    corner: Corner,
    filter: Allpass<1>,
}

impl Lr4Allpass {
    pub fn new(sample_rate: f64, freq_hz: f64) -> Self {
        Self {
            corner: Corner::new(sample_rate, freq_hz),
            filter: Allpass::default(),
        }
    }

    pub fn set_freq(&mut self, freq_hz: f64) {
        self.corner.set_freq(freq_hz);
    }

    pub fn freq_hz(&self) -> f64 {
        self.corner.freq_hz
    }

    pub fn reset(&mut self) {
        self.filter.svf.reset();
    }

    #[inline]
    pub fn tick(&mut self, x: f64) -> f64 {
        self.filter.tick(&self.corner.coefs, [x])[0]
    }

    /// In place.
    pub fn process(&mut self, samples: &mut [f32]) {
        for x in samples.iter_mut() {
            *x = self.tick(*x as f64) as f32;
        }
        self.filter.svf.sanitize();
    }
}

pub const MAX_BANDS: usize = 4;
/// Most frames `BandSplitter::split` takes per call.
pub const SPLIT_CHUNK: usize = 64;
/// Band outputs: `[band][channel][frame]`.
pub type BandBuffers = [[[f32; SPLIT_CHUNK]; 2]; MAX_BANDS];

/// Crossover coefficients are recomputed (three `tan`s) every this many samples while a
/// frequency glides, counted on the absolute sample clock so the output does not depend on how
/// the host slices its blocks.
const CONTROL_INTERVAL: usize = 16;
/// Time constant of the crossover glide (one pole in log frequency).
const FREQ_SMOOTHING_MS: f64 = 20.0;
/// The glide snaps onto its target once this close (in octaves), so a settled splitter runs the
/// exact target coefficients.
const FREQ_SNAP_OCTAVES: f64 = 1e-6;

/// Stereo N-band (2..=4) Linkwitz-Riley splitter whose bands sum to an allpass of the input.
///
/// Crossover frequencies are automatable: a new target glides there in log frequency with a
/// 20 ms time constant, coefficients stepping every 16 samples (under 4 % in frequency per step
/// even for a decade jump), through SVFs that tolerate the modulation.
///
/// Changing the band count changes the topology: filters that were idle start from silence,
/// which gives a short transient, so the band count is a setting, not an automation target.
#[derive(Debug, Clone)]
pub struct BandSplitter {
    sample_rate: f64,
    bands: usize,
    target_hz: [f64; 3],
    current_log2: [f64; 3],
    coefs: [ButterworthSvfCoefs; 3],
    glide: f64,
    countdown: usize,
    /// Crossover `j` (0-based) sits at frequency `j`.
    xo: [Lr4<2>; 3],
    /// 3 bands: `ap[0]` at f2 on the low band. 4 bands: `ap[0]` at f3 on the low half,
    /// `ap[1]` at f1 on the high half.
    ap: [Allpass<2>; 2],
}

impl BandSplitter {
    /// `bands` 2..=4; `crossovers_hz` needs `bands - 1` entries (extra ones are kept for when the
    /// band count grows). Starts settled on the given crossovers.
    pub fn new(sample_rate: f64, bands: usize, crossovers_hz: &[f64]) -> Self {
        let sample_rate = sample_rate.clamp(1000.0, 768_000.0);
        let defaults = [120.0, 1000.0, 6000.0];
        let mut s = Self {
            sample_rate,
            bands: bands.clamp(2, MAX_BANDS),
            target_hz: defaults,
            current_log2: defaults.map(f64::log2),
            coefs: defaults.map(|f| ButterworthSvfCoefs::butterworth(f, sample_rate)),
            glide: one_pole_coef_per(CONTROL_INTERVAL as f64, FREQ_SMOOTHING_MS, sample_rate),
            countdown: 0,
            xo: Default::default(),
            ap: Default::default(),
        };
        s.set_crossovers(crossovers_hz);
        s.reset();
        s
    }

    pub fn bands(&self) -> usize {
        self.bands
    }

    /// Change the band count (2..=4). Filters that become active start from silence.
    pub fn set_bands(&mut self, bands: usize) {
        let bands = bands.clamp(2, MAX_BANDS);
        if bands == self.bands {
            return;
        }
        let (xo_used, ap_used) = Self::slots(self.bands);
        self.xo[xo_used..].iter_mut().for_each(Lr4::reset);
        self.ap[ap_used..].iter_mut().for_each(|a| a.svf.reset());
        self.bands = bands;
        self.sort_targets();
    }

    /// (crossovers, allpasses) in use for a band count.
    fn slots(bands: usize) -> (usize, usize) {
        (bands - 1, bands.saturating_sub(2))
    }

    /// New crossover targets in Hz (ascending order is enforced, range 20 Hz..20 kHz or 0.45 fs).
    /// Up to three values; missing ones keep their previous target. They glide, click-free.
    pub fn set_crossovers(&mut self, crossovers_hz: &[f64]) {
        for (t, &f) in self.target_hz.iter_mut().zip(crossovers_hz) {
            *t = clamp_crossover(f, self.sample_rate, *t);
        }
        self.sort_targets();
    }

    fn sort_targets(&mut self) {
        let used = self.bands - 1;
        self.target_hz[..used].sort_unstable_by(f64::total_cmp);
    }

    /// Targets as set (after clamping and sorting).
    pub fn crossovers_hz(&self) -> [f64; 3] {
        self.target_hz
    }

    /// Where the crossovers are right now, mid-glide.
    pub fn current_crossovers_hz(&self) -> [f64; 3] {
        self.current_log2.map(f64::exp2)
    }

    /// Jump to the targets without gliding (after a reset or before playback).
    pub fn snap(&mut self) {
        for j in 0..3 {
            self.current_log2[j] = self.target_hz[j].log2();
            self.coefs[j] = ButterworthSvfCoefs::butterworth(self.target_hz[j], self.sample_rate);
        }
    }

    /// Clear all filter state and jump to the targets.
    pub fn reset(&mut self) {
        self.xo.iter_mut().for_each(Lr4::reset);
        self.ap.iter_mut().for_each(|a| a.svf.reset());
        self.countdown = 0;
        self.snap();
    }

    fn glide_step(&mut self) {
        for j in 0..self.bands - 1 {
            let target = self.target_hz[j].log2();
            let current = self.current_log2[j];
            if current == target {
                continue;
            }
            let next = current + (target - current) * self.glide;
            if (target - next).abs() <= FREQ_SNAP_OCTAVES {
                self.current_log2[j] = target;
                self.coefs[j] =
                    ButterworthSvfCoefs::butterworth(self.target_hz[j], self.sample_rate);
            } else {
                self.current_log2[j] = next;
                self.coefs[j] = ButterworthSvfCoefs::butterworth(next.exp2(), self.sample_rate);
            }
        }
    }

    /// Split up to `SPLIT_CHUNK` frames into `out[band][channel][..n]` for the first `bands()`
    /// bands (the others are left untouched).
    pub fn split(&mut self, left: &[f32], right: &[f32], out: &mut BandBuffers) {
        let n = left.len();
        assert!(
            n == right.len() && n <= SPLIT_CHUNK,
            "BandSplitter::split takes up to {SPLIT_CHUNK} frames per channel, equal lengths"
        );
        let mut start = 0;
        while start < n {
            if self.countdown == 0 {
                self.glide_step();
                self.countdown = CONTROL_INTERVAL;
            }
            let end = n.min(start + self.countdown);
            match self.bands {
                2 => self.run2(left, right, start, end, out),
                3 => self.run3(left, right, start, end, out),
                _ => self.run4(left, right, start, end, out),
            }
            self.countdown -= end - start;
            start = end;
        }
        self.xo.iter_mut().for_each(Lr4::sanitize);
        self.ap.iter_mut().for_each(|a| a.svf.sanitize());
    }

    #[inline(always)]
    fn store(out: &mut BandBuffers, band: usize, i: usize, v: [f64; 2]) {
        out[band][0][i] = v[0] as f32;
        out[band][1][i] = v[1] as f32;
    }

    fn run2(&mut self, l: &[f32], r: &[f32], start: usize, end: usize, out: &mut BandBuffers) {
        let c0 = self.coefs[0];
        let xo = &mut self.xo[0];
        for i in start..end {
            let (b0, b1) = xo.tick(&c0, [l[i] as f64, r[i] as f64]);
            Self::store(out, 0, i, b0);
            Self::store(out, 1, i, b1);
        }
    }

    fn run3(&mut self, l: &[f32], r: &[f32], start: usize, end: usize, out: &mut BandBuffers) {
        let [c0, c1, _] = self.coefs;
        let [xo0, xo1, _] = &mut self.xo;
        let ap = &mut self.ap[0];
        for i in start..end {
            let (low, rest) = xo0.tick(&c0, [l[i] as f64, r[i] as f64]);
            let b0 = ap.tick(&c1, low);
            let (b1, b2) = xo1.tick(&c1, rest);
            Self::store(out, 0, i, b0);
            Self::store(out, 1, i, b1);
            Self::store(out, 2, i, b2);
        }
    }

    fn run4(&mut self, l: &[f32], r: &[f32], start: usize, end: usize, out: &mut BandBuffers) {
        let [c0, c1, c2] = self.coefs;
        let [xo0, xo1, xo2] = &mut self.xo;
        let [ap_low, ap_high] = &mut self.ap;
        for i in start..end {
            let (low, high) = xo1.tick(&c1, [l[i] as f64, r[i] as f64]);
            let low = ap_low.tick(&c2, low);
            let high = ap_high.tick(&c0, high);
            let (b0, b1) = xo0.tick(&c0, low);
            let (b2, b3) = xo2.tick(&c2, high);
            Self::store(out, 0, i, b0);
            Self::store(out, 1, i, b1);
            Self::store(out, 2, i, b2);
            Self::store(out, 3, i, b3);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const RATES: [f64; 3] = [44_100.0, 48_000.0, 96_000.0];

    /// `count` frequencies log-spaced from 20 Hz to `top`.
    pub(crate) fn log_freqs(count: usize, top: f64) -> Vec<f64> {
        (0..count)
            .map(|i| 20.0 * (top / 20.0).powf(i as f64 / (count - 1) as f64))
            .collect()
    }

    /// Magnitude of the DFT of `h` at `freq` (direct evaluation with a rotating phasor).
    pub(crate) fn dft_mag(h: &[f64], freq: f64, rate: f64) -> f64 {
        let w = 2.0 * PI * freq / rate;
        let (step_re, step_im) = (w.cos(), -w.sin());
        let (mut re, mut im) = (0.0, 0.0);
        let (mut p_re, mut p_im) = (1.0f64, 0.0f64);
        for (n, &x) in h.iter().enumerate() {
            re += x * p_re;
            im += x * p_im;
            let t = p_re * step_re - p_im * step_im;
            p_im = p_re * step_im + p_im * step_re;
            p_re = t;
            // Re-anchor now and then so the phasor does not drift.
            if n % 4096 == 4095 {
                let a = w * (n + 1) as f64;
                p_re = a.cos();
                p_im = -a.sin();
            }
        }
        re.hypot(im)
    }

    fn db(x: f64) -> f64 {
        20.0 * x.log10()
    }

    fn crossovers_for(bands: usize) -> &'static [f64] {
        match bands {
            2 => &[1000.0],
            3 => &[200.0, 2500.0],
            _ => &[120.0, 1000.0, 8000.0],
        }
    }

    /// Impulse response of the band sum, left and right (impulse in the left only).
    fn summed_impulse_response(split: &mut BandSplitter, len: usize) -> [Vec<f64>; 2] {
        let mut input = vec![0.0f32; len];
        input[0] = 1.0;
        let silence = vec![0.0f32; len];
        let mut out: BandBuffers = [[[0.0; SPLIT_CHUNK]; 2]; MAX_BANDS];
        let mut sums = [vec![0.0; len], vec![0.0; len]];
        let mut start = 0;
        while start < len {
            let n = SPLIT_CHUNK.min(len - start);
            split.split(
                &input[start..start + n],
                &silence[start..start + n],
                &mut out,
            );
            for (ch, sum) in sums.iter_mut().enumerate() {
                for i in 0..n {
                    sum[start + i] = (0..split.bands()).map(|b| out[b][ch][i] as f64).sum();
                }
            }
            start += n;
        }
        sums
    }

    #[test]
    fn band_sums_are_flat_within_a_hundredth_of_a_db() {
        let freqs = log_freqs(200, 20_000.0);
        let mut worst_all = 0.0f64;
        for rate in RATES {
            for bands in 2..=4 {
                let mut split = BandSplitter::new(rate, bands, crossovers_for(bands));
                let [sum, other] = summed_impulse_response(&mut split, 16_384);
                let worst = freqs
                    .iter()
                    .map(|&f| db(dft_mag(&sum, f, rate)).abs())
                    .fold(0.0, f64::max);
                println!(
                    "{bands} bands @ {rate} Hz: worst deviation of the band sum {worst:.2e} dB"
                );
                assert!(worst < 0.01, "{bands} bands @ {rate}: {worst} dB");
                // Channels stay separate.
                assert!(other.iter().all(|&x| x == 0.0));
                worst_all = worst_all.max(worst);
            }
        }
        println!("worst over all cases: {worst_all:.2e} dB");
    }

    #[test]
    fn lr4_matches_the_analytic_response_and_sums_to_its_allpass() {
        let len = 16_384;
        let mut worst = 0.0f64;
        let mut worst_at_fc = 0.0f64;
        let mut worst_ap = 0.0f64;
        for rate in RATES {
            for fc in [100.0, 1000.0, 10_000.0] {
                let mut xo = Lr4Crossover::new(rate, fc);
                let mut ap = Lr4Allpass::new(rate, fc);
                let (mut low, mut high) = (vec![0.0; len], vec![0.0; len]);
                for n in 0..len {
                    let x = if n == 0 { 1.0 } else { 0.0 };
                    let (a, b) = xo.tick(x);
                    low[n] = a;
                    high[n] = b;
                    worst_ap = worst_ap.max((a + b - ap.tick(x)).abs());
                }
                // -6.02 dB at the crossover for both halves.
                for h in [&low, &high] {
                    let at_fc = db(dft_mag(h, fc, rate));
                    worst_at_fc = worst_at_fc.max((at_fc + 6.0206).abs());
                    assert!((at_fc + 6.0206).abs() < 0.01, "{fc} @ {rate}: {at_fc} dB");
                }
                let top = 20_000.0f64.min(0.45 * rate);
                for f in log_freqs(200, top) {
                    let (want_low, want_high) = lr4_magnitudes(f, fc, rate);
                    for (h, want) in [(&low, want_low), (&high, want_high)] {
                        // Below -120 dB the measurement itself is rounding noise.
                        if db(want) < -120.0 {
                            continue;
                        }
                        let err = (db(dft_mag(h, f, rate)) - db(want)).abs();
                        worst = worst.max(err);
                        assert!(err < 0.05, "fc {fc} @ {rate}, {f:.1} Hz: {err} dB off");
                    }
                }
            }
        }
        println!(
            "LR4: worst error vs warped analytic {worst:.2e} dB, at fc {worst_at_fc:.2e} dB from -6.0206, \
             |low + high - allpass| max {worst_ap:.2e}"
        );
        assert!(worst_ap < 1e-12);
    }

    #[test]
    fn the_steepness_is_24_db_per_octave() {
        // Deep in the stopband, one octave apart, well below Nyquist (warping is small at 96 kHz).
        let (rate, fc) = (96_000.0, 1000.0);
        let (l1, _) = lr4_magnitudes(8000.0, fc, rate);
        let (l2, _) = lr4_magnitudes(16_000.0, fc, rate);
        let (_, h1) = lr4_magnitudes(125.0, fc, rate);
        let (_, h2) = lr4_magnitudes(62.5, fc, rate);
        let low_slope = db(l1) - db(l2);
        let high_slope = db(h1) - db(h2);
        println!("slopes: low {low_slope:.2} dB/oct, high {high_slope:.2} dB/oct");
        assert!((high_slope - 24.08).abs() < 0.1, "{high_slope}");
        // The low side steepens towards Nyquist (bilinear warping).
        assert!(low_slope > 24.0 && low_slope < 27.0, "{low_slope}");
    }

    fn rng(state: &mut u64) -> f64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    #[test]
    fn random_fast_automation_stays_bounded() {
        let rate = 48_000.0;
        let mut seed = 0x1234_5678_9abc_def1u64;
        let mut worst = 0.0f64;
        for bands in 2..=4 {
            let mut split = BandSplitter::new(rate, bands, crossovers_for(bands));
            let mut out: BandBuffers = [[[0.0; SPLIT_CHUNK]; 2]; MAX_BANDS];
            let mut phase = 0.0f64;
            let mut next_jump = 0usize;
            for block in 0..3000 {
                let t0 = block * SPLIT_CHUNK;
                if t0 >= next_jump {
                    let f: Vec<f64> = (0..3)
                        .map(|_| 20.0 * 1000f64.powf(rng(&mut seed)))
                        .collect();
                    split.set_crossovers(&f);
                    next_jump = t0 + 32 + (rng(&mut seed) * 500.0) as usize;
                }
                let mut l = [0.0f32; SPLIT_CHUNK];
                let mut r = [0.0f32; SPLIT_CHUNK];
                for i in 0..SPLIT_CHUNK {
                    phase += 2.0 * PI * 440.0 / rate;
                    l[i] = (0.5 * phase.sin() + 0.5 * (rng(&mut seed) - 0.5)) as f32;
                    r[i] = (0.5 * (3.1 * phase).sin()) as f32;
                }
                split.split(&l, &r, &mut out);
                for ch in 0..2 {
                    for i in 0..SPLIT_CHUNK {
                        let sum: f32 = out[..bands].iter().map(|band| band[ch][i]).sum();
                        assert!(sum.is_finite());
                        let loudest = out[..bands]
                            .iter()
                            .fold(sum.abs(), |m, band| m.max(band[ch][i].abs()));
                        worst = worst.max(loudest as f64);
                    }
                }
            }
        }
        println!("random automation: largest band or sum sample {worst:.3} (input peak <= 0.75)");
        assert!(worst < 1.5, "{worst}");
    }

    #[test]
    fn a_crossover_jump_under_a_sine_does_not_click() {
        // 1 kHz at 0.5: the sine's own largest sample-to-sample step is 0.5 * 2 sin(pi f / fs).
        let (rate, freq, amp) = (48_000.0, 1000.0, 0.5);
        let own_step = amp * 2.0 * (PI * freq / rate).sin();
        let mut split = BandSplitter::new(rate, 2, &[200.0]);
        let mut out: BandBuffers = [[[0.0; SPLIT_CHUNK]; 2]; MAX_BANDS];
        let own_curvature = amp * (2.0 * (PI * freq / rate).sin()).powi(2);
        let mut prev = [0.0f64; 3];
        let mut prev_step = [0.0f64; 3];
        let mut worst = 0.0f64;
        let mut worst_curvature = 0.0f64;
        let mut n = 0usize;
        for block in 0..300 {
            if block == 150 {
                split.set_crossovers(&[2000.0]);
            }
            let x: Vec<f32> = (0..SPLIT_CHUNK)
                .map(|i| (amp * (2.0 * PI * freq * (n + i) as f64 / rate).sin()) as f32)
                .collect();
            split.split(&x, &x, &mut out);
            for (&low, &high) in out[0][0].iter().zip(&out[1][0]) {
                let v = [low as f64, high as f64, (low + high) as f64];
                let step: [f64; 3] = std::array::from_fn(|k| v[k] - prev[k]);
                // Past the start-up transient, around and after the jump.
                if block >= 100 {
                    for (s, p) in step.iter().zip(&prev_step) {
                        worst = worst.max(s.abs());
                        worst_curvature = worst_curvature.max((s - p).abs());
                    }
                }
                prev_step = step;
                prev = v;
            }
            n += SPLIT_CHUNK;
        }
        let ratio = worst / own_step;
        let curvature_ratio = worst_curvature / own_curvature;
        println!(
            "200 Hz -> 2 kHz jump under a 1 kHz sine: largest step {worst:.4} = {ratio:.3} x the sine's own {own_step:.4}; \
             largest second difference {curvature_ratio:.3} x the sine's own {own_curvature:.5}"
        );
        // A step change of the coefficients (no glide) measures 6.5x on the second difference:
        // the SVF never jumps in value, but its slope kinks.
        assert!(ratio < 1.1, "{ratio}");
        assert!(curvature_ratio < 1.25, "{curvature_ratio}");
    }

    #[test]
    fn output_does_not_depend_on_the_host_block_size() {
        let rate = 48_000.0;
        let x: Vec<f32> = (0..4000).map(|i| ((i as f32) * 0.05).sin() * 0.5).collect();
        let run = |sizes: &[usize]| {
            let mut split = BandSplitter::new(rate, 4, &[100.0, 900.0, 5000.0]);
            split.set_crossovers(&[300.0, 2000.0, 9000.0]);
            let mut out: BandBuffers = [[[0.0; SPLIT_CHUNK]; 2]; MAX_BANDS];
            let mut bands = vec![Vec::new(); 4];
            let (mut start, mut k) = (0, 0);
            while start < x.len() {
                let n = sizes[k % sizes.len()].min(x.len() - start);
                split.split(&x[start..start + n], &x[start..start + n], &mut out);
                for (b, v) in bands.iter_mut().enumerate() {
                    v.extend_from_slice(&out[b][0][..n]);
                }
                start += n;
                k += 1;
            }
            bands
        };
        assert_eq!(run(&[64]), run(&[1, 7, 64, 13, 33]));
    }

    #[test]
    fn non_finite_input_does_not_poison_the_filters() {
        let mut split = BandSplitter::new(48_000.0, 3, &[200.0, 2000.0]);
        let mut out: BandBuffers = [[[0.0; SPLIT_CHUNK]; 2]; MAX_BANDS];
        let mut bad = [0.1f32; SPLIT_CHUNK];
        bad[5] = f32::NAN;
        bad[9] = f32::INFINITY;
        split.split(&bad, &bad, &mut out);
        let good = [0.1f32; SPLIT_CHUNK];
        split.split(&good, &good, &mut out);
        assert!(out.iter().flatten().flatten().all(|v| v.is_finite()));
    }

    #[test]
    fn splitting_does_not_allocate() {
        let mut split = BandSplitter::new(48_000.0, 4, &[100.0, 1000.0, 8000.0]);
        let x = [0.25f32; SPLIT_CHUNK];
        let mut out: BandBuffers = [[[0.0; SPLIT_CHUNK]; 2]; MAX_BANDS];
        crate::no_alloc::assert_no_alloc(|| {
            for k in 0..100 {
                split.set_crossovers(&[100.0 + k as f64, 1000.0, 8000.0]);
                split.split(&x, &x, &mut out);
            }
            split.set_bands(3);
            split.split(&x[..17], &x[..17], &mut out);
            split.reset();
        });
    }
}
