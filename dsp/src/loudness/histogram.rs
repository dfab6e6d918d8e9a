//! Bounded-memory store of gating-block loudness values for integrated loudness and LRA.
//!
//! Programme length is unbounded (a live stream, a DAW left playing overnight), so blocks are
//! not kept one by one. Each 0.01 LU bin keeps how many blocks fell into it and the sum of
//! their powers: integrated loudness is then the exact power mean of the blocks above the
//! gates, and only the gate decision for blocks within 0.01 LU of a threshold is rounded.

use super::power_to_lufs;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

/// Whole-histogram walks since the process started, every histogram together. The walks are
/// the meters' one cost that grows with the histogram, so a test counts them to prove they run
/// on the 100 ms grid and never once per `process()` call.
static WALKS: AtomicU64 = AtomicU64::new(0);

/// Histogram walks so far (see `WALKS`).
pub fn walks() -> u64 {
    WALKS.load(Relaxed)
}

/// Lowest loudness stored: BS.1770's absolute gate.
pub const FLOOR_LUFS: f64 = -70.0;
/// Highest loudness stored; louder blocks (only possible with huge overs) land in the top bin.
pub const CEILING_LUFS: f64 = 30.0;
/// Bin width in LU.
pub const BIN_LU: f64 = 0.01;
const BINS: usize = ((CEILING_LUFS - FLOOR_LUFS) / BIN_LU) as usize;

pub struct LoudnessHistogram {
    counts: Box<[u64]>,
    powers: Box<[f64]>,
    total: u64,
}

impl LoudnessHistogram {
    pub fn new() -> Self {
        Self {
            counts: vec![0; BINS].into_boxed_slice(),
            powers: vec![0.0; BINS].into_boxed_slice(),
            total: 0,
        }
    }

    pub fn reset(&mut self) {
        self.counts.fill(0);
        self.powers.fill(0.0);
        self.total = 0;
    }

    pub fn len(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    fn bin_of(lufs: f64) -> usize {
        (((lufs - FLOOR_LUFS) / BIN_LU) as usize).min(BINS - 1)
    }

    /// Lower edge of bin `i` in LUFS.
    fn bin_floor(i: usize) -> f64 {
        FLOOR_LUFS + i as f64 * BIN_LU
    }

    /// Add one block of channel-weighted mean-square `power`. Blocks at or below the absolute
    /// gate are not counted (BS.1770: blocks must exceed -70 LUFS).
    #[inline]
    pub fn add(&mut self, power: f64) {
        let lufs = power_to_lufs(power);
        if lufs > FLOOR_LUFS {
            let i = Self::bin_of(lufs);
            self.counts[i] += 1;
            self.powers[i] += power;
            self.total += 1;
        }
    }

    /// First bin whose blocks lie above `threshold_lufs`.
    fn first_bin_above(threshold_lufs: f64) -> usize {
        if threshold_lufs <= FLOOR_LUFS {
            0
        } else {
            // A bin straddling the threshold counts if its lower edge is within half a bin:
            // the decision is then wrong only for blocks within 0.005 LU of the gate.
            ((threshold_lufs - FLOOR_LUFS) / BIN_LU).round() as usize
        }
        .min(BINS)
    }

    /// Power mean of all blocks above `threshold_lufs`, with their count.
    pub fn mean_power_above(&self, threshold_lufs: f64) -> (f64, u64) {
        WALKS.fetch_add(1, Relaxed);
        let start = Self::first_bin_above(threshold_lufs);
        let mut power = 0.0;
        let mut count = 0;
        for i in start..BINS {
            power += self.powers[i];
            count += self.counts[i];
        }
        if count == 0 {
            (0.0, 0)
        } else {
            (power / count as f64, count)
        }
    }

    /// The gated power mean of BS.1770-4: absolute gate at -70 LUFS, then a relative gate
    /// `relative_gate_lu` below the absolutely-gated mean. Returns `(gated mean power,
    /// relative threshold in LUFS)`.
    pub fn gated_mean_power(&self, relative_gate_lu: f64) -> (f64, f64) {
        let (ungated, n) = self.mean_power_above(FLOOR_LUFS);
        if n == 0 {
            return (0.0, f64::NEG_INFINITY);
        }
        let threshold = power_to_lufs(ungated) + relative_gate_lu;
        (self.mean_power_above(threshold).0, threshold)
    }

    /// The loudness at percentile `q` (0..1) of the blocks above `threshold_lufs`, as the
    /// centre of the bin that holds it (EBU Tech 3342 takes the 10th and 95th).
    pub fn percentile_above(&self, threshold_lufs: f64, q: f64) -> Option<f64> {
        WALKS.fetch_add(1, Relaxed);
        let start = Self::first_bin_above(threshold_lufs);
        let count: u64 = self.counts[start..].iter().sum();
        if count == 0 {
            return None;
        }
        // Index into the sorted values, as libebur128 and the Tech 3342 reference code do.
        let target = ((count - 1) as f64 * q).round() as u64;
        let mut seen = 0;
        for i in start..BINS {
            seen += self.counts[i];
            if seen > target {
                return Some(Self::bin_floor(i) + BIN_LU / 2.0);
            }
        }
        None
    }
}

impl Default for LoudnessHistogram {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::loudness::lufs_to_power;

    fn add_lufs(h: &mut LoudnessHistogram, lufs: f64) {
        h.add(lufs_to_power(lufs));
    }

    #[test]
    fn integrated_is_the_exact_power_mean_above_the_gates() {
        let mut h = LoudnessHistogram::new();
        for _ in 0..100 {
            add_lufs(&mut h, -20.0);
            add_lufs(&mut h, -26.0);
            add_lufs(&mut h, -80.0); // below the absolute gate: ignored
            add_lufs(&mut h, -45.0); // below the relative gate: ignored
        }
        assert_eq!(h.len(), 300);
        let (p, threshold) = h.gated_mean_power(-10.0);
        let expected = (lufs_to_power(-20.0) + lufs_to_power(-26.0)) / 2.0;
        assert!((power_to_lufs(p) - power_to_lufs(expected)).abs() < 1e-9);
        assert!(threshold > -45.0 && threshold < -26.0);
    }

    #[test]
    fn percentiles_land_in_the_right_bin() {
        let mut h = LoudnessHistogram::new();
        for i in 0..1000 {
            add_lufs(&mut h, -40.0 + i as f64 * 0.02);
        }
        let p10 = h.percentile_above(FLOOR_LUFS, 0.10).unwrap();
        let p95 = h.percentile_above(FLOOR_LUFS, 0.95).unwrap();
        assert!((p10 - (-40.0 + 100.0 * 0.02)).abs() < 0.011, "{p10}");
        assert!((p95 - (-40.0 + 949.0 * 0.02)).abs() < 0.011, "{p95}");
    }
}
