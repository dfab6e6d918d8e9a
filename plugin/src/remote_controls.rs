//! Pages for hardware controllers (CLAP remote controls): the controls an engineer reaches for
//! on each module, eight to a page.

use lacquer_session::params::LacquerParams;
use nice_plug::prelude::*;

pub(crate) fn fill(p: &LacquerParams, context: &mut impl RemoteControlsContext) {
    context.add_section("Lacquer", |section| {
        section.add_page("Master", |page| {
            page.add_param(&p.input_gain);
            page.add_param(&p.output_gain);
            page.add_param(&p.lim.ceiling);
            page.add_param(&p.lim.drive);
            page.add_param(&p.lim.release);
            page.add_param(&p.img.width);
            page.add_param(&p.gain_match);
            page.add_param(&p.bypass);
        });
        section.add_page("Compressor", |page| {
            page.add_param(&p.comp.enabled);
            page.add_param(&p.comp.threshold);
            page.add_param(&p.comp.ratio);
            page.add_param(&p.comp.knee);
            page.add_param(&p.comp.attack);
            page.add_param(&p.comp.release);
            page.add_param(&p.comp.makeup);
            page.add_param(&p.comp.mix);
        });
        section.add_page("EQ Gains", |page| {
            for band in &p.eq.bands[1..9] {
                page.add_param(&band.gain);
            }
        });
        section.add_page("EQ Frequencies", |page| {
            for band in &p.eq.bands[1..9] {
                page.add_param(&band.freq);
            }
        });
        section.add_page("Multiband", |page| {
            for band in &p.mb.band {
                page.add_param(&band.threshold);
            }
            for band in &p.mb.band {
                page.add_param(&band.gain);
            }
        });
        section.add_page("Saturation & Imager", |page| {
            page.add_param(&p.sat.enabled);
            page.add_param(&p.sat.drive);
            page.add_param(&p.sat.mix);
            page.add_spacer();
            page.add_param(&p.img.enabled);
            page.add_param(&p.img.width);
            page.add_param(&p.img.bass_mono);
            page.add_param(&p.img.bass_mono_hz);
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pages(Vec<(String, Vec<Option<String>>)>);
    struct Page(Vec<Option<String>>);

    impl RemoteControlsContext for Pages {
        type Section = Pages;
        fn add_section(&mut self, _name: impl Into<String>, f: impl FnOnce(&mut Self::Section)) {
            f(self)
        }
    }

    impl RemoteControlsSection for Pages {
        type Page = Page;
        fn add_page(&mut self, name: impl Into<String>, f: impl FnOnce(&mut Self::Page)) {
            let mut page = Page(Vec::new());
            f(&mut page);
            self.0.push((name.into(), page.0));
        }
    }

    impl RemoteControlsPage for Page {
        fn add_param(&mut self, param: &impl Param) {
            self.0.push(Some(param.name().to_string()));
        }
        fn add_spacer(&mut self) {
            self.0.push(None);
        }
    }

    #[test]
    fn remote_control_pages_fill_eight_slots_with_distinct_controls() {
        let mut pages = Pages(Vec::new());
        fill(&LacquerParams::default(), &mut pages);
        assert!(pages.0.len() >= 5);
        for (name, slots) in &pages.0 {
            assert_eq!(slots.len(), 8, "page {name} has {} slots", slots.len());
            let named: Vec<_> = slots.iter().flatten().collect();
            let mut unique = named.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(unique.len(), named.len(), "page {name} repeats a control");
        }
    }
}
