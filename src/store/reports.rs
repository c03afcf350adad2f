//! The rows a period report is counted from. Typed SQL only, reading
//! record ids and codes, never names or notes: `office::reports` turns
//! them into indicators (once per person, by sex and age band).
//!
//! Every function takes an inclusive `from..=to`; dates are compared as
//! `YYYY-MM-DD` text, which sorts like the dates.

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate};
use rusqlite::{Connection, params};

use crate::Result;
use crate::domain::classes::ClassKind;
use crate::domain::reports::Period;
use crate::domain::{
    CaseStatus, ClosureReason, Concern, CounsellingKind, Programme, ReferralSource, ServiceKind,
    Sex,
};

/// A `YYYY-MM` column as the first day of its month.
fn month(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<NaiveDate> {
    let b = r.get_ref(i)?.as_bytes().map_err(rusqlite::Error::from)?;
    let num = |s: &[u8]| {
        s.iter().try_fold(0u32, |a, c| {
            c.is_ascii_digit().then(|| a * 10 + u32::from(c - b'0'))
        })
    };
    match (
        b.len() == 7 && b[4] == b'-',
        num(&b[..4.min(b.len())]),
        num(b.get(5..7).unwrap_or(b"")),
    ) {
        (true, Some(y), Some(m)) => NaiveDate::from_ymd_opt(y as i32, m, 1),
        _ => None,
    }
    .ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            "not a YYYY-MM month".into(),
        )
    })
}

/// A `YYYY-MM-DD` column, read without chrono's format parser: a report
/// reads hundreds of thousands of dates.
fn date(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<NaiveDate> {
    let bad = || {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            "not a YYYY-MM-DD date".into(),
        )
    };
    let b = r.get_ref(i)?.as_bytes().map_err(rusqlite::Error::from)?;
    let num = |s: &[u8]| {
        s.iter().try_fold(0u32, |a, c| {
            c.is_ascii_digit().then(|| a * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad());
    }
    match (num(&b[0..4]), num(&b[5..7]), num(&b[8..10])) {
        (Some(y), Some(m), Some(d)) => NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(bad),
        _ => Err(bad()),
    }
}

fn maybe_date(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<NaiveDate>> {
    match r.get_ref(i)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => date(r, i).map(Some),
    }
}

fn collect<T, F>(rows: rusqlite::MappedRows<'_, F>) -> Result<Vec<T>>
where
    F: FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
{
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Everyone's sex and date of birth: (person, sex, birth date).
pub fn demographics(conn: &Connection) -> Result<Vec<(i64, Sex, Option<NaiveDate>)>> {
    let mut stmt = conn.prepare_cached("SELECT id, sex, birth_date FROM persons")?;
    collect(stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, maybe_date(r, 2)?)))?)
}

/// A person registered in the period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewCase {
    pub person_id: i64,
    pub programme: Programme,
    pub referral: ReferralSource,
    pub registered_on: NaiveDate,
}

pub fn new_cases(conn: &Connection, from: NaiveDate, to: NaiveDate) -> Result<Vec<NewCase>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, programme, referral_source, registered_on FROM persons
         WHERE registered_on BETWEEN ?1 AND ?2",
    )?;
    collect(stmt.query_map(params![from, to], |r| {
        Ok(NewCase {
            person_id: r.get(0)?,
            programme: r.get(1)?,
            referral: r.get(2)?,
            registered_on: date(r, 3)?,
        })
    })?)
}

/// The concerns of the people registered in the period: (person, concern).
pub fn new_case_concerns(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(i64, Concern)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.person_id, c.concern FROM persons p
         JOIN person_concerns c ON c.person_id = p.id
         WHERE p.registered_on BETWEEN ?1 AND ?2",
    )?;
    collect(stmt.query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// One step of a case's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub person_id: i64,
    pub on_date: NaiveDate,
    pub to: CaseStatus,
    pub reason: Option<ClosureReason>,
}

/// Every status step up to `through`, by person, then date, then the
/// order they were recorded in (`status_changes_report` gives that order
/// without a sort).
pub fn status_steps(conn: &Connection, through: NaiveDate) -> Result<Vec<Step>> {
    let mut stmt = conn.prepare_cached(
        "SELECT person_id, on_date, to_status, reason FROM status_changes
         WHERE on_date <= ?1 ORDER BY person_id, on_date, id",
    )?;
    collect(stmt.query_map([through], |r| {
        Ok(Step {
            person_id: r.get(0)?,
            on_date: date(r, 1)?,
            to: r.get(2)?,
            reason: r.get(3)?,
        })
    })?)
}

/// The concerns of everyone on one programme's register (the women's
/// desk categories): (person, concern).
pub fn concerns(conn: &Connection, programme: Programme) -> Result<Vec<(i64, Concern)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.person_id, c.concern FROM person_concerns c
         JOIN persons p ON p.id = c.person_id WHERE p.programme = ?1",
    )?;
    collect(stmt.query_map([programme], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// Services given in the period: (person, kind, date).
pub fn services(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(i64, ServiceKind, NaiveDate)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT person_id, kind, on_date FROM services WHERE on_date BETWEEN ?1 AND ?2",
    )?;
    collect(stmt.query_map(params![from, to], |r| {
        Ok((r.get(0)?, r.get(1)?, date(r, 2)?))
    })?)
}

/// Counselling sessions held in the period, one row per person present
/// (the person whose file it is, then group participants): (session,
/// kind, date, person). Counts only: the notes are never read here.
pub fn counselling(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(i64, CounsellingKind, NaiveDate, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.kind, s.on_date, s.person_id FROM counselling_sessions s
         WHERE s.on_date BETWEEN ?1 AND ?2
         UNION ALL
         SELECT s.id, s.kind, s.on_date, p.person_id FROM counselling_sessions s
         JOIN counselling_participants p ON p.session_id = s.id
         WHERE s.on_date BETWEEN ?1 AND ?2",
    )?;
    collect(stmt.query_map(params![from, to], |r| {
        Ok((r.get(0)?, r.get(1)?, date(r, 2)?, r.get(3)?))
    })?)
}

/// Case follow-ups done in the period (one row each): the person.
pub fn follow_ups_done(conn: &Connection, from: NaiveDate, to: NaiveDate) -> Result<Vec<i64>> {
    let mut stmt =
        conn.prepare_cached("SELECT person_id FROM follow_ups WHERE done_on BETWEEN ?1 AND ?2")?;
    collect(stmt.query_map(params![from, to], |r| r.get(0))?)
}

/// A period's attendance, per class kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attendance {
    /// (kind, person, attended (present or late), counted (not excused)).
    pub per_person: Vec<(ClassKind, i64, i64, i64)>,
    /// Sessions held (attendance taken) per kind.
    pub sessions: Vec<(ClassKind, i64)>,
}

/// A run of days, both ends included.
type Days = (NaiveDate, NaiveDate);

/// The whole calendar months inside `from..=to` (first days of the first
/// and last), and the days outside them (at most two runs).
fn whole_months(from: NaiveDate, to: NaiveDate) -> (Option<Days>, Vec<Days>) {
    let first = if from.day() == 1 {
        from
    } else {
        Period::month_of(from).to + Duration::days(1)
    };
    let last_end = if (to + Duration::days(1)).day() == 1 {
        to
    } else {
        Period::month_of(to).from - Duration::days(1)
    };
    if first > last_end {
        return (None, vec![(from, to)]);
    }
    let mut edges = Vec::new();
    if from < first {
        edges.push((from, first - Duration::days(1)));
    }
    if last_end < to {
        edges.push((last_end + Duration::days(1), to));
    }
    (Some((first, Period::month_of(last_end).from)), edges)
}

/// Attendance in the period. Whole months come from `attendance_months`
/// (kept by triggers on every mark); the days at the ends of a period
/// that does not start or end with a month come from the marks, read
/// through `attendance_report` and added up here (a GROUP BY would sort
/// them).
pub fn attendance(conn: &Connection, from: NaiveDate, to: NaiveDate) -> Result<Attendance> {
    let kinds: HashMap<i64, ClassKind> = conn
        .prepare_cached("SELECT id, kind FROM classes")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut per: HashMap<(ClassKind, i64), (i64, i64)> = HashMap::new();
    let (months, edges) = whole_months(from, to);
    if let Some((first, last)) = months {
        let mut stmt = conn.prepare_cached(
            "SELECT class_id, person_id, attended, counted FROM attendance_months
             WHERE month BETWEEN ?1 AND ?2 AND marks > 0",
        )?;
        let mut rows = stmt.query(params![
            first.format("%Y-%m").to_string(),
            last.format("%Y-%m").to_string()
        ])?;
        while let Some(r) = rows.next()? {
            let Some(kind) = kinds.get(&r.get::<_, i64>(0)?).copied() else {
                continue;
            };
            let e = per.entry((kind, r.get(1)?)).or_default();
            e.0 += r.get::<_, i64>(2)?;
            e.1 += r.get::<_, i64>(3)?;
        }
    }
    let mut marks = conn.prepare_cached(
        "SELECT s.class_id, a.person_id, a.mark
         FROM class_sessions s JOIN attendance a ON a.session_id = s.id
         WHERE s.on_date BETWEEN ?1 AND ?2",
    )?;
    for (a, b) in edges {
        let mut rows = marks.query(params![a, b])?;
        while let Some(r) = rows.next()? {
            let Some(kind) = kinds.get(&r.get::<_, i64>(0)?).copied() else {
                continue;
            };
            let e = per.entry((kind, r.get(1)?)).or_default();
            match r.get_ref(2)?.as_bytes().map_err(rusqlite::Error::from)? {
                b"P" | b"L" => {
                    e.0 += 1;
                    e.1 += 1;
                }
                b"A" => e.1 += 1,
                _ => {}
            }
        }
    }
    let mut per_person: Vec<(ClassKind, i64, i64, i64)> = per
        .into_iter()
        .map(|((k, p), (a, c))| (k, p, a, c))
        .collect();
    per_person.sort_unstable();
    // Sessions held: the sessions whose attendance was taken, counted
    // per class along the (class, date) index (no sort).
    let mut held: HashMap<ClassKind, i64> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, (SELECT count(*) FROM class_sessions s
                       WHERE s.class_id = c.id AND s.on_date BETWEEN ?1 AND ?2)
         FROM classes c",
    )?;
    let mut rows = stmt.query(params![from, to])?;
    while let Some(r) = rows.next()? {
        if let Some(kind) = kinds.get(&r.get::<_, i64>(0)?) {
            *held.entry(*kind).or_default() += r.get::<_, i64>(1)?;
        }
    }
    let mut sessions: Vec<(ClassKind, i64)> = held.into_iter().collect();
    sessions.sort_unstable();
    Ok(Attendance {
        per_person,
        sessions,
    })
}

/// Literacy tests of the people tested in a month of the period, up to
/// its last month, oldest first per person: (person, first day of the
/// month, total score). A month is in the period when its first day is.
pub fn literacy(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(i64, NaiveDate, i64)>> {
    // Months are stored as YYYY-MM: the first month whose 1st is in the
    // period, and the last.
    let first = if from.day() == 1 {
        from
    } else {
        Period::month_of(from).to + Duration::days(1)
    };
    let (lo, hi) = (
        first.format("%Y-%m").to_string(),
        to.format("%Y-%m").to_string(),
    );
    let mut stmt = conn.prepare_cached(
        "SELECT person_id, month,
                coalesce(reading_urdu, 0) + coalesce(writing_urdu, 0)
                + coalesce(reading_english, 0) + coalesce(writing_english, 0)
         FROM literacy_tests
         WHERE month <= ?2 AND person_id IN
             (SELECT person_id FROM literacy_tests WHERE month BETWEEN ?1 AND ?2)
         ORDER BY person_id, month",
    )?;
    collect(stmt.query_map(params![lo, hi], |r| {
        let day = month(r, 1)?;
        Ok((r.get(0)?, day, r.get(2)?))
    })?)
}

/// Skill courses completed in the period (one row each): the person.
pub fn skills_completed(conn: &Connection, from: NaiveDate, to: NaiveDate) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT person_id FROM skill_completions WHERE completed_on BETWEEN ?1 AND ?2",
    )?;
    collect(stmt.query_map(params![from, to], |r| r.get(0))?)
}

/// A placement started in the period, with what reports count of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlacementRow {
    pub person_id: i64,
    pub job: bool,
    pub after_skill_course: bool,
    pub working_at_3_months: bool,
    pub working_at_6_months: bool,
}

/// Placements started in the period, counted by the same rules as
/// `store::placements::counts` (the placements area's own figures):
/// after a skill course when it names one or the person completed one by
/// its start; working at 3 (6) months when a visit made 75–120 (150–240)
/// days after the start found them working.
pub fn placements(conn: &Connection, from: NaiveDate, to: NaiveDate) -> Result<Vec<PlacementRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT pl.person_id, pl.kind = 'job',
                pl.skill_class_id IS NOT NULL OR EXISTS (
                    SELECT 1 FROM skill_completions k
                    WHERE k.person_id = pl.person_id AND k.completed_on <= pl.starts_on),
                EXISTS (SELECT 1 FROM placement_visits v WHERE v.placement_id = pl.id
                    AND v.done_on IS NOT NULL
                    AND julianday(v.done_on) - julianday(pl.starts_on) BETWEEN 75 AND 120
                    AND v.outcome IN ('still_working', 'changed_job', 'business_running')),
                EXISTS (SELECT 1 FROM placement_visits v WHERE v.placement_id = pl.id
                    AND v.done_on IS NOT NULL
                    AND julianday(v.done_on) - julianday(pl.starts_on) BETWEEN 150 AND 240
                    AND v.outcome IN ('still_working', 'changed_job', 'business_running'))
         FROM placements pl WHERE pl.starts_on BETWEEN ?1 AND ?2",
    )?;
    collect(stmt.query_map(params![from, to], |r| {
        Ok(PlacementRow {
            person_id: r.get(0)?,
            job: r.get(1)?,
            after_skill_course: r.get(2)?,
            working_at_3_months: r.get(3)?,
            working_at_6_months: r.get(4)?,
        })
    })?)
}

/// Placement follow-up visits made in the period (one row each): the
/// person visited.
pub fn placement_visits(conn: &Connection, from: NaiveDate, to: NaiveDate) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT pl.person_id FROM placement_visits v JOIN placements pl ON pl.id = v.placement_id
         WHERE v.done_on BETWEEN ?1 AND ?2",
    )?;
    collect(stmt.query_map(params![from, to], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn months(conn: &Connection) -> Vec<(String, i64, i64, i64, i64, i64)> {
        conn.prepare("SELECT * FROM attendance_months ORDER BY 1, 2, 3")
            .expect("prepare")
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    #[test]
    fn old_offices_get_their_monthly_attendance_and_every_mark_keeps_it() {
        // Migration 8 brings `attendance_months` (migrations never move).
        let at = 7;
        let mut conn = Connection::open_in_memory().expect("memory");
        crate::store::migrate_to(&mut conn, at).expect("the office before it");
        conn.execute_batch(
            "INSERT INTO persons(id, case_number, programme, name, sex, referral_source, risk,
                                 registered_on, created_at, updated_at)
             VALUES (1, 'CPC-2026-0001', 'cpc', 'a', 'male', 'self', 'low', '2026-01-01', '', ''),
                    (2, 'CPC-2026-0002', 'cpc', 'b', 'female', 'self', 'low', '2026-01-01', '', '');
             INSERT INTO classes(id, kind, name, days, starts_on, created_at)
             VALUES (1, 'literacy', 'L', 127, '2026-01-01', '');
             INSERT INTO class_sessions(id, class_id, on_date, created_at)
             VALUES (1, 1, '2026-03-30', ''), (2, 1, '2026-04-06', ''), (3, 1, '2026-04-07', '');
             INSERT INTO attendance(session_id, person_id, mark, marked_at)
             VALUES (1, 1, 'P', ''), (2, 1, 'A', ''), (2, 2, 'E', '');",
        )
        .expect("an old office's marks");
        crate::store::migrate_to(&mut conn, at + 1).expect("upgrade");
        let m = |s: &str| s.to_string();
        assert_eq!(
            months(&conn),
            [
                (m("2026-03"), 1, 1, 1, 1, 1),
                (m("2026-04"), 1, 1, 0, 1, 1),
                (m("2026-04"), 1, 2, 0, 0, 1)
            ]
        );
        // A corrected mark, a new one, one taken away.
        conn.execute_batch(
            "UPDATE attendance SET mark = 'L' WHERE session_id = 2 AND person_id = 1;
             INSERT INTO attendance(session_id, person_id, mark, marked_at) VALUES (3, 2, 'P', '');
             INSERT INTO attendance(session_id, person_id, mark, marked_at) VALUES (3, 1, 'A', '')
                 ON CONFLICT(session_id, person_id) DO UPDATE SET mark = excluded.mark;
             DELETE FROM attendance WHERE session_id = 1;",
        )
        .expect("changes");
        assert_eq!(
            months(&conn),
            [
                (m("2026-03"), 1, 1, 0, 0, 0),
                (m("2026-04"), 1, 1, 1, 2, 2),
                (m("2026-04"), 1, 2, 1, 1, 2)
            ]
        );
        // Whole months (from the tally) and the same days not on month
        // boundaries (from the marks) agree.
        let whole = attendance(&conn, d("2026-03-01"), d("2026-04-30")).expect("whole");
        let days = attendance(&conn, d("2026-03-02"), d("2026-04-29")).expect("days");
        assert_eq!(
            whole.per_person,
            [
                (ClassKind::Literacy, 1, 1, 2),
                (ClassKind::Literacy, 2, 1, 1)
            ]
        );
        assert_eq!(whole.per_person, days.per_person);
        assert_eq!(whole.sessions, [(ClassKind::Literacy, 3)]);
    }

    #[test]
    fn periods_split_into_whole_months_and_the_days_around_them() {
        assert_eq!(
            whole_months(d("2026-01-01"), d("2026-12-31")),
            (Some((d("2026-01-01"), d("2026-12-01"))), vec![])
        );
        assert_eq!(
            whole_months(d("2026-04-07"), d("2026-06-30")),
            (
                Some((d("2026-05-01"), d("2026-06-01"))),
                vec![(d("2026-04-07"), d("2026-04-30"))]
            )
        );
        assert_eq!(
            whole_months(d("2026-03-15"), d("2026-05-10")),
            (
                Some((d("2026-04-01"), d("2026-04-01"))),
                vec![
                    (d("2026-03-15"), d("2026-03-31")),
                    (d("2026-05-01"), d("2026-05-10"))
                ]
            )
        );
        assert_eq!(
            whole_months(d("2026-04-06"), d("2026-04-06")),
            (None, vec![(d("2026-04-06"), d("2026-04-06"))])
        );
        assert_eq!(
            whole_months(d("2026-04-02"), d("2026-05-30")),
            (None, vec![(d("2026-04-02"), d("2026-05-30"))])
        );
    }
}
