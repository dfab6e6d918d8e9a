//! The offline renderer (`lacquer`, crate `lacquer-render`) through its binary: bit-identical
//! to the built `.clap`, latency-compensated with its tail rendered, `--normalize` checked by an
//! independent meter (Debian's `ebur128`, package ebumeter), dither and word length, sample-rate
//! conversion quality, albums (strategy, CUE sheet, parallel == serial) and every refusal with
//! its message and exit code.
//!
//! The binary comes from `cargo build --profile testbundle -p lacquer-render` (scripts/test.sh
//! builds it), found as `target/testbundle/lacquer` or `$LACQUER_RENDER_BIN`.

use crate::foundation::parsed as text;
use crate::host::Host;
use crate::measure::sine_amplitude;
use crate::signal::{noise, Rng, Stereo};
use std::f64::consts::TAU;
use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> PathBuf {
    let path = std::env::var_os("LACQUER_RENDER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/testbundle/lacquer")
        });
    assert!(
        path.exists(),
        "{} is missing: build it with `cargo build --profile testbundle -p lacquer-render`",
        path.display()
    );
    path
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("lacquer-render-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn lacquer(args: &[&str]) -> Run {
    lacquer_env(args, &[])
}

fn lacquer_env(args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(bin());
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("running lacquer");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ok(args: &[&str]) -> Run {
    let r = lacquer(args);
    assert_eq!(
        r.code, 0,
        "lacquer {args:?} failed:\n{}{}",
        r.stdout, r.stderr
    );
    r
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn write_f32(path: &Path, rate: u32, x: &Stereo) {
    let sample = |n: usize, c: usize| if c == 0 { x.left[n] } else { x.right[n] };
    crate::wav::write(path, rate, 2, x.len(), crate::wav::Format::F32, sample);
}

/// Any WAV as float samples (integers scaled by 2^(bits-1)), with its spec.
fn read_wav(path: &Path) -> (hound::WavSpec, Stereo) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    let v: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => r.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let scale = (1u64 << (spec.bits_per_sample - 1)) as f32;
            r.samples::<i32>()
                .map(|s| s.unwrap() as f32 / scale)
                .collect()
        }
    };
    let left = v.iter().step_by(2).copied().collect();
    let right = v.iter().skip(1).step_by(2).copied().collect();
    (spec, Stereo { left, right })
}

fn report(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Program-like material: filtered noise, a kick and a chord, in sections of different level.
fn music(rate: f64, seconds: f64, seed: u64, level_db: f64) -> Stereo {
    let frames = (rate * seconds) as usize;
    let mut rng = Rng::new(seed);
    let (mut lp_l, mut lp_r) = (0.0f64, 0.0f64);
    let mut out = Stereo::silence(frames);
    for n in 0..frames {
        let t = n as f64 / rate;
        let section = if ((t / 2.0) as usize).is_multiple_of(2) {
            0.0
        } else {
            -6.0
        };
        let env = 10f64.powf((level_db + section) / 20.0);
        let beat = (t * 2.0).fract();
        let kick = (-beat * 30.0).exp() * (TAU * 55.0 * beat).sin();
        let wl = rng.bipolar() as f64;
        let wr = 0.7 * wl + 0.3 * rng.bipolar() as f64;
        lp_l += 0.05 * (wl - lp_l);
        lp_r += 0.05 * (wr - lp_r);
        let tone = 0.3 * (TAU * 220.0 * t).sin() + 0.15 * (TAU * 330.0 * t).sin();
        out.left[n] = (env * (2.0 * lp_l + 0.8 * kick + tone)).clamp(-1.0, 1.0) as f32;
        out.right[n] = (env * (2.0 * lp_r + 0.8 * kick + 0.9 * tone)).clamp(-1.0, 1.0) as f32;
    }
    out
}

fn db(x: f64) -> f64 {
    20.0 * x.log10()
}

#[test]
fn a_render_equals_the_clap_bit_for_bit_latency_compensated_with_its_tail() {
    let rate = 48_000u32;
    let d = dir("identity");
    // A non-trivial setting: a factory preset with the EQ in linear phase (ringing both
    // sides, thousands of frames of latency), saved by the plugin itself.
    let preset = std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../presets/Loud Modern.json"),
    )
    .unwrap();
    let stream = crate::host::clap_state(&preset);
    let mut host = Host::new();
    host.load_state(&stream).expect("preset loads");
    let mode = text(&mut host, "EQ Phase Mode", "Linear Phase (medium latency)");
    let bell = text(&mut host, "EQ 4 On", "On");
    let gain = text(&mut host, "EQ 4 Gain", "6 dB");
    host.flush_inactive(&[mode, bell, gain]);
    let state = host.save_state();
    let state_path = d.join("song.clapstate");
    std::fs::write(&state_path, &state).unwrap();

    let input = music(rate as f64, 3.0, 7, -14.0);
    let in_path = d.join("in.wav");
    let out_path = d.join("out.wav");
    write_f32(&in_path, rate, &input);
    let state_arg = p(&state_path);
    ok(&[
        "render",
        p(&in_path),
        "-o",
        p(&out_path),
        "--state",
        state_arg,
        "--bits",
        "32f",
        "-q",
    ]);
    let (spec, rendered) = read_wav(&out_path);
    assert_eq!(spec.sample_format, hound::SampleFormat::Float);
    let json = report(&d.join("out.lacquer.json"));
    let latency = json["latency_frames"].as_u64().unwrap() as usize;
    let tail = json["tail_frames"].as_u64().unwrap() as usize;

    host.activate(rate as f64, 512);
    assert_eq!(
        host.latency() as usize,
        latency,
        "the renderer's latency is the plugin's"
    );
    let mut padded = input.clone();
    // One second more than the render holds, to look past its end.
    padded
        .left
        .resize(rendered.len() + latency + rate as usize, 0.0);
    padded
        .right
        .resize(rendered.len() + latency + rate as usize, 0.0);
    let mut clap = host.render_fixed(&padded, 512, &[]);
    clap.left.drain(..latency);
    clap.right.drain(..latency);
    let beyond: f32 = clap.left[rendered.len()..]
        .iter()
        .chain(&clap.right[rendered.len()..])
        .fold(0.0, |m, x| m.max(x.abs()));
    clap.left.truncate(rendered.len());
    clap.right.truncate(rendered.len());
    println!(
        "input {} frames, render {} frames (latency {latency} compensated, tail {tail} frames \
         = {:.1} ms); max |render - clap| = {:e}; the clap beyond the render's end peaks at {:.1} dBFS",
        input.len(),
        rendered.len(),
        tail as f64 * 1000.0 / rate as f64,
        rendered.max_abs_diff(&clap),
        db(beyond as f64)
    );
    assert!(latency > 1000, "linear phase has latency: {latency}");
    assert_eq!(rendered.len(), input.len() + tail);
    assert!(
        tail > 0,
        "the linear-phase ringing after the end is rendered"
    );
    assert!(
        rendered.bit_identical(&clap),
        "render differs from the .clap"
    );
    // Nothing audible was cut: past the tail the plugin's output is at the silence floor.
    assert!(db(beyond as f64) < -100.0);

    // Alignment, shown directly: bypassed (the input delayed by the latency), the render is the
    // input, bit for bit, at any latency.
    let mut impulse = Stereo::silence(20_000);
    impulse.left[1000] = 1.0;
    impulse.right[1234] = -0.5;
    write_f32(&in_path, rate, &impulse);
    let out2 = d.join("bypass.wav");
    ok(&[
        "render",
        p(&in_path),
        "-o",
        p(&out2),
        "--state",
        p(&state_path),
        "--set",
        "bypass=On",
        "--bits",
        "32f",
        "-q",
        "--no-report",
    ]);
    let (_, through) = read_wav(&out2);
    assert!(through.len() >= impulse.len());
    assert_eq!(through.left[..impulse.len()], impulse.left[..]);
    assert_eq!(through.right[..impulse.len()], impulse.right[..]);
    std::fs::remove_dir_all(&d).ok();
}

fn ebur128(path: &Path) -> Option<(f64, f64)> {
    let out = Command::new("ebur128")
        .args(["--lufs", "--full"])
        .arg(path)
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let get = |label: &str| {
        text.lines()
            .find(|l| l.starts_with(label))?
            .split_whitespace()
            .find_map(|w| w.parse::<f64>().ok())
    };
    Some((get("Integrated loudness")?, get("Peak level")?))
}

#[test]
fn normalize_lands_on_the_target_under_the_ceiling_by_an_independent_meter() {
    let rate = 48_000u32;
    let d = dir("normalize");
    assert!(
        Command::new("ebur128").arg("--help").output().is_ok(),
        "the reference meter `ebur128` (Debian package ebumeter) is missing: the README's test \
         command installs it"
    );
    // Quiet material pushed up into the limiter, and loud material brought down to broadcast.
    for (level, preset, target, lufs, ceiling) in [
        (-24.0, "Loud Modern", "spotify", -14.0, -1.0),
        (-10.0, "Transparent Streaming", "ebu-r128", -23.0, -1.0),
        (-20.0, "CD Master 16-bit", "apple-music", -16.0, -1.0),
    ] {
        let input = music(rate as f64, 8.0, 11, level);
        let in_path = d.join("in.wav");
        let out_path = d.join(format!("{target}.wav"));
        write_f32(&in_path, rate, &input);
        let (from, to) = (p(&in_path), p(&out_path));
        let delivery = [
            "--preset",
            preset,
            "--target",
            target,
            "--normalize",
            "--bits",
            "24",
        ];
        ok(&[&["render", from, "-o", to, "-q"][..], &delivery].concat());
        let json = report(&d.join(format!("{target}.lacquer.json")));
        let after_i = json["after"]["integrated_lufs"].as_f64().unwrap();
        let after_tp = json["after"]["true_peak_dbtp"].as_f64().unwrap();
        let n = &json["normalize"];
        println!(
            "{preset} -> {target}: Lacquer reads {after_i:.3} LUFS, {after_tp:.2} dBTP after {} \
             passes (drive {:.2} dB, output gain {:.2} dB)",
            n["passes"],
            n["drive_db"].as_f64().unwrap(),
            n["output_gain_db"].as_f64().unwrap()
        );
        assert!((after_i - lufs).abs() <= 0.05 + 1e-9);
        assert!(after_tp <= ceiling);
        let (i, peak) = ebur128(&out_path).expect("ebur128 output");
        println!("  ebur128 (Debian ebumeter) reads {i:.1} LUFS, true peak {peak:.1} dB");
        // ebur128 prints one decimal: allow its rounding on top of the 0.1 LU claim.
        assert!((i - lufs).abs() <= 0.1 + 0.05, "ebur128: {i} vs {lufs}");
        assert!(peak <= ceiling, "ebur128 peak {peak} over {ceiling}");
    }
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn integer_output_is_dithered_once_and_on_its_grid() {
    let rate = 44_100u32;
    let d = dir("dither");
    // A 1 kHz sine at -100 dBFS: a third of a 16-bit step. Rounding alone erases it; TPDF
    // dither keeps it, in noise of half a step RMS.
    let amp = 10f64.powf(-100.0 / 20.0);
    let n = rate as usize * 2;
    let mut x = Stereo::silence(n);
    for i in 0..n {
        let v = (amp * (TAU * 1000.0 * i as f64 / rate as f64).sin()) as f32;
        x.left[i] = v;
        x.right[i] = v;
    }
    let in_path = d.join("in.wav");
    write_f32(&in_path, rate, &x);
    let lsb = 1.0 / 32768.0;
    let render = |name: &str, extra: &[&str]| {
        let out = d.join(name);
        let mut args = vec![
            "render",
            p(&in_path),
            "-o",
            p(&out),
            "--set",
            "bypass=On",
            "-q",
        ];
        args.extend_from_slice(extra);
        ok(&args);
        let (spec, y) = read_wav(&out);
        (spec, y)
    };
    let (spec, dithered) = render("tpdf.wav", &["--bits", "16"]);
    assert_eq!(spec.bits_per_sample, 16);
    let a = sine_amplitude(&dithered.left[..n], rate as f64, 1000.0);
    let resid: f64 = dithered.left[..n]
        .iter()
        .enumerate()
        .map(|(i, &y)| {
            let s = amp * (TAU * 1000.0 * i as f64 / rate as f64).sin();
            (y as f64 - s).powi(2)
        })
        .sum::<f64>()
        / n as f64;
    let (_, rounded) = render("off.wav", &["--bits", "16", "--dither", "off"]);
    let rounded_peak = rounded.peak();
    println!(
        "-100 dBFS sine to 16 bit: TPDF keeps it at {:.2} dBFS with {:.3} LSB RMS of noise; \
         without dither the output peaks at {rounded_peak}",
        db(a),
        resid.sqrt() / lsb
    );
    assert!((db(a) + 100.0).abs() < 1.0, "{:.2}", db(a));
    assert!((resid.sqrt() / lsb - 0.5).abs() < 0.05);
    assert_eq!(rounded_peak, 0.0, "rounding alone erases it");

    // The chain's own dither (the CD Master preset: noise-shaped, 16 bit) is the last stage:
    // at 32-bit float its output already lies on the 16-bit grid, and the 16-bit file holds
    // exactly those samples (not dithered a second time).
    let music_in = d.join("music.wav");
    write_f32(&music_in, rate, &music(rate as f64, 2.0, 3, -18.0));
    let cd = |name: &str, bits: &str| {
        let out = d.join(name);
        ok(&[
            "render",
            p(&music_in),
            "-o",
            p(&out),
            "--preset",
            "CD Master 16-bit",
            "--bits",
            bits,
            "-q",
        ]);
        let json = report(&d.join(format!("{}.lacquer.json", name.trim_end_matches(".wav"))));
        println!("{bits}: {}", json["word_length"]);
        read_wav(&out).1
    };
    let float = cd("cd32.wav", "32f");
    let sixteen = cd("cd16.wav", "16");
    let off_grid = float
        .left
        .iter()
        .chain(&float.right)
        .filter(|&&v| (v * 32768.0).fract() != 0.0)
        .count();
    println!("CD Master at 32-bit float: {off_grid} samples off the 16-bit grid");
    assert_eq!(off_grid, 0);
    assert!(float.bit_identical(&sixteen));
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn converting_48k_to_44k1_keeps_a_sine_and_rejects_aliases() {
    let d = dir("resample");
    let (from, to) = (48_000.0, 44_100.0);
    let convert = |name: &str, x: &Stereo| -> Stereo {
        let i = d.join(format!("{name}-in.wav"));
        let o = d.join(format!("{name}-out.wav"));
        write_f32(&i, from as u32, x);
        ok(&[
            "render",
            p(&i),
            "-o",
            p(&o),
            "--set",
            "bypass=On",
            "--rate",
            "44100",
            "--bits",
            "32f",
            "-q",
            "--no-report",
        ]);
        let (spec, y) = read_wav(&o);
        assert_eq!(spec.sample_rate, 44_100);
        y
    };
    // 1 kHz at -6 dBFS.
    let n = (from * 2.0) as usize;
    let amp = 0.5;
    let mut sine = Stereo::silence(n);
    for i in 0..n {
        let v = (amp * (TAU * 1000.0 * i as f64 / from).sin()) as f32;
        sine.left[i] = v;
        sine.right[i] = v;
    }
    let y = convert("sine", &sine);
    assert_eq!(y.len(), (n as f64 * to / from).ceil() as usize);
    // Fit in the middle (any phase), away from the ends where the file starts and stops.
    let a = sine_amplitude(&y.left[y.len() / 4..3 * y.len() / 4], to, 1000.0);
    let change = db(a / amp);
    println!("1 kHz sine 48 -> 44.1 kHz: level change {change:+.7} dB");
    // The README's figure: 1.2e-5 dB.
    assert!(change.abs() < 2.5e-5, "{change:.1e} dB");

    // A sweep from 21 kHz to 24 kHz. Above 22.05 kHz it has no place at 44.1 kHz: an ideal
    // converter outputs silence there, and anything it does output is an alias folded down.
    let seconds = 3.0;
    let n = (from * seconds) as usize;
    let (f0, f1) = (21_000.0, 24_000.0);
    let mut sweep = Stereo::silence(n);
    let mut phase = 0.0f64;
    for i in 0..n {
        let f = f0 + (f1 - f0) * i as f64 / n as f64;
        phase += TAU * f / from;
        let v = (amp * phase.sin()) as f32;
        sweep.left[i] = v;
        sweep.right[i] = v;
    }
    let y = convert("sweep", &sweep);
    let window = 2048;
    let (mut worst_alias, mut at_21k) = (f64::NEG_INFINITY, 0.0);
    for start in (0..y.len() - window).step_by(window / 2) {
        let t0 = start as f64 / to;
        let t1 = (start + window) as f64 / to;
        let (fa, fb) = (f0 + (f1 - f0) * t0 / seconds, f0 + (f1 - f0) * t1 / seconds);
        let seg = &y.left[start..start + window];
        let rms = (seg.iter().map(|&v| v as f64 * v as f64).sum::<f64>() / window as f64).sqrt();
        let rel = db(rms.max(1e-20) / (amp / 2f64.sqrt()));
        if fa >= 22_300.0 && fb < 23_900.0 {
            worst_alias = worst_alias.max(rel);
        }
        if start > window && fb < 21_100.0 {
            at_21k = rel;
        }
    }
    println!(
        "21-24 kHz sweep 48 -> 44.1 kHz: 21 kHz passes at {at_21k:+.5} dB; while the sweep is \
         above 22.3 kHz the output (all alias) stays at or below {worst_alias:.1} dB"
    );
    // The README's figures: alias at most -137.5 dB, 21 kHz at 0.000 dB (the pass band's
    // ripple is under 4e-5 dB).
    assert!(worst_alias < -132.0, "{worst_alias:.1} dB");
    assert!(at_21k.abs() < 8e-5, "{at_21k:.1e} dB");
    std::fs::remove_dir_all(&d).ok();
}

/// CUE sheet: (file, [(track, title, isrc, index00 frames, index01 frames)]).
type CueTrack = (u32, String, Option<String>, Option<u64>, u64);

fn parse_cue(text: &str) -> (String, Vec<CueTrack>) {
    let frames = |t: &str| {
        let v: Vec<u64> = t.split(':').map(|x| x.parse().unwrap()).collect();
        assert_eq!(v.len(), 3, "MM:SS:FF, got {t}");
        assert!(v[1] < 60 && v[2] < 75, "{t}");
        (v[0] * 60 + v[1]) * 75 + v[2]
    };
    let mut file = String::new();
    let mut tracks: Vec<CueTrack> = Vec::new();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["FILE", rest @ ..] => {
                assert_eq!(rest.last(), Some(&"WAVE"));
                file = line.split('"').nth(1).unwrap().to_string();
            }
            ["TRACK", n, "AUDIO"] => {
                tracks.push((n.parse().unwrap(), String::new(), None, None, 0))
            }
            ["TITLE", ..] if !tracks.is_empty() => {
                tracks.last_mut().unwrap().1 = line.split('"').nth(1).unwrap().into()
            }
            ["ISRC", code] => tracks.last_mut().unwrap().2 = Some(code.to_string()),
            ["INDEX", "00", t] => tracks.last_mut().unwrap().3 = Some(frames(t)),
            ["INDEX", "01", t] => tracks.last_mut().unwrap().4 = frames(t),
            ["REM", ..] | ["PERFORMER", ..] | ["TITLE", ..] | ["CATALOG", _] => {}
            other => panic!("unexpected CUE line {other:?}"),
        }
    }
    (file, tracks)
}

#[test]
fn an_album_holds_its_strategy_writes_a_cue_sheet_and_renders_the_same_in_parallel() {
    let rate = 44_100u32;
    let d = dir("album");
    let levels = [-20.0, -27.0, -16.0];
    let mut files = Vec::new();
    for (i, level) in levels.iter().enumerate() {
        let path = d.join(format!("track{i}.wav"));
        write_f32(
            &path,
            rate,
            &music(rate as f64, 4.0 + i as f64, 20 + i as u64, *level),
        );
        files.push(path);
    }
    let manifest = d.join("album.toml");
    std::fs::write(
        &manifest,
        r#"title = "Test Album"
performer = "The Testers"
catalog = "0123456789012"
gap = 2.0

[[track]]
title = "Opening"
isrc = "USLAC2400001"

[[track]]
title = "Quiet One"
isrc = "USLAC2400002"
gap = 1.0

[[track]]
title = "Loud One"
isrc = "USLAC2400003"
"#,
    )
    .unwrap();
    let album = |out: &Path, jobs: &str, strategy: &str| -> serde_json::Value {
        let mut args = vec!["album"];
        args.extend(files.iter().map(|f| p(f)));
        args.extend_from_slice(&[
            "-o",
            p(out),
            "--manifest",
            p(&manifest),
            "--preset",
            "Transparent Streaming",
            "--target",
            "spotify",
            "--loudness",
            strategy,
            "--bits",
            "16",
            "--jobs",
            jobs,
        ]);
        let r = ok(&args);
        println!("{}", r.stdout);
        report(&out.join("album.lacquer.json"))
    };

    // Album strategy: relative levels kept, the loudest track on the target.
    let par = d.join("parallel");
    let json = album(&par, "2", "album");
    let tracks = json["tracks"].as_array().unwrap();
    let loudest = tracks
        .iter()
        .map(|t| t["after_lufs"].as_f64().unwrap())
        .fold(f64::NEG_INFINITY, f64::max);
    assert!(
        (loudest + 14.0).abs() <= 0.05 + 1e-9,
        "loudest at {loudest}"
    );
    for t in tracks {
        let (b, a) = (
            t["relative_before_lu"].as_f64().unwrap(),
            t["relative_after_lu"].as_f64().unwrap(),
        );
        println!(
            "track {}: relative level {b:+.2} LU before, {a:+.2} LU after",
            t["number"]
        );
        assert!((a - b).abs() <= 0.1, "relative level moved: {b} -> {a}");
    }

    // Serial gives the same bytes.
    let ser = d.join("serial");
    album(&ser, "1", "album");
    let mut names: Vec<_> = std::fs::read_dir(&par)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| !n.to_string_lossy().ends_with(".json"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 5, "{names:?}");
    for name in &names {
        let a = std::fs::read(par.join(name)).unwrap();
        let b = std::fs::read(ser.join(name)).unwrap();
        assert!(a == b, "{name:?} differs between 2 jobs and 1");
    }
    println!("parallel and serial renders identical: {names:?}");

    // The CUE sheet parses and its indexes land where the image holds each track.
    let cue = std::fs::read_to_string(par.join("album.cue")).unwrap();
    println!("{cue}");
    let (file, cues) = parse_cue(&cue);
    assert_eq!(file, "album.wav");
    assert_eq!(cues.len(), 3);
    let (_, image) = read_wav(&par.join("album.wav"));
    let cd_frame = rate as u64 / 75;
    let mut pos = 0u64;
    for (i, (n, title, isrc, index0, index1)) in cues.iter().enumerate() {
        assert_eq!(*n as usize, i + 1);
        let (_, track) = read_wav(&par.join(format!("{:02} {title}.wav", i + 1)));
        let gap = [0.0, 1.0, 2.0][i];
        if gap > 0.0 {
            assert_eq!(*index0, Some(pos / cd_frame));
            pos += (gap * rate as f64) as u64;
        } else {
            assert_eq!(*index0, None);
        }
        assert_eq!(*index1, pos / cd_frame, "track {n}");
        assert_eq!(pos % cd_frame, 0);
        let at = pos as usize;
        assert_eq!(
            image.left[at..at + track.len()],
            track.left[..],
            "track {n} in the image"
        );
        pos += (track.len() as u64).div_ceil(cd_frame) * cd_frame;
        assert!(isrc.as_deref().unwrap().starts_with("USLAC24"));
    }
    assert_eq!(image.len() as u64, pos);

    // Each strategy: every track on the target.
    let each = d.join("each");
    let json = album(&each, "2", "each");
    for t in json["tracks"].as_array().unwrap() {
        let a = t["after_lufs"].as_f64().unwrap();
        println!("each: track {} at {a:.3} LUFS", t["number"]);
        assert!((a + 14.0).abs() <= 0.05 + 1e-9);
    }
    std::fs::remove_dir_all(&d).ok();
}

/// (what, arguments, exit code, text the message holds, environment).
type Case<'a> = (&'a str, i32, &'a str, Vec<&'a str>, Vec<(&'a str, &'a str)>);

/// The folder holds exactly `names` (no partial or temporary files).
fn only(dir: &Path, names: &[&str]) {
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    found.sort();
    let mut want: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(found, want);
}

#[test]
fn every_bad_input_gets_one_clear_line_an_exit_code_and_no_partial_file() {
    let rate = 48_000u32;
    let d = dir("errors");
    let good = d.join("good.wav");
    write_f32(&good, rate, &noise(3, 0.3, rate as usize));
    let truncated = d.join("truncated.wav");
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let text_file = d.join("notes.wav");
    std::fs::write(&text_file, "these are not samples").unwrap();
    let surround = d.join("surround.wav");
    {
        let spec = hound::WavSpec {
            channels: 6,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&surround, spec).unwrap();
        for _ in 0..6000 {
            w.write_sample(0i16).unwrap();
        }
        w.finalize().unwrap();
    }
    let existing = d.join("existing.wav");
    std::fs::write(&existing, b"keep me").unwrap();
    let silent = d.join("silent.wav");
    write_f32(&silent, rate, &Stereo::silence(rate as usize));
    let out = d.join("out.wav");
    let missing = d.join("nope.wav");
    let flac_out = d.join("out.flac");
    let inputs = [
        "good.wav",
        "truncated.wav",
        "notes.wav",
        "surround.wav",
        "existing.wav",
        "silent.wav",
    ];

    // What is tried, the exit code and a word of the one-line message, the arguments.
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("missing input", 3, "cannot open", vec![p(&missing), "-o", p(&out)], vec![]),
        ("a folder as input", 3, "directory", vec![p(&d), "-o", p(&out)], vec![]),
        ("truncated input", 3, "truncated", vec![p(&truncated), "-o", p(&out)], vec![]),
        ("unsupported input", 3, "not an audio file", vec![p(&text_file), "-o", p(&out)], vec![]),
        ("six channels", 3, "6 channels", vec![p(&surround), "-o", p(&out)], vec![]),
        ("unknown preset", 2, "unknown preset",
            vec![p(&good), "-o", p(&out), "--preset", "Nope"], vec![]),
        ("unknown parameter", 2, "unknown parameter",
            vec![p(&good), "-o", p(&out), "--set", "warmth=11"], vec![]),
        ("bad value", 2, "cannot parse",
            vec![p(&good), "-o", p(&out), "--set", "lim_ceiling=loud"], vec![]),
        ("unknown target", 2, "unknown delivery target",
            vec![p(&good), "-o", p(&out), "--target", "mars"], vec![]),
        ("existing output", 4, "--force", vec![p(&good), "-o", p(&existing)], vec![]),
        ("input as output", 4, "same file", vec![p(&good), "-o", p(&good), "--force"], vec![]),
        ("full disk", 4, "No space left on device", vec![p(&good), "-o", p(&out)],
            vec![("LACQUER_TEST_DISK_BYTES", "100000")]),
        ("silence to normalise", 5, "silent",
            vec![p(&silent), "-o", p(&out), "--target", "spotify", "--normalize"], vec![]),
        ("float FLAC", 2, "FLAC holds integer",
            vec![p(&good), "-o", p(&flac_out), "--bits", "32f"], vec![]),
    ];
    for (what, code, needle, args, env) in cases {
        let args: Vec<&str> = std::iter::once("render").chain(args).collect();
        let r = lacquer_env(&args, &env);
        println!("{what}: exit {} | {}", r.code, r.stderr.trim_end());
        assert_eq!(r.code, code, "{what}: {}", r.stderr);
        assert_eq!(
            r.stderr.lines().count(),
            1,
            "{what}: one line, got {:?}",
            r.stderr
        );
        assert!(r.stderr.contains(needle), "{what}: {:?}", r.stderr);
        only(&d, &inputs);
    }
    assert_eq!(std::fs::read(&existing).unwrap(), b"keep me");
    // With --force the existing file is replaced, through the same temporary file.
    let r = lacquer(&[
        "render",
        p(&good),
        "-o",
        p(&existing),
        "--force",
        "-q",
        "--no-report",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_ne!(std::fs::read(&existing).unwrap(), b"keep me");
    only(&d, &inputs);
    std::fs::remove_dir_all(&d).ok();
}
