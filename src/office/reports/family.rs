//! The calendar year's 17 reports (12 months, 4 quarters, the year),
//! current figures only, for `domain::reports::suppress::Pattern`: a
//! de-identified report's suppression is worked out with all of them at
//! once, so no report of the year can be combined with another to
//! narrow a withheld count.

use chrono::Datelike;

use super::builder::Builder;
use super::rows::{Raw, read, status};
use crate::Result;
use crate::domain::reports::suppress::Pattern;
use crate::domain::reports::{Demographics, Period, Report};
use crate::domain::{Concern, Programme};
use crate::store::reports;

/// Attach to `report` (whose period is a calendar month, quarter or
/// year) what its de-identified text withholds: its year's pattern, and
/// the year before's for a previous period in it.
pub(super) fn attach(conn: &rusqlite::Connection, report: &mut Report) -> Result<()> {
    let year = report.period.from.year();
    let before_year = report.previous.from.year();
    let last = Period::calendar_family(year)
        .last()
        .map_or(report.period.to, |p| p.to);
    let steps = reports::status_steps(conn, last)?;
    let desk: Vec<(i64, Concern)> = reports::concerns(conn, Programme::WomensDesk)?;
    let demo = Demographics::new(reports::demographics(conn)?);
    let (this, demo) = pattern(conn, year, demo, &steps, &desk)?;
    let before = if before_year == year {
        this.clone()
    } else {
        pattern(conn, before_year, demo, &steps, &desk)?.0
    };
    report.suppression = Pattern::suppression(report, &this, &before);
    Ok(())
}

/// One calendar year's pattern (and the demographics back, to reuse).
fn pattern(
    conn: &rusqlite::Connection,
    year: i32,
    mut demo: Demographics,
    steps: &[reports::Step],
    desk: &[(i64, Concern)],
) -> Result<(Pattern, Demographics)> {
    let mut family = Vec::new();
    for period in Period::calendar_family(year) {
        let mut cur = read(conn, period)?;
        status(&mut cur, steps);
        let b = Builder {
            cur,
            prev: Raw::empty(period.previous()),
            demo,
        };
        family.push(super::assemble(conn, &b, desk)?);
        demo = b.demo;
    }
    Ok((Pattern::of(&family), demo))
}
