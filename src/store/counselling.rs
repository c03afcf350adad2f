//! Counselling sessions and their sealed notes: the tables only.
//!
//! A session row (person, kind, date, minutes, psychologist, participants)
//! is visible to every account and counts in reports. Its note is sealed
//! with age to the office's counselling recipient *before* it reaches the
//! database, with the person, session and version written inside the
//! sealed text (`NoteBinding`) and checked on opening. Only the counselling
//! identity opens it, and only psychologists' key slots hold that: a staff
//! or manager `Session` has no identity to open a note with, so no function
//! here can give them the text.
//!
//! Here are the rows; the sealing, opening, role checks and audit entries
//! are the office layer's (`office::counselling`). Nothing here ever sees
//! an identity or a note's text.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::CounsellingKind;
use crate::domain::counselling::NewSession;
use crate::{Error, Result};

pub use crate::domain::counselling::SessionId;

/// Another person present at a group session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub person_id: i64,
    pub case_number: String,
}

/// What anyone may see of a session: never its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: SessionId,
    /// The person whose file the session belongs to.
    pub person_id: i64,
    pub case_number: String,
    pub kind: CounsellingKind,
    pub on_date: NaiveDate,
    pub minutes: u32,
    /// The psychologist's account name.
    pub psychologist: Option<String>,
    pub participants: Vec<Participant>,
    /// How many versions the note has (1 = never amended).
    pub versions: i64,
    pub created_at: String,
}

/// When and by whom a version of a note was written; no text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVersionInfo {
    pub version: i64,
    pub written_by: Option<String>,
    pub written_at: String,
}

// ---------------------------------------------------------------------
// Connection level: no identities here.

fn person_exists(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM persons WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Insert a session and its participants (no note yet). The caller owns
/// the transaction and has validated `new`.
pub fn insert_session(conn: &Connection, new: &NewSession, user_id: i64) -> Result<SessionId> {
    for p in std::iter::once(&new.person_id).chain(&new.participants) {
        if !person_exists(conn, *p)? {
            return Err(Error::invalid(format!("there is no person with id {p}")));
        }
    }
    conn.execute(
        "INSERT INTO counselling_sessions(person_id, kind, on_date, minutes, psychologist_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            new.person_id,
            new.kind,
            new.on_date,
            new.minutes,
            user_id,
            crate::clock::now()
        ],
    )?;
    let id = conn.last_insert_rowid();
    let mut stmt = conn.prepare_cached(
        "INSERT INTO counselling_participants(session_id, person_id) VALUES (?1, ?2)",
    )?;
    for p in &new.participants {
        stmt.execute(params![id, p])?;
    }
    Ok(SessionId(id))
}

/// Store one sealed version of a note with its MAC, and make it the
/// session's latest (`head`: the MAC that names it).
pub fn insert_note(
    conn: &Connection,
    session: SessionId,
    version: i64,
    sealed: &[u8],
    mac: &str,
    head: &str,
    user_id: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO counselling_notes(session_id, version, sealed, written_by, written_at, mac)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            session.0,
            version,
            sealed,
            user_id,
            crate::clock::now(),
            mac
        ],
    )?;
    conn.execute(
        "UPDATE counselling_sessions SET note_head = ?2 WHERE id = ?1",
        params![session.0, head],
    )?;
    Ok(())
}

/// The MAC that names a session's latest note version, if any.
pub fn note_head(conn: &Connection, session: SessionId) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT note_head FROM counselling_sessions WHERE id = ?1",
            [session.0],
            |r| r.get(0),
        )
        .optional()?
        .flatten())
}

/// Replace every version's sealed bytes and MAC and every session's head
/// (a new counselling identity: `office::counselling`'s rotate). Versions
/// are otherwise never rewritten, so the guard trigger is lifted for this
/// transaction only.
pub fn reseal_all(
    conn: &Connection,
    versions: &[(i64, Vec<u8>, Option<String>)],
    heads: &[(SessionId, Option<String>)],
) -> Result<()> {
    conn.execute_batch("DROP TRIGGER counselling_notes_no_update;")?;
    {
        let mut up =
            conn.prepare("UPDATE counselling_notes SET sealed = ?2, mac = ?3 WHERE id = ?1")?;
        for (id, sealed, mac) in versions {
            up.execute(params![id, sealed, mac])?;
        }
        let mut head =
            conn.prepare("UPDATE counselling_sessions SET note_head = ?2 WHERE id = ?1")?;
        for (id, h) in heads {
            head.execute(params![id.0, h])?;
        }
    }
    conn.execute_batch(
        "CREATE TRIGGER counselling_notes_no_update BEFORE UPDATE ON counselling_notes
         BEGIN SELECT RAISE(ABORT, 'a counselling note version is never rewritten; amend it instead'); END;",
    )?;
    Ok(())
}

/// One stored version for checking or re-sealing: row id, session, its
/// person, version, sealed bytes, MAC.
pub type StoredVersion = (i64, SessionId, i64, i64, Vec<u8>, Option<String>);

/// Every note version, by session then version (for `check` and rotate).
pub fn all_versions(conn: &Connection) -> Result<Vec<StoredVersion>> {
    let mut stmt = conn.prepare(
        "SELECT n.id, n.session_id, s.person_id, n.version, n.sealed, n.mac
         FROM counselling_notes n JOIN counselling_sessions s ON s.id = n.session_id
         ORDER BY n.session_id, n.version",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            SessionId(r.get(1)?),
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every session's head MAC.
pub fn all_heads(conn: &Connection) -> Result<Vec<(SessionId, Option<String>)>> {
    let mut stmt = conn.prepare("SELECT id, note_head FROM counselling_sessions ORDER BY id")?;
    let rows = stmt.query_map([], |r| Ok((SessionId(r.get(0)?), r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const SESSION_COLUMNS: &str =
    "s.id, s.person_id, p.case_number, s.kind, s.on_date, s.minutes, u.name,
    (SELECT count(*) FROM counselling_notes n WHERE n.session_id = s.id), s.created_at";

fn session_rows(conn: &Connection, where_sql: &str, arg: i64) -> Result<Vec<SessionRow>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {SESSION_COLUMNS}
         FROM counselling_sessions s
         JOIN persons p ON p.id = s.person_id
         LEFT JOIN users u ON u.id = s.psychologist_id
         WHERE {where_sql}
         ORDER BY s.on_date DESC, s.id DESC"
    ))?;
    let mut rows: Vec<SessionRow> = stmt
        .query_map([arg], |r| {
            Ok(SessionRow {
                id: SessionId(r.get(0)?),
                person_id: r.get(1)?,
                case_number: r.get(2)?,
                kind: r.get(3)?,
                on_date: r.get(4)?,
                minutes: r.get(5)?,
                psychologist: r.get(6)?,
                participants: Vec::new(),
                versions: r.get(7)?,
                created_at: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut parts = conn.prepare_cached(
        "SELECT cp.person_id, p.case_number FROM counselling_participants cp
         JOIN persons p ON p.id = cp.person_id
         WHERE cp.session_id = ?1 ORDER BY p.case_number",
    )?;
    for row in &mut rows {
        row.participants = parts
            .query_map([row.id.0], |r| {
                Ok(Participant {
                    person_id: r.get(0)?,
                    case_number: r.get(1)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(rows)
}

/// The sessions on a person's file — their own and group sessions they
/// took part in — newest first. Visible to every account; never text.
pub fn list_sessions(conn: &Connection, person_id: i64) -> Result<Vec<SessionRow>> {
    session_rows(
        conn,
        "s.person_id = ?1 OR s.id IN
            (SELECT session_id FROM counselling_participants WHERE person_id = ?1)",
        person_id,
    )
}

/// One session, without its text.
pub fn get_session(conn: &Connection, id: SessionId) -> Result<SessionRow> {
    session_rows(conn, "s.id = ?1", id.0)?
        .pop()
        .ok_or_else(|| Error::invalid(format!("there is no counselling session {}", id.0)))
}

/// Who wrote each version of a session's note, and when; no text.
pub fn note_versions(conn: &Connection, id: SessionId) -> Result<Vec<NoteVersionInfo>> {
    let mut stmt = conn.prepare(
        "SELECT n.version, u.name, n.written_at FROM counselling_notes n
         LEFT JOIN users u ON u.id = n.written_by
         WHERE n.session_id = ?1 ORDER BY n.version",
    )?;
    let rows = stmt.query_map([id.0], |r| {
        Ok(NoteVersionInfo {
            version: r.get(0)?,
            written_by: r.get(1)?,
            written_at: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A person who was in at least one counselling session: what the
/// counselling screen lists. No note text, only that sessions took place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounselledPerson {
    pub id: i64,
    pub case_number: String,
    pub name: String,
    /// Sessions they were in: their own and group sessions they joined.
    pub sessions: i64,
    /// The date of the latest of those sessions.
    pub last: Option<NaiveDate>,
}

/// How many sessions a person was in, and the date of the latest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SessionCount {
    pub sessions: i64,
    pub last: Option<NaiveDate>,
}

/// Every person who was in at least one session — their own, or a group
/// session as a participant — with their [`SessionCount`], most recent
/// session first (ties: newest person first). Visible to every account.
pub fn counselled_persons(conn: &Connection) -> Result<Vec<CounselledPerson>> {
    let mut stmt = conn.prepare_cached(
        "WITH involved(person_id, on_date) AS (
             SELECT person_id, on_date FROM counselling_sessions
             UNION ALL
             SELECT cp.person_id, s.on_date FROM counselling_participants cp
             JOIN counselling_sessions s ON s.id = cp.session_id
         )
         SELECT p.id, p.case_number, p.name, count(*), max(i.on_date)
         FROM involved i JOIN persons p ON p.id = i.person_id
         GROUP BY p.id
         ORDER BY max(i.on_date) DESC, p.id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(CounselledPerson {
            id: r.get(0)?,
            case_number: r.get(1)?,
            name: r.get(2)?,
            sessions: r.get(3)?,
            last: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many sessions `person_id` was in (their own and group sessions they
/// joined, each once) and the latest date; zero and `None` for a person
/// never counselled, or no such person. Agrees with [`list_sessions`].
pub fn session_count(conn: &Connection, person_id: i64) -> Result<SessionCount> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*), max(on_date) FROM counselling_sessions s
             WHERE s.person_id = ?1 OR s.id IN
                 (SELECT session_id FROM counselling_participants WHERE person_id = ?1)",
        )?
        .query_row([person_id], |r| {
            Ok(SessionCount {
                sessions: r.get(0)?,
                last: r.get(1)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}

/// [`session_count`] for many people in one query (a search's page).
pub fn session_counts(
    conn: &Connection,
    person_ids: &[i64],
) -> Result<std::collections::HashMap<i64, SessionCount>> {
    let ids = serde_json::to_string(person_ids)
        .map_err(|e| Error::invalid(format!("cannot list the people: {e}")))?;
    let mut stmt = conn.prepare_cached(
        "SELECT p.value, count(s.id), max(s.on_date)
         FROM json_each(?1) p
         LEFT JOIN counselling_sessions s ON s.person_id = p.value OR s.id IN
             (SELECT session_id FROM counselling_participants WHERE person_id = p.value)
         GROUP BY p.value",
    )?;
    let rows = stmt.query_map([ids], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            SessionCount {
                sessions: r.get(1)?,
                last: r.get(2)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Sessions and minutes by kind with a date in `from..=to`, for reports.
/// Each session counts once (a group session is one session).
pub fn totals_by_kind(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(CounsellingKind, i64, i64)>> {
    let mut stmt = conn.prepare(
        "SELECT kind, count(*), sum(minutes) FROM counselling_sessions
         WHERE on_date BETWEEN ?1 AND ?2 GROUP BY kind ORDER BY kind",
    )?;
    let rows = stmt.query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The next version number of a session's note.
pub fn next_note_version(conn: &Connection, id: SessionId) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT coalesce(max(version), 0) + 1 FROM counselling_notes WHERE session_id = ?1",
        [id.0],
        |r| r.get(0),
    )?)
}

/// A stored version: number, sealed bytes, writer, when, MAC.
pub type SealedVersion = (i64, Vec<u8>, Option<String>, String, Option<String>);

/// Every version of a session's note, oldest first.
pub fn load_versions(conn: &Connection, id: SessionId) -> Result<Vec<SealedVersion>> {
    let mut stmt = conn.prepare(
        "SELECT n.version, n.sealed, u.name, n.written_at, n.mac FROM counselling_notes n
         LEFT JOIN users u ON u.id = n.written_by
         WHERE n.session_id = ?1 ORDER BY n.version",
    )?;
    let rows = stmt.query_map([id.0], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What the audit trail says about a session's note: the version its last
/// `counselling.amend` entry made, and the note head that entry recorded
/// (entries written before heads were recorded have none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditedNote {
    pub version: i64,
    pub head: Option<String>,
    /// A `counselling.rotate` came after it: every head was re-signed
    /// since, so only the version number can be compared.
    pub rotated_since: bool,
}

/// The audit trail's word on every amended note (`only`: one session).
/// Read in the caller's snapshot, with the notes, so an amendment committed
/// meanwhile never looks like a removal.
pub fn audited_notes(
    conn: &Connection,
    only: Option<SessionId>,
) -> Result<std::collections::HashMap<SessionId, AuditedNote>> {
    let rotated: Option<i64> = conn.query_row(
        "SELECT max(seq) FROM audit WHERE action = 'counselling.rotate'",
        [],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare(
        "SELECT seq, target, detail FROM audit WHERE action = 'counselling.amend'
           AND (?1 IS NULL OR (' ' || target || ' ') LIKE '% counselling:' || ?1 || ' %')
         ORDER BY seq",
    )?;
    let mut rows = stmt.query([only.map(|s| s.0)])?;
    let mut out = std::collections::HashMap::new();
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let target: String = r.get(1)?;
        let detail: String = r.get(2)?;
        let Some(session) = target
            .split_whitespace()
            .find_map(|t| t.strip_prefix("counselling:"))
            .and_then(|id| id.parse().ok())
        else {
            continue;
        };
        let mut parts = detail.split("; ");
        let Some(version) = parts
            .next()
            .and_then(|v| v.strip_prefix("version "))
            .and_then(|v| v.parse().ok())
        else {
            continue;
        };
        let head = parts
            .find_map(|p| p.strip_prefix("note head "))
            .map(str::to_string);
        out.insert(
            SessionId(session),
            AuditedNote {
                version,
                head,
                rotated_since: rotated.is_some_and(|r| r > seq),
            },
        );
    }
    Ok(out)
}
