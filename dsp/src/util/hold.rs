//! Sliding minimum over the last `n` values, exact and allocation-free after construction.
//! The limiter uses it to hold the deepest gain reduction any sample inside its look-ahead
//! window needs.
//!
//! Van Herk / Gil-Werman: the stream is cut into blocks of the window length. The minimum of
//! any window is the minimum of a suffix of the previous block and a prefix of the current
//! one; the prefix is a running minimum and the suffixes are computed once per block. That is
//! about three comparisons per sample with no data-dependent branches, where a monotonic queue
//! mispredicts on every noisy sample.

/// `f64::min` without its NaN handling (a single compare): callers never push NaN.
#[inline(always)]
fn min(a: f64, b: f64) -> f64 {
    if b < a {
        b
    } else {
        a
    }
}

pub struct SlidingMin {
    /// Values of the block being filled.
    block: Box<[f64]>,
    /// `suffix[j]` = minimum of the previous block from `j` to its end (`+inf` past the end).
    suffix: Box<[f64]>,
    /// Running minimum of the block being filled.
    prefix: f64,
    /// Position inside the current block.
    pos: usize,
    window: usize,
}

impl SlidingMin {
    /// Take over `other`'s state (same capacity; no allocation).
    pub fn copy_state_from(&mut self, other: &SlidingMin) {
        self.block.copy_from_slice(&other.block);
        self.suffix.copy_from_slice(&other.suffix);
        self.prefix = other.prefix;
        self.pos = other.pos;
        self.window = other.window;
    }

    /// `max_window`: the longest window `set_window` will accept.
    pub fn new(max_window: usize) -> Self {
        let cap = max_window.max(1);
        let mut hold = Self {
            block: vec![f64::INFINITY; cap].into_boxed_slice(),
            suffix: vec![f64::INFINITY; cap + 1].into_boxed_slice(),
            prefix: f64::INFINITY,
            pos: 0,
            window: cap,
        };
        hold.reset();
        hold
    }

    /// Window length in samples (clamped to the constructed maximum). Clears the history.
    pub fn set_window(&mut self, window: usize) {
        self.window = window.clamp(1, self.block.len());
        self.reset();
    }

    /// Forget the history: the minimum is then taken over the values pushed since.
    pub fn reset(&mut self) {
        self.suffix.fill(f64::INFINITY);
        self.prefix = f64::INFINITY;
        self.pos = 0;
    }

    /// Push `value`; returns the minimum of the last `window` values pushed.
    #[inline]
    pub fn push(&mut self, value: f64) -> f64 {
        let j = self.pos;
        self.block[j] = value;
        self.prefix = min(self.prefix, value);
        // The window is the previous block from j + 1 on, plus this block up to j.
        let lowest = min(self.prefix, self.suffix[j + 1]);
        if j + 1 == self.window {
            let w = self.window;
            let mut running = f64::INFINITY;
            for k in (0..w).rev() {
                running = min(running, self.block[k]);
                self.suffix[k] = running;
            }
            self.suffix[w] = f64::INFINITY;
            self.prefix = f64::INFINITY;
            self.pos = 0;
        } else {
            self.pos = j + 1;
        }
        lowest
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
