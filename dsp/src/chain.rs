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
use crate::util::{db_to_gain_f64, flush_non_normal, one_pole_coef_per};
use crate::Stage;

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

/// The modules whose order can change. The limiter and dither always come last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Module {
    Eq,
    Compressor,
    Multiband,
    Saturation,
    Imager,
}

impl Module {
    pub const DEFAULT_ORDER: [Module; 5] = [
        Module::Eq,
        Module::Compressor,
        Module::Multiband,
        Module::Saturation,
        Module::Imager,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Module::Eq => "EQ",
            Module::Compressor => "Compressor",
            Module::Multiband => "Multiband",
            Module::Saturation => "Saturation",
            Module::Imager => "Imager",
        }
    }

    pub fn index(self) -> usize {
        match self {
            Module::Eq => 0,
            Module::Compressor => 1,
            Module::Multiband => 2,
            Module::Saturation => 3,
            Module::Imager => 4,
        }
    }

    pub fn from_index(i: usize) -> Option<Module> {
        Self::DEFAULT_ORDER.get(i).copied()
    }
}

/// True when `order` names every reorderable module exactly once.
pub fn is_valid_order(order: &[Module; 5]) -> bool {
    let mut seen = [false; 5];
    for m in order {
        if std::mem::replace(&mut seen[m.index()], true) {
            return false;
        }
    }
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EqMode {
    MinimumPhase,
    LinearPhase(LinearPhaseLatency),
}

/// Every setting of the chain, in audio units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChainParams {
    pub input_gain_db: f64,
    pub output_gain_db: f64,
    pub order: [Module; 5],
    pub eq_enabled: bool,
    pub eq_mode: EqMode,
    pub eq: EqParams,
    pub compressor_enabled: bool,
    pub compressor: CompressorParams,
    pub multiband_enabled: bool,
    pub multiband: MultibandParams,
    pub saturation_enabled: bool,
    pub saturation: SaturationParams,
    pub imager_enabled: bool,
    pub imager: ImagerParams,
    pub limiter_enabled: bool,
    pub limiter: LimiterParams,
    pub dither_enabled: bool,
    pub dither: DitherParams,
    /// Play the processed signal at the short-term loudness of the input (monitoring only).
    pub gain_match: bool,
    /// Global bypass: the input, delayed by the chain's latency.
    pub bypass: bool,
    /// Listen only to the region of this EQ band (slot index; monitoring only, never set by
    /// a render).
    pub eq_solo: Option<usize>,
    /// Match EQ toward a reference track, inside the EQ module after its bands.
    pub eq_match: MatchParams,
}

impl Default for ChainParams {
    fn default() -> Self {
        Self {
            input_gain_db: 0.0,
            output_gain_db: 0.0,
            order: Module::DEFAULT_ORDER,
            eq_enabled: true,
            eq_mode: EqMode::MinimumPhase,
            eq: EqParams::default(),
            compressor_enabled: false,
            compressor: CompressorParams::default(),
            multiband_enabled: false,
            multiband: MultibandParams::default(),
            saturation_enabled: false,
            saturation: SaturationParams::default(),
            imager_enabled: true,
            imager: ImagerParams::default(),
            limiter_enabled: true,
            limiter: LimiterParams::default(),
            dither_enabled: false,
            dither: DitherParams::default(),
            gain_match: false,
            bypass: false,
            eq_solo: None,
            eq_match: MatchParams::default(),
        }
    }
}

impl ChainParams {
    /// Readable message naming the first setting out of range.
    pub fn validate(&self) -> Result<(), String> {
        for (name, db) in [
            ("input gain", self.input_gain_db),
            ("output gain", self.output_gain_db),
        ] {
            if !(db.is_finite() && (-24.0..=24.0).contains(&db)) {
                return Err(format!("{name} must be -24 to 24 dB, got {db}"));
            }
        }
        if !is_valid_order(&self.order) {
            return Err(format!(
                "module order must name each module once, got {:?}",
                self.order
            ));
        }
        self.eq.validate()?;
        self.eq_match.validate()?;
        self.compressor.validate()?;
        self.multiband.validate()?;
        self.saturation.validate()?;
        self.imager.validate()?;
        self.limiter.validate()?;
        self.dither.validate()
    }

    /// Everything forced into range (what the audio thread uses).
    pub fn clamped(&self) -> Self {
        let gain = |db: f64| {
            if db.is_finite() {
                db.clamp(-24.0, 24.0)
            } else {
                0.0
            }
        };
        Self {
            input_gain_db: gain(self.input_gain_db),
            output_gain_db: gain(self.output_gain_db),
            order: if is_valid_order(&self.order) {
                self.order
            } else {
                Module::DEFAULT_ORDER
            },
            eq: self.eq.clamped(),
            eq_match: self.eq_match.clamped(),
            compressor: self.compressor.clamped(),
            multiband: self.multiband.clamped(),
            saturation: self.saturation.clamped(),
            imager: self.imager.clamped(),
            limiter: self.limiter.clamped(),
            dither: self.dither.clamped(),
            eq_solo: self.eq_solo.filter(|&i| i < crate::eq::MAX_BANDS),
            ..*self
        }
    }
}

/// Gain reduction of every dynamics stage since the last call, dB (0 or negative).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GainReduction {
    pub compressor_db: f64,
    pub multiband_db: [f64; MB_BANDS],
    pub limiter_db: f64,
}

/// Delay line for one stereo signal, allocated for its longest delay.
struct Delay {
    ring: [Box<[f32]>; 2],
    pos: usize,
    delay: usize,
}

impl Delay {
    fn new(max_delay: usize) -> Self {
        let len = (max_delay + BLOCK + 1).next_power_of_two();
        Self {
            ring: [
                vec![0.0; len].into_boxed_slice(),
                vec![0.0; len].into_boxed_slice(),
            ],
            pos: 0,
            delay: 0,
        }
    }

    fn set_delay(&mut self, delay: usize) {
        self.delay = delay.min(self.ring[0].len() - BLOCK - 1);
    }

    fn reset(&mut self) {
        self.ring.iter_mut().for_each(|r| r.fill(0.0));
    }

    /// Delay `left`/`right` (at most `BLOCK` frames) in place.
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        let mask = self.ring[0].len() - 1;
        for (ring, x) in self.ring.iter_mut().zip([left, right]) {
            for (i, v) in x.iter_mut().enumerate() {
                ring[(self.pos + i) & mask] = *v;
            }
            let start = self.pos + ring.len() - self.delay;
            for (i, v) in x.iter_mut().enumerate() {
                *v = ring[(start + i) & mask];
            }
        }
        self.pos = (self.pos + n) & mask;
    }
}

/// Linear 0..1 fade toward a target, per sample.
#[derive(Debug, Clone, Copy)]
struct Fade {
    value: f32,
    target: f32,
    step: f32,
}

impl Fade {
    fn new(on: bool, sample_rate: f64, ms: f64) -> Self {
        let v = if on { 1.0 } else { 0.0 };
        Self {
            value: v,
            target: v,
            step: (1.0 / (ms * 1e-3 * sample_rate)).min(1.0) as f32,
        }
    }

    fn set(&mut self, on: bool) {
        self.target = if on { 1.0 } else { 0.0 };
    }

    fn snap(&mut self) {
        self.value = self.target;
    }

    fn is_off(&self) -> bool {
        self.value == 0.0 && self.target == 0.0
    }

    fn is_on(&self) -> bool {
        self.value == 1.0 && self.target == 1.0
    }

    /// Next `out.len()` values.
    fn fill(&mut self, out: &mut [f32]) {
        for o in out {
            self.value = if self.value < self.target {
                (self.value + self.step).min(self.target)
            } else {
                (self.value - self.step).max(self.target)
            };
            *o = self.value;
        }
    }
}

/// `wet = dry + (wet - dry) * mix`; exact at mix 0 and 1.
fn blend(wet: &mut [f32], dry: &[f32], mix: &[f32]) {
    for ((w, &d), &m) in wet.iter_mut().zip(dry).zip(mix) {
        *w = if m >= 1.0 {
            *w
        } else if m <= 0.0 {
            d
        } else {
            d + (*w - d) * m
        };
    }
}

/// dB-linear gain ramp: a change glides in a straight line (in dB) over a fixed time and
/// lands exactly on its target, so unity stays bit-transparent.
#[derive(Debug, Clone, Copy)]
struct GainRamp {
    db: f64,
    target_db: f64,
    step_db: f64,
    steps_left: usize,
    duration: usize,
}

impl GainRamp {
    fn new(sample_rate: f64, ms: f64) -> Self {
        Self {
            db: 0.0,
            target_db: 0.0,
            step_db: 0.0,
            steps_left: 0,
            duration: ((ms * 1e-3 * sample_rate).round() as usize).max(1),
        }
    }

    fn set_target(&mut self, target_db: f64) {
        if target_db != self.target_db {
            self.target_db = target_db;
            self.steps_left = self.duration;
            self.step_db = (target_db - self.db) / self.duration as f64;
        }
    }

    fn snap(&mut self) {
        self.db = self.target_db;
        self.steps_left = 0;
    }

    fn apply(&mut self, left: &mut [f32], right: &mut [f32]) {
        if self.steps_left == 0 {
            if self.db != 0.0 {
                let g = db_to_gain_f64(self.db) as f32;
                left.iter_mut()
                    .chain(right.iter_mut())
                    .for_each(|x| *x *= g);
            }
            return;
        }
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            if self.steps_left > 0 {
                self.steps_left -= 1;
                self.db = if self.steps_left == 0 {
                    self.target_db
                } else {
                    self.db + self.step_db
                };
            }
            let g = db_to_gain_f64(self.db) as f32;
            *l *= g;
            *r *= g;
        }
    }
}

/// A module's switch: its fade and the dry signal delayed by the module's latency.
struct Slot {
    fade: Fade,
    dry: Delay,
    /// Samples the module still has to run, after switching on from a reset, before its
    /// output is real signal rather than the silence its delay line started with. The fade
    /// waits for it, so switching on never dips.
    warmup: usize,
}

impl Slot {
    fn new(on: bool, sample_rate: f64, max_latency: usize) -> Self {
        Self {
            fade: Fade::new(on, sample_rate, FADE_MS),
            dry: Delay::new(max_latency),
            warmup: 0,
        }
    }
}

enum ReorderPhase {
    Idle,
    /// Fading the reorderable section out; the new order waits.
    FadingOut,
    /// Reordered and reset; silence passes until the section's latency has elapsed.
    Waiting(usize),
    FadingIn,
}

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
    bypass_dry: Delay,
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

const LIMITER_SLOT: usize = 5;
const DITHER_SLOT: usize = 6;

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
            bypass_dry: Delay::new(max_total),
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
        for index in 0..self.slots.len() {
            self.reset_module(index);
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
        for slot in [LIMITER_SLOT, DITHER_SLOT] {
            self.run_slot(slot, left, right);
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
            self.run_slot(m.index(), left, right);
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
                    self.reset_module(m.index());
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

    fn run_slot(&mut self, index: usize, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        let slot = &mut self.slots[index];
        let latency = slot.dry.delay;
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
            self.reset_module(index);
        }
        self.process_module(index, left, right);
        let slot = &mut self.slots[index];
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

    fn reset_module(&mut self, index: usize) {
        match index {
            0 => {
                self.eq_min.reset();
                self.eq_linear.reset();
                self.eq_match.reset();
                self.eq_solo.reset();
            }
            1 => self.compressor.reset(),
            2 => self.multiband.reset(),
            3 => self.saturator.reset(),
            4 => self.imager.reset(),
            LIMITER_SLOT => self.limiter.reset(),
            _ => self.dither.reset(),
        }
    }

    fn process_module(&mut self, index: usize, left: &mut [f32], right: &mut [f32]) {
        match index {
            0 => {
                match self.params.eq_mode {
                    EqMode::MinimumPhase => self.eq_min.process(left, right),
                    EqMode::LinearPhase(_) => self.eq_linear.process(left, right),
                }
                self.eq_match.process(left, right);
                self.eq_solo.process(left, right);
            }
            1 => {
                self.compressor.process(left, right);
                let gr = self.compressor.take_gain_reduction_db();
                self.gain_reduction.compressor_db = self.gain_reduction.compressor_db.min(gr);
            }
            2 => {
                self.multiband.process(left, right);
                for b in 0..MB_BANDS {
                    let gr = self.multiband.take_gain_reduction_db(b);
                    let m = &mut self.gain_reduction.multiband_db[b];
                    *m = m.min(gr);
                }
            }
            3 => self.saturator.process(left, right),
            4 => self.imager.process(left, right),
            LIMITER_SLOT => {
                self.limiter.process(left, right);
                let gr = self.limiter.take_gain_reduction_db();
                self.gain_reduction.limiter_db = self.gain_reduction.limiter_db.min(gr);
            }
            _ => self.dither.process(left, right),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eq::band::{BandParams, BandType};
    use crate::filter::oversampler::OversamplingFactor;

    fn noise(frames: usize, seed: u64, amp: f32) -> Vec<f32> {
        let mut s = seed.wrapping_mul(6_364_136_223_846_793_005).max(1);
        (0..frames)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                ((s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0) * amp
            })
            .collect()
    }

    fn sine(rate: f64, freq: f64, amp: f32, frames: usize) -> Vec<f32> {
        (0..frames)
            .map(|n| amp * (std::f64::consts::TAU * freq * n as f64 / rate).sin() as f32)
            .collect()
    }

    /// Every module on with settings that do something.
    fn busy_params() -> ChainParams {
        let mut p = ChainParams::default();
        p.eq.bands[1] = BandParams {
            enabled: true,
            kind: BandType::Bell,
            freq_hz: 1200.0,
            gain_db: 4.0,
            q: 1.0,
            ..BandParams::default()
        };
        p.compressor_enabled = true;
        p.compressor.threshold_db = -20.0;
        p.compressor.ratio = 3.0;
        p.multiband_enabled = true;
        p.multiband.band[1].compressor.threshold_db = -25.0;
        p.multiband.band[1].compressor.ratio = 4.0;
        p.saturation_enabled = true;
        p.saturation.drive_db = 6.0;
        p.saturation.oversampling = OversamplingFactor::X4;
        p.imager.width_percent = 130.0;
        p.limiter.drive_db = 6.0;
        p.dither_enabled = true;
        p
    }

    /// Render `x` (stereo, same on both sides) through a fresh chain in blocks of `sizes`
    /// (cycled), applying `changes` (frame, params) at their frames.
    fn render(
        rate: f64,
        p: &ChainParams,
        x: &[f32],
        sizes: &[usize],
        changes: &[(usize, ChainParams)],
    ) -> (Vec<f32>, Vec<f32>) {
        let mut chain = MasteringChain::new(rate, p);
        chain.design_linear_phase_now();
        let (mut l, mut r) = (x.to_vec(), x.iter().map(|v| -0.5 * v).collect::<Vec<_>>());
        let mut pos = 0;
        let mut k = 0;
        while pos < l.len() {
            let mut n = sizes[k % sizes.len()].min(l.len() - pos);
            k += 1;
            // Split at parameter changes, as a host with sample-accurate automation does.
            for (at, q) in changes {
                if *at == pos {
                    chain.set_params(q);
                    chain.design_linear_phase_now();
                }
                if *at > pos && *at < pos + n {
                    n = at - pos;
                }
            }
            chain.process(&mut l[pos..pos + n], &mut r[pos..pos + n]);
            pos += n;
        }
        (l, r)
    }

    #[test]
    fn neutral_chain_is_the_input_delayed_bit_exactly() {
        for rate in [44_100.0, 48_000.0, 96_000.0] {
            let p = ChainParams::default();
            // Quiet enough that the default limiter (-1 dBTP) never acts.
            let x = noise(20_000, 3, 0.25);
            let (l, r) = render(rate, &p, &x, &[333], &[]);
            let d = MasteringChain::new(rate, &p).latency();
            assert!(l[..d].iter().all(|&v| v == 0.0));
            for i in d..x.len() {
                assert_eq!(l[i].to_bits(), x[i - d].to_bits(), "{rate} Hz, sample {i}");
                assert_eq!(r[i].to_bits(), (-0.5 * x[i - d]).to_bits());
            }
            println!("{rate} Hz: neutral chain = input delayed by {d} samples, bit-exact");
        }
    }

    #[test]
    fn latency_matches_the_audio_in_every_mode() {
        let rate = 48_000.0;
        let modes = [
            (EqMode::MinimumPhase, OversamplingFactor::X1, 0.5),
            (
                EqMode::LinearPhase(LinearPhaseLatency::Low),
                OversamplingFactor::X2,
                1.0,
            ),
            (
                EqMode::LinearPhase(LinearPhaseLatency::Medium),
                OversamplingFactor::X8,
                5.0,
            ),
            (
                EqMode::LinearPhase(LinearPhaseLatency::High),
                OversamplingFactor::X4,
                10.0,
            ),
        ];
        for (eq_mode, os, lookahead) in modes {
            for enabled in [false, true] {
                let mut p = ChainParams {
                    eq_mode,
                    eq_enabled: enabled,
                    saturation_enabled: enabled,
                    ..ChainParams::default()
                };
                p.saturation.oversampling = os;
                p.saturation.drive_db = 0.0;
                p.saturation.mix_percent = 0.0;
                p.limiter.lookahead_ms = lookahead;
                p.compressor.lookahead_ms = lookahead;
                p.compressor_enabled = enabled;
                p.compressor.threshold_db = 0.0;
                let mut chain = MasteringChain::new(rate, &p);
                chain.design_linear_phase_now();
                let d = chain.latency();
                let mut l = vec![0.0f32; d + 4096];
                l[100] = 0.5;
                let mut r = l.clone();
                chain.process(&mut l, &mut r);
                let peak = l
                    .iter()
                    .enumerate()
                    .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                    .unwrap()
                    .0;
                println!("{eq_mode:?}, {os:?}, look-ahead {lookahead} ms, modules on: {enabled}: latency {d}, impulse at {}", peak - 100);
                assert_eq!(peak - 100, d);
                assert!((l[peak] - 0.5).abs() < 1e-3, "impulse height {}", l[peak]);
            }
        }
    }

    #[test]
    fn output_does_not_depend_on_block_sizes() {
        let rate = 48_000.0;
        let p = busy_params();
        let x = noise(30_000, 7, 0.7);
        let mut q = p;
        q.compressor.threshold_db = -30.0;
        q.eq.bands[1].gain_db = -6.0;
        q.limiter_enabled = false;
        q.imager.width_percent = 80.0;
        let changes = [(7_001, q), (15_555, p)];
        let reference = render(rate, &p, &x, &[64], &changes);
        for sizes in [
            &[1usize][..],
            &[7],
            &[512],
            &[4096],
            &[3, 1000, 17, 64, 1, 222],
        ] {
            let got = render(rate, &p, &x, sizes, &changes);
            assert!(
                got.0
                    .iter()
                    .zip(&reference.0)
                    .all(|(a, b)| a.to_bits() == b.to_bits())
                    && got
                        .1
                        .iter()
                        .zip(&reference.1)
                        .all(|(a, b)| a.to_bits() == b.to_bits()),
                "blocks {sizes:?} differ"
            );
        }
    }

    /// Largest sample-to-sample step of `x` after `from`.
    fn max_step(x: &[f32], from: usize) -> f32 {
        x[from..]
            .windows(2)
            .fold(0.0, |m, w| m.max((w[1] - w[0]).abs()))
    }

    #[test]
    fn switching_modules_and_order_never_clicks() {
        let rate = 48_000.0;
        let x = sine(rate, 220.0, 0.25, 96_000);
        let base = busy_params();
        let steady = render(rate, &base, &x, &[64], &[]);
        // A 220 Hz sine at this level moves at most 2 pi f A / fs per sample; processing
        // changes the level by a few dB at most.
        let bound = 3.0 * max_step(&steady.0, 10_000);
        let mut changes = Vec::new();
        let mut p = base;
        let mut at = 10_000;
        for flip in 0..7 {
            match flip {
                0 => p.eq_enabled = !p.eq_enabled,
                1 => p.compressor_enabled = !p.compressor_enabled,
                2 => p.multiband_enabled = !p.multiband_enabled,
                3 => p.saturation_enabled = !p.saturation_enabled,
                4 => p.imager_enabled = !p.imager_enabled,
                5 => p.limiter_enabled = !p.limiter_enabled,
                _ => p.bypass = !p.bypass,
            }
            changes.push((at, p));
            at += 4_000;
        }
        p.order = [
            Module::Imager,
            Module::Saturation,
            Module::Multiband,
            Module::Compressor,
            Module::Eq,
        ];
        changes.push((at, p));
        let (l, _) = render(rate, &base, &x, &[64], &changes);
        let worst = max_step(&l, 10_000);
        println!(
            "worst step while switching: {worst:.5} (steady {:.5}, bound {bound:.5})",
            bound / 3.0
        );
        assert!(worst <= bound, "{worst} > {bound}");
        assert!(l.iter().all(|v| v.is_finite()));
    }

    #[test]
    fn bad_input_never_reaches_the_output_and_the_chain_recovers() {
        let rate = 48_000.0;
        let p = busy_params();
        let mut x = sine(rate, 440.0, 0.3, 48_000);
        for (i, v) in x[10_000..10_100].iter_mut().enumerate() {
            *v = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e-40][i % 4];
        }
        let (l, r) = render(rate, &p, &x, &[100], &[]);
        assert!(l.iter().chain(&r).all(|v| v.is_finite()));
        let clean = render(rate, &p, &sine(rate, 440.0, 0.3, 48_000), &[100], &[]);
        // One second later the output is the clean render again (to the dither's noise).
        let diff = l[40_000..]
            .iter()
            .zip(&clean.0[40_000..])
            .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
        println!("difference to a clean render 0.6 s after the burst: {diff:e}");
        assert!(diff < 1e-3, "{diff}");
    }

    /// Gain-matched listening plays the processed master at the input's short-term loudness.
    #[test]
    fn gain_matched_listening_plays_at_the_input_loudness() {
        let rate = 48_000.0;
        let mut p = ChainParams::default();
        p.limiter.drive_db = 10.0;
        p.gain_match = true;
        let x = noise(rate as usize * 8, 9, 0.2);
        let mut chain = MasteringChain::new(rate, &p);
        let (mut l, mut r) = (x.clone(), x.clone());
        chain.process(&mut l, &mut r);
        let mut input = crate::loudness::LoudnessMeter::new(rate, 2);
        let mut output = crate::loudness::LoudnessMeter::new(rate, 2);
        let d = chain.latency();
        let tail = rate as usize * 5;
        input.process_stereo(&x[tail - d..x.len() - d], &x[tail - d..x.len() - d]);
        output.process_stereo(&l[tail..], &r[tail..]);
        let (i, o) = (input.integrated_lufs(), output.integrated_lufs());
        println!(
            "input {i:.2} LUFS, matched output {o:.2} LUFS, applied {:.2} dB",
            chain.gain_match_db()
        );
        assert!((i - o).abs() < 0.5, "{i} vs {o}");
        assert!(
            chain.gain_match_db() < -5.0,
            "the limiter drive is taken back"
        );
    }

    #[test]
    fn processing_and_parameter_changes_never_allocate() {
        let rate = 48_000.0;
        let p = busy_params();
        let mut chain = MasteringChain::new(rate, &p);
        let x = noise(48_000, 1, 0.5);
        let (mut l, mut r) = (x.clone(), x.clone());
        let mut q = p;
        crate::no_alloc::assert_no_alloc(|| {
            for (i, (a, b)) in l.chunks_mut(333).zip(r.chunks_mut(333)).enumerate() {
                q.compressor.threshold_db = -10.0 - (i % 20) as f64;
                q.eq_enabled = i % 7 != 0;
                q.gain_match = i % 2 == 0;
                chain.set_params(&q);
                chain.process(a, b);
                std::hint::black_box(chain.take_gain_reduction());
                std::hint::black_box(chain.take_linear_phase_request());
            }
        });
    }
}
