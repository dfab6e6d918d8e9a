//! Multiband compressor: the output spectrum split into its bands, crossovers dragged left
//! and right on the plot, each band's gain reduction over its range, and the bands' controls
//! in columns under the plot.

use super::PanelCx;
use crate::editor::controls::{self, Ctl};
use crate::editor::widgets::{self, FreqPlot};
use crate::editor::widgets::{crossover_handles, fmt_gr, fmt_hz, ROW_H};
use crate::editor::{in_rect, theme};
use egui::{pos2, vec2, Align2, Color32, Id, Rect, Response, RichText, Sense, Stroke, Ui};
use lacquer_session::params::{LacquerParams, MB_BANDS};
use nice_plug::prelude::{FloatParam, Param};
use std::sync::atomic::Ordering::Relaxed;

const G: f32 = theme::GRID;
/// Spectrum range shown, dBFS.
const SPEC_LO: f32 = -90.0;
const SPEC_HI: f32 = 0.0;
/// Gain reduction that reaches half-way down the plot.
const GR_HALF_SCALE: f32 = 24.0;
const FIELD_H: f32 = 5.0 * G;

/// One colour per band, from the shared palette.
pub const BAND_COLOURS: [Color32; 4] = [
    theme::BANDS[2],
    theme::BANDS[4],
    theme::BANDS[6],
    theme::BANDS[8],
];

#[derive(Default)]
pub struct MultibandState {
    /// Where the spectrum plot was last drawn (the crossovers' frequency axis).
    pub plot: Option<FreqPlot>,
    /// Pointer offset from the dragged crossover's line, so the line does not jump to it.
    grab_dx: f32,
}

/// A compact parameter field: name at the left, value at the right, a bar for the value.
/// Drag sideways or up and down (Shift: fine), wheel, double-click or Ctrl-click to reset,
/// right-click to type a value.
pub(super) fn param_field(
    ui: &mut Ui,
    ctl: &mut Ctl,
    param: &impl Param,
    rect: Rect,
    label: &str,
    colour: Color32,
) -> Response {
    let p = param.as_ptr();
    let name = ctl.name(p);
    let id = Id::unique(("lacquer-field", &name));
    let edit_id = id.with("edit");
    let editing: Option<String> = ui.data(|d| d.get_temp(edit_id));
    if let Some(mut text) = editing {
        let hint = ctl.text(p);
        let r = ui
            .scope(|ui| {
                // The field's own height, not the theme's taller default.
                ui.spacing_mut().interact_size.y = rect.height();
                ui.put(
                    rect,
                    egui::TextEdit::singleline(&mut text)
                        .id(edit_id.with("text"))
                        .desired_width(rect.width() - 2.0 * G)
                        .margin(egui::Margin::symmetric(G as i8, 2))
                        .hint_text(hint)
                        .font(theme::mono(theme::SMALL))
                        .align(Align2::CENTER_CENTER),
                )
            })
            .inner;
        r.request_focus();
        let (enter, escape) = ui.input(|i| {
            (
                i.key_pressed(egui::Key::Enter),
                i.key_pressed(egui::Key::Escape),
            )
        });
        if enter {
            ctl.set_text(p, &text);
            ui.data_mut(|d| d.remove::<String>(edit_id));
        } else if escape || r.lost_focus() {
            ui.data_mut(|d| d.remove::<String>(edit_id));
        } else {
            ui.data_mut(|d| d.insert_temp(edit_id, text));
        }
        return r;
    }
    let r = ui.interact(rect, id, Sense::click_and_drag());
    let fine = ui.input(|i| i.modifiers.shift);
    let d = r.drag_delta();
    // Either direction moves the value: right and up increase it.
    let delta = (d.x - d.y) / 200.0 * if fine { 0.1 } else { 1.0 };
    ctl.drag(p, &r, |v| v + delta);
    let command = ui.input(|i| i.modifiers.command);
    if r.double_clicked() || (r.clicked() && command) {
        ctl.reset(p);
    } else if r.secondary_clicked() {
        // Empty, with the current value as the hint: what is typed replaces it.
        ui.data_mut(|d| d.insert_temp(edit_id, String::new()));
    }
    if r.hovered() {
        let notches = controls::wheel_notches(ui);
        if notches != 0.0 {
            let step = if fine { 0.002 } else { 0.02 };
            let v = ctl.value(p);
            ctl.set(p, v + notches.signum() * step);
        }
    }
    let hot = r.hovered() || r.dragged();
    let painter = ui.painter_at(rect);
    painter.rect_filled(
        rect,
        3.0,
        if hot {
            Color32::from_rgb(0x33, 0x38, 0x42)
        } else {
            theme::RAISED
        },
    );
    let v = ctl.value(p);
    let bar = Rect::from_min_max(
        pos2(rect.left(), rect.bottom() - 2.0),
        pos2(rect.left() + v * rect.width(), rect.bottom()),
    );
    painter.rect_filled(bar, 1.0, colour.gamma_multiply(0.8));
    painter.text(
        pos2(rect.left() + 1.5 * G, rect.center().y),
        Align2::LEFT_CENTER,
        label,
        theme::small(),
        theme::TEXT_DIM,
    );
    let text = ctl.text(p);
    painter.text(
        pos2(rect.right() - 1.5 * G, rect.center().y),
        Align2::RIGHT_CENTER,
        &text,
        theme::mono(theme::SMALL),
        theme::TEXT,
    );
    r.widget_info(|| egui::WidgetInfo::slider(true, v as f64, &name));
    r.on_hover_text(format!(
        "{name}: {text}\nDrag (Shift: fine), wheel, double-click to reset, right-click to type"
    ))
}

fn band_range(bands: usize, crossovers: &[f64; 3], i: usize) -> (f64, f64) {
    let lo = if i == 0 { 0.0 } else { crossovers[i - 1] };
    let hi = if i + 1 >= bands {
        f64::INFINITY
    } else {
        crossovers[i]
    };
    (lo, hi)
}

fn band_name(bands: usize, crossovers: &[f64; 3], i: usize) -> String {
    let (lo, hi) = band_range(bands, crossovers, i);
    if i == 0 {
        format!("< {}", fmt_hz(hi))
    } else if hi.is_infinite() {
        format!("> {}", fmt_hz(lo))
    } else {
        format!("{} – {}", fmt_hz(lo), fmt_hz(hi))
    }
}

pub fn draw(ui: &mut Ui, cx: PanelCx, state: &mut MultibandState) {
    let (ctl, p, meters, analysis, history) = (cx.ctl, cx.p, cx.meters, cx.analysis, cx.history);
    let area = ui.available_rect_before_wrap();
    let header = Rect::from_min_size(area.min, vec2(area.width(), ROW_H));
    // Band heading, GR bar, five fields, the solo/mute/bypass row.
    let columns_h = 4.0 * G + G + 3.0 + 2.0 * G + 5.0 * (FIELD_H + G) + ROW_H;
    let columns = Rect::from_min_max(pos2(area.left(), area.bottom() - columns_h), area.max);
    let plot_rect = Rect::from_min_max(
        pos2(area.left(), header.bottom() + 2.0 * G),
        pos2(area.right(), columns.top() - 3.0 * G),
    );
    let bands = (p.mb.bands.value().clamp(2, MB_BANDS as i32)) as usize;
    let xo_params = [&p.mb.crossover_1, &p.mb.crossover_2, &p.mb.crossover_3];
    let on = p.mb.enabled.value();

    super::header(ui, ctl, header, "Multiband", &p.mb.enabled, |ui, ctl| {
        ui.spacing_mut().combo_width = 56.0;
        controls::choice(ui, ctl, &p.mb.bands, "Bands");
        let w = 42.0 * G;
        let field = Rect::from_min_size(
            pos2(header.right() - w, header.center().y - FIELD_H / 2.0),
            vec2(w, FIELD_H),
        );
        param_field(ui, ctl, &p.mb.lookahead, field, "Look-ahead", theme::ACCENT);
    });

    let plot = FreqPlot {
        rect: plot_rect,
        db_min: SPEC_LO,
        db_max: SPEC_HI,
    };
    state.plot = Some(plot);
    let crossovers = xo_params.map(|x| x.unmodulated_plain_value() as f64);
    let gr: [f32; MB_BANDS] = std::array::from_fn(|i| {
        history.multiband_gr[i]
            .last()
            .unwrap_or_else(|| -meters.multiband_gr_db[i].load(Relaxed))
            .max(0.0)
    });
    {
        let painter = ui.painter_at(plot_rect);
        plot.grid(&painter, 12.0);
        for i in 0..bands {
            let (lo, hi) = band_range(bands, &crossovers, i);
            let x0 = if i == 0 {
                plot_rect.left()
            } else {
                plot.x_of(lo)
            };
            let x1 = if hi.is_infinite() {
                plot_rect.right()
            } else {
                plot.x_of(hi)
            };
            let region = Rect::from_x_y_ranges(x0..=x1, plot_rect.y_range());
            let b = &p.mb.band[i];
            let silent = b.mute.value();
            painter.rect_filled(
                region,
                0.0,
                BAND_COLOURS[i].gamma_multiply(if silent { 0.02 } else { 0.07 }),
            );
            if on && gr[i] > 0.0 {
                let depth = gr[i] / GR_HALF_SCALE * plot_rect.height() * 0.5;
                let curtain = Rect::from_min_max(
                    region.min,
                    pos2(region.right(), region.top() + depth.min(plot_rect.height())),
                );
                painter.rect_filled(
                    curtain.shrink2(vec2(1.0, 0.0)),
                    0.0,
                    theme::GR.gamma_multiply(0.3),
                );
                painter.line_segment(
                    [curtain.left_bottom(), curtain.right_bottom()],
                    Stroke::new(2.0, theme::GR),
                );
            }
            painter.text(
                pos2(region.center().x, plot_rect.top() + 11.0 * G),
                Align2::CENTER_TOP,
                format!("{}", i + 1),
                egui::FontId::proportional(theme::HEADING),
                BAND_COLOURS[i].gamma_multiply(if silent { 0.4 } else { 1.0 }),
            );
        }
        widgets::spectrum(
            &painter,
            &plot,
            &analysis.post_db,
            SPEC_LO,
            SPEC_HI,
            theme::POST,
            true,
        );
        widgets::frame(&painter, plot_rect);
    }
    let (xos, used) = (&xo_params[..bands - 1], &crossovers[..bands - 1]);
    crossover_handles(ui, ctl, &plot, xos, used, 0.1, &mut state.grab_dx);

    // One column per band, equal widths.
    let gap = 2.0 * G;
    let col_w = (columns.width() - gap * (bands - 1) as f32) / bands as f32;
    for (i, &band_gr) in gr.iter().enumerate().take(bands) {
        let col = Rect::from_min_size(
            pos2(columns.left() + i as f32 * (col_w + gap), columns.top()),
            vec2(col_w, columns_h),
        );
        band_column(
            ui,
            ctl,
            p,
            i,
            col,
            &band_name(bands, &crossovers, i),
            band_gr,
            on,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn band_column(
    ui: &mut Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    i: usize,
    col: Rect,
    range: &str,
    gr: f32,
    on: bool,
) {
    let b = &p.mb.band[i];
    let colour = BAND_COLOURS[i];
    let painter = ui.painter_at(col);
    let head = Rect::from_min_size(col.min, vec2(col.width(), 4.0 * G));
    painter.rect_filled(
        Rect::from_min_size(head.min, vec2(3.0, head.height())),
        1.0,
        colour,
    );
    let gr_w = 13.0 * G;
    let name = head
        .with_min_x(head.left() + 2.0 * G)
        .with_max_x(col.right() - gr_w);
    in_rect(ui, name, |ui| {
        ui.with_layout(egui::Layout::left_to_right(egui::Align::Center), |ui| {
            ui.spacing_mut().item_spacing.x = G;
            ui.label(
                RichText::new(format!("{}", i + 1))
                    .font(theme::mono(theme::SMALL))
                    .color(colour),
            )
            .on_hover_text(format!("Band {}", i + 1));
            ui.add(
                egui::Label::new(
                    RichText::new(range)
                        .font(theme::small())
                        .color(theme::TEXT_DIM),
                )
                .truncate(),
            );
        });
    });
    let gr_shown = if on { gr } else { 0.0 };
    widgets::readout(
        ui,
        Rect::from_min_max(
            pos2(col.right() - gr_w, col.top()),
            pos2(col.right(), head.bottom()),
        ),
        fmt_gr(gr_shown),
        theme::GR,
        egui::Align::Max,
    );
    // The reduction as a bar under the heading: full width is GR_HALF_SCALE.
    let lane = Rect::from_min_size(pos2(col.left(), head.bottom() + G), vec2(col.width(), 3.0));
    painter.rect_filled(lane, 1.0, theme::BG);
    if gr_shown > 0.0 {
        let w = (gr_shown / GR_HALF_SCALE).min(1.0) * lane.width();
        painter.rect_filled(
            Rect::from_min_size(lane.min, vec2(w, lane.height())),
            1.0,
            theme::GR,
        );
    }
    let fields: [(&FloatParam, &str); 5] = [
        (&b.threshold, "Threshold"),
        (&b.ratio, "Ratio"),
        (&b.attack, "Attack"),
        (&b.release, "Release"),
        (&b.gain, "Gain"),
    ];
    let mut y = lane.bottom() + 2.0 * G;
    for (param, label) in fields {
        let r = Rect::from_min_size(pos2(col.left(), y), vec2(col.width(), FIELD_H));
        param_field(ui, ctl, param, r, label, colour);
        y += FIELD_H + G;
    }
    let row = Rect::from_min_max(pos2(col.left(), y), col.max);
    in_rect(ui, row, |ui| {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = G;
            ui.spacing_mut().button_padding.x = 1.5 * G;
            controls::toggle(ui, ctl, &b.solo, "Solo");
            controls::toggle(ui, ctl, &b.mute, "Mute");
            controls::toggle(ui, ctl, &b.bypass, "Bypass");
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editor::analysis::{F_MAX, F_MIN};
    use crate::editor::test_host::{assert_tidy, centre, drag, harness, set_plain, small};
    use crate::editor::widgets::crossover_bounds;
    use crate::editor::Panel;
    use egui_kittest::kittest::Queryable;

    /// Octaves that `points` of the plot's width span.
    fn octaves(points: f32, plot: &FreqPlot) -> f64 {
        points as f64 / plot.rect.width() as f64 * (F_MAX / F_MIN).log2()
    }

    #[test]
    fn crossover_bounds_keep_a_third_of_an_octave() {
        let used = [100.0, 1000.0, 8000.0];
        let gap = 2f64.powf(1.0 / 3.0);
        assert_eq!(crossover_bounds(&used, 0), (20.0, 1000.0 / gap));
        assert_eq!(crossover_bounds(&used, 1), (100.0 * gap, 8000.0 / gap));
        assert_eq!(crossover_bounds(&used, 2), (1000.0 * gap, 20_000.0));
    }

    #[test]
    fn dragging_a_crossover_moves_it_by_the_octaves_dragged() {
        let (mut h, host) = harness(Panel::Multiband, |_| {});
        let p = h.state().params.clone();
        let plot = h.state().panels.multiband.plot.expect("plot drawn");
        let before = p.mb.crossover_1.unmodulated_plain_value() as f64;
        assert!((before - 120.0).abs() < 0.01);
        let at = centre(&h, "Multiband Crossover 1");
        // The handle sits on the crossover's frequency.
        assert!((at.x - plot.x_of(before)).abs() < 0.5, "{at:?}");
        drag(&mut h, at, egui::vec2(60.0, 0.0));
        let after = p.mb.crossover_1.unmodulated_plain_value() as f64;
        let expected = before * 2f64.powf(octaves(60.0, &plot));
        assert!(
            (after / expected - 1.0).abs() < 0.005,
            "{before} Hz dragged 60 pt: {after} Hz, expected {expected} Hz"
        );
        // About one octave at this size: a real move, not a rounding.
        assert!(after > 1.8 * before, "{after}");
        // Left by the same amount comes back.
        let at = centre(&h, "Multiband Crossover 1");
        drag(&mut h, at, egui::vec2(-60.0, 0.0));
        let back = p.mb.crossover_1.unmodulated_plain_value() as f64;
        assert!((back / before - 1.0).abs() < 0.005, "{back}");
        // The others did not move; every edit was one begin/set/end gesture.
        assert_eq!(p.mb.crossover_2.unmodulated_plain_value(), 1000.0);
        assert!(host.gestures_balanced());
        let begins = host
            .gestures
            .lock()
            .unwrap()
            .iter()
            .filter(|g| matches!(g, crate::editor::test_host::Gesture::Begin(_)))
            .count();
        assert_eq!(begins, 2);
    }

    #[test]
    fn crossovers_stay_ordered() {
        let (mut h, host) = harness(Panel::Multiband, |_| {});
        let p = h.state().params.clone();
        let gap = 2f64.powf(crate::editor::widgets::MIN_GAP_OCTAVES);
        // Crossover 1 dragged far past crossover 2 stops a third of an octave below it.
        set_plain(&p.mb.bands, 4);
        h.run();
        let at = centre(&h, "Multiband Crossover 1");
        drag(&mut h, at, egui::vec2(400.0, 0.0));
        let x1 = p.mb.crossover_1.unmodulated_plain_value() as f64;
        assert!((x1 - 1000.0 / gap).abs() < 1.0, "{x1}");
        // Crossover 2 dragged far left stops a third of an octave above crossover 1.
        let at = centre(&h, "Multiband Crossover 2");
        drag(&mut h, at, egui::vec2(-400.0, 0.0));
        let x2 = p.mb.crossover_2.unmodulated_plain_value() as f64;
        assert!((x2 - x1 * gap).abs() < 1.0, "{x1} {x2}");
        // And crossover 2 dragged right past 3 stops below it.
        let at = centre(&h, "Multiband Crossover 2");
        drag(&mut h, at, egui::vec2(600.0, 0.0));
        let x2 = p.mb.crossover_2.unmodulated_plain_value() as f64;
        assert!((x2 - 6000.0 / gap).abs() < 5.0, "{x2}");
        assert!(host.gestures_balanced());
    }

    #[test]
    fn as_many_crossovers_as_the_bands_need() {
        let (h, _) = harness(Panel::Multiband, |app| set_plain(&app.params.mb.bands, 2));
        assert!(h.query_by_label("Multiband Crossover 1").is_some());
        assert!(h.query_by_label("Multiband Crossover 2").is_none());
        let (h, _) = small(Panel::Multiband, |app| set_plain(&app.params.mb.bands, 2));
        assert!(h.query_by_label("Multiband Crossover 1").is_some());
        assert!(h.query_by_label("Multiband Crossover 2").is_none());
        assert_tidy(&h);
        let (h, _) = small(Panel::Multiband, |app| set_plain(&app.params.mb.bands, 4));
        assert!(h.query_by_label("Multiband Crossover 3").is_some());
        // Four columns of band controls fit the smallest window.
        assert!(h.query_by_label("MB 4 Release").is_some());
        assert_eq!(h.query_all_by_label("Solo").count(), 4);
        assert_tidy(&h);
    }

    #[test]
    fn band_field_drags_and_resets() {
        let (mut h, host) = harness(Panel::Multiband, |_| {});
        let p = h.state().params.clone();
        let at = centre(&h, "MB 2 Threshold");
        // 200 points of drag span the whole range (-60..0 dB): 40 points are 12 dB.
        drag(&mut h, at, egui::vec2(40.0, 0.0));
        let thr = p.mb.band[1].threshold.unmodulated_plain_value();
        assert!((thr - (-18.0 + 40.0 / 200.0 * 60.0)).abs() < 0.1, "{thr}");
        // Ctrl-click resets.
        h.get_by_label("MB 2 Threshold")
            .click_modifiers(egui::Modifiers::COMMAND);
        h.run();
        assert_eq!(p.mb.band[1].threshold.unmodulated_plain_value(), -18.0);
        // Right-click opens typed entry: the parameter's own parser reads it.
        let field = h.get_by_label("MB 2 Threshold").rect();
        h.get_by_label("MB 2 Threshold").click_secondary();
        h.run();
        // The entry takes the field's place, no wider.
        let entry = h.get_by_role(egui::accesskit::Role::TextInput).rect();
        assert!(
            field.expand(1.0).contains_rect(entry),
            "{field:?} {entry:?}"
        );
        h.get_by_role(egui::accesskit::Role::TextInput)
            .type_text("-30");
        h.run();
        h.key_press(egui::Key::Enter);
        h.run();
        assert_eq!(p.mb.band[1].threshold.unmodulated_plain_value(), -30.0);
        assert!(h.query_by_role(egui::accesskit::Role::TextInput).is_none());
        assert!(host.gestures_balanced());
    }
}
