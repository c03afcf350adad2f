//! Drawing a form: labels in one column, inputs beside them, the error or
//! hint under the focused field, scrolling so the focus stays in view.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Widget};

use super::Form;
use super::spec::{FieldKind, FieldSpec, yes_no_label};
use super::state::FieldState;
use crate::safe_text::{Align, fit, sanitize};

/// Most option rows shown at once when a choice field is open.
const MAX_OPTION_ROWS: usize = 6;
const LABEL_MAX: usize = 22;

/// Most rows an error message may take; longer ones end in "…".
const MAX_ERROR_LINES: usize = 3;

/// An error message as "! " plus word-wrapped lines, so the plain-words
/// explanation is readable at 80 columns rather than cut off.
fn error_lines(msg: &str, width: u16) -> Vec<String> {
    let width = usize::from(width).max(8);
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::from("! ");
    for word in sanitize(msg).split(' ') {
        let need = crate::safe_text::width(word);
        let have = crate::safe_text::width(&cur);
        if have > 2 && have + 1 + need > width {
            lines.push(std::mem::replace(&mut cur, String::from("  ")));
        }
        if cur.len() > 2 {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    lines.push(cur);
    if lines.len() > MAX_ERROR_LINES {
        lines.truncate(MAX_ERROR_LINES);
        if let Some(last) = lines.last_mut() {
            last.push_str(" …");
        }
    }
    lines
}

/// Rows a field takes on screen, given the width of the input column.
fn field_height(spec: &FieldSpec, state: &FieldState, focused: bool, width: u16) -> usize {
    let body = match &spec.kind {
        FieldKind::MultiLine { rows } => usize::from(*rows),
        FieldKind::Choice { options } | FieldKind::MultiChoice { options } if focused => {
            options.len().clamp(1, MAX_OPTION_ROWS)
        }
        _ => 1,
    };
    let error = state
        .error
        .as_deref()
        .map_or(0, |e| error_lines(e, width).len());
    let hint = usize::from(focused && spec.hint.is_some() && state.error.is_none());
    body + error + hint
}

impl Widget for &Form {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = &self.theme;
        self.cursor.set(None);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .style(t.base)
            .title(Span::styled(
                format!(" {} ", sanitize(&self.title)),
                t.title,
            ));
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height < 2 || inner.width < 10 {
            return;
        }
        // Bottom row: the key hints.
        let footer_y = inner.bottom() - 1;
        buf.set_stringn(
            inner.x + 1,
            footer_y,
            fit(&self.footer, usize::from(inner.width - 1), Align::Left),
            usize::from(inner.width - 1),
            t.hint,
        );
        let view = Rect {
            height: inner.height - 1,
            ..inner
        };

        let label_w = self
            .specs
            .iter()
            .map(|s| crate::safe_text::width(&s.label) + if s.required { 2 } else { 0 })
            .max()
            .unwrap_or(0)
            .min(LABEL_MAX);
        // "▸ " + label + ": "
        let input_x = view.x + 2 + label_w as u16 + 2;
        let input_w = view.right().saturating_sub(input_x + 1);
        self.note_width.set(input_w.max(1));

        // Where each field starts, in rows from the top of the form.
        let heights: Vec<usize> = self
            .specs
            .iter()
            .zip(&self.fields)
            .enumerate()
            .map(|(i, (s, f))| field_height(s, f, i == self.focus, input_w))
            .collect();
        let tops: Vec<usize> = heights
            .iter()
            .scan(0, |acc, h| {
                let top = *acc;
                *acc += h;
                Some(top)
            })
            .collect();
        let total: usize = heights.iter().sum();
        let rows = usize::from(view.height);
        let mut scroll = self.scroll.get().min(total.saturating_sub(rows));
        let (ft, fh) = (tops[self.focus], heights[self.focus]);
        if ft < scroll {
            scroll = ft;
        } else if ft + fh > scroll + rows {
            scroll = (ft + fh).saturating_sub(rows).min(ft);
        }
        self.scroll.set(scroll);

        let row_y = |r: usize| -> Option<u16> {
            (r >= scroll && r < scroll + rows).then(|| view.y + (r - scroll) as u16)
        };

        for (i, (spec, f)) in self.specs.iter().zip(&self.fields).enumerate() {
            let focused = i == self.focus && self.discard.is_none();
            let top = tops[i];
            if top >= scroll + rows || top + heights[i] <= scroll {
                continue;
            }
            if let Some(y) = row_y(top) {
                let marker = if i == self.focus { "▸" } else { " " };
                buf.set_string(view.x, y, marker, t.label_focus);
                let label = if spec.required {
                    format!("{} *", spec.label)
                } else {
                    spec.label.clone()
                };
                let style = if i == self.focus {
                    t.label_focus
                } else {
                    t.label
                };
                buf.set_string(view.x + 2, y, fit(&label, label_w, Align::Left), style);
                buf.set_string(view.x + 2 + label_w as u16, y, ":", style);
            }
            let err_lines = f
                .error
                .as_deref()
                .map(|e| error_lines(e, input_w))
                .unwrap_or_default();
            let body_rows = heights[i]
                - err_lines.len()
                - usize::from(focused && spec.hint.is_some() && f.error.is_none());
            self.render_body(i, focused, top, body_rows, input_x, input_w, &row_y, buf);
            let extra = top + body_rows;
            if !err_lines.is_empty() {
                for (k, l) in err_lines.iter().enumerate() {
                    if let Some(y) = row_y(extra + k) {
                        buf.set_string(
                            input_x,
                            y,
                            fit(l, usize::from(input_w), Align::Left),
                            t.error,
                        );
                    }
                }
            } else if focused && let (Some(hint), Some(y)) = (&spec.hint, row_y(extra)) {
                buf.set_string(
                    input_x,
                    y,
                    fit(hint, usize::from(input_w), Align::Left),
                    t.hint,
                );
            }
        }
        // Tell the reader there is more above or below.
        if scroll > 0 {
            buf.set_string(view.right() - 1, view.y, "↑", t.hint);
        }
        if total > scroll + rows {
            buf.set_string(view.right() - 1, view.bottom() - 1, "↓", t.hint);
        }
        if let Some(dialog) = &self.discard {
            dialog.render(area, buf);
        }
    }
}

impl Form {
    #[allow(clippy::too_many_arguments)]
    fn render_body(
        &self,
        i: usize,
        focused: bool,
        top: usize,
        body_rows: usize,
        x: u16,
        w: u16,
        row_y: &dyn Fn(usize) -> Option<u16>,
        buf: &mut Buffer,
    ) {
        let t = &self.theme;
        let spec = &self.specs[i];
        let f = &self.fields[i];
        let style = if focused { t.input_focus } else { t.input };
        let cursor_style = focused.then_some(t.cursor);
        let line = |r: usize| row_y(top + r).map(|y| Rect::new(x, y, w, 1));
        match &spec.kind {
            FieldKind::Text { .. } | FieldKind::Date { .. } | FieldKind::Number { .. } => {
                let Some(rect) = line(0) else { return };
                if f.input.text().is_empty() && !focused {
                    let ph = match spec.kind {
                        FieldKind::Date { .. } => crate::ui::dates::placeholder(),
                        _ => "",
                    };
                    buf.set_style(rect, style);
                    buf.set_stringn(x, rect.y, ph, usize::from(w), t.placeholder);
                } else {
                    let pos = f.input.render_line(rect, buf, style, cursor_style);
                    if focused {
                        self.cursor.set(pos);
                    }
                }
            }
            FieldKind::MultiLine { .. } => {
                // Only the visible rows of the note box.
                let visible: Vec<u16> = (0..body_rows).filter_map(|r| row_y(top + r)).collect();
                if let (Some(&y0), Some(&y1)) = (visible.first(), visible.last()) {
                    let rect = Rect::new(x, y0, w, y1 - y0 + 1);
                    let pos = f.input.render_wrapped(rect, buf, style, cursor_style);
                    if focused {
                        self.cursor.set(pos);
                    }
                }
            }
            FieldKind::YesNo => {
                let Some(rect) = line(0) else { return };
                let mut cx = x;
                for (j, v) in [true, false].into_iter().enumerate() {
                    let mark = if f.choice == Some(j) { "(•)" } else { "( )" };
                    let s = format!("{mark} {}", yes_no_label(v));
                    let st = if focused && f.choice == Some(j) {
                        t.selected
                    } else {
                        style
                    };
                    buf.set_stringn(cx, rect.y, &s, usize::from(rect.right() - cx), st);
                    cx = (cx + s.chars().count() as u16 + 3).min(rect.right());
                }
            }
            FieldKind::Choice { options } | FieldKind::MultiChoice { options } => {
                let multi = matches!(spec.kind, FieldKind::MultiChoice { .. });
                if !focused {
                    let Some(rect) = line(0) else { return };
                    let summary = if multi {
                        let ticked: Vec<&str> = options
                            .iter()
                            .zip(&f.ticks)
                            .filter(|(_, t)| **t)
                            .map(|(o, _)| o.as_str())
                            .collect();
                        ticked.join(", ")
                    } else {
                        f.choice
                            .and_then(|c| options.get(c))
                            .cloned()
                            .unwrap_or_default()
                    };
                    buf.set_style(rect, style);
                    if summary.is_empty() {
                        let ph = if multi {
                            "— none ticked —"
                        } else {
                            "— not chosen —"
                        };
                        buf.set_stringn(x, rect.y, ph, usize::from(w), t.placeholder);
                    } else {
                        buf.set_string(
                            x,
                            rect.y,
                            fit(&summary, usize::from(w), Align::Left),
                            style,
                        );
                    }
                    return;
                }
                let shown = body_rows.max(1);
                let first = (f.hover + 1).saturating_sub(shown);
                for (r, j) in (first..options.len()).take(shown).enumerate() {
                    let Some(rect) = line(r) else { continue };
                    let on = if multi {
                        f.ticks.get(j).copied().unwrap_or(false)
                    } else {
                        f.choice == Some(j)
                    };
                    let mark = match (multi, on) {
                        (true, true) => "[x]",
                        (true, false) => "[ ]",
                        (false, true) => "(•)",
                        (false, false) => "( )",
                    };
                    let text = fit(
                        &format!("{mark} {}", options[j]),
                        usize::from(w),
                        Align::Left,
                    );
                    let st = if j == f.hover { t.selected } else { style };
                    buf.set_string(x, rect.y, text, st);
                }
                if first > 0 {
                    buf.set_string(x + w, line(0).map_or(0, |r| r.y), "↑", t.hint);
                }
                if first + shown < options.len()
                    && let Some(r) = line(shown - 1)
                {
                    buf.set_string(x + w, r.y, "↓", t.hint);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{act, intake_form, typ};
    use super::super::{FieldKey, FieldSpec};
    use super::*;
    use crate::ui::action::Action;
    use crate::ui::testing::render_80x24;

    #[test]
    fn snapshot_form_with_validation_error() {
        let mut form = intake_form();
        typ(&mut form, "Ali");
        act(&mut form, Action::NextField);
        typ(&mut form, "Karim \x1b[31m");
        act(&mut form, Action::NextField);
        typ(&mut form, "32/13/2026");
        act(&mut form, Action::NextField);
        typ(&mut form, "40");
        act(&mut form, Action::Save);
        insta::assert_snapshot!(render_80x24(&form));
    }

    #[test]
    fn snapshot_discard_question() {
        let mut form = intake_form();
        typ(&mut form, "Ali");
        act(&mut form, Action::Back);
        insta::assert_snapshot!(render_80x24(&form));
    }

    #[test]
    fn snapshot_form_scrolls_at_80x24() {
        // Keys are declared, never built at run time, so twenty of them
        // are spelt out.
        const KEYS: [FieldKey; 20] = [
            FieldKey::new("f1"),
            FieldKey::new("f2"),
            FieldKey::new("f3"),
            FieldKey::new("f4"),
            FieldKey::new("f5"),
            FieldKey::new("f6"),
            FieldKey::new("f7"),
            FieldKey::new("f8"),
            FieldKey::new("f9"),
            FieldKey::new("f10"),
            FieldKey::new("f11"),
            FieldKey::new("f12"),
            FieldKey::new("f13"),
            FieldKey::new("f14"),
            FieldKey::new("f15"),
            FieldKey::new("f16"),
            FieldKey::new("f17"),
            FieldKey::new("f18"),
            FieldKey::new("f19"),
            FieldKey::new("f20"),
        ];
        let mut specs = Vec::new();
        for (i, key) in (1..=20).zip(KEYS) {
            specs.push(FieldSpec::text(key, &format!("Field {i}")));
        }
        specs.push(FieldSpec::choice(
            FieldKey::new("source"),
            "Referral source",
            [
                "Outreach spot",
                "Police station",
                "Medico-legal unit",
                "Community group",
                "Parents' committee",
                "Self",
                "Other organisation",
            ],
        ));
        let mut form = Form::new("Long form", specs);
        for _ in 0..20 {
            act(&mut form, Action::NextField);
        }
        typ(&mut form, "p");
        insta::assert_snapshot!(render_80x24(&form));
    }
}
