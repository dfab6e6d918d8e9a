//! Small shared helpers: level conversions, the sliding minimum, the output guard, and the
//! parameter range checks.

pub mod chunks;
pub mod db;
pub mod delay;
pub(crate) mod fade;
pub(crate) mod gain_ramp;
pub(crate) mod glide;
pub mod hold;
pub mod one_pole;
pub mod range;
pub mod sanitize;
pub(crate) mod smooth;

pub use db::{db_to_gain, db_to_gain_f64, gain_to_db};
pub use delay::StereoDelay;
pub(crate) use fade::Fade;
pub(crate) use gain_ramp::GainRamp;
pub(crate) use glide::Glide;
pub use hold::SlidingMin;
pub use one_pole::{one_pole_coef, one_pole_coef_per, one_pole_decay, one_pole_decay_per};
pub use range::{check_range, clamp_or, sample_rate_or_default};
pub use sanitize::flush_non_normal;
