//! Lacquer's session model, shared by the plugin and the offline renderer: the parameters
//! (`params`), presets and the saved state with its migration (`presets`, `changes`, `ab`),
//! audio-file reading (`audio_file`) and the reference tracks' saved data (`reference`).
//! It knows nothing of the editor, the window layer or the audio thread's engine.

pub mod ab;
pub mod audio_file;
pub mod changes;
pub mod editor_view;
pub mod params;
pub mod presets;
pub mod reference;
pub mod units;
