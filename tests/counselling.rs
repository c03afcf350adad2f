//! Confidential counselling notes: sealed before storage, readable only by
//! psychologists, amendments kept, moved notes refused, and nothing
//! recoverable with a staff password.

mod common;

use casedesk::Error;
use casedesk::domain::counselling::NewSession;
use casedesk::domain::counselling::SessionId;
use casedesk::domain::{CounsellingKind, Role};
use casedesk::office::audit::AuditFilter;
use casedesk::office::counselling::SessionCount;
use casedesk::vault;
use common::{Office, contains_bytes, secret};

const PHRASE: &str = "Zebra-quill marmalade 4711 confided";

/// Every person's record id, read on a raw connection (no audit entry).
fn persons(o: &Office) -> Vec<i64> {
    let raw = o.raw("staff", "demo");
    let mut stmt = raw
        .conn()
        .prepare("SELECT id FROM persons ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn individual(person: i64) -> NewSession {
    NewSession {
        person_id: person,
        kind: CounsellingKind::Individual,
        on_date: casedesk::clock::today(),
        minutes: 45,
        participants: vec![],
    }
}

/// A demo office (manager, staff, psychologist; password demo) with one
/// note holding PHRASE. Returns the office, the person and the session.
fn office_with_note() -> (Office, i64, SessionId) {
    let o = Office::demo(12);
    let mut psy = o.login("psychologist", "demo");
    let person = persons(&o)[0];
    let id = psy
        .record_counselling(
            &individual(person),
            &format!("Presenting problem\n{PHRASE}\n"),
        )
        .expect("record");
    (o, person, id)
}

#[test]
fn psychologist_reads_back_and_the_read_is_audited() {
    let (o, person, id) = office_with_note();
    let psy = o.login("psychologist", "demo");
    let note = psy.read_note(id).expect("read");
    assert!(note.text.contains(PHRASE));
    assert_eq!(note.version, 1);
    assert_eq!(note.written_by.as_deref(), Some("psychologist"));
    assert!(
        !format!("{note:?}").contains(PHRASE),
        "Debug never shows text"
    );
    // The trail is the manager's to read.
    let reads = o
        .login("manager", "demo")
        .audit_entries(&AuditFilter {
            person: Some(person),
            action: Some("counselling".into()),
            ..Default::default()
        })
        .unwrap();
    let actions: Vec<&str> = reads.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"counselling.create"), "{actions:?}");
    assert!(actions.contains(&"counselling.read"), "{actions:?}");
}

#[test]
fn staff_and_manager_cannot_read_or_write_notes() {
    let (o, person, id) = office_with_note();
    for user in ["staff", "manager"] {
        let mut s = o.login(user, "demo");
        assert!(!s.holds_counselling_key());
        assert!(o.raw(user, "demo").counselling_identity().is_none());
        assert!(matches!(s.read_note(id), Err(Error::NotAllowed(_))));
        assert!(matches!(s.note_history(id), Err(Error::NotAllowed(_))));
        assert!(matches!(
            s.record_counselling(&individual(person), "x"),
            Err(Error::NotAllowed(_))
        ));
        assert!(matches!(s.amend_note(id, "x"), Err(Error::NotAllowed(_))));
        // They do see that the session happened.
        let rows = s.counselling_sessions(person).unwrap();
        let row = rows.iter().find(|r| r.id == id).expect("session listed");
        assert_eq!(row.kind, CounsellingKind::Individual);
        assert_eq!(row.minutes, 45);
        assert_eq!(row.psychologist.as_deref(), Some("psychologist"));
        assert_eq!(row.versions, 1);
        assert!(!format!("{rows:?}").contains(PHRASE));
    }
}

#[test]
fn staff_password_office_and_key_file_do_not_reveal_the_note() {
    let (o, _person, _id) = office_with_note();
    let staff = o.raw("staff", "demo");
    // 1. The raw bytes of every file (office file, WAL, key file, …).
    let raw = o.all_bytes();
    assert!(!contains_bytes(&raw, PHRASE.as_bytes()));
    assert!(!contains_bytes(&raw, b"Zebra-quill"));
    // 2. Everything the staff login can read inside the office file.
    let tables: Vec<String> = staff
        .conn()
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for t in &tables {
        let mut stmt = staff
            .conn()
            .prepare(&format!("SELECT * FROM \"{t}\""))
            .unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            for i in 0..n {
                let bytes: Vec<u8> = match r.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                        b.to_vec()
                    }
                    _ => continue,
                };
                assert!(
                    !contains_bytes(&bytes, b"Zebra-quill"),
                    "plaintext note in table {t}"
                );
            }
        }
    }
    // 3. The staff identity (opened from its slot with the password) does
    // not open any sealed note, and the staff slot holds no counselling key.
    let file = vault::read_key_file(&o.paths).unwrap();
    let slot = file.slot("staff").unwrap();
    assert!(slot.counselling.is_none());
    let manager_slot = file.slot("manager").unwrap();
    assert!(manager_slot.counselling.is_none());
    for (name, pw) in [("staff", "demo"), ("manager", "demo")] {
        let identity = vault::crypto::open_identity(file.slot(name).unwrap(), &secret(pw)).unwrap();
        let sealed: Vec<Vec<u8>> = staff
            .conn()
            .prepare("SELECT sealed FROM counselling_notes")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!sealed.is_empty());
        for s in &sealed {
            assert!(vault::crypto::open_sealed(&identity, s).is_err());
        }
    }
}

#[test]
fn amend_keeps_every_version() {
    let (o, _person, id) = office_with_note();
    let mut psy = o.login("psychologist", "demo");
    assert_eq!(psy.amend_note(id, "second version").unwrap(), 2);
    assert_eq!(psy.amend_note(id, "third version").unwrap(), 3);
    assert_eq!(psy.read_note(id).unwrap().text.as_str(), "third version");
    let history = psy.note_history(id).unwrap();
    let texts: Vec<&str> = history.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(texts.len(), 3);
    assert!(texts[0].contains(PHRASE));
    assert_eq!(&texts[1..], ["second version", "third version"]);
    let versions = psy.note_versions(id).unwrap();
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    // Stored versions are never rewritten.
    assert!(
        o.raw("psychologist", "demo")
            .conn()
            .execute(
                "UPDATE counselling_notes SET written_at = 'x' WHERE session_id = ?1",
                [id.0]
            )
            .is_err()
    );
}

#[test]
fn a_sealed_note_moved_to_another_file_is_refused() {
    let (o, person, id) = office_with_note();
    let mut psy = o.login("psychologist", "demo");
    let other = persons(&o)[1];
    let theirs = psy
        .record_counselling(&individual(other), "their own note")
        .unwrap();
    let same_person = psy
        .record_counselling(&individual(person), "later note")
        .unwrap();
    let raw = o.raw("psychologist", "demo");
    raw.conn()
        .execute_batch("DROP TRIGGER counselling_notes_no_update")
        .unwrap();
    for target in [theirs, same_person] {
        raw.conn()
            .execute(
                "UPDATE counselling_notes SET sealed =
                   (SELECT sealed FROM counselling_notes WHERE session_id = ?1 AND version = 1)
                 WHERE session_id = ?2",
                [id.0, target.0],
            )
            .unwrap();
        match psy.read_note(target) {
            Err(Error::Damaged(m)) => assert!(m.contains("does not belong"), "{m}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    // The note where it belongs still opens.
    assert!(psy.read_note(id).is_ok());
}

#[test]
fn group_sessions_show_on_every_participants_file() {
    let o = Office::demo(12);
    let mut psy = o.login("psychologist", "demo");
    let p = persons(&o);
    let mut group = NewSession {
        kind: CounsellingKind::Group,
        participants: vec![],
        ..individual(p[0])
    };
    assert!(matches!(
        psy.record_counselling(&group, "note"),
        Err(Error::Invalid(_))
    ));
    group.participants = vec![p[1], p[2]];
    let id = psy.record_counselling(&group, "group note").unwrap();
    for who in &p[..3] {
        let rows = psy.counselling_sessions(*who).unwrap();
        let row = rows.iter().find(|r| r.id == id).expect("listed");
        assert_eq!(row.person_id, p[0]);
        assert_eq!(row.participants.len(), 2);
    }
    let future = NewSession {
        on_date: casedesk::clock::today().succ_opt().unwrap(),
        ..individual(p[0])
    };
    assert!(psy.record_counselling(&future, "note").is_err());
    assert!(psy.record_counselling(&individual(p[0]), "  \n").is_err());
}

#[test]
fn second_psychologist_gets_the_key_by_grant_and_loses_it_when_disabled() {
    let (o, _person, id) = office_with_note();
    let mut boss = o.login("manager", "demo");
    boss.add_user(
        "pia",
        Role::Psychologist,
        &secret("pia-password river lantern"),
    )
    .unwrap();
    // Not yet granted: may not read.
    let pia = o.login("pia", "pia-password river lantern");
    assert!(matches!(pia.read_note(id), Err(Error::NotAllowed(_))));
    drop(pia);
    let mut psy = o.login("psychologist", "demo");
    assert_eq!(psy.pending_counselling_grants().unwrap(), ["pia"]);
    psy.grant_counselling("pia").unwrap();
    let pia = o.login("pia", "pia-password river lantern");
    assert!(pia.read_note(id).unwrap().text.contains(PHRASE));
    drop(pia);
    boss.disable_user("pia").unwrap();
    assert!(matches!(
        vault::login(&o.paths, "pia", &secret("pia-password river lantern")),
        Err(Error::BadLogin)
    ));
    assert!(
        vault::read_key_file(&o.paths)
            .unwrap()
            .slot("pia")
            .is_none()
    );
    assert!(psy.read_note(id).is_ok());
}

#[test]
fn rekey_loses_no_note() {
    let (o, _person, _id) = office_with_note();
    let mut boss = o.login("manager", "demo");
    boss.rekey().unwrap();
    drop(boss);
    let psy = o.login("psychologist", "demo");
    let ids: Vec<i64> = o
        .raw("psychologist", "demo")
        .conn()
        .prepare("SELECT id FROM counselling_sessions")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(ids.len() > 1, "the demo adds sessions too");
    for id in ids {
        psy.read_note(SessionId(id))
            .expect("every note opens after rekey");
    }
}

#[test]
fn cli_writes_shows_and_hides_notes() {
    let o = Office::demo(8);
    let case: String = o
        .raw("manager", "demo")
        .conn()
        .query_row(
            "SELECT case_number FROM persons ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let out = o.run(
        &[
            "--user",
            "psychologist",
            "counselling",
            "add",
            "--person",
            &case,
            "--kind",
            "individual",
            "--minutes",
            "50",
        ],
        &format!("demo\nFirst line\n{PHRASE}\x1b[31m\n"),
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let id = common::stdout(&out).trim().to_string();
    let out = o.run(
        &["--user", "psychologist", "counselling", "show", &id],
        "demo\n",
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let text = common::stdout(&out);
    assert!(text.contains(PHRASE));
    assert!(
        !text.contains('\x1b'),
        "escape sequences are not printed raw"
    );
    for user in ["staff", "manager"] {
        let out = o.run(&["--user", user, "counselling", "show", &id], "demo\n");
        common::assert_error(&out, 3, "psychologist");
        let out = o.run(
            &[
                "--user",
                user,
                "counselling",
                "list",
                "--person",
                &case,
                "--format",
                "csv",
            ],
            "demo\n",
        );
        assert!(out.status.success(), "{}", common::stderr(&out));
        let list = common::stdout(&out);
        assert!(list.contains(",individual,50,psychologist,"), "{list}");
        assert!(!list.contains("Zebra"));
    }
}

#[test]
fn counselled_persons_and_session_counts_agree_with_the_sessions() {
    let o = Office::demo(12);
    let mut psy = o.login("psychologist", "demo");
    let raw = o.raw("psychologist", "demo");
    let listed = psy.counselled_persons().unwrap();
    assert!(!listed.is_empty(), "the demo has sessions");
    assert!(
        listed
            .windows(2)
            .all(|w| (w[0].last, w[0].id) > (w[1].last, w[1].id)),
        "latest session first, each person once"
    );
    for p in &listed {
        let sessions = psy.counselling_sessions(p.id).unwrap();
        assert_eq!(p.sessions, sessions.len() as i64, "person {}", p.id);
        assert_eq!(p.last, sessions.first().map(|s| s.on_date));
        assert_eq!(
            psy.counselling_count(p.id).unwrap(),
            SessionCount {
                sessions: p.sessions,
                last: p.last
            }
        );
        let (case_number, name): (String, String) = raw
            .conn()
            .query_row(
                "SELECT case_number, name FROM persons WHERE id = ?1",
                [p.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((&p.case_number, &p.name), (&case_number, &name));
    }
    assert_eq!(
        psy.counselling_count(i64::MAX).unwrap(),
        SessionCount::default(),
        "no such person"
    );

    // Two persons never counselled: not listed, until a group session
    // (one's own, the other present) counts once for each.
    let fresh: Vec<i64> = persons(&o)
        .into_iter()
        .filter(|id| listed.iter().all(|p| p.id != *id))
        .take(2)
        .collect();
    assert_eq!(fresh.len(), 2, "the demo leaves some persons uncounselled");
    for id in &fresh {
        assert_eq!(psy.counselling_count(*id).unwrap(), SessionCount::default());
    }
    let today = casedesk::clock::today();
    psy.record_counselling(
        &NewSession {
            person_id: fresh[0],
            kind: CounsellingKind::Group,
            on_date: today,
            minutes: 60,
            participants: vec![fresh[1]],
        },
        "group note",
    )
    .unwrap();
    let after = psy.counselled_persons().unwrap();
    assert_eq!(after.len(), listed.len() + 2);
    for id in &fresh {
        let p = after.iter().find(|p| p.id == *id).expect("now listed");
        assert_eq!((p.sessions, p.last), (1, Some(today)));
        assert_eq!(
            psy.counselling_count(*id).unwrap(),
            SessionCount {
                sessions: 1,
                last: Some(today)
            }
        );
    }
}
