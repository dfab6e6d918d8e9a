//! The EQ's band chips and the selected band's controls under the plot.

use super::*;

/// A drop-down of fixed width (long names are truncated in the button, full in the list).
pub(super) fn compact_choice<P: Param>(
    ui: &mut Ui,
    ctl: &mut Ctl,
    param: &P,
    width: f32,
) -> Response {
    let steps = param.step_count().unwrap_or(1).max(1);
    let now = param.unmodulated_normalized_value();
    let mut picked = None;
    let r = egui::ComboBox::from_id_salt(("eq-choice", param.name()))
        .width(width)
        .truncate()
        .selected_text(param.normalized_value_to_string(now, true))
        .show_ui(ui, |ui| {
            for s in 0..=steps {
                let n = s as f32 / steps as f32;
                let text = param.normalized_value_to_string(n, true);
                if ui.selectable_label((n - now).abs() < 1e-4, text).clicked() {
                    picked = Some(n);
                }
            }
        })
        .response;
    if let Some(n) = picked {
        ctl.set(param.as_ptr(), n);
    }
    let text = param.normalized_value_to_string(now, true);
    r.on_hover_text(format!("{}: {text}", param.name()))
}

/// Every value of a small stepped parameter as a button, one under the other.
pub(super) fn stacked_choice<P: Param>(ui: &mut Ui, ctl: &mut Ctl, param: &P) {
    let steps = param.step_count().unwrap_or(1).max(1);
    let now = param.unmodulated_normalized_value();
    for s in 0..=steps {
        let n = s as f32 / steps as f32;
        let text =
            egui::RichText::new(param.normalized_value_to_string(n, true)).font(theme::small());
        let r = ui.add(
            egui::Button::selectable((n - now).abs() < 1e-4, text)
                .min_size(vec2(ALIGN_W - 2.0 * theme::GRID, 5.0 * theme::GRID)),
        );
        if r.clicked() {
            ctl.set(param.as_ptr(), n);
        }
    }
}

pub(super) fn dim_label(ui: &mut Ui, text: &str) -> Response {
    ui.label(
        egui::RichText::new(text)
            .font(theme::small())
            .color(theme::TEXT_DIM),
    )
}

/// Band chips (select; double-click: on/off), then the selected band's type and placement.
pub(super) fn band_chips(
    ui: &mut Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    state: &mut EqState,
) -> Rect {
    ui.horizontal_centered(|ui| {
        ui.spacing_mut().item_spacing.x = theme::GRID;
        for i in 0..EQ_BANDS {
            chip(ui, ctl, &p.eq.bands[i], i, state);
        }
        ui.add_space(3.0 * theme::GRID);
        let b = &p.eq.bands[state.selected];
        dim_label(ui, "Type");
        compact_choice(ui, ctl, &b.kind, 22.0 * theme::GRID);
        ui.add_space(theme::GRID);
        dim_label(ui, "Channel");
        compact_choice(ui, ctl, &b.placement, 16.0 * theme::GRID);
    })
    .response
    .rect
}

pub(super) fn chip(
    ui: &mut Ui,
    ctl: &mut Ctl,
    b: &EqBandHostParams,
    i: usize,
    state: &mut EqState,
) {
    let on = b.enabled.unmodulated_plain_value();
    let w = if i == HIGH_PASS_SLOT || i == LOW_PASS_SLOT {
        7.0 * theme::GRID
    } else {
        5.0 * theme::GRID
    };
    let (rect, r) = ui.allocate_exact_size(vec2(w, 5.0 * theme::GRID), Sense::click());
    let colour = theme::BANDS[i];
    let painter = ui.painter();
    let fill = if on { colour } else { theme::RAISED };
    painter.rect_filled(rect, 3.0, fill);
    if i == state.selected {
        painter.rect_stroke(
            rect,
            3.0,
            Stroke::new(1.5, theme::TEXT),
            egui::StrokeKind::Outside,
        );
    } else if r.hovered() {
        painter.rect_stroke(
            rect,
            3.0,
            Stroke::new(1.0, colour),
            egui::StrokeKind::Inside,
        );
    }
    painter.text(
        rect.center(),
        Align2::CENTER_CENTER,
        short_name(i),
        theme::small(),
        if on { Color32::BLACK } else { colour },
    );
    if r.clicked() {
        state.selected = i;
    }
    if r.double_clicked() {
        ctl.set(b.enabled.as_ptr(), if on { 0.0 } else { 1.0 });
    }
    r.on_hover_text(format!(
        "{}: {}\nClick to select, double-click to switch on or off",
        band_name(i),
        if on { "on" } else { "off" }
    ));
}

/// The selected band: name and switches, then frequency/gain/Q (or slope and alignment for
/// high/low-pass), then the dynamic section.
pub(super) fn band_controls(
    ui: &mut Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    meters: &SharedMeters,
    state: &mut EqState,
) -> Rect {
    let i = state.selected;
    let b = &p.eq.bands[i];
    let kind = p.chain_params().eq.bands[i].kind;
    let pass = matches!(kind, BandType::HighPass | BandType::LowPass);
    // The linear-phase EQ is one fixed convolution kernel, redesigned off the audio thread:
    // it cannot follow a gain that moves with the programme, so dynamic bands act only in
    // minimum phase and their controls are off in the linear-phase modes.
    let min_phase = p.eq.mode.value() == HostEqMode::Minimum;
    let dyn_ok = kind.uses_gain() && min_phase;
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = theme::GRID;
        ui.allocate_ui_with_layout(
            vec2(BLOCK_W, KNOBS_H),
            egui::Layout::top_down(egui::Align::Min),
            |ui| {
                ui.spacing_mut().item_spacing.y = 2.0 * theme::GRID;
                ui.add_space(theme::GRID);
                ui.horizontal(|ui| {
                    ui.label(
                        egui::RichText::new(band_name(i))
                            .font(FontId::proportional(theme::HEADING))
                            .color(theme::BANDS[i]),
                    );
                    solo_button(ui, meters, i);
                });
                ui.horizontal(|ui| {
                    ui.spacing_mut().item_spacing.x = theme::GRID;
                    controls::toggle(ui, ctl, &b.enabled, "On");
                    ui.add_enabled_ui(dyn_ok, |ui| {
                        controls::toggle(ui, ctl, &b.dynamic, "Dynamic");
                    })
                    .response
                    .on_disabled_hover_text("Dynamic bands work in minimum phase only");
                });
            },
        );
        ui.separator();
        let r = controls::knob(ui, ctl, &b.freq, "Frequency");
        state.geometry.freq_knob = r.rect;
        if pass {
            controls::knob(ui, ctl, &b.slope, "Slope");
            ui.allocate_ui_with_layout(
                vec2(ALIGN_W, KNOBS_H),
                egui::Layout::top_down(egui::Align::Center),
                |ui| {
                    ui.spacing_mut().item_spacing.y = theme::GRID;
                    dim_label(ui, "Alignment");
                    stacked_choice(ui, ctl, &b.pass_kind);
                },
            );
            state.geometry.gain_knob = Rect::NOTHING;
            state.geometry.q_knob = Rect::NOTHING;
        } else {
            let r = ui
                .add_enabled_ui(kind.uses_gain(), |ui| {
                    controls::knob(ui, ctl, &b.gain, "Gain")
                })
                .inner;
            state.geometry.gain_knob = r.rect;
            let r = ui
                .add_enabled_ui(kind.uses_q(), |ui| controls::knob(ui, ctl, &b.q, "Q"))
                .inner;
            state.geometry.q_knob = r.rect;
        }
        ui.separator();
        let dynamic = dyn_ok && b.dynamic.unmodulated_plain_value();
        ui.add_enabled_ui(dynamic, |ui| {
            controls::knob(ui, ctl, &b.dyn_threshold, "Threshold");
            controls::knob(ui, ctl, &b.dyn_range, "Range");
            controls::knob(ui, ctl, &b.dyn_attack, "Attack");
            controls::knob(ui, ctl, &b.dyn_release, "Release");
        });
    })
    .response
    .rect
}
