//! A minimal but real CLAP host, built on `clack-host`, that loads the built `Lacquer.clap`.
//!
//! The host registers the extensions a DAW offers (log, params, latency, state, thread-check) and
//! tells the plugin the truth about threads: calls made inside `process()` are on the "audio
//! thread", everything else is on the "main thread", so nice-plug queues its GUI-side work the
//! way it would in a DAW and this host pumps it with `on_main_thread` callbacks.

use clack_extensions::gui::{GuiSize, HostGui, HostGuiImpl};
use clack_extensions::latency::{HostLatency, HostLatencyImpl, PluginLatency};
use clack_extensions::log::{HostLog, HostLogImpl, LogSeverity};
use clack_extensions::params::{
    HostParams, HostParamsImplMainThread, HostParamsImplShared, ParamClearFlags, ParamInfoBuffer,
    ParamInfoFlags, ParamRescanFlags, PluginParams,
};
use clack_extensions::state::{HostState, HostStateImpl, PluginState};
use clack_extensions::thread_check::{HostThreadCheck, HostThreadCheckImpl};
use clack_host::events::event_types::{ParamValueEvent, TransportEvent, TransportFlags};
use clack_host::events::{EventFlags, EventHeader};
use clack_host::prelude::*;
use clack_host::utils::ClapId;
use std::ffi::{CStr, CString};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};
use std::sync::OnceLock;

use crate::signal::Stereo;

/// Where the test bundles are: `LACQUER_BUNDLE_DIR`, or `target/test-bundled` (written by
/// `cargo xtask test-bundle`).
pub fn bundle_dir() -> PathBuf {
    std::env::var_os("LACQUER_BUNDLE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/test-bundled"))
}

pub fn clap_path() -> PathBuf {
    bundle_dir().join("Lacquer.clap")
}

pub fn vst3_path() -> PathBuf {
    bundle_dir().join("Lacquer.vst3")
}

/// The loaded CLAP entry, shared by every test in the process (as a DAW shares one library).
/// nice-plug's CLAP state stream: the JSON state behind its length (u64, little endian).
pub fn clap_state(json: &[u8]) -> Vec<u8> {
    let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(json);
    bytes
}

/// The JSON state inside a CLAP state stream (its length checked).
pub fn state_json(stream: &[u8]) -> serde_json::Value {
    let (len, json) = stream.split_at(8);
    assert_eq!(
        u64::from_le_bytes(len.try_into().unwrap()) as usize,
        json.len()
    );
    serde_json::from_slice(json).expect("the state is JSON")
}

pub fn entry() -> &'static PluginEntry {
    static ENTRY: OnceLock<PluginEntry> = OnceLock::new();
    ENTRY.get_or_init(|| {
        let path = clap_path();
        assert!(
            path.exists(),
            "{} is missing: build it with `cargo xtask test-bundle` (the README's test command does)",
            path.display()
        );
        // SAFETY: loading a CLAP library runs its init; Lacquer's is side-effect free.
        unsafe { PluginEntry::load(&path) }.unwrap_or_else(|e| panic!("loading {path:?}: {e}"))
    })
}

pub const PLUGIN_ID: &str = "audio.lacquer.mastering";

pub struct Shared {
    in_process: AtomicBool,
    pub restart_requested: AtomicBool,
    pub process_requested: AtomicBool,
    pub callback_requested: AtomicBool,
    pub flush_requested: AtomicBool,
    pub errors_logged: AtomicU32,
}

impl<'a> SharedHandler<'a> for Shared {
    // These may run inside the plugin's process(): atomics only.
    fn request_restart(&self) {
        self.restart_requested.store(true, SeqCst)
    }
    fn request_process(&self) {
        self.process_requested.store(true, SeqCst)
    }
    fn request_callback(&self) {
        self.callback_requested.store(true, SeqCst)
    }
}

impl HostLogImpl for Shared {
    fn log(&self, severity: LogSeverity, message: &str) {
        if matches!(
            severity,
            LogSeverity::Error | LogSeverity::Fatal | LogSeverity::PluginMisbehaving
        ) {
            self.errors_logged.fetch_add(1, SeqCst);
        }
        if !self.in_process.load(SeqCst) {
            eprintln!("[plugin {severity}] {message}");
        }
    }
}

impl HostParamsImplShared for Shared {
    fn request_flush(&self) {
        self.flush_requested.store(true, SeqCst)
    }
}

impl HostGuiImpl for Shared {
    fn resize_hints_changed(&self) {}
    fn request_resize(&self, _new_size: GuiSize) -> Result<(), HostError> {
        Ok(())
    }
    fn request_show(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn request_hide(&self) -> Result<(), HostError> {
        Ok(())
    }
    fn closed(&self, _was_destroyed: bool) {}
}

impl HostThreadCheckImpl for Shared {
    fn is_main_thread(&self) -> bool {
        !self.in_process.load(SeqCst)
    }
    fn is_audio_thread(&self) -> bool {
        self.in_process.load(SeqCst)
    }
}

pub struct MainThread {
    pub rescans: AtomicU32,
    pub clears: AtomicU32,
    pub latency_changed: AtomicU32,
    pub dirty: AtomicU32,
}

impl<'a> MainThreadHandler<'a> for MainThread {}

impl HostParamsImplMainThread for MainThread {
    fn rescan(&self, _flags: ParamRescanFlags) {
        self.rescans.fetch_add(1, SeqCst);
    }
    fn clear(&self, _param_id: ClapId, _flags: ParamClearFlags) {
        self.clears.fetch_add(1, SeqCst);
    }
}

impl HostLatencyImpl for MainThread {
    fn changed(&self) {
        self.latency_changed.fetch_add(1, SeqCst);
    }
}

impl HostStateImpl for MainThread {
    fn mark_dirty(&self) {
        self.dirty.fetch_add(1, SeqCst);
    }
}

pub struct TestHost;

impl HostHandlers for TestHost {
    type Shared<'a> = Shared;
    type MainThread<'a> = MainThread;
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder
            .register::<HostLog>()
            .register::<HostParams>()
            .register::<HostLatency>()
            .register::<HostState>()
            .register::<HostThreadCheck>()
            .register::<HostGui>();
    }
}

/// One parameter as the host sees it.
#[derive(Debug, Clone)]
pub struct ParamDesc {
    pub id: ClapId,
    pub name: String,
    pub module: String,
    pub min: f64,
    pub max: f64,
    pub default: f64,
    pub flags: ParamInfoFlags,
}

impl ParamDesc {
    pub fn is_stepped(&self) -> bool {
        self.flags.contains(ParamInfoFlags::IS_STEPPED)
    }
}

/// A parameter change at an absolute frame of a render.
#[derive(Debug, Clone, Copy)]
pub struct Automation {
    pub frame: u64,
    pub id: ClapId,
    pub value: f64,
}

/// The song position a host reports with each block (a transport that plays advances by the
/// block's length after it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SongTransport {
    pub playing: bool,
    /// Song position of the block's first sample, in samples at the session rate.
    pub pos: i64,
    pub tempo: f64,
}

impl SongTransport {
    pub fn playing_from(pos: i64) -> Self {
        Self {
            playing: true,
            pos,
            tempo: 120.0,
        }
    }

    /// The CLAP event for a block at `sample_rate` (seconds and beats timelines and a tempo,
    /// as DAWs send them).
    fn event(&self, sample_rate: f64) -> TransportEvent {
        let seconds = self.pos as f64 / sample_rate;
        let mut flags = TransportFlags::HAS_TEMPO
            | TransportFlags::HAS_SECONDS_TIMELINE
            | TransportFlags::HAS_BEATS_TIMELINE
            | TransportFlags::HAS_TIME_SIGNATURE;
        if self.playing {
            flags |= TransportFlags::IS_PLAYING;
        }
        let beats = seconds * self.tempo / 60.0;
        TransportEvent {
            header: EventHeader::new_core(0, EventFlags::empty()),
            flags,
            song_pos_beats: clack_host::utils::BeatTime::from_float(beats),
            song_pos_seconds: clack_host::utils::SecondsTime::from_float(seconds),
            tempo: self.tempo,
            tempo_inc: 0.0,
            loop_start_beats: clack_host::utils::BeatTime::from_int(0),
            loop_end_beats: clack_host::utils::BeatTime::from_int(0),
            loop_start_seconds: clack_host::utils::SecondsTime::from_int(0),
            loop_end_seconds: clack_host::utils::SecondsTime::from_int(0),
            bar_start: clack_host::utils::BeatTime::from_float((beats / 4.0).floor() * 4.0),
            bar_number: (beats / 4.0).floor() as i32,
            time_signature_numerator: 4,
            time_signature_denominator: 4,
        }
    }
}

/// One plugin instance in the test host.
pub struct Host {
    pub instance: PluginInstance<TestHost>,
    processor: Option<StartedPluginAudioProcessor<TestHost>>,
    in_ports: AudioPorts,
    out_ports: AudioPorts,
    out_events: EventBuffer,
    scratch_in: [Vec<f32>; 2],
    steady_time: u64,
    pub sample_rate: f64,
    pub max_block: usize,
    /// Sent with every block when set (none by default: no transport information at all).
    pub transport: Option<SongTransport>,
}

impl Host {
    pub fn new() -> Self {
        let host_info = HostInfo::new(
            "lacquer-tests",
            "Lacquer",
            "https://lacquer.audio",
            env!("CARGO_PKG_VERSION"),
        )
        .expect("host info");
        let plugin_id = CString::new(PLUGIN_ID).unwrap();
        let instance = PluginInstance::<TestHost>::new(
            |_| Shared {
                in_process: AtomicBool::new(false),
                restart_requested: AtomicBool::new(false),
                process_requested: AtomicBool::new(false),
                callback_requested: AtomicBool::new(false),
                flush_requested: AtomicBool::new(false),
                errors_logged: AtomicU32::new(0),
            },
            |_| MainThread {
                rescans: AtomicU32::new(0),
                clears: AtomicU32::new(0),
                latency_changed: AtomicU32::new(0),
                dirty: AtomicU32::new(0),
            },
            entry(),
            &plugin_id,
            &host_info,
        )
        .expect("instantiating Lacquer");
        Self {
            instance,
            processor: None,
            in_ports: AudioPorts::with_capacity(2, 1),
            out_ports: AudioPorts::with_capacity(2, 1),
            out_events: EventBuffer::with_capacity(4096),
            scratch_in: [Vec::new(), Vec::new()],
            steady_time: 0,
            sample_rate: 0.0,
            max_block: 0,
            transport: None,
        }
    }

    /// A new instance, activated and started.
    pub fn active(sample_rate: f64, max_block: usize) -> Self {
        let mut host = Self::new();
        host.activate(sample_rate, max_block);
        host
    }

    pub fn activate(&mut self, sample_rate: f64, max_block: usize) {
        assert!(self.processor.is_none(), "already active");
        let config = PluginAudioConfiguration {
            sample_rate,
            min_frames_count: 1,
            max_frames_count: max_block as u32,
        };
        let stopped = self.instance.activate(|_, _| (), config).expect("activate");
        let started = stopped
            .start_processing()
            .unwrap_or_else(|_| panic!("start_processing failed"));
        self.processor = Some(started);
        self.scratch_in = [vec![0.0; max_block], vec![0.0; max_block]];
        self.sample_rate = sample_rate;
        self.max_block = max_block;
        self.pump_main_thread();
    }

    pub fn deactivate(&mut self) {
        if let Some(started) = self.processor.take() {
            let stopped = started.stop_processing();
            self.instance.deactivate(stopped);
        }
        self.pump_main_thread();
    }

    pub fn is_active(&self) -> bool {
        self.processor.is_some()
    }

    /// Run queued main-thread work the plugin asked for, as a DAW's UI loop would.
    pub fn pump_main_thread(&mut self) {
        for _ in 0..8 {
            let requested = self
                .instance
                .access_shared_handler(|s| s.callback_requested.swap(false, SeqCst));
            if !requested {
                break;
            }
            self.instance.call_on_main_thread_callback();
        }
    }

    /// Process one block in place. `events` are (offset within block, id, value), sorted.
    pub fn process_block(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        events: &[(u32, ClapId, f64)],
    ) -> Vec<(u32, ClapId, f64)> {
        let n = left.len();
        assert_eq!(n, right.len());
        assert!(
            n >= 1 && n <= self.max_block,
            "block of {n} outside 1..={}",
            self.max_block
        );
        self.scratch_in[0][..n].copy_from_slice(left);
        self.scratch_in[1][..n].copy_from_slice(right);
        let param_events: Vec<ParamValueEvent> = events
            .iter()
            .map(|&(offset, id, value)| ParamValueEvent::new(offset, id, Pckn::match_all(), value))
            .collect();
        self.out_events.clear();
        let processor = self.processor.as_mut().expect("not active");
        let [in_l, in_r] = &mut self.scratch_in;
        let input = self.in_ports.with_input_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_input_only(
                [&mut in_l[..n], &mut in_r[..n]]
                    .into_iter()
                    .map(InputChannel::variable),
            ),
        }]);
        let mut output = self.out_ports.with_output_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_output_only([left, right].into_iter()),
        }]);
        let input_events = InputEvents::from_buffer(&param_events);
        let mut output_events = OutputEvents::from_buffer(&mut self.out_events);
        let transport = self.transport.map(|t| t.event(self.sample_rate));
        self.instance
            .access_shared_handler(|s| s.in_process.store(true, SeqCst));
        let status = processor.process(
            &input,
            &mut output,
            &input_events,
            &mut output_events,
            Some(self.steady_time),
            transport.as_ref(),
        );
        self.instance
            .access_shared_handler(|s| s.in_process.store(false, SeqCst));
        status.expect("process failed");
        self.steady_time += n as u64;
        if let Some(t) = self.transport.as_mut().filter(|t| t.playing) {
            t.pos += n as i64;
        }
        let out: Vec<(u32, ClapId, f64)> = self
            .out_events
            .iter()
            .filter_map(|e| e.as_event::<ParamValueEvent>())
            .filter_map(|pv| Some((pv.time(), pv.param_id()?, pv.value())))
            .collect();
        self.pump_main_thread();
        out
    }

    /// Render a whole signal in blocks whose sizes come from `block_sizes` (cycled), applying
    /// automation at its exact frame.
    pub fn render(
        &mut self,
        input: &Stereo,
        block_sizes: &mut dyn FnMut() -> usize,
        automation: &[Automation],
    ) -> Stereo {
        let mut out = input.clone();
        let total = input.len();
        let mut sorted: Vec<Automation> = automation.to_vec();
        sorted.sort_by_key(|a| a.frame);
        let mut next_event = 0;
        let mut pos = 0;
        while pos < total {
            let n = block_sizes().clamp(1, self.max_block).min(total - pos);
            let mut events = Vec::new();
            while next_event < sorted.len() && sorted[next_event].frame < (pos + n) as u64 {
                let a = sorted[next_event];
                let offset = a.frame.saturating_sub(pos as u64) as u32;
                events.push((offset, a.id, a.value));
                next_event += 1;
            }
            let (l, r) = (&mut out.left[pos..pos + n], &mut out.right[pos..pos + n]);
            self.process_block(l, r, &events);
            pos += n;
        }
        out
    }

    /// Render with a fixed block size.
    pub fn render_fixed(
        &mut self,
        input: &Stereo,
        block: usize,
        automation: &[Automation],
    ) -> Stereo {
        self.render(input, &mut || block, automation)
    }

    fn params_ext(&self) -> PluginParams {
        self.instance
            .plugin_shared_handle()
            .get_extension()
            .expect("Lacquer has no params extension")
    }

    pub fn params(&mut self) -> Vec<ParamDesc> {
        let ext = self.params_ext();
        let count = ext.count(&self.instance.plugin_handle());
        let mut buf = ParamInfoBuffer::new();
        (0..count)
            .map(|i| {
                let info = ext
                    .get_info(&self.instance.plugin_handle(), i, &mut buf)
                    .expect("param info");
                ParamDesc {
                    id: info.id,
                    name: String::from_utf8_lossy(info.name).into_owned(),
                    module: String::from_utf8_lossy(info.module).into_owned(),
                    min: info.min_value,
                    max: info.max_value,
                    default: info.default_value,
                    flags: info.flags,
                }
            })
            .collect()
    }

    pub fn param(&mut self, name: &str) -> ParamDesc {
        self.params()
            .into_iter()
            .find(|p| p.name == name)
            .unwrap_or_else(|| panic!("no parameter named {name:?}"))
    }

    pub fn value(&mut self, id: ClapId) -> Option<f64> {
        let ext = self.params_ext();
        ext.get_value(&self.instance.plugin_handle(), id)
    }

    pub fn value_to_text(&mut self, id: ClapId, value: f64) -> Option<String> {
        let ext = self.params_ext();
        let mut buf = [0u8; 256];
        ext.value_to_text(&self.instance.plugin_handle(), id, value, &mut buf)
            .ok()
            .map(|b| {
                String::from_utf8_lossy(b)
                    .trim_end_matches('\0')
                    .to_string()
            })
    }

    pub fn text_to_value(&mut self, id: ClapId, text: &str) -> Option<f64> {
        let ext = self.params_ext();
        let text = CString::new(text).ok()?;
        ext.text_to_value(&self.instance.plugin_handle(), id, &text)
    }

    /// `params.flush` on an inactive plugin: parameter changes without any audio processing.
    pub fn flush_inactive(&mut self, changes: &[(ClapId, f64)]) {
        let ext = self.params_ext();
        let events: Vec<ParamValueEvent> = changes
            .iter()
            .map(|&(id, v)| ParamValueEvent::new(0, id, Pckn::match_all(), v))
            .collect();
        let mut out = EventBuffer::new();
        let mut handle = self
            .instance
            .inactive_plugin_handle()
            .expect("flush_inactive needs an inactive plugin");
        ext.flush(
            &mut handle,
            &InputEvents::from_buffer(&events),
            &mut OutputEvents::from_buffer(&mut out),
        );
        self.pump_main_thread();
    }

    pub fn latency(&mut self) -> u32 {
        let ext: PluginLatency = self
            .instance
            .plugin_shared_handle()
            .get_extension()
            .expect("Lacquer has no latency extension");
        ext.get(&self.instance.plugin_handle())
    }

    fn state_ext(&self) -> PluginState {
        self.instance
            .plugin_shared_handle()
            .get_extension()
            .expect("Lacquer has no state extension")
    }

    pub fn save_state(&mut self) -> Vec<u8> {
        let ext = self.state_ext();
        let mut bytes = Vec::new();
        ext.save(&self.instance.plugin_handle(), &mut bytes)
            .expect("state save");
        bytes
    }

    pub fn load_state(&mut self, bytes: &[u8]) -> Result<(), String> {
        let ext = self.state_ext();
        let result = ext
            .load(
                &self.instance.plugin_handle(),
                &mut std::io::Cursor::new(bytes),
            )
            .map_err(|e| format!("{e:?}"));
        self.pump_main_thread();
        result
    }

    pub fn errors_logged(&self) -> u32 {
        self.instance
            .access_shared_handler(|s| s.errors_logged.load(SeqCst))
    }

    pub fn restart_requested(&self) -> bool {
        self.instance
            .access_shared_handler(|s| s.restart_requested.swap(false, SeqCst))
    }
}

impl Default for Host {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        self.deactivate();
    }
}

/// The plugin descriptor as the factory lists it.
#[derive(Debug)]
pub struct Descriptor {
    pub id: String,
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub features: Vec<String>,
}

pub fn descriptors() -> Vec<Descriptor> {
    let factory = entry()
        .get_plugin_factory()
        .expect("Lacquer.clap has no plugin factory");
    let s = |c: Option<&CStr>| {
        c.map(|c| c.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    factory
        .plugin_descriptors()
        .map(|d| Descriptor {
            id: s(d.id()),
            name: s(d.name()),
            vendor: s(d.vendor()),
            version: s(d.version()),
            features: d
                .features()
                .map(|f| f.to_string_lossy().into_owned())
                .collect(),
        })
        .collect()
}

/// A window standing in for the DAW's plugin window (X11), to embed the editor in. Needs
/// `DISPLAY` (the editor test starts its own Xvfb). The window goes with the connection;
/// destroying it explicitly while the GL layer still holds a dead editor's resources made
/// the process crash at exit.
pub struct ParentWindow {
    _conn: x11rb::rust_connection::RustConnection,
    pub window: u32,
}

impl ParentWindow {
    pub fn new() -> Result<Self, String> {
        use x11rb::connection::Connection;
        use x11rb::protocol::xproto::{ConnectionExt, CreateWindowAux, WindowClass};
        let (conn, screen_num) =
            x11rb::connect(None).map_err(|e| format!("connecting to the X server: {e}"))?;
        let screen = &conn.setup().roots[screen_num];
        let window = conn.generate_id().map_err(|e| e.to_string())?;
        conn.create_window(
            x11rb::COPY_DEPTH_FROM_PARENT,
            window,
            screen.root,
            0,
            0,
            1200,
            800,
            0,
            WindowClass::INPUT_OUTPUT,
            0,
            &CreateWindowAux::new().background_pixel(screen.black_pixel),
        )
        .map_err(|e| e.to_string())?;
        conn.map_window(window).map_err(|e| e.to_string())?;
        conn.flush().map_err(|e| e.to_string())?;
        Ok(Self {
            _conn: conn,
            window,
        })
    }
}

impl Host {
    fn gui_ext(&self) -> clack_extensions::gui::PluginGui {
        self.instance
            .plugin_shared_handle()
            .get_extension()
            .expect("Lacquer has no GUI extension")
    }

    /// Create the editor embedded in `parent` and show it (CLAP gui: create, set_parent, show).
    pub fn open_editor(&mut self, parent: &ParentWindow) -> Result<GuiSize, String> {
        use clack_extensions::gui::{GuiApiType, GuiConfiguration, Window};
        let gui = self.gui_ext();
        let plugin = &mut self.instance.plugin_handle();
        let config = GuiConfiguration {
            api_type: GuiApiType::X11,
            is_floating: false,
        };
        if !gui.is_api_supported(plugin, config) {
            return Err("X11 embedding not supported".into());
        }
        gui.create(plugin, config)
            .map_err(|e| format!("gui.create: {e:?}"))?;
        let size = gui.get_size(plugin).ok_or("gui.get_size failed")?;
        // SAFETY: `parent.window` is a live X11 window.
        unsafe { gui.set_parent(plugin, Window::from_x11_handle(parent.window as _)) }
            .map_err(|e| format!("gui.set_parent: {e:?}"))?;
        gui.show(plugin).map_err(|e| format!("gui.show: {e:?}"))?;
        Ok(size)
    }

    /// Hide and destroy the editor.
    pub fn close_editor(&mut self) -> Result<(), String> {
        let gui = self.gui_ext();
        let plugin = &mut self.instance.plugin_handle();
        gui.hide(plugin).map_err(|e| format!("gui.hide: {e:?}"))?;
        gui.destroy(plugin);
        self.pump_main_thread();
        Ok(())
    }
}
