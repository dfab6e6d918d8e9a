//! `cargo bench -p lacquer-dsp --bench tone`: saturation per oversampling factor, dither and
//! the stereo imager, per stereo frame at 48 kHz in 64-frame blocks.

mod common;
use common::{bench, noise, BLOCK, RATE};
use lacquer_dsp::dither::{Dither, DitherMode, DitherParams};
use lacquer_dsp::filter::OversamplingFactor;
use lacquer_dsp::imager::{Imager, ImagerParams};
use lacquer_dsp::saturation::{SaturationCurve, SaturationParams, Saturator};
use lacquer_dsp::Stage;
use std::hint::black_box;

fn run_blocks(
    l: &[f32],
    r: &[f32],
    a: &mut [f32],
    b: &mut [f32],
    mut f: impl FnMut(&mut [f32], &mut [f32]),
) {
    a.copy_from_slice(l);
    b.copy_from_slice(r);
    for (x, y) in a.chunks_mut(BLOCK).zip(b.chunks_mut(BLOCK)) {
        f(x, y);
    }
    black_box((&a[0], &b[0]));
}

fn main() {
    let frames = 48_000 * 2;
    let l = noise(frames, 21);
    let r = noise(frames, 22);
    let (mut a, mut b) = (l.clone(), r.clone());

    for curve in SaturationCurve::ALL {
        for factor in OversamplingFactor::ALL {
            let mut sat = Saturator::new(
                RATE,
                &SaturationParams {
                    curve,
                    drive_db: 12.0,
                    mix_percent: 100.0,
                    oversampling: factor,
                },
            );
            let label = format!("saturation {curve:?}, {}x, +12 dB", factor.ratio());
            bench(&label, frames, || {
                run_blocks(&l, &r, &mut a, &mut b, |x, y| sat.process(x, y))
            });
        }
    }

    for (label, mode) in [
        ("dither TPDF, 16 bit", DitherMode::Tpdf),
        (
            "dither noise-shaped (9-tap), 16 bit",
            DitherMode::NoiseShaped,
        ),
    ] {
        let mut dither = Dither::new(RATE, &DitherParams { mode, bits: 16 });
        bench(label, frames, || {
            run_blocks(&l, &r, &mut a, &mut b, |x, y| dither.process(x, y))
        });
    }

    for (label, params) in [
        (
            "imager, width 150 %",
            ImagerParams {
                width_percent: 150.0,
                ..Default::default()
            },
        ),
        (
            "imager, width 150 %, bass mono, 3 width bands",
            ImagerParams {
                width_percent: 150.0,
                bass_mono: true,
                bass_mono_hz: 120.0,
                width_bands: 3,
                band_crossovers_hz: [300.0, 3_000.0],
                band_width_percent: [80.0, 120.0, 150.0],
                ..Default::default()
            },
        ),
    ] {
        let mut imager = Imager::new(RATE, &params);
        bench(label, frames, || {
            run_blocks(&l, &r, &mut a, &mut b, |x, y| imager.process(x, y))
        });
    }
}
