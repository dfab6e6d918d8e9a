//! The reference slots' table: file, state, loudness and the buttons of each slot.

use super::*;

#[allow(clippy::too_many_arguments)]
pub(super) fn slots_view(
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
pub(super) fn relink(store: &crate::reference::ReferenceStore, i: usize, path: &str) {
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
