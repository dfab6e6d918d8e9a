//! Every stereo meter the master bus needs, fed once per block, read as one snapshot.
//!
//! The set runs on the same 10 ms grid as the loudness meter, so PSR and crest factor are
//! taken over exactly the short-term window (3 s) that short-term loudness uses.

use super::{amplitude_db, power_db, StereoMeter, TruePeakMeter};
use crate::loudness::LoudnessMeter;

/// Correlation meter time constant.
const CORRELATION_WINDOW_MS: f64 = 300.0;
/// 3 s of 10 ms sub-blocks: the short-term window.
const WINDOW_SUBBLOCKS: usize = 300;

/// One reading of every meter. Levels in dB (dBFS, dBTP, LUFS, LU); silence is `-inf`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MeterSnapshot {
    pub momentary_lufs: f64,
    pub short_term_lufs: f64,
    pub integrated_lufs: f64,
    pub loudness_range_lu: f64,
    pub max_momentary_lufs: f64,
    pub max_short_term_lufs: f64,
    /// True peak per channel since the previous snapshot.
    pub true_peak_dbtp: [f64; 2],
    /// Highest true peak since reset, both channels.
    pub max_true_peak_dbtp: f64,
    /// Sample peak per channel since the previous snapshot.
    pub sample_peak_db: [f64; 2],
    pub max_sample_peak_db: f64,
    /// Peak to loudness ratio: max true peak - integrated loudness.
    pub plr_db: f64,
    /// Peak to short-term loudness ratio: true peak over the last 3 s - short-term loudness.
    pub psr_db: f64,
    /// Sample peak over RMS, both over the last 3 s.
    pub crest_db: f64,
    pub correlation: f64,
    pub balance_db: f64,
    pub mid_db: f64,
    pub side_db: f64,
}

pub struct MeterSet {
    pub loudness: LoudnessMeter,
    pub true_peak: TruePeakMeter,
    pub stereo: StereoMeter,
    subblock_len: usize,
    subblock_pos: usize,
    sub_true_peak: f32,
    sub_sample_peak: f32,
    /// Per channel, accumulated sample by sample (block-size invariant; see `LoudnessMeter`).
    sub_square_sum: [f64; 2],
    /// Per 10 ms sub-block of the last 3 s: (true peak, sample peak, sum of squares of both
    /// channels).
    ring: Box<[(f32, f32, f64)]>,
    ring_pos: usize,
    /// The ring's maxima and sum, taken when a sub-block completes (the ring changes only
    /// then), so a snapshot costs the same whatever the window length.
    window: (f32, f32, f64),
    snapshot_true_peak: [f32; 2],
    snapshot_sample_peak: [f32; 2],
    max_sample_peak: f32,
}

impl MeterSet {
    pub fn new(sample_rate: f64) -> Self {
        let sample_rate = sample_rate.max(1.0);
        Self {
            loudness: LoudnessMeter::new(sample_rate, 2),
            true_peak: TruePeakMeter::new(2),
            stereo: StereoMeter::new(sample_rate, CORRELATION_WINDOW_MS),
            subblock_len: ((sample_rate / 100.0).round() as usize).max(1),
            subblock_pos: 0,
            sub_true_peak: 0.0,
            sub_sample_peak: 0.0,
            sub_square_sum: [0.0; 2],
            ring: vec![(0.0, 0.0, 0.0); WINDOW_SUBBLOCKS].into_boxed_slice(),
            ring_pos: 0,
            window: (0.0, 0.0, 0.0),
            snapshot_true_peak: [0.0; 2],
            snapshot_sample_peak: [0.0; 2],
            max_sample_peak: 0.0,
        }
    }

    pub fn reset(&mut self) {
        self.loudness.reset();
        self.true_peak.reset();
        self.stereo.reset();
        self.subblock_pos = 0;
        self.sub_true_peak = 0.0;
        self.sub_sample_peak = 0.0;
        self.sub_square_sum = [0.0; 2];
        self.ring.fill((0.0, 0.0, 0.0));
        self.ring_pos = 0;
        self.window = (0.0, 0.0, 0.0);
        self.snapshot_true_peak = [0.0; 2];
        self.snapshot_sample_peak = [0.0; 2];
        self.max_sample_peak = 0.0;
    }

    pub fn process(&mut self, left: &[f32], right: &[f32]) {
        let frames = left.len().min(right.len());
        let mut start = 0;
        while start < frames {
            let run = (self.subblock_len - self.subblock_pos).min(frames - start);
            let (l, r) = (&left[start..start + run], &right[start..start + run]);
            self.loudness.process_stereo(l, r);
            self.true_peak.process(&[l, r]);
            self.stereo.process(l, r);
            for (ch, samples) in [l, r].into_iter().enumerate() {
                let mut peak = 0.0f32;
                let mut squares = self.sub_square_sum[ch];
                for &x in samples {
                    peak = peak.max(x.abs());
                    squares += (x as f64) * (x as f64);
                }
                let true_peak = self.true_peak.take_window_peak(ch);
                self.snapshot_sample_peak[ch] = self.snapshot_sample_peak[ch].max(peak);
                self.snapshot_true_peak[ch] = self.snapshot_true_peak[ch].max(true_peak);
                self.sub_sample_peak = self.sub_sample_peak.max(peak);
                self.sub_true_peak = self.sub_true_peak.max(true_peak);
                self.sub_square_sum[ch] = squares;
            }
            start += run;
            self.subblock_pos += run;
            if self.subblock_pos == self.subblock_len {
                self.end_subblock();
            }
        }
    }

    fn end_subblock(&mut self) {
        let squares = self.sub_square_sum[0] + self.sub_square_sum[1];
        self.ring[self.ring_pos] = (self.sub_true_peak, self.sub_sample_peak, squares);
        self.ring_pos = (self.ring_pos + 1) % WINDOW_SUBBLOCKS;
        let (mut tp_3s, mut sp_3s, mut squares) = (0.0f32, 0.0f32, 0.0f64);
        for &(tp, sp, sq) in self.ring.iter() {
            tp_3s = tp_3s.max(tp);
            sp_3s = sp_3s.max(sp);
            squares += sq;
        }
        self.window = (tp_3s, sp_3s, squares);
        self.max_sample_peak = self.max_sample_peak.max(self.sub_sample_peak);
        self.sub_true_peak = 0.0;
        self.sub_sample_peak = 0.0;
        self.sub_square_sum = [0.0; 2];
        self.subblock_pos = 0;
    }

    /// Read every meter. Per-channel peaks restart from here (peak since the last snapshot);
    /// everything else keeps accumulating until `reset`.
    pub fn take_snapshot(&mut self) -> MeterSnapshot {
        let (mut tp_3s, mut sp_3s, squares) = self.window;
        // Include the sub-block in progress so a snapshot never misses a fresh peak.
        tp_3s = tp_3s.max(self.sub_true_peak);
        sp_3s = sp_3s.max(self.sub_sample_peak);
        let mean_square = squares / (2 * WINDOW_SUBBLOCKS * self.subblock_len) as f64;

        let integrated = self.loudness.integrated_lufs();
        let short_term = self.loudness.short_term_lufs();
        let max_tp = self.true_peak.max_dbtp();
        let ratio = |peak: f64, loudness: f64| {
            if peak.is_finite() && loudness.is_finite() {
                peak - loudness
            } else {
                f64::NAN
            }
        };
        let crest = if mean_square > 0.0 {
            amplitude_db(sp_3s as f64) - power_db(mean_square)
        } else {
            f64::NAN
        };
        let tp = std::mem::take(&mut self.snapshot_true_peak);
        let sp = std::mem::take(&mut self.snapshot_sample_peak);
        MeterSnapshot {
            momentary_lufs: self.loudness.momentary_lufs(),
            short_term_lufs: short_term,
            integrated_lufs: integrated,
            loudness_range_lu: self.loudness.loudness_range_lu(),
            max_momentary_lufs: self.loudness.max_momentary_lufs(),
            max_short_term_lufs: self.loudness.max_short_term_lufs(),
            true_peak_dbtp: tp.map(|x| amplitude_db(x as f64)),
            max_true_peak_dbtp: max_tp,
            sample_peak_db: sp.map(|x| amplitude_db(x as f64)),
            max_sample_peak_db: amplitude_db(self.max_sample_peak.max(self.sub_sample_peak) as f64),
            plr_db: ratio(max_tp, integrated),
            psr_db: ratio(amplitude_db(tp_3s as f64), short_term),
            crest_db: crest,
            correlation: self.stereo.correlation(),
            balance_db: self.stereo.balance_db(),
            mid_db: self.stereo.mid_db(),
            side_db: self.stereo.side_db(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::TAU;

    #[test]
    fn a_sine_reads_its_textbook_numbers() {
        let rate = 48_000.0;
        let amp = 10f64.powf(-20.0 / 20.0);
        let x: Vec<f32> = (0..(rate as usize * 10))
            .map(|n| (amp * (TAU * 997.0 * n as f64 / rate).sin()) as f32)
            .collect();
        let mut m = MeterSet::new(rate);
        for (l, r) in x.chunks(512).zip(x.chunks(512)) {
            m.process(l, r);
        }
        let s = m.take_snapshot();
        println!("{s:#?}");
        assert!((s.integrated_lufs + 20.0).abs() < 0.05);
        assert!((s.max_true_peak_dbtp + 20.0).abs() < 0.05);
        assert!((s.plr_db - 0.0).abs() < 0.1);
        assert!((s.psr_db - 0.0).abs() < 0.1);
        assert!((s.crest_db - 3.01).abs() < 0.05, "sine crest is 3.01 dB");
        assert!((s.correlation - 1.0).abs() < 1e-6);
        assert!(s.side_db == f64::NEG_INFINITY);
        // Per-channel peaks restart at each snapshot.
        let again = m.take_snapshot();
        assert_eq!(again.true_peak_dbtp, [f64::NEG_INFINITY; 2]);
        assert!((again.max_true_peak_dbtp + 20.0).abs() < 0.05);
    }
}
