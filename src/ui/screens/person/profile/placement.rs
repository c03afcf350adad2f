//! Which field of the profile form each of the domain's rule messages
//! belongs beside. The domain names a `NewPerson` field; the form may show
//! it under another key (an age typed instead of a date of birth, intake's
//! two concern lists).

use super::{KeyError, Mode, key};
use crate::domain::Programme;
use crate::domain::person::{FieldError, NewPerson};
use crate::ui::widgets::form::FieldKey;

/// The form field showing a `NewPerson` field, by the name the domain
/// gives it (rule messages, `NewPerson::field_values`). Spelt out rather
/// than matched on the key's name, so renaming either side shows up here
/// (and in the tests below) instead of quietly losing a message.
pub fn key_of_field(field: &str) -> Option<FieldKey> {
    Some(match field {
        "programme" => key::PROGRAMME,
        "name" => key::NAME,
        "father_name" => key::FATHER_NAME,
        "alias" => key::ALIAS,
        "sex" => key::SEX,
        "birth_date" => key::BIRTH_DATE,
        "age_estimated" => key::AGE_ESTIMATED,
        "cnic" => key::CNIC,
        "phone" => key::PHONE,
        "area" => key::AREA,
        "address" => key::ADDRESS,
        "guardian_name" => key::GUARDIAN_NAME,
        "guardian_relation" => key::GUARDIAN_RELATION,
        "school_status" => key::SCHOOL_STATUS,
        "work_status" => key::WORK_STATUS,
        "referral_source" => key::REFERRAL_SOURCE,
        "referral_detail" => key::REFERRAL_DETAIL,
        "concerns" => key::CONCERNS,
        "consent_by" => key::CONSENT_BY,
        "consent_date" => key::CONSENT_DATE,
        "consent_services" => key::CONSENT_SERVICES,
        "consent_sharing" => key::CONSENT_SHARING,
        "risk" => key::RISK,
        "risk_reason" => key::RISK_REASON,
        "worker_id" => key::WORKER,
        "centre" => key::CENTRE,
        "registered_on" => key::REGISTERED_ON,
        _ => return None,
    })
}

/// The form key a rule's message belongs beside.
fn key_for(e: &FieldError, p: &NewPerson, mode: Mode, age_typed: bool) -> Option<FieldKey> {
    match (e.field, mode) {
        ("birth_date", _) if age_typed => Some(key::AGE),
        ("concerns", Mode::Edit(_)) => Some(key::CONCERNS),
        ("concerns", Mode::Intake) => {
            // "Not a concern of the CPC" belongs beside the other list.
            let wrong = e.message.contains("is not a concern");
            Some(match (p.programme, wrong) {
                (Programme::Cpc, false) | (Programme::WomensDesk, true) => key::CONCERNS_CPC,
                _ => key::CONCERNS_WD,
            })
        }
        (f, _) => key_of_field(f),
    }
}

/// The messages to show: the form's own problems (`early`, from
/// [`read`](super::read)) first, then the rules' (`rules`, from
/// `NewPerson::validate`), one per field. A rule about a field the form
/// cannot name still shows (beside the name, which every profile form
/// has): a save is never refused without saying why.
pub fn place_errors(
    early: Vec<KeyError>,
    rules: Vec<FieldError>,
    p: &NewPerson,
    mode: Mode,
    age_typed: bool,
) -> Vec<KeyError> {
    let mut errors = early;
    for e in rules {
        let key = key_for(&e, p, mode, age_typed).unwrap_or_else(|| {
            tracing::warn!(
                field = e.field,
                "a profile rule names a field the form lacks"
            );
            key::NAME
        });
        if !errors.iter().any(|(k, _)| *k == key) {
            errors.push((key, e.message));
        }
    }
    errors
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::super::{Worker, blank, specs};
    use super::*;
    use crate::domain::Concern;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    const MODES: [Mode; 3] = [
        Mode::Intake,
        Mode::Edit(Programme::Cpc),
        Mode::Edit(Programme::WomensDesk),
    ];

    fn keys(mode: Mode) -> Vec<FieldKey> {
        let workers = [Worker {
            id: 1,
            name: "Amina".into(),
        }];
        specs(mode, &workers).iter().map(|s| s.key).collect()
    }

    #[test]
    fn every_stored_field_has_a_form_field() {
        let all: Vec<FieldKey> = MODES.iter().flat_map(|m| keys(*m)).collect();
        for (field, _) in blank(day(2026, 3, 1), None).field_values() {
            let key = key_of_field(field);
            assert!(
                key.is_some_and(|k| all.contains(&k)),
                "{field} has no field on the profile form"
            );
        }
    }

    /// A person breaking every rule that can be broken at once.
    fn everything_wrong(programme: Programme) -> NewPerson {
        let today = day(2026, 3, 1);
        NewPerson {
            programme,
            name: String::new(),
            father_name: "123".into(),
            alias: "a\u{1b}b".into(),
            guardian_name: "9".into(),
            guardian_relation: "x\ny".into(),
            school_status: "\u{7}".into(),
            work_status: "\u{7}".into(),
            phone: "call me".into(),
            area: "\u{7}".into(),
            address: "\u{1b}[31m".into(),
            referral_detail: "\u{7}".into(),
            risk_reason: "\u{1b}".into(),
            cnic: "12-34".into(),
            consent_services: true,
            consent_date: Some(day(2027, 1, 1)),
            birth_date: Some(day(2027, 1, 1)),
            registered_on: day(2027, 2, 1),
            concerns: Vec::new(),
            ..blank(today, None)
        }
    }

    #[test]
    fn every_rule_message_lands_beside_a_field_of_the_form() {
        let today = day(2026, 3, 1);
        for mode in MODES {
            let programme = match mode {
                Mode::Edit(p) => p,
                Mode::Intake => Programme::Cpc,
            };
            let form = keys(mode);
            let mut people = vec![everything_wrong(programme)];
            // No date of birth at all, and a concern of the other programme.
            let other = match programme {
                Programme::Cpc => Programme::WomensDesk,
                Programme::WomensDesk => Programme::Cpc,
            };
            people.push(NewPerson {
                birth_date: None,
                concerns: Concern::for_programme(other)[..1].to_vec(),
                consent_by: String::new(),
                consent_date: None,
                ..everything_wrong(programme)
            });
            for p in people {
                let rules = p.validate(today);
                assert!(rules.len() > 10, "the test breaks most rules: {rules:?}");
                for age_typed in [false, true] {
                    for e in &rules {
                        let key = key_for(e, &p, mode, age_typed);
                        assert!(
                            key.is_some_and(|k| form.contains(&k)),
                            "{mode:?}: '{}' on {} has no field",
                            e.message,
                            e.field
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn the_forms_own_problems_come_first_and_one_per_field() {
        let p = everything_wrong(Programme::Cpc);
        let early = vec![(key::AGE, "both".to_string())];
        let rules = vec![
            FieldError::new("name", "first"),
            FieldError::new("name", "second"),
            FieldError::new("birth_date", "beside the age"),
            FieldError::new("no_such_field", "still shown"),
        ];
        let placed = place_errors(early, rules, &p, Mode::Intake, true);
        assert_eq!(
            placed,
            vec![
                (key::AGE, "both".to_string()),
                (key::NAME, "first".to_string()),
            ]
        );
        let placed = place_errors(
            Vec::new(),
            vec![FieldError::new("no_such_field", "still shown")],
            &p,
            Mode::Intake,
            false,
        );
        assert_eq!(placed, vec![(key::NAME, "still shown".to_string())]);
    }
}
