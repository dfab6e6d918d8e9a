//! Reference tracks' saved data and shared state: what the session records of each slot
//! (paths, offsets, loop regions, the last known status; never audio) and the atomics through
//! which the editor, the reference thread and the audio thread see it. The threads
//! themselves live in the plugin.

pub mod compare;

use atomic_float::{AtomicF32, AtomicF64};
use crossbeam::channel::{bounded, Receiver, Sender};
use lacquer_dsp::eq::matching::{MatchParams, MatchResolution, MATCH_LIMIT_DB, MAX_MATCH_BANDS};
use nice_plug::params::persist::PersistentField;
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64};
use std::sync::{Arc, Mutex};

pub const SLOTS: usize = 8;
/// Frames sharing one scale factor in the stored audio.
pub const QUANT_BLOCK: usize = 1024;
/// Longest reference accepted (memory: 15 minutes of stereo at 48 kHz is 173 MB).
pub const MAX_SECONDS: f64 = 15.0 * 60.0;
/// Length of the crossfades between master and reference and between slots.
pub const FADE_MS: f64 = 20.0;
/// Short-term loudness of a reference is stored every 100 ms.
pub const SHORT_TERM_HZ: f64 = 10.0;
/// Seconds of the master the automatic alignment listens to.
pub const ALIGN_SECONDS: f64 = 10.0;

/// What a slot holds, as the editor shows it and the saved state records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SlotState {
    #[default]
    Empty,
    Loading,
    Ready,
    /// The file is gone, moved, or not the file the session was saved with.
    Missing,
    /// The file is there but cannot be used (the message says why).
    Failed,
}

/// Identity of a file on disk: a saved session only trusts a file that still matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    pub bytes: u64,
    pub modified_ms: u64,
    /// FNV-1a of the first and last 64 KiB.
    pub hash: u64,
}

impl Fingerprint {
    pub fn of(path: &Path) -> std::io::Result<Self> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        let bytes = meta.len();
        let modified_ms = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_millis() as u64);
        const SPAN: u64 = 64 * 1024;
        let mut hash = 0xcbf2_9ce4_8422_2325u64;
        let mut buf = vec![0u8; SPAN as usize];
        let mut feed = |data: &[u8]| {
            for &b in data {
                hash ^= b as u64;
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
        };
        let n = file.read(&mut buf)?;
        feed(&buf[..n]);
        if bytes > SPAN {
            file.seek(SeekFrom::Start(bytes - SPAN))?;
            let mut tail = Vec::with_capacity(SPAN as usize);
            file.take(SPAN).read_to_end(&mut tail)?;
            feed(&tail);
        }
        Ok(Self {
            bytes,
            modified_ms,
            hash,
        })
    }
}

/// What the load measured (kept in the state so a missing slot still shows its numbers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Measured {
    pub integrated_lufs: Option<f64>,
    pub loudness_range_lu: Option<f64>,
    pub true_peak_dbtp: Option<f64>,
    pub seconds: f64,
    pub source_rate: u32,
    pub channels: usize,
}

/// One slot's saved settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct SlotSettings {
    /// Absolute path of the file; empty for an empty slot.
    pub path: String,
    /// The file as it was when loaded; `None` until a load succeeds.
    pub fingerprint: Option<Fingerprint>,
    /// Follow-host offset: the reference plays at the song position plus this, seconds.
    pub offset_s: f64,
    /// Match (normalised correlation, 0-1) of the automatic alignment that set the offset.
    pub alignment: Option<f64>,
    /// Loop region on the reference, seconds; an end at or before the start loops it all.
    pub loop_start_s: f64,
    pub loop_end_s: f64,
    /// Last known status (informational: recomputed whenever the slot loads).
    pub state: SlotState,
    pub message: String,
    pub measured: Option<Measured>,
    /// The match EQ learns from this slot (with the others marked; none marked: the selected
    /// slot).
    pub in_match: bool,
    /// Bumped to load the same path again (relink); not saved.
    #[serde(skip)]
    pub reload: u32,
}

impl SlotSettings {
    pub fn file_name(&self) -> &str {
        let p = self.path.trim();
        p.rsplit(['/', '\\']).next().unwrap_or(p)
    }

    fn sanitize(&mut self) {
        let f = |v: f64, lo: f64, hi: f64| if v.is_finite() { v.clamp(lo, hi) } else { 0.0 };
        self.offset_s = f(self.offset_s, -3600.0, 3600.0);
        self.loop_start_s = f(self.loop_start_s, 0.0, MAX_SECONDS);
        self.loop_end_s = f(self.loop_end_s, 0.0, MAX_SECONDS);
        self.alignment = self.alignment.filter(|a| a.is_finite());
    }
}

/// The match EQ's curve: what it wants at each band centre and the band gains that realise
/// it, learned from the master and one or more references, then frozen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct MatchCurve {
    /// Band count: 31 (1/3 octave), 61 (1/6) or 121 (1/12), 20 Hz to 20 kHz.
    pub bands: usize,
    /// Correction wanted at each band centre, dB.
    pub target_mid_db: Vec<f32>,
    pub target_side_db: Vec<f32>,
    /// Band gains solved for it, dB.
    pub gains_mid_db: Vec<f32>,
    pub gains_side_db: Vec<f32>,
    /// Seconds of the master it was learned from.
    pub learned_s: f64,
    /// The slots (1-based) it was learned from.
    pub references: Vec<usize>,
}

impl MatchCurve {
    pub fn resolution(&self) -> Option<MatchResolution> {
        [
            MatchResolution::Third,
            MatchResolution::Sixth,
            MatchResolution::Twelfth,
        ]
        .into_iter()
        .find(|r| r.bands() == self.bands)
    }

    /// Usable as it is (a state is untrusted input).
    fn sane(mut self) -> Option<Self> {
        let n = self.resolution()?.bands();
        let ok = |v: &mut Vec<f32>, limit: f32| {
            v.len() == n && {
                for x in v.iter_mut() {
                    *x = if x.is_finite() {
                        x.clamp(-limit, limit)
                    } else {
                        0.0
                    };
                }
                true
            }
        };
        let fine = ok(&mut self.target_mid_db, MATCH_LIMIT_DB)
            && ok(&mut self.target_side_db, MATCH_LIMIT_DB)
            && ok(&mut self.gains_mid_db, 18.0)
            && ok(&mut self.gains_side_db, 18.0);
        if !self.learned_s.is_finite() {
            self.learned_s = 0.0;
        }
        fine.then_some(self)
    }
}

/// Every slot's settings and the match curve: the persisted `references` field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReferenceSlots {
    pub slots: Vec<SlotSettings>,
    pub match_curve: Option<MatchCurve>,
}

impl Default for ReferenceSlots {
    fn default() -> Self {
        Self {
            slots: vec![SlotSettings::default(); SLOTS],
            match_curve: None,
        }
    }
}

impl ReferenceSlots {
    /// Exactly `SLOTS` slots with finite, in-range numbers (a state is untrusted input).
    pub fn normalized(mut self) -> Self {
        self.slots.resize_with(SLOTS, SlotSettings::default);
        for s in &mut self.slots {
            s.sanitize();
        }
        self.match_curve = self.match_curve.and_then(MatchCurve::sane);
        self
    }
}

/// The audio thread's copy of the per-slot settings it needs (atomics, never a lock).
#[derive(Default)]
pub struct SlotRealtime {
    pub offset_s: AtomicF64,
    pub loop_start_s: AtomicF64,
    pub loop_end_s: AtomicF64,
}

/// What the editor draws for a loaded slot: computed once, at load.
#[derive(Debug, Clone, Default)]
pub struct SlotView {
    /// Peak of each `QUANT_BLOCK` frames, linear.
    pub overview: Vec<f32>,
    pub seconds: f64,
    pub block_seconds: f64,
    pub stats: compare::Stats,
    pub measured: Measured,
    /// The long-term spectra themselves (the match EQ learns from them).
    pub ltas: Option<compare::Ltas>,
}

/// The reference tracks' shared state: saved settings plus what runs now. Lives in the
/// parameters, so the editor, the reference thread and the plugin all reach it.
pub struct ReferenceStore {
    settings: Mutex<ReferenceSlots>,
    /// Bumped by every edit of the settings (not by status reports).
    generation: AtomicU64,
    realtime: [SlotRealtime; SLOTS],
    /// 0-1 while a slot loads.
    pub progress: [AtomicF32; SLOTS],
    /// Level-match gain now applied to the selected reference, dB.
    pub applied_gain_db: AtomicF32,
    /// Where the selected reference plays, seconds (NaN when it is not playing).
    pub playhead_s: AtomicF32,
    /// Editor -> reference thread: align this slot to the master (one-shot).
    pub align_request: [AtomicBool; SLOTS],
    /// Editor -> reference thread: restart the master's long-term analysis.
    pub master_reset: AtomicBool,
    /// Set by the reference thread after each load; the editor takes copies.
    pub views: Mutex<[Option<Arc<SlotView>>; SLOTS]>,
    /// The master's long-term analysis, refreshed a few times a second.
    pub master: Mutex<Option<Arc<compare::Stats>>>,
    /// The match curve's band gains for the audio thread (count 0: no curve).
    match_bands: AtomicU32,
    match_mid_db: Box<[AtomicF32]>,
    match_side_db: Box<[AtomicF32]>,
    /// Bumped after every publication of the match curve, so the audio thread rebuilds its
    /// settings only when the curve changed.
    match_generation: AtomicU64,
    wake_tx: Sender<()>,
    wake_rx: Receiver<()>,
}

impl Default for ReferenceStore {
    fn default() -> Self {
        let (wake_tx, wake_rx) = bounded(1);
        Self {
            settings: Mutex::new(ReferenceSlots::default()),
            generation: AtomicU64::new(0),
            realtime: Default::default(),
            progress: Default::default(),
            applied_gain_db: AtomicF32::new(0.0),
            playhead_s: AtomicF32::new(f32::NAN),
            align_request: Default::default(),
            master_reset: AtomicBool::new(false),
            views: Mutex::new(Default::default()),
            master: Mutex::new(None),
            match_bands: AtomicU32::new(0),
            match_mid_db: (0..MAX_MATCH_BANDS).map(|_| AtomicF32::new(0.0)).collect(),
            match_side_db: (0..MAX_MATCH_BANDS).map(|_| AtomicF32::new(0.0)).collect(),
            match_generation: AtomicU64::new(0),
            wake_tx,
            wake_rx,
        }
    }
}

impl ReferenceStore {
    /// A copy of every slot's settings.
    pub fn settings(&self) -> ReferenceSlots {
        self.settings
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|e| e.into_inner().clone())
    }

    pub fn slot(&self, i: usize) -> SlotSettings {
        self.settings().slots.get(i).cloned().unwrap_or_default()
    }

    /// Change the settings (editor, main thread): the reference thread reacts.
    pub fn edit(&self, f: impl FnOnce(&mut ReferenceSlots)) {
        self.with_lock(|s| {
            f(s);
            *s = std::mem::take(s).normalized();
        });
        self.generation.fetch_add(1, Relaxed);
        self.wake();
    }

    /// Point slot `i` at `path` and load it (a new path, or the same one again: relink).
    pub fn load_path(&self, i: usize, path: &str) {
        self.edit(|s| {
            if let Some(slot) = s.slots.get_mut(i) {
                let same = slot.path == path.trim();
                slot.path = path.trim().to_string();
                slot.fingerprint = None;
                slot.reload = slot.reload.wrapping_add(1);
                slot.state = SlotState::Loading;
                slot.message = "loading".into();
                if !same {
                    slot.offset_s = 0.0;
                    slot.alignment = None;
                    slot.loop_start_s = 0.0;
                    slot.loop_end_s = 0.0;
                    slot.measured = None;
                }
            }
        });
    }

    pub fn clear(&self, i: usize) {
        self.edit(|s| {
            if let Some(slot) = s.slots.get_mut(i) {
                *slot = SlotSettings::default();
            }
        });
    }

    /// Report status (reference thread): not an edit, nothing reloads.
    pub fn report(&self, i: usize, f: impl FnOnce(&mut SlotSettings)) {
        self.with_lock(|s| {
            if let Some(slot) = s.slots.get_mut(i) {
                f(slot);
                slot.sanitize();
            }
        });
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Relaxed)
    }

    pub fn realtime(&self, i: usize) -> &SlotRealtime {
        &self.realtime[i.min(SLOTS - 1)]
    }

    pub fn request_align(&self, i: usize) {
        if let Some(a) = self.align_request.get(i) {
            a.store(true, Relaxed);
            self.wake();
        }
    }

    pub fn view(&self, i: usize) -> Option<Arc<SlotView>> {
        self.views.lock().ok()?.get(i)?.clone()
    }

    pub fn master_stats(&self) -> Option<Arc<compare::Stats>> {
        self.master.lock().ok()?.clone()
    }

    fn wake(&self) {
        let _ = self.wake_tx.try_send(());
    }

    /// Reference thread: sleep until woken or `timeout` passes.
    pub fn wait(&self, timeout: std::time::Duration) {
        let _ = self.wake_rx.recv_timeout(timeout);
    }

    pub fn wake_loader(&self) {
        self.wake();
    }

    fn with_lock(&self, f: impl FnOnce(&mut ReferenceSlots)) {
        let mut guard = self.settings.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard);
        self.publish(&guard);
    }

    /// Copy what the audio thread needs into its atomics.
    fn publish(&self, s: &ReferenceSlots) {
        for (rt, slot) in self.realtime.iter().zip(&s.slots) {
            rt.offset_s.store(slot.offset_s, Relaxed);
            rt.loop_start_s.store(slot.loop_start_s, Relaxed);
            rt.loop_end_s.store(slot.loop_end_s, Relaxed);
        }
        match &s.match_curve {
            Some(c) => {
                for (k, (m, sd)) in c.gains_mid_db.iter().zip(&c.gains_side_db).enumerate() {
                    self.match_mid_db[k].store(*m, Relaxed);
                    self.match_side_db[k].store(*sd, Relaxed);
                }
                self.match_bands.store(c.bands as u32, Relaxed);
            }
            None => self.match_bands.store(0, Relaxed),
        }
        self.match_generation
            .fetch_add(1, std::sync::atomic::Ordering::Release);
    }

    /// Changes of the match curve so far (see `match_params`).
    pub fn match_generation(&self) -> u64 {
        self.match_generation
            .load(std::sync::atomic::Ordering::Acquire)
    }

    /// Replace the match curve (reference thread; `None` forgets it).
    pub fn set_match_curve(&self, curve: Option<MatchCurve>) {
        self.with_lock(|s| s.match_curve = curve.and_then(MatchCurve::sane));
    }

    pub fn match_curve(&self) -> Option<MatchCurve> {
        self.settings().match_curve
    }

    /// The match EQ's settings at these amounts (0-1), from the atomics: audio thread safe.
    pub fn match_params(&self, amount: f64, width_amount: f64) -> MatchParams {
        let bands = self.match_bands.load(Relaxed) as usize;
        let resolution = [
            MatchResolution::Third,
            MatchResolution::Sixth,
            MatchResolution::Twelfth,
        ]
        .into_iter()
        .find(|r| r.bands() == bands);
        let Some(resolution) = resolution else {
            return MatchParams::default();
        };
        let mut p = MatchParams {
            resolution,
            amount,
            width_amount,
            ..MatchParams::default()
        };
        for k in 0..bands {
            p.mid_db[k] = self.match_mid_db[k].load(Relaxed);
            p.side_db[k] = self.match_side_db[k].load(Relaxed);
        }
        p
    }
}

/// Loading a state (project, undo, A/B of sessions) replaces the settings; the reference
/// thread then loads whatever the state names. Runs on whichever thread nice-plug loads the
/// state on, so it only swaps the value and raises a flag.
impl<'a> PersistentField<'a, ReferenceSlots> for ReferenceStore {
    fn set(&self, new_value: ReferenceSlots) {
        let mut new_value = new_value.normalized();
        for slot in &mut new_value.slots {
            // What the saved status said is history: the slot is checked again now.
            if slot.path.trim().is_empty() {
                slot.state = SlotState::Empty;
                slot.message.clear();
            } else {
                slot.state = SlotState::Loading;
                slot.message = "loading".into();
            }
        }
        self.with_lock(|s| *s = new_value);
        self.generation.fetch_add(1, Relaxed);
        self.wake();
    }

    fn map<F, R>(&self, f: F) -> R
    where
        F: Fn(&ReferenceSlots) -> R,
    {
        let guard = self.settings.lock().unwrap_or_else(|e| e.into_inner());
        f(&guard)
    }
}
