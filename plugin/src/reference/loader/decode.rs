//! Loading one reference file: decode, resample, measure and store it in one pass.

use super::*;

pub struct Loaded {
    pub audio: RefAudio,
    pub view: SlotView,
    pub fingerprint: Fingerprint,
    pub message: String,
    pub measured: Measured,
}

pub enum Outcome {
    Loaded(Box<Loaded>),
    Refused { state: SlotState, message: String },
    Cancelled,
}

fn refused(state: SlotState, message: impl Into<String>) -> Outcome {
    Outcome::Refused {
        state,
        message: message.into(),
    }
}

fn failed(message: impl Into<String>) -> Outcome {
    refused(SlotState::Failed, message)
}

fn minutes(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

fn khz(rate: u32) -> String {
    if rate.is_multiple_of(1000) {
        format!("{} kHz", rate / 1000)
    } else {
        format!("{:.1} kHz", rate as f64 / 1000.0)
    }
}

/// The slot's status for a file that cannot be read.
fn describe(e: &AudioFileError) -> Outcome {
    match e {
        AudioFileError::Open { error, .. } if error.kind() == std::io::ErrorKind::NotFound => {
            refused(
                SlotState::Missing,
                "missing - relink: the file is not there",
            )
        }
        AudioFileError::Open { error, .. } => failed(format!("cannot open the file: {error}")),
        AudioFileError::Unsupported { detail, .. } => {
            failed(format!("not an audio file Lacquer can read ({detail})"))
        }
        AudioFileError::Channels { channels, .. } => failed(format!(
            "has {channels} channels; a reference must be mono or stereo"
        )),
        AudioFileError::Truncated {
            expected_frames,
            decoded_frames,
            ..
        } => failed(format!(
            "truncated: the header promises {expected_frames} frames, the file ends after \
             {decoded_frames}"
        )),
        AudioFileError::Malformed {
            at_seconds, detail, ..
        } => failed(format!("damaged audio at {at_seconds:.2} s ({detail})")),
        AudioFileError::Read { error, .. } => failed(format!("cannot read the file: {error}")),
    }
}

fn too_long(seconds: f64) -> Outcome {
    failed(format!(
        "is {} long; a reference may be at most {} (memory)",
        minutes(seconds),
        minutes(MAX_SECONDS)
    ))
}

/// Decode, resample to `rate`, measure and store one file. `wanted` is the fingerprint the
/// session expects (a different file there is "missing"); `cancel` is polled between blocks.
pub fn load_file(
    path: &Path,
    wanted: Option<Fingerprint>,
    rate: u32,
    progress: &AtomicF32,
    cancel: &dyn Fn() -> bool,
) -> Outcome {
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return refused(
                SlotState::Missing,
                format!("missing - relink: not found at {}", path.display()),
            )
        }
        Err(e) => return failed(format!("cannot open the file: {e}")),
        Ok(m) if m.is_dir() => return failed("is a folder, not an audio file"),
        Ok(m) if m.len() == 0 => return failed("is empty (0 bytes)"),
        Ok(_) => {}
    }
    let fingerprint = match Fingerprint::of(path) {
        Ok(f) => f,
        Err(e) => return failed(format!("cannot read the file: {e}")),
    };
    if wanted.is_some_and(|w| w != fingerprint) {
        return refused(
            SlotState::Missing,
            "missing - relink: the file changed since the session was saved",
        );
    }
    let mut reader = match AudioReader::open(path) {
        Ok(r) => r,
        Err(e) => return describe(&e),
    };
    let info = reader.info().clone();
    if !(1_000..=768_000).contains(&info.sample_rate) {
        return failed(format!(
            "has a sample rate of {} Hz; Lacquer reads 1 kHz to 768 kHz",
            info.sample_rate
        ));
    }
    if info.frames == Some(0) {
        return failed("contains no audio");
    }
    if let Some(s) = info.seconds().filter(|&s| s > MAX_SECONDS) {
        return too_long(s);
    }
    let mut resampler = if info.sample_rate == rate {
        None
    } else {
        match StreamResampler::new(info.sample_rate, rate) {
            Ok(r) => Some(r),
            Err(e) => return failed(e),
        }
    };
    let ratio = rate as f64 / info.sample_rate as f64;
    let expected = info.frames.map(|f| (f as f64 * ratio).ceil() as usize + 16);
    let mut builder = Builder::new(rate as f64, expected);
    let (mut a, mut b) = (vec![0.0f32; READ_FRAMES], vec![0.0f32; READ_FRAMES]);
    let (mut ol, mut or) = (Vec::new(), Vec::new());
    let mut decoded = 0u64;
    loop {
        if cancel() {
            return Outcome::Cancelled;
        }
        let n = match reader.read(&mut a, &mut b) {
            Ok(n) => n,
            Err(e) => return describe(&e),
        };
        if n == 0 {
            break;
        }
        decoded += n as u64;
        if decoded as f64 / info.sample_rate as f64 > MAX_SECONDS {
            return too_long(decoded as f64 / info.sample_rate as f64);
        }
        match resampler.as_mut() {
            Some(rs) => {
                ol.clear();
                or.clear();
                rs.process(&a[..n], &b[..n], &mut ol, &mut or);
                builder.push(&ol, &or);
            }
            None => builder.push(&a[..n], &b[..n]),
        }
        if let Some(total) = info.frames {
            progress.store((decoded as f64 / total as f64).min(1.0) as f32, Relaxed);
        }
    }
    if let Some(rs) = resampler.as_mut() {
        ol.clear();
        or.clear();
        rs.finish(&mut ol, &mut or);
        builder.push(&ol, &or);
    }
    if builder.frames == 0 {
        return failed("contains no audio");
    }
    let stereo = builder.channels == 2;
    let (audio, view, mut measured) = builder.finish();
    measured.source_rate = info.sample_rate;
    measured.channels = if stereo { 2 } else { info.channels.min(2) };
    let mut message = format!(
        "{} {}, {}",
        khz(info.sample_rate),
        if info.channels == 1 { "mono" } else { "stereo" },
        minutes(audio.seconds())
    );
    if info.sample_rate != rate {
        message += &format!(", resampled to {}", khz(rate));
    }
    if audio.integrated_lufs.is_finite() {
        message += &format!(", {:.1} LUFS", audio.integrated_lufs);
    } else {
        message += ", silent";
    }
    Outcome::Loaded(Box::new(Loaded {
        view: SlotView {
            measured: measured.clone(),
            ..view
        },
        audio,
        fingerprint,
        message,
        measured,
    }))
}

/// Collects resampled audio: measures it and stores it block-scaled.
struct Builder {
    rate: f64,
    /// 1 while every frame so far had left == right (stored once), then 2.
    channels: usize,
    expected: Option<usize>,
    samples: Vec<i16>,
    scales: Vec<f32>,
    stage: Vec<[f32; 2]>,
    meter: LoudnessMeter,
    true_peak: TruePeakMeter,
    short_term_len: usize,
    short_term_pos: usize,
    short_term: Vec<f32>,
    compare: Accumulator,
    rng: u64,
    frames: usize,
}

impl Builder {
    fn new(rate: f64, expected: Option<usize>) -> Self {
        Self {
            rate,
            channels: 1,
            expected,
            samples: Vec::with_capacity(expected.unwrap_or(0)),
            scales: Vec::with_capacity(expected.unwrap_or(0) / QUANT_BLOCK + 1),
            stage: Vec::with_capacity(QUANT_BLOCK),
            meter: LoudnessMeter::new(rate, 2),
            true_peak: TruePeakMeter::new(2),
            short_term_len: ((rate / SHORT_TERM_HZ).round() as usize).max(1),
            short_term_pos: 0,
            short_term: Vec::new(),
            compare: Accumulator::new(rate),
            rng: 0x9e37_79b9_7f4a_7c15,
            frames: 0,
        }
    }

    fn push(&mut self, left: &[f32], right: &[f32]) {
        let n = left.len().min(right.len());
        let mut i = 0;
        while i < n {
            let take = (self.short_term_len - self.short_term_pos).min(n - i);
            self.meter
                .process_stereo(&left[i..i + take], &right[i..i + take]);
            self.short_term_pos += take;
            i += take;
            if self.short_term_pos == self.short_term_len {
                self.short_term.push(self.meter.short_term_lufs() as f32);
                self.short_term_pos = 0;
            }
        }
        self.true_peak.process(&[&left[..n], &right[..n]]);
        self.compare.push(&left[..n], &right[..n]);
        for (&l, &r) in left.iter().zip(right) {
            self.stage.push([l, r]);
            if self.stage.len() == QUANT_BLOCK {
                self.flush();
            }
        }
        self.frames += n;
    }

    /// TPDF noise of +-1 step.
    fn dither(&mut self) -> f32 {
        let mut next = || {
            self.rng ^= self.rng << 13;
            self.rng ^= self.rng >> 7;
            self.rng ^= self.rng << 17;
            (self.rng >> 40) as f32 / (1u64 << 24) as f32
        };
        next() - next()
    }

    fn flush(&mut self) {
        if self.stage.is_empty() {
            return;
        }
        if self.channels == 1 && self.stage.iter().any(|f| f[0] != f[1]) {
            // Stereo after all: store what came so far on both sides.
            let mut both = Vec::with_capacity(2 * self.expected.unwrap_or(self.samples.len()));
            for &v in &self.samples {
                both.push(v);
                both.push(v);
            }
            self.samples = both;
            self.channels = 2;
        }
        let peak = self
            .stage
            .iter()
            .fold(0.0f32, |m, f| m.max(f[0].abs()).max(f[1].abs()));
        let peak = if peak.is_finite() { peak } else { 0.0 };
        let scale = peak / 32767.0;
        let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
        let stage = std::mem::take(&mut self.stage);
        for f in &stage {
            for &x in &f[..self.channels] {
                let x = if x.is_finite() { x } else { 0.0 };
                let q = if scale > 0.0 {
                    (x * inv + self.dither()).round().clamp(-32767.0, 32767.0)
                } else {
                    0.0
                };
                self.samples.push(q as i16);
            }
        }
        self.stage = stage;
        self.stage.clear();
        self.scales.push(scale);
    }

    fn finish(mut self) -> (RefAudio, SlotView, Measured) {
        self.flush();
        let finite = |v: f64| v.is_finite().then_some(v);
        let integrated = self.meter.integrated_lufs();
        let seconds = self.frames as f64 / self.rate;
        let measured = Measured {
            integrated_lufs: finite(integrated),
            loudness_range_lu: finite(self.meter.loudness_range_lu()),
            true_peak_dbtp: finite(self.true_peak.max_dbtp()),
            seconds,
            source_rate: 0,
            channels: self.channels,
        };
        let view = SlotView {
            overview: self.scales.iter().map(|s| s * 32767.0).collect(),
            seconds,
            block_seconds: QUANT_BLOCK as f64 / self.rate,
            stats: self.compare.stats(),
            measured: measured.clone(),
            ltas: self.compare.ltas(),
        };
        let audio = RefAudio {
            rate: self.rate,
            frames: self.frames,
            channels: self.channels,
            samples: self.samples.into_boxed_slice(),
            scales: self.scales.into_boxed_slice(),
            short_term: self.short_term.into_boxed_slice(),
            integrated_lufs: integrated,
        };
        (audio, view, measured)
    }
}
