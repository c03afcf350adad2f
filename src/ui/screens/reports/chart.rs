//! Bar charts of new cases and services per month over the report's
//! period, from the monthly series the report carries.
//!
//! In the de-identified view a month's bar is drawn only for a number the
//! view shows: a withheld month is drawn flat with `x`
//! on it, since its height would tell the number.

use chrono::Datelike;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Bar, BarChart, Block, Borders, Widget};

use crate::domain::reports::Report;
use crate::domain::reports::suppress::{Shown, View};
use crate::ui::theme::Theme;

/// One bar: the month's label, its height and the number written on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Point {
    pub label: String,
    pub height: u64,
    pub text: String,
}

fn point(label: &str, shown: Shown) -> Point {
    Point {
        label: label.to_string(),
        height: match shown {
            Shown::Value(n) => u64::try_from(n).unwrap_or(0),
            Shown::Withheld => 0,
        },
        text: shown.to_string(),
    }
}

/// The two series, (new cases, services), one point a month.
pub fn series(report: &Report, view: &View) -> (Vec<Point>, Vec<Point>) {
    let years = report.period.from.year() != report.period.to.year();
    let mut cases = Vec::new();
    let mut services = Vec::new();
    for (i, m) in report.monthly.iter().enumerate() {
        // Across a new year the month alone is ambiguous: "Jan26".
        let label = if years {
            m.month.from.format("%b%y").to_string()
        } else {
            m.month.from.format("%b").to_string()
        };
        let (c, s) = view.month(i, (m.new_cases, m.services));
        cases.push(point(&label, c));
        services.push(point(&label, s));
    }
    (cases, services)
}

/// One chart filling `area`. When the months do not all fit, the latest
/// are shown and the title says so.
pub fn render(title: &str, points: &[Point], area: Rect, buf: &mut Buffer, t: &Theme) {
    let inner_width = usize::from(area.width.saturating_sub(2));
    // Each bar takes its width and a gap of one.
    let bar_width = (inner_width / points.len().max(1))
        .saturating_sub(1)
        .clamp(1, 6);
    let fits = (inner_width / (bar_width + 1)).max(1);
    let shown = &points[points.len().saturating_sub(fits)..];
    let title = if shown.len() < points.len() {
        format!(" {title}, the last {} months ", shown.len())
    } else {
        format!(" {title} ")
    };
    let bars: Vec<Bar> = shown
        .iter()
        .map(|p| {
            Bar::new(p.height)
                .label(fitted(&p.label, bar_width))
                .text_value(p.text.clone())
        })
        .collect();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border)
        .style(t.base)
        .title(Span::styled(title, t.title));
    BarChart::new(bars)
        .block(block)
        .bar_width(u16::try_from(bar_width).unwrap_or(1))
        .bar_gap(1)
        .bar_style(t.title)
        .value_style(t.selected)
        .label_style(t.hint)
        .render(area, buf);
}

/// A month's label as wide as its bar: "Jul25" whole when it fits, else
/// the month ("Jul"), else its first letter ("J"), never cut mid-word.
pub fn fitted(label: &str, width: usize) -> String {
    if label.chars().count() <= width {
        label.to_string()
    } else if width >= 3 {
        label.chars().take(3).collect()
    } else {
        label.chars().take(1).collect()
    }
}
