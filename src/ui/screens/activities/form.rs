//! The form that records an activity: what, when, where, who carried it
//! out, who took part (head counts by sex and age band), new children met
//! at a spot, registered people who were there, a short note.
//!
//! Saving runs the form's own checks (a date, whole numbers), then finds
//! the registered people by case number, then the domain's rules (every
//! message beside its field), then `Session::add_activity`. A refusal
//! from the office shows in a popup over the form, which keeps what was
//! typed.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;

use crate::domain::activities::{ActivityKind, MAX_PLACE_CHARS, NewActivity};
use crate::domain::reports::{AgeBand, cells};
use crate::domain::{Sex, User};
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::screen::ScreenCtx;
use crate::ui::theme::Theme;
use crate::ui::widgets::dialog::MessagePopup;
use crate::ui::widgets::form::{FieldKey, FieldSpec, Form, FormOutcome, FormValues, Value};
use crate::ui::words::sentence;
use crate::{Error, Result};

pub mod key {
    use crate::ui::widgets::form::FieldKey;

    pub const KIND: FieldKey = FieldKey::new("kind");
    pub const ON_DATE: FieldKey = FieldKey::new("on_date");
    pub const PLACE: FieldKey = FieldKey::new("place");
    pub const STAFF: FieldKey = FieldKey::new("staff");
    pub const NEW_IDENTIFIED: FieldKey = FieldKey::new("new_identified");
    pub const PERSONS: FieldKey = FieldKey::new("persons");
    pub const NOTE: FieldKey = FieldKey::new("note");
}

/// One number field per sex × age band, in the order reports show them.
/// Keys must be `'static` names, hence spelt out.
pub const COUNT_KEYS: [FieldKey; 12] = [
    FieldKey::new("female_under12"),
    FieldKey::new("female_12_17"),
    FieldKey::new("female_18"),
    FieldKey::new("female_unknown"),
    FieldKey::new("male_under12"),
    FieldKey::new("male_12_17"),
    FieldKey::new("male_18"),
    FieldKey::new("male_unknown"),
    FieldKey::new("other_under12"),
    FieldKey::new("other_12_17"),
    FieldKey::new("other_18"),
    FieldKey::new("other_unknown"),
];

/// The count fields with the cell each one is.
fn count_fields() -> impl Iterator<Item = (FieldKey, Sex, AgeBand)> {
    COUNT_KEYS
        .into_iter()
        .zip(cells())
        .map(|(k, (s, b))| (k, s, b))
}

/// The form field a domain rule's message belongs beside. Head-count
/// messages are about the counts together, so they go beside the first.
pub fn key_of(field: &str) -> FieldKey {
    match field {
        "kind" => key::KIND,
        "on_date" => key::ON_DATE,
        "place" => key::PLACE,
        "staff" => key::STAFF,
        "new_identified" => key::NEW_IDENTIFIED,
        "persons" => key::PERSONS,
        "note" => key::NOTE,
        _ => COUNT_KEYS[0],
    }
}

pub fn specs(workers: &[User]) -> Vec<FieldSpec> {
    let kinds: Vec<&str> = ActivityKind::ALL.iter().map(|k| k.label()).collect();
    let names: Vec<String> = workers.iter().map(|u| u.name.clone()).collect();
    let mut v = vec![
        FieldSpec::choice(key::KIND, "What", kinds).required(),
        FieldSpec::date(key::ON_DATE, "Date").required(),
        FieldSpec::text(key::PLACE, "Place")
            .required()
            .hint("The spot, police station, medico-legal unit, jail, school, hall, …")
            .max_chars(MAX_PLACE_CHARS),
        FieldSpec::multi_choice(key::STAFF, "Staff who went", names)
            .required()
            .hint("Space ticks; everyone who carried it out"),
    ];
    for (k, s, b) in count_fields() {
        let label = format!("{}, {}", crate::ui::words::capitalise(s.label()), b.label());
        v.push(
            FieldSpec::number(k, &label, Some(0), Some(5_000))
                .hint("How many took part (for a spot visit: the children met)"),
        );
    }
    v.extend([
        FieldSpec::number(key::NEW_IDENTIFIED, "New children (spot)", Some(0), Some(5_000))
            .hint("Spot visits: of the children met, how many for the first time"),
        FieldSpec::text(key::PERSONS, "Registered people")
            .hint("Case numbers of registered people who were there, e.g. CPC-2026-0042 CPC-2026-0050")
            .max_chars(2_000),
        FieldSpec::multi_line(key::NOTE, "Note", 3)
            .hint("What was done and what came of it. No names."),
    ]);
    v
}

/// What the screen should do after a key on the form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormResult {
    Pending,
    /// Still open; say this on the status line.
    Status(String),
    Cancelled,
    /// Saved as this activity.
    Saved {
        id: i64,
        message: String,
    },
}

pub struct ActivityForm {
    pub form: Form,
    workers: Vec<User>,
    popup: Option<MessagePopup>,
    theme: Theme,
}

impl ActivityForm {
    /// A blank form dated today, with the person at the keyboard ticked as
    /// staff.
    pub fn new(workers: Vec<User>, me: i64, ctx: &ScreenCtx<'_>) -> ActivityForm {
        let mut form = Form::new("Record an activity", specs(&workers))
            .with_theme(ctx.theme)
            .with_today(ctx.today);
        form.set_value(key::ON_DATE, Value::Date(Some(ctx.today)));
        if let Some(i) = workers.iter().position(|u| u.id == me) {
            form.set_value(key::STAFF, Value::Multi(vec![i]));
        }
        form.mark_clean();
        ActivityForm {
            form,
            workers,
            popup: None,
            theme: ctx.theme.clone(),
        }
    }

    pub fn context_stack(&self) -> &'static [Context] {
        if self.popup.is_some() {
            stacks::DIALOG
        } else {
            self.form.context_stack()
        }
    }

    pub fn is_dirty(&self) -> bool {
        self.form.is_dirty()
    }

    pub fn cursor(&self) -> Option<Position> {
        if self.popup.is_some() {
            None
        } else {
            self.form.cursor_position()
        }
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        (&self.form).render(area, buf);
        if let Some(p) = &self.popup {
            p.render(area, buf);
        }
    }

    pub fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<FormResult> {
        if let Some(popup) = &mut self.popup {
            if let Input::Action(a) = input
                && popup.handle(a)
            {
                self.popup = None;
            }
            return Ok(FormResult::Pending);
        }
        match self.form.handle(input) {
            FormOutcome::Pending => Ok(FormResult::Pending),
            FormOutcome::Cancelled => Ok(FormResult::Cancelled),
            FormOutcome::Submitted(values) => self.submit(&values, ctx),
        }
    }

    /// Put messages beside their fields, topmost last so the focus ends
    /// there; one message per field.
    fn field_errors(&mut self, mut errors: Vec<(FieldKey, String)>) -> FormResult {
        let order: Vec<FieldKey> = specs(&self.workers).iter().map(|s| s.key).collect();
        errors.sort_by_key(|(k, _)| order.iter().position(|o| o == k));
        errors.dedup_by_key(|(k, _)| *k);
        for (k, msg) in errors.iter().rev() {
            self.form.set_error(*k, msg.clone());
        }
        let n = errors.len();
        FormResult::Status(format!(
            "Not saved: {n} field{} to check.",
            if n == 1 { "" } else { "s" }
        ))
    }

    fn submit(&mut self, v: &FormValues, ctx: &mut ScreenCtx<'_>) -> Result<FormResult> {
        let mut errors: Vec<(FieldKey, String)> = Vec::new();
        let Some(kind) = v
            .choice(key::KIND)
            .and_then(|i| ActivityKind::ALL.get(i).copied())
        else {
            return Ok(self.field_errors(vec![(key::KIND, "Choose one.".into())]));
        };
        let mut persons = Vec::new();
        for case in v
            .text(key::PERSONS)
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
        {
            match ctx.session.find_case_number(case)? {
                Some(id) => persons.push(id.0),
                None => {
                    errors.push((
                        key::PERSONS,
                        "A case number is not in the register; check each one".into(),
                    ));
                    break;
                }
            }
        }
        let a = NewActivity {
            kind,
            on_date: v.date(key::ON_DATE).unwrap_or(ctx.today),
            place: v.text(key::PLACE).to_string(),
            staff: v
                .multi(key::STAFF)
                .iter()
                .filter_map(|i| self.workers.get(*i).map(|u| u.id))
                .collect(),
            participants: count_fields()
                .filter_map(|(k, s, b)| v.number(k).filter(|n| *n != 0).map(|n| (s, b, n)))
                .collect(),
            new_identified: v.number(key::NEW_IDENTIFIED).unwrap_or(0),
            persons,
            note: v.text(key::NOTE).to_string(),
        };
        errors.extend(
            a.validate(ctx.today)
                .into_iter()
                .map(|e| (key_of(e.field), e.message)),
        );
        if !errors.is_empty() {
            return Ok(self.field_errors(errors));
        }
        match ctx.session.add_activity(&a) {
            Ok(id) => Ok(FormResult::Saved {
                id,
                message: format!(
                    "Recorded: {} on {}, {} people.",
                    a.kind.label(),
                    a.on_date,
                    a.grid().total()
                ),
            }),
            Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
                self.popup =
                    Some(MessagePopup::error("Not saved", sentence(&e)).with_theme(&self.theme));
                Ok(FormResult::Pending)
            }
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// Every message the activity rules can give lands beside a field of
    /// the form.
    #[test]
    fn every_rule_lands_beside_a_field() {
        let form: Vec<FieldKey> = specs(&[]).iter().map(|s| s.key).collect();
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let bad = NewActivity {
            kind: ActivityKind::ParentsMeeting,
            on_date: d("2027-01-01"),
            place: "\u{1b}[31m".into(),
            staff: vec![],
            participants: vec![(Sex::Female, AgeBand::Adult, -1)],
            new_identified: 3,
            persons: vec![4, 4],
            note: "\u{7}".into(),
        };
        let errors = bad.validate(d("2026-11-23"));
        assert!(errors.len() >= 6);
        for e in errors {
            assert!(form.contains(&key_of(e.field)), "{} has no field", e.field);
            assert!(
                e.field == "participants" || key_of(e.field) != COUNT_KEYS[0],
                "{} fell through to the counts",
                e.field
            );
        }
    }
}
