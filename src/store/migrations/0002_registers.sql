-- Migration 2: released; never edit (tests/upgrade.rs holds its SHA-256).
-- The two registers (CPC children, women's desk) and each person's profile.

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
