//! Migration 9: the vocabularies in one place. Released; never edit
//! (`tests/upgrade.rs` holds this file's SHA-256).
//!
//! Every `CHECK (x IN (…))` list of codes becomes a reference to a lookup
//! table of one column (`store::vocab` fills them from the domain's
//! enums), so a new code is a line in its enum plus a migration that
//! touches no data, never a table rebuild again. This migration is that
//! rebuild, once, for the nine tables that had such lists, keeping every
//! row, index and trigger (`store::rebuild`).
//!
//! It also puts back what an office upgraded by an earlier text of
//! migrations 2 and 8 lacks (they were edited after release): the monthly
//! attendance tally with its triggers, and the register's and reports'
//! indexes as they are now. An office that has them is not changed by it.

use rusqlite::{OptionalExtension, Transaction};

use crate::Result;
use crate::store::rebuild;

pub(in crate::store) fn run(tx: &Transaction<'_>) -> Result<()> {
    tx.execute_batch(LOOKUP_TABLES)?;
    // Filled now (the upgrade fills them again at its end), so the rows
    // copied below find their codes.
    crate::store::vocab::fill(tx)?;
    for (table, sql) in REBUILT {
        rebuild::table(tx, table, sql)?;
    }
    let has_tally = tx
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'attendance_months'",
            [],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !has_tally {
        tx.execute_batch(ATTENDANCE_MONTHS)?;
    }
    tx.execute_batch(INDEXES)?;
    Ok(())
}

const LOOKUP_TABLES: &str = r#"
CREATE TABLE code_role (code TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE TABLE code_programme (code TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE TABLE code_sex (code TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE TABLE code_risk (code TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE TABLE code_centre (code TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE TABLE code_case_status (code TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE TABLE code_counselling_kind (code TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE TABLE code_class_kind (code TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE TABLE code_mark (code TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE TABLE code_placement_kind (code TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE TABLE code_visit_outcome (code TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE TABLE code_activity_kind (code TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
CREATE TABLE code_age_band (code TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
"#;

/// Each table whose codes were a `CHECK` list, as it is from now on: the
/// same columns in the same order, the lists replaced by references.
const REBUILT: &[(&str, &str)] = &[
    (
        "users",
        r#"
CREATE TABLE users_new (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL REFERENCES code_role(code),
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    -- The user's age X25519 recipient. The key file holds the same; the
    -- copy here (inside the encrypted file) is what rekey trusts.
    public_key  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    disabled_at TEXT
) STRICT;
"#,
    ),
    (
        "persons",
        r#"
CREATE TABLE persons_new (
    id                INTEGER PRIMARY KEY,
    case_number       TEXT NOT NULL UNIQUE,
    programme         TEXT NOT NULL REFERENCES code_programme(code),
    name              TEXT NOT NULL,
    father_name       TEXT NOT NULL DEFAULT '',
    alias             TEXT NOT NULL DEFAULT '',
    sex               TEXT NOT NULL REFERENCES code_sex(code),
    birth_date        TEXT,
    age_estimated     INTEGER NOT NULL DEFAULT 0,
    cnic              TEXT NOT NULL DEFAULT '',
    phone             TEXT NOT NULL DEFAULT '',
    area              TEXT NOT NULL DEFAULT '',
    address           TEXT NOT NULL DEFAULT '',
    guardian_name     TEXT NOT NULL DEFAULT '',
    guardian_relation TEXT NOT NULL DEFAULT '',
    school_status     TEXT NOT NULL DEFAULT '',
    work_status       TEXT NOT NULL DEFAULT '',
    referral_source   TEXT NOT NULL,
    referral_detail   TEXT NOT NULL DEFAULT '',
    consent_by        TEXT NOT NULL DEFAULT '',
    consent_date      TEXT,
    consent_services  INTEGER NOT NULL DEFAULT 0,
    consent_sharing   INTEGER NOT NULL DEFAULT 0,
    risk              TEXT NOT NULL REFERENCES code_risk(code),
    risk_reason       TEXT NOT NULL DEFAULT '',
    worker_id         INTEGER REFERENCES users(id),
    centre            TEXT NOT NULL DEFAULT 'cpc' REFERENCES code_centre(code),
    status            TEXT NOT NULL DEFAULT 'registered'
                      REFERENCES code_case_status(code),
    closure_reason    TEXT,
    registered_on     TEXT NOT NULL,
    -- Bumped on every save; a save naming an older version is refused, so
    -- two terminals never silently overwrite each other.
    version           INTEGER NOT NULL DEFAULT 1,
    -- Name keys for the duplicate warning (`domain::names::name_key`):
    -- spelling variants and Urdu-script names reduced to one form. Written
    -- by `store::persons` on every insert and profile save.
    name_key          TEXT NOT NULL DEFAULT '',
    father_key        TEXT NOT NULL DEFAULT '',
    created_by        INTEGER REFERENCES users(id),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
) STRICT;
"#,
    ),
    (
        "counselling_sessions",
        r#"
CREATE TABLE counselling_sessions_new (
    id              INTEGER PRIMARY KEY,
    -- The person whose file the session is on; for a group session, the
    -- others present are in counselling_participants.
    person_id       INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL REFERENCES code_counselling_kind(code),
    on_date         TEXT NOT NULL,
    minutes         INTEGER NOT NULL CHECK (minutes > 0),
    psychologist_id INTEGER REFERENCES users(id),
    created_at      TEXT NOT NULL,
    note_head       TEXT
) STRICT;
"#,
    ),
    (
        "classes",
        r#"
CREATE TABLE classes_new (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL REFERENCES code_class_kind(code),
    name       TEXT NOT NULL,
    trade      TEXT NOT NULL DEFAULT '',
    teacher_id INTEGER REFERENCES users(id),
    days       INTEGER NOT NULL CHECK (days BETWEEN 1 AND 127),
    starts_at  TEXT,
    ends_at    TEXT,
    starts_on  TEXT NOT NULL,
    ends_on    TEXT,
    room       TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
) STRICT;
"#,
    ),
    (
        "attendance",
        r#"
CREATE TABLE attendance_new (
    session_id INTEGER NOT NULL REFERENCES class_sessions(id),
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    mark       TEXT NOT NULL REFERENCES code_mark(code),
    version    INTEGER NOT NULL DEFAULT 1,
    marked_by  INTEGER REFERENCES users(id),
    marked_at  TEXT NOT NULL,
    PRIMARY KEY (session_id, person_id)
) STRICT, WITHOUT ROWID;
"#,
    ),
    (
        "placements",
        r#"
CREATE TABLE placements_new (
    id             INTEGER PRIMARY KEY,
    person_id      INTEGER NOT NULL REFERENCES persons(id),
    kind           TEXT NOT NULL REFERENCES code_placement_kind(code),
    starts_on      TEXT NOT NULL,
    trade          TEXT NOT NULL DEFAULT '',
    employer       TEXT NOT NULL DEFAULT '',
    contact_person TEXT NOT NULL DEFAULT '',
    contact_phone  TEXT NOT NULL DEFAULT '',
    wage           INTEGER,
    hours          TEXT NOT NULL DEFAULT '',
    business_kind  TEXT NOT NULL DEFAULT '',
    place          TEXT NOT NULL DEFAULT '',
    toolkit        INTEGER NOT NULL DEFAULT 0,
    grant_amount   INTEGER,
    training       TEXT NOT NULL DEFAULT '',
    skill_class_id INTEGER REFERENCES classes(id),
    ended_on       TEXT,
    end_reason     TEXT NOT NULL DEFAULT '',
    by_user        INTEGER REFERENCES users(id),
    created_at     TEXT NOT NULL
) STRICT;
"#,
    ),
    (
        "placement_visits",
        r#"
CREATE TABLE placement_visits_new (
    id           INTEGER PRIMARY KEY,
    placement_id INTEGER NOT NULL REFERENCES placements(id),
    due_on       TEXT NOT NULL,
    done_on      TEXT,
    by_user      INTEGER REFERENCES users(id),
    outcome      TEXT REFERENCES code_visit_outcome(code),
    problems     TEXT NOT NULL DEFAULT '',
    support      TEXT NOT NULL DEFAULT '',
    next_step    TEXT NOT NULL DEFAULT '',
    done_at      TEXT
) STRICT;
"#,
    ),
    (
        "activities",
        r#"
CREATE TABLE activities_new (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL REFERENCES code_activity_kind(code),
    on_date        TEXT NOT NULL,
    place          TEXT NOT NULL,
    -- Spot visits: children met there for the first time.
    new_identified INTEGER NOT NULL DEFAULT 0 CHECK (new_identified >= 0),
    note           TEXT NOT NULL DEFAULT '',
    by_user        INTEGER REFERENCES users(id),
    created_at     TEXT NOT NULL
) STRICT;
"#,
    ),
    (
        "activity_counts",
        r#"
CREATE TABLE activity_counts_new (
    activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    sex         TEXT NOT NULL REFERENCES code_sex(code),
    band        TEXT NOT NULL REFERENCES code_age_band(code),
    n           INTEGER NOT NULL CHECK (n > 0),
    PRIMARY KEY (activity_id, sex, band)
) STRICT, WITHOUT ROWID;
"#,
    ),
];

/// The monthly attendance tally and its triggers, as migration 8 makes
/// them now, for an office whose migration 8 was the earlier text.
const ATTENDANCE_MONTHS: &str = r#"
-- Each person's marks per class and month, kept by triggers on
-- attendance: a year's report on a large office reads a hundred thousand
-- of these instead of a million marks (whole months of a period come
-- from here, the days at its ends from the marks themselves).
CREATE TABLE attendance_months (
    month     TEXT NOT NULL,       -- YYYY-MM of the session
    class_id  INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    attended  INTEGER NOT NULL,    -- present or late
    counted   INTEGER NOT NULL,    -- present, late or absent (not excused)
    marks     INTEGER NOT NULL,    -- every mark
    PRIMARY KEY (month, class_id, person_id)
) STRICT, WITHOUT ROWID;
INSERT INTO attendance_months(month, class_id, person_id, attended, counted, marks)
SELECT substr(s.on_date, 1, 7), s.class_id, a.person_id,
       sum(a.mark IN ('P', 'L')), sum(a.mark <> 'E'), count(*)
FROM attendance a JOIN class_sessions s ON s.id = a.session_id
GROUP BY 1, 2, 3;
CREATE TRIGGER attendance_months_ai AFTER INSERT ON attendance BEGIN
    INSERT INTO attendance_months(month, class_id, person_id, attended, counted, marks)
    SELECT substr(s.on_date, 1, 7), s.class_id, new.person_id,
           new.mark IN ('P', 'L'), new.mark <> 'E', 1
    FROM class_sessions s WHERE s.id = new.session_id
    ON CONFLICT(month, class_id, person_id) DO UPDATE SET
        attended = attended + excluded.attended,
        counted = counted + excluded.counted,
        marks = marks + 1;
END;
CREATE TRIGGER attendance_months_au AFTER UPDATE OF mark, session_id, person_id ON attendance BEGIN
    UPDATE attendance_months SET
        attended = attended - (old.mark IN ('P', 'L')),
        counted = counted - (old.mark <> 'E'),
        marks = marks - 1
    WHERE (month, class_id, person_id) =
          (SELECT substr(on_date, 1, 7), class_id, old.person_id
           FROM class_sessions WHERE id = old.session_id);
    INSERT INTO attendance_months(month, class_id, person_id, attended, counted, marks)
    SELECT substr(s.on_date, 1, 7), s.class_id, new.person_id,
           new.mark IN ('P', 'L'), new.mark <> 'E', 1
    FROM class_sessions s WHERE s.id = new.session_id
    ON CONFLICT(month, class_id, person_id) DO UPDATE SET
        attended = attended + excluded.attended,
        counted = counted + excluded.counted,
        marks = marks + 1;
END;
CREATE TRIGGER attendance_months_ad AFTER DELETE ON attendance BEGIN
    UPDATE attendance_months SET
        attended = attended - (old.mark IN ('P', 'L')),
        counted = counted - (old.mark <> 'E'),
        marks = marks - 1
    WHERE (month, class_id, person_id) =
          (SELECT substr(on_date, 1, 7), class_id, old.person_id
           FROM class_sessions WHERE id = old.session_id);
END;
"#;

/// The indexes as migrations 2 and 8 make them now. `IF NOT EXISTS` leaves
/// an office that has them as it is; the two whose columns changed are
/// made again.
const INDEXES: &str = r#"
DROP INDEX IF EXISTS persons_programme_status;
CREATE INDEX persons_programme_status ON persons(programme, status, risk, centre);
DROP INDEX IF EXISTS activities_date;
CREATE INDEX activities_date ON activities(on_date, kind, new_identified);
CREATE INDEX IF NOT EXISTS persons_report_demographics ON persons(sex, birth_date);
CREATE INDEX IF NOT EXISTS persons_report_intake ON persons(registered_on, programme, referral_source);
CREATE INDEX IF NOT EXISTS status_changes_report ON status_changes(person_id, on_date, id, to_status, reason);
CREATE INDEX IF NOT EXISTS services_report ON services(on_date, kind, person_id);
CREATE INDEX IF NOT EXISTS follow_ups_report ON follow_ups(done_on, person_id) WHERE done_on IS NOT NULL;
CREATE INDEX IF NOT EXISTS literacy_tests_month ON literacy_tests(month);
CREATE INDEX IF NOT EXISTS attendance_report ON attendance(session_id, mark);
"#;
