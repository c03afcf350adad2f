//! One period's rows, read from the office file: what every indicator of
//! that period is counted from.

use chrono::NaiveDate;

use crate::Result;
use crate::domain::reports::{Period, open_during};
use crate::domain::{CaseStatus, ClosureReason, Concern, CounsellingKind, ServiceKind};
use crate::store::reports::{NewCase, PlacementRow};
use crate::store::{activities, reports};

/// What one period's numbers are counted from.
pub(super) struct Raw {
    pub(super) period: Period,
    pub(super) new_cases: Vec<NewCase>,
    pub(super) concerns: Vec<(i64, Concern)>,
    pub(super) open: Vec<i64>,
    pub(super) closed: Vec<(i64, ClosureReason)>,
    pub(super) services: Vec<(i64, ServiceKind, NaiveDate)>,
    pub(super) counselling: Vec<(i64, CounsellingKind, NaiveDate, i64)>,
    pub(super) follow_ups: Vec<i64>,
    pub(super) attendance: reports::Attendance,
    /// (person, improved)
    pub(super) literacy: Vec<(i64, bool)>,
    pub(super) skills: Vec<i64>,
    pub(super) placements: Vec<PlacementRow>,
    pub(super) visits: Vec<i64>,
    pub(super) activities: activities::InPeriod,
}

impl Raw {
    /// No rows: the previous period of a report whose previous column
    /// is not wanted (the calendar year's reports for suppression).
    pub(super) fn empty(period: Period) -> Raw {
        Raw {
            period,
            new_cases: Vec::new(),
            concerns: Vec::new(),
            open: Vec::new(),
            closed: Vec::new(),
            services: Vec::new(),
            counselling: Vec::new(),
            follow_ups: Vec::new(),
            attendance: reports::Attendance::default(),
            literacy: Vec::new(),
            skills: Vec::new(),
            placements: Vec::new(),
            visits: Vec::new(),
            activities: activities::InPeriod::default(),
        }
    }
}

/// The open and closed cases of a period, from everyone's status steps
/// (by person, in order).
pub(super) fn status(raw: &mut Raw, steps: &[reports::Step]) {
    let period = raw.period;
    for s in steps.chunk_by(|a, b| a.person_id == b.person_id) {
        let person = s[0].person_id;
        if open_during(s.iter().map(|c| (c.on_date, c.to)), &period) {
            raw.open.push(person);
        }
        if let Some(last) = s
            .iter()
            .rev()
            .find(|c| period.contains(c.on_date) && c.to == CaseStatus::Closed)
        {
            raw.closed
                .push((person, last.reason.unwrap_or(ClosureReason::LostContact)));
        }
    }
}

/// One period's rows (its open and closed cases come after, from
/// [`status`]).
pub(super) fn read(conn: &rusqlite::Connection, period: Period) -> Result<Raw> {
    let (from, to) = (period.from, period.to);
    // Literacy: the latest test in the period against the one before it
    // began (or the first in it).
    let mut literacy = Vec::new();
    let tests = reports::literacy(conn, from, to)?;
    for chunk in tests.chunk_by(|a, b| a.0 == b.0) {
        let first_in = chunk.iter().position(|t| t.1 >= from);
        let (Some(first_in), Some(last)) = (first_in, chunk.last()) else {
            continue;
        };
        let base = if first_in > 0 {
            chunk[first_in - 1]
        } else {
            chunk[first_in]
        };
        literacy.push((last.0, last.2 > base.2));
    }
    Ok(Raw {
        period,
        new_cases: reports::new_cases(conn, from, to)?,
        concerns: reports::new_case_concerns(conn, from, to)?,
        open: Vec::new(),
        closed: Vec::new(),
        services: reports::services(conn, from, to)?,
        counselling: reports::counselling(conn, from, to)?,
        follow_ups: reports::follow_ups_done(conn, from, to)?,
        attendance: reports::attendance(conn, from, to)?,
        literacy,
        skills: reports::skills_completed(conn, from, to)?,
        placements: reports::placements(conn, from, to)?,
        visits: reports::placement_visits(conn, from, to)?,
        activities: activities::in_period(conn, from, to)?,
    })
}
