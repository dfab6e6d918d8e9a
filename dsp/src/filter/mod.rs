//! Filter building blocks shared by the kernels.

pub mod biquad;
pub mod polyphase;

pub use biquad::{Biquad, BiquadCoefs};
pub use polyphase::{PolyphaseInterpolator, SegmentPeakState};
