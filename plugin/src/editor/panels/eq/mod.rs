//! EQ: the bands over the live spectrum, operated the way analyser EQs are.
//!
//! Display: log frequency 10 Hz - 30 kHz, ±6/±12/±24 dB. The input spectrum is the dim filled
//! area, the output spectrum the brighter line; every enabled band draws its own analog response
//! (thin, in its colour) and the sum is the bold curve.
//!
//! Placement: the bold sum is what Stereo and Mid bands do (the centre of the image, and all of a
//! mono signal). Left, Right and Side bands are drawn dashed, and as soon as one exists its
//! channel gets its own dashed sum (Stereo bands plus that channel's bands), labelled L, R or S.
//!
//! Nodes (one per enabled band, plus the selected band as a hollow ring while it is off):
//! - drag: frequency and gain together (Shift: fine); Alt or Ctrl-drag vertically: Q.
//! - wheel: Q (wheel up = narrower); over a high/low-pass: its slope.
//! - double-click: the band off or on again, as in Pro-Q. Our only on/off is the band's "On"
//!   parameter, so an off band keeps every setting and comes back exactly as it was (its chip
//!   below, or double-clicking its hollow ring while it is selected). "Delete" in the context
//!   menu is the one that resets the slot to its defaults.
//! - right-click: type, slope and alignment (high/low-pass), placement, on/off, delete.
//! - double-click on empty space: the first free parametric slot (1..8) as a bell right there.
//!
//! Node height: bells at their gain, shelves and tilt at half their gain (where a shelf's curve
//! crosses its frequency), and types without gain (pass, notch, band-pass) on the 0 dB line.
//! A drag moves a node with the pointer, so a shelf's gain moves twice the dB the pointer spans.
//!
//! Band solo ("listen to what a band touches"): the Solo button beside a band plays only its
//! region (a band-pass after the EQ, `lacquer_dsp::eq::solo`). It is a listening aid, not a
//! setting: it goes to the audio thread through `EditorCommands::eq_solo`, is never saved or
//! automated, and ends when another band is selected or the editor closes.

use super::{title, PanelCx};
use crate::editor::analysis::{Analysis, F_MAX, F_MIN};
use crate::editor::controls::{self, Ctl};
use crate::editor::widgets::{self, fmt_hz, FreqPlot};
use crate::editor::{in_rect, theme};
use crate::meters::SharedMeters;
use egui::{pos2, vec2, Align2, Color32, FontId, Pos2, Rect, Response, Sense, Stroke, Ui};
use lacquer_dsp::eq::band::{
    analog_magnitude_db, BandParams, BandType, Placement, HIGH_PASS_SLOT, LOW_PASS_SLOT,
};
use lacquer_dsp::eq::linear_phase::LinearPhaseLatency;
use lacquer_session::params::{EqBandHostParams, HostEqMode, LacquerParams, EQ_BANDS};
use nice_plug::prelude::{Param, ParamPtr};
use std::sync::atomic::Ordering::Relaxed;

mod band_controls;
mod curves;
mod names;
mod nodes;
#[cfg(test)]
mod tests;
use band_controls::*;
use curves::*;
use names::*;
use nodes::*;

/// Display ranges offered (± dB); the middle one is the default, as in most mastering EQs.
const RANGES: [f32; 3] = [6.0, 12.0, 24.0];
/// dBFS the spectrum spans from the bottom to the top of the display.
const SPEC_FLOOR: f32 = -90.0;
const SPEC_CEIL: f32 = 0.0;
const NODE_R: f32 = 7.0;
/// Pointer distance (points) that still grabs a node.
const NODE_GRAB: f32 = 10.0;
/// Fine factor for Shift.
const FINE: f32 = 0.1;
/// One wheel notch changes Q by this many octaves (a third: 0.71 -> 0.89).
const Q_WHEEL_OCT: f32 = 1.0 / 3.0;
/// Alt/Ctrl-drag: points of vertical travel that double Q.
const Q_DRAG_PX: f32 = 60.0;
/// Slots that double-click on empty space fills (the parametric ones).
const FREE_SLOTS: std::ops::RangeInclusive<usize> = 1..=8;

const HEADER_H: f32 = 6.0 * theme::GRID;
const ROW_H: f32 = 6.0 * theme::GRID;
const KNOBS_H: f32 = controls::KNOB + 44.0;
const BLOCK_W: f32 = 30.0 * theme::GRID;
/// The high/low-pass alignment cell: wide enough for "Linkwitz-Riley" in small type.
const ALIGN_W: f32 = 23.0 * theme::GRID;
/// Headroom above and below the labelled range, so the outer dB labels clear the
/// frequency labels and the curves' extremes stay visible.
const HEADROOM: f32 = 1.1;

/// Where things were drawn last frame (what the tests aim at, and the minimum-size check).
#[derive(Clone, Copy)]
pub struct Geometry {
    pub panel: Rect,
    pub plot: Option<FreqPlot>,
    /// Everything below the display that was actually laid out.
    pub controls: Rect,
    pub freq_knob: Rect,
    pub gain_knob: Rect,
    pub q_knob: Rect,
}

impl Default for Geometry {
    fn default() -> Self {
        Self {
            panel: Rect::NOTHING,
            plot: None,
            controls: Rect::NOTHING,
            freq_knob: Rect::NOTHING,
            gain_knob: Rect::NOTHING,
            q_knob: Rect::NOTHING,
        }
    }
}

pub struct EqState {
    /// Band slot whose controls are shown (0 = HP, 1..8, 9 = LP).
    pub selected: usize,
    /// Display range, ± dB.
    pub range_db: f32,
    drag: Option<NodeDrag>,
    curves: Curves,
    pub geometry: Geometry,
}

impl Default for EqState {
    fn default() -> Self {
        Self {
            selected: 1,
            range_db: RANGES[1],
            drag: None,
            curves: Curves::default(),
            geometry: Geometry::default(),
        }
    }
}

/// A node drag in progress. Values are taken from the start of the gesture plus the pointer's
/// travel, so stepped parameters (gain: 0.01 dB) do not swallow small per-frame movements.
#[derive(Clone, Copy)]
struct NodeDrag {
    band: usize,
    /// Alt/Ctrl at the start: vertical travel is Q, frequency stays.
    q_mode: bool,
    moves_gain: bool,
    start_hz: f64,
    start_db: f32,
    start_q: f32,
    /// Pointer travel so far (points, Shift-scaled).
    travel: egui::Vec2,
}

/// Solo the band in slot `i` (press again to hear the whole EQ).
fn solo_button(ui: &mut Ui, meters: &SharedMeters, i: usize) {
    use std::sync::atomic::Ordering::Relaxed;
    let on = meters.commands.eq_solo.load(Relaxed) == i as u32 + 1;
    let text = egui::RichText::new("Solo").color(if on { Color32::BLACK } else { theme::TEXT });
    let r = ui
        .add(egui::Button::new(text).fill(if on { theme::WARN } else { theme::RAISED }))
        .on_hover_text("Listen only to what this band works on");
    if r.clicked() {
        meters
            .commands
            .eq_solo
            .store(if on { 0 } else { i as u32 + 1 }, Relaxed);
    }
}

pub fn draw(ui: &mut Ui, cx: PanelCx, state: &mut EqState) {
    let (ctl, p, meters, analysis) = (cx.ctl, cx.p, cx.meters, cx.analysis);
    {
        // A solo follows the selection: selecting another band ends it.
        use std::sync::atomic::Ordering::Relaxed;
        let solo = meters.commands.eq_solo.load(Relaxed);
        if solo != 0 && solo != state.selected.min(EQ_BANDS - 1) as u32 + 1 {
            meters.commands.eq_solo.store(0, Relaxed);
        }
    }
    let g = theme::GRID;
    let area = ui.max_rect();
    state.selected = state.selected.min(EQ_BANDS - 1);
    let header = Rect::from_min_size(area.min, vec2(area.width(), HEADER_H));
    let knobs = Rect::from_min_max(
        pos2(area.left(), area.bottom() - KNOBS_H),
        area.right_bottom(),
    );
    let row = Rect::from_min_max(
        pos2(area.left(), knobs.top() - g - ROW_H),
        pos2(area.right(), knobs.top() - g),
    );
    let plot_rect = Rect::from_min_max(
        pos2(area.left(), header.bottom() + 2.0 * g),
        pos2(area.right(), row.top() - 2.0 * g),
    );

    in_rect(ui, header, |ui| {
        header_row(ui, ctl, p, meters, analysis, state)
    });
    let mut used = Rect::NOTHING;
    if plot_rect.height() > 8.0 * g {
        display(ui, ctl, p, analysis, state, plot_rect);
    }
    used |= in_rect(ui, row, |ui| band_chips(ui, ctl, p, state));
    used |= in_rect(ui, knobs, |ui| band_controls(ui, ctl, p, meters, state));
    state.geometry.panel = area;
    state.geometry.controls = used;
}

/// Title, EQ on/off, phase mode with its latency, display range.
fn header_row(
    ui: &mut Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    meters: &SharedMeters,
    analysis: &Analysis,
    state: &mut EqState,
) {
    ui.horizontal_centered(|ui| {
        ui.spacing_mut().item_spacing.x = 2.0 * theme::GRID;
        title(ui, "EQ");
        controls::toggle(ui, ctl, &p.eq.enabled, "On");
        dim_label(ui, "Phase");
        compact_choice(ui, ctl, &p.eq.mode, 52.0 * theme::GRID);
        let size = match p.eq.mode.value() {
            HostEqMode::Minimum => None,
            HostEqMode::LinearLow => Some(LinearPhaseLatency::Low),
            HostEqMode::LinearMedium => Some(LinearPhaseLatency::Medium),
            HostEqMode::LinearHigh => Some(LinearPhaseLatency::High),
        };
        let rate = analysis.sample_rate();
        let text = match size {
            None => "Zero latency".to_string(),
            Some(s) if rate > 0.0 => {
                let n = s.latency_samples(rate);
                format!("{n} smp  {:.1} ms", n as f64 * 1000.0 / rate)
            }
            Some(_) => "Latency: no audio yet".to_string(),
        };
        let total = meters.latency_samples.load(Relaxed);
        dim_label(ui, &text).on_hover_text(format!(
            "Latency of the EQ's phase mode. The whole chain reports {total:.0} samples to the host."
        ));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.spacing_mut().item_spacing.x = theme::GRID;
            for r in RANGES.iter().rev() {
                let on = state.range_db == *r;
                if ui
                    .selectable_label(on, format!("±{r:.0}"))
                    .on_hover_text("Display range (dB)")
                    .clicked()
                {
                    state.range_db = *r;
                }
            }
            dim_label(ui, "Range");
        });
    });
}

/// The curve display with its nodes.
fn display(
    ui: &mut Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    analysis: &Analysis,
    state: &mut EqState,
    rect: Rect,
) {
    let plot = FreqPlot {
        rect,
        db_min: -state.range_db * HEADROOM,
        db_max: state.range_db * HEADROOM,
    };
    state.geometry.plot = Some(plot);
    let mods = ui.input(|i| i.modifiers);
    let before = p.chain_params().eq.bands;

    // The background first: egui gives the pointer to the last widget added, so nodes win.
    let bg = ui.interact(rect, egui::Id::unique("eq-display"), Sense::click());
    if bg.double_clicked() {
        if let Some(pos) = bg.interact_pointer_pos() {
            add_band(ctl, p, state, plot.hz_of(pos.x), plot.db_of(pos.y));
        }
    }

    // Nodes: enabled bands, the selected one even when off, and one being dragged, selected on
    // top (drawn and hit last).
    let mut order: Vec<usize> = (0..EQ_BANDS)
        .filter(|&i| {
            before[i].enabled || i == state.selected || state.drag.is_some_and(|d| d.band == i)
        })
        .collect();
    order.sort_by_key(|&i| i == state.selected);
    let mut nodes: Vec<(usize, Response)> = Vec::with_capacity(order.len());
    for &i in &order {
        let at = node_pos(&plot, &before[i]);
        let hit = Rect::from_center_size(at, egui::Vec2::splat(2.0 * NODE_GRAB));
        let r = ui.interact(
            hit,
            egui::Id::unique(("eq-node", i)),
            Sense::click_and_drag(),
        );
        node_input(ui, ctl, p, state, &plot, &before[i], i, &r, mods);
        nodes.push((i, r));
    }

    // Draw with the values this frame's edits produced.
    let bands = p.chain_params().eq.bands;
    let n = ((rect.width() / 2.0).round() as usize).clamp(32, 1000);
    state.curves.update(&bands, n);
    let painter = ui.painter_at(rect);
    let step = match state.range_db {
        r if r <= 6.0 => 2.0,
        r if r <= 12.0 => 3.0,
        _ => 6.0,
    };
    plot.grid(&painter, step);
    if analysis.pre_db.iter().any(|v| v.is_finite()) {
        widgets::spectrum(
            &painter,
            &plot,
            &analysis.pre_db,
            SPEC_FLOOR,
            SPEC_CEIL,
            theme::PRE,
            true,
        );
    }
    if analysis.post_db.iter().any(|v| v.is_finite()) {
        widgets::spectrum(
            &painter,
            &plot,
            &analysis.post_db,
            SPEC_FLOOR,
            SPEC_CEIL,
            theme::POST,
            false,
        );
    }
    let eq_on = p.eq.enabled.value();
    paint_curves(
        &painter,
        &plot,
        &state.curves,
        &bands,
        state.selected,
        eq_on,
    );
    for (i, r) in &nodes {
        paint_node(&painter, &plot, &bands[*i], *i, *i == state.selected, r);
    }
    if !bands.iter().any(|b| b.enabled) {
        painter.text(
            rect.center(),
            Align2::CENTER_CENTER,
            "Double-click to add a band",
            FontId::proportional(theme::BODY),
            theme::TEXT_DIM,
        );
    }

    // Readouts: the hovered or dragged node, or the pointer's position.
    let active = nodes
        .iter()
        .find(|(_, r)| r.dragged())
        .or_else(|| nodes.iter().find(|(_, r)| r.hovered()));
    if let Some((i, _)) = active {
        let b = &bands[*i];
        let mut text = format!("{}  {}", band_name(*i), type_name(b.kind));
        if b.placement != Placement::Stereo {
            text += &format!("  ({})", placement_name(b.placement));
        }
        text += &format!("\n{}", fmt_hz(b.freq_hz));
        if b.kind.uses_gain() {
            text += &format!("  {:+.1} dB", b.gain_db);
        }
        if b.kind.uses_q() {
            text += &format!("  Q {:.2}", b.q);
        }
        if matches!(b.kind, BandType::HighPass | BandType::LowPass) {
            text += &format!("  {:.0} dB/oct", b.slope_db_oct);
        }
        readout(&painter, rect, node_pos(&plot, b), &text);
    } else if let Some(pos) = bg.hover_pos() {
        painter.text(
            rect.left_top() + vec2(theme::GRID * 2.0, theme::GRID),
            Align2::LEFT_TOP,
            format!(
                "{}  {:+.1} dB",
                fmt_hz(plot.hz_of(pos.x)),
                plot.db_of(pos.y)
            ),
            theme::mono(theme::SMALL),
            theme::TEXT_DIM,
        );
    }
}
