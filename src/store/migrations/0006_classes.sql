-- Migration 6: released; never edit (tests/upgrade.rs holds its SHA-256).
-- Classes and their attendance, monthly literacy tests, skill courses
-- completed. A mark is one row per person per session, with a version for
-- the conflict rule (two desks marking one session overwrite nothing
-- silently) and every change kept in `attendance_history`.

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
