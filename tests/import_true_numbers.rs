//! Issue 19, "real records in, true numbers out", for imports: through the
//! real binary on real office files, with real files. Two columns for one
//! field are refused (naming both) unless a mapping file picks one, and
//! every column is used or listed as not used; each activity row is its own
//! activity, identical rows counted as a multiset; a name beside a case
//! number must be that person's; case numbers follow registration dates and
//! the summary lists every run made; a dry run of a file the real run would
//! refuse exits 1; the help names every import; and re-importing every
//! import fixture adds nothing and leaves the period report byte-identical.

mod office_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::{NaiveDate, NaiveTime};

use casedesk::domain::classes::{ClassKind, NewClass};
use casedesk::domain::person::PersonId;
use office_support::{Office, failed, ok, s, text};

fn fixture(o: &Office, name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    o.file(name, &std::fs::read(path).expect("fixture"))
}

fn activities(o: &Office) -> i64 {
    o.count("SELECT count(*) FROM activities")
}

// ---------------------------------------------------------------- item 1

const MEN_TWICE: &str = "Date,Activity,Place,Staff,Men,Boys 12-17,M 18+\n\
03/03/2025,Child group meeting,Sariab,staff,4,96,15\n";

#[test]
fn two_count_columns_for_one_field_are_refused_naming_both() {
    let o = Office::new();
    let file = o.file("cgm.csv", MEN_TWICE.as_bytes());
    for dry in [false, true] {
        let mut args = vec!["activities", "--from", s(&file)];
        if dry {
            args.push("--dry-run");
        }
        let (_, err) = failed(&o.import(&args), 1);
        assert!(
            err.contains("columns E 'Men' and G 'M 18+' of row 1 both look like the male 18+"),
            "{err}"
        );
        assert!(err.contains("male_18plus = \"M 18+\""), "{err}");
    }
    assert_eq!(activities(&o), 0);

    // The mapping file picks one: the other is listed as not used, in the
    // preview and in the summary.
    let pick = o.file("pick.toml", b"[columns]\nmale_18plus = \"M 18+\"\n");
    let (out, _) = ok(&o.import(&[
        "activities",
        "--from",
        s(&file),
        "--map",
        s(&pick),
        "--dry-run",
    ]));
    assert!(
        out.contains("E   Men -> not used; the mapping file takes Male 18+ from column G"),
        "{out}"
    );
    assert!(
        out.contains("G   M 18+ -> Male 18+ (from the mapping file)"),
        "{out}"
    );
    let (_, err) = ok(&o.import(&["activities", "--from", s(&file), "--map", s(&pick)]));
    assert!(err.contains("Imported 1 activity"), "{err}");
    assert!(err.contains("column not used: E 'Men'"), "{err}");
    assert_eq!(o.count("SELECT sum(n) FROM activity_counts"), 111);

    // Or gives the other a field of its own: every participant counted.
    let o = Office::new();
    let file = o.file("cgm.csv", MEN_TWICE.as_bytes());
    let both = o.file(
        "both.toml",
        b"[columns]\nmale_18plus = \"M 18+\"\nmale_unknown = \"Men\"\n",
    );
    let (_, err) = ok(&o.import(&["activities", "--from", s(&file), "--map", s(&both)]));
    assert!(!err.contains("not used"), "{err}");
    assert_eq!(o.count("SELECT sum(n) FROM activity_counts"), 115);
}

#[test]
fn every_kind_of_import_refuses_two_columns_for_one_field() {
    let o = Office::new();
    let people = o.file(
        "people.csv",
        "Name,Age,Sex,Child Name\nAli,12,M,Ali Raza\n".as_bytes(),
    );
    let (_, err) = failed(
        &o.import(&["people", "--from", s(&people), "--programme", "cpc"]),
        1,
    );
    assert!(
        err.contains("columns A 'Name' and D 'Child Name' of row 1 both look like the name"),
        "{err}"
    );
    assert_eq!(o.persons(), 0);

    let services = o.file(
        "services.csv",
        "Case No,Service,Date,Service Date\nCPC-2025-0001,counselling,01/03/2025,02/03/2025\n"
            .as_bytes(),
    );
    let (_, err) = failed(&o.import(&["services", "--from", s(&services)]), 1);
    assert!(
        err.contains("columns C 'Date' and D 'Service Date' of row 1 both look like the date"),
        "{err}"
    );

    literacy_class(&o);
    let sheet = o.file(
        "sheet.csv",
        "case_number,name,نام,2011-03-14,rate\nCPC-2010-0001,Nadia Gul,نادیہ,P,\n".as_bytes(),
    );
    let (_, err) = failed(
        &o.import(&[
            "attendance",
            "--from",
            s(&sheet),
            "--class",
            "Literacy morning",
        ]),
        1,
    );
    assert!(
        err.contains("columns B 'name' and C 'نام' of row 1 both look like the name"),
        "{err}"
    );
}

#[test]
fn columns_nothing_is_taken_from_are_listed_in_the_preview_and_the_summary() {
    let o = Office::new();
    // A serial number column, and a row with a cell beyond the header row.
    let file = o.file(
        "register.csv",
        "S.No,Name,Father Name,Age,Sex\n1,Ali,Akbar,12,M,see file 7\n2,Umar,Akbar,9,M\n".as_bytes(),
    );
    let (out, _) = ok(&o.import(&[
        "people",
        "--from",
        s(&file),
        "--programme",
        "cpc",
        "--dry-run",
    ]));
    assert!(out.contains("A   S.No -> not used"), "{out}");
    assert!(
        out.contains("F    -> not used; no header in the header row"),
        "{out}"
    );
    let (_, err) = ok(&o.import(&["people", "--from", s(&file), "--programme", "cpc"]));
    assert!(
        err.contains("; columns not used: A 'S.No', F (no header)."),
        "{err}"
    );
}

// ---------------------------------------------------------------- item 2

#[test]
fn each_activity_row_is_its_own_activity_and_identical_rows_count_as_a_multiset() {
    let o = Office::new();
    let file = fixture(&o, "activities.csv");
    let (out, _) = ok(&o.import(&["activities", "--from", s(&file), "--dry-run"]));
    assert!(
        out.contains("6 rows read: 6 ready to save, 0 already there, 0 with problems."),
        "{out}"
    );
    assert!(
        out.contains("row 3: the same as row 2 of this file"),
        "{out}"
    );
    let (_, err) = ok(&o.import(&["activities", "--from", s(&file)]));
    assert!(
        err.contains(
            "Imported 6 activities from 6 rows; 1 row the same as an earlier row of the file, each added as an activity of its own."
        ),
        "{err}"
    );
    // Two follow-up visits alike and a third with another child; a
    // morning and an evening round at one spot.
    assert_eq!(
        o.query(
            "SELECT on_date, kind, count(*) FROM activities GROUP BY on_date, kind ORDER BY on_date"
        ),
        [
            ["2011-03-14", "follow_up_visit", "3"],
            ["2011-03-15", "spot_visit", "2"],
            ["2011-03-16", "parents_meeting", "1"],
        ]
    );
    assert_eq!(
        o.count(
            "SELECT sum(c.n) FROM activity_counts c JOIN activities a ON a.id = c.activity_id
             WHERE a.kind = 'spot_visit'"
        ),
        12
    );

    // The same file again: everything is there, identical rows included.
    let (_, err) = ok(&o.import(&["activities", "--from", s(&file)]));
    assert!(
        err.contains("Imported 0 activities from 6 rows; 6 left out as already there."),
        "{err}"
    );
    assert_eq!(activities(&o), 6);

    // A third identical visit in a longer log: only that one is new.
    let longer = format!(
        "{}14/03/2011,Follow-up visit,Sariab,staff,1,,,,\n",
        std::fs::read_to_string(&file).expect("read")
    );
    let longer = o.file("longer.csv", longer.as_bytes());
    let (_, err) = ok(&o.import(&["activities", "--from", s(&longer)]));
    assert!(
        err.contains("Imported 1 activity from 7 rows; 1 row the same as an earlier row of the file, each added as an activity of its own; 6 left out as already there."),
        "{err}"
    );
    assert_eq!(activities(&o), 7);

    // One recorded by hand with another head count is not the same.
    ok(&o.run(
        "staff",
        &[
            "activity",
            "add",
            "--kind",
            "spot_visit",
            "--date",
            "2011-03-17",
            "--place",
            "Baldia Plaza",
            "--staff",
            "staff",
            "--people",
            "male:12-17=3",
        ],
    ));
    let other = o.file(
        "other.csv",
        "Date,Activity,Place,Staff,M 12-17\n17/03/2011,Spot visit,Baldia Plaza,staff,4\n17/03/2011,Spot visit,baldia plaza,Staff,3\n"
            .as_bytes(),
    );
    let (out, err) = ok(&o.import(&["activities", "--from", s(&other)]));
    assert!(
        err.contains("Imported 1 activity from 2 rows; 1 left out as already there."),
        "{err}"
    );
    assert!(out.contains("row 3: the same as activity"), "{out}");
}

// ---------------------------------------------------------------- item 3

#[test]
fn a_services_name_must_agree_with_the_case_numbers_person() {
    let o = Office::new();
    ok(&o.import(&["people", "--from", s(&fixture(&o, "people_years.csv"))]));
    // Kamran's service typed against Nadia's case number.
    let file = o.file(
        "services.csv",
        "Case No,Child Name,Service,Date\n\
         CPC-2010-0001,Kamran Ali,counselling,20/03/2011\n\
         CPC-2011-0001,Kamran Ali,health check,21/03/2011\n"
            .as_bytes(),
    );
    let (out, err) = failed(&o.import(&["services", "--from", s(&file)]), 1);
    assert!(
        out.contains("row 2: Name: does not match the name of CPC-2010-0001 in the office"),
        "{out}"
    );
    assert!(!out.contains("row 3:"), "{out}");
    assert!(err.contains("1 of 2 rows have problems"), "{err}");
    assert!(!err.contains("Kamran"), "no names in the error: {err}");
    assert_eq!(o.count("SELECT count(*) FROM services"), 0);

    // Spelled another way, or in another case, it is the same name.
    let fixture_file = fixture(&o, "services.csv");
    let (_, err) = ok(&o.import(&["services", "--from", s(&fixture_file)]));
    assert!(err.contains("Imported 3 services from 4 rows"), "{err}");
}

// ---------------------------------------------------------------- item 8

#[test]
fn case_numbers_follow_registration_dates_and_the_summary_lists_every_run() {
    let o = Office::new();
    let file = fixture(&o, "people_years.csv");
    let (_, err) = ok(&o.import(&["people", "--from", s(&file)]));
    assert!(
        err.contains(
            "Imported 6 people (CPC-2010-0001 to CPC-2010-0003, CPC-2011-0001, CPC-2012-0001, WD-2010-0001) from 6 rows"
        ),
        "{err}"
    );
    assert_eq!(
        o.query("SELECT case_number, name, registered_on FROM persons ORDER BY case_number"),
        [
            ["CPC-2010-0001", "Nadia Gul", "2010-05-02"],
            ["CPC-2010-0002", "Sadia Bibi", "2010-05-02"],
            ["CPC-2010-0003", "Javed Iqbal", "2010-08-15"],
            ["CPC-2011-0001", "Kamran Ali", "2011-03-14"],
            ["CPC-2012-0001", "Farhan Noor", "2012-01-20"],
            ["WD-2010-0001", "Rubina Bano", "2010-08-16"],
        ]
    );
}

// ---------------------------------------------------------------- item 9

#[test]
fn a_dry_run_of_a_file_the_import_would_refuse_exits_1() {
    let o = Office::new();
    let file = o.file(
        "register.csv",
        "Name,Father Name,Age,Sex\nAli,Akbar,12,M\nOld,Akbar,45,M\n".as_bytes(),
    );
    let args = [
        "people",
        "--from",
        s(&file),
        "--programme",
        "cpc",
        "--dry-run",
    ];
    let (out, err) = failed(&o.import(&args), 1);
    // The preview is there all the same.
    assert!(out.contains("row 3: Age must be 4 to 20"), "{out}");
    assert!(out.contains("Dry run: nothing was saved."), "{out}");
    assert_eq!(
        err.trim(),
        "error: dry run: the import would refuse this file: 1 of 2 rows have problems; correct them, or add --skip-invalid to import the others"
    );
    // With --skip-invalid the real run would save the good row: exit 0.
    let mut skip = args.to_vec();
    skip.push("--skip-invalid");
    ok(&o.import(&skip));
    assert_eq!(o.persons(), 0);
}

// ---------------------------------------------------------------- item 10

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_casedesk"))
        .args(args)
        .output()
        .expect("run");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn the_help_names_the_activities_import() {
    let top = help(&["--help"]);
    let line = top
        .lines()
        .find(|l| l.trim_start().starts_with("import "))
        .expect("an import line");
    assert!(line.contains("activities"), "{line}");
    let import = help(&["import", "--help"]);
    let about = import.lines().next().expect("first line");
    assert!(about.contains("activities"), "{import}");
    assert!(import.contains("  activities "), "{import}");
    let dry = help(&["import", "activities", "--help"]);
    assert!(dry.contains("a dry run exits 1"), "{dry}");
}

// ------------------------------------------------- re-import, same report

/// A Mon–Thu literacy class from 1 January 2011.
fn literacy_class(o: &Office) -> i64 {
    let mut m = o.login("manager");
    let teacher = m.account_named("staff").expect("find").map(|u| u.id);
    m.add_class(&NewClass {
        kind: ClassKind::Literacy,
        name: "Literacy morning".into(),
        trade: String::new(),
        teacher_id: teacher,
        days: "mon-thu".parse().expect("days"),
        starts_at: NaiveTime::from_hms_opt(9, 0, 0),
        ends_at: NaiveTime::from_hms_opt(11, 0, 0),
        starts_on: NaiveDate::from_ymd_opt(2011, 1, 1).expect("date"),
        ends_on: None,
        room: String::new(),
    })
    .expect("class")
}

fn report(o: &Office) -> String {
    let (md, _) = ok(&o.run(
        "manager",
        &["report", "--from", "2010-01-01", "--to", "2025-12-31"],
    ));
    let (csv, _) = ok(&o.run(
        "manager",
        &[
            "report",
            "--from",
            "2010-01-01",
            "--to",
            "2025-12-31",
            "--format",
            "csv",
        ],
    ));
    format!("{md}\n{csv}")
}

/// Every table an import writes to, counted.
fn counts(o: &Office) -> Vec<i64> {
    [
        "persons",
        "person_concerns",
        "services",
        "attendance",
        "class_sessions",
        "activities",
        "activity_counts",
        "activity_staff",
    ]
    .iter()
    .map(|t| o.count(&format!("SELECT count(*) FROM {t}")))
    .collect()
}

#[test]
fn re_importing_every_fixture_adds_nothing_and_leaves_the_report_byte_identical() {
    let o = Office::new();
    let class = literacy_class(&o);
    let people = fixture(&o, "people_years.csv");
    let xls = fixture(&o, "register_urdu.xls");
    let ods = fixture(&o, "register_urdu.ods");
    let services = fixture(&o, "services.csv");
    let acts = fixture(&o, "activities.csv");
    let sheet = fixture(&o, "attendance.csv");
    let runs: Vec<Vec<&str>> = vec![
        vec!["people", "--from", s(&people)],
        vec!["people", "--from", s(&xls), "--programme", "cpc"],
        vec![
            "people",
            "--from",
            s(&xls),
            "--sheet",
            "Women's desk",
            "--programme",
            "wd",
        ],
        vec!["people", "--from", s(&ods), "--programme", "cpc"],
        vec!["services", "--from", s(&services)],
        vec!["activities", "--from", s(&acts)],
        vec![
            "attendance",
            "--from",
            s(&sheet),
            "--class",
            "Literacy morning",
        ],
    ];
    let mut m = o.login("manager");
    for (n, args) in runs.iter().enumerate() {
        if n == 6 {
            // The sheet's children enrolled before their marks come in.
            let on = NaiveDate::from_ymd_opt(2011, 3, 1).expect("date");
            for case in ["CPC-2010-0001", "CPC-2010-0002", "CPC-2010-0003"] {
                let id: i64 = o.count(&format!(
                    "SELECT id FROM persons WHERE case_number = '{case}'"
                ));
                m.enrol(class, PersonId(id), on).expect("enrol");
            }
        }
        let (_, err) = ok(&o.import(args));
        // The .ods holds the same register as the .xls: already there.
        assert_eq!(err.contains("Imported 0 "), n == 3, "{args:?}: {err}");
    }
    let before = (counts(&o), report(&o));
    assert!(before.0.iter().all(|n| *n > 0), "{:?}", before.0);
    // The report counts what came in (an empty office's reads otherwise).
    assert_ne!(before.1, report(&Office::new()));
    for args in &runs {
        let (_, err) = ok(&o.import(args));
        assert!(err.contains("Imported 0 "), "{args:?}: {err}");
    }
    assert_eq!((counts(&o), report(&o)), before);
}
