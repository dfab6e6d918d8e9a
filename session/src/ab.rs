//! Settings A/B: two complete sets of parameter values to switch between and copy, as in
//! Pro-Q. The inactive slot is kept in the plugin state, so both survive a project reload.
//!
//! Only parameter values are stored: a slot holding the persisted fields would hold the A/B
//! store itself and grow with every switch.

use nice_plug::plugin::ParamValue;
use nice_plug::prelude::PluginState;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Slot {
    #[default]
    A,
    B,
}

impl Slot {
    pub fn other(self) -> Slot {
        match self {
            Slot::A => Slot::B,
            Slot::B => Slot::A,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct AbSlots {
    pub active: Slot,
    /// Parameter values of the inactive slot; `None` until it has been used.
    pub inactive: Option<BTreeMap<String, ParamValue>>,
}

impl AbSlots {
    /// Switch to the other slot. `current` is the state now playing; the return value is the
    /// state to load (`None` when the other slot was never set: it starts as a copy).
    pub fn switch(&mut self, current: &PluginState) -> Option<PluginState> {
        self.active = self.active.other();
        let other = self.inactive.replace(current.params.clone())?;
        Some(PluginState {
            version: current.version.clone(),
            params: other,
            // No fields: loading leaves the persisted fields (this store among them) alone.
            fields: BTreeMap::new(),
        })
    }

    /// Copy the playing settings into the other slot.
    pub fn copy_to_other(&mut self, current: &PluginState) {
        self.inactive = Some(current.params.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(drive: f32) -> PluginState {
        PluginState {
            version: "0.1.0".into(),
            params: [("lim_drive".to_string(), ParamValue::F32(drive))].into(),
            fields: BTreeMap::new(),
        }
    }

    fn drive(s: &PluginState) -> f32 {
        match s.params["lim_drive"] {
            ParamValue::F32(v) => v,
            _ => panic!(),
        }
    }

    #[test]
    fn switching_and_copying_keep_both_slots() {
        let mut ab = AbSlots::default();
        // First switch: B starts as a copy of A, nothing to load.
        assert!(ab.switch(&state(3.0)).is_none());
        assert_eq!(ab.active, Slot::B);
        // Edit B to 6 dB, back to A: A's 3 dB comes back, B is kept.
        let back = ab.switch(&state(6.0)).unwrap();
        assert_eq!((ab.active, drive(&back)), (Slot::A, 3.0));
        let again = ab.switch(&state(3.0)).unwrap();
        assert_eq!((ab.active, drive(&again)), (Slot::B, 6.0));
        // Copy B over A, switch: A now has B's settings.
        ab.copy_to_other(&state(6.0));
        assert_eq!(drive(&ab.switch(&state(6.0)).unwrap()), 6.0);
        // The store survives serialisation (it is saved in the plugin state).
        let json = serde_json::to_string(&ab).unwrap();
        let back: AbSlots = serde_json::from_str(&json).unwrap();
        assert_eq!(back.active, ab.active);
    }
}
