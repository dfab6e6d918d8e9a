//! Spectrum analyser data for the editor.
//!
//! Split across threads: the audio thread owns a [`SpectrumTap`] and only copies samples into
//! a lock-free single-producer ring (never blocking; if the GUI falls behind, the oldest
//! unread audio is simply not analysed). The GUI thread owns the [`SpectrumAnalyzer`], drains
//! the ring, runs the FFTs (realfft), averages, holds peaks, smooths in fractional octaves and
//! renders a curve at log-spaced frequencies.

use realfft::num_complex::Complex;
use realfft::{RealFftPlanner, RealToComplex};
use std::sync::Arc;

pub const MIN_SIZE: usize = 2048;
pub const MAX_SIZE: usize = 32768;

/// Create the two ends of the sample ring; `capacity` in samples (a power of two is not needed).
pub fn spectrum_channel(capacity: usize) -> (SpectrumTap, SpectrumSource) {
    let (producer, consumer) = rtrb::RingBuffer::new(capacity.max(1));
    (SpectrumTap { producer }, SpectrumSource { consumer })
}

/// Audio-thread end: push the mono sum of a stereo block.
pub struct SpectrumTap {
    producer: rtrb::Producer<f32>,
}

impl SpectrumTap {
    /// Copy `(l + r) / 2` for as many frames as there is room for; never blocks or allocates.
    pub fn push_stereo(&mut self, left: &[f32], right: &[f32]) {
        let n = left.len().min(right.len()).min(self.producer.slots());
        if n == 0 {
            return;
        }
        if let Ok(mut chunk) = self.producer.write_chunk(n) {
            let (a, b) = chunk.as_mut_slices();
            for (i, slot) in a.iter_mut().chain(b.iter_mut()).enumerate() {
                *slot = 0.5 * (left[i] + right[i]);
            }
            chunk.commit_all();
        }
    }
}

/// GUI-thread end of the ring.
pub struct SpectrumSource {
    consumer: rtrb::Consumer<f32>,
}

impl SpectrumSource {
    /// Move everything waiting in the ring into `analyzer`. Returns how many FFT frames ran.
    pub fn drain_into(&mut self, analyzer: &mut SpectrumAnalyzer) -> usize {
        let n = self.consumer.slots();
        let mut frames = 0;
        if let Ok(chunk) = self.consumer.read_chunk(n) {
            let (a, b) = chunk.as_slices();
            frames += analyzer.push(a);
            frames += analyzer.push(b);
            chunk.commit_all();
        }
        frames
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// Good all-round: -31 dB sidelobes, narrow main lobe.
    Hann,
    /// 4-term Blackman-Harris: -92 dB sidelobes, for seeing low-level detail near loud tones.
    BlackmanHarris,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Smoothing {
    None,
    ThirdOctave,
    SixthOctave,
    TwelfthOctave,
}

impl Smoothing {
    fn fraction(self) -> Option<f64> {
        match self {
            Smoothing::None => None,
            Smoothing::ThirdOctave => Some(3.0),
            Smoothing::SixthOctave => Some(6.0),
            Smoothing::TwelfthOctave => Some(12.0),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpectrumSettings {
    /// FFT size, a power of two from 2048 to 32768.
    pub size: usize,
    pub window: Window,
    /// Exponential averaging time constant in ms (0 = no averaging).
    pub averaging_ms: f64,
    /// Peak-hold fall rate in dB per second (0 = hold forever).
    pub peak_fall_db_per_s: f64,
    pub smoothing: Smoothing,
    /// Display tilt around 1 kHz in dB per octave (4.5 makes a typical mix look flat).
    pub tilt_db_per_octave: f64,
}

impl Default for SpectrumSettings {
    fn default() -> Self {
        Self {
            size: 8192,
            window: Window::Hann,
            averaging_ms: 300.0,
            peak_fall_db_per_s: 12.0,
            smoothing: Smoothing::SixthOctave,
            tilt_db_per_octave: 0.0,
        }
    }
}

pub struct SpectrumAnalyzer {
    sample_rate: f64,
    settings: SpectrumSettings,
    /// One plan per power-of-two size, made up front so changing size never plans.
    plans: Vec<Arc<dyn RealToComplex<f32>>>,
    history: Box<[f32]>,
    history_pos: usize,
    since_frame: usize,
    window: Box<[f32]>,
    window_gain: f64,
    fft_in: Box<[f32]>,
    fft_out: Box<[Complex<f32>]>,
    scratch: Box<[Complex<f32>]>,
    /// Averaged power per bin (linear, normalised so a full-scale sine reads 1.0).
    average: Box<[f64]>,
    peak: Box<[f64]>,
    /// Prefix sums of `average` and `peak`, for O(1) band averages when smoothing.
    prefix: Box<[f64]>,
    prefix_peak: Box<[f64]>,
}

impl SpectrumAnalyzer {
    pub fn new(sample_rate: f64, settings: SpectrumSettings) -> Self {
        let mut planner = RealFftPlanner::<f32>::new();
        let mut plans = Vec::new();
        let mut size = MIN_SIZE;
        let mut scratch_len = 0;
        while size <= MAX_SIZE {
            let plan = planner.plan_fft_forward(size);
            scratch_len = scratch_len.max(plan.get_scratch_len());
            plans.push(plan);
            size *= 2;
        }
        let bins = MAX_SIZE / 2 + 1;
        let mut a = Self {
            sample_rate: sample_rate.max(1.0),
            settings,
            plans,
            history: vec![0.0; MAX_SIZE].into_boxed_slice(),
            history_pos: 0,
            since_frame: 0,
            window: vec![0.0; MAX_SIZE].into_boxed_slice(),
            window_gain: 1.0,
            fft_in: vec![0.0; MAX_SIZE].into_boxed_slice(),
            fft_out: vec![Complex::default(); bins].into_boxed_slice(),
            scratch: vec![Complex::default(); scratch_len].into_boxed_slice(),
            average: vec![0.0; bins].into_boxed_slice(),
            peak: vec![0.0; bins].into_boxed_slice(),
            prefix: vec![0.0; bins + 1].into_boxed_slice(),
            prefix_peak: vec![0.0; bins + 1].into_boxed_slice(),
        };
        a.set_settings(settings);
        a
    }

    pub fn settings(&self) -> SpectrumSettings {
        self.settings
    }

    /// Change settings; a new size or window clears the averages.
    pub fn set_settings(&mut self, settings: SpectrumSettings) {
        let size = settings.size.clamp(MIN_SIZE, MAX_SIZE).next_power_of_two();
        let settings = SpectrumSettings { size, ..settings };
        let reshaped = size != self.settings.size || settings.window != self.settings.window;
        self.settings = settings;
        let n = size as f64;
        let mut sum = 0.0;
        for (i, w) in self.window[..size].iter_mut().enumerate() {
            let x = 2.0 * std::f64::consts::PI * i as f64 / n;
            let v = match settings.window {
                Window::Hann => 0.5 - 0.5 * x.cos(),
                Window::BlackmanHarris => {
                    0.35875 - 0.48829 * x.cos() + 0.14128 * (2.0 * x).cos()
                        - 0.01168 * (3.0 * x).cos()
                }
            };
            *w = v as f32;
            sum += v;
        }
        // A sine of amplitude A gives |X| = A * sum(w) / 2 at its bin.
        self.window_gain = sum / 2.0;
        if reshaped {
            self.reset();
        }
    }

    pub fn reset(&mut self) {
        self.average.fill(0.0);
        self.peak.fill(0.0);
        self.since_frame = 0;
    }

    pub fn reset_peaks(&mut self) {
        self.peak.fill(0.0);
    }

    /// A new FFT frame every quarter window (75 % overlap).
    fn hop(&self) -> usize {
        self.settings.size / 4
    }

    /// Feed samples; runs an FFT frame whenever a hop's worth has arrived. Returns how many
    /// frames ran.
    pub fn push(&mut self, samples: &[f32]) -> usize {
        let mut frames = 0;
        for &x in samples {
            self.history[self.history_pos] = x;
            self.history_pos = (self.history_pos + 1) % MAX_SIZE;
            self.since_frame += 1;
            if self.since_frame >= self.hop() {
                self.since_frame = 0;
                self.analyse_frame();
                frames += 1;
            }
        }
        frames
    }

    /// One FFT frame over the newest `size` samples. Public for benchmarks.
    pub fn analyse_frame(&mut self) {
        let size = self.settings.size;
        let start = (self.history_pos + MAX_SIZE - size) % MAX_SIZE;
        for i in 0..size {
            self.fft_in[i] = self.history[(start + i) % MAX_SIZE] * self.window[i];
        }
        let plan = &self.plans[(size / MIN_SIZE).trailing_zeros() as usize];
        let bins = size / 2 + 1;
        plan.process_with_scratch(
            &mut self.fft_in[..size],
            &mut self.fft_out[..bins],
            &mut self.scratch,
        )
        .expect("buffer sizes are set up for every planned size");

        let frame_s = self.hop() as f64 / self.sample_rate;
        let keep = if self.settings.averaging_ms > 0.0 {
            (-frame_s / (self.settings.averaging_ms * 1e-3)).exp()
        } else {
            0.0
        };
        let fall = 10f64.powf(-self.settings.peak_fall_db_per_s * frame_s / 10.0);
        let norm = 1.0 / (self.window_gain * self.window_gain);
        for k in 0..bins {
            let c = self.fft_out[k];
            let power = (c.re as f64 * c.re as f64 + c.im as f64 * c.im as f64) * norm;
            let avg = keep * self.average[k] + (1.0 - keep) * power;
            self.average[k] = avg;
            self.peak[k] = (self.peak[k] * fall).max(avg);
        }
    }

    /// Frequency of FFT bin `k`.
    pub fn bin_frequency(&self, k: usize) -> f64 {
        k as f64 * self.sample_rate / self.settings.size as f64
    }

    /// Render the averaged spectrum (and the peak-hold curve) in dB at `points.len()`
    /// log-spaced frequencies from `f_min` to `f_max`, smoothed and tilted per the settings.
    /// Frequencies above Nyquist read `-inf`.
    pub fn render(&mut self, f_min: f64, f_max: f64, average_db: &mut [f32], peak_db: &mut [f32]) {
        let bins = self.settings.size / 2 + 1;
        self.prefix[0] = 0.0;
        self.prefix_peak[0] = 0.0;
        for k in 0..bins {
            self.prefix[k + 1] = self.prefix[k] + self.average[k];
            self.prefix_peak[k + 1] = self.prefix_peak[k] + self.peak[k];
        }
        let n = average_db.len().min(peak_db.len());
        let bin_hz = self.sample_rate / self.settings.size as f64;
        let nyquist = self.sample_rate / 2.0;
        for i in 0..n {
            let t = if n > 1 {
                i as f64 / (n - 1) as f64
            } else {
                0.0
            };
            let f = f_min * (f_max / f_min).powf(t);
            if f >= nyquist {
                average_db[i] = f32::NEG_INFINITY;
                peak_db[i] = f32::NEG_INFINITY;
                continue;
            }
            let (avg, peak) = match self.settings.smoothing.fraction() {
                Some(fraction) => {
                    let half = 2f64.powf(0.5 / fraction);
                    let lo = ((f / half / bin_hz).round() as usize).min(bins - 1);
                    let hi = ((f * half / bin_hz).round() as usize).clamp(lo + 1, bins);
                    let width = (hi - lo) as f64;
                    if hi - lo > 1 {
                        (
                            (self.prefix[hi] - self.prefix[lo]) / width,
                            (self.prefix_peak[hi] - self.prefix_peak[lo]) / width,
                        )
                    } else {
                        self.interpolate(f / bin_hz)
                    }
                }
                None => self.interpolate(f / bin_hz),
            };
            let tilt = self.settings.tilt_db_per_octave * (f / 1000.0).log2();
            average_db[i] = (super::power_db(avg) + tilt) as f32;
            peak_db[i] = (super::power_db(peak) + tilt) as f32;
        }
    }

    /// Linear interpolation between bins (for display points narrower than one bin).
    fn interpolate(&self, bin: f64) -> (f64, f64) {
        let bins = self.settings.size / 2 + 1;
        let k = (bin.floor() as usize).min(bins - 1);
        let k1 = (k + 1).min(bins - 1);
        let frac = bin - k as f64;
        (
            self.average[k] * (1.0 - frac) + self.average[k1] * frac,
            self.peak[k] * (1.0 - frac) + self.peak[k1] * frac,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lacquer_testkit::signal::tone as sine;

    fn level_at(a: &mut SpectrumAnalyzer, f: f64) -> f32 {
        let mut avg = [0.0f32; 1];
        let mut peak = [0.0f32; 1];
        a.render(f, f, &mut avg, &mut peak);
        avg[0]
    }

    #[test]
    fn a_full_scale_sine_reads_zero_db_with_either_window() {
        let rate = 48_000.0;
        for window in [Window::Hann, Window::BlackmanHarris] {
            let settings = SpectrumSettings {
                window,
                smoothing: Smoothing::None,
                averaging_ms: 0.0,
                ..Default::default()
            };
            let mut a = SpectrumAnalyzer::new(rate, settings);
            // Exactly on bin 171 of 8192 points.
            let f = 171.0 * rate / 8192.0;
            a.push(&sine(rate, f, 1.0, 40_000));
            let db = level_at(&mut a, f);
            assert!(db.abs() < 0.05, "{window:?}: {db} dB");
        }
    }

    #[test]
    fn every_size_and_tilt() {
        let rate = 44_100.0;
        for size in [2048, 4096, 8192, 16384, 32768] {
            let mut a = SpectrumAnalyzer::new(
                rate,
                SpectrumSettings {
                    size,
                    smoothing: Smoothing::ThirdOctave,
                    ..Default::default()
                },
            );
            let f = 40.0 * rate / size as f64;
            a.push(&sine(rate, f, 0.5, 100_000));
            let flat = level_at(&mut a, 1000.0);
            let mut s = a.settings();
            s.tilt_db_per_octave = 4.5;
            a.set_settings(s);
            let tilted = level_at(&mut a, 1000.0);
            assert!((flat - tilted).abs() < 1e-3, "tilt pivots at 1 kHz");
            let _ = f;
        }
    }

    #[test]
    fn the_tap_never_blocks_and_feeds_the_analyser() {
        let (mut tap, mut source) = spectrum_channel(1024);
        let x = vec![0.25f32; 4096];
        tap.push_stereo(&x, &x); // more than fits: the rest is dropped, not waited for
        let mut a = SpectrumAnalyzer::new(
            48_000.0,
            SpectrumSettings {
                size: 2048,
                ..Default::default()
            },
        );
        let frames = source.drain_into(&mut a);
        assert_eq!(frames, 2, "1024 samples at hop 512");
    }
}
