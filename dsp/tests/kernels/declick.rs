//! The de-clicker against the open reference, Debian's ffmpeg `adeclick` (AR model per 55 ms
//! window, 75 % overlap, order 2 %, threshold 2, least-squares interpolation), on the same
//! music-like material with the same 240 clicks, both measured in this run: the
//! signal-to-error ratio within 2 ms of each click, and how much each changes the music
//! away from the clicks (error power relative to the music there).

use lacquer_dsp::declick::{DeclickParams, Declicker, LATENCY};
use lacquer_dsp::Stage;
use lacquer_testkit::clicks::{add_clicks, music, ser_db, Click};
use lacquer_testkit::wav;
use std::path::PathBuf;
use std::process::Command;

const RATE: f64 = 44_100.0;

fn ours(l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let mut d = Declicker::new(RATE, &DeclickParams::default());
    let pad = vec![0.0f32; LATENCY];
    let (mut ol, mut or) = ([l, &pad].concat(), [r, &pad].concat());
    for (a, b) in ol.chunks_mut(512).zip(or.chunks_mut(512)) {
        d.process(a, b);
    }
    (ol[LATENCY..].to_vec(), or[LATENCY..].to_vec())
}

fn ffmpeg_adeclick(l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
    let dir = std::env::temp_dir().join(format!("lacquer-declick-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (input, output): (PathBuf, PathBuf) = (dir.join("in.wav"), dir.join("out.wav"));
    let sample = |n: usize, c: usize| if c == 0 { l[n] } else { r[n] };
    wav::write(&input, RATE as u32, 2, l.len(), wav::Format::F32, sample);
    let status = Command::new("ffmpeg")
        .args(["-nostdin", "-loglevel", "error", "-y", "-i"])
        .arg(&input)
        .args(["-af", "adeclick", "-c:a", "pcm_f32le"])
        .arg(&output)
        .status()
        .expect("ffmpeg is needed for this comparison (scripts/system-deps.sh --test installs it)");
    assert!(status.success(), "ffmpeg adeclick failed");
    let mut reader = hound::WavReader::open(&output).unwrap();
    let samples: Vec<f32> = reader.samples::<f32>().map(|s| s.unwrap()).collect();
    std::fs::remove_dir_all(&dir).ok();
    let out_l: Vec<f32> = samples.iter().step_by(2).copied().collect();
    let out_r: Vec<f32> = samples.iter().skip(1).step_by(2).copied().collect();
    assert_eq!(out_l.len(), l.len(), "adeclick changed the length");
    (out_l, out_r)
}

/// Error power away from the clicks (more than 5 ms from any) relative to the music there, dB.
fn change_away_db(clean: &[f32], y: &[f32], clicks: &[Click]) -> f64 {
    let reach = (0.005 * RATE) as usize;
    let near = |i: usize| {
        clicks
            .iter()
            .any(|c| i + reach >= c.at && i <= c.at + c.width + reach)
    };
    let (mut s, mut e) = (0.0f64, 0.0f64);
    for i in (0..clean.len()).filter(|&i| !near(i)) {
        s += (clean[i] as f64).powi(2);
        e += (y[i] as f64 - clean[i] as f64).powi(2);
    }
    if e == 0.0 {
        f64::NEG_INFINITY
    } else {
        10.0 * (e / s).log10()
    }
}

#[test]
fn de_click_beats_ffmpeg_adeclick_on_the_same_material() {
    let (cl, cr) = music(RATE, 30.0, 11);
    let (mut l, mut r) = (cl.clone(), cr.clone());
    let clicks = add_clicks(&mut l, &mut r, 240, 12);
    let ser = |yl: &[f32], yr: &[f32]| {
        (ser_db(RATE, &cl, yl, &clicks, 1) + ser_db(RATE, &cr, yr, &clicks, 2)) / 2.0
    };
    let before = ser(&l, &r);
    let (ol, or) = ours(&l, &r);
    let (fl, fr) = ffmpeg_adeclick(&l, &r);
    let (ours_gain, theirs_gain) = (ser(&ol, &or) - before, ser(&fl, &fr) - before);
    let ours_away = change_away_db(&cl, &ol, &clicks).max(change_away_db(&cr, &or, &clicks));
    let theirs_away = change_away_db(&cl, &fl, &clicks).max(change_away_db(&cr, &fr, &clicks));
    println!(
        "SER around 240 clicks: {before:.1} dB in; Lacquer {ours_gain:+.1} dB, ffmpeg adeclick \
         {theirs_gain:+.1} dB. Change away from clicks: Lacquer {ours_away:.1} dB, adeclick \
         {theirs_away:.1} dB"
    );
    assert!(ours_gain >= 15.0, "{ours_gain}");
    assert!(
        ours_gain > theirs_gain + 10.0,
        "{ours_gain} vs {theirs_gain}"
    );
    // Bit-identical away from the clicks: no error at all.
    assert_eq!(ours_away, f64::NEG_INFINITY, "{ours_away}");
}
