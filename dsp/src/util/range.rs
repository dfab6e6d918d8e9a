//! Range checks shared by the kernels' `validate()` and `clamped()` parameter helpers.

/// `Ok(())` if `value` is finite and within `min..=max`, else an error naming the setting:
/// `"<what> must be <min> to <max> <unit>, got <value>"`. `what` carries the kernel's prefix
/// (e.g. `"limiter release"`); an empty `unit` leaves no stray space before the comma.
pub fn check_range(what: &str, value: f64, min: f64, max: f64, unit: &str) -> Result<(), String> {
    if value.is_finite() && (min..=max).contains(&value) {
        Ok(())
    } else {
        let sep = if unit.is_empty() { "" } else { " " };
        Err(format!(
            "{what} must be {min} to {max}{sep}{unit}, got {value}"
        ))
    }
}

/// `value` clamped to `min..=max`; NaN and infinities give `fallback` instead.
#[inline]
pub fn clamp_or(value: f64, min: f64, max: f64, fallback: f64) -> f64 {
    if value.is_finite() {
        value.clamp(min, max)
    } else {
        fallback
    }
}

/// A kernel's sample rate as given, or 48 kHz for a rate no kernel can run at (NaN, infinite,
/// zero or negative), so a bad host setting gives working filters instead of NaN coefficients.
#[inline]
pub fn sample_rate_or_default(sample_rate: f64) -> f64 {
    if sample_rate.is_finite() && sample_rate > 0.0 {
        sample_rate
    } else {
        48_000.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_range_accepts_the_inclusive_range() {
        assert!(check_range("x", 0.0, 0.0, 1.0, "dB").is_ok());
        assert!(check_range("x", 1.0, 0.0, 1.0, "dB").is_ok());
        assert!(check_range("x", 0.5, 0.0, 1.0, "").is_ok());
    }

    #[test]
    fn check_range_names_the_setting() {
        assert_eq!(
            check_range("limiter release", 0.5, 1.0, 1000.0, "ms").unwrap_err(),
            "limiter release must be 1 to 1000 ms, got 0.5"
        );
        assert_eq!(
            check_range("EQ band Q", 30.0, 0.1, 24.0, "").unwrap_err(),
            "EQ band Q must be 0.1 to 24, got 30"
        );
        assert!(check_range("x", f64::NAN, 0.0, 1.0, "").is_err());
        assert!(check_range("x", f64::INFINITY, 0.0, f64::INFINITY, "").is_err());
    }

    #[test]
    fn clamp_or_clamps_and_replaces_non_finite() {
        assert_eq!(clamp_or(5.0, 0.0, 1.0, 0.5), 1.0);
        assert_eq!(clamp_or(-5.0, 0.0, 1.0, 0.5), 0.0);
        assert_eq!(clamp_or(0.25, 0.0, 1.0, 0.5), 0.25);
        assert_eq!(clamp_or(f64::NAN, 0.0, 1.0, 0.5), 0.5);
        assert_eq!(clamp_or(f64::NEG_INFINITY, 0.0, 1.0, 0.5), 0.5);
    }
}
