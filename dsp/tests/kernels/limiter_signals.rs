//! The generated signal families of the limiter's true-peak suite: the classic torture
//! signals, transient-dense driven noise, drums, bass, tones and two-tones near Nyquist,
//! bursts, chirps and music-like mixtures. Every family is built from formulas and a seeded
//! PRNG, none of it shaped by Lacquer's code, and scaled to a sample peak of 1.0 (the suite
//! drives it into the limiter).

use lacquer_testkit::signal::Rng;
use std::f64::consts::{PI, TAU};

pub struct Family {
    pub name: &'static str,
    pub left: Vec<f32>,
    pub right: Vec<f32>,
    /// Drive the family is meant to be pushed with, dB.
    pub drive_db: f64,
}

/// Samples of filter ringing `band_limited` keeps either side of the signal.
pub const BAND_LIMIT_PAD: usize = 2048;

/// Length of every family.
pub const SECONDS: f64 = 0.5;

fn normalised(mut l: Vec<f64>, mut r: Vec<f64>) -> (Vec<f32>, Vec<f32>) {
    let peak = l.iter().chain(&r).fold(0.0f64, |m, v| m.max(v.abs()));
    let k = if peak > 0.0 { 1.0 / peak } else { 1.0 };
    l.iter_mut().chain(r.iter_mut()).for_each(|v| *v *= k);
    let f = |v: Vec<f64>| v.into_iter().map(|x| x as f32).collect();
    (f(l), f(r))
}

fn family(name: &'static str, drive_db: f64, l: Vec<f64>, r: Vec<f64>) -> Family {
    let (left, right) = normalised(l, r);
    Family {
        name,
        left,
        right,
        drive_db,
    }
}

fn same(name: &'static str, drive_db: f64, x: Vec<f64>) -> Family {
    family(name, drive_db, x.clone(), x)
}

/// White noise smoothed by a short exponential kernel (the trust issue's "band-limited
/// noise"), with `per_second` sparse transients four times its peak.
fn smoothed_noise_with_transients(rate: f64, rng: &mut Rng, per_second: f64) -> Vec<f64> {
    let n = (rate * SECONDS) as usize;
    let a = (-1.0 / (0.00005 * rate)).exp();
    let mut y = 0.0;
    let mut x: Vec<f64> = (0..n)
        .map(|_| {
            y = a * y + (1.0 - a) * rng.bipolar() as f64;
            y
        })
        .collect();
    let peak = x.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let hits = (per_second * SECONDS).round() as usize;
    for _ in 0..hits {
        let at = rng.range(0, n - 8);
        let sign = if rng.unit() < 0.5 { -1.0 } else { 1.0 };
        let width = rng.range(1, 6);
        for k in 0..width {
            x[at + k] += sign * 4.0 * peak * (1.0 - k as f64 / width as f64);
        }
    }
    x
}

fn tone(rate: f64, freq: f64, phase: f64) -> impl Fn(usize) -> f64 {
    move |i| (TAU * freq * i as f64 / rate + phase).sin()
}

/// A tone at 0.9 with `count` transients of +2.5 on top (the near-Nyquist case).
fn tone_with_transients(rate: f64, rel: f64, rng: &mut Rng, count: usize) -> Vec<f64> {
    let n = (rate * SECONDS) as usize;
    let t = tone(rate, rel * rate, 0.3);
    let mut x: Vec<f64> = (0..n).map(|i| 0.9 * t(i)).collect();
    for _ in 0..count {
        let at = rng.range(0, n - 1);
        x[at] += if rng.unit() < 0.5 { -2.5 } else { 2.5 };
    }
    x
}

fn drums(rate: f64, rng: &mut Rng) -> Vec<f64> {
    let n = (rate * SECONDS) as usize;
    let step = (rate * 0.125) as usize;
    (0..n)
        .map(|i| {
            let t = (i % step) as f64 / rate;
            let beat = i / step;
            let kick = if beat.is_multiple_of(2) {
                (TAU * (50.0 + 120.0 * (-t * 30.0).exp()) * t).sin() * (-t * 12.0).exp()
            } else {
                0.0
            };
            let snare = if beat % 4 == 2 {
                rng.bipolar() as f64 * (-t * 25.0).exp()
            } else {
                0.0
            };
            let hat = 0.3 * rng.bipolar() as f64 * (-t * 200.0).exp();
            // Hard clipped, as an over-driven drum bus is.
            (1.6 * (kick + snare + hat)).clamp(-1.0, 1.0)
        })
        .collect()
}

fn bass_with_transients(rate: f64, rng: &mut Rng) -> Vec<f64> {
    let n = (rate * SECONDS) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / rate;
            let note = if ((t * 4.0) as usize).is_multiple_of(2) {
                41.2
            } else {
                55.0
            };
            let pluck = (-(t * 4.0).fract() * 20.0).exp();
            let click = if rng.unit() < 4.0 / rate { 1.5 } else { 0.0 };
            0.8 * (TAU * note * t).sin() + 0.3 * pluck * (TAU * 3.0 * note * t).sin() + click
        })
        .collect()
}

fn chirp(rate: f64, f0: f64, f1: f64, log: bool) -> Vec<f64> {
    let n = (rate * SECONDS) as usize;
    let mut phase = 0.0;
    (0..n)
        .map(|i| {
            let u = i as f64 / n as f64;
            let f = if log {
                f0 * (f1 / f0).powf(u)
            } else {
                f0 + (f1 - f0) * u
            };
            phase += TAU * f / rate;
            phase.sin()
        })
        .collect()
}

fn music_like(rate: f64, rng: &mut Rng, bright: bool) -> (Vec<f64>, Vec<f64>) {
    let n = (rate * SECONDS) as usize;
    let chord = [220.0, 277.18, 329.63, 440.0, 554.37];
    let d = drums(rate, rng);
    let (mut prev_l, mut prev_r) = (0.0, 0.0);
    let mut l = Vec::with_capacity(n);
    let mut r = Vec::with_capacity(n);
    for (i, &drum) in d.iter().enumerate() {
        let t = i as f64 / rate;
        let pad: f64 = chord
            .iter()
            .enumerate()
            .map(|(k, f)| (TAU * f * t + k as f64).sin() / (k + 1) as f64)
            .sum();
        let bass = 0.6 * (TAU * 55.0 * t).sin();
        let (wl, wr) = (rng.bipolar() as f64, rng.bipolar() as f64);
        // A first difference is a crude high-pass: cymbal-like air for the bright mix.
        let (hp_l, hp_r) = (wl - prev_l, wr - prev_r);
        (prev_l, prev_r) = (wl, wr);
        let air = if bright { 0.25 } else { 0.03 };
        let cym = (-(t * 8.0).fract() * 6.0).exp();
        l.push(0.4 * pad + bass + 0.7 * drum + air * cym * hp_l);
        r.push(0.4 * pad * 0.8 + bass + 0.6 * drum + air * cym * hp_r);
    }
    (l, r)
}

/// Every family at `rate`: 35 in all.
pub fn families(rate: f64) -> Vec<Family> {
    let n = (rate * SECONDS) as usize;
    let mut rng = Rng::new(rate as u64);
    let mut out = Vec::new();
    let square = |freq: f64| -> Vec<f64> {
        let t = tone(rate, freq, 0.0);
        (0..n)
            .map(|i| if t(i) >= 0.0 { 1.0 } else { -1.0 })
            .collect()
    };
    out.push(same("square 50 Hz", 0.0, square(50.0)));
    out.push(same("square 200 Hz", 0.0, square(200.0)));
    out.push(same("square 1 kHz", 0.0, square(1000.0)));
    out.push(same("square 5 kHz", 0.0, square(5000.0)));
    let bursts: Vec<f64> = square(1000.0)
        .iter()
        .enumerate()
        .map(|(i, v)| {
            if (i * 20 / rate as usize).is_multiple_of(2) {
                *v
            } else {
                0.0
            }
        })
        .collect();
    out.push(same("square bursts 1 kHz, 50 ms on/off", 6.0, bursts));
    let t = tone(rate, 11_025.0, PI / 4.0);
    out.push(same(
        "11.025 kHz sine at 45 deg",
        3.0,
        (0..n).map(&t).collect(),
    ));
    out.push(same("fs/4 sine at 45 deg", 3.0, {
        let t = tone(rate, rate / 4.0, PI / 4.0);
        (0..n).map(t).collect()
    }));
    out.push(same(
        "single-sample impulses",
        0.0,
        (0..n)
            .map(|i| match i % 1000 {
                500 => 1.0,
                0 => -1.0,
                _ => 0.0,
            })
            .collect(),
    ));
    out.push(same(
        "dense impulse train",
        6.0,
        (0..n).map(|i| if i % 7 < 2 { 1.0 } else { -0.2 }).collect(),
    ));
    out.push(same(
        "DC step to full scale",
        0.0,
        (0..n).map(|i| if i < n / 5 { 0.0 } else { 1.0 }).collect(),
    ));
    let burst = (0..n)
        .map(|i| {
            if i < 2 * n / 5 {
                0.0
            } else {
                rng.bipolar() as f64
            }
        })
        .collect();
    out.push(same("silence to full-scale noise", 0.0, burst));
    let (l, r) = (
        (0..n).map(|_| rng.bipolar() as f64).collect(),
        (0..n).map(|_| rng.bipolar() as f64).collect(),
    );
    out.push(family("full-band white noise +12 dB", 12.0, l, r));
    for (name, density, drive) in [
        ("smoothed noise, 5 transients/s, +18 dB", 5.0, 18.0),
        ("smoothed noise, 40 transients/s, +12 dB", 40.0, 12.0),
        ("smoothed noise, 40 transients/s, +18 dB", 40.0, 18.0),
        ("smoothed noise, 200 transients/s, +12 dB", 200.0, 12.0),
        ("smoothed noise, 1000 transients/s, +24 dB", 1000.0, 24.0),
    ] {
        let l = smoothed_noise_with_transients(rate, &mut rng, density);
        let r = smoothed_noise_with_transients(rate, &mut rng, density);
        out.push(family(name, drive, l, r));
    }
    let noise_dc: Vec<f64> = smoothed_noise_with_transients(rate, &mut rng, 0.0)
        .iter()
        .map(|v| v + 0.02)
        .collect();
    out.push(same("smoothed noise with DC, +12 dB", 12.0, noise_dc));
    out.push(same("clipped drums +6 dB", 6.0, drums(rate, &mut rng)));
    out.push(same("clipped drums +18 dB", 18.0, drums(rate, &mut rng)));
    out.push(same(
        "bass with transients +12 dB",
        12.0,
        bass_with_transients(rate, &mut rng),
    ));
    for (name, rel) in [
        ("tone 0.40 fs with transients", 0.40),
        ("tone 0.45 fs with transients", 0.45),
        ("tone 0.46 fs with transients", 0.46),
        ("tone 0.47 fs with transients", 0.47),
    ] {
        out.push(same(
            name,
            0.0,
            tone_with_transients(rate, rel, &mut rng, 50),
        ));
    }
    for (name, a, b) in [
        ("two-tone 0.44 + 0.46 fs", 0.44, 0.46),
        ("two-tone 0.45 + 0.47 fs", 0.45, 0.47),
        ("two-tone 0.30 + 0.47 fs", 0.30, 0.47),
    ] {
        let (ta, tb) = (tone(rate, a * rate, 0.0), tone(rate, b * rate, 1.0));
        out.push(same(name, 6.0, (0..n).map(|i| ta(i) + tb(i)).collect()));
    }
    out.push(same(
        "log chirp 20 Hz - 0.47 fs +6 dB",
        6.0,
        chirp(rate, 20.0, 0.47 * rate, true),
    ));
    out.push(same(
        "linear chirp 0.30 - 0.47 fs +6 dB",
        6.0,
        chirp(rate, 0.30 * rate, 0.47 * rate, false),
    ));
    for (name, bright, drive) in [
        ("music-like mix +6 dB", false, 6.0),
        ("music-like mix +15 dB", false, 15.0),
        ("bright music-like mix +12 dB", true, 12.0),
        ("bright music-like mix +24 dB", true, 24.0),
    ] {
        let (l, r) = music_like(rate, &mut rng, bright);
        out.push(family(name, drive, l, r));
    }
    let (l, r) = music_like(rate, &mut rng, false);
    let hot: Vec<f64> = l.iter().map(|v| (v * 3.0).clamp(-1.0, 1.0)).collect();
    out.push(family("clipped master +9 dB", 9.0, hot, r));
    out
}

/// `x` with nothing above `band` (a fraction of the sample rate) touched and nothing above
/// `band + 0.01` left: an FFT brickwall with a short raised-cosine edge, so the family's
/// content stays inside the band the guarantee covers. The filter rings before and after `x`; that ringing
/// is kept (`BAND_LIMIT_PAD` samples either side), since cutting it off would put back the
/// full-band edges the filter removed.
pub fn band_limited(x: &[f32], band: f64) -> Vec<f32> {
    let pad = BAND_LIMIT_PAD;
    let m = (x.len() + 4 * pad).next_power_of_two();
    let mut planner = realfft::RealFftPlanner::<f64>::new();
    let fwd = planner.plan_fft_forward(m);
    let inv = planner.plan_fft_inverse(m);
    let mut t = vec![0.0f64; m];
    for (d, &v) in t[pad..].iter_mut().zip(x) {
        *d = v as f64;
    }
    let mut s = fwd.make_output_vec();
    fwd.process(&mut t, &mut s).expect("fft");
    let (edge_start, cutoff) = (band, band + 0.01);
    for (k, v) in s.iter_mut().enumerate() {
        let f = k as f64 / m as f64;
        let g = if f <= edge_start {
            1.0
        } else if f >= cutoff {
            0.0
        } else {
            0.5 + 0.5 * (PI * (f - edge_start) / (cutoff - edge_start)).cos()
        };
        *v *= g / m as f64;
    }
    s[0].im = 0.0;
    s[m / 2].im = 0.0;
    inv.process(&mut s, &mut t).expect("ifft");
    t[..x.len() + 2 * pad].iter().map(|&v| v as f32).collect()
}
