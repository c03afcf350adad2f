//! The home page: today at a glance for whoever logged in — follow-ups due
//! today and overdue (case follow-ups and placement visits; the numbers
//! from the office's one count, the same the Follow-ups screen and
//! `followup list` show, the list its most late lines), the classes
//! meeting today and whether their attendance is taken, children absent
//! three sessions in a row (dropout risk), the latest intakes, counts per
//! programme and the last good backup. Up/Down pick a line, Enter opens
//! that person's file.

use crate::office::rules::Capability;
use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Widget};

use crate::Result;
use crate::domain::classes::Class;
use crate::domain::person::RegisterRow;
use crate::domain::placements::{DueCounts, DueItem, DueKind, Standing};
use crate::domain::{CaseStatus, Programme, Role};
use crate::office::Session;
use crate::office::backup::STALE_AFTER_DAYS;
use crate::office::casework::{RegisterQuery, SortColumn};
use crate::office::classes::AbsentAlert;
use crate::office::placements::DueFilter;
use crate::safe_text::{Align, fit};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::theme::Theme;

/// Most follow-up lines read (the most late); the counts are whole.
const DUE_LIMIT: usize = 50;
const LATEST: usize = 6;

/// When the last good backup was made, in words, or `None` if there is
/// none yet (the page then says "no backup yet").
pub fn last_backup(session: &Session) -> Option<String> {
    session.last_good_backup().map(|t| {
        t.with_timezone(&chrono::Local)
            .format("%-d %B %Y, %H:%M")
            .to_string()
    })
}

#[derive(Debug, Clone, Default)]
struct Counts {
    /// (programme, people, active cases)
    per_programme: Vec<(Programme, usize, usize)>,
}

#[derive(Default)]
pub struct HomeScreen {
    today: Option<NaiveDate>,
    user: String,
    role: Option<Role>,
    counts: Counts,
    due: Vec<DueItem>,
    /// How many are due, whole (not cut at [`DUE_LIMIT`]).
    due_counts: DueCounts,
    /// Classes meeting today, each with whether attendance is taken.
    classes: Vec<(Class, bool)>,
    /// Children absent from their class's last sessions (dropout risk).
    alerts: Vec<AbsentAlert>,
    latest: Vec<RegisterRow>,
    backup: Option<String>,
    /// Whole days since the last good backup (by `today`).
    backup_days: Option<i64>,
    selected: usize,
}

impl HomeScreen {
    pub fn new() -> HomeScreen {
        HomeScreen::default()
    }

    /// Lines that open a file: follow-ups, dropout alerts, then intakes.
    fn targets(&self) -> Vec<i64> {
        self.due
            .iter()
            .map(|d| d.person_id)
            .chain(self.alerts.iter().map(|a| a.person_id))
            .chain(self.latest.iter().map(|r| r.id))
            .collect()
    }

    fn count(session: &Session, q: RegisterQuery, today: NaiveDate) -> Result<usize> {
        session.count_register(&q, today)
    }
}

impl Screen for HomeScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Home
    }

    fn context_stack(&self) -> &'static [Context] {
        stacks::LIST
    }

    fn refresh(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        let session = &*ctx.session;
        let today = ctx.today;
        self.today = Some(today);
        self.user = session.user().name.clone();
        let role = session.role();
        self.role = Some(role);
        self.counts = Counts::default();
        for p in Programme::ALL {
            let base = RegisterQuery {
                programme: Some(*p),
                ..RegisterQuery::default()
            };
            let people = HomeScreen::count(session, base.clone(), today)?;
            let active = HomeScreen::count(
                session,
                RegisterQuery {
                    status: Some(CaseStatus::Active),
                    ..base
                },
                today,
            )?;
            self.counts.per_programme.push((*p, people, active));
        }
        // Psychologists see counts; the case lists belong to the case workers.
        if !Capability::ReadRegister.allows(role) {
            self.due.clear();
            self.due_counts = DueCounts::default();
            self.classes.clear();
            self.alerts.clear();
            self.latest.clear();
        } else {
            self.due = session.due_list(today, DueFilter::default(), DUE_LIMIT)?;
            self.due_counts = session.due_counts(today, DueFilter::default())?;
            self.classes = session.classes_on(today)?;
            self.alerts = session.absent_alerts(today)?;
            self.latest = session
                .search_register(
                    &RegisterQuery {
                        sort: SortColumn::RegisteredOn,
                        descending: true,
                        limit: LATEST,
                        ..RegisterQuery::default()
                    },
                    today,
                )?
                .rows;
        }
        self.backup = last_backup(session);
        self.backup_days = session
            .last_good_backup()
            .map(|t| (today - t.with_timezone(&chrono::Local).date_naive()).num_days());
        let n = self.targets().len();
        self.selected = self.selected.min(n.saturating_sub(1));
        Ok(())
    }

    fn handle(&mut self, input: Input, _ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let n = self.targets().len();
        let Input::Action(a) = input else {
            return Ok(Outcome::Stay);
        };
        match a {
            Action::Down if self.selected + 1 < n => self.selected += 1,
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::PageDown | Action::End => self.selected = n.saturating_sub(1),
            Action::PageUp | Action::Home => self.selected = 0,
            Action::Confirm => {
                if let Some(id) = self.targets().get(self.selected) {
                    return Ok(Outcome::OpenPerson(*id));
                }
            }
            Action::New if self.role.is_some_and(|r| Capability::Register.allows(r)) => {
                return Ok(Outcome::Go(ScreenId::Intake));
            }
            _ => {}
        }
        Ok(Outcome::Stay)
    }

    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let t = theme;
        let lists = self
            .role
            .is_some_and(|r| Capability::ReadRegister.allows(r));
        // At 80x24 the follow-ups keep most of the room; a taller window
        // shows more classes, alerts and intakes.
        let roomy = area.height >= 30;
        let latest = if roomy { LATEST } else { LATEST / 2 };
        let most = if roomy { 6 } else { 4 };
        let class_rows = self.classes.len().max(self.alerts.len()).clamp(1, most);
        // The urgent panels go last on a small window: Today and the
        // follow-ups (at least one row of them) first, then classes and
        // alerts, then the latest intakes, each only if it fits whole
        // enough to show a row; the follow-ups take what is left.
        let top_h = area.height.min(5);
        let mut left = area.height - top_h;
        let mid_min = left.min(3);
        left -= mid_min;
        let mut take = |want: usize| {
            let want = u16::try_from(want).unwrap_or(u16::MAX);
            let got = if left >= 3 { want.min(left) } else { 0 };
            left -= got;
            got
        };
        let classes_h = if lists { take(class_rows + 2) } else { 0 };
        let latest_h = if lists { take(latest + 2) } else { 0 };
        let [top, mid, classes, bottom] = Layout::vertical([
            Constraint::Length(top_h),
            Constraint::Length(mid_min + left),
            Constraint::Length(classes_h),
            Constraint::Length(latest_h),
        ])
        .areas(area);

        // At a glance.
        let block = boxed(" Today ", t);
        let inner = block.inner(top);
        block.render(top, buf);
        let w = usize::from(inner.width.saturating_sub(1));
        let date = self
            .today
            .map(|d| d.format("%A %-d %B %Y").to_string())
            .unwrap_or_default();
        let counts: Vec<String> = self
            .counts
            .per_programme
            .iter()
            .map(|(p, n, active)| {
                let who = match p {
                    Programme::Cpc => "children",
                    Programme::WomensDesk => "women",
                };
                format!("{}: {n} {who}, {active} active", p.label_cap())
            })
            .collect();
        // Warn when the last good backup is older than a week, or there is
        // none while the office holds records.
        let people: usize = self.counts.per_programme.iter().map(|(_, n, _)| n).sum();
        let fix = if self.role.is_some_and(|r| Capability::Backup.allows(r)) {
            "make one from Backup"
        } else {
            "ask the manager to make one"
        };
        let (backup, backup_style) = match (&self.backup, self.backup_days) {
            (Some(_), Some(days)) if days > STALE_AFTER_DAYS => {
                (format!("Last backup {days} days ago — {fix}"), t.warning)
            }
            (Some(when), _) => (format!("Last good backup: {when}"), t.base),
            (None, _) if people > 0 => (format!("No backup yet — {fix}"), t.warning),
            (None, _) => ("Last good backup: no backup yet".to_string(), t.hint),
        };
        let lines = [
            (format!("{date} · {}", self.user), t.base),
            (counts.join(" · "), t.base),
            (backup, backup_style),
        ];
        for (i, (text, style)) in lines.iter().enumerate() {
            if (i as u16) < inner.height {
                buf.set_stringn(
                    inner.x + 1,
                    inner.y + i as u16,
                    fit(text, w, Align::Left),
                    w,
                    *style,
                );
            }
        }

        if !lists {
            let block = boxed(" Counselling ", t);
            let inner = block.inner(mid);
            block.render(mid, buf);
            buf.set_stringn(
                inner.x + 1,
                inner.y,
                "Sessions and notes are on the Counselling screen.",
                usize::from(inner.width.saturating_sub(1)),
                t.hint,
            );
            return;
        }

        // Follow-ups due.
        let today = self.today.unwrap_or_default();
        let overdue = self.due_counts.overdue;
        let title = format!(
            " Follow-ups due today and overdue: {} ",
            self.due_counts.total()
        );
        let block = boxed(&title, t);
        let inner = block.inner(mid);
        block.render(mid, buf);
        if self.due.is_empty() {
            buf.set_stringn(
                inner.x + 1,
                inner.y,
                "Nothing due. ",
                usize::from(inner.width),
                t.hint,
            );
        }
        let rows = usize::from(inner.height);
        let first = (self.selected + 1)
            .saturating_sub(rows)
            .min(self.due.len().saturating_sub(rows));
        for (k, d) in self.due.iter().enumerate().skip(first).take(rows) {
            let y = inner.y + (k - first) as u16;
            let late = d.standing(today) == Standing::Overdue;
            let when = if late { "overdue" } else { "today" };
            let visit = if d.kind == DueKind::Placement {
                "visit, "
            } else {
                ""
            };
            let text = format!(
                "{} {:7} {:13} {} · {visit}{}",
                crate::ui::dates::show(d.due_on),
                when,
                d.case_number,
                d.name,
                d.what
            );
            line(buf, inner, y, &text, k == self.selected, late, t);
        }
        if overdue > 0 && inner.height > 0 {
            let note = format!(" {overdue} overdue ");
            let x = mid.right().saturating_sub(note.len() as u16 + 1);
            buf.set_string(x, mid.y, note, t.warning);
        }

        self.render_classes(classes, buf, t);

        // Latest intakes.
        let block = boxed(" Latest intakes ", t);
        let inner = block.inner(bottom);
        block.render(bottom, buf);
        if self.latest.is_empty() && inner.height > 0 {
            buf.set_stringn(
                inner.x + 1,
                inner.y,
                "No intakes yet.",
                usize::from(inner.width),
                t.hint,
            );
        }
        // The intakes scroll under the selection like the lists above.
        let rows = usize::from(inner.height);
        let before = self.due.len() + self.alerts.len();
        let first = self
            .selected
            .checked_sub(before)
            .map_or(0, |s| (s + 1).saturating_sub(rows));
        for (k, r) in self.latest.iter().enumerate().skip(first).take(rows) {
            let text = format!(
                "{} {:13} {} ({})",
                crate::ui::dates::show(r.registered_on),
                r.case_number,
                r.name,
                r.status.label()
            );
            let y = inner.y + (k - first) as u16;
            line(buf, inner, y, &text, before + k == self.selected, false, t);
        }
    }

    fn help_intro(&self) -> &str {
        "Today at a glance. Up and down pick a follow-up, a child absent three sessions in \
         a row, or an intake; Enter opens that person's file. The numbers 1–9 and the menu \
         go to the other screens (Placements has the whole Follow-ups list)."
    }
}

impl HomeScreen {
    /// Classes today (left) and the dropout alert (right), side by side.
    fn render_classes(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        if area.height < 3 {
            return;
        }
        let [left, right] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(area);
        let taken = self.classes.iter().filter(|(_, taken)| *taken).count();
        let title = format!(" Classes today: {}, {taken} taken ", self.classes.len());
        let block = boxed(&title, t);
        let inner = block.inner(left);
        block.render(left, buf);
        let w = usize::from(inner.width.saturating_sub(1));
        if self.classes.is_empty() {
            buf.set_stringn(inner.x + 1, inner.y, "No classes today.", w, t.hint);
        }
        for (k, (class, taken)) in self.classes.iter().enumerate() {
            let y = inner.y + k as u16;
            if y >= inner.bottom() {
                break;
            }
            let (mark, style) = if *taken {
                ("taken", t.base)
            } else {
                ("not yet", t.hint)
            };
            let start = class
                .starts_at
                .map(|s| s.format("%H:%M").to_string())
                .unwrap_or_default();
            let name_w = w.saturating_sub(start.len() + mark.len() + 2);
            let text = format!("{start} {} {mark}", fit(&class.name, name_w, Align::Left));
            buf.set_stringn(inner.x + 1, y, fit(&text, w, Align::Left), w, style);
        }
        if self.classes.len() > usize::from(inner.height) {
            let more = format!(" +{} more ", self.classes.len() - usize::from(inner.height));
            let x = left.right().saturating_sub(more.len() as u16 + 1);
            buf.set_string(x, left.bottom() - 1, more, t.hint);
        }

        let title = format!(" Absent 3 in a row: {} ", self.alerts.len());
        let block = boxed(&title, t);
        let inner = block.inner(right);
        block.render(right, buf);
        if self.alerts.is_empty() {
            let w = usize::from(inner.width.saturating_sub(1));
            buf.set_stringn(inner.x + 1, inner.y, "No one.", w, t.hint);
        }
        let rows = usize::from(inner.height);
        let sel = self.selected.checked_sub(self.due.len());
        let first = sel
            .filter(|s| *s < self.alerts.len())
            .map_or(0, |s| (s + 1).saturating_sub(rows));
        for (k, a) in self.alerts.iter().enumerate().skip(first).take(rows) {
            let text = format!("{} {} · {}", a.case_number, a.name, a.class_name);
            let y = inner.y + (k - first) as u16;
            line(buf, inner, y, &text, sel == Some(k), true, t);
        }
    }
}

trait CapLabel {
    fn label_cap(self) -> String;
}

impl CapLabel for Programme {
    fn label_cap(self) -> String {
        crate::ui::words::capitalise(self.label())
    }
}

fn boxed<'a>(title: &'a str, t: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(t.border)
        .style(t.base)
        .title(Span::styled(title, t.title))
}

/// One selectable line; text from the office file goes through `fit`
/// (which sanitizes).
fn line(buf: &mut Buffer, inner: Rect, y: u16, text: &str, selected: bool, late: bool, t: &Theme) {
    if y >= inner.bottom() {
        return;
    }
    let style = match (selected, late) {
        (true, _) => t.selected,
        (false, true) => t.warning,
        (false, false) => t.base,
    };
    let w = usize::from(inner.width.saturating_sub(2));
    buf.set_style(Rect::new(inner.x, y, inner.width, 1), style);
    if selected {
        buf.set_string(inner.x, y, "▸", style);
    }
    buf.set_stringn(inner.x + 1, y, fit(text, w, Align::Left), w, style);
}
