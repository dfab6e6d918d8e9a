//! `--plot`: a PNG with the short-term loudness history and the long-term average spectrum,
//! before and after. Text uses the Ubuntu font egui ships (no system font lookup).

use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};
use std::path::Path;
use std::sync::Once;

pub struct PlotData<'a> {
    pub title: String,
    pub history_step_s: f64,
    pub before_history: &'a [f32],
    pub after_history: &'a [f32],
    pub before_spectrum: &'a [(f64, f64)],
    pub after_spectrum: &'a [(f64, f64)],
    pub target_lufs: Option<f64>,
}

fn fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = register_font(
            "sans-serif",
            FontStyle::Normal,
            epaint_default_fonts::UBUNTU_LIGHT,
        );
    });
}

const BEFORE: RGBColor = RGBColor(140, 140, 150);
const AFTER: RGBColor = RGBColor(200, 90, 20);

/// Write the PNG at `path` (the caller renames it into place).
pub fn write_png(path: &Path, d: &PlotData<'_>) -> Result<(), String> {
    fonts();
    let err = |e: &dyn std::fmt::Display| format!("cannot draw {}: {e}", path.display());
    let root = BitMapBackend::new(path, (1200, 900)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let root = root
        .titled(&d.title, ("sans-serif", 24))
        .map_err(|e| err(&e))?;
    let (top, bottom) = root.split_vertically(430);

    // Short-term loudness history.
    let finite = |v: &[f32]| -> Vec<f64> {
        v.iter()
            .map(|&x| x as f64)
            .filter(|x| x.is_finite())
            .collect()
    };
    let all: Vec<f64> = finite(d.before_history)
        .into_iter()
        .chain(finite(d.after_history))
        .chain(d.target_lufs)
        .collect();
    let hi = all.iter().copied().fold(-60.0f64, f64::max).ceil() + 2.0;
    let lo = (all.iter().copied().fold(0.0f64, f64::min).floor() - 2.0).max(hi - 60.0);
    let seconds =
        d.before_history.len().max(d.after_history.len()).max(1) as f64 * d.history_step_s;
    let mut chart = ChartBuilder::on(&top)
        .caption("Short-term loudness (3 s)", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..seconds, lo..hi)
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc("LUFS")
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(|e| err(&e))?;
    let series = |v: &[f32]| -> Vec<(f64, f64)> {
        v.iter()
            .enumerate()
            .filter(|(_, x)| x.is_finite())
            .map(|(i, &x)| ((i + 1) as f64 * d.history_step_s, (x as f64).max(lo)))
            .collect()
    };
    chart
        .draw_series(LineSeries::new(
            series(d.before_history),
            BEFORE.stroke_width(2),
        ))
        .map_err(|e| err(&e))?
        .label("before")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BEFORE.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(
            series(d.after_history),
            AFTER.stroke_width(2),
        ))
        .map_err(|e| err(&e))?
        .label("after")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], AFTER.stroke_width(2)));
    if let Some(t) = d.target_lufs {
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, t), (seconds, t)],
                BLUE.mix(0.5).stroke_width(1),
            ))
            .map_err(|e| err(&e))?
            .label("target")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE.mix(0.5)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK.mix(0.3))
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(|e| err(&e))?;

    // Long-term spectrum on a log-frequency axis.
    let nyq = d
        .after_spectrum
        .last()
        .or(d.before_spectrum.last())
        .map_or(24_000.0, |p| p.0);
    let top_db = d
        .before_spectrum
        .iter()
        .chain(d.after_spectrum)
        .map(|p| p.1)
        .fold(-120.0f64, f64::max)
        .ceil()
        + 3.0;
    let mut chart = ChartBuilder::on(&bottom)
        .caption("Long-term average spectrum (mid)", ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(
            (20.0..nyq.min(24_000.0)).log_scale(),
            (top_db - 100.0)..top_db,
        )
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("frequency (Hz)")
        .y_desc("dB")
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(|e| err(&e))?;
    let spec = |v: &[(f64, f64)]| -> Vec<(f64, f64)> {
        v.iter()
            .filter(|p| p.0 >= 20.0 && p.0 <= 24_000.0)
            .map(|&(f, db)| (f, db.max(top_db - 100.0)))
            .collect()
    };
    chart
        .draw_series(LineSeries::new(
            spec(d.before_spectrum),
            BEFORE.stroke_width(1),
        ))
        .map_err(|e| err(&e))?;
    chart
        .draw_series(LineSeries::new(
            spec(d.after_spectrum),
            AFTER.stroke_width(1),
        ))
        .map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}
