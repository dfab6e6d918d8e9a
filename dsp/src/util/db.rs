//! Decibel <-> linear gain conversions used throughout the chain.

/// Linear amplitude gain for a level in dB. `-inf` dB maps to exactly 0.
#[inline]
pub fn db_to_gain(db: f32) -> f32 {
    if db == f32::NEG_INFINITY {
        0.0
    } else {
        10f32.powf(db * 0.05)
    }
}

/// Level in dB for a linear amplitude gain. Zero (and anything below the smallest normal
/// float) maps to `-inf` rather than NaN so meters and displays can show it as silence.
#[inline]
pub fn gain_to_db(gain: f32) -> f32 {
    if gain.abs() < f32::MIN_POSITIVE {
        f32::NEG_INFINITY
    } else {
        20.0 * gain.abs().log10()
    }
}

/// `db_to_gain` in f64, for coefficient design and gains applied in f64. The way back in f64
/// is `meter::amplitude_db`.
#[inline]
pub fn db_to_gain_f64(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_points() {
        assert_eq!(db_to_gain(0.0), 1.0);
        assert!((db_to_gain(-6.020_6) - 0.5).abs() < 1e-5);
        assert!((db_to_gain(20.0) - 10.0).abs() < 1e-5);
        assert_eq!(db_to_gain(f32::NEG_INFINITY), 0.0);
        assert_eq!(gain_to_db(0.0), f32::NEG_INFINITY);
        assert!((gain_to_db(0.5) + 6.020_6).abs() < 1e-4);
    }

    #[test]
    fn round_trip_over_the_fader_range() {
        for i in -960..=240 {
            let db = i as f32 * 0.1;
            assert!((gain_to_db(db_to_gain(db)) - db).abs() < 1e-4, "{db} dB");
        }
    }
}
