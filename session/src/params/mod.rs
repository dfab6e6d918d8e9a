//! Lacquer's host parameters. IDs are frozen: they are how hosts store automation and state.
//! Each module's parameters sit in their own group (one file each, beside their conversion to
//! the kernel's settings); the groups are nested without an ID prefix, so the IDs are the
//! flat ones sessions were saved with.
//!
//! Parameters carry targets only; every kernel smooths its own settings per sample, so the
//! chain behaves the same in the plugin and in the offline renderer. `chain_params()` turns
//! the current values into the chain's settings.

mod build;
mod dynamics;
mod eq;
mod global;
mod host_enum;
mod imager;
mod output;
mod reference;
mod saturation;

pub use build::{RATIO_INFINITE_AT, TRIM_RANGE_DB};
pub use dynamics::{CompressorHostParams, MbBandHostParams, MultibandHostParams, MB_BANDS};
pub use eq::{EqBandHostParams, EqHostParams, EQ_BANDS};
pub use global::{index_from_order, order_from_index};
pub use host_enum::*;
pub use imager::ImagerHostParams;
pub use output::{DitherHostParams, LimiterHostParams};
pub use reference::ReferenceHostParams;
pub use saturation::SaturationHostParams;

use crate::changes::{ChangeCounter, StateFormat, Tracked};
use crate::units::*;
use build::*;
use global::*;
use lacquer_dsp::chain::ChainParams;
use lacquer_dsp::targets::TARGETS;
use nice_plug::prelude::*;
use std::sync::Arc;

#[derive(Params)]
pub struct LacquerParams {
    /// Counts every parameter change (see `changes`).
    pub changes: ChangeCounter,

    /// Editor window size and scale (see `editor_view`).
    #[persist = "editor_view"]
    pub editor_view: std::sync::Mutex<crate::editor_view::EditorView>,

    /// Settings A/B: the inactive slot (see `ab`).
    #[persist = "ab"]
    pub ab: std::sync::Mutex<crate::ab::AbSlots>,

    /// Layout version of the saved state (see `presets::migrate`).
    #[persist = "state_format"]
    pub state_format: StateFormat,

    #[id = "in_gain"]
    pub input_gain: FloatParam,
    #[id = "out_gain"]
    pub output_gain: FloatParam,
    #[id = "bypass"]
    pub bypass: BoolParam,
    #[id = "gain_match"]
    pub gain_match: BoolParam,
    /// Order of the five reorderable modules, as a permutation index (see `order_from_index`).
    #[id = "order"]
    pub order: IntParam,
    /// Delivery target: 0 = custom, 1.. = `TARGETS[i - 1]`.
    #[id = "target"]
    pub target: IntParam,
    /// Loudness of the "Custom" delivery target.
    #[id = "target_lufs"]
    pub custom_target_lufs: FloatParam,

    #[nested(group = "EQ")]
    pub eq: EqHostParams,
    #[nested(group = "Compressor")]
    pub comp: CompressorHostParams,
    #[nested(group = "Multiband")]
    pub mb: MultibandHostParams,
    #[nested(group = "Saturation")]
    pub sat: SaturationHostParams,
    #[nested(group = "Imager")]
    pub img: ImagerHostParams,
    #[nested(group = "Limiter")]
    pub lim: LimiterHostParams,
    #[nested(group = "Dither")]
    pub dither: DitherHostParams,
    #[nested(group = "Reference")]
    pub refs: ReferenceHostParams,

    /// Test builds only: when on, `process()` allocates on purpose so the suite can prove that
    /// the allocation guard is live. Absent from shipping builds.
    #[cfg(feature = "test-hooks")]
    #[id = "debug_alloc"]
    pub debug_alloc: BoolParam,
}

impl Default for LacquerParams {
    fn default() -> Self {
        let d = ChainParams::default();
        let c = &ChangeCounter::default();
        Self {
            changes: c.clone(),
            editor_view: Default::default(),
            ab: Default::default(),
            state_format: StateFormat::new(crate::presets::STATE_FORMAT),
            input_gain: trim("Input Gain").tracked(c),
            output_gain: trim("Output Gain").tracked(c),
            bypass: BoolParam::new("Bypass", false)
                .with_value_to_string(formatters::v2s_bool_bypass())
                .with_string_to_value(formatters::s2v_bool_bypass())
                .make_bypass()
                .tracked(c),
            gain_match: switch("Gain-Matched Listening", false).tracked(c),
            order: IntParam::new("Module Order", 0, IntRange::Linear { min: 0, max: 119 })
                .non_automatable()
                .with_value_to_string(order_to_string())
                .with_string_to_value(string_to_order())
                .tracked(c),
            target: IntParam::new(
                "Delivery Target",
                0,
                IntRange::Linear {
                    min: 0,
                    max: TARGETS.len() as i32,
                },
            )
            .non_automatable()
            .with_value_to_string(target_to_string())
            .with_string_to_value(string_to_target())
            .tracked(c),
            custom_target_lufs: FloatParam::new(
                "Custom Target Loudness",
                -14.0,
                FloatRange::Linear {
                    min: -36.0,
                    max: -5.0,
                },
            )
            .with_value_to_string(Arc::new(|v| format!("{v:.1} LUFS")))
            .with_string_to_value(s2v_db())
            .non_automatable()
            .tracked(c),

            eq: EqHostParams::new(d.eq_enabled, c),
            comp: CompressorHostParams::new(d.compressor_enabled, c),
            mb: MultibandHostParams::new(d.multiband_enabled, c),
            sat: SaturationHostParams::new(d.saturation_enabled, c),
            img: ImagerHostParams::new(d.imager_enabled, c),
            lim: LimiterHostParams::new(d.limiter_enabled, c),
            dither: DitherHostParams::new(d.dither_enabled, c),
            refs: ReferenceHostParams::new(c),

            #[cfg(feature = "test-hooks")]
            debug_alloc: BoolParam::new("Debug: allocate in process", false)
                .hide()
                .non_automatable()
                .tracked(c),
        }
    }
}

impl LacquerParams {
    /// Integrated loudness of the selected delivery target (the custom value for "Custom";
    /// `None` for a target without one, such as CD).
    pub fn target_lufs(&self) -> Option<f64> {
        match self.target.value() {
            0 => Some(self.custom_target_lufs.value() as f64),
            i => TARGETS.get(i as usize - 1)?.integrated_lufs,
        }
    }

    /// The chain's settings for the current parameter values (targets; the kernels smooth).
    pub fn chain_params(&self) -> ChainParams {
        let mut p = ChainParams {
            input_gain_db: util::gain_to_db(self.input_gain.value()) as f64,
            output_gain_db: util::gain_to_db(self.output_gain.value()) as f64,
            order: order_from_index(self.order.value()),
            gain_match: self.gain_match.value(),
            bypass: self.bypass.value(),
            eq_enabled: self.eq.enabled.value(),
            eq_mode: self.eq.eq_mode(),
            compressor_enabled: self.comp.enabled.value(),
            multiband_enabled: self.mb.enabled.value(),
            saturation_enabled: self.sat.enabled.value(),
            imager_enabled: self.img.enabled.value(),
            limiter_enabled: self.lim.enabled.value(),
            dither_enabled: self.dither.enabled.value(),
            eq_match: self.refs.match_params(),
            ..ChainParams::default()
        };
        self.eq.apply(&mut p.eq);
        self.comp.apply(&mut p.compressor);
        self.mb.apply(&mut p.multiband);
        self.sat.apply(&mut p.saturation);
        self.img.apply(&mut p.imager);
        // A delivery target sets the ceiling: never above what the destination asks for.
        let target_ceiling = TARGETS
            .get((self.target.value() as usize).wrapping_sub(1))
            .map(|t| t.ceiling_dbtp);
        self.lim.apply(&mut p.limiter, target_ceiling);
        self.dither.apply(&mut p.dither);
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_parameters_give_the_default_chain_modules() {
        let p = LacquerParams::default().chain_params();
        let d = ChainParams::default();
        assert_eq!(p.order, d.order);
        assert_eq!(p.eq_enabled, d.eq_enabled);
        assert_eq!(p.limiter_enabled, d.limiter_enabled);
        assert!(p.validate().is_ok(), "{:?}", p.validate());
    }
}
