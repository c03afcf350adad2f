//! Placements in jobs and small businesses, their follow-up visits, and the
//! one Follow-ups list (placement visits and case follow-ups together).

use crate::office::rules::Capability;
use chrono::NaiveDate;

use super::{AuditAction, Session, Target};
use crate::domain::CaseStatus;
use crate::domain::casework::FollowUpDone;
use crate::domain::child_labour::{self, Underage};
use crate::domain::person::{PersonId, age_on, is_bidi_control};
use crate::domain::placements::{
    DueCounts, DueItem, DueKind, NewPlacement, Placement, PlacementCounts, Schedule, Visit,
    VisitDone, overdue_through,
};
use crate::store::{classes, persons, placements};
use crate::{Error, Result};

/// Which follow-ups the list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DueFilter {
    /// Only those of people whose case worker is the logged-in person.
    pub mine: bool,
    /// Only overdue ones (due before today); otherwise due by today.
    pub overdue: bool,
    pub kind: Option<DueKind>,
}

impl DueFilter {
    /// The last due date the list takes on `today`.
    fn through(self, today: NaiveDate) -> NaiveDate {
        if self.overdue {
            overdue_through(today)
        } else {
            today
        }
    }
}

/// The confirmations a placement may need, from the person at the
/// keyboard.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlacementConfirm {
    /// The case is closed and the placement still belongs to it.
    pub closed_case: bool,
    /// Why a child under 14, or under 18 in hazardous work, is placed all
    /// the same. Audited as written: no names.
    pub underage_reason: Option<String>,
}

/// The child-labour rule `p` breaks for this person, if any.
fn underage(profile: &crate::domain::person::NewPerson, p: &NewPlacement) -> Option<Underage> {
    let age = age_on(profile.birth_date?, p.starts_on?)?;
    child_labour::check(age, &[&p.trade, &p.employer, &p.business_kind])
}

/// A confirmation's reason: one plain line, short.
fn checked_reason(reason: &str) -> Result<&str> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(Error::invalid(
            "say why this placement is made all the same",
        ));
    }
    if reason.chars().any(char::is_control) || reason.chars().any(is_bidi_control) {
        return Err(Error::invalid("the reason must be one line of plain text"));
    }
    if reason.chars().count() > 200 {
        return Err(Error::invalid("the reason must be at most 200 characters"));
    }
    Ok(reason)
}

impl Session {
    /// Record a placement (staff, managers), with its visit schedule. A
    /// closed case needs `closed_case_confirmed` (the confirmation goes
    /// into the audit entry); reopening the case first is the usual way.
    /// Visits that fell due before today (a placement entered late) are
    /// "not recorded (entered later)": never due, never counted as made;
    /// [`Session::add_placement_saying`] says how many.
    pub fn add_placement(&mut self, p: &NewPlacement, closed_case_confirmed: bool) -> Result<i64> {
        Ok(self.add_placement_saying(p, closed_case_confirmed)?.0)
    }

    /// [`Session::add_placement`], with how many of its visits fell due
    /// before today and were marked "not recorded (entered later)".
    pub fn add_placement_saying(
        &mut self,
        p: &NewPlacement,
        closed_case_confirmed: bool,
    ) -> Result<(i64, usize)> {
        self.add_placement_confirmed(
            p,
            &PlacementConfirm {
                closed_case: closed_case_confirmed,
                underage_reason: None,
            },
        )
    }

    /// Which child-labour rule a placement would break, if any: under 14
    /// in any work, under 18 in hazardous work (see
    /// [`crate::domain::child_labour`]), by the person's age on the start
    /// date. Nothing when the person's date of birth is not known.
    pub fn placement_underage(&self, p: &NewPlacement) -> Result<Option<Underage>> {
        self.need(Capability::RecordPlacements)?;
        let person = persons::load_person(self.conn(), PersonId(p.person_id))?;
        Ok(underage(&person.profile, p))
    }

    /// [`Session::add_placement_saying`] with every confirmation a
    /// placement may need. A child under 14, or under 18 in hazardous
    /// work, is refused unless `underage_reason` says why; the rule and
    /// the reason go into the audit entry.
    pub fn add_placement_confirmed(
        &mut self,
        p: &NewPlacement,
        confirm: &PlacementConfirm,
    ) -> Result<(i64, usize)> {
        self.need(Capability::RecordPlacements)?;
        let person = persons::load_person(self.conn(), PersonId(p.person_id))?;
        persons::refuse_invalid(&p.validate(person.profile.registered_on, crate::clock::today()))?;
        let closed = person.status == CaseStatus::Closed;
        if closed && !confirm.closed_case {
            return Err(Error::invalid(
                "this case is closed: reopen it first, or confirm that the placement belongs to the closed case",
            ));
        }
        let underage_note = match (underage(&person.profile, p), &confirm.underage_reason) {
            (None, _) => String::new(),
            (Some(rule), None) => {
                return Err(Error::invalid(format!(
                    "{}: record it only with a reason for the exception",
                    rule.message()
                )));
            }
            (Some(rule), Some(reason)) => {
                format!("; {} confirmed: {}", rule.code(), checked_reason(reason)?)
            }
        };
        if let Some(c) = p.skill_class_id {
            let class = classes::get_class(self.conn(), c)?;
            if class.kind != crate::domain::classes::ClassKind::Skill {
                return Err(Error::invalid(
                    "the course a placement follows from must be a skill class",
                ));
            }
        }
        let (Some(kind), Some(starts_on)) = (p.kind, p.starts_on) else {
            return Err(Error::invalid("a placement needs its kind and start date"));
        };
        self.write(|tx, user| {
            let schedule = placements::schedule(tx)?;
            let today = crate::clock::today();
            let (id, later) =
                placements::add_placement(tx, p, kind, starts_on, &schedule, today, user.id)?;
            Session::record_in(
                tx,
                user,
                AuditAction::PlacementAdd,
                &Target::Person(p.person_id).to_string(),
                &format!(
                    "placement {id}; {}{}{}{}",
                    kind.code(),
                    if closed {
                        "; closed case confirmed"
                    } else {
                        ""
                    },
                    if later > 0 {
                        format!("; {later} visits entered later")
                    } else {
                        String::new()
                    },
                    underage_note
                ),
            )?;
            Ok((id, later))
        })
    }

    /// End a placement (staff, managers): why and when. Visits not made
    /// yet are dropped.
    pub fn end_placement(&mut self, id: i64, on: NaiveDate, reason: &str) -> Result<()> {
        self.need(Capability::RecordPlacements)?;
        if reason.trim().is_empty() {
            return Err(Error::invalid("say why the placement ended"));
        }
        if reason.chars().any(char::is_control) {
            return Err(Error::invalid(
                "the reason must not contain control characters",
            ));
        }
        if on > crate::clock::today() {
            return Err(Error::invalid("the end date is in the future"));
        }
        self.write(|tx, user| {
            let p = placements::get_placement(tx, id)?;
            placements::end_placement(tx, id, on, reason)?;
            Session::record_in(
                tx,
                user,
                AuditAction::PlacementEnd,
                &Target::Person(p.person_id).to_string(),
                &format!("placement {id}"),
            )
        })
    }

    /// Placements, filtered (staff, managers).
    pub fn placements(
        &self,
        trade: Option<&str>,
        year: Option<i32>,
        person: Option<PersonId>,
    ) -> Result<Vec<Placement>> {
        self.need(Capability::SeePlacements)?;
        placements::placements(self.conn(), trade, year, person.map(|p| p.0))
    }

    pub fn placement(&self, id: i64) -> Result<Placement> {
        self.need(Capability::SeePlacements)?;
        placements::get_placement(self.conn(), id)
    }

    /// A placement's visits, made and planned.
    pub fn placement_visits(&self, id: i64) -> Result<Vec<Visit>> {
        self.need(Capability::SeePlacements)?;
        placements::visits(self.conn(), id)
    }

    /// Record a placement visit (staff, managers). A visit to an ended
    /// placement is refused; two desks recording the same visit: the
    /// second gets a conflict and changes nothing.
    pub fn record_visit(&mut self, visit_id: i64, done: &VisitDone) -> Result<()> {
        self.need(Capability::RecordPlacements)?;
        let (_, p) = placements::visit(self.conn(), visit_id)?;
        if p.ended_on.is_some() {
            return Err(Error::invalid(
                "this placement has ended; its visits are closed",
            ));
        }
        if !crate::domain::placements::VisitOutcome::for_kind(p.kind).contains(&done.outcome) {
            return Err(Error::invalid(format!(
                "'{}' is not an outcome for a {}",
                done.outcome.label(),
                p.kind.label()
            )));
        }
        persons::refuse_invalid(&done.validate(p.starts_on, crate::clock::today()))?;
        self.write(|tx, user| {
            placements::record_visit(tx, visit_id, done, user.id)?;
            Session::record_in(
                tx,
                user,
                AuditAction::PlacementVisit,
                &Target::Person(p.person_id).to_string(),
                &format!(
                    "placement {}; visit V{visit_id}; {}",
                    p.id,
                    done.outcome.code()
                ),
            )
        })
    }

    /// Record a follow-up from the list, whichever kind it is: a placement
    /// visit (`outcome` required) or a case follow-up (the outcome is its
    /// note).
    pub fn follow_up_done(&mut self, kind: DueKind, id: i64, visit: &VisitDone) -> Result<()> {
        match kind {
            DueKind::Placement => self.record_visit(id, visit),
            DueKind::Case => self.complete_follow_up(
                id,
                &FollowUpDone {
                    done_on: visit.done_on,
                    outcome: [
                        visit.problems.trim(),
                        visit.support.trim(),
                        visit.next_step.trim(),
                    ]
                    .into_iter()
                    .filter(|s| !s.is_empty())
                    .collect::<Vec<_>>()
                    .join("; "),
                },
            ),
        }
    }

    /// What is due (by `today`, or overdue before it), most overdue first:
    /// placement visits and case follow-ups together (staff, managers).
    /// Visits missed (a later one was made) or not recorded (entered
    /// later) are never due.
    pub fn due_list(
        &self,
        today: NaiveDate,
        filter: DueFilter,
        limit: usize,
    ) -> Result<Vec<DueItem>> {
        self.need(Capability::SeeFollowUps)?;
        let worker = filter.mine.then(|| self.user().id);
        placements::due(
            self.conn(),
            filter.through(today),
            worker,
            filter.kind,
            limit,
        )
    }

    /// How many [`Session::due_list`] holds for the same filter, whole
    /// (not cut at a limit): overdue and due today. The one source of the
    /// numbers Home, the Follow-ups screen and the CLI show.
    pub fn due_counts(&self, today: NaiveDate, filter: DueFilter) -> Result<DueCounts> {
        self.need(Capability::SeeFollowUps)?;
        let worker = filter.mine.then(|| self.user().id);
        placements::due_counts(
            self.conn(),
            filter.through(today),
            today,
            worker,
            filter.kind,
        )
    }

    /// The counts a report uses for `from..=to` (staff, managers).
    pub fn placement_counts(&self, from: NaiveDate, to: NaiveDate) -> Result<PlacementCounts> {
        self.need(Capability::SeePlacements)?;
        placements::counts(self.conn(), from, to)
    }

    /// The office's visit schedule (anyone).
    pub fn visit_schedule(&self) -> Result<Schedule> {
        self.need(Capability::SeePlacements)?;
        placements::schedule(self.conn())
    }

    /// Change the default visit schedule for new placements (managers).
    pub fn set_visit_schedule(&mut self, s: &Schedule) -> Result<()> {
        self.need(Capability::SetVisitSchedule)?;
        self.write(|tx, user| {
            placements::set_schedule(tx, s)?;
            Session::record_in(tx, user, AuditAction::PlacementSchedule, "", &s.to_string())
        })
    }
}
