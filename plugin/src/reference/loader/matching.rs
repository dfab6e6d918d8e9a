//! The match EQ's learning from the master, and the master's long-term analysis it reads.

use super::*;

/// How often a learning match EQ updates its curve.
const LEARN_EVERY: Duration = Duration::from_millis(500);
/// The master a curve needs before it means anything, seconds of non-silent audio.
const MIN_LEARN_SECONDS: f64 = 2.0;

/// Mean of the finite values (NaN if none).
fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (mut sum, mut n) = (0.0, 0usize);
    for v in values.filter(|v| v.is_finite()) {
        sum += v;
        n += 1;
    }
    if n > 0 {
        sum / n as f64
    } else {
        f64::NAN
    }
}

/// A frozen curve on another band grid: its targets read off in log frequency, solved again.
fn regrid(curve: &MatchCurve, res: MatchResolution, rate: f64) -> MatchCurve {
    let Some(old) = curve.resolution() else {
        return curve.clone();
    };
    let at = |t: &[f32], f: f64| -> f32 {
        let x = (f / old.centre_hz(0)).log2() / old.octaves();
        let i = (x.floor().max(0.0) as usize).min(t.len().saturating_sub(2));
        let frac = (x - i as f64).clamp(0.0, 1.0) as f32;
        t[i] + (t[i + 1] - t[i]) * frac
    };
    let n = res.bands();
    let target_mid_db: Vec<f32> = (0..n)
        .map(|k| at(&curve.target_mid_db, res.centre_hz(k)))
        .collect();
    let target_side_db: Vec<f32> = (0..n)
        .map(|k| at(&curve.target_side_db, res.centre_hz(k)))
        .collect();
    MatchCurve {
        bands: n,
        gains_mid_db: solve_band_gains(res, &target_mid_db, rate)[..n].to_vec(),
        gains_side_db: solve_band_gains(res, &target_side_db, rate)[..n].to_vec(),
        target_mid_db,
        target_side_db,
        learned_s: curve.learned_s,
        references: curve.references.clone(),
    }
}

impl ReferenceThread {
    /// Learn the match curve while asked to (from the master as it plays, undoing what the
    /// match EQ itself does to it), or move a frozen curve to another band grid.
    pub(super) fn match_eq(&mut self) {
        let learning = self.params.refs.match_learn.value();
        let res = self.params.refs.match_resolution();
        if learning && !self.was_learning {
            // Learn from what plays from now on.
            self.store().master_reset.store(true, Relaxed);
            self.last_learn = Instant::now();
        }
        self.was_learning = learning;
        if learning {
            if self.last_learn.elapsed() < LEARN_EVERY {
                return;
            }
            self.last_learn = Instant::now();
            if let Some(curve) = self.learn(res) {
                self.store().set_match_curve(Some(curve));
            }
        } else if let Some(curve) = self.store().match_curve() {
            if curve.bands != res.bands() {
                self.store()
                    .set_match_curve(Some(regrid(&curve, res, self.rate as f64)));
            }
        }
    }

    fn learn(&self, res: MatchResolution) -> Option<MatchCurve> {
        let master = self.master.as_ref()?.ltas()?;
        if master.seconds < MIN_LEARN_SECONDS || self.rate == 0 {
            return None;
        }
        let rate = self.rate as f64;
        let settings = self.store().settings();
        let views: Vec<(usize, Arc<SlotView>)> = (0..SLOTS)
            .filter_map(|i| Some((i, self.store().view(i)?)))
            .filter(|(_, v)| v.ltas.is_some())
            .collect();
        let marked: Vec<&(usize, Arc<SlotView>)> = views
            .iter()
            .filter(|(i, _)| settings.slots[*i].in_match)
            .collect();
        let selected = (self.params.refs.slot.value() - 1).clamp(0, SLOTS as i32 - 1) as usize;
        let refs: Vec<&(usize, Arc<SlotView>)> = if marked.is_empty() {
            views.iter().filter(|(i, _)| *i == selected).collect()
        } else {
            marked
        };
        if refs.is_empty() {
            return None;
        }
        let n = res.bands();
        let half = 2f64.powf(res.octaves() / 2.0);
        let band = |l: &Ltas, side: bool, f: f64| l.band_db(side, f / half, f * half) as f64;
        // What the match EQ adds to the master now, to take back out of the measurement.
        let applied = self.store().match_params(
            self.params.refs.match_amount.value() as f64,
            self.params.refs.width_amount.value() as f64,
        );
        let lanes: [Vec<f32>; 2] = std::array::from_fn(|lane| {
            (0..MAX_MATCH_BANDS)
                .map(|k| applied.applied_db(k)[lane] as f32)
                .collect()
        });
        let in_range = |f: f64| (40.0..=16_000.0).contains(&f);
        // Each reference at its own level: its mid over 40 Hz-16 kHz averages 0 dB.
        let reference: Vec<[f64; 2]> = {
            let mut sum = vec![[0.0f64; 2]; n];
            let mut count = vec![0usize; n];
            for (_, v) in &refs {
                let l = v.ltas.as_ref()?;
                let db: Vec<[f64; 2]> = (0..n)
                    .map(|k| {
                        let f = res.centre_hz(k);
                        [band(l, false, f), band(l, true, f)]
                    })
                    .collect();
                let level = mean(
                    (0..n)
                        .filter(|&k| in_range(res.centre_hz(k)))
                        .map(|k| db[k][0]),
                );
                for k in 0..n {
                    if db[k][0].is_finite() && db[k][1].is_finite() && level.is_finite() {
                        sum[k][0] += db[k][0] - level;
                        sum[k][1] += db[k][1] - level;
                        count[k] += 1;
                    }
                }
            }
            (0..n)
                .map(|k| {
                    if count[k] > 0 {
                        [sum[k][0] / count[k] as f64, sum[k][1] / count[k] as f64]
                    } else {
                        [f64::NAN; 2]
                    }
                })
                .collect()
        };
        let diff: Vec<[f64; 2]> = (0..n)
            .map(|k| {
                let f = res.centre_hz(k);
                let m = band(&master, false, f)
                    - bank_response_db(applied.resolution, &lanes[0], f, rate);
                let s = band(&master, true, f)
                    - bank_response_db(applied.resolution, &lanes[1], f, rate);
                [reference[k][0] - m, reference[k][1] - s]
            })
            .collect();
        // Shape only: the correction leaves the overall level alone.
        let offset = mean(
            (0..n)
                .filter(|&k| in_range(res.centre_hz(k)))
                .map(|k| diff[k][0]),
        );
        if !offset.is_finite() {
            return None;
        }
        let limit = MATCH_LIMIT_DB as f64;
        let target = |lane: usize| -> Vec<f32> {
            (0..n)
                .map(|k| {
                    let d = diff[k][lane] - offset;
                    if d.is_finite() {
                        d.clamp(-limit, limit) as f32
                    } else {
                        0.0
                    }
                })
                .collect()
        };
        let (target_mid_db, target_side_db) = (target(0), target(1));
        Some(MatchCurve {
            bands: n,
            gains_mid_db: solve_band_gains(res, &target_mid_db, rate)[..n].to_vec(),
            gains_side_db: solve_band_gains(res, &target_side_db, rate)[..n].to_vec(),
            target_mid_db,
            target_side_db,
            learned_s: master.seconds,
            references: refs.iter().map(|(i, _)| i + 1).collect(),
        })
    }

    pub(super) fn analyse_master(&mut self) {
        if self.rate == 0 {
            return;
        }
        let reset = self.store().master_reset.swap(false, Relaxed);
        if reset
            || self
                .master
                .as_ref()
                .is_none_or(|m| m.rate() != self.rate as f64)
        {
            self.master = Some(Accumulator::new(self.rate as f64));
            self.master_changed = true;
        }
        let n = self.master_feed.slots();
        if n > 0 {
            if let Ok(chunk) = self.master_feed.read_chunk(n) {
                let (a, b) = chunk.as_slices();
                self.feed_l.clear();
                self.feed_r.clear();
                for f in a.iter().chain(b) {
                    self.feed_l.push(f[0]);
                    self.feed_r.push(f[1]);
                }
                chunk.commit_all();
                if let Some(m) = self.master.as_mut() {
                    m.push(&self.feed_l, &self.feed_r);
                }
                self.master_changed = true;
            }
        }
        if self.master_changed && self.master_published.elapsed() >= MASTER_PUBLISH {
            self.master_published = Instant::now();
            self.master_changed = false;
            if let Some(m) = &self.master {
                let stats = Arc::new(m.stats());
                if let Ok(mut slot) = self.store().master.lock() {
                    *slot = Some(stats);
                }
            }
        }
    }
}
