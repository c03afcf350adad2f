//! The profile form shared by intake and a person's file: which fields it
//! has, how a person fills it, how its values become a [`NewPerson`], and
//! where each rule's message goes.
//!
//! Intake shows both programmes' concern lists (a form cannot change its
//! options while it is open) and lets `NewPerson::validate` refuse the
//! wrong ones; editing knows the programme and shows only its list.

use chrono::NaiveDate;

use crate::Result;
use crate::domain::person::{NewPerson, age_on, cnic_is_valid, estimated_birth_date};
use crate::domain::{Centre, Concern, Programme, ReferralSource, RiskLevel, Sex};
use crate::office::Session;
use crate::ui::widgets::form::{FieldKey, FieldSpec, FormValues, Value};

mod placement;

pub use placement::{key_of_field, place_errors};

/// The profile form's fields. Most carry the name of the `NewPerson`
/// field they fill; [`key_of_field`] maps the domain's names to these.
pub mod key {
    use crate::ui::widgets::form::FieldKey;

    pub const PROGRAMME: FieldKey = FieldKey::new("programme");
    pub const NAME: FieldKey = FieldKey::new("name");
    pub const FATHER_NAME: FieldKey = FieldKey::new("father_name");
    pub const ALIAS: FieldKey = FieldKey::new("alias");
    pub const SEX: FieldKey = FieldKey::new("sex");
    pub const BIRTH_DATE: FieldKey = FieldKey::new("birth_date");
    /// Typed instead of a date of birth; not stored as such.
    pub const AGE: FieldKey = FieldKey::new("age");
    pub const AGE_ESTIMATED: FieldKey = FieldKey::new("age_estimated");
    pub const CNIC: FieldKey = FieldKey::new("cnic");
    pub const PHONE: FieldKey = FieldKey::new("phone");
    pub const AREA: FieldKey = FieldKey::new("area");
    pub const ADDRESS: FieldKey = FieldKey::new("address");
    pub const GUARDIAN_NAME: FieldKey = FieldKey::new("guardian_name");
    pub const GUARDIAN_RELATION: FieldKey = FieldKey::new("guardian_relation");
    pub const SCHOOL_STATUS: FieldKey = FieldKey::new("school_status");
    pub const WORK_STATUS: FieldKey = FieldKey::new("work_status");
    pub const REFERRAL_SOURCE: FieldKey = FieldKey::new("referral_source");
    pub const REFERRAL_DETAIL: FieldKey = FieldKey::new("referral_detail");
    /// Editing: the person's programme's concerns.
    pub const CONCERNS: FieldKey = FieldKey::new("concerns");
    /// Intake shows both programmes' lists.
    pub const CONCERNS_CPC: FieldKey = FieldKey::new("concerns_cpc");
    pub const CONCERNS_WD: FieldKey = FieldKey::new("concerns_wd");
    pub const CONSENT_BY: FieldKey = FieldKey::new("consent_by");
    pub const CONSENT_DATE: FieldKey = FieldKey::new("consent_date");
    pub const CONSENT_SERVICES: FieldKey = FieldKey::new("consent_services");
    pub const CONSENT_SHARING: FieldKey = FieldKey::new("consent_sharing");
    pub const RISK: FieldKey = FieldKey::new("risk");
    pub const RISK_REASON: FieldKey = FieldKey::new("risk_reason");
    pub const WORKER: FieldKey = FieldKey::new("worker_id");
    pub const CENTRE: FieldKey = FieldKey::new("centre");
    pub const REGISTERED_ON: FieldKey = FieldKey::new("registered_on");
}

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
                key::PROGRAMME,
                "Programme",
                labels(Programme::ALL, Programme::label),
            )
            .required(),
        );
    }
    s.push(FieldSpec::text(key::NAME, "Name").required().max_chars(120));
    s.push(FieldSpec::text(key::FATHER_NAME, "Father/husband name").max_chars(120));
    s.push(FieldSpec::text(key::ALIAS, "Alias").max_chars(120));
    s.push(FieldSpec::choice(key::SEX, "Sex", labels(Sex::ALL, Sex::label)).required());
    s.push(
        FieldSpec::date(key::BIRTH_DATE, "Date of birth")
            .hint("Leave empty if only an age is known"),
    );
    let age_hint = match mode {
        Mode::Intake => "Years; kept as an estimate (give this or the date of birth)",
        Mode::Edit(_) => "Typing an age replaces the date of birth with an estimate",
    };
    s.push(FieldSpec::number(key::AGE, "Or estimated age", Some(0), Some(100)).hint(age_hint));
    if let Mode::Edit(_) = mode {
        s.push(FieldSpec::yes_no(key::AGE_ESTIMATED, "Age is estimated"));
    }
    s.push(
        FieldSpec::text(key::CNIC, "CNIC / B-form")
            .hint("12345-1234567-1, if there is one")
            .check(check_cnic)
            .max_chars(15),
    );
    s.push(FieldSpec::text(key::PHONE, "Phone").max_chars(40));
    s.push(FieldSpec::text(key::AREA, "Area of Quetta").max_chars(120));
    s.push(FieldSpec::multi_line(key::ADDRESS, "Address", 2));
    s.push(FieldSpec::text(key::GUARDIAN_NAME, "Guardian/care giver").max_chars(120));
    s.push(FieldSpec::text(key::GUARDIAN_RELATION, "Guardian's relation").max_chars(120));
    s.push(FieldSpec::text(key::SCHOOL_STATUS, "School status").max_chars(120));
    s.push(FieldSpec::text(key::WORK_STATUS, "Work status").max_chars(120));
    s.push(
        FieldSpec::choice(
            key::REFERRAL_SOURCE,
            "Referral source",
            labels(ReferralSource::ALL, ReferralSource::label),
        )
        .required(),
    );
    s.push(
        FieldSpec::text(key::REFERRAL_DETAIL, "Referred by (which)")
            .hint("Which spot, police station, group or organisation")
            .max_chars(120),
    );
    match mode {
        Mode::Intake => {
            s.push(
                FieldSpec::multi_choice(
                    key::CONCERNS_CPC,
                    "Concerns (CPC)",
                    labels(Concern::for_programme(Programme::Cpc), Concern::label),
                )
                .hint("Space ticks; for a CPC child only"),
            );
            s.push(
                FieldSpec::multi_choice(
                    key::CONCERNS_WD,
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
                key::CONCERNS,
                "Concerns",
                labels(Concern::for_programme(p), Concern::label),
            )
            .required(),
        ),
    }
    s.push(
        FieldSpec::text(key::CONSENT_BY, "Consent given by")
            .hint("The person, or a parent or guardian")
            .max_chars(120),
    );
    s.push(FieldSpec::date(key::CONSENT_DATE, "Consent date"));
    s.push(FieldSpec::yes_no(
        key::CONSENT_SERVICES,
        "Consent to services",
    ));
    s.push(
        FieldSpec::yes_no(key::CONSENT_SHARING, "Consent to share data")
            .hint("De-identified data only"),
    );
    s.push(
        FieldSpec::choice(
            key::RISK,
            "Risk level",
            labels(RiskLevel::ALL, RiskLevel::label),
        )
        .required(),
    );
    s.push(FieldSpec::multi_line(key::RISK_REASON, "Risk reason", 2));
    s.push(FieldSpec::choice(
        key::WORKER,
        "Assigned worker",
        workers.iter().map(|w| w.name.clone()).collect::<Vec<_>>(),
    ));
    if mode != Mode::Edit(Programme::WomensDesk) {
        s.push(
            FieldSpec::choice(
                key::CENTRE,
                "Centre (CPC only)",
                labels(&CPC_CENTRES, Centre::label),
            )
            .hint("Where the child is served"),
        );
    }
    s.push(FieldSpec::date(key::REGISTERED_ON, "Intake date").required());
    s
}

fn pos<T: PartialEq>(all: &[T], v: &T) -> Option<usize> {
    all.iter().position(|x| x == v)
}

/// The values a form starts with: a person's stored profile, or for intake
/// the defaults (CPC, today, the worker typing it).
pub fn values_of(p: &NewPerson, mode: Mode, workers: &[Worker]) -> Vec<(FieldKey, Value)> {
    let mut v = vec![
        (
            key::PROGRAMME,
            Value::Choice(pos(Programme::ALL, &p.programme)),
        ),
        (key::NAME, Value::text(p.name.clone())),
        (key::FATHER_NAME, Value::text(p.father_name.clone())),
        (key::ALIAS, Value::text(p.alias.clone())),
        (key::SEX, Value::Choice(pos(Sex::ALL, &p.sex))),
        (key::BIRTH_DATE, Value::Date(p.birth_date)),
        (key::AGE_ESTIMATED, Value::Bool(Some(p.age_estimated))),
        (key::CNIC, Value::text(p.cnic.clone())),
        (key::PHONE, Value::text(p.phone.clone())),
        (key::AREA, Value::text(p.area.clone())),
        (key::ADDRESS, Value::text(p.address.clone())),
        (key::GUARDIAN_NAME, Value::text(p.guardian_name.clone())),
        (
            key::GUARDIAN_RELATION,
            Value::text(p.guardian_relation.clone()),
        ),
        (key::SCHOOL_STATUS, Value::text(p.school_status.clone())),
        (key::WORK_STATUS, Value::text(p.work_status.clone())),
        (
            key::REFERRAL_SOURCE,
            Value::Choice(pos(ReferralSource::ALL, &p.referral_source)),
        ),
        (key::REFERRAL_DETAIL, Value::text(p.referral_detail.clone())),
        (key::CONSENT_BY, Value::text(p.consent_by.clone())),
        (key::CONSENT_DATE, Value::Date(p.consent_date)),
        (key::CONSENT_SERVICES, Value::Bool(Some(p.consent_services))),
        (key::CONSENT_SHARING, Value::Bool(Some(p.consent_sharing))),
        (key::RISK, Value::Choice(pos(RiskLevel::ALL, &p.risk))),
        (key::RISK_REASON, Value::text(p.risk_reason.clone())),
        (
            key::WORKER,
            Value::Choice(
                p.worker_id
                    .and_then(|id| workers.iter().position(|w| w.id == id)),
            ),
        ),
        (key::CENTRE, Value::Choice(pos(&CPC_CENTRES, &p.centre))),
        (key::REGISTERED_ON, Value::Date(Some(p.registered_on))),
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
            v.push((key::CONCERNS_CPC, ticks(Programme::Cpc)));
            v.push((key::CONCERNS_WD, ticks(Programme::WomensDesk)));
        }
        Mode::Edit(prog) => v.push((key::CONCERNS, ticks(prog))),
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

/// A problem to show beside a field of the form.
pub type KeyError = (FieldKey, String);

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
    let choice = |key: FieldKey| v.choice(key);
    let programme = match mode {
        Mode::Intake => choice(key::PROGRAMME)
            .and_then(|i| Programme::ALL.get(i).copied())
            .unwrap_or(base.programme),
        Mode::Edit(p) => p,
    };
    let registered_on = v.date(key::REGISTERED_ON).unwrap_or(base.registered_on);
    let age = v.number(key::AGE).and_then(|a| u32::try_from(a).ok());
    let (birth_date, age_estimated) = match (mode, v.date(key::BIRTH_DATE), age) {
        (Mode::Intake, Some(_), Some(_)) => {
            errors.push((
                key::AGE,
                "Give the date of birth or an estimated age, not both".to_string(),
            ));
            (v.date(key::BIRTH_DATE), false)
        }
        (_, _, Some(a)) => (Some(estimated_birth_date(a, registered_on)), true),
        (Mode::Intake, d, None) => (d, false),
        (Mode::Edit(_), d, None) => (d, v.yes_no(key::AGE_ESTIMATED).unwrap_or(false)),
    };
    let concerns: Vec<Concern> = match mode {
        Mode::Intake => {
            let mut c: Vec<Concern> = Vec::new();
            for (key, prog) in [
                (key::CONCERNS_CPC, Programme::Cpc),
                (key::CONCERNS_WD, Programme::WomensDesk),
            ] {
                let list = Concern::for_programme(prog);
                c.extend(v.multi(key).iter().filter_map(|&i| list.get(i).copied()));
            }
            c
        }
        Mode::Edit(p) => {
            let list = Concern::for_programme(p);
            v.multi(key::CONCERNS)
                .iter()
                .filter_map(|&i| list.get(i).copied())
                .collect()
        }
    };
    let centre = if programme == Programme::WomensDesk {
        Centre::Desk
    } else {
        choice(key::CENTRE)
            .and_then(|i| CPC_CENTRES.get(i).copied())
            .unwrap_or(Centre::Cpc)
    };
    let p = NewPerson {
        programme,
        name: v.text(key::NAME).to_string(),
        father_name: v.text(key::FATHER_NAME).to_string(),
        alias: v.text(key::ALIAS).to_string(),
        sex: choice(key::SEX)
            .and_then(|i| Sex::ALL.get(i).copied())
            .unwrap_or(base.sex),
        birth_date,
        age_estimated,
        cnic: v.text(key::CNIC).to_string(),
        phone: v.text(key::PHONE).to_string(),
        area: v.text(key::AREA).to_string(),
        address: v.text(key::ADDRESS).to_string(),
        guardian_name: v.text(key::GUARDIAN_NAME).to_string(),
        guardian_relation: v.text(key::GUARDIAN_RELATION).to_string(),
        school_status: v.text(key::SCHOOL_STATUS).to_string(),
        work_status: v.text(key::WORK_STATUS).to_string(),
        referral_source: choice(key::REFERRAL_SOURCE)
            .and_then(|i| ReferralSource::ALL.get(i).copied())
            .unwrap_or(base.referral_source),
        referral_detail: v.text(key::REFERRAL_DETAIL).to_string(),
        concerns,
        consent_by: v.text(key::CONSENT_BY).to_string(),
        consent_date: v.date(key::CONSENT_DATE),
        consent_services: v.yes_no(key::CONSENT_SERVICES).unwrap_or(false),
        consent_sharing: v.yes_no(key::CONSENT_SHARING).unwrap_or(false),
        risk: choice(key::RISK)
            .and_then(|i| RiskLevel::ALL.get(i).copied())
            .unwrap_or(base.risk),
        risk_reason: v.text(key::RISK_REASON).to_string(),
        worker_id: choice(key::WORKER).and_then(|i| workers.get(i).map(|w| w.id)),
        centre,
        registered_on,
    };
    (p, errors)
}

/// A person's age as shown: "12", "~12" when estimated, "" when unknown.
pub fn age_text(birth: Option<NaiveDate>, estimated: bool, today: NaiveDate) -> String {
    match birth.and_then(|b| age_on(b, today)) {
        Some(a) if estimated => format!("{a} (est.)"),
        Some(a) => a.to_string(),
        None => String::new(),
    }
}
