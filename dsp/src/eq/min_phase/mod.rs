//! Minimum-phase EQ: analog-matched bands on modulation-safe TPT state-variable filters.
//!
//! ## Design (per band, see [`BandDesigner`])
//! Every band is its analog prototype's sections realised with exactly mapped roots
//! (`z = e^{sT}`, the impulse-invariant pole positions, so nothing cramps near Nyquist), plus at
//! most one corrector section for what remains between that and the analog magnitude:
//! - Bells, shelves, tilt: poles and zeros mapped exactly, normalised to the analog gain at f0.
//!   A root pair above 0.6 x Nyquist (a shelf's far corner, past Nyquist for f0 above ~11 kHz
//!   at +-24 dB) is also tried as a three-point magnitude fit of its own polynomial and as
//!   dropped (left to the corrector); the variant with the smallest residual wins.
//! - High-pass, notch, band-pass: the same, zeros at DC / on the unit circle exactly.
//! - Low-pass: the same, or Vicanek's matched sections ("Matched Second Order Digital Filters",
//!   2016: poles exact, numerator matched in magnitude at DC, Nyquist and f0), whichever leaves
//!   the smaller error (exact roots win at low orders, Vicanek near Nyquist at high orders).
//!
//! The corrector is a weighted least-squares fit of a second-order `|H|^2` (linear in its five
//! power terms) to the residual at 24 frequencies from DC to Nyquist (ignoring points where the
//! analog curve is below -60 dB), refined by Lawson reweighting towards the minimax fit, with
//! numerator-only and denominator-only fits as fallbacks where the full fit has no stable
//! factor. When the residual is within 0.05 dB the corrector is left out (most bands below a few
//! kHz), so those bands cost one section.
//!
//! ## Realisation and modulation
//! Moving sections run as Simper/Zavalishin TPT SVFs ([`StereoSvf`]) with f64 state. User
//! parameters (log frequency, gain in dB, log Q) follow their targets through two 2.5 ms
//! one-pole stages (no break in slope where a glide starts or ends; frequency at most 1/8
//! octave per 32 samples), the dynamic gain through its ballistics and a 0.5 ms stage, all
//! evaluated every 32 samples; a moving band is redesigned every 32
//! samples and its SVF coefficients (g, k, m0..m2) are interpolated linearly per sample in
//! between, so automation never steps. Structural changes crossfade (see below).
//! A band that has settled hands its state to a transposed direct form II (exactly: the zero-input
//! response is preserved, also for first-order sections, whose second SVF mode is unobservable)
//! and runs there at 9 operations per sample instead of 15, both channels
//! in one SSE2 register; consecutive static bands run sample-interleaved so their recursions
//! overlap. Disabled bands and static 0 dB bells/shelves/tilts without dynamics are skipped.
//!
//! ## Placement and order
//! Bands in the left/right domain (Stereo, Left, Right) run first in slot order; then, only if a
//! Mid or Side band is active, the signal is encoded to M = (L + R) / 2, S = (L - R) / 2, the
//! Mid/Side bands run in slot order, and it is decoded (L = M + S, R = M - S, exact in f64).
//! With every band off, `process` returns without touching the buffers (bit-transparent).
//!
//! ## Structural changes
//! A band's type, slope, alignment or placement, or whether it is on, cannot glide. Changing any
//! of them crossfades the whole EQ over 10 ms (smoothstep), from the outgoing configuration (every
//! band as it was, running on with its state) to the incoming one (unchanged bands continue from
//! copies of their state, changed bands restart in their new shape or stop), both on the same
//! input. So a band can change type or move between the left/right and mid/side stages without
//! a step, and the dry signal never shows through in between (a steep high-pass faded out and
//! in again would let the full signal through). A restarting band is first pre-rolled over the
//! recent input (up to 100 ms: eight time constants of its slowest pole, within a fixed budget
//! per crossfade) so it does not ring as a filter switched in cold on a running signal does.
//! Changes arriving during a crossfade start the next one when it ends. The same crossfade
//! handles a moving band whose redesign comes out in another form (the designer picked another
//! root-pair variant, exact or matched sections, or corrector kind, see [`BandDesign::form`]):
//! its sections no longer correspond, so it holds its design and restarts in the new form
//! (glide and dynamics carrying on) instead of interpolating section by section. A crossfade costs a
//! second pass of the EQ for its 10 ms.
//!
//! ## Dynamic bands
//! See [`super::dynamic`]: the detector listens to the band's input through a band-pass at the
//! band's own frequency, and its gain offset (dB) is added to the band's gain before the design
//! (the sum clamped to +-24 dB). Dynamics apply to bells, shelves and tilt; other types ignore
//! them.

#[cfg(test)]
mod automation_tests;
mod band_runtime;
mod design;
mod stage;
#[cfg(test)]
mod tests;

use band_runtime::*;
pub use design::{BandDesign, BandDesigner};

use stage::*;

use crate::util::one_pole_coef_per;
use std::f64::consts::PI;

use crate::filter::{BiquadCoefs, StereoSvf, SvfCoefs, SvfTaps, ZPoly};

use super::band::{
    analog_magnitude_db, analog_prototype, AnalogPrototype, AnalogSection, BandParams, BandType,
    EqParams, PassKind, Placement, MAX_BANDS, MAX_GAIN_DB, MAX_SECTIONS,
};
use super::dynamic::{sidechain_for, DynamicDetector};

/// Most SVFs one band needs: a 16th-order high/low-pass, or a matched section plus corrector.
pub const MAX_STAGES: usize = MAX_SECTIONS + 1;
const CHUNK: usize = 64;
/// Redesign / detection interval while a band moves.
const SUB_BLOCK: usize = 32;
/// Knob glides: two one-pole stages of half this time constant each.
const SMOOTH_MS: f64 = 5.0;
/// Second stage of a dynamic band's gain (after the attack/release one-pole).
const DYN_SMOOTH_MS: f64 = 0.5;
/// Fastest frequency glide, octaves per sub-block (see `Band::begin_sub_block`).
const MAX_GLIDE_OCTAVES: f64 = 0.125;
const FADE_MS: f64 = 10.0;
/// Input kept for warming up bands that start during a crossfade (at most
/// [`PREROLL_BUDGET`] frames).
const HISTORY_MS: f64 = 100.0;
/// A starting band pre-rolls this many time constants of its slowest pole (e^-8 = 3e-4).
const PREROLL_TIME_CONSTANTS: f64 = 8.0;
/// Section-frames all bands starting in one crossfade may pre-roll together: bounds the extra
/// work of one structural change (some 50 us) at any sample rate.
const PREROLL_BUDGET: usize = 16_384;
const FIT_POINTS: usize = 24;
/// Fit frequencies are `Nyquist * (i / 23)^0.7`: denser towards Nyquist, where residuals bend.
const FIT_SPACING_POWER: f64 = 0.7;
const CORRECTOR_SKIP_DB: f64 = 0.05;
/// For high- and low-passes a point's error counts in proportion to the analog amplitude
/// (relative to -3 dB), down to this weight: the passband, where the programme is, must be
/// exact (a minimax over all points left a 20 kHz 24 dB/oct low-pass at 44.1 kHz 0.33 dB low
/// at 100 Hz), while the skirt near Nyquist may bend.
const SKIRT_WEIGHT: f64 = 0.03;
/// A low-pass fitted without skirt weighting is kept while its passband is this close.
const PASSBAND_OK_DB: f64 = 0.1;
/// Fit points where the analog response is below this do not steer the corrector.
const FIT_FLOOR_DB: f64 = -60.0;
const LAWSON_PASSES: usize = 2;
/// A corrector fit this close needs no further refinement.
const GOOD_ENOUGH_DB: f64 = 0.02;
/// The numerator-only / denominator-only fallbacks run only if the full fit is worse than this.
const FALLBACK_FITS_ABOVE_DB: f64 = 0.1;
/// Root pairs above this fraction of Nyquist also try the fitted and dropped variants.
const NEAR_NYQUIST: f64 = 0.6;
/// Root pairs above this fraction of Nyquist cannot be mapped exactly.
const MATCHED_LIMIT: f64 = 0.99;
/// Smoothed parameters snap to their targets once this close (octaves, dB, natural-log Q).
const SNAP_OCTAVES: f64 = 1e-6;
const SNAP_DB: f64 = 1e-5;
const SNAP_LOG_Q: f64 = 1e-6;
/// A moving band is redesigned once it is this far from its last design (and once more when it
/// settles); in between, coefficients keep gliding towards the last design.
const REDESIGN_OCTAVES: f64 = 1e-3;
const REDESIGN_DB: f64 = 0.01;
const REDESIGN_LOG_Q: f64 = 1e-3;

/// The minimum-phase EQ: 10 band slots on stereo audio.
pub struct MinPhaseEq {
    sample_rate: f64,
    designer: BandDesigner,
    /// The configuration in effect (the incoming one during a crossfade).
    bands: [Band; MAX_BANDS],
    /// The outgoing configuration during a crossfade: the bands as they were when it began,
    /// still running with their state (allocated once in `new`).
    outgoing: Box<[Band; MAX_BANDS]>,
    /// Weight of `bands` in the output: 1 except during a crossfade, where it ramps from 0.
    mix: f64,
    /// The last input frames (a ring, oldest at `history_pos`), to pre-roll starting bands.
    history: Box<[[f32; 2]]>,
    history_pos: usize,
    /// Some band's target differs structurally from what it runs: start a crossfade as soon as
    /// none is running.
    pending: bool,
    /// 1 / time constant, per sample, of each of the two knob-glide stages.
    glide_rate: f64,
    fade_step: f64,
    /// Nothing processed since construction or reset: parameter changes apply at once.
    fresh: bool,
}

impl MinPhaseEq {
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Every band takes on its target at once, from rest; no crossfade.
    fn apply_at_once(&mut self) {
        for band in self.bands.iter_mut() {
            if band.target.enabled {
                band.adopt(&self.designer);
            } else {
                band.stop();
            }
        }
        for old in self.outgoing.iter_mut() {
            old.stop();
        }
        self.mix = 1.0;
        self.pending = false;
    }

    /// Momentary gain of band `i` in dB (static gain plus dynamic offset; 0 for types without
    /// gain or bands that are off), for the GUI.
    pub fn band_gain_db(&self, i: usize) -> f64 {
        match self.bands.get(i) {
            Some(b) if b.running && b.structure.kind.uses_gain() => b.total_gain_db(),
            _ => 0.0,
        }
    }

    /// Summed analog response (dB) at `freq_hz` of the running bands of each placement, indexed
    /// like [`Placement::ALL`] (Stereo, Left, Right, Mid, Side), with momentary parameters
    /// (during a crossfade, both configurations weighted by their share of the mix).
    pub fn response_db(&self, freq_hz: f64) -> [f64; 5] {
        let mut out = [0.0; 5];
        let mut add = |bands: &[Band; MAX_BANDS], weight: f64| {
            for b in bands.iter().filter(|b| b.running) {
                let p = b.params_now();
                out[p.placement.index()] += weight * analog_magnitude_db(&p, freq_hz);
            }
        };
        add(&self.bands, self.mix);
        if self.mix < 1.0 {
            add(&self.outgoing, 1.0 - self.mix);
        }
        out
    }

    /// The design the band in slot `i` currently runs (for tests and diagnostics).
    pub fn band_design(&self, i: usize) -> Option<BandDesign> {
        let b = self.bands.get(i).filter(|b| b.running)?;
        let mut d = BandDesign::new();
        for s in &b.stages[..b.n_stages] {
            d.push(s.cur);
        }
        Some(d)
    }

    /// Append input frames to the history ring.
    fn record(&mut self, left: &[f32], right: &[f32]) {
        let len = self.history.len();
        let n = left.len().min(right.len());
        let skip = n.saturating_sub(len);
        for (&l, &r) in left[skip..n].iter().zip(&right[skip..n]) {
            self.history[self.history_pos] = [l, r];
            self.history_pos += 1;
            if self.history_pos == len {
                self.history_pos = 0;
            }
        }
    }

    /// Begin a crossfade to the targets: the current bands become the outgoing configuration
    /// (state and all), and in the incoming one every band whose target differs structurally
    /// restarts in its new shape (or stops), pre-rolled over the recent input. Both run on the
    /// same input until the mix has moved over, so a band changing type, or moving between the
    /// left/right and mid/side stages, never steps; the dry signal is not involved. The last
    /// `ahead` recorded frames are not yet processed (they follow the crossfade's start).
    fn start_crossfade(&mut self, ahead: usize) {
        // The history up to the crossfade's start, oldest first, as two slices of the ring.
        let (pos, len) = (self.history_pos, self.history.len());
        let (past, recent) = if pos >= ahead {
            (&self.history[pos..], &self.history[..pos - ahead])
        } else {
            (&self.history[pos..len - (ahead - pos)], &[][..])
        };
        let mut budget = PREROLL_BUDGET;
        for (old, band) in self.outgoing.iter_mut().zip(self.bands.iter_mut()) {
            if band.running {
                old.clone_from(band);
            } else {
                old.running = false;
            }
            if band.needs_restart() {
                if band.target.enabled {
                    band.adopt(&self.designer);
                    band.preroll(past, recent, &mut budget);
                } else {
                    band.stop();
                }
            } else if band.reform {
                // The outgoing copy keeps holding the old form while it fades out.
                band.reform(&self.designer);
                band.preroll(past, recent, &mut budget);
            }
        }
        self.mix = 0.0;
        self.pending = false;
    }
}

impl crate::Stage for MinPhaseEq {
    type Params = EqParams;

    fn new(sample_rate: f64, params: &EqParams) -> Self {
        let sample_rate = crate::util::sample_rate_or_default(sample_rate);
        let mut eq = Self {
            sample_rate,
            designer: BandDesigner::new(sample_rate),
            bands: std::array::from_fn(|_| Band::new(sample_rate)),
            outgoing: Box::new(std::array::from_fn(|_| Band::new(sample_rate))),
            mix: 1.0,
            history: vec![
                [0.0; 2];
                ((HISTORY_MS * 1e-3 * sample_rate).ceil() as usize).min(PREROLL_BUDGET)
                    + CHUNK
            ]
            .into_boxed_slice(),
            history_pos: 0,
            pending: false,
            glide_rate: 2.0 / (SMOOTH_MS * 1e-3 * sample_rate),
            fade_step: 1.0 / (FADE_MS * 1e-3 * sample_rate),
            fresh: true,
        };
        eq.set_params(params);
        eq
    }
    /// New settings (clamped; f0 held below Nyquist). Knob changes glide, structural changes
    /// crossfade; before the first `process` after `new`/`reset` everything applies at once.
    fn set_params(&mut self, params: &EqParams) {
        for (band, p) in self.bands.iter_mut().zip(params.bands.iter()) {
            band.target = p.clamped().held_below_nyquist(self.sample_rate);
        }
        // The outgoing bands keep following the knobs while they fade.
        for (old, band) in self.outgoing.iter_mut().zip(self.bands.iter()) {
            old.target = band.target;
        }
        if self.fresh {
            self.apply_at_once();
        } else {
            self.pending = self.bands.iter().any(|b| b.needs_restart() || b.reform);
        }
    }
    /// Clear all filter and detector state; current settings apply at once.
    fn reset(&mut self) {
        self.fresh = true;
        self.history.fill([0.0; 2]);
        self.history_pos = 0;
        self.apply_at_once();
    }
    /// Process planar stereo in place (any length).
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        self.fresh = false;
        let frames = left.len().min(right.len());
        if self.mix == 1.0 && !self.pending && !self.bands.iter().any(|b| b.running) {
            self.record(&left[..frames], &right[..frames]);
            return;
        }
        let mut pos = 0;
        while pos < frames {
            let len = (frames - pos).min(CHUNK);
            self.record(&left[pos..pos + len], &right[pos..pos + len]);
            let mut buf = [[0.0f64; 2]; CHUNK];
            for (i, f) in buf[..len].iter_mut().enumerate() {
                *f = [f64::from(left[pos + i]), f64::from(right[pos + i])];
            }
            let mut sub = 0;
            while sub < len {
                let end = (sub + SUB_BLOCK).min(len);
                if self.pending && self.mix == 1.0 {
                    self.start_crossfade(len - sub);
                }
                let buf = &mut buf[sub..end];
                if self.mix < 1.0 {
                    let mut old = [[0.0f64; 2]; SUB_BLOCK];
                    let old = &mut old[..buf.len()];
                    old.copy_from_slice(buf);
                    run_config(&mut self.outgoing, &self.designer, self.glide_rate, old);
                    run_config(&mut self.bands, &self.designer, self.glide_rate, buf);
                    for (y, o) in buf.iter_mut().zip(old.iter()) {
                        self.mix = (self.mix + self.fade_step).min(1.0);
                        // Smoothstep: the fade starts and ends without a change of slope, so
                        // the difference between the two configurations is never kinked in.
                        let w = self.mix * self.mix * (3.0 - 2.0 * self.mix);
                        *y = [o[0] + w * (y[0] - o[0]), o[1] + w * (y[1] - o[1])];
                    }
                    if self.mix == 1.0 {
                        for old in self.outgoing.iter_mut() {
                            old.stop();
                        }
                    }
                } else {
                    run_config(&mut self.bands, &self.designer, self.glide_rate, buf);
                }
                self.pending |= self.bands.iter().any(|b| b.reform);
                sub = end;
            }
            for (i, f) in buf[..len].iter().enumerate() {
                left[pos + i] = f[0] as f32;
                right[pos + i] = f[1] as f32;
            }
            for band in self.bands.iter_mut().filter(|b| b.running) {
                band.sanitize();
            }
            if self.mix < 1.0 {
                for old in self.outgoing.iter_mut().filter(|b| b.running) {
                    old.sanitize();
                }
            }
            pos += len;
        }
    }
    fn latency(&self) -> usize {
        0
    }
}
