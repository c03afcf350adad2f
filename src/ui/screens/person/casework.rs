//! The casework forms (a service, a follow-up planned or done, a goal
//! added or achieved, a status move): their fields, and which field each
//! of the domain's rule messages belongs beside.

use super::editors::EditKind;
use crate::domain::person::FieldError;
use crate::domain::{ClosureReason, ServiceKind};
use crate::ui::widgets::form::{FieldKey, FieldSpec};

/// The casework forms' fields (the profile's are in `profile::key`).
pub(super) mod key {
    use crate::ui::widgets::form::FieldKey;

    pub const KIND: FieldKey = FieldKey::new("kind");
    pub const ON_DATE: FieldKey = FieldKey::new("on_date");
    pub const DETAIL: FieldKey = FieldKey::new("detail");
    pub const NOTE: FieldKey = FieldKey::new("note");
    pub const DUE_ON: FieldKey = FieldKey::new("due_on");
    pub const PURPOSE: FieldKey = FieldKey::new("purpose");
    pub const GOAL: FieldKey = FieldKey::new("goal");
    pub const TARGET_DATE: FieldKey = FieldKey::new("target_date");
    pub const DONE_ON: FieldKey = FieldKey::new("done_on");
    pub const OUTCOME: FieldKey = FieldKey::new("outcome");
    pub const ACHIEVED_ON: FieldKey = FieldKey::new("achieved_on");
    /// The new status.
    pub const TO: FieldKey = FieldKey::new("to");
    pub const REASON: FieldKey = FieldKey::new("reason");
}

/// The form field a casework rule's message belongs beside, by the name
/// the domain gives the field. Spelt out so a renamed field shows up in
/// the tests below instead of quietly losing a message.
pub(super) fn casework_key(field: &str) -> Option<FieldKey> {
    Some(match field {
        "on_date" => key::ON_DATE,
        "detail" => key::DETAIL,
        "note" => key::NOTE,
        "due_on" => key::DUE_ON,
        "purpose" => key::PURPOSE,
        "goal" => key::GOAL,
        "target_date" => key::TARGET_DATE,
        "done_on" => key::DONE_ON,
        "outcome" => key::OUTCOME,
        "achieved_on" => key::ACHIEVED_ON,
        // The domain speaks of the case's status; the form asks for the new one.
        "status" => key::TO,
        "reason" => key::REASON,
        _ => return None,
    })
}

/// Rule messages by form key. One whose field the form cannot name goes
/// beside `first` (the form's first field): a save is never refused
/// without saying why.
pub(super) fn keyed(errors: Vec<FieldError>, first: FieldKey) -> Vec<(FieldKey, String)> {
    errors
        .into_iter()
        .map(|e| {
            let key = casework_key(e.field).unwrap_or_else(|| {
                tracing::warn!(
                    field = e.field,
                    "a casework rule names a field the form lacks"
                );
                first
            });
            (key, e.message)
        })
        .collect()
}

fn today_field(key: FieldKey, label: &str) -> FieldSpec {
    FieldSpec::date(key, label).required()
}

/// The fields of each casework form; the profile's come from
/// [`profile::specs`](super::profile::specs).
pub(super) fn casework_specs(kind: &EditKind) -> Vec<FieldSpec> {
    match kind {
        EditKind::Profile { .. } => Vec::new(),
        EditKind::Service => {
            let kinds: Vec<&str> = ServiceKind::ALL.iter().map(|k| k.label()).collect();
            vec![
                FieldSpec::choice(key::KIND, "Service", kinds).required(),
                today_field(key::ON_DATE, "Date"),
                FieldSpec::text(key::DETAIL, "Detail")
                    .hint("Where referred to, medicines given, school, skill …")
                    .max_chars(200),
                FieldSpec::multi_line(key::NOTE, "Short note", 3),
            ]
        }
        EditKind::FollowUp => vec![
            today_field(key::DUE_ON, "Due date").allow_future(),
            FieldSpec::text(key::PURPOSE, "Purpose")
                .required()
                .max_chars(200),
        ],
        EditKind::FollowUpDone(_) => vec![
            today_field(key::DONE_ON, "Date done"),
            FieldSpec::multi_line(key::OUTCOME, "Outcome", 3).required(),
        ],
        EditKind::Goal => vec![
            FieldSpec::multi_line(key::GOAL, "Goal", 3).required(),
            FieldSpec::date(key::TARGET_DATE, "Target date").allow_future(),
        ],
        EditKind::GoalAchieved(_) => vec![today_field(key::ACHIEVED_ON, "Date achieved")],
        EditKind::Status { to, .. } => {
            let reasons: Vec<&str> = ClosureReason::ALL.iter().map(|r| r.label()).collect();
            vec![
                FieldSpec::choice(
                    key::TO,
                    "New status",
                    to.iter().map(|s| s.label()).collect::<Vec<_>>(),
                )
                .required(),
                today_field(key::ON_DATE, "Date"),
                FieldSpec::choice(key::REASON, "Closure reason", reasons)
                    .hint("Only when closing the case"),
            ]
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::domain::CaseStatus;
    use crate::domain::casework::{
        FollowUpDone, NewFollowUp, NewGoal, NewService, StatusChange, can_move,
    };

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    /// Every message a casework rule can give names a field of its form.
    #[test]
    fn every_casework_rule_lands_beside_a_field_of_its_form() {
        let (reg, today) = (day(2026, 3, 1), day(2026, 6, 1));
        let (future, early) = (day(2026, 7, 1), day(2026, 1, 1));
        let control = "\u{1b}[31m".to_string();
        let cases: Vec<(EditKind, Vec<FieldError>)> = vec![
            (
                EditKind::Service,
                NewService {
                    kind: ServiceKind::MedicalReferral,
                    on_date: future,
                    detail: String::new(),
                    note: control.clone(),
                }
                .validate(reg, today),
            ),
            (
                EditKind::Service,
                NewService {
                    kind: ServiceKind::Medicines,
                    on_date: early,
                    detail: control.clone(),
                    note: String::new(),
                }
                .validate(reg, today),
            ),
            (
                EditKind::FollowUp,
                NewFollowUp {
                    due_on: early,
                    purpose: String::new(),
                }
                .validate(reg),
            ),
            (
                EditKind::FollowUpDone(1),
                FollowUpDone {
                    done_on: future,
                    outcome: String::new(),
                }
                .validate(reg, today),
            ),
            (
                EditKind::Goal,
                NewGoal {
                    goal: String::new(),
                    target_date: Some(early),
                }
                .validate(reg),
            ),
        ];
        let from = CaseStatus::Registered;
        let to: Vec<CaseStatus> = CaseStatus::ALL
            .iter()
            .copied()
            .filter(|t| can_move(from, *t))
            .collect();
        let status = EditKind::Status { from, to };
        let mut cases = cases;
        for change in [
            StatusChange {
                to: CaseStatus::Reopened,
                on_date: future,
                reason: Some(ClosureReason::ALL[0]),
            },
            StatusChange {
                to: CaseStatus::Closed,
                on_date: early,
                reason: None,
            },
        ] {
            cases.push((status.clone(), change.validate(from, reg, today)));
        }
        let mut seen = 0;
        for (kind, errors) in cases {
            assert!(!errors.is_empty(), "{kind:?}: the test breaks a rule");
            let form: Vec<FieldKey> = casework_specs(&kind).iter().map(|s| s.key).collect();
            for e in errors {
                let key = casework_key(e.field);
                assert!(
                    key.is_some_and(|k| form.contains(&k)),
                    "{kind:?}: '{}' on {} has no field",
                    e.message,
                    e.field
                );
                seen += 1;
            }
        }
        assert!(seen >= 14, "only {seen} messages checked");
    }

    #[test]
    fn a_message_for_no_field_goes_beside_the_first() {
        let placed = keyed(
            vec![
                FieldError::new("status", "not that way"),
                FieldError::new("no_such_field", "still shown"),
            ],
            key::TO,
        );
        assert_eq!(
            placed,
            vec![
                (key::TO, "not that way".to_string()),
                (key::TO, "still shown".to_string()),
            ]
        );
    }
}
