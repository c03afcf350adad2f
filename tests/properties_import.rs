//! Hostile spreadsheets: CSV bytes of any content and encoding through the
//! import readers, column matching, dates and row rules; damaged workbooks
//! through calamine; any text as a mapping file. Nothing may panic, and
//! what the readers accept keeps its promises (dates read back, accepted
//! names hold no control characters). Case counts: `properties_support`.
//!
//! Run longer: `PROPTEST_CASES=100000 cargo test --release --test properties_import`.

mod common;
mod properties_support;

use casedesk::domain::dates::DateOrder;
use casedesk::import::columns::{
    ACTIVITIES, ATTENDANCE, MappingFile, PEOPLE, SERVICES, map_columns,
};
use casedesk::import::dates::{self, ColumnOrder, DayMonth, FileDates, OrderFrom};
use casedesk::import::preview::{ImportKind, ImportOptions};
use casedesk::import::{Cell, Table, read_csv, read_table};
use chrono::NaiveDate;
use properties_support::{config, hostile_text, stored_text};
use proptest::prelude::*;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
}

/// A cell's text as an office's sheet might hold it.
fn cell_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => stored_text(16),
        1 => "[0-9]{1,4}[/.-][0-9]{1,4}[/.-][0-9]{1,5}",
        1 => "[0-9]{5}",
        1 => "(M|F|male|female|cpc|wd|12|12 years|۱۲ سال|yes|no|P|A|L|E)",
        1 => "\"[^\"]{0,8}\"\"?",
        1 => "(CPC|WD)-202[0-9]-00[0-9]{2}",
    ]
}

/// Header cells: real spellings of every kind's fields, mixed with junk.
fn header_cell() -> impl Strategy<Value = String> {
    let mut names: Vec<String> = Vec::new();
    for fields in [PEOPLE, SERVICES, ATTENDANCE, ACTIVITIES] {
        for f in fields {
            names.push(f.key.to_string());
            names.extend(f.spellings.iter().take(2).map(|s| s.to_string()));
        }
    }
    prop_oneof![4 => prop::sample::select(names), 1 => stored_text(10)]
}

/// A sheet: a header row and some rows of cells.
fn sheet() -> impl Strategy<Value = Vec<Vec<String>>> {
    (
        prop::collection::vec(header_cell(), 0..14),
        prop::collection::vec(prop::collection::vec(cell_text(), 0..14), 0..6),
    )
        .prop_map(|(h, mut rows)| {
            rows.insert(0, h);
            rows
        })
}

/// A sheet written as CSV text with a delimiter and line ending.
fn csv_text(rows: &[Vec<String>], delimiter: char, crlf: bool) -> String {
    let end = if crlf { "\r\n" } else { "\n" };
    rows.iter()
        .map(|r| {
            r.iter()
                .map(|c| {
                    if c.contains([delimiter, '"', '\n', '\r']) {
                        format!("\"{}\"", c.replace('"', "\"\""))
                    } else {
                        c.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(&delimiter.to_string())
        })
        .collect::<Vec<_>>()
        .join(end)
}

/// CSV text as bytes in the encodings offices' programs save.
fn encoded(text: &str, how: u8) -> Vec<u8> {
    match how % 6 {
        0 => text.as_bytes().to_vec(),
        1 => [b"\xef\xbb\xbf".as_slice(), text.as_bytes()].concat(),
        2 => {
            let mut b = vec![0xff, 0xfe];
            b.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            b
        }
        3 => {
            let mut b = vec![0xfe, 0xff];
            b.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
            b
        }
        4 => encoding_rs::WINDOWS_1252.encode(text).0.into_owned(),
        _ => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
    }
}

fn csv_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => (sheet(), prop::sample::select(vec![',', ';', '\t', '|']), any::<bool>(), any::<u8>())
            .prop_map(|(rows, d, crlf, how)| encoded(&csv_text(&rows, d, crlf), how)),
        1 => prop::collection::vec(any::<u8>(), 0..400),
        1 => (sheet(), prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8))
            .prop_map(|(rows, flips)| {
                let mut b = csv_text(&rows, ',', false).into_bytes();
                for (at, byte) in flips {
                    if !b.is_empty() {
                        let i = at.index(b.len());
                        b[i] = byte;
                    }
                }
                b
            }),
    ]
}

fn table_of(rows: Vec<Vec<String>>) -> Table {
    Table {
        source: "test".into(),
        first_row: 1,
        rows: rows
            .into_iter()
            .map(|r| r.into_iter().map(Cell::Text).collect())
            .collect(),
    }
}

fn any_cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        3 => cell_text().prop_map(Cell::Text),
        1 => any::<f64>().prop_map(Cell::Number),
        1 => (-1.0e7f64..3.0e6).prop_map(|n| Cell::Number(n.trunc())),
        1 => (-300_000i32..300_000)
            .prop_filter_map("a day", |n| NaiveDate::from_num_days_from_ce_opt(n * 300))
            .prop_map(Cell::Date),
    ]
}

fn any_order() -> impl Strategy<Value = ColumnOrder> {
    prop::sample::select(vec![
        ColumnOrder::Given(DayMonth::Dmy),
        ColumnOrder::Given(DayMonth::Mdy),
        ColumnOrder::Settled(DayMonth::Dmy),
        ColumnOrder::Settled(DayMonth::Mdy),
        ColumnOrder::ForFile(DayMonth::Mdy),
        ColumnOrder::Office(DayMonth::Dmy),
        ColumnOrder::AgainstOffice {
            office: DayMonth::Dmy,
            proof: NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"),
        },
        ColumnOrder::Mixed,
        ColumnOrder::Open,
    ])
}

fn any_file_dates() -> impl Strategy<Value = FileDates> {
    (
        prop::sample::select(DateOrder::ALL.to_vec()),
        prop::sample::select(vec![
            OrderFrom::MappingFile,
            OrderFrom::ThisFile,
            OrderFrom::Office,
        ]),
    )
        .prop_map(|(order, from)| FileDates { order, from })
}

fn no_staff(_: &str) -> Option<i64> {
    Some(1)
}

proptest! {
    #![proptest_config(config(128))]

    #[test]
    fn any_csv_bytes_read_or_refuse_plainly(bytes in csv_bytes()) {
        match read_csv(&bytes) {
            Ok(table) => {
                let opts = ImportOptions::default();
                let _ = casedesk::import::people::parse_people(&mut table.clone(), &opts, today());
                let _ = casedesk::import::activities::parse_activities(
                    &table, &opts, today(), &no_staff,
                );
                for fields in [PEOPLE, SERVICES, ATTENDANCE, ACTIVITIES] {
                    let _ = map_columns(fields, &table.rows, table.first_row, None);
                }
            }
            // The message names a row, never the file's content.
            Err(e) => prop_assert!(!e.to_string().chars().any(char::is_control)),
        }
    }

    #[test]
    fn text_in_any_encoding_comes_back_as_written(
        cells in prop::collection::vec("[^\u{0}-\u{1f}\",\u{7f}-\u{9f}\u{feff}]{1,8}", 1..6),
        how in 0u8..4,
    ) {
        // One row of plain text: every encoding with a BOM gives it back.
        let line = cells.join(",");
        prop_assume!(!line.contains(';') && !line.contains('\t') && !line.contains('|'));
        prop_assume!(!line.starts_with(' ') && !line.ends_with(' '));
        let table = read_csv(&encoded(&format!("{line}\n"), how)).expect("readable");
        let row: Vec<String> = table.rows[0].iter().map(|c| c.text().into_owned()).collect();
        prop_assert_eq!(row, cells);
    }

    #[test]
    fn people_rows_accepted_hold_no_control_characters(rows in sheet()) {
        let table = table_of(rows);
        let opts = ImportOptions::default();
        if let Ok(parsed) = casedesk::import::people::parse_people(&mut table.clone(), &opts, today()) {
            for r in &parsed.valid {
                let p = &r.person;
                for t in [&p.name, &p.father_name, &p.area, &p.phone] {
                    prop_assert!(!t.chars().any(char::is_control), "{:?}", t);
                    prop_assert!(!t.chars().any(casedesk::domain::person::is_bidi_control));
                }
                prop_assert!(p.cnic.is_empty() || casedesk::domain::person::cnic_is_valid(&p.cnic));
            }
        }
    }

    #[test]
    fn any_date_cell_is_read_or_refused(cell in any_cell(), order in any_order(), file in any_file_dates()) {
        let _ = dates::read(&cell, order);
        let _ = dates::column_order(std::iter::once(&cell), file);
        if let Err(p) = dates::read(&cell, order) {
            let _ = p.message("Date", &cell.text(), order);
        }
        let _ = cell.text();
        let _ = cell.is_blank();
    }

    #[test]
    fn a_date_written_as_offices_write_it_reads_back(
        y in 1000i32..=9999,
        m in 1u32..=12,
        d in 1u32..=28,
        fmt in 0usize..5,
    ) {
        let day = NaiveDate::from_ymd_opt(y, m, d).expect("date");
        let (text, order) = match fmt {
            0 => (day.format("%Y-%m-%d").to_string(), ColumnOrder::Open),
            1 => (day.format("%d/%m/%Y").to_string(), ColumnOrder::Settled(DayMonth::Dmy)),
            2 => (day.format("%m/%d/%Y").to_string(), ColumnOrder::Given(DayMonth::Mdy)),
            3 => (day.format("%d %b %Y").to_string(), ColumnOrder::Mixed),
            _ => (day.format("%B %d, %Y").to_string(), ColumnOrder::Open),
        };
        prop_assert_eq!(dates::read(&Cell::Text(text.clone()), order), Ok(day), "{}", text);
        prop_assert_eq!(dates::read(&Cell::Date(day), order), Ok(day));
    }

    #[test]
    fn any_text_as_a_mapping_file_is_read_or_refused(text in prop_oneof![
        stored_text(60),
        "\\[(columns|defaults|dates)\\]\n[a-z_]{1,10} = \"[^\"\n]{0,10}\"\n",
        "\\[dates\\]\norder = \"(dmy|mdy|ymd|)\"\n",
    ]) {
        if let Ok(map) = MappingFile::parse(&text) {
            let _ = map.check(PEOPLE, &[]);
            let table = table_of(vec![vec!["name".into(), "age".into()], vec!["Ali".into(), "12".into()]]);
            let opts = ImportOptions { mapping: Some(map), ..ImportOptions::default() };
            let _ = casedesk::import::people::parse_people(&mut table.clone(), &opts, today());
            let _ = casedesk::import::activities::parse_activities(&table, &opts, today(), &no_staff);
        }
    }

    #[test]
    fn header_text_normalises_without_panic(h in hostile_text(30)) {
        let n = casedesk::import::columns::normalise(&h);
        prop_assert_eq!(casedesk::import::columns::normalise(&n), n.clone());
        let _ = casedesk::import::columns::match_header(PEOPLE, &h);
        let _ = casedesk::import::activities::parse_kind(&h);
        let _ = casedesk::import::people::parse_programme(&h);
    }
}

proptest! {
    // Each case writes a file and opens it with calamine: fewer cases.
    #![proptest_config(config(24))]

    #[test]
    fn damaged_workbooks_are_refused_plainly(
        which in 0usize..3,
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        cut in any::<prop::sample::Index>(),
        shorten in any::<bool>(),
    ) {
        let (name, mut bytes) = workbooks()[which].clone();
        for (at, b) in flips {
            let i = at.index(bytes.len());
            bytes[i] = b;
        }
        if shorten {
            bytes.truncate(cut.index(bytes.len()));
        }
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).expect("write");
        if let Ok(table) = read_table(&path, None) {
            let _ = casedesk::import::people::parse_people(&mut table.clone(), &ImportOptions::default(), today());
        }
        let _ = read_table(&path, Some("\u{1b}]0;x\u{7}"));
    }
}

/// Every kind of import previews any CSV through a logged-in office (one
/// demo office for all cases: previews save nothing).
#[test]
fn every_kind_of_import_previews_any_csv() {
    let o = common::Office::demo(10);
    let session = o.login("manager", "demo");
    let class_id = session
        .classes()
        .expect("classes")
        .first()
        .expect("a class")
        .id;
    let path = o.dir.path().join("sheet.csv");
    let mut runner = proptest::test_runner::TestRunner::new(config(24));
    runner
        .run(&(csv_bytes(), any::<bool>()), |(bytes, extra)| {
            std::fs::write(&path, &bytes).expect("write");
            for kind in [
                ImportKind::People,
                ImportKind::Services,
                ImportKind::Attendance { class_id, extra },
                ImportKind::Activities,
            ] {
                for skip_invalid in [false, true] {
                    let opts = ImportOptions {
                        skip_invalid,
                        ..ImportOptions::default()
                    };
                    if let Err(e) = session.preview_import(kind, &path, &opts) {
                        prop_assert!(!e.to_string().contains('\u{1b}'), "{:?}", e.to_string());
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

/// Found by `damaged_workbooks_are_refused_plainly`: calamine 0.38
/// panicked (cfb.rs, a slice past its buffer) on the .xls fixture cut
/// short; now a plain "cannot be read as a workbook".
#[test]
fn regression_cut_short_xls_is_refused() {
    let (_, bytes) = &workbooks()[2];
    let dir = tempfile::tempdir().expect("dir");
    let mut refused = 0;
    for keep in (512..bytes.len()).step_by(512) {
        let path = dir.path().join(format!("cut{keep}.xls"));
        std::fs::write(&path, &bytes[..keep]).expect("write");
        refused += usize::from(read_table(&path, None).is_err());
    }
    assert!(refused > 0);
}

/// An .xlsx written for the test and the .ods/.xls fixtures.
fn workbooks() -> &'static [(&'static str, Vec<u8>)] {
    static BOOKS: std::sync::OnceLock<Vec<(&'static str, Vec<u8>)>> = std::sync::OnceLock::new();
    BOOKS.get_or_init(|| {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["name", "father name", "sex", "age", "date of intake"]
            .iter()
            .enumerate()
        {
            sheet.write_string(0, c as u16, *h).expect("cell");
        }
        sheet.write_string(1, 0, "زینب").expect("cell");
        sheet.write_string(1, 2, "F").expect("cell");
        sheet.write_number(1, 3, 12.0).expect("cell");
        sheet.write_number(1, 4, 46_000.0).expect("cell");
        vec![
            ("book.xlsx", book.save_to_buffer().expect("xlsx")),
            (
                "book.ods",
                std::fs::read(fixtures.join("register_urdu.ods")).expect("ods"),
            ),
            (
                "book.xls",
                std::fs::read(fixtures.join("register_urdu.xls")).expect("xls"),
            ),
        ]
    })
}
