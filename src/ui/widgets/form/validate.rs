//! Checking what was typed: each field's own rules, then the screen's
//! extra [`Check`](super::Check), turning raw text into a typed [`Value`].

use chrono::{Days, NaiveDate};

use super::Form;
use super::spec::FieldKind;
use super::state::{FormOutcome, FormValues, Value};
use crate::ui::dates::{self, DateTypo};

/// What to write instead, in the office's date order.
fn date_help(typo: DateTypo) -> String {
    match typo {
        DateTypo::NoSuchDate => format!(
            "There is no such date; check the day and month (write it like {}).",
            dates::hint()
        ),
        DateTypo::NotADate => format!(
            "Write the date like {}, or type today or yesterday.",
            dates::hint()
        ),
    }
}

impl Form {
    pub(super) fn check_field(&mut self, i: usize) -> Option<Value> {
        match self.validate(i) {
            Ok(v) => {
                self.fields[i].error = None;
                // Show a date the way it was understood ("today" → the date).
                if let (FieldKind::Date { .. }, Value::Date(Some(d))) = (&self.specs[i].kind, &v) {
                    self.fields[i].input.set_text(dates::show(*d));
                }
                Some(v)
            }
            Err(e) => {
                self.fields[i].error = Some(e);
                None
            }
        }
    }

    /// Checks every field; on the first problem moves there and keeps
    /// everything typed.
    pub fn submit(&mut self) -> FormOutcome {
        let mut values = Vec::with_capacity(self.specs.len());
        let mut first_bad = None;
        for i in 0..self.specs.len() {
            match self.check_field(i) {
                Some(v) => values.push((self.specs[i].key, v)),
                None => {
                    first_bad.get_or_insert(i);
                }
            }
        }
        match first_bad {
            Some(i) => {
                self.focus = i;
                FormOutcome::Pending
            }
            None => FormOutcome::Submitted(FormValues { values }),
        }
    }

    fn validate(&self, i: usize) -> Result<Value, String> {
        let spec = &self.specs[i];
        let f = &self.fields[i];
        let raw = f.input.text().trim();
        let missing = |empty: bool, msg: &str| {
            if empty && spec.required {
                Err(msg.to_string())
            } else {
                Ok(())
            }
        };
        let value = match &spec.kind {
            FieldKind::Text { .. } => {
                missing(raw.is_empty(), "Please fill this in.")?;
                Value::text(raw)
            }
            FieldKind::MultiLine { .. } => {
                missing(raw.is_empty(), "Please fill this in.")?;
                Value::text(f.input.text().trim_end())
            }
            FieldKind::Date { allow_future } => {
                missing(raw.is_empty(), "Please give a date.")?;
                if raw.is_empty() {
                    Value::Date(None)
                } else {
                    let d = read_date(raw, self.today()).map_err(date_help)?;
                    if !allow_future && d > self.today() {
                        return Err("This date is in the future.".into());
                    }
                    Value::Date(Some(d))
                }
            }
            FieldKind::Number { min, max } => {
                missing(raw.is_empty(), "Please give a number.")?;
                if raw.is_empty() {
                    Value::Number(None)
                } else {
                    let n: i64 = raw
                        .parse()
                        .map_err(|_| "Write a whole number, like 12.".to_string())?;
                    match (min, max) {
                        (Some(lo), Some(hi)) if n < *lo || n > *hi => {
                            return Err(format!("Must be from {lo} to {hi}."));
                        }
                        (Some(lo), _) if n < *lo => return Err(format!("Must be at least {lo}.")),
                        (_, Some(hi)) if n > *hi => return Err(format!("Must be at most {hi}.")),
                        _ => {}
                    }
                    Value::Number(Some(n))
                }
            }
            FieldKind::YesNo => {
                missing(f.choice.is_none(), "Choose yes or no.")?;
                Value::Bool(f.choice.map(|c| c == 0))
            }
            FieldKind::Choice { .. } => {
                missing(f.choice.is_none(), "Choose one.")?;
                Value::Choice(f.choice)
            }
            FieldKind::MultiChoice { .. } => {
                let ticked: Vec<usize> = (0..f.ticks.len()).filter(|&j| f.ticks[j]).collect();
                missing(ticked.is_empty(), "Tick at least one.")?;
                Value::Multi(ticked)
            }
        };
        if let Some(check) = spec.check {
            check(&value)?;
        }
        Ok(value)
    }
}

/// Understands "today", "yesterday" and dates in the office's order
/// (year first always).
pub fn parse_date(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    read_date(s, today).ok()
}

fn read_date(s: &str, today: NaiveDate) -> Result<NaiveDate, DateTypo> {
    let s = s.trim();
    match s.to_lowercase().as_str() {
        "today" => return Ok(today),
        "yesterday" => {
            return today
                .checked_sub_days(Days::new(1))
                .ok_or(DateTypo::NotADate);
        }
        _ => {}
    }
    dates::parse(s)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{act, day, intake_form, key, typ};
    use super::super::{FieldKey, FieldSpec};
    use super::*;
    use crate::ui::action::Action;
    use zeroize::Zeroizing;

    #[test]
    fn dates_in_the_office_spellings() {
        let today = day(2026, 11, 23);
        assert_eq!(parse_date("2026-11-23", today), Some(today));
        assert_eq!(parse_date("23/11/2026", today), Some(today));
        assert_eq!(parse_date(" Today ", today), Some(today));
        assert_eq!(parse_date("yesterday", today), Some(day(2026, 11, 22)));
        assert_eq!(parse_date("31/02/2026", today), None);
        assert_eq!(parse_date("11/23/2026", today), None);
    }

    #[test]
    fn a_month_first_office_reads_and_shows_month_first() {
        let mut form = intake_form();
        crate::ui::dates::set_order(crate::ui::dates::DateOrder::Mdy);
        act(&mut form, Action::NextField);
        act(&mut form, Action::NextField);
        typ(&mut form, "11/02/2026");
        act(&mut form, Action::NextField);
        crate::ui::dates::set_order(crate::ui::dates::DateOrder::Dmy);
        assert_eq!(form.fields[2].input.text(), "11/02/2026");
        assert_eq!(form.error(key::INTAKE), None);
        let mut form = intake_form();
        crate::ui::dates::set_order(crate::ui::dates::DateOrder::Mdy);
        act(&mut form, Action::NextField);
        act(&mut form, Action::NextField);
        typ(&mut form, "23/11/2026");
        act(&mut form, Action::NextField);
        crate::ui::dates::set_order(crate::ui::dates::DateOrder::Dmy);
        assert!(
            form.error(key::INTAKE)
                .is_some_and(|e| e.contains("11/23/2026")),
            "{:?}",
            form.error(key::INTAKE)
        );
    }

    #[test]
    fn submit_reports_every_problem_and_keeps_input() {
        let mut form = intake_form();
        typ(&mut form, "Ali");
        act(&mut form, Action::NextField);
        act(&mut form, Action::NextField);
        typ(&mut form, "32/13/2026");
        act(&mut form, Action::NextField);
        typ(&mut form, "40");
        assert_eq!(act(&mut form, Action::Save), FormOutcome::Pending);
        assert_eq!(
            form.focused_key(),
            Some(key::INTAKE),
            "first bad field gets focus"
        );
        assert!(
            form.error(key::INTAKE)
                .is_some_and(|e| e.contains("23/11/2026"))
        );
        assert_eq!(form.error(key::AGE), Some("Must be from 0 to 25."));
        assert_eq!(form.error(key::CONSENT), Some("Choose yes or no."));
        assert_eq!(form.error(key::RISK), Some("Choose one."));
        assert_eq!(form.error(key::NAME), None);
        assert_eq!(form.fields[2].input.text(), "32/13/2026", "typed text kept");
    }

    #[test]
    fn a_valid_form_submits_typed_values() {
        let mut form = intake_form();
        typ(&mut form, "  علی خان ");
        act(&mut form, Action::NextField);
        act(&mut form, Action::NextField);
        typ(&mut form, "yesterday");
        act(&mut form, Action::NextField);
        assert_eq!(
            form.fields[2].input.text(),
            "22/11/2026",
            "shown as understood"
        );
        typ(&mut form, "12");
        act(&mut form, Action::NextField);
        typ(&mut form, "y");
        act(&mut form, Action::NextField);
        act(&mut form, Action::Down);
        act(&mut form, Action::Confirm); // picks Medium, moves on
        typ(&mut form, " ");
        act(&mut form, Action::Down);
        act(&mut form, Action::Down);
        typ(&mut form, " ");
        act(&mut form, Action::NextField);
        typ(&mut form, "line one");
        act(&mut form, Action::Confirm);
        typ(&mut form, "line two");
        let FormOutcome::Submitted(v) = act(&mut form, Action::Save) else {
            panic!(
                "should submit: {:?}",
                form.fields.iter().map(|f| &f.error).collect::<Vec<_>>()
            );
        };
        assert_eq!(v.text(key::NAME), "علی خان");
        assert_eq!(v.date(key::INTAKE), Some(day(2026, 11, 22)));
        assert_eq!(v.number(key::AGE), Some(12));
        assert_eq!(v.yes_no(key::CONSENT), Some(true));
        assert_eq!(v.choice(key::RISK), Some(1));
        assert_eq!(v.multi(key::CONCERN), &[0, 2]);
        assert_eq!(v.text(key::NOTES), "line one\nline two");
        // Typed text comes back in buffers wiped on drop.
        let Some(Value::Text(notes)) = v.get(key::NOTES) else {
            panic!("notes is text");
        };
        let _: &Zeroizing<String> = notes;
        assert!(!format!("{v:?}").contains("line one"), "Debug hides text");
    }

    #[test]
    fn future_dates_need_permission() {
        const DOB: FieldKey = FieldKey::new("dob");
        const DUE: FieldKey = FieldKey::new("due");
        let mut form = Form::new(
            "f",
            vec![
                FieldSpec::date(DOB, "Born"),
                FieldSpec::date(DUE, "Due").allow_future(),
            ],
        )
        .with_today(day(2026, 11, 23));
        typ(&mut form, "2027-01-01");
        act(&mut form, Action::NextField);
        typ(&mut form, "2027-01-01");
        act(&mut form, Action::Save);
        assert_eq!(form.error(DOB), Some("This date is in the future."));
        assert_eq!(form.error(DUE), None);
    }
}
