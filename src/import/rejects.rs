//! The rejects file: the rows `--skip-invalid` left out, with their
//! original columns and a last `reason` column, beside the input. It is
//! the one plaintext file an import writes, where the person chose to keep
//! the input; it is never overwritten.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::Cell;
use crate::csv_out::{self, Field};
use crate::{Error, Result};

/// `<input>.rejects.csv`, beside the input (the input's own name, so no
/// personal data goes into a file name that was not already there).
pub fn path_for(input: &Path) -> PathBuf {
    let mut name = input.file_name().unwrap_or_default().to_os_string();
    name.push(".rejects.csv");
    input.with_file_name(name)
}

/// Refuse early when a rejects file is already there.
pub fn check_free(path: &Path) -> Result<()> {
    if path.exists() {
        return Err(Error::invalid(format!(
            "{} already exists; move it away (it may hold rows from an earlier import) and run the import again",
            path.display()
        )));
    }
    Ok(())
}

/// Write the rejects: the header row plus `reason`, then each row's cells
/// plus its reasons joined with "; ". Created new (never overwriting) and
/// synced, so a rejects file that exists is whole. Written by the one CSV
/// writer (`csv_out`): a cell that was a number in the input stays a
/// number; text that a spreadsheet would read as a formula is escaped, and
/// the import reads it back, so the file can be corrected and imported.
pub fn write(path: &Path, headers: &[String], rows: &[(Vec<Cell>, String)]) -> Result<()> {
    let fail = |e: std::io::Error| Error::io(format!("cannot write {}", path.display()), e);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::invalid(format!("{} already exists", path.display()))
            } else {
                fail(e)
            }
        })?;
    // A UTF-8 byte order mark, so Excel opens Urdu names as Urdu (without
    // it Excel reads the file in the local code page); casedesk's own
    // reader skips it.
    file.write_all(b"\xEF\xBB\xBF").map_err(fail)?;
    let mut w = csv_out::Writer::new(&mut file);
    let csv_fail = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(io) => fail(io),
        _ => Error::invalid(format!("cannot write {}", path.display())),
    };
    let width = headers
        .len()
        .max(rows.iter().map(|r| r.0.len()).max().unwrap_or(0));
    let mut head: Vec<&str> = headers.iter().map(String::as_str).collect();
    head.resize(width, "");
    head.push("reason");
    w.header(&head).map_err(csv_fail)?;
    for (cells, reason) in rows {
        let mut rec: Vec<Field> = cells.iter().map(field).collect();
        rec.resize(width, Field::Text(String::new()));
        rec.push(reason.as_str().into());
        w.row(&rec).map_err(csv_fail)?;
    }
    w.flush().map_err(fail)?;
    drop(w);
    file.sync_all().map_err(fail)
}

/// A cell as read, with its type kept for the rejects file.
fn field(cell: &Cell) -> Field {
    match cell {
        Cell::Number(_) => Field::Number(cell.text().into_owned()),
        Cell::Text(_) | Cell::Date(_) => Field::Text(cell.text().into_owned()),
    }
}
