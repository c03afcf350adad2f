//! Drawing the Import screen: the form, the preview (what was read, the
//! counts, the first rows as they will be saved in a table, then the
//! problems, the rows left out, the columns and the values used for every
//! row, scrolled with ↑↓), the counts of what was saved, or the calm
//! message for those who may not import.
//!
//! Only draws what the state holds. Everything from the file (headers,
//! cells, sheet names) goes through `safe_text`, here or in the table.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use super::form::What;
use super::{Done, ImportScreen, Mode, Previewing, Tone};
use crate::office::import::{ImportKind, ImportPreview, MatchedBy, column_letter, rows};
use crate::safe_text::{Align, fit, sanitize};
use crate::ui::theme::Theme;
use crate::ui::widgets::table::{Column, Table};

/// The sample's columns shown for people (of `people::SAMPLE_HEADER`):
/// row, name, father/husband, sex, born, registered on. The rest do not
/// fit at 80 columns; they are saved all the same.
const PEOPLE_SAMPLE: [usize; 6] = [0, 2, 3, 4, 5, 6];

impl ImportScreen {
    pub(super) fn draw(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let (title, hint) = match &self.mode {
            Mode::NotAllowed => (" Import ".to_string(), " Esc back ".to_string()),
            Mode::Form(_) => (
                " Import ".to_string(),
                " Enter next, on the last: preview · ←→ choose · Esc back ".to_string(),
            ),
            Mode::Preview(p) => (
                format!(" Import {}: preview ", p.what.noun()),
                preview_hint(p),
            ),
            Mode::Done(d) => (
                format!(" Import {}: done ", d.what.noun()),
                " Enter or Esc: back to the form ".to_string(),
            ),
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border)
            .style(t.base)
            .title(Span::styled(title, t.title))
            .title_bottom(Span::styled(hint, t.hint));
        let inner = block.inner(area);
        block.render(area, buf);
        let inner = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            ..inner
        };
        match &self.mode {
            Mode::NotAllowed => paragraph(
                &[
                    (String::new(), Tone::Plain),
                    (
                        "Importing spreadsheets is for the office's manager.".into(),
                        Tone::Plain,
                    ),
                    (String::new(), Tone::Plain),
                    (
                        "If records kept in Excel or CSV need to come into casedesk, the \
                         manager can bring them in from this screen."
                            .into(),
                        Tone::Hint,
                    ),
                ],
                inner.width,
                t,
            )
            .render(inner, buf),
            Mode::Form(f) => {
                let h = f.entries.height().min(inner.height);
                let top = Rect {
                    y: inner.y + 1.min(inner.height),
                    height: h.min(inner.height.saturating_sub(1)),
                    ..inner
                };
                f.entries.render(top, buf, t, true);
                let rest = Rect {
                    y: top.y + top.height + 1,
                    height: inner.height.saturating_sub(top.height + 2),
                    ..inner
                };
                let mut lines = Vec::new();
                if let Some(m) = &f.message {
                    lines.push((m.clone(), Tone::Bad));
                    lines.push((String::new(), Tone::Plain));
                }
                lines.push((form_hint(f.what()).into(), Tone::Hint));
                paragraph(&lines, rest.width, t).render(rest, buf);
            }
            Mode::Preview(p) => draw_preview(p, inner, buf, t),
            Mode::Done(d) => paragraph(&done_lines(d), inner.width, t).render(
                Rect {
                    y: inner.y + 1.min(inner.height),
                    height: inner.height.saturating_sub(1),
                    ..inner
                },
                buf,
            ),
        }
    }
}

fn form_hint(what: What) -> &'static str {
    match what {
        What::People => {
            "CSV, .xlsx, .xls or .ods. Columns are matched by their headers, in English or \
             Urdu. Leave the sheet empty for the first; a mapping file (TOML) is optional."
        }
        What::Services => {
            "Columns: case number, service, date, detail, note. Rows already in the person's \
             file are left out."
        }
        What::Attendance => {
            "The month sheet as 'list attendance' writes it: case number, name, one column per \
             session date."
        }
        What::Activities => {
            "Columns: date, activity, place, staff (account names), head counts such as F <12, \
             M 12-17, Women; note. Each row is an activity; one with everything the same as \
             one in the office is left out."
        }
    }
}

fn preview_hint(p: &Previewing) -> String {
    if p.dry_run {
        " Dry run: nothing is saved · ↑↓ scroll · Esc back ".into()
    } else if p.preview.can_save() {
        format!(
            " Enter: import {} · ↑↓ scroll · Esc back ",
            rows(p.preview.ready_rows)
        )
    } else {
        " Nothing can be saved as it is · ↑↓ scroll · Esc back ".into()
    }
}

/// Why Enter saves nothing.
pub(super) fn cannot_save(p: &ImportPreview) -> String {
    if p.blocked {
        format!(
            "The file's columns have problems (listed at row {}); nothing can be saved until \
             they are corrected.",
            p.header_row
        )
    } else {
        format!(
            "{} of {} have problems; nothing was saved. Correct them in the file, or go back \
             (Esc) and choose to skip them: they will be written to {}.",
            p.invalid_rows,
            rows(p.rows),
            p.rejects_path().display()
        )
    }
}

fn draw_preview(p: &Previewing, area: Rect, buf: &mut Buffer, t: &Theme) {
    let pr = &p.preview;
    let w = usize::from(area.width);
    let name = pr
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let head = format!("{name} · {} · headers in row {}", pr.source, pr.header_row);
    let counts = format!(
        "{} read: {} ready to save, {} already there, {} with problems.",
        rows(pr.rows),
        pr.ready_rows,
        pr.duplicates.len(),
        pr.invalid_rows
    );
    let mut y = area.y;
    for (text, style) in [
        (head, t.base),
        (
            counts,
            if pr.invalid_rows > 0 {
                t.warning
            } else {
                t.base
            },
        ),
    ] {
        if y < area.bottom() {
            buf.set_stringn(area.x, y, fit(&text, w, Align::Left), w, style);
            y += 1;
        }
    }
    // The message, if any, takes the last lines.
    let message_h = match &p.message {
        Some(m) => height(m, area.width).min(5) as u16,
        None => 0,
    };
    let bottom = area.bottom().saturating_sub(message_h);
    if let Some(m) = &p.message {
        paragraph(&[(m.clone(), Tone::Bad)], area.width, t).render(
            Rect {
                y: bottom,
                height: message_h,
                ..area
            },
            buf,
        );
    }
    // The first rows as they will be saved.
    if pr.sample.is_empty() {
        if y < bottom {
            buf.set_stringn(
                area.x,
                y,
                fit("No rows would be saved.", w, Align::Left),
                w,
                t.hint,
            );
            y += 1;
        }
    } else {
        let (columns, sample) = sample_table(pr);
        let h = (sample.len() as u16 + 3).min(bottom.saturating_sub(y));
        if h >= 4 {
            let table = Table::new(&sample, &columns, &p.sample, t)
                .title("First rows as they will be saved");
            (&table).render(
                Rect {
                    y,
                    height: h,
                    ..area
                },
                buf,
            );
            y += h;
        }
    }
    if y < bottom {
        paragraph(&p.lines, area.width, t)
            .scroll((p.scroll as u16, 0))
            .render(
                Rect {
                    y,
                    height: bottom - y,
                    ..area
                },
                buf,
            );
    }
}

/// The sample's columns and rows (raw: the table sanitizes and fits).
fn sample_table(pr: &ImportPreview) -> (Vec<Column>, Vec<Vec<String>>) {
    let pick: Vec<usize> = match pr.kind {
        ImportKind::People => PEOPLE_SAMPLE.to_vec(),
        _ => (0..pr.sample_header.len()).collect(),
    };
    let columns = pick
        .iter()
        .map(|&i| {
            let title = pr.sample_header.get(i).map_or("", String::as_str);
            match title {
                "row" => Column::fixed(title, 4).right().unsortable(),
                "sex" => Column::fixed(title, 6).unsortable(),
                "date" | "registered on" => Column::fixed(title, 13).unsortable(),
                "people" => Column::fixed(title, 6).right().unsortable(),
                _ => Column::fill(title, 2).unsortable(),
            }
        })
        .collect();
    let sample = pr
        .sample
        .iter()
        .map(|r| {
            pick.iter()
                .map(|&i| {
                    r.get(i)
                        .map(|c| crate::ui::dates::reword(c))
                        .unwrap_or_default()
                })
                .collect()
        })
        .collect();
    (columns, sample)
}

/// The preview's lists as lines: problems first (what needs doing), then
/// the rows left out, the columns, and the values used for every row.
pub(super) fn preview_lines(p: &ImportPreview) -> Vec<(String, Tone)> {
    let mut out = Vec::new();
    if !p.problems.is_empty() {
        out.push((
            format!(
                "Problems in {}:",
                rows(p.invalid_rows + usize::from(p.blocked))
            ),
            Tone::Head,
        ));
        for x in &p.problems {
            out.push((format!("  row {}: {}", x.row, x.message), Tone::Bad));
        }
    }
    if !p.duplicates.is_empty() {
        let what = match p.kind {
            ImportKind::People => "likely the same person",
            _ => "the same",
        };
        out.push((
            format!("Left out as already there, {}:", rows(p.duplicates.len())),
            Tone::Head,
        ));
        for d in &p.duplicates {
            out.push((format!("  {}", d.describe(what)), Tone::Plain));
        }
    }
    if !p.repeated.is_empty() {
        out.push((
            format!(
                "Saved as activities of their own, though the same as an earlier row, {}:",
                rows(p.repeated.len())
            ),
            Tone::Head,
        ));
        for (row, first) in &p.repeated {
            out.push((
                format!("  row {row}: the same as row {first} of this file"),
                Tone::Plain,
            ));
        }
    }
    out.push(("Columns:".into(), Tone::Head));
    for c in &p.columns {
        let what = match (c.label, c.matched_by) {
            (Some(l), Some(MatchedBy::MappingFile)) => format!("{l} (mapping file)"),
            (Some(l), _) => l.to_string(),
            (None, _) => "not used".to_string(),
        };
        let note = c
            .note
            .as_deref()
            .map(|n| format!("; {}", crate::ui::dates::reword(n)))
            .unwrap_or_default();
        let tone = if c.field.is_some() || c.label.is_some() {
            Tone::Plain
        } else {
            Tone::Hint
        };
        out.push((
            format!(
                "  {:<2} {} → {what}{note}",
                column_letter(c.column),
                c.header
            ),
            tone,
        ));
    }
    if !p.settings.is_empty() {
        out.push(("The same for every row:".into(), Tone::Head));
        for (k, v) in &p.settings {
            out.push((format!("  {k}: {v}"), Tone::Plain));
        }
    }
    out
}

fn done_lines(d: &Done) -> Vec<(String, Tone)> {
    let s = &d.summary;
    let mut out = vec![
        (s.sentence(d.kind), Tone::Good),
        (String::new(), Tone::Plain),
        (format!("Rows read: {}", s.rows), Tone::Plain),
        (format!("Saved: {}", s.added), Tone::Plain),
        (
            format!("Left out as already there: {}", s.duplicates),
            Tone::Plain,
        ),
    ];
    if s.unchanged > 0 {
        out.push((
            format!("Marks that already said the same: {}", s.unchanged),
            Tone::Plain,
        ));
    }
    if let Some(path) = &s.rejects_file {
        out.push((
            format!("Rows with problems, not saved: {}", s.rejected),
            Tone::Plain,
        ));
        out.push((format!("They are in {}", path.display()), Tone::Plain));
    }
    out.push((String::new(), Tone::Plain));
    out.push((
        "One entry in the audit trail records these counts (no names).".into(),
        Tone::Hint,
    ));
    out
}

/// The lines in the desk's words (see [`desk_words`]), broken between
/// words at `width` columns (an indented item going on under its own
/// text), so a long message is read whole and not cut at the edge.
fn paragraph<'a>(lines: &[(String, Tone)], width: u16, t: &Theme) -> Paragraph<'a> {
    let text: Vec<Line> = lines
        .iter()
        .flat_map(|(s, tone)| {
            let style: Style = match tone {
                Tone::Plain | Tone::Good => t.base,
                Tone::Head => t.header,
                Tone::Bad => t.error,
                Tone::Hint => t.hint,
            };
            hang(&desk_words(&sanitize(s)), usize::from(width))
                .into_iter()
                .map(move |l| Line::from(Span::styled(l, style)))
        })
        .collect();
    // A word wider than the whole width still wraps rather than vanish.
    Paragraph::new(text).wrap(Wrap { trim: false })
}

/// How many screen lines `text` takes at `width` columns (see [`hang`]).
fn height(text: &str, width: u16) -> usize {
    hang(&desk_words(&sanitize(text)), usize::from(width)).len()
}

/// One line of text broken between words at `width` columns; an indented
/// line (a list's item) goes on two columns in from its own indent.
pub(super) fn hang(text: &str, width: usize) -> Vec<String> {
    let lead = text.len() - text.trim_start_matches(' ').len();
    let indent = " ".repeat(if lead > 0 { lead + 2 } else { 0 });
    let mut out = Vec::new();
    let mut line = " ".repeat(lead);
    let mut bare = true;
    // Split at single spaces, so spaces that line things up stay.
    for word in text[lead..].split(' ') {
        if bare && word.is_empty() {
            continue;
        }
        let w = crate::safe_text::width(word);
        if !bare && !word.is_empty() && crate::safe_text::width(&line) + 1 + w > width {
            out.push(std::mem::replace(&mut line, indent.clone()));
            bare = true;
        }
        if !bare {
            line.push(' ');
        }
        line.push_str(word);
        bare = false;
    }
    out.push(line);
    out
}

/// A problem as the desk says it: the import names the command line's
/// options (`--programme`), and the desk has a choice on its form for them.
pub(super) fn desk_words(message: &str) -> String {
    message
        .replace(
            "give --programme cpc or wd",
            "choose the programme on the form (Programme: CPC or women's desk)",
        )
        .replace("(--programme)", "(the form's Programme)")
}
