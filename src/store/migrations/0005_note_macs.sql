-- Migration 5: released; never edit (tests/upgrade.rs holds its SHA-256).
-- Counselling notes only a psychologist can write: each version carries a
-- MAC keyed by the counselling identity (over the session, person,
-- version, the sealed bytes and the previous version's MAC), and each
-- session the MAC of its latest version (`note_head`), so a forged version
-- or a deleted latest one is found (`office::counselling`). Versions from
-- before this have none and show as not verifiable.

ALTER TABLE counselling_notes ADD COLUMN mac TEXT;
ALTER TABLE counselling_sessions ADD COLUMN note_head TEXT;
