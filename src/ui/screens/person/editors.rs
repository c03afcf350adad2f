//! The forms a file opens (the profile, a service, a follow-up planned or
//! done, a goal added or achieved, a status move) and their saves. Each
//! save checks the domain's rules first, so every message lands beside
//! its field, then runs one office call. A profile save that meets
//! someone else's newer save merges the two field by field.

use super::casework::{casework_key, casework_specs, key, keyed};
use super::profile::{self, Mode};
use super::{PersonScreen, Tab};
use crate::domain::casework::{
    FollowUpDone, NewFollowUp, NewGoal, NewService, StatusChange, can_move, detail_label,
};
use crate::domain::{CaseStatus, ClosureReason, ServiceKind};
use crate::office::Session;
use crate::ui::screen::{Outcome, ScreenCtx};
use crate::ui::widgets::dialog::{ConfirmDialog, MessagePopup};
use crate::ui::widgets::form::{FieldKey, FieldSpec, Form, FormValues, Value};
use crate::ui::words::sentence;
use crate::{Error, Result};

/// What an open form will save.
#[derive(Debug, Clone)]
pub(super) enum EditKind {
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

pub(super) struct Editor {
    pub(super) kind: EditKind,
    pub(super) form: Form,
}

/// The closing question for a status move.
pub(super) struct StatusConfirm {
    pub(super) dialog: ConfirmDialog,
    pub(super) change: StatusChange,
}

impl PersonScreen {
    fn form(&self, title: &str, specs: Vec<FieldSpec>) -> Form {
        let mut f = Form::new(title, specs)
            .with_theme(&self.theme)
            .with_today(self.today);
        f.set_footer("Tab next · Ctrl-S save · Esc cancel");
        f
    }

    /// A casework form of `kind`, clean, with the day something was done
    /// already set to today (due and target dates are left to the user).
    fn casework_editor(&self, title: &str, kind: EditKind) -> Editor {
        let mut form = self.form(title, casework_specs(&kind));
        let done_on = match kind {
            EditKind::Service | EditKind::Status { .. } => Some(key::ON_DATE),
            EditKind::FollowUpDone(_) => Some(key::DONE_ON),
            EditKind::GoalAchieved(_) => Some(key::ACHIEVED_ON),
            EditKind::Profile { .. } | EditKind::FollowUp | EditKind::Goal => None,
        };
        if let Some(k) = done_on {
            form.set_value(k, Value::Date(Some(self.today)));
        }
        form.mark_clean();
        Editor { kind, form }
    }

    // ---- opening forms -------------------------------------------------

    pub(super) fn open_profile_editor(&mut self) {
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

    pub(super) fn open_add(&mut self) {
        let (title, kind) = match self.tab {
            Tab::Services => ("Add a service", EditKind::Service),
            Tab::FollowUps => ("Plan a follow-up", EditKind::FollowUp),
            Tab::Goals => ("Add a case-plan goal", EditKind::Goal),
            Tab::Status => return self.open_status(),
            _ => return,
        };
        self.editor = Some(self.casework_editor(title, kind));
    }

    fn open_status(&mut self) {
        let Some(p) = &self.person else { return };
        let from = p.status;
        let to: Vec<CaseStatus> = CaseStatus::ALL
            .iter()
            .copied()
            .filter(|t| can_move(from, *t))
            .collect();
        let title = format!("Change status · now {}", from.label());
        self.editor = Some(self.casework_editor(&title, EditKind::Status { from, to }));
    }

    pub(super) fn open_selected(&mut self, index: usize) {
        match self.tab {
            Tab::FollowUps => {
                let Some(f) = self.follow_ups.get(index) else {
                    return;
                };
                if f.done_on.is_some() {
                    return;
                }
                let kind = EditKind::FollowUpDone(f.id);
                self.editor = Some(self.casework_editor("Follow-up done", kind));
            }
            Tab::Goals => {
                let Some(g) = self.goals.get(index) else {
                    return;
                };
                if g.achieved_on.is_some() {
                    return;
                }
                let kind = EditKind::GoalAchieved(g.id);
                self.editor = Some(self.casework_editor("Goal achieved", kind));
            }
            Tab::Status => self.open_status(),
            _ => {}
        }
    }

    // ---- saving --------------------------------------------------------

    /// Put rule messages beside their fields; the first one gets the focus.
    fn field_errors(&mut self, errors: &[(FieldKey, String)]) -> Outcome {
        if let Some(ed) = &mut self.editor {
            for (key, msg) in errors.iter().rev() {
                ed.form.set_error(*key, msg.clone());
            }
        }
        Outcome::Status("Not saved: check the marked fields.".into())
    }

    pub(super) fn save(&mut self, values: FormValues, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
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
        let errors: Vec<(FieldKey, String)> = match &kind {
            EditKind::Profile { version } => return self.save_profile(values, *version, ctx),
            EditKind::Service => {
                let s = NewService {
                    kind: values
                        .choice(key::KIND)
                        .and_then(|i| ServiceKind::ALL.get(i).copied())
                        .unwrap_or(ServiceKind::HealthCheck),
                    on_date: values.date(key::ON_DATE).unwrap_or(self.today),
                    detail: values.text(key::DETAIL).to_string(),
                    note: values.text(key::NOTE).to_string(),
                };
                let mut e = s.validate(reg, ctx.today);
                if s.kind == ServiceKind::MedicalReferral {
                    for x in &mut e {
                        if casework_key(x.field) == Some(key::DETAIL) {
                            x.message = format!("{} is required", detail_label(s.kind));
                        }
                    }
                }
                if e.is_empty() {
                    return self.write(ctx, "Service added.", |session| {
                        session.add_service(id, &s).map(|_| ())
                    });
                }
                keyed(e, key::KIND)
            }
            EditKind::FollowUp => {
                let f = NewFollowUp {
                    due_on: values.date(key::DUE_ON).unwrap_or(self.today),
                    purpose: values.text(key::PURPOSE).to_string(),
                };
                let e = f.validate(reg);
                if e.is_empty() {
                    return self.write(ctx, "Follow-up planned.", |session| {
                        session.add_follow_up(id, &f).map(|_| ())
                    });
                }
                keyed(e, key::DUE_ON)
            }
            EditKind::FollowUpDone(fid) => {
                let d = FollowUpDone {
                    done_on: values.date(key::DONE_ON).unwrap_or(self.today),
                    outcome: values.text(key::OUTCOME).to_string(),
                };
                let e = d.validate(reg, ctx.today);
                if e.is_empty() {
                    let fid = *fid;
                    return self.write(ctx, "Follow-up marked done.", |session| {
                        session.complete_follow_up(fid, &d)
                    });
                }
                keyed(e, key::DONE_ON)
            }
            EditKind::Goal => {
                let g = NewGoal {
                    goal: values.text(key::GOAL).to_string(),
                    target_date: values.date(key::TARGET_DATE),
                };
                let e = g.validate(reg);
                if e.is_empty() {
                    return self.write(ctx, "Goal added.", |session| {
                        session.add_goal(id, &g).map(|_| ())
                    });
                }
                keyed(e, key::GOAL)
            }
            EditKind::GoalAchieved(gid) => {
                let on = values.date(key::ACHIEVED_ON).unwrap_or(self.today);
                if on < reg {
                    vec![(
                        key::ACHIEVED_ON,
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
                        .choice(key::TO)
                        .and_then(|i| to.get(i).copied())
                        .unwrap_or(*from),
                    on_date: values.date(key::ON_DATE).unwrap_or(self.today),
                    reason: values
                        .choice(key::REASON)
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
                keyed(e, key::TO)
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
        let age_typed = values.number(profile::key::AGE).is_some();
        let rules = changes.validate(ctx.today);
        let errors = profile::place_errors(early, rules, &changes, mode, age_typed);
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
                let mut notes: Vec<(FieldKey, String, Option<Value>)> = Vec::new();
                for ((b, m), t) in base.iter().zip(&mine).zip(&theirs) {
                    if b.1 == t.1 {
                        continue;
                    }
                    let Some(key) = profile::key_of_field(t.0) else {
                        continue;
                    };
                    let shown = self.shown_value(t.0, t.1.as_deref());
                    if b.1 == m.1 {
                        let value = fresh
                            .iter()
                            .find(|(k, _)| *k == key)
                            .map(|(_, v)| v.clone());
                        notes.push((
                            key,
                            format!("Updated to their change: {}", empty_dash(&shown)),
                            value,
                        ));
                    } else {
                        notes.push((
                            key,
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

    pub(super) fn apply_status(
        &mut self,
        change: StatusChange,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<Outcome> {
        let id = self.id;
        let to = change.to;
        self.write(ctx, &format!("Case is now {}.", to.label()), |session| {
            session.change_status(id, &change)
        })
    }
}

fn empty_dash(s: &str) -> &str {
    if s.is_empty() { "(empty)" } else { s }
}
