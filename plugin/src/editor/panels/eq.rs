//! EQ: the bands over the live spectrum.

use super::title;
use crate::editor::analysis::Analysis;
use crate::editor::controls::{self, Ctl};
use crate::meters::SharedMeters;
use crate::params::LacquerParams;
use egui::Ui;

#[derive(Default)]
pub struct EqState {
    pub selected: usize,
}

pub fn draw(
    ui: &mut Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    _meters: &SharedMeters,
    _analysis: &mut Analysis,
    state: &mut EqState,
) {
    title(ui, "EQ");
    ui.horizontal(|ui| {
        controls::toggle(ui, ctl, &p.eq_enabled, "On");
        controls::choice(ui, ctl, &p.eq_mode, "Phase");
    });
    let b = &p.eq_bands[state.selected.min(9)];
    controls::knob_row(ui, |ui| {
        controls::toggle(ui, ctl, &b.enabled, "Band on");
        controls::knob(ui, ctl, &b.freq, "Freq");
        controls::knob(ui, ctl, &b.gain, "Gain");
        controls::knob(ui, ctl, &b.q, "Q");
    });
}
