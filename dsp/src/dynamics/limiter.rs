//! Look-ahead brickwall limiter with a true-peak mode.
//!
//! Signal flow per channel: drive -> peak detector -> required gain -> sliding minimum over the
//! look-ahead window (hold) -> release -> two cascaded moving averages (the attack shape) ->
//! gain applied to the input delayed by the latency.
//!
//! Why it never lets a peak through: the two moving averages span at most `L + 1` samples
//! and the hold covers them, so every value averaged into the gain for an output sample
//! already contains that sample's own requirement; an average of numbers that are all at or
//! below a bound is at or below it. The attack is therefore a smooth S-shaped fade that
//! arrives exactly at the peak, and there is no overshoot to trim afterwards.
//!
//! The hold is `2 * FLAT` samples wider than that and the output `FLAT` samples later, so
//! the gain is already flat for `FLAT` samples either side of every peak. An inter-sample
//! peak is rebuilt from its neighbours (the reconstruction kernel's main lobes span a few
//! samples either side), and a gain still falling across them would make new overs: with the
//! gain flat there, the rebuilt crest is the detected crest times the gain. Measured on the
//! torture suite at 0.5 ms look-ahead, the worst overshoot drops from +0.05 dB to +0.03 dB.
//!
//! True-peak mode: the detector sees the signal between the samples at 8x (three half-band
//! stages, the first with 128 taps, and a sinusoidal fit to every crest: see
//! `filter::segment_peaks`), and each sample's requirement covers the segments on both sides
//! of it. The long first kernel matters most: a 64-tap kernel's transition band starts at
//! 0.46 fs and under-reads the ringing of full-scale noise and square waves near Nyquist by
//! up to 0.47 dB. Content above about 0.48 fs is not seen (the kernel's stop band starts
//! there), so the optional band limit (`filter::band_limit`) removes it in front of the
//! detector when the ceiling must hold on any content. Sample-peak mode uses the samples themselves.
//! Both modes have the same latency, so switching never shifts the audio.

use crate::filter::{BandLimit, SegmentPeakDetector, SegmentPeakState};
use crate::util::{check_range, clamp_or, db_to_gain, db_to_gain_f64, one_pole_coef, SlidingMin};
use crate::Stage;

/// Detection delay: the detector's delay plus one sample so a sample's requirement can
/// include the segment after it.
const DETECT_DELAY: usize = SegmentPeakDetector::LATENCY + 1;
/// Shortest look-ahead in samples, whatever the setting. The gain's attack spans the
/// look-ahead; over fewer samples it moves fast enough to modulate content near Nyquist into
/// new inter-sample peaks after the detector has looked (on the true-peak suite, content to
/// 0.47 fs: +0.016 dB worst at 24 samples, +0.011 dB with this floor).
pub const MIN_LOOKAHEAD_SAMPLES: usize = 48;
/// Samples of flat gain either side of every detected peak (see the module notes).
const FLAT: usize = 8;
const CHUNK: usize = 64;

pub const MAX_LOOKAHEAD_MS: f64 = 20.0;
pub const MIN_LOOKAHEAD_MS: f64 = 0.5;
/// Auto release range. Isolated peaks recover fast, so a snare hit does not duck what follows;
/// when the limiter works most of the time (dense, loud material) the release slows, because a
/// fast release there follows the waveform and distorts, and pumps audibly.
pub const AUTO_RELEASE_FAST_MS: f64 = 20.0;
pub const AUTO_RELEASE_SLOW_MS: f64 = 600.0;
/// Time constant of the "how much of the time is the limiter working" measure.
const AUTO_ACTIVITY_MS: f64 = 1000.0;
/// Input drive smoothing (one pole), so automating drive never zips.
const DRIVE_SMOOTHING_MS: f64 = 20.0;

/// User settings in audio units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimiterParams {
    /// Output ceiling, dBFS (dBTP in true-peak mode), -12..0.
    pub ceiling_db: f64,
    /// Input drive, 0..24 dB.
    pub drive_db: f64,
    /// Look-ahead (and attack) time, 0.5..20 ms, and never under `MIN_LOOKAHEAD_SAMPLES`.
    pub lookahead_ms: f64,
    /// Release time constant, 1..1000 ms.
    pub release_ms: f64,
    /// Stereo link, 0 (independent) .. 1 (both channels get the same gain).
    pub link: f64,
    /// Detect inter-sample peaks (true peak) rather than sample values.
    pub true_peak: bool,
    /// Program-dependent release: `release_ms` is ignored and the release moves between
    /// `AUTO_RELEASE_FAST_MS` for isolated peaks and `AUTO_RELEASE_SLOW_MS` for dense limiting.
    pub auto_release: bool,
    /// Remove the content above about 0.47 fs before limiting (`filter::band_limit`), so the
    /// true-peak ceiling holds on any content, not only on content the detector can see.
    pub band_limit: bool,
}

impl Default for LimiterParams {
    fn default() -> Self {
        Self {
            ceiling_db: -1.0,
            drive_db: 0.0,
            lookahead_ms: 5.0,
            release_ms: 100.0,
            link: 1.0,
            true_peak: true,
            auto_release: false,
            band_limit: false,
        }
    }
}

impl LimiterParams {
    pub fn validate(&self) -> Result<(), String> {
        check_range("limiter ceiling", self.ceiling_db, -12.0, 0.0, "dB")?;
        check_range("limiter drive", self.drive_db, 0.0, 24.0, "dB")?;
        check_range(
            "limiter look-ahead",
            self.lookahead_ms,
            MIN_LOOKAHEAD_MS,
            MAX_LOOKAHEAD_MS,
            "ms",
        )?;
        check_range("limiter release", self.release_ms, 1.0, 1000.0, "ms")?;
        check_range("limiter link", self.link, 0.0, 1.0, "")
    }

    /// The same settings forced into range (what the audio thread uses).
    pub fn clamped(&self) -> Self {
        let d = Self::default();
        Self {
            ceiling_db: clamp_or(self.ceiling_db, -12.0, 0.0, d.ceiling_db),
            drive_db: clamp_or(self.drive_db, 0.0, 24.0, d.drive_db),
            lookahead_ms: clamp_or(
                self.lookahead_ms,
                MIN_LOOKAHEAD_MS,
                MAX_LOOKAHEAD_MS,
                d.lookahead_ms,
            ),
            release_ms: clamp_or(self.release_ms, 1.0, 1000.0, d.release_ms),
            link: clamp_or(self.link, 0.0, 1.0, d.link),
            true_peak: self.true_peak,
            auto_release: self.auto_release,
            band_limit: self.band_limit,
        }
    }
}

/// Moving average whose output is exactly 1.0 whenever every value in it is 1.0, so a limiter
/// that is not limiting is bit-transparent.
struct MovingAverage {
    ring: Box<[f64]>,
    len: usize,
    pos: usize,
    sum: f64,
    /// `1 / len`: a multiply instead of a division on the per-sample path.
    inv_len: f64,
    /// Consecutive 1.0 values pushed, capped at `len`: at `len` the ring holds only ones.
    ones: usize,
}

impl MovingAverage {
    /// Take over `other`'s state (same capacity; no allocation).
    fn copy_state_from(&mut self, other: &MovingAverage) {
        self.ring.copy_from_slice(&other.ring);
        self.len = other.len;
        self.pos = other.pos;
        self.sum = other.sum;
        self.inv_len = other.inv_len;
        self.ones = other.ones;
    }

    fn new(max_len: usize) -> Self {
        Self {
            ring: vec![1.0; max_len.max(1)].into_boxed_slice(),
            len: 1,
            pos: 0,
            sum: 1.0,
            inv_len: 1.0,
            ones: 1,
        }
    }

    fn set_len(&mut self, len: usize) {
        self.len = len.clamp(1, self.ring.len());
        self.inv_len = 1.0 / self.len as f64;
        self.reset();
    }

    fn reset(&mut self) {
        self.ring[..self.len].fill(1.0);
        self.pos = 0;
        self.sum = self.len as f64;
        self.ones = self.len;
    }

    #[inline]
    fn push(&mut self, x: f64) -> f64 {
        let old = std::mem::replace(&mut self.ring[self.pos], x);
        self.pos = if self.pos + 1 == self.len {
            0
        } else {
            self.pos + 1
        };
        self.sum += x - old;
        self.ones = if x == 1.0 {
            (self.ones + 1).min(self.len)
        } else {
            0
        };
        if self.ones == self.len {
            // Also re-anchors the running sum, so rounding never accumulates across passages.
            self.sum = self.len as f64;
            1.0
        } else {
            self.sum * self.inv_len
        }
    }
}

/// Copy `input` into `ring` from `pos` on, wrapping (two slice copies at most).
fn write_ring<T: Copy>(ring: &mut [T], pos: usize, input: &[T]) {
    let first = input.len().min(ring.len() - pos);
    ring[pos..pos + first].copy_from_slice(&input[..first]);
    ring[..input.len() - first].copy_from_slice(&input[first..]);
}

/// Fill `out` from `ring` starting at `pos`, wrapping.
fn read_ring<T: Copy>(ring: &[T], pos: usize, out: &mut [T]) {
    let first = out.len().min(ring.len() - pos);
    out[..first].copy_from_slice(&ring[pos..pos + first]);
    let rest = out.len() - first;
    out[first..].copy_from_slice(&ring[..rest]);
}

/// Required gain -> applied gain for one channel (or for both when linked).
struct GainPath {
    hold: SlidingMin,
    envelope: f64,
    attack_a: MovingAverage,
    attack_b: MovingAverage,
}

impl GainPath {
    fn new(max_lookahead: usize) -> Self {
        Self {
            hold: SlidingMin::new(max_lookahead + 1 + 2 * FLAT),
            envelope: 1.0,
            attack_a: MovingAverage::new(max_lookahead + 2),
            attack_b: MovingAverage::new(max_lookahead + 2),
        }
    }

    fn configure(&mut self, lookahead: usize) {
        // Hold over L + 1 samples; the two averages together span L + 1 samples too.
        self.hold.set_window(lookahead + 1 + 2 * FLAT);
        let a = (lookahead + 2) / 2;
        self.attack_a.set_len(a);
        self.attack_b.set_len(lookahead + 2 - a);
        self.envelope = 1.0;
    }

    fn reset(&mut self) {
        self.hold.reset();
        self.attack_a.reset();
        self.attack_b.reset();
        self.envelope = 1.0;
    }

    fn copy_state_from(&mut self, other: &GainPath) {
        self.hold.copy_state_from(&other.hold);
        self.envelope = other.envelope;
        self.attack_a.copy_state_from(&other.attack_a);
        self.attack_b.copy_state_from(&other.attack_b);
    }

    #[inline]
    fn next(&mut self, required: f64, release: f64) -> f64 {
        let held = self.hold.push(required);
        // env + (1 - env) r, written as env (1 - r) + r: two dependent operations per sample
        // instead of three on the loop-carried chain. Nothing here is NaN, so a plain compare
        // stands in for f64::min and its NaN handling.
        let released = self.envelope * (1.0 - release) + release;
        self.envelope = if held < released { held } else { released };
        let smoothed = self.attack_a.push(self.envelope);
        self.attack_b.push(smoothed)
    }
}

pub struct Limiter {
    sample_rate: f64,
    params: LimiterParams,
    lookahead: usize,
    ceiling: f64,
    release_coef: f64,
    /// Fraction of recent time with gain reduction, per gain path (auto release).
    activity: [f64; 2],
    drive: f64,
    drive_target: f64,
    drive_coef: f64,
    band_limit: BandLimit,
    detector: SegmentPeakDetector,
    detect_state: [SegmentPeakState; 2],
    previous_segment: [f32; 2],
    delay: [Box<[f32]>; 2],
    /// The ceiling each delayed sample entered with: a new ceiling applies to the audio that
    /// arrives after it, at detection and at the output alike, so a lower ceiling never
    /// clips audio whose gain was planned for the old one.
    ceilings: Box<[f64]>,
    delay_pos: usize,
    paths: [GainPath; 2],
    /// The last chunk ran fully linked (one gain path).
    was_linked: bool,
    min_gain: f64,
}

impl Limiter {
    fn lookahead_samples(sample_rate: f64, ms: f64) -> usize {
        ((ms * 1e-3 * sample_rate).round() as usize).max(MIN_LOOKAHEAD_SAMPLES)
    }

    /// Delay line length: a power of two, so reading back is a mask rather than a division,
    /// with room for a whole chunk to be written before the oldest sample of it is read.
    fn delay_len(sample_rate: f64) -> usize {
        (Self::max_latency(sample_rate) + CHUNK + 1).next_power_of_two()
    }

    /// The largest latency any setting gives at `sample_rate`.
    pub fn max_latency(sample_rate: f64) -> usize {
        Self::lookahead_samples(sample_rate.clamp(1000.0, 768_000.0), MAX_LOOKAHEAD_MS)
            + FLAT
            + DETECT_DELAY
            + BandLimit::LATENCY
    }

    pub fn params(&self) -> LimiterParams {
        self.params
    }

    /// Delay of the limiter's own delay line (everything but the band limit).
    fn delay_samples(&self) -> usize {
        self.lookahead + FLAT + DETECT_DELAY
    }

    /// Deepest gain reduction since the last call, in dB (0 or negative), for the meters.
    pub fn take_gain_reduction_db(&mut self) -> f64 {
        crate::meter::amplitude_db(std::mem::replace(&mut self.min_gain, 1.0))
    }

    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        // Drive, smoothed per sample while it moves. Unity is skipped so an undriven limiter
        // stays bit-exact; a settled drive is one vectorised multiply.
        if self.drive == self.drive_target {
            let d = self.drive;
            if d != 1.0 {
                for x in left.iter_mut().chain(right.iter_mut()) {
                    *x = (*x as f64 * d) as f32;
                }
            }
        } else {
            for (l, r) in left.iter_mut().zip(right.iter_mut()) {
                let diff = self.drive_target - self.drive;
                self.drive = if diff.abs() <= 1e-9 * self.drive_target {
                    self.drive_target
                } else {
                    self.drive + diff * self.drive_coef
                };
                if self.drive != 1.0 {
                    *l = (*l as f64 * self.drive) as f32;
                    *r = (*r as f64 * self.drive) as f32;
                }
            }
        }

        // The band limit comes after the drive, so it removes what the drive pushed up too,
        // and before detection, so the detector sees what will leave.
        self.band_limit.process(left, right);

        // Peak of each sample's neighbourhood, `DETECT_DELAY` samples late.
        let mut peaks = [[0.0f32; CHUNK]; 2];
        if self.params.true_peak {
            let mut segments = [0.0f32; CHUNK];
            for (ch, input) in [&*left, &*right].into_iter().enumerate() {
                self.detector
                    .process(&mut self.detect_state[ch], input, &mut segments[..n]);
                let mut previous = self.previous_segment[ch];
                for (p, &s) in peaks[ch][..n].iter_mut().zip(&segments[..n]) {
                    *p = s.max(previous);
                    previous = s;
                }
                self.previous_segment[ch] = previous;
            }
        }

        // The chunk goes into the delay line first; detection and output read back from it.
        let delay_len = self.delay[0].len();
        let mask = delay_len - 1;
        let pos = self.delay_pos;
        for (ring, input) in self.delay.iter_mut().zip([&*left, &*right]) {
            write_ring(ring, pos, input);
        }
        // Indexed by input time: the ceiling of a delayed sample, which left the band limit
        // `BandLimit::LATENCY` after it arrived, is read that much further back.
        write_ring(&mut self.ceilings, pos, &[self.ceiling; CHUNK][..n]);
        let detect_start = (pos + delay_len - DETECT_DELAY) & mask;
        let arrived = |start: usize| (start + delay_len - BandLimit::LATENCY) & mask;
        if !self.params.true_peak {
            for (p, ring) in peaks.iter_mut().zip(&self.delay) {
                read_ring(ring, detect_start, &mut p[..n]);
                p[..n].iter_mut().for_each(|v| *v = v.abs());
            }
        }
        let mut ceilings = [0.0f64; CHUNK];
        read_ring(&self.ceilings, arrived(detect_start), &mut ceilings[..n]);

        // Required gain: `c / max(p, c)` is exactly 1.0 at or below the ceiling.
        let link = self.params.link;
        let linked = link >= 1.0;
        if !linked && self.was_linked {
            // Fully linked, only the first path ran: the second takes over its state, so
            // unlinking carries on from the shared gain instead of a stale one (a step).
            let [first, second] = &mut self.paths;
            second.copy_state_from(first);
            self.activity[1] = self.activity[0];
        }
        self.was_linked = linked;
        let mut required = [[1.0f64; CHUNK]; 2];
        for (i, &ceiling) in ceilings[..n].iter().enumerate() {
            let (pl, pr) = (peaks[0][i] as f64, peaks[1][i] as f64);
            let both = pl.max(pr);
            if linked {
                required[0][i] = ceiling / both.max(ceiling);
            } else {
                let own = |p: f64| link * both + (1.0 - link) * p;
                required[0][i] = ceiling / own(pl).max(ceiling);
                required[1][i] = ceiling / own(pr).max(ceiling);
            }
        }

        let release = self.release_coef;
        let auto = self.params.auto_release;
        let chunk_seconds = n as f64 / self.sample_rate;
        let mut gains = [[1.0f64; CHUNK]; 2];
        let paths = if linked { 1 } else { 2 };
        for ch in 0..paths {
            let release = if auto {
                // Once per chunk: the measure moves over a second, so per-sample exp() would
                // buy nothing.
                let ms = AUTO_RELEASE_FAST_MS
                    + (AUTO_RELEASE_SLOW_MS - AUTO_RELEASE_FAST_MS) * self.activity[ch];
                one_pole_coef(ms, self.sample_rate)
            } else {
                release
            };
            let path = &mut self.paths[ch];
            for (g, &req) in gains[ch][..n].iter_mut().zip(&required[ch][..n]) {
                *g = path.next(req, release);
            }
            if auto {
                let working = gains[ch][..n].iter().filter(|&&g| g < 1.0).count();
                let a = 1.0 - (-chunk_seconds / (AUTO_ACTIVITY_MS * 1e-3)).exp();
                self.activity[ch] += (working as f64 / n as f64 - self.activity[ch]) * a;
            }
        }
        if linked {
            gains[1] = gains[0];
        }
        for g in gains.iter().take(paths) {
            self.min_gain = g[..n].iter().fold(self.min_gain, |m, &v| m.min(v));
        }

        let total_delay = self.delay_samples();
        let start = (pos + delay_len - total_delay) & mask;
        read_ring(&self.ceilings, arrived(start), &mut ceilings[..n]);
        for (ch, out) in [&mut *left, &mut *right].into_iter().enumerate() {
            let mut delayed = [0.0f32; CHUNK];
            read_ring(&self.delay[ch], start, &mut delayed[..n]);
            for (((y, &x), &g), &c) in out
                .iter_mut()
                .zip(&delayed[..n])
                .zip(&gains[ch][..n])
                .zip(&ceilings[..n])
            {
                // The clamp only catches rounding in the last bit: the gain already meets the
                // ceiling.
                let c = c as f32;
                *y = ((x as f64 * g) as f32).clamp(-c, c);
            }
        }
        self.delay_pos = (pos + n) & mask;
    }
}

impl Stage for Limiter {
    type Params = LimiterParams;

    /// Allocates for the longest look-ahead at `sample_rate`.
    fn new(sample_rate: f64, params: &LimiterParams) -> Self {
        let sample_rate = sample_rate.clamp(1000.0, 768_000.0);
        let max_lookahead = Self::lookahead_samples(sample_rate, MAX_LOOKAHEAD_MS);
        let delay_len = Self::delay_len(sample_rate);
        let mut limiter = Self {
            sample_rate,
            params: *params,
            lookahead: 1,
            ceiling: 1.0,
            release_coef: 0.0,
            activity: [0.0; 2],
            drive: 1.0,
            drive_target: 1.0,
            drive_coef: one_pole_coef(DRIVE_SMOOTHING_MS, sample_rate),
            band_limit: BandLimit::new(),
            detector: SegmentPeakDetector::new(),
            detect_state: Default::default(),
            previous_segment: [0.0; 2],
            delay: [
                vec![0.0; delay_len].into_boxed_slice(),
                vec![0.0; delay_len].into_boxed_slice(),
            ],
            ceilings: vec![1.0; delay_len].into_boxed_slice(),
            delay_pos: 0,
            paths: [GainPath::new(max_lookahead), GainPath::new(max_lookahead)],
            was_linked: false,
            min_gain: 1.0,
        };
        limiter.set_params(params);
        limiter.drive = limiter.drive_target;
        limiter.reset();
        limiter
    }
    /// Apply new settings. A new look-ahead changes the latency and restarts the gain path;
    /// everything else takes effect smoothly.
    fn set_params(&mut self, params: &LimiterParams) {
        let p = params.clamped();
        let lookahead = Self::lookahead_samples(self.sample_rate, p.lookahead_ms);
        if lookahead != self.lookahead {
            self.lookahead = lookahead;
            for path in &mut self.paths {
                path.configure(lookahead);
            }
        }
        self.ceiling = db_to_gain(p.ceiling_db as f32) as f64;
        self.release_coef = one_pole_coef(p.release_ms, self.sample_rate);
        self.drive_target = db_to_gain_f64(p.drive_db);
        self.band_limit.set_enabled(p.band_limit);
        self.params = p;
    }
    fn reset(&mut self) {
        self.detect_state
            .iter_mut()
            .for_each(SegmentPeakState::reset);
        self.previous_segment = [0.0; 2];
        self.band_limit.reset();
        self.delay.iter_mut().for_each(|d| d.fill(0.0));
        self.ceilings.fill(self.ceiling);
        self.delay_pos = 0;
        self.paths.iter_mut().for_each(GainPath::reset);
        self.drive = self.drive_target;
        self.min_gain = 1.0;
        self.activity = [0.0; 2];
    }
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        crate::util::chunks::for_each_chunk(left, right, CHUNK, |l, r| self.process_chunk(l, r));
    }
    /// Delay from input to output in samples: the band limit (on or off), look-ahead, the flat
    /// zone and the detector's delay.
    fn latency(&self) -> usize {
        BandLimit::LATENCY + self.lookahead + FLAT + DETECT_DELAY
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lacquer_testkit::signal::tone as sine;

    /// Unlinking while limiting carries on from the shared gain. Fully linked, only one gain
    /// path runs; the other used to resume from its stale state, so 100 % -> 92 % link made
    /// the quieter channel's gain jump (a 0.43 step through the plugin).
    #[test]
    fn unlinking_while_limiting_does_not_step() {
        let fs = 48_000.0;
        let mut lim = Limiter::new(
            fs,
            &LimiterParams {
                link: 1.0,
                ..LimiterParams::default()
            },
        );
        let n = 48_000;
        let sine = |amp: f64| -> Vec<f32> {
            (0..n)
                .map(|i| (amp * (2.0 * std::f64::consts::PI * 100.0 * i as f64 / fs).sin()) as f32)
                .collect()
        };
        // Left drives the limiter hard; right is quieter, so unlinked it needs less reduction.
        let (mut l, mut r) = (sine(2.0), sine(0.6));
        lim.process(&mut l[..24_000], &mut r[..24_000]);
        lim.set_params(&LimiterParams {
            link: 0.92,
            ..LimiterParams::default()
        });
        lim.process(&mut l[24_000..], &mut r[24_000..]);
        let worst = r[1..]
            .windows(3)
            .map(|w| (w[2] - 2.0 * w[1] + w[0]).abs())
            .fold(0.0f32, f32::max);
        println!("right channel's worst second difference across the unlink: {worst:.5}");
        // The sine's own second difference is under 1e-4; a step of the gain shows as itself.
        assert!(worst < 0.01, "{worst}");
    }

    #[test]
    fn below_threshold_is_a_pure_delay() {
        let rate = 48_000.0;
        let mut lim = Limiter::new(
            rate,
            &LimiterParams {
                ceiling_db: -1.0,
                ..Default::default()
            },
        );
        let x = sine(rate, 440.0, 0.5, 20_000);
        let (mut l, mut r) = (x.clone(), x.clone());
        lim.process(&mut l, &mut r);
        let d = lim.latency();
        assert!(l[d..]
            .iter()
            .zip(&x)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        assert!(l[..d].iter().all(|&v| v == 0.0));
    }

    #[test]
    fn sample_peak_mode_never_exceeds_the_ceiling() {
        let rate = 44_100.0;
        let p = LimiterParams {
            ceiling_db: -3.0,
            drive_db: 12.0,
            true_peak: false,
            lookahead_ms: 1.0,
            ..Default::default()
        };
        let mut lim = Limiter::new(rate, &p);
        let mut l: Vec<f32> = (0..50_000)
            .map(|i| if (i / 300) % 2 == 0 { 0.9 } else { -0.9 })
            .collect();
        let mut r = l.clone();
        lim.process(&mut l, &mut r);
        let c = db_to_gain(-3.0);
        assert!(
            l.iter().chain(&r).all(|v| v.abs() <= c),
            "max {}",
            l.iter().fold(0.0f32, |m, v| m.max(v.abs()))
        );
    }

    /// Time for the (linear) gain to recover 63 % of the way back to unity after the loud part
    /// of `x` ends at `end`: one release time constant, plus the hold and attack windows the
    /// release starts behind.
    fn recovery_ms(rate: f64, params: LimiterParams, x: &[f32], end: usize) -> f64 {
        let mut lim = Limiter::new(rate, &params);
        let (mut l, mut r) = (x.to_vec(), x.to_vec());
        let mut gr = Vec::new();
        for (a, b) in l.chunks_mut(16).zip(r.chunks_mut(16)) {
            lim.process(a, b);
            gr.push(10f64.powf(lim.take_gain_reduction_db() / 20.0));
        }
        let at_end = gr[(end + lim.latency()) / 16];
        let back = gr[(end + lim.latency()) / 16..]
            .iter()
            .position(|&g| g > at_end + 0.632 * (1.0 - at_end))
            .expect("recovers");
        back as f64 * 16.0 / rate * 1000.0
    }

    #[test]
    fn auto_release_is_fast_after_a_lone_peak_and_slow_after_dense_limiting() {
        let rate = 48_000.0;
        let p = LimiterParams {
            ceiling_db: -6.0,
            auto_release: true,
            release_ms: 1.0, // ignored in auto mode
            ..Default::default()
        };
        // A lone 5 ms burst 6 dB over, in quiet material.
        let mut lone = sine(rate, 1000.0, 0.05, 96_000);
        let burst = sine(rate, 1000.0, 1.0, 240);
        lone[48_000..48_240].copy_from_slice(&burst);
        let fast = recovery_ms(rate, p, &lone, 48_240);
        // Two seconds of limiting, then the same quiet material.
        let mut dense = sine(rate, 1000.0, 1.0, 144_000);
        for v in &mut dense[96_000..] {
            *v *= 0.05;
        }
        let slow = recovery_ms(rate, p, &dense, 96_000);
        println!(
            "auto release: lone peak recovers in {fast:.1} ms, dense limiting in {slow:.1} ms"
        );
        assert!(fast < 2.0 * AUTO_RELEASE_FAST_MS, "{fast} ms");
        assert!(slow > 0.5 * AUTO_RELEASE_SLOW_MS, "{slow} ms");
        // Fixed release: the 63 % time matches the setting (one pole).
        let fixed = recovery_ms(
            rate,
            LimiterParams {
                auto_release: false,
                release_ms: 100.0,
                ..p
            },
            &dense,
            96_000,
        );
        println!("release 100 ms: recovers in {fixed:.1} ms");
        // 5 ms look-ahead: the release starts up to ~11 ms behind (hold, then the averages).
        assert!((100.0..=115.0).contains(&fixed), "{fixed} ms");
    }

    #[test]
    fn validate_names_the_bad_setting() {
        let p = LimiterParams {
            release_ms: 0.0,
            ..Default::default()
        };
        assert!(p.validate().unwrap_err().contains("release"));
        assert!(LimiterParams::default().validate().is_ok());
        let wild = LimiterParams {
            ceiling_db: f64::NAN,
            lookahead_ms: 1e9,
            ..Default::default()
        }
        .clamped();
        assert!(wild.validate().is_ok());
    }
}
