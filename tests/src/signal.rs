//! Test signals and small measurement helpers.

use std::f64::consts::TAU;

/// Planar stereo audio.
#[derive(Debug, Clone, PartialEq)]
pub struct Stereo {
    pub left: Vec<f32>,
    pub right: Vec<f32>,
}

impl Stereo {
    pub fn silence(frames: usize) -> Self {
        Self {
            left: vec![0.0; frames],
            right: vec![0.0; frames],
        }
    }

    pub fn len(&self) -> usize {
        self.left.len()
    }

    pub fn is_empty(&self) -> bool {
        self.left.is_empty()
    }

    pub fn is_finite(&self) -> bool {
        self.left.iter().chain(&self.right).all(|x| x.is_finite())
    }

    pub fn peak(&self) -> f32 {
        self.left
            .iter()
            .chain(&self.right)
            .fold(0.0, |m, x| m.max(x.abs()))
    }

    /// Bitwise equality, so NaN == NaN and -0.0 != 0.0: what "bit-identical" means.
    pub fn bit_identical(&self, other: &Stereo) -> bool {
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        bits(&self.left) == bits(&other.left) && bits(&self.right) == bits(&other.right)
    }

    /// Largest |a - b| over both channels.
    pub fn max_abs_diff(&self, other: &Stereo) -> f32 {
        self.left
            .iter()
            .zip(&other.left)
            .chain(self.right.iter().zip(&other.right))
            .fold(0.0, |m, (a, b)| m.max((a - b).abs()))
    }
}

/// Sine at `freq` Hz, peak `amp`, different phase per channel so L/R mix-ups show.
pub fn sine(sample_rate: f64, freq: f64, amp: f32, frames: usize) -> Stereo {
    let l = (0..frames)
        .map(|i| (amp as f64 * (TAU * freq * i as f64 / sample_rate).sin()) as f32)
        .collect();
    let r = (0..frames)
        .map(|i| (amp as f64 * (TAU * freq * i as f64 / sample_rate + 1.0).sin()) as f32)
        .collect();
    Stereo { left: l, right: r }
}

/// Deterministic xorshift PRNG: tests must be repeatable.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [lo, hi] (inclusive).
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as usize
    }

    /// Uniform in [-1, 1).
    pub fn bipolar(&mut self) -> f32 {
        (self.unit() * 2.0 - 1.0) as f32
    }
}

/// White noise with peak `amp`.
pub fn noise(seed: u64, amp: f32, frames: usize) -> Stereo {
    let mut rng = Rng::new(seed);
    let left = (0..frames).map(|_| amp * rng.bipolar()).collect();
    let right = (0..frames).map(|_| amp * rng.bipolar()).collect();
    Stereo { left, right }
}
