//! The compare view: master and reference side by side in level, tone and width, and the match EQ.

use super::*;

#[allow(clippy::too_many_arguments)]
pub(super) fn compare_view(
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
pub(super) fn match_controls(ui: &mut Ui, ctl: &mut Ctl, p: &LacquerParams) -> f32 {
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
