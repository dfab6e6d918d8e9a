//! The contract every kernel of the chain keeps, so the chain (and a new module) can treat
//! them alike: built once for a rate with all it will ever need, then settings, reset and
//! audio without allocating.

/// A stereo processing stage.
pub trait Stage {
    /// The user settings, in audio units (`validate()` / `clamped()` on the type).
    type Params;

    /// Allocates everything for the longest settings at `sample_rate`, starts at `params`.
    fn new(sample_rate: f64, params: &Self::Params) -> Self
    where
        Self: Sized;

    /// New settings, recomputed without allocating. Continuous settings glide; a change that
    /// cannot glide cross-fades or, where it changes `latency()`, restarts the stage.
    fn set_params(&mut self, params: &Self::Params);

    /// Forget the audio: silence in, silence out; glides jump to their targets.
    fn reset(&mut self);

    /// Process planar stereo in place, any number of frames.
    fn process(&mut self, left: &mut [f32], right: &mut [f32]);

    /// Delay from input to output, in samples, for the current settings.
    fn latency(&self) -> usize;
}
