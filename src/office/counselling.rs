//! Counselling sessions and their sealed notes, as a psychologist records
//! and reads them.
//!
//! A session row (person, kind, date, minutes, psychologist, participants)
//! is visible to every account and counts in reports. Its note is sealed
//! with age to the office's counselling recipient *before* it reaches the
//! database, with the person, session and version written inside the
//! sealed text (`NoteBinding`) and checked on opening. Only the counselling
//! identity opens it, and only psychologists' key slots hold that: a staff
//! or manager login has no identity to open a note with, so nothing here
//! can give them the text. Every read of a note is audited before the text
//! is returned.

use crate::office::rules::Capability;
use age::x25519;
use rusqlite::Connection;

use super::note_chain::{audit_disagrees, by_session};
use super::{AuditAction, Session};
use crate::domain::audit::counselling_targets;
use crate::domain::counselling::{NewSession, NoteBinding, NoteText, SessionId, validate_note};
pub use crate::store::counselling::{
    CounselledPerson, NoteVersionInfo, Participant, SessionCount, SessionRow,
};
use crate::store::counselling::{get_session, insert_note, insert_session, load_versions};
use crate::vault::{crypto, pins};
use crate::{Error, Result};
use sha2::Digest;

/// An opened note. Its text is wiped from memory when dropped and never
/// printed by `Debug`.
pub struct Note {
    pub session_id: SessionId,
    pub version: i64,
    pub written_by: Option<String>,
    pub written_at: String,
    /// False when this version's MAC does not show it was written by a
    /// holder of the counselling key through casedesk (forged, altered, a
    /// later version removed, or written before notes were signed).
    pub verified: bool,
    pub text: NoteText,
}

impl std::fmt::Debug for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Note")
            .field("session_id", &self.session_id)
            .field("version", &self.version)
            .field("written_at", &self.written_at)
            .finish_non_exhaustive()
    }
}

/// Seal a note's text, bound to its person, session and version.
pub fn seal_note(
    recipient: &x25519::Recipient,
    binding: NoteBinding,
    text: &str,
) -> Result<Vec<u8>> {
    let plain = binding.wrap(text);
    crypto::seal_to(std::slice::from_ref(recipient), plain.as_bytes())
}

/// Open a sealed note and check it belongs where it was found.
pub fn open_note(
    identity: &x25519::Identity,
    binding: NoteBinding,
    sealed: &[u8],
) -> Result<NoteText> {
    let plain = crypto::open_sealed(identity, sealed)?;
    let text = std::str::from_utf8(&plain)
        .map_err(|_| Error::damaged("a sealed counselling note is damaged"))?;
    binding.unwrap(text)
}

/// What writing a note needs, both from the counselling identity: the
/// recipient to seal to, and the key of the MACs that show a version was
/// written by a holder of that identity (see `V5_NOTE_MACS` in the schema).
pub struct NoteKeys {
    recipient: x25519::Recipient,
    mac: zeroize::Zeroizing<[u8; 32]>,
}

impl NoteKeys {
    pub fn new(identity: &x25519::Identity) -> NoteKeys {
        NoteKeys {
            recipient: identity.to_public(),
            mac: pins::counselling_mac_key(identity, "note"),
        }
    }

    /// The MAC of one version, chained to the one before it.
    fn version_mac(
        &self,
        session: SessionId,
        person_id: i64,
        version: i64,
        sealed: &[u8],
        previous: &str,
    ) -> String {
        let digest = sha2::Sha256::digest(sealed);
        pins::mac_hex(
            &self.mac,
            &[
                b"version",
                session.0.to_string().as_bytes(),
                person_id.to_string().as_bytes(),
                version.to_string().as_bytes(),
                &digest,
                previous.as_bytes(),
            ],
        )
    }

    /// The MAC that names a session's latest version.
    fn head_mac(&self, session: SessionId, version: i64, mac: &str) -> String {
        pins::mac_hex(
            &self.mac,
            &[
                b"head",
                session.0.to_string().as_bytes(),
                version.to_string().as_bytes(),
                mac.as_bytes(),
            ],
        )
    }

    /// Seal and sign version `version` of a note.
    fn seal(
        &self,
        session: SessionId,
        person_id: i64,
        version: i64,
        text: &str,
        previous: &str,
    ) -> Result<(Vec<u8>, String, String)> {
        let sealed = seal_note(
            &self.recipient,
            NoteBinding {
                person_id,
                session_id: session.0,
                version,
            },
            text,
        )?;
        let mac = self.version_mac(session, person_id, version, &sealed, previous);
        let head = self.head_mac(session, version, &mac);
        Ok((sealed, mac, head))
    }

    /// Which versions of a session (oldest first: version, sealed, MAC)
    /// verify, given the session's head: each version's MAC must match and
    /// chain to the one before, and the head must name the last one, so a
    /// forged, altered or removed latest version shows.
    fn verify(
        &self,
        session: SessionId,
        person_id: i64,
        versions: &[(i64, &[u8], Option<&str>)],
        head: Option<&str>,
    ) -> Vec<bool> {
        let mut out = Vec::with_capacity(versions.len());
        let mut previous = String::new();
        let mut chain_ok = true;
        for (version, sealed, mac) in versions {
            let expected = self.version_mac(session, person_id, *version, sealed, &previous);
            let ok = chain_ok && mac.is_some_and(|m| pins::mac_ok_hex(&expected, m));
            chain_ok = ok;
            out.push(ok);
            previous = mac.unwrap_or_default().to_string();
        }
        if let (Some(last), Some((version, _, Some(mac)))) = (out.last_mut(), versions.last()) {
            let expected = self.head_mac(session, *version, mac);
            if !head.is_some_and(|h| pins::mac_ok_hex(&expected, h)) {
                *last = false;
            }
        }
        out
    }
}

/// Insert a session with its note, sealed and signed (version 1). The
/// caller owns the transaction, has validated `new` and the note, and
/// writes the audit entry.
pub fn add_session(
    conn: &Connection,
    new: &NewSession,
    keys: &NoteKeys,
    note: &str,
    user_id: i64,
) -> Result<SessionId> {
    let id = insert_session(conn, new, user_id)?;
    let (sealed, mac, head) = keys.seal(id, new.person_id, 1, note, "")?;
    insert_note(conn, id, 1, &sealed, &mac, &head, user_id)?;
    Ok(id)
}

fn identity(session: &Session) -> Result<&x25519::Identity> {
    session.need(Capability::ReadNotes)?;
    session.unlocked().counselling_identity().ok_or_else(|| {
        Error::not_allowed(
            "you do not hold the counselling key yet; ask a psychologist who does to run 'casedesk user grant' for you",
        )
    })
}

/// The keys to write a note with: the holder's own counselling identity,
/// never a recipient read from a file. Anyone holding the master key can
/// rewrite the office file's record of the recipient, so a psychologist
/// who does not hold the identity could not tell a swapped one (nor sign
/// the note): they may not write notes until a holder shares the key.
fn note_keys(session: &Session) -> Result<NoteKeys> {
    let identity = session.unlocked().counselling_identity().ok_or_else(|| {
        if session.unlocked().counselling_recipient().ok().flatten().is_none() {
            Error::invalid(
                "the office has no counselling key yet: a manager must add a psychologist account first",
            )
        } else {
            Error::not_allowed(
                "you do not hold the counselling key yet, so you cannot write notes; ask a psychologist who does to share it with you ('casedesk user grant')",
            )
        }
    })?;
    Ok(NoteKeys::new(identity))
}

struct Located {
    person_id: i64,
    persons: Vec<i64>,
}

fn locate(conn: &Connection, id: SessionId) -> Result<Located> {
    let row = get_session(conn, id)?;
    let mut persons = vec![row.person_id];
    persons.extend(row.participants.iter().map(|p| p.person_id));
    Ok(Located {
        person_id: row.person_id,
        persons,
    })
}

impl Session {
    /// Record a session with its note (psychologists). The note is sealed
    /// before it is stored.
    pub fn record_counselling(&mut self, new: &NewSession, note: &str) -> Result<SessionId> {
        self.need(Capability::WriteNotes)?;
        new.validate(crate::clock::today())?;
        validate_note(note)?;
        let keys = note_keys(self)?;
        self.write(|tx, user| {
            let id = add_session(tx, new, &keys, note, user.id)?;
            let mut persons = vec![new.person_id];
            persons.extend(&new.participants);
            Session::record_in(
                tx,
                user,
                AuditAction::CounsellingCreate,
                &counselling_targets(&persons, id.0),
                new.kind.code(),
            )?;
            Ok(id)
        })
    }

    /// Save a new version of a session's note (psychologists). Earlier
    /// versions stay, sealed. Returns the new version number.
    pub fn amend_note(&mut self, id: SessionId, note: &str) -> Result<i64> {
        self.need(Capability::WriteNotes)?;
        validate_note(note)?;
        let keys = note_keys(self)?;
        self.write(|tx, user| {
            let at = locate(tx, id)?;
            let versions = load_versions(tx, id)?;
            let version = versions.last().map_or(1, |v| v.0 + 1);
            let previous = versions
                .last()
                .and_then(|v| v.4.clone())
                .unwrap_or_default();
            let (sealed, mac, head) = keys.seal(id, at.person_id, version, note, &previous)?;
            insert_note(tx, id, version, &sealed, &mac, &head, user.id)?;
            Session::record_in(
                tx,
                user,
                AuditAction::CounsellingAmend,
                &counselling_targets(&at.persons, id.0),
                // The new head goes into the trail too: a later removal of
                // this version shows against it (`audit_disagrees`).
                &format!("version {version}; note head {head}"),
            )?;
            Ok(version)
        })
    }

    /// The current text of a session's note (psychologists holding the
    /// counselling key; everyone else gets `Error::NotAllowed`). Audited.
    pub fn read_note(&self, id: SessionId) -> Result<Note> {
        self.open_versions(id, true, AuditAction::CounsellingRead)?
            .pop()
            .ok_or_else(|| Error::invalid("the note has no versions"))
    }

    /// Every version of a session's note, oldest first (psychologists).
    /// Audited.
    pub fn note_history(&self, id: SessionId) -> Result<Vec<Note>> {
        self.open_versions(id, false, AuditAction::CounsellingHistory)
    }

    fn open_versions(
        &self,
        id: SessionId,
        only_latest: bool,
        action: AuditAction,
    ) -> Result<Vec<Note>> {
        let identity = identity(self)?;
        // The versions and the head from one snapshot: an amendment
        // committed between two reads would look like a forgery.
        let (at, mut rows, head, audited) = {
            let snapshot = self.conn().unchecked_transaction()?;
            let at = locate(&snapshot, id)?;
            let rows = load_versions(&snapshot, id)?;
            let head = crate::store::counselling::note_head(&snapshot, id)?;
            let audited = crate::store::counselling::audited_notes(&snapshot, Some(id))?;
            (at, rows, head, audited.get(&id).cloned())
        };
        if rows.is_empty() {
            return Err(Error::invalid(format!(
                "counselling session {} has no note",
                id.0
            )));
        }
        let listed: Vec<(i64, &[u8], Option<&str>)> = rows
            .iter()
            .map(|r| (r.0, r.1.as_slice(), r.4.as_deref()))
            .collect();
        let mut verified =
            NoteKeys::new(identity).verify(id, at.person_id, &listed, head.as_deref());
        let latest = rows.last().map_or(0, |r| r.0);
        if audit_disagrees(latest, head.as_deref(), audited.as_ref())
            && let Some(last) = verified.last_mut()
        {
            *last = false;
        }
        if only_latest {
            rows.drain(..rows.len() - 1);
            verified.drain(..verified.len() - 1);
        }
        let mut notes = Vec::with_capacity(rows.len());
        for ((version, sealed, written_by, written_at, _mac), verified) in
            rows.into_iter().zip(verified)
        {
            let text = open_note(
                identity,
                NoteBinding {
                    person_id: at.person_id,
                    session_id: id.0,
                    version,
                },
                &sealed,
            )?;
            notes.push(Note {
                session_id: id,
                version,
                written_by,
                written_at,
                verified,
                text,
            });
        }
        let versions: Vec<String> = notes.iter().map(|n| n.version.to_string()).collect();
        // No record, no text: if the read cannot be audited it does not happen.
        self.record_now(
            action,
            &counselling_targets(&at.persons, id.0),
            &format!("version {}", versions.join(",")),
        )?;
        Ok(notes)
    }

    /// The sessions on a person's file (their own and group sessions they
    /// joined), newest first. Anyone: never text.
    pub fn counselling_sessions(&self, person_id: i64) -> Result<Vec<SessionRow>> {
        self.need(Capability::SeeSessions)?;
        crate::store::counselling::list_sessions(self.conn(), person_id)
    }

    /// One session, without its text (anyone).
    pub fn counselling_session(&self, id: SessionId) -> Result<SessionRow> {
        self.need(Capability::SeeSessions)?;
        get_session(self.conn(), id)
    }

    /// Who wrote each version of a note, and when; no text (anyone).
    pub fn note_versions(&self, id: SessionId) -> Result<Vec<NoteVersionInfo>> {
        self.need(Capability::SeeSessions)?;
        crate::store::counselling::note_versions(self.conn(), id)
    }

    /// Everyone who was in at least one session, most recent first
    /// (anyone: counts and dates, never text).
    pub fn counselled_persons(&self) -> Result<Vec<CounselledPerson>> {
        self.need(Capability::SeeSessions)?;
        crate::store::counselling::counselled_persons(self.conn())
    }

    /// How many sessions a person was in, and the latest date (anyone).
    pub fn counselling_count(&self, person_id: i64) -> Result<SessionCount> {
        self.need(Capability::SeeSessions)?;
        crate::store::counselling::session_count(self.conn(), person_id)
    }

    /// People matching a register search, with their session counts, in
    /// two queries however many match (anyone: counts, never text).
    pub fn search_counselled(
        &self,
        text: &str,
        today: chrono::NaiveDate,
        limit: usize,
    ) -> Result<Vec<CounselledPerson>> {
        self.need(Capability::SeeSessions)?;
        let page = crate::store::search::register(
            self.conn(),
            &crate::office::casework::RegisterQuery {
                text: text.to_string(),
                limit,
                ..Default::default()
            },
            today,
        )?;
        let ids: Vec<i64> = page.rows.iter().map(|r| r.id).collect();
        let counts = crate::store::counselling::session_counts(self.conn(), &ids)?;
        Ok(page
            .rows
            .into_iter()
            .map(|r| {
                let c = counts.get(&r.id).copied().unwrap_or_default();
                CounselledPerson {
                    id: r.id,
                    case_number: r.case_number,
                    name: r.name,
                    sessions: c.sessions,
                    last: c.last,
                }
            })
            .collect())
    }

    /// Replace the counselling identity and re-seal every note to the new
    /// one (a psychologist holding the key; after a psychologist leaves).
    /// Versions that did not verify under the old key are re-sealed but
    /// stay unverified: a rotation never vouches for a forged note. A
    /// version the old key cannot open (not written through casedesk) is
    /// kept as it is. Returns how many psychologists hold the new key.
    pub fn rotate_counselling_key(&mut self) -> Result<usize> {
        self.need(Capability::KeepCounsellingKey)?;
        let me = self.user().clone();
        self.unlocked_mut()
            .rotate_counselling(reseal_everything, |tx, holders| {
                Session::record_in(
                    tx,
                    &me,
                    AuditAction::CounsellingRotate,
                    "",
                    &format!("{holders} holder(s)"),
                )
            })
    }

    /// Counselling notes that do not verify (a holder of the counselling
    /// key checks them all; for anyone else this is empty: they cannot).
    /// For `check`.
    pub fn unverifiable_notes(&self) -> Result<usize> {
        let Some(identity) = self.unlocked().counselling_identity() else {
            return Ok(0);
        };
        let keys = NoteKeys::new(identity);
        // One snapshot (see `open_versions`).
        let (versions, heads, audited) = {
            let snapshot = self.conn().unchecked_transaction()?;
            let audited = crate::store::counselling::audited_notes(&snapshot, None)?;
            let versions = crate::store::counselling::all_versions(&snapshot)?;
            let heads: std::collections::HashMap<SessionId, Option<String>> =
                crate::store::counselling::all_heads(&snapshot)?
                    .into_iter()
                    .collect();
            (versions, heads, audited)
        };
        let mut bad = 0;
        // A session the trail says was amended but that has no version
        // left at all.
        bad += audited
            .keys()
            .filter(|s| !versions.iter().any(|v| v.1 == **s))
            .count();
        for (session, rows) in by_session(&versions) {
            let listed: Vec<(i64, &[u8], Option<&str>)> = rows
                .iter()
                .map(|v| (v.3, v.4.as_slice(), v.5.as_deref()))
                .collect();
            let head = heads.get(&session).cloned().flatten();
            let mut verified = keys.verify(session, rows[0].2, &listed, head.as_deref());
            let latest = rows.last().map_or(0, |v| v.3);
            if audit_disagrees(latest, head.as_deref(), audited.get(&session))
                && let Some(last) = verified.last_mut()
            {
                *last = false;
            }
            bad += verified.iter().filter(|ok| !**ok).count();
        }
        Ok(bad)
    }
}

/// Re-seal every version from `old` to `new`, re-signing those that
/// verified under `old` (see `Session::rotate_counselling_key`).
fn reseal_everything(
    tx: &Connection,
    old: &x25519::Identity,
    new: &x25519::Identity,
) -> Result<()> {
    let old_keys = NoteKeys::new(old);
    let new_keys = NoteKeys::new(new);
    let versions = crate::store::counselling::all_versions(tx)?;
    let heads: std::collections::HashMap<SessionId, Option<String>> =
        crate::store::counselling::all_heads(tx)?
            .into_iter()
            .collect();
    let mut rewritten = Vec::with_capacity(versions.len());
    let mut new_heads = Vec::new();
    for (session, rows) in by_session(&versions) {
        let person_id = rows[0].2;
        let listed: Vec<(i64, &[u8], Option<&str>)> = rows
            .iter()
            .map(|v| (v.3, v.4.as_slice(), v.5.as_deref()))
            .collect();
        let head = heads.get(&session).cloned().flatten();
        let verified = old_keys.verify(session, person_id, &listed, head.as_deref());
        let mut previous = String::new();
        let mut last_mac = None;
        for (row, ok) in rows.iter().zip(verified) {
            let binding = NoteBinding {
                person_id,
                session_id: session.0,
                version: row.3,
            };
            let Ok(text) = open_note(old, binding, &row.4) else {
                // Not openable with the old key: not one of ours. Kept
                // as it is, and it stays unverified.
                rewritten.push((row.0, row.4.clone(), None));
                previous = String::new();
                last_mac = None;
                continue;
            };
            let sealed = seal_note(&new_keys.recipient, binding, &text)?;
            let mac =
                ok.then(|| new_keys.version_mac(session, person_id, row.3, &sealed, &previous));
            previous = mac.clone().unwrap_or_default();
            last_mac = mac.clone().map(|m| (row.3, m));
            rewritten.push((row.0, sealed, mac));
        }
        new_heads.push((
            session,
            last_mac.map(|(version, mac)| new_keys.head_mac(session, version, &mac)),
        ));
    }
    crate::store::counselling::reseal_all(tx, &rewritten, &new_heads)
}
