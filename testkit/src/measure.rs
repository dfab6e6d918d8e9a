//! Small measurements the tests make on their outputs.

use std::f64::consts::TAU;

/// Where |x| is largest (the first such index); 0 for an empty signal.
pub fn peak_index(x: &[f32]) -> usize {
    x.iter()
        .enumerate()
        .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
        .map_or(0, |(i, _)| i)
}

/// Amplitude of the sine at `freq` in `x`, by least squares on its sine and cosine (in f64):
/// exact for a pure tone, blind to anything orthogonal to it.
pub fn sine_amplitude(x: &[f32], rate: f64, freq: f64) -> f64 {
    sine_amplitude_from(x, 0, rate, freq)
}

/// `sine_amplitude` of `x`, whose first sample is sample `first` of the tone's time line.
pub fn sine_amplitude_from(x: &[f32], first: usize, rate: f64, freq: f64) -> f64 {
    sine_fit(x, first, rate, freq).0
}

/// Amplitude and phase (degrees, of a sine starting at phase 0 at sample 0) of the sine at
/// `freq` in `x`, whose first sample is sample `first` of the tone's time line.
pub fn sine_fit(x: &[f32], first: usize, rate: f64, freq: f64) -> (f64, f64) {
    let (mut ss, mut sc, mut cc, mut ys, mut yc) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (i, &y) in x.iter().enumerate() {
        let (s, c) = (TAU * freq * (first + i) as f64 / rate).sin_cos();
        ss += s * s;
        sc += s * c;
        cc += c * c;
        ys += y as f64 * s;
        yc += y as f64 * c;
    }
    let det = ss * cc - sc * sc;
    let (a, b) = ((ys * cc - yc * sc) / det, (yc * ss - ys * sc) / det);
    ((a * a + b * b).sqrt(), b.atan2(a).to_degrees())
}
