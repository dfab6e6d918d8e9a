//! Multiband compressor: 2-4 bands split by Linkwitz-Riley 24 dB/oct crossovers, each with its
//! own compressor, gain, solo, mute and bypass.
//!
//! The splitter's bands sum to an allpass of the input, so with every band neutral (1:1 or
//! below threshold, 0 dB gain) the output has the input's magnitude response exactly; only the
//! phase turns around each crossover. All bands share one look-ahead, so their delays match and
//! the sum stays an allpass whatever each band's compressor does.
//!
//! Solo: when any band is soloed only soloed bands are heard. Mute wins over solo (a band that
//! is both is silent). Bypass passes the band with neither compression nor band gain (still
//! delayed by the shared look-ahead). Gain, solo, mute and bypass changes glide over 20 ms.

use super::compressor::{Compressor, CompressorParams, MAX_LOOKAHEAD_MS};
use crate::filter::crossover::{
    BandBuffers, BandSplitter, MAX_BANDS, MAX_CROSSOVER_HZ, MIN_CROSSOVER_HZ, SPLIT_CHUNK,
};
use crate::util::Glide;
use crate::util::{check_range, clamp_or, db_to_gain_f64};
use crate::Stage;

/// Glide time for band gain, solo, mute and bypass changes.
const BAND_GLIDE_MS: f64 = 20.0;

/// Settings of one band.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandParams {
    /// The band's compressor. Its `lookahead_ms` is ignored: the multiband one applies to all.
    pub compressor: CompressorParams,
    /// Band output gain, -24..24 dB.
    pub gain_db: f64,
    pub solo: bool,
    pub mute: bool,
    pub bypass: bool,
}

impl Default for BandParams {
    fn default() -> Self {
        Self {
            compressor: CompressorParams::default(),
            gain_db: 0.0,
            solo: false,
            mute: false,
            bypass: false,
        }
    }
}

/// User settings in audio units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MultibandParams {
    /// 2..=4.
    pub bands: usize,
    /// The first `bands - 1` are used, ascending, 20 Hz..20 kHz.
    pub crossovers_hz: [f64; 3],
    pub band: [BandParams; MAX_BANDS],
    /// Look-ahead shared by all bands, 0..10 ms.
    pub lookahead_ms: f64,
}

impl Default for MultibandParams {
    fn default() -> Self {
        Self {
            bands: 3,
            crossovers_hz: [150.0, 2500.0, 8000.0],
            band: [BandParams::default(); MAX_BANDS],
            lookahead_ms: 0.0,
        }
    }
}

impl MultibandParams {
    pub fn validate(&self) -> Result<(), String> {
        if !(2..=MAX_BANDS).contains(&self.bands) {
            return Err(format!(
                "multiband band count must be 2 to {MAX_BANDS}, got {}",
                self.bands
            ));
        }
        let used = &self.crossovers_hz[..self.bands - 1];
        for (j, &f) in used.iter().enumerate() {
            check_range(
                &format!("multiband crossover {}", j + 1),
                f,
                MIN_CROSSOVER_HZ,
                MAX_CROSSOVER_HZ,
                "Hz",
            )?;
            if j > 0 && f < used[j - 1] {
                return Err(format!(
                    "multiband crossover {} ({f} Hz) must not be below crossover {} ({} Hz)",
                    j + 1,
                    j,
                    used[j - 1]
                ));
            }
        }
        check_range(
            "multiband look-ahead",
            self.lookahead_ms,
            0.0,
            MAX_LOOKAHEAD_MS,
            "ms",
        )?;
        for (b, band) in self.band.iter().enumerate() {
            check_range(
                &format!("multiband band {} gain", b + 1),
                band.gain_db,
                -24.0,
                24.0,
                "dB",
            )?;
            band.compressor
                .validate()
                .map_err(|e| format!("multiband band {}: {e}", b + 1))?;
        }
        Ok(())
    }

    /// The same settings forced into range (what the audio thread uses).
    pub fn clamped(&self) -> Self {
        let d = Self::default();
        let bands = self.bands.clamp(2, MAX_BANDS);
        let mut crossovers_hz = self.crossovers_hz;
        for (f, default) in crossovers_hz.iter_mut().zip(d.crossovers_hz) {
            *f = clamp_or(*f, MIN_CROSSOVER_HZ, MAX_CROSSOVER_HZ, default);
        }
        crossovers_hz[..bands - 1].sort_unstable_by(f64::total_cmp);
        let lookahead_ms = clamp_or(self.lookahead_ms, 0.0, MAX_LOOKAHEAD_MS, d.lookahead_ms);
        let band = self.band.map(|b| BandParams {
            compressor: CompressorParams {
                lookahead_ms,
                ..b.compressor.clamped()
            },
            gain_db: clamp_or(b.gain_db, -24.0, 24.0, 0.0),
            ..b
        });
        Self {
            bands,
            crossovers_hz,
            band,
            lookahead_ms,
        }
    }
}

pub struct MultibandCompressor {
    sample_rate: f64,
    params: MultibandParams,
    splitter: BandSplitter,
    compressors: [Compressor; MAX_BANDS],
    /// Linear output gain of each band (band gain, solo and mute folded in).
    band_gain: [Glide; MAX_BANDS],
    glide_samples: u32,
}

impl MultibandCompressor {
    /// A bypassed band's compressor runs at 0 % mix: it keeps the shared delay and glides.
    fn compressor_params(p: &MultibandParams, band: usize) -> CompressorParams {
        let b = &p.band[band];
        CompressorParams {
            mix: if b.bypass { 0.0 } else { b.compressor.mix },
            lookahead_ms: p.lookahead_ms,
            ..b.compressor
        }
    }

    pub fn params(&self) -> MultibandParams {
        self.params
    }

    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// Deepest gain reduction of `band` since the last call, in dB (0 or negative).
    pub fn take_gain_reduction_db(&mut self, band: usize) -> f64 {
        if band < self.params.bands {
            self.compressors[band].take_gain_reduction_db()
        } else {
            0.0
        }
    }

    /// Where the crossovers are right now (they glide after a change), for drawing.
    pub fn current_crossovers_hz(&self) -> [f64; 3] {
        self.splitter.current_crossovers_hz()
    }

    fn process_chunk(&mut self, left: &mut [f32], right: &mut [f32]) {
        let n = left.len();
        let bands = self.params.bands;
        let mut split: BandBuffers = [[[0.0; SPLIT_CHUNK]; 2]; MAX_BANDS];
        self.splitter.split(left, right, &mut split);
        for (compressor, [l, r]) in self
            .compressors
            .iter_mut()
            .zip(split.iter_mut())
            .take(bands)
        {
            compressor.process(&mut l[..n], &mut r[..n]);
        }
        let mut sum = [[0.0f64; SPLIT_CHUNK]; 2];
        for (glide, band) in self.band_gain.iter_mut().zip(&split).take(bands) {
            for i in 0..n {
                let g = glide.next();
                sum[0][i] += g * band[0][i] as f64;
                sum[1][i] += g * band[1][i] as f64;
            }
        }
        for i in 0..n {
            left[i] = sum[0][i] as f32;
            right[i] = sum[1][i] as f32;
        }
    }
}

impl Stage for MultibandCompressor {
    type Params = MultibandParams;

    fn new(sample_rate: f64, params: &MultibandParams) -> Self {
        let sample_rate = sample_rate.clamp(1000.0, 768_000.0);
        let p = params.clamped();
        let mut m = Self {
            sample_rate,
            params: p,
            splitter: BandSplitter::new(sample_rate, p.bands, &p.crossovers_hz),
            compressors: std::array::from_fn(|b| {
                Compressor::new(sample_rate, &Self::compressor_params(&p, b))
            }),
            band_gain: [Glide::new(1.0); MAX_BANDS],
            glide_samples: (BAND_GLIDE_MS * 1e-3 * sample_rate).round() as u32,
        };
        m.set_params(&p);
        m.reset();
        m
    }
    /// Apply new settings without allocating. Crossovers, gains, solo, mute and bypass glide;
    /// a new band count switches the topology at once (bands that appear start from silence).
    fn set_params(&mut self, params: &MultibandParams) {
        let p = params.clamped();
        if p.bands != self.splitter.bands() {
            for b in self.splitter.bands()..p.bands {
                self.compressors[b].reset();
            }
            self.splitter.set_bands(p.bands);
        }
        self.splitter
            .set_crossovers(&p.crossovers_hz[..p.bands - 1]);
        let any_solo = p.band[..p.bands].iter().any(|b| b.solo);
        for b in 0..MAX_BANDS {
            self.compressors[b].set_params(&Self::compressor_params(&p, b));
            let band = &p.band[b];
            let heard = !band.mute && (!any_solo || band.solo);
            let gain = match (heard, band.bypass) {
                (false, _) => 0.0,
                (true, true) => 1.0,
                (true, false) => db_to_gain_f64(band.gain_db),
            };
            self.band_gain[b].set_target(gain, self.glide_samples);
        }
        self.params = p;
    }
    /// Clear all state; glides jump to their targets.
    fn reset(&mut self) {
        self.splitter.reset();
        self.compressors.iter_mut().for_each(Compressor::reset);
        self.band_gain.iter_mut().for_each(Glide::jump);
    }
    fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        let frames = left.len().min(right.len());
        let mut start = 0;
        while start < frames {
            let n = SPLIT_CHUNK.min(frames - start);
            self.process_chunk(&mut left[start..start + n], &mut right[start..start + n]);
            start += n;
        }
    }
    /// Delay from input to output in samples (the shared look-ahead).
    fn latency(&self) -> usize {
        self.compressors[0].latency()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::crossover::tests::{dft_mag, log_freqs};
    use std::f64::consts::PI;

    fn db(x: f64) -> f64 {
        20.0 * x.log10()
    }

    fn neutral(bands: usize, crossovers_hz: [f64; 3]) -> MultibandParams {
        let mut p = MultibandParams {
            bands,
            crossovers_hz,
            ..Default::default()
        };
        for b in p.band.iter_mut() {
            b.compressor.ratio = 1.0;
        }
        p
    }

    fn impulse_response(m: &mut MultibandCompressor, len: usize) -> Vec<f64> {
        let mut l = vec![0.0f32; len];
        l[0] = 1.0;
        let mut r = l.clone();
        m.process(&mut l, &mut r);
        assert_eq!(l, r);
        l.iter().map(|&v| v as f64).collect()
    }

    fn worst_deviation(h: &[f64], rate: f64) -> f64 {
        log_freqs(200, 20_000.0)
            .iter()
            .map(|&f| db(dft_mag(h, f, rate)).abs())
            .fold(0.0, f64::max)
    }

    #[test]
    fn neutral_bands_sum_flat() {
        let crossovers = [
            [1000.0, 0.0, 0.0],
            [200.0, 2500.0, 0.0],
            [120.0, 1000.0, 8000.0],
        ];
        let mut worst_all = 0.0f64;
        for rate in [44_100.0, 48_000.0, 96_000.0] {
            for bands in 2..=4 {
                let p = neutral(bands, crossovers[bands - 2]);
                let mut m = MultibandCompressor::new(rate, &p);
                let worst = worst_deviation(&impulse_response(&mut m, 16_384), rate);
                println!("neutral {bands} bands @ {rate} Hz: worst {worst:.2e} dB");
                // The README's "flat to 1e-6 dB" (measured worst 6.2e-7 dB).
                assert!(worst < 1e-6, "{worst:.2e} dB");
                worst_all = worst_all.max(worst);
            }
        }
        println!("neutral multiband: worst {worst_all:.2e} dB");
    }

    #[test]
    fn shared_lookahead_keeps_bypassed_bands_aligned() {
        let rate = 48_000.0;
        let mut p = neutral(4, [120.0, 1000.0, 8000.0]);
        p.lookahead_ms = 3.0;
        p.band[1].bypass = true;
        p.band[2].compressor.threshold_db = 0.0;
        p.band[2].compressor.ratio = 4.0;
        let mut m = MultibandCompressor::new(rate, &p);
        assert_eq!(m.latency(), 144);
        let h = impulse_response(&mut m, 16_384);
        assert!(h[..144].iter().all(|&v| v == 0.0));
        let worst = worst_deviation(&h[144..], rate);
        println!("3 ms shared look-ahead, one band bypassed: worst {worst:.2e} dB");
        assert!(worst < 1e-6, "{worst:.2e} dB");
    }

    /// Amplitude of the `freq` component of `x` (correlation over whole cycles).
    fn tone_level_db(x: &[f32], freq: f64, rate: f64) -> f64 {
        let (mut re, mut im) = (0.0, 0.0);
        for (n, &v) in x.iter().enumerate() {
            let a = 2.0 * PI * freq * n as f64 / rate;
            re += v as f64 * a.cos();
            im += v as f64 * a.sin();
        }
        db(2.0 * re.hypot(im) / x.len() as f64)
    }

    /// Three tones, one per band of a 100 Hz / 5 kHz split, each at 0.1: levels out (dB re 0.1).
    fn three_tone_levels(p: &MultibandParams) -> [f64; 3] {
        let rate = 48_000.0;
        let freqs = [25.0, 700.0, 16_000.0];
        let n = 48_000;
        let x: Vec<f32> = (0..n)
            .map(|i| {
                freqs
                    .iter()
                    .map(|f| 0.1 * (2.0 * PI * f * i as f64 / rate).sin())
                    .sum::<f64>() as f32
            })
            .collect();
        let mut m = MultibandCompressor::new(rate, p);
        let (mut l, mut r) = (x.clone(), x);
        m.process(&mut l, &mut r);
        // 25 Hz fits 0.6 s exactly (and so do the others).
        freqs.map(|f| tone_level_db(&l[n - 28_800..], f, rate) + 20.0)
    }

    #[test]
    fn mute_and_solo_select_the_heard_bands() {
        let base = neutral(3, [100.0, 5000.0, 0.0]);
        let all = three_tone_levels(&base);
        println!("all heard: {all:.3?} dB");
        assert!(all.iter().all(|l| l.abs() < 0.01));

        let mut muted = base;
        muted.band[1].mute = true;
        let m = three_tone_levels(&muted);
        println!("band 2 muted: {m:.3?} dB");
        assert!(m[1] < -40.0 && m[0].abs() < 0.05 && m[2].abs() < 0.05);

        let mut solo = base;
        solo.band[2].solo = true;
        let s = three_tone_levels(&solo);
        println!("band 3 soloed: {s:.3?} dB");
        assert!(s[0] < -40.0 && s[1] < -40.0 && s[2].abs() < 0.05);

        let mut two_solos = solo;
        two_solos.band[0].solo = true;
        let s2 = three_tone_levels(&two_solos);
        println!("bands 1 and 3 soloed: {s2:.3?} dB");
        assert!(s2[1] < -40.0 && s2[0].abs() < 0.05 && s2[2].abs() < 0.05);

        let mut solo_and_mute = solo;
        solo_and_mute.band[2].mute = true;
        let sm = three_tone_levels(&solo_and_mute);
        println!("band 3 soloed and muted: {sm:.1?} dB");
        assert!(sm.iter().all(|&l| l < -40.0));
    }

    #[test]
    fn band_gain_raises_its_band_by_the_set_amount() {
        let mut worst = 0.0f64;
        for bands in [3, 4] {
            let mut p = neutral(bands, [100.0, 5000.0, 18_000.0]);
            p.band[1].gain_db = 6.0;
            let levels = three_tone_levels(&p);
            println!("{bands} bands, band 2 at +6 dB: {levels:.3?} dB");
            let err = (levels[1] - 6.0).abs();
            worst = worst.max(err);
            assert!(err < 0.05, "{err}");
            assert!(levels[0].abs() < 0.05);
        }
        println!("band gain: worst error {worst:.4} dB");
    }

    #[test]
    fn a_compressing_band_leaves_the_others_alone() {
        let mut p = neutral(3, [100.0, 5000.0, 0.0]);
        p.band[1].compressor = CompressorParams {
            threshold_db: -40.0,
            ratio: 4.0,
            ..Default::default()
        };
        let levels = three_tone_levels(&p);
        let mut m = MultibandCompressor::new(48_000.0, &p);
        let x: Vec<f32> = (0..4800)
            .map(|i| (0.1 * (2.0 * PI * 700.0 * i as f64 / 48_000.0).sin()) as f32)
            .collect();
        let (mut l, mut r) = (x.clone(), x);
        m.process(&mut l, &mut r);
        let gr: Vec<f64> = (0..4).map(|b| m.take_gain_reduction_db(b)).collect();
        println!("band 2 compressing: tone levels {levels:.3?} dB, meters {gr:.2?} dB");
        assert!(levels[1] < -6.0 && levels[0].abs() < 0.05 && levels[2].abs() < 0.05);
        assert!(gr[1] < -6.0 && gr[0] == 0.0 && gr[2] == 0.0 && gr[3] == 0.0);
    }

    #[test]
    fn output_does_not_depend_on_the_host_block_size() {
        let x: Vec<f32> = (0..6000)
            .map(|i| ((i as f64 * 0.03).sin() * 0.8) as f32)
            .collect();
        let mut p = MultibandParams {
            bands: 4,
            lookahead_ms: 1.0,
            ..Default::default()
        };
        p.band[0].compressor.threshold_db = -30.0;
        let run = |sizes: &[usize]| {
            let mut m = MultibandCompressor::new(48_000.0, &p);
            let mut q = p;
            q.crossovers_hz = [300.0, 3000.0, 9000.0];
            q.band[2].gain_db = -6.0;
            m.set_params(&q);
            let (mut l, mut r) = (x.clone(), x.clone());
            let (mut start, mut k) = (0, 0);
            while start < l.len() {
                let n = sizes[k % sizes.len()].min(l.len() - start);
                m.process(&mut l[start..start + n], &mut r[start..start + n]);
                start += n;
                k += 1;
            }
            l
        };
        assert_eq!(run(&[64]), run(&[5, 64, 300, 1, 31]));
    }

    #[test]
    fn settings_are_validated_and_clamped() {
        let mut p = MultibandParams {
            bands: 7,
            crossovers_hz: [5000.0, f64::NAN, 100.0],
            lookahead_ms: -1.0,
            ..Default::default()
        };
        p.band[3].gain_db = 99.0;
        assert!(p.validate().is_err());
        let c = p.clamped();
        assert!(c.validate().is_ok(), "{:?}", c.validate());
        assert_eq!(c.bands, 4);
        assert!(
            c.crossovers_hz[0] <= c.crossovers_hz[1] && c.crossovers_hz[1] <= c.crossovers_hz[2]
        );
        let q = MultibandParams {
            crossovers_hz: [2000.0, 1000.0, 8000.0],
            ..Default::default()
        };
        let e = q.validate().unwrap_err();
        assert!(e.contains("crossover 2"), "{e}");
    }

    #[test]
    fn processing_does_not_allocate() {
        let mut p = MultibandParams {
            bands: 4,
            lookahead_ms: 2.0,
            ..Default::default()
        };
        p.band[0].solo = true;
        let mut m = MultibandCompressor::new(48_000.0, &p);
        let mut l = vec![0.3f32; 1000];
        let mut r = vec![-0.2f32; 1000];
        crate::no_alloc::assert_no_alloc(|| {
            m.process(&mut l, &mut r);
            let mut q = p;
            q.bands = 2;
            q.crossovers_hz[0] = 400.0;
            m.set_params(&q);
            m.process(&mut l, &mut r);
            m.set_params(&p);
            m.process(&mut l, &mut r);
            std::hint::black_box(m.take_gain_reduction_db(1));
            m.reset();
        });
    }
}
