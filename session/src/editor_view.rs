//! The editor window's size and scale as the saved state records them, so a project reopens
//! the editor as it was. Only the numbers live here; the window layer reads them.

use serde::{Deserialize, Serialize};

pub const WIDTH: u32 = 1040;
pub const HEIGHT: u32 = 660;
pub const MIN_WIDTH: f32 = 900.0;
pub const MIN_HEIGHT: f32 = 580.0;
/// Window size and scale, saved in the plugin state so a project reopens the editor as it was.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EditorView {
    /// Logical size in points at scale 1.
    pub width: f32,
    pub height: f32,
    pub scale: f32,
}

impl Default for EditorView {
    fn default() -> Self {
        Self {
            width: WIDTH as f32,
            height: HEIGHT as f32,
            scale: 1.0,
        }
    }
}

impl EditorView {
    /// Within the editor's limits (a corrupt state must not open a 0 x 0 or 1e9-wide window).
    pub fn sane(self) -> Self {
        let ok = |v: f32, lo: f32, hi: f32, default: f32| {
            if v.is_finite() {
                v.clamp(lo, hi)
            } else {
                default
            }
        };
        Self {
            width: ok(self.width, MIN_WIDTH, 4000.0, WIDTH as f32),
            height: ok(self.height, MIN_HEIGHT, 3000.0, HEIGHT as f32),
            scale: ok(self.scale, 1.0, 2.0, 1.0),
        }
    }
}
