//! Reference tracks through the built plugin: states naming reference files (written here),
//! the A/B switch, the transport, level matching, loading while audio runs, and every kind of
//! bad file. The bundle aborts on any heap use in `process()`, so every render here also
//! proves the audio thread never allocated or freed.

use crate::host::{Automation, Host, SongTransport};
use crate::signal::Stereo;
use crate::wav;
use lacquer_dsp::loudness::LoudnessMeter;
use serde_json::{json, Value};
use std::f64::consts::TAU;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const RATE: f64 = 48_000.0;

fn test_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "lacquer-reference-tracks-{}-{name}",
        std::process::id()
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn state_json(host: &mut Host) -> Value {
    let saved = host.save_state();
    crate::host::state_json(&saved)
}

/// The host's current state with the reference slots and some parameters replaced.
fn state_with(host: &mut Host, slots: Value, params: &[(&str, Value)]) -> Vec<u8> {
    let mut state = state_json(host);
    state["fields"]["references"] = Value::String(json!({ "slots": slots }).to_string());
    for (id, v) in params {
        state["params"][*id] = v.clone();
    }
    crate::host::clap_state(&serde_json::to_vec(&state).unwrap())
}

fn references(host: &mut Host) -> Value {
    let state = state_json(host);
    serde_json::from_str(
        state["fields"]["references"]
            .as_str()
            .expect("references saved"),
    )
    .unwrap()
}

/// (state, message) of every slot, as the saved state reports them.
fn statuses(host: &mut Host) -> Vec<(String, String)> {
    references(host)["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["state"].as_str().unwrap_or("").to_string(),
                s["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// Wait until no slot is loading; `between` runs between looks (audio keeps playing there).
fn wait_settled(
    host: &mut Host,
    timeout: Duration,
    mut between: impl FnMut(&mut Host),
) -> Vec<(String, String)> {
    let start = Instant::now();
    loop {
        let s = statuses(host);
        if s.iter().all(|(state, _)| state != "loading") {
            return s;
        }
        assert!(
            start.elapsed() < timeout,
            "still loading after {timeout:?}: {s:?}"
        );
        between(host);
        std::thread::sleep(Duration::from_millis(10));
    }
}
fn write_wav(path: &Path, rate: u32, channels: u16, frames: usize, f: impl Fn(f64) -> (f32, f32)) {
    let sample = |n, c| {
        let (l, r) = f(n as f64 / rate as f64);
        if c % 2 == 0 {
            l
        } else {
            r
        }
    };
    wav::write(path, rate, channels, frames, wav::Format::F32, sample);
}

fn write_wav16(path: &Path, rate: u32, channels: u16, frames: usize) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for n in 0..frames * channels as usize {
        w.write_sample(((n % 200) as i16 - 100) * 50).unwrap();
    }
    w.finalize().unwrap();
}

/// A 16-bit AIFF (big-endian PCM, the rate as an 80-bit float).
fn write_aiff(path: &Path, rate: u32, frames: usize, f: impl Fn(f64) -> (f32, f32)) {
    let data = frames * 4;
    let mut b = Vec::new();
    b.extend_from_slice(b"FORM");
    b.extend_from_slice(&((4 + 26 + 16 + data) as u32).to_be_bytes());
    b.extend_from_slice(b"AIFFCOMM");
    b.extend_from_slice(&18u32.to_be_bytes());
    b.extend_from_slice(&2u16.to_be_bytes());
    b.extend_from_slice(&(frames as u32).to_be_bytes());
    b.extend_from_slice(&16u16.to_be_bytes());
    let e = 31 - rate.leading_zeros();
    b.extend_from_slice(&((16383 + e) as u16).to_be_bytes());
    b.extend_from_slice(&((rate as u64) << (63 - e)).to_be_bytes());
    b.extend_from_slice(b"SSND");
    b.extend_from_slice(&((8 + data) as u32).to_be_bytes());
    b.extend_from_slice(&[0u8; 8]);
    for n in 0..frames {
        let (l, r) = f(n as f64 / rate as f64);
        for v in [l, r] {
            b.extend_from_slice(&((v.clamp(-1.0, 1.0) * 32767.0).round() as i16).to_be_bytes());
        }
    }
    std::fs::write(path, b).unwrap();
}

/// The test reference: steady partials well inside the passband, different on each side.
fn partials(t: f64) -> (f32, f32) {
    let l = 0.30 * (TAU * 220.5 * t).sin()
        + 0.20 * (TAU * 1234.5 * t + 1.0).sin()
        + 0.10 * (TAU * 5000.3 * t + 2.0).sin();
    let r = 0.25 * (TAU * 330.7 * t + 0.5).sin()
        + 0.15 * (TAU * 2345.6 * t).sin()
        + 0.10 * (TAU * 7777.7 * t + 3.0).sin();
    (l as f32, r as f32)
}

fn slice(s: &Stereo, a: usize, b: usize) -> Stereo {
    Stereo {
        left: s.left[a..b].to_vec(),
        right: s.right[a..b].to_vec(),
    }
}

fn integrated(s: &Stereo, from: usize) -> f64 {
    let mut m = LoudnessMeter::new(RATE, 2);
    m.process_stereo(&s.left[from..], &s.right[from..]);
    m.integrated_lufs()
}

fn sizes() -> impl FnMut() -> usize {
    let cycle = [512usize, 333, 1024, 64, 700, 128];
    let mut i = 0;
    move || {
        i += 1;
        cycle[i % cycle.len()]
    }
}

/// A state names a 44.1 kHz reference (slot 2, offset 1.5 s) with the switch on. Through the
/// built plugin at 48 kHz, following a transport that starts at 3 s and jumps to 20 s, the
/// output is the resampled reference at song position - latency + offset, times one gain:
/// the master's integrated loudness minus the reference's. The output's integrated loudness
/// matches the master's.
#[test]
fn a_reference_follows_the_transport_at_the_masters_loudness() {
    let dir = test_dir("follow");
    let path = dir.join("earlier mix 44k1.wav");
    write_wav(&path, 44_100, 2, 40 * 44_100, partials);

    let frames = (12.0 * RATE) as usize;
    let jump_at = (6.0 * RATE) as usize;
    let (start_pos, jump_pos) = (3 * 48_000i64, 20 * 48_000i64);
    let input = crate::signal::noise(0x5eed, 0.2, frames);

    let render = |host: &mut Host| {
        host.transport = Some(SongTransport::playing_from(start_pos));
        let mut first = host.render(&slice(&input, 0, jump_at), &mut sizes(), &[]);
        host.transport.as_mut().unwrap().pos = jump_pos;
        let second = host.render(&slice(&input, jump_at, frames), &mut sizes(), &[]);
        first.left.extend(second.left);
        first.right.extend(second.right);
        first
    };
    let mut twin = Host::active(RATE, 1024);
    let master = render(&mut twin);

    let mut host = Host::active(RATE, 1024);
    let latency = host.latency() as i64;
    let state = state_with(
        &mut host,
        json!([{}, { "path": path, "offset_s": 1.5 }]),
        &[
            ("ref_listen", json!({ "bool": true })),
            ("ref_slot", json!({ "i32": 2 })),
        ],
    );
    host.load_state(&state).unwrap();
    let status = wait_settled(&mut host, Duration::from_secs(30), |_| {});
    println!("slot 2: {:?}", status[1]);
    assert_eq!(status[1].0, "ready");
    assert!(
        status[1].1.contains("resampled to 48 kHz"),
        "{}",
        status[1].1
    );
    let out = render(&mut host);

    // The reference as the test knows it, at the frame the song position asks for.
    let offset = (1.5 * RATE) as i64;
    let song = |n: usize| {
        if n < jump_at {
            start_pos + n as i64
        } else {
            jump_pos + (n - jump_at) as i64
        }
    };
    let expected = |n: usize| partials((song(n) - latency + offset) as f64 / RATE);
    let mut reference_meter = LoudnessMeter::new(RATE, 2);
    let analytic: Vec<(f32, f32)> = (0..40 * 48_000)
        .map(|n| partials(n as f64 / RATE))
        .collect();
    let (al, ar): (Vec<f32>, Vec<f32>) = analytic.into_iter().unzip();
    reference_meter.process_stereo(&al, &ar);
    let reference_lufs = reference_meter.integrated_lufs();
    let master_lufs = integrated(&master, 0);
    let gain_db = master_lufs - reference_lufs;

    // 100 ms windows from 2 s on (the level match needs the master's first loudness
    // readings), away from the seek's 10 ms crossfade.
    let window = 4_800;
    let (mut worst_residual, mut worst_gain) = (0.0f64, 0.0f64);
    let mut w = 2 * 48_000;
    while w + window <= frames {
        if (jump_at..jump_at + window).contains(&(w + window - 1))
            || (w..w + window).contains(&jump_at)
        {
            w += window;
            continue;
        }
        let (mut xy, mut yy) = (0.0f64, 0.0f64);
        for n in w..w + window {
            let (l, r) = expected(n);
            xy += out.left[n] as f64 * l as f64 + out.right[n] as f64 * r as f64;
            yy += l as f64 * l as f64 + r as f64 * r as f64;
        }
        let g = xy / yy;
        for n in w..w + window {
            let (l, r) = expected(n);
            worst_residual = worst_residual
                .max((out.left[n] as f64 - g * l as f64).abs())
                .max((out.right[n] as f64 - g * r as f64).abs());
        }
        if w >= 4 * 48_000 {
            worst_gain = worst_gain.max((20.0 * g.log10() - gain_db).abs());
        }
        w += window;
    }
    let out_lufs = integrated(&out, 2 * 48_000);
    let master_tail = integrated(&master, 2 * 48_000);
    println!(
        "reference {reference_lufs:.2} LUFS, master {master_lufs:.2} LUFS, level match \
         {gain_db:+.2} dB; per 100 ms window: worst residual {worst_residual:.2e} of a peak \
         near 0.6, worst gain error {worst_gain:.3} dB; output {out_lufs:.2} LUFS vs master \
         {master_tail:.2} LUFS (difference {:.3} LU)",
        out_lufs - master_tail
    );
    // The README's figures: 7.9e-5 per sample, 0.012 dB, 0.013 LU.
    assert!(worst_residual < 1.6e-4, "{worst_residual}");
    assert!(worst_gain < 0.025, "{worst_gain}");
    assert!(
        (out_lufs - master_tail).abs() < 0.03,
        "{out_lufs} vs {master_tail}"
    );
    std::fs::remove_dir_all(dir).ok();
}

/// The switch and the slot choice, automated at random frames, never make the output step
/// by more than the master's and the references' own steps plus the crossfade's slope
/// (gains move at most pi/2 per 20 ms); without the crossfade the steps would be a hundred
/// times that. Every settled stretch plays exactly the chosen source.
#[test]
fn switching_at_random_points_is_click_free() {
    let dir = test_dir("switch");
    let a_path = dir.join("a.wav");
    let b_path = dir.join("b.wav");
    let a = |t: f64| {
        let v = (0.8 * (TAU * 55.0 * t).sin()) as f32;
        (v, 0.9 * v)
    };
    let b = |t: f64| {
        let v = (0.8 * (TAU * 82.0 * t + 1.0).sin()) as f32;
        (0.9 * v, v)
    };
    write_wav(&a_path, 48_000, 2, 12 * 48_000, a);
    write_wav(&b_path, 48_000, 2, 12 * 48_000, b);
    let frames = 8 * 48_000;
    let input = crate::signal::sine(RATE, 40.0, 0.7, frames);

    let mut twin = Host::active(RATE, 512);
    twin.transport = Some(SongTransport::playing_from(0));
    let master = twin.render(&input, &mut sizes(), &[]);

    let mut host = Host::active(RATE, 512);
    let latency = host.latency() as i64;
    let state = state_with(
        &mut host,
        json!([{ "path": a_path }, { "path": b_path }]),
        &[("ref_true", json!({ "bool": true }))],
    );
    host.load_state(&state).unwrap();
    let status = wait_settled(&mut host, Duration::from_secs(30), |_| {});
    assert_eq!(
        (status[0].0.as_str(), status[1].0.as_str()),
        ("ready", "ready")
    );
    let listen = host.param("Reference Listen").id;
    let slot = host.param("Reference Slot").id;
    let mut seed = 12345u64;
    let mut automation = Vec::new();
    let mut frame = 0u64;
    let (mut on, mut which) = (false, 1);
    // (frame, listening, slot) from each change on.
    let mut timeline = vec![(0u64, false, 1)];
    while frame < frames as u64 - 48_000 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        frame += 200 + (seed >> 33) % 20_000;
        if (seed >> 20) & 1 == 0 {
            on = !on;
            automation.push(Automation {
                frame,
                id: listen,
                value: on as u8 as f64,
            });
        } else {
            which = 3 - which;
            automation.push(Automation {
                frame,
                id: slot,
                value: (which - 1) as f64,
            });
        }
        timeline.push((frame, on, which));
    }
    host.transport = Some(SongTransport::playing_from(0));
    let out = host.render(&input, &mut sizes(), &automation);

    let at = |f: &dyn Fn(f64) -> (f32, f32), n: usize| f((n as i64 - latency) as f64 / RATE);
    let step = std::f64::consts::FRAC_PI_2 / (0.020 * RATE);
    let (mut worst, mut hard) = (0.0f64, 0.0f64);
    let (mut settled, mut settled_err) = (0usize, 0.0f64);
    for ch in 0..2 {
        let pick = |v: (f32, f32)| if ch == 0 { v.0 } else { v.1 } as f64;
        let y = if ch == 0 { &out.left } else { &out.right };
        let m = if ch == 0 { &master.left } else { &master.right };
        for n in 1..frames {
            let (ra, rb) = (pick(at(&a, n)), pick(at(&b, n)));
            let (pa, pb) = (pick(at(&a, n - 1)), pick(at(&b, n - 1)));
            let (mn, mp) = (m[n] as f64, m[n - 1] as f64);
            let allowed = (mn - mp).abs()
                + (ra - pa).abs()
                + (rb - pb).abs()
                + step * (mn.abs() + ra.abs() + rb.abs())
                + 1e-4;
            worst = worst.max((y[n] as f64 - y[n - 1] as f64).abs() / allowed);
            hard = hard.max((mn - ra).abs().max((mn - rb).abs()) / allowed);
            // Settled: 25 ms after the last change.
            let last = timeline.iter().rev().find(|t| t.0 <= n as u64).unwrap();
            if n as u64 >= last.0 + 1_200 {
                let want = match (last.1, last.2) {
                    (false, _) => mn,
                    (true, 1) => ra,
                    _ => rb,
                };
                settled += 1;
                settled_err = settled_err.max((y[n] as f64 - want).abs());
            }
        }
    }
    println!(
        "{} changes: worst step {worst:.3} of the crossfade's allowance (a hard switch would \
         reach {hard:.0}); {settled} settled samples within {settled_err:.1e} of their source",
        automation.len()
    );
    assert!(automation.len() >= 20);
    assert!(worst <= 1.0, "{worst}");
    assert!(hard > 20.0);
    // The README's figure: 3.6e-5.
    assert!(settled_err < 7.5e-5, "{settled_err}");
    std::fs::remove_dir_all(dir).ok();
}

/// Loading references (WAV at 44.1 kHz, AIFF, a bad file) and replacing one while the master
/// plays changes no output sample, and the audio thread allocates and frees nothing while
/// taking the new audio and handing back the old (the bundle would abort).
#[test]
fn loading_while_playing_changes_no_processed_sample() {
    let dir = test_dir("live");
    let wav = dir.join("ref.wav");
    let aiff = dir.join("ref.aiff");
    let text = dir.join("notes.wav");
    write_wav(&wav, 44_100, 2, 20 * 44_100, partials);
    write_aiff(&aiff, 48_000, 10 * 48_000, partials);
    std::fs::write(&text, b"not audio").unwrap();
    let frames = 8 * 48_000;
    let block = 512;
    let mut input = crate::signal::noise(77, 0.3, frames);
    let tone = crate::signal::sine(RATE, 110.0, 0.3, frames);
    for (x, t) in input.left.iter_mut().zip(&tone.left) {
        *x += t;
    }

    let mut a = Host::active(RATE, block);
    let mut b = Host::active(RATE, block);
    a.transport = Some(SongTransport::playing_from(0));
    b.transport = a.transport;
    let first = state_with(
        &mut b,
        json!([{ "path": wav }, { "path": aiff }, { "path": text }]),
        &[],
    );
    let second = state_with(&mut b, json!([{ "path": aiff }]), &[]);
    let (mut out_a, mut out_b) = (input.clone(), input.clone());
    let mut ready_at = None;
    let mut replaced_at = None;
    let mut pos = 0;
    while pos < frames {
        let n = block.min(frames - pos);
        a.process_block(
            &mut out_a.left[pos..pos + n],
            &mut out_a.right[pos..pos + n],
            &[],
        );
        if pos == 50 * block {
            b.load_state(&first).unwrap();
        }
        if ready_at.is_some() && replaced_at.is_none() {
            b.load_state(&second).unwrap();
            replaced_at = Some(pos);
        }
        b.process_block(
            &mut out_b.left[pos..pos + n],
            &mut out_b.right[pos..pos + n],
            &[],
        );
        if pos > 50 * block && ready_at.is_none() && pos % (10 * block) == 0 {
            let s = statuses(&mut b);
            if s[..3].iter().all(|(state, _)| state != "loading") {
                ready_at = Some(pos);
            }
        }
        // Give the reference thread time to work while the audio runs.
        std::thread::sleep(Duration::from_micros(1500));
        pos += n;
    }
    let s = wait_settled(&mut b, Duration::from_secs(10), |_| {});
    println!(
        "loaded during playback by {:.2} s, replaced at {:.2} s: {s:?}",
        ready_at.unwrap_or(0) as f64 / RATE,
        replaced_at.unwrap_or(0) as f64 / RATE
    );
    assert!(
        ready_at.is_some() && replaced_at.is_some(),
        "loads did not finish while playing"
    );
    assert_eq!(s[0].0, "ready");
    assert!(out_a.bit_identical(&out_b), "a processed sample changed");
    std::fs::remove_dir_all(dir).ok();
}

/// Every kind of bad file gets its own clear message in its slot, and audio keeps flowing.
#[test]
fn bad_files_each_get_their_message() {
    let dir = test_dir("bad");
    let text = dir.join("text.wav");
    std::fs::write(&text, b"this is a shopping list, not audio").unwrap();
    let truncated = dir.join("truncated.wav");
    write_wav16(&truncated, 48_000, 2, 48_000);
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let empty = dir.join("empty.wav");
    write_wav16(&empty, 48_000, 2, 0);
    let hi_rate = dir.join("384k.wav");
    write_wav(&hi_rate, 384_000, 2, 2 * 384_000, partials);
    let eight = dir.join("8ch.wav");
    write_wav16(&eight, 48_000, 8, 4_800);
    // An hour of 8 kHz mono: the header says so; the file is sparse (zeros) on disk.
    let hour = dir.join("hour.wav");
    write_wav16(&hour, 8_000, 1, 0);
    {
        let frames = 3600u32 * 8_000;
        let mut b = std::fs::read(&hour).unwrap();
        let data = frames * 2;
        b[4..8].copy_from_slice(&(36 + data).to_le_bytes());
        let at = b.len() - 4;
        b[at..].copy_from_slice(&data.to_le_bytes());
        std::fs::write(&hour, &b).unwrap();
        let f = std::fs::OpenOptions::new().write(true).open(&hour).unwrap();
        f.set_len(b.len() as u64 + data as u64).unwrap();
    }
    let missing = dir.join("gone.flac");
    let folder = dir.join("a folder.wav");
    std::fs::create_dir_all(&folder).unwrap();

    let mut host = Host::active(RATE, 512);
    host.transport = Some(SongTransport::playing_from(0));
    let paths = [
        &text, &truncated, &empty, &hi_rate, &eight, &hour, &missing, &folder,
    ];
    let slots: Vec<Value> = paths.iter().map(|p| json!({ "path": p })).collect();
    let state = state_with(&mut host, Value::Array(slots), &[]);
    host.load_state(&state).unwrap();
    let input = crate::signal::noise(5, 0.3, 512);
    let mut blocks = 0;
    let started = Instant::now();
    let s = wait_settled(&mut host, Duration::from_secs(60), |h| {
        let mut buf = input.clone();
        h.process_block(&mut buf.left, &mut buf.right, &[]);
        assert!(buf.is_finite());
        blocks += 1;
    });
    for (p, (state, message)) in paths.iter().zip(&s) {
        println!(
            "{:>14}: {state}: {message}",
            p.file_name().unwrap().to_string_lossy()
        );
    }
    println!(
        "settled in {:.2} s with {blocks} blocks of audio in between",
        started.elapsed().as_secs_f64()
    );
    let expect = [
        ("failed", "not an audio file"),
        ("failed", "truncated"),
        ("failed", "no audio"),
        ("ready", "384 kHz stereo, 0:02, resampled to 48 kHz"),
        ("failed", "8 channels"),
        ("failed", "is 60:00 long"),
        ("missing", "missing - relink"),
        ("failed", "folder"),
    ];
    for (i, ((state, message), (want_state, want))) in s.iter().zip(expect).enumerate() {
        assert_eq!(state, want_state, "slot {}: {message}", i + 1);
        assert!(
            message.contains(want),
            "slot {}: {message:?} lacks {want:?}",
            i + 1
        );
    }
    std::fs::remove_dir_all(dir).ok();
}

/// A session whose files were changed or moved reopens with those slots "missing - relink"
/// and everything else as saved: other slots, paths, offsets, loop regions, the reference
/// parameters and the rest of the plugin.
#[test]
fn a_missing_or_changed_file_keeps_everything_else() {
    let dir = test_dir("missing");
    let paths: Vec<PathBuf> = (1..=3).map(|i| dir.join(format!("ref{i}.wav"))).collect();
    for p in &paths {
        write_wav(p, 48_000, 2, 5 * 48_000, partials);
    }
    let mut host = Host::active(RATE, 512);
    let slots = json!([
        { "path": paths[0], "offset_s": -0.25, "loop_start_s": 1.0, "loop_end_s": 2.0 },
        { "path": paths[1], "offset_s": 0.75 },
        { "path": paths[2], "loop_start_s": 0.5, "loop_end_s": 4.5 },
    ]);
    let params = [
        ("ref_slot", json!({ "i32": 3 })),
        ("ref_level", json!({ "string": "short_term" })),
        ("ref_mode", json!({ "string": "loop" })),
        ("ref_true", json!({ "bool": true })),
        ("lim_drive", json!({ "f32": 3.0 })),
    ];
    let state = state_with(&mut host, slots, &params);
    host.load_state(&state).unwrap();
    let s = wait_settled(&mut host, Duration::from_secs(30), |_| {});
    assert!(s[..3].iter().all(|(st, _)| st == "ready"), "{s:?}");
    let saved = host.save_state();
    let before = references(&mut host);

    // The first file is re-rendered (same name, other audio); the second is moved away.
    write_wav(&paths[0], 48_000, 2, 5 * 48_000, |t| {
        let (l, r) = partials(t);
        (0.5 * l, 0.5 * r)
    });
    std::fs::rename(&paths[1], dir.join("moved.wav")).unwrap();

    let mut reopened = Host::active(RATE, 512);
    reopened.load_state(&saved).unwrap();
    let s = wait_settled(&mut reopened, Duration::from_secs(30), |_| {});
    for (i, (state, message)) in s.iter().take(3).enumerate() {
        println!("slot {}: {state}: {message}", i + 1);
    }
    assert_eq!(s[0].0, "missing");
    assert!(s[0].1.starts_with("missing - relink") && s[0].1.contains("changed"));
    assert_eq!(s[1].0, "missing");
    assert!(s[1].1.starts_with("missing - relink") && s[1].1.contains("not found"));
    assert_eq!(s[2].0, "ready");
    let after = references(&mut reopened);
    for i in 0..3 {
        for key in [
            "path",
            "offset_s",
            "loop_start_s",
            "loop_end_s",
            "fingerprint",
        ] {
            assert_eq!(
                after["slots"][i][key],
                before["slots"][i][key],
                "slot {} {key}",
                i + 1
            );
        }
    }
    let state = state_json(&mut reopened);
    for (id, v) in params {
        assert_eq!(state["params"][id], v, "{id}");
    }
    std::fs::remove_dir_all(dir).ok();
}

/// One-pole low-pass of `x` at `hz`.
fn low_pass(x: &[f32], hz: f64) -> Vec<f32> {
    let a = (-TAU * hz / RATE).exp() as f32;
    let mut y = 0.0f32;
    x.iter()
        .map(|&v| {
            y = (1.0 - a) * v + a * y;
            y
        })
        .collect()
}

/// Long-term average power of mid and side (Welch: Hann, 8192 points, 50 % overlap) in
/// bands `width` octaves wide around `centres`, dB.
fn ltas(s: &Stereo, from: usize, centres: &[f64], width: f64) -> Vec<[f64; 2]> {
    const N: usize = 8192;
    let fft = realfft::RealFftPlanner::<f64>::new().plan_fft_forward(N);
    let window: Vec<f64> = (0..N)
        .map(|i| 0.5 - 0.5 * (TAU * i as f64 / N as f64).cos())
        .collect();
    let mut power = [vec![0.0f64; N / 2 + 1], vec![0.0f64; N / 2 + 1]];
    let mut buf = vec![0.0f64; N];
    let mut spec = fft.make_output_vec();
    let mut start = from;
    while start + N <= s.len() {
        for (lane, p) in power.iter_mut().enumerate() {
            for i in 0..N {
                let (l, r) = (s.left[start + i] as f64, s.right[start + i] as f64);
                let v = if lane == 0 { l + r } else { l - r };
                buf[i] = 0.5 * v * window[i];
            }
            fft.process(&mut buf, &mut spec).unwrap();
            for (acc, c) in p.iter_mut().zip(&spec) {
                *acc += c.norm_sqr();
            }
        }
        start += N / 2;
    }
    let bin = RATE / N as f64;
    centres
        .iter()
        .map(|&f| {
            let (lo, hi) = (f * 2f64.powf(-width / 2.0), f * 2f64.powf(width / 2.0));
            let a = (lo / bin).ceil() as usize;
            let b = ((hi / bin).floor() as usize).max(a);
            let band =
                |p: &[f64]| 10.0 * (p[a..=b].iter().sum::<f64>() / (b - a + 1) as f64).log10();
            [band(&power[0]), band(&power[1])]
        })
        .collect()
}

/// The match EQ on generated material: a master of white noise (flat mid and side) learns
/// against a reference whose mid has a low shelf and whose side is quieter with less low end.
/// Frozen and applied at 100 % (tonal and width), the master's long-term mid and side spectra
/// come within 1 dB of the reference's (shapes: one level offset taken out) in 1/6-octave
/// bands from 40 Hz to 16 kHz; at 0 % the output is bit-identical to a plugin without it.
#[test]
fn match_eq_brings_the_master_within_1_db_of_the_reference() {
    let dir = test_dir("match");
    let path = dir.join("reference.wav");
    let frames = 60 * 48_000;
    let w1 = crate::signal::noise(0xabc, 0.3, frames).left;
    let w2 = crate::signal::noise(0xdef, 0.3, frames).left;
    let lp1 = low_pass(&w1, 300.0);
    let lp2 = low_pass(&w2, 1_000.0);
    let mid: Vec<f32> = w1.iter().zip(&lp1).map(|(w, l)| w + 0.8 * l).collect();
    let side: Vec<f32> = w2
        .iter()
        .zip(&lp2)
        .map(|(w, l)| 0.7 * (w - 0.4 * l))
        .collect();
    let reference = Stereo {
        left: mid.iter().zip(&side).map(|(m, s)| m + s).collect(),
        right: mid.iter().zip(&side).map(|(m, s)| m - s).collect(),
    };
    write_wav(&path, 48_000, 2, frames, |t| {
        let n = (t * RATE).round() as usize;
        (reference.left[n], reference.right[n])
    });

    let learn_frames = 60 * 48_000;
    let master = crate::signal::noise(0x1234, 0.1, learn_frames);
    let mut host = Host::active(RATE, 1024);
    let state = state_with(
        &mut host,
        json!([{ "path": path }]),
        &[("ref_match_learn", json!({ "bool": true }))],
    );
    host.load_state(&state).unwrap();
    let s = wait_settled(&mut host, Duration::from_secs(30), |_| {});
    assert_eq!(s[0].0, "ready", "{s:?}");
    // Learn while the master plays (paced so the reference thread hears all of it).
    let mut learned = master.clone();
    let mut pos = 0;
    while pos < learn_frames {
        let n = 1024.min(learn_frames - pos);
        host.process_block(
            &mut learned.left[pos..pos + n],
            &mut learned.right[pos..pos + n],
            &[],
        );
        std::thread::sleep(Duration::from_micros(800));
        pos += n;
    }
    let started = Instant::now();
    let curve = loop {
        let c = references(&mut host)["match_curve"].clone();
        if c["learned_s"].as_f64().unwrap_or(0.0) > 0.97 * learn_frames as f64 / RATE {
            break c;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "curve: {c}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let bands = curve["bands"].as_u64().unwrap();
    println!(
        "learned from {:.1} s of the master: {bands} bands",
        curve["learned_s"].as_f64().unwrap()
    );

    // Freeze, then 100 %: the master again (other noise of the same kind).
    let learn = host.param("Reference Match Learn").id;
    let amount = host.param("Reference Match Amount").id;
    let width = host.param("Reference Width Match Amount").id;
    let play = crate::signal::noise(0x5678, 0.1, 40 * 48_000);
    let out = host.render(
        &play,
        &mut || 1024,
        &[
            Automation {
                frame: 0,
                id: learn,
                value: 0.0,
            },
            Automation {
                frame: 0,
                id: amount,
                value: 1.0,
            },
            Automation {
                frame: 0,
                id: width,
                value: 1.0,
            },
        ],
    );
    let centres: Vec<f64> = (0..=((16_000.0f64 / 40.0).log2() * 6.0) as usize)
        .map(|k| 40.0 * 2f64.powf(k as f64 / 6.0))
        .collect();
    let got = ltas(&out, 5 * 48_000, &centres, 1.0 / 6.0);
    let want = ltas(&reference, 0, &centres, 1.0 / 6.0);
    let before = ltas(&play, 5 * 48_000, &centres, 1.0 / 6.0);
    let shape_error = |a: &[[f64; 2]]| {
        let offset = a.iter().zip(&want).map(|(x, y)| x[0] - y[0]).sum::<f64>() / a.len() as f64;
        let mut worst = [0.0f64; 2];
        for (x, y) in a.iter().zip(&want) {
            for lane in 0..2 {
                worst[lane] = worst[lane].max((x[lane] - y[lane] - offset).abs());
            }
        }
        worst
    };
    let (after_err, before_err) = (shape_error(&got), shape_error(&before));
    println!(
        "40 Hz-16 kHz, 1/6-octave bands, level offset removed: before the match mid {:.2} dB, \
         side {:.2} dB from the reference; at 100 % mid {:.2} dB, side {:.2} dB",
        before_err[0], before_err[1], after_err[0], after_err[1]
    );
    assert!(
        before_err[0] > 3.0 && before_err[1] > 3.0,
        "the test material differs"
    );
    // The README's figures: 0.3 dB (mid) and 0.5 dB (side).
    assert!(after_err[0] < 0.6 && after_err[1] < 1.0, "{after_err:?}");

    // At 0 % the learned, frozen curve changes nothing.
    let mut state = state_json(&mut host);
    state["params"]["ref_match_learn"] = json!({ "bool": false });
    state["params"]["ref_match_amt"] = json!({ "f32": 0.0 });
    state["params"]["ref_width_amt"] = json!({ "f32": 0.0 });
    let saved = crate::host::clap_state(&serde_json::to_vec(&state).unwrap());
    let mut with_curve = Host::active(RATE, 1024);
    with_curve.load_state(&saved).unwrap();
    wait_settled(&mut with_curve, Duration::from_secs(30), |_| {});
    let has_curve = references(&mut with_curve)["match_curve"]["bands"].as_u64() == Some(bands);
    let mut plain = Host::active(RATE, 1024);
    let short = slice(&play, 0, 10 * 48_000);
    let a = with_curve.render(&short, &mut sizes(), &[]);
    let b = plain.render(&short, &mut sizes(), &[]);
    println!(
        "at 0 %: the frozen curve is loaded ({has_curve}); bit-identical: {}",
        a.bit_identical(&b)
    );
    assert!(has_curve);
    assert!(a.bit_identical(&b));
    std::fs::remove_dir_all(dir).ok();
}
