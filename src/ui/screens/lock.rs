//! The lock page (idle time or Ctrl-L) and the panic key's blind unlock.
//!
//! The desk stays open behind the lock — the screen the user was on, any
//! half-filled form — but nothing of it is drawn. The same user's password
//! (checked against their key slot with `vault::password_opens`, off the UI
//! thread) brings it back.

use std::time::Instant;

use age::secrecy::SecretString;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use super::fields::{Entries, Entry, EntryEvent};
use super::login::{Backoff, render_card};
use crate::safe_text::sanitize;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::theme::Theme;

// `Entries` are addressed by position; a name makes a wrong one show.
const PASSWORD: usize = 0;

/// Why the desk was locked (for the page and the audit trail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockReason {
    Idle(u32),
    Key,
}

impl LockReason {
    pub fn code(self) -> &'static str {
        match self {
            LockReason::Idle(_) => "idle",
            LockReason::Key => "key",
        }
    }
}

pub struct LockScreen {
    user: String,
    reason: LockReason,
    fields: Entries,
    message: Option<String>,
    backoff: Backoff,
    wait_left: u64,
    busy: bool,
}

impl LockScreen {
    pub fn new(user: &str, reason: LockReason) -> LockScreen {
        LockScreen {
            user: user.into(),
            reason,
            fields: Entries::new(vec![Entry::secret("Password")]),
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

    /// `Some(password)` when the user asks to unlock.
    pub fn handle(&mut self, input: Input, now: Instant) -> Option<SecretString> {
        if self.busy {
            return None;
        }
        if self.fields.handle(input) != EntryEvent::Submit {
            return None;
        }
        self.wait_left = self.backoff.wait_left(now);
        if self.wait_left > 0 || self.fields.text(PASSWORD).is_empty() {
            return None;
        }
        self.busy = true;
        self.message = None;
        let pw = self.fields.secret(PASSWORD);
        self.fields.clear(PASSWORD);
        Some(pw)
    }

    pub fn failed(&mut self, message: &str, now: Instant) {
        self.busy = false;
        self.backoff.failed(now);
        self.message = Some(message.into());
        self.wait_left = self.backoff.wait_left(now);
    }

    /// A message that is not a failed try.
    pub fn note(&mut self, message: &str) {
        self.message = Some(message.into());
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
        let why = match self.reason {
            LockReason::Idle(m) => format!(
                "The desk locked itself after {m} minute{} without a key.",
                if m == 1 { "" } else { "s" }
            ),
            LockReason::Key => "The desk is locked.".to_string(),
        };
        let lines = vec![
            (why, theme.base),
            (
                format!(
                    "Type the password of {} to go on where you were.",
                    sanitize(&self.user)
                ),
                theme.base,
            ),
            (
                "Someone else? Quit with Ctrl-Q and log in again.".to_string(),
                theme.hint,
            ),
        ];
        let status = if self.busy {
            Some(("Checking…".to_string(), theme.hint))
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
        render_card(
            area,
            buf,
            theme,
            "casedesk: locked",
            &lines,
            &self.fields,
            status,
            "Enter unlock · Ctrl-Q quit",
        );
    }
}

/// Typing on the panic key's blank page: nothing is shown, Enter checks.
#[derive(Default)]
pub struct BlindEntry {
    typed: String,
    pub busy: bool,
    /// What the last try said ("Wrong password."), under the clock.
    pub note: Option<String>,
}

impl BlindEntry {
    /// `Some(password)` on Enter.
    pub fn handle(&mut self, input: Input) -> Option<SecretString> {
        use crate::ui::action::Action;
        if self.busy {
            return None;
        }
        match input {
            Input::Text(c) => self.typed.push(c),
            Input::Action(Action::DeleteBack) => {
                self.typed.pop();
            }
            Input::Action(Action::Back) => self.wipe(),
            Input::Action(Action::Confirm) if !self.typed.is_empty() => {
                self.busy = true;
                self.note = None;
                let pw = SecretString::from(std::mem::take(&mut self.typed));
                return Some(pw);
            }
            _ => {}
        }
        None
    }

    pub fn wipe(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.typed);
    }
}

impl Drop for BlindEntry {
    fn drop(&mut self) {
        self.wipe();
    }
}
