//! What commands print on stdout. Tables are for people, CSV for scripts.

use std::io::Write;

use age::secrecy::ExposeSecret;

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
pub type Emit<'a> = dyn FnMut(&[String]) -> Result<()> + 'a;

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
            let head: Vec<String> = header.iter().map(|s| s.to_string()).collect();
            table_line(&mut out, &widths, &head).map_err(broken_pipe)?;
            each(&mut |r| table_line(&mut out, &widths, r).map_err(broken_pipe))?;
            out.flush().map_err(broken_pipe)
        }
    }
}

/// Column widths come from the content, measured in terminal columns so
/// Urdu and other wide text line up; no column is widened past 40.
fn measure(widths: &mut [usize], cells: &[String]) {
    for (w, cell) in widths.iter_mut().zip(cells) {
        *w = (*w).max(width(cell).min(40));
    }
}

/// One aligned row; `fit` sanitizes stored text on its way to the terminal.
fn table_line(out: &mut impl Write, widths: &[usize], cells: &[String]) -> std::io::Result<()> {
    let parts: Vec<String> = cells
        .iter()
        .zip(widths)
        .map(|(c, w)| fit(c, *w, Align::Left))
        .collect();
    writeln!(out, "{}", parts.join("  ").trim_end())
}

/// Print rows as aligned columns.
fn table(header: &[&str], rows: &[Vec<String>]) -> Result<()> {
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
/// exactly; but when it is printed on a terminal, stored text must not
/// reach the terminal raw, so there it is sanitized like the table.
struct Csv {
    on_terminal: bool,
    w: csv::Writer<std::io::StdoutLock<'static>>,
}

impl Csv {
    fn start(header: &[&str]) -> Result<Csv> {
        let mut out = Csv {
            on_terminal: std::io::IsTerminal::is_terminal(&std::io::stdout()),
            w: csv::Writer::from_writer(std::io::stdout().lock()),
        };
        out.w.write_record(header).map_err(csv_fail)?;
        Ok(out)
    }

    fn row(&mut self, cells: &[String]) -> Result<()> {
        if self.on_terminal {
            self.w.write_record(
                cells
                    .iter()
                    .map(|c| crate::safe_text::sanitize(c).into_owned()),
            )
        } else {
            self.w.write_record(cells)
        }
        .map_err(csv_fail)
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
    let rows: Vec<Vec<String>> = users
        .iter()
        .map(|u| {
            vec![
                u.name.clone(),
                u.role.code().to_string(),
                if u.enabled { "yes" } else { "no" }.to_string(),
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

fn register_cells(r: RegisterRow) -> Vec<String> {
    vec![
        r.case_number,
        r.name,
        r.father_name,
        r.sex.code().to_string(),
        r.age.map(|a| a.to_string()).unwrap_or_default(),
        r.programme.code().to_string(),
        r.status.code().to_string(),
        r.risk.code().to_string(),
        r.registered_on.to_string(),
    ]
}

/// A listing the office returns whole (bounded, or sorted in memory):
/// each item becomes cells only as it is written, so it is not held twice.
pub fn items<T>(
    header: &[&str],
    items: &[T],
    format: Format,
    cells: impl Fn(&T) -> Vec<String>,
) -> Result<()> {
    stream(header, format, |emit| {
        items.iter().try_for_each(|i| emit(&cells(i)))
    })
}

/// Rows already in memory (short listings), in the chosen format.
pub fn rows(header: &[&str], cells: &[Vec<String>], format: Format) -> Result<()> {
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
