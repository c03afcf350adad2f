//! `casedesk import`: the office's existing spreadsheets, on real office
//! files with real files the tests write (CSV in UTF-8, UTF-8 with a BOM,
//! UTF-16 LE with tabs, semicolons; an .xlsx from rust_xlsxwriter), through
//! the real binary and the office layer: the column mapping, each kind of
//! bad row, the dry run, all or nothing, the rejects file, duplicates and
//! re-import, Urdu round trips, ambiguous dates, roles, attendance and
//! services.

use std::path::{Path, PathBuf};

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};

use casedesk::domain::classes::{ClassKind, Mark, MarkChange, NewClass};
use casedesk::domain::person::{NewPerson, PersonId, estimated_birth_date};
use casedesk::domain::{Centre, Concern, Programme, ReferralSource, RiskLevel, Sex};
use casedesk::office::import::{DuplicateOf, ImportKind, ImportOptions};

mod office_support;
use office_support::{Office, failed, ok, s};

const GOOD: &str = "Child Name,Father Name,Age,Sex,Date of Registration,Area,CNIC,Programme\n\
Ali Raza,Akbar Khan,12,M,23/04/2025,Sariab,1234512345671,CPC\n\
Sana Bibi,Gul Khan,9,F,05/06/2025,Satellite Town,,CPC\n\
Bilal Ahmed,Noor Ahmed,15,Male,2025-07-01,Kuchlak,54321-7654321-9,cpc\n";

#[test]
fn utf8_csv_is_mapped_imported_audited_and_a_second_import_adds_nothing() {
    let o = Office::new();
    let file = o.file("register.csv", GOOD.as_bytes());
    let (out, _) = ok(&o.import(&["people", "--from", s(&file), "--dry-run"]));
    // The mapping, by header; the date order settled by 23/04/2025.
    for want in [
        "A   Child Name -> Name (by its header)",
        "B   Father Name -> Father's or husband's name (by its header)",
        "C   Age -> Age (by its header)",
        "E   Date of Registration -> Date of registration (by its header); day first",
        "G   CNIC -> CNIC / B-form (by its header)",
        "Risk level: medium (default)",
        "First rows as they will be saved:",
        "12345-1234567-1",
        "3 rows read: 3 ready to save, 0 already there, 0 with problems.",
        "Dry run: nothing was saved.",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    assert_eq!(o.persons(), 0, "a dry run saves nothing");

    let (_, err) = ok(&o.import(&["people", "--from", s(&file)]));
    assert!(
        err.contains("Imported 3 people (CPC-2025-0001 to CPC-2025-0003) from 3 rows"),
        "{err}"
    );
    let rows = o.query(
        "SELECT name, father_name, sex, birth_date, age_estimated, registered_on, area, cnic, programme
         FROM persons ORDER BY id",
    );
    assert_eq!(
        rows[0],
        [
            "Ali Raza",
            "Akbar Khan",
            "male",
            "2013-04-23",
            "1",
            "2025-04-23",
            "Sariab",
            "12345-1234567-1",
            "cpc"
        ]
    );
    assert_eq!(rows[1][5], "2025-06-05", "day first, as the column settled");
    assert_eq!(rows[2][5], "2025-07-01");
    // The register's search finds them: the search keys came with the insert.
    let s_ = o.login("manager");
    let page = s_
        .search_register(
            &casedesk::office::casework::RegisterQuery {
                text: "satellite".into(),
                ..Default::default()
            },
            casedesk::clock::today(),
        )
        .expect("search");
    assert_eq!(page.rows.len(), 1);

    // Again: everyone is there already; nothing is added.
    let (out, err) = ok(&o.import(&["people", "--from", s(&file)]));
    assert_eq!(o.persons(), 3);
    assert!(
        err.contains("Imported 0 people from 3 rows; 3 left out"),
        "{err}"
    );
    assert!(
        out.contains("row 2: likely the same person as CPC-2025-0001, already in the office"),
        "{out}"
    );

    // One audit entry per import, counts only.
    let audit = o.query("SELECT detail FROM audit WHERE action = 'import.people' ORDER BY seq");
    assert_eq!(audit.len(), 2);
    assert_eq!(
        audit[0][0],
        "3 rows; 3 added; 0 already there; 0 unchanged; 0 rejected"
    );
    let everything = o.query("SELECT group_concat(detail || ' ' || target, ' ') FROM audit");
    assert!(!everything[0][0].contains("Ali"), "no names in the audit");
}

#[test]
fn urdu_headers_and_names_round_trip_from_utf8_with_bom() {
    let o = Office::new();
    let csv = "نام,ولدیت,عمر,جنس,تاریخ اندراج,علاقہ\n\
               محمد علی,عبدالغفور,11,لڑکا,12/03/2025,سریاب\n\
               زینب بی بی,غلام رسول,8,لڑکی,20/03/2025,کچلاک\n";
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(csv.as_bytes());
    let file = o.file("urdu.csv", &bytes);
    let (out, _) = ok(&o.import(&[
        "people",
        "--from",
        s(&file),
        "--programme",
        "cpc",
        "--dry-run",
    ]));
    assert!(out.contains("نام -> Name (by its header)"), "{out}");
    assert!(out.contains("ولدیت -> Father's or husband's name"), "{out}");
    assert!(out.contains("CSV (UTF-8"), "{out}");
    ok(&o.import(&["people", "--from", s(&file), "--programme", "cpc"]));
    let (list, _) = ok(&o.run("manager", &["list", "children", "--format", "csv"]));
    let mut lines = list.lines().skip(1);
    let first: Vec<&str> = lines.next().expect("row").split(',').collect();
    assert_eq!(&first[1..4], ["محمد علی", "عبدالغفور", "male"]);
    let second: Vec<&str> = lines.next().expect("row").split(',').collect();
    assert_eq!(&second[1..4], ["زینب بی بی", "غلام رسول", "female"]);
    // The same bytes as in the file.
    assert!(
        list.as_bytes()
            .windows("زینب بی بی".len())
            .any(|w| w == "زینب بی بی".as_bytes())
    );

    // Nothing of the file is left in plaintext anywhere but the input: not
    // in the log, not in a temporary copy.
    for entry in walk(o.dir.path()) {
        if entry == file {
            continue;
        }
        let data = std::fs::read(&entry).expect("read");
        for name in ["زینب", "عبدالغفور", "سریاب"] {
            assert!(
                !data.windows(name.len()).any(|w| w == name.as_bytes()),
                "{} holds a name in plaintext",
                entry.display()
            );
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn utf16_le_tab_separated_as_excel_unicode_text_writes_it() {
    let o = Office::new();
    let tsv = "Name\tFather/Husband Name\tDate of Birth\tGender\tDate of Registration\tProgramme\r\n\
               Rukhsana\tAbdul Karim\t1990-02-14\tFemale\t14 Jan 2025\tWomen's Desk\r\n\
               Shazia\tPervez\t02/11/1988\tF\t15 Jan 2025\twd\r\n";
    let mut bytes = vec![0xFF, 0xFE];
    for u in tsv.encode_utf16() {
        bytes.extend_from_slice(&u.to_le_bytes());
    }
    let file = o.file("women.txt", &bytes);
    let (out, _) = ok(&o.import(&[
        "people",
        "--from",
        s(&file),
        "--dry-run",
        "--map",
        s(&o.file("m.toml", b"[defaults]\nconcerns = \"domestic_violence\"\n")),
    ]));
    assert!(out.contains("UTF-16LE, separated by tabs"), "{out}");
    // 02/11/1988 alone cannot say which comes first: read in the office's
    // date order (day first), with no mapping file's [dates] needed.
    assert!(
        out.contains(
            "Date of birth (by its header); day first (23/11/2026), the office's date order"
        ),
        "{out}"
    );
    assert!(out.contains("0 with problems"), "{out}");
    let map = o.file("m2.toml", b"[defaults]\nconcerns = \"domestic_violence\"\n");
    ok(&o.import(&["people", "--from", s(&file), "--map", s(&map)]));
    let rows = o.query("SELECT name, birth_date, age_estimated, registered_on, programme, sex FROM persons ORDER BY id");
    assert_eq!(
        rows[0],
        ["Rukhsana", "1990-02-14", "0", "2025-01-14", "wd", "female"]
    );
    assert_eq!(
        rows[1],
        ["Shazia", "1988-11-02", "0", "2025-01-15", "wd", "female"]
    );
    let concerns = o.query("SELECT concern FROM person_concerns ORDER BY person_id");
    assert_eq!(concerns, [["domestic_violence"], ["domestic_violence"]]);
}

#[test]
fn semicolons_named_months_and_a_title_line() {
    let o = Office::new();
    let csv = "CPC register, Quetta;;;;\n\
               Name;Father Name;Age;Sex;Registered on\n\
               \"Khan; Imran\";Zahid;13;M;3 Feb 2025\n\
               Asif;Rahim;10;M;Mar 4, 2025\n";
    let file = o.file("semi.csv", csv.as_bytes());
    let (out, _) = ok(&o.import(&[
        "people",
        "--from",
        s(&file),
        "--programme",
        "cpc",
        "--dry-run",
    ]));
    assert!(
        out.contains("separated by semicolons); headers in row 2"),
        "{out}"
    );
    ok(&o.import(&["people", "--from", s(&file), "--programme", "cpc"]));
    let rows = o.query("SELECT name, registered_on FROM persons ORDER BY id");
    assert_eq!(
        rows,
        [["Khan; Imran", "2025-02-03"], ["Asif", "2025-03-04"]]
    );
}

#[test]
fn an_xlsx_with_date_cells_serial_numbers_and_a_chosen_sheet() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let o = Office::new();
    let path = o.dir.path().join("register.xlsx");
    let mut book = Workbook::new();
    book.add_worksheet()
        .set_name("Notes")
        .expect("name")
        .write_string(0, 0, "not this sheet")
        .expect("write");
    let sheet = book
        .add_worksheet()
        .set_name("Register 2025")
        .expect("name");
    let date = Format::new().set_num_format("dd/mm/yyyy");
    for (c, h) in [
        "S.No",
        "Child Name",
        "Father Name",
        "DOB",
        "Sex",
        "Date of Registration",
        "CNIC",
        "Phone",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    let serial = |d: NaiveDate| {
        (d - NaiveDate::from_ymd_opt(1899, 12, 30).expect("epoch")).num_days() as f64
    };
    let rows: [(&str, &str, NaiveDate, &str, NaiveDate, f64, f64); 2] = [
        (
            "Hamza",
            "Yousaf",
            NaiveDate::from_ymd_opt(2014, 5, 6).expect("d"),
            "M",
            NaiveDate::from_ymd_opt(2025, 9, 1).expect("d"),
            5440112345671.0,
            3001234567.0,
        ),
        (
            "نادیہ",
            "رحیم",
            NaiveDate::from_ymd_opt(2012, 12, 25).expect("d"),
            "F",
            NaiveDate::from_ymd_opt(2025, 9, 2).expect("d"),
            5440112345672.0,
            3007654321.0,
        ),
    ];
    for (i, (name, father, dob, sex, reg, cnic, phone)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_number(r, 0, f64::from(r)).expect("n");
        sheet.write_string(r, 1, *name).expect("name");
        sheet.write_string(r, 2, *father).expect("father");
        // A date of birth typed as a plain serial number (no date format).
        sheet.write_number(r, 3, serial(*dob)).expect("dob");
        sheet.write_string(r, 4, *sex).expect("sex");
        let dt = ExcelDateTime::from_ymd(reg.year() as u16, reg.month() as u8, reg.day() as u8)
            .expect("dt");
        sheet
            .write_datetime_with_format(r, 5, &dt, &date)
            .expect("reg");
        sheet.write_number(r, 6, *cnic).expect("cnic");
        sheet.write_number(r, 7, *phone).expect("phone");
    }
    book.save(&path).expect("save");

    // The first sheet has no name column: a plain error, nothing saved.
    let (_, err) = failed(
        &o.import(&["people", "--from", s(&path), "--programme", "cpc"]),
        1,
    );
    assert!(
        err.contains("no column of row 1 looks like the name"),
        "{err}"
    );
    let (_, err) = failed(
        &o.import(&[
            "people",
            "--from",
            s(&path),
            "--sheet",
            "Nope",
            "--programme",
            "cpc",
        ]),
        1,
    );
    assert!(
        err.contains("its sheets are: Notes, Register 2025"),
        "{err}"
    );

    let args = [
        "people",
        "--from",
        s(&path),
        "--sheet",
        "Register 2025",
        "--programme",
        "cpc",
    ];
    let mut dry = args.to_vec();
    dry.push("--dry-run");
    let (out, _) = ok(&o.import(&dry));
    assert!(out.contains("sheet 'Register 2025'"), "{out}");
    assert!(out.contains("A   S.No -> not used"), "{out}");
    ok(&o.import(&args));
    let got = o.query("SELECT name, father_name, birth_date, age_estimated, registered_on, cnic, phone FROM persons ORDER BY id");
    assert_eq!(
        got,
        [
            [
                "Hamza",
                "Yousaf",
                "2014-05-06",
                "0",
                "2025-09-01",
                "54401-1234567-1",
                "3001234567"
            ],
            [
                "نادیہ",
                "رحیم",
                "2012-12-25",
                "0",
                "2025-09-02",
                "54401-1234567-2",
                "3007654321"
            ],
        ]
    );
}

/// One good row and one row of each kind of problem.
const BAD: &str = "Name,Father Name,Age,DOB,Sex,Date of Registration,CNIC,Programme\n\
Good Child,Good Father,10,,M,01/02/2025,,CPC\n\
Unknown Prog,Father,10,,M,01/02/2025,,CPS\n\
Bad Date,Father,10,,M,31/02/2025,,CPC\n\
Too Old,Father,45,,M,01/02/2025,,CPC\n\
Bad Cnic,Father,10,,M,01/02/2025,1234-5678,CPC\n\
,No Name Father,10,,M,01/02/2025,,CPC\n\
Bad Birth,Father,,30/02/2015,M,01/02/2025,,CPC\n";

#[test]
fn each_kind_of_bad_row_is_reported_and_one_bad_row_saves_nothing() {
    let o = Office::new();
    let file = o.file("bad.csv", BAD.as_bytes());
    // The dry run shows every problem, and exits 1: the real run refuses.
    let (out, _) = failed(&o.import(&["people", "--from", s(&file), "--dry-run"]), 1);
    for want in [
        "row 3: Programme: 'CPS' is not a programme",
        "row 4: Date of registration: there is no such date as 31/02/2025",
        "row 5: Age must be 4 to 20 for the CPC",
        "row 6: CNIC / B-form must look like 12345-1234567-1",
        "row 7: Name is required",
        "row 8: Date of birth: there is no such date as 30/02/2015",
        "Problems in 6 rows:",
        "7 rows read: 1 ready to save, 0 already there, 6 with problems.",
    ] {
        assert!(out.contains(want), "missing {want:?} in:\n{out}");
    }
    assert!(!out.contains("row 2:"), "{out}");
    assert_eq!(o.persons(), 0);

    // Without --skip-invalid: nothing at all, one error line, exit 1.
    let (out, err) = failed(&o.import(&["people", "--from", s(&file)]), 1);
    assert!(
        err.contains("6 of 7 rows have problems; nothing was saved"),
        "{err}"
    );
    assert!(out.contains("row 5: Age must be 4 to 20"), "{out}");
    assert_eq!(o.persons(), 0);
    assert!(!file.with_file_name("bad.csv.rejects.csv").exists());

    // All or nothing holds for a single bad row among good ones too.
    let one_bad = format!("{GOOD}Late Entry,Father,12,M,01/01/2099,Sariab,,CPC\n");
    let file2 = o.file("one_bad.csv", one_bad.as_bytes());
    let (out, _) = failed(&o.import(&["people", "--from", s(&file2)]), 1);
    assert!(out.contains("row 5: Intake date is in the future"), "{out}");
    assert_eq!(o.persons(), 0);
    assert_eq!(
        o.count("SELECT count(*) FROM audit WHERE action LIKE 'import.%'"),
        0
    );
}

#[test]
fn skip_invalid_saves_the_rest_and_writes_the_rejects_beside_the_input() {
    let o = Office::new();
    let file = o.file("bad.csv", BAD.as_bytes());
    let (_, err) = ok(&o.import(&["people", "--from", s(&file), "--skip-invalid"]));
    let rejects = o.dir.path().join("bad.csv.rejects.csv");
    assert!(
        err.contains("Imported 1 person (CPC-2025-0001) from 7 rows"),
        "{err}"
    );
    assert!(err.contains("6 rows with problems written to"), "{err}");
    assert_eq!(o.query("SELECT name FROM persons"), [["Good Child"]]);

    let bytes = std::fs::read(&rejects).expect("rejects");
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let mut r = csv::Reader::from_reader(&bytes[3..]);
    let header: Vec<String> = r.headers().expect("h").iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "Name",
            "Father Name",
            "Age",
            "DOB",
            "Sex",
            "Date of Registration",
            "CNIC",
            "Programme",
            "reason"
        ]
    );
    let recs: Vec<Vec<String>> = r
        .records()
        .map(|x| x.expect("rec").iter().map(String::from).collect())
        .collect();
    assert_eq!(recs.len(), 6);
    assert_eq!(
        &recs[0][..8],
        [
            "Unknown Prog",
            "Father",
            "10",
            "",
            "M",
            "01/02/2025",
            "",
            "CPS"
        ]
    );
    assert!(recs[0][8].contains("is not a programme"), "{:?}", recs[0]);
    assert_eq!(recs[3][6], "1234-5678");
    assert!(recs[3][8].contains("CNIC"), "{:?}", recs[3]);
    assert_eq!(recs[4][0], "");
    assert_eq!(recs[4][8], "Name is required");

    // An existing rejects file is never overwritten: refused, nothing saved.
    let before = std::fs::read(&rejects).expect("read");
    let (_, err) = failed(
        &o.import(&["people", "--from", s(&file), "--skip-invalid"]),
        1,
    );
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&rejects).expect("read"), before);
    assert_eq!(o.persons(), 1);
    assert_eq!(
        o.count("SELECT count(*) FROM audit WHERE action = 'import.people'"),
        1
    );
    let detail = o.query("SELECT detail FROM audit WHERE action = 'import.people'");
    assert_eq!(
        detail[0][0],
        "7 rows; 1 added; 0 already there; 0 unchanged; 6 rejected"
    );
}

#[test]
fn a_mapping_file_overrides_headers_and_sets_defaults() {
    let o = Office::new();
    let csv = "Naam,Walid,Umar,Jins,Name\nAmina,Qadir,9,girl,ignore me\n";
    let file = o.file("odd.csv", csv.as_bytes());
    let map = o.file(
        "map.toml",
        "[columns]\nname = \"Naam\"\nfather_name = \"Walid\"\nage = \"Umar\"\nsex = \"Jins\"\n\
         [defaults]\nprogramme = \"cpc\"\nrisk = \"high\"\nconcerns = \"street_working, at_risk\"\nregistered_on = \"2025-10-01\"\n"
            .as_bytes(),
    );
    let (out, _) = ok(&o.import(&["people", "--from", s(&file), "--map", s(&map), "--dry-run"]));
    assert!(
        out.contains("A   Naam -> Name (from the mapping file)"),
        "{out}"
    );
    assert!(out.contains("E   Name -> not used"), "{out}");
    assert!(
        out.contains("Risk level: high (from the mapping file)"),
        "{out}"
    );
    ok(&o.import(&["people", "--from", s(&file), "--map", s(&map)]));
    let rows = o.query("SELECT name, father_name, sex, risk, registered_on FROM persons");
    assert_eq!(rows, [["Amina", "Qadir", "female", "high", "2025-10-01"]]);
    let concerns = o.query("SELECT concern FROM person_concerns ORDER BY concern");
    assert_eq!(concerns, [["at_risk"], ["street_working"]]);

    // A typo in the mapping file is an error, not silently ignored.
    let typo = o.file("typo.toml", b"[columns]\nnmae = \"Naam\"\n");
    let (_, err) = failed(
        &o.import(&["people", "--from", s(&file), "--map", s(&typo)]),
        1,
    );
    assert!(err.contains("'nmae', which is not a field"), "{err}");
}

#[test]
fn ambiguous_dates_are_reported_never_guessed() {
    // A year-first office: 03/04/2025 is read in no order unless a row of
    // its column settles it (tests/office_dates.rs: day first, the default).
    let o = Office::new();
    o.login("manager")
        .set_date_order(casedesk::domain::dates::DateOrder::Ymd)
        .expect("set the order");
    let csv = "Name,Father Name,Age,Sex,Date of Registration\n\
               Ali,Akbar,12,M,03/04/2025\n\
               Umar,Akbar,8,M,05/06/2025\n\
               Sami,Akbar,9,M,07/07/2025\n";
    let file = o.file("amb.csv", csv.as_bytes());
    let (out, _) = failed(
        &o.import(&["people", "--from", s(&file), "--programme", "cpc"]),
        1,
    );
    assert!(
        out.contains("row 2: Date of registration: 03/04/2025 could be 3 April 2025 or 4 March 2025; no date in the column has a day above 12"),
        "{out}"
    );
    assert!(
        out.contains("row 3: Date of registration: 05/06/2025 could be"),
        "{out}"
    );
    assert!(
        !out.contains("row 4:"),
        "07/07 reads the same both ways: {out}"
    );
    assert_eq!(o.persons(), 0);

    // One row with a day above 12 settles the whole column.
    let settled = format!("{csv}Zaid,Akbar,10,M,25/06/2025\n");
    let file = o.file("settled.csv", settled.as_bytes());
    ok(&o.import(&["people", "--from", s(&file), "--programme", "cpc"]));
    // (Registered in date order: ids and case numbers follow the dates.)
    let rows = o.query("SELECT registered_on FROM persons ORDER BY id");
    assert_eq!(
        rows,
        [
            ["2025-04-03"],
            ["2025-06-05"],
            ["2025-06-25"],
            ["2025-07-07"]
        ]
    );
}

#[test]
fn only_a_manager_may_import() {
    let o = Office::new();
    let file = o.file("register.csv", GOOD.as_bytes());
    let (_, err) = failed(
        &o.run("staff", &["import", "people", "--from", s(&file)]),
        3,
    );
    assert!(err.contains("only a manager may import"), "{err}");
    let (_, _) = failed(
        &o.run(
            "staff",
            &["import", "people", "--from", s(&file), "--dry-run"],
        ),
        3,
    );
    assert_eq!(o.persons(), 0);
    // The office layer refuses too.
    let staff = o.login("staff");
    assert!(matches!(
        staff.preview_import(ImportKind::People, &file, &ImportOptions::default()),
        Err(casedesk::Error::NotAllowed(_))
    ));
}

fn child(name: &str, father: &str, age: u32, registered_on: NaiveDate) -> NewPerson {
    NewPerson {
        programme: Programme::Cpc,
        name: name.into(),
        father_name: father.into(),
        alias: String::new(),
        sex: Sex::Male,
        birth_date: Some(estimated_birth_date(age, registered_on)),
        age_estimated: true,
        cnic: String::new(),
        phone: String::new(),
        area: "Sariab".into(),
        address: String::new(),
        guardian_name: String::new(),
        guardian_relation: String::new(),
        school_status: String::new(),
        work_status: String::new(),
        referral_source: ReferralSource::OutreachSpot,
        referral_detail: String::new(),
        concerns: vec![Concern::AtRisk],
        consent_by: String::new(),
        consent_date: None,
        consent_services: false,
        consent_sharing: false,
        risk: RiskLevel::Medium,
        risk_reason: String::new(),
        worker_id: None,
        centre: Centre::Cpc,
        registered_on,
    }
}

#[test]
fn the_two_step_office_api_reports_duplicates_in_the_office_and_in_the_file() {
    let o = Office::new();
    let mut m = o.login("manager");
    let reg = NaiveDate::from_ymd_opt(2025, 3, 1).expect("d");
    let (_, existing) = m
        .register_person(&child("Muhammad Ali", "Akbar Khan", 12, reg))
        .expect("register");
    let csv = "Name,Father Name,Age,Sex,Date of Registration\n\
               Mohammad Ali,Akbar Khan,13,M,2025-05-01\n\
               Sara,Javed,9,F,2025-05-01\n\
               Sara,Javed,9,F,2025-05-02\n";
    let file = o.file("dups.csv", csv.as_bytes());
    let opts = ImportOptions {
        programme: Some(Programme::Cpc),
        ..Default::default()
    };
    let preview = m
        .preview_import(ImportKind::People, &file, &opts)
        .expect("preview");
    assert_eq!(
        (preview.rows, preview.ready_rows, preview.invalid_rows),
        (3, 1, 0)
    );
    assert_eq!(preview.duplicates.len(), 2);
    assert_eq!(preview.duplicates[0].row, 2);
    assert!(matches!(
        &preview.duplicates[0].of,
        DuplicateOf::Existing { case_number, .. } if *case_number == existing
    ));
    assert_eq!(preview.duplicates[1].row, 4);
    assert_eq!(preview.duplicates[1].of, DuplicateOf::Row(3));
    assert_eq!(preview.sample.len(), 1);
    assert_eq!(preview.sample[0][2], "Sara");
    let audit_before = o.count("SELECT count(*) FROM audit");
    assert_eq!(o.persons(), 1, "a preview saves nothing");

    // Someone registers Sara at the intake desk between preview and import:
    // the import's own check, inside its transaction, leaves her out.
    let mut staff = o.login("staff");
    staff
        .register_person(&child("Sara", "Javed", 9, reg))
        .expect("register");
    let summary = m.import(&preview).expect("import");
    assert_eq!((summary.added, summary.duplicates), (0, 3));
    assert_eq!(o.persons(), 2);
    // The staff login and the import: one entry each (plus the login).
    assert_eq!(
        o.count("SELECT count(*) FROM audit WHERE action = 'import.people'"),
        1
    );
    assert!(o.count("SELECT count(*) FROM audit") > audit_before);
}

/// A Mon–Thu class started 90 days ago with `n` children enrolled.
fn with_class(o: &Office, n: usize) -> (i64, Vec<(PersonId, String)>) {
    let mut m = o.login("manager");
    let today = casedesk::clock::today();
    let start = today - Duration::days(90);
    let teacher = m.account_named("staff").expect("find").map(|u| u.id);
    let class = m
        .add_class(&NewClass {
            kind: ClassKind::Literacy,
            name: "Literacy morning".into(),
            trade: String::new(),
            teacher_id: teacher,
            days: "mon-thu".parse().expect("days"),
            starts_at: NaiveTime::from_hms_opt(9, 0, 0),
            ends_at: NaiveTime::from_hms_opt(11, 0, 0),
            starts_on: start,
            ends_on: None,
            room: String::new(),
        })
        .expect("class");
    let mut people = Vec::new();
    for i in 0..n {
        let (id, case) = m
            .register_person(&child(
                &format!("Pupil {i}"),
                &format!("Parent {i}"),
                10,
                start,
            ))
            .expect("register");
        m.enrol(class, id, start).expect("enrol");
        people.push((id, case));
    }
    (class, people)
}

fn last_weekday(n: u32) -> NaiveDate {
    // The most recent day with num_days_from_monday == n, before today.
    let mut d = casedesk::clock::today() - Duration::days(1);
    while d.weekday().num_days_from_monday() != n {
        d -= Duration::days(1);
    }
    d
}

#[test]
fn attendance_round_trips_through_the_sheet_list_attendance_writes() {
    let o = Office::new();
    let (class, people) = with_class(&o, 3);
    let monday = last_weekday(0);
    let mut m = o.login("manager");
    let changes: Vec<MarkChange> = people
        .iter()
        .map(|(id, _)| MarkChange {
            person_id: id.0,
            mark: Mark::Present,
            loaded_version: 0,
        })
        .collect();
    m.save_attendance(class, monday, &changes, false)
        .expect("marks");
    let month = monday.format("%Y-%m").to_string();
    let (sheet, _) = ok(&o.run(
        "manager",
        &[
            "list",
            "attendance",
            "--class",
            "Literacy morning",
            "--month",
            &month,
            "--format",
            "csv",
        ],
    ));
    let file = o.file("sheet.csv", sheet.as_bytes());
    // The same sheet back: nothing changes.
    let args = [
        "attendance",
        "--from",
        s(&file),
        "--class",
        "Literacy morning",
    ];
    let (_, err) = ok(&o.import(&args));
    assert!(err.contains("Imported 0 marks"), "{err}");
    assert!(err.contains("3 marks already said the same"), "{err}");

    // Add a Tuesday column with marks, change one Monday mark.
    let tuesday = monday + Duration::days(1);
    let mut edited = String::new();
    for (i, line) in sheet.lines().enumerate() {
        let mut cells: Vec<String> = line.split(',').map(String::from).collect();
        let rate = cells.pop().expect("rate");
        if i == 0 {
            cells.push(tuesday.to_string());
        } else {
            if i == 2 {
                let at = cells.iter().position(|c| c == "P").expect("a mark");
                cells[at] = "L".into();
            }
            cells.push(["A", "P", "E"][i - 1].into());
        }
        cells.push(rate);
        edited.push_str(&cells.join(","));
        edited.push('\n');
    }
    if monday.month() != tuesday.month() {
        // The sheet is per month; a Tuesday in the next month is fine too.
    }
    let file = o.file("edited.csv", edited.as_bytes());
    let args = [
        "attendance",
        "--from",
        s(&file),
        "--class",
        "Literacy morning",
    ];
    let (_, err) = ok(&o.import(&args));
    assert!(err.contains("Imported 4 marks"), "{err}");
    let marks = o.query(&format!(
        "SELECT p.case_number, s.on_date, a.mark FROM attendance a
         JOIN class_sessions s ON s.id = a.session_id JOIN persons p ON p.id = a.person_id
         WHERE s.on_date = '{tuesday}' OR (s.on_date = '{monday}' AND a.mark <> 'P') ORDER BY s.on_date, p.case_number"
    ));
    assert_eq!(
        marks,
        [
            [people[1].1.clone(), monday.to_string(), "L".into()],
            [people[0].1.clone(), tuesday.to_string(), "A".into()],
            [people[1].1.clone(), tuesday.to_string(), "P".into()],
            [people[2].1.clone(), tuesday.to_string(), "E".into()],
        ]
    );
    // Re-import: nothing more.
    let (_, err) = ok(&o.import(&args));
    assert!(err.contains("Imported 0 marks"), "{err}");
    assert_eq!(
        o.count("SELECT count(*) FROM audit WHERE action = 'import.attendance'"),
        3
    );

    // A Friday the class does not meet on needs --extra; a stranger's case
    // number and a bad mark are reported; nothing is saved.
    let friday = last_weekday(4);
    let bad = format!(
        "case_number,name,{friday},rate\n{},Pupil 0,P,\nCPC-1999-0001,Someone,P,\n{},Pupil 2,X,\n",
        people[0].1, people[2].1
    );
    let file = o.file("bad_sheet.csv", bad.as_bytes());
    let marks_before = o.count("SELECT count(*) FROM attendance");
    let (out, _) = failed(
        &o.import(&[
            "attendance",
            "--from",
            s(&file),
            "--class",
            "Literacy morning",
        ]),
        1,
    );
    assert!(
        out.contains(&format!(
            "the class does not meet on {friday}; give --extra"
        )),
        "{out}"
    );
    let (out, _) = failed(
        &o.import(&[
            "attendance",
            "--from",
            s(&file),
            "--class",
            "Literacy morning",
            "--extra",
        ]),
        1,
    );
    assert!(
        out.contains("row 3: Case number: CPC-1999-0001 is not in the office"),
        "{out}"
    );
    assert!(
        out.contains(&format!("row 4: Mark on {friday}: 'X' is not P, A, L or E")),
        "{out}"
    );
    assert_eq!(o.count("SELECT count(*) FROM attendance"), marks_before);
}

#[test]
fn services_import_with_the_same_rules_and_no_repeats() {
    let o = Office::new();
    let mut m = o.login("manager");
    let reg = NaiveDate::from_ymd_opt(2025, 3, 1).expect("d");
    let (_, a) = m
        .register_person(&child("Ali", "Akbar", 12, reg))
        .expect("a");
    let (_, b) = m
        .register_person(&child("Umar", "Akbar", 9, reg))
        .expect("b");
    let csv = format!(
        "Case Number,Service,Date,Detail\n\
         {a},counselling,2025-04-02,\n\
         {b},Health check,15/04/2025,\n\
         {b},medical referral,16/04/2025,Civil Hospital\n"
    );
    let file = o.file("services.csv", csv.as_bytes());
    let (_, err) = ok(&o.import(&["services", "--from", s(&file)]));
    assert!(err.contains("Imported 3 services"), "{err}");
    let (_, err) = ok(&o.import(&["services", "--from", s(&file)]));
    assert!(
        err.contains("Imported 0 services from 3 rows; 3 left out"),
        "{err}"
    );
    assert_eq!(o.count("SELECT count(*) FROM services"), 3);

    let bad = format!(
        "Case Number,Service,Date,Detail\n\
         {a},yoga,2025-04-02,\n\
         {b},medical referral,2025-04-03,\n\
         {b},counselling,2025-01-01,\n"
    );
    let file = o.file("bad_services.csv", bad.as_bytes());
    let (out, _) = failed(&o.import(&["services", "--from", s(&file)]), 1);
    assert!(
        out.contains("row 2: Service: 'yoga' is not a service"),
        "{out}"
    );
    assert!(out.contains("row 3: Referred to is required"), "{out}");
    assert!(
        out.contains("row 4: Service date is before the intake date"),
        "{out}"
    );
    assert_eq!(o.count("SELECT count(*) FROM services"), 3);
}

#[test]
fn escape_sequences_in_the_file_never_reach_the_terminal_raw() {
    let o = Office::new();
    let csv = "Name,Father Name,Age,Sex\n\
               Ali\u{1b}]0;owned\u{7},Akbar,12,M\n\
               Umar,Akbar,9,M\n";
    let file = o.file("esc.csv", csv.as_bytes());
    let (out, _) = failed(
        &o.import(&[
            "people",
            "--from",
            s(&file),
            "--programme",
            "cpc",
            "--dry-run",
        ]),
        1,
    );
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(
        out.contains("row 2: Name contains control characters"),
        "{out}"
    );
    assert_eq!(o.persons(), 0);
    // A header with an escape sequence matches nothing, and the error that
    // names the columns shows it escaped.
    let file = o.file("esc_header.csv", "Nam\u{1b}[2Je,Age\nAli,12\n".as_bytes());
    let (_, err) = failed(
        &o.import(&["people", "--from", s(&file), "--programme", "cpc"]),
        1,
    );
    assert!(err.contains("looks like the name"), "{err}");
    assert!(!err.contains('\u{1b}'), "{err:?}");
}
