//! The office file's schema, as an ordered list of migrations.
//!
//! `PRAGMA user_version` holds how many migrations a file has had. Opening a
//! file runs the missing ones inside one transaction, so a power cut leaves
//! the file at the old version, never half-way. A file with a higher version
//! than this code knows is refused: an older casedesk must not write to it.
//!
//! Dates are `YYYY-MM-DD` text, instants RFC 3339 UTC text.

/// Migration `i` takes a file from version `i` to `i + 1`.
pub const MIGRATIONS: &[&str] = &[
    V1_ACCOUNTS,
    V2_REGISTERS,
    V3_CASEWORK,
    V4_COUNSELLING,
    V5_NOTE_MACS,
    V6_CLASSES,
    V7_PLACEMENTS,
    V8_ACTIVITIES_REPORTS,
    V9_VISIT_STATES,
];

pub const LATEST: u32 = MIGRATIONS.len() as u32;

/// Office identity, accounts and the audit trail.
const V1_ACCOUNTS: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    role        TEXT NOT NULL CHECK (role IN ('manager', 'staff', 'psychologist')),
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    -- The user's age X25519 recipient. The key file holds the same; the
    -- copy here (inside the encrypted file) is what rekey trusts.
    public_key  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    disabled_at TEXT
) STRICT;

-- Append-only and hash-chained: each row's hash covers the previous hash
-- and the row's own fields. Rows carry record ids, never personal data.
CREATE TABLE audit (
    seq       INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    user_name TEXT NOT NULL,
    action    TEXT NOT NULL,
    target    TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
) STRICT;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
"#;

/// The two registers (CPC children, women's desk) and each person's profile.
const V2_REGISTERS: &str = r#"
-- Case numbers are issued per programme and year and never reused: the
-- counter only grows, even when a person is deleted.
CREATE TABLE case_counters (
    programme TEXT NOT NULL,
    year      INTEGER NOT NULL,
    last      INTEGER NOT NULL,
    PRIMARY KEY (programme, year)
) STRICT;

CREATE TABLE persons (
    id                INTEGER PRIMARY KEY,
    case_number       TEXT NOT NULL UNIQUE,
    programme         TEXT NOT NULL CHECK (programme IN ('cpc', 'wd')),
    name              TEXT NOT NULL,
    father_name       TEXT NOT NULL DEFAULT '',
    alias             TEXT NOT NULL DEFAULT '',
    sex               TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other')),
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
    risk              TEXT NOT NULL CHECK (risk IN ('high', 'medium', 'low')),
    risk_reason       TEXT NOT NULL DEFAULT '',
    worker_id         INTEGER REFERENCES users(id),
    centre            TEXT NOT NULL DEFAULT 'cpc' CHECK (centre IN ('cpc', 'cfs', 'desk')),
    status            TEXT NOT NULL DEFAULT 'registered'
                      CHECK (status IN ('registered', 'active', 'closed', 'reopened')),
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
-- Register filters count from this index without reading rows.
CREATE INDEX persons_programme_status ON persons(programme, status, risk, centre);
CREATE INDEX persons_registered ON persons(registered_on);
CREATE INDEX persons_worker ON persons(worker_id);
CREATE INDEX persons_name_key ON persons(name_key);
CREATE INDEX persons_father_key ON persons(father_key);
-- Register search: one- and two-letter searches are name prefixes (the
-- trigram index needs three), and sorting by name pages without a sort.
CREATE INDEX persons_name_lower ON persons(lower(name));
CREATE INDEX persons_father_lower ON persons(lower(father_name));
CREATE INDEX persons_birth ON persons(birth_date);
-- The register in case-number order (ids follow intake order).
CREATE INDEX persons_case_order ON persons(programme, id);
-- Sorting by the short columns: a page of many matches walks the index
-- instead of reading and sorting every match. The expressions are the
-- ORDER BY of `store::search::SortColumn` exactly.
CREATE INDEX persons_status_order ON persons(
    (CASE status WHEN 'registered' THEN 0 WHEN 'active' THEN 1 WHEN 'reopened' THEN 2 ELSE 3 END));
CREATE INDEX persons_risk_order ON persons(
    (CASE risk WHEN 'high' THEN 0 WHEN 'medium' THEN 1 ELSE 2 END));
CREATE INDEX persons_sex ON persons(sex);
CREATE INDEX persons_area ON persons(area);

CREATE TABLE person_concerns (
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    concern   TEXT NOT NULL,
    PRIMARY KEY (person_id, concern)
) STRICT, WITHOUT ROWID;
CREATE INDEX person_concerns_concern ON person_concerns(concern);

-- Every change to a profile: which field, old and new value, who, when.
CREATE TABLE person_history (
    id        INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    at        TEXT NOT NULL,
    user_id   INTEGER REFERENCES users(id),
    field     TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    -- The version this save produced: a refused save names the fields
    -- changed since the version it started from.
    version   INTEGER NOT NULL
) STRICT;
CREATE INDEX person_history_person ON person_history(person_id, version);

CREATE TABLE status_changes (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    on_date     TEXT NOT NULL,
    at          TEXT NOT NULL,
    user_id     INTEGER REFERENCES users(id),
    from_status TEXT,
    to_status   TEXT NOT NULL,
    -- the closure reason code, when closing
    reason      TEXT
) STRICT;
CREATE INDEX status_changes_person ON status_changes(person_id);

-- Substring search in any script: the trigram tokenizer matches partial,
-- case-insensitive text without a scan per keystroke.
CREATE VIRTUAL TABLE person_search USING fts5(
    case_number, name, father_name, alias, area,
    content = 'persons', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER persons_search_ai AFTER INSERT ON persons BEGIN
    INSERT INTO person_search(rowid, case_number, name, father_name, alias, area)
    VALUES (new.id, new.case_number, new.name, new.father_name, new.alias, new.area);
END;
CREATE TRIGGER persons_search_ad AFTER DELETE ON persons BEGIN
    INSERT INTO person_search(person_search, rowid, case_number, name, father_name, alias, area)
    VALUES ('delete', old.id, old.case_number, old.name, old.father_name, old.alias, old.area);
END;
CREATE TRIGGER persons_search_au AFTER UPDATE OF case_number, name, father_name, alias, area ON persons BEGIN
    INSERT INTO person_search(person_search, rowid, case_number, name, father_name, alias, area)
    VALUES ('delete', old.id, old.case_number, old.name, old.father_name, old.alias, old.area);
    INSERT INTO person_search(rowid, case_number, name, father_name, alias, area)
    VALUES (new.id, new.case_number, new.name, new.father_name, new.alias, new.area);
END;
"#;

/// Services delivered, follow-ups and case-plan goals.
const V3_CASEWORK: &str = r#"
CREATE TABLE services (
    id        INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    on_date   TEXT NOT NULL,
    user_id   INTEGER REFERENCES users(id),
    -- e.g. where a medical referral went
    detail    TEXT NOT NULL DEFAULT '',
    note      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX services_person ON services(person_id, on_date);
CREATE INDEX services_kind_date ON services(kind, on_date);

CREATE TABLE follow_ups (
    id         INTEGER PRIMARY KEY,
    person_id  INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    due_on     TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    user_id    INTEGER REFERENCES users(id),
    done_on    TEXT,
    outcome    TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX follow_ups_due ON follow_ups(done_on, due_on);
CREATE INDEX follow_ups_person ON follow_ups(person_id);

CREATE TABLE goals (
    id          INTEGER PRIMARY KEY,
    person_id   INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    goal        TEXT NOT NULL,
    target_date TEXT,
    achieved_on TEXT,
    user_id     INTEGER REFERENCES users(id),
    created_at  TEXT NOT NULL
) STRICT;
CREATE INDEX goals_person ON goals(person_id);
"#;

/// Counselling sessions (visible to all) and their sealed notes (readable
/// only with the counselling identity, which only psychologists hold).
const V4_COUNSELLING: &str = r#"
CREATE TABLE counselling_sessions (
    id              INTEGER PRIMARY KEY,
    -- The person whose file the session is on; for a group session, the
    -- others present are in counselling_participants.
    person_id       INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    kind            TEXT NOT NULL CHECK (kind IN ('assessment', 'individual', 'group')),
    on_date         TEXT NOT NULL,
    minutes         INTEGER NOT NULL CHECK (minutes > 0),
    psychologist_id INTEGER REFERENCES users(id),
    created_at      TEXT NOT NULL
) STRICT;
CREATE INDEX counselling_sessions_person ON counselling_sessions(person_id, on_date);
CREATE INDEX counselling_sessions_date ON counselling_sessions(on_date);

-- Other people present at a group session.
CREATE TABLE counselling_participants (
    session_id INTEGER NOT NULL REFERENCES counselling_sessions(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    PRIMARY KEY (session_id, person_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX counselling_participants_person ON counselling_participants(person_id);

-- Every version of a note is kept; the highest version is current. `sealed`
-- is a binary age file to the counselling recipient whose plaintext is
--   casedesk-note 1\nperson P\nsession S\nversion V\n\n<text>
-- and is checked against the row on opening, so a sealed note moved to
-- another person, session or version is refused. Versions are never
-- rewritten: an amendment is a new row.
CREATE TABLE counselling_notes (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES counselling_sessions(id) ON DELETE CASCADE,
    version    INTEGER NOT NULL CHECK (version >= 1),
    sealed     BLOB NOT NULL,
    written_by INTEGER REFERENCES users(id),
    written_at TEXT NOT NULL,
    UNIQUE (session_id, version)
) STRICT;
CREATE TRIGGER counselling_notes_no_update BEFORE UPDATE ON counselling_notes
BEGIN SELECT RAISE(ABORT, 'a counselling note version is never rewritten; amend it instead'); END;
"#;

/// Counselling notes only a psychologist can write: each version carries a
/// MAC keyed by the counselling identity (over the session, person,
/// version, the sealed bytes and the previous version's MAC), and each
/// session the MAC of its latest version (`note_head`), so a forged version
/// or a deleted latest one is found (`office::counselling`). Versions from
/// before this have none and show as not verifiable.
const V5_NOTE_MACS: &str = r#"
ALTER TABLE counselling_notes ADD COLUMN mac TEXT;
ALTER TABLE counselling_sessions ADD COLUMN note_head TEXT;
"#;

/// Classes and their attendance, monthly literacy tests, skill courses
/// completed. A mark is one row per person per session, with a version for
/// the conflict rule (two desks marking one session overwrite nothing
/// silently) and every change kept in `attendance_history`.
const V6_CLASSES: &str = r#"
CREATE TABLE classes (
    id         INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('literacy', 'lsbe', 'nfe', 'skill')),
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
CREATE UNIQUE INDEX classes_name ON classes(name COLLATE NOCASE);

CREATE TABLE enrolments (
    id             INTEGER PRIMARY KEY,
    class_id       INTEGER NOT NULL REFERENCES classes(id),
    person_id      INTEGER NOT NULL REFERENCES persons(id),
    enrolled_on    TEXT NOT NULL,
    withdrawn_on   TEXT,
    withdrawn_why  TEXT NOT NULL DEFAULT '',
    by_user        INTEGER REFERENCES users(id),
    created_at     TEXT NOT NULL
) STRICT;
-- One open enrolment per person and class.
CREATE UNIQUE INDEX enrolments_open ON enrolments(class_id, person_id) WHERE withdrawn_on IS NULL;
CREATE INDEX enrolments_person ON enrolments(person_id);

CREATE TABLE class_sessions (
    id         INTEGER PRIMARY KEY,
    class_id   INTEGER NOT NULL REFERENCES classes(id),
    on_date    TEXT NOT NULL,
    -- 1 for a session outside the class's days or dates (a make-up class),
    -- confirmed when it was opened.
    extra      INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    UNIQUE (class_id, on_date)
) STRICT;
CREATE INDEX class_sessions_date ON class_sessions(on_date);

CREATE TABLE attendance (
    session_id INTEGER NOT NULL REFERENCES class_sessions(id),
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    mark       TEXT NOT NULL CHECK (mark IN ('P', 'A', 'L', 'E')),
    version    INTEGER NOT NULL DEFAULT 1,
    marked_by  INTEGER REFERENCES users(id),
    marked_at  TEXT NOT NULL,
    PRIMARY KEY (session_id, person_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX attendance_person ON attendance(person_id, session_id);

CREATE TABLE attendance_history (
    id         INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL,
    person_id  INTEGER NOT NULL,
    old_mark   TEXT,
    new_mark   TEXT NOT NULL,
    by_user    INTEGER REFERENCES users(id),
    at         TEXT NOT NULL
) STRICT;

CREATE TABLE literacy_tests (
    person_id       INTEGER NOT NULL REFERENCES persons(id),
    month           TEXT NOT NULL,
    reading_urdu    INTEGER,
    writing_urdu    INTEGER,
    reading_english INTEGER,
    writing_english INTEGER,
    tested_by       INTEGER REFERENCES users(id),
    at              TEXT NOT NULL,
    PRIMARY KEY (person_id, month)
) STRICT, WITHOUT ROWID;

CREATE TABLE skill_completions (
    id           INTEGER PRIMARY KEY,
    person_id    INTEGER NOT NULL REFERENCES persons(id),
    class_id     INTEGER NOT NULL REFERENCES classes(id),
    completed_on TEXT NOT NULL,
    certificate  INTEGER NOT NULL DEFAULT 0,
    by_user      INTEGER REFERENCES users(id),
    at           TEXT NOT NULL,
    UNIQUE (person_id, class_id)
) STRICT;
"#;

/// Job placements and small businesses, and their follow-up visits. The
/// schedule's visits are rows from the start (`done_on` empty until made),
/// so "what is due" is one indexed query.
const V7_PLACEMENTS: &str = r#"
CREATE TABLE placements (
    id             INTEGER PRIMARY KEY,
    person_id      INTEGER NOT NULL REFERENCES persons(id),
    kind           TEXT NOT NULL CHECK (kind IN ('job', 'business')),
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
CREATE INDEX placements_person ON placements(person_id);
CREATE INDEX placements_start ON placements(starts_on);

CREATE TABLE placement_visits (
    id           INTEGER PRIMARY KEY,
    placement_id INTEGER NOT NULL REFERENCES placements(id),
    due_on       TEXT NOT NULL,
    done_on      TEXT,
    by_user      INTEGER REFERENCES users(id),
    outcome      TEXT CHECK (outcome IN ('still_working', 'changed_job', 'lost_job',
                                         'business_running', 'business_closed')),
    problems     TEXT NOT NULL DEFAULT '',
    support      TEXT NOT NULL DEFAULT '',
    next_step    TEXT NOT NULL DEFAULT '',
    done_at      TEXT
) STRICT;
CREATE INDEX placement_visits_placement ON placement_visits(placement_id, due_on);
CREATE INDEX placement_visits_due ON placement_visits(due_on) WHERE done_on IS NULL;
CREATE INDEX placement_visits_done ON placement_visits(done_on) WHERE done_on IS NOT NULL;
"#;

/// Outreach and community activities (head counts by sex and age band,
/// the staff who went, the registered people met), and the covering
/// indexes a period report reads through.
const V8_ACTIVITIES_REPORTS: &str = r#"
CREATE TABLE activities (
    id             INTEGER PRIMARY KEY,
    kind           TEXT NOT NULL CHECK (kind IN ('spot_visit', 'follow_up_visit',
                       'parents_meeting', 'child_group_meeting', 'police_station_visit',
                       'mlu_visit', 'custody_visit', 'training_staff', 'training_police',
                       'training_volunteers', 'awareness_session', 'sports_event')),
    on_date        TEXT NOT NULL,
    place          TEXT NOT NULL,
    -- Spot visits: children met there for the first time.
    new_identified INTEGER NOT NULL DEFAULT 0 CHECK (new_identified >= 0),
    note           TEXT NOT NULL DEFAULT '',
    by_user        INTEGER REFERENCES users(id),
    created_at     TEXT NOT NULL
) STRICT;
-- A period's activities without reading their rows (reports).
CREATE INDEX activities_date ON activities(on_date, kind, new_identified);

-- Head counts: one row per sex and age band with anyone in it.
CREATE TABLE activity_counts (
    activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    sex         TEXT NOT NULL CHECK (sex IN ('female', 'male', 'other')),
    band        TEXT NOT NULL CHECK (band IN ('under12', '12-17', '18+', 'unknown')),
    n           INTEGER NOT NULL CHECK (n > 0),
    PRIMARY KEY (activity_id, sex, band)
) STRICT, WITHOUT ROWID;

CREATE TABLE activity_staff (
    activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (activity_id, user_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE activity_persons (
    activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    person_id   INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
    PRIMARY KEY (activity_id, person_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX activity_persons_person ON activity_persons(person_id);

-- Period reports. A year's report on a large office reads every service,
-- mark, follow-up and status step of two years; through these narrow
-- covering indexes it decrypts a fraction of the pages the tables hold
-- and needs no sort (BENCHMARKS.md, "Reports": 4.2 s before, see there
-- for after, on 100,000 children).
-- Everyone's sex and date of birth, to put people in cells.
CREATE INDEX persons_report_demographics ON persons(sex, birth_date);
-- New cases in a period with their programme and referral source.
CREATE INDEX persons_report_intake ON persons(registered_on, programme, referral_source);
-- Status steps per person in order (id breaks ties within a day).
CREATE INDEX status_changes_report ON status_changes(person_id, on_date, id, to_status, reason);
CREATE INDEX services_report ON services(on_date, kind, person_id);
CREATE INDEX follow_ups_report ON follow_ups(done_on, person_id) WHERE done_on IS NOT NULL;
-- Who was given a literacy test in a period's months.
CREATE INDEX literacy_tests_month ON literacy_tests(month);
-- A session's marks without their time stamps (the primary key's
-- person_id comes with every entry), for the days of a period outside
-- whole months.
CREATE INDEX attendance_report ON attendance(session_id, mark);

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

/// Placement visits that fell due before their placement was entered (a
/// back-entered record): "not recorded (entered later)", never due and
/// never counted as made. Whether a visit was missed (a later visit of its
/// placement was made) is read from the visits themselves, not stored.
const V9_VISIT_STATES: &str = r#"
ALTER TABLE placement_visits ADD COLUMN entered_later INTEGER NOT NULL DEFAULT 0;
"#;
