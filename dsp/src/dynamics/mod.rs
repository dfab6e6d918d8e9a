//! Dynamics: the look-ahead true-peak limiter (compressor and multiband to follow).

pub mod limiter;

pub use limiter::{Limiter, LimiterParams};
