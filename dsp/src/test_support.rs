//! Signals and helpers shared by the kernels' unit tests.

use std::f64::consts::TAU;

/// A sine at `freq` Hz with peak `amp`, starting at phase 0.
pub(crate) fn sine(rate: f64, freq: f64, amp: f64, frames: usize) -> Vec<f32> {
    (0..frames)
        .map(|n| (amp * (TAU * freq * n as f64 / rate).sin()) as f32)
        .collect()
}

/// Deterministic xorshift generator: tests must repeat.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// Uniform in [0, 1).
    pub(crate) fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in 0..n.
    pub(crate) fn below(&mut self, n: usize) -> usize {
        ((self.next() * n as f64) as usize).min(n - 1)
    }

    /// One of `xs`, uniformly.
    pub(crate) fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[((self.next() * xs.len() as f64) as usize).min(xs.len() - 1)]
    }
}
