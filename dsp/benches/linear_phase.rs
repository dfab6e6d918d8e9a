//! `cargo bench -p lacquer-dsp --bench linear_phase`: the linear-phase EQ per stereo frame at
//! 48 kHz, 64-frame blocks, eight active bells (stereo, no mid/side), at each latency size; with
//! a mid/side band too (four FIR paths); and the designer's time per redesign (off the audio
//! thread).

mod common;
use common::{bench, noise, BLOCK, RATE};
use lacquer_dsp::eq::band::{BandParams, BandType, EqParams, Placement};
use lacquer_dsp::eq::linear_phase::{LinearPhaseDesigner, LinearPhaseEq, LinearPhaseLatency};
use std::hint::black_box;
use std::time::Instant;

fn eight_bells() -> EqParams {
    let mut p = EqParams::default();
    for (i, b) in p.bands[1..=8].iter_mut().enumerate() {
        *b = BandParams {
            enabled: true,
            kind: BandType::Bell,
            gain_db: if i % 2 == 0 { 3.0 } else { -2.5 },
            q: 1.2,
            ..*b
        };
    }
    p
}

fn main() {
    let frames = 48_000 * 4;
    let l = noise(frames, 5);
    let r = noise(frames, 6);
    let mut designer = LinearPhaseDesigner::new();
    let bells = eight_bells();
    let mut with_side = bells;
    with_side.bands[0] = BandParams {
        enabled: true,
        kind: BandType::HighShelf,
        freq_hz: 8000.0,
        gain_db: 2.0,
        placement: Placement::Side,
        ..Default::default()
    };
    for size in LinearPhaseLatency::ALL {
        for (what, params) in [("8 bells", &bells), ("8 bells + side shelf", &with_side)] {
            let mut eq = LinearPhaseEq::new(RATE, size);
            // The first design replaces the flat kernel; reset skips the crossfade.
            let _flat = eq.swap_kernel(designer.design_kernel(params, RATE, size));
            eq.reset();
            let (mut a, mut b) = (l.clone(), r.clone());
            let label = format!(
                "linear-phase EQ, {what}, {size:?} ({} samples)",
                eq.latency()
            );
            bench(&label, frames, || {
                a.copy_from_slice(&l);
                b.copy_from_slice(&r);
                for (x, y) in a.chunks_mut(BLOCK).zip(b.chunks_mut(BLOCK)) {
                    eq.process(x, y);
                }
                black_box(&mut a);
            });
        }
    }
    for size in LinearPhaseLatency::ALL {
        for (what, params) in [("8 bells", &bells), ("8 bells + side shelf", &with_side)] {
            let mut best = f64::INFINITY;
            for _ in 0..5 {
                let start = Instant::now();
                black_box(designer.design_kernel(params, RATE, size));
                best = best.min(start.elapsed().as_secs_f64() * 1e3);
            }
            println!("redesign (off the audio thread), {what}, {size:?}: {best:.2} ms");
        }
    }
}
