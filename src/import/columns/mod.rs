//! Which column holds which field: matched from the header's spelling
//! (English and Urdu), or named in a mapping file (TOML) that overrides.
//!
//! The mapping file's shape (also in `casedesk import --help`):
//!
//! ```toml
//! [columns]            # field = "the header as written in the file"
//! name = "Child's full name"
//! father_name = "Walid"
//! remarks = ""         # "" leaves a field unmatched
//!
//! [defaults]           # the value for rows (or files) without one
//! programme = "cpc"
//! risk = "medium"
//!
//! [dates]
//! order = "dmy"        # or "mdy": how to read 03/04/2026
//! ```

mod fields;

pub use fields::{ACTIVITIES, ATTENDANCE, Field, PEOPLE, SERVICES};

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::Cell;
use super::dates::DayMonth;
use crate::{Error, Result};

/// A header as compared: lower case, letters and digits only, Arabic
/// letter forms folded to Urdu ones, so "Father's Name", "father name" and
/// "FATHER_NAME" are one spelling.
pub fn normalise(header: &str) -> String {
    header
        .chars()
        .filter_map(|c| match c {
            '\u{064A}' | '\u{0649}' => Some('\u{06CC}'), // ي ى → ی
            '\u{0643}' => Some('\u{06A9}'),              // ك → ک
            '\u{0647}' | '\u{0629}' | '\u{06C3}' => Some('\u{06C1}'), // ه ة ۃ → ہ
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// A mapping file as read (see the module's documentation).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
    #[serde(default)]
    pub defaults: BTreeMap<String, String>,
    #[serde(default)]
    pub dates: DateOptions,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateOptions {
    pub order: Option<DayMonth>,
}

impl MappingFile {
    pub fn parse(text: &str) -> Result<MappingFile> {
        toml::from_str(text).map_err(|e| {
            // toml's message quotes the line; a mapping file holds headers
            // and defaults, not people, so it may be shown.
            Error::invalid(format!(
                "the mapping file is not valid: {}",
                e.message().trim()
            ))
        })
    }

    pub fn load(path: &Path) -> Result<MappingFile> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        MappingFile::parse(&text)
    }

    /// Refuse keys that are not fields of this import (a typo would
    /// otherwise be silently ignored).
    pub fn check(&self, fields: &[Field], extra_defaults: &[&str]) -> Result<()> {
        for key in self.columns.keys() {
            if !fields.iter().any(|f| f.key == key) {
                return Err(unknown_key("[columns]", key, fields, &[]));
            }
        }
        for key in self.defaults.keys() {
            if !fields.iter().any(|f| f.key == key) && !extra_defaults.contains(&key.as_str()) {
                return Err(unknown_key("[defaults]", key, fields, extra_defaults));
            }
        }
        Ok(())
    }
}

fn unknown_key(table: &str, key: &str, fields: &[Field], extra: &[&str]) -> Error {
    let known: Vec<&str> = fields
        .iter()
        .map(|f| f.key)
        .chain(extra.iter().copied())
        .collect();
    Error::invalid(format!(
        "the mapping file's {table} names '{}', which is not a field here; use: {}",
        crate::safe_text::brief(key).escape_debug(),
        known.join(", ")
    ))
}

/// A spreadsheet's column letter: 0 → A, 26 → AA.
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// How a column came to be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    Header,
    MappingFile,
}

/// One column of the file and what it fills.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnUse {
    pub column: usize,
    pub header: String,
    /// The field's key, or None when the column is not used.
    pub field: Option<&'static str>,
    pub label: Option<&'static str>,
    pub matched_by: Option<MatchedBy>,
    /// For date columns: how day and month are read.
    pub note: Option<String>,
}

/// The columns matched to fields.
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub header_row: usize,
    pub columns: Vec<ColumnUse>,
}

impl Mapping {
    /// The column holding `key`, if any.
    pub fn column(&self, key: &str) -> Option<usize> {
        self.columns
            .iter()
            .find(|c| c.field == Some(key))
            .map(|c| c.column)
    }
}

/// The column a mapping file's header names: the exact header, else the
/// same spelling; refused when the file has no such column or two of them.
fn mapped_column(headers: &[String], header: &str, f: &Field, header_row: usize) -> Result<usize> {
    let exact: Vec<usize> = (0..headers.len())
        .filter(|&i| headers[i] == header)
        .collect();
    let found: Vec<usize> = if exact.is_empty() {
        (0..headers.len())
            .filter(|&i| normalise(&headers[i]) == normalise(header))
            .collect()
    } else {
        exact
    };
    match found.as_slice() {
        [i] => Ok(*i),
        [] => Err(Error::invalid(format!(
            "the mapping file puts {} in column '{}', but the header row (row {header_row}) has no such column",
            f.label,
            crate::safe_text::brief(header).escape_debug(),
        ))),
        many => Err(Error::invalid(format!(
            "the mapping file puts {} in column '{}', but the header row (row {header_row}) has {} columns headed so ({}); rename one of them in the file",
            f.label,
            crate::safe_text::brief(header).escape_debug(),
            many.len(),
            many.iter()
                .map(|&i| column_letter(i))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The field a header matches by spelling.
pub fn match_header(fields: &'static [Field], header: &str) -> Option<&'static Field> {
    let h = normalise(header);
    if h.is_empty() {
        return None;
    }
    fields
        .iter()
        .find(|f| f.spellings.iter().any(|s| normalise(s) == h))
}

/// How many fields a row's cells would fill, for finding the header row.
fn recognised(fields: &'static [Field], row: &[Cell], map: Option<&MappingFile>) -> usize {
    row.iter()
        .filter(|c| {
            let t = c.text();
            match_header(fields, &t).is_some()
                || map.is_some_and(|m| {
                    m.columns
                        .values()
                        .any(|h| !h.is_empty() && normalise(h) == normalise(&t))
                })
        })
        .count()
}

/// Find the header row (the first of the first ten rows that names the
/// most fields: a title line above the headers is skipped) and match each
/// of its columns. Returns the mapping and the index of the header row in
/// `rows`.
pub fn map_columns(
    fields: &'static [Field],
    rows: &[Vec<Cell>],
    first_row: usize,
    map: Option<&MappingFile>,
) -> Result<(Mapping, usize)> {
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in rows.iter().enumerate().take(10) {
        if row.iter().all(Cell::is_blank) {
            continue;
        }
        let n = recognised(fields, row, map);
        if best.is_none_or(|(_, b)| n > b) {
            best = Some((i, n));
        }
    }
    let Some((at, _)) = best else {
        return Err(Error::invalid("the file has no rows"));
    };
    let headers: Vec<String> = rows[at]
        .iter()
        .map(|c| c.text().trim().to_string())
        .collect();
    let mut columns: Vec<ColumnUse> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| ColumnUse {
            column: i,
            header: h.clone(),
            field: None,
            label: None,
            matched_by: None,
            note: None,
        })
        .collect();
    // Cells beyond the header row (a CSV row longer than its header) are
    // columns too: listed as not used, never dropped unsaid.
    let width = rows[at + 1..]
        .iter()
        .map(|r| r.iter().rposition(|c| !c.is_blank()).map_or(0, |i| i + 1))
        .max()
        .unwrap_or(0);
    for i in columns.len()..width {
        columns.push(ColumnUse {
            column: i,
            header: String::new(),
            field: None,
            label: None,
            matched_by: None,
            note: None,
        });
    }
    let holds_data = |i: usize| {
        rows[at + 1..]
            .iter()
            .any(|r| r.get(i).is_some_and(|c| !c.is_blank()))
    };
    for c in columns.iter_mut().filter(|c| c.header.is_empty()) {
        if holds_data(c.column) {
            c.note = Some("no header in the header row".into());
        }
    }
    // The mapping file first: it overrides whatever a header spells.
    let mut named: Vec<&'static str> = Vec::new();
    if let Some(m) = map {
        for (key, header) in &m.columns {
            let Some(f) = fields.iter().find(|f| f.key == key) else {
                continue;
            };
            named.push(f.key);
            if header.is_empty() {
                continue;
            }
            let i = mapped_column(&headers, header, f, first_row + at)?;
            if let Some(other) = columns[i].label {
                return Err(Error::invalid(format!(
                    "the mapping file puts both {other} and {} in column {} '{}'; one column fills one field",
                    f.label,
                    column_letter(i),
                    crate::safe_text::brief(header).escape_debug()
                )));
            }
            columns[i].field = Some(f.key);
            columns[i].label = Some(f.label);
            columns[i].matched_by = Some(MatchedBy::MappingFile);
        }
    }
    // Then the headers' spellings. Two columns spelling one field are
    // refused (a count column silently dropped is a number lost), unless
    // the mapping file said where that field comes from.
    let spells: Vec<Option<&'static Field>> = columns
        .iter()
        .map(|c| match c.field {
            None => match_header(fields, &c.header),
            Some(_) => None,
        })
        .collect();
    for f in fields {
        let spelled: Vec<usize> = (0..columns.len())
            .filter(|&i| spells[i] == Some(f))
            .collect();
        if named.contains(&f.key) {
            let from = columns
                .iter()
                .find(|c| c.field == Some(f.key))
                .map(|c| c.column);
            for i in spelled {
                columns[i].note = Some(match from {
                    Some(c) => format!(
                        "the mapping file takes {} from column {}",
                        f.label,
                        column_letter(c)
                    ),
                    None => format!("the mapping file leaves {} out", f.label),
                });
            }
            continue;
        }
        match spelled.as_slice() {
            [] => {}
            [i] => {
                columns[*i].field = Some(f.key);
                columns[*i].label = Some(f.label);
                columns[*i].matched_by = Some(MatchedBy::Header);
            }
            many => {
                // Escaped: a header is text from the file and goes to the terminal.
                let list: Vec<String> = many
                    .iter()
                    .map(|&i| {
                        format!(
                            "{} '{}'",
                            column_letter(i),
                            crate::safe_text::brief(&columns[i].header).escape_debug()
                        )
                    })
                    .collect();
                return Err(Error::invalid(format!(
                    "columns {} of row {} {} look like the {}, and only one can be used; say which in a mapping file: [columns] {} = \"{}\" (the other is then listed as not used), or give the other a field of its own (see casedesk import --help)",
                    list.join(" and "),
                    first_row + at,
                    if many.len() == 2 { "both" } else { "all" },
                    f.label.to_lowercase(),
                    f.key,
                    crate::safe_text::brief(&columns[many[many.len() - 1]].header).escape_debug()
                )));
            }
        }
    }
    Ok((
        Mapping {
            header_row: first_row + at,
            columns,
        },
        at,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cells: &[&str]) -> Vec<Cell> {
        cells.iter().map(|c| Cell::Text(c.to_string())).collect()
    }

    fn keys(m: &Mapping) -> Vec<Option<&'static str>> {
        m.columns.iter().map(|c| c.field).collect()
    }

    #[test]
    fn english_and_urdu_headers_match() {
        let rows = vec![row(&[
            "S.No",
            "Child's Name",
            "Father Name",
            "Age",
            "Sex",
            "D.O.B",
            "Date of Registration",
            "Area",
            "C.N.I.C",
            "Phone No.",
            "Remarks",
        ])];
        let (m, at) = map_columns(PEOPLE, &rows, 1, None).expect("map");
        assert_eq!(at, 0);
        assert_eq!(
            keys(&m),
            [
                None,
                Some("name"),
                Some("father_name"),
                Some("age"),
                Some("sex"),
                Some("birth_date"),
                Some("registered_on"),
                Some("area"),
                Some("cnic"),
                Some("phone"),
                None
            ]
        );
        let urdu = vec![row(&["نام", "ولدیت", "عمر", "جنس", "تاریخ اندراج", "علاقہ"])];
        let (m, _) = map_columns(PEOPLE, &urdu, 1, None).expect("map");
        assert_eq!(
            keys(&m),
            [
                Some("name"),
                Some("father_name"),
                Some("age"),
                Some("sex"),
                Some("registered_on"),
                Some("area")
            ]
        );
    }

    #[test]
    fn a_title_line_is_skipped_and_the_mapping_file_wins() {
        let rows = vec![
            row(&["CPC register 2025", "", ""]),
            row(&["Naam", "Name", "Walid"]),
            row(&["Ali", "x", "Khan"]),
        ];
        let map = MappingFile::parse(
            "[columns]\nname = \"Naam\"\nfather_name = \"walid\"\n[dates]\norder = \"dmy\"\n",
        )
        .expect("toml");
        let (m, at) = map_columns(PEOPLE, &rows, 1, Some(&map)).expect("map");
        assert_eq!(at, 1);
        assert_eq!(m.header_row, 2);
        assert_eq!(keys(&m), [Some("name"), None, Some("father_name")]);
        assert_eq!(map.dates.order, Some(DayMonth::Dmy));

        let missing = MappingFile::parse("[columns]\nname = \"Full name\"\n").expect("toml");
        let err = map_columns(PEOPLE, &rows, 1, Some(&missing)).unwrap_err();
        assert!(err.to_string().contains("no such column"), "{err}");
        let typo = MappingFile::parse("[columns]\nnmae = \"Naam\"\n").expect("toml");
        assert!(typo.check(PEOPLE, &[]).is_err());
        assert!(MappingFile::parse("[colums]\n").is_err());
    }

    #[test]
    fn two_columns_for_one_field_need_the_mapping_file_to_choose() {
        let rows = vec![
            row(&["Date", "Men", "M 18+", ""]),
            row(&["03/03/2025", "4", "15", "extra"]),
        ];
        let err = map_columns(ACTIVITIES, &rows, 1, None).unwrap_err();
        assert!(
            err.to_string()
                .contains("columns B 'Men' and C 'M 18+' of row 1 both look like the male 18+"),
            "{err}"
        );
        let pick = MappingFile::parse("[columns]\nmale_18plus = \"M 18+\"\n").expect("toml");
        let (m, _) = map_columns(ACTIVITIES, &rows, 1, Some(&pick)).expect("map");
        assert_eq!(keys(&m), [Some("on_date"), None, Some("male_18plus"), None]);
        assert_eq!(
            m.columns[1].note.as_deref(),
            Some("the mapping file takes Male 18+ from column C")
        );
        // The unheaded cell is a column too, said to have no header.
        assert_eq!(
            m.columns[3].note.as_deref(),
            Some("no header in the header row")
        );
        let one_for_two =
            MappingFile::parse("[columns]\nmale_18plus = \"Men\"\nmale_unknown = \"Men\"\n")
                .expect("toml");
        let err = map_columns(ACTIVITIES, &rows, 1, Some(&one_for_two)).unwrap_err();
        assert!(
            err.to_string().contains("one column fills one field"),
            "{err}"
        );
        let twice = vec![row(&["Name", "Name"]), row(&["Ali", "Umar"])];
        let named = MappingFile::parse("[columns]\nname = \"Name\"\n").expect("toml");
        let err = map_columns(PEOPLE, &twice, 1, Some(&named)).unwrap_err();
        assert!(
            err.to_string().contains("2 columns headed so (A, B)"),
            "{err}"
        );
    }
}
