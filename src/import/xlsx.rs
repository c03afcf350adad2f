//! An `.xlsx` or `.xlsb` sheet read cell by cell (calamine's cell
//! readers), in the memory of the cells it holds.
//!
//! calamine's `worksheet_range` makes a dense grid from the first to the
//! last cell, so two cells far apart (`A1` and `SF999999`) would make half
//! a billion. Here each row keeps only its cells until the sheet is read
//! and the limits ([`super::limits`]) are checked as cells arrive: rows,
//! columns, each cell's length, and the cells the rows will hold once
//! made dense. The zip's parts were checked for size before
//! ([`super::limits::check_zip`]).

use std::path::Path;

use calamine::{Data, Reader, Xlsx};

use super::limits::{MAX_CELLS, MAX_COLUMNS, MAX_ROWS, Over, Tally, refuse};
use super::{Cell, Table, cell_of};
use crate::Result;

pub fn read(path: &Path, sheet: Option<&str>) -> Result<Table> {
    let cannot = |_| super::cannot_read_workbook(path);
    let mut book: Xlsx<_> = calamine::open_workbook(path).map_err(cannot)?;
    let name = super::pick_sheet(&book.sheet_names(), sheet)?;
    let mut reader = book.worksheet_cells_reader(&name).map_err(cannot)?;
    collect(path, &name, || {
        Ok(reader
            .next_cell()
            .map_err(cannot)?
            .map(|c| (c.get_position(), Data::from(c.get_value().clone()))))
    })
}

/// An `.xlsb` sheet, the same way (calamine's cell reader for it).
pub fn read_xlsb(path: &Path, sheet: Option<&str>) -> Result<Table> {
    let cannot = |_| super::cannot_read_workbook(path);
    let mut book: calamine::Xlsb<_> = calamine::open_workbook(path).map_err(cannot)?;
    let name = super::pick_sheet(&book.sheet_names(), sheet)?;
    let mut reader = book.worksheet_cells_reader(&name).map_err(cannot)?;
    collect(path, &name, || {
        Ok(reader
            .next_cell()
            .map_err(cannot)?
            .map(|c| (c.get_position(), Data::from(c.get_value().clone()))))
    })
}

/// A sheet's rows from its cells as `next` gives them (position, value),
/// checked against the limits as they come.
fn collect(
    path: &Path,
    name: &str,
    mut next: impl FnMut() -> Result<Option<((u32, u32), Data)>>,
) -> Result<Table> {
    // Rows from the first that holds something; each row's cells with
    // their sheet columns.
    let mut rows: Vec<Vec<(u32, Cell)>> = Vec::new();
    let mut first: Option<u32> = None;
    let (mut min_col, mut max_col) = (u32::MAX, 0u32);
    while let Some(((r, col), data)) = next()? {
        if data == Data::Empty {
            continue;
        }
        let cell = cell_of(&data);
        if let Cell::Text(t) = &cell {
            Tally::cell(t, r as usize + 1, col as usize + 1).map_err(|o| refuse(path, o))?;
        }
        let base = *first.get_or_insert(r);
        if r < base {
            // Cells out of order (a hand-made file): rows above the first.
            rows.splice(0..0, std::iter::repeat_n(Vec::new(), (base - r) as usize));
            first = Some(r);
        }
        let at = (r - first.unwrap_or(r)) as usize;
        if at >= MAX_ROWS {
            return Err(refuse(path, Over::Rows));
        }
        min_col = min_col.min(col);
        max_col = max_col.max(col);
        if (max_col - min_col) as usize >= MAX_COLUMNS {
            return Err(refuse(path, Over::Columns(r as usize + 1)));
        }
        if rows.len() <= at {
            super::progress::PROGRESS.read(at + 1 - rows.len());
            rows.resize_with(at + 1, Vec::new);
        }
        rows[at].push((col, cell));
    }
    // The cells the rows hold once dense, before they are made.
    let dense: usize = rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|(c, _)| (c - min_col) as usize + 1)
                .max()
                .unwrap_or(0)
        })
        .sum();
    if dense > MAX_CELLS {
        return Err(refuse(path, Over::Cells));
    }
    let rows = rows
        .into_iter()
        .map(|mut r| {
            r.sort_by_key(|(c, _)| *c);
            let mut out: Vec<Cell> = Vec::new();
            for (c, cell) in r {
                let at = (c - min_col) as usize;
                if out.len() < at {
                    out.resize(at, Cell::Text(String::new()));
                }
                if out.len() == at {
                    out.push(cell);
                } else {
                    out[at] = cell;
                }
            }
            out
        })
        .collect();
    Ok(Table {
        source: format!("sheet '{name}'"),
        first_row: first.map_or(1, |f| f as usize + 1),
        rows,
    })
}
