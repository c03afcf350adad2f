//! Bringing in the office's existing spreadsheets (managers only), in two
//! steps the desk and the CLI share:
//!
//! 1. [`Session::preview_import`] reads the file (`crate::import`), matches
//!    its columns, checks every row by the same rules as the forms, and
//!    looks for rows already in the office (intake's duplicate check) or
//!    repeated in the file. It saves nothing.
//! 2. [`Session::import`] saves a preview: one transaction for the whole
//!    file with one audit entry holding counts only. Nothing is saved
//!    unless every row is valid, or the preview was made with
//!    `skip_invalid`: then the invalid rows go to `<input>.rejects.csv`
//!    (never overwritten), written inside the transaction so a failed
//!    import leaves neither records nor a rejects file.
//!
//! Rows already there are left out, so importing the same file twice adds
//! nothing the second time.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;

use super::{AuditAction, Session, Target};
use crate::domain::Role;
use crate::domain::ServiceKind;
use crate::domain::casework::NewService;
use crate::domain::classes::{Mark, MarkChange};
use crate::domain::names::name_key;
use crate::import::columns::{self, Field, Mapping};
pub use crate::import::columns::{ColumnUse, MappingFile, MatchedBy};
use crate::import::dates::{self, ColumnOrder};
use crate::import::people;
use crate::import::preview::Ready;
pub use crate::import::preview::{
    AttendanceRow, Duplicate, DuplicateOf, ImportKind, ImportOptions, ImportPreview, ImportSummary,
    Problem, ServiceRow,
};
use crate::import::{Cell, Table, read_table, rejects};
use crate::store::{casework, classes, duplicates, persons};
use crate::{Error, Result};

const IMPORT: &[Role] = &[Role::Manager];

/// How many rows the preview shows as they will be saved.
pub const SAMPLE_ROWS: usize = 5;

impl Session {
    /// Read and check a file for an import; saves nothing (managers).
    pub fn preview_import(
        &self,
        kind: ImportKind,
        file: &Path,
        options: &ImportOptions,
    ) -> Result<ImportPreview> {
        self.require(IMPORT, "import spreadsheets")?;
        let table = read_table(file, options.sheet.as_deref())?;
        let mut preview = match kind {
            ImportKind::People => preview_people(self, &table, file, options)?,
            ImportKind::Services => preview_services(self, &table, file, options)?,
            ImportKind::Attendance { class_id, extra } => {
                preview_attendance(self, &table, file, options, class_id, extra)?
            }
        };
        preview.problems.sort_by_key(|p| p.row);
        preview.duplicates.sort_by_key(|d| d.row);
        Ok(preview)
    }

    /// Read, check and save a file in one go (the CLI without --dry-run).
    pub fn import_file(
        &mut self,
        kind: ImportKind,
        file: &Path,
        options: &ImportOptions,
    ) -> Result<ImportSummary> {
        let preview = self.preview_import(kind, file, options)?;
        self.import(&preview)
    }

    /// Save what a preview showed, in one transaction with one audit
    /// entry (managers). Refused, saving nothing, when any row has a
    /// problem, unless the preview was made with `skip_invalid`.
    pub fn import(&mut self, preview: &ImportPreview) -> Result<ImportSummary> {
        self.require(IMPORT, "import spreadsheets")?;
        if preview.blocked {
            return Err(Error::invalid(
                "the file's columns have problems (listed with the header row); nothing was saved",
            ));
        }
        if !preview.can_save() {
            return Err(Error::invalid(format!(
                "{} of {} rows have problems; nothing was saved. Correct them, or import the others with --skip-invalid (the rest go to {})",
                preview.invalid_rows,
                preview.rows,
                preview.rejects_path().display()
            )));
        }
        let rejects_file =
            (preview.skip_invalid && !preview.rejected.is_empty()).then(|| preview.rejects_path());
        if let Some(path) = &rejects_file {
            rejects::check_free(path)?;
        }
        let mut wrote_rejects = false;
        let result = self.write(|tx, user| {
            let mut summary = ImportSummary {
                rows: preview.rows,
                duplicates: preview.duplicates.len(),
                unchanged: preview.unchanged,
                rejected: if preview.skip_invalid {
                    preview.invalid_rows
                } else {
                    0
                },
                ..ImportSummary::default()
            };
            let (action, target) = match &preview.ready {
                Ready::People(rows) => {
                    // Again inside the transaction when the register changed
                    // since the preview (someone may have registered one of
                    // these people meanwhile), against the records that were
                    // there before this import (its own rows were checked
                    // against each other in the preview).
                    let state = duplicates::register_state(tx)?;
                    let recheck = preview.register_state.as_ref() != Some(&state);
                    let before = state.1;
                    for r in rows {
                        if recheck
                            && duplicates::likely_matches(tx, &r.person)?
                                .iter()
                                .any(|m| m.id <= before)
                        {
                            summary.duplicates += 1;
                            continue;
                        }
                        let (_, case_number) = persons::register_person(tx, &r.person, user)?;
                        summary.case_numbers.push(case_number);
                        summary.added += 1;
                    }
                    (AuditAction::ImportPeople, String::new())
                }
                Ready::Services(rows) => {
                    for r in rows {
                        let id = crate::domain::person::PersonId(r.person_id);
                        if service_recorded(tx, id, &r.service)? {
                            summary.duplicates += 1;
                            continue;
                        }
                        casework::add_service(tx, id, &r.service, user)?;
                        summary.added += 1;
                    }
                    (AuditAction::ImportServices, String::new())
                }
                Ready::Attendance(rows) => {
                    let ImportKind::Attendance { class_id, extra } = preview.kind else {
                        return Err(Error::invalid("this preview is not of attendance"));
                    };
                    let (saved, unchanged) = save_attendance(tx, class_id, extra, rows, user.id)?;
                    summary.added = saved;
                    summary.unchanged += unchanged;
                    (
                        AuditAction::ImportAttendance,
                        Target::Class(class_id).to_string(),
                    )
                }
            };
            if let Some(path) = &rejects_file {
                let reasons = reasons_by_row(&preview.problems);
                let rows: Vec<(Vec<String>, String)> = preview
                    .rejected
                    .iter()
                    .map(|(row, cells)| {
                        (cells.clone(), reasons.get(row).cloned().unwrap_or_default())
                    })
                    .collect();
                rejects::write(path, &preview.headers, &rows)?;
                wrote_rejects = true;
            }
            // Counts only: never names, never the file's name.
            Session::record_in(
                tx,
                user,
                action,
                &target,
                &format!(
                    "{} rows; {} added; {} already there; {} unchanged; {} rejected",
                    summary.rows,
                    summary.added,
                    summary.duplicates,
                    summary.unchanged,
                    summary.rejected
                ),
            )?;
            summary.rejects_file = rejects_file.clone();
            Ok(summary)
        });
        if result.is_err() && wrote_rejects {
            // The records were not saved, so neither is the list of rows
            // "left out" of them.
            if let Some(path) = &rejects_file {
                let _ = std::fs::remove_file(path);
            }
        }
        result
    }
}

/// Each row's problems as one reason.
fn reasons_by_row(problems: &[Problem]) -> HashMap<usize, String> {
    let mut out: HashMap<usize, String> = HashMap::new();
    for p in problems {
        let r = out.entry(p.row).or_default();
        if !r.is_empty() {
            r.push_str("; ");
        }
        r.push_str(&p.message);
    }
    out
}

fn empty_preview(
    kind: ImportKind,
    table: &Table,
    file: &Path,
    options: &ImportOptions,
    mapping: Mapping,
    ready: Ready,
) -> ImportPreview {
    ImportPreview {
        kind,
        file: file.to_path_buf(),
        source: table.source.clone(),
        header_row: mapping.header_row,
        headers: mapping.columns.iter().map(|c| c.header.clone()).collect(),
        columns: mapping.columns,
        settings: Vec::new(),
        sample_header: Vec::new(),
        sample: Vec::new(),
        problems: Vec::new(),
        duplicates: Vec::new(),
        rows: 0,
        invalid_rows: 0,
        ready_rows: 0,
        unchanged: 0,
        skip_invalid: options.skip_invalid,
        blocked: false,
        ready,
        register_state: None,
        rejected: Vec::new(),
    }
}

fn preview_people(
    session: &Session,
    table: &Table,
    file: &Path,
    options: &ImportOptions,
) -> Result<ImportPreview> {
    let parsed = people::parse_people(table, options, crate::clock::today())?;
    let register_state = duplicates::register_state(session.conn())?;
    let in_file: HashMap<usize, usize> = people::in_file_duplicates(&parsed.valid)
        .into_iter()
        .collect();
    let mut dups = Vec::new();
    let mut ready = Vec::new();
    for r in parsed.valid {
        if let Some(&of) = in_file.get(&r.row) {
            dups.push(Duplicate {
                row: r.row,
                of: DuplicateOf::Row(of),
            });
            continue;
        }
        match duplicates::likely_matches(session.conn(), &r.person)?
            .into_iter()
            .next()
        {
            Some(m) => dups.push(Duplicate {
                row: r.row,
                of: DuplicateOf::Existing {
                    case_number: m.case_number,
                    reasons: m.reasons,
                },
            }),
            None => ready.push(r),
        }
    }
    let mut p = empty_preview(
        ImportKind::People,
        table,
        file,
        options,
        parsed.mapping,
        Ready::People(Vec::new()),
    );
    p.headers = parsed.headers;
    p.settings = parsed.settings;
    p.sample_header = people::SAMPLE_HEADER
        .iter()
        .map(|s| s.to_string())
        .collect();
    p.sample = ready
        .iter()
        .take(SAMPLE_ROWS)
        .map(people::sample_row)
        .collect();
    p.problems = parsed.problems;
    p.duplicates = dups;
    p.rows = parsed.rows;
    p.invalid_rows = parsed.rejected.len();
    p.rejected = parsed.rejected;
    p.ready_rows = ready.len();
    p.ready = Ready::People(ready);
    p.register_state = Some(register_state);
    Ok(p)
}

/// The data rows after the header row that are not blank, with their
/// sheet row numbers.
fn data_rows(table: &Table, at: usize) -> impl Iterator<Item = (usize, &Vec<Cell>)> {
    table.rows[at + 1..]
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.iter().all(Cell::is_blank))
        .map(move |(i, r)| (table.row_number(at + 1 + i), r))
}

/// Map the columns of a services or attendance file; `required` fields
/// must have a column (or, for services, a default).
fn map_for(
    table: &Table,
    fields: &'static [Field],
    options: &ImportOptions,
    required: &[&str],
) -> Result<(Mapping, usize)> {
    let map = options.mapping.as_ref();
    if let Some(m) = map {
        m.check(fields, &[])?;
    }
    let (mapping, at) = columns::map_columns(fields, &table.rows, table.first_row, map)?;
    for key in required {
        let has_default = map.is_some_and(|m| m.defaults.contains_key(*key));
        if mapping.column(key).is_none() && !has_default {
            let f = fields
                .iter()
                .find(|f| f.key == *key)
                .map_or(*key, |f| f.label);
            // Escaped: a header is text from the file and goes to the terminal.
            let headers: Vec<String> = mapping
                .columns
                .iter()
                .map(|c| c.header.escape_debug().to_string())
                .collect();
            return Err(Error::invalid(format!(
                "no column of row {} looks like the {} (the columns are: {}); name it in a mapping file: [columns] {key} = \"…\" (see casedesk import --help)",
                mapping.header_row,
                f.to_lowercase(),
                headers.join(", ")
            )));
        }
    }
    Ok((mapping, at))
}

fn preview_services(
    session: &Session,
    table: &Table,
    file: &Path,
    options: &ImportOptions,
) -> Result<ImportPreview> {
    let conn = session.conn();
    let (mut mapping, at) = map_for(
        table,
        columns::SERVICES,
        options,
        &["case_number", "kind", "on_date"],
    )?;
    let defaults: HashMap<String, Cell> = options
        .mapping
        .as_ref()
        .map(|m| {
            m.defaults
                .iter()
                .map(|(k, v)| (k.clone(), Cell::Text(v.clone())))
                .collect()
        })
        .unwrap_or_default();
    let col = |key: &str| mapping.column(key);
    let given = options.mapping.as_ref().and_then(|m| m.dates.order);
    let order = match col("on_date") {
        Some(c) => dates::column_order(table.rows[at + 1..].iter().filter_map(|r| r.get(c)), given),
        None => ColumnOrder::Open,
    };
    if let Some(c) = col("on_date").and_then(|c| mapping.columns.iter_mut().find(|u| u.column == c))
    {
        c.note = Some(order.describe());
    }
    let cols: HashMap<&str, usize> = ["case_number", "kind", "on_date", "detail", "note"]
        .into_iter()
        .filter_map(|k| mapping.column(k).map(|c| (k, c)))
        .collect();
    let today = crate::clock::today();
    let mut people: HashMap<String, Option<(i64, NaiveDate)>> = HashMap::new();
    let mut seen: HashMap<(i64, ServiceKind, NaiveDate, String), usize> = HashMap::new();
    let mut p = empty_preview(
        ImportKind::Services,
        table,
        file,
        options,
        mapping.clone(),
        Ready::Services(Vec::new()),
    );
    let mut ready = Vec::new();
    for (row, cells) in data_rows(table, at) {
        p.rows += 1;
        let cell = |key: &str| -> Option<&Cell> {
            cols.get(key)
                .and_then(|c| cells.get(*c))
                .filter(|c| !c.is_blank())
                .or_else(|| defaults.get(key))
        };
        let text = |key: &str| {
            cell(key)
                .map(|c| c.text().trim().to_string())
                .unwrap_or_default()
        };
        let mut problems = Vec::new();
        let case_number = text("case_number").to_uppercase();
        let person = if case_number.is_empty() {
            problems.push("Case number is missing".to_string());
            None
        } else {
            let found = match people.get(&case_number) {
                Some(f) => *f,
                None => {
                    let f = match persons::find_by_case_number(conn, &case_number)? {
                        Some(id) => {
                            Some((id.0, persons::load_person(conn, id)?.profile.registered_on))
                        }
                        None => None,
                    };
                    people.insert(case_number.clone(), f);
                    f
                }
            };
            if found.is_none() {
                problems.push(format!(
                    "Case number: {} is not in the office",
                    case_number.escape_debug()
                ));
            }
            found
        };
        let kind = match cell("kind").map(|c| c.text().trim().to_string()) {
            Some(k) => match ServiceKind::ALL.iter().copied().find(|s| {
                let n = columns::normalise(&k);
                columns::normalise(s.code()) == n || columns::normalise(s.label()) == n
            }) {
                Some(s) => Some(s),
                None => {
                    problems.push(format!(
                        "Service: '{}' is not a service; use one of: {}",
                        k.escape_debug(),
                        ServiceKind::ALL
                            .iter()
                            .map(|s| s.code())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                    None
                }
            },
            None => {
                problems.push("Service is missing".into());
                None
            }
        };
        let on_date = match cell("on_date") {
            Some(c) => match dates::read(c, order) {
                Ok(d) => Some(d),
                Err(e) => {
                    problems.push(e.message("Date", c.text().trim(), order));
                    None
                }
            },
            None => {
                problems.push("Date is missing".into());
                None
            }
        };
        if let (Some((person_id, registered_on)), Some(kind), Some(on_date)) =
            (person, kind, on_date)
        {
            let service = NewService {
                kind,
                on_date,
                detail: text("detail"),
                note: text("note"),
            };
            problems.extend(
                service
                    .validate(registered_on, today)
                    .into_iter()
                    .map(|e| e.message),
            );
            if problems.is_empty() {
                let key = (person_id, kind, on_date, service.detail.clone());
                if let Some(&first) = seen.get(&key) {
                    p.duplicates.push(Duplicate {
                        row,
                        of: DuplicateOf::Row(first),
                    });
                } else if service_recorded(
                    conn,
                    crate::domain::person::PersonId(person_id),
                    &service,
                )? {
                    seen.insert(key, row);
                    p.duplicates.push(Duplicate {
                        row,
                        of: DuplicateOf::Existing {
                            case_number: case_number.clone(),
                            reasons: vec!["the same service on the same date".into()],
                        },
                    });
                } else {
                    seen.insert(key, row);
                    ready.push(ServiceRow {
                        row,
                        person_id,
                        case_number: case_number.clone(),
                        service,
                    });
                }
                continue;
            }
        }
        p.invalid_rows += 1;
        p.problems
            .extend(problems.into_iter().map(|message| Problem { row, message }));
        p.rejected
            .push((row, cells.iter().map(|c| c.text().into_owned()).collect()));
    }
    p.sample_header = ["row", "case number", "service", "date", "detail"]
        .map(String::from)
        .to_vec();
    p.sample = ready
        .iter()
        .take(SAMPLE_ROWS)
        .map(|r| {
            vec![
                r.row.to_string(),
                r.case_number.clone(),
                r.service.kind.code().to_string(),
                r.service.on_date.to_string(),
                r.service.detail.clone(),
            ]
        })
        .collect();
    p.ready_rows = ready.len();
    p.ready = Ready::Services(ready);
    Ok(p)
}

/// Is this service already in the person's file (same kind, date and
/// detail)? What makes a second import of the same file add nothing.
fn service_recorded(
    conn: &rusqlite::Connection,
    person: crate::domain::person::PersonId,
    s: &NewService,
) -> Result<bool> {
    Ok(casework::services(conn, person)?
        .iter()
        .any(|x| x.kind == s.kind && x.on_date == s.on_date && x.detail == s.detail))
}

fn preview_attendance(
    session: &Session,
    table: &Table,
    file: &Path,
    options: &ImportOptions,
    class_id: i64,
    extra: bool,
) -> Result<ImportPreview> {
    let conn = session.conn();
    let class = classes::get_class(conn, class_id)?;
    let (mut mapping, at) = map_for(table, columns::ATTENDANCE, options, &["case_number"])?;
    let today = crate::clock::today();
    // Every other header that reads as a date is a session's column; the
    // rate (and anything else) is not used.
    let header_cells = &table.rows[at];
    let given = options.mapping.as_ref().and_then(|m| m.dates.order);
    let date_cols: Vec<usize> = mapping
        .columns
        .iter()
        .filter(|c| c.field.is_none())
        .map(|c| c.column)
        .filter(|&c| header_cells.get(c).is_some_and(looks_like_date))
        .collect();
    let order = dates::column_order(date_cols.iter().filter_map(|&c| header_cells.get(c)), given);
    let mut file_problems = Vec::new();
    let mut dates_at: Vec<(usize, NaiveDate)> = Vec::new();
    for &c in &date_cols {
        let h = &header_cells[c];
        let header = h.text().trim().to_string();
        match dates::read(h, order) {
            Ok(d) => {
                if let Some(u) = mapping.columns.iter_mut().find(|u| u.column == c) {
                    u.label = Some("Marks of a session");
                    u.note = Some(d.to_string());
                }
                if d > today {
                    file_problems.push(format!(
                        "column '{header}': attendance cannot be taken for a day that has not come yet"
                    ));
                } else if !class.meets_on(d) && !extra {
                    file_problems.push(format!(
                        "column '{header}': the class does not meet on {d}; give --extra if it was a make-up session"
                    ));
                } else if dates_at.iter().any(|(_, x)| *x == d) {
                    file_problems.push(format!("column '{header}': the date {d} is there twice"));
                } else {
                    dates_at.push((c, d));
                }
            }
            Err(e) => {
                file_problems.push(e.message(&format!("column '{header}'"), &header, order));
            }
        }
    }
    if dates_at.is_empty() && file_problems.is_empty() {
        return Err(Error::invalid(format!(
            "row {} has no column headed by a session's date (like 2026-11-23)",
            mapping.header_row
        )));
    }
    // Who is enrolled on each date, with their current marks.
    let mut sheets: HashMap<NaiveDate, HashMap<i64, Option<Mark>>> = HashMap::new();
    for (_, d) in &dates_at {
        let sheet = classes::sheet(conn, class_id, *d)?;
        sheets.insert(
            *d,
            sheet.rows.iter().map(|r| (r.person_id, r.mark)).collect(),
        );
    }
    let case_col = mapping.column("case_number");
    let name_col = mapping.column("name");
    let mut p = empty_preview(
        ImportKind::Attendance { class_id, extra },
        table,
        file,
        options,
        mapping.clone(),
        Ready::Attendance(Vec::new()),
    );
    p.blocked = !file_problems.is_empty();
    p.problems
        .extend(file_problems.into_iter().map(|message| Problem {
            row: p.header_row,
            message,
        }));
    let mut seen: HashSet<i64> = HashSet::new();
    let mut ready = Vec::new();
    let mut unchanged = 0;
    for (row, cells) in data_rows(table, at) {
        p.rows += 1;
        let mut problems = Vec::new();
        let case_number = case_col
            .and_then(|c| cells.get(c))
            .map(|c| c.text().trim().to_uppercase())
            .unwrap_or_default();
        let person = if case_number.is_empty() {
            problems.push("Case number is missing".to_string());
            None
        } else {
            match persons::find_by_case_number(conn, &case_number)? {
                Some(id) => Some(persons::load_person(conn, id)?),
                None => {
                    problems.push(format!(
                        "Case number: {} is not in the office",
                        case_number.escape_debug()
                    ));
                    None
                }
            }
        };
        if let Some(person) = &person {
            // The sheet carries the name: a case number typed wrong shows.
            let name = name_col
                .and_then(|c| cells.get(c))
                .map(|c| c.text().trim().to_string())
                .unwrap_or_default();
            if !name.is_empty() && name_key(&name) != name_key(&person.profile.name) {
                problems.push(format!(
                    "Name: does not match the name of {case_number} in the office"
                ));
            }
            if !seen.insert(person.id) {
                problems.push(format!("{case_number} is on the sheet twice"));
            }
        }
        let mut marks = Vec::new();
        for (c, d) in &dates_at {
            let Some(cell) = cells.get(*c).filter(|c| !c.is_blank()) else {
                continue;
            };
            let text = cell.text().trim().to_string();
            let Ok(mark) = text.parse::<Mark>() else {
                problems.push(format!(
                    "Mark on {d}: '{}' is not P, A, L or E",
                    text.escape_debug()
                ));
                continue;
            };
            if let Some(person) = &person {
                match sheets.get(d).and_then(|s| s.get(&person.id)) {
                    None => {
                        problems.push(format!("{case_number} is not enrolled in the class on {d}"))
                    }
                    Some(Some(current)) if *current == mark => unchanged += 1,
                    Some(_) => marks.push((*d, mark)),
                }
            }
        }
        match person {
            Some(person) if problems.is_empty() => {
                if !marks.is_empty() {
                    ready.push(AttendanceRow {
                        row,
                        person_id: person.id,
                        case_number: person.case_number,
                        marks,
                    });
                }
            }
            _ => {
                p.invalid_rows += 1;
                p.problems
                    .extend(problems.into_iter().map(|message| Problem { row, message }));
                p.rejected
                    .push((row, cells.iter().map(|c| c.text().into_owned()).collect()));
            }
        }
    }
    p.unchanged = unchanged;
    p.settings.push((
        "Marks already saved as in the file".into(),
        unchanged.to_string(),
    ));
    p.sample_header = ["row", "case number", "marks"].map(String::from).to_vec();
    p.sample = ready
        .iter()
        .take(SAMPLE_ROWS)
        .map(|r| {
            vec![
                r.row.to_string(),
                r.case_number.clone(),
                r.marks
                    .iter()
                    .map(|(d, m)| format!("{d} {}", m.code()))
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    p.ready_rows = ready.len();
    p.ready = Ready::Attendance(ready);
    Ok(p)
}

/// A header that reads as a date one way or the other (whether it is
/// ambiguous is the column order's business).
fn looks_like_date(h: &Cell) -> bool {
    [dates::DayMonth::Dmy, dates::DayMonth::Mdy]
        .into_iter()
        .any(|o| dates::read(h, ColumnOrder::Given(o)).is_ok())
}

/// Save attendance rows by date, with `save_attendance`'s rules: a day
/// that has come, a regular meeting unless `extra`, enrolled that day.
/// Returns (marks saved, marks that already said the same).
fn save_attendance(
    tx: &rusqlite::Connection,
    class_id: i64,
    extra: bool,
    rows: &[AttendanceRow],
    user_id: i64,
) -> Result<(usize, usize)> {
    let class = classes::get_class(tx, class_id)?;
    let mut by_date: std::collections::BTreeMap<NaiveDate, Vec<(i64, Mark)>> = Default::default();
    for r in rows {
        for (d, m) in &r.marks {
            by_date.entry(*d).or_default().push((r.person_id, *m));
        }
    }
    let (mut saved, mut unchanged) = (0, 0);
    for (d, marks) in by_date {
        if d > crate::clock::today() {
            return Err(Error::invalid(
                "attendance cannot be taken for a day that has not come yet",
            ));
        }
        let regular = class.meets_on(d);
        if !regular && !extra {
            return Err(Error::invalid(format!(
                "the class does not meet on {d}; confirm it is a make-up session"
            )));
        }
        let session = classes::ensure_session(tx, class_id, d, !regular)?;
        // Versions as they are now, inside this transaction: the import
        // is the later word, and its history keeps what it replaced.
        let current: HashMap<i64, i64> = classes::sheet(tx, class_id, d)?
            .rows
            .into_iter()
            .map(|r| (r.person_id, r.version))
            .collect();
        let changes: Vec<MarkChange> = marks
            .iter()
            .map(|(person_id, mark)| MarkChange {
                person_id: *person_id,
                mark: *mark,
                loaded_version: current.get(person_id).copied().unwrap_or(0),
            })
            .collect();
        let out = classes::save_marks(tx, session, d, class_id, &changes, user_id)?;
        unchanged += changes.len() - out.saved;
        saved += out.saved;
    }
    Ok((saved, unchanged))
}
