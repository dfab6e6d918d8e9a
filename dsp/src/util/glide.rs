//! A linear glide over a fixed number of samples (mix, makeup).

/// A linear glide over a fixed time that lands on its target exactly (so a mix glided to 0 is
/// the dry signal bit for bit).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Glide {
    value: f64,
    target: f64,
    step: f64,
    remaining: u32,
}

impl Glide {
    pub(crate) fn new(value: f64) -> Self {
        Self {
            value,
            target: value,
            step: 0.0,
            remaining: 0,
        }
    }

    pub(crate) fn set_target(&mut self, target: f64, samples: u32) {
        if target != self.target {
            self.target = target;
            self.remaining = samples.max(1);
            self.step = (target - self.value) / self.remaining as f64;
        }
    }

    pub(crate) fn is_steady(&self) -> bool {
        self.remaining == 0
    }

    pub(crate) fn jump(&mut self) {
        self.value = self.target;
        self.remaining = 0;
    }

    #[inline(always)]
    pub(crate) fn next(&mut self) -> f64 {
        if self.remaining > 0 {
            self.remaining -= 1;
            self.value = if self.remaining == 0 {
                self.target
            } else {
                self.value + self.step
            };
        }
        self.value
    }
}
