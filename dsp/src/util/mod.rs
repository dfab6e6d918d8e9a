//! Small shared helpers: level conversions, the sliding minimum, and the output guard.

pub mod db;
pub mod hold;
pub mod sanitize;

pub use db::{db_to_gain, gain_to_db};
pub use hold::SlidingMin;
pub use sanitize::flush_non_normal;
