//! The profile form shared by intake and a person's file: which fields it
//! has, how a person fills it, how its values become a [`NewPerson`], and
//! where each rule's message goes.
//!
//! Intake shows both programmes' concern lists (a form cannot change its
//! options while it is open) and lets `NewPerson::validate` refuse the
//! wrong ones; editing knows the programme and shows only its list.

use chrono::NaiveDate;

use crate::Result;
use crate::domain::person::{FieldError, NewPerson, age_on, cnic_is_valid, estimated_birth_date};
use crate::domain::{Centre, Concern, Programme, ReferralSource, RiskLevel, Sex};
use crate::office::Session;
use crate::ui::widgets::form::{FieldSpec, FormValues, Value};

/// Intake (new person, any programme) or editing one person's profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Intake,
    Edit(Programme),
}

/// An account a case may be assigned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worker {
    pub id: i64,
    pub name: String,
}

/// Enabled staff and managers, by name.
pub fn workers(session: &Session) -> Result<Vec<Worker>> {
    Ok(session
        .workers()?
        .into_iter()
        .map(|u| Worker {
            id: u.id,
            name: u.name,
        })
        .collect())
}

/// The CPC's centres (the women's desk is always at the desk).
const CPC_CENTRES: [Centre; 2] = [Centre::Cpc, Centre::ChildFriendlySpace];

fn labels<T: Copy>(all: &[T], label: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| label(*v)).collect()
}

fn check_cnic(v: &Value) -> std::result::Result<(), String> {
    match v {
        Value::Text(s) if !s.is_empty() && !cnic_is_valid(s) => {
            Err("CNIC / B-form must look like 12345-1234567-1".into())
        }
        _ => Ok(()),
    }
}

/// The form's fields, in the order the office fills a paper intake sheet.
pub fn specs(mode: Mode, workers: &[Worker]) -> Vec<FieldSpec> {
    let mut s = Vec::new();
    if mode == Mode::Intake {
        s.push(
            FieldSpec::choice(
                "programme",
                "Programme",
                labels(Programme::ALL, Programme::label),
            )
            .required(),
        );
    }
    s.push(FieldSpec::text("name", "Name").required().max_chars(120));
    s.push(FieldSpec::text("father_name", "Father/husband name").max_chars(120));
    s.push(FieldSpec::text("alias", "Alias").max_chars(120));
    s.push(FieldSpec::choice("sex", "Sex", labels(Sex::ALL, Sex::label)).required());
    s.push(
        FieldSpec::date("birth_date", "Date of birth").hint("Leave empty if only an age is known"),
    );
    let age_hint = match mode {
        Mode::Intake => "Years; kept as an estimate (give this or the date of birth)",
        Mode::Edit(_) => "Typing an age replaces the date of birth with an estimate",
    };
    s.push(FieldSpec::number("age", "Or estimated age", Some(0), Some(100)).hint(age_hint));
    if let Mode::Edit(_) = mode {
        s.push(FieldSpec::yes_no("age_estimated", "Age is estimated"));
    }
    s.push(
        FieldSpec::text("cnic", "CNIC / B-form")
            .hint("12345-1234567-1, if there is one")
            .check(check_cnic)
            .max_chars(15),
    );
    s.push(FieldSpec::text("phone", "Phone").max_chars(40));
    s.push(FieldSpec::text("area", "Area of Quetta").max_chars(120));
    s.push(FieldSpec::multi_line("address", "Address", 2));
    s.push(FieldSpec::text("guardian_name", "Guardian/care giver").max_chars(120));
    s.push(FieldSpec::text("guardian_relation", "Guardian's relation").max_chars(120));
    s.push(FieldSpec::text("school_status", "School status").max_chars(120));
    s.push(FieldSpec::text("work_status", "Work status").max_chars(120));
    s.push(
        FieldSpec::choice(
            "referral_source",
            "Referral source",
            labels(ReferralSource::ALL, ReferralSource::label),
        )
        .required(),
    );
    s.push(
        FieldSpec::text("referral_detail", "Referred by (which)")
            .hint("Which spot, police station, group or organisation")
            .max_chars(120),
    );
    match mode {
        Mode::Intake => {
            s.push(
                FieldSpec::multi_choice(
                    "concerns_cpc",
                    "Concerns (CPC)",
                    labels(Concern::for_programme(Programme::Cpc), Concern::label),
                )
                .hint("Space ticks; for a CPC child only"),
            );
            s.push(
                FieldSpec::multi_choice(
                    "concerns_wd",
                    "Concerns (women)",
                    labels(
                        Concern::for_programme(Programme::WomensDesk),
                        Concern::label,
                    ),
                )
                .hint("Space ticks; for the women's desk only"),
            );
        }
        Mode::Edit(p) => s.push(
            FieldSpec::multi_choice(
                "concerns",
                "Concerns",
                labels(Concern::for_programme(p), Concern::label),
            )
            .required(),
        ),
    }
    s.push(
        FieldSpec::text("consent_by", "Consent given by")
            .hint("The person, or a parent or guardian")
            .max_chars(120),
    );
    s.push(FieldSpec::date("consent_date", "Consent date"));
    s.push(FieldSpec::yes_no("consent_services", "Consent to services"));
    s.push(
        FieldSpec::yes_no("consent_sharing", "Consent to share data")
            .hint("De-identified data only"),
    );
    s.push(
        FieldSpec::choice(
            "risk",
            "Risk level",
            labels(RiskLevel::ALL, RiskLevel::label),
        )
        .required(),
    );
    s.push(FieldSpec::multi_line("risk_reason", "Risk reason", 2));
    s.push(FieldSpec::choice(
        "worker_id",
        "Assigned worker",
        workers.iter().map(|w| w.name.clone()).collect::<Vec<_>>(),
    ));
    if mode != Mode::Edit(Programme::WomensDesk) {
        s.push(
            FieldSpec::choice(
                "centre",
                "Centre (CPC only)",
                labels(&CPC_CENTRES, Centre::label),
            )
            .hint("Where the child is served"),
        );
    }
    s.push(FieldSpec::date("registered_on", "Intake date").required());
    s
}

fn pos<T: PartialEq>(all: &[T], v: &T) -> Option<usize> {
    all.iter().position(|x| x == v)
}

/// The values a form starts with: a person's stored profile, or for intake
/// the defaults (CPC, today, the worker typing it).
pub fn values_of(p: &NewPerson, mode: Mode, workers: &[Worker]) -> Vec<(&'static str, Value)> {
    let mut v = vec![
        (
            "programme",
            Value::Choice(pos(Programme::ALL, &p.programme)),
        ),
        ("name", Value::text(p.name.clone())),
        ("father_name", Value::text(p.father_name.clone())),
        ("alias", Value::text(p.alias.clone())),
        ("sex", Value::Choice(pos(Sex::ALL, &p.sex))),
        ("birth_date", Value::Date(p.birth_date)),
        ("age_estimated", Value::Bool(Some(p.age_estimated))),
        ("cnic", Value::text(p.cnic.clone())),
        ("phone", Value::text(p.phone.clone())),
        ("area", Value::text(p.area.clone())),
        ("address", Value::text(p.address.clone())),
        ("guardian_name", Value::text(p.guardian_name.clone())),
        (
            "guardian_relation",
            Value::text(p.guardian_relation.clone()),
        ),
        ("school_status", Value::text(p.school_status.clone())),
        ("work_status", Value::text(p.work_status.clone())),
        (
            "referral_source",
            Value::Choice(pos(ReferralSource::ALL, &p.referral_source)),
        ),
        ("referral_detail", Value::text(p.referral_detail.clone())),
        ("consent_by", Value::text(p.consent_by.clone())),
        ("consent_date", Value::Date(p.consent_date)),
        ("consent_services", Value::Bool(Some(p.consent_services))),
        ("consent_sharing", Value::Bool(Some(p.consent_sharing))),
        ("risk", Value::Choice(pos(RiskLevel::ALL, &p.risk))),
        ("risk_reason", Value::text(p.risk_reason.clone())),
        (
            "worker_id",
            Value::Choice(
                p.worker_id
                    .and_then(|id| workers.iter().position(|w| w.id == id)),
            ),
        ),
        ("centre", Value::Choice(pos(&CPC_CENTRES, &p.centre))),
        ("registered_on", Value::Date(Some(p.registered_on))),
    ];
    let ticks = |prog: Programme| {
        Value::Multi(
            Concern::for_programme(prog)
                .iter()
                .enumerate()
                .filter(|(_, c)| p.concerns.contains(c))
                .map(|(i, _)| i)
                .collect(),
        )
    };
    match mode {
        Mode::Intake => {
            v.push(("concerns_cpc", ticks(Programme::Cpc)));
            v.push(("concerns_wd", ticks(Programme::WomensDesk)));
        }
        Mode::Edit(prog) => v.push(("concerns", ticks(prog))),
    }
    v
}

/// An empty intake: CPC, today, assigned to `me` when `me` takes cases.
pub fn blank(today: NaiveDate, me: Option<i64>) -> NewPerson {
    NewPerson {
        programme: Programme::Cpc,
        name: String::new(),
        father_name: String::new(),
        alias: String::new(),
        sex: Sex::Male,
        birth_date: None,
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
        concerns: Vec::new(),
        consent_by: String::new(),
        consent_date: None,
        consent_services: false,
        consent_sharing: false,
        risk: RiskLevel::Medium,
        risk_reason: String::new(),
        worker_id: me,
        centre: Centre::Cpc,
        registered_on: today,
    }
}

/// A problem the form found before the domain rules ran, by form key.
pub type KeyError = (&'static str, String);

/// Build the person from the form. `base` supplies what the form does not
/// show (the programme when editing). Problems only the screen can see
/// (both a date of birth and an age) come back by form key.
pub fn read(
    v: &FormValues,
    mode: Mode,
    base: &NewPerson,
    workers: &[Worker],
) -> (NewPerson, Vec<KeyError>) {
    let mut errors = Vec::new();
    let choice = |key: &str| v.choice(key);
    let programme = match mode {
        Mode::Intake => choice("programme")
            .and_then(|i| Programme::ALL.get(i).copied())
            .unwrap_or(base.programme),
        Mode::Edit(p) => p,
    };
    let registered_on = v.date("registered_on").unwrap_or(base.registered_on);
    let age = v.number("age").and_then(|a| u32::try_from(a).ok());
    let (birth_date, age_estimated) = match (mode, v.date("birth_date"), age) {
        (Mode::Intake, Some(_), Some(_)) => {
            errors.push((
                "age",
                "Give the date of birth or an estimated age, not both".to_string(),
            ));
            (v.date("birth_date"), false)
        }
        (_, _, Some(a)) => (Some(estimated_birth_date(a, registered_on)), true),
        (Mode::Intake, d, None) => (d, false),
        (Mode::Edit(_), d, None) => (d, v.yes_no("age_estimated").unwrap_or(false)),
    };
    let concerns: Vec<Concern> = match mode {
        Mode::Intake => {
            let mut c: Vec<Concern> = Vec::new();
            for (key, prog) in [
                ("concerns_cpc", Programme::Cpc),
                ("concerns_wd", Programme::WomensDesk),
            ] {
                let list = Concern::for_programme(prog);
                c.extend(v.multi(key).iter().filter_map(|&i| list.get(i).copied()));
            }
            c
        }
        Mode::Edit(p) => {
            let list = Concern::for_programme(p);
            v.multi("concerns")
                .iter()
                .filter_map(|&i| list.get(i).copied())
                .collect()
        }
    };
    let centre = if programme == Programme::WomensDesk {
        Centre::Desk
    } else {
        choice("centre")
            .and_then(|i| CPC_CENTRES.get(i).copied())
            .unwrap_or(Centre::Cpc)
    };
    let p = NewPerson {
        programme,
        name: v.text("name").to_string(),
        father_name: v.text("father_name").to_string(),
        alias: v.text("alias").to_string(),
        sex: choice("sex")
            .and_then(|i| Sex::ALL.get(i).copied())
            .unwrap_or(base.sex),
        birth_date,
        age_estimated,
        cnic: v.text("cnic").to_string(),
        phone: v.text("phone").to_string(),
        area: v.text("area").to_string(),
        address: v.text("address").to_string(),
        guardian_name: v.text("guardian_name").to_string(),
        guardian_relation: v.text("guardian_relation").to_string(),
        school_status: v.text("school_status").to_string(),
        work_status: v.text("work_status").to_string(),
        referral_source: choice("referral_source")
            .and_then(|i| ReferralSource::ALL.get(i).copied())
            .unwrap_or(base.referral_source),
        referral_detail: v.text("referral_detail").to_string(),
        concerns,
        consent_by: v.text("consent_by").to_string(),
        consent_date: v.date("consent_date"),
        consent_services: v.yes_no("consent_services").unwrap_or(false),
        consent_sharing: v.yes_no("consent_sharing").unwrap_or(false),
        risk: choice("risk")
            .and_then(|i| RiskLevel::ALL.get(i).copied())
            .unwrap_or(base.risk),
        risk_reason: v.text("risk_reason").to_string(),
        worker_id: choice("worker_id").and_then(|i| workers.get(i).map(|w| w.id)),
        centre,
        registered_on,
    };
    (p, errors)
}

/// The form key a rule's message belongs beside.
pub fn key_for(e: &FieldError, p: &NewPerson, mode: Mode, age_typed: bool) -> &'static str {
    match (e.field, mode) {
        ("birth_date", _) if age_typed => "age",
        ("concerns", Mode::Edit(_)) => "concerns",
        ("concerns", Mode::Intake) => {
            // "Not a concern of the CPC" belongs beside the other list.
            let wrong = e.message.contains("is not a concern");
            match (p.programme, wrong) {
                (Programme::Cpc, false) | (Programme::WomensDesk, true) => "concerns_cpc",
                _ => "concerns_wd",
            }
        }
        (f, _) => f,
    }
}

/// A person's age as shown: "12", "~12" when estimated, "" when unknown.
pub fn age_text(birth: Option<NaiveDate>, estimated: bool, today: NaiveDate) -> String {
    match birth.and_then(|b| age_on(b, today)) {
        Some(a) if estimated => format!("{a} (est.)"),
        Some(a) => a.to_string(),
        None => String::new(),
    }
}
