//! The Import screen's first step: what to import and from where, with
//! the same choices as `casedesk import` (file, sheet, mapping file, how
//! the file writes its dates, programme or class, what to do with rows
//! that have problems, dry run).
//!
//! Checks that need no office file (a path typed, the file there, the
//! mapping file readable) are made here, so a problem shows beside its
//! field at once and nothing typed is lost. [`ImportForm::show_refused`]
//! puts the office's own refusal (an unreadable file, an unknown sheet)
//! beside the field it is about.

use std::path::PathBuf;

use crate::Error;
use crate::domain::Programme;
use crate::domain::dates::DateOrder;
use crate::office::import::{ImportKind, ImportOptions, MappingFile};
use crate::ui::keymap::Input;
use crate::ui::screens::fields::{Entries, Entry, EntryEvent};
use crate::ui::words::sentence;

/// The fields the form may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum F {
    What,
    File,
    Sheet,
    Map,
    /// How the file writes 03/04/2026 (`--dates`): the office's order
    /// unless chosen.
    Dates,
    /// People: the programme of rows that do not say.
    Programme,
    /// Attendance: the class.
    Class,
    /// Rows with problems: stop, or skip them into the rejects file.
    Invalid,
    /// Preview then confirm, or a dry run only.
    Run,
}

/// What can be imported, in the order the form offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum What {
    People,
    Services,
    Attendance,
    Activities,
}

pub(super) const WHATS: [What; 4] = [
    What::People,
    What::Services,
    What::Attendance,
    What::Activities,
];
const WHAT_LABELS: [&str; 4] = [
    "people (the register)",
    "services delivered",
    "attendance (a class's month sheet)",
    "activities (outreach, meetings)",
];
/// The Dates choice: the office's order, or one for this file.
const DATES: [Option<DateOrder>; 4] = [
    None,
    Some(DateOrder::Dmy),
    Some(DateOrder::Mdy),
    Some(DateOrder::Ymd),
];
const PROGRAMMES: [&str; 3] = ["as the file says", "CPC", "women's desk"];
const INVALID: [&str; 2] = [
    "save nothing if any row has a problem",
    "skip them (rejects file beside the input)",
];
const RUN: [&str; 2] = ["preview, then confirm", "dry run only: save nothing"];

impl What {
    pub(super) fn noun(self) -> &'static str {
        match self {
            What::People => "people",
            What::Services => "services",
            What::Attendance => "attendance",
            What::Activities => "activities",
        }
    }
}

/// The form: labelled entries, rebuilt (keeping what was typed) when what
/// is imported changes, so only the fields that matter show.
#[derive(Debug, Clone)]
pub(super) struct ImportForm {
    pub(super) ids: Vec<F>,
    pub(super) entries: Entries,
    /// A problem in full (the note beside a field is short).
    pub(super) message: Option<String>,
}

/// What the form asks for, checked: ready for `preview_import` once the
/// class (attendance) is found.
pub(super) struct Request {
    pub(super) what: What,
    pub(super) file: PathBuf,
    pub(super) class: String,
    pub(super) options: ImportOptions,
    pub(super) dry_run: bool,
}

impl ImportForm {
    pub(super) fn new() -> ImportForm {
        ImportForm::build(&[], F::What)
    }

    /// Build for the choices and texts carried in `carried` (F, text or the
    /// chosen option's index as text), focused on `focus`.
    fn build(carried: &[(F, String)], focus: F) -> ImportForm {
        use F::*;
        let get = |f: F| {
            carried
                .iter()
                .find(|(g, _)| *g == f)
                .map_or("", |(_, t)| t.as_str())
        };
        let choice = |f: F| get(f).parse::<usize>().unwrap_or(0);
        let what = WHATS[choice(What).min(WHATS.len() - 1)];
        let mut ids = vec![What, File, Sheet, Map, Dates];
        match what {
            self::What::People => ids.push(Programme),
            self::What::Attendance => ids.push(Class),
            _ => {}
        }
        ids.extend([Invalid, Run]);
        let entries = ids
            .iter()
            .map(|&f| match f {
                What => Entry::cycle("Import", &WHAT_LABELS),
                File => Entry::text("From the file").with_text(get(f)),
                Sheet => Entry::text("Sheet (workbooks)").with_text(get(f)),
                Map => Entry::text("Mapping file").with_text(get(f)),
                Dates => {
                    // The office's own order, named: the choice to keep.
                    let office = format!("as the office: {}", crate::ui::dates::order().label());
                    let labels: Vec<&str> = DATES
                        .iter()
                        .map(|o| o.map_or(office.as_str(), |d| d.label()))
                        .collect();
                    Entry::cycle("Dates in the file", &labels)
                }
                Programme => Entry::cycle("Programme", &PROGRAMMES),
                Class => Entry::text("Class").with_text(get(f)),
                Invalid => Entry::cycle("Rows with problems", &INVALID),
                Run => Entry::cycle("Then", &RUN),
            })
            .collect();
        let mut form = ImportForm {
            ids,
            entries: Entries::new(entries),
            message: None,
        };
        for f in [What, Dates, Programme, Invalid, Run] {
            if let Some(i) = form.idx(f) {
                form.entries.focus = i;
                for _ in 0..choice(f) {
                    form.entries
                        .handle(Input::Action(crate::ui::action::Action::Right));
                }
            }
        }
        form.entries.focus = form.idx(focus).unwrap_or(0);
        form
    }

    pub(super) fn idx(&self, f: F) -> Option<usize> {
        self.ids.iter().position(|&g| g == f)
    }

    pub(super) fn text(&self, f: F) -> &str {
        self.idx(f).map_or("", |i| self.entries.text(i))
    }

    fn choice(&self, f: F) -> usize {
        self.idx(f).map_or(0, |i| self.entries.choice(i))
    }

    pub(super) fn what(&self) -> What {
        WHATS[self.choice(F::What).min(WHATS.len() - 1)]
    }

    pub(super) fn dry_run(&self) -> bool {
        self.choice(F::Run) == 1
    }

    /// Everything typed and chosen, to rebuild the form from.
    fn carried(&self) -> Vec<(F, String)> {
        self.ids
            .iter()
            .enumerate()
            .map(|(i, f)| match f {
                F::What | F::Dates | F::Programme | F::Invalid | F::Run => {
                    (*f, self.entries.choice(i).to_string())
                }
                _ => (*f, self.entries.text(i).to_string()),
            })
            .collect()
    }

    /// The same form, fresh (no notes), as it was filled in: for going
    /// back to it after a preview or an import.
    pub(super) fn again(&self) -> ImportForm {
        ImportForm::build(&self.carried(), F::File)
    }

    pub(super) fn handle(&mut self, input: Input) -> EntryEvent {
        let before = self.what();
        let event = self.entries.handle(input);
        if self.what() != before {
            *self = ImportForm::build(&self.carried(), F::What);
        }
        event
    }

    pub(super) fn reset_errors(&mut self) {
        self.entries.clear_errors();
        self.message = None;
    }

    /// A short note beside `f`, and the whole message under the form.
    pub(super) fn fail(&mut self, f: F, short: &str, full: Option<String>) {
        let i = self.idx(f).unwrap_or(0);
        self.entries.set_error(i, short);
        self.message = full;
    }

    /// Check what was typed; `None` when the form now shows what is wrong.
    pub(super) fn check(&mut self) -> Option<Request> {
        self.reset_errors();
        let file = PathBuf::from(self.text(F::File).trim());
        if file.as_os_str().is_empty() {
            self.fail(F::File, "Type the path of the spreadsheet.", None);
            return None;
        }
        if file.is_dir() {
            self.fail(F::File, "That is a folder, not a file.", None);
            return None;
        }
        if !file.exists() {
            self.fail(
                F::File,
                "File not found.",
                Some(format!(
                    "There is no file at {}. Check the folder and the name (is the USB stick in?).",
                    file.display()
                )),
            );
            return None;
        }
        let sheet = self.text(F::Sheet).trim();
        let sheet = (!sheet.is_empty()).then(|| sheet.to_string());
        let map_path = self.text(F::Map).trim().to_string();
        let mapping = if map_path.is_empty() {
            None
        } else {
            match MappingFile::load(std::path::Path::new(&map_path)) {
                Ok(m) => Some(m),
                Err(e) => {
                    let short = if std::path::Path::new(&map_path).exists() {
                        "This mapping file has a problem."
                    } else {
                        "Mapping file not found."
                    };
                    self.fail(F::Map, short, Some(sentence(&e)));
                    return None;
                }
            }
        };
        let what = self.what();
        let class = self.text(F::Class).trim().to_string();
        if what == What::Attendance && class.is_empty() {
            self.fail(F::Class, "Type the class's name.", None);
            return None;
        }
        let programme = match self.choice(F::Programme) {
            1 => Some(Programme::Cpc),
            2 => Some(Programme::WomensDesk),
            _ => None,
        };
        Some(Request {
            what,
            file,
            class,
            options: ImportOptions {
                sheet,
                mapping,
                programme,
                skip_invalid: self.choice(F::Invalid) == 1,
                dates: DATES[self.choice(F::Dates).min(DATES.len() - 1)],
                ..ImportOptions::default()
            },
            dry_run: self.dry_run(),
        })
    }

    /// The office refused to read the file: the note goes beside the
    /// field the message is about, the whole message under the form.
    pub(super) fn show_refused(&mut self, e: &Error) {
        let text = e.to_string();
        let (field, short) = if text.contains("sheet") {
            (F::Sheet, "No such sheet in this workbook.")
        } else if text.contains("mapping file") {
            (F::Map, "The mapping file does not fit this file.")
        } else if text.contains("class") {
            (F::Class, "No class by this name.")
        } else if text.contains("cannot be read") || text.contains("cannot read") {
            (F::File, "Cannot read this file.")
        } else {
            (F::File, "See the message below.")
        };
        let field = if self.idx(field).is_some() {
            field
        } else {
            F::File
        };
        self.fail(field, short, Some(sentence(e)));
    }
}

impl What {
    /// The office's kind for this choice (`class_id` for attendance).
    pub(super) fn kind(self, class_id: i64) -> ImportKind {
        match self {
            What::People => ImportKind::People,
            What::Services => ImportKind::Services,
            What::Attendance => ImportKind::Attendance {
                class_id,
                extra: false,
            },
            What::Activities => ImportKind::Activities,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::action::Action;

    #[test]
    fn changing_what_keeps_the_file_and_shows_its_own_fields() {
        let mut f = ImportForm::new();
        f.entries.focus = f.idx(F::File).expect("file");
        for c in "x.csv".chars() {
            f.handle(Input::Text(c));
        }
        assert!(f.idx(F::Programme).is_some());
        f.entries.focus = 0;
        f.handle(Input::Action(Action::Right));
        f.handle(Input::Action(Action::Right));
        assert_eq!(f.what(), What::Attendance);
        assert!(f.idx(F::Programme).is_none());
        assert!(f.idx(F::Class).is_some());
        assert_eq!(f.text(F::File), "x.csv");
    }

    #[test]
    fn the_dates_choice_is_the_office_order_unless_chosen() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("x.csv");
        std::fs::write(&file, "Name\nAli\n").expect("write");
        let path = file.display().to_string();
        let mut f = ImportForm::build(&[(F::File, path.clone())], F::File);
        assert_eq!(f.check().map(|r| r.options.dates), Some(None));
        let mut g = ImportForm::build(&[(F::File, path), (F::Dates, "2".into())], F::File);
        assert_eq!(
            g.check().map(|r| r.options.dates),
            Some(Some(DateOrder::Mdy))
        );
        // Kept when what is imported changes.
        g.entries.focus = 0;
        g.handle(Input::Action(Action::Right));
        assert_eq!(g.choice(F::Dates), 2);
    }

    #[test]
    fn a_missing_file_is_named_beside_the_field() {
        let mut f = ImportForm::new();
        assert!(f.check().is_none());
        let i = f.idx(F::File).expect("file");
        assert_eq!(
            f.entries.entries[i].error.as_deref(),
            Some("Type the path of the spreadsheet.")
        );
        let g = ImportForm::build(&[(F::File, "/no/such/file.xlsx".into())], F::File);
        let mut g = g;
        assert!(g.check().is_none());
        assert_eq!(
            g.entries.entries[i].error.as_deref(),
            Some("File not found.")
        );
    }
}
