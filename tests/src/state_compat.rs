//! Sessions saved before the parameters were regrouped load unchanged. `data/state-159f083/`
//! holds what the bundle of commit 159f083 saved with every parameter moved off its default
//! (`state.bin`), and its parameter list with the values it reported (`params.json`): CLAP ID,
//! name, range, value. Automation is stored by those IDs, so equal IDs carry it over.
//!
//! The fixture was written by `write_state_fixture` (ignored) run against that bundle:
//! `LACQUER_BUNDLE_DIR=<old test-bundled> LACQUER_WRITE_STATE_FIXTURE=1 cargo test ...
//! write_state_fixture -- --ignored`.

use crate::host::{clap_state, state_json, Host};
use clack_extensions::params::ParamInfoFlags;
use serde_json::{json, Value};
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/state-159f083")
}

/// A value off the default for parameter `k`, spread over its range (stepped ones on a step).
fn off_default(k: usize, min: f64, max: f64, default: f64, stepped: bool) -> f64 {
    let v = if stepped {
        let steps = (max - min).round() as usize + 1;
        let mut v = min + ((k * 7 + 3) % steps) as f64;
        if v == default {
            v = min + ((v - min) as usize + 1).rem_euclid(steps) as f64;
        }
        v
    } else {
        let frac = ((k * 37 + 11) % 97) as f64 / 97.0;
        min + (max - min) * (0.05 + 0.9 * frac)
    };
    v.clamp(min, max)
}

#[test]
#[ignore = "writes the fixture from the bundle under test; see the module's comment"]
fn write_state_fixture() {
    if std::env::var_os("LACQUER_WRITE_STATE_FIXTURE").is_none() {
        return;
    }
    let mut host = Host::new();
    let params = host.params();
    let changes: Vec<_> = params
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.flags.contains(ParamInfoFlags::IS_HIDDEN))
        .map(|(k, p)| {
            (
                p.id,
                off_default(k, p.min, p.max, p.default, p.is_stepped()),
            )
        })
        .collect();
    host.flush_inactive(&changes);
    // The persisted fields too: a window size and a reference slot.
    let mut state: Value = state_json(&host.save_state());
    let fields = state["fields"].as_object_mut().expect("fields");
    fields.insert(
        "editor_view".into(),
        Value::String(json!({"width": 1200.0, "height": 720.0, "scale": 1.25}).to_string()),
    );
    let mut refs: Value =
        serde_json::from_str(fields["references"].as_str().expect("references")).unwrap();
    refs["slots"][0]["path"] = json!("/nonexistent/reference.wav");
    refs["slots"][0]["offset_s"] = json!(1.5);
    fields.insert("references".into(), Value::String(refs.to_string()));
    let mut saved = Host::new();
    saved
        .load_state(&clap_state(&serde_json::to_vec(&state).unwrap()))
        .expect("the old build loads the edited state");
    let bytes = saved.save_state();
    // The values as a fresh instance of the old build reads them back: the same path the
    // check below takes with today's build.
    let mut loaded = Host::new();
    loaded
        .load_state(&bytes)
        .expect("the old build loads its own state");
    let list: Vec<Value> = loaded
        .params()
        .iter()
        .map(|p| {
            json!({"id": p.id.get(), "name": p.name, "min": p.min, "max": p.max,
                   "value": loaded.value(p.id)})
        })
        .collect();
    std::fs::create_dir_all(dir()).unwrap();
    std::fs::write(dir().join("state.bin"), bytes).unwrap();
    std::fs::write(
        dir().join("params.json"),
        serde_json::to_string_pretty(&list).unwrap(),
    )
    .unwrap();
}

#[test]
fn a_state_saved_by_159f083_loads_identically() {
    let bytes = std::fs::read(dir().join("state.bin")).expect("fixture state.bin");
    let old: Vec<Value> =
        serde_json::from_slice(&std::fs::read(dir().join("params.json")).unwrap()).unwrap();
    assert!(old.len() > 200, "fixture lists {} parameters", old.len());
    let mut host = Host::new();
    host.load_state(&bytes).expect("the old state loads");
    let now = host.params();
    let mut moved = 0;
    for p in &old {
        let id = p["id"].as_u64().unwrap() as u32;
        let name = p["name"].as_str().unwrap();
        let desc = now.iter().find(|d| d.id.get() == id).unwrap_or_else(|| {
            panic!("parameter {name:?} (id {id}) is gone: its automation would be lost")
        });
        assert_eq!(desc.name, name, "id {id} renamed");
        let got = host.value(desc.id).unwrap();
        moved += usize::from(got != desc.default);
        // Hosts store automation as these (normalised) values. A parameter that cannot be
        // automated may change its range (the look-ahead grew to 20 ms since); its plain value
        // is checked below with the others.
        if !desc.flags.contains(ParamInfoFlags::IS_AUTOMATABLE) {
            continue;
        }
        assert_eq!(
            (desc.min, desc.max),
            (p["min"].as_f64().unwrap(), p["max"].as_f64().unwrap()),
            "{name}: range changed"
        );
        let want = p["value"].as_f64().unwrap();
        // serde_json's default float parser may land one f64 ulp off the printed value; the
        // parameters hold f32, whose steps are 1e-7 and up, so 1e-12 still means the same value.
        assert!(
            (got - want).abs() <= 1e-12,
            "{name}: loaded {got}, saved {want}"
        );
    }
    assert!(
        moved > 200,
        "only {moved} parameters off their default: the fixture proves little"
    );
    // Every plain value saved comes back, by its string ID.
    let old_state = state_json(&bytes);
    let new_state = state_json(&host.save_state());
    let saved = old_state["params"].as_object().expect("params");
    assert!(saved.len() > 200);
    for (id, value) in saved {
        assert_eq!(&new_state["params"][id], value, "plain value of {id}");
    }
    // The persisted fields come back as saved.
    for key in ["editor_view", "references", "ab"] {
        let parse = |s: &Value| -> Value {
            serde_json::from_str(s["fields"][key].as_str().unwrap_or("null")).unwrap()
        };
        let (a, b) = (parse(&old_state), parse(&new_state));
        assert_ne!(a, Value::Null, "fixture has no {key}");
        if key == "references" {
            // The slot's status is re-checked at load (the file does not exist here).
            assert_eq!(a["slots"][0]["path"], b["slots"][0]["path"]);
            assert_eq!(a["slots"][0]["offset_s"], b["slots"][0]["offset_s"]);
        } else {
            assert_eq!(a, b, "{key} changed");
        }
    }
}
