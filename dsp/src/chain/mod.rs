//! The mastering chain: input gain -> EQ -> compressor -> multiband -> saturation -> imager ->
//! limiter -> dither -> output gain, the same code in the plugin and in the offline renderer.
//!
//! Block-size invariance. The chain runs its kernels on a fixed grid of `BLOCK` frames counted
//! from the start of the stream, buffering one block (that is part of the reported latency).
//! Every kernel therefore sees the same chunks whatever the host's buffer sizes, so a render is
//! bit-identical to playback. Parameter changes are queued with their position inside the
//! block being filled and applied at exactly that sample when the block is processed, which
//! keeps automation sample-accurate. All smoothing lives in the kernels and runs per sample
//! from the targets given here.
//!
//! Latency. Every module keeps its latency in the total whether it is enabled or not (a
//! disabled module is replaced by a delay of the same length), so switching a module never
//! shifts the audio in time. Module switches cross-fade over `FADE_MS` against that delayed
//! dry signal. The global bypass cross-fades against the input delayed by the whole chain.

use crate::dither::{Dither, DitherParams};
use crate::dynamics::compressor::{Compressor, CompressorParams};
use crate::dynamics::multiband::{MultibandCompressor, MultibandParams};
use crate::dynamics::{Limiter, LimiterParams};
use crate::eq::band::EqParams;
use crate::eq::linear_phase::{LinearPhaseEq, LinearPhaseKernel, LinearPhaseLatency};
use crate::eq::matching::{MatchEq, MatchParams};
use crate::eq::min_phase::MinPhaseEq;
use crate::eq::solo::BandSolo;
use crate::filter::crossover::MAX_BANDS as MB_BANDS;
use crate::imager::{Imager, ImagerParams};
use crate::meter::{MeterSet, MeterSnapshot};
use crate::saturation::{SaturationParams, Saturator};
use crate::util::{flush_non_normal, one_pole_coef_per, Fade, GainRamp, StereoDelay};
use crate::Stage;

mod params;
mod slot;
#[cfg(test)]
mod tests;

pub use params::*;
use slot::*;

/// Fixed processing grid, in frames. One block of buffering is part of the latency.
pub const BLOCK: usize = 64;
/// Module enable and global bypass cross-fade.
pub const FADE_MS: f64 = 10.0;
/// Input and output gain smoothing (dB-linear).
pub const GAIN_SMOOTHING_MS: f64 = 20.0;
/// Gain-matched listening follows the loudness difference with this time constant.
pub const MATCH_SMOOTHING_MS: f64 = 1000.0;
/// Largest correction gain-matched listening applies, either way.
pub const MATCH_RANGE_DB: f64 = 24.0;
/// Output gain and bypass changes in flight through the chain's latency.
const POST_EVENTS: usize = 1024;
/// Parameter changes that can be queued inside one block; later ones replace the last.
const MAX_PENDING: usize = 8;
/// Bound on the saturation oversampler's delay (8x: three half-band stages).
const MAX_SATURATION_LATENCY: usize = 512;
/// Fade out, reorder, fade in: each ramp is this long.
const REORDER_FADE_MS: f64 = 5.0;

/// Everything the chain runs, in chain order.
pub struct MasteringChain {
    sample_rate: f64,
    /// Settings in effect at the current processing position.
    params: ChainParams,
    /// The last settings handed in (pending or applied).
    requested: ChainParams,
    pending: Box<[ChainParams]>,
    pending_pos: [usize; MAX_PENDING],
    pending_len: usize,
    input: [[f32; BLOCK]; 2],
    output: [[f32; BLOCK]; 2],
    fill: usize,
    input_gain: GainRamp,
    output_gain: GainRamp,
    eq_min: MinPhaseEq,
    eq_linear: LinearPhaseEq,
    eq_solo: BandSolo,
    eq_match: MatchEq,
    compressor: Compressor,
    multiband: MultibandCompressor,
    saturator: Saturator,
    imager: Imager,
    limiter: Limiter,
    dither: Dither,
    /// Indexed by `Module::index()`, then limiter (5) and dither (6).
    slots: [Slot; 7],
    order: [Module; 5],
    reorder: ReorderPhase,
    section_fade: Fade,
    bypass: Fade,
    bypass_dry: StereoDelay,
    /// A redesign of the linear-phase EQ is wanted for these settings.
    linear_request: Option<(EqParams, LinearPhaseLatency)>,
    input_meter: MeterSet,
    output_meter: MeterSet,
    match_db: f64,
    match_coef: f64,
    match_ramp: GainRamp,
    gain_reduction: GainReduction,
    /// Samples run through the modules since the start (or reset).
    run_pos: u64,
    /// (due run position, output gain dB, bypass), oldest first.
    post_events: Box<[(u64, f64, bool)]>,
    post_head: usize,
    post_len: usize,
}

impl MasteringChain {
    /// Allocates everything for the longest settings at `sample_rate` (up to 768 kHz).
    pub fn new(sample_rate: f64, params: &ChainParams) -> Self {
        let sample_rate = sample_rate.clamp(8_000.0, 768_000.0);
        let p = params.clamped();
        let max_linear = LinearPhaseLatency::High.latency_samples(sample_rate);
        let ms = |v: f64| (v * 1e-3 * sample_rate).ceil() as usize + 2;
        let max_dynamics = ms(crate::dynamics::compressor::MAX_LOOKAHEAD_MS);
        let max_saturation = MAX_SATURATION_LATENCY;
        let max_limiter = Limiter::max_latency(sample_rate);
        let max_total = max_linear + 2 * max_dynamics + max_saturation + max_limiter;
        let lp_size = match p.eq_mode {
            EqMode::LinearPhase(size) => size,
            EqMode::MinimumPhase => LinearPhaseLatency::Medium,
        };
        let mut eq_min = MinPhaseEq::new(sample_rate, &EqParams::default());
        eq_min.set_params(&p.eq);
        let slot = |on: bool, max: usize| Slot::new(on, sample_rate, max);
        let mut chain = Self {
            sample_rate,
            params: p,
            requested: p,
            pending: vec![p; MAX_PENDING].into_boxed_slice(),
            pending_pos: [0; MAX_PENDING],
            pending_len: 0,
            input: [[0.0; BLOCK]; 2],
            output: [[0.0; BLOCK]; 2],
            fill: 0,
            input_gain: GainRamp::new(sample_rate, GAIN_SMOOTHING_MS),
            output_gain: GainRamp::new(sample_rate, GAIN_SMOOTHING_MS),
            eq_min,
            eq_linear: LinearPhaseEq::new(sample_rate, lp_size),
            eq_solo: BandSolo::new(sample_rate),
            eq_match: {
                let mut m = MatchEq::new(sample_rate, &MatchParams::default());
                m.set_params(&p.eq_match);
                m.reset();
                m
            },
            compressor: Compressor::new(sample_rate, &p.compressor),
            multiband: MultibandCompressor::new(sample_rate, &p.multiband),
            saturator: Saturator::new(sample_rate, &p.saturation),
            imager: Imager::new(sample_rate, &p.imager),
            limiter: Limiter::new(sample_rate, &p.limiter),
            dither: Dither::new(sample_rate, &p.dither),
            slots: [
                slot(p.eq_enabled, max_linear),
                slot(p.compressor_enabled, max_dynamics),
                slot(p.multiband_enabled, max_dynamics),
                slot(p.saturation_enabled, max_saturation),
                slot(p.imager_enabled, 0),
                slot(p.limiter_enabled, max_limiter),
                slot(p.dither_enabled, 0),
            ],
            order: p.order,
            reorder: ReorderPhase::Idle,
            section_fade: Fade::new(true, sample_rate, REORDER_FADE_MS),
            bypass: Fade::new(!p.bypass, sample_rate, FADE_MS),
            bypass_dry: StereoDelay::new(max_total, BLOCK),
            linear_request: None,
            input_meter: MeterSet::new(sample_rate),
            output_meter: MeterSet::new(sample_rate),
            match_db: 0.0,
            match_coef: one_pole_coef_per(BLOCK as f64, MATCH_SMOOTHING_MS, sample_rate),
            match_ramp: GainRamp::new(sample_rate, GAIN_SMOOTHING_MS),
            gain_reduction: GainReduction::default(),
            run_pos: 0,
            post_events: vec![(0, 0.0, false); POST_EVENTS].into_boxed_slice(),
            post_head: 0,
            post_len: 0,
        };
        chain.input_gain.set_target(p.input_gain_db);
        chain.input_gain.snap();
        chain.output_gain.set_target(p.output_gain_db);
        chain.output_gain.snap();
        if let EqMode::LinearPhase(size) = p.eq_mode {
            chain.linear_request = Some((p.eq, size));
        }
        chain.update_delays();
        chain
    }

    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// The settings most recently handed in (some may still wait for their sample).
    pub fn requested_params(&self) -> &ChainParams {
        &self.requested
    }

    /// Latency of each module, in slot order (EQ, compressor, multiband, saturation, imager,
    /// limiter, dither).
    fn module_latencies(&self) -> [usize; 7] {
        let eq = match self.params.eq_mode {
            EqMode::MinimumPhase => self.eq_min.latency(),
            EqMode::LinearPhase(_) => self.eq_linear.latency(),
        };
        [
            eq,
            self.compressor.latency(),
            self.multiband.latency(),
            self.saturator.latency(),
            0,
            self.limiter.latency(),
            0,
        ]
    }

    /// Total delay from input to output, in samples, for the settings in effect.
    pub fn latency(&self) -> usize {
        BLOCK + self.module_latencies().iter().sum::<usize>()
    }

    fn section_latency(&self) -> usize {
        self.module_latencies()[..5].iter().sum()
    }

    fn update_delays(&mut self) {
        let lat = self.module_latencies();
        for (slot, &l) in self.slots.iter_mut().zip(&lat) {
            slot.dry.set_delay(l);
        }
        self.bypass_dry.set_delay(lat.iter().sum());
    }

    /// Hand in new settings. They take effect at the current stream position (the next sample
    /// of the next `process` call), sample-accurately; identical settings cost nothing.
    pub fn set_params(&mut self, params: &ChainParams) {
        if *params == self.requested {
            return;
        }
        self.requested = *params;
        let p = params.clamped();
        if self.pending_len > 0 && self.pending_pos[self.pending_len - 1] == self.fill {
            self.pending[self.pending_len - 1] = p;
        } else if self.pending_len < MAX_PENDING {
            self.pending[self.pending_len] = p;
            self.pending_pos[self.pending_len] = self.fill;
            self.pending_len += 1;
        } else {
            // Full: the newest settings replace the last queued ones (at its position).
            self.pending[MAX_PENDING - 1] = p;
        }
    }

    /// A linear-phase redesign the caller should run off the audio thread (then hand the
    /// kernel to `install_linear_phase_kernel`). Returns each request once.
    pub fn take_linear_phase_request(&mut self) -> Option<(EqParams, LinearPhaseLatency)> {
        self.linear_request.take()
    }

    /// The linear-phase size in use, if the EQ runs in linear phase.
    pub fn linear_phase_size(&self) -> Option<LinearPhaseLatency> {
        match self.params.eq_mode {
            EqMode::LinearPhase(size) => Some(size),
            EqMode::MinimumPhase => None,
        }
    }

    /// Put back a request the caller could not hand on yet (a newer one, if any, wins).
    pub fn restore_linear_phase_request(&mut self, eq: EqParams, size: LinearPhaseLatency) {
        if self.linear_request.is_none() {
            self.linear_request = Some((eq, size));
        }
    }

    /// Install a kernel designed off the audio thread. Returns the kernel it replaces, or the
    /// new one if it does not fit (wrong rate): drop it off the audio thread.
    pub fn install_linear_phase_kernel(
        &mut self,
        kernel: Box<LinearPhaseKernel>,
    ) -> Option<Box<LinearPhaseKernel>> {
        let old = self.eq_linear.swap_kernel(kernel);
        self.update_delays();
        old
    }

    /// A kernel the linear-phase EQ has finished with (drop it off the audio thread).
    pub fn take_retired_kernel(&mut self) -> Option<Box<LinearPhaseKernel>> {
        self.eq_linear.take_retired()
    }

    /// Design and install the pending linear-phase kernel right here (allocates: for the
    /// offline renderer, tests and activation, never the audio thread).
    pub fn design_linear_phase_now(&mut self) {
        if let Some((eq, size)) = self.linear_request.take() {
            let kernel = crate::eq::linear_phase::LinearPhaseDesigner::new().design_kernel(
                &eq,
                self.sample_rate,
                size,
            );
            drop(self.install_linear_phase_kernel(kernel));
            while self.take_retired_kernel().is_some() {}
        }
    }

    /// Clear every signal state and meter; settings handed in take effect at once, without
    /// a glide.
    pub fn reset(&mut self) {
        self.restart_processing();
        self.input_meter.reset();
        self.output_meter.reset();
    }

    /// Like `reset`, but the meters keep measuring: for a loaded state, whose settings must
    /// start where they are saved rather than glide there, while the programme goes on.
    pub fn restart_processing(&mut self) {
        self.input = [[0.0; BLOCK]; 2];
        self.output = [[0.0; BLOCK]; 2];
        self.fill = 0;
        self.apply_pending_all();
        for m in Module::ALL {
            self.reset_module(m);
        }
        for slot in &mut self.slots {
            slot.fade.snap();
            slot.dry.reset();
        }
        self.bypass.snap();
        self.bypass_dry.reset();
        self.section_fade = Fade::new(true, self.sample_rate, REORDER_FADE_MS);
        self.order = self.params.order;
        self.reorder = ReorderPhase::Idle;
        self.input_gain.snap();
        self.output_gain.snap();
        self.match_db = 0.0;
        self.match_ramp.set_target(0.0);
        self.match_ramp.snap();
        self.gain_reduction = GainReduction::default();
        // Whatever was in flight takes effect now.
        self.output_gain.set_target(self.params.output_gain_db);
        self.output_gain.snap();
        self.bypass.set(!self.params.bypass);
        self.bypass.snap();
        self.run_pos = 0;
        self.post_head = 0;
        self.post_len = 0;
        self.update_delays();
    }

    fn apply_pending_all(&mut self) {
        for i in 0..self.pending_len {
            let p = self.pending[i];
            self.apply(&p);
        }
        self.pending_len = 0;
    }

    /// Meters of the chain's input (before input gain) and output (after output gain, before
    /// gain-matched listening).
    pub fn input_meter(&mut self) -> &mut MeterSet {
        &mut self.input_meter
    }

    pub fn output_meter(&mut self) -> &mut MeterSet {
        &mut self.output_meter
    }

    pub fn take_meter_snapshots(&mut self) -> (MeterSnapshot, MeterSnapshot) {
        (
            self.input_meter.take_snapshot(),
            self.output_meter.take_snapshot(),
        )
    }

    /// Gain reduction of every dynamics stage since the previous call.
    pub fn take_gain_reduction(&mut self) -> GainReduction {
        std::mem::take(&mut self.gain_reduction)
    }

    /// The gain gain-matched listening applies now, dB.
    pub fn gain_match_db(&self) -> f64 {
        self.match_ramp.db
    }

    /// Process in place, any length. Output is the input delayed by `latency()`.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let frames = left.len().min(right.len());
        let mut i = 0;
        while i < frames {
            let n = (BLOCK - self.fill).min(frames - i);
            let range = self.fill..self.fill + n;
            self.input[0][range.clone()].copy_from_slice(&left[i..i + n]);
            self.input[1][range.clone()].copy_from_slice(&right[i..i + n]);
            left[i..i + n].copy_from_slice(&self.output[0][range.clone()]);
            right[i..i + n].copy_from_slice(&self.output[1][range]);
            self.fill += n;
            i += n;
            if self.fill == BLOCK {
                self.process_block();
                self.fill = 0;
            }
        }
    }

    fn process_block(&mut self) {
        let [mut l, mut r] = self.input;
        // Bad input never reaches a kernel: NaN/Inf become silence, denormals zero.
        flush_non_normal(&mut l);
        flush_non_normal(&mut r);
        self.input_meter.process(&l, &r);
        let mut start = 0;
        for k in 0..self.pending_len {
            let pos = self.pending_pos[k];
            if pos > start {
                self.run(&mut l[start..pos], &mut r[start..pos]);
                start = pos;
            }
            let p = self.pending[k];
            self.apply(&p);
        }
        self.pending_len = 0;
        if start < BLOCK {
            self.run(&mut l[start..], &mut r[start..]);
        }
        self.output = [l, r];
    }

    /// Apply settings at the current position.
    fn apply(&mut self, p: &ChainParams) {
        let old = self.params;
        self.params = *p;
        self.input_gain.set_target(p.input_gain_db);
        if p.eq != old.eq {
            self.eq_min.set_params(&p.eq);
        }
        if p.eq_match != old.eq_match {
            self.eq_match.set_params(&p.eq_match);
        }
        if p.eq_solo != old.eq_solo || (p.eq_solo.is_some() && p.eq != old.eq) {
            let band = p
                .eq_solo
                .and_then(|i| p.eq.bands.get(i))
                .filter(|b| b.enabled);
            self.eq_solo.set_band(band);
        }
        if p.eq_mode != old.eq_mode || (p.eq != old.eq && p.eq_mode != EqMode::MinimumPhase) {
            if let EqMode::LinearPhase(size) = p.eq_mode {
                self.linear_request = Some((p.eq, size));
            }
        }
        if p.eq_mode != old.eq_mode {
            // Different latency: the other EQ starts from silence.
            self.eq_min.reset();
            self.eq_linear.reset();
        }
        if p.compressor != old.compressor {
            self.compressor.set_params(&p.compressor);
        }
        if p.multiband != old.multiband {
            self.multiband.set_params(&p.multiband);
        }
        if p.saturation != old.saturation {
            self.saturator.set_params(&p.saturation);
        }
        if p.imager != old.imager {
            self.imager.set_params(&p.imager);
        }
        if p.limiter != old.limiter {
            self.limiter.set_params(&p.limiter);
        }
        if p.dither != old.dither {
            self.dither.set_params(&p.dither);
        }
        let enabled = [
            p.eq_enabled,
            p.compressor_enabled,
            p.multiband_enabled,
            p.saturation_enabled,
            p.imager_enabled,
            p.limiter_enabled,
            p.dither_enabled,
        ];
        for (slot, on) in self.slots.iter_mut().zip(enabled) {
            slot.fade.set(on);
        }
        if p.output_gain_db != old.output_gain_db || p.bypass != old.bypass {
            let due = self.run_pos + self.module_latencies().iter().sum::<usize>() as u64;
            let event = (due, p.output_gain_db, p.bypass);
            if self.post_len < POST_EVENTS {
                self.post_events[(self.post_head + self.post_len) % POST_EVENTS] = event;
                self.post_len += 1;
            } else {
                // Full (dense automation through a long latency): the newest replaces the last.
                self.post_events[(self.post_head + POST_EVENTS - 1) % POST_EVENTS] = event;
            }
        }
        if p.order != self.order && matches!(self.reorder, ReorderPhase::Idle) {
            self.reorder = ReorderPhase::FadingOut;
            self.section_fade.set(false);
        }
        self.update_delays();
    }

    /// Run one stretch of a block (at most `BLOCK` frames) with the settings in effect.
    fn run(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        let mut dry_l = [0.0f32; BLOCK];
        let mut dry_r = [0.0f32; BLOCK];
        dry_l[..n].copy_from_slice(left);
        dry_r[..n].copy_from_slice(right);
        self.bypass_dry.process(&mut dry_l[..n], &mut dry_r[..n]);

        self.input_gain.apply(left, right);
        self.run_section(left, right);
        for m in Module::TAIL {
            self.run_slot(m, left, right);
        }
        // The stages after the modules take their settings `latency` samples late, so an
        // automation event acts on the audio that arrived with it.
        let mut start = 0;
        while start < n {
            let mut end = n;
            while self.post_len > 0 {
                let (due, out_db, bypass) = self.post_events[self.post_head];
                let offset = due.saturating_sub(self.run_pos + start as u64);
                if offset as usize >= n - start {
                    end = end.min(start + offset as usize);
                    break;
                }
                if offset > 0 {
                    end = start + offset as usize;
                    break;
                }
                self.output_gain.set_target(out_db);
                self.bypass.set(!bypass);
                self.post_head = (self.post_head + 1) % POST_EVENTS;
                self.post_len -= 1;
            }
            self.post(
                &mut left[start..end],
                &mut right[start..end],
                &dry_l[start..end],
                &dry_r[start..end],
            );
            start = end;
        }
        self.run_pos += n as u64;
        flush_non_normal(left);
        flush_non_normal(right);
    }

    /// Output gain, output meter, gain-matched listening and the global bypass.
    fn post(&mut self, left: &mut [f32], right: &mut [f32], dry_l: &[f32], dry_r: &[f32]) {
        let n = left.len();
        if n == 0 {
            return;
        }
        self.output_gain.apply(left, right);
        self.output_meter.process(left, right);

        // Gain-matched listening: follow input minus output short-term loudness.
        let target = if self.params.gain_match {
            let (i, o) = (
                self.input_meter.loudness.short_term_lufs(),
                self.output_meter.loudness.short_term_lufs(),
            );
            if i.is_finite() && o.is_finite() {
                (i - o).clamp(-MATCH_RANGE_DB, MATCH_RANGE_DB)
            } else {
                self.match_db
            }
        } else {
            0.0
        };
        self.match_db += (target - self.match_db) * self.match_coef * n as f64 / BLOCK as f64;
        if !self.params.gain_match && self.match_db.abs() < 1e-4 {
            self.match_db = 0.0;
        }
        self.match_ramp.set_target(self.match_db);
        self.match_ramp.apply(left, right);

        if !self.bypass.is_on() {
            let mut mix = [0.0f32; BLOCK];
            self.bypass.fill(&mut mix[..n]);
            blend(left, dry_l, &mix[..n]);
            blend(right, dry_r, &mix[..n]);
        }
    }

    /// The reorderable modules in the current order, with the reorder fade around them.
    fn run_section(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        for m in self.order {
            self.run_slot(m, left, right);
        }
        if matches!(self.reorder, ReorderPhase::Idle) {
            return;
        }
        let mut gain = [0.0f32; BLOCK];
        self.section_fade.fill(&mut gain[..n]);
        for (x, g) in left
            .iter_mut()
            .zip(&gain)
            .chain(right.iter_mut().zip(&gain))
        {
            *x *= g;
        }
        match self.reorder {
            ReorderPhase::FadingOut if self.section_fade.value == 0.0 => {
                // Silent now: reorder, clear what the old order left in the modules, and wait
                // for their latency to pass before fading the new order in.
                self.order = self.params.order;
                for m in Module::DEFAULT_ORDER {
                    self.reset_module(m);
                }
                self.reorder = ReorderPhase::Waiting(self.section_latency());
            }
            ReorderPhase::Waiting(left_to_wait) => {
                if left_to_wait <= n {
                    self.section_fade.set(true);
                    self.reorder = ReorderPhase::FadingIn;
                } else {
                    self.reorder = ReorderPhase::Waiting(left_to_wait - n);
                }
            }
            ReorderPhase::FadingIn if self.section_fade.value == 1.0 => {
                self.reorder = ReorderPhase::Idle;
                // Another reorder may have been asked for meanwhile.
                if self.params.order != self.order {
                    self.reorder = ReorderPhase::FadingOut;
                    self.section_fade.set(false);
                }
            }
            _ => {}
        }
    }

    fn run_slot(&mut self, module: Module, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        let slot = &mut self.slots[module.index()];
        let latency = slot.dry.delay();
        let off = slot.fade.is_off();
        let on = slot.fade.is_on();
        if off {
            slot.warmup = 0;
            // Disabled: just its delay, so the timing never changes.
            if latency > 0 {
                slot.dry.process(left, right);
            }
            return;
        }
        let mut dry_l = [0.0f32; BLOCK];
        let mut dry_r = [0.0f32; BLOCK];
        if !on || latency > 0 {
            dry_l[..n].copy_from_slice(left);
            dry_r[..n].copy_from_slice(right);
            slot.dry.process(&mut dry_l[..n], &mut dry_r[..n]);
        }
        if slot.fade.value == 0.0 && slot.warmup == 0 && slot.fade.target == 1.0 {
            // Switching on from off: start from clean state rather than a stale tail.
            slot.warmup = latency;
            self.reset_module(module);
        }
        self.process_module(module, left, right);
        let slot = &mut self.slots[module.index()];
        if slot.warmup > 0 {
            slot.warmup = slot.warmup.saturating_sub(n);
            if slot.warmup > 0 {
                left.copy_from_slice(&dry_l[..n]);
                right.copy_from_slice(&dry_r[..n]);
                return;
            }
            // Warm: the fade starts here (its first steps are a few thousandths).
        }
        if !on {
            let mut mix = [0.0f32; BLOCK];
            slot.fade.fill(&mut mix[..n]);
            blend(left, &dry_l[..n], &mix[..n]);
            blend(right, &dry_r[..n], &mix[..n]);
        }
    }

    fn reset_module(&mut self, module: Module) {
        match module {
            Module::Eq => {
                self.eq_min.reset();
                self.eq_linear.reset();
                self.eq_match.reset();
                self.eq_solo.reset();
            }
            Module::Compressor => self.compressor.reset(),
            Module::Multiband => self.multiband.reset(),
            Module::Saturation => self.saturator.reset(),
            Module::Imager => self.imager.reset(),
            Module::Limiter => self.limiter.reset(),
            Module::Dither => self.dither.reset(),
        }
    }

    fn process_module(&mut self, module: Module, left: &mut [f32], right: &mut [f32]) {
        match module {
            Module::Eq => {
                match self.params.eq_mode {
                    EqMode::MinimumPhase => self.eq_min.process(left, right),
                    EqMode::LinearPhase(_) => self.eq_linear.process(left, right),
                }
                self.eq_match.process(left, right);
                self.eq_solo.process(left, right);
            }
            Module::Compressor => {
                self.compressor.process(left, right);
                let gr = self.compressor.take_gain_reduction_db();
                self.gain_reduction.compressor_db = self.gain_reduction.compressor_db.min(gr);
            }
            Module::Multiband => {
                self.multiband.process(left, right);
                for b in 0..MB_BANDS {
                    let gr = self.multiband.take_gain_reduction_db(b);
                    let m = &mut self.gain_reduction.multiband_db[b];
                    *m = m.min(gr);
                }
            }
            Module::Saturation => self.saturator.process(left, right),
            Module::Imager => self.imager.process(left, right),
            Module::Limiter => {
                self.limiter.process(left, right);
                let gr = self.limiter.take_gain_reduction_db();
                self.gain_reduction.limiter_db = self.gain_reduction.limiter_db.min(gr);
            }
            Module::Dither => self.dither.process(left, right),
        }
    }
}
