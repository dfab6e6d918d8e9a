//! The EQ's parameters: on, phase mode, and ten bands (high-pass, eight parametric, low-pass).

use super::build::*;
use super::host_enum::*;
use crate::changes::{ChangeCounter, Tracked};
use crate::units::*;
use lacquer_dsp::chain::EqMode;
use lacquer_dsp::eq::band::EqParams;
use lacquer_dsp::eq::band::{HIGH_PASS_SLOT, LOW_PASS_SLOT};
use nice_plug::prelude::*;
use std::sync::Arc;

pub const EQ_BANDS: usize = lacquer_dsp::eq::band::MAX_BANDS;

#[derive(Params)]
pub struct EqHostParams {
    #[id = "eq_enabled"]
    pub enabled: BoolParam,
    #[id = "eq_mode"]
    pub mode: EnumParam<HostEqMode>,
    #[nested(array, group = "EQ Band")]
    pub bands: [EqBandHostParams; EQ_BANDS],
}

impl EqHostParams {
    pub(super) fn new(enabled: bool, c: &ChangeCounter) -> Self {
        Self {
            enabled: switch("EQ On", enabled).tracked(c),
            mode: EnumParam::new("EQ Phase Mode", HostEqMode::Minimum)
                .non_automatable()
                .tracked(c),
            bands: std::array::from_fn(|i| EqBandHostParams::new(i, c)),
        }
    }

    pub fn eq_mode(&self) -> EqMode {
        self.mode.value().into()
    }

    pub(super) fn apply(&self, p: &mut EqParams) {
        for (band, host) in p.bands.iter_mut().zip(&self.bands) {
            band.enabled = host.enabled.value();
            band.kind = host.kind.value().into();
            band.freq_hz = value(&host.freq);
            band.gain_db = value(&host.gain);
            band.q = value(&host.q);
            band.slope_db_oct = host.slope.value() as f64 * 6.0;
            band.pass_kind = host.pass_kind.value().into();
            band.placement = host.placement.value().into();
            band.dynamic.enabled = host.dynamic.value();
            band.dynamic.threshold_db = value(&host.dyn_threshold);
            band.dynamic.range_db = value(&host.dyn_range);
            band.dynamic.attack_ms = value(&host.dyn_attack);
            band.dynamic.release_ms = value(&host.dyn_release);
        }
    }
}

/// One EQ band. IDs get the band number appended (`eq_freq_1` .. `eq_freq_10`).
#[derive(Params)]
pub struct EqBandHostParams {
    #[id = "eq_on"]
    pub enabled: BoolParam,
    #[id = "eq_type"]
    pub kind: EnumParam<HostBandType>,
    #[id = "eq_freq"]
    pub freq: FloatParam,
    #[id = "eq_gain"]
    pub gain: FloatParam,
    #[id = "eq_q"]
    pub q: FloatParam,
    #[id = "eq_slope"]
    pub slope: IntParam,
    #[id = "eq_pass"]
    pub pass_kind: EnumParam<HostPassKind>,
    #[id = "eq_place"]
    pub placement: EnumParam<HostPlacement>,
    #[id = "eq_dyn"]
    pub dynamic: BoolParam,
    #[id = "eq_dyn_thr"]
    pub dyn_threshold: FloatParam,
    #[id = "eq_dyn_range"]
    pub dyn_range: FloatParam,
    #[id = "eq_dyn_att"]
    pub dyn_attack: FloatParam,
    #[id = "eq_dyn_rel"]
    pub dyn_release: FloatParam,
}

impl EqBandHostParams {
    fn new(slot: usize, c: &ChangeCounter) -> Self {
        let (kind, freq) = match slot {
            HIGH_PASS_SLOT => (HostBandType::HighPass, 30.0),
            LOW_PASS_SLOT => (HostBandType::LowPass, 18_000.0),
            // Parametric bands spread over the spectrum so a new band lands somewhere useful.
            i => (
                HostBandType::Bell,
                [60.0, 150.0, 400.0, 1000.0, 2500.0, 5000.0, 9000.0, 14000.0][(i - 1).min(7)],
            ),
        };
        // Every name carries its band, so host lists and controller pages read unambiguously.
        let label = match slot {
            HIGH_PASS_SLOT => "EQ HP".to_string(),
            LOW_PASS_SLOT => "EQ LP".to_string(),
            i => format!("EQ {i}"),
        };
        let n = |what: &str| format!("{label} {what}");
        Self {
            enabled: switch(&n("On"), false).tracked(c),
            kind: EnumParam::new(n("Type"), kind).tracked(c),
            freq: hz(&n("Frequency"), freq, 10.0, 30_000.0).tracked(c),
            gain: db(&n("Gain"), 0.0, -24.0, 24.0).tracked(c),
            q: FloatParam::new(
                n("Q"),
                std::f32::consts::FRAC_1_SQRT_2,
                FloatRange::Skewed {
                    min: 0.025,
                    max: 40.0,
                    factor: FloatRange::skew_factor(-2.0),
                },
            )
            .with_value_to_string(v2s_plain(3))
            .with_string_to_value(s2v_plain())
            .tracked(c),
            // Stored as the filter order; shown as the slope (6 dB/oct per order).
            slope: IntParam::new(n("Slope"), 2, IntRange::Linear { min: 1, max: 16 })
                .with_value_to_string(Arc::new(|order| format!("{} dB/oct", order * 6)))
                .with_string_to_value(Arc::new(|s| {
                    let s = s.trim().to_ascii_lowercase();
                    let db: i32 = s.trim_end_matches("db/oct").trim().parse().ok()?;
                    (db > 0 && db % 6 == 0).then_some(db / 6)
                }))
                .tracked(c),
            pass_kind: EnumParam::new(n("Alignment"), HostPassKind::Butterworth).tracked(c),
            placement: EnumParam::new(n("Placement"), HostPlacement::Stereo).tracked(c),
            dynamic: switch(&n("Dynamic"), false).tracked(c),
            dyn_threshold: db(&n("Dynamic Threshold"), -20.0, -80.0, 0.0).tracked(c),
            dyn_range: db(&n("Dynamic Range"), -6.0, -24.0, 24.0).tracked(c),
            dyn_attack: ms(&n("Dynamic Attack"), 10.0, 0.1, 500.0).tracked(c),
            dyn_release: ms(&n("Dynamic Release"), 100.0, 1.0, 5000.0).tracked(c),
        }
    }
}
