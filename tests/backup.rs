//! Encrypted backups (issue 6): export, verify, restore, automatic backups.
//! Real office files in temp dirs; the real binary for the CLI.

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use age::secrecy::SecretString;
use casedesk::office::audit::Verdict;
use casedesk::office::backup::{self, DataKey, Encryption, Progress, Stage, Unlock};
use casedesk::office::{AuditAction, OfficePaths, Session};
use casedesk::vault::{self, MasterKey};
use casedesk::{Error, store};
use common::*;
use rusqlite::types::Value;

const PASS: &str = "correct horse battery";

fn pass() -> SecretString {
    secret(PASS)
}

fn unlock() -> Unlock {
    Unlock::Passphrase(pass())
}

fn export_to(session: &mut Session, out: &Path) -> backup::ExportSummary {
    session
        .export_backup(
            out,
            &Encryption::Passphrase(pass()),
            &mut backup::no_progress(),
        )
        .expect("export")
}

/// The office's master key, to open a backup's data or a restored file.
fn master_key(session: &Session) -> MasterKey {
    session.backup_check_key().expect("a manager's key")
}

/// Every row of every ordinary table (the full-text index is rebuilt from
/// `persons`), in a stable order.
fn dump(conn: &rusqlite::Connection) -> BTreeMap<String, Vec<Vec<Value>>> {
    common::dump::rows(conn, &|_| None)
}

/// File names (not contents) under a folder, recursively, sorted.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut v = walk(dir);
    v.sort();
    v
}

/// Panics if any file under `dirs` holds a demo name in plaintext.
fn assert_no_plaintext(dirs: &[&Path]) {
    // Names of 5 bytes or more: the seven 4-byte names turn up in a
    // megabyte of ciphertext by chance about once in 600 files (seen in
    // CI); a 5-byte one about once in 50,000.
    let names = Needles::new(
        casedesk::demo::names::all_personal_names()
            .into_iter()
            .filter(|n| n.len() >= 5),
    );
    for dir in dirs {
        for f in walk(dir) {
            let Ok(bytes) = std::fs::read(&f) else {
                continue;
            };
            if let Some(name) = names.find_in(&bytes) {
                panic!("{} holds the demo name {name:?} in plaintext", f.display());
            }
        }
    }
}

fn restored_paths(dir: &Path) -> OfficePaths {
    OfficePaths::new(dir.join("restored").join("office.casedesk"))
}

#[test]
fn export_verify_restore_round_trips_every_table() {
    let o = Office::demo(60);
    let mut session = o.login("manager", "demo");
    let key = master_key(&session);
    let before = dump(o.raw("manager", "demo").conn());
    assert!(before["persons"].len() >= 60);
    let out = o.dir.path().join("office.backup.age");
    let mut stages = Vec::new();
    let summary = session
        .export_backup(&out, &Encryption::Passphrase(pass()), &mut |p: Progress| {
            stages.push(p.stage)
        })
        .unwrap();
    assert!(out.exists());
    assert_eq!(summary.bytes, std::fs::metadata(&out).unwrap().len());
    for s in [
        Stage::Snapshot,
        Stage::Counting,
        Stage::Encrypting,
        Stage::Verifying,
    ] {
        assert!(stages.contains(&s), "progress reports {s:?}");
    }
    let m = &summary.manifest;
    assert_eq!(m.schema_version, store::schema::LATEST);
    assert_eq!(m.casedesk_version, env!("CARGO_PKG_VERSION"));
    assert_eq!(m.counts["persons"], before["persons"].len() as u64);
    assert_eq!(m.counts["audit"], before["audit"].len() as u64);
    assert!(!m.counts.contains_key("person_search_data"));

    let report =
        backup::verify(&out, &unlock(), DataKey::None, &mut backup::no_progress()).unwrap();
    assert!(!report.data_checked);
    assert_eq!(&report.manifest, m);
    let report = backup::verify(
        &out,
        &unlock(),
        DataKey::Master(&key),
        &mut backup::no_progress(),
    )
    .unwrap();
    assert!(report.data_checked);

    let to = restored_paths(o.dir.path());
    let restored_manifest =
        backup::restore(&out, &to, &unlock(), &mut backup::no_progress()).unwrap();
    assert_eq!(&restored_manifest, m);
    let conn = store::open(&to.db, &key).unwrap();
    let after = dump(&conn);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    for (table, rows) in &before {
        assert_eq!(rows, &after[table], "table {table} round-trips row by row");
    }
    drop(conn);
    // Every account logs in with its usual password; the psychologist still
    // holds the counselling key.
    for user in ["manager", "staff", "psychologist"] {
        let s = vault::login(&to, user, &secret("demo")).expect("login after restore");
        assert!(s.check().unwrap().is_empty(), "check after restore");
        if user == "psychologist" {
            assert!(s.counselling_identity().is_some());
        }
    }
}

#[test]
fn the_backup_is_age_then_tar_then_sqlcipher_with_no_plaintext_inside() {
    let o = Office::demo(30);
    let mut session = o.login("manager", "demo");
    let out = o.dir.path().join("b.age");
    export_to(&mut session, &out);

    // `age -d` with the passphrase, then `tar x`: the standard tools' view.
    let dec =
        age::Decryptor::new_buffered(std::io::BufReader::new(std::fs::File::open(&out).unwrap()))
            .unwrap();
    assert!(dec.is_scrypt());
    let id = age::scrypt::Identity::new(pass());
    let reader = dec
        .decrypt(std::iter::once(&id as &dyn age::Identity))
        .unwrap();
    let mut archive = tar::Archive::new(reader);
    let mut files = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let name = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        files.push((name, bytes));
    }
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "manifest.json",
            "office.casedesk",
            "office.casedesk.sha256",
            "office.casedesk.keys"
        ]
    );
    let manifest: serde_json::Value = serde_json::from_slice(&files[0].1).unwrap();
    assert_eq!(manifest["format"], 2);
    let db = &files[1].1;
    // The data's checksum follows it, as `sha256sum` writes it; the
    // manifest leaves it empty.
    assert_eq!(manifest["files"][0]["name"], "office.casedesk");
    assert_eq!(manifest["files"][0]["sha256"], "");
    assert_eq!(manifest["files"][0]["size"], db.len() as u64);
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(db))
    };
    assert_eq!(
        String::from_utf8(files[2].1.clone()).unwrap(),
        format!("{sha}  office.casedesk\n")
    );
    // The snapshot is the office file's pages as SQLCipher wrote them.
    assert!(db.len() > 4096);
    assert_ne!(
        &db[..16],
        b"SQLite format 3\0",
        "the snapshot is not plaintext"
    );
    // (5 bytes or more: see `assert_no_plaintext`.)
    let names = Needles::new(
        casedesk::demo::names::all_personal_names()
            .into_iter()
            .filter(|n| n.len() >= 5),
    );
    assert_eq!(names.find_in(db), None, "no name in the snapshot");
    assert_eq!(files[3].1, std::fs::read(&o.paths.keys).unwrap());
    // The extracted pair is an office file and its key file, as is.
    let dir = o.dir.path().join("extracted");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("office.casedesk"), db).unwrap();
    std::fs::write(dir.join("office.casedesk.keys"), &files[3].1).unwrap();
    vault::login(
        &OfficePaths::new(dir.join("office.casedesk")),
        "staff",
        &secret("demo"),
    )
    .expect("the extracted office opens");
}

#[test]
fn no_plaintext_on_disk_during_or_after_export_and_restore() {
    let o = Office::demo(40);
    let mut session = o.login("manager", "demo");
    let target = tempfile::tempdir().unwrap();
    let out = target.path().join("b.age");
    let mut scans = 0;
    session
        .export_backup(&out, &Encryption::Passphrase(pass()), &mut |p: Progress| {
            if matches!(
                p.stage,
                Stage::Counting | Stage::Encrypting | Stage::Verifying
            ) {
                assert_no_plaintext(&[o.dir.path(), target.path()]);
                scans += 1;
            }
        })
        .unwrap();
    assert!(scans >= 3);
    assert_no_plaintext(&[o.dir.path(), target.path()]);
    // Nothing of ours is left in the temp dirs.
    for f in listing(target.path()) {
        assert_eq!(f, out, "only the backup is in the target folder");
    }
    for f in walk(o.dir.path()) {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !name.contains("snapshot") && !name.ends_with(".partial"),
            "{name}"
        );
    }
    let to = OfficePaths::new(target.path().join("new").join("office.casedesk"));
    let mut rscans = 0;
    backup::restore(&out, &to, &unlock(), &mut |_p: Progress| {
        assert_no_plaintext(&[target.path()]);
        rscans += 1;
    })
    .unwrap();
    assert!(rscans >= 2);
    assert_no_plaintext(&[o.dir.path(), target.path()]);
}

#[test]
fn restore_never_overwrites() {
    let o = Office::demo(10);
    let mut session = o.login("manager", "demo");
    let out = o.dir.path().join("b.age");
    export_to(&mut session, &out);
    // Onto the live office itself.
    let before = std::fs::read(&o.paths.keys).unwrap();
    let e = backup::restore(&out, &o.paths, &unlock(), &mut backup::no_progress()).unwrap_err();
    assert!(e.to_string().contains("will not overwrite"), "{e}");
    assert_eq!(std::fs::read(&o.paths.keys).unwrap(), before);
    // Onto a lone key file, a lone db, or a leftover -wal.
    for existing in ["x.casedesk.keys", "x.casedesk", "x.casedesk-wal"] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(existing), b"mine").unwrap();
        let to = OfficePaths::new(dir.path().join("x.casedesk"));
        let e = backup::restore(&out, &to, &unlock(), &mut backup::no_progress()).unwrap_err();
        assert!(matches!(e, Error::Invalid(_)), "{e}");
        assert_eq!(listing(dir.path()), vec![dir.path().join(existing)]);
        assert_eq!(std::fs::read(dir.path().join(existing)).unwrap(), b"mine");
    }
}

/// Restore `file` and expect an error; the target folder must stay empty.
fn restore_fails(file: &Path, unlock: &Unlock) -> Error {
    let dir = tempfile::tempdir().unwrap();
    let to = OfficePaths::new(dir.path().join("sub").join("office.casedesk"));
    let e = backup::restore(file, &to, unlock, &mut backup::no_progress()).unwrap_err();
    assert!(listing(dir.path()).is_empty(), "nothing created: {e}");
    assert!(!dir.path().join("sub").exists(), "not even the folder: {e}");
    // Verify says the same.
    let v = backup::verify(file, unlock, DataKey::None, &mut backup::no_progress()).unwrap_err();
    assert_eq!(v.to_string(), e.to_string());
    e
}

#[test]
fn wrong_passphrase_is_a_clear_error_and_creates_nothing() {
    let o = Office::demo(5);
    let mut session = o.login("manager", "demo");
    let out = o.dir.path().join("b.age");
    export_to(&mut session, &out);
    let e = restore_fails(&out, &Unlock::Passphrase(secret("not the passphrase")));
    assert!(matches!(e, Error::NotAllowed(_)), "{e:?}");
    assert!(e.to_string().contains("passphrase does not open"), "{e}");
    assert_eq!(e.exit_code(), 3);
}

#[test]
fn truncated_backups_are_refused_and_create_nothing() {
    let o = Office::demo(20);
    let mut session = o.login("manager", "demo");
    let out = o.dir.path().join("b.age");
    export_to(&mut session, &out);
    let full = std::fs::read(&out).unwrap();
    let n = full.len();
    assert!(n > 70_000, "several age chunks: {n}");
    for cut in [
        0,
        5,
        40,
        150,
        400,
        5_000,
        65_536 + 200,
        n / 2,
        n - 100,
        n - 17,
        n - 1,
    ] {
        let f = o.dir.path().join(format!("cut-{cut}.age"));
        std::fs::write(&f, &full[..cut]).unwrap();
        let e = restore_fails(&f, &unlock());
        assert!(matches!(e, Error::Damaged(_)), "cut at {cut}: {e:?}");
        assert!(
            e.to_string().contains("damaged") || e.to_string().contains("not a casedesk backup"),
            "cut at {cut}: {e}"
        );
    }
    // Trailing garbage is refused too.
    let f = o.dir.path().join("longer.age");
    let mut longer = full.clone();
    longer.extend_from_slice(b"more");
    std::fs::write(&f, &longer).unwrap();
    restore_fails(&f, &unlock());
}

#[test]
fn a_flipped_byte_anywhere_is_refused() {
    let o = Office::demo(20);
    let mut session = o.login("manager", "demo");
    let out = o.dir.path().join("b.age");
    export_to(&mut session, &out);
    let full = std::fs::read(&out).unwrap();
    let n = full.len();
    for at in [20, 60, 120, 200, 1_000, n / 3, n / 2, n - 20, n - 1] {
        let mut bad = full.clone();
        bad[at] ^= 0x01;
        let f = o.dir.path().join(format!("flip-{at}.age"));
        std::fs::write(&f, &bad).unwrap();
        let e = restore_fails(&f, &unlock());
        // A flip in the passphrase stanza looks like a wrong passphrase;
        // anywhere else it is reported as damage.
        assert!(
            matches!(e, Error::Damaged(_) | Error::NotAllowed(_)),
            "flip at {at}: {e:?}"
        );
        if at > 200 {
            assert!(matches!(e, Error::Damaged(_)), "flip at {at}: {e:?}");
        }
    }
}

#[test]
fn recipients_backup_opens_with_the_identity_only() {
    let o = Office::demo(10);
    let mut session = o.login("manager", "demo");
    let head_office = age::x25519::Identity::generate();
    let other = age::x25519::Identity::generate();
    let out = o.dir.path().join("ho.age");
    session
        .export_backup(
            &out,
            &Encryption::Recipients(vec![head_office.to_public()]),
            &mut backup::no_progress(),
        )
        .unwrap();
    use age::secrecy::ExposeSecret;
    let write_id = |name: &str, id: &age::x25519::Identity| {
        let p = o.dir.path().join(name);
        std::fs::write(
            &p,
            format!("# test key\n{}\n", id.to_string().expose_secret()),
        )
        .unwrap();
        p
    };
    let good = Unlock::identity_file(&write_id("ho.key", &head_office)).unwrap();
    let bad = Unlock::identity_file(&write_id("other.key", &other)).unwrap();
    assert!(!backup::needs_passphrase(&out).unwrap());
    let e = restore_fails(&out, &bad);
    assert!(matches!(e, Error::NotAllowed(_)), "{e:?}");
    assert!(e.to_string().contains("identities"), "{e}");
    let e = restore_fails(&out, &unlock());
    assert!(e.to_string().contains("--identity"), "{e}");
    let to = restored_paths(o.dir.path());
    backup::restore(&out, &to, &good, &mut backup::no_progress()).unwrap();
    vault::login(&to, "manager", &secret("demo")).unwrap();
}

/// Build a backup by hand with a doctored manifest.
fn doctored_backup(o: &Office, edit: impl Fn(&mut serde_json::Value)) -> PathBuf {
    rebuilt_backup(o, |files| {
        let mut m: serde_json::Value = serde_json::from_slice(&files[0].1).unwrap();
        edit(&mut m);
        files[0].1 = serde_json::to_vec(&m).unwrap();
    })
}

/// Export a backup, then build one by hand from its archive's files
/// (name, bytes) after `edit`.
fn rebuilt_backup(o: &Office, edit: impl Fn(&mut Vec<(String, Vec<u8>)>)) -> PathBuf {
    let mut session = o.login("manager", "demo");
    let out = o.dir.path().join(format!("orig-{}.age", rand_name()));
    export_to(&mut session, &out);
    let dec =
        age::Decryptor::new_buffered(std::io::BufReader::new(std::fs::File::open(&out).unwrap()))
            .unwrap();
    let id = age::scrypt::Identity::new(pass());
    let mut archive = tar::Archive::new(
        dec.decrypt(std::iter::once(&id as &dyn age::Identity))
            .unwrap(),
    );
    let mut files = Vec::new();
    for e in archive.entries().unwrap() {
        let mut e = e.unwrap();
        let mut b = Vec::new();
        e.read_to_end(&mut b).unwrap();
        files.push((e.path().unwrap().to_string_lossy().into_owned(), b));
    }
    edit(&mut files);
    let path = o.dir.path().join(format!("doctored-{}.age", rand_name()));
    let mut r = age::scrypt::Recipient::new(pass());
    r.set_work_factor(10);
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient)).unwrap();
    let w = enc
        .wrap_output(std::fs::File::create(&path).unwrap())
        .unwrap();
    let mut tar = tar::Builder::new(w);
    for (name, bytes) in &files {
        let mut h = tar::Header::new_ustar();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o600);
        tar.append_data(&mut h, name, bytes.as_slice()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap();
    path
}

fn rand_name() -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    N.fetch_add(1, Ordering::SeqCst).to_string()
}

#[test]
fn backups_from_a_newer_casedesk_or_with_wrong_checksums_are_refused() {
    let o = Office::demo(5);
    let newer_schema = doctored_backup(&o, |m| m["schema_version"] = 999.into());
    let e = restore_fails(&newer_schema, &unlock());
    assert!(matches!(e, Error::TooNew(_)), "{e:?}");
    assert!(e.to_string().contains("newer casedesk"), "{e}");
    let newer_format = doctored_backup(&o, |m| m["format"] = (backup::FORMAT + 1).into());
    let e = restore_fails(&newer_format, &unlock());
    assert!(matches!(e, Error::TooNew(_)), "{e:?}");
    // The data's checksum follows the data (format 2).
    let bad_sum = rebuilt_backup(&o, |files| {
        assert_eq!(files[2].0, "office.casedesk.sha256");
        files[2].1 = format!("{}  office.casedesk\n", "00".repeat(32)).into_bytes();
    });
    let e = restore_fails(&bad_sum, &unlock());
    assert!(e.to_string().contains("office data"), "{e}");
    assert!(e.to_string().contains("checksum"), "{e}");
    let bad_keys_sum = doctored_backup(&o, |m| {
        m["files"][1]["sha256"] = "00".repeat(32).into();
    });
    let e = restore_fails(&bad_keys_sum, &unlock());
    assert!(e.to_string().contains("key file"), "{e}");
    // A sum line that is not exactly what export writes, or none at all,
    // or a format 2 manifest that claims the data's checksum itself.
    for broken in [
        rebuilt_backup(&o, |files| {
            files[2].1 = files[2].1.to_ascii_uppercase();
        }),
        rebuilt_backup(&o, |files| {
            files[2].1.extend_from_slice(b"extra\n");
        }),
        rebuilt_backup(&o, |files| {
            files.remove(2);
        }),
        doctored_backup(&o, |m| m["files"][0]["sha256"] = "00".repeat(32).into()),
    ] {
        let e = restore_fails(&broken, &unlock());
        assert!(matches!(e, Error::Damaged(_)), "{e:?}");
    }
    // A doctored count is only found when the data is opened.
    let bad_count = doctored_backup(&o, |m| m["counts"]["persons"] = 1.into());
    let session = o.login("manager", "demo");
    backup::verify(
        &bad_count,
        &unlock(),
        DataKey::None,
        &mut backup::no_progress(),
    )
    .unwrap();
    let key = master_key(&session);
    let e = backup::verify(
        &bad_count,
        &unlock(),
        DataKey::Master(&key),
        &mut backup::no_progress(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("does not match its manifest"), "{e}");
}

/// Backups written before format 2 (the data's checksum in the manifest,
/// three files) still verify and restore.
#[test]
fn a_format_1_backup_still_verifies_and_restores() {
    let o = Office::demo(8);
    let session = o.login("manager", "demo");
    let key = master_key(&session);
    let old = rebuilt_backup(&o, |files| {
        let (name, line) = files.remove(2);
        assert_eq!(name, "office.casedesk.sha256");
        let line = String::from_utf8(line).unwrap();
        let sha = line.split_whitespace().next().unwrap().to_string();
        let mut m: serde_json::Value = serde_json::from_slice(&files[0].1).unwrap();
        assert_eq!(m["format"], 2);
        assert_eq!(m["files"][0]["sha256"], "");
        m["format"] = 1.into();
        m["files"][0]["sha256"] = sha.into();
        files[0].1 = serde_json::to_vec(&m).unwrap();
    });
    let report = backup::verify(
        &old,
        &unlock(),
        DataKey::Master(&key),
        &mut backup::no_progress(),
    )
    .unwrap();
    assert_eq!(report.manifest.format, 1);
    assert!(report.data_checked);
    let to = restored_paths(o.dir.path());
    backup::restore(&old, &to, &unlock(), &mut backup::no_progress()).unwrap();
    let restored = dump(&store::open(&to.db, &key).unwrap());
    let office = dump(o.raw("manager", "demo").conn());
    assert!(!office["persons"].is_empty());
    assert_eq!(restored["persons"], office["persons"]);
}

#[test]
fn verify_opens_the_data_with_an_account_of_the_backup() {
    let o = Office::demo(10);
    let mut session = o.login("manager", "demo");
    let out = o.dir.path().join("b.age");
    export_to(&mut session, &out);
    drop(session);
    let pw = secret("demo");
    let r = backup::verify(
        &out,
        &unlock(),
        DataKey::Account {
            name: "staff",
            password: &pw,
        },
        &mut backup::no_progress(),
    )
    .unwrap();
    assert!(r.data_checked);
    let wrong = secret("nope");
    for (name, password) in [("staff", &wrong), ("nobody", &pw)] {
        let e = backup::verify(
            &out,
            &unlock(),
            DataKey::Account { name, password },
            &mut backup::no_progress(),
        )
        .unwrap_err();
        assert!(matches!(e, Error::BadLogin), "{e:?}");
    }
    // The account's password is checked against the backup's slots, so it
    // still works after the office has changed the password since.
    let mut s = o.login("staff", "demo");
    s.change_password(&secret("changed river lantern")).unwrap();
    backup::verify(
        &out,
        &unlock(),
        DataKey::Account {
            name: "staff",
            password: &pw,
        },
        &mut backup::no_progress(),
    )
    .unwrap();
}

/// What the other terminal's writes carry, to count them in the backup.
const TEST_WRITE: &str = "test write during export";

#[test]
fn writes_during_export_give_a_consistent_backup() {
    let o = Office::demo(150);
    let writes = Arc::new(AtomicUsize::new(0));
    // Another terminal writes one service and its audit entry, atomically,
    // each time the test says so: its writes land while the export runs,
    // yet it never holds the lock so constantly that the export waits out
    // its busy timeout, and nothing is paced by sleeping.
    let (go, go_ahead) = std::sync::mpsc::channel::<()>();
    let writer = {
        let paths = o.paths.clone();
        let writes = writes.clone();
        std::thread::spawn(move || {
            let s = vault::login(&paths, "staff", &secret("demo")).unwrap();
            for () in go_ahead {
                s.conn()
                    .execute_batch(
                        "BEGIN IMMEDIATE;
                         INSERT INTO services(person_id, kind, on_date, note, created_at)
                         VALUES ((SELECT min(id) FROM persons), 'counselling', '2026-01-02', '', '2026-01-02T00:00:00Z');",
                    )
                    .unwrap();
                store::audit::record(s.conn(), "staff", AuditAction::ServiceAdd, "", TEST_WRITE)
                    .unwrap();
                s.conn().execute_batch("COMMIT").unwrap();
                writes.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    for _ in 0..5 {
        go.send(()).unwrap();
    }
    wait_until("five writes before the export", LIMIT, || {
        writes.load(Ordering::SeqCst) >= 5
    });
    let mut session = o.login("manager", "demo");
    let key = master_key(&session);
    let out = o.dir.path().join("b.age");
    let at_start = writes.load(Ordering::SeqCst);
    let mut seen_a_write = false;
    let summary = session
        .export_backup(&out, &Encryption::Passphrase(pass()), &mut |p: Progress| {
            // Each step of the export lets the other terminal write
            // once more, the first one before the snapshot is taken.
            go.send(()).unwrap();
            // After the snapshot (the export holds a read transaction then,
            // which in WAL mode stops no writer),
            // make sure at least one write happened since the start.
            if p.stage == Stage::Counting && !seen_a_write {
                wait_until("a write during the export", LIMIT, || {
                    writes.load(Ordering::SeqCst) > at_start
                });
                seen_a_write = true;
            }
        })
        .unwrap();
    let at_end = writes.load(Ordering::SeqCst);
    drop(go);
    writer.join().unwrap();
    assert!(
        at_end > at_start,
        "the writer kept writing during the export"
    );

    // The data matches its manifest and passes the integrity checks.
    backup::verify(
        &out,
        &unlock(),
        DataKey::Master(&key),
        &mut backup::no_progress(),
    )
    .unwrap();
    let to = restored_paths(o.dir.path());
    backup::restore(&out, &to, &unlock(), &mut backup::no_progress()).unwrap();
    let conn = store::open(&to.db, &key).unwrap();
    assert_eq!(
        store::audit::verify(&conn).unwrap(),
        Verdict::Intact {
            entries: summary.manifest.counts["audit"] as i64
        }
    );
    // Each write added one service and one audit entry, atomically.
    let tests: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'service.add' AND detail = ?1",
            [TEST_WRITE],
            |r| r.get(0),
        )
        .unwrap();
    let services: i64 = conn
        .query_row(
            "SELECT count(*) FROM services WHERE on_date = '2026-01-02' AND created_at = '2026-01-02T00:00:00Z'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tests, services);
    assert!(tests as usize >= at_start && tests as usize <= at_end);
}

#[test]
fn export_is_for_managers_refuses_existing_files_and_is_audited() {
    let o = Office::demo(5);
    let mut staff = o.login("staff", "demo");
    let out = o.dir.path().join("b.age");
    let e = staff
        .export_backup(
            &out,
            &Encryption::Passphrase(pass()),
            &mut backup::no_progress(),
        )
        .unwrap_err();
    assert_eq!(e.exit_code(), 3);
    assert!(!out.exists());

    let mut session = o.login("manager", "demo");
    assert!(session.last_good_backup().is_none());
    assert!(session.backup_is_stale(chrono::Utc::now()));
    let e = session
        .export_backup(
            &out,
            &Encryption::Passphrase(secret("short")),
            &mut backup::no_progress(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("at least 8"), "{e}");
    export_to(&mut session, &out);
    let t = session.last_good_backup().expect("recorded");
    assert!((chrono::Utc::now() - t).num_seconds() < 60);
    assert!(!session.backup_is_stale(chrono::Utc::now()));
    assert!(session.backup_is_stale(chrono::Utc::now() + chrono::Duration::days(8)));
    let action: (String, String, String) = o
        .raw("manager", "demo")
        .conn()
        .query_row(
            "SELECT action, target, detail FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(
        action,
        ("backup.export".into(), "".into(), "passphrase".into())
    );

    let first = std::fs::read(&out).unwrap();
    let e = session
        .export_backup(
            &out,
            &Encryption::Passphrase(pass()),
            &mut backup::no_progress(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("will not overwrite"), "{e}");
    assert_eq!(std::fs::read(&out).unwrap(), first);
    let e = session
        .export_backup(
            &o.dir.path().join("no-such-dir").join("b.age"),
            &Encryption::Passphrase(pass()),
            &mut backup::no_progress(),
        )
        .unwrap_err();
    assert!(e.to_string().contains("does not exist"), "{e}");
}

/// Fix this thread's clock at mid-morning of the demo day plus `days`:
/// a day goes by without waiting for one.
fn on_day(days: u64) -> casedesk::clock::FixedClock {
    let day = demo_day() + chrono::Days::new(days);
    casedesk::clock::fixed(day.and_hms_opt(10, 0, 0).expect("valid"))
}

#[test]
fn automatic_backups_once_a_day_keeping_the_last_n() {
    let o = Office::demo(5);
    let clock = on_day(1);
    let mut session = o.login("manager", "demo");
    let folder = o.dir.path().join("auto");
    std::fs::create_dir(&folder).unwrap();
    let office_key = age::x25519::Identity::generate();
    let config = casedesk::config::Config::default();
    // Not set up: nothing happens.
    assert_eq!(session.auto_backup_if_due(&config).unwrap(), None);

    let mut staff = o.login("staff", "demo");
    let settings = backup::AutoSettings {
        enabled: true,
        folder: folder.clone(),
        recipients: vec![office_key.to_public().to_string()],
        keep: 2,
    };
    let e = staff
        .configure_auto_backup(Some(settings.clone()))
        .unwrap_err();
    assert_eq!(e.exit_code(), 3);
    session.configure_auto_backup(Some(settings)).unwrap();

    // The day's first login (by anyone) makes one; the next does not.
    let first = staff.auto_backup_if_due(&config).unwrap().expect("due");
    assert!(first.starts_with(&folder));
    assert_eq!(session.auto_backup_if_due(&config).unwrap(), None);
    assert!(session.last_good_backup().is_some());
    let mut made = vec![first];
    drop(clock);
    for day in 2..=3 {
        // A day went by.
        let _clock = on_day(day);
        made.push(session.auto_backup_if_due(&config).unwrap().unwrap());
    }
    let left = listing(&folder);
    assert_eq!(left, made[1..].to_vec(), "keeps the newest 2");
    let id_file = o.dir.path().join("office.key");
    use age::secrecy::ExposeSecret;
    std::fs::write(&id_file, office_key.to_string().expose_secret()).unwrap();
    let unlock = Unlock::identity_file(&id_file).unwrap();
    backup::verify(&made[2], &unlock, DataKey::None, &mut backup::no_progress()).unwrap();

    // A missing folder is an error, and the day stays unclaimed: the last
    // day that had its backup is still the one recorded.
    let _clock = on_day(4);
    let claimed = || store::meta::get(o.raw("manager", "demo").conn(), "backup.auto.day").unwrap();
    let day_3 = (demo_day() + chrono::Days::new(3)).to_string();
    assert_eq!(claimed().as_deref(), Some(day_3.as_str()));
    std::fs::remove_dir_all(&folder).unwrap();
    assert!(session.auto_backup_if_due(&config).is_err());
    assert_eq!(claimed().as_deref(), Some(day_3.as_str()));
    // Off means off.
    session.configure_auto_backup(None).unwrap();
    assert!(!session.auto_backup_settings().unwrap().unwrap().enabled);
    assert_eq!(session.auto_backup_if_due(&config).unwrap(), None);
}

// ---- the command line ----

#[test]
fn cli_export_verify_restore() {
    let o = Office::demo(10);
    let out = o.dir.path().join("cli.age");
    let out_s = out.to_str().unwrap();
    let r = o.run(
        &["--user", "manager", "backup", "export", "--out", out_s],
        &format!("demo\n{PASS}\n"),
    );
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(out.exists());

    // Verify needs no login: the passphrase is the only secret.
    let r = o.run(&["backup", "verify", "--from", out_s], &format!("{PASS}\n"));
    assert!(r.status.success(), "{}", stderr(&r));
    let text = stdout(&r);
    assert!(text.starts_with("ok\n"), "{text}");
    assert!(text.contains("rows: persons "), "{text}");
    assert!(text.contains("data: not opened"), "{text}");
    // With --user, the account's password (first) opens the data too.
    let r = o.run(
        &["--user", "staff", "backup", "verify", "--from", out_s],
        &format!("demo\n{PASS}\n"),
    );
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(stdout(&r).contains("data: opened"), "{}", stdout(&r));

    let to = o.dir.path().join("restored.casedesk");
    let to_s = to.to_str().unwrap();
    let r = o.run(
        &["backup", "restore", "--from", out_s, "--to", to_s],
        &format!("{PASS}\n"),
    );
    assert!(r.status.success(), "{}", stderr(&r));
    let r = run_binary(o.dir.path(), &to, &["--user", "manager", "check"], "demo\n");
    assert!(r.status.success(), "{}", stderr(&r));
    assert_eq!(stdout(&r), "ok\n");

    // Recipients and an identity file.
    let id = age::x25519::Identity::generate();
    let id_file = o.dir.path().join("id.txt");
    use age::secrecy::ExposeSecret;
    std::fs::write(&id_file, id.to_string().expose_secret()).unwrap();
    let out2 = o.dir.path().join("cli2.age");
    let pk = id.to_public().to_string();
    let r = o.run(
        &[
            "--user",
            "manager",
            "backup",
            "export",
            "--out",
            out2.to_str().unwrap(),
            "--recipient",
            &pk,
        ],
        "demo\n",
    );
    assert!(r.status.success(), "{}", stderr(&r));
    let r = o.run(
        &[
            "backup",
            "verify",
            "--from",
            out2.to_str().unwrap(),
            "--identity",
            id_file.to_str().unwrap(),
        ],
        "",
    );
    assert!(r.status.success(), "{}", stderr(&r));
}

#[test]
fn cli_errors_are_one_line_with_the_right_exit_code() {
    let o = Office::demo(5);
    let out = o.dir.path().join("cli.age");
    let out_s = out.to_str().unwrap();
    // Staff may not export.
    let r = o.run(
        &["--user", "staff", "backup", "export", "--out", out_s],
        &format!("demo\n{PASS}\n"),
    );
    assert_error(&r, 3, "only a manager");
    // A bad recipient is a usage error, and the value is not echoed.
    let r = o.run(
        &[
            "--user",
            "manager",
            "backup",
            "export",
            "--out",
            out_s,
            "--recipient",
            "AGE-SECRET-KEY-1NOTAKEY",
        ],
        "demo\n",
    );
    assert_error(&r, 2, "not an age public key");
    assert!(!stderr(&r).contains("AGE-SECRET-KEY"));
    let r = o.run(
        &["--user", "manager", "backup", "export", "--out", out_s],
        &format!("demo\n{PASS}\n"),
    );
    assert!(r.status.success(), "{}", stderr(&r));

    let r = o.run(&["backup", "verify", "--from", out_s], "wrong passphrase\n");
    assert_error(&r, 3, "passphrase does not open");
    let missing = o.dir.path().join("missing.age");
    let r = o.run(
        &["backup", "verify", "--from", missing.to_str().unwrap()],
        "x\n",
    );
    assert_error(&r, 1, "there is no backup");
    let junk = o.dir.path().join("junk.age");
    std::fs::write(&junk, b"hello, not a backup").unwrap();
    let r = o.run(
        &["backup", "verify", "--from", junk.to_str().unwrap()],
        "x\n",
    );
    assert_error(&r, 1, "not a casedesk backup");
    let cut = o.dir.path().join("cut.age");
    let full = std::fs::read(&out).unwrap();
    std::fs::write(&cut, &full[..full.len() / 2]).unwrap();
    let r = o.run(
        &[
            "backup",
            "restore",
            "--from",
            cut.to_str().unwrap(),
            "--to",
            o.dir.path().join("r.casedesk").to_str().unwrap(),
        ],
        &format!("{PASS}\n"),
    );
    assert_error(&r, 1, "damaged or incomplete");
    assert!(!o.dir.path().join("r.casedesk").exists());
    // Restoring over the live office is refused.
    let r = o.run(
        &[
            "backup",
            "restore",
            "--from",
            out_s,
            "--to",
            o.paths.db.to_str().unwrap(),
        ],
        &format!("{PASS}\n"),
    );
    assert_error(&r, 1, "will not overwrite");
    // Missing flags are usage errors (clap).
    let r = o.run(&["backup", "restore", "--from", out_s], "");
    assert_eq!(r.status.code(), Some(2));
}

#[test]
fn cli_auto_settings() {
    let o = Office::demo(5);
    let folder = o.dir.path().join("auto");
    std::fs::create_dir(&folder).unwrap();
    let pk = age::x25519::Identity::generate().to_public().to_string();
    let r = o.run(
        &[
            "--user",
            "manager",
            "backup",
            "auto",
            "--folder",
            folder.to_str().unwrap(),
            "--recipient",
            &pk,
            "--keep",
            "3",
        ],
        "demo\n",
    );
    assert!(r.status.success(), "{}", stderr(&r));
    let text = stdout(&r);
    assert!(text.contains("automatic backups: on"), "{text}");
    assert!(text.contains("keep: 3"), "{text}");
    assert!(text.contains("last good backup: never"), "{text}");
    let r = o.run(&["--user", "manager", "backup", "auto", "--off"], "demo\n");
    assert!(r.status.success(), "{}", stderr(&r));
    assert!(stdout(&r).contains("automatic backups: off"));
    let r = o.run(&["--user", "staff", "backup", "auto", "--off"], "demo\n");
    assert_error(&r, 3, "only a manager");
    let r = o.run(
        &["--user", "manager", "backup", "auto", "--folder", "x"],
        "demo\n",
    );
    assert_eq!(r.status.code(), Some(2), "--folder needs --recipient");
}

#[test]
fn an_exporter_runs_on_a_worker_thread_with_progress_by_channel() {
    let o = Office::demo(10);
    let session = o.login("manager", "demo");
    let mut exporter = backup::Exporter::new(&session).unwrap();
    assert!(backup::Exporter::new(&o.login("staff", "demo")).is_err());
    let out = o.dir.path().join("bg.age");
    let (tx, rx) = std::sync::mpsc::channel();
    let worker = {
        let out = out.clone();
        std::thread::spawn(move || {
            exporter.run(
                &out,
                &Encryption::Passphrase(pass()),
                &mut backup::progress_to(tx),
            )
        })
    };
    // The session stays usable on this thread meanwhile.
    session.audit_viewed(None).unwrap();
    let reports: Vec<Progress> = rx.iter().collect();
    worker.join().unwrap().unwrap();
    assert!(
        reports
            .iter()
            .any(|p| p.stage == Stage::Verifying && p.done == p.total && p.total > 0)
    );
    assert!(session.last_good_backup().is_some());
    backup::verify(&out, &unlock(), DataKey::None, &mut backup::no_progress()).unwrap();
}
