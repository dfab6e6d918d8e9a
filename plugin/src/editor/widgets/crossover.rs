//! A crossover line on a frequency plot that drags left and right, kept apart from its
//! neighbours (multiband and imager bands).

use super::*;
use nice_plug::prelude::Param;

/// Crossovers keep at least this far apart (octaves) so no band closes up.
pub const MIN_GAP_OCTAVES: f64 = 1.0 / 3.0;
/// Crossover range (the parameters' range).
const XO_MIN_HZ: f64 = 20.0;
const XO_MAX_HZ: f64 = 20_000.0;

/// The range crossover `i` of `used` may move in: a gap above the one below, a gap below the
/// one above, within the parameters' range.
pub fn crossover_bounds(used: &[f64], i: usize) -> (f64, f64) {
    let gap = 2f64.powf(MIN_GAP_OCTAVES);
    let lo = if i > 0 { used[i - 1] * gap } else { XO_MIN_HZ };
    let hi = if i + 1 < used.len() {
        used[i + 1] / gap
    } else {
        XO_MAX_HZ
    };
    (lo.max(XO_MIN_HZ), hi.min(XO_MAX_HZ).max(lo.max(XO_MIN_HZ)))
}

/// A vertical crossover line on `plot` that drags left and right, kept within `lo..hi` Hz.
/// `grab_dx` holds where on the line the pointer took it.
#[allow(clippy::too_many_arguments)]
pub fn crossover_handle(
    ui: &mut Ui,
    ctl: &mut Ctl,
    plot: &FreqPlot,
    p: ParamPtr,
    (lo, hi): (f64, f64),
    label: &str,
    colour: Color32,
    grip_at: f32,
    grab_dx: &mut f32,
) -> Response {
    let hz = ctl.plain(p) as f64;
    let x = plot.x_of(hz);
    let rect = Rect::from_min_max(
        pos2(x - 1.5 * G, plot.rect.top()),
        pos2(x + 1.5 * G, plot.rect.bottom()),
    );
    let id = Id::unique(("lacquer-crossover", ctl.name(p)));
    let r = ui.interact(rect, id, Sense::drag());
    if r.drag_started() {
        if let Some(pos) = r.interact_pointer_pos() {
            *grab_dx = pos.x - x;
        }
    }
    let pointer = r.interact_pointer_pos();
    let target = pointer.map(|pos| plot.hz_of(pos.x - *grab_dx).clamp(lo, hi));
    let normalized = target.map(|f| ctl.normalized_of(p, f as f32));
    ctl.drag(p, &r, |now| normalized.unwrap_or(now));
    let hot = r.hovered() || r.dragged();
    if hot {
        ui.ctx().set_cursor_icon(CursorIcon::ResizeHorizontal);
    }
    let painter = ui.painter_at(plot.rect);
    let x = plot.x_of(ctl.plain(p) as f64);
    painter.line_segment(
        [pos2(x, plot.rect.top()), pos2(x, plot.rect.bottom())],
        Stroke::new(
            if hot { 2.0 } else { 1.5 },
            if hot { theme::TEXT } else { colour },
        ),
    );
    let grip_y = plot.rect.top() + (plot.rect.height() * grip_at).max(3.0 * G);
    let grip = Rect::from_center_size(pos2(x, grip_y), vec2(2.0 * G, 5.0 * G));
    painter.rect_filled(grip, 3.0, if hot { theme::TEXT } else { colour });
    for dy in [-G, 0.0, G] {
        painter.line_segment(
            [
                pos2(grip.left() + 2.0, grip.center().y + dy),
                pos2(grip.right() - 2.0, grip.center().y + dy),
            ],
            Stroke::new(1.0, theme::BG),
        );
    }
    // The frequency beside the grip, on the side with room.
    let right = x < plot.rect.right() - 16.0 * G;
    painter.text(
        pos2(
            if right {
                grip.right() + G
            } else {
                grip.left() - G
            },
            grip.center().y,
        ),
        if right {
            Align2::LEFT_CENTER
        } else {
            Align2::RIGHT_CENTER
        },
        fmt_hz(ctl.plain(p) as f64),
        theme::mono(theme::SMALL),
        theme::TEXT,
    );
    let value = ctl.plain(p) as f64;
    r.widget_info(|| egui::WidgetInfo::slider(true, value, label));
    r.on_hover_text(format!("{label}: {}\nDrag left or right", fmt_hz(value)))
}

/// One `crossover_handle` per crossover of `params` (in the accent colour), each kept apart
/// from its neighbours at `used` (their frequencies, Hz).
pub fn crossover_handles(
    ui: &mut Ui,
    ctl: &mut Ctl,
    plot: &FreqPlot,
    params: &[&FloatParam],
    used: &[f64],
    grip_at: f32,
    grab_dx: &mut f32,
) {
    for (i, xo) in params.iter().enumerate() {
        let name = ctl.name(xo.as_ptr());
        let bounds = crossover_bounds(used, i);
        crossover_handle(
            ui,
            ctl,
            plot,
            xo.as_ptr(),
            bounds,
            &name,
            theme::ACCENT,
            grip_at,
            grab_dx,
        );
    }
}
