//! One WAV writer for the tests' input files.

use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// 32-bit float.
    F32,
    /// 16-bit PCM, clipped to full scale and rounded.
    I16,
}

/// A WAV of `frames` frames: sample `f(frame, channel)`.
pub fn write(
    path: &Path,
    rate: u32,
    channels: u16,
    frames: usize,
    format: Format,
    f: impl Fn(usize, usize) -> f32,
) {
    let (bits_per_sample, sample_format) = match format {
        Format::F32 => (32, hound::SampleFormat::Float),
        Format::I16 => (16, hound::SampleFormat::Int),
    };
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample,
        sample_format,
    };
    let mut w =
        hound::WavWriter::create(path, spec).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    for n in 0..frames {
        for c in 0..channels as usize {
            let v = f(n, c);
            match format {
                Format::F32 => w.write_sample(v),
                Format::I16 => w.write_sample((v.clamp(-1.0, 1.0) * 32767.0).round() as i16),
            }
            .unwrap();
        }
    }
    w.finalize().unwrap();
}
