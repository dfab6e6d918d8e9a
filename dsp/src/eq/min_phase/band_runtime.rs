//! One band slot at run time: glides, dynamics, redesigns every sub-block, pre-roll, and the
//! passes that run the static and moving bands.

use super::*;

/// Runtime state of one band.
#[derive(Clone, Debug)]
pub(super) struct Band {
    pub(super) target: BandParams,
    pub(super) running: bool,
    /// What the band runs: the target as it was when the band was (re)started. Knobs follow
    /// `target`; type, slope, alignment and placement come from here.
    pub(super) shape: BandParams,
    pub(super) structure: Structure,
    pub(super) lanes: [bool; 2],
    pub(super) log_f: f64,
    pub(super) gain_db: f64,
    pub(super) log_q: f64,
    /// First stage of the knobs' two-stage glide (log f, gain, log q); the values above
    /// follow these (see `begin_sub_block`).
    pub(super) lead: [f64; 3],
    /// The detector's offset (or its decay once dynamics are off) ...
    pub(super) dyn_offset_db: f64,
    /// ... and the offset applied, which follows it through a second 0.5 ms stage.
    pub(super) dyn_gain_db: f64,
    /// Parameters (log f, total gain, log q) the current coefficients were designed for.
    pub(super) designed: [f64; 3],
    pub(super) stages: [Stage; MAX_STAGES],
    pub(super) n_stages: usize,
    /// Stage count once the current sub-block's interpolation ends.
    pub(super) next_stages: usize,
    pub(super) moving: bool,
    pub(super) skipped: bool,
    /// The state currently lives in the direct-form sections (static) rather than the SVFs.
    pub(super) direct_form: bool,
    pub(super) detector: DynamicDetector,
    pub(super) detected: usize,
    /// [`BandDesign::form`] of the running design.
    pub(super) form: u32,
    /// The knobs have moved to a design of another form: the sections no longer correspond,
    /// so interpolating them one by one would pass through cascades far from either end (a
    /// 14 kHz bell's section pair swapping roles rose +17 dB at 100 Hz for 32 samples). The
    /// band holds its design until a crossfade restarts it in the new form ([`Band::reform`]).
    pub(super) reform: bool,
}

impl Band {
    pub(super) fn new(sample_rate: f64) -> Self {
        let target = BandParams::default();
        Self {
            target,
            running: false,
            shape: target,
            structure: Structure::of(&target),
            lanes: [true, true],
            log_f: target.freq_hz.log2(),
            gain_db: 0.0,
            log_q: target.q.ln(),
            lead: [target.freq_hz.log2(), 0.0, target.q.ln()],
            dyn_offset_db: 0.0,
            dyn_gain_db: 0.0,
            designed: [f64::NAN; 3],
            stages: [Stage::default(); MAX_STAGES],
            n_stages: 0,
            next_stages: 0,
            moving: false,
            skipped: false,
            direct_form: false,
            detector: DynamicDetector::new(sample_rate),
            detected: 0,
            form: 0,
            reform: false,
        }
    }

    pub(super) fn dynamic_active(&self) -> bool {
        self.target.dynamic.enabled && self.structure.kind.uses_gain()
    }

    pub(super) fn total_gain_db(&self) -> f64 {
        (self.gain_db + self.dyn_gain_db).clamp(-MAX_GAIN_DB, MAX_GAIN_DB)
    }

    pub(super) fn params_now(&self) -> BandParams {
        BandParams {
            enabled: true,
            freq_hz: self.log_f.exp2(),
            gain_db: self.total_gain_db(),
            q: self.log_q.exp(),
            dynamic: self.target.dynamic,
            ..self.shape
        }
    }

    /// The target asks for something other than what the band runs (switched on or off, or a
    /// different type, slope, alignment or placement): a job for a crossfade.
    pub(super) fn needs_restart(&self) -> bool {
        self.target.enabled != self.running
            || (self.running && Structure::of(&self.target) != self.structure)
    }

    pub(super) fn stop(&mut self) {
        self.running = false;
        self.reform = false;
        self.reset_state();
    }

    /// Restart the sections in the form of the momentary parameters (glides, dynamics and the
    /// detector carry on), from rest: to be pre-rolled and crossfaded in.
    pub(super) fn reform(&mut self, designer: &BandDesigner) {
        for s in self.stages.iter_mut() {
            *s = Stage::default();
        }
        self.direct_form = false;
        self.design_settled(designer);
    }

    /// Design the band for its current settings and mark it settled there.
    fn design_settled(&mut self, designer: &BandDesigner) {
        let d = designer.design(&self.params_now());
        self.install(&d);
        self.designed = [self.log_f, self.total_gain_db(), self.log_q];
        self.moving = false;
        self.skipped = false;
        self.reform = false;
    }

    /// Samples the band's slowest pole needs to decay by [`PREROLL_TIME_CONSTANTS`].
    pub(super) fn settling_samples(&self) -> f64 {
        let mut radius: f64 = 0.0;
        for st in &self.stages[..self.n_stages] {
            let bq = st.cur.to_biquad();
            let disc = bq.a1 * bq.a1 - 4.0 * bq.a2;
            let r = if disc < 0.0 {
                bq.a2.sqrt()
            } else {
                0.5 * (bq.a1.abs() + disc.sqrt())
            };
            radius = radius.max(r);
        }
        if radius < 1.0 {
            -PREROLL_TIME_CONSTANTS / radius.ln()
        } else {
            f64::INFINITY
        }
    }

    /// Run the (just adopted, static) band from rest over the recent input, `past` then
    /// `recent` (left/right, oldest first), so that it starts a crossfade in nearly the state it
    /// would have had, had it been running, rather than from rest: a filter switched in cold on
    /// a running signal rings, however it is faded. Only the state is kept. The history is the
    /// EQ's input, so the bands before this one are not accounted for; what they change shows
    /// as a (faded) transient of that size, not of the whole signal.
    ///
    /// Runs in the direct form (the band is static after `adopt`) and spends at most `budget`
    /// section-frames, which it decrements.
    pub(super) fn preroll(&mut self, past: &[[f32; 2]], recent: &[[f32; 2]], budget: &mut usize) {
        let available = past.len() + recent.len();
        let affordable = *budget / self.n_stages.max(1);
        let n = (self.settling_samples().ceil().min(available as f64) as usize).min(affordable);
        *budget -= n * self.n_stages;
        let mid_side = self.structure.mid_side();
        self.set_direct_form(true);
        let stages = &mut self.stages[..self.n_stages];
        for f in past.iter().chain(recent.iter()).skip(available - n) {
            let (l, r) = (f64::from(f[0]), f64::from(f[1]));
            let mut y = if mid_side {
                [0.5 * (l + r), 0.5 * (l - r)]
            } else {
                [l, r]
            };
            for st in stages.iter_mut() {
                y = st.tdf.tick(y);
            }
        }
        self.sanitize();
    }

    pub(super) fn reset_state(&mut self) {
        for s in self.stages.iter_mut() {
            s.reset();
        }
        self.detector.reset();
        self.detected = 0;
        self.dyn_offset_db = 0.0;
        self.dyn_gain_db = 0.0;
    }

    /// Take on the target's structure and parameters at once (no glide), from rest.
    pub(super) fn adopt(&mut self, designer: &BandDesigner) {
        let t = self.target;
        self.shape = t;
        self.structure = Structure::of(&t);
        self.lanes = self.structure.lanes();
        self.log_f = t.freq_hz.log2();
        self.gain_db = if t.kind.uses_gain() { t.gain_db } else { 0.0 };
        self.log_q = t.q.ln();
        self.lead = [self.log_f, self.gain_db, self.log_q];
        self.reset_state();
        self.stages = [Stage::default(); MAX_STAGES];
        self.direct_form = false;
        self.running = true;
        self.update_sidechain(designer.sample_rate());
        self.design_settled(designer);
    }

    pub(super) fn install(&mut self, d: &BandDesign) {
        for (i, c) in d.stages().iter().enumerate() {
            let st = &mut self.stages[i];
            st.cur = *c;
            st.next = *c;
            st.step = ZERO_COEFS;
            let taps = SvfTaps::from_coefs(c);
            for lane in 0..2 {
                st.svf.set_lane(
                    lane,
                    if self.lanes[lane] {
                        &taps
                    } else {
                        &SvfTaps::IDENTITY
                    },
                );
            }
        }
        self.n_stages = d.len;
        self.next_stages = d.len;
        self.form = d.form;
    }

    pub(super) fn update_sidechain(&mut self, sample_rate: f64) {
        let (f, q) = sidechain_for(
            self.structure.kind,
            self.log_f.exp2(),
            self.log_q.exp(),
            sample_rate,
        );
        self.detector.set_sidechain(f, q);
    }

    /// Move the state into the direct form (static) or the SVFs (moving).
    pub(super) fn set_direct_form(&mut self, direct: bool) {
        if direct != self.direct_form {
            let lanes = self.lanes;
            for st in self.stages[..self.n_stages].iter_mut() {
                if direct {
                    st.svf_to_tdf(lanes);
                } else {
                    st.tdf_to_svf();
                }
            }
            self.direct_form = direct;
        }
    }

    /// Advance smoothing and dynamics by one sub-block of `len` samples and redesign if anything
    /// moved. Structural changes are not this function's business (see
    /// [`MinPhaseEq::start_crossfade`]): the band keeps its structure and follows the knobs.
    pub(super) fn begin_sub_block(&mut self, designer: &BandDesigner, len: usize, glide_rate: f64) {
        // Two one-pole stages of half the time constant each: the glide starts and ends
        // without a break in its slope. One stage started every glide with a full-rate step,
        // which a high-pass or a soloed multiband band after the EQ shows as a click once the
        // signal inside the chain is loud. Advanced in closed form over the sub-block's own
        // length (u = lead - target, v = value - target: u' = -u/tau, v' = (u - v)/tau, so
        // after x = len/tau: u e^-x and (v + u x) e^-x), so the glide does not depend on where
        // a host split the block.
        let x = len as f64 * glide_rate;
        let decay = (-x).exp();
        let t = self.target;
        let mut settled = true;
        let mut approach =
            |lead: &mut f64, cur: &mut f64, target: f64, snap: f64, max_step: f64| {
                if *lead == target && *cur == target {
                    return;
                }
                let (u, v) = (*lead - target, *cur - target);
                let next = target + (v + u * x) * decay;
                *lead = target + u * decay;
                *cur += (next - *cur).clamp(-max_step, max_step);
                if (*lead - target).abs() < snap && (*cur - target).abs() < snap {
                    *lead = target;
                    *cur = target;
                } else {
                    settled = false;
                }
            };
        // Large frequency jumps are also slew-limited: a sub-block's coefficients are
        // interpolated linearly between two designs, and between designs far apart (a 7th-order
        // low-pass going from 22 kHz to 13 kHz in 32 samples) the intermediate filters are not
        // on the way, a 0.06 kink on a full-scale 100 Hz sine. An eighth of an octave per
        // sub-block keeps that at the signal's own curvature; a 10-octave sweep takes 80
        // sub-blocks (53 ms at 48 kHz).
        let max_octaves = MAX_GLIDE_OCTAVES * len as f64 / SUB_BLOCK as f64;
        let [lead_f, lead_gain, lead_q] = &mut self.lead;
        approach(
            lead_f,
            &mut self.log_f,
            t.freq_hz.log2(),
            SNAP_OCTAVES,
            max_octaves,
        );
        let gain_target = if self.structure.kind.uses_gain() {
            t.gain_db
        } else {
            0.0
        };
        approach(
            lead_gain,
            &mut self.gain_db,
            gain_target,
            SNAP_DB,
            f64::INFINITY,
        );
        approach(lead_q, &mut self.log_q, t.q.ln(), SNAP_LOG_Q, f64::INFINITY);
        if self.dynamic_active() {
            if self.detected > 0 {
                // The level comes from the sub-block just detected, but the offset's step is
                // interpolated over the one starting now: its ballistics advance by this one's
                // length. Advancing by the detected length squeezed 32 samples' worth of
                // movement into a 1-sample sub-block after a split (a 0.8 dB step, a 0.3 click
                // on a full-scale sine through a resonant shelf).
                self.dyn_offset_db = self.detector.finish_block(&t.dynamic, len);
                self.detected = 0;
            }
        } else if self.dyn_offset_db != 0.0 {
            self.dyn_offset_db *= decay;
            if self.dyn_offset_db.abs() < SNAP_DB {
                self.dyn_offset_db = 0.0;
            }
        }
        if self.dyn_gain_db != self.dyn_offset_db {
            let a = one_pole_coef_per(len as f64, DYN_SMOOTH_MS, designer.sample_rate());
            self.dyn_gain_db += (self.dyn_offset_db - self.dyn_gain_db) * a;
            if (self.dyn_gain_db - self.dyn_offset_db).abs() < SNAP_DB {
                self.dyn_gain_db = self.dyn_offset_db;
            }
        }
        let key = [self.log_f, self.total_gain_db(), self.log_q];
        // Redesign when a parameter has moved audibly since the last design, or (to land
        // exactly) once the knobs have settled on their targets.
        let far = (key[0] - self.designed[0]).abs() > REDESIGN_OCTAVES
            || (key[1] - self.designed[1]).abs() > REDESIGN_DB
            || (key[2] - self.designed[2]).abs() > REDESIGN_LOG_Q;
        let landing = settled && !self.dynamic_active() && key != self.designed;
        // A band waiting for its reform holds its design (see `Band::reform`).
        self.moving = (far || landing) && !self.reform;
        if self.moving && self.dynamic_active() {
            self.update_sidechain(designer.sample_rate());
        }
        let design = self.moving.then(|| designer.design(&self.params_now()));
        if design.is_some_and(|d| d.form != self.form) {
            self.reform = true;
            self.moving = false;
        }
        if let (true, Some(d)) = (self.moving, design) {
            self.set_direct_form(false);
            self.designed = key;
            let inv = 1.0 / len as f64;
            let n = self.n_stages.max(d.len);
            for i in 0..n {
                let st = &mut self.stages[i];
                let old = if i < self.n_stages {
                    st.cur
                } else {
                    // A stage appearing: start as an identity with the new poles, from rest.
                    st.reset();
                    SvfCoefs {
                        m0: 1.0,
                        m1: 0.0,
                        m2: 0.0,
                        ..d.stages[i]
                    }
                };
                let new = if i < d.len {
                    d.stages[i]
                } else {
                    SvfCoefs {
                        m0: 1.0,
                        m1: 0.0,
                        m2: 0.0,
                        ..old
                    }
                };
                st.cur = old;
                st.next = new;
                st.step = lerp_coefs(&old, &new, inv);
            }
            self.n_stages = n;
            self.next_stages = d.len;
        }
        let identity = self.structure.kind.uses_gain() && self.total_gain_db() == 0.0;
        let skip = !self.moving && !self.dynamic_active() && identity;
        if skip && !self.skipped {
            for s in self.stages.iter_mut() {
                s.reset();
            }
        }
        self.skipped = skip;
    }

    pub(super) fn is_static(&self) -> bool {
        !self.moving && !self.dynamic_active()
    }

    /// Process a sub-block with interpolation and detection (band after band).
    pub(super) fn process_moving(&mut self, buf: &mut [Frame]) {
        self.set_direct_form(false);
        let len = buf.len();
        let lanes = self.lanes;
        let dynamic = self.dynamic_active();
        let n_stages = self.n_stages;
        for (i, frame) in buf.iter_mut().enumerate() {
            let x = *frame;
            if dynamic {
                self.detector.push(x, lanes);
            }
            let mut y = x;
            for st in self.stages[..n_stages].iter_mut() {
                if self.moving {
                    let c = add_coefs(&st.cur, &st.step, (i + 1) as f64);
                    let taps = SvfTaps::from_coefs(&c);
                    for (lane, on) in lanes.iter().enumerate() {
                        if *on {
                            st.svf.set_lane(lane, &taps);
                        }
                    }
                }
                y = st.svf.tick(y);
            }
            *frame = y;
        }
        if dynamic {
            self.detected += len;
        }
        if self.moving {
            // Land exactly on the design (no drift from the increments).
            for st in self.stages[..n_stages].iter_mut() {
                st.cur = st.next;
                st.step = ZERO_COEFS;
            }
            self.n_stages = self.next_stages;
            self.moving = false;
        }
    }

    pub(super) fn sanitize(&mut self) {
        let mut bad = false;
        for s in self.stages[..self.n_stages].iter_mut() {
            if self.direct_form {
                let mut st = StereoSvf {
                    ic1: s.tdf.s1,
                    ic2: s.tdf.s2,
                    ..s.svf
                };
                bad |= st.sanitize();
                s.tdf.s1 = st.ic1;
                s.tdf.s2 = st.ic2;
            } else {
                bad |= s.svf.sanitize();
            }
        }
        self.detector.sanitize();
        if bad {
            for s in self.stages.iter_mut() {
                s.reset();
            }
        }
    }
}

/// Run consecutive static bands sample by sample, so their independent recursions overlap.
pub(super) fn run_static(bands: &mut [Band; MAX_BANDS], run: &[usize], buf: &mut [Frame]) {
    for &bi in run {
        bands[bi].set_direct_form(true);
    }
    for frame in buf.iter_mut() {
        let mut x = *frame;
        for &bi in run {
            let band = &mut bands[bi];
            for st in band.stages[..band.n_stages].iter_mut() {
                x = st.tdf.tick(x);
            }
        }
        *frame = x;
    }
}

/// Run the bands in `order` (one domain, slot order) over `buf`.
pub(super) fn run_bands(bands: &mut [Band; MAX_BANDS], order: &[usize], buf: &mut [Frame]) {
    let mut i = 0;
    while i < order.len() {
        if bands[order[i]].is_static() {
            let start = i;
            while i < order.len() && bands[order[i]].is_static() {
                i += 1;
            }
            run_static(bands, &order[start..i], buf);
        } else {
            bands[order[i]].process_moving(buf);
            i += 1;
        }
    }
}

/// One configuration over one sub-block: the left/right-domain bands, then (if any band is
/// placed there) the mid/side ones between encode and decode.
pub(super) fn run_config(
    bands: &mut [Band; MAX_BANDS],
    designer: &BandDesigner,
    glide_rate: f64,
    buf: &mut [Frame],
) {
    let len = buf.len();
    let mut lr = [0usize; MAX_BANDS];
    let mut ms = [0usize; MAX_BANDS];
    let (mut n_lr, mut n_ms) = (0, 0);
    let mut mid_side = false;
    for (i, band) in bands.iter_mut().enumerate() {
        if !band.running {
            continue;
        }
        band.begin_sub_block(designer, len, glide_rate);
        let in_ms = band.structure.mid_side();
        mid_side |= in_ms;
        if !band.skipped {
            if in_ms {
                ms[n_ms] = i;
                n_ms += 1;
            } else {
                lr[n_lr] = i;
                n_lr += 1;
            }
        }
    }
    run_bands(bands, &lr[..n_lr], buf);
    if mid_side {
        for f in buf.iter_mut() {
            *f = [0.5 * (f[0] + f[1]), 0.5 * (f[0] - f[1])];
        }
        run_bands(bands, &ms[..n_ms], buf);
        for f in buf.iter_mut() {
            *f = [f[0] + f[1], f[0] - f[1]];
        }
    }
}
