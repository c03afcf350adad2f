//! What commands print on stdout. Tables are for people, CSV for scripts.

use std::io::Write;

use age::secrecy::ExposeSecret;

use crate::csv_out::{self, Field};
use crate::domain::person::RegisterRow;
use crate::office::{RecoveryKey, RowPasses, User};
use crate::safe_text::{Align, fit, width};
use crate::{Error, Result};

use super::Format;

pub fn recovery_key(key: &RecoveryKey) {
    println!("{}", key.0.expose_secret());
    eprintln!(
        "This is the office's recovery key. Write it down or print it now, and keep it in the safe: \
         it is shown only this once, and it is the only way back in if every manager password is lost."
    );
}

/// A listing's rows, handed to a writer one at a time: `each` calls its
/// argument once per row, in order, and may be called more than once (see
/// [`stream`]); every call must give the same rows.
/// Each cell has its type ([`Field`]): a text cell that a spreadsheet
/// would read as a formula is escaped in CSV; a number is written as it is.
pub type Emit<'a> = dyn FnMut(&[Field]) -> Result<()> + 'a;

/// Write a listing as it is read, never holding it whole: CSV row by row;
/// an aligned table reads the rows twice, once to measure its columns and
/// once to print them, so a 125,000-row register prints in the memory of
/// one row. (The office layer's `RowPasses` gives both passes the same rows.)
pub fn stream(
    header: &[&str],
    format: Format,
    mut each: impl FnMut(&mut Emit<'_>) -> Result<()>,
) -> Result<()> {
    match format {
        Format::Csv => {
            let mut out = Csv::start(header)?;
            each(&mut |r| out.row(r))?;
            out.finish()
        }
        Format::Table => {
            let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
            each(&mut |r| {
                measure(&mut widths, r);
                Ok(())
            })?;
            // Buffered: a line-buffered stdout would make one write per row.
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let head: Vec<Field> = header.iter().map(|s| Field::from(*s)).collect();
            table_line(&mut out, &widths, &head).map_err(broken_pipe)?;
            each(&mut |r| table_line(&mut out, &widths, r).map_err(broken_pipe))?;
            out.flush().map_err(broken_pipe)
        }
    }
}

/// Column widths come from the content, measured in terminal columns so
/// Urdu and other wide text line up; no column is widened past 40.
fn measure(widths: &mut [usize], cells: &[Field]) {
    for (w, cell) in widths.iter_mut().zip(cells) {
        *w = (*w).max(width(cell.as_str()).min(40));
    }
}

/// One aligned row; `fit` sanitizes stored text on its way to the terminal.
fn table_line(out: &mut impl Write, widths: &[usize], cells: &[Field]) -> std::io::Result<()> {
    let parts: Vec<String> = cells
        .iter()
        .zip(widths)
        .map(|(c, w)| fit(c.as_str(), *w, Align::Left))
        .collect();
    writeln!(out, "{}", parts.join("  ").trim_end())
}

/// Print rows as aligned columns.
fn table(header: &[&str], rows: &[Vec<Field>]) -> Result<()> {
    stream(header, Format::Table, |emit| {
        rows.iter().try_for_each(|r| emit(r))
    })
}

/// A reader that stops early (`| head`) is not an error worth reporting.
fn broken_pipe(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Error::Quiet
    } else {
        Error::io("cannot write the output", e)
    }
}

/// CSV is for scripts and keeps every character, so names round-trip
/// exactly (formula-like text escaped, `csv_out`); but when it is printed
/// on a terminal, stored text must not reach the terminal raw, so there it
/// is sanitized like the table.
struct Csv {
    w: csv_out::Writer<std::io::StdoutLock<'static>>,
}

impl Csv {
    fn start(header: &[&str]) -> Result<Csv> {
        let out = std::io::stdout().lock();
        let mut out = Csv {
            w: if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                csv_out::Writer::for_terminal(out)
            } else {
                csv_out::Writer::new(out)
            },
        };
        out.w.header(header).map_err(csv_fail)?;
        Ok(out)
    }

    fn row(&mut self, cells: &[Field]) -> Result<()> {
        self.w.row(cells).map_err(csv_fail)
    }

    fn finish(mut self) -> Result<()> {
        self.w.flush().map_err(broken_pipe)
    }
}

fn csv_fail(e: csv::Error) -> Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => broken_pipe(io),
        other => Error::invalid(format!("cannot write CSV: {other:?}")),
    }
}

pub fn users(users: &[User]) {
    let rows: Vec<Vec<Field>> = users
        .iter()
        .map(|u| {
            vec![
                u.name.clone().into(),
                u.role.code().into(),
                if u.enabled { "yes" } else { "no" }.into(),
            ]
        })
        .collect();
    let _ = table(&["name", "role", "enabled"], &rows);
}

pub const REGISTER_HEADER: [&str; 9] = [
    "case_number",
    "name",
    "father_name",
    "sex",
    "age",
    "programme",
    "status",
    "risk",
    "registered_on",
];

const REGISTER_TABLE_HEADER: [&str; 9] = [
    "Case number",
    "Name",
    "Father/husband",
    "Sex",
    "Age",
    "Programme",
    "Status",
    "Risk",
    "Registered",
];

/// The register, row by row as the office file is read.
pub fn register(rows: &RowPasses<'_, RegisterRow>, format: Format) -> Result<()> {
    let header: &[&str] = match format {
        Format::Csv => &REGISTER_HEADER,
        Format::Table => &REGISTER_TABLE_HEADER,
    };
    stream(header, format, |emit| {
        rows.each(|r| emit(&register_cells(r))).map(drop)
    })
}

fn register_cells(r: RegisterRow) -> Vec<Field> {
    vec![
        r.case_number.into(),
        r.name.into(),
        r.father_name.into(),
        r.sex.code().into(),
        r.age.map_or_else(|| "".into(), Field::num),
        r.programme.code().into(),
        r.status.code().into(),
        r.risk.code().into(),
        r.registered_on.to_string().into(),
    ]
}

/// A listing the office returns whole (bounded, or sorted in memory):
/// each item becomes cells only as it is written, so it is not held twice.
pub fn items<T>(
    header: &[&str],
    items: &[T],
    format: Format,
    cells: impl Fn(&T) -> Vec<Field>,
) -> Result<()> {
    stream(header, format, |emit| {
        items.iter().try_for_each(|i| emit(&cells(i)))
    })
}

/// Rows already in memory (short listings), in the chosen format.
pub fn rows(header: &[&str], cells: &[Vec<Field>], format: Format) -> Result<()> {
    stream(header, format, |emit| {
        cells.iter().try_for_each(|r| emit(r))
    })
}

/// A whole document (a Markdown report). On a terminal, stored text in it
/// (the office's name) is sanitized like a table's.
pub fn document(text: &str) -> Result<()> {
    let on_terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let mut out = std::io::stdout().lock();
    let text = if on_terminal {
        crate::safe_text::sanitize_lines(text).join("\n")
    } else {
        text.to_string()
    };
    out.write_all(text.as_bytes())
        .and_then(|_| out.flush())
        .map_err(broken_pipe)
}
