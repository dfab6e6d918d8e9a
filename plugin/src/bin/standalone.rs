//! Lacquer as a standalone application (JACK, ALSA or PulseAudio through cpal).

fn main() {
    nice_plug::nice_export_standalone::<lacquer::Lacquer>();
}
