//! `cargo bench -p lacquer-dsp --bench dynamics`: the limiter per stereo frame at 48 kHz,
//! 64-frame blocks, driven into gain reduction.

mod common;
use common::{bench, noise, BLOCK, RATE};
use lacquer_dsp::dynamics::{Limiter, LimiterParams};
use std::hint::black_box;

fn main() {
    let frames = 48_000 * 4;
    let l = noise(frames, 5);
    let r = noise(frames, 6);
    for (label, true_peak) in [
        ("limiter, sample-peak mode, +12 dB drive", false),
        ("limiter, true-peak mode (8x detector), +12 dB drive", true),
    ] {
        let mut lim = Limiter::new(
            RATE,
            LimiterParams {
                drive_db: 12.0,
                true_peak,
                ..Default::default()
            },
        );
        let (mut a, mut b) = (l.clone(), r.clone());
        bench(label, frames, || {
            a.copy_from_slice(&l);
            b.copy_from_slice(&r);
            for (x, y) in a.chunks_mut(BLOCK).zip(b.chunks_mut(BLOCK)) {
                lim.process(x, y);
            }
            black_box(lim.take_gain_reduction_db());
        });
    }
}
