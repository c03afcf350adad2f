//! A person's case work: services, follow-ups, case-plan goals, the status
//! lifecycle and the timeline that merges them with counselling sessions.
//!
//! Every function takes the caller's connection or transaction; the office
//! layer runs writes in one transaction with their audit entry.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::domain::casework::{
    DueFollowUp, FollowUp, FollowUpDone, Goal, NewFollowUp, NewGoal, NewService, Service,
    StatusChange, StatusStep, TimelineEntry, TimelineEvent,
};
use crate::domain::{CaseStatus, CounsellingKind};
use crate::store::persons::{PersonId, load_person, refuse_invalid};
use crate::store::users::User;
use crate::{Error, Result};

fn registered_on(conn: &Connection, id: PersonId) -> Result<NaiveDate> {
    conn.prepare_cached("SELECT registered_on FROM persons WHERE id = ?1")?
        .query_row([id.0], |r| r.get(0))
        .optional()?
        .ok_or_else(|| crate::store::persons::no_such_person(id))
}

/// Record a service delivered. Returns the service's id.
pub fn add_service(
    conn: &Connection,
    person: PersonId,
    s: &NewService,
    user: &User,
) -> Result<i64> {
    let reg = registered_on(conn, person)?;
    refuse_invalid(&s.validate(reg, crate::clock::today()))?;
    conn.prepare_cached(
        "INSERT INTO services(person_id, kind, on_date, user_id, detail, note, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        person.0,
        s.kind,
        s.on_date,
        user.id,
        s.detail,
        s.note,
        crate::clock::now()
    ])?;
    let id = conn.last_insert_rowid();
    Ok(id)
}

fn service_row(r: &Row<'_>) -> rusqlite::Result<Service> {
    Ok(Service {
        id: r.get(0)?,
        person_id: r.get(1)?,
        kind: r.get(2)?,
        on_date: r.get(3)?,
        user_name: r.get(4)?,
        detail: r.get(5)?,
        note: r.get(6)?,
    })
}

/// A person's services, newest first.
pub fn services(conn: &Connection, person: PersonId) -> Result<Vec<Service>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.person_id, s.kind, s.on_date, u.name, s.detail, s.note
         FROM services s LEFT JOIN users u ON u.id = s.user_id
         WHERE s.person_id = ?1 ORDER BY s.on_date DESC, s.id DESC",
    )?;
    let rows = stmt.query_map([person.0], service_row)?;
    rows.collect::<rusqlite::Result<_>>().map_err(Error::from)
}

/// Plan a follow-up. Returns its id.
pub fn add_follow_up(
    conn: &Connection,
    person: PersonId,
    f: &NewFollowUp,
    user: &User,
) -> Result<i64> {
    let reg = registered_on(conn, person)?;
    refuse_invalid(&f.validate(reg))?;
    conn.prepare_cached(
        "INSERT INTO follow_ups(person_id, due_on, purpose, user_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        person.0,
        f.due_on,
        f.purpose,
        user.id,
        crate::clock::now()
    ])?;
    let id = conn.last_insert_rowid();
    Ok(id)
}

/// Mark a follow-up done with its outcome. A follow-up is done once.
pub fn complete_follow_up(
    conn: &Connection,
    follow_up_id: i64,
    done: &FollowUpDone,
) -> Result<PersonId> {
    let (person, done_on): (i64, Option<NaiveDate>) = conn
        .query_row(
            "SELECT person_id, done_on FROM follow_ups WHERE id = ?1",
            [follow_up_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| Error::invalid(format!("there is no follow-up {follow_up_id}")))?;
    if done_on.is_some() {
        return Err(Error::Conflict(
            "this follow-up is already marked done".into(),
        ));
    }
    let person = PersonId(person);
    let reg = registered_on(conn, person)?;
    refuse_invalid(&done.validate(reg, crate::clock::today()))?;
    conn.execute(
        "UPDATE follow_ups SET done_on = ?2, outcome = ?3 WHERE id = ?1 AND done_on IS NULL",
        params![follow_up_id, done.done_on, done.outcome],
    )?;
    Ok(person)
}

const FOLLOW_UP_COLUMNS: &str =
    "f.id, f.person_id, f.due_on, f.purpose, u.name, f.done_on, f.outcome";

fn follow_up_row(r: &Row<'_>) -> rusqlite::Result<FollowUp> {
    Ok(FollowUp {
        id: r.get(0)?,
        person_id: r.get(1)?,
        due_on: r.get(2)?,
        purpose: r.get(3)?,
        user_name: r.get(4)?,
        done_on: r.get(5)?,
        outcome: r.get(6)?,
    })
}

/// A person's follow-ups, open ones first, then by due date.
pub fn follow_ups(conn: &Connection, person: PersonId) -> Result<Vec<FollowUp>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {FOLLOW_UP_COLUMNS} FROM follow_ups f LEFT JOIN users u ON u.id = f.user_id
         WHERE f.person_id = ?1 ORDER BY f.done_on IS NOT NULL, f.due_on, f.id"
    ))?;
    let rows = stmt.query_map([person.0], follow_up_row)?;
    rows.collect::<rusqlite::Result<_>>().map_err(Error::from)
}

/// The case follow-ups on the Follow-ups list, with their person (`p`).
pub(crate) const FOLLOW_UP_FROM: &str = "follow_ups f JOIN persons p ON p.id = f.person_id";

/// Which of [`FOLLOW_UP_FROM`] are due by `?1`: not done, for worker `?2`
/// (or all) and kind letter `?3` (or both). The one rule the due list, its
/// counts and [`due_follow_ups`] share.
pub(crate) const FOLLOW_UP_DUE: &str = "f.done_on IS NULL AND f.due_on <= ?1
    AND (?2 IS NULL OR p.worker_id = ?2) AND (?3 IS NULL OR ?3 = 'F')";

/// Open follow-ups due on or before `through` (today: due today and
/// overdue), oldest first; only those of `worker`'s cases when given.
pub fn due_follow_ups(
    conn: &Connection,
    through: NaiveDate,
    worker: Option<i64>,
    limit: usize,
) -> Result<Vec<DueFollowUp>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {FOLLOW_UP_COLUMNS}, p.case_number, p.name
         FROM {FOLLOW_UP_FROM} LEFT JOIN users u ON u.id = f.user_id
         WHERE {FOLLOW_UP_DUE}
         ORDER BY f.due_on, f.id LIMIT ?4"
    ))?;
    let rows = stmt.query_map(params![through, worker, "F", limit as i64], |r| {
        Ok(DueFollowUp {
            follow_up: follow_up_row(r)?,
            case_number: r.get(7)?,
            name: r.get(8)?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>().map_err(Error::from)
}

/// Add a case-plan goal. Returns its id.
pub fn add_goal(conn: &Connection, person: PersonId, g: &NewGoal, user: &User) -> Result<i64> {
    let reg = registered_on(conn, person)?;
    refuse_invalid(&g.validate(reg))?;
    conn.prepare_cached(
        "INSERT INTO goals(person_id, goal, target_date, user_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        person.0,
        g.goal,
        g.target_date,
        user.id,
        crate::clock::now()
    ])?;
    let id = conn.last_insert_rowid();
    Ok(id)
}

/// Mark a goal achieved on a date.
/// Returns the person the goal belongs to.
pub fn achieve_goal(conn: &Connection, goal_id: i64, on: NaiveDate) -> Result<PersonId> {
    let (person, achieved): (i64, Option<NaiveDate>) = conn
        .query_row(
            "SELECT person_id, achieved_on FROM goals WHERE id = ?1",
            [goal_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| Error::invalid(format!("there is no goal {goal_id}")))?;
    if achieved.is_some() {
        return Err(Error::Conflict(
            "this goal is marked achieved already".into(),
        ));
    }
    let reg = registered_on(conn, PersonId(person))?;
    if on > crate::clock::today() {
        return Err(Error::invalid("The date achieved is in the future"));
    }
    if on < reg {
        return Err(Error::invalid(
            "The date achieved is before the intake date",
        ));
    }
    conn.execute(
        "UPDATE goals SET achieved_on = ?2 WHERE id = ?1",
        params![goal_id, on],
    )?;
    Ok(PersonId(person))
}

/// A person's case-plan goals in the order they were set.
pub fn goals(conn: &Connection, person: PersonId) -> Result<Vec<Goal>> {
    let mut stmt = conn.prepare_cached(
        "SELECT g.id, g.person_id, g.goal, g.target_date, g.achieved_on, u.name
         FROM goals g LEFT JOIN users u ON u.id = g.user_id
         WHERE g.person_id = ?1 ORDER BY g.id",
    )?;
    let rows = stmt.query_map([person.0], |r| {
        Ok(Goal {
            id: r.get(0)?,
            person_id: r.get(1)?,
            goal: r.get(2)?,
            target_date: r.get(3)?,
            achieved_on: r.get(4)?,
            user_name: r.get(5)?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>().map_err(Error::from)
}

/// Move a case along its lifecycle (registered → active → closed with a
/// reason → reopened). Illegal moves are refused; the step is kept in
/// `status_changes`. Status moves are checked against the status stored
/// now, so two terminals closing the same case cannot both succeed; they
/// do not change the profile's version. Returns the status it left.
pub fn change_status(
    conn: &Connection,
    person: PersonId,
    change: &StatusChange,
    user: &User,
) -> Result<CaseStatus> {
    let p = load_person(conn, person)?;
    let last_on: NaiveDate = conn
        .query_row(
            "SELECT max(on_date) FROM status_changes WHERE person_id = ?1",
            [person.0],
            |r| r.get::<_, Option<NaiveDate>>(0),
        )?
        .unwrap_or(p.profile.registered_on);
    refuse_invalid(&change.validate(p.status, last_on, crate::clock::today()))?;
    let now = crate::clock::now();
    conn.execute(
        "INSERT INTO status_changes(person_id, on_date, at, user_id, from_status, to_status, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![person.0, change.on_date, now, user.id, p.status, change.to, change.reason],
    )?;
    let closure = if change.to == CaseStatus::Closed {
        change.reason
    } else {
        None
    };
    conn.execute(
        "UPDATE persons SET status = ?2, closure_reason = ?3, updated_at = ?4 WHERE id = ?1",
        params![person.0, change.to, closure, now],
    )?;
    Ok(p.status)
}

/// Every status step of a person, oldest first.
pub fn status_steps(conn: &Connection, person: PersonId) -> Result<Vec<StatusStep>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.id, s.on_date, s.from_status, s.to_status, s.reason, u.name
         FROM status_changes s LEFT JOIN users u ON u.id = s.user_id
         WHERE s.person_id = ?1 ORDER BY s.on_date, s.id",
    )?;
    let rows = stmt.query_map([person.0], |r| {
        Ok(StatusStep {
            id: r.get(0)?,
            on_date: r.get(1)?,
            from: r.get(2)?,
            to: r.get(3)?,
            reason: r.get(4)?,
            user_name: r.get(5)?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>().map_err(Error::from)
}

/// A person's file as one list, newest first: services, status steps,
/// follow-ups (open ones at their due date, done ones at the date done),
/// goals achieved and counselling sessions held (kind, length and who;
/// never what was said).
pub fn timeline(conn: &Connection, person: PersonId) -> Result<Vec<TimelineEntry>> {
    let mut out = Vec::new();
    for s in services(conn, person)? {
        out.push(TimelineEntry {
            on_date: s.on_date,
            who: s.user_name,
            event: TimelineEvent::Service {
                id: s.id,
                kind: s.kind,
                detail: s.detail,
                note: s.note,
            },
        });
    }
    for s in status_steps(conn, person)? {
        out.push(TimelineEntry {
            on_date: s.on_date,
            who: s.user_name,
            event: TimelineEvent::Status {
                from: s.from,
                to: s.to,
                reason: s.reason,
            },
        });
    }
    for f in follow_ups(conn, person)? {
        let (on_date, event) = match f.done_on {
            Some(done) => (
                done,
                TimelineEvent::FollowUpDone {
                    id: f.id,
                    purpose: f.purpose,
                    outcome: f.outcome,
                },
            ),
            None => (
                f.due_on,
                TimelineEvent::FollowUpDue {
                    id: f.id,
                    purpose: f.purpose,
                },
            ),
        };
        out.push(TimelineEntry {
            on_date,
            who: f.user_name,
            event,
        });
    }
    for g in goals(conn, person)? {
        if let Some(on) = g.achieved_on {
            out.push(TimelineEntry {
                on_date: on,
                who: g.user_name,
                event: TimelineEvent::GoalAchieved {
                    id: g.id,
                    goal: g.goal,
                },
            });
        }
    }
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.on_date, c.kind, c.minutes, u.name
         FROM counselling_sessions c LEFT JOIN users u ON u.id = c.psychologist_id
         WHERE c.person_id = ?1
            OR c.id IN (SELECT session_id FROM counselling_participants WHERE person_id = ?1)",
    )?;
    let sessions = stmt.query_map([person.0], |r| {
        Ok(TimelineEntry {
            on_date: r.get(1)?,
            who: r.get(4)?,
            event: TimelineEvent::Counselling {
                id: r.get(0)?,
                kind: r.get::<_, CounsellingKind>(2)?,
                minutes: r.get(3)?,
            },
        })
    })?;
    for s in sessions {
        out.push(s?);
    }
    // Newest first; on one day, in the order things happen.
    out.sort_by(|a, b| {
        b.on_date
            .cmp(&a.on_date)
            .then(rank(&b.event).cmp(&rank(&a.event)))
    });
    Ok(out)
}

fn rank(e: &TimelineEvent) -> u8 {
    match e {
        TimelineEvent::Status { .. } => 0,
        TimelineEvent::Counselling { .. } => 1,
        TimelineEvent::Service { .. } => 2,
        TimelineEvent::GoalAchieved { .. } => 3,
        TimelineEvent::FollowUpDone { .. } => 4,
        TimelineEvent::FollowUpDue { .. } => 5,
    }
}
