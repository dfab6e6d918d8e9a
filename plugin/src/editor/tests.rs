//! The editor driven as a person would, through egui_kittest: clicks, drags, typing.

use super::test_host;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;

fn harness(app: super::EditorApp) -> Harness<'static, super::EditorApp> {
    test_host::build(test_host::builder(egui::vec2(1040.0, 660.0)), app)
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

/// Dragging the EQ chip past the compressor and multiband chips moves the EQ to third place in
/// the chain: the order parameter changes, in one gesture.
#[test]
fn dragging_a_module_chip_reorders_the_chain() {
    use lacquer_dsp::chain::Module;
    use nice_plug::prelude::Param;
    let (app, host) = test_host::editor();
    let mut h = harness(app);
    h.run();
    let rects = h.state().strip_rects.clone();
    assert_eq!(rects.len(), 5);
    let from = rects[0].center();
    let to = rects[2].center();
    h.drag_at(from);
    h.run();
    for i in 1..=10 {
        h.hover_at(from + (to - from) * (i as f32 / 10.0));
        h.run();
    }
    h.drop_at(to);
    h.run();
    let order =
        lacquer_session::params::order_from_index(h.state().params.order.unmodulated_plain_value());
    println!("order after the drag: {order:?}");
    assert_eq!(
        order,
        [
            Module::Compressor,
            Module::Multiband,
            Module::Eq,
            Module::Saturation,
            Module::Imager
        ]
    );
    assert!(host.gestures_balanced());
}

/// Keys 1-8 open the panels in strip order.
#[test]
fn number_keys_open_panels() {
    let (app, _host) = test_host::editor();
    let mut h = harness(app);
    h.run();
    h.key_press(egui::Key::Num2);
    h.run();
    assert_eq!(h.state().panel, super::Panel::Compressor);
    h.key_press(egui::Key::Num8);
    h.run();
    assert_eq!(h.state().panel, super::Panel::Loudness);
}

/// Undo and redo walk an edit back and forth.
#[test]
fn undo_and_redo_restore_values() {
    use nice_plug::prelude::Param;
    let (app, host) = test_host::editor();
    let mut h = harness(app);
    h.run();
    let drive = h.state().params.lim.drive.as_ptr();
    let before = h.state().params.lim.drive.unmodulated_plain_value();
    {
        let app = h.state_mut();
        let gui = app.gui.clone().unwrap();
        let mut ctl = super::controls::Ctl {
            gui: &gui,
            undo: &mut app.undo,
        };
        ctl.set_text(drive, "6 dB");
    }
    assert!((h.state().params.lim.drive.unmodulated_plain_value() - 6.0).abs() < 1e-4);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert_eq!(h.state().params.lim.drive.unmodulated_plain_value(), before);
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    h.run();
    assert!((h.state().params.lim.drive.unmodulated_plain_value() - 6.0).abs() < 1e-4);
    assert!(host.gestures_balanced());
}

/// The EQ's Solo button asks the audio thread to solo the selected band; pressing it again, or
/// closing the editor, ends it.
#[test]
fn solo_button_solos_the_selected_band() {
    use std::sync::atomic::Ordering::Relaxed;
    let (app, _host) = test_host::editor();
    let mut h = harness(app);
    h.state_mut().panel = super::Panel::Eq;
    h.run();
    let selected = h.state().panels.eq.selected;
    h.get_by_label("Solo").click();
    h.run();
    assert_eq!(
        h.state().meters.commands.eq_solo.load(Relaxed),
        selected as u32 + 1
    );
    h.get_by_label("Solo").click();
    h.run();
    assert_eq!(h.state().meters.commands.eq_solo.load(Relaxed), 0);
}
