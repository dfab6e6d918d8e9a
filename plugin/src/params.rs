//! Lacquer's host parameters. IDs are frozen: they are how hosts store automation and state.

use nice_plug::prelude::*;
use nice_plug_egui::EguiEditorState;
use std::sync::Arc;

/// Range of the input and output trims, in dB.
pub const TRIM_RANGE_DB: f32 = 24.0;
/// Gain smoothing time. Long enough to avoid zipper noise on a full-range fader move, short
/// enough that automation feels immediate.
pub const GAIN_SMOOTHING_MS: f32 = 20.0;
/// Bypass crossfade time: short, but long enough that toggling never clicks.
pub const BYPASS_FADE_MS: f32 = 10.0;

#[derive(Params)]
pub struct LacquerParams {
    /// Editor window size and open flag (not yet part of the saved state).
    pub editor_state: Arc<EguiEditorState>,

    #[id = "in_gain"]
    pub input_gain: FloatParam,

    #[id = "out_gain"]
    pub output_gain: FloatParam,

    #[id = "bypass"]
    pub bypass: BoolParam,

    /// Test builds only: when on, `process()` allocates on purpose so the suite can prove that
    /// the allocation guard is live. Absent from shipping builds.
    #[cfg(feature = "test-hooks")]
    #[id = "debug_alloc"]
    pub debug_alloc: BoolParam,
}

fn trim_param(name: &str) -> FloatParam {
    FloatParam::new(
        name,
        1.0,
        FloatRange::Skewed {
            min: util::db_to_gain(-TRIM_RANGE_DB),
            max: util::db_to_gain(TRIM_RANGE_DB),
            factor: FloatRange::gain_skew_factor(-TRIM_RANGE_DB, TRIM_RANGE_DB),
        },
    )
    // Multiplicative smoothing: a dB-linear fade, which is how a level change is heard.
    .with_smoother(SmoothingStyle::Logarithmic(GAIN_SMOOTHING_MS))
    .with_unit(" dB")
    .with_value_to_string(formatters::v2s_f32_gain_to_db(2))
    .with_string_to_value(formatters::s2v_f32_gain_to_db())
}

impl Default for LacquerParams {
    fn default() -> Self {
        Self {
            editor_state: crate::editor::default_state(),
            input_gain: trim_param("Input Gain"),
            output_gain: trim_param("Output Gain"),
            bypass: BoolParam::new("Bypass", false)
                .with_value_to_string(formatters::v2s_bool_bypass())
                .with_string_to_value(formatters::s2v_bool_bypass())
                .make_bypass(),
            #[cfg(feature = "test-hooks")]
            debug_alloc: BoolParam::new("Debug: allocate in process", false)
                .hide()
                .non_automatable(),
        }
    }
}
