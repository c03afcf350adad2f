//! Issue 10, defect 6 (a full disk): on a full disk every command, even
//! `check`, used to say the office file "is damaged", which sends people to
//! their backups for nothing. Now it says "the disk is full", and once space
//! is freed everything works and nothing acknowledged is lost.
//!
//! A real full disk: a 4 MiB tmpfs holding a small demo office, filled up
//! with a big file. Mounting needs root: on a machine where it cannot
//! mount, the test fails and says why (no test skips itself; CI runs as
//! root).
//!
//! Self-contained (no `mod common`): its own small helpers below.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use age::secrecy::SecretString;
use casedesk::office::{self, OfficePaths};

const LOG_N: u8 = 10;
const DEMO_PW: &str = "demo";
const NEW_PW: &str = "kite river lantern 7";

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

/// A tmpfs mounted for the test's life; unmounted when dropped (also when
/// the test fails half-way).
struct Mount {
    dir: PathBuf,
}

impl Mount {
    fn new(dir: &Path, size: &str) -> Result<Mount, String> {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if out.status.success() {
            Ok(Mount {
                dir: dir.to_path_buf(),
            })
        } else {
            Err(String::from_utf8_lossy(&out.stderr).into_owned())
        }
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let ok = Command::new("umount")
            .arg(&self.dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            // A process of ours may still hold a file there: detach it.
            let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        }
    }
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2).map(|e| e == "0"))
        })
        .unwrap_or(false)
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
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

/// `casedesk --db DB [--user USER] ARGS`, secrets on stdin one per line,
/// the data dir (and its log file) outside the small disk.
fn run(home: &Path, db: &Path, user: Option<&str>, args: &[&str], stdin: &str) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_casedesk"));
    cmd.arg("--db").arg(db);
    if let Some(u) = user {
        cmd.args(["--user", u]);
    }
    let mut child = cmd
        .args(args)
        .env("CASEDESK_SCRYPT_LOG_N", LOG_N.to_string())
        .env("CASEDESK_DATA_DIR", home.join("data"))
        .env("CASEDESK_CONFIG_DIR", home.join("config"))
        .env("HOME", home)
        .env_remove("CASEDESK_DB")
        .env_remove("CASEDESK_USER")
        .env_remove("CASEDESK_TEST_PAUSE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn casedesk");
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    let out: Output = child.wait_with_output().expect("wait");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// How many audit entries have exactly this action (the filter also
/// matches sub-actions, so the rows are filtered again here).
fn audit_count(home: &Path, db: &Path, action: &str) -> usize {
    let r = run(
        home,
        db,
        Some("manager"),
        &["audit", "--action", action, "--format", "csv"],
        "demo\n",
    );
    assert_eq!(r.code, Some(0), "audit: {r:?}");
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    rd.records()
        .map(|rec| rec.expect("csv"))
        .filter(|rec| rec.get(3) == Some(action))
        .count()
}

/// Fill the file system holding `path` to the last byte. Returns the file.
fn fill(dir: &Path) -> PathBuf {
    let path = dir.join("fill");
    let mut f = std::fs::File::create(&path).expect("create fill");
    let mut chunk = 64 * 1024;
    let zeros = vec![0u8; chunk];
    while chunk > 0 {
        match f.write(&zeros[..chunk]) {
            Ok(0) => chunk /= 2,
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull => chunk /= 2,
            Err(e) => panic!("filling the disk: {e}"),
        }
    }
    let _ = f.sync_all();
    path
}

#[test]
fn a_full_disk_is_said_as_such_and_nothing_is_lost() {
    casedesk::vault::crypto::pin_work_factor(LOG_N);
    let tmp = tempfile::tempdir().expect("temp dir");
    let home = tmp.path();
    assert!(
        is_root(),
        "this test mounts a 4 MiB tmpfs to fill it, which needs root (CI runs as root)"
    );
    let mount = Mount::new(&home.join("small-disk"), "4m")
        .unwrap_or_else(|e| panic!("mounting a small tmpfs for the full disk failed: {e}"));
    let db = mount.dir.join("office.casedesk");
    let paths = OfficePaths::new(&db);
    casedesk::demo::build(
        &paths,
        &casedesk::demo::DemoOptions {
            children: 5,
            seed: 7,
            today: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
        },
    )
    .expect("demo office");

    // Something acknowledged before the disk fills up.
    let before = run(
        home,
        &db,
        Some("manager"),
        &["user", "add", "before", "--role", "staff"],
        &format!("{DEMO_PW}\n{NEW_PW}\n"),
    );
    assert_eq!(before.code, Some(0), "{before:?}");
    let adds_before = audit_count(home, &db, "account.add");

    let filler = fill(&mount.dir);

    // 1. Nobody has the office open: opening it needs the WAL's
    //    shared-memory file, which cannot grow. SQLite calls that a plain
    //    I/O error; it must still be said as a full disk.
    let said_full = |r: &Run, what: &str| {
        assert_eq!(r.code, Some(1), "{what} on a full disk: {r:?}");
        assert!(
            r.stderr.contains("the disk is full"),
            "{what} must say the disk is full: {r:?}"
        );
        assert!(
            !r.stderr.contains("damaged"),
            "{what} must not blame the office file: {r:?}"
        );
        assert!(!r.stderr.contains("panicked"), "{what}: {r:?}");
    };
    let check = run(home, &db, Some("manager"), &["check"], "demo\n");
    said_full(&check, "check (nobody logged in)");
    let add = run(
        home,
        &db,
        Some("manager"),
        &["user", "add", "full1", "--role", "staff"],
        &format!("{DEMO_PW}\n{NEW_PW}\n"),
    );
    said_full(&add, "user add (nobody logged in)");

    // 2. A desk has the office open (so the shared-memory file exists):
    //    now a write fails where the WAL grows, SQLite's own "disk full".
    drop(filler);
    std::fs::remove_file(mount.dir.join("fill")).expect("free space");
    let desk = office::login(&paths, "staff", &secret(DEMO_PW)).expect("a desk logs in");
    let filler = fill(&mount.dir);
    let check = run(home, &db, Some("manager"), &["check"], "demo\n");
    said_full(&check, "check (a desk open)");
    let add = run(
        home,
        &db,
        Some("manager"),
        &["user", "add", "full2", "--role", "staff"],
        &format!("{DEMO_PW}\n{NEW_PW}\n"),
    );
    said_full(&add, "user add (a desk open)");
    drop(desk);

    // Space again: everything works, and nothing acknowledged was lost.
    std::fs::remove_file(&filler).expect("free space");
    let check = run(home, &db, Some("manager"), &["check"], "demo\n");
    assert_eq!(check.code, Some(0), "{check:?}");
    assert_eq!(check.stdout.trim(), "ok", "{check:?}");
    let after = run(
        home,
        &db,
        Some("manager"),
        &["user", "add", "after", "--role", "staff"],
        &format!("{DEMO_PW}\n{NEW_PW}\n"),
    );
    assert_eq!(after.code, Some(0), "{after:?}");
    for (user, pw) in [
        ("manager", DEMO_PW),
        ("staff", DEMO_PW),
        ("psychologist", DEMO_PW),
        ("before", NEW_PW),
        ("after", NEW_PW),
    ] {
        let r = run(home, &db, Some(user), &["check"], &format!("{pw}\n"));
        assert_eq!(
            r.code,
            Some(0),
            "{user} logs in after the disk was full: {r:?}"
        );
    }
    for refused in ["full1", "full2"] {
        let r = run(home, &db, Some(refused), &["check"], &format!("{NEW_PW}\n"));
        assert_eq!(r.code, Some(3), "{refused} was never added: {r:?}");
    }
    // Exactly one more account added: the failed adds left nothing.
    assert_eq!(audit_count(home, &db, "account.add"), adds_before + 1);
    let verify = run(home, &db, Some("manager"), &["audit", "--verify"], "demo\n");
    assert_eq!(verify.code, Some(0), "{verify:?}");
    assert!(verify.stdout.contains("chain intact"), "{verify:?}");
}
