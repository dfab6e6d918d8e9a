//! The fixed-size internal chunking every kernel's `process` does: kernels keep their
//! per-chunk scratch on the stack, sized by their chunk length.

/// Call `f` on consecutive chunks of at most `chunk` frames of both channels (the shorter
/// channel's length is processed).
#[inline]
pub fn for_each_chunk(
    left: &mut [f32],
    right: &mut [f32],
    chunk: usize,
    mut f: impl FnMut(&mut [f32], &mut [f32]),
) {
    let frames = left.len().min(right.len());
    for (l, r) in left[..frames]
        .chunks_mut(chunk)
        .zip(right[..frames].chunks_mut(chunk))
    {
        f(l, r);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn visits_every_frame_once_in_order() {
        let mut l: Vec<f32> = (0..150).map(|i| i as f32).collect();
        let mut r = l.clone();
        r.push(999.0);
        let mut seen = Vec::new();
        super::for_each_chunk(&mut l, &mut r, 64, |a, b| {
            assert!(a.len() <= 64 && a.len() == b.len());
            seen.extend_from_slice(a);
        });
        assert_eq!(seen, (0..150).map(|i| i as f32).collect::<Vec<_>>());
    }
}
