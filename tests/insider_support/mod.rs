//! The harness the insider tests share (`keys_insider.rs`,
//! `insider_leaves.rs`): a demo office in a temp home, the real binary run
//! on it as a second process, the key file read and written as JSON (as an
//! attacker with a text editor would), and what an attacker's key can open.

#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use age::secrecy::SecretString;
use age::x25519;
use casedesk::office::OfficePaths;
use casedesk::vault::{self, crypto};
use serde_json::Value;

pub const LOG_N: u8 = 10;
pub const DEMO_PW: &str = "demo";

pub fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl std::fmt::Debug for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?}; stdout {:?}; stderr {:?}",
            self.code, self.stdout, self.stderr
        )
    }
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Run {
        assert_eq!(self.code, Some(0), "expected success: {self:?}");
        self
    }

    /// A refusal: this exit code, one `error:` line containing `text`.
    #[track_caller]
    pub fn refused(&self, code: i32, text: &str) {
        assert_eq!(self.code, Some(code), "exit code: {self:?}");
        assert!(self.stderr.starts_with("error: "), "{self:?}");
        assert_eq!(self.stderr.trim_end().lines().count(), 1, "{self:?}");
        assert!(self.stderr.contains(text), "expected {text:?}: {self:?}");
        assert!(!self.stderr.contains("panicked"), "{self:?}");
    }
}

/// One office in a temp dir (its data dir, log and config inside it too).
pub struct Office {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub paths: OfficePaths,
}

impl Office {
    pub fn empty() -> Office {
        vault::crypto::pin_work_factor(LOG_N);
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("office.casedesk");
        let paths = OfficePaths::new(&db);
        Office { dir, db, paths }
    }

    /// A small demo office: manager, staff, psychologist (password demo);
    /// the psychologist holds the counselling key.
    pub fn demo() -> Office {
        let o = Office::empty();
        casedesk::demo::build(
            &o.paths,
            &casedesk::demo::DemoOptions {
                children: 5,
                seed: 7,
                today: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
            },
        )
        .expect("demo office");
        o
    }

    pub fn command(&self, user: Option<&str>, args: &[&str]) -> Command {
        self.command_at(&self.db, user, args)
    }

    /// The binary on another office file in the same home.
    pub fn command_at(&self, db: &std::path::Path, user: Option<&str>, args: &[&str]) -> Command {
        let home = self.dir.path();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_casedesk"));
        cmd.arg("--db").arg(db);
        if let Some(u) = user {
            cmd.args(["--user", u]);
        }
        cmd.args(args)
            .env("CASEDESK_SCRYPT_LOG_N", LOG_N.to_string())
            .env("CASEDESK_DATA_DIR", home.join("data"))
            .env("CASEDESK_CONFIG_DIR", home.join("config"))
            .env("HOME", home)
            .env_remove("CASEDESK_DB")
            .env_remove("CASEDESK_USER")
            .env_remove("CASEDESK_TEST_PAUSE")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        cmd
    }

    /// Run the binary; `stdin` holds the secrets, one per line.
    pub fn run(&self, user: Option<&str>, args: &[&str], stdin: &str) -> Run {
        let mut child = self.command(user, args).spawn().expect("spawn casedesk");
        let _ = child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes());
        let out = child.wait_with_output().expect("wait");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn key_file(&self) -> Value {
        serde_json::from_slice(&std::fs::read(&self.paths.keys).expect("read key file"))
            .expect("key file is JSON")
    }

    pub fn write_key_file(&self, v: &Value) {
        std::fs::write(
            &self.paths.keys,
            serde_json::to_vec_pretty(v).expect("encode"),
        )
        .expect("write key file");
    }

    /// Audit entries with exactly this action (manager's view), as
    /// (user, detail).
    pub fn audit(&self, manager: (&str, &str), action: &str) -> Vec<(String, String)> {
        let r = self
            .run(
                Some(manager.0),
                &["audit", "--action", action, "--format", "csv"],
                &format!("{}\n", manager.1),
            )
            .ok();
        let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
        rd.records()
            .map(|rec| rec.expect("csv"))
            .filter(|rec| rec.get(3) == Some(action))
            .map(|rec| (rec[2].to_string(), rec[5].to_string()))
            .collect()
    }

    /// The first case number in the register.
    pub fn first_case(&self) -> String {
        let r = self
            .run(
                Some("staff"),
                &["list", "children", "--format", "csv"],
                "demo\n",
            )
            .ok();
        r.stdout
            .lines()
            .nth(1)
            .and_then(|l| l.split(',').next())
            .expect("a child in the demo office")
            .to_string()
    }

    /// Record a counselling session with its note as `user`; its id.
    pub fn add_note(&self, user: &str, pw: &str, case: &str, text: &str) -> i64 {
        let r = self
            .run(
                Some(user),
                &[
                    "counselling",
                    "add",
                    "--person",
                    case,
                    "--kind",
                    "individual",
                    "--minutes",
                    "30",
                ],
                &format!("{pw}\n{text}\n"),
            )
            .ok();
        r.stdout.trim().parse().expect("session id on stdout")
    }
}

/// Every sealed copy of the master key in a key file, with where it is.
pub fn sealed_masters(keys: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut take = |slot: &Value, who: &str| {
        for field in ["master", "master_next"] {
            if let Some(s) = slot.get(field).and_then(Value::as_str) {
                out.push((format!("{who}.{field}"), s.to_string()));
            }
        }
    };
    for u in keys["users"].as_array().expect("users") {
        take(u, u["name"].as_str().expect("name"));
    }
    take(&keys["recovery"], "recovery");
    out
}

/// Nothing in the key file opens with the attacker's identity.
#[track_caller]
pub fn attacker_gets_nothing(o: &Office, attacker: &x25519::Identity, when: &str) {
    for (at, sealed) in sealed_masters(&o.key_file()) {
        assert!(
            crypto::open_master(&sealed, attacker).is_err(),
            "{when}: the master key was sealed to the attacker's key ({at})"
        );
    }
}
