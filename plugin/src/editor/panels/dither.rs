//! Dither: mode and target word length.

use super::title;
use crate::editor::controls::{self, Ctl};
use egui::Ui;
use lacquer_session::params::LacquerParams;

pub fn draw(ui: &mut Ui, ctl: &mut Ctl, p: &LacquerParams) {
    title(ui, "Dither");
    ui.horizontal(|ui| {
        controls::toggle(ui, ctl, &p.dither.enabled, "On");
        controls::choice(ui, ctl, &p.dither.mode, "Mode");
        controls::choice(ui, ctl, &p.dither.bits, "Word length");
    });
}
