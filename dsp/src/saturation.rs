//! Oversampled saturation with three curves, automatic level compensation and a dry/wet mix.
//!
//! Signal flow per channel: drive (pre-gain, smoothed in dB) -> upsample -> curve -> downsample
//! -> DC blocker (tube only) -> level compensation -> mix with the dry input, which is delayed
//! by the oversampler's latency so the two paths stay phase aligned at every mix setting.
//!
//! The curves all have unity slope at zero, so quiet passages pass at unity gain before the
//! compensation:
//!
//! * Tape: `erf(sqrt(pi)/2 x)`, a symmetric soft clip to +-1 (odd harmonics only). The error
//!   function replaces the usual `tanh` on purpose: it is entire (no poles), so the harmonic
//!   series of a driven sine falls off faster than any exponential, whereas `tanh`'s poles at
//!   `+-i pi/2` give a geometric tail. At 4x with +12 dB of drive a full-scale 7 kHz sine makes
//!   a 23rd harmonic (161 kHz) that folds to 15.4 kHz at the 4x rate: -79 dBc with `tanh`,
//!   -105 dBc with `erf`, for a curve that sounds the same (3rd harmonic -11.0 vs -11.3 dBc).
//! * Tube: the same sigmoid biased off centre like a triode's operating point,
//!   `(erf(sqrt(pi)/2 (x + b)) - erf(sqrt(pi)/2 b)) / exp(-pi b^2 / 4)` with `b = 0.4`:
//!   positive swings compress towards +0.70, negative ones towards -1.57, which adds even
//!   harmonics (the 2nd is `pi b A / 8` relative to the fundamental for a small sine of
//!   amplitude `A`). The DC the asymmetry creates is removed by a 5 Hz high-pass.
//! * Hard clip: `clamp(x, -1, 1)`. Its harmonics fall off only as `1/n^2`, so expect audible
//!   aliasing even at 8x: it is there for deliberate, edgy clipping.
//!
//! Level compensation: the wet path is scaled so a sine at the -18 dBFS RMS calibration level
//! comes out at the same RMS (DC excluded) as it went in, whatever the drive and curve. Louder
//! material is therefore compressed, quieter material gains up to the small-signal gain.
//! The factors are tabulated per curve against drive in `new()`, so they follow the smoothed
//! drive sample by sample and a drive move neither pumps nor clicks.

use crate::filter::oversampler::{Oversampler, OversamplingFactor, MAX_BLOCK};
use crate::gain::crossfade_to_dry;
use crate::util::smooth::Smoother;
use crate::util::{check_range, clamp_or, db_to_gain_f64, one_pole_coef};
use crate::Stage;
use std::f64::consts::PI;

pub const MAX_DRIVE_DB: f64 = 24.0;
/// RMS level (dBFS) at which the compensated output matches the input.
pub const REFERENCE_RMS_DB: f64 = -18.0;
/// Drive and mix smoothing time constant.
const SMOOTHING_MS: f64 = 20.0;
/// DC blocker corner for the tube curve.
const DC_BLOCK_HZ: f64 = 5.0;
/// Tube curve bias (operating point offset, in units of the curve's input).
const TUBE_BIAS: f32 = 0.4;
/// Compensation table resolution (dB of drive per entry).
const TABLE_STEP_DB: f64 = 0.125;
const TABLE_LEN: usize = (MAX_DRIVE_DB / TABLE_STEP_DB) as usize + 1;
/// Points per period when measuring a curve's RMS for the compensation table.
const TABLE_POINTS: usize = 512;
/// Longest latency the dry delay must cover, rounded up to a power of two.
const DRY_RING: usize = 256;

/// Transfer curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SaturationCurve {
    #[default]
    Tape,
    Tube,
    HardClip,
}

impl SaturationCurve {
    pub const ALL: [Self; 3] = [Self::Tape, Self::Tube, Self::HardClip];

    fn index(self) -> usize {
        match self {
            Self::Tape => 0,
            Self::Tube => 1,
            Self::HardClip => 2,
        }
    }

    /// The curve itself (no drive, no compensation), e.g. for drawing it.
    #[inline(always)]
    pub fn transfer(self, x: f32) -> f32 {
        match self {
            Self::Tape => tape(x),
            Self::Tube => tube(x),
            Self::HardClip => x.clamp(-1.0, 1.0),
        }
    }

    /// Apply the curve to a block (one loop per curve, so each vectorises).
    fn apply(self, block: &mut [f32]) {
        match self {
            Self::Tape => block.iter_mut().for_each(|x| *x = tape(*x)),
            Self::Tube => block.iter_mut().for_each(|x| *x = tube(*x)),
            Self::HardClip => block.iter_mut().for_each(|x| *x = x.clamp(-1.0, 1.0)),
        }
    }
}

/// `sqrt(pi) / 2`: makes `erf(SCALE x)` rise with unity slope.
const ERF_SCALE: f32 = 0.886_226_9;

/// The error function to about 1e-6 (-120 dB) in f32: Abramowitz & Stegun 7.1.28 (a polynomial raised to the
/// 16th power, no `exp`), with its Taylor series below 0.1 where the former loses relative
/// precision. Branch-free apart from a select, so block loops vectorise.
#[inline(always)]
fn erf(x: f32) -> f32 {
    const A: [f32; 6] = [
        0.070_523_08,
        0.042_282_01,
        0.009_270_527,
        0.000_152_014_3,
        0.000_276_567_2,
        0.000_043_063_8,
    ];
    const TWO_OVER_SQRT_PI: f32 = std::f32::consts::FRAC_2_SQRT_PI;
    // erf(4) rounds to 1 in f32; the clamp also keeps NaN and infinities finite here.
    let a = x.abs().min(4.0);
    let p = 1.0 + a * (A[0] + a * (A[1] + a * (A[2] + a * (A[3] + a * (A[4] + a * A[5])))));
    let p2 = p * p;
    let p4 = p2 * p2;
    let p8 = p4 * p4;
    let far = 1.0 - 1.0 / (p8 * p8);
    let a2 = a * a;
    let near =
        TWO_OVER_SQRT_PI * a * (1.0 - a2 * (1.0 / 3.0 - a2 * (1.0 / 10.0 - a2 * (1.0 / 42.0))));
    let r = if a < 0.1 { near } else { far };
    r.copysign(x)
}

#[inline(always)]
fn tape(x: f32) -> f32 {
    erf(ERF_SCALE * x)
}

#[inline(always)]
fn tube(x: f32) -> f32 {
    // erf(ERF_SCALE * TUBE_BIAS) and 1 / exp(-pi b^2 / 4), folded at compile time would need
    // const float functions; the values are checked against their definitions in the tests.
    const ERF_AT_BIAS: f32 = 0.383_858_05;
    const INV_SLOPE_AT_BIAS: f32 = 1.133_900_8;
    (erf(ERF_SCALE * (x + TUBE_BIAS)) - ERF_AT_BIAS) * INV_SLOPE_AT_BIAS
}

/// User settings in audio units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SaturationParams {
    pub curve: SaturationCurve,
    /// Pre-gain into the curve, 0..24 dB (compensated afterwards).
    pub drive_db: f64,
    /// Wet share of the output, 0..100 %.
    pub mix_percent: f64,
    pub oversampling: OversamplingFactor,
}

impl Default for SaturationParams {
    fn default() -> Self {
        Self {
            curve: SaturationCurve::Tape,
            drive_db: 0.0,
            mix_percent: 100.0,
            oversampling: OversamplingFactor::X4,
        }
    }
}

impl SaturationParams {
    pub fn validate(&self) -> Result<(), String> {
        check_range("saturation drive", self.drive_db, 0.0, MAX_DRIVE_DB, "dB")?;
        check_range("saturation mix", self.mix_percent, 0.0, 100.0, "%")
    }

    /// The same settings forced into range (NaN -> default).
    pub fn clamped(&self) -> Self {
        let d = Self::default();
        Self {
            curve: self.curve,
            drive_db: clamp_or(self.drive_db, 0.0, MAX_DRIVE_DB, d.drive_db),
            mix_percent: clamp_or(self.mix_percent, 0.0, 100.0, d.mix_percent),
            oversampling: self.oversampling,
        }
    }
}

/// First-order high-pass (bilinear), unity gain at Nyquist, f64 state.
#[derive(Debug, Clone, Copy, Default)]
struct DcBlocker {
    gain: f64,
    pole: f64,
    x1: f64,
    y1: f64,
}

impl DcBlocker {
    fn new(sample_rate: f64) -> Self {
        let pole = (-2.0 * PI * DC_BLOCK_HZ / sample_rate).exp();
        Self {
            gain: (1.0 + pole) / 2.0,
            pole,
            x1: 0.0,
            y1: 0.0,
        }
    }

    fn reset(&mut self) {
        self.x1 = 0.0;
        self.y1 = 0.0;
    }

    fn process(&mut self, block: &mut [f32]) {
        for v in block {
            let x = *v as f64 * self.gain;
            let y = x - self.x1 + self.pole * self.y1;
            self.x1 = x;
            self.y1 = y;
            *v = y as f32;
        }
        // Let a decay end in exact zero rather than subnormals, and never keep a non-finite state.
        if !(self.y1.abs() > 1e-30 && self.y1.is_finite()) {
            self.y1 = 0.0;
        }
        if !self.x1.is_finite() {
            self.x1 = 0.0;
        }
    }
}

/// RMS (mean removed) of `curve(gain * A sin)` over one period, for the -18 dBFS RMS sine.
fn reference_output_rms(curve: SaturationCurve, gain: f64) -> f64 {
    let amplitude = db_to_gain_f64(REFERENCE_RMS_DB) * std::f64::consts::SQRT_2;
    let (mut sum, mut sum_sq) = (0.0f64, 0.0f64);
    for i in 0..TABLE_POINTS {
        let x = gain * amplitude * (2.0 * PI * i as f64 / TABLE_POINTS as f64).sin();
        let y = curve.transfer(x as f32) as f64;
        sum += y;
        sum_sq += y * y;
    }
    let mean = sum / TABLE_POINTS as f64;
    (sum_sq / TABLE_POINTS as f64 - mean * mean)
        .max(1e-30)
        .sqrt()
}

/// Stereo saturator.
pub struct Saturator {
    params: SaturationParams,
    oversampler: Oversampler,
    /// Compensation gain per curve against drive (`TABLE_STEP_DB` steps).
    makeup_table: Box<[[f32; TABLE_LEN]; 3]>,
    drive_db: Smoother,
    mix: Smoother,
    drive_gain: f32,
    makeup: f32,
    dc: [DcBlocker; 2],
    dry: [Box<[f32]>; 2],
    /// Compensation gains waiting for the wet signal they belong to (it is `latency()` late).
    makeup_delay: Box<[f32]>,
    dry_pos: usize,
}

impl Saturator {
    pub fn params(&self) -> SaturationParams {
        self.params
    }

    /// Compensation factor for the current curve at `drive_db` (linear interpolation in the
    /// table; the curve of compensation against drive is smooth).
    fn makeup_for(&self, drive_db: f64) -> f32 {
        let table = &self.makeup_table[self.params.curve.index()];
        let pos = (drive_db / TABLE_STEP_DB).clamp(0.0, (TABLE_LEN - 1) as f64);
        let i = (pos as usize).min(TABLE_LEN - 2);
        let frac = (pos - i as f64) as f32;
        table[i] + (table[i + 1] - table[i]) * frac
    }

    fn update_drive(&mut self, drive_db: f64) {
        self.drive_gain = db_to_gain_f64(drive_db) as f32;
        self.makeup = self.makeup_for(drive_db);
    }

    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        let latency = self.oversampler.latency();
        let mask = DRY_RING - 1;
        let mut dry = [[0.0f32; MAX_BLOCK]; 2];
        for (ch, input) in [&*left, &*right].into_iter().enumerate() {
            let ring = &mut self.dry[ch];
            for (i, (&x, d)) in input.iter().zip(dry[ch].iter_mut()).enumerate() {
                let pos = self.dry_pos + i;
                ring[pos & mask] = x;
                *d = ring[(pos + DRY_RING - latency) & mask];
            }
        }

        let mut makeup = [0.0f32; MAX_BLOCK];
        let mut mix = [0.0f32; MAX_BLOCK];
        let drive_settled = self.drive_db.settled();
        for i in 0..n {
            if !drive_settled {
                let db = self.drive_db.next();
                self.update_drive(db);
            }
            // The wet sample leaving now was driven `latency` samples ago: so was its makeup.
            let pos = self.dry_pos + i;
            self.makeup_delay[pos & mask] = self.makeup;
            makeup[i] = self.makeup_delay[(pos + DRY_RING - latency) & mask];
            mix[i] = self.mix.next() as f32;
            // Non-finite input would stay in the oversampling filters for their length and
            // reach the curve as NaN: it enters the wet path as silence.
            let g = self.drive_gain;
            let sanitize = |x: f32| if x.is_finite() { x * g } else { 0.0 };
            left[i] = sanitize(left[i]);
            right[i] = sanitize(right[i]);
        }
        self.dry_pos = (self.dry_pos + n) & mask;

        let curve = self.params.curve;
        self.oversampler.process(left, right, |l, r| {
            curve.apply(l);
            curve.apply(r);
        });
        if curve == SaturationCurve::Tube {
            self.dc[0].process(left);
            self.dc[1].process(right);
        }
        for (ch, wet) in [left, right].into_iter().enumerate() {
            for (w, &m) in wet.iter_mut().zip(&makeup[..n]) {
                *w *= m;
            }
            crossfade_to_dry(wet, &dry[ch][..n], &mix[..n]);
        }
    }
}

impl Stage for Saturator {
    type Params = SaturationParams;

    fn new(sample_rate: f64, params: &SaturationParams) -> Self {
        let sample_rate = sample_rate.clamp(1000.0, 768_000.0);
        let reference = db_to_gain_f64(REFERENCE_RMS_DB);
        let mut makeup_table = Box::new([[0.0f32; TABLE_LEN]; 3]);
        for curve in SaturationCurve::ALL {
            for (i, m) in makeup_table[curve.index()].iter_mut().enumerate() {
                let gain = db_to_gain_f64(i as f64 * TABLE_STEP_DB);
                *m = (reference / reference_output_rms(curve, gain)) as f32;
            }
        }
        let coef = one_pole_coef(SMOOTHING_MS, sample_rate);
        let p = params.clamped();
        let mut sat = Self {
            params: p,
            oversampler: Oversampler::new(p.oversampling),
            makeup_table,
            drive_db: Smoother::new(p.drive_db, coef),
            mix: Smoother::new(p.mix_percent / 100.0, coef),
            drive_gain: 1.0,
            makeup: 1.0,
            dc: [DcBlocker::new(sample_rate); 2],
            dry: [
                vec![0.0; DRY_RING].into_boxed_slice(),
                vec![0.0; DRY_RING].into_boxed_slice(),
            ],
            makeup_delay: vec![1.0; DRY_RING].into_boxed_slice(),
            dry_pos: 0,
        };
        assert!(sat.oversampler.latency() < DRY_RING - MAX_BLOCK);
        sat.update_drive(p.drive_db);
        sat.makeup_delay.fill(sat.makeup);
        sat
    }
    /// Apply new settings. Drive and mix glide; a new curve switches at once; a new
    /// oversampling factor clears the filters and changes `latency()`.
    fn set_params(&mut self, params: &SaturationParams) {
        let p = params.clamped();
        if p.oversampling != self.params.oversampling {
            self.oversampler.set_factor(p.oversampling);
        }
        if p.curve != self.params.curve {
            self.dc.iter_mut().for_each(DcBlocker::reset);
        }
        self.drive_db.target = p.drive_db;
        self.mix.target = p.mix_percent / 100.0;
        self.params = p;
        self.update_drive(self.drive_db.value);
    }
    fn reset(&mut self) {
        self.oversampler.reset();
        self.dc.iter_mut().for_each(DcBlocker::reset);
        self.dry.iter_mut().for_each(|d| d.fill(0.0));
        self.dry_pos = 0;
        self.drive_db.value = self.drive_db.target;
        self.mix.value = self.mix.target;
        self.update_drive(self.drive_db.value);
        self.makeup_delay.fill(self.makeup);
    }
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let frames = left.len().min(right.len());
        let mut start = 0;
        while start < frames {
            let n = MAX_BLOCK.min(frames - start);
            self.process_chunk(&mut left[start..start + n], &mut right[start..start + n]);
            start += n;
        }
    }
    /// Delay of the output relative to the input, in samples (the oversampler's round trip;
    /// 0 at 1x).
    fn latency(&self) -> usize {
        self.oversampler.latency()
    }
}

#[cfg(test)]
mod tests {
    /// A saturator fully wet.
    fn saturator(
        rate: f64,
        curve: SaturationCurve,
        drive_db: f64,
        oversampling: OversamplingFactor,
    ) -> Saturator {
        let p = SaturationParams {
            curve,
            drive_db,
            mix_percent: 100.0,
            oversampling,
        };
        Saturator::new(rate, &p)
    }

    use super::*;
    use lacquer_testkit::signal::tone as sine;
    use realfft::RealFftPlanner;
    use std::f64::consts::TAU;

    fn db(x: f64) -> f64 {
        20.0 * x.max(1e-30).log10()
    }

    /// erf by composite Simpson integration of `2/sqrt(pi) exp(-t^2)`: slow, but shares
    /// nothing with the kernel's approximation.
    fn erf_reference(x: f64) -> f64 {
        let panels = 400;
        let h = x / panels as f64;
        let f = |t: f64| (-t * t).exp();
        let mut sum = f(0.0) + f(x);
        for i in 1..panels {
            sum += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
        }
        sum * h / 3.0 * 2.0 / PI.sqrt()
    }

    /// The curves written straight from their definitions, in f64.
    fn curve_reference(curve: SaturationCurve, x: f64) -> f64 {
        let s = PI.sqrt() / 2.0;
        let b = TUBE_BIAS as f64;
        match curve {
            SaturationCurve::Tape => erf_reference(s * x),
            SaturationCurve::Tube => {
                (erf_reference(s * (x + b)) - erf_reference(s * b)) / (-PI * b * b / 4.0).exp()
            }
            SaturationCurve::HardClip => x.clamp(-1.0, 1.0),
        }
    }

    /// |Fourier coefficient| of harmonic `n` of a periodic `y` sampled over whole periods.
    fn harmonic(y: &[f64], periods: usize, n: usize) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        let len = y.len() as f64;
        for (i, &v) in y.iter().enumerate() {
            let ph = TAU * (n * periods) as f64 * i as f64 / len;
            re += v * ph.cos();
            im += v * ph.sin();
        }
        2.0 * re.hypot(im) / len
    }

    #[test]
    fn constants_match_their_definitions() {
        let b = TUBE_BIAS as f64;
        let s = PI.sqrt() / 2.0;
        assert!((erf_reference(s * b) - 0.383_858_05).abs() < 1e-7);
        assert!(((PI * b * b / 4.0).exp() - 1.133_900_8).abs() < 1e-6);
        assert!((ERF_SCALE as f64 - s).abs() < 1e-7);
        let worst = (0..=4000)
            .map(|i| {
                let x = -6.0 + 12.0 * i as f64 / 4000.0;
                (erf(x as f32) as f64 - erf_reference(x)).abs()
            })
            .fold(0.0, f64::max);
        println!("erf approximation: worst error {worst:.2e} on -6..6");
        assert!(worst < 2e-6);
        assert_eq!(erf(f32::INFINITY), 1.0);
        assert_eq!(erf(f32::NEG_INFINITY), -1.0);
    }

    /// Harmonic levels of a driven sine (relative to the fundamental) match the Fourier series
    /// of each curve's formula, integrated finely in f64 with an independent erf.
    #[test]
    fn sine_harmonics_match_each_curves_math() {
        let rate = 48_000.0;
        let freq = 100.0;
        let period = 480;
        for curve in SaturationCurve::ALL {
            for (amp, drive_db) in [(0.5, 12.0), (0.9, 0.0), (0.1, 24.0)] {
                let gain = 10f64.powf(drive_db / 20.0);
                // Expected: direct integration over one period, 20x finer than the test signal.
                let fine = 9_600;
                let y_ref: Vec<f64> = (0..fine)
                    .map(|i| {
                        let x = gain * amp * (TAU * i as f64 / fine as f64).sin();
                        curve_reference(curve, x)
                    })
                    .collect();
                let expected: Vec<f64> = (1..=5).map(|n| harmonic(&y_ref, 1, n)).collect();

                let mut sat = saturator(rate, curve, drive_db, OversamplingFactor::X1);
                let x = sine(rate, freq, amp, 48_000 + 10 * period);
                let (mut l, mut r) = (x.clone(), x.clone());
                sat.process(&mut l, &mut r);
                let tail: Vec<f64> = l[48_000..].iter().map(|&v| v as f64).collect();
                let measured: Vec<f64> = (1..=5).map(|n| harmonic(&tail, 10, n)).collect();
                let mut line = String::new();
                for n in 2..=5 {
                    let e = expected[n - 1] / expected[0];
                    let m = measured[n - 1] / measured[0];
                    line += &format!(" H{n} {:.2}/{:.2}", db(m), db(e));
                    if e > 1e-3 {
                        assert!(
                            (db(m) - db(e)).abs() < 0.1,
                            "{curve:?} A={amp} drive {drive_db}: H{n} {} dBc, expected {} dBc",
                            db(m),
                            db(e)
                        );
                    } else {
                        assert!(
                            (m - e).abs() < 1e-4,
                            "{curve:?} A={amp} drive {drive_db}: H{n} {m}, expected {e}"
                        );
                    }
                }
                println!("{curve:?} A={amp} drive {drive_db} dB, measured/expected dBc:{line}");
            }
        }
    }

    /// Largest component that is not a harmonic of 7 kHz, in dBc, for a full-scale 7 kHz sine
    /// at 44.1 kHz with +12 dB of drive.
    fn alias_dbc(curve: SaturationCurve, factor: OversamplingFactor) -> f64 {
        let rate = 44_100.0;
        let mut sat = saturator(rate, curve, 12.0, factor);
        // One second lets the tube's DC blocker settle; the analysed 0.2 s holds exactly 140
        // periods of 63 samples, so every component sits on a bin (rectangular window).
        let len = 8_820;
        let x = sine(rate, 7_000.0, 1.0, 44_100 + len);
        let (mut l, mut r) = (x.clone(), x);
        sat.process(&mut l, &mut r);
        let mut buf: Vec<f64> = l[44_100..].iter().map(|&v| v as f64).collect();
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(len);
        let mut spec = fft.make_output_vec();
        fft.process(&mut buf, &mut spec).unwrap();
        let mag: Vec<f64> = spec.iter().map(|c| c.norm()).collect();
        let bin_hz = rate / len as f64;
        let fundamental = (7_000.0 / bin_hz) as usize;
        let is_harmonic =
            |k: usize| (0..=3).any(|h| (k as i64 - (h * fundamental) as i64).abs() <= 2);
        let worst = (0..mag.len())
            .filter(|&k| !is_harmonic(k))
            .map(|k| mag[k])
            .fold(0.0, f64::max);
        db(worst / mag[fundamental])
    }

    /// The figure: tape at 4x, +12 dB, 7 kHz full scale at 44.1 kHz, aliasing below
    /// -80 dBc. Every curve and factor is printed; more oversampling never makes it worse.
    #[test]
    fn aliasing_of_a_driven_7khz_sine() {
        let mut table = Vec::new();
        for curve in SaturationCurve::ALL {
            let figures: Vec<f64> = OversamplingFactor::ALL
                .iter()
                .map(|&f| alias_dbc(curve, f))
                .collect();
            println!(
                "{curve:>9?}: largest inharmonic component 1x {:7.1}  2x {:7.1}  4x {:7.1}  8x {:7.1} dBc",
                figures[0], figures[1], figures[2], figures[3]
            );
            table.push(figures);
        }
        let tape = &table[0];
        assert!(tape[2] < -80.0, "tape 4x: {} dBc", tape[2]);
        assert!(tape[3] < -80.0, "tape 8x: {} dBc", tape[3]);
        for (curve, f) in SaturationCurve::ALL.iter().zip(&table) {
            assert!(f[0] > f[1] && f[1] > f[2], "{curve:?}: {f:?}");
            assert!(f[3] < f[2] + 3.0, "{curve:?}: {f:?}");
        }
        // Once the oversampling is high enough, the smooth curves alias far less than the clip.
        let (tape, tube, clip) = (&table[0], &table[1], &table[2]);
        for ((a, b), c) in tape.iter().zip(tube).zip(clip).skip(2) {
            assert!(*a < c - 20.0 && *b < c - 20.0, "{a} {b} {c}");
        }
    }

    /// A -18 dBFS RMS sine comes out at the same RMS at every drive and curve.
    #[test]
    fn level_compensation_holds_the_reference_level() {
        let rate = 48_000.0;
        let amp = 10f64.powf(REFERENCE_RMS_DB / 20.0) * std::f64::consts::SQRT_2;
        let x = sine(rate, 100.0, amp, 48_000 + 4_800);
        let rms = |v: &[f32]| {
            let mean = v.iter().map(|&s| s as f64).sum::<f64>() / v.len() as f64;
            (v.iter().map(|&s| (s as f64 - mean).powi(2)).sum::<f64>() / v.len() as f64).sqrt()
        };
        let input_rms = rms(&x[48_000..]);
        for curve in SaturationCurve::ALL {
            let mut line = String::new();
            for drive_db in [0.0, 6.0, 12.0, 18.0, 24.0] {
                let mut sat = saturator(rate, curve, drive_db, OversamplingFactor::X4);
                let (mut l, mut r) = (x.clone(), x.clone());
                sat.process(&mut l, &mut r);
                let err = db(rms(&l[48_000..]) / input_rms);
                line += &format!(" {drive_db} dB: {err:+.3}");
                assert!(err.abs() < 0.1, "{curve:?} drive {drive_db}: {err} dB");
            }
            println!("{curve:?} output level re input at -18 dBFS RMS:{line}");
        }
    }

    /// Mix 0 is the input delayed by the latency, bit for bit; mix 50 % of a nearly linear
    /// wet signal is the delayed input too, which only holds if the paths are aligned.
    #[test]
    fn dry_path_is_aligned_with_the_wet_path() {
        let rate = 48_000.0;
        let x: Vec<f32> = (0..6_000)
            .map(|n| {
                let t = n as f64 / rate;
                (0.005 * (TAU * 1_000.0 * t).sin() + 0.005 * (TAU * 15_000.0 * t).sin()) as f32
            })
            .collect();
        for factor in OversamplingFactor::ALL {
            let mut sat = Saturator::new(
                rate,
                &SaturationParams {
                    mix_percent: 0.0,
                    oversampling: factor,
                    ..Default::default()
                },
            );
            let d = sat.latency();
            let (mut l, mut r) = (x.clone(), x.clone());
            for (a, b) in l.chunks_mut(77).zip(r.chunks_mut(77)) {
                sat.process(a, b);
            }
            assert!(l[..d].iter().all(|&v| v == 0.0));
            assert!(
                l[d..]
                    .iter()
                    .zip(&x)
                    .all(|(a, b)| a.to_bits() == b.to_bits()),
                "{}x: mix 0 is not the delayed input",
                factor.ratio()
            );

            // Wet only, nearly linear (-40 dBFS): the output is a gain times the input delayed
            // by `latency()`, and a sample either way leaves a large residual.
            let mut sat = Saturator::new(
                rate,
                &SaturationParams {
                    mix_percent: 100.0,
                    oversampling: factor,
                    ..Default::default()
                },
            );
            let (mut l, mut r) = (x.clone(), x.clone());
            sat.process(&mut l, &mut r);
            let residual_db = |shift: usize| {
                let pairs = || (1_000..x.len()).map(|n| (l[n] as f64, x[n - shift] as f64));
                let g = pairs().map(|(y, x)| y * x).sum::<f64>()
                    / pairs().map(|(_, x)| x * x).sum::<f64>();
                let err: f64 = pairs().map(|(y, x)| (y - g * x).powi(2)).sum();
                let sig: f64 = pairs().map(|(_, x)| (g * x).powi(2)).sum();
                10.0 * (err / sig).log10()
            };
            let aligned = residual_db(d);
            println!(
                "{}x: latency {d}, mix 0 bit-exact; wet path vs input delayed by the latency {aligned:.1} dB (one sample later {:.1} dB)",
                factor.ratio(),
                residual_db(d + 1)
            );
            assert!(aligned < -80.0, "{}x: {aligned}", factor.ratio());
        }
    }

    /// A drive jump from 0 to 24 dB at the reference level neither pumps (the compensation
    /// follows the smoothed drive) nor clicks.
    #[test]
    fn drive_changes_glide_without_pumping() {
        let rate = 48_000.0;
        let amp = 10f64.powf(REFERENCE_RMS_DB / 20.0) * std::f64::consts::SQRT_2;
        let x = sine(rate, 100.0, amp, 48_000);
        let mut sat = Saturator::new(
            rate,
            &SaturationParams {
                oversampling: OversamplingFactor::X2,
                ..Default::default()
            },
        );
        let (mut l, mut r) = (x.clone(), x.clone());
        sat.process(&mut l[..24_000], &mut r[..24_000]);
        sat.set_params(&SaturationParams {
            drive_db: 24.0,
            oversampling: OversamplingFactor::X2,
            ..Default::default()
        });
        sat.process(&mut l[24_000..], &mut r[24_000..]);
        // RMS per period (10 ms) around the jump.
        let periods: Vec<f64> = l[12_000..]
            .chunks(480)
            .map(|c| db((c.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / 480.0).sqrt()))
            .collect();
        let (lo, hi) = periods
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                (a.min(v), b.max(v))
            });
        // Clicks: no sample step during the glide larger than the steady states either side.
        let largest_step = |v: &[f32]| {
            v.windows(2)
                .map(|w| (w[1] - w[0]).abs())
                .fold(0.0f32, f32::max)
        };
        let before = largest_step(&l[12_000..24_000]);
        let during = largest_step(&l[24_000..30_000]);
        let after = largest_step(&l[36_000..48_000]);
        println!(
            "drive 0 -> 24 dB: level per period {lo:.3} .. {hi:.3} dB; largest step before {before:.5}, during {during:.5}, after {after:.5}"
        );
        assert!(hi - lo < 0.5, "{lo} .. {hi}");
        assert!(during <= 1.05 * before.max(after));
        // The drive really changed: the waveform is now saturated.
        let late: Vec<f64> = l[47_040..48_000].iter().map(|&v| v as f64).collect();
        let h3 = harmonic(&late, 2, 3) / harmonic(&late, 2, 1);
        assert!(db(h3) > -20.0, "H3 {} dBc", db(h3));
    }

    #[test]
    fn nan_input_does_not_poison_the_state() {
        for curve in SaturationCurve::ALL {
            let rate = 48_000.0;
            let mut sat = Saturator::new(
                rate,
                &SaturationParams {
                    curve,
                    drive_db: 12.0,
                    oversampling: OversamplingFactor::X8,
                    ..Default::default()
                },
            );
            let mut l = sine(rate, 440.0, 0.5, 4_000);
            l[100] = f32::NAN;
            l[101] = f32::INFINITY;
            l[102] = f32::NEG_INFINITY;
            let mut r = l.clone();
            sat.process(&mut l, &mut r);
            let d = sat.latency();
            // The dry share carries the bad samples, the wet path stays finite throughout.
            assert!(l
                .iter()
                .enumerate()
                .all(|(i, v)| v.is_finite() || (100 + d..=102 + d).contains(&i)));
            assert!(l[1_000..].iter().all(|v| v.is_finite() && v.abs() < 2.0));
        }
    }

    #[test]
    fn processing_does_not_allocate() {
        let mut sat = Saturator::new(48_000.0, &SaturationParams::default());
        let mut l = sine(48_000.0, 440.0, 0.5, 1_000);
        let mut r = l.clone();
        crate::no_alloc::assert_no_alloc(|| {
            for curve in SaturationCurve::ALL {
                for oversampling in OversamplingFactor::ALL {
                    sat.set_params(&SaturationParams {
                        curve,
                        drive_db: 18.0,
                        mix_percent: 70.0,
                        oversampling,
                    });
                    sat.process(&mut l, &mut r);
                }
            }
            sat.reset();
        });
    }

    #[test]
    fn validate_names_the_bad_setting() {
        let p = SaturationParams {
            drive_db: 30.0,
            ..Default::default()
        };
        assert!(p.validate().unwrap_err().contains("drive"));
        let p = SaturationParams {
            mix_percent: -1.0,
            ..Default::default()
        };
        assert!(p.validate().unwrap_err().contains("mix"));
        assert!(SaturationParams::default().validate().is_ok());
        let wild = SaturationParams {
            drive_db: f64::NAN,
            mix_percent: 1e9,
            ..Default::default()
        }
        .clamped();
        assert!(wild.validate().is_ok());
        assert_eq!(wild.drive_db, 0.0);
    }
}
