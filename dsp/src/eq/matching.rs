//! Match EQ: a correction curve for mid and side, realised as a bank of constant-Q bells on a
//! logarithmic grid from 20 Hz to 20 kHz (1/3, 1/6 or 1/12 octave apart), in M/S.
//!
//! The curve arrives as band gains already solved for (`solve_band_gains`, run off the audio
//! thread: neighbouring bells overlap, so the gain of each is iterated until the bank's summed
//! response hits the target at every band centre). `amount` scales the tonal correction (the
//! mid curve, applied to mid and side alike); `width_amount` scales the width correction (the
//! side curve minus the mid curve, applied to the side only). At 100 % / 100 % the mid gets
//! the mid curve and the side the side curve.
//!
//! Gains glide (20 ms) so automation of the amounts never zips. With both amounts at zero and
//! every gain arrived there, the kernel does not touch the audio at all.

use crate::filter::{StereoSvf, SvfCoefs, SvfTaps};
use crate::util::{db_to_gain_f64, one_pole_coef_per};
use crate::Stage;
use std::f64::consts::PI;

pub const MAX_MATCH_BANDS: usize = 121;
pub const MATCH_LO_HZ: f64 = 20.0;
pub const MATCH_HI_HZ: f64 = 20_000.0;
/// The correction curve's bound at any frequency, dB.
pub const MATCH_LIMIT_DB: f32 = 12.0;
/// A band's own gain may exceed the curve's bound to reach it between overlapping neighbours.
const BAND_LIMIT_DB: f64 = 18.0;
const GLIDE_MS: f64 = 20.0;
/// Bell width in band spacings: wide enough that neighbours sum without ripple between their
/// centres, narrow enough that the solve stays well conditioned.
const BELL_WIDTH: f64 = 2.0;
const CHUNK: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MatchResolution {
    Third,
    #[default]
    Sixth,
    Twelfth,
}

impl MatchResolution {
    pub fn bands(self) -> usize {
        match self {
            MatchResolution::Third => 31,
            MatchResolution::Sixth => 61,
            MatchResolution::Twelfth => 121,
        }
    }

    /// Spacing of the band centres, octaves (10 octaves shared out).
    pub fn octaves(self) -> f64 {
        (MATCH_HI_HZ / MATCH_LO_HZ).log2() / (self.bands() - 1) as f64
    }

    pub fn centre_hz(self, k: usize) -> f64 {
        MATCH_LO_HZ * (MATCH_HI_HZ / MATCH_LO_HZ).powf(k as f64 / (self.bands() - 1) as f64)
    }

    /// Q of band `k`'s bell: `BELL_WIDTH` band spacings wide at `sample_rate`. The bilinear
    /// design squeezes bandwidth toward Nyquist, so the analog Q is taken between the
    /// prewarped band edges (at low frequencies it is the plain sqrt(B) / (B - 1)).
    pub fn q(self, k: usize, sample_rate: f64) -> f64 {
        let half = 2f64.powf(BELL_WIDTH * self.octaves() / 2.0);
        let c = self.centre_hz(k);
        let warp = |f: f64| (PI * f.min(0.499 * sample_rate) / sample_rate).tan();
        warp(c) / (warp(c * half) - warp(c / half)).max(1e-9)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchParams {
    pub resolution: MatchResolution,
    /// Band gains (solved), dB; the first `resolution.bands()` are used.
    pub mid_db: [f32; MAX_MATCH_BANDS],
    pub side_db: [f32; MAX_MATCH_BANDS],
    /// 0..1.
    pub amount: f64,
    /// 0..1.
    pub width_amount: f64,
}

impl Default for MatchParams {
    fn default() -> Self {
        Self {
            resolution: MatchResolution::Sixth,
            mid_db: [0.0; MAX_MATCH_BANDS],
            side_db: [0.0; MAX_MATCH_BANDS],
            amount: 0.0,
            width_amount: 0.0,
        }
    }
}

impl MatchParams {
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [("amount", self.amount), ("width amount", self.width_amount)] {
            if !(v.is_finite() && (0.0..=1.0).contains(&v)) {
                return Err(format!(
                    "match EQ {name} must be 0 to 100 %, got {}",
                    v * 100.0
                ));
            }
        }
        let bad = self
            .mid_db
            .iter()
            .chain(&self.side_db)
            .find(|g| !(g.is_finite() && g.abs() as f64 <= BAND_LIMIT_DB));
        match bad {
            Some(g) => Err(format!(
                "match EQ band gains must be within +-{BAND_LIMIT_DB} dB, got {g}"
            )),
            None => Ok(()),
        }
    }

    pub fn clamped(&self) -> Self {
        let unit = |v: f64| {
            if v.is_finite() {
                v.clamp(0.0, 1.0)
            } else {
                0.0
            }
        };
        let band = |g: f32| {
            if g.is_finite() {
                g.clamp(-BAND_LIMIT_DB as f32, BAND_LIMIT_DB as f32)
            } else {
                0.0
            }
        };
        Self {
            resolution: self.resolution,
            mid_db: self.mid_db.map(band),
            side_db: self.side_db.map(band),
            amount: unit(self.amount),
            width_amount: unit(self.width_amount),
        }
    }

    /// Gain of band `k` for mid (lane 0) and side (lane 1), dB, at the set amounts.
    pub fn applied_db(&self, k: usize) -> [f64; 2] {
        let (m, s) = (self.mid_db[k] as f64, self.side_db[k] as f64);
        let mid = self.amount * m;
        [mid, mid + self.width_amount * (s - m)]
    }
}

/// The bell of band `k` at `gain_db` (Simper's bell: peak gain exactly `gain_db` at the centre).
fn bell(centre: f64, q: f64, gain_db: f64, sample_rate: f64) -> SvfCoefs {
    let a = 10f64.powf(gain_db / 40.0);
    let g = (PI * centre / sample_rate).tan();
    let k = 1.0 / (q * a);
    SvfCoefs {
        g,
        k,
        m0: 1.0,
        m1: k * (a * a - 1.0),
        m2: 0.0,
    }
}

/// Response of such a bell at `freq`, dB (exact for the bilinear design).
fn bell_db(centre: f64, q: f64, gain_db: f64, freq: f64, sample_rate: f64) -> f64 {
    let a2 = db_to_gain_f64(gain_db);
    let k = 1.0 / (q * a2.sqrt());
    let w = (PI * freq / sample_rate).tan() / (PI * centre / sample_rate).tan();
    let re = 1.0 - w * w;
    let num = re * re + (k * a2 * w).powi(2);
    let den = re * re + (k * w).powi(2);
    10.0 * (num / den).log10()
}

/// Bands whose centre this rate can realise.
fn usable(res: MatchResolution, k: usize, sample_rate: f64) -> bool {
    res.centre_hz(k) < 0.45 * sample_rate
}

/// The bank's response at `freq` for band gains `gains_db`, dB.
pub fn bank_response_db(
    res: MatchResolution,
    gains_db: &[f32],
    freq: f64,
    sample_rate: f64,
) -> f64 {
    (0..res.bands().min(gains_db.len()))
        .filter(|&k| usable(res, k, sample_rate) && gains_db[k] != 0.0)
        .map(|k| {
            let q = res.q(k, sample_rate);
            bell_db(res.centre_hz(k), q, gains_db[k] as f64, freq, sample_rate)
        })
        .sum()
}

/// Band gains whose bank response equals `target_db` (one value per band centre, bounded to
/// +-`MATCH_LIMIT_DB`) at every centre the rate can realise. Off the audio thread: it
/// evaluates the bank at every centre a few dozen times.
pub fn solve_band_gains(
    res: MatchResolution,
    target_db: &[f32],
    sample_rate: f64,
) -> [f32; MAX_MATCH_BANDS] {
    let n = res.bands().min(target_db.len());
    let q: Vec<f64> = (0..n).map(|k| res.q(k, sample_rate)).collect();
    let limit = MATCH_LIMIT_DB as f64;
    let target: Vec<f64> = (0..n)
        .map(|k| {
            let t = target_db[k] as f64;
            if t.is_finite() && usable(res, k, sample_rate) {
                t.clamp(-limit, limit)
            } else {
                0.0
            }
        })
        .collect();
    let mut gains = target.clone();
    let mut response = vec![0.0f64; n];
    // The best gains seen; a step that makes things worse is halved.
    let (mut best, mut best_err, mut step) = (gains.clone(), f64::INFINITY, 0.6);
    for _ in 0..80 {
        for (k, r) in response.iter_mut().enumerate() {
            let f = res.centre_hz(k);
            *r = (0..n)
                .filter(|&j| gains[j] != 0.0)
                .map(|j| bell_db(res.centre_hz(j), q[j], gains[j], f, sample_rate))
                .sum();
        }
        let worst = (0..n)
            .filter(|&k| usable(res, k, sample_rate))
            .map(|k| (target[k] - response[k]).abs())
            .fold(0.0f64, f64::max);
        if worst < best_err {
            best_err = worst;
            best.clone_from(&gains);
        } else {
            step *= 0.5;
            gains.clone_from(&best);
            continue;
        }
        if worst < 0.005 || step < 1e-3 {
            break;
        }
        for k in 0..n {
            if usable(res, k, sample_rate) {
                let err = target[k] - response[k];
                gains[k] = (gains[k] + step * err).clamp(-BAND_LIMIT_DB, BAND_LIMIT_DB);
            }
        }
    }
    let gains = best;
    let mut out = [0.0f32; MAX_MATCH_BANDS];
    for (o, g) in out.iter_mut().zip(&gains) {
        *o = *g as f32;
    }
    out
}

pub struct MatchEq {
    sample_rate: f64,
    params: MatchParams,
    filters: Box<[StereoSvf]>,
    /// Gains now (gliding) and wanted, dB, per band and lane.
    current: Box<[[f64; 2]]>,
    target: Box<[[f64; 2]]>,
    /// Bands with a gain now (the others pass their input untouched and are skipped).
    active: Box<[usize]>,
    active_len: usize,
    glide: f64,
    settled: bool,
}

impl MatchEq {
    /// True when the kernel leaves the audio untouched.
    pub fn is_transparent(&self) -> bool {
        self.settled && self.active_len == 0
    }

    fn update_taps(&mut self) {
        let res = self.params.resolution;
        self.active_len = 0;
        for k in 0..res.bands() {
            let [m, s] = self.current[k];
            if m == 0.0 && s == 0.0 {
                continue;
            }
            let centre = res.centre_hz(k);
            let q = res.q(k, self.sample_rate);
            for (lane, g) in [m, s].into_iter().enumerate() {
                let taps = if g == 0.0 {
                    SvfTaps::IDENTITY
                } else {
                    SvfTaps::from_coefs(&bell(centre, q, g, self.sample_rate))
                };
                self.filters[k].set_lane(lane, &taps);
            }
            self.active[self.active_len] = k;
            self.active_len += 1;
        }
    }

    /// Move the gains one chunk toward their targets.
    fn glide(&mut self) {
        if self.settled {
            return;
        }
        let mut moving = false;
        for k in 0..self.params.resolution.bands() {
            for lane in 0..2 {
                let (c, t) = (self.current[k][lane], self.target[k][lane]);
                if c == t {
                    continue;
                }
                let next = c + (t - c) * self.glide;
                self.current[k][lane] = if (t - next).abs() < 1e-4 { t } else { next };
                moving = true;
            }
        }
        if !moving {
            self.settled = true;
        }
        let was_active = self.active_len;
        self.update_taps();
        if was_active > 0 && self.active_len == 0 {
            // Silent from now on: start clean when a gain comes back.
            for f in self.filters.iter_mut() {
                f.reset();
            }
        }
    }
}

impl Stage for MatchEq {
    type Params = MatchParams;

    fn new(sample_rate: f64, params: &MatchParams) -> Self {
        let sample_rate = crate::util::sample_rate_or_default(sample_rate);
        let mut eq = Self {
            sample_rate,
            params: MatchParams::default(),
            filters: vec![StereoSvf::default(); MAX_MATCH_BANDS].into_boxed_slice(),
            current: vec![[0.0; 2]; MAX_MATCH_BANDS].into_boxed_slice(),
            target: vec![[0.0; 2]; MAX_MATCH_BANDS].into_boxed_slice(),
            active: vec![0; MAX_MATCH_BANDS].into_boxed_slice(),
            active_len: 0,
            glide: one_pole_coef_per(CHUNK as f64, GLIDE_MS, sample_rate),
            settled: true,
        };
        eq.set_params(params);
        eq
    }
    fn set_params(&mut self, p: &MatchParams) {
        let p = p.clamped();
        if p.resolution != self.params.resolution {
            // Other centres: the bank starts again (a deliberate change, not automation).
            for (c, f) in self.current.iter_mut().zip(self.filters.iter_mut()) {
                *c = [0.0; 2];
                f.reset();
            }
        }
        self.params = p;
        let n = p.resolution.bands();
        for k in 0..MAX_MATCH_BANDS {
            self.target[k] = if k < n && usable(p.resolution, k, self.sample_rate) {
                p.applied_db(k)
            } else {
                [0.0; 2]
            };
        }
        self.settled = false;
    }
    fn reset(&mut self) {
        for f in self.filters.iter_mut() {
            f.reset();
        }
        for (c, t) in self.current.iter_mut().zip(self.target.iter()) {
            *c = *t;
        }
        self.update_taps();
    }
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len().min(right.len());
        let mut i = 0;
        while i < n {
            self.glide();
            let end = (i + CHUNK).min(n);
            if self.active_len == 0 {
                i = end;
                continue;
            }
            for j in i..end {
                let (l, r) = (left[j] as f64, right[j] as f64);
                let mut ms = [0.5 * (l + r), 0.5 * (l - r)];
                for &k in &self.active[..self.active_len] {
                    ms = self.filters[k].tick(ms);
                }
                left[j] = (ms[0] + ms[1]) as f32;
                right[j] = (ms[0] - ms[1]) as f32;
            }
            for &k in &self.active[..self.active_len] {
                self.filters[k].sanitize();
            }
            i = end;
        }
    }
    /// No delay.
    fn latency(&self) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: f64 = 48_000.0;

    /// A smooth target (tilt plus a broad bump and dip) is met by the solved bank within
    /// 0.25 dB at every centre and within 0.6 dB anywhere between 40 Hz and 16 kHz, at each
    /// resolution.
    #[test]
    fn solved_bank_meets_a_smooth_target() {
        let curve = |f: f64| {
            let o = (f / 1000.0).log2();
            (-1.5 * o + 4.0 * (-(o + 3.0).powi(2)).exp() - 3.0 * (-(o - 2.0).powi(2) * 2.0).exp())
                .clamp(-12.0, 12.0)
        };
        for res in [
            MatchResolution::Third,
            MatchResolution::Sixth,
            MatchResolution::Twelfth,
        ] {
            let target: Vec<f32> = (0..res.bands())
                .map(|k| curve(res.centre_hz(k)) as f32)
                .collect();
            let gains = solve_band_gains(res, &target, RATE);
            let mut at_centres = 0.0f64;
            for (k, &t) in target.iter().enumerate() {
                let f = res.centre_hz(k);
                if f > 0.45 * RATE {
                    continue;
                }
                let r = bank_response_db(res, &gains, f, RATE);
                at_centres = at_centres.max((r - t as f64).abs());
            }
            let mut between = 0.0f64;
            for i in 0..400 {
                let f = 40.0 * (16_000.0f64 / 40.0).powf(i as f64 / 399.0);
                let r = bank_response_db(res, &gains, f, RATE);
                between = between.max((r - curve(f)).abs());
            }
            println!(
                "{res:?}: {} bands, worst {at_centres:.3} dB at the centres, {between:.3} dB \
                 anywhere 40 Hz-16 kHz",
                res.bands()
            );
            assert!(at_centres < 0.05, "{at_centres}");
            assert!(between < 0.2, "{between}");
            // A target no bank can follow (alternating +-12 dB) still gives bounded, finite
            // gains, closer to it than no correction at all.
            let rough: Vec<f32> = (0..res.bands())
                .map(|k| if k % 2 == 0 { 12.0 } else { -12.0 })
                .collect();
            let g = solve_band_gains(res, &rough, RATE);
            let err = |gains: &[f32]| {
                (0..res.bands())
                    .filter(|&k| res.centre_hz(k) < 0.45 * RATE)
                    .map(|k| {
                        (bank_response_db(res, gains, res.centre_hz(k), RATE) - rough[k] as f64)
                            .abs()
                    })
                    .fold(0.0f64, f64::max)
            };
            assert!(g.iter().all(|v| v.is_finite() && v.abs() <= 18.0));
            assert!(err(&g) <= 12.0, "{}", err(&g));
        }
    }

    /// The running bank has the analytic response: a sine through it comes out at the bank's
    /// gain (mid and side apart), and with both amounts at zero nothing is touched.
    #[test]
    fn runs_at_its_analytic_response_and_is_transparent_at_zero() {
        let res = MatchResolution::Sixth;
        let mut p = MatchParams {
            resolution: res,
            amount: 1.0,
            width_amount: 1.0,
            ..Default::default()
        };
        for k in 0..res.bands() {
            let o = (res.centre_hz(k) / 1000.0).log2();
            p.mid_db[k] = (2.0 * o.sin()) as f32;
            p.side_db[k] = (-3.0 + o) as f32;
        }
        let mut eq = MatchEq::new(RATE, &MatchParams::default());
        eq.set_params(&p);
        eq.reset();
        for &f in &[60.0, 440.0, 2_500.0, 9_000.0] {
            let n = 48_000;
            // Left only: mid and side each carry half.
            let mut l: Vec<f32> = (0..n)
                .map(|i| (0.25 * (std::f64::consts::TAU * f * i as f64 / RATE).sin()) as f32)
                .collect();
            let mut r = vec![0.0f32; n];
            eq.reset();
            eq.process(&mut l, &mut r);
            // (L + R) / 2 is the mid, (L - R) / 2 the side.
            let rms = |x: &[f32]| {
                (x[n / 2..].iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / (n / 2) as f64)
                    .sqrt()
            };
            let mid: Vec<f32> = l.iter().zip(&r).map(|(a, b)| 0.5 * (a + b)).collect();
            let side: Vec<f32> = l.iter().zip(&r).map(|(a, b)| 0.5 * (a - b)).collect();
            let input = 0.125 / 2f64.sqrt();
            let got = [
                20.0 * (rms(&mid) / input).log10(),
                20.0 * (rms(&side) / input).log10(),
            ];
            let want = [
                bank_response_db(res, &p.mid_db, f, RATE),
                bank_response_db(res, &p.side_db, f, RATE),
            ];
            println!(
                "{f} Hz: mid {:.3} dB (analytic {:.3}), side {:.3} dB (analytic {:.3})",
                got[0], want[0], got[1], want[1]
            );
            assert!((got[0] - want[0]).abs() < 0.02 && (got[1] - want[1]).abs() < 0.02);
        }
        let mut off = MatchEq::new(RATE, &MatchParams::default());
        off.set_params(&MatchParams::default());
        let x: Vec<f32> = (0..1000).map(|i| (i as f32 * 0.37).sin()).collect();
        let (mut l, mut r) = (x.clone(), x.clone());
        off.process(&mut l, &mut r);
        assert!(off.is_transparent());
        assert_eq!(l, x);
        assert_eq!(r, x);
    }

    /// The amounts glide: switching them between 0 and 100 % every 100 ms (band gains of
    /// +-9 dB) never makes the output step like a jump in level would; the process path never
    /// allocates.
    #[test]
    fn amount_changes_glide_without_allocation() {
        let res = MatchResolution::Third;
        let mut p = MatchParams {
            resolution: res,
            ..Default::default()
        };
        for k in 0..res.bands() {
            p.mid_db[k] = if k % 2 == 0 { 9.0 } else { -9.0 };
            p.side_db[k] = 6.0;
        }
        let mut eq = MatchEq::new(RATE, &MatchParams::default());
        let n = 48_000;
        let x: Vec<f32> = (0..n)
            .map(|i| (0.3 * (std::f64::consts::TAU * 100.0 * i as f64 / RATE).sin()) as f32)
            .collect();
        let (mut l, mut r) = (x.clone(), x.clone());
        crate::no_alloc::assert_no_alloc(|| {
            for (b, (cl, cr)) in l.chunks_mut(480).zip(r.chunks_mut(480)).enumerate() {
                p.amount = if (b / 10) % 2 == 1 { 1.0 } else { 0.0 };
                p.width_amount = p.amount;
                eq.set_params(&p);
                eq.process(cl, cr);
            }
        });
        let worst = l
            .windows(3)
            .map(|w| (w[2] - 2.0 * w[1] + w[0]).abs())
            .fold(0.0f32, f32::max);
        // The 100 Hz sine's own second difference is 5e-5; a 1 dB jump of its level shows as
        // 0.035, the 9 dB switch made at once as about 0.5. Gains move by at most 0.3 dB per
        // 32-sample chunk.
        println!("worst second difference while the amounts switch: {worst:.2e}");
        assert!(worst < 1e-2, "{worst}");
        assert!(l.iter().all(|v| v.is_finite()));
    }
}
