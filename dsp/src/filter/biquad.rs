//! A second-order IIR section in transposed direct form II, in f64.
//!
//! Measurement filters run in f64: K-weighting has poles within 1e-2 of the unit circle at
//! 384 kHz, where f32 coefficient rounding alone moves the response by tenths of a dB.

use std::f64::consts::PI;

/// Normalised coefficients (`a0 = 1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BiquadCoefs {
    pub b0: f64,
    pub b1: f64,
    pub b2: f64,
    pub a1: f64,
    pub a2: f64,
}

impl BiquadCoefs {
    /// The identity filter.
    pub const IDENTITY: Self = Self {
        b0: 1.0,
        b1: 0.0,
        b2: 0.0,
        a1: 0.0,
        a2: 0.0,
    };

    /// Complex response at `freq` Hz, as (magnitude, phase in radians).
    pub fn response(&self, freq: f64, sample_rate: f64) -> (f64, f64) {
        let w = 2.0 * PI * freq / sample_rate;
        // z^-1 = e^{-jw}
        let (c1, s1) = (w.cos(), -w.sin());
        let (c2, s2) = ((2.0 * w).cos(), -(2.0 * w).sin());
        let num = (
            self.b0 + self.b1 * c1 + self.b2 * c2,
            self.b1 * s1 + self.b2 * s2,
        );
        let den = (
            1.0 + self.a1 * c1 + self.a2 * c2,
            self.a1 * s1 + self.a2 * s2,
        );
        let mag = (num.0.hypot(num.1)) / (den.0.hypot(den.1));
        let phase = num.1.atan2(num.0) - den.1.atan2(den.0);
        (mag, phase)
    }

    /// Magnitude response in dB at `freq` Hz.
    pub fn response_db(&self, freq: f64, sample_rate: f64) -> f64 {
        20.0 * self.response(freq, sample_rate).0.log10()
    }
}

impl Default for BiquadCoefs {
    fn default() -> Self {
        Self::IDENTITY
    }
}

/// One biquad section with its state.
#[derive(Debug, Clone, Copy, Default)]
pub struct Biquad {
    pub coefs: BiquadCoefs,
    s1: f64,
    s2: f64,
}

impl Biquad {
    pub fn new(coefs: BiquadCoefs) -> Self {
        Self {
            coefs,
            s1: 0.0,
            s2: 0.0,
        }
    }

    pub fn reset(&mut self) {
        self.s1 = 0.0;
        self.s2 = 0.0;
    }

    #[inline(always)]
    pub fn tick(&mut self, x: f64) -> f64 {
        let c = &self.coefs;
        let y = c.b0 * x + self.s1;
        self.s1 = c.b1 * x - c.a1 * y + self.s2;
        self.s2 = c.b2 * x - c.a2 * y;
        y
    }

    /// Clear state that has decayed below anything audible or measurable, so silence after
    /// signal does not leave the filter grinding through subnormals. Call once per block.
    #[inline]
    pub fn flush_tiny_state(&mut self) {
        const TINY: f64 = 1e-30;
        if self.s1.abs() < TINY {
            self.s1 = 0.0;
        }
        if self.s2.abs() < TINY {
            self.s2 = 0.0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_passes_samples_unchanged() {
        let mut f = Biquad::new(BiquadCoefs::IDENTITY);
        for x in [0.5, -0.25, 1.0, 0.0] {
            assert_eq!(f.tick(x), x);
        }
    }

    #[test]
    fn response_matches_a_measured_sine() {
        // A one-pole-ish lowpass; its steady-state sine gain must equal response().
        let c = BiquadCoefs {
            b0: 0.2,
            b1: 0.2,
            b2: 0.0,
            a1: -0.6,
            a2: 0.0,
        };
        let (fs, f) = (48_000.0, 3_000.0);
        let mut bq = Biquad::new(c);
        let mut square_sum = 0.0;
        for n in 0..48_000 {
            let y = bq.tick((2.0 * PI * f * n as f64 / fs).sin());
            if n >= 24_000 {
                square_sum += y * y;
            }
        }
        // 3 kHz fits 24000 samples exactly, so RMS * sqrt 2 is the amplitude.
        let amplitude = (2.0 * square_sum / 24_000.0).sqrt();
        let expected = c.response(f, fs).0;
        assert!(
            (amplitude - expected).abs() < 1e-6,
            "{amplitude} vs {expected}"
        );
    }
}
