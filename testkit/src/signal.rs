//! Deterministic test signals: one sine, one noise, one generator for every test.

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

/// A mono sine at `freq` Hz with peak `amp`, starting at phase 0.
pub fn tone(rate: f64, freq: f64, amp: f64, frames: usize) -> Vec<f32> {
    (0..frames)
        .map(|n| (amp * (TAU * freq * n as f64 / rate).sin()) as f32)
        .collect()
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

    /// A generator whose state is `state` as given (non-zero), for sequences that must stay
    /// what a test was written against.
    pub fn from_state(state: u64) -> Self {
        assert_ne!(state, 0, "xorshift stays at zero");
        Self(state)
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

    /// Uniform in 0..n.
    pub fn below(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n - 1)
    }

    /// One of `xs`, uniformly.
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len())]
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

/// Mono white noise, uniform in [-amp, amp).
pub fn white(seed: u64, amp: f32, frames: usize) -> Vec<f32> {
    let mut rng = Rng::new(seed);
    (0..frames).map(|_| amp * rng.bipolar()).collect()
}

/// The largest step between neighbouring samples: what a click looks like.
pub fn max_step(x: &[f32]) -> f32 {
    x.windows(2).fold(0.0, |m, w| m.max((w[1] - w[0]).abs()))
}

/// A sine with 10 ms raised-cosine fades at both ends, as EBU Tech 3341 specifies for its
/// true-peak signals: an abrupt start would ring an interpolator and read a real, but
/// unwanted, overshoot. `phase_deg` is the phase at sample 0.
pub fn faded_tone(rate: f64, freq: f64, amp: f64, phase_deg: f64, frames: usize) -> Vec<f32> {
    let fade = (0.01 * rate) as usize;
    (0..frames)
        .map(|n| {
            let edge = n.min(frames - 1 - n);
            let g = if edge < fade {
                0.5 - 0.5 * (std::f64::consts::PI * edge as f64 / fade as f64).cos()
            } else {
                1.0
            };
            (g * amp * (TAU * freq * n as f64 / rate + phase_deg.to_radians()).sin()) as f32
        })
        .collect()
}
