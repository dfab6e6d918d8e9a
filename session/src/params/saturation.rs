//! The saturation's parameters.

use super::build::*;
use super::host_enum::*;
use crate::changes::{ChangeCounter, Tracked};
use lacquer_dsp::saturation::SaturationParams;
use nice_plug::prelude::*;

#[derive(Params)]
pub struct SaturationHostParams {
    #[id = "sat_on"]
    pub enabled: BoolParam,
    #[id = "sat_curve"]
    pub curve: EnumParam<HostCurve>,
    #[id = "sat_drive"]
    pub drive: FloatParam,
    #[id = "sat_mix"]
    pub mix: FloatParam,
    #[id = "sat_os"]
    pub oversampling: EnumParam<HostOversampling>,
}

impl SaturationHostParams {
    pub(super) fn new(enabled: bool, c: &ChangeCounter) -> Self {
        Self {
            enabled: switch("Saturation On", enabled).tracked(c),
            curve: EnumParam::new("Saturation Curve", HostCurve::Tape).tracked(c),
            drive: db("Saturation Drive", 0.0, 0.0, 24.0).tracked(c),
            mix: percent("Saturation Mix", 1.0, 1.0).tracked(c),
            oversampling: EnumParam::new("Saturation Oversampling", HostOversampling::X4)
                .non_automatable()
                .tracked(c),
        }
    }

    pub(super) fn apply(&self, s: &mut SaturationParams) {
        s.curve = self.curve.value().into();
        s.drive_db = value(&self.drive);
        s.mix_percent = value(&self.mix) * 100.0;
        s.oversampling = self.oversampling.value().into();
    }
}
