//! Small modal boxes: a yes/no question and a message to acknowledge.
//! Draw them last, over the screen they belong to; they clear what is under
//! them. Use the [`stacks::DIALOG`](crate::ui::keymap::stacks::DIALOG) keys.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Widget, Wrap};

use crate::safe_text::sanitize;
use crate::ui::action::Action;
use crate::ui::layout::centered;
use crate::ui::theme::Theme;

/// What the user answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DialogOutcome {
    /// Still open.
    Pending,
    Yes,
    No,
}

/// A yes/no question. The "no" button has the focus at first, so a
/// stray Enter never discards or deletes anything; a question whose "yes"
/// keeps work (save these marks?) gives "yes" the focus
/// ([`ConfirmDialog::enter_says_yes`]), so Enter does what it asks.
#[derive(Debug, Clone)]
pub struct ConfirmDialog {
    title: String,
    message: String,
    yes: String,
    no: String,
    yes_focused: bool,
    theme: Theme,
}

impl ConfirmDialog {
    pub fn new(title: impl Into<String>, message: impl Into<String>) -> ConfirmDialog {
        ConfirmDialog {
            title: title.into(),
            message: message.into(),
            yes: "Yes".into(),
            no: "No".into(),
            yes_focused: false,
            theme: Theme::default(),
        }
    }

    /// Button words, e.g. ("Discard", "Keep editing").
    pub fn labels(mut self, yes: impl Into<String>, no: impl Into<String>) -> ConfirmDialog {
        self.yes = yes.into();
        self.no = no.into();
        self
    }

    pub fn with_theme(mut self, theme: &Theme) -> ConfirmDialog {
        self.theme = theme.clone();
        self
    }

    /// "Yes" has the focus at first: only for questions whose yes saves
    /// work rather than losing it.
    pub fn enter_says_yes(mut self) -> ConfirmDialog {
        self.yes_focused = true;
        self
    }

    pub fn handle(&mut self, action: Action) -> DialogOutcome {
        match action {
            Action::Yes => DialogOutcome::Yes,
            Action::No | Action::Back => DialogOutcome::No,
            Action::Confirm if self.yes_focused => DialogOutcome::Yes,
            Action::Confirm => DialogOutcome::No,
            Action::Left | Action::Right | Action::NextField | Action::PrevField => {
                self.yes_focused = !self.yes_focused;
                DialogOutcome::Pending
            }
            _ => DialogOutcome::Pending,
        }
    }
}

impl Widget for &ConfirmDialog {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = &self.theme;
        let button = |label: &str, focused: bool| {
            let style = if focused { t.selected } else { t.dialog };
            Span::styled(format!("[ {} ]", sanitize(label)), style)
        };
        let buttons = Line::from(vec![
            button(&self.yes, self.yes_focused),
            Span::raw("   "),
            button(&self.no, !self.yes_focused),
        ])
        .alignment(Alignment::Center);
        render_box(area, buf, t, &self.title, &self.message, Some(buttons));
    }
}

/// How a [`MessagePopup`] looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Info,
    Error,
}

/// A message the user closes with Enter or Esc.
#[derive(Debug, Clone)]
pub struct MessagePopup {
    title: String,
    message: String,
    kind: MessageKind,
    theme: Theme,
}

impl MessagePopup {
    pub fn info(title: impl Into<String>, message: impl Into<String>) -> MessagePopup {
        MessagePopup {
            title: title.into(),
            message: message.into(),
            kind: MessageKind::Info,
            theme: Theme::default(),
        }
    }

    pub fn error(title: impl Into<String>, message: impl Into<String>) -> MessagePopup {
        MessagePopup {
            kind: MessageKind::Error,
            ..MessagePopup::info(title, message)
        }
    }

    pub fn with_theme(mut self, theme: &Theme) -> MessagePopup {
        self.theme = theme.clone();
        self
    }

    /// True when the popup should close.
    pub fn handle(&mut self, action: Action) -> bool {
        matches!(
            action,
            Action::Confirm | Action::Back | Action::Yes | Action::No
        )
    }
}

impl Widget for &MessagePopup {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = &self.theme;
        let ok = Line::from(Span::styled("[ OK ]", t.selected)).alignment(Alignment::Center);
        let mut theme = t.clone();
        if self.kind == MessageKind::Error {
            theme.title = t.error;
            theme.border_focus = t.error;
        }
        render_box(area, buf, &theme, &self.title, &self.message, Some(ok));
    }
}

/// Shared frame: a centred, cleared, bordered box sized to its text.
fn render_box(
    area: Rect,
    buf: &mut Buffer,
    t: &Theme,
    title: &str,
    message: &str,
    footer: Option<Line<'_>>,
) {
    let width = area.width.saturating_sub(4).clamp(20, 60);
    let inner_w = usize::from(width.saturating_sub(4)).max(1);
    let lines: Vec<Line> = crate::safe_text::sanitize_lines(message)
        .into_iter()
        .map(|l| Line::from(l.into_owned()))
        .collect();
    // Rough wrapped height; Paragraph does the real wrapping.
    let text_rows: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(inner_w).max(1))
        .sum();
    let footer_rows = if footer.is_some() { 2 } else { 0 };
    let height = u16::try_from(text_rows + footer_rows + 2).unwrap_or(u16::MAX);
    let rect = centered(area, width, height);
    Clear.render(rect, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(t.border_focus)
        .style(t.dialog)
        .title(Span::styled(format!(" {} ", sanitize(title)), t.title));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    let text_height = inner.height.saturating_sub(footer_rows as u16);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .style(t.dialog)
        .render(
            Rect {
                height: text_height,
                ..inner
            },
            buf,
        );
    if let Some(footer) = footer
        && inner.height > 0
    {
        let y = inner.bottom() - 1;
        footer.render(
            Rect {
                y,
                height: 1,
                ..inner
            },
            buf,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_is_the_safe_default() {
        let mut d = ConfirmDialog::new("Discard?", "You have unsaved changes.");
        assert_eq!(d.handle(Action::Confirm), DialogOutcome::No);
        d.handle(Action::Left);
        assert_eq!(d.handle(Action::Confirm), DialogOutcome::Yes);
        assert_eq!(d.handle(Action::Back), DialogOutcome::No);
        assert_eq!(d.handle(Action::Yes), DialogOutcome::Yes);
        assert_eq!(d.handle(Action::Down), DialogOutcome::Pending);
    }

    #[test]
    fn message_text_is_sanitized() {
        let p = MessagePopup::error("Not saved", "Name \x1b[2Jbad");
        let area = Rect::new(0, 0, 40, 10);
        let mut buf = Buffer::empty(area);
        (&p).render(area, &mut buf);
        let text: String = buf.content().iter().map(|c| c.symbol()).collect();
        assert!(text.contains("Name �bad"));
        assert!(!text.contains('\x1b'));
    }
}
