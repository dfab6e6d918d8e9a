//! A stereo delay line, allocated once for its longest delay: the chain's dry paths and the
//! compressor's look-ahead use it.

pub struct StereoDelay {
    ring: [Box<[f32]>; 2],
    pos: usize,
    delay: usize,
    max_block: usize,
}

impl StereoDelay {
    /// Room for `max_delay` samples of delay on blocks of up to `max_block` frames.
    pub fn new(max_delay: usize, max_block: usize) -> Self {
        let len = (max_delay + max_block + 1).next_power_of_two();
        Self {
            ring: [
                vec![0.0; len].into_boxed_slice(),
                vec![0.0; len].into_boxed_slice(),
            ],
            pos: 0,
            delay: 0,
            max_block,
        }
    }

    /// The delay in samples (clamped to what was allocated). The samples already in the line
    /// stay, so a change jumps in time: callers clear it where that matters.
    pub fn set_delay(&mut self, delay: usize) {
        self.delay = delay.min(self.ring[0].len() - self.max_block - 1);
    }

    pub fn delay(&self) -> usize {
        self.delay
    }

    /// Silence in the line.
    pub fn reset(&mut self) {
        self.ring.iter_mut().for_each(|r| r.fill(0.0));
    }

    /// Delay `left`/`right` (at most `max_block` frames) in place.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        debug_assert!(left.len() <= self.max_block && right.len() == left.len());
        let n = left.len();
        let mask = self.ring[0].len() - 1;
        for (ring, x) in self.ring.iter_mut().zip([left, right]) {
            for (i, v) in x.iter_mut().enumerate() {
                ring[(self.pos + i) & mask] = *v;
            }
            let start = self.pos + ring.len() - self.delay;
            for (i, v) in x.iter_mut().enumerate() {
                *v = ring[(start + i) & mask];
            }
        }
        self.pos = (self.pos + n) & mask;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_by_exactly_the_setting_at_any_block_size() {
        let x: Vec<f32> = (1..=1000).map(|i| i as f32).collect();
        for block in [1, 7, 64] {
            let mut d = StereoDelay::new(300, 64);
            d.set_delay(123);
            let (mut l, mut r) = (x.clone(), x.clone());
            for (a, b) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
                d.process(a, b);
            }
            assert!(l[..123].iter().all(|&v| v == 0.0));
            assert_eq!(&l[123..], &x[..1000 - 123]);
            assert_eq!(l, r);
        }
    }
}
