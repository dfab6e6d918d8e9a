//! The editor: a mastering console. A top bar (presets, settings A/B, undo, bypass,
//! gain-matched listening, delivery target), a module strip in chain order (enable, drag to
//! reorder, click to open), the open module's panel, and meters that are always visible.
//!
//! The editor never touches the audio thread: it reads the meters' atomics and drains the
//! lock-free spectrum and scope rings, and changes parameters only through host gestures.
//! Everything that moves is redrawn at up to 60 Hz; with the audio stopped the meters stop
//! changing and the editor stops repainting.

pub mod analysis;
pub mod controls;
pub mod history;
pub mod meter_column;
pub mod panels;
pub mod strip;
#[cfg(test)]
pub mod test_host;
#[cfg(test)]
mod tests;
pub mod theme;
pub mod top_bar;
pub mod widgets;

use crate::meters::SharedMeters;
use controls::{Ctl, Undo};
use lacquer_session::params::LacquerParams;
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::Param;
use nice_plug_egui::{
    create_egui_editor, resizable_window::ResizableWindow, EguiEditorState, EguiNiceSettings,
    NiceEguiApp, RepaintNotifier,
};
use std::sync::Arc;
use std::time::Duration;

pub use lacquer_session::editor_view::{EditorView, HEIGHT, MIN_HEIGHT, MIN_WIDTH, WIDTH};

/// UI scales offered (on top of the system's HiDPI scale).
pub const SCALES: [f32; 5] = [1.0, 1.25, 1.5, 1.75, 2.0];

/// The panel shown under the module strip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Panel {
    #[default]
    Eq,
    Compressor,
    Multiband,
    Saturation,
    Imager,
    Limiter,
    Dither,
    Loudness,
    Reference,
}

pub struct EditorApp {
    pub params: Arc<LacquerParams>,
    pub meters: Arc<SharedMeters>,
    pub gui: Option<GuiContext>,
    pub undo: Undo,
    pub panel: Panel,
    pub analysis: analysis::Analysis,
    pub history: history::Histories,
    pub top: top_bar::TopBarState,
    pub meter_column: meter_column::MeterColumnState,
    pub panels: panels::PanelStates,
    /// Where the strip's reorderable chips were drawn last frame.
    pub strip_rects: Vec<egui::Rect>,
    /// When audio last reached the analysers (the editor repaints fast only while it does).
    last_audio: Option<std::time::Instant>,
}

impl EditorApp {
    pub fn new(params: Arc<LacquerParams>, meters: Arc<SharedMeters>) -> Self {
        Self {
            params,
            meters,
            gui: None,
            undo: Undo::default(),
            panel: Panel::default(),
            analysis: analysis::Analysis::default(),
            history: history::Histories::default(),
            top: top_bar::TopBarState::default(),
            meter_column: meter_column::MeterColumnState::default(),
            panels: panels::PanelStates::default(),
            strip_rects: Vec::new(),
            last_audio: None,
        }
    }

    /// For tests: an editor wired to a given host connection.
    pub fn with_gui(mut self, gui: GuiContext) -> Self {
        self.gui = Some(gui);
        self
    }

    pub fn view(&self) -> EditorView {
        self.params
            .editor_view
            .lock()
            .map(|v| *v)
            .unwrap_or_default()
            .sane()
    }

    fn store_view(&self, f: impl FnOnce(&mut EditorView)) {
        if let Ok(mut v) = self.params.editor_view.lock() {
            f(&mut v);
        }
    }

    /// Poll the meters and analysers (once per frame, whatever is shown).
    pub fn update(&mut self) {
        self.analysis.update(&self.meters);
        self.history.update(&self.meters);
    }

    /// The whole editor inside `ui`.
    pub fn draw(&mut self, ui: &mut egui::Ui) {
        let Some(gui) = self.gui.clone() else { return };
        self.update();
        self.undo.set_frame(ui.ctx().cumulative_frame_nr());
        let mut ctl = Ctl {
            gui: &gui,
            undo: &mut self.undo,
        };
        // Undo and redo from the keyboard.
        let (undo, redo) = ui.input(|i| {
            let z = i.key_pressed(egui::Key::Z) && i.modifiers.command;
            (
                z && !i.modifiers.shift,
                (z && i.modifiers.shift) || (i.key_pressed(egui::Key::Y) && i.modifiers.command),
            )
        });
        if undo {
            ctl.undo.undo(&gui);
        }
        // Keys 1-9 open the panels in strip order (when no text field has the keyboard).
        panels::reference::handle_keys(ui, &mut ctl, &self.params);
        if !ui.ctx().egui_wants_keyboard_input() {
            let order = lacquer_session::params::order_from_index(
                self.params.order.unmodulated_plain_value(),
            );
            let keys = [
                egui::Key::Num1,
                egui::Key::Num2,
                egui::Key::Num3,
                egui::Key::Num4,
                egui::Key::Num5,
                egui::Key::Num6,
                egui::Key::Num7,
                egui::Key::Num8,
                egui::Key::Num9,
            ];
            for (i, key) in keys.into_iter().enumerate() {
                if ui.input(|inp| inp.key_pressed(key) && !inp.modifiers.any()) {
                    self.panel = match i {
                        0..=4 => strip::panel_of(order[i]),
                        5 => Panel::Limiter,
                        6 => Panel::Dither,
                        7 => Panel::Loudness,
                        _ => Panel::Reference,
                    };
                }
            }
        }
        if redo {
            ctl.undo.redo(&gui);
        }

        let full = ui.max_rect();
        let g = theme::GRID;
        let top_h = 10.0 * g;
        let strip_h = 11.0 * g;
        let meters_w = 46.0 * g;
        let top = egui::Rect::from_min_size(full.min, egui::vec2(full.width(), top_h));
        let strip = egui::Rect::from_min_size(
            egui::pos2(full.left(), top.bottom()),
            egui::vec2(full.width() - meters_w, strip_h),
        );
        let body = egui::Rect::from_min_max(
            egui::pos2(full.left(), strip.bottom()),
            egui::pos2(full.right() - meters_w, full.bottom()),
        );
        let side =
            egui::Rect::from_min_max(egui::pos2(full.right() - meters_w, top.bottom()), full.max);
        let painter = ui.painter();
        painter.rect_filled(full, 0.0, theme::BG);
        painter.rect_filled(top, 0.0, theme::PANEL);
        painter.line_segment(
            [top.left_bottom(), top.right_bottom()],
            egui::Stroke::new(1.0, theme::LINE),
        );
        painter.line_segment(
            [side.left_top(), side.left_bottom()],
            egui::Stroke::new(1.0, theme::LINE),
        );

        let mut scale_change = None;
        in_rect(ui, top.shrink2(egui::vec2(2.0 * g, g)), |ui| {
            scale_change = top_bar::draw(ui, &mut ctl, &self.params, &self.meters, &mut self.top);
        });
        in_rect(ui, strip.shrink2(egui::vec2(2.0 * g, 1.5 * g)), |ui| {
            strip::draw(
                ui,
                &mut ctl,
                &self.params,
                &mut self.panel,
                &mut self.strip_rects,
            );
        });
        in_rect(ui, side.shrink(2.0 * g), |ui| {
            meter_column::draw(
                ui,
                &mut ctl,
                &self.params,
                &self.meters,
                &mut self.meter_column,
            );
        });
        in_rect(ui, body.shrink(2.0 * g), |ui| {
            let cx = panels::PanelCx {
                ctl: &mut ctl,
                p: &self.params,
                meters: &self.meters,
                analysis: &mut self.analysis,
                history: &self.history,
            };
            panels::draw(ui, self.panel, cx, &mut self.panels);
        });

        if let Some(scale) = scale_change {
            // egui-baseview resizes the window with the zoom, so the layout keeps its size in
            // points.
            ui.ctx().set_zoom_factor(scale);
            self.store_view(|v| v.scale = scale);
        }
        // Repaint at up to 60 Hz while audio arrives (meters, spectra and histories move) and
        // a little longer for the bars to fall; otherwise only look for audio 4 times a second.
        // Input events repaint on their own.
        let now = std::time::Instant::now();
        if self.analysis.fresh {
            self.last_audio = Some(now);
        }
        let moving = self
            .last_audio
            .is_some_and(|t| now.duration_since(t) < Duration::from_secs(3));
        ui.ctx()
            .request_repaint_after(Duration::from_millis(if moving { 16 } else { 250 }));
    }
}

/// Run `add` in a child ui confined to `rect`.
pub fn in_rect<R>(ui: &mut egui::Ui, rect: egui::Rect, add: impl FnOnce(&mut egui::Ui) -> R) -> R {
    ui.scope_builder(
        egui::UiBuilder::new()
            .max_rect(rect)
            .layout(egui::Layout::top_down(egui::Align::Min)),
        |ui| {
            ui.set_clip_rect(rect);
            add(ui)
        },
    )
    .inner
}

impl NiceEguiApp for EditorApp {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        nice_gui_ctx: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        theme::apply(&egui_ctx);
        // LACQUER_UI_SCALE (1 to 2) overrides the saved scale: for screens whose HiDPI factor
        // the host does not report, and for the screenshot script.
        let scale = std::env::var("LACQUER_UI_SCALE")
            .ok()
            .and_then(|s| s.parse::<f32>().ok())
            .filter(|s| (1.0..=2.0).contains(s))
            .unwrap_or(self.view().scale);
        egui_ctx.set_zoom_factor(scale);
        self.gui = Some(nice_gui_ctx);
        self.analysis.open(&self.meters);
        Ok(())
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        let min = egui::vec2(MIN_WIDTH, MIN_HEIGHT);
        ResizableWindow::new("lacquer-editor")
            .min_size(min)
            .show(ui, |ui| self.draw(ui));
    }

    fn resized(&mut self, new_size: nice_plug_egui::baseview::WindowSize) {
        let scale = self.view().scale;
        let w = new_size.logical.width as f32 / scale;
        let h = new_size.logical.height as f32 / scale;
        if w > 0.0 && h > 0.0 {
            self.store_view(|v| {
                v.width = w;
                v.height = h;
            });
        }
    }

    fn editor_closed(&mut self) {
        self.gui = None;
        // A solo is something you hear while looking at it.
        self.meters
            .commands
            .eq_solo
            .store(0, std::sync::atomic::Ordering::Relaxed);
        self.analysis.close(&self.meters);
    }
}

pub type LacquerEditor = nice_plug_egui::EguiEditor<EditorApp>;

pub fn create(params: Arc<LacquerParams>, meters: Arc<SharedMeters>) -> Option<LacquerEditor> {
    let mut view = params
        .editor_view
        .lock()
        .map(|v| *v)
        .unwrap_or_default()
        .sane();
    if let Some(scale) = std::env::var("LACQUER_UI_SCALE")
        .ok()
        .and_then(|s| s.parse::<f32>().ok())
        .filter(|s| (1.0..=2.0).contains(s))
    {
        view.scale = scale;
    }
    // The size is in points at scale 1; the window is that times the scale.
    let state = EguiEditorState::from_size(
        nice_plug::editor::dpi::LogicalSize::new(
            view.width.round() as u32,
            view.height.round() as u32,
        ),
        view.scale,
    );
    create_egui_editor(
        state,
        RepaintNotifier::new(),
        EguiNiceSettings::new()
            .with_tile("Lacquer")
            .with_resize_hint(
                nice_plug::editor::ResizeHint::resizable().with_min_logical_size(
                    nice_plug::editor::dpi::LogicalSize::new(MIN_WIDTH, MIN_HEIGHT),
                ),
            ),
        EditorApp::new(params, meters),
    )
}
