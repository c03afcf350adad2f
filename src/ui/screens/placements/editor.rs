//! The forms of placement work, each a self-contained editor a screen
//! holds while it is open: record a placement, record a visit, end a
//! placement, mark a case follow-up done. The Placements screen and a
//! person's file both use them, so the rules and messages are the same
//! wherever the work is done.
//!
//! Saving runs the form's own checks, then the domain's rules (each
//! message beside its field), then the office call. The closed-case rule
//! asks first and passes the answer on (`closed_case_confirmed`); a child
//! under 14, or under 18 in hazardous work, needs a reason typed into a
//! small form over the editor (the office audits it). A refusal
//! from the office (someone else recorded the visit first) is shown in a
//! popup over the form, which keeps everything typed.

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;

use crate::domain::classes::ClassKind;
use crate::domain::person::{FieldError, PersonId};
use crate::domain::placements::{NewPlacement, PlacementKind, VisitDone, VisitOutcome};
use crate::domain::{CaseStatus, casework::FollowUpDone};
use crate::office::placements::PlacementConfirm;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::screen::ScreenCtx;
use crate::ui::theme::Theme;
use crate::ui::widgets::dialog::{ConfirmDialog, DialogOutcome, MessagePopup};
use crate::ui::widgets::form::{FieldKey, FieldSpec, Form, FormOutcome, FormValues, Value};
use crate::ui::words::sentence;
use crate::{Error, Result};

pub use super::fields::{Job, key};
use super::fields::{key_of, specs};

/// What the screen holding the editor should do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditorOutcome {
    Pending,
    /// Still open; say this on the status line.
    Status(String),
    /// Closed without saving; `stale` when the office refused because
    /// someone else saved first (read the lists again).
    Cancelled {
        stale: bool,
    },
    /// Saved: close the form, reload, say `message`; `placement` is the
    /// placement the work was about (select it).
    Saved {
        message: String,
        placement: Option<i64>,
    },
}

/// The reason asked for before placing a child under 14 (or under 18 in
/// hazardous work), with the placement it would record.
struct UnderageQuestion {
    message: String,
    form: Form,
    placement: NewPlacement,
    closed_case: bool,
}

/// The reason field of [`UnderageQuestion`].
const REASON: FieldKey = FieldKey::new("underage_reason");

pub struct Editor {
    job: Job,
    form: Form,
    /// The closed-case question, with the placement it would record.
    confirm: Option<(ConfirmDialog, NewPlacement)>,
    underage: Option<UnderageQuestion>,
    popup: Option<MessagePopup>,
    /// The office said someone else saved first.
    stale: bool,
    theme: Theme,
}
impl Editor {
    /// A form for `job` titled `title`, with today's date in its date field
    /// and `case_number` filled in (a placement from a person's file).
    pub fn new(job: Job, title: &str, case_number: Option<&str>, ctx: &ScreenCtx<'_>) -> Editor {
        let mut form = Form::new(title, specs(&job))
            .with_theme(ctx.theme)
            .with_today(ctx.today);
        for k in [key::STARTS_ON, key::DONE_ON, key::ENDED_ON] {
            form.set_value(k, Value::Date(Some(ctx.today)));
        }
        if let Some(c) = case_number {
            form.set_value(key::CASE_NUMBER, Value::text(c));
            form.focus(key::KIND);
        }
        form.mark_clean();
        Editor {
            job,
            form,
            confirm: None,
            underage: None,
            popup: None,
            stale: false,
            theme: ctx.theme.clone(),
        }
    }

    pub fn job(&self) -> &Job {
        &self.job
    }

    pub fn form(&self) -> &Form {
        &self.form
    }

    pub fn context_stack(&self) -> &'static [Context] {
        if self.popup.is_some() || self.confirm.is_some() {
            stacks::DIALOG
        } else if let Some(q) = &self.underage {
            q.form.context_stack()
        } else {
            self.form.context_stack()
        }
    }

    /// Typed work not saved yet (the shell asks before leaving).
    pub fn is_dirty(&self) -> bool {
        self.confirm.is_some() || self.underage.is_some() || self.form.is_dirty()
    }

    pub fn cursor(&self) -> Option<Position> {
        if self.popup.is_some() || self.confirm.is_some() {
            None
        } else if let Some(q) = &self.underage {
            q.form.cursor_position()
        } else {
            self.form.cursor_position()
        }
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        (&self.form).render(area, buf);
        if let Some((dialog, _)) = &self.confirm {
            dialog.render(area, buf);
        }
        if let Some(q) = &self.underage {
            q.render(area, buf, &self.theme);
        }
        if let Some(p) = &self.popup {
            p.render(area, buf);
        }
    }

    pub fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<EditorOutcome> {
        if let Some(popup) = &mut self.popup {
            if let Input::Action(a) = input
                && popup.handle(a)
            {
                self.popup = None;
            }
            return Ok(EditorOutcome::Pending);
        }
        if let Some((dialog, _)) = &mut self.confirm {
            let Input::Action(a) = input else {
                return Ok(EditorOutcome::Pending);
            };
            return match dialog.handle(a) {
                DialogOutcome::Pending => Ok(EditorOutcome::Pending),
                DialogOutcome::No => {
                    self.confirm = None;
                    Ok(EditorOutcome::Status(
                        "Not saved. Reopen the case from its file, or confirm.".into(),
                    ))
                }
                DialogOutcome::Yes => match self.confirm.take() {
                    Some((_, p)) => self.add(&p, true, None, ctx),
                    None => Ok(EditorOutcome::Pending),
                },
            };
        }
        if let Some(q) = &mut self.underage {
            return match q.form.handle(input) {
                FormOutcome::Pending => Ok(EditorOutcome::Pending),
                FormOutcome::Cancelled => {
                    self.underage = None;
                    Ok(EditorOutcome::Status(
                        "Not saved: the placement needs a reason, or a later start.".into(),
                    ))
                }
                FormOutcome::Submitted(v) => {
                    let reason = v.text(REASON).to_string();
                    match self.underage.take() {
                        Some(q) => self.add(&q.placement, q.closed_case, Some(reason), ctx),
                        None => Ok(EditorOutcome::Pending),
                    }
                }
            };
        }
        match self.form.handle(input) {
            FormOutcome::Pending => Ok(EditorOutcome::Pending),
            FormOutcome::Cancelled => Ok(EditorOutcome::Cancelled { stale: self.stale }),
            FormOutcome::Submitted(values) => self.submitted(&values, ctx),
        }
    }

    /// Put messages beside their fields, in the form's order and last
    /// first, so the focus ends on the topmost.
    fn field_errors(&mut self, mut errors: Vec<(FieldKey, String)>) -> EditorOutcome {
        let order: Vec<FieldKey> = specs(&self.job).iter().map(|s| s.key).collect();
        errors.sort_by_key(|(k, _)| order.iter().position(|o| o == k));
        for (k, msg) in errors.iter().rev() {
            self.form.set_error(*k, msg.clone());
        }
        let n = errors.len();
        EditorOutcome::Status(format!(
            "Not saved: {n} field{} to check.",
            if n == 1 { "" } else { "s" }
        ))
    }

    fn keyed(errors: Vec<FieldError>, first: FieldKey) -> Vec<(FieldKey, String)> {
        errors
            .into_iter()
            .map(|e| (key_of(e.field).unwrap_or(first), e.message))
            .collect()
    }

    fn submitted(&mut self, v: &FormValues, ctx: &mut ScreenCtx<'_>) -> Result<EditorOutcome> {
        match self.job.clone() {
            Job::NewPlacement => self.submit_placement(v, ctx),
            Job::Visit {
                visit_id,
                placement_id,
                kind,
                starts_on,
            } => {
                let Some(outcome) = v
                    .choice(key::OUTCOME)
                    .and_then(|i| VisitOutcome::for_kind(kind).get(i).copied())
                else {
                    return Ok(self.field_errors(vec![(key::OUTCOME, "Choose one.".into())]));
                };
                let done = VisitDone {
                    done_on: v.date(key::DONE_ON).unwrap_or(ctx.today),
                    outcome,
                    problems: v.text(key::PROBLEMS).to_string(),
                    support: v.text(key::SUPPORT).to_string(),
                    next_step: v.text(key::NEXT_STEP).to_string(),
                };
                let errors = done.validate(starts_on, ctx.today);
                if !errors.is_empty() {
                    return Ok(self.field_errors(Editor::keyed(errors, key::DONE_ON)));
                }
                self.office(ctx, |s| {
                    s.record_visit(visit_id, &done)?;
                    let next = s.placement(placement_id)?.next_due;
                    Ok((
                        match next {
                            Some(d) => format!(
                                "Visit recorded. The next visit is due {}.",
                                crate::ui::dates::show(d)
                            ),
                            None => "Visit recorded. No more visits are planned.".to_string(),
                        },
                        Some(placement_id),
                    ))
                })
            }
            Job::End {
                placement_id,
                starts_on,
            } => {
                let on = v.date(key::ENDED_ON).unwrap_or(ctx.today);
                if on < starts_on {
                    return Ok(self.field_errors(vec![(
                        key::ENDED_ON,
                        "The end date is before the placement started".into(),
                    )]));
                }
                let reason = v.text(key::REASON).to_string();
                self.office(ctx, |s| {
                    s.end_placement(placement_id, on, &reason)?;
                    Ok(("Placement ended.".to_string(), Some(placement_id)))
                })
            }
            Job::CaseFollowUp {
                follow_up_id,
                person_id,
            } => {
                let done = FollowUpDone {
                    done_on: v.date(key::DONE_ON).unwrap_or(ctx.today),
                    outcome: v.text(key::OUTCOME).to_string(),
                };
                let reg = ctx
                    .session
                    .person(PersonId(person_id))?
                    .profile
                    .registered_on;
                let errors = done.validate(reg, ctx.today);
                if !errors.is_empty() {
                    return Ok(self.field_errors(Editor::keyed(errors, key::DONE_ON)));
                }
                self.office(ctx, |s| {
                    s.complete_follow_up(follow_up_id, &done)?;
                    Ok(("Follow-up marked done.".to_string(), None))
                })
            }
        }
    }

    /// The placement form: find the person and the skill class by what was
    /// typed, check the rules, then ask about a closed case or save.
    fn submit_placement(
        &mut self,
        v: &FormValues,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<EditorOutcome> {
        let mut errors: Vec<(FieldKey, String)> = Vec::new();
        let person = match ctx.session.find_case_number(v.text(key::CASE_NUMBER))? {
            Some(id) => Some(ctx.session.person(id)?),
            None => {
                errors.push((
                    key::CASE_NUMBER,
                    "No one in the register has this case number".into(),
                ));
                None
            }
        };
        let class = v.text(key::SKILL_CLASS);
        let skill_class_id = if class.is_empty() {
            None
        } else {
            match ctx.session.class_named(class)? {
                Some(c) if c.kind == ClassKind::Skill => Some(c.id),
                Some(c) => {
                    errors.push((
                        key::SKILL_CLASS,
                        format!("This is a {} class, not a skill class", c.kind.label()),
                    ));
                    None
                }
                None => {
                    errors.push((key::SKILL_CLASS, "There is no class with this name".into()));
                    None
                }
            }
        };
        let p = NewPlacement {
            person_id: person.as_ref().map_or(0, |p| p.id),
            kind: v
                .choice(key::KIND)
                .and_then(|i| PlacementKind::ALL.get(i).copied()),
            starts_on: v.date(key::STARTS_ON),
            trade: v.text(key::TRADE).to_string(),
            employer: v.text(key::EMPLOYER).to_string(),
            contact_person: v.text(key::CONTACT_PERSON).to_string(),
            contact_phone: v.text(key::CONTACT_PHONE).to_string(),
            wage: v.number(key::WAGE),
            hours: v.text(key::HOURS).to_string(),
            business_kind: v.text(key::BUSINESS_KIND).to_string(),
            place: v.text(key::PLACE).to_string(),
            toolkit: v.yes_no(key::TOOLKIT).unwrap_or(false),
            grant: v.number(key::GRANT),
            training: v.text(key::TRAINING).to_string(),
            skill_class_id,
        };
        if let Some(person) = &person {
            errors.extend(Editor::keyed(
                p.validate(person.profile.registered_on, ctx.today),
                key::KIND,
            ));
        }
        // One message per field, the first found.
        let mut seen = Vec::new();
        errors.retain(|(k, _)| {
            let fresh = !seen.contains(k);
            seen.push(*k);
            fresh
        });
        if !errors.is_empty() {
            return Ok(self.field_errors(errors));
        }
        if let Some(person) = person.filter(|p| p.status == CaseStatus::Closed) {
            let dialog = ConfirmDialog::new(
                "This case is closed",
                format!(
                    "Case {} is closed. The usual way is to reopen it first (its file, Status). \
                     Record this placement for the closed case anyway? That you confirmed is \
                     recorded.",
                    person.case_number
                ),
            )
            .labels("Record it", "Cancel")
            .with_theme(&self.theme);
            self.confirm = Some((dialog, p));
            return Ok(EditorOutcome::Pending);
        }
        self.add(&p, false, None, ctx)
    }

    fn add(
        &mut self,
        p: &NewPlacement,
        closed_case_confirmed: bool,
        underage_reason: Option<String>,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<EditorOutcome> {
        if underage_reason.is_none()
            && let Some(rule) = ctx.session.placement_underage(p)?
        {
            let mut form = Form::new(
                "Why place them all the same?",
                vec![
                    FieldSpec::text(REASON, "Reason")
                        .required()
                        .max_chars(200)
                        .hint("Recorded in the audit trail: write no names"),
                ],
            )
            .with_theme(ctx.theme)
            .with_today(ctx.today);
            form.set_footer("Enter or Ctrl-S records it · Esc goes back to the form");
            self.underage = Some(UnderageQuestion {
                message: format!("{}.", crate::ui::words::capitalise(&rule.message())),
                form,
                placement: p.clone(),
                closed_case: closed_case_confirmed,
            });
            return Ok(EditorOutcome::Status(
                "Not saved yet: a reason is needed for this placement.".into(),
            ));
        }
        let confirm = PlacementConfirm {
            closed_case: closed_case_confirmed,
            underage_reason,
        };
        self.office(ctx, |s| {
            let (id, later) = s.add_placement_confirmed(p, &confirm)?;
            let saved = s.placement(id)?;
            // Visits that fell due before today are not a backlog: say so.
            let past = match later {
                0 => String::new(),
                1 => " 1 visit was due before today: not recorded (entered later).".into(),
                n => format!(" {n} visits were due before today: not recorded (entered later)."),
            };
            let next = saved
                .next_due
                .map(|d| {
                    let which = if later == 0 { "first" } else { "next" };
                    format!(" The {which} visit is due {}.", crate::ui::dates::show(d))
                })
                .unwrap_or_default();
            Ok((
                format!("Placement recorded for {}.{past}{next}", saved.case_number),
                Some(id),
            ))
        })
    }

    /// Run one office write. A refusal (the rules, or someone else saved
    /// first) shows over the form, which keeps what was typed.
    fn office(
        &mut self,
        ctx: &mut ScreenCtx<'_>,
        f: impl FnOnce(&mut crate::office::Session) -> Result<(String, Option<i64>)>,
    ) -> Result<EditorOutcome> {
        match f(ctx.session) {
            Ok((message, placement)) => Ok(EditorOutcome::Saved { message, placement }),
            Err(e @ (Error::Invalid(_) | Error::Conflict(_))) => {
                self.stale |= matches!(e, Error::Conflict(_));
                let title = if self.stale {
                    "Someone else saved first"
                } else {
                    "Not saved"
                };
                self.popup = Some(MessagePopup::error(title, sentence(&e)).with_theme(&self.theme));
                Ok(EditorOutcome::Pending)
            }
            Err(e) => Err(e),
        }
    }
}

impl UnderageQuestion {
    /// A box over the editor: the rule in words, then the reason form.
    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
        let width = area.width.saturating_sub(4).min(72);
        // The message wrapped (roughly; the paragraph wraps for real), a
        // blank line, and the six rows of the reason form.
        let text_w = usize::from(width.saturating_sub(4)).max(1);
        let text_rows = crate::safe_text::width(&self.message).div_ceil(text_w) + 1;
        let height = u16::try_from(text_rows)
            .unwrap_or(u16::MAX)
            .saturating_add(8);
        let rect = crate::ui::layout::centered(area, width, height);
        Clear.render(rect, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.error)
            .style(theme.dialog)
            .title(" Under age for this work ");
        let inner = block.inner(rect);
        block.render(rect, buf);
        let form_h = 6.min(inner.height);
        let text = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            height: inner.height - form_h,
            ..inner
        };
        Paragraph::new(crate::safe_text::sanitize(&self.message).into_owned())
            .wrap(Wrap { trim: true })
            .style(theme.dialog)
            .render(text, buf);
        let form = Rect {
            y: inner.bottom() - form_h,
            height: form_h,
            ..inner
        };
        (&self.form).render(form, buf);
    }
}
