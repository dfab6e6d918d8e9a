//! Meters for the editor and for delivery: loudness (see `loudness`), true and sample peak,
//! PLR/PSR/crest factor, stereo correlation, balance, mid and side levels, and the spectrum.

pub mod grid;
pub mod set;
pub mod spectrum;
pub mod stereo;
pub mod true_peak;

pub use set::{MeterSet, MeterSnapshot};
pub use stereo::StereoMeter;
pub use true_peak::TruePeakMeter;

/// Level in dB of a linear amplitude; silence is `-inf`.
#[inline]
pub fn amplitude_db(x: f64) -> f64 {
    if x > 0.0 {
        20.0 * x.log10()
    } else {
        f64::NEG_INFINITY
    }
}

/// Level in dB of a mean square (power); silence is `-inf`.
#[inline]
pub fn power_db(x: f64) -> f64 {
    if x > 0.0 {
        10.0 * x.log10()
    } else {
        f64::NEG_INFINITY
    }
}
