//! The audit trail: who did what, when, to which record.
//!
//! Entries are append-only (triggers refuse UPDATE and DELETE) and
//! hash-chained: each entry's hash covers the previous entry's hash and its
//! own fields, so editing or deleting a row is found by `verify`. Entries
//! hold record ids and field names, never personal data.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::Result;

/// The hash before the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

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

/// Append one entry. Call inside the transaction that does the work, so the
/// work and its record land together or not at all.
pub fn record(
    conn: &Connection,
    user: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<()> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS.to_string()),
    };
    let at = crate::store::now();
    let hash = entry_hash(&prev, seq, &at, user, action, target, detail);
    conn.execute(
        "INSERT INTO audit(seq, at, user_name, action, target, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, at, user, action, target, detail, prev, hash],
    )?;
    Ok(())
}

/// Where the chain is broken, if it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact { entries: i64 },
    Broken { seq: i64, reason: String },
}

/// Walk the whole chain from the first entry.
pub fn verify(conn: &Connection) -> Result<Verdict> {
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
                reason: format!("entry {expected_seq} is missing"),
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
        prev = hash;
        expected_seq += 1;
    }
    Ok(Verdict::Intact {
        entries: expected_seq - 1,
    })
}
