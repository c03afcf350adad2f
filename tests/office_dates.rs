//! The office's date order (issue 19, item 4): set at `init` (day first),
//! changed by a manager (`casedesk office set date-order`, the Accounts
//! screen), shown by anyone (`office show`), and used by imports (over
//! which `--dates` and a mapping file's `[dates] order` win) and by the
//! desk's forms. Real office files, the real binary, the desk in-process.

mod common;
mod office_support;

use crossterm::event::KeyCode;

use casedesk::domain::dates::DateOrder;
use office_support::{Office, failed, ok, s};

/// Day and month both 12 or under in every row: nothing in the file says
/// which comes first.
const REGISTER: &str = "Name,Father Name,Age,Sex,Date of Registration\n\
                        Ali,Akbar,12,M,01/12/2025\n\
                        Umar,Akbar,8,M,05/03/2025\n\
                        Sami,Akbar,9,M,07/07/2025\n";

fn registered(o: &Office) -> Vec<String> {
    o.query("SELECT registered_on FROM persons ORDER BY id")
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

fn import(o: &Office, file: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["people", "--from", s(file), "--programme", "cpc"];
    args.extend_from_slice(extra);
    o.import(&args)
}

#[test]
fn a_day_first_sheet_imports_without_a_mapping_file() {
    let o = Office::new();
    let file = o.file("register.csv", REGISTER.as_bytes());
    let (out, _) = ok(&import(&o, &file, &["--dry-run"]));
    assert!(
        out.contains(
            "Date of registration (by its header); day first (23/11/2026), the office's date order"
        ),
        "{out}"
    );
    ok(&import(&o, &file, &[]));
    assert_eq!(registered(&o), ["2025-03-05", "2025-07-07", "2025-12-01"]);
}

#[test]
fn dates_mdy_reads_the_file_month_first_and_a_mapping_file_wins() {
    let o = Office::new();
    let file = o.file("register.csv", REGISTER.as_bytes());
    let (out, _) = ok(&import(&o, &file, &["--dates", "mdy", "--dry-run"]));
    assert!(
        out.contains("month first (11/23/2026), as asked for this file"),
        "{out}"
    );
    ok(&import(&o, &file, &["--dates", "mdy"]));
    assert_eq!(registered(&o), ["2025-01-12", "2025-05-03", "2025-07-07"]);

    // The mapping file's [dates] order wins over --dates.
    let o = Office::new();
    let map = o.file("map.toml", b"[dates]\norder = \"dmy\"\n");
    ok(&import(&o, &file, &["--dates", "mdy", "--map", s(&map)]));
    assert_eq!(registered(&o), ["2025-03-05", "2025-07-07", "2025-12-01"]);
}

#[test]
fn a_mapping_file_default_date_is_read_in_the_office_order() {
    let o = Office::new();
    let csv = "Name,Father Name,Age,Sex\nAli,Akbar,12,M\n";
    let file = o.file("no-dates.csv", csv.as_bytes());
    let map = o.file("map.toml", b"[defaults]\nregistered_on = \"01/12/2025\"\n");
    ok(&import(&o, &file, &["--map", s(&map)]));
    assert_eq!(registered(&o), ["2025-12-01"]);
}

#[test]
fn a_column_that_proves_the_office_order_wrong_is_reported_with_the_fix() {
    let o = Office::new();
    let csv = format!("{REGISTER}Zaid,Akbar,10,M,11/23/2025\n");
    let file = o.file("us.csv", csv.as_bytes());
    let (out, err) = failed(&import(&o, &file, &[]), 1);
    assert!(err.contains("nothing was saved"), "{err}");
    for row in [2, 3, 5] {
        let line = out
            .lines()
            .find(|l| l.contains(&format!("row {row}:")))
            .unwrap_or_else(|| panic!("row {row} not reported: {out}"));
        assert!(
            line.contains("the column has 11/23/2025, which can only be month first")
                && line.contains("import it with --dates mdy"),
            "{line}"
        );
    }
    assert!(
        !out.contains("row 4:"),
        "07/07 is the same both ways: {out}"
    );
    assert_eq!(o.persons(), 0);
    // The fix it names works.
    ok(&import(&o, &file, &["--dates", "mdy"]));
    assert_eq!(
        registered(&o),
        ["2025-01-12", "2025-05-03", "2025-07-07", "2025-11-23"]
    );
}

#[test]
fn a_manager_sets_the_order_anyone_shows_it_and_imports_follow_it() {
    let o = Office::new();
    let (out, _) = ok(&o.run("staff", &["office", "show"]));
    assert!(out.contains("name: Test office\n"), "{out}");
    assert!(out.contains("date-order: dmy\n"), "set at init: {out}");
    assert_eq!(
        o.query("SELECT value FROM meta WHERE key = 'date_order'"),
        [["dmy"]],
        "written at init"
    );

    let (_, err) = failed(&o.run("staff", &["office", "set", "date-order", "mdy"]), 3);
    assert!(
        err.contains("only a manager may change the office's settings"),
        "{err}"
    );

    let (_, err) = ok(&o.run("manager", &["office", "set", "date-order", "mdy"]));
    assert!(err.contains("month first"), "{err}");
    let (out, _) = ok(&o.run("staff", &["office", "show"]));
    assert!(out.contains("date-order: mdy\n"), "{out}");
    let audit = o.query(
        "SELECT user_name, detail FROM audit WHERE action = 'office.date_order' ORDER BY seq",
    );
    assert_eq!(
        audit,
        [["manager", "mdy"]],
        "one typed entry, by the manager"
    );

    let file = o.file("register.csv", REGISTER.as_bytes());
    ok(&import(&o, &file, &[]));
    assert_eq!(registered(&o), ["2025-01-12", "2025-05-03", "2025-07-07"]);
}

#[test]
fn a_bad_order_is_a_usage_error_with_one_error_line() {
    let o = Office::new();
    for args in [
        &["office", "set", "date-order", "dym"][..],
        &[
            "import",
            "people",
            "--from",
            "x.csv",
            "--dates",
            "month-first",
        ][..],
    ] {
        let out = o.run("manager", args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{err}");
        assert!(err.contains("dmy, mdy, ymd"), "the values are named: {err}");
    }
    let (out, _) = ok(&o.run("manager", &["office", "show"]));
    assert!(out.contains("date-order: dmy\n"), "unchanged: {out}");
}

#[test]
fn the_desk_reads_the_office_order_and_a_manager_changes_it_on_accounts() {
    let o = common::Office::demo(8);
    let out = o.run(
        &["--user", "manager", "office", "set", "date-order", "mdy"],
        "demo\n",
    );
    assert!(out.status.success(), "{}", common::stderr(&out));

    let mut app = common::desk::app_on(&o, "manager");
    // The desk read the order through the office layer as Home opened:
    // a form reads 11/02/2026 month first, and 23/11/2026 is no date.
    let today = common::demo_day();
    let read = |s: &str| casedesk::ui::widgets::form::parse_date(s, today);
    assert_eq!(
        read("11/02/2026"),
        chrono::NaiveDate::from_ymd_opt(2026, 11, 2)
    );
    assert_eq!(read("23/11/2026"), None);

    // Accounts: e, then back to day first.
    common::desk::key(&mut app, KeyCode::Char(':'));
    common::desk::typed(&mut app, "accou");
    common::desk::key(&mut app, KeyCode::Enter);
    let shown = common::desk::screen(&app);
    assert!(shown.contains("e dates: 11/23/2026"), "{shown}");
    assert!(
        shown.contains("enabled   11/23/2026"),
        "shown month first: {shown}"
    );
    common::desk::key(&mut app, KeyCode::Char('e'));
    let shown = common::desk::screen(&app);
    assert!(shown.contains("Office settings"), "{shown}");
    assert!(shown.contains("month first (11/23/2026)"), "{shown}");
    common::desk::key(&mut app, KeyCode::Left);
    common::desk::key(&mut app, KeyCode::Enter);
    let shown = common::desk::screen(&app);
    assert!(shown.contains("e dates: 23/11/2026"), "{shown}");
    assert_eq!(
        read("23/11/2026"),
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
    );

    let s = o.login("manager", "demo");
    assert_eq!(s.date_order().expect("order"), DateOrder::Dmy);
    let out = o.run(&["--user", "staff", "office", "show"], "demo\n");
    assert!(common::stdout(&out).contains("date-order: dmy"));
}

/// Every date a screen snapshot shows (as drawn, or masked as `DD/MM/YYYY`)
/// is day first with a four-digit year: no `2026-11-23`, no `23/11/26`,
/// no `23/11` on its own. Year-first text is allowed only where a hint
/// says it may be typed ("… or YYYY-MM-DD", "… or 2026-11-23").
#[test]
fn every_screen_snapshot_shows_one_date_format() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<std::path::PathBuf> = common::walk(&root.join("src/ui"))
        .into_iter()
        .chain(common::walk(&root.join("tests/snapshots")))
        .filter(|p| p.extension().is_some_and(|e| e == "snap"))
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
            name.is_some_and(|n| n.starts_with("casedesk__ui") || n.starts_with("ui_"))
        })
        .collect();
    files.sort();
    assert!(files.len() > 30, "the screen snapshots: {}", files.len());
    let mut bad = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).expect("snapshot");
        for line in text.lines().filter(|l| l.starts_with('"')) {
            let line = line
                .replace("or YYYY-MM-DD", "")
                .replace("or 2026-11-23", "")
                // Typed, and kept as typed beside its error.
                .replace("Date of birth        : 2030-01-01", "");
            if let Some(d) = odd_date(&line) {
                bad.push(format!("{}: {d:?} in {line}", f.display()));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// A date written other than `DD/MM/YYYY`, if the line has one.
fn odd_date(line: &str) -> Option<String> {
    let c: Vec<char> = line.chars().collect();
    let digit = |i: usize| c.get(i).is_some_and(char::is_ascii_digit);
    let is = |i: usize, x: char| c.get(i) == Some(&x);
    let word = |i: usize| c.get(i).is_some_and(|x| x.is_alphanumeric());
    for i in 0..c.len() {
        // Inside a word, a file name (casedesk-export-2026-11-23.age)
        // or a longer number.
        if i > 0 && (word(i - 1) || is(i - 1, '/') || is(i - 1, '-')) {
            continue;
        }
        let iso = (0..4).all(|k| digit(i + k))
            && is(i + 4, '-')
            && digit(i + 5)
            && digit(i + 6)
            && is(i + 7, '-');
        let masked_iso = c[i..].iter().collect::<String>().starts_with("YYYY-MM-DD");
        let two = |k: usize| {
            (digit(k) && digit(k + 1))
                .then(|| c[k].to_digit(10).unwrap_or(0) * 10 + c[k + 1].to_digit(10).unwrap_or(0))
        };
        // dd/mm: a day and a month (not a count like 36/94).
        let slashed = is(i + 2, '/')
            && two(i).is_some_and(|d| (1..=31).contains(&d))
            && two(i + 3).is_some_and(|m| (1..=12).contains(&m));
        let full = slashed && is(i + 5, '/') && (6..10).all(|k| digit(i + k)) && !digit(i + 10);
        if iso || masked_iso || (slashed && !full) {
            return Some(c[i..(i + 10).min(c.len())].iter().collect());
        }
    }
    None
}

/// `init --date-order` makes an office that works month first from its
/// first day; the choice is audited like a later change.
#[test]
fn init_takes_the_office_date_order() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("office.casedesk");
    let run = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_casedesk"))
            .arg("--db")
            .arg(&db)
            .args(["--user", "amina"])
            .args(args)
            .env("CASEDESK_SCRYPT_LOG_N", "10")
            .env("CASEDESK_DATA_DIR", dir.path())
            .env("HOME", dir.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("stdin");
        child.wait_with_output().expect("wait")
    };
    let pw = format!("{}\n", office_support::PW);
    ok(&run(
        &["init", "--office", "Month first", "--date-order", "mdy"],
        &pw.repeat(2),
    ));
    let (out, _) = ok(&run(&["office", "show"], &pw));
    assert!(out.contains("date-order: mdy\n"), "{out}");
    let (out, _) = ok(&run(&["audit", "--format", "csv"], &pw));
    assert!(out.contains("office.date_order"), "{out}");
    // A bad order is a usage error, and no office is made.
    let other = dir.path().join("other.casedesk");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_casedesk"))
        .arg("--db")
        .arg(&other)
        .args([
            "--user",
            "amina",
            "init",
            "--office",
            "X",
            "--date-order",
            "dym",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(!other.exists());
}
