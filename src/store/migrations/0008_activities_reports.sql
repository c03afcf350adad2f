-- Migration 8: released; never edit (tests/upgrade.rs holds its SHA-256).
-- Outreach and community activities (head counts by sex and age band,
-- the staff who went, the registered people met), and the covering
-- indexes a period report reads through.

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
