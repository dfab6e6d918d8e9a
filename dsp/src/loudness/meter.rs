//! Streaming BS.1770-4 / EBU R128 loudness meter.
//!
//! The meter works on a 10 ms grid of sub-blocks: every 10 ms it updates momentary (400 ms)
//! and short-term (3 s) loudness from the last 40 and 300 sub-block energies, every 100 ms it
//! files a 400 ms gating block (75 % overlap) for integrated loudness and a 3 s short-term value
//! for loudness range. Everything is driven per sample, so the numbers do not depend on the
//! host's block size, and the 10 ms update rate is what EBU Tech 3341's maximum-momentary
//! cases (13 and 14) need.

use super::histogram::{LoudnessHistogram, FLOOR_LUFS};
use super::k_weighting::KWeighting;
use super::power_to_lufs;
use std::cell::Cell;

pub const MAX_CHANNELS: usize = 8;
const SUBBLOCKS_PER_SECOND: f64 = 100.0;
const MOMENTARY_SUBBLOCKS: usize = 40;
const SHORT_TERM_SUBBLOCKS: usize = 300;
/// Gating blocks and LRA values are taken every 100 ms.
const HOP_SUBBLOCKS: u64 = 10;
/// BS.1770-4 relative gate for integrated loudness.
const INTEGRATED_RELATIVE_GATE_LU: f64 = -10.0;
/// EBU Tech 3342 relative gate for loudness range.
const LRA_RELATIVE_GATE_LU: f64 = -20.0;

pub struct LoudnessMeter {
    channels: usize,
    weights: [f64; MAX_CHANNELS],
    filters: [KWeighting; MAX_CHANNELS],
    subblock_len: usize,
    subblock_pos: usize,
    /// Sum of squares per channel in the current sub-block. Accumulated sample by sample into
    /// these, never through per-call partial sums, so the result is bit-identical however the
    /// host splits its blocks.
    channel_energy: [f64; MAX_CHANNELS],
    /// Channel-weighted sums of squares of the last 300 sub-blocks (zeros before the start, as
    /// if the programme were preceded by silence).
    energies: Box<[f64]>,
    ring_pos: usize,
    subblocks_seen: u64,
    momentary_power: f64,
    short_term_power: f64,
    max_momentary_power: f64,
    max_short_term_power: f64,
    gating_blocks: LoudnessHistogram,
    short_term_values: LoudnessHistogram,
    /// Integrated loudness and LRA as last computed. Both only change when a value is filed
    /// on the 100 ms grid, and each needs walks over the 10 000-bin histograms, so they are
    /// computed at most once per filing, when first asked for, never per `process()` call.
    integrated_cache: Cell<Option<f64>>,
    range_cache: Cell<Option<f64>>,
}

impl LoudnessMeter {
    /// A meter for `channels` channels (1..=8), all weighted 1.0 (L, R, C in BS.1770).
    pub fn new(sample_rate: f64, channels: usize) -> Self {
        assert!((1..=MAX_CHANNELS).contains(&channels), "1..=8 channels");
        let sample_rate = sample_rate.max(1.0);
        Self {
            channels,
            weights: [1.0; MAX_CHANNELS],
            filters: [KWeighting::new(sample_rate); MAX_CHANNELS],
            subblock_len: ((sample_rate / SUBBLOCKS_PER_SECOND).round() as usize).max(1),
            subblock_pos: 0,
            channel_energy: [0.0; MAX_CHANNELS],
            energies: vec![0.0; SHORT_TERM_SUBBLOCKS].into_boxed_slice(),
            ring_pos: 0,
            subblocks_seen: 0,
            momentary_power: 0.0,
            short_term_power: 0.0,
            max_momentary_power: 0.0,
            max_short_term_power: 0.0,
            gating_blocks: LoudnessHistogram::new(),
            short_term_values: LoudnessHistogram::new(),
            integrated_cache: Cell::new(None),
            range_cache: Cell::new(None),
        }
    }

    /// BS.1770 channel weight (power): 1.0 for L, R, C; 1.41 for surrounds; 0 for LFE.
    pub fn set_channel_weight(&mut self, channel: usize, weight: f64) {
        self.weights[channel] = weight;
    }

    pub fn channels(&self) -> usize {
        self.channels
    }

    /// Forget everything: filter state, windows, maxima, integrated loudness and LRA.
    pub fn reset(&mut self) {
        self.filters.iter_mut().for_each(KWeighting::reset);
        self.subblock_pos = 0;
        self.channel_energy = [0.0; MAX_CHANNELS];
        self.energies.fill(0.0);
        self.ring_pos = 0;
        self.subblocks_seen = 0;
        self.momentary_power = 0.0;
        self.short_term_power = 0.0;
        self.max_momentary_power = 0.0;
        self.max_short_term_power = 0.0;
        self.gating_blocks.reset();
        self.short_term_values.reset();
        self.integrated_cache.set(None);
        self.range_cache.set(None);
    }

    /// Feed planar audio: one slice per channel, all the same length.
    pub fn process(&mut self, channels: &[&[f32]]) {
        debug_assert_eq!(channels.len(), self.channels);
        let frames = channels.first().map_or(0, |c| c.len());
        let mut start = 0;
        while start < frames {
            let run = (self.subblock_len - self.subblock_pos).min(frames - start);
            for (ch, samples) in channels.iter().enumerate().take(self.channels) {
                let filter = &mut self.filters[ch];
                let mut sum = self.channel_energy[ch];
                for &x in &samples[start..start + run] {
                    let y = filter.tick(x as f64);
                    sum += y * y;
                }
                self.channel_energy[ch] = sum;
            }
            start += run;
            self.subblock_pos += run;
            if self.subblock_pos == self.subblock_len {
                self.end_subblock();
            }
        }
    }

    /// Stereo convenience for `process`.
    pub fn process_stereo(&mut self, left: &[f32], right: &[f32]) {
        self.process(&[left, right]);
    }

    fn end_subblock(&mut self) {
        let len = SHORT_TERM_SUBBLOCKS;
        let channels = self.channels;
        self.energies[self.ring_pos] = (0..channels)
            .map(|ch| self.weights[ch] * self.channel_energy[ch])
            .sum();
        self.channel_energy = [0.0; MAX_CHANNELS];
        self.ring_pos = (self.ring_pos + 1) % len;
        self.subblock_pos = 0;
        self.subblocks_seen += 1;
        for f in &mut self.filters[..self.channels] {
            f.flush_tiny_state();
        }

        // Summed afresh each time rather than kept as running sums: 340 additions every 10 ms
        // cost nothing and cannot drift over a long session.
        let momentary: f64 = (1..=MOMENTARY_SUBBLOCKS)
            .map(|back| self.energies[(self.ring_pos + len - back) % len])
            .sum();
        let short_term: f64 = self.energies.iter().sum();
        let n = self.subblock_len as f64;
        self.momentary_power = momentary / (MOMENTARY_SUBBLOCKS as f64 * n);
        self.short_term_power = short_term / (SHORT_TERM_SUBBLOCKS as f64 * n);
        self.max_momentary_power = self.max_momentary_power.max(self.momentary_power);
        self.max_short_term_power = self.max_short_term_power.max(self.short_term_power);

        if self.subblocks_seen.is_multiple_of(HOP_SUBBLOCKS) {
            if self.subblocks_seen >= MOMENTARY_SUBBLOCKS as u64 {
                self.gating_blocks.add(self.momentary_power);
                self.integrated_cache.set(None);
            }
            if self.subblocks_seen >= SHORT_TERM_SUBBLOCKS as u64 {
                self.short_term_values.add(self.short_term_power);
                self.range_cache.set(None);
            }
        }
    }

    /// Momentary loudness (400 ms), LUFS; `-inf` for silence.
    pub fn momentary_lufs(&self) -> f64 {
        power_to_lufs(self.momentary_power)
    }

    /// Short-term loudness (3 s), LUFS.
    pub fn short_term_lufs(&self) -> f64 {
        power_to_lufs(self.short_term_power)
    }

    pub fn max_momentary_lufs(&self) -> f64 {
        power_to_lufs(self.max_momentary_power)
    }

    pub fn max_short_term_lufs(&self) -> f64 {
        power_to_lufs(self.max_short_term_power)
    }

    /// Integrated (programme) loudness since the last reset, gated per BS.1770-4; `-inf` until
    /// the first 400 ms block above -70 LUFS.
    pub fn integrated_lufs(&self) -> f64 {
        if let Some(v) = self.integrated_cache.get() {
            return v;
        }
        let v = power_to_lufs(
            self.gating_blocks
                .gated_mean_power(INTEGRATED_RELATIVE_GATE_LU)
                .0,
        );
        self.integrated_cache.set(Some(v));
        v
    }

    /// Loudness range (EBU Tech 3342) since the last reset, in LU; 0 until there is a
    /// short-term value above the gates.
    pub fn loudness_range_lu(&self) -> f64 {
        if let Some(v) = self.range_cache.get() {
            return v;
        }
        let v = self.compute_loudness_range_lu();
        self.range_cache.set(Some(v));
        v
    }

    fn compute_loudness_range_lu(&self) -> f64 {
        let (mean, n) = self.short_term_values.mean_power_above(FLOOR_LUFS);
        if n == 0 {
            return 0.0;
        }
        let threshold = power_to_lufs(mean) + LRA_RELATIVE_GATE_LU;
        match (
            self.short_term_values.percentile_above(threshold, 0.10),
            self.short_term_values.percentile_above(threshold, 0.95),
        ) {
            (Some(low), Some(high)) => high - low,
            _ => 0.0,
        }
    }

    /// Seconds of audio the 10 ms grid has completed since the last reset.
    pub fn seconds_measured(&self) -> f64 {
        self.subblocks_seen as f64 / SUBBLOCKS_PER_SECOND
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::TAU;

    fn tone(rate: f64, dbfs: f64, seconds: f64) -> Vec<f32> {
        let amp = 10f64.powf(dbfs / 20.0);
        (0..(rate * seconds) as usize)
            .map(|n| (amp * (TAU * 1000.0 * n as f64 / rate).sin()) as f32)
            .collect()
    }

    #[test]
    fn a_minus_23_dbfs_stereo_tone_reads_minus_23_lufs() {
        let mut m = LoudnessMeter::new(48_000.0, 2);
        let x = tone(48_000.0, -23.0, 20.0);
        m.process_stereo(&x, &x);
        for (what, v) in [
            ("M", m.momentary_lufs()),
            ("S", m.short_term_lufs()),
            ("I", m.integrated_lufs()),
        ] {
            assert!((v + 23.0).abs() < 0.05, "{what} = {v}");
        }
        assert!(m.loudness_range_lu() < 0.1);
    }

    #[test]
    fn block_size_does_not_change_the_numbers() {
        let x = tone(44_100.0, -18.0, 5.0);
        let mut a = LoudnessMeter::new(44_100.0, 2);
        a.process_stereo(&x, &x);
        let mut b = LoudnessMeter::new(44_100.0, 2);
        for (l, r) in x.chunks(37).zip(x.chunks(37)) {
            b.process_stereo(l, r);
        }
        assert_eq!(a.integrated_lufs(), b.integrated_lufs());
        assert_eq!(a.momentary_lufs(), b.momentary_lufs());
        assert_eq!(a.max_short_term_lufs(), b.max_short_term_lufs());
    }

    #[test]
    fn silence_reads_minus_infinity_and_reset_forgets() {
        let mut m = LoudnessMeter::new(48_000.0, 1);
        m.process(&[&vec![0.0; 48_000]]);
        assert_eq!(m.integrated_lufs(), f64::NEG_INFINITY);
        m.process(&[&tone(48_000.0, -20.0, 2.0)]);
        assert!(m.integrated_lufs().is_finite());
        m.reset();
        assert_eq!(m.integrated_lufs(), f64::NEG_INFINITY);
        assert_eq!(m.max_momentary_lufs(), f64::NEG_INFINITY);
    }
}
