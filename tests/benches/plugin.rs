//! Whole-plugin cost through the built `.clap`, as a host sees it: ns per stereo frame and
//! x realtime at host blocks of 16, 64, 512 and 4096 frames, for the default chain and the
//! heaviest one, with the fixed cost per `process()` call and the cost per frame fitted from
//! the four block sizes. Run with `cargo bench -p lacquer-tests --bench plugin` after
//! `cargo xtask test-bundle` (or point `LACQUER_BUNDLE_DIR` at `target/bundled` to measure the
//! release bundle).
//!
//! `LACQUER_BENCH_RUN=default|heaviest:BLOCK:FRAMES` processes exactly that once and exits:
//! `scripts/bench-callgrind.sh` runs it under callgrind for instruction counts, which do not
//! depend on what else the machine is doing.

use lacquer_tests::host::{Host, ParentWindow};
use lacquer_tests::signal::{noise, Stereo};
use std::time::Instant;

const RATE: f64 = 48_000.0;
const BLOCKS: [usize; 4] = [16, 64, 512, 4096];

/// This thread's time on a CPU so far, ns (Linux schedstat): unlike wall time, it does not
/// count time the thread waited while another (the editor's) ran on its core.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The heaviest chain: every module on, linear-phase EQ with eight bands, compressor,
/// four-band multiband, 8x saturation, imager with bass mono, true-peak limiter, dither.
fn heaviest(host: &mut Host) -> Vec<(clack_host::utils::ClapId, f64)> {
    let mut set = Vec::new();
    let mut text = |host: &mut Host, name: &str, text: &str| {
        let p = host.param(name);
        let v = host
            .text_to_value(p.id, text)
            .unwrap_or_else(|| panic!("{name} does not parse {text:?}"));
        set.push((p.id, v));
    };
    for (name, value) in [
        ("EQ Phase Mode", "Linear Phase (medium latency)"),
        ("Compressor On", "On"),
        ("Compressor Threshold", "-24 dB"),
        ("Multiband On", "On"),
        ("Multiband Bands", "4"),
        ("Saturation On", "On"),
        ("Saturation Oversampling", "8x"),
        ("Saturation Drive", "6 dB"),
        ("Bass Mono", "On"),
        ("Width", "120%"),
        ("Limiter Drive", "6 dB"),
        ("Dither On", "On"),
    ] {
        text(host, name, value);
    }
    for i in 1..=8 {
        text(host, &format!("EQ {i} On"), "On");
        text(
            host,
            &format!("EQ {i} Gain"),
            if i % 2 == 0 { "2 dB" } else { "-2 dB" },
        );
    }
    set
}

fn host_for(config: &str, block: usize) -> Host {
    let mut host = Host::new();
    if config == "heaviest" {
        let changes = heaviest(&mut host);
        host.flush_inactive(&changes);
    }
    host.activate(RATE, block);
    host
}

/// Stream `input` through the plugin in whole blocks; returns the frames processed.
fn play(host: &mut Host, block: usize, input: &Stereo) -> usize {
    let mut l = vec![0.0f32; block];
    let mut r = vec![0.0f32; block];
    let mut pos = 0;
    while pos + block <= input.len() {
        l.copy_from_slice(&input.left[pos..pos + block]);
        r.copy_from_slice(&input.right[pos..pos + block]);
        host.process_block(&mut l, &mut r, &[]);
        pos += block;
    }
    pos
}

/// Best ns per frame (wall, and the audio thread's own CPU time) over five timed passes.
fn measure(host: &mut Host, block: usize, input: &Stereo) -> (f64, f64) {
    let (mut best, mut best_cpu) = (f64::INFINITY, f64::INFINITY);
    for pass in 0..6 {
        let start = Instant::now();
        let cpu_start = thread_cpu_ns();
        let pos = play(host, block, input);
        let ns = start.elapsed().as_nanos() as f64 / pos as f64;
        let cpu = match (cpu_start, thread_cpu_ns()) {
            (Some(a), Some(b)) => (b - a) as f64 / pos as f64,
            _ => f64::NAN,
        };
        // The first pass warms caches and lets the linear-phase design settle.
        if pass > 0 {
            best = best.min(ns);
            best_cpu = best_cpu.min(cpu);
        }
    }
    (best, best_cpu)
}

/// Least-squares fit of ns/frame = per_call / block + per_frame.
fn fit(points: &[(usize, f64)]) -> (f64, f64) {
    let n = points.len() as f64;
    let xs: Vec<f64> = points.iter().map(|&(b, _)| 1.0 / b as f64).collect();
    let ys: Vec<f64> = points.iter().map(|&(_, y)| y).collect();
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx) * (x - mx)).sum();
    let per_call = sxy / sxx;
    (per_call, my - per_call * mx)
}

fn main() {
    let input = noise(1, 0.5, 48_000 * 2);
    if let Ok(run) = std::env::var("LACQUER_BENCH_RUN") {
        let mut parts = run.split(':');
        let config = parts.next().unwrap_or("default").to_string();
        let block: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(64);
        let frames: usize = parts.next().and_then(|s| s.parse().ok()).unwrap_or(48_000);
        let mut host = host_for(&config, block);
        let pos = play(&mut host, block, &noise(1, 0.5, frames));
        println!("processed {pos} frames of {config} at block {block}");
        return;
    }
    // With LACQUER_BENCH_EDITOR=open|closed, only the editor comparison (needs DISPLAY).
    let editor = std::env::var("LACQUER_BENCH_EDITOR").ok();
    for config in ["default", "heaviest"] {
        if editor.is_some() && config != "default" {
            continue;
        }
        let mut points = Vec::new();
        for block in BLOCKS {
            if editor.is_some() && block != 512 {
                continue;
            }
            let mut host = host_for(config, block);
            let parent = (editor.as_deref() == Some("open"))
                .then(|| ParentWindow::new().expect("an X display"));
            if let Some(parent) = parent.as_ref() {
                host.open_editor(parent).expect("opening the editor");
            }
            let (ns, cpu) = measure(&mut host, block, &input);
            if parent.is_some() {
                host.close_editor().expect("closing the editor");
            }
            println!(
                "{config:<9} chain, block {block:>4}: {ns:>8.1} ns/frame {:>7.0}x realtime @ 48 kHz \
                 (audio thread on CPU: {cpu:.1} ns/frame)",
                1e9 / (ns * RATE)
            );
            points.push((block, ns));
        }
        if points.len() == BLOCKS.len() {
            let (per_call, per_frame) = fit(&points);
            println!(
                "{config:<9} chain: fixed cost {:.2} us per call, {per_frame:.1} ns per frame \
                 (fitted over blocks 16-4096)",
                per_call / 1000.0
            );
        }
    }
}
