//! A person's case work: services delivered, follow-ups, case-plan goals
//! and the status lifecycle, with the rules each entry must pass.

use chrono::NaiveDate;

use super::person::{FieldError, check_note};
use super::{CaseStatus, ClosureReason, CounsellingKind, ServiceKind};

/// A service delivered to a person (counselling session held, health check,
/// medical referral and where to, …).
#[derive(Debug, Clone, PartialEq)]
pub struct NewService {
    pub kind: ServiceKind,
    pub on_date: NaiveDate,
    /// e.g. where a medical referral went, which medicines.
    pub detail: String,
    pub note: String,
}

impl NewService {
    pub fn validate(&self, registered_on: NaiveDate, today: NaiveDate) -> Vec<FieldError> {
        let mut e = Vec::new();
        date_in_case(
            &mut e,
            "on_date",
            "Service date",
            self.on_date,
            registered_on,
            today,
        );
        let detail_required = matches!(self.kind, ServiceKind::MedicalReferral);
        check_note(
            &mut e,
            "detail",
            detail_label(self.kind),
            &self.detail,
            detail_required,
        );
        check_note(&mut e, "note", "Note", &self.note, false);
        e
    }
}

/// What the detail field of a service means.
pub fn detail_label(kind: ServiceKind) -> &'static str {
    match kind {
        ServiceKind::MedicalReferral => "Referred to",
        ServiceKind::Medicines => "Medicines given",
        ServiceKind::SkillClass => "Skill",
        ServiceKind::SchoolMainstreaming => "School",
        _ => "Detail",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewFollowUp {
    pub due_on: NaiveDate,
    pub purpose: String,
}

impl NewFollowUp {
    pub fn validate(&self, registered_on: NaiveDate) -> Vec<FieldError> {
        let mut e = Vec::new();
        if self.due_on < registered_on {
            e.push(FieldError::new(
                "due_on",
                "A follow-up cannot be due before the intake date",
            ));
        }
        check_note(&mut e, "purpose", "Purpose", &self.purpose, true);
        e
    }
}

/// Closing a follow-up: when it was done and what came of it.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowUpDone {
    pub done_on: NaiveDate,
    pub outcome: String,
}

impl FollowUpDone {
    pub fn validate(&self, registered_on: NaiveDate, today: NaiveDate) -> Vec<FieldError> {
        let mut e = Vec::new();
        date_in_case(
            &mut e,
            "done_on",
            "Date done",
            self.done_on,
            registered_on,
            today,
        );
        check_note(&mut e, "outcome", "Outcome", &self.outcome, true);
        e
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewGoal {
    pub goal: String,
    pub target_date: Option<NaiveDate>,
}

impl NewGoal {
    pub fn validate(&self, registered_on: NaiveDate) -> Vec<FieldError> {
        let mut e = Vec::new();
        check_note(&mut e, "goal", "Goal", &self.goal, true);
        if self.target_date.is_some_and(|d| d < registered_on) {
            e.push(FieldError::new(
                "target_date",
                "The target date is before the intake date",
            ));
        }
        e
    }
}

/// One step of the status lifecycle.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusChange {
    pub to: CaseStatus,
    pub on_date: NaiveDate,
    /// Required when closing, refused otherwise.
    pub reason: Option<ClosureReason>,
}

/// The moves a case may make: registered → active → closed (with a reason)
/// → reopened → active or closed again. A case registered and never
/// served may be closed directly (lost contact, transferred).
pub fn can_move(from: CaseStatus, to: CaseStatus) -> bool {
    use CaseStatus::*;
    matches!(
        (from, to),
        (Registered, Active)
            | (Registered, Closed)
            | (Active, Closed)
            | (Closed, Reopened)
            | (Reopened, Active)
            | (Reopened, Closed)
    )
}

impl StatusChange {
    /// `last_on` is the date of the case's latest status step.
    pub fn validate(
        &self,
        from: CaseStatus,
        last_on: NaiveDate,
        today: NaiveDate,
    ) -> Vec<FieldError> {
        let mut e = Vec::new();
        if !can_move(from, self.to) {
            e.push(FieldError::new(
                "status",
                format!("A {} case cannot become {}", from.label(), self.to.label()),
            ));
        }
        match (self.to, self.reason) {
            (CaseStatus::Closed, None) => {
                e.push(FieldError::new("reason", "Choose why the case is closed"))
            }
            (CaseStatus::Closed, Some(_)) | (_, None) => {}
            (_, Some(_)) => e.push(FieldError::new(
                "reason",
                "A reason is given only when closing a case",
            )),
        }
        if self.on_date > today {
            e.push(FieldError::new("on_date", "The date is in the future"));
        } else if self.on_date < last_on {
            e.push(FieldError::new(
                "on_date",
                "The date is before the case's last status change",
            ));
        }
        e
    }
}

fn date_in_case(
    e: &mut Vec<FieldError>,
    field: &'static str,
    label: &str,
    d: NaiveDate,
    registered_on: NaiveDate,
    today: NaiveDate,
) {
    if d > today {
        e.push(FieldError::new(field, format!("{label} is in the future")));
    } else if d < registered_on {
        e.push(FieldError::new(
            field,
            format!("{label} is before the intake date"),
        ));
    }
}

/// A service as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub id: i64,
    pub person_id: i64,
    pub kind: ServiceKind,
    pub on_date: NaiveDate,
    pub user_name: Option<String>,
    pub detail: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FollowUp {
    pub id: i64,
    pub person_id: i64,
    pub due_on: NaiveDate,
    pub purpose: String,
    pub user_name: Option<String>,
    pub done_on: Option<NaiveDate>,
    pub outcome: String,
}

impl FollowUp {
    /// Not done and due before today, by the one rule
    /// ([`Standing`](super::placements::Standing)) every list and count uses.
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.done_on.is_none()
            && super::placements::Standing::of(self.due_on, today)
                == super::placements::Standing::Overdue
    }
}

/// A follow-up not yet done, with enough of its person to list it.
#[derive(Debug, Clone, PartialEq)]
pub struct DueFollowUp {
    pub follow_up: FollowUp,
    pub case_number: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub id: i64,
    pub person_id: i64,
    pub goal: String,
    pub target_date: Option<NaiveDate>,
    pub achieved_on: Option<NaiveDate>,
    pub user_name: Option<String>,
}

/// One recorded step of the status lifecycle.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusStep {
    pub id: i64,
    pub on_date: NaiveDate,
    pub from: Option<CaseStatus>,
    pub to: CaseStatus,
    pub reason: Option<ClosureReason>,
    pub user_name: Option<String>,
}

/// A profile change: which field, old and new text, who and when.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub at: String,
    pub user_name: Option<String>,
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    /// The version the save produced.
    pub version: i64,
}

/// What happened on a day in a person's file.
#[derive(Debug, Clone, PartialEq)]
pub enum TimelineEvent {
    Service {
        id: i64,
        kind: ServiceKind,
        detail: String,
        note: String,
    },
    Status {
        from: Option<CaseStatus>,
        to: CaseStatus,
        reason: Option<ClosureReason>,
    },
    /// A follow-up still open, at its due date.
    FollowUpDue {
        id: i64,
        purpose: String,
    },
    /// A follow-up done, at the date it was done.
    FollowUpDone {
        id: i64,
        purpose: String,
        outcome: String,
    },
    /// A counselling session was held; its notes are the psychologist's and
    /// never appear here.
    Counselling {
        id: i64,
        kind: CounsellingKind,
        minutes: i64,
    },
    GoalAchieved {
        id: i64,
        goal: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub on_date: NaiveDate,
    pub who: Option<String>,
    pub event: TimelineEvent,
}

#[cfg(test)]
mod tests {
    use super::*;
    use CaseStatus::*;

    #[test]
    fn lifecycle_moves() {
        assert!(can_move(Registered, Active));
        assert!(can_move(Active, Closed));
        assert!(can_move(Closed, Reopened));
        assert!(!can_move(Closed, Active));
        assert!(!can_move(Active, Registered));
        assert!(!can_move(Active, Reopened));
        assert!(!can_move(Closed, Closed));
    }
}
