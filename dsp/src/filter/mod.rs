//! Filter building blocks shared by the kernels.

pub mod band_limit;
pub mod biquad;
pub mod crossover;
pub mod oversampler;
pub mod polyphase;
pub mod segment_peaks;
pub mod svf;

pub use band_limit::BandLimit;
pub use biquad::{Biquad, BiquadCoefs};
pub use crossover::{
    lr4_magnitudes, BandBuffers, BandSplitter, Lr4Allpass, Lr4Crossover, MAX_BANDS, SPLIT_CHUNK,
};
pub use oversampler::{Oversampler, OversamplingFactor};
pub use polyphase::PolyphaseInterpolator;
pub use segment_peaks::{SegmentPeakDetector, SegmentPeakState};
pub use svf::{StereoSvf, SvfCoefs, SvfState, SvfTaps, ZPoly};
