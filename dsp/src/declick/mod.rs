//! De-click: finds clicks and pops (impulses, short bursts) that the music around them cannot
//! explain, and replaces only those samples with the most likely audio given both sides.
//!
//! Every `HOP` samples a segment is finalised, per channel:
//! 1. An autoregressive model of order `ORDER` is fitted (autocorrelation method, Hann window,
//!    Levinson-Durbin) on `FIT_PAST + HOP + LOOKAHEAD` samples around it: the repaired past and
//!    the look-ahead.
//! 2. The model's forward and backward prediction errors are taken; a sample is suspect where
//!    *both* exceed `k` times the error's robust scale (median absolute error / 0.6745). A
//!    click is unpredictable from either side; a musical onset is predictable from one.
//! 3. Suspect samples closer than the width limit merge into one burst, widened by `MARGIN`;
//!    a burst wider than the limit is music, not a click, and is left alone.
//! 4. Each burst is replaced by least-squares AR interpolation (Vaseghi and Rayner): the
//!    samples that minimise the model's prediction error over the burst and `ORDER` samples
//!    either side, a Toeplitz system solved by Cholesky.
//!
//! Samples outside bursts are never touched: they leave bit-identical, `LATENCY` samples
//! later. The channels are detected and repaired apart, so a click in one channel repairs
//! that channel only. "Clicks only" plays what was removed (input minus output).

mod ar;

use crate::util::range::{check_range, clamp_or, sample_rate_or_default};
use crate::Stage;

/// Model order: enough poles for the partials of dense music in 0.7 ms at 44.1 kHz.
const ORDER: usize = 32;
/// Samples finalised per analysis.
const HOP: usize = 256;
/// Samples seen after a segment before it is finalised (a burst and the model's context).
const LOOKAHEAD: usize = 256;
/// Repaired samples before the segment that the model is fitted on.
const FIT_PAST: usize = 512;
const WINDOW: usize = FIT_PAST + HOP + LOOKAHEAD;
/// Delay from input to output.
pub const LATENCY: usize = HOP + LOOKAHEAD;
const RING: usize = 2048;
/// Samples repaired either side of the suspect ones (a click's edges hide in the music).
const MARGIN: usize = 2;
/// Longest repair, samples (the width limit plus the margins stays under this).
pub const MAX_BURST: usize = 64;
/// Detection passes per segment at most (a pass only follows one that repaired something).
const PASSES: usize = 3;
/// Repairs per channel and segment at most: the cost per call stays bounded.
const MAX_REPAIRS: usize = 8;
pub const MIN_WIDTH_MS: f64 = 0.02;
pub const MAX_WIDTH_MS: f64 = 1.3;

/// User settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeclickParams {
    /// 0 (off: nothing is changed) .. 100 (finds the faintest clicks).
    pub sensitivity: f64,
    /// Widest click repaired, ms; wider events are left alone.
    pub max_width_ms: f64,
    /// Play what is removed instead of the result.
    pub clicks_only: bool,
}

impl Default for DeclickParams {
    fn default() -> Self {
        Self {
            sensitivity: 50.0,
            max_width_ms: 0.6,
            clicks_only: false,
        }
    }
}

impl DeclickParams {
    pub fn validate(&self) -> Result<(), String> {
        check_range("de-click sensitivity", self.sensitivity, 0.0, 100.0, "")?;
        check_range(
            "de-click width limit",
            self.max_width_ms,
            MIN_WIDTH_MS,
            MAX_WIDTH_MS,
            "ms",
        )
    }

    /// The same settings within range (NaN goes to the default).
    pub fn clamped(&self) -> Self {
        let d = Self::default();
        Self {
            sensitivity: clamp_or(self.sensitivity, 0.0, 100.0, d.sensitivity),
            max_width_ms: clamp_or(
                self.max_width_ms,
                MIN_WIDTH_MS,
                MAX_WIDTH_MS,
                d.max_width_ms,
            ),
            clicks_only: self.clicks_only,
        }
    }

    /// Detection threshold in robust standard deviations of the prediction error: 20 at the
    /// lowest sensitivity above 0, 3 at 100.
    pub fn threshold(&self) -> f64 {
        20.0 * (3.0f64 / 20.0).powf(self.sensitivity / 100.0)
    }
}

/// One channel's audio as received and as repaired.
struct Channel {
    input: Box<[f32]>,
    repaired: Box<[f32]>,
}

/// Scratch for one analysis, sized once.
struct Scratch {
    x: Box<[f64]>,
    windowed: Box<[f64]>,
    hann: Box<[f64]>,
    forward: Box<[f64]>,
    backward: Box<[f64]>,
    magnitude: Box<[f64]>,
    /// Window samples repaired so far.
    mask: Box<[bool]>,
    r: [f64; ORDER + 1],
    c: [f64; ORDER + 1],
    levinson: [f64; ORDER + 1],
    rc: [f64; ORDER + 1],
    matrix: Box<[f64]>,
    rhs: [f64; MAX_BURST],
}

pub struct Declicker {
    sample_rate: f64,
    params: DeclickParams,
    /// From the parameters: detection threshold (robust sigmas) and widest click (samples).
    threshold: f64,
    width: usize,
    channels: [Channel; 2],
    scratch: Scratch,
    /// Samples received since the start.
    pos: u64,
    clicks: u64,
}

impl Declicker {
    /// Bursts repaired since the start, both channels.
    pub fn clicks_repaired(&self) -> u64 {
        self.clicks
    }

    fn apply(&mut self, params: &DeclickParams) {
        self.params = params.clamped();
        self.threshold = self.params.threshold();
        self.width = ((self.params.max_width_ms * 1e-3 * self.sample_rate).round() as usize)
            .clamp(1, MAX_BURST - 2 * MARGIN);
    }

    /// Finalise the segment starting at `start` (absolute sample index) in both channels.
    fn analyse(&mut self, start: u64) {
        if self.params.sensitivity <= 0.0 || start < FIT_PAST as u64 {
            return;
        }
        let from = start - FIT_PAST as u64;
        let (k, width) = (self.threshold, self.width);
        for ch in &mut self.channels {
            self.clicks += repair_channel(ch, &mut self.scratch, from, k, width);
        }
    }
}

fn at(i: u64) -> usize {
    (i as usize) & (RING - 1)
}

/// Detect and repair the segment of `ch` whose window starts at absolute sample `from`.
/// Returns the bursts repaired.
fn repair_channel(ch: &mut Channel, s: &mut Scratch, from: u64, k: f64, width: usize) -> u64 {
    for (i, x) in s.x.iter_mut().enumerate() {
        *x = ch.repaired[at(from + i as u64)] as f64;
    }
    for ((w, &x), &h) in s.windowed.iter_mut().zip(s.x.iter()).zip(s.hann.iter()) {
        *w = x * h;
    }
    ar::autocorrelation(&s.windowed, &mut s.r);
    if !ar::levinson(&s.r, &mut s.c, &mut s.levinson) {
        return 0;
    }
    // The error filter's own autocorrelation: every repair's normal equations are made of it.
    for l in 0..=ORDER {
        s.rc[l] = (0..=ORDER - l).map(|k| s.c[k] * s.c[k + l]).sum();
    }
    s.mask.fill(false);
    let mut sigma = 0.0;
    let mut repairs = 0;
    for pass in 0..PASSES {
        residuals(s);
        if pass == 0 {
            sigma = robust_scale(s);
        }
        let (found, new) = repair_pass(s, k * sigma, width, MAX_REPAIRS - repairs);
        if pass == 0 {
            repairs = found;
        }
        if new == 0 || repairs >= MAX_REPAIRS {
            break;
        }
    }
    if repairs > 0 {
        for i in FIT_PAST..WINDOW {
            if s.mask[i] {
                ch.repaired[at(from + i as u64)] = s.x[i] as f32;
            }
        }
    }
    repairs as u64
}

/// Where detection looks: bursts start in the segment and run at most `MAX_BURST` on, and
/// each look reaches one sample either side.
const DETECT: std::ops::Range<usize> = FIT_PAST - 1..FIT_PAST + HOP + MAX_BURST + 2;
// A repair ending at the detection's end still has the model's context in the window.
const _: () = assert!(DETECT.end + ORDER <= WINDOW && DETECT.start >= ORDER);

/// Forward (from the past) and backward (from the future) prediction errors of `s.x` where
/// detection looks.
fn residuals(s: &mut Scratch) {
    for n in DETECT {
        let (mut f, mut b) = (0.0, 0.0);
        for k in 0..=ORDER {
            f += s.c[k] * s.x[n - k];
            b += s.c[k] * s.x[n + k];
        }
        s.forward[n] = f;
        s.backward[n] = b;
    }
}

/// The forward error's robust standard deviation (median absolute value / 0.6745) where
/// detection looks.
fn robust_scale(s: &mut Scratch) -> f64 {
    let span = DETECT;
    let m = &mut s.magnitude[..span.len()];
    for (o, f) in m.iter_mut().zip(&s.forward[span]) {
        *o = f.abs();
    }
    let mid = m.len() / 2;
    m.select_nth_unstable_by(mid, |a, b| a.total_cmp(b));
    (m[mid] / 0.6745).max(1e-9)
}

/// One detection and repair pass over the bursts that start in the segment. A burst that
/// reaches samples repaired by an earlier pass takes them in, so a click whose tail only
/// shows once its head is repaired is repaired whole. Returns (bursts, bursts with samples
/// not suspected before).
fn repair_pass(s: &mut Scratch, limit: f64, width: usize, budget: usize) -> (usize, usize) {
    // A click's edges show in the forward error at its first sample and in the backward error
    // one sample earlier (and the other way round at its end): each side is looked at one
    // sample either way.
    let near = |e: &[f64], n: usize| e[n - 1].abs().max(e[n].abs()).max(e[n + 1].abs());
    let detected =
        |s: &Scratch, n: usize| near(&s.forward, n) > limit && near(&s.backward, n) > limit;
    let suspect = |s: &Scratch, n: usize| s.mask[n] || detected(s, n);
    let (mut found, mut new) = (0, 0);
    let mut n = FIT_PAST;
    let last = DETECT.end - 1;
    while n < FIT_PAST + HOP && found < budget {
        if !suspect(s, n) {
            n += 1;
            continue;
        }
        let first = n;
        let mut end = n;
        let mut fresh = !s.mask[n];
        let mut j = n + 1;
        while j < last && j <= end + width {
            if suspect(s, j) {
                end = j;
                fresh |= !s.mask[j];
            }
            j += 1;
        }
        n = end + 1;
        if end + 1 - first > width + 2 * MARGIN {
            // Too wide for a click: music, left alone (and skipped whole).
            continue;
        }
        let b0 = first.saturating_sub(MARGIN).max(ORDER);
        let b1 = (end + 1 + MARGIN).min(last);
        if fresh && interpolate(s, b0, b1) {
            s.mask[b0..b1].fill(true);
            new += 1;
        }
        found += 1;
    }
    (found, new)
}

/// Least-squares AR interpolation of `s.x[b0..b1]` from `ORDER` known samples either side;
/// writes the result into `s.x`. False if the system is singular or the result not finite.
fn interpolate(s: &mut Scratch, b0: usize, b1: usize) -> bool {
    let len = b1 - b0;
    let rc = |d: usize| if d <= ORDER { s.rc[d] } else { 0.0 };
    for i in 0..len {
        for j in 0..len {
            s.matrix[i * MAX_BURST + j] = rc(i.abs_diff(j));
        }
        s.matrix[i * MAX_BURST + i] *= 1.0 + 1e-12;
        let gi = b0 + i;
        let mut acc = 0.0;
        for jg in gi.saturating_sub(ORDER)..(gi + ORDER + 1).min(WINDOW) {
            if !(b0..b1).contains(&jg) {
                acc += rc(gi.abs_diff(jg)) * s.x[jg];
            }
        }
        s.rhs[i] = -acc;
    }
    if !ar::cholesky_solve(&mut s.matrix, MAX_BURST, len, &mut s.rhs) {
        return false;
    }
    if !s.rhs[..len].iter().all(|v| v.is_finite()) {
        return false;
    }
    s.x[b0..b1].copy_from_slice(&s.rhs[..len]);
    true
}

impl Stage for Declicker {
    type Params = DeclickParams;

    fn new(sample_rate: f64, params: &DeclickParams) -> Self {
        let sample_rate = sample_rate_or_default(sample_rate);
        let channel = || Channel {
            input: vec![0.0; RING].into_boxed_slice(),
            repaired: vec![0.0; RING].into_boxed_slice(),
        };
        let zeros = |n: usize| vec![0.0f64; n].into_boxed_slice();
        let hann = (0..WINDOW)
            .map(|i| {
                let t = (i as f64 + 0.5) / WINDOW as f64;
                0.5 - 0.5 * (std::f64::consts::TAU * t).cos()
            })
            .collect();
        let mut d = Self {
            sample_rate,
            params: params.clamped(),
            threshold: 0.0,
            width: 1,
            channels: [channel(), channel()],
            scratch: Scratch {
                x: zeros(WINDOW),
                windowed: zeros(WINDOW),
                hann,
                forward: zeros(WINDOW),
                backward: zeros(WINDOW),
                magnitude: zeros(WINDOW),
                mask: vec![false; WINDOW].into_boxed_slice(),
                r: [0.0; ORDER + 1],
                c: [0.0; ORDER + 1],
                levinson: [0.0; ORDER + 1],
                rc: [0.0; ORDER + 1],
                matrix: zeros(MAX_BURST * MAX_BURST),
                rhs: [0.0; MAX_BURST],
            },
            pos: 0,
            clicks: 0,
        };
        d.apply(params);
        d
    }

    fn set_params(&mut self, params: &DeclickParams) {
        self.apply(params);
    }

    fn reset(&mut self) {
        for ch in &mut self.channels {
            ch.input.fill(0.0);
            ch.repaired.fill(0.0);
        }
        self.pos = 0;
    }

    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let mut done = 0;
        while done < n {
            // Up to the next segment boundary.
            let to_hop = HOP - (self.pos as usize % HOP);
            let m = (n - done).min(to_hop);
            for i in done..done + m {
                let w = at(self.pos);
                let r = at(self.pos.wrapping_sub(LATENCY as u64));
                let old = self.pos >= LATENCY as u64;
                for (ch, x) in self.channels.iter_mut().zip([&mut left[i], &mut right[i]]) {
                    let v = *x;
                    let (input, repaired) = if old {
                        (ch.input[r], ch.repaired[r])
                    } else {
                        (0.0, 0.0)
                    };
                    *x = if self.params.clicks_only {
                        input - repaired
                    } else {
                        repaired
                    };
                    // Non-finite input would poison the model: it enters as silence.
                    let v = if v.is_finite() { v } else { 0.0 };
                    ch.input[w] = v;
                    ch.repaired[w] = v;
                }
                self.pos += 1;
            }
            done += m;
            if self.pos.is_multiple_of(HOP as u64) && self.pos >= LATENCY as u64 {
                self.analyse(self.pos - LATENCY as u64);
            }
        }
    }

    fn latency(&self) -> usize {
        LATENCY
    }
}

#[cfg(test)]
mod tests;
