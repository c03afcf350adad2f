//! End-to-end: a staff member records a placement and then its first
//! visit through the Placements screen of the real binary (in a
//! pseudo-terminal at 80x24), and sees the Follow-ups list change; the
//! CLI's `followup list --format csv` sees the same before and after.
//!
//! The binary runs on the real clock, so the placement starts 14 days
//! before today: its first visit (after 2 weeks) is then due today (one
//! due before the day it is entered would be "not recorded (entered
//! later)"), and the next (after a month) not due yet.
#![cfg(unix)]

mod common;

use chrono::{Duration, Local, NaiveDate};
use common::pty::{Pty, assert_restored, demo_office};
use common::{run_binary, stdout};

/// A made-up employer no demo office holds.
const EMPLOYER: &str = "Quokka Tailors";

fn csv(home: &std::path::Path, db: &std::path::Path, args: &[&str]) -> String {
    let mut all = vec!["--user", "staff"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "csv"]);
    let out = run_binary(home, db, &all, "demo\n");
    assert!(out.status.success(), "{}", common::stderr(&out));
    stdout(&out)
}

/// Our visit's line in `followup list`: a placement visit of `case`.
fn visit_line(list: &str, case: &str) -> Option<String> {
    list.lines()
        .find(|l| l.starts_with('V') && l.contains(case))
        .map(str::to_string)
}

#[test]
fn record_a_placement_and_a_visit_and_see_the_list_move() {
    let home = tempfile::tempdir().expect("temp dir");
    let db = demo_office(home.path(), 100);
    let today = Local::now().date_naive();
    let start = today - Duration::days(14);

    // Someone registered well before the start, whose case is open and
    // who has no placement yet.
    let register = csv(home.path(), &db, &["list", "children"]);
    let placed = csv(home.path(), &db, &["placement", "list"]);
    let mut header = register.lines().next().expect("header").split(',');
    let col = |name: &str, h: &mut std::str::Split<'_, char>| {
        h.position(|c| c == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    let case_at = col("case_number", &mut header.clone());
    let status_at = col("status", &mut header.clone());
    let reg_at = col("registered_on", &mut header);
    let case = register
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|c| {
            let registered = NaiveDate::parse_from_str(c[reg_at], "%Y-%m-%d");
            c[status_at] == "active"
                && registered.is_ok_and(|r| r < start - Duration::days(30))
                && !placed.contains(c[case_at])
        })
        .map(|c| c[case_at].to_string())
        .expect("an active case without a placement");

    let db_s = db.to_string_lossy().into_owned();
    let mut pty = Pty::spawn(home.path(), &["--db", &db_s, "--user", "staff"]);
    pty.wait_text("Password");
    pty.send("demo\r");
    pty.wait_text("Follow-ups due");

    // Placements is the fifth screen; n records one.
    pty.send("5");
    pty.wait_text("Placements, newest first");
    pty.send("n");
    pty.wait_text("Record a placement");
    pty.focus_field("Case number");
    pty.send(&case);
    pty.focus_field("Job or business");
    pty.send("j "); // job
    pty.focus_field("Start date");
    pty.send(&"\x7f".repeat(12));
    pty.send(&start.to_string());
    pty.focus_field("Trade");
    pty.send("tailoring");
    pty.focus_field("Employer (job)");
    pty.send(EMPLOYER);
    pty.focus_field("Wage, Rs a month (job)");
    pty.send("12000");
    pty.send("\x13"); // ctrl-s
    pty.wait_text(&format!("Placement recorded for {case}"));

    // The CLI sees the first visit due today, 0 days late.
    let list = csv(home.path(), &db, &["followup", "list"]);
    let line = visit_line(&list, &case).unwrap_or_else(|| panic!("no visit due:\n{list}"));
    assert!(line.contains(",0,"), "due today: {line}");

    // The Follow-ups tab lists it; narrowed to it, Enter opens its form.
    pty.send("\x1b[C"); // right
    pty.wait_text("most late first");
    pty.send(&format!("/kind:visit {case}"));
    pty.wait_for("our visit alone", |s| {
        s.lines().any(|l| l.contains(&case) && l.contains("visit"))
    });
    pty.send("\r");
    pty.send("\r");
    pty.wait_text("Date of the visit");
    pty.focus_field("Outcome");
    pty.send("s "); // still working
    pty.focus_field("Problems faced");
    pty.send("long hours");
    pty.send("\x13");
    pty.wait_text("Visit recorded. The next visit is due");
    // Saving moved the list on: nothing of ours is due now.
    pty.wait_text("No matches.");

    pty.send("\x11"); // ctrl-q
    pty.wait_text("Quit casedesk?");
    pty.send("y");
    let all = pty.wait_exit();
    assert_restored(&all);
    assert!(!all.contains("panicked"));

    let list = csv(home.path(), &db, &["followup", "list"]);
    assert!(visit_line(&list, &case).is_none(), "{list}");
    let placements = csv(home.path(), &db, &["placement", "list"]);
    let ours = placements
        .lines()
        .find(|l| l.contains(&case) && l.contains(EMPLOYER))
        .unwrap_or_else(|| panic!("no placement:\n{placements}"));
    assert!(
        ours.contains(&today.to_string()),
        "last visit today: {ours}"
    );
    assert!(
        ours.contains(&(start + Duration::days(30)).to_string()),
        "next due after a month: {ours}"
    );
}
