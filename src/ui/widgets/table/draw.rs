//! Drawing a table: the frame with its row count, the header with the sort
//! arrow, the rows on screen (and only those: a source of 100,000 rows is
//! asked for about twenty), the search line and the scroll bar.
//!
//! Every cell goes through `safe_text::fit`, so stored names with escape
//! sequences or right-to-left marks never reach the terminal raw and wide
//! scripts (Urdu, Chinese) keep the columns straight.

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Scrollbar, ScrollbarOrientation, ScrollbarState, StatefulWidget, Widget,
};

use super::{Column, ColumnWidth, RowSource, SortDir, TableState};
use crate::safe_text::{Align, fit, sanitize};
use crate::ui::theme::Theme;

/// A table as drawn this frame: borrowed rows, columns and state.
pub struct Table<'a> {
    source: &'a dyn RowSource,
    columns: &'a [Column],
    state: &'a TableState,
    theme: &'a Theme,
    title: Cow<'a, str>,
    empty: Cow<'a, str>,
    /// The length is a lower bound (a capped count): shown as "1,000+".
    at_least: bool,
}

impl<'a> Table<'a> {
    pub fn new(
        source: &'a dyn RowSource,
        columns: &'a [Column],
        state: &'a TableState,
        theme: &'a Theme,
    ) -> Table<'a> {
        Table {
            source,
            columns,
            state,
            theme,
            title: Cow::Borrowed(""),
            empty: Cow::Borrowed("Nothing here yet."),
            at_least: false,
        }
    }

    pub fn title(mut self, title: impl Into<Cow<'a, str>>) -> Table<'a> {
        self.title = title.into();
        self
    }

    /// Shown when there are no rows (and no search is active).
    pub fn empty_message(mut self, msg: impl Into<Cow<'a, str>>) -> Table<'a> {
        self.empty = msg.into();
        self
    }

    /// Say that there are at least `len()` rows, not exactly that many.
    pub fn at_least(mut self, yes: bool) -> Table<'a> {
        self.at_least = yes;
        self
    }
}

/// 100000 → "100,000": counts are read aloud in the office.
fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Widget for &Table<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let st = self.state;
        let len = self.source.len();
        let selected = st.selected(len);
        let plus = if self.at_least { "+" } else { "" };
        let count = match selected {
            Some(i) => format!(" {}/{}{plus} ", thousands(i + 1), thousands(len)),
            None => " 0 ".to_string(),
        };
        let mut block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border_focus)
            .style(t.base)
            .title_bottom(Line::from(Span::styled(count, t.hint)).right_aligned());
        if !self.title.is_empty() {
            block = block.title(Span::styled(
                format!(" {} ", sanitize(&self.title)),
                t.title,
            ));
        }
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height < 2 || inner.width < 4 {
            return;
        }

        // Search line at the bottom while typing or while a filter applies.
        let show_search = st.search.is_some() || !st.query.is_empty();
        let body = Rect {
            height: inner.height - u16::from(show_search),
            ..inner
        };
        if show_search {
            let y = inner.bottom() - 1;
            let prompt = "Search: ";
            buf.set_string(inner.x, y, prompt, t.key);
            let x = inner.x + prompt.len() as u16;
            let rest = Rect::new(x, y, inner.right().saturating_sub(x), 1);
            match &st.search {
                Some(input) => {
                    input.render_line(rest, buf, t.input_focus, Some(t.cursor));
                }
                None => {
                    let shown = format!("{}   (/ to change, Esc to clear)", st.query);
                    buf.set_stringn(
                        rest.x,
                        y,
                        fit(&shown, rest.width.into(), Align::Left),
                        rest.width.into(),
                        t.hint,
                    );
                }
            }
        }

        // Leave the rightmost column for the scroll bar.
        let rows_area = Rect {
            width: body.width.saturating_sub(1),
            ..body
        };
        let shown = shown_columns(self.columns, rows_area.width);
        let constraints: Vec<Constraint> = shown
            .iter()
            .map(|&i| match self.columns[i].width {
                ColumnWidth::Fixed(w) => Constraint::Length(w),
                ColumnWidth::Fill(w) => Constraint::Fill(w),
            })
            .collect();
        let cols = Layout::horizontal(constraints).spacing(1).split(rows_area);

        // Header.
        for (&i, rect) in shown.iter().zip(cols.iter()) {
            let col = &self.columns[i];
            let arrow = match st.sort {
                Some((c, SortDir::Asc)) if c == i => " ▲",
                Some((c, SortDir::Desc)) if c == i => " ▼",
                _ => "",
            };
            let title = format!("{}{arrow}", col.title);
            buf.set_string(
                rect.x,
                body.y,
                fit(&title, rect.width.into(), col.align),
                t.header,
            );
        }

        let rows = usize::from(body.height.saturating_sub(1));
        st.page.set(rows.max(1));
        let Some(selected) = selected else {
            let msg = if st.query.is_empty() {
                self.empty.as_ref()
            } else {
                "No matches."
            };
            if body.height > 1 {
                buf.set_stringn(rows_area.x, body.y + 1, msg, rows_area.width.into(), t.hint);
            }
            return;
        };
        let mut offset = st.offset.get().min(len.saturating_sub(1));
        if selected < offset {
            offset = selected;
        } else if rows > 0 && selected >= offset + rows {
            offset = selected + 1 - rows;
        }
        st.offset.set(offset);

        for (r, index) in (offset..len).take(rows).enumerate() {
            let y = body.y + 1 + r as u16;
            let style = if index == selected {
                t.selected
            } else {
                t.base
            };
            buf.set_style(Rect::new(rows_area.x, y, rows_area.width, 1), style);
            let cells = self.source.row(index);
            for (&i, rect) in shown.iter().zip(cols.iter()) {
                let (col, cell) = (&self.columns[i], cells.get(i).map_or("", |c| c.as_ref()));
                let text = fit(cell, rect.width.into(), col.align);
                buf.set_stringn(rect.x, y, text, rect.width.into(), style);
            }
        }

        if len > rows {
            let mut sb = ScrollbarState::new(len.saturating_sub(rows)).position(offset);
            Scrollbar::new(ScrollbarOrientation::VerticalRight)
                .begin_symbol(None)
                .end_symbol(None)
                .style(t.scrollbar)
                .render(
                    Rect {
                        y: body.y + 1,
                        height: body.height.saturating_sub(1),
                        ..body
                    },
                    buf,
                    &mut sb,
                );
        }
    }
}

/// The columns drawn in `width`: all of them, unless a fill column with a
/// minimum width would not get it; then fixed columns are left out from
/// the right until it does (or none is left to leave out).
fn shown_columns(columns: &[Column], width: u16) -> Vec<usize> {
    let mut shown: Vec<usize> = (0..columns.len()).collect();
    if columns.iter().all(|c| c.min_width == 0) {
        return shown;
    }
    loop {
        let need: u32 = shown
            .iter()
            .map(|&i| match columns[i].width {
                ColumnWidth::Fixed(w) => u32::from(w),
                ColumnWidth::Fill(_) => u32::from(columns[i].min_width),
            })
            .sum::<u32>()
            + u32::try_from(shown.len().saturating_sub(1)).unwrap_or(u32::MAX);
        if need <= u32::from(width) {
            return shown;
        }
        match shown
            .iter()
            .rposition(|&i| matches!(columns[i].width, ColumnWidth::Fixed(_)))
        {
            Some(p) => {
                shown.remove(p);
            }
            None => return shown,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::action::Action;
    use crate::ui::keymap::Input;
    use crate::ui::testing::render_80x24;
    use crate::ui::widgets::table::tests::{columns, key};
    use std::cell::RefCell;

    /// 100,000 rows made up on demand, counting how many were asked for.
    struct Big {
        asked: RefCell<usize>,
    }
    impl RowSource for Big {
        fn len(&self) -> usize {
            100_000
        }
        fn row(&self, i: usize) -> Vec<Cow<'_, str>> {
            *self.asked.borrow_mut() += 1;
            vec![
                format!("CPC-2026-{i:05}").into(),
                format!("Child {i}").into(),
                "Father".into(),
                (i % 18).to_string().into(),
                "active".into(),
            ]
        }
    }

    #[test]
    fn only_visible_rows_are_read() {
        let big = Big {
            asked: RefCell::new(0),
        };
        let cols = columns();
        let mut state = TableState::new();
        let theme = Theme::default();
        state.handle(key(Action::End), big.len(), &cols);
        render_80x24(&Table::new(&big, &cols, &state, &theme));
        assert!(
            *big.asked.borrow() <= 24,
            "asked for {}",
            big.asked.borrow()
        );
        assert_eq!(state.selected(big.len()), Some(99_999));
        assert_eq!(state.offset.get(), 99_999 + 1 - state.page.get());
        state.handle(key(Action::PageUp), big.len(), &cols);
        assert_eq!(state.selected(big.len()), Some(99_999 - state.page.get()));
    }

    #[test]
    fn a_capped_count_is_shown_as_at_least() {
        let big = Big {
            asked: RefCell::new(0),
        };
        let cols = columns();
        let state = TableState::new();
        let theme = Theme::default();
        let exact = render_80x24(&Table::new(&big, &cols, &state, &theme)).to_string();
        assert!(exact.contains("1/100,000 "), "{exact}");
        let capped =
            render_80x24(&Table::new(&big, &cols, &state, &theme).at_least(true)).to_string();
        assert!(capped.contains("1/100,000+"), "{capped}");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn snapshot_table_with_wide_names() {
        let rows: Vec<Vec<&str>> = vec![
            vec![
                "CPC-2026-0001",
                "محمد علی",
                "عبدالرحمان خان",
                "12",
                "active",
            ],
            vec!["CPC-2026-0002", "زینب بی بی", "غلام سرور", "9", "registered"],
            vec!["CPC-2026-0003", "王小明", "王大明", "15", "closed"],
            vec![
                "CPC-2026-0004",
                "Ali \x1b[31mred\x1b[0m",
                "Bad\u{202E}txet",
                "7",
                "active",
            ],
            vec![
                "CPC-2026-0005",
                "نصیب اللہ عبدالحمید عبدالستار ولد",
                "حاجی محمد اسماعیل",
                "14",
                "reopened",
            ],
            vec!["CPC-2026-0006", "Shazia", "Muhammad Aslam", "16", "active"],
        ];
        let cols = columns();
        let mut state = TableState::new();
        state.handle(key(Action::Sort), rows.len(), &cols);
        state.handle(key(Action::Sort), rows.len(), &cols);
        state.handle(key(Action::Down), rows.len(), &cols);
        state.handle(key(Action::Search), rows.len(), &cols);
        state.handle(Input::Text('a'), rows.len(), &cols);
        state.handle(key(Action::Confirm), rows.len(), &cols);
        let theme = Theme::default();
        let table = Table::new(&rows, &cols, &state, &theme).title("Register");
        insta::assert_snapshot!(render_80x24(&table));
    }
}
