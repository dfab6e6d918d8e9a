//! Saturation: curve, drive, mix and oversampling.

use super::{title, PanelCx};
use crate::editor::controls::{self};
use egui::Ui;

pub fn draw(ui: &mut Ui, cx: PanelCx) {
    let PanelCx { ctl, p, .. } = cx;
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
