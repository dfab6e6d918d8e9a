//! `cargo bench -p lacquer-dsp --bench restoration`: the de-clicker (on noise with clicks, so
//! detection and repair both run) and the phase rotator, per stereo frame at 48 kHz,
//! 64-frame blocks.

mod common;
use common::{bench, noise, BLOCK, RATE};
use lacquer_dsp::declick::{DeclickParams, Declicker};
use lacquer_dsp::phase::{PhaseParams, PhaseRotator};
use lacquer_dsp::Stage;
use std::hint::black_box;

fn main() {
    let frames = 48_000 * 4;
    let mut l = noise(frames, 5);
    let r = noise(frames, 6);
    // A click every 50 ms in the left channel.
    for at in (1000..frames).step_by(2400) {
        l[at] += 0.7;
    }
    let mut d = Declicker::new(RATE, &DeclickParams::default());
    let (mut a, mut b) = (l.clone(), r.clone());
    bench("de-click, default sensitivity, 20 clicks/s", frames, || {
        a.copy_from_slice(&l);
        b.copy_from_slice(&r);
        for (x, y) in a.chunks_mut(BLOCK).zip(b.chunks_mut(BLOCK)) {
            d.process(x, y);
        }
        black_box(d.clicks_repaired());
    });
    let p = PhaseParams {
        rotation_deg: 90.0,
        freq_hz: 200.0,
        dc_removal: true,
    };
    let mut rot = PhaseRotator::new(RATE, &p);
    bench("phase rotator 90 degrees with DC removal", frames, || {
        a.copy_from_slice(&l);
        b.copy_from_slice(&r);
        for (x, y) in a.chunks_mut(BLOCK).zip(b.chunks_mut(BLOCK)) {
            rot.process(x, y);
        }
        black_box(&a);
    });
}
