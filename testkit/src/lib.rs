//! What Lacquer's tests share, whatever they test (the kernels in `lacquer-dsp`, the built
//! bundles in `lacquer-tests`): deterministic test signals, and reference measurements of a
//! deliberately different design from the product's, so a shared bug cannot hide in both.

pub mod clicks;
pub mod measure;
pub mod reference;
pub mod signal;
pub mod wav;
