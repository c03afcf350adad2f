//! One person's file: a header (case number, name, age, programme, status,
//! risk, worker) and one section at a time, chosen with ←/→: Profile,
//! Timeline, Services, Follow-ups, Goals, Status, History, Placements and
//! Classes.
//!
//! Opening the file is recorded in the audit trail
//! (`Session::person_viewed`), once per opening. Every change is one
//! office call, in one write transaction. A profile is saved with the
//! version it was loaded at: when someone else saved in between, the save
//! is refused, the message names what they changed, the file is reloaded
//! and the form keeps what was typed (with their new values shown beside
//! the fields they changed), so nothing is silently overwritten and
//! nothing is lost.
//!
//! Where things are: this module holds the screen and its keys; `tabs`
//! the sections and their drawing; `editors` the forms a file opens and
//! their saves; `casework` the fields of the casework forms and where
//! each rule's message goes; [`profile`] the profile form shared with
//! intake; `progress` the placements and classes sections (their forms
//! are the Placements screen's editors).

mod casework;
mod editors;
pub mod profile;
mod progress;
mod tabs;

use crate::office::rules::Capability;
use std::collections::HashMap;

use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;

use crate::Result;
use crate::domain::Role;
use crate::domain::casework::{FollowUp, Goal, HistoryEntry, Service, StatusStep, TimelineEntry};
use crate::domain::person::{Person, PersonId};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::screens::placements::editor::{Editor as WorkEditor, EditorOutcome};
use crate::ui::theme::Theme;
use crate::ui::widgets::dialog::{DialogOutcome, MessagePopup};
use crate::ui::widgets::form::FormOutcome;
use crate::ui::widgets::table::{TableEvent, TableState};
use editors::{Editor, StatusConfirm};
use profile::Worker;
use progress::Progress;
pub use tabs::Tab;

const HELP: &str = "A person's file. ← and → move between the sections. On Profile, e edits \
the profile (Ctrl-S saves). On Services, Follow-ups and Goals, n adds one; Enter on an open \
follow-up marks it done, on a goal marks it achieved. On Status, n or Enter moves the case \
on (registered → active → closed with a reason → reopened). Timeline shows everything that \
happened, newest first; counselling sessions show only that they were held. History lists \
every profile change with who made it and when. Placements lists jobs and businesses with \
their visits: n records a placement, Enter on a visit due records it. Classes shows the \
classes and attendance, the monthly literacy tests as a chart, and skill courses completed.";

pub struct PersonScreen {
    id: PersonId,
    person: Option<Person>,
    /// The opening was recorded in the audit trail.
    viewed: bool,
    tab: Tab,
    timeline: Vec<TimelineEntry>,
    services: Vec<Service>,
    follow_ups: Vec<FollowUp>,
    goals: Vec<Goal>,
    steps: Vec<StatusStep>,
    history: Vec<HistoryEntry>,
    names: HashMap<i64, String>,
    workers: Vec<Worker>,
    /// Placements and classes (empty for psychologists).
    progress: Progress,
    tables: [TableState; 9],
    profile_scroll: usize,
    editor: Option<Editor>,
    /// A placement or visit form (the Placements screen's).
    work: Option<WorkEditor>,
    confirm: Option<StatusConfirm>,
    popup: Option<MessagePopup>,
    today: NaiveDate,
    theme: Theme,
    role: Role,
}

impl PersonScreen {
    pub fn new(person_id: i64) -> PersonScreen {
        PersonScreen {
            id: PersonId(person_id),
            person: None,
            viewed: false,
            tab: Tab::Profile,
            timeline: Vec::new(),
            services: Vec::new(),
            follow_ups: Vec::new(),
            goals: Vec::new(),
            steps: Vec::new(),
            history: Vec::new(),
            names: HashMap::new(),
            workers: Vec::new(),
            progress: Progress::default(),
            tables: Default::default(),
            profile_scroll: 0,
            editor: None,
            work: None,
            confirm: None,
            popup: None,
            today: NaiveDate::default(),
            theme: Theme::default(),
            role: Role::Staff,
        }
    }

    /// The section shown (tests).
    pub fn tab(&self) -> Tab {
        self.tab
    }

    /// Show a section (tests, and the shell's deep links).
    pub fn show(&mut self, tab: Tab) {
        self.tab = tab;
    }

    pub fn person(&self) -> Option<&Person> {
        self.person.as_ref()
    }

    /// Read everything the sections show. The first load records the view.
    fn load(&mut self, ctx: &ScreenCtx<'_>) -> Result<()> {
        let session = &*ctx.session;
        let file = session.person_file(self.id)?;
        if !self.viewed {
            session.person_viewed(self.id, "")?;
            self.viewed = true;
        }
        self.person = Some(file.person);
        self.timeline = file.timeline;
        self.services = file.services;
        self.follow_ups = file.follow_ups;
        self.goals = file.goals;
        self.steps = file.steps;
        self.history = file.history;
        self.names = session.account_names()?.into_iter().collect();
        self.workers = profile::workers(session)?;
        if session.may(Capability::SeeClasses) {
            self.progress = Progress::load(session, self.id)?;
        }
        Ok(())
    }

    fn may_change(&self) -> bool {
        Capability::ChangeFile.allows(self.role)
    }

    fn worker_name(&self, id: Option<i64>) -> String {
        id.and_then(|i| self.names.get(&i).cloned())
            .unwrap_or_default()
    }
}

impl Screen for PersonScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Register
    }

    fn title(&self) -> String {
        match &self.person {
            Some(p) => format!("File {}", p.case_number),
            None => "File".into(),
        }
    }

    fn context_stack(&self) -> &'static [Context] {
        if self.popup.is_some() || self.confirm.is_some() {
            return stacks::DIALOG;
        }
        if let Some(w) = &self.work {
            return w.context_stack();
        }
        if let Some(ed) = &self.editor {
            return ed.form.context_stack();
        }
        match self.tab {
            Tab::Profile | Tab::Classes => stacks::LIST,
            t => self.tables[t.index()].context_stack(),
        }
    }

    fn refresh(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        self.today = ctx.today;
        self.theme = ctx.theme.clone();
        self.role = ctx.session.role();
        self.load(ctx)
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
        if let Some(c) = &mut self.confirm {
            let action = match input {
                Input::Action(a) => a,
                _ => return Ok(Outcome::Stay),
            };
            return match c.dialog.handle(action) {
                DialogOutcome::Pending => Ok(Outcome::Stay),
                DialogOutcome::No => {
                    self.confirm = None;
                    Ok(Outcome::Stay)
                }
                DialogOutcome::Yes => {
                    let Some(c) = self.confirm.take() else {
                        return Ok(Outcome::Stay);
                    };
                    self.apply_status(c.change, ctx)
                }
            };
        }
        if let Some(w) = &mut self.work {
            return Ok(match w.handle(input, ctx)? {
                EditorOutcome::Pending => Outcome::Stay,
                EditorOutcome::Status(s) => Outcome::Status(s),
                EditorOutcome::Cancelled { stale } => {
                    self.work = None;
                    if stale {
                        self.load(ctx)?;
                    }
                    Outcome::Stay
                }
                EditorOutcome::Saved { message, .. } => {
                    self.work = None;
                    self.load(ctx)?;
                    Outcome::Status(message)
                }
            });
        }
        if let Some(ed) = &mut self.editor {
            return match ed.form.handle(input) {
                FormOutcome::Pending => Ok(Outcome::Stay),
                FormOutcome::Cancelled => {
                    self.editor = None;
                    Ok(Outcome::Stay)
                }
                FormOutcome::Submitted(values) => self.save(values, ctx),
            };
        }
        let searching = !matches!(self.tab, Tab::Profile | Tab::Classes)
            && self.tables[self.tab.index()].is_searching();
        if !searching {
            match input {
                Input::Action(a @ (Action::Left | Action::Right)) => {
                    self.tab = self.tab.step(if a == Action::Left { -1 } else { 1 });
                    return Ok(Outcome::Stay);
                }
                Input::Action(Action::Refresh) => {
                    self.load(ctx)?;
                    return Ok(Outcome::Status("Reloaded.".into()));
                }
                Input::Action(Action::New | Action::Edit) if !self.may_change() => {
                    return Ok(Outcome::Status(
                        "Only staff and managers change a person's file.".into(),
                    ));
                }
                _ => {}
            }
        }
        if self.tab == Tab::Profile {
            let n = self.profile_lines().len();
            match input {
                Input::Action(Action::Edit) => self.open_profile_editor(),
                Input::Action(Action::Down) => {
                    self.profile_scroll = (self.profile_scroll + 1).min(n.saturating_sub(1))
                }
                Input::Action(Action::Up) => {
                    self.profile_scroll = self.profile_scroll.saturating_sub(1)
                }
                Input::Action(Action::PageDown | Action::End) => {
                    self.profile_scroll = n.saturating_sub(1)
                }
                Input::Action(Action::PageUp | Action::Home) => self.profile_scroll = 0,
                Input::Action(Action::Back) => return Ok(Outcome::Back),
                _ => {}
            }
            return Ok(Outcome::Stay);
        }
        if self.tab == Tab::Classes {
            return Ok(match input {
                Input::Action(Action::Back) => Outcome::Back,
                _ => Outcome::Stay,
            });
        }
        let len = self.rows(self.tab).len();
        let cols = self.tab.columns();
        let i = self.tab.index();
        match self.tables[i].handle(input, len, &cols) {
            TableEvent::Back => Ok(Outcome::Back),
            TableEvent::Other(Action::New, _) if self.tab == Tab::Placements => {
                self.open_placement(ctx);
                Ok(Outcome::Stay)
            }
            TableEvent::Other(Action::New, _) => {
                self.open_add();
                Ok(Outcome::Stay)
            }
            TableEvent::Activate(row) if self.may_change() && self.tab == Tab::Placements => {
                self.open_visit(row, ctx);
                Ok(Outcome::Stay)
            }
            TableEvent::Activate(row) if self.may_change() => {
                self.open_selected(row);
                Ok(Outcome::Stay)
            }
            TableEvent::Other(Action::Edit, _) => {
                self.tab = Tab::Profile;
                self.open_profile_editor();
                Ok(Outcome::Stay)
            }
            _ => Ok(Outcome::Stay),
        }
    }

    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        buf.set_style(area, theme.base);
        if let Some(w) = &self.work {
            w.render(area, buf);
        } else if let Some(ed) = &self.editor {
            (&ed.form).render(area, buf);
        } else if area.height >= 6 {
            if self.person.is_none() {
                return;
            }
            self.header(Rect { height: 3, ..area }, buf, theme);
            self.tabs(
                Rect {
                    y: area.y + 3,
                    height: 1,
                    ..area
                },
                buf,
                theme,
            );
            let rest = Rect {
                y: area.y + 4,
                height: area.height - 4,
                ..area
            };
            match self.tab {
                Tab::Profile => self.render_profile(rest, buf, theme),
                Tab::Classes => self.render_classes(rest, buf, theme),
                _ => self.render_list(rest, buf, theme),
            }
        }
        if let Some(c) = &self.confirm {
            (&c.dialog).render(area, buf);
        }
        if let Some(p) = &self.popup {
            p.render(area, buf);
        }
    }

    fn cursor(&self) -> Option<Position> {
        if let Some(w) = &self.work {
            return w.cursor();
        }
        match (&self.editor, &self.popup, &self.confirm) {
            (Some(ed), None, None) => ed.form.cursor_position(),
            _ => None,
        }
    }

    fn has_unsaved_work(&self) -> bool {
        self.editor.as_ref().is_some_and(|e| e.form.is_dirty())
            || self.work.as_ref().is_some_and(WorkEditor::is_dirty)
    }

    fn help_intro(&self) -> &str {
        HELP
    }
}
