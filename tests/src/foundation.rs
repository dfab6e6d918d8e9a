//! Foundation: the built bundles load, describe themselves, process at every host setting,
//! automate sample-accurately, report latency truthfully, restore state exactly, never allocate
//! on the audio thread and flush denormals.

use crate::host::{descriptors, vst3_path, Automation, Host, PLUGIN_ID};
use crate::signal::{noise, sine, Rng, Stereo};
use crate::vst3_probe;

const RATES: [f64; 5] = [44_100.0, 48_000.0, 88_200.0, 96_000.0, 192_000.0];
const MAX_BLOCKS: [usize; 4] = [1, 64, 512, 4096];

fn db(x: f64) -> f64 {
    10f64.powf(x / 20.0)
}

/// The normalized value the plugin itself parses from `text` (so tests speak in dB, not in
/// the host's 0..1 scale).
/// A parameter's ID and the value its own parser gives `text` (shared by the test modules).
pub(crate) fn parsed(host: &mut Host, name: &str, text: &str) -> (clack_host::utils::ClapId, f64) {
    let p = host.param(name);
    let v = host
        .text_to_value(p.id, text)
        .unwrap_or_else(|| panic!("{name} does not parse {text:?}"));
    (p.id, v)
}

#[test]
fn factory_lists_exactly_one_plugin_with_stable_identity() {
    let list = descriptors();
    assert_eq!(list.len(), 1, "{list:?}");
    let d = &list[0];
    println!("{d:?}");
    assert_eq!(d.id, PLUGIN_ID);
    assert_eq!(d.name, "Lacquer");
    assert_eq!(d.vendor, "Lacquer Audio");
    assert_eq!(d.version, env!("CARGO_PKG_VERSION"));
    for feature in ["audio-effect", "stereo", "mastering"] {
        assert!(
            d.features.iter().any(|f| f == feature),
            "missing feature {feature}"
        );
    }
}

#[test]
fn vst3_factory_describes_an_fx_class() {
    let info = vst3_probe::read_factory(&vst3_path()).expect("reading the VST3 factory");
    println!("{info:?}");
    assert_eq!(info.vendor, "Lacquer Audio");
    let processor = info
        .classes
        .iter()
        .find(|c| c.category == "Audio Module Class")
        .expect("an audio processor class");
    assert_eq!(processor.name, "Lacquer");
    assert_eq!(processor.vendor, "Lacquer Audio");
    assert_eq!(processor.version, env!("CARGO_PKG_VERSION"));
    assert_eq!(
        processor.sub_categories.first().map(String::as_str),
        Some("Fx")
    );
    assert!(processor.sub_categories.iter().any(|s| s == "Mastering"));
    // The class ID is frozen: hosts store it in every project that uses the plugin.
    assert_eq!(&processor.cid, b"LacquerMasterFx1");
}

/// `out` is `input` delayed by `latency` samples (zeros before), bit for bit.
fn is_delayed_copy(out: &Stereo, input: &Stereo, latency: usize) -> bool {
    let delayed = Stereo {
        left: std::iter::repeat_n(0.0, latency)
            .chain(input.left.iter().copied())
            .take(input.len())
            .collect(),
        right: std::iter::repeat_n(0.0, latency)
            .chain(input.right.iter().copied())
            .take(input.len())
            .collect(),
    };
    out.bit_identical(&delayed)
}

#[test]
fn processes_at_every_rate_and_max_block_size() {
    for &rate in &RATES {
        for &max_block in &MAX_BLOCKS {
            let mut host = Host::active(rate, max_block);
            // Quiet enough that the default limiter (-1 dBTP) has nothing to do.
            let input = noise(7, 0.25, 9_000);
            let out = host.render_fixed(&input, max_block, &[]);
            let lat = host.latency() as usize;
            // Default settings are neutral: the input delayed by the latency, to the bit.
            assert!(
                is_delayed_copy(&out, &input, lat),
                "{rate} Hz, block {max_block}: not a pure delay of {lat}"
            );
        }
    }
}

#[test]
fn varying_block_sizes_in_one_run_give_the_same_audio() {
    let input = noise(11, 0.5, 48_000);
    let mut fixed = Host::active(48_000.0, 4096);
    let (id, v) = parsed(&mut fixed, "Input Gain", "-4.5 dB");
    let automation = [
        Automation {
            frame: 1_000,
            id,
            value: v,
        },
        Automation {
            frame: 20_000,
            id,
            value: parsed(&mut fixed, "Input Gain", "+7 dB").1,
        },
    ];
    let reference = fixed.render_fixed(&input, 64, &automation);

    let mut varying = Host::active(48_000.0, 4096);
    let mut rng = Rng::new(3);
    let out = varying.render(&input, &mut || rng.range(1, 4096), &automation);
    assert!(
        out.bit_identical(&reference),
        "max diff {}",
        out.max_abs_diff(&reference)
    );
}

#[test]
fn output_equals_input_times_gain_once_smoothing_settles() {
    let rate = 48_000.0;
    let mut host = Host::active(rate, 512);
    let (in_id, in_v) = parsed(&mut host, "Input Gain", "-6 dB");
    let (out_id, out_v) = parsed(&mut host, "Output Gain", "3.5 dB");
    let (_, out_later) = parsed(&mut host, "Output Gain", "-3 dB");
    let input = sine(rate, 997.0, 0.5, 96_000);
    let change = 48_000u64;
    let at = |frame, id, value| Automation { frame, id, value };
    let automation = [
        at(0, in_id, in_v),
        at(0, out_id, out_v),
        at(change, out_id, out_later),
    ];
    let out = host.render_fixed(&input, 512, &automation);
    let lat = host.latency() as usize;
    let worst_from = |from: usize, to: usize, gain_db: f64| {
        let gain = db(gain_db) as f32;
        let mut worst = 0.0f32;
        for i in from..to - lat {
            worst = worst.max((out.left[i + lat] - input.left[i] * gain).abs());
            worst = worst.max((out.right[i + lat] - input.right[i] * gain).abs());
        }
        worst
    };
    // Values present before anything was heard start where they are: exact from the first
    // sample, no glide from the defaults.
    let start = worst_from(0, change as usize, -6.0 + 3.5);
    // A change while playing glides over 20 ms; from 50 ms on the gain is exact again.
    let settled = change as usize + (0.05 * rate) as usize;
    let late = worst_from(settled, input.len(), -6.0 - 3.0);
    println!("worst |out - in*gain|: from the start {start:e}, 50 ms after the change {late:e}");
    assert!(
        start <= 1e-6,
        "the starting values glided in: worst error {start}"
    );
    assert!(late <= 1e-6, "worst error {late}");
    // And the glide moved smoothly: no step larger than the sine's own at the higher gain
    // (a jump of 6.5 dB would step by 0.37 at this level).
    let sine_step = 2.0 * (std::f64::consts::PI * 997.0 / rate).sin() * 0.5 * db(-2.5);
    let glide = &out.left[change as usize + lat - 10..settled + lat];
    let step = glide
        .windows(2)
        .fold(0.0f32, |m, w| m.max((w[1] - w[0]).abs()));
    println!("largest step in the glide {step}, the sine's own {sine_step}");
    assert!(step as f64 <= sine_step * 1.01);
}

#[test]
fn a_parameter_event_inside_a_block_takes_effect_at_that_sample() {
    let mut host = Host::active(48_000.0, 512);
    let (id, v) = parsed(&mut host, "Output Gain", "-12 dB");
    for offset in [1u32, 137, 300, 511] {
        let mut host = Host::active(48_000.0, 512);
        let lat = host.latency() as usize;
        let mut first_changed = None;
        for block in 0..4 {
            let mut l = vec![0.25f32; 512];
            let mut r = vec![-0.25f32; 512];
            let events = if block == 1 {
                vec![(offset, id, v)]
            } else {
                vec![]
            };
            host.process_block(&mut l, &mut r, &events);
            for (i, (&a, &b)) in l.iter().zip(&r).enumerate() {
                let frame = block * 512 + i;
                if frame >= lat && first_changed.is_none() && a != 0.25 {
                    assert!(a < 0.25 && b > -0.25);
                    first_changed = Some(frame);
                }
            }
        }
        // The change reaches the output exactly `latency` samples after its event.
        assert_eq!(
            first_changed,
            Some(512 + offset as usize + lat),
            "event at {offset}"
        );
    }
    drop(host);
}

#[test]
fn params_flush_works_without_processing() {
    let mut host = Host::new();
    let (id, v) = parsed(&mut host, "Input Gain", "-9 dB");
    host.flush_inactive(&[(id, v)]);
    let now = host.value(id).expect("value");
    assert!((now - v).abs() < 1e-9, "flushed {v}, reads {now}");
    let text = host.value_to_text(id, now).unwrap();
    assert!(text.starts_with("-9"), "{text}");

    // The flushed value is in force from the first processed sample.
    host.activate(48_000.0, 256);
    let lat = host.latency() as usize;
    let input = sine(48_000.0, 440.0, 0.5, 1024 + lat);
    let out = host.render_fixed(&input, 256, &[]);
    let gain = db(-9.0) as f32;
    let worst = (0..1024).fold(0.0f32, |m, i| {
        m.max((out.left[i + lat] - input.left[i] * gain).abs())
    });
    assert!(worst <= 1e-6, "worst {worst}");
}

/// The README's figure: at 48 kHz the default chain is one 64-frame block, the limiter's
/// 5 ms look-ahead with its band limit and detector, and the 4x saturation oversampler.
#[test]
fn the_default_latency_at_48_khz_is_525_samples() {
    let mut host = Host::active(48_000.0, 512);
    assert_eq!(host.latency(), 525);
}

#[test]
fn reported_latency_matches_the_audio() {
    for &rate in &[44_100.0, 96_000.0] {
        let mut host = Host::active(rate, 512);
        let latency = host.latency() as usize;
        let mut impulse = Stereo::silence(4096);
        impulse.left[100] = 1.0;
        impulse.right[100] = 1.0;
        let out = host.render_fixed(&impulse, 512, &[]);
        let peak_at = crate::measure::peak_index(&out.left);
        println!(
            "{rate} Hz: reported latency {latency}, impulse moved by {}",
            peak_at - 100
        );
        assert_eq!(peak_at, 100 + latency);
    }
}

#[test]
fn every_value_string_parses_back() {
    // The grid, then random values: clap-validator's fuzzer found "-0.00 dB" and a release
    // just under 1 s shown as "1.000 s" that read back as "1000.00 ms".
    let mut host = Host::new();
    let mut rng = Rng::new(77);
    for p in host.params() {
        for k in 0..=210 {
            let t = if k <= 10 { k as f64 / 10.0 } else { rng.unit() };
            let v = p.min + (p.max - p.min) * t;
            let v = if p.is_stepped() { v.round() } else { v };
            let text = host.value_to_text(p.id, v).expect("value_to_text");
            let back = host
                .text_to_value(p.id, &text)
                .unwrap_or_else(|| panic!("{}: {text:?} does not parse", p.name));
            let shown_again = host.value_to_text(p.id, back).unwrap();
            assert_eq!(text, shown_again, "{}: {v} -> {text:?} -> {back}", p.name);
            let negative_zero = text.strip_prefix('-').is_some_and(|rest| {
                let number = rest.split(' ').next().unwrap_or("");
                !number.is_empty() && number.bytes().all(|b| b == b'0' || b == b'.')
            });
            assert!(!negative_zero, "{}: {v} -> {text:?}", p.name);
        }
    }
}

#[test]
fn state_restores_into_a_fresh_instance_bit_identically() {
    let rate = 48_000.0;
    let input = noise(5, 0.7, 24_000);
    let mut a = Host::active(rate, 512);
    let (in_id, in_v) = parsed(&mut a, "Input Gain", "-3.25 dB");
    let (out_id, out_v) = parsed(&mut a, "Output Gain", "+5 dB");
    a.render_fixed(
        &Stereo::silence(4800),
        512,
        &[
            Automation {
                frame: 0,
                id: in_id,
                value: in_v,
            },
            Automation {
                frame: 0,
                id: out_id,
                value: out_v,
            },
        ],
    );
    let state = a.save_state();
    assert!(!state.is_empty());

    let mut b = Host::new();
    b.load_state(&state).expect("load state");
    for p in a.params() {
        assert_eq!(
            a.value(p.id),
            b.value(p.id),
            "{} differs after restore",
            p.name
        );
    }
    b.activate(rate, 512);
    a.deactivate();
    a.activate(rate, 512);
    let out_a = a.render_fixed(&input, 512, &[]);
    let out_b = b.render_fixed(&input, 512, &[]);
    assert!(
        out_a.bit_identical(&out_b),
        "max diff {}",
        out_a.max_abs_diff(&out_b)
    );
    assert!(
        !out_a.bit_identical(&input),
        "state must carry the non-default gains"
    );
}

/// A state loaded into a running instance (a session reload, a preset) starts at its values:
/// the audio after the load equals a fresh instance activated with that state, where a glide
/// from the old values would differ for tens of milliseconds. The limiter in true-peak mode
/// with its drive restored is the case that went over the ceiling in a DAW.
#[test]
fn a_state_loaded_while_running_starts_at_its_values() {
    let rate = 48_000.0;
    let input = noise(8, 0.9, 24_000);
    let mut source = Host::new();
    let (drive_id, drive) = parsed(&mut source, "Limiter Drive", "12 dB");
    let (ceiling_id, ceiling) = parsed(&mut source, "Limiter Ceiling", "-3 dB");
    source.flush_inactive(&[(drive_id, drive), (ceiling_id, ceiling)]);
    let state = source.save_state();

    let mut fresh = Host::new();
    fresh.load_state(&state).expect("load state");
    fresh.activate(rate, 512);
    let expected = fresh.render_fixed(&input, 512, &[]);

    let mut running = Host::active(rate, 512);
    running.render_fixed(&noise(9, 0.5, 9_600), 512, &[]);
    running.load_state(&state).expect("load state");
    let got = running.render_fixed(&input, 512, &[]);
    println!(
        "after a load while running: max difference to a fresh instance {:e}",
        got.max_abs_diff(&expected)
    );
    assert!(got.bit_identical(&expected), "the loaded values glided in");
    let peak_db = 20.0 * (got.peak() as f64).log10();
    assert!(
        peak_db <= -3.0 + 1e-6,
        "sample peak {peak_db} dB over a -3 dB ceiling"
    );
}

#[test]
fn a_corrupt_state_is_refused_and_changes_nothing() {
    let mut host = Host::new();
    let (id, v) = parsed(&mut host, "Input Gain", "-2 dB");
    host.flush_inactive(&[(id, v)]);
    let good = host.save_state();
    for bad in [
        b"".to_vec(),
        b"not a state".to_vec(),
        good[..good.len() / 2].to_vec(),
        vec![0xff; 4096],
    ] {
        let result = host.load_state(&bad);
        assert!(result.is_err(), "{} bytes of garbage accepted", bad.len());
        let now = host.value(id).unwrap();
        assert!(
            (now - v).abs() < 1e-9,
            "a refused state changed a parameter"
        );
    }
    host.activate(48_000.0, 64);
    assert!(host.render_fixed(&noise(1, 0.5, 1000), 64, &[]).is_finite());
}

#[test]
fn survives_deactivate_reactivate_cycles() {
    let mut host = Host::new();
    let input = noise(9, 0.25, 2_000);
    for cycle in 0..20 {
        let rate = RATES[cycle % RATES.len()];
        let block = MAX_BLOCKS[cycle % MAX_BLOCKS.len()];
        host.activate(rate, block);
        let out = host.render_fixed(&input, block, &[]);
        let lat = host.latency() as usize;
        assert!(is_delayed_copy(&out, &input, lat), "cycle {cycle}");
        host.deactivate();
    }
}

#[test]
fn a_thousand_random_automation_events_give_finite_bounded_output() {
    let mut host = Host::active(48_000.0, 1024);
    let params: Vec<_> = host
        .params()
        .into_iter()
        .filter(|p| {
            !p.flags
                .contains(clack_extensions::params::ParamInfoFlags::IS_HIDDEN)
        })
        .collect();
    let input = noise(21, 1.0, 96_000);
    let mut rng = Rng::new(99);
    let automation: Vec<Automation> = (0..1000)
        .map(|_| {
            let p = &params[rng.range(0, params.len() - 1)];
            let v = p.min + (p.max - p.min) * rng.unit();
            Automation {
                frame: rng.range(0, input.len() - 1) as u64,
                id: p.id,
                value: if p.is_stepped() { v.round() } else { v },
            }
        })
        .collect();
    let out = host.render(&input, &mut || rng.range(1, 1024), &automation);
    assert!(out.is_finite());
    // Two +24 dB trims are the most gain the chain can apply.
    let bound = input.peak() * db(48.0) as f32 * 1.001;
    println!("peak out {} (bound {bound})", out.peak());
    assert!(out.peak() <= bound);
}

#[test]
fn bypass_is_click_free_and_exact_when_settled() {
    let rate = 48_000.0;
    let mut host = Host::active(rate, 256);
    let (gain_id, gain_v) = parsed(&mut host, "Output Gain", "-12 dB");
    let bypass = host.param("Bypass");
    assert!(bypass
        .flags
        .contains(clack_extensions::params::ParamInfoFlags::IS_BYPASS));
    let input = sine(rate, 100.0, 0.5, 48_000);
    let out = host.render_fixed(
        &input,
        256,
        &[
            Automation {
                frame: 0,
                id: gain_id,
                value: gain_v,
            },
            Automation {
                frame: 24_000,
                id: bypass.id,
                value: 1.0,
            },
        ],
    );
    // Settled bypass is the input delayed by the reported latency (kept, so bypass never
    // shifts the audio), bit for bit.
    let lat = host.latency() as usize;
    // Bypass applies to the audio that arrived with it, so it reaches the output `lat` later.
    let tail = 24_000 + lat + (0.02 * rate) as usize;
    let settled = Stereo {
        left: out.left[tail..].to_vec(),
        right: out.right[tail..].to_vec(),
    };
    let dry = Stereo {
        left: input.left[tail - lat..input.len() - lat].to_vec(),
        right: input.right[tail - lat..input.len() - lat].to_vec(),
    };
    assert!(
        settled.bit_identical(&dry),
        "settled bypass differs by {}",
        settled.max_abs_diff(&dry)
    );
    // The transition is a fade: no sample step beyond what the sine itself does plus the fade.
    let sine_step = (std::f64::consts::TAU * 100.0 / rate * 0.5) as f32;
    let worst = out
        .left
        .windows(2)
        .fold(0.0f32, |m, w| m.max((w[1] - w[0]).abs()));
    println!("largest step {worst}, sine's own {sine_step}");
    assert!(worst < sine_step * 1.5);
}

#[test]
fn denormal_input_is_flushed_on_the_audio_thread() {
    let mut host = Host::active(48_000.0, 512);
    let tiny = f32::MIN_POSITIVE / 8.0;
    assert!(tiny.is_subnormal());
    let input = Stereo {
        left: vec![tiny; 4096],
        right: vec![-tiny; 4096],
    };
    let out = host.render_fixed(&input, 512, &[]);
    // With FTZ/DAZ set around process(), subnormal operands read as zero: the unity gain stage
    // outputs exact zeros. Without it, the subnormals would pass through unchanged.
    assert!(
        out.left.iter().chain(&out.right).all(|&x| x == 0.0),
        "subnormals reached the output: {:?}",
        &out.left[..4]
    );
}

/// Run inside a child process by `the_allocation_guard_is_live`; aborts when the guard works.
#[test]
#[ignore = "run as a child process by the_allocation_guard_is_live"]
fn alloc_guard_child() {
    let mode = std::env::var("LACQUER_ALLOC_CHILD").unwrap_or_default();
    let mut host = Host::active(48_000.0, 64);
    let p = host.param("Debug: allocate in process");
    let value = if mode == "allocate" { 1.0 } else { 0.0 };
    let mut l = vec![0.1f32; 64];
    let mut r = vec![0.1f32; 64];
    host.process_block(&mut l, &mut r, &[(0, p.id, value)]);
    host.process_block(&mut l, &mut r, &[]);
    println!("child survived processing (mode {mode:?})");
}

#[test]
fn the_allocation_guard_is_live() {
    let run = |mode: &str| {
        std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "foundation::alloc_guard_child",
                "--exact",
                "--ignored",
                "--nocapture",
            ])
            .env("LACQUER_ALLOC_CHILD", mode)
            .output()
            .expect("spawning the child test")
    };
    let control = run("control");
    assert!(
        control.status.success(),
        "control child failed: {}",
        String::from_utf8_lossy(&control.stderr)
    );
    let caught = run("allocate");
    let stderr = String::from_utf8_lossy(&caught.stderr);
    println!(
        "child status {:?}, stderr tail: {}",
        caught.status,
        stderr.lines().last().unwrap_or("")
    );
    assert!(
        !caught.status.success(),
        "an allocation in process() went unnoticed"
    );
    assert!(
        stderr.contains("memory allocation of"),
        "unexpected failure: {stderr}"
    );
}

fn assert_clean(out: &Stereo, what: &str) {
    if let Some((i, x)) = out
        .left
        .iter()
        .chain(&out.right)
        .enumerate()
        .find(|(_, x)| !x.is_finite() || x.is_subnormal())
    {
        panic!("{what}: sample {i} is {x:e}");
    }
}

/// Found by clap-validator's fuzzer: with bypass on, subnormal input was copied to the output
/// untouched (a copy does no arithmetic, so FTZ/DAZ cannot clean it).
#[test]
fn bypassed_denormal_input_leaves_as_zero() {
    let mut host = Host::new();
    let bypass = host.param("Bypass");
    host.flush_inactive(&[(bypass.id, 1.0)]);
    host.activate(48_000.0, 512);
    let mut rng = Rng::new(17);
    let input = Stereo {
        left: (0..4096)
            .map(|_| rng.bipolar() * f32::MIN_POSITIVE)
            .collect(),
        right: (0..4096)
            .map(|_| rng.bipolar() * f32::MIN_POSITIVE)
            .collect(),
    };
    let out = host.render_fixed(&input, 512, &[]);
    assert_clean(&out, "bypassed denormal input");
}

#[test]
fn nan_and_inf_input_never_reach_the_output() {
    let mut host = Host::active(48_000.0, 256);
    let mut input = sine(48_000.0, 1000.0, 0.5, 9_600);
    for i in (1_000..1_100).step_by(3) {
        input.left[i] = f32::NAN;
        input.right[i + 1] = f32::INFINITY;
        input.left[i + 2] = f32::NEG_INFINITY;
    }
    let out = host.render_fixed(&input, 256, &[]);
    assert_clean(&out, "NaN/Inf burst");
    // Recovery: bad samples enter the chain as silence, so once the input is normal again the
    // output is the input delayed, exactly (the default chain is neutral at this level).
    let lat = host.latency() as usize;
    assert!(out.left[1_200 + lat..]
        .iter()
        .zip(&input.left[1_200..])
        .all(|(a, b)| a == b));
}

/// The input families and host settings clap-validator's fuzzer uses (sine at Nyquist and near
/// DC, sweeps and noise up to +20 dB, constants, denormals; 1 kHz to 384 kHz; odd block sizes),
/// with every parameter randomised: the output is always finite and never subnormal.
#[test]
fn fuzzed_settings_and_signals_give_clean_output() {
    let mut rng = Rng::new(2024);
    for round in 0..40 {
        let rates = [
            1_000.0, 8_000.0, 22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0, 384_000.0,
        ];
        let rate = rates[rng.range(0, rates.len() - 1)];
        let max_block = [1, 7, 64, 333, 4096, 9_999][rng.range(0, 5)];
        let mut host = Host::new();
        let debug_alloc = host.param("Debug: allocate in process").id;
        let mut changes = Vec::new();
        for p in host.params() {
            let v = p.min + (p.max - p.min) * rng.unit();
            if p.id != debug_alloc && rng.unit() < 0.8 {
                changes.push((p.id, if p.is_stepped() { v.round() } else { v }));
            }
        }
        host.flush_inactive(&changes);
        host.activate(rate, max_block);
        let frames = 8_192;
        let amp = 10f32.powf(rng.range(0, 100) as f32 / 20.0 - 4.0); // -80..+20 dB
        let input = match round % 5 {
            0 => sine(rate, rate / 2.0, amp, frames),
            1 => sine(rate, 1.0, amp, frames),
            2 => noise(round as u64, amp, frames),
            3 => Stereo {
                left: vec![amp.min(1.0); frames],
                right: vec![-amp.min(1.0); frames],
            },
            _ => Stereo {
                left: (0..frames)
                    .map(|_| rng.bipolar() * f32::MIN_POSITIVE)
                    .collect(),
                right: (0..frames)
                    .map(|_| rng.bipolar() * f32::MIN_POSITIVE)
                    .collect(),
            },
        };
        let out = host.render(&input, &mut || rng.range(1, max_block), &[]);
        assert_clean(
            &out,
            &format!("round {round}, {rate} Hz, block {max_block}"),
        );
    }
}

/// CLAP lets the latency change only inside `activate`. A setting that changes it (here the
/// limiter look-ahead) asks the host for a restart and leaves the running latency alone; after
/// the restart the new latency is reported and it is what the audio shows.
#[test]
fn a_latency_change_goes_through_a_restart() {
    let rate = 48_000.0;
    let mut host = Host::active(rate, 256);
    let before = host.latency();
    let (id, v) = parsed(&mut host, "Limiter Lookahead", "1 ms");
    let input = noise(3, 0.25, 4_800);
    let out = host.render_fixed(
        &input,
        256,
        &[Automation {
            frame: 0,
            id,
            value: v,
        }],
    );
    assert!(host.restart_requested(), "no restart requested");
    assert_eq!(host.latency(), before, "latency changed while active");
    assert!(is_delayed_copy(&out, &input, before as usize));

    host.deactivate();
    host.activate(rate, 256);
    let after = host.latency();
    println!("limiter look-ahead 5 ms -> 1 ms: latency {before} -> {after} samples");
    assert_eq!(before - after, 192, "4 ms at 48 kHz");
    let out = host.render_fixed(&input, 256, &[]);
    assert!(is_delayed_copy(&out, &input, after as usize));
    // nice-plug follows a latency reported from `activate` with one more restart request (it
    // tells the host from the main thread); that must not turn into a loop.
    host.restart_requested();
    host.deactivate();
    host.activate(rate, 256);
    host.render_fixed(&input, 256, &[]);
    assert_eq!(host.latency(), after);
    assert!(!host.restart_requested(), "restart loop");
}
