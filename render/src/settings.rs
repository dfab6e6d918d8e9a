//! The plugin's settings outside a host: presets, saved states and `--set` values applied to a
//! `LacquerParams` with the plugin's own code (state format, migration, each parameter's own
//! text parser), so a setting made in the DAW means the same here.

use lacquer_session::params::LacquerParams;
use lacquer_session::presets::{self, FACTORY_PRESETS};
use nice_plug::params::internals::ParamPtr;
use nice_plug::params::InternalParamMut;
use nice_plug::plugin::{ParamValue, PluginState};
use nice_plug::prelude::Params;
use std::path::Path;

/// A parameter set with where it came from.
pub struct Settings {
    pub params: LacquerParams,
    /// "factory preset Loud Modern", "state song.clapstate" ...
    pub source: String,
    /// Things the user should know (a migrated state, gain-matched listening ignored ...).
    pub notes: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            params: LacquerParams::default(),
            source: "defaults".into(),
            notes: Vec::new(),
        }
    }
}

/// A factory preset, a user preset (by name) or a preset file.
pub fn preset_state(name: &str) -> Result<(PluginState, String), String> {
    let simple = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    if let Some(p) = FACTORY_PRESETS
        .iter()
        .find(|p| simple(p.name) == simple(name))
    {
        return Ok((
            presets::factory_state(p)?,
            format!("factory preset {:?}", p.name),
        ));
    }
    if let Some((user, path)) = presets::user_presets()
        .into_iter()
        .find(|(n, _)| simple(n) == simple(name))
    {
        let (state, report) = presets::load_preset(&path)?;
        let mut source = format!("user preset {user:?}");
        if let Some(r) = report {
            source.push_str(&format!(" ({r})"));
        }
        return Ok((state, source));
    }
    let path = Path::new(name);
    if path.is_file() {
        let state = read_state_file(path)?;
        return Ok((state, format!("preset file {}", path.display())));
    }
    let names: Vec<&str> = FACTORY_PRESETS.iter().map(|p| p.name).collect();
    Err(format!(
        "unknown preset {name:?} (factory presets: {}; or a user preset name or a preset file)",
        names.join(", ")
    ))
}

/// A state file: a preset (JSON), a bare JSON state, or the raw CLAP state stream a host saves
/// (little-endian u64 length, then the JSON).
pub fn read_state_file(path: &Path) -> Result<PluginState, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("cannot read state {}: {e}", path.display()))?;
    parse_state(&bytes)
        .map_err(|e| format!("{} is not a Lacquer state or preset: {e}", path.display()))
}

pub fn parse_state(bytes: &[u8]) -> Result<PluginState, String> {
    let trimmed = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&bytes[..0], |i| &bytes[i..]);
    if trimmed.first() == Some(&b'{') {
        return serde_json::from_slice(trimmed).map_err(|e| e.to_string());
    }
    if bytes.len() >= 8 {
        let len = u64::from_le_bytes(bytes[..8].try_into().expect("8 bytes")) as usize;
        if len <= bytes.len() - 8 {
            return serde_json::from_slice(&bytes[8..8 + len]).map_err(|e| e.to_string());
        }
        return Err(format!(
            "the state stream says {len} bytes but holds {}",
            bytes.len() - 8
        ));
    }
    Err("too short".into())
}

/// Load `state` into `params` the way nice-plug's wrapper does (after the plugin's own
/// `filter_state` migration). Returns the migration report, if any.
pub fn apply_state(params: &LacquerParams, mut state: PluginState) -> Option<String> {
    let report = presets::migrate(&mut state);
    let map = params.param_map();
    for (id, value) in &state.params {
        // Unknown IDs (a test build's hidden parameters, a newer Lacquer's) are skipped, as the
        // plugin skips them.
        let Some((_, ptr, _)) = map.iter().find(|(pid, _, _)| pid == id) else {
            continue;
        };
        // SAFETY: the pointers come from `params`, which outlives this loop.
        unsafe {
            match (*ptr, value) {
                (ParamPtr::FloatParam(p), ParamValue::F32(v)) => {
                    (*p)._internal_set_plain_value(*v);
                }
                (ParamPtr::IntParam(p), ParamValue::I32(v)) => {
                    (*p)._internal_set_plain_value(*v);
                }
                (ParamPtr::BoolParam(p), ParamValue::Bool(v)) => {
                    (*p)._internal_set_plain_value(*v);
                }
                (ParamPtr::EnumParam(p), ParamValue::I32(v)) => {
                    (*p)._internal_set_plain_value(*v);
                }
                (ParamPtr::EnumParam(p), ParamValue::String(id)) => {
                    (*p).set_from_id(id);
                }
                _ => {}
            }
        }
    }
    params.deserialize_fields(&state.fields);
    report
}

/// Find a parameter by ID ("lim_ceiling") or name ("Limiter Ceiling"), any case.
fn find_param(params: &LacquerParams, key: &str) -> Option<(String, ParamPtr)> {
    let map = params.param_map();
    let hit = map
        .iter()
        .find(|(id, _, _)| id.eq_ignore_ascii_case(key))
        .or_else(|| {
            map.iter().find(|(_, ptr, _)| {
                // SAFETY: pointer from `params`.
                unsafe { ptr.name() }.eq_ignore_ascii_case(key)
            })
        })?;
    Some((hit.0.clone(), hit.1))
}

/// `--set ID=VALUE`: the value in display units, parsed by the parameter's own parser (as the
/// editor's text entry and the factory presets are).
pub fn set_param(params: &LacquerParams, assignment: &str) -> Result<(), String> {
    let (key, text) = assignment
        .split_once('=')
        .ok_or_else(|| format!("--set {assignment:?}: expected PARAMETER=VALUE"))?;
    let (key, text) = (key.trim(), text.trim());
    let (id, ptr) = find_param(params, key).ok_or_else(|| {
        format!("unknown parameter {key:?} (`lacquer params` lists every parameter)")
    })?;
    let bad = || format!("cannot parse {text:?} as a value for {id}");
    // SAFETY: pointer from `params`, which outlives this call.
    unsafe {
        let normalized = match ptr {
            ParamPtr::BoolParam(_) => match text.to_ascii_lowercase().as_str() {
                "on" | "true" | "yes" | "1" | "bypassed" => 1.0,
                "off" | "false" | "no" | "0" | "not bypassed" => 0.0,
                _ => return Err(bad()),
            },
            ParamPtr::EnumParam(_) => match ptr.string_to_normalized_value(text) {
                Some(v) => v,
                None => enum_by_words(ptr, text).ok_or_else(bad)?,
            },
            _ => ptr.string_to_normalized_value(text).ok_or_else(bad)?,
        };
        ptr._internal_set_normalized_value(normalized);
    }
    Ok(())
}

/// An enum value whose display name holds every word of `text` ("linear medium" finds
/// "Linear Phase (medium latency)"), if exactly one does.
unsafe fn enum_by_words(ptr: ParamPtr, text: &str) -> Option<f32> {
    let steps = unsafe { ptr.step_count() }?;
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut found = None;
    for i in 0..=steps {
        let normalized = i as f32 / steps.max(1) as f32;
        let name = unsafe { ptr.normalized_value_to_string(normalized, false) }.to_lowercase();
        if words.iter().all(|w| name.contains(w.as_str())) {
            if found.is_some() {
                return None;
            }
            found = Some(normalized);
        }
    }
    found
}

/// Every parameter: (ID, name, current value as the editor shows it).
pub fn describe(params: &LacquerParams) -> Vec<(String, String, String)> {
    params
        .param_map()
        .into_iter()
        // SAFETY: pointers from `params`.
        .map(|(id, ptr, _)| unsafe {
            (
                id,
                ptr.name().to_string(),
                ptr.normalized_value_to_string(ptr.unmodulated_normalized_value(), true),
            )
        })
        .collect()
}

/// Build the settings from the command line: a preset or a state (not both), then each
/// `--set`, then `--target`.
pub fn build(
    preset: Option<&str>,
    state: Option<&Path>,
    sets: &[String],
    target: Option<&str>,
) -> Result<Settings, String> {
    let mut settings = Settings::default();
    match (preset, state) {
        (Some(_), Some(_)) => return Err("give --preset or --state, not both".into()),
        (Some(name), None) => {
            let (state, source) = preset_state(name)?;
            settings.source = source;
            if let Some(r) = apply_state(&settings.params, state) {
                settings.notes.push(r);
            }
        }
        (None, Some(path)) => {
            let state = read_state_file(path)?;
            settings.source = format!("state {}", path.display());
            if let Some(r) = apply_state(&settings.params, state) {
                settings.notes.push(r);
            }
        }
        (None, None) => {}
    }
    for s in sets {
        set_param(&settings.params, s)?;
    }
    if let Some(t) = target {
        if lacquer_dsp::targets::target(t).is_none() {
            let ids: Vec<&str> = lacquer_dsp::targets::TARGETS.iter().map(|t| t.id).collect();
            return Err(format!(
                "unknown delivery target {t:?} (targets: {})",
                ids.join(", ")
            ));
        }
        set_param(&settings.params, &format!("target={t}"))?;
    }
    if settings.params.gain_match.value() {
        settings
            .notes
            .push("gain-matched listening is a monitoring aid: the render leaves it off".into());
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_states_and_sets_use_the_plugins_parsers() {
        let s = build(
            Some("loud modern"),
            None,
            &[
                "lim_ceiling=-0.5 dB".into(),
                "EQ Phase Mode=linear medium".into(),
            ],
            Some("spotify"),
        )
        .unwrap();
        let p = s.params.chain_params();
        assert_eq!(p.limiter.drive_db, 8.0);
        // The target's ceiling (-1 dBTP) wins over a higher one.
        assert_eq!(p.limiter.ceiling_db, -1.0);
        assert!(matches!(
            p.eq_mode,
            lacquer_dsp::chain::EqMode::LinearPhase(_)
        ));
        assert_eq!(s.params.target_lufs(), Some(-14.0));

        // A saved state round-trips through the raw CLAP stream layout.
        let json = serde_json::to_vec(&presets::state_of(&s.params)).unwrap();
        let mut stream = (json.len() as u64).to_le_bytes().to_vec();
        stream.extend_from_slice(&json);
        let back = Settings::default();
        apply_state(&back.params, parse_state(&stream).unwrap());
        assert_eq!(back.params.chain_params(), p);

        for (bad, msg) in [
            ("nope=1", "unknown parameter"),
            ("lim_ceiling=loud", "cannot parse"),
            ("comp_on=maybe", "cannot parse"),
            ("lim_ceiling", "PARAMETER=VALUE"),
        ] {
            let err = build(None, None, &[bad.into()], None).err().unwrap();
            assert!(err.contains(msg), "{bad}: {err}");
        }
        let err = build(Some("No Such Preset"), None, &[], None)
            .err()
            .unwrap();
        assert!(err.contains("unknown preset"), "{err}");
        let err = build(None, None, &[], Some("mars")).err().unwrap();
        assert!(err.contains("unknown delivery target"), "{err}");
    }
}
