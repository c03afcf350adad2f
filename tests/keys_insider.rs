//! Issue 10: an insider (or anyone who can write the office folder) must not
//! be able to direct a secret to themselves, forge or roll back a
//! counselling note unnoticed, or leave readable leftovers. Real office
//! files, the real binary (and the library where a raw connection is the
//! attacker's tool).
//!
//! - defect 1: a swapped recovery key in the key file;
//! - defect 2: a counselling recipient swapped by staff;
//! - defect 6: forged and rolled-back notes, export leftovers, one-character
//!   passwords, a 0-byte office file, `restore --from /dev/zero`.
//!
//! Self-contained (no `mod common`): its own small helpers below.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use age::x25519;
use casedesk::domain::counselling::{NoteBinding, SessionId};
use casedesk::office::{self};
use casedesk::vault::{self, crypto};
use serde_json::Value;

mod insider_support;

use insider_support::*;

/// Passes the password policy (10+ characters, zxcvbn score 3 or more).
const NEW_PW: &str = "kite river lantern 7";
const ALTERED: &str = "the key file has been altered";

// ---------------------------------------------------------------------
// Defect 1: whoever could write the office folder got the master key.

/// Before: `rekey` and the `finish_pending_rekey` of any login sealed the
/// master key to `recovery.public_key` from the plain key file; swapping it
/// (and adding a `master_next` so that staff's next login "finishes a
/// rekey") handed the master key to the attacker, and `check` said ok. Now
/// the office file pins the recovery key: every login and `rekey` refuse an
/// altered key file, the refusals reach the audit trail, and nothing is
/// ever sealed to the swapped key.
#[test]
fn a_swapped_recovery_key_is_refused_audited_and_never_receives_the_master_key() {
    let o = Office::empty();
    let init = o
        .run(
            Some("boss"),
            &["init", "--office", "Test office"],
            &format!("{NEW_PW}\n"),
        )
        .ok();
    let recovery: x25519::Identity = init
        .stdout
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .expect("the recovery key is printed once")
        .parse()
        .expect("recovery identity");
    o.run(
        Some("boss"),
        &["user", "add", "clerk", "--role", "staff"],
        &format!("{NEW_PW}\n{NEW_PW}\n"),
    )
    .ok();

    let original = std::fs::read(&o.paths.keys).expect("key file");
    let attacker = x25519::Identity::generate();
    // A manager logged in before the swap: its own `rekey` and `check`
    // must notice too (they compare again, under the key-file lock).
    let early = office::login(&o.paths, "boss", &secret(NEW_PW)).expect("boss logs in");

    // Round A: only the recovery key's public half swapped. The attack
    // waits for the manager's next rekey.
    let mut keys = o.key_file();
    keys["recovery"]["public_key"] = Value::String(attacker.to_public().to_string());
    o.write_key_file(&keys);
    let tampered = std::fs::read(&o.paths.keys).expect("key file");

    let mut early = early;
    let problems = early.check().expect("check runs");
    assert!(
        problems.iter().any(|p| p.contains(ALTERED)),
        "check of a session open before the swap reports it: {problems:?}"
    );
    let e = early
        .rekey()
        .expect_err("rekey must refuse an altered key file");
    assert!(e.to_string().contains(ALTERED), "{e}");
    drop(early);

    let mut refusals = 0;
    o.run(Some("clerk"), &["check"], &format!("{NEW_PW}\n"))
        .refused(1, ALTERED);
    refusals += 1;
    o.run(Some("boss"), &["rekey"], &format!("{NEW_PW}\n"))
        .refused(1, ALTERED);
    refusals += 1;
    o.run(Some("boss"), &["check"], &format!("{NEW_PW}\n"))
        .refused(1, ALTERED);
    refusals += 1;
    assert_eq!(
        std::fs::read(&o.paths.keys).expect("key file"),
        tampered,
        "a refused login or rekey writes nothing to the key file"
    );
    attacker_gets_nothing(&o, &attacker, "round A");

    // Round B: also a `master_next` in the recovery slot, so that any
    // login thinks a rekey was cut short and "finishes" it.
    keys["recovery"]["master_next"] = keys["recovery"]["master"].clone();
    o.write_key_file(&keys);
    let tampered = std::fs::read(&o.paths.keys).expect("key file");
    o.run(Some("clerk"), &["check"], &format!("{NEW_PW}\n"))
        .refused(1, ALTERED);
    refusals += 1;
    match vault::login(&o.paths, "clerk", &secret(NEW_PW)) {
        Ok(_) => panic!("a login must refuse an altered key file"),
        Err(e) => assert!(e.to_string().contains(ALTERED), "{e}"),
    }
    refusals += 1;
    o.run(Some("boss"), &["rekey"], &format!("{NEW_PW}\n"))
        .refused(1, ALTERED);
    refusals += 1;
    assert_eq!(
        std::fs::read(&o.paths.keys).expect("key file"),
        tampered,
        "a refused login or rekey writes nothing to the key file"
    );
    attacker_gets_nothing(&o, &attacker, "round B");

    // The original key file back: logins work, and the trail says what
    // happened, once per refusal.
    std::fs::write(&o.paths.keys, &original).expect("restore key file");
    let check = o.run(Some("boss"), &["check"], &format!("{NEW_PW}\n")).ok();
    assert_eq!(check.stdout.trim(), "ok", "{check:?}");
    let altered = o.audit(("boss", NEW_PW), "keys.altered");
    assert_eq!(
        altered.len(),
        refusals,
        "one entry per refusal: {altered:?}"
    );
    assert!(
        altered.iter().all(|(_, d)| d.starts_with("recovery-key")),
        "{altered:?}"
    );

    // A rekey now seals the new master key to a new recovery key, shown
    // once (issue 25), and still nothing to the attacker's.
    let rekey = o.run(Some("boss"), &["rekey"], &format!("{NEW_PW}\n")).ok();
    let new_recovery: x25519::Identity = rekey
        .stdout
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .expect("the new recovery key is printed once")
        .parse()
        .expect("recovery identity");
    attacker_gets_nothing(&o, &attacker, "after a good rekey");
    let keys = o.key_file();
    let sealed = keys["recovery"]["master"]
        .as_str()
        .expect("recovery.master");
    // The control: the same way of opening does work with the right key,
    // so the attacker's failures above mean something.
    assert!(
        crypto::open_master(sealed, &recovery).is_err(),
        "the recovery key from init is spent by the rekey"
    );
    let master =
        crypto::open_master(sealed, &new_recovery).expect("the true recovery key opens it");
    casedesk::store::open(&o.db, &master).expect("and that master key opens the office file");
    o.run(Some("clerk"), &["check"], &format!("{NEW_PW}\n"))
        .ok();
    let verify = o
        .run(Some("boss"), &["audit", "--verify"], &format!("{NEW_PW}\n"))
        .ok();
    assert!(verify.stdout.contains("chain intact"), "{verify:?}");
}

// ---------------------------------------------------------------------
// Defect 2: any account could swap the counselling recipient.

/// Before: staff (holding the master key) set `meta.counselling_recipient`
/// and the key file's `counselling_recipient` to their own key; a
/// psychologist not yet granted the counselling key then recorded a note
/// sealed only to staff. Now a psychologist who does not hold the key may
/// not write notes at all, a holder's login puts the record right (audit
/// `keys.repaired`), and notes are sealed to the holder's own identity.
#[test]
fn a_counselling_recipient_swapped_by_staff_never_receives_a_note() {
    let o = Office::demo();
    let case = o.first_case();
    o.run(
        Some("manager"),
        &["user", "add", "psy2", "--role", "psychologist"],
        &format!("{DEMO_PW}\n{NEW_PW}\n"),
    )
    .ok();
    let holder = vault::login(&o.paths, "psychologist", &secret(DEMO_PW))
        .expect("psychologist logs in")
        .counselling_identity()
        .cloned()
        .expect("the demo psychologist holds the counselling key");
    let attacker = x25519::Identity::generate();
    let attacker_pub = attacker.to_public().to_string();

    // Staff's attack, with nothing but staff's own login and the folder.
    {
        let staff = vault::login(&o.paths, "staff", &secret(DEMO_PW)).expect("staff logs in");
        let n = staff
            .conn()
            .execute(
                "UPDATE meta SET value = ?1 WHERE key = 'counselling_recipient'",
                [&attacker_pub],
            )
            .expect("staff can write the office file");
        assert_eq!(n, 1);
    }
    let mut keys = o.key_file();
    keys["counselling_recipient"] = Value::String(attacker_pub.clone());
    o.write_key_file(&keys);

    let notes = |o: &Office| -> Vec<(i64, Vec<u8>)> {
        let staff = vault::login(&o.paths, "staff", &secret(DEMO_PW)).expect("staff logs in");
        let mut stmt = staff
            .conn()
            .prepare("SELECT id, sealed FROM counselling_notes ORDER BY id")
            .expect("prepare");
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows")
    };
    let before = notes(&o);

    // psy2 was never granted the key: recording a note is refused (before
    // the fix it was sealed to the recorded recipient: the attacker).
    let r = o.run(
        Some("psy2"),
        &[
            "counselling",
            "add",
            "--person",
            &case,
            "--kind",
            "individual",
            "--minutes",
            "30",
        ],
        &format!("{NEW_PW}\nTold me about the man at the bus stand.\n"),
    );
    r.refused(3, "do not hold the counselling key");
    let after = notes(&o);
    assert_eq!(after.len(), before.len(), "no note was written");
    for (id, sealed) in &after {
        assert!(
            crypto::open_sealed(&attacker, sealed).is_err(),
            "note {id} opens with the attacker's key"
        );
    }

    // The holder's next login puts the record right.
    o.run(
        Some("psychologist"),
        &["counselling", "list", "--person", &case],
        "demo\n",
    )
    .ok();
    let own = holder.to_public().to_string();
    assert_eq!(
        o.key_file()["counselling_recipient"].as_str(),
        Some(own.as_str()),
        "the key file names the true recipient again"
    );
    {
        let staff = vault::login(&o.paths, "staff", &secret(DEMO_PW)).expect("staff logs in");
        let recorded: String = staff
            .conn()
            .query_row(
                "SELECT value FROM meta WHERE key = 'counselling_recipient'",
                [],
                |r| r.get(0),
            )
            .expect("recorded recipient");
        assert_eq!(
            recorded, own,
            "the office file names the true recipient again"
        );
    }
    let repaired = o.audit(("manager", DEMO_PW), "keys.repaired");
    assert!(
        repaired
            .iter()
            .any(|(who, d)| who == "psychologist" && d.contains("counselling key record restored")),
        "the repair is in the trail: {repaired:?}"
    );

    // Notes written from now on (by the holder, and by psy2 once granted)
    // open with the counselling identity and never with the attacker's.
    let mine = o.add_note(
        "psychologist",
        DEMO_PW,
        &case,
        "First note after the repair.",
    );
    o.run(Some("psychologist"), &["user", "grant", "psy2"], "demo\n")
        .ok();
    let theirs = o.add_note("psy2", NEW_PW, &case, "psy2's first note.");
    let after = notes(&o);
    assert_eq!(after.len(), before.len() + 2);
    for (id, sealed) in &after {
        assert!(
            crypto::open_sealed(&attacker, sealed).is_err(),
            "note {id} opens with the attacker's key"
        );
        crypto::open_sealed(&holder, sealed).expect("every note opens with the counselling key");
    }
    let shown = o
        .run(
            Some("psy2"),
            &["counselling", "show", &mine.to_string()],
            &format!("{NEW_PW}\n"),
        )
        .ok();
    assert!(
        shown.stdout.contains("First note after the repair."),
        "{shown:?}"
    );
    let shown = o
        .run(
            Some("psychologist"),
            &["counselling", "show", &theirs.to_string()],
            "demo\n",
        )
        .ok();
    assert!(shown.stdout.contains("psy2's first note."), "{shown:?}");
    let check = o.run(Some("psychologist"), &["check"], "demo\n").ok();
    assert_eq!(check.stdout.trim(), "ok", "{check:?}");
}

// ---------------------------------------------------------------------
// Defect 6: smaller holes.

/// Before: anyone holding the master key could insert a note version sealed
/// to the counselling recipient (a public key) and it read as genuine, and
/// deleting a note's latest version rolled it back unnoticed. Now each
/// version carries a MAC only a holder can make, chained, and each session
/// names its latest version: both show `verified == false` and `check` (by
/// a holder) counts them.
#[test]
fn a_forged_and_a_rolled_back_note_are_not_verified_and_check_counts_them() {
    let o = Office::demo();
    let case = o.first_case();
    let forged_on = o.add_note("psychologist", DEMO_PW, &case, "Version one of B.");
    let rolled_back = o.add_note("psychologist", DEMO_PW, &case, "Version one of A.");
    let untouched = o.add_note("psychologist", DEMO_PW, &case, "Nobody touches C.");
    o.run(
        Some("psychologist"),
        &["counselling", "amend", &rolled_back.to_string()],
        "demo\nVersion two of A: the disclosure.\n",
    )
    .ok();
    // No false alarms before the attack.
    let check = o.run(Some("psychologist"), &["check"], "demo\n").ok();
    assert_eq!(check.stdout.trim(), "ok", "{check:?}");

    // Staff forges a second version of B and removes A's latest version.
    {
        let staff = vault::login(&o.paths, "staff", &secret(DEMO_PW)).expect("staff logs in");
        let c = staff.conn();
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
        let sealed = office::counselling::seal_note(
            &recipient,
            NoteBinding {
                person_id,
                session_id: forged_on,
                version: 2,
            },
            "Forged: the child withdrew the complaint.",
        )
        .expect("anyone can seal to a public key");
        // The forger copies the genuine version's MAC: the best it can do.
        c.execute(
            "INSERT INTO counselling_notes(session_id, version, sealed, written_by, written_at, mac)
             VALUES (?1, 2, ?2, ?3, '2026-03-01T10:00:00Z', ?4)",
            rusqlite::params![forged_on, sealed, psych, mac],
        )
        .expect("insert a forged version");
        let n = c
            .execute(
                "DELETE FROM counselling_notes WHERE session_id = ?1 AND version = 2",
                [rolled_back],
            )
            .expect("delete the latest version");
        assert_eq!(n, 1);
    }

    let psy = office::login(&o.paths, "psychologist", &secret(DEMO_PW)).expect("login");
    let forged = psy.read_note(SessionId(forged_on)).expect("read B");
    assert_eq!(forged.version, 2);
    assert_eq!(
        forged.text.as_str(),
        "Forged: the child withdrew the complaint."
    );
    assert!(!forged.verified, "a forged version must not verify");
    let history: Vec<bool> = psy
        .note_history(SessionId(forged_on))
        .expect("history of B")
        .iter()
        .map(|n| n.verified)
        .collect();
    assert_eq!(history, [true, false], "the genuine version still verifies");
    let a = psy.read_note(SessionId(rolled_back)).expect("read A");
    assert_eq!(a.version, 1, "the latest version was deleted");
    assert!(!a.verified, "a rolled-back note must not verify");
    let c = psy.read_note(SessionId(untouched)).expect("read C");
    assert!(c.verified, "an untouched note verifies (the control)");
    drop(psy);

    let check = o.run(Some("psychologist"), &["check"], "demo\n");
    assert_eq!(check.code, Some(1), "{check:?}");
    assert!(
        check
            .stdout
            .contains("counselling: 2 note version(s) cannot be verified"),
        "{check:?}"
    );
}

/// Before: a killed `backup export` left `.casedesk-snapshot-*.tmp` (the
/// office file under the old master key, still readable after a rekey by
/// whoever kept that key) and `.partial` files that nothing removed. Now
/// the next login removes every leftover whose export is gone (its mark not
/// held), and leaves a running export's files alone.
#[test]
fn leftovers_of_a_killed_export_are_removed_at_the_next_login() {
    let o = Office::demo();
    let dir = o.dir.path();
    let dead = "0123456789abcdef0123456789abcdef";
    let live = "fedcba9876543210fedcba9876543210";
    // What a SIGKILLed export leaves: its mark (no longer locked by
    // anyone), its snapshot and its partial output, with its token.
    let dead_files = [
        format!(".casedesk-export-{dead}.lock"),
        format!(".casedesk-snapshot-{dead}-x1.tmp"),
        format!(".backup.age.{dead}.x2.partial"),
        // From before marks existed: no token at all.
        ".casedesk-snapshot-old.tmp".to_string(),
    ];
    for f in &dead_files {
        std::fs::write(dir.join(f), b"SQLite format 3 (encrypted pages)").expect("leftover");
    }
    // An export still running (here: this test holds its mark locked).
    let mark = File::create(dir.join(format!(".casedesk-export-{live}.lock"))).expect("mark");
    mark.try_lock().expect("lock the mark");
    let live_files = [
        format!(".casedesk-snapshot-{live}-y1.tmp"),
        format!(".backup.age.{live}.y2.partial"),
    ];
    for f in &live_files {
        std::fs::write(dir.join(f), b"in progress").expect("live file");
    }

    o.run(Some("staff"), &["check"], "demo\n").ok();
    for f in &dead_files {
        assert!(
            !dir.join(f).exists(),
            "{f} must be removed at the next login"
        );
    }
    for f in &live_files {
        assert!(dir.join(f).exists(), "{f} belongs to a running export");
    }
    drop(mark);
    o.run(Some("staff"), &["check"], "demo\n").ok();
    for f in &live_files {
        assert!(!dir.join(f).exists(), "{f}: its export is gone now");
    }
    assert!(!dir.join(format!(".casedesk-export-{live}.lock")).exists());
}

/// The same with a real export, SIGKILLed while its half-written file exists
/// (a demo office large enough that the export takes a while; the test
/// waits for the files to appear, then kills).
#[test]
fn a_real_export_killed_half_way_leaves_nothing_after_the_next_login() {
    let o = Office::empty();
    casedesk::demo::build(
        &o.paths,
        &casedesk::demo::DemoOptions {
            children: 1500,
            seed: 7,
            today: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
        },
    )
    .expect("demo office");
    let dir = o.dir.path().to_path_buf();
    let ours = |d: &Path| -> Vec<String> {
        std::fs::read_dir(d)
            .expect("read dir")
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| {
                n.starts_with(".casedesk-snapshot-")
                    || n.ends_with(".partial")
                    || n.starts_with(".casedesk-export-")
            })
            .collect()
    };
    let recipient = x25519::Identity::generate().to_public().to_string();
    let out = dir.join("backup.age");
    let mut caught = false;
    // The export may finish before the files are seen (a fast machine):
    // then try again, a bounded number of times.
    for _ in 0..10 {
        let _ = std::fs::remove_file(&out);
        let mut child = o
            .command(
                Some("manager"),
                &[
                    "backup",
                    "export",
                    "--out",
                    out.to_str().expect("utf-8 path"),
                    "--recipient",
                    &recipient,
                ],
            )
            .spawn()
            .expect("spawn export");
        let _ = child.stdin.take().expect("stdin").write_all(b"demo\n");
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let files = ours(&dir);
            // The export writes no snapshot file (it reads the office's
            // pages in place); its half-written backup is the `.partial`.
            if files.iter().any(|n| n.ends_with(".partial")) {
                child.kill().expect("SIGKILL");
                caught = true;
                break;
            }
            if child.try_wait().expect("try_wait").is_some() || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        let _ = child.kill();
        let status = child.wait().expect("wait");
        if caught {
            assert!(!status.success(), "killed");
            break;
        }
    }
    assert!(caught, "never saw the export's temporary files to kill it");
    assert!(!out.exists(), "a killed export leaves no backup");
    assert!(
        ours(&dir).iter().any(|n| n.ends_with(".partial")),
        "the kill left a half-written backup behind (the situation of the defect)"
    );
    assert!(
        !ours(&dir)
            .iter()
            .any(|n| n.starts_with(".casedesk-snapshot-")),
        "no snapshot file is ever written"
    );
    o.run(Some("staff"), &["check"], "demo\n").ok();
    assert_eq!(
        ours(&dir),
        Vec::<String>::new(),
        "leftovers after the next login"
    );
}

/// Before: a new password of one character was accepted. Now every new
/// password (an added account, `passwd`, `init`) needs 10+ characters and
/// must not be easy to guess; nothing is created on a refusal.
#[test]
fn a_one_character_password_is_refused_everywhere() {
    let o = Office::demo();
    let length = "at least 10 characters";
    o.run(
        Some("manager"),
        &["user", "add", "tiny", "--role", "staff"],
        "demo\nk\n",
    )
    .refused(1, length);
    o.run(
        Some("manager"),
        &["user", "add", "tiny", "--role", "staff"],
        "demo\nPassword1234\n",
    )
    .refused(1, "too easy to guess");
    o.run(Some("staff"), &["user", "passwd"], "demo\nk\n")
        .refused(1, length);
    // The refusals changed nothing: staff's password is still demo, tiny
    // does not exist.
    o.run(Some("staff"), &["check"], "demo\n").ok();
    o.run(Some("tiny"), &["check"], "k\n")
        .refused(3, "wrong user name or password");
    let list = o.run(Some("manager"), &["user", "list"], "demo\n").ok();
    assert!(
        !list
            .stdout
            .lines()
            .any(|l| l.split_whitespace().next() == Some("tiny")),
        "{list:?}"
    );

    let fresh = Office::empty();
    fresh
        .run(Some("boss"), &["init", "--office", "New office"], "k\n")
        .refused(1, length);
    assert!(!fresh.db.exists() && !fresh.paths.keys.exists());
    // The control: a good password is taken.
    fresh
        .run(
            Some("boss"),
            &["init", "--office", "New office"],
            &format!("{NEW_PW}\n"),
        )
        .ok();
}

/// Before: a login on a 0-byte office file wrote a fresh, empty schema into
/// it (SQLite takes an empty file for a new database), and the office then
/// looked merely empty. Now it is refused as empty and the file stays 0
/// bytes.
#[test]
fn a_zero_byte_office_file_is_refused_and_left_as_it_is() {
    let o = Office::demo();
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(o.paths.sibling(side));
    }
    File::create(&o.db).expect("truncate to 0 bytes");
    for user in ["manager", "staff"] {
        o.run(Some(user), &["check"], "demo\n")
            .refused(1, "is empty");
    }
    match vault::login(&o.paths, "manager", &secret(DEMO_PW)) {
        Ok(_) => panic!("a 0-byte office file must not open"),
        Err(e) => assert!(e.to_string().contains("is empty"), "{e}"),
    }
    assert_eq!(
        std::fs::metadata(&o.db).expect("meta").len(),
        0,
        "still 0 bytes"
    );
    assert!(
        !o.paths.sibling("-wal").exists(),
        "no WAL written beside it"
    );
    o.run(
        Some("manager"),
        &["init", "--office", "Again"],
        &format!("{NEW_PW}\n"),
    )
    .refused(1, "already exists");
    assert_eq!(
        std::fs::metadata(&o.db).expect("meta").len(),
        0,
        "still 0 bytes"
    );
}

/// Before: `backup restore --from /dev/zero` read zeros until memory ran
/// out and aborted with a backtrace. Now it is refused at once, as not a
/// backup, and nothing is created.
#[test]
fn restore_from_dev_zero_is_refused_without_reading_it_all() {
    if !Path::new("/dev/zero").exists() {
        eprintln!("note: no /dev/zero here; skipped");
        return;
    }
    let o = Office::empty();
    let to = o.dir.path().join("restored.casedesk");
    let started = Instant::now();
    let mut child = o
        .command(
            None,
            &[
                "backup",
                "restore",
                "--from",
                "/dev/zero",
                "--to",
                to.to_str().expect("utf-8"),
            ],
        )
        .spawn()
        .expect("spawn restore");
    drop(child.stdin.take());
    // Reading it all would never end: give it a generous bound.
    let deadline = started + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("restore from /dev/zero did not stop: it reads it all");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("stderr");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not a casedesk backup"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!to.exists(), "nothing restored");
}

/// Found while writing these tests: a holder's note checks read a note's
/// versions and its head in separate statements, so an amendment committed
/// by another psychologist in between made a genuine note look "not
/// verifiable" (in `check`, and on reading it). Now they read one
/// snapshot. One desk amends a note over and over while another checks
/// every note, then reads it: never a false alarm.
///
/// For the checks the amending desk runs freely. A read is audited (a
/// write), which a desk amending without pause would starve of the write
/// lock; so for the reads each one asks for one amendment as it starts and
/// waits for it at the end: they overlap every time.
#[test]
fn note_checks_never_see_an_amendment_half_way() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    let o = Office::demo();
    let case = o.first_case();
    let id = o.add_note("psychologist", DEMO_PW, &case, "Version 1.");
    // Log in before the amending desk starts: a login writes an audit entry,
    // and a desk amending without pause would starve it of the write lock.
    let desk = office::login(&o.paths, "psychologist", &secret(DEMO_PW)).expect("login");
    let stop = Arc::new(AtomicBool::new(false));
    let free = Arc::new(AtomicBool::new(true));
    let asked = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let amended = Arc::new(AtomicUsize::new(0));
    let writer = {
        let paths = o.paths.clone();
        let (stop, free) = (stop.clone(), free.clone());
        let (asked, done, amended) = (asked.clone(), done.clone(), amended.clone());
        std::thread::spawn(move || {
            let mut desk = office::login(&paths, "psychologist", &secret(DEMO_PW)).expect("login");
            let mut n = 1;
            while !stop.load(Ordering::Acquire) {
                let want = asked.load(Ordering::Acquire);
                if !free.load(Ordering::Acquire) && want == done.load(Ordering::Acquire) {
                    std::thread::yield_now();
                    continue;
                }
                n += 1;
                desk.amend_note(SessionId(id), &format!("Version {n}."))
                    .expect("amend");
                amended.fetch_add(1, Ordering::AcqRel);
                done.store(want, Ordering::Release);
            }
            n
        })
    };
    let mut false_alarms = Vec::new();

    // Counted, not timed: a slow or busy machine makes each look slower,
    // never fewer of them.
    let mut checks = 0;
    let deadline = Instant::now() + Duration::from_secs(120);
    while checks < 200 || amended.load(Ordering::Acquire) < 50 {
        assert!(Instant::now() < deadline, "the amending desk is stuck");
        let bad = desk.unverifiable_notes().expect("note check");
        checks += 1;
        if bad != 0 {
            false_alarms.push(format!("check {checks}: {bad} unverifiable"));
        }
    }

    free.store(false, Ordering::Release);
    let mut reads = 0;
    while reads < 60 {
        let want = asked.fetch_add(1, Ordering::AcqRel) + 1;
        let note = desk.read_note(SessionId(id)).expect("read");
        reads += 1;
        if !note.verified {
            false_alarms.push(format!("read {reads}: version {} unverified", note.version));
        }
        let deadline = Instant::now() + Duration::from_secs(30);
        while done.load(Ordering::Acquire) < want {
            assert!(Instant::now() < deadline, "the amending desk is stuck");
            std::thread::yield_now();
        }
    }
    stop.store(true, Ordering::Release);
    let versions = writer.join().expect("writer");
    eprintln!("{checks} checks and {reads} reads during {versions} amendments");
    // One amendment per read, and at least 50 while the checks ran.
    assert!(versions > reads + 50, "{versions} versions");
    assert_eq!(false_alarms, Vec::<String>::new());
}
