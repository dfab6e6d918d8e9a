//! Compressor: the static transfer curve with the live operating point, a scrolling history of
//! level in, level out and gain reduction, a gain-reduction meter, and the controls.
//!
//! Also the pieces the other dynamics panels (limiter, multiband) share: level histories,
//! gain-reduction meters and a knob strip laid out on the grid.

use super::PanelCx;
use crate::editor::controls::{self};
use crate::editor::widgets::{
    self, fmt_db, fmt_gr, knob_groups, labelled_gr_meter, trace_values, LevelHistory, KNOB_H, ROW_H,
};
use crate::editor::{in_rect, theme};
use egui::{pos2, vec2, Align2, Painter, Pos2, Rect, RichText, Shape, Stroke, Ui};
use lacquer_dsp::dynamics::compressor::CompressorParams;
use std::sync::atomic::Ordering::Relaxed;

const G: f32 = theme::GRID;
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

pub fn draw(ui: &mut Ui, cx: PanelCx) {
    let (ctl, p, meters, history) = (cx.ctl, cx.p, cx.meters, cx.history);
    let area = ui.available_rect_before_wrap();
    let (header, graphs, knobs) = super::rows(area, ROW_H, KNOB_H);

    super::header(ui, ctl, header, "Compressor", &p.comp.enabled, |ui, ctl| {
        ui.add_space(G);
        ui.spacing_mut().combo_width = 84.0;
        controls::choice(ui, ctl, &p.comp.detection, "Detection");
        controls::choice(ui, ctl, &p.comp.stereo, "Stereo");
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            controls::toggle(ui, ctl, &p.comp.auto_makeup, "Auto makeup");
            controls::toggle(ui, ctl, &p.comp.auto_release, "Auto release");
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

    labelled_gr_meter(ui, &painter, meter, graphs.top(), gr, GR_RANGE);

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
            widgets::axis_label(
                painter,
                pos2(rect.right() - 2.0, y + 1.0),
                format!("{db:.0}"),
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
    widgets::frame(painter, rect);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editor::test_host::{assert_tidy, harness, in_panel, set_plain, small};
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
