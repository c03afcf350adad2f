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

use age::x25519;
use rusqlite::Connection;

use super::{AuditAction, Session};
use crate::domain::Role;
use crate::domain::audit::counselling_targets;
use crate::domain::counselling::{NewSession, NoteBinding, NoteText, SessionId, validate_note};
pub use crate::store::counselling::{
    CounselledPerson, NoteVersionInfo, Participant, SessionCount, SessionRow,
};
use crate::store::counselling::{get_session, insert_note, insert_session, load_versions};
use crate::vault::crypto;
use crate::{Error, Result};

/// An opened note. Its text is wiped from memory when dropped and never
/// printed by `Debug`.
pub struct Note {
    pub session_id: SessionId,
    pub version: i64,
    pub written_by: Option<String>,
    pub written_at: String,
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

/// Insert a session with its note sealed to `recipient` (version 1). The
/// caller owns the transaction, has validated `new` and the note, and
/// writes the audit entry.
pub fn add_session(
    conn: &Connection,
    new: &NewSession,
    recipient: &x25519::Recipient,
    note: &str,
    user_id: i64,
) -> Result<SessionId> {
    let id = insert_session(conn, new, user_id)?;
    let sealed = seal_note(
        recipient,
        NoteBinding {
            person_id: new.person_id,
            session_id: id.0,
            version: 1,
        },
        note,
    )?;
    insert_note(conn, id, 1, &sealed, user_id)?;
    Ok(id)
}



fn require_psychologist(session: &Session, what: &str) -> Result<()> {
    session.require(&[Role::Psychologist], what)
}

fn identity(session: &Session) -> Result<&x25519::Identity> {
    require_psychologist(session, "read counselling notes")?;
    session.unlocked().counselling_identity().ok_or_else(|| {
        Error::not_allowed(
            "you do not hold the counselling key yet; ask a psychologist who does to run 'casedesk user grant' for you",
        )
    })
}

/// The recipient to seal to, checked three ways: the office file, the key
/// file, and (when this psychologist holds it) the identity itself. Someone
/// who swapped the recipient in the office file to read future notes is
/// refused here instead of silently receiving them.
fn sealing_recipient(session: &Session) -> Result<x25519::Recipient> {
    let recipient = session.unlocked().counselling_recipient()?.ok_or_else(|| {
        Error::invalid("the office has no counselling key yet: a manager must add a psychologist account first")
    })?;
    let text = recipient.to_string();
    let swapped = || {
        Error::damaged(
            "the counselling key recorded in the office file has been changed; notes cannot be written safely",
        )
    };
    let file = crate::vault::read_key_file(session.paths())?;
    if file.counselling_recipient.as_deref() != Some(text.as_str()) {
        return Err(swapped());
    }
    if let Some(id) = session.unlocked().counselling_identity() {
        if id.to_public().to_string() != text {
            return Err(swapped());
        }
    }
    Ok(recipient)
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
        require_psychologist(self, "record counselling sessions")?;
        new.validate(crate::clock::today())?;
        validate_note(note)?;
        let recipient = sealing_recipient(self)?;
        self.write(|tx, user| {
            let id = add_session(tx, new, &recipient, note, user.id)?;
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
        require_psychologist(self, "amend counselling notes")?;
        validate_note(note)?;
        let recipient = sealing_recipient(self)?;
        self.write(|tx, user| {
            let at = locate(tx, id)?;
            let version = crate::store::counselling::next_note_version(tx, id)?;
            let sealed = seal_note(
                &recipient,
                NoteBinding {
                    person_id: at.person_id,
                    session_id: id.0,
                    version,
                },
                note,
            )?;
            insert_note(tx, id, version, &sealed, user.id)?;
            Session::record_in(
                tx,
                user,
                AuditAction::CounsellingAmend,
                &counselling_targets(&at.persons, id.0),
                &format!("version {version}"),
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
        let at = locate(self.conn(), id)?;
        let rows = load_versions(self.conn(), id, only_latest)?;
        if rows.is_empty() {
            return Err(Error::invalid(format!(
                "counselling session {} has no note",
                id.0
            )));
        }
        let mut notes = Vec::with_capacity(rows.len());
        for (version, sealed, written_by, written_at) in rows {
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
        crate::store::counselling::list_sessions(self.conn(), person_id)
    }

    /// One session, without its text (anyone).
    pub fn counselling_session(&self, id: SessionId) -> Result<SessionRow> {
        get_session(self.conn(), id)
    }

    /// Who wrote each version of a note, and when; no text (anyone).
    pub fn note_versions(&self, id: SessionId) -> Result<Vec<NoteVersionInfo>> {
        crate::store::counselling::note_versions(self.conn(), id)
    }

    /// Everyone who was in at least one session, most recent first
    /// (anyone: counts and dates, never text).
    pub fn counselled_persons(&self) -> Result<Vec<CounselledPerson>> {
        crate::store::counselling::counselled_persons(self.conn())
    }

    /// How many sessions a person was in, and the latest date (anyone).
    pub fn counselling_count(&self, person_id: i64) -> Result<SessionCount> {
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
        let page = self.search_register(
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
}
