//! The editor driven as a person would, through egui_kittest: clicks, drags, typing.

use super::test_host;
use egui_kittest::Harness;

fn harness(app: super::EditorApp) -> Harness<'static, super::EditorApp> {
    Harness::builder()
        .with_size(egui::vec2(1040.0, 660.0))
        .build_ui_state(|ui, app: &mut super::EditorApp| app.draw(ui), app)
}

#[test]
fn editor_draws_every_panel() {
    let (app, host) = test_host::editor();
    let mut h = harness(app);
    h.run();
    for p in [
        super::Panel::Eq,
        super::Panel::Compressor,
        super::Panel::Multiband,
        super::Panel::Saturation,
        super::Panel::Imager,
        super::Panel::Limiter,
        super::Panel::Dither,
        super::Panel::Loudness,
    ] {
        h.state_mut().panel = p;
        h.run();
    }
    assert!(host.gestures_balanced());
}
