//! Display and parsing of parameter values in the units engineers type: "2k", "2.5 kHz",
//! "-3 dB", "40 %", "120 ms", "1.2 s", "4:1", "inf". Every formatter here round-trips through
//! its parser.

use nice_plug::prelude::*;
use std::sync::Arc;

pub type V2s = Arc<dyn Fn(f32) -> String + Send + Sync>;
pub type S2v = Arc<dyn Fn(&str) -> Option<f32> + Send + Sync>;

/// Split "12.5 kHz" into (12.5, "khz"); a bare "2k" gives (2000, "").
fn number_and_unit(s: &str) -> Option<(f32, String)> {
    let s = s.trim();
    // The longest prefix that reads as a number; the rest is the unit.
    let (mut value, rest) = s
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .rev()
        .find_map(|end| s[..end].trim().parse::<f32>().ok().map(|v| (v, &s[end..])))?;
    let mut unit = rest.trim().to_ascii_lowercase();
    if unit == "k" {
        value *= 1000.0;
        unit.clear();
    }
    value.is_finite().then_some((value, unit))
}

/// `x` with `digits` decimals, never "-0.00": a value that rounds to zero reads as zero.
fn fixed(x: f32, digits: usize) -> String {
    let text = format!("{x:.digits$}");
    match text.strip_prefix('-') {
        Some(rest) if rest.bytes().all(|b| b == b'0' || b == b'.') => rest.to_string(),
        _ => text,
    }
}

/// The unit is chosen after rounding, so a value that shows as the boundary (999.96 Hz as
/// "1000.0 Hz") is written in the larger unit and reads back to the same text.
pub fn v2s_hz() -> V2s {
    Arc::new(|hz| {
        if (hz * 10.0).round() < 10_000.0 {
            format!("{} Hz", fixed(hz, 1))
        } else {
            format!("{} kHz", fixed(hz / 1000.0, 3))
        }
    })
}

pub fn s2v_hz() -> S2v {
    Arc::new(|s| {
        let (v, unit) = number_and_unit(s)?;
        match unit.as_str() {
            "khz" => Some(v * 1000.0),
            "" | "hz" => Some(v),
            _ => None,
        }
    })
}

pub fn v2s_db() -> V2s {
    Arc::new(|db| format!("{} dB", fixed(db, 2)))
}

pub fn s2v_db() -> S2v {
    Arc::new(|s| {
        let (v, unit) = number_and_unit(s)?;
        matches!(unit.as_str(), "" | "db" | "dbfs" | "dbtp" | "lu" | "lufs").then_some(v)
    })
}

pub fn v2s_ms() -> V2s {
    Arc::new(|ms| {
        if (ms * 100.0).round() < 100_000.0 {
            format!("{} ms", fixed(ms, 2))
        } else {
            format!("{} s", fixed(ms / 1000.0, 3))
        }
    })
}

pub fn s2v_ms() -> S2v {
    Arc::new(|s| {
        let (v, unit) = number_and_unit(s)?;
        match unit.as_str() {
            "s" => Some(v * 1000.0),
            "" | "ms" => Some(v),
            _ => None,
        }
    })
}

/// Values stored as 0..1 (or 0..2), shown as percent.
pub fn v2s_percent() -> V2s {
    Arc::new(|x| format!("{} %", fixed(x * 100.0, 1)))
}

pub fn s2v_percent() -> S2v {
    Arc::new(|s| {
        let (v, unit) = number_and_unit(s)?;
        matches!(unit.as_str(), "" | "%").then_some(v / 100.0)
    })
}

/// Ratio: the top of the range means infinity.
pub fn v2s_ratio(infinite_at: f32) -> V2s {
    Arc::new(move |r| {
        if r >= infinite_at {
            "inf:1".to_string()
        } else {
            format!("{}:1", fixed(r, 2))
        }
    })
}

pub fn s2v_ratio(infinite_at: f32) -> S2v {
    Arc::new(move |s| {
        let s = s.trim().to_ascii_lowercase();
        let s = s.strip_suffix(":1").unwrap_or(&s).trim();
        if s == "inf" || s == "∞" {
            return Some(infinite_at);
        }
        s.parse::<f32>().ok().filter(|v| v.is_finite())
    })
}

pub fn v2s_plain(digits: usize) -> V2s {
    formatters::v2s_f32_rounded(digits)
}

pub fn s2v_plain() -> S2v {
    Arc::new(|s| number_and_unit(s).map(|(v, _)| v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_engineers_type() {
        assert_eq!(s2v_hz()("2k"), Some(2000.0));
        assert_eq!(s2v_hz()("2.5 kHz"), Some(2500.0));
        assert_eq!(s2v_hz()("440"), Some(440.0));
        assert_eq!(s2v_hz()("440 Hz"), Some(440.0));
        assert_eq!(s2v_db()("-3 dB"), Some(-3.0));
        assert_eq!(s2v_db()("+1.5"), Some(1.5));
        assert_eq!(s2v_percent()("40 %"), Some(0.4));
        assert_eq!(s2v_ms()("1.2 s"), Some(1200.0));
        assert_eq!(s2v_ms()("30ms"), Some(30.0));
        assert_eq!(s2v_ratio(20.0)("inf:1"), Some(20.0));
        assert_eq!(s2v_ratio(20.0)("4:1"), Some(4.0));
        assert_eq!(s2v_hz()("loud"), None);
        assert_eq!(s2v_db()("3 ms"), None);
    }

    #[test]
    fn text_reads_back_to_the_same_text() {
        // Found by clap-validator's fuzzer: "-0.00 dB" came back as "0.00 dB", and a release
        // just under 1 s shown as "1.000 s" came back as "1000.00 ms".
        let cases: [(V2s, S2v, &[f32]); 4] = [
            (v2s_db(), s2v_db(), &[-0.001, -0.004, 0.0, -0.0]),
            (v2s_ms(), s2v_ms(), &[999.996, 999.9999, 1000.0, 999.994]),
            (v2s_hz(), s2v_hz(), &[999.96, 999.99, 999.94]),
            (v2s_percent(), s2v_percent(), &[-0.0001]),
        ];
        for (v2s, s2v, values) in cases {
            for &v in values {
                let text = v2s(v);
                let again = v2s(s2v(&text).unwrap());
                println!("{v} -> '{text}' -> '{again}'");
                assert_eq!(text, again);
                assert!(!text.starts_with("-0.00"), "{text}");
            }
        }
    }

    #[test]
    fn every_formatter_round_trips() {
        let cases: [(V2s, S2v, &[f32]); 5] = [
            (v2s_hz(), s2v_hz(), &[10.0, 999.0, 1000.0, 2500.0, 30000.0]),
            (v2s_db(), s2v_db(), &[-24.0, -0.5, 0.0, 12.25]),
            (v2s_ms(), s2v_ms(), &[0.05, 10.0, 999.0, 1500.0]),
            (v2s_percent(), s2v_percent(), &[0.0, 0.4, 1.0, 2.0]),
            (v2s_ratio(20.0), s2v_ratio(20.0), &[1.0, 4.0, 20.0]),
        ];
        for (v2s, s2v, values) in cases {
            for &v in values {
                let text = v2s(v);
                let back = s2v(&text).unwrap_or_else(|| panic!("'{text}' does not parse"));
                assert!(
                    (back - v).abs() <= 1e-3 * v.abs().max(1.0),
                    "{v} -> '{text}' -> {back}"
                );
            }
        }
    }
}
