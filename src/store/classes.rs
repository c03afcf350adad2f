//! Classes and enrolments, literacy tests and skill courses completed
//! (sessions and marks are in `store::attendance`). Typed SQL only: the
//! office layer checks roles, opens the transaction and records the audit
//! entry.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::domain::classes::{
    Class, ClassKind, Days, Enrolment, LiteracyScale, LiteracyScores, LiteracyTest, NewClass,
    SkillCompletion,
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
