//! Lacquer's integration tests and their harness.
//!
//! Everything here drives the *built* bundles through real host APIs: the CLAP through
//! `clack-host`, the VST3 through its C ABI. The bundles come from `cargo xtask test-bundle`
//! (debug assertions and nice-plug's allocation guard on), found in `target/test-bundled/`
//! or `$LACQUER_BUNDLE_DIR`.

pub mod host;
pub mod vst3_probe;

pub use lacquer_testkit::{measure, reference, signal, wav};

#[cfg(test)]
mod ardour;
#[cfg(test)]
mod chain;
#[cfg(test)]
mod cost;
#[cfg(test)]
mod editor;
#[cfg(test)]
mod foundation;
#[cfg(test)]
mod reference_tracks;
#[cfg(test)]
mod render;
#[cfg(test)]
mod state_compat;
