//! `cargo bench -p lacquer-dsp --bench eq`: the minimum-phase EQ per stereo frame at 48 kHz,
//! 64-frame blocks. Target: 8 active bells within 32 ns per stereo frame.

mod common;
use common::{bench, noise, BLOCK, RATE};
use lacquer_dsp::eq::min_phase::MinPhaseEq;
use lacquer_dsp::eq::{BandParams, BandType, DynamicParams, EqParams, PassKind, Placement};
use lacquer_dsp::Stage;
use std::hint::black_box;

const BELLS_HZ: [f64; 8] = [
    60.0, 150.0, 400.0, 1000.0, 2500.0, 5000.0, 10_000.0, 15_000.0,
];

fn eight_bells() -> EqParams {
    let mut p = EqParams::default();
    for (i, f) in BELLS_HZ.iter().enumerate() {
        p.bands[i + 1] = BandParams {
            enabled: true,
            kind: BandType::Bell,
            freq_hz: *f,
            gain_db: if i % 2 == 0 { 4.0 } else { -3.0 },
            q: 1.0,
            ..Default::default()
        };
    }
    p
}

fn run(label: &str, params: EqParams, automate: bool) {
    let frames = 48_000 * 4;
    let l = noise(frames, 5);
    let r = noise(frames, 6);
    let mut eq = MinPhaseEq::new(RATE, &EqParams::default());
    eq.set_params(&params);
    let (mut a, mut b) = (l.clone(), r.clone());
    let mut p = params;
    let mut k = 0u64;
    bench(label, frames, || {
        a.copy_from_slice(&l);
        b.copy_from_slice(&r);
        for (x, y) in a.chunks_mut(BLOCK).zip(b.chunks_mut(BLOCK)) {
            if automate {
                // Every band's gain sweeps continuously, so every band redesigns all the time.
                k += 1;
                for (i, band) in p.bands.iter_mut().enumerate().skip(1).take(8) {
                    band.gain_db = 6.0 * ((k as f64 * 0.01 + i as f64).sin());
                }
                eq.set_params(&p);
            }
            eq.process(x, y);
        }
        black_box(eq.band_gain_db(1));
    });
}

fn main() {
    run(
        "min-phase EQ, 8 static bells (stereo)",
        eight_bells(),
        false,
    );
    let mut with_pass = eight_bells();
    for (slot, kind, f) in [
        (0, BandType::HighPass, 30.0),
        (9, BandType::LowPass, 18_000.0),
    ] {
        with_pass.bands[slot] = BandParams {
            enabled: true,
            kind,
            freq_hz: f,
            slope_db_oct: 48.0,
            pass_kind: PassKind::LinkwitzRiley,
            ..Default::default()
        };
    }
    run(
        "min-phase EQ, 8 bells + HP/LP 48 dB/oct LR",
        with_pass,
        false,
    );
    let mut ms = eight_bells();
    for (i, band) in ms.bands.iter_mut().enumerate().skip(1).take(8) {
        band.placement = if i % 2 == 0 {
            Placement::Mid
        } else {
            Placement::Side
        };
    }
    run("min-phase EQ, 4 mid + 4 side bells", ms, false);
    run(
        "min-phase EQ, 8 bells, all gains automated",
        eight_bells(),
        true,
    );
    let mut dynamic = eight_bells();
    for band in dynamic.bands.iter_mut().skip(1).take(8) {
        band.dynamic = DynamicParams {
            enabled: true,
            threshold_db: -30.0,
            range_db: -6.0,
            attack_ms: 5.0,
            release_ms: 80.0,
        };
    }
    run("min-phase EQ, 8 dynamic bells", dynamic, false);
}
