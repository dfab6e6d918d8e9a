//! Band design: analog prototype sections with exactly mapped roots, and the least-squares
//! corrector for what remains (see the module notes in `mod.rs`).

use super::*;

/// The digital realisation of one band: a cascade of SVF sections.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BandDesign {
    pub stages: [SvfCoefs; MAX_STAGES],
    pub len: usize,
    /// Which realisation the designer chose (root-pair variants, exact or matched sections,
    /// corrector kind). Designs of the same form have corresponding sections and can be
    /// interpolated section by section; across forms they cannot (see [`Band::reform`]).
    pub form: u32,
}

impl BandDesign {
    pub(super) fn new() -> Self {
        Self {
            stages: [SvfCoefs::IDENTITY; MAX_STAGES],
            len: 0,
            form: 0,
        }
    }

    pub(super) fn push(&mut self, c: SvfCoefs) {
        self.stages[self.len] = c;
        self.len += 1;
    }

    pub fn stages(&self) -> &[SvfCoefs] {
        &self.stages[..self.len]
    }

    /// Linear magnitude of the cascade at `freq_hz` (analytic, from the coefficients).
    pub fn magnitude(&self, freq_hz: f64, sample_rate: f64) -> f64 {
        self.stages()
            .iter()
            .map(|c| c.magnitude(freq_hz, sample_rate))
            .product()
    }
}

/// Small dense solve (Gaussian elimination with partial pivoting).
pub(super) fn solve<const N: usize>(mut m: [[f64; N]; N], mut v: [f64; N]) -> Option<[f64; N]> {
    for col in 0..N {
        let pivot = (col..N).max_by(|&a, &b| m[a][col].abs().total_cmp(&m[b][col].abs()))?;
        if m[pivot][col].abs() < 1e-300 || !m[pivot][col].is_finite() {
            return None;
        }
        m.swap(col, pivot);
        v.swap(col, pivot);
        for row in 0..N {
            if row != col {
                let f = m[row][col] / m[col][col];
                let pivot_row = m[col];
                for (dst, src) in m[row].iter_mut().zip(pivot_row.iter()).skip(col) {
                    *dst -= f * src;
                }
                v[row] -= f * v[col];
            }
        }
    }
    let mut out = [0.0; N];
    for i in 0..N {
        out[i] = v[i] / m[i][i];
        if !out[i].is_finite() {
            return None;
        }
    }
    Some(out)
}

/// Add `w * row row^T` and `w * row * rhs` to normal equations.
pub(super) fn accumulate<const N: usize>(
    m: &mut [[f64; N]; N],
    v: &mut [f64; N],
    row: &[f64; N],
    w: f64,
    rhs: f64,
) {
    for ((m_row, v_el), &ra) in m.iter_mut().zip(v.iter_mut()).zip(row) {
        for (el, &rb) in m_row.iter_mut().zip(row) {
            *el += w * ra * rb;
        }
        *v_el += w * ra * rhs;
    }
}

/// `|P(j w)|^2` of an analog polynomial `p[0] + p[1] s + p[2] s^2` at normalised frequency `w`.
pub(super) fn analog_poly_sq(p: &[f64; 3], w: f64) -> f64 {
    let re = p[0] - p[2] * w * w;
    let im = p[1] * w;
    re * re + im * im
}

/// Up to three digital versions of one analog polynomial (roots scaled by `w0t` = 2 pi f0 / fs).
pub(super) fn poly_candidates(p: &[f64; 3], w0t: f64) -> ([ZPoly; 3], usize) {
    let mut out = [ZPoly::ONE; 3];
    let (d0, d1, d2) = (p[0], p[1], p[2]);
    if d2 == 0.0 {
        out[0] = if d1 == 0.0 {
            ZPoly::constant(d0)
        } else {
            ZPoly::real_root(-d0 / d1 * w0t)
        };
        return (out, 1);
    }
    let disc = d1 * d1 - 4.0 * d2 * d0;
    if disc >= 0.0 {
        // Real roots; the small one from the product so it keeps its precision.
        let big = (-d1 - disc.sqrt()) / (2.0 * d2);
        let small = if big == 0.0 { 0.0 } else { d0 / (d2 * big) };
        out[0] = ZPoly::real_roots(big * w0t, small * w0t);
        return (out, 1);
    }
    let sigma = -d1 / (2.0 * d2) * w0t;
    let theta = (-disc).sqrt() / (2.0 * d2) * w0t;
    let mut n = 0;
    if theta < MATCHED_LIMIT * PI {
        out[n] = ZPoly::complex_roots(sigma, theta);
        n += 1;
    }
    if theta > NEAR_NYQUIST * PI {
        // Three-point magnitude fit of the polynomial itself (DC, Nyquist, half Nyquist).
        let at = |x: f64| analog_poly_sq(p, 2.0 * x.sqrt().asin() / w0t);
        let b0 = at(0.0);
        let b1 = at(1.0);
        let b2 = at(0.5) - 0.5 * (b0 + b1);
        out[n] = ZPoly::from_power_terms(b0, b1, b2);
        n += 1;
        out[n] = ZPoly::constant(d0);
        n += 1;
    }
    (out, n)
}

/// Designs bands at one sample rate.
#[derive(Clone, Debug)]
pub struct BandDesigner {
    pub(super) sample_rate: f64,
    pub(super) fit_hz: [f64; FIT_POINTS],
    pub(super) fit_x: [f64; FIT_POINTS],
}

/// Exact-root (or Vicanek) sections of one band before the corrector.
#[derive(Clone, Copy)]
pub(super) struct Mains {
    pub(super) sections: [(ZPoly, ZPoly); MAX_SECTIONS],
    pub(super) len: usize,
}

impl Mains {
    pub(super) fn new() -> Self {
        Self {
            sections: [(ZPoly::ONE, ZPoly::ONE); MAX_SECTIONS],
            len: 0,
        }
    }

    pub(super) fn push(&mut self, num: ZPoly, den: ZPoly) {
        self.sections[self.len] = (num, den);
        self.len += 1;
    }

    pub(super) fn magnitude_sq(&self, x: f64) -> f64 {
        self.sections[..self.len]
            .iter()
            .map(|(n, d)| n.magnitude_sq(x) / d.magnitude_sq(x))
            .product()
    }
}

/// Residual `|analog|^2 / |mains|^2` at the fit points, with a weight of 0 where the analog
/// response is below the floor (deep stop bands do not steer the corrector).
pub(super) struct Residual {
    pub(super) t: [f64; FIT_POINTS],
    pub(super) active: [bool; FIT_POINTS],
    /// How much each point's error counts (see [`SKIRT_WEIGHT`]).
    pub(super) importance: [f64; FIT_POINTS],
    pub(super) count: usize,
    pub(super) worst_db: f64,
}

pub(super) struct Attempt {
    pub(super) mains: Mains,
    pub(super) corrector: Option<(ZPoly, ZPoly)>,
    pub(super) error_db: f64,
    /// [`BandDesign::form`]: the mains variant times 4 plus the corrector kind (0 none, 1 full
    /// fit, 2 numerator only, 3 denominator only).
    pub(super) form: u32,
}

impl BandDesigner {
    pub fn new(sample_rate: f64) -> Self {
        let mut fit_hz = [0.0; FIT_POINTS];
        let mut fit_x = [0.0; FIT_POINTS];
        for i in 0..FIT_POINTS {
            let t = (i as f64 / (FIT_POINTS - 1) as f64).powf(FIT_SPACING_POWER);
            fit_hz[i] = 0.5 * sample_rate * t;
            fit_x[i] = (0.5 * PI * t).sin().powi(2);
        }
        Self {
            sample_rate,
            fit_hz,
            fit_x,
        }
    }

    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// The digital band for `band` (clamped and held below Nyquist first; `enabled` and the
    /// dynamic settings are ignored: pass the momentary gain in `gain_db`).
    pub fn design(&self, band: &BandParams) -> BandDesign {
        let b = band.clamped().held_below_nyquist(self.sample_rate);
        let proto = analog_prototype(&b);
        let w0t = 2.0 * PI * b.freq_hz / self.sample_rate;
        let best = match b.kind {
            BandType::Bell | BandType::LowShelf | BandType::HighShelf | BandType::Tilt => {
                self.design_gain_type(&proto, w0t, b.freq_hz)
            }
            BandType::HighPass | BandType::Notch | BandType::BandPass => self.with_corrector(
                &proto,
                b.freq_hz,
                false,
                self.exact_roots(&proto, w0t, b.kind),
            ),
            BandType::LowPass => {
                // Exact roots win at low orders, Vicanek's numerators at high orders near
                // Nyquist; keep whichever leaves the smaller error. The plain fit keeps the
                // skirt closest; where it leaves the passband (relative to DC) off by more
                // than `PASSBAND_OK_DB`, the fit that weights the skirt less takes over.
                let best_of = |weighted: bool| {
                    let exact = self.with_corrector(
                        &proto,
                        b.freq_hz,
                        weighted,
                        self.exact_roots(&proto, w0t, b.kind),
                    );
                    let mut matched = self.with_corrector(
                        &proto,
                        b.freq_hz,
                        weighted,
                        self.vicanek(proto.sections(), w0t),
                    );
                    matched.form += 4;
                    let mut a = if exact.error_db <= matched.error_db {
                        exact
                    } else {
                        matched
                    };
                    if weighted {
                        a.form += 8;
                    }
                    a
                };
                let plain = best_of(false);
                if self.passband_error_db(&proto, b.freq_hz, &plain) <= PASSBAND_OK_DB {
                    plain
                } else {
                    best_of(true)
                }
            }
        };
        let mut d = BandDesign::new();
        for (n, den) in &best.mains.sections[..best.mains.len] {
            d.push(SvfCoefs::from_zpolys(*n, *den));
        }
        if let Some((n, den)) = best.corrector {
            d.push(SvfCoefs::from_zpolys(n, den));
        }
        d.form = best.form;
        if b.kind == BandType::LowPass {
            // Whatever the fit left, the programme's body passes at exactly unity gain.
            let g = 1.0 / d.magnitude(0.0, self.sample_rate);
            if g.is_finite() && g > 0.0 {
                let last = &mut d.stages[d.len - 1];
                last.m0 *= g;
                last.m1 *= g;
                last.m2 *= g;
            }
        }
        d
    }

    /// Every root mapped exactly (zeros at DC or on the unit circle included), each section
    /// normalised to the analog gain at f0 (a notch at DC).
    pub(super) fn exact_roots(&self, proto: &AnalogPrototype, w0t: f64, kind: BandType) -> Mains {
        let mut m = Mains::new();
        let x0 = (0.5 * w0t).sin().powi(2);
        for s in proto.sections() {
            let num = poly_candidates(&s.num, w0t).0[0];
            let den = poly_candidates(&s.den, w0t).0[0];
            let k = if kind == BandType::Notch {
                s.magnitude_sq(0.0).sqrt() * den.dc / num.dc
            } else {
                (s.magnitude_sq(1.0) * den.magnitude_sq(x0) / num.magnitude_sq(x0)).sqrt()
            };
            m.push(num.scaled(k), den);
        }
        m
    }

    /// Poles exact, numerator matched in magnitude at DC, Nyquist and f0 (Vicanek 2016).
    pub(super) fn vicanek(&self, sections: &[AnalogSection], w0t: f64) -> Mains {
        let mut m = Mains::new();
        let x0 = (0.5 * w0t).sin().powi(2);
        let w_nyq = PI / w0t;
        for s in sections {
            let den = poly_candidates(&s.den, w0t).0[0];
            let b0 = s.magnitude_sq(0.0) * den.dc * den.dc;
            let b1 = s.magnitude_sq(w_nyq) * den.nyq * den.nyq;
            let at_f0 = s.magnitude_sq(1.0) * den.magnitude_sq(x0);
            let b2 = (at_f0 - b0 * (1.0 - x0) - b1 * x0) / (4.0 * x0 * (1.0 - x0));
            m.push(ZPoly::from_power_terms(b0, b1, b2), den);
        }
        m
    }

    /// Bells, shelves, tilt: every combination of root-pair variants, keep the best.
    pub(super) fn design_gain_type(&self, proto: &AnalogPrototype, w0t: f64, f0: f64) -> Attempt {
        let s = &proto.sections()[0];
        let (nums, n_nums) = poly_candidates(&s.num, w0t);
        let (dens, n_dens) = poly_candidates(&s.den, w0t);
        let x0 = (0.5 * w0t).sin().powi(2);
        let mut best: Option<Attempt> = None;
        for (i_num, num) in nums[..n_nums].iter().enumerate() {
            for (i_den, den) in dens[..n_dens]
                .iter()
                .enumerate()
                .filter(|(_, d)| d.is_stable_denominator())
            {
                let n0 = num.magnitude_sq(x0);
                let k = (s.magnitude_sq(1.0) * den.magnitude_sq(x0) / n0).sqrt();
                let k = if k.is_finite() && k > 0.0 { k } else { 1.0 };
                let mut m = Mains::new();
                m.push(num.scaled(k), *den);
                let mut a = self.with_corrector(proto, f0, false, m);
                // Variant kinds (exact, fitted, dropped), whichever of them exist.
                let kind = |i: usize, n: usize| if n > 1 { i + 3 - n } else { 0 };
                a.form += 4 * (3 * kind(i_num, n_nums) + kind(i_den, n_dens)) as u32;
                if best.as_ref().is_none_or(|b| a.error_db < b.error_db) {
                    best = Some(a);
                }
            }
            if best.as_ref().is_some_and(|b| b.error_db < GOOD_ENOUGH_DB) {
                break;
            }
        }
        best.unwrap_or(Attempt {
            mains: Mains::new(),
            corrector: None,
            error_db: f64::INFINITY,
            form: 0,
        })
    }

    /// Largest passband error (analog above -3 dB) of an attempt at the fit points, relative to
    /// its error at DC (which the design is normalised to).
    pub(super) fn passband_error_db(&self, proto: &AnalogPrototype, f0: f64, a: &Attempt) -> f64 {
        let error_at = |i: usize| {
            let x = self.fit_x[i];
            let mut digital = a.mains.magnitude_sq(x);
            if let Some((n, d)) = &a.corrector {
                digital *= n.magnitude_sq(x) / d.magnitude_sq(x);
            }
            10.0 * (proto.magnitude_sq(self.fit_hz[i] / f0) / digital).log10()
        };
        let at_dc = error_at(0);
        (1..FIT_POINTS)
            .filter(|&i| proto.magnitude_sq(self.fit_hz[i] / f0) >= 0.5)
            .map(|i| (error_at(i) - at_dc).abs())
            .fold(0.0, f64::max)
    }

    /// The analog response over what the main sections give, at the fit points. For high- and
    /// low-passes (`pass`), errors in the skirt count less than in the passband.
    pub(super) fn residual(
        &self,
        proto: &AnalogPrototype,
        f0: f64,
        pass: bool,
        mains: &Mains,
    ) -> Residual {
        let floor_sq = 10f64.powf(FIT_FLOOR_DB / 10.0);
        let mut r = Residual {
            t: [1.0; FIT_POINTS],
            active: [false; FIT_POINTS],
            importance: [1.0; FIT_POINTS],
            count: 0,
            worst_db: 0.0,
        };
        for i in 0..FIT_POINTS {
            let analog = proto.magnitude_sq(self.fit_hz[i] / f0);
            let t = analog / mains.magnitude_sq(self.fit_x[i]);
            if analog >= floor_sq && t.is_finite() && t > 0.0 {
                r.t[i] = t;
                r.active[i] = true;
                r.count += 1;
                if pass {
                    r.importance[i] = (2.0 * analog).sqrt().clamp(SKIRT_WEIGHT, 1.0);
                }
                r.worst_db = r
                    .worst_db
                    .max(r.importance[i] * 10.0 * t.max(1.0 / t).log10());
            }
        }
        r
    }

    pub(super) fn with_corrector(
        &self,
        proto: &AnalogPrototype,
        f0: f64,
        pass: bool,
        mains: Mains,
    ) -> Attempt {
        let r = self.residual(proto, f0, pass, &mains);
        let mut a = Attempt {
            mains,
            corrector: None,
            error_db: r.worst_db,
            form: 0,
        };
        if r.worst_db > CORRECTOR_SKIP_DB && r.count >= 6 {
            if let Some((cn, cd, e, variant)) = self.fit_corrector(&r) {
                if e < r.worst_db {
                    a.corrector = Some((cn, cd));
                    a.error_db = e;
                    a.form = 1 + variant;
                }
            }
        }
        a
    }

    /// Worst dB error of `num / den` against the residual at the active fit points.
    pub(super) fn corrector_error(&self, r: &Residual, num: &ZPoly, den: &ZPoly) -> f64 {
        if !den.is_stable_denominator() || !num.dc.is_finite() || !num.diff.is_finite() {
            return f64::INFINITY;
        }
        let mut worst: f64 = 0.0;
        for i in (0..FIT_POINTS).filter(|&i| r.active[i]) {
            let x = self.fit_x[i];
            let q = r.t[i] * den.magnitude_sq(x) / num.magnitude_sq(x);
            if !(q.is_finite() && q > 0.0) {
                return f64::INFINITY;
            }
            worst = worst.max(r.importance[i] * 10.0 * q.max(1.0 / q).log10());
        }
        worst
    }

    /// Fit a second-order `|C|^2` to the residual (see the module docs): the full five-term
    /// fit, and numerator-only / denominator-only fits (feasible where the full one is not),
    /// each refined by Lawson reweighting; the one with the smallest worst error wins.
    pub(super) fn fit_corrector(&self, r: &Residual) -> Option<(ZPoly, ZPoly, f64, u32)> {
        let phi = |x: f64| [1.0 - x, x, 4.0 * x * (1.0 - x)];
        let mut best: Option<(ZPoly, ZPoly, f64, u32)> = None;
        for variant in 0..3u32 {
            if variant > 0 && best.as_ref().is_some_and(|b| b.2 < FALLBACK_FITS_ABOVE_DB) {
                break;
            }
            let mut weights = [0.0; FIT_POINTS];
            for ((w, &a), &imp) in weights.iter_mut().zip(&r.active).zip(&r.importance) {
                *w = if a { imp } else { 0.0 };
            }
            for _pass in 0..=LAWSON_PASSES {
                let fit = if variant == 0 {
                    // |N|^2 - T |D|^2 = 0 with |D|^2's DC term fixed at 1, relative (divided by T).
                    let mut m = [[0.0; 5]; 5];
                    let mut v = [0.0; 5];
                    for ((&x, &t), &w) in self.fit_x.iter().zip(&r.t).zip(&weights) {
                        let p = phi(x);
                        let row = [p[0] / t, p[1] / t, p[2] / t, -p[1], -p[2]];
                        accumulate(&mut m, &mut v, &row, w, p[0]);
                    }
                    solve(m, v).map(|s| {
                        (
                            ZPoly::from_power_terms(s[0], s[1], s[2]),
                            ZPoly::from_power_terms(1.0, s[3], s[4]),
                        )
                    })
                } else {
                    // |N|^2 / T = 1 (numerator only) or |D|^2 T = 1 (denominator only).
                    let mut m = [[0.0; 3]; 3];
                    let mut v = [0.0; 3];
                    for ((&x, &t), &w) in self.fit_x.iter().zip(&r.t).zip(&weights) {
                        let scale = if variant == 1 { 1.0 / t } else { t };
                        let row = phi(x).map(|p| p * scale);
                        accumulate(&mut m, &mut v, &row, w, 1.0);
                    }
                    solve(m, v).map(|s| {
                        let p = ZPoly::from_power_terms(s[0], s[1], s[2]);
                        if variant == 1 {
                            (p, ZPoly::ONE)
                        } else {
                            (ZPoly::ONE, p)
                        }
                    })
                };
                let Some((num, den)) = fit else { break };
                let e = self.corrector_error(r, &num, &den);
                if !e.is_finite() {
                    break;
                }
                if best.as_ref().is_none_or(|b| e < b.2) {
                    best = Some((num, den, e, variant));
                }
                if e < GOOD_ENOUGH_DB {
                    break;
                }
                // Lawson: weight each point by its error so the next pass flattens the peaks
                // (2.17 |q - 1/q| is the dB error to first order, without a logarithm).
                let mut sum = 0.0;
                for (i, w) in weights.iter_mut().enumerate() {
                    let x = self.fit_x[i];
                    let q = r.t[i] * den.magnitude_sq(x) / num.magnitude_sq(x);
                    *w *= r.importance[i] * 2.17 * (q - 1.0 / q).abs() + 1e-3;
                    sum += *w;
                }
                if !(sum > 0.0 && sum.is_finite()) {
                    break;
                }
                for w in weights.iter_mut() {
                    *w *= r.count as f64 / sum;
                }
            }
        }
        best
    }
}
