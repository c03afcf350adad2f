//! Activities imports: an office's activity log (date, kind, place,
//! staff, head counts) read by `crate::import::activities`. Each row is an
//! activity of its own: two follow-up visits in one area on one day are
//! two visits. A row is "already there" only when an activity in the
//! office has everything the same (`ActivityKey`), counted as a multiset:
//! a file's k identical rows against the office's m identical activities
//! add k − m, so importing the same log twice adds nothing.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::Path;

use chrono::NaiveDate;
use rusqlite::Connection;

use super::{SAMPLE_ROWS, empty_preview};
use crate::Result;
use crate::domain::activities::{ActivityFilter, ActivityKind};
use crate::import::Table;
use crate::import::activities::{self as parse, ActivityKey};
use crate::import::preview::{
    ActivityRow, Duplicate, DuplicateOf, ImportKind, ImportOptions, ImportPreview, Ready,
};
use crate::office::Session;
use crate::store::{activities, users};

/// How many activities of one kind on one day are looked at for a
/// duplicate: far more than any office records.
const SAME_DAY: usize = 10_000;

/// The saved activities of a date and kind, by key (ids ascending), read
/// once per date and kind.
#[derive(Default)]
struct Saved(HashMap<(NaiveDate, ActivityKind), HashMap<ActivityKey, Vec<i64>>>);

impl Saved {
    /// The ids of the saved activities with everything as `key`, oldest
    /// first.
    fn same(&mut self, conn: &Connection, key: &ActivityKey) -> Result<&[i64]> {
        let day = (key.on_date(), key.kind());
        let by_key = match self.0.entry(day) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => {
                let filter = ActivityFilter {
                    from: Some(day.0),
                    to: Some(day.0),
                    kind: Some(day.1),
                };
                let mut by_key: HashMap<ActivityKey, Vec<i64>> = HashMap::new();
                for a in activities::list(conn, &filter, SAME_DAY)? {
                    by_key
                        .entry(ActivityKey::of_saved(&a))
                        .or_default()
                        .push(a.id);
                }
                for ids in by_key.values_mut() {
                    ids.sort_unstable();
                }
                e.insert(by_key)
            }
        };
        Ok(by_key.get(key).map_or(&[], Vec::as_slice))
    }
}

/// Account names by id, any case: disabled accounts too, since an old
/// log names staff who have since left.
fn account_names(conn: &Connection) -> Result<HashMap<i64, String>> {
    Ok(users::list(conn)?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect())
}

pub(super) fn preview_activities(
    session: &Session,
    table: &Table,
    file: &Path,
    options: &ImportOptions,
) -> Result<ImportPreview> {
    let conn = session.conn();
    let names = account_names(conn)?;
    let by_name: HashMap<String, i64> = names
        .iter()
        .map(|(id, n)| (n.to_lowercase(), *id))
        .collect();
    let parsed = parse::parse_activities(table, options, crate::clock::today(), &|n| {
        by_name.get(&n.to_lowercase()).copied()
    })?;
    let staff_name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let mut p = empty_preview(
        ImportKind::Activities,
        table,
        file,
        options,
        parsed.mapping,
        Ready::Activities(Vec::new()),
    );
    let mut saved = Saved::default();
    // Per key: the rows of the file so far and the first of them.
    let mut seen: HashMap<ActivityKey, (usize, usize)> = HashMap::new();
    let mut ready = Vec::new();
    for mut r in parsed.valid {
        let key = ActivityKey::of_new(&r.activity, &staff_name);
        let same = saved.same(conn, &key)?.to_vec();
        let (earlier, first) = seen.entry(key).or_insert((0, r.row));
        let nth = *earlier;
        *earlier += 1;
        if let Some(id) = same.get(nth) {
            p.duplicates.push(Duplicate {
                row: r.row,
                of: DuplicateOf::Existing {
                    case_number: format!("activity {id}"),
                    reasons: vec!["everything the same".into()],
                },
            });
            continue;
        }
        if nth > 0 {
            p.repeated.push((r.row, *first));
        }
        r.in_office = same.len();
        ready.push(r);
    }
    p.headers = parsed.headers;
    p.settings = parsed.settings;
    p.sample_header = parse::SAMPLE_HEADER.iter().map(|s| s.to_string()).collect();
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

/// Save the rows, checked again inside the transaction: when someone
/// recorded the same activity meanwhile (more in the office than the
/// preview saw), that many of the file's identical rows are left out.
/// Returns the rows added.
pub(super) fn save_activities(
    tx: &Connection,
    rows: &[ActivityRow],
    user_id: i64,
) -> Result<Vec<usize>> {
    let names = account_names(tx)?;
    let staff_name = |id: i64| names.get(&id).cloned().unwrap_or_default();
    let mut saved = Saved::default();
    let mut nth: HashMap<ActivityKey, usize> = HashMap::new();
    let mut added = Vec::new();
    for r in rows {
        let key = ActivityKey::of_new(&r.activity, &staff_name);
        // Read before this import adds any activity of that date and kind.
        let now = saved.same(tx, &key)?.len();
        let meanwhile = now.saturating_sub(r.in_office);
        let n = nth.entry(key).or_insert(0);
        *n += 1;
        if *n <= meanwhile {
            continue;
        }
        activities::check_links(tx, &r.activity)?;
        activities::add(tx, &r.activity, user_id)?;
        added.push(r.row);
    }
    Ok(added)
}
