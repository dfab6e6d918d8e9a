//! The reference thread: loads, measures and aligns references, analyses the master, and
//! frees what the audio thread hands back. Owned by the plugin and joined when it is dropped.
//!
//! It works by reconciling: whenever the settings change (an edit, a loaded state) or the
//! plugin is activated, each slot's wanted file is compared with what the thread has loaded
//! for it, and only differences are loaded (or emptied). A load is decode (symphonia, any
//! format) -> resample to the session rate (rubato) -> measure (Lacquer's loudness and
//! true-peak meters, the long-term spectra) -> store as block-scaled 16-bit, in one pass over
//! the file. It can be cancelled at any block (a new path, a new state, shutdown).

use super::compare::{Accumulator, Ltas};
use super::{
    Capture, Delivery, Fingerprint, Link, MatchCurve, Measured, RefAudio, SlotSettings, SlotState,
    SlotView, ALIGN_SECONDS, MAX_SECONDS, QUANT_BLOCK, SHORT_TERM_HZ, SLOTS,
};
use atomic_float::AtomicF32;
use lacquer_dsp::eq::matching::{
    bank_response_db, solve_band_gains, MatchResolution, MATCH_LIMIT_DB, MAX_MATCH_BANDS,
};
use lacquer_dsp::loudness::LoudnessMeter;
use lacquer_dsp::meter::TruePeakMeter;
use lacquer_session::audio_file::{AudioFileError, AudioReader, StreamResampler};
use lacquer_session::params::LacquerParams;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

mod align;
mod decode;
mod matching;
#[cfg(test)]
mod tests;

use decode::{load_file, Loaded, Outcome};

/// Frames decoded per step (the granularity of progress and cancellation).
const READ_FRAMES: usize = 16_384;
/// How often the thread looks at its queues when nothing wakes it.
const TICK: Duration = Duration::from_millis(20);
/// How often the master's long-term figures are published.
const MASTER_PUBLISH: Duration = Duration::from_millis(250);

pub struct Loader {
    thread: Option<JoinHandle<()>>,
    shutdown: Arc<AtomicBool>,
    params: Arc<LacquerParams>,
}

impl Loader {
    pub fn spawn(
        params: Arc<LacquerParams>,
        link: Arc<Link>,
        master_feed: rtrb::Consumer<[f32; 2]>,
    ) -> Self {
        let shutdown = Arc::new(AtomicBool::new(false));
        let mut worker = ReferenceThread {
            params: params.clone(),
            link,
            shutdown: shutdown.clone(),
            master_feed,
            rate: 0,
            epoch: 0,
            seen_generation: None,
            done: Default::default(),
            outbox: Vec::new(),
            master: None,
            master_changed: false,
            master_published: Instant::now(),
            feed_l: Vec::new(),
            feed_r: Vec::new(),
            was_learning: false,
            last_learn: Instant::now(),
        };
        let thread = std::thread::Builder::new()
            .name("lacquer-references".into())
            .spawn(move || worker.run())
            .ok();
        Self {
            thread,
            shutdown,
            params,
        }
    }

    pub fn wake(&self) {
        self.params.refs.references.wake_loader();
    }
}

impl Drop for Loader {
    fn drop(&mut self) {
        self.shutdown.store(true, SeqCst);
        self.wake();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What a slot's last load was for and how it ended.
struct Done {
    path: String,
    reload: u32,
    rate: u32,
    fingerprint: Option<Fingerprint>,
    state: SlotState,
    message: String,
    measured: Option<Measured>,
    audio: Option<Arc<RefAudio>>,
}

struct ReferenceThread {
    params: Arc<LacquerParams>,
    link: Arc<Link>,
    shutdown: Arc<AtomicBool>,
    master_feed: rtrb::Consumer<[f32; 2]>,
    rate: u32,
    epoch: u64,
    seen_generation: Option<u64>,
    done: [Option<Done>; SLOTS],
    /// Deliveries the queue had no room for yet.
    outbox: Vec<Delivery>,
    master: Option<Accumulator>,
    master_changed: bool,
    master_published: Instant,
    feed_l: Vec<f32>,
    feed_r: Vec<f32>,
    was_learning: bool,
    last_learn: Instant,
}

impl ReferenceThread {
    fn store(&self) -> &super::ReferenceStore {
        &self.params.refs.references
    }

    fn run(&mut self) {
        while !self.shutdown.load(SeqCst) {
            self.housekeeping();
            self.reconcile();
            self.alignment();
            self.match_eq();
            self.store().wait(TICK);
        }
    }

    /// Free retired audio, send what waits, follow activations, analyse the master.
    fn housekeeping(&mut self) {
        while let Some(a) = self.link.retired.pop() {
            drop(a);
        }
        let epoch = self.link.epoch.load(SeqCst);
        if epoch != self.epoch {
            self.epoch = epoch;
            self.rate = self.link.rate.load(SeqCst);
            self.outbox.clear();
            // The new player starts empty: what is loaded at this rate goes in again.
            for (slot, d) in self.done.iter().enumerate() {
                if let Some(d) = d.as_ref().filter(|d| d.rate == self.rate) {
                    if let Some(audio) = &d.audio {
                        self.outbox.push(Delivery {
                            epoch,
                            slot,
                            audio: Some(audio.clone()),
                        });
                    }
                }
            }
            self.seen_generation = None;
        }
        while !self.outbox.is_empty() {
            let d = self.outbox.remove(0);
            if let Err(d) = self.link.deliveries.push(d) {
                self.outbox.insert(0, d);
                break;
            }
        }
        self.analyse_master();
    }

    fn deliver(&mut self, slot: usize, audio: Option<Arc<RefAudio>>) {
        self.outbox.push(Delivery {
            epoch: self.epoch,
            slot,
            audio,
        });
        while !self.outbox.is_empty() {
            let d = self.outbox.remove(0);
            if let Err(d) = self.link.deliveries.push(d) {
                self.outbox.insert(0, d);
                break;
            }
        }
    }

    fn reconcile(&mut self) {
        let generation = self.store().generation();
        if self.seen_generation == Some(generation) {
            return;
        }
        self.seen_generation = Some(generation);
        let settings = self.store().settings();
        for (i, want) in settings.slots.iter().enumerate() {
            if self.shutdown.load(SeqCst) {
                return;
            }
            if !self.reconcile_slot(i, want) {
                // Cancelled by a newer edit: start over with it.
                self.seen_generation = None;
                return;
            }
        }
    }

    /// False if a newer edit cancelled the load.
    fn reconcile_slot(&mut self, i: usize, want: &SlotSettings) -> bool {
        let path = want.path.trim().to_string();
        if path.is_empty() {
            if let Some(d) = self.done[i].take() {
                if d.audio.is_some() {
                    self.deliver(i, None);
                }
            }
            self.set_view(i, None);
            self.store().report(i, |s| {
                s.state = SlotState::Empty;
                s.message.clear();
            });
            return true;
        }
        if self.rate == 0 {
            self.store().report(i, |s| {
                s.state = SlotState::Loading;
                s.message = "waiting for the audio engine to start".into();
            });
            return true;
        }
        if let Some(d) = &self.done[i] {
            let same = d.path == path
                && d.reload == want.reload
                && d.rate == self.rate
                && (want.fingerprint.is_none() || want.fingerprint == d.fingerprint);
            if same {
                let (state, message, measured, fp) = (
                    d.state,
                    d.message.clone(),
                    d.measured.clone(),
                    d.fingerprint,
                );
                self.store().report(i, |s| {
                    s.state = state;
                    s.message = message;
                    if measured.is_some() {
                        s.measured = measured;
                    }
                    if fp.is_some() {
                        s.fingerprint = fp;
                    }
                });
                return true;
            }
        }

        self.store().progress[i].store(0.0, Relaxed);
        self.store().report(i, |s| {
            s.state = SlotState::Loading;
            s.message = "loading".into();
        });
        let generation = self.store().generation();
        let params = self.params.clone();
        let shutdown = self.shutdown.clone();
        let reload = want.reload;
        let wanted_path = path.clone();
        let cancel = || {
            if shutdown.load(Relaxed) {
                return true;
            }
            let store = &params.refs.references;
            if store.generation() == generation {
                return false;
            }
            let now = store.slot(i);
            now.path.trim() != wanted_path || now.reload != reload
        };
        let outcome = load_file(
            Path::new(&path),
            want.fingerprint,
            self.rate,
            &self.store().progress[i],
            &cancel,
        );
        let had_audio = self.done[i].as_ref().is_some_and(|d| d.audio.is_some());
        match outcome {
            Outcome::Cancelled => return false,
            Outcome::Loaded(loaded) => {
                let Loaded {
                    audio,
                    view,
                    fingerprint,
                    message,
                    measured,
                } = *loaded;
                let audio = Arc::new(audio);
                self.deliver(i, Some(audio.clone()));
                self.set_view(i, Some(Arc::new(view)));
                self.store().report(i, |s| {
                    s.state = SlotState::Ready;
                    s.message = message.clone();
                    s.fingerprint = Some(fingerprint);
                    s.measured = Some(measured.clone());
                });
                self.done[i] = Some(Done {
                    path,
                    reload,
                    rate: self.rate,
                    fingerprint: Some(fingerprint),
                    state: SlotState::Ready,
                    message,
                    measured: Some(measured),
                    audio: Some(audio),
                });
            }
            Outcome::Refused { state, message } => {
                if had_audio {
                    self.deliver(i, None);
                }
                self.set_view(i, None);
                self.store().report(i, |s| {
                    s.state = state;
                    s.message = message.clone();
                });
                self.done[i] = Some(Done {
                    path,
                    reload,
                    rate: self.rate,
                    fingerprint: want.fingerprint,
                    state,
                    message,
                    measured: None,
                    audio: None,
                });
            }
        }
        self.store().progress[i].store(1.0, Relaxed);
        true
    }

    fn set_view(&self, i: usize, view: Option<Arc<SlotView>>) {
        if let Ok(mut views) = self.store().views.lock() {
            views[i] = view;
        }
    }

    /// A status line that stays until the slot loads again.
    fn note(&mut self, i: usize, message: String) {
        if let Some(d) = self.done[i].as_mut() {
            d.message = message.clone();
        }
        self.store().report(i, |s| s.message = message);
    }
}
