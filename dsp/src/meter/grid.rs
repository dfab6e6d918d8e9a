//! The log-spaced frequency grid every spectrum curve is drawn and compared on (the editor's
//! analysers and the reference tracks' long-term spectra share it, so their curves line up).

/// Lowest frequency of the grid, Hz.
pub const F_MIN: f64 = 10.0;
/// Highest frequency of the grid, Hz.
pub const F_MAX: f64 = 30_000.0;
/// Points per curve.
pub const POINTS: usize = 320;

/// Frequency of point `i`, Hz.
pub fn point_hz(i: usize) -> f64 {
    F_MIN * (F_MAX / F_MIN).powf(i as f64 / (POINTS - 1) as f64)
}
