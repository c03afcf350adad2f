//! The values a form holds: the raw state of each field while it is being
//! edited, and the checked [`Value`]s handed back on submit.

use chrono::NaiveDate;
use zeroize::Zeroizing;

use super::spec::FieldKey;
use crate::ui::widgets::text_input::TextInput;

/// A checked value. Empty optional fields are `None` / empty. Text is
/// wiped from memory when the value is dropped (and not shown by `Debug`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(Zeroizing<String>),
    Date(Option<NaiveDate>),
    Number(Option<i64>),
    Bool(Option<bool>),
    /// Index into the field's options.
    Choice(Option<usize>),
    /// Ticked option indices, in option order.
    Multi(Vec<usize>),
}

impl Value {
    /// A text value, e.g. for [`Form::set_value`](super::Form::set_value).
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(Zeroizing::new(s.into()))
    }
}

/// All values of a submitted form, by field key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormValues {
    pub(super) values: Vec<(FieldKey, Value)>,
}

impl FormValues {
    pub fn get(&self, key: FieldKey) -> Option<&Value> {
        self.values.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
    /// Trimmed text, "" when empty or not a text field.
    pub fn text(&self, key: FieldKey) -> &str {
        match self.get(key) {
            Some(Value::Text(s)) => s.as_str(),
            _ => "",
        }
    }
    pub fn date(&self, key: FieldKey) -> Option<NaiveDate> {
        match self.get(key) {
            Some(Value::Date(d)) => *d,
            _ => None,
        }
    }
    pub fn number(&self, key: FieldKey) -> Option<i64> {
        match self.get(key) {
            Some(Value::Number(n)) => *n,
            _ => None,
        }
    }
    pub fn yes_no(&self, key: FieldKey) -> Option<bool> {
        match self.get(key) {
            Some(Value::Bool(b)) => *b,
            _ => None,
        }
    }
    pub fn choice(&self, key: FieldKey) -> Option<usize> {
        match self.get(key) {
            Some(Value::Choice(c)) => *c,
            _ => None,
        }
    }
    pub fn multi(&self, key: FieldKey) -> &[usize] {
        match self.get(key) {
            Some(Value::Multi(m)) => m,
            _ => &[],
        }
    }
}

/// What [`Form::handle`](super::Form::handle) asks the screen to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormOutcome {
    /// Keep going (the form may have changed; redraw).
    Pending,
    /// Every field is valid: save these. The form stays as it is, so a
    /// failed save can put an error on a field with
    /// [`Form::set_error`](super::Form::set_error).
    Submitted(FormValues),
    /// The user left (nothing changed, or agreed to discard).
    Cancelled,
}

/// Raw, editable state of one field. Choice-like fields keep the chosen
/// index in `choice` (yes = 0, no = 1 for yes/no).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct FieldState {
    pub(super) input: TextInput,
    pub(super) choice: Option<usize>,
    pub(super) ticks: Vec<bool>,
    /// Highlighted option while a choice field is open.
    pub(super) hover: usize,
    /// The user moved the highlight in this visit, so Enter means "this
    /// one" rather than "next field" (passing through must not pick).
    pub(super) browsed: bool,
    pub(super) error: Option<String>,
}

impl FieldState {
    /// What "changed" means for the unsaved-changes question.
    pub(super) fn content(&self) -> (&str, Option<usize>, &[bool]) {
        (self.input.text(), self.choice, &self.ticks)
    }
}
