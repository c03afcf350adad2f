//! Offices at every released schema version, filled the way the demo
//! generator fills one (both programmes, every status, casework,
//! counselling with sealed notes, classes with marks, placements with
//! visits, outreach with head counts, an audit trail), for the upgrade
//! tests. Built below the office layer with `store::migrate_to`: the
//! office layer only knows the latest schema.

#![allow(dead_code)]

pub mod copy_at;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use casedesk::domain::audit::AuditAction;
use casedesk::store;
use casedesk::vault::MasterKey;
use rusqlite::types::Value;
use rusqlite::{Connection, OpenFlags};

pub type Dump = BTreeMap<String, Vec<Vec<Value>>>;

pub fn dump(c: &Connection) -> Dump {
    crate::common::dump::rows(c, &|_| None)
}

/// Every row of `before` is in `after`, field by field: an upgrade may add
/// columns at the end of a table and new tables, never lose or change a
/// value.
pub fn assert_kept(before: &Dump, after: &Dump, what: &str) {
    for (table, rows) in before {
        let Some(now) = after.get(table) else {
            panic!("{what}: table {table} is gone");
        };
        assert_eq!(now.len(), rows.len(), "{what}: rows of {table}");
        for (old, new) in rows.iter().zip(now) {
            assert!(new.len() >= old.len(), "{what}: columns of {table}");
            assert_eq!(&new[..old.len()], &old[..], "{what}: a row of {table}");
        }
    }
}

/// An office file in a temp dir and its master key.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub key: MasterKey,
}

impl Fixture {
    /// A keyed connection that does not upgrade (what an older casedesk
    /// would open the file with).
    pub fn raw(&self) -> Connection {
        raw(&self.db, &self.key)
    }

    /// Open as this casedesk does: upgrading, keeping a copy.
    pub fn open(&self) -> casedesk::Result<Connection> {
        store::open(&self.db, &self.key)
    }

    pub fn bytes(&self) -> Vec<u8> {
        std::fs::read(&self.db).expect("read the office file")
    }

    /// Every file in the office's folder, by name.
    pub fn files(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }
}

pub fn raw(db: &Path, key: &MasterKey) -> Connection {
    let c = store::open_keyed(db, OpenFlags::SQLITE_OPEN_READ_WRITE, key).expect("key");
    store::configure(&c).expect("configure");
    c
}

/// A populated office at schema `version`, closed (its log checkpointed
/// and gone), so its bytes are the whole file.
pub fn office_at(version: u32) -> Fixture {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("office.casedesk");
    let key = MasterKey::generate();
    {
        let mut c = store::open_keyed(
            &db,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE,
            &key,
        )
        .expect("create");
        store::configure(&c).expect("configure");
        store::migrate_to(&mut c, version).expect("migrate");
        assert_eq!(store::user_version(&c).expect("version"), version);
        populate(&c, version);
    }
    Fixture { dir, db, key }
}

/// Rows for every table that exists at `version`, with audit entries
/// between them as the office layer would write.
pub fn populate(c: &Connection, version: u32) {
    // Audit entries are stamped with the fixed demo moment.
    let _clock = crate::common::fix_clock();
    for (since, sql) in BLOCKS {
        if *since > version {
            continue;
        }
        c.execute_batch(sql)
            .unwrap_or_else(|e| panic!("rows for migration {since}: {e}"));
        store::audit::record(c, "manager", AuditAction::Login, "", "").expect("audit");
        store::audit::record(c, "staff", AuditAction::PersonCreate, "1", "").expect("audit");
    }
    if version >= 5 {
        c.execute_batch(NOTES_SIGNED).expect("signed notes");
    } else if version >= 4 {
        c.execute_batch(NOTES_UNSIGNED).expect("notes");
    }
}

const BLOCKS: &[(u32, &str)] = &[
    (
        1,
        "INSERT INTO meta(key, value) VALUES ('office_id', 'b1f7c0de-0000-4000-8000-000000000001'),
                                            ('office_name', 'Quetta CPC');
         INSERT INTO users(id, name, role, enabled, public_key, created_at, disabled_at) VALUES
           (1, 'manager', 'manager', 1, 'age1manager', '2024-01-02T09:00:00Z', NULL),
           (2, 'staff', 'staff', 1, 'age1staff', '2024-01-02T09:05:00Z', NULL),
           (3, 'psychologist', 'psychologist', 1, 'age1psy', '2024-01-02T09:10:00Z', NULL),
           (4, 'former', 'staff', 0, 'age1former', '2024-01-03T09:00:00Z', '2025-06-01T12:00:00Z');",
    ),
    (
        2,
        "INSERT INTO case_counters(programme, year, last) VALUES ('cpc', 2025, 3), ('wd', 2025, 1);
         INSERT INTO persons(id, case_number, programme, name, father_name, alias, sex, birth_date,
             age_estimated, cnic, phone, area, address, guardian_name, guardian_relation,
             school_status, work_status, referral_source, referral_detail, consent_by,
             consent_date, consent_services, consent_sharing, risk, risk_reason, worker_id,
             centre, status, closure_reason, registered_on, version, name_key, father_key,
             created_by, created_at, updated_at) VALUES
           (1, 'CPC-2025-0001', 'cpc', 'Ahmed Khan', 'Gul Khan', 'Ahmad', 'male', '2013-04-01', 1,
            '', '0300-1234567', 'Satellite Town', 'House 4, Street 9', 'Gul Khan', 'father',
            'out of school', 'car washing', 'outreach_spot', 'Hazarganji bus stand', 'Gul Khan',
            '2025-01-10', 1, 0, 'high', 'works at night', 2, 'cpc', 'active', NULL, '2025-01-10', 3,
            'ahmd kn', 'gl kn', 2, '2025-01-10T09:00:00Z', '2025-02-01T10:00:00Z'),
           (2, 'CPC-2025-0002', 'cpc', 'Bibi Zainab', 'Abdul Rauf', '', 'female', NULL, 0,
            '', '', 'Pashtunabad', '', '', '', 'in school', '', 'police_station', '', '',
            NULL, 0, 0, 'medium', '', 1, 'cfs', 'closed', 'reintegrated', '2025-01-15', 2,
            'bb znb', 'abdl rf', 1, '2025-01-15T09:00:00Z', '2025-03-01T10:00:00Z'),
           (3, 'CPC-2025-0003', 'cpc', 'Rahim Ullah', '', '', 'male', '2010-09-09', 0,
            '', '', 'Kuchlak', '', '', '', '', '', 'self', '', '', NULL, 0, 0, 'low', '', NULL,
            'cpc', 'reopened', NULL, '2025-02-02', 4, 'rhm l', '', 2,
            '2025-02-02T09:00:00Z', '2025-05-01T10:00:00Z'),
           (4, 'WD-2025-0001', 'wd', 'Shazia Bibi', 'Noor Ahmed', '', 'female', '1990-01-01', 1,
            '54400-1234567-1', '0333-7654321', 'Brewery Road', '', '', '', '', 'home-based',
            'community_group', '', 'Shazia Bibi', '2025-03-03', 1, 1, 'high', 'threats', 2,
            'desk', 'registered', NULL, '2025-03-03', 1, 'shz bb', 'nr ahmd', 2,
            '2025-03-03T09:00:00Z', '2025-03-03T09:00:00Z');
         INSERT INTO person_concerns(person_id, concern) VALUES
           (1, 'street_working'), (1, 'at_risk'), (2, 'csec'), (4, 'domestic_violence');
         INSERT INTO person_history(id, person_id, at, user_id, field, old_value, new_value, version)
           VALUES (1, 1, '2025-02-01T10:00:00Z', 2, 'risk', 'medium', 'high', 2),
                  (2, 1, '2025-02-01T10:00:00Z', 2, 'phone', '', '0300-1234567', 3);
         INSERT INTO status_changes(id, person_id, on_date, at, user_id, from_status, to_status, reason)
           VALUES (1, 1, '2025-01-20', '2025-01-20T09:00:00Z', 2, 'registered', 'active', NULL),
                  (2, 2, '2025-03-01', '2025-03-01T10:00:00Z', 1, 'registered', 'closed', 'reintegrated'),
                  (3, 3, '2025-03-10', '2025-03-10T10:00:00Z', 2, 'registered', 'closed', 'lost_contact'),
                  (4, 3, '2025-05-01', '2025-05-01T10:00:00Z', 2, 'closed', 'reopened', NULL);",
    ),
    (
        3,
        "INSERT INTO services(id, person_id, kind, on_date, user_id, detail, note, created_at) VALUES
           (1, 1, 'counselling', '2025-01-21', 2, '', 'first session', '2025-01-21T09:00:00Z'),
           (2, 1, 'medical_referral', '2025-02-03', 2, 'Civil Hospital', '', '2025-02-03T09:00:00Z'),
           (3, 2, 'family_reunification', '2025-02-10', 1, '', '', '2025-02-10T09:00:00Z'),
           (4, 4, 'legal_aid', '2025-03-04', 2, 'district court', 'hearing set', '2025-03-04T09:00:00Z');
         INSERT INTO follow_ups(id, person_id, due_on, purpose, user_id, done_on, outcome, created_at) VALUES
           (1, 1, '2025-02-15', 'home visit', 2, '2025-02-16', 'family met', '2025-01-21T09:00:00Z'),
           (2, 4, '2025-04-01', 'court date', 2, NULL, '', '2025-03-04T09:00:00Z');
         INSERT INTO goals(id, person_id, goal, target_date, achieved_on, user_id, created_at) VALUES
           (1, 1, 'back to school', '2025-09-01', NULL, 2, '2025-01-21T09:00:00Z'),
           (2, 2, 'return home', '2025-03-01', '2025-03-01', 1, '2025-01-16T09:00:00Z');",
    ),
    (
        4,
        "INSERT INTO counselling_sessions(id, person_id, kind, on_date, minutes, psychologist_id, created_at)
           VALUES (1, 1, 'assessment', '2025-01-22', 45, 3, '2025-01-22T09:00:00Z'),
                  (2, 2, 'group', '2025-02-12', 60, 3, '2025-02-12T09:00:00Z'),
                  (3, 4, 'individual', '2025-03-05', 50, 3, '2025-03-05T09:00:00Z');
         INSERT INTO counselling_participants(session_id, person_id) VALUES (2, 1), (2, 3);",
    ),
    (
        6,
        "INSERT INTO classes(id, kind, name, trade, teacher_id, days, starts_at, ends_at, starts_on,
             ends_on, room, created_at) VALUES
           (1, 'literacy', 'Literacy morning', '', 2, 31, '09:00', '10:30', '2025-01-06', NULL,
            'room 1', '2025-01-05T09:00:00Z'),
           (2, 'skill', 'Tailoring', 'tailoring', 2, 42, '14:00', '16:00', '2025-01-06', '2025-06-30',
            'hall', '2025-01-05T09:00:00Z');
         INSERT INTO enrolments(id, class_id, person_id, enrolled_on, withdrawn_on, withdrawn_why,
             by_user, created_at) VALUES
           (1, 1, 1, '2025-01-06', NULL, '', 2, '2025-01-06T09:00:00Z'),
           (2, 1, 3, '2025-02-03', '2025-03-10', 'moved away', 2, '2025-02-03T09:00:00Z'),
           (3, 2, 4, '2025-03-05', NULL, '', 2, '2025-03-05T09:00:00Z');
         INSERT INTO class_sessions(id, class_id, on_date, extra, created_at) VALUES
           (1, 1, '2025-03-03', 0, '2025-03-03T09:00:00Z'),
           (2, 1, '2025-03-04', 0, '2025-03-04T09:00:00Z'),
           (3, 1, '2025-04-01', 1, '2025-04-01T09:00:00Z'),
           (4, 2, '2025-03-05', 0, '2025-03-05T14:00:00Z');
         INSERT INTO attendance(session_id, person_id, mark, version, marked_by, marked_at) VALUES
           (1, 1, 'P', 1, 2, '2025-03-03T09:05:00Z'), (1, 3, 'A', 2, 2, '2025-03-03T09:30:00Z'),
           (2, 1, 'L', 1, 2, '2025-03-04T09:05:00Z'), (2, 3, 'E', 1, 2, '2025-03-04T09:05:00Z'),
           (3, 1, 'P', 1, 2, '2025-04-01T09:05:00Z'), (4, 4, 'P', 1, 2, '2025-03-05T14:05:00Z');
         INSERT INTO attendance_history(id, session_id, person_id, old_mark, new_mark, by_user, at) VALUES
           (1, 1, 3, NULL, 'P', 2, '2025-03-03T09:05:00Z'),
           (2, 1, 3, 'P', 'A', 2, '2025-03-03T09:30:00Z');
         INSERT INTO literacy_tests(person_id, month, reading_urdu, writing_urdu, reading_english,
             writing_english, tested_by, at) VALUES
           (1, '2025-03', 2, 1, 1, NULL, 2, '2025-03-28T09:00:00Z');
         INSERT INTO skill_completions(id, person_id, class_id, completed_on, certificate, by_user, at)
           VALUES (1, 4, 2, '2025-06-30', 1, 2, '2025-06-30T15:00:00Z');",
    ),
    (
        7,
        "INSERT INTO placements(id, person_id, kind, starts_on, trade, employer, contact_person,
             contact_phone, wage, hours, business_kind, place, toolkit, grant_amount, training,
             skill_class_id, ended_on, end_reason, by_user, created_at) VALUES
           (1, 4, 'business', '2025-07-01', 'tailoring', '', '', '', NULL, '', 'tailoring shop',
            'Brewery Road', 1, 15000, 'tailoring course', 2, NULL, '', 2, '2025-07-01T09:00:00Z'),
           (2, 1, 'job', '2025-08-01', 'mechanic', 'Baloch Motors', 'Mr Baloch', '0301-1112223',
            12000, '9-5', '', '', 0, NULL, '', NULL, '2025-10-01', 'went back to school', 2,
            '2025-08-01T09:00:00Z');
         INSERT INTO placement_visits(id, placement_id, due_on, done_on, by_user, outcome, problems,
             support, next_step, done_at) VALUES
           (1, 1, '2025-08-01', '2025-08-02', 2, 'business_running', '', 'advice', 'visit again',
            '2025-08-02T11:00:00Z'),
           (2, 1, '2025-10-01', NULL, NULL, NULL, '', '', '', NULL),
           (3, 2, '2025-09-01', '2025-09-01', 2, 'still_working', 'long hours', '', '',
            '2025-09-01T11:00:00Z');",
    ),
    (
        8,
        "INSERT INTO activities(id, kind, on_date, place, new_identified, note, by_user, created_at)
           VALUES (1, 'spot_visit', '2025-04-10', 'Hazarganji bus stand', 3, '', 2, '2025-04-10T15:00:00Z'),
                  (2, 'parents_meeting', '2025-05-02', 'CPC hall', 0, 'school enrolment', 1,
                   '2025-05-02T15:00:00Z');
         INSERT INTO activity_counts(activity_id, sex, band, n) VALUES
           (1, 'male', 'under12', 2), (1, 'male', '12-17', 1), (2, 'female', '18+', 7),
           (2, 'male', '18+', 4);
         INSERT INTO activity_staff(activity_id, user_id) VALUES (1, 2), (2, 1), (2, 2);
         INSERT INTO activity_persons(activity_id, person_id) VALUES (1, 1), (2, 3);",
    ),
];

/// Sealed notes as an older office holds them (before notes were signed).
const NOTES_UNSIGNED: &str =
    "INSERT INTO counselling_notes(id, session_id, version, sealed, written_by, written_at) VALUES
       (1, 1, 1, X'6167652d656e6372797074696f6e2e6f72672f7631', 3, '2025-01-22T10:00:00Z'),
       (2, 1, 2, X'6167652d656e6372797074696f6e2e6f72672f7632', 3, '2025-01-23T10:00:00Z'),
       (3, 3, 1, X'6167652d656e6372797074696f6e2e6f72672f7633', 3, '2025-03-05T11:00:00Z');";

/// The same with each version's MAC and each session's head.
const NOTES_SIGNED: &str =
    "INSERT INTO counselling_notes(id, session_id, version, sealed, written_by, written_at, mac) VALUES
       (1, 1, 1, X'6167652d656e6372797074696f6e2e6f72672f7631', 3, '2025-01-22T10:00:00Z', 'mac-1'),
       (2, 1, 2, X'6167652d656e6372797074696f6e2e6f72672f7632', 3, '2025-01-23T10:00:00Z', 'mac-2'),
       (3, 3, 1, X'6167652d656e6372797074696f6e2e6f72672f7633', 3, '2025-03-05T11:00:00Z', 'mac-3');
     UPDATE counselling_sessions SET note_head = 'mac-2' WHERE id = 1;
     UPDATE counselling_sessions SET note_head = 'mac-3' WHERE id = 3;";
