//! The editor tests' one harness: a stand-in for the host that applies parameter changes at
//! once and records every gesture (so tests can check values and that each edit was one
//! begin/end pair), the editor in an egui_kittest harness at the sizes the layout must fit,
//! input as a person gives it, and a layout check.

use super::{theme, EditorApp, Panel};
use egui::{pos2, Pos2, Rect, Vec2};
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::{Harness, HarnessBuilder};
use nice_plug::context::gui::{GuiContext, GuiContextInner};
use nice_plug::prelude::{Param, ParamPtr, PluginApi, PluginState};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Gesture {
    Begin(ParamPtr),
    Set(ParamPtr, f32),
    End(ParamPtr),
}

#[derive(Default)]
pub struct TestHost {
    pub gestures: Mutex<Vec<Gesture>>,
    pub states: Mutex<Vec<PluginState>>,
}

impl GuiContextInner for TestHost {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }

    unsafe fn raw_begin_set_parameter(&self, param: ParamPtr) {
        self.gestures.lock().unwrap().push(Gesture::Begin(param));
    }

    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        // SAFETY: the tests' parameters outlive the editor under test.
        unsafe { param._internal_set_normalized_value(normalized) };
        self.gestures
            .lock()
            .unwrap()
            .push(Gesture::Set(param, normalized));
    }

    unsafe fn raw_end_set_parameter(&self, param: ParamPtr) {
        self.gestures.lock().unwrap().push(Gesture::End(param));
    }

    fn get_state(&self) -> PluginState {
        lacquer_session::presets::default_state()
    }

    fn set_state(&self, state: PluginState) {
        self.states.lock().unwrap().push(state);
    }

    fn request_restart(&self) {}
}

impl TestHost {
    /// Every begin has its end, in order, with no set outside a gesture.
    pub fn gestures_balanced(&self) -> bool {
        let mut open: Vec<ParamPtr> = Vec::new();
        for g in self.gestures.lock().unwrap().iter() {
            match *g {
                Gesture::Begin(p) => open.push(p),
                Gesture::Set(p, _) if !open.contains(&p) => return false,
                Gesture::Set(..) => {}
                Gesture::End(p) => match open.iter().position(|&q| q == p) {
                    Some(i) => {
                        open.remove(i);
                    }
                    None => return false,
                },
            }
        }
        open.is_empty()
    }
}

/// An editor with fresh parameters and meters, connected to a test host.
pub fn editor() -> (EditorApp, Arc<TestHost>) {
    let host = Arc::new(TestHost::default());
    let params = Arc::new(lacquer_session::params::LacquerParams::default());
    let meters = Arc::new(crate::meters::SharedMeters::default());
    let app = EditorApp::new(params, meters).with_gui(GuiContext::new(host.clone()));
    (app, host)
}

/// The editor's minimum window size: every panel must fit it.
pub const MIN: Vec2 = egui::vec2(crate::editor::MIN_WIDTH, crate::editor::MIN_HEIGHT);

/// The smallest panel area the layout must fit (the brief's 690 x 430 points, give or take).
pub const SMALL: Vec2 = egui::vec2(crate::editor::MIN_WIDTH, 546.0);

type Host = Arc<TestHost>;

pub fn harness(
    panel: Panel,
    setup: impl FnOnce(&mut EditorApp),
) -> (Harness<'static, EditorApp>, Host) {
    sized(MIN, panel, setup)
}

/// A harness whose panel area is only `SMALL` (about 684 x 430 points).
pub fn small(
    panel: Panel,
    setup: impl FnOnce(&mut EditorApp),
) -> (Harness<'static, EditorApp>, Host) {
    sized(SMALL, panel, setup)
}

fn sized(
    size: Vec2,
    panel: Panel,
    setup: impl FnOnce(&mut EditorApp),
) -> (Harness<'static, EditorApp>, Host) {
    let (mut app, host) = editor();
    app.panel = panel;
    setup(&mut app);
    let mut h = build(builder(size), app);
    h.run();
    (h, host)
}

/// A harness builder for the editor at `size`, in the editor's own style (its spacing decides
/// what fits), stepping at 60 frames a second (so two clicks 0.1 s apart are a double-click).
pub fn builder(size: Vec2) -> HarnessBuilder<EditorApp> {
    Harness::builder()
        .with_context_setup(theme::apply)
        .with_size(size)
        .with_step_dt(1.0 / 60.0)
        .with_max_steps(120)
}

pub fn build(builder: HarnessBuilder<EditorApp>, app: EditorApp) -> Harness<'static, EditorApp> {
    builder.build_ui_state(|ui, app: &mut EditorApp| app.draw(ui), app)
}

/// Set a parameter as the host would (no gesture: the tests' starting point).
pub fn set_plain<P: Param>(param: &P, plain: P::Plain) {
    // SAFETY: the parameter outlives the call.
    unsafe {
        let n = param.preview_normalized(plain);
        param.as_ptr()._internal_set_normalized_value(n);
    }
}

/// Press at `from`, move by `by` in a few steps, release.
pub fn drag(h: &mut Harness<'static, EditorApp>, from: Pos2, by: Vec2) {
    h.hover_at(from);
    h.run();
    h.drag_at(from);
    h.run();
    for k in 1..=4 {
        h.hover_at(from + by * k as f32 / 4.0);
        h.run();
    }
    h.drop_at(from + by);
    h.run();
}

/// Where the panel's nodes named `label` are (nodes elsewhere in the editor left out).
pub fn in_panel(h: &Harness<'static, EditorApp>, label: &str) -> Vec<Rect> {
    let panel = panel_rect(h.ctx.content_rect().size());
    h.query_all_by_label(label)
        .map(|n| n.rect())
        .filter(|r| panel.contains_rect(*r))
        .collect()
}

/// Centre of the node named `label`.
pub fn centre(h: &Harness<'static, EditorApp>, label: &str) -> Pos2 {
    h.get_by_label(label).rect().center()
}

/// The panel area of the editor in a harness of `size`: the harness moves the editor 8
/// points in from the top left and takes 16 off its height (not off its width).
pub fn panel_rect(size: Vec2) -> Rect {
    let g = theme::GRID;
    let full = Rect::from_min_size(pos2(8.0, 8.0), size - egui::vec2(0.0, 16.0));
    Rect::from_min_max(
        pos2(full.left(), full.top() + 21.0 * g),
        pos2(full.right() - 50.0 * g, full.bottom()),
    )
    .shrink(2.0 * g)
}

/// Every widget of the panel lies inside the panel area, and no two overlap (drag areas
/// on a plot may: a crossover handle sits on its bands).
pub fn assert_tidy(h: &Harness<'static, EditorApp>) {
    use egui::accesskit::Role;
    let size = h.ctx.content_rect().size();
    let panel = panel_rect(size);
    assert!(
        panel.width() <= 690.0 && panel.height() <= 470.0,
        "{panel:?}"
    );
    let leaves: Vec<(String, Role, Rect)> = h
        .root()
        .children_recursive()
        .filter(|n| n.accesskit_node().children().next().is_none())
        .filter_map(|n| {
            let r = n.accesskit_node().bounding_box()?;
            let rect = Rect::from_min_max(
                pos2(r.x0 as f32, r.y0 as f32),
                pos2(r.x1 as f32, r.y1 as f32),
            );
            let label = n.accesskit_node().label().unwrap_or_default();
            (rect.intersects(panel) && rect.area() > 0.0).then_some((
                label,
                n.accesskit_node().role(),
                rect,
            ))
        })
        .collect();
    assert!(leaves.len() > 5, "too few widgets found: {leaves:?}");
    for (label, role, r) in &leaves {
        assert!(
            panel.expand(0.5).contains_rect(*r),
            "{role:?} {label:?} at {r:?} leaves the panel {panel:?}"
        );
    }
    for (i, (la, ra, a)) in leaves.iter().enumerate() {
        for (lb, rb, b) in &leaves[i + 1..] {
            if *ra == Role::Slider && *rb == Role::Slider {
                continue;
            }
            let o = a.intersect(*b);
            assert!(
                !(o.width() > 0.5 && o.height() > 0.5),
                "{ra:?} {la:?} at {a:?} overlaps {rb:?} {lb:?} at {b:?}"
            );
        }
    }
}
