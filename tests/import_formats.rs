//! `casedesk import people` from the older and the open workbook formats:
//! a real .xls (BIFF8, as Excel 97–2003 saves) and a real .ods (as
//! LibreOffice saves), both written by `tests/fixtures/make_import_fixtures.py`
//! and committed. Urdu headers are matched, Urdu names round-trip byte for
//! byte, a date cell and a date typed as text are both read, the title
//! line above the headers is skipped, and `--sheet` picks the second sheet.

mod office_support;

use std::path::{Path, PathBuf};

use office_support::{Office, failed, ok, s};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The fixture copied beside the office (the rejects file, if any, would
/// be written beside the input; the repository's copy stays untouched).
fn copy(o: &Office, name: &str) -> PathBuf {
    let bytes = std::fs::read(fixture(name)).expect("fixture (run make_import_fixtures.py)");
    o.file(name, &bytes)
}

fn urdu_register_round_trips(name: &str) {
    let o = Office::new();
    let file = copy(&o, name);
    let (out, _) = ok(&o.import(&[
        "people",
        "--from",
        s(&file),
        "--programme",
        "cpc",
        "--dry-run",
    ]));
    for want in [
        "sheet 'Register'; headers in row 2.",
        "نام -> Name (by its header)",
        "ولدیت -> Father's or husband's name (by its header)",
        "عمر -> Age (by its header)",
        "تاریخ اندراج -> Date of registration (by its header)",
        "2 rows read: 2 ready to save, 0 already there, 0 with problems.",
    ] {
        assert!(out.contains(want), "{name}: missing {want:?} in:\n{out}");
    }
    let (_, err) = ok(&o.import(&["people", "--from", s(&file), "--programme", "cpc"]));
    assert!(
        err.contains("Imported 2 people (CPC-2025-0001 to CPC-2025-0002)"),
        "{name}: {err}"
    );
    let rows = o.query(
        "SELECT name, father_name, sex, registered_on, area, age_estimated FROM persons ORDER BY id",
    );
    assert_eq!(
        rows,
        [
            ["محمد علی", "عبدالغفور", "male", "2025-03-12", "سریاب", "1"],
            [
                "زینب بی بی",
                "غلام رسول",
                "female",
                "2025-03-20",
                "کچلاک",
                "1"
            ],
        ],
        "{name}"
    );
    // Out again through the CLI's CSV, the same bytes.
    let (list, _) = ok(&o.run("manager", &["list", "children", "--format", "csv"]));
    for n in ["محمد علی", "زینب بی بی", "غلام رسول"] {
        assert!(list.contains(n), "{name}: {n} in {list}");
    }

    // The second sheet, by name: the women's desk.
    let (_, err) = ok(&o.import(&[
        "people",
        "--from",
        s(&file),
        "--sheet",
        "Women's desk",
        "--programme",
        "wd",
    ]));
    assert!(err.contains("Imported 1 person"), "{name}: {err}");
    assert_eq!(
        o.query("SELECT name, father_name, sex, registered_on FROM persons WHERE programme = 'wd'"),
        [["رخسانہ بی بی", "نور محمد", "female", "2025-04-02"]],
        "{name}"
    );

    // A sheet that is not there is named, with the ones that are.
    let (_, err) = failed(
        &o.import(&["people", "--from", s(&file), "--sheet", "Staff"]),
        1,
    );
    assert!(
        err.contains("no sheet named 'Staff'; its sheets are: Register, Women's desk"),
        "{name}: {err}"
    );
}

#[test]
fn an_xls_register_with_urdu_headers_and_names() {
    urdu_register_round_trips("register_urdu.xls");
}

#[test]
fn an_ods_register_with_urdu_headers_and_names() {
    urdu_register_round_trips("register_urdu.ods");
}
