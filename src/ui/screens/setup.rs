//! First run with no office file: create the office and its first manager
//! (the same rules as `casedesk init`), then show the recovery key once.

use std::time::Instant;

use age::secrecy::{ExposeSecret, SecretString};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph, Widget, Wrap};

use super::fields::{Entries, Entry, EntryEvent};
use super::login::{check_twice, render_card};
use crate::Error;
use crate::office::RecoveryKey;
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::theme::Theme;
use crate::ui::words::capitalise;

/// The sentence shown with the recovery key (the same as `casedesk init`).
pub const KEEP_IT_SAFE: &str = "This is the office's recovery key. Write it down or print it \
now, and keep it in the safe: it is shown only this once, and it is the only way back in if \
every manager password is lost.";

const OFFICE: usize = 0;
const USER: usize = 1;
const PASSWORD: usize = 2;
const AGAIN: usize = 3;

/// What the set-up page asks the shell to do.
pub enum SetupEvent {
    None,
    /// Create the office (off the UI thread).
    Create {
        office: String,
        user: String,
        password: SecretString,
    },
    /// The recovery key was acknowledged: go to the desk.
    Done,
}

enum Stage {
    Form,
    Creating,
    Recovery(RecoveryKey),
}

pub struct SetupScreen {
    place: String,
    fields: Entries,
    stage: Stage,
    message: Option<String>,
}

impl SetupScreen {
    pub fn new(user: Option<&str>, place: &str) -> SetupScreen {
        SetupScreen {
            place: place.into(),
            fields: Entries::new(vec![
                Entry::text("Office name"),
                Entry::text("Your user name").with_text(user.unwrap_or("")),
                Entry::secret("Password"),
                Entry::secret("Password again"),
            ]),
            stage: Stage::Form,
            message: None,
        }
    }

    pub fn context_stack(&self) -> &'static [Context] {
        match self.stage {
            Stage::Recovery(_) => stacks::DIALOG,
            _ => stacks::TEXT,
        }
    }

    pub fn is_busy(&self) -> bool {
        matches!(self.stage, Stage::Creating)
    }

    pub fn handle(&mut self, input: Input, _now: Instant) -> SetupEvent {
        match &self.stage {
            Stage::Creating => SetupEvent::None,
            Stage::Recovery(_) => match input {
                Input::Action(Action::Confirm | Action::Yes) => SetupEvent::Done,
                _ => SetupEvent::None,
            },
            Stage::Form => {
                if self.fields.handle(input) != EntryEvent::Submit {
                    return SetupEvent::None;
                }
                self.fields.clear_errors();
                self.message = None;
                let office = self.fields.text(OFFICE).trim().to_string();
                let user = self.fields.text(USER).trim().to_string();
                if office.is_empty() || office.chars().count() > 80 {
                    self.fields
                        .set_error(OFFICE, "Give the office a name of 1 to 80 letters.");
                    return SetupEvent::None;
                }
                if let Err(e) = crate::domain::check_user_name(&user) {
                    self.fields.set_error(USER, capitalise(&e.to_string()));
                    return SetupEvent::None;
                }
                if let Err(msg) = check_twice(self.fields.text(PASSWORD), self.fields.text(AGAIN)) {
                    self.fields.set_error(AGAIN, msg);
                    self.fields.clear(AGAIN);
                    return SetupEvent::None;
                }
                let password = self.fields.secret(PASSWORD);
                self.fields.clear(PASSWORD);
                self.fields.clear(AGAIN);
                self.stage = Stage::Creating;
                SetupEvent::Create {
                    office,
                    user,
                    password,
                }
            }
        }
    }

    pub fn created(&mut self, key: RecoveryKey) {
        self.stage = Stage::Recovery(key);
    }

    pub fn failed(&mut self, err: &Error) {
        self.stage = Stage::Form;
        self.fields.focus = PASSWORD;
        self.message = Some(format!("{}.", capitalise(&err.to_string())));
    }

    pub fn cursor(&self) -> Option<Position> {
        match self.stage {
            Stage::Form => self.fields.cursor(),
            _ => None,
        }
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        match &self.stage {
            Stage::Recovery(key) => render_recovery(area, buf, theme, key),
            stage => {
                let lines = vec![
                    (
                        "No office file yet. Create one; you are its first manager.".to_string(),
                        theme.base,
                    ),
                    (format!("Office file: {}", self.place), theme.hint),
                ];
                let status = match stage {
                    Stage::Creating => Some(("Creating the office…".to_string(), theme.hint)),
                    _ => self.message.clone().map(|m| (m, theme.error)),
                };
                render_card(
                    area,
                    buf,
                    theme,
                    "casedesk: new office",
                    &lines,
                    &self.fields,
                    status,
                    "Enter next / create · Tab next field · Ctrl-Q quit",
                );
            }
        }
    }
}

fn render_recovery(area: Rect, buf: &mut Buffer, theme: &Theme, key: &RecoveryKey) {
    buf.set_style(area, theme.base);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.border_focus)
        .style(theme.base)
        .title(Span::styled(" The office was created ", theme.title))
        .title_bottom(Span::styled(" Enter: I have written it down ", theme.hint));
    let inner = block.inner(area);
    block.render(area, buf);
    // The key is 74 characters: on an 80-column screen it fits on one line
    // inside the border; narrower screens wrap it.
    let text = vec![
        Line::from(Span::styled(KEEP_IT_SAFE, theme.base)),
        Line::from(""),
        Line::from(Span::styled(key.0.expose_secret().to_string(), theme.title)),
        Line::from(""),
        Line::from(Span::styled(
            "Check each character twice. Press Enter when it is written down and put away.",
            theme.hint,
        )),
    ];
    Paragraph::new(text).wrap(Wrap { trim: false }).render(
        Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            y: inner.y + 1,
            height: inner.height.saturating_sub(1),
        },
        buf,
    );
}
