//! The editor. For now a generic one: a labelled slider for every parameter.

use crate::meters::SharedMeters;
use crate::params::LacquerParams;
use crate::{ab, presets};
use nice_plug::context::gui::GuiContext;

use nice_plug_egui::{
    create_egui_editor, widgets, EguiEditorState, EguiNiceSettings, NiceEguiApp, RepaintNotifier,
};
use std::sync::Arc;

pub const WIDTH: u32 = 640;
pub const HEIGHT: u32 = 720;

pub fn default_state() -> Arc<EguiEditorState> {
    EguiEditorState::from_size(nice_plug::editor::dpi::LogicalSize::new(WIDTH, HEIGHT), 1.0)
}

pub struct GenericEditor {
    params: Arc<LacquerParams>,
    meters: Arc<SharedMeters>,
    gui: Option<GuiContext>,
    /// Name typed for "Save preset".
    preset_name: String,
    /// The last preset or A/B message for the status line.
    status: String,
}

impl GenericEditor {
    /// Distance to the delivery target, and "learn" for the limiter drive.
    fn target_row(&mut self, ui: &mut egui::Ui, gui: &GuiContext) {
        use std::sync::atomic::Ordering::Relaxed;
        let m = &self.meters;
        ui.horizontal(|ui| {
            let distance = m.target_distance_lu.load(Relaxed);
            ui.label(if distance.is_finite() {
                format!("Integrated vs target: {distance:+.1} LU")
            } else {
                "Integrated vs target: -".into()
            });
            let progress = m.learn_progress.load(Relaxed);
            if progress > 0.0 && progress < 1.0 {
                ui.label(format!("Learning… {:.0} %", progress * 100.0));
            } else if ui
                .button("Learn drive")
                .on_hover_text(
                    "Listen to 10 s of the master and set the limiter drive for the target",
                )
                .clicked()
            {
                m.learn_progress.store(0.0, Relaxed);
                m.learn_request.store(true, Relaxed);
            }
        });
        if m.learn_ready.swap(false, Relaxed) {
            let drive = m.learned_drive_db.load(Relaxed);
            let setter = gui.param_setter();
            setter.begin_set_parameter(&self.params.lim_drive);
            setter.set_parameter(&self.params.lim_drive, drive);
            setter.end_set_parameter(&self.params.lim_drive);
            self.status = format!("Learned: limiter drive {drive:.1} dB");
        }
    }

    /// Presets, settings A/B, and the status line.
    fn top_bar(&mut self, ui: &mut egui::Ui, gui: &GuiContext) {
        ui.horizontal(|ui| {
            egui::ComboBox::from_label("Preset")
                .selected_text("Load…")
                .show_ui(ui, |ui| {
                    for preset in presets::FACTORY_PRESETS {
                        if ui
                            .selectable_label(false, preset.name)
                            .on_hover_text(preset.description)
                            .clicked()
                        {
                            match presets::factory_state(preset) {
                                Ok(state) => {
                                    gui.set_state(state);
                                    self.status = format!("Loaded {}", preset.name);
                                }
                                Err(e) => self.status = e,
                            }
                        }
                    }
                    ui.separator();
                    for (name, path) in presets::user_presets() {
                        if ui.selectable_label(false, &name).clicked() {
                            self.status = match presets::load_preset(&path) {
                                Ok((state, report)) => {
                                    gui.set_state(state);
                                    report.unwrap_or_else(|| format!("Loaded {name}"))
                                }
                                Err(e) => e,
                            };
                        }
                    }
                });
            ui.add(egui::TextEdit::singleline(&mut self.preset_name).desired_width(120.0));
            if ui.button("Save preset").clicked() {
                let name = self.preset_name.trim().replace(['/', '\\'], "-");
                self.status = match (name.is_empty(), presets::user_preset_dir()) {
                    (true, _) => "Type a name for the preset first".into(),
                    (false, None) => "No home directory to save presets in".into(),
                    (false, Some(dir)) => {
                        let mut state = gui.get_state();
                        state.fields.remove("ab");
                        match presets::save_preset(&dir.join(format!("{name}.json")), &state) {
                            Ok(()) => format!("Saved {name}"),
                            Err(e) => e,
                        }
                    }
                };
            }
            ui.separator();
            let active = self
                .params
                .ab
                .lock()
                .map(|ab| ab.active)
                .unwrap_or_default();
            for slot in [ab::Slot::A, ab::Slot::B] {
                let label = if slot == ab::Slot::A { "A" } else { "B" };
                if ui.selectable_label(active == slot, label).clicked() && active != slot {
                    let current = gui.get_state();
                    let to_load = self
                        .params
                        .ab
                        .lock()
                        .ok()
                        .and_then(|mut ab| ab.switch(&current));
                    if let Some(state) = to_load {
                        gui.set_state(state);
                    }
                }
            }
            if ui
                .button(format!(
                    "Copy to {}",
                    if active == ab::Slot::A { "B" } else { "A" }
                ))
                .clicked()
            {
                let current = gui.get_state();
                if let Ok(mut ab) = self.params.ab.lock() {
                    ab.copy_to_other(&current);
                }
            }
        });
        self.target_row(ui, gui);
        if let Some(report) = presets::LAST_LOAD_REPORT
            .lock()
            .ok()
            .and_then(|mut r| r.take())
        {
            self.status = report;
        }
        if !self.status.is_empty() {
            ui.label(&self.status);
        }
    }
}

impl NiceEguiApp for GenericEditor {
    fn build(
        &mut self,
        _egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        self.gui = Some(nice_gui_ctx);
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        let Some(gui) = self.gui.clone() else { return };
        let setter = gui.param_setter();
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading("Lacquer");
            ui.label(concat!("Mastering suite v", env!("CARGO_PKG_VERSION")));
            self.top_bar(ui, &gui);
            ui.separator();
            egui::ScrollArea::vertical().show(ui, |ui| {
                widgets::generic_ui::create(
                    ui,
                    self.params.clone(),
                    &setter,
                    widgets::generic_ui::GenericSlider,
                );
            });
        });
    }

    fn editor_closed(&mut self) {
        self.gui = None;
    }
}

pub fn create(params: Arc<LacquerParams>, meters: Arc<SharedMeters>) -> Option<LacquerEditor> {
    create_egui_editor(
        params.editor_state.clone(),
        RepaintNotifier::new(),
        EguiNiceSettings::new().with_tile("Lacquer"),
        GenericEditor {
            params,
            meters,
            gui: None,
            preset_name: String::new(),
            status: String::new(),
        },
    )
}

pub type LacquerEditor = nice_plug_egui::EguiEditor<GenericEditor>;
