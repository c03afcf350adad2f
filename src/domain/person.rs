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
/// A person's record id (never shown as their identity: case numbers are).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PersonId(pub i64);

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

/// Characters that reorder text on screen (bidi embeddings, overrides and
/// isolates). Urdu needs none of them (the terminal lays out right-to-left
/// text by itself) and they can make a name display as something else.
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Plain-text rules every stored text field passes: required, length,
/// no control characters (escape sequences start with one), no
/// direction-changing characters. Names also refuse line breaks.
fn check_text(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    label: &str,
    value: &str,
    required: bool,
    max: usize,
) {
    check_text_with(errors, field, label, value, required, max, true);
}

fn check_text_with(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    label: &str,
    value: &str,
    required: bool,
    max: usize,
    multi_line: bool,
) {
    if required && value.trim().is_empty() {
        errors.push(FieldError::new(field, format!("{label} is required")));
        return;
    }
    let n = value.chars().count();
    if n > max {
        errors.push(FieldError::new(
            field,
            format!("{label} is too long ({n} characters; at most {max})"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(multi_line && c == '\n'))
    {
        errors.push(FieldError::new(
            field,
            if multi_line {
                format!("{label} contains control characters (such as escape codes); type it again")
            } else {
                format!(
                    "{label} contains control characters or line breaks (such as escape codes); type it again"
                )
            },
        ));
    }
    if value.chars().any(is_bidi_control) {
        errors.push(FieldError::new(
            field,
            format!(
                "{label} contains hidden characters that change the direction of text; type it again without them"
            ),
        ));
    }
}

/// A person's name: one line, not too long, and holding at least a letter.
fn check_name(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    label: &str,
    value: &str,
    required: bool,
) {
    let before = errors.len();
    check_text_with(errors, field, label, value, required, MAX_NAME_CHARS, false);
    if errors.len() == before && !value.trim().is_empty() && !value.chars().any(char::is_alphabetic)
    {
        errors.push(FieldError::new(
            field,
            format!("{label} must contain letters"),
        ));
    }
}

/// The earliest intake date accepted: older dates are typing mistakes.
pub fn earliest_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default()
}

/// Read a date as people type it: `2026-03-14`, `14/03/2026` or
/// `14-03-2026`. Dates that do not exist (31/02) get their own message.
pub fn parse_date(field: &'static str, label: &str, text: &str) -> Result<NaiveDate, FieldError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(FieldError::new(field, format!("{label} is required")));
    }
    let mut impossible = false;
    for fmt in ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"] {
        match NaiveDate::parse_from_str(text, fmt) {
            Ok(d) => return Ok(d),
            Err(e)
                if matches!(
                    e.kind(),
                    chrono::format::ParseErrorKind::OutOfRange
                        | chrono::format::ParseErrorKind::Impossible
                ) =>
            {
                impossible = true
            }
            Err(_) => {}
        }
    }
    // "no such date" only for a full day, month and year that fail.
    let parts: Vec<&str> = text.split(['-', '/', '.']).collect();
    impossible &= parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    Err(FieldError::new(
        field,
        if impossible {
            format!("{label}: there is no such date; check the day and month")
        } else {
            format!("{label}: write the date as YYYY-MM-DD or DD/MM/YYYY")
        },
    ))
}

/// Check free text typed into a casework form (notes, purposes, goals).
pub fn check_note(
    errors: &mut Vec<FieldError>,
    field: &'static str,
    label: &str,
    value: &str,
    required: bool,
) {
    check_text(errors, field, label, value, required, MAX_TEXT_CHARS);
}

impl NewPerson {
    /// Every rule an intake must pass, checked together so the form can show
    /// all problems at once. `today` is passed in so tests are repeatable.
    pub fn validate(&self, today: NaiveDate) -> Vec<FieldError> {
        let mut e = Vec::new();
        check_name(&mut e, "name", "Name", &self.name, true);
        check_name(
            &mut e,
            "father_name",
            "Father's or husband's name",
            &self.father_name,
            false,
        );
        check_name(&mut e, "alias", "Alias", &self.alias, false);
        check_name(
            &mut e,
            "guardian_name",
            "Guardian",
            &self.guardian_name,
            false,
        );
        for (field, label, value) in [
            ("phone", "Phone", &self.phone),
            ("area", "Area", &self.area),
            ("guardian_relation", "Relation", &self.guardian_relation),
            ("school_status", "School status", &self.school_status),
            ("work_status", "Work status", &self.work_status),
            ("referral_detail", "Referred by", &self.referral_detail),
            ("consent_by", "Consent given by", &self.consent_by),
        ] {
            check_text_with(&mut e, field, label, value, false, MAX_NAME_CHARS, false);
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
        } else if self.registered_on < earliest_date() {
            e.push(FieldError::new(
                "registered_on",
                "Intake date is before 2000; check the year",
            ));
        }
        match self.birth_date {
            Some(b) if b > today => e.push(FieldError::new(
                "birth_date",
                "Date of birth is in the future",
            )),
            Some(b) if b > self.registered_on => e.push(FieldError::new(
                "birth_date",
                "Date of birth is after the intake date",
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
            } else if self
                .birth_date
                .is_some_and(|b| c < b && b <= self.registered_on)
            {
                e.push(FieldError::new(
                    "consent_date",
                    "Consent date is before the date of birth",
                ));
            }
        }
        if (self.consent_services || self.consent_sharing) && self.consent_by.trim().is_empty() {
            e.push(FieldError::new(
                "consent_by",
                "Say who gave consent (the person, or a parent or guardian)",
            ));
        }
        if (self.consent_services || self.consent_sharing) && self.consent_date.is_none() {
            e.push(FieldError::new(
                "consent_date",
                "Give the date consent was given",
            ));
        }
        if self.concerns.is_empty() {
            e.push(FieldError::new("concerns", "Choose at least one concern"));
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
        let mut seen = std::collections::HashSet::new();
        if self.concerns.iter().any(|c| !seen.insert(*c)) {
            e.push(FieldError::new("concerns", "A concern is chosen twice"));
        }
        e
    }
}

/// A birth date for an estimated age: exactly `age` years before `on`, so
/// the age shown grows with time; the record keeps the "estimated" flag.
pub fn estimated_birth_date(age: u32, on: NaiveDate) -> NaiveDate {
    // Saturating: an absurd age (a hostile import, a typo) must not
    // overflow; it gives no earlier date and the age rules refuse it.
    on.checked_sub_months(chrono::Months::new(age.saturating_mul(12)))
        .unwrap_or(on)
}

/// A person's file as stored: the profile plus what the office keeps about
/// the record itself. `version` goes with every save (see
/// `store::persons::update_person`).
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    pub id: i64,
    pub case_number: String,
    pub version: i64,
    pub status: CaseStatus,
    pub closure_reason: Option<ClosureReason>,
    pub created_at: String,
    pub updated_at: String,
    /// The editable profile; pass an edited copy to `update_person`.
    pub profile: NewPerson,
}

/// The words shown for a profile field, for history and conflict messages.
pub fn field_label(field: &str) -> &'static str {
    match field {
        "programme" => "programme",
        "name" => "name",
        "father_name" => "father's or husband's name",
        "alias" => "alias",
        "sex" => "sex",
        "birth_date" => "date of birth",
        "age_estimated" => "age estimated",
        "cnic" => "CNIC / B-form",
        "phone" => "phone",
        "area" => "area",
        "address" => "address",
        "guardian_name" => "guardian",
        "guardian_relation" => "guardian's relation",
        "school_status" => "school status",
        "work_status" => "work status",
        "referral_source" => "referral source",
        "referral_detail" => "referred by",
        "concerns" => "concerns",
        "consent_by" => "consent given by",
        "consent_date" => "consent date",
        "consent_services" => "consent to services",
        "consent_sharing" => "consent to sharing data",
        "risk" => "risk level",
        "risk_reason" => "risk reason",
        "worker_id" => "assigned worker",
        "centre" => "centre",
        "registered_on" => "intake date",
        _ => "other",
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

impl NewPerson {
    /// Every profile field as the text kept in the history, in form order.
    /// `None` is an empty optional value.
    pub fn field_values(&self) -> Vec<(&'static str, Option<String>)> {
        let text = |s: &str| Some(s.to_string());
        let mut concerns: Vec<&str> = self.concerns.iter().map(|c| c.code()).collect();
        concerns.sort_unstable();
        vec![
            ("programme", text(self.programme.code())),
            ("name", text(&self.name)),
            ("father_name", text(&self.father_name)),
            ("alias", text(&self.alias)),
            ("sex", text(self.sex.code())),
            ("birth_date", self.birth_date.map(|d| d.to_string())),
            ("age_estimated", Some(yes_no(self.age_estimated))),
            ("cnic", text(&self.cnic)),
            ("phone", text(&self.phone)),
            ("area", text(&self.area)),
            ("address", text(&self.address)),
            ("guardian_name", text(&self.guardian_name)),
            ("guardian_relation", text(&self.guardian_relation)),
            ("school_status", text(&self.school_status)),
            ("work_status", text(&self.work_status)),
            ("referral_source", text(self.referral_source.code())),
            ("referral_detail", text(&self.referral_detail)),
            ("concerns", Some(concerns.join(","))),
            ("consent_by", text(&self.consent_by)),
            ("consent_date", self.consent_date.map(|d| d.to_string())),
            ("consent_services", Some(yes_no(self.consent_services))),
            ("consent_sharing", Some(yes_no(self.consent_sharing))),
            ("risk", text(self.risk.code())),
            ("risk_reason", text(&self.risk_reason)),
            ("worker_id", self.worker_id.map(|w| w.to_string())),
            ("centre", text(self.centre.code())),
            ("registered_on", Some(self.registered_on.to_string())),
        ]
    }
}
