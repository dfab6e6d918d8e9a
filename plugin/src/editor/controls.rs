//! Parameter controls as engineers expect them: drag (Shift for fine), double-click or
//! Ctrl-click to reset, wheel, click the value to type one ("2k", "-3 dB", "40 %"), and a
//! tooltip with the full name and value. Every edit is one begin/end gesture for the host, so
//! automation write and the host's undo see it, and one entry on the editor's own undo stack.

use super::theme;
use egui::{Color32, Pos2, Response, Sense, Stroke, Ui, Vec2};
use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::{Param, ParamPtr};
use std::time::{Duration, Instant};

/// One finished edit: the parameter and its normalized value before and after.
#[derive(Clone, Copy)]
pub struct Edit {
    pub param: ParamPtr,
    pub before: f32,
    pub after: f32,
    at: Instant,
    /// Edits made in the same frame (a node's frequency and gain, a band added with its
    /// settings) undo and redo together.
    frame: u64,
}

/// The editor's undo and redo stacks.
#[derive(Default)]
pub struct Undo {
    done: Vec<Edit>,
    undone: Vec<Edit>,
    frame: u64,
}

/// Wheel edits of one control within this time merge into one undo step.
const MERGE: Duration = Duration::from_millis(600);
const DEPTH: usize = 200;

impl Undo {
    /// The editor's frame counter: edits recorded in one frame form one undo step.
    pub fn set_frame(&mut self, frame: u64) {
        self.frame = frame;
    }

    pub fn record(&mut self, param: ParamPtr, before: f32, after: f32) {
        if before == after {
            return;
        }
        let now = Instant::now();
        if let Some(last) = self.done.last_mut() {
            if last.param == param
                && (last.frame == self.frame || now.duration_since(last.at) < MERGE)
            {
                last.after = after;
                last.at = now;
                return;
            }
        }
        self.undone.clear();
        self.done.push(Edit {
            param,
            before,
            after,
            at: now,
            frame: self.frame,
        });
        if self.done.len() > DEPTH {
            self.done.remove(0);
        }
    }

    pub fn can_undo(&self) -> bool {
        !self.done.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.undone.is_empty()
    }

    /// Undo the last step (every edit of its frame), newest first.
    pub fn undo(&mut self, gui: &GuiContext) {
        let Some(frame) = self.done.last().map(|e| e.frame) else {
            return;
        };
        while let Some(mut e) = self.done.pop_if(|e| e.frame == frame) {
            set_gesture(gui, e.param, e.before);
            // A later edit must not merge into an undone one.
            e.at = Instant::now() - MERGE;
            self.undone.push(e);
        }
    }

    /// Redo the last undone step, in the order it was first made.
    pub fn redo(&mut self, gui: &GuiContext) {
        let Some(frame) = self.undone.last().map(|e| e.frame) else {
            return;
        };
        while let Some(mut e) = self.undone.pop_if(|e| e.frame == frame) {
            set_gesture(gui, e.param, e.after);
            e.at = Instant::now() - MERGE;
            self.done.push(e);
        }
    }
}

/// A complete host gesture setting `param` to `normalized`.
pub fn set_gesture(gui: &GuiContext, param: ParamPtr, normalized: f32) {
    // SAFETY: every ParamPtr here comes from the plugin's parameters, which outlive the editor.
    unsafe {
        gui.raw_begin_set_parameter(param);
        gui.raw_set_parameter_normalized(param, normalized);
        gui.raw_end_set_parameter(param);
    }
}

/// What every control needs: the host connection and the undo stack.
pub struct Ctl<'a> {
    pub gui: &'a GuiContext,
    pub undo: &'a mut Undo,
}

impl Ctl<'_> {
    pub fn value(&self, p: ParamPtr) -> f32 {
        // SAFETY: as in `set_gesture`.
        unsafe { p.unmodulated_normalized_value() }
    }

    pub fn plain(&self, p: ParamPtr) -> f32 {
        // SAFETY: as in `set_gesture`.
        unsafe { p.unmodulated_plain_value() }
    }

    pub fn text(&self, p: ParamPtr) -> String {
        // SAFETY: as in `set_gesture`.
        unsafe { p.normalized_value_to_string(p.unmodulated_normalized_value(), true) }
    }

    pub fn name(&self, p: ParamPtr) -> String {
        // SAFETY: as in `set_gesture`.
        unsafe { p.name().to_owned() }
    }

    /// Normalized value of `plain`, snapped to the parameter's steps.
    pub fn normalized_of(&self, p: ParamPtr, plain: f32) -> f32 {
        // SAFETY: as in `set_gesture`.
        unsafe { p.preview_normalized(plain) }
    }

    /// Set a parameter as one complete gesture with one undo step.
    pub fn set(&mut self, p: ParamPtr, normalized: f32) {
        let before = self.value(p);
        let after = snapped(p, normalized.clamp(0.0, 1.0));
        set_gesture(self.gui, p, after);
        self.undo.record(p, before, after);
    }

    pub fn set_plain(&mut self, p: ParamPtr, plain: f32) {
        let n = self.normalized_of(p, plain);
        self.set(p, n);
    }

    pub fn reset(&mut self, p: ParamPtr) {
        // SAFETY: as in `set_gesture`.
        let d = unsafe { p.default_normalized_value() };
        self.set(p, d);
    }

    /// Parse typed text with the parameter's own parser (units and suffixes as in the host).
    pub fn set_text(&mut self, p: ParamPtr, text: &str) -> bool {
        // SAFETY: as in `set_gesture`.
        match unsafe { p.string_to_normalized_value(text.trim()) } {
            Some(n) => {
                self.set(p, n);
                true
            }
            None => false,
        }
    }

    /// Start, continue and end a drag gesture on `p` from a response: returns the value now.
    pub fn drag(&mut self, p: ParamPtr, response: &Response, to: impl FnOnce(f32) -> f32) {
        // Keyed by parameter too: one response may drag two (an EQ node's frequency and gain).
        let id = response.id.with(("drag-start", self.name(p)));
        let ctx = &response.ctx;
        if response.drag_started() {
            let start = self.value(p);
            ctx.data_mut(|d| d.insert_temp(id, start));
            // SAFETY: as in `set_gesture`.
            unsafe { self.gui.raw_begin_set_parameter(p) };
        }
        if response.dragged() {
            let now = self.value(p);
            let next = snapped(p, to(now).clamp(0.0, 1.0));
            if next != now {
                // SAFETY: as in `set_gesture`.
                unsafe { self.gui.raw_set_parameter_normalized(p, next) };
            }
        }
        if response.drag_stopped() {
            // SAFETY: as in `set_gesture`.
            unsafe { self.gui.raw_end_set_parameter(p) };
            let start = ctx.data_mut(|d| d.remove_temp::<f32>(id));
            if let Some(start) = start {
                let end = self.value(p);
                self.undo.record(p, start, end);
            }
        }
    }
}

fn snapped(p: ParamPtr, normalized: f32) -> f32 {
    // SAFETY: as in `set_gesture`.
    unsafe {
        if p.step_count().is_some() {
            p.preview_normalized(p.preview_plain(normalized))
        } else {
            normalized
        }
    }
}

/// Pointer movement (points) for the whole range, and the fine factor with Shift.
const DRAG_RANGE: f32 = 200.0;
const FINE: f32 = 0.1;
const WHEEL_STEP: f32 = 0.02;

/// Whole wheel notches this frame (up positive), not egui's smoothed scrolling: one notch,
/// one step.
pub fn wheel_notches(ui: &Ui) -> f32 {
    ui.input(|i| {
        i.events
            .iter()
            .map(|e| match e {
                egui::Event::MouseWheel { delta, .. } => delta.y.signum(),
                _ => 0.0,
            })
            .sum()
    })
}

/// Reset, wheel and typed entry shared by every control on `response`.
fn common(ui: &Ui, ctl: &mut Ctl, p: ParamPtr, response: &Response) {
    let mods = ui.input(|i| i.modifiers);
    if response.double_clicked() || (response.clicked() && mods.command) {
        ctl.reset(p);
    }
    if response.hovered() {
        let scroll = wheel_notches(ui);
        if scroll != 0.0 {
            let step = if mods.shift {
                WHEEL_STEP * FINE
            } else {
                WHEEL_STEP
            };
            let now = ctl.value(p);
            // SAFETY: as in `set_gesture`.
            let next = match unsafe { p.step_count() } {
                Some(_) if scroll > 0.0 => unsafe { p.next_normalized_step(now, false) },
                Some(_) => unsafe { p.previous_normalized_step(now, false) },
                None => now + scroll.signum() * step,
            };
            ctl.set(p, next);
        }
    }
}

/// Typed entry: clicking the value text opens a field; Enter parses, Escape cancels.
/// Returns true while the field is open.
fn value_text(ui: &mut Ui, ctl: &mut Ctl, p: ParamPtr, id: egui::Id, width: f32) -> Response {
    let editing: Option<String> = ui.data(|d| d.get_temp(id));
    if let Some(mut text) = editing {
        let r = ui.add(
            egui::TextEdit::singleline(&mut text)
                .desired_width(width)
                .font(theme::mono(theme::SMALL))
                .align(egui::Align2::CENTER_CENTER),
        );
        r.request_focus();
        let enter = ui.input(|i| i.key_pressed(egui::Key::Enter));
        let escape = ui.input(|i| i.key_pressed(egui::Key::Escape));
        if enter {
            ctl.set_text(p, &text);
            ui.data_mut(|d| d.remove::<String>(id));
        } else if escape || r.lost_focus() {
            ui.data_mut(|d| d.remove::<String>(id));
        } else {
            ui.data_mut(|d| d.insert_temp(id, text));
        }
        r
    } else {
        let r = ui.add(
            egui::Label::new(
                egui::RichText::new(ctl.text(p))
                    .font(theme::mono(theme::SMALL))
                    .color(theme::TEXT),
            )
            .sense(Sense::click())
            .truncate(),
        );
        if r.clicked() {
            ui.data_mut(|d| d.insert_temp(id, ctl.text(p)));
        }
        r.on_hover_text("Click to type a value")
    }
}

/// A rotary knob with its label above and value below (click the value to type).
pub fn knob(ui: &mut Ui, ctl: &mut Ctl, param: &impl Param, label: &str) -> Response {
    knob_ptr(ui, ctl, param.as_ptr(), label)
}

pub const KNOB: f32 = 44.0;
pub const KNOB_CELL: f32 = 72.0;

pub fn knob_ptr(ui: &mut Ui, ctl: &mut Ctl, p: ParamPtr, label: &str) -> Response {
    ui.allocate_ui_with_layout(
        Vec2::new(KNOB_CELL, KNOB + 44.0),
        egui::Layout::top_down(egui::Align::Center),
        |ui| {
            ui.spacing_mut().item_spacing.y = 2.0;
            ui.label(
                egui::RichText::new(label)
                    .font(theme::small())
                    .color(theme::TEXT_DIM),
            );
            let (rect, response) =
                ui.allocate_exact_size(Vec2::splat(KNOB), Sense::click_and_drag());
            let fine = ui.input(|i| i.modifiers.shift);
            let dy = response.drag_delta().y;
            ctl.drag(p, &response, |v| {
                v - dy / DRAG_RANGE * if fine { FINE } else { 1.0 }
            });
            common(ui, ctl, p, &response);
            let v = ctl.value(p);
            paint_knob(ui, rect, v, response.hovered() || response.dragged());
            let id = response.id.with("text");
            value_text(ui, ctl, p, id, KNOB_CELL - 8.0);
            let name = ctl.name(p);
            let text = ctl.text(p);
            response.on_hover_text(format!(
                "{name}: {text}\nDrag (Shift: fine), wheel, double-click to reset"
            ))
        },
    )
    .inner
}

fn paint_knob(ui: &Ui, rect: egui::Rect, v: f32, hot: bool) {
    let painter = ui.painter_at(rect.expand(2.0));
    let c = rect.center();
    let r = rect.width() * 0.5 - 3.0;
    let start = std::f32::consts::PI * 0.75;
    let sweep = std::f32::consts::PI * 1.5;
    let arc = |from: f32, to: f32| -> Vec<Pos2> {
        let n = 32;
        (0..=n)
            .map(|i| {
                let a = from + (to - from) * i as f32 / n as f32;
                c + Vec2::new(a.cos(), a.sin()) * r
            })
            .collect()
    };
    painter.circle_filled(c, r - 4.0, theme::RAISED);
    painter.add(egui::Shape::line(
        arc(start, start + sweep),
        Stroke::new(3.0, theme::LINE),
    ));
    painter.add(egui::Shape::line(
        arc(start, start + sweep * v),
        Stroke::new(3.0, if hot { theme::WARN } else { theme::ACCENT }),
    ));
    let a = start + sweep * v;
    painter.line_segment(
        [
            c + Vec2::new(a.cos(), a.sin()) * (r * 0.25),
            c + Vec2::new(a.cos(), a.sin()) * (r - 5.0),
        ],
        Stroke::new(2.0, theme::TEXT),
    );
}

/// An on/off button for a boolean parameter.
pub fn toggle(ui: &mut Ui, ctl: &mut Ctl, param: &impl Param, label: &str) -> Response {
    let p = param.as_ptr();
    let on = ctl.value(p) >= 0.5;
    let text = egui::RichText::new(label).color(if on { Color32::BLACK } else { theme::TEXT });
    let button = egui::Button::new(text)
        .fill(if on { theme::ACCENT } else { theme::RAISED })
        .min_size(Vec2::new(0.0, 5.0 * theme::GRID));
    let response = ui.add(button);
    if response.clicked() {
        ctl.set(p, if on { 0.0 } else { 1.0 });
    }
    let name = ctl.name(p);
    let value = ctl.text(p);
    response.on_hover_text(format!("{name}: {value}"))
}

/// A drop-down for an enum or stepped parameter, listing every value by its text.
pub fn choice(ui: &mut Ui, ctl: &mut Ctl, param: &impl Param, label: &str) -> Response {
    let p = param.as_ptr();
    // SAFETY: as in `set_gesture`.
    let steps = unsafe { p.step_count() }.unwrap_or(1);
    let current = ctl.value(p);
    let mut picked = None;
    let response = ui
        .horizontal(|ui| {
            if !label.is_empty() {
                ui.label(
                    egui::RichText::new(label)
                        .font(theme::small())
                        .color(theme::TEXT_DIM),
                );
            }
            egui::ComboBox::from_id_salt(("choice", label, ctl.name(p)))
                .selected_text(ctl.text(p))
                .show_ui(ui, |ui| {
                    for i in 0..=steps {
                        let n = i as f32 / steps.max(1) as f32;
                        // SAFETY: as in `set_gesture`.
                        let text = unsafe { p.normalized_value_to_string(n, true) };
                        if ui
                            .selectable_label((n - current).abs() < 1e-4, text)
                            .clicked()
                        {
                            picked = Some(n);
                        }
                    }
                })
                .response
        })
        .inner;
    if let Some(n) = picked {
        ctl.set(p, n);
    }
    let name = ctl.name(p);
    let value = ctl.text(p);
    response.on_hover_text(format!("{name}: {value}"))
}

/// A horizontal row of knobs wrapping at the available width.
pub fn knob_row(ui: &mut Ui, add: impl FnOnce(&mut Ui)) {
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = theme::GRID;
        add(ui);
    });
}
