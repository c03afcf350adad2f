//! Keys on the open desk: the overlays (help, palette, messages, "leave
//! without saving?"), the menu's number keys, moving between screens and
//! back, and quitting. A key no overlay or shell binding takes goes to
//! the screen, and what the screen answers ([`Outcome`]) is applied here.
//!
//! The lock and blank pages see every key first (`lock.rs`).

use std::time::Instant;

use super::work::Work;
use super::{App, Desk, Leave, Mode, Overlay, Status, Target};
use crate::config::BackupWhen;
use crate::safe_text::sanitize;
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, Keymap, stacks};
use crate::ui::screen::{Outcome, Screen, ScreenId};
use crate::ui::screens;
use crate::ui::widgets::dialog::{ConfirmDialog, DialogOutcome};
use crate::ui::widgets::help::HelpOverlay;
use crate::ui::widgets::palette::{Palette, PaletteEvent};

/// Screens kept for "back" (e.g. the register behind a person's file).
const HISTORY: usize = 8;

impl App {
    /// One key on the open desk, after the lock and blank pages had
    /// their say.
    pub(super) fn desk_input(&mut self, input: Input, now: Instant) {
        if self.guard_input(input, now) {
            return;
        }
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        if let Some(overlay) = &mut desk.overlay {
            let Input::Action(action) = input else {
                // Typing only goes to the palette.
                if let Overlay::Palette(p) = overlay {
                    p.handle(input);
                }
                return;
            };
            match overlay {
                Overlay::Help(h) => {
                    if h.handle(action) {
                        desk.overlay = None;
                    }
                }
                Overlay::Palette(p) => match p.handle(input) {
                    PaletteEvent::Chosen(target) => {
                        desk.overlay = None;
                        match target {
                            Target::Screen(id) => self.go_menu(id),
                            Target::Action(a) => self.desk_input(Input::Action(a), now),
                        }
                    }
                    PaletteEvent::Closed => desk.overlay = None,
                    PaletteEvent::None => {}
                },
                Overlay::Leave(dialog, leave) => {
                    let leave = *leave;
                    match dialog.handle(action) {
                        DialogOutcome::Pending => {}
                        DialogOutcome::No => desk.overlay = None,
                        DialogOutcome::Yes => {
                            desk.overlay = None;
                            match leave {
                                Leave::Quit => self.do_quit(),
                                Leave::Go(id) => self.switch_to(id),
                            }
                        }
                    }
                }
            }
            return;
        }
        match input {
            // On the login or setup page nothing is open: quit at once
            // (`handle_input`). On the desk, quitting always asks first.
            Input::Action(Action::Quit) => return self.ask_quit(),
            Input::Action(Action::Help) => {
                let title = sanitize(&desk.screen.title()).into_owned();
                let help =
                    HelpOverlay::from_keymap(&self.keymap, &title, desk.screen.context_stack())
                        .with_intro(&wrap(desk.screen.help_intro(), 70))
                        .with_theme(&self.theme);
                desk.overlay = Some(Overlay::Help(help));
                return;
            }
            Input::Action(Action::Palette) => {
                let palette =
                    Palette::new(palette_entries(desk.session.role())).with_theme(&self.theme);
                desk.overlay = Some(Overlay::Palette(palette));
                return;
            }
            Input::Action(Action::Screen(n)) => {
                let menu = menu(desk.session.role());
                if let Some(id) = menu.get(usize::from(n).saturating_sub(1)) {
                    self.go_menu(*id);
                }
                return;
            }
            // A key that marks nothing on an attendance sheet (Caps Lock
            // aside, which the keymap covers) says which keys do.
            Input::Text(_) if desk.screen.context_stack().first() == Some(&Context::Sheet) => {
                self.status = Some(Status {
                    text: sheet_keys(&self.keymap),
                    error: true,
                });
                return;
            }
            _ => {}
        }
        let Some(outcome) = self.ctx_call(|s, ctx| s.handle(input, ctx)) else {
            return;
        };
        self.apply(outcome);
    }

    pub(super) fn apply(&mut self, outcome: Outcome) {
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        match outcome {
            Outcome::Stay => {}
            Outcome::Status(text) => {
                self.status = Some(Status { text, error: false });
            }
            Outcome::Go(id) => {
                if desk.screen.id() != id {
                    let screen = screens::open(id);
                    self.push(screen);
                }
            }
            Outcome::OpenPerson(person) => {
                tracing::info!(person, "person.open");
                self.push(screens::open_person(person));
            }
            Outcome::Back => match desk.history.pop() {
                Some(prev) => {
                    desk.screen = prev;
                    self.refresh_screen();
                }
                None if desk.screen.id() != ScreenId::Home => self.switch_to(ScreenId::Home),
                None => {}
            },
        }
    }

    /// Open a screen on top of the current one (Back returns).
    pub(super) fn push(&mut self, screen: Box<dyn Screen>) {
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        let old = std::mem::replace(&mut desk.screen, screen);
        desk.history.push(old);
        if desk.history.len() > HISTORY {
            desk.history.remove(0);
        }
        self.refresh_screen();
    }

    /// From the menu, number keys or palette: asks first if the current
    /// screen holds unsaved typing.
    pub(super) fn go_menu(&mut self, id: ScreenId) {
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        if !id.allowed(desk.session.role()) {
            return;
        }
        if desk.screen.id() == id && desk.history.is_empty() {
            return;
        }
        if desk_unsaved(desk) {
            desk.overlay = Some(Overlay::Leave(
                ConfirmDialog::new(
                    "Leave without saving?",
                    "What you typed on this screen is not saved yet. Leave it and lose it?",
                )
                .labels("Leave", "Stay")
                .with_theme(&self.theme),
                Leave::Go(id),
            ));
            return;
        }
        self.switch_to(id);
    }

    pub(super) fn switch_to(&mut self, id: ScreenId) {
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        desk.history.clear();
        desk.screen = screens::open(id);
        self.refresh_screen();
    }

    pub(super) fn ask_quit(&mut self) {
        let Mode::Desk(desk) = &mut self.mode else {
            self.quit = true;
            return;
        };
        if desk_unsaved(desk) {
            desk.overlay = Some(Overlay::Leave(
                ConfirmDialog::new(
                    "Quit without saving?",
                    "Something typed is not saved yet. Quit and lose it?",
                )
                .labels("Quit", "Stay")
                .with_theme(&self.theme),
                Leave::Quit,
            ));
            return;
        }
        // A single stray `q` on a list must not close the desk: ask, with
        // "Stay" under Enter (y quits, n or Esc stays).
        desk.overlay = Some(Overlay::Leave(
            ConfirmDialog::new("Quit casedesk?", "Close the office file and quit? y/n")
                .labels("Quit", "Stay")
                .with_theme(&self.theme),
            Leave::Quit,
        ));
    }

    pub(super) fn do_quit(&mut self) {
        if self.config.auto_backup.when == BackupWhen::Exit && !self.exit_backup_tried {
            self.exit_backup_tried = true;
            if let Some(job) = self.auto_backup_job() {
                self.status = Some(Status {
                    text: "Writing the daily backup…".into(),
                    error: false,
                });
                self.spawn(move || Work::ExitBackup(job()));
                return;
            }
        }
        self.shutdown("quit");
    }

    /// Leave the desk (quit, or a stop signal): note it in the audit trail.
    pub fn shutdown(&mut self, why: &str) {
        if let Mode::Desk(desk) = &self.mode
            && let Err(e) = desk.session.logged_out(why)
        {
            tracing::warn!(code = e.exit_code(), "audit.failed");
        }
        tracing::info!(why, "desk.close");
        self.quit = true;
    }
}

/// Break a paragraph into lines of at most `width` columns (help intros
/// are written as one paragraph).
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let w = crate::safe_text::width(word);
            if !line.is_empty() && crate::safe_text::width(&line) + 1 + w > width {
                out.push_str(&line);
                out.push('\n');
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// The status line after a key the attendance sheet does not know: its
/// marking keys, from the live keymap (lower case shown when both are
/// bound).
fn sheet_keys(keymap: &Keymap) -> String {
    let words = [
        (Action::MarkPresent, "present"),
        (Action::MarkAbsent, "absent"),
        (Action::MarkLate, "late"),
        (Action::MarkExcused, "excused"),
        (Action::MarkRestPresent, "rest present"),
        (Action::Help, "help"),
    ];
    let keys: Vec<String> = words
        .iter()
        .filter_map(|(action, word)| {
            let keys = keymap.keys_for(stacks::SHEET, *action);
            let key = keys
                .iter()
                .find(|k| !k.chars().any(char::is_uppercase))
                .or(keys.first())?;
            Some(format!("{key} {word}"))
        })
        .collect();
    format!("Not a sheet key. {}", keys.join(", "))
}

pub(super) fn desk_unsaved(desk: &Desk) -> bool {
    desk.screen.has_unsaved_work() || desk.history.iter().any(|s| s.has_unsaved_work())
}

/// The menu for a role: screens it may use, in menu order.
pub fn menu(role: crate::domain::Role) -> Vec<ScreenId> {
    ScreenId::MENU
        .iter()
        .copied()
        .filter(|id| id.allowed(role))
        .collect()
}

pub(super) fn palette_entries(role: crate::domain::Role) -> Vec<(String, Target)> {
    let mut entries: Vec<(String, Target)> = menu(role)
        .into_iter()
        .map(|id| (format!("Go to {}", id.title()), Target::Screen(id)))
        .collect();
    for a in [
        Action::Search,
        Action::New,
        Action::Refresh,
        Action::Help,
        Action::Lock,
        Action::PanicBlank,
        Action::Quit,
    ] {
        entries.push((a.description(), Target::Action(a)));
    }
    entries
}

#[cfg(test)]
#[path = "desk_tests.rs"]
mod tests;
