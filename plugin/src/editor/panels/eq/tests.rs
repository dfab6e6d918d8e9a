use super::*;
use crate::editor::test_host::{self, Gesture, TestHost};
use crate::editor::{EditorApp, Panel};
use egui::{Event, Modifiers, PointerButton};
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use lacquer_session::params::HostBandType;
use std::sync::Arc;

type H = Harness<'static, EditorApp>;

/// The editor at its default size with band `i` a bell at `hz` and `db`, and where its node is.
fn with_bell(i: usize, hz: f32, db: f32) -> (H, Arc<TestHost>, Pos2) {
    let (mut h, host) = harness(1040.0, 660.0);
    bell(&mut h, i, hz, db);
    let at = plot(&h).pos(hz as f64, db);
    (h, host, at)
}

fn harness(w: f32, h: f32) -> (H, Arc<TestHost>) {
    let (mut app, host) = test_host::editor();
    app.panel = Panel::Eq;
    // The typed-value field (controls.rs) has no accessible name yet.
    let builder = test_host::builder(vec2(w, h)).with_accessibility_check(false);
    let mut h = test_host::build(builder, app);
    h.run();
    (h, host)
}

/// Set a parameter as the host would see it from any control (one gesture).
fn set(h: &mut H, ptr: ParamPtr, plain: f32) {
    let app = h.state_mut();
    let gui = app.gui.clone().unwrap();
    let mut ctl = Ctl {
        gui: &gui,
        undo: &mut app.undo,
    };
    ctl.set_plain(ptr, plain);
}

/// Band `i` on, a bell at `hz` / `db`.
fn bell(h: &mut H, i: usize, hz: f32, db: f32) {
    let params = h.state().params.clone();
    let b = &params.eq.bands[i];
    set(h, b.kind.as_ptr(), 0.0);
    assert_eq!(b.kind.value(), HostBandType::Bell);
    set(h, b.freq.as_ptr(), hz);
    set(h, b.gain.as_ptr(), db);
    set(h, b.enabled.as_ptr(), 1.0);
    h.run();
}

fn plot(h: &H) -> FreqPlot {
    h.state().panels.eq.geometry.plot.expect("display drawn")
}

fn band(h: &H, i: usize) -> (bool, f32, f32, f32) {
    let b = &h.state().params.eq.bands[i];
    (
        b.enabled.value(),
        b.freq.value(),
        b.gain.value(),
        b.q.value(),
    )
}

fn press(h: &H, at: Pos2, pressed: bool, modifiers: Modifiers) {
    h.event(Event::PointerButton {
        pos: at,
        button: PointerButton::Primary,
        pressed,
        modifiers,
    });
}

fn double_click(h: &mut H, at: Pos2) {
    // Half a second after any earlier click, so this is a fresh double-click.
    h.run_steps(30);
    h.hover_at(at);
    for _ in 0..2 {
        press(h, at, true, Modifiers::NONE);
        press(h, at, false, Modifiers::NONE);
    }
    h.run();
}

fn wheel(h: &mut H, at: Pos2, notches: f32) {
    h.hover_at(at);
    h.event(Event::MouseWheel {
        unit: egui::MouseWheelUnit::Line,
        delta: vec2(0.0, notches),
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
        modifiers: Modifiers::NONE,
    });
    h.run();
}

#[test]
fn dragging_a_node_moves_frequency_and_gain_by_what_the_pointer_spans() {
    let (mut h, host) = harness(1040.0, 660.0);
    bell(&mut h, 3, 1000.0, 2.0);
    let plot = plot(&h);
    let from = plot.pos(1000.0, 2.0);
    host.gestures.lock().unwrap().clear();

    let travel = vec2(90.0, -50.0);
    h.hover_at(from);
    press(&h, from, true, Modifiers::NONE);
    for k in 1..=5 {
        h.hover_at(from + travel * (k as f32 / 5.0));
    }
    h.drop_at(from + travel);
    h.run();

    let octaves = travel.x / plot.rect.width() * (F_MAX / F_MIN).log2() as f32;
    let want_hz = 1000.0 * 2f32.powf(octaves);
    let want_db = 2.0 - travel.y * (plot.db_max - plot.db_min) / plot.rect.height();
    let (on, hz, db, _) = band(&h, 3);
    println!("drag {travel:?}: {hz:.1} Hz (want {want_hz:.1}), {db:.2} dB (want {want_db:.2})");
    assert!(on);
    assert!((hz / want_hz - 1.0).abs() < 0.003, "{hz} vs {want_hz}");
    assert!((db - want_db).abs() < 0.02, "{db} vs {want_db}");
    assert!(host.gestures_balanced());
    // One gesture per parameter for the whole drag.
    let params = h.state().params.clone();
    let begins = |p: ParamPtr| {
        host.gestures
            .lock()
            .unwrap()
            .iter()
            .filter(|g| **g == Gesture::Begin(p))
            .count()
    };
    assert_eq!(begins(params.eq.bands[3].freq.as_ptr()), 1);
    assert_eq!(begins(params.eq.bands[3].gain.as_ptr()), 1);
    // The drag is one undo step: both parameters go back to where they started.
    let gui = h.state().gui.clone().unwrap();
    h.state_mut().undo.undo(&gui);
    let (_, hz, db, _) = band(&h, 3);
    assert!(
        (hz - 1000.0).abs() < 0.5 && (db - 2.0).abs() < 0.005,
        "{hz} {db}"
    );
}

#[test]
fn double_click_on_empty_space_adds_a_bell_there_in_the_first_free_slot() {
    let (mut h, host) = harness(1040.0, 660.0);
    // Slot 1 is taken, so the new band must land in slot 2.
    bell(&mut h, 1, 60.0, 0.0);
    assert!(!band(&h, 2).0);
    let at = plot(&h).pos(2000.0, 6.0);
    double_click(&mut h, at);
    let (on, hz, db, q) = band(&h, 2);
    println!("added: slot 2 on={on} {hz:.1} Hz {db:.2} dB Q {q:.3}");
    assert!(on);
    assert!((hz / 2000.0 - 1.0).abs() < 0.003, "{hz}");
    assert!((db - 6.0).abs() < 0.02, "{db}");
    assert_eq!(
        h.state().params.eq.bands[2].kind.value(),
        HostBandType::Bell
    );
    assert!(!band(&h, 3).0, "only one slot is used");
    assert_eq!(h.state().panels.eq.selected, 2);
    assert!(host.gestures_balanced());
}

#[test]
fn double_click_on_a_node_switches_the_band_off_and_on() {
    let (mut h, host, at) = with_bell(4, 500.0, -4.0);
    double_click(&mut h, at);
    let (on, hz, db, _) = band(&h, 4);
    assert!(!on);
    // Off keeps the settings, and the selected band's hollow node brings it back.
    assert!((hz - 500.0).abs() < 0.5 && (db + 4.0).abs() < 0.005);
    double_click(&mut h, at);
    assert!(band(&h, 4).0);
    assert!(host.gestures_balanced());
}

#[test]
fn wheel_over_a_node_changes_q() {
    let (mut h, host, at) = with_bell(5, 3000.0, 3.0);
    let q0 = band(&h, 5).3;
    wheel(&mut h, at, 1.0);
    let up = band(&h, 5).3;
    wheel(&mut h, at, -1.0);
    wheel(&mut h, at, -1.0);
    let down = band(&h, 5).3;
    let step = 2f32.powf(Q_WHEEL_OCT);
    println!(
        "Q {q0:.3} -> up {up:.3} (want {:.3}) -> down {down:.3} (want {:.3})",
        q0 * step,
        q0 / step
    );
    assert!((up / (q0 * step) - 1.0).abs() < 0.01, "{up}");
    assert!((down / (q0 / step) - 1.0).abs() < 0.01, "{down}");
    assert!(host.gestures_balanced());
}

#[test]
fn alt_drag_changes_q_only() {
    let (mut h, host, at) = with_bell(6, 800.0, -2.0);
    let q0 = band(&h, 6).3;
    host.gestures.lock().unwrap().clear();
    h.hover_at(at);
    h.event(Event::ModifiersChanged(Modifiers::ALT));
    press(&h, at, true, Modifiers::ALT);
    for k in 1..=4 {
        h.hover_at(at - vec2(0.0, Q_DRAG_PX * k as f32 / 4.0));
    }
    press(&h, at - vec2(0.0, Q_DRAG_PX), false, Modifiers::ALT);
    h.event(Event::ModifiersChanged(Modifiers::NONE));
    h.run();
    let (_, hz, db, q) = band(&h, 6);
    println!(
        "alt-drag up {Q_DRAG_PX} pt: Q {q0:.3} -> {q:.3} (want {:.3})",
        2.0 * q0
    );
    assert!((q / (2.0 * q0) - 1.0).abs() < 0.01, "{q}");
    assert!(
        (hz - 800.0).abs() < 0.5 && (db + 2.0).abs() < 0.005,
        "{hz} {db}"
    );
    assert!(host.gestures_balanced());
}

/// Click the value under a knob, replace it with `text`, press Enter.
fn type_into(h: &mut H, shown: &str, text: &str) {
    h.get_by_label(shown).click();
    h.run();
    h.key_press_modifiers(Modifiers::COMMAND, egui::Key::A);
    h.event(Event::Text(text.to_owned()));
    h.key_press(egui::Key::Enter);
    h.run();
}

#[test]
fn typed_values_parse_units() {
    let (mut h, host) = harness(1040.0, 660.0);
    h.state_mut().panels.eq.selected = 2;
    h.run();
    let b = |h: &H| (band(h, 2).1, band(h, 2).2);
    type_into(&mut h, "150.0 Hz", "2k");
    println!("'2k' -> {} Hz", b(&h).0);
    assert!((b(&h).0 - 2000.0).abs() < 0.5);
    type_into(&mut h, "2.000 kHz", "2.5 kHz");
    println!("'2.5 kHz' -> {} Hz", b(&h).0);
    assert!((b(&h).0 - 2500.0).abs() < 0.5);
    type_into(&mut h, "0.00 dB", "-3 dB");
    println!("'-3 dB' -> {} dB", b(&h).1);
    assert!((b(&h).1 + 3.0).abs() < 0.005);
    assert!(host.gestures_balanced());
}

#[test]
fn ctrl_click_and_double_click_reset_knobs() {
    let (mut h, host) = harness(1040.0, 660.0);
    h.state_mut().panels.eq.selected = 2;
    let params = h.state().params.clone();
    set(&mut h, params.eq.bands[2].freq.as_ptr(), 5000.0);
    set(&mut h, params.eq.bands[2].gain.as_ptr(), 4.5);
    set(&mut h, params.eq.bands[2].q.as_ptr(), 3.0);
    h.run();
    assert!((band(&h, 2).1 - 5000.0).abs() < 1.0);
    let g = h.state().panels.eq.geometry;

    // Ctrl-click the frequency knob: back to the slot's default (150 Hz).
    let at = g.freq_knob.center();
    h.hover_at(at);
    h.event(Event::ModifiersChanged(Modifiers::COMMAND));
    press(&h, at, true, Modifiers::COMMAND);
    press(&h, at, false, Modifiers::COMMAND);
    h.event(Event::ModifiersChanged(Modifiers::NONE));
    h.run();
    // Double-click the gain and Q knobs.
    double_click(&mut h, g.gain_knob.center());
    double_click(&mut h, g.q_knob.center());
    let (_, hz, db, q) = band(&h, 2);
    println!("reset: {hz} Hz, {db} dB, Q {q}");
    assert!((hz - 150.0).abs() < 0.01, "{hz}");
    assert!(db.abs() < 0.005, "{db}");
    assert!((q - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-4, "{q}");
    assert!(host.gestures_balanced());
}

#[test]
fn panel_fits_the_minimum_window() {
    let (mut h, _host) = harness(crate::editor::MIN_WIDTH, crate::editor::MIN_HEIGHT);
    // A bell (gain, Q) and the high-pass (slope, alignment) lay out differently.
    for slot in [2, HIGH_PASS_SLOT] {
        h.state_mut().panels.eq.selected = slot;
        h.run();
        let g = h.state().panels.eq.geometry;
        let plot = g.plot.expect("display drawn").rect;
        println!(
            "slot {slot}: panel {:?}, display {:?}, controls {:?}",
            g.panel, plot, g.controls
        );
        assert!(g.panel.width() >= 680.0, "{:?}", g.panel);
        assert!(g.panel.contains_rect(g.controls), "controls overflow");
        assert!(g.panel.contains_rect(plot));
        assert!(
            plot.bottom() < g.controls.top(),
            "display overlaps the controls"
        );
        assert!(plot.height() >= 250.0, "display too small: {plot:?}");
    }
}
