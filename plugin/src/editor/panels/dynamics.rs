//! Compressor: its controls (the transfer curve and history come with the dynamics views).

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
    title(ui, "Compressor");
    ui.horizontal(|ui| {
        controls::toggle(ui, ctl, &p.comp_enabled, "On");
        controls::choice(ui, ctl, &p.comp_detection, "Detection");
        controls::choice(ui, ctl, &p.comp_stereo, "Stereo");
        controls::toggle(ui, ctl, &p.comp_auto_release, "Auto release");
        controls::toggle(ui, ctl, &p.comp_auto_makeup, "Auto makeup");
        controls::toggle(ui, ctl, &p.comp_sc_hpf, "SC HPF");
    });
    controls::knob_row(ui, |ui| {
        controls::knob(ui, ctl, &p.comp_threshold, "Threshold");
        controls::knob(ui, ctl, &p.comp_ratio, "Ratio");
        controls::knob(ui, ctl, &p.comp_knee, "Knee");
        controls::knob(ui, ctl, &p.comp_attack, "Attack");
        controls::knob(ui, ctl, &p.comp_release, "Release");
        controls::knob(ui, ctl, &p.comp_makeup, "Makeup");
        controls::knob(ui, ctl, &p.comp_mix, "Mix");
        controls::knob(ui, ctl, &p.comp_link, "Link");
        controls::knob(ui, ctl, &p.comp_sc_hz, "SC HPF");
        controls::knob(ui, ctl, &p.comp_lookahead, "Look-ahead");
    });
}
