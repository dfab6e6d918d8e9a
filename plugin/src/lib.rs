//! Lacquer: a mastering suite for the master bus, as CLAP and VST3 plugins and a standalone app.
//!
//! The plugin crate only wires host parameters, smoothing and meters to the kernels in
//! `lacquer-dsp`; all signal processing lives there.

use lacquer_dsp::chain::{ChainParams, MasteringChain};
use lacquer_dsp::meter::spectrum::{spectrum_channel, SpectrumTap};
use nice_plug::prelude::*;
use std::sync::Arc;

pub mod denormals;
pub mod editor;
pub mod learn;
pub mod meters;
pub mod reference;
pub mod worker;

use lacquer_session::params::LacquerParams;
use lacquer_session::presets;
use meters::SharedMeters;
use worker::Worker;

pub struct Lacquer {
    params: Arc<LacquerParams>,
    meters: Arc<SharedMeters>,
    /// Built in `activate` (allocation happens there, not in `process`).
    chain: Option<MasteringChain>,
    worker: Worker,
    reported_latency: u32,
    /// The settings that set the latency, as activated. CLAP allows the latency to change only
    /// inside `activate`: when one of these changes, the plugin asks the host for a restart and
    /// keeps the activated values until then.
    latency_settings: LatencySettings,
    restart_requested: bool,
    /// Built in `activate`.
    learner: Option<learn::Learner>,
    /// Sending ends of the spectrum rings (pre and post chain).
    spectrum_taps: Option<(SpectrumTap, SpectrumTap)>,
    /// Sending end of the vectorscope ring (post chain).
    scope_tap: Option<meters::ScopeTap>,
    /// Reference tracks: the reference thread and the player.
    references: reference::References,
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

/// Everything `ChainParams` is built from, as counters: equal keys, equal settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SettingsKey {
    param_changes: u64,
    match_generation: u64,
    eq_solo: u32,
}

/// Settings built from the parameters since the process started, every instance together:
/// the test bundle reports it so a test can prove the cost per call does not scale with the
/// parameter count.
static SETTINGS_BUILDS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The settings that change the chain's latency.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
struct LatencySettings {
    eq_mode: Option<lacquer_dsp::chain::EqMode>,
    oversampling: Option<lacquer_dsp::filter::oversampler::OversamplingFactor>,
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

impl Default for Lacquer {
    fn default() -> Self {
        let params = Arc::new(LacquerParams::default());
        Self {
            references: reference::References::new(params.clone()),
            params,
            meters: Arc::new(SharedMeters::default()),
            chain: None,
            worker: Worker::spawn(),
            reported_latency: 0,
            latency_settings: LatencySettings::default(),
            restart_requested: false,
            learner: None,
            spectrum_taps: None,
            scope_tap: None,
            settings: ChainParams::default(),
            settings_key: None,
            state_loads: 0,
            fresh: true,
            activated_config: None,
        }
    }
}

impl Lacquer {
    /// Rebuild the chain's settings if a parameter, the match curve or the soloed band
    /// changed since the last build. Asks for a restart when a latency setting changed.
    fn update_settings(&mut self, context: &mut impl ProcessContext<Self>) {
        use std::sync::atomic::Ordering::Relaxed;
        // Read before building: a change landing during the build moves the counter past
        // this key, so the next call builds again.
        let key = SettingsKey {
            param_changes: self.params.changes.get(),
            match_generation: self.params.refs.references.match_generation(),
            eq_solo: self.meters.commands.eq_solo.load(Relaxed),
        };
        if self.settings_key == Some(key) {
            return;
        }
        self.settings_key = Some(key);
        SETTINGS_BUILDS.fetch_add(1, Relaxed);
        let mut settings = self.params.chain_params();
        settings.eq_solo = key.eq_solo.checked_sub(1).map(|n| n as usize);
        if LatencySettings::of(&settings) != self.latency_settings {
            if !self.restart_requested {
                self.restart_requested = true;
                context.request_restart();
            }
            self.latency_settings.impose(&mut settings);
        }
        self.settings = settings;
    }

    /// Move designed kernels into the chain and hand work and garbage to the worker.
    fn exchange(&mut self) {
        let Some(chain) = self.chain.as_mut() else {
            return;
        };
        while let Some(kernel) = self.worker.ready.pop() {
            // A design requested before a restart (another rate or size) is stale: installing
            // it would change the latency behind the host's back.
            let current = chain.linear_phase_size() == Some(kernel.size())
                && kernel.sample_rate() == chain.sample_rate();
            if !current {
                self.worker.retire(kernel);
            } else if let Some(old) = chain.install_linear_phase_kernel(kernel) {
                self.worker.retire(old);
            }
        }
        while let Some(old) = chain.take_retired_kernel() {
            self.worker.retire(old);
        }
        if let Some((eq, size)) = chain.take_linear_phase_request() {
            if !self.worker.request_design(&eq, size, chain.sample_rate()) {
                // All request boxes in flight (a flood of edits): ask again next block.
                chain.restore_linear_phase_request(eq, size);
            }
        }
    }
}

impl Plugin for Lacquer {
    const NAME: &'static str = "Lacquer";
    const VENDOR: &'static str = "Lacquer Audio";
    const URL: &'static str = "https://lacquer.audio";
    const EMAIL: &'static str = "support@lacquer.audio";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[AudioIOLayout {
        main_input_channels: NonZeroU32::new(2),
        main_output_channels: NonZeroU32::new(2),
        aux_input_ports: &[],
        aux_output_ports: &[],
        names: PortNames::const_default(),
    }];

    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type Editor = editor::LacquerEditor;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn filter_state(state: &mut PluginState) {
        presets::filter_state(state);
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(self.params.clone(), self.meters.clone())
    }

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let params: ChainParams = self.params.chain_params();
        self.settings_key = None;
        self.fresh = true;
        self.state_loads = self.params.state_format.loads();
        // Some hosts deactivate and reactivate on their audio thread (Ardour does whenever the
        // plugin's port connections change): with the same rate, block size and latency, the
        // chain already built is kept and the first block resets it, so reactivation neither
        // allocates nor takes long.
        let config = (buffer_config.sample_rate, buffer_config.max_buffer_size);
        let same = self.chain.is_some()
            && self.activated_config == Some(config)
            && LatencySettings::of(&params) == self.latency_settings
            && !self.restart_requested;
        if same {
            context.set_latency_samples(self.reported_latency);
            return true;
        }
        self.activated_config = Some(config);
        self.latency_settings = LatencySettings::of(&params);
        self.restart_requested = false;
        let mut chain = MasteringChain::new(buffer_config.sample_rate as f64, &params);
        // Settled settings are designed here, synchronously, so a render starts exact.
        chain.design_linear_phase_now();
        while self.worker.ready.pop().is_some() {}
        self.reported_latency = chain.latency() as u32;
        context.set_latency_samples(self.reported_latency);
        self.chain = Some(chain);
        self.learner = Some(learn::Learner::new(buffer_config.sample_rate as f64));
        let (pre_tap, pre) = spectrum_channel(meters::SPECTRUM_RING);
        let (post_tap, post) = spectrum_channel(meters::SPECTRUM_RING);
        self.spectrum_taps = Some((pre_tap, post_tap));
        if let Ok(mut feeds) = self.meters.spectrum.lock() {
            *feeds = Some(meters::SpectrumFeeds { pre, post });
        }
        let (scope_tap, scope) = meters::scope_channel(meters::SCOPE_RING);
        self.scope_tap = Some(scope_tap);
        if let Ok(mut slot) = self.meters.scope.lock() {
            *slot = Some(scope);
        }
        self.meters.sample_rate.store(
            buffer_config.sample_rate,
            std::sync::atomic::Ordering::Relaxed,
        );
        self.references.activate(buffer_config.sample_rate as f64);
        true
    }

    fn reset(&mut self) {
        if let Some(chain) = self.chain.as_mut() {
            chain.reset();
        }
        self.fresh = true;
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let _daz = denormals::ScopedDaz::enable();
        #[cfg(feature = "test-hooks")]
        PROCESS_MXCSR.store(denormals::mxcsr(), std::sync::atomic::Ordering::Relaxed);
        #[cfg(feature = "test-hooks")]
        if self.params.debug_alloc.value() {
            // Deliberate allocation: the alloc guard must abort the host here.
            std::hint::black_box(vec![0u8; 16]);
        }

        let before = self.settings;
        self.update_settings(context);
        let settings = self.settings;
        self.exchange();
        let Some(chain) = self.chain.as_mut() else {
            return ProcessStatus::Normal;
        };
        chain.set_params(&settings);
        let loads = self.params.state_format.loads();
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

        let channels = buffer.as_slice();
        let [left, right] = channels else {
            return ProcessStatus::Normal;
        };
        if let Some((pre, _)) = self.spectrum_taps.as_mut() {
            pre.push_stereo(left, right);
        }
        let transport = context.transport();
        self.references.before_chain(
            left,
            right,
            reference::TransportInfo {
                playing: transport.playing,
                pos_samples: transport.pos_samples(),
                has_tempo: transport.tempo.is_some(),
            },
        );
        chain.process(left, right);
        if let Some((_, post)) = self.spectrum_taps.as_mut() {
            post.push_stereo(left, right);
        }
        if let Some(scope) = self.scope_tap.as_mut() {
            scope.push_stereo(left, right);
        }
        if self
            .meters
            .commands
            .reset_loudness
            .swap(false, std::sync::atomic::Ordering::Relaxed)
        {
            chain.input_meter().reset();
            chain.output_meter().reset();
        }

        // The latency only changes through a restart (above), so it still equals what
        // `activate` reported.
        debug_assert_eq!(chain.latency() as u32, self.reported_latency);
        let target = self.params.target_lufs();
        if let Some(learner) = self.learner.as_mut() {
            use std::sync::atomic::Ordering::Relaxed;
            if self.meters.commands.learn.swap(false, Relaxed) {
                learner.start();
            }
            if learner.is_learning() {
                // The master as it leaves the chain: undo gain-matched listening.
                let undo = 10f32.powf(-chain.gain_match_db() as f32 / 20.0);
                let drive = settings.limiter.drive_db;
                let target = target.unwrap_or(-14.0);
                for (l, r) in left.chunks(64).zip(right.chunks(64)) {
                    let mut a = [0.0f32; 64];
                    let mut b = [0.0f32; 64];
                    for (i, (&x, &y)) in l.iter().zip(r).enumerate() {
                        a[i] = x * undo;
                        b[i] = y * undo;
                    }
                    if let Some(s) = learner.feed(&a[..l.len()], &b[..l.len()], drive, target) {
                        self.meters
                            .learned_drive_db
                            .store(s.drive_db as f32, Relaxed);
                        self.meters.learn_ready.store(true, Relaxed);
                    }
                }
                self.meters
                    .learn_progress
                    .store(learner.progress() as f32, Relaxed);
            }
        }
        // The reference replaces what leaves the plugin, after every meter has seen the master:
        // the level match needs the master's loudness, whatever is heard.
        let master = reference::player::MasterLoudness {
            integrated_lufs: chain.output_meter().loudness.integrated_lufs(),
            short_term_lufs: chain.output_meter().loudness.short_term_lufs(),
        };
        self.meters.publish(chain, target);
        self.references.after_chain(
            left,
            right,
            &self.params.refs.references,
            reference::player::PlayerSettings::of(&self.params.refs),
            self.reported_latency as usize,
            master,
        );
        ProcessStatus::Normal
    }
}

impl ClapPlugin for Lacquer {
    const CLAP_ID: &'static str = "audio.lacquer.mastering";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Mastering suite: EQ, dynamics, saturation, imaging, true-peak limiting, metering");
    const CLAP_MANUAL_URL: Option<&'static str> = Some(Self::URL);
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Mastering,
    ];

    /// Pages for hardware controllers: the controls an engineer reaches for on each module.
    fn remote_controls(&self, context: &mut impl RemoteControlsContext) {
        let p = &self.params;
        context.add_section("Lacquer", |section| {
            section.add_page("Master", |page| {
                page.add_param(&p.input_gain);
                page.add_param(&p.output_gain);
                page.add_param(&p.lim.ceiling);
                page.add_param(&p.lim.drive);
                page.add_param(&p.lim.release);
                page.add_param(&p.img.width);
                page.add_param(&p.gain_match);
                page.add_param(&p.bypass);
            });
            section.add_page("Compressor", |page| {
                page.add_param(&p.comp.enabled);
                page.add_param(&p.comp.threshold);
                page.add_param(&p.comp.ratio);
                page.add_param(&p.comp.knee);
                page.add_param(&p.comp.attack);
                page.add_param(&p.comp.release);
                page.add_param(&p.comp.makeup);
                page.add_param(&p.comp.mix);
            });
            section.add_page("EQ Gains", |page| {
                for band in &p.eq.bands[1..9] {
                    page.add_param(&band.gain);
                }
            });
            section.add_page("EQ Frequencies", |page| {
                for band in &p.eq.bands[1..9] {
                    page.add_param(&band.freq);
                }
            });
            section.add_page("Multiband", |page| {
                for band in &p.mb.band {
                    page.add_param(&band.threshold);
                }
                for band in &p.mb.band {
                    page.add_param(&band.gain);
                }
            });
            section.add_page("Saturation & Imager", |page| {
                page.add_param(&p.sat.enabled);
                page.add_param(&p.sat.drive);
                page.add_param(&p.sat.mix);
                page.add_spacer();
                page.add_param(&p.img.enabled);
                page.add_param(&p.img.width);
                page.add_param(&p.img.bass_mono);
                page.add_param(&p.img.bass_mono_hz);
            });
        });
    }
}

impl Vst3Plugin for Lacquer {
    const VST3_CLASS_ID: [u8; 16] = *b"LacquerMasterFx1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Mastering];
}

nice_export_clap!(Lacquer);
nice_export_vst3!(Lacquer);

/// Test bundles only: how often the audio thread built settings from the parameters and
/// walked the loudness histograms, since the library was loaded (every instance together).
/// The test suite reads these through the loaded `.clap` to prove the cost per call is fixed.
/// Also the MXCSR the last `process()` call ran with, so a test sees FTZ and DAZ set.
#[cfg(feature = "test-hooks")]
#[no_mangle]
pub extern "C" fn lacquer_test_counters(
    settings_builds: &mut u64,
    histogram_walks: &mut u64,
    process_mxcsr: &mut u32,
) {
    use std::sync::atomic::Ordering::Relaxed;
    *settings_builds = SETTINGS_BUILDS.load(Relaxed);
    *histogram_walks = lacquer_dsp::loudness::histogram::walks();
    *process_mxcsr = PROCESS_MXCSR.load(Relaxed);
}

#[cfg(feature = "test-hooks")]
static PROCESS_MXCSR: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

#[cfg(test)]
mod tests {
    use super::*;

    struct Pages(Vec<(String, Vec<Option<String>>)>);
    struct Page(Vec<Option<String>>);

    impl RemoteControlsContext for Pages {
        type Section = Pages;
        fn add_section(&mut self, _name: impl Into<String>, f: impl FnOnce(&mut Self::Section)) {
            f(self)
        }
    }

    impl RemoteControlsSection for Pages {
        type Page = Page;
        fn add_page(&mut self, name: impl Into<String>, f: impl FnOnce(&mut Self::Page)) {
            let mut page = Page(Vec::new());
            f(&mut page);
            self.0.push((name.into(), page.0));
        }
    }

    impl RemoteControlsPage for Page {
        fn add_param(&mut self, param: &impl Param) {
            self.0.push(Some(param.name().to_string()));
        }
        fn add_spacer(&mut self) {
            self.0.push(None);
        }
    }

    #[test]
    fn remote_control_pages_fill_eight_slots_with_distinct_controls() {
        let plugin = Lacquer::default();
        let mut pages = Pages(Vec::new());
        plugin.remote_controls(&mut pages);
        assert!(pages.0.len() >= 5);
        for (name, slots) in &pages.0 {
            assert_eq!(slots.len(), 8, "page {name} has {} slots", slots.len());
            let named: Vec<_> = slots.iter().flatten().collect();
            let mut unique = named.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), named.len(), "page {name} repeats a control");
        }
    }
}
