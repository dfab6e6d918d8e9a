//! Saturation: curve, drive, mix and oversampling.

use super::title;
use crate::editor::controls::{self, Ctl};
use crate::params::LacquerParams;
use egui::Ui;

pub fn draw(ui: &mut Ui, ctl: &mut Ctl, p: &LacquerParams) {
    title(ui, "Saturation");
    ui.horizontal(|ui| {
        controls::toggle(ui, ctl, &p.sat_enabled, "On");
        controls::choice(ui, ctl, &p.sat_curve, "Curve");
        controls::choice(ui, ctl, &p.sat_oversampling, "Oversampling");
    });
    controls::knob_row(ui, |ui| {
        controls::knob(ui, ctl, &p.sat_drive, "Drive");
        controls::knob(ui, ctl, &p.sat_mix, "Mix");
    });
}
