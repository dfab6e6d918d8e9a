//! The reference tracks' parameters: listening, slot, position and level matching, and the
//! match EQ's amounts. The slots' files and offsets are the persisted `references` field.

use super::build::*;
use super::host_enum::*;
use crate::changes::{ChangeCounter, Tracked};
use crate::reference::{ReferenceStore, SLOTS};
use lacquer_dsp::eq::matching::{MatchParams, MatchResolution};
use nice_plug::prelude::*;

#[derive(Params)]
pub struct ReferenceHostParams {
    /// Reference tracks: the slots' files, offsets and loop regions (see `reference`).
    #[persist = "references"]
    pub references: ReferenceStore,
    /// A/B: the selected reference plays in place of the master.
    #[id = "ref_listen"]
    pub listen: BoolParam,
    #[id = "ref_slot"]
    pub slot: IntParam,
    #[id = "ref_mode"]
    pub mode: EnumParam<HostRefMode>,
    #[id = "ref_level"]
    pub level: EnumParam<HostRefLevel>,
    /// The reference at its own level (level match off).
    #[id = "ref_true"]
    pub true_level: BoolParam,
    /// Match EQ (inside the EQ module): how much of the learned tonal correction applies.
    #[id = "ref_match_amt"]
    pub match_amount: FloatParam,
    /// How much of the learned width correction (side against mid, per band) applies.
    #[id = "ref_width_amt"]
    pub width_amount: FloatParam,
    #[id = "ref_match_res"]
    pub match_resolution: EnumParam<HostMatchResolution>,
    /// On: the match curve follows the master while it plays; off: frozen.
    #[id = "ref_match_learn"]
    pub match_learn: BoolParam,
}

impl ReferenceHostParams {
    pub(super) fn new(c: &ChangeCounter) -> Self {
        Self {
            references: Default::default(),
            listen: switch("Reference Listen", false).tracked(c),
            slot: IntParam::new(
                "Reference Slot",
                1,
                IntRange::Linear {
                    min: 1,
                    max: SLOTS as i32,
                },
            )
            .tracked(c),
            mode: EnumParam::new("Reference Position", HostRefMode::Follow).tracked(c),
            level: EnumParam::new("Reference Level Match", HostRefLevel::Integrated).tracked(c),
            true_level: switch("Reference True Level", false).tracked(c),
            match_amount: percent("Reference Match Amount", 0.0, 1.0).tracked(c),
            width_amount: percent("Reference Width Match Amount", 0.0, 1.0).tracked(c),
            match_resolution: EnumParam::new(
                "Reference Match Resolution",
                HostMatchResolution::Sixth,
            )
            .non_automatable()
            .tracked(c),
            match_learn: switch("Reference Match Learn", false).tracked(c),
        }
    }

    /// The selected slot, 0-based.
    pub fn slot_index(&self) -> usize {
        (self.slot.value() - 1).clamp(0, SLOTS as i32 - 1) as usize
    }

    /// The match EQ's band grid as set.
    pub fn match_resolution(&self) -> MatchResolution {
        self.match_resolution.value().into()
    }

    /// The match EQ's settings: the learned curve at the set amounts.
    pub(super) fn match_params(&self) -> MatchParams {
        self.references
            .match_params(value(&self.match_amount), value(&self.width_amount))
    }
}
