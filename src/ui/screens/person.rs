//! One person's file: a header (case number, name, age, programme, status,
//! risk, worker) and one section at a time, chosen with ←/→: Profile,
//! Timeline, Services, Follow-ups, Goals, Status and History.
//!
//! Opening the file is recorded in the audit trail by the store
//! (`Session::person_viewed`), once per opening. Every change goes through the
//! store in a write transaction. A profile is saved with the version it
//! was loaded at: when someone else saved in between, the save is refused,
//! the message names what they changed, the file is reloaded and the form
//! keeps what was typed (with their new values shown beside the fields
//! they changed), so nothing is silently overwritten and nothing is lost.

pub mod profile;

use std::collections::HashMap;

use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::domain::casework::{
    FollowUp, FollowUpDone, Goal, HistoryEntry, NewFollowUp, NewGoal, NewService, Service,
    StatusChange, StatusStep, TimelineEntry, TimelineEvent, can_move, detail_label,
};
use crate::domain::person::PersonId;
use crate::domain::person::{Person, field_label};
use crate::domain::{CaseStatus, ClosureReason, Role, ServiceKind};
use crate::office::Session;
use crate::safe_text::{Align, fit};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::theme::Theme;
use crate::ui::widgets::dialog::{ConfirmDialog, DialogOutcome, MessagePopup};
use crate::ui::widgets::form::{FieldSpec, Form, FormOutcome, FormValues, Value};
use crate::ui::widgets::table::{Column, Table, TableEvent, TableState};
use crate::ui::words::sentence;
use crate::{Error, Result};
use profile::{Mode, Worker};

const HELP: &str = "A person's file. ← and → move between the sections. On Profile, e edits \
the profile (Ctrl-S saves). On Services, Follow-ups and Goals, n adds one; Enter on an open \
follow-up marks it done, on a goal marks it achieved. On Status, n or Enter moves the case \
on (registered → active → closed with a reason → reopened). Timeline shows everything that \
happened, newest first; counselling sessions show only that they were held. History lists \
every profile change with who made it and when.";

/// The sections of a file, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Profile,
    Timeline,
    Services,
    FollowUps,
    Goals,
    Status,
    History,
}

impl Tab {
    pub const ALL: [Tab; 7] = [
        Tab::Profile,
        Tab::Timeline,
        Tab::Services,
        Tab::FollowUps,
        Tab::Goals,
        Tab::Status,
        Tab::History,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Profile => "Profile",
            Tab::Timeline => "Timeline",
            Tab::Services => "Services",
            Tab::FollowUps => "Follow-ups",
            Tab::Goals => "Goals",
            Tab::Status => "Status",
            Tab::History => "History",
        }
    }

    fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    fn step(self, by: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        Tab::ALL[(self.index() as isize + by).rem_euclid(n) as usize]
    }

    fn columns(self) -> Vec<Column> {
        let c = |t: &str, w: u16| Column::fixed(t, w).unsortable();
        let f = |t: &str, w: u16| Column::fill(t, w).unsortable();
        match self {
            Tab::Profile => Vec::new(),
            Tab::Timeline => vec![c("Date", 10), c("What", 16), f("Detail", 3), f("Who", 1)],
            Tab::Services => vec![
                c("Date", 10),
                c("Service", 14),
                f("Detail", 2),
                f("Note", 2),
                f("By", 1),
            ],
            Tab::FollowUps => vec![
                c("Due", 10),
                f("Purpose", 3),
                c("Done", 10),
                f("Outcome", 2),
            ],
            Tab::Goals => vec![f("Goal", 4), c("Target", 10), c("Achieved", 10), f("By", 1)],
            Tab::Status => vec![
                c("Date", 10),
                c("From", 10),
                c("To", 10),
                f("Reason", 2),
                f("By", 1),
            ],
            Tab::History => vec![
                c("When", 16),
                c("Field", 14),
                f("Old", 2),
                f("New", 2),
                f("Who", 1),
            ],
        }
    }
}

/// What an open form will save.
#[derive(Debug, Clone)]
enum EditKind {
    /// The profile, loaded at `version` (the save must match it).
    Profile {
        version: i64,
    },
    Service,
    FollowUp,
    FollowUpDone(i64),
    Goal,
    GoalAchieved(i64),
    Status {
        from: CaseStatus,
        to: Vec<CaseStatus>,
    },
}

struct Editor {
    kind: EditKind,
    form: Form,
}

/// The closing question for a status move.
struct StatusConfirm {
    dialog: ConfirmDialog,
    change: StatusChange,
}

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
    tables: [TableState; 7],
    profile_scroll: usize,
    editor: Option<Editor>,
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
            tables: Default::default(),
            profile_scroll: 0,
            editor: None,
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
        Ok(())
    }

    fn may_change(&self) -> bool {
        matches!(self.role, Role::Staff | Role::Manager)
    }

    fn worker_name(&self, id: Option<i64>) -> String {
        id.and_then(|i| self.names.get(&i).cloned())
            .unwrap_or_default()
    }

    fn form(&self, title: &str, specs: Vec<FieldSpec>) -> Form {
        let mut f = Form::new(title, specs)
            .with_theme(&self.theme)
            .with_today(self.today);
        f.set_footer("Tab next · Ctrl-S save · Esc cancel");
        f
    }

    fn today_field(key: &str, label: &str) -> FieldSpec {
        FieldSpec::date(key, label).required()
    }

    // ---- opening forms -------------------------------------------------

    fn open_profile_editor(&mut self) {
        let Some(p) = &self.person else { return };
        let mode = Mode::Edit(p.profile.programme);
        let title = format!("Edit profile · {}", p.case_number);
        let mut form = self.form(&title, profile::specs(mode, &self.workers));
        for (key, value) in profile::values_of(&p.profile, mode, &self.workers) {
            form.set_value(key, value);
        }
        form.mark_clean();
        self.editor = Some(Editor {
            kind: EditKind::Profile { version: p.version },
            form,
        });
    }

    fn open_add(&mut self) {
        let (kind, form) = match self.tab {
            Tab::Services => {
                let kinds: Vec<&str> = ServiceKind::ALL.iter().map(|k| k.label()).collect();
                let mut f = self.form(
                    "Add a service",
                    vec![
                        FieldSpec::choice("kind", "Service", kinds).required(),
                        Self::today_field("on_date", "Date"),
                        FieldSpec::text("detail", "Detail")
                            .hint("Where referred to, medicines given, school, skill …")
                            .max_chars(200),
                        FieldSpec::multi_line("note", "Short note", 3),
                    ],
                );
                f.set_value("on_date", Value::Date(Some(self.today)));
                (EditKind::Service, f)
            }
            Tab::FollowUps => (
                EditKind::FollowUp,
                self.form(
                    "Plan a follow-up",
                    vec![
                        Self::today_field("due_on", "Due date").allow_future(),
                        FieldSpec::text("purpose", "Purpose")
                            .required()
                            .max_chars(200),
                    ],
                ),
            ),
            Tab::Goals => (
                EditKind::Goal,
                self.form(
                    "Add a case-plan goal",
                    vec![
                        FieldSpec::multi_line("goal", "Goal", 3).required(),
                        FieldSpec::date("target_date", "Target date").allow_future(),
                    ],
                ),
            ),
            Tab::Status => return self.open_status(),
            _ => return,
        };
        let mut form = form;
        form.mark_clean();
        self.editor = Some(Editor { kind, form });
    }

    fn open_status(&mut self) {
        let Some(p) = &self.person else { return };
        let from = p.status;
        let to: Vec<CaseStatus> = CaseStatus::ALL
            .iter()
            .copied()
            .filter(|t| can_move(from, *t))
            .collect();
        let reasons: Vec<&str> = ClosureReason::ALL.iter().map(|r| r.label()).collect();
        let mut form = self.form(
            &format!("Change status · now {}", from.label()),
            vec![
                FieldSpec::choice(
                    "to",
                    "New status",
                    to.iter().map(|s| s.label()).collect::<Vec<_>>(),
                )
                .required(),
                Self::today_field("on_date", "Date"),
                FieldSpec::choice("reason", "Closure reason", reasons)
                    .hint("Only when closing the case"),
            ],
        );
        form.set_value("on_date", Value::Date(Some(self.today)));
        form.mark_clean();
        self.editor = Some(Editor {
            kind: EditKind::Status { from, to },
            form,
        });
    }

    fn open_selected(&mut self, index: usize) {
        match self.tab {
            Tab::FollowUps => {
                let Some(f) = self.follow_ups.get(index) else {
                    return;
                };
                if f.done_on.is_some() {
                    return;
                }
                let id = f.id;
                let mut form = self.form(
                    "Follow-up done",
                    vec![
                        Self::today_field("done_on", "Date done"),
                        FieldSpec::multi_line("outcome", "Outcome", 3).required(),
                    ],
                );
                form.set_value("done_on", Value::Date(Some(self.today)));
                form.mark_clean();
                self.editor = Some(Editor {
                    kind: EditKind::FollowUpDone(id),
                    form,
                });
            }
            Tab::Goals => {
                let Some(g) = self.goals.get(index) else {
                    return;
                };
                if g.achieved_on.is_some() {
                    return;
                }
                let id = g.id;
                let mut form = self.form(
                    "Goal achieved",
                    vec![Self::today_field("achieved_on", "Date achieved")],
                );
                form.set_value("achieved_on", Value::Date(Some(self.today)));
                form.mark_clean();
                self.editor = Some(Editor {
                    kind: EditKind::GoalAchieved(id),
                    form,
                });
            }
            Tab::Status => self.open_status(),
            _ => {}
        }
    }

    // ---- saving --------------------------------------------------------

    /// Put rule messages beside their fields; the first one gets the focus.
    fn field_errors(&mut self, errors: &[(&str, String)]) -> Outcome {
        if let Some(ed) = &mut self.editor {
            for (key, msg) in errors.iter().rev() {
                ed.form.set_error(key, msg.clone());
            }
        }
        Outcome::Status("Not saved: check the marked fields.".into())
    }

    fn save(&mut self, values: FormValues, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let Some(ed) = &self.editor else {
            return Ok(Outcome::Stay);
        };
        let Some(person) = self.person.clone() else {
            return Ok(Outcome::Stay);
        };
        let reg = person.profile.registered_on;
        let kind = ed.kind.clone();
        let id = self.id;
        // Check the rules first so each message lands beside its field.
        let errors: Vec<(&str, String)> = match &kind {
            EditKind::Profile { version } => return self.save_profile(values, *version, ctx),
            EditKind::Service => {
                let s = NewService {
                    kind: values
                        .choice("kind")
                        .and_then(|i| ServiceKind::ALL.get(i).copied())
                        .unwrap_or(ServiceKind::HealthCheck),
                    on_date: values.date("on_date").unwrap_or(self.today),
                    detail: values.text("detail").to_string(),
                    note: values.text("note").to_string(),
                };
                let mut e = s.validate(reg, ctx.today);
                if s.kind == ServiceKind::MedicalReferral {
                    for x in &mut e {
                        if x.field == "detail" {
                            x.message = format!("{} is required", detail_label(s.kind));
                        }
                    }
                }
                if e.is_empty() {
                    return self.write(ctx, "Service added.", |session| {
                        session.add_service(id, &s).map(|_| ())
                    });
                }
                e.into_iter().map(|x| (x.field, x.message)).collect()
            }
            EditKind::FollowUp => {
                let f = NewFollowUp {
                    due_on: values.date("due_on").unwrap_or(self.today),
                    purpose: values.text("purpose").to_string(),
                };
                let e = f.validate(reg);
                if e.is_empty() {
                    return self.write(ctx, "Follow-up planned.", |session| {
                        session.add_follow_up(id, &f).map(|_| ())
                    });
                }
                e.into_iter().map(|x| (x.field, x.message)).collect()
            }
            EditKind::FollowUpDone(fid) => {
                let d = FollowUpDone {
                    done_on: values.date("done_on").unwrap_or(self.today),
                    outcome: values.text("outcome").to_string(),
                };
                let e = d.validate(reg, ctx.today);
                if e.is_empty() {
                    let fid = *fid;
                    return self.write(ctx, "Follow-up marked done.", |session| {
                        session.complete_follow_up(fid, &d)
                    });
                }
                e.into_iter().map(|x| (x.field, x.message)).collect()
            }
            EditKind::Goal => {
                let g = NewGoal {
                    goal: values.text("goal").to_string(),
                    target_date: values.date("target_date"),
                };
                let e = g.validate(reg);
                if e.is_empty() {
                    return self.write(ctx, "Goal added.", |session| {
                        session.add_goal(id, &g).map(|_| ())
                    });
                }
                e.into_iter().map(|x| (x.field, x.message)).collect()
            }
            EditKind::GoalAchieved(gid) => {
                let on = values.date("achieved_on").unwrap_or(self.today);
                if on < reg {
                    vec![(
                        "achieved_on",
                        "The date achieved is before the intake date".to_string(),
                    )]
                } else {
                    let gid = *gid;
                    return self.write(ctx, "Goal marked achieved.", |session| {
                        session.achieve_goal(gid, on)
                    });
                }
            }
            EditKind::Status { from, to } => {
                let change = StatusChange {
                    to: values
                        .choice("to")
                        .and_then(|i| to.get(i).copied())
                        .unwrap_or(*from),
                    on_date: values.date("on_date").unwrap_or(self.today),
                    reason: values
                        .choice("reason")
                        .and_then(|i| ClosureReason::ALL.get(i).copied()),
                };
                let last_on = self.steps.iter().map(|s| s.on_date).max().unwrap_or(reg);
                let e = change.validate(*from, last_on, ctx.today);
                if e.is_empty() {
                    let what = match change.reason {
                        Some(r) => format!(
                            "Mark case {} as {} ({})?",
                            person.case_number,
                            change.to.label(),
                            r.label()
                        ),
                        None => {
                            format!("Mark case {} as {}?", person.case_number, change.to.label())
                        }
                    };
                    self.confirm = Some(StatusConfirm {
                        dialog: ConfirmDialog::new("Change the status?", what)
                            .labels("Change", "Cancel")
                            .with_theme(&self.theme),
                        change,
                    });
                    return Ok(Outcome::Stay);
                }
                e.into_iter()
                    .map(|x| {
                        let key = if x.field == "status" { "to" } else { x.field };
                        (key, x.message)
                    })
                    .collect()
            }
        };
        Ok(self.field_errors(&errors))
    }

    /// Run one office write; on success close the form and reload, on
    /// failure keep the form and say why.
    fn write(
        &mut self,
        ctx: &mut ScreenCtx<'_>,
        done: &str,
        f: impl FnOnce(&mut Session) -> Result<()>,
    ) -> Result<Outcome> {
        match f(ctx.session) {
            Ok(()) => {
                self.editor = None;
                self.load(ctx)?;
                Ok(Outcome::Status(done.to_string()))
            }
            Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
                self.popup =
                    Some(MessagePopup::error("Not saved", sentence(&e)).with_theme(&self.theme));
                self.load(ctx)?;
                Ok(Outcome::Stay)
            }
            Err(e) => Err(e),
        }
    }

    fn save_profile(
        &mut self,
        values: FormValues,
        version: i64,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<Outcome> {
        let Some(loaded) = self.person.clone() else {
            return Ok(Outcome::Stay);
        };
        let mode = Mode::Edit(loaded.profile.programme);
        let (changes, early) = profile::read(&values, mode, &loaded.profile, &self.workers);
        let age_typed = values.number("age").is_some();
        let mut errors: Vec<(&str, String)> = early;
        for e in changes.validate(ctx.today) {
            let key = profile::key_for(&e, &changes, mode, age_typed);
            if !errors.iter().any(|(k, _)| *k == key) {
                errors.push((key, e.message));
            }
        }
        if !errors.is_empty() {
            return Ok(self.field_errors(&errors));
        }
        let id = self.id;
        match ctx.session.update_person(id, version, &changes) {
            Ok(saved) => {
                self.editor = None;
                self.load(ctx)?;
                Ok(Outcome::Status(if saved.changed.is_empty() {
                    "Nothing changed.".into()
                } else {
                    format!("Saved ({} changed).", saved.changed.len())
                }))
            }
            Err(Error::Conflict(msg)) => {
                // Theirs is loaded; the form keeps ours, and beside each
                // field they changed says what it is now.
                self.load(ctx)?;
                let Some(now) = self.person.clone() else {
                    return Ok(Outcome::Stay);
                };
                // Per field: theirs where only they changed it (the form
                // takes their value), ours where we both did (kept, with
                // theirs named beside it).
                let base = loaded.profile.field_values();
                let mine = changes.field_values();
                let theirs = now.profile.field_values();
                let fresh = profile::values_of(&now.profile, mode, &self.workers);
                let mut notes: Vec<(&'static str, String, Option<Value>)> = Vec::new();
                for ((b, m), t) in base.iter().zip(&mine).zip(&theirs) {
                    if b.1 == t.1 {
                        continue;
                    }
                    let shown = self.shown_value(t.0, t.1.as_deref());
                    if b.1 == m.1 {
                        let value = fresh
                            .iter()
                            .find(|(k, _)| *k == t.0)
                            .map(|(_, v)| v.clone());
                        notes.push((
                            t.0,
                            format!("Updated to their change: {}", empty_dash(&shown)),
                            value,
                        ));
                    } else {
                        notes.push((
                            t.0,
                            format!(
                                "They changed this to: {}; yours is kept",
                                empty_dash(&shown)
                            ),
                            None,
                        ));
                    }
                }
                if let Some(ed) = &mut self.editor {
                    ed.kind = EditKind::Profile {
                        version: now.version,
                    };
                    for (key, note, value) in notes.into_iter().rev() {
                        if let Some(v) = value {
                            ed.form.set_value(key, v);
                        }
                        ed.form.set_error(key, note);
                    }
                }
                let mut text = sentence(&Error::Conflict(msg));
                text = text.replace(" Reopen the file to see theirs, then make yours again.", "");
                text.push_str(
                    " Nothing you typed is lost: the form now holds their changes where you \
                     had not changed the field, and yours where you had (theirs is named \
                     beside it). Check it, then Ctrl-S saves; Esc drops yours.",
                );
                self.popup = Some(
                    MessagePopup::error("Someone else saved this file", text)
                        .with_theme(&self.theme),
                );
                Ok(Outcome::Stay)
            }
            Err(e @ Error::Invalid(_)) => {
                self.popup =
                    Some(MessagePopup::error("Not saved", sentence(&e)).with_theme(&self.theme));
                Ok(Outcome::Stay)
            }
            Err(e) => Err(e),
        }
    }

    /// A stored history value in words (codes → labels, ids → names).
    fn shown_value(&self, field: &str, value: Option<&str>) -> String {
        let Some(v) = value else {
            return String::new();
        };
        let label_of = |v: &str| -> Option<String> {
            use std::str::FromStr;
            Some(match field {
                "programme" => crate::domain::Programme::from_str(v).ok()?.label().into(),
                "sex" => crate::domain::Sex::from_str(v).ok()?.label().into(),
                "risk" => crate::domain::RiskLevel::from_str(v).ok()?.label().into(),
                "centre" => crate::domain::Centre::from_str(v).ok()?.label().into(),
                "referral_source" => crate::domain::ReferralSource::from_str(v)
                    .ok()?
                    .label()
                    .into(),
                "worker_id" => self.worker_name(v.parse().ok()),
                "concerns" => v
                    .split(',')
                    .filter(|c| !c.is_empty())
                    .map(|c| {
                        crate::domain::Concern::from_str(c)
                            .map(|c| c.label().to_string())
                            .unwrap_or_else(|_| c.to_string())
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                _ => return None,
            })
        };
        label_of(v).unwrap_or_else(|| v.replace('\n', " / "))
    }

    fn apply_status(&mut self, change: StatusChange, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let id = self.id;
        let to = change.to;
        self.write(ctx, &format!("Case is now {}.", to.label()), |session| {
            session.change_status(id, &change)
        })
    }

    // ---- drawing -------------------------------------------------------

    fn header(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let Some(p) = &self.person else { return };
        let w = usize::from(area.width);
        let pr = &p.profile;
        let line1 = format!("{} · {}", p.case_number, pr.name);
        let mut line2 = Vec::new();
        if !pr.father_name.is_empty() {
            line2.push(format!("Father/husband: {}", pr.father_name));
        }
        let age = profile::age_text(pr.birth_date, pr.age_estimated, self.today);
        if !age.is_empty() {
            line2.push(format!("age {age}"));
        }
        line2.push(pr.programme.label().to_string());
        let mut status = format!("Status: {}", p.status.label());
        if let (CaseStatus::Closed, Some(r)) = (p.status, p.closure_reason) {
            status.push_str(&format!(" ({})", r.label()));
        }
        let worker = self.worker_name(pr.worker_id);
        let line3 = [
            status,
            format!("risk {}", pr.risk.label()),
            if worker.is_empty() {
                "no worker assigned".into()
            } else {
                format!("worker {worker}")
            },
        ];
        // `fit` sanitizes every stored word on the way to the screen.
        let lines = [
            (line1, t.title),
            (line2.join(" · "), t.base),
            (line3.join(" · "), t.base),
        ];
        for (i, (text, style)) in lines.iter().enumerate().take(usize::from(area.height)) {
            buf.set_string(area.x, area.y + i as u16, fit(text, w, Align::Left), *style);
        }
    }

    fn tabs(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let spans: Vec<Span> = Tab::ALL
            .iter()
            .map(|tab| {
                let style = if *tab == self.tab { t.selected } else { t.hint };
                Span::styled(format!(" {} ", tab.label()), style)
            })
            .collect();
        Line::from(spans).render(area, buf);
    }

    /// The profile as label: value lines.
    fn profile_lines(&self) -> Vec<(&'static str, String)> {
        let Some(p) = &self.person else {
            return Vec::new();
        };
        let pr = &p.profile;
        let yn = |b: bool| if b { "yes" } else { "no" }.to_string();
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let dob = match pr.birth_date {
            Some(b) => format!("{b}{}", if pr.age_estimated { " (estimated)" } else { "" }),
            None => String::new(),
        };
        let concerns: Vec<&str> = pr.concerns.iter().map(|c| c.label()).collect();
        let mut status = p.status.label().to_string();
        if let Some(r) = p.closure_reason {
            status.push_str(&format!(" ({})", r.label()));
        }
        vec![
            ("Name", pr.name.clone()),
            ("Father/husband", pr.father_name.clone()),
            ("Alias", pr.alias.clone()),
            ("Sex", pr.sex.label().into()),
            ("Date of birth", dob),
            ("CNIC / B-form", pr.cnic.clone()),
            ("Phone", pr.phone.clone()),
            ("Area", pr.area.clone()),
            ("Address", pr.address.replace('\n', " / ")),
            ("Guardian", pr.guardian_name.clone()),
            ("Relation", pr.guardian_relation.clone()),
            ("School status", pr.school_status.clone()),
            ("Work status", pr.work_status.clone()),
            ("Referral source", pr.referral_source.label().into()),
            ("Referred by", pr.referral_detail.clone()),
            ("Concerns", concerns.join(", ")),
            ("Consent by", pr.consent_by.clone()),
            ("Consent date", date(pr.consent_date)),
            ("For services", yn(pr.consent_services)),
            ("Share data", yn(pr.consent_sharing)),
            ("Risk", pr.risk.label().into()),
            ("Risk reason", pr.risk_reason.replace('\n', " / ")),
            ("Worker", self.worker_name(pr.worker_id)),
            ("Centre", pr.centre.label().into()),
            ("Intake date", pr.registered_on.to_string()),
            ("Status", status),
        ]
    }

    fn render_profile(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let lines = self.profile_lines();
        let rows = usize::from(area.height.saturating_sub(1));
        let scroll = self.profile_scroll.min(lines.len().saturating_sub(rows));
        let label_w = 16usize;
        let value_w = usize::from(area.width).saturating_sub(label_w + 3);
        for (i, (label, value)) in lines.iter().skip(scroll).take(rows).enumerate() {
            let y = area.y + i as u16;
            buf.set_string(area.x + 1, y, fit(label, label_w, Align::Left), t.label);
            buf.set_string(
                area.x + 2 + label_w as u16,
                y,
                fit(value, value_w, Align::Left),
                t.input,
            );
        }
        let more = if scroll + rows < lines.len() {
            "↓ more · "
        } else {
            ""
        };
        let hint = if self.may_change() {
            format!("{more}e edit profile · ←→ sections · Esc back")
        } else {
            format!("{more}←→ sections · Esc back")
        };
        if area.height > 0 {
            buf.set_string(
                area.x + 1,
                area.bottom() - 1,
                fit(
                    &hint,
                    usize::from(area.width.saturating_sub(1)),
                    Align::Left,
                ),
                t.hint,
            );
        }
    }

    fn rows(&self, tab: Tab) -> Vec<Vec<String>> {
        let who = |w: &Option<String>| w.clone().unwrap_or_default();
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        match tab {
            Tab::Profile => Vec::new(),
            Tab::Timeline => self
                .timeline
                .iter()
                .map(|e| {
                    let (what, detail) = timeline_words(&e.event);
                    vec![e.on_date.to_string(), what, detail, who(&e.who)]
                })
                .collect(),
            Tab::Services => self
                .services
                .iter()
                .map(|s| {
                    vec![
                        s.on_date.to_string(),
                        s.kind.label().to_string(),
                        s.detail.clone(),
                        s.note.replace('\n', " / "),
                        who(&s.user_name),
                    ]
                })
                .collect(),
            Tab::FollowUps => self
                .follow_ups
                .iter()
                .map(|f| {
                    let due = if f.is_overdue(self.today) {
                        format!("{} !", f.due_on)
                    } else {
                        f.due_on.to_string()
                    };
                    vec![
                        due,
                        f.purpose.clone(),
                        date(f.done_on),
                        f.outcome.replace('\n', " / "),
                    ]
                })
                .collect(),
            Tab::Goals => self
                .goals
                .iter()
                .map(|g| {
                    vec![
                        g.goal.replace('\n', " / "),
                        date(g.target_date),
                        date(g.achieved_on),
                        who(&g.user_name),
                    ]
                })
                .collect(),
            Tab::Status => self
                .steps
                .iter()
                .map(|s| {
                    vec![
                        s.on_date.to_string(),
                        s.from.map(|f| f.label()).unwrap_or("").to_string(),
                        s.to.label().to_string(),
                        s.reason.map(|r| r.label()).unwrap_or("").to_string(),
                        who(&s.user_name),
                    ]
                })
                .collect(),
            Tab::History => self
                .history
                .iter()
                .rev()
                .map(|h| {
                    vec![
                        crate::ui::screens::counselling::local_time(&h.at),
                        field_label(&h.field).to_string(),
                        self.shown_value(&h.field, h.old_value.as_deref()),
                        self.shown_value(&h.field, h.new_value.as_deref()),
                        who(&h.user_name),
                    ]
                })
                .collect(),
        }
    }

    fn render_list(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let rows = self.rows(self.tab);
        let cols = self.tab.columns();
        let state = &self.tables[self.tab.index()];
        let (title, empty) = match self.tab {
            Tab::Timeline => (
                "Timeline, newest first",
                "Nothing has happened on this file yet.",
            ),
            Tab::Services => ("Services · n adds", "No services yet. Press n to add one."),
            Tab::FollowUps => (
                "Follow-ups · n plans · Enter marks done",
                "No follow-ups yet. Press n to plan one.",
            ),
            Tab::Goals => (
                "Case-plan goals · n adds · Enter marks achieved",
                "No goals yet. Press n to add one.",
            ),
            Tab::Status => ("Status · n or Enter changes it", "No status steps."),
            Tab::History => (
                "Profile changes, newest first",
                "The profile has not been changed.",
            ),
            Tab::Profile => ("", ""),
        };
        let title = if self.may_change() || matches!(self.tab, Tab::Timeline | Tab::History) {
            title
        } else {
            self.tab.label()
        };
        Table::new(&rows, &cols, state, t)
            .title(title)
            .empty_message(empty)
            .render(area, buf);
    }
}

fn empty_dash(s: &str) -> &str {
    if s.is_empty() { "(empty)" } else { s }
}

/// The "what" and "detail" of a timeline entry. Counselling shows only
/// that a session was held, and its kind.
fn timeline_words(e: &TimelineEvent) -> (String, String) {
    match e {
        TimelineEvent::Service {
            kind, detail, note, ..
        } => {
            let mut d = detail.clone();
            if !note.is_empty() {
                if !d.is_empty() {
                    d.push_str(" — ");
                }
                d.push_str(&note.replace('\n', " / "));
            }
            (kind.label().to_string(), d)
        }
        TimelineEvent::Status { from, to, reason } => (
            "status".into(),
            match (from, reason) {
                (Some(f), Some(r)) => format!("{} → {} ({})", f.label(), to.label(), r.label()),
                (Some(f), None) => format!("{} → {}", f.label(), to.label()),
                (None, _) => to.label().to_string(),
            },
        ),
        TimelineEvent::FollowUpDue { purpose, .. } => ("follow-up due".into(), purpose.clone()),
        TimelineEvent::FollowUpDone {
            purpose, outcome, ..
        } => (
            "follow-up done".into(),
            format!("{purpose}: {}", outcome.replace('\n', " / ")),
        ),
        TimelineEvent::Counselling { kind, .. } => {
            ("counselling".into(), format!("{} session", kind.label()))
        }
        TimelineEvent::GoalAchieved { goal, .. } => {
            ("goal achieved".into(), goal.replace('\n', " / "))
        }
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
        if let Some(ed) = &self.editor {
            return ed.form.context_stack();
        }
        match self.tab {
            Tab::Profile => stacks::LIST,
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
            if let Input::Action(a) = input {
                if popup.handle(a) {
                    self.popup = None;
                }
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
        let searching = self.tab != Tab::Profile && self.tables[self.tab.index()].is_searching();
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
        let len = self.rows(self.tab).len();
        let cols = self.tab.columns();
        let i = self.tab.index();
        match self.tables[i].handle(input, len, &cols) {
            TableEvent::Back => Ok(Outcome::Back),
            TableEvent::Other(Action::New, _) => {
                self.open_add();
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
        if let Some(ed) = &self.editor {
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
        match (&self.editor, &self.popup, &self.confirm) {
            (Some(ed), None, None) => ed.form.cursor_position(),
            _ => None,
        }
    }

    fn has_unsaved_work(&self) -> bool {
        self.editor.as_ref().is_some_and(|e| e.form.is_dirty())
    }

    fn help_intro(&self) -> &str {
        HELP
    }
}
