//! The pieces around each module: the switch fade, the gain ramp, and the slot that holds a
//! module's fade, dry signal (a `StereoDelay`) and warm-up.

use super::*;

/// Linear 0..1 fade toward a target, per sample.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fade {
    pub(super) value: f32,
    pub(super) target: f32,
    pub(super) step: f32,
}

impl Fade {
    pub(super) fn new(on: bool, sample_rate: f64, ms: f64) -> Self {
        let v = if on { 1.0 } else { 0.0 };
        Self {
            value: v,
            target: v,
            step: (1.0 / (ms * 1e-3 * sample_rate)).min(1.0) as f32,
        }
    }

    pub(super) fn set(&mut self, on: bool) {
        self.target = if on { 1.0 } else { 0.0 };
    }

    pub(super) fn snap(&mut self) {
        self.value = self.target;
    }

    pub(super) fn is_off(&self) -> bool {
        self.value == 0.0 && self.target == 0.0
    }

    pub(super) fn is_on(&self) -> bool {
        self.value == 1.0 && self.target == 1.0
    }

    /// Next `out.len()` values.
    pub(super) fn fill(&mut self, out: &mut [f32]) {
        for o in out {
            self.value = if self.value < self.target {
                (self.value + self.step).min(self.target)
            } else {
                (self.value - self.step).max(self.target)
            };
            *o = self.value;
        }
    }
}

/// `wet = dry + (wet - dry) * mix`; exact at mix 0 and 1.
pub(super) fn blend(wet: &mut [f32], dry: &[f32], mix: &[f32]) {
    for ((w, &d), &m) in wet.iter_mut().zip(dry).zip(mix) {
        *w = if m >= 1.0 {
            *w
        } else if m <= 0.0 {
            d
        } else {
            d + (*w - d) * m
        };
    }
}

/// dB-linear gain ramp: a change glides in a straight line (in dB) over a fixed time and
/// lands exactly on its target, so unity stays bit-transparent.
#[derive(Debug, Clone, Copy)]
pub(super) struct GainRamp {
    pub(super) db: f64,
    pub(super) target_db: f64,
    pub(super) step_db: f64,
    pub(super) steps_left: usize,
    pub(super) duration: usize,
}

impl GainRamp {
    pub(super) fn new(sample_rate: f64, ms: f64) -> Self {
        Self {
            db: 0.0,
            target_db: 0.0,
            step_db: 0.0,
            steps_left: 0,
            duration: ((ms * 1e-3 * sample_rate).round() as usize).max(1),
        }
    }

    pub(super) fn set_target(&mut self, target_db: f64) {
        if target_db != self.target_db {
            self.target_db = target_db;
            self.steps_left = self.duration;
            self.step_db = (target_db - self.db) / self.duration as f64;
        }
    }

    pub(super) fn snap(&mut self) {
        self.db = self.target_db;
        self.steps_left = 0;
    }

    pub(super) fn apply(&mut self, left: &mut [f32], right: &mut [f32]) {
        if self.steps_left == 0 {
            if self.db != 0.0 {
                let g = db_to_gain_f64(self.db) as f32;
                left.iter_mut()
                    .chain(right.iter_mut())
                    .for_each(|x| *x *= g);
            }
            return;
        }
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            if self.steps_left > 0 {
                self.steps_left -= 1;
                self.db = if self.steps_left == 0 {
                    self.target_db
                } else {
                    self.db + self.step_db
                };
            }
            let g = db_to_gain_f64(self.db) as f32;
            *l *= g;
            *r *= g;
        }
    }
}

/// A module's switch: its fade and the dry signal delayed by the module's latency.
pub(super) struct Slot {
    pub(super) fade: Fade,
    pub(super) dry: StereoDelay,
    /// Samples the module still has to run, after switching on from a reset, before its
    /// output is real signal rather than the silence its delay line started with. The fade
    /// waits for it, so switching on never dips.
    pub(super) warmup: usize,
}

impl Slot {
    pub(super) fn new(on: bool, sample_rate: f64, max_latency: usize) -> Self {
        Self {
            fade: Fade::new(on, sample_rate, FADE_MS),
            dry: StereoDelay::new(max_latency, BLOCK),
            warmup: 0,
        }
    }
}

pub(super) enum ReorderPhase {
    Idle,
    /// Fading the reorderable section out; the new order waits.
    FadingOut,
    /// Reordered and reset; silence passes until the section's latency has elapsed.
    Waiting(usize),
    FadingIn,
}
