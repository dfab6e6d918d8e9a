//! "Learn" for delivery targets: listen to the playing master for a while and suggest the
//! limiter drive that lands it on the target's integrated loudness.
//!
//! The suggestion is first order: drive + (target - measured). Into a limiter that is already
//! working, more drive raises the loudness by less than its own amount, so a second learn pass
//! gets closer; the offline renderer's `--normalize` does the exact two-pass job on files.

use lacquer_dsp::loudness::LoudnessMeter;

/// Seconds of audio one learn pass measures.
pub const LEARN_SECONDS: f64 = 10.0;
/// The suggestion stays inside the limiter's drive range.
const DRIVE_RANGE_DB: (f64, f64) = (0.0, 24.0);

pub struct Learner {
    meter: LoudnessMeter,
    remaining: usize,
    length: usize,
}

/// What a finished pass found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Suggestion {
    pub measured_lufs: f64,
    pub drive_db: f64,
}

impl Learner {
    /// Allocates; call from `activate`.
    pub fn new(sample_rate: f64) -> Self {
        Self {
            meter: LoudnessMeter::new(sample_rate, 2),
            remaining: 0,
            length: (LEARN_SECONDS * sample_rate) as usize,
        }
    }

    pub fn start(&mut self) {
        self.meter.reset();
        self.remaining = self.length;
    }

    pub fn is_learning(&self) -> bool {
        self.remaining > 0
    }

    /// Fraction of the pass done, 0..1.
    pub fn progress(&self) -> f64 {
        1.0 - self.remaining as f64 / self.length.max(1) as f64
    }

    /// Feed the master (as it leaves the chain, before gain-matched listening). Returns the
    /// suggestion when the pass completes.
    pub fn feed(
        &mut self,
        left: &[f32],
        right: &[f32],
        current_drive_db: f64,
        target_lufs: f64,
    ) -> Option<Suggestion> {
        if self.remaining == 0 {
            return None;
        }
        let n = left.len().min(right.len()).min(self.remaining);
        self.meter.process_stereo(&left[..n], &right[..n]);
        self.remaining -= n;
        if self.remaining > 0 {
            return None;
        }
        let measured = self.meter.integrated_lufs();
        measured.is_finite().then(|| Suggestion {
            measured_lufs: measured,
            drive_db: (current_drive_db + target_lufs - measured)
                .clamp(DRIVE_RANGE_DB.0, DRIVE_RANGE_DB.1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_master_gets_the_drive_that_reaches_the_target() {
        let rate = 48_000.0;
        // EBU Tech 3341 case 1: a stereo 1 kHz sine at -23 dBFS reads -23.0 LUFS.
        let amp = 10f64.powf(-23.0 / 20.0);
        let x: Vec<f32> = (0..(rate * 12.0) as usize)
            .map(|n| (amp * (std::f64::consts::TAU * 1000.0 * n as f64 / rate).sin()) as f32)
            .collect();
        let mut learner = Learner::new(rate);
        learner.start();
        let mut found = None;
        for c in x.chunks(512) {
            if let Some(s) = learner.feed(c, c, 2.0, -14.0) {
                found = Some(s);
            }
        }
        let s = found.expect("finished after 10 s");
        println!(
            "measured {:.2} LUFS, suggested drive {:.2} dB",
            s.measured_lufs, s.drive_db
        );
        assert!((s.measured_lufs + 23.0).abs() < 0.1);
        assert!((s.drive_db - 11.0).abs() < 0.1, "{}", s.drive_db);
        assert!(!learner.is_learning());
    }

    /// Music-like programme: noise through a gentle low-pass, its level moving 6 dB with a
    /// 2 s period, so the limiter works on the peaks and rests between them.
    fn programme(rate: f64, seconds: f64) -> Vec<f32> {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut lp = 0.0f64;
        (0..(rate * seconds) as usize)
            .map(|n| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let white = (seed >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0;
                lp += 0.2 * (white - lp);
                let swell = 0.5 + 0.5 * (std::f64::consts::TAU * n as f64 / (2.0 * rate)).sin();
                (0.25 * lp * 10f64.powf(-6.0 * swell / 20.0)) as f32
            })
            .collect()
    }

    /// Learn, then play the master with the suggested drive: where does it land?
    fn learn_and_measure(rate: f64, x: &[f32], drive_db: f64, target: f64) -> (f64, f64) {
        use lacquer_dsp::chain::{ChainParams, MasteringChain};
        let render = |drive: f64| {
            let mut p = ChainParams::default();
            p.limiter.drive_db = drive;
            let mut chain = MasteringChain::new(rate, &p);
            let (mut l, mut r) = (x.to_vec(), x.to_vec());
            for (a, b) in l.chunks_mut(512).zip(r.chunks_mut(512)) {
                chain.process(a, b);
            }
            (l, r)
        };
        let (l, r) = render(drive_db);
        let mut learner = Learner::new(rate);
        learner.start();
        let mut found = None;
        for (a, b) in l.chunks(512).zip(r.chunks(512)) {
            found = found.or(learner.feed(a, b, drive_db, target));
        }
        let drive = found.expect("a finished pass").drive_db;
        let (l, r) = render(drive);
        let mut meter = LoudnessMeter::new(rate, 2);
        meter.process_stereo(&l, &r);
        (drive, meter.integrated_lufs())
    }

    /// A pass is first order: into a limiter that already works, the drive raises loudness by
    /// less than its own amount, so one pass lands short and a second gets close.
    #[test]
    fn learning_lands_on_the_target() {
        let rate = 48_000.0;
        let x = programme(rate, LEARN_SECONDS);
        // Streaming loudness, where the limiter barely works, and a loud master, where it
        // works hard and one first-order pass falls short.
        for (target, one_pass_lu, two_pass_lu) in [(-14.0, 0.02, 0.02), (-8.0, 0.6, 0.25)] {
            let (drive1, after1) = learn_and_measure(rate, &x, 0.0, target);
            let (drive2, after2) = learn_and_measure(rate, &x, drive1, target);
            println!(
                "target {target}: pass 1 drive {drive1:.2} dB -> {after1:.2} LUFS; pass 2 \
                 drive {drive2:.2} dB -> {after2:.2} LUFS"
            );
            assert!(
                (after1 - target).abs() <= one_pass_lu,
                "one pass: {after1:.2} LUFS"
            );
            assert!(
                (after2 - target).abs() <= two_pass_lu,
                "two passes: {after2:.2} LUFS"
            );
        }
    }
}
