//! What a screen declares about its fields: the key each is named by, its
//! label, the kind of value it holds and the rules it must pass.

use super::state::Value;

/// The name of one field. Each screen declares its keys once, as
/// constants, and passes those everywhere (specs, values, errors): a
/// misspelt constant does not compile, where a misspelt string would
/// quietly read an empty value. There is deliberately no `From<&str>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldKey(&'static str);

impl FieldKey {
    pub const fn new(name: &'static str) -> FieldKey {
        FieldKey(name)
    }

    /// The name it was declared with (logs and test messages).
    pub const fn name(self) -> &'static str {
        self.0
    }
}

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
    pub key: FieldKey,
    pub label: String,
    pub kind: FieldKind,
    pub required: bool,
    /// Shown under the field while it has the focus.
    pub hint: Option<String>,
    pub check: Option<Check>,
    /// Number fields: the number shown in "Write a whole number, like …"
    /// (see [`FieldSpec::example`]).
    pub example: Option<i64>,
}

impl FieldSpec {
    fn new(key: FieldKey, label: &str, kind: FieldKind) -> FieldSpec {
        FieldSpec {
            key,
            label: label.into(),
            kind,
            required: false,
            hint: None,
            check: None,
            example: None,
        }
    }
    pub fn text(key: FieldKey, label: &str) -> FieldSpec {
        FieldSpec::new(key, label, FieldKind::Text { max_chars: None })
    }
    pub fn multi_line(key: FieldKey, label: &str, rows: u16) -> FieldSpec {
        FieldSpec::new(key, label, FieldKind::MultiLine { rows: rows.max(1) })
    }
    /// A date that may not be in the future (dates of birth, intake);
    /// see [`FieldSpec::allow_future`].
    pub fn date(key: FieldKey, label: &str) -> FieldSpec {
        FieldSpec::new(
            key,
            label,
            FieldKind::Date {
                allow_future: false,
            },
        )
    }
    pub fn number(key: FieldKey, label: &str, min: Option<i64>, max: Option<i64>) -> FieldSpec {
        FieldSpec::new(key, label, FieldKind::Number { min, max })
    }
    pub fn yes_no(key: FieldKey, label: &str) -> FieldSpec {
        FieldSpec::new(key, label, FieldKind::YesNo)
    }
    pub fn choice<S: Into<String>>(
        key: FieldKey,
        label: &str,
        options: impl IntoIterator<Item = S>,
    ) -> FieldSpec {
        let options = options.into_iter().map(Into::into).collect();
        FieldSpec::new(key, label, FieldKind::Choice { options })
    }
    pub fn multi_choice<S: Into<String>>(
        key: FieldKey,
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
    /// Number fields: a typical value for the "like …" in the message
    /// after a typo (a wage: 12000). Without it, 12 moved into the
    /// field's range.
    pub fn example(mut self, n: i64) -> FieldSpec {
        self.example = Some(n);
        self
    }

    /// The number a typo message gives as an example.
    pub(super) fn number_example(&self) -> i64 {
        if let Some(n) = self.example {
            return n;
        }
        match self.kind {
            FieldKind::Number { min, max } => {
                let n = min.map_or(12, |lo| lo.max(12));
                max.map_or(n, |hi| n.min(hi))
            }
            _ => 12,
        }
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

    pub(super) fn options(&self) -> &[String] {
        match &self.kind {
            FieldKind::Choice { options } | FieldKind::MultiChoice { options } => options,
            _ => &[],
        }
    }

    pub(super) fn is_textual(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::Text { .. }
                | FieldKind::MultiLine { .. }
                | FieldKind::Date { .. }
                | FieldKind::Number { .. }
        )
    }
}

pub(super) fn yes_no_label(v: bool) -> &'static str {
    if v { "Yes" } else { "No" }
}
