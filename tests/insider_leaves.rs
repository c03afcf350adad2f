//! Issue 25: an insider who leaves keeps nothing; tampering and old copies
//! are caught. The attacker is a staff member who, while still trusted,
//! opened the office file with the master key from their own slot (a
//! SQLCipher connection of their own, as any SQLCipher client would) and
//! wrote to it and to the key file; the office is then run with the real
//! binary, a second process.
//!
//! The harness (`insider_support`) is shared with `keys_insider.rs`.

use std::io::Write;

use age::x25519;
use casedesk::vault::crypto;
use serde_json::Value;

mod insider_support;

use insider_support::*;

/// The attacker's own connection to the office file: the master key from
/// their slot, then plain SQL (no casedesk code on the write path).
fn attacker_conn(o: &Office, user: &str, pw: &str) -> rusqlite::Connection {
    let keys = o.key_file();
    let slot = keys["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|s| s["name"] == user)
        .expect("the attacker's slot");
    let identity = crypto::open_identity(
        &serde_json::from_value(slot.clone()).expect("a slot"),
        &secret(pw),
    )
    .expect("the attacker knows their own password");
    let master = crypto::open_master(slot["master"].as_str().expect("master"), &identity)
        .expect("their slot opens the master key");
    let conn = rusqlite::Connection::open(&o.db).expect("open");
    conn.execute_batch(&format!(
        "PRAGMA cipher_log_level = NONE; PRAGMA key = \"x'{}'\";",
        master.hex().as_str()
    ))
    .expect("key");
    conn.execute_batch("PRAGMA busy_timeout = 5000;")
        .expect("busy timeout");
    conn
}

// ---------------------------------------------------------------------
// Defect 6: escape codes in file names reached the terminal raw.

/// Before: `import --from`, `backup verify --from` and `backup auto
/// --folder` echoed the path as given, escape sequences and all.
#[test]
fn paths_with_escape_codes_are_echoed_safely() {
    let o = Office::demo();
    let evil = "x\u{1b}]0;pwned\u{7}\u{1b}[31m.csv";
    let path = o.dir.path().join(evil);
    let path = path.to_str().expect("utf-8");
    let runs = [
        o.run(
            Some("manager"),
            &["import", "people", "--from", path],
            "demo\n",
        ),
        o.run(
            None,
            &["backup", "verify", "--from", path],
            "a passphrase\n",
        ),
        o.run(
            Some("manager"),
            &[
                "backup",
                "auto",
                "--folder",
                path,
                "--recipient",
                &x25519::Identity::generate().to_public().to_string(),
            ],
            "demo\n",
        ),
    ];
    let dir = o.dir.path().to_str().expect("utf-8");
    for r in &runs {
        assert!(
            r.stdout.contains(dir) || r.stderr.contains(dir),
            "the path is echoed (the control): {r:?}"
        );
        for out in [&r.stdout, &r.stderr] {
            assert!(
                !out.contains('\u{1b}') && !out.contains('\u{7}'),
                "a raw escape reached the terminal: {r:?}"
            );
        }
    }
}

// ---------------------------------------------------------------------
// Defect 5: no warning for a key file others can read.

/// Before: a key file readable by group and others (a copy made with `cp`
/// under a loose umask, a change by hand) went unsaid. Now every login
/// warns (the CLI on standard error, the desk on its status line) and
/// `check` lists it as a problem. (Unix only: Windows has no mode bits.)
#[cfg(unix)]
#[test]
fn a_key_file_others_can_read_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let o = Office::demo();
    let mode = |m: u32| {
        std::fs::set_permissions(&o.paths.keys, std::fs::Permissions::from_mode(m)).expect("chmod")
    };
    // The control: casedesk writes it for its owner only, and says nothing.
    let clean = o.run(Some("staff"), &["check"], "demo\n").ok();
    assert_eq!(clean.stdout.trim(), "ok", "{clean:?}");
    assert!(!clean.stderr.contains("warning"), "{clean:?}");

    mode(0o644);
    let check = o.run(Some("staff"), &["check"], "demo\n");
    assert_eq!(check.code, Some(1), "{check:?}");
    assert!(
        check.stdout.contains("can be read by other accounts") && check.stdout.contains("644"),
        "{check:?}"
    );
    assert!(
        check.stderr.contains("warning: the key file"),
        "the login warns too: {check:?}"
    );
    // The login rewrote it for its owner only (it moves the audit head
    // forward); loosened again, every login says so.
    mode(0o644);
    let list = o
        .run(
            Some("staff"),
            &["list", "children", "--format", "csv"],
            "demo\n",
        )
        .ok();
    assert!(
        list.stderr.contains("warning: the key file") && list.stderr.contains("chmod 600"),
        "{list:?}"
    );

    // The desk says it on its status line.
    mode(0o604);
    let config_dir = o.dir.path().join("config");
    let mut app = casedesk::ui::App::new(
        o.paths.clone(),
        Some("staff".to_string()),
        casedesk::config::Config::default(),
        Some(&config_dir),
    );
    for c in "demo".chars() {
        app.handle_key(&crossterm::event::KeyEvent::new(
            crossterm::event::KeyCode::Char(c),
            crossterm::event::KeyModifiers::NONE,
        ));
    }
    app.handle_key(&crossterm::event::KeyEvent::new(
        crossterm::event::KeyCode::Enter,
        crossterm::event::KeyModifiers::NONE,
    ));
    app.wait_idle(std::time::Duration::from_secs(30));
    assert!(app.is_logged_in());
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("tb");
    t.draw(|f| app.draw(f)).expect("draw");
    let screen = t.backend().to_string();
    assert!(
        screen.contains("Warning: the key file"),
        "the desk's status line warns: {screen}"
    );

    // Group-readable only is still too much; owner-only is quiet again.
    mode(0o640);
    let check = o.run(Some("staff"), &["check"], "demo\n");
    assert_eq!(check.code, Some(1), "{check:?}");
    assert!(check.stdout.contains("(mode 640)"), "{check:?}");
    mode(0o600);
    let check = o.run(Some("staff"), &["check"], "demo\n").ok();
    assert_eq!(check.stdout.trim(), "ok", "{check:?}");
}

// ---------------------------------------------------------------------
// Defects 2 and 3: an amendment undone unnoticed; a forged note printed
// with exit 0.

/// Before: deleting version 2 of a note and writing version 1's head back
/// into `counselling_sessions.note_head` left a chain the MACs vouch for:
/// `counselling show` printed version 1 with exit 0 and the psychologist's
/// `check` said ok. And a forged version printed with exit 0 and no word.
/// Now each amendment's audit entry records the version and the new head,
/// the note chain is compared with the audit chain, and `show` prints a note
/// that does not verify under a warning and exits 1.
#[test]
fn an_undone_amendment_and_a_forged_note_are_caught_by_show_and_check() {
    let o = Office::demo();
    let case = o.first_case();
    let undone = o.add_note("psychologist", DEMO_PW, &case, "Version one of A.");
    let forged_on = o.add_note("psychologist", DEMO_PW, &case, "Version one of B.");
    let untouched = o.add_note("psychologist", DEMO_PW, &case, "Nobody touches C.");
    // The insider keeps version 1's head while it is the current one.
    let v1_head: String = attacker_conn(&o, "staff", DEMO_PW)
        .query_row(
            "SELECT note_head FROM counselling_sessions WHERE id = ?1",
            [undone],
            |r| r.get(0),
        )
        .expect("head of A");
    o.run(
        Some("psychologist"),
        &["counselling", "amend", &undone.to_string()],
        "demo\nVersion two of A: the disclosure.\n",
    )
    .ok();
    // The controls: no false alarm before the attack.
    let check = o.run(Some("psychologist"), &["check"], "demo\n").ok();
    assert_eq!(check.stdout.trim(), "ok", "{check:?}");
    let shown = o
        .run(
            Some("psychologist"),
            &["counselling", "show", &undone.to_string()],
            "demo\n",
        )
        .ok();
    assert!(shown.stdout.contains("Version two of A"), "{shown:?}");
    assert!(!shown.stdout.contains("NOT VERIFIABLE"), "{shown:?}");

    {
        let c = attacker_conn(&o, "staff", DEMO_PW);
        let n = c
            .execute(
                "DELETE FROM counselling_notes WHERE session_id = ?1 AND version = 2",
                [undone],
            )
            .expect("delete version 2");
        assert_eq!(n, 1);
        c.execute(
            "UPDATE counselling_sessions SET note_head = ?1 WHERE id = ?2",
            rusqlite::params![v1_head, undone],
        )
        .expect("write version 1's head back");
        // And a forged second version of B, sealed to the (public)
        // recipient, with the genuine version's MAC copied: the best a
        // forger can do.
        let recipient: x25519::Recipient = c
            .query_row(
                "SELECT value FROM meta WHERE key = 'counselling_recipient'",
                [],
                |r| r.get::<_, String>(0),
            )
            .expect("recipient")
            .parse()
            .expect("an age recipient");
        let (person_id, mac, psych): (i64, Option<String>, i64) = c
            .query_row(
                "SELECT s.person_id, n.mac, n.written_by FROM counselling_sessions s
                 JOIN counselling_notes n ON n.session_id = s.id AND n.version = 1
                 WHERE s.id = ?1",
                [forged_on],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .expect("session B");
        let sealed = casedesk::office::counselling::seal_note(
            &recipient,
            casedesk::domain::counselling::NoteBinding {
                person_id,
                session_id: forged_on,
                version: 2,
            },
            "Forged: the child withdrew the complaint.",
        )
        .expect("anyone can seal to a public key");
        c.execute(
            "INSERT INTO counselling_notes(session_id, version, sealed, written_by, written_at, mac)
             VALUES (?1, 2, ?2, ?3, '2026-03-01T10:00:00Z', ?4)",
            rusqlite::params![forged_on, sealed, psych, mac],
        )
        .expect("insert a forged version");
    }

    for (id, text) in [
        (undone, "Version one of A."),
        (forged_on, "Forged: the child withdrew the complaint."),
    ] {
        let shown = o.run(
            Some("psychologist"),
            &["counselling", "show", &id.to_string()],
            "demo\n",
        );
        shown.refused(1, "cannot be verified");
        let warning = shown
            .stdout
            .find("NOT VERIFIABLE")
            .unwrap_or_else(|| panic!("a warning: {shown:?}"));
        let at = shown.stdout.find(text).expect("the text as found");
        assert!(warning < at, "the warning comes first: {shown:?}");
    }
    let history = o.run(
        Some("psychologist"),
        &["counselling", "show", "--history", &forged_on.to_string()],
        "demo\n",
    );
    history.refused(1, "version 2 cannot be verified");
    assert_eq!(
        history.stdout.matches("NOT VERIFIABLE").count(),
        1,
        "{history:?}"
    );
    // The control: an untouched note still shows cleanly.
    let shown = o
        .run(
            Some("psychologist"),
            &["counselling", "show", &untouched.to_string()],
            "demo\n",
        )
        .ok();
    assert!(!shown.stdout.contains("NOT VERIFIABLE"), "{shown:?}");

    let check = o.run(Some("psychologist"), &["check"], "demo\n");
    assert_eq!(check.code, Some(1), "{check:?}");
    assert!(
        check
            .stdout
            .contains("counselling: 2 note version(s) cannot be verified"),
        "the undone amendment and the forgery: {check:?}"
    );
}

// ---------------------------------------------------------------------
// Defect 1: a planted recovery key survived disable + rekey.

fn recovery_in(r: &Run) -> x25519::Identity {
    r.stdout
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .unwrap_or_else(|| panic!("a recovery key on stdout: {r:?}"))
        .parse()
        .expect("an age identity")
}

/// The office file opened with the recovery key the key file's recovery
/// slot is sealed to (the control that the recovery key works), and the
/// recovery pin it holds.
fn open_with_recovery(
    o: &Office,
    recovery: &x25519::Identity,
) -> (rusqlite::Connection, Option<String>) {
    let sealed = o.key_file()["recovery"]["master"]
        .as_str()
        .expect("recovery.master")
        .to_string();
    let master = crypto::open_master(&sealed, recovery).expect("the recovery key opens it");
    let conn = casedesk::store::open(&o.db, &master).expect("and its master key the office file");
    let pin = casedesk::store::meta::get(&conn, "recovery_recipient").expect("meta");
    (conn, pin)
}

/// Before: staff set the office file's recovery pin and the key file's
/// recovery key to their own age key (or deleted the pin: the next login
/// re-pinned whatever the key file said, unaudited); the manager disabled
/// them and rekeyed, and the new master key was sealed to the attacker.
/// Now every rekey makes a new recovery key, shown once, and a missing pin
/// is refused (but for a manager, who is warned and can rekey), audited,
/// and never taken from the key file.
#[test]
fn a_planted_recovery_key_survives_no_rekey_and_a_removed_pin_is_refused() {
    let o = Office::demo();
    let case = o.first_case();
    let attacker = x25519::Identity::generate();
    let attacker_pub = attacker.to_public().to_string();

    // Round A: staff plants their key in both files.
    {
        let c = attacker_conn(&o, "staff", DEMO_PW);
        let n = c
            .execute(
                "UPDATE meta SET value = ?1 WHERE key = 'recovery_recipient'",
                [&attacker_pub],
            )
            .expect("write the pin");
        assert_eq!(n, 1);
    }
    let mut keys = o.key_file();
    keys["recovery"]["public_key"] = Value::String(attacker_pub.clone());
    o.write_key_file(&keys);
    o.run(Some("manager"), &["user", "disable", "staff"], "demo\n")
        .ok();
    let rekey = o.run(Some("manager"), &["rekey"], "demo\n").ok();
    attacker_gets_nothing(&o, &attacker, "after disable and rekey");
    assert!(rekey.stderr.contains("recovery key"), "{rekey:?}");
    let recovery = recovery_in(&rekey);
    let (_, pin) = open_with_recovery(&o, &recovery);
    assert_eq!(
        pin,
        Some(recovery.to_public().to_string()),
        "the new key is pinned"
    );
    assert_eq!(
        o.key_file()["recovery"]["public_key"].as_str(),
        pin.as_deref()
    );

    // Round B: the psychologist, still trusted, removes the pin and names
    // their own key in the key file, for the next login to adopt.
    attacker_conn(&o, "psychologist", DEMO_PW)
        .execute("DELETE FROM meta WHERE key = 'recovery_recipient'", [])
        .expect("remove the pin");
    let mut keys = o.key_file();
    keys["recovery"]["public_key"] = Value::String(attacker_pub.clone());
    o.write_key_file(&keys);
    o.run(
        Some("psychologist"),
        &["counselling", "list", "--person", &case],
        "demo\n",
    )
    .refused(1, "record of its recovery key has been removed");
    let (_, pin) = open_with_recovery(&o, &recovery);
    assert_eq!(pin, None, "nothing was adopted from the key file");
    // A manager may log in, to put it right, and is told.
    let check = o.run(Some("manager"), &["check"], "demo\n");
    assert_eq!(check.code, Some(1), "{check:?}");
    assert!(
        check
            .stderr
            .contains("warning: the office file's record of its recovery key has been removed"),
        "{check:?}"
    );
    assert!(
        check.stdout.contains("recovery key has been removed"),
        "{check:?}"
    );
    let (_, pin) = open_with_recovery(&o, &recovery);
    assert_eq!(pin, None, "not even a manager's login adopts it");
    let rekey = o.run(Some("manager"), &["rekey"], "demo\n").ok();
    let second = recovery_in(&rekey);
    assert_ne!(
        second.to_public().to_string(),
        recovery.to_public().to_string()
    );
    attacker_gets_nothing(&o, &attacker, "after the second rekey");
    let (_, pin) = open_with_recovery(&o, &second);
    assert_eq!(pin, Some(second.to_public().to_string()));
    let check = o.run(Some("psychologist"), &["check"], "demo\n").ok();
    assert_eq!(check.stdout.trim(), "ok", "{check:?}");

    // The trail: the refusal and the manager's logins over a missing pin,
    // and each rekey with its new recovery key.
    let altered = o.audit(("manager", DEMO_PW), "keys.altered");
    assert!(altered.len() >= 2, "{altered:?}");
    assert!(
        altered
            .iter()
            .all(|(_, d)| d.starts_with("recovery-pin-missing")),
        "{altered:?}"
    );
    let rekeys = o.audit(("manager", DEMO_PW), "office.rekey");
    assert_eq!(
        rekeys,
        vec![
            (
                "manager".to_string(),
                "new master key; new recovery key".to_string()
            );
            2
        ]
    );
}

// ---------------------------------------------------------------------
// Defect 4: an older copy of the office file went unnoticed.

/// Before: an office file six entries older put back (and the head file
/// beside it deleted) was taken as it was: `check` said ok, staff logged
/// in, the notes written since were gone. Now the key file keeps the audit
/// head too: every login refuses the older file (audited at the next good
/// login), `check` says so, and only a manager's `restore-accept`
/// (audited) takes it. A backup restored the normal way (beside its own
/// key file) opens without it.
#[test]
fn an_older_office_file_put_back_is_refused_until_a_manager_accepts_it() {
    let o = Office::demo();
    let case = o.first_case();
    let backup = o.dir.path().join("before.age");
    let pass = "kite river lantern 7 blue door";
    o.run(
        Some("manager"),
        &["backup", "export", "--out", backup.to_str().expect("utf-8")],
        &format!("demo\n{pass}\n"),
    )
    .ok();
    // The copy kept by someone who left (every process has exited, so the
    // office file alone holds everything).
    let old_db = std::fs::read(&o.db).expect("office file");
    for i in 1..=3 {
        o.add_note(
            "psychologist",
            DEMO_PW,
            &case,
            &format!("Note {i} after the copy."),
        );
    }
    // Read after the refusals are checked, so that the test says what
    // went unnoticed before the key file recorded it.
    let key_seq = || {
        o.key_file()["audit_head"]["seq"]
            .as_i64()
            .expect("the key file records the audit head")
    };
    std::fs::write(&o.db, &old_db).expect("put the old copy back");
    let anchor = o.paths.sibling(".audit-head");
    std::fs::remove_file(&anchor).expect("and delete the head file beside it");

    let mut refusals = 0;
    for (user, args) in [
        ("staff", vec!["check"]),
        (
            "psychologist",
            vec!["counselling", "list", "--person", &case],
        ),
        ("manager", vec!["check"]),
    ] {
        let r = o.run(Some(user), &args, "demo\n");
        r.refused(1, "this office file is older than its key file: entries ");
        assert!(
            r.stderr.contains(&format!("–{} are missing", key_seq()))
                && r.stderr.contains("casedesk restore-accept"),
            "{r:?}"
        );
        refusals += 1;
    }
    assert_eq!(
        std::fs::read(&o.db).expect("office file"),
        old_db,
        "a refused login writes nothing to the office file"
    );
    o.run(Some("staff"), &["restore-accept"], "demo\n")
        .refused(3, "only a manager");

    let accepted = o.run(Some("manager"), &["restore-accept"], "demo\n").ok();
    assert!(accepted.stderr.contains("Accepted"), "{accepted:?}");
    let again = o.run(Some("manager"), &["restore-accept"], "demo\n").ok();
    assert!(again.stderr.contains("nothing to accept"), "{again:?}");
    let check = o.run(Some("staff"), &["check"], "demo\n").ok();
    assert_eq!(check.stdout.trim(), "ok", "{check:?}");
    let verify = o
        .run(Some("manager"), &["audit", "--verify"], "demo\n")
        .ok();
    assert!(verify.stdout.contains("chain intact"), "{verify:?}");
    let accepts = o.audit(("manager", DEMO_PW), "office.restore_accept");
    assert_eq!(accepts.len(), 1, "{accepts:?}");
    assert!(accepts[0].1.contains("are missing"), "{accepts:?}");
    let altered = o.audit(("manager", DEMO_PW), "keys.altered");
    assert_eq!(
        altered
            .iter()
            .filter(|(_, d)| d.starts_with("office-file-older"))
            .count(),
        refusals,
        "one entry per refused login: {altered:?}"
    );

    // A backup restored the normal way, beside its own key file, opens.
    let restored = o.dir.path().join("restored").join("office.casedesk");
    let r = o.run(
        None,
        &[
            "backup",
            "restore",
            "--from",
            backup.to_str().expect("utf-8"),
            "--to",
            restored.to_str().expect("utf-8"),
        ],
        &format!("{pass}\n"),
    );
    assert_eq!(r.code, Some(0), "{r:?}");
    let mut cmd = o.command_at(&restored, Some("staff"), &["check"]);
    let out = {
        let mut child = cmd.spawn().expect("spawn");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(b"demo\n")
            .expect("password");
        child.wait_with_output().expect("wait")
    };
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "ok",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
