//! End-to-end: a staff member registers a child through the intake form of
//! the real binary (in a pseudo-terminal at 80x24), finds them by search in
//! the register, quits with the terminal restored; the CLI's register
//! lists the child.
#![cfg(unix)]

mod common;

use common::pty::{Pty, assert_restored, demo_office};
use common::{run_binary, stdout};

/// A made-up name no demo office holds.
const NAME: &str = "Quokkabee Zindaqi";
const FATHER: &str = "Marmalade Zindaqi";

#[test]
fn register_a_child_and_find_them() {
    let home = tempfile::tempdir().expect("temp dir");
    let db = demo_office(home.path(), 100);
    let db_s = db.to_string_lossy().into_owned();
    let mut pty = Pty::spawn(home.path(), &["--db", &db_s, "--user", "staff"]);
    pty.wait_text("Password");
    pty.send("demo\r");
    pty.wait_text("Follow-ups due");

    // Intake is the third screen for staff. Each field is reached by its
    // label on the screen, not by counting Tabs.
    pty.send("3");
    pty.wait_text("New intake");
    assert_eq!(
        common::pty::focused_label(&pty.screen()).as_deref(),
        Some("Programme"),
        "the form opens on the programme (it stays CPC)"
    );
    pty.focus_field("Name");
    pty.send(NAME);
    pty.focus_field("Father/husband name");
    pty.send(FATHER);
    pty.focus_field("Sex");
    pty.send("m "); // male
    // No date of birth: an estimated age.
    pty.focus_field("Or estimated age");
    pty.send("11");
    pty.focus_field("Referral source");
    pty.send(" "); // the first: outreach spot
    pty.focus_field("Concerns (CPC)");
    pty.send(" "); // the first: CSEC
    pty.focus_field("Risk level");
    pty.send("l "); // low
    pty.wait_text("( ) high");
    pty.send("\x13"); // ctrl-s
    pty.wait_text("Registered CPC-");
    let case = {
        let s = pty.screen();
        let at = s.find("Registered CPC-").expect("case number") + "Registered ".len();
        s[at..at + "CPC-2026-0000".len()].to_string()
    };
    pty.send("\r");
    pty.wait_for("the new file", |s| {
        s.contains(NAME) && s.contains(" Profile ")
    });
    assert!(pty.screen().contains(&case));
    assert!(pty.screen().contains("age 11 (est.)"));

    // The register finds the child by a part of the name.
    pty.send("2");
    pty.wait_text("Register: All");
    pty.send("/quokka");
    pty.wait_text("Search: quokka");
    pty.wait_for("the child in the list", |s| {
        s.lines()
            .any(|l| l.contains(&case) && l.contains("Quokkab"))
    });
    pty.send("\r");

    pty.send("\x11"); // ctrl-q
    pty.wait_text("Quit casedesk?");
    pty.send("y");
    let all = pty.wait_exit();
    assert_restored(&all);
    assert!(!all.contains("panicked"));

    // The scripting surface sees the same child.
    let out = run_binary(
        home.path(),
        &db,
        &["--user", "staff", "list", "children", "--format", "csv"],
        "demo\n",
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let csv = stdout(&out);
    let line = csv
        .lines()
        .find(|l| l.contains(NAME))
        .unwrap_or_else(|| panic!("{NAME} not in the CSV"));
    assert!(line.contains(&case), "{line}");
    assert!(line.contains(FATHER), "{line}");
}
