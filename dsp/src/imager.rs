//! Stereo imager: mid/side width (up to three bands), bass mono, balance, polarity, swap and
//! mid/side solo.
//!
//! Signal flow: input matrix (polarity per channel, then L/R swap) -> `M = (L + R) / 2`,
//! `S = (L - R) / 2` -> [filtered path] -> `S *= width` -> `L = M + S`, `R = M - S` -> output
//! matrix (balance, then mid or side solo as dual mono).
//!
//! The filtered path only runs when it is needed (bass mono on, or several width bands that are
//! not all at 100 %). Everything the side signal goes through there, the mid signal goes through
//! too, so the two stay phase aligned and the image and mono sum are kept:
//!
//! * Bass mono: an LR4 crossover at 20-500 Hz splits `S`; its low band is faded out (kept at
//!   unity when bass mono is off but the path runs for the width bands). `M` passes the
//!   crossover's allpass (LP4 + HP4), so above the cutoff `S` and `M` have the same phase.
//! * Width bands: `M` and `S` go through one stereo three-band `BandSplitter` as its two
//!   channels, so their bands carry identical phase; `M` is the plain band sum (an allpass of
//!   `M`), `S` the sum of its bands scaled by their widths. With equal widths both are flat in
//!   magnitude. Fewer width bands share gains (two bands: the upper two splitter bands get the
//!   same width), so the band count never changes the filter topology.
//!
//! Engaging or leaving the filtered path crossfades against the plain path over 10 ms (their
//! phases differ), then the idle filters stop. With everything neutral (width 100 %, no bass
//! mono, no filtered path, balance centred, no polarity, swap or solo) `process` leaves the
//! buffers untouched: bit-transparent.
//!
//! Width of a band = global width x band width. Balance is a linear balance control: centre is
//! unity on both sides, turning towards one side fades the other side linearly to silence and
//! never boosts (no clipping risk). Every continuous setting glides per sample (20 ms); the
//! switches (polarity, swap, solo) crossfade over the same time, so nothing clicks.

use crate::filter::crossover::{
    BandBuffers, BandSplitter, Lr4Allpass, Lr4Crossover, MAX_BANDS, SPLIT_CHUNK,
};
use crate::util::smooth::Smoother;
use crate::util::{check_range, clamp_or, one_pole_coef, one_pole_coef_per};
use crate::Stage;

const CHUNK: usize = SPLIT_CHUNK;
pub const MAX_WIDTH_PERCENT: f64 = 200.0;
pub const MIN_BASS_MONO_HZ: f64 = 20.0;
pub const MAX_BASS_MONO_HZ: f64 = 500.0;
/// Most width bands.
pub const MAX_WIDTH_BANDS: usize = 3;
const SMOOTHING_MS: f64 = 20.0;
/// Crossfade time between the plain and the filtered path.
const PATH_FADE_MS: f64 = 10.0;
/// The bass mono crossover glides in log frequency, stepping every this many samples.
const BASS_GLIDE_STEP: usize = 16;

/// Monitoring solo (both outputs carry the soloed signal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImagerSolo {
    #[default]
    Off,
    Mid,
    Side,
}

/// User settings in audio units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImagerParams {
    /// Side gain, 0 (mono) .. 100 (unchanged) .. 200 %.
    pub width_percent: f64,
    /// Remove the side signal below `bass_mono_hz`.
    pub bass_mono: bool,
    /// Bass mono crossover (LR4), 20..500 Hz.
    pub bass_mono_hz: f64,
    /// Number of width bands, 1..=3.
    pub width_bands: usize,
    /// Crossovers between the width bands (ascending; the second is used with 3 bands).
    pub band_crossovers_hz: [f64; 2],
    /// Width per band, 0..200 %, multiplied with `width_percent`: low, mid, high with three
    /// bands; below and above the first crossover with two; unused with one.
    pub band_width_percent: [f64; MAX_WIDTH_BANDS],
    /// -100 (left only) .. 0 (centre) .. 100 (right only).
    pub balance_percent: f64,
    pub invert_left: bool,
    pub invert_right: bool,
    pub swap: bool,
    pub solo: ImagerSolo,
}

impl Default for ImagerParams {
    fn default() -> Self {
        Self {
            width_percent: 100.0,
            bass_mono: false,
            bass_mono_hz: 120.0,
            width_bands: 1,
            band_crossovers_hz: [250.0, 2_500.0],
            band_width_percent: [100.0; MAX_WIDTH_BANDS],
            balance_percent: 0.0,
            invert_left: false,
            invert_right: false,
            swap: false,
            solo: ImagerSolo::Off,
        }
    }
}

impl ImagerParams {
    pub fn validate(&self) -> Result<(), String> {
        check_range(
            "imager width",
            self.width_percent,
            0.0,
            MAX_WIDTH_PERCENT,
            "%",
        )?;
        check_range(
            "imager bass mono frequency",
            self.bass_mono_hz,
            MIN_BASS_MONO_HZ,
            MAX_BASS_MONO_HZ,
            "Hz",
        )?;
        if !(1..=MAX_WIDTH_BANDS).contains(&self.width_bands) {
            return Err(format!(
                "imager width bands must be 1 to {MAX_WIDTH_BANDS}, got {}",
                self.width_bands
            ));
        }
        for (i, &f) in self.band_crossovers_hz.iter().enumerate() {
            check_range(
                &format!("imager crossover {}", i + 1),
                f,
                20.0,
                20_000.0,
                "Hz",
            )?;
        }
        if self.width_bands == 3 && self.band_crossovers_hz[0] >= self.band_crossovers_hz[1] {
            return Err(format!(
                "imager crossover 1 ({} Hz) must be below crossover 2 ({} Hz)",
                self.band_crossovers_hz[0], self.band_crossovers_hz[1]
            ));
        }
        for (i, &w) in self.band_width_percent.iter().enumerate() {
            check_range(
                &format!("imager band {} width", i + 1),
                w,
                0.0,
                MAX_WIDTH_PERCENT,
                "%",
            )?;
        }
        check_range("imager balance", self.balance_percent, -100.0, 100.0, "%")
    }

    /// The same settings forced into range (NaN -> default; crossovers sorted).
    pub fn clamped(&self) -> Self {
        let d = Self::default();
        let mut crossovers: [f64; 2] = std::array::from_fn(|i| {
            clamp_or(
                self.band_crossovers_hz[i],
                20.0,
                20_000.0,
                d.band_crossovers_hz[i],
            )
        });
        crossovers.sort_by(f64::total_cmp);
        Self {
            width_percent: clamp_or(self.width_percent, 0.0, MAX_WIDTH_PERCENT, d.width_percent),
            bass_mono_hz: clamp_or(
                self.bass_mono_hz,
                MIN_BASS_MONO_HZ,
                MAX_BASS_MONO_HZ,
                d.bass_mono_hz,
            ),
            width_bands: self.width_bands.clamp(1, MAX_WIDTH_BANDS),
            band_crossovers_hz: crossovers,
            band_width_percent: std::array::from_fn(|i| {
                clamp_or(self.band_width_percent[i], 0.0, MAX_WIDTH_PERCENT, 100.0)
            }),
            balance_percent: clamp_or(self.balance_percent, -100.0, 100.0, d.balance_percent),
            ..*self
        }
    }

    /// Side gain per splitter band (global width excluded). The splitter always has three
    /// bands; fewer width bands share gains, so changing the count only glides gains and never
    /// changes the filter topology.
    fn band_gains(&self) -> [f64; MAX_WIDTH_BANDS] {
        let w = self.band_width_percent.map(|p| p / 100.0);
        match self.width_bands {
            1 => [1.0; 3],
            2 => [w[0], w[1], w[1]],
            _ => w,
        }
    }

    /// The filtered path is needed: bass mono, or band gains that differ from unity.
    fn needs_filters(&self) -> bool {
        self.bass_mono || self.band_gains().iter().any(|&g| g != 1.0)
    }

    /// (input matrix, output matrix), row-major `[ll, lr, rl, rr]`.
    fn matrices(&self) -> ([f64; 4], [f64; 4]) {
        let pl = if self.invert_left { -1.0 } else { 1.0 };
        let pr = if self.invert_right { -1.0 } else { 1.0 };
        let input = if self.swap {
            [0.0, pr, pl, 0.0]
        } else {
            [pl, 0.0, 0.0, pr]
        };
        let b = self.balance_percent / 100.0;
        let (bl, br) = ((1.0 - b).min(1.0), (1.0 + b).min(1.0));
        let output = match self.solo {
            ImagerSolo::Off => [bl, 0.0, 0.0, br],
            ImagerSolo::Mid => [0.5 * bl, 0.5 * br, 0.5 * bl, 0.5 * br],
            ImagerSolo::Side => [0.5 * bl, -0.5 * br, 0.5 * bl, -0.5 * br],
        };
        (input, output)
    }
}

const IDENTITY: [f64; 4] = [1.0, 0.0, 0.0, 1.0];

/// Stereo imager.
pub struct Imager {
    sample_rate: f64,
    params: ImagerParams,
    width: Smoother,
    /// Side gain per splitter band (see `ImagerParams::band_gains`).
    band_gain: [Smoother; MAX_WIDTH_BANDS],
    /// Share of the side bass kept: 1 with bass mono off, 0 with it on.
    bass_keep: Smoother,
    input_matrix: [Smoother; 4],
    output_matrix: [Smoother; 4],
    /// 0 = plain path, 1 = filtered path; moves linearly by `path_step` per sample.
    path: f32,
    path_step: f32,
    /// Whether the filtered path's filters are running (they stop once faded out).
    filters_running: bool,
    bass_log2: f64,
    bass_glide: f64,
    bass_countdown: usize,
    bass_split: Lr4Crossover,
    bass_allpass: Lr4Allpass,
    splitter: BandSplitter,
}

impl Imager {
    pub fn params(&self) -> ImagerParams {
        self.params
    }

    fn restart_filters(&mut self) {
        self.bass_log2 = self.params.bass_mono_hz.log2();
        self.bass_split.set_freq(self.params.bass_mono_hz);
        self.bass_allpass.set_freq(self.params.bass_mono_hz);
        self.bass_split.reset();
        self.bass_allpass.reset();
        self.bass_countdown = 0;
        self.splitter.reset();
    }

    /// True when the filtered path is wanted now: its settings ask for it, or a glide of the
    /// bass mono or band gains back to neutral has not finished.
    fn filters_wanted(&self) -> bool {
        self.params.needs_filters()
            || !self.bass_keep.settled()
            || self.band_gain.iter().any(|s| !s.settled())
    }

    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        let wanted = self.filters_wanted();
        if wanted && !self.filters_running {
            // Start from silence while the crossfade is still at the plain path.
            self.restart_filters();
            self.filters_running = true;
        }
        let input_identity = self
            .input_matrix
            .iter()
            .zip(IDENTITY)
            .all(|(s, v)| s.settled_at(v));
        let output_identity = self
            .output_matrix
            .iter()
            .zip(IDENTITY)
            .all(|(s, v)| s.settled_at(v));
        let width_unity = self.width.settled_at(1.0);
        if input_identity && output_identity && width_unity && !self.filters_running {
            return;
        }

        if !input_identity {
            Self::apply_matrix(&mut self.input_matrix, left, right);
        }

        // Path crossfade position per sample.
        let mut fade = [0.0f32; CHUNK];
        let target = if wanted { 1.0 } else { 0.0 };
        for f in &mut fade[..n] {
            if self.path < target {
                self.path = (self.path + self.path_step).min(1.0);
            } else if self.path > target {
                self.path = (self.path - self.path_step).max(0.0);
            }
            *f = self.path;
        }
        let mut width = [0.0f32; CHUNK];
        self.width.fill(&mut width[..n]);

        if self.filters_running {
            let mut mid = [0.0f32; CHUNK];
            let mut side = [0.0f32; CHUNK];
            for i in 0..n {
                mid[i] = 0.5 * (left[i] + right[i]);
                side[i] = 0.5 * (left[i] - right[i]);
            }
            self.filter_mid_side(&mut mid[..n], &mut side[..n]);
            for i in 0..n {
                let (m, s) = (mid[i], side[i] * width[i]);
                let (fl, fr) = (m + s, m - s);
                let (pl, pr) = if width_unity {
                    (left[i], right[i])
                } else {
                    let (m, s) = (
                        0.5 * (left[i] + right[i]),
                        0.5 * (left[i] - right[i]) * width[i],
                    );
                    (m + s, m - s)
                };
                let a = fade[i];
                left[i] = pl + (fl - pl) * a;
                right[i] = pr + (fr - pr) * a;
            }
            if self.path == 0.0 && !wanted {
                self.filters_running = false;
            }
        } else if !width_unity {
            for i in 0..n {
                let m = 0.5 * (left[i] + right[i]);
                let s = 0.5 * (left[i] - right[i]) * width[i];
                left[i] = m + s;
                right[i] = m - s;
            }
        }

        if !output_identity {
            Self::apply_matrix(&mut self.output_matrix, left, right);
        }
    }

    fn apply_matrix(matrix: &mut [Smoother; 4], left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        let mut m = [[0.0f32; CHUNK]; 4];
        for (s, row) in matrix.iter_mut().zip(m.iter_mut()) {
            s.fill(&mut row[..n]);
        }
        for i in 0..n {
            let (l, r) = (left[i], right[i]);
            left[i] = m[0][i] * l + m[1][i] * r;
            right[i] = m[2][i] * l + m[3][i] * r;
        }
    }

    /// Bass mono and width bands on mid/side blocks (the global width is applied by the
    /// caller).
    fn filter_mid_side(&mut self, mid: &mut [f32], side: &mut [f32]) {
        let n = mid.len();
        let mut low = [0.0f32; CHUNK];
        let mut high = [0.0f32; CHUNK];
        let target_log2 = self.params.bass_mono_hz.log2();
        let mut start = 0;
        while start < n {
            if self.bass_countdown == 0 {
                if self.bass_log2 != target_log2 {
                    let next = self.bass_log2 + (target_log2 - self.bass_log2) * self.bass_glide;
                    self.bass_log2 = if (target_log2 - next).abs() < 1e-6 {
                        target_log2
                    } else {
                        next
                    };
                    let hz = self.bass_log2.exp2();
                    self.bass_split.set_freq(hz);
                    self.bass_allpass.set_freq(hz);
                }
                self.bass_countdown = BASS_GLIDE_STEP;
            }
            let end = n.min(start + self.bass_countdown);
            self.bass_split.process(
                &side[start..end],
                &mut low[start..end],
                &mut high[start..end],
            );
            self.bass_allpass.process(&mut mid[start..end]);
            self.bass_countdown -= end - start;
            start = end;
        }
        let mut keep = [0.0f32; CHUNK];
        self.bass_keep.fill(&mut keep[..n]);
        for i in 0..n {
            side[i] = high[i] + keep[i] * low[i];
        }

        let mut bands: BandBuffers = [[[0.0; CHUNK]; 2]; MAX_BANDS];
        self.splitter.split(mid, side, &mut bands);
        let mut gains = [[0.0f32; CHUNK]; MAX_WIDTH_BANDS];
        for (s, g) in self.band_gain.iter_mut().zip(gains.iter_mut()) {
            s.fill(&mut g[..n]);
        }
        for i in 0..n {
            mid[i] = bands[0][0][i] + bands[1][0][i] + bands[2][0][i];
            side[i] = bands[0][1][i] * gains[0][i]
                + bands[1][1][i] * gains[1][i]
                + bands[2][1][i] * gains[2][i];
        }
    }

    /// The sample rate the imager was built for.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }
}

impl Stage for Imager {
    type Params = ImagerParams;

    fn new(sample_rate: f64, params: &ImagerParams) -> Self {
        let sample_rate = sample_rate.clamp(1000.0, 768_000.0);
        let p = params.clamped();
        let coef = one_pole_coef(SMOOTHING_MS, sample_rate);
        let s = |v: f64| Smoother::new(v, coef);
        let mut imager = Self {
            sample_rate,
            params: p,
            width: s(1.0),
            band_gain: [s(1.0); MAX_WIDTH_BANDS],
            bass_keep: s(1.0),
            input_matrix: IDENTITY.map(s),
            output_matrix: IDENTITY.map(s),
            path: 0.0,
            path_step: (1.0 / (PATH_FADE_MS * 1e-3 * sample_rate)) as f32,
            filters_running: false,
            bass_log2: p.bass_mono_hz.log2(),
            bass_glide: one_pole_coef_per(BASS_GLIDE_STEP as f64, SMOOTHING_MS, sample_rate),
            bass_countdown: 0,
            bass_split: Lr4Crossover::new(sample_rate, p.bass_mono_hz),
            bass_allpass: Lr4Allpass::new(sample_rate, p.bass_mono_hz),
            splitter: BandSplitter::new(sample_rate, MAX_WIDTH_BANDS, &p.band_crossovers_hz),
        };
        imager.set_params(&p);
        imager.reset();
        imager
    }
    /// Apply new settings; they all glide (see the module notes). The splitter always runs
    /// three bands, so even a new number of width bands only re-maps gliding band gains.
    fn set_params(&mut self, params: &ImagerParams) {
        let p = params.clamped();
        self.width.target = p.width_percent / 100.0;
        for (s, g) in self.band_gain.iter_mut().zip(p.band_gains()) {
            s.target = g;
        }
        self.bass_keep.target = if p.bass_mono { 0.0 } else { 1.0 };
        let (input, output) = p.matrices();
        for (s, v) in self.input_matrix.iter_mut().zip(input) {
            s.target = v;
        }
        for (s, v) in self.output_matrix.iter_mut().zip(output) {
            s.target = v;
        }
        self.splitter.set_crossovers(&p.band_crossovers_hz);
        self.params = p;
    }
    /// Clear all state and jump to the current settings.
    fn reset(&mut self) {
        self.width.snap();
        self.band_gain.iter_mut().for_each(Smoother::snap);
        self.bass_keep.snap();
        self.input_matrix.iter_mut().for_each(Smoother::snap);
        self.output_matrix.iter_mut().for_each(Smoother::snap);
        let engaged = self.params.needs_filters();
        self.path = if engaged { 1.0 } else { 0.0 };
        self.filters_running = engaged;
        self.restart_filters();
    }
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        crate::util::chunks::for_each_chunk(left, right, CHUNK, |l, r| self.process_chunk(l, r));
    }
    /// No delay.
    fn latency(&self) -> usize {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lacquer_testkit::signal::{tone, white};

    const RATE: f64 = 48_000.0;

    fn run(params: ImagerParams, l: &[f32], r: &[f32]) -> (Vec<f32>, Vec<f32>) {
        let mut im = Imager::new(RATE, &params);
        let (mut a, mut b) = (l.to_vec(), r.to_vec());
        for (x, y) in a.chunks_mut(100).zip(b.chunks_mut(100)) {
            im.process(x, y);
        }
        (a, b)
    }

    fn rms(x: &[f32]) -> f64 {
        (x.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / x.len() as f64).sqrt()
    }

    fn db(x: f64) -> f64 {
        20.0 * x.max(1e-30).log10()
    }

    /// Magnitude response of the impulse response `h` at the FFT bins nearest to `freqs`.
    fn magnitudes(h: &[f64], freqs: &[f64]) -> Vec<f64> {
        let fft = realfft::RealFftPlanner::<f64>::new().plan_fft_forward(h.len());
        let mut buf = h.to_vec();
        let mut spec = fft.make_output_vec();
        fft.process(&mut buf, &mut spec).unwrap();
        freqs
            .iter()
            .map(|f| spec[(f * h.len() as f64 / RATE).round() as usize].norm())
            .collect()
    }

    #[test]
    fn width_100_with_everything_neutral_is_bit_transparent() {
        let (l, r) = (white(1, 0.4, 10_000), white(2, 0.4, 10_000));
        let (a, b) = run(ImagerParams::default(), &l, &r);
        assert!(a.iter().zip(&l).all(|(x, y)| x.to_bits() == y.to_bits()));
        assert!(b.iter().zip(&r).all(|(x, y)| x.to_bits() == y.to_bits()));

        // Also after moving everything away and back: the glides settle, the filtered path fades
        // out and stops, and the output is bit-exact again.
        let mut im = Imager::new(
            RATE,
            &ImagerParams {
                width_percent: 150.0,
                bass_mono: true,
                width_bands: 3,
                band_width_percent: [50.0, 120.0, 180.0],
                balance_percent: 30.0,
                invert_left: true,
                swap: true,
                solo: ImagerSolo::Side,
                ..Default::default()
            },
        );
        let (mut a, mut b) = (l.clone(), r.clone());
        im.process(&mut a, &mut b);
        im.set_params(&ImagerParams {
            width_bands: 3,
            ..Default::default()
        });
        let settle = white(3, 0.4, 48_000);
        let (mut x, mut y) = (settle.clone(), settle);
        im.process(&mut x, &mut y);
        let (mut a, mut b) = (l.clone(), r.clone());
        im.process(&mut a, &mut b);
        assert!(a.iter().zip(&l).all(|(x, y)| x.to_bits() == y.to_bits()));
        assert!(b.iter().zip(&r).all(|(x, y)| x.to_bits() == y.to_bits()));
    }

    #[test]
    fn mono_in_gives_mono_out_at_every_width() {
        let x = white(4, 0.4, 6_000);
        for width in [0.0, 25.0, 50.0, 100.0, 150.0, 200.0] {
            for (bass_mono, width_bands, band) in [
                (false, 1, [100.0; 3]),
                (true, 1, [100.0; 3]),
                (true, 3, [0.0, 130.0, 200.0]),
                (false, 2, [70.0, 160.0, 100.0]),
            ] {
                let p = ImagerParams {
                    width_percent: width,
                    bass_mono,
                    width_bands,
                    band_width_percent: band,
                    ..Default::default()
                };
                let (a, b) = run(p, &x, &x);
                assert!(
                    a.iter().zip(&b).all(|(l, r)| l.to_bits() == r.to_bits()),
                    "width {width} %, bass mono {bass_mono}, {width_bands} bands"
                );
                if !bass_mono && width_bands == 1 {
                    // Without filters the mono signal is untouched.
                    assert!(a.iter().zip(&x).all(|(l, x)| l == x));
                }
            }
        }
        println!(
            "mono in -> L == R bit for bit at widths 0..200 %, with and without bass mono / bands"
        );
    }

    #[test]
    fn width_zero_gives_the_mid_on_both_sides() {
        let (l, r) = (white(5, 0.4, 5_000), white(6, 0.4, 5_000));
        let (a, b) = run(
            ImagerParams {
                width_percent: 0.0,
                ..Default::default()
            },
            &l,
            &r,
        );
        let worst = a
            .iter()
            .zip(&b)
            .zip(l.iter().zip(&r))
            .map(|((&a, &b), (&l, &r))| {
                let m = (l + r) / 2.0;
                (a - m).abs().max((b - m).abs())
            })
            .fold(0.0f32, f32::max);
        println!("width 0: worst |out - (L+R)/2| = {worst:e}");
        assert_eq!(worst, 0.0);
    }

    /// Bass mono: a side-only tone is removed below the cutoff (LR4: -24 dB an octave below,
    /// -48 dB two octaves below), passes above it, and the mid is untouched in level.
    #[test]
    fn bass_mono_removes_the_side_below_the_cutoff() {
        for fc in [20.0, 120.0, 500.0] {
            let p = ImagerParams {
                bass_mono: true,
                bass_mono_hz: fc,
                ..Default::default()
            };
            let mut line = String::new();
            for ratio in [0.125, 0.25, 0.5, 1.0, 2.0, 8.0] {
                let f = fc * ratio;
                let len = (RATE * 2.0 + 40.0 * RATE / f) as usize;
                let x = tone(RATE, f, 0.5, len);
                let neg: Vec<f32> = x.iter().map(|v| -v).collect();
                let (a, b) = run(p, &x, &neg);
                let tail = len / 2;
                let side: Vec<f32> = a[tail..]
                    .iter()
                    .zip(&b[tail..])
                    .map(|(l, r)| (l - r) / 2.0)
                    .collect();
                let mid: Vec<f32> = a[tail..]
                    .iter()
                    .zip(&b[tail..])
                    .map(|(l, r)| (l + r) / 2.0)
                    .collect();
                let side_db = db(rms(&side) / rms(&x[tail..]));
                line += &format!(" {ratio}fc {side_db:.1}");
                assert!(rms(&mid) < 1e-5 * rms(&x[tail..]));
                if ratio <= 0.25 {
                    assert!(side_db < -40.0, "fc {fc}, {f} Hz: side {side_db} dB");
                }
                if ratio >= 8.0 {
                    assert!(side_db.abs() < 0.05, "fc {fc}, {f} Hz: side {side_db} dB");
                }
                // Mid-only input: level unchanged (allpass) at every frequency.
                let (a, b) = run(p, &x, &x);
                assert!(a.iter().zip(&b).all(|(l, r)| l == r));
                let mid_db = db(rms(&a[tail..]) / rms(&x[tail..]));
                assert!(mid_db.abs() < 0.01, "fc {fc}, {f} Hz: mid {mid_db} dB");
            }
            println!("bass mono at {fc} Hz, side level re input (dB):{line}");
        }
    }

    /// With equal band widths the split path is flat in magnitude for mid and side within
    /// +-0.01 dB, and the side carries exactly the mid's phase (image unchanged but wider).
    #[test]
    fn band_split_sums_flat() {
        let len = 1 << 15;
        for (bands, crossovers) in [
            (2, [1_000.0, 2_500.0]),
            (3, [200.0, 2_500.0]),
            (3, [60.0, 9_000.0]),
        ] {
            let p = ImagerParams {
                width_bands: bands,
                band_crossovers_hz: crossovers,
                band_width_percent: [150.0; 3],
                ..Default::default()
            };
            let mut im = Imager::new(RATE, &p);
            // Impulse in the left only: M = S = impulse / 2.
            let mut l = vec![0.0f32; len];
            l[0] = 1.0;
            let mut r = vec![0.0f32; len];
            im.process(&mut l, &mut r);
            let mid: Vec<f64> = l.iter().zip(&r).map(|(a, b)| (a + b) as f64).collect();
            let side: Vec<f64> = l
                .iter()
                .zip(&r)
                .map(|(a, b)| (a - b) as f64 / 1.5)
                .collect();
            let freqs: Vec<f64> = (0..200)
                .map(|i| 20.0 * 1000f64.powf(i as f64 / 199.0))
                .collect();
            let worst = |h: &[f64]| {
                magnitudes(h, &freqs)
                    .iter()
                    .map(|&m| db(m).abs())
                    .fold(0.0, f64::max)
            };
            let (worst_mid, worst_side) = (worst(&mid), worst(&side));
            let phase_match = mid
                .iter()
                .zip(&side)
                .map(|(m, s)| (m - s).abs())
                .fold(0.0, f64::max);
            println!(
                "{bands} bands at {crossovers:?} Hz, widths 150 %: mid within {worst_mid:.1e} dB, side within {worst_side:.1e} dB, \
                 max |mid - side/1.5| {phase_match:.1e}"
            );
            assert!(worst_mid < 0.01 && worst_side < 0.01);
            assert!(phase_match < 1e-5);
        }
    }

    /// Each band's width applies to the side in that band only.
    #[test]
    fn band_widths_scale_the_side_per_band() {
        for (bands, widths, expected) in [
            (3, [0.0, 100.0, 200.0], [0.0, 1.0, 2.0]),
            (2, [50.0, 150.0, 100.0], [0.5, 1.5, 1.5]),
        ] {
            let p = ImagerParams {
                width_percent: 100.0,
                width_bands: bands,
                band_crossovers_hz: [300.0, 3_000.0],
                band_width_percent: widths,
                ..Default::default()
            };
            let mut line = String::new();
            for (f, want) in [40.0, 950.0, 15_000.0].into_iter().zip(expected) {
                let x = tone(RATE, f, 0.25, 48_000);
                let neg: Vec<f32> = x.iter().map(|v| -v).collect();
                let (a, b) = run(p, &x, &neg);
                let side: Vec<f32> = a[24_000..]
                    .iter()
                    .zip(&b[24_000..])
                    .map(|(l, r)| (l - r) / 2.0)
                    .collect();
                let gain = rms(&side) / rms(&x[24_000..]);
                line += &format!(" {f} Hz x{gain:.4}");
                if want == 0.0 {
                    assert!(db(gain) < -45.0, "{f} Hz: {gain}");
                } else {
                    assert!((db(gain / want)).abs() < 0.1, "{f} Hz: {gain} vs {want}");
                }
            }
            println!("{bands} bands, widths {widths:?}: side gain{line}");
        }
    }

    #[test]
    fn balance_polarity_swap_and_solo() {
        let (l, r) = (white(7, 0.4, 4_000), white(8, 0.4, 4_000));
        let check = |p: ImagerParams, f: &dyn Fn(f32, f32) -> (f32, f32)| {
            let (a, b) = run(p, &l, &r);
            let worst = a
                .iter()
                .zip(&b)
                .zip(l.iter().zip(&r))
                .map(|((&a, &b), (&x, &y))| {
                    let (el, er) = f(x, y);
                    (a - el).abs().max((b - er).abs())
                })
                .fold(0.0f32, f32::max);
            assert!(worst < 1e-6, "{p:?}: {worst}");
        };
        let d = ImagerParams::default();
        check(
            ImagerParams {
                balance_percent: -100.0,
                ..d
            },
            &|l, _| (l, 0.0),
        );
        check(
            ImagerParams {
                balance_percent: 50.0,
                ..d
            },
            &|l, r| (0.5 * l, r),
        );
        check(
            ImagerParams {
                invert_left: true,
                ..d
            },
            &|l, r| (-l, r),
        );
        check(
            ImagerParams {
                invert_right: true,
                ..d
            },
            &|l, r| (l, -r),
        );
        check(ImagerParams { swap: true, ..d }, &|l, r| (r, l));
        check(
            ImagerParams {
                swap: true,
                invert_left: true,
                ..d
            },
            &|l, r| (r, -l),
        );
        check(
            ImagerParams {
                solo: ImagerSolo::Mid,
                ..d
            },
            &|l, r| {
                let m = 0.5 * (l + r);
                (m, m)
            },
        );
        check(
            ImagerParams {
                solo: ImagerSolo::Side,
                ..d
            },
            &|l, r| {
                let s = 0.5 * (l - r);
                (s, s)
            },
        );
        check(
            ImagerParams {
                width_percent: 200.0,
                ..d
            },
            &|l, r| {
                let (m, s) = (0.5 * (l + r), l - r);
                (m + s, m - s)
            },
        );
    }

    /// Settings glide: a width jump, a polarity flip and engaging the filtered path never step.
    #[test]
    fn changes_glide_without_clicks() {
        let l = tone(RATE, 300.0, 0.5, 48_000);
        let r = tone(RATE, 500.0, 0.5, 48_000);
        let natural = l
            .windows(2)
            .chain(r.windows(2))
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0f32, f32::max);
        let mut im = Imager::new(RATE, &ImagerParams::default());
        let (mut a, mut b) = (l.clone(), r.clone());
        let changes = [
            ImagerParams {
                width_percent: 200.0,
                ..Default::default()
            },
            ImagerParams {
                width_percent: 0.0,
                invert_left: true,
                ..Default::default()
            },
            ImagerParams {
                width_bands: 3,
                band_width_percent: [0.0, 200.0, 50.0],
                bass_mono: true,
                ..Default::default()
            },
            ImagerParams {
                swap: true,
                solo: ImagerSolo::Side,
                balance_percent: 80.0,
                ..Default::default()
            },
            ImagerParams::default(),
        ];
        for (i, (x, y)) in a.chunks_mut(8_000).zip(b.chunks_mut(8_000)).enumerate() {
            if i > 0 {
                im.set_params(&changes[i - 1]);
            }
            im.process(x, y);
        }
        let worst = a
            .windows(2)
            .chain(b.windows(2))
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0f32, f32::max);
        println!(
            "largest sample step through five setting jumps {worst:.4} (inputs alone {natural:.4})"
        );
        // Width 200 % doubles the side: steps up to about twice the input's.
        assert!(worst < 2.5 * natural, "{worst} vs {natural}");
    }

    #[test]
    fn nan_input_does_not_poison_the_filters() {
        let p = ImagerParams {
            bass_mono: true,
            width_bands: 3,
            band_width_percent: [50.0, 150.0, 100.0],
            ..Default::default()
        };
        let mut l = white(9, 0.4, 4_000);
        l[10] = f32::NAN;
        l[11] = f32::INFINITY;
        let r = white(10, 0.4, 4_000);
        let (a, b) = run(p, &l, &r);
        assert!(a[200..].iter().chain(&b[200..]).all(|v| v.is_finite()));
    }

    #[test]
    fn processing_does_not_allocate() {
        let mut im = Imager::new(RATE, &ImagerParams::default());
        let (mut l, mut r) = (white(11, 0.4, 1_000), white(12, 0.4, 1_000));
        let settings = [
            ImagerParams {
                width_percent: 150.0,
                bass_mono: true,
                width_bands: 3,
                band_width_percent: [80.0, 120.0, 160.0],
                ..Default::default()
            },
            ImagerParams {
                swap: true,
                solo: ImagerSolo::Mid,
                balance_percent: -20.0,
                ..Default::default()
            },
            ImagerParams::default(),
        ];
        crate::no_alloc::assert_no_alloc(|| {
            for p in &settings {
                im.set_params(p);
                im.process(&mut l, &mut r);
            }
            im.reset();
        });
    }

    #[test]
    fn validate_names_the_bad_setting() {
        let d = ImagerParams::default();
        assert!(d.validate().is_ok());
        assert!(ImagerParams {
            width_percent: 250.0,
            ..d
        }
        .validate()
        .unwrap_err()
        .contains("width"));
        assert!(ImagerParams {
            bass_mono_hz: 800.0,
            ..d
        }
        .validate()
        .unwrap_err()
        .contains("bass mono"));
        assert!(ImagerParams {
            width_bands: 4,
            ..d
        }
        .validate()
        .unwrap_err()
        .contains("bands"));
        assert!(ImagerParams {
            width_bands: 3,
            band_crossovers_hz: [3_000.0, 300.0],
            ..d
        }
        .validate()
        .unwrap_err()
        .contains("crossover 1"));
        let wild = ImagerParams {
            width_percent: f64::NAN,
            balance_percent: 1e9,
            width_bands: 9,
            band_crossovers_hz: [9_000.0, 100.0],
            band_width_percent: [-5.0, f64::INFINITY, 300.0],
            ..d
        }
        .clamped();
        assert!(wild.validate().is_ok(), "{:?}", wild.validate());
    }
}
