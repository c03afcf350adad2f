//! Backup (managers): export an encrypted backup, verify one, restore one
//! into a new office file, and set up the automatic backups.
//!
//! Export, verify and restore run on a worker thread (the export opens its
//! own connection, see [`Exporter`]); the screen shows a progress
//! bar fed by a channel and the rest of the desk stays usable. Passphrases
//! are typed hidden and handed on as `SecretString`s; they are never
//! logged or shown.
//!
//! This file is the screen and its state machine (menu → form → running →
//! menu with a result panel). The rest is split by job so each can be
//! read alone: `forms.rs` the task forms and the checks made before any
//! work starts, `jobs.rs` the work off the UI thread and what its results
//! say, `render.rs` the drawing.
//!
//! [`Exporter`]: crate::office::backup::Exporter

mod forms;
mod jobs;
mod render;

use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use self::forms::TaskForm;
use self::jobs::Running;
use super::fields::EntryEvent;
use crate::config::{AutoBackup, Config};
use crate::office::backup::{AutoSettings, Progress};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::theme::Theme;
use crate::ui::words::sentence;
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
    /// The file the last export wrote: Verify offers it.
    last_written: Option<PathBuf>,
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
            last_written: None,
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

    /// Enter on a form's last field: check it and start the work; on a
    /// problem the form stays, with what was typed.
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

    /// Automatic backups are saved at once, on this thread: one small
    /// write, nothing to wait for.
    fn save_auto(
        &mut self,
        form: &mut TaskForm,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<Option<Outcome>> {
        let Some(settings) = form.check_auto() else {
            return Ok(None);
        };
        let on = settings.is_some();
        match ctx.session.configure_auto_backup(settings) {
            Ok(()) => {}
            Err(e @ (Error::Invalid(_) | Error::Usage(_))) => {
                form.show_refused_auto(&e);
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
                    // A result panel is the screen's own page: Esc
                    // closes it back to the menu's start, and only the
                    // next Esc leaves the screen.
                    Action::Back if self.panel.is_some() => {
                        self.panel = None;
                        self.selected = 0;
                    }
                    Action::Back => return Ok(Outcome::Back),
                    _ => {}
                }
                Ok(Outcome::Stay)
            }
        }
    }

    fn tick(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        self.poll(ctx)
    }

    fn is_working(&self) -> bool {
        matches!(&self.mode, Mode::Running(r) if r.rx.is_some())
    }

    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        self.draw(area, buf, theme)
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
