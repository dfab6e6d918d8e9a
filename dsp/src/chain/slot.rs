//! The slot around each module: its switch fade, dry signal (a `StereoDelay`) and warm-up,
//! and the blend between the module and its dry signal.

use super::*;

/// `wet = dry + (wet - dry) * mix`; exact at mix 0 and 1.
pub(super) fn blend(wet: &mut [f32], dry: &[f32], mix: &[f32]) {
    for ((w, &d), &m) in wet.iter_mut().zip(dry).zip(mix) {
        *w = if m >= 1.0 {
            *w
        } else if m <= 0.0 {
            d
        } else {
            d + (*w - d) * m
        };
    }
}

/// A module's switch: its fade and the dry signal delayed by the module's latency.
pub(super) struct Slot {
    pub(super) fade: Fade,
    pub(super) dry: StereoDelay,
    /// Samples the module still has to run, after switching on from a reset, before its
    /// output is real signal rather than the silence its delay line started with. The fade
    /// waits for it, so switching on never dips.
    pub(super) warmup: usize,
}

impl Slot {
    pub(super) fn new(on: bool, sample_rate: f64, max_latency: usize) -> Self {
        Self {
            fade: Fade::new(on, sample_rate, FADE_MS),
            dry: StereoDelay::new(max_latency, BLOCK),
            warmup: 0,
        }
    }
}

pub(super) enum ReorderPhase {
    Idle,
    /// Fading the reorderable section out; the new order waits.
    FadingOut,
    /// Reordered and reset; silence passes until the section's latency has elapsed.
    Waiting(usize),
    FadingIn,
}
