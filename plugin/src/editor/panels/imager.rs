//! Stereo imager: width, bands, bass mono, balance and polarity tools.

use super::title;
use crate::editor::analysis::Analysis;
use crate::editor::controls::{self, Ctl};
use crate::editor::history::Histories;
use crate::meters::SharedMeters;
use crate::params::LacquerParams;
use egui::Ui;

#[derive(Default)]
pub struct ImagerState {}

pub fn draw(
    ui: &mut Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    _meters: &SharedMeters,
    _analysis: &mut Analysis,
    _history: &Histories,
    _state: &mut ImagerState,
) {
    title(ui, "Imager");
    ui.horizontal(|ui| {
        controls::toggle(ui, ctl, &p.img_enabled, "On");
        controls::toggle(ui, ctl, &p.img_bass_mono, "Bass mono");
        controls::choice(ui, ctl, &p.img_bands, "Bands");
        controls::toggle(ui, ctl, &p.img_invert_left, "Ø L");
        controls::toggle(ui, ctl, &p.img_invert_right, "Ø R");
        controls::toggle(ui, ctl, &p.img_swap, "Swap");
        controls::choice(ui, ctl, &p.img_solo, "Listen");
    });
    controls::knob_row(ui, |ui| {
        controls::knob(ui, ctl, &p.img_width, "Width");
        controls::knob(ui, ctl, &p.img_bass_mono_hz, "Mono below");
        controls::knob(ui, ctl, &p.img_crossover_1, "X-over 1");
        controls::knob(ui, ctl, &p.img_crossover_2, "X-over 2");
        controls::knob(ui, ctl, &p.img_width_1, "Width 1");
        controls::knob(ui, ctl, &p.img_width_2, "Width 2");
        controls::knob(ui, ctl, &p.img_width_3, "Width 3");
        controls::knob(ui, ctl, &p.img_balance, "Balance");
    });
}
