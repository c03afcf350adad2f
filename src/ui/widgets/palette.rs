//! The command palette (`:` or Ctrl-P): type a few letters of where you
//! want to go, Enter to go. Matching is nucleo's fuzzy matcher, so
//! "regch" finds "Register: children" the way people expect from editors.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Widget};

use super::text_input::TextInput;
use crate::safe_text::{Align, fit, sanitize};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::theme::Theme;

/// What the palette tells its owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaletteEvent<T> {
    None,
    /// The user picked this entry's target.
    Chosen(T),
    /// Esc: close the palette.
    Closed,
}

/// A palette over `(label, target)` entries, e.g. screens a role may use,
/// or "Open child: <name>" entries the screen adds.
pub struct Palette<T> {
    entries: Vec<(String, T)>,
    input: TextInput,
    /// (entry index, matched char positions), best match first.
    matches: Vec<(usize, Vec<u32>)>,
    selected: usize,
    matcher: Matcher,
    title: String,
    theme: Theme,
}

impl<T: Clone> Palette<T> {
    pub fn new(entries: Vec<(String, T)>) -> Palette<T> {
        let mut p = Palette {
            entries,
            input: TextInput::default(),
            matches: Vec::new(),
            selected: 0,
            matcher: Matcher::new(Config::DEFAULT),
            title: "Go to".into(),
            theme: Theme::default(),
        };
        p.refilter();
        p
    }

    pub fn with_theme(mut self, theme: &Theme) -> Palette<T> {
        self.theme = theme.clone();
        self
    }

    pub fn with_title(mut self, title: &str) -> Palette<T> {
        self.title = title.into();
        self
    }

    /// The palette is a typing box.
    pub fn context_stack(&self) -> &'static [Context] {
        stacks::TEXT
    }

    pub fn query(&self) -> &str {
        self.input.text()
    }

    /// Labels in the order shown now (tests, screen readers).
    pub fn shown(&self) -> Vec<&str> {
        self.matches
            .iter()
            .map(|(i, _)| self.entries[*i].0.as_str())
            .collect()
    }

    pub fn handle(&mut self, input: Input) -> PaletteEvent<T> {
        match input {
            Input::Text(c) => {
                self.input.insert(c);
                self.refilter();
            }
            Input::Action(Action::DeleteBack) => {
                self.input.delete_back();
                self.refilter();
            }
            Input::Action(Action::DeleteForward) => {
                self.input.delete_forward();
                self.refilter();
            }
            Input::Action(Action::Left) => self.input.left(),
            Input::Action(Action::Right) => self.input.right(),
            Input::Action(Action::Home) => self.input.home(),
            Input::Action(Action::End) => self.input.end(),
            Input::Action(Action::Up | Action::PrevField) => {
                self.selected = self.selected.saturating_sub(1);
            }
            Input::Action(Action::Down | Action::NextField)
                if self.selected + 1 < self.matches.len() =>
            {
                self.selected += 1;
            }
            Input::Action(Action::Confirm) => {
                if let Some((i, _)) = self.matches.get(self.selected) {
                    return PaletteEvent::Chosen(self.entries[*i].1.clone());
                }
            }
            Input::Action(Action::Back | Action::Palette) => return PaletteEvent::Closed,
            _ => {}
        }
        PaletteEvent::None
    }

    fn refilter(&mut self) {
        self.selected = 0;
        let query = self.input.text();
        if query.trim().is_empty() {
            self.matches = (0..self.entries.len()).map(|i| (i, Vec::new())).collect();
            return;
        }
        let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
        let mut buf = Vec::new();
        let mut scored: Vec<(u32, usize, Vec<u32>)> = Vec::new();
        for (i, (label, _)) in self.entries.iter().enumerate() {
            let mut indices = Vec::new();
            let hay = Utf32Str::new(label, &mut buf);
            if let Some(score) = pattern.indices(hay, &mut self.matcher, &mut indices) {
                indices.sort_unstable();
                indices.dedup();
                scored.push((score, i, indices));
            }
        }
        // Best first; equal scores keep the order the screen gave.
        scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        self.matches = scored.into_iter().map(|(_, i, idx)| (i, idx)).collect();
    }
}

impl<T> Widget for &Palette<T> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = &self.theme;
        let width = area.width.saturating_sub(4).min(60);
        let list_rows = self.matches.len().clamp(1, 12) as u16;
        let height = (list_rows + 4).min(area.height);
        let x = area.x + (area.width - width) / 2;
        let y = area.y + area.height.saturating_sub(height).min(2);
        let rect = Rect::new(x, y, width, height);
        Clear.render(rect, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_type(BorderType::Double)
            .border_style(t.border_focus)
            .style(t.dialog)
            .title(Span::styled(
                format!(" {} ", sanitize(&self.title)),
                t.title,
            ));
        let inner = block.inner(rect);
        block.render(rect, buf);
        if inner.height < 2 || inner.width < 4 {
            return;
        }
        buf.set_string(inner.x, inner.y, "> ", t.key);
        let input = Rect::new(inner.x + 2, inner.y, inner.width - 2, 1);
        self.input
            .render_line(input, buf, t.input_focus, Some(t.cursor));
        let sep = "─".repeat(usize::from(inner.width));
        buf.set_string(inner.x, inner.y + 1, sep, t.border);

        let rows = usize::from(inner.height.saturating_sub(2));
        if self.matches.is_empty() {
            if rows > 0 {
                buf.set_string(inner.x + 1, inner.y + 2, "No match.", t.hint);
            }
            return;
        }
        let first = (self.selected + 1).saturating_sub(rows);
        for (r, (i, hits)) in self.matches.iter().enumerate().skip(first).take(rows) {
            let yy = inner.y + 2 + (r - first) as u16;
            let base = if r == self.selected {
                t.selected
            } else {
                t.dialog
            };
            let hit = base.patch(t.matched);
            buf.set_style(Rect::new(inner.x, yy, inner.width, 1), base);
            // A marker as well as colour: the selection must show on any console.
            if r == self.selected {
                buf.set_string(inner.x, yy, "▸", base);
            }
            // Highlight matched characters; positions are char indices.
            let label = &self.entries[*i].0;
            let spans: Vec<Span> = label
                .chars()
                .enumerate()
                .map(|(k, c)| {
                    let s = sanitize(c.encode_utf8(&mut [0; 4])).into_owned();
                    let style = if hits.binary_search(&(k as u32)).is_ok() {
                        hit
                    } else {
                        base
                    };
                    Span::styled(s, style)
                })
                .collect();
            let line = Line::from(spans);
            let w = inner.width.saturating_sub(2);
            if crate::safe_text::width(label) > usize::from(w) {
                buf.set_string(
                    inner.x + 1,
                    yy,
                    fit(label, usize::from(w), Align::Left),
                    base,
                );
            } else {
                buf.set_line(inner.x + 1, yy, &line, w);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::testing::render_80x24;

    fn screens() -> Palette<u8> {
        Palette::new(
            [
                "Home",
                "Register: children",
                "Intake: new child",
                "Classes and attendance",
                "Placements and follow-ups",
                "Counselling notes",
                "Activities",
                "Reports",
                "Backup",
                "Accounts",
            ]
            .into_iter()
            .enumerate()
            .map(|(i, l)| (l.to_string(), i as u8))
            .collect(),
        )
    }

    #[test]
    fn fuzzy_query_picks_the_target() {
        let mut p = screens();
        assert_eq!(p.shown().len(), 10);
        for c in "regch".chars() {
            p.handle(Input::Text(c));
        }
        assert_eq!(p.shown().first(), Some(&"Register: children"));
        assert_eq!(
            p.handle(Input::Action(Action::Confirm)),
            PaletteEvent::Chosen(1)
        );
        assert_eq!(p.handle(Input::Action(Action::Back)), PaletteEvent::Closed);
    }

    #[test]
    fn no_match_chooses_nothing() {
        let mut p = screens();
        for c in "zzzq".chars() {
            p.handle(Input::Text(c));
        }
        assert!(p.shown().is_empty());
        assert_eq!(p.handle(Input::Action(Action::Confirm)), PaletteEvent::None);
    }

    #[test]
    fn snapshot_palette_with_query() {
        let mut p = screens();
        for c in "co".chars() {
            p.handle(Input::Text(c));
        }
        p.handle(Input::Action(Action::Down));
        insta::assert_snapshot!(render_80x24(&p));
    }
}
