//! `cargo bench -p lacquer-dsp --bench meters`: cost of the meters per stereo frame at 48 kHz,
//! fed in 64-frame blocks as a host would.

mod common;
use common::{bench, noise, BLOCK, RATE};
use lacquer_dsp::loudness::LoudnessMeter;
use lacquer_dsp::meter::spectrum::{SpectrumAnalyzer, SpectrumSettings};
use lacquer_dsp::meter::{MeterSet, StereoMeter, TruePeakMeter};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let frames = 48_000 * 4;
    let l = noise(frames, 1);
    let r = noise(frames, 2);
    let blocks = || l.chunks(BLOCK).zip(r.chunks(BLOCK));

    let mut loudness = LoudnessMeter::new(RATE, 2);
    bench("loudness (K-weighting, M/S/I/LRA)", frames, || {
        for (a, b) in blocks() {
            loudness.process_stereo(a, b);
        }
        black_box(loudness.integrated_lufs());
    });
    let mut tp = TruePeakMeter::new(2);
    bench("true peak (4x, 96-tap polyphase)", frames, || {
        for (a, b) in blocks() {
            tp.process(&[a, b]);
        }
        black_box(tp.max_dbtp());
    });
    let mut stereo = StereoMeter::new(RATE, 300.0);
    bench("correlation / balance / mid-side", frames, || {
        for (a, b) in blocks() {
            stereo.process(a, b);
        }
        black_box(stereo.correlation());
    });
    let mut set = MeterSet::new(RATE);
    bench(
        "full meter set (all of the above + PSR/crest)",
        frames,
        || {
            for (a, b) in blocks() {
                set.process(a, b);
            }
            black_box(set.take_snapshot());
        },
    );

    for size in [2048, 8192, 32768] {
        let mut analyzer = SpectrumAnalyzer::new(
            RATE,
            SpectrumSettings {
                size,
                ..Default::default()
            },
        );
        analyzer.push(&l[..size]);
        let runs = 200;
        let mut best = f64::INFINITY;
        for _ in 0..5 {
            let start = Instant::now();
            for _ in 0..runs {
                analyzer.analyse_frame();
            }
            best = best.min(start.elapsed().as_nanos() as f64 / runs as f64);
        }
        let mut avg = vec![0.0f32; 512];
        let mut peak = vec![0.0f32; 512];
        let start = Instant::now();
        analyzer.render(10.0, 30_000.0, &mut avg, &mut peak);
        let render = start.elapsed().as_nanos() as f64;
        println!(
            "spectrum FFT frame, size {size:>5}: {:>9.1} us per frame, {:>6.2}% of one core at 75% overlap; render 512 points {:.1} us",
            best / 1e3,
            100.0 * best * 1e-9 * RATE / (size as f64 / 4.0),
            render / 1e3
        );
    }
}
