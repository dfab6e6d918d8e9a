//! Limiter: the scrolling history engineers judge a limiter by (level into the limiter filled,
//! level out as a line, gain reduction hanging from the top, the ceiling), a gain-reduction
//! meter and the controls.

use super::PanelCx;
use crate::editor::controls::{self};
use crate::editor::theme;
use crate::editor::widgets::{
    fmt_db, fmt_gr, knob_groups, labelled_gr_meter, trace_values, LevelHistory, KNOB_H, ROW_H,
};
use egui::{pos2, Rect, RichText, Ui};
use std::sync::atomic::Ordering::Relaxed;

const G: f32 = theme::GRID;
/// Full scale of the gain-reduction meter, dB.
const GR_RANGE: f32 = 12.0;
/// Level range of the history: room above 0 dBFS for what the drive pushes into the limiter.
const LO: f32 = -30.0;
const HI: f32 = 6.0;

/// The level going into the limiter, per history tick: what came out plus what was taken
/// off. The chain's input level would leave out the drive and every module before.
pub fn pre_limit(output: &[f32], gr: &[f32]) -> Vec<f32> {
    let skip = gr.len().saturating_sub(output.len());
    let gr = &gr[skip..];
    let pad = output.len() - gr.len();
    output
        .iter()
        .enumerate()
        .map(|(i, &o)| o + if i >= pad { gr[i - pad] } else { 0.0 })
        .collect()
}

pub fn draw(ui: &mut Ui, cx: PanelCx) {
    let (ctl, p, meters, history) = (cx.ctl, cx.p, cx.meters, cx.history);
    let area = ui.available_rect_before_wrap();
    let (header, graphs, knobs) = super::rows(area, ROW_H, KNOB_H);
    let on = p.lim.enabled.value();
    let gr = if on {
        history
            .limiter_gr
            .last()
            .unwrap_or_else(|| -meters.limiter_gr_db.load(Relaxed))
            .max(0.0)
    } else {
        0.0
    };
    let gr_values = trace_values(&history.limiter_gr);
    let max_gr = gr_values.iter().copied().fold(0.0f32, f32::max);
    // The ceiling in force: a delivery target can hold it below the knob.
    let ceiling = p.chain_params().limiter.ceiling_db as f32;
    let held_by_target = ceiling < p.lim.ceiling.value() - 1e-3;

    super::header(ui, ctl, header, "Limiter", &p.lim.enabled, |ui, ctl| {
        controls::toggle(ui, ctl, &p.lim.true_peak, "True peak");
        controls::toggle(ui, ctl, &p.lim.auto_release, "Auto release");
        controls::toggle(ui, ctl, &p.lim.band_limit, "Band limit").on_hover_text(
            "Remove content above 0.47 fs first, so the true-peak ceiling holds on any \
                 material (energy near Nyquist is otherwise not seen)",
        );
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let text = |s: String| RichText::new(s).font(theme::mono(theme::SMALL));
            ui.label(text(format!("Max {}", fmt_gr(max_gr))).color(theme::GR))
                .on_hover_text("Deepest gain reduction in the history");
            ui.label(text(format!("GR {}", fmt_gr(gr))).color(theme::GR));
            let unit = if p.lim.true_peak.value() { "TP" } else { "" };
            let r = ui.label(text(format!("Ceiling {}{unit}", fmt_db(ceiling))).color(
                if held_by_target {
                    theme::WARN
                } else {
                    theme::TEXT
                },
            ));
            if held_by_target {
                r.on_hover_text("Held down by the delivery target's true-peak ceiling");
            }
        });
    });

    let meter_w = 9.0 * G;
    let meter = Rect::from_min_max(
        pos2(graphs.right() - meter_w, graphs.top() + 5.0 * G),
        graphs.max,
    );
    let hist = Rect::from_min_max(graphs.min, pos2(meter.left() - 2.0 * G, graphs.bottom()));
    let painter = ui.painter_at(graphs);
    let output = trace_values(&history.output_db);
    LevelHistory {
        input: &pre_limit(&output, &gr_values),
        output: &output,
        gr: &gr_values,
        capacity: history.output_db.capacity(),
        lo: LO,
        hi: HI,
        input_name: "Into limiter",
        marker: Some(("Ceiling", ceiling)),
    }
    .draw(&painter, hist);
    labelled_gr_meter(ui, &painter, meter, graphs.top(), gr, GR_RANGE);

    knob_groups(
        ui,
        ctl,
        knobs,
        &[
            &[(&p.lim.drive, "Drive"), (&p.lim.ceiling, "Ceiling")],
            &[
                (&p.lim.release, "Release"),
                (&p.lim.lookahead, "Look-ahead"),
                (&p.lim.link, "Link"),
            ],
            &[(&p.input_gain, "Input"), (&p.output_gain, "Output")],
        ],
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pre_limit_adds_back_what_was_taken() {
        assert_eq!(
            pre_limit(&[-1.0, -1.0, -3.0], &[0.0, 4.0, 0.5]),
            vec![-1.0, 3.0, -2.5]
        );
        // Traces of different lengths line up at the newest sample.
        assert_eq!(pre_limit(&[-1.0, -2.0], &[5.0]), vec![-1.0, 3.0]);
        assert_eq!(pre_limit(&[-1.0], &[9.0, 2.0]), vec![1.0]);
    }
}
