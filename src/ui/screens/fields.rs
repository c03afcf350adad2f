//! A few labelled one-line fields for the shell's own small forms (set-up,
//! login, lock, new account). Unlike [`Form`](crate::ui::widgets::form::Form)
//! these can hide what is typed (passwords show as `•`) and hand it back as
//! a `SecretString`.

use age::secrecy::SecretString;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use crate::safe_text::{Align, fit, sanitize};
use crate::ui::action::Action;
use crate::ui::keymap::Input;
use crate::ui::theme::Theme;
use crate::ui::widgets::text_input::TextInput;

/// What kind of entry a line is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryKind {
    Text,
    /// Shown as one `•` per character.
    Secret,
    /// One of the options; Left/Right/Space change it.
    Cycle(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub label: String,
    pub kind: EntryKind,
    input: TextInput,
    choice: usize,
    pub error: Option<String>,
}

impl Entry {
    pub fn text(label: &str) -> Entry {
        Entry::new(label, EntryKind::Text)
    }
    pub fn secret(label: &str) -> Entry {
        Entry::new(label, EntryKind::Secret)
    }
    pub fn cycle(label: &str, options: &[&str]) -> Entry {
        Entry::new(
            label,
            EntryKind::Cycle(options.iter().map(|s| s.to_string()).collect()),
        )
    }
    fn new(label: &str, kind: EntryKind) -> Entry {
        Entry {
            label: label.into(),
            kind,
            input: TextInput::default(),
            choice: 0,
            error: None,
        }
    }
    pub fn with_text(mut self, text: &str) -> Entry {
        self.input.set_text(text);
        self
    }
    /// A cycle entry showing its option `i` (the first when out of range).
    pub fn with_choice(mut self, i: usize) -> Entry {
        if let EntryKind::Cycle(options) = &self.kind {
            self.choice = if i < options.len() { i } else { 0 };
        }
        self
    }
}

/// What happened after a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryEvent {
    None,
    /// Enter on the last field, or Ctrl-S.
    Submit,
    /// Esc.
    Back,
}

/// A column of entries with one focused.
#[derive(Debug, Clone)]
pub struct Entries {
    pub entries: Vec<Entry>,
    pub focus: usize,
    cursor: std::cell::Cell<Option<Position>>,
}

impl Entries {
    pub fn new(entries: Vec<Entry>) -> Entries {
        Entries {
            entries,
            focus: 0,
            cursor: std::cell::Cell::new(None),
        }
    }

    pub fn text(&self, i: usize) -> &str {
        self.entries.get(i).map_or("", |e| e.input.text())
    }

    pub fn secret(&self, i: usize) -> SecretString {
        SecretString::from(self.text(i).to_string())
    }

    pub fn choice(&self, i: usize) -> usize {
        self.entries.get(i).map_or(0, |e| e.choice)
    }

    /// Empty a field (a wrong password), keeping the others.
    pub fn clear(&mut self, i: usize) {
        if let Some(e) = self.entries.get_mut(i) {
            e.input.clear();
        }
    }

    pub fn clear_errors(&mut self) {
        for e in &mut self.entries {
            e.error = None;
        }
    }

    pub fn set_error(&mut self, i: usize, msg: impl Into<String>) {
        if let Some(e) = self.entries.get_mut(i) {
            e.error = Some(msg.into());
            self.focus = i;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.iter().all(|e| e.input.text().is_empty())
    }

    /// Where the terminal cursor goes after the last draw.
    pub fn cursor(&self) -> Option<Position> {
        self.cursor.get()
    }

    pub fn handle(&mut self, input: Input) -> EntryEvent {
        let last = self.entries.len().saturating_sub(1);
        let Some(entry) = self.entries.get_mut(self.focus) else {
            return EntryEvent::None;
        };
        let cycling = matches!(entry.kind, EntryKind::Cycle(_));
        let n_options = match &entry.kind {
            EntryKind::Cycle(o) => o.len().max(1),
            _ => 1,
        };
        match input {
            Input::Text(' ') if cycling => entry.choice = (entry.choice + 1) % n_options,
            Input::Text(_) if cycling => {}
            Input::Text(c) => {
                entry.input.insert(c);
                entry.error = None;
            }
            Input::Action(Action::Right) if cycling => {
                entry.choice = (entry.choice + 1) % n_options;
            }
            Input::Action(Action::Left) if cycling => {
                entry.choice = (entry.choice + n_options - 1) % n_options;
            }
            Input::Action(Action::DeleteBack) => {
                entry.input.delete_back();
            }
            Input::Action(Action::DeleteForward) => {
                entry.input.delete_forward();
            }
            Input::Action(Action::Left) => entry.input.left(),
            Input::Action(Action::Right) => entry.input.right(),
            Input::Action(Action::Home) => entry.input.home(),
            Input::Action(Action::End) => entry.input.end(),
            Input::Action(Action::NextField | Action::Down) => {
                self.focus = (self.focus + 1).min(last);
            }
            Input::Action(Action::PrevField | Action::Up) => {
                self.focus = self.focus.saturating_sub(1);
            }
            Input::Action(Action::Confirm) if self.focus < last => self.focus += 1,
            Input::Action(Action::Confirm) => return EntryEvent::Submit,
            Input::Action(Action::Save) => return EntryEvent::Submit,
            Input::Action(Action::Back) => return EntryEvent::Back,
            _ => {}
        }
        EntryEvent::None
    }

    /// Height needed: one line per entry, plus one per error.
    pub fn height(&self) -> u16 {
        self.entries
            .iter()
            .map(|e| 1 + u16::from(e.error.is_some()))
            .sum()
    }

    /// Draws `label  value` lines; the label column is `label_w` wide.
    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme, focused: bool) {
        let label_w = self
            .entries
            .iter()
            .map(|e| crate::safe_text::width(&e.label))
            .max()
            .unwrap_or(0)
            .min(usize::from(area.width / 2)) as u16;
        let mut y = area.y;
        self.cursor.set(None);
        for (i, e) in self.entries.iter().enumerate() {
            if y >= area.bottom() {
                break;
            }
            let has_focus = focused && i == self.focus;
            let (lstyle, istyle) = if has_focus {
                (theme.label_focus, theme.input_focus)
            } else {
                (theme.label, theme.input)
            };
            buf.set_string(
                area.x,
                y,
                fit(&e.label, usize::from(label_w), Align::Left),
                lstyle,
            );
            let vx = area.x + label_w + 2;
            let vw = area.right().saturating_sub(vx);
            let value_area = Rect::new(vx, y, vw, 1);
            match &e.kind {
                EntryKind::Cycle(options) => {
                    let shown = options.get(e.choice).map_or("", String::as_str);
                    let text = format!("◂ {} ▸", sanitize(shown));
                    buf.set_style(value_area, istyle);
                    buf.set_stringn(vx, y, text, usize::from(vw), istyle);
                }
                EntryKind::Secret => {
                    let dots: String = "•".repeat(e.input.text().chars().count());
                    let mut masked = TextInput::new(dots);
                    // Keep the cursor where it is in the real text.
                    let back = e.input.text()[e.input.cursor()..].chars().count();
                    for _ in 0..back {
                        masked.left();
                    }
                    let pos = masked.render_line(
                        value_area,
                        buf,
                        istyle,
                        has_focus.then_some(theme.cursor),
                    );
                    if has_focus {
                        self.cursor.set(pos);
                    }
                }
                EntryKind::Text => {
                    let pos = e.input.render_line(
                        value_area,
                        buf,
                        istyle,
                        has_focus.then_some(theme.cursor),
                    );
                    if has_focus {
                        self.cursor.set(pos);
                    }
                }
            }
            y += 1;
            if let Some(err) = &e.error
                && y < area.bottom()
            {
                buf.set_stringn(
                    vx,
                    y,
                    fit(err, usize::from(vw), Align::Left),
                    usize::from(vw),
                    theme.error,
                );
                y += 1;
            }
        }
    }
}

/// Draw `entries` in a centred double-bordered box `width` columns wide,
/// titled, with the keys in its bottom border: the look of every small
/// form over a list (new account, new class, enrol, a date).
pub fn render_boxed(
    entries: &Entries,
    title: &str,
    keys: &str,
    width: u16,
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
) {
    use ratatui::text::Span;
    use ratatui::widgets::{Block, BorderType, Borders, Clear, Widget};
    let rect = crate::ui::layout::centered(area, width, entries.height() + 4);
    Clear.render(rect, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.border_focus)
        .style(theme.dialog)
        .title(Span::styled(format!(" {title} "), theme.title))
        .title_bottom(Span::styled(format!(" {keys} "), theme.hint));
    let inner = block.inner(rect);
    block.render(rect, buf);
    entries.render(
        Rect {
            x: inner.x + 1,
            y: inner.y + 1,
            width: inner.width.saturating_sub(2),
            height: inner.height.saturating_sub(1),
        },
        buf,
        theme,
        true,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_and_cycles_cycle() {
        let mut f = Entries::new(vec![
            Entry::text("Name"),
            Entry::cycle("Role", &["staff", "manager"]),
            Entry::secret("Password"),
        ]);
        f.handle(Input::Text('a'));
        f.handle(Input::Action(Action::NextField));
        f.handle(Input::Action(Action::Right));
        assert_eq!(f.choice(1), 1);
        f.handle(Input::Action(Action::NextField));
        for c in "pw1".chars() {
            f.handle(Input::Text(c));
        }
        let area = Rect::new(0, 0, 30, 3);
        let mut buf = Buffer::empty(area);
        f.render(area, &mut buf, &Theme::default(), true);
        let text: String = buf.content().iter().map(|c| c.symbol()).collect();
        assert!(text.contains("•••"), "{text}");
        assert!(!text.contains("pw1"), "{text}");
        assert_eq!(f.text(2), "pw1");
        assert_eq!(f.handle(Input::Action(Action::Confirm)), EntryEvent::Submit);
    }
}
