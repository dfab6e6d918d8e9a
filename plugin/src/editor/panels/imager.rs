//! Stereo imager: a vectorscope of the output, the correlation over the last two minutes, and
//! the width bands on a frequency strip (crossovers drag sideways, each band's width drags up
//! and down, the bass-mono corner drags like a crossover), with balance, polarity, swap and
//! mid/side listening.

use super::PanelCx;
use crate::editor::analysis::Analysis;
use crate::editor::controls::{self, Ctl};
use crate::editor::history::Histories;
use crate::editor::theme;
use crate::editor::widgets::{self, FreqPlot};
use crate::editor::widgets::{crossover_handle, crossover_handles};
use crate::editor::widgets::{fill_to, history_points, line, tag, KNOB_H, ROW_H};
use crate::meters::SharedMeters;
use egui::{
    pos2, vec2, Align2, Color32, CursorIcon, Id, Mesh, Pos2, Rect, RichText, Sense, Shape, Stroke,
    Ui,
};
use lacquer_session::params::LacquerParams;
use nice_plug::prelude::{FloatParam, Param};
use std::f32::consts::FRAC_1_SQRT_2;
use std::sync::atomic::Ordering::Relaxed;

const G: f32 = theme::GRID;
/// Most width the parameters allow, %.
const MAX_WIDTH: f32 = 200.0;
/// Bass mono range (the parameter's).
const BASS_MIN_HZ: f64 = 20.0;
const BASS_MAX_HZ: f64 = 500.0;
/// The auto-scaled scope lifts quiet material by at most this much.
const MAX_AUTO_GAIN: f32 = 30.0;
const BAND_COLOURS: [Color32; 3] = [theme::BANDS[2], theme::BANDS[5], theme::BANDS[8]];

#[derive(Default)]
pub struct ImagerState {
    /// Where the band strip was last drawn (the crossovers' frequency axis).
    pub plot: Option<FreqPlot>,
    /// The scope shows a fixed scale (0 dBFS mono at the top) instead of following the level.
    pub fixed_scale: bool,
    /// The auto scale's current gain (rises fast, falls slowly).
    scope_gain: f32,
    grab_dx: f32,
}

/// Goniometer position of a stereo frame, mid up: x = (R - L) / sqrt2, y = (L + R) / sqrt2.
/// Left alone leans up-left, right alone up-right, anti-phase lies on the horizontal axis.
pub fn scope_xy(l: f32, r: f32) -> (f32, f32) {
    ((r - l) * FRAC_1_SQRT_2, (l + r) * FRAC_1_SQRT_2)
}

/// The side gain a band's bar shows and its vertical drag edits: the band's width with two or
/// three bands, the overall width with one.
fn band_param(p: &LacquerParams, bands: usize, i: usize) -> &FloatParam {
    if bands == 1 {
        &p.img.width
    } else {
        [&p.img.width_1, &p.img.width_2, &p.img.width_3][i]
    }
}

pub fn draw(ui: &mut Ui, cx: PanelCx, state: &mut ImagerState) {
    let (ctl, p, meters, analysis, history) = (cx.ctl, cx.p, cx.meters, cx.analysis, cx.history);
    let area = ui.available_rect_before_wrap();
    let (header, body, knobs) = super::rows(area, ROW_H, KNOB_H);
    let bands = p.img.bands.value().clamp(1, 3) as usize;

    super::header(ui, ctl, header, "Imager", &p.img.enabled, |ui, ctl| {
        ui.spacing_mut().combo_width = 48.0;
        controls::choice(ui, ctl, &p.img.bands, "Bands");
        controls::toggle(ui, ctl, &p.img.bass_mono, "Bass mono");
        // Right to left: the drop-down goes first, its caption after it.
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            ui.spacing_mut().combo_width = 64.0;
            controls::choice(ui, ctl, &p.img.solo, "");
            ui.label(
                RichText::new("Listen")
                    .font(theme::small())
                    .color(theme::TEXT_DIM),
            );
            ui.add_space(G);
            ui.spacing_mut().item_spacing.x = G;
            controls::toggle(ui, ctl, &p.img.swap, "Swap");
            controls::toggle(ui, ctl, &p.img.invert_right, "Ø R");
            controls::toggle(ui, ctl, &p.img.invert_left, "Ø L");
        });
    });

    let side = body.height().min(body.width() * 0.45);
    let scope_rect = Rect::from_min_size(body.min, vec2(side, body.height()));
    let right = Rect::from_min_max(pos2(scope_rect.right() + 3.0 * G, body.top()), body.max);
    let corr_h = 18.0 * G;
    let strip = Rect::from_min_max(
        right.min,
        pos2(right.right(), right.bottom() - corr_h - 2.0 * G),
    );
    let corr = Rect::from_min_max(pos2(right.left(), strip.bottom() + 2.0 * G), right.max);

    scope(ui, analysis, scope_rect, state);
    correlation(ui, history, meters, corr);
    band_strip(ui, ctl, p, analysis, strip, bands, state);

    let mut row: Vec<(&FloatParam, &str)> = vec![
        (&p.img.width, "Width"),
        (&p.img.balance, "Balance"),
        (&p.img.bass_mono_hz, "Mono below"),
    ];
    if bands > 1 {
        let names = ["Low width", "Mid width", "High width"];
        let names: &[&str] = if bands == 2 {
            &["Low width", "High width"]
        } else {
            &names
        };
        for (i, name) in names.iter().enumerate() {
            row.push((band_param(p, bands, i), name));
        }
    }
    widgets::knob_groups(ui, ctl, knobs, &[&row[..3], &row[3..]]);
}

fn scope(ui: &mut Ui, analysis: &Analysis, rect: Rect, state: &mut ImagerState) {
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, theme::PANEL);
    let c = rect.center();
    let radius = rect.width().min(rect.height()) * 0.5 - 3.0 * G;
    let faint = Stroke::new(1.0, theme::GRID_LINE);
    painter.circle_stroke(c, radius, Stroke::new(1.0, theme::LINE));
    painter.circle_stroke(c, radius * 0.5, faint);
    painter.line_segment([pos2(c.x, c.y - radius), pos2(c.x, c.y + radius)], faint);
    painter.line_segment([pos2(c.x - radius, c.y), pos2(c.x + radius, c.y)], faint);
    let d = radius * FRAC_1_SQRT_2;
    painter.line_segment([pos2(c.x - d, c.y - d), pos2(c.x + d, c.y + d)], faint);
    painter.line_segment([pos2(c.x + d, c.y - d), pos2(c.x - d, c.y + d)], faint);
    let label = |at: Pos2, align: Align2, text: &str| {
        painter.text(at, align, text, theme::small(), theme::TEXT_DIM);
    };
    label(pos2(c.x, c.y - radius - 2.0), Align2::CENTER_BOTTOM, "M");
    label(
        pos2(c.x - d - 2.0, c.y - d - 2.0),
        Align2::RIGHT_BOTTOM,
        "L",
    );
    label(pos2(c.x + d + 2.0, c.y - d - 2.0), Align2::LEFT_BOTTOM, "R");
    label(pos2(c.x - radius - 2.0, c.y), Align2::RIGHT_CENTER, "S");
    label(pos2(c.x + radius + 2.0, c.y), Align2::LEFT_CENTER, "S");

    let frames = &analysis.scope;
    let n = frames.len();
    let peak = frames
        .iter()
        .map(|f| {
            let (x, y) = scope_xy(f[0], f[1]);
            x.abs().max(y.abs())
        })
        .fold(0.0f32, f32::max);
    // Fixed: 0 dBFS mono (y = sqrt2) reaches the rim. Auto: the loudest point at 90 %.
    let fixed = FRAC_1_SQRT_2;
    let gain = if state.fixed_scale || peak < 1e-6 {
        state.scope_gain = 0.0;
        fixed
    } else {
        let want = (0.9 / peak).clamp(fixed, fixed * 10f32.powf(MAX_AUTO_GAIN / 20.0));
        let g = if state.scope_gain <= 0.0 || want < state.scope_gain {
            want
        } else {
            state.scope_gain + (want - state.scope_gain) * 0.05
        };
        state.scope_gain = g;
        g
    };
    if peak > 0.0 {
        let mut mesh = Mesh::default();
        let h = 0.7;
        let pos = analysis.scope_pos % n.max(1);
        for i in 0..n {
            let [l, r] = frames[(pos + i) % n];
            let (x, y) = scope_xy(l, r);
            let (x, y) = ((x * gain).clamp(-1.0, 1.0), (y * gain).clamp(-1.0, 1.0));
            let at = pos2(c.x + x * radius, c.y - y * radius);
            // Older frames fade out, the newest are brightest.
            let age = i as f32 / n as f32;
            let colour = theme::POST.gamma_multiply(0.12 + 0.88 * age * age);
            let k = mesh.vertices.len() as u32;
            for (dx, dy) in [(-h, -h), (h, -h), (h, h), (-h, h)] {
                mesh.colored_vertex(pos2(at.x + dx, at.y + dy), colour);
            }
            mesh.add_triangle(k, k + 1, k + 2);
            mesh.add_triangle(k, k + 2, k + 3);
        }
        painter.add(Shape::mesh(mesh));
    }
    widgets::frame(&painter, rect);

    let button = Rect::from_min_size(
        pos2(rect.left() + 2.0 * G, rect.bottom() - 7.0 * G),
        vec2(12.0 * G, 5.0 * G),
    );
    let text = if state.fixed_scale { "Fixed" } else { "Auto" };
    let r = ui
        .put(
            button,
            egui::Button::new(RichText::new(text).font(theme::small())),
        )
        .on_hover_text("Scope scale: Auto follows the level, Fixed shows 0 dBFS at the rim");
    if r.clicked() {
        state.fixed_scale = !state.fixed_scale;
    }
    if !state.fixed_scale && state.scope_gain > 0.0 {
        painter.text(
            pos2(rect.right() - 2.0 * G, rect.bottom() - 2.0 * G),
            Align2::RIGHT_BOTTOM,
            format!("+{:.0} dB", 20.0 * (state.scope_gain / fixed).log10()),
            theme::small(),
            theme::TEXT_DIM,
        );
    }
}

fn correlation(ui: &mut Ui, history: &Histories, meters: &SharedMeters, rect: Rect) {
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, theme::PANEL);
    let y_of = |v: f32| rect.center().y - v.clamp(-1.0, 1.0) * (rect.height() * 0.5 - 2.0);
    for (v, label) in [(1.0, "+1"), (0.0, "0"), (-1.0, "-1")] {
        let y = y_of(v);
        painter.line_segment(
            [pos2(rect.left(), y), pos2(rect.right(), y)],
            Stroke::new(
                1.0,
                if v == 0.0 {
                    theme::LINE
                } else {
                    theme::GRID_LINE
                },
            ),
        );
        painter.text(
            pos2(rect.right() - 2.0, y),
            if v > 0.0 {
                Align2::RIGHT_TOP
            } else if v < 0.0 {
                Align2::RIGHT_BOTTOM
            } else {
                Align2::RIGHT_CENTER
            },
            label,
            theme::small(),
            theme::TEXT_DIM,
        );
    }
    let t = &history.correlation;
    let cap = t.capacity();
    let plot = rect.with_max_x(rect.right() - 5.0 * G);
    let pos = history_points(plot, t.values.iter().map(|v| v.max(0.0)), cap, y_of);
    fill_to(&painter, &pos, y_of(0.0), theme::GOOD.gamma_multiply(0.3));
    let neg = history_points(plot, t.values.iter().map(|v| v.min(0.0)), cap, y_of);
    fill_to(&painter, &neg, y_of(0.0), theme::OVER.gamma_multiply(0.45));
    line(
        &painter,
        history_points(plot, t.values.iter().copied(), cap, y_of),
        1.0,
        theme::TEXT_DIM,
    );
    tag(
        &painter,
        pos2(rect.left() + 2.0 * G, rect.top() + G),
        Align2::LEFT_TOP,
        "Correlation, 2 min".into(),
        theme::TEXT_DIM,
    );
    widgets::frame(&painter, rect);
    let now = meters.output.correlation.load(Relaxed);
    let text = if now.is_finite() {
        format!("{now:+.2}")
    } else {
        "–".into()
    };
    widgets::readout(
        ui,
        Rect::from_min_size(
            pos2(rect.right() - 24.0 * G, rect.top() + G),
            vec2(18.0 * G, 4.0 * G),
        ),
        text,
        if now < 0.0 { theme::OVER } else { theme::GOOD },
        egui::Align::Max,
    );
}

fn band_strip(
    ui: &mut Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    analysis: &Analysis,
    rect: Rect,
    bands: usize,
    state: &mut ImagerState,
) {
    let plot = FreqPlot {
        rect,
        db_min: 0.0,
        db_max: MAX_WIDTH,
    };
    state.plot = Some(plot);
    let painter = ui.painter_at(rect);
    // The frequency grid only: no dB lines fall inside this range.
    FreqPlot {
        rect,
        db_min: 1.0,
        db_max: 2.0,
    }
    .grid(&painter, 10.0);
    widgets::spectrum(
        &painter,
        &FreqPlot {
            rect,
            db_min: -84.0,
            db_max: 0.0,
        },
        &analysis.post_db,
        -84.0,
        0.0,
        theme::POST.gamma_multiply(0.35),
        true,
    );
    for w in [50.0, 100.0, 150.0] {
        let y = plot.y_of(w);
        painter.line_segment(
            [pos2(rect.left(), y), pos2(rect.right(), y)],
            Stroke::new(
                1.0,
                if w == 100.0 {
                    theme::LINE
                } else {
                    theme::GRID_LINE
                },
            ),
        );
        painter.text(
            pos2(rect.right() - 2.0, y - 1.0),
            Align2::RIGHT_BOTTOM,
            format!("{w:.0} %"),
            theme::small(),
            theme::TEXT_DIM,
        );
    }

    let xo_params = [&p.img.crossover_1, &p.img.crossover_2];
    let crossovers = xo_params.map(|x| x.unmodulated_plain_value() as f64);
    let edges: Vec<f32> = std::iter::once(rect.left())
        .chain(crossovers[..bands - 1].iter().map(|&f| plot.x_of(f)))
        .chain(std::iter::once(rect.right()))
        .collect();
    let mut labels = Vec::with_capacity(bands);
    for i in 0..bands {
        let region = Rect::from_x_y_ranges(edges[i]..=edges[i + 1], rect.y_range());
        let param = band_param(p, bands, i);
        let colour = BAND_COLOURS[i];
        let id = Id::unique(("lacquer-width-band", i));
        let r = ui.interact(region, id, Sense::drag());
        let dy = r.drag_delta().y;
        let fine = ui.input(|inp| inp.modifiers.shift);
        let scale = if fine { 0.1 } else { 1.0 };
        ctl.drag(param.as_ptr(), &r, |v| v - dy / rect.height() * scale);
        let hot = r.hovered() || r.dragged();
        if hot {
            ui.ctx().set_cursor_icon(CursorIcon::ResizeVertical);
        }
        let w = param.unmodulated_plain_value() * 100.0;
        let y = plot.y_of(w);
        let y100 = plot.y_of(100.0);
        painter.rect_filled(
            Rect::from_x_y_ranges(region.x_range(), y.min(y100)..=y.max(y100)),
            0.0,
            colour.gamma_multiply(if hot { 0.35 } else { 0.22 }),
        );
        painter.line_segment(
            [pos2(region.left(), y), pos2(region.right(), y)],
            Stroke::new(2.0, colour),
        );
        let name = if bands == 1 {
            "Width".to_string()
        } else {
            format!("Band {}", i + 1)
        };
        // Drawn after the bass-mono shade, so it stays readable there.
        let text_y = if w > 150.0 { y + 3.0 } else { y - 3.0 };
        labels.push((
            pos2(region.center().x, text_y),
            if w > 150.0 {
                Align2::CENTER_TOP
            } else {
                Align2::CENTER_BOTTOM
            },
            format!("{name} {w:.0} %"),
            colour,
        ));
        let label = ctl.name(param.as_ptr());
        r.widget_info(|| egui::WidgetInfo::slider(true, w as f64, &label));
        r.on_hover_text(format!(
            "{label}: {w:.0} %\nDrag up (wider) or down (narrower), Shift: fine"
        ));
    }

    if p.img.bass_mono.value() {
        let hz = p.img.bass_mono_hz.unmodulated_plain_value() as f64;
        let mono = Rect::from_min_max(rect.min, pos2(plot.x_of(hz), rect.bottom()));
        painter.rect_filled(mono, 0.0, theme::BG.gamma_multiply(0.6));
        painter.text(
            pos2(mono.center().x, rect.top() + 2.0 * G),
            Align2::CENTER_TOP,
            "Mono",
            theme::small(),
            theme::TEXT,
        );
    }
    for (at, align, text, colour) in labels {
        tag(&painter, at, align, text, colour);
    }
    widgets::frame(&painter, rect);

    // Handles last: they sit on top of the band areas.
    let (xos, used) = (&xo_params[..bands - 1], &crossovers[..bands - 1]);
    crossover_handles(ui, ctl, &plot, xos, used, 0.12, &mut state.grab_dx);
    if p.img.bass_mono.value() {
        crossover_handle(
            ui,
            ctl,
            &plot,
            p.img.bass_mono_hz.as_ptr(),
            (BASS_MIN_HZ, BASS_MAX_HZ),
            "Bass Mono Frequency",
            theme::TEXT_DIM,
            0.8,
            &mut state.grab_dx,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editor::analysis::{F_MAX, F_MIN};
    use crate::editor::test_host::{assert_tidy, centre, drag, harness, set_plain, small};
    use crate::editor::Panel;
    use egui_kittest::kittest::Queryable;

    #[test]
    fn scope_puts_mid_up_left_up_left_and_side_sideways() {
        let (x, y) = scope_xy(1.0, 1.0);
        assert!(x.abs() < 1e-6 && (y - 2f32.sqrt()).abs() < 1e-6);
        let (x, y) = scope_xy(1.0, 0.0);
        assert!(
            x < 0.0 && (x + y).abs() < 1e-6,
            "left alone leans up-left: {x} {y}"
        );
        let (x, y) = scope_xy(0.0, 1.0);
        assert!(x > 0.0 && (x - y).abs() < 1e-6);
        let (x, y) = scope_xy(1.0, -1.0);
        assert!(y.abs() < 1e-6 && (x + 2f32.sqrt()).abs() < 1e-6);
    }

    fn three_bands(app: &mut crate::editor::EditorApp) {
        set_plain(&app.params.img.bands, 3);
    }

    #[test]
    fn dragging_a_width_crossover_moves_it_by_the_octaves_dragged() {
        let (mut h, host) = harness(Panel::Imager, three_bands);
        let p = h.state().params.clone();
        let plot = h.state().panels.imager.plot.expect("strip drawn");
        let before = p.img.crossover_1.unmodulated_plain_value() as f64;
        let at = centre(&h, "Width Crossover 1");
        assert!((at.x - plot.x_of(before)).abs() < 0.5);
        drag(&mut h, at, egui::vec2(-50.0, 0.0));
        let after = p.img.crossover_1.unmodulated_plain_value() as f64;
        let octaves = -50.0 / plot.rect.width() as f64 * (F_MAX / F_MIN).log2();
        let expected = before * 2f64.powf(octaves);
        assert!(
            (after / expected - 1.0).abs() < 0.005,
            "{before} Hz dragged -50 pt: {after} Hz, expected {expected} Hz"
        );
        assert!(after < 0.6 * before, "{after}");
        // Crossover 2 dragged far left stops a third of an octave above crossover 1.
        let at = centre(&h, "Width Crossover 2");
        drag(&mut h, at, egui::vec2(-300.0, 0.0));
        let x2 = p.img.crossover_2.unmodulated_plain_value() as f64;
        assert!(
            (x2 - after * 2f64.powf(1.0 / 3.0)).abs() < 1.0,
            "{after} {x2}"
        );
        assert!(host.gestures_balanced());
    }

    #[test]
    fn dragging_a_band_up_widens_it() {
        let (mut h, host) = harness(Panel::Imager, three_bands);
        let p = h.state().params.clone();
        let plot = h.state().panels.imager.plot.unwrap();
        // The middle band, between the crossovers, half-way down.
        let x = 0.5 * (plot.x_of(300.0) + plot.x_of(4000.0));
        let at = egui::pos2(x, plot.rect.center().y + 30.0);
        drag(&mut h, at, egui::vec2(0.0, -40.0));
        let w = p.img.width_2.unmodulated_plain_value();
        // The strip's height spans 0..200 %.
        let expected = 1.0 + 40.0 / plot.rect.height() * 2.0;
        assert!((w - expected).abs() < 0.002, "{w} expected {expected}");
        // Its neighbours and the overall width stayed.
        assert_eq!(p.img.width_1.unmodulated_plain_value(), 1.0);
        assert_eq!(p.img.width_3.unmodulated_plain_value(), 1.0);
        assert_eq!(p.img.width.unmodulated_plain_value(), 1.0);
        assert!(host.gestures_balanced());
    }

    #[test]
    fn one_band_edits_the_overall_width_and_has_no_crossovers() {
        let (mut h, _) = harness(Panel::Imager, |_| {});
        assert!(h.query_by_label("Width Crossover 1").is_none());
        let p = h.state().params.clone();
        let plot = h.state().panels.imager.plot.unwrap();
        drag(&mut h, plot.rect.center(), egui::vec2(0.0, 30.0));
        let expected = 1.0 - 30.0 / plot.rect.height() * 2.0;
        let w = p.img.width.unmodulated_plain_value();
        assert!((w - expected).abs() < 0.002, "{w} expected {expected}");
    }

    #[test]
    fn bass_mono_corner_drags_within_its_range() {
        let (mut h, _) = harness(Panel::Imager, |app| {
            set_plain(&app.params.img.bass_mono, true)
        });
        let p = h.state().params.clone();
        let at = centre(&h, "Bass Mono Frequency");
        drag(&mut h, at, egui::vec2(300.0, 0.0));
        assert_eq!(p.img.bass_mono_hz.unmodulated_plain_value(), 500.0);
    }

    #[test]
    fn imager_fits_the_smallest_panel() {
        let (h, _) = small(Panel::Imager, three_bands);
        assert_tidy(&h);
        let (h, _) = small(Panel::Imager, |app| {
            set_plain(&app.params.img.bass_mono, true)
        });
        assert_tidy(&h);
    }
}
