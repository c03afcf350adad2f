//! Hiding the desk and opening it again: Ctrl-L and the idle timer bring
//! the lock page, the panic key the blank page (a visitor walks in); the
//! user's password opens either.
//!
//! Locking, blanking and every unlock attempt (the wrong ones too, from
//! the lock page and from the blank page alike) go into the audit trail
//! through the office layer's typed calls (`Session::locked`,
//! `Session::unlock_attempted`); nothing here writes an entry itself. The
//! password is checked off the UI thread (see `work.rs`).

use std::time::{Duration, Instant};

use age::secrecy::SecretString;

use super::work::Work;
use super::{App, Guard, Mode, desk::desk_unsaved};
use crate::Result;
use crate::office;
use crate::ui::action::Action;
use crate::ui::keymap::Input;
use crate::ui::screens::lock::{BlindEntry, LockReason, LockScreen};
use crate::ui::words::capitalise;

impl App {
    /// The lock page and the blank page see every key first, and the keys
    /// that bring them work on any screen. True when the key was theirs.
    pub(super) fn guard_input(&mut self, input: Input, now: Instant) -> bool {
        let Mode::Desk(desk) = &mut self.mode else {
            return false;
        };
        let unsaved = desk_unsaved(desk);
        match &mut desk.guard {
            Some(Guard::Blank(blind)) => {
                if let Some(pw) = blind.handle(input) {
                    self.check_password(pw);
                }
                return true;
            }
            Some(Guard::Locked(lock)) => {
                match input {
                    Input::Action(Action::PanicBlank) => self.blank(),
                    Input::Action(Action::Quit) if unsaved => lock.note(
                        "Something typed is not saved yet: unlock first to save or discard it.",
                    ),
                    Input::Action(Action::Quit) => self.do_quit(),
                    _ => {
                        if let Some(pw) = lock.handle(input, now) {
                            self.check_password(pw);
                        }
                    }
                }
                return true;
            }
            None => {}
        }
        match input {
            Input::Action(Action::PanicBlank) => self.blank(),
            Input::Action(Action::Lock) => self.lock(LockReason::Key),
            _ => return false,
        }
        true
    }

    /// Time passes on the open desk: the lock page's count-down after
    /// wrong tries, or the idle lock.
    pub(super) fn tick_lock(&mut self, now: Instant) {
        let Mode::Desk(d) = &mut self.mode else {
            return;
        };
        match &mut d.guard {
            Some(Guard::Locked(l)) => l.tick(now),
            Some(Guard::Blank(_)) => {}
            None => {
                let idle = Duration::from_secs(u64::from(self.config.idle_lock_minutes) * 60);
                if now.saturating_duration_since(self.last_key) >= idle {
                    self.lock(LockReason::Idle(self.config.idle_lock_minutes));
                }
            }
        }
    }

    /// Lock now (Ctrl-L or idle time); the screen stays in memory.
    pub fn lock(&mut self, reason: LockReason) {
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        if desk.guard.is_some() {
            return;
        }
        desk.forget_shown();
        if let Err(e) = desk.session.locked(reason.code()) {
            tracing::warn!(code = e.exit_code(), "audit.failed");
        }
        tracing::info!(reason = reason.code(), "desk.lock");
        desk.guard = Some(Guard::Locked(Box::new(LockScreen::new(
            &desk.session.user().name,
            reason,
        ))));
    }

    /// The panic key: blank at once.
    pub(super) fn blank(&mut self) {
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        if matches!(desk.guard, Some(Guard::Blank(_))) {
            return;
        }
        desk.forget_shown();
        desk.guard = Some(Guard::Blank(BlindEntry::default()));
        if let Err(e) = desk.session.locked("panic") {
            tracing::warn!(code = e.exit_code(), "audit.failed");
        }
        tracing::info!("desk.blank");
    }

    fn check_password(&mut self, pw: SecretString) {
        let Mode::Desk(desk) = &self.mode else {
            return;
        };
        let paths = self.paths.clone();
        let name = desk.session.user().name.clone();
        self.spawn(move || Work::Unlock(office::password_opens(&paths, &name, &pw)));
    }

    pub(super) fn unlocked(&mut self, result: Result<bool>, now: Instant) {
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        if let Ok(ok) = &result {
            // Every attempt is in the trail, the wrong ones too.
            if let Err(e) = desk.session.unlock_attempted(*ok) {
                tracing::warn!(code = e.exit_code(), "audit.failed");
            }
        }
        match (result, &mut desk.guard) {
            (Ok(true), guard) => {
                *guard = None;
                tracing::info!("desk.unlock");
                self.last_key = Instant::now();
            }
            (Ok(false), Some(Guard::Locked(l))) => l.failed("Wrong password.", now),
            (Err(e), Some(Guard::Locked(l))) => {
                l.failed(&format!("{}.", capitalise(&e.to_string())), now)
            }
            (_, Some(Guard::Blank(b))) => {
                // Nothing shows on the blank page: a wrong try just resets.
                b.busy = false;
                b.wipe();
            }
            (_, None) => {}
        }
    }
}
