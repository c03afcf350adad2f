//! The `?` overlay. It is built from the live keymap, so a key the office
//! rebound in its `keymap.toml` shows up here as it really is.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Borders, Clear, Widget};

use crate::safe_text::{Align, fit, sanitize_lines};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Keymap};
use crate::ui::theme::Theme;

const KEY_COL: usize = 18;

#[derive(Debug, Clone)]
pub struct HelpOverlay {
    title: String,
    intro: Vec<String>,
    /// (heading, [(keys, description)])
    sections: Vec<(String, Vec<(String, String)>)>,
    scroll: usize,
    theme: Theme,
}

impl HelpOverlay {
    /// Help for a screen whose keys come from `contexts` (its keymap
    /// stack, most specific first). Keys for one action share a line.
    pub fn from_keymap(keymap: &Keymap, title: &str, contexts: &[Context]) -> HelpOverlay {
        let mut sections = Vec::new();
        for &ctx in contexts {
            let mut lines: Vec<(Action, Vec<String>, String)> = Vec::new();
            for (key, action, desc) in keymap.bindings_for(ctx) {
                match lines.iter_mut().find(|(a, _, _)| *a == action) {
                    Some((_, keys, _)) => keys.push(key),
                    None => lines.push((action, vec![key], desc)),
                }
            }
            let mut rows: Vec<(String, String)> = Vec::new();
            // Nine "go to screen n" lines say less than one "1–9" line.
            let screens: Vec<&String> = lines
                .iter()
                .filter(|(a, _, _)| matches!(a, Action::Screen(_)))
                .flat_map(|(_, k, _)| k)
                .collect();
            if screens.len() > 1 {
                let first = screens.first().map_or("", |s| s.as_str());
                let last = screens.last().map_or("", |s| s.as_str());
                rows.extend(
                    lines
                        .iter()
                        .filter(|(a, _, _)| !matches!(a, Action::Screen(_)))
                        .map(|(_, k, d)| (k.join(", "), d.clone())),
                );
                rows.push((
                    format!("{first}–{last}"),
                    "Go to a screen by its number".into(),
                ));
            } else {
                rows.extend(lines.into_iter().map(|(_, k, d)| (k.join(", "), d)));
            }
            if !rows.is_empty() {
                sections.push((ctx.title().to_string(), rows));
            }
        }
        HelpOverlay {
            title: format!("Help: {title}"),
            intro: Vec::new(),
            sections,
            scroll: 0,
            theme: Theme::default(),
        }
    }

    /// A few sentences about the screen, shown above the keys (e.g. from
    /// `assets/help/<screen>.md`).
    pub fn with_intro(mut self, text: &str) -> HelpOverlay {
        self.intro = sanitize_lines(text)
            .into_iter()
            .map(|l| l.into_owned())
            .collect();
        self
    }

    pub fn with_theme(mut self, theme: &Theme) -> HelpOverlay {
        self.theme = theme.clone();
        self
    }

    /// Use the [`stacks::HELP`](crate::ui::keymap::stacks::HELP) keys.
    /// Returns true when the overlay should close.
    pub fn handle(&mut self, action: Action) -> bool {
        match action {
            Action::Back | Action::Help | Action::Confirm => return true,
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::Down => self.scroll += 1,
            Action::PageUp => self.scroll = self.scroll.saturating_sub(10),
            Action::PageDown => self.scroll += 10,
            Action::Home => self.scroll = 0,
            Action::End => self.scroll = usize::MAX / 2,
            _ => {}
        }
        false
    }

    /// Every line of the overlay: (text, kind) where kind picks the style.
    fn lines(&self, width: usize) -> Vec<(String, LineKind)> {
        let mut out = Vec::new();
        for l in &self.intro {
            out.push((l.clone(), LineKind::Text));
        }
        if !self.intro.is_empty() {
            out.push((String::new(), LineKind::Text));
        }
        for (heading, rows) in &self.sections {
            out.push((heading.clone(), LineKind::Heading));
            for (keys, desc) in rows {
                let keys = fit(keys, KEY_COL, Align::Left);
                let desc = fit(desc, width.saturating_sub(KEY_COL + 1), Align::Left);
                out.push((format!("{keys} {desc}"), LineKind::Binding));
            }
            out.push((String::new(), LineKind::Text));
        }
        out.pop();
        out
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    Heading,
    Binding,
    Text,
}

impl Widget for &HelpOverlay {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = &self.theme;
        let rect = Rect {
            x: area.x + area.width.min(4) / 2,
            y: area.y + area.height.min(2) / 2,
            width: area.width.saturating_sub(4),
            height: area.height.saturating_sub(2),
        };
        Clear.render(rect, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_type(BorderType::Double)
            .border_style(t.border_focus)
            .style(t.dialog)
            .title(Span::styled(format!(" {} ", self.title), t.title))
            .title_bottom(Span::styled(" Esc close · ↑↓ scroll ", t.hint));
        let inner = block.inner(rect);
        block.render(rect, buf);
        let inner = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            ..inner
        };
        if inner.height == 0 || inner.width == 0 {
            return;
        }
        let lines = self.lines(usize::from(inner.width));
        let rows = usize::from(inner.height);
        let scroll = self.scroll.min(lines.len().saturating_sub(rows));
        for (r, (text, kind)) in lines.iter().skip(scroll).take(rows).enumerate() {
            let y = inner.y + r as u16;
            let w = usize::from(inner.width);
            match kind {
                LineKind::Heading => {
                    buf.set_stringn(inner.x, y, text, w, t.header);
                }
                LineKind::Text => {
                    buf.set_stringn(inner.x, y, fit(text, w, Align::Left), w, t.dialog);
                }
                LineKind::Binding => {
                    // Key column in the key style, words in plain text.
                    let split = text
                        .char_indices()
                        .nth(KEY_COL)
                        .map_or(text.len(), |(i, _)| i);
                    let (k, d) = text.split_at(split);
                    let (x, _) = buf.set_stringn(inner.x, y, k, w, t.key);
                    let left = w.saturating_sub(usize::from(x - inner.x));
                    buf.set_stringn(x, y, d, left, t.dialog);
                }
            }
        }
        if scroll + rows < lines.len() {
            buf.set_string(inner.right(), inner.bottom() - 1, "↓", t.hint);
        }
        if scroll > 0 {
            buf.set_string(inner.right(), inner.y, "↑", t.hint);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::keymap::stacks;
    use crate::ui::testing::render_80x24;

    #[test]
    fn keys_for_one_action_share_a_line() {
        let km = Keymap::embedded();
        let help = HelpOverlay::from_keymap(&km, "Register", stacks::LIST);
        let list = &help.sections[0].1;
        assert!(
            list.iter().any(|(k, d)| k == "down, j" && d == "Move down"),
            "{list:?}"
        );
        let nav = &help.sections[1].1;
        assert!(nav.iter().any(|(k, _)| k == "1–9"), "{nav:?}");
    }

    #[test]
    fn rebound_keys_show_as_rebound() {
        let mut km = Keymap::embedded();
        let problems = km.overlay_str("[list]\n\"x\" = \"search\"\n\"/\" = \"none\"\n", "test");
        assert!(problems.is_empty());
        let help = HelpOverlay::from_keymap(&km, "Register", stacks::LIST);
        assert!(
            help.sections[0]
                .1
                .iter()
                .any(|(k, d)| k == "x" && d == "Search this list")
        );
        assert!(!help.sections[0].1.iter().any(|(k, _)| k == "/"));
    }

    #[test]
    fn snapshot_help_overlay() {
        let km = Keymap::embedded();
        let help = HelpOverlay::from_keymap(&km, "Register", stacks::LIST)
            .with_intro("Every child registered at the CPC. Type / to find a name.");
        insta::assert_snapshot!(render_80x24(&help));
    }

    #[test]
    fn scrolls_to_the_end() {
        let km = Keymap::embedded();
        let mut help = HelpOverlay::from_keymap(&km, "Register", stacks::LIST);
        assert!(!help.handle(Action::End));
        let backend = render_80x24(&help);
        let text = backend.to_string();
        assert!(text.contains("Blank the screen at once"), "{text}");
        assert!(help.handle(Action::Back));
    }
}
