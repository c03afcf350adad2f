//! What an import shows before it saves (the preview) and what it did
//! (the summary): the desk's Import screen and `casedesk import` both show
//! these. The office layer fills them (`office::import`).

use std::path::PathBuf;

use chrono::NaiveDate;

use super::columns::{ColumnUse, MappingFile};
use super::dates::{FileDates, OrderFrom};
use super::people::PersonRow;
use crate::domain::Programme;
use crate::domain::activities::NewActivity;
use crate::domain::casework::NewService;
use crate::domain::classes::Mark;
use crate::domain::dates::DateOrder;

/// What is being brought in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// People onto the registers.
    People,
    /// Services delivered, by case number.
    Services,
    /// A class's month sheet as `list attendance` writes it; `extra`
    /// allows dates the class does not meet on (make-up sessions).
    Attendance { class_id: i64, extra: bool },
    /// Outreach and community activities, with head counts.
    Activities,
}

impl ImportKind {
    pub fn noun(self) -> &'static str {
        match self {
            ImportKind::People => "people",
            ImportKind::Services => "services",
            ImportKind::Attendance { .. } => "attendance",
            ImportKind::Activities => "activities",
        }
    }
}

/// How to read the file.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The workbook's sheet (default: the first).
    pub sheet: Option<String>,
    /// Column names, defaults and the date order, overriding the automatic
    /// matching.
    pub mapping: Option<MappingFile>,
    /// The programme of rows that do not say (people).
    pub programme: Option<Programme>,
    /// Save the valid rows and write the others to a rejects file, instead
    /// of saving nothing.
    pub skip_invalid: bool,
    /// How this file writes its dates (`--dates`, the Import screen's
    /// choice), over the office's order; a mapping file's `[dates] order`
    /// wins over both.
    pub dates: Option<DateOrder>,
    /// The office's date order: filled in by the office layer from the
    /// office setting (what a face puts here is replaced).
    pub office_dates: DateOrder,
}

impl ImportOptions {
    /// How the file's dates are read: the mapping file, else `dates`, else
    /// the office's order.
    pub fn file_dates(&self) -> FileDates {
        if let Some(o) = self.mapping.as_ref().and_then(|m| m.dates.order) {
            return FileDates {
                order: o.order(),
                from: OrderFrom::MappingFile,
            };
        }
        match self.dates {
            Some(order) => FileDates {
                order,
                from: OrderFrom::ThisFile,
            },
            None => FileDates::office(self.office_dates),
        }
    }
}

/// One problem with one row, in plain words. `row` is the row number as
/// the spreadsheet program shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub row: usize,
    pub message: String,
}

/// What a skipped row is a duplicate of.
#[derive(Debug, Clone, PartialEq)]
pub enum DuplicateOf {
    /// An earlier row of the same file.
    Row(usize),
    /// A record already in the office.
    Existing {
        case_number: String,
        reasons: Vec<String>,
    },
}

/// A row that is not imported because it is (likely) there already.
#[derive(Debug, Clone, PartialEq)]
pub struct Duplicate {
    pub row: usize,
    pub of: DuplicateOf,
}

impl Duplicate {
    /// "row 7: likely the same person as row 3 (same name, …)".
    pub fn describe(&self, what: &str) -> String {
        match &self.of {
            DuplicateOf::Row(r) => format!("row {}: {what} as row {r} of this file", self.row),
            DuplicateOf::Existing {
                case_number,
                reasons,
            } => {
                if reasons.is_empty() {
                    format!("row {}: already in the office ({case_number})", self.row)
                } else {
                    format!(
                        "row {}: {what} as {case_number}, already in the office ({})",
                        self.row,
                        reasons.join(", ")
                    )
                }
            }
        }
    }
}

/// A service row ready to save.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceRow {
    pub row: usize,
    pub person_id: i64,
    pub case_number: String,
    pub service: NewService,
}

/// An attendance row ready to save: one person's marks by date.
#[derive(Debug, Clone, PartialEq)]
pub struct AttendanceRow {
    pub row: usize,
    pub person_id: i64,
    pub case_number: String,
    pub marks: Vec<(NaiveDate, Mark)>,
}

/// An activity row ready to save.
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityRow {
    pub row: usize,
    pub activity: NewActivity,
    /// How many activities with everything the same the office held when
    /// the preview was made: the file's rows beyond those are added.
    pub in_office: usize,
}

/// The rows an import will save, by kind.
#[derive(Debug, Clone)]
pub(crate) enum Ready {
    People(Vec<PersonRow>),
    Services(Vec<ServiceRow>),
    Attendance(Vec<AttendanceRow>),
    Activities(Vec<ActivityRow>),
}

/// Everything the person checks before saving. Built by the office
/// layer's `preview_import`; pass it back to `import` to save exactly
/// this (the duplicate check runs again inside the import's transaction).
#[derive(Debug, Clone)]
pub struct ImportPreview {
    pub kind: ImportKind,
    pub file: PathBuf,
    /// How the file was read: "CSV (UTF-16LE, separated by tabs)".
    pub source: String,
    /// The row holding the headers.
    pub header_row: usize,
    /// Every column of the header row, with what it fills.
    pub columns: Vec<ColumnUse>,
    /// Values used for fields the file does not have ("Risk level" →
    /// "medium (default)").
    pub settings: Vec<(String, String)>,
    /// The first rows as they will be saved.
    pub sample_header: Vec<String>,
    pub sample: Vec<Vec<String>>,
    /// Every problem, by row.
    pub problems: Vec<Problem>,
    /// Rows left out as already there.
    pub duplicates: Vec<Duplicate>,
    /// (row, earlier row): rows the same as an earlier row of the file,
    /// saved all the same as records of their own (activities: two
    /// follow-up visits in one area on one day are two visits).
    pub repeated: Vec<(usize, usize)>,
    /// Data rows read (blank rows do not count).
    pub rows: usize,
    /// Rows with at least one problem.
    pub invalid_rows: usize,
    /// Rows that would be saved.
    pub ready_rows: usize,
    /// Values already saved as the file has them (attendance marks).
    pub unchanged: usize,
    pub skip_invalid: bool,
    /// A problem with the file's columns (listed at the header row), which
    /// no row can be left out to get past.
    pub blocked: bool,
    pub(crate) ready: Ready,
    /// The register's fingerprint when the duplicate check ran (people).
    pub(crate) register_state: Option<(i64, i64, String)>,
    /// The header row's cells and every invalid row's cells, as text, for
    /// the rejects file.
    pub(crate) headers: Vec<String>,
    pub(crate) rejected: Vec<(usize, Vec<super::Cell>)>,
}

impl ImportPreview {
    /// Can `import` save it? Every row valid, or `skip_invalid`.
    pub fn can_save(&self) -> bool {
        !self.blocked && (self.invalid_rows == 0 || self.skip_invalid)
    }

    /// The columns nothing is taken from ("A 'S.No'", "K (no header)"),
    /// for the summary: every column of the file is used or listed here.
    /// A column with neither a header nor a value holds nothing to lose.
    pub fn columns_not_used(&self) -> Vec<String> {
        self.columns
            .iter()
            .filter(|c| c.field.is_none() && c.label.is_none())
            .filter(|c| !c.header.is_empty() || c.note.is_some())
            .map(|c| {
                let letter = super::columns::column_letter(c.column);
                if c.header.is_empty() {
                    format!("{letter} (no header)")
                } else {
                    format!("{letter} '{}'", crate::safe_text::brief(&c.header))
                }
            })
            .collect()
    }

    /// Where the rejects would go: `<input>.rejects.csv`.
    pub fn rejects_path(&self) -> PathBuf {
        super::rejects::path_for(&self.file)
    }
}

/// What an import did. Counts only (the audit entry records the same).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub rows: usize,
    /// People registered, services recorded, or marks saved.
    pub added: usize,
    /// Rows left out as already there (people, services) or marks that
    /// already said the same (attendance).
    pub duplicates: usize,
    pub unchanged: usize,
    pub rejected: usize,
    pub rejects_file: Option<PathBuf>,
    /// The case numbers given to the people added, in the order given
    /// (registration date, then row).
    pub case_numbers: Vec<String>,
    /// The file's columns nothing was taken from (`columns_not_used`).
    pub not_used: Vec<String>,
    /// Of those added, rows the same as an earlier row of the file
    /// (activities), each saved as its own.
    pub repeated: usize,
}

impl ImportSummary {
    /// What the import did, in one sentence, the same on the command line
    /// and in the desk: "Imported 3 people (CPC-2026-0001 to
    /// CPC-2026-0003) from 4 rows; 1 left out as already there."
    pub fn sentence(&self, kind: ImportKind) -> String {
        let (one, many) = match kind {
            ImportKind::People => ("person", "people"),
            ImportKind::Services => ("service", "services"),
            ImportKind::Attendance { .. } => ("mark", "marks"),
            ImportKind::Activities => ("activity", "activities"),
        };
        let what = if self.added == 1 { one } else { many };
        let mut out = format!("Imported {} {what}", self.added);
        if !self.case_numbers.is_empty() {
            out.push_str(&format!(
                " ({})",
                case_ranges(&self.case_numbers).join(", ")
            ));
        }
        out.push_str(&format!(" from {}", rows(self.rows)));
        if self.repeated > 0 {
            let each = match kind {
                ImportKind::Activities => "an activity",
                ImportKind::People => "a person",
                ImportKind::Services => "a service",
                ImportKind::Attendance { .. } => "a mark",
            };
            out.push_str(&format!(
                "; {} the same as an earlier row of the file, each added as {each} of its own",
                rows(self.repeated)
            ));
        }
        if self.duplicates > 0 {
            out.push_str(&format!("; {} left out as already there", self.duplicates));
        }
        if self.unchanged > 0 {
            let marks = if self.unchanged == 1 { "mark" } else { "marks" };
            out.push_str(&format!(
                "; {} {marks} already said the same",
                self.unchanged
            ));
        }
        if !self.not_used.is_empty() {
            out.push_str(&format!(
                "; {} not used: {}",
                if self.not_used.len() == 1 {
                    "column"
                } else {
                    "columns"
                },
                self.not_used.join(", ")
            ));
        }
        if let Some(path) = &self.rejects_file {
            out.push_str(&format!(
                "; {} with problems written to {}",
                rows(self.rejected),
                path.display()
            ));
        }
        out.push('.');
        out
    }
}

/// Case numbers as runs, per programme and year: "CPC-2010-0001 to
/// CPC-2010-0036", "CPC-2011-0001", "WD-2011-0004 to WD-2011-0009". A gap
/// (a number given meanwhile to someone else) starts a new run, so every
/// number shown was made and every number made is shown.
pub fn case_ranges(numbers: &[String]) -> Vec<String> {
    // (prefix "CPC-2010", serial), sorted; anything not of that shape
    // stands alone.
    let mut parsed: Vec<(String, u64, &str)> = numbers
        .iter()
        .map(|n| match n.rsplit_once('-') {
            Some((prefix, serial)) if serial.bytes().all(|b| b.is_ascii_digit()) => (
                prefix.to_string(),
                serial.parse().unwrap_or(u64::MAX),
                n.as_str(),
            ),
            _ => (n.clone(), u64::MAX, n.as_str()),
        })
        .collect();
    parsed.sort();
    let mut out: Vec<String> = Vec::new();
    let mut run: Option<(&str, &str, &str, u64)> = None; // (prefix, first, last, serial)
    for (prefix, serial, n) in &parsed {
        match run {
            Some((p, first, _, last))
                if p == prefix && *serial != u64::MAX && last.checked_add(1) == Some(*serial) =>
            {
                run = Some((p, first, n, *serial));
            }
            _ => {
                if let Some((_, first, last, _)) = run {
                    out.push(range(first, last));
                }
                run = Some((prefix, n, n, *serial));
            }
        }
    }
    if let Some((_, first, last, _)) = run {
        out.push(range(first, last));
    }
    out
}

fn range(first: &str, last: &str) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first} to {last}")
    }
}

/// "1 row", "3 rows".
pub fn rows(n: usize) -> String {
    format!("{n} row{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::case_ranges;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn case_numbers_read_as_runs_per_programme_and_year() {
        let made = strings(&[
            "CPC-2011-0002",
            "CPC-2010-0001",
            "CPC-2012-0001",
            "CPC-2010-0002",
            "CPC-2011-0001",
            "WD-2011-0003",
            "CPC-2010-0004",
        ]);
        assert_eq!(
            case_ranges(&made),
            [
                "CPC-2010-0001 to CPC-2010-0002",
                "CPC-2010-0004",
                "CPC-2011-0001 to CPC-2011-0002",
                "CPC-2012-0001",
                "WD-2011-0003"
            ]
        );
        assert!(case_ranges(&[]).is_empty());
    }
}
