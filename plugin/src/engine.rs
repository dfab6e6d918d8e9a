//! The plugin's processing engine: the chain and everything each block does around it. It
//! builds the chain's settings from the parameters only when they changed, holds the latency
//! the host was told until a restart, hands linear-phase designs to the kernel thread, feeds
//! the spectrum and scope taps and the limiter's learner, and publishes the meters.
//!
//! `process` runs on the audio thread: nothing here allocates, locks or waits there; the
//! allocations happen in `activate`.

use crate::kernel_thread::KernelThread;
use crate::learn::Learner;
use crate::meters::{self, ScopeTap, SharedMeters};
use crate::reference::{self, player::MasterLoudness, player::PlayerSettings, References};
use lacquer_dsp::chain::{ChainParams, EqMode, MasteringChain};
use lacquer_dsp::filter::oversampler::OversamplingFactor;
use lacquer_dsp::meter::spectrum::{spectrum_channel, SpectrumTap};
use lacquer_dsp::util::db_to_gain;
use lacquer_session::params::LacquerParams;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Settings built from the parameters since the process started, every instance together:
/// the test bundle reports it so a test can prove the cost per call does not scale with the
/// parameter count.
pub static SETTINGS_BUILDS: AtomicU64 = AtomicU64::new(0);

/// Frames the learner is fed at a time (a stack buffer: no allocation).
const LEARN_CHUNK: usize = 64;

/// Everything `ChainParams` is built from, as counters: equal keys, equal settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SettingsKey {
    param_changes: u64,
    match_generation: u64,
    eq_solo: u32,
}

/// The settings that change the chain's latency.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct LatencySettings {
    eq_mode: Option<EqMode>,
    oversampling: Option<OversamplingFactor>,
    limiter_lookahead_ms: f64,
    compressor_lookahead_ms: f64,
    multiband_lookahead_ms: f64,
}

impl LatencySettings {
    fn of(p: &ChainParams) -> Self {
        Self {
            eq_mode: Some(p.eq_mode),
            oversampling: Some(p.saturation.oversampling),
            limiter_lookahead_ms: p.limiter.lookahead_ms,
            compressor_lookahead_ms: p.compressor.lookahead_ms,
            multiband_lookahead_ms: p.multiband.lookahead_ms,
        }
    }

    /// `p` with these latency settings in place of its own.
    fn impose(&self, p: &mut ChainParams) {
        if let (Some(eq_mode), Some(oversampling)) = (self.eq_mode, self.oversampling) {
            p.eq_mode = eq_mode;
            p.saturation.oversampling = oversampling;
            p.limiter.lookahead_ms = self.limiter_lookahead_ms;
            p.compressor.lookahead_ms = self.compressor_lookahead_ms;
            p.multiband.lookahead_ms = self.multiband_lookahead_ms;
        }
    }
}

/// What `activate` built, for the blocks that follow it.
struct Active {
    chain: MasteringChain,
    learner: Learner,
    /// Sending ends of the spectrum rings (pre and post chain).
    spectrum_pre: SpectrumTap,
    spectrum_post: SpectrumTap,
    /// Sending end of the vectorscope ring (post chain).
    scope: ScopeTap,
}

pub struct Engine {
    /// Built in `activate` (allocation happens there, not in `process`).
    active: Option<Active>,
    kernels: KernelThread,
    reported_latency: u32,
    /// The settings that set the latency, as activated. CLAP allows the latency to change only
    /// inside `activate`: when one of these changes, the engine asks for a restart and keeps
    /// the activated values until then.
    latency_settings: LatencySettings,
    restart_requested: bool,
    /// The chain's settings as last built from the parameters, and what they were built from
    /// (see `SettingsKey`): rebuilt only when that changes.
    settings: ChainParams,
    settings_key: Option<SettingsKey>,
    /// Loaded states seen (`StateFormat::loads`).
    state_loads: u64,
    /// No audio since `activate` or `reset`: the first call starts the settings where they
    /// are (state, automation at time zero) instead of gliding to them.
    fresh: bool,
    /// (sample rate, maximum block) of the last activation that built the chain.
    activated_config: Option<(f32, u32)>,
}

impl Default for Engine {
    fn default() -> Self {
        Self {
            active: None,
            kernels: KernelThread::spawn(),
            reported_latency: 0,
            latency_settings: LatencySettings::default(),
            restart_requested: false,
            settings: ChainParams::default(),
            settings_key: None,
            state_loads: 0,
            fresh: true,
            activated_config: None,
        }
    }
}

impl Engine {
    /// Build the chain for this rate and block size (or keep the one built, when nothing that
    /// shapes it changed) and return the latency to report.
    pub fn activate(
        &mut self,
        params: &LacquerParams,
        meters: &SharedMeters,
        sample_rate: f32,
        max_block: u32,
    ) -> u32 {
        let chain_params = params.chain_params();
        self.settings_key = None;
        self.fresh = true;
        self.state_loads = params.state_format.loads();
        // Some hosts deactivate and reactivate on their audio thread (Ardour does whenever the
        // plugin's port connections change): with the same rate, block size and latency, the
        // chain already built is kept and the first block resets it, so reactivation neither
        // allocates nor takes long.
        let config = (sample_rate, max_block);
        let same = self.active.is_some()
            && self.activated_config == Some(config)
            && LatencySettings::of(&chain_params) == self.latency_settings
            && !self.restart_requested;
        if same {
            return self.reported_latency;
        }
        self.activated_config = Some(config);
        self.latency_settings = LatencySettings::of(&chain_params);
        self.restart_requested = false;
        let mut chain = MasteringChain::new(sample_rate as f64, &chain_params);
        // Settled settings are designed here, synchronously, so a render starts exact.
        chain.design_linear_phase_now();
        while self.kernels.ready.pop().is_some() {}
        self.reported_latency = chain.latency() as u32;
        let (spectrum_pre, pre) = spectrum_channel(meters::SPECTRUM_RING);
        let (spectrum_post, post) = spectrum_channel(meters::SPECTRUM_RING);
        if let Ok(mut feeds) = meters.spectrum.lock() {
            *feeds = Some(meters::SpectrumFeeds { pre, post });
        }
        let (scope, scope_feed) = meters::scope_channel(meters::SCOPE_RING);
        if let Ok(mut slot) = meters.scope.lock() {
            *slot = Some(scope_feed);
        }
        meters.sample_rate.store(sample_rate, Relaxed);
        self.active = Some(Active {
            chain,
            learner: Learner::new(sample_rate as f64),
            spectrum_pre,
            spectrum_post,
            scope,
        });
        self.reported_latency
    }

    pub fn reset(&mut self) {
        if let Some(active) = self.active.as_mut() {
            active.chain.reset();
        }
        self.fresh = true;
    }

    /// One block through the chain, the references and the meters. Returns true the first
    /// time a latency setting changed since the last activation: the host must be asked for
    /// a restart.
    pub fn process(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        params: &LacquerParams,
        meters: &SharedMeters,
        references: &mut References,
        transport: reference::TransportInfo,
    ) -> bool {
        let before = self.settings;
        let restart = self.update_settings(params, meters);
        let settings = self.settings;
        self.exchange();
        let Some(active) = self.active.as_mut() else {
            return restart;
        };
        let chain = &mut active.chain;
        chain.set_params(&settings);
        let loads = params.state_format.loads();
        if self.fresh {
            // Nothing has been heard yet: start exactly at the settings.
            chain.reset();
        } else if loads != self.state_loads && settings != before {
            // A loaded state that changes the settings: its values start where they were
            // saved. (One that changes nothing, such as new reference files, leaves the audio
            // untouched.)
            chain.restart_processing();
        }
        self.fresh = false;
        self.state_loads = loads;

        active.spectrum_pre.push_stereo(left, right);
        references.before_chain(left, right, transport);
        chain.process(left, right);
        active.spectrum_post.push_stereo(left, right);
        active.scope.push_stereo(left, right);
        if meters.commands.reset_loudness.swap(false, Relaxed) {
            chain.input_meter().reset();
            chain.output_meter().reset();
        }

        // The latency only changes through a restart, so it still equals what `activate`
        // reported.
        debug_assert_eq!(chain.latency() as u32, self.reported_latency);
        let target = params.target_lufs();
        feed_learner(
            &mut active.learner,
            chain,
            meters,
            left,
            right,
            settings.limiter.drive_db,
            target.unwrap_or(-14.0),
        );
        // The reference replaces what leaves the plugin, after every meter has seen the master:
        // the level match needs the master's loudness, whatever is heard.
        let master = MasterLoudness {
            integrated_lufs: chain.output_meter().loudness.integrated_lufs(),
            short_term_lufs: chain.output_meter().loudness.short_term_lufs(),
        };
        meters.publish(chain, target);
        references.after_chain(
            left,
            right,
            &params.refs.references,
            PlayerSettings::of(&params.refs),
            self.reported_latency as usize,
            master,
        );
        restart
    }

    /// Rebuild the chain's settings if a parameter, the match curve or the soloed band
    /// changed since the last build. Returns true when a latency setting changed and no
    /// restart was asked for yet.
    fn update_settings(&mut self, params: &LacquerParams, meters: &SharedMeters) -> bool {
        // Read before building: a change landing during the build moves the counter past
        // this key, so the next call builds again.
        let key = SettingsKey {
            param_changes: params.changes.get(),
            match_generation: params.refs.references.match_generation(),
            eq_solo: meters.commands.eq_solo.load(Relaxed),
        };
        if self.settings_key == Some(key) {
            return false;
        }
        self.settings_key = Some(key);
        SETTINGS_BUILDS.fetch_add(1, Relaxed);
        let mut settings = params.chain_params();
        settings.eq_solo = key.eq_solo.checked_sub(1).map(|n| n as usize);
        let mut restart = false;
        if LatencySettings::of(&settings) != self.latency_settings {
            restart = !self.restart_requested;
            self.restart_requested = true;
            self.latency_settings.impose(&mut settings);
        }
        self.settings = settings;
        restart
    }

    /// Move designed kernels into the chain and hand work and garbage to the kernel thread.
    fn exchange(&mut self) {
        let Some(active) = self.active.as_mut() else {
            return;
        };
        let chain = &mut active.chain;
        while let Some(kernel) = self.kernels.ready.pop() {
            // A design requested before a restart (another rate or size) is stale: installing
            // it would change the latency behind the host's back.
            let current = chain.linear_phase_size() == Some(kernel.size())
                && kernel.sample_rate() == chain.sample_rate();
            if !current {
                self.kernels.retire(kernel);
            } else if let Some(old) = chain.install_linear_phase_kernel(kernel) {
                self.kernels.retire(old);
            }
        }
        while let Some(old) = chain.take_retired_kernel() {
            self.kernels.retire(old);
        }
        if let Some((eq, size)) = chain.take_linear_phase_request() {
            if !self.kernels.request_design(&eq, size, chain.sample_rate()) {
                // All request boxes in flight (a flood of edits): ask again next block.
                chain.restore_linear_phase_request(eq, size);
            }
        }
    }
}

/// Feed the limiter's learner the master as it leaves the chain (gain-matched listening
/// undone), when the editor asked it to learn.
fn feed_learner(
    learner: &mut Learner,
    chain: &MasteringChain,
    meters: &SharedMeters,
    left: &[f32],
    right: &[f32],
    drive_db: f64,
    target_lufs: f64,
) {
    if meters.commands.learn.swap(false, Relaxed) {
        learner.start();
    }
    if !learner.is_learning() {
        return;
    }
    let undo = db_to_gain(-chain.gain_match_db() as f32);
    for (l, r) in left.chunks(LEARN_CHUNK).zip(right.chunks(LEARN_CHUNK)) {
        let mut a = [0.0f32; LEARN_CHUNK];
        let mut b = [0.0f32; LEARN_CHUNK];
        for (i, (&x, &y)) in l.iter().zip(r).enumerate() {
            a[i] = x * undo;
            b[i] = y * undo;
        }
        if let Some(s) = learner.feed(&a[..l.len()], &b[..l.len()], drive_db, target_lufs) {
            meters.learned_drive_db.store(s.drive_db as f32, Relaxed);
            meters.learn_ready.store(true, Relaxed);
        }
    }
    meters
        .learn_progress
        .store(learner.progress() as f32, Relaxed);
}
