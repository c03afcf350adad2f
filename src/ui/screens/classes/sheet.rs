//! One session's attendance sheet: the enrolled children in a fixed order
//! (by case number), one keystroke per child. `p`/`a`/`l`/`e` mark the
//! child under the cursor and move to the next; `r` marks everyone not yet
//! marked present; Backspace goes back one. A class of 40 is 40 keys and a
//! save. Only marks that changed are saved, with the version each was
//! loaded at, so two desks on one session overwrite nothing silently.

use chrono::{Datelike, NaiveDate};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Widget};

use crate::domain::classes::{Class, Mark, MarkChange, Sheet};
use crate::safe_text::{Align, fit};
use crate::ui::theme::Theme;

/// The sheet being marked.
pub struct SheetView {
    pub class: Class,
    pub date: NaiveDate,
    pub sheet: Sheet,
    /// The marks as they are now on this screen.
    pub marks: Vec<Option<Mark>>,
    pub cursor: usize,
}

impl SheetView {
    pub fn new(class: Class, sheet: Sheet) -> SheetView {
        let marks = sheet.rows.iter().map(|r| r.mark).collect();
        SheetView {
            class,
            date: sheet.on_date,
            sheet,
            marks,
            cursor: 0,
        }
    }

    /// Mark the child under the cursor and move to the next.
    pub fn mark(&mut self, mark: Mark) {
        if let Some(m) = self.marks.get_mut(self.cursor) {
            *m = Some(mark);
            if self.cursor + 1 < self.marks.len() {
                self.cursor += 1;
            }
        }
    }

    /// Everyone not marked yet is present.
    pub fn rest_present(&mut self) {
        for m in self.marks.iter_mut().filter(|m| m.is_none()) {
            *m = Some(Mark::Present);
        }
        self.cursor = self.marks.len().saturating_sub(1);
    }

    pub fn back(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn move_by(&mut self, delta: isize) {
        let last = self.marks.len().saturating_sub(1) as isize;
        self.cursor = (self.cursor as isize + delta).clamp(0, last.max(0)) as usize;
    }

    /// The marks to save: those that differ from what was loaded.
    pub fn changes(&self) -> Vec<MarkChange> {
        self.sheet
            .rows
            .iter()
            .zip(&self.marks)
            .filter_map(|(row, now)| match now {
                Some(m) if row.mark != Some(*m) => Some(MarkChange {
                    person_id: row.person_id,
                    mark: *m,
                    loaded_version: row.version,
                }),
                _ => None,
            })
            .collect()
    }

    pub fn is_dirty(&self) -> bool {
        !self.changes().is_empty()
    }

    /// (present, absent, late, excused, not marked)
    pub fn counts(&self) -> [usize; 5] {
        let mut c = [0; 5];
        for m in &self.marks {
            let i = match m {
                Some(Mark::Present) => 0,
                Some(Mark::Absent) => 1,
                Some(Mark::Late) => 2,
                Some(Mark::Excused) => 3,
                None => 4,
            };
            c[i] += 1;
        }
        c
    }

    /// A day the class does not meet (a make-up session needs a yes).
    pub fn is_extra(&self) -> bool {
        !self.class.meets_on(self.date)
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let title = format!(
            " Attendance · {} · {} {}{} ",
            self.class.name,
            weekday(self.date),
            crate::ui::dates::show(self.date),
            if self.is_extra() { " · make-up" } else { "" }
        );
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focus)
            .style(theme.base)
            .title(Span::styled(
                fit(
                    &title,
                    usize::from(area.width.saturating_sub(2)),
                    Align::Left,
                ),
                theme.title,
            ))
            .title_bottom(Span::styled(
                " p a l e mark · r rest present · ⌫ back · ←→ day · d date · ctrl-s save ",
                theme.hint,
            ));
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height < 3 || inner.width < 20 {
            return;
        }
        let [p, a, l, e, open] = self.counts();
        let changed = self.changes().len();
        let summary = format!(
            "P {p}  A {a}  L {l}  E {e}  ·  {open} to mark{}",
            if changed > 0 {
                format!("  ·  {changed} not saved")
            } else {
                String::new()
            }
        );
        let w = usize::from(inner.width);
        buf.set_stringn(
            inner.x,
            inner.y,
            fit(&summary, w, Align::Left),
            w,
            theme.label,
        );
        if self.marks.is_empty() {
            buf.set_stringn(
                inner.x,
                inner.y + 2,
                "Nobody is enrolled on this date.",
                w,
                theme.hint,
            );
            return;
        }
        // When not everyone fits, the last line says how many are below
        // and the blank line under the counts how many are above.
        let room = usize::from(inner.height - 2);
        let len = self.marks.len();
        let rows = if len > room && room > 1 {
            room - 1
        } else {
            room
        };
        let top = self
            .cursor
            .saturating_sub(rows.saturating_sub(1))
            .min(len.saturating_sub(rows));
        let below = len.saturating_sub(top + rows);
        for (count, y, arrow, word) in [
            (top, inner.y + 1, "↑", "above"),
            (below, inner.y + 2 + rows as u16, "↓", "below"),
        ] {
            if count > 0 {
                buf.set_stringn(
                    inner.x,
                    y,
                    fit(&format!("  {arrow} {count} more {word}"), w, Align::Left),
                    w,
                    theme.hint,
                );
            }
        }
        for (i, (row, mark)) in self
            .sheet
            .rows
            .iter()
            .zip(&self.marks)
            .enumerate()
            .skip(top)
            .take(rows)
        {
            let y = inner.y + 2 + (i - top) as u16;
            let selected = i == self.cursor;
            let base = if selected { theme.selected } else { theme.base };
            let changed = row.mark != *mark;
            let mark_text = match mark {
                Some(m) => format!("{} {}", m.code(), m.label()),
                None => "·".to_string(),
            };
            let name_w = w.saturating_sub(2 + 15 + 1 + 12);
            let line = format!(
                "{}{} {} {}",
                if selected { "▸ " } else { "  " },
                fit(&row.case_number, 15, Align::Left),
                fit(&row.name, name_w, Align::Left),
                fit(&mark_text, 12, Align::Left),
            );
            buf.set_stringn(inner.x, y, fit(&line, w, Align::Left), w, base);
            let mark_x = inner.x + (w.saturating_sub(12)) as u16;
            let style: Style = match mark {
                Some(Mark::Absent) => theme.error,
                Some(Mark::Late | Mark::Excused) => theme.warning,
                _ if changed => theme.key,
                _ => base,
            };
            buf.set_stringn(
                mark_x,
                y,
                fit(&mark_text, 12, Align::Left),
                12,
                style.patch(if selected {
                    theme.selected
                } else {
                    Style::default()
                }),
            );
        }
    }
}

fn weekday(d: NaiveDate) -> &'static str {
    ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][d.weekday().num_days_from_monday() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::classes::{ClassKind, Days, SheetRow};

    fn view(n: usize) -> SheetView {
        let date = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        let class = Class {
            id: 1,
            kind: ClassKind::Literacy,
            name: "Literacy morning".into(),
            trade: String::new(),
            teacher_id: Some(1),
            teacher: Some("staff".into()),
            days: "mon-thu".parse::<Days>().expect("days"),
            starts_at: None,
            ends_at: None,
            starts_on: date,
            ends_on: None,
            room: String::new(),
            enrolled: n as i64,
        };
        let rows = (0..n)
            .map(|i| SheetRow {
                person_id: i as i64 + 1,
                case_number: format!("CPC-2026-{:04}", i + 1),
                name: format!("Child {i}"),
                mark: None,
                version: 0,
                marked_by: None,
            })
            .collect();
        SheetView::new(
            class,
            Sheet {
                class_id: 1,
                on_date: date,
                session_id: None,
                rows,
            },
        )
    }

    #[test]
    fn forty_children_in_forty_keys() {
        let mut v = view(40);
        for i in 0..40 {
            v.mark(if i == 5 { Mark::Absent } else { Mark::Present });
        }
        assert_eq!(v.counts(), [39, 1, 0, 0, 0]);
        assert_eq!(v.changes().len(), 40);
        // Backspace goes back one to fix a mark.
        v.back();
        v.mark(Mark::Late);
        assert_eq!(v.marks[38], Some(Mark::Late));
    }

    fn drawn(v: &SheetView) -> Vec<String> {
        let area = Rect::new(0, 0, 80, 24);
        let mut buf = Buffer::empty(area);
        v.render(area, &mut buf, &Theme::default());
        (0..area.height)
            .map(|y| {
                (0..area.width)
                    .map(|x| buf[(x, y)].symbol().to_string())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_long_sheet_says_how_many_are_above_and_below() {
        let mut v = view(40);
        // 24 lines: the frame, the counts and the gap leave 20; one says
        // how many are below.
        let lines = drawn(&v);
        assert!(lines[21].contains("CPC-2026-0019"), "{lines:#?}");
        assert!(lines[22].contains("↓ 21 more below"), "{lines:#?}");
        assert!(!lines.iter().any(|l| l.contains("above")), "{lines:#?}");
        // Half way down, both.
        for _ in 0..25 {
            v.mark(Mark::Present);
        }
        let lines = drawn(&v);
        assert!(lines[2].contains("↑ 7 more above"), "{lines:#?}");
        assert!(lines[21].contains("CPC-2026-0026"), "{lines:#?}");
        assert!(lines[22].contains("↓ 14 more below"), "{lines:#?}");
        // A short sheet: no marker.
        let lines = drawn(&view(5));
        assert!(!lines.iter().any(|l| l.contains("more")), "{lines:#?}");
    }

    #[test]
    fn rest_present_fills_only_the_unmarked() {
        let mut v = view(5);
        v.mark(Mark::Absent);
        v.mark(Mark::Excused);
        v.rest_present();
        assert_eq!(v.counts(), [3, 1, 0, 1, 0]);
    }
}
