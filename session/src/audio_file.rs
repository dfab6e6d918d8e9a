//! Audio files in, as planar stereo `f32`: a streaming decoder over every container and codec
//! symphonia reads (WAV, AIFF, CAF, FLAC, ALAC, MP3, AAC/M4A, Ogg Vorbis, MKV/WebM), and a
//! streaming sample-rate converter over rubato. Used by the offline renderer and by reference
//! tracks; neither ever holds a whole decoded file.
//!
//! Mono becomes stereo (the same signal on both sides, as a DAW plays a mono file on a stereo
//! bus); more than two channels are refused rather than folded down behind the user's back.
//!
//! The converter is rubato's synchronous FFT resampler: a BlackmanHarris²-windowed sinc as long
//! as one FFT block (about `RESAMPLER_BLOCK` input frames), applied by overlap-add, so the
//! filter is long and steep at a low cost. Its measured response is in the tests
//! (`resampler_passband_and_stopband`) and in the README.

use rubato::audioadapter_buffers::direct::SequentialSliceOfVecs;
use rubato::{Fft, FixedSync, Resampler, WindowFunction};
use std::fmt;
use std::path::{Path, PathBuf};
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

/// Why a file cannot be read. Each displays as one line naming the file.
#[derive(Debug)]
pub enum AudioFileError {
    /// The file cannot be opened (missing, no permission, a directory).
    Open {
        path: PathBuf,
        error: std::io::Error,
    },
    /// Not an audio file symphonia knows, or a codec it does not decode.
    Unsupported { path: PathBuf, detail: String },
    /// More channels than a stereo master has.
    Channels { path: PathBuf, channels: usize },
    /// The file ends before the length its header promises.
    Truncated {
        path: PathBuf,
        expected_frames: u64,
        decoded_frames: u64,
    },
    /// Damaged data in the middle of the stream.
    Malformed {
        path: PathBuf,
        at_seconds: f64,
        detail: String,
    },
    /// The operating system failed a read part-way through.
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl fmt::Display for AudioFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Open { path, error } => write!(f, "cannot open {}: {error}", path.display()),
            Self::Unsupported { path, detail } => write!(
                f,
                "{}: not an audio file Lacquer can read ({detail})",
                path.display()
            ),
            Self::Channels { path, channels } => write!(
                f,
                "{}: has {channels} channels; Lacquer masters mono or stereo files only",
                path.display()
            ),
            Self::Truncated {
                path,
                expected_frames,
                decoded_frames,
            } => write!(
                f,
                "{}: truncated: its header promises {expected_frames} frames, the file ends \
                 after {decoded_frames}",
                path.display()
            ),
            Self::Malformed {
                path,
                at_seconds,
                detail,
            } => write!(
                f,
                "{}: damaged audio at {at_seconds:.2} s ({detail})",
                path.display()
            ),
            Self::Read { path, error } => write!(f, "cannot read {}: {error}", path.display()),
        }
    }
}

impl std::error::Error for AudioFileError {}

/// What the file holds, as its header says.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioFileInfo {
    pub sample_rate: u32,
    /// Channels in the file (1 or 2); the reader always delivers stereo.
    pub channels: usize,
    /// Length in frames, when the container states it.
    pub frames: Option<u64>,
    /// Codec name, for reports ("pcm_f32le", "flac", "mp3" ...).
    pub codec: String,
}

impl AudioFileInfo {
    pub fn seconds(&self) -> Option<f64> {
        self.frames.map(|n| n as f64 / self.sample_rate as f64)
    }
}

/// Streaming decoder: `read` fills planar stereo blocks until the end of the file.
pub struct AudioReader {
    path: PathBuf,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    info: AudioFileInfo,
    /// Decoded frames not yet handed out, planar per file channel.
    pending: Vec<Vec<f32>>,
    pending_pos: usize,
    decoded: u64,
    finished: bool,
}

impl AudioReader {
    /// Open and probe `path`. Errors name the file and the problem in one line.
    pub fn open(path: &Path) -> Result<Self, AudioFileError> {
        let file = std::fs::File::open(path).map_err(|error| AudioFileError::Open {
            path: path.into(),
            error,
        })?;
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(AudioFileError::Open {
                path: path.into(),
                error: std::io::Error::other("it is a directory"),
            });
        }
        let unsupported = |detail: String| AudioFileError::Unsupported {
            path: path.into(),
            detail,
        };
        let mss = MediaSourceStream::new(Box::new(file), Default::default());
        let mut hint = Hint::new();
        if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
            hint.with_extension(ext);
        }
        let format = symphonia::default::get_probe()
            .probe(
                &hint,
                mss,
                FormatOptions::default(),
                MetadataOptions::default(),
            )
            .map_err(|e| match e {
                SymError::IoError(error) if error.kind() != std::io::ErrorKind::UnexpectedEof => {
                    AudioFileError::Read {
                        path: path.into(),
                        error,
                    }
                }
                other => unsupported(format!("{other}")),
            })?;
        let track = format
            .default_track(TrackType::Audio)
            .ok_or_else(|| unsupported("no audio track".into()))?;
        let params = track
            .codec_params
            .as_ref()
            .and_then(|p| p.audio())
            .ok_or_else(|| unsupported("no audio codec parameters".into()))?
            .clone();
        let track_id = track.id;
        let frames = track.num_frames;
        let decoder = symphonia::default::get_codecs()
            .make_audio_decoder(&params, &AudioDecoderOptions::default())
            .map_err(|e| unsupported(format!("{e}")))?;
        let channels = params.channels.as_ref().map(|c| c.count()).unwrap_or(0);
        let sample_rate = params
            .sample_rate
            .ok_or_else(|| unsupported("no sample rate".into()))?;
        if channels > 2 {
            return Err(AudioFileError::Channels {
                path: path.into(),
                channels,
            });
        }
        let codec = symphonia::default::get_codecs()
            .get_audio_decoder(params.codec)
            .map(|d| d.codec.info.short_name.to_string())
            .unwrap_or_else(|| format!("{:?}", params.codec));
        Ok(Self {
            path: path.into(),
            format,
            decoder,
            track_id,
            info: AudioFileInfo {
                sample_rate,
                // Some containers only learn the layout from the first packet.
                channels: channels.max(1),
                frames,
                codec,
            },
            pending: Vec::new(),
            pending_pos: 0,
            decoded: 0,
            finished: false,
        })
    }

    pub fn info(&self) -> &AudioFileInfo {
        &self.info
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Frames handed out so far.
    pub fn position(&self) -> u64 {
        self.decoded
    }

    /// Fill `left` and `right` (equal lengths) from the file. Returns the frames written:
    /// fewer than asked only at the end, 0 once the file is exhausted.
    pub fn read(&mut self, left: &mut [f32], right: &mut [f32]) -> Result<usize, AudioFileError> {
        let want = left.len().min(right.len());
        let mut done = 0;
        while done < want {
            let available = self.pending.first().map_or(0, |c| c.len()) - self.pending_pos;
            if available == 0 {
                if !self.decode_next()? {
                    break;
                }
                continue;
            }
            let n = available.min(want - done);
            let range = self.pending_pos..self.pending_pos + n;
            left[done..done + n].copy_from_slice(&self.pending[0][range.clone()]);
            let second = self.pending.get(1).unwrap_or(&self.pending[0]);
            right[done..done + n].copy_from_slice(&second[range]);
            self.pending_pos += n;
            self.decoded += n as u64;
            done += n;
        }
        Ok(done)
    }

    /// Decode one packet into `pending`. `false` at the end of the stream.
    fn decode_next(&mut self) -> Result<bool, AudioFileError> {
        if self.finished {
            return Ok(false);
        }
        let at = self.decoded as f64 / self.info.sample_rate as f64;
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => return self.end(),
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return self.end();
                }
                Err(SymError::IoError(error)) => {
                    return Err(AudioFileError::Read {
                        path: self.path.clone(),
                        error,
                    })
                }
                Err(e) => {
                    return Err(AudioFileError::Malformed {
                        path: self.path.clone(),
                        at_seconds: at,
                        detail: e.to_string(),
                    })
                }
            };
            if packet.track_id != self.track_id {
                continue;
            }
            let decoded = match self.decoder.decode(&packet) {
                Ok(buf) => buf,
                Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                    return self.end();
                }
                Err(e) => {
                    return Err(AudioFileError::Malformed {
                        path: self.path.clone(),
                        at_seconds: at,
                        detail: e.to_string(),
                    })
                }
            };
            let channels = decoded.spec().channels().count();
            if channels > 2 {
                return Err(AudioFileError::Channels {
                    path: self.path.clone(),
                    channels,
                });
            }
            if decoded.frames() == 0 {
                continue;
            }
            decoded.copy_to_vecs_planar::<f32>(&mut self.pending);
            self.pending.truncate(channels.max(1));
            self.info.channels = channels.max(1);
            self.pending_pos = 0;
            return Ok(true);
        }
    }

    fn end(&mut self) -> Result<bool, AudioFileError> {
        self.finished = true;
        let delivered = self.decoded + self.pending.first().map_or(0, |c| c.len()) as u64
            - self.pending_pos as u64;
        if let Some(expected) = self.info.frames {
            // A container that overstates by a packet's padding is normal for lossy codecs;
            // a PCM or FLAC file that stops short is damaged.
            if delivered < expected {
                return Err(AudioFileError::Truncated {
                    path: self.path.clone(),
                    expected_frames: expected,
                    decoded_frames: delivered,
                });
            }
        }
        Ok(false)
    }
}

/// Input frames per FFT block of the converter (rounded up to the rate pair's period). The
/// anti-aliasing sinc is as long as one block, so this sets its steepness.
pub const RESAMPLER_BLOCK: usize = 4096;

/// Streaming stereo sample-rate converter. Output sample `m` is the input signal at time
/// `m / to_rate` (the converter's own delay is removed), and `finish` delivers exactly
/// `ceil(frames_in * to / from)` frames in all.
pub struct StreamResampler {
    inner: Fft<f32>,
    from: u32,
    to: u32,
    input: Vec<Vec<f32>>,
    fill: usize,
    output: Vec<Vec<f32>>,
    /// Output frames still to drop (the converter's delay).
    skip: usize,
    frames_in: u64,
    frames_out: u64,
}

impl StreamResampler {
    pub fn new(from: u32, to: u32) -> Result<Self, String> {
        let inner = Fft::<f32>::new_custom(
            from as usize,
            to as usize,
            RESAMPLER_BLOCK,
            1,
            2,
            WindowFunction::BlackmanHarris2,
            FixedSync::Both,
        )
        .map_err(|e| format!("cannot convert {from} Hz to {to} Hz: {e}"))?;
        let chunk_in = inner.input_frames_max();
        let chunk_out = inner.output_frames_max();
        let skip = inner.output_delay();
        Ok(Self {
            inner,
            from,
            to,
            input: vec![vec![0.0; chunk_in]; 2],
            fill: 0,
            output: vec![vec![0.0; chunk_out]; 2],
            skip,
            frames_in: 0,
            frames_out: 0,
        })
    }

    /// Edge of the passband relative to the lower Nyquist frequency (1.0 = Nyquist).
    pub fn cutoff(&self) -> f64 {
        let rel_in = self.inner.cutoff() as f64;
        rel_in * self.from as f64 / self.from.min(self.to) as f64
    }

    /// Length of the anti-aliasing filter in input frames.
    pub fn filter_length(&self) -> usize {
        self.inner.fft_size_in()
    }

    /// Push input; converted frames are appended to `out_left`/`out_right`.
    pub fn process(
        &mut self,
        left: &[f32],
        right: &[f32],
        out_left: &mut Vec<f32>,
        out_right: &mut Vec<f32>,
    ) {
        let n = left.len().min(right.len());
        self.frames_in += n as u64;
        let mut i = 0;
        while i < n {
            let chunk = self.input[0].len();
            let take = (chunk - self.fill).min(n - i);
            self.input[0][self.fill..self.fill + take].copy_from_slice(&left[i..i + take]);
            self.input[1][self.fill..self.fill + take].copy_from_slice(&right[i..i + take]);
            self.fill += take;
            i += take;
            if self.fill == chunk {
                self.run_chunk(out_left, out_right, None);
            }
        }
    }

    /// Flush: everything still inside the converter comes out, and the total output is
    /// exactly `ceil(frames_in * to / from)`.
    pub fn finish(&mut self, out_left: &mut Vec<f32>, out_right: &mut Vec<f32>) {
        let wanted = (self.frames_in as u128 * self.to as u128).div_ceil(self.from as u128) as u64;
        while self.frames_out < wanted {
            let chunk = self.input[0].len();
            for ch in &mut self.input {
                ch[self.fill..].fill(0.0);
            }
            self.fill = chunk;
            self.run_chunk(out_left, out_right, Some(wanted));
        }
    }

    fn run_chunk(&mut self, out_left: &mut Vec<f32>, out_right: &mut Vec<f32>, cap: Option<u64>) {
        let chunk_in = self.input[0].len();
        let chunk_out = self.output[0].len();
        let input = SequentialSliceOfVecs::new(&self.input, 2, chunk_in).expect("input layout");
        let mut output =
            SequentialSliceOfVecs::new_mut(&mut self.output, 2, chunk_out).expect("output layout");
        let (_, written) = self
            .inner
            .process_into_buffer(&input, &mut output, None)
            .expect("fixed-size chunks always fit");
        self.fill = 0;
        let drop = self.skip.min(written);
        self.skip -= drop;
        let mut end = written;
        if let Some(cap) = cap {
            let room = cap.saturating_sub(self.frames_out) as usize;
            end = end.min(drop + room);
        }
        out_left.extend_from_slice(&self.output[0][drop..end]);
        out_right.extend_from_slice(&self.output[1][drop..end]);
        self.frames_out += (end - drop) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lacquer_testkit::signal::tone;
    use lacquer_testkit::{measure, wav};

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("lacquer-audio-file-{}-{name}", std::process::id()))
    }
    /// Float WAV; the right channel at half the left's level.
    fn write_wav(path: &Path, rate: u32, channels: u16, frames: usize, f: impl Fn(usize) -> f32) {
        let half_right = |n, c| f(n) * (1.0 - 0.5 * c as f32);
        wav::write(path, rate, channels, frames, wav::Format::F32, half_right);
    }

    fn read_all(path: &Path) -> Result<(AudioFileInfo, Vec<f32>, Vec<f32>), AudioFileError> {
        let mut r = AudioReader::open(path)?;
        let (mut l, mut rr) = (Vec::new(), Vec::new());
        let mut a = vec![0.0; 1000];
        let mut b = vec![0.0; 1000];
        loop {
            let n = r.read(&mut a, &mut b)?;
            if n == 0 {
                break;
            }
            l.extend_from_slice(&a[..n]);
            rr.extend_from_slice(&b[..n]);
        }
        Ok((r.info().clone(), l, rr))
    }

    #[test]
    fn reads_float_wav_exactly_and_mono_becomes_stereo() {
        let path = temp("stereo.wav");
        let f = |n: usize| ((n as f32) * 0.001).sin() * 0.5;
        write_wav(&path, 48_000, 2, 10_007, f);
        let (info, l, r) = read_all(&path).unwrap();
        assert_eq!(info.sample_rate, 48_000);
        assert_eq!(info.frames, Some(10_007));
        assert_eq!(l.len(), 10_007);
        assert!(l
            .iter()
            .enumerate()
            .all(|(n, &x)| x.to_bits() == f(n).to_bits()));
        assert!(r
            .iter()
            .enumerate()
            .all(|(n, &x)| x.to_bits() == (f(n) * 0.5).to_bits()));

        let mono = temp("mono.wav");
        write_wav(&mono, 44_100, 1, 5000, f);
        let (info, l, r) = read_all(&mono).unwrap();
        assert_eq!(info.channels, 1);
        assert_eq!(l, r);
        assert_eq!(l.len(), 5000);
        std::fs::remove_file(path).ok();
        std::fs::remove_file(mono).ok();
    }

    #[test]
    fn bad_files_give_one_clear_line() {
        let path = temp("truncated.wav");
        write_wav(&path, 48_000, 2, 20_000, |n| (n as f32 * 0.01).sin());
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        let err = read_all(&path).unwrap_err().to_string();
        println!("{err}");
        assert!(err.contains("truncated"), "{err}");

        std::fs::write(&path, b"this is not audio at all, just text").unwrap();
        let err = read_all(&path).unwrap_err().to_string();
        println!("{err}");
        assert!(err.contains("not an audio file"), "{err}");

        let err = read_all(&temp("missing.wav")).unwrap_err().to_string();
        println!("{err}");
        assert!(err.contains("cannot open"), "{err}");

        write_wav(&path, 48_000, 6, 100, |_| 0.0);
        let err = read_all(&path).unwrap_err().to_string();
        println!("{err}");
        assert!(err.contains("6 channels"), "{err}");
        std::fs::remove_file(path).ok();
    }

    /// Gain of the converter at `freq`, dB, from a long sine (steady state only).
    fn sine_gain_db(from: u32, to: u32, freq: f64) -> f64 {
        let n = from as usize / 2;
        let x = tone(from as f64, freq, 0.5, n);
        let mut rs = StreamResampler::new(from, to).unwrap();
        let (mut l, mut r) = (Vec::new(), Vec::new());
        for c in x.chunks(1000) {
            rs.process(c, c, &mut l, &mut r);
        }
        rs.finish(&mut l, &mut r);
        assert_eq!(l.len() as u64, (n as u64 * to as u64).div_ceil(from as u64));
        // The sine at `freq` fitted in the middle.
        let (a, b) = (l.len() / 4, 3 * l.len() / 4);
        20.0 * (measure::sine_amplitude_from(&l[a..b], a, to as f64, freq) / 0.5).log10()
    }

    /// Level of whatever comes out of the converter for a tone that must be rejected, dB
    /// relative to the tone's own level.
    fn rejected_db(from: u32, to: u32, freq: f64) -> f64 {
        let n = from as usize / 2;
        let x = tone(from as f64, freq, 0.5, n);
        let mut rs = StreamResampler::new(from, to).unwrap();
        let (mut l, mut r) = (Vec::new(), Vec::new());
        rs.process(&x, &x, &mut l, &mut r);
        rs.finish(&mut l, &mut r);
        let mid = &l[l.len() / 4..3 * l.len() / 4];
        let rms = (mid.iter().map(|&v| v as f64 * v as f64).sum::<f64>() / mid.len() as f64).sqrt();
        20.0 * (rms.max(1e-20) / (0.5 / 2f64.sqrt())).log10()
    }

    #[test]
    fn resampler_passband_and_stopband() {
        for (from, to) in [(48_000u32, 44_100u32), (44_100, 48_000), (96_000, 44_100)] {
            let edge = 20_000.0f64;
            let mut lo = f64::INFINITY;
            let mut hi = f64::NEG_INFINITY;
            for k in 0..=40 {
                let f = 20.0 * (edge / 20.0f64).powf(k as f64 / 40.0);
                let g = sine_gain_db(from, to, f);
                lo = lo.min(g);
                hi = hi.max(g);
            }
            let nyq = from.min(to) as f64 / 2.0;
            // Stopband: from the lower Nyquist frequency (plus the transition) up to the
            // input's Nyquist frequency; for upsampling, images would sit above the input's.
            let stop_start = nyq + 0.01 * nyq;
            let mut worst = f64::NEG_INFINITY;
            if from > to {
                for k in 0..=12 {
                    let f = stop_start + (from as f64 / 2.0 - stop_start) * k as f64 / 12.5;
                    worst = worst.max(rejected_db(from, to, f));
                }
            }
            let rs = StreamResampler::new(from, to).unwrap();
            let stop = if from > to {
                format!(
                    "stopband {stop_start:.0}-{:.0} Hz at most {worst:.1} dB",
                    from as f64 / 2.0
                )
            } else {
                "upsampling (no stopband to fold)".to_string()
            };
            println!(
                "{from} -> {to} Hz: passband 20 Hz-20 kHz ripple {:.1e} dB (min {lo:+.1e}, \
                 max {hi:+.1e}); {stop}; cutoff {:.4} of Nyquist, filter {} taps",
                hi - lo,
                rs.cutoff(),
                rs.filter_length()
            );
            // The README's figures: ripple under 4e-5 dB, stop band at most -137.9 dB.
            assert!(hi - lo < 8e-5, "passband ripple {:.1e} dB", hi - lo);
            assert!(
                lo.abs() < 8e-5 && hi.abs() < 8e-5,
                "{lo:.1e} .. {hi:.1e} dB"
            );
            if from > to {
                assert!(worst < -132.0, "stopband {worst:.1} dB");
            }
        }
    }

    #[test]
    fn resampler_keeps_time_alignment() {
        // An impulse at input frame 1000 comes out at 1000 * to / from.
        let (from, to) = (48_000u32, 44_100u32);
        let mut x = vec![0.0f32; 20_000];
        x[10_000] = 1.0;
        let mut rs = StreamResampler::new(from, to).unwrap();
        let (mut l, mut r) = (Vec::new(), Vec::new());
        for c in x.chunks(777) {
            rs.process(c, c, &mut l, &mut r);
        }
        rs.finish(&mut l, &mut r);
        let peak = measure::peak_index(&l);
        let expected = 10_000.0 * to as f64 / from as f64;
        println!("impulse at 10000 -> peak at {peak}, expected {expected:.2}");
        assert!((peak as f64 - expected).abs() <= 1.0);
        assert_eq!(l.len(), 18_375);
    }
}
