//! Linear-phase equaliser: the EQ's magnitude response with a pure-delay phase.
//!
//! Design (`LinearPhaseDesigner`, allocating, runs off the audio thread): each path's target
//! magnitude is sampled on a frequency grid four times denser than the filter is long; an inverse
//! real FFT gives the zero-phase impulse response, which is centred, windowed (flat with short
//! tapers, see `TAPER`) and made exactly symmetric, so the phase is a delay of `(taps - 1) / 2`
//! samples at every frequency.
//!
//! Accuracy (measured by the tests through the convolver, against `analog_magnitude`): broad
//! bands, shelves, tilt, 12 dB/oct high-pass at 30 Hz and low-passes stay within 0.01-0.03 dB
//! from 20 Hz to 20 kHz at every size and rate. What limits it is low-frequency resolution: a
//! filter spanning `taps / rate` seconds cannot follow a response narrower than about its
//! inverse. Lowest frequency within 0.1 dB (Low / Medium / High): bell 60 Hz Q3 -10 dB:
//! 92 Hz / 20 Hz / 20 Hz; high-pass 30 Hz 48 dB/oct: 97 / 36 / 20 Hz; Linkwitz-Riley 24 dB/oct
//! at 30 Hz: 21 / 20 / 20 Hz; bell 30 Hz Q4 +6 dB: 107 / 77 / 38 Hz.
//!
//! Left/right bands and mid/side bands do not run as two filters in series (that would double
//! the delay): both stages are zero-phase real gains per frequency, so their product is one 2x2
//! matrix of real spectra, `T = D * diag(HM, HS) * E * diag(HL, HR)` with `E` the M/S encoder
//! and `D` its decoder, and every entry becomes a symmetric FIR of the same length. Without an
//! active mid/side band the cross entries are zero and only two FIRs run.
//!
//! Convolution (`LinearPhaseEq`, audio thread): uniformly partitioned overlap-save with a
//! frequency-domain delay line shared by every path, in f64 so the convolution error stays far
//! below the f32 output. Host blocks of any length go through a one-partition FIFO, so the
//! latency is exactly `(taps - 1) / 2 + partition` samples whatever the host does.
//!
//! Kernel handover: the designer builds a `LinearPhaseKernel` (pre-transformed partitions);
//! `swap_kernel` installs it without allocating and hands back the kernel it displaced, so the
//! caller retires it off the audio thread. A kernel of the same size crossfades in over
//! `CROSSFADE_MS` (both kernels run on the same delay line, so both outputs are the steady
//! output of their filter and a linear crossfade between them is smooth); a kernel of another
//! size changes the latency, so it resets the convolver instead.

use super::band::{analog_prototype, AnalogPrototype, EqParams, Placement};
use crate::util::flush_non_normal;
use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use std::sync::Arc;

/// Every size is cut into this many partitions; the partition (and so the FFT) grows with the
/// filter, which keeps the per-sample cost nearly flat across sizes and the buffering latency
/// 1/16 of the filter's delay.
const PARTITIONS: usize = 32;
/// The dense design grid has this many points per filter tap.
const GRID_OVERSAMPLE: usize = 4;
/// Window of the designed impulse responses: flat (Tukey) with a raised-cosine taper over this
/// fraction of each half. Every analog EQ response is smooth, so its zero-phase impulse response
/// decays exponentially and the error of a flat window is only the truncated tail; a tapered
/// window smooths the response over several bins (a Kaiser window, beta 5-8, is 0.5-1 dB off on
/// 40-100 Hz bells at the Low size, where this one stays within 0.06 dB). The short taper keeps
/// the error of a response too narrow for the filter (a Q4 bell at 30 Hz) local: a plain
/// rectangle spreads it as ripple up to 170 Hz, this one to about 105 Hz.
const TAPER: f64 = 0.1;
/// Crossfade between the old and new kernel after a redesign.
pub const CROSSFADE_MS: f64 = 30.0;

/// Filter size, and with it the latency and the low-frequency resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LinearPhaseLatency {
    /// 4095 taps at 44.1/48 kHz: latency 2175 samples (45 ms at 48 kHz, 49 ms at 44.1 kHz).
    Low,
    /// 8191 taps at 44.1/48 kHz: latency 4351 samples (91 / 99 ms).
    #[default]
    Medium,
    /// 16383 taps at 44.1/48 kHz: latency 8703 samples (181 / 197 ms).
    High,
}

impl LinearPhaseLatency {
    pub const ALL: [Self; 3] = [Self::Low, Self::Medium, Self::High];

    /// Taps + 1 at 44.1/48 kHz.
    fn base_span(self) -> usize {
        match self {
            Self::Low => 4096,
            Self::Medium => 8192,
            Self::High => 16384,
        }
    }

    /// Lengths double with the sample rate (rounded to a power of two), so the filter's span in
    /// seconds, and with it the low-frequency resolution, is the same at every rate.
    fn rate_factor(sample_rate: f64) -> usize {
        let octaves = if sample_rate.is_finite() && sample_rate > 0.0 {
            (sample_rate / 48_000.0).log2().round().clamp(0.0, 3.0)
        } else {
            0.0
        };
        1 << octaves as usize
    }

    /// FIR length: odd, so the centre tap is a sample and the delay an integer.
    pub fn taps(self, sample_rate: f64) -> usize {
        self.base_span() * Self::rate_factor(sample_rate) - 1
    }

    /// Partition (block) length of the convolution.
    pub fn partition(self, sample_rate: f64) -> usize {
        (self.taps(sample_rate) + 1) / PARTITIONS
    }

    /// The exact latency `LinearPhaseEq::latency()` reports for this size: the filter's delay
    /// plus one partition of input buffering.
    pub fn latency_samples(self, sample_rate: f64) -> usize {
        (self.taps(sample_rate) - 1) / 2 + self.partition(sample_rate)
    }
}

/// Designed impulse responses, by path (output <- input): `[L<-L, L<-R, R<-L, R<-R]`. A path
/// whose response is zero at every frequency is `None` and costs nothing in the convolver.
#[derive(Debug, Clone)]
pub struct LinearPhaseDesign {
    pub sample_rate: f64,
    pub size: LinearPhaseLatency,
    pub taps: [Option<Box<[f64]>>; 4],
}

impl LinearPhaseDesign {
    /// Delay of every path, in samples.
    pub fn delay(&self) -> usize {
        (self.size.taps(self.sample_rate) - 1) / 2
    }
}

/// Where one path's partitions sit in `LinearPhaseKernel::spectra`, and which of them are not
/// all zero (a flat path is a single tap, so it runs one partition instead of all).
#[derive(Debug, Clone, Copy)]
struct PathSlot {
    offset: usize,
    first: usize,
    end: usize,
}

/// A designed filter in the form the convolver runs: every path's partitions, transformed.
/// Built off the audio thread; moved into the convolver with `LinearPhaseEq::swap_kernel`.
pub struct LinearPhaseKernel {
    sample_rate: f64,
    size: LinearPhaseLatency,
    taps: usize,
    partition: usize,
    paths: [Option<PathSlot>; 4],
    /// Path-major, then partition, then `partition + 1` bins; scaled by the inverse FFT's 1/(2P).
    spectra: Box<[Complex<f64>]>,
}

impl LinearPhaseKernel {
    /// A filter that only delays (the convolver's state before any design arrives).
    pub fn flat(sample_rate: f64, size: LinearPhaseLatency) -> Box<Self> {
        let taps = size.taps(sample_rate);
        let mut delta = vec![0.0; taps];
        delta[(taps - 1) / 2] = 1.0;
        let delta = delta.into_boxed_slice();
        let design = LinearPhaseDesign {
            sample_rate,
            size,
            taps: [Some(delta.clone()), None, None, Some(delta)],
        };
        Self::from_design(&design, &mut RealFftPlanner::new())
    }

    fn from_design(design: &LinearPhaseDesign, planner: &mut RealFftPlanner<f64>) -> Box<Self> {
        let taps = design.size.taps(design.sample_rate);
        let partition = design.size.partition(design.sample_rate);
        let bins = partition + 1;
        let fft = planner.plan_fft_forward(2 * partition);
        let mut frame = fft.make_input_vec();
        let mut scratch = fft.make_scratch_vec();
        let present = design.taps.iter().filter(|t| t.is_some()).count();
        let mut spectra = vec![Complex::default(); present * PARTITIONS * bins].into_boxed_slice();
        let mut paths = [None; 4];
        let scale = 1.0 / (2 * partition) as f64;
        let mut offset = 0;
        for (slot, h) in paths.iter_mut().zip(&design.taps) {
            let Some(h) = h else { continue };
            assert_eq!(h.len(), taps, "designed length must match the size");
            let mut first = PARTITIONS;
            let mut end = 0;
            for p in 0..PARTITIONS {
                let part = &h[p * partition..((p + 1) * partition).min(taps)];
                if part.iter().all(|&x| x == 0.0) {
                    continue;
                }
                first = first.min(p);
                end = p + 1;
                frame.fill(0.0);
                for (f, &x) in frame.iter_mut().zip(part) {
                    *f = x * scale;
                }
                let out = &mut spectra[offset + p * bins..offset + (p + 1) * bins];
                fft.process_with_scratch(&mut frame, out, &mut scratch)
                    .expect("buffers sized by the plan");
            }
            *slot = Some(PathSlot {
                offset,
                first: first.min(end),
                end,
            });
            offset += PARTITIONS * bins;
        }
        Box::new(Self {
            sample_rate: design.sample_rate,
            size: design.size,
            taps,
            partition,
            paths,
            spectra,
        })
    }

    pub fn size(&self) -> LinearPhaseLatency {
        self.size
    }

    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Latency of the convolver running this kernel.
    pub fn latency(&self) -> usize {
        (self.taps - 1) / 2 + self.partition
    }

    /// Whether the left/right cross paths run (a mid/side band is active).
    pub fn has_cross_paths(&self) -> bool {
        self.paths[1].is_some() || self.paths[2].is_some()
    }

    /// Same geometry: the two kernels can run side by side for a crossfade.
    fn fits_with(&self, other: &Self) -> bool {
        self.taps == other.taps && self.partition == other.partition
    }
}

/// Turns EQ settings into kernels. Owns its FFT plans and buffers, so reuse one per design thread.
pub struct LinearPhaseDesigner {
    planner: RealFftPlanner<f64>,
    targets: [Vec<f64>; 4],
    spectrum: Vec<Complex<f64>>,
    impulse: Vec<f64>,
    scratch: Vec<Complex<f64>>,
}

impl Default for LinearPhaseDesigner {
    fn default() -> Self {
        Self::new()
    }
}

impl LinearPhaseDesigner {
    pub fn new() -> Self {
        Self {
            planner: RealFftPlanner::new(),
            targets: Default::default(),
            spectrum: Vec::new(),
            impulse: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// Impulse responses for `params` (enabled bands only, by placement): the left path runs the
    /// stereo and left bands, the right path the stereo and right bands, then the mid and side
    /// bands act on the M/S encoding of that result.
    pub fn design(
        &mut self,
        params: &EqParams,
        sample_rate: f64,
        size: LinearPhaseLatency,
    ) -> LinearPhaseDesign {
        // Prototypes once per band (analog_magnitude would rebuild them at every grid point).
        let mut stages: [Vec<(AnalogPrototype, f64)>; 4] = Default::default();
        for band in params.bands.iter().filter(|b| b.enabled) {
            let b = band.clamped();
            let proto = (analog_prototype(&b), b.freq_hz);
            let targets: &[usize] = match b.placement {
                Placement::Stereo => &[0, 1],
                Placement::Left => &[0],
                Placement::Right => &[1],
                Placement::Mid => &[2],
                Placement::Side => &[3],
            };
            for &t in targets {
                stages[t].push(proto);
            }
        }
        self.design_paths(sample_rate, size, |f| {
            stages.each_ref().map(|bands| {
                bands
                    .iter()
                    .map(|(p, f0)| {
                        p.sections()
                            .iter()
                            .map(|s| s.magnitude_sq(f / f0))
                            .product::<f64>()
                    })
                    .product::<f64>()
                    .sqrt()
            })
        })
    }

    /// `design` and `kernel` in one step.
    pub fn design_kernel(
        &mut self,
        params: &EqParams,
        sample_rate: f64,
        size: LinearPhaseLatency,
    ) -> Box<LinearPhaseKernel> {
        let design = self.design(params, sample_rate, size);
        self.kernel(&design)
    }

    /// Transform a design into a kernel for `LinearPhaseEq::swap_kernel`.
    pub fn kernel(&mut self, design: &LinearPhaseDesign) -> Box<LinearPhaseKernel> {
        LinearPhaseKernel::from_design(design, &mut self.planner)
    }

    /// Design from per-frequency stage gains `[left, right, mid, side]` (zero-phase magnitudes:
    /// the left/right stage runs first, then the mid/side stage).
    fn design_paths(
        &mut self,
        sample_rate: f64,
        size: LinearPhaseLatency,
        mut stage_gains: impl FnMut(f64) -> [f64; 4],
    ) -> LinearPhaseDesign {
        let taps = size.taps(sample_rate);
        let delay = (taps - 1) / 2;
        let grid = GRID_OVERSAMPLE * (taps + 1);
        let bins = grid / 2 + 1;
        for t in &mut self.targets {
            t.clear();
            t.resize(bins, 0.0);
        }
        let mut flat = [true; 4];
        let mut silent = [true; 4];
        for k in 0..bins {
            let [l, r, m, s] = stage_gains(k as f64 * sample_rate / grid as f64);
            // T = D diag(m, s) E diag(l, r), E = [[1, 1], [1, -1]] / 2, D = [[1, 1], [1, -1]].
            let matrix = [
                l * (m + s) * 0.5,
                r * (m - s) * 0.5,
                l * (m - s) * 0.5,
                r * (m + s) * 0.5,
            ];
            for (path, &g) in matrix.iter().enumerate() {
                let g = if g.is_finite() { g } else { 1.0 };
                self.targets[path][k] = g;
                flat[path] &= g == 1.0;
                silent[path] &= g == 0.0;
            }
        }

        let ifft = self.planner.plan_fft_inverse(grid);
        self.spectrum.resize(bins, Complex::default());
        self.impulse.resize(grid, 0.0);
        self.scratch
            .resize(ifft.get_scratch_len(), Complex::default());
        let window: Vec<f64> = (0..taps)
            .map(|m| {
                // Flat, with a raised-cosine taper over the outer TAPER of each half.
                let t = (m as f64 - delay as f64).abs() / delay as f64;
                let edge = ((t - (1.0 - TAPER)) / TAPER).max(0.0);
                0.5 + 0.5 * (std::f64::consts::PI * edge).cos()
            })
            .collect();

        let mut out: [Option<Box<[f64]>>; 4] = Default::default();
        for path in 0..4 {
            if silent[path] {
                continue;
            }
            let mut h = vec![0.0; taps].into_boxed_slice();
            if flat[path] {
                // Exactly a delay, and a single partition in the convolver.
                h[delay] = 1.0;
            } else {
                for (c, &g) in self.spectrum.iter_mut().zip(&self.targets[path]) {
                    *c = Complex::new(g / grid as f64, 0.0);
                }
                ifft.process_with_scratch(&mut self.spectrum, &mut self.impulse, &mut self.scratch)
                    .expect("buffers sized by the plan");
                for (m, tap) in h.iter_mut().enumerate() {
                    *tap = self.impulse[(m + grid - delay) % grid] * window[m];
                }
                // The zero-phase response is even up to rounding; average so it is exactly.
                for m in 0..delay {
                    let mean = 0.5 * (h[m] + h[taps - 1 - m]);
                    h[m] = mean;
                    h[taps - 1 - m] = mean;
                }
            }
            out[path] = Some(h);
        }
        LinearPhaseDesign {
            sample_rate,
            size,
            taps: out,
        }
    }
}

/// One partition size's transforms.
struct Plans {
    forward: Arc<dyn RealToComplex<f64>>,
    inverse: Arc<dyn ComplexToReal<f64>>,
}

/// Partitioned overlap-save convolver for the linear-phase EQ (stereo, up to four paths).
pub struct LinearPhaseEq {
    sample_rate: f64,
    plans: [Plans; 3],
    /// Geometry of the running kernel.
    partition: usize,
    bins: usize,
    plan: usize,
    /// Host samples collected for the next partition, and the output being played out.
    input: [Box<[f32]>; 2],
    output: [Box<[f32]>; 2],
    fill: usize,
    /// The previous partition of input: the overlap half of every FFT frame.
    overlap: [Box<[f64]>; 2],
    /// Input spectra, one slot per partition (ring), per input channel.
    delay_line: [Box<[Complex<f64>]>; 2],
    head: usize,
    frame: Box<[f64]>,
    accumulator: Box<[Complex<f64>]>,
    scratch: Box<[Complex<f64>]>,
    rendered: Box<[f64]>,
    fading_out: Box<[f64]>,
    active: Box<LinearPhaseKernel>,
    /// The kernel being faded out, or (idle) the last one faded out.
    previous: Option<Box<LinearPhaseKernel>>,
    /// A kernel waiting for the running crossfade to finish.
    pending: Option<Box<LinearPhaseKernel>>,
    /// A displaced kernel waiting to be handed back (`take_retired`, `swap_kernel`).
    retired: Option<Box<LinearPhaseKernel>>,
    fade_len: usize,
    fade_pos: usize,
    fading: bool,
}

impl LinearPhaseEq {
    /// Allocates for every size at this sample rate and starts with a flat kernel of `size`.
    pub fn new(sample_rate: f64, size: LinearPhaseLatency) -> Self {
        let mut planner = RealFftPlanner::<f64>::new();
        let plans = LinearPhaseLatency::ALL.map(|s| {
            let n = 2 * s.partition(sample_rate);
            Plans {
                forward: planner.plan_fft_forward(n),
                inverse: planner.plan_fft_inverse(n),
            }
        });
        let max_partition = LinearPhaseLatency::High.partition(sample_rate);
        let max_bins = max_partition + 1;
        let scratch_len = plans
            .iter()
            .map(|p| p.forward.get_scratch_len().max(p.inverse.get_scratch_len()))
            .max()
            .unwrap_or(0);
        let samples = |n: usize| vec![0.0f32; n].into_boxed_slice();
        let wide = |n: usize| vec![0.0f64; n].into_boxed_slice();
        let spectra = |n: usize| vec![Complex::<f64>::default(); n].into_boxed_slice();
        let active = LinearPhaseKernel::flat(sample_rate, size);
        let mut eq = Self {
            sample_rate,
            plans,
            partition: 0,
            bins: 0,
            plan: 0,
            input: [samples(max_partition), samples(max_partition)],
            output: [samples(max_partition), samples(max_partition)],
            fill: 0,
            overlap: [wide(max_partition), wide(max_partition)],
            delay_line: [
                spectra(PARTITIONS * max_bins),
                spectra(PARTITIONS * max_bins),
            ],
            head: 0,
            frame: wide(2 * max_partition),
            accumulator: spectra(max_bins),
            scratch: spectra(scratch_len),
            rendered: wide(max_partition),
            fading_out: wide(max_partition),
            active,
            previous: None,
            pending: None,
            retired: None,
            fade_len: ((CROSSFADE_MS * 1e-3 * sample_rate).round() as usize).max(1),
            fade_pos: 0,
            fading: false,
        };
        eq.configure();
        eq
    }

    /// Match the geometry to the active kernel and clear the state.
    fn configure(&mut self) {
        let size = self.active.size;
        self.partition = self.active.partition;
        self.bins = self.partition + 1;
        self.plan = LinearPhaseLatency::ALL
            .iter()
            .position(|&s| s == size)
            .unwrap_or(0);
        self.reset();
    }

    /// Exact latency in samples (filter delay plus one partition of buffering).
    pub fn latency(&self) -> usize {
        self.active.latency()
    }

    pub fn size(&self) -> LinearPhaseLatency {
        self.active.size
    }

    pub fn is_crossfading(&self) -> bool {
        self.fading
    }

    /// Clear the signal state; the kernels stay, a running crossfade ends on the new kernel.
    pub fn reset(&mut self) {
        for c in 0..2 {
            self.input[c].fill(0.0);
            self.output[c].fill(0.0);
            self.overlap[c].fill(0.0);
            self.delay_line[c].fill(Complex::default());
        }
        self.fill = 0;
        self.head = 0;
        self.fading = false;
    }

    /// Install a new kernel. Same size: it crossfades in over `CROSSFADE_MS` (if a crossfade is
    /// running it waits for it, and a newer kernel replaces a waiting one). Another size: the
    /// convolver resets and `latency()` changes (at once, or inside a later `process` if the
    /// kernel had to wait: read `latency()` after every block). Returns a kernel the caller now
    /// owns and must retire off the audio thread (a replaced or displaced kernel), if any;
    /// `take_retired` hands back any other. A kernel designed for another sample rate cannot run
    /// here and is handed straight back. Never allocates or frees.
    pub fn swap_kernel(&mut self, new: Box<LinearPhaseKernel>) -> Option<Box<LinearPhaseKernel>> {
        if new.sample_rate != self.sample_rate {
            return Some(new);
        }
        let stale = self.pending.replace(new);
        self.promote_pending();
        stale.or_else(|| self.retired.take())
    }

    /// A kernel the convolver no longer uses, to retire off the audio thread. Call it once per
    /// block (it is a pointer move); a waiting kernel is only installed once this slot is empty.
    pub fn take_retired(&mut self) -> Option<Box<LinearPhaseKernel>> {
        let retired = self.retired.take();
        self.promote_pending();
        retired
    }

    fn promote_pending(&mut self) {
        if self.fading || self.retired.is_some() {
            return;
        }
        let Some(new) = self.pending.take() else {
            return;
        };
        let fits = new.fits_with(&self.active);
        let old = std::mem::replace(&mut self.active, new);
        self.retired = self.previous.replace(old);
        if fits {
            self.fading = true;
            self.fade_pos = 0;
        } else {
            self.configure();
        }
    }

    /// Filter a stereo block in place. Any length; the delay is always `latency()`.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let frames = left.len().min(right.len());
        let mut done = 0;
        while done < frames {
            let take = (self.partition - self.fill).min(frames - done);
            let span = done..done + take;
            let slots = self.fill..self.fill + take;
            for (c, io) in [&mut *left, &mut *right].into_iter().enumerate() {
                self.input[c][slots.clone()].copy_from_slice(&io[span.clone()]);
                io[span.clone()].copy_from_slice(&self.output[c][slots.clone()]);
            }
            self.fill += take;
            done += take;
            if self.fill == self.partition {
                self.fill = 0;
                self.run_partition();
            }
        }
    }

    /// One partition: transform the new input into the delay line, render every output.
    fn run_partition(&mut self) {
        let p = self.partition;
        let bins = self.bins;
        let plans = &self.plans[self.plan];
        for c in 0..2 {
            // Host NaN/inf would poison the delay line for a whole filter length: treat as silence.
            flush_non_normal(&mut self.input[c][..p]);
            self.frame[..p].copy_from_slice(&self.overlap[c][..p]);
            for (f, &x) in self.frame[p..2 * p].iter_mut().zip(&self.input[c][..p]) {
                *f = f64::from(x);
            }
            self.overlap[c][..p].copy_from_slice(&self.frame[p..2 * p]);
            let slot = &mut self.delay_line[c][self.head * bins..(self.head + 1) * bins];
            plans
                .forward
                .process_with_scratch(&mut self.frame[..2 * p], slot, &mut self.scratch)
                .expect("buffers sized for every partition");
        }

        let mut finite = true;
        for o in 0..2 {
            let mut ctx = Render {
                plans,
                partition: p,
                head: self.head,
                delay_line: &self.delay_line,
                frame: &mut self.frame,
                accumulator: &mut self.accumulator,
                scratch: &mut self.scratch,
            };
            ctx.render(&self.active, o, &mut self.rendered);
            if self.fading {
                if let Some(previous) = &self.previous {
                    ctx.render(previous, o, &mut self.fading_out);
                    let step = 1.0 / self.fade_len as f64;
                    for (i, (y, &old)) in self.rendered[..p]
                        .iter_mut()
                        .zip(&self.fading_out[..p])
                        .enumerate()
                    {
                        let g = (((self.fade_pos + i + 1) as f64) * step).min(1.0);
                        *y = old + g * (*y - old);
                    }
                }
            }
            finite &= self.rendered[..p].iter().sum::<f64>().is_finite();
            for (out, &y) in self.output[o][..p].iter_mut().zip(&self.rendered[..p]) {
                *out = y as f32;
            }
            flush_non_normal(&mut self.output[o][..p]);
        }
        self.head = (self.head + 1) % PARTITIONS;
        if self.fading {
            self.fade_pos += p;
            self.fading = self.fade_pos < self.fade_len;
        }
        if !finite {
            // Cannot happen with sanitised input, but never let a poisoned delay line linger.
            for c in 0..2 {
                self.overlap[c].fill(0.0);
                self.delay_line[c].fill(Complex::default());
            }
        }
        // A kernel that waited for the crossfade (or for `take_retired`) starts at the next
        // partition; one of another size resets here, so `latency()` can change inside `process`.
        self.promote_pending();
    }
}

/// Borrowed pieces of the convolver for rendering one output of one kernel.
struct Render<'a> {
    plans: &'a Plans,
    partition: usize,
    head: usize,
    delay_line: &'a [Box<[Complex<f64>]>; 2],
    frame: &'a mut [f64],
    accumulator: &'a mut [Complex<f64>],
    scratch: &'a mut [Complex<f64>],
}

impl Render<'_> {
    /// Sum over the paths into `output` and every partition of their kernel times the input
    /// spectrum that many partitions ago, then transform back; the last half of the frame is the
    /// linear convolution (overlap-save).
    fn render(&mut self, kernel: &LinearPhaseKernel, output: usize, out: &mut [f64]) {
        let p = self.partition;
        let bins = p + 1;
        let acc = &mut self.accumulator[..bins];
        acc.fill(Complex::default());
        for input in 0..2 {
            let Some(slot) = kernel.paths[output * 2 + input] else {
                continue;
            };
            let line = &self.delay_line[input];
            for part in slot.first..slot.end {
                let x_slot = (self.head + PARTITIONS - part) % PARTITIONS;
                let x = &line[x_slot * bins..(x_slot + 1) * bins];
                let h = &kernel.spectra[slot.offset + part * bins..slot.offset + (part + 1) * bins];
                for ((a, h), x) in acc.iter_mut().zip(h).zip(x) {
                    a.re += h.re * x.re - h.im * x.im;
                    a.im += h.re * x.im + h.im * x.re;
                }
            }
        }
        // Real input makes these exactly real; the inverse transform insists.
        acc[0].im = 0.0;
        acc[bins - 1].im = 0.0;
        self.plans
            .inverse
            .process_with_scratch(acc, &mut self.frame[..2 * p], self.scratch)
            .expect("buffers sized for every partition");
        out[..p].copy_from_slice(&self.frame[p..2 * p]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eq::band::{analog_magnitude, BandParams, BandType, PassKind};
    use lacquer_testkit::signal::{max_step, tone, Rng};

    fn band(kind: BandType, freq_hz: f64, gain_db: f64, q: f64) -> BandParams {
        BandParams {
            enabled: true,
            kind,
            freq_hz,
            gain_db,
            q,
            ..Default::default()
        }
    }

    fn eq_of(bands: &[BandParams]) -> EqParams {
        let mut p = EqParams::default();
        for (slot, b) in p.bands.iter_mut().zip(bands) {
            *slot = *b;
        }
        p
    }

    /// Stage gains from the public truth, `analog_magnitude`, band by band.
    fn stage_truth(p: &EqParams, f: f64) -> [f64; 4] {
        let mut g = [1.0; 4];
        for b in p.bands.iter().filter(|b| b.enabled) {
            let m = analog_magnitude(b, f);
            match b.placement {
                Placement::Stereo => {
                    g[0] *= m;
                    g[1] *= m;
                }
                Placement::Left => g[0] *= m,
                Placement::Right => g[1] *= m,
                Placement::Mid => g[2] *= m,
                Placement::Side => g[3] *= m,
            }
        }
        g
    }

    fn log_freqs(lo: f64, hi: f64, n: usize) -> Vec<f64> {
        (0..n)
            .map(|i| lo * (hi / lo).powf(i as f64 / (n - 1) as f64))
            .collect()
    }

    /// |sum h[n] e^{-j w n}| by direct summation (no symmetry assumed).
    fn dtft_magnitude(h: &[f64], f: f64, sample_rate: f64) -> f64 {
        let w = 2.0 * std::f64::consts::PI * f / sample_rate;
        let (mut re, mut im) = (0.0, 0.0);
        let step = Complex::new(w.cos(), -w.sin());
        let mut rot = Complex::new(1.0, 0.0);
        for (n, &x) in h.iter().enumerate() {
            if n % 1024 == 0 {
                rot = Complex::new((w * n as f64).cos(), -(w * n as f64).sin());
            }
            re += x * rot.re;
            im += x * rot.im;
            rot *= step;
        }
        (re * re + im * im).sqrt()
    }

    fn db(x: f64) -> f64 {
        20.0 * x.max(1e-300).log10()
    }

    const RATES: [f64; 3] = [44_100.0, 48_000.0, 96_000.0];

    fn sizes_and_rates() -> impl Iterator<Item = (LinearPhaseLatency, f64)> {
        LinearPhaseLatency::ALL
            .into_iter()
            .flat_map(|size| RATES.into_iter().map(move |rate| (size, rate)))
    }

    /// A convolver running `kernel` from silence, no crossfade.
    fn convolver_with(kernel: Box<LinearPhaseKernel>) -> LinearPhaseEq {
        let mut eq = LinearPhaseEq::new(kernel.sample_rate(), kernel.size());
        let flat = eq.swap_kernel(kernel);
        assert!(flat.is_none());
        eq.reset();
        eq
    }

    /// Run `left`/`right` through `eq` in blocks of `block` frames.
    fn run(eq: &mut LinearPhaseEq, left: &mut [f32], right: &mut [f32], block: usize) {
        for (l, r) in left.chunks_mut(block).zip(right.chunks_mut(block)) {
            eq.process(l, r);
        }
    }

    /// The four paths `[L<-L, L<-R, R<-L, R<-R]` measured through the convolver: an impulse into
    /// one input, `taps` samples read out from where the first tap arrives (latency - delay).
    fn measure_paths(eq: &mut LinearPhaseEq, taps: usize) -> [Vec<f64>; 4] {
        let delay = (taps - 1) / 2;
        let start = eq.latency() - delay;
        let len = start + taps;
        let mut paths: [Vec<f64>; 4] = Default::default();
        for input in 0..2 {
            eq.reset();
            let mut io = [vec![0.0f32; len], vec![0.0f32; len]];
            io[input][0] = 1.0;
            let [l, r] = &mut io;
            run(eq, l, r, 777);
            for output in 0..2 {
                paths[output * 2 + input] =
                    io[output][start..].iter().map(|&x| f64::from(x)).collect();
            }
        }
        paths
    }

    /// The expected 2x2 matrix at `f`, from `analog_magnitude` (L/R stage, then M/S stage).
    fn matrix_truth(p: &EqParams, f: f64) -> [f64; 4] {
        let [l, r, m, s] = stage_truth(p, f);
        [
            l * (m + s) / 2.0,
            r * (m - s) / 2.0,
            l * (m - s) / 2.0,
            r * (m + s) / 2.0,
        ]
    }

    /// Worst deviation over 200 log-spaced frequencies from `lo` Hz to 20 kHz, in dB for every
    /// entry above -40 dB, and as an absolute error below that (returned as the dB a relative
    /// error of that size at -40 dB would be).
    fn worst_error_db(paths: &[Vec<f64>; 4], p: &EqParams, rate: f64, lo: f64) -> f64 {
        let mut worst = 0.0f64;
        for f in log_freqs(lo, 20_000.0, 200) {
            let want = matrix_truth(p, f);
            for (h, want) in paths.iter().zip(want) {
                let got = dtft_magnitude(h, f, rate);
                let err = if want.abs() > 0.01 {
                    (db(got) - db(want.abs())).abs()
                } else {
                    db(1.0 + (got - want.abs()).abs() / 0.01)
                };
                worst = worst.max(err);
            }
        }
        worst
    }

    /// Design `bands` at every size and rate, measure through the convolver, and check the
    /// magnitude from `lowest_hz[size]` to 20 kHz within 0.1 dB.
    fn check_band_set(name: &str, bands: &[BandParams], lowest_hz: [f64; 3]) {
        let p = eq_of(bands);
        let mut designer = LinearPhaseDesigner::new();
        for (size, rate) in sizes_and_rates() {
            let kernel = designer.design_kernel(&p, rate, size);
            let cross = kernel.has_cross_paths();
            let mut eq = convolver_with(kernel);
            let paths = measure_paths(&mut eq, size.taps(rate));
            if !cross {
                assert!(paths[1].iter().chain(&paths[2]).all(|&x| x == 0.0));
            }
            let lo = lowest_hz[size as usize];
            let worst = worst_error_db(&paths, &p, rate, lo);
            println!(
                "{name}: {size:?} @ {rate} Hz, {lo}-20000 Hz: worst {worst:.4} dB{}",
                if cross { " (4 paths)" } else { "" }
            );
            assert!(worst < 0.1, "{name} {size:?} @ {rate}: {worst} dB");
        }
    }

    #[test]
    fn low_and_high_bells_match_the_analog_magnitude() {
        check_band_set(
            "bells 50 Hz +4/Q0.9, 200 Hz -3/Q1.5, 3 kHz +2/Q2, 12 kHz -4/Q0.8",
            &[
                band(BandType::Bell, 50.0, 4.0, 0.9),
                band(BandType::Bell, 200.0, -3.0, 1.5),
                band(BandType::Bell, 3000.0, 2.0, 2.0),
                band(BandType::Bell, 12_000.0, -4.0, 0.8),
            ],
            [20.0; 3],
        );
    }

    #[test]
    fn shelves_match_the_analog_magnitude() {
        check_band_set(
            "low shelf 100 Hz +6, high shelf 8 kHz -5 Q1, tilt 1 kHz +3",
            &[
                band(BandType::LowShelf, 100.0, 6.0, 0.707),
                band(BandType::HighShelf, 8000.0, -5.0, 1.0),
                band(BandType::Tilt, 1000.0, 3.0, 1.0),
            ],
            [20.0; 3],
        );
    }

    #[test]
    fn pass_filters_match_the_analog_magnitude() {
        check_band_set(
            "HP 30 Hz 12 dB/oct + LP 18 kHz 12 dB/oct",
            &[
                band(BandType::HighPass, 30.0, 0.0, 0.7),
                band(BandType::LowPass, 18_000.0, 0.0, 0.7),
            ],
            [20.0; 3],
        );
        check_band_set(
            "LP 18 kHz 48 dB/oct",
            &[BandParams {
                slope_db_oct: 48.0,
                ..band(BandType::LowPass, 18_000.0, 0.0, 0.7)
            }],
            [20.0; 3],
        );
    }

    #[test]
    fn mid_and_side_bands_match_on_a_left_right_signal() {
        let mid = BandParams {
            placement: Placement::Mid,
            ..band(BandType::Bell, 150.0, 5.0, 1.0)
        };
        let side = BandParams {
            placement: Placement::Side,
            ..band(BandType::HighShelf, 6000.0, 4.0, 0.7)
        };
        let left = BandParams {
            placement: Placement::Left,
            ..band(BandType::Bell, 2000.0, -3.0, 1.0)
        };
        // All four paths against the matrix (left in / right in, left out / right out).
        check_band_set(
            "mid bell + side shelf + left bell",
            &[mid, side, left],
            [20.0; 3],
        );

        // And as a listener hears it: a mid signal gets the mid band, nothing leaks to side.
        let p = eq_of(&[mid]);
        let rate = 48_000.0;
        let size = LinearPhaseLatency::Low;
        let mut eq = convolver_with(LinearPhaseDesigner::new().design_kernel(&p, rate, size));
        let [ll, lr, rl, rr] = measure_paths(&mut eq, size.taps(rate));
        let mid_out: Vec<f64> = (0..ll.len()).map(|i| ll[i] + lr[i]).collect();
        let leak: Vec<f64> = (0..ll.len())
            .map(|i| (ll[i] + lr[i]) - (rl[i] + rr[i]))
            .collect();
        let side_out: Vec<f64> = (0..ll.len()).map(|i| ll[i] - lr[i]).collect();
        let (mut worst_mid, mut worst_side, mut worst_leak) = (0.0f64, 0.0f64, f64::MIN);
        for f in log_freqs(20.0, 20_000.0, 200) {
            let want = analog_magnitude(&mid, f);
            worst_mid = worst_mid.max((db(dtft_magnitude(&mid_out, f, rate)) - db(want)).abs());
            worst_side = worst_side.max(db(dtft_magnitude(&side_out, f, rate)).abs());
            worst_leak = worst_leak.max(db(dtft_magnitude(&leak, f, rate)));
        }
        println!(
            "mid bell via L/R: mid {worst_mid:.4} dB off, side {worst_side:.4} dB off flat, \
             mid->side leak {worst_leak:.1} dB (below -300: exactly zero)"
        );
        assert!(worst_mid < 0.1 && worst_side < 0.1 && worst_leak < -120.0);
    }

    #[test]
    fn low_frequency_resolution_per_size() {
        // Narrow bands at the bottom need a long filter. For each case, the frequency above which
        // each size (Low, Medium, High) stays within 0.1 dB; these are the documented limits.
        let cases = [
            (
                "bell 60 Hz -10 dB Q3",
                band(BandType::Bell, 60.0, -10.0, 3.0),
                [95.0, 20.0, 20.0],
            ),
            (
                "HP 30 Hz 24 dB/oct LR",
                BandParams {
                    slope_db_oct: 24.0,
                    pass_kind: PassKind::LinkwitzRiley,
                    ..band(BandType::HighPass, 30.0, 0.0, 0.7)
                },
                [22.0, 20.0, 20.0],
            ),
            (
                "HP 30 Hz 48 dB/oct",
                BandParams {
                    slope_db_oct: 48.0,
                    ..band(BandType::HighPass, 30.0, 0.0, 0.7)
                },
                [100.0, 37.0, 20.0],
            ),
            (
                "bell 30 Hz +6 dB Q4",
                band(BandType::Bell, 30.0, 6.0, 4.0),
                [110.0, 80.0, 40.0],
            ),
        ];
        let mut designer = LinearPhaseDesigner::new();
        for (name, b, limits) in cases {
            let p = eq_of(&[b]);
            for (size, rate) in sizes_and_rates() {
                let taps = designer.design(&p, rate, size).taps[0].clone().unwrap();
                // Scan down from 20 kHz for the first frequency out of tolerance.
                let mut good_above = 20.0f64;
                for f in log_freqs(20.0, 20_000.0, 400).into_iter().rev() {
                    let err =
                        (db(dtft_magnitude(&taps, f, rate)) - db(stage_truth(&p, f)[0])).abs();
                    if err > 0.1 {
                        good_above = f;
                        break;
                    }
                }
                let limit = limits[size as usize];
                println!("{name}: {size:?} @ {rate} Hz within 0.1 dB above {good_above:.1} Hz (limit {limit})");
                assert!(good_above <= limit, "{name} {size:?} @ {rate}");
            }
        }
    }

    fn bell_only() -> EqParams {
        eq_of(&[
            band(BandType::Bell, 120.0, 5.0, 1.0),
            band(BandType::Bell, 4000.0, -4.0, 2.0),
        ])
    }

    #[test]
    fn the_impulse_response_is_symmetric_about_the_latency() {
        let mut designer = LinearPhaseDesigner::new();
        let p = eq_of(&[
            band(BandType::HighPass, 30.0, 0.0, 0.7),
            band(BandType::LowShelf, 90.0, 4.0, 0.7),
            BandParams {
                placement: Placement::Side,
                ..band(BandType::Bell, 300.0, -6.0, 1.0)
            },
        ]);
        for size in LinearPhaseLatency::ALL {
            let rate = 48_000.0;
            let design = designer.design(&p, rate, size);
            let taps = size.taps(rate);
            let d = design.delay();
            for h in design.taps.iter().flatten() {
                assert!((0..d).all(|m| h[m].to_bits() == h[taps - 1 - m].to_bits()));
            }
            let mut eq = convolver_with(designer.kernel(&design));
            let latency = eq.latency();
            let mut worst = 0.0f64;
            for input in 0..2 {
                eq.reset();
                let len = latency + d + 4096;
                let mut io = [vec![0.0f32; len], vec![0.0f32; len]];
                io[input][0] = 1.0;
                let [l, r] = &mut io;
                run(&mut eq, l, r, 501);
                for y in &io {
                    let peak = y.iter().fold(0.0f32, |m, x| m.max(x.abs()));
                    for k in 1..=d {
                        let diff = (y[latency - k] - y[latency + k]).abs() / peak;
                        worst = worst.max(f64::from(diff));
                    }
                    // Nothing outside the filter's span.
                    assert!(y[..latency - d]
                        .iter()
                        .chain(&y[latency + d + 1..])
                        .all(|&x| x.abs() <= 1e-12 * peak));
                }
            }
            println!("{size:?}: taps symmetric bit for bit; through the convolver max |h[L-k] - h[L+k]| = {worst:.2e} of peak");
            assert!(worst <= 1e-7);
        }
    }

    #[test]
    fn an_impulse_peaks_exactly_at_the_reported_latency() {
        let mut designer = LinearPhaseDesigner::new();
        for rate in [44_100.0, 48_000.0, 88_200.0, 96_000.0, 192_000.0] {
            for size in LinearPhaseLatency::ALL {
                let mut eq = convolver_with(designer.design_kernel(&bell_only(), rate, size));
                assert_eq!(eq.latency(), size.latency_samples(rate));
                let len = eq.latency() + 2000;
                let (mut l, mut r) = (vec![0.0f32; len], vec![0.0f32; len]);
                l[0] = 1.0;
                r[0] = -0.5;
                run(&mut eq, &mut l, &mut r, 64);
                let argmax = |y: &[f32]| {
                    (0..y.len())
                        .max_by(|&a, &b| y[a].abs().total_cmp(&y[b].abs()))
                        .unwrap()
                };
                println!(
                    "{size:?} @ {rate} Hz: {} taps, partition {}, latency {} samples ({:.1} ms), peak at {} / {}",
                    size.taps(rate),
                    size.partition(rate),
                    eq.latency(),
                    eq.latency() as f64 * 1000.0 / rate,
                    argmax(&l),
                    argmax(&r)
                );
                assert_eq!(argmax(&l), eq.latency());
                assert_eq!(argmax(&r), eq.latency());
            }
        }
    }

    #[test]
    fn matches_direct_convolution_for_any_block_sizes() {
        let rate = 48_000.0;
        let size = LinearPhaseLatency::Low;
        let p = eq_of(&[
            band(BandType::Bell, 80.0, 6.0, 1.0),
            BandParams {
                placement: Placement::Mid,
                ..band(BandType::HighShelf, 5000.0, 3.0, 0.7)
            },
            BandParams {
                placement: Placement::Right,
                ..band(BandType::Bell, 700.0, -5.0, 3.0)
            },
        ]);
        let mut designer = LinearPhaseDesigner::new();
        let design = designer.design(&p, rate, size);
        assert!(
            design.taps.iter().all(Option::is_some),
            "all four paths run"
        );
        let mut eq = convolver_with(designer.kernel(&design));
        let latency = eq.latency();
        let frames = 12_000;
        let mut rng = Rng::new(7);
        let input = [
            (0..frames)
                .map(|_| 0.5 * rng.bipolar())
                .collect::<Vec<f32>>(),
            (0..frames)
                .map(|_| 0.5 * rng.bipolar())
                .collect::<Vec<f32>>(),
        ];
        let mut out = input.clone();
        let mut done = 0;
        let mut blocks = 0;
        while done < frames {
            let n = (1 + rng.below(1000)).min(frames - done);
            let [l, r] = &mut out;
            eq.process(&mut l[done..done + n], &mut r[done..done + n]);
            done += n;
            blocks += 1;
        }
        // y_o[n] = sum over inputs c of h_oc * x_c, then delayed by the partition.
        let delay = latency - design.delay();
        let (mut worst, mut peak) = (0.0f64, 0.0f64);
        for (o, y) in out.iter().enumerate() {
            for (n, &got) in y.iter().enumerate().skip(latency) {
                let t = n - delay;
                let mut want = 0.0;
                for (c, x) in input.iter().enumerate() {
                    let h = design.taps[o * 2 + c].as_ref().unwrap();
                    want += h
                        .iter()
                        .zip(x[..=t].iter().rev())
                        .map(|(&h, &x)| h * f64::from(x))
                        .sum::<f64>();
                }
                peak = peak.max(want.abs());
                worst = worst.max((f64::from(got) - want).abs());
            }
        }
        let err_db = db(worst / peak);
        println!("{blocks} random blocks (1..1000 frames), 4 paths: max error {err_db:.1} dB relative to the output peak");
        assert!(err_db < -120.0);
    }

    #[test]
    fn a_kernel_swap_crossfades_without_a_click() {
        let rate = 48_000.0;
        let size = LinearPhaseLatency::Low;
        let mut designer = LinearPhaseDesigner::new();
        let quiet = designer.design_kernel(
            &eq_of(&[band(BandType::Bell, 1000.0, -6.0, 1.0)]),
            rate,
            size,
        );
        let loud_params = eq_of(&[band(BandType::Bell, 1000.0, 6.0, 1.0)]);
        let loud = designer.design_kernel(&loud_params, rate, size);
        let n = 48_000;
        let x = tone(rate, 1000.0, 0.4, n);
        let mut eq = convolver_with(quiet);
        let swap_at = 20_000;
        let (mut l, mut r) = (x.clone(), x.clone());
        run(&mut eq, &mut l[..swap_at], &mut r[..swap_at], 100);
        // Hands back the idle flat kernel convolver_with started from.
        assert!(eq.swap_kernel(loud).is_some());
        assert!(eq.is_crossfading());
        let mut fade_end = swap_at;
        while fade_end < n {
            let m = 100.min(n - fade_end);
            eq.process(
                &mut l[fade_end..fade_end + m],
                &mut r[fade_end..fade_end + m],
            );
            fade_end += m;
            if !eq.is_crossfading() {
                break;
            }
        }
        run(&mut eq, &mut l[fade_end..], &mut r[fade_end..], 100);
        // The crossfade shows at the output a partition after it starts; take a margin.
        let fade = &l[swap_at..fade_end + 2 * size.partition(rate)];
        let steady_loud = max_step(&l[n - 4800..]);
        let during = max_step(fade);
        // What a hard switch would do: the steady quiet and loud outputs differ by up to this,
        // so switching between them at the wrong instant jumps by as much.
        let mut quiet_eq = convolver_with(designer.design_kernel(
            &eq_of(&[band(BandType::Bell, 1000.0, -6.0, 1.0)]),
            rate,
            size,
        ));
        let (mut q, mut q2) = (x.clone(), x.clone());
        run(&mut quiet_eq, &mut q, &mut q2, 100);
        let hard = (n - 4800..n)
            .map(|i| (l[i] - q[i]).abs())
            .fold(0.0f32, f32::max);
        println!(
            "crossfade {CROSSFADE_MS} ms: max step {during:.5} vs steady loud {steady_loud:.5} ({:.3}x); a hard switch could jump {hard:.5}",
            during / steady_loud
        );
        assert!(during <= 1.1 * steady_loud);
        assert!(hard > 1.1 * steady_loud, "the test can see a click");
        assert!(r.iter().zip(&l).all(|(a, b)| a == b));
    }

    #[test]
    fn handover_queues_retires_and_resets() {
        let rate = 48_000.0;
        let mut designer = LinearPhaseDesigner::new();
        let mut kernel = |gain: f64, size| {
            designer.design_kernel(
                &eq_of(&[band(BandType::Bell, 1000.0, gain, 1.0)]),
                rate,
                size,
            )
        };
        let mut eq = LinearPhaseEq::new(rate, LinearPhaseLatency::Low);
        let mut block = [vec![0.1f32; 64], vec![0.1f32; 64]];
        let mut play = |eq: &mut LinearPhaseEq, frames: usize| {
            for _ in 0..frames / 64 {
                let [l, r] = &mut block;
                eq.process(l, r);
            }
        };
        // Flat -> A crossfades; B and then C arrive during it: C replaces B, which comes back.
        assert!(eq
            .swap_kernel(kernel(1.0, LinearPhaseLatency::Low))
            .is_none());
        assert!(eq.is_crossfading());
        assert!(eq
            .swap_kernel(kernel(2.0, LinearPhaseLatency::Low))
            .is_none());
        let b = eq
            .swap_kernel(kernel(3.0, LinearPhaseLatency::Low))
            .expect("B never played");
        drop(b);
        play(&mut eq, 2400);
        // A's fade ended, C started: the flat kernel has retired.
        assert!(eq.is_crossfading());
        assert!(eq.take_retired().is_some());
        play(&mut eq, 2400);
        assert!(!eq.is_crossfading());
        // A size change resets at once and reports the new latency.
        let handed_back = eq.swap_kernel(kernel(4.0, LinearPhaseLatency::High));
        assert!(handed_back.is_some() || eq.take_retired().is_some());
        assert!(!eq.is_crossfading());
        assert_eq!(eq.latency(), LinearPhaseLatency::High.latency_samples(rate));
        assert_eq!(eq.size(), LinearPhaseLatency::High);
        // A kernel for another sample rate cannot run here and comes straight back.
        let foreign = designer.design_kernel(&bell_only(), 96_000.0, LinearPhaseLatency::High);
        let back = eq.swap_kernel(foreign).expect("rejected");
        assert_eq!(back.sample_rate(), 96_000.0);
        assert_eq!(eq.latency(), LinearPhaseLatency::High.latency_samples(rate));
        println!(
            "sizes at {rate} Hz: latency {:?} samples",
            LinearPhaseLatency::ALL.map(|s| s.latency_samples(rate))
        );
    }

    #[test]
    fn process_and_swap_never_allocate() {
        let rate = 48_000.0;
        let mut designer = LinearPhaseDesigner::new();
        let mut kernels: Vec<_> = [
            (5.0, LinearPhaseLatency::Medium),
            (-5.0, LinearPhaseLatency::Medium),
            (2.0, LinearPhaseLatency::Medium),
            (3.0, LinearPhaseLatency::Low),
        ]
        .into_iter()
        .map(|(g, size)| {
            let mut p = bell_only();
            p.bands[5] = BandParams {
                placement: Placement::Side,
                ..band(BandType::Bell, 500.0, g, 1.0)
            };
            designer.design_kernel(&p, rate, size)
        })
        .collect();
        kernels.reverse();
        let mut eq = LinearPhaseEq::new(rate, LinearPhaseLatency::Medium);
        let mut x = Rng::new(3);
        let (mut l, mut r): (Vec<f32>, Vec<f32>) = (0..8192)
            .map(|_| (0.5 * x.bipolar(), 0.5 * x.bipolar()))
            .unzip();
        let mut retired = Vec::with_capacity(16);
        crate::no_alloc::assert_no_alloc(|| {
            let mut pos = 0;
            for (i, n) in [1usize, 63, 64, 65, 333, 1000, 7, 512]
                .iter()
                .cycle()
                .take(60)
                .enumerate()
            {
                let n = (*n).min(l.len() - pos);
                eq.process(&mut l[pos..pos + n], &mut r[pos..pos + n]);
                pos = (pos + n) % 4096;
                if i % 12 == 3 {
                    if let Some(k) = kernels.pop() {
                        retired.extend(eq.swap_kernel(k));
                    }
                }
                retired.extend(eq.take_retired());
            }
            eq.reset();
        });
        println!("{} kernels handed back for retiring", retired.len());
        assert!(!retired.is_empty());
        assert!(kernels.is_empty());
        // The last kernel was another size: it reset the convolver, also without allocating.
        assert_eq!(eq.size(), LinearPhaseLatency::Low);
        assert!(l.iter().chain(&r).all(|v| v.is_finite()));
    }

    #[test]
    fn non_finite_input_is_silence_and_never_poisons_the_filter() {
        let rate = 44_100.0;
        let mut designer = LinearPhaseDesigner::new();
        let mut eq =
            convolver_with(designer.design_kernel(&bell_only(), rate, LinearPhaseLatency::Low));
        let mut clean =
            convolver_with(designer.design_kernel(&bell_only(), rate, LinearPhaseLatency::Low));
        let n = 20_000;
        let mut rng = Rng::new(11);
        let mut l: Vec<f32> = (0..n).map(|_| 0.5 * rng.bipolar()).collect();
        let mut r: Vec<f32> = (0..n).map(|_| 0.5 * rng.bipolar()).collect();
        for i in 3000..3100 {
            l[i] = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY, 1e-40][i % 4];
            r[i] = f32::NAN;
        }
        // What the filter should hear: the bad samples as silence.
        let mut l_ref: Vec<f32> = l
            .iter()
            .map(|&x| {
                if x.is_finite() && x.abs() >= f32::MIN_POSITIVE {
                    x
                } else {
                    0.0
                }
            })
            .collect();
        let mut r_ref: Vec<f32> = r
            .iter()
            .map(|&x| if x.is_finite() { x } else { 0.0 })
            .collect();
        run(&mut eq, &mut l, &mut r, 129);
        run(&mut clean, &mut l_ref, &mut r_ref, 129);
        let all_finite = l.iter().chain(&r).all(|v| v.is_finite());
        let identical = l == l_ref && r == r_ref;
        let peak = l.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        println!("NaN/inf burst: output finite {all_finite}, identical to the burst-as-silence run {identical}, peak {peak:.3}");
        assert!(all_finite && identical);
        assert!(peak < 2.0);
        // Finite input right after: the filter runs on as if nothing happened.
        let mut tail = [vec![0.25f32; 8000], vec![0.25f32; 8000]];
        let [a, b] = &mut tail;
        run(&mut eq, a, b, 64);
        assert!(tail[0].iter().all(|v| v.is_finite()));
    }
}
