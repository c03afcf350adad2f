//! Shared helpers for integration tests: real office files in temp dirs and
//! the real `casedesk` binary.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use casedesk::vault::{self, OfficePaths, Session};

#[cfg(unix)]
pub mod pty;

/// Small scrypt work factor so tests do not spend half a second per login
/// (pinned in-process by `fast_kdf`, passed by env to the binary).
pub const TEST_LOG_N: &str = "10";

pub fn fast_kdf() {
    casedesk::vault::crypto::pin_work_factor(TEST_LOG_N.parse().expect("number"));
}

pub fn secret(s: &str) -> age::secrecy::SecretString {
    age::secrecy::SecretString::from(s.to_string())
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

    /// A new office with manager `boss` / password `boss-pw`.
    pub fn new() -> Office {
        let o = Office::empty();
        vault::create_office(&o.paths, "Test office", "boss", &secret("boss-pw")).expect("create");
        o
    }

    /// A demo office with `children` children (accounts manager, staff,
    /// psychologist; password demo).
    pub fn demo(children: usize) -> Office {
        let o = Office::empty();
        casedesk::demo::build(&o.paths, &casedesk::demo::DemoOptions { children, seed: 7 })
            .expect("demo");
        o
    }

    pub fn login(&self, user: &str, password: &str) -> Session {
        vault::login(&self.paths, user, &secret(password)).expect("login")
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
