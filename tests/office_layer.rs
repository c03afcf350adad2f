//! The office layer's promises, area by area, on real office files in temp
//! dirs: a role that may not do something is refused before anything is
//! written; every write leaves exactly one audit entry with its typed action,
//! the acting user, the right target and no personal data; a write that fails
//! part-way leaves nothing; reads leave the trail alone; logins and locks keep
//! their bookkeeping; the demo office is the same for the same seed and date.
//!
//! Self-contained on purpose: `tests/common` is being rewritten.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use age::secrecy::{ExposeSecret, SecretString};
use chrono::{Datelike, Duration, NaiveDate};
use rusqlite::Connection;
use rusqlite::types::Value;

use casedesk::Error;
use casedesk::domain::casework::{FollowUpDone, NewFollowUp, NewGoal, NewService, StatusChange};
use casedesk::domain::counselling::{NewSession, SessionId};
use casedesk::domain::person::{NewPerson, PersonId, estimated_birth_date};
use casedesk::domain::{
    CaseStatus, Centre, ClosureReason, Concern, CounsellingKind, Programme, ReferralSource,
    RiskLevel, Role, ServiceKind, Sex,
};
use casedesk::office::audit::AuditFilter;
use casedesk::office::backup::{AutoSettings, Encryption, Exporter, Progress};
use casedesk::office::casework::{RegisterFilter, RegisterQuery};
use casedesk::office::{self, AuditAction, OfficePaths, Session};
use casedesk::vault;

// ---------------------------------------------------------------------
// Offices in temp dirs.

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

fn password(user: &str) -> String {
    format!("{user}-pw river lantern")
}

fn today() -> NaiveDate {
    casedesk::clock::today()
}

fn day(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

/// A new office: `manager`, `staff` and `psychologist` (the first
/// psychologist, so it holds the counselling key), each with password
/// `<name>-pw`.
struct Office {
    dir: tempfile::TempDir,
    paths: OfficePaths,
    recovery: String,
}

impl Office {
    fn new() -> Office {
        // Slots are made with a small scrypt work factor so logins are quick.
        vault::crypto::pin_work_factor(10);
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = OfficePaths::new(dir.path().join("office.casedesk"));
        let (mut manager, recovery) = office::create_office(
            &paths,
            "Test office",
            "manager",
            &secret(&password("manager")),
        )
        .expect("create office");
        for (name, role) in [("staff", Role::Staff), ("psychologist", Role::Psychologist)] {
            manager
                .add_user(name, role, &secret(&password(name)))
                .expect("add user");
        }
        Office {
            dir,
            paths,
            recovery: recovery.0.expose_secret().to_string(),
        }
    }

    fn login(&self, name: &str) -> Session {
        office::login(&self.paths, name, &secret(&password(name))).expect("login")
    }

    /// A second, raw connection for checking rows. It writes no audit
    /// entry, so it does not disturb what it observes.
    fn observer(&self) -> vault::Unlocked {
        vault::login(&self.paths, "manager", &secret(&password("manager"))).expect("observer")
    }

    fn head_file(&self) -> PathBuf {
        self.paths.sibling(".audit-head")
    }

    fn failed_logins_file(&self) -> PathBuf {
        self.paths.sibling(".failed-logins")
    }
}

/// A CPC child registered a month ago; names chosen so a search of the
/// audit trail for them cannot match anything else.
fn child(name: &str, father: &str) -> NewPerson {
    let registered_on = today() - Duration::days(30);
    NewPerson {
        programme: Programme::Cpc,
        name: name.into(),
        father_name: father.into(),
        alias: String::new(),
        sex: Sex::Male,
        birth_date: Some(estimated_birth_date(11, registered_on)),
        age_estimated: true,
        cnic: String::new(),
        phone: "0300-7654321".into(),
        area: "Zarghoonabad".into(),
        address: String::new(),
        guardian_name: String::new(),
        guardian_relation: "mother".into(),
        school_status: "dropped out".into(),
        work_status: "street vending".into(),
        referral_source: ReferralSource::OutreachSpot,
        referral_detail: "bus stand".into(),
        concerns: vec![Concern::AtRisk],
        consent_by: "mother".into(),
        consent_date: Some(registered_on),
        consent_services: true,
        consent_sharing: false,
        risk: RiskLevel::Medium,
        risk_reason: String::new(),
        worker_id: None,
        centre: Centre::Cpc,
        registered_on,
    }
}

fn no_progress() -> impl FnMut(Progress) {
    |_| {}
}

// ---------------------------------------------------------------------
// What the office file and its side files hold.

/// Every row of every table, and every side file beside the office file.
/// SQLite's `-wal` and `-shm` are left out: readers touch them.
#[derive(Debug, PartialEq)]
struct Snapshot {
    tables: BTreeMap<String, Vec<String>>,
    files: BTreeMap<String, Vec<u8>>,
}

fn rows(conn: &Connection, sql: &str) -> Vec<String> {
    let mut stmt = conn.prepare(sql).expect("prepare");
    let n = stmt.column_count();
    stmt.query_map([], |r| {
        (0..n)
            .map(|i| r.get::<_, Value>(i))
            .collect::<rusqlite::Result<Vec<Value>>>()
            .map(|v| format!("{v:?}"))
    })
    .expect("query")
    .collect::<rusqlite::Result<_>>()
    .expect("rows")
}

fn snapshot(o: &Office, obs: &vault::Unlocked) -> Snapshot {
    let conn = obs.conn();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    let tables = names
        .into_iter()
        .map(|t| {
            let content = rows(conn, &format!("SELECT * FROM \"{t}\""));
            (t, content)
        })
        .collect();
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(o.dir.path()).expect("read dir").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with("-wal") || name.ends_with("-shm") {
            continue;
        }
        let bytes = if entry.path() == o.paths.db {
            Vec::new()
        } else {
            std::fs::read(entry.path()).unwrap_or_default()
        };
        files.insert(name, bytes);
    }
    Snapshot { tables, files }
}

/// Fails naming the tables and files that changed.
#[track_caller]
fn assert_unchanged(before: &Snapshot, after: &Snapshot, what: &str) {
    if before == after {
        return;
    }
    let tables: BTreeSet<&String> = before
        .tables
        .keys()
        .chain(after.tables.keys())
        .filter(|t| before.tables.get(*t) != after.tables.get(*t))
        .collect();
    let files: BTreeSet<&String> = before
        .files
        .keys()
        .chain(after.files.keys())
        .filter(|f| before.files.get(*f) != after.files.get(*f))
        .collect();
    panic!("{what} wrote something: tables {tables:?}, files {files:?}");
}

#[derive(Debug, Clone, PartialEq)]
struct Row {
    seq: i64,
    user: String,
    action: String,
    target: String,
    detail: String,
    hash: String,
}

fn audit_since(obs: &vault::Unlocked, seq: i64) -> Vec<Row> {
    let mut stmt = obs
        .conn()
        .prepare(
            "SELECT seq, user_name, action, target, detail, hash FROM audit
             WHERE seq > ?1 ORDER BY seq",
        )
        .expect("prepare");
    stmt.query_map([seq], |r| {
        Ok(Row {
            seq: r.get(0)?,
            user: r.get(1)?,
            action: r.get(2)?,
            target: r.get(3)?,
            detail: r.get(4)?,
            hash: r.get(5)?,
        })
    })
    .expect("query")
    .collect::<rusqlite::Result<_>>()
    .expect("rows")
}

fn last_seq(obs: &vault::Unlocked) -> i64 {
    obs.conn()
        .query_row("SELECT coalesce(max(seq), 0) FROM audit", [], |r| r.get(0))
        .expect("last seq")
}

/// The one entry written since `since`, checked; returns its detail.
#[track_caller]
fn one_entry(
    obs: &vault::Unlocked,
    since: i64,
    action: AuditAction,
    user: &str,
    target: &str,
) -> String {
    let new = audit_since(obs, since);
    assert_eq!(
        new.len(),
        1,
        "exactly one new entry for {action:?}: {new:#?}"
    );
    let e = &new[0];
    assert_eq!(e.seq, since + 1, "the entry continues the chain");
    assert_eq!(e.action, action.code());
    assert_eq!(e.user, user, "acting user of {action:?}");
    assert_eq!(e.target, target, "target of {action:?}");
    e.detail.clone()
}

fn count(obs: &vault::Unlocked, sql: &str) -> i64 {
    obs.conn().query_row(sql, [], |r| r.get(0)).expect("count")
}

fn user_id(obs: &vault::Unlocked, name: &str) -> i64 {
    obs.conn()
        .query_row("SELECT id FROM users WHERE name = ?1", [name], |r| r.get(0))
        .expect("user id")
}

#[track_caller]
fn assert_not_allowed<T: std::fmt::Debug>(r: casedesk::Result<T>, what: &str) {
    match r {
        Err(Error::NotAllowed(_)) => {}
        other => panic!("{what}: expected NotAllowed, got {other:?}"),
    }
}

/// No audit entry since `since` holds any of `needles` in its target or
/// detail, apart from `person.create`'s detail, which carries the case
/// number by design (the manager finds a file's entries by it).
#[track_caller]
fn assert_no_personal_data(obs: &vault::Unlocked, since: i64, needles: &[&str]) {
    for e in audit_since(obs, since) {
        for n in needles {
            assert!(!e.target.contains(n), "{n:?} in the target of {e:?}");
            if e.action != AuditAction::PersonCreate.code() {
                assert!(!e.detail.contains(n), "{n:?} in the detail of {e:?}");
            }
        }
    }
}

// ---------------------------------------------------------------------
// Accounts.

#[test]
fn accounts_refuse_other_roles_and_write_nothing() {
    let o = Office::new();
    let mut staff = o.login("staff");
    let mut psych = o.login("psychologist");
    let mut manager = o.login("manager");
    let obs = o.observer();
    let before = snapshot(&o, &obs);

    assert_not_allowed(
        staff.add_user("intruder", Role::Manager, &secret("x-pw river lantern")),
        "staff add_user",
    );
    assert_not_allowed(
        psych.add_user("intruder", Role::Staff, &secret("x-pw river lantern")),
        "psychologist add_user",
    );
    assert_not_allowed(staff.disable_user("manager"), "staff disable_user");
    assert_not_allowed(staff.accounts(), "staff accounts");
    assert_not_allowed(psych.accounts(), "psychologist accounts");
    assert_not_allowed(staff.rekey(), "staff rekey");
    assert_not_allowed(psych.rekey(), "psychologist rekey");
    assert_not_allowed(
        manager.grant_counselling("psychologist"),
        "manager grant_counselling",
    );
    assert_not_allowed(staff.grant_counselling("psychologist"), "staff grant");

    // The key file is in the snapshot: no slot was added, removed or
    // rewrapped either.
    assert_unchanged(&before, &snapshot(&o, &obs), "a refused account change");
}

#[test]
fn accounts_each_change_is_one_typed_entry() {
    let o = Office::new();
    let obs = o.observer();
    let mut manager = o.login("manager");
    let mut staff = o.login("staff");
    let mut psych = o.login("psychologist");
    let manager_id = user_id(&obs, "manager");

    let at = last_seq(&obs);
    manager
        .add_user("aisha", Role::Staff, &secret("aisha-pw river lantern"))
        .expect("add staff");
    let aisha = user_id(&obs, "aisha");
    let detail = one_entry(
        &obs,
        at,
        AuditAction::AccountAdd,
        "manager",
        &format!("user:{aisha}"),
    );
    assert_eq!(detail, "staff", "the new account's role, nothing else");

    let at = last_seq(&obs);
    manager.disable_user("aisha").expect("disable");
    let detail = one_entry(
        &obs,
        at,
        AuditAction::AccountDisable,
        "manager",
        &format!("user:{aisha}"),
    );
    assert_eq!(detail, "");

    let at = last_seq(&obs);
    staff
        .change_password(&secret("staff-new-pw river lantern"))
        .expect("passwd");
    let detail = one_entry(
        &obs,
        at,
        AuditAction::AccountPasswd,
        "staff",
        &format!("user:{}", user_id(&obs, "staff")),
    );
    assert_eq!(detail, "");
    assert!(
        office::password_opens(&o.paths, "staff", &secret("staff-new-pw river lantern"))
            .expect("opens"),
        "the new password is the one that works"
    );

    let at = last_seq(&obs);
    manager
        .add_user(
            "psych2",
            Role::Psychologist,
            &secret("psych2-pw river lantern"),
        )
        .expect("add psychologist");
    let psych2 = user_id(&obs, "psych2");
    let detail = one_entry(
        &obs,
        at,
        AuditAction::AccountAdd,
        "manager",
        &format!("user:{psych2}"),
    );
    assert_eq!(detail, "psychologist");
    assert_eq!(
        psych.pending_counselling_grants().expect("pending"),
        vec!["psych2".to_string()]
    );

    let at = last_seq(&obs);
    psych.grant_counselling("psych2").expect("grant");
    let detail = one_entry(
        &obs,
        at,
        AuditAction::AccountGrantCounselling,
        "psychologist",
        &format!("user:{psych2}"),
    );
    assert_eq!(detail, "");
    assert!(
        psych
            .pending_counselling_grants()
            .expect("pending")
            .is_empty()
    );

    // Rekey switches the journal mode, which needs the office file to
    // itself: the other terminals and the observer close first.
    let at = last_seq(&obs);
    drop((staff, psych, obs));
    // A rekey makes a new recovery key (issue 25): the old one is spent.
    let recovery = manager.rekey().expect("rekey");
    drop(manager);
    let obs = o.observer();
    let detail = one_entry(&obs, at, AuditAction::OfficeRekey, "manager", "");
    assert_eq!(detail, "new master key; new recovery key");
    assert!(
        office::recover(
            &o.paths,
            &o.recovery,
            "manager",
            &secret("manager-new-pw river lantern"),
        )
        .is_err(),
        "the recovery key from before the rekey opens nothing"
    );

    let at = last_seq(&obs);
    office::recover(
        &o.paths,
        recovery.0.expose_secret(),
        "manager",
        &secret("manager-new-pw river lantern"),
    )
    .expect("recover");
    let detail = one_entry(
        &obs,
        at,
        AuditAction::AccountRecover,
        "manager",
        &format!("user:{manager_id}"),
    );
    assert_eq!(detail, "");
    assert!(
        office::password_opens(&o.paths, "manager", &secret("manager-new-pw river lantern"))
            .expect("opens")
    );
}

#[test]
fn accounts_refused_changes_leave_nothing() {
    let o = Office::new();
    let mut manager = o.login("manager");
    let mut psych = o.login("psychologist");
    let mut staff = o.login("staff");
    let obs = o.observer();
    let before = snapshot(&o, &obs);

    // The name is taken: the slot work is done, then thrown away.
    match manager.add_user("staff", Role::Manager, &secret("other-pw river lantern")) {
        Err(Error::Invalid(m)) => assert_eq!(m, "there is already an account named staff"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(matches!(
        manager.add_user("two words", Role::Staff, &secret("pw")),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        manager.add_user("newcomer", Role::Staff, &secret("")),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        manager.disable_user("manager"),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        manager.disable_user("nobody"),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        psych.grant_counselling("staff"),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        staff.change_password(&secret("")),
        Err(Error::Invalid(_))
    ));

    assert_unchanged(&before, &snapshot(&o, &obs), "a failed account change");
    let accounts: Vec<(String, Role, bool)> = manager
        .accounts()
        .expect("accounts")
        .into_iter()
        .map(|u| (u.name, u.role, u.enabled))
        .collect();
    assert_eq!(
        accounts,
        vec![
            ("manager".to_string(), Role::Manager, true),
            ("psychologist".to_string(), Role::Psychologist, true),
            ("staff".to_string(), Role::Staff, true),
        ]
    );
}

// ---------------------------------------------------------------------
// The audit trail itself.

#[test]
fn audit_trail_is_for_managers_only() {
    let o = Office::new();
    let staff = o.login("staff");
    let psych = o.login("psychologist");
    let obs = o.observer();
    let before = snapshot(&o, &obs);

    for (who, s) in [("staff", &staff), ("psychologist", &psych)] {
        assert_not_allowed(s.audit_entries(&AuditFilter::default()), who);
        assert_not_allowed(s.verify_trail(), who);
        assert_not_allowed(s.audit_viewed(None), who);
    }

    // The head file is in the snapshot: a refused verify does not move it.
    assert_unchanged(&before, &snapshot(&o, &obs), "a refused look at the trail");
}

#[test]
fn audit_reading_adds_nothing_and_looking_adds_one_entry() {
    let o = Office::new();
    let mut staff = o.login("staff");
    let (id, case_number) = staff
        .register_person(&child("Wazir Khanzadgai", "Sher Khanzadgai"))
        .expect("register");
    staff.person_viewed(id, "").expect("viewed");
    let manager = o.login("manager");
    let obs = o.observer();

    let before = snapshot(&o, &obs);
    let all = manager
        .audit_entries(&AuditFilter::default())
        .expect("entries");
    let about = manager
        .audit_entries(&AuditFilter {
            person: Some(id.0),
            ..AuditFilter::default()
        })
        .expect("entries about the person");
    let by_staff = manager
        .audit_entries(&AuditFilter {
            user: Some("staff".into()),
            action: Some("person".into()),
            ..AuditFilter::default()
        })
        .expect("entries by staff");
    assert_unchanged(&before, &snapshot(&o, &obs), "reading the trail");

    assert_eq!(all.len() as i64, last_seq(&obs));
    let actions = |v: &[office::audit::Entry]| -> Vec<(String, String, String)> {
        v.iter()
            .map(|e| (e.user_name.clone(), e.action.clone(), e.target.clone()))
            .collect()
    };
    let expected = vec![
        (
            "staff".to_string(),
            AuditAction::PersonCreate.code().to_string(),
            format!("person:{}", id.0),
        ),
        (
            "staff".to_string(),
            AuditAction::PersonView.code().to_string(),
            format!("person:{}", id.0),
        ),
    ];
    assert_eq!(actions(&about), expected);
    assert_eq!(actions(&by_staff), expected);
    assert_eq!(about[0].detail, format!("case number {case_number}"));

    let at = last_seq(&obs);
    manager.audit_viewed(None).expect("viewed");
    assert_eq!(
        one_entry(&obs, at, AuditAction::AuditView, "manager", ""),
        ""
    );
    let at = last_seq(&obs);
    manager.audit_viewed(Some(id.0)).expect("viewed");
    let target = format!("person:{}", id.0);
    assert_eq!(
        one_entry(&obs, at, AuditAction::AuditView, "manager", &target),
        ""
    );
}

// ---------------------------------------------------------------------
// Logins and the desk's lock.

/// The head file's three lines: title, office id, `seq hash`.
fn read_head_file(o: &Office) -> (String, String, i64, String) {
    let text = std::fs::read_to_string(o.head_file()).expect("head file");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "title, office id, head: {text:?}");
    let (seq, hash) = lines[2].split_once(' ').expect("seq hash");
    (
        lines[0].to_string(),
        lines[1].to_string(),
        seq.parse().expect("seq"),
        hash.to_string(),
    )
}

fn office_id(obs: &vault::Unlocked) -> String {
    obs.conn()
        .query_row("SELECT value FROM meta WHERE key = 'office_id'", [], |r| {
            r.get(0)
        })
        .expect("office id")
}

#[test]
fn login_is_recorded_and_failed_attempts_enter_at_the_next_login() {
    let o = Office::new();
    let obs = o.observer();

    let at = last_seq(&obs);
    let staff = o.login("staff");
    assert_eq!(one_entry(&obs, at, AuditAction::Login, "staff", ""), "");
    let at = last_seq(&obs);
    staff.logged_out("quit").expect("logout");
    assert_eq!(
        one_entry(&obs, at, AuditAction::Logout, "staff", ""),
        "quit"
    );
    drop(staff);

    // A failed login has no key to the office file: it is only noted
    // beside it, with the name if that account exists.
    let at = last_seq(&obs);
    assert!(matches!(
        office::login(&o.paths, "staff", &secret("wrong")),
        Err(Error::BadLogin)
    ));
    assert!(matches!(
        office::login(&o.paths, "nobody", &secret("staff-pw river lantern")),
        Err(Error::BadLogin)
    ));
    assert_eq!(last_seq(&obs), at, "a failed login writes no entry itself");
    let noted = std::fs::read_to_string(o.failed_logins_file()).expect("noted");
    let noted: Vec<(String, String)> = noted
        .lines()
        .map(|l| {
            let (when, who) = l.split_once(' ').expect("time and name");
            (when.to_string(), who.to_string())
        })
        .collect();
    assert_eq!(noted.len(), 2, "{noted:?}");
    assert_eq!(noted[0].1, "staff");
    assert_eq!(noted[1].1, "?", "an unknown name is not written down");

    let _manager = o.login("manager");
    let new: Vec<(String, String, String, String)> = audit_since(&obs, at)
        .into_iter()
        .map(|e| (e.user, e.action, e.target, e.detail))
        .collect();
    let entry = |user: &str, action: AuditAction, detail: String| {
        (
            user.to_string(),
            action.code().to_string(),
            String::new(),
            detail,
        )
    };
    assert_eq!(
        new,
        vec![
            entry("manager", AuditAction::Login, String::new()),
            entry(
                "staff",
                AuditAction::LoginFailed,
                format!("attempt at {}", noted[0].0)
            ),
            entry(
                "?",
                AuditAction::LoginFailed,
                format!("attempt at {}", noted[1].0)
            ),
        ]
    );
    assert!(
        !o.failed_logins_file().exists(),
        "imported attempts are not imported again"
    );

    // The login also moved the head file to the end of the trail.
    let last = audit_since(&obs, at).pop().expect("entries");
    let (_, _, seq, hash) = read_head_file(&o);
    assert_eq!((seq, hash), (last.seq, last.hash));

    let at = last_seq(&obs);
    let _again = o.login("staff");
    assert_eq!(
        one_entry(&obs, at, AuditAction::Login, "staff", ""),
        "",
        "nothing is imported twice"
    );
}

#[test]
fn lock_moves_the_head_file_and_unlock_attempts_are_recorded() {
    let o = Office::new();
    let staff = o.login("staff");
    let obs = o.observer();

    let (title, id, seq_before, hash_before) = read_head_file(&o);
    assert_eq!(title, "casedesk audit head");
    assert_eq!(id, office_id(&obs));
    let login = audit_since(&obs, 0).pop().expect("entries");
    assert_eq!(login.action, AuditAction::Login.code());
    assert_eq!((seq_before, hash_before.clone()), (login.seq, login.hash));

    let at = last_seq(&obs);
    staff.locked("manual").expect("lock");
    assert_eq!(
        one_entry(&obs, at, AuditAction::Lock, "staff", ""),
        "manual"
    );
    let lock = audit_since(&obs, at).pop().expect("lock entry");
    let (title, id, seq_after, hash_after) = read_head_file(&o);
    assert_eq!(title, "casedesk audit head");
    assert_eq!(id, office_id(&obs));
    assert_eq!(
        (seq_after, hash_after.as_str()),
        (lock.seq, lock.hash.as_str())
    );
    assert!(seq_after > seq_before);
    assert_ne!(hash_after, hash_before);

    let at = last_seq(&obs);
    staff.unlock_attempted(false).expect("failed unlock");
    staff.unlock_attempted(true).expect("unlock");
    let new: Vec<(String, String, String, String)> = audit_since(&obs, at)
        .into_iter()
        .map(|e| (e.user, e.action, e.target, e.detail))
        .collect();
    assert_eq!(
        new,
        vec![
            (
                "staff".to_string(),
                AuditAction::UnlockFailed.code().to_string(),
                String::new(),
                String::new()
            ),
            (
                "staff".to_string(),
                AuditAction::Unlock.code().to_string(),
                String::new(),
                String::new()
            ),
        ]
    );
}

// ---------------------------------------------------------------------
// Intake.

#[test]
fn intake_refuses_the_psychologist_and_writes_nothing() {
    let o = Office::new();
    let mut psych = o.login("psychologist");
    let obs = o.observer();
    let before = snapshot(&o, &obs);
    let p = child("Noor Baddozai", "Gul Baddozai");
    assert_not_allowed(psych.register_person(&p), "psychologist register_person");
    assert_not_allowed(
        psych.likely_duplicates(&p),
        "psychologist likely_duplicates",
    );
    assert_unchanged(&before, &snapshot(&o, &obs), "a refused registration");
}

#[test]
fn intake_registration_is_one_entry_naming_the_case_number_only() {
    let o = Office::new();
    let mut staff = o.login("staff");
    let obs = o.observer();
    let start = last_seq(&obs);

    let p = child("Shahzaib Raisanizai", "Qadir Raisanizai");
    let (id, case_number) = staff.register_person(&p).expect("register");
    let year = p.registered_on.year();
    assert_eq!(case_number, format!("CPC-{year}-0001"));
    let detail = one_entry(
        &obs,
        start,
        AuditAction::PersonCreate,
        "staff",
        &format!("person:{}", id.0),
    );
    assert_eq!(detail, format!("case number {case_number}"));
    assert_eq!(count(&obs, "SELECT count(*) FROM persons"), 1);
    assert_no_personal_data(
        &obs,
        start,
        &["Shahzaib", "Raisanizai", "0300-7654321", "Zarghoonabad"],
    );
}

#[test]
fn intake_failures_leave_nothing_not_even_a_case_number() {
    let o = Office::new();
    let mut staff = o.login("staff");
    let obs = o.observer();
    let p = child("Jahangir Mengalzai", "Dost Mengalzai");
    let year = p.registered_on.year();
    let (_, first) = staff.register_person(&p).expect("first");
    assert_eq!(first, format!("CPC-{year}-0001"));
    let before = snapshot(&o, &obs);

    // Refused by validation, before anything is written.
    let invalid = NewPerson {
        name: "   ".into(),
        ..child("", "Dost Mengalzai")
    };
    match staff.register_person(&invalid) {
        Err(Error::Invalid(m)) => assert!(m.contains("Name is required"), "{m}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert_unchanged(&before, &snapshot(&o, &obs), "an invalid registration");

    // These fail after the case counter moved and the person row went in
    // (a concern listed twice; a worker who does not exist): the
    // transaction must take all of it back.
    let twice = NewPerson {
        concerns: vec![Concern::AtRisk, Concern::AtRisk],
        ..child("Bibi Mengalzai", "Dost Mengalzai")
    };
    let r = staff.register_person(&twice);
    assert!(r.is_err(), "a concern twice is refused: {r:?}");
    assert_unchanged(
        &before,
        &snapshot(&o, &obs),
        "a registration failing part-way",
    );
    let ghost_worker = NewPerson {
        worker_id: Some(9_999),
        ..child("Bibi Mengalzai", "Dost Mengalzai")
    };
    let r = staff.register_person(&ghost_worker);
    assert!(r.is_err(), "an unknown worker is refused: {r:?}");
    assert_unchanged(
        &before,
        &snapshot(&o, &obs),
        "a registration failing part-way",
    );

    let (_, next) = staff
        .register_person(&child("Bibi Mengalzai", "Dost Mengalzai"))
        .expect("next");
    assert_eq!(next, format!("CPC-{year}-0002"), "no number was used up");
}

// ---------------------------------------------------------------------
// Casework.

/// A registered child with an open follow-up, a goal and a service, by
/// staff. Returns the person's id and case number, the follow-up and goal.
fn casework_fixture(staff: &mut Session) -> (PersonId, String, i64, i64) {
    let (id, case_number) = staff
        .register_person(&child("Meerwais Lehrizai", "Akbar Lehrizai"))
        .expect("register");
    let follow_up = staff
        .add_follow_up(
            id,
            &NewFollowUp {
                due_on: today() - Duration::days(2),
                purpose: "home visit to Meerwais".into(),
            },
        )
        .expect("follow-up");
    let goal = staff
        .add_goal(
            id,
            &NewGoal {
                goal: "Meerwais back in school".into(),
                target_date: None,
            },
        )
        .expect("goal");
    (id, case_number, follow_up, goal)
}

#[test]
fn casework_refuses_the_psychologist_and_writes_nothing() {
    let o = Office::new();
    let mut staff = o.login("staff");
    let (id, _, follow_up, goal) = casework_fixture(&mut staff);
    let mut psych = o.login("psychologist");
    let obs = o.observer();
    let before = snapshot(&o, &obs);
    let person = staff.person(id).expect("person");

    let mut changed = person.profile.clone();
    changed.area = "Kuchlak".into();
    assert_not_allowed(
        psych.update_person(id, person.version, &changed),
        "psychologist update_person",
    );
    assert_not_allowed(
        psych.add_service(
            id,
            &NewService {
                kind: ServiceKind::HealthCheck,
                on_date: today(),
                detail: String::new(),
                note: String::new(),
            },
        ),
        "psychologist add_service",
    );
    assert_not_allowed(
        psych.add_follow_up(
            id,
            &NewFollowUp {
                due_on: today(),
                purpose: "visit".into(),
            },
        ),
        "psychologist add_follow_up",
    );
    assert_not_allowed(
        psych.complete_follow_up(
            follow_up,
            &FollowUpDone {
                done_on: today(),
                outcome: "seen".into(),
            },
        ),
        "psychologist complete_follow_up",
    );
    assert_not_allowed(
        psych.add_goal(
            id,
            &NewGoal {
                goal: "reads".into(),
                target_date: None,
            },
        ),
        "psychologist add_goal",
    );
    assert_not_allowed(
        psych.achieve_goal(goal, today()),
        "psychologist achieve_goal",
    );
    assert_not_allowed(
        psych.change_status(
            id,
            &StatusChange {
                to: CaseStatus::Active,
                on_date: today(),
                reason: None,
            },
        ),
        "psychologist change_status",
    );
    assert_not_allowed(
        psych.list_register(&RegisterFilter::default(), today()),
        "psychologist list_register",
    );
    assert_not_allowed(
        psych.due_follow_ups(today(), None, 10),
        "psychologist due_follow_ups",
    );

    assert_unchanged(&before, &snapshot(&o, &obs), "refused casework");
}

#[test]
fn casework_each_write_is_one_typed_entry_without_personal_data() {
    let o = Office::new();
    let mut staff = o.login("staff");
    let obs = o.observer();
    let start = last_seq(&obs);
    let (id, case_number, follow_up, goal) = casework_fixture(&mut staff);
    let target = format!("person:{}", id.0);

    // The fixture's writes: one entry each, in order.
    let made: Vec<(String, String, String, String)> = audit_since(&obs, start)
        .into_iter()
        .map(|e| (e.user, e.action, e.target, e.detail))
        .collect();
    let e = |action: AuditAction, detail: String| {
        (
            "staff".to_string(),
            action.code().to_string(),
            target.clone(),
            detail,
        )
    };
    assert_eq!(
        made,
        vec![
            e(
                AuditAction::PersonCreate,
                format!("case number {case_number}")
            ),
            e(AuditAction::FollowUpAdd, format!("follow-up {follow_up}")),
            e(AuditAction::GoalAdd, format!("goal {goal}")),
        ]
    );

    let person = staff.person(id).expect("person");
    let mut changed = person.profile.clone();
    changed.area = "Pashtoonabad".into();
    changed.phone = "0333-1112223".into();
    let at = last_seq(&obs);
    let saved = staff
        .update_person(id, person.version, &changed)
        .expect("edit");
    assert_eq!(saved.version, person.version + 1);
    assert_eq!(
        one_entry(&obs, at, AuditAction::PersonEdit, "staff", &target),
        format!("version {}; fields: phone, area", saved.version)
    );

    // Saving the same profile again changes nothing and records nothing.
    let at = last_seq(&obs);
    let same = staff
        .update_person(id, saved.version, &changed)
        .expect("no-op save");
    assert!(same.changed.is_empty());
    assert_eq!(same.version, saved.version);
    assert_eq!(last_seq(&obs), at, "an unchanged save is not audited");

    let at = last_seq(&obs);
    let service = staff
        .add_service(
            id,
            &NewService {
                kind: ServiceKind::MedicalReferral,
                on_date: today() - Duration::days(1),
                detail: "Civil Hospital Quetta".into(),
                note: "Meerwais had a fever".into(),
            },
        )
        .expect("service");
    assert_eq!(
        one_entry(&obs, at, AuditAction::ServiceAdd, "staff", &target),
        format!("service {service}; medical_referral")
    );

    let at = last_seq(&obs);
    staff
        .complete_follow_up(
            follow_up,
            &FollowUpDone {
                done_on: today() - Duration::days(1),
                outcome: "mother says Meerwais sleeps at home".into(),
            },
        )
        .expect("done");
    assert_eq!(
        one_entry(&obs, at, AuditAction::FollowUpDone, "staff", &target),
        format!("follow-up {follow_up}")
    );

    let at = last_seq(&obs);
    staff.achieve_goal(goal, today()).expect("achieved");
    assert_eq!(
        one_entry(&obs, at, AuditAction::GoalAchieved, "staff", &target),
        format!("goal {goal}")
    );

    let at = last_seq(&obs);
    staff
        .change_status(
            id,
            &StatusChange {
                to: CaseStatus::Active,
                on_date: today(),
                reason: None,
            },
        )
        .expect("active");
    assert_eq!(
        one_entry(&obs, at, AuditAction::PersonStatus, "staff", &target),
        "registered -> active"
    );

    let at = last_seq(&obs);
    let rows = staff
        .list_register(&RegisterFilter::default(), today())
        .expect("register");
    assert_eq!(rows.len(), 1);
    assert_eq!(
        one_entry(&obs, at, AuditAction::RegisterExport, "staff", ""),
        "1 rows"
    );

    assert_no_personal_data(
        &obs,
        start,
        &[
            "Meerwais",
            "Lehrizai",
            &case_number,
            "Zarghoonabad",
            "Pashtoonabad",
            "0333-1112223",
            "Civil Hospital",
            "fever",
            "home visit",
            "sleeps at home",
            "school",
        ],
    );
}

#[test]
fn casework_failures_leave_nothing() {
    let o = Office::new();
    let mut staff = o.login("staff");
    let mut manager = o.login("manager");
    let (id, _, follow_up, _) = casework_fixture(&mut staff);
    let obs = o.observer();

    // Two terminals open the same file; the manager saves first.
    let opened = staff.person(id).expect("person");
    let mut theirs = opened.profile.clone();
    theirs.area = "Sariab".into();
    manager
        .update_person(id, opened.version, &theirs)
        .expect("first save");
    let history = staff.person_file(id).expect("file").history;
    let before = snapshot(&o, &obs);
    let mut mine = opened.profile.clone();
    mine.phone = "0345-9998887".into();
    match staff.update_person(id, opened.version, &mine) {
        Err(Error::Conflict(m)) => {
            assert!(m.contains("they changed: area"), "{m}");
            assert!(!m.contains("Sariab") && !m.contains("0345"), "{m}");
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_unchanged(&before, &snapshot(&o, &obs), "a stale save");
    assert_eq!(staff.person_file(id).expect("file").history, history);
    assert_eq!(
        staff.person(id).expect("person").profile.phone,
        "0300-7654321"
    );

    // A follow-up is done once; the second attempt is refused whole.
    let done = FollowUpDone {
        done_on: today(),
        outcome: "visited".into(),
    };
    let at = last_seq(&obs);
    staff.complete_follow_up(follow_up, &done).expect("done");
    let before = snapshot(&o, &obs);
    match manager.complete_follow_up(
        follow_up,
        &FollowUpDone {
            outcome: "visited again".into(),
            ..done.clone()
        },
    ) {
        Err(Error::Conflict(_)) => {}
        other => panic!("expected Conflict, got {other:?}"),
    }
    assert_unchanged(&before, &snapshot(&o, &obs), "a second completion");
    one_entry(
        &obs,
        at,
        AuditAction::FollowUpDone,
        "staff",
        &format!("person:{}", id.0),
    );

    // Registered cannot jump to reopened; closing needs a reason.
    let before = snapshot(&o, &obs);
    for change in [
        StatusChange {
            to: CaseStatus::Reopened,
            on_date: today(),
            reason: None,
        },
        StatusChange {
            to: CaseStatus::Closed,
            on_date: today(),
            reason: None,
        },
        StatusChange {
            to: CaseStatus::Active,
            on_date: today(),
            reason: Some(ClosureReason::LostContact),
        },
    ] {
        match staff.change_status(id, &change) {
            Err(Error::Invalid(_)) => {}
            other => panic!("expected Invalid for {change:?}, got {other:?}"),
        }
    }
    assert_unchanged(&before, &snapshot(&o, &obs), "an illegal status move");
    assert_eq!(
        staff.person(id).expect("person").status,
        CaseStatus::Registered
    );
}

// ---------------------------------------------------------------------
// Counselling.

fn individual(person: PersonId) -> NewSession {
    NewSession {
        person_id: person.0,
        kind: CounsellingKind::Individual,
        on_date: today() - Duration::days(1),
        minutes: 45,
        participants: vec![],
    }
}

#[test]
fn counselling_notes_are_refused_to_other_roles() {
    let o = Office::new();
    let mut staff = o.login("staff");
    let (id, _) = staff
        .register_person(&child("Habib Sumalani", "Karim Sumalani"))
        .expect("register");
    let mut psych = o.login("psychologist");
    let session = psych
        .record_counselling(&individual(id), "first meeting")
        .expect("session");
    let mut manager = o.login("manager");
    let obs = o.observer();
    let before = snapshot(&o, &obs);

    assert_not_allowed(
        staff.record_counselling(&individual(id), "a note"),
        "staff record_counselling",
    );
    assert_not_allowed(
        manager.record_counselling(&individual(id), "a note"),
        "manager record_counselling",
    );
    assert_not_allowed(staff.amend_note(session, "changed"), "staff amend_note");
    assert_not_allowed(manager.read_note(session), "manager read_note");
    assert_not_allowed(staff.read_note(session), "staff read_note");
    assert_not_allowed(manager.note_history(session), "manager note_history");

    assert_unchanged(&before, &snapshot(&o, &obs), "a refused counselling call");
}

#[test]
fn counselling_each_write_and_each_read_of_a_note_is_one_entry() {
    let o = Office::new();
    let mut staff = o.login("staff");
    let (a, case_a) = staff
        .register_person(&child("Habib Sumalani", "Karim Sumalani"))
        .expect("register");
    let (b, _) = staff
        .register_person(&child("Rahim Sumalani", "Karim Sumalani"))
        .expect("register");
    let mut psych = o.login("psychologist");
    let obs = o.observer();
    let start = last_seq(&obs);

    let at = last_seq(&obs);
    let s1 = psych
        .record_counselling(&individual(a), "Habib spoke about the bus stand")
        .expect("individual");
    assert_eq!(
        one_entry(
            &obs,
            at,
            AuditAction::CounsellingCreate,
            "psychologist",
            &format!("person:{} counselling:{}", a.0, s1.0)
        ),
        "individual"
    );

    let at = last_seq(&obs);
    let s2 = psych
        .record_counselling(
            &NewSession {
                kind: CounsellingKind::Group,
                participants: vec![b.0],
                ..individual(a)
            },
            "brothers together; Rahim quiet",
        )
        .expect("group");
    assert_eq!(
        one_entry(
            &obs,
            at,
            AuditAction::CounsellingCreate,
            "psychologist",
            &format!("person:{} person:{} counselling:{}", a.0, b.0, s2.0)
        ),
        "group"
    );

    let s1_target = format!("person:{} counselling:{}", a.0, s1.0);
    let at = last_seq(&obs);
    assert_eq!(
        psych
            .amend_note(s1, "Habib spoke about the bus stand and his uncle")
            .expect("amend"),
        2
    );
    // The version and the note's new head (a MAC, nothing personal), so a
    // later removal of this version shows against the trail.
    let detail = one_entry(
        &obs,
        at,
        AuditAction::CounsellingAmend,
        "psychologist",
        &s1_target,
    );
    let head = detail
        .strip_prefix("version 2; note head ")
        .unwrap_or_else(|| panic!("{detail}"));
    assert!(
        head.len() == 64 && head.bytes().all(|b| b.is_ascii_hexdigit()),
        "{detail}"
    );

    let at = last_seq(&obs);
    let note = psych.read_note(s1).expect("read");
    assert_eq!(
        note.text.as_str(),
        "Habib spoke about the bus stand and his uncle"
    );
    assert_eq!(note.version, 2);
    assert_eq!(
        one_entry(
            &obs,
            at,
            AuditAction::CounsellingRead,
            "psychologist",
            &s1_target
        ),
        "version 2"
    );

    let at = last_seq(&obs);
    let history = psych.note_history(s1).expect("history");
    let texts: Vec<&str> = history.iter().map(|n| n.text.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "Habib spoke about the bus stand",
            "Habib spoke about the bus stand and his uncle"
        ]
    );
    assert_eq!(
        one_entry(
            &obs,
            at,
            AuditAction::CounsellingHistory,
            "psychologist",
            &s1_target
        ),
        "version 1,2"
    );

    assert_no_personal_data(
        &obs,
        start,
        &[
            "Habib",
            "Rahim",
            "Sumalani",
            &case_a,
            "bus stand",
            "uncle",
            "quiet",
        ],
    );
}

#[test]
fn counselling_refused_input_leaves_nothing() {
    let o = Office::new();
    let mut staff = o.login("staff");
    let (id, _) = staff
        .register_person(&child("Habib Sumalani", "Karim Sumalani"))
        .expect("register");
    let mut psych = o.login("psychologist");
    let session = psych
        .record_counselling(&individual(id), "first meeting")
        .expect("session");
    let obs = o.observer();
    let before = snapshot(&o, &obs);

    for note in ["", "  \n\t "] {
        match psych.record_counselling(&individual(id), note) {
            Err(Error::Invalid(m)) => assert_eq!(m, "the note is empty"),
            other => panic!("expected Invalid, got {other:?}"),
        }
        assert!(matches!(
            psych.amend_note(session, note),
            Err(Error::Invalid(_))
        ));
    }
    assert!(matches!(
        psych.record_counselling(&individual(PersonId(9_999)), "a note"),
        Err(Error::Invalid(_))
    ));
    match psych.amend_note(SessionId(9_999), "a note") {
        Err(Error::Invalid(m)) => assert_eq!(m, "there is no counselling session 9999"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    assert!(matches!(
        psych.record_counselling(
            &NewSession {
                minutes: 0,
                ..individual(id)
            },
            "a note"
        ),
        Err(Error::Invalid(_))
    ));

    assert_unchanged(&before, &snapshot(&o, &obs), "refused counselling input");
    assert_eq!(psych.counselling_sessions(id.0).expect("sessions").len(), 1);
}

// ---------------------------------------------------------------------
// Backups.

#[test]
fn backup_export_is_refused_to_staff_and_psychologists() {
    let o = Office::new();
    let mut staff = o.login("staff");
    let mut psych = o.login("psychologist");
    let obs = o.observer();
    let before = snapshot(&o, &obs);
    let out = o.dir.path().join("refused.age");
    let passphrase = || Encryption::Passphrase(secret("a long passphrase"));

    assert_not_allowed(
        staff.export_backup(&out, &passphrase(), &mut no_progress()),
        "staff export_backup",
    );
    assert_not_allowed(
        psych.export_backup(&out, &passphrase(), &mut no_progress()),
        "psychologist export_backup",
    );
    assert_not_allowed(Exporter::new(&staff).map(|_| ()), "staff Exporter");
    assert_not_allowed(Exporter::new(&psych).map(|_| ()), "psychologist Exporter");
    assert_not_allowed(
        staff.configure_auto_backup(Some(AutoSettings {
            enabled: true,
            folder: o.dir.path().to_path_buf(),
            recipients: vec![age::x25519::Identity::generate().to_public().to_string()],
            keep: 3,
        })),
        "staff configure_auto_backup",
    );
    assert_not_allowed(staff.backup_check_key().map(|_| ()), "staff check key");

    assert!(!out.exists(), "no backup file was written");
    assert_unchanged(&before, &snapshot(&o, &obs), "a refused backup");
    assert_eq!(staff.last_good_backup(), None);
}

#[test]
fn backup_export_is_one_entry_and_becomes_the_last_good_backup() {
    let o = Office::new();
    let mut staff = o.login("staff");
    staff
        .register_person(&child("Samiullah Kakarzai", "Nasir Kakarzai"))
        .expect("register");
    let mut manager = o.login("manager");
    let obs = o.observer();
    assert_eq!(manager.last_good_backup(), None);

    let at = last_seq(&obs);
    let out = o.dir.path().join("office-backup.age");
    let summary = manager
        .export_backup(
            &out,
            &Encryption::Passphrase(secret("a long passphrase")),
            &mut no_progress(),
        )
        .expect("export");
    assert_eq!(summary.path, out);
    assert!(out.is_file());
    assert_eq!(
        one_entry(&obs, at, AuditAction::BackupExport, "manager", ""),
        "passphrase"
    );
    assert!(manager.last_good_backup().is_some());

    let at = last_seq(&obs);
    let out = o.dir.path().join("office-backup-2.age");
    let to = Encryption::Recipients(vec![age::x25519::Identity::generate().to_public()]);
    manager
        .export_backup(&out, &to, &mut no_progress())
        .expect("export to a key");
    assert_eq!(
        one_entry(&obs, at, AuditAction::BackupExport, "manager", ""),
        "recipients:1"
    );
}

#[test]
fn backup_failures_leave_nothing() {
    let o = Office::new();
    let mut manager = o.login("manager");
    let taken = o.dir.path().join("taken.age");
    std::fs::write(&taken, b"someone else's file").expect("write");
    let obs = o.observer();
    let before = snapshot(&o, &obs);
    let passphrase = Encryption::Passphrase(secret("a long passphrase"));

    match manager.export_backup(&taken, &passphrase, &mut no_progress()) {
        Err(Error::Invalid(m)) => assert!(m.contains("already exists"), "{m}"),
        other => panic!("expected Invalid, got {other:?}"),
    }
    let short = Encryption::Passphrase(secret("short"));
    let fresh = o.dir.path().join("fresh.age");
    assert!(matches!(
        manager.export_backup(&fresh, &short, &mut no_progress()),
        Err(Error::Invalid(_))
    ));
    let nowhere = o.dir.path().join("no-such-folder").join("b.age");
    assert!(matches!(
        manager.export_backup(&nowhere, &passphrase, &mut no_progress()),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        manager.export_backup(&fresh, &Encryption::Recipients(vec![]), &mut no_progress()),
        Err(Error::Invalid(_))
    ));

    assert_unchanged(&before, &snapshot(&o, &obs), "a failed export");
    assert_eq!(
        std::fs::read(&taken).expect("read"),
        b"someone else's file",
        "an existing file is never overwritten"
    );
    assert_eq!(manager.last_good_backup(), None);
}

// ---------------------------------------------------------------------
// Every area: the work and its audit entry land together or not at all.

/// Refuses every new audit entry, as a full disk or a damaged trail would,
/// from the observer's connection (a schema change every connection sees).
fn refuse_audit_entries(obs: &vault::Unlocked, on: bool) {
    let sql = if on {
        "CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit
         BEGIN SELECT RAISE(ABORT, 'audit refused'); END;"
    } else {
        "DROP TRIGGER test_refuse_audit;"
    };
    obs.conn().execute_batch(sql).expect("trigger");
}

#[test]
fn a_write_whose_audit_entry_fails_is_taken_back() {
    let o = Office::new();
    let mut staff = o.login("staff");
    let (id, _, follow_up, goal) = casework_fixture(&mut staff);
    let mut psych = o.login("psychologist");
    let session = psych
        .record_counselling(&individual(id), "first meeting")
        .expect("session");
    let mut manager = o.login("manager");
    manager
        .add_user(
            "psych2",
            Role::Psychologist,
            &secret("psych2-pw river lantern"),
        )
        .expect("second psychologist");
    let obs = o.observer();
    refuse_audit_entries(&obs, true);
    let before = snapshot(&o, &obs);

    // Each of these has done its own work in the transaction by the time
    // its audit entry is refused.
    let person = staff.person(id).expect("person");
    let mut changed = person.profile.clone();
    changed.area = "Kuchlak".into();
    let attempts: Vec<(&str, casedesk::Result<()>)> = vec![
        (
            "register_person",
            staff
                .register_person(&child("Bilal Achakzai", "Faiz Achakzai"))
                .map(|_| ()),
        ),
        (
            "update_person",
            staff
                .update_person(id, person.version, &changed)
                .map(|_| ()),
        ),
        (
            "add_service",
            staff
                .add_service(
                    id,
                    &NewService {
                        kind: ServiceKind::Nutrition,
                        on_date: today(),
                        detail: String::new(),
                        note: String::new(),
                    },
                )
                .map(|_| ()),
        ),
        (
            "add_follow_up",
            staff
                .add_follow_up(
                    id,
                    &NewFollowUp {
                        due_on: today(),
                        purpose: "visit".into(),
                    },
                )
                .map(|_| ()),
        ),
        (
            "complete_follow_up",
            staff.complete_follow_up(
                follow_up,
                &FollowUpDone {
                    done_on: today(),
                    outcome: "seen".into(),
                },
            ),
        ),
        (
            "add_goal",
            staff
                .add_goal(
                    id,
                    &NewGoal {
                        goal: "reads".into(),
                        target_date: None,
                    },
                )
                .map(|_| ()),
        ),
        ("achieve_goal", staff.achieve_goal(goal, today())),
        (
            "change_status",
            staff.change_status(
                id,
                &StatusChange {
                    to: CaseStatus::Active,
                    on_date: today(),
                    reason: None,
                },
            ),
        ),
        (
            "list_register",
            staff
                .list_register(&RegisterFilter::default(), today())
                .map(|_| ()),
        ),
        (
            "record_counselling",
            psych
                .record_counselling(&individual(id), "second meeting")
                .map(|_| ()),
        ),
        (
            "amend_note",
            psych
                .amend_note(session, "first meeting, amended")
                .map(|_| ()),
        ),
        // No record, no text.
        ("read_note", psych.read_note(session).map(|_| ())),
        ("note_history", psych.note_history(session).map(|_| ())),
        (
            "add_user",
            manager.add_user("aisha", Role::Staff, &secret("aisha-pw river lantern")),
        ),
        ("disable_user", manager.disable_user("staff")),
        (
            "change_password",
            manager.change_password(&secret("manager-new-pw river lantern")),
        ),
        ("grant_counselling", psych.grant_counselling("psych2")),
        // A full copy of the office that the trail cannot show is not kept
        // (the folder is in the snapshot).
        (
            "export_backup",
            manager
                .export_backup(
                    &o.dir.path().join("unrecorded.age"),
                    &Encryption::Passphrase(secret("a long passphrase")),
                    &mut no_progress(),
                )
                .map(|_| ()),
        ),
        (
            "Exporter::run",
            Exporter::new(&manager)
                .expect("exporter")
                .run(
                    &o.dir.path().join("unrecorded-2.age"),
                    &Encryption::Passphrase(secret("a long passphrase")),
                    &mut no_progress(),
                )
                .map(|_| ()),
        ),
        ("person_viewed", staff.person_viewed(id, "")),
        ("audit_viewed", manager.audit_viewed(None)),
        ("locked", staff.locked("manual")),
    ];
    for (what, r) in attempts {
        assert!(
            matches!(r, Err(Error::Database(_))),
            "{what} must fail with its audit entry: {r:?}"
        );
    }
    // The key file is in the snapshot: no slot was added, removed or
    // rewrapped for a change the trail does not show.
    assert_unchanged(&before, &snapshot(&o, &obs), "a write without its entry");
    assert_eq!(manager.last_good_backup(), None);

    // The refusal was the audit entry's: with it lifted the same work goes.
    refuse_audit_entries(&obs, false);
    let at = last_seq(&obs);
    staff
        .change_status(
            id,
            &StatusChange {
                to: CaseStatus::Active,
                on_date: today(),
                reason: None,
            },
        )
        .expect("active");
    one_entry(
        &obs,
        at,
        AuditAction::PersonStatus,
        "staff",
        &format!("person:{}", id.0),
    );
}

// ---------------------------------------------------------------------
// Reads.

#[test]
fn reads_do_not_write_and_views_add_one_entry_each() {
    let o = Office::new();
    let mut staff = o.login("staff");
    let (id, case_number, _, _) = casework_fixture(&mut staff);
    let mut psych = o.login("psychologist");
    let session = psych
        .record_counselling(&individual(id), "first meeting")
        .expect("session");
    let manager = o.login("manager");
    let obs = o.observer();
    let before = snapshot(&o, &obs);

    let page = staff
        .search_register(
            &RegisterQuery {
                text: "Lehrizai".into(),
                ..RegisterQuery::default()
            },
            today(),
        )
        .expect("search");
    assert_eq!(page.total, 1);
    assert_eq!(page.rows[0].case_number, case_number);
    assert_eq!(staff.person(id).expect("person").case_number, case_number);
    let file = staff.person_file(id).expect("file");
    assert_eq!(file.follow_ups.len(), 1);
    assert_eq!(file.goals.len(), 1);
    assert_eq!(
        staff.due_follow_ups(today(), None, 10).expect("due").len(),
        1
    );
    assert_eq!(
        staff.find_case_number(&case_number).expect("find"),
        Some(id)
    );
    for who in [&staff, &psych, &manager] {
        let sessions = who.counselling_sessions(id.0).expect("sessions");
        assert_eq!(sessions.len(), 1);
        assert_eq!(sessions[0].id, session);
    }
    assert_eq!(staff.counselling_session(session).expect("one").minutes, 45);
    assert_eq!(staff.note_versions(session).expect("versions").len(), 1);
    assert_eq!(staff.counselled_persons().expect("counselled").len(), 1);
    assert_eq!(staff.counselling_count(id.0).expect("count").sessions, 1);
    assert_eq!(
        psych
            .search_counselled("Lehrizai", today(), 10)
            .expect("search counselled")
            .len(),
        1
    );
    assert_eq!(manager.accounts().expect("accounts").len(), 3);
    assert_eq!(manager.workers().expect("workers").len(), 2);
    assert_eq!(manager.account_names().expect("names").len(), 3);
    assert_eq!(
        manager
            .audit_entries(&AuditFilter::default())
            .expect("entries")
            .len() as i64,
        last_seq(&obs)
    );
    assert_eq!(manager.check().expect("check"), Vec::<String>::new());
    assert_eq!(manager.office_name().expect("name"), "Test office");
    assert_eq!(manager.auto_backup_settings().expect("settings"), None);
    assert_unchanged(&before, &snapshot(&o, &obs), "reading");

    let at = last_seq(&obs);
    staff.person_viewed(id, "services").expect("viewed");
    assert_eq!(
        one_entry(
            &obs,
            at,
            AuditAction::PersonView,
            "staff",
            &format!("person:{}", id.0)
        ),
        "services"
    );
    let at = last_seq(&obs);
    manager.audit_viewed(None).expect("viewed");
    assert_eq!(
        one_entry(&obs, at, AuditAction::AuditView, "manager", ""),
        ""
    );
}

// ---------------------------------------------------------------------
// The demo office.

/// The person and casework tables, minus what is random by design (sealed
/// note bytes; keys are in other tables).
const DEMO_CONTENT: &[&str] = &[
    "SELECT * FROM persons ORDER BY id",
    "SELECT * FROM person_concerns ORDER BY person_id, concern",
    "SELECT * FROM person_history ORDER BY id",
    "SELECT * FROM status_changes ORDER BY id",
    "SELECT * FROM case_counters ORDER BY programme, year",
    "SELECT * FROM services ORDER BY id",
    "SELECT * FROM follow_ups ORDER BY id",
    "SELECT * FROM goals ORDER BY id",
    // Not `note_head`: a MAC keyed by the (random) counselling identity.
    "SELECT id, person_id, kind, on_date, minutes, psychologist_id, created_at
     FROM counselling_sessions ORDER BY id",
    "SELECT * FROM counselling_participants ORDER BY session_id, person_id",
    "SELECT id, session_id, version, written_by, written_at FROM counselling_notes ORDER BY id",
    "SELECT * FROM classes ORDER BY id",
    "SELECT * FROM enrolments ORDER BY id",
    "SELECT * FROM class_sessions ORDER BY id",
    "SELECT * FROM attendance ORDER BY session_id, person_id",
    "SELECT * FROM literacy_tests ORDER BY person_id, month",
    "SELECT * FROM skill_completions ORDER BY id",
];

fn build_demo(dir: &Path, seed: u64, on: NaiveDate) -> vault::Unlocked {
    vault::crypto::pin_work_factor(10);
    let paths = OfficePaths::new(dir.join("demo.casedesk"));
    let opts = casedesk::demo::DemoOptions {
        seed,
        ..casedesk::demo::DemoOptions::new(60, on)
    };
    let summary = casedesk::demo::build(&paths, &opts).expect("demo");
    assert_eq!((summary.children, summary.women), (60, 15));
    vault::login(&paths, "manager", &secret("demo")).expect("demo login")
}

fn cpc_intake_dates(obs: &vault::Unlocked) -> Vec<NaiveDate> {
    let mut stmt = obs
        .conn()
        .prepare("SELECT registered_on FROM persons WHERE programme = 'cpc' ORDER BY id")
        .expect("prepare");
    stmt.query_map([], |r| r.get(0))
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("dates")
}

#[test]
fn demo_is_the_same_for_a_seed_and_a_date() {
    let on = day("2026-03-15");
    let dir_a = tempfile::tempdir().expect("dir");
    let dir_b = tempfile::tempdir().expect("dir");
    let dir_c = tempfile::tempdir().expect("dir");
    let a = build_demo(dir_a.path(), 42, on);
    // Stored times have whole seconds: a real clock leaking in would show.
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    let b = build_demo(dir_b.path(), 42, on);

    for sql in DEMO_CONTENT {
        let (ra, rb) = (rows(a.conn(), sql), rows(b.conn(), sql));
        assert_eq!(ra.len(), rb.len(), "{sql}");
        for (i, (x, y)) in ra.iter().zip(&rb).enumerate() {
            assert_eq!(x, y, "{sql}: row {i}");
        }
    }
    // Enough of each kind that the comparison means something.
    for (table, at_least) in [
        ("persons", 75),
        ("status_changes", 75),
        ("services", 1),
        ("follow_ups", 1),
        ("goals", 1),
        ("counselling_sessions", 1),
        ("counselling_notes", 1),
    ] {
        let n = count(&a, &format!("SELECT count(*) FROM {table}"));
        assert!(n >= at_least, "{table}: {n} rows");
    }
    assert_eq!(
        count(
            &a,
            "SELECT count(*) FROM persons WHERE created_at <> '2026-03-15T09:00:00Z'"
        ),
        0,
        "every record is stamped with the demo's day"
    );

    // Intake dates are drawn back from `today` before anything else, so a
    // day later moves every CPC intake one day later.
    let c = build_demo(dir_c.path(), 42, on + Duration::days(1));
    let dates_a = cpc_intake_dates(&a);
    let dates_c = cpc_intake_dates(&c);
    assert_ne!(dates_a, dates_c);
    let shifted: Vec<NaiveDate> = dates_a.iter().map(|d| *d + Duration::days(1)).collect();
    assert_eq!(dates_c, shifted);
    assert!(
        dates_a
            .iter()
            .all(|d| *d <= on && *d > on - Duration::days(3 * 365 + 1))
    );
}
