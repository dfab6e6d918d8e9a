//! A steep linear-phase low-pass just under Nyquist: the limiter's optional "band limit".
//!
//! No finite interpolator tells content just under Nyquist from its image just above, so the
//! limiter's detector is blind above about 0.48 fs, and energy there (white noise, clipping,
//! square waves) leaves true peaks it never saw. Removing that energy in front of the
//! detector is the only way to hold the ceiling on any content. The cost: the top of the band
//! is filtered (flat within 0.01 dB to 0.45 fs, -60 dB from 0.485 fs), and the filter's delay
//! is part of the limiter's latency whether it is on or off, so switching never moves the
//! audio in time; a switch cross-fades over one chunk.

use super::polyphase::{kaiser, lanes_of_phase, sinc, LANES};

/// Odd, so the delay is a whole number of samples.
const TAPS: usize = 127;
/// -6 dB point, as a fraction of the sample rate.
const CUTOFF: f64 = 0.468;
const KAISER_BETA: f64 = 6.0;
const CHUNK: usize = 64;

pub struct BandLimit {
    /// Oldest input first (the kernel is symmetric, so also newest first).
    taps: [f32; TAPS],
    /// Per channel: the last `TAPS - 1` inputs, then the current chunk.
    buf: [[f32; CHUNK + TAPS + LANES]; 2],
    on: bool,
    /// Where the last chunk ended: 1 filtered, 0 plain delayed input.
    mix: f32,
}

impl Default for BandLimit {
    fn default() -> Self {
        Self::new()
    }
}

impl BandLimit {
    pub fn new() -> Self {
        let centre = (TAPS / 2) as f64;
        let mut h = [0.0f64; TAPS];
        for (j, v) in h.iter_mut().enumerate() {
            let t = j as f64 - centre;
            *v = 2.0 * CUTOFF * sinc(2.0 * CUTOFF * t) * kaiser(KAISER_BETA, t / (centre + 1.0));
        }
        let dc: f64 = h.iter().sum();
        let mut taps = [0.0f32; TAPS];
        for (t, v) in taps.iter_mut().zip(&h) {
            *t = (v / dc) as f32;
        }
        Self {
            taps,
            buf: [[0.0; CHUNK + TAPS + LANES]; 2],
            on: false,
            mix: 0.0,
        }
    }

    /// Delay in samples, on or off.
    pub const LATENCY: usize = TAPS / 2;

    /// Switch the filter; the change cross-fades over the next chunk.
    pub fn set_enabled(&mut self, on: bool) {
        self.on = on;
    }

    /// Jump straight to the current setting (after a reset nothing is playing).
    pub fn reset(&mut self) {
        self.buf = [[0.0; CHUNK + TAPS + LANES]; 2];
        self.mix = if self.on { 1.0 } else { 0.0 };
    }

    /// Filter (or only delay) `left` and `right` in place, in chunks of at most 64.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        crate::util::chunks::for_each_chunk(left, right, CHUNK, |l, r| self.process_chunk(l, r));
    }

    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        let target = if self.on { 1.0f32 } else { 0.0 };
        let from = self.mix;
        for (buf, io) in self.buf.iter_mut().zip([left, right]) {
            buf[TAPS - 1..TAPS - 1 + n].copy_from_slice(io);
            if from == 0.0 && target == 0.0 {
                io.copy_from_slice(&buf[TAPS / 2..TAPS / 2 + n]);
            } else {
                let mut start = 0;
                while start < n {
                    let acc = lanes_of_phase(&self.taps, &buf[start..]);
                    let valid = (n - start).min(LANES);
                    for (k, &filtered) in acc[..valid].iter().enumerate() {
                        let i = start + k;
                        let plain = buf[i + TAPS / 2];
                        io[i] = if from == target {
                            filtered
                        } else {
                            let w = from + (target - from) * (i + 1) as f32 / n as f32;
                            plain + w * (filtered - plain)
                        };
                    }
                    start += LANES;
                }
            }
            buf.copy_within(n..n + TAPS - 1, 0);
        }
        self.mix = target;
    }

    /// Magnitude response at `freq` (a fraction of the sample rate).
    #[cfg(test)]
    fn response(&self, freq: f64) -> f64 {
        let w = std::f64::consts::TAU * freq;
        let (mut re, mut im) = (0.0f64, 0.0f64);
        for (k, &t) in self.taps.iter().enumerate() {
            re += t as f64 * (w * k as f64).cos();
            im -= t as f64 * (w * k as f64).sin();
        }
        (re * re + im * im).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_to_0_45_fs_and_closed_from_0_485_fs() {
        let f = BandLimit::new();
        let db = |x: f64| 20.0 * x.log10();
        let pass = (0..=450)
            .map(|i| db(f.response(i as f64 / 1000.0)).abs())
            .fold(0.0, f64::max);
        let stop = (485..=500)
            .map(|i| db(f.response(i as f64 / 1000.0)))
            .fold(f64::NEG_INFINITY, f64::max);
        println!("band limit: pass band ripple {pass:.4} dB to 0.45 fs, stop band {stop:.1} dB");
        assert!(pass < 0.01, "{pass}");
        assert!(stop < -60.0, "{stop}");
    }

    #[test]
    fn off_is_a_pure_delay_and_on_filters() {
        let mut f = BandLimit::new();
        let x: Vec<f32> = (0..1000)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
            .collect();
        let (mut l, mut r) = (x.clone(), x.clone());
        f.process(&mut l, &mut r);
        let d = BandLimit::LATENCY;
        assert!(l[d..]
            .iter()
            .zip(&x)
            .all(|(a, b)| a.to_bits() == b.to_bits()));
        f.set_enabled(true);
        let (mut l2, mut r2) = (x.clone(), x.clone());
        f.process(&mut l2, &mut r2);
        assert!(l2.iter().zip(&x).skip(200).any(|(a, b)| a != b));
        assert_eq!(l2, r2);
    }
}
