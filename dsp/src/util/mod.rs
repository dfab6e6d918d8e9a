//! Small shared helpers: level conversions.

pub mod db;

pub use db::{db_to_gain, gain_to_db};
