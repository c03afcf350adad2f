//! A keyboard-driven list/table over a *virtual* row source: drawing asks
//! only for the rows on screen, so 100,000 children cost the same as ten.
//!
//! Filtering and sorting stay with the caller (it owns the data, usually a
//! store query): the table reports [`TableEvent::QueryChanged`] on each key
//! typed after `/` and [`TableEvent::SortChanged`] on `s`/`S`, and the
//! caller swaps in a new [`RowSource`].
//!
//! ```text
//! let view = Table::new(&rows, &columns, &state, &theme).title("Register");
//! frame.render_widget(&view, area);
//! match state.handle(keymap.resolve(state.context_stack(), &key), rows.len(), &columns) {
//!     TableEvent::QueryChanged(q) => rows = store::search_children(&q, state.sort())?,
//!     TableEvent::Activate(i) => open_child(rows.id(i)),
//!     _ => {}
//! }
//! ```
//!
//! This file holds the vocabulary a screen needs (rows, columns, events);
//! `state.rs` is what a key does, `draw.rs` is what a frame shows.

mod draw;
mod state;

use std::borrow::Cow;

pub use draw::Table;
pub use state::TableState;

use crate::safe_text::Align;
use crate::ui::action::Action;

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
    /// Fill columns: the narrowest they may be. When the table is too
    /// narrow for it, fixed columns are left out from the right until it
    /// fits, so this column is the last to go (a class's name). 0: no
    /// minimum, the fill column shrinks first.
    pub min_width: u16,
}

impl Column {
    pub fn fixed(title: &str, width: u16) -> Column {
        Column {
            title: title.into(),
            width: ColumnWidth::Fixed(width),
            align: Align::Left,
            sortable: true,
            min_width: 0,
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
    /// See [`Column::min_width`].
    pub fn at_least(mut self, width: u16) -> Column {
        self.min_width = width;
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
    /// A bound action the table does not use (New, Edit, Refresh…),
    /// passed on with the selected row.
    Other(Action, Option<usize>),
}

/// Test fixtures shared by the state and drawing tests.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::keymap::Input;

    pub(super) fn columns() -> Vec<Column> {
        vec![
            Column::fixed("Case no.", 13),
            Column::fill("Name", 2),
            Column::fill("Father", 2),
            Column::fixed("Age", 3).right(),
            Column::fixed("Status", 10).unsortable(),
        ]
    }

    pub(super) fn key(a: Action) -> Input {
        Input::Action(a)
    }
}
