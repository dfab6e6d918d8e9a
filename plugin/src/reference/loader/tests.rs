use super::align::align;
use super::*;
use lacquer_testkit::wav;

fn temp(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("lacquer-ref-{}-{name}", std::process::id()))
}

fn write_wav(
    path: &Path,
    rate: u32,
    channels: u16,
    frames: usize,
    f: impl Fn(usize, usize) -> f32,
) {
    wav::write(path, rate, channels, frames, wav::Format::I16, f);
}

fn never() -> bool {
    false
}

/// A mono file is stored once; loudness and true peak come from Lacquer's meters; the
/// stored audio equals the file within the 16-bit block quantisation.
#[test]
fn loads_measures_and_stores_compactly() {
    let path = temp("mono.wav");
    let f = |n: usize, _| 0.25 * (std::f32::consts::TAU * 1000.0 * n as f32 / 48_000.0).sin();
    write_wav(&path, 48_000, 1, 48_000 * 6, f);
    let progress = AtomicF32::new(0.0);
    let Outcome::Loaded(l) = load_file(&path, None, 48_000, &progress, &never) else {
        panic!("not loaded")
    };
    let a = &l.audio;
    // EBU Tech 3341's calibration: a 1 kHz sine of peak A on both channels reads
    // 20 log10 A LUFS.
    let expected = 20.0 * 0.25f64.log10();
    let worst = (0..a.frames as i64)
        .map(|p| (a.frame(p).0 - f(p as usize, 0)).abs())
        .fold(0.0f32, f32::max);
    println!(
        "{}: {} channel(s) stored, {} bytes, integrated {:.2} LUFS (expected {expected:.2}), \
         true peak {:.2} dBTP, worst sample error {worst:.2e}",
        l.message,
        a.channels,
        a.bytes(),
        a.integrated_lufs,
        l.measured.true_peak_dbtp.unwrap()
    );
    assert_eq!(a.channels, 1);
    assert!((a.integrated_lufs - expected).abs() < 0.05);
    assert!((l.measured.true_peak_dbtp.unwrap() - -12.04).abs() < 0.1);
    // 16-bit quantisation plus its conversion from the file's own 16 bits.
    assert!(worst < 1.5 / 32767.0 + 0.5 / 32767.0, "{worst}");
    assert!(progress.load(Relaxed) > 0.99);
    std::fs::remove_file(path).ok();
}

/// The README's figures: a 5-minute stereo 44.1 kHz reference loaded for a 48 kHz session
/// (bytes held, seconds to decode, resample, measure and store). Slow; run with
/// `--ignored --nocapture`.
#[test]
#[ignore]
fn five_minute_reference_memory_and_load_time() {
    let path = temp("five-minutes.wav");
    let f = |n: usize, c: usize| {
        let t = n as f32 / 44_100.0;
        0.3 * (std::f32::consts::TAU * (110.0 + 40.0 * c as f32) * t).sin()
            + 0.2 * (std::f32::consts::TAU * 3_000.0 * t * (1.0 + 0.001 * t)).sin()
    };
    write_wav(&path, 44_100, 2, 300 * 44_100, f);
    let progress = AtomicF32::new(0.0);
    let start = Instant::now();
    let Outcome::Loaded(l) = load_file(&path, None, 48_000, &progress, &never) else {
        panic!("not loaded")
    };
    let took = start.elapsed().as_secs_f64();
    let bytes = l.audio.bytes();
    println!(
        "5:00 stereo 44.1 kHz -> 48 kHz: {bytes} bytes ({:.1} MB; eight: {:.0} MB), \
         loaded in {took:.2} s ({:.0}x realtime)",
        bytes as f64 / 1e6,
        8.0 * bytes as f64 / 1e6,
        300.0 / took
    );
    assert_eq!(l.audio.frames, 300 * 48_000);
    std::fs::remove_file(path).ok();
}

/// An earlier version of the mix (other level, a gentle low-pass, 1.7 s later in its file)
/// is found at the exact frame.
#[test]
fn alignment_finds_the_exact_offset() {
    let rate = 48_000usize;
    let mut seed = 99u64;
    let mut noise = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
    };
    // "Music": noise through a resonant-ish smoother, with a slow level swell.
    let mut y = 0.0f32;
    let mix: Vec<f32> = (0..rate * 40)
        .map(|n| {
            y = 0.9 * y + 0.1 * noise();
            y * (1.0 + 0.5 * (n as f32 / 24_000.0).sin())
        })
        .collect();
    let lead = (1.7 * rate as f64) as usize + 13;
    // Another level, a zero-phase softening and a little noise of its own.
    let reference: Vec<f32> = (0..rate * 60)
        .map(|m| {
            let at = |k: i64| {
                let i = m as i64 - lead as i64 + k;
                if i >= 0 && (i as usize) < mix.len() {
                    mix[i as usize]
                } else {
                    0.0
                }
            };
            0.6 * (0.25 * at(-1) + 0.5 * at(0) + 0.25 * at(1)) + 0.002 * noise()
        })
        .collect();
    let audio = super::super::player::tests::audio_from(&reference, &reference, -14.0, vec![]);
    // The master's input heard from song position 20 s on (the song starts at 0).
    let start = 20 * rate;
    let capture = &mix[start..start + 10 * rate];
    let (offset, score) = align(capture, start as i64, &audio).expect("aligned");
    println!("offset {offset} (expected {lead}), match {score:.3}");
    assert_eq!(offset, lead as i64);
    assert!(score > 0.9);
}
