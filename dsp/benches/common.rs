//! Tiny timing harness shared by the kernel benchmarks: best of several passes (shared, noisy
//! machines), reported as ns per stereo frame and x realtime.

use std::hint::black_box;
use std::time::Instant;

pub const RATE: f64 = 48_000.0;
pub const BLOCK: usize = 64;

/// Deterministic noise, so every run measures the same work.
pub fn noise(frames: usize, seed: u32) -> Vec<f32> {
    let mut s = seed.wrapping_mul(2_654_435_761).max(1);
    (0..frames)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            (s as f32 / u32::MAX as f32 - 0.5) * 0.8
        })
        .collect()
}

/// Time `f` over `frames` frames (it is called once per pass and must process them all).
pub fn bench(label: &str, frames: usize, mut f: impl FnMut()) -> f64 {
    let mut best = f64::INFINITY;
    for pass in 0..7 {
        let start = Instant::now();
        f();
        let ns = start.elapsed().as_nanos() as f64 / frames as f64;
        if pass > 0 {
            best = best.min(ns);
        }
    }
    black_box(&mut f);
    println!(
        "{label:<52} {best:>8.2} ns/frame {:>10.0}x realtime @ {} kHz",
        1e9 / (best * RATE),
        RATE / 1000.0
    );
    best
}
