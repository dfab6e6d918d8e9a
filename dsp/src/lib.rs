//! Lacquer's mastering DSP kernels.
//!
//! Every kernel follows one lifecycle: construction (or `prepare`) is the only place that
//! allocates, `set_*` recomputes coefficients without allocating, `reset()` clears state, and
//! `process*` works in place on planar slices. Nothing here depends on a plugin framework, locks,
//! logs or does I/O, so every kernel runs in a bare `#[test]` and on a real-time audio thread.

pub mod filter;
pub mod gain;
pub mod loudness;
pub mod meter;
pub mod targets;
pub mod util;
