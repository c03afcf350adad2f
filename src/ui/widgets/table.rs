//! A keyboard-driven list/table over a *virtual* row source: drawing asks
//! only for the rows on screen, so 100,000 children cost the same as ten.
//!
//! Filtering and sorting stay with the caller (it owns the data, usually a
//! store query): the table reports [`TableEvent::QueryChanged`] on each key
//! typed after `/` and [`TableEvent::SortChanged`] on `s`/`S`, and the
//! caller swaps in a new [`RowSource`].
//!
//! ```ignore
//! let view = Table::new(&rows, &columns, &state, &theme).title("Register");
//! frame.render_widget(&view, area);
//! match state.handle(keymap.resolve(state.context_stack(), &key), rows.len(), &columns) {
//!     TableEvent::QueryChanged(q) => rows = store::search_children(&q, state.sort())?,
//!     TableEvent::Activate(i) => open_child(rows.id(i)),
//!     _ => {}
//! }
//! ```

use std::borrow::Cow;
use std::cell::Cell;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, Borders, Scrollbar, ScrollbarOrientation, ScrollbarState, StatefulWidget, Widget,
};

use super::text_input::TextInput;
use crate::safe_text::{Align, fit, sanitize};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::theme::Theme;

/// Rows for the table. Only `len` and the rows on screen are asked for.
pub trait RowSource {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The cells of row `index` (< `len()`), one per column, raw: the table
    /// sanitizes and fits them.
    fn row(&self, index: usize) -> Vec<Cow<'_, str>>;
}

/// Plain in-memory rows (small lists, tests).
impl<S: AsRef<str>> RowSource for Vec<Vec<S>> {
    fn len(&self) -> usize {
        self.as_slice().len()
    }
    fn row(&self, index: usize) -> Vec<Cow<'_, str>> {
        self.get(index)
            .map(|r| r.iter().map(|c| Cow::Borrowed(c.as_ref())).collect())
            .unwrap_or_default()
    }
}

/// How wide a column is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnWidth {
    /// Exactly this many columns.
    Fixed(u16),
    /// A share of what is left after the fixed columns.
    Fill(u16),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub title: String,
    pub width: ColumnWidth,
    pub align: Align,
    pub sortable: bool,
}

impl Column {
    pub fn fixed(title: &str, width: u16) -> Column {
        Column {
            title: title.into(),
            width: ColumnWidth::Fixed(width),
            align: Align::Left,
            sortable: true,
        }
    }
    pub fn fill(title: &str, weight: u16) -> Column {
        Column {
            width: ColumnWidth::Fill(weight.max(1)),
            ..Column::fixed(title, 0)
        }
    }
    pub fn right(mut self) -> Column {
        self.align = Align::Right;
        self
    }
    pub fn unsortable(mut self) -> Column {
        self.sortable = false;
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDir {
    Asc,
    Desc,
}

/// What the caller should do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableEvent {
    /// Nothing for the caller (the selection may have moved; redraw).
    None,
    /// Enter on a row.
    Activate(usize),
    /// Re-query with this filter text ("" = no filter).
    QueryChanged(String),
    /// Re-query in this order.
    SortChanged { column: usize, dir: SortDir },
    /// Esc with no search to clear: leave the screen.
    Back,
    /// A bound action the table does not use (New, Edit, Delete, Refresh…),
    /// passed on with the selected row.
    Other(Action, Option<usize>),
}

/// Selection, scroll, sort and search state of one table.
#[derive(Debug, Clone, Default)]
pub struct TableState {
    selected: usize,
    sort: Option<(usize, SortDir)>,
    query: String,
    /// Open while the user is typing after `/`.
    search: Option<TextInput>,
    // Remembered from the last draw so PageDown moves by what was shown.
    offset: Cell<usize>,
    page: Cell<usize>,
}

impl TableState {
    pub fn new() -> TableState {
        TableState::default()
    }

    /// Keymap contexts: the search box takes typing, otherwise list keys.
    pub fn context_stack(&self) -> &'static [Context] {
        if self.search.is_some() {
            stacks::TEXT
        } else {
            stacks::LIST
        }
    }

    /// The selected row, if there are rows.
    pub fn selected(&self, len: usize) -> Option<usize> {
        (len > 0).then(|| self.selected.min(len - 1))
    }

    pub fn select(&mut self, index: usize) {
        self.selected = index;
    }

    /// The filter text in force.
    pub fn query(&self) -> &str {
        &self.query
    }

    pub fn sort(&self) -> Option<(usize, SortDir)> {
        self.sort
    }

    pub fn set_sort(&mut self, sort: Option<(usize, SortDir)>) {
        self.sort = sort;
    }

    pub fn is_searching(&self) -> bool {
        self.search.is_some()
    }

    pub fn handle(&mut self, input: Input, len: usize, columns: &[Column]) -> TableEvent {
        if let Some(search) = &mut self.search {
            return match input {
                Input::Text(c) => {
                    search.insert(c);
                    self.query_edited()
                }
                Input::Action(Action::DeleteBack) => {
                    search.delete_back();
                    self.query_edited()
                }
                Input::Action(Action::DeleteForward) => {
                    search.delete_forward();
                    self.query_edited()
                }
                Input::Action(Action::Left) => {
                    search.left();
                    TableEvent::None
                }
                Input::Action(Action::Right) => {
                    search.right();
                    TableEvent::None
                }
                Input::Action(Action::Home) => {
                    search.home();
                    TableEvent::None
                }
                Input::Action(Action::End) => {
                    search.end();
                    TableEvent::None
                }
                // Enter keeps the filter and goes back to the rows; arrows
                // do too, so the user can pick a match at once.
                Input::Action(Action::Confirm) => {
                    self.search = None;
                    TableEvent::None
                }
                Input::Action(
                    a @ (Action::Up | Action::Down | Action::PageUp | Action::PageDown),
                ) => {
                    self.search = None;
                    self.move_by(a, len);
                    TableEvent::None
                }
                Input::Action(Action::Back) => {
                    self.search = None;
                    self.set_query(String::new())
                }
                Input::Action(a) => TableEvent::Other(a, self.selected(len)),
                Input::None => TableEvent::None,
            };
        }
        let Input::Action(action) = input else {
            return TableEvent::None;
        };
        match action {
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Home
            | Action::End => {
                self.move_by(action, len);
                TableEvent::None
            }
            Action::Confirm => self
                .selected(len)
                .map_or(TableEvent::None, TableEvent::Activate),
            Action::Search => {
                self.search = Some(TextInput::new(self.query.clone()));
                TableEvent::None
            }
            Action::Back if !self.query.is_empty() => self.set_query(String::new()),
            Action::Back => TableEvent::Back,
            Action::Sort => self.cycle_sort(columns),
            Action::SortReverse => match self.sort {
                Some((column, dir)) => {
                    let dir = if dir == SortDir::Asc {
                        SortDir::Desc
                    } else {
                        SortDir::Asc
                    };
                    self.sort = Some((column, dir));
                    TableEvent::SortChanged { column, dir }
                }
                None => self.cycle_sort(columns),
            },
            other => TableEvent::Other(other, self.selected(len)),
        }
    }

    fn query_edited(&mut self) -> TableEvent {
        let q = self
            .search
            .as_ref()
            .map(|s| s.text().to_string())
            .unwrap_or_default();
        self.set_query(q)
    }

    fn set_query(&mut self, q: String) -> TableEvent {
        if q == self.query {
            return TableEvent::None;
        }
        self.query = q.clone();
        self.selected = 0;
        self.offset.set(0);
        TableEvent::QueryChanged(q)
    }

    /// `s`: next sortable column, ascending.
    fn cycle_sort(&mut self, columns: &[Column]) -> TableEvent {
        let start = self.sort.map_or(0, |(c, _)| c + 1);
        let n = columns.len();
        let next = (0..n)
            .map(|k| (start + k) % n)
            .find(|&c| columns[c].sortable);
        match next {
            Some(column) => {
                self.sort = Some((column, SortDir::Asc));
                TableEvent::SortChanged {
                    column,
                    dir: SortDir::Asc,
                }
            }
            None => TableEvent::None,
        }
    }

    fn move_by(&mut self, action: Action, len: usize) {
        if len == 0 {
            self.selected = 0;
            return;
        }
        let page = self.page.get().max(1);
        let cur = self.selected.min(len - 1);
        self.selected = match action {
            Action::Up => cur.saturating_sub(1),
            Action::Down => (cur + 1).min(len - 1),
            Action::PageUp => cur.saturating_sub(page),
            Action::PageDown => (cur + page).min(len - 1),
            Action::Home => 0,
            Action::End => len - 1,
            _ => cur,
        };
    }
}

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
        if i > 0 && (s.len() - i) % 3 == 0 {
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

        let constraints: Vec<Constraint> = self
            .columns
            .iter()
            .map(|c| match c.width {
                ColumnWidth::Fixed(w) => Constraint::Length(w),
                ColumnWidth::Fill(w) => Constraint::Fill(w),
            })
            .collect();
        // Leave the rightmost column for the scroll bar.
        let rows_area = Rect {
            width: body.width.saturating_sub(1),
            ..body
        };
        let cols = Layout::horizontal(constraints).spacing(1).split(rows_area);

        // Header.
        for (i, (col, rect)) in self.columns.iter().zip(cols.iter()).enumerate() {
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
            for ((col, rect), cell) in self.columns.iter().zip(cols.iter()).zip(cells.iter()) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::widgets::test_support::render_80x24;
    use std::cell::RefCell;

    fn columns() -> Vec<Column> {
        vec![
            Column::fixed("Case no.", 13),
            Column::fill("Name", 2),
            Column::fill("Father", 2),
            Column::fixed("Age", 3).right(),
            Column::fixed("Status", 10).unsortable(),
        ]
    }

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

    fn key(a: Action) -> Input {
        Input::Action(a)
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
    fn search_reports_each_key_and_esc_clears() {
        let cols = columns();
        let mut s = TableState::new();
        assert_eq!(s.context_stack(), stacks::LIST);
        s.handle(key(Action::Search), 10, &cols);
        assert_eq!(s.context_stack(), stacks::TEXT);
        assert_eq!(
            s.handle(Input::Text('a'), 10, &cols),
            TableEvent::QueryChanged("a".into())
        );
        assert_eq!(
            s.handle(Input::Text('l'), 10, &cols),
            TableEvent::QueryChanged("al".into())
        );
        assert_eq!(s.handle(key(Action::Confirm), 10, &cols), TableEvent::None);
        assert_eq!(s.query(), "al");
        assert_eq!(
            s.handle(key(Action::Back), 10, &cols),
            TableEvent::QueryChanged(String::new())
        );
        assert_eq!(s.handle(key(Action::Back), 10, &cols), TableEvent::Back);
    }

    #[test]
    fn sort_cycles_sortable_columns() {
        let cols = columns();
        let mut s = TableState::new();
        let mut seen = Vec::new();
        for _ in 0..5 {
            if let TableEvent::SortChanged { column, .. } = s.handle(key(Action::Sort), 1, &cols) {
                seen.push(column);
            }
        }
        assert_eq!(seen, [0, 1, 2, 3, 0], "Status is skipped");
        assert_eq!(
            s.handle(key(Action::SortReverse), 1, &cols),
            TableEvent::SortChanged {
                column: 0,
                dir: SortDir::Desc
            }
        );
    }

    #[test]
    fn other_actions_carry_the_selection() {
        let cols = columns();
        let mut s = TableState::new();
        s.handle(key(Action::Down), 5, &cols);
        assert_eq!(
            s.handle(key(Action::Edit), 5, &cols),
            TableEvent::Other(Action::Edit, Some(1))
        );
        assert_eq!(s.handle(key(Action::Confirm), 0, &cols), TableEvent::None);
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
