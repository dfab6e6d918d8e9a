//! The top bar: presets, settings A/B, undo/redo, global bypass, gain-matched listening, the
//! delivery target with the distance to it, and the UI scale.

use super::controls::{self, Ctl};
use super::{theme, SCALES};
use crate::meters::SharedMeters;
use egui::{RichText, Ui};
use lacquer_session::params::LacquerParams;
use lacquer_session::{ab, presets};
use nice_plug::prelude::Param;
use std::sync::atomic::Ordering::Relaxed;

#[derive(Default)]
pub struct TopBarState {
    /// Name typed for saving or renaming a preset.
    pub preset_name: String,
    /// The preset last loaded or saved, shown on the menu button.
    pub current_preset: Option<String>,
    /// The last preset, A/B or learn message.
    pub status: String,
}

/// Draws the bar; returns a new UI scale if the user picked one.
pub fn draw(
    ui: &mut Ui,
    ctl: &mut Ctl,
    params: &LacquerParams,
    meters: &SharedMeters,
    state: &mut TopBarState,
) -> Option<f32> {
    let mut scale_change = None;
    if let Some(report) = presets::LAST_LOAD_REPORT
        .lock()
        .ok()
        .and_then(|mut r| r.take())
    {
        state.status = report;
    }
    learned(ctl, params, meters, state);
    ui.horizontal_centered(|ui| {
        ui.label(
            RichText::new("LACQUER")
                .font(egui::FontId::proportional(theme::HEADING))
                .color(theme::ACCENT)
                .strong(),
        );
        ui.separator();
        preset_menu(ui, ctl, state);
        ui.separator();
        ab_buttons(ui, ctl, params, state);
        ui.separator();
        ui.add_enabled_ui(ctl.undo.can_undo(), |ui| {
            if ui.button("Undo").on_hover_text("Undo (Ctrl+Z)").clicked() {
                ctl.undo.undo(ctl.gui);
            }
        });
        ui.add_enabled_ui(ctl.undo.can_redo(), |ui| {
            if ui
                .button("Redo")
                .on_hover_text("Redo (Ctrl+Shift+Z)")
                .clicked()
            {
                ctl.undo.redo(ctl.gui);
            }
        });
        ui.separator();
        controls::toggle(ui, ctl, &params.bypass, "Bypass");
        controls::toggle(ui, ctl, &params.gain_match, "Match")
            .on_hover_text("Gain-matched listening: the output plays at the input's loudness");
        ui.separator();
        target(ui, ctl, params, meters, state);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let current = ui.ctx().zoom_factor();
            egui::ComboBox::from_id_salt("ui-scale")
                .width(64.0)
                .selected_text(format!("{:.0} %", current * 100.0))
                .show_ui(ui, |ui| {
                    for s in SCALES {
                        if ui
                            .selectable_label(
                                (s - current).abs() < 0.01,
                                format!("{:.0} %", s * 100.0),
                            )
                            .clicked()
                        {
                            scale_change = Some(s);
                        }
                    }
                })
                .response
                .on_hover_text("Editor scale");
            if !state.status.is_empty() {
                ui.add(
                    egui::Label::new(
                        RichText::new(&state.status)
                            .font(theme::small())
                            .color(theme::TEXT_DIM),
                    )
                    .truncate(),
                );
            }
        });
    });
    scale_change
}

fn preset_menu(ui: &mut Ui, ctl: &mut Ctl, state: &mut TopBarState) {
    let shown = state
        .current_preset
        .clone()
        .unwrap_or_else(|| "Presets".into());
    ui.menu_button(shown, |ui| {
        ui.set_min_width(260.0);
        ui.label(
            RichText::new("Factory")
                .font(theme::small())
                .color(theme::TEXT_DIM),
        );
        for preset in presets::FACTORY_PRESETS {
            if ui
                .button(preset.name)
                .on_hover_text(preset.description)
                .clicked()
            {
                match presets::factory_state(preset) {
                    Ok(s) => {
                        ctl.gui.set_state(s);
                        state.current_preset = Some(preset.name.into());
                        state.status = format!("Loaded {}", preset.name);
                    }
                    Err(e) => state.status = e,
                }
                ui.close();
            }
        }
        ui.separator();
        ui.label(
            RichText::new("User")
                .font(theme::small())
                .color(theme::TEXT_DIM),
        );
        let user = presets::user_presets();
        if user.is_empty() {
            ui.label(RichText::new("(none yet)").color(theme::TEXT_DIM));
        }
        for (name, path) in user {
            ui.horizontal(|ui| {
                if ui.button(&name).clicked() {
                    state.status = match presets::load_preset(&path) {
                        Ok((s, report)) => {
                            ctl.gui.set_state(s);
                            state.current_preset = Some(name.clone());
                            report.unwrap_or_else(|| format!("Loaded {name}"))
                        }
                        Err(e) => e,
                    };
                    ui.close();
                }
                if ui
                    .small_button("Rename")
                    .on_hover_text("Rename to the name typed below")
                    .clicked()
                {
                    let new = clean_name(&state.preset_name);
                    state.status = if new.is_empty() {
                        "Type the new name below first".into()
                    } else {
                        let to = path.with_file_name(format!("{new}.json"));
                        match std::fs::rename(&path, &to) {
                            Ok(()) => format!("Renamed {name} to {new}"),
                            Err(e) => format!("Cannot rename {name}: {e}"),
                        }
                    };
                }
                if ui.small_button("Delete").clicked() {
                    state.status = match std::fs::remove_file(&path) {
                        Ok(()) => format!("Deleted {name}"),
                        Err(e) => format!("Cannot delete {name}: {e}"),
                    };
                }
            });
        }
        ui.separator();
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut state.preset_name)
                    .hint_text("preset name")
                    .desired_width(150.0),
            );
            if ui.button("Save").clicked() {
                let name = clean_name(&state.preset_name);
                state.status = match (name.is_empty(), presets::user_preset_dir()) {
                    (true, _) => "Type a name for the preset first".into(),
                    (false, None) => "No home directory to save presets in".into(),
                    (false, Some(dir)) => {
                        let s = presets::sound_only(ctl.gui.get_state());
                        match presets::save_preset(&dir.join(format!("{name}.json")), &s) {
                            Ok(()) => {
                                state.current_preset = Some(name.clone());
                                format!("Saved {name}")
                            }
                            Err(e) => e,
                        }
                    }
                };
            }
        });
    });
}

fn clean_name(s: &str) -> String {
    s.trim().replace(['/', '\\', '\0'], "-")
}

fn ab_buttons(ui: &mut Ui, ctl: &mut Ctl, params: &LacquerParams, state: &mut TopBarState) {
    let active = params.ab.lock().map(|ab| ab.active).unwrap_or_default();
    for slot in [ab::Slot::A, ab::Slot::B] {
        let label = if slot == ab::Slot::A { "A" } else { "B" };
        let selected = active == slot;
        let text = RichText::new(label).color(if selected {
            egui::Color32::BLACK
        } else {
            theme::TEXT
        });
        let button = egui::Button::new(text).fill(if selected {
            theme::ACCENT
        } else {
            theme::RAISED
        });
        if ui
            .add(button)
            .on_hover_text(format!("Settings {label}"))
            .clicked()
            && !selected
        {
            let current = ctl.gui.get_state();
            let to_load = params.ab.lock().ok().and_then(|mut ab| ab.switch(&current));
            if let Some(s) = to_load {
                ctl.gui.set_state(s);
            }
            state.status = format!("Playing settings {label}");
        }
    }
    let other = if active == ab::Slot::A { "B" } else { "A" };
    if ui
        .button(format!("Copy to {other}"))
        .on_hover_text(format!("Copy these settings to {other}"))
        .clicked()
    {
        let current = ctl.gui.get_state();
        if let Ok(mut ab) = params.ab.lock() {
            ab.copy_to_other(&current);
        }
        state.status = format!("Copied to {other}");
    }
}

fn target(
    ui: &mut Ui,
    ctl: &mut Ctl,
    params: &LacquerParams,
    meters: &SharedMeters,
    state: &mut TopBarState,
) {
    controls::choice(ui, ctl, &params.target, "Target");
    let distance = meters.target_distance_lu.load(Relaxed);
    let (text, colour) = if distance.is_finite() {
        let c = if distance.abs() <= 1.0 {
            theme::GOOD
        } else if distance.abs() <= 3.0 {
            theme::WARN
        } else {
            theme::OVER
        };
        (format!("{distance:+.1} LU"), c)
    } else {
        ("– LU".into(), theme::TEXT_DIM)
    };
    ui.label(
        RichText::new(text)
            .font(theme::mono(theme::BODY))
            .color(colour),
    )
    .on_hover_text("Integrated loudness of the output minus the target");
    let progress = meters.learn_progress.load(Relaxed);
    if progress > 0.0 && progress < 1.0 {
        ui.add(
            egui::ProgressBar::new(progress)
                .desired_width(60.0)
                .text("Learning"),
        );
    } else if ui
        .button("Learn")
        .on_hover_text("Listen to 10 s of the master and set the limiter drive for the target")
        .clicked()
    {
        meters.learn_progress.store(0.0, Relaxed);
        meters.commands.learn.store(true, Relaxed);
        state.status = "Learning the drive: play the loudest part".into();
    }
}

/// A finished learn pass sets the limiter drive (one gesture, undoable).
fn learned(ctl: &mut Ctl, params: &LacquerParams, meters: &SharedMeters, state: &mut TopBarState) {
    if meters.learn_ready.swap(false, Relaxed) {
        let drive = meters.learned_drive_db.load(Relaxed);
        ctl.set_plain(params.lim.drive.as_ptr(), drive);
        state.status = format!("Learned: limiter drive {drive:.1} dB");
    }
}
