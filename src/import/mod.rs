//! Reading the office's existing spreadsheets for `casedesk import`: the
//! file formats, the column matching, date reading and the rules that turn
//! a row into a record, with no office file involved.
//!
//! This sits beside the leaves (it uses only them) and under `office`,
//! whose `import` area checks duplicates against the office and saves.
//! It never writes the file's contents anywhere except the rejects CSV
//! (`rejects::write`), which the user asked for, beside their input.
//!
//! - CSV through the `csv` crate: the delimiter is sniffed among `,` `;`
//!   TAB `|`; UTF-8 with or without a BOM, UTF-16 LE/BE with a BOM (Excel's
//!   "Unicode text"), decoded with `encoding_rs`.
//! - `.xlsx`, `.xls`, `.ods`: cells keep their type, so a date cell
//!   arrives as a date and a number as a number. `.xlsx` through
//!   and `.xlsb` through calamine's cell readers (`xlsx`), `.ods` through
//!   our own stream reader (`ods`), `.xls` through calamine.
//! - Every file is read within the limits of `limits` (size unpacked,
//!   rows, columns, cell length, cells), refused before it is held whole.
//! - A text cell escaped against formulas by casedesk's own CSV writer
//!   (`'=…`, see `csv_out`) is read back as it was, so an export or a
//!   rejects file imports to the same records.

pub mod activities;
pub mod columns;
pub mod dates;
pub mod limits;
mod ods;
pub mod people;
pub mod preview;
pub mod progress;
pub mod rejects;
pub(crate) mod vocabulary;
mod xlsx;

use std::borrow::Cow;
use std::path::Path;

use chrono::NaiveDate;

use crate::csv_out::unescape;
use crate::safe_text::sanitize;
use crate::{Error, Result};

/// One cell as the file holds it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    /// A spreadsheet cell formatted as a date.
    Date(NaiveDate),
}

impl Cell {
    /// The cell as text, the way a person would read it in the sheet.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(s) => Cow::Borrowed(s.as_str()),
            // Whole numbers print without ".0" (an age of 12, a phone number).
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => {
                Cow::Owned(format!("{}", *n as i64))
            }
            Cell::Number(n) => Cow::Owned(n.to_string()),
            Cell::Date(d) => Cow::Owned(d.to_string()),
        }
    }

    pub fn is_blank(&self) -> bool {
        matches!(self, Cell::Text(s) if s.trim().is_empty())
    }
}

/// A sheet's rows as read, before any header is chosen. Row `i` of `rows`
/// is row `first_row + i` of the sheet as a spreadsheet program numbers it
/// (1 is the top), so problems can name the row the person will look at.
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// What was read, for the preview: "CSV (UTF-8, ';')", "sheet 'Register'".
    pub source: String,
    pub first_row: usize,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    /// The sheet's row number of `rows[i]`.
    pub fn row_number(&self, i: usize) -> usize {
        self.first_row + i
    }
}

/// How a file is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Spreadsheet,
}

/// Decide by the extension, and by the first bytes when the extension says
/// nothing (a workbook saved as `register.dat`).
fn format_of(path: &Path) -> Result<Format> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    Ok(match ext.as_str() {
        "csv" | "tsv" | "txt" | "tab" => Format::Csv,
        "xlsx" | "xlsm" | "xlsb" | "xls" | "ods" => Format::Spreadsheet,
        _ => {
            let mut head = [0u8; 4];
            let n = std::io::Read::read(&mut open(path)?, &mut head)
                .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
            // A zip (xlsx, ods) or an OLE compound file (xls).
            if head[..n].starts_with(b"PK\x03\x04")
                || head[..n].starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
            {
                Format::Spreadsheet
            } else {
                Format::Csv
            }
        }
    })
}

fn open(path: &Path) -> Result<std::fs::File> {
    std::fs::File::open(path).map_err(|e| Error::io(format!("cannot open {}", path.display()), e))
}

/// Read one sheet of a file: a CSV, or `sheet` (default: the first) of a
/// workbook.
pub fn read_table(path: &Path, sheet: Option<&str>) -> Result<Table> {
    match format_of(path)? {
        Format::Csv => {
            if sheet.is_some() {
                return Err(Error::Usage(
                    "--sheet is for workbooks (.xlsx, .xls, .ods); a CSV file has one sheet".into(),
                ));
            }
            let size = open(path)?
                .metadata()
                .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?
                .len();
            if size > limits::MAX_BYTES {
                return Err(limits::refuse(path, limits::Over::Bytes));
            }
            let bytes = std::fs::read(path)
                .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
            read_csv_as(&bytes, path)
        }
        Format::Spreadsheet => read_workbook(path, sheet),
    }
}

/// The delimiters offices' CSV files use, in the order ties are settled.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// Text of a CSV file: a BOM says UTF-8 or UTF-16 (LE or BE); without
/// one, it must be UTF-8. Malformed text is refused rather than replaced,
/// so nothing is saved with a name garbled.
fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, &'static str)> {
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let text = encoding
            .decode_without_bom_handling_and_without_replacement(&bytes[bom..])
            .ok_or_else(|| {
                Error::invalid(format!(
                    "the file says it is {} text but is not; save it again from the spreadsheet",
                    encoding.name()
                ))
            })?;
        return Ok((text, encoding.name()));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((Cow::Borrowed(s), "UTF-8")),
        Err(_) => Err(Error::invalid(
            "the file is not UTF-8 or UTF-16 text; in Excel use Save As \"CSV UTF-8\" or \"Unicode Text\"",
        )),
    }
}

/// Pick the delimiter that splits the first lines into the same number
/// (more than one) of fields most often. The `csv` crate does the
/// splitting, so quoted delimiters are not counted.
fn sniff_delimiter(text: &str) -> u8 {
    // The first 50 lines are plenty, and keep a large file's sniff cheap;
    // at most 64 KB of them, so a header line of millions of columns is
    // not split four times over.
    let mut sample_end = text
        .match_indices('\n')
        .nth(49)
        .map_or(text.len(), |(i, _)| i)
        .min(64 * 1024);
    while !text.is_char_boundary(sample_end) {
        sample_end -= 1;
    }
    let sample = &text[..sample_end];
    let mut best = (b',', 0usize, 0usize);
    for d in DELIMITERS {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(d)
            .has_headers(false)
            .flexible(true)
            .from_reader(sample.as_bytes());
        let counts: Vec<usize> = reader
            .records()
            .map_while(|r| r.ok())
            .map(|r| r.len())
            .filter(|n| *n > 0)
            .collect();
        let Some(&first) = counts.iter().max() else {
            continue;
        };
        if first < 2 {
            continue;
        }
        let agreeing = counts.iter().filter(|n| **n == first).count();
        if (agreeing, first) > (best.1, best.2) {
            best = (d, agreeing, first);
        }
    }
    best.0
}

fn delimiter_name(d: u8) -> &'static str {
    match d {
        b',' => "commas",
        b';' => "semicolons",
        b'\t' => "tabs",
        _ => "'|'",
    }
}

/// Read CSV bytes into a table (every cell text).
pub fn read_csv(bytes: &[u8]) -> Result<Table> {
    read_csv_as(bytes, Path::new("the CSV file"))
}

/// [`read_csv`], naming `path` if the file is past a limit.
fn read_csv_as(bytes: &[u8], path: &Path) -> Result<Table> {
    let (text, encoding) = decode(bytes)?;
    let delimiter = sniff_delimiter(&text);
    measure_csv(text.as_bytes(), delimiter).map_err(|o| limits::refuse(path, o))?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                progress::PROGRESS.read(1);
                rows.push(
                    record
                        .iter()
                        .map(|c| Cell::Text(unescape(c).to_string()))
                        .collect(),
                )
            }
            Err(e) => {
                // Name the row, never the content.
                let row = e
                    .position()
                    .map_or(rows.len() + 1, |p| p.record() as usize + 1);
                return Err(Error::invalid(format!(
                    "row {row} of the CSV file cannot be read; check its quotes"
                )));
            }
        }
    }
    Ok(Table {
        source: format!(
            "CSV ({encoding}, separated by {})",
            delimiter_name(delimiter)
        ),
        first_row: 1,
        rows,
    })
}

/// Check a CSV against the limits field by field (`csv_core`), before any
/// row is held: a header line of millions of columns is refused at its
/// 501st, a 5 MB cell at its first 128 KB.
fn measure_csv(text: &[u8], delimiter: u8) -> std::result::Result<(), limits::Over> {
    use csv_core::ReadFieldResult;
    use limits::{MAX_CELL_CHARS, MAX_CELLS, MAX_COLUMNS, MAX_ROWS, Over, Tally};
    let mut reader = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    let mut out = vec![0u8; 4 * MAX_CELL_CHARS + 4];
    let (mut input, mut len) = (text, 0usize);
    let (mut fields, mut rows, mut cells) = (0usize, 0usize, 0usize);
    loop {
        let (result, read, wrote) = reader.read_field(input, &mut out[len..]);
        input = &input[read..];
        len += wrote;
        match result {
            ReadFieldResult::InputEmpty => {}
            ReadFieldResult::OutputFull => return Err(Over::Cell(rows + 1, fields + 1)),
            ReadFieldResult::Field { record_end } => {
                Tally::cell(&String::from_utf8_lossy(&out[..len]), rows + 1, fields + 1)?;
                len = 0;
                fields += 1;
                if fields > MAX_COLUMNS {
                    return Err(Over::Columns(rows + 1));
                }
                if record_end {
                    rows += 1;
                    cells += fields;
                    fields = 0;
                    if rows > MAX_ROWS {
                        return Err(Over::Rows);
                    }
                    if cells > MAX_CELLS {
                        return Err(Over::Cells);
                    }
                }
            }
            ReadFieldResult::End => return Ok(()),
        }
    }
}

fn cannot_read_workbook(path: &Path) -> Error {
    Error::invalid(format!(
        "{} cannot be read as a workbook (.xlsx, .xls or .ods); is it damaged, or protected with a password?",
        path.display()
    ))
}

/// Read a sheet of a workbook with calamine. calamine panics on some
/// damaged files instead of refusing them (a cut-short `.xls` indexes past
/// its buffer: tests/properties_import.rs); those are refused like any
/// other unreadable workbook.
///
/// A zipped workbook (`.xlsx`, `.ods`, `.xlsb`) is checked for size
/// first (`limits::check_zip`); then `.ods`, `.xlsx` and `.xlsb` are read
/// as streams within the limits; an `.xls` by calamine, whose sheet is then
/// checked (it is at most 65,536 × 256 by its format).
fn read_workbook(path: &Path, sheet: Option<&str>) -> Result<Table> {
    let zipped = limits::check_zip(path)?;
    crate::logging::contain_panic(|| match zipped {
        Some(limits::Zipped::Ods) => ods::read(path, sheet),
        Some(limits::Zipped::Xlsx) => xlsx::read(path, sheet),
        Some(limits::Zipped::Xlsb) => xlsx::read_xlsb(path, sheet),
        _ => read_workbook_unguarded(path, sheet),
    })
    .unwrap_or_else(|| Err(cannot_read_workbook(path)))
}

/// The sheet to read: `sheet` (as typed, or differing only in case and
/// surrounding blanks), or the first.
fn pick_sheet(names: &[String], sheet: Option<&str>) -> Result<String> {
    match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s || n.trim().eq_ignore_ascii_case(s.trim()))
            .cloned()
            .ok_or_else(|| no_sheet(Some(s), names)),
        None => names.first().cloned().ok_or_else(|| no_sheet(None, names)),
    }
}

/// No sheet by that name (or none at all).
fn no_sheet(sheet: Option<&str>, names: &[String]) -> Error {
    match sheet {
        // Sanitized rather than escaped: an apostrophe ("Women's desk")
        // reads as typed; control characters still never reach the
        // terminal.
        Some(s) if !names.is_empty() => Error::invalid(format!(
            "the workbook has no sheet named '{}'; its sheets are: {}",
            sanitize(&crate::safe_text::brief(s)),
            names
                .iter()
                .map(|n| sanitize(&crate::safe_text::brief(n)).into_owned())
                .collect::<Vec<_>>()
                .join(", ")
        )),
        _ => Error::invalid("the workbook has no sheets"),
    }
}

fn read_workbook_unguarded(path: &Path, sheet: Option<&str>) -> Result<Table> {
    use calamine::Reader;
    let cannot = |_| cannot_read_workbook(path);
    let mut book = calamine::open_workbook_auto(path).map_err(cannot)?;
    let name = pick_sheet(&book.sheet_names(), sheet)?;
    let range = book.worksheet_range(&name).map_err(cannot)?;
    let (height, width) = range.get_size();
    if height > limits::MAX_ROWS {
        return Err(limits::refuse(path, limits::Over::Rows));
    }
    if width > limits::MAX_COLUMNS {
        return Err(limits::refuse(path, limits::Over::Columns(1)));
    }
    progress::PROGRESS.read(height);
    let first_row = range.start().map_or(1, |(r, _)| r as usize + 1);
    let rows = range
        .rows()
        .map(|r| r.iter().map(cell_of).collect())
        .collect();
    Ok(Table {
        source: format!("sheet '{name}'"),
        first_row,
        rows,
    })
}

/// A calamine cell as ours. Dates come through calamine's own serial-date
/// conversion (1900 and 1904 workbooks alike).
pub(crate) fn cell_of(d: &calamine::Data) -> Cell {
    use calamine::Data;
    match d {
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::String(s) => Cell::Text(unescape(s).to_string()),
        Data::Bool(b) => Cell::Text(if *b { "TRUE" } else { "FALSE" }.into()),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, day, ..) = dt.to_ymd_hms_milli();
            NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(day))
                .map_or_else(|| Cell::Number(dt.as_f64()), Cell::Date)
        }
        Data::DateTime(dt) => Cell::Number(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(e.to_string()),
        Data::Empty => Cell::Text(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(t: &Table) -> Vec<Vec<String>> {
        t.rows
            .iter()
            .map(|r| r.iter().map(|c| c.text().into_owned()).collect())
            .collect()
    }

    #[test]
    fn delimiters_are_sniffed_and_quotes_respected() {
        for (d, text) in [
            (',', "Name,Age\n\"Khan, Ali\",12\nSara,9\n"),
            (';', "Name;Age\n\"Ali; Khan\";12\nSara;9\n"),
            ('\t', "Name\tAge\nAli, Khan\t12\nSara\t9\n"),
            ('|', "Name|Age\nAli; Khan|12\nSara|9\n"),
        ] {
            let t = read_csv(text.as_bytes()).expect("read");
            assert_eq!(t.rows.len(), 3, "{d:?}");
            assert!(
                t.rows.iter().all(|r| r.len() == 2),
                "{d:?}: {:?}",
                texts(&t)
            );
        }
    }

    #[test]
    fn encodings_by_bom() {
        let want = vec![
            vec!["نام".to_string(), "عمر".into()],
            vec!["علی".into(), "12".into()],
        ];
        let plain = "نام,عمر\nعلی,12\n";
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(plain.as_bytes());
        let tabbed = "نام\tعمر\r\nعلی\t12\r\n";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for u in tabbed.encode_utf16() {
            le.extend_from_slice(&u.to_le_bytes());
            be.extend_from_slice(&u.to_be_bytes());
        }
        for bytes in [plain.as_bytes().to_vec(), bom, le, be] {
            assert_eq!(texts(&read_csv(&bytes).expect("read")), want);
        }
        // Windows-1256 bytes are refused, not garbled.
        assert!(read_csv(b"\xe4\xc7\xe3,1\n").is_err());
    }

    #[test]
    fn numbers_read_as_people_wrote_them() {
        assert_eq!(Cell::Number(12.0).text(), "12");
        assert_eq!(Cell::Number(12.5).text(), "12.5");
    }
}
