//! Compressor: the static transfer curve with the live operating point, a scrolling history of
//! level in, level out and gain reduction, a gain-reduction meter, and the controls.
//!
//! Also the pieces the other dynamics panels (limiter, multiband) share: level histories,
//! gain-reduction meters and a knob strip laid out on the grid.

use super::title;
use crate::editor::controls::{self, Ctl};
use crate::editor::history::{Histories, Trace, LEVEL_RATE};
use crate::editor::{in_rect, theme};
use crate::meters::SharedMeters;
use egui::{pos2, vec2, Align2, Color32, Mesh, Painter, Pos2, Rect, RichText, Shape, Stroke, Ui};
use lacquer_dsp::dynamics::compressor::CompressorParams;
use lacquer_session::params::LacquerParams;
use nice_plug::prelude::FloatParam;
use std::sync::atomic::Ordering::Relaxed;

const G: f32 = theme::GRID;
/// Height of a row of toggles and drop-downs.
pub(super) const ROW_H: f32 = 6.0 * G;
/// Height of a knob cell (label, knob, value).
pub(super) const KNOB_H: f32 = controls::KNOB + 44.0;
/// Range of the transfer curve's axes, dB.
pub const CURVE_LO: f32 = -60.0;
pub const CURVE_HI: f32 = 0.0;
/// Full scale of the compressor's gain-reduction meter, dB.
const GR_RANGE: f32 = 24.0;

/// The transfer-curve plot: detector level in on x, level out on y, both `CURVE_LO..CURVE_HI`.
#[derive(Clone, Copy)]
pub struct CurveAxes {
    pub rect: Rect,
}

impl CurveAxes {
    pub fn x_of(&self, in_db: f32) -> f32 {
        let t = (in_db - CURVE_LO) / (CURVE_HI - CURVE_LO);
        self.rect.left() + t * self.rect.width()
    }

    pub fn y_of(&self, out_db: f32) -> f32 {
        let t = (out_db - CURVE_LO) / (CURVE_HI - CURVE_LO);
        self.rect.bottom() - t * self.rect.height()
    }

    pub fn in_db_of(&self, x: f32) -> f32 {
        CURVE_LO + (x - self.rect.left()) / self.rect.width() * (CURVE_HI - CURVE_LO)
    }

    pub fn out_db_of(&self, y: f32) -> f32 {
        CURVE_LO + (self.rect.bottom() - y) / self.rect.height() * (CURVE_HI - CURVE_LO)
    }

    pub fn pos(&self, in_db: f32, out_db: f32) -> Pos2 {
        pos2(self.x_of(in_db), self.y_of(out_db))
    }
}

/// The static curve, one point per `step` points of width: output = input + gain change.
/// Makeup is left out so the curve and the operating point (input - live reduction) agree.
pub fn curve_points(c: &CompressorParams, axes: &CurveAxes, step: f32) -> Vec<Pos2> {
    let n = (axes.rect.width() / step.max(0.5)).ceil().max(2.0) as usize;
    (0..=n)
        .map(|i| {
            let x = axes.rect.left() + axes.rect.width() * i as f32 / n as f32;
            let input = axes.in_db_of(x);
            let out = input as f64 + c.gain_reduction_db(input as f64);
            pos2(x, axes.y_of(out as f32))
        })
        .collect()
}

/// A dB axis over a rect's height, for the time histories.
#[derive(Clone, Copy)]
pub(super) struct LevelAxis {
    pub rect: Rect,
    pub lo: f32,
    pub hi: f32,
}

impl LevelAxis {
    pub fn y(&self, db: f32) -> f32 {
        let t = ((db - self.lo) / (self.hi - self.lo)).clamp(0.0, 1.0);
        self.rect.bottom() - t * self.rect.height()
    }

    /// Where a reduction of `gr` dB drawn down from the top edge ends (same dB per point).
    pub fn gr_y(&self, gr: f32) -> f32 {
        let t = (gr.max(0.0) / (self.hi - self.lo)).min(1.0);
        self.rect.top() + t * self.rect.height()
    }
}

/// x of sample `i` of `n` in a history of `capacity`, newest at the right edge.
fn history_x(rect: Rect, i: usize, n: usize, capacity: usize) -> f32 {
    let start = capacity.saturating_sub(n);
    rect.left() + rect.width() * (start + i) as f32 / (capacity - 1).max(1) as f32
}

pub(super) fn history_points(
    rect: Rect,
    values: impl ExactSizeIterator<Item = f32>,
    capacity: usize,
    y: impl Fn(f32) -> f32,
) -> Vec<Pos2> {
    let n = values.len();
    values
        .enumerate()
        .map(|(i, v)| pos2(history_x(rect, i, n, capacity), y(v)))
        .collect()
}

/// A filled band between a polyline and the horizontal line `y = edge` (one mesh).
pub(super) fn fill_to(painter: &Painter, pts: &[Pos2], edge: f32, colour: Color32) {
    if pts.len() < 2 {
        return;
    }
    let mut mesh = Mesh::default();
    for p in pts {
        mesh.colored_vertex(*p, colour);
        mesh.colored_vertex(pos2(p.x, edge), colour);
    }
    for i in 0..pts.len() as u32 - 1 {
        let a = 2 * i;
        mesh.add_triangle(a, a + 1, a + 2);
        mesh.add_triangle(a + 1, a + 3, a + 2);
    }
    painter.add(Shape::mesh(mesh));
}

pub(super) fn line(painter: &Painter, pts: Vec<Pos2>, width: f32, colour: Color32) {
    if pts.len() >= 2 {
        painter.add(Shape::line(pts, Stroke::new(width, colour)));
    }
}

pub(super) fn dashed_h(painter: &Painter, rect: Rect, y: f32, colour: Color32) {
    painter.extend(Shape::dashed_line(
        &[pos2(rect.left(), y), pos2(rect.right(), y)],
        Stroke::new(1.0, colour),
        6.0,
        4.0,
    ));
}

/// A history's background: dB grid every `step` with labels at the right, a line a second.
pub(super) fn history_grid(painter: &Painter, axis: &LevelAxis, step: f32, capacity: usize) {
    let r = axis.rect;
    painter.rect_filled(r, 2.0, theme::PANEL);
    let seconds = (capacity as f64 / LEVEL_RATE).round() as usize;
    for s in 1..seconds {
        let x = r.right() - r.width() * s as f32 / seconds as f32;
        painter.line_segment(
            [pos2(x, r.top()), pos2(x, r.bottom())],
            Stroke::new(1.0, theme::GRID_LINE),
        );
    }
    let mut db = (axis.lo / step).ceil() * step;
    while db <= axis.hi + 1e-3 {
        let y = axis.y(db);
        painter.line_segment(
            [pos2(r.left(), y), pos2(r.right(), y)],
            Stroke::new(
                1.0,
                if db == 0.0 {
                    theme::LINE
                } else {
                    theme::GRID_LINE
                },
            ),
        );
        if db > axis.lo + 1e-3 {
            painter.text(
                pos2(r.right() - 3.0, y + 1.0),
                Align2::RIGHT_TOP,
                format!("{db:.0}"),
                theme::small(),
                theme::TEXT_DIM,
            );
        }
        db += step;
    }
}

/// A small label on a plot with a backing so traces under it do not hide it.
pub(super) fn tag(painter: &Painter, at: Pos2, align: Align2, text: String, colour: Color32) {
    let galley = painter.layout_no_wrap(text, theme::small(), colour);
    let rect = align.anchor_size(at, galley.size());
    painter.rect_filled(
        rect.expand2(vec2(3.0, 1.0)),
        2.0,
        theme::PANEL.gamma_multiply(0.85),
    );
    painter.galley(rect.min, galley, colour);
}

/// Colour keys in a row from `at` (top-left): a swatch and a name each.
pub(super) fn legend(painter: &Painter, at: Pos2, items: &[(&str, Color32)]) {
    let mut x = at.x;
    for (name, colour) in items {
        let sw = Rect::from_min_size(pos2(x, at.y + 3.0), vec2(8.0, 8.0));
        painter.rect_filled(sw, 1.0, *colour);
        let r = painter.text(
            pos2(x + 12.0, at.y),
            Align2::LEFT_TOP,
            *name,
            theme::small(),
            theme::TEXT_DIM,
        );
        x = r.right() + 3.0 * G;
    }
}

/// Level in (filled), level out (line) and gain reduction (filled down from the top, on the
/// same dB per point as the levels, so 6 dB of reduction is as tall as 6 dB of level).
pub(super) struct LevelHistory<'a> {
    pub input: &'a [f32],
    pub output: &'a [f32],
    pub gr: &'a [f32],
    pub capacity: usize,
    pub lo: f32,
    pub hi: f32,
    pub input_name: &'a str,
    /// A level drawn as a dashed line with its name (threshold, ceiling).
    pub marker: Option<(&'a str, f32)>,
}

impl LevelHistory<'_> {
    pub fn draw(&self, painter: &Painter, rect: Rect) {
        let axis = LevelAxis {
            rect,
            lo: self.lo,
            hi: self.hi,
        };
        history_grid(painter, &axis, 6.0, self.capacity);
        let painter = painter.with_clip_rect(rect.intersect(painter.clip_rect()));
        let input = history_points(rect, self.input.iter().copied(), self.capacity, |v| {
            axis.y(v)
        });
        fill_to(
            &painter,
            &input,
            rect.bottom(),
            theme::PRE.gamma_multiply(0.55),
        );
        line(&painter, input, 1.0, theme::PRE.gamma_multiply(1.6));
        let output = history_points(rect, self.output.iter().copied(), self.capacity, |v| {
            axis.y(v)
        });
        line(&painter, output, 1.5, theme::POST);
        let gr = history_points(rect, self.gr.iter().copied(), self.capacity, |v| {
            axis.gr_y(v)
        });
        fill_to(&painter, &gr, rect.top(), theme::GR.gamma_multiply(0.35));
        line(&painter, gr, 1.5, theme::GR);
        if let Some((name, db)) = self.marker {
            let y = axis.y(db);
            dashed_h(&painter, rect, y, theme::ACCENT);
            tag(
                &painter,
                pos2(rect.left() + 2.0 * G, y - 2.0),
                Align2::LEFT_BOTTOM,
                format!("{name} {db:.1}"),
                theme::ACCENT,
            );
        }
        legend(
            &painter,
            pos2(rect.left() + 2.0 * G, rect.bottom() - 4.0 * G),
            &[
                (self.input_name, theme::PRE.gamma_multiply(1.6)),
                ("Output", theme::POST),
                ("Gain reduction", theme::GR),
            ],
        );
        painter.rect_stroke(
            rect,
            2.0,
            Stroke::new(1.0, theme::LINE),
            egui::StrokeKind::Inside,
        );
    }
}

/// A vertical gain-reduction meter: the bar grows down from 0 dB; its scale on the right.
pub(super) fn gr_meter(painter: &Painter, rect: Rect, gr: f32, range: f32) {
    let lane = Rect::from_min_max(rect.min, pos2(rect.left() + 12.0, rect.bottom()));
    painter.rect_filled(lane, 2.0, theme::BG);
    let y_of = |db: f32| lane.top() + (db / range).clamp(0.0, 1.0) * lane.height();
    let step = if range > 12.0 { 3.0 } else { 1.0 };
    // Every other label when they would crowd.
    let every = if lane.height() / (range / step) < 14.0 {
        2
    } else {
        1
    };
    let mut k = 0;
    while k as f32 * step <= range + 1e-3 {
        let db = k as f32 * step;
        let y = y_of(db);
        painter.line_segment(
            [pos2(lane.right(), y), pos2(lane.right() + 3.0, y)],
            Stroke::new(1.0, theme::LINE),
        );
        if k % every == 0 {
            painter.text(
                pos2(rect.right(), y.clamp(lane.top() + 6.0, lane.bottom() - 6.0)),
                Align2::RIGHT_CENTER,
                format!("{db:.0}"),
                theme::small(),
                theme::TEXT_DIM,
            );
        }
        k += 1;
    }
    if gr.is_finite() && gr > 0.0 {
        let bar = Rect::from_min_max(
            pos2(lane.left() + 2.0, lane.top()),
            pos2(lane.right() - 2.0, y_of(gr)),
        );
        painter.rect_filled(bar, 1.0, theme::GR);
    }
}

/// Knobs spread evenly over `rect`'s width in groups (a wider gap between groups).
pub(super) fn knob_groups(
    ui: &mut Ui,
    ctl: &mut Ctl,
    rect: Rect,
    groups: &[&[(&FloatParam, &str)]],
) {
    let cell = controls::KNOB_CELL;
    let n: usize = groups.iter().map(|g| g.len()).sum();
    if n == 0 {
        return;
    }
    let gaps = (n - 1) as f32 + (groups.len() - 1) as f32 * 2.0;
    let gap = if gaps > 0.0 {
        ((rect.width() - n as f32 * cell) / gaps).clamp(0.0, 3.0 * G)
    } else {
        0.0
    };
    let used = n as f32 * cell + gaps * gap;
    let mut x = rect.left() + ((rect.width() - used) / 2.0).max(0.0);
    for (gi, group) in groups.iter().enumerate() {
        if gi > 0 {
            x += 2.0 * gap;
        }
        for (param, label) in group.iter() {
            let cell_rect = Rect::from_min_size(pos2(x, rect.top()), vec2(cell, KNOB_H));
            in_rect(ui, cell_rect, |ui| {
                controls::knob(ui, ctl, *param, label);
            });
            x += cell + gap;
        }
    }
}

/// A value readout that screen readers and tests can find: a label placed in `rect`,
/// centred vertically, aligned left, centre or right.
pub(super) fn readout(ui: &mut Ui, rect: Rect, text: String, colour: Color32, align: egui::Align) {
    in_rect(ui, rect, |ui| {
        let layout = match align {
            egui::Align::Min => egui::Layout::left_to_right(egui::Align::Center),
            egui::Align::Max => egui::Layout::right_to_left(egui::Align::Center),
            egui::Align::Center => {
                egui::Layout::centered_and_justified(egui::Direction::LeftToRight)
            }
        };
        ui.with_layout(layout, |ui| {
            ui.label(
                RichText::new(text)
                    .font(theme::mono(theme::SMALL))
                    .color(colour),
            );
        });
    });
}

pub(super) fn trace_values(t: &Trace) -> Vec<f32> {
    t.values.iter().copied().collect()
}

/// Gain reduction as engineers read it: a cut, so negative; none is 0.0.
pub(super) fn fmt_gr(gr: f32) -> String {
    if gr >= 0.05 {
        format!("-{gr:.1} dB")
    } else {
        "0.0 dB".into()
    }
}

pub(super) fn fmt_db(v: f32) -> String {
    if v.is_finite() && v > -95.0 {
        format!("{v:.1} dB")
    } else {
        "– dB".into()
    }
}

pub fn draw(
    ui: &mut Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    meters: &SharedMeters,
    history: &Histories,
) {
    let area = ui.available_rect_before_wrap();
    let (header, graphs, knobs) = super::rows(area, ROW_H, KNOB_H);

    in_rect(ui, header, |ui| {
        ui.horizontal(|ui| {
            title(ui, "Compressor");
            controls::toggle(ui, ctl, &p.comp.enabled, "On");
            ui.add_space(G);
            ui.spacing_mut().combo_width = 84.0;
            controls::choice(ui, ctl, &p.comp.detection, "Detection");
            controls::choice(ui, ctl, &p.comp.stereo, "Stereo");
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                controls::toggle(ui, ctl, &p.comp.auto_makeup, "Auto makeup");
                controls::toggle(ui, ctl, &p.comp.auto_release, "Auto release");
            });
        });
    });

    // Graph row: transfer curve (square) with its readouts under it, history, GR meter,
    // sidechain column.
    let side_w = controls::KNOB_CELL;
    let meter_w = 9.0 * G;
    let read_h = 10.0 * G;
    let curve_side = (graphs.height() - read_h).min(graphs.width() * 0.37);
    let curve_rect = Rect::from_min_size(graphs.min, vec2(curve_side, curve_side));
    let side = Rect::from_min_max(pos2(graphs.right() - side_w, graphs.top()), graphs.max);
    let meter = Rect::from_min_max(
        pos2(side.left() - 2.0 * G - meter_w, graphs.top() + 5.0 * G),
        pos2(side.left() - 2.0 * G, graphs.bottom()),
    );
    let hist = Rect::from_min_max(
        pos2(curve_rect.right() + 3.0 * G, graphs.top()),
        pos2(meter.left() - 2.0 * G, graphs.bottom()),
    );

    let c = p.chain_params().compressor;
    // Live operating point: the level the history sampled last and the reduction with it.
    let input_db = history.input_db.last().unwrap_or_else(|| {
        let m = &meters.input.sample_peak_db;
        m[0].load(Relaxed).max(m[1].load(Relaxed))
    });
    let on = p.comp.enabled.value();
    let gr = if on {
        history
            .compressor_gr
            .last()
            .unwrap_or_else(|| -meters.compressor_gr_db.load(Relaxed))
            .max(0.0)
    } else {
        0.0
    };

    let painter = ui.painter_at(graphs);
    draw_curve(&painter, curve_rect, &c, input_db, gr, on);
    let live = input_db.is_finite() && input_db > -95.0;
    let cards = Rect::from_min_max(
        pos2(curve_rect.left(), curve_rect.bottom() + 2.0 * G),
        pos2(curve_rect.right(), graphs.bottom()),
    );
    let out_db = if live { input_db - gr } else { f32::NAN };
    let w = cards.width() / 3.0;
    for (k, (name, value, colour)) in [
        ("Input", fmt_db(input_db), theme::TEXT),
        ("Gain reduction", fmt_gr(gr), theme::GR),
        ("Output", fmt_db(out_db), theme::POST),
    ]
    .into_iter()
    .enumerate()
    {
        let r = Rect::from_min_size(
            pos2(cards.left() + k as f32 * w, cards.top()),
            vec2(w, cards.height()),
        );
        let align = [egui::Align::Min, egui::Align::Center, egui::Align::Max][k];
        in_rect(ui, r, |ui| {
            ui.with_layout(egui::Layout::top_down(align), |ui| {
                ui.spacing_mut().item_spacing.y = 0.0;
                ui.label(
                    RichText::new(name)
                        .font(theme::small())
                        .color(theme::TEXT_DIM),
                );
                ui.label(
                    RichText::new(value)
                        .font(theme::mono(theme::BODY))
                        .color(colour),
                );
            });
        });
    }

    LevelHistory {
        input: &trace_values(&history.input_db),
        output: &trace_values(&history.output_db),
        gr: &trace_values(&history.compressor_gr),
        capacity: history.input_db.capacity(),
        lo: -48.0,
        hi: 0.0,
        input_name: "Input",
        marker: Some(("Threshold", c.threshold_db as f32)),
    }
    .draw(&painter, hist);

    readout(
        ui,
        Rect::from_min_size(pos2(meter.left(), graphs.top()), vec2(meter_w, 3.5 * G)),
        "GR".into(),
        theme::TEXT_DIM,
        egui::Align::Min,
    );
    gr_meter(&painter, meter, gr, GR_RANGE);

    in_rect(ui, side, |ui| {
        ui.vertical_centered(|ui| {
            ui.label(
                RichText::new("Sidechain")
                    .font(theme::small())
                    .color(theme::TEXT_DIM),
            );
            controls::toggle(ui, ctl, &p.comp.sc_hpf, "HPF");
        });
        controls::knob(ui, ctl, &p.comp.sc_hz, "HPF freq");
        controls::knob(ui, ctl, &p.comp.lookahead, "Look-ahead");
    });

    knob_groups(
        ui,
        ctl,
        knobs,
        &[
            &[
                (&p.comp.threshold, "Threshold"),
                (&p.comp.ratio, "Ratio"),
                (&p.comp.knee, "Knee"),
            ],
            &[(&p.comp.attack, "Attack"), (&p.comp.release, "Release")],
            &[
                (&p.comp.makeup, "Makeup"),
                (&p.comp.mix, "Mix"),
                (&p.comp.link, "Link"),
            ],
        ],
    );
}

fn draw_curve(
    painter: &Painter,
    rect: Rect,
    c: &CompressorParams,
    input_db: f32,
    gr: f32,
    on: bool,
) {
    let axes = CurveAxes { rect };
    painter.rect_filled(rect, 2.0, theme::PANEL);
    let mut db = CURVE_LO;
    while db <= CURVE_HI {
        let (x, y) = (axes.x_of(db), axes.y_of(db));
        let s = Stroke::new(1.0, theme::GRID_LINE);
        painter.line_segment([pos2(x, rect.top()), pos2(x, rect.bottom())], s);
        painter.line_segment([pos2(rect.left(), y), pos2(rect.right(), y)], s);
        if db > CURVE_LO && db < CURVE_HI {
            painter.text(
                pos2(x + 2.0, rect.bottom() - 2.0),
                Align2::LEFT_BOTTOM,
                format!("{db:.0}"),
                theme::small(),
                theme::TEXT_DIM,
            );
            painter.text(
                pos2(rect.right() - 2.0, y + 1.0),
                Align2::RIGHT_TOP,
                format!("{db:.0}"),
                theme::small(),
                theme::TEXT_DIM,
            );
        }
        db += 12.0;
    }
    // Unity line: where no compression would sit.
    painter.line_segment(
        [axes.pos(CURVE_LO, CURVE_LO), axes.pos(CURVE_HI, CURVE_HI)],
        Stroke::new(1.0, theme::LINE),
    );
    let thr = c.threshold_db as f32;
    let half_knee = 0.5 * c.knee_db as f32;
    if half_knee > 0.0 {
        let k = Rect::from_min_max(
            pos2(axes.x_of(thr - half_knee), rect.top()),
            pos2(axes.x_of(thr + half_knee).min(rect.right()), rect.bottom()),
        );
        painter.rect_filled(k, 0.0, theme::ACCENT.gamma_multiply(0.07));
    }
    painter.extend(Shape::dashed_line(
        &[
            pos2(axes.x_of(thr), rect.top()),
            pos2(axes.x_of(thr), rect.bottom()),
        ],
        Stroke::new(1.0, theme::ACCENT_DIM),
        4.0,
        4.0,
    ));
    let colour = if on { theme::ACCENT } else { theme::TEXT_DIM };
    let clip = painter.with_clip_rect(rect);
    clip.add(Shape::line(
        curve_points(c, &axes, 2.0),
        Stroke::new(2.0, colour),
    ));
    if input_db.is_finite() && input_db > CURVE_LO {
        let p = axes.pos(input_db.min(CURVE_HI), (input_db - gr).min(CURVE_HI));
        let guide = Stroke::new(1.0, theme::TEXT_DIM.gamma_multiply(0.5));
        clip.line_segment([pos2(p.x, rect.bottom()), p], guide);
        clip.line_segment([pos2(rect.left(), p.y), p], guide);
        clip.circle_filled(p, 5.0, theme::TEXT);
        clip.circle_stroke(p, 5.0, Stroke::new(1.5, colour));
    }
    // Below the unity line nothing is drawn: the settings go in that corner.
    let ratio = if c.ratio.is_finite() {
        format!("{:.1}:1", c.ratio)
    } else {
        "inf:1".into()
    };
    painter.text(
        pos2(rect.right() - 2.0 * G, rect.bottom() - 5.0 * G),
        Align2::RIGHT_BOTTOM,
        format!("{ratio}  knee {:.0} dB", c.knee_db),
        theme::small(),
        theme::TEXT_DIM,
    );
    painter.rect_stroke(
        rect,
        2.0,
        Stroke::new(1.0, theme::LINE),
        egui::StrokeKind::Inside,
    );
}

/// What the panel tests share: a harness at the editor's smallest size, a drag as a person
/// makes one, and a layout check.
#[cfg(test)]
pub(super) mod test_util {
    use crate::editor::{test_host, theme, EditorApp, Panel};
    use egui::{pos2, Pos2, Rect, Vec2};
    use egui_kittest::kittest::{NodeT, Queryable};
    use egui_kittest::Harness;
    use nice_plug::prelude::Param;

    /// The editor's minimum window size: every panel must fit it.
    pub const MIN: Vec2 = egui::vec2(crate::editor::MIN_WIDTH, crate::editor::MIN_HEIGHT);

    /// The smallest panel area the layout must fit (the brief's 690 x 430 points, give or take).
    pub const SMALL: Vec2 = egui::vec2(crate::editor::MIN_WIDTH, 546.0);

    type Host = std::sync::Arc<test_host::TestHost>;

    pub fn harness(
        panel: Panel,
        setup: impl FnOnce(&mut EditorApp),
    ) -> (Harness<'static, EditorApp>, Host) {
        sized(MIN, panel, setup)
    }

    /// A harness whose panel area is only `SMALL` (about 684 x 430 points).
    pub fn small(
        panel: Panel,
        setup: impl FnOnce(&mut EditorApp),
    ) -> (Harness<'static, EditorApp>, Host) {
        sized(SMALL, panel, setup)
    }

    fn sized(
        size: Vec2,
        panel: Panel,
        setup: impl FnOnce(&mut EditorApp),
    ) -> (Harness<'static, EditorApp>, Host) {
        let (mut app, host) = test_host::editor();
        app.panel = panel;
        setup(&mut app);
        // The editor's own style: its spacing decides what fits.
        let mut h = Harness::builder()
            .with_context_setup(theme::apply)
            .with_size(size)
            .build_ui_state(|ui, app: &mut EditorApp| app.draw(ui), app);
        h.run();
        (h, host)
    }

    /// Set a parameter as the host would (no gesture: the tests' starting point).
    pub fn set_plain<P: Param>(param: &P, plain: P::Plain) {
        // SAFETY: the parameter outlives the call.
        unsafe {
            let n = param.preview_normalized(plain);
            param.as_ptr()._internal_set_normalized_value(n);
        }
    }

    /// Press at `from`, move by `by` in a few steps, release.
    pub fn drag(h: &mut Harness<'static, EditorApp>, from: Pos2, by: Vec2) {
        h.hover_at(from);
        h.run();
        h.drag_at(from);
        h.run();
        for k in 1..=4 {
            h.hover_at(from + by * k as f32 / 4.0);
            h.run();
        }
        h.drop_at(from + by);
        h.run();
    }

    /// Where the panel's nodes named `label` are (nodes elsewhere in the editor left out).
    pub fn in_panel(h: &Harness<'static, EditorApp>, label: &str) -> Vec<Rect> {
        let panel = panel_rect(h.ctx.content_rect().size());
        h.query_all_by_label(label)
            .map(|n| n.rect())
            .filter(|r| panel.contains_rect(*r))
            .collect()
    }

    /// Centre of the node named `label`.
    pub fn centre(h: &Harness<'static, EditorApp>, label: &str) -> Pos2 {
        h.get_by_label(label).rect().center()
    }

    /// The panel area of the editor in a harness of `size`: the harness moves the editor 8
    /// points in from the top left and takes 16 off its height (not off its width).
    pub fn panel_rect(size: Vec2) -> Rect {
        let g = theme::GRID;
        let full = Rect::from_min_size(pos2(8.0, 8.0), size - egui::vec2(0.0, 16.0));
        Rect::from_min_max(
            pos2(full.left(), full.top() + 21.0 * g),
            pos2(full.right() - 50.0 * g, full.bottom()),
        )
        .shrink(2.0 * g)
    }

    /// Every widget of the panel lies inside the panel area, and no two overlap (drag areas
    /// on a plot may: a crossover handle sits on its bands).
    pub fn assert_tidy(h: &Harness<'static, EditorApp>) {
        use egui::accesskit::Role;
        let size = h.ctx.content_rect().size();
        let panel = panel_rect(size);
        assert!(
            panel.width() <= 690.0 && panel.height() <= 470.0,
            "{panel:?}"
        );
        let leaves: Vec<(String, Role, Rect)> = h
            .root()
            .children_recursive()
            .filter(|n| n.accesskit_node().children().next().is_none())
            .filter_map(|n| {
                let r = n.accesskit_node().bounding_box()?;
                let rect = Rect::from_min_max(
                    pos2(r.x0 as f32, r.y0 as f32),
                    pos2(r.x1 as f32, r.y1 as f32),
                );
                let label = n.accesskit_node().label().unwrap_or_default();
                (rect.intersects(panel) && rect.area() > 0.0).then_some((
                    label,
                    n.accesskit_node().role(),
                    rect,
                ))
            })
            .collect();
        assert!(leaves.len() > 5, "too few widgets found: {leaves:?}");
        for (label, role, r) in &leaves {
            assert!(
                panel.expand(0.5).contains_rect(*r),
                "{role:?} {label:?} at {r:?} leaves the panel {panel:?}"
            );
        }
        for (i, (la, ra, a)) in leaves.iter().enumerate() {
            for (lb, rb, b) in &leaves[i + 1..] {
                if *ra == Role::Slider && *rb == Role::Slider {
                    continue;
                }
                let o = a.intersect(*b);
                assert!(
                    !(o.width() > 0.5 && o.height() > 0.5),
                    "{ra:?} {la:?} at {a:?} overlaps {rb:?} {lb:?} at {b:?}"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_util::{assert_tidy, harness, in_panel, set_plain, small};
    use super::*;
    use crate::editor::Panel;

    #[test]
    fn curve_follows_the_gain_computer() {
        let c = CompressorParams {
            threshold_db: -20.0,
            ratio: 4.0,
            knee_db: 6.0,
            ..CompressorParams::default()
        };
        let axes = CurveAxes {
            rect: Rect::from_min_size(pos2(10.0, 20.0), vec2(300.0, 240.0)),
        };
        // The axes map -60..0 dB onto the rect and back.
        assert_eq!(axes.pos(-60.0, -60.0), pos2(10.0, 260.0));
        assert_eq!(axes.pos(0.0, 0.0), pos2(310.0, 20.0));
        assert!((axes.in_db_of(axes.x_of(-33.3)) + 33.3).abs() < 1e-4);
        assert!((axes.out_db_of(axes.y_of(-7.5)) + 7.5).abs() < 1e-4);
        let pts = curve_points(&c, &axes, 2.0);
        assert!(pts.len() >= 150);
        for pt in &pts {
            let input = axes.in_db_of(pt.x) as f64;
            let out = axes.out_db_of(pt.y) as f64;
            assert!(
                (out - (input + c.gain_reduction_db(input))).abs() < 1e-3,
                "{input} dB in: {out} dB out"
            );
        }
        // Independent of the helper: below the knee nothing happens; 12 dB over the threshold
        // at 4:1 comes out 3 dB over it.
        let at = |input: f32| {
            let pt = pts
                .iter()
                .min_by(|a, b| {
                    (a.x - axes.x_of(input))
                        .abs()
                        .total_cmp(&(b.x - axes.x_of(input)).abs())
                })
                .unwrap();
            (axes.in_db_of(pt.x), axes.out_db_of(pt.y))
        };
        let (i, o) = at(-40.0);
        assert!((o - i).abs() < 1e-3, "{i} {o}");
        let (i, o) = at(-8.0);
        assert!((i + 8.0).abs() < 0.2);
        assert!((o - (-20.0 + (i + 20.0) / 4.0)).abs() < 0.01, "{i} {o}");
    }

    /// Step the editor with the meters reading `input_db` in and `gr` of reduction.
    fn feed(
        h: &mut egui_kittest::Harness<'static, crate::editor::EditorApp>,
        input_db: f32,
        gr: f32,
    ) {
        let m = h.state().meters.clone();
        for _ in 0..2 {
            // Raised before every frame and a history tick (1/30 s) apart: each frame the
            // history samples them.
            m.input.peak_held_db.raise(input_db);
            m.compressor_gr_held.raise(gr);
            m.limiter_gr_held.raise(gr);
            std::thread::sleep(std::time::Duration::from_millis(40));
            h.step();
        }
    }

    #[test]
    fn operating_point_reads_input_reduction_and_output() {
        let (mut h, _) = harness(Panel::Compressor, |app| {
            set_plain(&app.params.comp.enabled, true)
        });
        feed(&mut h, -12.0, 4.0);
        let under_curve = |label: &str| in_panel(&h, label).len();
        assert_eq!(under_curve("-12.0 dB"), 1);
        assert_eq!(under_curve("-4.0 dB"), 1);
        assert_eq!(under_curve("-16.0 dB"), 1);
        // Off, the compressor takes nothing: out is in.
        let (mut h, _) = harness(Panel::Compressor, |_| {});
        feed(&mut h, -12.0, 4.0);
        assert_eq!(in_panel(&h, "-12.0 dB").len(), 2);
        assert_eq!(in_panel(&h, "0.0 dB").len(), 1);
    }

    #[test]
    fn limiter_reads_its_reduction_and_the_ceiling_in_force() {
        let (mut h, _) = harness(Panel::Limiter, |app| {
            // Amazon Music asks for -2 dBTP: the -1 dB knob is held below it.
            let amazon = lacquer_dsp::targets::TARGETS
                .iter()
                .position(|t| t.id == "amazon-music")
                .unwrap();
            set_plain(&app.params.target, amazon as i32 + 1);
        });
        feed(&mut h, -3.0, 2.5);
        assert_eq!(in_panel(&h, "Ceiling -2.0 dBTP").len(), 1);
        assert_eq!(in_panel(&h, "GR -2.5 dB").len(), 1);
    }

    #[test]
    fn dynamics_panels_fit_the_smallest_panel() {
        for panel in [Panel::Compressor, Panel::Limiter] {
            let (h, host) = small(panel, |_| {});
            assert_tidy(&h);
            assert!(host.gestures_balanced());
        }
    }
}
