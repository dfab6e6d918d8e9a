//! Small shared helpers: level conversions, the sliding minimum, the output guard, and the
//! parameter range checks.

pub mod chunks;
pub mod db;
pub mod hold;
pub mod range;
pub mod sanitize;
pub(crate) mod smooth;

pub use db::{db_to_gain, gain_to_db};
pub use hold::SlidingMin;
pub use range::{check_range, clamp_or, sample_rate_or_default};
pub use sanitize::flush_non_normal;
