//! A gain that ramps in a straight line in dB (input and output gain).

use super::db_to_gain_f64;

/// dB-linear gain ramp: a change glides in a straight line (in dB) over a fixed time and
/// lands exactly on its target, so unity stays bit-transparent.
#[derive(Debug, Clone, Copy)]
pub(crate) struct GainRamp {
    pub(crate) db: f64,
    pub(crate) target_db: f64,
    pub(crate) step_db: f64,
    pub(crate) steps_left: usize,
    pub(crate) duration: usize,
}

impl GainRamp {
    pub(crate) fn new(sample_rate: f64, ms: f64) -> Self {
        Self {
            db: 0.0,
            target_db: 0.0,
            step_db: 0.0,
            steps_left: 0,
            duration: ((ms * 1e-3 * sample_rate).round() as usize).max(1),
        }
    }

    pub(crate) fn set_target(&mut self, target_db: f64) {
        if target_db != self.target_db {
            self.target_db = target_db;
            self.steps_left = self.duration;
            self.step_db = (target_db - self.db) / self.duration as f64;
        }
    }

    pub(crate) fn snap(&mut self) {
        self.db = self.target_db;
        self.steps_left = 0;
    }

    pub(crate) fn apply(&mut self, left: &mut [f32], right: &mut [f32]) {
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
