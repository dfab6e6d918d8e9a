//! The output stages' parameters: the true-peak limiter and the dither.

use super::build::*;
use super::host_enum::*;
use crate::changes::{ChangeCounter, Tracked};
use lacquer_dsp::dither::DitherParams;
use lacquer_dsp::dynamics::LimiterParams;
use nice_plug::prelude::*;

#[derive(Params)]
pub struct LimiterHostParams {
    #[id = "lim_on"]
    pub enabled: BoolParam,
    #[id = "lim_ceiling"]
    pub ceiling: FloatParam,
    #[id = "lim_drive"]
    pub drive: FloatParam,
    #[id = "lim_la"]
    pub lookahead: FloatParam,
    #[id = "lim_rel"]
    pub release: FloatParam,
    #[id = "lim_auto_rel"]
    pub auto_release: BoolParam,
    #[id = "lim_link"]
    pub link: FloatParam,
    #[id = "lim_tp"]
    pub true_peak: BoolParam,
    #[id = "lim_band"]
    pub band_limit: BoolParam,
}

impl LimiterHostParams {
    pub(super) fn new(enabled: bool, c: &ChangeCounter) -> Self {
        Self {
            enabled: switch("Limiter On", enabled).tracked(c),
            ceiling: db("Limiter Ceiling", -1.0, -12.0, 0.0).tracked(c),
            drive: db("Limiter Drive", 0.0, 0.0, 24.0).tracked(c),
            lookahead: ms("Limiter Lookahead", 5.0, 0.5, 20.0)
                .non_automatable()
                .tracked(c),
            release: ms("Limiter Release", 100.0, 1.0, 1000.0).tracked(c),
            auto_release: switch("Limiter Auto Release", true).tracked(c),
            link: percent("Limiter Stereo Link", 1.0, 1.0).tracked(c),
            true_peak: switch("Limiter True Peak", true).tracked(c),
            band_limit: switch("Limiter Band Limit", false).tracked(c),
        }
    }

    /// `target_ceiling_dbtp`: a delivery target's ceiling, which the limiter never exceeds.
    pub(super) fn apply(&self, l: &mut LimiterParams, target_ceiling_dbtp: Option<f64>) {
        l.ceiling_db = value(&self.ceiling);
        if let Some(t) = target_ceiling_dbtp {
            l.ceiling_db = l.ceiling_db.min(t);
        }
        l.drive_db = value(&self.drive);
        l.lookahead_ms = value(&self.lookahead);
        l.release_ms = value(&self.release);
        l.auto_release = self.auto_release.value();
        l.link = value(&self.link);
        l.true_peak = self.true_peak.value();
        l.band_limit = self.band_limit.value();
    }
}

#[derive(Params)]
pub struct DitherHostParams {
    #[id = "dither_on"]
    pub enabled: BoolParam,
    #[id = "dither_mode"]
    pub mode: EnumParam<HostDitherMode>,
    #[id = "dither_bits"]
    pub bits: EnumParam<HostBits>,
}

impl DitherHostParams {
    pub(super) fn new(enabled: bool, c: &ChangeCounter) -> Self {
        Self {
            enabled: switch("Dither On", enabled).tracked(c),
            mode: EnumParam::new("Dither Mode", HostDitherMode::Tpdf).tracked(c),
            bits: EnumParam::new("Dither Bits", HostBits::B16).tracked(c),
        }
    }

    pub(super) fn apply(&self, d: &mut DitherParams) {
        d.mode = self.mode.value().into();
        d.bits = self.bits.value().into();
    }
}
