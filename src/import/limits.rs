//! What an import reads at most, so that no file — a zip bomb, a row
//! "repeated" a million times, a CSV header of millions of columns — can
//! take the office PC's memory. The limits are far above any register an
//! office keeps (and at or above what Excel itself holds); a file past one
//! is refused, before it is read whole, with a plain message naming the
//! limit.
//!
//! - [`MAX_BYTES`]: a sheet's data once unpacked (an `.xlsx` part, an
//!   `.ods` `content.xml`) or a CSV file: 200 MB. A zip entry's declared
//!   size is checked first, and what is inflated is counted too
//!   ([`Limited`]), since the declared size can lie.
//! - [`MAX_ROWS`] rows, [`MAX_COLUMNS`] columns (counted to the last one
//!   that holds something), [`MAX_CELL_CHARS`] characters in a cell (as
//!   Excel), [`MAX_CELLS`] cells in all.
//! - Repeated empty rows and cells in an `.ods` are counted, never made,
//!   unless data follows them.

use std::io::Read;
use std::path::Path;

use crate::Error;

/// A sheet's data once unpacked, or a CSV file, in bytes (200 MB).
pub const MAX_BYTES: u64 = 200 * 1000 * 1000;
/// Rows in a sheet.
pub const MAX_ROWS: usize = 1_000_000;
/// Columns in a sheet, to the last one that holds something.
pub const MAX_COLUMNS: usize = 500;
/// Characters in one cell (Excel's own limit).
pub const MAX_CELL_CHARS: usize = 32_767;
/// Cells in a sheet, rows × columns of data (a million rows of twenty
/// columns).
pub const MAX_CELLS: usize = 20_000_000;

/// Which limit a file passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Over {
    Bytes,
    Rows,
    /// The row (counted from 1) that has too many columns.
    Columns(usize),
    /// The row and column (from 1) of the cell.
    Cell(usize, usize),
    Cells,
}

/// The message for a file past a limit: plain, naming the limit, never
/// the file's contents.
pub fn refuse(path: &Path, over: Over) -> Error {
    let file = path.display();
    let why = match over {
        Over::Bytes => {
            "holds more than 200 MB of data (unpacked), more than an import reads".to_string()
        }
        Over::Rows => "has more than 1,000,000 rows, more than an import reads".to_string(),
        Over::Columns(row) => {
            format!("has more than 500 columns (in row {row}), more than an import reads")
        }
        Over::Cell(row, column) => format!(
            "has a cell (row {row}, column {}) of more than 32,767 characters, the most a spreadsheet cell holds",
            super::columns::column_letter(column.saturating_sub(1))
        ),
        Over::Cells => {
            "has more than 20,000,000 cells (rows × columns), more than an import reads".to_string()
        }
    };
    Error::invalid(format!(
        "{file} {why}; nothing was read. No office register is this large: check where the file came from, or split it into smaller files"
    ))
}

/// A reader that gives at most [`MAX_BYTES`] and then fails, noting that
/// it did ([`Limited::over`]), whatever the zip entry declared.
pub struct Limited<R> {
    inner: R,
    read: u64,
    over: bool,
}

impl<R: Read> Limited<R> {
    pub fn new(inner: R) -> Limited<R> {
        Limited {
            inner,
            read: 0,
            over: false,
        }
    }

    /// Whether the stream went past the limit.
    pub fn over(&self) -> bool {
        self.over
    }
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read += n as u64;
        if self.read > MAX_BYTES {
            self.over = true;
            return Err(std::io::Error::other("the unpacked data is over the limit"));
        }
        Ok(n)
    }
}

/// Check a workbook's zip before any reader inflates it: every entry's
/// declared size, then each entry inflated (and thrown away) through
/// [`Limited`], so no part is over [`MAX_BYTES`] whatever its header says.
/// Memory stays that of one buffer. Which workbook it is, by its parts;
/// `None`: not a zip at all.
pub fn check_zip(path: &Path) -> crate::Result<Option<Zipped>> {
    let cannot = || super::cannot_read_workbook(path);
    let file = super::open(path)?;
    let mut zip = match zip::ZipArchive::new(std::io::BufReader::new(file)) {
        Ok(z) => z,
        Err(_) => return Ok(None),
    };
    let kind = if zip.index_for_name("content.xml").is_some() {
        Zipped::Ods
    } else if zip.index_for_name("xl/workbook.xml").is_some() {
        Zipped::Xlsx
    } else if zip.index_for_name("xl/workbook.bin").is_some() {
        Zipped::Xlsb
    } else {
        Zipped::Other
    };
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|_| cannot())?;
        if entry.size() > MAX_BYTES {
            return Err(refuse(path, Over::Bytes));
        }
    }
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|_| cannot())?;
        if entry.is_dir() {
            continue;
        }
        let mut limited = Limited::new(entry);
        // A part that does not inflate as its header says (the zip
        // reader stops one that grows past its declared size) is damaged.
        if std::io::copy(&mut limited, &mut std::io::sink()).is_err() {
            return Err(if limited.over() {
                refuse(path, Over::Bytes)
            } else {
                cannot()
            });
        }
    }
    Ok(Some(kind))
}

/// A zipped workbook, by its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zipped {
    Ods,
    Xlsx,
    Xlsb,
    /// Anything else calamine may read.
    Other,
}

/// Counts a sheet as it is read, row by row, refusing at the first limit
/// passed. Rows and columns count from the first that holds something.
#[derive(Debug, Default)]
pub struct Tally {
    rows: usize,
    cells: usize,
}

impl Tally {
    /// A row of `width` columns (to its last filled one), `repeats` times,
    /// after `rows_before` rows (empty rows in between included); it is
    /// row `sheet_row` of the sheet (from 1), for the message.
    pub fn rows(
        &mut self,
        rows_before: usize,
        width: usize,
        repeats: usize,
        sheet_row: usize,
    ) -> Result<(), Over> {
        if width > MAX_COLUMNS {
            return Err(Over::Columns(sheet_row));
        }
        let rows = rows_before.saturating_add(repeats);
        if rows > MAX_ROWS {
            return Err(Over::Rows);
        }
        self.rows = self.rows.max(rows);
        self.cells = self.cells.saturating_add(width.saturating_mul(repeats));
        if self.cells > MAX_CELLS {
            return Err(Over::Cells);
        }
        Ok(())
    }

    /// One cell's text.
    pub fn cell(text: &str, row: usize, column: usize) -> Result<(), Over> {
        // A cell of more bytes than 4 × the limit is surely too long, and
        // cheaper to tell than by counting.
        if text.len() > MAX_CELL_CHARS
            && (text.len() > 4 * MAX_CELL_CHARS || text.chars().count() > MAX_CELL_CHARS)
        {
            return Err(Over::Cell(row, column));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tally_refuses_at_each_limit() {
        let mut t = Tally::default();
        assert!(t.rows(0, 500, 1, 1).is_ok());
        assert_eq!(t.rows(1, 501, 1, 2), Err(Over::Columns(2)));
        assert_eq!(t.rows(10, 1, MAX_ROWS, 11), Err(Over::Rows));
        assert_eq!(
            Tally::default().rows(0, 100, 300_000, 1),
            Err(Over::Cells),
            "30 million cells"
        );
        assert!(Tally::cell(&"ب".repeat(MAX_CELL_CHARS), 1, 1).is_ok());
        assert_eq!(
            Tally::cell(&"a".repeat(MAX_CELL_CHARS + 1), 3, 2),
            Err(Over::Cell(3, 2))
        );
    }

    #[test]
    fn the_limited_reader_stops_past_the_limit() {
        let mut r = Limited::new(std::io::repeat(0).take(MAX_BYTES + 10));
        let e = std::io::copy(&mut r, &mut std::io::sink());
        assert!(e.is_err() && r.over());
        let mut r = Limited::new(std::io::repeat(0).take(1000));
        assert_eq!(
            std::io::copy(&mut r, &mut std::io::sink()).expect("ok"),
            1000
        );
    }
}
