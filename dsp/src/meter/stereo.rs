//! Stereo image meter: phase correlation, balance, mid and side levels, averaged with one
//! exponential window (an RC time constant, as on hardware correlation meters).

use super::power_db;

pub struct StereoMeter {
    /// One-pole coefficient for the averaging window.
    decay: f64,
    ll: f64,
    rr: f64,
    lr: f64,
}

impl StereoMeter {
    pub fn new(sample_rate: f64, window_ms: f64) -> Self {
        let mut m = Self {
            decay: 0.0,
            ll: 0.0,
            rr: 0.0,
            lr: 0.0,
        };
        m.set_window(sample_rate, window_ms);
        m
    }

    /// Averaging time constant in ms (the correlation meter's "speed").
    pub fn set_window(&mut self, sample_rate: f64, window_ms: f64) {
        let samples = (window_ms.max(0.1) * 1e-3 * sample_rate.max(1.0)).max(1.0);
        self.decay = (-1.0 / samples).exp();
    }

    pub fn reset(&mut self) {
        self.ll = 0.0;
        self.rr = 0.0;
        self.lr = 0.0;
    }

    pub fn process(&mut self, left: &[f32], right: &[f32]) {
        let (a, b) = (self.decay, 1.0 - self.decay);
        let (mut ll, mut rr, mut lr) = (self.ll, self.rr, self.lr);
        for (&l, &r) in left.iter().zip(right) {
            let (l, r) = (l as f64, r as f64);
            ll = a * ll + b * l * l;
            rr = a * rr + b * r * r;
            lr = a * lr + b * l * r;
        }
        // Below -300 dB the averages are numerically silence; keep them out of subnormals.
        let tiny = |x: f64| if x.abs() < 1e-30 { 0.0 } else { x };
        (self.ll, self.rr, self.lr) = (tiny(ll), tiny(rr), tiny(lr));
    }

    /// Phase correlation, -1 (out of phase) .. +1 (mono). Silence reads 0.
    pub fn correlation(&self) -> f64 {
        let denom = (self.ll * self.rr).sqrt();
        if denom > 1e-20 {
            (self.lr / denom).clamp(-1.0, 1.0)
        } else {
            0.0
        }
    }

    /// Right level minus left level in dB: positive leans right.
    pub fn balance_db(&self) -> f64 {
        if self.ll > 0.0 && self.rr > 0.0 {
            power_db(self.rr / self.ll)
        } else {
            0.0
        }
    }

    /// RMS level of the mid signal (L+R)/2, dBFS (a full-scale sine reads -3.01).
    pub fn mid_db(&self) -> f64 {
        power_db(((self.ll + 2.0 * self.lr + self.rr) / 4.0).max(0.0))
    }

    /// RMS level of the side signal (L-R)/2, dBFS.
    pub fn side_db(&self) -> f64 {
        power_db(((self.ll - 2.0 * self.lr + self.rr) / 4.0).max(0.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(l: &[f32], r: &[f32]) -> StereoMeter {
        let mut m = StereoMeter::new(48_000.0, 300.0);
        m.process(l, r);
        m
    }

    #[test]
    fn mono_is_plus_one_antiphase_minus_one_independent_near_zero() {
        let x: Vec<f32> = (0..96_000)
            .map(|n| ((n as f32) * 0.05).sin() * 0.5)
            .collect();
        let neg: Vec<f32> = x.iter().map(|v| -v).collect();
        let y: Vec<f32> = (0..96_000)
            .map(|n| ((n as f32) * 0.0713).sin() * 0.5)
            .collect();
        assert!((run(&x, &x).correlation() - 1.0).abs() < 1e-9);
        assert!((run(&x, &neg).correlation() + 1.0).abs() < 1e-9);
        assert!(run(&x, &y).correlation().abs() < 0.05);
        assert_eq!(run(&x, &x).side_db(), f64::NEG_INFINITY);
        assert!((run(&x, &x).mid_db() - (-9.03)).abs() < 0.05); // 0.5 peak sine RMS
    }

    #[test]
    fn balance_shows_the_louder_side() {
        let x: Vec<f32> = (0..96_000)
            .map(|n| ((n as f32) * 0.05).sin() * 0.5)
            .collect();
        let half: Vec<f32> = x.iter().map(|v| v * 0.5).collect();
        assert!((run(&half, &x).balance_db() - 6.02).abs() < 0.05);
    }
}
