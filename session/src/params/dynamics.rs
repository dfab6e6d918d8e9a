//! The wide-band and multiband compressors' parameters.

use super::build::*;
use super::host_enum::*;
use crate::changes::{ChangeCounter, Tracked};
use lacquer_dsp::dynamics::compressor::CompressorParams;
use lacquer_dsp::dynamics::multiband::MultibandParams;
use nice_plug::prelude::*;

pub const MB_BANDS: usize = lacquer_dsp::filter::crossover::MAX_BANDS;

#[derive(Params)]
pub struct CompressorHostParams {
    #[id = "comp_on"]
    pub enabled: BoolParam,
    #[id = "comp_thr"]
    pub threshold: FloatParam,
    #[id = "comp_ratio"]
    pub ratio: FloatParam,
    #[id = "comp_knee"]
    pub knee: FloatParam,
    #[id = "comp_att"]
    pub attack: FloatParam,
    #[id = "comp_rel"]
    pub release: FloatParam,
    #[id = "comp_auto_rel"]
    pub auto_release: BoolParam,
    #[id = "comp_detect"]
    pub detection: EnumParam<HostDetection>,
    #[id = "comp_sc_hpf"]
    pub sc_hpf: BoolParam,
    #[id = "comp_sc_hz"]
    pub sc_hz: FloatParam,
    #[id = "comp_link"]
    pub link: FloatParam,
    #[id = "comp_stereo"]
    pub stereo: EnumParam<HostStereoMode>,
    #[id = "comp_makeup"]
    pub makeup: FloatParam,
    #[id = "comp_auto_mk"]
    pub auto_makeup: BoolParam,
    #[id = "comp_mix"]
    pub mix: FloatParam,
    #[id = "comp_la"]
    pub lookahead: FloatParam,
}

impl CompressorHostParams {
    pub(super) fn new(enabled: bool, c: &ChangeCounter) -> Self {
        Self {
            enabled: switch("Compressor On", enabled).tracked(c),
            threshold: db("Compressor Threshold", -18.0, -60.0, 0.0).tracked(c),
            ratio: ratio("Compressor Ratio", 2.0).tracked(c),
            knee: db("Compressor Knee", 6.0, 0.0, 24.0).tracked(c),
            attack: ms("Compressor Attack", 10.0, 0.05, 500.0).tracked(c),
            release: ms("Compressor Release", 100.0, 5.0, 5000.0).tracked(c),
            auto_release: switch("Compressor Auto Release", false).tracked(c),
            detection: EnumParam::new("Compressor Detection", HostDetection::Peak).tracked(c),
            sc_hpf: switch("Compressor Sidechain HPF", false).tracked(c),
            sc_hz: hz("Compressor Sidechain HPF Frequency", 80.0, 20.0, 500.0).tracked(c),
            link: percent("Compressor Stereo Link", 1.0, 1.0).tracked(c),
            stereo: EnumParam::new("Compressor Stereo Mode", HostStereoMode::LeftRight).tracked(c),
            makeup: db("Compressor Makeup", 0.0, -12.0, 24.0).tracked(c),
            auto_makeup: switch("Compressor Auto Makeup", false).tracked(c),
            mix: percent("Compressor Mix", 1.0, 1.0).tracked(c),
            lookahead: ms("Compressor Lookahead", 0.0, 0.0, 10.0)
                .non_automatable()
                .tracked(c),
        }
    }

    pub(super) fn apply(&self, c: &mut CompressorParams) {
        c.threshold_db = value(&self.threshold);
        c.ratio = ratio_value(&self.ratio);
        c.knee_db = value(&self.knee);
        c.attack_ms = value(&self.attack);
        c.release_ms = value(&self.release);
        c.auto_release = self.auto_release.value();
        c.detection = self.detection.value().into();
        c.sidechain_hpf = self.sc_hpf.value();
        c.sidechain_hpf_hz = value(&self.sc_hz);
        c.link = value(&self.link);
        c.stereo_mode = self.stereo.value().into();
        c.makeup_db = value(&self.makeup);
        c.auto_makeup = self.auto_makeup.value();
        c.mix = value(&self.mix);
        c.lookahead_ms = value(&self.lookahead);
    }
}

#[derive(Params)]
pub struct MultibandHostParams {
    #[id = "mb_on"]
    pub enabled: BoolParam,
    #[id = "mb_bands"]
    pub bands: IntParam,
    #[id = "mb_x1"]
    pub crossover_1: FloatParam,
    #[id = "mb_x2"]
    pub crossover_2: FloatParam,
    #[id = "mb_x3"]
    pub crossover_3: FloatParam,
    #[id = "mb_la"]
    pub lookahead: FloatParam,
    #[nested(array, group = "Multiband Band")]
    pub band: [MbBandHostParams; MB_BANDS],
}

impl MultibandHostParams {
    pub(super) fn new(enabled: bool, c: &ChangeCounter) -> Self {
        Self {
            enabled: switch("Multiband On", enabled).tracked(c),
            bands: IntParam::new(
                "Multiband Bands",
                3,
                IntRange::Linear {
                    min: 2,
                    max: MB_BANDS as i32,
                },
            )
            .non_automatable()
            .tracked(c),
            crossover_1: hz("Multiband Crossover 1", 120.0, 20.0, 20_000.0).tracked(c),
            crossover_2: hz("Multiband Crossover 2", 1000.0, 20.0, 20_000.0).tracked(c),
            crossover_3: hz("Multiband Crossover 3", 6000.0, 20.0, 20_000.0).tracked(c),
            lookahead: ms("Multiband Lookahead", 0.0, 0.0, 10.0)
                .non_automatable()
                .tracked(c),
            band: std::array::from_fn(|i| MbBandHostParams::new(i, c)),
        }
    }

    pub(super) fn apply(&self, m: &mut MultibandParams) {
        m.bands = self.bands.value().clamp(2, MB_BANDS as i32) as usize;
        m.crossovers_hz = [
            value(&self.crossover_1),
            value(&self.crossover_2),
            value(&self.crossover_3),
        ];
        m.lookahead_ms = value(&self.lookahead);
        for (band, host) in m.band.iter_mut().zip(&self.band) {
            band.compressor.threshold_db = value(&host.threshold);
            band.compressor.ratio = ratio_value(&host.ratio);
            band.compressor.attack_ms = value(&host.attack);
            band.compressor.release_ms = value(&host.release);
            band.gain_db = value(&host.gain);
            band.solo = host.solo.value();
            band.mute = host.mute.value();
            band.bypass = host.bypass.value();
        }
    }
}

/// One band of the multiband compressor (`mb_thr_1` .. `mb_thr_4`).
#[derive(Params)]
pub struct MbBandHostParams {
    #[id = "mb_thr"]
    pub threshold: FloatParam,
    #[id = "mb_ratio"]
    pub ratio: FloatParam,
    #[id = "mb_att"]
    pub attack: FloatParam,
    #[id = "mb_rel"]
    pub release: FloatParam,
    #[id = "mb_gain"]
    pub gain: FloatParam,
    #[id = "mb_solo"]
    pub solo: BoolParam,
    #[id = "mb_mute"]
    pub mute: BoolParam,
    #[id = "mb_bypass"]
    pub bypass: BoolParam,
}

impl MbBandHostParams {
    fn new(band: usize, c: &ChangeCounter) -> Self {
        let n = |what: &str| format!("MB {} {what}", band + 1);
        Self {
            threshold: db(&n("Threshold"), -18.0, -60.0, 0.0).tracked(c),
            ratio: ratio(&n("Ratio"), 2.0).tracked(c),
            attack: ms(&n("Attack"), 10.0, 0.05, 500.0).tracked(c),
            release: ms(&n("Release"), 150.0, 5.0, 5000.0).tracked(c),
            gain: db(&n("Gain"), 0.0, -24.0, 24.0).tracked(c),
            solo: switch(&n("Solo"), false).tracked(c),
            mute: switch(&n("Mute"), false).tracked(c),
            bypass: switch(&n("Bypass"), false).tracked(c),
        }
    }
}
