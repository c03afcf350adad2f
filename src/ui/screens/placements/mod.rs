//! Placements: youth placed in jobs or set up in their own small business,
//! and the follow-up visits after. Two tabs, switched with ←/→:
//!
//! - **Placements**: every placement with where it stands, its last visit
//!   and the next due (`list`); Enter opens one with its visits
//!   (`visits`), `n` records a new one.
//! - **Follow-ups**: what is due and late from placements and from case
//!   files, most late first (`followups`); Enter goes straight to the
//!   form that records it, and saving moves the list on.
//!
//! Every form is an [`editor::Editor`] (its fields in `fields`), shared
//! with a person's file.

pub mod editor;
pub mod fields;
pub mod followups;
pub mod list;
pub mod visits;

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::Result;
use crate::domain::person::PersonId;
use crate::domain::placements::DueKind;
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input};
use crate::ui::layout::text_line;
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::theme::Theme;
use crate::ui::widgets::table::{Table, TableEvent};
use editor::{Editor, EditorOutcome, Job};
use followups::DueList;
use list::PlacementList;
use visits::VisitsView;

const HELP: &str = "Placements in jobs and own small businesses, and the follow-up visits \
after them. ← and → switch between Placements and Follow-ups. On Placements, Enter opens a \
placement with its visits (Enter there records the selected visit, n the next one, e ends \
the placement); n records a new placement; / filters with words like trade:tailoring \
status:working year:2026 kind:business, or a name. On Follow-ups, everything due by today \
from placements and case files is listed, most late first: Enter records the selected one, \
Space switches between yours and everyone's, / filters with kind:visit, kind:case, overdue \
or a name. A visit is missed (and no longer due) once a later visit of its placement is \
made; visits that fell due before a placement was entered are not recorded (entered later) \
and never due. Either can still be recorded from the placement's visits if it was made.";

/// Which list is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Placements = 0,
    FollowUps = 1,
}

impl Tab {
    fn label(self) -> &'static str {
        match self {
            Tab::Placements => "Placements",
            Tab::FollowUps => "Follow-ups",
        }
    }
}

#[derive(Default)]
pub struct PlacementsScreen {
    tab: Tab,
    list: PlacementList,
    due: DueList,
    visits: Option<VisitsView>,
    editor: Option<Editor>,
    today: chrono::NaiveDate,
    /// Each tab's list (by `Tab as usize`) must be read before it is shown.
    stale: [bool; 2],
    /// The placement to select once the list is read (one just saved).
    select: Option<i64>,
}

impl PlacementsScreen {
    pub fn new() -> PlacementsScreen {
        PlacementsScreen::default()
    }

    /// Only the tab in view is read now: on a large office each list
    /// takes a good part of a second to read, and the other is read when
    /// its tab is first shown.
    fn reload(&mut self, ctx: &ScreenCtx<'_>, select: Option<i64>) -> Result<()> {
        self.stale = [true, true];
        self.select = select;
        self.load_tab(ctx)?;
        if let Some(v) = &mut self.visits {
            v.load(ctx)?;
        }
        Ok(())
    }

    /// Read the tab in view if it is out of date.
    fn load_tab(&mut self, ctx: &ScreenCtx<'_>) -> Result<()> {
        let i = self.tab as usize;
        if !self.stale[i] {
            return Ok(());
        }
        match self.tab {
            Tab::Placements => {
                let all = ctx.session.placements(None, None, None)?;
                self.list.set(all, self.select.take());
            }
            Tab::FollowUps => self.due.load(ctx)?,
        }
        self.stale[i] = false;
        Ok(())
    }

    fn open(&mut self, job: Job, title: &str, ctx: &ScreenCtx<'_>) {
        self.editor = Some(Editor::new(job, title, None, ctx));
    }

    fn new_placement(&mut self, ctx: &ScreenCtx<'_>) -> Outcome {
        self.open(Job::NewPlacement, "Record a placement", ctx);
        Outcome::Stay
    }

    /// The form for the selected follow-up: a placement visit or a case
    /// follow-up done.
    fn open_due(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let Some(d) = self.due.selected().cloned() else {
            return Ok(Outcome::Stay);
        };
        if d.kind == DueKind::Case {
            let title = format!("Follow-up done · {} {} · {}", d.case_number, d.name, d.what);
            let job = Job::CaseFollowUp {
                follow_up_id: d.id,
                person_id: d.person_id,
            };
            self.open(job, &title, ctx);
            return Ok(Outcome::Stay);
        }
        // The visit's placement is among the person's few.
        for p in ctx
            .session
            .placements(None, None, Some(PersonId(d.person_id)))?
        {
            let visits = ctx.session.placement_visits(p.id)?;
            if let Some(v) = visits.iter().find(|v| v.id == d.id) {
                let title = format!(
                    "Visit · {} {} · {} · due {}",
                    p.case_number,
                    p.name,
                    list::work(&p),
                    crate::ui::dates::show(v.due_on)
                );
                let job = Job::Visit {
                    visit_id: v.id,
                    placement_id: p.id,
                    kind: p.kind,
                    starts_on: p.starts_on,
                };
                self.open(job, &title, ctx);
                return Ok(Outcome::Stay);
            }
        }
        self.reload(ctx, None)?;
        Ok(Outcome::Status(
            "That visit is no longer planned (the placement has ended). Reloaded.".into(),
        ))
    }

    fn handle_visits(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let Some(v) = &mut self.visits else {
            return Ok(Outcome::Stay);
        };
        let event = v.state.handle(input, v.visits.len(), &visits::columns());
        let p = v.placement.clone();
        let ended = p.ended_on.is_some();
        let visit = match event {
            TableEvent::Back => {
                self.visits = None;
                return Ok(Outcome::Stay);
            }
            TableEvent::Other(Action::Refresh, _) => {
                v.load(ctx)?;
                return Ok(Outcome::Status("Reloaded.".into()));
            }
            TableEvent::Other(Action::Edit, _) if ended => {
                return Ok(Outcome::Status("This placement has ended already.".into()));
            }
            TableEvent::Other(Action::Edit, _) => {
                let title = format!("End the placement · {} {}", p.case_number, p.name);
                let job = Job::End {
                    placement_id: p.id,
                    starts_on: p.starts_on,
                };
                self.open(job, &title, ctx);
                return Ok(Outcome::Stay);
            }
            TableEvent::Activate(_) => v.selected().cloned(),
            TableEvent::Other(Action::New, _) => v.next_planned().cloned(),
            _ => return Ok(Outcome::Stay),
        };
        let Some(visit) = visit else {
            return Ok(Outcome::Status("No visit is planned.".into()));
        };
        if ended {
            return Ok(Outcome::Status(
                "This placement has ended; its visits are closed.".into(),
            ));
        }
        if visit.done_on.is_some() {
            return Ok(Outcome::Status("This visit is recorded already.".into()));
        }
        let title = format!(
            "Visit · {} {} · due {}",
            p.case_number,
            p.name,
            crate::ui::dates::show(visit.due_on)
        );
        let job = Job::Visit {
            visit_id: visit.id,
            placement_id: p.id,
            kind: p.kind,
            starts_on: p.starts_on,
        };
        self.open(job, &title, ctx);
        Ok(Outcome::Stay)
    }

    fn handle_list(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let n = self.list.shown.len();
        match self.list.state.handle(input, n, &list::columns()) {
            TableEvent::QueryChanged(q) => self.list.set_query(&q),
            TableEvent::SortChanged { .. } => self.list.apply(),
            TableEvent::Activate(_) => {
                if let Some(p) = self.list.selected() {
                    self.visits = Some(VisitsView::open(p.id, ctx)?);
                }
            }
            TableEvent::Back => return Ok(Outcome::Back),
            TableEvent::Other(Action::New, _) => return Ok(self.new_placement(ctx)),
            TableEvent::Other(Action::Refresh, _) => {
                self.reload(ctx, None)?;
                return Ok(Outcome::Status("Reloaded.".into()));
            }
            _ => {}
        }
        Ok(Outcome::Stay)
    }

    fn handle_due(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let n = self.due.shown.len();
        match self.due.state.handle(input, n, &followups::columns()) {
            TableEvent::QueryChanged(q) => {
                // A kind or "overdue" is asked of the office file; words
                // only narrow what is read.
                let ask = self.due.set_query(&q);
                if ask {
                    self.due.load(ctx)?;
                }
            }
            TableEvent::Activate(_) => return self.open_due(ctx),
            TableEvent::Back => return Ok(Outcome::Back),
            TableEvent::Other(Action::Toggle, _) => {
                self.due.mine = !self.due.mine;
                self.due.state.select(0);
                self.due.load(ctx)?;
            }
            TableEvent::Other(Action::New, _) => return Ok(self.new_placement(ctx)),
            TableEvent::Other(Action::Refresh, _) => {
                self.due.load(ctx)?;
                return Ok(Outcome::Status("Reloaded.".into()));
            }
            _ => {}
        }
        Ok(Outcome::Stay)
    }

    fn top_line(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let mut spans = vec![Span::styled(" ", t.base)];
        for tab in [Tab::Placements, Tab::FollowUps] {
            let style = if tab == self.tab { t.selected } else { t.hint };
            spans.push(Span::styled(format!(" {} ", tab.label()), style));
            spans.push(Span::styled(" ", t.base));
        }
        let (chips, problem) = match self.tab {
            Tab::Placements => (self.list.filter.chips(), &self.list.problem),
            Tab::FollowUps => (self.due.chips(), &self.due.problem),
        };
        for c in chips {
            spans.push(Span::styled(format!(" {c} "), t.key));
            spans.push(Span::styled(" ", t.base));
        }
        if let Some(p) = problem {
            spans.push(Span::styled(p.clone(), t.error));
        }
        buf.set_style(area, t.base);
        Line::from(spans).render(area, buf);
    }

    fn render_list(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let table = Rect {
            height: area.height - 2,
            ..area
        };
        let rows = self.list.rows(self.today);
        let cols = list::columns();
        let empty = if self.list.state.query().is_empty() {
            "No placements yet. Press n to record one."
        } else {
            "No placement matches. Esc clears the filter."
        };
        Table::new(&rows, &cols, &self.list.state, t)
            .title("Placements, newest first")
            .empty_message(empty)
            .render(table, buf);
        if let Some(p) = self.list.selected() {
            let mut about = format!(
                "{} · {} · since {}",
                p.name,
                list::about(p),
                crate::ui::dates::show(p.starts_on)
            );
            if let Some(wage) = p.wage {
                about.push_str(&format!(" · Rs {wage} a month"));
            }
            if let Some(e) = p.ended_on {
                about.push_str(&format!(" · ended {e}: {}", p.end_reason));
            }
            text_line(buf, area, table.bottom(), &about, t.base);
        }
        let hint = "Enter visits · n new · / filters trade: status: year: kind:";
        text_line(buf, area, area.bottom() - 1, hint, t.hint);
    }

    fn render_due(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let table = Rect {
            height: area.height - 2,
            ..area
        };
        let rows = self.due.rows(self.today);
        let cols = followups::columns();
        let late = self.due.late_count(self.today);
        let title = format!("Due by today, most late first · {late} late");
        let empty = if self.due.mine {
            "Nothing of yours is due. Space shows everyone's."
        } else {
            "Nothing is due. Well done."
        };
        Table::new(&rows, &cols, &self.due.state, t)
            .title(title)
            .empty_message(empty)
            .at_least(self.due.at_least)
            .render(table, buf);
        if let Some(about) = self.due.about() {
            text_line(buf, area, table.bottom(), &about, t.base);
        }
        let hint = "Enter records · Space mine/all · / kind:visit kind:case overdue";
        text_line(buf, area, area.bottom() - 1, hint, t.hint);
    }
}

impl Screen for PlacementsScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Placements
    }

    fn title(&self) -> String {
        match (&self.visits, self.tab) {
            (Some(v), _) => format!("Placement of {}", v.placement.case_number),
            (None, Tab::FollowUps) => "Follow-ups".into(),
            (None, Tab::Placements) => "Placements".into(),
        }
    }

    fn context_stack(&self) -> &'static [Context] {
        if let Some(ed) = &self.editor {
            return ed.context_stack();
        }
        if let Some(v) = &self.visits {
            return v.state.context_stack();
        }
        match self.tab {
            Tab::Placements => self.list.state.context_stack(),
            Tab::FollowUps => self.due.state.context_stack(),
        }
    }

    fn refresh(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        self.today = ctx.today;
        self.reload(ctx, None)
    }

    fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        if let Some(ed) = &mut self.editor {
            return Ok(match ed.handle(input, ctx)? {
                EditorOutcome::Pending => Outcome::Stay,
                EditorOutcome::Status(s) => Outcome::Status(s),
                EditorOutcome::Cancelled { stale } => {
                    self.editor = None;
                    if stale {
                        self.reload(ctx, None)?;
                    }
                    Outcome::Stay
                }
                EditorOutcome::Saved { message, placement } => {
                    self.editor = None;
                    self.reload(ctx, placement)?;
                    Outcome::Status(message)
                }
            });
        }
        if self.visits.is_some() {
            return self.handle_visits(input, ctx);
        }
        let searching = match self.tab {
            Tab::Placements => self.list.state.is_searching(),
            Tab::FollowUps => self.due.state.is_searching(),
        };
        if !searching && let Input::Action(Action::Left | Action::Right) = input {
            self.tab = match self.tab {
                Tab::Placements => Tab::FollowUps,
                Tab::FollowUps => Tab::Placements,
            };
            self.load_tab(ctx)?;
            return Ok(Outcome::Stay);
        }
        match self.tab {
            Tab::Placements => self.handle_list(input, ctx),
            Tab::FollowUps => self.handle_due(input, ctx),
        }
    }

    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        buf.set_style(area, theme.base);
        if let Some(ed) = &self.editor {
            ed.render(area, buf);
            return;
        }
        if let Some(v) = &self.visits {
            v.render(area, buf, theme);
            return;
        }
        if area.height < 6 {
            return;
        }
        self.top_line(Rect { height: 1, ..area }, buf, theme);
        let rest = Rect {
            y: area.y + 1,
            height: area.height - 1,
            ..area
        };
        match self.tab {
            Tab::Placements => self.render_list(rest, buf, theme),
            Tab::FollowUps => self.render_due(rest, buf, theme),
        }
    }

    fn cursor(&self) -> Option<Position> {
        self.editor.as_ref().and_then(Editor::cursor)
    }

    fn has_unsaved_work(&self) -> bool {
        self.editor.as_ref().is_some_and(Editor::is_dirty)
    }

    fn help_intro(&self) -> &str {
        HELP
    }
}
