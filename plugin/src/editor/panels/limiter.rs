//! Limiter: controls (the level/gain-reduction history comes with the dynamics views).

use super::title;
use crate::editor::controls::{self, Ctl};
use crate::editor::history::Histories;
use crate::meters::SharedMeters;
use crate::params::LacquerParams;
use egui::Ui;

pub fn draw(
    ui: &mut Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    _meters: &SharedMeters,
    _history: &Histories,
) {
    title(ui, "Limiter");
    ui.horizontal(|ui| {
        controls::toggle(ui, ctl, &p.lim_enabled, "On");
        controls::toggle(ui, ctl, &p.lim_true_peak, "True peak");
        controls::toggle(ui, ctl, &p.lim_auto_release, "Auto release");
    });
    controls::knob_row(ui, |ui| {
        controls::knob(ui, ctl, &p.lim_drive, "Drive");
        controls::knob(ui, ctl, &p.lim_ceiling, "Ceiling");
        controls::knob(ui, ctl, &p.lim_release, "Release");
        controls::knob(ui, ctl, &p.lim_lookahead, "Look-ahead");
        controls::knob(ui, ctl, &p.lim_link, "Link");
        controls::knob(ui, ctl, &p.input_gain, "Input");
        controls::knob(ui, ctl, &p.output_gain, "Output");
    });
}
