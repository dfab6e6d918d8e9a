//! Dither: mode and target word length.

use super::title;
use crate::editor::controls::{self, Ctl};
use crate::params::LacquerParams;
use egui::Ui;

pub fn draw(ui: &mut Ui, ctl: &mut Ctl, p: &LacquerParams) {
    title(ui, "Dither");
    ui.horizontal(|ui| {
        controls::toggle(ui, ctl, &p.dither_enabled, "On");
        controls::choice(ui, ctl, &p.dither_mode, "Mode");
        controls::choice(ui, ctl, &p.dither_bits, "Word length");
    });
}
