//! Phase tools: a phase rotator and DC offset removal.
//!
//! The rotator is a first-order all-pass, `H(z) = (a + z^-1) / (1 + a z^-1)`, whose phase lag
//! at `freq_hz` is the set rotation: `phi(w) = -2 atan(k tan(w / 2))` with
//! `k = (1 - a) / (1 + a)`, so `k = tan(theta / 2) / tan(w0 / 2)`. Its magnitude is exactly 1 at
//! every frequency; below `freq_hz` it turns less, above it more, reaching 180 degrees at
//! Nyquist (0 degrees is the identity, 180 a polarity flip at every frequency). That is what
//! evens out an asymmetric waveform (a voice, a kick) before the limiter: the peaks of one
//! polarity move against each other. It adds no latency; its group delay
//! (`group_delay_samples`) is frequency-dependent, largest at DC.
//!
//! `RotationLearner` is the rotator's "auto": it runs every candidate rotation side by side
//! over a learning window and keeps the one whose output has the lowest crest factor.
//!
//! DC removal is a first-order high-pass at `DC_CUTOFF_HZ`, switched with a cross-fade.
//! Settled at 0 degrees with DC removal off, the stage passes its input bit-identical.

use crate::util::fade::Fade;
use crate::util::one_pole::one_pole_coef;
use crate::util::range::{check_range, clamp_or, sample_rate_or_default};
use crate::util::smooth::Smoother;
use crate::Stage;
use std::f64::consts::PI;

pub const MAX_ROTATION_DEG: f64 = 180.0;
pub const MIN_FREQ_HZ: f64 = 20.0;
pub const MAX_FREQ_HZ: f64 = 5_000.0;
/// The DC blocker's corner: -3 dB here, under 0.1 dB lost at 40 Hz.
pub const DC_CUTOFF_HZ: f64 = 5.0;
/// Frames processed at a time with stack scratch.
const CHUNK: usize = 64;

/// User settings in audio units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhaseParams {
    /// Phase lag at `freq_hz`, 0..180 degrees.
    pub rotation_deg: f64,
    /// Where the rotation is set, 20..5000 Hz.
    pub freq_hz: f64,
    /// Remove DC offset (a 5 Hz high-pass).
    pub dc_removal: bool,
}

impl Default for PhaseParams {
    fn default() -> Self {
        Self {
            rotation_deg: 0.0,
            freq_hz: 200.0,
            dc_removal: false,
        }
    }
}

impl PhaseParams {
    pub fn validate(&self) -> Result<(), String> {
        check_range(
            "phase rotation",
            self.rotation_deg,
            0.0,
            MAX_ROTATION_DEG,
            "degrees",
        )?;
        check_range(
            "phase rotation frequency",
            self.freq_hz,
            MIN_FREQ_HZ,
            MAX_FREQ_HZ,
            "Hz",
        )
    }

    /// The same settings within range (NaN goes to the default).
    pub fn clamped(&self) -> Self {
        let d = Self::default();
        Self {
            rotation_deg: clamp_or(self.rotation_deg, 0.0, MAX_ROTATION_DEG, d.rotation_deg),
            freq_hz: clamp_or(self.freq_hz, MIN_FREQ_HZ, MAX_FREQ_HZ, d.freq_hz),
            dc_removal: self.dc_removal,
        }
    }
}

/// The all-pass coefficient `a` whose phase lag at `freq_hz` is `rotation_deg`.
pub fn allpass_coef(rotation_deg: f64, freq_hz: f64, sample_rate: f64) -> f64 {
    let theta = rotation_deg.clamp(0.0, MAX_ROTATION_DEG).to_radians();
    if theta >= PI {
        return -1.0;
    }
    let w0 = 2.0 * PI * freq_hz.min(0.49 * sample_rate) / sample_rate;
    let k = (theta / 2.0).tan() / (w0 / 2.0).tan();
    (1.0 - k) / (1.0 + k)
}

/// Phase lag of the all-pass with coefficient `a` at `freq_hz`, degrees (0..180).
pub fn allpass_lag_deg(a: f64, freq_hz: f64, sample_rate: f64) -> f64 {
    let w = 2.0 * PI * freq_hz / sample_rate;
    let k = (1.0 - a) / (1.0 + a);
    (2.0 * (k * (w / 2.0).tan()).atan()).to_degrees()
}

/// Group delay of the all-pass with coefficient `a` at `freq_hz`, in samples.
pub fn group_delay_samples(a: f64, freq_hz: f64, sample_rate: f64) -> f64 {
    let w = 2.0 * PI * freq_hz / sample_rate;
    (1.0 - a * a) / (1.0 + 2.0 * a * w.cos() + a * a)
}

/// One channel of the first-order all-pass (direct form I, f64 state).
#[derive(Debug, Clone, Copy, Default)]
struct Allpass {
    x1: f64,
    y1: f64,
}

impl Allpass {
    #[inline]
    fn tick(&mut self, a: f64, x: f64) -> f64 {
        let y = a * x + self.x1 - a * self.y1;
        self.x1 = x;
        self.y1 = y;
        y
    }

    /// The state the filter would have after `x` at `a = polarity` (1: the identity, -1: a
    /// polarity flip), so leaving that end point continues smoothly.
    #[inline]
    fn pass(&mut self, x: f64, polarity: f64) {
        self.x1 = x;
        self.y1 = polarity * x;
    }
}

/// One channel of the DC blocker: `y = x - x1 + r y1`.
#[derive(Debug, Clone, Copy, Default)]
struct DcBlocker {
    x1: f64,
    y1: f64,
}

impl DcBlocker {
    #[inline]
    fn tick(&mut self, r: f64, x: f64) -> f64 {
        let y = x - self.x1 + r * self.y1;
        self.x1 = x;
        self.y1 = y;
        y
    }
}

/// The DC blockers of both channels, their pole and the on/off cross-fade.
struct DcRemoval {
    blockers: [DcBlocker; 2],
    pole: f64,
    fade: Fade,
}

pub struct PhaseRotator {
    sample_rate: f64,
    params: PhaseParams,
    /// The all-pass coefficient, gliding (20 ms) so a moving rotation never clicks.
    coef: Smoother,
    rotator: [Allpass; 2],
    dc: DcRemoval,
}

impl PhaseRotator {
    /// Group delay the rotator adds at its set frequency, samples.
    pub fn group_delay_at_set_frequency(&self) -> f64 {
        group_delay_samples(self.coef.target, self.params.freq_hz, self.sample_rate)
    }

    fn rotate(&mut self, left: &mut [f32], right: &mut [f32]) {
        for (l, r) in left.chunks_mut(CHUNK).zip(right.chunks_mut(CHUNK)) {
            self.rotate_chunk(l, r);
        }
    }

    fn rotate_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        // The end points are exact: the identity, and a polarity flip (the recursion's pole
        // would sit on the unit circle there).
        for polarity in [1.0, -1.0] {
            if self.coef.settled_at(polarity) {
                for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                    self.rotator[0].pass(*l as f64, polarity);
                    self.rotator[1].pass(*r as f64, polarity);
                    if polarity < 0.0 {
                        (*l, *r) = (-*l, -*r);
                    }
                }
                return;
            }
        }
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let a = self.coef.next();
            *l = self.rotator[0].tick(a, *l as f64) as f32;
            *r = self.rotator[1].tick(a, *r as f64) as f32;
        }
    }

    fn remove_dc(&mut self, left: &mut [f32], right: &mut [f32]) {
        let r = self.dc.pole;
        if self.dc.fade.is_off() {
            // Keep the blocker running so switching it on does not start with a step.
            for (&l, &rr) in left.iter().zip(right.iter()) {
                self.dc.blockers[0].tick(r, l as f64);
                self.dc.blockers[1].tick(r, rr as f64);
            }
            return;
        }
        let mut mix = [0.0f32; CHUNK];
        let mut done = 0;
        while done < left.len() {
            let n = (left.len() - done).min(CHUNK);
            self.dc.fade.fill(&mut mix[..n]);
            let (l, rr) = (&mut left[done..done + n], &mut right[done..done + n]);
            for i in 0..n {
                let (x, y) = (l[i] as f64, rr[i] as f64);
                let g = mix[i] as f64;
                l[i] = (x + g * (self.dc.blockers[0].tick(r, x) - x)) as f32;
                rr[i] = (y + g * (self.dc.blockers[1].tick(r, y) - y)) as f32;
            }
            done += n;
        }
    }
}

impl Stage for PhaseRotator {
    type Params = PhaseParams;

    fn new(sample_rate: f64, params: &PhaseParams) -> Self {
        let sample_rate = sample_rate_or_default(sample_rate);
        let p = params.clamped();
        let a = allpass_coef(p.rotation_deg, p.freq_hz, sample_rate);
        Self {
            sample_rate,
            params: p,
            coef: Smoother::new(a, one_pole_coef(20.0, sample_rate)),
            rotator: [Allpass::default(); 2],
            dc: DcRemoval {
                blockers: [DcBlocker::default(); 2],
                pole: (-2.0 * PI * DC_CUTOFF_HZ / sample_rate).exp(),
                fade: Fade::new(p.dc_removal, sample_rate, 10.0),
            },
        }
    }

    fn set_params(&mut self, params: &PhaseParams) {
        let p = params.clamped();
        self.params = p;
        self.coef.target = allpass_coef(p.rotation_deg, p.freq_hz, self.sample_rate);
        self.dc.fade.set(p.dc_removal);
    }

    fn reset(&mut self) {
        self.rotator = [Allpass::default(); 2];
        self.dc.blockers = [DcBlocker::default(); 2];
        self.coef.snap();
        self.dc.fade.snap();
    }

    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        self.remove_dc(left, right);
        self.rotate(left, right);
    }

    fn latency(&self) -> usize {
        0
    }
}

/// The learner's candidate filters start from silence: what they hear first only settles them.
const LEARN_WARM_UP_S: f64 = 0.1;
/// Rotations the learner tries: 0, 5, ... 180 degrees.
pub const LEARN_STEP_DEG: f64 = 5.0;
pub const LEARN_CANDIDATES: usize = 37;

/// The rotator's "auto": every candidate rotation at `freq_hz` runs on the same audio; after
/// the learning window the one with the lowest crest factor (peak over RMS, both channels)
/// wins. Fixed cost per frame (37 first-order all-passes per channel), no allocation.
pub struct RotationLearner {
    coefs: [f64; LEARN_CANDIDATES],
    state: [[Allpass; 2]; LEARN_CANDIDATES],
    peak: [f64; LEARN_CANDIDATES],
    energy: [f64; LEARN_CANDIDATES],
    /// Frames heard, warm-up included.
    frames: usize,
    warm_up: usize,
    window: usize,
    learning: bool,
}

impl RotationLearner {
    pub fn new(sample_rate: f64, freq_hz: f64, seconds: f64) -> Self {
        let mut coefs = [0.0; LEARN_CANDIDATES];
        for (k, c) in coefs.iter_mut().enumerate() {
            *c = allpass_coef(k as f64 * LEARN_STEP_DEG, freq_hz, sample_rate);
        }
        Self {
            coefs,
            state: [[Allpass::default(); 2]; LEARN_CANDIDATES],
            peak: [0.0; LEARN_CANDIDATES],
            energy: [0.0; LEARN_CANDIDATES],
            frames: 0,
            warm_up: (LEARN_WARM_UP_S * sample_rate) as usize,
            window: (seconds * sample_rate).max(1.0) as usize,
            learning: true,
        }
    }

    pub fn is_learning(&self) -> bool {
        self.learning
    }

    /// Share of the window heard, 0..1.
    pub fn progress(&self) -> f64 {
        self.frames as f64 / (self.warm_up + self.window) as f64
    }

    /// Feed audio; returns the rotation with the lowest crest factor once the window is full.
    pub fn feed(&mut self, left: &[f32], right: &[f32]) -> Option<f64> {
        let n = left.len().min(right.len());
        let mut done = 0;
        while done < n && self.learning {
            // Warm-up frames settle the filters; window frames count.
            let warming = self.frames < self.warm_up;
            let limit = if warming {
                self.warm_up
            } else {
                self.warm_up + self.window
            };
            let m = (n - done).min(limit - self.frames);
            let (l, r) = (&left[done..done + m], &right[done..done + m]);
            for k in 0..LEARN_CANDIDATES {
                let a = self.coefs[k];
                let [sl, sr] = &mut self.state[k];
                let (mut peak, mut energy) = (self.peak[k], self.energy[k]);
                for (&x, &y) in l.iter().zip(r) {
                    let (yl, yr) = (sl.tick(a, x as f64), sr.tick(a, y as f64));
                    if !warming {
                        peak = peak.max(yl.abs()).max(yr.abs());
                        energy += yl * yl + yr * yr;
                    }
                }
                self.peak[k] = peak;
                self.energy[k] = energy;
            }
            self.frames += m;
            done += m;
            if self.frames >= self.warm_up + self.window {
                self.learning = false;
                return Some(self.best());
            }
        }
        None
    }

    /// Crest factor (peak over RMS) of candidate `k` so far, dB.
    pub fn crest_db(&self, k: usize) -> f64 {
        let counted = self.frames.saturating_sub(self.warm_up).max(1);
        let rms = (self.energy[k] / (2.0 * counted as f64)).sqrt();
        20.0 * (self.peak[k] / rms.max(1e-30)).log10()
    }

    fn best(&self) -> f64 {
        let k = (0..LEARN_CANDIDATES)
            .min_by(|&a, &b| self.crest_db(a).total_cmp(&self.crest_db(b)))
            .unwrap_or(0);
        k as f64 * LEARN_STEP_DEG
    }
}

#[cfg(test)]
mod tests;
