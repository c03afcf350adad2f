//! A data-driven form: a screen lists its fields as [`FieldSpec`]s, feeds
//! key input to [`Form::handle`] and gets back [`FormOutcome::Submitted`]
//! with typed [`FormValues`] once every field is valid.
//!
//! Rules the office asked for: an error is shown under its field in plain
//! words; what was typed is never thrown away because it was wrong; Esc on
//! a changed form asks before discarding (the question is part of the
//! form, so every screen gets it for free).
//!
//! Fields are named by [`FieldKey`]s a screen declares once, so asking for
//! a field that is not there is a compile error rather than an empty
//! value:
//!
//! ```text
//! mod key {
//!     use crate::ui::widgets::form::FieldKey;
//!     pub const NAME: FieldKey = FieldKey::new("name");
//!     pub const INTAKE_DATE: FieldKey = FieldKey::new("intake_date");
//!     pub const AGE: FieldKey = FieldKey::new("age");
//!     pub const RISK: FieldKey = FieldKey::new("risk");
//! }
//! let mut form = Form::new("New intake", vec![
//!     FieldSpec::text(key::NAME, "Name").required(),
//!     FieldSpec::date(key::INTAKE_DATE, "Intake date").required(),
//!     FieldSpec::number(key::AGE, "Age", Some(0), Some(25)),
//!     FieldSpec::choice(key::RISK, "Risk level", ["High", "Medium", "Low"]).required(),
//! ]);
//! match form.handle(keymap.resolve(form.context_stack(), &key)) {
//!     FormOutcome::Submitted(v) => session.add(v.text(key::NAME), v.date(key::INTAKE_DATE), …),
//!     FormOutcome::Cancelled => close_screen(),
//!     FormOutcome::Pending => {}
//! }
//! ```
//!
//! Where things are: `spec` what a screen declares, `state` what a form
//! holds, `edit` what a key does, `validate` what counts as valid, `render`
//! how it is drawn.
//!
//! ## Typed text in memory
//!
//! Counselling notes are typed here, so what the form holds is wiped when
//! it is let go of:
//! - each field's text is a [`TextInput`], whose buffer is zeroed on drop,
//!   on replacement and before it grows (see its module comment); the
//!   "as last saved" copy kept for the unsaved-changes question is made of
//!   the same inputs;
//! - [`Value::Text`], and so every text in [`FormValues`] handed back on
//!   submit, is a `Zeroizing<String>`: dropping the values wipes them, and
//!   so does a value passed to [`Form::set_value`] once it is copied in.
//!
//! Not covered: a copy a screen makes from [`FormValues::text`] (make it
//! `Zeroizing` too, as the counselling screen does), field labels, hints
//! and error messages (a screen's own words, never typed text), and choice
//! options.
//!
//! [`TextInput`]: crate::ui::widgets::text_input::TextInput

mod edit;
mod render;
mod spec;
mod state;
#[cfg(test)]
mod testing;
mod validate;

use std::cell::Cell;

use chrono::NaiveDate;
use ratatui::layout::Position;

pub use spec::{Check, FieldKey, FieldKind, FieldSpec};
use state::FieldState;
pub use state::{FormOutcome, FormValues, Value};
pub use validate::parse_date;

use super::dialog::ConfirmDialog;
use crate::ui::keymap::{Context, stacks};
use crate::ui::theme::Theme;

pub struct Form {
    title: String,
    specs: Vec<FieldSpec>,
    fields: Vec<FieldState>,
    clean: Vec<FieldState>,
    focus: usize,
    discard: Option<ConfirmDialog>,
    today: Option<NaiveDate>,
    footer: String,
    theme: Theme,
    // Remembered from the last draw: scrolling stays put while the focus
    // is visible, and Up/Down in a note moves by the rows as drawn.
    scroll: Cell<usize>,
    note_width: Cell<u16>,
    cursor: Cell<Option<Position>>,
}

impl Form {
    pub fn new(title: impl Into<String>, specs: Vec<FieldSpec>) -> Form {
        // A second field under the same key could never be read back.
        debug_assert!(
            specs
                .iter()
                .enumerate()
                .all(|(i, s)| specs[..i].iter().all(|t| t.key != s.key)),
            "a form's field keys must differ"
        );
        let fields: Vec<FieldState> = specs
            .iter()
            .map(|s| FieldState {
                ticks: vec![false; s.options().len()],
                ..FieldState::default()
            })
            .collect();
        Form {
            title: title.into(),
            clean: fields.clone(),
            fields,
            specs,
            focus: 0,
            discard: None,
            today: None,
            footer: "Tab next field · Enter next · Ctrl-S save · Esc cancel".into(),
            theme: Theme::default(),
            scroll: Cell::new(0),
            note_width: Cell::new(40),
            cursor: Cell::new(None),
        }
    }

    pub fn with_theme(mut self, theme: &Theme) -> Form {
        self.theme = theme.clone();
        self
    }

    /// Fixes "today" (tests; or a form that must not roll over midnight).
    pub fn with_today(mut self, today: NaiveDate) -> Form {
        self.today = Some(today);
        self
    }

    /// The hint line at the bottom, e.g. built from the live keymap.
    pub fn set_footer(&mut self, footer: impl Into<String>) {
        self.footer = footer.into();
    }

    /// Which keymap contexts apply now: the discard question takes y/n,
    /// otherwise printable keys are typing.
    pub fn context_stack(&self) -> &'static [Context] {
        if self.discard.is_some() {
            stacks::DIALOG
        } else {
            stacks::FORM
        }
    }

    fn index(&self, key: FieldKey) -> Option<usize> {
        self.specs.iter().position(|s| s.key == key)
    }

    /// Fills a field (editing an existing record). Returns false for an
    /// unknown key or a value of the wrong kind. Call [`Form::mark_clean`]
    /// after filling so the form does not count as changed.
    pub fn set_value(&mut self, key: FieldKey, value: Value) -> bool {
        let Some(i) = self.index(key) else {
            return false;
        };
        let n_options = self.specs[i].options().len();
        let f = &mut self.fields[i];
        match (&self.specs[i].kind, value) {
            // Copied into the input's own buffer; `s` is wiped as it drops.
            (FieldKind::Text { .. } | FieldKind::MultiLine { .. }, Value::Text(s)) => {
                f.input.set_text(s.as_str())
            }
            (FieldKind::Date { .. }, Value::Date(d)) => {
                f.input.set_text(crate::ui::dates::show_or(d, ""))
            }
            (FieldKind::Number { .. }, Value::Number(n)) => f
                .input
                .set_text(n.map(|n| n.to_string()).unwrap_or_default()),
            (FieldKind::YesNo, Value::Bool(b)) => f.choice = b.map(|b| if b { 0 } else { 1 }),
            (FieldKind::Choice { .. }, Value::Choice(c)) if c.is_none_or(|c| c < n_options) => {
                f.choice = c;
                f.hover = c.unwrap_or(0);
            }
            (FieldKind::MultiChoice { .. }, Value::Multi(m)) => {
                f.ticks = (0..n_options).map(|i| m.contains(&i)).collect();
            }
            _ => return false,
        }
        true
    }

    /// The current contents count as saved from now on.
    pub fn mark_clean(&mut self) {
        self.clean = self.fields.clone();
    }

    /// True when something differs from the last [`Form::mark_clean`].
    pub fn is_dirty(&self) -> bool {
        self.fields
            .iter()
            .zip(&self.clean)
            .any(|(a, b)| a.content() != b.content())
    }

    /// Shows `message` under a field and moves there, e.g. when the store
    /// refuses a duplicate case number.
    pub fn set_error(&mut self, key: FieldKey, message: impl Into<String>) {
        if let Some(i) = self.index(key) {
            self.fields[i].error = Some(message.into());
            self.focus = i;
        }
    }

    pub fn error(&self, key: FieldKey) -> Option<&str> {
        self.index(key)
            .and_then(|i| self.fields[i].error.as_deref())
    }

    /// `None` only for a form without fields.
    pub fn focused_key(&self) -> Option<FieldKey> {
        self.specs.get(self.focus).map(|s| s.key)
    }

    pub fn focus(&mut self, key: FieldKey) {
        if let Some(i) = self.index(key) {
            self.focus = i;
        }
    }

    /// Where the terminal cursor belongs after the last draw, if a text
    /// field has the focus (for `Frame::set_cursor_position`).
    pub fn cursor_position(&self) -> Option<Position> {
        self.cursor.get()
    }

    fn today(&self) -> NaiveDate {
        self.today.unwrap_or_else(crate::clock::today)
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{act, intake_form, key};
    use super::*;
    use crate::ui::action::Action;

    #[test]
    fn editing_existing_values_is_clean_until_changed() {
        let mut form = intake_form();
        assert!(form.set_value(key::NAME, Value::text("Sara")));
        assert!(form.set_value(key::RISK, Value::Choice(Some(2))));
        assert!(form.set_value(key::CONCERN, Value::Multi(vec![1])));
        assert!(!form.set_value(key::RISK, Value::Choice(Some(9))));
        assert!(!form.set_value(key::NAME, Value::Number(Some(1))));
        form.mark_clean();
        assert!(!form.is_dirty());
        act(&mut form, Action::DeleteBack);
        assert!(form.is_dirty());
    }

    #[test]
    fn values_come_back_by_the_keys_the_form_was_built_from() {
        const WHO: FieldKey = FieldKey::new("who");
        const WHEN: FieldKey = FieldKey::new("when");
        const HOW_MANY: FieldKey = FieldKey::new("how_many");
        const AGREED: FieldKey = FieldKey::new("agreed");
        const WHICH: FieldKey = FieldKey::new("which");
        const TICKED: FieldKey = FieldKey::new("ticked");
        const ELSEWHERE: FieldKey = FieldKey::new("elsewhere");
        let mut form = Form::new(
            "f",
            vec![
                FieldSpec::text(WHO, "Who"),
                FieldSpec::date(WHEN, "When"),
                FieldSpec::number(HOW_MANY, "How many", None, None),
                FieldSpec::yes_no(AGREED, "Agreed"),
                FieldSpec::choice(WHICH, "Which", ["a", "b"]),
                FieldSpec::multi_choice(TICKED, "Ticked", ["x", "y", "z"]),
            ],
        )
        .with_today(super::testing::day(2026, 11, 23));
        let when = super::testing::day(2026, 1, 2);
        assert!(form.set_value(WHO, Value::text("Sara")));
        assert!(form.set_value(WHEN, Value::Date(Some(when))));
        assert!(form.set_value(HOW_MANY, Value::Number(Some(3))));
        assert!(form.set_value(AGREED, Value::Bool(Some(false))));
        assert!(form.set_value(WHICH, Value::Choice(Some(1))));
        assert!(form.set_value(TICKED, Value::Multi(vec![0, 2])));
        assert!(!form.set_value(ELSEWHERE, Value::text("not a field here")));
        let FormOutcome::Submitted(v) = act(&mut form, Action::Save) else {
            panic!("valid");
        };
        assert_eq!(v.text(WHO), "Sara");
        assert_eq!(v.date(WHEN), Some(when));
        assert_eq!(v.number(HOW_MANY), Some(3));
        assert_eq!(v.yes_no(AGREED), Some(false));
        assert_eq!(v.choice(WHICH), Some(1));
        assert_eq!(v.multi(TICKED), &[0, 2]);
        assert_eq!(v.get(ELSEWHERE), None);
        // Errors and focus follow the same keys.
        form.set_error(HOW_MANY, "Too many.");
        assert_eq!(form.focused_key(), Some(HOW_MANY));
        assert_eq!(form.error(HOW_MANY), Some("Too many."));
        form.focus(WHICH);
        assert_eq!(form.focused_key(), Some(WHICH));
    }
}
