//! A person on one of the registers, and the rules an intake must pass.

use chrono::NaiveDate;

use super::{
    CaseStatus, Centre, ClosureReason, Concern, Programme, ReferralSource, RiskLevel, Sex,
};

/// Longest name we accept: long enough for any real name with titles,
/// short enough that a paste accident is caught.
pub const MAX_NAME_CHARS: usize = 120;
pub const MAX_TEXT_CHARS: usize = 2_000;

/// What an intake form collects. Field names match the `persons` columns.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPerson {
    pub programme: Programme,
    pub name: String,
    pub father_name: String,
    pub alias: String,
    pub sex: Sex,
    pub birth_date: Option<NaiveDate>,
    pub age_estimated: bool,
    pub cnic: String,
    pub phone: String,
    pub area: String,
    pub address: String,
    pub guardian_name: String,
    pub guardian_relation: String,
    pub school_status: String,
    pub work_status: String,
    pub referral_source: ReferralSource,
    pub referral_detail: String,
    pub concerns: Vec<Concern>,
    pub consent_by: String,
    pub consent_date: Option<NaiveDate>,
    pub consent_services: bool,
    pub consent_sharing: bool,
    pub risk: RiskLevel,
    pub risk_reason: String,
    pub worker_id: Option<i64>,
    pub centre: Centre,
    pub registered_on: NaiveDate,
}

/// A row of the register, as lists show it.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisterRow {
    pub id: i64,
    pub case_number: String,
    pub name: String,
    pub father_name: String,
    pub sex: Sex,
    pub age: Option<u32>,
    pub age_estimated: bool,
    pub programme: Programme,
    pub status: CaseStatus,
    pub risk: RiskLevel,
    pub area: String,
    pub registered_on: NaiveDate,
    pub closure_reason: Option<ClosureReason>,
}

/// One problem with one field, in words for the person at the keyboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}

/// Whole years between `birth` and `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> Option<u32> {
    birth.years_since(on).or_else(|| on.years_since(birth))
}

/// Ages a programme serves. The CPC works with children and youth up to 20
/// (the office's reports: "age bracket of 7 to 20 years"); the women's desk
/// with women from 16 (girls in custody are seen there too).
pub fn age_range(p: Programme) -> std::ops::RangeInclusive<u32> {
    match p {
        Programme::Cpc => 4..=20,
        Programme::WomensDesk => 16..=100,
    }
}

/// `12345-1234567-1`: the CNIC / B-form layout.
pub fn cnic_is_valid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3
        && [5, 7, 1]
            .iter()
            .zip(&parts)
            .all(|(n, p)| p.len() == *n && p.bytes().all(|b| b.is_ascii_digit()))
}

fn check_text(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    label: &str,
    value: &str,
    required: bool,
    max: usize,
) {
    if required && value.trim().is_empty() {
        errors.push(FieldError::new(field, format!("{label} is required")));
    }
    if value.chars().count() > max {
        errors.push(FieldError::new(
            field,
            format!("{label} is too long (at most {max} characters)"),
        ));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        errors.push(FieldError::new(
            field,
            format!("{label} contains control characters; type it again"),
        ));
    }
}

impl NewPerson {
    /// Every rule an intake must pass, checked together so the form can show
    /// all problems at once. `today` is passed in so tests are repeatable.
    pub fn validate(&self, today: NaiveDate) -> Vec<FieldError> {
        let mut e = Vec::new();
        check_text(&mut e, "name", "Name", &self.name, true, MAX_NAME_CHARS);
        check_text(
            &mut e,
            "father_name",
            "Father's or husband's name",
            &self.father_name,
            false,
            MAX_NAME_CHARS,
        );
        check_text(&mut e, "alias", "Alias", &self.alias, false, MAX_NAME_CHARS);
        for (field, label, value) in [
            ("phone", "Phone", &self.phone),
            ("area", "Area", &self.area),
            ("guardian_name", "Guardian", &self.guardian_name),
            ("guardian_relation", "Relation", &self.guardian_relation),
            ("school_status", "School status", &self.school_status),
            ("work_status", "Work status", &self.work_status),
            ("referral_detail", "Referred by", &self.referral_detail),
            ("consent_by", "Consent given by", &self.consent_by),
        ] {
            check_text(&mut e, field, label, value, false, MAX_NAME_CHARS);
        }
        check_text(
            &mut e,
            "address",
            "Address",
            &self.address,
            false,
            MAX_TEXT_CHARS,
        );
        check_text(
            &mut e,
            "risk_reason",
            "Risk reason",
            &self.risk_reason,
            false,
            MAX_TEXT_CHARS,
        );

        if !self.cnic.is_empty() && !cnic_is_valid(&self.cnic) {
            e.push(FieldError::new(
                "cnic",
                "CNIC / B-form must look like 12345-1234567-1",
            ));
        }
        if !self.phone.is_empty()
            && !self
                .phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' '))
        {
            e.push(FieldError::new(
                "phone",
                "Phone may hold only digits, +, - and spaces",
            ));
        }
        if self.registered_on > today {
            e.push(FieldError::new(
                "registered_on",
                "Intake date is in the future",
            ));
        }
        match self.birth_date {
            Some(b) if b > today => e.push(FieldError::new(
                "birth_date",
                "Date of birth is in the future",
            )),
            Some(b) => {
                let range = age_range(self.programme);
                match age_on(b, self.registered_on.min(today)) {
                    Some(age) if range.contains(&age) => {}
                    _ => e.push(FieldError::new(
                        "birth_date",
                        format!(
                            "Age must be {} to {} for the {}",
                            range.start(),
                            range.end(),
                            self.programme.label()
                        ),
                    )),
                }
            }
            None => e.push(FieldError::new(
                "birth_date",
                "Give the date of birth or an estimated age",
            )),
        }
        if let Some(c) = self.consent_date {
            if c > today {
                e.push(FieldError::new(
                    "consent_date",
                    "Consent date is in the future",
                ));
            }
        }
        if let Some(bad) = self
            .concerns
            .iter()
            .find(|c| !Concern::for_programme(self.programme).contains(c))
        {
            e.push(FieldError::new(
                "concerns",
                format!(
                    "'{}' is not a concern of the {}",
                    bad.label(),
                    self.programme.label()
                ),
            ));
        }
        e
    }
}

/// A birth date for an estimated age: exactly `age` years before `on`, so
/// the age shown grows with time; the record keeps the "estimated" flag.
pub fn estimated_birth_date(age: u32, on: NaiveDate) -> NaiveDate {
    on.checked_sub_months(chrono::Months::new(age * 12))
        .unwrap_or(on)
}
