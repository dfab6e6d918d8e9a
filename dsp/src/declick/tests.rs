use super::*;
use lacquer_testkit::clicks::{add_clicks, music, ser_db};
use lacquer_testkit::signal::Rng;

const RATE: f64 = 44_100.0;

fn run(params: &DeclickParams, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let mut d = Declicker::new(RATE, params);
    let pad = vec![0.0f32; LATENCY];
    let (mut ol, mut or) = ([l, &pad].concat(), [r, &pad].concat());
    for (a, b) in ol.chunks_mut(333).zip(or.chunks_mut(333)) {
        d.process(a, b);
    }
    (ol[LATENCY..].to_vec(), or[LATENCY..].to_vec())
}

#[test]
fn clicks_are_repaired_and_the_rest_is_untouched() {
    let (cl, cr) = music(RATE, 20.0, 1);
    let (mut l, mut r) = (cl.clone(), cr.clone());
    let clicks = add_clicks(&mut l, &mut r, 160, 2);
    let (yl, yr) = run(&DeclickParams::default(), &l, &r);
    let before = (ser_db(RATE, &cl, &l, &clicks, 1) + ser_db(RATE, &cr, &r, &clicks, 2)) / 2.0;
    let after = (ser_db(RATE, &cl, &yl, &clicks, 1) + ser_db(RATE, &cr, &yr, &clicks, 2)) / 2.0;
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
    let (mut l, mut r) = music(RATE, 3.0, 3);
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
    let (mut l, mut r) = music(RATE, 3.0, 5);
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
    let (mut l, mut r) = music(RATE, 1.0, 7);
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
