//! An `.ods` sheet read as a stream (quick-xml over the zip's
//! `content.xml`), in the memory of what it holds.
//!
//! calamine reads every sheet of an `.ods` whole when the file is opened
//! and writes out each repeated row: a 913-byte file with one row
//! "repeated 1,048,575 times" took 1.2 GB. Here only the chosen sheet is
//! read; repeated empty rows and cells are counted, never made, unless
//! data follows them (trailing ones are dropped); a repeat that would pass
//! a limit ([`super::limits`]) is refused before it is expanded; a cell's
//! text is refused as soon as it is too long.
//!
//! Cells read as calamine read them: numbers (`float`, `percentage`,
//! `currency`) as numbers, dates and times as their ISO text, booleans as
//! `TRUE`/`FALSE`, text from its paragraphs (joined by line breaks, with
//! `text:s` spaces, tabs and line breaks); annotations are skipped.

use std::io::BufReader;
use std::path::Path;

use quick_xml::events::{BytesStart, Event};

use super::limits::{Limited, MAX_CELL_CHARS, MAX_COLUMNS, Over, Tally, refuse};
use super::{Cell, Table};
use crate::Result;

type Xml<'z> =
    quick_xml::Reader<BufReader<Limited<zip::read::ZipFile<'z, BufReader<std::fs::File>>>>>;

/// Why reading stopped.
enum Stop {
    Over(Over),
    Unreadable,
}

impl From<Over> for Stop {
    fn from(o: Over) -> Stop {
        Stop::Over(o)
    }
}

impl From<quick_xml::Error> for Stop {
    fn from(_: quick_xml::Error) -> Stop {
        Stop::Unreadable
    }
}

impl From<quick_xml::events::attributes::AttrError> for Stop {
    fn from(_: quick_xml::events::attributes::AttrError) -> Stop {
        Stop::Unreadable
    }
}

/// Read `sheet` (default: the first) of an `.ods` file.
pub fn read(path: &Path, sheet: Option<&str>) -> Result<Table> {
    let cannot = || super::cannot_read_workbook(path);
    let file = super::open(path)?;
    let mut zip = zip::ZipArchive::new(BufReader::new(file)).map_err(|_| cannot())?;
    let entry = zip.by_name("content.xml").map_err(|_| cannot())?;
    if entry.size() > super::limits::MAX_BYTES {
        return Err(refuse(path, Over::Bytes));
    }
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(Limited::new(entry)));
    let config = xml.config_mut();
    config.expand_empty_elements = true;
    config.check_end_names = false;
    config.trim_text(false);
    let result = find_sheet(&mut xml, sheet);
    let over_bytes = xml.get_ref().get_ref().over();
    match result {
        Ok(Found::Sheet(table)) => Ok(table),
        Ok(Found::Names(names)) => Err(super::no_sheet(sheet, &names)),
        Err(_) if over_bytes => Err(refuse(path, Over::Bytes)),
        Err(Stop::Over(o)) => Err(refuse(path, o)),
        Err(Stop::Unreadable) => Err(cannot()),
    }
}

enum Found {
    Sheet(Table),
    /// No such sheet: the names there are.
    Names(Vec<String>),
}

fn find_sheet(xml: &mut Xml<'_>, sheet: Option<&str>) -> std::result::Result<Found, Stop> {
    let mut names = Vec::new();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf)? {
            Event::Start(e) if e.name().as_ref() == "table:table" => {
                let name = attr(&e, "table:name")?.unwrap_or_default();
                let wanted = match sheet {
                    None => true,
                    Some(s) => name == s || name.trim().eq_ignore_ascii_case(s.trim()),
                };
                if wanted {
                    let mut table = read_table(xml)?;
                    table.source = format!("sheet '{name}'");
                    return Ok(Found::Sheet(table));
                }
                names.push(name);
                let end = e.to_end().into_owned();
                xml.read_to_end_into(end.name(), &mut Vec::new())?;
            }
            Event::Eof => return Ok(Found::Names(names)),
            _ => {}
        }
    }
}

fn attr(e: &BytesStart<'_>, name: &str) -> std::result::Result<Option<String>, Stop> {
    Ok(match e.try_get_attribute(name)? {
        // Unescaped, not normalized (a string value keeps its line
        // breaks), as calamine reads it.
        Some(a) => Some(
            quick_xml::escape::unescape(&a.value)
                .map_err(|_| Stop::Unreadable)?
                .into_owned(),
        ),
        None => None,
    })
}

/// A repeat count (1 when not given).
fn repeats(e: &BytesStart<'_>, name: &str) -> std::result::Result<usize, Stop> {
    match attr(e, name)? {
        Some(v) => v.trim().parse().map_err(|_| Stop::Unreadable),
        None => Ok(1),
    }
}

/// The rows of one `table:table`, from its first row that holds
/// something; leading empty columns dropped as calamine drops them.
fn read_table(xml: &mut Xml<'_>) -> std::result::Result<Table, Stop> {
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut tally = Tally::default();
    // The sheet's row index of the next row, and of the first with data.
    let mut at = 0usize;
    let mut first: Option<usize> = None;
    let mut empty_run = 0usize;
    let mut min_col = usize::MAX;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf)? {
            Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                let times = repeats(&e, "table:number-rows-repeated")?;
                let (cells, lead) = read_row(xml, at + 1)?;
                if cells.is_empty() {
                    if first.is_some() {
                        empty_run = empty_run.saturating_add(times);
                    }
                    at = at.saturating_add(times);
                    continue;
                }
                let start = *first.get_or_insert(at);
                tally
                    .rows(at - start, cells.len(), times, at + 1)
                    .map_err(Stop::Over)?;
                min_col = min_col.min(lead);
                rows.extend(std::iter::repeat_n(Vec::new(), empty_run));
                empty_run = 0;
                rows.extend(std::iter::repeat_n(cells, times));
                super::progress::PROGRESS.read(times);
                at = at.saturating_add(times);
            }
            // Rows sit in these groups too: read into them.
            Event::Start(e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-header-rows" | "table:table-row-group" | "table:table-rows"
                ) => {}
            Event::Start(e) => {
                let end = e.to_end().into_owned();
                xml.read_to_end_into(end.name(), &mut Vec::new())?;
            }
            Event::End(e) if e.name().as_ref() == "table:table" => break,
            Event::Eof => return Err(Stop::Unreadable),
            _ => {}
        }
    }
    if min_col != usize::MAX && min_col > 0 {
        for r in &mut rows {
            r.drain(..min_col.min(r.len()));
        }
    }
    Ok(Table {
        source: String::new(),
        first_row: first.map_or(1, |f| f + 1),
        rows,
    })
}

/// One row's cells, to its last that holds something (empty when none),
/// and the column of its first that does.
fn read_row(xml: &mut Xml<'_>, row: usize) -> std::result::Result<(Vec<Cell>, usize), Stop> {
    let mut cells: Vec<Cell> = Vec::new();
    let mut col = 0usize;
    let mut lead = usize::MAX;
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf)? {
            Event::Start(e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                let times = repeats(&e, "table:number-columns-repeated")?;
                let e = e.into_owned();
                let cell = read_cell(xml, &e, row, col + 1)?;
                if cell.is_empty_value() {
                    col = col.saturating_add(times);
                    continue;
                }
                let end = col.saturating_add(times);
                if end > MAX_COLUMNS {
                    return Err(Stop::Over(Over::Columns(row)));
                }
                lead = lead.min(col);
                cells.resize(col, Cell::Text(String::new()));
                cells.extend(std::iter::repeat_n(cell, times));
                col = end;
            }
            Event::Start(e) => {
                let end = e.to_end().into_owned();
                xml.read_to_end_into(end.name(), &mut Vec::new())?;
            }
            Event::End(e) if e.name().as_ref() == "table:table-row" => break,
            Event::Eof => return Err(Stop::Unreadable),
            _ => {}
        }
    }
    Ok((cells, lead))
}

impl Cell {
    fn is_empty_value(&self) -> bool {
        matches!(self, Cell::Text(s) if s.is_empty())
    }
}

/// One cell, read to its end tag.
fn read_cell(
    xml: &mut Xml<'_>,
    e: &BytesStart<'_>,
    row: usize,
    col: usize,
) -> std::result::Result<Cell, Stop> {
    let kind = attr(e, "office:value-type")?.unwrap_or_default();
    let error = attr(e, "calcext:value-type")?.as_deref() == Some("error");
    let value = match kind.as_str() {
        "float" | "percentage" | "currency" => attr(e, "office:value")?
            .and_then(|v| v.trim().parse::<f64>().ok())
            .map(Cell::Number),
        "date" => attr(e, "office:date-value")?.map(Cell::Text),
        "time" => attr(e, "office:time-value")?.map(Cell::Text),
        "boolean" => attr(e, "office:boolean-value")?.map(|b| {
            Cell::Text(
                if b == "true" || b == "TRUE" {
                    "TRUE"
                } else {
                    "FALSE"
                }
                .into(),
            )
        }),
        "string" => attr(e, "office:string-value")?
            .filter(|s| !(error && s.is_empty()))
            .map(Cell::Text),
        _ => Some(Cell::Text(String::new())),
    };
    let end = e.to_end().into_owned();
    let cell = match value {
        Some(cell) => {
            if let Cell::Text(t) = &cell {
                Tally::cell(t, row, col)?;
            }
            xml.read_to_end_into(end.name(), &mut Vec::new())?;
            cell
        }
        None if kind == "string" || error => Cell::Text(read_text(xml, row, col)?),
        // A number cell without its number: read as empty.
        None => {
            xml.read_to_end_into(end.name(), &mut Vec::new())?;
            Cell::Text(String::new())
        }
    };
    // Text escaped against formulas (`'=x`) is read back (`csv_out`).
    Ok(match cell {
        Cell::Text(t) if kind == "string" && super::unescape(&t).len() != t.len() => {
            Cell::Text(super::unescape(&t).to_string())
        }
        other => other,
    })
}

/// A text cell's paragraphs, to the cell's end tag, refused as soon as it
/// is longer than a cell may be.
fn read_text(xml: &mut Xml<'_>, row: usize, col: usize) -> std::result::Result<String, Stop> {
    let mut s = String::new();
    let mut paragraphs = 0usize;
    let mut buf = Vec::new();
    let too_long = |s: &String, more: usize| s.len().saturating_add(more) > 4 * MAX_CELL_CHARS;
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf)? {
            Event::Text(t) => {
                let t = t.xml10_content();
                if too_long(&s, t.len()) {
                    return Err(Stop::Over(Over::Cell(row, col)));
                }
                s.push_str(&t);
            }
            Event::GeneralRef(r) => {
                if let Some(known) = quick_xml::escape::resolve_xml_entity(r.as_ref()) {
                    s.push_str(known);
                } else if let Some(c) = r.resolve_char_ref()? {
                    s.push(c);
                } else {
                    return Err(Stop::Unreadable);
                }
            }
            Event::Start(e) => match e.name().as_ref() {
                "text:p" => {
                    if paragraphs > 0 {
                        s.push('\n');
                    }
                    paragraphs += 1;
                }
                "text:s" => {
                    let n = repeats(&e, "text:c")?;
                    if too_long(&s, n) {
                        return Err(Stop::Over(Over::Cell(row, col)));
                    }
                    s.extend(std::iter::repeat_n(' ', n));
                }
                "text:tab" => s.push('\t'),
                "text:line-break" => s.push('\n'),
                "office:annotation" => {
                    let end = e.to_end().into_owned();
                    xml.read_to_end_into(end.name(), &mut Vec::new())?;
                }
                _ => {}
            },
            Event::End(e)
                if matches!(
                    e.name().as_ref(),
                    "table:table-cell" | "table:covered-table-cell"
                ) =>
            {
                break;
            }
            Event::Eof => return Err(Stop::Unreadable),
            _ => {}
        }
    }
    Tally::cell(&s, row, col)?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn ods_file(dir: &Path, tables: &str) -> std::path::PathBuf {
        let path = dir.join("t.ods");
        let mut out = zip::ZipWriter::new(std::fs::File::create(&path).expect("create"));
        out.start_file("content.xml", zip::write::SimpleFileOptions::default())
            .expect("start");
        write!(
            out,
            "<?xml version=\"1.0\"?><office:document-content><office:body><office:spreadsheet>\
             {tables}</office:spreadsheet></office:body></office:document-content>"
        )
        .expect("write");
        out.finish().expect("finish");
        path
    }

    fn texts(t: &Table) -> Vec<Vec<String>> {
        t.rows
            .iter()
            .map(|r| r.iter().map(|c| c.text().into_owned()).collect())
            .collect()
    }

    #[test]
    fn cells_read_as_calamine_read_them_and_repeats_only_where_data_follows() {
        let dir = tempfile::tempdir().expect("dir");
        let s = |t: &str| {
            format!(
                "<table:table-cell office:value-type=\"string\"><text:p>{t}</text:p></table:table-cell>"
            )
        };
        let path = ods_file(
            dir.path(),
            &format!(
                "<table:table table:name=\"Other\"><table:table-row>{}</table:table-row></table:table>\
                 <table:table table:name=\"Register\">\
                 <table:table-column table:number-columns-repeated=\"1024\"/>\
                 <table:table-row table:number-rows-repeated=\"2\"><table:table-cell table:number-columns-repeated=\"9\"/></table:table-row>\
                 <table:table-row><table:table-cell/>{}{}</table:table-row>\
                 <table:table-row table:number-rows-repeated=\"3\"><table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row>\
                 <table:table-row><table:table-cell/>\
                 <table:table-cell office:value-type=\"string\"><text:p>Ali<text:s text:c=\"2\"/>&amp; Sana</text:p><text:p>'=line</text:p></table:table-cell>\
                 <table:table-cell office:value-type=\"float\" office:value=\"12\"><text:p>12</text:p></table:table-cell>\
                 <table:table-cell office:value-type=\"date\" office:date-value=\"2025-04-23\"><text:p>23/04/25</text:p></table:table-cell>\
                 <table:table-cell office:value-type=\"boolean\" office:boolean-value=\"true\"><text:p>TRUE</text:p></table:table-cell>\
                 <table:table-cell office:value-type=\"string\"><text:p>'=x</text:p></table:table-cell>\
                 <table:table-cell table:number-columns-repeated=\"1000\"/></table:table-row>\
                 <table:table-row table:number-rows-repeated=\"1048570\"><table:table-cell table:number-columns-repeated=\"1024\"/></table:table-row>\
                 </table:table>",
                s("first"),
                s("Name"),
                s("Age")
            ),
        );
        let t = read(&path, Some("register")).expect("read");
        assert_eq!(t.source, "sheet 'Register'");
        assert_eq!(t.first_row, 3, "two empty rows above");
        assert_eq!(
            texts(&t),
            [
                vec!["Name", "Age"],
                vec![],
                vec![],
                vec![],
                vec!["Ali  & Sana\n'=line", "12", "2025-04-23", "TRUE", "=x"],
            ]
        );
        assert_eq!(t.rows[4][1], Cell::Number(12.0));
        // The first sheet by default; a sheet that is not there names those that are.
        assert_eq!(texts(&read(&path, None).expect("read")), [vec!["first"]]);
        let e = read(&path, Some("Missing")).expect_err("no such sheet");
        assert!(
            e.to_string().contains("its sheets are: Other, Register"),
            "{e}"
        );
    }
}
