//! The backup screen's work off the UI thread: export, verify and restore
//! each run on a thread of their own and send [`Progress`] and then one
//! [`Done`] down a channel; the desk's tick drains it ([`BackupScreen::poll`])
//! so the progress bar moves and the other screens stay usable.
//!
//! The export opens its own connection (see [`Exporter`]), so the desk's
//! connection is never shared across threads. When the work ends the
//! result becomes the panel under the menu, or the form comes back with
//! the problem beside its field.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, TryRecvError};

use super::forms::{PASSPHRASE, TaskForm};
use super::render::{size, when};
use super::{BackupScreen, Mode, Panel, Task, Tone};
use crate::office::OfficePaths;
use crate::office::backup::{
    self, DataKey, ExportSummary, Exporter, Manifest, Progress, VerifyReport,
};
use crate::safe_text::sanitize;
use crate::ui::screen::{Outcome, Screen, ScreenCtx};
use crate::{Error, Result};

/// What the worker sends.
pub(super) enum Msg {
    Progress(Progress),
    Done(Done),
}

pub(super) enum Done {
    Export(Result<ExportSummary>),
    /// The report says whether the office data itself was opened.
    Verify(Result<VerifyReport>),
    Restore(Result<Manifest>, PathBuf),
}

pub(super) struct Running {
    pub(super) task: Task,
    /// `None` when the state is only being shown (tests, demonstrations).
    pub(super) rx: Option<Receiver<Msg>>,
    pub(super) progress: Option<Progress>,
    /// Given back on failure, so nothing typed is lost.
    pub(super) form: Option<TaskForm>,
}

impl BackupScreen {
    /// Check the export form and start the worker; `None` when the form
    /// shows a problem.
    pub(super) fn start_export(
        &mut self,
        form: &mut TaskForm,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<Option<Outcome>> {
        let Some((out, to)) = form.check_export() else {
            return Ok(None);
        };
        let mut exporter = Exporter::new(ctx.session)?;
        tracing::info!("backup.export.start");
        self.spawn(Task::Export, move |progress| {
            Done::Export(exporter.run(&out, &to, progress))
        })?;
        Ok(Some(Outcome::Stay))
    }

    /// Check the verify or restore form and start the worker; `None` when
    /// the form shows a problem.
    pub(super) fn start_read(
        &mut self,
        form: &mut TaskForm,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<Option<Outcome>> {
        let Some(target) = form.check_target() else {
            return Ok(None);
        };
        let Some((from, unlock)) = form.check_unlock() else {
            return Ok(None);
        };
        match target {
            Some(to) => {
                tracing::info!("backup.restore.start");
                self.spawn(Task::Restore, move |progress| {
                    let paths = OfficePaths::new(&to);
                    Done::Restore(backup::restore(&from, &paths, &unlock, progress), to)
                })?;
            }
            None => {
                let key = ctx.session.backup_check_key()?;
                tracing::info!("backup.verify.start");
                self.spawn(Task::Verify, move |progress| {
                    // With this office's key the data is opened and checked
                    // too; another office's backup (or one from before a
                    // rekey) is checked without opening its data.
                    let r = match backup::verify(&from, &unlock, DataKey::Master(&key), progress) {
                        Err(Error::NotAllowed(m)) if m.contains("office data") => {
                            backup::verify(&from, &unlock, DataKey::None, progress)
                        }
                        other => other,
                    };
                    Done::Verify(r)
                })?;
            }
        }
        Ok(Some(Outcome::Stay))
    }

    fn spawn(
        &mut self,
        task: Task,
        work: impl FnOnce(&mut dyn FnMut(Progress)) -> Done + Send + 'static,
    ) -> Result<()> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("backup".into())
            .spawn(crate::clock::carry(move || {
                let ptx = tx.clone();
                let mut progress = move |p: Progress| {
                    let _ = ptx.send(Msg::Progress(p));
                };
                let done = work(&mut progress);
                let _ = tx.send(Msg::Done(done));
            }))
            .map_err(|e| Error::io("cannot start the backup work", e))?;
        self.panel = None;
        self.mode = Mode::Running(Box::new(Running {
            task,
            rx: Some(rx),
            progress: None,
            form: None,
        }));
        Ok(())
    }

    /// Take what the worker sent: progress moves the bar; the end shows
    /// the result. Called on every tick of the desk.
    pub(super) fn poll(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let Mode::Running(run) = &mut self.mode else {
            return Ok(Outcome::Stay);
        };
        let Some(rx) = &run.rx else {
            return Ok(Outcome::Stay);
        };
        let mut done = None;
        let mut finished = false;
        loop {
            match rx.try_recv() {
                Ok(Msg::Progress(p)) => run.progress = Some(p),
                Ok(Msg::Done(d)) => {
                    done = Some(d);
                    finished = true;
                    break;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    finished = true;
                    break;
                }
            }
        }
        if !finished {
            return Ok(Outcome::Stay);
        }
        let Mode::Running(run) = std::mem::replace(&mut self.mode, Mode::Menu) else {
            return Ok(Outcome::Stay);
        };
        self.finish(*run, done, ctx)?;
        Ok(Outcome::Stay)
    }

    /// The worker is done: show the result, or give the form back with the
    /// problem beside its field.
    fn finish(&mut self, run: Running, done: Option<Done>, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        let mut form = run.form;
        let failed = |form: &mut Option<TaskForm>, e: &Error| -> Mode {
            let Some(mut f) = form.take() else {
                return Mode::Menu;
            };
            f.show_failure(e);
            Mode::Form(f)
        };
        let Some(done) = done else {
            let e = Error::invalid("the backup work stopped unexpectedly; try again");
            self.mode = failed(&mut form, &e);
            return Ok(());
        };
        match done {
            Done::Export(Ok(s)) => {
                tracing::info!("backup.export.done");
                self.mode = Mode::Menu;
                self.refresh(ctx)?;
                self.last_written = Some(s.path.clone());
                let mut lines = vec![
                    (
                        format!(
                            "Wrote {} ({}) and checked it by decrypting it again.",
                            s.path.display(),
                            size(s.bytes)
                        ),
                        Tone::Good,
                    ),
                    (counts_line(&s.manifest), Tone::Plain),
                ];
                if let Some(f) = &form
                    && f.choice() == PASSPHRASE
                {
                    lines.push((
                        "Keep the passphrase apart from the file: without it nobody can \
                             restore this backup."
                            .into(),
                        Tone::Hint,
                    ));
                }
                self.panel = Some(Panel {
                    title: "Backup written".into(),
                    lines,
                });
            }
            Done::Verify(Ok(report)) => {
                tracing::info!("backup.verify.done");
                self.mode = Mode::Menu;
                self.panel = Some(verify_panel(&report));
            }
            Done::Restore(Ok(m), to) => {
                tracing::info!("backup.restore.done");
                self.mode = Mode::Menu;
                self.panel = Some(Panel {
                    title: "Backup restored".into(),
                    lines: vec![
                        (
                            format!(
                                "Restored the backup of {} made {} into {}.",
                                sanitize(&m.office_name),
                                when(&m.created_at),
                                to.display()
                            ),
                            Tone::Good,
                        ),
                        (
                            format!("To open it: casedesk --db {}", to.display()),
                            Tone::Plain,
                        ),
                        (
                            "Everyone logs in there with their usual password.".into(),
                            Tone::Plain,
                        ),
                    ],
                });
            }
            Done::Export(Err(e)) | Done::Verify(Err(e)) | Done::Restore(Err(e), _) => {
                tracing::info!(
                    task = run.task.title(),
                    code = e.exit_code(),
                    "backup.failed"
                );
                self.mode = failed(&mut form, &e);
            }
        }
        Ok(())
    }
}

fn verify_panel(report: &VerifyReport) -> Panel {
    let m = &report.manifest;
    let data = if report.data_checked {
        "Data opened: integrity checks pass and the row counts match."
    } else {
        "Data not opened: another office's backup, or one from before a rekey."
    };
    Panel {
        title: "Backup verified".into(),
        lines: vec![
            (
                format!(
                    "OK: the backup of {} made {}.",
                    sanitize(&m.office_name),
                    when(&m.created_at)
                ),
                Tone::Good,
            ),
            (
                format!(
                    "casedesk {} · backup format {} · schema {}",
                    sanitize(&m.casedesk_version),
                    m.format,
                    m.schema_version
                ),
                Tone::Plain,
            ),
            (data.into(), Tone::Plain),
            (counts_line(m), Tone::Plain),
        ],
    }
}

/// Row counts, biggest tables first, as one line to wrap.
fn counts_line(m: &Manifest) -> String {
    let mut counts: Vec<(&String, &u64)> = m.counts.iter().filter(|(_, n)| **n > 0).collect();
    counts.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let list: Vec<String> = counts
        .iter()
        .map(|(t, n)| format!("{n} {}", table_words(&sanitize(t))))
        .collect();
    format!("Records: {}", list.join(" · "))
}

/// What a table holds, in the desk's words (`activity_counts` → "head
/// counts at activities"); a table not named here reads with spaces.
pub(super) fn table_words(table: &str) -> String {
    let words = match table {
        "activities" => "activities",
        "activity_counts" => "head counts at activities",
        "activity_persons" => "people at activities",
        "activity_staff" => "staff at activities",
        "attendance" => "attendance marks",
        "attendance_history" => "attendance changes",
        "attendance_months" => "attendance months",
        "audit" => "audit entries",
        "case_counters" => "case number counters",
        "class_sessions" => "class sessions",
        "classes" => "classes",
        "counselling_notes" => "counselling notes",
        "counselling_participants" => "people in counselling",
        "counselling_sessions" => "counselling sessions",
        "enrolments" => "class enrolments",
        "follow_ups" => "follow-ups",
        "goals" => "goals",
        "literacy_tests" => "literacy tests",
        "person_concerns" => "concerns",
        "person_history" => "changes to people",
        "persons" => "people",
        "placement_visits" => "placement visits",
        "placements" => "placements",
        "services" => "services",
        "skill_completions" => "skills completed",
        "status_changes" => "case status changes",
        "users" => "accounts",
        other => return other.replace('_', " "),
    };
    words.to_string()
}
