//! The selected reference slot in detail: its waveform, loop region and alignment.

use super::*;

pub(super) fn slot_detail(
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
pub(super) fn seconds_at(rect: Rect, seconds: f64, x: f32) -> f64 {
    (((x - rect.left()) / rect.width()).clamp(0.0, 1.0) as f64) * seconds
}

pub(super) fn waveform(
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
