//! EQ band settings and the analog (s-domain) prototypes every EQ mode is measured against.
//!
//! Slot layout of [`EqParams::bands`]: index [`HIGH_PASS_SLOT`] (0) is the high-pass, 1..=8 are
//! the parametric bands, [`LOW_PASS_SLOT`] (9) is the low-pass. The layout is a convention for the
//! plugin's parameter list only: every slot accepts every [`BandType`], and the bands run in slot
//! order within their channel path.
//!
//! The prototypes are written in normalised frequency `s = j f / f0` (no bilinear warping): they
//! are the analog truth the minimum-phase EQ matches and the linear-phase EQ samples.
//!
//! Conventions (A = 10^(gain_db / 40), so A^2 is the linear gain):
//! - Bell: `(s^2 + s A/Q + 1) / (s^2 + s/(A Q) + 1)`, `gain_db` at f0 (RBJ peaking EQ).
//! - Low shelf: `A (s^2 + s sqrt(A)/Q + A) / (A s^2 + s sqrt(A)/Q + 1)`, high shelf: the mirror
//!   `A (A s^2 + s sqrt(A)/Q + 1) / (s^2 + s sqrt(A)/Q + A)` (RBJ shelves). Q is the shelf's slope
//!   control: 0.707 is the steepest shelf without overshoot (RBJ S = 1), lower Q is gentler,
//!   higher Q adds the bump/dip pair around f0. The shelf is at `gain_db / 2` at f0.
//! - High/low-pass: Butterworth of order `slope_db_oct / 6` (1..=16), -3 dB at f0; Linkwitz-Riley
//!   of even order 2n is Butterworth n squared, -6 dB at f0. An odd Linkwitz-Riley order has no
//!   squared-Butterworth form and is realised as the Butterworth of that order (the slope stays as
//!   set). Q and gain are not used.
//! - Notch `(s^2 + 1) / (s^2 + s/Q + 1)` and band-pass `(s/Q) / (s^2 + s/Q + 1)` (0 dB at f0):
//!   gain is not used.
//! - Tilt: first-order tilt through 0 dB at f0, `-gain_db / 2` at DC and `+gain_db / 2` at high
//!   frequencies (positive gain = brighter): `T^-1/2 (1 + s sqrt(T)) / (1 + s / sqrt(T))` with
//!   T = 10^(gain_db / 20). Q is not used.
//!
//! Frequencies above Nyquist: [`analog_magnitude`] never clamps f0 (a 30 kHz bell's skirt is real
//! below 22.05 kHz, and a linear-phase design can reproduce it). The minimum-phase EQ cannot place
//! poles above Nyquist and holds f0 at or below [`MAX_F0_FRACTION`] x sample rate;
//! [`BandParams::held_below_nyquist`] gives the band it actually realises, for curves that should
//! show what the minimum-phase EQ does.

use super::dynamic::DynamicParams;
use crate::util::{check_range, clamp_or};

/// High-pass slot + 8 parametric bands + low-pass slot.
pub const MAX_BANDS: usize = 10;
pub const HIGH_PASS_SLOT: usize = 0;
pub const LOW_PASS_SLOT: usize = MAX_BANDS - 1;
pub const MIN_FREQ_HZ: f64 = 10.0;
pub const MAX_FREQ_HZ: f64 = 30_000.0;
pub const MAX_GAIN_DB: f64 = 24.0;
pub const MIN_Q: f64 = 0.025;
pub const MAX_Q: f64 = 40.0;
pub const MIN_SLOPE_DB_OCT: f64 = 6.0;
pub const MAX_SLOPE_DB_OCT: f64 = 96.0;
/// Highest high/low-pass order (96 dB/oct).
pub const MAX_PASS_ORDER: usize = 16;
/// Most second-order sections any band's prototype needs (a 16th-order high/low-pass).
pub const MAX_SECTIONS: usize = 8;
/// The minimum-phase EQ holds f0 at or below this fraction of the sample rate (19.8 kHz at
/// 44.1 kHz, 21.6 kHz at 48 kHz): impulse-invariant poles must stay below Nyquist, and up to
/// here the matched designs still follow the analog prototype.
pub const MAX_F0_FRACTION: f64 = 0.45;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum BandType {
    #[default]
    Bell,
    LowShelf,
    HighShelf,
    HighPass,
    LowPass,
    Notch,
    BandPass,
    Tilt,
}

impl BandType {
    pub const ALL: [BandType; 8] = [
        BandType::Bell,
        BandType::LowShelf,
        BandType::HighShelf,
        BandType::HighPass,
        BandType::LowPass,
        BandType::Notch,
        BandType::BandPass,
        BandType::Tilt,
    ];

    /// Types whose `gain_db` shapes the response (and which a dynamic band can move).
    pub fn uses_gain(self) -> bool {
        matches!(
            self,
            BandType::Bell | BandType::LowShelf | BandType::HighShelf | BandType::Tilt
        )
    }

    /// Types whose `q` shapes the response.
    pub fn uses_q(self) -> bool {
        matches!(
            self,
            BandType::Bell
                | BandType::LowShelf
                | BandType::HighShelf
                | BandType::Notch
                | BandType::BandPass
        )
    }
}

/// High/low-pass alignment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PassKind {
    #[default]
    Butterworth,
    LinkwitzRiley,
}

/// Which signal a band processes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Placement {
    #[default]
    Stereo,
    Left,
    Right,
    /// (L + R) / 2
    Mid,
    /// (L - R) / 2
    Side,
}

impl Placement {
    pub const ALL: [Placement; 5] = [
        Placement::Stereo,
        Placement::Left,
        Placement::Right,
        Placement::Mid,
        Placement::Side,
    ];

    /// Position in [`Placement::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// One band in user units.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandParams {
    pub enabled: bool,
    pub kind: BandType,
    /// Centre / corner frequency, 10 Hz..30 kHz.
    pub freq_hz: f64,
    /// -24..+24 dB (bell, shelves, tilt).
    pub gain_db: f64,
    /// 0.025..40 (bell, shelves, notch, band-pass).
    pub q: f64,
    /// High/low-pass slope, 6..96 dB/oct in steps of 6 (order = slope / 6).
    pub slope_db_oct: f64,
    pub pass_kind: PassKind,
    pub placement: Placement,
    pub dynamic: DynamicParams,
}

impl Default for BandParams {
    fn default() -> Self {
        Self {
            enabled: false,
            kind: BandType::Bell,
            freq_hz: 1000.0,
            gain_db: 0.0,
            q: std::f64::consts::FRAC_1_SQRT_2,
            slope_db_oct: 12.0,
            pass_kind: PassKind::Butterworth,
            placement: Placement::Stereo,
            dynamic: DynamicParams::default(),
        }
    }
}

impl BandParams {
    pub fn validate(&self) -> Result<(), String> {
        check_range(
            "EQ band frequency",
            self.freq_hz,
            MIN_FREQ_HZ,
            MAX_FREQ_HZ,
            "Hz",
        )?;
        check_range(
            "EQ band gain",
            self.gain_db,
            -MAX_GAIN_DB,
            MAX_GAIN_DB,
            "dB",
        )?;
        check_range("EQ band Q", self.q, MIN_Q, MAX_Q, "")?;
        check_range(
            "EQ band slope",
            self.slope_db_oct,
            MIN_SLOPE_DB_OCT,
            MAX_SLOPE_DB_OCT,
            "dB/oct",
        )?;
        let steps = self.slope_db_oct / 6.0;
        if (steps - steps.round()).abs() > 1e-9 {
            return Err(format!(
                "EQ band slope must be a multiple of 6 dB/oct, got {}",
                self.slope_db_oct
            ));
        }
        self.dynamic.validate()
    }

    /// The same band forced into range (NaN -> default); the slope is rounded to a multiple of 6.
    pub fn clamped(&self) -> Self {
        let d = Self::default();
        let q = clamp_or(self.q, MIN_Q, MAX_Q, d.q);
        let slope = clamp_or(
            self.slope_db_oct,
            MIN_SLOPE_DB_OCT,
            MAX_SLOPE_DB_OCT,
            d.slope_db_oct,
        );
        Self {
            enabled: self.enabled,
            kind: self.kind,
            freq_hz: clamp_or(self.freq_hz, MIN_FREQ_HZ, MAX_FREQ_HZ, d.freq_hz),
            gain_db: clamp_or(self.gain_db, -MAX_GAIN_DB, MAX_GAIN_DB, d.gain_db),
            q,
            slope_db_oct: (slope / 6.0).round() * 6.0,
            pass_kind: self.pass_kind,
            placement: self.placement,
            dynamic: self.dynamic.clamped(),
        }
    }

    /// High/low-pass order, 1..=16 (slope / 6 dB/oct).
    pub fn pass_order(&self) -> usize {
        let slope = clamp_or(self.slope_db_oct, MIN_SLOPE_DB_OCT, MAX_SLOPE_DB_OCT, 12.0);
        ((slope / 6.0).round() as usize).clamp(1, MAX_PASS_ORDER)
    }

    /// The band as the minimum-phase EQ realises it at `sample_rate`: f0 held at or below
    /// [`MAX_F0_FRACTION`] x sample rate.
    pub fn held_below_nyquist(&self, sample_rate: f64) -> Self {
        Self {
            freq_hz: self.freq_hz.min(MAX_F0_FRACTION * sample_rate),
            ..*self
        }
    }
}

/// All bands of the EQ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EqParams {
    pub bands: [BandParams; MAX_BANDS],
}

impl Default for EqParams {
    /// Everything disabled: a high-pass at 30 Hz in slot 0, bells spread over the spectrum in
    /// 1..=8, a low-pass at 18 kHz in slot 9.
    fn default() -> Self {
        const BELLS_HZ: [f64; 8] = [
            60.0, 150.0, 400.0, 1000.0, 2500.0, 5000.0, 10_000.0, 15_000.0,
        ];
        let mut bands = [BandParams::default(); MAX_BANDS];
        bands[HIGH_PASS_SLOT].kind = BandType::HighPass;
        bands[HIGH_PASS_SLOT].freq_hz = 30.0;
        bands[LOW_PASS_SLOT].kind = BandType::LowPass;
        bands[LOW_PASS_SLOT].freq_hz = 18_000.0;
        for (band, f) in bands[1..=8].iter_mut().zip(BELLS_HZ) {
            band.freq_hz = f;
        }
        Self { bands }
    }
}

impl EqParams {
    pub fn validate(&self) -> Result<(), String> {
        for (i, b) in self.bands.iter().enumerate() {
            b.validate().map_err(|e| format!("band {}: {e}", i + 1))?;
        }
        Ok(())
    }

    pub fn clamped(&self) -> Self {
        Self {
            bands: self.bands.map(|b| b.clamped()),
        }
    }
}

/// One analog section `(num[0] + num[1] s + num[2] s^2) / (den[0] + den[1] s + den[2] s^2)` in
/// normalised frequency `s = j f / f0`. First-order sections have `den[2] == 0`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnalogSection {
    pub num: [f64; 3],
    pub den: [f64; 3],
}

impl AnalogSection {
    pub const IDENTITY: Self = Self {
        num: [1.0, 0.0, 0.0],
        den: [1.0, 0.0, 0.0],
    };

    /// |H(j w)|^2 at normalised angular frequency `w = f / f0`.
    #[inline]
    pub fn magnitude_sq(&self, w: f64) -> f64 {
        let w2 = w * w;
        let (nr, ni) = (self.num[0] - self.num[2] * w2, self.num[1] * w);
        let (dr, di) = (self.den[0] - self.den[2] * w2, self.den[1] * w);
        (nr * nr + ni * ni) / (dr * dr + di * di)
    }

    /// The section's pole frequency (normalised): where a three-point magnitude match pins it.
    pub fn pole_frequency(&self) -> f64 {
        if self.den[2] > 0.0 {
            (self.den[0] / self.den[2]).sqrt()
        } else if self.den[1] > 0.0 {
            self.den[0] / self.den[1]
        } else {
            1.0
        }
    }
}

/// A band's analog prototype as a cascade of at most [`MAX_SECTIONS`] sections.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AnalogPrototype {
    pub sections: [AnalogSection; MAX_SECTIONS],
    pub len: usize,
}

impl AnalogPrototype {
    fn new() -> Self {
        Self {
            sections: [AnalogSection::IDENTITY; MAX_SECTIONS],
            len: 0,
        }
    }

    fn push(&mut self, num: [f64; 3], den: [f64; 3]) {
        self.sections[self.len] = AnalogSection { num, den };
        self.len += 1;
    }

    pub fn sections(&self) -> &[AnalogSection] {
        &self.sections[..self.len]
    }

    /// Linear magnitude at normalised frequency `w = f / f0`.
    pub fn magnitude(&self, w: f64) -> f64 {
        self.magnitude_sq(w).sqrt()
    }

    /// Squared magnitude at normalised frequency `w = f / f0`.
    pub fn magnitude_sq(&self, w: f64) -> f64 {
        self.sections()
            .iter()
            .map(|s| s.magnitude_sq(w))
            .product::<f64>()
    }
}

/// The Butterworth Q of second-order section `k` of an order-`n` filter.
fn butterworth_q(n: usize, k: usize) -> f64 {
    let theta = (2 * k + 1) as f64 * std::f64::consts::PI / (2 * n) as f64;
    0.5 / theta.sin()
}

fn push_butterworth(p: &mut AnalogPrototype, order: usize, high_pass: bool) {
    for k in 0..order / 2 {
        let den = [1.0, 1.0 / butterworth_q(order, k), 1.0];
        let num = if high_pass {
            [0.0, 0.0, 1.0]
        } else {
            [1.0, 0.0, 0.0]
        };
        p.push(num, den);
    }
    if !order.is_multiple_of(2) {
        let num = if high_pass {
            [0.0, 1.0, 0.0]
        } else {
            [1.0, 0.0, 0.0]
        };
        p.push(num, [1.0, 1.0, 0.0]);
    }
}

/// The analog prototype of `band` with its `gain_db`, `q` and slope as given (the `enabled` flag
/// is ignored; a disabled band is handled by the caller). Parameters are clamped first.
pub fn analog_prototype(band: &BandParams) -> AnalogPrototype {
    let b = band.clamped();
    let mut p = AnalogPrototype::new();
    let a = 10f64.powf(b.gain_db / 40.0);
    let q = b.q;
    match b.kind {
        BandType::Bell => p.push([1.0, a / q, 1.0], [1.0, 1.0 / (a * q), 1.0]),
        BandType::LowShelf => {
            let sa = a.sqrt();
            p.push([a * a, a * sa / q, a], [1.0, sa / q, a]);
        }
        BandType::HighShelf => {
            let sa = a.sqrt();
            p.push([a, a * sa / q, a * a], [a, sa / q, 1.0]);
        }
        BandType::Notch => p.push([1.0, 0.0, 1.0], [1.0, 1.0 / q, 1.0]),
        BandType::BandPass => p.push([0.0, 1.0 / q, 0.0], [1.0, 1.0 / q, 1.0]),
        BandType::Tilt => {
            // T = a^2 is the high/low ratio, so sqrt(T) = a.
            let st = a;
            p.push([1.0 / st, 1.0, 0.0], [1.0, 1.0 / st, 0.0]);
        }
        BandType::HighPass | BandType::LowPass => {
            let hp = b.kind == BandType::HighPass;
            let order = b.pass_order();
            if b.pass_kind == PassKind::LinkwitzRiley && order.is_multiple_of(2) {
                push_butterworth(&mut p, order / 2, hp);
                push_butterworth(&mut p, order / 2, hp);
            } else {
                push_butterworth(&mut p, order, hp);
            }
        }
    }
    p
}

/// Linear magnitude of `band`'s analog prototype at `freq_hz` (no warping, f0 not held below any
/// Nyquist). A disabled band passes everything (1.0).
pub fn analog_magnitude(band: &BandParams, freq_hz: f64) -> f64 {
    if !band.enabled {
        return 1.0;
    }
    let b = band.clamped();
    analog_prototype(&b).magnitude(freq_hz.abs() / b.freq_hz)
}

/// [`analog_magnitude`] in dB.
pub fn analog_magnitude_db(band: &BandParams, freq_hz: f64) -> f64 {
    20.0 * analog_magnitude(band, freq_hz).max(1e-300).log10()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(kind: BandType, f: f64, gain: f64, q: f64) -> BandParams {
        BandParams {
            enabled: true,
            kind,
            freq_hz: f,
            gain_db: gain,
            q,
            ..Default::default()
        }
    }

    #[test]
    fn prototypes_hit_their_defining_points() {
        let cases = [
            // (band, freq, expected dB)
            (band(BandType::Bell, 1000.0, 9.0, 2.0), 1000.0, 9.0),
            (band(BandType::Bell, 1000.0, -15.0, 0.3), 1000.0, -15.0),
            (band(BandType::Bell, 1000.0, 9.0, 2.0), 1.0, 0.0),
            (band(BandType::LowShelf, 200.0, 12.0, 0.7), 1.0, 12.0),
            (band(BandType::LowShelf, 200.0, 12.0, 0.7), 200.0, 6.0),
            (band(BandType::LowShelf, 200.0, 12.0, 0.7), 1e7, 0.0),
            (band(BandType::HighShelf, 5000.0, -10.0, 2.0), 1e8, -10.0),
            (band(BandType::HighShelf, 5000.0, -10.0, 2.0), 5000.0, -5.0),
            (band(BandType::HighShelf, 5000.0, -10.0, 2.0), 1.0, 0.0),
            (band(BandType::Tilt, 1000.0, 6.0, 1.0), 1000.0, 0.0),
            (band(BandType::Tilt, 1000.0, 6.0, 1.0), 0.01, -3.0),
            (band(BandType::Tilt, 1000.0, 6.0, 1.0), 1e8, 3.0),
            (band(BandType::BandPass, 300.0, 0.0, 4.0), 300.0, 0.0),
            (band(BandType::HighPass, 100.0, 0.0, 1.0), 100.0, -3.0103),
            (band(BandType::LowPass, 100.0, 0.0, 1.0), 100.0, -3.0103),
        ];
        for (b, f, want) in cases {
            let got = analog_magnitude_db(&b, f);
            println!(
                "{:?} {} Hz @ {f} Hz: {got:.4} dB (want {want})",
                b.kind, b.freq_hz
            );
            assert!((got - want).abs() < 2e-3, "{b:?} at {f}: {got} vs {want}");
        }
        let notch = band(BandType::Notch, 1000.0, 0.0, 1.0);
        assert!(analog_magnitude(&notch, 1000.0) < 1e-12);
        let mut off = notch;
        off.enabled = false;
        assert_eq!(analog_magnitude(&off, 1000.0), 1.0);
    }

    #[test]
    fn pass_slopes_are_6_db_per_octave_per_order() {
        for kind in [PassKind::Butterworth, PassKind::LinkwitzRiley] {
            for order in 1..=16 {
                let mut b = band(BandType::LowPass, 100.0, 0.0, 1.0);
                b.slope_db_oct = 6.0 * order as f64;
                b.pass_kind = kind;
                // Far above the corner the slope is the order's; at f0 Butterworth is -3 dB and
                // (even-order) Linkwitz-Riley -6 dB.
                let slope = analog_magnitude_db(&b, 2e4) - analog_magnitude_db(&b, 4e4);
                let at_f0 = analog_magnitude_db(&b, 100.0);
                let want_f0 = if kind == PassKind::LinkwitzRiley && order % 2 == 0 {
                    -6.0206
                } else {
                    -3.0103
                };
                println!("{kind:?} order {order}: {slope:.3} dB/oct, {at_f0:.4} dB at f0");
                assert!((slope - 6.0206 * order as f64).abs() < 1e-3);
                assert!((at_f0 - want_f0).abs() < 1e-3);
                let mut h = b;
                h.kind = BandType::HighPass;
                // High-pass is the mirror image.
                let mirrored = analog_magnitude_db(&h, 100.0 * 100.0 / 37.0);
                assert!((mirrored - analog_magnitude_db(&b, 37.0)).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn clamping_and_validation() {
        let wild = BandParams {
            freq_hz: f64::NAN,
            gain_db: 99.0,
            q: 0.0,
            slope_db_oct: 40.0,
            ..Default::default()
        };
        assert!(wild.validate().is_err());
        let c = wild.clamped();
        assert!(c.validate().is_ok(), "{:?}", c.validate());
        assert_eq!(c.freq_hz, 1000.0);
        assert_eq!(c.gain_db, 24.0);
        assert_eq!(c.q, MIN_Q);
        assert_eq!(c.slope_db_oct, 42.0);
        assert_eq!(c.pass_order(), 7);
        let msg = BandParams {
            slope_db_oct: 15.0,
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(msg.contains("slope"), "{msg}");
        assert!(EqParams::default().validate().is_ok());
        assert!(EqParams::default().bands.iter().all(|b| !b.enabled));
    }
}
