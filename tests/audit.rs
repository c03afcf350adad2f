//! The audit trail: hash chain, tail anchors, failed logins, filters, and
//! no personal data in entries. Breaks are found by the real binary.

mod common;

use casedesk::domain::person::PersonId;
use casedesk::office::audit::{AuditFilter, Entry, Verdict};
use casedesk::office::{AuditAction, Session};
use casedesk::store::audit;
use casedesk::vault::Unlocked;
use common::{Office, assert_error, secret, stdout};

fn verify_cli(o: &Office) -> std::process::Output {
    o.run(
        &["--user", "boss", "audit", "--verify"],
        "boss-pw river lantern\n",
    )
}

/// An office with a few entries: logins and some views.
fn busy_office() -> Office {
    let o = Office::new();
    for _ in 0..3 {
        let s = o.login("boss", "boss-pw river lantern");
        s.person_viewed(PersonId(1), "").unwrap();
    }
    o
}

fn last_seq(raw: &Unlocked) -> i64 {
    raw.conn()
        .query_row("SELECT max(seq) FROM audit", [], |r| r.get(0))
        .unwrap()
}

/// An entry written straight into the chain as `raw`'s user, for actions
/// that need records this test does not make (a filter or paging test
/// only cares about the entries).
fn record(raw: &Unlocked, action: AuditAction, target: &str, detail: &str) {
    audit::record(raw.conn(), &raw.user.name, action, target, detail).unwrap();
}

fn intact(s: &Session) -> bool {
    matches!(s.verify_trail().unwrap().0, Verdict::Intact { .. })
}

#[test]
fn an_intact_trail_verifies() {
    let o = busy_office();
    let out = verify_cli(&o);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(stdout(&out).starts_with("ok: "), "{}", stdout(&out));
    assert!(stdout(&out).contains("entries, chain intact"));
    let s = o.login("boss", "boss-pw river lantern");
    assert!(intact(&s));
}

#[test]
fn the_trail_is_append_only() {
    let o = busy_office();
    let s = o.raw("boss", "boss-pw river lantern");
    assert!(
        s.conn()
            .execute("DELETE FROM audit WHERE seq = 2", [])
            .is_err()
    );
    assert!(
        s.conn()
            .execute("UPDATE audit SET detail = 'x' WHERE seq = 2", [])
            .is_err()
    );
}

#[test]
fn an_edited_entry_is_found() {
    let o = busy_office();
    let s = o.raw("boss", "boss-pw river lantern");
    s.conn()
        .execute_batch(
            "DROP TRIGGER audit_no_update;
             UPDATE audit SET user_name = 'someone' WHERE seq = 3;",
        )
        .unwrap();
    drop(s);
    let out = verify_cli(&o);
    assert_error(&out, 1, "broken at entry 3");
    assert_error(&out, 1, "altered");
}

#[test]
fn a_deleted_entry_is_found() {
    let o = busy_office();
    let s = o.raw("boss", "boss-pw river lantern");
    s.conn()
        .execute_batch(
            "DROP TRIGGER audit_no_delete;
             DELETE FROM audit WHERE seq = 4;",
        )
        .unwrap();
    drop(s);
    assert_error(&verify_cli(&o), 1, "broken at entry 4");
}

#[test]
fn cutting_off_the_last_entries_is_found() {
    let o = busy_office();
    let s = o.login("boss", "boss-pw river lantern");
    s.person_viewed(PersonId(2), "").unwrap();
    s.person_viewed(PersonId(3), "").unwrap();
    drop(s);
    let raw = o.raw("boss", "boss-pw river lantern");
    let last = last_seq(&raw);
    raw.conn()
        .execute_batch(&format!(
            "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq >= {};",
            last - 1
        ))
        .unwrap();
    // Nothing else in the chain shows it; the head does.
    match audit::verify(raw.conn()).unwrap() {
        Verdict::Broken { seq, reason } => {
            assert_eq!(seq, last - 1);
            assert!(reason.contains("cut off"), "{reason}");
        }
        v => panic!("expected broken, got {v:?}"),
    }
    drop(raw);
    // The next login continues from the recorded head, so the gap stays.
    assert_error(&verify_cli(&o), 1, &format!("broken at entry {}", last - 1));
}

#[test]
fn cutting_off_the_end_and_rewriting_the_head_is_found_by_the_head_file() {
    let o = busy_office();
    // This login moves the head file beside the office file to its entry.
    let s = o.login("boss", "boss-pw river lantern");
    let raw = o.raw("boss", "boss-pw river lantern");
    let anchored = last_seq(&raw);
    s.person_viewed(PersonId(2), "").unwrap();
    drop(s);
    let keep = anchored - 2;
    let hash: String = raw
        .conn()
        .query_row("SELECT hash FROM audit WHERE seq = ?1", [keep], |r| {
            r.get(0)
        })
        .unwrap();
    raw.conn()
        .execute_batch(&format!(
            "DROP TRIGGER audit_no_delete; DELETE FROM audit WHERE seq > {keep};
             UPDATE meta SET value = '{keep} {hash}' WHERE key = 'audit_head';"
        ))
        .unwrap();
    drop(raw);
    // The key file records the head too (issue 25): the login refuses the
    // shortened office file before anything is written.
    let out = verify_cli(&o);
    assert_error(
        &out,
        1,
        &format!(
            "older than its key file: entries {}–{anchored} are missing",
            keep + 1
        ),
    );
    // Without that record (a key file from before it existed), the head
    // file beside the office file finds it.
    let mut keys: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&o.paths.keys).unwrap()).unwrap();
    assert!(keys.as_object_mut().unwrap().remove("audit_head").is_some());
    std::fs::write(&o.paths.keys, serde_json::to_vec_pretty(&keys).unwrap()).unwrap();
    let out = verify_cli(&o);
    assert_error(&out, 1, &format!("broken at entry {anchored}"));
    assert_error(&out, 1, "head file");
}

#[test]
fn failed_logins_enter_the_trail_at_the_next_login() {
    let o = Office::new();
    for (name, pw) in [("boss", "wrong"), ("nobody", "x"), ("boss", "my secret")] {
        assert!(matches!(
            casedesk::office::login(&o.paths, name, &secret(pw)),
            Err(casedesk::Error::BadLogin)
        ));
    }
    let noted = casedesk::vault::failed_logins::path(&o.paths);
    assert!(noted.exists());
    let text = std::fs::read_to_string(&noted).unwrap();
    assert!(!text.contains("nobody"), "unknown names are not kept");
    assert!(!text.contains("secret"));
    let s = o.login("boss", "boss-pw river lantern");
    assert!(!noted.exists(), "imported and removed");
    let failed = s
        .audit_entries(&AuditFilter {
            action: Some("login.failed".into()),
            ..Default::default()
        })
        .unwrap();
    let who: Vec<&str> = failed.iter().map(|e| e.user_name.as_str()).collect();
    assert_eq!(who, ["boss", "?", "boss"]);
    assert!(failed.iter().all(|e| e.detail.starts_with("attempt at ")));
    // Junk in the file is counted, never copied.
    std::fs::write(&noted, "not a line with Ayesha in it\n").unwrap();
    drop(s);
    let s = o.login("boss", "boss-pw river lantern");
    let last = s
        .audit_entries(&AuditFilter {
            action: Some("login.failed".into()),
            newest_first: true,
            limit: Some(1),
            ..Default::default()
        })
        .unwrap();
    assert!(last[0].detail.contains("1 more"), "{:?}", last[0]);
    assert!(!last[0].detail.contains("Ayesha"));
    assert!(intact(&s));
}

#[test]
fn lock_and_unlock_are_recorded() {
    let o = Office::new();
    let s = o.login("boss", "boss-pw river lantern");
    s.locked("by hand").unwrap();
    s.unlock_attempted(false).unwrap();
    s.unlock_attempted(true).unwrap();
    let actions: Vec<String> = s
        .audit_entries(&AuditFilter {
            action: Some("session".into()),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["session.lock", "session.unlock_failed", "session.unlock"]
    );
}

#[test]
fn filters_by_person_user_action_and_date() {
    let o = Office::new();
    let mut s = o.login("boss", "boss-pw river lantern");
    s.add_user(
        "sam",
        casedesk::domain::Role::Staff,
        &secret("sam-password river lantern"),
    )
    .unwrap();
    s.person_viewed(PersonId(12), "").unwrap();
    s.person_viewed(PersonId(123), "").unwrap();
    record(
        &o.raw("boss", "boss-pw river lantern"),
        AuditAction::CounsellingRead,
        "person:7 person:12 counselling:3",
        "",
    );
    let sam = o.login("sam", "sam-password river lantern");
    record(
        &o.raw("sam", "sam-password river lantern"),
        AuditAction::PersonEdit,
        "person:12",
        "name",
    );

    let q = |f: AuditFilter| s.audit_entries(&f).unwrap();
    let p12 = q(AuditFilter {
        person: Some(12),
        ..Default::default()
    });
    assert_eq!(
        p12.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["person.view", "counselling.read", "person.edit"]
    );
    let by_sam = q(AuditFilter {
        user: Some("sam".into()),
        ..Default::default()
    });
    assert!(by_sam.iter().all(|e| e.user_name == "sam"));
    assert_eq!(by_sam.len(), 2, "login and edit");
    let today = casedesk::clock::today();
    assert_eq!(
        q(AuditFilter {
            from: Some(today),
            to: Some(today),
            ..Default::default()
        })
        .len(),
        q(AuditFilter::default()).len()
    );
    assert!(
        q(AuditFilter {
            from: today.succ_opt(),
            ..Default::default()
        })
        .is_empty()
    );
    assert!(
        q(AuditFilter {
            to: today.pred_opt(),
            ..Default::default()
        })
        .is_empty()
    );
    let newest = q(AuditFilter {
        newest_first: true,
        limit: Some(1),
        ..Default::default()
    });
    assert_eq!(newest[0].action, "person.edit");

    // The same through the CLI (`--by` filters by account; `--user` is who acts).
    drop(sam);
    drop(s);
    let d = today.to_string();
    let out = o.run(
        &[
            "--user", "boss", "audit", "--by", "sam", "--from", &d, "--to", &d, "--format", "csv",
        ],
        "boss-pw river lantern\n",
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
    let csv = stdout(&out);
    assert!(csv.starts_with("seq,at,user,action,record,detail"));
    assert!(csv.contains(",sam,person.edit,person:12,name"), "{csv}");
    assert!(!csv.contains(",boss,"), "{csv}");
    let out = o.run(
        &["--user", "boss", "audit", "--from", "2026-13-01"],
        "boss-pw river lantern\n",
    );
    assert_eq!(out.status.code(), Some(2));
    // Staff may not read the trail.
    let out = o.run(&["--user", "sam", "audit"], "sam-password river lantern\n");
    assert_error(&out, 3, "manager");
}

#[test]
fn entries_hold_no_personal_names() {
    let o = Office::demo(40);
    {
        let psy = o.login("psychologist", "demo");
        let ids: Vec<i64> = o
            .raw("psychologist", "demo")
            .conn()
            .prepare("SELECT id FROM counselling_sessions LIMIT 5")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for id in ids {
            psy.read_note(casedesk::domain::counselling::SessionId(id))
                .unwrap();
        }
        psy.locked("by hand").unwrap();
    }
    let _ = o.run(
        &["--user", "manager", "list", "children", "--format", "csv"],
        "demo\n",
    );
    let _ = casedesk::office::login(&o.paths, "manager", &secret("Muhammad"));
    let s = o.login("manager", "demo");
    let entries = s.audit_entries(&AuditFilter::default()).unwrap();
    assert!(entries.len() > 5);
    let names = casedesk::demo::names::all_personal_names();
    for e in &entries {
        let text = format!(
            "{} {} {} {} {}",
            e.at, e.user_name, e.action, e.target, e.detail
        );
        for n in names.iter().filter(|n| n.chars().count() >= 3) {
            assert!(!text.contains(n), "audit entry {} holds a name", e.seq);
        }
    }
}

#[test]
fn a_head_file_from_another_office_is_ignored() {
    let a = busy_office();
    drop(a.login("boss", "boss-pw river lantern"));
    let b = Office::new();
    let head = |o: &Office| {
        let mut p = o.paths.db.clone().into_os_string();
        p.push(".audit-head");
        std::path::PathBuf::from(p)
    };
    std::fs::copy(head(&a), head(&b)).unwrap();
    let out = b.run(
        &["--user", "boss", "audit", "--verify"],
        "boss-pw river lantern\n",
    );
    assert!(out.status.success(), "{}", common::stderr(&out));
}

#[test]
fn pages_back_through_the_trail_by_seq() {
    let o = Office::new();
    let s = o.login("boss", "boss-pw river lantern");
    let raw = o.raw("boss", "boss-pw river lantern");
    for i in 0..40 {
        let action = if i % 3 == 0 {
            AuditAction::PersonEdit
        } else {
            AuditAction::PersonView
        };
        record(&raw, action, &format!("person:{i}"), "");
    }
    let q = |f: &AuditFilter| s.audit_entries(f).unwrap();
    let seqs = |entries: &[Entry]| entries.iter().map(|e| e.seq).collect::<Vec<_>>();
    // Page through with a filter, newest first, 7 at a time.
    for action in [None, Some("person.edit".to_string())] {
        let all = q(&AuditFilter {
            action: action.clone(),
            newest_first: true,
            ..Default::default()
        });
        let mut paged = Vec::new();
        let mut before = None;
        loop {
            let page = q(&AuditFilter {
                action: action.clone(),
                newest_first: true,
                before_seq: before,
                limit: Some(7),
                ..Default::default()
            });
            assert!(page.len() <= 7);
            assert!(page.iter().all(|e| before.is_none_or(|b| e.seq < b)));
            let Some(last) = page.last() else { break };
            before = Some(last.seq);
            paged.extend(page);
        }
        assert_eq!(seqs(&paged), seqs(&all), "filter {action:?}");
    }
    let edits = q(&AuditFilter {
        action: Some("person.edit".into()),
        ..Default::default()
    });
    assert_eq!(edits.len(), 14);

    // Entries written meanwhile do not shift the next page.
    let first = q(&AuditFilter {
        newest_first: true,
        limit: Some(5),
        ..Default::default()
    });
    let next = AuditFilter {
        newest_first: true,
        before_seq: first.last().map(|e| e.seq),
        limit: Some(5),
        ..Default::default()
    };
    let before_writes = q(&next);
    s.person_viewed(PersonId(99), "").unwrap();
    assert_eq!(q(&next), before_writes);
    assert_eq!(before_writes[0].seq, first[4].seq - 1);

    // Oldest first, the bound still means "numbered below".
    let oldest = q(&AuditFilter {
        before_seq: Some(4),
        ..Default::default()
    });
    assert_eq!(seqs(&oldest), [1, 2, 3]);
}
