//! One activity, read-only: what, when, where, who went, the head counts
//! by sex and age band, new children met, the registered people linked,
//! the note. Enter on the list opens it; Esc goes back.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::domain::activities::{Activity, ActivityKind};
use crate::safe_text::{sanitize, sanitize_lines};
use crate::ui::screens::reports::grid;
use crate::ui::theme::Theme;

pub fn render(a: &Activity, area: Rect, buf: &mut Buffer, t: &Theme) {
    let title = format!(
        " {} · {} ",
        a.kind.label(),
        crate::ui::dates::show(a.on_date)
    );
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(t.border_focus)
        .style(t.base)
        .title(Span::styled(title, t.title));
    let inner = block.inner(area);
    block.render(area, buf);
    let field = |label: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{label}: "), t.label),
            Span::styled(value, t.base),
        ])
    };
    let mut lines = vec![
        field(a.kind.place_label(), sanitize(&a.place).into_owned()),
        field("Staff", sanitize(&a.staff.join(", ")).into_owned()),
        Line::from(""),
        Line::from(Span::styled(
            format!("People who took part: {}", a.participants.total()),
            t.header,
        )),
    ];
    let g = &a.participants;
    for l in grid::lines(&|s, b| {
        match (s, b) {
            (Some(s), Some(b)) => g.get(s, b),
            (Some(s), None) => g.sex_total(s),
            (None, Some(b)) => g.band_total(b),
            (None, None) => g.total(),
        }
        .to_string()
    }) {
        lines.push(Line::from(Span::styled(format!("  {l}"), t.base)));
    }
    lines.push(Line::from(""));
    if a.kind == ActivityKind::SpotVisit {
        lines.push(field("New children met", a.new_identified.to_string()));
    }
    let linked: Vec<&str> = a.persons.iter().map(|p| p.1.as_str()).collect();
    lines.push(field(
        "Registered people",
        if linked.is_empty() {
            "none linked".into()
        } else {
            sanitize(&linked.join(", ")).into_owned()
        },
    ));
    let mut note = sanitize_lines(&a.note).into_iter();
    lines.push(field(
        "Note",
        note.next()
            .map(|l| l.into_owned())
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| "none".into()),
    ));
    lines.extend(note.map(|l| Line::from(Span::styled(l.into_owned(), t.base))));
    if let Some(by) = &a.recorded_by {
        lines.push(Line::from(Span::styled(
            format!("Recorded by {}", sanitize(by)),
            t.hint,
        )));
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}
