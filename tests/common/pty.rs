//! The real binary in a pseudo-terminal at 80x24, its output parsed by a
//! terminal emulator (vt100) so tests read the screen as a person would.
//! Every wait is for text on the screen (or the shell's end marker), with
//! a generous limit, never a fixed sleep. Shared by the end-to-end tests
//! (moved here from `ui_e2e.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub use super::LIMIT;
use super::{DEMO_DAY, TEST_LOG_N, bin};

/// What the shell prints once `stty -a` has finished, so a test waits for
/// the whole report rather than for a moment to pass.
const END: &str = "casedesk-pty-end";

/// Most Tabs `focus_field` presses before it gives up: more than any form
/// has fields.
const MAX_TABS: usize = 60;

/// The label of the form field that has the focus, as drawn: the form marks
/// that row `▸ Label *: …`. The menu's `▸` (no space after it) and list
/// selections (no `:` before the next frame line) are not fields.
pub fn focused_label(screen: &str) -> Option<String> {
    screen.lines().find_map(|line| {
        line.match_indices('▸').find_map(|(at, marker)| {
            let rest = &line[at + marker.len()..];
            let (label, _) = rest.strip_prefix(' ')?.split_once(':')?;
            if label.contains(['│', '║', '▸']) {
                return None;
            }
            Some(label.trim().trim_end_matches('*').trim().to_string())
        })
    })
}

pub struct Pty {
    pub session: expectrl::Session,
    parser: vt100::Parser,
    raw: Vec<u8>,
}

impl Pty {
    /// `casedesk ARGS` in a PTY with its data and config dirs inside
    /// `home`; after it exits, the shell prints `exit=N` and `stty -a`, so
    /// a test can see raw mode was left.
    pub fn spawn(home: &Path, args: &[&str]) -> Pty {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!(
                "\"$0\" \"$@\"; echo \"exit=$?\"; stty -a; echo {END}"
            ))
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

    /// Read what the program wrote so far; true if anything came.
    pub fn pump(&mut self) -> bool {
        let mut buf = [0u8; 16384];
        let mut got = false;
        loop {
            match self.session.try_read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    self.raw.extend_from_slice(&buf[..n]);
                    self.parser.process(&buf[..n]);
                    got = true;
                }
                Err(_) => break,
            }
        }
        got
    }

    /// The screen's text now.
    pub fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    #[track_caller]
    pub fn wait_for(&mut self, what: &str, ok: impl Fn(&str) -> bool) {
        let end = Instant::now() + LIMIT;
        loop {
            self.pump();
            if ok(&self.screen()) {
                return;
            }
            if Instant::now() > end {
                panic!("timed out waiting for {what}; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[track_caller]
    pub fn wait_text(&mut self, text: &str) {
        let t = text.to_string();
        self.wait_for(text, move |s| s.contains(&t));
    }

    pub fn send(&mut self, bytes: &str) {
        self.session.send(bytes).expect("send");
    }

    /// Press Tab until the form's focused field is the one labelled
    /// `label` (forwards only), reading the screen after every press: a
    /// test names the field it fills, so a field added to a form does not
    /// silently shift what is typed where.
    #[track_caller]
    pub fn focus_field(&mut self, label: &str) {
        for _ in 0..MAX_TABS {
            self.wait_for("a focused form field", |s| focused_label(s).is_some());
            let now = focused_label(&self.screen()).unwrap_or_default();
            if now == label {
                return;
            }
            self.send("\t");
            self.wait_for(&format!("the focus to leave {now:?} for {label:?}"), |s| {
                focused_label(s).is_some_and(|l| l != now)
            });
        }
        panic!(
            "no field labelled {label:?} after {MAX_TABS} Tabs; screen:\n{}",
            self.screen()
        );
    }

    /// Wait for the shell's `stty -a` after casedesk exits, to its end
    /// marker; returns everything the PTY showed.
    #[track_caller]
    pub fn wait_exit(&mut self) -> String {
        let end = Instant::now() + LIMIT;
        loop {
            self.pump();
            let all = String::from_utf8_lossy(&self.raw).into_owned();
            if all.contains("exit=") && all.contains(END) {
                return all;
            }
            if Instant::now() > end {
                panic!("casedesk did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// `casedesk demo --no-open --children N --today DEMO_DAY --db
/// HOME/demo.casedesk`: built on the same day as every test's demo office.
pub fn demo_office(home: &Path, children: usize) -> PathBuf {
    let db = home.join("demo.casedesk");
    let out = Command::new(bin())
        .args([
            "demo",
            "--no-open",
            "--children",
            &children.to_string(),
            "--today",
            DEMO_DAY,
            "--db",
        ])
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

/// The terminal is as it was: alternate screen left, cursor shown, exit
/// code 0, raw mode off.
#[track_caller]
pub fn assert_restored(all: &str) {
    assert!(all.contains("\x1b[?1049l"), "left the alternate screen");
    assert!(all.contains("\x1b[?25h"), "cursor shown again");
    assert!(all.contains("exit=0"), "exit code 0: {all:?}");
    let tail = &all[all.rfind("exit=").unwrap_or(0)..];
    // Raw mode is off: line editing is back (the PTY starts with echo off,
    // so echo is not a sign either way).
    assert!(tail.contains(" icanon"), "canonical mode: {tail}");
    assert!(!tail.contains("-icanon"), "raw mode left on: {tail}");
}
