-- Migration 7: released; never edit (tests/upgrade.rs holds its SHA-256).
-- Job placements and small businesses, and their follow-up visits. The
-- schedule's visits are rows from the start (`done_on` empty until made),
-- so "what is due" is one indexed query.

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
