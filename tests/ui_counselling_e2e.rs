//! End-to-end: a psychologist writes a counselling note in the real binary
//! (in a pseudo-terminal at 80x24, read through a vt100 emulator), reopens
//! it and sees it; afterwards the note's words are in no file of the
//! office's folder, the logs included.
#![cfg(unix)]

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{TEST_LOG_N, bin, contains_bytes, walk};

const LIMIT: Duration = Duration::from_secs(60);
const PHRASE: &str = "Quokka lantern 7731 whispered";

struct Pty {
    session: expectrl::Session,
    parser: vt100::Parser,
    raw: Vec<u8>,
}

impl Pty {
    fn spawn(home: &Path, args: &[&str]) -> Pty {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg("\"$0\" \"$@\"; echo \"exit=$?\"")
            .arg(bin())
            .args(args)
            .env("TERM", "xterm-256color")
            .env("CASEDESK_SCRYPT_LOG_N", TEST_LOG_N)
            .env("CASEDESK_DATA_DIR", home.join("data"))
            .env("CASEDESK_CONFIG_DIR", home.join("config"))
            .env_remove("CASEDESK_DB")
            .env_remove("CASEDESK_USER");
        let session = expectrl::Session::spawn(cmd).expect("spawn in a pty");
        Pty {
            session,
            parser: vt100::Parser::new(
                std::num::NonZeroU16::new(24).expect("rows"),
                std::num::NonZeroU16::new(80).expect("cols"),
                0,
            ),
            raw: Vec::new(),
        }
    }

    fn pump(&mut self) {
        let mut buf = [0u8; 16384];
        while let Ok(n) = self.session.try_read(&mut buf) {
            if n == 0 {
                break;
            }
            self.raw.extend_from_slice(&buf[..n]);
            self.parser.process(&buf[..n]);
        }
    }

    fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    #[track_caller]
    fn wait_for(&mut self, what: &str, ok: impl Fn(&str) -> bool) {
        let end = Instant::now() + LIMIT;
        loop {
            self.pump();
            if ok(&self.screen()) {
                return;
            }
            assert!(
                Instant::now() < end,
                "timed out waiting for {what}; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[track_caller]
    fn wait_text(&mut self, text: &str) {
        let t = text.to_string();
        self.wait_for(text, move |s| s.contains(&t));
    }

    fn send(&mut self, bytes: &str) {
        self.session.send(bytes).expect("send");
    }

    #[track_caller]
    fn wait_exit(&mut self) -> String {
        let end = Instant::now() + LIMIT;
        loop {
            self.pump();
            let all = String::from_utf8_lossy(&self.raw).into_owned();
            if all.contains("exit=") {
                return all;
            }
            assert!(
                Instant::now() < end,
                "casedesk did not exit; screen:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn demo_office(home: &Path) -> std::path::PathBuf {
    let db = home.join("demo.casedesk");
    let out = Command::new(bin())
        .args(["demo", "--no-open", "--children", "100", "--db"])
        .arg(&db)
        .env("CASEDESK_SCRYPT_LOG_N", TEST_LOG_N)
        .env("CASEDESK_DATA_DIR", home.join("data"))
        .env("CASEDESK_CONFIG_DIR", home.join("config"))
        .output()
        .expect("run demo");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

#[test]
fn psychologist_writes_and_rereads_a_note_that_no_file_holds_in_plain() {
    let home = tempfile::tempdir().expect("temp dir");
    let db = demo_office(home.path());
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
