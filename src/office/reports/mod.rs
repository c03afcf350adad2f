//! The manager's report for any period: every indicator the office reports
//! to donors, by sex and age band, with the previous period beside it, a
//! month-by-month series, and the records behind each number (see
//! `domain::reports` for the rules, `domain::reports::text` for Markdown
//! and CSV, `domain::reports::suppress` for what a de-identified report
//! shows).
//!
//! Definitions, per period (inclusive dates):
//! - *New cases*: people whose intake date is in the period.
//! - *Open cases*: people whose case was open on some day of the period
//!   (registered by its end and not closed before it began, or reopened
//!   in it).
//! - *Cases closed*: people whose case was closed in the period, by the
//!   reason of their last closing in it.
//! - *Services*: services recorded with a date in the period; the people
//!   are those who received at least one. *Psychosocial counselling*:
//!   the psychologist's sessions (the person whose file it is and group
//!   participants), counted from the session rows only: no note is read.
//! - *Class participants*: people marked present or late at least once
//!   in a class of that kind; *attendance rate*: present or late out of
//!   present, late or absent (excused left out), as the Classes screen.
//! - *Literacy improved*: people tested in a month of the period (a month
//!   counts when its 1st is in the period) whose latest test in it scores
//!   above their test before the period, or, without one, their first
//!   test in it.
//! - *Placements* follow the placements area's own rules (the same as
//!   `Session::placement_counts`): started in the period; after a skill
//!   course; working at 3 (6) months when a visit made 75–120 (150–240)
//!   days after the start found them working.
//! - *Activities*: held in the period; their participants are head counts.
//! - *Women's desk categories*: women's desk cases open in the period with
//!   that concern.
//!
//! Everything is read in one snapshot, so a report is one consistent
//! picture while other terminals keep working (the previous period on a
//! second connection when it sees the same snapshot: see `build`).
//!
//! For the Reports screen: [`Session::report`] (on a worker session, off
//! the UI thread: a year on a very large office takes about half a
//! second) gives a [`Report`]: `sections` of `indicators`, each with its
//! `current` and `previous` [`Figures`] — `cells` by sex × age band,
//! `events` (services, sessions, visits, activities), `rate` for
//! attendance, and `records`, the person or activity ids behind the
//! number with the cell each is counted in, for the drill-down — and
//! `monthly`, new cases and services per month for the bar charts.
//! `domain::reports::suppress::View::of` says what a de-identified report
//! shows for each number; `domain::reports::text` writes Markdown and
//! CSV. [`Session::report_records`] names the people (or activities)
//! behind one number, for the drill-down.
//!
//! Where things are: `rows` reads one period's rows, `builder` turns rows
//! into an indicator's figures, one module per section of the report
//! (`cases`, `services`, `classes`, `placements`, `activities`,
//! `womens_desk`), `records` names the people and activities behind
//! a number for the Reports screen's drill-down, and `family` builds the
//! calendar year's 17 reports a de-identified report's suppression is
//! worked out with (only for a calendar month, quarter or year).

mod activities;
mod builder;
mod cases;
mod classes;
mod family;
mod placements;
mod records;
mod rows;
mod services;
#[cfg(test)]
mod tests;
mod womens_desk;

use crate::office::rules::Capability;
use std::collections::BTreeSet;

use super::{AuditAction, Session};
use crate::Result;
use crate::domain::reports::Demographics;
pub use crate::domain::reports::{
    AgeBand, Figures, Grid, Indicator, Measure, MonthPoint, Period, Record, RecordKind, Report,
    Section,
};
use crate::domain::{Concern, Programme};
use crate::store::{meta, reports};
use builder::Builder;
pub use records::{ActivityRecord, PersonRecord, Records};
use rows::{Raw, read, status};

impl Session {
    /// The report for `period` (managers). Running it is one audit entry
    /// (`report.run`) naming the period, never its content. With
    /// `deidentified`, the report carries no record ids and its text
    /// withholds small numbers (`domain::reports::suppress`): only for a
    /// whole calendar month, quarter or year, refused otherwise.
    pub fn report(&self, period: Period, deidentified: bool) -> Result<Report> {
        if deidentified && !period.is_calendar() {
            return Err(crate::Error::invalid(DEIDENTIFIED_PERIODS));
        }
        let mut report = self.run_report(period, deidentified, deidentified)?;
        if deidentified {
            report.deidentify();
        }
        Ok(report)
    }

    /// The full report for the Reports screen, which can switch to the
    /// de-identified view without running it again: for a calendar
    /// period it carries the suppression too (one audit entry).
    pub fn report_for_screen(&self, period: Period) -> Result<Report> {
        self.run_report(period, period.is_calendar(), false)
    }

    fn run_report(&self, period: Period, suppression: bool, deidentified: bool) -> Result<Report> {
        self.need(Capability::RunReports)?;
        // A second connection reads the previous period on another core
        // (a year's report on a large office reads a million rows per
        // period); without one, this one reads both.
        let helper = self.worker().ok();
        let report = {
            // One snapshot for every query (rolled back: nothing is written).
            let tx = self.conn().unchecked_transaction()?;
            let mut report = build(&tx, period, helper)?;
            if suppression {
                family::attach(&tx, &mut report)?;
            }
            report
        };
        self.record_now(
            AuditAction::ReportRun,
            "",
            &format!(
                "{period}{}",
                if deidentified { "; de-identified" } else { "" }
            ),
        )?;
        Ok(report)
    }
}

/// Why a de-identified report is refused for another period.
pub const DEIDENTIFIED_PERIODS: &str = "a de-identified report is made only for a whole calendar month, quarter or year, so that two reports cannot be subtracted";

/// Where a read transaction's snapshot stands: every write through the
/// office layer adds an audit entry in its own transaction, so two reads
/// that see the same last entry see the same office.
pub(super) fn snapshot(conn: &rusqlite::Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT coalesce(max(seq), 0) FROM audit", [], |r| r.get(0))?)
}

/// Build the report for `period` from one consistent read: on `conn`'s
/// transaction, the previous period on `helper`'s when it sees the same
/// snapshot (else on `conn` too).
pub(super) fn build(
    conn: &rusqlite::Connection,
    period: Period,
    helper: Option<Session>,
) -> Result<Report> {
    let previous = period.previous();
    let mark = snapshot(conn)?;
    let (mut cur, mut prev, demo, steps) = std::thread::scope(|scope| {
        let other = helper.map(|h| {
            scope.spawn(move || -> Result<Option<(Raw, Demographics)>> {
                let tx = h.conn().unchecked_transaction()?;
                if snapshot(&tx)? != mark {
                    return Ok(None);
                }
                let prev = read(&tx, previous)?;
                let demo = Demographics::new(reports::demographics(&tx)?);
                Ok(Some((prev, demo)))
            })
        });
        let steps = reports::status_steps(conn, period.to)?;
        let cur = read(conn, period)?;
        let (prev, demo) = match other.map(|t| t.join()) {
            Some(Ok(Ok(Some(done)))) => done,
            // Another terminal wrote in between (or the helper failed):
            // read it here, in this snapshot.
            _ => (
                read(conn, previous)?,
                Demographics::new(reports::demographics(conn)?),
            ),
        };
        Ok::<_, crate::Error>((cur, prev, demo, steps))
    })?;
    status(&mut cur, &steps);
    status(&mut prev, &steps);
    let b = Builder { cur, prev, demo };
    let desk: Vec<(i64, Concern)> = reports::concerns(conn, Programme::WomensDesk)?;
    assemble(conn, &b, &desk)
}

/// The report from a builder's rows: its sections and the months.
fn assemble(conn: &rusqlite::Connection, b: &Builder, desk: &[(i64, Concern)]) -> Result<Report> {
    let period = b.cur.period;
    let sections = vec![
        cases::section(b),
        services::section(b),
        classes::section(b),
        placements::section(b),
        activities::section(b),
        womens_desk::section(b, desk),
    ];
    let monthly = period
        .months()
        .into_iter()
        .map(|m| MonthPoint {
            month: m,
            new_cases: b
                .cur
                .new_cases
                .iter()
                .filter(|c| m.contains(c.registered_on))
                .count() as i64,
            services: b.cur.services.iter().filter(|s| m.contains(s.2)).count() as i64
                + b.cur
                    .counselling
                    .iter()
                    .filter(|c| m.contains(c.2))
                    .map(|c| c.0)
                    .collect::<BTreeSet<_>>()
                    .len() as i64,
        })
        .collect();
    Ok(Report {
        office: meta::get(conn, meta::OFFICE_NAME)?.unwrap_or_default(),
        period,
        previous: b.prev.period,
        sections,
        monthly,
        deidentified: false,
        suppression: None,
    })
}
