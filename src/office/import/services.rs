//! The preview of a services import: each row's case number found on the
//! register (and a name beside it checked against that person, as
//! attendance does), the service and date read, and rows already in the
//! person's file left out.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;

use super::{SAMPLE_ROWS, data_rows, empty_preview, map_for, name_disagrees};
use crate::Result;
use crate::domain::ServiceKind;
use crate::domain::casework::NewService;
use crate::import::columns;
use crate::import::dates::{self, ColumnOrder};
use crate::import::preview::{
    Duplicate, DuplicateOf, ImportKind, ImportOptions, ImportPreview, Problem, Ready, ServiceRow,
};
use crate::import::{Cell, Table};
use crate::office::Session;
use crate::store::{casework, persons};

pub(super) fn preview_services(
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
    let given = options.file_dates();
    let order = match col("on_date") {
        Some(c) => dates::column_order(table.rows[at + 1..].iter().filter_map(|r| r.get(c)), given),
        None => ColumnOrder::Open,
    };
    if let Some(c) = col("on_date").and_then(|c| mapping.columns.iter_mut().find(|u| u.column == c))
    {
        c.note = Some(order.describe());
    }
    let cols: HashMap<&str, usize> = ["case_number", "name", "kind", "on_date", "detail", "note"]
        .into_iter()
        .filter_map(|k| mapping.column(k).map(|c| (k, c)))
        .collect();
    let today = crate::clock::today();
    // Each case number's person: id, registration date and name.
    let mut people: HashMap<String, Option<(i64, NaiveDate, String)>> = HashMap::new();
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
        crate::import::progress::PROGRESS.checked(1);
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
                Some(f) => f.clone(),
                None => {
                    let f = match persons::find_by_case_number(conn, &case_number)? {
                        Some(id) => {
                            let p = persons::load_person(conn, id)?;
                            Some((id.0, p.profile.registered_on, p.profile.name))
                        }
                        None => None,
                    };
                    people.insert(case_number.clone(), f.clone());
                    f
                }
            };
            match &found {
                Some((_, _, name)) => {
                    problems.extend(name_disagrees(&text("name"), &case_number, name))
                }
                None => problems.push(format!(
                    "Case number: {} is not in the office",
                    crate::safe_text::brief(&case_number).escape_debug()
                )),
            }
            found.map(|(id, registered_on, _)| (id, registered_on))
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
                        crate::safe_text::brief(&k).escape_debug(),
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
        p.rejected.push((row, cells.to_vec()));
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
pub(super) fn service_recorded(
    conn: &rusqlite::Connection,
    person: crate::domain::person::PersonId,
    s: &NewService,
) -> Result<bool> {
    Ok(casework::services(conn, person)?
        .iter()
        .any(|x| x.kind == s.kind && x.on_date == s.on_date && x.detail == s.detail))
}
