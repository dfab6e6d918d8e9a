//! Feed-forward compressor.
//!
//! Signal flow per chunk: (optional mid/side encode) -> sidechain high-pass -> detector (peak:
//! the instantaneous level; RMS: a one-pole mean square) -> stereo link (in dB) -> static curve
//! (gain computer, dB) -> attack/release smoothing of the gain reduction in dB -> makeup ->
//! gain applied to the audio delayed by the look-ahead -> (mid/side decode) -> dry/wet mix.
//!
//! Static curve, threshold `T`, ratio `R`, knee width `W` (all dB), input level `x`:
//! below `T - W/2` nothing happens; above `T + W/2` the output is `T + (x - T)/R`; inside the
//! knee the output is `x + (1/R - 1)(x - T + W/2)^2 / (2W)`, the quadratic that joins the two
//! with matching slopes.
//!
//! Timing definition: the gain reduction (in dB) follows each change of the static curve's
//! target through a one-pole with time constant `tau` (attack while the reduction deepens,
//! release while it recedes): after a step in the target arriving at sample `n0`, the output
//! sample `n0 + k - 1` carries `1 - exp(-k / (tau fs))` of the change, so the reduction has
//! covered exactly 63.2 % (1 - 1/e) of the step once `tau * fs` samples at the new level have
//! been processed. In peak mode nothing else sits in the path, so the set attack and release
//! are the measured times; RMS mode adds its averaging window in front.
//!
//! Automatic release (program dependent, the classic two-stage design): a fast stage follows
//! the target with the set attack and a 40 ms release; a slow stage charges towards the fast
//! one with a 400 ms time constant and releases with 1 s; the applied reduction is the deeper
//! of the two. A short transient barely charges the slow stage, so it is let go within tens of
//! milliseconds; a sustained reduction charges it, and the recovery slows to about a second
//! instead of pumping. The release time setting is not used in this mode.
//!
//! Automatic makeup adds half the reduction the static curve applies to a 0 dBFS level: it
//! tracks threshold and ratio without assuming anything about the program, and unlike full
//! compensation it does not push peaks above full scale for moderate settings.

use crate::filter::svf::{ButterworthSvfCoefs, Svf};
use crate::util::{check_range, clamp_or, one_pole_decay, Glide, StereoDelay};
use crate::Stage;
use std::f64::consts::{LN_2, LOG2_E, SQRT_2};

const CHUNK: usize = 64;

pub const MAX_LOOKAHEAD_MS: f64 = 10.0;
/// Glide time for makeup and mix changes, so automating them never zips.
const SMOOTHING_MS: f64 = 20.0;
const AUTO_FAST_RELEASE_MS: f64 = 40.0;
const AUTO_SLOW_CHARGE_MS: f64 = 400.0;
const AUTO_SLOW_RELEASE_MS: f64 = 1000.0;
/// Detector power floor (-300 dB): keeps `log2` finite on digital silence.
const POWER_FLOOR: f64 = 1e-30;
/// dB per unit of log2 of a power (`10 log10 2`).
const DB_PER_LOG2_POWER: f64 = 3.010_299_956_639_812;
/// log2 of the linear gain per dB (`log2(10) / 20`).
const LOG2_GAIN_PER_DB: f64 = 0.166_096_404_744_368_1;
/// A receding reduction this close to 0 dB snaps to 0, so an idle compressor applies exactly 1.
const GAIN_SNAP_DB: f64 = 1e-7;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Detection {
    /// Instantaneous sample level.
    #[default]
    Peak,
    /// Mean square over the RMS window (one pole).
    Rms,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StereoMode {
    #[default]
    LeftRight,
    /// Compress mid (L+R)/2 and side (L-R)/2 as the two channels, then decode.
    MidSide,
}

/// User settings in audio units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompressorParams {
    /// -60..0 dB.
    pub threshold_db: f64,
    /// 1..=inf (`f64::INFINITY` is a limiter-style inf:1).
    pub ratio: f64,
    /// Soft knee width, 0..24 dB (0 is a hard knee).
    pub knee_db: f64,
    /// 0.05..500 ms, time to 63 % of a deepening reduction (see the module notes).
    pub attack_ms: f64,
    /// 5..5000 ms, time to 63 % of a receding reduction; unused with `auto_release`.
    pub release_ms: f64,
    pub auto_release: bool,
    pub detection: Detection,
    /// RMS averaging time constant, 1..300 ms.
    pub rms_window_ms: f64,
    /// High-pass the detector so bass does not drive the compressor.
    pub sidechain_hpf: bool,
    /// 20..500 Hz, 2nd-order Butterworth.
    pub sidechain_hpf_hz: f64,
    /// Stereo link 0 (independent) .. 1 (both channels get the same reduction).
    pub link: f64,
    pub stereo_mode: StereoMode,
    /// Manual makeup, -24..24 dB.
    pub makeup_db: f64,
    /// Add half the static reduction at 0 dBFS (see the module notes).
    pub auto_makeup: bool,
    /// Dry/wet, 0..1. At exactly 0 the output is the (delayed) input, bit for bit.
    pub mix: f64,
    /// 0..10 ms; delays the audio (see `latency()`), the detector sees it early.
    pub lookahead_ms: f64,
}

impl Default for CompressorParams {
    fn default() -> Self {
        Self {
            threshold_db: -18.0,
            ratio: 2.0,
            knee_db: 6.0,
            attack_ms: 10.0,
            release_ms: 100.0,
            auto_release: false,
            detection: Detection::Peak,
            rms_window_ms: 20.0,
            sidechain_hpf: false,
            sidechain_hpf_hz: 80.0,
            link: 1.0,
            stereo_mode: StereoMode::LeftRight,
            makeup_db: 0.0,
            auto_makeup: false,
            mix: 1.0,
            lookahead_ms: 0.0,
        }
    }
}

impl CompressorParams {
    pub fn validate(&self) -> Result<(), String> {
        check_range("compressor threshold", self.threshold_db, -60.0, 0.0, "dB")?;
        if self.ratio.is_nan() || self.ratio < 1.0 {
            return Err(format!(
                "compressor ratio must be 1 or more (inf allowed), got {}",
                self.ratio
            ));
        }
        check_range("compressor knee", self.knee_db, 0.0, 24.0, "dB")?;
        check_range("compressor attack", self.attack_ms, 0.05, 500.0, "ms")?;
        check_range("compressor release", self.release_ms, 5.0, 5000.0, "ms")?;
        check_range(
            "compressor RMS window",
            self.rms_window_ms,
            1.0,
            300.0,
            "ms",
        )?;
        check_range(
            "compressor sidechain high-pass",
            self.sidechain_hpf_hz,
            20.0,
            500.0,
            "Hz",
        )?;
        check_range("compressor link", self.link, 0.0, 1.0, "")?;
        check_range("compressor makeup", self.makeup_db, -24.0, 24.0, "dB")?;
        check_range("compressor mix", self.mix, 0.0, 1.0, "")?;
        check_range(
            "compressor look-ahead",
            self.lookahead_ms,
            0.0,
            MAX_LOOKAHEAD_MS,
            "ms",
        )
    }

    /// The same settings forced into range (what the audio thread uses).
    pub fn clamped(&self) -> Self {
        let d = Self::default();
        Self {
            threshold_db: clamp_or(self.threshold_db, -60.0, 0.0, d.threshold_db),
            ratio: if self.ratio.is_nan() {
                d.ratio
            } else {
                self.ratio.max(1.0)
            },
            knee_db: clamp_or(self.knee_db, 0.0, 24.0, d.knee_db),
            attack_ms: clamp_or(self.attack_ms, 0.05, 500.0, d.attack_ms),
            release_ms: clamp_or(self.release_ms, 5.0, 5000.0, d.release_ms),
            auto_release: self.auto_release,
            detection: self.detection,
            rms_window_ms: clamp_or(self.rms_window_ms, 1.0, 300.0, d.rms_window_ms),
            sidechain_hpf: self.sidechain_hpf,
            sidechain_hpf_hz: clamp_or(self.sidechain_hpf_hz, 20.0, 500.0, d.sidechain_hpf_hz),
            link: clamp_or(self.link, 0.0, 1.0, d.link),
            stereo_mode: self.stereo_mode,
            makeup_db: clamp_or(self.makeup_db, -24.0, 24.0, d.makeup_db),
            auto_makeup: self.auto_makeup,
            mix: clamp_or(self.mix, 0.0, 1.0, d.mix),
            lookahead_ms: clamp_or(self.lookahead_ms, 0.0, MAX_LOOKAHEAD_MS, d.lookahead_ms),
        }
    }

    /// Static gain change (0 or negative dB) for a steady detector level `input_db`: the
    /// transfer curve minus the identity, for drawing the curve.
    pub fn gain_reduction_db(&self, input_db: f64) -> f64 {
        Curve::new(&self.clamped()).reduction_db(input_db)
    }

    /// The makeup the automatic mode adds (0 when it is off).
    pub fn auto_makeup_db(&self) -> f64 {
        let p = self.clamped();
        if p.auto_makeup {
            -0.5 * Curve::new(&p).reduction_db(0.0)
        } else {
            0.0
        }
    }
}

/// The gain computer, precomputed from the settings.
#[derive(Debug, Clone, Copy)]
struct Curve {
    threshold: f64,
    half_knee: f64,
    knee: f64,
    /// `1 / (2W)`, 0 for a hard knee.
    inv_twice_knee: f64,
    /// `1/R - 1` (0 at 1:1, -1 at inf:1).
    slope: f64,
    /// Detector power at the knee's lower edge: at or below it there is nothing to do.
    quiet_power: f64,
}

impl Curve {
    fn new(p: &CompressorParams) -> Self {
        Self {
            threshold: p.threshold_db,
            half_knee: 0.5 * p.knee_db,
            knee: p.knee_db,
            inv_twice_knee: if p.knee_db > 0.0 {
                0.5 / p.knee_db
            } else {
                0.0
            },
            slope: 1.0 / p.ratio - 1.0,
            quiet_power: 10f64.powf((p.threshold_db - 0.5 * p.knee_db) / 10.0),
        }
    }

    /// The three pieces without branches (so chunks vectorise): with `u = max(x - T + W/2, 0)`
    /// and `v = min(u, W)`, `v^2 / 2W + (u - v)` is 0 below the knee, `u^2 / 2W` inside it and
    /// `x - T` above it; the reduction is that times `1/R - 1`.
    #[inline(always)]
    fn reduction_db(&self, x: f64) -> f64 {
        let u = (x - self.threshold + self.half_knee).max(0.0);
        let v = u.min(self.knee);
        self.slope * (v * v * self.inv_twice_knee + (u - v))
    }
}

/// log2 of a positive normal `x` to ~1e-9: exponent plus an atanh series on the mantissa
/// folded into [sqrt(1/2), sqrt 2). Several times faster than libm and inlinable.
#[inline(always)]
pub(crate) fn fast_log2(x: f64) -> f64 {
    let bits = x.to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    let fold = m > SQRT_2;
    let m = if fold { m * 0.5 } else { m };
    let exponent = exponent as f64 + if fold { 1.0 } else { 0.0 };
    let t = (m - 1.0) / (m + 1.0);
    let t2 = t * t;
    let ln = 2.0 * t * (1.0 + t2 * (1.0 / 3.0 + t2 * (1.0 / 5.0 + t2 * (1.0 / 7.0 + t2 / 9.0))));
    exponent + ln * LOG2_E
}

/// 2^x to ~1e-8 relative for x in [-1000, 1000] (clamped): integer part into the exponent
/// bits, the fraction in [-0.5, 0.5] through a degree-7 Taylor series.
#[inline(always)]
pub(crate) fn fast_exp2(x: f64) -> f64 {
    // Adding 1.5 * 2^52 rounds to an integer held in the low mantissa bits (no SSE4.1 round).
    const SHIFT: f64 = 6_755_399_441_055_744.0;
    let x = x.clamp(-1000.0, 1000.0);
    let shifted = x + SHIFT;
    let k = shifted.to_bits() as i64 - SHIFT.to_bits() as i64;
    let z = (x - (shifted - SHIFT)) * LN_2;
    let p = 1.0
        + z * (1.0
            + z * 0.5
                * (1.0
                    + z / 3.0
                        * (1.0 + z * 0.25 * (1.0 + z * 0.2 * (1.0 + z / 6.0 * (1.0 + z / 7.0))))));
    p * f64::from_bits(((k + 1023) as u64) << 52)
}

#[derive(Debug, Clone, Copy)]
struct Timing {
    attack: f64,
    /// The set release, or the fast stage's with the automatic release.
    release: f64,
    auto_release: bool,
    slow_charge: f64,
    slow_release: f64,
}

/// Smoothed gain reduction (dB, <= 0) of one channel.
#[derive(Debug, Clone, Copy, Default)]
struct Envelope {
    /// The (fast) stage.
    gr: f64,
    /// The slow stage of the automatic release.
    slow: f64,
}

impl Envelope {
    fn sanitize(&mut self) {
        if !(self.gr.is_finite() && self.slow.is_finite()) {
            *self = Self::default();
        }
    }
}

/// Targets in, applied reduction out (in place) for the first `N` channels. This is the
/// recursion, kept apart from everything else and with the channels interleaved so their
/// dependency chains overlap.
#[allow(clippy::needless_range_loop)] // sample-major over channel-major buffers, on purpose
fn run_envelopes<const N: usize>(
    envelopes: &mut [Envelope; 2],
    t: &Timing,
    gr: &mut [[f64; CHUNK]; 2],
    n: usize,
) {
    let mut fast: [f64; N] = std::array::from_fn(|c| envelopes[c].gr);
    for i in 0..n {
        for c in 0..N {
            let target = gr[c][i];
            let a = if target < fast[c] {
                t.attack
            } else {
                t.release
            };
            let next = target + a * (fast[c] - target);
            // Lands exactly on 0 so an idle compressor applies a gain of exactly 1.
            fast[c] = if target == 0.0 && next > -GAIN_SNAP_DB {
                0.0
            } else {
                next
            };
            gr[c][i] = fast[c];
        }
    }
    for c in 0..N {
        envelopes[c].gr = fast[c];
    }
    if !t.auto_release {
        // The slow stage shadows the fast one, so switching the automatic release on is seamless.
        for c in 0..N {
            envelopes[c].slow = fast[c];
        }
        return;
    }
    let mut slow: [f64; N] = std::array::from_fn(|c| envelopes[c].slow);
    for i in 0..n {
        for c in 0..N {
            let fast = gr[c][i];
            let b = if fast < slow[c] {
                t.slow_charge
            } else {
                t.slow_release
            };
            let next = fast + b * (slow[c] - fast);
            slow[c] = if fast == 0.0 && next > -GAIN_SNAP_DB {
                0.0
            } else {
                next
            };
            gr[c][i] = fast.min(slow[c]);
        }
    }
    for c in 0..N {
        envelopes[c].slow = slow[c];
    }
}

pub struct Compressor {
    sample_rate: f64,
    params: CompressorParams,
    curve: Curve,
    timing: Timing,
    rms_coef: f64,
    sidechain_coefs: ButterworthSvfCoefs,
    sidechain_hpf: Svf<2>,
    mean_square: [f64; 2],
    envelopes: [Envelope; 2],
    makeup_db: Glide,
    mix: Glide,
    glide_samples: u32,
    lookahead: usize,
    delay: StereoDelay,
    deepest_gr_db: f64,
    /// The last gains applied (the mid/side or left/right pair), for a stereo-mode switch.
    last_gains: [f64; 2],
    /// A stereo-mode switch fades the applied gain, as a 2x2 matrix on left/right, from the
    /// old mode's last matrix to the new mode's over `mode_fade_len` samples: the two modes
    /// apply different matrices, so switching at once would step.
    mode_fade_from: [[f64; 2]; 2],
    mode_fade_left: u32,
    mode_fade_len: u32,
}

/// Length of the stereo-mode crossfade.
const MODE_FADE_MS: f64 = 10.0;

/// The left/right matrix a pair of gains applies in `mid_side` or left/right mode.
#[inline(always)]
fn gain_matrix(g: [f64; 2], mid_side: bool) -> [[f64; 2]; 2] {
    if mid_side {
        let (a, b) = (0.5 * (g[0] + g[1]), 0.5 * (g[0] - g[1]));
        [[a, b], [b, a]]
    } else {
        [[g[0], 0.0], [0.0, g[1]]]
    }
}

impl Compressor {
    fn lookahead_samples(sample_rate: f64, ms: f64) -> usize {
        (ms * 1e-3 * sample_rate).round() as usize
    }

    pub fn params(&self) -> CompressorParams {
        self.params
    }

    /// Deepest gain reduction since the last call, in dB (0 or negative), for the meters.
    /// Makeup is not included.
    pub fn take_gain_reduction_db(&mut self) -> f64 {
        std::mem::replace(&mut self.deepest_gr_db, 0.0)
    }

    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        let mid_side = self.params.stereo_mode == StereoMode::MidSide;

        // Detector power per sample and channel (mid/side when in that mode).
        let mut power = [[0.0f64; CHUNK]; 2];
        match (mid_side, self.params.sidechain_hpf) {
            (false, false) => self.detect::<false, false>(left, right, &mut power),
            (false, true) => self.detect::<false, true>(left, right, &mut power),
            (true, false) => self.detect::<true, false>(left, right, &mut power),
            (true, true) => self.detect::<true, true>(left, right, &mut power),
        }
        if self.params.detection == Detection::Rms {
            let c = self.rms_coef;
            for (ch, ms) in self.mean_square.iter_mut().enumerate() {
                for p in power[ch][..n].iter_mut() {
                    *ms += c * (*p - *ms);
                    *p = *ms;
                }
                if *ms < POWER_FLOOR {
                    *ms = 0.0;
                }
            }
        }

        // Reduction per sample: static curve, then the envelopes (in place).
        let mut gr = [[0.0f64; CHUNK]; 2];
        let linked = self.params.link >= 1.0;
        let curve = self.curve;
        if linked {
            for i in 0..n {
                let p = power[0][i].max(power[1][i]);
                let target = curve.reduction_db(Self::level_db(p));
                gr[0][i] = if p <= curve.quiet_power { 0.0 } else { target };
            }
            run_envelopes::<1>(&mut self.envelopes, &self.timing, &mut gr, n);
            self.envelopes[0].sanitize();
            // Keep the second envelope in step so unlinking later is seamless.
            self.envelopes[1] = self.envelopes[0];
        } else {
            let link = self.params.link;
            for i in 0..n {
                let (p0, p1) = (power[0][i], power[1][i]);
                let (x0, x1) = (Self::level_db(p0), Self::level_db(p1));
                let loud = x0.max(x1);
                // A blend never exceeds the louder level, so quiet means quiet for both.
                let quiet = p0.max(p1) <= curve.quiet_power;
                for (ch, own) in [(0, x0), (1, x1)] {
                    let target = curve.reduction_db(own + link * (loud - own));
                    gr[ch][i] = if quiet { 0.0 } else { target };
                }
            }
            run_envelopes::<2>(&mut self.envelopes, &self.timing, &mut gr, n);
            self.envelopes.iter_mut().for_each(Envelope::sanitize);
        }
        let channels = if linked { 1 } else { 2 };
        let deepest = gr[..channels]
            .iter()
            .flat_map(|g| g[..n].iter())
            .fold(self.deepest_gr_db, |m, &g| m.min(g));
        self.deepest_gr_db = deepest;

        // Linear gains with makeup. `fast_exp2(0)` is exactly 1, so an idle compressor is exact.
        let mut makeup = [0.0f64; CHUNK];
        if self.makeup_db.is_steady() {
            makeup[..n].fill(self.makeup_db.next());
        } else {
            makeup[..n]
                .iter_mut()
                .for_each(|m| *m = self.makeup_db.next());
        }
        let mut gains = [[1.0f64; CHUNK]; 2];
        for ch in 0..channels {
            for i in 0..n {
                gains[ch][i] = fast_exp2((gr[ch][i] + makeup[i]) * LOG2_GAIN_PER_DB);
            }
        }
        if linked {
            gains[1] = gains[0];
        }
        self.last_gains = [gains[0][n - 1], gains[1][n - 1]];

        self.apply(left, right, &gains, mid_side);
    }

    fn detect<const MID_SIDE: bool, const HPF: bool>(
        &mut self,
        left: &[f32],
        right: &[f32],
        power: &mut [[f64; CHUNK]; 2],
    ) {
        for i in 0..left.len() {
            let (l, r) = (left[i] as f64, right[i] as f64);
            let x = if MID_SIDE {
                [0.5 * (l + r), 0.5 * (l - r)]
            } else {
                [l, r]
            };
            let x = if HPF {
                self.sidechain_hpf.highpass(&self.sidechain_coefs, x)
            } else {
                x
            };
            for ch in 0..2 {
                let p = x[ch] * x[ch];
                // Non-finite input must not reach the envelopes: the detector treats it as silence.
                power[ch][i] = if p.is_finite() { p } else { 0.0 };
            }
        }
        if HPF {
            self.sidechain_hpf.sanitize();
        }
    }

    /// Look-ahead delay, gain, mid/side decode, dry/wet.
    fn apply(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        gains: &[[f64; CHUNK]; 2],
        mid_side: bool,
    ) {
        let n = left.len();
        if self.lookahead > 0 {
            // Afterwards the slices hold the dry signal `lookahead` samples late.
            self.delay.process(left, right);
        }
        if self.mix.is_steady() && self.mix.next() == 0.0 {
            // The (delayed) input, bit for bit.
            self.mode_fade_left = self.mode_fade_left.saturating_sub(n as u32);
            return;
        }
        if self.mode_fade_left > 0 {
            self.apply_mode_fade(left, right, gains, mid_side);
            return;
        }
        if self.mix.is_steady() && self.mix.next() == 1.0 && !mid_side {
            for i in 0..n {
                left[i] = (left[i] as f64 * gains[0][i]) as f32;
                right[i] = (right[i] as f64 * gains[1][i]) as f32;
            }
            return;
        }
        for i in 0..n {
            let mix = self.mix.next();
            if mix == 0.0 {
                continue;
            }
            let (l, r) = (left[i] as f64, right[i] as f64);
            let (g0, g1) = (gains[0][i], gains[1][i]);
            let (wet_l, wet_r) = if mid_side {
                let m = 0.5 * (l + r) * g0;
                let s = 0.5 * (l - r) * g1;
                (m + s, m - s)
            } else {
                (l * g0, r * g1)
            };
            if mix == 1.0 {
                left[i] = wet_l as f32;
                right[i] = wet_r as f32;
            } else {
                left[i] = (l + mix * (wet_l - l)) as f32;
                right[i] = (r + mix * (wet_r - r)) as f32;
            }
        }
    }

    /// `apply` during a stereo-mode crossfade: the general matrix, with the mix.
    fn apply_mode_fade(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        gains: &[[f64; CHUNK]; 2],
        mid_side: bool,
    ) {
        let from = self.mode_fade_from;
        let len = self.mode_fade_len as f64;
        for i in 0..left.len() {
            let mix = self.mix.next();
            let w = if self.mode_fade_left > 0 {
                self.mode_fade_left -= 1;
                1.0 - self.mode_fade_left as f64 / len
            } else {
                1.0
            };
            let to = gain_matrix([gains[0][i], gains[1][i]], mid_side);
            let m = |r: usize, c: usize| from[r][c] + w * (to[r][c] - from[r][c]);
            let (l, r) = (left[i] as f64, right[i] as f64);
            let wet_l = m(0, 0) * l + m(0, 1) * r;
            let wet_r = m(1, 0) * l + m(1, 1) * r;
            left[i] = (l + mix * (wet_l - l)) as f32;
            right[i] = (r + mix * (wet_r - r)) as f32;
        }
    }

    #[inline(always)]
    fn level_db(power: f64) -> f64 {
        DB_PER_LOG2_POWER * fast_log2(power.max(POWER_FLOOR))
    }
}

impl Stage for Compressor {
    type Params = CompressorParams;

    /// Allocates the look-ahead delay for 10 ms at `sample_rate`.
    fn new(sample_rate: f64, params: &CompressorParams) -> Self {
        let sample_rate = sample_rate.clamp(1000.0, 768_000.0);
        let max_delay = Self::lookahead_samples(sample_rate, MAX_LOOKAHEAD_MS);
        let p = params.clamped();
        let mut c = Self {
            sample_rate,
            params: p,
            curve: Curve::new(&p),
            timing: Timing {
                attack: 0.0,
                release: 0.0,
                auto_release: false,
                slow_charge: one_pole_decay(AUTO_SLOW_CHARGE_MS, sample_rate),
                slow_release: one_pole_decay(AUTO_SLOW_RELEASE_MS, sample_rate),
            },
            rms_coef: 0.0,
            sidechain_coefs: ButterworthSvfCoefs::butterworth(p.sidechain_hpf_hz, sample_rate),
            sidechain_hpf: Svf::default(),
            mean_square: [0.0; 2],
            envelopes: Default::default(),
            makeup_db: Glide::new(0.0),
            mix: Glide::new(1.0),
            glide_samples: (SMOOTHING_MS * 1e-3 * sample_rate).round() as u32,
            lookahead: 0,
            delay: StereoDelay::new(max_delay, CHUNK),
            deepest_gr_db: 0.0,
            last_gains: [1.0; 2],
            mode_fade_from: gain_matrix([1.0; 2], false),
            mode_fade_left: 0,
            mode_fade_len: (MODE_FADE_MS * 1e-3 * sample_rate).round().max(1.0) as u32,
        };
        c.set_params(&p);
        c.reset();
        c
    }
    /// Apply new settings without allocating. Makeup and mix glide; threshold, ratio and knee
    /// changes reach the audio through the attack/release smoothing. A new look-ahead changes
    /// the latency and clears the delay.
    fn set_params(&mut self, params: &CompressorParams) {
        let p = params.clamped();
        let fs = self.sample_rate;
        self.curve = Curve::new(&p);
        self.timing.attack = one_pole_decay(p.attack_ms, fs);
        self.timing.release = if p.auto_release {
            one_pole_decay(AUTO_FAST_RELEASE_MS, fs)
        } else {
            one_pole_decay(p.release_ms, fs)
        };
        self.timing.auto_release = p.auto_release;
        self.rms_coef = 1.0 - one_pole_decay(p.rms_window_ms, fs);
        if p.sidechain_hpf_hz != self.params.sidechain_hpf_hz {
            self.sidechain_coefs = ButterworthSvfCoefs::butterworth(p.sidechain_hpf_hz, fs);
        }
        self.makeup_db
            .set_target(p.makeup_db + p.auto_makeup_db(), self.glide_samples);
        self.mix.set_target(p.mix, self.glide_samples);
        let lookahead = Self::lookahead_samples(fs, p.lookahead_ms);
        if lookahead != self.lookahead {
            self.lookahead = lookahead;
            self.delay.reset();
            self.delay.set_delay(lookahead);
        }
        if p.stereo_mode != self.params.stereo_mode {
            let was_mid_side = self.params.stereo_mode == StereoMode::MidSide;
            self.mode_fade_from = gain_matrix(self.last_gains, was_mid_side);
            self.mode_fade_left = self.mode_fade_len;
        }
        self.params = p;
    }
    /// Clear all state; makeup and mix jump to their settings.
    fn reset(&mut self) {
        self.sidechain_hpf.reset();
        self.mean_square = [0.0; 2];
        self.envelopes = Default::default();
        self.makeup_db.jump();
        self.mix.jump();
        self.delay.reset();
        self.deepest_gr_db = 0.0;
        self.last_gains = [1.0; 2];
        self.mode_fade_left = 0;
    }
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        crate::util::chunks::for_each_chunk(left, right, CHUNK, |l, r| self.process_chunk(l, r));
    }
    /// Delay from input to output in samples (the look-ahead).
    fn latency(&self) -> usize {
        self.lookahead
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    const RATE: f64 = 48_000.0;

    fn db(x: f64) -> f64 {
        20.0 * x.log10()
    }

    /// The static curve written out independently of `Curve`.
    fn expected_gain_db(x: f64, t: f64, r: f64, w: f64) -> f64 {
        let y = if x < t - w / 2.0 {
            x
        } else if x > t + w / 2.0 {
            t + (x - t) / r
        } else {
            x + (1.0 / r - 1.0) * (x - t + w / 2.0).powi(2) / (2.0 * w)
        };
        y - x
    }

    fn fast(p: CompressorParams) -> CompressorParams {
        CompressorParams {
            attack_ms: 0.05,
            release_ms: 5.0,
            ..p
        }
    }

    #[test]
    fn fast_log_and_exp_are_accurate() {
        let mut worst_log = 0.0f64;
        let mut worst_exp = 0.0f64;
        for i in 0..200_000 {
            let x = 10f64.powf(-30.0 + 60.0 * i as f64 / 200_000.0);
            worst_log = worst_log.max((fast_log2(x) - x.log2()).abs());
            let e = -60.0 + 120.0 * i as f64 / 200_000.0;
            worst_exp = worst_exp.max((fast_exp2(e) / e.exp2() - 1.0).abs());
        }
        println!(
            "fast_log2 abs error {worst_log:.2e} ({:.2e} dB), fast_exp2 rel error {worst_exp:.2e} ({:.2e} dB)",
            worst_log * DB_PER_LOG2_POWER,
            db(1.0 + worst_exp)
        );
        assert!(worst_log < 1e-8 && worst_exp < 1e-7);
    }

    /// Settled gain (dB) of a steady input at `level_db` (a DC level, so peak and RMS agree).
    fn settled_gain_db(p: &CompressorParams, level_db: f64) -> f64 {
        let mut c = Compressor::new(RATE, p);
        let a = 10f64.powf(level_db / 20.0) as f32;
        let mut l = vec![a; 4096];
        let mut r = vec![a; 4096];
        c.process(&mut l, &mut r);
        db(l[4095] as f64 / a as f64)
    }

    #[test]
    fn the_static_curve_matches_its_formula() {
        let cases = [
            (-30.0, 4.0, 12.0, Detection::Peak),
            (-10.0, f64::INFINITY, 24.0, Detection::Peak),
            (-40.0, 1.5, 0.0, Detection::Peak),
            (-24.0, 3.0, 6.0, Detection::Rms),
        ];
        let mut worst = 0.0f64;
        for (t, r, w, detection) in cases {
            let p = fast(CompressorParams {
                threshold_db: t,
                ratio: r,
                knee_db: w,
                detection,
                rms_window_ms: 1.0,
                ..Default::default()
            });
            for k in 0..20 {
                let x = -57.0 + 3.0 * k as f64;
                let got = settled_gain_db(&p, x);
                let want = expected_gain_db(x, t, r, w);
                let err = (got - want).abs();
                worst = worst.max(err);
                assert!(err < 0.1, "T {t} R {r} W {w}: {x} dB in -> {got} vs {want}");
                assert!((p.gain_reduction_db(x) - want).abs() < 1e-9);
            }
        }
        println!("static curve: worst error {worst:.2e} dB over 80 points (knees included)");
    }

    /// Continuous index (in samples after the step, counting the step sample as 1) at which the
    /// gain has covered 63.2 % of its change; linear interpolation between samples.
    fn time_to_63(gain_db: &[f64], from: f64, to: f64) -> f64 {
        let goal = 1.0 - (-1.0f64).exp();
        let frac = |g: f64| (g - from) / (to - from);
        let mut prev = 0.0;
        for (k, &g) in gain_db.iter().enumerate() {
            let f = frac(g);
            if f >= goal {
                return k as f64 + (goal - prev) / (f - prev);
            }
            prev = f;
        }
        f64::NAN
    }

    #[test]
    fn attack_and_release_reach_63_percent_in_the_set_time() {
        // -20 dB -> -10 dB at threshold -20, 4:1, hard knee: the reduction steps 0 -> -7.5 dB.
        let (lo, hi) = (0.1f32, 10f32.powf(-0.5));
        let mut worst = 0.0f64;
        for (attack_ms, release_ms) in [
            (0.05, 5.0),
            (0.5, 5.0),
            (1.0, 50.0),
            (10.0, 500.0),
            (100.0, 2000.0),
        ] {
            let p = CompressorParams {
                threshold_db: -20.0,
                ratio: 4.0,
                knee_db: 0.0,
                attack_ms,
                release_ms,
                ..Default::default()
            };
            let mut c = Compressor::new(RATE, &p);
            let seg = (release_ms * 1e-3 * RATE * 8.0) as usize + 1000;
            let mut input = vec![lo; 1000];
            input.extend(std::iter::repeat_n(hi, seg));
            input.extend(std::iter::repeat_n(lo, seg));
            let mut l = input.clone();
            let mut r = input.clone();
            c.process(&mut l, &mut r);
            let gain: Vec<f64> = l
                .iter()
                .zip(&input)
                .map(|(&o, &i)| db(o as f64 / i as f64))
                .collect();
            let attack = time_to_63(&gain[1000..1000 + seg], 0.0, -7.5) / RATE * 1e3;
            let release = time_to_63(&gain[1000 + seg..], -7.5, 0.0) / RATE * 1e3;
            let (ea, er) = (attack / attack_ms - 1.0, release / release_ms - 1.0);
            println!(
                "attack {attack_ms} ms -> {attack:.5} ms ({:+.4} %), release {release_ms} ms -> {release:.4} ms ({:+.4} %)",
                ea * 100.0,
                er * 100.0
            );
            worst = worst.max(ea.abs()).max(er.abs());
            assert!(ea.abs() < 0.05 && er.abs() < 0.05);
        }
        println!("worst timing error {:.4} %", worst * 100.0);
    }

    #[test]
    fn full_link_gives_both_channels_the_same_reduction() {
        let p = CompressorParams {
            threshold_db: -30.0,
            ratio: 4.0,
            knee_db: 0.0,
            attack_ms: 1.0,
            release_ms: 50.0,
            ..Default::default()
        };
        let n = 9600;
        // Positive signals (so the gain is out / in everywhere), loud left, quiet right.
        let in_l: Vec<f32> = (0..n)
            .map(|i| (0.5 + 0.4 * (i as f64 * 0.003).sin()) as f32)
            .collect();
        let in_r: Vec<f32> = (0..n)
            .map(|i| (0.02 + 0.01 * (i as f64 * 0.011).sin()) as f32)
            .collect();
        let run = |link: f64| {
            let mut c = Compressor::new(RATE, &CompressorParams { link, ..p });
            let (mut l, mut r) = (in_l.clone(), in_r.clone());
            c.process(&mut l, &mut r);
            let gl: Vec<f64> = l
                .iter()
                .zip(&in_l)
                .map(|(&o, &i)| db((o / i) as f64))
                .collect();
            let gr: Vec<f64> = r
                .iter()
                .zip(&in_r)
                .map(|(&o, &i)| db((o / i) as f64))
                .collect();
            (gl, gr)
        };
        let (gl, gr) = run(1.0);
        let diff = gl
            .iter()
            .zip(&gr)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        let deepest = gl.iter().cloned().fold(0.0, f64::min);
        println!("link 100 %: deepest {deepest:.2} dB, largest L/R difference {diff:.2e} dB");
        assert!(deepest < -10.0 && diff < 1e-5);

        let (gl0, gr0) = run(0.0);
        let right_deepest = gr0.iter().cloned().fold(0.0, f64::min);
        println!("link 0 %: quiet right channel deepest {right_deepest:.2e} dB");
        assert!(right_deepest > -1e-5 && gl0.iter().cloned().fold(0.0, f64::min) < -10.0);

        let (_, gr_half) = run(0.5);
        let half_deepest = gr_half.iter().cloned().fold(0.0, f64::min);
        println!("link 50 %: right channel deepest {half_deepest:.2} dB");
        assert!(half_deepest < -1.0 && half_deepest > deepest + 1.0);
    }

    #[test]
    fn zero_mix_is_bit_identical_to_the_input() {
        let x: Vec<f32> = (0..5000)
            .map(|i| ((i as f64 * 0.07).sin() * 0.9) as f32)
            .collect();
        let y: Vec<f32> = x.iter().map(|v| -v * 0.5 + 1e-39).collect(); // includes subnormal-ish
        let p = CompressorParams {
            threshold_db: -40.0,
            ratio: 10.0,
            makeup_db: 12.0,
            mix: 0.0,
            ..Default::default()
        };
        let mut c = Compressor::new(RATE, &p);
        let (mut l, mut r) = (x.clone(), y.clone());
        c.process(&mut l, &mut r);
        assert!(l.iter().zip(&x).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert!(r.iter().zip(&y).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert!(
            c.take_gain_reduction_db() < -10.0,
            "the detector keeps running"
        );

        // Gliding down to 0 % lands on exactly the dry signal too.
        let mut c = Compressor::new(RATE, &CompressorParams { mix: 1.0, ..p });
        c.set_params(&p);
        let (mut l, mut r) = (x.clone(), y.clone());
        c.process(&mut l, &mut r);
        assert!(l[4000..]
            .iter()
            .zip(&x[4000..])
            .all(|(a, b)| a.to_bits() == b.to_bits()));

        // 50 % is the average of dry and fully wet.
        let mut wet = Compressor::new(RATE, &CompressorParams { mix: 1.0, ..p });
        let mut half = Compressor::new(RATE, &CompressorParams { mix: 0.5, ..p });
        let (mut wl, mut wr) = (x.clone(), y.clone());
        let (mut hl, mut hr) = (x.clone(), y.clone());
        wet.process(&mut wl, &mut wr);
        half.process(&mut hl, &mut hr);
        let err = (0..x.len())
            .map(|i| (hl[i] as f64 - 0.5 * (x[i] as f64 + wl[i] as f64)).abs())
            .fold(0.0, f64::max);
        println!("mix 50 %: largest deviation from (dry + wet) / 2: {err:.2e}");
        assert!(err < 1e-6);
    }

    #[test]
    fn lookahead_delays_the_audio_and_reduces_ahead_of_the_step() {
        let p = CompressorParams {
            threshold_db: -20.0,
            ratio: 4.0,
            knee_db: 0.0,
            attack_ms: 1.0,
            lookahead_ms: 5.0,
            ..Default::default()
        };
        let mut c = Compressor::new(RATE, &p);
        assert_eq!(c.latency(), 240);
        let mut input = vec![0.01f32; 2000];
        input[1000..].fill(0.5);
        let (mut l, mut r) = (input.clone(), input.clone());
        c.process(&mut l, &mut r);
        // Before the step the gain is already moving; when the step reaches the output, the
        // attack (1 ms) has had 5 ms: 1 - e^-5 of the reduction is in place.
        let arrival = 1000 + 240;
        let final_db = expected_gain_db(db(0.5), -20.0, 4.0, 0.0);
        let at_arrival = db(l[arrival] as f64 / 0.5);
        let before = db(l[arrival - 1] as f64 / 0.01);
        println!(
            "look-ahead 5 ms: gain {before:.2} dB just before the step arrives, {at_arrival:.3} dB at it (final {final_db:.3})"
        );
        assert!(before < -1.0);
        assert!((at_arrival / final_db) > 0.99);

        // Dry (mix 0) is the input delayed by exactly the latency.
        let mut c = Compressor::new(RATE, &CompressorParams { mix: 0.0, ..p });
        let (mut l, mut r) = (input.clone(), input.clone());
        c.process(&mut l, &mut r);
        assert!(l[..240].iter().all(|&v| v == 0.0));
        assert_eq!(&l[240..], &input[..2000 - 240]);
    }

    #[test]
    fn mid_side_compresses_mid_and_side_separately() {
        let p = CompressorParams {
            threshold_db: -30.0,
            ratio: 4.0,
            link: 0.0,
            stereo_mode: StereoMode::MidSide,
            ..Default::default()
        };
        let n = 9600;
        // Loud mid, quiet side.
        let mid: Vec<f64> = (0..n).map(|i| 0.5 * (i as f64 * 0.05).sin()).collect();
        let side: Vec<f64> = (0..n).map(|i| 0.005 * (i as f64 * 0.13).sin()).collect();
        let mut l: Vec<f32> = (0..n).map(|i| (mid[i] + side[i]) as f32).collect();
        let mut r: Vec<f32> = (0..n).map(|i| (mid[i] - side[i]) as f32).collect();
        let mut c = Compressor::new(RATE, &p);
        c.process(&mut l, &mut r);
        let side_err = (n / 2..n)
            .map(|i| (0.5 * (l[i] - r[i]) as f64 - side[i]).abs())
            .fold(0.0, f64::max);
        let mid_peak_in = mid[n / 2..].iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let mid_peak_out = (n / 2..n)
            .map(|i| (0.5 * (l[i] + r[i]) as f64).abs())
            .fold(0.0, f64::max);
        println!(
            "M/S: side untouched within {side_err:.2e}, mid peak {:.2} dB",
            db(mid_peak_out / mid_peak_in)
        );
        assert!(side_err < 1e-6);
        assert!(db(mid_peak_out / mid_peak_in) < -6.0);
    }

    /// Switching between mid/side and left/right while compressing cross-fades the applied
    /// gain. A hard switch applies the mid gain to the left channel at once: a second
    /// difference of 0.25 on this material. The 10 ms fade leaves 0.0005 (its own corners; the
    /// signal's is 0.00008).
    #[test]
    fn switching_the_stereo_mode_while_compressing_does_not_step() {
        let p = CompressorParams {
            threshold_db: -30.0,
            ratio: 8.0,
            link: 0.0,
            attack_ms: 1.0,
            stereo_mode: StereoMode::MidSide,
            ..Default::default()
        };
        let n = 48_000;
        let mut l: Vec<f32> = (0..n)
            .map(|i| (0.8 * (i as f64 * 0.01).sin()) as f32)
            .collect();
        let mut r: Vec<f32> = (0..n)
            .map(|i| (0.05 * (i as f64 * 0.013).sin()) as f32)
            .collect();
        let own = |x: &[f32]| {
            x.windows(3)
                .map(|w| (w[2] - 2.0 * w[1] + w[0]).abs())
                .fold(0.0f32, f32::max)
        };
        let signal = own(&l).max(own(&r));
        let mut c = Compressor::new(RATE, &p);
        let mut worst = 0.0f32;
        for (k, (a, b)) in l.chunks_mut(12_000).zip(r.chunks_mut(12_000)).enumerate() {
            let stereo_mode = if k % 2 == 0 {
                StereoMode::MidSide
            } else {
                StereoMode::LeftRight
            };
            c.set_params(&CompressorParams { stereo_mode, ..p });
            c.process(a, b);
        }
        for ch in [&l, &r] {
            worst = worst.max(own(&ch[100..]));
        }
        println!(
            "stereo-mode switches: worst second difference {worst:.5} (signal's own {signal:.5})"
        );
        assert!(worst < 0.001, "{worst}");
    }

    #[test]
    fn automatic_release_recovers_faster_after_transients() {
        let p = CompressorParams {
            threshold_db: -30.0,
            ratio: 10.0,
            knee_db: 0.0,
            attack_ms: 0.5,
            auto_release: true,
            ..Default::default()
        };
        // Time for the reduction to recede to a third of what it was when the burst ended.
        let recovery_ms = |p: &CompressorParams, burst: usize| {
            let mut c = Compressor::new(RATE, p);
            let (lo, hi) = (0.01f32, 0.5f32);
            let mut x = vec![hi; burst];
            x.extend(std::iter::repeat_n(lo, 5 * 48_000));
            let (mut l, mut r) = (x.clone(), x.clone());
            c.process(&mut l, &mut r);
            let start = db(l[burst - 1] as f64 / hi as f64);
            let k = (burst..x.len())
                .find(|&i| db(l[i] as f64 / lo as f64) > start / 3.0)
                .unwrap();
            (k - burst) as f64 / 48.0
        };
        let short = recovery_ms(&p, 480);
        let long = recovery_ms(&p, 3 * 48_000);
        println!("auto release: to 1/3 after a 10 ms burst {short:.1} ms, after 3 s {long:.1} ms");
        assert!(long > 5.0 * short && short < 100.0);
        let fixed = CompressorParams {
            auto_release: false,
            release_ms: 200.0,
            ..p
        };
        let (fs, fl) = (recovery_ms(&fixed, 480), recovery_ms(&fixed, 3 * 48_000));
        println!("fixed 200 ms release: {fs:.1} ms and {fl:.1} ms");
        assert!((fs - fl).abs() < 1.0);
    }

    #[test]
    fn sidechain_high_pass_ignores_bass() {
        let gr_for = |hpf: bool, hz: f64, freq: f64| {
            let p = CompressorParams {
                threshold_db: -30.0,
                ratio: 4.0,
                sidechain_hpf: hpf,
                sidechain_hpf_hz: hz,
                ..Default::default()
            };
            let mut c = Compressor::new(RATE, &p);
            let x: Vec<f32> = (0..24_000)
                .map(|i| (0.5 * (2.0 * PI * freq * i as f64 / RATE).sin()) as f32)
                .collect();
            let (mut l, mut r) = (x.clone(), x.clone());
            c.process(&mut l, &mut r);
            c.take_gain_reduction_db();
            c.process(&mut l, &mut r);
            c.take_gain_reduction_db()
        };
        let (off, on) = (gr_for(false, 300.0, 40.0), gr_for(true, 300.0, 40.0));
        let (high_off, high_on) = (gr_for(false, 300.0, 3000.0), gr_for(true, 300.0, 3000.0));
        println!(
            "40 Hz tone: reduction {off:.2} dB unfiltered, {on:.2} dB with a 300 Hz sidechain high-pass; \
             3 kHz tone: {high_off:.3} dB unfiltered, {high_on:.3} dB filtered"
        );
        // 40 Hz is ~3 octaves under 300 Hz: -35 dB at the detector (12 dB/oct); 3 kHz passes.
        assert!(off < -10.0 && on > off + 10.0 && (high_on - high_off).abs() < 0.1);
    }

    #[test]
    fn output_does_not_depend_on_the_host_block_size() {
        let x: Vec<f32> = (0..6000)
            .map(|i| ((i as f64 * 0.02).sin() * (i as f64 * 0.0011).sin()) as f32)
            .collect();
        let p = CompressorParams {
            threshold_db: -20.0,
            link: 0.3,
            auto_release: true,
            detection: Detection::Rms,
            sidechain_hpf: true,
            stereo_mode: StereoMode::MidSide,
            auto_makeup: true,
            mix: 0.7,
            lookahead_ms: 2.0,
            ..Default::default()
        };
        let run = |sizes: &[usize]| {
            let mut c = Compressor::new(RATE, &p);
            let (mut l, mut r) = (x.clone(), x.iter().map(|v| v * 0.3).collect::<Vec<_>>());
            let (mut start, mut k) = (0, 0);
            while start < l.len() {
                let n = sizes[k % sizes.len()].min(l.len() - start);
                c.process(&mut l[start..start + n], &mut r[start..start + n]);
                start += n;
                k += 1;
            }
            (l, r)
        };
        assert_eq!(run(&[64]), run(&[1, 100, 3, 64, 17, 500]));
    }

    #[test]
    fn non_finite_input_and_absurd_settings_are_survived() {
        let p = CompressorParams {
            threshold_db: f64::NAN,
            ratio: f64::INFINITY,
            knee_db: -3.0,
            attack_ms: 0.0,
            release_ms: 1e9,
            sidechain_hpf: true,
            sidechain_hpf_hz: f64::INFINITY,
            detection: Detection::Rms,
            link: 0.5,
            makeup_db: 100.0,
            mix: f64::NAN,
            lookahead_ms: 99.0,
            ..Default::default()
        };
        assert!(p.validate().is_err());
        assert!(p.clamped().validate().is_ok());
        let mut c = Compressor::new(RATE, &p);
        let mut l = vec![0.5f32; 256];
        l[10] = f32::NAN;
        l[20] = f32::INFINITY;
        let mut r = l.clone();
        c.process(&mut l, &mut r);
        let mut l = vec![0.5f32; 2048];
        let mut r = l.clone();
        c.process(&mut l, &mut r);
        assert!(l[1024..].iter().chain(&r[1024..]).all(|v| v.is_finite()));
        assert!(c.take_gain_reduction_db().is_finite());
    }

    #[test]
    fn processing_does_not_allocate() {
        let p = CompressorParams {
            detection: Detection::Rms,
            sidechain_hpf: true,
            link: 0.5,
            stereo_mode: StereoMode::MidSide,
            auto_release: true,
            auto_makeup: true,
            mix: 0.5,
            lookahead_ms: 3.0,
            ..Default::default()
        };
        let mut c = Compressor::new(RATE, &p);
        let mut l = vec![0.3f32; 1000];
        let mut r = vec![-0.2f32; 1000];
        crate::no_alloc::assert_no_alloc(|| {
            c.process(&mut l, &mut r);
            c.set_params(&CompressorParams {
                lookahead_ms: 1.0,
                link: 1.0,
                ..p
            });
            c.process(&mut l, &mut r);
            std::hint::black_box(c.take_gain_reduction_db());
            c.reset();
        });
    }
}
