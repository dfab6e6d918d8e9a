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

/// Node height as a fraction of the band's gain (see the module notes).
fn gain_share(kind: BandType) -> f32 {
    match kind {
        BandType::Bell => 1.0,
        BandType::LowShelf | BandType::HighShelf | BandType::Tilt => 0.5,
        _ => 0.0,
    }
}

fn node_pos(plot: &FreqPlot, b: &BandParams) -> Pos2 {
    let db = (b.gain_db as f32 * gain_share(b.kind)).clamp(plot.db_min, plot.db_max);
    plot.pos(b.freq_hz, db)
}

#[allow(clippy::too_many_arguments)]
fn node_input(
    ui: &Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    state: &mut EqState,
    plot: &FreqPlot,
    b: &BandParams,
    i: usize,
    r: &Response,
    mods: egui::Modifiers,
) {
    let host = &p.eq.bands[i];
    if r.clicked() || r.secondary_clicked() || r.drag_started() {
        state.selected = i;
    }
    if r.double_clicked() {
        ctl.set(host.enabled.as_ptr(), if b.enabled { 0.0 } else { 1.0 });
    }

    let fine = if mods.shift { FINE } else { 1.0 };
    if r.drag_started() {
        state.drag = Some(NodeDrag {
            band: i,
            q_mode: (mods.alt || mods.command || mods.ctrl) && b.kind.uses_q(),
            moves_gain: gain_share(b.kind) > 0.0,
            start_hz: b.freq_hz,
            start_db: b.gain_db as f32,
            start_q: b.q as f32,
            // Travel from the press, so the node stays under the pointer.
            travel: r.total_drag_delta().unwrap_or_default() * fine,
        });
    } else if r.dragged() {
        if let Some(d) = state.drag.as_mut().filter(|d| d.band == i) {
            d.travel += r.drag_delta() * fine;
        }
    }
    if let Some(d) = state.drag.filter(|d| d.band == i) {
        let moving = r.dragged();
        // One gesture per parameter; each needs its own response id (ctl.drag keeps the
        // gesture's start value under the response's id).
        let with_id = |salt: &str| {
            let mut r = r.clone();
            r.id = r.id.with(salt);
            r
        };
        if d.q_mode {
            let q = d.start_q * 2f32.powf(-d.travel.y / Q_DRAG_PX);
            let nq = ctl.normalized_of(host.q.as_ptr(), q);
            ctl.drag(host.q.as_ptr(), &with_id("q"), |now| {
                if moving {
                    nq
                } else {
                    now
                }
            });
        } else {
            let hz = plot.hz_of(plot.x_of(d.start_hz) + d.travel.x);
            let nf = ctl.normalized_of(host.freq.as_ptr(), hz as f32);
            ctl.drag(host.freq.as_ptr(), &with_id("freq"), |_| nf);
            if d.moves_gain {
                let db_per_pt = (plot.db_max - plot.db_min) / plot.rect.height();
                let db = d.start_db - d.travel.y * db_per_pt / gain_share(b.kind).max(0.5);
                let ng = ctl.normalized_of(host.gain.as_ptr(), db.clamp(-24.0, 24.0));
                ctl.drag(host.gain.as_ptr(), &with_id("gain"), |_| ng);
            }
        }
        if r.drag_stopped() {
            state.drag = None;
        }
    }

    if r.hovered() && !r.dragged() {
        let notches = controls::wheel_notches(ui);
        if notches != 0.0 {
            let step = if mods.shift { FINE } else { 1.0 };
            if b.kind.uses_q() {
                let q = b.q as f32 * 2f32.powf(notches * Q_WHEEL_OCT * step);
                ctl.set_plain(host.q.as_ptr(), q);
            } else if matches!(b.kind, BandType::HighPass | BandType::LowPass) {
                let order = host.slope.unmodulated_plain_value() + notches as i32;
                ctl.set_plain(host.slope.as_ptr(), order.clamp(1, 16) as f32);
            }
        }
    }

    r.context_menu(|ui| node_menu(ui, ctl, host, i, b));
}

/// Double-click on empty space: the first free parametric slot, a bell at that spot.
fn add_band(ctl: &mut Ctl, p: &LacquerParams, state: &mut EqState, hz: f64, db: f32) {
    let Some(i) = FREE_SLOTS
        .clone()
        .find(|&i| !p.eq.bands[i].enabled.unmodulated_plain_value())
    else {
        return;
    };
    let b = &p.eq.bands[i];
    let set = |ctl: &mut Ctl, ptr: ParamPtr, n: f32| {
        if ctl.value(ptr) != n {
            ctl.set(ptr, n);
        }
    };
    set(
        ctl,
        b.kind.as_ptr(),
        b.kind
            .preview_normalized(lacquer_session::params::HostBandType::Bell),
    );
    set(ctl, b.freq.as_ptr(), b.freq.preview_normalized(hz as f32));
    set(
        ctl,
        b.gain.as_ptr(),
        b.gain.preview_normalized(db.clamp(-24.0, 24.0)),
    );
    // A slot used before may hold a narrow Q or another channel: a new band starts plain.
    set(ctl, b.q.as_ptr(), b.q.default_normalized_value());
    set(
        ctl,
        b.placement.as_ptr(),
        b.placement.default_normalized_value(),
    );
    set(
        ctl,
        b.dynamic.as_ptr(),
        b.dynamic.default_normalized_value(),
    );
    ctl.set(b.enabled.as_ptr(), 1.0);
    state.selected = i;
}

/// Every parameter of the band back to its default (which turns the band off).
fn delete_band(ctl: &mut Ctl, b: &EqBandHostParams) {
    let ptrs = [
        b.kind.as_ptr(),
        b.freq.as_ptr(),
        b.gain.as_ptr(),
        b.q.as_ptr(),
        b.slope.as_ptr(),
        b.pass_kind.as_ptr(),
        b.placement.as_ptr(),
        b.dynamic.as_ptr(),
        b.dyn_threshold.as_ptr(),
        b.dyn_range.as_ptr(),
        b.dyn_attack.as_ptr(),
        b.dyn_release.as_ptr(),
        b.enabled.as_ptr(),
    ];
    for ptr in ptrs {
        // SAFETY: the pointer comes from the plugin's parameters, which outlive the editor.
        let d = unsafe { ptr.default_normalized_value() };
        if ctl.value(ptr) != d {
            ctl.reset(ptr);
        }
    }
}

fn node_menu(ui: &mut Ui, ctl: &mut Ctl, host: &EqBandHostParams, i: usize, b: &BandParams) {
    ui.label(
        egui::RichText::new(band_name(i))
            .color(theme::BANDS[i])
            .strong(),
    );
    if ui.selectable_label(b.enabled, "On").clicked() {
        ctl.set(host.enabled.as_ptr(), if b.enabled { 0.0 } else { 1.0 });
        ui.close();
    }
    ui.menu_button("Type", |ui| menu_choices(ui, ctl, &host.kind));
    if matches!(b.kind, BandType::HighPass | BandType::LowPass) {
        ui.menu_button("Slope", |ui| menu_choices(ui, ctl, &host.slope));
        ui.menu_button("Alignment", |ui| menu_choices(ui, ctl, &host.pass_kind));
    }
    ui.menu_button("Placement", |ui| menu_choices(ui, ctl, &host.placement));
    ui.separator();
    if ui.button("Delete").clicked() {
        delete_band(ctl, host);
        ui.close();
    }
}

/// Every value of a stepped parameter as a menu entry.
fn menu_choices<P: Param>(ui: &mut Ui, ctl: &mut Ctl, param: &P) {
    let steps = param.step_count().unwrap_or(1).max(1);
    let now = param.unmodulated_normalized_value();
    for s in 0..=steps {
        let n = s as f32 / steps as f32;
        let text = param.normalized_value_to_string(n, true);
        if ui.selectable_label((n - now).abs() < 1e-4, text).clicked() {
            ctl.set(param.as_ptr(), n);
            ui.close();
        }
    }
}

/// A drop-down of fixed width (long names are truncated in the button, full in the list).
fn compact_choice<P: Param>(ui: &mut Ui, ctl: &mut Ctl, param: &P, width: f32) -> Response {
    let steps = param.step_count().unwrap_or(1).max(1);
    let now = param.unmodulated_normalized_value();
    let mut picked = None;
    let r = egui::ComboBox::from_id_salt(("eq-choice", param.name()))
        .width(width)
        .truncate()
        .selected_text(param.normalized_value_to_string(now, true))
        .show_ui(ui, |ui| {
            for s in 0..=steps {
                let n = s as f32 / steps as f32;
                let text = param.normalized_value_to_string(n, true);
                if ui.selectable_label((n - now).abs() < 1e-4, text).clicked() {
                    picked = Some(n);
                }
            }
        })
        .response;
    if let Some(n) = picked {
        ctl.set(param.as_ptr(), n);
    }
    let text = param.normalized_value_to_string(now, true);
    r.on_hover_text(format!("{}: {text}", param.name()))
}

/// Every value of a small stepped parameter as a button, one under the other.
fn stacked_choice<P: Param>(ui: &mut Ui, ctl: &mut Ctl, param: &P) {
    let steps = param.step_count().unwrap_or(1).max(1);
    let now = param.unmodulated_normalized_value();
    for s in 0..=steps {
        let n = s as f32 / steps as f32;
        let text =
            egui::RichText::new(param.normalized_value_to_string(n, true)).font(theme::small());
        let r = ui.add(
            egui::Button::selectable((n - now).abs() < 1e-4, text)
                .min_size(vec2(ALIGN_W - 2.0 * theme::GRID, 5.0 * theme::GRID)),
        );
        if r.clicked() {
            ctl.set(param.as_ptr(), n);
        }
    }
}

fn dim_label(ui: &mut Ui, text: &str) -> Response {
    ui.label(
        egui::RichText::new(text)
            .font(theme::small())
            .color(theme::TEXT_DIM),
    )
}

/// Band chips (select; double-click: on/off), then the selected band's type and placement.
fn band_chips(ui: &mut Ui, ctl: &mut Ctl, p: &LacquerParams, state: &mut EqState) -> Rect {
    ui.horizontal_centered(|ui| {
        ui.spacing_mut().item_spacing.x = theme::GRID;
        for i in 0..EQ_BANDS {
            chip(ui, ctl, &p.eq.bands[i], i, state);
        }
        ui.add_space(3.0 * theme::GRID);
        let b = &p.eq.bands[state.selected];
        dim_label(ui, "Type");
        compact_choice(ui, ctl, &b.kind, 22.0 * theme::GRID);
        ui.add_space(theme::GRID);
        dim_label(ui, "Channel");
        compact_choice(ui, ctl, &b.placement, 16.0 * theme::GRID);
    })
    .response
    .rect
}

fn chip(ui: &mut Ui, ctl: &mut Ctl, b: &EqBandHostParams, i: usize, state: &mut EqState) {
    let on = b.enabled.unmodulated_plain_value();
    let w = if i == HIGH_PASS_SLOT || i == LOW_PASS_SLOT {
        7.0 * theme::GRID
    } else {
        5.0 * theme::GRID
    };
    let (rect, r) = ui.allocate_exact_size(vec2(w, 5.0 * theme::GRID), Sense::click());
    let colour = theme::BANDS[i];
    let painter = ui.painter();
    let fill = if on { colour } else { theme::RAISED };
    painter.rect_filled(rect, 3.0, fill);
    if i == state.selected {
        painter.rect_stroke(
            rect,
            3.0,
            Stroke::new(1.5, theme::TEXT),
            egui::StrokeKind::Outside,
        );
    } else if r.hovered() {
        painter.rect_stroke(
            rect,
            3.0,
            Stroke::new(1.0, colour),
            egui::StrokeKind::Inside,
        );
    }
    painter.text(
        rect.center(),
        Align2::CENTER_CENTER,
        short_name(i),
        theme::small(),
        if on { Color32::BLACK } else { colour },
    );
    if r.clicked() {
        state.selected = i;
    }
    if r.double_clicked() {
        ctl.set(b.enabled.as_ptr(), if on { 0.0 } else { 1.0 });
    }
    r.on_hover_text(format!(
        "{}: {}\nClick to select, double-click to switch on or off",
        band_name(i),
        if on { "on" } else { "off" }
    ));
}

/// The selected band: name and switches, then frequency/gain/Q (or slope and alignment for
/// high/low-pass), then the dynamic section.
fn band_controls(
    ui: &mut Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    meters: &SharedMeters,
    state: &mut EqState,
) -> Rect {
    let i = state.selected;
    let b = &p.eq.bands[i];
    let kind = p.chain_params().eq.bands[i].kind;
    let pass = matches!(kind, BandType::HighPass | BandType::LowPass);
    // The linear-phase EQ is one fixed convolution kernel, redesigned off the audio thread:
    // it cannot follow a gain that moves with the programme, so dynamic bands act only in
    // minimum phase and their controls are off in the linear-phase modes.
    let min_phase = p.eq.mode.value() == HostEqMode::Minimum;
    let dyn_ok = kind.uses_gain() && min_phase;
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = theme::GRID;
        ui.allocate_ui_with_layout(
            vec2(BLOCK_W, KNOBS_H),
            egui::Layout::top_down(egui::Align::Min),
            |ui| {
                ui.spacing_mut().item_spacing.y = 2.0 * theme::GRID;
                ui.add_space(theme::GRID);
                ui.horizontal(|ui| {
                    ui.label(
                        egui::RichText::new(band_name(i))
                            .font(FontId::proportional(theme::HEADING))
                            .color(theme::BANDS[i]),
                    );
                    solo_button(ui, meters, i);
                });
                ui.horizontal(|ui| {
                    ui.spacing_mut().item_spacing.x = theme::GRID;
                    controls::toggle(ui, ctl, &b.enabled, "On");
                    ui.add_enabled_ui(dyn_ok, |ui| {
                        controls::toggle(ui, ctl, &b.dynamic, "Dynamic");
                    })
                    .response
                    .on_disabled_hover_text("Dynamic bands work in minimum phase only");
                });
            },
        );
        ui.separator();
        let r = controls::knob(ui, ctl, &b.freq, "Frequency");
        state.geometry.freq_knob = r.rect;
        if pass {
            controls::knob(ui, ctl, &b.slope, "Slope");
            ui.allocate_ui_with_layout(
                vec2(ALIGN_W, KNOBS_H),
                egui::Layout::top_down(egui::Align::Center),
                |ui| {
                    ui.spacing_mut().item_spacing.y = theme::GRID;
                    dim_label(ui, "Alignment");
                    stacked_choice(ui, ctl, &b.pass_kind);
                },
            );
            state.geometry.gain_knob = Rect::NOTHING;
            state.geometry.q_knob = Rect::NOTHING;
        } else {
            let r = ui
                .add_enabled_ui(kind.uses_gain(), |ui| {
                    controls::knob(ui, ctl, &b.gain, "Gain")
                })
                .inner;
            state.geometry.gain_knob = r.rect;
            let r = ui
                .add_enabled_ui(kind.uses_q(), |ui| controls::knob(ui, ctl, &b.q, "Q"))
                .inner;
            state.geometry.q_knob = r.rect;
        }
        ui.separator();
        let dynamic = dyn_ok && b.dynamic.unmodulated_plain_value();
        ui.add_enabled_ui(dynamic, |ui| {
            controls::knob(ui, ctl, &b.dyn_threshold, "Threshold");
            controls::knob(ui, ctl, &b.dyn_range, "Range");
            controls::knob(ui, ctl, &b.dyn_attack, "Attack");
            controls::knob(ui, ctl, &b.dyn_release, "Release");
        });
    })
    .response
    .rect
}

/// Band and summed responses at log-spaced points across the display, recomputed only when a
/// band or the width changes.
#[derive(Default)]
struct Curves {
    key: Option<([BandParams; EQ_BANDS], usize)>,
    band: [Vec<f32>; EQ_BANDS],
    /// [main (Stereo + Mid), Left, Right, Side]: what each kind of content gets.
    sum: [Vec<f32>; 4],
    /// Which channel sums (Left, Right, Side) have bands of their own.
    used: [bool; 4],
}

const SUM_MAIN: usize = 0;

/// Sums a band contributes to: Stereo to all, the others to their own.
fn sums_of(placement: Placement) -> &'static [usize] {
    match placement {
        Placement::Stereo => &[0, 1, 2, 3],
        Placement::Mid => &[0],
        Placement::Left => &[1],
        Placement::Right => &[2],
        Placement::Side => &[3],
    }
}

impl Curves {
    fn update(&mut self, bands: &[BandParams; EQ_BANDS], n: usize) {
        if self.key.as_ref() == Some(&(*bands, n)) {
            return;
        }
        self.key = Some((*bands, n));
        for s in &mut self.sum {
            s.clear();
            s.resize(n, 0.0);
        }
        self.used = [false; 4];
        for (b, curve) in bands.iter().zip(&mut self.band) {
            curve.clear();
            if !b.enabled {
                continue;
            }
            let sums = sums_of(b.placement);
            if b.placement != Placement::Stereo && b.placement != Placement::Mid {
                self.used[sums[0]] = true;
            }
            curve.extend((0..n).map(|k| {
                let hz = F_MIN * (F_MAX / F_MIN).powf(k as f64 / (n - 1) as f64);
                analog_magnitude_db(b, hz) as f32
            }));
            for &s in sums {
                for (acc, v) in self.sum[s].iter_mut().zip(curve.iter()) {
                    *acc += v;
                }
            }
        }
    }
}

fn curve_points(plot: &FreqPlot, db: &[f32]) -> Vec<Pos2> {
    let n = db.len();
    let r = plot.rect;
    // Far outside the display only costs coordinates: hold curves just beyond its edges.
    let (lo, hi) = (plot.db_min - 6.0, plot.db_max + 6.0);
    db.iter()
        .enumerate()
        .map(|(k, v)| {
            pos2(
                r.left() + r.width() * k as f32 / (n - 1).max(1) as f32,
                plot.y_of(v.clamp(lo, hi)),
            )
        })
        .collect()
}

fn paint_curves(
    painter: &egui::Painter,
    plot: &FreqPlot,
    curves: &Curves,
    bands: &[BandParams; EQ_BANDS],
    selected: usize,
    eq_on: bool,
) {
    let fade = if eq_on { 1.0 } else { 0.4 };
    let zero = plot.y_of(0.0);
    for (i, (b, db)) in bands.iter().zip(&curves.band).enumerate() {
        if !b.enabled || db.len() < 2 {
            continue;
        }
        let colour = theme::BANDS[i].gamma_multiply(fade);
        let pts = curve_points(plot, db);
        if i == selected {
            let fill = colour.gamma_multiply(0.18);
            for w in pts.windows(2) {
                painter.add(egui::Shape::convex_polygon(
                    vec![w[0], w[1], pos2(w[1].x, zero), pos2(w[0].x, zero)],
                    fill,
                    Stroke::NONE,
                ));
            }
        }
        let stroke = Stroke::new(1.0, colour.gamma_multiply(0.8));
        if sums_of(b.placement).contains(&SUM_MAIN) {
            painter.add(egui::Shape::line(pts, stroke));
        } else {
            painter.extend(egui::Shape::dashed_line(&pts, stroke, 5.0, 3.0));
        }
    }
    for (s, label) in [(1, "L"), (2, "R"), (3, "S")] {
        if !curves.used[s] || curves.sum[s].len() < 2 {
            continue;
        }
        let pts = curve_points(plot, &curves.sum[s]);
        let colour = theme::TEXT.gamma_multiply(0.7 * fade);
        if let Some(last) = pts.last() {
            painter.text(
                pos2(last.x - theme::GRID * 8.0, last.y - 2.0),
                Align2::RIGHT_BOTTOM,
                label,
                theme::small(),
                colour,
            );
        }
        painter.extend(egui::Shape::dashed_line(
            &pts,
            Stroke::new(1.5, colour),
            6.0,
            4.0,
        ));
    }
    if bands.iter().any(|b| b.enabled) && curves.sum[SUM_MAIN].len() >= 2 {
        let pts = curve_points(plot, &curves.sum[SUM_MAIN]);
        painter.add(egui::Shape::line(
            pts,
            Stroke::new(2.5, theme::ACCENT.gamma_multiply(fade)),
        ));
    }
}

fn paint_node(
    painter: &egui::Painter,
    plot: &FreqPlot,
    b: &BandParams,
    i: usize,
    selected: bool,
    r: &Response,
) {
    let at = node_pos(plot, b);
    let colour = theme::BANDS[i];
    // A dynamic band shows how far it can move: a bar to gain + range.
    if b.enabled && b.dynamic.enabled && b.kind.uses_gain() {
        let share = gain_share(b.kind);
        let to = ((b.gain_db + b.dynamic.range_db) as f32 * share).clamp(plot.db_min, plot.db_max);
        let y = plot.y_of(to);
        let stroke = Stroke::new(2.0, colour.gamma_multiply(0.7));
        painter.line_segment([at, pos2(at.x, y)], stroke);
        painter.line_segment([pos2(at.x - 4.0, y), pos2(at.x + 4.0, y)], stroke);
    }
    if selected || r.hovered() || r.dragged() {
        let ring = if selected { theme::TEXT } else { colour };
        painter.circle_stroke(at, NODE_R + 3.0, Stroke::new(1.5, ring));
    }
    let font = FontId::proportional(if short_name(i).len() > 1 { 8.0 } else { 10.0 });
    if b.enabled {
        painter.circle_filled(at, NODE_R, colour);
        painter.text(
            at,
            Align2::CENTER_CENTER,
            short_name(i),
            font,
            Color32::BLACK,
        );
    } else {
        painter.circle_filled(at, NODE_R, theme::PANEL);
        painter.circle_stroke(at, NODE_R, Stroke::new(1.5, colour));
        painter.text(at, Align2::CENTER_CENTER, short_name(i), font, colour);
    }
}

/// A small box next to `at`, kept inside `rect`.
fn readout(painter: &egui::Painter, rect: Rect, at: Pos2, text: &str) {
    let galley = painter.layout_no_wrap(text.to_owned(), theme::mono(theme::SMALL), theme::TEXT);
    let pad = vec2(theme::GRID * 1.5, theme::GRID);
    let size = galley.size() + 2.0 * pad;
    let gap = NODE_R + 3.0 * theme::GRID;
    let mut min = pos2(at.x + gap, at.y - gap - size.y);
    if min.x + size.x > rect.right() {
        min.x = at.x - gap - size.x;
    }
    if min.y < rect.top() {
        min.y = at.y + gap;
    }
    let min = pos2(
        min.x
            .clamp(rect.left(), (rect.right() - size.x).max(rect.left())),
        min.y
            .clamp(rect.top(), (rect.bottom() - size.y).max(rect.top())),
    );
    let frame = Rect::from_min_size(min, size);
    painter.rect_filled(frame, 3.0, theme::RAISED.gamma_multiply(0.95));
    painter.rect_stroke(
        frame,
        3.0,
        Stroke::new(1.0, theme::LINE),
        egui::StrokeKind::Inside,
    );
    painter.galley(min + pad, galley, theme::TEXT);
}

fn band_name(i: usize) -> String {
    match i {
        HIGH_PASS_SLOT => "High-pass".into(),
        LOW_PASS_SLOT => "Low-pass".into(),
        i => format!("Band {i}"),
    }
}

fn short_name(i: usize) -> &'static str {
    ["HP", "1", "2", "3", "4", "5", "6", "7", "8", "LP"][i.min(EQ_BANDS - 1)]
}

fn type_name(kind: BandType) -> &'static str {
    match kind {
        BandType::Bell => "Bell",
        BandType::LowShelf => "Low Shelf",
        BandType::HighShelf => "High Shelf",
        BandType::HighPass => "High Pass",
        BandType::LowPass => "Low Pass",
        BandType::Notch => "Notch",
        BandType::BandPass => "Band Pass",
        BandType::Tilt => "Tilt",
    }
}

fn placement_name(p: Placement) -> &'static str {
    match p {
        Placement::Stereo => "Stereo",
        Placement::Left => "Left",
        Placement::Right => "Right",
        Placement::Mid => "Mid",
        Placement::Side => "Side",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editor::test_host::{self, Gesture, TestHost};
    use crate::editor::{EditorApp, Panel};
    use egui::{Event, Modifiers, PointerButton};
    use egui_kittest::kittest::Queryable;
    use egui_kittest::Harness;
    use lacquer_session::params::HostBandType;
    use std::sync::Arc;

    type H = Harness<'static, EditorApp>;

    fn harness(w: f32, h: f32) -> (H, Arc<TestHost>) {
        let (mut app, host) = test_host::editor();
        app.panel = Panel::Eq;
        // The typed-value field (controls.rs) has no accessible name yet.
        let builder = test_host::builder(vec2(w, h)).with_accessibility_check(false);
        let mut h = test_host::build(builder, app);
        h.run();
        (h, host)
    }

    /// Set a parameter as the host would see it from any control (one gesture).
    fn set(h: &mut H, ptr: ParamPtr, plain: f32) {
        let app = h.state_mut();
        let gui = app.gui.clone().unwrap();
        let mut ctl = Ctl {
            gui: &gui,
            undo: &mut app.undo,
        };
        ctl.set_plain(ptr, plain);
    }

    /// Band `i` on, a bell at `hz` / `db`.
    fn bell(h: &mut H, i: usize, hz: f32, db: f32) {
        let params = h.state().params.clone();
        let b = &params.eq.bands[i];
        set(h, b.kind.as_ptr(), 0.0);
        assert_eq!(b.kind.value(), HostBandType::Bell);
        set(h, b.freq.as_ptr(), hz);
        set(h, b.gain.as_ptr(), db);
        set(h, b.enabled.as_ptr(), 1.0);
        h.run();
    }

    fn plot(h: &H) -> FreqPlot {
        h.state().panels.eq.geometry.plot.expect("display drawn")
    }

    fn band(h: &H, i: usize) -> (bool, f32, f32, f32) {
        let b = &h.state().params.eq.bands[i];
        (
            b.enabled.value(),
            b.freq.value(),
            b.gain.value(),
            b.q.value(),
        )
    }

    fn press(h: &H, at: Pos2, pressed: bool, modifiers: Modifiers) {
        h.event(Event::PointerButton {
            pos: at,
            button: PointerButton::Primary,
            pressed,
            modifiers,
        });
    }

    fn double_click(h: &mut H, at: Pos2) {
        // Half a second after any earlier click, so this is a fresh double-click.
        h.run_steps(30);
        h.hover_at(at);
        for _ in 0..2 {
            press(h, at, true, Modifiers::NONE);
            press(h, at, false, Modifiers::NONE);
        }
        h.run();
    }

    fn wheel(h: &mut H, at: Pos2, notches: f32) {
        h.hover_at(at);
        h.event(Event::MouseWheel {
            unit: egui::MouseWheelUnit::Line,
            delta: vec2(0.0, notches),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: Modifiers::NONE,
        });
        h.run();
    }

    #[test]
    fn dragging_a_node_moves_frequency_and_gain_by_what_the_pointer_spans() {
        let (mut h, host) = harness(1040.0, 660.0);
        bell(&mut h, 3, 1000.0, 2.0);
        let plot = plot(&h);
        let from = plot.pos(1000.0, 2.0);
        host.gestures.lock().unwrap().clear();

        let travel = vec2(90.0, -50.0);
        h.hover_at(from);
        press(&h, from, true, Modifiers::NONE);
        for k in 1..=5 {
            h.hover_at(from + travel * (k as f32 / 5.0));
        }
        h.drop_at(from + travel);
        h.run();

        let octaves = travel.x / plot.rect.width() * (F_MAX / F_MIN).log2() as f32;
        let want_hz = 1000.0 * 2f32.powf(octaves);
        let want_db = 2.0 - travel.y * (plot.db_max - plot.db_min) / plot.rect.height();
        let (on, hz, db, _) = band(&h, 3);
        println!("drag {travel:?}: {hz:.1} Hz (want {want_hz:.1}), {db:.2} dB (want {want_db:.2})");
        assert!(on);
        assert!((hz / want_hz - 1.0).abs() < 0.003, "{hz} vs {want_hz}");
        assert!((db - want_db).abs() < 0.02, "{db} vs {want_db}");
        assert!(host.gestures_balanced());
        // One gesture per parameter for the whole drag.
        let params = h.state().params.clone();
        let begins = |p: ParamPtr| {
            host.gestures
                .lock()
                .unwrap()
                .iter()
                .filter(|g| **g == Gesture::Begin(p))
                .count()
        };
        assert_eq!(begins(params.eq.bands[3].freq.as_ptr()), 1);
        assert_eq!(begins(params.eq.bands[3].gain.as_ptr()), 1);
        // The drag is one undo step: both parameters go back to where they started.
        let gui = h.state().gui.clone().unwrap();
        h.state_mut().undo.undo(&gui);
        let (_, hz, db, _) = band(&h, 3);
        assert!(
            (hz - 1000.0).abs() < 0.5 && (db - 2.0).abs() < 0.005,
            "{hz} {db}"
        );
    }

    #[test]
    fn double_click_on_empty_space_adds_a_bell_there_in_the_first_free_slot() {
        let (mut h, host) = harness(1040.0, 660.0);
        // Slot 1 is taken, so the new band must land in slot 2.
        bell(&mut h, 1, 60.0, 0.0);
        assert!(!band(&h, 2).0);
        let at = plot(&h).pos(2000.0, 6.0);
        double_click(&mut h, at);
        let (on, hz, db, q) = band(&h, 2);
        println!("added: slot 2 on={on} {hz:.1} Hz {db:.2} dB Q {q:.3}");
        assert!(on);
        assert!((hz / 2000.0 - 1.0).abs() < 0.003, "{hz}");
        assert!((db - 6.0).abs() < 0.02, "{db}");
        assert_eq!(
            h.state().params.eq.bands[2].kind.value(),
            HostBandType::Bell
        );
        assert!(!band(&h, 3).0, "only one slot is used");
        assert_eq!(h.state().panels.eq.selected, 2);
        assert!(host.gestures_balanced());
    }

    #[test]
    fn double_click_on_a_node_switches_the_band_off_and_on() {
        let (mut h, host) = harness(1040.0, 660.0);
        bell(&mut h, 4, 500.0, -4.0);
        let at = plot(&h).pos(500.0, -4.0);
        double_click(&mut h, at);
        let (on, hz, db, _) = band(&h, 4);
        assert!(!on);
        // Off keeps the settings, and the selected band's hollow node brings it back.
        assert!((hz - 500.0).abs() < 0.5 && (db + 4.0).abs() < 0.005);
        double_click(&mut h, at);
        assert!(band(&h, 4).0);
        assert!(host.gestures_balanced());
    }

    #[test]
    fn wheel_over_a_node_changes_q() {
        let (mut h, host) = harness(1040.0, 660.0);
        bell(&mut h, 5, 3000.0, 3.0);
        let at = plot(&h).pos(3000.0, 3.0);
        let q0 = band(&h, 5).3;
        wheel(&mut h, at, 1.0);
        let up = band(&h, 5).3;
        wheel(&mut h, at, -1.0);
        wheel(&mut h, at, -1.0);
        let down = band(&h, 5).3;
        let step = 2f32.powf(Q_WHEEL_OCT);
        println!(
            "Q {q0:.3} -> up {up:.3} (want {:.3}) -> down {down:.3} (want {:.3})",
            q0 * step,
            q0 / step
        );
        assert!((up / (q0 * step) - 1.0).abs() < 0.01, "{up}");
        assert!((down / (q0 / step) - 1.0).abs() < 0.01, "{down}");
        assert!(host.gestures_balanced());
    }

    #[test]
    fn alt_drag_changes_q_only() {
        let (mut h, host) = harness(1040.0, 660.0);
        bell(&mut h, 6, 800.0, -2.0);
        let at = plot(&h).pos(800.0, -2.0);
        let q0 = band(&h, 6).3;
        host.gestures.lock().unwrap().clear();
        h.hover_at(at);
        h.event(Event::ModifiersChanged(Modifiers::ALT));
        press(&h, at, true, Modifiers::ALT);
        for k in 1..=4 {
            h.hover_at(at - vec2(0.0, Q_DRAG_PX * k as f32 / 4.0));
        }
        press(&h, at - vec2(0.0, Q_DRAG_PX), false, Modifiers::ALT);
        h.event(Event::ModifiersChanged(Modifiers::NONE));
        h.run();
        let (_, hz, db, q) = band(&h, 6);
        println!(
            "alt-drag up {Q_DRAG_PX} pt: Q {q0:.3} -> {q:.3} (want {:.3})",
            2.0 * q0
        );
        assert!((q / (2.0 * q0) - 1.0).abs() < 0.01, "{q}");
        assert!(
            (hz - 800.0).abs() < 0.5 && (db + 2.0).abs() < 0.005,
            "{hz} {db}"
        );
        assert!(host.gestures_balanced());
    }

    /// Click the value under a knob, replace it with `text`, press Enter.
    fn type_into(h: &mut H, shown: &str, text: &str) {
        h.get_by_label(shown).click();
        h.run();
        h.key_press_modifiers(Modifiers::COMMAND, egui::Key::A);
        h.event(Event::Text(text.to_owned()));
        h.key_press(egui::Key::Enter);
        h.run();
    }

    #[test]
    fn typed_values_parse_units() {
        let (mut h, host) = harness(1040.0, 660.0);
        h.state_mut().panels.eq.selected = 2;
        h.run();
        let b = |h: &H| (band(h, 2).1, band(h, 2).2);
        type_into(&mut h, "150.0 Hz", "2k");
        println!("'2k' -> {} Hz", b(&h).0);
        assert!((b(&h).0 - 2000.0).abs() < 0.5);
        type_into(&mut h, "2.000 kHz", "2.5 kHz");
        println!("'2.5 kHz' -> {} Hz", b(&h).0);
        assert!((b(&h).0 - 2500.0).abs() < 0.5);
        type_into(&mut h, "0.00 dB", "-3 dB");
        println!("'-3 dB' -> {} dB", b(&h).1);
        assert!((b(&h).1 + 3.0).abs() < 0.005);
        assert!(host.gestures_balanced());
    }

    #[test]
    fn ctrl_click_and_double_click_reset_knobs() {
        let (mut h, host) = harness(1040.0, 660.0);
        h.state_mut().panels.eq.selected = 2;
        let params = h.state().params.clone();
        set(&mut h, params.eq.bands[2].freq.as_ptr(), 5000.0);
        set(&mut h, params.eq.bands[2].gain.as_ptr(), 4.5);
        set(&mut h, params.eq.bands[2].q.as_ptr(), 3.0);
        h.run();
        assert!((band(&h, 2).1 - 5000.0).abs() < 1.0);
        let g = h.state().panels.eq.geometry;

        // Ctrl-click the frequency knob: back to the slot's default (150 Hz).
        let at = g.freq_knob.center();
        h.hover_at(at);
        h.event(Event::ModifiersChanged(Modifiers::COMMAND));
        press(&h, at, true, Modifiers::COMMAND);
        press(&h, at, false, Modifiers::COMMAND);
        h.event(Event::ModifiersChanged(Modifiers::NONE));
        h.run();
        // Double-click the gain and Q knobs.
        double_click(&mut h, g.gain_knob.center());
        double_click(&mut h, g.q_knob.center());
        let (_, hz, db, q) = band(&h, 2);
        println!("reset: {hz} Hz, {db} dB, Q {q}");
        assert!((hz - 150.0).abs() < 0.01, "{hz}");
        assert!(db.abs() < 0.005, "{db}");
        assert!((q - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-4, "{q}");
        assert!(host.gestures_balanced());
    }

    #[test]
    fn panel_fits_the_minimum_window() {
        let (mut h, _host) = harness(crate::editor::MIN_WIDTH, crate::editor::MIN_HEIGHT);
        // A bell (gain, Q) and the high-pass (slope, alignment) lay out differently.
        for slot in [2, HIGH_PASS_SLOT] {
            h.state_mut().panels.eq.selected = slot;
            h.run();
            let g = h.state().panels.eq.geometry;
            let plot = g.plot.expect("display drawn").rect;
            println!(
                "slot {slot}: panel {:?}, display {:?}, controls {:?}",
                g.panel, plot, g.controls
            );
            assert!(g.panel.width() >= 680.0, "{:?}", g.panel);
            assert!(g.panel.contains_rect(g.controls), "controls overflow");
            assert!(g.panel.contains_rect(plot));
            assert!(
                plot.bottom() < g.controls.top(),
                "display overlaps the controls"
            );
            assert!(plot.height() >= 250.0, "display too small: {plot:?}");
        }
    }
}
