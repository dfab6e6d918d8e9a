//! Sliding minimum over the last `n` values (a monotonic queue): O(1) amortised per sample,
//! exact, and allocation-free after construction. The limiter uses it to hold the deepest gain
//! reduction any sample inside its look-ahead window needs.

pub struct SlidingMin {
    /// Ring of (value, index) candidates with increasing values from front to back.
    values: Box<[f64]>,
    indices: Box<[u64]>,
    head: usize,
    len: usize,
    window: usize,
    now: u64,
}

impl SlidingMin {
    /// `max_window`: the longest window `set_window` will accept.
    pub fn new(max_window: usize) -> Self {
        let cap = max_window.max(1) + 1;
        Self {
            values: vec![0.0; cap].into_boxed_slice(),
            indices: vec![0; cap].into_boxed_slice(),
            head: 0,
            len: 0,
            window: max_window.max(1),
            now: 0,
        }
    }

    /// Window length in samples (clamped to the constructed maximum). Clears the history.
    pub fn set_window(&mut self, window: usize) {
        self.window = window.clamp(1, self.values.len() - 1);
        self.reset();
    }

    pub fn reset(&mut self) {
        self.head = 0;
        self.len = 0;
        self.now = 0;
    }

    /// Push `value`; returns the minimum of the last `window` values pushed.
    #[inline]
    pub fn push(&mut self, value: f64) -> f64 {
        let cap = self.values.len();
        // Drop candidates that can never be the minimum again.
        while self.len > 0 {
            let back = (self.head + self.len - 1) % cap;
            if self.values[back] >= value {
                self.len -= 1;
            } else {
                break;
            }
        }
        let slot = (self.head + self.len) % cap;
        self.values[slot] = value;
        self.indices[slot] = self.now;
        self.len += 1;
        // Expire the front once it has left the window.
        let oldest_allowed = (self.now + 1).saturating_sub(self.window as u64);
        while self.indices[self.head] < oldest_allowed {
            self.head = (self.head + 1) % cap;
            self.len -= 1;
        }
        self.now += 1;
        self.values[self.head]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_a_brute_force_minimum() {
        let mut rng = 12345u64;
        let values: Vec<f64> = (0..5000)
            .map(|_| {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                (rng % 1000) as f64
            })
            .collect();
        for window in [1, 2, 7, 64, 500] {
            let mut m = SlidingMin::new(500);
            m.set_window(window);
            for (i, &v) in values.iter().enumerate() {
                let got = m.push(v);
                let lo = (i + 1).saturating_sub(window);
                let want = values[lo..=i].iter().cloned().fold(f64::INFINITY, f64::min);
                assert_eq!(got, want, "window {window}, sample {i}");
            }
        }
    }
}
