use super::*;
use lacquer_testkit::measure::{sine_amplitude_from, sine_fit};
use lacquer_testkit::signal::{tone, white};
use std::f64::consts::TAU;

const RATE: f64 = 48_000.0;

fn rotator(rotation_deg: f64, freq_hz: f64) -> PhaseRotator {
    let p = PhaseParams {
        rotation_deg,
        freq_hz,
        dc_removal: false,
    };
    PhaseRotator::new(RATE, &p)
}

fn amp_phase(x: &[f32], first: usize, freq: f64) -> (f64, f64) {
    sine_fit(x, first, RATE, freq)
}

fn log_freqs(n: usize) -> Vec<f64> {
    (0..n)
        .map(|k| 20.0 * 1000f64.powf(k as f64 / (n - 1) as f64))
        .collect()
}

/// Magnitude flat within 0.01 dB and the set rotation within 1 degree at the set frequency,
/// for rotations across the range and set frequencies from 40 Hz to 4 kHz.
#[test]
fn rotation_is_all_pass_and_lands_on_the_set_angle() {
    let (mut worst_db, mut worst_deg) = (0.0f64, 0.0f64);
    for &freq_hz in &[40.0, 200.0, 1000.0, 4000.0] {
        for &deg in &[10.0, 45.0, 90.0, 135.0, 170.0] {
            for f in log_freqs(30).into_iter().chain([freq_hz]) {
                let n = (RATE as usize).max((40.0 * RATE / f) as usize);
                let x = tone(RATE, f, 0.5, n);
                let mut l = x.clone();
                let mut r = x.clone();
                rotator(deg, freq_hz).process(&mut l, &mut r);
                let tail = n / 2;
                let (a, ph) = amp_phase(&l[tail..], tail, f);
                let (a0, ph0) = amp_phase(&x[tail..], tail, f);
                worst_db = worst_db.max((20.0 * (a / a0).log10()).abs());
                if f == freq_hz {
                    let lag = (ph0 - ph).rem_euclid(360.0);
                    worst_deg = worst_deg.max((lag - deg).abs());
                    let analytic = allpass_lag_deg(allpass_coef(deg, freq_hz, RATE), f, RATE);
                    assert!((analytic - deg).abs() < 1e-9, "{analytic} vs {deg}");
                }
            }
        }
    }
    println!("rotator: magnitude within {worst_db:.5} dB, angle within {worst_deg:.4} degrees");
    assert!(worst_db < 0.01, "{worst_db}");
    assert!(worst_deg < 1.0, "{worst_deg}");
}

#[test]
fn zero_rotation_without_dc_removal_is_bit_identical() {
    let x = white(3, 0.5, 10_000);
    let mut l = x.clone();
    let mut r = x.clone();
    rotator(0.0, 200.0).process(&mut l, &mut r);
    assert!(l.iter().zip(&x).all(|(a, b)| a.to_bits() == b.to_bits()));
    assert!(r.iter().zip(&x).all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn a_full_rotation_is_a_polarity_flip_and_moving_there_never_jumps() {
    let x = tone(RATE, 100.0, 0.5, 96_000);
    let (mut l, mut r) = (x.clone(), x.clone());
    let mut p = rotator(0.0, 200.0);
    p.process(&mut l[..48_000], &mut r[..48_000]);
    p.set_params(&PhaseParams {
        rotation_deg: 180.0,
        freq_hz: 200.0,
        dc_removal: false,
    });
    p.process(&mut l[48_000..], &mut r[48_000..]);
    let end = &l[90_000..];
    assert!(end.iter().zip(&x[90_000..]).all(|(a, b)| *a == -*b));
    let step = lacquer_testkit::signal::max_step(&l);
    let own = lacquer_testkit::signal::max_step(&x);
    println!("glide to 180 degrees: largest step {step:.5} (the sine's own {own:.5})");
    assert!(step < 1.5 * own, "{step}");
}

#[test]
fn dc_removal_takes_out_an_offset_and_keeps_the_band() {
    let n = 4 * RATE as usize;
    let x: Vec<f32> = tone(RATE, 50.0, 0.3, n).iter().map(|v| v + 0.2).collect();
    let (mut l, mut r) = (x.clone(), x.clone());
    let p = PhaseParams {
        rotation_deg: 0.0,
        freq_hz: 200.0,
        dc_removal: true,
    };
    PhaseRotator::new(RATE, &p).process(&mut l, &mut r);
    let tail = &l[3 * RATE as usize..];
    let mean = tail.iter().map(|&v| v as f64).sum::<f64>() / tail.len() as f64;
    let a = sine_amplitude_from(tail, 3 * RATE as usize, RATE, 50.0);
    let loss_db = 20.0 * (a / 0.3).log10();
    println!("DC removal: offset 0.2 -> {mean:.2e}, 50 Hz {loss_db:.3} dB");
    assert!(mean.abs() < 1e-4);
    assert!(loss_db.abs() < 0.05, "{loss_db}");
}

/// A waveform with one polarity's peaks much higher than the other's (the fundamental and
/// its second harmonic in phase, as a voice or a kick): the learner's rotation lowers its
/// crest factor by at least 1.5 dB.
#[test]
fn auto_finds_a_rotation_that_lowers_the_crest_factor() {
    let n = 2 * RATE as usize;
    let f = 110.0;
    let x: Vec<f32> = (0..n)
        .map(|i| {
            let t = TAU * f * i as f64 / RATE;
            (0.4 * t.cos() + 0.3 * (2.0 * t).cos() + 0.15 * (3.0 * t).cos()) as f32
        })
        .collect();
    let mut learner = RotationLearner::new(RATE, 200.0, 1.0);
    let mut best = None;
    for c in x.chunks(512) {
        best = best.or(learner.feed(c, c));
    }
    let best = best.expect("learned");
    let (mut l, mut r) = (x.clone(), x.clone());
    rotator(best, 200.0).process(&mut l, &mut r);
    let crest = |v: &[f32]| {
        let v = &v[RATE as usize..];
        let peak = v.iter().fold(0.0f64, |m, &s| m.max(s.abs() as f64));
        let rms = (v.iter().map(|&s| s as f64 * s as f64).sum::<f64>() / v.len() as f64).sqrt();
        20.0 * (peak / rms).log10()
    };
    let (before, after) = (crest(&x), crest(&l));
    println!(
        "auto: rotation {best} degrees, crest {before:.2} dB -> {after:.2} dB ({:.2} dB lower)",
        before - after
    );
    assert!(before - after >= 1.5, "{before} -> {after}");
}

#[test]
fn the_rotator_never_allocates() {
    let mut p = rotator(90.0, 200.0);
    let (mut l, mut r) = (vec![0.1f32; 4096], vec![0.1f32; 4096]);
    crate::no_alloc::assert_no_alloc(|| p.process(&mut l, &mut r));
}

#[test]
fn params_validate_and_clamp() {
    assert!(PhaseParams::default().validate().is_ok());
    let bad = PhaseParams {
        rotation_deg: 200.0,
        freq_hz: f64::NAN,
        dc_removal: false,
    };
    assert!(bad.validate().is_err());
    let c = bad.clamped();
    assert_eq!(c.rotation_deg, 180.0);
    assert_eq!(c.freq_hz, PhaseParams::default().freq_hz);
    assert!(c.validate().is_ok());
}
