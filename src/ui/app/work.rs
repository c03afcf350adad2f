//! What the desk runs off the UI thread, and what it does with the results:
//! the password work of a login, of setting up an office and of an unlock
//! attempt (scrypt takes a moment on an old PC, and the page must keep
//! drawing and the panic key must keep working), and the automatic backup
//! after a login or on the way out.
//!
//! One password job at a time (`App::pending`); the automatic backup has a
//! channel of its own so the desk stays usable while it runs.

use std::path::PathBuf;
use std::sync::mpsc::{self, TryRecvError};
use std::time::{Duration, Instant};

use super::{App, Mode, Status};
use crate::config::BackupWhen;
use crate::office::{RecoveryKey, Session};
use crate::ui::screen::ScreenId;
use crate::{Error, Result};

/// Result of work done off the UI thread.
pub(super) enum Work {
    Login(Result<Session>),
    Setup(Result<(Session, RecoveryKey)>),
    Unlock(Result<bool>),
    /// The day's automatic backup, written on the way out.
    ExitBackup(Result<Option<PathBuf>>),
}

impl App {
    /// Start password work on a thread of its own; until it reports, only
    /// the panic key is taken.
    pub(super) fn spawn(&mut self, work: impl FnOnce() -> Work + Send + 'static) {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(crate::clock::carry(move || {
            let _ = tx.send(work());
        }));
        self.pending = Some(rx);
    }

    /// Block until background work is done (at most `limit`), then apply
    /// it. The event loop never calls this; scripts and tests do.
    pub fn wait_idle(&mut self, limit: Duration) {
        let end = Instant::now() + limit;
        while (self.pending.is_some() || self.backup_running()) && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(5));
            self.tick(Instant::now());
        }
    }

    /// Finished background work (one at a time), if any.
    pub(super) fn poll_pending(&mut self, now: Instant) {
        if let Some(rx) = &self.pending {
            match rx.try_recv() {
                Ok(work) => {
                    self.pending = None;
                    self.finish(work, now);
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    self.pending = None;
                    self.finish(
                        Work::Unlock(Err(Error::invalid("the check stopped unexpectedly"))),
                        now,
                    );
                }
            }
        }
    }

    /// Password work is done: open the desk, show why not, or unlock.
    pub(super) fn finish(&mut self, work: Work, now: Instant) {
        match work {
            Work::Login(Ok(session)) => {
                self.enter_desk(session);
                if self.config.auto_backup.when == BackupWhen::Login {
                    self.start_auto_backup();
                }
            }
            Work::Login(Err(e)) => {
                tracing::info!("login.failed");
                if let Mode::Login(l) = &mut self.mode {
                    l.failed(&e, now);
                }
            }
            Work::Setup(Ok((session, key))) => {
                tracing::info!("office.created");
                if let Mode::Setup(s, slot) = &mut self.mode {
                    s.created(key);
                    **slot = Some(session);
                }
            }
            Work::Setup(Err(e)) => {
                if let Mode::Setup(s, _) = &mut self.mode {
                    s.failed(&e);
                }
            }
            Work::Unlock(result) => self.unlocked(result, now),
            Work::ExitBackup(result) => {
                self.exit_backup_tried = true;
                match result {
                    Ok(_) => self.do_quit(),
                    Err(e) => {
                        tracing::warn!(code = e.exit_code(), "backup.auto.failed");
                        self.status = Some(Status {
                            text: format!(
                                "The daily backup was not written: {}. Quit again to leave anyway.",
                                e
                            ),
                            error: true,
                        });
                    }
                }
            }
        }
    }

    /// An automatic backup on the worker: is it due (the office has them
    /// on)? Then a second connection for the same login runs it.
    pub(super) fn auto_backup_job(
        &self,
    ) -> Option<impl FnOnce() -> Result<Option<PathBuf>> + Send + 'static> {
        let Mode::Desk(desk) = &self.mode else {
            return None;
        };
        match desk.session.auto_backup_settings() {
            Ok(Some(s)) if s.enabled => {}
            _ => return None,
        }
        let config = self.config.clone();
        let worker = desk.session.worker();
        Some(move || worker?.auto_backup_if_due(&config))
    }

    /// After a login: the day's automatic backup, off the UI thread.
    pub(super) fn start_auto_backup(&mut self) {
        let Some(job) = self.auto_backup_job() else {
            return;
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(crate::clock::carry(move || {
            let _ = tx.send(job());
        }));
        self.auto_backup = Some(rx);
    }

    /// True while the automatic backup or a screen's backup work runs.
    pub fn backup_running(&self) -> bool {
        self.auto_backup.is_some() || matches!(&self.mode, Mode::Desk(d) if d.screen.is_working())
    }

    /// Results of backup work: the automatic one (a status line), and the
    /// screen's own (a progress bar).
    pub(super) fn tick_backups(&mut self) {
        if let Some(rx) = &self.auto_backup {
            let result = match rx.try_recv() {
                Ok(r) => Some(r),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => Some(Err(Error::invalid(
                    "the automatic backup stopped unexpectedly",
                ))),
            };
            if let Some(result) = result {
                self.auto_backup = None;
                match result {
                    Ok(None) => {}
                    Ok(Some(path)) => {
                        tracing::info!("backup.auto.done");
                        self.status = Some(Status {
                            text: format!(
                                "Today's automatic backup is written: {}",
                                path.display()
                            ),
                            error: false,
                        });
                        self.refresh_home();
                    }
                    Err(e) => {
                        tracing::warn!(code = e.exit_code(), "backup.auto.failed");
                        self.status = Some(Status {
                            text: format!("The automatic backup failed: {e}."),
                            error: true,
                        });
                    }
                }
            }
        }
        if matches!(&self.mode, Mode::Desk(d) if d.screen.is_working())
            && let Some(outcome) = self.ctx_call(|s, ctx| s.tick(ctx))
        {
            self.apply(outcome);
        }
    }

    /// The home page shows the last good backup: read it again.
    pub(super) fn refresh_home(&mut self) {
        if matches!(&self.mode, Mode::Desk(d) if d.screen.id() == ScreenId::Home && d.guard.is_none())
        {
            self.ctx_call(|s, ctx| s.refresh(ctx));
        }
    }
}
