//! Band solo: listen to the region one EQ band works on. After the EQ, a band-pass at the
//! band's frequency (with its Q for bells, notches and band-passes; a fixed, wider Q for
//! shelves, tilt and pass filters, whose "region" is their corner) replaces the output, faded
//! in and out so switching never clicks. A listening aid, never part of a render: the chain
//! applies it only when asked.

use crate::filter::{StereoSvf, SvfCoefs, SvfTaps};
use crate::util::one_pole_coef;

use super::band::{BandParams, BandType};

/// Switching solo on or off fades over this long.
const FADE_MS: f64 = 10.0;
/// Moving to another band glides frequency and Q with this time constant.
const GLIDE_MS: f64 = 5.0;
/// Q for types whose region is a corner rather than a peak.
const CORNER_Q: f64 = 0.7;
const Q_RANGE: (f64, f64) = (0.3, 20.0);

pub struct BandSolo {
    sample_rate: f64,
    svf: StereoSvf,
    /// Share of the band-passed signal in the output, 0..1.
    mix: f64,
    fade_step: f64,
    on: bool,
    /// Glide state and targets: log2 of frequency, ln of Q.
    log_f: f64,
    log_q: f64,
    target: (f64, f64),
    glide: f64,
    /// The SVF's taps do not yet match `log_f`/`log_q` (set, reset or a snap to the target).
    taps_stale: bool,
}

impl BandSolo {
    pub fn new(sample_rate: f64) -> Self {
        let sample_rate = crate::util::sample_rate_or_default(sample_rate);
        Self {
            sample_rate,
            svf: StereoSvf::default(),
            mix: 0.0,
            fade_step: 1.0 / (FADE_MS * 1e-3 * sample_rate),
            on: false,
            log_f: 10.0,
            log_q: 0.0,
            target: (10.0, 0.0),
            glide: one_pole_coef(GLIDE_MS, sample_rate),
            taps_stale: true,
        }
    }

    /// The band to solo, or `None` to listen to the whole EQ again.
    pub fn set_band(&mut self, band: Option<&BandParams>) {
        let Some(b) = band else {
            self.on = false;
            return;
        };
        let nyquist_safe = 0.45 * self.sample_rate;
        let f = if b.freq_hz.is_finite() {
            b.freq_hz.clamp(10.0, nyquist_safe)
        } else {
            1000.0
        };
        let q = match b.kind {
            BandType::Bell | BandType::Notch | BandType::BandPass if b.q.is_finite() => {
                b.q.clamp(Q_RANGE.0, Q_RANGE.1)
            }
            _ => CORNER_Q,
        };
        self.target = (f.log2(), q.ln());
        if !self.on && self.mix == 0.0 {
            // Starting from silence of the band-pass: begin at the target, no sweep.
            self.log_f = self.target.0;
            self.log_q = self.target.1;
            self.svf.reset();
        }
        self.on = true;
        self.taps_stale = true;
    }

    pub fn is_active(&self) -> bool {
        self.on || self.mix > 0.0
    }

    pub fn reset(&mut self) {
        self.svf.reset();
        self.mix = if self.on { 1.0 } else { 0.0 };
        self.log_f = self.target.0;
        self.log_q = self.target.1;
        self.taps_stale = true;
    }

    fn taps(&self) -> SvfTaps {
        let k = 1.0 / self.log_q.exp();
        // Unity gain at the centre: the band-pass output scaled by k.
        SvfTaps::from_coefs(&SvfCoefs::band_pass(self.log_f.exp2(), k, self.sample_rate))
    }

    /// In place. Bit-transparent while solo is off and faded out.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        if !self.is_active() {
            return;
        }
        let target_mix = if self.on { 1.0 } else { 0.0 };
        // Coefficients (a tan and an exp) only while frequency or Q glide; settled, the
        // taps stay as they are.
        let mut gliding = true;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            if gliding {
                let (df, dq) = (self.target.0 - self.log_f, self.target.1 - self.log_q);
                if df.abs() < 1e-6 && dq.abs() < 1e-6 {
                    self.log_f = self.target.0;
                    self.log_q = self.target.1;
                    gliding = self.taps_stale;
                    self.taps_stale = false;
                } else {
                    self.log_f += df * self.glide;
                    self.log_q += dq * self.glide;
                }
                if gliding {
                    let taps = self.taps();
                    self.svf.set_lane(0, &taps);
                    self.svf.set_lane(1, &taps);
                    gliding = (df, dq) != (0.0, 0.0);
                }
            }
            let x = [f64::from(*l), f64::from(*r)];
            let y = self.svf.tick(x);
            self.mix = if target_mix > self.mix {
                (self.mix + self.fade_step).min(1.0)
            } else {
                (self.mix - self.fade_step).max(0.0)
            };
            *l = (x[0] + self.mix * (y[0] - x[0])) as f32;
            *r = (x[1] + self.mix * (y[1] - x[1])) as f32;
        }
        if self.svf.sanitize() {
            self.svf.reset();
        }
        if self.mix == 0.0 && !self.on {
            self.svf.reset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eq::band::BandParams;
    use lacquer_testkit::signal::tone;

    fn bell(freq_hz: f64, q: f64) -> BandParams {
        BandParams {
            enabled: true,
            kind: BandType::Bell,
            freq_hz,
            q,
            ..BandParams::default()
        }
    }

    fn level_db(x: &[f32]) -> f64 {
        let rms = (x.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
        20.0 * (rms / (0.5 / 2f64.sqrt())).log10()
    }

    /// Soloing a 1 kHz Q 2 bell passes 1 kHz at unity and cuts 4 kHz by what a Q 2 band-pass
    /// does there (analytic: |H| = 1 / sqrt(1 + Q^2 (f/f0 - f0/f)^2)).
    #[test]
    fn solo_passes_the_band_and_cuts_elsewhere_as_a_band_pass_should() {
        for (f, q) in [(1000.0, 2.0), (4000.0, 2.0)] {
            let mut solo = BandSolo::new(48_000.0);
            solo.set_band(Some(&bell(1000.0, 2.0)));
            let mut l = tone(48_000.0, f, 0.5, 48_000);
            let mut r = l.clone();
            solo.process(&mut l, &mut r);
            let got = level_db(&l[24_000..]);
            let ratio: f64 = f / 1000.0 - 1000.0 / f;
            let want = -10.0 * (1.0 + q * q * ratio * ratio).log10();
            println!("solo 1 kHz Q 2, {f} Hz in: {got:.2} dB (analytic {want:.2} dB)");
            // The bilinear band-pass is prewarped at its centre; off-centre it differs a little.
            assert!((got - want).abs() < 0.3, "{got} vs {want}");
        }
    }

    #[test]
    fn switching_solo_fades_and_off_is_bit_transparent() {
        let mut solo = BandSolo::new(48_000.0);
        let x = tone(48_000.0, 200.0, 0.5, 9600);
        let (mut l, mut r) = (x.clone(), x.clone());
        solo.process(&mut l, &mut r);
        assert_eq!(l, x, "off must not touch the signal");
        solo.set_band(Some(&bell(5000.0, 4.0)));
        let (mut l, mut r) = (x.clone(), x.clone());
        solo.process(&mut l[..4800], &mut r[..4800]);
        solo.set_band(None);
        solo.process(&mut l[4800..], &mut r[4800..]);
        let worst = l
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0f32, f32::max);
        let sine_step = (0.5 * 2.0 * std::f64::consts::PI * 200.0 / 48_000.0) as f32;
        println!("worst step switching solo on and off: {worst:.5} (sine's own {sine_step:.5})");
        assert!(worst < 1.5 * sine_step);
        assert!(!solo.is_active());
        let (mut l2, mut r2) = (x.clone(), x.clone());
        solo.process(&mut l2, &mut r2);
        assert_eq!(l2, x);
    }
}
