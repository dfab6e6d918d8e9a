//! One-pole smoother in f64 that lands exactly on its target, for settings that glide per
//! sample (width, drive, mix). Landing exactly matters: a settled smoother at unity must give
//! bit-transparent output.

#[derive(Debug, Clone, Copy)]
pub(crate) struct Smoother {
    pub(crate) value: f64,
    pub(crate) target: f64,
    pub(crate) coef: f64,
}

impl Smoother {
    pub(crate) fn new(value: f64, coef: f64) -> Self {
        Self {
            value,
            target: value,
            coef,
        }
    }

    pub(crate) fn settled(&self) -> bool {
        self.value == self.target
    }

    pub(crate) fn settled_at(&self, v: f64) -> bool {
        self.value == v && self.target == v
    }

    pub(crate) fn snap(&mut self) {
        self.value = self.target;
    }

    #[inline]
    pub(crate) fn next(&mut self) -> f64 {
        let diff = self.target - self.value;
        self.value = if diff.abs() <= 1e-9 {
            self.target
        } else {
            self.value + diff * self.coef
        };
        self.value
    }

    /// The next `out.len()` values.
    pub(crate) fn fill(&mut self, out: &mut [f32]) {
        if self.settled() {
            out.fill(self.value as f32);
        } else {
            out.iter_mut().for_each(|o| *o = self.next() as f32);
        }
    }
}
