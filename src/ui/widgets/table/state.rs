//! What a table remembers between keys, and what a key does to it:
//! selection, paging, the `/` search box and the sort column.
//!
//! Kept apart from the drawing (`draw.rs`) because this is the part
//! a screen talks to (`handle` returns a [`TableEvent`] for the caller to
//! act on) and it can be tested without a terminal. The drawing writes
//! back only the scroll offset and page height it used, through `Cell`s,
//! so PageDown moves by what was actually shown.

use std::cell::Cell;

use super::{Column, SortDir, TableEvent};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::widgets::text_input::TextInput;

/// Selection, scroll, sort and search state of one table.
#[derive(Debug, Clone, Default)]
pub struct TableState {
    selected: usize,
    pub(super) sort: Option<(usize, SortDir)>,
    pub(super) query: String,
    /// Open while the user is typing after `/`.
    pub(super) search: Option<TextInput>,
    // Remembered from the last draw so PageDown moves by what was shown.
    pub(super) offset: Cell<usize>,
    pub(super) page: Cell<usize>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::widgets::table::tests::{columns, key};

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
}
