//! The EQ's band nodes on the plot: where they sit, dragging, wheel and keys, adding and deleting bands, and their menu.

use super::*;

/// Node height as a fraction of the band's gain (see the module notes).
pub(super) fn gain_share(kind: BandType) -> f32 {
    match kind {
        BandType::Bell => 1.0,
        BandType::LowShelf | BandType::HighShelf | BandType::Tilt => 0.5,
        _ => 0.0,
    }
}

pub(super) fn node_pos(plot: &FreqPlot, b: &BandParams) -> Pos2 {
    let db = (b.gain_db as f32 * gain_share(b.kind)).clamp(plot.db_min, plot.db_max);
    plot.pos(b.freq_hz, db)
}

#[allow(clippy::too_many_arguments)]
pub(super) fn node_input(
    ui: &Ui,
    ctl: &mut Ctl,
    p: &LacquerParams,
    state: &mut EqState,
    plot: &FreqPlot,
    b: &BandParams,
    i: usize,
    r: &Response,
    mods: egui::Modifiers,
) {
    let host = &p.eq.bands[i];
    if r.clicked() || r.secondary_clicked() || r.drag_started() {
        state.selected = i;
    }
    if r.double_clicked() {
        ctl.set(host.enabled.as_ptr(), if b.enabled { 0.0 } else { 1.0 });
    }

    let fine = if mods.shift { FINE } else { 1.0 };
    if r.drag_started() {
        state.drag = Some(NodeDrag {
            band: i,
            q_mode: (mods.alt || mods.command || mods.ctrl) && b.kind.uses_q(),
            moves_gain: gain_share(b.kind) > 0.0,
            start_hz: b.freq_hz,
            start_db: b.gain_db as f32,
            start_q: b.q as f32,
            // Travel from the press, so the node stays under the pointer.
            travel: r.total_drag_delta().unwrap_or_default() * fine,
        });
    } else if r.dragged() {
        if let Some(d) = state.drag.as_mut().filter(|d| d.band == i) {
            d.travel += r.drag_delta() * fine;
        }
    }
    if let Some(d) = state.drag.filter(|d| d.band == i) {
        let moving = r.dragged();
        // One gesture per parameter; each needs its own response id (ctl.drag keeps the
        // gesture's start value under the response's id).
        let with_id = |salt: &str| {
            let mut r = r.clone();
            r.id = r.id.with(salt);
            r
        };
        if d.q_mode {
            let q = d.start_q * 2f32.powf(-d.travel.y / Q_DRAG_PX);
            let nq = ctl.normalized_of(host.q.as_ptr(), q);
            ctl.drag(host.q.as_ptr(), &with_id("q"), |now| {
                if moving {
                    nq
                } else {
                    now
                }
            });
        } else {
            let hz = plot.hz_of(plot.x_of(d.start_hz) + d.travel.x);
            let nf = ctl.normalized_of(host.freq.as_ptr(), hz as f32);
            ctl.drag(host.freq.as_ptr(), &with_id("freq"), |_| nf);
            if d.moves_gain {
                let db_per_pt = (plot.db_max - plot.db_min) / plot.rect.height();
                let db = d.start_db - d.travel.y * db_per_pt / gain_share(b.kind).max(0.5);
                let ng = ctl.normalized_of(host.gain.as_ptr(), db.clamp(-24.0, 24.0));
                ctl.drag(host.gain.as_ptr(), &with_id("gain"), |_| ng);
            }
        }
        if r.drag_stopped() {
            state.drag = None;
        }
    }

    if r.hovered() && !r.dragged() {
        let notches = controls::wheel_notches(ui);
        if notches != 0.0 {
            let step = if mods.shift { FINE } else { 1.0 };
            if b.kind.uses_q() {
                let q = b.q as f32 * 2f32.powf(notches * Q_WHEEL_OCT * step);
                ctl.set_plain(host.q.as_ptr(), q);
            } else if matches!(b.kind, BandType::HighPass | BandType::LowPass) {
                let order = host.slope.unmodulated_plain_value() + notches as i32;
                ctl.set_plain(host.slope.as_ptr(), order.clamp(1, 16) as f32);
            }
        }
    }

    r.context_menu(|ui| node_menu(ui, ctl, host, i, b));
}

/// Double-click on empty space: the first free parametric slot, a bell at that spot.
pub(super) fn add_band(ctl: &mut Ctl, p: &LacquerParams, state: &mut EqState, hz: f64, db: f32) {
    let Some(i) = FREE_SLOTS
        .clone()
        .find(|&i| !p.eq.bands[i].enabled.unmodulated_plain_value())
    else {
        return;
    };
    let b = &p.eq.bands[i];
    let set = |ctl: &mut Ctl, ptr: ParamPtr, n: f32| {
        if ctl.value(ptr) != n {
            ctl.set(ptr, n);
        }
    };
    set(
        ctl,
        b.kind.as_ptr(),
        b.kind
            .preview_normalized(lacquer_session::params::HostBandType::Bell),
    );
    set(ctl, b.freq.as_ptr(), b.freq.preview_normalized(hz as f32));
    set(
        ctl,
        b.gain.as_ptr(),
        b.gain.preview_normalized(db.clamp(-24.0, 24.0)),
    );
    // A slot used before may hold a narrow Q or another channel: a new band starts plain.
    set(ctl, b.q.as_ptr(), b.q.default_normalized_value());
    set(
        ctl,
        b.placement.as_ptr(),
        b.placement.default_normalized_value(),
    );
    set(
        ctl,
        b.dynamic.as_ptr(),
        b.dynamic.default_normalized_value(),
    );
    ctl.set(b.enabled.as_ptr(), 1.0);
    state.selected = i;
}

/// Every parameter of the band back to its default (which turns the band off).
pub(super) fn delete_band(ctl: &mut Ctl, b: &EqBandHostParams) {
    let ptrs = [
        b.kind.as_ptr(),
        b.freq.as_ptr(),
        b.gain.as_ptr(),
        b.q.as_ptr(),
        b.slope.as_ptr(),
        b.pass_kind.as_ptr(),
        b.placement.as_ptr(),
        b.dynamic.as_ptr(),
        b.dyn_threshold.as_ptr(),
        b.dyn_range.as_ptr(),
        b.dyn_attack.as_ptr(),
        b.dyn_release.as_ptr(),
        b.enabled.as_ptr(),
    ];
    for ptr in ptrs {
        // SAFETY: the pointer comes from the plugin's parameters, which outlive the editor.
        let d = unsafe { ptr.default_normalized_value() };
        if ctl.value(ptr) != d {
            ctl.reset(ptr);
        }
    }
}

pub(super) fn node_menu(
    ui: &mut Ui,
    ctl: &mut Ctl,
    host: &EqBandHostParams,
    i: usize,
    b: &BandParams,
) {
    ui.label(
        egui::RichText::new(band_name(i))
            .color(theme::BANDS[i])
            .strong(),
    );
    if ui.selectable_label(b.enabled, "On").clicked() {
        ctl.set(host.enabled.as_ptr(), if b.enabled { 0.0 } else { 1.0 });
        ui.close();
    }
    ui.menu_button("Type", |ui| menu_choices(ui, ctl, &host.kind));
    if matches!(b.kind, BandType::HighPass | BandType::LowPass) {
        ui.menu_button("Slope", |ui| menu_choices(ui, ctl, &host.slope));
        ui.menu_button("Alignment", |ui| menu_choices(ui, ctl, &host.pass_kind));
    }
    ui.menu_button("Placement", |ui| menu_choices(ui, ctl, &host.placement));
    ui.separator();
    if ui.button("Delete").clicked() {
        delete_band(ctl, host);
        ui.close();
    }
}

/// Every value of a stepped parameter as a menu entry.
pub(super) fn menu_choices<P: Param>(ui: &mut Ui, ctl: &mut Ctl, param: &P) {
    let steps = param.step_count().unwrap_or(1).max(1);
    let now = param.unmodulated_normalized_value();
    for s in 0..=steps {
        let n = s as f32 / steps as f32;
        let text = param.normalized_value_to_string(n, true);
        if ui.selectable_label((n - now).abs() < 1e-4, text).clicked() {
            ctl.set(param.as_ptr(), n);
            ui.close();
        }
    }
}
