//! One dark theme, one grid and one type scale for the whole editor.

use egui::{Color32, FontFamily, FontId, Stroke, TextStyle};

/// Base spacing unit: every gap and margin is a multiple of it.
pub const GRID: f32 = 4.0;

pub const BG: Color32 = Color32::from_rgb(0x16, 0x18, 0x1c);
pub const PANEL: Color32 = Color32::from_rgb(0x1e, 0x21, 0x27);
pub const RAISED: Color32 = Color32::from_rgb(0x28, 0x2c, 0x34);
pub const LINE: Color32 = Color32::from_rgb(0x3a, 0x3f, 0x4a);
pub const GRID_LINE: Color32 = Color32::from_rgb(0x2a, 0x2e, 0x36);
pub const TEXT: Color32 = Color32::from_rgb(0xd8, 0xdc, 0xe3);
pub const TEXT_DIM: Color32 = Color32::from_rgb(0x8a, 0x91, 0x9e);
pub const ACCENT: Color32 = Color32::from_rgb(0xe0, 0xa4, 0x3a);
pub const ACCENT_DIM: Color32 = Color32::from_rgb(0x7a, 0x5a, 0x22);
pub const GOOD: Color32 = Color32::from_rgb(0x5f, 0xc2, 0x7e);
pub const WARN: Color32 = Color32::from_rgb(0xe8, 0xc5, 0x47);
pub const OVER: Color32 = Color32::from_rgb(0xe5, 0x48, 0x4d);
pub const GR: Color32 = Color32::from_rgb(0xe0, 0x6c, 0x3a);
pub const PRE: Color32 = Color32::from_rgb(0x4a, 0x5a, 0x72);
pub const POST: Color32 = Color32::from_rgb(0x6f, 0xa8, 0xdc);

/// Colours of the EQ bands (slot order), also used for their nodes.
pub const BANDS: [Color32; 10] = [
    Color32::from_rgb(0x9b, 0x8c, 0xf2),
    Color32::from_rgb(0xf2, 0x8c, 0x8c),
    Color32::from_rgb(0xf2, 0xb0, 0x6a),
    Color32::from_rgb(0xe6, 0xd8, 0x5c),
    Color32::from_rgb(0x8c, 0xe0, 0x7a),
    Color32::from_rgb(0x5c, 0xd6, 0xc2),
    Color32::from_rgb(0x6a, 0xb4, 0xf2),
    Color32::from_rgb(0x8c, 0x8c, 0xf2),
    Color32::from_rgb(0xd0, 0x8c, 0xf2),
    Color32::from_rgb(0xf2, 0x8c, 0xc8),
];

/// Type scale: small labels, body, headings, big readouts.
pub const SMALL: f32 = 11.0;
pub const BODY: f32 = 13.0;
pub const HEADING: f32 = 15.0;
pub const READOUT: f32 = 20.0;

pub fn small() -> FontId {
    FontId::new(SMALL, FontFamily::Proportional)
}

pub fn mono(size: f32) -> FontId {
    FontId::new(size, FontFamily::Monospace)
}

pub fn apply(ctx: &egui::Context) {
    ctx.global_style_mut(|style| {
        style.text_styles = [
            (
                TextStyle::Small,
                FontId::new(SMALL, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(BODY, FontFamily::Proportional)),
            (
                TextStyle::Button,
                FontId::new(BODY, FontFamily::Proportional),
            ),
            (
                TextStyle::Heading,
                FontId::new(HEADING, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(BODY, FontFamily::Monospace),
            ),
        ]
        .into();
        style.spacing.item_spacing = egui::vec2(2.0 * GRID, 2.0 * GRID);
        style.spacing.button_padding = egui::vec2(2.0 * GRID, GRID);
        style.spacing.interact_size.y = 6.0 * GRID;
        let v = &mut style.visuals;
        *v = egui::Visuals::dark();
        v.panel_fill = BG;
        v.window_fill = PANEL;
        v.extreme_bg_color = Color32::from_rgb(0x10, 0x12, 0x15);
        v.faint_bg_color = PANEL;
        v.override_text_color = Some(TEXT);
        v.selection.bg_fill = ACCENT_DIM;
        v.selection.stroke = Stroke::new(1.0, ACCENT);
        v.widgets.noninteractive.bg_fill = PANEL;
        v.widgets.noninteractive.bg_stroke = Stroke::new(1.0, LINE);
        v.widgets.inactive.bg_fill = RAISED;
        v.widgets.inactive.weak_bg_fill = RAISED;
        v.widgets.hovered.bg_fill = Color32::from_rgb(0x33, 0x38, 0x42);
        v.widgets.hovered.weak_bg_fill = Color32::from_rgb(0x33, 0x38, 0x42);
        v.widgets.active.bg_fill = ACCENT_DIM;
        v.widgets.active.weak_bg_fill = ACCENT_DIM;
    });
}
