//! Lacquer's mastering DSP kernels.
//!
//! Every kernel of the chain implements [`Stage`]: `new(sample_rate, &Params)` is the only
//! place that allocates, `set_params(&Params)` recomputes without allocating, `reset()` clears
//! state, `process` works in place on planar stereo slices and `latency()` reports the delay. Nothing here depends on a plugin framework, locks,
//! logs or does I/O, so every kernel runs in a bare `#[test]` and on a real-time audio thread.

pub mod chain;
pub mod declick;
pub mod dither;
pub mod dynamics;
pub mod eq;
pub mod filter;
pub mod gain;
pub mod imager;
pub mod loudness;
pub mod meter;
pub mod phase;
pub mod saturation;
pub mod stage;
pub mod targets;
pub mod util;

pub use stage::Stage;

/// Test-only allocator that counts allocations made inside `assert_no_alloc`, so kernel tests
/// prove the real-time paths never touch the heap.
#[cfg(test)]
pub(crate) mod no_alloc {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;

    thread_local! {
        static FORBIDDEN: Cell<bool> = const { Cell::new(false) };
        static VIOLATIONS: Cell<usize> = const { Cell::new(0) };
    }

    struct Counting;

    fn note() {
        if FORBIDDEN.with(Cell::get) {
            VIOLATIONS.with(|v| v.set(v.get() + 1));
        }
    }

    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            note();
            unsafe { System.alloc(layout) }
        }
        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            note();
            unsafe { System.dealloc(ptr, layout) }
        }
        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            note();
            unsafe { System.realloc(ptr, layout, new_size) }
        }
    }

    #[global_allocator]
    static ALLOCATOR: Counting = Counting;

    /// Run `f`; panic if it allocated, reallocated or freed.
    pub fn assert_no_alloc<R>(f: impl FnOnce() -> R) -> R {
        VIOLATIONS.with(|v| v.set(0));
        FORBIDDEN.with(|b| b.set(true));
        let result = f();
        FORBIDDEN.with(|b| b.set(false));
        let violations = VIOLATIONS.with(Cell::get);
        assert_eq!(
            violations, 0,
            "{violations} heap operations on a real-time path"
        );
        result
    }

    #[test]
    #[should_panic(expected = "heap operations")]
    fn the_guard_catches_an_allocation() {
        assert_no_alloc(|| std::hint::black_box(vec![1u8; 8]));
    }

    #[test]
    fn meters_process_and_read_without_allocating() {
        use crate::meter::spectrum::spectrum_channel;
        use crate::meter::MeterSet;
        let x: Vec<f32> = (0..48_000)
            .map(|i| ((i as f32) * 0.01).sin() * 0.5)
            .collect();
        let mut meters = MeterSet::new(48_000.0);
        let (mut tap, _source) = spectrum_channel(4096);
        assert_no_alloc(|| {
            for c in x.chunks(333) {
                meters.process(c, c);
                tap.push_stereo(c, c);
                std::hint::black_box(meters.take_snapshot());
            }
            meters.reset();
        });
    }
}
