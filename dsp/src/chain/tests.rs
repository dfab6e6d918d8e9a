use super::*;
use crate::eq::band::{BandParams, BandType};
use crate::filter::oversampler::OversamplingFactor;
use lacquer_testkit::signal::{max_step, tone, white};

/// Every module on with settings that do something.
fn busy_params() -> ChainParams {
    let mut p = ChainParams::default();
    p.eq.bands[1] = BandParams {
        enabled: true,
        kind: BandType::Bell,
        freq_hz: 1200.0,
        gain_db: 4.0,
        q: 1.0,
        ..BandParams::default()
    };
    p.compressor_enabled = true;
    p.compressor.threshold_db = -20.0;
    p.compressor.ratio = 3.0;
    p.multiband_enabled = true;
    p.multiband.band[1].compressor.threshold_db = -25.0;
    p.multiband.band[1].compressor.ratio = 4.0;
    p.saturation_enabled = true;
    p.saturation.drive_db = 6.0;
    p.saturation.oversampling = OversamplingFactor::X4;
    p.imager.width_percent = 130.0;
    p.limiter.drive_db = 6.0;
    p.dither_enabled = true;
    p
}

/// Render `x` (stereo, same on both sides) through a fresh chain in blocks of `sizes`
/// (cycled), applying `changes` (frame, params) at their frames.
fn render(
    rate: f64,
    p: &ChainParams,
    x: &[f32],
    sizes: &[usize],
    changes: &[(usize, ChainParams)],
) -> (Vec<f32>, Vec<f32>) {
    let mut chain = MasteringChain::new(rate, p);
    chain.design_linear_phase_now();
    let (mut l, mut r) = (x.to_vec(), x.iter().map(|v| -0.5 * v).collect::<Vec<_>>());
    let mut pos = 0;
    let mut k = 0;
    while pos < l.len() {
        let mut n = sizes[k % sizes.len()].min(l.len() - pos);
        k += 1;
        // Split at parameter changes, as a host with sample-accurate automation does.
        for (at, q) in changes {
            if *at == pos {
                chain.set_params(q);
                chain.design_linear_phase_now();
            }
            if *at > pos && *at < pos + n {
                n = at - pos;
            }
        }
        chain.process(&mut l[pos..pos + n], &mut r[pos..pos + n]);
        pos += n;
    }
    (l, r)
}

#[test]
fn neutral_chain_is_the_input_delayed_bit_exactly() {
    for rate in [44_100.0, 48_000.0, 96_000.0] {
        let p = ChainParams::default();
        // Quiet enough that the default limiter (-1 dBTP) never acts.
        let x = white(3, 0.25, 20_000);
        let (l, r) = render(rate, &p, &x, &[333], &[]);
        let d = MasteringChain::new(rate, &p).latency();
        assert!(l[..d].iter().all(|&v| v == 0.0));
        for i in d..x.len() {
            assert_eq!(l[i].to_bits(), x[i - d].to_bits(), "{rate} Hz, sample {i}");
            assert_eq!(r[i].to_bits(), (-0.5 * x[i - d]).to_bits());
        }
        println!("{rate} Hz: neutral chain = input delayed by {d} samples, bit-exact");
    }
}

#[test]
fn latency_matches_the_audio_in_every_mode() {
    let rate = 48_000.0;
    let modes = [
        (EqMode::MinimumPhase, OversamplingFactor::X1, 0.5),
        (
            EqMode::LinearPhase(LinearPhaseLatency::Low),
            OversamplingFactor::X2,
            1.0,
        ),
        (
            EqMode::LinearPhase(LinearPhaseLatency::Medium),
            OversamplingFactor::X8,
            5.0,
        ),
        (
            EqMode::LinearPhase(LinearPhaseLatency::High),
            OversamplingFactor::X4,
            10.0,
        ),
    ];
    for (eq_mode, os, lookahead) in modes {
        for enabled in [false, true] {
            let mut p = ChainParams {
                eq_mode,
                eq_enabled: enabled,
                saturation_enabled: enabled,
                ..ChainParams::default()
            };
            p.saturation.oversampling = os;
            p.saturation.drive_db = 0.0;
            p.saturation.mix_percent = 0.0;
            p.limiter.lookahead_ms = lookahead;
            p.compressor.lookahead_ms = lookahead;
            p.compressor_enabled = enabled;
            p.compressor.threshold_db = 0.0;
            let mut chain = MasteringChain::new(rate, &p);
            chain.design_linear_phase_now();
            let d = chain.latency();
            let mut l = vec![0.0f32; d + 4096];
            l[100] = 0.5;
            let mut r = l.clone();
            chain.process(&mut l, &mut r);
            let peak = lacquer_testkit::measure::peak_index(&l);
            println!("{eq_mode:?}, {os:?}, look-ahead {lookahead} ms, modules on: {enabled}: latency {d}, impulse at {}", peak - 100);
            assert_eq!(peak - 100, d);
            assert!((l[peak] - 0.5).abs() < 1e-3, "impulse height {}", l[peak]);
        }
    }
}

#[test]
fn output_does_not_depend_on_block_sizes() {
    let rate = 48_000.0;
    let p = busy_params();
    let x = white(7, 0.7, 30_000);
    let mut q = p;
    q.compressor.threshold_db = -30.0;
    q.eq.bands[1].gain_db = -6.0;
    q.limiter_enabled = false;
    q.imager.width_percent = 80.0;
    let changes = [(7_001, q), (15_555, p)];
    let reference = render(rate, &p, &x, &[64], &changes);
    for sizes in [
        &[1usize][..],
        &[7],
        &[512],
        &[4096],
        &[3, 1000, 17, 64, 1, 222],
    ] {
        let got = render(rate, &p, &x, sizes, &changes);
        assert!(
            got.0
                .iter()
                .zip(&reference.0)
                .all(|(a, b)| a.to_bits() == b.to_bits())
                && got
                    .1
                    .iter()
                    .zip(&reference.1)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
            "blocks {sizes:?} differ"
        );
    }
}

#[test]
fn switching_modules_and_order_never_clicks() {
    let rate = 48_000.0;
    let x = tone(rate, 220.0, 0.25, 96_000);
    let base = busy_params();
    let steady = render(rate, &base, &x, &[64], &[]);
    // A 220 Hz sine at this level moves at most 2 pi f A / fs per sample; processing
    // changes the level by a few dB at most.
    let bound = 3.0 * max_step(&steady.0[10_000..]);
    let mut changes = Vec::new();
    let mut p = base;
    let mut at = 10_000;
    for flip in 0..7 {
        match flip {
            0 => p.eq_enabled = !p.eq_enabled,
            1 => p.compressor_enabled = !p.compressor_enabled,
            2 => p.multiband_enabled = !p.multiband_enabled,
            3 => p.saturation_enabled = !p.saturation_enabled,
            4 => p.imager_enabled = !p.imager_enabled,
            5 => p.limiter_enabled = !p.limiter_enabled,
            _ => p.bypass = !p.bypass,
        }
        changes.push((at, p));
        at += 4_000;
    }
    p.order = [
        Module::Imager,
        Module::Saturation,
        Module::Multiband,
        Module::Compressor,
        Module::Eq,
    ];
    changes.push((at, p));
    let (l, _) = render(rate, &base, &x, &[64], &changes);
    let worst = max_step(&l[10_000..]);
    println!(
        "worst step while switching: {worst:.5} (steady {:.5}, bound {bound:.5})",
        bound / 3.0
    );
    assert!(worst <= bound, "{worst} > {bound}");
    assert!(l.iter().all(|v| v.is_finite()));
}

#[test]
fn bad_input_never_reaches_the_output_and_the_chain_recovers() {
    let rate = 48_000.0;
    let p = busy_params();
    let mut x = tone(rate, 440.0, 0.3, 48_000);
    for (i, v) in x[10_000..10_100].iter_mut().enumerate() {
        *v = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e-40][i % 4];
    }
    let (l, r) = render(rate, &p, &x, &[100], &[]);
    assert!(l.iter().chain(&r).all(|v| v.is_finite()));
    let clean = render(rate, &p, &tone(rate, 440.0, 0.3, 48_000), &[100], &[]);
    // One second later the output is the clean render again (to the dither's noise).
    let diff = l[40_000..]
        .iter()
        .zip(&clean.0[40_000..])
        .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
    println!("difference to a clean render 0.6 s after the burst: {diff:e}");
    assert!(diff < 1e-3, "{diff}");
}

/// Gain-matched listening plays the processed master at the input's short-term loudness.
#[test]
fn gain_matched_listening_plays_at_the_input_loudness() {
    let rate = 48_000.0;
    let mut p = ChainParams::default();
    p.limiter.drive_db = 10.0;
    p.gain_match = true;
    let x = white(9, 0.2, rate as usize * 8);
    let mut chain = MasteringChain::new(rate, &p);
    let (mut l, mut r) = (x.clone(), x.clone());
    chain.process(&mut l, &mut r);
    let mut input = crate::loudness::LoudnessMeter::new(rate, 2);
    let mut output = crate::loudness::LoudnessMeter::new(rate, 2);
    let d = chain.latency();
    let tail = rate as usize * 5;
    input.process_stereo(&x[tail - d..x.len() - d], &x[tail - d..x.len() - d]);
    output.process_stereo(&l[tail..], &r[tail..]);
    let (i, o) = (input.integrated_lufs(), output.integrated_lufs());
    println!(
        "input {i:.2} LUFS, matched output {o:.2} LUFS, applied {:.2} dB",
        chain.gain_match_db()
    );
    assert!((i - o).abs() < 0.5, "{i} vs {o}");
    assert!(
        chain.gain_match_db() < -5.0,
        "the limiter drive is taken back"
    );
}

#[test]
fn processing_and_parameter_changes_never_allocate() {
    let rate = 48_000.0;
    let p = busy_params();
    let mut chain = MasteringChain::new(rate, &p);
    let x = white(1, 0.5, 48_000);
    let (mut l, mut r) = (x.clone(), x.clone());
    let mut q = p;
    crate::no_alloc::assert_no_alloc(|| {
        for (i, (a, b)) in l.chunks_mut(333).zip(r.chunks_mut(333)).enumerate() {
            q.compressor.threshold_db = -10.0 - (i % 20) as f64;
            q.eq_enabled = i % 7 != 0;
            q.gain_match = i % 2 == 0;
            chain.set_params(&q);
            chain.process(a, b);
            std::hint::black_box(chain.take_gain_reduction());
            std::hint::black_box(chain.take_linear_phase_request());
        }
    });
}
