//! Reference tracks: up to eight finished masters to hold the session's master against.
//!
//! Three threads take part, and only one of them ever waits:
//! - the host's main thread and the editor edit the slots' settings (`ReferenceStore`, saved in
//!   the plugin state as the `references` field: paths, offsets, loop regions, the last known
//!   status; never audio);
//! - the reference thread (`loader`) notices every change, decodes and resamples files, measures
//!   them with Lacquer's own meters, aligns them, and hands finished audio to the audio thread
//!   through a lock-free queue; it also takes back the audio the audio thread is done with, so
//!   nothing is freed in `process()`;
//! - the audio thread (`player`) plays the selected reference in place of the master with
//!   equal-power crossfades, following the host's transport or looping a region, level-matched
//!   to the master's loudness.
//!
//! Memory: a reference is held at the session rate as 16-bit samples in blocks of
//! `QUANT_BLOCK` frames, each block with its own `f32` scale (block floating point, TPDF
//! dithered): 4 bytes per stereo frame, so eight 5-minute stereo references at 48 kHz take
//! 8 x 300 s x 48 000 x 4 B = 461 MB. The quantisation noise sits about 96 dB under each
//! block's own peak, so quiet passages keep their resolution.

pub mod loader;
pub mod player;

pub use lacquer_session::reference::*;

use crossbeam::queue::ArrayQueue;
use std::sync::atomic::{AtomicU32, AtomicU64};
use std::sync::Arc;

/// A reference at the session rate, ready to play. Shared (`Arc`) between the reference
/// thread and the audio thread; the audio thread never drops its last handle (it sends it
/// back), so no audio is ever freed in `process()`.
pub struct RefAudio {
    pub rate: f64,
    pub frames: usize,
    /// 1 (mono, stored once, played on both sides) or 2 (interleaved).
    pub channels: usize,
    pub samples: Box<[i16]>,
    /// Per `QUANT_BLOCK` frames: the factor from stored integer to sample value.
    pub scales: Box<[f32]>,
    /// Short-term loudness (LUFS) every 100 ms: entry `k` is the 3 s ending at `k` x 100 ms.
    pub short_term: Box<[f32]>,
    pub integrated_lufs: f64,
}

impl RefAudio {
    /// Stereo frame `p` (silence outside the file).
    #[inline]
    pub fn frame(&self, p: i64) -> (f32, f32) {
        if p < 0 || p as usize >= self.frames {
            return (0.0, 0.0);
        }
        let p = p as usize;
        let scale = self.scales[p / QUANT_BLOCK];
        if self.channels == 1 {
            let v = self.samples[p] as f32 * scale;
            (v, v)
        } else {
            (
                self.samples[2 * p] as f32 * scale,
                self.samples[2 * p + 1] as f32 * scale,
            )
        }
    }

    /// Short-term loudness of the 3 s before frame `p`, LUFS (-inf in silence).
    pub fn short_term_at(&self, p: i64) -> f32 {
        if self.short_term.is_empty() || p < 0 {
            return f32::NEG_INFINITY;
        }
        let k = (p as f64 * SHORT_TERM_HZ / self.rate) as usize;
        self.short_term[k.min(self.short_term.len() - 1)]
    }

    pub fn seconds(&self) -> f64 {
        self.frames as f64 / self.rate
    }

    /// Bytes held (what the README's memory figure counts).
    pub fn bytes(&self) -> usize {
        self.samples.len() * 2 + self.scales.len() * 4 + self.short_term.len() * 4
    }
}

/// Reference thread -> audio thread: put `audio` in `slot` (`None` empties it).
pub struct Delivery {
    pub epoch: u64,
    pub slot: usize,
    pub audio: Option<Arc<RefAudio>>,
}

/// The master's input as the alignment hears it: mono, from song position `start`.
pub struct Capture {
    pub slot: usize,
    pub start: i64,
    pub len: usize,
    pub data: Box<[f32]>,
}

/// The queues between the reference thread and the audio thread.
pub struct Link {
    pub deliveries: ArrayQueue<Delivery>,
    pub retired: ArrayQueue<Arc<RefAudio>>,
    pub capture_free: ArrayQueue<Box<Capture>>,
    pub capture_done: ArrayQueue<Box<Capture>>,
    /// Session rate (Hz, rounded; 0 before the first activation).
    pub rate: AtomicU32,
    /// Bumped by every activation: deliveries of an older one are stale.
    pub epoch: AtomicU64,
}

impl Default for Link {
    fn default() -> Self {
        Self {
            deliveries: ArrayQueue::new(4 * SLOTS),
            retired: ArrayQueue::new(8 * SLOTS),
            capture_free: ArrayQueue::new(2),
            capture_done: ArrayQueue::new(2),
            rate: AtomicU32::new(0),
            epoch: AtomicU64::new(0),
        }
    }
}

/// Master frames queued for the reference thread's long-term analysis (a few seconds).
pub const MASTER_RING: usize = 1 << 17;

/// The plugin's side of the reference tracks: the reference thread and the audio-thread
/// player, wired together.
pub struct References {
    link: Arc<Link>,
    player: player::Player,
    capture: Option<Box<Capture>>,
    master_tap: rtrb::Producer<[f32; 2]>,
    /// Where the song is this block (`None` without a transport), corrected for split blocks.
    song_pos: Option<i64>,
    playing: bool,
    last_host_pos: Option<i64>,
    last_len: usize,
    // Declared last: joined after the rest is dropped (it holds the other queue ends).
    _loader: loader::Loader,
}

/// Host transport as the player needs it.
#[derive(Debug, Clone, Copy, Default)]
pub struct TransportInfo {
    pub playing: bool,
    pub pos_samples: Option<i64>,
    /// With a tempo nice-plug corrects the position of blocks it splits for automation.
    pub has_tempo: bool,
}

impl References {
    pub fn new(params: Arc<lacquer_session::params::LacquerParams>) -> Self {
        let link = Arc::new(Link::default());
        let (master_tap, master_feed) = rtrb::RingBuffer::new(MASTER_RING);
        let loader = loader::Loader::spawn(params, link.clone(), master_feed);
        Self {
            link,
            player: player::Player::new(48_000.0),
            capture: None,
            master_tap,
            song_pos: None,
            playing: false,
            last_host_pos: None,
            last_len: 0,
            _loader: loader,
        }
    }

    /// Main thread (`activate`): a player for the new rate; the reference thread sends the
    /// loaded references again (resampled anew if the rate changed).
    pub fn activate(&mut self, sample_rate: f64) {
        let old = std::mem::replace(&mut self.player, player::Player::new(sample_rate));
        drop(old);
        while let Some(d) = self.link.deliveries.pop() {
            drop(d);
        }
        self.capture = None;
        self.last_host_pos = None;
        self.link.rate.store(
            sample_rate.round() as u32,
            std::sync::atomic::Ordering::SeqCst,
        );
        self.link
            .epoch
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.player.epoch = self.link.epoch.load(std::sync::atomic::Ordering::SeqCst);
        self._loader.wake();
    }

    /// Audio thread, before the chain: note the song position and feed a pending alignment
    /// with the master's input.
    pub fn before_chain(&mut self, left: &[f32], right: &[f32], transport: TransportInfo) {
        let n = left.len();
        self.playing = transport.playing;
        self.song_pos = match transport.pos_samples {
            None => None,
            Some(p) => {
                // nice-plug cannot advance the position of a block it splits for automation
                // without a tempo: the same position again while playing is such a split.
                let split = transport.playing
                    && !transport.has_tempo
                    && self.last_host_pos == Some(p)
                    && self.last_len > 0;
                let pos = if split {
                    self.song_pos.map_or(p, |s| s + self.last_len as i64)
                } else {
                    p
                };
                self.last_host_pos = Some(p);
                Some(pos)
            }
        };
        self.last_len = n;

        if self.capture.is_none() {
            self.capture = self.link.capture_free.pop();
        }
        if let (Some(c), Some(pos), true) = (self.capture.as_mut(), self.song_pos, self.playing) {
            if c.len > 0 && c.start + c.len as i64 != pos {
                c.len = 0;
            }
            if c.len == 0 {
                c.start = pos;
            }
            let take = n.min(c.data.len() - c.len);
            for i in 0..take {
                c.data[c.len + i] = 0.5 * (left[i] + right[i]);
            }
            c.len += take;
            if c.len == c.data.len() {
                if let Some(done) = self.capture.take() {
                    if let Err(back) = self.link.capture_done.push(done) {
                        self.capture = Some(back);
                    }
                }
            }
        }
    }

    /// Audio thread, after the chain: feed the master analysis, then put the reference in
    /// place of the master as the settings ask.
    pub fn after_chain(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        store: &ReferenceStore,
        settings: player::PlayerSettings,
        latency: usize,
        master: player::MasterLoudness,
    ) {
        let n = left.len().min(right.len()).min(self.master_tap.slots());
        if let Ok(mut chunk) = self.master_tap.write_chunk(n) {
            let (a, b) = chunk.as_mut_slices();
            for (i, slot) in a.iter_mut().chain(b.iter_mut()).enumerate() {
                *slot = [left[i], right[i]];
            }
            chunk.commit_all();
        }
        self.player.install(&self.link);
        let clock = player::Clock {
            song_pos: self.song_pos,
            playing: self.playing,
            latency,
        };
        self.player
            .process(left, right, store, settings, clock, master);
    }
}
