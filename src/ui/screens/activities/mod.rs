//! Activities: outreach and community work that is not about one
//! person's file (spot visits, parents' committee meetings, police
//! station and medico-legal unit visits, trainings, …). The list is
//! newest first (`list`); `/` narrows it by kind, year or month; Enter
//! opens one (`detail`); `n` records a new one (`form`).

pub mod detail;
mod form;
mod list;
#[cfg(test)]
mod tests;

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::Result;
use crate::domain::activities::Activity;
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::layout::text_line;
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::theme::Theme;
use crate::ui::widgets::table::{Table, TableEvent};
use form::{ActivityForm, FormResult};
use list::ActivityList;

const HELP: &str = "Outreach and community activities: spot visits, follow-up visits in the \
community, parents' committee and child group meetings, police station, medico-legal unit and \
jail visits, trainings, awareness sessions and sports events. The list is newest first. n \
records a new one: what, when, where, the staff who went, how many people took part by sex and \
age band, for a spot visit how many children were met for the first time, the case numbers of \
registered people who were there, and a short note without names. Enter opens one. / filters \
with kind:spot, kind:police, year:2026 or month:2026-03, or words from the place or staff.";

enum Mode {
    List,
    Detail(Box<Activity>),
    Form(Box<ActivityForm>),
}

pub struct ActivitiesScreen {
    list: ActivityList,
    mode: Mode,
}

impl Default for ActivitiesScreen {
    fn default() -> Self {
        ActivitiesScreen::new()
    }
}

impl ActivitiesScreen {
    pub fn new() -> ActivitiesScreen {
        ActivitiesScreen {
            list: ActivityList::default(),
            mode: Mode::List,
        }
    }

    fn reload(&mut self, ctx: &ScreenCtx<'_>, select: Option<i64>) -> Result<()> {
        let all = ctx
            .session
            .activities(&self.list.query.filter, list::LIMIT)?;
        self.list.set(all, select);
        Ok(())
    }

    fn handle_list(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let n = self.list.shown.len();
        match self.list.state.handle(input, n, &list::columns()) {
            TableEvent::QueryChanged(q) => {
                // A kind or a period is asked of the office file; words
                // only narrow what was read.
                let ask = self.list.set_query(&q);
                if ask {
                    self.reload(ctx, None)?;
                }
            }
            TableEvent::Activate(_) => {
                if let Some(a) = self.list.selected() {
                    // Read again: another terminal may have linked people
                    // since the list was read.
                    let a = ctx.session.activity(a.id)?;
                    self.mode = Mode::Detail(Box::new(a));
                }
            }
            TableEvent::Back => return Ok(Outcome::Back),
            TableEvent::Other(Action::New, _) => {
                let workers = ctx.session.workers()?;
                let me = ctx.session.user().id;
                self.mode = Mode::Form(Box::new(ActivityForm::new(workers, me, ctx)));
            }
            TableEvent::Other(Action::Refresh, _) => {
                self.reload(ctx, None)?;
                return Ok(Outcome::Status("Reloaded.".into()));
            }
            _ => {}
        }
        Ok(Outcome::Stay)
    }

    fn top_line(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let mut spans = vec![Span::styled(" ", t.base)];
        for c in self.list.query.chips() {
            spans.push(Span::styled(format!(" {c} "), t.key));
            spans.push(Span::styled(" ", t.base));
        }
        if let Some(p) = &self.list.problem {
            spans.push(Span::styled(p.clone(), t.error));
        }
        buf.set_style(area, t.base);
        Line::from(spans).render(area, buf);
    }

    fn render_list(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        // The line of filters in force only when there are some: at 80x24
        // every row of the list counts.
        let top = u16::from(!self.list.query.chips().is_empty() || self.list.problem.is_some());
        if top > 0 {
            self.top_line(Rect { height: 1, ..area }, buf, t);
        }
        let table = Rect {
            y: area.y + top,
            height: area.height - 2 - top,
            ..area
        };
        let rows = self.list.rows();
        let cols = list::columns();
        let filtered = !self.list.state.query().is_empty();
        let empty = if filtered {
            "No activity matches. Esc clears the filter."
        } else {
            "No activities recorded yet. Press n to record one."
        };
        Table::new(&rows, &cols, &self.list.state, t)
            .title("Activities, newest first")
            .empty_message(empty)
            .at_least(self.list.all.len() >= list::LIMIT)
            .render(table, buf);
        if let Some(a) = self.list.selected() {
            let g = &a.participants;
            let mut about = format!(
                "{} people: {} female, {} male, {} other",
                g.total(),
                g.sex_total(crate::domain::Sex::Female),
                g.sex_total(crate::domain::Sex::Male),
                g.sex_total(crate::domain::Sex::Other),
            );
            if a.new_identified > 0 {
                about.push_str(&format!(" · {} new", a.new_identified));
            }
            if !a.persons.is_empty() {
                about.push_str(&format!(" · {} registered", a.persons.len()));
            }
            text_line(buf, area, table.bottom(), &about, t.base);
        }
        let hint = "Enter opens · n new · / kind:spot year:2026 month:2026-03";
        text_line(buf, area, area.bottom() - 1, hint, t.hint);
    }
}

impl Screen for ActivitiesScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Activities
    }

    fn title(&self) -> String {
        match &self.mode {
            Mode::Detail(a) => format!("Activity: {}", a.kind.label()),
            Mode::Form(_) => "Record an activity".into(),
            Mode::List => "Activities".into(),
        }
    }

    fn context_stack(&self) -> &'static [Context] {
        match &self.mode {
            Mode::Form(f) => f.context_stack(),
            Mode::Detail(_) => stacks::LIST,
            Mode::List => self.list.state.context_stack(),
        }
    }

    fn refresh(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        self.reload(ctx, None)
    }

    fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        match &mut self.mode {
            Mode::Form(f) => match f.handle(input, ctx)? {
                FormResult::Pending => Ok(Outcome::Stay),
                FormResult::Status(s) => Ok(Outcome::Status(s)),
                FormResult::Cancelled => {
                    self.mode = Mode::List;
                    Ok(Outcome::Stay)
                }
                FormResult::Saved { id, message } => {
                    self.mode = Mode::List;
                    self.reload(ctx, Some(id))?;
                    Ok(Outcome::Status(message))
                }
            },
            Mode::Detail(_) => {
                if let Input::Action(Action::Back | Action::Confirm) = input {
                    self.mode = Mode::List;
                }
                Ok(Outcome::Stay)
            }
            Mode::List => self.handle_list(input, ctx),
        }
    }

    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        buf.set_style(area, theme.base);
        match &self.mode {
            Mode::Form(f) => f.render(area, buf),
            Mode::Detail(a) => detail::render(a, area, buf, theme),
            Mode::List if area.height >= 6 => self.render_list(area, buf, theme),
            Mode::List => {}
        }
    }

    fn cursor(&self) -> Option<Position> {
        match &self.mode {
            Mode::Form(f) => f.cursor(),
            _ => None,
        }
    }

    fn has_unsaved_work(&self) -> bool {
        matches!(&self.mode, Mode::Form(f) if f.is_dirty())
    }

    fn help_intro(&self) -> &str {
        HELP
    }
}
