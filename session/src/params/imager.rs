//! The imager's parameters: width (whole or in bands), bass mono, balance, polarity, swap and
//! mid/side solo.

use super::build::*;
use super::host_enum::*;
use crate::changes::{ChangeCounter, Tracked};
use crate::units::*;
use lacquer_dsp::imager::ImagerParams;
use nice_plug::prelude::*;

#[derive(Params)]
pub struct ImagerHostParams {
    #[id = "img_on"]
    pub enabled: BoolParam,
    #[id = "img_width"]
    pub width: FloatParam,
    #[id = "img_bass_mono"]
    pub bass_mono: BoolParam,
    #[id = "img_bass_hz"]
    pub bass_mono_hz: FloatParam,
    #[id = "img_bands"]
    pub bands: IntParam,
    #[id = "img_x1"]
    pub crossover_1: FloatParam,
    #[id = "img_x2"]
    pub crossover_2: FloatParam,
    #[id = "img_w1"]
    pub width_1: FloatParam,
    #[id = "img_w2"]
    pub width_2: FloatParam,
    #[id = "img_w3"]
    pub width_3: FloatParam,
    #[id = "img_balance"]
    pub balance: FloatParam,
    #[id = "img_inv_l"]
    pub invert_left: BoolParam,
    #[id = "img_inv_r"]
    pub invert_right: BoolParam,
    #[id = "img_swap"]
    pub swap: BoolParam,
    #[id = "img_solo"]
    pub solo: EnumParam<HostSolo>,
}

impl ImagerHostParams {
    pub(super) fn new(enabled: bool, c: &ChangeCounter) -> Self {
        Self {
            enabled: switch("Imager On", enabled).tracked(c),
            width: percent("Width", 1.0, 2.0).tracked(c),
            bass_mono: switch("Bass Mono", false).tracked(c),
            bass_mono_hz: hz("Bass Mono Frequency", 120.0, 20.0, 500.0).tracked(c),
            bands: IntParam::new("Width Bands", 1, IntRange::Linear { min: 1, max: 3 })
                .non_automatable()
                .tracked(c),
            crossover_1: hz("Width Crossover 1", 300.0, 20.0, 20_000.0).tracked(c),
            crossover_2: hz("Width Crossover 2", 4000.0, 20.0, 20_000.0).tracked(c),
            width_1: percent("Band Width 1", 1.0, 2.0).tracked(c),
            width_2: percent("Band Width 2", 1.0, 2.0).tracked(c),
            width_3: percent("Band Width 3", 1.0, 2.0).tracked(c),
            balance: FloatParam::new(
                "Balance",
                0.0,
                FloatRange::Linear {
                    min: -1.0,
                    max: 1.0,
                },
            )
            .with_value_to_string(v2s_percent())
            .with_string_to_value(s2v_percent())
            .tracked(c),
            invert_left: switch("Invert Left", false).tracked(c),
            invert_right: switch("Invert Right", false).tracked(c),
            swap: switch("Swap L/R", false).tracked(c),
            solo: EnumParam::new("Mid/Side Solo", HostSolo::Off).tracked(c),
        }
    }

    pub(super) fn apply(&self, i: &mut ImagerParams) {
        i.width_percent = value(&self.width) * 100.0;
        i.bass_mono = self.bass_mono.value();
        i.bass_mono_hz = value(&self.bass_mono_hz);
        i.width_bands = self.bands.value().clamp(1, 3) as usize;
        i.band_crossovers_hz = [value(&self.crossover_1), value(&self.crossover_2)];
        i.band_width_percent = [
            value(&self.width_1) * 100.0,
            value(&self.width_2) * 100.0,
            value(&self.width_3) * 100.0,
        ];
        i.balance_percent = value(&self.balance) * 100.0;
        i.invert_left = self.invert_left.value();
        i.invert_right = self.invert_right.value();
        i.swap = self.swap.value();
        i.solo = self.solo.value().into();
    }
}
