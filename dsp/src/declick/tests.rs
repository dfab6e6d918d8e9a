use super::*;
use lacquer_testkit::signal::Rng;
use std::f64::consts::TAU;

const RATE: f64 = 44_100.0;

/// Music-like stereo: overlapping notes with vibrato, attacks and decays, partials falling
/// off with frequency, and a little noise (a stand-in for an orchestral recording).
fn music(seconds: f64, seed: u64) -> (Vec<f32>, Vec<f32>) {
    let n = (seconds * RATE) as usize;
    let mut rng = Rng::new(seed);
    let (mut l, mut r) = (vec![0.0f64; n], vec![0.0f64; n]);
    let notes = (seconds * 6.0) as usize;
    for _ in 0..notes {
        let start = rng.below(n);
        let len = (0.3 + 1.5 * rng.unit()) * RATE;
        let f0 = 80.0 * 2f64.powf(rng.unit() * 4.5);
        let pan = rng.unit();
        let amp = 0.03 + 0.08 * rng.unit();
        let vib = 4.0 + 2.0 * rng.unit();
        let dur = len / RATE;
        for i in start..(start + len as usize).min(n) {
            let t = (i - start) as f64 / RATE;
            // A 50 ms release: notes end as played ones do, without a step.
            let release = ((dur - t) / 0.05).clamp(0.0, 1.0);
            let env = (1.0 - (-t * 40.0).exp()) * (-t * 1.5).exp() * release;
            let ph = TAU * f0 * t + 0.003 * f0 / vib * (TAU * vib * t).sin();
            let mut v = 0.0;
            for h in 1..=8 {
                v += (h as f64 * ph).sin() / (h * h) as f64;
            }
            l[i] += amp * env * v * (1.0 - pan);
            r[i] += amp * env * v * pan;
        }
    }
    let mut lp = (0.0, 0.0);
    for i in 0..n {
        lp.0 += 0.1 * (rng.bipolar() as f64 - lp.0);
        lp.1 += 0.1 * (rng.bipolar() as f64 - lp.1);
        l[i] += 0.003 * lp.0;
        r[i] += 0.003 * lp.1;
    }
    // Faded in and out: the recording neither starts nor stops with a step.
    let fade = (0.05 * RATE) as usize;
    for i in 0..fade {
        let g = i as f64 / fade as f64;
        for x in [&mut l, &mut r] {
            x[i] *= g;
            x[n - 1 - i] *= g;
        }
    }
    (
        l.iter().map(|&v| v as f32).collect(),
        r.iter().map(|&v| v as f32).collect(),
    )
}

/// Where a click sits: its first sample, width and channels (bit 0 left, bit 1 right).
struct Click {
    at: usize,
    width: usize,
    channels: u8,
}

/// Clicks of 1-23 samples, impulse, decaying, square and bipolar, 0.05-0.8, in the left,
/// right or both channels, at least 50 ms apart.
fn add_clicks(l: &mut [f32], r: &mut [f32], count: usize, seed: u64) -> Vec<Click> {
    let mut rng = Rng::new(seed);
    let spacing = l.len() / (count + 1);
    let mut clicks = Vec::new();
    for c in 0..count {
        let at = (c + 1) * spacing + rng.below(spacing / 4);
        let shape = rng.below(4);
        let width = if shape == 0 { 1 } else { 1 + rng.below(23) };
        let amp = (0.05 + 0.75 * rng.unit()) as f32 * if rng.unit() < 0.5 { -1.0 } else { 1.0 };
        let channels = 1 + rng.below(3) as u8;
        for i in 0..width {
            let v = match shape {
                0 => amp,
                1 => amp * (-(i as f32) / (width as f32 / 3.0)).exp(),
                2 => amp,
                _ => {
                    if i < width / 2 {
                        amp
                    } else {
                        -amp
                    }
                }
            };
            if channels & 1 != 0 {
                l[at + i] += v;
            }
            if channels & 2 != 0 {
                r[at + i] += v;
            }
        }
        clicks.push(Click {
            at,
            width,
            channels,
        });
    }
    clicks
}

fn run(params: &DeclickParams, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let mut d = Declicker::new(RATE, params);
    let pad = vec![0.0f32; LATENCY];
    let (mut ol, mut or) = ([l, &pad].concat(), [r, &pad].concat());
    for (a, b) in ol.chunks_mut(333).zip(or.chunks_mut(333)) {
        d.process(a, b);
    }
    (ol[LATENCY..].to_vec(), or[LATENCY..].to_vec())
}

/// Signal-to-error ratio of `y` against `clean` within 2 ms of each click, dB.
fn ser_db(clean: &[f32], y: &[f32], clicks: &[Click], ch: u8) -> f64 {
    let w = (0.002 * RATE) as usize;
    let (mut s, mut e) = (0.0f64, 0.0f64);
    for c in clicks.iter().filter(|c| c.channels & ch != 0) {
        for i in c.at.saturating_sub(w)..(c.at + c.width + w).min(clean.len()) {
            s += (clean[i] as f64).powi(2);
            e += (y[i] as f64 - clean[i] as f64).powi(2);
        }
    }
    10.0 * (s / e.max(1e-30)).log10()
}

#[test]
fn clicks_are_repaired_and_the_rest_is_untouched() {
    let (cl, cr) = music(20.0, 1);
    let (mut l, mut r) = (cl.clone(), cr.clone());
    let clicks = add_clicks(&mut l, &mut r, 160, 2);
    let (yl, yr) = run(&DeclickParams::default(), &l, &r);
    let before = (ser_db(&cl, &l, &clicks, 1) + ser_db(&cr, &r, &clicks, 2)) / 2.0;
    let after = (ser_db(&cl, &yl, &clicks, 1) + ser_db(&cr, &yr, &clicks, 2)) / 2.0;
    // Away from every click (and its repair's reach), the output is the input bit for bit.
    let reach = MAX_BURST + 8;
    let near = |i: usize| {
        clicks
            .iter()
            .any(|c| i + reach >= c.at && i <= c.at + c.width + reach)
    };
    let mut changed = 0usize;
    for i in (0..l.len()).filter(|&i| !near(i)) {
        changed += usize::from(yl[i].to_bits() != l[i].to_bits());
        changed += usize::from(yr[i].to_bits() != r[i].to_bits());
    }
    println!(
        "de-click: SER around clicks {before:.1} dB -> {after:.1} dB ({:+.1} dB); \
         {changed} samples changed away from clicks",
        after - before
    );
    assert!(after - before >= 15.0, "{before} -> {after}");
    assert_eq!(changed, 0);
}

#[test]
fn sensitivity_zero_changes_nothing() {
    let (mut l, mut r) = music(3.0, 3);
    add_clicks(&mut l, &mut r, 20, 4);
    let off = DeclickParams {
        sensitivity: 0.0,
        ..DeclickParams::default()
    };
    let (yl, yr) = run(&off, &l, &r);
    assert!(yl.iter().zip(&l).all(|(a, b)| a.to_bits() == b.to_bits()));
    assert!(yr.iter().zip(&r).all(|(a, b)| a.to_bits() == b.to_bits()));
}

#[test]
fn clicks_only_plays_what_is_removed() {
    let (mut l, mut r) = music(3.0, 5);
    add_clicks(&mut l, &mut r, 20, 6);
    let p = DeclickParams::default();
    let (yl, _) = run(&p, &l, &r);
    let listen = DeclickParams {
        clicks_only: true,
        ..p
    };
    let (dl, _) = run(&listen, &l, &r);
    assert!(dl
        .iter()
        .zip(yl.iter().zip(&l))
        .all(|(d, (y, x))| *d == *x - *y));
    assert!(dl.iter().any(|&d| d != 0.0));
}

#[test]
fn processing_never_allocates() {
    let (mut l, mut r) = music(1.0, 7);
    add_clicks(&mut l, &mut r, 10, 8);
    let mut d = Declicker::new(RATE, &DeclickParams::default());
    crate::no_alloc::assert_no_alloc(|| d.process(&mut l, &mut r));
    assert!(d.clicks_repaired() > 0);
}

#[test]
fn levinson_recovers_an_ar2_model() {
    // x[n] = 1.6 x[n-1] - 0.8 x[n-2] + white noise: the error filter is [1, -1.6, 0.8].
    let mut rng = Rng::new(9);
    let n = 200_000;
    let mut x = vec![0.0f64; n];
    for i in 2..n {
        x[i] = 1.6 * x[i - 1] - 0.8 * x[i - 2] + rng.bipolar() as f64;
    }
    let mut r = [0.0; 3];
    ar::autocorrelation(&x, &mut r);
    let (mut c, mut scratch) = ([0.0; 3], [0.0; 3]);
    assert!(ar::levinson(&r, &mut c, &mut scratch));
    println!("AR(2) fit: {c:?}");
    assert!(
        (c[1] + 1.6).abs() < 0.01 && (c[2] - 0.8).abs() < 0.01,
        "{c:?}"
    );
}

#[test]
fn cholesky_solves_a_positive_definite_system() {
    // [[4, 2, 0.4], [2, 5, 1], [0.4, 1, 3]] x = b for a known x.
    let a = [4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0];
    let x = [1.0, -2.0, 0.5];
    let mut b: Vec<f64> = (0..3)
        .map(|i| (0..3).map(|j| a[i * 3 + j] * x[j]).sum())
        .collect();
    let mut m = a;
    assert!(ar::cholesky_solve(&mut m, 3, 3, &mut b));
    assert!(
        b.iter().zip(&x).all(|(p, q)| (p - q).abs() < 1e-12),
        "{b:?}"
    );
    let mut singular = [1.0, 1.0, 1.0, 1.0];
    assert!(!ar::cholesky_solve(&mut singular, 2, 2, &mut [1.0, 2.0]));
}
