//! End-to-end: a teacher takes a whole session's attendance by keystrokes
//! in the real binary (a pseudo-terminal at 80x24): Classes, Enter on the
//! first class, one key per child, `r` for the rest, Ctrl-S, quit with the
//! terminal restored; then `casedesk list attendance` shows the marks.
#![cfg(unix)]

mod common;

use common::pty::{Pty, assert_restored, demo_office};
use common::{run_binary, stdout};

#[test]
fn take_a_session_by_keystrokes_and_see_it_in_the_month_sheet() {
    let home = tempfile::tempdir().expect("temp dir");
    let db = demo_office(home.path(), 300);
    let db_s = db.to_string_lossy().into_owned();
    let mut pty = Pty::spawn(home.path(), &["--db", &db_s, "--user", "staff"]);
    pty.wait_text("Password");
    pty.send("demo\r");
    pty.wait_text("Follow-ups due");

    // Classes is the fourth screen; the first class is "Literacy evening".
    pty.send("4");
    pty.wait_text("Enter attendance");
    pty.send("\r");
    pty.wait_text("Attendance · Literacy evening");
    // The sheet opened on the class's latest day (up to the real today).
    let screen = pty.screen();
    let title = screen
        .lines()
        .find(|l| l.contains("Attendance · Literacy evening"))
        .expect("title");
    // Shown in the office's date order (day first): 23/11/2026.
    let shown = title
        .split_whitespace()
        .find(|w| w.len() == 10 && w.as_bytes()[2] == b'/' && w.as_bytes()[5] == b'/')
        .expect("a date in the title");
    let date = format!("{}-{}-{}", &shown[6..], &shown[3..5], &shown[..2]);
    let rows: Vec<String> = screen
        .lines()
        .filter(|l| l.contains("CPC-") || l.contains("WD-"))
        .filter_map(|l| {
            l.split_whitespace()
                .find(|w| w.starts_with("CPC-") || w.starts_with("WD-"))
                .map(str::to_string)
        })
        .collect();
    assert!(rows.len() >= 2, "{screen}");

    // First child absent, second late, everyone else present: 3 keys.
    pty.send("a");
    pty.send("l");
    pty.send("r");
    pty.wait_text("0 to mark");
    pty.send("\x13"); // Ctrl-S
    pty.wait_text("Saved");
    pty.send("\x1b"); // back to the list
    pty.wait_text("Enter attendance");
    pty.send("\x11"); // Ctrl-Q
    pty.wait_text("Quit casedesk?");
    pty.send("y");
    let all = pty.wait_exit();
    assert_restored(&all);

    let month = &date[..7];
    let out = run_binary(
        home.path(),
        &db,
        &[
            "--user",
            "staff",
            "list",
            "attendance",
            "--class",
            "Literacy evening",
            "--month",
            month,
            "--format",
            "csv",
        ],
        "demo\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let csv = stdout(&out);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == date)
        .expect("the session's column");
    let marks: Vec<(String, String)> = lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (cells[0].to_string(), cells[col].to_string())
        })
        .filter(|(case, _)| rows.contains(case))
        .collect();
    assert_eq!(marks.len(), rows.len(), "{csv}");
    for (i, case) in rows.iter().enumerate() {
        let mark = &marks.iter().find(|(c, _)| c == case).expect("row").1;
        let want = match i {
            0 => "A",
            1 => "L",
            _ => "P",
        };
        assert_eq!(mark, want, "{case}: {csv}");
    }
}
