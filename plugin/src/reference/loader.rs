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

/// How often a learning match EQ updates its curve.
const LEARN_EVERY: Duration = Duration::from_millis(500);
/// The master a curve needs before it means anything, seconds of non-silent audio.
const MIN_LEARN_SECONDS: f64 = 2.0;

/// Mean of the finite values (NaN if none).
fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for v in values.filter(|v| v.is_finite()) {
        sum += v;
        n += 1;
    }
    if n > 0 {
        sum / n as f64
    } else {
        f64::NAN
    }
}

/// A frozen curve on another band grid: its targets read off in log frequency, solved again.
fn regrid(curve: &MatchCurve, res: MatchResolution, rate: f64) -> MatchCurve {
    let Some(old) = curve.resolution() else {
        return curve.clone();
    };
    let at = |t: &[f32], f: f64| -> f32 {
        let x = (f / old.centre_hz(0)).log2() / old.octaves();
        let i = (x.floor().max(0.0) as usize).min(t.len().saturating_sub(2));
        let frac = (x - i as f64).clamp(0.0, 1.0) as f32;
        t[i] + (t[i + 1] - t[i]) * frac
    };
    let n = res.bands();
    let target_mid_db: Vec<f32> = (0..n)
        .map(|k| at(&curve.target_mid_db, res.centre_hz(k)))
        .collect();
    let target_side_db: Vec<f32> = (0..n)
        .map(|k| at(&curve.target_side_db, res.centre_hz(k)))
        .collect();
    MatchCurve {
        bands: n,
        gains_mid_db: solve_band_gains(res, &target_mid_db, rate)[..n].to_vec(),
        gains_side_db: solve_band_gains(res, &target_side_db, rate)[..n].to_vec(),
        target_mid_db,
        target_side_db,
        learned_s: curve.learned_s,
        references: curve.references.clone(),
    }
}

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
        let mut worker = Worker {
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

struct Worker {
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

impl Worker {
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

    /// Start requested alignments (hand the audio thread a buffer to fill from the master's
    /// input) and finish the ones whose buffer came back.
    fn alignment(&mut self) {
        for i in 0..SLOTS {
            if !self.store().align_request[i].swap(false, Relaxed) {
                continue;
            }
            let loaded = self.done[i].as_ref().is_some_and(|d| d.audio.is_some());
            let message = if !loaded {
                "load the reference before aligning it".to_string()
            } else {
                let frames = (ALIGN_SECONDS * self.rate as f64) as usize;
                let capture = Box::new(Capture {
                    slot: i,
                    start: 0,
                    len: 0,
                    data: vec![0.0; frames.max(1)].into_boxed_slice(),
                });
                match self.link.capture_free.push(capture) {
                    Ok(()) => format!(
                        "aligning: play the song ({ALIGN_SECONDS:.0} s of the mix are needed)"
                    ),
                    Err(_) => "another alignment is still listening; try again".to_string(),
                }
            };
            self.note(i, message);
        }
        while let Some(capture) = self.link.capture_done.pop() {
            let i = capture.slot.min(SLOTS - 1);
            let Some(audio) = self.done[i].as_ref().and_then(|d| d.audio.clone()) else {
                continue;
            };
            let message = match align(&capture.data[..capture.len], capture.start, &audio) {
                Some((offset, score)) if score >= MIN_ALIGN_SCORE => {
                    let offset_s = offset as f64 / audio.rate;
                    self.store().report(i, |s| {
                        s.offset_s = offset_s;
                        s.alignment = Some(score as f64);
                    });
                    format!(
                        "aligned: offset {offset_s:+.3} s (match {:.0} %)",
                        score * 100.0
                    )
                }
                Some((_, score)) => format!(
                    "no alignment found (best match {:.0} %): is this a version of the same mix?",
                    score * 100.0
                ),
                None => "no alignment found: the captured mix was silent".to_string(),
            };
            self.note(i, message);
        }
    }

    /// A status line that stays until the slot loads again.
    fn note(&mut self, i: usize, message: String) {
        if let Some(d) = self.done[i].as_mut() {
            d.message = message.clone();
        }
        self.store().report(i, |s| s.message = message);
    }

    /// Learn the match curve while asked to (from the master as it plays, undoing what the
    /// match EQ itself does to it), or move a frozen curve to another band grid.
    fn match_eq(&mut self) {
        let learning = self.params.refs.match_learn.value();
        let res = self.params.refs.match_resolution();
        if learning && !self.was_learning {
            // Learn from what plays from now on.
            self.store().master_reset.store(true, Relaxed);
            self.last_learn = Instant::now();
        }
        self.was_learning = learning;
        if learning {
            if self.last_learn.elapsed() < LEARN_EVERY {
                return;
            }
            self.last_learn = Instant::now();
            if let Some(curve) = self.learn(res) {
                self.store().set_match_curve(Some(curve));
            }
        } else if let Some(curve) = self.store().match_curve() {
            if curve.bands != res.bands() {
                self.store()
                    .set_match_curve(Some(regrid(&curve, res, self.rate as f64)));
            }
        }
    }

    fn learn(&self, res: MatchResolution) -> Option<MatchCurve> {
        let master = self.master.as_ref()?.ltas()?;
        if master.seconds < MIN_LEARN_SECONDS || self.rate == 0 {
            return None;
        }
        let rate = self.rate as f64;
        let settings = self.store().settings();
        let views: Vec<(usize, Arc<SlotView>)> = (0..SLOTS)
            .filter_map(|i| Some((i, self.store().view(i)?)))
            .filter(|(_, v)| v.ltas.is_some())
            .collect();
        let marked: Vec<&(usize, Arc<SlotView>)> = views
            .iter()
            .filter(|(i, _)| settings.slots[*i].in_match)
            .collect();
        let selected = (self.params.refs.slot.value() - 1).clamp(0, SLOTS as i32 - 1) as usize;
        let refs: Vec<&(usize, Arc<SlotView>)> = if marked.is_empty() {
            views.iter().filter(|(i, _)| *i == selected).collect()
        } else {
            marked
        };
        if refs.is_empty() {
            return None;
        }
        let n = res.bands();
        let half = 2f64.powf(res.octaves() / 2.0);
        let band = |l: &Ltas, side: bool, f: f64| l.band_db(side, f / half, f * half) as f64;
        // What the match EQ adds to the master now, to take back out of the measurement.
        let applied = self.store().match_params(
            self.params.refs.match_amount.value() as f64,
            self.params.refs.width_amount.value() as f64,
        );
        let lanes: [Vec<f32>; 2] = std::array::from_fn(|lane| {
            (0..MAX_MATCH_BANDS)
                .map(|k| applied.applied_db(k)[lane] as f32)
                .collect()
        });
        let in_range = |f: f64| (40.0..=16_000.0).contains(&f);
        // Each reference at its own level: its mid over 40 Hz-16 kHz averages 0 dB.
        let reference: Vec<[f64; 2]> = {
            let mut sum = vec![[0.0f64; 2]; n];
            let mut count = vec![0usize; n];
            for (_, v) in &refs {
                let l = v.ltas.as_ref()?;
                let db: Vec<[f64; 2]> = (0..n)
                    .map(|k| {
                        let f = res.centre_hz(k);
                        [band(l, false, f), band(l, true, f)]
                    })
                    .collect();
                let level = mean(
                    (0..n)
                        .filter(|&k| in_range(res.centre_hz(k)))
                        .map(|k| db[k][0]),
                );
                for k in 0..n {
                    if db[k][0].is_finite() && db[k][1].is_finite() && level.is_finite() {
                        sum[k][0] += db[k][0] - level;
                        sum[k][1] += db[k][1] - level;
                        count[k] += 1;
                    }
                }
            }
            (0..n)
                .map(|k| {
                    if count[k] > 0 {
                        [sum[k][0] / count[k] as f64, sum[k][1] / count[k] as f64]
                    } else {
                        [f64::NAN; 2]
                    }
                })
                .collect()
        };
        let diff: Vec<[f64; 2]> = (0..n)
            .map(|k| {
                let f = res.centre_hz(k);
                let m = band(&master, false, f)
                    - bank_response_db(applied.resolution, &lanes[0], f, rate);
                let s = band(&master, true, f)
                    - bank_response_db(applied.resolution, &lanes[1], f, rate);
                [reference[k][0] - m, reference[k][1] - s]
            })
            .collect();
        // Shape only: the correction leaves the overall level alone.
        let offset = mean(
            (0..n)
                .filter(|&k| in_range(res.centre_hz(k)))
                .map(|k| diff[k][0]),
        );
        if !offset.is_finite() {
            return None;
        }
        let limit = MATCH_LIMIT_DB as f64;
        let target = |lane: usize| -> Vec<f32> {
            (0..n)
                .map(|k| {
                    let d = diff[k][lane] - offset;
                    if d.is_finite() {
                        d.clamp(-limit, limit) as f32
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        let (target_mid_db, target_side_db) = (target(0), target(1));
        Some(MatchCurve {
            bands: n,
            gains_mid_db: solve_band_gains(res, &target_mid_db, rate)[..n].to_vec(),
            gains_side_db: solve_band_gains(res, &target_side_db, rate)[..n].to_vec(),
            target_mid_db,
            target_side_db,
            learned_s: master.seconds,
            references: refs.iter().map(|(i, _)| i + 1).collect(),
        })
    }

    fn analyse_master(&mut self) {
        if self.rate == 0 {
            return;
        }
        let reset = self.store().master_reset.swap(false, Relaxed);
        if reset
            || self
                .master
                .as_ref()
                .is_none_or(|m| m.rate() != self.rate as f64)
        {
            self.master = Some(Accumulator::new(self.rate as f64));
            self.master_changed = true;
        }
        let n = self.master_feed.slots();
        if n > 0 {
            if let Ok(chunk) = self.master_feed.read_chunk(n) {
                let (a, b) = chunk.as_slices();
                self.feed_l.clear();
                self.feed_r.clear();
                for f in a.iter().chain(b) {
                    self.feed_l.push(f[0]);
                    self.feed_r.push(f[1]);
                }
                chunk.commit_all();
                if let Some(m) = self.master.as_mut() {
                    m.push(&self.feed_l, &self.feed_r);
                }
                self.master_changed = true;
            }
        }
        if self.master_changed && self.master_published.elapsed() >= MASTER_PUBLISH {
            self.master_published = Instant::now();
            self.master_changed = false;
            if let Some(m) = &self.master {
                let stats = Arc::new(m.stats());
                if let Ok(mut slot) = self.store().master.lock() {
                    *slot = Some(stats);
                }
            }
        }
    }
}

pub struct Loaded {
    pub audio: RefAudio,
    pub view: SlotView,
    pub fingerprint: Fingerprint,
    pub message: String,
    pub measured: Measured,
}

pub enum Outcome {
    Loaded(Box<Loaded>),
    Refused { state: SlotState, message: String },
    Cancelled,
}

fn refused(state: SlotState, message: impl Into<String>) -> Outcome {
    Outcome::Refused {
        state,
        message: message.into(),
    }
}

fn failed(message: impl Into<String>) -> Outcome {
    refused(SlotState::Failed, message)
}

fn minutes(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

fn khz(rate: u32) -> String {
    if rate.is_multiple_of(1000) {
        format!("{} kHz", rate / 1000)
    } else {
        format!("{:.1} kHz", rate as f64 / 1000.0)
    }
}

/// The slot's status for a file that cannot be read.
fn describe(e: &AudioFileError) -> Outcome {
    match e {
        AudioFileError::Open { error, .. } if error.kind() == std::io::ErrorKind::NotFound => {
            refused(
                SlotState::Missing,
                "missing - relink: the file is not there",
            )
        }
        AudioFileError::Open { error, .. } => failed(format!("cannot open the file: {error}")),
        AudioFileError::Unsupported { detail, .. } => {
            failed(format!("not an audio file Lacquer can read ({detail})"))
        }
        AudioFileError::Channels { channels, .. } => failed(format!(
            "has {channels} channels; a reference must be mono or stereo"
        )),
        AudioFileError::Truncated {
            expected_frames,
            decoded_frames,
            ..
        } => failed(format!(
            "truncated: the header promises {expected_frames} frames, the file ends after \
             {decoded_frames}"
        )),
        AudioFileError::Malformed {
            at_seconds, detail, ..
        } => failed(format!("damaged audio at {at_seconds:.2} s ({detail})")),
        AudioFileError::Read { error, .. } => failed(format!("cannot read the file: {error}")),
    }
}

fn too_long(seconds: f64) -> Outcome {
    failed(format!(
        "is {} long; a reference may be at most {} (memory)",
        minutes(seconds),
        minutes(MAX_SECONDS)
    ))
}

/// Decode, resample to `rate`, measure and store one file. `wanted` is the fingerprint the
/// session expects (a different file there is "missing"); `cancel` is polled between blocks.
pub fn load_file(
    path: &Path,
    wanted: Option<Fingerprint>,
    rate: u32,
    progress: &AtomicF32,
    cancel: &dyn Fn() -> bool,
) -> Outcome {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return refused(
                SlotState::Missing,
                format!("missing - relink: not found at {}", path.display()),
            )
        }
        Err(e) => return failed(format!("cannot open the file: {e}")),
        Ok(m) if m.is_dir() => return failed("is a folder, not an audio file"),
        Ok(m) if m.len() == 0 => return failed("is empty (0 bytes)"),
        Ok(_) => {}
    }
    let fingerprint = match Fingerprint::of(path) {
        Ok(f) => f,
        Err(e) => return failed(format!("cannot read the file: {e}")),
    };
    if wanted.is_some_and(|w| w != fingerprint) {
        return refused(
            SlotState::Missing,
            "missing - relink: the file changed since the session was saved",
        );
    }
    let mut reader = match AudioReader::open(path) {
        Ok(r) => r,
        Err(e) => return describe(&e),
    };
    let info = reader.info().clone();
    if !(1_000..=768_000).contains(&info.sample_rate) {
        return failed(format!(
            "has a sample rate of {} Hz; Lacquer reads 1 kHz to 768 kHz",
            info.sample_rate
        ));
    }
    if info.frames == Some(0) {
        return failed("contains no audio");
    }
    if let Some(s) = info.seconds().filter(|&s| s > MAX_SECONDS) {
        return too_long(s);
    }
    let mut resampler = if info.sample_rate == rate {
        None
    } else {
        match StreamResampler::new(info.sample_rate, rate) {
            Ok(r) => Some(r),
            Err(e) => return failed(e),
        }
    };
    let ratio = rate as f64 / info.sample_rate as f64;
    let expected = info.frames.map(|f| (f as f64 * ratio).ceil() as usize + 16);
    let mut builder = Builder::new(rate as f64, expected);
    let (mut a, mut b) = (vec![0.0f32; READ_FRAMES], vec![0.0f32; READ_FRAMES]);
    let (mut ol, mut or) = (Vec::new(), Vec::new());
    let mut decoded = 0u64;
    loop {
        if cancel() {
            return Outcome::Cancelled;
        }
        let n = match reader.read(&mut a, &mut b) {
            Ok(n) => n,
            Err(e) => return describe(&e),
        };
        if n == 0 {
            break;
        }
        decoded += n as u64;
        if decoded as f64 / info.sample_rate as f64 > MAX_SECONDS {
            return too_long(decoded as f64 / info.sample_rate as f64);
        }
        match resampler.as_mut() {
            Some(rs) => {
                ol.clear();
                or.clear();
                rs.process(&a[..n], &b[..n], &mut ol, &mut or);
                builder.push(&ol, &or);
            }
            None => builder.push(&a[..n], &b[..n]),
        }
        if let Some(total) = info.frames {
            progress.store((decoded as f64 / total as f64).min(1.0) as f32, Relaxed);
        }
    }
    if let Some(rs) = resampler.as_mut() {
        ol.clear();
        or.clear();
        rs.finish(&mut ol, &mut or);
        builder.push(&ol, &or);
    }
    if builder.frames == 0 {
        return failed("contains no audio");
    }
    let stereo = builder.channels == 2;
    let (audio, view, mut measured) = builder.finish();
    measured.source_rate = info.sample_rate;
    measured.channels = if stereo { 2 } else { info.channels.min(2) };
    let mut message = format!(
        "{} {}, {}",
        khz(info.sample_rate),
        if info.channels == 1 { "mono" } else { "stereo" },
        minutes(audio.seconds())
    );
    if info.sample_rate != rate {
        message += &format!(", resampled to {}", khz(rate));
    }
    if audio.integrated_lufs.is_finite() {
        message += &format!(", {:.1} LUFS", audio.integrated_lufs);
    } else {
        message += ", silent";
    }
    Outcome::Loaded(Box::new(Loaded {
        view: SlotView {
            measured: measured.clone(),
            ..view
        },
        audio,
        fingerprint,
        message,
        measured,
    }))
}

/// Collects resampled audio: measures it and stores it block-scaled.
struct Builder {
    rate: f64,
    /// 1 while every frame so far had left == right (stored once), then 2.
    channels: usize,
    expected: Option<usize>,
    samples: Vec<i16>,
    scales: Vec<f32>,
    stage: Vec<[f32; 2]>,
    meter: LoudnessMeter,
    true_peak: TruePeakMeter,
    short_term_len: usize,
    short_term_pos: usize,
    short_term: Vec<f32>,
    compare: Accumulator,
    rng: u64,
    frames: usize,
}

impl Builder {
    fn new(rate: f64, expected: Option<usize>) -> Self {
        Self {
            rate,
            channels: 1,
            expected,
            samples: Vec::with_capacity(expected.unwrap_or(0)),
            scales: Vec::with_capacity(expected.unwrap_or(0) / QUANT_BLOCK + 1),
            stage: Vec::with_capacity(QUANT_BLOCK),
            meter: LoudnessMeter::new(rate, 2),
            true_peak: TruePeakMeter::new(2),
            short_term_len: ((rate / SHORT_TERM_HZ).round() as usize).max(1),
            short_term_pos: 0,
            short_term: Vec::new(),
            compare: Accumulator::new(rate),
            rng: 0x9e37_79b9_7f4a_7c15,
            frames: 0,
        }
    }

    fn push(&mut self, left: &[f32], right: &[f32]) {
        let n = left.len().min(right.len());
        let mut i = 0;
        while i < n {
            let take = (self.short_term_len - self.short_term_pos).min(n - i);
            self.meter
                .process_stereo(&left[i..i + take], &right[i..i + take]);
            self.short_term_pos += take;
            i += take;
            if self.short_term_pos == self.short_term_len {
                self.short_term.push(self.meter.short_term_lufs() as f32);
                self.short_term_pos = 0;
            }
        }
        self.true_peak.process(&[&left[..n], &right[..n]]);
        self.compare.push(&left[..n], &right[..n]);
        for (&l, &r) in left.iter().zip(right) {
            self.stage.push([l, r]);
            if self.stage.len() == QUANT_BLOCK {
                self.flush();
            }
        }
        self.frames += n;
    }

    /// TPDF noise of +-1 step.
    fn dither(&mut self) -> f32 {
        let mut next = || {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            (self.rng >> 40) as f32 / (1u64 << 24) as f32
        };
        next() - next()
    }

    fn flush(&mut self) {
        if self.stage.is_empty() {
            return;
        }
        if self.channels == 1 && self.stage.iter().any(|f| f[0] != f[1]) {
            // Stereo after all: store what came so far on both sides.
            let mut both = Vec::with_capacity(2 * self.expected.unwrap_or(self.samples.len()));
            for &v in &self.samples {
                both.push(v);
                both.push(v);
            }
            self.samples = both;
            self.channels = 2;
        }
        let peak = self
            .stage
            .iter()
            .fold(0.0f32, |m, f| m.max(f[0].abs()).max(f[1].abs()));
        let peak = if peak.is_finite() { peak } else { 0.0 };
        let scale = peak / 32767.0;
        let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
        let stage = std::mem::take(&mut self.stage);
        for f in &stage {
            for &x in &f[..self.channels] {
                let x = if x.is_finite() { x } else { 0.0 };
                let q = if scale > 0.0 {
                    (x * inv + self.dither()).round().clamp(-32767.0, 32767.0)
                } else {
                    0.0
                };
                self.samples.push(q as i16);
            }
        }
        self.stage = stage;
        self.stage.clear();
        self.scales.push(scale);
    }

    fn finish(mut self) -> (RefAudio, SlotView, Measured) {
        self.flush();
        let finite = |v: f64| v.is_finite().then_some(v);
        let integrated = self.meter.integrated_lufs();
        let seconds = self.frames as f64 / self.rate;
        let measured = Measured {
            integrated_lufs: finite(integrated),
            loudness_range_lu: finite(self.meter.loudness_range_lu()),
            true_peak_dbtp: finite(self.true_peak.max_dbtp()),
            seconds,
            source_rate: 0,
            channels: self.channels,
        };
        let view = SlotView {
            overview: self.scales.iter().map(|s| s * 32767.0).collect(),
            seconds,
            block_seconds: QUANT_BLOCK as f64 / self.rate,
            stats: self.compare.stats(),
            measured: measured.clone(),
            ltas: self.compare.ltas(),
        };
        let audio = RefAudio {
            rate: self.rate,
            frames: self.frames,
            channels: self.channels,
            samples: self.samples.into_boxed_slice(),
            scales: self.scales.into_boxed_slice(),
            short_term: self.short_term.into_boxed_slice(),
            integrated_lufs: integrated,
        };
        (audio, view, measured)
    }
}

/// Below this normalised correlation an alignment is not trusted.
pub const MIN_ALIGN_SCORE: f32 = 0.5;

/// Where `capture` (the master's input from song position `start`, mono) sits in `audio`:
/// the offset (reference frame = song position + offset) and the normalised correlation there.
/// A coarse search over the whole reference at about 6 kHz (FFT cross-correlation, normalised
/// by the reference's local energy), then the exact frame at the full rate.
pub fn align(capture: &[f32], start: i64, audio: &RefAudio) -> Option<(i64, f32)> {
    use realfft::RealFftPlanner;
    let energy: f64 = capture.iter().map(|&x| x as f64 * x as f64).sum();
    if capture.is_empty() || energy / (capture.len() as f64) < 1e-10 {
        return None;
    }
    let mono: Vec<f32> = (0..audio.frames as i64)
        .map(|p| {
            let (l, r) = audio.frame(p);
            0.5 * (l + r)
        })
        .collect();
    let d = ((audio.rate / 6_000.0).round() as usize).max(1);
    let decimate = |x: &[f32]| -> Vec<f32> {
        x.chunks(d)
            .map(|c| c.iter().sum::<f32>() / c.len() as f32)
            .collect()
    };
    let (c, r) = (decimate(capture), decimate(&mono));
    let size = (c.len() + r.len()).next_power_of_two();
    let mut planner = RealFftPlanner::<f32>::new();
    let fwd = planner.plan_fft_forward(size);
    let inv = planner.plan_fft_inverse(size);
    let mut buf = vec![0.0f32; size];
    buf[..c.len()].copy_from_slice(&c);
    let mut cs = fwd.make_output_vec();
    fwd.process(&mut buf, &mut cs).ok()?;
    buf.fill(0.0);
    buf[..r.len()].copy_from_slice(&r);
    let mut rs = fwd.make_output_vec();
    fwd.process(&mut buf, &mut rs).ok()?;
    for (x, y) in rs.iter_mut().zip(&cs) {
        *x *= y.conj();
    }
    inv.process(&mut rs, &mut buf).ok()?;
    // buf[k] = sum c[n] r[n + k] (times size), k >= 0: the capture starts at r[k].
    let mut prefix = vec![0.0f64; r.len() + 1];
    for (i, &x) in r.iter().enumerate() {
        prefix[i + 1] = prefix[i] + x as f64 * x as f64;
    }
    let ce: f64 = c.iter().map(|&x| x as f64 * x as f64).sum();
    let mut best = (0usize, f64::NEG_INFINITY);
    // Lags where at least half the capture overlaps the reference.
    let max_lag = r.len().saturating_sub(c.len() / 2);
    for k in 0..max_lag.min(size) {
        let end = (k + c.len()).min(r.len());
        let re = prefix[end] - prefix[k];
        if re <= 1e-12 {
            continue;
        }
        let score = buf[k] as f64 / size as f64 / (ce * re).sqrt();
        if score > best.1 {
            best = (k, score);
        }
    }
    if !best.1.is_finite() {
        return None;
    }
    // Exact frame at the full rate around the coarse lag.
    let centre = (best.0 * d) as i64;
    let mut fine = (centre, f64::NEG_INFINITY);
    for lag in centre - 2 * d as i64..=centre + 2 * d as i64 {
        let (mut xy, mut yy) = (0.0f64, 0.0f64);
        for (n, &x) in capture.iter().enumerate() {
            let p = lag + n as i64;
            if p < 0 || p as usize >= mono.len() {
                continue;
            }
            let y = mono[p as usize] as f64;
            xy += x as f64 * y;
            yy += y * y;
        }
        if yy > 0.0 {
            let score = xy / (energy * yy).sqrt();
            if score > fine.1 {
                fine = (lag, score);
            }
        }
    }
    fine.1
        .is_finite()
        .then_some((fine.0 - start, fine.1 as f32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> std::path::PathBuf {
        std::env::temp_dir().join(format!("lacquer-ref-{}-{name}", std::process::id()))
    }

    /// A 16-bit WAV (no other writer in this crate's dependencies).
    fn write_wav(
        path: &Path,
        rate: u32,
        channels: u16,
        frames: usize,
        f: impl Fn(usize, usize) -> f32,
    ) {
        let data = frames * channels as usize * 2;
        let mut b = Vec::with_capacity(44 + data);
        b.extend_from_slice(b"RIFF");
        b.extend_from_slice(&((36 + data) as u32).to_le_bytes());
        b.extend_from_slice(b"WAVEfmt ");
        b.extend_from_slice(&16u32.to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&channels.to_le_bytes());
        b.extend_from_slice(&rate.to_le_bytes());
        b.extend_from_slice(&(rate * channels as u32 * 2).to_le_bytes());
        b.extend_from_slice(&(channels * 2).to_le_bytes());
        b.extend_from_slice(&16u16.to_le_bytes());
        b.extend_from_slice(b"data");
        b.extend_from_slice(&(data as u32).to_le_bytes());
        for n in 0..frames {
            for c in 0..channels as usize {
                let v = (f(n, c).clamp(-1.0, 1.0) * 32767.0).round() as i16;
                b.extend_from_slice(&v.to_le_bytes());
            }
        }
        std::fs::write(path, b).unwrap();
    }

    fn never() -> bool {
        false
    }

    /// A mono file is stored once; loudness and true peak come from Lacquer's meters; the
    /// stored audio equals the file within the 16-bit block quantisation.
    #[test]
    fn loads_measures_and_stores_compactly() {
        let path = temp("mono.wav");
        let f = |n: usize, _| 0.25 * (std::f32::consts::TAU * 1000.0 * n as f32 / 48_000.0).sin();
        write_wav(&path, 48_000, 1, 48_000 * 6, f);
        let progress = AtomicF32::new(0.0);
        let Outcome::Loaded(l) = load_file(&path, None, 48_000, &progress, &never) else {
            panic!("not loaded")
        };
        let a = &l.audio;
        // EBU Tech 3341's calibration: a 1 kHz sine of peak A on both channels reads
        // 20 log10 A LUFS.
        let expected = 20.0 * 0.25f64.log10();
        let worst = (0..a.frames as i64)
            .map(|p| (a.frame(p).0 - f(p as usize, 0)).abs())
            .fold(0.0f32, f32::max);
        println!(
            "{}: {} channel(s) stored, {} bytes, integrated {:.2} LUFS (expected {expected:.2}), \
             true peak {:.2} dBTP, worst sample error {worst:.2e}",
            l.message,
            a.channels,
            a.bytes(),
            a.integrated_lufs,
            l.measured.true_peak_dbtp.unwrap()
        );
        assert_eq!(a.channels, 1);
        assert!((a.integrated_lufs - expected).abs() < 0.05);
        assert!((l.measured.true_peak_dbtp.unwrap() - -12.04).abs() < 0.1);
        // 16-bit quantisation plus its conversion from the file's own 16 bits.
        assert!(worst < 1.5 / 32767.0 + 0.5 / 32767.0, "{worst}");
        assert!(progress.load(Relaxed) > 0.99);
        std::fs::remove_file(path).ok();
    }

    /// The README's figures: a 5-minute stereo 44.1 kHz reference loaded for a 48 kHz session
    /// (bytes held, seconds to decode, resample, measure and store). Slow; run with
    /// `--ignored --nocapture`.
    #[test]
    #[ignore]
    fn five_minute_reference_memory_and_load_time() {
        let path = temp("five-minutes.wav");
        let f = |n: usize, c: usize| {
            let t = n as f32 / 44_100.0;
            0.3 * (std::f32::consts::TAU * (110.0 + 40.0 * c as f32) * t).sin()
                + 0.2 * (std::f32::consts::TAU * 3_000.0 * t * (1.0 + 0.001 * t)).sin()
        };
        write_wav(&path, 44_100, 2, 300 * 44_100, f);
        let progress = AtomicF32::new(0.0);
        let start = Instant::now();
        let Outcome::Loaded(l) = load_file(&path, None, 48_000, &progress, &never) else {
            panic!("not loaded")
        };
        let took = start.elapsed().as_secs_f64();
        let bytes = l.audio.bytes();
        println!(
            "5:00 stereo 44.1 kHz -> 48 kHz: {bytes} bytes ({:.1} MB; eight: {:.0} MB), \
             loaded in {took:.2} s ({:.0}x realtime)",
            bytes as f64 / 1e6,
            8.0 * bytes as f64 / 1e6,
            300.0 / took
        );
        assert_eq!(l.audio.frames, 300 * 48_000);
        std::fs::remove_file(path).ok();
    }

    /// An earlier version of the mix (other level, a gentle low-pass, 1.7 s later in its file)
    /// is found at the exact frame.
    #[test]
    fn alignment_finds_the_exact_offset() {
        let rate = 48_000usize;
        let mut seed = 99u64;
        let mut noise = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        // "Music": noise through a resonant-ish smoother, with a slow level swell.
        let mut y = 0.0f32;
        let mix: Vec<f32> = (0..rate * 40)
            .map(|n| {
                y = 0.9 * y + 0.1 * noise();
                y * (1.0 + 0.5 * (n as f32 / 24_000.0).sin())
            })
            .collect();
        let lead = (1.7 * rate as f64) as usize + 13;
        // Another level, a zero-phase softening and a little noise of its own.
        let reference: Vec<f32> = (0..rate * 60)
            .map(|m| {
                let at = |k: i64| {
                    let i = m as i64 - lead as i64 + k;
                    if i >= 0 && (i as usize) < mix.len() {
                        mix[i as usize]
                    } else {
                        0.0
                    }
                };
                0.6 * (0.25 * at(-1) + 0.5 * at(0) + 0.25 * at(1)) + 0.002 * noise()
            })
            .collect();
        let audio = super::super::player::tests::audio_from(&reference, &reference, -14.0, vec![]);
        // The master's input heard from song position 20 s on (the song starts at 0).
        let start = 20 * rate;
        let capture = &mix[start..start + 10 * rate];
        let (offset, score) = align(capture, start as i64, &audio).expect("aligned");
        println!("offset {offset} (expected {lead}), match {score:.3}");
        assert_eq!(offset, lead as i64);
        assert!(score > 0.9);
    }
}
