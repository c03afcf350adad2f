//! Backup (managers): export an encrypted backup, verify one, restore one
//! into a new office file, and set up the automatic backups.
//!
//! Export, verify and restore run on a worker thread (the export opens its
//! own connection, see [`Exporter`]); the screen shows a progress
//! bar fed by a channel and the rest of the desk stays usable. Passphrases
//! are typed hidden and handed on as `SecretString`s; they are never
//! logged or shown.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, TryRecvError};

use chrono::{DateTime, Local, NaiveDate};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Widget, Wrap};

use super::fields::{Entries, Entry, EntryEvent};
use super::login::check_twice;
use crate::config::{AutoBackup, BackupWhen, Config};
use crate::office::OfficePaths;
use crate::office::backup::{
    self, AutoSettings, DataKey, Encryption, ExportSummary, Exporter, Manifest, Progress, Stage,
    Unlock, VerifyReport,
};
use crate::safe_text::{Align, fit, sanitize};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::theme::Theme;
use crate::ui::words::{capitalise, sentence};
use crate::{Error, Result};

/// What the screen offers, in menu order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    Export,
    Verify,
    Restore,
    Auto,
}

const TASKS: [Task; 4] = [Task::Export, Task::Verify, Task::Restore, Task::Auto];

impl Task {
    fn label(self) -> &'static str {
        match self {
            Task::Export => "Export a backup (USB stick, head office)",
            Task::Verify => "Verify a backup",
            Task::Restore => "Restore a backup into a new office file",
            Task::Auto => "Automatic backups",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Task::Export => "Export a backup",
            Task::Verify => "Verify a backup",
            Task::Restore => "Restore a backup",
            Task::Auto => "Automatic backups",
        }
    }
}

/// The fields a task form may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum F {
    /// Passphrase or keys (export), passphrase or identity file (verify,
    /// restore).
    Method,
    Pass,
    Again,
    Recipients,
    /// Export: where to write; verify, restore: the backup to read.
    File,
    /// Restore: the new office file.
    Target,
    Identity,
    Enabled,
    Folder,
    Keep,
}

/// Method choices: the first is always the passphrase.
const PASSPHRASE: usize = 0;
const EXPORT_METHODS: [&str; 2] = ["a passphrase", "recipient keys (age1…)"];
const OPEN_METHODS: [&str; 2] = ["a passphrase", "an identity file"];
const ON_OFF: [&str; 2] = ["on", "off"];

/// One task's form: labelled entries, rebuilt (keeping what was typed)
/// when the method changes, so only the fields that matter show.
struct TaskForm {
    task: Task,
    ids: Vec<F>,
    entries: Entries,
    /// A problem in full (the line beside a field is short).
    message: Option<String>,
}

impl TaskForm {
    fn build(task: Task, method: usize, texts: &[(F, String)], focus: F) -> TaskForm {
        use F::*;
        let ids: Vec<F> = match (task, method == PASSPHRASE) {
            (Task::Export, true) => vec![Method, Pass, Again, File],
            (Task::Export, false) => vec![Method, Recipients, File],
            (Task::Verify, true) => vec![File, Method, Pass],
            (Task::Verify, false) => vec![File, Method, Identity],
            (Task::Restore, true) => vec![File, Target, Method, Pass],
            (Task::Restore, false) => vec![File, Target, Method, Identity],
            (Task::Auto, _) => vec![Enabled, Folder, Recipients, Keep],
        };
        let carried = |f: F| {
            texts
                .iter()
                .find(|(g, _)| *g == f)
                .map_or("", |(_, t)| t.as_str())
        };
        let entries = ids
            .iter()
            .map(|&f| match f {
                Method if task == Task::Export => Entry::cycle("Protect with", &EXPORT_METHODS),
                Method => Entry::cycle("Open with", &OPEN_METHODS),
                Enabled => Entry::cycle("Automatic backups", &ON_OFF),
                Pass => Entry::secret("Passphrase").with_text(carried(f)),
                Again => Entry::secret("Passphrase again").with_text(carried(f)),
                Recipients => Entry::text("Recipient keys").with_text(carried(f)),
                File if task == Task::Export => Entry::text("Save to").with_text(carried(f)),
                File => Entry::text("Backup file").with_text(carried(f)),
                Target => Entry::text("Restore to (new)").with_text(carried(f)),
                Identity => Entry::text("Identity file").with_text(carried(f)),
                Folder => Entry::text("Folder").with_text(carried(f)),
                Keep => Entry::text("Keep the last").with_text(carried(f)),
            })
            .collect();
        let mut form = TaskForm {
            task,
            ids,
            entries: Entries::new(entries),
            message: None,
        };
        if let Some(i) = form.choice_field() {
            form.entries.focus = i;
            for _ in 0..method {
                form.entries.handle(Input::Action(Action::Right));
            }
        }
        form.entries.focus = form.idx(focus).unwrap_or(0);
        form
    }

    fn idx(&self, f: F) -> Option<usize> {
        self.ids.iter().position(|&g| g == f)
    }

    fn choice_field(&self) -> Option<usize> {
        self.idx(F::Method).or_else(|| self.idx(F::Enabled))
    }

    fn choice(&self) -> usize {
        self.choice_field().map_or(0, |i| self.entries.choice(i))
    }

    fn text(&self, f: F) -> &str {
        self.idx(f).map_or("", |i| self.entries.text(i))
    }

    fn secret(&self, f: F) -> age::secrecy::SecretString {
        age::secrecy::SecretString::from(self.text(f).to_string())
    }

    fn texts(&self) -> Vec<(F, String)> {
        self.ids
            .iter()
            .enumerate()
            .map(|(i, f)| (*f, self.entries.text(i).to_string()))
            .collect()
    }

    fn clear(&mut self, f: F) {
        if let Some(i) = self.idx(f) {
            self.entries.clear(i);
        }
    }

    /// A short note beside `f`, and the whole message under the form.
    fn fail(&mut self, f: F, short: &str, full: impl Into<String>) {
        let i = self.idx(f).or_else(|| self.choice_field()).unwrap_or(0);
        self.entries.set_error(i, short);
        self.message = Some(full.into());
    }

    /// One plain message beside `f` (short enough to fit).
    fn note(&mut self, f: F, msg: &str) {
        let i = self.idx(f).unwrap_or(0);
        self.entries.set_error(i, msg);
        self.message = None;
    }

    fn reset_errors(&mut self) {
        self.entries.clear_errors();
        self.message = None;
    }

    fn handle(&mut self, input: Input) -> EntryEvent {
        let before = self.choice();
        let event = self.entries.handle(input);
        let now = self.choice();
        if now != before && self.task != Task::Auto {
            *self = TaskForm::build(self.task, now, &self.texts(), F::Method);
        }
        event
    }

    fn typed_secret(&self) -> bool {
        !self.text(F::Pass).is_empty() || !self.text(F::Again).is_empty()
    }
}

/// What the worker sends.
enum Msg {
    Progress(Progress),
    Done(Done),
}

enum Done {
    Export(Result<ExportSummary>),
    /// The report says whether the office data itself was opened.
    Verify(Result<VerifyReport>),
    Restore(Result<Manifest>, PathBuf),
}

struct Running {
    task: Task,
    /// `None` when the state is only being shown (tests, demonstrations).
    rx: Option<Receiver<Msg>>,
    progress: Option<Progress>,
    /// Given back on failure, so nothing typed is lost.
    form: Option<TaskForm>,
}

enum Mode {
    Menu,
    Form(TaskForm),
    Running(Box<Running>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Plain,
    Good,
    Bad,
    Hint,
}

/// The result of the last task, shown under the menu.
struct Panel {
    title: String,
    lines: Vec<(String, Tone)>,
}

pub struct BackupScreen {
    selected: usize,
    mode: Mode,
    panel: Option<Panel>,
    today: NaiveDate,
    last_good: Option<DateTime<chrono::Utc>>,
    settings: Option<AutoSettings>,
    settings_problem: Option<String>,
    config: AutoBackup,
    office_dir: PathBuf,
}

impl Default for BackupScreen {
    fn default() -> Self {
        BackupScreen::new()
    }
}

impl BackupScreen {
    pub fn new() -> BackupScreen {
        BackupScreen {
            selected: 0,
            mode: Mode::Menu,
            panel: None,
            today: NaiveDate::default(),
            last_good: None,
            settings: None,
            settings_problem: None,
            config: AutoBackup::default(),
            office_dir: PathBuf::from("."),
        }
    }

    /// Show `task` at `progress` as if a worker were running it (for
    /// snapshots and demonstrations; nothing runs).
    pub fn show_progress(&mut self, task: Task, progress: Progress) {
        self.mode = Mode::Running(Box::new(Running {
            task,
            rx: None,
            progress: Some(progress),
            form: None,
        }));
    }

    /// A new file name in the automatic backup folder (this machine's, or
    /// the office's), else beside the office file.
    fn default_export_path(&self) -> PathBuf {
        let dir = self
            .config
            .dir
            .clone()
            .filter(|d| d.is_dir())
            .or_else(|| {
                self.settings
                    .as_ref()
                    .map(|s| s.folder.clone())
                    .filter(|d| d.is_dir())
            })
            .unwrap_or_else(|| self.office_dir.clone());
        let stem = format!("casedesk-export-{}", self.today.format("%Y-%m-%d"));
        let mut path = dir.join(format!("{stem}.age"));
        let mut n = 2;
        while path.exists() {
            path = dir.join(format!("{stem}-{n}.age"));
            n += 1;
        }
        path
    }

    fn open_form(&self, task: Task) -> TaskForm {
        let path = |p: &Path| p.display().to_string();
        match task {
            Task::Export => {
                let keys = self
                    .settings
                    .as_ref()
                    .map(|s| s.recipients.join(" "))
                    .unwrap_or_default();
                let method = usize::from(!keys.is_empty());
                TaskForm::build(
                    task,
                    method,
                    &[
                        (F::Recipients, keys),
                        (F::File, path(&self.default_export_path())),
                    ],
                    F::Method,
                )
            }
            Task::Verify | Task::Restore => TaskForm::build(task, PASSPHRASE, &[], F::File),
            Task::Auto => {
                let s = self.settings.as_ref();
                let folder = s
                    .map(|s| path(&s.folder))
                    .or_else(|| self.config.dir.as_deref().map(path))
                    .unwrap_or_default();
                TaskForm::build(
                    task,
                    usize::from(s.is_some_and(|s| !s.enabled)),
                    &[
                        (F::Folder, folder),
                        (
                            F::Recipients,
                            s.map(|s| s.recipients.join(" ")).unwrap_or_default(),
                        ),
                        (
                            F::Keep,
                            s.map_or(backup::DEFAULT_KEEP, |s| s.keep).to_string(),
                        ),
                    ],
                    F::Enabled,
                )
            }
        }
    }

    fn submit(&mut self, mut form: TaskForm, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        form.reset_errors();
        let outcome = match form.task {
            Task::Export => self.start_export(&mut form, ctx)?,
            Task::Verify | Task::Restore => self.start_read(&mut form, ctx)?,
            Task::Auto => self.save_auto(&mut form, ctx)?,
        };
        match outcome {
            Some(o) => {
                if let Mode::Running(r) = &mut self.mode {
                    r.form = Some(form);
                }
                Ok(o)
            }
            None => {
                self.mode = Mode::Form(form);
                Ok(Outcome::Stay)
            }
        }
    }

    /// Check the export form and start the worker; `None` when the form
    /// shows a problem.
    fn start_export(
        &mut self,
        form: &mut TaskForm,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<Option<Outcome>> {
        let out = PathBuf::from(form.text(F::File).trim());
        if out.as_os_str().is_empty() {
            form.note(F::File, "Choose where to save the backup.");
            return Ok(None);
        }
        let out = std::path::absolute(&out).unwrap_or(out);
        if out.exists() {
            form.fail(
                F::File,
                "That file is already there.",
                "That file is already there; casedesk never overwrites a file. Choose a new name.",
            );
            return Ok(None);
        }
        if !out.parent().is_some_and(Path::is_dir) {
            form.fail(
                F::File,
                "That folder does not exist.",
                "That folder does not exist (is the USB stick in?).",
            );
            return Ok(None);
        }
        let to = if form.choice() == PASSPHRASE {
            if let Err(msg) = check_twice(form.text(F::Pass), form.text(F::Again)) {
                let msg = msg.replace("password", "passphrase");
                form.clear(F::Again);
                form.note(F::Again, &msg);
                return Ok(None);
            }
            let p = form.secret(F::Pass);
            if let Err(e) = backup::check_passphrase(&p) {
                form.clear(F::Again);
                form.fail(F::Pass, "Choose a longer passphrase.", sentence(&e));
                return Ok(None);
            }
            Encryption::Passphrase(p)
        } else {
            let keys = split_keys(form.text(F::Recipients));
            if keys.is_empty() {
                form.note(F::Recipients, "Give at least one age1… public key.");
                return Ok(None);
            }
            match Encryption::parse_recipients(&keys) {
                Ok(r) => Encryption::Recipients(r),
                Err(e) => {
                    form.fail(F::Recipients, "Not an age public key.", sentence(&e));
                    return Ok(None);
                }
            }
        };
        let mut exporter = Exporter::new(ctx.session)?;
        tracing::info!("backup.export.start");
        self.spawn(Task::Export, move |progress| {
            Done::Export(exporter.run(&out, &to, progress))
        })?;
        Ok(Some(Outcome::Stay))
    }

    /// How to open the backup named in the form (passphrase or identity
    /// file); `None` when the form shows a problem.
    fn unlock(form: &mut TaskForm) -> Option<(PathBuf, Unlock)> {
        let from = PathBuf::from(form.text(F::File).trim());
        if from.as_os_str().is_empty() {
            form.note(F::File, "Choose the backup file.");
            return None;
        }
        let passphrase_file = match backup::needs_passphrase(&from) {
            Ok(p) => p,
            Err(e) => {
                form.fail(F::File, "Cannot use this file.", sentence(&e));
                return None;
            }
        };
        if form.choice() == PASSPHRASE {
            if !passphrase_file {
                form.fail(
                    F::Method,
                    "Choose an identity file.",
                    "This backup is encrypted to age public keys, not a passphrase: open it with \
                     the identity file (AGE-SECRET-KEY-…) of one of those keys.",
                );
                return None;
            }
            if form.text(F::Pass).is_empty() {
                form.note(F::Pass, "Type the backup's passphrase.");
                return None;
            }
            Some((from, Unlock::Passphrase(form.secret(F::Pass))))
        } else {
            if passphrase_file {
                form.fail(
                    F::Method,
                    "Choose a passphrase.",
                    "This backup is protected with a passphrase, not public keys.",
                );
                return None;
            }
            let id = PathBuf::from(form.text(F::Identity).trim());
            if id.as_os_str().is_empty() {
                form.note(F::Identity, "Choose the identity file.");
                return None;
            }
            match Unlock::identity_file(&id) {
                Ok(u) => Some((from, u)),
                Err(e) => {
                    form.fail(F::Identity, "Not an identity file.", sentence(&e));
                    None
                }
            }
        }
    }

    fn start_read(
        &mut self,
        form: &mut TaskForm,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<Option<Outcome>> {
        let target = if form.task == Task::Restore {
            let to = PathBuf::from(form.text(F::Target).trim());
            if to.as_os_str().is_empty() {
                form.note(F::Target, "Choose a name for the new office file.");
                return Ok(None);
            }
            Some(std::path::absolute(&to).unwrap_or(to))
        } else {
            None
        };
        let Some((from, unlock)) = BackupScreen::unlock(form) else {
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

    fn save_auto(
        &mut self,
        form: &mut TaskForm,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<Option<Outcome>> {
        let on = form.choice() == 0;
        let settings = if on {
            let folder = PathBuf::from(form.text(F::Folder).trim());
            if folder.as_os_str().is_empty() {
                form.note(F::Folder, "Choose the folder for automatic backups.");
                return Ok(None);
            }
            let recipients = split_keys(form.text(F::Recipients));
            if recipients.is_empty() {
                form.note(F::Recipients, "Give at least one age1… public key.");
                return Ok(None);
            }
            let keep = match form.text(F::Keep).trim().parse::<u32>() {
                Ok(n) if n >= 1 => n,
                _ => {
                    form.note(F::Keep, "A number, 1 or more.");
                    return Ok(None);
                }
            };
            Some(AutoSettings {
                enabled: true,
                folder,
                recipients,
                keep,
            })
        } else {
            None
        };
        match ctx.session.configure_auto_backup(settings) {
            Ok(()) => {}
            Err(e @ (Error::Invalid(_) | Error::Usage(_))) => {
                let text = e.to_string();
                let field = if text.contains("folder") {
                    F::Folder
                } else if text.contains("recipient") || text.contains("key") {
                    F::Recipients
                } else {
                    F::Keep
                };
                let short = match field {
                    F::Folder => "That folder does not exist.",
                    F::Recipients => "Not an age public key.",
                    _ => "Check this value.",
                };
                form.fail(field, short, sentence(&e));
                return Ok(None);
            }
            Err(e) => return Err(e),
        }
        tracing::info!(on, "backup.auto.configured");
        self.mode = Mode::Menu;
        self.refresh(ctx)?;
        let text = if on {
            "Automatic backups are on.".to_string()
        } else {
            "Automatic backups are off.".to_string()
        };
        self.panel = Some(Panel {
            title: "Automatic backups".into(),
            lines: vec![(text.clone(), Tone::Good)],
        });
        Ok(Some(Outcome::Status(text)))
    }

    fn spawn(
        &mut self,
        task: Task,
        work: impl FnOnce(&mut dyn FnMut(Progress)) -> Done + Send + 'static,
    ) -> Result<()> {
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("backup".into())
            .spawn(move || {
                let ptx = tx.clone();
                let mut progress = move |p: Progress| {
                    let _ = ptx.send(Msg::Progress(p));
                };
                let done = work(&mut progress);
                let _ = tx.send(Msg::Done(done));
            })
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

    /// The worker is done: show the result, or give the form back with the
    /// problem beside its field.
    fn finish(&mut self, run: Running, done: Option<Done>, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        let mut form = run.form;
        let failed = |form: &mut Option<TaskForm>, e: &Error| -> Mode {
            let Some(mut f) = form.take() else {
                return Mode::Menu;
            };
            let full = sentence(e);
            let text = e.to_string();
            match (f.task, e) {
                (Task::Restore, Error::Invalid(_)) if text.contains("already exists") => {
                    f.fail(F::Target, "Already there: choose a new name.", full)
                }
                (Task::Export, Error::Invalid(_)) if text.contains("already exists") => {
                    f.fail(F::File, "That file is already there.", full)
                }
                (_, Error::NotAllowed(_)) if f.choice() == PASSPHRASE && f.task != Task::Export => {
                    f.clear(F::Pass);
                    f.fail(F::Pass, "This does not open the backup.", full)
                }
                (_, Error::NotAllowed(_)) if f.task != Task::Export => {
                    f.fail(F::Identity, "This does not open the backup.", full)
                }
                _ => f.fail(F::File, "See the message below.", full),
            }
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
                if let Some(f) = &form {
                    if f.choice() == PASSPHRASE {
                        lines.push((
                            "Keep the passphrase apart from the file: without it nobody can \
                             restore this backup."
                                .into(),
                            Tone::Hint,
                        ));
                    }
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

    fn render_top(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let w = usize::from(area.width.saturating_sub(1));
        let menu = matches!(self.mode, Mode::Menu);
        let current = match &self.mode {
            Mode::Menu => None,
            Mode::Form(f) => Some(f.task),
            Mode::Running(r) => Some(r.task),
        };
        for (i, task) in TASKS.iter().enumerate() {
            let y = area.y + i as u16;
            if y >= area.bottom() {
                return;
            }
            let chosen = if menu {
                i == self.selected
            } else {
                current == Some(*task)
            };
            let style = match (chosen, menu) {
                (true, true) => t.selected,
                (true, false) => t.label_focus,
                (false, true) => t.base,
                (false, false) => t.hint,
            };
            let marker = if chosen { "▸" } else { " " };
            buf.set_style(Rect::new(area.x, y, area.width, 1), style);
            buf.set_stringn(
                area.x,
                y,
                fit(&format!("{marker} {}", task.label()), w + 1, Align::Left),
                w + 1,
                style,
            );
        }
        let (last, last_style) = match self.last_good {
            Some(tm) => {
                let days = (self.today - tm.with_timezone(&Local).date_naive()).num_days();
                let stale = days > backup::STALE_AFTER_DAYS;
                (
                    format!("Last good backup: {}{}", local(tm), ago(days)),
                    if stale { t.warning } else { t.base },
                )
            }
            None => ("Last good backup: none yet".to_string(), t.warning),
        };
        let (auto, folder) = match (&self.settings_problem, &self.settings) {
            (Some(p), _) => (p.clone(), String::new()),
            (None, Some(s)) if s.enabled => {
                let keep = match self.config.keep {
                    0 => s.keep,
                    n => n,
                };
                let folder = self.config.dir.as_ref().unwrap_or(&s.folder);
                (
                    format!(
                        "Automatic: on, {} · keep {keep} · {} key{}",
                        self.config.when.describe(),
                        s.recipients.len(),
                        if s.recipients.len() == 1 { "" } else { "s" }
                    ),
                    format!("Folder: {}", folder.display()),
                )
            }
            _ => ("Automatic: off".to_string(), String::new()),
        };
        let lines = [(last, last_style), (auto, t.base), (folder, t.base)];
        for (k, (text, style)) in lines.iter().enumerate() {
            let y = area.y + TASKS.len() as u16 + 1 + k as u16;
            if y < area.bottom() {
                buf.set_stringn(area.x + 1, y, fit(text, w, Align::Left), w, *style);
            }
        }
    }

    fn render_panel(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        if area.height < 3 {
            return;
        }
        let (title, focused) = match &self.mode {
            Mode::Menu => match &self.panel {
                Some(p) => (p.title.clone(), false),
                None => return,
            },
            Mode::Form(f) => (f.task.title().to_string(), true),
            Mode::Running(r) => (r.task.title().to_string(), false),
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if focused { t.border_focus } else { t.border })
            .style(t.base)
            .title(Span::styled(format!(" {title} "), t.title));
        let inner = block.inner(area);
        block.render(area, buf);
        let inner = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            ..inner
        };
        match &self.mode {
            Mode::Menu => {
                if let Some(p) = &self.panel {
                    paragraph(&p.lines, t).render(inner, buf);
                }
            }
            Mode::Form(f) => {
                let h = f.entries.height().min(inner.height);
                f.entries.render(Rect { height: h, ..inner }, buf, t, true);
                let rest = Rect {
                    y: inner.y + h + 1,
                    height: inner.height.saturating_sub(h + 1),
                    ..inner
                };
                let mut lines = Vec::new();
                if let Some(m) = &f.message {
                    lines.push((m.clone(), Tone::Bad));
                }
                lines.push((form_hint(f, self.config.when), Tone::Hint));
                paragraph(&lines, t).render(rest, buf);
            }
            Mode::Running(r) => render_progress(r, inner, buf, t),
        }
    }
}

impl Screen for BackupScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Backup
    }

    fn context_stack(&self) -> &'static [Context] {
        match self.mode {
            Mode::Form(_) => stacks::TEXT,
            _ => stacks::LIST,
        }
    }

    fn set_config(&mut self, config: &Config) {
        self.config = config.auto_backup.clone();
    }

    fn refresh(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        self.today = ctx.today;
        self.last_good = ctx.session.last_good_backup();
        match ctx.session.auto_backup_settings() {
            Ok(s) => {
                self.settings = s;
                self.settings_problem = None;
            }
            Err(e) => {
                self.settings = None;
                self.settings_problem = Some(sentence(&e));
            }
        }
        self.office_dir = ctx
            .session
            .paths()
            .db
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        Ok(())
    }

    fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        match &mut self.mode {
            Mode::Running(_) => Ok(Outcome::Stay),
            Mode::Form(form) => match form.handle(input) {
                EntryEvent::None => Ok(Outcome::Stay),
                EntryEvent::Back => {
                    self.mode = Mode::Menu;
                    Ok(Outcome::Stay)
                }
                EntryEvent::Submit => {
                    let Mode::Form(form) = std::mem::replace(&mut self.mode, Mode::Menu) else {
                        return Ok(Outcome::Stay);
                    };
                    self.submit(form, ctx)
                }
            },
            Mode::Menu => {
                let Input::Action(a) = input else {
                    return Ok(Outcome::Stay);
                };
                match a {
                    Action::Down => self.selected = (self.selected + 1).min(TASKS.len() - 1),
                    Action::Up => self.selected = self.selected.saturating_sub(1),
                    Action::Home | Action::PageUp => self.selected = 0,
                    Action::End | Action::PageDown => self.selected = TASKS.len() - 1,
                    Action::Confirm => {
                        self.panel = None;
                        self.mode = Mode::Form(self.open_form(TASKS[self.selected]));
                    }
                    Action::Refresh => self.refresh(ctx)?,
                    Action::Back => return Ok(Outcome::Back),
                    _ => {}
                }
                Ok(Outcome::Stay)
            }
        }
    }

    fn tick(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
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

    fn is_working(&self) -> bool {
        matches!(&self.mode, Mode::Running(r) if r.rx.is_some())
    }

    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let t = theme;
        let hint = match self.mode {
            Mode::Menu => " ↑↓ choose · Enter open · Esc back ",
            Mode::Form(_) => " Enter next, on the last: go · ←→ choose · Esc cancel ",
            Mode::Running(_) => " Working… the other screens stay usable ",
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border)
            .style(t.base)
            .title(Span::styled(" Backup ", t.title))
            .title_bottom(Span::styled(hint, t.hint));
        let inner = block.inner(area);
        block.render(area, buf);
        let top_h = (TASKS.len() as u16 + 4).min(inner.height);
        self.render_top(
            Rect {
                height: top_h,
                ..inner
            },
            buf,
            t,
        );
        let panel = Rect {
            y: inner.y + top_h,
            height: inner.height.saturating_sub(top_h),
            ..inner
        };
        self.render_panel(panel, buf, t);
    }

    fn cursor(&self) -> Option<Position> {
        match &self.mode {
            Mode::Form(f) => f.entries.cursor(),
            _ => None,
        }
    }

    fn has_unsaved_work(&self) -> bool {
        match &self.mode {
            Mode::Form(f) => f.typed_secret(),
            Mode::Running(_) => self.is_working(),
            Mode::Menu => false,
        }
    }

    fn help_intro(&self) -> &str {
        "Encrypted backups of the whole office. Export writes one file (to a USB stick, or for \
         head office) protected with a passphrase or with age public keys; it is checked by \
         decrypting it again before it gets its name. Verify checks a backup without restoring \
         it. Restore writes a backup into a new office file (never over an existing one); open \
         it with casedesk --db PATH and everyone's usual password. Automatic backups write one \
         backup a day to a folder, encrypted to the office's keys, and keep the last few."
    }
}

fn render_progress(r: &Running, area: Rect, buf: &mut Buffer, t: &Theme) {
    let (stage, done, total) = match r.progress {
        Some(p) => (p.stage, p.done, p.total),
        None => (
            match r.task {
                Task::Restore => Stage::Restoring,
                Task::Verify => Stage::Verifying,
                _ => Stage::Snapshot,
            },
            0,
            0,
        ),
    };
    let step = match (r.task, stage) {
        (Task::Export, Stage::Snapshot) => "Step 1 of 4: ",
        (Task::Export, Stage::Checksums) => "Step 2 of 4: ",
        (Task::Export, Stage::Encrypting) => "Step 3 of 4: ",
        (Task::Export, Stage::Verifying) => "Step 4 of 4: ",
        _ => "",
    };
    let head = if step.is_empty() {
        capitalise(stage.label())
    } else {
        format!("{step}{}", stage.label())
    };
    let w = usize::from(area.width);
    if area.height == 0 {
        return;
    }
    buf.set_stringn(area.x, area.y, fit(&head, w, Align::Left), w, t.base);
    if area.height < 3 {
        return;
    }
    let ratio = if total > 0 {
        (done as f64 / total as f64).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let label = if total > 0 {
        format!(
            "{}%  {} of {}",
            (ratio * 100.0).floor() as u32,
            size(done),
            size(total)
        )
    } else {
        "working…".to_string()
    };
    Gauge::default()
        .gauge_style(t.selected)
        .style(t.base)
        .ratio(ratio)
        .label(Span::styled(label, t.base))
        .render(Rect::new(area.x, area.y + 2, area.width, 1), buf);
    if area.height > 4 {
        buf.set_stringn(
            area.x,
            area.y + 4,
            fit(
                "Nothing half-written ever looks like a good backup.",
                w,
                Align::Left,
            ),
            w,
            t.hint,
        );
    }
}

fn paragraph<'a>(lines: &'a [(String, Tone)], t: &Theme) -> Paragraph<'a> {
    let text: Vec<Line> = lines
        .iter()
        .map(|(s, tone)| {
            let style: Style = match tone {
                Tone::Plain => t.base,
                Tone::Good => t.base,
                Tone::Bad => t.error,
                Tone::Hint => t.hint,
            };
            Line::from(Span::styled(sanitize(s).into_owned(), style))
        })
        .collect();
    Paragraph::new(text).wrap(Wrap { trim: true })
}

fn form_hint(f: &TaskForm, when: BackupWhen) -> String {
    match f.task {
        Task::Export if f.choice() == PASSPHRASE => format!(
            "At least {} characters. Keep it apart from the file.",
            backup::MIN_PASSPHRASE_CHARS
        ),
        Task::Export => "Only the holders of these keys can read the backup.".into(),
        Task::Verify => "Nothing is changed; the backup is only read.".into(),
        Task::Restore => "A new office file is made; nothing existing is touched.".into(),
        Task::Auto => format!(
            "A backup a day, {} (config.toml: auto_backup.when).",
            when.describe()
        ),
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
        .map(|(t, n)| format!("{} {n}", sanitize(t)))
        .collect();
    format!("Rows: {}", list.join(" · "))
}

/// Keys typed in one field, separated by spaces, commas or semicolons.
fn split_keys(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn local(t: DateTime<chrono::Utc>) -> String {
    t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string()
}

/// A manifest's RFC 3339 time, in local time.
fn when(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| local(t.with_timezone(&chrono::Utc)))
        .unwrap_or_else(|_| sanitize(rfc3339).into_owned())
}

fn ago(days: i64) -> String {
    match days {
        i64::MIN..=0 => String::new(),
        1 => " (yesterday)".into(),
        n => format!(" ({n} days ago)"),
    }
}

fn size(bytes: u64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    if bytes < 1024 * 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MB", bytes as f64 / MB)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_split_on_spaces_and_commas() {
        assert_eq!(split_keys(" a, b;c\n d "), vec!["a", "b", "c", "d"]);
        assert!(split_keys("  ").is_empty());
    }

    #[test]
    fn changing_the_method_keeps_what_was_typed() {
        let mut f = TaskForm::build(
            Task::Export,
            PASSPHRASE,
            &[(F::File, "x.age".into())],
            F::Method,
        );
        assert_eq!(f.ids, vec![F::Method, F::Pass, F::Again, F::File]);
        f.handle(Input::Action(Action::Right));
        assert_eq!(f.ids, vec![F::Method, F::Recipients, F::File]);
        assert_eq!(f.text(F::File), "x.age");
        f.handle(Input::Action(Action::Left));
        assert_eq!(f.choice(), PASSPHRASE);
        assert_eq!(f.idx(F::Pass), Some(1));
    }
}
