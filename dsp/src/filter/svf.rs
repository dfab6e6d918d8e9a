//! Trapezoidal (TPT) state-variable filter: any stable second-order section, realised so that
//! its coefficients can move every sample without clicks or blow-ups.
//!
//! Why this topology: in a direct-form biquad the state is a mix of past inputs and outputs
//! scaled by the coefficients, so changing the coefficients makes the old state mean something
//! else and the output jumps. The Zavalishin/Simper SVF keeps its state as two integrator
//! "capacitor" values; changing the cutoff or damping leaves them physically meaningful, and any
//! positive `g`, `k` is stable. A general second-order transfer function becomes the SVF's
//! denominator plus a mix `m0 * input + m1 * band + m2 * low` of its outputs (Simper,
//! "SvfLinearTrapOptimised2"), so matched designs computed in the z-domain run here unchanged.
//!
//! The z-polynomials are carried as [`ZPoly`]: values at DC and Nyquist and `c0 - c2`. Those are
//! exactly the numbers the SVF conversion needs, and computing them from roots with `expm1` keeps
//! full precision for poles within 1e-4 of z = 1 (a 10 Hz bell at 192 kHz), where forming
//! `1 + a1 + a2` from rounded coefficients would lose most of the digits.

use super::biquad::BiquadCoefs;

/// `c0 + c1 z^-1 + c2 z^-2`, held as `dc = c0 + c1 + c2`, `nyq = c0 - c1 + c2`, `diff = c0 - c2`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ZPoly {
    pub dc: f64,
    pub nyq: f64,
    pub diff: f64,
}

impl ZPoly {
    pub const ONE: Self = Self {
        dc: 1.0,
        nyq: 1.0,
        diff: 1.0,
    };

    /// A constant `c`.
    pub fn constant(c: f64) -> Self {
        Self {
            dc: c,
            nyq: c,
            diff: c,
        }
    }

    pub fn from_coefs(c: [f64; 3]) -> Self {
        Self {
            dc: c[0] + c[1] + c[2],
            nyq: c[0] - c[1] + c[2],
            diff: c[0] - c[2],
        }
    }

    pub fn coefs(&self) -> [f64; 3] {
        let sum02 = 0.5 * (self.dc + self.nyq);
        [
            0.5 * (sum02 + self.diff),
            0.5 * (self.dc - self.nyq),
            0.5 * (sum02 - self.diff),
        ]
    }

    pub fn scaled(self, k: f64) -> Self {
        Self {
            dc: self.dc * k,
            nyq: self.nyq * k,
            diff: self.diff * k,
        }
    }

    /// `(1 - e^a z^-1)`: one real root `z = e^a` (`a` = analog root times the sample period).
    pub fn real_root(a: f64) -> Self {
        Self {
            dc: -a.exp_m1(),
            nyq: 1.0 + a.exp(),
            diff: 1.0,
        }
    }

    /// `(1 - e^a z^-1)(1 - e^b z^-1)`.
    pub fn real_roots(a: f64, b: f64) -> Self {
        Self {
            dc: a.exp_m1() * b.exp_m1(),
            nyq: (1.0 + a.exp()) * (1.0 + b.exp()),
            diff: -(a + b).exp_m1(),
        }
    }

    /// The conjugate pair `z = e^(sigma +- j theta)` (`sigma`, `theta` = analog root times the
    /// sample period).
    pub fn complex_roots(sigma: f64, theta: f64) -> Self {
        let r = sigma.exp();
        let one_minus_r = -sigma.exp_m1();
        let half_sin = (0.5 * theta).sin();
        Self {
            dc: one_minus_r * one_minus_r + 4.0 * r * half_sin * half_sin,
            nyq: 1.0 + 2.0 * r * theta.cos() + r * r,
            diff: -(2.0 * sigma).exp_m1(),
        }
    }

    /// `|P(e^jw)|^2` at `x = sin^2(w / 2)`.
    #[inline]
    pub fn magnitude_sq(&self, x: f64) -> f64 {
        let (b0, b1, b2) = self.power_terms();
        b0 * (1.0 - x) + b1 * x + b2 * 4.0 * x * (1.0 - x)
    }

    /// `|P|^2 = B0 (1 - x) + B1 x + B2 4 x (1 - x)`: the form magnitude matching works in
    /// (Vicanek, "Matched Second Order Digital Filters", 2016).
    #[inline]
    pub fn power_terms(&self) -> (f64, f64, f64) {
        let sum02 = 0.5 * (self.dc + self.nyq);
        let c0c2 = 0.25 * (sum02 * sum02 - self.diff * self.diff);
        (self.dc * self.dc, self.nyq * self.nyq, -4.0 * c0c2)
    }

    /// The minimum-phase polynomial whose `|P|^2` has the given power terms. Terms that no real
    /// polynomial can have (a negative square, a response dipping below zero) are clamped to the
    /// nearest one that exists, so the result is always finite.
    pub fn from_power_terms(b0: f64, b1: f64, b2: f64) -> Self {
        let dc = b0.max(0.0).sqrt();
        let nyq = b1.max(0.0).sqrt();
        let w = 0.5 * (dc + nyq);
        Self {
            dc,
            nyq,
            diff: (w * w + b2).max(0.0).sqrt(),
        }
    }

    /// True if this is a usable denominator: roots strictly inside the unit circle.
    pub fn is_stable_denominator(&self) -> bool {
        let scale = 0.5 * (self.dc + self.nyq);
        self.dc > 0.0
            && self.nyq > 0.0
            && self.diff > 1e-12 * scale
            && self.dc.is_finite()
            && self.nyq.is_finite()
            && self.diff.is_finite()
    }
}

/// SVF parameters: cutoff `g` (tan of half the pole angle for a bilinear design), damping `k`
/// (1/Q) and the output mix `y = m0 x + m1 band + m2 low`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SvfCoefs {
    pub g: f64,
    pub k: f64,
    pub m0: f64,
    pub m1: f64,
    pub m2: f64,
}

impl SvfCoefs {
    /// Passes the input unchanged (the integrators still run; their output is not used).
    pub const IDENTITY: Self = Self {
        g: 1.0,
        k: 2.0,
        m0: 1.0,
        m1: 0.0,
        m2: 0.0,
    };

    /// The SVF realising `num / den`. `den` must be a stable denominator
    /// ([`ZPoly::is_stable_denominator`]); anything else gives the identity.
    ///
    /// Substituting the bilinear map into `den` gives `dc + 2 g diff s + g^2 nyq s^2`, so
    /// `g^2 = dc / nyq` normalises it to `dc (s^2 + k s + 1)`; matching the numerator term by term
    /// gives the mix: `m0` is the Nyquist gain, `m0 + m2` the DC gain.
    pub fn from_zpolys(num: ZPoly, den: ZPoly) -> Self {
        if !den.is_stable_denominator() {
            return Self::IDENTITY;
        }
        let g = (den.dc / den.nyq).sqrt();
        let k = 2.0 * g * den.diff / den.dc;
        let m0 = num.nyq / den.nyq;
        let m1 = 2.0 * g * num.diff / den.dc - m0 * k;
        let m2 = num.dc / den.dc - m0;
        let c = Self { g, k, m0, m1, m2 };
        if c.is_finite() {
            c
        } else {
            Self::IDENTITY
        }
    }

    /// Bilinear-prewarped resonator at `freq` with damping `k` (used for detectors and tests).
    pub fn band_pass(freq: f64, k: f64, sample_rate: f64) -> Self {
        let w = (std::f64::consts::PI * freq / sample_rate).min(1.5);
        Self {
            g: w.tan(),
            k,
            m0: 0.0,
            m1: k,
            m2: 0.0,
        }
    }

    pub fn is_finite(&self) -> bool {
        self.g.is_finite()
            && self.k.is_finite()
            && self.m0.is_finite()
            && self.m1.is_finite()
            && self.m2.is_finite()
    }

    /// The equivalent direct-form coefficients (for analytic responses; not for running).
    pub fn to_biquad(&self) -> BiquadCoefs {
        // H(s) = (m0 s^2 + (m0 k + m1) s + (m0 + m2)) / (s^2 + k s + 1), s = (1/g)(1 - z^-1)/(1 + z^-1).
        let (g, k) = (self.g, self.k);
        let n2 = self.m0;
        let n1 = self.m0 * k + self.m1;
        let n0 = self.m0 + self.m2;
        // Multiply through by g^2 (1 + z^-1)^2.
        let num = [
            n2 + n1 * g + n0 * g * g,
            -2.0 * n2 + 2.0 * n0 * g * g,
            n2 - n1 * g + n0 * g * g,
        ];
        let den = [1.0 + k * g + g * g, -2.0 + 2.0 * g * g, 1.0 - k * g + g * g];
        BiquadCoefs {
            b0: num[0] / den[0],
            b1: num[1] / den[0],
            b2: num[2] / den[0],
            a1: den[1] / den[0],
            a2: den[2] / den[0],
        }
    }

    /// Linear magnitude at `freq` Hz.
    pub fn magnitude(&self, freq: f64, sample_rate: f64) -> f64 {
        self.to_biquad().response(freq, sample_rate).0
    }
}

/// Per-sample multipliers of one SVF (Simper's a1..a3 plus the output mix).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SvfTaps {
    pub a1: f64,
    pub a2: f64,
    pub a3: f64,
    pub m0: f64,
    pub m1: f64,
    pub m2: f64,
}

impl SvfTaps {
    pub const IDENTITY: Self = Self::from_coefs(&SvfCoefs::IDENTITY);

    #[inline]
    pub const fn from_coefs(c: &SvfCoefs) -> Self {
        let a1 = 1.0 / (1.0 + c.g * (c.g + c.k));
        let a2 = c.g * a1;
        Self {
            a1,
            a2,
            a3: c.g * a2,
            m0: c.m0,
            m1: c.m1,
            m2: c.m2,
        }
    }
}

impl Default for SvfTaps {
    fn default() -> Self {
        Self::IDENTITY
    }
}

/// The two integrator states.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SvfState {
    pub ic1: f64,
    pub ic2: f64,
}

impl SvfState {
    /// One sample; returns `(output, band, low)`.
    #[inline(always)]
    pub fn tick_full(&mut self, t: &SvfTaps, x: f64) -> (f64, f64, f64) {
        let v3 = x - self.ic2;
        let v1 = t.a1 * self.ic1 + t.a2 * v3;
        let v2 = self.ic2 + t.a2 * self.ic1 + t.a3 * v3;
        self.ic1 = 2.0 * v1 - self.ic1;
        self.ic2 = 2.0 * v2 - self.ic2;
        (t.m0 * x + t.m1 * v1 + t.m2 * v2, v1, v2)
    }

    #[inline(always)]
    pub fn tick(&mut self, t: &SvfTaps, x: f64) -> f64 {
        self.tick_full(t, x).0
    }

    /// Zero state that is non-finite (after NaN input) or decayed into the subnormal range.
    /// Returns true if it had to discard a non-finite state.
    #[inline]
    pub fn sanitize(&mut self) -> bool {
        const TINY: f64 = 1e-30;
        if !(self.ic1.is_finite() && self.ic2.is_finite()) {
            *self = Self::default();
            return true;
        }
        if self.ic1.abs() < TINY {
            self.ic1 = 0.0;
        }
        if self.ic2.abs() < TINY {
            self.ic2 = 0.0;
        }
        false
    }
}

/// Two SVFs side by side (left/right or mid/side), laid out lane-wise so both channels run in one
/// pass of packed arithmetic. A lane that should pass its channel untouched holds
/// [`SvfTaps::IDENTITY`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StereoSvf {
    pub a1: [f64; 2],
    pub a2: [f64; 2],
    pub a3: [f64; 2],
    pub m0: [f64; 2],
    pub m1: [f64; 2],
    pub m2: [f64; 2],
    pub ic1: [f64; 2],
    pub ic2: [f64; 2],
}

impl Default for StereoSvf {
    fn default() -> Self {
        let t = SvfTaps::IDENTITY;
        Self {
            a1: [t.a1; 2],
            a2: [t.a2; 2],
            a3: [t.a3; 2],
            m0: [t.m0; 2],
            m1: [t.m1; 2],
            m2: [t.m2; 2],
            ic1: [0.0; 2],
            ic2: [0.0; 2],
        }
    }
}

impl StereoSvf {
    #[inline(always)]
    pub fn set_lane(&mut self, lane: usize, t: &SvfTaps) {
        self.a1[lane] = t.a1;
        self.a2[lane] = t.a2;
        self.a3[lane] = t.a3;
        self.m0[lane] = t.m0;
        self.m1[lane] = t.m1;
        self.m2[lane] = t.m2;
    }

    pub fn lane_taps(&self, lane: usize) -> SvfTaps {
        SvfTaps {
            a1: self.a1[lane],
            a2: self.a2[lane],
            a3: self.a3[lane],
            m0: self.m0[lane],
            m1: self.m1[lane],
            m2: self.m2[lane],
        }
    }

    pub fn reset(&mut self) {
        self.ic1 = [0.0; 2];
        self.ic2 = [0.0; 2];
    }

    #[inline(always)]
    pub fn tick(&mut self, x: [f64; 2]) -> [f64; 2] {
        let mut y = [0.0; 2];
        for c in 0..2 {
            let v3 = x[c] - self.ic2[c];
            let v1 = self.a1[c] * self.ic1[c] + self.a2[c] * v3;
            let v2 = self.ic2[c] + self.a2[c] * self.ic1[c] + self.a3[c] * v3;
            self.ic1[c] = 2.0 * v1 - self.ic1[c];
            self.ic2[c] = 2.0 * v2 - self.ic2[c];
            y[c] = self.m0[c] * x[c] + self.m1[c] * v1 + self.m2[c] * v2;
        }
        y
    }

    /// Zero non-finite or subnormal-range state; true if a non-finite state was discarded.
    #[inline]
    pub fn sanitize(&mut self) -> bool {
        let mut bad = false;
        for c in 0..2 {
            let mut s = SvfState {
                ic1: self.ic1[c],
                ic2: self.ic2[c],
            };
            bad |= s.sanitize();
            self.ic1[c] = s.ic1;
            self.ic2[c] = s.ic2;
        }
        bad
    }
}

// Butterworth sections for the crossovers and the compressor's side-chain high-pass: the same
// TPT structure with the damping fixed at sqrt 2 and the coefficients folded for speed.

/// Damping `k = 1/Q` of a Butterworth 2nd-order section.
pub(crate) const BUTTERWORTH_K: f64 = std::f64::consts::SQRT_2;

/// Coefficients of a Butterworth TPT state-variable filter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct ButterworthSvfCoefs {
    /// Prewarped integrator gain `tan(pi fc / fs)`.
    pub(crate) g: f64,
    a1: f64,
    a2: f64,
    a3: f64,
}

impl ButterworthSvfCoefs {
    /// Butterworth (Q = 1/sqrt2) section at `freq_hz`, prewarped so the analog response at the
    /// cutoff is met exactly. `freq_hz` must be below Nyquist.
    pub(crate) fn butterworth(freq_hz: f64, sample_rate: f64) -> Self {
        let g = (std::f64::consts::PI * freq_hz / sample_rate).tan();
        let a1 = 1.0 / (1.0 + g * (g + BUTTERWORTH_K));
        let a2 = g * a1;
        Self {
            g,
            a1,
            a2,
            a3: g * a2,
        }
    }
}

/// State of `N` parallel SVF lanes sharing one set of coefficients (N = 2 is a stereo pair,
/// which the compiler can keep in one SIMD register).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Svf<const N: usize> {
    ic1: [f64; N],
    ic2: [f64; N],
}

impl<const N: usize> Default for Svf<N> {
    fn default() -> Self {
        Self {
            ic1: [0.0; N],
            ic2: [0.0; N],
        }
    }
}

impl<const N: usize> Svf<N> {
    /// Returns (band-pass, low-pass); high-pass is `x - k * band - low`.
    #[inline(always)]
    pub(crate) fn tick(&mut self, c: &ButterworthSvfCoefs, x: [f64; N]) -> ([f64; N], [f64; N]) {
        let mut band = [0.0; N];
        let mut low = [0.0; N];
        for i in 0..N {
            let v3 = x[i] - self.ic2[i];
            let v1 = c.a1 * self.ic1[i] + c.a2 * v3;
            let v2 = self.ic2[i] + c.a2 * self.ic1[i] + c.a3 * v3;
            self.ic1[i] = 2.0 * v1 - self.ic1[i];
            self.ic2[i] = 2.0 * v2 - self.ic2[i];
            band[i] = v1;
            low[i] = v2;
        }
        (band, low)
    }

    #[inline(always)]
    pub(crate) fn highpass(&mut self, c: &ButterworthSvfCoefs, x: [f64; N]) -> [f64; N] {
        let (band, low) = self.tick(c, x);
        std::array::from_fn(|i| x[i] - BUTTERWORTH_K * band[i] - low[i])
    }

    pub(crate) fn reset(&mut self) {
        *self = Self::default();
    }

    /// Clear a lane whose state went non-finite (NaN/inf input) so it cannot stay poisoned, and
    /// zero state that has decayed to nothing so silence never grinds through subnormals.
    pub(crate) fn sanitize(&mut self) {
        for i in 0..N {
            if !(self.ic1[i].is_finite() && self.ic2[i].is_finite()) {
                self.ic1[i] = 0.0;
                self.ic2[i] = 0.0;
            }
            if self.ic1[i].abs() < 1e-30 {
                self.ic1[i] = 0.0;
            }
            if self.ic2[i].abs() < 1e-30 {
                self.ic2[i] = 0.0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    #[test]
    fn zpoly_round_trips_and_magnitude_matches_direct_evaluation() {
        let c = [0.9, -1.3, 0.55];
        let p = ZPoly::from_coefs(c);
        let back = p.coefs();
        for i in 0..3 {
            assert!((back[i] - c[i]).abs() < 1e-15);
        }
        for w in [0.0, 0.3, 1.0, 2.0, PI] {
            let z1 = (w.cos(), -w.sin());
            let z2 = ((2.0 * w).cos(), -(2.0 * w).sin());
            let re = c[0] + c[1] * z1.0 + c[2] * z2.0;
            let im = c[1] * z1.1 + c[2] * z2.1;
            let x = (0.5 * w).sin().powi(2);
            assert!((p.magnitude_sq(x) - (re * re + im * im)).abs() < 1e-12);
        }
        let (b0, b1, b2) = p.power_terms();
        let q = ZPoly::from_power_terms(b0, b1, b2);
        // Same magnitude, minimum phase (the roots of c are inside the circle already).
        assert!((q.dc - p.dc).abs() < 1e-12 && (q.diff - p.diff).abs() < 1e-12);
    }

    #[test]
    fn root_forms_keep_precision_near_dc() {
        // A 10 Hz pole pair at 192 kHz: dc is ~1e-7 and must keep its relative precision.
        let w0t = 2.0 * PI * 10.0 / 192_000.0;
        let (sigma, theta) = (-0.5 * w0t, w0t * 0.75f64.sqrt());
        let p = ZPoly::complex_roots(sigma, theta);
        // Exact value: |1 - r e^{j theta}|^2 = (1 - r)^2 + 4 r sin^2(theta / 2).
        let r = sigma.exp();
        let exact = (1.0 - r).powi(2) + 4.0 * r * (0.5 * theta).sin().powi(2);
        let naive = 1.0 - 2.0 * r * theta.cos() + r * r;
        let rel = (p.dc - exact).abs() / exact;
        println!(
            "dc {:.6e}, root-form rel error {rel:.1e}, naive rel error {:.1e}",
            p.dc,
            (naive - exact).abs() / exact
        );
        assert!(rel < 1e-12);
    }

    #[test]
    fn svf_realises_the_transfer_function_it_was_given() {
        // A resonant section, run as an SVF, measured against the direct-form response.
        let num = ZPoly::from_coefs([1.2, -1.1, 0.4]);
        let den = ZPoly::complex_roots(-0.05, 0.7);
        let c = SvfCoefs::from_zpolys(num, den);
        let bq = c.to_biquad();
        let dn = den.coefs();
        assert!((bq.a1 - dn[1] / dn[0]).abs() < 1e-12 && (bq.a2 - dn[2] / dn[0]).abs() < 1e-12);
        let fs = 48_000.0;
        let taps = SvfTaps::from_coefs(&c);
        let mut worst: f64 = 0.0;
        for f in [100.0, 1000.0, 5347.0, 12_000.0] {
            let mut s = SvfState::default();
            let mut sum = 0.0;
            let n = 48_000;
            for i in 0..n {
                let y = s.tick(&taps, (2.0 * PI * f * i as f64 / fs).sin());
                if i >= n / 2 {
                    sum += y * y;
                }
            }
            let measured = (2.0 * sum / (n / 2) as f64).sqrt();
            let want = bq.response(f, fs).0;
            worst = worst.max((20.0 * (measured / want).log10()).abs());
        }
        println!("SVF vs direct-form response: worst {worst:.2e} dB");
        assert!(worst < 1e-3);
    }

    #[test]
    fn unstable_denominator_gives_identity() {
        let den = ZPoly::from_coefs([1.0, 0.0, -1.0]); // roots on the unit circle
        assert_eq!(SvfCoefs::from_zpolys(ZPoly::ONE, den), SvfCoefs::IDENTITY);
        let mut s = SvfState {
            ic1: f64::NAN,
            ic2: 1.0,
        };
        assert!(s.sanitize());
        assert_eq!(s, SvfState::default());
    }
}
