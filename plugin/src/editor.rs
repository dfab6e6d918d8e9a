//! The editor. For now a generic one: a labelled slider for every parameter.

use crate::meters::SharedMeters;
use crate::params::LacquerParams;
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
    gui: Option<GuiContext>,
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
        let Some(gui) = &self.gui else { return };
        let setter = gui.param_setter();
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading("Lacquer");
            ui.label(concat!("Mastering suite v", env!("CARGO_PKG_VERSION")));
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

pub fn create(params: Arc<LacquerParams>, _meters: Arc<SharedMeters>) -> Option<LacquerEditor> {
    create_egui_editor(
        params.editor_state.clone(),
        RepaintNotifier::new(),
        EguiNiceSettings::new().with_tile("Lacquer"),
        GenericEditor { params, gui: None },
    )
}

pub type LacquerEditor = nice_plug_egui::EguiEditor<GenericEditor>;
