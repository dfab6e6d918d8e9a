//! The editor's drawing kit, shared by the panels: layout sizes, labels and readouts, level
//! histories, frequency plots and crossover handles.

mod crossover;
mod freq_plot;
mod level_plot;

pub use crossover::*;
pub use freq_plot::*;
pub use level_plot::*;

use crate::editor::controls::{self, Ctl};
use crate::editor::history::Trace;
use crate::editor::history::LEVEL_RATE;
use crate::editor::in_rect;
use crate::editor::theme;
use egui::{
    pos2, vec2, Align2, Color32, CursorIcon, Id, Mesh, Painter, Pos2, Rect, Response, RichText,
    Sense, Shape, Stroke, Ui,
};
use nice_plug::prelude::{FloatParam, ParamPtr};

const G: f32 = theme::GRID;
/// Height of a row of toggles and drop-downs.
pub const ROW_H: f32 = 6.0 * G;
/// Height of a knob cell (label, knob, value).
pub const KNOB_H: f32 = controls::KNOB + 44.0;

/// Hz to three significant figures: "45.0 Hz", "120 Hz", "2.50 kHz", "12.5 kHz".
pub fn fmt_hz(hz: f64) -> String {
    if hz >= 10_000.0 {
        format!("{:.1} kHz", hz / 1000.0)
    } else if hz >= 1000.0 {
        format!("{:.2} kHz", hz / 1000.0)
    } else if hz >= 100.0 {
        format!("{hz:.0} Hz")
    } else {
        format!("{hz:.1} Hz")
    }
}

/// A small label on a plot with a backing so traces under it do not hide it.
pub fn tag(painter: &Painter, at: Pos2, align: Align2, text: String, colour: Color32) {
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
pub fn legend(painter: &Painter, at: Pos2, items: &[(&str, Color32)]) {
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

/// Knobs spread evenly over `rect`'s width in groups (a wider gap between groups).
pub fn knob_groups(ui: &mut Ui, ctl: &mut Ctl, rect: Rect, groups: &[&[(&FloatParam, &str)]]) {
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
pub fn readout(ui: &mut Ui, rect: Rect, text: String, colour: Color32, align: egui::Align) {
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

/// Gain reduction as engineers read it: a cut, so negative; none is 0.0.
pub fn fmt_gr(gr: f32) -> String {
    if gr >= 0.05 {
        format!("-{gr:.1} dB")
    } else {
        "0.0 dB".into()
    }
}

pub fn fmt_db(v: f32) -> String {
    if v.is_finite() && v > -95.0 {
        format!("{v:.1} dB")
    } else {
        "– dB".into()
    }
}

/// The thin outline every plot and meter sits in.
pub fn frame(painter: &Painter, rect: Rect) {
    painter.rect_stroke(
        rect,
        2.0,
        Stroke::new(1.0, theme::LINE),
        egui::StrokeKind::Inside,
    );
}

/// A scale's number at the right of its grid line.
pub fn axis_label(painter: &Painter, at: Pos2, text: String) {
    painter.text(at, Align2::RIGHT_TOP, text, theme::small(), theme::TEXT_DIM);
}

/// A horizontal grid line across `x` at `y`; the reference line (0 dB) stands out.
pub fn grid_line(painter: &Painter, x: std::ops::RangeInclusive<f32>, y: f32, reference: bool) {
    let colour = if reference {
        theme::LINE
    } else {
        theme::GRID_LINE
    };
    painter.line_segment(
        [pos2(*x.start(), y), pos2(*x.end(), y)],
        Stroke::new(1.0, colour),
    );
}

/// `gr_meter` in `meter`, with its "GR" title at `title_top` above it.
pub fn labelled_gr_meter(
    ui: &mut Ui,
    painter: &Painter,
    meter: Rect,
    title_top: f32,
    gr: f32,
    range: f32,
) {
    let title = Rect::from_min_size(pos2(meter.left(), title_top), vec2(meter.width(), 3.5 * G));
    readout(ui, title, "GR".into(), theme::TEXT_DIM, egui::Align::Min);
    gr_meter(painter, meter, gr, range);
}
