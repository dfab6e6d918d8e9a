use super::*;
use crate::editor::test_host;
use crate::editor::Panel;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;

fn harness(
    app: crate::editor::EditorApp,
    size: egui::Vec2,
) -> Harness<'static, crate::editor::EditorApp> {
    test_host::build(test_host::builder(size), app)
}

fn click(h: &mut Harness<'static, crate::editor::EditorApp>, at: egui::Pos2) {
    h.hover_at(at);
    h.run();
    h.drag_at(at);
    h.run();
    h.drop_at(at);
    h.run();
}

fn ten_seconds() -> SlotView {
    SlotView {
        overview: vec![0.5; 469],
        seconds: 10.0,
        block_seconds: 1024.0 / 48_000.0,
        ..Default::default()
    }
}

/// Typing a path and pressing Load points the selected slot at it; clicking another slot
/// selects it in one host gesture; backquote switches master / reference anywhere.
#[test]
fn load_select_and_switch() {
    let (mut app, host) = test_host::editor();
    app.panel = Panel::Reference;
    let params = app.params.clone();
    let mut h = harness(app, egui::vec2(900.0, 580.0));
    h.run();
    h.get_by_role(egui::accesskit::Role::TextInput).focus();
    h.run();
    h.get_by_role(egui::accesskit::Role::TextInput)
        .type_text("/music/reference master.flac");
    h.run();
    h.get_by_label("Load").click();
    h.run();
    let slot = params.refs.references.slot(0);
    assert_eq!(slot.path, "/music/reference master.flac");
    assert_eq!(slot.state, SlotState::Loading);

    // Slot rows are ROW points apart from the top of the list.
    let list_top = h.state().panels.reference.list_top;
    click(&mut h, pos2(list_top.x + 60.0, list_top.y + 3.5 * ROW));
    assert_eq!(params.refs.slot.value(), 4);

    // The key works while the text field does not have the keyboard.
    click(&mut h, pos2(5.0, 5.0));
    h.key_press(egui::Key::Backtick);
    h.run();
    assert!(params.refs.listen.value());
    // As some window back-ends deliver it: text only.
    h.event(egui::Event::Text("`".into()));
    h.run();
    assert!(!params.refs.listen.value());
    assert!(host.gestures_balanced());
}

/// Dragging across the waveform from 20 % to 60 % of its width loops 2 s to 6 s of a
/// 10 s reference (within a pixel's worth); a double-click goes back to the whole file.
#[test]
fn dragging_on_the_waveform_sets_the_loop_region() {
    let (mut app, _host) = test_host::editor();
    app.panel = Panel::Reference;
    let params = app.params.clone();
    params
        .refs
        .references
        .edit(|s| s.slots[0].path = "/x/ref.wav".into());
    params.refs.references.views.lock().unwrap()[0] = Some(Arc::new(ten_seconds()));
    let mut h = harness(app, egui::vec2(1040.0, 660.0));
    h.run();
    let wave = h.state().panels.reference.wave_rect;
    assert!(wave.width() > 100.0, "{wave:?}");
    let at = |f: f32| pos2(wave.left() + f * wave.width(), wave.center().y);
    h.drag_at(at(0.2));
    h.run();
    for k in 1..=8 {
        h.hover_at(at(0.2 + 0.05 * k as f32));
        h.run();
    }
    h.drop_at(at(0.6));
    h.run();
    let s = params.refs.references.slot(0);
    let px = 10.0 / wave.width() as f64;
    println!(
        "loop {:.3}-{:.3} s for 2-6 s (a pixel is {px:.3} s)",
        s.loop_start_s, s.loop_end_s
    );
    assert!((s.loop_start_s - 2.0).abs() <= px);
    assert!((s.loop_end_s - 6.0).abs() <= px);
}

/// The comparison draws both spectra, the difference and every figure at the smallest
/// editor size without anything left over (every row is laid out inside the panel).
#[test]
fn compare_view_shows_master_and_reference() {
    let (mut app, _host) = test_host::editor();
    app.panel = Panel::Reference;
    app.panels.reference.view = View::Compare;
    let params = app.params.clone();
    let mut stats = Stats::default();
    stats.mid_db = (0..crate::editor::analysis::POINTS)
        .map(|i| -20.0 - 3.0 * (Analysis::point_hz(i) / 100.0).log2() as f32)
        .collect();
    stats.side_db = stats.mid_db.iter().map(|v| v - 10.0).collect();
    stats.crest_db = 12.3;
    stats.correlation = 0.45;
    stats.width = [0.1, 0.2, 0.3, 0.4];
    stats.low_end_mono = 0.97;
    let mut view = ten_seconds();
    view.stats = stats.clone();
    params
        .refs
        .references
        .edit(|s| s.slots[0].path = "/x/ref.wav".into());
    params.refs.references.views.lock().unwrap()[0] = Some(Arc::new(view));
    *params.refs.references.master.lock().unwrap() = Some(Arc::new(stats));
    let mut h = harness(app, egui::vec2(900.0, 580.0));
    h.run();
    let table = h.state().panels.reference.table_bottom;
    let controls = h.state().panels.reference.match_bottom;
    let panel_bottom = 580.0;
    println!("figures end at y = {table:.0}, match controls at {controls:.0}, of {panel_bottom}");
    assert!(table < panel_bottom - 8.0);
    assert!(controls < panel_bottom - 8.0);
}
