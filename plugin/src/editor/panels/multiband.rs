//! Multiband compressor: crossovers and per-band controls.

use super::title;
use crate::editor::analysis::Analysis;
use crate::editor::controls::{self, Ctl};
use crate::editor::history::Histories;
use crate::meters::SharedMeters;
use crate::params::LacquerParams;
use egui::Ui;

#[derive(Default)]
pub struct MultibandState {}

pub fn draw(
    ui: &mut Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    _meters: &SharedMeters,
    _analysis: &mut Analysis,
    _history: &Histories,
    _state: &mut MultibandState,
) {
    title(ui, "Multiband");
    ui.horizontal(|ui| {
        controls::toggle(ui, ctl, &p.mb_enabled, "On");
        controls::choice(ui, ctl, &p.mb_bands, "Bands");
    });
    controls::knob_row(ui, |ui| {
        controls::knob(ui, ctl, &p.mb_crossover_1, "X-over 1");
        controls::knob(ui, ctl, &p.mb_crossover_2, "X-over 2");
        controls::knob(ui, ctl, &p.mb_crossover_3, "X-over 3");
        controls::knob(ui, ctl, &p.mb_lookahead, "Look-ahead");
    });
    for (i, b) in p.mb.iter().enumerate() {
        controls::knob_row(ui, |ui| {
            ui.label(format!("Band {}", i + 1));
            controls::knob(ui, ctl, &b.threshold, "Threshold");
            controls::knob(ui, ctl, &b.ratio, "Ratio");
            controls::knob(ui, ctl, &b.attack, "Attack");
            controls::knob(ui, ctl, &b.release, "Release");
            controls::knob(ui, ctl, &b.gain, "Gain");
            controls::toggle(ui, ctl, &b.solo, "S");
            controls::toggle(ui, ctl, &b.mute, "M");
            controls::toggle(ui, ctl, &b.bypass, "B");
        });
    }
}
