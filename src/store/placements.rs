//! Placements, their scheduled follow-up visits, and the Follow-ups list
//! that merges those visits with the case follow-ups in people's files.
//! Typed SQL only: the office layer checks roles, opens the transaction
//! and records the audit entry.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::domain::placements::{
    DueCounts, DueItem, DueKind, NewPlacement, Placement, PlacementCounts, PlacementKind,
    PlacementStatus, Schedule, Visit, VisitDone, VisitOutcome,
};
use crate::store::casework::{FOLLOW_UP_DUE, FOLLOW_UP_FROM};
use crate::store::meta;
use crate::{Error, Result};

const SCHEDULE: &str = "placement_schedule";

/// The office's visit schedule (the default until the manager sets one).
pub fn schedule(conn: &Connection) -> Result<Schedule> {
    match meta::get(conn, SCHEDULE)? {
        None => Ok(Schedule::default()),
        Some(s) => s
            .parse()
            .map_err(|_| Error::damaged("the visit schedule in the office file is damaged")),
    }
}

pub fn set_schedule(conn: &Connection, s: &Schedule) -> Result<()> {
    meta::set(conn, SCHEDULE, &s.to_string())
}

/// Whether a later visit of `placement_visits v`'s placement was made
/// (then `v`, if not made, is missed).
const LATER_MADE: &str = "EXISTS (
    SELECT 1 FROM placement_visits w WHERE w.placement_id = v.placement_id
      AND w.done_on IS NOT NULL AND w.due_on > v.due_on)";

/// A visit still to make, of `placement_visits v`: not made, not one that
/// fell due before its placement was entered, and not missed. The SQL
/// form of [`VisitState`](crate::domain::placements::VisitState)'s rule,
/// used by the due list, its counts, a placement's next due date and its
/// end alike.
fn open_visit() -> String {
    format!("v.done_on IS NULL AND v.entered_later = 0 AND NOT {LATER_MADE}")
}

/// Whether `placement_visits v` is missed: not made, and a later visit of
/// its placement was.
fn missed_visit() -> String {
    format!("(v.done_on IS NULL AND {LATER_MADE})")
}

/// The placement visits on the Follow-ups list, with their placement
/// (`pl`) and person (`p`).
const VISIT_FROM: &str = "placement_visits v JOIN placements pl ON pl.id = v.placement_id
    JOIN persons p ON p.id = pl.person_id";

/// Which of [`VISIT_FROM`] are due by `?1`, for worker `?2` (or all) and
/// kind letter `?3` (or both).
fn visit_due() -> String {
    format!(
        "{} AND pl.ended_on IS NULL AND v.due_on <= ?1
         AND (?2 IS NULL OR p.worker_id = ?2) AND (?3 IS NULL OR ?3 = 'V')",
        open_visit()
    )
}

/// Add a placement (validated by the caller) and its visits, entered on
/// `entered_on`. Visits that fell due before that day are marked "not
/// recorded (entered later)": a back-entered placement makes no backlog.
/// Returns its id and how many visits were marked so.
pub fn add_placement(
    conn: &Connection,
    p: &NewPlacement,
    kind: PlacementKind,
    starts_on: NaiveDate,
    visits: &Schedule,
    entered_on: NaiveDate,
    user_id: i64,
) -> Result<(i64, usize)> {
    conn.prepare_cached(
        "INSERT INTO placements(person_id, kind, starts_on, trade, employer, contact_person,
             contact_phone, wage, hours, business_kind, place, toolkit, grant_amount, training,
             skill_class_id, by_user, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?
    .execute(params![
        p.person_id,
        kind,
        starts_on,
        p.trade.trim(),
        p.employer.trim(),
        p.contact_person.trim(),
        p.contact_phone.trim(),
        p.wage,
        p.hours.trim(),
        p.business_kind.trim(),
        p.place.trim(),
        p.toolkit,
        p.grant,
        p.training.trim(),
        p.skill_class_id,
        user_id,
        crate::clock::now()
    ])?;
    let id = conn.last_insert_rowid();
    let mut visit = conn.prepare_cached(
        "INSERT INTO placement_visits(placement_id, due_on, entered_later) VALUES (?1, ?2, ?3)",
    )?;
    let mut later = 0;
    for due in visits.due_dates(starts_on) {
        let past = due < entered_on;
        later += usize::from(past);
        visit.execute(params![id, due, past])?;
    }
    Ok((id, later))
}

/// A placement's columns, with its status, last visit and next visit due.
fn placement_columns() -> String {
    format!(
        "pl.id, pl.person_id, p.case_number, p.name, pl.kind, pl.trade,
    pl.employer, pl.business_kind, pl.starts_on, pl.wage, pl.skill_class_id, pl.ended_on,
    pl.end_reason,
    (SELECT v.outcome FROM placement_visits v WHERE v.placement_id = pl.id AND v.done_on IS NOT NULL
     ORDER BY v.done_on DESC, v.id DESC LIMIT 1),
    (SELECT max(v.done_on) FROM placement_visits v WHERE v.placement_id = pl.id),
    (SELECT min(v.due_on) FROM placement_visits v WHERE v.placement_id = pl.id AND {})",
        open_visit()
    )
}

fn status(kind: PlacementKind, ended: bool, last: Option<VisitOutcome>) -> PlacementStatus {
    if ended {
        return PlacementStatus::Ended;
    }
    match (kind, last) {
        (_, Some(VisitOutcome::ChangedJob)) => PlacementStatus::Changed,
        (_, Some(VisitOutcome::LostJob)) => PlacementStatus::Lost,
        (_, Some(VisitOutcome::BusinessClosed)) => PlacementStatus::Closed,
        (PlacementKind::Job, _) => PlacementStatus::Working,
        (PlacementKind::Business, _) => PlacementStatus::Running,
    }
}

fn placement_row(r: &Row<'_>) -> rusqlite::Result<Placement> {
    let kind: PlacementKind = r.get(4)?;
    let ended_on: Option<NaiveDate> = r.get(11)?;
    let last: Option<VisitOutcome> = r.get(13)?;
    Ok(Placement {
        id: r.get(0)?,
        person_id: r.get(1)?,
        case_number: r.get(2)?,
        name: r.get(3)?,
        kind,
        trade: r.get(5)?,
        employer: r.get(6)?,
        business_kind: r.get(7)?,
        starts_on: r.get(8)?,
        wage: r.get(9)?,
        skill_class_id: r.get(10)?,
        ended_on,
        end_reason: r.get(12)?,
        status: status(kind, ended_on.is_some(), last),
        last_visit: r.get(14)?,
        next_due: if ended_on.is_some() { None } else { r.get(15)? },
    })
}

/// Placements matching the filters, newest start first.
pub fn placements(
    conn: &Connection,
    trade: Option<&str>,
    year: Option<i32>,
    person: Option<i64>,
) -> Result<Vec<Placement>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM placements pl JOIN persons p ON p.id = pl.person_id
         WHERE (?1 IS NULL OR pl.trade = ?1 COLLATE NOCASE)
           AND (?2 IS NULL OR substr(pl.starts_on, 1, 4) = printf('%04d', ?2))
           AND (?3 IS NULL OR pl.person_id = ?3)
         ORDER BY pl.starts_on DESC, pl.id DESC",
        placement_columns()
    ))?;
    let rows = stmt.query_map(params![trade, year, person], placement_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn get_placement(conn: &Connection, id: i64) -> Result<Placement> {
    conn.prepare_cached(&format!(
        "SELECT {} FROM placements pl JOIN persons p ON p.id = pl.person_id
         WHERE pl.id = ?1",
        placement_columns()
    ))?
    .query_row([id], placement_row)
    .optional()?
    .ok_or_else(|| Error::invalid(format!("there is no placement {id}")))
}

/// End a placement. Its visits still to make are dropped; those missed or
/// not recorded (entered later) stay, as what happened.
pub fn end_placement(conn: &Connection, id: i64, on: NaiveDate, reason: &str) -> Result<()> {
    let p = get_placement(conn, id)?;
    if p.ended_on.is_some() {
        return Err(Error::Conflict("this placement has ended already".into()));
    }
    if on < p.starts_on {
        return Err(Error::invalid(
            "the end date is before the placement started",
        ));
    }
    conn.execute(
        "UPDATE placements SET ended_on = ?2, end_reason = ?3 WHERE id = ?1",
        params![id, on, reason.trim()],
    )?;
    conn.execute(
        &format!(
            "DELETE FROM placement_visits AS v WHERE v.placement_id = ?1 AND {}",
            open_visit()
        ),
        [id],
    )?;
    Ok(())
}

fn visit_row(r: &Row<'_>) -> rusqlite::Result<Visit> {
    Ok(Visit {
        id: r.get(0)?,
        placement_id: r.get(1)?,
        due_on: r.get(2)?,
        done_on: r.get(3)?,
        by: r.get(4)?,
        outcome: r.get(5)?,
        problems: r.get(6)?,
        support: r.get(7)?,
        next_step: r.get(8)?,
        entered_later: r.get(9)?,
        missed: r.get(10)?,
    })
}

/// A visit's columns, as [`visit_row`] reads them.
fn visit_columns() -> String {
    format!(
        "v.id, v.placement_id, v.due_on, v.done_on, u.name, v.outcome, v.problems,
         v.support, v.next_step, v.entered_later, {}",
        missed_visit()
    )
}

/// A placement's visits, by date.
pub fn visits(conn: &Connection, placement_id: i64) -> Result<Vec<Visit>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM placement_visits v LEFT JOIN users u ON u.id = v.by_user
         WHERE v.placement_id = ?1 ORDER BY coalesce(v.done_on, v.due_on), v.id",
        visit_columns()
    ))?;
    let rows = stmt.query_map([placement_id], visit_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The visit with this id and its placement.
pub fn visit(conn: &Connection, visit_id: i64) -> Result<(Visit, Placement)> {
    let v = conn
        .prepare_cached(&format!(
            "SELECT {} FROM placement_visits v LEFT JOIN users u ON u.id = v.by_user
             WHERE v.id = ?1",
            visit_columns()
        ))?
        .query_row([visit_id], visit_row)
        .optional()?
        .ok_or_else(|| Error::invalid(format!("there is no placement visit V{visit_id}")))?;
    let p = get_placement(conn, v.placement_id)?;
    Ok((v, p))
}

/// Record a visit. A visit is made once: a second save (another desk got
/// there first) is a conflict and changes nothing.
pub fn record_visit(
    conn: &Connection,
    visit_id: i64,
    done: &VisitDone,
    user_id: i64,
) -> Result<()> {
    let n = conn.execute(
        "UPDATE placement_visits SET done_on = ?2, outcome = ?3, problems = ?4, support = ?5,
             next_step = ?6, by_user = ?7, done_at = ?8
         WHERE id = ?1 AND done_on IS NULL",
        params![
            visit_id,
            done.done_on,
            done.outcome,
            done.problems.trim(),
            done.support.trim(),
            done.next_step.trim(),
            user_id,
            crate::clock::now()
        ],
    )?;
    if n == 0 {
        return Err(Error::Conflict(
            "this visit has been recorded already (at another desk?); nothing was changed".into(),
        ));
    }
    Ok(())
}

/// Follow-ups due by `through` from placements and from people's files,
/// most overdue first; for one worker (the person's case worker) or all.
pub fn due(
    conn: &Connection,
    through: NaiveDate,
    worker: Option<i64>,
    kind: Option<DueKind>,
    limit: usize,
) -> Result<Vec<DueItem>> {
    let mut stmt = conn.prepare_cached(&format!(
        // Each half walks its "open, by due date" index and stops at the
        // limit; only those two short lists are merged and cut again. (One
        // ORDER BY over the whole union joined and sorted every open
        // follow-up first: 130 ms on the large office, for 1,000 rows.)
        "SELECT * FROM (
             SELECT * FROM (
                 SELECT 'V' AS k, v.id AS id, p.id, p.case_number, p.name, v.due_on AS due_on,
                        u.name,
                        pl.kind || CASE WHEN pl.trade <> '' THEN ': ' || pl.trade ELSE '' END
                 FROM {VISIT_FROM} LEFT JOIN users u ON u.id = p.worker_id
                 WHERE {}
                 ORDER BY v.due_on, v.id LIMIT ?4)
             UNION ALL
             SELECT * FROM (
                 SELECT 'F' AS k, f.id AS id, p.id, p.case_number, p.name, f.due_on AS due_on,
                        u.name, f.purpose
                 FROM {FOLLOW_UP_FROM} LEFT JOIN users u ON u.id = p.worker_id
                 WHERE {FOLLOW_UP_DUE}
                 ORDER BY f.due_on, f.id LIMIT ?4)
         ) ORDER BY 6, 1, 2 LIMIT ?4",
        visit_due()
    ))?;
    let kind_letter = kind.map(|k| k.letter().to_string());
    let rows = stmt.query_map(params![through, worker, kind_letter, limit as i64], |r| {
        let k: String = r.get(0)?;
        Ok(DueItem {
            kind: if k == "V" {
                DueKind::Placement
            } else {
                DueKind::Case
            },
            id: r.get(1)?,
            person_id: r.get(2)?,
            case_number: r.get(3)?,
            name: r.get(4)?,
            due_on: r.get(5)?,
            worker: r.get(6)?,
            what: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many follow-ups [`due`] lists by `through` (all of them, not cut
/// at a limit), split at `today`: due before it (overdue) and on it.
pub fn due_counts(
    conn: &Connection,
    through: NaiveDate,
    today: NaiveDate,
    worker: Option<i64>,
    kind: Option<DueKind>,
) -> Result<DueCounts> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT coalesce(sum(due_on < ?4), 0), coalesce(sum(due_on = ?4), 0) FROM (
             SELECT v.due_on AS due_on FROM {VISIT_FROM} WHERE {}
             UNION ALL
             SELECT f.due_on FROM {FOLLOW_UP_FROM} WHERE {FOLLOW_UP_DUE})",
        visit_due()
    ))?;
    let kind_letter = kind.map(|k| k.letter().to_string());
    let (overdue, on_day): (i64, i64) = stmt
        .query_row(params![through, worker, kind_letter, today], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    let n = |x: i64| usize::try_from(x).unwrap_or(0);
    Ok(DueCounts {
        overdue: n(overdue),
        today: n(on_day),
    })
}

/// The counts reports use, for placements started (and visits made) in
/// `from..=to`. "Working at 3 (6) months": a visit made 75–120 (150–240)
/// days after the start found them working.
pub fn counts(conn: &Connection, from: NaiveDate, to: NaiveDate) -> Result<PlacementCounts> {
    let (jobs, businesses, after_skill): (i64, i64, i64) = conn.query_row(
        "SELECT coalesce(sum(kind = 'job'), 0), coalesce(sum(kind = 'business'), 0),
                coalesce(sum(skill_class_id IS NOT NULL OR EXISTS (
                    SELECT 1 FROM skill_completions k
                    WHERE k.person_id = placements.person_id AND k.completed_on <= starts_on)), 0)
         FROM placements WHERE starts_on BETWEEN ?1 AND ?2",
        params![from, to],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let working_at = |lo: i64, hi: i64| -> Result<i64> {
        Ok(conn.query_row(
            "SELECT count(DISTINCT pl.id) FROM placements pl
             JOIN placement_visits v ON v.placement_id = pl.id
             WHERE pl.starts_on BETWEEN ?1 AND ?2 AND v.done_on IS NOT NULL
               AND julianday(v.done_on) - julianday(pl.starts_on) BETWEEN ?3 AND ?4
               AND v.outcome IN ('still_working', 'changed_job', 'business_running')",
            params![from, to, lo, hi],
            |r| r.get(0),
        )?)
    };
    let visits_made: i64 = conn.query_row(
        "SELECT count(*) FROM placement_visits WHERE done_on BETWEEN ?1 AND ?2",
        params![from, to],
        |r| r.get(0),
    )?;
    Ok(PlacementCounts {
        jobs,
        businesses,
        after_skill_course: after_skill,
        working_at_3_months: working_at(75, 120)?,
        working_at_6_months: working_at(150, 240)?,
        visits_made,
    })
}
