//! What commands print on stdout. Tables are for people, CSV for scripts.

use std::io::Write;

use age::secrecy::ExposeSecret;

use crate::domain::person::RegisterRow;
use crate::office::{RecoveryKey, User};
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

/// Print rows as aligned columns. Column widths come from the content,
/// measured in terminal columns so Urdu and other wide text line up.
fn table(header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(width(cell).min(40));
        }
    }
    let mut out = std::io::stdout().lock();
    let mut line = |cells: &[String]| -> std::io::Result<()> {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| fit(c, *w, Align::Left))
            .collect();
        writeln!(out, "{}", parts.join("  ").trim_end())
    };
    let head: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    line(&head)
        .and_then(|_| rows.iter().try_for_each(|r| line(r)))
        .map_err(broken_pipe)
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
fn csv(header: &[&str], rows: &[Vec<String>]) -> Result<()> {
    let on_terminal = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let mut w = csv::Writer::from_writer(std::io::stdout().lock());
    let fail = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(io) => broken_pipe(io),
        other => Error::invalid(format!("cannot write CSV: {other:?}")),
    };
    w.write_record(header).map_err(fail)?;
    for r in rows {
        if on_terminal {
            w.write_record(r.iter().map(|c| crate::safe_text::sanitize(c).into_owned()))
        } else {
            w.write_record(r)
        }
        .map_err(fail)?;
    }
    w.flush().map_err(broken_pipe)
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

pub fn register(rows: &[RegisterRow], format: Format) -> Result<()> {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.case_number.clone(),
                r.name.clone(),
                r.father_name.clone(),
                r.sex.code().to_string(),
                r.age.map(|a| a.to_string()).unwrap_or_default(),
                r.programme.code().to_string(),
                r.status.code().to_string(),
                r.risk.code().to_string(),
                r.registered_on.to_string(),
            ]
        })
        .collect();
    match format {
        Format::Csv => csv(&REGISTER_HEADER, &cells),
        Format::Table => table(
            &[
                "Case number",
                "Name",
                "Father/husband",
                "Sex",
                "Age",
                "Programme",
                "Status",
                "Risk",
                "Registered",
            ],
            &cells,
        ),
    }
}

/// Rows in the chosen format.
pub fn rows(header: &[&str], cells: &[Vec<String>], format: Format) -> Result<()> {
    match format {
        Format::Csv => csv(header, cells),
        Format::Table => table(header, cells),
    }
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
