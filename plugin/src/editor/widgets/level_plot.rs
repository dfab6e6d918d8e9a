//! Time histories on a dB axis: the level and gain-reduction traces of the dynamics panels,
//! the loudness history, the imager's width over time; and the gain-reduction bar.

use super::*;

/// A dB axis over a rect's height, for the time histories.
#[derive(Clone, Copy)]
pub struct LevelAxis {
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

pub fn history_points(
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
pub fn fill_to(painter: &Painter, pts: &[Pos2], edge: f32, colour: Color32) {
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

pub fn line(painter: &Painter, pts: Vec<Pos2>, width: f32, colour: Color32) {
    if pts.len() >= 2 {
        painter.add(Shape::line(pts, Stroke::new(width, colour)));
    }
}

pub fn dashed_h(painter: &Painter, rect: Rect, y: f32, colour: Color32) {
    painter.extend(Shape::dashed_line(
        &[pos2(rect.left(), y), pos2(rect.right(), y)],
        Stroke::new(1.0, colour),
        6.0,
        4.0,
    ));
}

/// A history's background: dB grid every `step` with labels at the right, a line a second.
pub fn history_grid(painter: &Painter, axis: &LevelAxis, step: f32, capacity: usize) {
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
        grid_line(painter, r.left()..=r.right(), y, db == 0.0);
        if db > axis.lo + 1e-3 {
            axis_label(painter, pos2(r.right() - 3.0, y + 1.0), format!("{db:.0}"));
        }
        db += step;
    }
}

/// Level in (filled), level out (line) and gain reduction (filled down from the top, on the
/// same dB per point as the levels, so 6 dB of reduction is as tall as 6 dB of level).
pub struct LevelHistory<'a> {
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
        frame(&painter, rect);
    }
}

/// A vertical gain-reduction meter: the bar grows down from 0 dB; its scale on the right.
pub fn gr_meter(painter: &Painter, rect: Rect, gr: f32, range: f32) {
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

pub fn trace_values(t: &Trace) -> Vec<f32> {
    t.values.iter().copied().collect()
}
