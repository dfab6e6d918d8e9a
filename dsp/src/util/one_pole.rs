//! The one-pole smoother's coefficients from a time constant: every glide, envelope and
//! averaging filter in the chain uses these, so "`ms`" means the same everywhere (the time to
//! 63 % of a step).

/// Fraction of the old value a one-pole smoother keeps per sample: `exp(-1 / (ms fs))`.
#[inline]
pub fn one_pole_decay(ms: f64, sample_rate: f64) -> f64 {
    one_pole_decay_per(1.0, ms, sample_rate)
}

/// Fraction of the way to its target a one-pole smoother moves per sample: `1 - decay`.
#[inline]
pub fn one_pole_coef(ms: f64, sample_rate: f64) -> f64 {
    one_pole_coef_per(1.0, ms, sample_rate)
}

/// `one_pole_decay` for a smoother updated once every `samples` samples.
#[inline]
pub fn one_pole_decay_per(samples: f64, ms: f64, sample_rate: f64) -> f64 {
    (-samples / (ms * 1e-3 * sample_rate)).exp()
}

/// `one_pole_coef` for a smoother updated once every `samples` samples.
#[inline]
pub fn one_pole_coef_per(samples: f64, ms: f64, sample_rate: f64) -> f64 {
    1.0 - one_pole_decay_per(samples, ms, sample_rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// After `ms` of a step, a smoother has moved 63 % (1 - 1/e) of the way.
    #[test]
    fn reaches_63_percent_in_the_time_constant() {
        let (ms, fs) = (10.0, 48_000.0);
        let c = one_pole_coef(ms, fs);
        let mut y = 0.0;
        for _ in 0..480 {
            y += c * (1.0 - y);
        }
        assert!((y - (1.0 - (-1.0f64).exp())).abs() < 1e-9, "{y}");
        let per = one_pole_coef_per(16.0, ms, fs);
        let mut z = 0.0;
        for _ in 0..30 {
            z += per * (1.0 - z);
        }
        assert!((z - y).abs() < 1e-9);
    }
}
