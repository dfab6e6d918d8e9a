//! Loads the built VST3 binary and reads its factory through the VST3 ABI, as a VST3 host's
//! scanner does: dlopen, `ModuleEntry`, `GetPluginFactory`, class info, `ModuleExit`.

use libloading::os::unix::Library;
use std::ffi::{c_char, c_void};
use std::path::{Path, PathBuf};
use vst3::ComPtr;
use vst3::Steinberg::{
    kResultOk, IPluginFactory, IPluginFactory2, IPluginFactory2Trait, IPluginFactoryTrait,
    PClassInfo, PClassInfo2, PFactoryInfo,
};

#[derive(Debug, Clone)]
pub struct ClassInfo {
    pub cid: [u8; 16],
    pub category: String,
    pub name: String,
    pub vendor: String,
    pub version: String,
    pub sub_categories: Vec<String>,
    pub sdk_version: String,
}

#[derive(Debug, Clone)]
pub struct FactoryInfo {
    pub vendor: String,
    pub url: String,
    pub email: String,
    pub classes: Vec<ClassInfo>,
}

fn c8(chars: &[c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The module binary inside a `.vst3` bundle for this platform.
pub fn module_binary(bundle: &Path) -> PathBuf {
    let stem = bundle.file_stem().unwrap().to_string_lossy().into_owned();
    bundle
        .join("Contents")
        .join(format!("{}-linux", std::env::consts::ARCH))
        .join(format!("{stem}.so"))
}

type GetPluginFactoryFn = unsafe extern "system" fn() -> *mut c_void;
type ModuleEntryFn = unsafe extern "C" fn(*mut c_void) -> bool;
type ModuleExitFn = unsafe extern "C" fn() -> bool;

pub fn read_factory(bundle: &Path) -> Result<FactoryInfo, String> {
    let binary = module_binary(bundle);
    // SAFETY: this follows the VST3 module contract for Linux hosts.
    unsafe {
        let lib = Library::new(&binary).map_err(|e| format!("dlopen {}: {e}", binary.display()))?;
        let handle = lib.into_raw();
        let lib = Library::from_raw(handle);
        if let Ok(module_entry) = lib.get::<ModuleEntryFn>(b"ModuleEntry\0") {
            if !module_entry(handle) {
                return Err("ModuleEntry returned false".into());
            }
        }
        let info = {
            let get_factory = lib
                .get::<GetPluginFactoryFn>(b"GetPluginFactory\0")
                .map_err(|e| format!("no GetPluginFactory: {e}"))?;
            let factory = ComPtr::<IPluginFactory>::from_raw(get_factory() as *mut IPluginFactory)
                .ok_or("GetPluginFactory returned null")?;
            let mut fi: PFactoryInfo = std::mem::zeroed();
            if factory.getFactoryInfo(&mut fi) != kResultOk {
                return Err("getFactoryInfo failed".into());
            }
            let factory2 = factory.cast::<IPluginFactory2>();
            let mut classes = Vec::new();
            for i in 0..factory.countClasses() {
                let mut ci: PClassInfo = std::mem::zeroed();
                if factory.getClassInfo(i, &mut ci) != kResultOk {
                    return Err(format!("getClassInfo({i}) failed"));
                }
                let mut class = ClassInfo {
                    cid: ci.cid.map(|c| c as u8),
                    category: c8(&ci.category),
                    name: c8(&ci.name),
                    vendor: String::new(),
                    version: String::new(),
                    sub_categories: Vec::new(),
                    sdk_version: String::new(),
                };
                if let Some(f2) = &factory2 {
                    let mut c2: PClassInfo2 = std::mem::zeroed();
                    if f2.getClassInfo2(i, &mut c2) == kResultOk {
                        class.vendor = c8(&c2.vendor);
                        class.version = c8(&c2.version);
                        class.sdk_version = c8(&c2.sdkVersion);
                        class.sub_categories =
                            c8(&c2.subCategories).split('|').map(String::from).collect();
                    }
                }
                classes.push(class);
            }
            FactoryInfo {
                vendor: c8(&fi.vendor),
                url: c8(&fi.url),
                email: c8(&fi.email),
                classes,
            }
        };
        if let Ok(module_exit) = lib.get::<ModuleExitFn>(b"ModuleExit\0") {
            module_exit();
        }
        drop(lib);
        Ok(info)
    }
}
