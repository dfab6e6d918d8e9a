//! Reference tracks: eight slots of finished masters to A/B against, and the comparison.
//!
//! "Slots": the slot list (status, loudness, load progress), the selected slot's file (a path
//! typed or pasted; Load, Relink, Clear), its waveform with the loop region (drag across it
//! to set the region, double-click for the whole file) and where it plays, the follow-host
//! offset with automatic alignment, and its measured figures.
//! "Compare": the long-term average spectra of master and reference (mid or side), the
//! reference level-matched to the master, with their difference below; the figures side by
//! side.
//!
//! The A/B switch is a host parameter (automatable); the backquote key toggles it anywhere in
//! the editor, and the strip's Reference chip shows and switches it.

use super::{title, PanelCx};
use crate::editor::analysis::Analysis;
use crate::editor::controls::{self, Ctl};
use crate::editor::widgets::FreqPlot;
use crate::editor::{in_rect, theme};
use crate::meters::SharedMeters;
use crate::reference::compare::{Stats, WIDTH_BANDS};
use crate::reference::{SlotSettings, SlotState, SlotView, SLOTS};
use egui::{pos2, vec2, Align2, Color32, FontId, Rect, RichText, Sense, Stroke, Ui};
use lacquer_dsp::eq::matching::{bank_response_db, MATCH_HI_HZ, MATCH_LO_HZ, MAX_MATCH_BANDS};
use lacquer_session::params::LacquerParams;
use nice_plug::prelude::Param;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

mod compare;
mod detail;
mod slots;
#[cfg(test)]
mod tests;
use compare::*;
use detail::*;
use slots::*;

const G: f32 = theme::GRID;
const ROW: f32 = 6.5 * G;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Slots,
    Compare,
}

/// What the panel keeps between frames.
pub struct ReferenceState {
    pub view: View,
    /// The file field (follows the selected slot until edited).
    pub path_text: String,
    shown_slot: Option<usize>,
    shown_path: String,
    /// Loop region being dragged: (anchor, now), seconds.
    pub dragging: Option<(f64, f64)>,
    /// Compare the side spectra instead of the mid.
    pub side: bool,
    /// Where things were drawn last frame (for tests and scripts).
    pub list_top: egui::Pos2,
    pub wave_rect: Rect,
    pub table_bottom: f32,
    pub match_bottom: f32,
}

impl Default for ReferenceState {
    fn default() -> Self {
        Self {
            view: View::default(),
            path_text: String::new(),
            shown_slot: None,
            shown_path: String::new(),
            dragging: None,
            side: false,
            list_top: egui::Pos2::ZERO,
            wave_rect: Rect::NOTHING,
            table_bottom: 0.0,
            match_bottom: 0.0,
        }
    }
}

/// Keys that work whatever panel is open: backquote switches master / reference.
pub fn handle_keys(ui: &Ui, ctl: &mut Ctl, p: &LacquerParams) {
    if ui.ctx().egui_wants_keyboard_input() {
        return;
    }
    // Some window back-ends deliver the key only as text.
    let pressed = ui.input(|i| {
        (i.key_pressed(egui::Key::Backtick) && !i.modifiers.any())
            || i.events
                .iter()
                .any(|e| matches!(e, egui::Event::Text(t) if t == "`"))
    });
    if pressed {
        let on = ctl.value(p.refs.listen.as_ptr()) >= 0.5;
        ctl.set(p.refs.listen.as_ptr(), if on { 0.0 } else { 1.0 });
    }
}

fn state_colour(s: SlotState) -> Color32 {
    match s {
        SlotState::Empty => theme::LINE,
        SlotState::Loading => theme::ACCENT,
        SlotState::Ready => theme::GOOD,
        SlotState::Missing => theme::WARN,
        SlotState::Failed => theme::OVER,
    }
}

fn minutes(s: f64) -> String {
    if !s.is_finite() {
        return "-".into();
    }
    let sign = if s < 0.0 { "-" } else { "" };
    let s = s.abs();
    format!("{sign}{}:{:04.1}", (s / 60.0).floor() as u64, s % 60.0)
}

fn number(v: Option<f64>, unit: &str, decimals: usize) -> String {
    match v.filter(|v| v.is_finite()) {
        Some(v) => format!("{v:.decimals$}{unit}"),
        None => "-".into(),
    }
}

/// `text` cut (with "...") to fit `width` points.
fn fit(ui: &Ui, text: &str, font: &FontId, width: f32) -> String {
    let measure = |t: &str| {
        ui.painter()
            .layout_no_wrap(t.to_string(), font.clone(), Color32::WHITE)
            .size()
            .x
    };
    if measure(text) <= width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let t: String = chars[..mid].iter().collect::<String>() + "...";
        if measure(&t) <= width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    chars[..lo].iter().collect::<String>() + "..."
}

pub fn draw(ui: &mut Ui, cx: PanelCx, state: &mut ReferenceState) {
    let PanelCx { ctl, p, meters, .. } = cx;
    let area = ui.available_rect_before_wrap();
    let header = Rect::from_min_size(area.min, vec2(area.width(), 8.0 * G));
    let controls_row = Rect::from_min_size(
        pos2(area.left(), header.bottom() + G),
        vec2(area.width(), 8.0 * G),
    );
    let body = Rect::from_min_max(pos2(area.left(), controls_row.bottom() + 2.0 * G), area.max);
    let store = &p.refs.references;
    let settings = store.settings();
    let sel = (p.refs.slot.unmodulated_plain_value() - 1).clamp(0, SLOTS as i32 - 1) as usize;
    let slot = settings.slots.get(sel).cloned().unwrap_or_default();
    if state.shown_slot != Some(sel) || state.shown_path != slot.path {
        state.shown_slot = Some(sel);
        state.shown_path = slot.path.clone();
        state.path_text = slot.path.clone();
    }

    in_rect(ui, header, |ui| {
        ui.horizontal(|ui| {
            title(ui, "Reference");
            ui.label(
                RichText::new("A/B against finished masters ( ` switches)")
                    .font(theme::small())
                    .color(theme::TEXT_DIM),
            );
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                for (v, name) in [(View::Compare, "Compare"), (View::Slots, "Slots")] {
                    if ui.selectable_label(state.view == v, name).clicked() {
                        state.view = v;
                    }
                }
            });
        });
    });
    in_rect(ui, controls_row, |ui| {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 2.0 * G;
            let listening = p.refs.listen.unmodulated_plain_value();
            let label = match (listening, slot.state == SlotState::Ready) {
                (false, _) => "Hearing master",
                (true, true) => "Hearing reference",
                // The master keeps playing until the selected slot has audio.
                (true, false) => "Reference (none loaded)",
            };
            controls::toggle(ui, ctl, &p.refs.listen, label);
            controls::choice(ui, ctl, &p.refs.mode, "Position");
            controls::choice(ui, ctl, &p.refs.level, "Level match");
            controls::toggle(ui, ctl, &p.refs.true_level, "True level");
            let gain = store.applied_gain_db.load(Relaxed);
            let text = if gain.is_finite() {
                format!("gain {gain:+.1} dB")
            } else {
                "gain -".into()
            };
            ui.label(RichText::new(text).font(theme::mono(theme::BODY)).color(
                if p.refs.true_level.unmodulated_plain_value() {
                    theme::TEXT_DIM
                } else {
                    theme::TEXT
                },
            ))
            .on_hover_text("Level-match gain applied to the selected reference");
        });
    });

    match state.view {
        View::Slots => slots_view(ui, ctl, p, body, sel, &settings.slots, state),
        View::Compare => compare_view(ui, ctl, p, meters, body, sel, &slot, state),
    }
}
