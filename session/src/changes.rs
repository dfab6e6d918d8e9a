//! Knowing, without reading 233 parameters, whether any of them changed.
//!
//! Turning the parameters into `ChainParams` reads every one of them; doing that on every
//! `process()` call made the plugin's fixed cost per call grow with the parameter count. Each
//! parameter instead carries a callback that bumps one counter (nice-plug calls it only when
//! the value really changes, on whichever thread set it), and the audio thread rebuilds the
//! settings only when the counter moved.

use nice_plug::params::persist::PersistentField;
use nice_plug::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A count of parameter changes, shared by every parameter of one plugin instance.
#[derive(Clone, Default)]
pub struct ChangeCounter(Arc<AtomicU64>);

impl ChangeCounter {
    /// Changes so far. `Acquire` pairs with the bump's `Release`: a reader that sees the new
    /// count also sees the value the callback was called for.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    fn callback<T>(&self) -> Arc<dyn Fn(T) + Send + Sync> {
        let counter = self.0.clone();
        Arc::new(move |_| {
            counter.fetch_add(1, Ordering::Release);
        })
    }
}

/// A parameter whose changes are counted.
pub trait Tracked {
    fn tracked(self, counter: &ChangeCounter) -> Self;
}

impl Tracked for FloatParam {
    fn tracked(self, counter: &ChangeCounter) -> Self {
        self.with_callback(counter.callback())
    }
}

impl Tracked for IntParam {
    fn tracked(self, counter: &ChangeCounter) -> Self {
        self.with_callback(counter.callback())
    }
}

impl Tracked for BoolParam {
    fn tracked(self, counter: &ChangeCounter) -> Self {
        self.with_callback(counter.callback())
    }
}

impl<T: Enum + PartialEq + 'static> Tracked for EnumParam<T> {
    fn tracked(self, counter: &ChangeCounter) -> Self {
        self.with_callback(counter.callback())
    }
}

/// The saved state's layout version, which every loaded state carries (`presets::migrate`
/// writes it), so setting it also marks that a state was loaded: the audio thread then starts
/// the restored values where they are instead of gliding to them from the old ones.
pub struct StateFormat {
    format: std::sync::atomic::AtomicU32,
    loads: AtomicU64,
}

impl StateFormat {
    pub fn new(format: u32) -> Self {
        Self {
            format: std::sync::atomic::AtomicU32::new(format),
            loads: AtomicU64::new(0),
        }
    }

    pub fn format(&self) -> u32 {
        self.format.load(Ordering::Relaxed)
    }

    /// States loaded so far.
    pub fn loads(&self) -> u64 {
        self.loads.load(Ordering::Acquire)
    }
}

impl<'a> PersistentField<'a, u32> for StateFormat {
    fn set(&self, new_value: u32) {
        self.format.store(new_value, Ordering::Relaxed);
        self.loads.fetch_add(1, Ordering::Release);
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&u32) -> R,
    {
        f(&self.format())
    }
}
