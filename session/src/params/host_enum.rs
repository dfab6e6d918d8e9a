//! The host-facing enums. Each is declared once, with its frozen IDs (what hosts store in
//! automation and state), the names hosts show, and its conversion to the DSP type.

use lacquer_dsp::chain::EqMode;
use lacquer_dsp::dither::DitherMode;
use lacquer_dsp::dynamics::compressor::{Detection, StereoMode};
use lacquer_dsp::eq::band::{BandType, PassKind, Placement};
use lacquer_dsp::eq::linear_phase::LinearPhaseLatency;
use lacquer_dsp::eq::matching::MatchResolution;
use lacquer_dsp::filter::oversampler::OversamplingFactor;
use lacquer_dsp::imager::ImagerSolo;
use lacquer_dsp::saturation::SaturationCurve;
use nice_plug::prelude::*;

/// `host_enum! { Name -> DspType { Variant = "id", "Shown name" => dsp_value, ... } }`
/// declares the enum and `From<Name> for DspType`; without `-> DspType`, the enum alone.
macro_rules! host_enum {
    ($(#[$meta:meta])* $name:ident -> $dsp:ty {
        $($variant:ident = $id:literal, $label:literal => $value:expr,)+
    }) => {
        host_enum!($(#[$meta])* $name { $($variant = $id, $label,)+ });
        impl From<$name> for $dsp {
            fn from(v: $name) -> Self {
                match v {
                    $($name::$variant => $value,)+
                }
            }
        }
    };
    ($(#[$meta:meta])* $name:ident {
        $($variant:ident = $id:literal, $label:literal,)+
    }) => {
        $(#[$meta])*
        #[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name {
            $(
                #[id = $id]
                #[name = $label]
                $variant,
            )+
        }
    };
}

host_enum! { HostBandType -> BandType {
    Bell = "bell", "Bell" => BandType::Bell,
    LowShelf = "low_shelf", "Low Shelf" => BandType::LowShelf,
    HighShelf = "high_shelf", "High Shelf" => BandType::HighShelf,
    HighPass = "high_pass", "High Pass" => BandType::HighPass,
    LowPass = "low_pass", "Low Pass" => BandType::LowPass,
    Notch = "notch", "Notch" => BandType::Notch,
    BandPass = "band_pass", "Band Pass" => BandType::BandPass,
    Tilt = "tilt", "Tilt" => BandType::Tilt,
}}

host_enum! { HostPassKind -> PassKind {
    Butterworth = "butterworth", "Butterworth" => PassKind::Butterworth,
    LinkwitzRiley = "linkwitz_riley", "Linkwitz-Riley" => PassKind::LinkwitzRiley,
}}

host_enum! { HostPlacement -> Placement {
    Stereo = "stereo", "Stereo" => Placement::Stereo,
    Left = "left", "Left" => Placement::Left,
    Right = "right", "Right" => Placement::Right,
    Mid = "mid", "Mid" => Placement::Mid,
    Side = "side", "Side" => Placement::Side,
}}

host_enum! { HostEqMode -> EqMode {
    Minimum = "minimum", "Minimum Phase" => EqMode::MinimumPhase,
    LinearLow = "linear_low", "Linear Phase (low latency)"
        => EqMode::LinearPhase(LinearPhaseLatency::Low),
    LinearMedium = "linear_medium", "Linear Phase (medium latency)"
        => EqMode::LinearPhase(LinearPhaseLatency::Medium),
    LinearHigh = "linear_high", "Linear Phase (high latency)"
        => EqMode::LinearPhase(LinearPhaseLatency::High),
}}

host_enum! { HostDetection -> Detection {
    Peak = "peak", "Peak" => Detection::Peak,
    Rms = "rms", "RMS" => Detection::Rms,
}}

host_enum! { HostStereoMode -> StereoMode {
    LeftRight = "lr", "L/R" => StereoMode::LeftRight,
    MidSide = "ms", "M/S" => StereoMode::MidSide,
}}

host_enum! { HostCurve -> SaturationCurve {
    Tape = "tape", "Tape" => SaturationCurve::Tape,
    Tube = "tube", "Tube" => SaturationCurve::Tube,
    HardClip = "hard_clip", "Hard Clip" => SaturationCurve::HardClip,
}}

host_enum! { HostOversampling -> OversamplingFactor {
    X1 = "1x", "1x" => OversamplingFactor::X1,
    X2 = "2x", "2x" => OversamplingFactor::X2,
    X4 = "4x", "4x" => OversamplingFactor::X4,
    X8 = "8x", "8x" => OversamplingFactor::X8,
}}

host_enum! { HostSolo -> ImagerSolo {
    Off = "off", "Off" => ImagerSolo::Off,
    Mid = "mid", "Mid" => ImagerSolo::Mid,
    Side = "side", "Side" => ImagerSolo::Side,
}}

host_enum! { HostDitherMode -> DitherMode {
    Tpdf = "tpdf", "TPDF" => DitherMode::Tpdf,
    NoiseShaped = "shaped", "Noise Shaped" => DitherMode::NoiseShaped,
}}

host_enum! {
    /// The dither's word length, in bits.
    HostBits -> u32 {
    B16 = "16", "16 bit" => 16,
    B20 = "20", "20 bit" => 20,
    B24 = "24", "24 bit" => 24,
}}

host_enum! { HostMatchResolution -> MatchResolution {
    Third = "third", "1/3 octave" => MatchResolution::Third,
    Sixth = "sixth", "1/6 octave" => MatchResolution::Sixth,
    Twelfth = "twelfth", "1/12 octave" => MatchResolution::Twelfth,
}}

host_enum! {
    /// Where the reference plays (the player's own type lives with the plugin's threads).
    HostRefMode {
    Follow = "follow", "Follow Host",
    Loop = "loop", "Loop",
}}

host_enum! {
    /// Which loudness the reference is matched by.
    HostRefLevel {
    Integrated = "integrated", "Integrated",
    ShortTerm = "short_term", "Short-term",
}}
