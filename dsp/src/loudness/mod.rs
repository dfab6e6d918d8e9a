//! ITU-R BS.1770-4 / EBU R128 loudness: K-weighting at any sample rate, momentary,
//! short-term and integrated loudness, and EBU Tech 3342 loudness range.

pub mod histogram;
pub mod k_weighting;
pub mod meter;

pub use k_weighting::{k_weighting, KWeighting};
pub use meter::{LoudnessMeter, MAX_CHANNELS};

/// BS.1770's offset between mean square and LUFS.
pub const LUFS_OFFSET: f64 = -0.691;

/// Loudness in LUFS of a channel-weighted mean square power; silence is `-inf`.
#[inline]
pub fn power_to_lufs(power: f64) -> f64 {
    if power > 0.0 {
        LUFS_OFFSET + 10.0 * power.log10()
    } else {
        f64::NEG_INFINITY
    }
}

/// The channel-weighted mean square power that reads `lufs`.
#[inline]
pub fn lufs_to_power(lufs: f64) -> f64 {
    10f64.powf((lufs - LUFS_OFFSET) / 10.0)
}
