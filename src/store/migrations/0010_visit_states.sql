-- Migration 10: released; never edit (tests/upgrade.rs holds its SHA-256).
-- Placement visits that fell due before their placement was entered (a
-- back-entered record): "not recorded (entered later)", never due and
-- never counted as made. Whether a visit was missed (a later visit of its
-- placement was made) is read from the visits themselves, not stored.

ALTER TABLE placement_visits ADD COLUMN entered_later INTEGER NOT NULL DEFAULT 0;
