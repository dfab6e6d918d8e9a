//! Saturation: curve, drive, mix and oversampling.

use super::title;
use crate::editor::controls::{self, Ctl};
use egui::Ui;
use lacquer_session::params::LacquerParams;

pub fn draw(ui: &mut Ui, ctl: &mut Ctl, p: &LacquerParams) {
    title(ui, "Saturation");
    ui.horizontal(|ui| {
        controls::toggle(ui, ctl, &p.sat.enabled, "On");
        controls::choice(ui, ctl, &p.sat.curve, "Curve");
        controls::choice(ui, ctl, &p.sat.oversampling, "Oversampling");
    });
    controls::knob_row(ui, |ui| {
        controls::knob(ui, ctl, &p.sat.drive, "Drive");
        controls::knob(ui, ctl, &p.sat.mix, "Mix");
    });
}
