//! `cargo bench -p lacquer-dsp --bench dynamics`: the limiter, the compressor and the
//! multiband compressor per stereo frame at 48 kHz, 64-frame blocks, driven into gain reduction.

mod common;
use common::{bench, noise, BLOCK, RATE};
use lacquer_dsp::dynamics::{
    Compressor, CompressorParams, Detection, Limiter, LimiterParams, MultibandCompressor,
    MultibandParams,
};
use lacquer_dsp::Stage;
use std::hint::black_box;

fn main() {
    let frames = 48_000 * 4;
    let l = noise(frames, 5);
    let r = noise(frames, 6);
    for (label, true_peak, band_limit) in [
        ("limiter, sample-peak mode, +12 dB drive", false, false),
        (
            "limiter, true-peak mode (8x detector), +12 dB drive",
            true,
            false,
        ),
        (
            "limiter, true peak and band limit, +12 dB drive",
            true,
            true,
        ),
    ] {
        let mut lim = Limiter::new(
            RATE,
            &LimiterParams {
                drive_db: 12.0,
                true_peak,
                band_limit,
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
    compressor_benches(&l, &r, frames);
    multiband_benches(&l, &r, frames);
}

/// Noise at about -11 dBFS RMS against a -30 dB threshold: reduction all the time.
fn squeezing() -> CompressorParams {
    CompressorParams {
        threshold_db: -30.0,
        ratio: 4.0,
        attack_ms: 5.0,
        release_ms: 80.0,
        ..Default::default()
    }
}

fn run(
    frames: usize,
    l: &[f32],
    r: &[f32],
    mut process: impl FnMut(&mut [f32], &mut [f32]),
) -> impl FnMut() {
    let (mut a, mut b) = (l.to_vec(), r.to_vec());
    let (l, r) = (l.to_vec(), r.to_vec());
    move || {
        a.copy_from_slice(&l);
        b.copy_from_slice(&r);
        for (x, y) in a[..frames]
            .chunks_mut(BLOCK)
            .zip(b[..frames].chunks_mut(BLOCK))
        {
            process(x, y);
        }
    }
}

fn compressor_benches(l: &[f32], r: &[f32], frames: usize) {
    for (label, params) in [
        ("compressor, peak, linked, in gain reduction", squeezing()),
        (
            "compressor, peak, 50 % link (two envelopes)",
            CompressorParams {
                link: 0.5,
                ..squeezing()
            },
        ),
        (
            "compressor, RMS, M/S, sidechain HPF, auto release",
            CompressorParams {
                detection: Detection::Rms,
                stereo_mode: lacquer_dsp::dynamics::StereoMode::MidSide,
                sidechain_hpf: true,
                auto_release: true,
                link: 0.0,
                ..squeezing()
            },
        ),
        (
            "compressor, peak, linked, 5 ms look-ahead, 50 % mix",
            CompressorParams {
                lookahead_ms: 5.0,
                mix: 0.5,
                ..squeezing()
            },
        ),
    ] {
        let mut c = Compressor::new(RATE, &params);
        bench(label, frames, run(frames, l, r, |x, y| c.process(x, y)));
        black_box(c.take_gain_reduction_db());
    }
}

fn multiband_benches(l: &[f32], r: &[f32], frames: usize) {
    for bands in [3, 4] {
        let mut p = MultibandParams {
            bands,
            crossovers_hz: [120.0, 1000.0, 6000.0],
            ..Default::default()
        };
        for b in p.band.iter_mut() {
            b.compressor = squeezing();
        }
        let mut m = MultibandCompressor::new(RATE, &p);
        bench(
            &format!("multiband, {bands} bands, peak, in gain reduction"),
            frames,
            run(frames, l, r, |x, y| m.process(x, y)),
        );
        black_box(m.take_gain_reduction_db(0));
    }
}
