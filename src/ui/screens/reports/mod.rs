//! Reports (managers): choose a period (`period`), then read every
//! indicator with the previous period beside it and the selected one by
//! sex and age band (`view`), or the month-by-month bar charts of new
//! cases and services (`chart`); ←/→ switch between the two. Enter on an
//! indicator lists the records behind it (`drill`), and Enter on a person
//! there opens their file. Space switches to the de-identified view (what
//! may leave the office: counts from 1 to 4 and the numbers that would
//! reveal them withheld as `x`, no names), for a whole calendar month,
//! quarter or year only; for any other period the heading says so.
//!
//! Running a report is recorded in the audit trail by the office layer;
//! the de-identified view is worked out from the report already run.

mod chart;
mod drill;
pub mod grid;
mod period;
#[cfg(test)]
mod tests;
mod view;

use crate::office::rules::Capability;
use std::sync::mpsc::{self, Receiver, TryRecvError};

use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::domain::reports::{Period, RecordKind, Report};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::layout::text_line;
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::theme::Theme;
use crate::ui::widgets::form::{Form, FormOutcome, FormValues};
use crate::ui::widgets::table::{Table, TableEvent, TableState};
use crate::ui::words::sentence;
use crate::{Error, Result};
use drill::{Drill, Selected};
use period::Choice;
use view::{ReportView, Tab};

const HELP: &str = "The report for any period, as donors and head office ask for it. Choose \
the period (this month, last month, this or last quarter, this or last year, or type two \
dates) and press Enter. Every indicator is listed with the previous period of the same length \
beside it; under the list, the selected indicator by sex and age band. ← and → switch to the \
bar charts of new cases and services per month. Enter on an indicator lists the people (or \
activities) behind its number; Enter on a person opens their file. Space switches to the \
de-identified view (whole calendar months, quarters and years only), which withholds (x) \
counts from 1 to 4 and the numbers that would let one be worked out, keeps the totals \
wherever that is safe, and has no names. Esc goes back to the periods. For the text of a \
donor report, use casedesk report on the command line.";

enum Mode {
    /// Not a manager: a calm message (the office layer refuses too).
    Denied,
    Choose,
    Dates(Box<Form>),
    /// The report is being counted on a worker session (a year on a
    /// large office takes a moment): the answer comes by channel.
    Running(Period, Receiver<Result<Report>>),
    Report(Box<ReportView>),
    Drill(Box<ReportView>, Box<Drill>),
}

pub struct ReportsScreen {
    mode: Mode,
    choose: TableState,
    today: NaiveDate,
    theme: Theme,
}

impl Default for ReportsScreen {
    fn default() -> Self {
        ReportsScreen::new()
    }
}

impl ReportsScreen {
    pub fn new() -> ReportsScreen {
        ReportsScreen {
            mode: Mode::Choose,
            choose: TableState::new(),
            today: crate::clock::today(),
            theme: Theme::default(),
        }
    }

    /// Start counting the report for `period` off the UI thread, on a
    /// session of its own (the same login; running it is audited there).
    fn run(&mut self, period: Period, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let worker = ctx.session.worker()?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(crate::clock::carry(move || {
            // Nobody waits any more if the screen was left: nothing to do.
            let _ = tx.send(worker.report_for_screen(period));
        }));
        self.mode = Mode::Running(period, rx);
        Ok(Outcome::Stay)
    }

    /// Pick up a report counted off the UI thread.
    fn poll(&mut self) -> Result<Outcome> {
        let Mode::Running(_, rx) = &self.mode else {
            return Ok(Outcome::Stay);
        };
        let answer = match rx.try_recv() {
            Ok(answer) => answer,
            Err(TryRecvError::Empty) => return Ok(Outcome::Stay),
            Err(TryRecvError::Disconnected) => {
                self.mode = Mode::Choose;
                return Ok(Outcome::Status(
                    "The report stopped before it was ready. Try again.".into(),
                ));
            }
        };
        match answer {
            Ok(report) => {
                let words = crate::ui::words::capitalise(&report.period.words());
                self.mode = Mode::Report(Box::new(ReportView::new(report)));
                Ok(Outcome::Status(format!(
                    "{words}: report ready. Enter lists who is behind a number."
                )))
            }
            Err(Error::NotAllowed(_)) => {
                self.mode = Mode::Denied;
                Ok(Outcome::Stay)
            }
            Err(e) => {
                self.mode = Mode::Choose;
                Err(e)
            }
        }
    }

    fn handle_choose(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        if let Input::Action(Action::Search) = input {
            return Ok(Outcome::Stay);
        }
        let n = Choice::ALL.len();
        match self.choose.handle(input, n, &period::columns()) {
            TableEvent::Activate(i) => {
                let Some(choice) = Choice::ALL.get(i) else {
                    return Ok(Outcome::Stay);
                };
                match choice.period(ctx.today) {
                    Some(p) => self.run(p, ctx),
                    None => {
                        self.mode = Mode::Dates(Box::new(period::dates_form(ctx.today, ctx.theme)));
                        Ok(Outcome::Stay)
                    }
                }
            }
            TableEvent::Back => Ok(Outcome::Back),
            _ => Ok(Outcome::Stay),
        }
    }

    /// The typed period, or the message for the "To" field.
    fn typed_period(v: &FormValues) -> std::result::Result<Period, String> {
        match (v.date(period::FROM), v.date(period::TO)) {
            // Said here with the dates as the desk shows them (the
            // domain's message has the command line's YYYY-MM-DD).
            (Some(from), Some(to)) if to < from => Err(format!(
                "The period ends ({}) before it starts ({}).",
                crate::ui::dates::show(to),
                crate::ui::dates::show(from)
            )),
            (Some(from), Some(to)) => Period::new(from, to).map_err(|e| sentence(&e)),
            _ => Err("Give both dates.".into()),
        }
    }

    /// The records behind the selected indicator, in a list.
    fn drill(
        view: &ReportView,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<std::result::Result<Drill, String>> {
        let Some((_, ind)) = view.selected() else {
            return Ok(Err(String::new()));
        };
        if view.deidentified {
            return Ok(Err(
                "The de-identified view has no names. Space shows the full report.".into(),
            ));
        }
        let report = view.report();
        let records =
            ctx.session
                .report_records(report.period, ind.record_kind, &ind.current.records)?;
        let what = match ind.record_kind {
            RecordKind::Person if records.len() == 1 => "person",
            RecordKind::Person => "people",
            RecordKind::Activity if records.len() == 1 => "activity",
            RecordKind::Activity => "activities",
        };
        let title = format!(
            "{}: {} {what}, {}",
            ind.label.trim(),
            records.len(),
            report.period.words()
        );
        Ok(Ok(Drill::new(title, records)))
    }

    fn handle_report(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let Mode::Report(view) = &mut self.mode else {
            return Ok(Outcome::Stay);
        };
        match input {
            Input::Action(Action::Left | Action::Right) => {
                view.tab = match view.tab {
                    Tab::Indicators => Tab::Charts,
                    Tab::Charts => Tab::Indicators,
                };
                return Ok(Outcome::Stay);
            }
            Input::Action(Action::Toggle) => {
                if !view.can_deidentify() {
                    return Ok(Outcome::Status(view::CALENDAR_ONLY.into()));
                }
                view.deidentified = !view.deidentified;
                return Ok(Outcome::Status(if view.deidentified {
                    "De-identified: small counts and the numbers that would reveal them are withheld (x), no names.".into()
                } else {
                    "The full report, with the records behind each number.".into()
                }));
            }
            Input::Action(Action::Refresh) => {
                let p = view.report().period;
                return self.run(p, ctx);
            }
            // Indicators are not searched: the list is short and fixed.
            Input::Action(Action::Search) => return Ok(Outcome::Stay),
            Input::Action(Action::Back) => {
                self.mode = Mode::Choose;
                return Ok(Outcome::Stay);
            }
            _ => {}
        }
        if view.tab == Tab::Charts {
            return Ok(Outcome::Stay);
        }
        let n = view.len();
        if let TableEvent::Activate(_) = view.state.handle(input, n, &view::columns()) {
            match ReportsScreen::drill(view, ctx)? {
                Ok(d) => {
                    let Mode::Report(view) = std::mem::replace(&mut self.mode, Mode::Choose) else {
                        return Ok(Outcome::Stay);
                    };
                    self.mode = Mode::Drill(view, Box::new(d));
                }
                Err(msg) if msg.is_empty() => {}
                Err(msg) => return Ok(Outcome::Status(msg)),
            }
        }
        Ok(Outcome::Stay)
    }

    fn handle_drill(&mut self, input: Input) -> Outcome {
        let Mode::Drill(_, d) = &mut self.mode else {
            return Outcome::Stay;
        };
        if d.open.is_some() {
            if let Input::Action(Action::Back | Action::Confirm) = input {
                d.open = None;
            }
            return Outcome::Stay;
        }
        if let Input::Action(Action::Search) = input {
            return Outcome::Stay;
        }
        let n = d.len();
        match d.state.handle(input, n, &d.columns()) {
            TableEvent::Activate(_) => match d.selected() {
                Some(Selected::Person(id)) => return Outcome::OpenPerson(id),
                Some(Selected::Activity(a)) => d.open = Some(Box::new(a.clone())),
                None => {}
            },
            TableEvent::Back => {
                if let Mode::Drill(view, _) = std::mem::replace(&mut self.mode, Mode::Choose) {
                    self.mode = Mode::Report(view);
                }
            }
            _ => {}
        }
        Outcome::Stay
    }

    fn render_denied(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border)
            .style(t.base)
            .title(Span::styled(" Reports ", t.title));
        let inner = block.inner(area);
        block.render(area, buf);
        let text = vec![
            Line::from(""),
            Line::from(Span::styled("Only the manager runs reports.", t.base)),
            Line::from(""),
            Line::from(Span::styled(
                "A report counts everyone in the office's files, with the names behind each \
                 number, so it is the manager's work. For this month's numbers, ask the manager. \
                 Choose another screen with the number keys or the menu.",
                t.hint,
            )),
        ];
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .render(inner, buf);
    }

    fn render_choose(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        text_line(
            buf,
            area,
            area.y,
            "Choose the period of the report",
            t.title,
        );
        let table = Rect {
            y: area.y + 1,
            height: area.height - 2,
            ..area
        };
        let rows = period::rows(self.today);
        Table::new(&rows, &period::columns(), &self.choose, t)
            .title("Periods")
            .render(table, buf);
        text_line(
            buf,
            area,
            area.bottom() - 1,
            "Enter runs the report for the period · Esc back",
            t.hint,
        );
    }

    fn render_report(view: &ReportView, area: Rect, buf: &mut Buffer, t: &Theme) {
        let mut spans = vec![Span::styled(" ", t.base)];
        for (tab, label) in [(Tab::Indicators, "Indicators"), (Tab::Charts, "Charts")] {
            let style = if tab == view.tab { t.selected } else { t.hint };
            spans.push(Span::styled(format!(" {label} "), style));
            spans.push(Span::styled(" ", t.base));
        }
        if view.deidentified {
            spans.push(Span::styled(" de-identified ", t.warning));
            spans.push(Span::styled(" ", t.base));
        }
        spans.push(Span::styled(view.heading(), t.base));
        buf.set_style(Rect { height: 1, ..area }, t.base);
        Line::from(spans).render(Rect { height: 1, ..area }, buf);
        let body = Rect {
            y: area.y + 1,
            height: area.height - 2,
            ..area
        };
        match view.tab {
            Tab::Indicators => view.render_indicators(body, buf, t),
            Tab::Charts => {
                let (cases, services) = chart::series(view.report(), view.view());
                let top = Rect {
                    height: body.height / 2,
                    ..body
                };
                let bottom = Rect {
                    y: top.bottom(),
                    height: body.height - top.height,
                    ..body
                };
                chart::render("New cases per month", &cases, top, buf, t);
                chart::render("Services per month", &services, bottom, buf, t);
            }
        }
        // The keys line whole, in shorter words when the desk is narrow
        // (the menu beside it at 80 columns), never cut off.
        let hints: [&str; 2] = match view.tab {
            Tab::Indicators => [
                "Enter: who is behind it · Space: de-identified · →: charts · Esc: period",
                "Enter: who · Space: de-identify · →: charts · Esc: period",
            ],
            Tab::Charts => [
                "←: indicators · Space: de-identified · Esc: period",
                "←: indicators · Space: de-identify · Esc: period",
            ],
        };
        let room = usize::from(area.width.saturating_sub(1));
        let hint = hints
            .into_iter()
            .find(|h| crate::safe_text::width(h) <= room)
            .unwrap_or(hints[1]);
        text_line(buf, area, area.bottom() - 1, hint, t.hint);
    }

    fn render_drill(d: &Drill, area: Rect, buf: &mut Buffer, t: &Theme) {
        if let Some(a) = &d.open {
            crate::ui::screens::activities::detail::render(a, area, buf, t);
            return;
        }
        let table = Rect {
            height: area.height - 1,
            ..area
        };
        d.render(table, buf, t);
        let hint = match d.records {
            crate::office::reports::Records::People(_) => {
                "Enter opens the person's file · Esc back to the report"
            }
            crate::office::reports::Records::Activities(_) => {
                "Enter shows the activity · Esc back to the report"
            }
        };
        text_line(buf, area, area.bottom() - 1, hint, t.hint);
    }
}

impl Screen for ReportsScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Reports
    }

    fn title(&self) -> String {
        match &self.mode {
            Mode::Report(v) | Mode::Drill(v, _) => {
                format!("Report: {}", v.report().period.words())
            }
            _ => "Reports".into(),
        }
    }

    fn context_stack(&self) -> &'static [Context] {
        match &self.mode {
            Mode::Dates(f) => f.context_stack(),
            Mode::Choose => self.choose.context_stack(),
            Mode::Report(v) => v.state.context_stack(),
            Mode::Drill(_, d) => d.state.context_stack(),
            Mode::Denied | Mode::Running(..) => stacks::LIST,
        }
    }

    /// Shows the periods; a report already on screen stays (coming back
    /// from a person's file must not run it again).
    fn refresh(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        self.today = ctx.today;
        self.theme = ctx.theme.clone();
        if !ctx.session.may(Capability::RunReports) {
            self.mode = Mode::Denied;
        } else if matches!(self.mode, Mode::Denied) {
            self.mode = Mode::Choose;
        }
        Ok(())
    }

    fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        match &mut self.mode {
            Mode::Denied => Ok(match input {
                Input::Action(Action::Back) => Outcome::Back,
                _ => Outcome::Stay,
            }),
            Mode::Choose => self.handle_choose(input, ctx),
            Mode::Dates(form) => match form.handle(input) {
                FormOutcome::Pending => Ok(Outcome::Stay),
                FormOutcome::Cancelled => {
                    self.mode = Mode::Choose;
                    Ok(Outcome::Stay)
                }
                FormOutcome::Submitted(v) => match ReportsScreen::typed_period(&v) {
                    Ok(p) => self.run(p, ctx),
                    Err(msg) => {
                        form.set_error(period::TO, msg);
                        Ok(Outcome::Status("Not run: check the dates.".into()))
                    }
                },
            },
            // Esc leaves the count behind (its answer is dropped).
            Mode::Running(..) => {
                if let Input::Action(Action::Back) = input {
                    self.mode = Mode::Choose;
                }
                Ok(Outcome::Stay)
            }
            Mode::Report(_) => self.handle_report(input, ctx),
            Mode::Drill(..) => Ok(self.handle_drill(input)),
        }
    }

    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        buf.set_style(area, theme.base);
        if area.height < 8 {
            return;
        }
        match &self.mode {
            Mode::Denied => self.render_denied(area, buf, theme),
            Mode::Choose => self.render_choose(area, buf, theme),
            Mode::Dates(f) => f.as_ref().render(area, buf),
            Mode::Running(p, _) => {
                let words = crate::ui::words::capitalise(&p.words());
                let text = format!("Counting the report for {words}…");
                text_line(buf, area, area.y + 1, &text, theme.base);
                text_line(buf, area, area.y + 3, "Esc stops waiting.", theme.hint);
            }
            Mode::Report(v) => ReportsScreen::render_report(v, area, buf, theme),
            Mode::Drill(_, d) => ReportsScreen::render_drill(d, area, buf, theme),
        }
    }

    fn cursor(&self) -> Option<Position> {
        match &self.mode {
            Mode::Dates(f) => f.cursor_position(),
            _ => None,
        }
    }

    fn help_intro(&self) -> &str {
        HELP
    }

    fn tick(&mut self, _ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        self.poll()
    }

    fn is_working(&self) -> bool {
        matches!(self.mode, Mode::Running(..))
    }
}
