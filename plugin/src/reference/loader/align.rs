//! Aligning a reference with the master: the audio thread captures the master's input, this
//! thread finds where it sits in the reference.

use super::*;

impl ReferenceThread {
    /// Start requested alignments (hand the audio thread a buffer to fill from the master's
    /// input) and finish the ones whose buffer came back.
    pub(super) fn alignment(&mut self) {
        for i in 0..SLOTS {
            if !self.store().align_request[i].swap(false, Relaxed) {
                continue;
            }
            let loaded = self.done[i].as_ref().is_some_and(|d| d.audio.is_some());
            let message = if !loaded {
                "load the reference before aligning it".to_string()
            } else {
                let frames = (ALIGN_SECONDS * self.rate as f64) as usize;
                let capture = Box::new(Capture {
                    slot: i,
                    start: 0,
                    len: 0,
                    data: vec![0.0; frames.max(1)].into_boxed_slice(),
                });
                match self.link.capture_free.push(capture) {
                    Ok(()) => format!(
                        "aligning: play the song ({ALIGN_SECONDS:.0} s of the mix are needed)"
                    ),
                    Err(_) => "another alignment is still listening; try again".to_string(),
                }
            };
            self.note(i, message);
        }
        while let Some(capture) = self.link.capture_done.pop() {
            let i = capture.slot.min(SLOTS - 1);
            let Some(audio) = self.done[i].as_ref().and_then(|d| d.audio.clone()) else {
                continue;
            };
            let message = match align(&capture.data[..capture.len], capture.start, &audio) {
                Some((offset, score)) if score >= MIN_ALIGN_SCORE => {
                    let offset_s = offset as f64 / audio.rate;
                    self.store().report(i, |s| {
                        s.offset_s = offset_s;
                        s.alignment = Some(score as f64);
                    });
                    format!(
                        "aligned: offset {offset_s:+.3} s (match {:.0} %)",
                        score * 100.0
                    )
                }
                Some((_, score)) => format!(
                    "no alignment found (best match {:.0} %): is this a version of the same mix?",
                    score * 100.0
                ),
                None => "no alignment found: the captured mix was silent".to_string(),
            };
            self.note(i, message);
        }
    }
}

/// Below this normalised correlation an alignment is not trusted.
pub const MIN_ALIGN_SCORE: f32 = 0.5;

/// Where `capture` (the master's input from song position `start`, mono) sits in `audio`:
/// the offset (reference frame = song position + offset) and the normalised correlation there.
/// A coarse search over the whole reference at about 6 kHz (FFT cross-correlation, normalised
/// by the reference's local energy), then the exact frame at the full rate.
pub fn align(capture: &[f32], start: i64, audio: &RefAudio) -> Option<(i64, f32)> {
    use realfft::RealFftPlanner;
    let energy: f64 = capture.iter().map(|&x| x as f64 * x as f64).sum();
    if capture.is_empty() || energy / (capture.len() as f64) < 1e-10 {
        return None;
    }
    let mono: Vec<f32> = (0..audio.frames as i64)
        .map(|p| {
            let (l, r) = audio.frame(p);
            0.5 * (l + r)
        })
        .collect();
    let d = ((audio.rate / 6_000.0).round() as usize).max(1);
    let decimate = |x: &[f32]| -> Vec<f32> {
        x.chunks(d)
            .map(|c| c.iter().sum::<f32>() / c.len() as f32)
            .collect()
    };
    let (c, r) = (decimate(capture), decimate(&mono));
    let size = (c.len() + r.len()).next_power_of_two();
    let mut planner = RealFftPlanner::<f32>::new();
    let fwd = planner.plan_fft_forward(size);
    let inv = planner.plan_fft_inverse(size);
    let mut buf = vec![0.0f32; size];
    buf[..c.len()].copy_from_slice(&c);
    let mut cs = fwd.make_output_vec();
    fwd.process(&mut buf, &mut cs).ok()?;
    buf.fill(0.0);
    buf[..r.len()].copy_from_slice(&r);
    let mut rs = fwd.make_output_vec();
    fwd.process(&mut buf, &mut rs).ok()?;
    for (x, y) in rs.iter_mut().zip(&cs) {
        *x *= y.conj();
    }
    inv.process(&mut rs, &mut buf).ok()?;
    // buf[k] = sum c[n] r[n + k] (times size), k >= 0: the capture starts at r[k].
    let mut prefix = vec![0.0f64; r.len() + 1];
    for (i, &x) in r.iter().enumerate() {
        prefix[i + 1] = prefix[i] + x as f64 * x as f64;
    }
    let ce: f64 = c.iter().map(|&x| x as f64 * x as f64).sum();
    let mut best = (0usize, f64::NEG_INFINITY);
    // Lags where at least half the capture overlaps the reference.
    let max_lag = r.len().saturating_sub(c.len() / 2);
    for k in 0..max_lag.min(size) {
        let end = (k + c.len()).min(r.len());
        let re = prefix[end] - prefix[k];
        if re <= 1e-12 {
            continue;
        }
        let score = buf[k] as f64 / size as f64 / (ce * re).sqrt();
        if score > best.1 {
            best = (k, score);
        }
    }
    if !best.1.is_finite() {
        return None;
    }
    // Exact frame at the full rate around the coarse lag.
    let centre = (best.0 * d) as i64;
    let mut fine = (centre, f64::NEG_INFINITY);
    for lag in centre - 2 * d as i64..=centre + 2 * d as i64 {
        let (mut xy, mut yy) = (0.0f64, 0.0f64);
        for (n, &x) in capture.iter().enumerate() {
            let p = lag + n as i64;
            if p < 0 || p as usize >= mono.len() {
                continue;
            }
            let y = mono[p as usize] as f64;
            xy += x as f64 * y;
            yy += y * y;
        }
        if yy > 0.0 {
            let score = xy / (energy * yy).sqrt();
            if score > fine.1 {
                fine = (lag, score);
            }
        }
    }
    fine.1
        .is_finite()
        .then_some((fine.0 - start, fine.1 as f32))
}
