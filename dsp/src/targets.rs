//! Delivery targets: the loudness each destination normalises to and the true-peak ceiling it
//! asks for, each with where the figure comes from. Platforms change their policies; this table
//! is data, kept in one place, and the editor shows the source beside every figure.

/// How a platform's loudness normalisation treats a master.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Normalization {
    /// Louder masters are turned down, quieter ones turned up.
    UpAndDown,
    /// Louder masters are turned down; quieter ones play as they are.
    DownOnly,
    /// No normalisation: the master plays at its own level (CD, downloads).
    None,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeliveryTarget {
    /// Stable key, used in state files and on the command line.
    pub id: &'static str,
    pub name: &'static str,
    /// Integrated loudness the destination plays at or asks for, LUFS.
    pub integrated_lufs: Option<f64>,
    /// Tolerance around the loudness target where a spec gives one, LU.
    pub tolerance_lu: Option<f64>,
    /// Highest true peak the destination asks for, dBTP.
    pub ceiling_dbtp: f64,
    pub normalization: Normalization,
    pub source: &'static str,
}

impl DeliveryTarget {
    /// The gain in dB the destination's playback would apply to a master of `integrated_lufs`
    /// (negative = turned down). `None` where the destination does not normalise.
    pub fn playback_gain_db(&self, integrated_lufs: f64) -> Option<f64> {
        let target = self.integrated_lufs?;
        if !integrated_lufs.is_finite() {
            return None;
        }
        let gain = target - integrated_lufs;
        match self.normalization {
            Normalization::UpAndDown => Some(gain),
            Normalization::DownOnly => Some(gain.min(0.0)),
            Normalization::None => None,
        }
    }
}

pub const TARGETS: &[DeliveryTarget] = &[
    DeliveryTarget {
        id: "spotify",
        name: "Spotify",
        integrated_lufs: Some(-14.0),
        tolerance_lu: None,
        ceiling_dbtp: -1.0,
        normalization: Normalization::UpAndDown,
        source: "Spotify for Artists, 'Loudness normalization': plays at -14 LUFS integrated; \
                 masters louder than -14 LUFS should keep true peak below -2 dBTP, otherwise -1 dBTP. \
                 Quiet masters are raised only as far as their peaks allow (limiter on 'Loud').",
    },
    DeliveryTarget {
        id: "apple-music",
        name: "Apple Music",
        integrated_lufs: Some(-16.0),
        tolerance_lu: None,
        ceiling_dbtp: -1.0,
        normalization: Normalization::UpAndDown,
        source: "Apple Digital Masters guidance and Sound Check: playback normalised to -16 LUFS; \
                 -1 dBTP recommended so AAC encoding does not clip.",
    },
    DeliveryTarget {
        id: "youtube",
        name: "YouTube",
        integrated_lufs: Some(-14.0),
        tolerance_lu: None,
        ceiling_dbtp: -1.0,
        normalization: Normalization::DownOnly,
        source: "YouTube reduces louder uploads to about -14 LUFS and does not raise quieter ones \
                 (as measured by AES TD1008 and YouTube's 'stats for nerds' content loudness).",
    },
    DeliveryTarget {
        id: "amazon-music",
        name: "Amazon Music",
        integrated_lufs: Some(-14.0),
        tolerance_lu: None,
        ceiling_dbtp: -2.0,
        normalization: Normalization::UpAndDown,
        source: "Amazon Music's delivery guidance: -14 LUFS integrated, true peak at or below -2 dBTP.",
    },
    DeliveryTarget {
        id: "tidal",
        name: "Tidal",
        integrated_lufs: Some(-14.0),
        tolerance_lu: None,
        ceiling_dbtp: -1.0,
        normalization: Normalization::DownOnly,
        source: "Tidal normalises tracks and albums to -14 LUFS (album mode by default); -1 dBTP \
                 keeps lossy encodes clean.",
    },
    DeliveryTarget {
        id: "deezer",
        name: "Deezer",
        integrated_lufs: Some(-15.0),
        tolerance_lu: None,
        ceiling_dbtp: -1.0,
        normalization: Normalization::UpAndDown,
        source: "Deezer normalises playback to -15 LUFS; -1 dBTP recommended for lossy encodes.",
    },
    DeliveryTarget {
        id: "podcast",
        name: "Podcast / spoken word",
        integrated_lufs: Some(-16.0),
        tolerance_lu: Some(1.0),
        ceiling_dbtp: -1.0,
        normalization: Normalization::None,
        source: "AES TD1004 (streaming/podcast loudness): -16 LUFS for stereo programme (-19 for \
                 mono), true peak no higher than -1 dBTP; Apple Podcasts asks for -16 +-1 LUFS.",
    },
    DeliveryTarget {
        id: "ebu-r128",
        name: "Broadcast EBU R128",
        integrated_lufs: Some(-23.0),
        tolerance_lu: Some(0.5),
        ceiling_dbtp: -1.0,
        normalization: Normalization::None,
        source: "EBU R 128 (2023): programme loudness -23.0 LUFS (+-0.5 LU; +-1 LU for live), \
                 maximum true peak -1 dBTP.",
    },
    DeliveryTarget {
        id: "atsc-a85",
        name: "Broadcast ATSC A/85",
        integrated_lufs: Some(-24.0),
        tolerance_lu: Some(2.0),
        ceiling_dbtp: -2.0,
        normalization: Normalization::None,
        source: "ATSC A/85:2013 (CALM Act): -24 LKFS +-2 dB, true peak -2 dBTP.",
    },
    DeliveryTarget {
        id: "cd",
        name: "CD / download",
        integrated_lufs: None,
        tolerance_lu: None,
        ceiling_dbtp: -0.3,
        normalization: Normalization::None,
        source: "Red Book sets no loudness; a -0.3 dBTP ceiling is common mastering practice so \
                 inter-sample peaks survive players' reconstruction filters and later encodes.",
    },
];

/// Look a target up by its stable id.
pub fn target(id: &str) -> Option<&'static DeliveryTarget> {
    TARGETS.iter().find(|t| t.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_values_sane() {
        for (i, t) in TARGETS.iter().enumerate() {
            assert!(
                TARGETS[i + 1..].iter().all(|u| u.id != t.id),
                "duplicate {}",
                t.id
            );
            assert!((-3.0..=0.0).contains(&t.ceiling_dbtp), "{}", t.id);
            if let Some(l) = t.integrated_lufs {
                assert!((-30.0..=-5.0).contains(&l), "{}", t.id);
            }
            assert!(!t.source.is_empty());
        }
        assert_eq!(target("ebu-r128").unwrap().integrated_lufs, Some(-23.0));
    }

    #[test]
    fn playback_gain_follows_each_policy() {
        let spotify = target("spotify").unwrap();
        assert_eq!(spotify.playback_gain_db(-9.0), Some(-5.0));
        assert_eq!(spotify.playback_gain_db(-18.0), Some(4.0));
        let youtube = target("youtube").unwrap();
        assert_eq!(youtube.playback_gain_db(-18.0), Some(0.0));
        assert_eq!(target("cd").unwrap().playback_gain_db(-9.0), None);
    }
}
