//! Meter values handed from the audio thread to the editor: one relaxed atomic per value, no
//! locks. The audio thread publishes after every block; readers see the latest block's values.

use atomic_float::AtomicF32;
use lacquer_dsp::chain::MasteringChain;
use lacquer_dsp::meter::spectrum::SpectrumSource;
use lacquer_dsp::meter::MeterSnapshot;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::Relaxed;

/// A value the audio thread raises and the editor takes: the largest since the editor last
/// looked, so a history drawn at the screen's rate misses no peak between two frames.
pub struct Held(AtomicF32);

impl Default for Held {
    fn default() -> Self {
        Self(AtomicF32::new(f32::NEG_INFINITY))
    }
}

impl Held {
    /// Audio thread: keep `v` if it is larger (a compare-exchange loop; never blocks).
    pub fn raise(&self, v: f32) {
        let mut current = self.0.load(Relaxed);
        while v > current {
            match self.0.compare_exchange_weak(current, v, Relaxed, Relaxed) {
                Ok(_) => break,
                Err(now) => current = now,
            }
        }
    }

    /// Editor: the largest value since the last take (-inf if none), and start again.
    pub fn take(&self) -> f32 {
        self.0.swap(f32::NEG_INFINITY, Relaxed)
    }
}

/// Stereo samples after the chain for the vectorscope: a lock-free ring the audio thread
/// fills as far as there is room and the editor drains.
pub fn scope_channel(capacity: usize) -> (ScopeTap, ScopeSource) {
    let (producer, consumer) = rtrb::RingBuffer::new(capacity.max(1));
    (ScopeTap { producer }, ScopeSource { consumer })
}

pub struct ScopeTap {
    producer: rtrb::Producer<[f32; 2]>,
}

impl ScopeTap {
    pub fn push_stereo(&mut self, left: &[f32], right: &[f32]) {
        let n = left.len().min(right.len()).min(self.producer.slots());
        if let Ok(mut chunk) = self.producer.write_chunk(n) {
            let (a, b) = chunk.as_mut_slices();
            for (i, slot) in a.iter_mut().chain(b.iter_mut()).enumerate() {
                *slot = [left[i], right[i]];
            }
            chunk.commit_all();
        }
    }
}

pub struct ScopeSource {
    consumer: rtrb::Consumer<[f32; 2]>,
}

impl ScopeSource {
    /// Hand every waiting frame to `f`, oldest first.
    pub fn drain(&mut self, mut f: impl FnMut([f32; 2])) {
        let n = self.consumer.slots();
        if let Ok(chunk) = self.consumer.read_chunk(n) {
            let (a, b) = chunk.as_slices();
            a.iter().chain(b).for_each(|&x| f(x));
            chunk.commit_all();
        }
    }
}

/// Frames held in the vectorscope ring (a GUI frame's worth at 192 kHz, with room to spare).
pub const SCOPE_RING: usize = 1 << 14;

/// One side (input or output) of the meter bridge.
#[derive(Default)]
pub struct LevelMeters {
    pub momentary_lufs: AtomicF32,
    pub short_term_lufs: AtomicF32,
    pub integrated_lufs: AtomicF32,
    pub loudness_range_lu: AtomicF32,
    pub true_peak_dbtp: [AtomicF32; 2],
    pub max_true_peak_dbtp: AtomicF32,
    pub sample_peak_db: [AtomicF32; 2],
    pub plr_db: AtomicF32,
    pub psr_db: AtomicF32,
    pub correlation: AtomicF32,
    /// Largest sample peak of either channel since the editor last took it, dBFS.
    pub peak_held_db: Held,
    /// Largest true peak of either channel since the editor last took it, dBTP.
    pub true_peak_held_dbtp: Held,
}

impl LevelMeters {
    fn store(&self, s: &MeterSnapshot) {
        let f = |a: &AtomicF32, v: f64| a.store(v as f32, Relaxed);
        f(&self.momentary_lufs, s.momentary_lufs);
        f(&self.short_term_lufs, s.short_term_lufs);
        f(&self.integrated_lufs, s.integrated_lufs);
        f(&self.loudness_range_lu, s.loudness_range_lu);
        for ch in 0..2 {
            f(&self.true_peak_dbtp[ch], s.true_peak_dbtp[ch]);
            f(&self.sample_peak_db[ch], s.sample_peak_db[ch]);
        }
        f(&self.max_true_peak_dbtp, s.max_true_peak_dbtp);
        f(&self.plr_db, s.plr_db);
        f(&self.psr_db, s.psr_db);
        f(&self.correlation, s.correlation);
        self.peak_held_db
            .raise(s.sample_peak_db[0].max(s.sample_peak_db[1]) as f32);
        self.true_peak_held_dbtp
            .raise(s.true_peak_dbtp[0].max(s.true_peak_dbtp[1]) as f32);
    }
}

/// Spectrum of the chain's input and output: the audio thread pushes samples into lock-free
/// rings; the editor takes the receiving ends once and runs the FFTs on its own thread.
pub struct SpectrumFeeds {
    pub pre: SpectrumSource,
    pub post: SpectrumSource,
}

/// Samples held per spectrum ring: enough for the largest analysis frame plus a GUI frame's
/// worth of audio at 192 kHz.
pub const SPECTRUM_RING: usize = 1 << 16;

/// What the audio thread shows the editor (meters, analysers' rings, learn results), and,
/// apart, what the editor asks of the audio thread (`commands`).
#[derive(Default)]
pub struct SharedMeters {
    /// Editor -> audio thread.
    pub commands: EditorCommands,
    /// Taken by the editor when it opens (GUI thread only; the audio thread never locks it).
    pub spectrum: std::sync::Mutex<Option<SpectrumFeeds>>,
    /// The vectorscope's ring, taken by the editor like the spectrum feeds.
    pub scope: std::sync::Mutex<Option<ScopeSource>>,
    /// The session's sample rate (0 before activation), for the editor's analysers.
    pub sample_rate: AtomicF32,
    /// Deepest gain reduction since the editor last took it, as a positive number of dB.
    pub compressor_gr_held: Held,
    pub multiband_gr_held: [Held; 4],
    pub limiter_gr_held: Held,
    pub input: LevelMeters,
    pub output: LevelMeters,
    pub compressor_gr_db: AtomicF32,
    pub multiband_gr_db: [AtomicF32; 4],
    pub limiter_gr_db: AtomicF32,
    pub gain_match_db: AtomicF32,
    pub latency_samples: AtomicF32,
    /// Output integrated loudness minus the delivery target, LU (NaN without a target).
    pub target_distance_lu: AtomicF32,
    /// 0..1 while learning.
    pub learn_progress: AtomicF32,
    /// Audio thread -> editor: a finished pass's suggested limiter drive (read once).
    pub learned_drive_db: AtomicF32,
    pub learn_ready: AtomicBool,
}

/// Requests from the editor to the audio thread: one-shot flags the audio thread takes, and
/// the soloed EQ band. Listening aids, so not parameters: never saved, automated or rendered.
#[derive(Default)]
pub struct EditorCommands {
    /// Restart the loudness measurement (integrated, LRA, max peaks).
    pub reset_loudness: AtomicBool,
    /// The EQ band being soloed, slot + 1 (0: none).
    pub eq_solo: std::sync::atomic::AtomicU32,
    /// Start a learn pass.
    pub learn: AtomicBool,
}

impl SharedMeters {
    pub fn publish(&self, chain: &mut MasteringChain, target_lufs: Option<f64>) {
        let (input, output) = chain.take_meter_snapshots();
        self.target_distance_lu.store(
            target_lufs.map_or(f32::NAN, |t| (output.integrated_lufs - t) as f32),
            Relaxed,
        );
        self.input.store(&input);
        self.output.store(&output);
        let gr = chain.take_gain_reduction();
        self.compressor_gr_db
            .store(gr.compressor_db as f32, Relaxed);
        for (a, v) in self.multiband_gr_db.iter().zip(gr.multiband_db) {
            a.store(v as f32, Relaxed);
        }
        self.limiter_gr_db.store(gr.limiter_db as f32, Relaxed);
        self.compressor_gr_held.raise(-gr.compressor_db as f32);
        for (held, v) in self.multiband_gr_held.iter().zip(gr.multiband_db) {
            held.raise(-v as f32);
        }
        self.limiter_gr_held.raise(-gr.limiter_db as f32);
        self.gain_match_db
            .store(chain.gain_match_db() as f32, Relaxed);
        self.latency_samples.store(chain.latency() as f32, Relaxed);
    }
}
