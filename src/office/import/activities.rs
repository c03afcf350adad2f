//! Activities imports: an office's activity log (date, kind, place,
//! staff, head counts) read by `crate::import::activities`, with rows
//! already in the office, or repeated in the file, left out by their date,
//! kind and place, so importing the same log twice adds nothing.

use std::collections::HashMap;
use std::path::Path;

use chrono::NaiveDate;
use rusqlite::Connection;

use super::{SAMPLE_ROWS, empty_preview};
use crate::Result;
use crate::domain::activities::{ActivityFilter, ActivityKind, NewActivity};
use crate::import::Table;
use crate::import::activities::{self as parse, same_key};
use crate::import::columns::normalise;
use crate::import::preview::{
    ActivityRow, Duplicate, DuplicateOf, ImportKind, ImportOptions, ImportPreview, Ready,
};
use crate::office::Session;
use crate::store::{activities, users};

/// How many activities of one kind on one day are looked at for a
/// duplicate: far more than any office records.
const SAME_DAY: usize = 1_000;

pub(super) fn preview_activities(
    session: &Session,
    table: &Table,
    file: &Path,
    options: &ImportOptions,
) -> Result<ImportPreview> {
    let conn = session.conn();
    // Staff by account name, any case: disabled accounts too, since an
    // old log names staff who have since left.
    let accounts = users::list(conn)?;
    let by_name: HashMap<String, i64> = accounts
        .iter()
        .map(|u| (u.name.to_lowercase(), u.id))
        .collect();
    let names: HashMap<i64, String> = accounts.iter().map(|u| (u.id, u.name.clone())).collect();
    let parsed = parse::parse_activities(table, options, crate::clock::today(), &|n| {
        by_name.get(&n.to_lowercase()).copied()
    })?;
    let mut p = empty_preview(
        ImportKind::Activities,
        table,
        file,
        options,
        parsed.mapping,
        Ready::Activities(Vec::new()),
    );
    let mut seen: HashMap<(NaiveDate, ActivityKind, String), usize> = HashMap::new();
    let mut ready = Vec::new();
    for r in parsed.valid {
        let key = same_key(&r.activity);
        if let Some(&first) = seen.get(&key) {
            p.duplicates.push(Duplicate {
                row: r.row,
                of: DuplicateOf::Row(first),
            });
            continue;
        }
        seen.insert(key, r.row);
        if let Some(id) = recorded(conn, &r.activity)? {
            p.duplicates.push(Duplicate {
                row: r.row,
                of: DuplicateOf::Existing {
                    case_number: format!("activity {id}"),
                    reasons: vec!["the same activity on the same date at the same place".into()],
                },
            });
            continue;
        }
        ready.push(r);
    }
    p.headers = parsed.headers;
    p.settings = parsed.settings;
    p.sample_header = parse::SAMPLE_HEADER.iter().map(|s| s.to_string()).collect();
    let staff_name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    p.sample = ready
        .iter()
        .take(SAMPLE_ROWS)
        .map(|r| parse::sample_row(r, &staff_name))
        .collect();
    p.problems = parsed.problems;
    p.rows = parsed.rows;
    p.invalid_rows = parsed.rejected.len();
    p.rejected = parsed.rejected;
    p.ready_rows = ready.len();
    p.ready = Ready::Activities(ready);
    Ok(p)
}

/// The id of an activity already saved with the same date, kind and place.
pub(super) fn recorded(conn: &Connection, a: &NewActivity) -> Result<Option<i64>> {
    let filter = ActivityFilter {
        from: Some(a.on_date),
        to: Some(a.on_date),
        kind: Some(a.kind),
    };
    let place = normalise(&a.place);
    Ok(activities::list(conn, &filter, SAME_DAY)?
        .into_iter()
        .find(|x| normalise(&x.place) == place)
        .map(|x| x.id))
}

/// Save the rows not already there (checked again inside the transaction:
/// someone may have recorded one meanwhile). Returns (added, already there).
pub(super) fn save_activities(
    tx: &Connection,
    rows: &[ActivityRow],
    user_id: i64,
) -> Result<(usize, usize)> {
    let (mut added, mut there) = (0, 0);
    for r in rows {
        if recorded(tx, &r.activity)?.is_some() {
            there += 1;
            continue;
        }
        activities::check_links(tx, &r.activity)?;
        activities::add(tx, &r.activity, user_id)?;
        added += 1;
    }
    Ok((added, there))
}
