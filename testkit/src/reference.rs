//! Independent reference measurements for the tests: deliberately a different design from
//! anything in `lacquer-dsp` (an FFT in f64, no FIR kernel), so a shared bug or a shared
//! blind spot cannot hide in both.

use std::f64::consts::PI;

const OVERSAMPLE: usize = 16;
/// Silence either side of the signal, so the FFT's circular wrap joins silence to silence.
const PAD: usize = 1024;

/// |x| reconstructed at 16x by ideal band-limited interpolation (zero-padding the spectrum of
/// the whole signal), in f64: point `16 n + p` sits at sample time `n + p / 16`. Unlike any
/// FIR meter this sees content right up to Nyquist, so it is the stricter judge.
pub fn oversampled_16x(x: &[f32]) -> Vec<f64> {
    let m = (x.len() + 2 * PAD).next_power_of_two();
    let mut planner = realfft::RealFftPlanner::<f64>::new();
    let forward = planner.plan_fft_forward(m);
    let mut time = vec![0.0f64; m];
    for (t, &v) in time[PAD..].iter_mut().zip(x) {
        *t = v as f64;
    }
    let mut spectrum = forward.make_output_vec();
    forward.process(&mut time, &mut spectrum).expect("fft");
    let long = m * OVERSAMPLE;
    let inverse = planner.plan_fft_inverse(long);
    let mut wide = inverse.make_input_vec();
    let scale = 1.0 / m as f64;
    for (w, s) in wide.iter_mut().zip(&spectrum) {
        *w = *s * scale;
    }
    // The Nyquist bin of the short signal is shared by +fs/2 and -fs/2 in the long one.
    wide[m / 2] = spectrum[m / 2] * (0.5 * scale);
    wide[0].im = 0.0;
    let mut out = inverse.make_output_vec();
    inverse.process(&mut wide, &mut out).expect("ifft");
    out.drain(..PAD * OVERSAMPLE);
    out.truncate(x.len() * OVERSAMPLE);
    out.iter_mut().for_each(|v| *v = v.abs());
    out
}

/// Crest height through three neighbouring points (parabola; exact enough at 16x).
fn refine(a: f64, b: f64, c: f64) -> f64 {
    let curvature = a - 2.0 * b + c;
    if b >= a && b >= c && curvature < 0.0 {
        b - 0.125 * (a - c) * (a - c) / curvature
    } else {
        b
    }
}

/// Per input sample, the true peak (linear) of the reconstructed signal within half a sample
/// of it, every crest refined by a parabola through its neighbours.
pub fn peaks_per_sample(x: &[f32]) -> Vec<f64> {
    let z = oversampled_16x(x);
    let half = OVERSAMPLE as isize / 2;
    (0..x.len() as isize)
        .map(|n| {
            let centre = n * OVERSAMPLE as isize;
            let lo = (centre - half).max(1) as usize;
            let hi = ((centre + half) as usize).min(z.len() - 2);
            (lo..=hi)
                .map(|k| refine(z[k - 1], z[k], z[k + 1]))
                .fold(0.0, f64::max)
        })
        .collect()
}

/// True peak (linear): the largest of `peaks_per_sample`.
pub fn true_peak_16x(x: &[f32]) -> f64 {
    peaks_per_sample(x).into_iter().fold(0.0, f64::max)
}

/// THD+N of a sine at `freq`: RMS of everything but the fundamental over the fundamental's
/// RMS, on a whole number of periods of `x`.
pub fn thd_plus_n(x: &[f32], rate: f64, freq: f64) -> f64 {
    let periods = (x.len() as f64 * freq / rate).floor();
    let n = (periods * rate / freq).round() as usize;
    let x = &x[..n];
    let w = 2.0 * PI * freq / rate;
    let (mut s, mut c) = (0.0, 0.0);
    for (i, &v) in x.iter().enumerate() {
        s += v as f64 * (w * i as f64).sin();
        c += v as f64 * (w * i as f64).cos();
    }
    let (a, b) = (2.0 * s / n as f64, 2.0 * c / n as f64);
    let mean = x.iter().map(|&v| v as f64).sum::<f64>() / n as f64;
    let residual: f64 = x
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let fit = a * (w * i as f64).sin() + b * (w * i as f64).cos() + mean;
            (v as f64 - fit).powi(2)
        })
        .sum::<f64>()
        / n as f64;
    let fundamental = (a * a + b * b) / 2.0;
    (residual / fundamental).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_meter_reads_known_inter_sample_peaks() {
        // fs/4 at 45 degrees with samples at +-1: the waveform peaks at sqrt(2) (+3.01 dBTP).
        let x: Vec<f32> = (0..4000)
            .map(|n| {
                let fade = (n.min(3999 - n) as f64 / 200.0).min(1.0);
                (fade * 2f64.sqrt() * (PI / 2.0 * n as f64 + PI / 4.0).sin()) as f32
            })
            .collect();
        let tp = 20.0 * true_peak_16x(&x).log10();
        assert!((tp - 3.0103).abs() < 0.005, "{tp}");
        // 20 kHz at 44.1 kHz, arbitrary phase.
        let y: Vec<f32> = (0..8000)
            .map(|n| {
                let fade = (n.min(7999 - n) as f64 / 400.0).min(1.0);
                (fade * 0.5 * (2.0 * PI * 20_000.0 * n as f64 / 44_100.0 + 0.3).sin()) as f32
            })
            .collect();
        let tp = 20.0 * (true_peak_16x(&y) / 0.5).log10();
        assert!(tp.abs() < 0.01, "{tp}");
    }

    /// Content at 0.49 fs, where FIR meters go blind, is read at its height too.
    #[test]
    fn the_reference_meter_sees_up_to_nyquist() {
        let y: Vec<f32> = (0..8000)
            .map(|n| {
                let edge = (n.min(7999 - n) as f64 / 2000.0).min(1.0);
                let fade = 0.5 - 0.5 * (PI * edge).cos();
                (fade * 0.5 * (2.0 * PI * 0.49 * n as f64 + 1.1).sin()) as f32
            })
            .collect();
        let tp = 20.0 * (true_peak_16x(&y) / 0.5).log10();
        // Measured 0.0003 dB.
        assert!(tp.abs() < 0.001, "{tp}");
        // Per sample, a peak is placed where it is: an impulse at 700 reads highest there.
        let mut impulse = vec![0.0f32; 2000];
        impulse[700] = 0.9;
        let per_sample = peaks_per_sample(&impulse);
        assert_eq!(per_sample.len(), impulse.len());
        let (at, most) = per_sample
            .iter()
            .enumerate()
            .fold((0, 0.0f64), |m, (i, &v)| if v > m.1 { (i, v) } else { m });
        assert_eq!(at, 700);
        assert!((most - 0.9).abs() < 1e-6, "{most}");
    }

    #[test]
    fn thd_of_a_clean_and_a_clipped_sine() {
        let x: Vec<f32> = (0..48_000)
            .map(|n| (0.5 * (2.0 * PI * 1000.0 * n as f64 / 48_000.0).sin()) as f32)
            .collect();
        assert!(thd_plus_n(&x, 48_000.0, 1000.0) < 1e-6);
        let clipped: Vec<f32> = x.iter().map(|v| v.clamp(-0.4, 0.4)).collect();
        assert!(thd_plus_n(&clipped, 48_000.0, 1000.0) > 0.01);
    }
}
