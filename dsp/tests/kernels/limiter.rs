//! The limiter's guarantees, measured with the independent FFT reference meter: the
//! generated suite of `limiter_signals` (35 families) at five rates, look-ahead 0.5-20 ms,
//! drive 0-24 dB, fast, slow and automatic release, with drive, ceiling and release automated
//! at random inside half the signals, in both detection modes.

use crate::limiter_signals::{band_limited, families, Family};
use lacquer_dsp::dynamics::{Limiter, LimiterParams};
use lacquer_dsp::Stage;
use lacquer_testkit::reference::{peaks_per_sample, thd_plus_n, true_peak_16x};
use lacquer_testkit::signal::Rng;
use std::f64::consts::TAU;

const RATES: [f64; 5] = [44_100.0, 48_000.0, 88_200.0, 96_000.0, 192_000.0];
const LOOKAHEADS_MS: [f64; 6] = [0.5, 1.0, 2.5, 5.0, 10.0, 20.0];
const CEILING_DB: f64 = -1.0;
/// The published guarantee for content up to 0.47 fs: at most this far over the ceiling
/// (measured +0.011 dB).
const GUARANTEE_DB: f64 = 0.02;
/// Bound for the full-band suite, outside the guarantee: measured +0.86 dB (full-band white
/// noise driven 12 dB at 48 kHz).
const FULL_BAND_BOUND_DB: f64 = 1.0;
/// Upper edge of the band the guarantee covers, as a fraction of the sample rate.
const GUARANTEED_BAND: f64 = 0.47;
/// Pink noise with a transient every 250 ms, clipped to full scale.
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

/// One run of the suite: settings at the start and changes at input sample positions.
struct Plan {
    start: LimiterParams,
    changes: Vec<(usize, LimiterParams)>,
}

/// Settings for family `index` at rate number `rate_index`: every look-ahead, fast, slow and
/// automatic release in turn; every other run with drive, ceiling and release automated.
fn plan(
    rate: f64,
    rate_index: usize,
    index: usize,
    fam: &Family,
    true_peak: bool,
    band_limit: bool,
) -> Plan {
    let mut rng = Rng::new((rate_index * 1000 + index) as u64 + 17);
    let release = |rng: &mut Rng, k: usize| match k % 3 {
        0 => 1.0 + 19.0 * rng.unit(),
        _ => 200.0 + 800.0 * rng.unit(),
    };
    let start = LimiterParams {
        ceiling_db: CEILING_DB,
        drive_db: fam.drive_db,
        lookahead_ms: LOOKAHEADS_MS[(index + rate_index) % LOOKAHEADS_MS.len()],
        release_ms: release(&mut rng, index),
        auto_release: index % 5 == 4,
        true_peak,
        band_limit,
        ..Default::default()
    };
    let mut changes = Vec::new();
    if index % 2 == 1 {
        let frames = fam.left.len();
        let scale = rate / 48_000.0;
        let mut at = 0;
        let mut p = start;
        loop {
            at += (rng.range(1_500, 6_000) as f64 * scale) as usize;
            if at >= frames {
                break;
            }
            p.drive_db = (fam.drive_db + 12.0 * rng.unit() - 6.0).clamp(0.0, 24.0);
            p.ceiling_db = -0.1 - 5.9 * rng.unit();
            let k = rng.range(0, 2);
            p.release_ms = release(&mut rng, k);
            changes.push((at, p));
        }
    }
    Plan { start, changes }
}

struct Outcome {
    left: Vec<f32>,
    right: Vec<f32>,
    /// Linear ceiling in force for each output sample.
    ceiling: Vec<f64>,
}

fn run(rate: f64, plan: &Plan, left: &[f32], right: &[f32]) -> Outcome {
    let mut lim = Limiter::new(rate, &plan.start);
    // The signal is followed by silence the limiter processes too: an abrupt end is a step the
    // limiter must see coming, as it would in a real render.
    let tail = vec![0.0f32; (rate * 0.1) as usize];
    let mut l: Vec<f32> = left.iter().chain(&tail).copied().collect();
    let mut r: Vec<f32> = right.iter().chain(&tail).copied().collect();
    let gain = |db: f64| 10f64.powf(db / 20.0);
    let mut ceiling_in = vec![gain(plan.start.ceiling_db); l.len()];
    let mut cuts: Vec<usize> = plan.changes.iter().map(|c| c.0).collect();
    cuts.push(l.len());
    let mut pos = 0;
    for (k, &end) in cuts.iter().enumerate() {
        // Odd block size on purpose: chunk edges must not matter.
        while pos < end {
            let e = (pos + 333).min(end);
            lim.process(&mut l[pos..e], &mut r[pos..e]);
            pos = e;
        }
        if let Some(&(at, p)) = plan.changes.get(k) {
            lim.set_params(&p);
            ceiling_in[at..].fill(gain(p.ceiling_db));
        }
    }
    let latency = lim.latency();
    let ceiling = (0..l.len())
        .map(|n| {
            if n < latency {
                ceiling_in[0]
            } else {
                ceiling_in[n - latency]
            }
        })
        .collect();
    Outcome {
        left: l,
        right: r,
        ceiling,
    }
}

/// Worst true-peak overshoot of `out` over the ceiling in force, dB. Within 32 samples of a
/// ceiling change the higher of the two counts: the reconstructed waveform near the change
/// is made of samples on both sides of it.
fn overshoot_db(out: &Outcome) -> f64 {
    let near = 32;
    let mut worst = f64::NEG_INFINITY;
    for ch in [&out.left, &out.right] {
        let peaks = peaks_per_sample(ch);
        for (n, &p) in peaks.iter().enumerate() {
            let lo = n.saturating_sub(near);
            let hi = (n + near).min(out.ceiling.len() - 1);
            let allowed = if out.ceiling[lo] == out.ceiling[hi] {
                out.ceiling[n]
            } else {
                out.ceiling[lo..=hi].iter().fold(0.0f64, |m, &c| m.max(c))
            };
            if p > 0.0 {
                worst = worst.max(20.0 * (p / allowed).log10());
            }
        }
    }
    worst
}

/// Runs every family at every rate in true-peak mode; `band` limits each family's content
/// first (None: full band). Returns the worst overshoot and the report lines.
fn true_peak_suite(band: Option<f64>, band_limit: bool) -> (f64, Vec<String>) {
    let mut worst = f64::NEG_INFINITY;
    let mut lines = Vec::new();
    for (ri, &rate) in RATES.iter().enumerate() {
        let mut worst_here = (f64::NEG_INFINITY, "");
        for (i, fam) in families(rate).iter().enumerate() {
            let (l, r) = match band {
                Some(b) => (band_limited(&fam.left, b), band_limited(&fam.right, b)),
                None => (fam.left.clone(), fam.right.clone()),
            };
            let plan = plan(rate, ri, i, fam, true, band_limit);
            let over = overshoot_db(&run(rate, &plan, &l, &r));
            lines.push(format!(
                "{rate} Hz, {:>4} ms, release {:>6.1} ms{}{}, {}: {over:+.4} dB",
                plan.start.lookahead_ms,
                plan.start.release_ms,
                if plan.start.auto_release {
                    " (auto)"
                } else {
                    ""
                },
                if plan.changes.is_empty() {
                    ""
                } else {
                    ", automated"
                },
                fam.name
            ));
            if over > worst_here.0 {
                worst_here = (over, fam.name);
            }
        }
        lines.push(format!(
            "{rate} Hz worst: {:+.4} dB ({})",
            worst_here.0, worst_here.1
        ));
        worst = worst.max(worst_here.0);
    }
    (worst, lines)
}

/// The guarantee: content up to 0.47 fs never leaves more than 0.02 dB over the ceiling,
/// measured by the FFT reference meter over the whole suite.
#[test]
fn true_peak_mode_holds_the_ceiling_on_the_suite() {
    let (worst, lines) = true_peak_suite(Some(GUARANTEED_BAND), false);
    println!("{}", lines.join("\n"));
    println!("worst true-peak overshoot, content to {GUARANTEED_BAND} fs: {worst:+.4} dB");
    assert!(worst <= GUARANTEE_DB, "{worst:+.4} dB over the ceiling");
}

/// Outside the guarantee: the same suite with the families' full band, energy up to Nyquist
/// included. The detector is blind above about 0.48 fs, so this is a measurement with a bound
/// kept close to it, so it cannot silently get worse.
#[test]
fn true_peak_overshoot_with_content_up_to_nyquist() {
    let (worst, lines) = true_peak_suite(None, false);
    println!("{}", lines.join("\n"));
    println!("worst true-peak overshoot, full band: {worst:+.4} dB");
    assert!(
        worst <= FULL_BAND_BOUND_DB,
        "{worst:+.4} dB over the ceiling"
    );
}

/// With the band limit on, the guarantee covers any content: the full-band suite.
#[test]
fn the_band_limit_holds_the_ceiling_on_any_content() {
    let (worst, lines) = true_peak_suite(None, true);
    println!("{}", lines.join("\n"));
    println!("worst true-peak overshoot, full band, band limit on: {worst:+.4} dB");
    assert!(worst <= GUARANTEE_DB, "{worst:+.4} dB over the ceiling");
}

/// Sample-peak mode: no sample over the ceiling in force, ever, on the full-band suite.
#[test]
fn sample_peak_mode_never_lets_a_sample_over() {
    for (ri, &rate) in RATES.iter().enumerate() {
        for (i, fam) in families(rate).iter().enumerate() {
            let plan = plan(rate, ri, i, fam, false, false);
            let out = run(rate, &plan, &fam.left, &fam.right);
            for ch in [&out.left, &out.right] {
                for (n, (&y, &c)) in ch.iter().zip(&out.ceiling).enumerate() {
                    // The limiter's own f32 ceiling may sit a rounding above the f64 one.
                    assert!(
                        (y.abs() as f64) <= c * (1.0 + 1e-6),
                        "{} at {rate} Hz: sample {n} is {y}, ceiling {c}",
                        fam.name
                    );
                }
            }
        }
    }
}

#[test]
fn below_the_ceiling_the_output_is_the_input_delayed_bit_exactly() {
    for rate in RATES {
        for true_peak in [true, false] {
            let mut lim = Limiter::new(
                rate,
                &LimiterParams {
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
            &LimiterParams {
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
        &LimiterParams {
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
