//! A real office file in a temp dir with a manager and staff accounts (one
//! strong password for all), input files written beside it, the real
//! binary run on it, and raw reads of what was saved. Shared by the import,
//! classes and placements tests.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use age::secrecy::SecretString;

use casedesk::domain::Role;
use casedesk::office::{self, OfficePaths, Session};
use casedesk::vault;

pub const PW: &str = "kite river lantern 7";

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

pub struct Office {
    pub dir: tempfile::TempDir,
    pub paths: OfficePaths,
}

impl Office {
    /// A manager and one staff account, `staff`.
    pub fn new() -> Office {
        Office::with(&[("staff", Role::Staff)])
    }

    /// A manager and these accounts.
    pub fn with(accounts: &[(&str, Role)]) -> Office {
        vault::crypto::pin_work_factor(10);
        let dir = tempfile::tempdir().expect("dir");
        let paths = OfficePaths::new(dir.path().join("office.casedesk"));
        let (mut m, _) =
            office::create_office(&paths, "Test office", "manager", &secret(PW)).expect("create");
        for (name, role) in accounts {
            m.add_user(name, *role, &secret(PW)).expect("account");
        }
        Office { dir, paths }
    }

    pub fn login(&self, name: &str) -> Session {
        office::login(&self.paths, name, &secret(PW)).expect("login")
    }

    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).expect("write input");
        path
    }

    pub fn query(&self, sql: &str) -> Vec<Vec<String>> {
        let raw = vault::login(&self.paths, "manager", &secret(PW)).expect("raw");
        let mut stmt = raw.conn().prepare(sql).expect("prepare");
        let n = stmt.column_count();
        stmt.query_map([], |r| {
            (0..n)
                .map(|i| {
                    r.get::<_, Option<String>>(i)
                        .or_else(|_| r.get::<_, i64>(i).map(|v| Some(v.to_string())))
                        .map(Option::unwrap_or_default)
                })
                .collect()
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.query(sql)[0][0].parse().expect("count")
    }

    pub fn persons(&self) -> i64 {
        self.count("SELECT count(*) FROM persons")
    }

    pub fn run(&self, user: &str, args: &[&str]) -> Output {
        self.run_with(user, args, "")
    }

    /// `run`, with `stdin` after the password line.
    pub fn run_with(&self, user: &str, args: &[&str], stdin: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_casedesk"))
            .arg("--db")
            .arg(&self.paths.db)
            .arg("--user")
            .arg(user)
            .args(args)
            .env("CASEDESK_SCRYPT_LOG_N", "10")
            .env("CASEDESK_DATA_DIR", self.dir.path())
            .env("HOME", self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{PW}\n{stdin}").as_bytes())
            .expect("write stdin");
        child.wait_with_output().expect("wait")
    }

    pub fn import(&self, args: &[&str]) -> Output {
        let mut all = vec!["import"];
        all.extend_from_slice(args);
        self.run("manager", &all)
    }
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[track_caller]
pub fn ok(out: &Output) -> (String, String) {
    let (o, e) = (text(&out.stdout), text(&out.stderr));
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{o}\nstderr:\n{e}",
        out.status.code()
    );
    (o, e)
}

/// A failure: the exit code, and exactly one `error:` line on stderr.
#[track_caller]
pub fn failed(out: &Output, code: i32) -> (String, String) {
    let (o, e) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(code), "stdout:\n{o}\nstderr:\n{e}");
    let lines: Vec<&str> = e.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {e}");
    assert!(lines[0].starts_with("error: "), "{e}");
    (o, e)
}

pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}
