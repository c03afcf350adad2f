//! No formulas out (issue 26): every CSV casedesk writes — the register
//! (`list children --format csv`), `activity list --format csv`, a report
//! CSV and an import's rejects file — writes a text cell that a spreadsheet
//! would run as a formula (`=`, `+`, `-`, `@`, TAB, CR first) with a
//! leading `'`; numbers stay numbers; and the import reads the escaped
//! cells back, so an export re-imports to the same records. Through the
//! real binary on real office files in temp dirs.

mod office_support;
use office_support::{Office, ok, s};

/// Names that begin with each dangerous character (TAB and CR cannot be
/// in a saved name: the office refuses control characters; they are
/// covered by the rejects file below), and one that already begins with
/// an apostrophe before one.
const NAMES: [(&str, &str); 5] = [
    ("=HYPERLINK(\"http://example.org/x\",\"Ali\")", "Akbar"),
    ("+92 Sana", "-Gul Khan"),
    ("-Bilal", "@Noor"),
    ("@Sara", "=1+1 Khan"),
    ("'=Zara", "''-Omar"),
];

fn csv_of(rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r).expect("write");
    }
    w.into_inner().expect("bytes")
}

fn records(bytes: &[u8]) -> Vec<Vec<String>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes)
        .records()
        .map(|r| r.expect("record").iter().map(String::from).collect())
        .collect()
}

fn is_formula(cell: &str) -> bool {
    cell.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// No cell of a CSV a spreadsheet would run as a formula.
#[track_caller]
fn no_formulas(rows: &[Vec<String>]) {
    for r in rows {
        for c in r {
            assert!(!is_formula(c), "a formula goes out: {c:?} in {r:?}");
        }
    }
}

fn people_file(o: &Office, name: &str) -> std::path::PathBuf {
    let mut rows = vec![vec![
        "Name".to_string(),
        "Father Name".into(),
        "Age".into(),
        "Sex".into(),
        "Date of Registration".into(),
        "Programme".into(),
    ]];
    // Written raw, as a person types them into a spreadsheet; the ones
    // that already begin with an apostrophe are written as casedesk's own
    // export writes them (a raw `'=x` in an input is read as an escaped
    // `=x`, the import's one rule).
    let raw = |t: &str| {
        if t.starts_with('\'') {
            casedesk::csv_out::escape(t).into_owned()
        } else {
            t.to_string()
        }
    };
    for (n, f) in NAMES {
        rows.push(vec![
            raw(n),
            raw(f),
            "12".into(),
            "M".into(),
            "2025-04-23".into(),
            "CPC".into(),
        ]);
    }
    o.file(name, &csv_of(&rows))
}

fn register(o: &Office) -> Vec<Vec<String>> {
    let (out, _) = ok(&o.run("manager", &["list", "children", "--format", "csv"]));
    records(out.as_bytes())
}

fn names(o: &Office) -> Vec<Vec<String>> {
    o.query("SELECT name, father_name FROM persons ORDER BY name")
}

#[test]
fn names_with_formula_characters_go_out_escaped_and_come_back_unchanged() {
    let o = Office::new();
    let file = people_file(&o, "register.csv");
    ok(&o.import(&["people", "--from", s(&file)]));
    let mut want: Vec<Vec<String>> = NAMES
        .iter()
        .map(|(n, f)| vec![n.to_string(), f.to_string()])
        .collect();
    want.sort();
    assert_eq!(names(&o), want, "saved as typed");

    let listed = register(&o);
    no_formulas(&listed);
    assert_eq!(listed[0][1], "name");
    let exported: Vec<Vec<String>> = listed[1..]
        .iter()
        .map(|r| vec![r[1].clone(), r[2].clone()])
        .collect();
    for (n, f) in NAMES {
        let esc = |t: &str| {
            if t.trim_start_matches('\'').starts_with(['=', '+', '-', '@']) {
                format!("'{t}")
            } else {
                t.to_string()
            }
        };
        let row = vec![esc(n), esc(f)];
        assert!(exported.contains(&row), "{row:?} not in {exported:?}");
    }
    // The age is a number: written as it is.
    assert!(listed[1..].iter().all(|r| r[4].parse::<u32>().is_ok()));

    // The export, imported into another office, gives the same names.
    let other = Office::new();
    let export = other.file("export.csv", &csv_of(&listed));
    ok(&other.import(&["people", "--from", s(&export)]));
    assert_eq!(names(&other), want);
    // And exported again, the same file.
    let again = register(&other);
    let cols = |rows: &[Vec<String>]| -> Vec<Vec<String>> {
        let mut v: Vec<Vec<String>> = rows[1..].iter().map(|r| r[1..4].to_vec()).collect();
        v.sort();
        v
    };
    assert_eq!(cols(&again), cols(&listed));
}

#[test]
fn activity_list_and_report_csv_carry_no_formulas() {
    let o = Office::new();
    let out = o.run(
        "staff",
        &[
            "activity",
            "add",
            "--kind",
            "spot_visit",
            "--date",
            "2026-03-02",
            "--place",
            "=HYPERLINK(\"http://example.org\",\"Sariab\")",
            "--people",
            "male:12-17=3",
            "--note",
            "@everyone -seen +fed",
        ],
    );
    ok(&out);
    let (out, _) = ok(&o.run("staff", &["activity", "list", "--format", "csv"]));
    let rows = records(out.as_bytes());
    no_formulas(&rows);
    let head = &rows[0];
    let col = |name: &str| head.iter().position(|h| h == name).expect("column");
    assert_eq!(
        rows[1][col("place")],
        "'=HYPERLINK(\"http://example.org\",\"Sariab\")"
    );
    assert_eq!(rows[1][col("note")], "'@everyone -seen +fed");
    assert_eq!(rows[1][col("male")], "3", "a count stays a number");

    let (out, _) = ok(&o.run(
        "manager",
        &[
            "report",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--format",
            "csv",
        ],
    ));
    let rows = records(out.as_bytes());
    no_formulas(&rows);
    // The values are numbers, written as they are (not escaped).
    let value = rows[0].iter().position(|h| h == "value").expect("value");
    assert!(rows[1..].iter().any(|r| r[value] == "3"), "{rows:?}");
    assert!(
        rows[1..]
            .iter()
            .all(|r| r[value].is_empty() || r[value] == "x" || r[value].parse::<f64>().is_ok())
    );
}

/// The rejects file holds the input's own cells: text beginning with any
/// of the six characters (TAB and CR too) goes out escaped, a number cell
/// stays a number, and importing the corrected rejects file reads them
/// back as they were.
#[test]
fn the_rejects_file_escapes_formulas_and_imports_back() {
    let o = Office::new();
    let rows: Vec<Vec<String>> = vec![
        vec![
            "Name".into(),
            "Father Name".into(),
            "Age".into(),
            "Sex".into(),
            "Date of Registration".into(),
            "Programme".into(),
            "Area".into(),
        ],
        // Rejected (no such programme): names and areas to escape.
        row("=Ali", "+Akbar", "-Quetta", "CPS"),
        row("@Sana", "-Gul", "\tSariab", "CPS"),
        row("-Bilal", "=Noor", "\rKuchlak", "CPS"),
        // Good.
        row("Good Child", "Father", "Sariab", "CPC"),
    ];
    let file = o.file("bad.csv", &csv_of(&rows));
    ok(&o.import(&["people", "--from", s(&file), "--skip-invalid"]));
    let rejects_path = o.dir.path().join("bad.csv.rejects.csv");
    let bytes = std::fs::read(&rejects_path).expect("rejects");
    let rejects = records(&bytes);
    no_formulas(&rejects);
    assert_eq!(rejects.len(), 4, "{rejects:?}");
    assert_eq!(&rejects[1][..3], ["'=Ali", "'+Akbar", "12"]);
    assert_eq!(rejects[2][6], "'\tSariab");
    assert_eq!(rejects[3][6], "'\rKuchlak");

    // Corrected (the programme; the areas, since a saved area may not
    // hold TAB or CR), the rejects file imports with the names as they
    // were in the input.
    let fixed: Vec<Vec<String>> = rejects
        .iter()
        .map(|r| {
            let mut r = r[..7].to_vec();
            if r[5] == "CPS" {
                r[5] = "CPC".into();
                r[6] = "Sariab".into();
            }
            r
        })
        .collect();
    let fixed_file = o.file("fixed.csv", &csv_of(&fixed));
    ok(&o.import(&["people", "--from", s(&fixed_file)]));
    assert_eq!(
        o.query("SELECT name, father_name FROM persons ORDER BY id"),
        [
            ["Good Child", "Father"],
            ["=Ali", "+Akbar"],
            ["@Sana", "-Gul"],
            ["-Bilal", "=Noor"]
        ]
    );
}

fn row(name: &str, father: &str, area: &str, programme: &str) -> Vec<String> {
    vec![
        name.into(),
        father.into(),
        "12".into(),
        "M".into(),
        "2025-04-23".into(),
        programme.into(),
        area.into(),
    ]
}
