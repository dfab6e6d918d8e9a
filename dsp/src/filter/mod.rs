//! Filter building blocks shared by the kernels.

pub mod biquad;
pub mod crossover;
pub mod oversampler;
pub mod polyphase;
pub mod svf;

pub use biquad::{Biquad, BiquadCoefs};
pub use crossover::{
    lr4_magnitudes, BandBuffers, BandSplitter, Lr4Allpass, Lr4Crossover, MAX_BANDS, SPLIT_CHUNK,
};
pub use oversampler::{Oversampler, OversamplingFactor};
pub use polyphase::{PolyphaseInterpolator, SegmentPeakState};
pub use svf::{StereoSvf, SvfCoefs, SvfState, SvfTaps, ZPoly};
