//! The audit screen's filter: the form (person, user, dates, action), the
//! filter as typed (so the form reopens with it) and turning a submitted
//! form into an `AuditFilter`.

use super::AuditScreen;
use crate::Result;
use crate::office::audit::AuditFilter;
use crate::ui::screen::ScreenCtx;
use crate::ui::widgets::form::{FieldKey, FieldSpec, Form, FormValues, Value};
use crate::ui::widgets::table::TableState;

/// The filter form's fields.
pub(super) mod key {
    use crate::ui::widgets::form::FieldKey;

    pub const PERSON: FieldKey = FieldKey::new("person");
    pub const USER: FieldKey = FieldKey::new("user");
    pub const FROM: FieldKey = FieldKey::new("from");
    pub const TO: FieldKey = FieldKey::new("to");
    pub const ACTION: FieldKey = FieldKey::new("action");
}

/// The filter as typed, kept so the form reopens with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Typed {
    person: String,
    user: String,
    from: Option<chrono::NaiveDate>,
    to: Option<chrono::NaiveDate>,
    action: String,
}

impl Typed {
    pub(super) fn is_empty(&self) -> bool {
        *self == Typed::default()
    }

    pub(super) fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.person.is_empty() {
            parts.push(format!("person {}", self.person));
        }
        if !self.user.is_empty() {
            parts.push(format!("user {}", self.user));
        }
        match (self.from, self.to) {
            (Some(f), Some(t)) => parts.push(format!("{f} to {t}")),
            (Some(f), None) => parts.push(format!("from {f}")),
            (None, Some(t)) => parts.push(format!("to {t}")),
            (None, None) => {}
        }
        if !self.action.is_empty() {
            parts.push(format!("action {}", self.action));
        }
        parts.join(" · ")
    }
}

impl AuditScreen {
    pub(super) fn filter_form(&self) -> Form {
        let mut form = Form::new(
            "Filter the audit trail",
            vec![
                FieldSpec::text(key::PERSON, "Person")
                    .hint("A case number (CPC-2026-0042) or a person's id; empty for all."),
                FieldSpec::text(key::USER, "User").hint("An account name; empty for all."),
                FieldSpec::date(key::FROM, "From"),
                FieldSpec::date(key::TO, "To"),
                FieldSpec::text(key::ACTION, "Action")
                    .hint("e.g. login, person.view, counselling.read; empty for all."),
            ],
        )
        .with_theme(&self.theme)
        .with_today(self.today);
        form.set_value(key::PERSON, Value::text(self.typed.person.clone()));
        form.set_value(key::USER, Value::text(self.typed.user.clone()));
        form.set_value(key::FROM, Value::Date(self.typed.from));
        form.set_value(key::TO, Value::Date(self.typed.to));
        form.set_value(key::ACTION, Value::text(self.typed.action.clone()));
        form.mark_clean();
        form
    }

    /// Turn the submitted form into a filter; errors go on their field.
    pub(super) fn apply(&mut self, v: &FormValues, ctx: &ScreenCtx<'_>) -> Result<bool> {
        let set_err = |form: &mut Option<Form>, key: FieldKey, msg: &str| {
            if let Some(f) = form {
                f.set_error(key, msg);
            }
        };
        let person_text = v.text(key::PERSON).to_string();
        let person = if person_text.is_empty() {
            None
        } else if let Ok(id) = person_text.parse::<i64>() {
            Some(id)
        } else {
            match ctx.session.find_case_number(&person_text)? {
                Some(id) => Some(id.0),
                None => {
                    set_err(
                        &mut self.form,
                        key::PERSON,
                        "No person has this case number. Write it like CPC-2026-0042, or give the id.",
                    );
                    return Ok(false);
                }
            }
        };
        let (from, to) = (v.date(key::FROM), v.date(key::TO));
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            set_err(&mut self.form, key::TO, "This is before the From date.");
            return Ok(false);
        }
        let user = v.text(key::USER).to_string();
        let action = v.text(key::ACTION).to_lowercase();
        self.typed = Typed {
            person: person_text.to_uppercase(),
            user: user.clone(),
            from,
            to,
            action: action.clone(),
        };
        self.filter = AuditFilter {
            person,
            user: (!user.is_empty()).then_some(user),
            from,
            to,
            action: (!action.is_empty()).then_some(action),
            ..AuditFilter::default()
        };
        self.state = TableState::new();
        Ok(true)
    }
}
