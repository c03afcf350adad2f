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
            (result, Some(Guard::Blank(b))) => {
                // A plain word under the clock; what was typed is wiped.
                b.busy = false;
                b.wipe();
                b.note = Some(match result {
                    Err(e) => format!("{}.", capitalise(&e.to_string())),
                    Ok(_) => "Wrong password.".into(),
                });
            }
            (_, None) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    use super::*;
    use crate::config::Config;
    use crate::office::OfficePaths;
    use crate::office::audit::{AuditFilter, Entry};
    use crate::ui::App;
    use crate::ui::testing::demo;
    use crate::ui::widgets::blank::HINT as BLANK_HINT;

    /// A demo office (manager, staff, psychologist; password "demo") in a
    /// temp dir, and a desk on it logged in as the manager through the
    /// login page, as a person would.
    fn manager_desk() -> (tempfile::TempDir, OfficePaths, App) {
        let (dir, paths) = demo(3);
        // A config dir of its own: no keymap or theme from this machine.
        let config_dir = dir.path().join("config");
        let mut app = App::new(
            paths.clone(),
            Some("manager".into()),
            Config::default(),
            Some(&config_dir),
        );
        typed(&mut app, "demo");
        key(&mut app, KeyCode::Enter);
        settle(&mut app);
        assert!(app.is_logged_in(), "logged in");
        assert!(!app.is_locked());
        (dir, paths, app)
    }

    fn key(app: &mut App, code: KeyCode) {
        app.handle_key(&KeyEvent::new(code, KeyModifiers::NONE));
    }

    fn typed(app: &mut App, text: &str) {
        for c in text.chars() {
            key(app, KeyCode::Char(c));
        }
    }

    fn settle(app: &mut App) {
        app.wait_idle(Duration::from_secs(30));
        assert!(!app.is_busy(), "the password check finished");
    }

    fn draw(app: &App) -> String {
        let mut t =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("backend");
        t.draw(|f| app.draw(f)).expect("draw");
        t.backend().to_string()
    }

    /// Type a password on the lock or blank page and wait for the check.
    fn try_password(app: &mut App, password: &str) {
        typed(app, password);
        key(app, KeyCode::Enter);
        settle(app);
    }

    /// The lock and unlock entries in the trail, oldest first, read
    /// through the desk's own session (the manager may read the trail).
    fn session_entries(app: &App) -> Vec<Entry> {
        let Mode::Desk(desk) = &app.mode else {
            panic!("not logged in");
        };
        desk.session
            .audit_entries(&AuditFilter {
                action: Some("session".into()),
                ..Default::default()
            })
            .expect("audit entries")
    }

    fn actions(entries: &[Entry]) -> Vec<&str> {
        entries.iter().map(|e| e.action.as_str()).collect()
    }

    /// The head file beside the office file: title, office id, `seq hash`.
    fn head_file(paths: &OfficePaths) -> (i64, String) {
        let text = std::fs::read_to_string(paths.sibling(".audit-head")).expect("head file");
        let line = text.lines().nth(2).expect("a third line");
        let (seq, hash) = line.split_once(' ').expect("seq hash");
        (seq.parse().expect("seq"), hash.to_string())
    }

    #[test]
    fn lock_a_wrong_password_and_the_right_one_are_in_the_trail_in_order() {
        let (_dir, paths, mut app) = manager_desk();
        let (before, _) = head_file(&paths);

        app.handle_key(&KeyEvent::new(KeyCode::Char('l'), KeyModifiers::CONTROL));
        assert!(app.is_locked(), "Ctrl-L locks");
        let (after, after_hash) = head_file(&paths);
        assert!(
            after > before,
            "the head file moved forward: {before} → {after}"
        );
        let lock = &session_entries(&app)[0];
        assert_eq!(lock.action, "session.lock");
        assert_eq!(lock.detail, LockReason::Key.code());
        assert_eq!(
            (lock.seq, lock.hash.as_str()),
            (after, after_hash.as_str()),
            "the head file names the lock entry"
        );

        try_password(&mut app, "not-the-password");
        assert!(app.is_locked(), "a wrong password leaves it locked");
        try_password(&mut app, "demo");
        assert!(!app.is_locked(), "the right one opens the desk");

        assert_eq!(
            actions(&session_entries(&app)),
            ["session.lock", "session.unlock_failed", "session.unlock"]
        );
    }

    #[test]
    fn a_wrong_password_on_the_blank_page_is_in_the_trail_too() {
        let (_dir, paths, mut app) = manager_desk();
        let (before, _) = head_file(&paths);

        key(&mut app, KeyCode::F(12));
        assert!(app.is_locked(), "the panic key blanks the desk");
        let (after, _) = head_file(&paths);
        assert!(
            after > before,
            "the head file moved forward: {before} → {after}"
        );

        let shown = draw(&app);
        assert!(shown.contains(BLANK_HINT), "{shown}");
        try_password(&mut app, "not-the-password");
        assert!(app.is_locked(), "a wrong password leaves it blank");
        let shown = draw(&app);
        assert!(shown.contains("Wrong password."), "{shown}");
        assert!(!shown.contains("not-the-password"), "{shown}");
        try_password(&mut app, "demo");
        assert!(!app.is_locked(), "the right one opens the desk");

        let entries = session_entries(&app);
        assert_eq!(
            actions(&entries),
            ["session.lock", "session.unlock_failed", "session.unlock"]
        );
        assert_eq!(entries[0].detail, "panic");
    }
}
