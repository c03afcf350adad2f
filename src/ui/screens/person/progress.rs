//! What a person did after intake, as their file shows it: placements in
//! jobs or businesses with their visits (a section, and lines on the
//! timeline), and classes — each enrolment with its attendance rate, the
//! monthly literacy tests as a bar chart with whether they improved, and
//! the skill courses completed.
//!
//! Read with the rest of the file; psychologists do not see it (the
//! office does not give it to them).

use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Bar, BarChart, Widget};

use super::PersonScreen;
use crate::Result;
use crate::domain::classes::{
    Enrolment, LiteracyScale, LiteracyTest, Rate, SkillCompletion, improved,
};
use crate::domain::person::PersonId;
use crate::domain::placements::{Placement, PlacementKind, Standing, Visit, VisitState};
use crate::office::Session;
use crate::safe_text::{Align, fit};
use crate::ui::screens::placements::editor::{Editor as WorkEditor, Job};
use crate::ui::screens::placements::list::work;
use crate::ui::theme::Theme;
use crate::ui::widgets::table::Column;

/// A line of the Placements section: its cells, and the visit it records
/// (placement index, visit index) when it is one still to make.
pub(super) type WorkRow = (Vec<String>, Option<(usize, usize)>);

/// Placements and classes of one person.
#[derive(Debug, Clone, Default)]
pub(super) struct Progress {
    pub placements: Vec<(Placement, Vec<Visit>)>,
    pub enrolments: Vec<(String, Enrolment)>,
    pub rates: Vec<(String, Rate)>,
    pub tests: Vec<LiteracyTest>,
    pub scale: LiteracyScale,
    pub skills: Vec<SkillCompletion>,
}

impl Progress {
    pub fn load(session: &Session, id: PersonId) -> Result<Progress> {
        let mut placements = Vec::new();
        for p in session.placements(None, None, Some(id))? {
            let visits = session.placement_visits(p.id)?;
            placements.push((p, visits));
        }
        Ok(Progress {
            placements,
            enrolments: session.person_enrolments(id)?,
            rates: session.person_rates(id)?,
            tests: session.literacy_tests(id)?,
            scale: session.literacy_scale()?,
            skills: session.skill_completions(id)?,
        })
    }

    /// The Placements section, one line per placement, visit and end,
    /// each placement's in date order; with the visit each line records
    /// (placement index, visit index) when it is one still to make.
    pub fn work_rows(&self, today: NaiveDate) -> Vec<WorkRow> {
        let mut out = Vec::new();
        for (pi, (p, visits)) in self.placements.iter().enumerate() {
            out.push((
                vec![
                    crate::ui::dates::show(p.starts_on),
                    match p.kind {
                        PlacementKind::Job => "job",
                        PlacementKind::Business => "own business",
                    }
                    .to_string(),
                    format!("{} · now {}", work(p), p.status.label()),
                ],
                None,
            ));
            for (vi, v) in visits.iter().enumerate() {
                let row = match (v.done_on, v.outcome) {
                    (Some(done), outcome) => {
                        // What it found first, then the notes.
                        let notes: Vec<&str> = outcome
                            .map(|o| o.label())
                            .into_iter()
                            .chain([&v.problems, &v.support, &v.next_step].map(|s| s.as_str()))
                            .filter(|s| !s.is_empty())
                            .collect();
                        let by =
                            v.by.as_deref()
                                .map(|b| format!(" ({b})"))
                                .unwrap_or_default();
                        (
                            vec![
                                crate::ui::dates::show(done),
                                "  visit".to_string(),
                                format!("{}{by}", notes.join(" · ").replace('\n', " / ")),
                            ],
                            None,
                        )
                    }
                    (None, _) => {
                        // Where it stands, by the rule every list and count uses.
                        let (what, detail) = match v.state(today) {
                            VisitState::Open(Standing::Overdue) => {
                                ("  visit due", "late: Enter records it")
                            }
                            VisitState::Open(Standing::DueToday) => {
                                ("  visit due", "today: Enter records it")
                            }
                            VisitState::Missed => ("  visit missed", "a later visit was made"),
                            VisitState::NotRecorded => ("  visit", "not recorded (entered later)"),
                            VisitState::Open(Standing::Later) | VisitState::Done => {
                                ("  visit due", "planned")
                            }
                        };
                        (
                            vec![
                                crate::ui::dates::show(v.due_on),
                                what.to_string(),
                                detail.to_string(),
                            ],
                            Some((pi, vi)),
                        )
                    }
                };
                out.push(row);
            }
            if let Some(e) = p.ended_on {
                out.push((
                    vec![
                        crate::ui::dates::show(e),
                        "  ended".into(),
                        p.end_reason.clone(),
                    ],
                    None,
                ));
            }
        }
        out
    }

    /// Timeline lines: (date, what, detail, who).
    pub fn timeline(&self) -> Vec<(NaiveDate, String, String, String)> {
        let mut out = Vec::new();
        for (p, visits) in &self.placements {
            out.push((
                p.starts_on,
                format!("placed: {}", p.kind.code()),
                work(p),
                String::new(),
            ));
            for v in visits {
                if let Some(done) = v.done_on {
                    out.push((
                        done,
                        "placement visit".into(),
                        v.outcome.map_or("", |o| o.label()).to_string(),
                        v.by.clone().unwrap_or_default(),
                    ));
                }
            }
            if let Some(e) = p.ended_on {
                out.push((
                    e,
                    "placement ended".into(),
                    p.end_reason.clone(),
                    String::new(),
                ));
            }
        }
        out
    }
}

/// Lines written down a section, stopping above its hint line.
struct Lines {
    x: u16,
    y: u16,
    bottom: u16,
    w: usize,
}

impl Lines {
    /// `fit` sanitizes what was stored.
    fn put(&mut self, buf: &mut Buffer, text: &str, style: Style) {
        if self.y < self.bottom {
            buf.set_string(self.x, self.y, fit(text, self.w, Align::Left), style);
            self.y += 1;
        }
    }
}

pub(super) fn work_columns() -> Vec<Column> {
    vec![
        Column::fixed("Date", 10).unsortable(),
        Column::fixed("What", 12).unsortable(),
        Column::fill("Detail", 1).unsortable(),
    ]
}

impl PersonScreen {
    /// `n` on Placements: a new placement for this person.
    pub(super) fn open_placement(&mut self, ctx: &crate::ui::screen::ScreenCtx<'_>) {
        let Some(p) = &self.person else { return };
        let title = format!("Record a placement · {}", p.profile.name);
        self.work = Some(WorkEditor::new(
            Job::NewPlacement,
            &title,
            Some(&p.case_number),
            ctx,
        ));
    }

    /// Enter on a visit still to make: its form.
    pub(super) fn open_visit(&mut self, row: usize, ctx: &crate::ui::screen::ScreenCtx<'_>) {
        let rows = self.progress.work_rows(self.today);
        let Some((_, Some((pi, vi)))) = rows.get(row) else {
            return;
        };
        let Some((p, visits)) = self.progress.placements.get(*pi) else {
            return;
        };
        let Some(v) = visits.get(*vi) else { return };
        let title = format!(
            "Visit · {} {} · due {}",
            p.case_number,
            p.name,
            crate::ui::dates::show(v.due_on)
        );
        let job = Job::Visit {
            visit_id: v.id,
            placement_id: p.id,
            kind: p.kind,
            starts_on: p.starts_on,
        };
        self.work = Some(WorkEditor::new(job, &title, None, ctx));
    }

    /// The Classes section: enrolments with rates, the literacy chart,
    /// skill courses.
    pub(super) fn render_classes(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        if area.height < 4 {
            return;
        }
        let w = usize::from(area.width.saturating_sub(2));
        let x = area.x + 1;
        let bottom = area.bottom() - 1;
        let mut out = Lines {
            x,
            y: area.y,
            bottom,
            w,
        };
        let p = &self.progress;

        out.put(buf, "Classes and attendance", t.title);
        if p.enrolments.is_empty() {
            out.put(buf, "  Not enrolled in any class.", t.hint);
        }
        for (name, e) in p.enrolments.iter().take(4) {
            let rate = p
                .rates
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, r)| r.to_string())
                .unwrap_or_else(|| "–".into());
            let since = match e.withdrawn_on {
                Some(w) => format!(
                    "{} to {}",
                    crate::ui::dates::show(e.enrolled_on),
                    crate::ui::dates::show(w)
                ),
                None => format!("since {}", crate::ui::dates::show(e.enrolled_on)),
            };
            out.put(
                buf,
                &format!("  {name} · {since} · attended {rate}"),
                t.base,
            );
        }
        if p.enrolments.len() > 4 {
            out.put(
                buf,
                &format!("  … and {} more", p.enrolments.len() - 4),
                t.hint,
            );
        }

        // The monthly total of the parts tested, oldest first.
        let most = 4 * u32::from(p.scale.max());
        let verdict = match improved(&p.tests) {
            Some(true) => "improved",
            Some(false) => "not yet improved",
            None if p.tests.is_empty() => "no tests yet",
            None => "one test so far",
        };
        out.put(
            buf,
            &format!("Literacy tests, monthly total out of {most}: {verdict}"),
            t.title,
        );
        let skills_h = 1 + p.skills.len().clamp(1, 3) as u16;
        let chart_h = bottom.saturating_sub(out.y + skills_h).min(7);
        if !p.tests.is_empty() && chart_h >= 3 {
            // Bars 3 wide with a gap: the latest months that fit.
            let fits = (area.width.saturating_sub(2) / 4).max(1) as usize;
            let bars: Vec<Bar> = p
                .tests
                .iter()
                .skip(p.tests.len().saturating_sub(fits))
                .map(|lt| {
                    Bar::new(u64::from(lt.scores.total()))
                        .label(lt.month.format("%b").to_string())
                        .text_value(lt.scores.total().to_string())
                })
                .collect();
            BarChart::vertical(bars)
                .bar_width(3)
                .bar_gap(1)
                .max(u64::from(most.max(1)))
                .bar_style(t.key)
                .value_style(t.selected)
                .label_style(t.hint)
                .style(t.base)
                .render(
                    Rect::new(x, out.y, area.width.saturating_sub(2), chart_h),
                    buf,
                );
            out.y += chart_h;
        }

        out.put(buf, "Skill courses completed", t.title);
        if p.skills.is_empty() {
            out.put(buf, "  None yet.", t.hint);
        }
        for s in &p.skills {
            // The trade only where the class's name does not say it.
            let trade = if s.trade.is_empty() || s.class_name.eq_ignore_ascii_case(&s.trade) {
                String::new()
            } else {
                format!(" ({})", s.trade)
            };
            let cert = if s.certificate { "yes" } else { "no" };
            out.put(
                buf,
                &format!(
                    "  {}{trade} · completed {} · certificate {cert}",
                    s.class_name,
                    crate::ui::dates::show(s.completed_on)
                ),
                t.base,
            );
        }
        buf.set_string(
            x,
            bottom,
            fit("←→ sections · Esc back", w, Align::Left),
            t.hint,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::placements::{PlacementStatus, VisitOutcome};

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, day).expect("date")
    }

    fn visit(id: i64, due_on: NaiveDate) -> Visit {
        Visit {
            id,
            placement_id: 1,
            due_on,
            done_on: None,
            by: None,
            outcome: None,
            problems: String::new(),
            support: String::new(),
            next_step: String::new(),
            entered_later: false,
            missed: false,
        }
    }

    /// The file says of each visit what the Follow-ups list does: not
    /// recorded, missed, made, late, planned.
    #[test]
    fn each_visit_says_where_it_stands() {
        let placement = Placement {
            id: 1,
            person_id: 1,
            case_number: "CPC-2026-0001".into(),
            name: "Child".into(),
            kind: PlacementKind::Job,
            trade: "tailoring".into(),
            employer: "Jinnah Road tailors".into(),
            business_kind: String::new(),
            starts_on: d(6, 1),
            wage: None,
            skill_class_id: None,
            ended_on: None,
            end_reason: String::new(),
            status: PlacementStatus::Working,
            last_visit: Some(d(9, 2)),
            next_due: Some(d(11, 28)),
        };
        let visits = vec![
            Visit {
                entered_later: true,
                ..visit(1, d(6, 15))
            },
            Visit {
                missed: true,
                ..visit(2, d(7, 1))
            },
            Visit {
                done_on: Some(d(9, 2)),
                outcome: Some(VisitOutcome::StillWorking),
                ..visit(3, d(8, 30))
            },
            visit(4, d(11, 28)),
            visit(5, d(12, 20)),
        ];
        let progress = Progress {
            placements: vec![(placement, visits)],
            ..Progress::default()
        };
        let rows: Vec<String> = progress
            .work_rows(d(12, 7))
            .iter()
            .skip(1)
            .map(|(cells, _)| format!("{} {}", cells[1].trim(), cells[2]))
            .collect();
        assert_eq!(
            rows,
            [
                "visit not recorded (entered later)",
                "visit missed a later visit was made",
                "visit still working",
                "visit due late: Enter records it",
                "visit due planned",
            ]
        );
    }
}
