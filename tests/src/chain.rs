//! The mastering chain through the built `.clap`: every parameter survives a state round trip,
//! output does not depend on block sizes with every module working, and the null test holds in
//! every mode combination.

use crate::foundation::parsed as text;
use crate::host::{Automation, Host, ParamDesc};
use crate::signal::{noise, Rng, Stereo};
use clack_extensions::params::ParamInfoFlags;
use clack_host::utils::ClapId;

fn visible(host: &mut Host) -> Vec<ParamDesc> {
    host.params()
        .into_iter()
        .filter(|p| !p.flags.contains(ParamInfoFlags::IS_HIDDEN))
        .collect()
}

/// A random value for every visible parameter, except those that would make the render
/// meaningless (bypass, solo and mute) or hand work to the background thread mid-render.
fn random_settings(host: &mut Host, seed: u64) -> Vec<(ClapId, f64)> {
    let mut rng = Rng::new(seed);
    let mut changes: Vec<(ClapId, f64)> = visible(host)
        .into_iter()
        .filter(|p| {
            !["Bypass", "Solo", "Mute"]
                .iter()
                .any(|w| p.name.ends_with(w))
        })
        .map(|p| {
            let v = p.min + (p.max - p.min) * rng.unit();
            (p.id, if p.is_stepped() { v.round() } else { v })
        })
        .collect();
    for (name, value) in [
        ("Limiter On", "On"),
        ("Compressor On", "On"),
        ("Multiband On", "On"),
        ("Saturation On", "On"),
        ("EQ On", "On"),
        ("Dither On", "Off"),
    ] {
        changes.push(text(host, name, value));
    }
    changes
}

#[test]
fn every_parameter_survives_a_state_round_trip_bit_identically() {
    let rate = 48_000.0;
    let input = noise(17, 0.5, 48_000);
    for seed in [1, 2, 3] {
        let mut a = Host::new();
        let settings = random_settings(&mut a, seed);
        a.flush_inactive(&settings);
        let state = a.save_state();

        let mut b = Host::new();
        b.load_state(&state).expect("load state");
        for p in visible(&mut a) {
            assert_eq!(a.value(p.id), b.value(p.id), "{} differs", p.name);
        }
        a.activate(rate, 512);
        b.activate(rate, 512);
        let out_a = a.render_fixed(&input, 512, &[]);
        let out_b = b.render_fixed(&input, 512, &[]);
        assert!(out_a.is_finite());
        assert!(
            out_a.bit_identical(&out_b),
            "seed {seed}: max diff {}",
            out_a.max_abs_diff(&out_b)
        );
    }
}

#[test]
fn every_module_at_work_gives_the_same_audio_at_any_block_size() {
    let rate = 48_000.0;
    let input = noise(5, 0.7, 48_000);
    let prepare = |seed| {
        let mut host = Host::new();
        let mut settings = random_settings(&mut host, seed);
        // Minimum phase: a linear-phase redesign is asynchronous by nature.
        settings.push(text(&mut host, "EQ Phase Mode", "Minimum Phase"));
        host.flush_inactive(&settings);
        host.activate(rate, 4096);
        host
    };
    let mut reference_host = prepare(8);
    // Automation of settings that act immediately, at fixed frames.
    let automation: Vec<Automation> = [
        (3_001, "Compressor Threshold", "-30 dB"),
        (9_999, "EQ 3 Gain", "+6 dB"),
        (17_000, "Limiter Drive", "9 dB"),
        (17_000, "Width", "150 %"),
        (30_123, "Saturation Drive", "12 dB"),
        (40_000, "Output Gain", "-3 dB"),
    ]
    .iter()
    .map(|&(frame, name, value)| {
        let (id, value) = text(&mut reference_host, name, value);
        Automation { frame, id, value }
    })
    .collect();
    let reference = reference_host.render_fixed(&input, 64, &automation);
    assert!(reference.is_finite());
    for (k, sizes) in [
        vec![1usize],
        vec![7],
        vec![512],
        vec![4096],
        vec![3, 1000, 17, 64, 1, 222],
    ]
    .into_iter()
    .enumerate()
    {
        let mut host = prepare(8);
        let mut i = 0;
        let out = host.render(
            &input,
            &mut || {
                i += 1;
                sizes[i % sizes.len()]
            },
            &automation,
        );
        assert!(
            out.bit_identical(&reference),
            "block pattern {k} ({sizes:?}): max diff {}",
            out.max_abs_diff(&reference)
        );
    }
}

#[test]
fn null_test_holds_in_every_mode_combination() {
    let rate = 48_000.0;
    // Quiet enough that the limiter at 0 dBFS has nothing to do.
    let input = noise(23, 0.25, 24_000);
    let mut worst_db = f64::NEG_INFINITY;
    for eq_mode in [
        "Minimum Phase",
        "Linear Phase (low latency)",
        "Linear Phase (medium latency)",
        "Linear Phase (high latency)",
    ] {
        for oversampling in ["1x", "2x", "4x", "8x"] {
            for lookahead in ["0.5 ms", "10 ms"] {
                let mut host = Host::new();
                let settings: Vec<(ClapId, f64)> = [
                    ("EQ Phase Mode", eq_mode),
                    ("Saturation Oversampling", oversampling),
                    ("Limiter Lookahead", lookahead),
                    ("Compressor Lookahead", lookahead),
                    // Every module on, and neutral.
                    ("EQ On", "On"),
                    ("Saturation On", "On"),
                    ("Saturation Mix", "0 %"),
                    ("Compressor On", "On"),
                    ("Compressor Ratio", "1:1"),
                    ("Limiter On", "On"),
                    ("Limiter Ceiling", "0 dB"),
                    // Dither at 24 bits: its noise and the word length stay 1.5 LSB (-135
                    // dBFS) from the input, inside the bound.
                    ("Dither On", "On"),
                    ("Dither Bits", "24 bit"),
                    // The multiband's crossovers are an allpass by design (flat in magnitude,
                    // not a null: `neutral_bands_sum_flat` holds it); it stays off here, but
                    // its look-ahead still counts in the latency.
                    ("Multiband Lookahead", lookahead),
                ]
                .iter()
                .map(|&(name, value)| text(&mut host, name, value))
                .collect();
                host.flush_inactive(&settings);
                host.activate(rate, 512);
                let lat = host.latency() as usize;
                let long = Stereo {
                    left: input
                        .left
                        .iter()
                        .copied()
                        .chain(std::iter::repeat_n(0.0, lat))
                        .collect(),
                    right: input
                        .right
                        .iter()
                        .copied()
                        .chain(std::iter::repeat_n(0.0, lat))
                        .collect(),
                };
                let out = host.render_fixed(&long, 512, &[]);
                let err = (0..input.len()).fold(0.0f32, |m, i| {
                    m.max((out.left[i + lat] - input.left[i]).abs())
                        .max((out.right[i + lat] - input.right[i]).abs())
                });
                let err_db = 20.0 * (err as f64).log10();
                worst_db = worst_db.max(err_db);
                println!("{eq_mode}, {oversampling}, look-ahead {lookahead}: latency {lat}, null error {err_db:.1} dBFS");
                assert!(
                    err_db < -120.0,
                    "{eq_mode}, {oversampling}, {lookahead}: {err_db:.1} dBFS"
                );
            }
        }
    }
    println!("worst null error over every combination: {worst_db:.1} dBFS");
}

fn preset_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../presets")
}

/// Every shipped preset loads through the host's state interface and plays clean audio; the
/// loud one is audibly what it says.
#[test]
fn factory_presets_load_through_the_host_and_play() {
    let rate = 48_000.0;
    let input = crate::signal::sine(rate, 220.0, 0.25, 48_000);
    let mut count = 0;
    for entry in std::fs::read_dir(preset_dir()).expect("presets/") {
        let path = entry.unwrap().path();
        let bytes = crate::host::clap_state(&std::fs::read(&path).unwrap());
        let mut host = Host::new();
        host.load_state(&bytes)
            .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        host.activate(rate, 512);
        let out = host.render_fixed(&input, 512, &[]);
        assert!(out.is_finite(), "{}", path.display());
        let id = host.param("Limiter Drive").id;
        let value = host.value(id).unwrap();
        let drive = host.value_to_text(id, value).unwrap();
        println!(
            "{}: limiter drive {drive}, output peak {:.3}",
            path.display(),
            out.peak()
        );
        if path.ends_with("Loud Modern.json") {
            assert!(drive.starts_with("8.00"), "{drive}");
        }
        count += 1;
    }
    assert!(count >= 5, "{count} presets");
}

/// A state written by a newer Lacquer (a state format this build does not know) loads every
/// parameter at its default rather than guessing what the IDs mean now.
#[test]
fn a_future_state_loads_safe_defaults() {
    let bytes = std::fs::read(preset_dir().join("Loud Modern.json")).unwrap();
    let mut state: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    state["version"] = "9.0.0".into();
    state["fields"]["state_format"] = "7".into();
    let future = crate::host::clap_state(&serde_json::to_vec(&state).unwrap());

    let mut defaults = Host::new();
    let mut host = Host::new();
    host.load_state(&future).expect("loads (as defaults)");
    for p in visible(&mut host) {
        assert_eq!(
            host.value(p.id),
            defaults.value(p.id),
            "{} is not its default",
            p.name
        );
    }
}

/// Random automation of every automatable parameter (except the output stages, saturation,
/// which legitimately reshapes the waveform, and time constants), at random block sizes, on a
/// 100 Hz sine: the output stays finite, under the limiter's ceiling, and free of clicks.
///
/// A click is a break in the waveform or its slope, so the measure is the second difference
/// |x[n+1] - 2 x[n] + x[n-1]|: a step of d shows as d, while the 100 Hz sine's own is 9e-5.
/// Sample-to-sample steps are no measure here: the settings include Q 40 bells whose
/// legitimate ringing at 1 kHz moves 0.15 per sample.
///
/// Gains (input, EQ and multiband gains, makeup, dynamic ranges, limiter drive) are drawn from
/// +-12 dB, everything else over its full range. Over full +-24 dB ranges they stack to +30 dB
/// and more inside the chain (a Q 22 shelf's resonance at +35 dB, or +20 dB input into a +18 dB
/// shelf), and the plain onset of a 5 ms glide or a 10 ms attack at 40x full scale, seen through
/// a soloed multiband band or a high-pass that removes the sine itself, reaches 0.1 to 0.4.
///
/// Thirteen sequences (`SEED=n` runs one other), the limiter's ceiling, true-peak mode and band
/// limit among the parameters. Measured: worst 0.0101 (bound 0.02). What this test found: a
/// compressor stereo-mode switch applied the other mode's gains at once (0.074); a block split
/// sped an EQ glide up 4x (0.71); the limiter's second gain path resumed from a stale state when
/// unlinked (0.27); a 1-frame EQ sub-block after a split took
/// a whole sub-block's dynamic gain step (0.73); a steep low-pass gliding down from near Nyquist
/// interpolated between designs too far apart; every EQ glide started at full rate (a one-pole;
/// now two stages). With the EQ as it was before those fixes these sequences measure up to
/// 0.17. Over full ranges, 12 of the 13 now pass too (worst 0.093); seed 8 measures 0.49 (a
/// Q 22 shelf swinging 38 dB dynamically at +35 dB resonance, behind a 2.5 kHz high-pass and
/// 23 dB of limiter drive).
#[test]
fn random_automation_of_every_parameter_never_clicks() {
    const CLICK: f32 = 0.02;
    let rate = 48_000.0;
    let input = crate::signal::sine(rate, 100.0, 0.5, 96_000);
    let mut host = Host::active(rate, 1024);
    let params: Vec<ParamDesc> = visible(&mut host)
        .into_iter()
        .filter(|p| p.flags.contains(ParamInfoFlags::IS_AUTOMATABLE))
        .filter(|p| {
            // Time constants change how fast the gain follows, not the gain: switching a
            // compressor from 170 ms to 0.06 ms attack makes it catch up in three samples,
            // which is that setting's sound, not a fault of the automation.
            // The reference player is monitoring, not the chain (and plays nothing here).
            !p.name.ends_with("Attack")
                && !p.name.ends_with("Release")
                && !p.name.starts_with("Saturation")
                && !p.name.starts_with("Reference")
                // These bypass the limiter or act after it; the peak bound below needs it.
                && ![
                    "Output Gain",
                    "Gain-Matched Listening",
                    "Bypass",
                    "Limiter On",
                ]
                .contains(&p.name.as_str())
        })
        .collect();
    let gain_like = |name: &str| {
        ["Gain", "Makeup", "Dynamic Range", "Limiter Drive"]
            .iter()
            .any(|w| name.ends_with(w))
    };
    let ranges: Vec<(f64, f64)> = params
        .iter()
        .map(|p| {
            if gain_like(&p.name) {
                let lo = host.text_to_value(p.id, "-12 dB").unwrap().max(p.min);
                let hi = host.text_to_value(p.id, "12 dB").unwrap().min(p.max);
                (lo, hi)
            } else {
                (p.min, p.max)
            }
        })
        .collect();
    let seeds: Vec<u64> = match std::env::var("SEED").ok().and_then(|s| s.parse().ok()) {
        Some(seed) => vec![seed],
        None => std::iter::once(2024).chain(1..=12).collect(),
    };
    let mut worst_of_all = 0.0f32;
    for seed in seeds {
        let mut rng = Rng::new(seed);
        let mut automation: Vec<Automation> = (0..2000)
            .map(|_| {
                let k = rng.range(0, params.len() - 1);
                let (p, (lo, hi)) = (&params[k], ranges[k]);
                let v = lo + (hi - lo) * rng.unit();
                Automation {
                    frame: rng.range(0, input.len() - 1) as u64,
                    id: p.id,
                    value: if p.is_stepped() { v.round() } else { v },
                }
            })
            .collect();
        automation.sort_by_key(|a| a.frame);
        let mut host = Host::active(rate, 1024);
        let out = host.render(&input, &mut || rng.range(1, 1024), &automation);
        assert!(out.is_finite(), "seed {seed}");
        // From one sample after the latency: the right channel's sine starts at 0.42 (its
        // phase), a step of the input itself.
        let lat = host.latency() as usize;
        let second_difference = |w: &[f32]| (w[2] - 2.0 * w[1] + w[0]).abs();
        let worst = out.left[lat..]
            .windows(3)
            .chain(out.right[lat..].windows(3))
            .map(second_difference)
            .fold(0.0f32, f32::max);
        println!(
            "seed {seed}: {} parameters, {} events: peak {:.3}, worst second difference {worst:.4} (click bound {CLICK})",
            params.len(),
            automation.len(),
            out.peak()
        );
        if worst >= CLICK {
            // The events that reached the chain around the click.
            for ch in [&out.left, &out.right] {
                if let Some(i) = ch[lat..]
                    .windows(3)
                    .position(|w| second_difference(w) >= worst * 0.99)
                {
                    let i = i + lat;
                    println!("worst at frame {i}: {:?}", &ch[i.saturating_sub(3)..i + 4]);
                    for a in automation
                        .iter()
                        .filter(|a| (a.frame as i64 - (i - lat) as i64).abs() < 600)
                    {
                        let p = params.iter().find(|p| p.id == a.id).unwrap();
                        let t = host.value_to_text(a.id, a.value).unwrap_or_default();
                        println!("  frame {}: {} = {t}", a.frame, p.name);
                    }
                }
            }
        }
        // The ceiling moves over its range, up to 0 dBFS.
        assert!(out.peak() <= 1.0, "seed {seed}: peak {}", out.peak());
        worst_of_all = worst_of_all.max(worst);
        assert!(
            worst < CLICK,
            "seed {seed}: click, second difference {worst}"
        );
    }
    println!("worst over all sequences: {worst_of_all:.4}");
}

/// The settings A/B store (the inactive slot and which slot plays) travels in the plugin's
/// state: a project saved with slot B playing and A holding other settings reopens the same.
#[test]
fn settings_ab_slots_survive_a_project_reload() {
    let mut host = Host::active(48_000.0, 512);
    let saved = host.save_state();
    let mut state: serde_json::Value = crate::host::state_json(&saved);
    // Slot B plays; A holds a 6 dB limiter drive (the fields are strings of JSON, as nice-plug
    // persists them).
    state["fields"]["ab"] = serde_json::Value::String(
        r#"{"active":"B","inactive":{"lim_drive":{"f32":6.0}}}"#.to_string(),
    );
    let bytes = crate::host::clap_state(&serde_json::to_vec(&state).unwrap());
    let mut reopened = Host::active(48_000.0, 512);
    reopened.load_state(&bytes).unwrap();
    let again = reopened.save_state();
    let back: serde_json::Value = crate::host::state_json(&again);
    let ab: serde_json::Value =
        serde_json::from_str(back["fields"]["ab"].as_str().expect("ab field saved")).unwrap();
    println!("A/B store after reload: {ab}");
    assert_eq!(ab["active"], "B");
    assert_eq!(ab["inactive"]["lim_drive"]["f32"], 6.0);
}
