//! End-to-end: a psychologist writes a counselling note in the real binary
//! (in a pseudo-terminal at 80x24, read through a vt100 emulator), reopens
//! it and sees it; afterwards the note's words are in no file of the
//! office's folder, the logs included.
#![cfg(unix)]

mod common;

use common::pty::{Pty, demo_office};

use common::{contains_bytes, walk};

const PHRASE: &str = "Quokka lantern 7731 whispered";

#[test]
fn psychologist_writes_and_rereads_a_note_that_no_file_holds_in_plain() {
    let home = tempfile::tempdir().expect("temp dir");
    let db = demo_office(home.path(), 100);
    let db_s = db.to_string_lossy().into_owned();
    let mut pty = Pty::spawn(home.path(), &["--db", &db_s, "--user", "psychologist"]);
    pty.wait_text("Password");
    pty.send("demo\r");
    pty.wait_text("Counselling");

    // A psychologist's menu: 1 Home, 2 Counselling.
    pty.send("2");
    pty.wait_text("Persons with counselling");
    pty.send("\r");
    pty.wait_text("Sessions ·");

    // A new individual session with the phrase at the end of the note.
    pty.send("n");
    pty.wait_text("which kind?");
    pty.send("\x1b[B"); // down: individual
    pty.send("\r");
    pty.wait_text("New individual session");
    pty.send("\t");
    pty.send("40");
    pty.send("\t");
    pty.send(PHRASE);
    pty.wait_text("whispered");
    pty.send("\x13"); // ctrl-s
    pty.wait_text("Session saved");
    assert!(!pty.screen().contains(PHRASE), "the list shows no text");

    // The new session is selected: open it and read the phrase back.
    pty.send("\r");
    pty.wait_text("Version 1 of 1");
    pty.send("G"); // the end of the note, where the phrase was typed
    pty.wait_for("the phrase in the note", |s| s.contains(PHRASE));

    // Back to the list (the note is dropped), then quit.
    pty.send("\x1b");
    pty.wait_for("the note closed", |s| !s.contains(PHRASE));
    pty.send("\x11"); // ctrl-q
    pty.wait_text("Quit casedesk?");
    pty.send("y");
    let all = pty.wait_exit();
    assert!(all.contains("exit=0"), "exit code 0");

    // No file in the office's folder (office file, WAL, key file, head
    // file, logs, config) holds the phrase in plain bytes.
    for file in walk(home.path()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        for needle in [PHRASE, "Quokka", "7731 whispered"] {
            assert!(
                !contains_bytes(&bytes, needle.as_bytes()),
                "{} holds the note text",
                file.display()
            );
        }
    }
}
