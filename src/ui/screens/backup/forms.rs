//! The backup screen's task forms: which fields each task shows, what was
//! typed, and the checks run before any work starts.
//!
//! Every check that can be made on the UI thread without the office file
//! (a name given, a folder there, the passphrase typed twice, a key that
//! parses) is here, so a problem shows beside its field at once and
//! nothing typed is lost. A check returns `None` when the form now shows
//! what is wrong. Problems found later by the work itself come back
//! through [`TaskForm::show_failure`].

use std::path::{Path, PathBuf};

use super::{BackupScreen, Task};
use crate::Error;
use crate::office::backup::{self, AutoSettings, Encryption, Unlock};
use crate::ui::action::Action;
use crate::ui::keymap::Input;
use crate::ui::screens::fields::{Entries, Entry, EntryEvent};
use crate::ui::screens::login::check_twice;
use crate::ui::words::sentence;

/// The fields a task form may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum F {
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
pub(super) const PASSPHRASE: usize = 0;
const EXPORT_METHODS: [&str; 2] = ["a passphrase", "recipient keys (age1…)"];
const OPEN_METHODS: [&str; 2] = ["a passphrase", "an identity file"];
const ON_OFF: [&str; 2] = ["on", "off"];

/// One task's form: labelled entries, rebuilt (keeping what was typed)
/// when the method changes, so only the fields that matter show.
pub(super) struct TaskForm {
    pub(super) task: Task,
    pub(super) ids: Vec<F>,
    pub(super) entries: Entries,
    /// A problem in full (the line beside a field is short).
    pub(super) message: Option<String>,
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

    pub(super) fn choice(&self) -> usize {
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

    pub(super) fn reset_errors(&mut self) {
        self.entries.clear_errors();
        self.message = None;
    }

    pub(super) fn handle(&mut self, input: Input) -> EntryEvent {
        let before = self.choice();
        let event = self.entries.handle(input);
        let now = self.choice();
        if now != before && self.task != Task::Auto {
            *self = TaskForm::build(self.task, now, &self.texts(), F::Method);
        }
        event
    }

    pub(super) fn typed_secret(&self) -> bool {
        !self.text(F::Pass).is_empty() || !self.text(F::Again).is_empty()
    }
}

/// The checks before any work starts. Each returns `None` when the form
/// now shows what is wrong.
impl TaskForm {
    /// Export: where to write, and how to protect the file.
    pub(super) fn check_export(&mut self) -> Option<(PathBuf, Encryption)> {
        let out = PathBuf::from(self.text(F::File).trim());
        if out.as_os_str().is_empty() {
            self.note(F::File, "Choose where to save the backup.");
            return None;
        }
        let out = std::path::absolute(&out).unwrap_or(out);
        if out.exists() {
            self.fail(
                F::File,
                "That file is already there.",
                "That file is already there; casedesk never overwrites a file. Choose a new name.",
            );
            return None;
        }
        if !out.parent().is_some_and(Path::is_dir) {
            self.fail(
                F::File,
                "That folder does not exist.",
                "That folder does not exist (is the USB stick in?).",
            );
            return None;
        }
        let to = if self.choice() == PASSPHRASE {
            if let Err(msg) = check_twice(self.text(F::Pass), self.text(F::Again)) {
                let msg = msg.replace("password", "passphrase");
                self.clear(F::Again);
                self.note(F::Again, &msg);
                return None;
            }
            let p = self.secret(F::Pass);
            if let Err(e) = backup::check_passphrase(&p) {
                self.clear(F::Again);
                self.fail(F::Pass, "Choose a longer passphrase.", sentence(&e));
                return None;
            }
            Encryption::Passphrase(p)
        } else {
            let keys = split_keys(self.text(F::Recipients));
            if keys.is_empty() {
                self.note(F::Recipients, "Give at least one age1… public key.");
                return None;
            }
            match Encryption::parse_recipients(&keys) {
                Ok(r) => Encryption::Recipients(r),
                Err(e) => {
                    self.fail(F::Recipients, "Not an age public key.", sentence(&e));
                    return None;
                }
            }
        };
        Some((out, to))
    }

    /// Restore only: the new office file to write (verify has none).
    pub(super) fn check_target(&mut self) -> Option<Option<PathBuf>> {
        if self.task != Task::Restore {
            return Some(None);
        }
        let to = PathBuf::from(self.text(F::Target).trim());
        if to.as_os_str().is_empty() {
            self.note(F::Target, "Choose a name for the new office file.");
            return None;
        }
        Some(Some(std::path::absolute(&to).unwrap_or(to)))
    }

    /// Verify, restore: the backup named in the form and how to open it
    /// (passphrase or identity file).
    pub(super) fn check_unlock(&mut self) -> Option<(PathBuf, Unlock)> {
        let from = PathBuf::from(self.text(F::File).trim());
        if from.as_os_str().is_empty() {
            self.note(F::File, "Choose the backup file.");
            return None;
        }
        let passphrase_file = match backup::needs_passphrase(&from) {
            Ok(p) => p,
            Err(e) => {
                self.fail(F::File, "Cannot use this file.", sentence(&e));
                return None;
            }
        };
        if self.choice() == PASSPHRASE {
            if !passphrase_file {
                self.fail(
                    F::Method,
                    "Choose an identity file.",
                    "This backup is encrypted to age public keys, not a passphrase: open it with \
                     the identity file (AGE-SECRET-KEY-…) of one of those keys.",
                );
                return None;
            }
            if self.text(F::Pass).is_empty() {
                self.note(F::Pass, "Type the backup's passphrase.");
                return None;
            }
            Some((from, Unlock::Passphrase(self.secret(F::Pass))))
        } else {
            if passphrase_file {
                self.fail(
                    F::Method,
                    "Choose a passphrase.",
                    "This backup is protected with a passphrase, not public keys.",
                );
                return None;
            }
            let id = PathBuf::from(self.text(F::Identity).trim());
            if id.as_os_str().is_empty() {
                self.note(F::Identity, "Choose the identity file.");
                return None;
            }
            match Unlock::identity_file(&id) {
                Ok(u) => Some((from, u)),
                Err(e) => {
                    self.fail(F::Identity, "Not an identity file.", sentence(&e));
                    None
                }
            }
        }
    }

    /// Automatic backups: the settings to keep (`Some(None)`: turn them
    /// off).
    pub(super) fn check_auto(&mut self) -> Option<Option<AutoSettings>> {
        if self.choice() != 0 {
            return Some(None);
        }
        let folder = PathBuf::from(self.text(F::Folder).trim());
        if folder.as_os_str().is_empty() {
            self.note(F::Folder, "Choose the folder for automatic backups.");
            return None;
        }
        let recipients = split_keys(self.text(F::Recipients));
        if recipients.is_empty() {
            self.note(F::Recipients, "Give at least one age1… public key.");
            return None;
        }
        let keep = match self.text(F::Keep).trim().parse::<u32>() {
            Ok(n) if n >= 1 => n,
            _ => {
                self.note(F::Keep, "A number, 1 or more.");
                return None;
            }
        };
        Some(Some(AutoSettings {
            enabled: true,
            folder,
            recipients,
            keep,
        }))
    }

    /// The office refused the automatic backup settings (a bad value):
    /// the note goes beside the field the message is about.
    pub(super) fn show_refused_auto(&mut self, e: &Error) {
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
        self.fail(field, short, sentence(e));
    }

    /// The work failed: the form comes back with a note beside the field
    /// most likely at fault, and the whole message under it.
    pub(super) fn show_failure(&mut self, e: &Error) {
        let full = sentence(e);
        let text = e.to_string();
        match (self.task, e) {
            (Task::Restore, Error::Invalid(_)) if text.contains("already exists") => {
                self.fail(F::Target, "Already there: choose a new name.", full)
            }
            (Task::Export, Error::Invalid(_)) if text.contains("already exists") => {
                self.fail(F::File, "That file is already there.", full)
            }
            (_, Error::NotAllowed(_))
                if self.choice() == PASSPHRASE && self.task != Task::Export =>
            {
                self.clear(F::Pass);
                self.fail(F::Pass, "This does not open the backup.", full)
            }
            (_, Error::NotAllowed(_)) if self.task != Task::Export => {
                self.fail(F::Identity, "This does not open the backup.", full)
            }
            _ => self.fail(F::File, "See the message below.", full),
        }
    }
}

/// Forms open filled in from what the screen knows: the office's keys and
/// folder, a new file name for today.
impl BackupScreen {
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

    pub(super) fn open_form(&self, task: Task) -> TaskForm {
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
            Task::Verify => {
                let file = self.last_written.as_deref().map(path).unwrap_or_default();
                TaskForm::build(task, PASSPHRASE, &[(F::File, file)], F::File)
            }
            Task::Restore => TaskForm::build(task, PASSPHRASE, &[], F::File),
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
}

/// Keys typed in one field, separated by spaces, commas or semicolons.
fn split_keys(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
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
