//! Reference tracks: eight slots of finished masters to A/B against, and the comparison.
//!
//! "Slots": the slot list (status, loudness, load progress), the selected slot's file (a path
//! typed or pasted; Load, Relink, Clear), its waveform with the loop region (drag across it
//! to set the region, double-click for the whole file) and where it plays, the follow-host
//! offset with automatic alignment, and its measured figures.
//! "Compare": the long-term average spectra of master and reference (mid or side), the
//! reference level-matched to the master, with their difference below; the figures side by
//! side.
//!
//! The A/B switch is a host parameter (automatable); the backquote key toggles it anywhere in
//! the editor, and the strip's Reference chip shows and switches it.

use super::{title, PanelCx};
use crate::editor::analysis::Analysis;
use crate::editor::controls::{self, Ctl};
use crate::editor::widgets::FreqPlot;
use crate::editor::{in_rect, theme};
use crate::meters::SharedMeters;
use crate::reference::compare::{Stats, WIDTH_BANDS};
use crate::reference::{SlotSettings, SlotState, SlotView, SLOTS};
use egui::{pos2, vec2, Align2, Color32, FontId, Rect, RichText, Sense, Stroke, Ui};
use lacquer_dsp::eq::matching::{bank_response_db, MATCH_HI_HZ, MATCH_LO_HZ, MAX_MATCH_BANDS};
use lacquer_session::params::LacquerParams;
use nice_plug::prelude::Param;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

const G: f32 = theme::GRID;
const ROW: f32 = 6.5 * G;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum View {
    #[default]
    Slots,
    Compare,
}

/// What the panel keeps between frames.
pub struct ReferenceState {
    pub view: View,
    /// The file field (follows the selected slot until edited).
    pub path_text: String,
    shown_slot: Option<usize>,
    shown_path: String,
    /// Loop region being dragged: (anchor, now), seconds.
    pub dragging: Option<(f64, f64)>,
    /// Compare the side spectra instead of the mid.
    pub side: bool,
    /// Where things were drawn last frame (for tests and scripts).
    pub list_top: egui::Pos2,
    pub wave_rect: Rect,
    pub table_bottom: f32,
    pub match_bottom: f32,
}

impl Default for ReferenceState {
    fn default() -> Self {
        Self {
            view: View::default(),
            path_text: String::new(),
            shown_slot: None,
            shown_path: String::new(),
            dragging: None,
            side: false,
            list_top: egui::Pos2::ZERO,
            wave_rect: Rect::NOTHING,
            table_bottom: 0.0,
            match_bottom: 0.0,
        }
    }
}

/// Keys that work whatever panel is open: backquote switches master / reference.
pub fn handle_keys(ui: &Ui, ctl: &mut Ctl, p: &LacquerParams) {
    if ui.ctx().egui_wants_keyboard_input() {
        return;
    }
    // Some window back-ends deliver the key only as text.
    let pressed = ui.input(|i| {
        (i.key_pressed(egui::Key::Backtick) && !i.modifiers.any())
            || i.events
                .iter()
                .any(|e| matches!(e, egui::Event::Text(t) if t == "`"))
    });
    if pressed {
        let on = ctl.value(p.refs.listen.as_ptr()) >= 0.5;
        ctl.set(p.refs.listen.as_ptr(), if on { 0.0 } else { 1.0 });
    }
}

fn state_colour(s: SlotState) -> Color32 {
    match s {
        SlotState::Empty => theme::LINE,
        SlotState::Loading => theme::ACCENT,
        SlotState::Ready => theme::GOOD,
        SlotState::Missing => theme::WARN,
        SlotState::Failed => theme::OVER,
    }
}

fn minutes(s: f64) -> String {
    if !s.is_finite() {
        return "-".into();
    }
    let sign = if s < 0.0 { "-" } else { "" };
    let s = s.abs();
    format!("{sign}{}:{:04.1}", (s / 60.0).floor() as u64, s % 60.0)
}

fn number(v: Option<f64>, unit: &str, decimals: usize) -> String {
    match v.filter(|v| v.is_finite()) {
        Some(v) => format!("{v:.decimals$}{unit}"),
        None => "-".into(),
    }
}

/// `text` cut (with "...") to fit `width` points.
fn fit(ui: &Ui, text: &str, font: &FontId, width: f32) -> String {
    let measure = |t: &str| {
        ui.painter()
            .layout_no_wrap(t.to_string(), font.clone(), Color32::WHITE)
            .size()
            .x
    };
    if measure(text) <= width {
        return text.to_string();
    }
    let chars: Vec<char> = text.chars().collect();
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let t: String = chars[..mid].iter().collect::<String>() + "...";
        if measure(&t) <= width {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    chars[..lo].iter().collect::<String>() + "..."
}

pub fn draw(ui: &mut Ui, cx: PanelCx, state: &mut ReferenceState) {
    let PanelCx { ctl, p, meters, .. } = cx;
    let area = ui.available_rect_before_wrap();
    let header = Rect::from_min_size(area.min, vec2(area.width(), 8.0 * G));
    let controls_row = Rect::from_min_size(
        pos2(area.left(), header.bottom() + G),
        vec2(area.width(), 8.0 * G),
    );
    let body = Rect::from_min_max(pos2(area.left(), controls_row.bottom() + 2.0 * G), area.max);
    let store = &p.refs.references;
    let settings = store.settings();
    let sel = (p.refs.slot.unmodulated_plain_value() - 1).clamp(0, SLOTS as i32 - 1) as usize;
    let slot = settings.slots.get(sel).cloned().unwrap_or_default();
    if state.shown_slot != Some(sel) || state.shown_path != slot.path {
        state.shown_slot = Some(sel);
        state.shown_path = slot.path.clone();
        state.path_text = slot.path.clone();
    }

    in_rect(ui, header, |ui| {
        ui.horizontal(|ui| {
            title(ui, "Reference");
            ui.label(
                RichText::new("A/B against finished masters ( ` switches)")
                    .font(theme::small())
                    .color(theme::TEXT_DIM),
            );
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                for (v, name) in [(View::Compare, "Compare"), (View::Slots, "Slots")] {
                    if ui.selectable_label(state.view == v, name).clicked() {
                        state.view = v;
                    }
                }
            });
        });
    });
    in_rect(ui, controls_row, |ui| {
        ui.horizontal(|ui| {
            ui.spacing_mut().item_spacing.x = 2.0 * G;
            let listening = p.refs.listen.unmodulated_plain_value();
            let label = match (listening, slot.state == SlotState::Ready) {
                (false, _) => "Hearing master",
                (true, true) => "Hearing reference",
                // The master keeps playing until the selected slot has audio.
                (true, false) => "Reference (none loaded)",
            };
            controls::toggle(ui, ctl, &p.refs.listen, label);
            controls::choice(ui, ctl, &p.refs.mode, "Position");
            controls::choice(ui, ctl, &p.refs.level, "Level match");
            controls::toggle(ui, ctl, &p.refs.true_level, "True level");
            let gain = store.applied_gain_db.load(Relaxed);
            let text = if gain.is_finite() {
                format!("gain {gain:+.1} dB")
            } else {
                "gain -".into()
            };
            ui.label(RichText::new(text).font(theme::mono(theme::BODY)).color(
                if p.refs.true_level.unmodulated_plain_value() {
                    theme::TEXT_DIM
                } else {
                    theme::TEXT
                },
            ))
            .on_hover_text("Level-match gain applied to the selected reference");
        });
    });

    match state.view {
        View::Slots => slots_view(ui, ctl, p, body, sel, &settings.slots, state),
        View::Compare => compare_view(ui, ctl, p, meters, body, sel, &slot, state),
    }
}

#[allow(clippy::too_many_arguments)]
fn slots_view(
    ui: &mut Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    body: Rect,
    sel: usize,
    slots: &[SlotSettings],
    state: &mut ReferenceState,
) {
    let store = &p.refs.references;
    let list_w = (body.width() * 0.42).clamp(240.0, 360.0);
    let list = Rect::from_min_size(body.min, vec2(list_w, ROW * SLOTS as f32));
    state.list_top = list.min;
    let font = FontId::proportional(theme::BODY);
    for (i, s) in slots.iter().enumerate().take(SLOTS) {
        let r = Rect::from_min_size(
            pos2(list.left(), list.top() + i as f32 * ROW),
            vec2(list_w, ROW - G),
        );
        let response = ui.interact(r, ui.scope_id().with(("ref-slot", i)), Sense::click());
        let painter = ui.painter();
        let fill = if i == sel {
            theme::RAISED
        } else if response.hovered() {
            Color32::from_rgb(0x24, 0x28, 0x2f)
        } else {
            theme::PANEL
        };
        painter.rect_filled(r, 3.0, fill);
        if i == sel {
            painter.rect_stroke(
                r,
                3.0,
                Stroke::new(1.0, theme::ACCENT),
                egui::StrokeKind::Inside,
            );
        }
        painter.text(
            pos2(r.left() + 2.0 * G, r.center().y),
            Align2::LEFT_CENTER,
            format!("{}", i + 1),
            theme::mono(theme::BODY),
            theme::TEXT_DIM,
        );
        painter.circle_filled(
            pos2(r.left() + 7.0 * G, r.center().y),
            4.0,
            state_colour(s.state),
        );
        let right = match s.state {
            SlotState::Ready => number(
                s.measured.as_ref().and_then(|m| m.integrated_lufs),
                " LUFS",
                1,
            ),
            SlotState::Loading => format!(
                "{:.0} %",
                100.0 * store.progress[i].load(Relaxed).clamp(0.0, 1.0)
            ),
            SlotState::Missing => "missing".into(),
            SlotState::Failed => "cannot use".into(),
            SlotState::Empty => String::new(),
        };
        let right_w = 20.0 * G;
        painter.text(
            pos2(r.right() - 2.0 * G, r.center().y),
            Align2::RIGHT_CENTER,
            &right,
            theme::mono(theme::SMALL),
            if s.state == SlotState::Ready {
                theme::TEXT_DIM
            } else {
                state_colour(s.state)
            },
        );
        let name = if s.path.trim().is_empty() {
            "empty".to_string()
        } else {
            s.file_name().to_string()
        };
        let name_w = r.width() - 9.0 * G - right_w;
        let shown = fit(ui, &name, &font, name_w);
        ui.painter().text(
            pos2(r.left() + 9.0 * G, r.center().y),
            Align2::LEFT_CENTER,
            shown,
            font.clone(),
            if s.path.trim().is_empty() {
                theme::TEXT_DIM
            } else {
                theme::TEXT
            },
        );
        if s.state == SlotState::Loading {
            let f = store.progress[i].load(Relaxed).clamp(0.0, 1.0);
            let bar =
                Rect::from_min_size(pos2(r.left(), r.bottom() - 2.0), vec2(r.width() * f, 2.0));
            ui.painter().rect_filled(bar, 0.0, theme::ACCENT);
        }
        let hover = if s.message.is_empty() {
            name.clone()
        } else {
            format!("{}\n{}", s.path, s.message)
        };
        if response.on_hover_text(hover).clicked() && i != sel {
            ctl.set_plain(p.refs.slot.as_ptr(), (i + 1) as f32);
        }
    }

    // The selected slot's file.
    let slot = slots.get(sel).cloned().unwrap_or_default();
    let file_area = Rect::from_min_max(
        pos2(list.left(), list.bottom() + 2.0 * G),
        pos2(list.right(), body.bottom()),
    );
    in_rect(ui, file_area, |ui| {
        ui.spacing_mut().item_spacing = vec2(G, G);
        ui.add(
            egui::TextEdit::singleline(&mut state.path_text)
                .hint_text("path of a WAV, AIFF, FLAC, MP3, M4A or Ogg file")
                .desired_width(list_w),
        );
        ui.horizontal(|ui| {
            let typed = state.path_text.trim().to_string();
            if ui
                .add_enabled(!typed.is_empty(), egui::Button::new("Load"))
                .on_hover_text("Load this file into the slot")
                .clicked()
            {
                store.load_path(sel, &typed);
            }
            if ui
                .add_enabled(!slot.path.is_empty(), egui::Button::new("Relink"))
                .on_hover_text(
                    "Load the slot's file again (or the path above), keeping its settings",
                )
                .clicked()
            {
                let path = if typed.is_empty() {
                    slot.path.clone()
                } else {
                    typed
                };
                relink(store, sel, &path);
            }
            if ui
                .add_enabled(!slot.path.is_empty(), egui::Button::new("Clear"))
                .clicked()
            {
                store.clear(sel);
                state.path_text.clear();
            }
        });
        if !slot.message.is_empty() {
            ui.label(
                RichText::new(&slot.message)
                    .font(theme::small())
                    .color(match slot.state {
                        SlotState::Missing => theme::WARN,
                        SlotState::Failed => theme::OVER,
                        SlotState::Loading => theme::ACCENT,
                        _ => theme::TEXT_DIM,
                    }),
            );
        }
    });

    let detail = Rect::from_min_max(pos2(list.right() + 4.0 * G, body.top()), body.max);
    slot_detail(ui, p, detail, sel, &slot, state);
}

/// Load the slot's file again, keeping offset, alignment and loop region (a moved file found
/// again, or one re-rendered on purpose).
fn relink(store: &crate::reference::ReferenceStore, i: usize, path: &str) {
    store.edit(|s| {
        if let Some(slot) = s.slots.get_mut(i) {
            slot.path = path.trim().to_string();
            slot.fingerprint = None;
            slot.reload = slot.reload.wrapping_add(1);
            slot.state = SlotState::Loading;
            slot.message = "loading".into();
        }
    });
}

fn slot_detail(
    ui: &mut Ui,
    p: &LacquerParams,
    area: Rect,
    sel: usize,
    slot: &SlotSettings,
    state: &mut ReferenceState,
) {
    let store = &p.refs.references;
    let view = store.view(sel);
    let name_row = Rect::from_min_size(area.min, vec2(area.width(), 5.0 * G));
    in_rect(ui, name_row, |ui| {
        let name = if slot.path.is_empty() {
            format!("Slot {} is empty", sel + 1)
        } else {
            format!("{}  {}", sel + 1, slot.file_name())
        };
        let shown = fit(
            ui,
            &name,
            &FontId::proportional(theme::HEADING),
            area.width(),
        );
        ui.label(RichText::new(shown).font(FontId::proportional(theme::HEADING)));
    });
    let wave_h = (area.height() * 0.42).clamp(60.0, 180.0);
    let wave = Rect::from_min_size(
        pos2(area.left(), name_row.bottom() + G),
        vec2(area.width(), wave_h),
    );
    state.wave_rect = wave;
    waveform(ui, p, wave, sel, slot, view.as_deref(), state);

    let rows = Rect::from_min_max(pos2(area.left(), wave.bottom() + 2.0 * G), area.max);
    in_rect(ui, rows, |ui| {
        ui.spacing_mut().item_spacing = vec2(2.0 * G, G);
        ui.horizontal(|ui| {
            ui.label(
                RichText::new("Offset")
                    .font(theme::small())
                    .color(theme::TEXT_DIM),
            );
            let mut offset = slot.offset_s;
            let r = ui
                .add(
                    egui::DragValue::new(&mut offset)
                        .speed(0.001)
                        .range(-3600.0..=3600.0)
                        .fixed_decimals(3)
                        .suffix(" s"),
                )
                .on_hover_text(
                    "Follow host: the reference plays at the song position plus this offset",
                );
            if r.changed() {
                store.edit(|s| {
                    s.slots[sel].offset_s = offset;
                    s.slots[sel].alignment = None;
                });
            }
            if ui
                .add_enabled(view.is_some(), egui::Button::new("Align"))
                .on_hover_text(
                    "Find the offset by cross-correlation: play 10 s of the song; for \
                     references that are earlier versions of this mix",
                )
                .clicked()
            {
                store.request_align(sel);
            }
            if let Some(a) = slot.alignment {
                ui.label(
                    RichText::new(format!("aligned, match {:.0} %", a * 100.0))
                        .font(theme::small())
                        .color(theme::TEXT_DIM),
                );
            }
        });
        ui.horizontal(|ui| {
            ui.label(
                RichText::new("Loop")
                    .font(theme::small())
                    .color(theme::TEXT_DIM),
            );
            let whole = slot.loop_end_s <= slot.loop_start_s;
            let text = if whole {
                "whole file".to_string()
            } else {
                format!(
                    "{} - {}",
                    minutes(slot.loop_start_s),
                    minutes(slot.loop_end_s)
                )
            };
            ui.label(RichText::new(text).font(theme::mono(theme::BODY)));
            if ui
                .add_enabled(!whole, egui::Button::new("Whole file"))
                .clicked()
            {
                store.edit(|s| {
                    s.slots[sel].loop_start_s = 0.0;
                    s.slots[sel].loop_end_s = 0.0;
                });
            }
        });
        let mut in_match = slot.in_match;
        if ui
            .checkbox(&mut in_match, "Match EQ learns from this slot")
            .on_hover_text(
                "Mark several slots to match their average; none marked: the selected slot",
            )
            .changed()
        {
            store.edit(|s| s.slots[sel].in_match = in_match);
        }
        let m = slot.measured.clone().unwrap_or_default();
        let figures = [
            ("Integrated", number(m.integrated_lufs, " LUFS", 1)),
            ("LRA", number(m.loudness_range_lu, " LU", 1)),
            ("True peak", number(m.true_peak_dbtp, " dBTP", 1)),
            (
                "PLR",
                number(
                    m.true_peak_dbtp
                        .zip(m.integrated_lufs)
                        .map(|(tp, i)| tp - i),
                    " dB",
                    1,
                ),
            ),
            (
                "Length",
                if m.seconds > 0.0 {
                    minutes(m.seconds)
                } else {
                    "-".into()
                },
            ),
        ];
        egui::Grid::new(("ref-figures", sel))
            .num_columns(2)
            .spacing(vec2(4.0 * G, G / 2.0))
            .show(ui, |ui| {
                for (label, value) in figures {
                    ui.label(
                        RichText::new(label)
                            .font(theme::small())
                            .color(theme::TEXT_DIM),
                    );
                    ui.label(RichText::new(value).font(theme::mono(theme::BODY)));
                    ui.end_row();
                }
            });
    });
}

/// Seconds at `x` on a waveform drawn in `rect` for `seconds` of audio.
fn seconds_at(rect: Rect, seconds: f64, x: f32) -> f64 {
    (((x - rect.left()) / rect.width()).clamp(0.0, 1.0) as f64) * seconds
}

fn waveform(
    ui: &mut Ui,
    p: &LacquerParams,
    rect: Rect,
    sel: usize,
    slot: &SlotSettings,
    view: Option<&SlotView>,
    state: &mut ReferenceState,
) {
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 3.0, theme::PANEL);
    let Some(view) = view.filter(|v| v.seconds > 0.0) else {
        painter.text(
            rect.center(),
            Align2::CENTER_CENTER,
            match slot.state {
                SlotState::Loading => "loading...",
                SlotState::Empty => "load a file to see it here",
                _ => "no audio",
            },
            theme::small(),
            theme::TEXT_DIM,
        );
        return;
    };
    let seconds = view.seconds;
    let response = ui
        .interact(
            rect,
            ui.scope_id().with(("ref-wave", sel)),
            Sense::click_and_drag(),
        )
        .on_hover_text("Drag across to loop a region; double-click for the whole file");
    let x_of = |s: f64| rect.left() + (s / seconds) as f32 * rect.width();

    // The region: the one being dragged, else the saved one.
    if response.drag_started() {
        // From where the button went down, not where the drag was recognised.
        let origin = ui.input(|i| i.pointer.press_origin());
        if let Some(pos) = origin.or(response.interact_pointer_pos()) {
            let s = seconds_at(rect, seconds, pos.x);
            state.dragging = Some((s, s));
        }
    }
    if response.dragged() {
        if let (Some((a, _)), Some(pos)) = (state.dragging, response.interact_pointer_pos()) {
            state.dragging = Some((a, seconds_at(rect, seconds, pos.x)));
        }
    }
    if response.drag_stopped() {
        if let Some((a, b)) = state.dragging.take() {
            let (lo, hi) = (a.min(b), a.max(b));
            p.refs.references.edit(|s| {
                s.slots[sel].loop_start_s = lo;
                s.slots[sel].loop_end_s = hi;
            });
        }
    }
    if response.double_clicked() {
        p.refs.references.edit(|s| {
            s.slots[sel].loop_start_s = 0.0;
            s.slots[sel].loop_end_s = 0.0;
        });
    }
    let region = match state.dragging {
        Some((a, b)) => Some((a.min(b), a.max(b))),
        None if slot.loop_end_s > slot.loop_start_s => Some((slot.loop_start_s, slot.loop_end_s)),
        None => None,
    };
    if let Some((a, b)) = region {
        let r = Rect::from_x_y_ranges(x_of(a)..=x_of(b), rect.y_range());
        painter.rect_filled(r, 0.0, theme::ACCENT_DIM.gamma_multiply(0.5));
    }

    // Peaks per column (the overview holds one peak per 1024 frames).
    let blocks = view.overview.len();
    let columns = rect.width().max(1.0) as usize;
    let mid = rect.center().y;
    let half = rect.height() * 0.46;
    for c in 0..columns {
        let a = c * blocks / columns;
        let b = ((c + 1) * blocks / columns).max(a + 1).min(blocks);
        let peak = view.overview[a.min(blocks.saturating_sub(1))..b]
            .iter()
            .fold(0.0f32, |m, &v| m.max(v))
            .min(1.0);
        if peak <= 0.0 {
            continue;
        }
        let x = rect.left() + c as f32 + 0.5;
        let inside = region.is_some_and(|(a, b)| {
            let s = seconds_at(rect, seconds, x);
            s >= a && s <= b
        });
        painter.line_segment(
            [pos2(x, mid - peak * half), pos2(x, mid + peak * half)],
            Stroke::new(1.0, if inside { theme::ACCENT } else { theme::POST }),
        );
    }
    let playhead = p.refs.references.playhead_s.load(Relaxed) as f64;
    if playhead.is_finite() && (0.0..=seconds).contains(&playhead) {
        let x = x_of(playhead);
        painter.line_segment(
            [pos2(x, rect.top()), pos2(x, rect.bottom())],
            Stroke::new(1.0, theme::TEXT),
        );
    }
    painter.text(
        rect.right_bottom() + vec2(-G, -G),
        Align2::RIGHT_BOTTOM,
        minutes(seconds),
        theme::small(),
        theme::TEXT_DIM,
    );
}

#[allow(clippy::too_many_arguments)]
fn compare_view(
    ui: &mut Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    meters: &SharedMeters,
    body: Rect,
    sel: usize,
    slot: &SlotSettings,
    state: &mut ReferenceState,
) {
    let store = &p.refs.references;
    let master: Option<Arc<Stats>> = store.master_stats();
    let view = store.view(sel);
    let table_w = (body.width() * 0.36).clamp(220.0, 300.0);
    let plots = Rect::from_min_max(
        body.min,
        pos2(body.right() - table_w - 3.0 * G, body.bottom()),
    );
    let table = Rect::from_min_max(pos2(plots.right() + 3.0 * G, body.top()), body.max);

    let master_lufs = meters.output.integrated_lufs.load(Relaxed) as f64;
    let ref_lufs = slot.measured.as_ref().and_then(|m| m.integrated_lufs);
    // The reference as it plays level-matched: moved by the integrated loudness difference.
    let shift = match ref_lufs {
        Some(r) if master_lufs.is_finite() && master_lufs > -70.0 => (master_lufs - r) as f32,
        _ => 0.0,
    };

    let bar = Rect::from_min_size(plots.min, vec2(plots.width(), 6.0 * G));
    in_rect(ui, bar, |ui| {
        ui.horizontal(|ui| {
            if ui.selectable_label(!state.side, "Mid").clicked() {
                state.side = false;
            }
            if ui.selectable_label(state.side, "Side").clicked() {
                state.side = true;
            }
            if ui
                .button("Reset master")
                .on_hover_text("Restart the master's long-term analysis")
                .clicked()
            {
                store.master_reset.store(true, Relaxed);
                store.wake_loader();
            }
            let note = if shift != 0.0 {
                format!("reference level-matched ({shift:+.1} dB)")
            } else {
                "reference at its own level".into()
            };
            ui.label(
                RichText::new(note)
                    .font(theme::small())
                    .color(theme::TEXT_DIM),
            );
        });
    });
    // Under the plots, the match EQ's controls.
    let match_h = 21.0 * G;
    let match_area = Rect::from_min_max(pos2(plots.left(), plots.bottom() - match_h), plots.max);
    let graphs_bottom = match_area.top() - 2.0 * G;
    let spec_rect = Rect::from_min_max(
        pos2(plots.left(), bar.bottom() + G),
        pos2(
            plots.right(),
            graphs_bottom - (graphs_bottom - bar.bottom()) * 0.3,
        ),
    );
    let diff_rect = Rect::from_min_max(
        pos2(plots.left(), spec_rect.bottom() + 2.0 * G),
        pos2(plots.right(), graphs_bottom),
    );
    state.match_bottom = in_rect(ui, match_area, |ui| match_controls(ui, ctl, p));

    let pick = |s: &Stats| {
        if state.side {
            s.side_db.clone()
        } else {
            s.mid_db.clone()
        }
    };
    let master_curve = master.as_deref().map(pick);
    let ref_curve: Option<Vec<f32>> = view
        .as_deref()
        .map(|v| pick(&v.stats).into_iter().map(|d| d + shift).collect());
    let top = master_curve
        .iter()
        .chain(ref_curve.iter())
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .fold(f32::NEG_INFINITY, f32::max);
    let db_max = if top.is_finite() {
        (top / 6.0).ceil() * 6.0 + 6.0
    } else {
        0.0
    };
    let plot = FreqPlot {
        rect: spec_rect,
        db_min: db_max - 72.0,
        db_max,
    };
    let painter = ui.painter_at(spec_rect);
    plot.grid(&painter, 12.0);
    if let Some(c) = &master_curve {
        crate::editor::widgets::spectrum(
            &painter,
            &plot,
            c,
            plot.db_min,
            plot.db_max,
            theme::POST,
            true,
        );
    }
    if let Some(c) = &ref_curve {
        crate::editor::widgets::spectrum(
            &painter,
            &plot,
            c,
            plot.db_min,
            plot.db_max,
            theme::ACCENT,
            false,
        );
    }
    let legend = [("Master", theme::POST), ("Reference", theme::ACCENT)];
    for (k, (name, colour)) in legend.iter().enumerate() {
        painter.text(
            spec_rect.left_top() + vec2(2.0 * G, 2.0 * G + k as f32 * 4.0 * G),
            Align2::LEFT_TOP,
            *name,
            theme::small(),
            *colour,
        );
    }
    if master_curve.is_none() || ref_curve.is_none() {
        painter.text(
            spec_rect.center_top() + vec2(0.0, 2.0 * G),
            Align2::CENTER_TOP,
            if ref_curve.is_none() {
                "load a reference into the selected slot"
            } else {
                "play the master to measure it"
            },
            theme::small(),
            theme::TEXT_DIM,
        );
    }

    // Difference: reference (level-matched) minus master, +-12 dB.
    let diff = FreqPlot {
        rect: diff_rect,
        db_min: -12.0,
        db_max: 12.0,
    };
    let dp = ui.painter_at(diff_rect);
    diff.grid(&dp, 6.0);
    dp.text(
        diff_rect.left_top() + vec2(2.0 * G, G),
        Align2::LEFT_TOP,
        "reference - master",
        theme::small(),
        theme::TEXT_DIM,
    );
    // What the match EQ does now (at its amounts), on the same scale.
    let applied = store.match_params(
        p.refs.match_amount.unmodulated_plain_value() as f64,
        p.refs.width_amount.unmodulated_plain_value() as f64,
    );
    if applied.amount > 0.0 || applied.width_amount > 0.0 {
        let lane = usize::from(state.side);
        let gains: Vec<f32> = (0..MAX_MATCH_BANDS)
            .map(|k| applied.applied_db(k)[lane] as f32)
            .collect();
        let rate = meters.sample_rate.load(Relaxed).max(8_000.0) as f64;
        let pts: Vec<egui::Pos2> = (0..120)
            .map(|i| {
                let f = MATCH_LO_HZ * (MATCH_HI_HZ / MATCH_LO_HZ).powf(i as f64 / 119.0);
                let db = bank_response_db(applied.resolution, &gains, f, rate) as f32;
                diff.pos(f, db.clamp(-12.0, 12.0))
            })
            .collect();
        dp.add(egui::Shape::line(pts, Stroke::new(1.5, theme::GOOD)));
        dp.text(
            diff_rect.right_top() + vec2(-8.0 * G, G),
            Align2::RIGHT_TOP,
            "match EQ",
            theme::small(),
            theme::GOOD,
        );
    }
    if let (Some(m), Some(r)) = (&master_curve, &ref_curve) {
        let pts: Vec<egui::Pos2> = (0..m.len().min(r.len()))
            .filter(|&i| m[i].is_finite() && r[i].is_finite())
            .map(|i| diff.pos(Analysis::point_hz(i), (r[i] - m[i]).clamp(-12.0, 12.0)))
            .collect();
        if pts.len() > 1 {
            dp.add(egui::Shape::line(pts, Stroke::new(1.5, theme::WARN)));
        }
    }

    // Figures side by side.
    let out = &meters.output;
    let finite = |v: f32| (v.is_finite() && v > -140.0).then_some(v as f64);
    let m_i = finite(out.integrated_lufs.load(Relaxed)).filter(|&v| v > -70.0);
    let m_tp = finite(out.max_true_peak_dbtp.load(Relaxed));
    let r_m = slot.measured.clone().unwrap_or_default();
    let ms = master.as_deref();
    let rs = view.as_deref().map(|v| &v.stats);
    let stat = |s: Option<&Stats>, f: &dyn Fn(&Stats) -> f32| {
        s.map(f).filter(|v| v.is_finite()).map(|v| v as f64)
    };
    let pct = |v: Option<f64>| number(v.map(|v| v * 100.0), " %", 0);
    let mut rows: Vec<(String, String, String)> = vec![
        (
            "Integrated".into(),
            number(m_i, " LUFS", 1),
            number(r_m.integrated_lufs, " LUFS", 1),
        ),
        (
            "LRA".into(),
            number(
                m_i.and(finite(out.loudness_range_lu.load(Relaxed))),
                " LU",
                1,
            ),
            number(r_m.loudness_range_lu, " LU", 1),
        ),
        (
            "True peak".into(),
            number(m_tp, " dBTP", 1),
            number(r_m.true_peak_dbtp, " dBTP", 1),
        ),
        (
            "PLR".into(),
            number(m_tp.zip(m_i).map(|(t, i)| t - i), " dB", 1),
            number(
                r_m.true_peak_dbtp
                    .zip(r_m.integrated_lufs)
                    .map(|(t, i)| t - i),
                " dB",
                1,
            ),
        ),
        (
            "Crest factor".into(),
            number(stat(ms, &|s| s.crest_db), " dB", 1),
            number(stat(rs, &|s| s.crest_db), " dB", 1),
        ),
        (
            "Correlation".into(),
            number(stat(ms, &|s| s.correlation), "", 2),
            number(stat(rs, &|s| s.correlation), "", 2),
        ),
    ];
    for (k, &(lo, hi)) in WIDTH_BANDS.iter().enumerate() {
        let hz = |f: f64| {
            if f >= 1000.0 {
                format!("{}k", f / 1000.0)
            } else {
                format!("{f}")
            }
        };
        rows.push((
            format!("Side {}-{} Hz", hz(lo), hz(hi)),
            pct(stat(ms, &|s| s.width[k])),
            pct(stat(rs, &|s| s.width[k])),
        ));
    }
    rows.push((
        "Mono < 120 Hz".into(),
        pct(stat(ms, &|s| s.low_end_mono)),
        pct(stat(rs, &|s| s.low_end_mono)),
    ));
    let grid_bottom = in_rect(ui, table, |ui| {
        egui::Grid::new("ref-compare")
            .num_columns(3)
            .spacing(vec2(2.0 * G, G / 2.0))
            .show(ui, |ui| {
                ui.label("");
                ui.label(
                    RichText::new("Master")
                        .font(theme::small())
                        .color(theme::POST),
                );
                ui.label(
                    RichText::new("Reference")
                        .font(theme::small())
                        .color(theme::ACCENT),
                );
                ui.end_row();
                for (label, a, b) in rows {
                    ui.label(
                        RichText::new(label)
                            .font(theme::small())
                            .color(theme::TEXT_DIM),
                    );
                    ui.label(RichText::new(a).font(theme::mono(theme::SMALL)));
                    ui.label(RichText::new(b).font(theme::mono(theme::SMALL)));
                    ui.end_row();
                }
            })
            .response
            .rect
            .bottom()
    });
    state.table_bottom = grid_bottom;
}

/// The match EQ: learn, grid, amounts, and what it learned from.
fn match_controls(ui: &mut Ui, ctl: &mut Ctl, p: &LacquerParams) -> f32 {
    let curve = p.refs.references.match_curve();
    let learning = p.refs.match_learn.unmodulated_plain_value();
    let status = match (&curve, learning) {
        (None, true) => "learning: play the master".to_string(),
        (None, false) => "not learned yet".to_string(),
        (Some(c), l) => format!(
            "{} from {:.0} s of the master against slot {}",
            if l { "learning" } else { "frozen" },
            c.learned_s,
            c.references
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(" + ")
        ),
    };
    ui.horizontal_top(|ui| {
        ui.spacing_mut().item_spacing = vec2(2.0 * G, G);
        ui.vertical(|ui| {
            ui.label(RichText::new("Match EQ").font(FontId::proportional(theme::BODY)));
            controls::toggle(
                ui,
                ctl,
                &p.refs.match_learn,
                if learning { "Learning" } else { "Learn" },
            )
            .on_hover_text("On: the curve follows the master while it plays. Off: frozen");
            controls::choice(ui, ctl, &p.refs.match_resolution, "");
        });
        controls::knob(ui, ctl, &p.refs.match_amount, "Match");
        controls::knob(ui, ctl, &p.refs.width_amount, "Width");
        ui.add(
            egui::Label::new(
                RichText::new(status)
                    .font(theme::small())
                    .color(theme::TEXT_DIM),
            )
            .wrap(),
        );
    });
    ui.min_rect().bottom()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editor::test_host;
    use crate::editor::Panel;
    use egui_kittest::kittest::Queryable;
    use egui_kittest::Harness;

    fn harness(
        app: crate::editor::EditorApp,
        size: egui::Vec2,
    ) -> Harness<'static, crate::editor::EditorApp> {
        test_host::build(test_host::builder(size), app)
    }

    fn click(h: &mut Harness<'static, crate::editor::EditorApp>, at: egui::Pos2) {
        h.hover_at(at);
        h.run();
        h.drag_at(at);
        h.run();
        h.drop_at(at);
        h.run();
    }

    fn ten_seconds() -> SlotView {
        SlotView {
            overview: vec![0.5; 469],
            seconds: 10.0,
            block_seconds: 1024.0 / 48_000.0,
            ..Default::default()
        }
    }

    /// Typing a path and pressing Load points the selected slot at it; clicking another slot
    /// selects it in one host gesture; backquote switches master / reference anywhere.
    #[test]
    fn load_select_and_switch() {
        let (mut app, host) = test_host::editor();
        app.panel = Panel::Reference;
        let params = app.params.clone();
        let mut h = harness(app, egui::vec2(900.0, 580.0));
        h.run();
        h.get_by_role(egui::accesskit::Role::TextInput).focus();
        h.run();
        h.get_by_role(egui::accesskit::Role::TextInput)
            .type_text("/music/reference master.flac");
        h.run();
        h.get_by_label("Load").click();
        h.run();
        let slot = params.refs.references.slot(0);
        assert_eq!(slot.path, "/music/reference master.flac");
        assert_eq!(slot.state, SlotState::Loading);

        // Slot rows are ROW points apart from the top of the list.
        let list_top = h.state().panels.reference.list_top;
        click(&mut h, pos2(list_top.x + 60.0, list_top.y + 3.5 * ROW));
        assert_eq!(params.refs.slot.value(), 4);

        // The key works while the text field does not have the keyboard.
        click(&mut h, pos2(5.0, 5.0));
        h.key_press(egui::Key::Backtick);
        h.run();
        assert!(params.refs.listen.value());
        // As some window back-ends deliver it: text only.
        h.event(egui::Event::Text("`".into()));
        h.run();
        assert!(!params.refs.listen.value());
        assert!(host.gestures_balanced());
    }

    /// Dragging across the waveform from 20 % to 60 % of its width loops 2 s to 6 s of a
    /// 10 s reference (within a pixel's worth); a double-click goes back to the whole file.
    #[test]
    fn dragging_on_the_waveform_sets_the_loop_region() {
        let (mut app, _host) = test_host::editor();
        app.panel = Panel::Reference;
        let params = app.params.clone();
        params
            .refs
            .references
            .edit(|s| s.slots[0].path = "/x/ref.wav".into());
        params.refs.references.views.lock().unwrap()[0] = Some(Arc::new(ten_seconds()));
        let mut h = harness(app, egui::vec2(1040.0, 660.0));
        h.run();
        let wave = h.state().panels.reference.wave_rect;
        assert!(wave.width() > 100.0, "{wave:?}");
        let at = |f: f32| pos2(wave.left() + f * wave.width(), wave.center().y);
        h.drag_at(at(0.2));
        h.run();
        for k in 1..=8 {
            h.hover_at(at(0.2 + 0.05 * k as f32));
            h.run();
        }
        h.drop_at(at(0.6));
        h.run();
        let s = params.refs.references.slot(0);
        let px = 10.0 / wave.width() as f64;
        println!(
            "loop {:.3}-{:.3} s for 2-6 s (a pixel is {px:.3} s)",
            s.loop_start_s, s.loop_end_s
        );
        assert!((s.loop_start_s - 2.0).abs() <= px);
        assert!((s.loop_end_s - 6.0).abs() <= px);
    }

    /// The comparison draws both spectra, the difference and every figure at the smallest
    /// editor size without anything left over (every row is laid out inside the panel).
    #[test]
    fn compare_view_shows_master_and_reference() {
        let (mut app, _host) = test_host::editor();
        app.panel = Panel::Reference;
        app.panels.reference.view = View::Compare;
        let params = app.params.clone();
        let mut stats = Stats::default();
        stats.mid_db = (0..crate::editor::analysis::POINTS)
            .map(|i| -20.0 - 3.0 * (Analysis::point_hz(i) / 100.0).log2() as f32)
            .collect();
        stats.side_db = stats.mid_db.iter().map(|v| v - 10.0).collect();
        stats.crest_db = 12.3;
        stats.correlation = 0.45;
        stats.width = [0.1, 0.2, 0.3, 0.4];
        stats.low_end_mono = 0.97;
        let mut view = ten_seconds();
        view.stats = stats.clone();
        params
            .refs
            .references
            .edit(|s| s.slots[0].path = "/x/ref.wav".into());
        params.refs.references.views.lock().unwrap()[0] = Some(Arc::new(view));
        *params.refs.references.master.lock().unwrap() = Some(Arc::new(stats));
        let mut h = harness(app, egui::vec2(900.0, 580.0));
        h.run();
        let table = h.state().panels.reference.table_bottom;
        let controls = h.state().panels.reference.match_bottom;
        let panel_bottom = 580.0;
        println!(
            "figures end at y = {table:.0}, match controls at {controls:.0}, of {panel_bottom}"
        );
        assert!(table < panel_bottom - 8.0);
        assert!(controls < panel_bottom - 8.0);
    }
}
