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
//! CSV.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;

use super::{AuditAction, Session};
use crate::Result;
use crate::domain::activities::ActivityKind;
use crate::domain::classes::ClassKind;
pub use crate::domain::reports::{
    AgeBand, Figures, Grid, Indicator, Measure, MonthPoint, Period, Record, RecordKind, Report,
    Section,
};
use crate::domain::reports::{Demographics, open_during};
use crate::domain::{
    CaseStatus, ClosureReason, Concern, CounsellingKind, Programme, ReferralSource, Role,
    ServiceKind,
};
use crate::store::reports::{NewCase, PlacementRow};
use crate::store::{activities, meta, reports};

impl Session {
    /// The report for `period` (managers). Running it is one audit entry
    /// (`report.run`) naming the period, never its content. With
    /// `deidentified`, the report carries no record ids and its text
    /// suppresses small numbers.
    pub fn report(&self, period: Period, deidentified: bool) -> Result<Report> {
        self.require(&[Role::Manager], "run reports")?;
        // A second connection reads the previous period on another core
        // (a year's report on a large office reads a million rows per
        // period); without one, this one reads both.
        let helper = self.worker().ok();
        let mut report = {
            // One snapshot for every query (rolled back: nothing is written).
            let tx = self.conn().unchecked_transaction()?;
            build(&tx, period, helper)?
        };
        if deidentified {
            report.deidentify();
        }
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

/// What one period's numbers are counted from.
struct Raw {
    period: Period,
    new_cases: Vec<NewCase>,
    concerns: Vec<(i64, Concern)>,
    open: Vec<i64>,
    closed: Vec<(i64, ClosureReason)>,
    services: Vec<(i64, ServiceKind, NaiveDate)>,
    counselling: Vec<(i64, CounsellingKind, NaiveDate, i64)>,
    follow_ups: Vec<i64>,
    attendance: reports::Attendance,
    /// (person, improved)
    literacy: Vec<(i64, bool)>,
    skills: Vec<i64>,
    placements: Vec<PlacementRow>,
    visits: Vec<i64>,
    activities: activities::InPeriod,
}

/// The open and closed cases of a period, from everyone's status steps
/// (by person, in order).
fn status(raw: &mut Raw, steps: &[reports::Step]) {
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
fn read(conn: &rusqlite::Connection, period: Period) -> Result<Raw> {
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

struct Builder {
    demo: Demographics,
    cur: Raw,
    prev: Raw,
}

impl Builder {
    /// An indicator's figures for both periods.
    fn both(&self, f: impl Fn(&Raw, &Demographics) -> Figures) -> (Figures, Figures) {
        (f(&self.cur, &self.demo), f(&self.prev, &self.demo))
    }

    /// Distinct people from a list of ids (with repeats), with the
    /// number of rows as events.
    fn people(&self, ids: impl Fn(&Raw) -> Vec<i64>, events: bool) -> (Figures, Figures) {
        self.both(|r, d| {
            let ids = ids(r);
            let n = ids.len() as i64;
            let f = d.people(ids, r.period.to);
            if events { f.with_events(n) } else { f }
        })
    }

    /// Person ids grouped by a key (programme, concern, service, …), per
    /// period, in one pass each instead of one per key.
    fn grouped<K: std::hash::Hash + Eq>(&self, pairs: impl Fn(&Raw) -> Vec<(K, i64)>) -> Groups<K> {
        let group = |r: &Raw| {
            let mut g: HashMap<K, Vec<i64>> = HashMap::new();
            for (k, id) in pairs(r) {
                g.entry(k).or_default().push(id);
            }
            g
        };
        (group(&self.cur), group(&self.prev))
    }

    /// One group's figures (the number of rows as events if asked).
    fn group<K: std::hash::Hash + Eq>(
        &self,
        g: &Groups<K>,
        key: &K,
        events: bool,
    ) -> (Figures, Figures) {
        let fig = |ids: Option<&Vec<i64>>, r: &Raw| {
            let ids = ids.map_or(&[][..], |v| v.as_slice());
            let f = self.demo.people(ids.iter().copied(), r.period.to);
            if events {
                f.with_events(ids.len() as i64)
            } else {
                f
            }
        };
        (fig(g.0.get(key), &self.cur), fig(g.1.get(key), &self.prev))
    }
}

/// Person ids by key, for the period and the previous one.
type Groups<K> = (HashMap<K, Vec<i64>>, HashMap<K, Vec<i64>>);

fn people(key: impl Into<String>, label: impl Into<String>, figs: (Figures, Figures)) -> Indicator {
    Indicator::people(key, label).figures(figs.0, figs.1)
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Where a read transaction's snapshot stands: every write through the
/// office layer adds an audit entry in its own transaction, so two reads
/// that see the same last entry see the same office.
fn snapshot(conn: &rusqlite::Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT coalesce(max(seq), 0) FROM audit", [], |r| r.get(0))?)
}

/// Build the report for `period` from one consistent read: on `conn`'s
/// transaction, the previous period on `helper`'s when it sees the same
/// snapshot (else on `conn` too).
fn build(conn: &rusqlite::Connection, period: Period, helper: Option<Session>) -> Result<Report> {
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
    let sections = vec![
        cases(&b),
        services(&b),
        classes(&b),
        placements(&b),
        activities_section(&b),
        womens_desk(&b, &desk),
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
        previous,
        sections,
        monthly,
        deidentified: false,
    })
}

fn cases(b: &Builder) -> Section {
    let mut v = vec![
        people(
            "new_cases",
            "New cases registered",
            b.people(|r| r.new_cases.iter().map(|c| c.person_id).collect(), false),
        )
        .say(
            "{n} new case was registered",
            "{n} new cases were registered",
        ),
    ];
    let programmes = b.grouped(|r| {
        r.new_cases
            .iter()
            .map(|c| (c.programme, c.person_id))
            .collect()
    });
    for p in Programme::ALL {
        v.push(
            people(
                format!("new_cases.programme.{}", p.code()),
                format!("New cases by programme: {}", p.label()),
                b.group(&programmes, p, false),
            )
            .part_of("new_cases", "programme", true, false),
        );
    }
    let concerns = b.grouped(|r| r.concerns.iter().map(|x| (x.1, x.0)).collect());
    for c in Concern::ALL {
        v.push(
            people(
                format!("new_cases.concern.{}", c.code()),
                format!("New cases by concern: {}", c.label()),
                b.group(&concerns, c, false),
            )
            .breakdown(),
        );
    }
    let sources = b.grouped(|r| {
        r.new_cases
            .iter()
            .map(|c| (c.referral, c.person_id))
            .collect()
    });
    for s in ReferralSource::ALL {
        v.push(
            people(
                format!("new_cases.referral.{}", s.code()),
                format!("New cases by referral source: {}", s.label()),
                b.group(&sources, s, false),
            )
            .part_of("new_cases", "referral", true, false),
        );
    }
    v.push(
        people(
            "active",
            "People with an open case",
            b.people(|r| r.open.clone(), false),
        )
        .say("{n} person had an open case", "{n} people had an open case"),
    );
    v.push(
        people(
            "closed",
            "Cases closed",
            b.people(|r| r.closed.iter().map(|c| c.0).collect(), false),
        )
        .say("{n} case was closed", "{n} cases were closed"),
    );
    let reasons = b.grouped(|r| r.closed.iter().map(|c| (c.1, c.0)).collect());
    for reason in ClosureReason::ALL {
        v.push(
            people(
                format!("closed.reason.{}", reason.code()),
                format!("Cases closed by reason: {}", reason.label()),
                b.group(&reasons, reason, false),
            )
            .part_of("closed", "reason", true, false),
        );
    }
    v.push(
        people(
            "follow_ups.case",
            "Case follow-ups done",
            b.people(|r| r.follow_ups.clone(), true),
        )
        .events("follow-ups")
        .say(
            "{e} follow-up visit was made to {n} people",
            "{e} follow-up visits were made to {n} people",
        ),
    );
    Section {
        key: "cases",
        title: "New cases and caseload",
        indicators: v,
    }
}

fn services(b: &Builder) -> Section {
    let mut v = vec![
        people(
            "services.any",
            "People who received services",
            b.people(
                |r| {
                    r.services
                        .iter()
                        .map(|s| s.0)
                        .chain(r.counselling.iter().map(|c| c.3))
                        .collect()
                },
                false,
            ),
        )
        .say(
            "{n} person was provided with services",
            "{n} people were provided with services",
        ),
    ];
    let kinds = b.grouped(|r| r.services.iter().map(|s| (s.1, s.0)).collect());
    for k in ServiceKind::ALL {
        v.push(
            people(
                format!("services.{}", k.code()),
                format!("People served, by service: {}", k.label()),
                b.group(&kinds, k, true),
            )
            .events("services")
            .breakdown(),
        );
    }
    let sessions = |r: &Raw, kind: Option<CounsellingKind>| -> i64 {
        r.counselling
            .iter()
            .filter(|c| kind.is_none_or(|k| c.1 == k))
            .map(|c| c.0)
            .collect::<BTreeSet<_>>()
            .len() as i64
    };
    v.push(
        people(
            "counselling",
            "Psychosocial counselling (psychologist)",
            b.both(|r, d| {
                d.people(r.counselling.iter().map(|c| c.3), r.period.to)
                    .with_events(sessions(r, None))
            }),
        )
        .events("sessions")
        .say(
            "{n} person was provided with psychosocial counselling in {e} sessions",
            "{n} people were provided with psychosocial counselling in {e} sessions",
        ),
    );
    for k in CounsellingKind::ALL {
        v.push(
            people(
                format!("counselling.{}", k.code()),
                format!("Counselling by kind of session: {}", k.label()),
                b.both(|r, d| {
                    d.people(
                        r.counselling.iter().filter(|c| c.1 == *k).map(|c| c.3),
                        r.period.to,
                    )
                    .with_events(sessions(r, Some(*k)))
                }),
            )
            .events("sessions")
            // Each session has one kind; a person may have several.
            .part_of("counselling", "kind", false, true),
        );
    }
    Section {
        key: "services",
        title: "Services",
        indicators: v,
    }
}

fn classes(b: &Builder) -> Section {
    let held = |r: &Raw, kind: Option<ClassKind>| -> i64 {
        r.attendance
            .sessions
            .iter()
            .filter(|s| kind.is_none_or(|k| s.0 == k))
            .map(|s| s.1)
            .sum()
    };
    let attended = |r: &Raw, kind: Option<ClassKind>| -> Vec<i64> {
        r.attendance
            .per_person
            .iter()
            .filter(|a| kind.is_none_or(|k| a.0 == k) && a.2 > 0)
            .map(|a| a.1)
            .collect()
    };
    let mut v = vec![
        people(
            "classes",
            "Class participants",
            b.both(|r, d| {
                d.people(attended(r, None), r.period.to)
                    .with_events(held(r, None))
            }),
        )
        .events("sessions")
        .say(
            "{n} person took part in classes, in {e} sessions",
            "{n} people took part in classes, in {e} sessions",
        ),
    ];
    for k in ClassKind::ALL {
        v.push(
            people(
                format!("classes.{}", k.code()),
                format!("Class participants by kind: {}", k.label()),
                b.both(|r, d| {
                    d.people(attended(r, Some(*k)), r.period.to)
                        .with_events(held(r, Some(*k)))
                }),
            )
            .events("sessions")
            .breakdown(),
        );
    }
    let rate = |r: &Raw, d: &Demographics, kind: Option<ClassKind>| -> Figures {
        d.rate(
            r.attendance
                .per_person
                .iter()
                .filter(|a| kind.is_none_or(|k| a.0 == k))
                .map(|a| (a.1, a.2, a.3)),
            r.period.to,
        )
    };
    v.push(
        people(
            "attendance",
            "Attendance rate",
            b.both(|r, d| rate(r, d, None)),
        )
        .measure(Measure::Rate)
        .say(
            "attendance in classes was {n}",
            "attendance in classes was {n}",
        ),
    );
    for k in ClassKind::ALL {
        v.push(
            people(
                format!("attendance.{}", k.code()),
                format!("Attendance rate by kind: {}", k.label()),
                b.both(|r, d| rate(r, d, Some(*k))),
            )
            .measure(Measure::Rate)
            .breakdown(),
        );
    }
    v.push(
        people(
            "literacy.tested",
            "People given a monthly literacy test",
            b.people(|r| r.literacy.iter().map(|l| l.0).collect(), false),
        )
        .say(
            "{n} person was given a monthly literacy test",
            "{n} people were given a monthly literacy test",
        ),
    );
    v.push(
        people(
            "literacy.improved",
            "Improved in their literacy test",
            b.people(
                |r| r.literacy.iter().filter(|l| l.1).map(|l| l.0).collect(),
                false,
            ),
        )
        .say(
            "{n} person improved in their literacy test",
            "{n} people improved in their literacy test",
        ),
    );
    v.push(
        people(
            "skills.completed",
            "Completed a skill course",
            b.people(|r| r.skills.clone(), true),
        )
        .events("courses")
        .say(
            "{n} person completed a skill course",
            "{n} people completed a skill course",
        ),
    );
    Section {
        key: "classes",
        title: "Classes, literacy and skills",
        indicators: v,
    }
}

fn placements(b: &Builder) -> Section {
    let placed = |f: fn(&PlacementRow) -> bool| {
        b.people(
            move |r| {
                r.placements
                    .iter()
                    .filter(|p| f(p))
                    .map(|p| p.person_id)
                    .collect()
            },
            true,
        )
    };
    let v = vec![
        people("placements.job", "Placed in a job", placed(|p| p.job))
            .events("placements")
            .say(
                "{n} person was placed in a job",
                "{n} people were placed in jobs",
            ),
        people(
            "placements.business",
            "Started an own small business",
            placed(|p| !p.job),
        )
        .events("placements")
        .say(
            "{n} person started their own small business",
            "{n} people started their own small business",
        ),
        people(
            "placements.after_skill",
            "Placed after a skill course",
            placed(|p| p.after_skill_course),
        )
        .events("placements")
        .say(
            "{n} person was placed after a skill course",
            "{n} people were placed after a skill course",
        ),
        people(
            "placements.working_3m",
            "Still working at 3 months",
            placed(|p| p.working_at_3_months),
        )
        .events("placements")
        .say(
            "{n} person was still working at 3 months",
            "{n} people were still working at 3 months",
        ),
        people(
            "placements.working_6m",
            "Still working at 6 months",
            placed(|p| p.working_at_6_months),
        )
        .events("placements")
        .say(
            "{n} person was still working at 6 months",
            "{n} people were still working at 6 months",
        ),
        people(
            "placements.visits",
            "Placement follow-up visits",
            b.people(|r| r.visits.clone(), true),
        )
        .events("visits")
        .say(
            "{e} placement follow-up visit was made to {n} people",
            "{e} placement follow-up visits were made to {n} people",
        ),
    ];
    Section {
        key: "placements",
        title: "Jobs and small businesses",
        indicators: v,
    }
}

fn activity_sentence(k: ActivityKind) -> (&'static str, &'static str) {
    use ActivityKind::*;
    match k {
        SpotVisit => (
            "{e} visit to a spot was made, meeting {n} children",
            "{e} visits to spots were made, meeting {n} children",
        ),
        FollowUpVisit => (
            "{e} follow-up visit was made in the community, meeting {n} people",
            "{e} follow-up visits were made in the community, meeting {n} people",
        ),
        ParentsMeeting => (
            "{e} meeting was organised with parents, in which {n} parents participated",
            "{e} meetings were organised with parents, in which {n} parents participated",
        ),
        ChildGroupMeeting => (
            "{e} meeting was organised for children's groups, in which {n} children and youth participated",
            "{e} meetings were organised for children's groups, in which {n} children and youth participated",
        ),
        PoliceStationVisit => (
            "{e} visit of a police station was made",
            "{e} visits of police stations were made",
        ),
        MluVisit => (
            "{e} visit was made to a medico-legal unit",
            "{e} visits were made to medico-legal units",
        ),
        CustodyVisit => (
            "{e} visit was made to a jail or custody, meeting {n} people",
            "{e} visits were made to jails and custody, meeting {n} people",
        ),
        StaffTraining => (
            "{e} training of staff was held, with {n} participants",
            "{e} trainings of staff were held, with {n} participants",
        ),
        PoliceTraining => (
            "{e} training of police was held, with {n} participants",
            "{e} trainings of police were held, with {n} participants",
        ),
        VolunteerTraining => (
            "{e} training of volunteers was held, with {n} participants",
            "{e} trainings of volunteers were held, with {n} participants",
        ),
        AwarenessSession => (
            "{e} awareness session was held, with {n} participants",
            "{e} awareness sessions were held, with {n} participants",
        ),
        SportsEvent => (
            "{e} sports or recreational event was held, with {n} participants",
            "{e} sports or recreational events were held, with {n} participants",
        ),
    }
}

/// Each kind's figures for one period, from one pass over its
/// activities and head counts (both in activity id order).
fn by_kind(r: &Raw) -> HashMap<ActivityKind, Figures> {
    let mut out: HashMap<ActivityKind, Figures> = ActivityKind::ALL
        .iter()
        .map(|k| (*k, Figures::default().with_events(0)))
        .collect();
    let acts = &r.activities.activities;
    for (id, kind, _) in acts {
        if let Some(f) = out.get_mut(kind) {
            f.events = f.events.map(|e| e + 1);
            f.records.push(Record {
                id: *id,
                cell: None,
            });
        }
    }
    let mut at = 0;
    for (id, sex, band, n) in &r.activities.counts {
        while at < acts.len() && acts[at].0 < *id {
            at += 1;
        }
        if let Some(f) = acts
            .get(at)
            .filter(|a| a.0 == *id)
            .and_then(|a| out.get_mut(&a.1))
        {
            f.cells.add(*sex, *band, *n);
        }
    }
    out
}

fn activities_section(b: &Builder) -> Section {
    let (mut cur, mut prev) = (by_kind(&b.cur), by_kind(&b.prev));
    let mut v = Vec::new();
    for k in ActivityKind::ALL {
        let (one, many) = activity_sentence(*k);
        v.push(
            people(
                format!("activities.{}", k.code()),
                capital(k.label()),
                (
                    cur.remove(k).unwrap_or_default(),
                    prev.remove(k).unwrap_or_default(),
                ),
            )
            .measure(Measure::Participants)
            .events("activities")
            .records(RecordKind::Activity)
            .say(one, many),
        );
    }
    v.push(
        Indicator::people(
            "activities.new_identified",
            "New children identified at spots",
        )
        .measure(Measure::Count)
        .records(RecordKind::Activity)
        .figures(new_identified(&b.cur), new_identified(&b.prev))
        .say(
            "{n} new child was identified at the spots",
            "{n} new children were identified at the spots",
        ),
    );
    v.push(
        people(
            "activities.people",
            "Registered people met at activities",
            b.people(
                |r| r.activities.persons.iter().map(|l| l.1).collect(),
                false,
            ),
        )
        .say(
            "{n} registered person was met at activities",
            "{n} registered people were met at activities",
        ),
    );
    Section {
        key: "activities",
        title: "Outreach and community activities",
        indicators: v,
    }
}

fn new_identified(r: &Raw) -> Figures {
    let spots: Vec<&(i64, ActivityKind, i64)> = r
        .activities
        .activities
        .iter()
        .filter(|a| a.1 == ActivityKind::SpotVisit && a.2 > 0)
        .collect();
    let mut f = Figures::default().with_events(spots.iter().map(|a| a.2).sum());
    f.records = spots
        .iter()
        .map(|a| Record {
            id: a.0,
            cell: None,
        })
        .collect();
    f
}

/// The desk's own case categories (the VAW centre's: domestic violence,
/// family, harassment, criminal, and women in custody).
const DESK_CATEGORIES: [Concern; 5] = [
    Concern::DomesticViolence,
    Concern::FamilyCase,
    Concern::Harassment,
    Concern::CriminalOffence,
    Concern::InCustody,
];

fn womens_desk(b: &Builder, desk: &[(i64, Concern)]) -> Section {
    // Each women's desk person's categories, once: (person, None) for
    // the desk, (person, Some(category)) for each category they have.
    let mut by: HashMap<i64, Vec<Concern>> = HashMap::new();
    for (p, c) in desk {
        by.entry(*p).or_default().push(*c);
    }
    let cases = b.grouped(|r| {
        let mut out = Vec::new();
        for p in &r.open {
            if let Some(cs) = by.get(p) {
                out.push((None, *p));
                for c in cs.iter().filter(|c| DESK_CATEGORIES.contains(c)) {
                    out.push((Some(*c), *p));
                }
            }
        }
        out
    });
    let mut v = vec![
        people(
            "womens_desk",
            "Women's desk cases open",
            b.group(&cases, &None, false),
        )
        .say(
            "the women's desk handled {n} case",
            "the women's desk handled {n} cases",
        ),
    ];
    for c in DESK_CATEGORIES {
        v.push(
            people(
                format!("womens_desk.{}", c.code()),
                format!("Women's desk cases by category: {}", c.label()),
                b.group(&cases, &Some(c), false),
            )
            .breakdown(),
        );
    }
    Section {
        key: "womens_desk",
        title: "Women's desk cases by category",
        indicators: v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::person::NewPerson;
    use crate::domain::{Centre, ReferralSource, RiskLevel, Sex};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn child(name: &str, registered_on: &str) -> NewPerson {
        let registered_on = d(registered_on);
        NewPerson {
            programme: Programme::Cpc,
            name: name.into(),
            father_name: String::new(),
            alias: String::new(),
            sex: Sex::Male,
            birth_date: Some(d("2012-03-04")),
            age_estimated: false,
            cnic: String::new(),
            phone: String::new(),
            area: String::new(),
            address: String::new(),
            guardian_name: String::new(),
            guardian_relation: String::new(),
            school_status: String::new(),
            work_status: String::new(),
            referral_source: ReferralSource::OutreachSpot,
            referral_detail: String::new(),
            concerns: vec![Concern::AtRisk],
            consent_by: String::new(),
            consent_date: None,
            consent_services: false,
            consent_sharing: false,
            risk: RiskLevel::Low,
            risk_reason: String::new(),
            worker_id: None,
            centre: Centre::Cpc,
            registered_on,
        }
    }

    /// The previous period read on a second connection gives the same
    /// report as one connection; and when another terminal writes between
    /// the two snapshots, the second connection's read is not used.
    #[test]
    fn both_periods_come_from_one_snapshot() {
        crate::vault::crypto::pin_work_factor(10);
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = crate::paths::OfficePaths::new(dir.path().join("o.casedesk"));
        let password = age::secrecy::SecretString::from("kite river lantern 7".to_string());
        let (mut s, _) =
            super::super::create_office(&paths, "T", "amina", &password).expect("office");
        for (name, on) in [("Asad", "2025-12-10"), ("Bilawal", "2026-01-20")] {
            s.register_person(&child(name, on)).expect("register");
        }
        let p = Period::new(d("2026-01-01"), d("2026-01-31")).expect("period");
        let one = {
            let tx = s.conn().unchecked_transaction().expect("tx");
            build(&tx, p, None).expect("one connection")
        };
        let two = {
            let tx = s.conn().unchecked_transaction().expect("tx");
            build(&tx, p, Some(s.worker().expect("worker"))).expect("two connections")
        };
        assert_eq!(one, two);
        let new = |r: &Report, prev: bool| {
            let i = r.indicator("new_cases").expect("new cases");
            if prev { &i.previous } else { &i.current }.cells.total()
        };
        assert_eq!((new(&one, false), new(&one, true)), (1, 1));

        // This snapshot begins; another terminal then registers someone
        // in the previous period; the helper, starting after, sees it.
        let mut other = super::super::login(&paths, "amina", &password).expect("login");
        let tx = s.conn().unchecked_transaction().expect("tx");
        snapshot(&tx).expect("snapshot begins");
        other
            .register_person(&child("Chakar", "2025-12-11"))
            .expect("register");
        let r = build(&tx, p, Some(s.worker().expect("worker"))).expect("report");
        assert_eq!(new(&r, true), 1, "the previous period from this snapshot");
        drop(tx);
        let after = s.report(p, false).expect("report");
        assert_eq!(new(&after, true), 2);
    }
}
