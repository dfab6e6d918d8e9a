//! A linear 0..1 fade toward on or off (module switches, bypass).

/// Linear 0..1 fade toward a target, per sample.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fade {
    pub(crate) value: f32,
    pub(crate) target: f32,
    pub(crate) step: f32,
}

impl Fade {
    pub(crate) fn new(on: bool, sample_rate: f64, ms: f64) -> Self {
        let v = if on { 1.0 } else { 0.0 };
        Self {
            value: v,
            target: v,
            step: (1.0 / (ms * 1e-3 * sample_rate)).min(1.0) as f32,
        }
    }

    pub(crate) fn set(&mut self, on: bool) {
        self.target = if on { 1.0 } else { 0.0 };
    }

    pub(crate) fn snap(&mut self) {
        self.value = self.target;
    }

    pub(crate) fn is_off(&self) -> bool {
        self.value == 0.0 && self.target == 0.0
    }

    pub(crate) fn is_on(&self) -> bool {
        self.value == 1.0 && self.target == 1.0
    }

    /// Next `out.len()` values.
    pub(crate) fn fill(&mut self, out: &mut [f32]) {
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
