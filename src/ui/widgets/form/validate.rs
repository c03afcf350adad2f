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
                // Show a date the way it was understood ("today" → the date),
                // and a number without its grouping ("1,20,000" → 120000).
                match (&self.specs[i].kind, &v) {
                    (FieldKind::Date { .. }, Value::Date(Some(d))) => {
                        self.fields[i].input.set_text(dates::show(*d));
                    }
                    (FieldKind::Number { .. }, Value::Number(Some(n)))
                        if self.fields[i].input.text().trim() != n.to_string() =>
                    {
                        self.fields[i].input.set_text(n.to_string());
                    }
                    _ => {}
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
                    let n = parse_whole(raw).ok_or_else(|| {
                        format!("Write a whole number, like {}.", spec.number_example())
                    })?;
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

/// A whole number as people write it: `12000`, `-5`, or with its digits
/// grouped by commas or spaces, in thousands (`12,000`, `12 000`) or the
/// South Asian way (`1,20,000`). A separator anywhere else (`12,5`, which
/// may mean twelve and a half) is not a whole number.
pub fn parse_whole(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    let (sign, digits) = match raw.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, raw.strip_prefix('+').unwrap_or(raw)),
    };
    let groups: Vec<&str> = digits
        .split([',', ' ', '\u{a0}', '\u{202f}', '\u{2009}', '\u{66c}'])
        .collect();
    if groups
        .iter()
        .any(|g| g.is_empty() || !g.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    if let [first, middle @ .., last] = groups.as_slice() {
        let thousands = middle.iter().all(|g| g.len() == 3);
        let lakhs = middle.iter().all(|g| g.len() == 2);
        if first.len() > 3 || last.len() != 3 || !(thousands || lakhs) {
            return None;
        }
    }
    let n: i64 = groups.concat().parse().ok()?;
    n.checked_mul(sign)
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
    fn grouped_digits_are_whole_numbers() {
        for (typed, n) in [
            ("12000", 12000),
            ("12,000", 12000),
            ("12 000", 12000),
            (" 1,20,000 ", 120_000),
            ("1,234,567", 1_234_567),
            ("-5", -5),
        ] {
            assert_eq!(parse_whole(typed), Some(n), "{typed}");
        }
        for typed in [
            "12,5",
            "12,0000",
            "1,2345",
            "12.000",
            ",12",
            "12,",
            "1,23,4567",
            "twelve",
        ] {
            assert_eq!(parse_whole(typed), None, "{typed}");
        }
    }

    #[test]
    fn a_wage_of_12_000_is_taken_and_a_typo_gets_an_example_that_fits() {
        const WAGE: FieldKey = FieldKey::new("wage");
        const AGE: FieldKey = FieldKey::new("age");
        let specs = || {
            vec![
                FieldSpec::number(WAGE, "Wage, Rs a month", None, None).example(12000),
                FieldSpec::number(AGE, "Age", Some(14), Some(25)),
            ]
        };
        let mut form = Form::new("f", specs()).with_today(day(2026, 11, 23));
        typ(&mut form, "12,000");
        act(&mut form, Action::NextField);
        typ(&mut form, "16");
        let FormOutcome::Submitted(v) = act(&mut form, Action::Save) else {
            panic!("12,000 is a wage: {:?}", form.error(WAGE));
        };
        assert_eq!(v.number(WAGE), Some(12000));
        assert_eq!(form.fields[0].input.text(), "12000", "shown as understood");

        let mut form = Form::new("f", specs()).with_today(day(2026, 11, 23));
        typ(&mut form, "12,5");
        act(&mut form, Action::NextField);
        typ(&mut form, "x");
        assert_eq!(act(&mut form, Action::Save), FormOutcome::Pending);
        assert_eq!(form.error(WAGE), Some("Write a whole number, like 12000."));
        assert_eq!(form.error(AGE), Some("Write a whole number, like 14."));
        assert_eq!(form.fields[0].input.text(), "12,5", "typed text kept");
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
