//! The limiter's guarantees, measured with the independent 16x reference meter: the torture
//! suite of the dynamics issue at 44.1, 48 and 96 kHz, in both detection modes.

use crate::reference::{thd_plus_n, true_peak_16x};
use crate::signal::Rng;
use lacquer_dsp::dynamics::{Limiter, LimiterParams};
use std::f64::consts::{PI, TAU};

const RATES: [f64; 3] = [44_100.0, 48_000.0, 96_000.0];
const CEILING_DB: f64 = -1.0;
/// Allowed true-peak overshoot above the ceiling, dB.
const TP_TOLERANCE_DB: f64 = 0.05;

struct Case {
    name: String,
    left: Vec<f32>,
    right: Vec<f32>,
    drive_db: f64,
}

fn mono(name: String, x: Vec<f32>, drive_db: f64) -> Case {
    Case {
        name,
        right: x.clone(),
        left: x,
        drive_db,
    }
}

fn pink_with_transients(rate: f64, seed: u64, seconds: f64) -> (Vec<f32>, Vec<f32>) {
    let frames = (rate * seconds) as usize;
    let mut rng = Rng::new(seed);
    let mut out = [Vec::with_capacity(frames), Vec::with_capacity(frames)];
    for ch in out.iter_mut() {
        // Paul Kellet's economy pink filter.
        let (mut b0, mut b1, mut b2) = (0.0f64, 0.0f64, 0.0f64);
        for n in 0..frames {
            let white = rng.bipolar() as f64;
            b0 = 0.99765 * b0 + white * 0.0990460;
            b1 = 0.96300 * b1 + white * 0.2965164;
            b2 = 0.57000 * b2 + white * 1.0526913;
            let pink = (b0 + b1 + b2 + white * 0.1848) * 0.12;
            let t = n as f64 / rate;
            let beat = (t * 4.0).fract();
            let hit = 3.0 * (-beat * 40.0).exp() * rng.bipolar() as f64;
            ch.push((pink + 0.3 * hit).clamp(-1.0, 1.0) as f32);
        }
    }
    let [l, r] = out;
    (l, r)
}

fn torture_suite(rate: f64) -> Vec<Case> {
    let secs = |s: f64| (rate * s) as usize;
    let mut cases = Vec::new();
    for freq in [50.0, 200.0, 1000.0, 5000.0] {
        let x = (0..secs(0.5))
            .map(|n| {
                if (TAU * freq * n as f64 / rate).sin() >= 0.0 {
                    1.0
                } else {
                    -1.0
                }
            })
            .collect();
        cases.push(mono(format!("square {freq} Hz"), x, 0.0));
    }
    for amp in [1.0, 2f64.sqrt()] {
        let x = (0..secs(0.5))
            .map(|n| (amp * (TAU * 11_025.0 * n as f64 / rate + PI / 4.0).sin()) as f32)
            .collect();
        cases.push(mono(
            format!("11.025 kHz sine at 45 deg, amplitude {amp:.3}"),
            x,
            0.0,
        ));
    }
    let impulses = (0..secs(0.5))
        .map(|n| {
            if n % 1000 == 500 {
                if n % 2000 == 500 {
                    1.0
                } else {
                    -1.0
                }
            } else {
                0.0
            }
        })
        .collect();
    cases.push(mono("single-sample impulses".into(), impulses, 0.0));
    let step = (0..secs(0.5))
        .map(|n| if n < secs(0.1) { 0.0 } else { 1.0 })
        .collect();
    cases.push(mono("DC step to full scale".into(), step, 0.0));
    let mut rng = Rng::new(4);
    let burst = (0..secs(0.5))
        .map(|n| if n < secs(0.2) { 0.0 } else { rng.bipolar() })
        .collect();
    cases.push(mono("silence to full-scale noise".into(), burst, 0.0));
    for drive in [12.0, 24.0] {
        let (left, right) = pink_with_transients(rate, drive as u64, 1.0);
        cases.push(Case {
            name: format!("pink noise with transients +{drive} dB"),
            left,
            right,
            drive_db: drive,
        });
    }
    cases
}

fn run(rate: f64, params: LimiterParams, case: &Case) -> (Vec<f32>, Vec<f32>) {
    let mut lim = Limiter::new(
        rate,
        LimiterParams {
            drive_db: case.drive_db,
            ..params
        },
    );
    // The signal is followed by silence the limiter processes too: an abrupt end is a step the
    // limiter must see coming, as it would in a real render (the reference meter pads with
    // zeros, so without this tail it would measure a step the limiter was never shown).
    let tail = vec![0.0f32; (rate * 0.1) as usize];
    let mut l: Vec<f32> = case.left.iter().chain(&tail).copied().collect();
    let mut r: Vec<f32> = case.right.iter().chain(&tail).copied().collect();
    // Odd block size on purpose: chunk edges must not matter.
    for (a, b) in l.chunks_mut(333).zip(r.chunks_mut(333)) {
        lim.process(a, b);
    }
    (l, r)
}

/// The dynamics issue's bar: no more than +0.05 dB over the ceiling, measured by the
/// independent 16x meter, on every signal of the torture suite at every rate, at the longest
/// and the shortest look-ahead.
#[test]
fn true_peak_mode_holds_the_ceiling_on_the_torture_suite() {
    let mut worst_overall = f64::NEG_INFINITY;
    let mut failures = Vec::new();
    for rate in RATES {
        for lookahead_ms in [5.0, 0.5] {
            let params = LimiterParams {
                ceiling_db: CEILING_DB,
                lookahead_ms,
                true_peak: true,
                ..Default::default()
            };
            for case in torture_suite(rate) {
                let (l, r) = run(rate, params, &case);
                let tp = 20.0 * true_peak_16x(&l).max(true_peak_16x(&r)).log10();
                let over = tp - CEILING_DB;
                worst_overall = worst_overall.max(over);
                println!("{rate} Hz, look-ahead {lookahead_ms} ms, {}: output {tp:+.3} dBTP ({over:+.3} dB vs ceiling)", case.name);
                if over > TP_TOLERANCE_DB {
                    failures.push(format!(
                        "{} at {rate} Hz, {lookahead_ms} ms: {over:+.3} dB",
                        case.name
                    ));
                }
            }
        }
    }
    println!("worst true-peak overshoot over the whole suite: {worst_overall:+.4} dB");
    assert!(
        failures.is_empty(),
        "over the ceiling by more than {TP_TOLERANCE_DB} dB:\n{}",
        failures.join("\n")
    );
}

#[test]
fn sample_peak_mode_never_lets_a_sample_over() {
    let ceiling = 10f32.powf(CEILING_DB as f32 / 20.0);
    for rate in RATES {
        let params = LimiterParams {
            ceiling_db: CEILING_DB,
            lookahead_ms: 2.0,
            true_peak: false,
            ..Default::default()
        };
        for case in torture_suite(rate) {
            let (l, r) = run(rate, params, &case);
            let peak = l.iter().chain(&r).fold(0.0f32, |m, v| m.max(v.abs()));
            assert!(
                peak <= ceiling,
                "{} at {rate}: sample peak {peak} > {ceiling}",
                case.name
            );
        }
    }
}

#[test]
fn below_the_ceiling_the_output_is_the_input_delayed_bit_exactly() {
    for rate in RATES {
        for true_peak in [true, false] {
            let mut lim = Limiter::new(
                rate,
                LimiterParams {
                    ceiling_db: -1.0,
                    true_peak,
                    ..Default::default()
                },
            );
            let (x, _) = pink_with_transients(rate, 9, 0.5);
            // Scale to a true peak 2 dB under the ceiling.
            let scale = (10f64.powf(-3.0 / 20.0) / true_peak_16x(&x)) as f32;
            let x: Vec<f32> = x.iter().map(|v| v * scale).collect();
            let (mut l, mut r) = (x.clone(), x.clone());
            lim.process(&mut l, &mut r);
            let d = lim.latency();
            let exact = l[d..]
                .iter()
                .zip(&x)
                .all(|(a, b)| a.to_bits() == b.to_bits());
            assert!(
                exact,
                "{rate} Hz, true_peak {true_peak}: not a pure delay of {d}"
            );
        }
    }
}

#[test]
fn a_sine_driven_6_db_into_the_limiter_stays_clean() {
    let rate = 48_000.0;
    let ceiling = 10f64.powf(CEILING_DB / 20.0);
    for release_ms in [100.0, 10.0] {
        let mut lim = Limiter::new(
            rate,
            LimiterParams {
                ceiling_db: CEILING_DB,
                drive_db: 6.0,
                release_ms,
                ..Default::default()
            },
        );
        let x: Vec<f32> = (0..(rate * 2.0) as usize)
            .map(|n| (ceiling * (TAU * 1000.0 * n as f64 / rate).sin()) as f32)
            .collect();
        let (mut l, mut r) = (x.clone(), x);
        lim.process(&mut l, &mut r);
        let thd = thd_plus_n(&l[(rate as usize)..], rate, 1000.0);
        println!(
            "1 kHz, +6 dB into the limiter, release {release_ms} ms: THD+N {:.5} %",
            thd * 100.0
        );
        assert!(
            thd < 0.001,
            "THD+N {:.4} % at release {release_ms} ms",
            thd * 100.0
        );
    }
}

#[test]
fn linked_channels_get_identical_gain() {
    let rate = 48_000.0;
    let (l0, _) = pink_with_transients(rate, 3, 0.5);
    let quiet: Vec<f32> = l0.iter().map(|v| v * 0.1).collect();
    let mut lim = Limiter::new(
        rate,
        LimiterParams {
            drive_db: 12.0,
            link: 1.0,
            ..Default::default()
        },
    );
    let (mut l, mut r) = (l0.clone(), quiet.clone());
    lim.process(&mut l, &mut r);
    let d = lim.latency();
    // Same gain: the quiet channel is reduced exactly as much as the loud one.
    for i in d..l.len() {
        let gl = l[i] as f64 / (l0[i - d] as f64 * 10f64.powf(12.0 / 20.0));
        let gr = r[i] as f64 / (quiet[i - d] as f64 * 10f64.powf(12.0 / 20.0));
        if l0[i - d].abs() > 1e-3 && quiet[i - d].abs() > 1e-4 {
            assert!((gl - gr).abs() < 1e-4, "sample {i}: {gl} vs {gr}");
        }
    }
}
