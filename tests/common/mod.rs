//! Shared helpers for integration tests: real office files in temp dirs and
//! the real `casedesk` binary.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use casedesk::office::{self, OfficePaths, Session};
use casedesk::vault::{self, Unlocked};
use chrono::{NaiveDate, NaiveDateTime};

pub mod desk;
pub mod dump;
#[cfg(unix)]
pub mod pty;

/// How long a test waits for something another thread or process does
/// before it fails: generous, for a slow shared machine.
pub const LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// Small scrypt work factor so tests do not spend half a second per login
/// (pinned in-process by `fast_kdf`, passed by env to the binary).
pub const TEST_LOG_N: &str = "10";

pub fn fast_kdf() {
    casedesk::vault::crypto::pin_work_factor(TEST_LOG_N.parse().expect("number"));
}

pub fn secret(s: &str) -> age::secrecy::SecretString {
    age::secrecy::SecretString::from(s.to_string())
}

/// The day every demo office in the tests is built on, so what a test
/// sees (follow-ups due, ages, case numbers' years) is the same whatever
/// the real date. The desk's clock is fixed to this day too (`demo_now`).
pub fn demo_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date")
}

/// `demo_day` as the CLI's `--today` takes it.
pub const DEMO_DAY: &str = "2026-11-23";

/// The moment the desk's clock is fixed at in snapshot tests: the demo
/// day, mid-morning.
pub fn demo_now() -> NaiveDateTime {
    demo_day().and_hms_opt(10, 30, 0).expect("valid time")
}

/// A temp dir holding one office.
pub struct Office {
    pub dir: tempfile::TempDir,
    pub paths: OfficePaths,
}

impl Office {
    /// An empty path for an office (nothing created yet).
    pub fn empty() -> Office {
        fast_kdf();
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = OfficePaths::new(dir.path().join("office.casedesk"));
        Office { dir, paths }
    }

    /// A new office with manager `boss` / password `boss-pw river lantern`.
    pub fn new() -> Office {
        let o = Office::empty();
        office::create_office(
            &o.paths,
            "Test office",
            "boss",
            &secret("boss-pw river lantern"),
        )
        .expect("create");
        o
    }

    /// A demo office with `children` children (accounts manager, staff,
    /// psychologist; password demo), built on `demo_day()` with seed 7.
    pub fn demo(children: usize) -> Office {
        let o = Office::empty();
        casedesk::demo::build(
            &o.paths,
            &casedesk::demo::DemoOptions::new(children, demo_day()),
        )
        .expect("demo");
        o
    }

    /// Log in as the desk and the CLI do (audited: a `login` entry).
    pub fn login(&self, user: &str, password: &str) -> Session {
        office::login(&self.paths, user, &secret(password)).expect("login")
    }

    /// A second, raw connection below the office layer, for raw SQL and
    /// store-level calls. It writes no audit entry (unlike `login`): keep
    /// that in mind where a test counts entries.
    pub fn raw(&self, user: &str, password: &str) -> Unlocked {
        vault::login(&self.paths, user, &secret(password)).expect("raw login")
    }

    /// Run the real binary on this office with the given stdin lines.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        run_binary(self.dir.path(), &self.paths.db, args, stdin)
    }

    /// Every file in the office's dir, concatenated (db, WAL, keys, …).
    pub fn all_bytes(&self) -> Vec<u8> {
        let mut all = Vec::new();
        for entry in walk(self.dir.path()) {
            if let Ok(b) = std::fs::read(&entry) {
                all.extend_from_slice(&b);
            }
        }
        all
    }
}

pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_casedesk"))
}

/// Run `casedesk --db DB ARGS` with `stdin` piped in (so secrets are read
/// one per line) and the data dir inside `home`.
pub fn run_binary(home: &Path, db: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(bin())
        .arg("--db")
        .arg(db)
        .args(args)
        .env("CASEDESK_SCRYPT_LOG_N", TEST_LOG_N)
        .env("CASEDESK_DATA_DIR", home.join("data"))
        .env("CASEDESK_CONFIG_DIR", home.join("config"))
        .env_remove("CASEDESK_DB")
        .env_remove("CASEDESK_USER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn casedesk");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .ok();
    child.wait_with_output().expect("wait")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Assert a failed run: exit code, exactly one `error:` line, no panic.
#[track_caller]
pub fn assert_error(o: &Output, code: i32, contains: &str) {
    let err = stderr(o);
    assert_eq!(o.status.code(), Some(code), "exit code; stderr: {err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got: {err}");
    assert!(lines[0].starts_with("error: "), "starts with error: {err}");
    assert!(
        lines[0].contains(contains),
        "stderr {err:?} should contain {contains:?}"
    );
    assert!(!err.contains("panicked"), "no panic: {err}");
}

/// True if `needle` occurs in `hay`.
pub fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// Searches for many needles at once, in one pass over each haystack.
pub struct Needles {
    names: Vec<String>,
    finder: aho_corasick::AhoCorasick,
}

impl Needles {
    pub fn new<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> Needles {
        let names: Vec<String> = names
            .into_iter()
            .map(|n| n.as_ref().to_string())
            .filter(|n| !n.is_empty())
            .collect();
        let finder = aho_corasick::AhoCorasick::new(&names).expect("needles");
        Needles { names, finder }
    }

    /// The first needle found in `hay`, if any.
    pub fn find_in(&self, hay: &[u8]) -> Option<&str> {
        self.finder
            .find(hay)
            .map(|m| self.names[m.pattern().as_usize()].as_str())
    }
}

/// True once `ready()` holds, false if it still does not after `limit`;
/// checks every few milliseconds. For a state that another thread or
/// process reaches: a test never sleeps a fixed time and hopes.
pub fn eventually(limit: std::time::Duration, mut ready: impl FnMut() -> bool) -> bool {
    let end = std::time::Instant::now() + limit;
    loop {
        if ready() {
            return true;
        }
        if std::time::Instant::now() >= end {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

/// Wait until `ready()` holds, for at most `limit`; panics naming `what`
/// if it never does.
#[track_caller]
pub fn wait_until(what: &str, limit: std::time::Duration, ready: impl FnMut() -> bool) {
    assert!(
        eventually(limit, ready),
        "gave up after {limit:?} waiting for {what}"
    );
}

/// Fix this thread's clock at `demo_now()`, as a snapshot test fixes the
/// desk's (`App::fix_clock`): what the desk does on this thread (saving a
/// form, recording a view) is then stamped and checked on the same day
/// the desk shows. Work the desk runs on other threads (login, backups)
/// still sees the real clock.
#[must_use = "the clock is fixed only while the guard lives"]
pub fn fix_clock() -> casedesk::clock::FixedClock {
    casedesk::clock::fixed(demo_now())
}
