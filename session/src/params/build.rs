//! Builders for the kinds of parameter Lacquer has (dB, Hz, ms, percent, ratio, trim), so a
//! parameter's unit, display and text entry are chosen once, by its kind.

use crate::units::*;
use nice_plug::prelude::*;

/// Range of the input and output trims, in dB.
pub const TRIM_RANGE_DB: f32 = 24.0;
/// Ratios at or above this are infinity.
pub const RATIO_INFINITE_AT: f32 = 30.0;

pub(super) fn db(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min, max })
        .with_step_size(0.01)
        .with_value_to_string(v2s_db())
        .with_string_to_value(s2v_db())
}

fn skewed(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(-2.0),
        },
    )
}

pub(super) fn hz(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    skewed(name, default, min, max)
        .with_value_to_string(v2s_hz())
        .with_string_to_value(s2v_hz())
}

pub(super) fn ms(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    skewed(name, default, min, max)
        .with_value_to_string(v2s_ms())
        .with_string_to_value(s2v_ms())
}

pub(super) fn percent(name: &str, default: f32, max: f32) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min: 0.0, max })
        .with_value_to_string(v2s_percent())
        .with_string_to_value(s2v_percent())
}

pub(super) fn switch(name: &str, default: bool) -> BoolParam {
    BoolParam::new(name, default)
}

pub(super) fn ratio(name: &str, default: f32) -> FloatParam {
    skewed(name, default, 1.0, RATIO_INFINITE_AT)
        .with_value_to_string(v2s_ratio(RATIO_INFINITE_AT))
        .with_string_to_value(s2v_ratio(RATIO_INFINITE_AT))
}

/// A ratio parameter's value for the kernels: the top of the range is infinity.
pub(super) fn ratio_value(x: &FloatParam) -> f64 {
    if x.value() >= RATIO_INFINITE_AT {
        f64::INFINITY
    } else {
        x.value() as f64
    }
}

/// A float parameter's value for the kernels.
pub(super) fn value(x: &FloatParam) -> f64 {
    x.value() as f64
}

pub(super) fn trim(name: &str) -> FloatParam {
    FloatParam::new(
        name,
        1.0,
        FloatRange::Skewed {
            min: util::db_to_gain(-TRIM_RANGE_DB),
            max: util::db_to_gain(TRIM_RANGE_DB),
            factor: FloatRange::gain_skew_factor(-TRIM_RANGE_DB, TRIM_RANGE_DB),
        },
    )
    .with_unit(" dB")
    .with_value_to_string(formatters::v2s_f32_gain_to_db(2))
    .with_string_to_value(formatters::s2v_f32_gain_to_db())
}
