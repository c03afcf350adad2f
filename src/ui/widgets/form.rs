//! A data-driven form: a screen lists its fields as [`FieldSpec`]s, feeds
//! key input to [`Form::handle`] and gets back [`FormOutcome::Submitted`]
//! with typed [`FormValues`] once every field is valid.
//!
//! Rules the office asked for: an error is shown under its field in plain
//! words; what was typed is never thrown away because it was wrong; Esc on
//! a changed form asks before discarding (the question is part of the
//! form, so every screen gets it for free).
//!
//! ```ignore
//! let mut form = Form::new("New intake", vec![
//!     FieldSpec::text("name", "Name").required(),
//!     FieldSpec::date("intake_date", "Intake date").required(),
//!     FieldSpec::number("age", "Age", Some(0), Some(25)),
//!     FieldSpec::choice("risk", "Risk level", ["High", "Medium", "Low"]).required(),
//! ]);
//! match form.handle(keymap.resolve(form.context_stack(), &key)) {
//!     FormOutcome::Submitted(v) => store::add(v.text("name"), v.date("intake_date"), …),
//!     FormOutcome::Cancelled => close_screen(),
//!     FormOutcome::Pending => {}
//! }
//! ```
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

use std::cell::Cell;

use chrono::{Days, Local, NaiveDate};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Widget};
use zeroize::Zeroizing;

use super::dialog::{ConfirmDialog, DialogOutcome};
use super::text_input::TextInput;
use crate::safe_text::{Align, fit, sanitize};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::theme::Theme;

/// Date spellings accepted besides "today" and "yesterday", tried in order.
/// Day-first because that is how dates are written in Pakistan.
const DATE_FORMATS: &[&str] = &["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"];
const DATE_HELP: &str = "Write the date like 2026-11-23 or 23/11/2026, or type today or yesterday.";
/// Most option rows shown at once when a choice field is open.
const MAX_OPTION_ROWS: usize = 6;
const LABEL_MAX: usize = 22;

/// What kind of value a field holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldKind {
    Text { max_chars: Option<usize> },
    MultiLine { rows: u16 },
    Date { allow_future: bool },
    Number { min: Option<i64>, max: Option<i64> },
    YesNo,
    Choice { options: Vec<String> },
    MultiChoice { options: Vec<String> },
}

/// An extra rule a screen adds to a field; the error is shown as written.
pub type Check = fn(&Value) -> Result<(), String>;

/// One field, declared by a screen.
#[derive(Debug, Clone)]
pub struct FieldSpec {
    pub key: String,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    /// Shown under the field while it has the focus.
    pub hint: Option<String>,
    pub check: Option<Check>,
}

impl FieldSpec {
    fn new(key: &str, label: &str, kind: FieldKind) -> FieldSpec {
        FieldSpec {
            key: key.into(),
            label: label.into(),
            kind,
            required: false,
            hint: None,
            check: None,
        }
    }
    pub fn text(key: &str, label: &str) -> FieldSpec {
        FieldSpec::new(key, label, FieldKind::Text { max_chars: None })
    }
    pub fn multi_line(key: &str, label: &str, rows: u16) -> FieldSpec {
        FieldSpec::new(key, label, FieldKind::MultiLine { rows: rows.max(1) })
    }
    /// A date that may not be in the future (dates of birth, intake);
    /// see [`FieldSpec::allow_future`].
    pub fn date(key: &str, label: &str) -> FieldSpec {
        FieldSpec::new(
            key,
            label,
            FieldKind::Date {
                allow_future: false,
            },
        )
    }
    pub fn number(key: &str, label: &str, min: Option<i64>, max: Option<i64>) -> FieldSpec {
        FieldSpec::new(key, label, FieldKind::Number { min, max })
    }
    pub fn yes_no(key: &str, label: &str) -> FieldSpec {
        FieldSpec::new(key, label, FieldKind::YesNo)
    }
    pub fn choice<S: Into<String>>(
        key: &str,
        label: &str,
        options: impl IntoIterator<Item = S>,
    ) -> FieldSpec {
        let options = options.into_iter().map(Into::into).collect();
        FieldSpec::new(key, label, FieldKind::Choice { options })
    }
    pub fn multi_choice<S: Into<String>>(
        key: &str,
        label: &str,
        options: impl IntoIterator<Item = S>,
    ) -> FieldSpec {
        let options = options.into_iter().map(Into::into).collect();
        FieldSpec::new(key, label, FieldKind::MultiChoice { options })
    }
    pub fn required(mut self) -> FieldSpec {
        self.required = true;
        self
    }
    pub fn hint(mut self, hint: &str) -> FieldSpec {
        self.hint = Some(hint.into());
        self
    }
    pub fn check(mut self, check: Check) -> FieldSpec {
        self.check = Some(check);
        self
    }
    /// Text fields only.
    pub fn max_chars(mut self, n: usize) -> FieldSpec {
        if let FieldKind::Text { max_chars } = &mut self.kind {
            *max_chars = Some(n);
        }
        self
    }
    /// Date fields only: follow-up due dates and the like.
    pub fn allow_future(mut self) -> FieldSpec {
        if let FieldKind::Date { allow_future } = &mut self.kind {
            *allow_future = true;
        }
        self
    }

    fn options(&self) -> &[String] {
        match &self.kind {
            FieldKind::Choice { options } | FieldKind::MultiChoice { options } => options,
            _ => &[],
        }
    }

    fn is_textual(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::Text { .. }
                | FieldKind::MultiLine { .. }
                | FieldKind::Date { .. }
                | FieldKind::Number { .. }
        )
    }
}

fn yes_no_label(v: bool) -> &'static str {
    if v { "Yes" } else { "No" }
}

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
    /// A text value, e.g. for [`Form::set_value`].
    pub fn text(s: impl Into<String>) -> Value {
        Value::Text(Zeroizing::new(s.into()))
    }
}

/// All values of a submitted form, by field key.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormValues {
    values: Vec<(String, Value)>,
}

impl FormValues {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.values.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    /// Trimmed text, "" when empty or not a text field.
    pub fn text(&self, key: &str) -> &str {
        match self.get(key) {
            Some(Value::Text(s)) => s.as_str(),
            _ => "",
        }
    }
    pub fn date(&self, key: &str) -> Option<NaiveDate> {
        match self.get(key) {
            Some(Value::Date(d)) => *d,
            _ => None,
        }
    }
    pub fn number(&self, key: &str) -> Option<i64> {
        match self.get(key) {
            Some(Value::Number(n)) => *n,
            _ => None,
        }
    }
    pub fn yes_no(&self, key: &str) -> Option<bool> {
        match self.get(key) {
            Some(Value::Bool(b)) => *b,
            _ => None,
        }
    }
    pub fn choice(&self, key: &str) -> Option<usize> {
        match self.get(key) {
            Some(Value::Choice(c)) => *c,
            _ => None,
        }
    }
    pub fn multi(&self, key: &str) -> &[usize] {
        match self.get(key) {
            Some(Value::Multi(m)) => m,
            _ => &[],
        }
    }
}

/// What [`Form::handle`] asks the screen to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormOutcome {
    /// Keep going (the form may have changed; redraw).
    Pending,
    /// Every field is valid: save these. The form stays as it is, so a
    /// failed save can put an error on a field with [`Form::set_error`].
    Submitted(FormValues),
    /// The user left (nothing changed, or agreed to discard).
    Cancelled,
}

/// Raw, editable state of one field. Choice-like fields keep the chosen
/// index in `choice` (yes = 0, no = 1 for yes/no).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct FieldState {
    input: TextInput,
    choice: Option<usize>,
    ticks: Vec<bool>,
    /// Highlighted option while a choice field is open.
    hover: usize,
    /// The user moved the highlight in this visit, so Enter means "this
    /// one" rather than "next field" (passing through must not pick).
    browsed: bool,
    error: Option<String>,
}

impl FieldState {
    /// What "changed" means for the unsaved-changes question.
    fn content(&self) -> (&str, Option<usize>, &[bool]) {
        (self.input.text(), self.choice, &self.ticks)
    }
}

#[derive(Debug, Clone)]
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

    fn index(&self, key: &str) -> Option<usize> {
        self.specs.iter().position(|s| s.key == key)
    }

    /// Fills a field (editing an existing record). Returns false for an
    /// unknown key or a value of the wrong kind. Call [`Form::mark_clean`]
    /// after filling so the form does not count as changed.
    pub fn set_value(&mut self, key: &str, value: Value) -> bool {
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
            (FieldKind::Date { .. }, Value::Date(d)) => f
                .input
                .set_text(d.map(|d| d.to_string()).unwrap_or_default()),
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
    pub fn set_error(&mut self, key: &str, message: impl Into<String>) {
        if let Some(i) = self.index(key) {
            self.fields[i].error = Some(message.into());
            self.focus = i;
        }
    }

    pub fn error(&self, key: &str) -> Option<&str> {
        self.index(key)
            .and_then(|i| self.fields[i].error.as_deref())
    }

    pub fn focused_key(&self) -> &str {
        self.specs.get(self.focus).map_or("", |s| s.key.as_str())
    }

    pub fn focus(&mut self, key: &str) {
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
        self.today.unwrap_or_else(|| Local::now().date_naive())
    }

    /// Feeds one resolved key to the form.
    pub fn handle(&mut self, input: Input) -> FormOutcome {
        if let Some(dialog) = &mut self.discard {
            let action = match input {
                Input::Action(a) => a,
                Input::Text('y' | 'Y') => Action::Yes,
                Input::Text('n' | 'N') => Action::No,
                _ => return FormOutcome::Pending,
            };
            return match dialog.handle(action) {
                DialogOutcome::Pending => FormOutcome::Pending,
                DialogOutcome::Yes => {
                    self.discard = None;
                    FormOutcome::Cancelled
                }
                DialogOutcome::No => {
                    self.discard = None;
                    FormOutcome::Pending
                }
            };
        }
        if self.specs.is_empty() {
            return match input {
                Input::Action(Action::Back) => FormOutcome::Cancelled,
                _ => FormOutcome::Pending,
            };
        }
        match input {
            Input::Text(c) => {
                self.type_char(c);
                FormOutcome::Pending
            }
            Input::Action(a) => self.act(a),
            Input::None => FormOutcome::Pending,
        }
    }

    fn act(&mut self, action: Action) -> FormOutcome {
        let i = self.focus;
        let n_options = self.specs[i].options().len();
        let kind = self.specs[i].kind.clone();
        let width = self.note_width.get();
        let f = &mut self.fields[i];
        match (action, &kind) {
            (Action::Save, _) => return self.submit(),
            (Action::Back, _) => {
                if self.is_dirty() {
                    self.discard = Some(
                        ConfirmDialog::new(
                            "Discard changes?",
                            "This form has changes that are not saved. Discard them?",
                        )
                        .labels("Discard", "Keep editing")
                        .with_theme(&self.theme),
                    );
                    return FormOutcome::Pending;
                }
                return FormOutcome::Cancelled;
            }
            (Action::NextField, _) => self.move_focus(1),
            (Action::PrevField, _) => self.move_focus(-1),
            (Action::PageDown, _) => self.move_focus(self.specs.len() as isize),
            (Action::PageUp, _) => self.move_focus(-(self.specs.len() as isize)),
            (Action::Confirm, FieldKind::MultiLine { .. }) => {
                f.input.insert('\n');
                f.error = None;
            }
            (Action::Confirm, FieldKind::Choice { .. }) => {
                if f.browsed {
                    f.choice = Some(f.hover);
                    f.error = None;
                }
                return self.next_or_submit();
            }
            (Action::Confirm, _) => return self.next_or_submit(),
            (Action::Toggle, _) => self.type_char(' '),
            // Up/Down walk options inside an open choice, rows inside a
            // note, and otherwise move between fields like Tab.
            (
                Action::Up | Action::Down,
                FieldKind::Choice { .. } | FieldKind::MultiChoice { .. },
            ) => {
                let down = action == Action::Down;
                if down && f.hover + 1 < n_options {
                    f.hover += 1;
                    f.browsed = true;
                } else if !down && f.hover > 0 {
                    f.hover -= 1;
                    f.browsed = true;
                } else {
                    self.move_focus(if down { 1 } else { -1 });
                }
            }
            (Action::Up, FieldKind::MultiLine { .. }) => {
                let moved = f.input.up(width);
                if !moved {
                    self.move_focus(-1);
                }
            }
            (Action::Down, FieldKind::MultiLine { .. }) => {
                let moved = f.input.down(width);
                if !moved {
                    self.move_focus(1);
                }
            }
            (Action::Up, _) => self.move_focus(-1),
            (Action::Down, _) => self.move_focus(1),
            (Action::Left | Action::Right, FieldKind::YesNo) => {
                f.choice = Some(match f.choice {
                    Some(0) => 1,
                    _ => 0,
                });
                f.error = None;
            }
            (Action::Home, FieldKind::Choice { .. } | FieldKind::MultiChoice { .. }) => {
                f.hover = 0;
                f.browsed = true;
            }
            (Action::End, FieldKind::Choice { .. } | FieldKind::MultiChoice { .. }) => {
                f.hover = n_options.saturating_sub(1);
                f.browsed = true;
            }
            (
                Action::DeleteBack | Action::DeleteForward,
                FieldKind::YesNo | FieldKind::Choice { .. },
            ) => {
                f.choice = None;
            }
            (_, _) if self.specs[i].is_textual() => {
                let changed = match action {
                    Action::Left => {
                        f.input.left();
                        false
                    }
                    Action::Right => {
                        f.input.right();
                        false
                    }
                    Action::Home => {
                        f.input.home();
                        false
                    }
                    Action::End => {
                        f.input.end();
                        false
                    }
                    Action::DeleteBack => f.input.delete_back(),
                    Action::DeleteForward => f.input.delete_forward(),
                    _ => false,
                };
                if changed {
                    f.error = None;
                }
            }
            _ => {}
        }
        FormOutcome::Pending
    }

    fn type_char(&mut self, c: char) {
        let i = self.focus;
        let spec = &self.specs[i];
        let f = &mut self.fields[i];
        match &spec.kind {
            FieldKind::Text { max_chars } => {
                if max_chars.is_some_and(|m| f.input.text().chars().count() >= m) {
                    f.error = max_chars.map(|m| format!("At most {m} characters fit here."));
                    return;
                }
                f.input.insert(c);
                f.error = None;
            }
            FieldKind::MultiLine { .. } | FieldKind::Date { .. } | FieldKind::Number { .. } => {
                f.input.insert(c);
                f.error = None;
            }
            FieldKind::YesNo => {
                f.choice = match c.to_ascii_lowercase() {
                    'y' => Some(0),
                    'n' => Some(1),
                    ' ' => Some(if f.choice == Some(0) { 1 } else { 0 }),
                    _ => return,
                };
                f.error = None;
            }
            FieldKind::Choice { options } | FieldKind::MultiChoice { options } => {
                if c == ' ' {
                    if let FieldKind::Choice { .. } = spec.kind {
                        f.choice = Some(f.hover);
                    } else if let Some(t) = f.ticks.get_mut(f.hover) {
                        *t = !*t;
                    }
                    f.error = None;
                } else {
                    // Typing a letter jumps to the next option starting with it.
                    let lc: String = c.to_lowercase().collect();
                    let n = options.len();
                    if let Some(j) = (1..=n)
                        .map(|k| (f.hover + k) % n)
                        .find(|&j| options[j].to_lowercase().starts_with(&lc))
                    {
                        f.hover = j;
                        f.browsed = true;
                    }
                }
            }
        }
    }

    fn next_or_submit(&mut self) -> FormOutcome {
        if self.focus + 1 >= self.specs.len() {
            self.submit()
        } else {
            self.move_focus(1);
            FormOutcome::Pending
        }
    }

    /// Leaving a field checks it, so mistakes show as soon as the user
    /// moves on; moving is never blocked.
    fn move_focus(&mut self, delta: isize) {
        self.check_field(self.focus);
        let last = self.specs.len().saturating_sub(1) as isize;
        self.focus = (self.focus as isize + delta).clamp(0, last) as usize;
        let f = &mut self.fields[self.focus];
        f.browsed = false;
        if let Some(c) = f.choice {
            f.hover = c;
        }
    }

    fn check_field(&mut self, i: usize) -> Option<Value> {
        match self.validate(i) {
            Ok(v) => {
                self.fields[i].error = None;
                // Show a date the way it was understood ("today" → the date).
                if let (FieldKind::Date { .. }, Value::Date(Some(d))) = (&self.specs[i].kind, &v) {
                    self.fields[i].input.set_text(d.to_string());
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
                Some(v) => values.push((self.specs[i].key.clone(), v)),
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
                    let d = parse_date(raw, self.today()).ok_or(DATE_HELP)?;
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

/// Understands "today", "yesterday" and the [`DATE_FORMATS`].
pub fn parse_date(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    let s = s.trim();
    match s.to_lowercase().as_str() {
        "today" => return Some(today),
        "yesterday" => return today.checked_sub_days(Days::new(1)),
        _ => {}
    }
    DATE_FORMATS
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

// ---- drawing ---------------------------------------------------------------

/// Most rows an error message may take; longer ones end in "…".
const MAX_ERROR_LINES: usize = 3;

/// An error message as "! " plus word-wrapped lines, so the plain-words
/// explanation is readable at 80 columns rather than cut off.
fn error_lines(msg: &str, width: u16) -> Vec<String> {
    let width = usize::from(width).max(8);
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::from("! ");
    for word in sanitize(msg).split(' ') {
        let need = crate::safe_text::width(word);
        let have = crate::safe_text::width(&cur);
        if have > 2 && have + 1 + need > width {
            lines.push(std::mem::replace(&mut cur, String::from("  ")));
        }
        if cur.len() > 2 {
            cur.push(' ');
        }
        cur.push_str(word);
    }
    lines.push(cur);
    if lines.len() > MAX_ERROR_LINES {
        lines.truncate(MAX_ERROR_LINES);
        if let Some(last) = lines.last_mut() {
            last.push_str(" …");
        }
    }
    lines
}

/// Rows a field takes on screen, given the width of the input column.
fn field_height(spec: &FieldSpec, state: &FieldState, focused: bool, width: u16) -> usize {
    let body = match &spec.kind {
        FieldKind::MultiLine { rows } => usize::from(*rows),
        FieldKind::Choice { options } | FieldKind::MultiChoice { options } if focused => {
            options.len().clamp(1, MAX_OPTION_ROWS)
        }
        _ => 1,
    };
    let error = state
        .error
        .as_deref()
        .map_or(0, |e| error_lines(e, width).len());
    let hint = usize::from(focused && spec.hint.is_some() && state.error.is_none());
    body + error + hint
}

impl Widget for &Form {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = &self.theme;
        self.cursor.set(None);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .style(t.base)
            .title(Span::styled(
                format!(" {} ", sanitize(&self.title)),
                t.title,
            ));
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height < 2 || inner.width < 10 {
            return;
        }
        // Bottom row: the key hints.
        let footer_y = inner.bottom() - 1;
        buf.set_stringn(
            inner.x + 1,
            footer_y,
            fit(&self.footer, usize::from(inner.width - 1), Align::Left),
            usize::from(inner.width - 1),
            t.hint,
        );
        let view = Rect {
            height: inner.height - 1,
            ..inner
        };

        let label_w = self
            .specs
            .iter()
            .map(|s| crate::safe_text::width(&s.label) + if s.required { 2 } else { 0 })
            .max()
            .unwrap_or(0)
            .min(LABEL_MAX);
        // "▸ " + label + ": "
        let input_x = view.x + 2 + label_w as u16 + 2;
        let input_w = view.right().saturating_sub(input_x + 1);
        self.note_width.set(input_w.max(1));

        // Where each field starts, in rows from the top of the form.
        let heights: Vec<usize> = self
            .specs
            .iter()
            .zip(&self.fields)
            .enumerate()
            .map(|(i, (s, f))| field_height(s, f, i == self.focus, input_w))
            .collect();
        let tops: Vec<usize> = heights
            .iter()
            .scan(0, |acc, h| {
                let top = *acc;
                *acc += h;
                Some(top)
            })
            .collect();
        let total: usize = heights.iter().sum();
        let rows = usize::from(view.height);
        let mut scroll = self.scroll.get().min(total.saturating_sub(rows));
        let (ft, fh) = (tops[self.focus], heights[self.focus]);
        if ft < scroll {
            scroll = ft;
        } else if ft + fh > scroll + rows {
            scroll = (ft + fh).saturating_sub(rows).min(ft);
        }
        self.scroll.set(scroll);

        let row_y = |r: usize| -> Option<u16> {
            (r >= scroll && r < scroll + rows).then(|| view.y + (r - scroll) as u16)
        };

        for (i, (spec, f)) in self.specs.iter().zip(&self.fields).enumerate() {
            let focused = i == self.focus && self.discard.is_none();
            let top = tops[i];
            if top >= scroll + rows || top + heights[i] <= scroll {
                continue;
            }
            if let Some(y) = row_y(top) {
                let marker = if i == self.focus { "▸" } else { " " };
                buf.set_string(view.x, y, marker, t.label_focus);
                let label = if spec.required {
                    format!("{} *", spec.label)
                } else {
                    spec.label.clone()
                };
                let style = if i == self.focus {
                    t.label_focus
                } else {
                    t.label
                };
                buf.set_string(view.x + 2, y, fit(&label, label_w, Align::Left), style);
                buf.set_string(view.x + 2 + label_w as u16, y, ":", style);
            }
            let err_lines = f
                .error
                .as_deref()
                .map(|e| error_lines(e, input_w))
                .unwrap_or_default();
            let body_rows = heights[i]
                - err_lines.len()
                - usize::from(focused && spec.hint.is_some() && f.error.is_none());
            self.render_body(i, focused, top, body_rows, input_x, input_w, &row_y, buf);
            let extra = top + body_rows;
            if !err_lines.is_empty() {
                for (k, l) in err_lines.iter().enumerate() {
                    if let Some(y) = row_y(extra + k) {
                        buf.set_string(
                            input_x,
                            y,
                            fit(l, usize::from(input_w), Align::Left),
                            t.error,
                        );
                    }
                }
            } else if focused {
                if let (Some(hint), Some(y)) = (&spec.hint, row_y(extra)) {
                    buf.set_string(
                        input_x,
                        y,
                        fit(hint, usize::from(input_w), Align::Left),
                        t.hint,
                    );
                }
            }
        }
        // Tell the reader there is more above or below.
        if scroll > 0 {
            buf.set_string(view.right() - 1, view.y, "↑", t.hint);
        }
        if total > scroll + rows {
            buf.set_string(view.right() - 1, view.bottom() - 1, "↓", t.hint);
        }
        if let Some(dialog) = &self.discard {
            dialog.render(area, buf);
        }
    }
}

impl Form {
    #[allow(clippy::too_many_arguments)]
    fn render_body(
        &self,
        i: usize,
        focused: bool,
        top: usize,
        body_rows: usize,
        x: u16,
        w: u16,
        row_y: &dyn Fn(usize) -> Option<u16>,
        buf: &mut Buffer,
    ) {
        let t = &self.theme;
        let spec = &self.specs[i];
        let f = &self.fields[i];
        let style = if focused { t.input_focus } else { t.input };
        let cursor_style = focused.then_some(t.cursor);
        let line = |r: usize| row_y(top + r).map(|y| Rect::new(x, y, w, 1));
        match &spec.kind {
            FieldKind::Text { .. } | FieldKind::Date { .. } | FieldKind::Number { .. } => {
                let Some(rect) = line(0) else { return };
                if f.input.text().is_empty() && !focused {
                    let ph = match spec.kind {
                        FieldKind::Date { .. } => "YYYY-MM-DD or DD/MM/YYYY",
                        _ => "",
                    };
                    buf.set_style(rect, style);
                    buf.set_stringn(x, rect.y, ph, usize::from(w), t.placeholder);
                } else {
                    let pos = f.input.render_line(rect, buf, style, cursor_style);
                    if focused {
                        self.cursor.set(pos);
                    }
                }
            }
            FieldKind::MultiLine { .. } => {
                // Only the visible rows of the note box.
                let visible: Vec<u16> = (0..body_rows).filter_map(|r| row_y(top + r)).collect();
                if let (Some(&y0), Some(&y1)) = (visible.first(), visible.last()) {
                    let rect = Rect::new(x, y0, w, y1 - y0 + 1);
                    let pos = f.input.render_wrapped(rect, buf, style, cursor_style);
                    if focused {
                        self.cursor.set(pos);
                    }
                }
            }
            FieldKind::YesNo => {
                let Some(rect) = line(0) else { return };
                let mut cx = x;
                for (j, v) in [true, false].into_iter().enumerate() {
                    let mark = if f.choice == Some(j) { "(•)" } else { "( )" };
                    let s = format!("{mark} {}", yes_no_label(v));
                    let st = if focused && f.choice == Some(j) {
                        t.selected
                    } else {
                        style
                    };
                    buf.set_stringn(cx, rect.y, &s, usize::from(rect.right() - cx), st);
                    cx = (cx + s.chars().count() as u16 + 3).min(rect.right());
                }
            }
            FieldKind::Choice { options } | FieldKind::MultiChoice { options } => {
                let multi = matches!(spec.kind, FieldKind::MultiChoice { .. });
                if !focused {
                    let Some(rect) = line(0) else { return };
                    let summary = if multi {
                        let ticked: Vec<&str> = options
                            .iter()
                            .zip(&f.ticks)
                            .filter(|(_, t)| **t)
                            .map(|(o, _)| o.as_str())
                            .collect();
                        ticked.join(", ")
                    } else {
                        f.choice
                            .and_then(|c| options.get(c))
                            .cloned()
                            .unwrap_or_default()
                    };
                    buf.set_style(rect, style);
                    if summary.is_empty() {
                        let ph = if multi {
                            "— none ticked —"
                        } else {
                            "— not chosen —"
                        };
                        buf.set_stringn(x, rect.y, ph, usize::from(w), t.placeholder);
                    } else {
                        buf.set_string(
                            x,
                            rect.y,
                            fit(&summary, usize::from(w), Align::Left),
                            style,
                        );
                    }
                    return;
                }
                let shown = body_rows.max(1);
                let first = (f.hover + 1).saturating_sub(shown);
                for (r, j) in (first..options.len()).take(shown).enumerate() {
                    let Some(rect) = line(r) else { continue };
                    let on = if multi {
                        f.ticks.get(j).copied().unwrap_or(false)
                    } else {
                        f.choice == Some(j)
                    };
                    let mark = match (multi, on) {
                        (true, true) => "[x]",
                        (true, false) => "[ ]",
                        (false, true) => "(•)",
                        (false, false) => "( )",
                    };
                    let text = fit(
                        &format!("{mark} {}", options[j]),
                        usize::from(w),
                        Align::Left,
                    );
                    let st = if j == f.hover { t.selected } else { style };
                    buf.set_string(x, rect.y, text, st);
                }
                if first > 0 {
                    buf.set_string(x + w, line(0).map_or(0, |r| r.y), "↑", t.hint);
                }
                if first + shown < options.len() {
                    if let Some(r) = line(shown - 1) {
                        buf.set_string(x + w, r.y, "↓", t.hint);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::widgets::test_support::render_80x24;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn intake_form() -> Form {
        Form::new(
            "New intake",
            vec![
                FieldSpec::text("name", "Name").required(),
                FieldSpec::text("father", "Father's name"),
                FieldSpec::date("intake", "Intake date").required(),
                FieldSpec::number("age", "Age", Some(0), Some(25)),
                FieldSpec::yes_no("consent", "Consent given").required(),
                FieldSpec::choice("risk", "Risk level", ["High", "Medium", "Low"]).required(),
                FieldSpec::multi_choice(
                    "concern",
                    "Concerns",
                    ["CSEC", "CSA", "At risk", "Runaway"],
                ),
                FieldSpec::multi_line("notes", "Notes", 3).hint("Not counselling notes."),
            ],
        )
        .with_today(day(2026, 11, 23))
    }

    fn typ(form: &mut Form, s: &str) {
        for c in s.chars() {
            form.handle(Input::Text(c));
        }
    }

    fn act(form: &mut Form, a: Action) -> FormOutcome {
        form.handle(Input::Action(a))
    }

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
    fn submit_reports_every_problem_and_keeps_input() {
        let mut form = intake_form();
        typ(&mut form, "Ali");
        act(&mut form, Action::NextField);
        act(&mut form, Action::NextField);
        typ(&mut form, "32/13/2026");
        act(&mut form, Action::NextField);
        typ(&mut form, "40");
        assert_eq!(act(&mut form, Action::Save), FormOutcome::Pending);
        assert_eq!(form.focused_key(), "intake", "first bad field gets focus");
        assert!(
            form.error("intake")
                .is_some_and(|e| e.contains("23/11/2026"))
        );
        assert_eq!(form.error("age"), Some("Must be from 0 to 25."));
        assert_eq!(form.error("consent"), Some("Choose yes or no."));
        assert_eq!(form.error("risk"), Some("Choose one."));
        assert_eq!(form.error("name"), None);
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
            "2026-11-22",
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
        assert_eq!(v.text("name"), "علی خان");
        assert_eq!(v.date("intake"), Some(day(2026, 11, 22)));
        assert_eq!(v.number("age"), Some(12));
        assert_eq!(v.yes_no("consent"), Some(true));
        assert_eq!(v.choice("risk"), Some(1));
        assert_eq!(v.multi("concern"), &[0, 2]);
        assert_eq!(v.text("notes"), "line one\nline two");
        // Typed text comes back in buffers wiped on drop.
        let Some(Value::Text(notes)) = v.get("notes") else {
            panic!("notes is text");
        };
        let _: &Zeroizing<String> = notes;
        assert!(!format!("{v:?}").contains("line one"), "Debug hides text");
    }

    #[test]
    fn future_dates_need_permission() {
        let mut form = Form::new(
            "f",
            vec![
                FieldSpec::date("dob", "Born"),
                FieldSpec::date("due", "Due").allow_future(),
            ],
        )
        .with_today(day(2026, 11, 23));
        typ(&mut form, "2027-01-01");
        act(&mut form, Action::NextField);
        typ(&mut form, "2027-01-01");
        act(&mut form, Action::Save);
        assert_eq!(form.error("dob"), Some("This date is in the future."));
        assert_eq!(form.error("due"), None);
    }

    #[test]
    fn esc_asks_only_when_changed() {
        let mut form = intake_form();
        assert_eq!(act(&mut form, Action::Back), FormOutcome::Cancelled);
        typ(&mut form, "A");
        assert!(form.is_dirty());
        assert_eq!(act(&mut form, Action::Back), FormOutcome::Pending);
        assert_eq!(form.context_stack(), stacks::DIALOG);
        // Enter on the question keeps editing (the safe default).
        assert_eq!(act(&mut form, Action::Confirm), FormOutcome::Pending);
        assert_eq!(form.fields[0].input.text(), "A");
        act(&mut form, Action::Back);
        assert_eq!(form.handle(Input::Text('y')), FormOutcome::Cancelled);
    }

    #[test]
    fn editing_existing_values_is_clean_until_changed() {
        let mut form = intake_form();
        assert!(form.set_value("name", Value::text("Sara")));
        assert!(form.set_value("risk", Value::Choice(Some(2))));
        assert!(form.set_value("concern", Value::Multi(vec![1])));
        assert!(!form.set_value("risk", Value::Choice(Some(9))));
        assert!(!form.set_value("name", Value::Number(Some(1))));
        form.mark_clean();
        assert!(!form.is_dirty());
        act(&mut form, Action::DeleteBack);
        assert!(form.is_dirty());
    }

    #[test]
    fn enter_passing_through_a_choice_picks_nothing() {
        let mut form = Form::new(
            "f",
            vec![
                FieldSpec::choice("src", "Source", ["Police", "Self"]),
                FieldSpec::text("x", "X"),
            ],
        );
        act(&mut form, Action::Confirm);
        assert_eq!(form.focused_key(), "x");
        act(&mut form, Action::PrevField);
        typ(&mut form, "s");
        act(&mut form, Action::Confirm);
        let FormOutcome::Submitted(v) = act(&mut form, Action::Save) else {
            panic!("valid");
        };
        assert_eq!(v.choice("src"), Some(1));
    }

    #[test]
    fn max_chars_refuses_and_says_so() {
        let mut form = Form::new("f", vec![FieldSpec::text("code", "Code").max_chars(3)]);
        typ(&mut form, "abcd");
        assert_eq!(form.fields[0].input.text(), "abc");
        assert!(form.error("code").is_some());
    }

    #[test]
    fn snapshot_form_with_validation_error() {
        let mut form = intake_form();
        typ(&mut form, "Ali");
        act(&mut form, Action::NextField);
        typ(&mut form, "Karim \x1b[31m");
        act(&mut form, Action::NextField);
        typ(&mut form, "32/13/2026");
        act(&mut form, Action::NextField);
        typ(&mut form, "40");
        act(&mut form, Action::Save);
        insta::assert_snapshot!(render_80x24(&form));
    }

    #[test]
    fn snapshot_discard_question() {
        let mut form = intake_form();
        typ(&mut form, "Ali");
        act(&mut form, Action::Back);
        insta::assert_snapshot!(render_80x24(&form));
    }

    #[test]
    fn snapshot_form_scrolls_at_80x24() {
        let mut specs = Vec::new();
        for i in 1..=20 {
            specs.push(FieldSpec::text(&format!("f{i}"), &format!("Field {i}")));
        }
        specs.push(FieldSpec::choice(
            "source",
            "Referral source",
            [
                "Outreach spot",
                "Police station",
                "Medico-legal unit",
                "Community group",
                "Parents' committee",
                "Self",
                "Other organisation",
            ],
        ));
        let mut form = Form::new("Long form", specs);
        for _ in 0..20 {
            act(&mut form, Action::NextField);
        }
        typ(&mut form, "p");
        insta::assert_snapshot!(render_80x24(&form));
    }
}
