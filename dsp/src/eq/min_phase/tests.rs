use super::*;
use crate::eq::band::analog_magnitude;
use crate::eq::dynamic::DynamicParams;
use crate::Stage as _;
use lacquer_testkit::signal::{max_step, tone, Rng};
use realfft::RealFftPlanner;

fn bell(f: f64, gain: f64, q: f64) -> BandParams {
    BandParams {
        enabled: true,
        kind: BandType::Bell,
        freq_hz: f,
        gain_db: gain,
        q,
        ..Default::default()
    }
}

fn eq_with(bands: &[(usize, BandParams)]) -> EqParams {
    let mut p = EqParams::default();
    for (i, b) in bands {
        p.bands[*i] = *b;
    }
    p
}

/// Measured magnitude (dB) of `eq`'s left channel: FFT of its impulse response, read at the
/// bins nearest `freqs`; returns (bin frequency, dB) pairs.
fn measured_response(
    eq: &mut MinPhaseEq,
    len: usize,
    freqs: &[f64],
    planner: &mut RealFftPlanner<f64>,
) -> Vec<(f64, f64)> {
    let fs = eq.sample_rate();
    let mut l = vec![0.0f32; len];
    let mut r = vec![0.0f32; len];
    l[0] = 1.0;
    eq.process(&mut l, &mut r);
    let fft = planner.plan_fft_forward(len);
    let mut input: Vec<f64> = l.iter().map(|&v| f64::from(v)).collect();
    let mut spectrum = fft.make_output_vec();
    fft.process(&mut input, &mut spectrum).unwrap();
    freqs
        .iter()
        .map(|&f| {
            let bin = ((f / fs * len as f64).round() as usize).clamp(1, len / 2);
            let bin_hz = bin as f64 * fs / len as f64;
            (bin_hz, 20.0 * spectrum[bin].norm().log10())
        })
        .collect()
}

fn log_points(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo * (hi / lo).powf(i as f64 / (n - 1) as f64))
        .collect()
}

/// Impulse-response length that lets the slowest analog pole decay below ~1e-7.
fn ir_len(b: &BandParams, fs: f64) -> usize {
    let proto = analog_prototype(b);
    let mut slowest = f64::INFINITY;
    for s in proto.sections() {
        let [d0, d1, d2] = s.den;
        // Smallest |Re(root)| of d0 + d1 s + d2 s^2, in units of f0.
        let decay = if d2 == 0.0 {
            d0 / d1
        } else if d1 * d1 < 4.0 * d0 * d2 {
            d1 / (2.0 * d2)
        } else {
            2.0 * d0 / (d1 + (d1 * d1 - 4.0 * d0 * d2).sqrt())
        };
        slowest = slowest.min(decay);
    }
    let tau = 1.0 / (slowest * 2.0 * PI * b.freq_hz);
    let want = (16.0 * tau * fs) as usize;
    want.next_power_of_two().clamp(1 << 14, 1 << 20)
}

/// Worst |measured - analog| (dB) over 200 log-spaced points 20 Hz..20 kHz.
fn worst_error(b: &BandParams, fs: f64, planner: &mut RealFftPlanner<f64>) -> f64 {
    let mut eq = MinPhaseEq::new(fs, &EqParams::default());
    eq.set_params(&eq_with(&[(1, *b)]));
    let points = log_points(20.0, 20_000.0, 200);
    let got = measured_response(&mut eq, ir_len(b, fs), &points, planner);
    got.iter()
        .map(|&(f, db)| (db - analog_magnitude_db(b, f)).abs())
        .fold(0.0, f64::max)
}

fn analog_match_grid(kinds: &[BandType], qs: &[f64]) -> f64 {
    let fs = 44_100.0;
    let mut planner = RealFftPlanner::new();
    let mut worst: f64 = 0.0;
    for &kind in kinds {
        for f0 in [
            30.0, 100.0, 300.0, 1000.0, 3000.0, 6000.0, 10_000.0, 13_000.0, 16_000.0,
        ] {
            let mut line = format!("{kind:?} {f0:>6} Hz:");
            for gain in [-24.0, -12.0, -6.0, -1.0, 3.0, 12.0, 24.0] {
                for &q in qs {
                    let b = BandParams {
                        kind,
                        ..bell(f0, gain, q)
                    };
                    let e = worst_error(&b, fs, &mut planner);
                    line += &format!(" {e:.3}");
                    worst = worst.max(e);
                }
            }
            println!("{line}");
        }
    }
    worst
}

#[test]
fn bells_match_the_analog_prototype_at_44k1() {
    // Columns: gain -24, -12, -6, -1, 3, 12, 24 dB, each at Q 0.1, 0.4, 1, 3, 10.
    let worst = analog_match_grid(&[BandType::Bell], &[0.1, 0.4, 1.0, 3.0, 10.0]);
    println!("bells, f0 30 Hz..16 kHz, 20 Hz..20 kHz: worst error {worst:.3} dB");
    assert!(worst < 0.25);
}

#[test]
fn shelves_match_the_analog_prototype_at_44k1() {
    let worst = analog_match_grid(
        &[BandType::LowShelf, BandType::HighShelf],
        &[0.1, 0.4, 0.707, 2.0, 10.0],
    );
    println!("shelves, f0 30 Hz..16 kHz, 20 Hz..20 kHz: worst error {worst:.3} dB");
    assert!(worst < 0.25);
}

#[test]
fn tilt_matches_the_analog_prototype_at_44k1() {
    let worst = analog_match_grid(&[BandType::Tilt], &[1.0]);
    println!("tilt, f0 30 Hz..16 kHz, 20 Hz..20 kHz: worst error {worst:.3} dB");
    assert!(worst < 0.25);
}

#[test]
fn dense_design_grid_stays_within_a_quarter_db() {
    // Analytic responses of the designs on a denser grid, 44.1 and 48 kHz.
    for fs in [44_100.0, 48_000.0] {
        let designer = BandDesigner::new(fs);
        let points = log_points(20.0, 20_000.0, 200);
        let mut worst = (0.0, String::new());
        let mut cases = 0;
        for kind in [
            BandType::Bell,
            BandType::LowShelf,
            BandType::HighShelf,
            BandType::Tilt,
        ] {
            for i in 0..=24 {
                let f0 = 20.0 * (16_000.0f64 / 20.0).powf(i as f64 / 24.0);
                for gain in [-24.0, -18.0, -9.0, -3.0, -0.5, 0.5, 3.0, 9.0, 18.0, 24.0] {
                    for q in [0.1, 0.2, 0.5, 0.85, 1.4, 3.0, 6.0, 10.0] {
                        let b = BandParams {
                            kind,
                            ..bell(f0, gain, q)
                        };
                        let d = designer.design(&b);
                        let e = points
                            .iter()
                            .map(|&f| {
                                (20.0 * d.magnitude(f, fs).log10() - analog_magnitude_db(&b, f))
                                    .abs()
                            })
                            .fold(0.0, f64::max);
                        cases += 1;
                        if e > worst.0 {
                            worst = (e, format!("{kind:?} {f0:.0} Hz {gain} dB Q {q}"));
                        }
                    }
                }
            }
        }
        println!(
            "{fs} Hz: {cases} designs, worst {:.3} dB ({})",
            worst.0, worst.1
        );
        assert!(worst.0 < 0.25);
    }
}

#[test]
fn pass_filters_follow_the_analog_slopes_at_44k1_48k_and_96k() {
    // Compared from 10 Hz to 0.45 fs where the analog response is above -60 dB, for f0 from
    // 20 Hz to 0.45 fs, orders 1..16, both alignments. A low-pass is judged in three
    // regions: the body (up to an octave below f0), where the programme is and which must
    // be exact; the rest of the passband (above -3 dB); and the skirt (-3..-60 dB), which
    // near Nyquist cannot follow an analog curve that continues past it and may bend (it
    // is fitted with less weight, see `SKIRT_WEIGHT`).
    let mut planner = RealFftPlanner::new();
    for fs in [44_100.0, 48_000.0, 96_000.0] {
        let designer = BandDesigner::new(fs);
        // [high-pass anywhere, low-pass low end, low-pass passband f0 <= fs/6, above,
        //  low-pass skirt f0 <= fs/6, above]
        let mut worst = [0.0f64; 6];
        for kind in [BandType::HighPass, BandType::LowPass] {
            for pass_kind in [PassKind::Butterworth, PassKind::LinkwitzRiley] {
                for order in 1..=16 {
                    for f0 in [
                        20.0,
                        100.0,
                        1000.0,
                        fs / 6.0,
                        0.25 * fs,
                        15_000.0,
                        18_000.0,
                        0.45 * fs,
                    ] {
                        let b = BandParams {
                            enabled: true,
                            kind,
                            freq_hz: f0,
                            slope_db_oct: 6.0 * order as f64,
                            pass_kind,
                            ..Default::default()
                        };
                        let d = designer.design(&b);
                        let high = usize::from(f0 > fs / 6.0 + 1e-9);
                        for f in log_points(10.0, 0.45 * fs, 300) {
                            let want = analog_magnitude_db(&b, f);
                            if want <= -60.0 {
                                continue;
                            }
                            let e = (20.0 * d.magnitude(f, fs).log10() - want).abs();
                            let slot = if kind == BandType::HighPass {
                                0
                            } else if want > -3.0 {
                                2 + high
                            } else {
                                4 + high
                            };
                            worst[slot] = worst[slot].max(e);
                            if kind == BandType::LowPass && f <= (f0 / 8.0).min(1000.0) {
                                worst[1] = worst[1].max(e);
                            }
                        }
                    }
                }
            }
        }
        println!(
            "{fs} Hz: high-pass {:.3} dB; low-pass low end {:.3} dB, passband {:.3} / {:.3} dB, skirt {:.3} / {:.3} dB (f0 up to fs/6 / above)",
            worst[0], worst[1], worst[2], worst[3], worst[4], worst[5]
        );
        // Measured: high-pass 0.88 / 0.75 / 0.05 dB at 44.1 / 48 / 96 kHz; low-pass low end
        // (up to 1 kHz) 0.14 dB, from 84 dB/oct and steeper at 0.45 fs (DC itself exact);
        // passband 0.10 dB for f0 up to fs/6, above it 2.25 dB (44.1 and
        // 48 kHz, the 84..96 dB/oct filters near Nyquist) and 0.33 dB (96 kHz); skirt 1.8 dB
        // (24..36 dB/oct at f0 = fs/6, at -35..-49 dB near 0.45 fs, where the old minimax fit
        // measured 0.5 dB but left the passband 0.5 dB off) and 1.9..2.8 dB.
        assert!(worst[0] < 0.9);
        assert!(worst[1] < 0.15);
        assert!(worst[2] < 0.15);
        assert!(worst[3] < if fs > 50_000.0 { 0.4 } else { 2.5 });
        assert!(worst[4] < 2.0 && worst[5] < 3.0);
        // The realisation runs what the design says: one IR check per kind.
        for kind in [BandType::HighPass, BandType::LowPass] {
            let b = BandParams {
                enabled: true,
                kind,
                freq_hz: 1000.0,
                slope_db_oct: 48.0,
                pass_kind: PassKind::LinkwitzRiley,
                ..Default::default()
            };
            let mut eq = MinPhaseEq::new(fs, &EqParams::default());
            eq.set_params(&eq_with(&[(0, b)]));
            let pts = log_points(100.0, 0.45 * fs, 50);
            let got = measured_response(&mut eq, 1 << 15, &pts, &mut planner);
            let d = designer.design(&b);
            let e = got
                .iter()
                .filter(|(f, _)| analog_magnitude_db(&b, *f) > -60.0)
                .map(|&(f, db)| (db - 20.0 * d.magnitude(f, fs).log10()).abs())
                .fold(0.0, f64::max);
            println!("{fs} Hz {kind:?} LR 48 dB/oct: IR vs design {e:.2e} dB");
            assert!(e < 1e-3);
        }
    }
}

#[test]
fn notch_and_band_pass_follow_the_analog_shape() {
    let tolerance_db = 0.5;
    for fs in [44_100.0, 48_000.0, 96_000.0] {
        let designer = BandDesigner::new(fs);
        for kind in [BandType::Notch, BandType::BandPass] {
            let mut worst: f64 = 0.0;
            for f0 in [30.0, 300.0, 3000.0, 10_000.0, 16_000.0] {
                for q in [0.1, 0.5, 1.0, 4.0, 20.0] {
                    let b = BandParams {
                        kind,
                        ..bell(f0, 0.0, q)
                    };
                    let d = designer.design(&b);
                    for f in log_points(10.0, 0.45 * fs, 200) {
                        let want = analog_magnitude_db(&b, f);
                        if want > -40.0 {
                            let got = 20.0 * d.magnitude(f, fs).log10();
                            worst = worst.max((got - want).abs());
                        }
                    }
                    if kind == BandType::Notch {
                        let depth = 20.0 * d.magnitude(f0.min(0.45 * fs), fs).log10();
                        assert!(depth < -60.0, "notch depth {depth} at {f0}");
                    }
                }
            }
            println!("{fs} Hz {kind:?}: worst {worst:.3} dB (where analog > -40 dB)");
            assert!(worst < tolerance_db);
        }
    }
}

#[test]
fn a_12_db_gain_step_does_not_click() {
    let fs = 48_000.0;
    let n = 48_000;
    let x = tone(fs, 1000.0, 0.2, n);
    for (from, to) in [(0.0, 12.0), (12.0, 0.0), (-6.0, 6.0)] {
        let mut l = x.clone();
        let mut r = x.clone();
        let mut eq = MinPhaseEq::new(fs, &EqParams::default());
        eq.set_params(&eq_with(&[(1, bell(1000.0, from, 1.0))]));
        // Switch a third of the way into a cycle, where the sine is moving fast.
        eq.process(&mut l[..12_016], &mut r[..12_016]);
        eq.set_params(&eq_with(&[(1, bell(1000.0, to, 1.0))]));
        for (a, b) in l[12_016..].chunks_mut(64).zip(r[12_016..].chunks_mut(64)) {
            eq.process(a, b);
        }
        // Reference: the larger of the two steady states.
        let before = max_step(&l[6_000..12_000]);
        let after = max_step(&l[n - 4800..]);
        let steady = before.max(after);
        let overall = max_step(&l[1..]);
        let ratio = overall / steady;
        println!(
            "{from:+} -> {to:+} dB on a 1 kHz bell, 1 kHz sine: worst sample step {overall:.5}, steady-state {steady:.5}, ratio {ratio:.4}"
        );
        assert!(ratio <= 1.1);
        // And it got there.
        let peak = l[n - 4800..].iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!((20.0 * (peak / 0.2).log10() - to as f32).abs() < 0.05);
    }
    // The measure does catch a click: the same 12 dB applied as an instant gain switch.
    let mut hard = x.clone();
    for v in hard[12_016..].iter_mut() {
        *v *= 10f32.powf(12.0 / 20.0);
    }
    let hard_ratio = max_step(&hard[1..]) / max_step(&hard[n - 4800..]);
    println!("instant 12 dB switch on the same sine: ratio {hard_ratio:.3}");
    assert!(hard_ratio > 1.1);
}

#[test]
fn glide_speed_does_not_depend_on_where_calls_split() {
    // A host (or the chain, at a parameter event) may split processing anywhere; a gain
    // glide must take the same time whether it runs in 32-frame calls or 5-frame ones.
    // Before the smoothing step was scaled to the sub-block's length, 5-frame calls glided
    // 6.4x too fast, and a split block sped one sub-block up 4x (a kink that a +12 dB
    // shelf after it turned into a 0.1 click through the plugin).
    let fs = 48_000.0;
    let n = 9_600;
    let x = tone(fs, 1000.0, 0.2, n);
    let run = |call: usize| {
        let (mut l, mut r) = (x.clone(), x.clone());
        let mut eq = MinPhaseEq::new(fs, &EqParams::default());
        eq.set_params(&eq_with(&[(1, bell(1000.0, 0.0, 1.0))]));
        eq.process(&mut l[..2_400], &mut r[..2_400]);
        eq.set_params(&eq_with(&[(1, bell(1000.0, 12.0, 1.0))]));
        for (a, b) in l[2_400..].chunks_mut(call).zip(r[2_400..].chunks_mut(call)) {
            eq.process(a, b);
        }
        l
    };
    // Gain (dB) of each 1 kHz cycle (48 frames), from its peak.
    let envelope = |y: &[f32]| -> Vec<f64> {
        y.chunks(48)
            .map(|c| 20.0 * (c.iter().fold(0.0f32, |m, v| m.max(v.abs())) / 0.2).log10() as f64)
            .collect()
    };
    let reference = envelope(&run(32));
    for call in [5, 7, 45] {
        let worst = envelope(&run(call))
            .iter()
            .zip(&reference)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        println!("{call}-frame calls vs 32-frame calls: envelope differs by at most {worst:.3} dB");
        assert!(worst < 0.25, "{call}-frame calls: {worst} dB");
    }
}

#[test]
fn a_steep_filter_sweeping_down_from_near_nyquist_does_not_kink() {
    // A 42 dB/oct low-pass jumping from 22.2 kHz to 418 Hz. Its coefficients are
    // interpolated between designs 32 samples apart; before the glide was slew-limited the
    // first sub-block spanned 0.75 octave near Nyquist, where the interpolated filters are
    // far from any design, and a 100 Hz sine passing through kinked by 213x its own
    // curvature (now 2-12x: the worst is where the moving band holds its design for a
    // crossfade to another design form, at 20 kHz in 7-frame calls).
    let fs = 48_000.0;
    let amp = 1.71f32;
    let x = tone(fs, 100.0, amp as f64, 14_400);
    let own = amp as f64 * (2.0 * PI * 100.0 / fs).powi(2);
    let lp = |f: f64| BandParams {
        enabled: true,
        kind: BandType::LowPass,
        freq_hz: f,
        slope_db_oct: 42.0,
        ..Default::default()
    };
    for call in [32, 29, 7] {
        let (mut l, mut r) = (x.clone(), x.clone());
        let mut eq = MinPhaseEq::new(fs, &EqParams::default());
        eq.set_params(&eq_with(&[(0, lp(22_231.0))]));
        eq.process(&mut l[..4_800], &mut r[..4_800]);
        eq.set_params(&eq_with(&[(0, lp(418.2))]));
        for (a, b) in l[4_800..].chunks_mut(call).zip(r[4_800..].chunks_mut(call)) {
            eq.process(a, b);
        }
        let worst = l[4_790..]
            .windows(3)
            .map(|w| f64::from((w[2] - 2.0 * w[1] + w[0]).abs()))
            .fold(0.0, f64::max);
        println!(
            "{call}-frame calls: max second difference {worst:.4}, {:.2}x the sine's own",
            worst / own
        );
        assert!(worst < 15.0 * own, "{call}-frame calls: {worst}");
    }
}

#[test]
fn a_type_change_crossfades_without_a_break_in_slope() {
    // A +12 dB bell at 100 Hz becomes a +12 dB high shelf there (no knob moves, so nothing
    // glides): the 100 Hz sine goes from x4 to about x2 through a 10 ms crossfade. A linear
    // fade starts and ends with a break in slope of (difference / 480) per sample, several
    // times the sine's own curvature here; the smoothstep has none.
    let fs = 48_000.0;
    let amp = 0.25f32;
    let x = tone(fs, 100.0, amp as f64, 9_600);
    let band = |kind: BandType, gain: f64| BandParams {
        enabled: true,
        kind,
        freq_hz: 100.0,
        gain_db: gain,
        ..Default::default()
    };
    let mut eq = MinPhaseEq::new(fs, &EqParams::default());
    eq.set_params(&eq_with(&[(1, band(BandType::Bell, 12.0))]));
    let (mut l, mut r) = (x.clone(), x.clone());
    eq.process(&mut l[..4_800], &mut r[..4_800]);
    eq.set_params(&eq_with(&[(1, band(BandType::HighShelf, 12.0))]));
    eq.process(&mut l[4_800..], &mut r[4_800..]);
    let curvature = |y: &[f32]| {
        y.windows(3)
            .map(|w| f64::from((w[2] - 2.0 * w[1] + w[0]).abs()))
            .fold(0.0, f64::max)
    };
    let before = curvature(&l[3_840..4_800]);
    let during = curvature(&l[4_790..5_400]);
    println!("largest second difference: {during:.6} in the fade, {before:.6} before it");
    assert!(during < 1.5 * before, "{during} vs {before}");
}

#[test]
fn a_gain_glide_starts_without_a_break_in_slope() {
    // DC through a low shelf jumping 0 -> +12 dB: the output is the glide itself. A single
    // one-pole glide starts at full rate: its first 32 samples rise by 12 dB x 0.125 = 1.5 dB
    // (0.094 here), a break in slope of 0.0029 per sample that a high-pass after the EQ
    // turns into a click. Two stages start from zero slope (what remains, 0.0011, is where
    // the per-sub-block steps change while the glide gathers speed).
    let fs = 48_000.0;
    let shelf = |gain: f64| BandParams {
        enabled: true,
        kind: BandType::LowShelf,
        freq_hz: 1000.0,
        gain_db: gain,
        ..Default::default()
    };
    let mut eq = MinPhaseEq::new(fs, &EqParams::default());
    eq.set_params(&eq_with(&[(1, shelf(0.0))]));
    let (mut l, mut r) = (vec![0.5f32; 9_600], vec![0.5f32; 9_600]);
    eq.process(&mut l[..4_800], &mut r[..4_800]);
    eq.set_params(&eq_with(&[(1, shelf(12.0))]));
    eq.process(&mut l[4_800..], &mut r[4_800..]);
    let one_pole_break = 0.5 * (10f64.powf(1.5 / 20.0) - 1.0) / 32.0;
    let worst = l[4_700..]
        .windows(3)
        .map(|w| f64::from((w[2] - 2.0 * w[1] + w[0]).abs()))
        .fold(0.0, f64::max);
    let end_gain = 20.0 * (f64::from(l[9_599]) / 0.5).log10();
    println!(
        "largest break in slope {worst:.5} per sample (one stage: {one_pole_break:.5}); gain after 100 ms {end_gain:.3} dB"
    );
    assert!(worst < 0.5 * one_pole_break, "{worst}");
    assert!((end_gain - 12.0).abs() < 0.01);
}

#[test]
fn dynamic_gain_moves_smoothly_whatever_the_call_split() {
    // A dynamic band's offset is computed from the sub-block just detected and interpolated
    // over the next one. A host split can make that next sub-block one frame long; the
    // offset must then move one frame's worth, not a whole sub-block's (which was a step).
    let fs = 48_000.0;
    let n = 9_600;
    let x = tone(fs, 100.0, 0.5, n);
    let band = |range_db: f64| BandParams {
        enabled: true,
        kind: BandType::LowShelf,
        freq_hz: 150.0,
        q: 2.0,
        dynamic: DynamicParams {
            enabled: true,
            threshold_db: -30.0,
            range_db,
            ..Default::default()
        },
        ..Default::default()
    };
    let run = |calls: &[usize]| {
        let (mut l, mut r) = (x.clone(), x.clone());
        let mut eq = MinPhaseEq::new(fs, &EqParams::default());
        eq.set_params(&eq_with(&[(2, band(12.0))]));
        let (mut pos, mut k) = (0, 0);
        while pos < n {
            if pos >= 4_800 {
                eq.set_params(&eq_with(&[(2, band(-12.0))]));
            }
            let end = (pos + calls[k % calls.len()]).min(n);
            eq.process(&mut l[pos..end], &mut r[pos..end]);
            pos = end;
            k += 1;
        }
        l
    };
    let curvature = |y: &[f32]| {
        y.windows(3)
            .map(|w| (w[2] - 2.0 * w[1] + w[0]).abs())
            .fold(0.0f32, f32::max)
    };
    let reference = curvature(&run(&[32])[4_000..]);
    for calls in [&[31usize, 1][..], &[33, 31, 1, 17, 15, 2]] {
        let split = curvature(&run(calls)[4_000..]);
        println!(
            "calls {calls:?}: max second difference {split:.5} (32-frame calls {reference:.5})"
        );
        assert!(
            split < 1.25 * reference,
            "{calls:?}: {split} vs {reference}"
        );
    }
}

fn random_band(rng: &mut Rng) -> BandParams {
    BandParams {
        enabled: rng.unit() < 0.85,
        kind: rng.pick(&BandType::ALL),
        freq_hz: 10.0 * 3000f64.powf(rng.unit()),
        gain_db: rng.unit() * 48.0 - 24.0,
        q: 0.025 * 1600f64.powf(rng.unit()),
        slope_db_oct: 6.0 * (1.0 + (rng.unit() * 16.0).floor()),
        pass_kind: rng.pick(&[PassKind::Butterworth, PassKind::LinkwitzRiley]),
        placement: rng.pick(&Placement::ALL),
        dynamic: DynamicParams {
            enabled: rng.unit() < 0.3,
            threshold_db: -rng.unit() * 60.0,
            range_db: rng.unit() * 48.0 - 24.0,
            attack_ms: 0.1 + rng.unit() * 100.0,
            release_ms: 1.0 + rng.unit() * 500.0,
        },
    }
}

/// Upper bound (dB) of any output channel's gain at the momentary settings: the Stereo
/// curve plus the larger Left/Right curve plus the larger Mid/Side boost, +6 dB for the M/S
/// sum, maximised over frequency.
fn gain_bound_db(eq: &MinPhaseEq) -> f64 {
    log_points(5.0, 24_000.0, 120)
        .into_iter()
        .map(|f| {
            let r = eq.response_db(f);
            r[0] + r[1].max(r[2]) + r[3].max(r[4]).max(0.0) + 6.0
        })
        .fold(f64::MIN, f64::max)
}

#[test]
fn random_automation_on_full_scale_noise_stays_bounded() {
    // Every parameter of every band jumps somewhere random, at block sizes from 1 to 200
    // frames, on full-scale noise. Extreme settings legitimately reach +60 dB (a Q 40 shelf
    // at +24 dB), so the bound is relative: the output peak stays within 12 dB of the
    // largest static gain seen over the last 0.25 s (noise crest factor plus ringing while
    // parameters glide). An unstable or exploding section would leave that by orders of
    // magnitude; the absolute |y| < 100 holds as well for gains within +-12 dB.
    let fs = 48_000.0;
    for (label, gain_range, q_max) in [("full range", 24.0, 40.0), ("+-12 dB, Q <= 10", 12.0, 10.0)]
    {
        let mut rng = Rng::from_state(0x9E37_79B9_7F4A_7C15);
        let mut eq = MinPhaseEq::new(fs, &EqParams::default());
        let random = |rng: &mut Rng| {
            let mut b = random_band(rng);
            b.gain_db *= gain_range / 24.0;
            b.dynamic.range_db *= gain_range / 24.0;
            b.q = b.q.min(q_max);
            b
        };
        let mut params = EqParams::default();
        for b in params.bands.iter_mut() {
            *b = random(&mut rng);
        }
        eq.set_params(&params);
        let mut peak: f32 = 0.0;
        let mut worst_ratio_db = f64::MIN;
        let mut bounds = [f64::MIN; 64];
        let mut frames = 0;
        let mut block = 0;
        while frames < 96_000 {
            let i = (rng.unit() * MAX_BANDS as f64) as usize % MAX_BANDS;
            if rng.unit() < 0.3 {
                params.bands[i] = random(&mut rng);
            } else {
                let b = &mut params.bands[i];
                b.freq_hz = 10.0 * 3000f64.powf(rng.unit());
                b.gain_db = (rng.unit() * 2.0 - 1.0) * gain_range;
                b.q = (0.025 * 1600f64.powf(rng.unit())).min(q_max);
            }
            eq.set_params(&params);
            let len = 1 + (rng.unit() * 200.0) as usize;
            let mut l: Vec<f32> = (0..len).map(|_| (rng.unit() * 2.0 - 1.0) as f32).collect();
            let mut r: Vec<f32> = (0..len).map(|_| (rng.unit() * 2.0 - 1.0) as f32).collect();
            eq.process(&mut l, &mut r);
            // ~0.25 s of history at ~100 frames per block.
            bounds[block % bounds.len()] = gain_bound_db(&eq);
            let bound = bounds.iter().cloned().fold(f64::MIN, f64::max);
            let mut block_peak: f32 = 0.0;
            for v in l.iter().chain(r.iter()) {
                assert!(v.is_finite(), "non-finite output after {frames} frames");
                block_peak = block_peak.max(v.abs());
            }
            peak = peak.max(block_peak);
            worst_ratio_db = worst_ratio_db.max(20.0 * f64::from(block_peak).log10() - bound);
            frames += len;
            block += 1;
        }
        println!(
            "random automation ({label}), {frames} frames of full-scale noise: peak |y| {peak:.2}, worst peak vs static gain bound {worst_ratio_db:+.1} dB"
        );
        assert!(worst_ratio_db < 12.0);
        if gain_range <= 12.0 {
            assert!(peak < 100.0);
        }
    }
}

#[test]
fn placement_routes_to_the_right_channels() {
    let fs = 48_000.0;
    let n = 4096;
    let mut rng = Rng::from_state(7);
    let noise: Vec<f32> = (0..n).map(|_| (rng.unit() - 0.5) as f32).collect();
    let noise2: Vec<f32> = (0..n).map(|_| (rng.unit() - 0.5) as f32).collect();
    let with = |placement: Placement| {
        let mut eq = MinPhaseEq::new(fs, &EqParams::default());
        eq.set_params(&eq_with(&[(
            3,
            BandParams {
                placement,
                ..bell(1000.0, 12.0, 1.0)
            },
        )]));
        eq
    };
    // Left band: right channel bit-identical, left changed.
    let (mut l, mut r) = (noise.clone(), noise2.clone());
    with(Placement::Left).process(&mut l, &mut r);
    assert_eq!(r, noise2);
    assert_ne!(l, noise);
    let (mut l, mut r) = (noise.clone(), noise2.clone());
    with(Placement::Right).process(&mut l, &mut r);
    assert_eq!(l, noise);
    assert_ne!(r, noise2);
    // Mid band on a side-only signal (L = -R) and Side band on mono: untouched, bit for bit.
    let neg: Vec<f32> = noise.iter().map(|v| -v).collect();
    let (mut l, mut r) = (noise.clone(), neg.clone());
    with(Placement::Mid).process(&mut l, &mut r);
    assert_eq!((l, r), (noise.clone(), neg.clone()));
    let (mut l, mut r) = (noise.clone(), noise.clone());
    with(Placement::Side).process(&mut l, &mut r);
    assert_eq!((l, r), (noise.clone(), noise.clone()));
    // ...while each does act on the signal it is placed on.
    let (mut l, mut r) = (noise.clone(), noise.clone());
    with(Placement::Mid).process(&mut l, &mut r);
    let change: f32 = l.iter().zip(&noise).map(|(a, b)| (a - b).abs()).sum();
    assert_eq!(l, r);
    assert!(change > 1.0);
    let (mut l, mut r) = (noise.clone(), neg.clone());
    with(Placement::Side).process(&mut l, &mut r);
    assert!(l.iter().zip(&r).all(|(a, b)| *a == -*b));
    assert_ne!(l, noise);
    println!("placement: L/R isolation bit-exact, M on side-only and S on mono bit-exact");
}

#[test]
fn disabled_eq_is_bit_transparent() {
    let mut eq = MinPhaseEq::new(48_000.0, &EqParams::default());
    let mut p = EqParams::default();
    eq.set_params(&p);
    let mut rng = Rng::from_state(3);
    let x: Vec<f32> = (0..1000)
        .map(|i| match i % 7 {
            0 => f32::MIN_POSITIVE / 3.0,
            1 => -0.0,
            _ => (rng.unit() - 0.5) as f32,
        })
        .collect();
    let (mut l, mut r) = (x.clone(), x.clone());
    eq.process(&mut l, &mut r);
    assert!(l.iter().zip(&x).all(|(a, b)| a.to_bits() == b.to_bits()));
    assert!(r.iter().zip(&x).all(|(a, b)| a.to_bits() == b.to_bits()));
    // A band switched on and off again fades out and then leaves the audio alone.
    p.bands[2] = bell(500.0, 6.0, 1.0);
    eq.set_params(&p);
    let (mut l, mut r) = (x.clone(), x.clone());
    eq.process(&mut l, &mut r);
    p.bands[2].enabled = false;
    eq.set_params(&p);
    for _ in 0..20 {
        let (mut l, mut r) = (x.clone(), x.clone());
        eq.process(&mut l, &mut r);
    }
    let (mut l, mut r) = (x.clone(), x.clone());
    eq.process(&mut l, &mut r);
    assert!(l.iter().zip(&x).all(|(a, b)| a.to_bits() == b.to_bits()));
    assert_eq!(eq.latency(), 0);
}

#[test]
fn dynamic_band_moves_towards_gain_plus_range() {
    let fs = 48_000.0;
    let dynamic = DynamicParams {
        enabled: true,
        threshold_db: -30.0,
        range_db: -9.0,
        attack_ms: 10.0,
        release_ms: 100.0,
    };
    let band = BandParams {
        dynamic,
        ..bell(2000.0, 3.0, 1.0)
    };
    for (amp_db, want_gain) in [(-10.0, 3.0 - 9.0), (-40.0, 3.0)] {
        let mut eq = MinPhaseEq::new(fs, &EqParams::default());
        eq.set_params(&eq_with(&[(4, band)]));
        let amp = 10f32.powf(amp_db as f32 / 20.0);
        let x = tone(fs, 2000.0, amp as f64, 48_000);
        let (mut l, mut r) = (x.clone(), x.clone());
        let mut t63 = None;
        for (k, (a, b)) in l.chunks_mut(8).zip(r.chunks_mut(8)).enumerate() {
            eq.process(a, b);
            let g = eq.band_gain_db(4);
            if t63.is_none() && g <= 3.0 - 9.0 * (1.0 - (-1f64).exp()) {
                t63 = Some((k + 1) as f64 * 8.0 / fs * 1e3);
            }
        }
        let g = eq.band_gain_db(4);
        // The output sine follows: its level is the analog bell at the momentary gain.
        let peak = l[40_000..].iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let out_gain = 20.0 * f64::from(peak / amp).log10();
        println!(
            "dynamic bell, input {amp_db} dBFS: band gain {g:.3} dB (want {want_gain}), output gain {out_gain:.3} dB, attack t63 {t63:?} ms"
        );
        assert!((g - want_gain).abs() < 0.05);
        assert!((out_gain - want_gain).abs() < 0.1);
        if let Some(t) = t63 {
            // Set 10 ms; detection runs in 32-sample blocks (0.67 ms of extra delay) and
            // the gain passes a 0.5 ms second stage.
            assert!((t - 10.0).abs() < 1.0, "attack {t} ms");
        }
    }
}

#[test]
fn nan_input_does_not_poison_the_state() {
    let fs = 48_000.0;
    let mut eq = MinPhaseEq::new(fs, &EqParams::default());
    let mut p = eq_with(&[
        (1, bell(100.0, 6.0, 2.0)),
        (
            0,
            BandParams {
                enabled: true,
                kind: BandType::HighPass,
                freq_hz: 30.0,
                slope_db_oct: 48.0,
                ..Default::default()
            },
        ),
    ]);
    p.bands[5].dynamic.enabled = true;
    p.bands[5].enabled = true;
    eq.set_params(&p);
    let mut l = vec![f32::NAN; 64];
    let mut r = vec![f32::INFINITY; 64];
    eq.process(&mut l, &mut r);
    let x = tone(fs, 440.0, 0.5, 4800);
    let (mut l, mut r) = (x.clone(), x.clone());
    eq.process(&mut l, &mut r);
    assert!(l.iter().chain(r.iter()).all(|v| v.is_finite()));
    let peak = l.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    println!("after a NaN/inf block: output finite, peak {peak:.3}");
    assert!(peak < 2.0);
}

#[test]
fn processing_and_automation_do_not_allocate() {
    let fs = 48_000.0;
    let mut eq = MinPhaseEq::new(fs, &EqParams::default());
    let mut rng = Rng::from_state(11);
    let mut params = EqParams::default();
    for b in params.bands.iter_mut() {
        *b = random_band(&mut rng);
        b.enabled = true;
    }
    let x: Vec<f32> = (0..4800).map(|_| (rng.unit() - 0.5) as f32).collect();
    let (mut l, mut r) = (x.clone(), x.clone());
    crate::no_alloc::assert_no_alloc(|| {
        eq.set_params(&params);
        for (k, (a, b)) in l.chunks_mut(100).zip(r.chunks_mut(100)).enumerate() {
            params.bands[k % MAX_BANDS].gain_db = (k % 13) as f64 - 6.0;
            params.bands[(k + 3) % MAX_BANDS].freq_hz = 100.0 + 50.0 * k as f64;
            // Structural changes: crossfades with pre-rolled restarts.
            params.bands[(k + 5) % MAX_BANDS].placement = Placement::ALL[k % 5];
            params.bands[(k + 7) % MAX_BANDS].enabled = k % 3 != 0;
            eq.set_params(&params);
            eq.process(a, b);
            std::hint::black_box(eq.band_gain_db(k % MAX_BANDS));
            std::hint::black_box(eq.response_db(1000.0));
        }
        eq.reset();
    });
}

#[test]
fn state_hand_over_between_svf_and_direct_form_is_exact() {
    // Sections mid-signal: switching forms must not change the output. A resonant bell, and
    // first-order sections (tilt, the odd section of a 3rd-order high-pass), whose second
    // SVF mode is cancelled and unobservable: their state used to be dropped on the way
    // back to the SVF, a click whenever a settled tilt or odd-order pass band started moving.
    let designer = BandDesigner::new(48_000.0);
    let tilt = BandParams {
        kind: BandType::Tilt,
        ..bell(400.0, 6.0, 1.0)
    };
    let high_pass = BandParams {
        enabled: true,
        kind: BandType::HighPass,
        freq_hz: 400.0,
        slope_db_oct: 18.0,
        ..Default::default()
    };
    let sections: Vec<SvfCoefs> = [bell(3000.0, 9.0, 4.0), tilt, high_pass]
        .iter()
        .flat_map(|b| designer.design(b).stages().to_vec())
        .collect();
    let mut rng = Rng::from_state(5);
    let mut worst: f64 = 0.0;
    for (section, lanes) in sections
        .iter()
        .flat_map(|s| [(s, [true, true]), (s, [true, false])])
    {
        let mut a = Stage {
            cur: *section,
            ..Default::default()
        };
        let taps = SvfTaps::from_coefs(&a.cur);
        for (lane, on) in lanes.iter().enumerate() {
            if *on {
                a.svf.set_lane(lane, &taps);
            }
        }
        for _ in 0..500 {
            a.svf.tick([rng.unit() - 0.5, rng.unit() - 0.5]);
        }
        let mut b = a;
        b.svf_to_tdf(lanes);
        let mut c = b;
        c.tdf_to_svf();
        for _ in 0..2000 {
            let x = [rng.unit() - 0.5, rng.unit() - 0.5];
            let ya = a.svf.tick(x);
            let yb = b.tdf.tick(x);
            let yc = c.svf.tick(x);
            for ch in 0..2 {
                worst = worst
                    .max((ya[ch] - yb[ch]).abs())
                    .max((ya[ch] - yc[ch]).abs());
            }
        }
    }
    println!(
        "SVF -> direct form -> SVF hand-over, {} sections: worst output difference {worst:.2e}",
        sections.len()
    );
    assert!(worst < 1e-12);
}

#[test]
fn response_helper_sums_bands_per_placement() {
    let mut eq = MinPhaseEq::new(48_000.0, &EqParams::default());
    let side = BandParams {
        placement: Placement::Side,
        ..bell(200.0, -4.0, 1.0)
    };
    eq.set_params(&eq_with(&[
        (1, bell(1000.0, 6.0, 1.0)),
        (2, bell(1000.0, 3.0, 1.0)),
        (3, side),
    ]));
    let r = eq.response_db(1000.0);
    let side_at = 20.0 * analog_magnitude(&side, 1000.0).log10();
    println!("response at 1 kHz: {r:?}");
    assert!((r[0] - 9.0).abs() < 1e-9);
    assert!((r[4] - side_at).abs() < 1e-9);
    assert_eq!(r[1], 0.0);
}

/// A 100 Hz stereo sine (amplitude 0.5, the right channel 1 rad ahead) through `from` in
/// slot 3, switched to `to` 0.1 s in (96-frame blocks). Returns the largest sample step from
/// 50 ms before the switch to the end, and the larger steady-state step: 50 ms before the
/// switch, or the last 0.1 s (both channels).
fn switch_steps(from: BandParams, to: BandParams) -> (f32, f32) {
    let fs = 48_000.0;
    let (switch, n, block) = (4800, 14_400, 96);
    let tone = |phase: f64| -> Vec<f32> {
        (0..n)
            .map(|i| 0.5 * (2.0 * PI * 100.0 * i as f64 / fs + phase).sin() as f32)
            .collect()
    };
    let (mut l, mut r) = (tone(0.0), tone(1.0));
    let mut eq = MinPhaseEq::new(fs, &EqParams::default());
    let mut p = eq_with(&[(3, from)]);
    eq.set_params(&p);
    for (k, (a, b)) in l.chunks_mut(block).zip(r.chunks_mut(block)).enumerate() {
        if k * block == switch {
            p.bands[3] = to;
            eq.set_params(&p);
        }
        eq.process(a, b);
    }
    let steps = |from: usize, to: usize| max_step(&l[from..to]).max(max_step(&r[from..to]));
    let steady = steps(switch / 2, switch).max(steps(n - 4800, n));
    (steps(switch / 2, n), steady)
}

#[test]
fn placement_and_type_changes_never_click() {
    // Structural changes crossfade the whole EQ between the outgoing and incoming
    // configurations, so no switch may step the output: the largest sample step around it
    // stays within 1.5x the larger steady-state step, for every type moved between every
    // pair of placements, every type changed to every other (in the left/right and in the
    // mid/side stage), and slope, alignment and on/off changes.
    let kinds = BandType::ALL;
    let band = |kind: BandType, placement: Placement| BandParams {
        enabled: true,
        kind,
        freq_hz: 400.0,
        gain_db: 6.0,
        q: 2.0,
        slope_db_oct: 60.0,
        placement,
        ..Default::default()
    };
    let mut cases = Vec::new();
    for kind in kinds {
        for from in Placement::ALL {
            for to in Placement::ALL.into_iter().filter(|&to| to != from) {
                cases.push((
                    format!("{kind:?} {from:?} -> {to:?}"),
                    band(kind, from),
                    band(kind, to),
                ));
            }
        }
    }
    for placement in [Placement::Stereo, Placement::Side] {
        for a in kinds {
            for b in kinds.into_iter().filter(|&b| b != a) {
                cases.push((
                    format!("{placement:?} {a:?} -> {b:?}"),
                    band(a, placement),
                    band(b, placement),
                ));
            }
        }
    }
    // Pass filters cornered at the tone, so slope and alignment change what passes.
    let pass = |kind, slope_db_oct, pass_kind| BandParams {
        freq_hz: 100.0,
        slope_db_oct,
        pass_kind,
        ..band(kind, Placement::Stereo)
    };
    let (hp, lp) = (BandType::HighPass, BandType::LowPass);
    let (bw, lr) = (PassKind::Butterworth, PassKind::LinkwitzRiley);
    let off = BandParams {
        enabled: false,
        ..band(BandType::Bell, Placement::Stereo)
    };
    for (label, from, to) in [
        (
            "high-pass 12 -> 54 dB/oct",
            pass(hp, 12.0, bw),
            pass(hp, 54.0, bw),
        ),
        (
            "low-pass 90 -> 18 dB/oct",
            pass(lp, 90.0, bw),
            pass(lp, 18.0, bw),
        ),
        (
            "high-pass 48 dB/oct BW -> LR",
            pass(hp, 48.0, bw),
            pass(hp, 48.0, lr),
        ),
        (
            "low-pass 24 dB/oct LR -> BW",
            pass(lp, 24.0, lr),
            pass(lp, 24.0, bw),
        ),
        (
            "bell off -> on",
            off,
            band(BandType::Bell, Placement::Stereo),
        ),
        (
            "tilt Mid on -> off",
            band(BandType::Tilt, Placement::Mid),
            off,
        ),
        ("high-pass Side off -> on", off, band(hp, Placement::Side)),
        ("low-pass Left on -> off", band(lp, Placement::Left), off),
        (
            "bell Left -> high-pass Mid",
            band(BandType::Bell, Placement::Left),
            band(hp, Placement::Mid),
        ),
        (
            "band-pass Side -> tilt Right",
            band(BandType::BandPass, Placement::Side),
            band(BandType::Tilt, Placement::Right),
        ),
    ] {
        cases.push((label.to_string(), from, to));
    }
    let mut worst = (0.0f32, String::new());
    let mut failures = Vec::new();
    for (label, from, to) in &cases {
        let (step, steady) = switch_steps(*from, *to);
        let ratio = step / steady;
        if ratio > worst.0 {
            worst = (ratio, label.clone());
        }
        if ratio.is_nan() || ratio >= 1.5 {
            failures.push(format!(
                "{label}: step {step:.5}, steady {steady:.5}, ratio {ratio:.3}"
            ));
        }
    }
    println!(
        "{} structural switches on a 100 Hz sine: worst step / steady step {:.3} ({})",
        cases.len(),
        worst.0,
        worst.1
    );
    assert!(failures.is_empty(), "clicks:\n{}", failures.join("\n"));

    // The measure does catch a click: the steady outputs of the two settings spliced at
    // the switch (what an instant change would do), for a tilt moved from Stereo to Left.
    let fs = 48_000.0;
    let run = |b: BandParams| {
        let x = tone(fs, 100.0, 0.5, 9600);
        let mut r: Vec<f32> = (0..9600)
            .map(|i| 0.5 * (2.0 * PI * 100.0 * i as f64 / fs + 1.0).sin() as f32)
            .collect();
        let mut l = x;
        let mut eq = MinPhaseEq::new(fs, &EqParams::default());
        eq.set_params(&eq_with(&[(3, b)]));
        eq.process(&mut l, &mut r);
        r
    };
    let before = run(band(BandType::Tilt, Placement::Stereo));
    let after = run(band(BandType::Tilt, Placement::Left));
    let spliced: Vec<f32> = before[..4800]
        .iter()
        .chain(&after[4800..])
        .copied()
        .collect();
    let splice_ratio =
        max_step(&spliced[2400..]) / max_step(&before[2400..]).max(max_step(&after[2400..]));
    println!("instant tilt Stereo -> Left (spliced): ratio {splice_ratio:.2}");
    assert!(splice_ratio > 1.5);
}
