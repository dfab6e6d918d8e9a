//! Gain staging: a stereo gain applied from a per-sample ramp, and an equal-gain crossfade.
//!
//! The ramps come from the plugin's parameter smoothers, so a gain change is spread over the
//! smoothing time and never steps (no zipper noise), and it starts at the exact sample of the
//! automation event.

/// Multiply both channels by a per-sample gain ramp. `gains.len()` must equal the block length.
#[inline]
pub fn apply_gain_ramp(left: &mut [f32], right: &mut [f32], gains: &[f32]) {
    debug_assert!(left.len() == gains.len() && right.len() == gains.len());
    for ((l, r), g) in left.iter_mut().zip(right.iter_mut()).zip(gains) {
        *l *= g;
        *r *= g;
    }
}

/// Blend `wet` towards `dry` in place: `wet = dry + (wet - dry) * mix`, per sample.
/// `mix = 1` keeps `wet` bit for bit, `mix = 0` gives `dry` bit for bit, so a settled bypass
/// is exact in both states.
#[inline]
pub fn crossfade_to_dry(wet: &mut [f32], dry: &[f32], mix: &[f32]) {
    debug_assert!(wet.len() == dry.len() && wet.len() == mix.len());
    for ((w, d), m) in wet.iter_mut().zip(dry).zip(mix) {
        *w = if *m >= 1.0 {
            *w
        } else if *m <= 0.0 {
            *d
        } else {
            d + (*w - d) * m
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_multiplies_each_sample() {
        let mut l = [1.0, -1.0, 0.5, 0.25];
        let mut r = [2.0, 2.0, 2.0, 2.0];
        apply_gain_ramp(&mut l, &mut r, &[0.0, 0.5, 1.0, 2.0]);
        assert_eq!(l, [0.0, -0.5, 0.5, 0.5]);
        assert_eq!(r, [0.0, 1.0, 2.0, 4.0]);
    }

    #[test]
    fn crossfade_ends_are_exact() {
        let dry = [0.1, 0.2, 0.3];
        let mut wet = [1.0, 2.0, 3.0];
        crossfade_to_dry(&mut wet, &dry, &[1.0, 0.0, 0.5]);
        assert_eq!(wet[0], 1.0);
        assert_eq!(wet[1], 0.2);
        assert!((wet[2] - 1.65).abs() < 1e-6);
    }
}
