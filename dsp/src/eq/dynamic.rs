//! Dynamic EQ: a band whose gain follows the level of its own frequency region.
//!
//! Sidechain: a band-pass (TPT SVF) on the band's input at the band's frequency and Q (for
//! shelves an octave inside the shelf, Q 0.5; see [`sidechain_for`]). Its band and low outputs
//! are in quadrature with equal amplitude at the centre frequency, so `k^2 (band^2 + low^2)` is
//! the squared amplitude of a sine there with no ripple at all, without a rectifier and its
//! attack/release smearing. Stereo bands take the louder channel (linked), so the image does not
//! move.
//!
//! Gain computer (hard knee), per detection block: `over = level - threshold` (dB, level as a
//! sine's peak in dBFS); the gain offset target is `-min(over, |range|)` for a negative range
//! (the band's level is held at the threshold, dB for dB, until the range is used up) and
//! `+min(over, range)` for a positive range (boost when loud). The offset approaches the target
//! with one-pole ballistics: `attack_ms` is the time constant while the offset grows in size,
//! `release_ms` while it shrinks. The EQ adds the offset to the band's gain and redesigns the band
//! smoothly (see `min_phase`).

use crate::filter::{SvfCoefs, SvfTaps};
use crate::util::{check_range, clamp_or, one_pole_coef_per};

use super::band::{BandType, MAX_F0_FRACTION};

/// Dynamic settings of one band.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DynamicParams {
    pub enabled: bool,
    /// Band level (dBFS, as a sine's peak) above which the gain starts to move, -80..0.
    pub threshold_db: f64,
    /// Largest gain change, -24..+24 dB: negative cuts when loud, positive boosts when loud.
    pub range_db: f64,
    /// 0.1..500 ms.
    pub attack_ms: f64,
    /// 1..5000 ms.
    pub release_ms: f64,
}

impl Default for DynamicParams {
    fn default() -> Self {
        Self {
            enabled: false,
            threshold_db: -20.0,
            range_db: -6.0,
            attack_ms: 10.0,
            release_ms: 100.0,
        }
    }
}

impl DynamicParams {
    pub fn validate(&self) -> Result<(), String> {
        check_range("dynamic EQ threshold", self.threshold_db, -80.0, 0.0, "dB")?;
        check_range("dynamic EQ range", self.range_db, -24.0, 24.0, "dB")?;
        check_range("dynamic EQ attack", self.attack_ms, 0.1, 500.0, "ms")?;
        check_range("dynamic EQ release", self.release_ms, 1.0, 5000.0, "ms")
    }

    pub fn clamped(&self) -> Self {
        let d = Self::default();
        Self {
            enabled: self.enabled,
            threshold_db: clamp_or(self.threshold_db, -80.0, 0.0, d.threshold_db),
            range_db: clamp_or(self.range_db, -24.0, 24.0, d.range_db),
            attack_ms: clamp_or(self.attack_ms, 0.1, 500.0, d.attack_ms),
            release_ms: clamp_or(self.release_ms, 1.0, 5000.0, d.release_ms),
        }
    }
}

/// Sidechain centre (Hz) and Q for a band: bells, notches, band-passes and tilts listen at
/// their own frequency and Q (tilt: Q 0.5); a low shelf an octave below its corner, a high shelf
/// an octave above, both with Q 0.5 (two octaves wide). Kept below Nyquist.
pub fn sidechain_for(kind: BandType, freq_hz: f64, q: f64, sample_rate: f64) -> (f64, f64) {
    let (f, q) = match kind {
        BandType::LowShelf => (0.5 * freq_hz, 0.5),
        BandType::HighShelf => (2.0 * freq_hz, 0.5),
        BandType::Tilt => (freq_hz, 0.5),
        _ => (freq_hz, q),
    };
    (f.min(MAX_F0_FRACTION * sample_rate), q)
}

/// Level detector and gain computer of one dynamic band.
#[derive(Clone, Debug)]
pub struct DynamicDetector {
    sample_rate: f64,
    taps: SvfTaps,
    k: f64,
    ic1: [f64; 2],
    ic2: [f64; 2],
    peak_energy: f64,
    offset_db: f64,
}

impl DynamicDetector {
    pub fn new(sample_rate: f64) -> Self {
        let mut d = Self {
            sample_rate,
            taps: SvfTaps::IDENTITY,
            k: 1.0,
            ic1: [0.0; 2],
            ic2: [0.0; 2],
            peak_energy: 0.0,
            offset_db: 0.0,
        };
        d.set_sidechain(1000.0, 1.0);
        d
    }

    pub fn reset(&mut self) {
        self.ic1 = [0.0; 2];
        self.ic2 = [0.0; 2];
        self.peak_energy = 0.0;
        self.offset_db = 0.0;
    }

    /// Centre the sidechain band-pass (cheap enough to call whenever the band moves).
    pub fn set_sidechain(&mut self, freq_hz: f64, q: f64) {
        self.k = 1.0 / q.max(1e-3);
        self.taps = SvfTaps::from_coefs(&SvfCoefs::band_pass(freq_hz, self.k, self.sample_rate));
    }

    /// Feed one sample per lane; only lanes set in `lanes` count towards the level.
    #[inline]
    pub fn push(&mut self, x: [f64; 2], lanes: [bool; 2]) {
        let t = &self.taps;
        let mut e = [0.0f64; 2];
        for c in 0..2 {
            let v3 = x[c] - self.ic2[c];
            let v1 = t.a1 * self.ic1[c] + t.a2 * v3;
            let v2 = self.ic2[c] + t.a2 * self.ic1[c] + t.a3 * v3;
            self.ic1[c] = 2.0 * v1 - self.ic1[c];
            self.ic2[c] = 2.0 * v2 - self.ic2[c];
            e[c] = if lanes[c] { v1 * v1 + v2 * v2 } else { 0.0 };
        }
        let e = e[0].max(e[1]) * self.k * self.k;
        // NaN input must not latch: `max` ignores a NaN operand.
        self.peak_energy = self.peak_energy.max(e);
    }

    /// Close a detection block of `block_len` samples: run the gain computer on the block's
    /// peak level and the ballistics; returns the new gain offset in dB.
    pub fn finish_block(&mut self, params: &DynamicParams, block_len: usize) -> f64 {
        let level_db = 10.0 * self.peak_energy.max(1e-20).log10();
        self.peak_energy = 0.0;
        let over = (level_db - params.threshold_db).max(0.0);
        let target = if params.range_db < 0.0 {
            -over.min(-params.range_db)
        } else {
            over.min(params.range_db)
        };
        let tau_ms = if target.abs() > self.offset_db.abs() {
            params.attack_ms
        } else {
            params.release_ms
        };
        let alpha = one_pole_coef_per(block_len as f64, tau_ms, self.sample_rate);
        self.offset_db += (target - self.offset_db) * alpha;
        if !self.offset_db.is_finite() {
            self.offset_db = 0.0;
        }
        self.offset_db
    }

    pub fn offset_db(&self) -> f64 {
        self.offset_db
    }

    /// Clear non-finite or subnormal-range sidechain state (once per block).
    pub fn sanitize(&mut self) {
        for c in 0..2 {
            if !(self.ic1[c].is_finite() && self.ic2[c].is_finite()) {
                self.ic1[c] = 0.0;
                self.ic2[c] = 0.0;
            }
            if self.ic1[c].abs() < 1e-30 {
                self.ic1[c] = 0.0;
            }
            if self.ic2[c].abs() < 1e-30 {
                self.ic2[c] = 0.0;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::f64::consts::PI;

    fn run_sine(
        det: &mut DynamicDetector,
        p: &DynamicParams,
        amp: f64,
        f: f64,
        fs: f64,
        n: usize,
    ) -> Vec<f64> {
        let block = 16;
        let mut offsets = Vec::new();
        for b in 0..n / block {
            for i in 0..block {
                let t = (b * block + i) as f64 / fs;
                let x = amp * (2.0 * PI * f * t).sin();
                det.push([x, x], [true, true]);
            }
            offsets.push(det.finish_block(p, block));
        }
        offsets
    }

    #[test]
    fn quadrature_level_of_a_centred_sine_is_its_amplitude() {
        let fs = 48_000.0;
        let mut det = DynamicDetector::new(fs);
        det.set_sidechain(1000.0, 2.0);
        let amp = 0.25;
        let mut worst: f64 = 0.0;
        for n in 0..48_000 {
            let x = amp * (2.0 * PI * 1000.0 * n as f64 / fs).sin();
            det.push([x, 0.0], [true, false]);
            if n > 24_000 {
                let level = det.peak_energy.sqrt();
                det.peak_energy = 0.0;
                worst = worst.max((20.0 * (level / amp).log10()).abs());
            }
        }
        println!("centred sine: per-sample level ripple {worst:.2e} dB");
        assert!(worst < 1e-3);
    }

    #[test]
    fn gain_follows_threshold_and_range() {
        let fs = 48_000.0;
        let p = DynamicParams {
            enabled: true,
            threshold_db: -30.0,
            range_db: -6.0,
            attack_ms: 5.0,
            release_ms: 50.0,
        };
        let mut det = DynamicDetector::new(fs);
        det.set_sidechain(1000.0, 1.0);
        // 20 dB over the threshold: the full range.
        let loud = run_sine(&mut det, &p, 0.1, 1000.0, fs, 24_000);
        let settled = *loud.last().unwrap();
        // 2 dB over the threshold: 2 dB of cut.
        det.reset();
        let mid = run_sine(&mut det, &p, 10f64.powf(-28.0 / 20.0), 1000.0, fs, 24_000);
        // Below threshold: nothing.
        det.reset();
        let quiet = run_sine(&mut det, &p, 10f64.powf(-40.0 / 20.0), 1000.0, fs, 24_000);
        let boost = DynamicParams { range_db: 4.0, ..p };
        det.reset();
        let up = run_sine(&mut det, &boost, 0.1, 1000.0, fs, 24_000);
        println!(
            "offset: 20 dB over {settled:.4}, 2 dB over {:.4}, below {:.4}, boost range {:.4}",
            mid.last().unwrap(),
            quiet.last().unwrap(),
            up.last().unwrap()
        );
        assert!((settled + 6.0).abs() < 0.01);
        assert!((mid.last().unwrap() + 2.0).abs() < 0.02);
        assert!(quiet.iter().all(|o| o.abs() < 1e-9));
        assert!((up.last().unwrap() - 4.0).abs() < 0.01);
    }

    #[test]
    fn attack_and_release_times_match_the_settings() {
        let fs = 48_000.0;
        for (attack, release) in [(10.0, 100.0), (50.0, 300.0)] {
            let p = DynamicParams {
                enabled: true,
                threshold_db: -40.0,
                range_db: -10.0,
                attack_ms: attack,
                release_ms: release,
            };
            let mut det = DynamicDetector::new(fs);
            det.set_sidechain(1000.0, 1.0);
            let on = run_sine(&mut det, &p, 0.5, 1000.0, fs, 96_000);
            let block_ms = 16.0 / fs * 1e3;
            let t63 = on
                .iter()
                .position(|&o| o <= -10.0 * (1.0 - (-1f64).exp()))
                .unwrap() as f64
                * block_ms;
            // Silence: release back towards zero.
            let off = run_sine(&mut det, &p, 0.0, 1000.0, fs, 480_000);
            let start = off[0];
            let r63 = off
                .iter()
                .position(|&o| o >= start * (-1f64).exp())
                .unwrap() as f64
                * block_ms;
            println!(
                "attack {attack} ms: measured {t63:.2} ms; release {release} ms: measured {r63:.2} ms"
            );
            assert!((t63 / attack - 1.0).abs() < 0.1, "attack {t63} vs {attack}");
            assert!(
                (r63 / release - 1.0).abs() < 0.1,
                "release {r63} vs {release}"
            );
        }
    }

    #[test]
    fn params_clamp_and_validate() {
        let p = DynamicParams {
            threshold_db: 10.0,
            range_db: f64::NAN,
            attack_ms: 0.0,
            release_ms: 1e9,
            enabled: true,
        };
        let e = p.validate().unwrap_err();
        assert!(e.contains("threshold"), "{e}");
        let c = p.clamped();
        assert!(c.validate().is_ok());
        assert_eq!(c.range_db, -6.0);
    }
}
