//! The EQ's response curves (each band, each sum) and the nodes painted over them.

use super::*;

/// Band and summed responses at log-spaced points across the display, recomputed only when a
/// band or the width changes.
#[derive(Default)]
pub(super) struct Curves {
    key: Option<([BandParams; EQ_BANDS], usize)>,
    band: [Vec<f32>; EQ_BANDS],
    /// [main (Stereo + Mid), Left, Right, Side]: what each kind of content gets.
    sum: [Vec<f32>; 4],
    /// Which channel sums (Left, Right, Side) have bands of their own.
    used: [bool; 4],
}

pub(super) const SUM_MAIN: usize = 0;

/// Sums a band contributes to: Stereo to all, the others to their own.
pub(super) fn sums_of(placement: Placement) -> &'static [usize] {
    match placement {
        Placement::Stereo => &[0, 1, 2, 3],
        Placement::Mid => &[0],
        Placement::Left => &[1],
        Placement::Right => &[2],
        Placement::Side => &[3],
    }
}

impl Curves {
    pub(super) fn update(&mut self, bands: &[BandParams; EQ_BANDS], n: usize) {
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

pub(super) fn curve_points(plot: &FreqPlot, db: &[f32]) -> Vec<Pos2> {
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

pub(super) fn paint_curves(
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

pub(super) fn paint_node(
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
pub(super) fn readout(painter: &egui::Painter, rect: Rect, at: Pos2, text: &str) {
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
