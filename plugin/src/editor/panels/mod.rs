//! The module panels under the strip, and what they share (plot axes).

pub mod dither;
pub mod dynamics;
pub mod eq;
pub mod imager;
pub mod limiter;
pub mod loudness;
pub mod multiband;
pub mod reference;
pub mod saturation;

use super::analysis::Analysis;
use super::controls::Ctl;
use super::history::Histories;
use super::Panel;
use crate::meters::SharedMeters;
use egui::Ui;
use lacquer_session::params::LacquerParams;

/// Per-panel GUI state that outlives a frame (selected band, drag in progress, ...).
#[derive(Default)]
pub struct PanelStates {
    pub eq: eq::EqState,
    pub multiband: multiband::MultibandState,
    pub imager: imager::ImagerState,
    pub reference: reference::ReferenceState,
}

#[allow(clippy::too_many_arguments)]
pub fn draw(
    ui: &mut Ui,
    ctl: &mut Ctl,
    panel: Panel,
    params: &LacquerParams,
    meters: &SharedMeters,
    analysis: &mut Analysis,
    history: &Histories,
    states: &mut PanelStates,
) {
    match panel {
        Panel::Eq => eq::draw(ui, ctl, params, meters, analysis, &mut states.eq),
        Panel::Compressor => dynamics::draw(ui, ctl, params, meters, history),
        Panel::Multiband => multiband::draw(
            ui,
            ctl,
            params,
            meters,
            analysis,
            history,
            &mut states.multiband,
        ),
        Panel::Saturation => saturation::draw(ui, ctl, params),
        Panel::Imager => imager::draw(
            ui,
            ctl,
            params,
            meters,
            analysis,
            history,
            &mut states.imager,
        ),
        Panel::Limiter => limiter::draw(ui, ctl, params, meters, history),
        Panel::Dither => dither::draw(ui, ctl, params),
        Panel::Loudness => loudness::draw(ui, ctl, params, meters, history),
        Panel::Reference => reference::draw(ui, ctl, params, meters, &mut states.reference),
    }
}

/// A panel's title row.
pub fn title(ui: &mut Ui, text: &str) {
    ui.label(
        egui::RichText::new(text)
            .font(egui::FontId::proportional(super::theme::HEADING))
            .color(super::theme::TEXT),
    );
}

/// A panel's three rows: the header (title and switches), the body (its displays) and a
/// bottom strip `bottom_h` high (its knobs), with the grid's gap between them.
pub fn rows(
    area: egui::Rect,
    header_h: f32,
    bottom_h: f32,
) -> (egui::Rect, egui::Rect, egui::Rect) {
    use egui::{pos2, vec2, Rect};
    let gap = 2.0 * super::theme::GRID;
    let header = Rect::from_min_size(area.min, vec2(area.width(), header_h));
    let bottom = Rect::from_min_max(pos2(area.left(), area.bottom() - bottom_h), area.max);
    let body = Rect::from_min_max(
        pos2(area.left(), header.bottom() + gap),
        pos2(area.right(), bottom.top() - gap),
    );
    (header, body, bottom)
}
