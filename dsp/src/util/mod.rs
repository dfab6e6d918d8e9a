//! Small shared helpers: level conversions and the output guard.

pub mod db;
pub mod sanitize;

pub use db::{db_to_gain, gain_to_db};
pub use sanitize::flush_non_normal;
