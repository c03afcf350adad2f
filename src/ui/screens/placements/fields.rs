//! The fields of the placement forms: the key each is named by, what
//! each form asks, and which field each of the domain's rule messages
//! belongs beside. The forms' saving is in [`editor`](super::editor).

use chrono::NaiveDate;

use crate::domain::placements::{PlacementKind, VisitOutcome};
use crate::ui::widgets::form::{FieldKey, FieldSpec};

/// The fields of every placement form.
pub mod key {
    use crate::ui::widgets::form::FieldKey;

    pub const CASE_NUMBER: FieldKey = FieldKey::new("case_number");
    pub const KIND: FieldKey = FieldKey::new("kind");
    pub const STARTS_ON: FieldKey = FieldKey::new("starts_on");
    pub const TRADE: FieldKey = FieldKey::new("trade");
    pub const SKILL_CLASS: FieldKey = FieldKey::new("skill_class");
    pub const EMPLOYER: FieldKey = FieldKey::new("employer");
    pub const CONTACT_PERSON: FieldKey = FieldKey::new("contact_person");
    pub const CONTACT_PHONE: FieldKey = FieldKey::new("contact_phone");
    pub const WAGE: FieldKey = FieldKey::new("wage");
    pub const HOURS: FieldKey = FieldKey::new("hours");
    pub const BUSINESS_KIND: FieldKey = FieldKey::new("business_kind");
    pub const PLACE: FieldKey = FieldKey::new("place");
    pub const TOOLKIT: FieldKey = FieldKey::new("toolkit");
    pub const GRANT: FieldKey = FieldKey::new("grant");
    pub const TRAINING: FieldKey = FieldKey::new("training");
    pub const DONE_ON: FieldKey = FieldKey::new("done_on");
    pub const OUTCOME: FieldKey = FieldKey::new("outcome");
    pub const PROBLEMS: FieldKey = FieldKey::new("problems");
    pub const SUPPORT: FieldKey = FieldKey::new("support");
    pub const NEXT_STEP: FieldKey = FieldKey::new("next_step");
    pub const ENDED_ON: FieldKey = FieldKey::new("ended_on");
    pub const REASON: FieldKey = FieldKey::new("reason");
}

/// The form field a domain rule's message belongs beside, by the name the
/// domain gives the field. Spelt out so that a renamed field shows up in
/// the tests below instead of quietly losing a message.
pub fn key_of(field: &str) -> Option<FieldKey> {
    Some(match field {
        "kind" => key::KIND,
        "starts_on" => key::STARTS_ON,
        "trade" => key::TRADE,
        "employer" => key::EMPLOYER,
        "contact_person" => key::CONTACT_PERSON,
        "contact_phone" => key::CONTACT_PHONE,
        "wage" => key::WAGE,
        "hours" => key::HOURS,
        "business_kind" => key::BUSINESS_KIND,
        "place" => key::PLACE,
        "grant" => key::GRANT,
        "training" => key::TRAINING,
        "done_on" => key::DONE_ON,
        "outcome" => key::OUTCOME,
        "problems" => key::PROBLEMS,
        "support" => key::SUPPORT,
        "next_step" => key::NEXT_STEP,
        _ => return None,
    })
}

/// What the open form records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    NewPlacement,
    Visit {
        visit_id: i64,
        placement_id: i64,
        kind: PlacementKind,
        starts_on: NaiveDate,
    },
    End {
        placement_id: i64,
        starts_on: NaiveDate,
    },
    CaseFollowUp {
        follow_up_id: i64,
        person_id: i64,
    },
}

pub fn specs(job: &Job) -> Vec<FieldSpec> {
    match job {
        Job::NewPlacement => {
            let kinds: Vec<&str> = PlacementKind::ALL.iter().map(|k| k.label()).collect();
            vec![
                FieldSpec::text(key::CASE_NUMBER, "Case number")
                    .required()
                    .hint("The person's case number, e.g. CPC-2026-0042")
                    .max_chars(20),
                FieldSpec::choice(key::KIND, "Job or business", kinds).required(),
                FieldSpec::date(key::STARTS_ON, "Start date")
                    .required()
                    .allow_future()
                    .hint("Up to a week ahead"),
                FieldSpec::text(key::TRADE, "Trade")
                    .hint("e.g. tailoring, motor mechanic")
                    .max_chars(120),
                FieldSpec::text(key::SKILL_CLASS, "After skill class")
                    .hint("The name of the skill class it followed from, if any")
                    .max_chars(120),
                FieldSpec::text(key::EMPLOYER, "Employer (job)").max_chars(120),
                FieldSpec::text(key::CONTACT_PERSON, "Contact person (job)").max_chars(120),
                FieldSpec::text(key::CONTACT_PHONE, "Contact phone (job)").max_chars(120),
                FieldSpec::number(key::WAGE, "Wage, Rs a month (job)", None, None).example(12000),
                FieldSpec::text(key::HOURS, "Hours (job)")
                    .hint("e.g. 9 to 5, six days")
                    .max_chars(120),
                FieldSpec::text(key::BUSINESS_KIND, "Business (what kind)")
                    .hint("e.g. tea stall, vegetable cart")
                    .max_chars(120),
                FieldSpec::text(key::PLACE, "Business place").max_chars(120),
                FieldSpec::yes_no(key::TOOLKIT, "Toolkit given"),
                FieldSpec::number(key::GRANT, "Grant, Rs (business)", None, None).example(50000),
                FieldSpec::text(key::TRAINING, "Training (business)").max_chars(120),
            ]
        }
        Job::Visit { kind, .. } => {
            let outcomes: Vec<&str> = VisitOutcome::for_kind(*kind)
                .iter()
                .map(|o| o.label())
                .collect();
            vec![
                FieldSpec::date(key::DONE_ON, "Date of the visit").required(),
                FieldSpec::choice(key::OUTCOME, "Outcome", outcomes).required(),
                FieldSpec::multi_line(key::PROBLEMS, "Problems faced", 2),
                FieldSpec::multi_line(key::SUPPORT, "Support given", 2),
                FieldSpec::text(key::NEXT_STEP, "Next step").max_chars(200),
            ]
        }
        Job::End { .. } => vec![
            FieldSpec::date(key::ENDED_ON, "End date").required(),
            FieldSpec::text(key::REASON, "Why it ended")
                .required()
                .max_chars(200),
        ],
        Job::CaseFollowUp { .. } => vec![
            FieldSpec::date(key::DONE_ON, "Date done").required(),
            FieldSpec::multi_line(key::OUTCOME, "Outcome", 3).required(),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::casework::FollowUpDone;
    use crate::domain::placements::{NewPlacement, VisitDone};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn form_keys(job: &Job) -> Vec<FieldKey> {
        specs(job).iter().map(|s| s.key).collect()
    }

    /// Every message a placement or visit rule can give lands beside a
    /// field of its own form.
    #[test]
    fn every_rule_lands_beside_a_field_of_its_form() {
        let control = "\u{1b}[31m".to_string();
        let job = NewPlacement {
            kind: Some(PlacementKind::Job),
            starts_on: Some(d(2020, 1, 1)),
            wage: Some(-1),
            employer: String::new(),
            contact_person: control.clone(),
            contact_phone: "call me".into(),
            trade: control.clone(),
            hours: control.clone(),
            place: control.clone(),
            training: control.clone(),
            ..Default::default()
        };
        let business = NewPlacement {
            kind: Some(PlacementKind::Business),
            starts_on: None,
            grant: Some(i64::from(crate::domain::placements::MAX_RUPEES) + 1),
            ..Default::default()
        };
        let none = NewPlacement::default();
        let (intake, today) = (d(2025, 1, 1), d(2026, 11, 23));
        let placement_form = form_keys(&Job::NewPlacement);
        let mut seen = 0;
        for p in [job, business, none] {
            for e in p.validate(intake, today) {
                let k = key_of(e.field);
                assert!(
                    k.is_some_and(|k| placement_form.contains(&k)),
                    "'{}' on {} has no field",
                    e.message,
                    e.field
                );
                seen += 1;
            }
        }
        assert!(seen >= 10, "only {seen} messages checked");

        for kind in PlacementKind::ALL {
            let visit = Job::Visit {
                visit_id: 1,
                placement_id: 1,
                kind: *kind,
                starts_on: intake,
            };
            let form = form_keys(&visit);
            let done = VisitDone {
                done_on: d(2027, 1, 1),
                outcome: VisitOutcome::for_kind(*kind)[0],
                problems: control.clone(),
                support: control.clone(),
                next_step: control.clone(),
            };
            let mut errors = done.validate(intake, today);
            errors.extend(
                VisitDone {
                    done_on: d(2024, 1, 1),
                    ..done.clone()
                }
                .validate(intake, today),
            );
            assert!(errors.len() >= 5);
            for e in errors {
                assert!(
                    key_of(e.field).is_some_and(|k| form.contains(&k)),
                    "{} has no field on the visit form",
                    e.field
                );
            }
        }
        let follow_up = form_keys(&Job::CaseFollowUp {
            follow_up_id: 1,
            person_id: 1,
        });
        for e in (FollowUpDone {
            done_on: d(2027, 1, 1),
            outcome: String::new(),
        })
        .validate(intake, today)
        {
            assert!(
                key_of(e.field).is_some_and(|k| follow_up.contains(&k)),
                "{} has no field on the follow-up form",
                e.field
            );
        }
    }

    #[test]
    fn a_visit_offers_the_outcomes_of_its_kind() {
        for kind in PlacementKind::ALL {
            let specs = specs(&Job::Visit {
                visit_id: 1,
                placement_id: 1,
                kind: *kind,
                starts_on: d(2026, 1, 1),
            });
            let outcome = specs
                .iter()
                .find(|s| s.key == key::OUTCOME)
                .expect("outcome field");
            let crate::ui::widgets::form::FieldKind::Choice { options } = &outcome.kind else {
                panic!("a choice");
            };
            let want: Vec<&str> = VisitOutcome::for_kind(*kind)
                .iter()
                .map(|o| o.label())
                .collect();
            assert_eq!(options, &want);
        }
    }
}
