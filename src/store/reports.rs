//! The rows a period report is counted from. Typed SQL only, reading
//! record ids and codes, never names or notes: `office::reports` turns
//! them into indicators (once per person, by sex and age band).
//!
//! Every function takes an inclusive `from..=to`; dates are compared as
//! `YYYY-MM-DD` text, which sorts like the dates.

use chrono::NaiveDate;
use rusqlite::{Connection, params};

use crate::Result;
use crate::domain::classes::ClassKind;
use crate::domain::{
    CaseStatus, ClosureReason, Concern, CounsellingKind, Programme, ReferralSource, ServiceKind,
    Sex,
};

fn collect<T, F>(rows: rusqlite::MappedRows<'_, F>) -> Result<Vec<T>>
where
    F: FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
{
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Everyone's sex and date of birth: (person, sex, birth date).
pub fn demographics(conn: &Connection) -> Result<Vec<(i64, Sex, Option<NaiveDate>)>> {
    let mut stmt = conn.prepare_cached("SELECT id, sex, birth_date FROM persons")?;
    collect(stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
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
            registered_on: r.get(3)?,
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
/// order they were recorded in.
pub fn status_steps(conn: &Connection, through: NaiveDate) -> Result<Vec<Step>> {
    let mut stmt = conn.prepare_cached(
        "SELECT person_id, on_date, to_status, reason FROM status_changes
         WHERE on_date <= ?1 ORDER BY person_id, on_date, id",
    )?;
    collect(stmt.query_map([through], |r| {
        Ok(Step {
            person_id: r.get(0)?,
            on_date: r.get(1)?,
            to: r.get(2)?,
            reason: r.get(3)?,
        })
    })?)
}

/// Everyone's programme and concerns, for the women's desk categories:
/// (person, programme, concern).
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
    collect(stmt.query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
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
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?)
}

/// Case follow-ups done in the period (one row each): the person.
pub fn follow_ups_done(conn: &Connection, from: NaiveDate, to: NaiveDate) -> Result<Vec<i64>> {
    let mut stmt =
        conn.prepare_cached("SELECT person_id FROM follow_ups WHERE done_on BETWEEN ?1 AND ?2")?;
    collect(stmt.query_map(params![from, to], |r| r.get(0))?)
}

/// Attendance in the period per class kind and person: (kind, person,
/// attended (present or late), counted (not excused)).
pub fn attendance(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(ClassKind, i64, i64, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.kind, a.person_id, sum(a.mark IN ('P', 'L')), sum(a.mark <> 'E')
         FROM class_sessions s JOIN classes c ON c.id = s.class_id
         JOIN attendance a ON a.session_id = s.id
         WHERE s.on_date BETWEEN ?1 AND ?2
         GROUP BY c.kind, a.person_id",
    )?;
    collect(stmt.query_map(params![from, to], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?)
}

/// Sessions held (with at least one mark) in the period, per class kind.
pub fn sessions_held(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(ClassKind, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.kind, count(*) FROM class_sessions s JOIN classes c ON c.id = s.class_id
         WHERE s.on_date BETWEEN ?1 AND ?2
           AND EXISTS (SELECT 1 FROM attendance a WHERE a.session_id = s.id)
         GROUP BY c.kind",
    )?;
    collect(stmt.query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?)))?)
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
    let first = if chrono::Datelike::day(&from) == 1 {
        from
    } else {
        crate::domain::reports::Period::month_of(from).to + chrono::Duration::days(1)
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
        let month: String = r.get(1)?;
        let day = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, Box::new(e))
        })?;
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
