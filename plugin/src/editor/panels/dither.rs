//! Dither: mode and target word length.

use super::{title, PanelCx};
use crate::editor::controls::{self};
use egui::Ui;

pub fn draw(ui: &mut Ui, cx: PanelCx) {
    let PanelCx { ctl, p, .. } = cx;
    title(ui, "Dither");
    ui.horizontal(|ui| {
        controls::toggle(ui, ctl, &p.dither.enabled, "On");
        controls::choice(ui, ctl, &p.dither.mode, "Mode");
        controls::choice(ui, ctl, &p.dither.bits, "Word length");
    });
}
