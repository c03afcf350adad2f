//! A report on screen: the indicators table with the previous period
//! beside each number, the sex × age-band breakdown of the selected one,
//! and the de-identified view.
//!
//! The report is run once, with its records and (for a calendar month,
//! quarter or year) what its de-identified text withholds; the
//! de-identified view is the same report with the records dropped and
//! that suppression applied (`domain::reports::suppress`), worked out
//! here once, so switching between the two never runs the report again.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::grid;
use crate::domain::reports::suppress::{Slot, View, Which};
use crate::domain::reports::text::figure;
use crate::domain::reports::{Indicator, Measure, Report};
use crate::safe_text::{Align, fit};
use crate::ui::theme::Theme;
use crate::ui::widgets::table::{Column, Table, TableState};

/// Which part of the report is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Indicators,
    Charts,
}

pub struct ReportView {
    full: Report,
    deid: Report,
    full_view: View,
    deid_view: View,
    pub deidentified: bool,
    pub tab: Tab,
    pub state: TableState,
    /// The table's rows, worked out once per view (a report has about a
    /// hundred indicators, drawn a few times a second).
    rows: [Vec<Vec<String>>; 2],
}

/// What `x` means in the de-identified view, under its table.
pub const LEGEND: &str = "x: withheld, a count from 1 to 4 or one that would give one away";

/// Why Space does nothing for another period.
pub const CALENDAR_ONLY: &str = "A de-identified report is made only for a whole calendar month, quarter or year (so two reports cannot be subtracted): choose one of those periods.";

pub fn columns() -> Vec<Column> {
    vec![
        Column::fill("Indicator", 1).unsortable(),
        Column::fixed("Now", 7).right().unsortable(),
        Column::fixed("Before", 7).right().unsortable(),
    ]
}

fn rows(report: &Report, view: &View) -> Vec<Vec<String>> {
    report
        .indicators()
        .enumerate()
        .map(|(i, ind)| {
            let indent = if ind.level > 0 { "  " } else { "" };
            // Head counts at activities are contacts, not activities (the
            // same child at two visits is two): say so, with how many were
            // held beside it.
            let label = match (ind.measure, ind.events) {
                (Measure::Participants, Some(_)) => format!(
                    "{}: contacts ({} held)",
                    ind.label,
                    figure(report, view, i, Which::Current, Slot::Events)
                ),
                (Measure::Participants, None) => format!("{}: contacts", ind.label),
                _ => ind.label.clone(),
            };
            vec![
                format!("{indent}{label}"),
                figure(report, view, i, Which::Current, Slot::Total),
                figure(report, view, i, Which::Previous, Slot::Total),
            ]
        })
        .collect()
}

impl ReportView {
    pub fn new(report: Report) -> ReportView {
        let mut deid = report.clone();
        deid.deidentify();
        let full_view = View::of(&report);
        let deid_view = View::of(&deid);
        let rows = [rows(&report, &full_view), rows(&deid, &deid_view)];
        ReportView {
            full: report,
            deid,
            full_view,
            deid_view,
            deidentified: false,
            tab: Tab::Indicators,
            state: TableState::new(),
            rows,
        }
    }

    /// The report as shown now (de-identified: without records).
    pub fn report(&self) -> &Report {
        if self.deidentified {
            &self.deid
        } else {
            &self.full
        }
    }

    pub fn view(&self) -> &View {
        if self.deidentified {
            &self.deid_view
        } else {
            &self.full_view
        }
    }

    pub fn len(&self) -> usize {
        self.rows[0].len()
    }

    pub fn selected(&self) -> Option<(usize, &Indicator)> {
        let i = self.state.selected(self.len())?;
        self.report().indicators().nth(i).map(|ind| (i, ind))
    }

    /// Can this report be shown de-identified: its period is a whole
    /// calendar month, quarter or year.
    pub fn can_deidentify(&self) -> bool {
        self.full.suppression.is_some()
    }

    /// The period line: "March 2026 · before: February 2026", and for a
    /// period no de-identified report is made for, that it is not.
    pub fn heading(&self) -> String {
        let r = &self.full;
        format!(
            "{} · before: {}{}",
            crate::ui::words::capitalise(&r.period.words()),
            r.previous.words(),
            if self.can_deidentify() {
                ""
            } else {
                " · de-identified: whole months, quarters, years only"
            }
        )
    }

    /// The indicators table above, the breakdown of the selected one
    /// below (when there is room for it).
    pub fn render_indicators(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let breakdown = if area.height >= 14 { 6 } else { 0 };
        // De-identified: one line under the table says what `x` is.
        let legend = u16::from(self.deidentified && area.height >= 8);
        let table = Rect {
            height: area.height - breakdown - legend,
            ..area
        };
        let cols = columns();
        let rows = &self.rows[usize::from(self.deidentified)];
        let title = if self.deidentified {
            "Indicators (de-identified: x withheld)"
        } else {
            "Indicators"
        };
        Table::new(rows, &cols, &self.state, t)
            .title(title)
            .render(table, buf);
        if legend == 1 {
            let w = usize::from(area.width.saturating_sub(2));
            buf.set_stringn(
                area.x + 1,
                table.bottom(),
                fit(LEGEND, w, Align::Left),
                w,
                t.hint,
            );
        }
        if breakdown == 0 {
            return;
        }
        let below = Rect {
            y: table.bottom() + legend,
            height: breakdown,
            ..area
        };
        self.render_breakdown(below, buf, t);
    }

    fn render_breakdown(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let Some((i, ind)) = self.selected() else {
            return;
        };
        let (r, v) = (self.report(), self.view());
        let w = usize::from(area.width.saturating_sub(2));
        let mut head = match ind.measure {
            Measure::Count => ind.label.clone(),
            _ => format!("{}: now, by sex and age", ind.label),
        };
        if let Some(word) = ind.events {
            head.push_str(&format!(
                " · {word} {} (before {})",
                figure(r, v, i, Which::Current, Slot::Events),
                figure(r, v, i, Which::Previous, Slot::Events)
            ));
        }
        let mut lines = vec![Line::from(Span::styled(
            fit(&head, w, Align::Left),
            t.header,
        ))];
        if ind.measure == Measure::Count {
            lines.push(Line::from(Span::styled(
                "Counted as one number, not by sex and age.",
                t.hint,
            )));
        } else {
            let cells = &ind.current.cells;
            // Row and column totals are not numbers the report prints: in
            // the de-identified view they could undo its suppression, and
            // a rate's are not sums; those are left blank.
            let sums = !self.deidentified && ind.measure != Measure::Rate;
            let cell = |s, b| match (s, b) {
                (Some(s), Some(b)) => figure(r, v, i, Which::Current, Slot::Cell(s, b)),
                (None, None) => figure(r, v, i, Which::Current, Slot::Total),
                (Some(s), None) if sums => cells.sex_total(s).to_string(),
                (None, Some(b)) if sums => cells.band_total(b).to_string(),
                _ => String::new(),
            };
            lines.extend(
                grid::lines(&cell)
                    .into_iter()
                    .map(|l| Line::from(Span::styled(format!(" {l}"), t.base))),
            );
        }
        for (row, line) in lines.into_iter().take(usize::from(area.height)).enumerate() {
            let line_area = Rect {
                x: area.x + 1,
                y: area.y + row as u16,
                width: area.width.saturating_sub(2),
                height: 1,
            };
            line.render(line_area, buf);
        }
    }
}
