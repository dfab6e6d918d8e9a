//! BS.1770 K-weighting (pre-filter high shelf + RLB high-pass) at any sample rate.
//!
//! The standard prints coefficients for 48 kHz only. These analog-prototype parameters (centre
//! frequency, gain and Q of both stages) reproduce the printed 48 kHz coefficients to about
//! 1e-14 through the bilinear transform pre-warped at f0, and so give the same filter at every
//! rate (see shared/standards.md).

use crate::filter::{Biquad, BiquadCoefs};
use crate::util::db_to_gain_f64;

const SHELF_F0: f64 = 1681.974450955533;
const SHELF_GAIN_DB: f64 = 3.999843853973347;
const SHELF_Q: f64 = 0.7071752369554196;
const SHELF_VB_EXPONENT: f64 = 0.4996667741545416;
const RLB_F0: f64 = 38.13547087602444;
const RLB_Q: f64 = 0.5003270373238773;

/// Keep the design frequencies inside the band at absurdly low host rates (a 1 kHz session):
/// the meter then reads something finite instead of producing an unstable filter.
fn prewarp(f0: f64, sample_rate: f64) -> f64 {
    (std::f64::consts::PI * f0.min(0.45 * sample_rate) / sample_rate).tan()
}

/// The two K-weighting stages for `sample_rate`.
pub fn k_weighting(sample_rate: f64) -> [BiquadCoefs; 2] {
    let k = prewarp(SHELF_F0, sample_rate);
    let vh = db_to_gain_f64(SHELF_GAIN_DB);
    let vb = vh.powf(SHELF_VB_EXPONENT);
    let a0 = 1.0 + k / SHELF_Q + k * k;
    let shelf = BiquadCoefs {
        b0: (vh + vb * k / SHELF_Q + k * k) / a0,
        b1: 2.0 * (k * k - vh) / a0,
        b2: (vh - vb * k / SHELF_Q + k * k) / a0,
        a1: 2.0 * (k * k - 1.0) / a0,
        a2: (1.0 - k / SHELF_Q + k * k) / a0,
    };
    let k = prewarp(RLB_F0, sample_rate);
    let a0 = 1.0 + k / RLB_Q + k * k;
    // The standard leaves the RLB numerator unnormalised ([1, -2, 1]); so do we, to match it.
    let rlb = BiquadCoefs {
        b0: 1.0,
        b1: -2.0,
        b2: 1.0,
        a1: 2.0 * (k * k - 1.0) / a0,
        a2: (1.0 - k / RLB_Q + k * k) / a0,
    };
    [shelf, rlb]
}

/// K-weighting filter state for one channel.
#[derive(Debug, Clone, Copy, Default)]
pub struct KWeighting {
    stages: [Biquad; 2],
}

impl KWeighting {
    pub fn new(sample_rate: f64) -> Self {
        let [a, b] = k_weighting(sample_rate);
        Self {
            stages: [Biquad::new(a), Biquad::new(b)],
        }
    }

    pub fn reset(&mut self) {
        self.stages.iter_mut().for_each(Biquad::reset);
    }

    #[inline(always)]
    pub fn tick(&mut self, x: f64) -> f64 {
        let y = self.stages[0].tick(x);
        self.stages[1].tick(y)
    }

    pub fn flush_tiny_state(&mut self) {
        self.stages.iter_mut().for_each(Biquad::flush_tiny_state);
    }

    /// Magnitude response in dB at `freq`.
    pub fn response_db(sample_rate: f64, freq: f64) -> f64 {
        k_weighting(sample_rate)
            .iter()
            .map(|c| c.response_db(freq, sample_rate))
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproduces_the_printed_48k_coefficients() {
        let [shelf, rlb] = k_weighting(48_000.0);
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(shelf.b0, 1.53512485958697), "{}", shelf.b0);
        assert!(close(shelf.b1, -2.69169618940638), "{}", shelf.b1);
        assert!(close(shelf.b2, 1.19839281085285), "{}", shelf.b2);
        assert!(close(shelf.a1, -1.69065929318241), "{}", shelf.a1);
        assert!(close(shelf.a2, 0.73248077421585), "{}", shelf.a2);
        assert!(close(rlb.a1, -1.99004745483398), "{}", rlb.a1);
        assert!(close(rlb.a2, 0.99007225036621), "{}", rlb.a2);
    }

    /// The same filter at every rate: the response at 44.1..384 kHz matches 48 kHz's over the
    /// band where the bilinear transform has not yet bent it (BS.1770's 1 kHz reference,
    /// the RLB corner and the shelf).
    #[test]
    fn response_is_rate_independent() {
        for rate in [44_100.0, 88_200.0, 96_000.0, 192_000.0, 384_000.0] {
            let mut worst: f64 = 0.0;
            for i in 0..=100 {
                let f = 20.0 * (10_000.0f64 / 20.0).powf(i as f64 / 100.0);
                let d = KWeighting::response_db(rate, f) - KWeighting::response_db(48_000.0, f);
                worst = worst.max(d.abs());
            }
            println!("{rate} Hz: worst deviation from 48 kHz, 20 Hz-10 kHz: {worst:.4} dB");
            assert!(worst < 0.05, "{rate}: {worst} dB");
        }
    }

    #[test]
    fn one_kilohertz_is_near_unity_and_the_shelf_is_plus_four() {
        // BS.1770: the weighting is normalised so 1 kHz reads (almost exactly) 0 dB.
        assert!(KWeighting::response_db(48_000.0, 1_000.0).abs() < 0.7);
        assert!((KWeighting::response_db(48_000.0, 10_000.0) - 4.0).abs() < 0.3);
        assert!(KWeighting::response_db(48_000.0, 20.0) < -10.0);
    }
}
