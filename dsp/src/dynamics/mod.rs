//! Dynamics: compressor, multiband compressor and the look-ahead true-peak limiter.

pub mod compressor;
pub mod limiter;
pub mod multiband;

pub use compressor::{Compressor, CompressorParams, Detection, StereoMode};
pub use limiter::{Limiter, LimiterParams};
pub use multiband::{BandParams, MultibandCompressor, MultibandParams};
