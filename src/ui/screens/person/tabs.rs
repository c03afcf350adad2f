//! The sections of a file and how each is drawn: the header, the row of
//! tabs, the profile as label: value lines, and one table per list.

use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::PersonScreen;
use super::profile;
use crate::domain::CaseStatus;
use crate::domain::casework::TimelineEvent;
use crate::domain::person::field_label;
use crate::safe_text::{Align, fit};
use crate::ui::theme::Theme;
use crate::ui::widgets::table::{Column, Table};

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
    Placements,
    Classes,
}

impl Tab {
    pub const ALL: [Tab; 9] = [
        Tab::Profile,
        Tab::Timeline,
        Tab::Services,
        Tab::FollowUps,
        Tab::Goals,
        Tab::Status,
        Tab::History,
        Tab::Placements,
        Tab::Classes,
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
            Tab::Placements => "Placements",
            Tab::Classes => "Classes",
        }
    }

    pub(super) fn index(self) -> usize {
        Tab::ALL.iter().position(|t| *t == self).unwrap_or(0)
    }

    pub(super) fn step(self, by: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        Tab::ALL[(self.index() as isize + by).rem_euclid(n) as usize]
    }

    pub(super) fn columns(self) -> Vec<Column> {
        let c = |t: &str, w: u16| Column::fixed(t, w).unsortable();
        let f = |t: &str, w: u16| Column::fill(t, w).unsortable();
        match self {
            Tab::Profile | Tab::Classes => Vec::new(),
            Tab::Placements => super::progress::work_columns(),
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

impl PersonScreen {
    /// A stored history value in words (codes → labels, ids → names).
    pub(super) fn shown_value(&self, field: &str, value: Option<&str>) -> String {
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

    pub(super) fn header(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
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

    /// The row of tabs. When they do not all fit (80 columns), the row
    /// starts late enough for the current tab to show, with ‹ and › where
    /// more are off the edge.
    pub(super) fn tabs(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let widths: Vec<u16> = Tab::ALL
            .iter()
            .map(|tab| tab.label().len() as u16 + 2)
            .collect();
        let current = self.tab.index();
        let mut first = 0;
        if widths.iter().sum::<u16>() > area.width {
            // Room for both arrows, then as few tabs skipped as will do.
            let room = area.width.saturating_sub(2);
            while first < current && widths[first..=current].iter().sum::<u16>() > room {
                first += 1;
            }
        }
        let mut spans = Vec::new();
        let mut used = 0;
        if first > 0 {
            spans.push(Span::styled("‹", t.hint));
            used += 1;
        }
        let mut last = first;
        for (i, tab) in Tab::ALL.iter().enumerate().skip(first) {
            let more = i + 1 < Tab::ALL.len();
            if used + widths[i] + u16::from(more) > area.width && i > current {
                break;
            }
            let style = if *tab == self.tab { t.selected } else { t.hint };
            spans.push(Span::styled(format!(" {} ", tab.label()), style));
            used += widths[i];
            last = i;
        }
        if last + 1 < Tab::ALL.len() {
            spans.push(Span::styled("›", t.hint));
        }
        Line::from(spans).render(area, buf);
    }

    /// The profile as label: value lines.
    pub(super) fn profile_lines(&self) -> Vec<(&'static str, String)> {
        let Some(p) = &self.person else {
            return Vec::new();
        };
        let pr = &p.profile;
        let yn = |b: bool| if b { "yes" } else { "no" }.to_string();
        let date = |d: Option<NaiveDate>| crate::ui::dates::show_or(d, "");
        let dob = match pr.birth_date {
            Some(b) => format!(
                "{}{}",
                crate::ui::dates::show(b),
                if pr.age_estimated { " (estimated)" } else { "" }
            ),
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
            ("Intake date", crate::ui::dates::show(pr.registered_on)),
            ("Status", status),
        ]
    }

    pub(super) fn render_profile(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
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

    pub(super) fn rows(&self, tab: Tab) -> Vec<Vec<String>> {
        let who = |w: &Option<String>| w.clone().unwrap_or_default();
        let date = |d: Option<NaiveDate>| crate::ui::dates::show_or(d, "");
        match tab {
            Tab::Profile | Tab::Classes => Vec::new(),
            Tab::Placements => self
                .progress
                .work_rows(self.today)
                .into_iter()
                .map(|(cells, _)| cells)
                .collect(),
            Tab::Timeline => {
                let mut lines: Vec<(NaiveDate, String, String, String)> = self
                    .timeline
                    .iter()
                    .map(|e| {
                        let (what, detail) = timeline_words(&e.event);
                        (e.on_date, what, detail, who(&e.who))
                    })
                    .collect();
                // Placements join in by date; a stable sort keeps the
                // file's own order within a day.
                lines.extend(self.progress.timeline());
                lines.sort_by_key(|l| std::cmp::Reverse(l.0));
                lines
                    .into_iter()
                    .map(|(on, what, detail, who)| {
                        vec![crate::ui::dates::show(on), what, detail, who]
                    })
                    .collect()
            }
            Tab::Services => self
                .services
                .iter()
                .map(|s| {
                    vec![
                        crate::ui::dates::show(s.on_date),
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
                        format!("{} !", crate::ui::dates::show(f.due_on))
                    } else {
                        crate::ui::dates::show(f.due_on)
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
                        crate::ui::dates::show(s.on_date),
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

    pub(super) fn render_list(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
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
            Tab::Placements => (
                "Placements and visits · n records one · Enter records a visit due",
                "No placements. Press n to record one.",
            ),
            Tab::Profile | Tab::Classes => ("", ""),
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
