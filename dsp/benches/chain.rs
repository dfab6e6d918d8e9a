//! `cargo bench -p lacquer-dsp --bench chain`: the whole mastering chain per stereo frame, at
//! 44.1, 48 and 96 kHz, 64-frame host blocks: the default chain, and the heaviest (every module
//! on, linear-phase EQ, 8x saturation, multiband with 4 bands, true-peak limiter, dither).

#[allow(dead_code)]
mod common;
use common::noise;
use lacquer_dsp::chain::{ChainParams, EqMode, MasteringChain};
use lacquer_dsp::eq::band::{BandParams, BandType};
use lacquer_dsp::eq::linear_phase::LinearPhaseLatency;
use lacquer_dsp::filter::oversampler::OversamplingFactor;
use std::hint::black_box;
use std::time::Instant;

fn heaviest() -> ChainParams {
    let mut p = ChainParams {
        eq_mode: EqMode::LinearPhase(LinearPhaseLatency::Medium),
        compressor_enabled: true,
        multiband_enabled: true,
        saturation_enabled: true,
        dither_enabled: true,
        ..ChainParams::default()
    };
    for (i, band) in p.eq.bands.iter_mut().enumerate().skip(1).take(8) {
        *band = BandParams {
            enabled: true,
            kind: BandType::Bell,
            freq_hz: 60.0 * 2f64.powi(i as i32),
            gain_db: if i % 2 == 0 { 2.0 } else { -2.0 },
            q: 1.0,
            ..BandParams::default()
        };
    }
    p.compressor.threshold_db = -24.0;
    p.multiband.bands = 4;
    p.saturation.oversampling = OversamplingFactor::X8;
    p.saturation.drive_db = 6.0;
    p.imager.bass_mono = true;
    p.imager.width_percent = 120.0;
    p.limiter.drive_db = 6.0;
    p
}

fn main() {
    for rate in [44_100.0, 48_000.0, 96_000.0] {
        let frames = rate as usize * 2;
        let l = noise(frames, 1);
        let r = noise(frames, 2);
        for (label, params) in [
            ("default chain", ChainParams::default()),
            ("heaviest chain", heaviest()),
        ] {
            let mut chain = MasteringChain::new(rate, &params);
            chain.design_linear_phase_now();
            let (mut a, mut b) = (l.clone(), r.clone());
            let mut best = f64::INFINITY;
            for pass in 0..5 {
                a.copy_from_slice(&l);
                b.copy_from_slice(&r);
                let start = Instant::now();
                for (x, y) in a.chunks_mut(64).zip(b.chunks_mut(64)) {
                    chain.process(x, y);
                }
                let ns = start.elapsed().as_nanos() as f64 / frames as f64;
                if pass > 0 {
                    best = best.min(ns);
                }
                black_box((&a, &b));
            }
            println!(
                "{label:<16} @ {:>5.1} kHz {best:>9.1} ns/frame {:>8.0}x realtime",
                rate / 1000.0,
                1e9 / (best * rate)
            );
        }
    }
}
