//! The meters that are always visible: input and output peak bars with peak hold, true peak
//! and over indicators; loudness momentary, short-term and integrated; LRA, PLR; correlation.

use super::controls::Ctl;
use super::theme;
use crate::meters::{LevelMeters, SharedMeters};
use egui::{pos2, vec2, Color32, Rect, RichText, Sense, Stroke, Ui};
use lacquer_session::params::LacquerParams;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

const FLOOR_DB: f32 = -60.0;
const HOLD: Duration = Duration::from_millis(1500);
/// Fall rate of the bars, dB per second (PPM-like return).
const FALL_DB_PER_S: f32 = 24.0;

#[derive(Clone, Copy)]
struct Bar {
    level: f32,
    hold: f32,
    hold_at: Instant,
}

impl Default for Bar {
    fn default() -> Self {
        Self {
            level: FLOOR_DB,
            hold: FLOOR_DB,
            hold_at: Instant::now(),
        }
    }
}

impl Bar {
    fn feed(&mut self, db: f32, dt: f32) {
        let db = if db.is_finite() {
            db.max(FLOOR_DB)
        } else {
            FLOOR_DB
        };
        self.level = db.max(self.level - FALL_DB_PER_S * dt);
        let now = Instant::now();
        if db >= self.hold || now.duration_since(self.hold_at) > HOLD {
            self.hold = db;
            self.hold_at = now;
        }
    }
}

pub struct MeterColumnState {
    bars: [[Bar; 2]; 2],
    last: Instant,
}

impl Default for MeterColumnState {
    fn default() -> Self {
        Self {
            bars: Default::default(),
            last: Instant::now(),
        }
    }
}

fn y_of(db: f32, rect: Rect) -> f32 {
    let t = ((db - FLOOR_DB) / -FLOOR_DB).clamp(0.0, 1.0);
    rect.bottom() - t * rect.height()
}

fn level_colour(db: f32) -> Color32 {
    if db > -0.1 {
        theme::OVER
    } else if db > -6.0 {
        theme::WARN
    } else {
        theme::GOOD
    }
}

fn bars(ui: &mut Ui, label: &str, m: &LevelMeters, state: &mut [Bar; 2], ceiling_dbtp: f32) {
    ui.vertical(|ui| {
        ui.label(
            RichText::new(label)
                .font(theme::small())
                .color(theme::TEXT_DIM),
        );
        let (rect, _) = ui.allocate_exact_size(vec2(34.0, 150.0), Sense::hover());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 2.0, theme::PANEL);
        for (ch, bar) in state.iter().enumerate() {
            let x0 = rect.left() + 2.0 + ch as f32 * 16.0;
            let lane = Rect::from_min_max(
                pos2(x0, rect.top() + 2.0),
                pos2(x0 + 14.0, rect.bottom() - 2.0),
            );
            painter.rect_filled(lane, 1.0, theme::BG);
            let top = y_of(bar.level, lane);
            painter.rect_filled(
                Rect::from_min_max(pos2(lane.left(), top), lane.max),
                1.0,
                level_colour(bar.level),
            );
            let hy = y_of(bar.hold, lane);
            painter.line_segment(
                [pos2(lane.left(), hy), pos2(lane.right(), hy)],
                Stroke::new(2.0, level_colour(bar.hold)),
            );
        }
        // Scale ticks every 6 dB.
        for db in (-54..=0).step_by(6) {
            let y = y_of(db as f32, rect);
            painter.line_segment(
                [pos2(rect.right() - 3.0, y), pos2(rect.right(), y)],
                Stroke::new(1.0, theme::LINE),
            );
        }
        let max_tp = m.max_true_peak_dbtp.load(Relaxed);
        let over = max_tp.is_finite() && max_tp > ceiling_dbtp + 0.05;
        let text = if max_tp.is_finite() {
            format!("{max_tp:+.1}")
        } else {
            "–".into()
        };
        ui.label(
            RichText::new(text)
                .font(theme::mono(theme::SMALL))
                .color(if over { theme::OVER } else { theme::TEXT }),
        )
        .on_hover_text("Highest true peak (dBTP); red above the limiter ceiling");
    });
}

fn readout(ui: &mut Ui, name: &str, value: f32, unit: &str, tip: &str) {
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(name)
                .font(theme::small())
                .color(theme::TEXT_DIM),
        );
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let text = if value.is_finite() && value > -69.9 {
                format!("{value:.1} {unit}")
            } else {
                format!("– {unit}")
            };
            ui.label(RichText::new(text).font(theme::mono(theme::BODY)));
        });
    })
    .response
    .on_hover_text(tip);
}

pub fn draw(
    ui: &mut Ui,
    _ctl: &mut Ctl,
    params: &LacquerParams,
    meters: &SharedMeters,
    state: &mut MeterColumnState,
) {
    let now = Instant::now();
    let dt = now.duration_since(state.last).as_secs_f32().min(0.25);
    state.last = now;
    for (side, m) in [&meters.input, &meters.output].into_iter().enumerate() {
        for ch in 0..2 {
            state.bars[side][ch].feed(m.sample_peak_db[ch].load(Relaxed), dt);
        }
    }
    let ceiling = params.lim.ceiling.value();
    ui.horizontal(|ui| {
        bars(ui, "IN", &meters.input, &mut state.bars[0], ceiling);
        ui.add_space(8.0);
        bars(ui, "OUT", &meters.output, &mut state.bars[1], ceiling);
        ui.add_space(8.0);
        ui.vertical(|ui| {
            ui.label(
                RichText::new("GR")
                    .font(theme::small())
                    .color(theme::TEXT_DIM),
            );
            let comp = -meters.compressor_gr_db.load(Relaxed);
            let lim = -meters.limiter_gr_db.load(Relaxed);
            for (name, v) in [("C", comp), ("L", lim)] {
                ui.label(
                    RichText::new(format!("{name} {:.1}", v.max(0.0)))
                        .font(theme::mono(theme::SMALL))
                        .color(theme::GR),
                );
            }
        });
    });
    ui.separator();
    let out = &meters.output;
    ui.label(
        RichText::new(format!(
            "{:.1}",
            out.short_term_lufs.load(Relaxed).max(-70.0)
        ))
        .font(egui::FontId::monospace(theme::READOUT))
        .color(theme::TEXT),
    )
    .on_hover_text("Short-term loudness (3 s), LUFS");
    readout(
        ui,
        "Momentary",
        out.momentary_lufs.load(Relaxed),
        "LUFS",
        "400 ms loudness",
    );
    readout(
        ui,
        "Short-term",
        out.short_term_lufs.load(Relaxed),
        "LUFS",
        "3 s loudness",
    );
    readout(
        ui,
        "Integrated",
        out.integrated_lufs.load(Relaxed),
        "LUFS",
        "Gated loudness since reset",
    );
    readout(
        ui,
        "LRA",
        out.loudness_range_lu.load(Relaxed),
        "LU",
        "Loudness range (EBU Tech 3342)",
    );
    readout(
        ui,
        "PLR",
        out.plr_db.load(Relaxed),
        "dB",
        "Peak to loudness ratio: max true peak - integrated",
    );
    ui.separator();
    let corr = out.correlation.load(Relaxed);
    ui.label(
        RichText::new("Correlation")
            .font(theme::small())
            .color(theme::TEXT_DIM),
    );
    let (rect, _) = ui.allocate_exact_size(vec2(ui.available_width(), 10.0), Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, theme::PANEL);
    painter.line_segment(
        [
            pos2(rect.center().x, rect.top()),
            pos2(rect.center().x, rect.bottom()),
        ],
        Stroke::new(1.0, theme::LINE),
    );
    if corr.is_finite() {
        let x = rect.center().x + corr.clamp(-1.0, 1.0) * rect.width() / 2.0;
        painter.circle_filled(
            pos2(x, rect.center().y),
            4.0,
            if corr < 0.0 { theme::OVER } else { theme::GOOD },
        );
    }
    ui.label(
        RichText::new(if corr.is_finite() {
            format!("{corr:+.2}")
        } else {
            "–".into()
        })
        .font(theme::mono(theme::SMALL)),
    );
    if ui
        .small_button("Reset meters")
        .on_hover_text("Restart integrated loudness, LRA and max true peak")
        .clicked()
    {
        meters.commands.reset_loudness.store(true, Relaxed);
    }
}
