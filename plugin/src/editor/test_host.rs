//! A stand-in for the host in editor tests: applies parameter changes at once and records
//! every gesture, so tests can check values and that each edit was one begin/end pair.

use nice_plug::context::gui::{GuiContext, GuiContextInner};
use nice_plug::prelude::{ParamPtr, PluginApi, PluginState};
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
pub fn editor() -> (super::EditorApp, Arc<TestHost>) {
    let host = Arc::new(TestHost::default());
    let params = Arc::new(lacquer_session::params::LacquerParams::default());
    let meters = Arc::new(crate::meters::SharedMeters::default());
    let app = super::EditorApp::new(params, meters).with_gui(GuiContext::new(host.clone()));
    (app, host)
}
