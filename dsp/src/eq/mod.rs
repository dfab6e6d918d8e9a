//! Equaliser: analog-matched minimum-phase bands, linear-phase mode, dynamic EQ.

pub mod band;
pub mod dynamic;
pub mod linear_phase;
pub mod matching;
pub mod min_phase;
pub mod solo;

pub use band::{
    analog_magnitude, analog_magnitude_db, BandParams, BandType, EqParams, PassKind, Placement,
    MAX_BANDS,
};
pub use dynamic::DynamicParams;
pub use linear_phase::{
    LinearPhaseDesign, LinearPhaseDesigner, LinearPhaseEq, LinearPhaseKernel, LinearPhaseLatency,
};
pub use min_phase::{BandDesign, BandDesigner, MinPhaseEq};
