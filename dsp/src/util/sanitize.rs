//! The last line of defence before audio leaves the plugin.
//!
//! A copy path (bypass, a dry mix end point) moves samples without arithmetic, so the CPU's
//! FTZ/DAZ flags cannot clean them: subnormal input would leave the plugin as subnormal output
//! (hosts and validators flag that), and a NaN or infinity from a host or an upstream plugin would
//! reach the speakers. Every sample that leaves goes through here.

/// Replace NaN, +-inf and subnormals by exact zero; every normal finite sample passes bit for bit.
/// Returns how many samples were replaced, so the caller can meter bad input without branching here.
#[inline]
pub fn flush_non_normal(samples: &mut [f32]) -> usize {
    let mut replaced = 0;
    for x in samples.iter_mut() {
        let magnitude = x.abs();
        // NaN fails both comparisons, so it is replaced too. Zero is replaced by zero.
        let keep = (f32::MIN_POSITIVE..=f32::MAX).contains(&magnitude);
        replaced += usize::from(!keep && *x != 0.0);
        *x = if keep { *x } else { 0.0 };
    }
    replaced
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_normal_finite_samples_survive() {
        let mut x = [
            0.5,
            -1.0e30,
            f32::MIN_POSITIVE,
            f32::MIN_POSITIVE / 2.0,
            -f32::MIN_POSITIVE / 1024.0,
            f32::NAN,
            f32::INFINITY,
            f32::NEG_INFINITY,
            0.0,
            -0.0,
            f32::MAX,
        ];
        let replaced = flush_non_normal(&mut x);
        assert_eq!(replaced, 5);
        assert_eq!(x[0], 0.5);
        assert_eq!(x[1], -1.0e30);
        assert_eq!(x[2], f32::MIN_POSITIVE);
        assert_eq!(x[10], f32::MAX);
        for (i, v) in x.iter().enumerate().skip(3).take(5) {
            assert_eq!(v.to_bits(), 0, "sample {i}");
        }
        assert!(x.iter().all(|v| v.is_finite() && !v.is_subnormal()));
    }
}
