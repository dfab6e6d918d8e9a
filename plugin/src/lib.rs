//! Lacquer: a mastering suite for the master bus, as CLAP and VST3 plugins and a standalone app.
//!
//! The plugin crate only wires host parameters, smoothing and meters to the kernels in
//! `lacquer-dsp`; all signal processing lives there.

use lacquer_dsp::gain::{apply_gain_ramp, crossfade_to_dry};
use lacquer_dsp::util::flush_non_normal;
use nice_plug::prelude::*;
use std::sync::Arc;

pub mod editor;
pub mod params;

use params::{LacquerParams, BYPASS_FADE_MS};

/// Internal processing chunk: smoother ramps and the dry copy live in stack arrays this long.
const CHUNK: usize = 64;

pub struct Lacquer {
    params: Arc<LacquerParams>,
    /// 1 = processed, 0 = bypassed; ramps over `BYPASS_FADE_MS` so toggling never clicks.
    wet_mix: Smoother<f32>,
    /// The bypass state the fade is heading to; the smoother is retargeted only when it changes
    /// (retargeting restarts the ramp, which would turn a 10 ms fade into an endless crawl).
    wet_target: f32,
    sample_rate: f32,
}

impl Default for Lacquer {
    fn default() -> Self {
        Self {
            params: Arc::new(LacquerParams::default()),
            wet_mix: Smoother::new(SmoothingStyle::Linear(BYPASS_FADE_MS)),
            wet_target: 1.0,
            sample_rate: 48_000.0,
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

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(self.params.clone())
    }

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.sample_rate = buffer_config.sample_rate;
        context.set_latency_samples(0);
        true
    }

    fn reset(&mut self) {
        self.wet_target = if self.params.bypass.value() { 0.0 } else { 1.0 };
        self.wet_mix.reset(self.wet_target);
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        _context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        #[cfg(feature = "test-hooks")]
        if self.params.debug_alloc.value() {
            // Deliberate allocation: the alloc guard must abort the host here.
            std::hint::black_box(vec![0u8; 16]);
        }

        let wet_target = if self.params.bypass.value() { 0.0 } else { 1.0 };
        if wet_target != self.wet_target {
            self.wet_target = wet_target;
            self.wet_mix.set_target(self.sample_rate, wet_target);
        }

        let channels = buffer.as_slice();
        let [left, right] = channels else {
            return ProcessStatus::Normal;
        };
        let frames = left.len().min(right.len());
        let mut start = 0;
        while start < frames {
            let n = CHUNK.min(frames - start);
            let l = &mut left[start..start + n];
            let r = &mut right[start..start + n];

            let mut dry_l = [0.0f32; CHUNK];
            let mut dry_r = [0.0f32; CHUNK];
            dry_l[..n].copy_from_slice(l);
            dry_r[..n].copy_from_slice(r);

            let mut ramp = [0.0f32; CHUNK];
            self.params.input_gain.smoothed.next_block(&mut ramp, n);
            apply_gain_ramp(l, r, &ramp[..n]);
            self.params.output_gain.smoothed.next_block(&mut ramp, n);
            apply_gain_ramp(l, r, &ramp[..n]);

            let mut mix = [0.0f32; CHUNK];
            self.wet_mix.next_block(&mut mix, n);
            crossfade_to_dry(l, &dry_l[..n], &mix[..n]);
            crossfade_to_dry(r, &dry_r[..n], &mix[..n]);

            flush_non_normal(l);
            flush_non_normal(r);

            start += n;
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
}

impl Vst3Plugin for Lacquer {
    const VST3_CLASS_ID: [u8; 16] = *b"LacquerMasterFx1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Mastering];
}

nice_export_clap!(Lacquer);
nice_export_vst3!(Lacquer);
