//! Upgrades that can never lose a record (issue 20), on real SQLCipher
//! files: released migrations are frozen; a populated office at every
//! released version upgrades keeping every row and its audit chain; a
//! failed upgrade leaves the file byte for byte as it was; a copy from
//! before is kept beside it; a table rebuild (the hazard foreign keys
//! would turn into mass deletion) keeps every row; the codes the file
//! accepts are the enums' codes.

mod common;
mod upgrade_support;

use casedesk::store::schema::{LATEST, MIGRATIONS, Migration};
use casedesk::store::upgrade::{self, KeepCopy};
use casedesk::store::{self, audit, vocab};
use rusqlite::Connection;
use rusqlite::types::Value;
use sha2::{Digest, Sha256};
use upgrade_support::{Dump, Fixture, assert_kept, dump, office_at};

/// The SHA-256 of every released migration's text. A released migration
/// is never edited: an office that ran the old text and one that ran the
/// new one would have different schemas under the same version.
const FROZEN: &[&str] = &[
    "f2b93f457473ceb7f9e9fbfa3dc8a083420e80b62de048db154096a57b0fa5ea",
    "baee3ec24794bc2a327b45190cf902c8302b5dd0265fee5de5c981ec94ac3bf3",
    "6c712b1eacb91d62660d237e592eca0f89667c789b396cb3cbafac6cb61f8735",
    "39afe0d5aaca3597132c06e48b498d499f5281cb4fb7727578022040c49ddf78",
    "dec76c7e367e5878753bf732f41aca007d6faff2f6a0e3684cf36ddba3be7b77",
    "7f0fc6ad3de94f529737be5535db24885d107740041c1a199b416b24817af7be",
    "4e639ba2e17f955dc35482ac415ef325b1a691ffbf934a5aec9fe37ff941ed90",
    "b7dd338168c51ac74033a85a6b4753490aae19d1cea0ed32aac532e741255c1a",
    "940722e520f93db2d830e97f9fede4b2b6c94007c4c875de6cece487c91e8552",
    "b43d2840ff73b27b1304bc5ea9e3449fcff15b07f2e85189a02dd36c5e656d18",
];

/// The codes of every vocabulary as the office files of each schema
/// version hold them: (the version that brought this set, the SHA-256 of
/// the sets). Lookup tables are filled by an upgrade, so a file already at
/// the latest version never learns a code added without a migration, and
/// its first use would be refused. A new code therefore comes with a new
/// migration (one that touches no data is enough), and a new line here.
const VOCABULARIES: &[(u32, &str)] = &[(
    9,
    "c6ba69fa5c40aad054486add6b7292b9efb5a9dff04c425196663787537477c0",
)];

fn sha256(text: &str) -> String {
    // A checkout with Windows line ends is the same text.
    hex::encode(Sha256::digest(text.replace("\r\n", "\n").as_bytes()))
}

#[test]
fn released_migrations_are_never_edited() {
    for (i, m) in MIGRATIONS.iter().enumerate() {
        let n = i + 1;
        let hash = sha256(m.text());
        let frozen = FROZEN.get(i).unwrap_or_else(|| {
            panic!("migration {n} has no frozen hash: add \"{hash}\" to FROZEN")
        });
        assert_eq!(
            &hash, frozen,
            "migration {n} was edited after its release; put the change in a new migration"
        );
    }
    assert_eq!(FROZEN.len(), MIGRATIONS.len(), "a migration was removed");
}

// ------------------------------------------------------------- fixtures

fn verdict(c: &Connection) -> audit::Verdict {
    audit::verify(c).expect("verify")
}

#[test]
fn a_populated_office_at_every_released_version_upgrades_keeping_every_row() {
    for version in 1..LATEST {
        let f = office_at(version);
        let before = {
            let c = f.raw();
            dump(&c)
        };
        for (table, rows) in &before {
            assert!(
                !rows.is_empty(),
                "the fixture at version {version} has no rows in {table}"
            );
        }
        let entries = before["audit"].len() as i64;

        let c = f.open().expect("upgrade");
        assert_eq!(store::user_version(&c).expect("version"), LATEST);
        let after = dump(&c);
        assert_kept(&before, &after, &format!("from version {version}"));
        assert_eq!(verdict(&c), audit::Verdict::Intact { entries });
        let fk: i64 = c
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .expect("fk check");
        assert_eq!(fk, 0);
        let on: i64 = c
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .expect("fk");
        assert_eq!(on, 1, "foreign keys are back on after the upgrade");
        // The register's search still finds people (its index follows the
        // rows by id).
        if version >= 2 {
            let found: i64 = c
                .query_row(
                    "SELECT count(*) FROM person_search WHERE person_search MATCH 'Khan'",
                    [],
                    |r| r.get(0),
                )
                .expect("search");
            assert_eq!(found, 1, "from version {version}");
        }
        drop(c);

        // The copy from before: encrypted with the same key, the old
        // version, the same rows.
        let copies = upgrade::kept_copies(&f.db);
        assert_eq!(copies, [(version, upgrade::copy_path(&f.db, version))]);
        let old = upgrade_support::raw(&copies[0].1, &f.key);
        assert_eq!(store::user_version(&old).expect("version"), version);
        assert_eq!(dump(&old), before, "the copy from version {version}");
        let plain = std::fs::read(&copies[0].1).expect("copy");
        assert!(
            !common::contains_bytes(&plain, b"Ahmed Khan") && !plain.starts_with(b"SQLite format"),
            "the copy is encrypted"
        );
    }
}

// ------------------------------------------------------------- failures

/// Every migration, then one that fails after changing things.
fn failing_list(last: Migration) -> Vec<Migration> {
    let mut list = MIGRATIONS.to_vec();
    list.push(Migration::Sql(
        "CREATE TABLE half_way (x INTEGER); INSERT INTO half_way VALUES (1);
         UPDATE persons SET name = 'changed';",
    ));
    list.push(last);
    list
}

fn upgrade_with(f: &Fixture, list: &[Migration]) -> casedesk::Result<()> {
    let mut c = f.raw();
    let keep = KeepCopy {
        db: &f.db,
        key: &f.key,
    };
    let target = list.len() as u32;
    upgrade::run(&mut c, list, target, Some(keep)).map(|_| ())
}

fn assert_untouched(f: &Fixture, version: u32, bytes: &[u8], before: &Dump) {
    assert!(
        f.bytes() == bytes,
        "the office file is byte for byte as it was"
    );
    assert!(
        !f.files()
            .iter()
            .any(|n| n.ends_with("-wal") && n.starts_with("office"))
    );
    // It opens as the code it was written by opens it: same version, same rows.
    let c = f.raw();
    assert_eq!(store::user_version(&c).expect("version"), version);
    assert_eq!(&dump(&c), before);
    let on: i64 = c
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .expect("fk");
    assert_eq!(on, 1);
}

#[test]
fn an_upgrade_that_fails_half_way_leaves_the_file_as_it_was() {
    let f = office_at(5);
    let before = dump(&f.raw());
    let bytes = f.bytes();

    let err = upgrade_with(
        &f,
        &failing_list(Migration::Sql("INSERT INTO nowhere VALUES (1);")),
    )
    .expect_err("the last step fails");
    let msg = err.to_string();
    assert!(msg.contains("from schema 5 to"), "{msg}");
    assert!(msg.contains("nothing was changed"), "{msg}");
    assert!(msg.contains("no such table: nowhere"), "{msg}");
    assert!(msg.contains("office.casedesk.before-v5"), "{msg}");
    assert_untouched(&f, 5, &bytes, &before);

    // And this casedesk still upgrades it afterwards.
    let c = f.open().expect("open");
    assert_eq!(store::user_version(&c).expect("version"), LATEST);
    assert_kept(&before, &dump(&c), "after a failed try");
}

#[test]
fn a_reference_left_pointing_nowhere_stops_the_upgrade() {
    let f = office_at(7);
    let before = dump(&f.raw());
    let bytes = f.bytes();
    // With foreign keys off nothing stops this statement; the check
    // before commit does.
    let err = upgrade_with(&f, &failing_list(Migration::Sql("DELETE FROM classes;")))
        .expect_err("the check refuses");
    let msg = err.to_string();
    assert!(msg.contains("nothing was changed"), "{msg}");
    assert!(msg.contains("would point to no row"), "{msg}");
    assert_untouched(&f, 7, &bytes, &before);
}

#[test]
fn a_file_from_a_newer_casedesk_is_refused_unchanged() {
    let f = office_at(LATEST);
    f.raw()
        .pragma_update(None, "user_version", LATEST + 1)
        .expect("newer");
    let bytes = f.bytes();
    let files = f.files();
    let err = f.open().expect_err("refused");
    assert!(matches!(err, casedesk::Error::TooNew(_)), "{err}");
    assert!(err.to_string().contains("newer casedesk"), "{err}");
    assert!(f.bytes() == bytes, "unchanged");
    assert_eq!(f.files(), files, "no copy, nothing beside it");
}

#[test]
fn the_copy_from_before_stays_until_the_next_successful_upgrade() {
    let f = office_at(7);
    drop(f.open().expect("upgrade"));
    assert_eq!(
        upgrade::kept_copies(&f.db),
        [(7, upgrade::copy_path(&f.db, 7))]
    );
    // A next version that fails keeps the old copy (and makes its own).
    let mut next = MIGRATIONS.to_vec();
    next.push(Migration::Sql("SELECT no_such_function();"));
    upgrade_with(&f, &next).expect_err("fails");
    assert_eq!(upgrade::kept_copies(&f.db).len(), 2);
    // A next version that succeeds keeps only its own.
    next.pop();
    next.push(Migration::Sql(
        "-- a later migration that changes nothing\n",
    ));
    upgrade_with(&f, &next).expect("upgrade");
    assert_eq!(
        upgrade::kept_copies(&f.db),
        [(LATEST, upgrade::copy_path(&f.db, LATEST))]
    );
    assert!(!f.files().iter().any(|n| n.ends_with(".partial")));
}

// ------------------------------------------------------ the rebuild hazard

/// What a careless migration does to change a `CHECK` list on `persons`:
/// the table rebuild SQLite's documentation describes, by hand.
fn rebuild_persons_by_hand(c: &Connection) -> &'static str {
    let sql: String = c
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'persons'",
            [],
            |r| r.get(0),
        )
        .expect("persons");
    let body = &sql[sql.find('(').expect("columns")..];
    let body = body.replacen(
        "referral_source   TEXT NOT NULL,",
        "referral_source   TEXT NOT NULL CHECK (referral_source IN ('outreach_spot',
             'police_station', 'medico_legal_unit', 'community_group', 'parents_committee',
             'self', 'other')),",
        1,
    );
    assert!(body.contains("CHECK (referral_source IN"), "the new list");
    let mut indexes_and_triggers: Vec<String> = c
        .prepare("SELECT sql FROM sqlite_master WHERE tbl_name = 'persons' AND sql IS NOT NULL AND type <> 'table'")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    indexes_and_triggers.iter_mut().for_each(|s| s.push(';'));
    let text = format!(
        "CREATE TABLE persons_new {body};
         INSERT INTO persons_new SELECT * FROM persons;
         DROP TABLE persons;
         ALTER TABLE persons_new RENAME TO persons;
         {}",
        indexes_and_triggers.join("\n")
    );
    Box::leak(text.into_boxed_str())
}

fn count(c: &Connection, table: &str) -> i64 {
    c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

const CASCADING: &[&str] = &[
    "person_concerns",
    "person_history",
    "status_changes",
    "services",
    "follow_ups",
    "goals",
    "counselling_sessions",
    "counselling_participants",
    "counselling_notes",
];

#[test]
fn rebuilding_persons_with_foreign_keys_on_would_delete_their_records() {
    // The hazard, shown the way the upgrade used to run: one transaction
    // with foreign keys on (turning them off inside it does nothing).
    let f = office_at(5);
    drop(f.open().expect("upgrade"));
    let mut c = f.raw();
    let sql = rebuild_persons_by_hand(&c);
    for t in CASCADING {
        assert!(count(&c, t) > 0, "{t} has rows to lose");
    }
    let tx = c.transaction().expect("tx");
    tx.execute_batch("PRAGMA foreign_keys = OFF;")
        .expect("no effect");
    tx.execute_batch(sql).expect("the rebuild");
    for t in CASCADING {
        assert_eq!(count(&tx, t), 0, "{t}: deleted by the cascade");
    }
}

#[test]
fn rebuilding_persons_keeps_every_service_note_and_mark() {
    let f = office_at(8);
    drop(f.open().expect("upgrade"));
    let before = dump(&f.raw());
    let mut list = MIGRATIONS.to_vec();
    list.push(Migration::Sql(rebuild_persons_by_hand(&f.raw())));
    upgrade_with(&f, &list).expect("the rebuild");
    let c = f.raw();
    assert_eq!(store::user_version(&c).expect("version"), LATEST + 1);
    assert_eq!(dump(&c), before, "every row of every table");
    for t in CASCADING
        .iter()
        .chain(&["attendance", "enrolments", "activity_persons"])
    {
        assert!(count(&c, t) > 0, "{t} kept");
    }
    let err = c
        .execute(
            "UPDATE persons SET referral_source = 'nowhere' WHERE id = 1",
            [],
        )
        .expect_err("the new list holds");
    assert!(err.to_string().contains("CHECK"), "{err}");
}

// ----------------------------------------------------------- vocabularies

#[test]
fn the_file_accepts_exactly_the_codes_of_the_enums() {
    for f in [office_at(LATEST), office_at(8)] {
        let c = f.open().expect("open");
        for (table, codes) in vocab::vocabularies() {
            let mut want: Vec<String> = codes.iter().map(|s| s.to_string()).collect();
            want.sort();
            assert_eq!(vocab::stored(&c, table).expect("codes"), want, "{table}");
            // And some coded column refers to it.
            let users: i64 = c
                .query_row(
                    "SELECT count(*) FROM sqlite_master m, pragma_foreign_key_list(m.name) k
                     WHERE m.type = 'table' AND k.\"table\" = ?1",
                    [table],
                    |r| r.get(0),
                )
                .expect("references");
            assert!(users > 0, "nothing refers to {table}");
        }
        // No `CHECK` list of codes is left in the schema: each vocabulary
        // is in one place.
        let schema: Vec<(String, String)> = c
            .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL")
            .expect("prepare")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("rows");
        for (name, sql) in &schema {
            for (at, _) in sql.match_indices("CHECK (") {
                let check: String = sql[at..].chars().take(60).collect();
                let check = check.split(')').next().unwrap_or_default();
                assert!(
                    !check.contains("IN ('"),
                    "a list of codes in {name}: {check}"
                );
            }
        }
        for (sql, what) in [
            ("UPDATE persons SET sex = 'unknown' WHERE id = 1", "a sex"),
            (
                "UPDATE activities SET kind = 'picnic' WHERE id = 1",
                "an activity kind",
            ),
            (
                "UPDATE attendance SET mark = 'X' WHERE person_id = 1",
                "a mark",
            ),
            ("UPDATE users SET role = 'owner' WHERE id = 1", "a role"),
        ] {
            let err = c.execute(sql, []).expect_err(what);
            assert!(err.to_string().contains("FOREIGN KEY"), "{what}: {err}");
        }
    }
}

#[test]
fn a_changed_vocabulary_comes_with_a_migration() {
    let text: String = vocab::vocabularies()
        .iter()
        .map(|(table, codes)| format!("{table}: {}\n", codes.join(",")))
        .collect();
    let hash = sha256(&text);
    let &(version, frozen) = VOCABULARIES.last().expect("a vocabulary");
    assert!(
        VOCABULARIES.windows(2).all(|w| w[0].0 < w[1].0),
        "each new set of codes comes with a migration of its own"
    );
    assert!(version <= LATEST, "no migration {version} yet");
    assert_eq!(
        hash,
        frozen,
        "the vocabularies changed since migration {version}: add a migration (one that \
         touches no data is enough) and the line ({}, \"{hash}\") to VOCABULARIES",
        LATEST + 1
    );
}

#[test]
fn a_new_code_needs_only_a_migration_that_touches_no_data() {
    // An office from before a code was added to its enum lacks that row;
    // the next migration (one that changes nothing) brings it.
    let f = office_at(LATEST);
    f.raw()
        .execute_batch("DELETE FROM code_activity_kind WHERE code = 'sports_event'")
        .expect("an office from before 'sports_event'");
    let before = dump(&f.raw());
    let mut list = MIGRATIONS.to_vec();
    list.push(Migration::Sql("-- adds activity kind sports_event\n"));
    upgrade_with(&f, &list).expect("upgrade");
    let c = f.raw();
    let mut after = dump(&c);
    let added = after.get_mut("code_activity_kind").expect("table");
    added.retain(|r| r[0] != Value::Text("sports_event".into()));
    assert_eq!(after, before, "no other row touched");
    c.execute(
        "UPDATE activities SET kind = 'sports_event' WHERE id = 1",
        [],
    )
    .expect("the new code is accepted");
}

// ------------------------------------------------------------------ check

#[test]
fn check_lists_the_copy_kept_from_before_the_upgrade() {
    let o = common::Office::new();
    let out = o.run(&["check", "--user", "boss"], "boss-pw river lantern\n");
    assert_eq!(common::stdout(&out).trim(), "ok");
    assert!(!common::stderr(&out).contains("before-v"));
    // The copy an upgrade from version 8 would have left (the office file
    // itself, closed, stands in for it).
    std::fs::copy(&o.paths.db, upgrade::copy_path(&o.paths.db, 8)).expect("copy");
    let out = o.run(&["check", "--user", "boss"], "boss-pw river lantern\n");
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(common::stdout(&out).trim(), "ok");
    let err = common::stderr(&out);
    assert!(err.contains("office.casedesk.before-v8"), "{err}");
    assert!(err.contains("schema 8"), "{err}");
}

/// The schema's objects as (type, name, table, SQL), by name.
fn schema(c: &Connection) -> Vec<(String, String, String, Option<String>)> {
    c.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

#[test]
fn an_office_upgraded_by_the_earlier_text_of_migration_8_ends_with_the_same_schema() {
    // Migration 8 was edited after release (it gained the monthly
    // attendance tally and the reports' indexes; one index changed). An
    // office that ran the earlier text is put right by migration 9.
    let now = office_at(8);
    let then = office_at(8);
    then.raw()
        .execute_batch(
            "DROP TRIGGER attendance_months_ai; DROP TRIGGER attendance_months_au;
             DROP TRIGGER attendance_months_ad; DROP TABLE attendance_months;
             DROP INDEX persons_report_demographics; DROP INDEX persons_report_intake;
             DROP INDEX status_changes_report; DROP INDEX services_report;
             DROP INDEX follow_ups_report; DROP INDEX literacy_tests_month;
             DROP INDEX attendance_report;
             DROP INDEX activities_date; CREATE INDEX activities_date ON activities(on_date, kind);
             DROP INDEX persons_programme_status;
             CREATE INDEX persons_programme_status ON persons(programme, status);",
        )
        .expect("the earlier text's schema");
    let before = dump(&then.raw());
    assert!(!before.contains_key("attendance_months"));
    let (now, then) = (now.open().expect("upgrade"), then.open().expect("upgrade"));
    assert_eq!(schema(&then), schema(&now));
    assert_eq!(dump(&then), dump(&now), "the tally filled from the marks");
    assert_eq!(verdict(&then), verdict(&now));
    assert!(!dump(&then)["attendance_months"].is_empty());
    // The tally's triggers work on the office put right.
    then.execute(
        "UPDATE attendance SET mark = 'A' WHERE session_id = 1 AND person_id = 1",
        [],
    )
    .expect("a corrected mark");
    let attended: i64 = then
        .query_row(
            "SELECT attended FROM attendance_months WHERE month = '2025-03' AND class_id = 1 AND person_id = 1",
            [],
            |r| r.get(0),
        )
        .expect("tally");
    assert_eq!(
        attended, 1,
        "P on the 3rd became A; L on the 4th still counts"
    );
}

#[test]
fn a_login_that_upgrades_the_office_says_so_and_records_it() {
    let o = common::Office::new();
    let key = {
        let raw = o.raw("boss", "boss-pw river lantern");
        casedesk::vault::MasterKey::from_hex(&raw.master_key().hex()).expect("key")
    };
    // The same office at schema 8: a file made by migrations 1 to 8 with
    // the same key, every row copied in.
    let old = o.dir.path().join("old.casedesk");
    {
        let mut c = store::open_keyed(
            &old,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_CREATE,
            &key,
        )
        .expect("create");
        let raw_key = format!("x'{}'", key.hex().as_str());
        upgrade_support::copy_at::copy_at(&mut c, 8, &o.paths.db, &raw_key);
    }
    std::fs::rename(&old, &o.paths.db).expect("the office at schema 8");

    let out = o.run(&["check", "--user", "boss"], "boss-pw river lantern\n");
    let err = common::stderr(&out);
    assert!(out.status.success(), "{err}");
    assert_eq!(common::stdout(&out).trim(), "ok");
    assert!(
        err.contains(&format!(
            "The office file was upgraded from schema 8 to {LATEST}; the file as it was is kept beside it as office.casedesk.before-v8"
        )),
        "{err}"
    );
    assert!(
        err.contains("kept from before the last upgrade: office.casedesk.before-v8"),
        "{err}"
    );
    // Once: the next login has nothing to upgrade.
    let out = o.run(&["check", "--user", "boss"], "boss-pw river lantern\n");
    assert!(!common::stderr(&out).contains("was upgraded"));

    let raw = o.raw("boss", "boss-pw river lantern");
    let entries: Vec<String> = raw
        .conn()
        .prepare("SELECT detail FROM audit WHERE action = 'office.upgrade'")
        .expect("prepare")
        .query_map([], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    assert_eq!(
        entries,
        [format!(
            "schema 8 to {LATEST}; copy from before: office.casedesk.before-v8"
        )]
    );
    assert!(matches!(verdict(raw.conn()), audit::Verdict::Intact { .. }));
}
