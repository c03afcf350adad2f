//! The backup snapshot (issue 15): export copies the office file's
//! encrypted pages inside one read transaction, taking pages that only the
//! write-ahead log holds from the log. Proved on real files with real
//! processes: another process writing during the export, and another
//! process holding a read transaction so the log cannot be copied back.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use casedesk::office::AuditAction;
use casedesk::office::backup::{self, DataKey, Encryption, Unlock};
use casedesk::office::{OfficePaths, Session};
use casedesk::{store, vault};
use common::*;
use rusqlite::Connection;
use rusqlite::types::Value;

const PASS: &str = "snapshot test passphrase";
/// Tags on every row a test write adds, with the write's number.
const CASE_TAG: &str = "WRITER-";
const NOTE_TAG: &str = "writer-w:";
/// Where a child process finds its office, and which child it is.
const CHILD_DB: &str = "CASEDESK_TEST_CHILD_DB";

fn unlock() -> Unlock {
    Unlock::Passphrase(secret(PASS))
}

fn export(session: &mut Session, out: &Path) -> backup::Manifest {
    session
        .export_backup(
            out,
            &Encryption::Passphrase(secret(PASS)),
            &mut backup::no_progress(),
        )
        .expect("export")
        .manifest
}

/// Write number `i`, in one transaction: a person, two services for them
/// and an audit entry, each tagged with `i`.
fn tagged_write(conn: &Connection, i: u64) {
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    conn.execute(
        "INSERT INTO persons(case_number, programme, name, sex, referral_source, risk,
                             registered_on, created_at, updated_at)
         SELECT ?1, programme, ?2, sex, referral_source, risk, registered_on, created_at, updated_at
         FROM persons ORDER BY id LIMIT 1",
        (format!("{CASE_TAG}{i}"), format!("Writer Person {i}")),
    )
    .unwrap();
    let person = conn.last_insert_rowid();
    for day in ["2026-01-02", "2026-01-03"] {
        conn.execute(
            "INSERT INTO services(person_id, kind, on_date, note, created_at)
             VALUES (?1, 'counselling', ?2, ?3, '2026-01-02T00:00:00Z')",
            (person, day, format!("{NOTE_TAG}{i}")),
        )
        .unwrap();
    }
    store::audit::record(
        conn,
        "staff",
        AuditAction::ServiceAdd,
        "",
        &format!("{NOTE_TAG}{i}"),
    )
    .unwrap();
    conn.execute_batch("COMMIT").unwrap();
}

/// Spawn this test binary again, running only the test `parent` with
/// the office at `db`: there it plays the child (`child_…` below)
/// instead of the parent. No test is ignored or skipped for it.
fn spawn_child(parent: &str, db: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([parent, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_DB, db)
        .env("CASEDESK_SCRYPT_LOG_N", TEST_LOG_N)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn a child test process")
}

/// Wait for a line holding `want` (after the harness's own "test … " prefix) on the child's stdout.
fn wait_for_line(child: &mut Child, want: &str) {
    let out = child.stdout.as_mut().expect("stdout");
    let mut lines = BufReader::new(out);
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            lines.read_line(&mut line).unwrap() > 0,
            "the child ended before saying {want}"
        );
        if line.contains(want) {
            return;
        }
    }
}

fn child_paths() -> Option<OfficePaths> {
    std::env::var_os(CHILD_DB).map(|db| OfficePaths::new(PathBuf::from(db)))
}

/// Child: write tagged writes 1, 2, 3, … until its stdin closes (the
/// parent may be gone by then, so nothing is printed at the end).
fn child_writer(paths: OfficePaths) {
    fast_kdf();
    let s = vault::login(&paths, "staff", &secret("demo")).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
            stop.store(true, std::sync::atomic::Ordering::SeqCst);
        });
    }
    println!("writing");
    let mut i = 0;
    while !stop.load(std::sync::atomic::Ordering::SeqCst) {
        i += 1;
        tagged_write(s.conn(), i);
        // A breath between writes: SQLite's busy handler polls, so a writer
        // that takes the lock again at once can starve the test's own
        // logins and the export's audit entry past their busy timeout.
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Child: hold a read transaction until stdin closes, so no checkpoint
/// can copy later frames of the write-ahead log into the office file.
fn child_reader(paths: OfficePaths) {
    fast_kdf();
    let s = vault::login(&paths, "staff", &secret("demo")).unwrap();
    s.conn()
        .execute_batch("BEGIN; SELECT count(*) FROM persons;")
        .unwrap();
    println!("holding");
    std::io::stdout().flush().unwrap();
    let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
    s.conn().execute_batch("COMMIT").unwrap();
}

/// The source office as it was when the snapshot was taken: every row,
/// less the tagged writes after number `k` and what the export itself
/// records once the backup is checked (its audit entry, its time). The
/// audit chain's head is left out: see `check_audit`.
fn source_at(conn: &Connection, k: u64) -> BTreeMap<String, Vec<Vec<Value>>> {
    common::dump::rows(conn, &|t| match t {
        "persons" => Some(format!(
            "NOT (case_number LIKE '{CASE_TAG}%' AND CAST(substr(case_number, {}) AS INTEGER) > {k})",
            CASE_TAG.len() + 1
        )),
        "services" => Some(format!(
            "NOT (note LIKE '{NOTE_TAG}%' AND CAST(substr(note, {}) AS INTEGER) > {k})",
            NOTE_TAG.len() + 1
        )),
        "audit" => Some(format!(
            "NOT (detail LIKE '{NOTE_TAG}%' AND CAST(substr(detail, {}) AS INTEGER) > {k})
             AND action != 'backup.export'",
            NOTE_TAG.len() + 1
        )),
        // The chain's head moves with every later entry; the restored
        // chain is checked whole instead (`check_audit`).
        "meta" => Some("key NOT IN ('backup.last_good', 'audit_head')".into()),
        _ => None,
    })
}

/// The restored audit chain is whole, up to its recorded head.
fn check_audit(conn: &Connection) {
    let entries = count(conn, "SELECT count(*) FROM audit") as i64;
    assert_eq!(
        store::audit::verify(conn).unwrap(),
        casedesk::office::audit::Verdict::Intact { entries }
    );
}

/// The restored office's rows, its audit chain's head left out as in
/// `source_at`.
fn restored_rows(conn: &Connection) -> BTreeMap<String, Vec<Vec<Value>>> {
    common::dump::rows(conn, &|t| {
        (t == "meta").then(|| "key != 'audit_head'".into())
    })
}

fn count(conn: &Connection, sql: &str) -> u64 {
    conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64
}

fn writes_in(conn: &Connection) -> u64 {
    count(
        conn,
        &format!("SELECT count(*) FROM persons WHERE case_number LIKE '{CASE_TAG}%'"),
    )
}

/// Verify `out` with its data opened and restore it next to the office.
fn restore(o: &Office, out: &Path, key: &vault::MasterKey) -> (Connection, PathBuf) {
    backup::verify(
        out,
        &unlock(),
        DataKey::Master(key),
        &mut backup::no_progress(),
    )
    .expect("verify with the data opened");
    let to = OfficePaths::new(o.dir.path().join("restored").join("office.casedesk"));
    backup::restore(out, &to, &unlock(), &mut backup::no_progress()).expect("restore");
    (store::open(&to.db, key).unwrap(), to.db)
}

/// `casedesk check` on the restored office (its login adds an audit
/// entry, so this comes after the comparisons).
fn cli_check(o: &Office, db: &Path) {
    let check = run_binary(o.dir.path(), db, &["--user", "manager", "check"], "demo\n");
    assert_eq!(stdout(&check).trim(), "ok", "check: {}", stderr(&check));
}

#[test]
fn writes_in_another_process_during_export_give_a_consistent_prefix() {
    if let Some(paths) = child_paths() {
        return child_writer(paths);
    }
    let o = Office::demo(120);
    let mut writer = spawn_child(
        "writes_in_another_process_during_export_give_a_consistent_prefix",
        &o.paths.db,
    );
    wait_for_line(&mut writer, "writing");
    let watch = o.raw("manager", "demo");
    wait_until("writes before the export", LIMIT, || {
        writes_in(watch.conn()) >= 5
    });

    let mut session = o.login("manager", "demo");
    let key = session.backup_check_key().unwrap();
    let out = o.dir.path().join("during.age");
    let at_start = writes_in(watch.conn());
    let manifest = export(&mut session, &out);
    let at_end = writes_in(watch.conn());
    drop(writer.stdin.take());
    assert!(writer.wait().unwrap().success());
    assert!(
        at_end > at_start,
        "the other process kept writing during the export"
    );

    let (restored, restored_db) = restore(&o, &out, &key);
    let k = writes_in(&restored);
    assert!(
        (at_start..=at_end).contains(&k),
        "the snapshot ({k} writes) is taken during the export ({at_start}..={at_end})"
    );
    assert_eq!(
        manifest.counts["persons"],
        count(&restored, "SELECT count(*) FROM persons")
    );
    // Row for row, the restored office is the source at write k: every
    // write wholly there (k of them, 1..=k) or wholly absent.
    let expected = source_at(watch.conn(), k);
    let got = restored_rows(&restored);
    assert_eq!(
        expected.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>()
    );
    for (table, rows) in &expected {
        assert_eq!(rows.len(), got[table].len(), "rows in {table}");
        assert_eq!(
            rows, &got[table],
            "table {table} is the source's at the snapshot"
        );
    }
    assert_eq!(
        count(
            &restored,
            &format!("SELECT count(*) FROM services WHERE note LIKE '{NOTE_TAG}%'")
        ),
        2 * k
    );
    check_audit(&restored);
    cli_check(&o, &restored_db);
}

#[test]
fn an_uncheckpointed_wal_still_gives_a_correct_backup() {
    if let Some(paths) = child_paths() {
        return child_reader(paths);
    }
    // The reader starts on an empty log (it then holds SQLite's read mark
    // 0 and no checkpoint may copy anything), or after some writes (a
    // checkpoint may copy the log up to its mark, not beyond).
    for reader_after_writes in [false, true] {
        let o = Office::demo(40);
        let raw = o.raw("manager", "demo");
        raw.conn()
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .unwrap();
        let mut n = 0;
        let mut write = |conn: &Connection| {
            n += 1;
            tagged_write(conn, n);
        };
        if reader_after_writes {
            for _ in 0..10 {
                write(raw.conn());
            }
        }
        let mut reader = spawn_child(
            "an_uncheckpointed_wal_still_gives_a_correct_backup",
            &o.paths.db,
        );
        wait_for_line(&mut reader, "holding");
        for _ in 0..20 {
            write(raw.conn());
        }
        // Pages all over the file change too, so a snapshot that missed
        // the log would show old rows.
        raw.conn()
            .execute_batch(
                "UPDATE services SET note = note || ' (seen)' WHERE id % 3 = 0;
                 UPDATE persons SET phone = '0300-' || id WHERE id % 2 = 0;",
            )
            .unwrap();
        let (busy, log, copied): (i64, i64, i64) = raw
            .conn()
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert!(
            busy == 0 && log > copied,
            "the reader keeps frames in the log ({copied} of {log} copied)"
        );

        let mut session = o.login("manager", "demo");
        let key = session.backup_check_key().unwrap();
        let out = o.dir.path().join("wal.age");
        let manifest = export(&mut session, &out);
        drop(reader.stdin.take());
        assert!(reader.wait().unwrap().success());

        let (restored, restored_db) = restore(&o, &out, &key);
        assert_eq!(writes_in(&restored), n);
        assert_eq!(
            manifest.counts["persons"],
            count(&restored, "SELECT count(*) FROM persons")
        );
        assert_eq!(
            count(
                &restored,
                "SELECT count(*) FROM services WHERE note LIKE '% (seen)'"
            ),
            count(
                raw.conn(),
                "SELECT count(*) FROM services WHERE note LIKE '% (seen)'"
            )
        );
        let expected = source_at(raw.conn(), n);
        let got = restored_rows(&restored);
        for (table, rows) in &expected {
            assert_eq!(
                rows, &got[table],
                "table {table} is the source's at the snapshot"
            );
        }
        assert_eq!(expected.len(), got.len());
        check_audit(&restored);
        cli_check(&o, &restored_db);
    }
}

#[test]
fn verify_with_the_data_opened_leaves_nothing_in_the_temp_folder() {
    // The office data is a copy of a WAL-mode file: opened as SQLite would
    // by default, it gets `-wal` and `-shm` files that outlive the copy.
    let o = Office::demo(10);
    let mut session = o.login("manager", "demo");
    let out = o.dir.path().join("v.age");
    export(&mut session, &out);
    let tmp = tempfile::tempdir().unwrap();
    let mut child = Command::new(bin())
        .args(["--user", "manager", "backup", "verify", "--from"])
        .arg(&out)
        .env("CASEDESK_SCRYPT_LOG_N", TEST_LOG_N)
        .env("CASEDESK_DATA_DIR", o.dir.path().join("data"))
        .env("CASEDESK_CONFIG_DIR", o.dir.path().join("config"))
        .env("TMPDIR", tmp.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("demo\n{PASS}\n").as_bytes())
        .unwrap();
    let done = child.wait_with_output().unwrap();
    assert!(
        stdout(&done).contains("integrity checks pass"),
        "{}",
        stderr(&done)
    );
    assert_eq!(walk(tmp.path()), Vec::<PathBuf>::new());
}
