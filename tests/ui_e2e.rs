//! End-to-end: the real binary in a pseudo-terminal at 80x24, its output
//! parsed by a terminal emulator (vt100) so the tests read the screen as a
//! person would. Every wait is for text on the screen, with a generous
//! limit, never a fixed sleep.
#![cfg(unix)]

mod common;

use common::pty::{LIMIT, Pty, assert_restored, demo_office};
use common::{eventually, wait_until};
use std::process::Command;
use std::time::Duration;

#[test]
fn log_in_search_help_panic_unlock_quit() {
    let home = tempfile::tempdir().expect("temp dir");
    let db = demo_office(home.path(), 200);
    let db_s = db.to_string_lossy().into_owned();
    let mut pty = Pty::spawn(home.path(), &["--db", &db_s, "--user", "manager"]);
    pty.wait_text("Password");
    pty.send("demo\r");
    pty.wait_text("Follow-ups due");
    assert!(pty.screen().contains("Demo office"));

    // The register, and a search for a name the demo always has.
    pty.send("2");
    pty.wait_text("Register: All");
    pty.send("/khan");
    pty.wait_text("Search: khan");
    pty.wait_for("a Khan in the list", |s| {
        s.lines().any(|l| l.contains("CPC-") && l.contains("Khan"))
    });
    pty.send("\r");

    // Help for the register.
    pty.send("?");
    pty.wait_text("Help: Register");
    pty.send("\x1b");
    pty.wait_for("help closed", |s| !s.contains("Help: Register"));

    // The panic key: nothing of the desk stays on the screen, only a clock
    // and a date (every word a weekday or a month). Waited for as a whole:
    // the screen is read while frames arrive, and a frame half drawn still
    // shows bits of the desk for a moment.
    pty.send("\x1b[24~");
    let weekdays = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let months = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    // The one line besides them is the quiet hint (issue 24, item 7);
    // nothing of the desk.
    let hint = "type your password and Enter to come back";
    pty.wait_for("the blank page: a clock, a date and the hint", |s| {
        let Some(rest) = s.contains(hint).then(|| s.replace(hint, "")) else {
            return false;
        };
        let words: Vec<&str> = rest
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphabetic))
            .collect();
        words.iter().any(|w| weekdays.contains(w))
            && words.iter().any(|w| months.contains(w))
            && words
                .iter()
                .all(|w| weekdays.contains(w) || months.contains(w))
    });
    // The password, typed blind, brings the desk back as it was.
    pty.send("demo\r");
    pty.wait_text("Register: All");
    pty.wait_text("Search: khan");

    // Ctrl-Q quits; the terminal is as it was.
    pty.send("\x11");
    pty.wait_text("Quit casedesk?");
    pty.send("y");
    let all = pty.wait_exit();
    assert_restored(&all);
}

#[test]
fn wrong_password_shows_the_message_and_keeps_running() {
    let home = tempfile::tempdir().expect("temp dir");
    let db = demo_office(home.path(), 200);
    let db_s = db.to_string_lossy().into_owned();
    let mut pty = Pty::spawn(home.path(), &["--db", &db_s, "--user", "manager"]);
    pty.wait_text("Password");
    pty.send("wrong\r");
    pty.wait_text("Wrong user name or password.");
    assert!(!pty.screen().contains("wrong"), "the password never shows");
    // Still alive: a second try with the right password works at once
    // (the growing wait starts after the second failure in a row).
    pty.send("demo\r");
    pty.wait_text("Follow-ups due");
    pty.send("\x11");
    pty.wait_text("Quit casedesk?");
    pty.send("y");
    let all = pty.wait_exit();
    assert_restored(&all);
}

/// The casedesk process under the PTY's shell.
fn casedesk_pid(pty: &Pty) -> String {
    let shell = pty.session.get_process().pid().to_string();
    let mut pid = String::new();
    wait_until("casedesk under the PTY's shell", LIMIT, || {
        let out = Command::new("pgrep")
            .args(["-P", &shell])
            .output()
            .expect("pgrep");
        pid = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        !pid.is_empty()
    });
    pid
}

fn alive(pid: &str) -> bool {
    Command::new("kill")
        .args(["-0", pid])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// An SSH connection that drops: SIGHUP, then the terminal is gone. The
/// desk must end by itself, not linger (or spin) without a terminal.
#[test]
fn a_hung_up_terminal_ends_the_desk() {
    let home = tempfile::tempdir().expect("temp dir");
    let db = demo_office(home.path(), 50);
    let db_s = db.to_string_lossy().into_owned();
    let mut pty = Pty::spawn(home.path(), &["--db", &db_s, "--user", "staff"]);
    pty.wait_text("Password");
    pty.send("demo\r");
    pty.wait_text("Register");
    let child = casedesk_pid(&pty);
    Command::new("kill")
        .args(["-HUP", &child])
        .status()
        .expect("kill");
    drop(pty);
    if !eventually(Duration::from_secs(15), || !alive(&child)) {
        let _ = Command::new("kill").args(["-9", &child]).status();
        panic!("casedesk was still running 15 s after its terminal hung up");
    }
}

#[test]
fn sigterm_restores_the_terminal() {
    let home = tempfile::tempdir().expect("temp dir");
    let db = demo_office(home.path(), 200);
    let db_s = db.to_string_lossy().into_owned();
    let mut pty = Pty::spawn(home.path(), &["--db", &db_s, "--user", "manager"]);
    pty.wait_text("Password");
    // Find casedesk (the shell's child) and send it SIGTERM.
    let child = casedesk_pid(&pty);
    Command::new("kill")
        .args(["-TERM", &child])
        .status()
        .expect("kill");
    let all = pty.wait_exit();
    assert!(all.contains("\x1b[?1049l"), "left the alternate screen");
    let tail = &all[all.rfind("exit=").unwrap_or(0)..];
    assert!(!tail.contains("-icanon"), "raw mode left on: {tail}");
}

/// A name stored with an escape sequence (written past the intake rules,
/// as an import or an older file might) never reaches a terminal raw, not
/// even through `list children --format csv`; piped, CSV keeps it exactly.
#[test]
fn stored_escape_sequences_never_reach_the_terminal_raw() {
    let home = tempfile::tempdir().expect("temp dir");
    let db = demo_office(home.path(), 20);
    let db_s = db.to_string_lossy().into_owned();
    {
        // Straight into the table on a raw connection, past the intake rules.
        let paths = casedesk::office::OfficePaths::new(&db);
        common::fast_kdf();
        let s = casedesk::vault::login(&paths, "staff", &common::secret("demo")).expect("login");
        s.conn()
            .execute(
                "UPDATE persons SET name = ?1 WHERE id = (SELECT min(id) FROM persons)",
                ["Evil\u{1b}]0;owned\u{7}\u{1b}[31mName"],
            )
            .expect("update");
    }
    for format in ["csv", "table"] {
        let mut pty = Pty::spawn(
            home.path(),
            &[
                "--db", &db_s, "--user", "staff", "list", "children", "--format", format,
            ],
        );
        pty.wait_text("Password");
        pty.send("demo\r");
        let all = pty.wait_exit();
        assert!(
            all.contains("EvilName") || all.contains("Evil\u{FFFD}"),
            "{format}: {all:?}"
        );
        assert!(
            !all.contains("\u{1b}]0;owned"),
            "{format}: the escape reached the terminal"
        );
        assert!(
            !all.contains("\u{1b}[31mName"),
            "{format}: the escape reached the terminal"
        );
    }
    // Piped (a script), CSV keeps the stored text exactly.
    let out = common::run_binary(
        home.path(),
        &db,
        &["--user", "staff", "list", "children", "--format", "csv"],
        "demo\n",
    );
    assert!(common::stdout(&out).contains("\u{1b}[31mName"));
}

#[test]
fn a_broken_config_file_still_opens_the_desk_with_the_defaults() {
    let home = tempfile::tempdir().expect("temp dir");
    let db = demo_office(home.path(), 50);
    let db_s = db.to_string_lossy().into_owned();
    let config = home.path().join("config");
    std::fs::create_dir_all(&config).expect("config dir");
    std::fs::write(config.join("config.toml"), "idle_lock_minutes = \"soon\"\n").expect("write");
    let mut pty = Pty::spawn(home.path(), &["--db", &db_s, "--user", "manager"]);
    pty.wait_text("Password");
    pty.wait_text("Default settings in use");
    pty.send("demo\r");
    pty.wait_text("Follow-ups due");
    pty.send("\x11");
    pty.wait_text("Quit casedesk?");
    pty.send("y");
    let all = pty.wait_exit();
    assert!(all.contains("exit=0"), "{all}");
    assert_restored(&all);
}
