//! Classes, enrolments, sessions and their marks, literacy tests and skill
//! courses completed. Typed SQL only: the office layer checks roles, opens
//! the transaction and records the audit entry.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::domain::classes::{
    Class, ClassKind, Days, Enrolment, LiteracyScale, LiteracyScores, LiteracyTest, Mark,
    MarkChange, MarkConflict, NewClass, Rate, SavedSheet, Sheet, SheetRow, SkillCompletion,
};
use crate::store::meta;
use crate::{Error, Result};

/// `meta` key of the office's literacy scale (JSON list of level names).
const SCALE: &str = "literacy_scale";

const CLASS_COLUMNS: &str = "c.id, c.kind, c.name, c.trade, c.teacher_id, u.name, c.days,
    c.starts_at, c.ends_at, c.starts_on, c.ends_on, c.room,
    (SELECT count(*) FROM enrolments e WHERE e.class_id = c.id AND e.withdrawn_on IS NULL)";

fn class_row(r: &Row<'_>) -> rusqlite::Result<Class> {
    Ok(Class {
        id: r.get(0)?,
        kind: r.get(1)?,
        name: r.get(2)?,
        trade: r.get(3)?,
        teacher_id: r.get(4)?,
        teacher: r.get(5)?,
        days: Days::from_bits(r.get::<_, u8>(6)?),
        starts_at: r.get(7)?,
        ends_at: r.get(8)?,
        starts_on: r.get(9)?,
        ends_on: r.get(10)?,
        room: r.get(11)?,
        enrolled: r.get(12)?,
    })
}

/// Add a class (validated by the caller). Returns its id.
pub fn add_class(conn: &Connection, c: &NewClass) -> Result<i64> {
    let taken: bool = conn
        .query_row(
            "SELECT 1 FROM classes WHERE name = ?1 COLLATE NOCASE",
            [c.name.trim()],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if taken {
        return Err(Error::invalid(
            "there is already a class with this name; choose another",
        ));
    }
    conn.execute(
        "INSERT INTO classes(kind, name, trade, teacher_id, days, starts_at, ends_at, starts_on,
                             ends_on, room, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            c.kind,
            c.name.trim(),
            c.trade.trim(),
            c.teacher_id,
            c.days.bits(),
            c.starts_at,
            c.ends_at,
            c.starts_on,
            c.ends_on,
            c.room.trim(),
            crate::clock::now()
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Every class, by kind then name.
pub fn classes(conn: &Connection) -> Result<Vec<Class>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CLASS_COLUMNS} FROM classes c LEFT JOIN users u ON u.id = c.teacher_id
         ORDER BY c.kind, c.name COLLATE NOCASE"
    ))?;
    let rows = stmt.query_map([], class_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get_class(conn: &Connection, id: i64) -> Result<Class> {
    conn.prepare_cached(&format!(
        "SELECT {CLASS_COLUMNS} FROM classes c LEFT JOIN users u ON u.id = c.teacher_id
         WHERE c.id = ?1"
    ))?
    .query_row([id], class_row)
    .optional()?
    .ok_or_else(|| Error::invalid(format!("there is no class {id}")))
}

/// A class by its name (ignoring case).
pub fn class_named(conn: &Connection, name: &str) -> Result<Option<Class>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CLASS_COLUMNS} FROM classes c LEFT JOIN users u ON u.id = c.teacher_id
             WHERE c.name = ?1 COLLATE NOCASE"
        ))?
        .query_row([name.trim()], class_row)
        .optional()?)
}

/// Enrol a person from `on`. Refused when they are enrolled already.
pub fn enrol(
    conn: &Connection,
    class_id: i64,
    person_id: i64,
    on: NaiveDate,
    user_id: i64,
) -> Result<i64> {
    if open_enrolment(conn, class_id, person_id)?.is_some() {
        return Err(Error::invalid(
            "this person is already enrolled in this class",
        ));
    }
    conn.prepare_cached(
        "INSERT INTO enrolments(class_id, person_id, enrolled_on, by_user, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        class_id,
        person_id,
        on,
        user_id,
        crate::clock::now()
    ])?;
    Ok(conn.last_insert_rowid())
}

fn open_enrolment(
    conn: &Connection,
    class_id: i64,
    person_id: i64,
) -> Result<Option<(i64, NaiveDate)>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, enrolled_on FROM enrolments
             WHERE class_id = ?1 AND person_id = ?2 AND withdrawn_on IS NULL",
        )?
        .query_row(params![class_id, person_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// Withdraw a person from `on` (no sessions from that day on).
pub fn withdraw(
    conn: &Connection,
    class_id: i64,
    person_id: i64,
    on: NaiveDate,
    why: &str,
) -> Result<i64> {
    let Some((id, since)) = open_enrolment(conn, class_id, person_id)? else {
        return Err(Error::invalid(
            "this person is not enrolled in this class (withdrawn already?)",
        ));
    };
    if on < since {
        return Err(Error::invalid(format!(
            "the withdrawal date is before the enrolment ({since})"
        )));
    }
    conn.execute(
        "UPDATE enrolments SET withdrawn_on = ?2, withdrawn_why = ?3 WHERE id = ?1",
        params![id, on, why.trim()],
    )?;
    Ok(id)
}

fn enrolment_row(r: &Row<'_>) -> rusqlite::Result<Enrolment> {
    Ok(Enrolment {
        id: r.get(0)?,
        class_id: r.get(1)?,
        person_id: r.get(2)?,
        case_number: r.get(3)?,
        name: r.get(4)?,
        enrolled_on: r.get(5)?,
        withdrawn_on: r.get(6)?,
    })
}

const ENROLMENT_COLUMNS: &str =
    "e.id, e.class_id, e.person_id, p.case_number, p.name, e.enrolled_on, e.withdrawn_on";

/// Every enrolment of a class, current first, then by case number.
pub fn enrolments(conn: &Connection, class_id: i64) -> Result<Vec<Enrolment>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENROLMENT_COLUMNS} FROM enrolments e JOIN persons p ON p.id = e.person_id
         WHERE e.class_id = ?1
         ORDER BY e.withdrawn_on IS NOT NULL, p.case_number, e.id"
    ))?;
    let rows = stmt.query_map([class_id], enrolment_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A person's enrolments, with the class's name.
pub fn person_enrolments(conn: &Connection, person_id: i64) -> Result<Vec<(String, Enrolment)>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ENROLMENT_COLUMNS}, c.name FROM enrolments e
         JOIN persons p ON p.id = e.person_id JOIN classes c ON c.id = e.class_id
         WHERE e.person_id = ?1 ORDER BY e.enrolled_on, e.id"
    ))?;
    let rows = stmt.query_map([person_id], |r| Ok((r.get(7)?, enrolment_row(r)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

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
    let rows = stmt.query_map(params![from, to], |r| {
        Ok((
            r.get(0)?,
            Rate {
                attended: r.get(1)?,
                counted: r.get(2)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A person's attendance rate per class (all time): (class, rate).
pub fn person_rates(conn: &Connection, person_id: i64) -> Result<Vec<(String, Rate)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.name, sum(a.mark IN ('P', 'L')), sum(a.mark <> 'E')
         FROM attendance a JOIN class_sessions s ON s.id = a.session_id
         JOIN classes c ON c.id = s.class_id
         WHERE a.person_id = ?1 GROUP BY c.id ORDER BY c.name",
    )?;
    let rows = stmt.query_map([person_id], |r| {
        Ok((
            r.get(0)?,
            Rate {
                attended: r.get(1)?,
                counted: r.get(2)?,
            },
        ))
    })?;
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

/// The office's literacy scale (the default until the manager sets one).
pub fn literacy_scale(conn: &Connection) -> Result<LiteracyScale> {
    match meta::get(conn, SCALE)? {
        None => Ok(LiteracyScale::default()),
        Some(json) => serde_json::from_str::<Vec<String>>(&json)
            .map(|levels| LiteracyScale { levels })
            .map_err(|_| Error::damaged("the literacy scale in the office file is damaged")),
    }
}

pub fn set_literacy_scale(conn: &Connection, scale: &LiteracyScale) -> Result<()> {
    let json = serde_json::to_string(&scale.levels)
        .map_err(|e| Error::invalid(format!("cannot store the scale: {e}")))?;
    meta::set(conn, SCALE, &json)
}

/// Record (or correct) a person's test for a month.
pub fn set_literacy_test(
    conn: &Connection,
    person_id: i64,
    month: NaiveDate,
    s: &LiteracyScores,
    user_id: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO literacy_tests(person_id, month, reading_urdu, writing_urdu, reading_english,
                                    writing_english, tested_by, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(person_id, month) DO UPDATE SET
             reading_urdu = excluded.reading_urdu, writing_urdu = excluded.writing_urdu,
             reading_english = excluded.reading_english,
             writing_english = excluded.writing_english,
             tested_by = excluded.tested_by, at = excluded.at",
    )?
    .execute(params![
        person_id,
        month.format("%Y-%m").to_string(),
        s.reading_urdu,
        s.writing_urdu,
        s.reading_english,
        s.writing_english,
        user_id,
        crate::clock::now()
    ])?;
    Ok(())
}

/// A person's tests, oldest month first.
pub fn literacy_tests(conn: &Connection, person_id: i64) -> Result<Vec<LiteracyTest>> {
    let mut stmt = conn.prepare_cached(
        "SELECT month, reading_urdu, writing_urdu, reading_english, writing_english
         FROM literacy_tests WHERE person_id = ?1 ORDER BY month",
    )?;
    let rows = stmt.query_map([person_id], |r| {
        let month: String = r.get(0)?;
        Ok(LiteracyTest {
            person_id,
            month: NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
                .unwrap_or_default(),
            scores: LiteracyScores {
                reading_urdu: r.get(1)?,
                writing_urdu: r.get(2)?,
                reading_english: r.get(3)?,
                writing_english: r.get(4)?,
            },
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Record a skill course completed. Once per person and course.
pub fn complete_skill(
    conn: &Connection,
    person_id: i64,
    class_id: i64,
    on: NaiveDate,
    certificate: bool,
    user_id: i64,
) -> Result<i64> {
    let done: bool = conn
        .query_row(
            "SELECT 1 FROM skill_completions WHERE person_id = ?1 AND class_id = ?2",
            params![person_id, class_id],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if done {
        return Err(Error::invalid(
            "this person's completion of this course is recorded already",
        ));
    }
    conn.prepare_cached(
        "INSERT INTO skill_completions(person_id, class_id, completed_on, certificate, by_user, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        person_id,
        class_id,
        on,
        certificate,
        user_id,
        crate::clock::now()
    ])?;
    Ok(conn.last_insert_rowid())
}

/// A person's completed skill courses.
pub fn skill_completions(conn: &Connection, person_id: i64) -> Result<Vec<SkillCompletion>> {
    let mut stmt = conn.prepare_cached(
        "SELECT k.id, k.person_id, k.class_id, c.name, c.trade, k.completed_on, k.certificate
         FROM skill_completions k JOIN classes c ON c.id = k.class_id
         WHERE k.person_id = ?1 ORDER BY k.completed_on",
    )?;
    let rows = stmt.query_map([person_id], |r| {
        Ok(SkillCompletion {
            id: r.get(0)?,
            person_id: r.get(1)?,
            class_id: r.get(2)?,
            class_name: r.get(3)?,
            trade: r.get(4)?,
            completed_on: r.get(5)?,
            certificate: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The kind of a class, for the audit detail.
pub fn kind_of(conn: &Connection, class_id: i64) -> Result<ClassKind> {
    Ok(get_class(conn, class_id)?.kind)
}
