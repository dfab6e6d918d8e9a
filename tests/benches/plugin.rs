//! Whole-plugin cost through the built `.clap`, as a host sees it: ns per stereo frame and
//! x realtime. Run with `cargo bench -p lacquer-tests` after `cargo xtask test-bundle`
//! (or point `LACQUER_BUNDLE_DIR` at `target/bundled` to measure the release bundle).

use lacquer_tests::host::{Host, ParentWindow};
use lacquer_tests::signal::{noise, Stereo};
use std::time::Instant;

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

fn measure(label: &str, rate: f64, block: usize, input: &Stereo) {
    measure_with(label, rate, block, input, false);
}

/// `editor`: with the editor open in a window (needs DISPLAY): the audio thread's cost must
/// not change, since the editor only reads atomics and drains rings on its own thread.
fn measure_with(label: &str, rate: f64, block: usize, input: &Stereo, editor: bool) {
    let mut host = Host::active(rate, block);
    let parent = editor.then(|| ParentWindow::new().expect("an X display"));
    if let Some(parent) = parent.as_ref() {
        host.open_editor(parent).expect("opening the editor");
    }
    let mut l = vec![0.0f32; block];
    let mut r = vec![0.0f32; block];
    // Warm up, then take the best of several passes: shared machines are noisy.
    let mut best = f64::INFINITY;
    let mut best_cpu = f64::INFINITY;
    for pass in 0..6 {
        let start = Instant::now();
        let cpu_start = thread_cpu_ns();
        let mut pos = 0;
        while pos + block <= input.len() {
            l.copy_from_slice(&input.left[pos..pos + block]);
            r.copy_from_slice(&input.right[pos..pos + block]);
            host.process_block(&mut l, &mut r, &[]);
            pos += block;
        }
        let ns = start.elapsed().as_nanos() as f64 / pos as f64;
        let cpu = match (cpu_start, thread_cpu_ns()) {
            (Some(a), Some(b)) => (b - a) as f64 / pos as f64,
            _ => f64::NAN,
        };
        if pass > 0 {
            best = best.min(ns);
            best_cpu = best_cpu.min(cpu);
        }
    }
    if editor {
        host.close_editor().expect("closing the editor");
    }
    let realtime = 1e9 / (best * rate);
    println!(
        "{label:<40} block {block:>4}: {best:>8.1} ns/frame  {realtime:>8.0}x realtime @ {rate} Hz  \
         (audio thread on CPU: {best_cpu:.1} ns/frame)"
    );
}

fn main() {
    let rate = 48_000.0;
    let frames = 48_000 * 2;
    let music_like = noise(1, 0.5, frames);
    let tiny = f32::MIN_POSITIVE / 8.0;
    let denormal = Stereo {
        left: vec![tiny; frames],
        right: vec![-tiny; frames],
    };
    // Only the editor comparison, for instruction counts of the audio thread (the main thread
    // here) under callgrind: with LACQUER_BENCH_EDITOR=open|closed,
    //   xvfb-run valgrind --tool=callgrind --separate-threads=yes target/release/deps/plugin-* --bench
    if let Ok(which) = std::env::var("LACQUER_BENCH_EDITOR") {
        measure_with(
            &format!("editor {which}"),
            rate,
            512,
            &music_like,
            which == "open",
        );
        return;
    }
    for block in [64, 512] {
        measure("default settings, noise input", rate, block, &music_like);
        measure("default settings, denormal input", rate, block, &denormal);
    }
    if std::env::var_os("DISPLAY").is_some() {
        for _ in 0..2 {
            measure_with("editor closed", rate, 512, &music_like, false);
            measure_with("editor open", rate, 512, &music_like, true);
        }
    } else {
        println!("(no DISPLAY: editor-open figures skipped; run under xvfb-run)");
    }
}
