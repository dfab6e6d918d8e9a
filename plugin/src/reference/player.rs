//! Audio-thread playback of the references: no allocation, no lock, no wait.
//!
//! Every source (the master and each slot) has a fade position that moves 0..1 at one rate
//! (`FADE_MS` end to end) toward its target, and plays at gain sin(pi/2 x fade). A plain
//! switch moves one source up while another moves down, so their gains are sin and cos of the
//! same angle: an equal-power crossfade. A switch in the middle of a fade simply turns the
//! fades round, so the gains never jump.
//!
//! A reference reads at a cursor: in "follow" mode the song position minus the chain's
//! latency plus the slot's offset, so it lines up with the master as heard; in "loop" mode a
//! phase inside the slot's loop region that runs on its own. Whenever the cursor jumps (the
//! host seeks, the offset or the region changes) the old and the new positions crossfade over
//! 10 ms; the loop's end crossfades into the audio just before its start, so the wrap is
//! seamless. A stopped transport fades a following reference out.

use super::{Link, RefAudio, ReferenceStore, FADE_MS, SLOTS};
use lacquer_session::params::{HostRefLevel, HostRefMode, ReferenceHostParams};
use std::f32::consts::FRAC_PI_2;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayMode {
    Follow,
    Loop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelMode {
    Integrated,
    ShortTerm,
}

/// The host parameters the player follows.
#[derive(Debug, Clone, Copy)]
pub struct PlayerSettings {
    pub listen: bool,
    /// 0-based.
    pub slot: usize,
    pub mode: PlayMode,
    pub level: LevelMode,
    /// Play at the file's own level (no level match).
    pub true_level: bool,
}

impl PlayerSettings {
    /// The settings the reference parameters ask for now.
    pub fn of(p: &ReferenceHostParams) -> Self {
        Self {
            listen: p.listen.value(),
            slot: p.slot_index(),
            mode: match p.mode.value() {
                HostRefMode::Follow => PlayMode::Follow,
                HostRefMode::Loop => PlayMode::Loop,
            },
            level: match p.level.value() {
                HostRefLevel::Integrated => LevelMode::Integrated,
                HostRefLevel::ShortTerm => LevelMode::ShortTerm,
            },
            true_level: p.true_level.value(),
        }
    }
}

/// Where the song is for this block.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Song position of the block's first input sample; `None` without a transport (then
    /// "follow" runs on its own from activation).
    pub song_pos: Option<i64>,
    pub playing: bool,
    /// The chain's latency: the master heard now is the input of this many samples ago.
    pub latency: usize,
}

/// The master's loudness now, LUFS (from the chain's output meter).
#[derive(Debug, Clone, Copy)]
pub struct MasterLoudness {
    pub integrated_lufs: f64,
    pub short_term_lufs: f64,
}

const JUMP_MS: f64 = 10.0;
const LOOP_XFADE_MS: f64 = 10.0;
/// Time constant of the level-match gain.
const GAIN_TAU_S: f64 = 0.1;
const MAX_MATCH_DB: f32 = 30.0;
/// Loudness below which a short-term reading says nothing about level (fade-ins, pauses).
const QUIET_LUFS: f64 = -70.0;
/// Loop regions shorter than this loop the whole file instead.
const MIN_LOOP_S: f64 = 0.1;
const STASH: usize = 16;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cursor {
    Follow(i64),
    Loop { start: i64, len: i64, q: i64 },
}

impl Cursor {
    fn advanced(self, n: i64) -> Self {
        match self {
            Cursor::Follow(p) => Cursor::Follow(p + n),
            Cursor::Loop { start, len, q } => Cursor::Loop {
                start,
                len,
                q: (q + n).rem_euclid(len.max(1)),
            },
        }
    }

    fn position(self) -> i64 {
        match self {
            Cursor::Follow(p) => p,
            Cursor::Loop { start, q, .. } => start + q,
        }
    }
}

#[inline]
fn eq_power(fade: f32) -> f32 {
    if fade >= 1.0 {
        1.0
    } else if fade <= 0.0 {
        0.0
    } else {
        (fade * FRAC_PI_2).sin()
    }
}

#[inline]
fn toward(x: f32, target: f32, step: f32) -> f32 {
    if x < target {
        (x + step).min(target)
    } else {
        (x - step).max(target)
    }
}

pub struct Player {
    /// The activation this player belongs to (deliveries of others are stale).
    pub epoch: u64,
    rate: f64,
    slots: [Option<Arc<RefAudio>>; SLOTS],
    /// Audio waiting for its slot to fade out before it goes in (`Some(None)`: empty it).
    pending: [Option<Option<Arc<RefAudio>>>; SLOTS],
    /// Audio the retire queue had no room for (sent on the next block).
    stash: [Option<Arc<RefAudio>>; STASH],
    /// 0 = master, 1.. = slots.
    fade: [f32; SLOTS + 1],
    step: f32,
    /// Follow mode's transport gate (0 stopped .. 1 playing).
    gate: f32,
    gain: [f32; SLOTS],
    gain_target_db: [f32; SLOTS],
    gain_coef: f32,
    cursor: [Cursor; SLOTS],
    /// A cursor being crossfaded out after a jump, and how far that fade is.
    old: [Option<(Cursor, u32)>; SLOTS],
    jump_len: u32,
    loop_xfade: i64,
    /// Follow position (song position minus latency) the next block starts at if nothing jumps.
    next_follow: i64,
}

impl Player {
    pub fn new(rate: f64) -> Self {
        let rate = rate.max(1.0);
        Self {
            epoch: 0,
            rate,
            slots: Default::default(),
            pending: Default::default(),
            stash: Default::default(),
            fade: {
                let mut f = [0.0; SLOTS + 1];
                f[0] = 1.0;
                f
            },
            step: (1.0 / (FADE_MS * 1e-3 * rate)).min(1.0) as f32,
            gate: 1.0,
            gain: [1.0; SLOTS],
            gain_target_db: [0.0; SLOTS],
            gain_coef: (1.0 - (-1.0 / (GAIN_TAU_S * rate)).exp()) as f32,
            cursor: [Cursor::Follow(0); SLOTS],
            old: [None; SLOTS],
            jump_len: ((JUMP_MS * 1e-3 * rate).round() as u32).max(1),
            loop_xfade: ((LOOP_XFADE_MS * 1e-3 * rate).round() as i64).max(1),
            next_follow: 0,
        }
    }

    pub fn has_audio(&self, slot: usize) -> bool {
        self.slots.get(slot).is_some_and(|s| s.is_some())
    }

    /// Take what the reference thread delivered. Audio for a slot that is playing waits until
    /// that slot has faded out, so a reload never cuts off a sound.
    pub fn install(&mut self, link: &Link) {
        for i in 0..STASH {
            if let Some(a) = self.stash[i].take() {
                if let Err(a) = link.retired.push(a) {
                    self.stash[i] = Some(a);
                }
            }
        }
        while let Some(d) = link.deliveries.pop() {
            if d.epoch != self.epoch || d.slot >= SLOTS {
                if let Some(a) = d.audio {
                    self.retire(link, a);
                }
                continue;
            }
            if let Some(Some(superseded)) = self.pending[d.slot].take() {
                self.retire(link, superseded);
            }
            self.pending[d.slot] = Some(d.audio);
        }
        for i in 0..SLOTS {
            if self.pending[i].is_some() && self.fade[i + 1] == 0.0 {
                let new = self.pending[i].take().flatten();
                if let Some(old) = std::mem::replace(&mut self.slots[i], new) {
                    self.retire(link, old);
                }
                self.old[i] = None;
            }
        }
    }

    fn retire(&mut self, link: &Link, audio: Arc<RefAudio>) {
        if let Err(audio) = link.retired.push(audio) {
            if let Some(free) = self.stash.iter_mut().find(|s| s.is_none()) {
                *free = Some(audio);
            }
            // else: dropped here, the last resort (cannot happen with a live reference thread:
            // the queue holds eight times the slots).
        }
    }

    fn region(&self, store: &ReferenceStore, i: usize, audio: &RefAudio) -> (i64, i64) {
        let rt = store.realtime(i);
        let frames = audio.frames as i64;
        let at = |s: f64| ((s * self.rate).round() as i64).clamp(0, frames);
        let (a, b) = (
            at(rt.loop_start_s.load(Relaxed)),
            at(rt.loop_end_s.load(Relaxed)),
        );
        if ((b - a) as f64) < MIN_LOOP_S * self.rate {
            (0, frames.max(1))
        } else {
            (a, b - a)
        }
    }

    #[inline]
    fn read(&self, audio: &RefAudio, cursor: Cursor, k: i64) -> (f32, f32) {
        match cursor {
            Cursor::Follow(p) => audio.frame(p + k),
            Cursor::Loop { start, len, q } => {
                let q = (q + k) % len;
                let now = audio.frame(start + q);
                let x = self.loop_xfade.min(len / 4).max(1);
                let tail = len - q;
                if tail > x {
                    return now;
                }
                // The end fades out while the audio just before the start fades in: at the
                // wrap the pre-roll has arrived at the start itself.
                let t = (x - tail) as f32 / x as f32 * FRAC_PI_2;
                let pre = audio.frame(start - tail);
                let (c, s) = (t.cos(), t.sin());
                (now.0 * c + pre.0 * s, now.1 * c + pre.1 * s)
            }
        }
    }

    /// Put the reference in place of the master (or the master back), in place.
    pub fn process(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        store: &ReferenceStore,
        settings: PlayerSettings,
        clock: Clock,
        master: MasterLoudness,
    ) {
        let n = left.len().min(right.len());
        if n == 0 {
            return;
        }
        let sel = settings.slot.min(SLOTS - 1);
        let listening = settings.listen && self.slots[sel].is_some() && self.pending[sel].is_none();
        let mut target = [0.0f32; SLOTS + 1];
        if listening {
            target[sel + 1] = 1.0;
        } else {
            target[0] = 1.0;
        }

        let follow = settings.mode == PlayMode::Follow;
        let (follow_pos, gate_target) = match clock.song_pos {
            Some(p) if clock.playing => (p - clock.latency as i64, 1.0),
            // Stopped: keep running through the fade-out.
            Some(_) => (self.next_follow, 0.0),
            None => (self.next_follow, 1.0),
        };
        self.next_follow = follow_pos + n as i64;

        for i in 0..SLOTS {
            let Some(audio) = self.slots[i].as_deref() else {
                continue;
            };
            let want = if follow {
                let offset = store.realtime(i).offset_s.load(Relaxed) * self.rate;
                Cursor::Follow(follow_pos + offset.round() as i64)
            } else {
                let (start, len) = self.region(store, i, audio);
                match self.cursor[i] {
                    Cursor::Loop {
                        start: s0,
                        len: l0,
                        q,
                    } if s0 == start && l0 == len => Cursor::Loop { start, len, q },
                    _ => Cursor::Loop { start, len, q: 0 },
                }
            };
            let audible = self.fade[i + 1] > 0.0 && (!follow || self.gate > 0.0);
            if want != self.cursor[i] {
                if audible && self.old[i].is_none() {
                    self.old[i] = Some((self.cursor[i], 0));
                }
                self.cursor[i] = want;
            }

            let db = if settings.true_level {
                0.0
            } else {
                match settings.level {
                    LevelMode::Integrated => master.integrated_lufs - audio.integrated_lufs,
                    LevelMode::ShortTerm => {
                        let r = audio.short_term_at(self.cursor[i].position()) as f64;
                        if r > QUIET_LUFS && master.short_term_lufs > QUIET_LUFS {
                            master.short_term_lufs - r
                        } else {
                            f64::NAN
                        }
                    }
                }
            };
            // No reading (nothing measured yet, silence): hold the last gain.
            if db.is_finite() {
                self.gain_target_db[i] = (db as f32).clamp(-MAX_MATCH_DB, MAX_MATCH_DB);
            }
            if self.fade[i + 1] == 0.0 {
                self.gain[i] = db_to_gain(self.gain_target_db[i]);
            }
        }

        let master_only =
            self.fade[0] == 1.0 && target[0] == 1.0 && self.fade[1..].iter().all(|&f| f == 0.0);
        if master_only {
            self.gate = toward(self.gate, gate_target, self.step * n as f32);
        } else {
            self.mix(left, right, &target, gate_target, follow);
        }

        for i in 0..SLOTS {
            if self.slots[i].is_none() {
                continue;
            }
            self.cursor[i] = self.cursor[i].advanced(n as i64);
            if let Some((c, e)) = self.old[i] {
                let e = e + n as u32;
                self.old[i] = (e < self.jump_len).then(|| (c.advanced(n as i64), e));
            }
        }
        match self.slots[sel].as_deref() {
            Some(audio) => {
                store
                    .applied_gain_db
                    .store(gain_to_db(self.gain[sel]), Relaxed);
                let heard = self.cursor[sel].position() as f64 / audio.rate;
                store.playhead_s.store(heard as f32, Relaxed);
            }
            None => {
                store.applied_gain_db.store(f32::NAN, Relaxed);
                store.playhead_s.store(f32::NAN, Relaxed);
            }
        }
    }

    fn mix(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        target: &[f32; SLOTS + 1],
        gate_target: f32,
        follow: bool,
    ) {
        let n = left.len().min(right.len());
        let target_gain: [f32; SLOTS] = std::array::from_fn(|i| db_to_gain(self.gain_target_db[i]));
        for k in 0..n {
            for (f, &t) in self.fade.iter_mut().zip(target) {
                if *f != t {
                    *f = toward(*f, t, self.step);
                }
            }
            self.gate = toward(self.gate, gate_target, self.step);
            let gm = eq_power(self.fade[0]);
            let (mut yl, mut yr) = if gm == 1.0 {
                (left[k], right[k])
            } else {
                (left[k] * gm, right[k] * gm)
            };
            let gate = if follow { eq_power(self.gate) } else { 1.0 };
            // One index into the parallel per-slot arrays (fades, audio, gains, cursors).
            #[allow(clippy::needless_range_loop)]
            for i in 0..SLOTS {
                let f = self.fade[i + 1];
                if f == 0.0 {
                    continue;
                }
                let Some(audio) = self.slots[i].as_deref() else {
                    continue;
                };
                self.gain[i] += (target_gain[i] - self.gain[i]) * self.gain_coef;
                let g = eq_power(f) * gate * self.gain[i];
                if g == 0.0 {
                    continue;
                }
                let (mut vl, mut vr) = self.read(audio, self.cursor[i], k as i64);
                if let Some((old, e)) = self.old[i] {
                    let e = e as i64 + k as i64;
                    if e < self.jump_len as i64 {
                        let t = e as f32 / self.jump_len as f32 * FRAC_PI_2;
                        let (ol, or) = self.read(audio, old, k as i64);
                        let (c, s) = (t.cos(), t.sin());
                        vl = vl * s + ol * c;
                        vr = vr * s + or * c;
                    }
                }
                yl += g * vl;
                yr += g * vr;
            }
            left[k] = yl;
            right[k] = yr;
        }
    }
}

#[inline]
fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

#[inline]
fn gain_to_db(g: f32) -> f32 {
    20.0 * g.max(1e-12).log10()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::{Delivery, QUANT_BLOCK};
    use super::*;

    const RATE: f64 = 48_000.0;

    /// A reference from exact samples (one scale per block, as the loader stores them).
    pub fn audio_from(l: &[f32], r: &[f32], integrated: f64, short_term: Vec<f32>) -> RefAudio {
        let frames = l.len();
        let blocks = frames.div_ceil(QUANT_BLOCK);
        let mut samples = vec![0i16; 2 * frames];
        let mut scales = vec![0.0f32; blocks];
        for (b, slot) in scales.iter_mut().enumerate() {
            let range = b * QUANT_BLOCK..((b + 1) * QUANT_BLOCK).min(frames);
            let peak = range
                .clone()
                .fold(0.0f32, |m, i| m.max(l[i].abs()).max(r[i].abs()));
            let scale = peak / 32767.0;
            *slot = scale;
            for i in range {
                if scale > 0.0 {
                    samples[2 * i] = (l[i] / scale).round() as i16;
                    samples[2 * i + 1] = (r[i] / scale).round() as i16;
                }
            }
        }
        RefAudio {
            rate: RATE,
            frames,
            channels: 2,
            samples: samples.into_boxed_slice(),
            scales: scales.into_boxed_slice(),
            short_term: short_term.into_boxed_slice(),
            integrated_lufs: integrated,
        }
    }

    fn tone(freq: f64, amp: f32, frames: usize, phase: f64) -> Vec<f32> {
        (0..frames)
            .map(|i| amp * (std::f64::consts::TAU * freq * i as f64 / RATE + phase).sin() as f32)
            .collect()
    }

    fn player_with(link: &Link, audios: Vec<(usize, RefAudio)>) -> Player {
        let mut p = Player::new(RATE);
        for (slot, a) in audios {
            let _ = link.deliveries.push(Delivery {
                epoch: 0,
                slot,
                audio: Some(Arc::new(a)),
            });
        }
        p.install(link);
        p
    }

    fn settings(listen: bool, slot: usize, mode: PlayMode) -> PlayerSettings {
        PlayerSettings {
            listen,
            slot,
            mode,
            level: LevelMode::Integrated,
            true_level: false,
        }
    }

    const MASTER: MasterLoudness = MasterLoudness {
        integrated_lufs: -14.0,
        short_term_lufs: -14.0,
    };

    /// One block through the player: `master` on both channels, the host at `song_pos`
    /// (playing when it has one).
    fn play(
        p: &mut Player,
        store: &ReferenceStore,
        set: PlayerSettings,
        master: &[f32],
        song_pos: Option<i64>,
        latency: usize,
    ) -> (Vec<f32>, Vec<f32>) {
        let (mut l, mut r) = (master.to_vec(), master.to_vec());
        let clock = Clock {
            song_pos,
            playing: song_pos.is_some(),
            latency,
        };
        p.process(&mut l, &mut r, store, set, clock, MASTER);
        (l, r)
    }

    /// Following the host: the output is the reference at song position - latency + offset,
    /// times the level-match gain (master - reference integrated loudness), after the
    /// crossfade; a seek crossfades to the new place; the master comes back bit-exact.
    #[test]
    fn follows_the_song_position_at_the_matched_level() {
        let link = Link::default();
        let frames = 200_000;
        let (rl, rr) = (tone(440.0, 0.3, frames, 0.0), tone(660.0, 0.2, frames, 1.0));
        let mut p = player_with(&link, vec![(2, audio_from(&rl, &rr, -8.0, vec![]))]);
        let store = ReferenceStore::default();
        store.edit(|s| s.slots[2].offset_s = 0.25);
        let offset = (0.25 * RATE) as i64;
        let latency = 100;
        let gain = db_to_gain(-14.0 - -8.0);
        let master = tone(100.0, 0.5, 512, 0.0);
        let mut pos = 1000i64;
        let mut worst = 0.0f32;
        for block in 0..40 {
            if block == 20 {
                pos = 50_000; // seek
            }
            let (l, r) = play(
                &mut p,
                &store,
                settings(true, 2, PlayMode::Follow),
                &master,
                Some(pos),
                latency,
            );
            // After the 20 ms fade-in and away from the seek's 10 ms crossfade, exact.
            let settled = (3..20).contains(&block) || block >= 22;
            if settled {
                for k in 0..512 {
                    let at = (pos + k as i64 - latency as i64 + offset) as usize;
                    worst = worst.max((l[k] - gain * rl[at]).abs());
                    worst = worst.max((r[k] - gain * rr[at]).abs());
                }
            }
            pos += 512;
        }
        let applied = store.applied_gain_db.load(Relaxed);
        println!("follow: worst deviation {worst:.2e}, applied gain {applied:.3} dB");
        assert!(worst < 1e-4, "{worst}");
        assert!((applied - -6.0).abs() < 1e-3);

        // Listening off: the master comes back, and once faded is untouched.
        let mut last = (vec![], vec![]);
        for _ in 0..4 {
            let (l, r) = play(
                &mut p,
                &store,
                settings(false, 2, PlayMode::Follow),
                &master,
                Some(pos),
                latency,
            );
            last = (l, r);
            pos += 512;
        }
        assert_eq!(last.0, master);
        assert_eq!(last.1, master);
    }

    /// Switching master/reference and between slots at every kind of moment never jumps by
    /// more than the signals' own steps plus the fade's slope (pi/2 per fade length).
    #[test]
    fn switching_never_jumps_beyond_the_crossfade() {
        let link = Link::default();
        let frames = 100_000;
        let a = tone(50.0, 0.9, frames, 0.0);
        let b = tone(70.0, 0.9, frames, 2.0);
        let mut p = player_with(
            &link,
            vec![
                (0, audio_from(&a, &a, -14.0, vec![])),
                (1, audio_from(&b, &b, -14.0, vec![])),
            ],
        );
        let store = ReferenceStore::default();
        let master = tone(30.0, 0.9, frames, 4.0);
        let mut out = Vec::with_capacity(frames);
        let mut seed = 7u32;
        let mut listen = false;
        let mut slot = 0;
        let mut pos = 0usize;
        while pos + 256 < 90_000 {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            let n = 16 + (seed >> 24) as usize; // 16..271 frames
            if seed & 3 == 0 {
                listen = !listen;
            } else if seed & 3 == 1 {
                slot = 1 - slot;
            }
            let (l, _) = play(
                &mut p,
                &store,
                settings(listen, slot, PlayMode::Follow),
                &master[pos..pos + n],
                Some(pos as i64),
                0,
            );
            out.extend_from_slice(&l);
            pos += n;
        }
        let step = (FRAC_PI_2 / (FADE_MS as f32 * 1e-3 * RATE as f32)) as f64;
        let d = |x: &[f32], i: usize| (x[i] - x[i - 1]).abs() as f64;
        let mut worst_ratio = 0.0f64;
        let mut plain_jump = 0.0f64;
        for i in 1..out.len() {
            let allowed = d(&master, i)
                + d(&a, i)
                + d(&b, i)
                + step * (master[i].abs() + a[i].abs() + b[i].abs()) as f64;
            worst_ratio = worst_ratio.max(d(&out, i) / allowed);
            plain_jump = plain_jump.max((master[i] - a[i]).abs() as f64 / allowed);
        }
        println!(
            "worst step {worst_ratio:.3} of the crossfade's allowance (a hard switch would \
             reach {plain_jump:.1})"
        );
        assert!(worst_ratio <= 1.0, "{worst_ratio}");
        assert!(plain_jump > 10.0);
    }

    /// Looping: the region plays over and over on its own (no transport), seamless at the wrap
    /// (the end crossfades into the audio before the start).
    #[test]
    fn loops_the_region_seamlessly() {
        let link = Link::default();
        let frames = 96_000;
        let x = tone(441.0, 0.5, frames, 0.0);
        let mut p = player_with(&link, vec![(0, audio_from(&x, &x, -14.0, vec![]))]);
        let store = ReferenceStore::default();
        store.edit(|s| {
            s.slots[0].loop_start_s = 0.5;
            s.slots[0].loop_end_s = 0.7123;
        });
        let mut set = settings(true, 0, PlayMode::Loop);
        set.true_level = true;
        let mut out = Vec::new();
        for _ in 0..100 {
            let (l, _) = play(&mut p, &store, set, &[0.0; 480], None, 0);
            out.extend_from_slice(&l);
        }
        let (start, len) = (24_000usize, 10_190usize);
        let xf = 480usize;
        let mut worst = 0.0f32;
        let mut biggest_step = 0.0f32;
        for (k, &y) in out.iter().enumerate().skip(2000) {
            let q = k % len;
            if len - q > xf {
                worst = worst.max((y - x[start + q]).abs());
            }
            biggest_step = biggest_step.max((y - out[k - 1]).abs());
        }
        // A 441 Hz sine at 0.5 moves at most 0.029 per sample; a hard wrap would jump ~0.6.
        println!("loop: worst deviation {worst:.2e}, biggest step {biggest_step:.4}");
        assert!(worst < 1e-4);
        assert!(biggest_step < 0.035, "{biggest_step}");
    }

    /// Running short-term match: the gain is the master's short-term loudness minus the
    /// reference's at the place it plays; with nothing measured, the last gain holds.
    #[test]
    fn short_term_match_follows_the_reference_position() {
        let link = Link::default();
        let frames = 48_000 * 4;
        let x = vec![0.1f32; frames];
        // -20 LUFS for the first two seconds, -10 after.
        let st: Vec<f32> = (0..40)
            .map(|k| if k < 20 { -20.0 } else { -10.0 })
            .collect();
        let mut p = player_with(&link, vec![(0, audio_from(&x, &x, -15.0, st))]);
        let store = ReferenceStore::default();
        let mut set = settings(true, 0, PlayMode::Follow);
        set.level = LevelMode::ShortTerm;
        let master = MasterLoudness {
            integrated_lufs: -14.0,
            short_term_lufs: -16.0,
        };
        let run = |p: &mut Player, pos: i64, m: MasterLoudness| {
            let mut g = 0.0;
            for b in 0..120 {
                let (mut l, mut r) = (vec![0.0; 480], vec![0.0; 480]);
                let clock = Clock {
                    song_pos: Some(pos + b * 480),
                    playing: true,
                    latency: 0,
                };
                p.process(&mut l, &mut r, &store, set, clock, m);
                g = store.applied_gain_db.load(Relaxed);
            }
            g
        };
        let early = run(&mut p, 0, master);
        let late = run(&mut p, 100_000, master);
        let silent = MasterLoudness {
            integrated_lufs: f64::NEG_INFINITY,
            short_term_lufs: f64::NEG_INFINITY,
        };
        let held = run(&mut p, 160_000, silent);
        println!("short-term match: {early:.2} dB early, {late:.2} dB late, {held:.2} dB held");
        assert!((early - 4.0).abs() < 0.05);
        assert!((late - -6.0).abs() < 0.05);
        assert!((held - late).abs() < 1e-2, "the gain held");
    }

    /// Audio replaced while it plays waits for its fade-out (the master covers for 20 ms), then
    /// goes back to the reference thread to be freed there (the built plugin's allocation
    /// guard proves the audio thread never touches the heap).
    #[test]
    fn replaced_audio_is_retired_after_its_fade() {
        let link = Link::default();
        let x = tone(100.0, 0.5, 48_000, 0.0);
        let mut p = player_with(&link, vec![(0, audio_from(&x, &x, -14.0, vec![]))]);
        let store = ReferenceStore::default();
        let (mut l, mut r) = (vec![0.0f32; 256], vec![0.0f32; 256]);
        for b in 0..50 {
            if b == 10 {
                let next = Arc::new(audio_from(&x, &x, -10.0, vec![]));
                let _ = link.deliveries.push(Delivery {
                    epoch: 0,
                    slot: 0,
                    audio: Some(next),
                });
            }
            p.install(&link);
            let clock = Clock {
                song_pos: Some(b * 256),
                playing: true,
                latency: 0,
            };
            p.process(
                &mut l,
                &mut r,
                &store,
                settings(b < 20, 0, PlayMode::Follow),
                clock,
                MASTER,
            );
            if b == 10 {
                assert_eq!(link.retired.len(), 0, "not while it plays");
            }
        }
        assert_eq!(
            link.retired.len(),
            1,
            "the replaced audio went back to be freed"
        );
    }
}
