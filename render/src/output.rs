//! Writing: WAV (hound) and FLAC (flacenc, streamed frame by frame), always into a temporary
//! file beside the destination that is renamed into place only when everything succeeded. A
//! failed or interrupted render never leaves a partial file under the final name.

use flacenc::bitsink::MemSink;
use flacenc::component::{BitRepr, Stream, StreamInfo};
use flacenc::error::Verify;
use flacenc::source::{Context, Fill, FrameBuf};
use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
pub enum Bits {
    #[value(name = "16")]
    I16,
    #[value(name = "24")]
    I24,
    #[value(name = "32f")]
    F32,
}

impl Bits {
    /// Integer word length, `None` for float.
    pub fn integer(self) -> Option<u32> {
        match self {
            Bits::I16 => Some(16),
            Bits::I24 => Some(24),
            Bits::F32 => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Bits::I16 => "16-bit",
            Bits::I24 => "24-bit",
            Bits::F32 => "32-bit float",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
pub enum Format {
    Wav,
    Flac,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Wav => "wav",
            Format::Flac => "flac",
        }
    }

    /// From a file name's extension.
    pub fn of_path(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "wav" | "wave" => Some(Format::Wav),
            "flac" => Some(Format::Flac),
            _ => None,
        }
    }
}

/// A file being written: a temporary name beside `dest`, renamed on `commit`, removed on drop
/// if not committed.
pub struct Pending {
    pub dest: PathBuf,
    pub temp: PathBuf,
    committed: bool,
}

impl Pending {
    pub fn new(dest: &Path) -> Self {
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "output".into());
        // Hidden, beside the destination (so the rename stays on one file system), keeping the
        // extension (the PNG encoder picks its format from it).
        let temp = dest.with_file_name(format!(".lacquer-{}-{name}", std::process::id()));
        Self {
            dest: dest.into(),
            temp,
            committed: false,
        }
    }

    pub fn commit(mut self) -> Result<(), String> {
        std::fs::rename(&self.temp, &self.dest).map_err(|e| {
            format!(
                "cannot move the finished file into place at {}: {e}",
                self.dest.display()
            )
        })?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// A file handle that fails like a full disk once `LACQUER_TEST_DISK_BYTES` bytes are written:
/// a hook for the full-disk test, read only by builds with debug assertions (the test
/// profile), never by a release renderer.
pub struct LimitedFile {
    file: File,
    left: Option<u64>,
}

impl LimitedFile {
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let left = if cfg!(debug_assertions) {
            std::env::var("LACQUER_TEST_DISK_BYTES")
                .ok()
                .and_then(|v| v.parse().ok())
        } else {
            None
        };
        Ok(Self {
            file: File::create(path)?,
            left,
        })
    }
}

impl Write for LimitedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(left) = self.left.as_mut() {
            if *left < buf.len() as u64 {
                // ENOSPC, as the kernel reports a full disk.
                return Err(std::io::Error::from_raw_os_error(28));
            }
            *left -= buf.len() as u64;
        }
        self.file.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl Seek for LimitedFile {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.file.seek(pos)
    }
}

impl LimitedFile {
    fn sync(&mut self) -> std::io::Result<()> {
        self.file.sync_all()
    }
}

/// Final samples in, file out. Integer formats receive samples already on their grid
/// (dithered or rounded by the engine); the writer only scales them.
pub trait AudioSink: Send {
    fn write(&mut self, left: &[f32], right: &[f32]) -> std::io::Result<()>;
    /// Complete the file (headers, lengths, checksums) and flush it to disk.
    fn finish(self: Box<Self>) -> std::io::Result<()>;
}

/// Open a writer on `path` (the temporary file).
pub fn create_sink(
    path: &Path,
    format: Format,
    bits: Bits,
    rate: u32,
) -> Result<Box<dyn AudioSink>, String> {
    let err = |e: &dyn std::fmt::Display| format!("cannot write {}: {e}", path.display());
    let file = LimitedFile::create(path).map_err(|e| err(&e))?;
    match format {
        Format::Wav => {
            let spec = hound::WavSpec {
                channels: 2,
                sample_rate: rate,
                bits_per_sample: match bits {
                    Bits::I16 => 16,
                    Bits::I24 => 24,
                    Bits::F32 => 32,
                },
                sample_format: match bits {
                    Bits::F32 => hound::SampleFormat::Float,
                    _ => hound::SampleFormat::Int,
                },
            };
            let writer = hound::WavWriter::new(BufWriter::with_capacity(1 << 16, file), spec)
                .map_err(|e| err(&e))?;
            Ok(Box::new(WavSink { writer, bits }))
        }
        Format::Flac => {
            let b = bits
                .integer()
                .ok_or("FLAC holds integer samples: use --bits 16 or 24 (or --format wav)")?;
            Ok(Box::new(FlacSink::new(file, rate, b).map_err(|e| err(&e))?))
        }
    }
}

fn to_int(x: f32, bits: u32) -> i32 {
    let scale = (1i64 << (bits - 1)) as f64;
    (x as f64 * scale).round().clamp(-scale, scale - 1.0) as i32
}

struct WavSink {
    writer: hound::WavWriter<BufWriter<LimitedFile>>,
    bits: Bits,
}

fn hound_io(e: hound::Error) -> std::io::Error {
    match e {
        hound::Error::IoError(e) => e,
        other => std::io::Error::other(other.to_string()),
    }
}

impl AudioSink for WavSink {
    fn write(&mut self, left: &[f32], right: &[f32]) -> std::io::Result<()> {
        match self.bits.integer() {
            None => {
                for (&l, &r) in left.iter().zip(right) {
                    self.writer.write_sample(l).map_err(hound_io)?;
                    self.writer.write_sample(r).map_err(hound_io)?;
                }
            }
            Some(bits) => {
                for (&l, &r) in left.iter().zip(right) {
                    self.writer
                        .write_sample(to_int(l, bits))
                        .map_err(hound_io)?;
                    self.writer
                        .write_sample(to_int(r, bits))
                        .map_err(hound_io)?;
                }
            }
        }
        Ok(())
    }

    fn finish(self: Box<Self>) -> std::io::Result<()> {
        // `finalize` writes the chunk lengths and flushes: a full disk shows up here at last.
        self.writer.finalize().map_err(hound_io)
    }
}

/// FLAC, one frame at a time: STREAMINFO is written first as a placeholder and rewritten with
/// the totals, frame sizes and MD5 at the end.
struct FlacSink {
    file: BufWriter<LimitedFile>,
    info: StreamInfo,
    config: flacenc::error::Verified<flacenc::config::Encoder>,
    framebuf: FrameBuf,
    context: Context,
    block: usize,
    bits: u32,
    interleaved: Vec<i32>,
    sink: MemSink<u8>,
}

impl FlacSink {
    fn new(file: LimitedFile, rate: u32, bits: u32) -> std::io::Result<Self> {
        let bad = |e: &dyn std::fmt::Debug| std::io::Error::other(format!("FLAC: {e:?}"));
        let block = 4096;
        let mut info = StreamInfo::new(rate as usize, 2, bits as usize).map_err(|e| bad(&e))?;
        info.set_block_sizes(block, block).map_err(|e| bad(&e))?;
        let mut config = flacenc::config::Encoder::default();
        config.block_size = block;
        config.multithread = false;
        let config = config.into_verified().map_err(|e| bad(&e.1))?;
        let mut sink = Self {
            file: BufWriter::with_capacity(1 << 16, file),
            info,
            config,
            framebuf: FrameBuf::with_size(2, block).map_err(|e| bad(&e))?,
            context: Context::new(bits as usize, 2),
            block,
            bits,
            interleaved: Vec::with_capacity(block * 2),
            sink: MemSink::new(),
        };
        let header = sink.header()?;
        sink.file.write_all(&header)?;
        Ok(sink)
    }

    fn header(&self) -> std::io::Result<Vec<u8>> {
        let mut info = self.info.clone();
        // A fixed-blocksize stream states its block size as both minimum and maximum; the
        // shorter last block does not count (decoders check frame numbers against this).
        info.set_block_sizes(self.block, self.block)
            .map_err(|e| std::io::Error::other(format!("{e:?}")))?;
        if info.min_frame_size() > info.max_frame_size() {
            info.set_frame_sizes(0, 0)
                .map_err(|e| std::io::Error::other(format!("{e:?}")))?;
        }
        let stream = Stream::with_stream_info(info);
        let mut sink = MemSink::<u8>::new();
        stream
            .write(&mut sink)
            .map_err(|e| std::io::Error::other(format!("FLAC header: {e:?}")))?;
        Ok(sink.into_inner())
    }

    fn encode_block(&mut self) -> std::io::Result<()> {
        if self.interleaved.is_empty() {
            return Ok(());
        }
        let bad = |e: &dyn std::fmt::Debug| std::io::Error::other(format!("FLAC: {e:?}"));
        self.framebuf
            .fill_interleaved(&self.interleaved)
            .map_err(|e| bad(&e))?;
        self.context
            .fill_interleaved(&self.interleaved)
            .map_err(|e| bad(&e))?;
        let number = self.context.current_frame_number().unwrap_or(0);
        let frame =
            flacenc::encode_fixed_size_frame(&self.config, &self.framebuf, number, &self.info)
                .map_err(|e| bad(&e))?;
        self.info.update_frame_info(&frame);
        self.sink.clear();
        frame.write(&mut self.sink).map_err(|e| bad(&e))?;
        self.file.write_all(self.sink.as_slice())?;
        self.interleaved.clear();
        Ok(())
    }
}

impl AudioSink for FlacSink {
    fn write(&mut self, left: &[f32], right: &[f32]) -> std::io::Result<()> {
        for (&l, &r) in left.iter().zip(right) {
            self.interleaved.push(to_int(l, self.bits));
            self.interleaved.push(to_int(r, self.bits));
            if self.interleaved.len() == self.block * 2 {
                self.encode_block()?;
            }
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> std::io::Result<()> {
        self.encode_block()?;
        self.info.set_md5_digest(&self.context.md5_digest());
        let header = self.header()?;
        self.file.flush()?;
        let mut file = self
            .file
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(&header)?;
        file.flush()?;
        file.sync()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lacquer_session::audio_file::AudioReader;

    #[test]
    fn flac_and_wav_round_trip_exactly() {
        let dir = std::env::temp_dir().join(format!("lacquer-render-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let n = 10_000;
        for (format, bits) in [
            (Format::Flac, Bits::I16),
            (Format::Flac, Bits::I24),
            (Format::Wav, Bits::I16),
            (Format::Wav, Bits::I24),
            (Format::Wav, Bits::F32),
        ] {
            let scale = match bits.integer() {
                Some(b) => (1u32 << (b - 1)) as f32,
                None => 1e6,
            };
            let l: Vec<f32> = (0..n)
                .map(|i| ((i as f32 * 0.01).sin() * 0.7 * scale).round() / scale)
                .collect();
            let r: Vec<f32> = l.iter().map(|x| -x * 0.5).collect();
            let r: Vec<f32> = r.iter().map(|x| (x * scale).round() / scale).collect();
            let path = dir.join(format!("t-{bits:?}.{}", format.extension()));
            let mut sink = create_sink(&path, format, bits, 48_000).unwrap();
            for (a, b) in l.chunks(3000).zip(r.chunks(3000)) {
                sink.write(a, b).unwrap();
            }
            sink.finish().unwrap();
            let mut reader = AudioReader::open(&path).unwrap();
            assert_eq!(reader.info().frames, Some(n as u64), "{format:?} {bits:?}");
            let mut a = vec![0.0; n + 10];
            let mut b = vec![0.0; n + 10];
            let got = reader.read(&mut a, &mut b).unwrap();
            assert_eq!(got, n);
            assert_eq!(&a[..n], &l[..], "{format:?} {bits:?}");
            assert_eq!(&b[..n], &r[..], "{format:?} {bits:?}");
            println!(
                "{format:?} {bits:?}: {} bytes",
                std::fs::metadata(&path).unwrap().len()
            );
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
