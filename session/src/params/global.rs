//! The global parameters' conversions: the module order as a permutation index, and the
//! delivery target by name.

use lacquer_dsp::chain::Module;
use lacquer_dsp::targets::TARGETS;
use std::sync::Arc;

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

pub(super) fn order_to_string() -> V2sInt {
    Arc::new(|i| {
        order_from_index(i)
            .iter()
            .map(|m| m.name())
            .collect::<Vec<_>>()
            .join(" > ")
    })
}

pub(super) fn string_to_order() -> S2vInt {
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

pub(super) fn target_to_string() -> V2sInt {
    Arc::new(|i| match i {
        1.. => TARGETS
            .get(i as usize - 1)
            .map_or("Custom".into(), |t| t.name.to_string()),
        _ => "Custom".into(),
    })
}

pub(super) fn string_to_target() -> S2vInt {
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
}
