//! One placement opened from the list: what it is, and its visits, made
//! and planned, each with where it stands (overdue, missed when a later
//! one was made, not recorded when it fell due before the placement was
//! entered). Enter on a visit not made (or `n`, the next one still to
//! make) records it; `e` ends the placement. Both open an
//! [`Editor`](super::editor).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::list::{date, work};
use chrono::NaiveDate;

use crate::Result;
use crate::domain::placements::{Placement, PlacementKind, Visit, VisitState};
use crate::ui::layout::text_line;
use crate::ui::screen::ScreenCtx;
use crate::ui::theme::Theme;
use crate::ui::widgets::table::{Column, Table, TableState};

pub fn columns() -> Vec<Column> {
    let c = |t: &str, w: u16| Column::fixed(t, w).unsortable();
    let f = |t: &str, w: u16| Column::fill(t, w).unsortable();
    vec![
        c("Due", 10),
        c("Done", 10),
        c("Outcome", 14),
        f("Problems, support, next step", 4),
        f("By", 1),
    ]
}

pub struct VisitsView {
    pub placement: Placement,
    pub visits: Vec<Visit>,
    /// The skill class it followed from, by name.
    pub class_name: Option<String>,
    pub state: TableState,
    /// The desk's day, for where each visit stands.
    pub today: NaiveDate,
}

impl VisitsView {
    pub fn open(id: i64, ctx: &ScreenCtx<'_>) -> Result<VisitsView> {
        let mut v = VisitsView {
            placement: ctx.session.placement(id)?,
            visits: Vec::new(),
            class_name: None,
            state: TableState::new(),
            today: ctx.today,
        };
        v.load(ctx)?;
        // Start on the first visit still to make: the one to record.
        if let Some(i) = v.visits.iter().position(Visit::is_open) {
            v.state.select(i);
        }
        Ok(v)
    }

    pub fn load(&mut self, ctx: &ScreenCtx<'_>) -> Result<()> {
        let id = self.placement.id;
        self.today = ctx.today;
        self.placement = ctx.session.placement(id)?;
        self.visits = ctx.session.placement_visits(id)?;
        self.class_name = match self.placement.skill_class_id {
            Some(c) => Some(ctx.session.class(c)?.name),
            None => None,
        };
        Ok(())
    }

    pub fn selected(&self) -> Option<&Visit> {
        self.state
            .selected(self.visits.len())
            .and_then(|i| self.visits.get(i))
    }

    /// The first visit still to make (not missed, not entered later).
    pub fn next_planned(&self) -> Option<&Visit> {
        self.visits.iter().find(|v| v.is_open())
    }

    fn rows(&self) -> Vec<Vec<String>> {
        self.visits
            .iter()
            .map(|v| {
                let notes: Vec<&str> = [&v.problems, &v.support, &v.next_step]
                    .into_iter()
                    .map(|s| s.as_str())
                    .filter(|s| !s.is_empty())
                    .collect();
                // A visit made says what it found; one not made, where it stands.
                let outcome = match (v.state(self.today), v.outcome) {
                    (VisitState::Done, o) => o.map(|o| o.label()).unwrap_or(""),
                    (VisitState::NotRecorded, _) => "not recorded",
                    (state, _) => state.label(),
                };
                let notes = if v.state(self.today) == VisitState::NotRecorded {
                    vec!["entered later"]
                } else {
                    notes
                };
                vec![
                    crate::ui::dates::show(v.due_on),
                    date(v.done_on),
                    outcome.to_string(),
                    notes.join(" · ").replace('\n', " / "),
                    v.by.clone().unwrap_or_default(),
                ]
            })
            .collect()
    }

    /// What the placement is, in three lines.
    fn about(&self) -> [String; 3] {
        let p = &self.placement;
        let what = match p.kind {
            PlacementKind::Job => {
                let wage = p
                    .wage
                    .map(|w| format!(" · Rs {w} a month"))
                    .unwrap_or_default();
                format!("Job: {}{wage}", work(p))
            }
            PlacementKind::Business => {
                let trade = if p.trade.is_empty() {
                    String::new()
                } else {
                    format!(" · {}", p.trade)
                };
                format!("Own business: {}{trade}", p.business_kind)
            }
        };
        let after = self
            .class_name
            .as_ref()
            .map(|c| format!(" · after the skill class {c}"))
            .unwrap_or_default();
        let state = match p.ended_on {
            Some(e) => format!(
                "Started {} · ended {}: {}",
                crate::ui::dates::show(p.starts_on),
                crate::ui::dates::show(e),
                p.end_reason
            ),
            None => format!(
                "Started {} · {}{after}",
                crate::ui::dates::show(p.starts_on),
                p.status.label()
            ),
        };
        [format!("{} · {}", p.case_number, p.name), what, state]
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        if area.height < 6 {
            return;
        }
        for (i, line) in self.about().iter().enumerate() {
            let style = if i == 0 { t.title } else { t.base };
            // `fit` sanitizes what was stored.
            text_line(buf, area, area.y + i as u16, line, style);
        }
        let ended = self.placement.ended_on.is_some();
        let hint = if ended {
            "This placement has ended · Esc back to the list"
        } else {
            "Enter records a visit · n the next due · e ends it · Esc back"
        };
        let table = Rect {
            y: area.y + 3,
            height: area.height - 4,
            ..area
        };
        let rows = self.rows();
        let cols = columns();
        Table::new(&rows, &cols, &self.state, t)
            .title("Visits")
            .empty_message("No visits are planned.")
            .render(table, buf);
        text_line(buf, area, area.bottom() - 1, hint, t.hint);
    }
}
