//! How the EQ names its bands, types and placements.

use super::*;

pub(super) fn band_name(i: usize) -> String {
    match i {
        HIGH_PASS_SLOT => "High-pass".into(),
        LOW_PASS_SLOT => "Low-pass".into(),
        i => format!("Band {i}"),
    }
}

pub(super) fn short_name(i: usize) -> &'static str {
    ["HP", "1", "2", "3", "4", "5", "6", "7", "8", "LP"][i.min(EQ_BANDS - 1)]
}

pub(super) fn type_name(kind: BandType) -> &'static str {
    match kind {
        BandType::Bell => "Bell",
        BandType::LowShelf => "Low Shelf",
        BandType::HighShelf => "High Shelf",
        BandType::HighPass => "High Pass",
        BandType::LowPass => "Low Pass",
        BandType::Notch => "Notch",
        BandType::BandPass => "Band Pass",
        BandType::Tilt => "Tilt",
    }
}

pub(super) fn placement_name(p: Placement) -> &'static str {
    match p {
        Placement::Stereo => "Stereo",
        Placement::Left => "Left",
        Placement::Right => "Right",
        Placement::Mid => "Mid",
        Placement::Side => "Side",
    }
}
