//! Outreach and community activities: the activity, its head counts, its
//! staff and the registered people linked to it. Typed SQL only: the
//! office layer checks roles and rules, opens the transaction and records
//! the audit entry.

use std::collections::HashMap;

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::Sex;
use crate::domain::activities::{Activity, ActivityFilter, ActivityKind, NewActivity};
use crate::domain::reports::{AgeBand, Grid};
use crate::{Error, Result};

/// Refuse staff ids that are not accounts and person ids that are not on
/// a register. Messages carry record ids only.
pub fn check_links(conn: &Connection, a: &NewActivity) -> Result<()> {
    let mut user = conn.prepare_cached("SELECT 1 FROM users WHERE id = ?1")?;
    for id in &a.staff {
        if user.query_row([id], |_| Ok(())).optional()?.is_none() {
            return Err(Error::invalid(format!("there is no account with id {id}")));
        }
    }
    let mut person = conn.prepare_cached("SELECT 1 FROM persons WHERE id = ?1")?;
    for id in &a.persons {
        if person.query_row([id], |_| Ok(())).optional()?.is_none() {
            return Err(Error::invalid(format!(
                "there is no person with record id {id}"
            )));
        }
    }
    Ok(())
}

/// Add an activity (validated and checked by the caller). Returns its id.
pub fn add(conn: &Connection, a: &NewActivity, user_id: i64) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO activities(kind, on_date, place, new_identified, note, by_user, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        a.kind,
        a.on_date,
        a.place.trim(),
        a.new_identified,
        a.note.trim(),
        user_id,
        crate::clock::now()
    ])?;
    let id = conn.last_insert_rowid();
    let mut count = conn.prepare_cached(
        "INSERT INTO activity_counts(activity_id, sex, band, n) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for (s, b, n) in a.grid().iter() {
        if n > 0 {
            count.execute(params![id, s, b, n])?;
        }
    }
    let mut staff =
        conn.prepare_cached("INSERT INTO activity_staff(activity_id, user_id) VALUES (?1, ?2)")?;
    for u in &a.staff {
        staff.execute(params![id, u])?;
    }
    let mut person = conn
        .prepare_cached("INSERT INTO activity_persons(activity_id, person_id) VALUES (?1, ?2)")?;
    for p in &a.persons {
        person.execute(params![id, p])?;
    }
    Ok(id)
}

/// The filter's WHERE clause over `a` (activities), parameters ?1–?3.
const FILTER: &str = "(?1 IS NULL OR a.on_date >= ?1) AND (?2 IS NULL OR a.on_date <= ?2)
     AND (?3 IS NULL OR a.kind = ?3)";

/// Activities matching the filter, newest first, at most `limit`.
pub fn list(conn: &Connection, f: &ActivityFilter, limit: usize) -> Result<Vec<Activity>> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT a.id, a.kind, a.on_date, a.place, a.new_identified, a.note, u.name
         FROM activities a LEFT JOIN users u ON u.id = a.by_user
         WHERE {FILTER} ORDER BY a.on_date DESC, a.id DESC LIMIT ?4"
    ))?;
    let mut out: Vec<Activity> = stmt
        .query_map(params![f.from, f.to, f.kind, limit], |r| {
            Ok(Activity {
                id: r.get(0)?,
                kind: r.get(1)?,
                on_date: r.get(2)?,
                place: r.get(3)?,
                new_identified: r.get(4)?,
                note: r.get(5)?,
                recorded_by: r.get(6)?,
                staff: Vec::new(),
                participants: Grid::default(),
                persons: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    if out.is_empty() {
        return Ok(out);
    }
    let at: HashMap<i64, usize> = out.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
    let (lo, hi) = (
        out.iter().map(|a| a.on_date).min(),
        out.iter().map(|a| a.on_date).max(),
    );
    // The parts of the listed activities: one query each over the
    // listed dates, matched by id.
    let mut counts = conn.prepare_cached(&format!(
        "SELECT c.activity_id, c.sex, c.band, c.n FROM activity_counts c
         JOIN activities a ON a.id = c.activity_id WHERE {FILTER}"
    ))?;
    let rows = counts.query_map(params![lo, hi, f.kind], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Sex>(1)?,
            r.get::<_, AgeBand>(2)?,
            r.get::<_, i64>(3)?,
        ))
    })?;
    for row in rows {
        let (id, s, b, n) = row?;
        if let Some(i) = at.get(&id) {
            out[*i].participants.add(s, b, n);
        }
    }
    let mut staff = conn.prepare_cached(&format!(
        "SELECT s.activity_id, u.name FROM activity_staff s JOIN users u ON u.id = s.user_id
         JOIN activities a ON a.id = s.activity_id WHERE {FILTER} ORDER BY u.name"
    ))?;
    let rows = staff.query_map(params![lo, hi, f.kind], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (id, name) = row?;
        if let Some(i) = at.get(&id) {
            out[*i].staff.push(name);
        }
    }
    let mut persons = conn.prepare_cached(&format!(
        "SELECT l.activity_id, p.id, p.case_number FROM activity_persons l
         JOIN persons p ON p.id = l.person_id
         JOIN activities a ON a.id = l.activity_id WHERE {FILTER} ORDER BY p.case_number"
    ))?;
    let rows = persons.query_map(params![lo, hi, f.kind], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (id, pid, case) = row?;
        if let Some(i) = at.get(&id) {
            out[*i].persons.push((pid, case));
        }
    }
    Ok(out)
}

/// One activity.
pub fn get(conn: &Connection, id: i64) -> Result<Activity> {
    let on: Option<NaiveDate> = conn
        .query_row("SELECT on_date FROM activities WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?;
    let on = on.ok_or_else(|| Error::invalid(format!("there is no activity {id}")))?;
    let filter = ActivityFilter {
        from: Some(on),
        to: Some(on),
        kind: None,
    };
    list(conn, &filter, usize::MAX)?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or_else(|| Error::invalid(format!("there is no activity {id}")))
}

/// For reports: a period's activities, their head counts and the
/// registered people linked to them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InPeriod {
    /// (activity, kind, new children identified)
    pub activities: Vec<(i64, ActivityKind, i64)>,
    /// (activity, sex, band, count), in activity order
    pub counts: Vec<(i64, Sex, AgeBand, i64)>,
    /// (activity, person)
    pub persons: Vec<(i64, i64)>,
}

/// For reports: every activity in `from..=to` with its head counts and
/// linked people. Activities are recorded roughly in date order, so a
/// period's ids are nearly one run: their counts and links are read as
/// one range of each table's primary key (and filtered here) instead of
/// a look-up per activity.
pub fn in_period(conn: &Connection, from: NaiveDate, to: NaiveDate) -> Result<InPeriod> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, new_identified FROM activities WHERE on_date BETWEEN ?1 AND ?2",
    )?;
    let mut activities: Vec<(i64, ActivityKind, i64)> = stmt
        .query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    // In id order (sorted here: the index gives date order).
    activities.sort_unstable_by_key(|a| a.0);
    let (Some(lo), Some(hi)) = (activities.first(), activities.last()) else {
        return Ok(InPeriod::default());
    };
    let (lo, hi) = (lo.0, hi.0);
    // Both in id order: keep the rows of the period's activities by
    // walking the two together.
    let ids: Vec<i64> = activities.iter().map(|a| a.0).collect();
    let keep = |at: &mut usize, id: i64| {
        while *at < ids.len() && ids[*at] < id {
            *at += 1;
        }
        ids.get(*at) == Some(&id)
    };
    let mut counts = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT activity_id, sex, band, n FROM activity_counts WHERE activity_id BETWEEN ?1 AND ?2
         ORDER BY activity_id",
    )?;
    let mut rows = stmt.query(params![lo, hi])?;
    let mut at = 0;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if keep(&mut at, id) {
            counts.push((id, r.get(1)?, r.get(2)?, r.get(3)?));
        }
    }
    let mut persons = Vec::new();
    let mut stmt = conn.prepare_cached(
        "SELECT activity_id, person_id FROM activity_persons WHERE activity_id BETWEEN ?1 AND ?2
         ORDER BY activity_id",
    )?;
    let mut rows = stmt.query(params![lo, hi])?;
    let mut at = 0;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if keep(&mut at, id) {
            persons.push((id, r.get(1)?));
        }
    }
    Ok(InPeriod {
        activities,
        counts,
        persons,
    })
}
