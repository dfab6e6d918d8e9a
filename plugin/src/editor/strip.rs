//! The module strip: the reorderable modules in chain order, then the limiter and dither
//! (always last) and the loudness view. A chip's dot switches the module on and off; clicking
//! the chip opens its panel; dragging it sideways moves the module in the chain.

use super::controls::Ctl;
use super::{theme, Panel};
use egui::{Color32, Sense, Stroke, Ui, Vec2};
use lacquer_dsp::chain::Module;
use lacquer_session::params::{index_from_order, order_from_index, LacquerParams};
use nice_plug::prelude::{Param, ParamPtr};

const CHIP_H: f32 = 32.0;
const GAP: f32 = 8.0;
/// Chips share the strip's width; below this they use short names.
const WIDE_CHIP: f32 = 100.0;

/// Short names for narrow chips.
fn short(name: &str) -> &str {
    match name {
        "Compressor" => "Comp",
        "Multiband" => "Multi",
        "Saturation" => "Sat",
        "Imager" => "Image",
        "Loudness" => "LUFS",
        "Limiter" => "Limit",
        "Reference" => "Ref",
        other => other,
    }
}

pub fn panel_of(m: Module) -> Panel {
    match m {
        Module::Eq => Panel::Eq,
        Module::Compressor => Panel::Compressor,
        Module::Multiband => Panel::Multiband,
        Module::Saturation => Panel::Saturation,
        Module::Imager => Panel::Imager,
        Module::Limiter => Panel::Limiter,
        Module::Dither => Panel::Dither,
    }
}

pub fn enable_param(p: &LacquerParams, m: Module) -> ParamPtr {
    match m {
        Module::Eq => p.eq.enabled.as_ptr(),
        Module::Compressor => p.comp.enabled.as_ptr(),
        Module::Multiband => p.mb.enabled.as_ptr(),
        Module::Saturation => p.sat.enabled.as_ptr(),
        Module::Imager => p.img.enabled.as_ptr(),
        Module::Limiter => p.lim.enabled.as_ptr(),
        Module::Dither => p.dither.enabled.as_ptr(),
    }
}

/// The order after dragging the module at `from` to position `to`.
pub fn moved(order: [Module; 5], from: usize, to: usize) -> [Module; 5] {
    let mut v: Vec<Module> = order.to_vec();
    let m = v.remove(from);
    v.insert(to.min(4), m);
    [v[0], v[1], v[2], v[3], v[4]]
}

/// One chip; returns its response. `enable` is the module's on/off parameter, if it has one.
fn chip(
    ui: &mut Ui,
    ctl: &mut Ctl,
    label: &str,
    enable: Option<ParamPtr>,
    selected: bool,
    sense: Sense,
    width: f32,
) -> egui::Response {
    let (rect, response) = ui.allocate_exact_size(Vec2::new(width, CHIP_H), sense);
    let label = if width < WIDE_CHIP {
        short(label)
    } else {
        label
    };
    let on = enable.is_none_or(|p| ctl.value(p) >= 0.5);
    let painter = ui.painter();
    let fill = if selected {
        theme::RAISED
    } else if response.hovered() {
        Color32::from_rgb(0x24, 0x28, 0x2f)
    } else {
        theme::PANEL
    };
    painter.rect_filled(rect, 4.0, fill);
    painter.rect_stroke(
        rect,
        4.0,
        Stroke::new(1.0, if selected { theme::ACCENT } else { theme::LINE }),
        egui::StrokeKind::Inside,
    );
    let text_x = if let Some(p) = enable {
        let dot = egui::Rect::from_center_size(
            egui::pos2(rect.left() + 14.0, rect.center().y),
            Vec2::splat(16.0),
        );
        let dot_response = ui.interact(dot, response.id.with("power"), Sense::click());
        painter.circle_filled(
            dot.center(),
            5.0,
            if on { theme::GOOD } else { theme::LINE },
        );
        if dot_response.hovered() {
            painter.circle_stroke(dot.center(), 7.0, Stroke::new(1.0, theme::TEXT_DIM));
        }
        if dot_response.clicked() {
            ctl.set(p, if on { 0.0 } else { 1.0 });
        }
        let name = ctl.name(p);
        dot_response.on_hover_text(format!("{name}: {}", if on { "On" } else { "Off" }));
        rect.left() + 26.0
    } else {
        rect.left() + 10.0
    };
    painter.text(
        egui::pos2(text_x, rect.center().y),
        egui::Align2::LEFT_CENTER,
        label,
        egui::FontId::proportional(theme::BODY),
        if on { theme::TEXT } else { theme::TEXT_DIM },
    );
    response
}

/// Draws the strip; `rects` receives the reorderable chips' rectangles (for tests and scripts).
pub fn draw(
    ui: &mut Ui,
    ctl: &mut Ctl,
    params: &LacquerParams,
    panel: &mut Panel,
    rects_out: &mut Vec<egui::Rect>,
) {
    let order_ptr = params.order.as_ptr();
    let order = order_from_index(params.order.unmodulated_plain_value());
    let drag_id = ui.scope_id().with("strip-drag");
    // Nine chips and the arrow between the reorderable ones and the fixed ones.
    let width = ((ui.available_width() - 10.0 * GAP - 16.0) / 9.0).clamp(60.0, 120.0);
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = GAP;
        let mut rects = Vec::with_capacity(5);
        let mut drop: Option<(usize, usize)> = None;
        for (i, &m) in order.iter().enumerate() {
            let r = chip(
                ui,
                ctl,
                m.name(),
                Some(enable_param(params, m)),
                *panel == panel_of(m),
                Sense::click_and_drag(),
                width,
            )
            .on_hover_text(format!(
                "{}: click to open, drag to move in the chain",
                m.name()
            ));
            if r.clicked() {
                *panel = panel_of(m);
            }
            if r.drag_started() {
                ui.data_mut(|d| d.insert_temp(drag_id, i));
            }
            if r.drag_stopped() {
                if let (Some(from), Some(pos)) = (
                    ui.data_mut(|d| d.remove_temp::<usize>(drag_id)),
                    r.interact_pointer_pos()
                        .or(ui.input(|i| i.pointer.latest_pos())),
                ) {
                    drop = Some((from, pos.x as usize));
                }
            }
            rects.push(r.rect);
        }
        // While dragging, show where the module would land.
        if let (Some(from), Some(pos)) = (
            ui.data(|d| d.get_temp::<usize>(drag_id)),
            ui.input(|i| i.pointer.latest_pos()),
        ) {
            let to = slot_at(&rects, pos.x);
            if to != from {
                let x = if to > from {
                    rects[to].right() + GAP / 2.0
                } else {
                    rects[to].left() - GAP / 2.0
                };
                ui.painter().line_segment(
                    [
                        egui::pos2(x, rects[0].top()),
                        egui::pos2(x, rects[0].bottom()),
                    ],
                    Stroke::new(2.0, theme::ACCENT),
                );
            }
        }
        if let Some((from, x)) = drop {
            let to = slot_at(&rects, x as f32);
            if to != from {
                let new_order = moved(order, from, to);
                ctl.set_plain(order_ptr, index_from_order(&new_order) as f32);
            }
        }
        rects_out.clone_from(&rects);
        ui.label(egui::RichText::new(">").color(theme::TEXT_DIM));
        for (label, enable, target) in [
            ("Limiter", Some(params.lim.enabled.as_ptr()), Panel::Limiter),
            (
                "Dither",
                Some(params.dither.enabled.as_ptr()),
                Panel::Dither,
            ),
            ("Loudness", None, Panel::Loudness),
            // The dot is the A/B switch: lit while the reference plays.
            (
                "Reference",
                Some(params.refs.listen.as_ptr()),
                Panel::Reference,
            ),
        ] {
            if chip(
                ui,
                ctl,
                label,
                enable,
                *panel == target,
                Sense::click(),
                width,
            )
            .clicked()
            {
                *panel = target;
            }
        }
    });
}

/// The chain position under `x`, given the chips' rectangles.
fn slot_at(rects: &[egui::Rect], x: f32) -> usize {
    rects
        .iter()
        .position(|r| x < r.right())
        .unwrap_or(rects.len().saturating_sub(1))
}
