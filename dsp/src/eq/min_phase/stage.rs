//! One filter section at run time: the TPT SVF while it moves, the transposed direct form II
//! it hands its state to (exactly) once settled, and the coefficient interpolation between
//! redesigns.

use super::*;

/// What a band is, as opposed to where its knobs are: changing it crossfades the EQ
/// ([`MinPhaseEq::start_crossfade`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Structure {
    pub(super) kind: BandType,
    pub(super) order: usize,
    pub(super) pass_kind: PassKind,
    pub(super) placement: Placement,
}

impl Structure {
    pub(super) fn of(b: &BandParams) -> Self {
        let pass = matches!(b.kind, BandType::HighPass | BandType::LowPass);
        Self {
            kind: b.kind,
            order: if pass { b.pass_order() } else { 0 },
            pass_kind: if pass {
                b.pass_kind
            } else {
                PassKind::Butterworth
            },
            placement: b.placement,
        }
    }

    pub(super) fn lanes(&self) -> [bool; 2] {
        match self.placement {
            Placement::Stereo => [true, true],
            Placement::Left | Placement::Mid => [true, false],
            Placement::Right | Placement::Side => [false, true],
        }
    }

    pub(super) fn mid_side(&self) -> bool {
        matches!(self.placement, Placement::Mid | Placement::Side)
    }
}

/// One stereo frame (left/right or mid/side) in f64.
pub(super) type Frame = [f64; 2];

/// A static section in transposed direct form II, both lanes side by side: 9 operations per
/// lane and sample against the SVF's 15, which is what lets eight analog-matched bells fit the
/// budget. Static sections are LTI, so the form does not matter for the sound; the SVF takes over
/// (with its state converted exactly) whenever the coefficients move.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(16))]
pub(super) struct Tdf2 {
    pub(super) b0: Frame,
    pub(super) b1: Frame,
    pub(super) b2: Frame,
    pub(super) a1: Frame,
    pub(super) a2: Frame,
    pub(super) s1: Frame,
    pub(super) s2: Frame,
}

impl Default for Tdf2 {
    fn default() -> Self {
        Self {
            b0: [1.0; 2],
            b1: [0.0; 2],
            b2: [0.0; 2],
            a1: [0.0; 2],
            a2: [0.0; 2],
            s1: [0.0; 2],
            s2: [0.0; 2],
        }
    }
}

impl Tdf2 {
    #[cfg(target_arch = "x86_64")]
    #[inline(always)]
    pub(super) fn tick(&mut self, x: Frame) -> Frame {
        use std::arch::x86_64::*;
        // SAFETY: SSE2 is part of the x86_64 baseline; all pointers are to 16-byte aligned
        // `[f64; 2]` fields of this `#[repr(C, align(16))]` struct or to a local.
        unsafe {
            let x = _mm_loadu_pd(x.as_ptr());
            let y = _mm_add_pd(
                _mm_mul_pd(_mm_load_pd(self.b0.as_ptr()), x),
                _mm_load_pd(self.s1.as_ptr()),
            );
            let s1 = _mm_sub_pd(
                _mm_add_pd(
                    _mm_mul_pd(_mm_load_pd(self.b1.as_ptr()), x),
                    _mm_load_pd(self.s2.as_ptr()),
                ),
                _mm_mul_pd(_mm_load_pd(self.a1.as_ptr()), y),
            );
            let s2 = _mm_sub_pd(
                _mm_mul_pd(_mm_load_pd(self.b2.as_ptr()), x),
                _mm_mul_pd(_mm_load_pd(self.a2.as_ptr()), y),
            );
            _mm_store_pd(self.s1.as_mut_ptr(), s1);
            _mm_store_pd(self.s2.as_mut_ptr(), s2);
            let mut out = [0.0; 2];
            _mm_storeu_pd(out.as_mut_ptr(), y);
            out
        }
    }

    #[cfg(not(target_arch = "x86_64"))]
    #[inline(always)]
    pub(super) fn tick(&mut self, x: Frame) -> Frame {
        let mut y = [0.0; 2];
        for c in 0..2 {
            y[c] = self.b0[c] * x[c] + self.s1[c];
            self.s1[c] = self.b1[c] * x[c] + self.s2[c] - self.a1[c] * y[c];
            self.s2[c] = self.b2[c] * x[c] - self.a2[c] * y[c];
        }
        y
    }

    pub(super) fn set_lane(&mut self, lane: usize, c: &BiquadCoefs) {
        self.b0[lane] = c.b0;
        self.b1[lane] = c.b1;
        self.b2[lane] = c.b2;
        self.a1[lane] = c.a1;
        self.a2[lane] = c.a2;
    }
}

/// The SVF of `taps` as a state-space system `u' = A u + B x`, `y = C u + D x`; returns
/// (A, C). Used to carry the state between the SVF and the direct form exactly.
pub(super) fn svf_state_space(t: &SvfTaps) -> ([[f64; 2]; 2], [f64; 2]) {
    let a = [
        [2.0 * t.a1 - 1.0, -2.0 * t.a2],
        [2.0 * t.a2, 1.0 - 2.0 * t.a3],
    ];
    let c = [
        t.m1 * t.a1 + t.m2 * t.a2,
        -t.m1 * t.a2 + t.m2 * (1.0 - t.a3),
    ];
    (a, c)
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Stage {
    pub(super) svf: StereoSvf,
    pub(super) tdf: Tdf2,
    /// Coefficients at the start of the current sub-block, their per-sample increment, and the
    /// design the interpolation lands on.
    pub(super) cur: SvfCoefs,
    pub(super) step: SvfCoefs,
    pub(super) next: SvfCoefs,
}

impl Default for Stage {
    fn default() -> Self {
        Self {
            svf: StereoSvf::default(),
            tdf: Tdf2::default(),
            cur: SvfCoefs::IDENTITY,
            step: ZERO_COEFS,
            next: SvfCoefs::IDENTITY,
        }
    }
}

impl Stage {
    pub(super) fn reset(&mut self) {
        self.svf.reset();
        self.tdf.s1 = [0.0; 2];
        self.tdf.s2 = [0.0; 2];
    }

    /// Hand the running state from the SVF to the direct form (the zero-input responses
    /// match: `s1 = y[n]`, `s2 = y[n+1] + a1 y[n]`).
    pub(super) fn svf_to_tdf(&mut self, lanes: [bool; 2]) {
        let bq = self.cur.to_biquad();
        for (lane, on) in lanes.iter().enumerate() {
            if *on {
                self.tdf.set_lane(lane, &bq);
            } else {
                self.tdf.set_lane(lane, &BiquadCoefs::IDENTITY);
            }
            let (a, c) = svf_state_space(&self.svf.lane_taps(lane));
            let u = [self.svf.ic1[lane], self.svf.ic2[lane]];
            let au = [
                a[0][0] * u[0] + a[0][1] * u[1],
                a[1][0] * u[0] + a[1][1] * u[1],
            ];
            let y0 = c[0] * u[0] + c[1] * u[1];
            let y1 = c[0] * au[0] + c[1] * au[1];
            self.tdf.s1[lane] = y0;
            self.tdf.s2[lane] = y1 + self.tdf.a1[lane] * y0;
        }
    }

    /// The inverse of [`Stage::svf_to_tdf`]: the SVF state with the same zero-input response.
    pub(super) fn tdf_to_svf(&mut self) {
        for lane in 0..2 {
            let (a, c) = svf_state_space(&self.svf.lane_taps(lane));
            let ca = [
                c[0] * a[0][0] + c[1] * a[1][0],
                c[0] * a[0][1] + c[1] * a[1][1],
            ];
            let y0 = self.tdf.s1[lane];
            let y1 = self.tdf.s2[lane] - self.tdf.a1[lane] * y0;
            // Solve [c; cA] u = [y0; y1] (the observability matrix).
            let det = c[0] * ca[1] - c[1] * ca[0];
            let scale = (c[0].abs() + c[1].abs()) * (ca[0].abs() + ca[1].abs());
            let norm_sq = c[0] * c[0] + c[1] * c[1] + ca[0] * ca[0] + ca[1] * ca[1];
            let (u0, u1) = if det.abs() > 1e-12 * scale && det.is_finite() {
                (
                    (y0 * ca[1] - c[1] * y1) / det,
                    (c[0] * y1 - ca[0] * y0) / det,
                )
            } else if norm_sq > 0.0 && norm_sq.is_finite() {
                // Rank one: a first-order section (tilt, the odd section of an odd-order pass
                // filter) has its second mode cancelled at z = 0 and unobservable. The
                // minimum-norm state, O^T y / |O|_F^2 (the pseudo-inverse of a rank-one O),
                // has the same zero-input response; zeroing it instead stepped the output.
                (
                    (c[0] * y0 + ca[0] * y1) / norm_sq,
                    (c[1] * y0 + ca[1] * y1) / norm_sq,
                )
            } else {
                // Unobservable (an identity lane): the state has no effect on the output.
                (0.0, 0.0)
            };
            self.svf.ic1[lane] = u0;
            self.svf.ic2[lane] = u1;
        }
    }
}

pub(super) const ZERO_COEFS: SvfCoefs = SvfCoefs {
    g: 0.0,
    k: 0.0,
    m0: 0.0,
    m1: 0.0,
    m2: 0.0,
};

pub(super) fn lerp_coefs(a: &SvfCoefs, b: &SvfCoefs, inv_len: f64) -> SvfCoefs {
    SvfCoefs {
        g: (b.g - a.g) * inv_len,
        k: (b.k - a.k) * inv_len,
        m0: (b.m0 - a.m0) * inv_len,
        m1: (b.m1 - a.m1) * inv_len,
        m2: (b.m2 - a.m2) * inv_len,
    }
}

pub(super) fn add_coefs(a: &SvfCoefs, s: &SvfCoefs, times: f64) -> SvfCoefs {
    SvfCoefs {
        g: a.g + s.g * times,
        k: a.k + s.k * times,
        m0: a.m0 + s.m0 * times,
        m1: a.m1 + s.m1 * times,
        m2: a.m2 + s.m2 * times,
    }
}
