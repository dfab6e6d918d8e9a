//! Clicks on music, for judging a de-clicker: music-like material that has no clicks of its
//! own, synthetic clicks of the widths, shapes and levels found on records and in edits, and
//! the signal-to-error ratio around them.

use crate::signal::Rng;
use std::f64::consts::TAU;

/// Music-like stereo: overlapping notes with vibrato, attacks and decays, partials falling
/// off with frequency, and a little noise (a stand-in for an orchestral recording).
pub fn music(rate: f64, seconds: f64, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let n = (seconds * rate) as usize;
    let mut rng = Rng::new(seed);
    let (mut l, mut r) = (vec![0.0f64; n], vec![0.0f64; n]);
    let notes = (seconds * 6.0) as usize;
    for _ in 0..notes {
        let start = rng.below(n);
        let len = (0.3 + 1.5 * rng.unit()) * rate;
        let f0 = 80.0 * 2f64.powf(rng.unit() * 4.5);
        let pan = rng.unit();
        let amp = 0.03 + 0.08 * rng.unit();
        let vib = 4.0 + 2.0 * rng.unit();
        let dur = len / rate;
        for i in start..(start + len as usize).min(n) {
            let t = (i - start) as f64 / rate;
            // A 50 ms release: notes end as played ones do, without a step.
            let release = ((dur - t) / 0.05).clamp(0.0, 1.0);
            let env = (1.0 - (-t * 40.0).exp()) * (-t * 1.5).exp() * release;
            let ph = TAU * f0 * t + 0.003 * f0 / vib * (TAU * vib * t).sin();
            let mut v = 0.0;
            for h in 1..=8 {
                v += (h as f64 * ph).sin() / (h * h) as f64;
            }
            l[i] += amp * env * v * (1.0 - pan);
            r[i] += amp * env * v * pan;
        }
    }
    let mut lp = (0.0, 0.0);
    for i in 0..n {
        lp.0 += 0.1 * (rng.bipolar() as f64 - lp.0);
        lp.1 += 0.1 * (rng.bipolar() as f64 - lp.1);
        l[i] += 0.003 * lp.0;
        r[i] += 0.003 * lp.1;
    }
    // Faded in and out: the recording neither starts nor stops with a step.
    let fade = (0.05 * rate) as usize;
    for i in 0..fade {
        let g = i as f64 / fade as f64;
        for x in [&mut l, &mut r] {
            x[i] *= g;
            x[n - 1 - i] *= g;
        }
    }
    (
        l.iter().map(|&v| v as f32).collect(),
        r.iter().map(|&v| v as f32).collect(),
    )
}

/// Where a click sits: its first sample, width and channels (bit 0 left, bit 1 right).
pub struct Click {
    pub at: usize,
    pub width: usize,
    pub channels: u8,
}

/// Clicks of 1-23 samples, impulse, decaying, square and bipolar, 0.05-0.8, in the left,
/// right or both channels, at least 50 ms apart.
pub fn add_clicks(l: &mut [f32], r: &mut [f32], count: usize, seed: u64) -> Vec<Click> {
    let mut rng = Rng::new(seed);
    let spacing = l.len() / (count + 1);
    let mut clicks = Vec::new();
    for c in 0..count {
        let at = (c + 1) * spacing + rng.below(spacing / 4);
        let shape = rng.below(4);
        let width = if shape == 0 { 1 } else { 1 + rng.below(23) };
        let amp = (0.05 + 0.75 * rng.unit()) as f32 * if rng.unit() < 0.5 { -1.0 } else { 1.0 };
        let channels = 1 + rng.below(3) as u8;
        for i in 0..width {
            let v = match shape {
                0 => amp,
                1 => amp * (-(i as f32) / (width as f32 / 3.0)).exp(),
                2 => amp,
                _ => {
                    if i < width / 2 {
                        amp
                    } else {
                        -amp
                    }
                }
            };
            if channels & 1 != 0 {
                l[at + i] += v;
            }
            if channels & 2 != 0 {
                r[at + i] += v;
            }
        }
        clicks.push(Click {
            at,
            width,
            channels,
        });
    }
    clicks
}

/// Signal-to-error ratio of `y` against `clean` within 2 ms of each click, dB.
pub fn ser_db(rate: f64, clean: &[f32], y: &[f32], clicks: &[Click], ch: u8) -> f64 {
    let w = (0.002 * rate) as usize;
    let (mut s, mut e) = (0.0f64, 0.0f64);
    for c in clicks.iter().filter(|c| c.channels & ch != 0) {
        for i in c.at.saturating_sub(w)..(c.at + c.width + w).min(clean.len()) {
            s += (clean[i] as f64).powi(2);
            e += (y[i] as f64 - clean[i] as f64).powi(2);
        }
    }
    10.0 * (s / e.max(1e-30)).log10()
}
