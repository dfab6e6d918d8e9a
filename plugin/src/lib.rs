//! Lacquer: a mastering suite for the master bus, as CLAP and VST3 plugins and a standalone app.
//!
//! The plugin crate wires the session's parameters to the engine, the editor and the hosts;
//! all signal processing lives in `lacquer-dsp`.

use nice_plug::prelude::*;
use std::sync::Arc;

pub mod denormals;
pub mod editor;
pub mod engine;
pub mod kernel_thread;
pub mod learn;
pub mod meters;
pub mod reference;
mod remote_controls;

use lacquer_session::params::LacquerParams;
use lacquer_session::presets;
use meters::SharedMeters;

pub struct Lacquer {
    params: Arc<LacquerParams>,
    meters: Arc<SharedMeters>,
    engine: engine::Engine,
    /// Reference tracks: the reference thread and the player.
    references: reference::References,
}

impl Default for Lacquer {
    fn default() -> Self {
        let params = Arc::new(LacquerParams::default());
        Self {
            references: reference::References::new(params.clone()),
            params,
            meters: Arc::new(SharedMeters::default()),
            engine: engine::Engine::default(),
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
        let latency = self.engine.activate(
            &self.params,
            &self.meters,
            buffer_config.sample_rate,
            buffer_config.max_buffer_size,
        );
        context.set_latency_samples(latency);
        self.references.activate(buffer_config.sample_rate as f64);
        true
    }

    fn reset(&mut self) {
        self.engine.reset();
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
        let transport = context.transport();
        let transport = reference::TransportInfo {
            playing: transport.playing,
            pos_samples: transport.pos_samples(),
            has_tempo: transport.tempo.is_some(),
        };
        let [left, right] = buffer.as_slice() else {
            return ProcessStatus::Normal;
        };
        let restart = self.engine.process(
            left,
            right,
            &self.params,
            &self.meters,
            &mut self.references,
            transport,
        );
        if restart {
            context.request_restart();
        }
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
        remote_controls::fill(&self.params, context);
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
    *settings_builds = engine::SETTINGS_BUILDS.load(Relaxed);
    *histogram_walks = lacquer_dsp::loudness::histogram::walks();
    *process_mxcsr = PROCESS_MXCSR.load(Relaxed);
}

#[cfg(feature = "test-hooks")]
static PROCESS_MXCSR: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
