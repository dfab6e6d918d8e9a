//! What the chain is told: its settings (`ChainParams`) with their validation, the module
//! order, and what it reports back (`GainReduction`).

use super::*;

/// The chain's modules. The first five can be reordered (`DEFAULT_ORDER`); the limiter and
/// dither always come last. A new module is one variant here and one arm in each of the
/// chain's `reset_module`/`process_module`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Module {
    Eq,
    Compressor,
    Multiband,
    Saturation,
    Imager,
    Limiter,
    Dither,
}

impl Module {
    pub const DEFAULT_ORDER: [Module; 5] = [
        Module::Eq,
        Module::Compressor,
        Module::Multiband,
        Module::Saturation,
        Module::Imager,
    ];

    /// Every module, in slot order (`index()`).
    pub const ALL: [Module; 7] = [
        Module::Eq,
        Module::Compressor,
        Module::Multiband,
        Module::Saturation,
        Module::Imager,
        Module::Limiter,
        Module::Dither,
    ];

    /// The modules after the reorderable section, in order.
    pub const TAIL: [Module; 2] = [Module::Limiter, Module::Dither];

    pub fn name(self) -> &'static str {
        match self {
            Module::Eq => "EQ",
            Module::Compressor => "Compressor",
            Module::Multiband => "Multiband",
            Module::Saturation => "Saturation",
            Module::Imager => "Imager",
            Module::Limiter => "Limiter",
            Module::Dither => "Dither",
        }
    }

    pub fn index(self) -> usize {
        match self {
            Module::Eq => 0,
            Module::Compressor => 1,
            Module::Multiband => 2,
            Module::Saturation => 3,
            Module::Imager => 4,
            Module::Limiter => 5,
            Module::Dither => 6,
        }
    }

    /// Can this module move in the order?
    pub fn is_reorderable(self) -> bool {
        self.index() < Self::DEFAULT_ORDER.len()
    }

    /// The reorderable module at position `i` of the default order.
    pub fn from_index(i: usize) -> Option<Module> {
        Self::DEFAULT_ORDER.get(i).copied()
    }
}

/// True when `order` names every reorderable module exactly once.
pub fn is_valid_order(order: &[Module; 5]) -> bool {
    let mut seen = [false; 5];
    for m in order {
        if !m.is_reorderable() || std::mem::replace(&mut seen[m.index()], true) {
            return false;
        }
    }
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EqMode {
    MinimumPhase,
    LinearPhase(LinearPhaseLatency),
}

/// Every setting of the chain, in audio units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChainParams {
    pub input_gain_db: f64,
    pub output_gain_db: f64,
    pub order: [Module; 5],
    pub eq_enabled: bool,
    pub eq_mode: EqMode,
    pub eq: EqParams,
    pub compressor_enabled: bool,
    pub compressor: CompressorParams,
    pub multiband_enabled: bool,
    pub multiband: MultibandParams,
    pub saturation_enabled: bool,
    pub saturation: SaturationParams,
    pub imager_enabled: bool,
    pub imager: ImagerParams,
    pub limiter_enabled: bool,
    pub limiter: LimiterParams,
    pub dither_enabled: bool,
    pub dither: DitherParams,
    /// Play the processed signal at the short-term loudness of the input (monitoring only).
    pub gain_match: bool,
    /// Global bypass: the input, delayed by the chain's latency.
    pub bypass: bool,
    /// Listen only to the region of this EQ band (slot index; monitoring only, never set by
    /// a render).
    pub eq_solo: Option<usize>,
    /// Match EQ toward a reference track, inside the EQ module after its bands.
    pub eq_match: MatchParams,
}

impl Default for ChainParams {
    fn default() -> Self {
        Self {
            input_gain_db: 0.0,
            output_gain_db: 0.0,
            order: Module::DEFAULT_ORDER,
            eq_enabled: true,
            eq_mode: EqMode::MinimumPhase,
            eq: EqParams::default(),
            compressor_enabled: false,
            compressor: CompressorParams::default(),
            multiband_enabled: false,
            multiband: MultibandParams::default(),
            saturation_enabled: false,
            saturation: SaturationParams::default(),
            imager_enabled: true,
            imager: ImagerParams::default(),
            limiter_enabled: true,
            limiter: LimiterParams::default(),
            dither_enabled: false,
            dither: DitherParams::default(),
            gain_match: false,
            bypass: false,
            eq_solo: None,
            eq_match: MatchParams::default(),
        }
    }
}

impl ChainParams {
    /// Readable message naming the first setting out of range.
    pub fn validate(&self) -> Result<(), String> {
        for (name, db) in [
            ("input gain", self.input_gain_db),
            ("output gain", self.output_gain_db),
        ] {
            if !(db.is_finite() && (-24.0..=24.0).contains(&db)) {
                return Err(format!("{name} must be -24 to 24 dB, got {db}"));
            }
        }
        if !is_valid_order(&self.order) {
            return Err(format!(
                "module order must name each module once, got {:?}",
                self.order
            ));
        }
        self.eq.validate()?;
        self.eq_match.validate()?;
        self.compressor.validate()?;
        self.multiband.validate()?;
        self.saturation.validate()?;
        self.imager.validate()?;
        self.limiter.validate()?;
        self.dither.validate()
    }

    /// Everything forced into range (what the audio thread uses).
    pub fn clamped(&self) -> Self {
        let gain = |db: f64| {
            if db.is_finite() {
                db.clamp(-24.0, 24.0)
            } else {
                0.0
            }
        };
        Self {
            input_gain_db: gain(self.input_gain_db),
            output_gain_db: gain(self.output_gain_db),
            order: if is_valid_order(&self.order) {
                self.order
            } else {
                Module::DEFAULT_ORDER
            },
            eq: self.eq.clamped(),
            eq_match: self.eq_match.clamped(),
            compressor: self.compressor.clamped(),
            multiband: self.multiband.clamped(),
            saturation: self.saturation.clamped(),
            imager: self.imager.clamped(),
            limiter: self.limiter.clamped(),
            dither: self.dither.clamped(),
            eq_solo: self.eq_solo.filter(|&i| i < crate::eq::MAX_BANDS),
            ..*self
        }
    }
}

/// Gain reduction of every dynamics stage since the last call, dB (0 or negative).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GainReduction {
    pub compressor_db: f64,
    pub multiband_db: [f64; MB_BANDS],
    pub limiter_db: f64,
}
