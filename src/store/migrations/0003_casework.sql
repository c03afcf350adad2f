-- Migration 3: released; never edit (tests/upgrade.rs holds its SHA-256).
-- Services delivered, follow-ups and case-plan goals.

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
