//! Classes: the list of classes, and a class's attendance sheet for today
//! or any past day. From the list, Enter opens the sheet of the latest
//! day the class met (today if it meets today), `n` adds a class and `e`
//! enrols or withdraws a person by case number. On the sheet, one key per
//! child (see `sheet`), ←/→ step between the days the class meets, `d`
//! types a date, Ctrl-S saves (a day the class does not meet is saved as a
//! make-up session after a yes).

mod forms;
mod sheet;

use chrono::{Datelike, Duration, NaiveDate};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;

use crate::Result;
use crate::domain::classes::{Class, Mark};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::theme::Theme;
use crate::ui::widgets::dialog::{ConfirmDialog, DialogOutcome, MessagePopup};
use crate::ui::widgets::table::{Column, Table, TableEvent, TableState};
use crate::ui::words::sentence;
use forms::{ClassForm, EnrolForm, FormResult};
use sheet::SheetView;

enum Mode {
    List,
    Add(ClassForm),
    Enrol(EnrolForm),
    Sheet(Box<SheetView>),
    /// Typing the date of the session to open, over the sheet.
    Date(Box<SheetView>, forms::DateForm),
    /// Saving on a day the class does not meet: a make-up session?
    Extra(Box<SheetView>, Box<ConfirmDialog>),
    /// Leaving a sheet with marks not saved.
    Discard(Box<SheetView>, Box<ConfirmDialog>),
}

pub struct ClassesScreen {
    classes: Vec<Class>,
    /// Whether attendance was taken today, by class id.
    taken_today: Vec<i64>,
    /// This month's attendance rate, by class id.
    rates: Vec<(i64, crate::domain::classes::Rate)>,
    rows: Vec<Vec<String>>,
    state: TableState,
    columns: Vec<Column>,
    mode: Mode,
    popup: Option<MessagePopup>,
    today: NaiveDate,
    theme: Theme,
}

impl Default for ClassesScreen {
    fn default() -> Self {
        ClassesScreen::new()
    }
}

impl ClassesScreen {
    pub fn new() -> ClassesScreen {
        ClassesScreen {
            classes: Vec::new(),
            taken_today: Vec::new(),
            rates: Vec::new(),
            rows: Vec::new(),
            state: TableState::new(),
            columns: vec![
                // The name is the last column to go on a narrow desk.
                Column::fill("Class", 3).at_least(12),
                Column::fixed("Kind", 10),
                Column::fixed("Teacher", 9),
                Column::fixed("Days", 12),
                Column::fixed("Time", 11),
                Column::fixed("In", 4).right(),
                Column::fixed("Month", 6).right(),
                Column::fixed("Today", 6),
            ],
            mode: Mode::List,
            popup: None,
            today: crate::clock::today(),
            theme: Theme::default(),
        }
    }

    fn fill_rows(&mut self) {
        self.rows = self
            .classes
            .iter()
            .map(|c| {
                let today = if !c.meets_on(self.today) {
                    ""
                } else if self.taken_today.contains(&c.id) {
                    "taken"
                } else {
                    "due"
                };
                vec![
                    c.name.clone(),
                    if c.trade.is_empty() {
                        c.kind.label().to_string()
                    } else {
                        c.trade.clone()
                    },
                    c.teacher.clone().unwrap_or_default(),
                    c.days.to_string(),
                    c.time_text(),
                    c.enrolled.to_string(),
                    self.rates
                        .iter()
                        .find(|(id, _)| *id == c.id)
                        .map(|(_, r)| r.to_string())
                        .unwrap_or_default(),
                    today.to_string(),
                ]
            })
            .collect();
    }

    /// The latest day on or before `from` that the class meets (within
    /// its dates), or `from` itself when there is none.
    fn meeting_day(class: &Class, from: NaiveDate, step: i64) -> NaiveDate {
        let mut d = from;
        for _ in 0..14 {
            if class.meets_on(d) {
                return d;
            }
            d += Duration::days(step);
        }
        from
    }

    fn open_sheet(&mut self, class: Class, on: NaiveDate, ctx: &ScreenCtx<'_>) -> Result<()> {
        let sheet = ctx.session.attendance_sheet(class.id, on)?;
        self.mode = Mode::Sheet(Box::new(SheetView::new(class, sheet)));
        Ok(())
    }

    fn save(
        &mut self,
        view: Box<SheetView>,
        extra: bool,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<Outcome> {
        let changes = view.changes();
        if changes.is_empty() {
            self.mode = Mode::Sheet(view);
            return Ok(Outcome::Status("Nothing to save.".into()));
        }
        match ctx
            .session
            .save_attendance(view.class.id, view.date, &changes, extra)
        {
            Ok(saved) => {
                let class = view.class.clone();
                self.open_sheet(class, view.date, ctx)?;
                self.reload(ctx)?;
                if !saved.conflicts.is_empty() {
                    let lines: Vec<String> = saved
                        .conflicts
                        .iter()
                        .map(|c| {
                            format!(
                                "{} was marked {} by {} meanwhile; that mark is kept (yours was {}).",
                                c.case_number,
                                c.theirs.label(),
                                c.by.as_deref().unwrap_or("another desk"),
                                c.ours.label()
                            )
                        })
                        .collect();
                    self.popup = Some(
                        MessagePopup::info("Marked at another desk", lines.join(" "))
                            .with_theme(&self.theme),
                    );
                }
                Ok(Outcome::Status(format!("Saved {} mark(s).", saved.saved)))
            }
            Err(e @ (crate::Error::Invalid(_) | crate::Error::Conflict(_))) => {
                self.popup =
                    Some(MessagePopup::error("Not saved", sentence(&e)).with_theme(&self.theme));
                self.mode = Mode::Sheet(view);
                Ok(Outcome::Stay)
            }
            Err(e) => {
                self.mode = Mode::Sheet(view);
                Err(e)
            }
        }
    }

    fn reload(&mut self, ctx: &ScreenCtx<'_>) -> Result<()> {
        self.today = ctx.today;
        self.classes = ctx.session.classes()?;
        let month = ctx.today.with_day(1).unwrap_or(ctx.today);
        self.rates = ctx.session.class_rates(month, ctx.today)?;
        self.taken_today = ctx
            .session
            .classes_on(ctx.today)?
            .into_iter()
            .filter(|(_, taken)| *taken)
            .map(|(c, _)| c.id)
            .collect();
        self.fill_rows();
        Ok(())
    }

    fn handle_sheet(
        &mut self,
        mut view: Box<SheetView>,
        input: Input,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<Outcome> {
        let Input::Action(a) = input else {
            self.mode = Mode::Sheet(view);
            return Ok(Outcome::Stay);
        };
        match a {
            Action::MarkPresent => view.mark(Mark::Present),
            Action::MarkAbsent => view.mark(Mark::Absent),
            Action::MarkLate => view.mark(Mark::Late),
            Action::MarkExcused => view.mark(Mark::Excused),
            Action::MarkRestPresent => view.rest_present(),
            Action::DeleteBack | Action::Up => view.back(),
            Action::Down => view.move_by(1),
            Action::Home => view.cursor = 0,
            Action::End => view.move_by(isize::MAX / 2),
            Action::Left | Action::Right => {
                if view.is_dirty() {
                    self.mode = Mode::Sheet(view);
                    return Ok(Outcome::Status(
                        "Save first (Ctrl-S), or Esc to leave these marks.".into(),
                    ));
                }
                let step = if a == Action::Left { -1 } else { 1 };
                let next =
                    ClassesScreen::meeting_day(&view.class, view.date + Duration::days(step), step);
                if next > ctx.today {
                    self.mode = Mode::Sheet(view);
                    return Ok(Outcome::Status("That day has not come yet.".into()));
                }
                self.open_sheet(view.class.clone(), next, ctx)?;
                return Ok(Outcome::Stay);
            }
            Action::OtherDate => {
                self.mode = Mode::Date(view, forms::DateForm::new());
                return Ok(Outcome::Stay);
            }
            Action::Save => {
                if view.is_extra() && view.is_dirty() {
                    let q = format!(
                        "{} does not meet on {}. Save these marks as a make-up session?",
                        view.class.name, view.date
                    );
                    // Saving is what was asked for (Ctrl-S): Enter saves.
                    let dialog = ConfirmDialog::new("Make-up session", q)
                        .labels("Save", "Go back")
                        .enter_says_yes()
                        .with_theme(ctx.theme);
                    self.mode = Mode::Extra(view, Box::new(dialog));
                    return Ok(Outcome::Stay);
                }
                return self.save(view, false, ctx);
            }
            Action::Back => {
                if view.is_dirty() {
                    let dialog = ConfirmDialog::new(
                        "Leave the sheet",
                        "Some marks are not saved. Leave them?",
                    )
                    .labels("Leave", "Stay")
                    .with_theme(ctx.theme);
                    self.mode = Mode::Discard(view, Box::new(dialog));
                } else {
                    self.mode = Mode::List;
                    self.reload(ctx)?;
                }
                return Ok(Outcome::Stay);
            }
            _ => {}
        }
        self.mode = Mode::Sheet(view);
        Ok(Outcome::Stay)
    }
}

impl Screen for ClassesScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Classes
    }

    fn context_stack(&self) -> &'static [Context] {
        if self.popup.is_some() {
            return stacks::DIALOG;
        }
        match &self.mode {
            Mode::List => self.state.context_stack(),
            Mode::Add(_) | Mode::Enrol(_) | Mode::Date(..) => stacks::TEXT,
            Mode::Sheet(_) => stacks::SHEET,
            Mode::Extra(..) | Mode::Discard(..) => stacks::DIALOG,
        }
    }

    fn refresh(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        self.theme = ctx.theme.clone();
        self.reload(ctx)
    }

    fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        if let Some(popup) = &mut self.popup {
            if let Input::Action(a) = input
                && popup.handle(a)
            {
                self.popup = None;
            }
            return Ok(Outcome::Stay);
        }
        match std::mem::replace(&mut self.mode, Mode::List) {
            Mode::List => match self.state.handle(input, self.rows.len(), &self.columns) {
                TableEvent::Activate(i) => {
                    let Some(class) = self.classes.get(i).cloned() else {
                        return Ok(Outcome::Stay);
                    };
                    let day = ClassesScreen::meeting_day(&class, ctx.today, -1);
                    self.open_sheet(class, day, ctx)?;
                    Ok(Outcome::Stay)
                }
                TableEvent::Other(Action::New, _) => {
                    self.mode = Mode::Add(ClassForm::new(&ctx.session.workers()?, ctx.today));
                    Ok(Outcome::Stay)
                }
                TableEvent::Other(Action::Edit, sel) => {
                    let Some(class) = sel.and_then(|i| self.classes.get(i)).cloned() else {
                        return Ok(Outcome::Status("Choose a class first.".into()));
                    };
                    self.mode = Mode::Enrol(EnrolForm::new(class, ctx.today));
                    Ok(Outcome::Stay)
                }
                TableEvent::Other(Action::Refresh, _) => {
                    self.reload(ctx)?;
                    Ok(Outcome::Stay)
                }
                TableEvent::Back => Ok(Outcome::Back),
                _ => Ok(Outcome::Stay),
            },
            Mode::Add(mut form) => match form.handle(input, ctx)? {
                FormResult::Pending => {
                    self.mode = Mode::Add(form);
                    Ok(Outcome::Stay)
                }
                FormResult::Cancelled => {
                    self.reload(ctx)?;
                    Ok(Outcome::Stay)
                }
                FormResult::Done(msg) => {
                    self.reload(ctx)?;
                    Ok(Outcome::Status(msg))
                }
            },
            Mode::Enrol(mut form) => match form.handle(input, ctx)? {
                FormResult::Pending => {
                    self.mode = Mode::Enrol(form);
                    Ok(Outcome::Stay)
                }
                FormResult::Cancelled => Ok(Outcome::Stay),
                FormResult::Done(msg) => {
                    self.reload(ctx)?;
                    Ok(Outcome::Status(msg))
                }
            },
            Mode::Sheet(view) => self.handle_sheet(view, input, ctx),
            Mode::Date(view, mut form) => match form.handle(input, ctx.today) {
                forms::DateEvent::Pending => {
                    self.mode = Mode::Date(view, form);
                    Ok(Outcome::Stay)
                }
                forms::DateEvent::Cancelled => {
                    self.mode = Mode::Sheet(view);
                    Ok(Outcome::Stay)
                }
                forms::DateEvent::Date(d) => {
                    if view.is_dirty() {
                        self.mode = Mode::Sheet(view);
                        return Ok(Outcome::Status(
                            "Save first (Ctrl-S), or Esc to leave these marks.".into(),
                        ));
                    }
                    self.open_sheet(view.class.clone(), d, ctx)?;
                    Ok(Outcome::Stay)
                }
            },
            Mode::Extra(view, mut dialog) => {
                let Input::Action(a) = input else {
                    self.mode = Mode::Extra(view, dialog);
                    return Ok(Outcome::Stay);
                };
                match dialog.handle(a) {
                    DialogOutcome::Pending => {
                        self.mode = Mode::Extra(view, dialog);
                        Ok(Outcome::Stay)
                    }
                    DialogOutcome::No => {
                        self.mode = Mode::Sheet(view);
                        Ok(Outcome::Status(
                            "Not saved: the marks are still on the sheet.".into(),
                        ))
                    }
                    DialogOutcome::Yes => self.save(view, true, ctx),
                }
            }
            Mode::Discard(view, mut dialog) => {
                let Input::Action(a) = input else {
                    self.mode = Mode::Discard(view, dialog);
                    return Ok(Outcome::Stay);
                };
                match dialog.handle(a) {
                    DialogOutcome::Pending => {
                        self.mode = Mode::Discard(view, dialog);
                        Ok(Outcome::Stay)
                    }
                    DialogOutcome::No => {
                        self.mode = Mode::Sheet(view);
                        Ok(Outcome::Stay)
                    }
                    DialogOutcome::Yes => {
                        self.reload(ctx)?;
                        Ok(Outcome::Status("Marks not saved were left.".into()))
                    }
                }
            }
        }
    }

    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        match &self.mode {
            Mode::List | Mode::Add(_) | Mode::Enrol(_) => {
                Table::new(&self.rows, &self.columns, &self.state, theme)
                    .title("Classes · Enter attendance · n add · e enrol/withdraw")
                    .empty_message("No classes yet: n adds one.")
                    .render(area, buf);
                match &self.mode {
                    Mode::Add(f) => f.render(area, buf, theme),
                    Mode::Enrol(f) => f.render(area, buf, theme),
                    _ => {}
                }
            }
            Mode::Sheet(v) => v.render(area, buf, theme),
            Mode::Date(v, f) => {
                v.render(area, buf, theme);
                f.render(area, buf, theme);
            }
            Mode::Extra(v, d) | Mode::Discard(v, d) => {
                v.render(area, buf, theme);
                d.as_ref().render(area, buf);
            }
        }
        if let Some(p) = &self.popup {
            p.render(area, buf);
        }
    }

    fn cursor(&self) -> Option<Position> {
        match &self.mode {
            Mode::Add(f) => f.cursor(),
            Mode::Enrol(f) => f.cursor(),
            Mode::Date(_, f) => f.cursor(),
            _ => None,
        }
    }

    fn has_unsaved_work(&self) -> bool {
        match &self.mode {
            Mode::Sheet(v) | Mode::Date(v, _) | Mode::Extra(v, _) | Mode::Discard(v, _) => {
                v.is_dirty()
            }
            Mode::Add(f) => !f.is_empty(),
            Mode::Enrol(f) => !f.is_empty(),
            Mode::List => false,
        }
    }

    fn help_intro(&self) -> &str {
        "Classes and their attendance. Enter on a class opens its sheet for the latest day it \
         met; mark each child with one key (p present, a absent, l late, e excused), r marks \
         everyone not yet marked present, Backspace goes back one, Ctrl-S saves. ←/→ step \
         between the days it meets; d types a date. n adds a class; e enrols or withdraws \
         a person by case number."
    }
}

#[cfg(test)]
mod tests;
