//! One render pass: decode, the mastering chain exactly as the plugin runs it, latency
//! compensation, the processing tail, sample-rate conversion, the last word-length stage
//! (dither), meters and the writer, all streamed in blocks.
//!
//! The chain is driven as `plugin/src/lib.rs` drives it: built from the parameters at the
//! file's rate, the linear-phase EQ designed synchronously before the first sample, `reset`
//! (nice-plug resets the plugin when processing starts), then
//! `set_params` + `process` per block with the CPU's flush-to-zero mode on (as nice-plug's
//! wrapper sets it around `process`). The chain is block-size invariant, so the output equals
//! the plugin's sample for sample.
//!
//! Latency: the first `chain.latency()` output frames (the chain's delay) are dropped, so output
//! frame n lines up with input frame n.
//!
//! Tail: after the input ends the chain is fed silence. Every input frame is written; beyond the
//! input's end, 10 ms blocks are written while they stand out from silence: the tail ends at the
//! end of the last block whose RMS exceeds the silence floor, once 200 ms in a row stayed below
//! it, and never later than 30 s after the input. The floor is -120 dBFS, or, when the chain's
//! own dither is the last stage, twice its noise (TPDF) or eight times its LSB (noise-shaped),
//! which the dither keeps producing in silence. Release tails and linear-phase ringing are far
//! shorter than the cap.

use crate::analysis::{Analyzer, Figures, Measured, HISTORY_STEP_S};
use crate::output::{AudioSink, Bits};
use lacquer_dsp::chain::{ChainParams, MasteringChain, BLOCK};
use lacquer_dsp::dither::{Dither, DitherMode, DitherParams};
use lacquer_dsp::Stage;
use lacquer_session::audio_file::{AudioFileError, AudioReader, StreamResampler};
use std::path::Path;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::time::Instant;

/// Frames per block read from the decoder.
pub const READ_BLOCK: usize = 4096;
pub const TAIL_BLOCK_S: f64 = 0.010;
pub const TAIL_QUIET_S: f64 = 0.200;
pub const TAIL_MAX_S: f64 = 30.0;
pub const SILENCE_DBFS: f64 = -120.0;

#[derive(Debug)]
pub enum RenderError {
    /// Reading the input (exit code 3).
    Input(String),
    /// Writing the output (exit code 4).
    Output(String),
    /// Settings that cannot be rendered (exit code 2).
    Settings(String),
    /// `--normalize` cannot reach the target (exit code 5).
    Target(String),
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RenderError::Input(m)
            | RenderError::Output(m)
            | RenderError::Settings(m)
            | RenderError::Target(m) => f.write_str(m),
        }
    }
}

impl RenderError {
    pub fn exit_code(&self) -> i32 {
        match self {
            RenderError::Settings(_) => 2,
            RenderError::Input(_) => 3,
            RenderError::Output(_) => 4,
            RenderError::Target(_) => 5,
        }
    }
}

impl From<AudioFileError> for RenderError {
    fn from(e: AudioFileError) -> Self {
        RenderError::Input(e.to_string())
    }
}

/// The renderer's own dither for integer output when the chain does not dither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
pub enum DitherChoice {
    Tpdf,
    Shaped,
    Off,
}

/// What one pass should do.
#[derive(Debug, Clone)]
pub struct Job {
    pub chain: ChainParams,
    /// `None`: the input's rate.
    pub out_rate: Option<u32>,
    pub bits: Bits,
    pub dither: DitherChoice,
    /// Measure the input too (the first pass does; normalisation passes need not).
    pub analyse_input: bool,
    pub spectrum: bool,
}

/// Where the time went, seconds.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct Timings {
    pub decode_s: f64,
    pub chain_s: f64,
    pub resample_s: f64,
    pub dither_s: f64,
    pub write_s: f64,
    pub meters_s: f64,
    pub total_s: f64,
}

impl Timings {
    pub fn add(&mut self, o: &Timings) {
        self.decode_s += o.decode_s;
        self.chain_s += o.chain_s;
        self.resample_s += o.resample_s;
        self.dither_s += o.dither_s;
        self.write_s += o.write_s;
        self.meters_s += o.meters_s;
        self.total_s += o.total_s;
    }
}

pub struct PassResult {
    pub in_rate: u32,
    pub out_rate: u32,
    pub in_channels: usize,
    pub codec: String,
    pub frames_in: u64,
    pub frames_out: u64,
    pub latency: usize,
    pub tail_frames: u64,
    /// The input, from the chain's own input meters (plus the spectrum when asked).
    pub before: Option<Measured>,
    /// The samples as written.
    pub after: Measured,
    pub timings: Timings,
    /// How the last word-length stage was done.
    pub word_length: String,
}

/// Flush-to-zero on for this thread while alive, as nice-plug's wrapper does around `process`.
struct Ftz {
    #[allow(dead_code)]
    old: u64,
}

impl Ftz {
    #[cfg(target_arch = "x86_64")]
    fn on() -> Self {
        const FTZ: u32 = 1 << 15;
        let mut mxcsr: u32 = 0;
        // SAFETY: reads and writes this thread's SSE control register only.
        unsafe {
            std::arch::asm!("stmxcsr [{}]", in(reg) &mut mxcsr);
            std::arch::asm!("ldmxcsr [{}]", in(reg) &(mxcsr | FTZ));
        }
        Self { old: mxcsr as u64 }
    }

    #[cfg(target_arch = "aarch64")]
    fn on() -> Self {
        const FTZ: u64 = 1 << 24;
        let fpcr: u64;
        // SAFETY: reads and writes this thread's floating-point control register only.
        unsafe {
            std::arch::asm!("mrs {}, fpcr", out(reg) fpcr);
            std::arch::asm!("msr fpcr, {}", in(reg) fpcr | FTZ);
        }
        Self { old: fpcr }
    }

    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    fn on() -> Self {
        Self { old: 0 }
    }
}

impl Drop for Ftz {
    fn drop(&mut self) {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: restores the value read in `on`.
        unsafe {
            std::arch::asm!("ldmxcsr [{}]", in(reg) &(self.old as u32));
        }
        #[cfg(target_arch = "aarch64")]
        // SAFETY: restores the value read in `on`.
        unsafe {
            std::arch::asm!("msr fpcr, {}", in(reg) self.old);
        }
    }
}

/// The last stage before the file.
enum WordLength {
    /// Float output, or samples already on their grid: nothing to do.
    AsIs,
    /// Dither (or plain rounding when `dither` is `None`) onto a `bits` grid.
    Grid { bits: u32, dither: Option<Dither> },
}

/// Decide who dithers. The chain's dither is kept as the last stage only where it truly is
/// last (no rate conversion, no output gain after it, not bypassed) and its grid fits the file;
/// otherwise it is moved after everything else with the same mode, so nothing is dithered twice.
fn plan_word_length(
    chain: &mut ChainParams,
    output_rate: f64,
    resampling: bool,
    bits: Bits,
    choice: DitherChoice,
) -> (WordLength, String) {
    let mode_name = |m: DitherMode| match m {
        DitherMode::Tpdf => "TPDF",
        DitherMode::NoiseShaped => "noise-shaped",
        DitherMode::Off => "no",
    };
    let chain_dither = chain.dither_enabled && chain.dither.mode != DitherMode::Off;
    if chain_dither {
        let cb = chain.dither.bits;
        let last = !resampling && chain.output_gain_db == 0.0 && !chain.bypass;
        let fits = bits.integer().is_none_or(|b| cb <= b);
        if last && fits {
            return (
                WordLength::AsIs,
                format!(
                    "the chain's own {} dither to {cb} bits is the last stage (not dithered again)",
                    mode_name(chain.dither.mode)
                ),
            );
        }
        chain.dither_enabled = false;
        let b = bits.integer().map_or(cb, |b| b.min(cb));
        let why = if !fits {
            format!("the file is {}", bits.label())
        } else {
            "it must come after the rate conversion and output gain".to_string()
        };
        return (
            WordLength::Grid {
                bits: b,
                dither: Some(Dither::new(
                    output_rate,
                    &DitherParams {
                        mode: chain.dither.mode,
                        bits: b,
                    },
                )),
            },
            format!(
                "the chain's {} dither, moved to the very end ({why}), to {b} bits",
                mode_name(chain.dither.mode)
            ),
        );
    }
    match (bits.integer(), choice) {
        (None, _) => (WordLength::AsIs, "32-bit float: no dither".into()),
        (Some(b), DitherChoice::Off) => (
            WordLength::Grid {
                bits: b,
                dither: None,
            },
            format!("rounded to {b} bits without dither (--dither off)"),
        ),
        (Some(b), choice) => {
            let mode = if choice == DitherChoice::Shaped {
                DitherMode::NoiseShaped
            } else {
                DitherMode::Tpdf
            };
            (
                WordLength::Grid {
                    bits: b,
                    dither: Some(Dither::new(output_rate, &DitherParams { mode, bits: b })),
                },
                format!(
                    "{} dither to {b} bits (Lacquer's dither kernel)",
                    mode_name(mode)
                ),
            )
        }
    }
}

/// Everything after the chain: conversion, word length, meters, file.
struct Back<'a> {
    resampler: Option<StreamResampler>,
    word: WordLength,
    after: Analyzer,
    sink: Option<&'a mut dyn AudioSink>,
    buf: [Vec<f32>; 2],
    frames_out: u64,
    t: Timings,
}

impl Back<'_> {
    fn push(&mut self, left: &[f32], right: &[f32]) -> Result<(), RenderError> {
        if let Some(rs) = self.resampler.as_mut() {
            let t = Instant::now();
            let [a, b] = &mut self.buf;
            a.clear();
            b.clear();
            rs.process(left, right, a, b);
            self.t.resample_s += t.elapsed().as_secs_f64();
            let [a, b] = std::mem::take(&mut self.buf);
            self.finish_block(a, b)
        } else {
            let [mut a, mut b] = std::mem::take(&mut self.buf);
            a.clear();
            b.clear();
            a.extend_from_slice(left);
            b.extend_from_slice(right);
            self.finish_block(a, b)
        }
    }

    fn flush(&mut self) -> Result<(), RenderError> {
        if let Some(rs) = self.resampler.as_mut() {
            let t = Instant::now();
            let [mut a, mut b] = std::mem::take(&mut self.buf);
            a.clear();
            b.clear();
            rs.finish(&mut a, &mut b);
            self.t.resample_s += t.elapsed().as_secs_f64();
            self.finish_block(a, b)?;
        }
        Ok(())
    }

    fn finish_block(&mut self, mut a: Vec<f32>, mut b: Vec<f32>) -> Result<(), RenderError> {
        let t = Instant::now();
        if let WordLength::Grid { bits, dither } = &mut self.word {
            match dither {
                Some(d) => d.process(&mut a, &mut b),
                None => {
                    let scale = (1u64 << (*bits - 1)) as f32;
                    for x in a.iter_mut().chain(b.iter_mut()) {
                        *x = (*x * scale).round().clamp(-scale, scale - 1.0) / scale;
                    }
                }
            }
        }
        self.t.dither_s += t.elapsed().as_secs_f64();
        let t = Instant::now();
        self.after.process(&a, &b);
        self.t.meters_s += t.elapsed().as_secs_f64();
        if let Some(sink) = self.sink.as_mut() {
            let t = Instant::now();
            sink.write(&a, &b)
                .map_err(|e| RenderError::Output(format!("cannot write the output: {e}")))?;
            self.t.write_s += t.elapsed().as_secs_f64();
        }
        self.frames_out += a.len() as u64;
        self.buf = [a, b];
        Ok(())
    }
}

/// Holds back quiet tail blocks until a louder one shows they are part of the tail.
struct TailGate {
    floor: f64,
    held: Vec<(Vec<f32>, Vec<f32>)>,
    written: u64,
}

fn block_rms(l: &[f32], r: &[f32]) -> f64 {
    let ms = |x: &[f32]| x.iter().map(|&v| v as f64 * v as f64).sum::<f64>() / x.len() as f64;
    ms(l).max(ms(r)).sqrt()
}

/// Blocks from the chain's thread to the thread that converts, dithers, meters and writes.
enum Block {
    /// Input as read (for the "before" meters).
    Input(Vec<f32>, Vec<f32>),
    /// Chain output, latency-compensated.
    Output(Vec<f32>, Vec<f32>),
}

/// The back stage stopped (its own error says why).
struct Stopped;

fn send(tx: &SyncSender<Block>, block: Block) -> Result<(), Stopped> {
    tx.send(block).map_err(|_| Stopped)
}

/// Render `input` once. `sink` receives the final samples (none for an analysis-only pass);
/// `progress` is told the input frames consumed so far.
///
/// Two threads: this one decodes and runs the chain; a second converts, dithers, meters and
/// writes, so the file work overlaps the chain's.
pub fn run_pass(
    input: &Path,
    job: &Job,
    sink: Option<&mut dyn AudioSink>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<PassResult, RenderError> {
    let start = Instant::now();
    let mut reader = AudioReader::open(input)?;
    let info = reader.info().clone();
    let in_rate = info.sample_rate;
    let out_rate = job.out_rate.unwrap_or(in_rate);
    let resampling = out_rate != in_rate;
    let mut params = job.chain;
    params.gain_match = false;
    let (word, word_note) = plan_word_length(
        &mut params,
        out_rate as f64,
        resampling,
        job.bits,
        job.dither,
    );
    params
        .validate()
        .map_err(|e| RenderError::Settings(format!("settings out of range: {e}")))?;

    let mut chain = MasteringChain::new(in_rate as f64, &params);
    chain.design_linear_phase_now();
    // nice-plug calls `Plugin::reset` when processing starts, right after `activate`.
    chain.reset();
    let latency = chain.latency();
    let resampler = if resampling {
        Some(StreamResampler::new(in_rate, out_rate).map_err(RenderError::Settings)?)
    } else {
        None
    };
    // The chain meters its input anyway; only the spectrum needs a meter of its own.
    let before_spectrum =
        (job.analyse_input && job.spectrum).then(|| Analyzer::new(in_rate as f64, true));
    let back = Back {
        resampler,
        word,
        after: Analyzer::new(out_rate as f64, job.spectrum),
        sink,
        buf: [
            Vec::with_capacity(READ_BLOCK * 2),
            Vec::with_capacity(READ_BLOCK * 2),
        ],
        frames_out: 0,
        t: Timings::default(),
    };

    let (front, back) = std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<Block>(16);
        let back_stage = scope.spawn(move || {
            let mut back = back;
            let mut before = before_spectrum;
            for block in rx {
                match block {
                    Block::Input(l, r) => {
                        if let Some(b) = before.as_mut() {
                            let s = Instant::now();
                            b.process(&l, &r);
                            back.t.meters_s += s.elapsed().as_secs_f64();
                        }
                    }
                    Block::Output(l, r) => back.push(&l, &r)?,
                }
            }
            back.flush()?;
            Ok::<_, RenderError>((back, before))
        });
        let front = front_stage(
            &mut reader,
            &mut chain,
            &params,
            latency,
            job,
            &tx,
            progress,
        );
        drop(tx);
        let back = back_stage.join().expect("the writer thread panicked");
        (front, back)
    });
    let (mut back, spectrum) = back?;
    let front = front?;
    let before = front.before.map(|(figures, history)| Measured {
        figures,
        history,
        spectrum: spectrum.and_then(|a| a.spectrum()),
    });
    let mut t = front.t;
    t.add(&back.t);
    t.total_s = start.elapsed().as_secs_f64();
    let _ = back.sink.take();
    Ok(PassResult {
        in_rate,
        out_rate,
        in_channels: info.channels,
        codec: info.codec,
        frames_in: front.frames_in,
        frames_out: back.frames_out,
        latency,
        tail_frames: front.tail_frames,
        before,
        after: back.after.measured(),
        timings: t,
        word_length: word_note,
    })
}

struct Front {
    frames_in: u64,
    tail_frames: u64,
    /// The input's figures and short-term history, from the chain's input meter.
    before: Option<(Figures, Vec<f32>)>,
    t: Timings,
}

fn run_chain(
    chain: &mut MasteringChain,
    params: &ChainParams,
    l: &mut [f32],
    r: &mut [f32],
    t: &mut Timings,
) {
    let s = Instant::now();
    let _ftz = Ftz::on();
    chain.set_params(params);
    chain.process(l, r);
    t.chain_s += s.elapsed().as_secs_f64();
}

/// The chain's latency taken off the front of the output.
struct LatencyTrim {
    /// Output frames still to drop.
    to_drop: usize,
    /// Output frames kept so far.
    body: u64,
}

impl LatencyTrim {
    fn apply(&mut self, l: &mut Vec<f32>, r: &mut Vec<f32>) {
        let skip = self.to_drop.min(l.len());
        self.to_drop -= skip;
        self.body += (l.len() - skip) as u64;
        l.drain(..skip);
        r.drain(..skip);
    }
}

/// Decode, chain, latency compensation and the tail, handing blocks to the back stage.
fn front_stage(
    reader: &mut AudioReader,
    chain: &mut MasteringChain,
    params: &ChainParams,
    latency: usize,
    job: &Job,
    tx: &SyncSender<Block>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Front, RenderError> {
    let (analyse_input, spectrum) = (job.analyse_input, job.spectrum);
    let mut t = Timings::default();
    let rate = reader.info().sample_rate as f64;
    let history_step = (HISTORY_STEP_S * rate).round() as u64;
    let mut next_history = history_step;
    let mut history = Vec::new();
    // A stopped back stage reports its own error; this side just stops.
    let stopped = |_: Stopped| RenderError::Output(String::new());
    let mut trim = LatencyTrim {
        to_drop: latency,
        body: 0,
    };
    loop {
        // Blocks end on the history points, so the input meter is read on time.
        let want = (next_history - reader.position()).min(READ_BLOCK as u64) as usize;
        let mut l = vec![0.0f32; want];
        let mut r = vec![0.0f32; want];
        let s = Instant::now();
        let n = reader.read(&mut l, &mut r)?;
        t.decode_s += s.elapsed().as_secs_f64();
        if n == 0 {
            break;
        }
        l.truncate(n);
        r.truncate(n);
        if analyse_input && spectrum {
            send(tx, Block::Input(l.clone(), r.clone())).map_err(stopped)?;
        }
        run_chain(chain, params, &mut l, &mut r, &mut t);
        if reader.position() == next_history {
            history.push(chain.input_meter().loudness.short_term_lufs() as f32);
            next_history += history_step;
        }
        trim.apply(&mut l, &mut r);
        send(tx, Block::Output(l, r)).map_err(stopped)?;
        progress(reader.position());
    }
    let frames_in = reader.position();

    // The rest of the input, still inside the chain: exactly the frames it owes. The first
    // block completes the chain's last 64-frame block, after which its input meter has seen
    // the whole input (and at most 63 frames of silence): the "before" figures.
    let mut before = None;
    let mut first = ((BLOCK as u64 - frames_in % BLOCK as u64) % BLOCK as u64) as usize;
    loop {
        if before.is_none() && first == 0 {
            let s = chain.input_meter().take_snapshot();
            before = analyse_input.then(|| {
                (
                    Figures {
                        integrated_lufs: s.integrated_lufs,
                        loudness_range_lu: s.loudness_range_lu,
                        true_peak_dbtp: s.max_true_peak_dbtp,
                        sample_peak_dbfs: s.max_sample_peak_db,
                        plr_db: s.max_true_peak_dbtp - s.integrated_lufs,
                        max_short_term_lufs: s.max_short_term_lufs,
                        seconds: frames_in as f64 / rate,
                    },
                    std::mem::take(&mut history),
                )
            });
        }
        if trim.body >= frames_in {
            break;
        }
        let mut n = (frames_in - trim.body + trim.to_drop as u64).min(READ_BLOCK as u64) as usize;
        if first > 0 {
            n = n.min(first);
            first -= n;
        }
        let mut l = vec![0.0f32; n];
        let mut r = vec![0.0f32; n];
        run_chain(chain, params, &mut l, &mut r, &mut t);
        trim.apply(&mut l, &mut r);
        send(tx, Block::Output(l, r)).map_err(stopped)?;
    }

    // The tail, block by block through the gate.
    let mut gate = tail_gate(params);
    let block = ((reader.info().sample_rate as f64 * TAIL_BLOCK_S).round() as usize).max(1);
    let quiet_blocks = (TAIL_QUIET_S / TAIL_BLOCK_S).round() as usize;
    let max_blocks = (TAIL_MAX_S / TAIL_BLOCK_S).round() as usize;
    let mut quiet = 0;
    for _ in 0..max_blocks {
        if quiet >= quiet_blocks {
            break;
        }
        let mut l = vec![0.0f32; block];
        let mut r = vec![0.0f32; block];
        run_chain(chain, params, &mut l, &mut r, &mut t);
        if block_rms(&l, &r) > gate.floor {
            for (hl, hr) in std::mem::take(&mut gate.held) {
                gate.written += hl.len() as u64;
                send(tx, Block::Output(hl, hr)).map_err(stopped)?;
            }
            gate.written += l.len() as u64;
            send(tx, Block::Output(l, r)).map_err(stopped)?;
            quiet = 0;
        } else {
            gate.held.push((l, r));
            quiet += 1;
        }
    }
    Ok(Front {
        frames_in,
        tail_frames: gate.written,
        before,
        t,
    })
}

fn tail_gate(params: &ChainParams) -> TailGate {
    let mut floor = 10f64.powf(SILENCE_DBFS / 20.0);
    if params.dither_enabled && params.dither.mode != DitherMode::Off {
        let lsb = 1.0 / (1u64 << (params.dither.bits - 1)) as f64;
        let k = match params.dither.mode {
            DitherMode::NoiseShaped => 8.0,
            _ => 2.0,
        };
        floor = floor.max(k * lsb);
    }
    TailGate {
        floor,
        held: Vec::new(),
        written: 0,
    }
}
