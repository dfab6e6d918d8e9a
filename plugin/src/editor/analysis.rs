//! The editor's own analysers, fed from the audio thread's lock-free rings: spectrum before
//! and after the chain, and the last stereo frames for the vectorscope. They run on the GUI
//! thread, only while the editor is open.

use crate::meters::{ScopeSource, SharedMeters, SpectrumFeeds};
use lacquer_dsp::meter::spectrum::{SpectrumAnalyzer, SpectrumSettings};
use std::sync::atomic::Ordering::Relaxed;

pub use lacquer_dsp::meter::grid::{F_MAX, F_MIN, POINTS};
/// Stereo frames the vectorscope shows.
pub const SCOPE_FRAMES: usize = 2048;

pub struct Analysis {
    feeds: Option<SpectrumFeeds>,
    scope_feed: Option<ScopeSource>,
    pre: Option<SpectrumAnalyzer>,
    post: Option<SpectrumAnalyzer>,
    sample_rate: f64,
    pub pre_db: Vec<f32>,
    pub post_db: Vec<f32>,
    peak_scratch: Vec<f32>,
    /// The last `SCOPE_FRAMES` output frames, oldest first once full (a ring at `scope_pos`).
    pub scope: Vec<[f32; 2]>,
    pub scope_pos: usize,
    /// Anything new arrived this frame (audio is running).
    pub fresh: bool,
}

impl Default for Analysis {
    fn default() -> Self {
        Self {
            feeds: None,
            scope_feed: None,
            pre: None,
            post: None,
            sample_rate: 0.0,
            pre_db: vec![f32::NEG_INFINITY; POINTS],
            post_db: vec![f32::NEG_INFINITY; POINTS],
            peak_scratch: vec![0.0; POINTS],
            scope: vec![[0.0; 2]; SCOPE_FRAMES],
            scope_pos: 0,
            fresh: false,
        }
    }
}

impl Analysis {
    /// Take the rings' receiving ends (the editor is open).
    pub fn open(&mut self, meters: &SharedMeters) {
        if self.feeds.is_none() {
            self.feeds = meters.spectrum.lock().ok().and_then(|mut f| f.take());
        }
        if self.scope_feed.is_none() {
            self.scope_feed = meters.scope.lock().ok().and_then(|mut f| f.take());
        }
    }

    /// Give the rings back for the next time the editor opens.
    pub fn close(&mut self, meters: &SharedMeters) {
        if let (Some(feeds), Ok(mut slot)) = (self.feeds.take(), meters.spectrum.lock()) {
            if slot.is_none() {
                *slot = Some(feeds);
            }
        }
        if let (Some(feed), Ok(mut slot)) = (self.scope_feed.take(), meters.scope.lock()) {
            if slot.is_none() {
                *slot = Some(feed);
            }
        }
    }

    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    pub fn update(&mut self, meters: &SharedMeters) {
        // A restart (new rate) hands new rings to the meters: pick them up.
        self.open(meters);
        let rate = f64::from(meters.sample_rate.load(Relaxed));
        if rate > 0.0 && rate != self.sample_rate {
            self.sample_rate = rate;
            self.pre = Some(SpectrumAnalyzer::new(rate, SpectrumSettings::default()));
            self.post = Some(SpectrumAnalyzer::new(rate, SpectrumSettings::default()));
        }
        self.fresh = false;
        if let (Some(feeds), Some(pre), Some(post)) =
            (self.feeds.as_mut(), self.pre.as_mut(), self.post.as_mut())
        {
            let frames = feeds.pre.drain_into(pre) + feeds.post.drain_into(post);
            if frames > 0 {
                self.fresh = true;
                pre.render(F_MIN, F_MAX, &mut self.pre_db, &mut self.peak_scratch);
                post.render(F_MIN, F_MAX, &mut self.post_db, &mut self.peak_scratch);
            }
        }
        if let Some(feed) = self.scope_feed.as_mut() {
            let (scope, pos) = (&mut self.scope, &mut self.scope_pos);
            let mut any = false;
            feed.drain(|f| {
                scope[*pos] = f;
                *pos = (*pos + 1) % SCOPE_FRAMES;
                any = true;
            });
            self.fresh |= any;
        }
    }

    /// Frequency of point `i` of the spectrum curves.
    pub fn point_hz(i: usize) -> f64 {
        lacquer_dsp::meter::grid::point_hz(i)
    }
}
