//! Lacquer's host parameters. IDs are frozen: they are how hosts store automation and state.
//!
//! Parameters carry targets only; every kernel smooths its own settings per sample, so the
//! chain behaves the same in the plugin and in the offline renderer. `chain_params()` turns
//! the current values into the chain's settings.

use crate::changes::{ChangeCounter, Tracked};
use crate::units::*;
use lacquer_dsp::chain::{ChainParams, EqMode, Module};
use lacquer_dsp::dither::DitherMode;
use lacquer_dsp::dynamics::compressor::{Detection, StereoMode};
use lacquer_dsp::eq::band::{BandType, PassKind, Placement, HIGH_PASS_SLOT, LOW_PASS_SLOT};
use lacquer_dsp::eq::linear_phase::LinearPhaseLatency;
use lacquer_dsp::filter::oversampler::OversamplingFactor;
use lacquer_dsp::imager::ImagerSolo;
use lacquer_dsp::saturation::SaturationCurve;
use lacquer_dsp::targets::TARGETS;
use nice_plug::prelude::*;
use nice_plug_egui::EguiEditorState;
use std::sync::Arc;

/// Range of the input and output trims, in dB.
pub const TRIM_RANGE_DB: f32 = 24.0;
/// Ratios at or above this are infinity.
pub const RATIO_INFINITE_AT: f32 = 30.0;
pub const EQ_BANDS: usize = lacquer_dsp::eq::band::MAX_BANDS;
pub const MB_BANDS: usize = 4;

fn db(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min, max })
        .with_step_size(0.01)
        .with_value_to_string(v2s_db())
        .with_string_to_value(s2v_db())
}

fn hz(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(-2.0),
        },
    )
    .with_value_to_string(v2s_hz())
    .with_string_to_value(s2v_hz())
}

fn ms(name: &str, default: f32, min: f32, max: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min,
            max,
            factor: FloatRange::skew_factor(-2.0),
        },
    )
    .with_value_to_string(v2s_ms())
    .with_string_to_value(s2v_ms())
}

fn percent(name: &str, default: f32, max: f32) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min: 0.0, max })
        .with_value_to_string(v2s_percent())
        .with_string_to_value(s2v_percent())
}

fn switch(name: &str, default: bool) -> BoolParam {
    BoolParam::new(name, default)
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
    .with_unit(" dB")
    .with_value_to_string(formatters::v2s_f32_gain_to_db(2))
    .with_string_to_value(formatters::s2v_f32_gain_to_db())
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostBandType {
    #[id = "bell"]
    Bell,
    #[id = "low_shelf"]
    #[name = "Low Shelf"]
    LowShelf,
    #[id = "high_shelf"]
    #[name = "High Shelf"]
    HighShelf,
    #[id = "high_pass"]
    #[name = "High Pass"]
    HighPass,
    #[id = "low_pass"]
    #[name = "Low Pass"]
    LowPass,
    #[id = "notch"]
    Notch,
    #[id = "band_pass"]
    #[name = "Band Pass"]
    BandPass,
    #[id = "tilt"]
    Tilt,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostPassKind {
    #[id = "butterworth"]
    Butterworth,
    #[id = "linkwitz_riley"]
    #[name = "Linkwitz-Riley"]
    LinkwitzRiley,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostPlacement {
    #[id = "stereo"]
    Stereo,
    #[id = "left"]
    Left,
    #[id = "right"]
    Right,
    #[id = "mid"]
    Mid,
    #[id = "side"]
    Side,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostEqMode {
    #[id = "minimum"]
    #[name = "Minimum Phase"]
    Minimum,
    #[id = "linear_low"]
    #[name = "Linear Phase (low latency)"]
    LinearLow,
    #[id = "linear_medium"]
    #[name = "Linear Phase (medium latency)"]
    LinearMedium,
    #[id = "linear_high"]
    #[name = "Linear Phase (high latency)"]
    LinearHigh,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostDetection {
    #[id = "peak"]
    Peak,
    #[id = "rms"]
    #[name = "RMS"]
    Rms,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostStereoMode {
    #[id = "lr"]
    #[name = "L/R"]
    LeftRight,
    #[id = "ms"]
    #[name = "M/S"]
    MidSide,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostCurve {
    #[id = "tape"]
    Tape,
    #[id = "tube"]
    Tube,
    #[id = "hard_clip"]
    #[name = "Hard Clip"]
    HardClip,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostOversampling {
    #[id = "1x"]
    #[name = "1x"]
    X1,
    #[id = "2x"]
    #[name = "2x"]
    X2,
    #[id = "4x"]
    #[name = "4x"]
    X4,
    #[id = "8x"]
    #[name = "8x"]
    X8,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostSolo {
    #[id = "off"]
    Off,
    #[id = "mid"]
    Mid,
    #[id = "side"]
    Side,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostDitherMode {
    #[id = "tpdf"]
    #[name = "TPDF"]
    Tpdf,
    #[id = "shaped"]
    #[name = "Noise Shaped"]
    NoiseShaped,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostBits {
    #[id = "16"]
    #[name = "16 bit"]
    B16,
    #[id = "20"]
    #[name = "20 bit"]
    B20,
    #[id = "24"]
    #[name = "24 bit"]
    B24,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostRefMode {
    #[id = "follow"]
    #[name = "Follow Host"]
    Follow,
    #[id = "loop"]
    Loop,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostMatchResolution {
    #[id = "third"]
    #[name = "1/3 octave"]
    Third,
    #[id = "sixth"]
    #[name = "1/6 octave"]
    Sixth,
    #[id = "twelfth"]
    #[name = "1/12 octave"]
    Twelfth,
}

#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostRefLevel {
    #[id = "integrated"]
    Integrated,
    #[id = "short_term"]
    #[name = "Short-term"]
    ShortTerm,
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

fn ratio(name: &str, default: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Skewed {
            min: 1.0,
            max: RATIO_INFINITE_AT,
            factor: FloatRange::skew_factor(-2.0),
        },
    )
    .with_value_to_string(v2s_ratio(RATIO_INFINITE_AT))
    .with_string_to_value(s2v_ratio(RATIO_INFINITE_AT))
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

#[derive(Params)]
pub struct LacquerParams {
    /// Counts every parameter change (see `changes`).
    pub changes: ChangeCounter,

    /// Editor window size and open flag (not yet part of the saved state).
    pub editor_state: Arc<EguiEditorState>,

    /// Editor window size and scale (see `editor::EditorView`).
    #[persist = "editor_view"]
    pub editor_view: std::sync::Mutex<crate::editor::EditorView>,

    /// Settings A/B: the inactive slot (see `ab`).
    #[persist = "ab"]
    pub ab: std::sync::Mutex<crate::ab::AbSlots>,

    /// Layout version of the saved state (see `presets::migrate`).
    #[persist = "state_format"]
    pub state_format: crate::changes::StateFormat,

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

    #[id = "eq_enabled"]
    pub eq_enabled: BoolParam,
    #[id = "eq_mode"]
    pub eq_mode: EnumParam<HostEqMode>,
    #[nested(array, group = "EQ Band")]
    pub eq_bands: [EqBandHostParams; EQ_BANDS],

    #[id = "comp_on"]
    pub comp_enabled: BoolParam,
    #[id = "comp_thr"]
    pub comp_threshold: FloatParam,
    #[id = "comp_ratio"]
    pub comp_ratio: FloatParam,
    #[id = "comp_knee"]
    pub comp_knee: FloatParam,
    #[id = "comp_att"]
    pub comp_attack: FloatParam,
    #[id = "comp_rel"]
    pub comp_release: FloatParam,
    #[id = "comp_auto_rel"]
    pub comp_auto_release: BoolParam,
    #[id = "comp_detect"]
    pub comp_detection: EnumParam<HostDetection>,
    #[id = "comp_sc_hpf"]
    pub comp_sc_hpf: BoolParam,
    #[id = "comp_sc_hz"]
    pub comp_sc_hz: FloatParam,
    #[id = "comp_link"]
    pub comp_link: FloatParam,
    #[id = "comp_stereo"]
    pub comp_stereo: EnumParam<HostStereoMode>,
    #[id = "comp_makeup"]
    pub comp_makeup: FloatParam,
    #[id = "comp_auto_mk"]
    pub comp_auto_makeup: BoolParam,
    #[id = "comp_mix"]
    pub comp_mix: FloatParam,
    #[id = "comp_la"]
    pub comp_lookahead: FloatParam,

    #[id = "mb_on"]
    pub mb_enabled: BoolParam,
    #[id = "mb_bands"]
    pub mb_bands: IntParam,
    #[id = "mb_x1"]
    pub mb_crossover_1: FloatParam,
    #[id = "mb_x2"]
    pub mb_crossover_2: FloatParam,
    #[id = "mb_x3"]
    pub mb_crossover_3: FloatParam,
    #[id = "mb_la"]
    pub mb_lookahead: FloatParam,
    #[nested(array, group = "Multiband Band")]
    pub mb: [MbBandHostParams; MB_BANDS],

    #[id = "sat_on"]
    pub sat_enabled: BoolParam,
    #[id = "sat_curve"]
    pub sat_curve: EnumParam<HostCurve>,
    #[id = "sat_drive"]
    pub sat_drive: FloatParam,
    #[id = "sat_mix"]
    pub sat_mix: FloatParam,
    #[id = "sat_os"]
    pub sat_oversampling: EnumParam<HostOversampling>,

    #[id = "img_on"]
    pub img_enabled: BoolParam,
    #[id = "img_width"]
    pub img_width: FloatParam,
    #[id = "img_bass_mono"]
    pub img_bass_mono: BoolParam,
    #[id = "img_bass_hz"]
    pub img_bass_mono_hz: FloatParam,
    #[id = "img_bands"]
    pub img_bands: IntParam,
    #[id = "img_x1"]
    pub img_crossover_1: FloatParam,
    #[id = "img_x2"]
    pub img_crossover_2: FloatParam,
    #[id = "img_w1"]
    pub img_width_1: FloatParam,
    #[id = "img_w2"]
    pub img_width_2: FloatParam,
    #[id = "img_w3"]
    pub img_width_3: FloatParam,
    #[id = "img_balance"]
    pub img_balance: FloatParam,
    #[id = "img_inv_l"]
    pub img_invert_left: BoolParam,
    #[id = "img_inv_r"]
    pub img_invert_right: BoolParam,
    #[id = "img_swap"]
    pub img_swap: BoolParam,
    #[id = "img_solo"]
    pub img_solo: EnumParam<HostSolo>,

    #[id = "lim_on"]
    pub lim_enabled: BoolParam,
    #[id = "lim_ceiling"]
    pub lim_ceiling: FloatParam,
    #[id = "lim_drive"]
    pub lim_drive: FloatParam,
    #[id = "lim_la"]
    pub lim_lookahead: FloatParam,
    #[id = "lim_rel"]
    pub lim_release: FloatParam,
    #[id = "lim_auto_rel"]
    pub lim_auto_release: BoolParam,
    #[id = "lim_link"]
    pub lim_link: FloatParam,
    #[id = "lim_tp"]
    pub lim_true_peak: BoolParam,
    #[id = "lim_band"]
    pub lim_band_limit: BoolParam,

    #[id = "dither_on"]
    pub dither_enabled: BoolParam,
    #[id = "dither_mode"]
    pub dither_mode: EnumParam<HostDitherMode>,
    #[id = "dither_bits"]
    pub dither_bits: EnumParam<HostBits>,

    /// Reference tracks: the slots' files, offsets and loop regions (see `reference`).
    #[persist = "references"]
    pub references: crate::reference::ReferenceStore,
    /// A/B: the selected reference plays in place of the master.
    #[id = "ref_listen"]
    pub ref_listen: BoolParam,
    #[id = "ref_slot"]
    pub ref_slot: IntParam,
    #[id = "ref_mode"]
    pub ref_mode: EnumParam<HostRefMode>,
    #[id = "ref_level"]
    pub ref_level: EnumParam<HostRefLevel>,
    /// The reference at its own level (level match off).
    #[id = "ref_true"]
    pub ref_true_level: BoolParam,
    /// Match EQ (inside the EQ module): how much of the learned tonal correction applies.
    #[id = "ref_match_amt"]
    pub ref_match_amount: FloatParam,
    /// How much of the learned width correction (side against mid, per band) applies.
    #[id = "ref_width_amt"]
    pub ref_width_amount: FloatParam,
    #[id = "ref_match_res"]
    pub ref_match_resolution: EnumParam<HostMatchResolution>,
    /// On: the match curve follows the master while it plays; off: frozen.
    #[id = "ref_match_learn"]
    pub ref_match_learn: BoolParam,

    /// Test builds only: when on, `process()` allocates on purpose so the suite can prove that
    /// the allocation guard is live. Absent from shipping builds.
    #[cfg(feature = "test-hooks")]
    #[id = "debug_alloc"]
    pub debug_alloc: BoolParam,
}

type V2sInt = Arc<dyn Fn(i32) -> String + Send + Sync>;
type S2vInt = Arc<dyn Fn(&str) -> Option<i32> + Send + Sync>;

/// The module order for a permutation index 0..120 (Lehmer code; 0 is the default order).
/// Runs on the audio thread: fixed arrays, no allocation.
pub fn order_from_index(index: i32) -> [Module; 5] {
    let mut pool = Module::DEFAULT_ORDER;
    let mut left = 5;
    let mut rest = index.clamp(0, 119) as usize;
    let mut order = Module::DEFAULT_ORDER;
    for (k, slot) in order.iter_mut().enumerate() {
        let f: usize = (1..5 - k).product();
        let pick = rest / f;
        rest %= f;
        *slot = pool[pick];
        pool.copy_within(pick + 1..left, pick);
        left -= 1;
    }
    order
}

pub fn index_from_order(order: &[Module; 5]) -> i32 {
    let mut pool = Module::DEFAULT_ORDER;
    let mut left = 5;
    let mut index = 0;
    for (k, m) in order.iter().enumerate() {
        let pos = pool[..left].iter().position(|p| p == m).unwrap_or(0);
        pool.copy_within(pos + 1..left, pos);
        left -= 1;
        index += pos * (1..5 - k).product::<usize>();
    }
    index as i32
}

fn order_to_string() -> V2sInt {
    Arc::new(|i| {
        order_from_index(i)
            .iter()
            .map(|m| m.name())
            .collect::<Vec<_>>()
            .join(" > ")
    })
}

fn string_to_order() -> S2vInt {
    Arc::new(|s| {
        let names: Vec<&str> = s.split('>').map(str::trim).collect();
        if names.len() != 5 {
            return s.trim().parse().ok();
        }
        let mut order = Module::DEFAULT_ORDER;
        for (slot, name) in order.iter_mut().zip(names) {
            *slot = *Module::DEFAULT_ORDER
                .iter()
                .find(|m| m.name().eq_ignore_ascii_case(name))?;
        }
        lacquer_dsp::chain::is_valid_order(&order).then(|| index_from_order(&order))
    })
}

fn target_to_string() -> V2sInt {
    Arc::new(|i| match i {
        1.. => TARGETS
            .get(i as usize - 1)
            .map_or("Custom".into(), |t| t.name.to_string()),
        _ => "Custom".into(),
    })
}

fn string_to_target() -> S2vInt {
    Arc::new(|s| {
        let s = s.trim();
        if s.eq_ignore_ascii_case("custom") {
            return Some(0);
        }
        TARGETS
            .iter()
            .position(|t| t.name.eq_ignore_ascii_case(s) || t.id.eq_ignore_ascii_case(s))
            .map(|i| i as i32 + 1)
    })
}

impl Default for LacquerParams {
    fn default() -> Self {
        let d = ChainParams::default();
        let c = &ChangeCounter::default();
        Self {
            changes: c.clone(),
            editor_state: crate::editor::default_state(),
            ab: Default::default(),
            editor_view: Default::default(),
            state_format: crate::changes::StateFormat::new(crate::presets::STATE_FORMAT),
            input_gain: trim_param("Input Gain").tracked(c),
            output_gain: trim_param("Output Gain").tracked(c),
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

            eq_enabled: switch("EQ On", d.eq_enabled).tracked(c),
            eq_mode: EnumParam::new("EQ Phase Mode", HostEqMode::Minimum)
                .non_automatable()
                .tracked(c),
            eq_bands: std::array::from_fn(|i| EqBandHostParams::new(i, c)),

            comp_enabled: switch("Compressor On", d.compressor_enabled).tracked(c),
            comp_threshold: db("Compressor Threshold", -18.0, -60.0, 0.0).tracked(c),
            comp_ratio: ratio("Compressor Ratio", 2.0).tracked(c),
            comp_knee: db("Compressor Knee", 6.0, 0.0, 24.0).tracked(c),
            comp_attack: ms("Compressor Attack", 10.0, 0.05, 500.0).tracked(c),
            comp_release: ms("Compressor Release", 100.0, 5.0, 5000.0).tracked(c),
            comp_auto_release: switch("Compressor Auto Release", false).tracked(c),
            comp_detection: EnumParam::new("Compressor Detection", HostDetection::Peak).tracked(c),
            comp_sc_hpf: switch("Compressor Sidechain HPF", false).tracked(c),
            comp_sc_hz: hz("Compressor Sidechain HPF Frequency", 80.0, 20.0, 500.0).tracked(c),
            comp_link: percent("Compressor Stereo Link", 1.0, 1.0).tracked(c),
            comp_stereo: EnumParam::new("Compressor Stereo Mode", HostStereoMode::LeftRight)
                .tracked(c),
            comp_makeup: db("Compressor Makeup", 0.0, -12.0, 24.0).tracked(c),
            comp_auto_makeup: switch("Compressor Auto Makeup", false).tracked(c),
            comp_mix: percent("Compressor Mix", 1.0, 1.0).tracked(c),
            comp_lookahead: ms("Compressor Lookahead", 0.0, 0.0, 10.0)
                .non_automatable()
                .tracked(c),

            mb_enabled: switch("Multiband On", d.multiband_enabled).tracked(c),
            mb_bands: IntParam::new("Multiband Bands", 3, IntRange::Linear { min: 2, max: 4 })
                .non_automatable()
                .tracked(c),
            mb_crossover_1: hz("Multiband Crossover 1", 120.0, 20.0, 20_000.0).tracked(c),
            mb_crossover_2: hz("Multiband Crossover 2", 1000.0, 20.0, 20_000.0).tracked(c),
            mb_crossover_3: hz("Multiband Crossover 3", 6000.0, 20.0, 20_000.0).tracked(c),
            mb_lookahead: ms("Multiband Lookahead", 0.0, 0.0, 10.0)
                .non_automatable()
                .tracked(c),
            mb: std::array::from_fn(|i| MbBandHostParams::new(i, c)),

            sat_enabled: switch("Saturation On", d.saturation_enabled).tracked(c),
            sat_curve: EnumParam::new("Saturation Curve", HostCurve::Tape).tracked(c),
            sat_drive: db("Saturation Drive", 0.0, 0.0, 24.0).tracked(c),
            sat_mix: percent("Saturation Mix", 1.0, 1.0).tracked(c),
            sat_oversampling: EnumParam::new("Saturation Oversampling", HostOversampling::X4)
                .non_automatable()
                .tracked(c),

            img_enabled: switch("Imager On", d.imager_enabled).tracked(c),
            img_width: percent("Width", 1.0, 2.0).tracked(c),
            img_bass_mono: switch("Bass Mono", false).tracked(c),
            img_bass_mono_hz: hz("Bass Mono Frequency", 120.0, 20.0, 500.0).tracked(c),
            img_bands: IntParam::new("Width Bands", 1, IntRange::Linear { min: 1, max: 3 })
                .non_automatable()
                .tracked(c),
            img_crossover_1: hz("Width Crossover 1", 300.0, 20.0, 20_000.0).tracked(c),
            img_crossover_2: hz("Width Crossover 2", 4000.0, 20.0, 20_000.0).tracked(c),
            img_width_1: percent("Band Width 1", 1.0, 2.0).tracked(c),
            img_width_2: percent("Band Width 2", 1.0, 2.0).tracked(c),
            img_width_3: percent("Band Width 3", 1.0, 2.0).tracked(c),
            img_balance: FloatParam::new(
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
            img_invert_left: switch("Invert Left", false).tracked(c),
            img_invert_right: switch("Invert Right", false).tracked(c),
            img_swap: switch("Swap L/R", false).tracked(c),
            img_solo: EnumParam::new("Mid/Side Solo", HostSolo::Off).tracked(c),

            lim_enabled: switch("Limiter On", d.limiter_enabled).tracked(c),
            lim_ceiling: db("Limiter Ceiling", -1.0, -12.0, 0.0).tracked(c),
            lim_drive: db("Limiter Drive", 0.0, 0.0, 24.0).tracked(c),
            lim_lookahead: ms("Limiter Lookahead", 5.0, 0.5, 20.0)
                .non_automatable()
                .tracked(c),
            lim_release: ms("Limiter Release", 100.0, 1.0, 1000.0).tracked(c),
            lim_auto_release: switch("Limiter Auto Release", true).tracked(c),
            lim_link: percent("Limiter Stereo Link", 1.0, 1.0).tracked(c),
            lim_true_peak: switch("Limiter True Peak", true).tracked(c),
            lim_band_limit: switch("Limiter Band Limit", false).tracked(c),

            dither_enabled: switch("Dither On", d.dither_enabled).tracked(c),
            dither_mode: EnumParam::new("Dither Mode", HostDitherMode::Tpdf).tracked(c),
            dither_bits: EnumParam::new("Dither Bits", HostBits::B16).tracked(c),

            references: Default::default(),
            ref_listen: switch("Reference Listen", false).tracked(c),
            ref_slot: IntParam::new("Reference Slot", 1, IntRange::Linear { min: 1, max: 8 })
                .tracked(c),
            ref_mode: EnumParam::new("Reference Position", HostRefMode::Follow).tracked(c),
            ref_level: EnumParam::new("Reference Level Match", HostRefLevel::Integrated).tracked(c),
            ref_true_level: switch("Reference True Level", false).tracked(c),
            ref_match_amount: percent("Reference Match Amount", 0.0, 1.0).tracked(c),
            ref_width_amount: percent("Reference Width Match Amount", 0.0, 1.0).tracked(c),
            ref_match_resolution: EnumParam::new(
                "Reference Match Resolution",
                HostMatchResolution::Sixth,
            )
            .non_automatable()
            .tracked(c),
            ref_match_learn: switch("Reference Match Learn", false).tracked(c),

            #[cfg(feature = "test-hooks")]
            debug_alloc: BoolParam::new("Debug: allocate in process", false)
                .hide()
                .non_automatable()
                .tracked(c),
        }
    }
}

impl LacquerParams {
    /// The match EQ's band grid as set.
    pub fn match_resolution(&self) -> lacquer_dsp::eq::matching::MatchResolution {
        use lacquer_dsp::eq::matching::MatchResolution;
        match self.ref_match_resolution.value() {
            HostMatchResolution::Third => MatchResolution::Third,
            HostMatchResolution::Sixth => MatchResolution::Sixth,
            HostMatchResolution::Twelfth => MatchResolution::Twelfth,
        }
    }

    /// The reference player's settings now.
    pub fn reference_settings(&self) -> crate::reference::player::PlayerSettings {
        use crate::reference::player::{LevelMode, PlayMode};
        crate::reference::player::PlayerSettings {
            listen: self.ref_listen.value(),
            slot: (self.ref_slot.value() - 1).clamp(0, crate::reference::SLOTS as i32 - 1) as usize,
            mode: match self.ref_mode.value() {
                HostRefMode::Follow => PlayMode::Follow,
                HostRefMode::Loop => PlayMode::Loop,
            },
            level: match self.ref_level.value() {
                HostRefLevel::Integrated => LevelMode::Integrated,
                HostRefLevel::ShortTerm => LevelMode::ShortTerm,
            },
            true_level: self.ref_true_level.value(),
        }
    }

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
            eq_enabled: self.eq_enabled.value(),
            eq_mode: match self.eq_mode.value() {
                HostEqMode::Minimum => EqMode::MinimumPhase,
                HostEqMode::LinearLow => EqMode::LinearPhase(LinearPhaseLatency::Low),
                HostEqMode::LinearMedium => EqMode::LinearPhase(LinearPhaseLatency::Medium),
                HostEqMode::LinearHigh => EqMode::LinearPhase(LinearPhaseLatency::High),
            },
            compressor_enabled: self.comp_enabled.value(),
            multiband_enabled: self.mb_enabled.value(),
            saturation_enabled: self.sat_enabled.value(),
            imager_enabled: self.img_enabled.value(),
            limiter_enabled: self.lim_enabled.value(),
            dither_enabled: self.dither_enabled.value(),
            eq_match: self.references.match_params(
                self.ref_match_amount.value() as f64,
                self.ref_width_amount.value() as f64,
            ),
            ..ChainParams::default()
        };
        let f = |x: &FloatParam| x.value() as f64;
        for (band, host) in p.eq.bands.iter_mut().zip(&self.eq_bands) {
            band.enabled = host.enabled.value();
            band.kind = match host.kind.value() {
                HostBandType::Bell => BandType::Bell,
                HostBandType::LowShelf => BandType::LowShelf,
                HostBandType::HighShelf => BandType::HighShelf,
                HostBandType::HighPass => BandType::HighPass,
                HostBandType::LowPass => BandType::LowPass,
                HostBandType::Notch => BandType::Notch,
                HostBandType::BandPass => BandType::BandPass,
                HostBandType::Tilt => BandType::Tilt,
            };
            band.freq_hz = f(&host.freq);
            band.gain_db = f(&host.gain);
            band.q = f(&host.q);
            band.slope_db_oct = host.slope.value() as f64 * 6.0;
            band.pass_kind = match host.pass_kind.value() {
                HostPassKind::Butterworth => PassKind::Butterworth,
                HostPassKind::LinkwitzRiley => PassKind::LinkwitzRiley,
            };
            band.placement = match host.placement.value() {
                HostPlacement::Stereo => Placement::Stereo,
                HostPlacement::Left => Placement::Left,
                HostPlacement::Right => Placement::Right,
                HostPlacement::Mid => Placement::Mid,
                HostPlacement::Side => Placement::Side,
            };
            band.dynamic.enabled = host.dynamic.value();
            band.dynamic.threshold_db = f(&host.dyn_threshold);
            band.dynamic.range_db = f(&host.dyn_range);
            band.dynamic.attack_ms = f(&host.dyn_attack);
            band.dynamic.release_ms = f(&host.dyn_release);
        }

        let ratio = |x: &FloatParam| {
            if x.value() >= RATIO_INFINITE_AT {
                f64::INFINITY
            } else {
                x.value() as f64
            }
        };
        let c = &mut p.compressor;
        c.threshold_db = f(&self.comp_threshold);
        c.ratio = ratio(&self.comp_ratio);
        c.knee_db = f(&self.comp_knee);
        c.attack_ms = f(&self.comp_attack);
        c.release_ms = f(&self.comp_release);
        c.auto_release = self.comp_auto_release.value();
        c.detection = match self.comp_detection.value() {
            HostDetection::Peak => Detection::Peak,
            HostDetection::Rms => Detection::Rms,
        };
        c.sidechain_hpf = self.comp_sc_hpf.value();
        c.sidechain_hpf_hz = f(&self.comp_sc_hz);
        c.link = f(&self.comp_link);
        c.stereo_mode = match self.comp_stereo.value() {
            HostStereoMode::LeftRight => StereoMode::LeftRight,
            HostStereoMode::MidSide => StereoMode::MidSide,
        };
        c.makeup_db = f(&self.comp_makeup);
        c.auto_makeup = self.comp_auto_makeup.value();
        c.mix = f(&self.comp_mix);
        c.lookahead_ms = f(&self.comp_lookahead);

        let m = &mut p.multiband;
        m.bands = self.mb_bands.value().clamp(2, 4) as usize;
        m.crossovers_hz = [
            f(&self.mb_crossover_1),
            f(&self.mb_crossover_2),
            f(&self.mb_crossover_3),
        ];
        m.lookahead_ms = f(&self.mb_lookahead);
        for (band, host) in m.band.iter_mut().zip(&self.mb) {
            band.compressor.threshold_db = f(&host.threshold);
            band.compressor.ratio = ratio(&host.ratio);
            band.compressor.attack_ms = f(&host.attack);
            band.compressor.release_ms = f(&host.release);
            band.gain_db = f(&host.gain);
            band.solo = host.solo.value();
            band.mute = host.mute.value();
            band.bypass = host.bypass.value();
        }

        let s = &mut p.saturation;
        s.curve = match self.sat_curve.value() {
            HostCurve::Tape => SaturationCurve::Tape,
            HostCurve::Tube => SaturationCurve::Tube,
            HostCurve::HardClip => SaturationCurve::HardClip,
        };
        s.drive_db = f(&self.sat_drive);
        s.mix_percent = f(&self.sat_mix) * 100.0;
        s.oversampling = match self.sat_oversampling.value() {
            HostOversampling::X1 => OversamplingFactor::X1,
            HostOversampling::X2 => OversamplingFactor::X2,
            HostOversampling::X4 => OversamplingFactor::X4,
            HostOversampling::X8 => OversamplingFactor::X8,
        };

        let i = &mut p.imager;
        i.width_percent = f(&self.img_width) * 100.0;
        i.bass_mono = self.img_bass_mono.value();
        i.bass_mono_hz = f(&self.img_bass_mono_hz);
        i.width_bands = self.img_bands.value().clamp(1, 3) as usize;
        i.band_crossovers_hz = [f(&self.img_crossover_1), f(&self.img_crossover_2)];
        i.band_width_percent = [
            f(&self.img_width_1) * 100.0,
            f(&self.img_width_2) * 100.0,
            f(&self.img_width_3) * 100.0,
        ];
        i.balance_percent = f(&self.img_balance) * 100.0;
        i.invert_left = self.img_invert_left.value();
        i.invert_right = self.img_invert_right.value();
        i.swap = self.img_swap.value();
        i.solo = match self.img_solo.value() {
            HostSolo::Off => ImagerSolo::Off,
            HostSolo::Mid => ImagerSolo::Mid,
            HostSolo::Side => ImagerSolo::Side,
        };

        let l = &mut p.limiter;
        l.ceiling_db = f(&self.lim_ceiling);
        // A delivery target sets the ceiling: never above what the destination asks for.
        if let Some(t) = TARGETS.get((self.target.value() as usize).wrapping_sub(1)) {
            l.ceiling_db = l.ceiling_db.min(t.ceiling_dbtp);
        }
        l.drive_db = f(&self.lim_drive);
        l.lookahead_ms = f(&self.lim_lookahead);
        l.release_ms = f(&self.lim_release);
        l.auto_release = self.lim_auto_release.value();
        l.link = f(&self.lim_link);
        l.true_peak = self.lim_true_peak.value();
        l.band_limit = self.lim_band_limit.value();

        p.dither.mode = match self.dither_mode.value() {
            HostDitherMode::Tpdf => DitherMode::Tpdf,
            HostDitherMode::NoiseShaped => DitherMode::NoiseShaped,
        };
        p.dither.bits = match self.dither_bits.value() {
            HostBits::B16 => 16,
            HostBits::B20 => 20,
            HostBits::B24 => 24,
        };
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_index_round_trips_every_permutation() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..120 {
            let order = order_from_index(i);
            assert!(lacquer_dsp::chain::is_valid_order(&order));
            assert_eq!(index_from_order(&order), i);
            assert!(seen.insert(order));
            let text = order_to_string()(i);
            assert_eq!(string_to_order()(&text), Some(i), "{text}");
        }
        assert_eq!(order_from_index(0), Module::DEFAULT_ORDER);
    }

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
