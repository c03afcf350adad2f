//! Attendance: a class's sessions, the sheet of one session and its
//! marks (with every change kept), month sheets, attendance rates and the
//! dropout alert. Typed SQL only, like `store::classes`, whose classes and
//! enrolments these sessions belong to.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::classes::{
    Class, Mark, MarkChange, MarkConflict, Rate, SavedSheet, Sheet, SheetRow,
};
use crate::store::classes::classes;
use crate::{Error, Result};

/// The session of a class on a date, if it was ever opened.
pub fn session_on(conn: &Connection, class_id: i64, on: NaiveDate) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM class_sessions WHERE class_id = ?1 AND on_date = ?2")?
        .query_row(params![class_id, on], |r| r.get(0))
        .optional()?)
}

/// The session of a class on a date, made if need be.
pub fn ensure_session(conn: &Connection, class_id: i64, on: NaiveDate, extra: bool) -> Result<i64> {
    if let Some(id) = session_on(conn, class_id, on)? {
        return Ok(id);
    }
    conn.prepare_cached(
        "INSERT INTO class_sessions(class_id, on_date, extra, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![class_id, on, extra, crate::clock::now()])?;
    Ok(conn.last_insert_rowid())
}

/// The sheet of a class on a date: everyone enrolled that day, in case
/// number order, with their marks if the session has any.
pub fn sheet(conn: &Connection, class_id: i64, on: NaiveDate) -> Result<Sheet> {
    let session_id = session_on(conn, class_id, on)?;
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.case_number, p.name, a.mark, coalesce(a.version, 0), u.name
         FROM enrolments e JOIN persons p ON p.id = e.person_id
         LEFT JOIN attendance a ON a.session_id = ?3 AND a.person_id = e.person_id
         LEFT JOIN users u ON u.id = a.marked_by
         WHERE e.class_id = ?1 AND e.enrolled_on <= ?2
           AND (e.withdrawn_on IS NULL OR e.withdrawn_on > ?2)
         GROUP BY p.id
         ORDER BY p.case_number",
    )?;
    let rows = stmt.query_map(params![class_id, on, session_id], |r| {
        Ok(SheetRow {
            person_id: r.get(0)?,
            case_number: r.get(1)?,
            name: r.get(2)?,
            mark: r.get(3)?,
            version: r.get(4)?,
            marked_by: r.get(5)?,
        })
    })?;
    Ok(Sheet {
        class_id,
        on_date: on,
        session_id,
        rows: rows.collect::<rusqlite::Result<_>>()?,
    })
}

/// Save marks on a session. A mark somebody else saved since the sheet
/// was loaded (its version moved on) is kept, and reported as a conflict
/// unless it already says what ours says; every other mark is written,
/// with its change kept in `attendance_history`. Marks for people not
/// enrolled on the session's date are refused (the whole save).
pub fn save_marks(
    conn: &Connection,
    session_id: i64,
    on: NaiveDate,
    class_id: i64,
    changes: &[MarkChange],
    user_id: i64,
) -> Result<SavedSheet> {
    let enrolled: HashMap<i64, String> = sheet(conn, class_id, on)?
        .rows
        .into_iter()
        .map(|r| (r.person_id, r.case_number))
        .collect();
    let mut current = conn.prepare_cached(
        "SELECT a.mark, a.version, u.name FROM attendance a LEFT JOIN users u ON u.id = a.marked_by
         WHERE a.session_id = ?1 AND a.person_id = ?2",
    )?;
    let mut upsert = conn.prepare_cached(
        "INSERT INTO attendance(session_id, person_id, mark, version, marked_by, marked_at)
         VALUES (?1, ?2, ?3, 1, ?4, ?5)
         ON CONFLICT(session_id, person_id) DO UPDATE
         SET mark = excluded.mark, version = version + 1, marked_by = excluded.marked_by,
             marked_at = excluded.marked_at",
    )?;
    let mut history = conn.prepare_cached(
        "INSERT INTO attendance_history(session_id, person_id, old_mark, new_mark, by_user, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let now = crate::clock::now();
    let mut out = SavedSheet {
        session_id,
        ..SavedSheet::default()
    };
    for c in changes {
        let Some(case_number) = enrolled.get(&c.person_id) else {
            return Err(Error::invalid(format!(
                "person {} is not enrolled in this class on {on}",
                c.person_id
            )));
        };
        let stored: Option<(Mark, i64, Option<String>)> = current
            .query_row(params![session_id, c.person_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .optional()?;
        let (old, version) = match &stored {
            Some((m, v, _)) => (Some(*m), *v),
            None => (None, 0),
        };
        if old == Some(c.mark) {
            continue;
        }
        if version != c.loaded_version {
            // Changed at another desk since this sheet was loaded.
            if let Some((theirs, _, by)) = stored {
                out.conflicts.push(MarkConflict {
                    person_id: c.person_id,
                    case_number: case_number.clone(),
                    theirs,
                    ours: c.mark,
                    by,
                });
            }
            continue;
        }
        upsert.execute(params![session_id, c.person_id, c.mark, user_id, now])?;
        history.execute(params![session_id, c.person_id, old, c.mark, user_id, now])?;
        out.saved += 1;
    }
    Ok(out)
}

/// One change of a mark: case number, old, new, by whom, when.
pub type MarkHistory = (String, Option<Mark>, Mark, Option<String>, String);

/// Every change of a session's marks, oldest first.
pub fn mark_history(conn: &Connection, session_id: i64) -> Result<Vec<MarkHistory>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.case_number, h.old_mark, h.new_mark, u.name, h.at FROM attendance_history h
         JOIN persons p ON p.id = h.person_id LEFT JOIN users u ON u.id = h.by_user
         WHERE h.session_id = ?1 ORDER BY h.id",
    )?;
    let rows = stmt.query_map([session_id], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A month's sheet of a class: the session dates, and per person
/// (enrolled at some time that month) their marks by date and their rate.
pub struct MonthSheet {
    pub dates: Vec<NaiveDate>,
    pub rows: Vec<MonthRow>,
}

pub struct MonthRow {
    pub person_id: i64,
    pub case_number: String,
    pub name: String,
    pub marks: Vec<Option<Mark>>,
    pub rate: Rate,
}

/// The sheet for `month` (its first day) of a class.
pub fn month_sheet(conn: &Connection, class_id: i64, month: NaiveDate) -> Result<MonthSheet> {
    let end = month
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(month)
        - Duration::days(1);
    let mut dates_stmt = conn.prepare_cached(
        "SELECT id, on_date FROM class_sessions WHERE class_id = ?1 AND on_date BETWEEN ?2 AND ?3
         ORDER BY on_date",
    )?;
    let sessions: Vec<(i64, NaiveDate)> = dates_stmt
        .query_map(params![class_id, month, end], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let index: HashMap<i64, usize> = sessions.iter().enumerate().map(|(i, s)| (s.0, i)).collect();
    let mut people = conn.prepare_cached(
        "SELECT DISTINCT p.id, p.case_number, p.name FROM enrolments e JOIN persons p ON p.id = e.person_id
         WHERE e.class_id = ?1 AND e.enrolled_on <= ?3
           AND (e.withdrawn_on IS NULL OR e.withdrawn_on > ?2)
         ORDER BY p.case_number",
    )?;
    let mut rows: Vec<MonthRow> = people
        .query_map(params![class_id, month, end], |r| {
            Ok(MonthRow {
                person_id: r.get(0)?,
                case_number: r.get(1)?,
                name: r.get(2)?,
                marks: vec![None; sessions.len()],
                rate: Rate::default(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let at: HashMap<i64, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r.person_id, i))
        .collect();
    let mut marks = conn.prepare_cached(
        "SELECT a.session_id, a.person_id, a.mark FROM attendance a
         JOIN class_sessions s ON s.id = a.session_id
         WHERE s.class_id = ?1 AND s.on_date BETWEEN ?2 AND ?3",
    )?;
    let found = marks.query_map(params![class_id, month, end], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Mark>(2)?,
        ))
    })?;
    for m in found {
        let (session, person, mark) = m?;
        if let (Some(&s), Some(&p)) = (index.get(&session), at.get(&person)) {
            rows[p].marks[s] = Some(mark);
            rows[p].rate.add(mark);
        }
    }
    Ok(MonthSheet {
        dates: sessions.into_iter().map(|s| s.1).collect(),
        rows,
    })
}

/// Attendance rate of every class with sessions in `from..=to`.
pub fn class_rates(conn: &Connection, from: NaiveDate, to: NaiveDate) -> Result<Vec<(i64, Rate)>> {
    let mut stmt = conn.prepare_cached(
        // CROSS JOIN keeps the sessions of the period (by their date
        // index) as the outer loop, each reading its marks by key; left to
        // itself the planner may walk every mark ever taken instead.
        "SELECT s.class_id, sum(a.mark IN ('P', 'L')), sum(a.mark <> 'E')
         FROM class_sessions s CROSS JOIN attendance a ON a.session_id = s.id
         WHERE s.on_date BETWEEN ?1 AND ?2 GROUP BY s.class_id ORDER BY s.class_id",
    )?;
    let rows = stmt.query_map(params![from, to], keyed_rate)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A row of (key, attended, counted) as (key, rate).
fn keyed_rate<K: rusqlite::types::FromSql>(r: &rusqlite::Row<'_>) -> rusqlite::Result<(K, Rate)> {
    Ok((
        r.get(0)?,
        Rate {
            attended: r.get(1)?,
            counted: r.get(2)?,
        },
    ))
}

/// A person's attendance rate per class (all time): (class, rate).
pub fn person_rates(conn: &Connection, person_id: i64) -> Result<Vec<(String, Rate)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.name, sum(a.mark IN ('P', 'L')), sum(a.mark <> 'E')
         FROM attendance a JOIN class_sessions s ON s.id = a.session_id
         JOIN classes c ON c.id = s.class_id
         WHERE a.person_id = ?1 GROUP BY c.id ORDER BY c.name",
    )?;
    let rows = stmt.query_map([person_id], keyed_rate)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Classes that meet on `date` (its weekday, within their dates), each
/// with whether attendance was taken (a session with marks).
pub fn classes_on(conn: &Connection, date: NaiveDate) -> Result<Vec<(Class, bool)>> {
    let mut taken = conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM class_sessions s JOIN attendance a ON a.session_id = s.id
                        WHERE s.class_id = ?1 AND s.on_date = ?2)",
    )?;
    let mut out = Vec::new();
    for c in classes(conn)?.into_iter().filter(|c| c.meets_on(date)) {
        let t: bool = taken.query_row(params![c.id, date], |r| r.get(0))?;
        out.push((c, t));
    }
    out.sort_by(|a, b| {
        a.0.starts_at
            .cmp(&b.0.starts_at)
            .then(a.0.name.cmp(&b.0.name))
    });
    Ok(out)
}

/// A dropout alert's row: class id, class name, person id, case number,
/// name.
pub type AbsentRow = (i64, String, i64, String, String);

/// People absent from their class's last `n` sessions in a row (up to
/// `today`, within the last 90 days), still enrolled: the dropout alert.
pub fn absent_in_a_row(conn: &Connection, today: NaiveDate, n: u32) -> Result<Vec<AbsentRow>> {
    let mut stmt = conn.prepare_cached(
        "WITH recent AS (
             SELECT s.class_id, s.id AS session_id,
                    row_number() OVER (PARTITION BY s.class_id ORDER BY s.on_date DESC) AS rn
             FROM class_sessions s WHERE s.on_date BETWEEN ?2 AND ?1
         )
         SELECT c.id, c.name, p.id, p.case_number, p.name
         FROM recent r
         CROSS JOIN attendance a ON a.session_id = r.session_id
         JOIN enrolments e ON e.class_id = r.class_id AND e.person_id = a.person_id
                          AND e.withdrawn_on IS NULL
         JOIN classes c ON c.id = r.class_id JOIN persons p ON p.id = a.person_id
         WHERE r.rn <= ?3
         GROUP BY r.class_id, a.person_id
         HAVING count(*) = ?3 AND sum(a.mark = 'A') = ?3
         ORDER BY c.name, p.case_number",
    )?;
    let rows = stmt.query_map(params![today, today - Duration::days(90), n], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
