//! Plot axes shared by the panels: log frequency (10 Hz - 30 kHz) and dB, with a grid.

use super::grid_line;
use crate::editor::analysis::{F_MAX, F_MIN};
use crate::editor::theme;
use egui::{pos2, Painter, Pos2, Rect, Stroke};

/// A plot area with a log-frequency x axis and a linear dB y axis.
#[derive(Clone, Copy)]
pub struct FreqPlot {
    pub rect: Rect,
    pub db_min: f32,
    pub db_max: f32,
}

impl FreqPlot {
    pub fn x_of(&self, hz: f64) -> f32 {
        let t = ((hz / F_MIN).ln() / (F_MAX / F_MIN).ln()) as f32;
        self.rect.left() + t * self.rect.width()
    }

    pub fn hz_of(&self, x: f32) -> f64 {
        let t = ((x - self.rect.left()) / self.rect.width()) as f64;
        F_MIN * (F_MAX / F_MIN).powf(t.clamp(0.0, 1.0))
    }

    pub fn y_of(&self, db: f32) -> f32 {
        let t = (db - self.db_min) / (self.db_max - self.db_min);
        self.rect.bottom() - t * self.rect.height()
    }

    pub fn db_of(&self, y: f32) -> f32 {
        let t = (self.rect.bottom() - y) / self.rect.height();
        self.db_min + t * (self.db_max - self.db_min)
    }

    pub fn pos(&self, hz: f64, db: f32) -> Pos2 {
        pos2(self.x_of(hz), self.y_of(db))
    }

    /// Background, frequency grid (decades and 2/5 multiples) and dB grid every `db_step`.
    pub fn grid(&self, painter: &Painter, db_step: f32) {
        painter.rect_filled(self.rect, 2.0, theme::PANEL);
        let small = theme::small();
        for decade in [10.0, 100.0, 1_000.0, 10_000.0] {
            for m in [1.0, 2.0, 5.0] {
                let f = decade * m;
                if !(F_MIN..=F_MAX).contains(&f) {
                    continue;
                }
                let x = self.x_of(f);
                let strong = m == 1.0;
                painter.line_segment(
                    [pos2(x, self.rect.top()), pos2(x, self.rect.bottom())],
                    Stroke::new(
                        1.0,
                        if strong {
                            theme::LINE
                        } else {
                            theme::GRID_LINE
                        },
                    ),
                );
                let label = if f >= 1000.0 {
                    format!("{}k", f / 1000.0)
                } else {
                    format!("{f}")
                };
                painter.text(
                    pos2(x + 2.0, self.rect.bottom() - 2.0),
                    egui::Align2::LEFT_BOTTOM,
                    label,
                    small.clone(),
                    theme::TEXT_DIM,
                );
            }
        }
        let mut db = (self.db_min / db_step).ceil() * db_step;
        while db <= self.db_max {
            let y = self.y_of(db);
            grid_line(painter, self.rect.left()..=self.rect.right(), y, db == 0.0);
            painter.text(
                pos2(self.rect.right() - 2.0, y),
                egui::Align2::RIGHT_BOTTOM,
                format!("{db:+.0}"),
                small.clone(),
                theme::TEXT_DIM,
            );
            db += db_step;
        }
    }
}

/// A filled spectrum curve from `db` values at the analysis points, mapped so that
/// `spec_min..spec_max` dBFS spans the plot's height.
pub fn spectrum(
    painter: &Painter,
    plot: &FreqPlot,
    db: &[f32],
    spec_min: f32,
    spec_max: f32,
    colour: egui::Color32,
    filled: bool,
) {
    let n = db.len();
    if n < 2 {
        return;
    }
    let r = plot.rect;
    let pts: Vec<Pos2> = db
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_finite())
        .map(|(i, &v)| {
            let x = r.left() + r.width() * i as f32 / (n - 1) as f32;
            let t = ((v - spec_min) / (spec_max - spec_min)).clamp(0.0, 1.0);
            pos2(x, r.bottom() - t * r.height())
        })
        .collect();
    if pts.len() < 2 {
        return;
    }
    if filled {
        let fill = colour.gamma_multiply(0.25);
        for w in pts.windows(2) {
            let quad = vec![
                w[0],
                w[1],
                pos2(w[1].x, r.bottom()),
                pos2(w[0].x, r.bottom()),
            ];
            painter.add(egui::Shape::convex_polygon(quad, fill, Stroke::NONE));
        }
    }
    painter.add(egui::Shape::line(pts, Stroke::new(1.0, colour)));
}
