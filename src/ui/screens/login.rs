//! The login page: user name and password (shown as `•`).
//!
//! The password work (scrypt, about half a second) runs off the UI thread;
//! the page shows "Opening…" meanwhile. A wrong password and an unknown
//! user give the same words. After repeated failures the next try has to
//! wait a growing number of seconds (0, 1, 2, 4, 8, then 8), shown as a
//! count-down, so the screen never freezes.

use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, BorderType, Borders, Clear, Widget};

use super::fields::{Entries, Entry, EntryEvent};
use crate::Error;
use crate::safe_text::{Align, fit};
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::layout::centered;
use crate::ui::theme::Theme;
use crate::ui::words::capitalise;

// `Entries` are addressed by position; a name makes a wrong one show.
const USER: usize = 0;
const PASSWORD: usize = 1;

/// Words for a failed login (the same for every kind of wrong).
pub const WRONG_LOGIN: &str = "Wrong user name or password.";

/// The growing wait after failed password attempts.
#[derive(Debug, Clone, Default)]
pub struct Backoff {
    failures: u32,
    until: Option<Instant>,
}

impl Backoff {
    /// Seconds to wait after the `n`th failure in a row.
    pub fn delay_after(n: u32) -> u64 {
        match n {
            0 | 1 => 0,
            n => 1u64 << (n - 2).min(3),
        }
    }

    pub fn failed(&mut self, now: Instant) {
        self.failures += 1;
        let d = Backoff::delay_after(self.failures);
        self.until = (d > 0).then(|| now + Duration::from_secs(d));
    }

    pub fn reset(&mut self) {
        *self = Backoff::default();
    }

    /// Whole seconds still to wait (rounded up), 0 when a try is allowed.
    pub fn wait_left(&self, now: Instant) -> u64 {
        match self.until {
            Some(t) if t > now => (t - now).as_millis().div_ceil(1000) as u64,
            _ => 0,
        }
    }
}

/// What the login page asks the shell to do.
#[derive(Debug)]
pub enum LoginEvent {
    None,
    /// Try these credentials (off the UI thread).
    Submit(String, SecretString),
}

pub struct LoginScreen {
    place: String,
    fields: Entries,
    message: Option<String>,
    backoff: Backoff,
    wait_left: u64,
    busy: bool,
}

impl LoginScreen {
    /// `place` names the office file shown on the page (its file name:
    /// the office's own name is inside the encrypted file).
    pub fn new(user: Option<&str>, place: &str) -> LoginScreen {
        let mut fields = Entries::new(vec![
            Entry::text("User name").with_text(user.unwrap_or("")),
            Entry::secret("Password"),
        ]);
        if user.is_some_and(|u| !u.is_empty()) {
            fields.focus = PASSWORD;
        }
        LoginScreen {
            place: place.into(),
            fields,
            message: None,
            backoff: Backoff::default(),
            wait_left: 0,
            busy: false,
        }
    }

    pub fn context_stack(&self) -> &'static [Context] {
        stacks::TEXT
    }

    pub fn is_busy(&self) -> bool {
        self.busy
    }

    pub fn handle(&mut self, input: Input, now: Instant) -> LoginEvent {
        if self.busy {
            return LoginEvent::None;
        }
        match self.fields.handle(input) {
            EntryEvent::Submit => {
                self.wait_left = self.backoff.wait_left(now);
                if self.wait_left > 0 {
                    return LoginEvent::None;
                }
                let name = self.fields.text(USER).trim().to_string();
                if name.is_empty() {
                    self.message = Some("Type your user name.".into());
                    self.fields.focus = USER;
                    return LoginEvent::None;
                }
                self.busy = true;
                self.message = None;
                let pw = self.fields.secret(PASSWORD);
                self.fields.clear(PASSWORD);
                LoginEvent::Submit(name, pw)
            }
            EntryEvent::Back | EntryEvent::None => LoginEvent::None,
        }
    }

    /// The login did not work.
    pub fn failed(&mut self, err: &Error, now: Instant) {
        self.busy = false;
        self.fields.focus = PASSWORD;
        match err {
            Error::BadLogin => {
                self.backoff.failed(now);
                self.message = Some(WRONG_LOGIN.into());
            }
            other => self.message = Some(format!("{}.", capitalise(&other.to_string()))),
        }
        self.wait_left = self.backoff.wait_left(now);
    }

    pub fn tick(&mut self, now: Instant) {
        self.wait_left = self.backoff.wait_left(now);
    }

    pub fn cursor(&self) -> Option<Position> {
        if self.busy {
            None
        } else {
            self.fields.cursor()
        }
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let lines = vec![(format!("Office file: {}", self.place), theme.hint)];
        let status = if self.busy {
            Some(("Opening…".to_string(), theme.hint))
        } else {
            self.message.as_ref().map(|m| {
                let text = if self.wait_left > 0 {
                    format!("{m} Wait {} s before trying again.", self.wait_left)
                } else {
                    m.clone()
                };
                (text, theme.error)
            })
        };
        let footer = "Enter log in · Tab next field · Ctrl-Q quit";
        render_card(
            area,
            buf,
            theme,
            "casedesk: log in",
            &lines,
            &self.fields,
            status,
            footer,
        );
    }
}

/// The centred card shared by login, lock and set-up: a title, a few lines
/// of text, the fields, a status line and a footer of keys.
#[allow(clippy::too_many_arguments)]
pub(crate) fn render_card(
    area: Rect,
    buf: &mut Buffer,
    theme: &Theme,
    title: &str,
    lines: &[(String, ratatui::style::Style)],
    fields: &Entries,
    status: Option<(String, ratatui::style::Style)>,
    footer: &str,
) {
    buf.set_style(area, theme.base);
    let height = lines.len() as u16 + fields.height() + 7;
    let rect = centered(area, 64, height);
    Clear.render(rect, buf);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.border_focus)
        .style(theme.base)
        .title(Span::styled(format!(" {title} "), theme.title))
        .title_bottom(Span::styled(format!(" {footer} "), theme.hint));
    let inner = block.inner(rect);
    block.render(rect, buf);
    let inner = Rect {
        x: inner.x + 2,
        width: inner.width.saturating_sub(4),
        y: inner.y + 1,
        height: inner.height.saturating_sub(1),
    };
    let w = usize::from(inner.width);
    let mut y = inner.y;
    for (text, style) in lines {
        if y >= inner.bottom() {
            return;
        }
        buf.set_stringn(inner.x, y, fit(text, w, Align::Left), w, *style);
        y += 1;
    }
    if !lines.is_empty() {
        y += 1;
    }
    let fh = fields.height();
    fields.render(
        Rect::new(
            inner.x,
            y,
            inner.width,
            fh.min(inner.bottom().saturating_sub(y)),
        ),
        buf,
        theme,
        true,
    );
    y += fh + 1;
    if let Some((text, style)) = status
        && y < inner.bottom()
    {
        buf.set_stringn(inner.x, y, fit(&text, w, Align::Left), w, style);
    }
}

/// Checks a new password typed twice; the message goes under the second.
pub fn check_twice(first: &str, second: &str) -> Result<(), String> {
    if first.is_empty() {
        return Err("Choose a password.".into());
    }
    if first != second {
        return Err("The two passwords are not the same.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_grows_and_caps() {
        let d: Vec<u64> = (1..=7).map(Backoff::delay_after).collect();
        assert_eq!(d, [0, 1, 2, 4, 8, 8, 8]);
    }
}
