//! Presets and saved state: factory presets shipped in the binary, user presets as JSON files,
//! and the state format's version with its migration path.
//!
//! A preset is a plugin state (nice-plug's `PluginState`: parameter values by stable ID plus
//! the plugin version that wrote it), so a preset file, a DAW project's saved state and the
//! offline renderer's `--state` file are one format. Factory presets are written as display
//! text ("-1 dB", "2k", "On"), parsed by each parameter's own parser, so they read like the
//! editor and cannot drift from the parameter ranges.

use crate::params::LacquerParams;
use nice_plug::plugin::ParamValue;
use nice_plug::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Version of the saved-state layout. Bump it when a parameter's meaning changes, and add the
/// step that converts the previous layout to `migrate`.
pub const STATE_FORMAT: u32 = 1;
/// Key of the state format in the state's persisted fields.
pub const STATE_FORMAT_KEY: &str = "state_format";

pub struct FactoryPreset {
    pub name: &'static str,
    pub description: &'static str,
    /// (parameter ID, value as the editor shows it); everything else stays at its default.
    pub settings: &'static [(&'static str, &'static str)],
}

pub const FACTORY_PRESETS: &[FactoryPreset] = &[
    FactoryPreset {
        name: "Transparent Streaming",
        description: "Catches peaks for streaming at -14 LUFS: true-peak limiting to -1 dBTP, \
                      a subsonic filter, nothing else.",
        settings: &[
            ("target", "Spotify"),
            ("eq_on_1", "On"),
            ("eq_freq_1", "25 Hz"),
            ("eq_slope_1", "24 dB/oct"),
            ("eq_pass_1", "Linkwitz-Riley"),
            ("lim_ceiling", "-1 dB"),
            ("lim_drive", "2 dB"),
            ("lim_auto_rel", "On"),
        ],
    },
    FactoryPreset {
        name: "Loud Modern",
        description: "Dense and bright: glue compression, three-band control, tape colour, \
                      wider highs with mono bass, and a hard-working limiter.",
        settings: &[
            ("eq_on_1", "On"),
            ("eq_freq_1", "28 Hz"),
            ("eq_on_2", "On"),
            ("eq_type_2", "Low Shelf"),
            ("eq_freq_2", "80 Hz"),
            ("eq_gain_2", "1.5 dB"),
            ("eq_on_7", "On"),
            ("eq_type_7", "High Shelf"),
            ("eq_freq_7", "10 kHz"),
            ("eq_gain_7", "1.5 dB"),
            ("comp_on", "On"),
            ("comp_thr", "-20 dB"),
            ("comp_ratio", "2:1"),
            ("comp_att", "30 ms"),
            ("comp_rel", "150 ms"),
            ("comp_auto_mk", "On"),
            ("mb_on", "On"),
            ("mb_thr_1", "-24 dB"),
            ("mb_thr_2", "-22 dB"),
            ("mb_thr_3", "-26 dB"),
            ("sat_on", "On"),
            ("sat_drive", "4 dB"),
            ("sat_mix", "50 %"),
            ("img_width", "115 %"),
            ("img_bass_mono", "On"),
            ("img_bass_hz", "120 Hz"),
            ("lim_ceiling", "-1 dB"),
            ("lim_drive", "8 dB"),
            ("lim_la", "1.5 ms"),
            ("lim_auto_rel", "On"),
        ],
    },
    FactoryPreset {
        name: "Gentle Acoustic",
        description: "Slow, low-ratio compression with a wide knee and a light touch of \
                      limiting: keeps the dynamics of acoustic material.",
        settings: &[
            ("eq_on_1", "On"),
            ("eq_freq_1", "20 Hz"),
            ("comp_on", "On"),
            ("comp_thr", "-24 dB"),
            ("comp_ratio", "1.5:1"),
            ("comp_knee", "12 dB"),
            ("comp_att", "30 ms"),
            ("comp_rel", "300 ms"),
            ("lim_ceiling", "-1 dB"),
            ("lim_drive", "1 dB"),
            ("lim_auto_rel", "On"),
        ],
    },
    FactoryPreset {
        name: "Podcast / Spoken Word",
        description: "Voice in mono, rumble removed, steady levels, -16 LUFS podcast target.",
        settings: &[
            ("target", "Podcast / spoken word"),
            ("eq_on_1", "On"),
            ("eq_freq_1", "80 Hz"),
            ("eq_slope_1", "24 dB/oct"),
            ("comp_on", "On"),
            ("comp_thr", "-24 dB"),
            ("comp_ratio", "3:1"),
            ("comp_att", "5 ms"),
            ("comp_rel", "80 ms"),
            ("comp_detect", "RMS"),
            ("comp_auto_mk", "On"),
            ("img_width", "0 %"),
            ("lim_ceiling", "-1 dB"),
            ("lim_drive", "6 dB"),
        ],
    },
    FactoryPreset {
        name: "Broadcast R128",
        description: "EBU R128 delivery: -23 LUFS programme loudness, -1 dBTP maximum, gentle \
                      compression and no loudness-chasing limiting.",
        settings: &[
            ("target", "Broadcast EBU R128"),
            ("comp_on", "On"),
            ("comp_thr", "-30 dB"),
            ("comp_ratio", "1.5:1"),
            ("comp_knee", "12 dB"),
            ("comp_att", "20 ms"),
            ("comp_rel", "400 ms"),
            ("lim_ceiling", "-1 dB"),
            ("lim_drive", "0 dB"),
        ],
    },
    FactoryPreset {
        name: "CD Master 16-bit",
        description: "Red Book master: true-peak ceiling just under full scale and \
                      noise-shaped dither to 16 bit.",
        settings: &[
            ("target", "CD / download"),
            ("lim_ceiling", "-0.3 dB"),
            ("lim_drive", "4 dB"),
            ("dither_on", "On"),
            ("dither_mode", "Noise Shaped"),
            ("dither_bits", "16 bit"),
        ],
    },
];

/// The current values of `params` as a preset: a plugin state in nice-plug's own layout,
/// without the A/B store.
pub fn state_of(params: &LacquerParams) -> PluginState {
    let mut values = BTreeMap::new();
    for (id, ptr, _group) in params.param_map() {
        // SAFETY: the pointers come from `params`, which outlives this loop.
        let value = unsafe {
            match ptr {
                ParamPtr::FloatParam(p) => ParamValue::F32((*p).unmodulated_plain_value()),
                ParamPtr::IntParam(p) => ParamValue::I32((*p).unmodulated_plain_value()),
                ParamPtr::BoolParam(p) => ParamValue::Bool((*p).unmodulated_plain_value()),
                ParamPtr::EnumParam(p) => match (*p).unmodulated_plain_id() {
                    Some(id) => ParamValue::String(id.to_owned()),
                    None => ParamValue::I32((*p).unmodulated_plain_value()),
                },
            }
        };
        values.insert(id, value);
    }
    let mut fields = params.serialize_fields();
    fields.insert(STATE_FORMAT_KEY.into(), STATE_FORMAT.to_string());
    sound_only(PluginState {
        version: env!("CARGO_PKG_VERSION").into(),
        params: values,
        fields,
    })
}

/// A preset is a sound, not a session: without the A/B slots, the editor's window and the
/// reference tracks (their files and the reference player's switches), so loading one leaves
/// those alone.
pub fn sound_only(mut state: PluginState) -> PluginState {
    state.fields.remove("ab");
    state.fields.remove("editor_view");
    state.fields.remove("references");
    state.params.retain(|id, _| !id.starts_with("ref_"));
    state
}

/// Every parameter at its default, as a state: what a state that cannot be trusted becomes.
pub fn default_state() -> PluginState {
    state_of(&LacquerParams::default())
}

/// A factory preset as a complete state. Errors name the setting that does not parse (the
/// tests load every factory preset, so a shipped one never fails).
pub fn factory_state(preset: &FactoryPreset) -> Result<PluginState, String> {
    let params = LacquerParams::default();
    let map = params.param_map();
    for &(id, text) in preset.settings {
        let (_, ptr, _) = map
            .iter()
            .find(|(pid, _, _)| pid == id)
            .ok_or_else(|| format!("preset {:?}: no parameter {id:?}", preset.name))?;
        // SAFETY: as above.
        unsafe {
            let normalized = ptr.string_to_normalized_value(text).ok_or_else(|| {
                format!("preset {:?}: {id} = {text:?} does not parse", preset.name)
            })?;
            ptr._internal_set_normalized_value(normalized);
        }
    }
    Ok(state_of(&params))
}

/// Where user presets live: `$XDG_DATA_HOME/Lacquer/Presets` (or `~/.local/share/...`).
pub fn user_preset_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(base.join("Lacquer").join("Presets"))
}

/// Write `state` as a preset file. Goes through a temporary file and a rename, so a crash or
/// a full disk never leaves a half-written preset behind.
pub fn save_preset(path: &Path, state: &PluginState) -> Result<(), String> {
    let json = serde_json::to_vec_pretty(state).map_err(|e| format!("cannot encode: {e}"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, path).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Read a preset file. A file that is not a Lacquer state is refused with a message naming
/// the problem; one from a newer Lacquer is migrated like any saved state (see `migrate`).
pub fn load_preset(path: &Path) -> Result<(PluginState, Option<String>), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut state: PluginState = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{} is not a Lacquer preset: {e}", path.display()))?;
    let report = migrate(&mut state);
    Ok((state, report))
}

/// The user presets on disk, by name.
pub fn user_presets() -> Vec<(String, PathBuf)> {
    let Some(dir) = user_preset_dir() else {
        return Vec::new();
    };
    let mut presets: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .filter_map(|p| Some((p.file_stem()?.to_string_lossy().into_owned(), p)))
        .collect();
    presets.sort();
    presets
}

fn format_of(state: &PluginState) -> Option<u32> {
    match state.fields.get(STATE_FORMAT_KEY) {
        // States written before the format was recorded are format 1's predecessors with the
        // same parameter meanings.
        None => Some(1),
        Some(text) => text.trim().trim_matches('"').parse().ok(),
    }
}

/// Bring a saved state to the current format. Returns a message when the state could not be
/// trusted and was replaced by safe defaults (the caller reports it).
///
/// Migration steps go here, oldest first: `if format < 2 { ...convert... }`. A state from a
/// newer Lacquer (a format this build does not know) may mean something else by the same
/// parameter IDs: it loads every parameter at its default instead of guessing.
pub fn migrate(state: &mut PluginState) -> Option<String> {
    match format_of(state) {
        Some(format) if format <= STATE_FORMAT => {
            state
                .fields
                .insert(STATE_FORMAT_KEY.into(), STATE_FORMAT.to_string());
            None
        }
        found => {
            let saved_by = state.version.clone();
            *state = default_state();
            Some(format!(
                "This setting was saved by Lacquer {saved_by} (state format {}), newer than \
                 this Lacquer (format {STATE_FORMAT}). Loaded safe defaults instead.",
                found.map_or("unreadable".into(), |f| f.to_string())
            ))
        }
    }
}

/// The message of the last state that was replaced by defaults, for the editor.
pub static LAST_LOAD_REPORT: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// `Plugin::filter_state`: runs before every state load (host project, preset, undo).
pub fn filter_state(state: &mut PluginState) {
    if let Some(report) = migrate(state) {
        nice_warn!("{report}");
        if let Ok(mut last) = LAST_LOAD_REPORT.lock() {
            *last = Some(report);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(params: &BTreeMap<String, ParamValue>) -> serde_json::Value {
        serde_json::to_value(params).unwrap()
    }

    #[test]
    fn every_factory_preset_loads_and_is_valid() {
        for preset in FACTORY_PRESETS {
            let state = factory_state(preset).unwrap_or_else(|e| panic!("{e}"));
            assert!(state.params.len() > 200, "{}", preset.name);
            assert_eq!(
                state.fields.get(STATE_FORMAT_KEY).map(String::as_str),
                Some("1")
            );
        }
        assert_eq!(FACTORY_PRESETS.len(), 6, "six factory presets ship");
    }

    /// The factory presets also ship as files in `presets/` (for the offline renderer, the
    /// integration tests and users). They must equal what the binary holds:
    /// `LACQUER_WRITE_PRESETS=1 cargo test -p lacquer --lib factory_preset_files` rewrites them.
    #[test]
    fn factory_preset_files_are_up_to_date() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../presets");
        for preset in FACTORY_PRESETS {
            let mut state = factory_state(preset).unwrap();
            state.version = String::new();
            let json = serde_json::to_string_pretty(&state).unwrap() + "\n";
            let path = dir.join(format!("{}.json", preset.name.replace(" / ", " - ")));
            if std::env::var_os("LACQUER_WRITE_PRESETS").is_some() {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &json).unwrap();
            }
            let on_disk = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert_eq!(on_disk, json, "{} is stale", path.display());
        }
    }

    #[test]
    fn a_preset_file_round_trips_and_a_bad_one_is_refused() {
        let dir = std::env::temp_dir().join(format!("lacquer-presets-{}", std::process::id()));
        let path = dir.join("My Master.json");
        let state = factory_state(&FACTORY_PRESETS[1]).unwrap();
        save_preset(&path, &state).unwrap();
        let (back, report) = load_preset(&path).unwrap();
        assert!(report.is_none());
        assert_eq!(json(&back.params), json(&state.params));

        std::fs::write(&path, b"{\"version\": \"0.1.0\", \"params\": {\"in_ga").unwrap();
        let err = load_preset(&path).unwrap_err();
        assert!(err.contains("not a Lacquer preset"), "{err}");
        assert!(load_preset(&dir.join("missing.json"))
            .unwrap_err()
            .contains("cannot read"));
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_state_from_a_newer_format_becomes_safe_defaults_and_says_so() {
        let mut state = factory_state(&FACTORY_PRESETS[1]).unwrap();
        state.version = "9.0.0".into();
        state.fields.insert(STATE_FORMAT_KEY.into(), "7".into());
        let report = migrate(&mut state).expect("reported");
        assert!(
            report.contains("9.0.0") && report.contains("safe defaults"),
            "{report}"
        );
        assert_eq!(json(&state.params), json(&default_state().params));

        // Older and current formats load as they are.
        let mut old = factory_state(&FACTORY_PRESETS[0]).unwrap();
        old.fields.remove(STATE_FORMAT_KEY);
        let params = json(&old.params);
        assert!(migrate(&mut old).is_none());
        assert_eq!(json(&old.params), params);
    }
}
