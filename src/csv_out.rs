//! The one CSV writer: every CSV casedesk writes (listings on stdout,
//! report CSVs, an import's rejects file) goes through [`Writer`], so none
//! can carry a spreadsheet formula out of the office.
//!
//! A spreadsheet program opening a CSV runs a text cell that begins with
//! `=`, `+`, `-`, `@`, TAB or CR as a formula (`=HYPERLINK(…)` in a name
//! sends a click to anyone's server). Such a text cell is written with a
//! leading `'` (the OWASP rule), which spreadsheets show as plain text.
//! Which cells are text is decided by the cell's type ([`Field`]), not by
//! its text: a count or an age is a [`Field::Number`] and is written as it
//! is, even when negative; a name `-5` typed as text is escaped.
//!
//! The import reads escaped cells back ([`unescape`]), so an export
//! re-imports to the same records. So that this is exact for every text,
//! a text that already begins with apostrophes before a dangerous
//! character (`'=x`) gets one more (`''=x`), and the import takes exactly
//! one away.
//!
//! The quoting itself is the `csv` crate's (RFC 4180).

use std::borrow::Cow;
use std::io::Write;

/// The first characters that make a spreadsheet read a cell as a formula.
const DANGEROUS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One cell to write, with its type.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// Text: a name, a note, a code, a date. Escaped when it could be read
    /// as a formula.
    Text(String),
    /// A value that is a number (a count, an age, a rate), written as it
    /// is. Made only from a number ([`Field::num`]) or from text that is
    /// one ([`Field::number_or_text`]).
    Number(String),
}

/// The types whose values are numbers.
pub trait Numeric: std::fmt::Display {}
macro_rules! numeric {
    ($($t:ty),*) => { $(impl Numeric for $t {})* };
}
numeric!(i8, i16, i32, i64, u8, u16, u32, u64, usize, isize, f32, f64);

impl Field {
    /// A number, written as it is.
    pub fn num(n: impl Numeric) -> Field {
        Field::Number(n.to_string())
    }

    /// A value a module hands over as text but that is a number by what it
    /// means (a report's counts and rates); anything in it that is not a
    /// number (the withheld mark `x`) is text, escaped like any other.
    pub fn number_or_text(s: String) -> Field {
        if s.trim() == s && s.parse::<f64>().is_ok_and(f64::is_finite) {
            Field::Number(s)
        } else {
            Field::Text(s)
        }
    }

    /// The cell as a person reads it (a table on the terminal): never
    /// escaped.
    pub fn as_str(&self) -> &str {
        match self {
            Field::Text(s) | Field::Number(s) => s,
        }
    }

    /// The cell as it goes into a CSV file.
    pub fn csv_text(&self) -> Cow<'_, str> {
        match self {
            Field::Text(s) => escape(s),
            Field::Number(s) => Cow::Borrowed(s),
        }
    }
}

impl From<String> for Field {
    fn from(s: String) -> Field {
        Field::Text(s)
    }
}

impl From<&str> for Field {
    fn from(s: &str) -> Field {
        Field::Text(s.to_string())
    }
}

/// Whether `s`, after any leading apostrophes, begins with a character
/// that starts a formula.
fn formula_like(s: &str) -> bool {
    s.trim_start_matches('\'')
        .starts_with(|c: char| DANGEROUS.contains(&c))
}

/// A text cell as written: `'` before one that a spreadsheet would read as
/// a formula (or that already begins with `'` before such a character).
pub fn escape(s: &str) -> Cow<'_, str> {
    if formula_like(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// A text cell as read by the import: [`escape`] undone. One leading `'`
/// is taken away only when what follows it (after any more apostrophes)
/// begins with a formula character; any other apostrophe is the text's.
pub fn unescape(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest,
        _ => s,
    }
}

/// CSV out, row by row. On a terminal, stored text is sanitized too
/// (control characters and escape sequences never reach it raw).
pub struct Writer<W: Write> {
    w: csv::Writer<W>,
    sanitize: bool,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W) -> Writer<W> {
        Writer {
            w: csv::Writer::from_writer(out),
            sanitize: false,
        }
    }

    /// One whose text is sanitized for a terminal.
    pub fn for_terminal(out: W) -> Writer<W> {
        Writer {
            sanitize: true,
            ..Writer::new(out)
        }
    }

    /// A header row: the names are text (an input file's own headers, in a
    /// rejects file), escaped like any text.
    pub fn header<S: AsRef<str>>(&mut self, names: &[S]) -> csv::Result<()> {
        let cells: Vec<Field> = names.iter().map(|n| n.as_ref().into()).collect();
        self.row(&cells)
    }

    pub fn row(&mut self, cells: &[Field]) -> csv::Result<()> {
        let sanitize = self.sanitize;
        self.w.write_record(cells.iter().map(|c| {
            let text = c.csv_text();
            if sanitize {
                crate::safe_text::sanitize(&text).into_owned()
            } else {
                text.into_owned()
            }
        }))
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_text_is_escaped_and_read_back() {
        for s in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+92 300",
            "-5",
            "@SUM(A1)",
            "\tx",
            "\rx",
            "'=x",
            "''-y",
        ] {
            let out = escape(s);
            assert!(out.starts_with('\''), "{s:?} -> {out:?}");
            assert_eq!(unescape(&out), s);
        }
        for s in ["Ali", "'Ali", "O'Brien", "", "'", "''", "x=y", "12"] {
            assert_eq!(escape(s), s);
            assert_eq!(unescape(s), s);
        }
    }

    #[test]
    fn numbers_stay_numbers_by_type() {
        assert_eq!(Field::num(-5).csv_text(), "-5");
        assert_eq!(Field::from("-5").csv_text(), "'-5");
        assert_eq!(Field::number_or_text("-2.5".into()).csv_text(), "-2.5");
        assert_eq!(Field::number_or_text("-x".into()).csv_text(), "'-x");
        assert_eq!(Field::number_or_text("x".into()).csv_text(), "x");
    }

    #[test]
    fn the_writer_quotes_and_escapes() {
        let mut out = Vec::new();
        let mut w = Writer::new(&mut out);
        w.header(&["name", "=h"]).expect("header");
        w.row(&["=1+1, two".into(), Field::num(-3)]).expect("row");
        w.flush().expect("flush");
        drop(w);
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "name,'=h\n\"'=1+1, two\",-3\n"
        );
    }
}
