//! Attendance imports: a class's month sheet (as `list attendance`
//! writes it) read into marks by session date, and saved by date with
//! the attendance sheet's own rules.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;

use super::{SAMPLE_ROWS, data_rows, empty_preview, map_for, name_disagrees};
use crate::domain::classes::{Mark, MarkChange};
use crate::import::columns;
use crate::import::dates::{self, ColumnOrder};
use crate::import::preview::{
    AttendanceRow, ImportKind, ImportOptions, ImportPreview, Problem, Ready,
};
use crate::import::{Cell, Table};
use crate::office::Session;
use crate::store::{attendance, classes, persons};
use crate::{Error, Result};

pub(super) fn preview_attendance(
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
    let given = options.file_dates();
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
        let sheet = attendance::sheet(conn, class_id, *d)?;
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
        crate::import::progress::PROGRESS.checked(1);
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
                        crate::safe_text::brief(&case_number).escape_debug()
                    ));
                    None
                }
            }
        };
        if let Some(person) = &person {
            // The sheet carries the name: a case number typed wrong shows.
            let name = name_col
                .and_then(|c| cells.get(c))
                .map(|c| c.text().into_owned())
                .unwrap_or_default();
            problems.extend(name_disagrees(&name, &case_number, &person.profile.name));
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
            // The code (P, A, L, E) or the English word: the import's own
            // synonyms, not the desk's labels.
            let Some(mark) =
                crate::import::vocabulary::vocab(Mark::ALL, Mark::code, Mark::english, &text)
            else {
                problems.push(format!(
                    "Mark on {d}: '{}' is not P, A, L or E",
                    crate::safe_text::brief(&text).escape_debug()
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
                p.rejected.push((row, cells.to_vec()));
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
pub(super) fn save_attendance(
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
        let session = attendance::ensure_session(tx, class_id, d, !regular)?;
        // Versions as they are now, inside this transaction: the import
        // is the later word, and its history keeps what it replaced.
        let current: HashMap<i64, i64> = attendance::sheet(tx, class_id, d)?
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
        let out = attendance::save_marks(tx, session, d, class_id, &changes, user_id)?;
        unchanged += changes.len() - out.saved;
        saved += out.saved;
    }
    Ok((saved, unchanged))
}
