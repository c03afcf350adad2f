//! Intake: one form registers a new child (CPC) or woman (women's desk).
//!
//! Saving runs in three steps: the form's own checks, then the office's
//! rules (`NewPerson::validate`, each message beside its field), then the
//! duplicate warning (likely existing records). The worker opens an
//! existing file from the warning or registers a new one; the case number
//! issued is shown and the new file opens. Nothing typed is lost on the
//! way: the form stays as it was until the person is registered.

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use crate::Result;
use crate::domain::person::NewPerson;
use crate::office::intake::Match;
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::screens::person::profile::{self, Mode, Worker, key};
use crate::ui::theme::Theme;
use crate::ui::widgets::dialog::MessagePopup;
use crate::ui::widgets::form::{Form, FormOutcome, FormValues, Value};
use crate::ui::widgets::table::{Column, RowSource, Table, TableEvent, TableState};
use crate::ui::words::sentence;

const HELP: &str = "Register a new child (CPC) or woman (women's desk). Fields with * are \
needed. Give the date of birth, or only an estimated age. Tick the concerns of the person's \
programme with Space. Ctrl-S saves: first the form is checked, then you see any existing \
files that may be the same person — open one with Enter, or press n to register a new \
person anyway. The case number is shown and the new file opens.";

/// The duplicate warning's rows.
struct Matches<'a>(&'a [Match]);

impl RowSource for Matches<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn row(&self, index: usize) -> Vec<Cow<'_, str>> {
        let Some(m) = self.0.get(index) else {
            return Vec::new();
        };
        vec![
            Cow::Borrowed(m.case_number.as_str()),
            Cow::Borrowed(m.name.as_str()),
            Cow::Borrowed(m.father_name.as_str()),
            Cow::Owned(m.age.map(|a| a.to_string()).unwrap_or_default()),
            Cow::Owned(m.reasons.join(", ")),
        ]
    }
}

fn match_columns() -> Vec<Column> {
    vec![
        Column::fixed("Case no.", 13).unsortable(),
        Column::fill("Name", 3).unsortable(),
        Column::fill("Father/husband", 3).unsortable(),
        Column::fixed("Age", 3).right().unsortable(),
        Column::fill("Why", 4).unsortable(),
    ]
}

/// The duplicate warning: the person as typed and the likely matches.
struct Warning {
    person: NewPerson,
    matches: Vec<Match>,
    state: TableState,
}

pub struct IntakeScreen {
    form: Option<Form>,
    workers: Vec<Worker>,
    warning: Option<Warning>,
    /// "Registered CPC-2026-0042": closing it opens the file.
    done: Option<(MessagePopup, i64)>,
    /// A failure that is not about one field.
    popup: Option<MessagePopup>,
    theme: Theme,
}

impl Default for IntakeScreen {
    fn default() -> Self {
        IntakeScreen::new()
    }
}

impl IntakeScreen {
    pub fn new() -> IntakeScreen {
        IntakeScreen {
            form: None,
            workers: Vec::new(),
            warning: None,
            done: None,
            popup: None,
            theme: Theme::default(),
        }
    }

    /// The form, once the screen has been shown (tests).
    pub fn form(&self) -> Option<&Form> {
        self.form.as_ref()
    }

    fn new_form(&self, ctx: &ScreenCtx<'_>) -> Form {
        let mut form = Form::new("New intake", profile::specs(Mode::Intake, &self.workers))
            .with_theme(ctx.theme)
            .with_today(ctx.today);
        let me = self
            .workers
            .iter()
            .find(|w| w.id == ctx.session.user().id)
            .map(|w| w.id);
        let blank = profile::blank(ctx.today, me);
        for (field, value) in profile::values_of(&blank, Mode::Intake, &self.workers) {
            // Sex, referral source and risk are chosen, never assumed.
            let value = match field {
                key::SEX | key::REFERRAL_SOURCE | key::RISK | key::CENTRE => Value::Choice(None),
                key::AGE_ESTIMATED | key::CONSENT_SERVICES | key::CONSENT_SHARING => {
                    Value::Bool(None)
                }
                _ => value,
            };
            form.set_value(field, value);
        }
        form.set_value(key::CENTRE, Value::Choice(Some(0)));
        form.set_footer("Tab next · Space ticks · Ctrl-S check and save · Esc cancel");
        form.mark_clean();
        form
    }

    /// The form was submitted: check the office's rules, then look for
    /// likely duplicates, then register.
    fn submitted(&mut self, values: FormValues, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let base = profile::blank(ctx.today, None);
        let (person, early) = profile::read(&values, Mode::Intake, &base, &self.workers);
        let age_typed = values.number(key::AGE).is_some();
        let rules = person.validate(ctx.today);
        let errors = profile::place_errors(early, rules, &person, Mode::Intake, age_typed);
        if !errors.is_empty() {
            if let Some(form) = &mut self.form {
                // Last first, so the focus ends on the first problem.
                for (key, msg) in errors.iter().rev() {
                    form.set_error(*key, msg.clone());
                }
            }
            let n = errors.len();
            return Ok(Outcome::Status(format!(
                "Not saved: {n} field{} to check.",
                if n == 1 { "" } else { "s" }
            )));
        }
        let matches = ctx.session.likely_duplicates(&person)?;
        if matches.is_empty() {
            return self.register(person, ctx);
        }
        self.warning = Some(Warning {
            person,
            matches,
            state: TableState::new(),
        });
        Ok(Outcome::Stay)
    }

    fn register(&mut self, person: NewPerson, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let (id, case_number) = match ctx.session.register_person(&person) {
            Ok(r) => r,
            Err(e) => {
                self.warning = None;
                self.popup =
                    Some(MessagePopup::error("Not saved", sentence(&e)).with_theme(&self.theme));
                return Ok(Outcome::Stay);
            }
        };
        tracing::info!(person = id.0, "intake.saved");
        self.warning = None;
        self.form = Some(self.new_form(ctx));
        self.done = Some((
            MessagePopup::info(
                "Registered",
                format!("Registered {case_number}. Enter opens the file."),
            )
            .with_theme(&self.theme),
            id.0,
        ));
        Ok(Outcome::Status(format!("Registered {case_number}.")))
    }

    fn handle_warning(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let Some(w) = &mut self.warning else {
            return Ok(Outcome::Stay);
        };
        let cols = match_columns();
        match w.state.handle(input, w.matches.len(), &cols) {
            TableEvent::Activate(i) => Ok(match w.matches.get(i) {
                Some(m) => Outcome::OpenPerson(m.id),
                None => Outcome::Stay,
            }),
            TableEvent::Other(Action::New, _) => {
                let Some(w) = self.warning.take() else {
                    return Ok(Outcome::Stay);
                };
                self.register(w.person, ctx)
            }
            TableEvent::Back => {
                self.warning = None;
                Ok(Outcome::Stay)
            }
            _ => Ok(Outcome::Stay),
        }
    }

    fn render_warning(&self, w: &Warning, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let text = vec![
            Line::from(Span::styled(
                format!(
                    "{} existing file{} may be the same person.",
                    w.matches.len(),
                    if w.matches.len() == 1 { "" } else { "s" }
                ),
                theme.warning,
            )),
            Line::from(vec![
                Span::styled("Enter", theme.key),
                Span::styled(" opens the selected file · ", theme.base),
                Span::styled("n", theme.key),
                Span::styled(" registers a new person anyway · ", theme.base),
                Span::styled("Esc", theme.key),
                Span::styled(" back to the form", theme.base),
            ]),
        ];
        let top = Rect {
            height: 3.min(area.height),
            ..area
        };
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .style(theme.base)
            .render(top, buf);
        let rest = Rect {
            y: area.y + top.height,
            height: area.height - top.height,
            ..area
        };
        // The selected record's reasons in full under the table.
        let why_h = 2.min(rest.height.saturating_sub(3));
        let table_area = Rect {
            height: rest.height - why_h,
            ..rest
        };
        let cols = match_columns();
        Table::new(&Matches(&w.matches), &cols, &w.state, theme)
            .title("Likely already registered")
            .render(table_area, buf);
        let selected = w
            .state
            .selected(w.matches.len())
            .and_then(|i| w.matches.get(i));
        if let (Some(m), true) = (selected, why_h > 0) {
            let why = Rect {
                y: table_area.bottom(),
                height: why_h,
                ..rest
            };
            Paragraph::new(Line::from(vec![
                Span::styled(format!("{} matched: ", m.case_number), theme.label),
                Span::styled(m.reasons.join(", "), theme.base),
            ]))
            .wrap(Wrap { trim: true })
            .style(theme.base)
            .render(why, buf);
        }
    }
}

impl Screen for IntakeScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Intake
    }

    fn context_stack(&self) -> &'static [Context] {
        if self.done.is_some() || self.popup.is_some() {
            return stacks::DIALOG;
        }
        if let Some(w) = &self.warning {
            return w.state.context_stack();
        }
        match &self.form {
            Some(f) => f.context_stack(),
            None => stacks::LIST,
        }
    }

    fn refresh(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        self.theme = ctx.theme.clone();
        // Coming back (from a file opened in the warning, or after a lock)
        // keeps everything typed.
        if self.form.is_none() {
            self.workers = profile::workers(ctx.session)?;
            self.form = Some(self.new_form(ctx));
        }
        Ok(())
    }

    fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        if let Some((popup, id)) = &mut self.done {
            let id = *id;
            if let Input::Action(a) = input
                && popup.handle(a)
            {
                self.done = None;
                return Ok(Outcome::OpenPerson(id));
            }
            return Ok(Outcome::Stay);
        }
        if let Some(popup) = &mut self.popup {
            if let Input::Action(a) = input
                && popup.handle(a)
            {
                self.popup = None;
            }
            return Ok(Outcome::Stay);
        }
        if self.warning.is_some() {
            return self.handle_warning(input, ctx);
        }
        let Some(form) = &mut self.form else {
            self.refresh(ctx)?;
            return Ok(Outcome::Stay);
        };
        match form.handle(input) {
            FormOutcome::Pending => Ok(Outcome::Stay),
            FormOutcome::Cancelled => {
                self.form = Some(self.new_form(ctx));
                Ok(Outcome::Back)
            }
            FormOutcome::Submitted(values) => self.submitted(values, ctx),
        }
    }

    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        buf.set_style(area, theme.base);
        match (&self.warning, &self.form) {
            (Some(w), _) => self.render_warning(w, area, buf, theme),
            (None, Some(f)) => f.render(area, buf),
            (None, None) => {}
        }
        if let Some((p, _)) = &self.done {
            p.render(area, buf);
        }
        if let Some(p) = &self.popup {
            p.render(area, buf);
        }
    }

    fn cursor(&self) -> Option<Position> {
        match (&self.form, &self.warning, &self.done, &self.popup) {
            (Some(f), None, None, None) => f.cursor_position(),
            _ => None,
        }
    }

    fn has_unsaved_work(&self) -> bool {
        self.warning.is_some() || self.form.as_ref().is_some_and(Form::is_dirty)
    }

    fn help_intro(&self) -> &str {
        HELP
    }
}
