//! The audit trail's table: who did what, when, to which record.
//!
//! Entries are append-only (triggers refuse UPDATE and DELETE) and
//! hash-chained: each entry's hash covers the previous entry's hash and its
//! own fields, so editing or deleting a row is found by `verify`. Entries
//! hold record ids and field names, never personal data.
//!
//! ## Targets
//!
//! `target` is a space-separated list of record references, `kind:id`:
//! `person:12`, `counselling:7`, `user:3`. An action about a person's
//! record names the person (`person:12 counselling:7`), so the manager's
//! filter by person finds it. Targets and the typed actions are in
//! `domain::audit`; only the office layer calls `record`.
//!
//! ## The end of the trail (tail truncation)
//!
//! A hash chain alone cannot show that its *last* entries were deleted. Two
//! anchors record the head (sequence number and hash of the last entry):
//!
//! 1. `meta.audit_head`, inside the office file, updated in the same
//!    transaction as every entry. Each new entry continues from this head,
//!    not from the last row, so deleting the last rows leaves a gap that the
//!    next entry (the next login, at the latest) makes visible.
//! 2. `<office>.audit-head`, a small file beside the office file (title,
//!    office id, `seq hash`; nothing personal), moved
//!    forward (never back) at every login, lock and `casedesk audit`. It
//!    catches a tail cut by someone who also rewrote `meta.audit_head`, for
//!    every entry up to the last time the file was moved forward.
//! 3. The key file (`vault::head`) records the head too, moved forward at
//!    the same moments: an older office file put back beside it, even with
//!    the head file deleted, is refused at login until a manager accepts it
//!    (`casedesk restore-accept`, which moves both records back to it).
//!
//! What this does not stop: every account's key slot opens the master key,
//! so anyone with a password and a SQLCipher client can open the office
//! file. Such a person who understands this scheme can rewrite the whole
//! chain from any point (the hashes are not keyed), rewrite both anchors
//! (the head file is plain text) and leave no trace in this office file.
//! What they cannot do: read counselling notes (sealed to a key no manager
//! or staff slot holds), or make the rewritten chain agree with a copy made
//! before — an earlier backup, or a head hash the manager wrote down from
//! `casedesk audit --verify` — so comparing against those reveals it. A
//! casual edit or deletion with a database tool is always reported.
//!
//! ## Failed logins
//!
//! A failed login has no key to the office file, so it cannot write there.
//! It appends one line (time, and the account name only if that account
//! exists; otherwise `?`, since people type passwords into the name field)
//! to `<office>.failed-logins` beside it. The next successful login moves
//! those lines into the trail as `login.failed` entries (detail: the time of
//! the attempt) and removes the file. Anyone with access to the folder can
//! delete or add lines to that file before then: those entries are reports,
//! not proof.

use std::path::PathBuf;

use chrono::{NaiveDate, TimeZone};
use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::Result;
use crate::domain::audit::AuditAction;
use crate::paths::OfficePaths;

/// The hash before the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// `meta` key of the head of the chain: `"<seq> <hash>"`.
pub const META_HEAD: &str = "audit_head";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub seq: i64,
    pub at: String,
    pub user_name: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

fn entry_hash(
    prev: &str,
    seq: i64,
    at: &str,
    user: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    // Length-prefix every field so no two different rows hash alike.
    for part in [prev, &seq.to_string(), at, user, action, target, detail] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// A position in the chain: an entry's number and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    pub seq: i64,
    pub hash: String,
}

impl Head {
    fn parse(s: &str) -> Option<Head> {
        let (seq, hash) = s.trim().split_once(' ')?;
        let seq = seq.parse().ok()?;
        (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit())).then(|| Head {
            seq,
            hash: hash.to_string(),
        })
    }

    fn encode(&self) -> String {
        format!("{} {}", self.seq, self.hash)
    }
}

fn meta_head(conn: &Connection) -> Result<Option<std::result::Result<Head, ()>>> {
    Ok(crate::store::meta::get(conn, META_HEAD)?.map(|s| Head::parse(&s).ok_or(())))
}

fn last_row(conn: &Connection) -> Result<Option<Head>> {
    Ok(conn
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| {
                Ok(Head {
                    seq: r.get(0)?,
                    hash: r.get(1)?,
                })
            },
        )
        .optional()?)
}

/// The head of the chain as casedesk last wrote it.
pub fn head(conn: &Connection) -> Result<Option<Head>> {
    let row = last_row(conn)?;
    Ok(match (meta_head(conn)?, row) {
        (Some(Ok(h)), row) if row.as_ref().is_none_or(|r| h.seq >= r.seq) => Some(h),
        (_, row) => row,
    })
}

/// Append one entry. Call inside the transaction that does the work, so the
/// work and its record land together or not at all; outside a transaction
/// it takes the write lock itself, so two terminals never race for a number.
pub fn record(
    conn: &Connection,
    user: &str,
    action: AuditAction,
    target: &str,
    detail: &str,
) -> Result<()> {
    if conn.is_autocommit() {
        conn.execute_batch("BEGIN IMMEDIATE")?;
        match append(conn, user, action, target, detail) {
            Ok(()) => Ok(conn.execute_batch("COMMIT")?),
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    } else {
        append(conn, user, action, target, detail)
    }
}

fn append(
    conn: &Connection,
    user: &str,
    action: AuditAction,
    target: &str,
    detail: &str,
) -> Result<()> {
    // Continue from the recorded head: if the last rows were deleted, the
    // new entry leaves a gap that `verify` reports.
    let (seq, prev) = match head(conn)? {
        Some(h) => (h.seq + 1, h.hash),
        None => (1, GENESIS.to_string()),
    };
    let at = crate::clock::now();
    let hash = entry_hash(&prev, seq, &at, user, action.code(), target, detail);
    conn.execute(
        "INSERT INTO audit(seq, at, user_name, action, target, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, at, user, action.code(), target, detail, prev, hash],
    )?;
    crate::store::meta::set(conn, META_HEAD, &Head { seq, hash }.encode())?;
    Ok(())
}

/// Where the chain is broken, if it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact { entries: i64 },
    Broken { seq: i64, reason: String },
}

/// Walk the whole chain from the first entry, then check its end against
/// both anchors (see the module comment).
pub fn verify(conn: &Connection) -> Result<Verdict> {
    // The head file first: it only ever moves after the commit it
    // records, so read before the snapshot it is never ahead of it.
    let anchor = read_anchor_file(conn);
    // Then the rows and the head record in one snapshot: a terminal that
    // commits an entry in between is not taken for a cut trail.
    if !conn.is_autocommit() {
        return verify_in(conn, anchor);
    }
    conn.execute_batch("BEGIN DEFERRED")?;
    let verdict = verify_in(conn, anchor);
    // A read transaction: ending it cannot lose anything.
    let _ = conn.execute_batch("COMMIT");
    verdict
}

fn verify_in(conn: &Connection, anchor: Option<Head>) -> Result<Verdict> {
    let mut anchor_seen: Option<String> = None;
    let mut stmt = conn.prepare(
        "SELECT seq, at, user_name, action, target, detail, prev_hash, hash FROM audit ORDER BY seq",
    )?;
    let mut rows = stmt.query([])?;
    let mut prev = GENESIS.to_string();
    let mut expected_seq = 1;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        if seq != expected_seq {
            return Ok(Verdict::Broken {
                seq: expected_seq,
                reason: if seq > expected_seq + 1 {
                    format!("entries {expected_seq} to {} are missing", seq - 1)
                } else {
                    format!("entry {expected_seq} is missing")
                },
            });
        }
        let prev_hash: String = r.get(6)?;
        let hash: String = r.get(7)?;
        if prev_hash != prev {
            return Ok(Verdict::Broken {
                seq,
                reason: format!("entry {seq} does not follow the entry before it"),
            });
        }
        let computed = entry_hash(
            &prev,
            seq,
            &r.get::<_, String>(1)?,
            &r.get::<_, String>(2)?,
            &r.get::<_, String>(3)?,
            &r.get::<_, String>(4)?,
            &r.get::<_, String>(5)?,
        );
        if computed != hash {
            return Ok(Verdict::Broken {
                seq,
                reason: format!("entry {seq} has been altered"),
            });
        }
        if anchor.as_ref().is_some_and(|a| a.seq == seq) {
            anchor_seen = Some(hash.clone());
        }
        prev = hash;
        expected_seq += 1;
    }
    let last = expected_seq - 1;
    match meta_head(conn)? {
        None if last > 0 => {
            return Ok(Verdict::Broken {
                seq: last,
                reason: "the record of the trail's last entry has been removed".into(),
            });
        }
        None => {}
        Some(Err(())) => {
            return Ok(Verdict::Broken {
                seq: last,
                reason: "the record of the trail's last entry has been altered".into(),
            });
        }
        Some(Ok(h)) if h.seq > last => {
            return Ok(Verdict::Broken {
                seq: last + 1,
                reason: format!(
                    "entries {} to {} are missing: the end of the trail was cut off",
                    last + 1,
                    h.seq
                ),
            });
        }
        Some(Ok(h)) if h.seq < last => {
            return Ok(Verdict::Broken {
                seq: h.seq + 1,
                reason: format!("entry {} was not written by casedesk", h.seq + 1),
            });
        }
        Some(Ok(h)) if h.hash != prev => {
            return Ok(Verdict::Broken {
                seq: last,
                reason: format!("entry {last} does not match the record of the last entry"),
            });
        }
        Some(Ok(_)) => {}
    }
    if let Some(a) = anchor {
        if a.seq > last {
            return Ok(Verdict::Broken {
                seq: last + 1,
                reason: format!(
                    "entries {} to {} are missing: the end of the trail was cut off (the head file beside the office file records entry {})",
                    last + 1,
                    a.seq,
                    a.seq
                ),
            });
        }
        if anchor_seen.as_deref() != Some(a.hash.as_str()) {
            return Ok(Verdict::Broken {
                seq: a.seq,
                reason: format!(
                    "entry {} differs from the head file beside the office file: the trail was rewritten",
                    a.seq
                ),
            });
        }
    }
    Ok(Verdict::Intact { entries: last })
}

/// The head file beside the office file this connection has open.
fn anchor_path(conn: &Connection) -> Option<PathBuf> {
    conn.path()
        .filter(|p| !p.is_empty())
        .map(|p| OfficePaths::new(p).sibling(".audit-head"))
}

const ANCHOR_TITLE: &str = "casedesk audit head";

fn office_id(conn: &Connection) -> Option<String> {
    crate::store::meta::get(conn, crate::store::meta::OFFICE_ID)
        .ok()
        .flatten()
}

/// The head file's entry, if there is one for this office. A head file
/// left behind by another office at the same path (a demo rebuilt, an
/// office deleted and created again) is ignored.
fn read_anchor_file(conn: &Connection) -> Option<Head> {
    let text = std::fs::read_to_string(anchor_path(conn)?).ok()?;
    let mut lines = text.lines();
    if lines.next()? != ANCHOR_TITLE || Some(lines.next()?.to_string()) != office_id(conn) {
        return None;
    }
    lines.next().and_then(Head::parse)
}

/// The hash of entry `seq`, if there is one.
pub fn hash_at(conn: &Connection, seq: i64) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT hash FROM audit WHERE seq = ?1", [seq], |r| r.get(0))
        .optional()?)
}

/// Write the head file beside the office file anew at the current head,
/// even when that is behind it (a restored office file a manager accepted).
pub fn reset_anchor(conn: &Connection) -> Result<()> {
    let (Some(path), Some(head)) = (anchor_path(conn), head(conn)?) else {
        return Ok(());
    };
    crate::paths::write_atomically(
        &path,
        format!(
            "{ANCHOR_TITLE}\n{}\n{}\n",
            office_id(conn).unwrap_or_default(),
            head.encode()
        )
        .as_bytes(),
    )
}

/// Move the head file beside the office file forward to the current head.
/// It never moves back: a head file ahead of the trail is evidence.
pub fn advance_anchor(conn: &Connection) -> Result<()> {
    let (Some(path), Some(head)) = (anchor_path(conn), head(conn)?) else {
        return Ok(());
    };
    if read_anchor_file(conn).is_some_and(|a| a.seq >= head.seq) {
        return Ok(());
    }
    crate::paths::write_atomically(
        &path,
        format!(
            "{ANCHOR_TITLE}\n{}\n{}\n",
            office_id(conn).unwrap_or_default(),
            head.encode()
        )
        .as_bytes(),
    )
}

/// Which entries the manager wants to see. Empty means all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Entries about this person (their file, their counselling sessions).
    pub person: Option<i64>,
    /// Entries by this account.
    pub user: Option<String>,
    /// From this local date, inclusive.
    pub from: Option<NaiveDate>,
    /// To this local date, inclusive.
    pub to: Option<NaiveDate>,
    /// This action or its sub-actions (`login` matches `login.failed`).
    pub action: Option<String>,
    /// Newest first (for a screen) instead of oldest first.
    pub newest_first: bool,
    /// Only entries numbered below this (`seq < before_seq`). With
    /// `newest_first` and `limit` this pages back through the trail: pass
    /// the `seq` of the last entry of one page to get the next. Unlike an
    /// offset, a page stays put while new entries are written meanwhile.
    pub before_seq: Option<i64>,
    /// At most this many entries.
    pub limit: Option<usize>,
}

/// Local midnight at the start of `day`, as a stored instant.
fn local_start(day: NaiveDate) -> String {
    let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    let utc = match chrono::Local.from_local_datetime(&midnight).earliest() {
        Some(t) => t.with_timezone(&chrono::Utc),
        None => midnight.and_utc(),
    };
    utc.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The entries matching `filter`.
pub fn query(conn: &Connection, filter: &AuditFilter) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    each_entry(conn, filter, |e| {
        entries.push(e);
        Ok(())
    })?;
    Ok(entries)
}

/// The entries matching `filter`, each handed to `f` as the statement
/// steps (a long trail is never held at once). Returns how many were read;
/// stops at the first error from `f`.
pub fn each_entry(
    conn: &Connection,
    filter: &AuditFilter,
    mut f: impl FnMut(Entry) -> Result<()>,
) -> Result<usize> {
    let from = filter.from.map(local_start);
    let to = filter.to.and_then(|d| d.succ_opt()).map(local_start);
    let limit = filter
        .limit
        .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
    let sql = format!(
        "SELECT seq, at, user_name, action, target, detail, prev_hash, hash FROM audit
         WHERE (?1 IS NULL OR (' ' || target || ' ') LIKE '% person:' || ?1 || ' %')
           AND (?2 IS NULL OR user_name = ?2)
           AND (?3 IS NULL OR at >= ?3)
           AND (?4 IS NULL OR at < ?4)
           AND (?5 IS NULL OR action = ?5 OR substr(action, 1, length(?5) + 1) = ?5 || '.')
           AND (?7 IS NULL OR seq < ?7)
         ORDER BY seq {}
         LIMIT ?6",
        if filter.newest_first { "DESC" } else { "ASC" }
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(params![
        filter.person,
        filter.user,
        from,
        to,
        filter.action,
        limit,
        filter.before_seq
    ])?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        f(Entry {
            seq: r.get(0)?,
            at: r.get(1)?,
            user_name: r.get(2)?,
            action: r.get(3)?,
            target: r.get(4)?,
            detail: r.get(5)?,
            prev_hash: r.get(6)?,
            hash: r.get(7)?,
        })?;
        n += 1;
    }
    Ok(n)
}
