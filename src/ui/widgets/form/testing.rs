//! The forms and helpers the form's own tests share.

use chrono::NaiveDate;

use super::{FieldKey, FieldSpec, Form, FormOutcome};
use crate::ui::action::Action;
use crate::ui::keymap::Input;

/// The keys of [`intake_form`].
pub mod key {
    use super::FieldKey;

    pub const NAME: FieldKey = FieldKey::new("name");
    pub const FATHER: FieldKey = FieldKey::new("father");
    pub const INTAKE: FieldKey = FieldKey::new("intake");
    pub const AGE: FieldKey = FieldKey::new("age");
    pub const CONSENT: FieldKey = FieldKey::new("consent");
    pub const RISK: FieldKey = FieldKey::new("risk");
    pub const CONCERN: FieldKey = FieldKey::new("concern");
    pub const NOTES: FieldKey = FieldKey::new("notes");
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

pub fn intake_form() -> Form {
    Form::new(
        "New intake",
        vec![
            FieldSpec::text(key::NAME, "Name").required(),
            FieldSpec::text(key::FATHER, "Father's name"),
            FieldSpec::date(key::INTAKE, "Intake date").required(),
            FieldSpec::number(key::AGE, "Age", Some(0), Some(25)),
            FieldSpec::yes_no(key::CONSENT, "Consent given").required(),
            FieldSpec::choice(key::RISK, "Risk level", ["High", "Medium", "Low"]).required(),
            FieldSpec::multi_choice(
                key::CONCERN,
                "Concerns",
                ["CSEC", "CSA", "At risk", "Runaway"],
            ),
            FieldSpec::multi_line(key::NOTES, "Notes", 3).hint("Not counselling notes."),
        ],
    )
    .with_today(day(2026, 11, 23))
}

pub fn typ(form: &mut Form, s: &str) {
    for c in s.chars() {
        form.handle(Input::Text(c));
    }
}

pub fn act(form: &mut Form, a: Action) -> FormOutcome {
    form.handle(Input::Action(a))
}
