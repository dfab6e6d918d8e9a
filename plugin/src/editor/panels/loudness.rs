//! Loudness: short-term and momentary loudness over the last two minutes against the delivery
//! target, the figures so far (integrated, LRA, max true peak), and what each platform would
//! do to this master: its target and ceiling, the gain its playback would apply, and whether
//! the peaks exceed its ceiling.

use super::{title, PanelCx};
use crate::editor::history::{Histories, LOUDNESS_SECONDS};
use crate::editor::widgets::{self, dashed_h, history_points, line, tag, ROW_H};
use crate::editor::{in_rect, theme};
use egui::{pos2, vec2, Align2, Color32, Rect, RichText, Stroke, Ui};
use lacquer_dsp::targets::{DeliveryTarget, Normalization, TARGETS};
use lacquer_session::params::LacquerParams;
use std::sync::atomic::Ordering::Relaxed;

const G: f32 = theme::GRID;
/// Loudness range of the history, LUFS.
const LO: f32 = -36.0;
const HI: f32 = 0.0;
/// Height of one table row.
const ROW: f32 = 4.5 * G;

/// A loudness reading, or None before there is one (silence reads -70 or below).
fn measured(v: f32) -> Option<f32> {
    (v.is_finite() && v > -69.9).then_some(v)
}

/// The gain a platform's playback applies, as the table shows it ("-5.0 dB", "+2.0 dB").
pub fn playback_text(t: &DeliveryTarget, integrated: Option<f32>) -> String {
    match integrated.and_then(|i| t.playback_gain_db(i as f64)) {
        Some(g) if g.abs() < 0.05 => "0.0 dB".into(),
        Some(g) => format!("{g:+.1} dB"),
        None => "–".into(),
    }
}

/// What happens to the master there, in words.
fn note(t: &DeliveryTarget, integrated: Option<f32>) -> (String, Color32) {
    let Some(i) = integrated else {
        return (String::new(), theme::TEXT_DIM);
    };
    let i = i as f64;
    match (t.normalization, t.integrated_lufs) {
        (_, None) => ("no loudness spec".into(), theme::TEXT_DIM),
        (Normalization::None, Some(target)) => {
            let off = i - target;
            let tol = t.tolerance_lu.unwrap_or(0.5);
            if off.abs() <= tol {
                ("within spec".into(), theme::GOOD)
            } else {
                (format!("{off:+.1} LU off spec"), theme::WARN)
            }
        }
        (n, Some(target)) => {
            if i > target + 0.05 {
                ("turned down".into(), theme::TEXT_DIM)
            } else if i < target - 0.05 {
                match n {
                    Normalization::DownOnly => ("plays quieter".into(), theme::WARN),
                    _ => ("turned up".into(), theme::TEXT_DIM),
                }
            } else {
                ("plays as is".into(), theme::GOOD)
            }
        }
    }
}

pub fn draw(ui: &mut Ui, cx: PanelCx) {
    let (p, meters, history) = (cx.p, cx.meters, cx.history);
    let area = ui.available_rect_before_wrap();
    let header = Rect::from_min_size(area.min, vec2(area.width(), ROW_H));
    let table_h = ROW * (TARGETS.len() + 1) as f32 + G;
    let table = Rect::from_min_max(pos2(area.left(), area.bottom() - table_h), area.max);
    let top = Rect::from_min_max(
        pos2(area.left(), header.bottom() + 2.0 * G),
        pos2(area.right(), table.top() - 3.0 * G),
    );
    let figures_w = 42.0 * G;
    let plot = Rect::from_min_max(
        top.min,
        pos2(top.right() - figures_w - 3.0 * G, top.bottom()),
    );
    let figures = Rect::from_min_max(pos2(top.right() - figures_w, top.top()), top.max);

    let out = &meters.output;
    let integrated = measured(out.integrated_lufs.load(Relaxed));
    let max_tp = out.max_true_peak_dbtp.load(Relaxed);
    let max_tp = (max_tp.is_finite() && max_tp > -140.0).then_some(max_tp);
    let target = p.target_lufs().map(|t| t as f32);

    in_rect(ui, header, |ui| {
        ui.horizontal(|ui| {
            title(ui, "Loudness");
            ui.label(
                RichText::new("Output, EBU R128 / ITU-R BS.1770")
                    .font(theme::small())
                    .color(theme::TEXT_DIM),
            );
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui
                    .button("Reset")
                    .on_hover_text("Restart integrated loudness, LRA and max true peak")
                    .clicked()
                {
                    meters.commands.reset_loudness.store(true, Relaxed);
                }
            });
        });
    });

    history_plot(ui, history, plot, target, integrated);

    in_rect(ui, figures, |ui| {
        let value = |v: Option<f32>, unit: &str| match v {
            Some(v) => format!("{v:.1} {unit}"),
            None => format!("– {unit}"),
        };
        ui.label(
            RichText::new("Integrated")
                .font(theme::small())
                .color(theme::TEXT_DIM),
        );
        let off_target = match (integrated, target) {
            (Some(i), Some(t)) if (i - t).abs() > 1.0 => theme::WARN,
            _ => theme::TEXT,
        };
        ui.label(
            RichText::new(value(integrated, "LUFS"))
                .font(theme::mono(theme::READOUT))
                .color(off_target),
        );
        let lra = measured(out.loudness_range_lu.load(Relaxed)).filter(|v| *v >= 0.0);
        let ceiling = p.chain_params().limiter.ceiling_db as f32;
        let rows: [(&str, String, Color32); 5] = [
            (
                "Short-term",
                value(measured(out.short_term_lufs.load(Relaxed)), "LUFS"),
                theme::TEXT,
            ),
            (
                "Momentary",
                value(measured(out.momentary_lufs.load(Relaxed)), "LUFS"),
                theme::TEXT,
            ),
            ("LRA", value(lra, "LU"), theme::TEXT),
            (
                "Max true peak",
                value(max_tp, "dBTP"),
                if max_tp.is_some_and(|t| t > ceiling + 0.05) {
                    theme::OVER
                } else {
                    theme::TEXT
                },
            ),
            (
                "Target",
                target.map_or("none".into(), |t| format!("{t:.1} LUFS")),
                theme::ACCENT,
            ),
        ];
        egui::Grid::new("lacquer-loudness-figures")
            .num_columns(2)
            .spacing(vec2(2.0 * G, G))
            .show(ui, |ui| {
                for (name, text, colour) in rows {
                    ui.label(
                        RichText::new(name)
                            .font(theme::small())
                            .color(theme::TEXT_DIM),
                    );
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        ui.label(
                            RichText::new(text)
                                .font(theme::mono(theme::SMALL))
                                .color(colour),
                        );
                    });
                    ui.end_row();
                }
            });
    });

    platform_table(ui, p, table, integrated, max_tp);
}

fn history_plot(
    ui: &mut Ui,
    history: &Histories,
    rect: Rect,
    target: Option<f32>,
    integrated: Option<f32>,
) {
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, theme::PANEL);
    let y_of = |v: f32| rect.bottom() - ((v - LO) / (HI - LO)).clamp(0.0, 1.0) * rect.height();
    let mut db = LO + 6.0;
    while db < HI {
        let y = y_of(db);
        painter.line_segment(
            [pos2(rect.left(), y), pos2(rect.right(), y)],
            Stroke::new(1.0, theme::GRID_LINE),
        );
        widgets::axis_label(
            &painter,
            pos2(rect.right() - 2.0, y + 1.0),
            format!("{db:.0}"),
        );
        db += 6.0;
    }
    let seconds = LOUDNESS_SECONDS as f32;
    for s in [30.0, 60.0, 90.0] {
        let x = rect.right() - rect.width() * s / seconds;
        painter.line_segment(
            [pos2(x, rect.top()), pos2(x, rect.bottom())],
            Stroke::new(1.0, theme::GRID_LINE),
        );
        painter.text(
            pos2(x + 2.0, rect.top() + 2.0),
            Align2::LEFT_TOP,
            format!("-{s:.0} s"),
            theme::small(),
            theme::TEXT_DIM,
        );
    }
    let m = &history.momentary;
    line(
        &painter,
        history_points(rect, m.values.iter().copied(), m.capacity(), y_of),
        1.0,
        theme::PRE.gamma_multiply(1.6),
    );
    let s = &history.short_term;
    line(
        &painter,
        history_points(rect, s.values.iter().copied(), s.capacity(), y_of),
        2.0,
        theme::POST,
    );
    if let Some(t) = target {
        let y = y_of(t);
        dashed_h(&painter, rect, y, theme::ACCENT);
        // At the right, clear of the integrated label at the left.
        tag(
            &painter,
            pos2(rect.right() - 8.0 * G, y - 2.0),
            Align2::RIGHT_BOTTOM,
            format!("Target {t:.1}"),
            theme::ACCENT,
        );
    }
    if let Some(i) = integrated {
        let y = y_of(i);
        painter.line_segment(
            [pos2(rect.left(), y), pos2(rect.right(), y)],
            Stroke::new(1.0, theme::TEXT.gamma_multiply(0.6)),
        );
        tag(
            &painter,
            pos2(rect.left() + 2.0 * G, y + 2.0),
            Align2::LEFT_TOP,
            format!("Integrated {i:.1}"),
            theme::TEXT,
        );
    }
    widgets::legend(
        &painter,
        pos2(rect.left() + 2.0 * G, rect.bottom() - 4.0 * G),
        &[
            ("Short-term", theme::POST),
            ("Momentary", theme::PRE.gamma_multiply(1.6)),
        ],
    );
    widgets::frame(&painter, rect);
}

fn platform_table(
    ui: &mut Ui,
    p: &LacquerParams,
    rect: Rect,
    integrated: Option<f32>,
    max_tp: Option<f32>,
) {
    // Column left edges as fractions would squeeze the numbers; fixed widths, the note takes
    // what is left.
    let widths = [34.0 * G, 19.0 * G, 18.0 * G, 17.0 * G, 0.0, 26.0 * G];
    let note_w = rect.width() - widths.iter().sum::<f32>();
    let widths = [
        widths[0], widths[1], widths[2], widths[3], note_w, widths[5],
    ];
    let selected = p.target.value() as usize;
    let painter = ui.painter_at(rect);
    let cell = |ui: &mut Ui, r: Rect, text: String, colour: Color32, mono: bool, right: bool| {
        in_rect(ui, r.shrink2(vec2(G, 0.0)), |ui| {
            let layout = if right {
                egui::Layout::right_to_left(egui::Align::Center)
            } else {
                egui::Layout::left_to_right(egui::Align::Center)
            };
            ui.with_layout(layout, |ui| {
                let font = if mono {
                    theme::mono(theme::SMALL)
                } else {
                    theme::small()
                };
                ui.add(egui::Label::new(RichText::new(text).font(font).color(colour)).truncate())
            })
            .inner
        })
    };
    let heads = ["Platform", "Target", "Ceiling", "Playback", "", "True peak"];
    let mut x = rect.left();
    let head_row = Rect::from_min_size(rect.min, vec2(rect.width(), ROW));
    painter.line_segment(
        [head_row.left_bottom(), head_row.right_bottom()],
        Stroke::new(1.0, theme::LINE),
    );
    for (k, h) in heads.iter().enumerate() {
        let r = Rect::from_min_size(pos2(x, rect.top()), vec2(widths[k], ROW));
        if !h.is_empty() {
            cell(
                ui,
                r,
                h.to_string(),
                theme::TEXT_DIM,
                false,
                k > 0 && k != 4,
            );
        }
        x += widths[k];
    }
    for (row, t) in TARGETS.iter().enumerate() {
        let y = rect.top() + ROW * (row + 1) as f32 + G;
        let band = Rect::from_min_size(pos2(rect.left(), y), vec2(rect.width(), ROW));
        if selected == row + 1 {
            painter.rect_filled(band, 2.0, theme::ACCENT.gamma_multiply(0.12));
        } else if row % 2 == 1 {
            painter.rect_filled(band, 0.0, theme::PANEL);
        }
        let tp_over = max_tp.map(|tp| tp - t.ceiling_dbtp as f32);
        let (note_text, note_colour) = note(t, integrated);
        let cells: [(String, Color32, bool, bool); 6] = [
            (
                t.name.to_string(),
                if selected == row + 1 {
                    theme::ACCENT
                } else {
                    theme::TEXT
                },
                false,
                false,
            ),
            (
                t.integrated_lufs
                    .map_or("–".into(), |l| format!("{l:.0} LUFS")),
                theme::TEXT,
                true,
                true,
            ),
            (
                format!("{:.1} dBTP", t.ceiling_dbtp),
                theme::TEXT,
                true,
                true,
            ),
            (playback_text(t, integrated), theme::TEXT, true, true),
            (note_text, note_colour, false, false),
            match tp_over {
                Some(over) if over > 0.05 => {
                    (format!("{over:.1} dB over"), theme::OVER, true, true)
                }
                Some(_) => ("ok".into(), theme::GOOD, false, true),
                None => ("–".into(), theme::TEXT_DIM, false, true),
            },
        ];
        let mut x = rect.left();
        for (k, (text, colour, mono, right)) in cells.into_iter().enumerate() {
            let r = Rect::from_min_size(pos2(x, y), vec2(widths[k], ROW));
            if !text.is_empty() {
                let r = if k == 4 {
                    r.with_min_x(r.left() + 2.0 * G)
                } else {
                    r
                };
                let response = cell(ui, r, text, colour, mono, right);
                if k == 0 {
                    response.on_hover_text(t.source);
                }
            }
            x += widths[k];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editor::test_host::{assert_tidy, harness, in_panel, small};
    use crate::editor::Panel;
    use egui_kittest::kittest::Queryable;

    fn master(integrated: f32, max_tp: f32) -> impl FnOnce(&mut crate::editor::EditorApp) {
        move |app| {
            app.meters.output.integrated_lufs.store(integrated, Relaxed);
            app.meters.output.max_true_peak_dbtp.store(max_tp, Relaxed);
        }
    }

    type H = egui_kittest::Harness<'static, crate::editor::EditorApp>;

    /// How many of the panel's nodes are named `label`.
    fn count(h: &H, label: &str) -> usize {
        in_panel(h, label).len()
    }

    /// Vertical centre of the panel's node named `label` (the first, if several).
    fn row_y(h: &H, label: &str) -> f32 {
        in_panel(h, label)
            .first()
            .unwrap_or_else(|| panic!("no {label:?} in the panel"))
            .center()
            .y
    }

    #[test]
    fn a_loud_master_is_turned_down_by_each_platform() {
        let (h, _) = harness(Panel::Loudness, master(-9.0, -0.5));
        // Spotify, YouTube, Amazon Music and Tidal play at -14 LUFS: 5 dB down.
        let down5: Vec<f32> = in_panel(&h, "-5.0 dB")
            .iter()
            .map(|r| r.center().y)
            .collect();
        assert_eq!(down5.len(), 4, "{down5:?}");
        for name in ["Spotify", "YouTube", "Amazon Music", "Tidal"] {
            let y = row_y(&h, name);
            assert!(
                down5.iter().any(|d| (d - y).abs() < 1.0),
                "{name} row at {y} has no -5.0 dB: {down5:?}"
            );
        }
        // Apple Music at -16 and Deezer at -15, on their own rows.
        assert_eq!(count(&h, "-7.0 dB"), 1);
        assert!((row_y(&h, "-7.0 dB") - row_y(&h, "Apple Music")).abs() < 1.0);
        assert_eq!(count(&h, "-6.0 dB"), 1);
        assert!((row_y(&h, "-6.0 dB") - row_y(&h, "Deezer")).abs() < 1.0);
        // Max true peak -0.5 dBTP: 0.5 dB over the -1 dBTP ceilings (7 platforms), 1.5 dB over
        // the -2 dBTP ones (Amazon, ATSC), within CD's -0.3.
        assert_eq!(count(&h, "0.5 dB over"), 7);
        let amazon = row_y(&h, "1.5 dB over");
        assert_eq!(count(&h, "1.5 dB over"), 2);
        assert!((amazon - row_y(&h, "Amazon Music")).abs() < 1.0);
        assert!((row_y(&h, "ok") - row_y(&h, "CD / download")).abs() < 1.0);
        // Broadcast does not normalise: the table says how far off the spec the master is.
        assert_eq!(count(&h, "+14.0 LU off spec"), 1);
        assert!((row_y(&h, "+14.0 LU off spec") - row_y(&h, "Broadcast EBU R128")).abs() < 1.0);
        // The figures: integrated so far and the max true peak.
        assert_eq!(count(&h, "-9.0 LUFS"), 1);
        assert_eq!(count(&h, "-0.5 dBTP"), 1);
    }

    #[test]
    fn a_quiet_master_is_raised_only_where_the_platform_raises() {
        let (h, _) = harness(Panel::Loudness, master(-18.0, -6.0));
        // Spotify and Amazon raise by 4 dB; YouTube and Tidal only turn down.
        assert_eq!(count(&h, "+4.0 dB"), 2);
        assert!((row_y(&h, "+4.0 dB") - row_y(&h, "Spotify")).abs() < 1.0);
        assert_eq!(count(&h, "0.0 dB"), 2);
        assert!((row_y(&h, "0.0 dB") - row_y(&h, "YouTube")).abs() < 1.0);
        assert_eq!(count(&h, "ok"), TARGETS.len());
        assert!(h.query_by_label_contains("dB over").is_none());
    }

    #[test]
    fn nothing_measured_shows_no_gain() {
        let (h, _) = harness(
            Panel::Loudness,
            master(f32::NEG_INFINITY, f32::NEG_INFINITY),
        );
        assert!(h.query_by_label_contains(" dB over").is_none());
        assert_eq!(count(&h, "-5.0 dB"), 0);
        assert_eq!(count(&h, "– LUFS"), 1);
    }

    #[test]
    fn reset_asks_the_audio_thread_to_start_again() {
        let (h, _) = harness(Panel::Loudness, master(-9.0, -0.5));
        let meters = h.state().meters.clone();
        assert!(!meters.commands.reset_loudness.load(Relaxed));
        h.get_by_label("Reset").click();
        let mut h = h;
        h.run();
        assert!(meters.commands.reset_loudness.load(Relaxed));
    }

    #[test]
    fn loudness_fits_the_smallest_panel() {
        let (h, _) = small(Panel::Loudness, master(-9.0, -0.5));
        assert_tidy(&h);
    }

    #[test]
    fn playback_text_follows_the_targets() {
        let spotify = &TARGETS[0];
        assert_eq!(playback_text(spotify, Some(-9.0)), "-5.0 dB");
        assert_eq!(playback_text(spotify, Some(-14.02)), "0.0 dB");
        assert_eq!(playback_text(spotify, None), "–");
        let cd = TARGETS.iter().find(|t| t.id == "cd").unwrap();
        assert_eq!(playback_text(cd, Some(-9.0)), "–");
    }
}
