//! Scrolling histories, sampled on the GUI thread from the meters' held values once per
//! frame: nothing extra runs on the audio thread, and no peak between two frames is missed.

use crate::meters::SharedMeters;
use std::collections::VecDeque;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

/// One trace: a value per tick, the newest last.
#[derive(Clone)]
pub struct Trace {
    pub values: VecDeque<f32>,
    capacity: usize,
}

impl Trace {
    pub fn new(capacity: usize) -> Self {
        Self {
            values: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    pub fn push(&mut self, v: f32) {
        if self.values.len() == self.capacity {
            self.values.pop_front();
        }
        self.values.push_back(v);
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn last(&self) -> Option<f32> {
        self.values.back().copied()
    }
}

/// Ticks per second of the level histories, and how long they span.
pub const LEVEL_RATE: f64 = 30.0;
pub const LEVEL_SECONDS: f64 = 8.0;
/// Ticks per second of the loudness histories, and how long they span.
pub const LOUDNESS_RATE: f64 = 10.0;
pub const LOUDNESS_SECONDS: f64 = 120.0;

pub struct Histories {
    last_level: Option<Instant>,
    last_loudness: Option<Instant>,
    /// Chain input and output sample peak (dBFS), per tick.
    pub input_db: Trace,
    pub output_db: Trace,
    /// Gain reduction (positive dB) per tick.
    pub compressor_gr: Trace,
    pub limiter_gr: Trace,
    pub multiband_gr: [Trace; 4],
    pub momentary: Trace,
    pub short_term: Trace,
    pub correlation: Trace,
}

impl Default for Histories {
    fn default() -> Self {
        let level = (LEVEL_RATE * LEVEL_SECONDS) as usize;
        let loud = (LOUDNESS_RATE * LOUDNESS_SECONDS) as usize;
        Self {
            last_level: None,
            last_loudness: None,
            input_db: Trace::new(level),
            output_db: Trace::new(level),
            compressor_gr: Trace::new(level),
            limiter_gr: Trace::new(level),
            multiband_gr: std::array::from_fn(|_| Trace::new(level)),
            momentary: Trace::new(loud),
            short_term: Trace::new(loud),
            correlation: Trace::new(loud),
        }
    }
}

fn floor(v: f32, lo: f32) -> f32 {
    if v.is_finite() {
        v.max(lo)
    } else {
        lo
    }
}

impl Histories {
    pub fn update(&mut self, m: &SharedMeters) {
        let now = Instant::now();
        let tick = Duration::from_secs_f64(1.0 / LEVEL_RATE);
        if self
            .last_level
            .is_none_or(|t| now.duration_since(t) >= tick)
        {
            self.last_level = Some(now);
            self.input_db
                .push(floor(m.input.peak_held_db.take(), -96.0));
            self.output_db
                .push(floor(m.output.peak_held_db.take(), -96.0));
            self.compressor_gr
                .push(floor(m.compressor_gr_held.take(), 0.0));
            self.limiter_gr.push(floor(m.limiter_gr_held.take(), 0.0));
            for (t, h) in self.multiband_gr.iter_mut().zip(&m.multiband_gr_held) {
                t.push(floor(h.take(), 0.0));
            }
        }
        let tick = Duration::from_secs_f64(1.0 / LOUDNESS_RATE);
        if self
            .last_loudness
            .is_none_or(|t| now.duration_since(t) >= tick)
        {
            self.last_loudness = Some(now);
            self.momentary
                .push(floor(m.output.momentary_lufs.load(Relaxed), -70.0));
            self.short_term
                .push(floor(m.output.short_term_lufs.load(Relaxed), -70.0));
            let c = m.output.correlation.load(Relaxed);
            self.correlation.push(if c.is_finite() { c } else { 0.0 });
        }
    }
}
