//! The plugin's fixed cost per `process()` call, held without timing anything: the work that
//! would scale with the parameter count (building the chain's settings) or with the history
//! length (walking the loudness histograms) is counted through the loaded `.clap`, whose test
//! build exports the counts.

use crate::host::{clap_path, Host};
use crate::signal::noise;

/// (settings built, histogram walks, MXCSR of the last process call), from the test bundle.
fn counters() -> (u64, u64, u32) {
    type Counters = unsafe extern "C" fn(&mut u64, &mut u64, &mut u32);
    // The host has loaded this library already: this opens the same instance of it.
    crate::host::entry();
    // SAFETY: the symbol is the test bundle's `lacquer_test_counters`, of this signature.
    unsafe {
        let lib = libloading::Library::new(clap_path()).expect("opening the .clap library");
        let f: libloading::Symbol<Counters> = lib
            .get(b"lacquer_test_counters")
            .expect("the test bundle exports lacquer_test_counters");
        let (mut builds, mut walks, mut mxcsr) = (0, 0, 0);
        f(&mut builds, &mut walks, &mut mxcsr);
        (builds, walks, mxcsr)
    }
}

/// Walks per loudness meter each time a value is filed on the 100 ms grid: integrated
/// loudness takes two, the loudness range three.
const WALKS_PER_FILING: u64 = 5;
/// Two meters (input and output), ten filings a second.
const WALKS_PER_SECOND: u64 = 2 * 10 * WALKS_PER_FILING;

/// Run alone in a child process by `fixed_cost_per_call_does_not_scale`: the counters are the
/// library's, and tests running beside it in this process would add to them.
#[test]
#[ignore = "run as a child process by fixed_cost_per_call_does_not_scale"]
fn fixed_cost_child() {
    let seconds = 4;
    let block = 16;
    let mut host = Host::active(48_000.0, block);
    let input = noise(7, 0.3, 48_000 * seconds);
    let (builds_before, walks_before, _) = counters();
    host.render_fixed(&input, block, &[]);
    let (builds, walks, _) = counters();
    let calls = input.len() / block;
    println!(
        "{calls} calls of {block} frames: settings built {}, histogram walks {}",
        builds - builds_before,
        walks - walks_before
    );
    // Settings are built once (the first call); the walks follow the 100 ms grid.
    assert!(
        builds - builds_before <= 1,
        "settings rebuilt without a change"
    );
    let bound = WALKS_PER_SECOND * seconds as u64 + 2 * WALKS_PER_FILING;
    assert!(
        walks - walks_before <= bound,
        "{} histogram walks in {seconds} s at block {block} (bound {bound}): statistics run per call",
        walks - walks_before
    );
    // One parameter change: one rebuild.
    let gain = host.param("Output Gain");
    let mut l = vec![0.0f32; block];
    let mut r = vec![0.0f32; block];
    host.process_block(&mut l, &mut r, &[(0, gain.id, 0.4)]);
    for _ in 0..100 {
        host.process_block(&mut l, &mut r, &[]);
    }
    let (after, _, _) = counters();
    assert_eq!(after - builds, 1, "one change, one rebuild");
    println!("child done");
}

#[test]
fn fixed_cost_per_call_does_not_scale() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "cost::fixed_cost_child",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .output()
        .expect("spawning the child test");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success() && stdout.contains("child done"),
        "child failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The calling thread's MXCSR.
fn mxcsr() -> u32 {
    let mut value: u32 = 0;
    // SAFETY: stmxcsr only stores the control register into `value`.
    unsafe { std::arch::asm!("stmxcsr [{}]", in(reg) &mut value) };
    value
}

#[test]
fn process_runs_with_flush_to_zero_and_denormals_are_zero() {
    const FTZ: u32 = 1 << 15;
    const DAZ: u32 = 1 << 6;
    let before = mxcsr();
    assert_eq!(
        before & (FTZ | DAZ),
        0,
        "the test thread starts without FTZ/DAZ"
    );
    let mut host = Host::active(48_000.0, 64);
    let mut l = vec![0.0f32; 64];
    let mut r = vec![0.0f32; 64];
    host.process_block(&mut l, &mut r, &[]);
    // Other tests' threads also process: several calls make it likely this one's was last,
    // and every call of every thread must show both bits anyway.
    let (_, _, during) = counters();
    println!(
        "MXCSR before {before:#x}, during process {during:#x}, after {:#x}",
        mxcsr()
    );
    assert_eq!(during & FTZ, FTZ, "flush-to-zero not set in process()");
    assert_eq!(during & DAZ, DAZ, "denormals-are-zero not set in process()");
    // The control bits come back as they were; the low six are sticky exception flags that
    // any arithmetic sets.
    const FLAGS: u32 = 0x3f;
    assert_eq!(
        mxcsr() & !FLAGS,
        before & !FLAGS,
        "the host thread's MXCSR was not restored"
    );
}
