//! Loudness: history with the target line, integrated so far, and the platform table.

use super::title;
use crate::editor::controls::Ctl;
use crate::editor::history::Histories;
use crate::meters::SharedMeters;
use crate::params::LacquerParams;
use egui::Ui;

pub fn draw(
    ui: &mut Ui,
    _ctl: &mut Ctl,
    _p: &LacquerParams,
    _meters: &SharedMeters,
    _history: &Histories,
) {
    title(ui, "Loudness");
}
