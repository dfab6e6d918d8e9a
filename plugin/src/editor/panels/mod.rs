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

/// What every panel draws with: the controls' gesture state, the parameters, the meters, the
/// spectrum analysis and the meters' histories.
pub struct PanelCx<'a, 'c> {
    pub ctl: &'a mut Ctl<'c>,
    pub p: &'a LacquerParams,
    pub meters: &'a SharedMeters,
    pub analysis: &'a mut Analysis,
    pub history: &'a Histories,
}

pub fn draw(ui: &mut Ui, panel: Panel, cx: PanelCx, states: &mut PanelStates) {
    match panel {
        Panel::Eq => eq::draw(ui, cx, &mut states.eq),
        Panel::Compressor => dynamics::draw(ui, cx),
        Panel::Multiband => multiband::draw(ui, cx, &mut states.multiband),
        Panel::Saturation => saturation::draw(ui, cx),
        Panel::Imager => imager::draw(ui, cx, &mut states.imager),
        Panel::Limiter => limiter::draw(ui, cx),
        Panel::Dither => dither::draw(ui, cx),
        Panel::Loudness => loudness::draw(ui, cx),
        Panel::Reference => reference::draw(ui, cx, &mut states.reference),
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

/// A module panel's header row in `rect`: its title and On switch, then `rest` on the same
/// row.
pub fn header(
    ui: &mut Ui,
    ctl: &mut Ctl,
    rect: egui::Rect,
    name: &str,
    on: &nice_plug::prelude::BoolParam,
    rest: impl FnOnce(&mut Ui, &mut Ctl),
) {
    super::in_rect(ui, rect, |ui| {
        ui.horizontal(|ui| {
            title(ui, name);
            super::controls::toggle(ui, ctl, on, "On");
            rest(ui, ctl);
        });
    });
}
