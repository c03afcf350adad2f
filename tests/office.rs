//! The office file, its key file, accounts and roles, through the library
//! and the real binary, on real SQLCipher files in temp dirs.

mod common;

use casedesk::office::OfficePaths;
use casedesk::vault::{self, keyfile::KeyFile};
use casedesk::{Error, store};
use common::*;

const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";

fn init_cli(o: &Office, user: &str, password: &str) -> std::process::Output {
    o.run(
        &["init", "--office", "Test office", "--user", user],
        &format!("{password}\n"),
    )
}

// ---------------------------------------------------------------- init

#[test]
fn init_creates_an_encrypted_office_and_prints_the_recovery_key_once() {
    let o = Office::empty();
    let out = init_cli(&o, "boss", "boss-pw river lantern");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let key = stdout(&out);
    assert!(key.trim().starts_with("AGE-SECRET-KEY-1"), "{key}");
    assert_eq!(key.lines().count(), 1, "only the key on stdout");
    assert!(stderr(&out).contains("keep it in the safe"));

    let bytes = std::fs::read(&o.paths.db).unwrap();
    assert_ne!(
        &bytes[..16],
        SQLITE_MAGIC,
        "the office file must not be plain SQLite"
    );
    assert!(
        o.paths.keys.exists(),
        "the key file sits beside the office file"
    );

    // The key file records the work factor of the slot.
    let file = KeyFile::read(&o.paths.keys).unwrap();
    assert_eq!(file.users.len(), 1);
    assert_eq!(file.users[0].log_n, TEST_LOG_N.parse::<u8>().unwrap());

    let s = o.login("boss", "boss-pw river lantern");
    assert_eq!(s.user().role, casedesk::domain::Role::Manager);
}

#[test]
fn init_refuses_an_existing_office_and_leaves_it_untouched() {
    let o = Office::empty();
    assert!(
        init_cli(&o, "boss", "kite river lantern 7")
            .status
            .success()
    );
    let db_before = std::fs::read(&o.paths.db).unwrap();
    let keys_before = std::fs::read(&o.paths.keys).unwrap();
    let again = init_cli(&o, "other", "kite river lantern 8");
    assert_error(&again, 1, "already exists");
    assert_eq!(std::fs::read(&o.paths.keys).unwrap(), keys_before);
    assert_eq!(std::fs::read(&o.paths.db).unwrap(), db_before);
    // The first manager still logs in; the second was never created.
    o.login("boss", "kite river lantern 7");
    assert!(matches!(
        vault::login(&o.paths, "other", &secret("kite river lantern 8")),
        Err(Error::BadLogin)
    ));
}

#[test]
fn init_refuses_an_empty_password_and_a_bad_user_name() {
    let o = Office::empty();
    assert_error(&init_cli(&o, "boss", ""), 1, "must not be empty");
    assert!(!o.paths.any_exists(), "nothing left behind");
    assert_error(
        &init_cli(&o, "bad name", "kite river lantern 7"),
        1,
        "user name",
    );
    assert!(!o.paths.any_exists());
    // Too short, and too easy to guess: refused, and nothing left behind.
    assert_error(&init_cli(&o, "boss", "x"), 1, "at least 10 characters");
    assert_error(&init_cli(&o, "boss", "password123"), 1, "too easy to guess");
    assert!(!o.paths.any_exists());
}

#[test]
fn a_missing_user_is_a_usage_error() {
    let o = Office::new();
    let out = o.run(&["check"], "boss-pw river lantern\n");
    assert_error(&out, 2, "--user");
}

// ---------------------------------------------------------------- login

#[test]
fn wrong_password_unknown_user_and_disabled_user_look_the_same() {
    let o = Office::new();
    let add = o.run(
        &["user", "add", "amina", "--role", "staff", "--user", "boss"],
        "boss-pw river lantern\namina-pw river lantern\n",
    );
    assert!(add.status.success(), "{}", stderr(&add));
    let dis = o.run(
        &["user", "disable", "amina", "--user", "boss"],
        "boss-pw river lantern\n",
    );
    assert!(dis.status.success(), "{}", stderr(&dis));

    let wrong = o.run(&["check", "--user", "boss"], "nope\n");
    let unknown = o.run(&["check", "--user", "ghost"], "boss-pw river lantern\n");
    let disabled = o.run(&["check", "--user", "amina"], "amina-pw river lantern\n");
    let empty = o.run(&["check", "--user", "boss"], "\n");
    for out in [&wrong, &unknown, &disabled, &empty] {
        assert_error(out, 3, "wrong user name or password");
    }
    assert_eq!(stderr(&wrong), stderr(&unknown));
    assert_eq!(stderr(&wrong), stderr(&disabled));
}

#[test]
fn a_disabled_accounts_slot_is_gone_from_the_key_file() {
    let o = Office::new();
    let mut s = o.login("boss", "boss-pw river lantern");
    s.add_user(
        "amina",
        casedesk::domain::Role::Staff,
        &secret("amina-pw river lantern"),
    )
    .unwrap();
    assert!(
        KeyFile::read(&o.paths.keys)
            .unwrap()
            .slot("amina")
            .is_some()
    );
    s.disable_user("amina").unwrap();
    assert!(
        KeyFile::read(&o.paths.keys)
            .unwrap()
            .slot("amina")
            .is_none()
    );
    assert!(matches!(
        vault::login(&o.paths, "amina", &secret("amina-pw river lantern")),
        Err(Error::BadLogin)
    ));
    // The last manager cannot be disabled.
    let err = s.disable_user("boss").unwrap_err();
    assert!(err.to_string().contains("last manager"), "{err}");
}

#[test]
fn only_a_manager_adds_or_disables_accounts() {
    let o = Office::new();
    let mut s = o.login("boss", "boss-pw river lantern");
    s.add_user(
        "amina",
        casedesk::domain::Role::Staff,
        &secret("amina-pw river lantern"),
    )
    .unwrap();
    drop(s);
    let out = o.run(
        &["user", "add", "zara", "--role", "staff", "--user", "amina"],
        "amina-pw river lantern\nzara-pw river lantern\n",
    );
    assert_error(&out, 3, "only a manager");
    let out = o.run(
        &["user", "disable", "boss", "--user", "amina"],
        "amina-pw river lantern\n",
    );
    assert_error(&out, 3, "only a manager");
    let out = o.run(
        &["user", "list", "--user", "amina"],
        "amina-pw river lantern\n",
    );
    assert_error(&out, 3, "only a manager");
    assert!(KeyFile::read(&o.paths.keys).unwrap().slot("zara").is_none());
}

#[test]
fn user_list_shows_accounts_roles_and_enabled() {
    let o = Office::new();
    let out = o.run(
        &[
            "user",
            "add",
            "nadia",
            "--role",
            "psychologist",
            "--user",
            "boss",
        ],
        "boss-pw river lantern\nn-pw river lantern\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = o.run(
        &["user", "add", "amina", "--role", "staff", "--user", "boss"],
        "boss-pw river lantern\na-pw river lantern\n",
    );
    assert!(out.status.success());
    o.run(
        &["user", "disable", "amina", "--user", "boss"],
        "boss-pw river lantern\n",
    );
    let list = stdout(&o.run(
        &["user", "list", "--user", "boss"],
        "boss-pw river lantern\n",
    ));
    let rows: Vec<Vec<&str>> = list
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0], ["name", "role", "enabled"]);
    assert!(rows.contains(&vec!["amina", "staff", "no"]), "{list}");
    assert!(rows.contains(&vec!["boss", "manager", "yes"]), "{list}");
    assert!(
        rows.contains(&vec!["nadia", "psychologist", "yes"]),
        "{list}"
    );
}

#[test]
fn adding_an_account_twice_or_with_a_bad_name_is_refused() {
    let o = Office::new();
    let mut s = o.login("boss", "boss-pw river lantern");
    s.add_user(
        "amina",
        casedesk::domain::Role::Staff,
        &secret("kite river lantern 7"),
    )
    .unwrap();
    let keys = std::fs::read(&o.paths.keys).unwrap();
    assert!(
        s.add_user(
            "amina",
            casedesk::domain::Role::Staff,
            &secret("kite river lantern 8")
        )
        .is_err()
    );
    assert!(
        s.add_user(
            "a b",
            casedesk::domain::Role::Staff,
            &secret("kite river lantern 8")
        )
        .is_err()
    );
    assert!(
        s.add_user(
            "\u{1b}[31m",
            casedesk::domain::Role::Staff,
            &secret("kite river lantern 8")
        )
        .is_err()
    );
    assert!(
        s.add_user("zara", casedesk::domain::Role::Staff, &secret(""))
            .is_err()
    );
    assert_eq!(
        std::fs::read(&o.paths.keys).unwrap(),
        keys,
        "key file unchanged"
    );
}

#[test]
fn passwd_changes_only_ones_own_password() {
    let o = Office::new();
    let out = o.run(
        &["user", "passwd", "--user", "boss"],
        "boss-pw river lantern\nnew-pw river lantern\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_error(
        &o.run(&["check", "--user", "boss"], "boss-pw river lantern\n"),
        3,
        "wrong user name or password",
    );
    assert_eq!(
        stdout(&o.run(&["check", "--user", "boss"], "new-pw river lantern\n")).trim(),
        "ok"
    );
    // An empty new password is refused and the old one still works.
    let out = o.run(
        &["user", "passwd", "--user", "boss"],
        "new-pw river lantern\n\n",
    );
    assert_error(&out, 1, "must not be empty");
    assert_eq!(
        stdout(&o.run(&["check", "--user", "boss"], "new-pw river lantern\n")).trim(),
        "ok"
    );
}

// ------------------------------------------------------- damaged files

#[test]
fn a_missing_truncated_or_edited_key_file_gives_a_clear_message() {
    let o = Office::new();
    let good = std::fs::read(&o.paths.keys).unwrap();

    std::fs::remove_file(&o.paths.keys).unwrap();
    assert_error(
        &o.run(&["check", "--user", "boss"], "boss-pw river lantern\n"),
        1,
        "key file",
    );

    std::fs::write(&o.paths.keys, &good[..good.len() / 2]).unwrap();
    assert_error(
        &o.run(&["check", "--user", "boss"], "boss-pw river lantern\n"),
        1,
        "key file",
    );

    std::fs::write(&o.paths.keys, b"").unwrap();
    assert_error(
        &o.run(&["check", "--user", "boss"], "boss-pw river lantern\n"),
        1,
        "key file",
    );

    // Edit the armored identity: decryption fails as damage, not a panic.
    let text = String::from_utf8(good.clone()).unwrap();
    let mut file: KeyFile = serde_json::from_str(&text).unwrap();
    let id = &mut file.users[0].identity;
    let mid = id.len() / 2;
    let c = if &id[mid..mid + 1] == "A" { "B" } else { "A" };
    id.replace_range(mid..mid + 1, c);
    std::fs::write(&o.paths.keys, serde_json::to_vec(&file).unwrap()).unwrap();
    let out = o.run(&["check", "--user", "boss"], "boss-pw river lantern\n");
    assert!(
        matches!(out.status.code(), Some(1) | Some(3)),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).lines().count(), 1);
    assert!(!stderr(&out).contains("panicked"));

    // Swap in another account's public key: the office file disagrees.
    let mut file: KeyFile = serde_json::from_str(&text).unwrap();
    file.users[0].public_key = age::x25519::Identity::generate().to_public().to_string();
    std::fs::write(&o.paths.keys, serde_json::to_vec(&file).unwrap()).unwrap();
    assert_error(
        &o.run(&["check", "--user", "boss"], "boss-pw river lantern\n"),
        1,
        "key file does not match",
    );

    // With the good file back, everything works again (for its owner only:
    // a key file others can read is a problem of its own, issue 25).
    std::fs::write(&o.paths.keys, &good).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&o.paths.keys, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    assert_eq!(
        stdout(&o.run(&["check", "--user", "boss"], "boss-pw river lantern\n")).trim(),
        "ok"
    );
}

#[test]
fn an_office_file_that_is_not_ours_gives_a_clear_message() {
    let o = Office::new();
    let good = std::fs::read(&o.paths.db).unwrap();
    let expect_damaged = |o: &Office| {
        assert_error(
            &o.run(&["check", "--user", "boss"], "boss-pw river lantern\n"),
            1,
            "office file",
        );
    };

    // Random bytes.
    let random: Vec<u8> = (0..good.len()).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(&o.paths.db, &random).unwrap();
    expect_damaged(&o);

    // A plain SQLite database.
    std::fs::remove_file(&o.paths.db).unwrap();
    {
        let c = rusqlite::Connection::open(&o.paths.db).unwrap();
        c.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (1);")
            .unwrap();
    }
    expect_damaged(&o);

    // Truncated to its first page.
    std::fs::write(&o.paths.db, &good[..1024]).unwrap();
    expect_damaged(&o);

    // Another casedesk office's file with our key file.
    let other = Office::new();
    std::fs::copy(&other.paths.db, &o.paths.db).unwrap();
    expect_damaged(&o);

    // Empty.
    std::fs::write(&o.paths.db, b"").unwrap();
    let out = o.run(&["check", "--user", "boss"], "boss-pw river lantern\n");
    assert!(!out.status.success());
    assert!(!stderr(&out).contains("panicked"));

    // Missing.
    std::fs::remove_file(&o.paths.db).unwrap();
    expect_damaged(&o);

    // Put back, all is well, nothing was changed by the attempts.
    std::fs::write(&o.paths.db, &good).unwrap();
    let _ = std::fs::remove_file(o.dir.path().join("office.casedesk-wal"));
    let _ = std::fs::remove_file(o.dir.path().join("office.casedesk-shm"));
    assert_eq!(
        stdout(&o.run(&["check", "--user", "boss"], "boss-pw river lantern\n")).trim(),
        "ok"
    );
}

#[test]
fn check_finds_a_damaged_page() {
    let o = Office::demo(300);
    drop(o.login("manager", "demo")); // checkpoint the WAL into the file
    assert_eq!(
        stdout(&o.run(&["check", "--user", "manager"], "demo\n")).trim(),
        "ok"
    );
    let mut bytes = std::fs::read(&o.paths.db).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&o.paths.db, &bytes).unwrap();
    let out = o.run(&["check", "--user", "manager"], "demo\n");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{} / {}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stderr(&out).starts_with("error: "));
}

// ------------------------------------------------------- confidentiality

#[test]
fn no_demo_name_is_readable_in_any_file_and_plain_sqlite_cannot_open_it() {
    let o = Office::demo(1500);
    {
        // Leave a WAL behind as a running desk would.
        let s = o.raw("staff", "demo");
        s.conn()
            .execute_batch(
                "PRAGMA wal_autocheckpoint = 0; UPDATE persons SET area = area WHERE id < 50;",
            )
            .unwrap();
        std::mem::forget(s); // keep the WAL: no checkpoint on close
    }
    let bytes = o.all_bytes();
    assert!(bytes.len() > 100_000, "the office has data");
    // Short common words could match random ciphertext; names here are
    // at least 3 bytes, and ciphertext matching a 6+ byte name would be
    // astronomically unlikely.
    let names = Needles::new(
        casedesk::demo::names::all_personal_names()
            .into_iter()
            .filter(|n| n.len() >= 6),
    );
    assert!(
        names.find_in(&bytes).is_none(),
        "found a demo name in plaintext"
    );
    for area in ["Satellite Town", "Baldia Plaza", "police station"] {
        assert!(!contains_bytes(&bytes, area.as_bytes()));
    }

    // Plain SQLite (no key) cannot read it.
    let plain = rusqlite::Connection::open(&o.paths.db).unwrap();
    let err = plain
        .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
        .unwrap_err();
    assert!(err.to_string().contains("not a database"), "{err}");

    // And neither can the sqlite3 shell, where it is installed.
    if let Ok(out) = std::process::Command::new("sqlite3")
        .arg(&o.paths.db)
        .arg("SELECT name FROM persons LIMIT 1;")
        .output()
    {
        assert!(!out.status.success() || out.stdout.is_empty());
    }
}

// ---------------------------------------------------------- recovery, rekey

#[test]
fn the_recovery_key_gives_a_manager_a_new_password() {
    let o = Office::empty();
    let out = init_cli(&o, "boss", "forgotten river lantern");
    let key_file = o.dir.path().join("recovery.txt");
    std::fs::write(&key_file, stdout(&out)).unwrap();
    let kf = key_file.to_str().unwrap();

    let out = o.run(
        &["recover", "--recovery-key", kf, "--user", "boss"],
        "fresh-pw river lantern\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert_error(
        &o.run(&["check", "--user", "boss"], "forgotten river lantern\n"),
        3,
        "wrong user name",
    );
    assert_eq!(
        stdout(&o.run(&["check", "--user", "boss"], "fresh-pw river lantern\n")).trim(),
        "ok"
    );

    // A different key, or a file with no key, is refused.
    let wrong = o.dir.path().join("wrong.txt");
    std::fs::write(
        &wrong,
        age::x25519::Identity::generate().to_string().expose(),
    )
    .unwrap();
    let out = o.run(
        &[
            "recover",
            "--recovery-key",
            wrong.to_str().unwrap(),
            "--user",
            "boss",
        ],
        "another river lantern\n",
    );
    assert_error(&out, 3, "wrong user name or password");
    std::fs::write(&wrong, "hello").unwrap();
    let out = o.run(
        &[
            "recover",
            "--recovery-key",
            wrong.to_str().unwrap(),
            "--user",
            "boss",
        ],
        "another river lantern\n",
    );
    assert_error(&out, 1, "recovery key");
    assert_eq!(
        stdout(&o.run(&["check", "--user", "boss"], "fresh-pw river lantern\n")).trim(),
        "ok"
    );
}

trait Expose {
    fn expose(&self) -> String;
}
impl Expose for age::secrecy::SecretString {
    fn expose(&self) -> String {
        use age::secrecy::ExposeSecret;
        self.expose_secret().to_string()
    }
}

#[test]
fn rekey_replaces_the_master_key_and_every_account_still_logs_in() {
    let o = Office::demo(200);
    let before = o.raw("manager", "demo").master_key().hex().to_string();
    let out = o.run(&["rekey", "--user", "manager"], "demo\n");
    assert!(out.status.success(), "{}", stderr(&out));
    for user in ["manager", "staff", "psychologist"] {
        let s = o.raw(user, "demo");
        assert_ne!(s.master_key().hex().as_str(), before);
        assert!(s.counselling_identity().is_some() == (user == "psychologist"));
        assert_eq!(
            o.login(user, "demo").holds_counselling_key(),
            user == "psychologist"
        );
    }
    // The old key no longer opens the office file.
    let old = casedesk::vault::MasterKey::from_hex(&before).unwrap();
    assert!(store::open(&o.paths.db, &old).is_err());
    let file = KeyFile::read(&o.paths.keys).unwrap();
    assert!(file.users.iter().all(|s| s.master_next.is_none()));
    // Staff may not rekey.
    assert_error(
        &o.run(&["rekey", "--user", "staff"], "demo\n"),
        3,
        "only a manager",
    );
}

/// A rekey cut off between its steps must still open, with either key.
#[test]
fn a_rekey_cut_short_at_either_step_still_opens() {
    let o = Office::new();
    let copy = |from: &OfficePaths, to_dir: &std::path::Path| {
        let to = OfficePaths::new(to_dir.join("office.casedesk"));
        std::fs::copy(&from.db, &to.db).unwrap();
        std::fs::copy(&from.keys, &to.keys).unwrap();
        to
    };
    drop(o.login("boss", "boss-pw river lantern"));
    let before = tempfile::tempdir().unwrap();
    let old = copy(&o.paths, before.path());
    {
        let mut s = o.login("boss", "boss-pw river lantern");
        s.rekey().unwrap();
    }
    drop(o.login("boss", "boss-pw river lantern"));
    let old_file = KeyFile::read(&old.keys).unwrap();
    let new_file = KeyFile::read(&o.paths.keys).unwrap();
    let mut both = old_file.clone();
    both.users[0].master_next = Some(new_file.users[0].master.clone());
    both.recovery.master_next = Some(new_file.recovery.master.clone());
    // Every rekey makes a new recovery key: the key file names it beside
    // the old one until the rekey is finished.
    both.recovery.public_key_next = Some(new_file.recovery.public_key.clone());

    // Step 1 done, office file not yet rekeyed: the old key opens it.
    both.write(&old.keys).unwrap();
    let s = vault::login(&old, "boss", &secret("boss-pw river lantern")).unwrap();
    drop(s);
    assert!(
        KeyFile::read(&old.keys).unwrap().users[0]
            .master_next
            .is_none()
    );

    // Office file rekeyed, key file not yet cleaned: the new key opens it.
    both.write(&o.paths.keys).unwrap();
    let s = vault::login(&o.paths, "boss", &secret("boss-pw river lantern")).unwrap();
    assert_eq!(s.check().unwrap(), Vec::<String>::new());
    assert!(
        KeyFile::read(&o.paths.keys).unwrap().users[0]
            .master_next
            .is_none()
    );
}

// ---------------------------------------------------------------- schema

#[test]
fn every_connection_has_the_pragmas_we_rely_on() {
    let o = Office::new();
    let s = o.raw("boss", "boss-pw river lantern");
    let get = |p: &str| -> String {
        s.conn()
            .query_row(&format!("PRAGMA {p}"), [], |r| {
                r.get::<_, rusqlite::types::Value>(0)
            })
            .map(|v| match v {
                rusqlite::types::Value::Integer(i) => i.to_string(),
                rusqlite::types::Value::Text(t) => t,
                other => format!("{other:?}"),
            })
            .unwrap()
    };
    assert_eq!(get("journal_mode"), "wal");
    assert_eq!(get("synchronous"), "2", "FULL");
    assert_eq!(get("foreign_keys"), "1");
    assert_eq!(get("temp_store"), "2", "MEMORY");
    assert_eq!(get("cache_size"), "-32768", "a 32 MiB page cache");
    assert!(get("busy_timeout").parse::<i64>().unwrap() >= 1000);
    assert_eq!(get("user_version"), store::schema::LATEST.to_string());
    assert!(get("cipher_version").starts_with('4'), "SQLCipher 4");
}

#[test]
fn a_file_from_a_newer_casedesk_is_refused() {
    let o = Office::new();
    {
        let s = o.raw("boss", "boss-pw river lantern");
        s.conn()
            .pragma_update(None, "user_version", store::schema::LATEST + 1)
            .unwrap();
    }
    let out = o.run(&["check", "--user", "boss"], "boss-pw river lantern\n");
    assert_error(&out, 1, "newer casedesk");
}

#[test]
fn an_old_file_is_upgraded_in_one_go_keeping_its_data() {
    let o = Office::empty();
    let key = casedesk::vault::MasterKey::generate();
    {
        // Build a version-1 file by hand: accounts only.
        let mut c = store::open_keyed(
            &o.paths.db,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_CREATE,
            &key,
        )
        .unwrap();
        store::configure(&c).unwrap();
        store::migrate_to(&mut c, 1).unwrap();
        assert_eq!(store::user_version(&c).unwrap(), 1);
        store::users::add(&c, "boss", casedesk::domain::Role::Manager, "age1xyz").unwrap();
        assert!(
            c.prepare("SELECT 1 FROM persons").is_err(),
            "no registers at v1"
        );
    }
    let c = store::open(&o.paths.db, &key).unwrap();
    assert_eq!(store::user_version(&c).unwrap(), store::schema::LATEST);
    assert!(store::users::find(&c, "boss").unwrap().is_some());
    let n: i64 = c
        .query_row("SELECT count(*) FROM persons", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 0);
}

// ---------------------------------------------------------------- demo

#[test]
fn demo_is_deterministic_for_a_seed() {
    let list = |seed: &str| {
        let o = Office::empty();
        let db = o.paths.db.to_str().unwrap().to_string();
        // On a fixed day: the same seed must give the same office even if
        // the two builds straddle midnight.
        let out = o.run(
            &[
                "demo",
                "--children",
                "150",
                "--seed",
                seed,
                "--today",
                DEMO_DAY,
                "--no-open",
            ],
            "",
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let out = run_binary(
            o.dir.path(),
            std::path::Path::new(&db),
            &["list", "children", "--format", "csv", "--user", "staff"],
            "demo\n",
        );
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let a = list("5");
    let b = list("5");
    let c = list("6");
    assert_eq!(a, b);
    assert_ne!(a, c);
    // 150 children and a quarter as many women, plus the header.
    assert_eq!(a.lines().count(), 1 + 150 + 37);
}

#[test]
fn demo_has_plausible_people() {
    let o = Office::demo(400);
    let s = o.login("staff", "demo");
    // Ages as on the day the demo was built.
    let rows = s.list_register(&Default::default(), demo_day()).unwrap();
    let cpc: Vec<_> = rows
        .iter()
        .filter(|r| r.programme == casedesk::domain::Programme::Cpc)
        .collect();
    let wd: Vec<_> = rows
        .iter()
        .filter(|r| r.programme != casedesk::domain::Programme::Cpc)
        .collect();
    assert_eq!(cpc.len(), 400);
    assert_eq!(wd.len(), 100);
    assert!(cpc.iter().all(|r| r.case_number.starts_with("CPC-")));
    assert!(wd.iter().all(|r| r.case_number.starts_with("WD-")));
    // Ages 7 to 20 (registered up to three years ago at 7 to 18).
    assert!(cpc.iter().all(|r| (7..=21).contains(&r.age.unwrap())));
    assert!(wd.iter().all(|r| r.age.unwrap() >= 18));
    // Some names in Urdu script, several statuses, dates over three years.
    assert!(rows.iter().any(|r| {
        r.name
            .chars()
            .any(|c| ('\u{0600}'..='\u{06FF}').contains(&c))
    }));
    let statuses: std::collections::HashSet<_> = rows.iter().map(|r| r.status).collect();
    assert!(statuses.len() >= 3, "{statuses:?}");
    let first = rows.iter().map(|r| r.registered_on).min().unwrap();
    assert!((demo_day() - first).num_days() > 600);
    // Demo accounts exist with their roles.
    for (u, role) in [
        ("manager", "manager"),
        ("staff", "staff"),
        ("psychologist", "psychologist"),
    ] {
        assert_eq!(s.account_named(u).unwrap().unwrap().role.code(), role);
    }
}

#[test]
fn demo_replaces_a_demo_office_but_never_a_real_one() {
    let o = Office::new();
    let keys = std::fs::read(&o.paths.keys).unwrap();
    let out = o.run(&["demo", "--children", "10", "--no-open"], "");
    assert_error(&out, 1, "not a demo office");
    assert_eq!(std::fs::read(&o.paths.keys).unwrap(), keys);

    let d = Office::empty();
    assert!(
        d.run(&["demo", "--children", "10", "--no-open"], "")
            .status
            .success()
    );
    let out = d.run(&["demo", "--children", "20", "--no-open"], "");
    assert!(out.status.success(), "{}", stderr(&out));
    let s = d.raw("staff", "demo");
    let n: i64 = s
        .conn()
        .query_row(
            "SELECT count(*) FROM persons WHERE programme='cpc'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 20);
}

// ---------------------------------------------------------------- list

#[test]
fn list_children_prints_the_register_as_csv_and_table() {
    let o = Office::demo(60);
    let out = o.run(
        &["list", "children", "--format", "csv", "--user", "staff"],
        "demo\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mut r = csv::Reader::from_reader(out.stdout.as_slice());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "case_number",
            "name",
            "father_name",
            "sex",
            "age",
            "programme",
            "status",
            "risk",
            "registered_on"
        ]
    );
    let records: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 75);

    let only_closed = o.run(
        &[
            "list",
            "children",
            "--format",
            "csv",
            "--status",
            "closed",
            "--programme",
            "cpc",
            "--user",
            "staff",
        ],
        "demo\n",
    );
    let mut r = csv::Reader::from_reader(only_closed.stdout.as_slice());
    let closed: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert!(!closed.is_empty());
    assert!(closed.iter().all(|c| &c[6] == "closed" && &c[5] == "cpc"));

    let table = stdout(&o.run(&["list", "children", "--user", "manager"], "demo\n"));
    assert!(table.lines().next().unwrap().starts_with("Case number"));
    assert_eq!(table.lines().count(), 76);

    // Bad filter values are usage mistakes with a plain message.
    let out = o.run(
        &["list", "children", "--status", "gone", "--user", "staff"],
        "demo\n",
    );
    assert_error(&out, 2, "not a known case status");
    let out = o.run(
        &["list", "children", "--format", "xml", "--user", "staff"],
        "demo\n",
    );
    assert_eq!(out.status.code(), Some(2));
    // The psychologist does not list the register (CLI.md: staff, manager).
    let out = o.run(&["list", "children", "--user", "psychologist"], "demo\n");
    assert_error(&out, 3, "only a");
}

#[test]
fn help_describes_every_command() {
    let o = Office::empty();
    let out = o.run(&["--help"], "");
    let help = stdout(&out);
    for cmd in [
        "init", "demo", "user", "list", "check", "rekey", "recover", "audit",
    ] {
        assert!(help.contains(cmd), "--help mentions {cmd}");
    }
    assert!(help.contains("Exit codes"));
}

// ---------------------------------------------------------------- demo

/// The demo office is what a new user tries first: it must not show
/// children placed in work the law forbids them (issue 24: an 8-year-old
/// in hotel work).
#[test]
fn the_demo_office_places_no_child_below_the_working_age() {
    use casedesk::domain::child_labour;
    use casedesk::domain::person::age_on;
    use chrono::NaiveDate;

    let o = Office::demo(600);
    let raw = o.raw("manager", "demo");
    let mut stmt = raw
        .conn()
        .prepare(
            "SELECT p.birth_date, pl.starts_on, pl.trade, pl.employer, pl.business_kind
               FROM placements pl JOIN persons p ON p.id = pl.person_id",
        )
        .expect("query");
    type Row = (Option<NaiveDate>, NaiveDate, String, String, String);
    let rows: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .expect("rows")
        .collect::<Result<_, _>>()
        .expect("read");
    assert!(
        rows.len() > 50,
        "the demo still places people: {}",
        rows.len()
    );
    for (birth, start, trade, employer, business) in &rows {
        let birth = birth.expect("every demo person has a date of birth");
        let age = age_on(birth, *start).expect("age");
        assert_eq!(
            child_labour::check(age, &[trade, employer, business]),
            None,
            "placed at {age} on {start}: {trade} / {employer} / {business}"
        );
        assert!(age >= child_labour::MIN_WORK_AGE);
    }
}
