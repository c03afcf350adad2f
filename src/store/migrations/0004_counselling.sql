-- Migration 4: released; never edit (tests/upgrade.rs holds its SHA-256).
-- Counselling sessions (visible to all) and their sealed notes (readable
-- only with the counselling identity, which only psychologists hold).

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
