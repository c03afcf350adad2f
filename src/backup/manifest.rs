//! The manifest at the head of every backup, and what it is computed from.
//!
//! Format 1 put every checksum in the manifest, so export read the office
//! data twice (once to hash it, once to encrypt it). Format 2 hashes the
//! data as it streams into the archive: the manifest leaves the data's
//! checksum empty and `office.casedesk.sha256` follows the data with it.
//! The manifest still comes first, so an older casedesk reads `format` and
//! says "update casedesk" rather than "damaged".

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::store::{meta, schema};
use crate::vault::MasterKey;
use crate::{Error, Result};

/// The backup format this casedesk writes and the newest it reads.
pub const FORMAT: u32 = 2;

/// The first format whose data checksum follows the data
/// ([`super::DB_SUM_NAME`]) instead of standing in the manifest.
pub(crate) const SUM_AFTER_DATA: u32 = 2;

/// `manifest.json`. Unknown fields are ignored, so a later casedesk may add
/// some without bumping `format`; a change that an older reader would get
/// wrong bumps `format`, which older readers refuse.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Backup format version (`FORMAT`).
    pub format: u32,
    /// The casedesk that wrote the backup.
    pub casedesk_version: String,
    /// `PRAGMA user_version` of the contained office file.
    pub schema_version: u32,
    /// When the snapshot was taken (RFC 3339, UTC).
    pub created_at: String,
    pub office_id: String,
    pub office_name: String,
    /// Rows per table of the snapshot (full-text index tables left out).
    pub counts: BTreeMap<String, u64>,
    /// The two contained files, with size and SHA-256 (lowercase hex). In
    /// the file, from format 2 on, the office data's SHA-256 is empty:
    /// `office.casedesk.sha256` after the data holds it. Read back, it is
    /// filled in from there.
    pub files: Vec<FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileEntry {
    pub name: String,
    pub size: u64,
    pub sha256: String,
}

impl Manifest {
    pub fn file(&self, name: &str) -> Option<&FileEntry> {
        self.files.iter().find(|f| f.name == name)
    }

    pub(crate) fn file_mut(&mut self, name: &str) -> Option<&mut FileEntry> {
        self.files.iter_mut().find(|f| f.name == name)
    }

    /// Refuse what this casedesk cannot read correctly.
    pub(crate) fn check_supported(&self) -> Result<()> {
        if self.format > FORMAT {
            return Err(Error::TooNew(format!(
                "this backup was made by a newer casedesk ({}, backup format {}); update casedesk to use it",
                crate::safe_text::sanitize(&self.casedesk_version),
                self.format
            )));
        }
        if self.schema_version > schema::LATEST {
            return Err(Error::TooNew(format!(
                "this backup was made by a newer casedesk ({}, schema {}; this one knows up to {}); update casedesk to use it",
                crate::safe_text::sanitize(&self.casedesk_version),
                self.schema_version,
                schema::LATEST
            )));
        }
        if self.format == 0
            || self.file(super::DB_NAME).is_none()
            || self.file(super::KEYS_NAME).is_none()
        {
            return Err(Error::damaged(
                "the backup's manifest is incomplete; the backup is damaged",
            ));
        }
        Ok(())
    }
}

/// Open a snapshot (or a restored copy) read-only with the master key.
/// Nothing is written beside it: it is opened `immutable` (no locks, no
/// `-wal` or `-shm` files, which SQLite would otherwise create for a copy
/// of a WAL-mode office and leave behind) and `temp_store` keeps SQLite's
/// scratch space in memory.
pub(crate) fn open_snapshot(path: &Path, key: &MasterKey) -> Result<Connection> {
    let uri = immutable_uri(path)
        .ok_or_else(|| Error::invalid("the temporary folder's name cannot be used"))?;
    let conn = crate::store::open_keyed(
        Path::new(&uri),
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI,
        key,
    )?;
    conn.execute_batch("PRAGMA cipher_log_level = NONE; PRAGMA temp_store = MEMORY;")?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        .map_err(|_| Error::damaged("the key does not open the office data in this backup"))?;
    Ok(conn)
}

/// `file:PATH?immutable=1`, with what a URI path may not hold escaped.
fn immutable_uri(path: &Path) -> Option<String> {
    let text = path.to_str()?;
    let mut uri = String::from("file:");
    if cfg!(windows) {
        uri.push('/');
    }
    for c in text.chars() {
        match c {
            '%' => uri.push_str("%25"),
            '?' => uri.push_str("%3f"),
            '#' => uri.push_str("%23"),
            '\\' if cfg!(windows) => uri.push('/'),
            c => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    Some(uri)
}

/// What the manifest says about the data itself.
pub(crate) struct DataFacts {
    pub schema_version: u32,
    pub office_id: String,
    pub office_name: String,
    pub counts: BTreeMap<String, u64>,
}

pub(crate) fn data_facts(conn: &Connection) -> Result<DataFacts> {
    data_facts_with(conn, table_counts(conn)?)
}

/// [`data_facts`] with the row counts taken elsewhere (export counts on
/// two connections at once).
pub(crate) fn data_facts_with(
    conn: &Connection,
    counts: BTreeMap<String, u64>,
) -> Result<DataFacts> {
    Ok(DataFacts {
        schema_version: crate::store::user_version(conn)?,
        office_id: meta::get(conn, meta::OFFICE_ID)?.unwrap_or_default(),
        office_name: meta::get(conn, meta::OFFICE_NAME)?.unwrap_or_default(),
        counts,
    })
}

/// Rows per ordinary table; virtual tables and their shadow tables (the
/// full-text index, rebuilt from `persons`) are left out.
pub(crate) fn table_counts(conn: &Connection) -> Result<BTreeMap<String, u64>> {
    counted_tables(conn)?
        .into_iter()
        .map(|t| {
            let n = count_rows(conn, &t)?;
            Ok((t, n))
        })
        .collect()
}

/// The tables [`table_counts`] counts, by name.
pub(crate) fn counted_tables(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(
        "SELECT name, type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%' FROM sqlite_master
         WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
    )?;
    let tables: Vec<(String, bool)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let virtuals: Vec<&str> = tables
        .iter()
        .filter(|(_, v)| *v)
        .map(|(n, _)| n.as_str())
        .collect();
    Ok(tables
        .iter()
        .filter(|(name, is_virtual)| {
            !*is_virtual && !virtuals.iter().any(|v| name.starts_with(&format!("{v}_")))
        })
        .map(|(name, _)| name.clone())
        .collect())
}

/// `count(*)` of one table.
pub(crate) fn count_rows(conn: &Connection, table: &str) -> Result<u64> {
    let n: i64 = conn.query_row(
        &format!("SELECT count(*) FROM \"{}\"", table.replace('"', "\"\"")),
        [],
        |r| r.get(0),
    )?;
    Ok(n as u64)
}

/// `office.casedesk.sha256`: one line as `sha256sum` writes it, so after
/// `age -d | tar x` the data can be checked with `sha256sum -c`.
pub(crate) fn sum_line(sha256: &str) -> String {
    format!("{sha256}  {}\n", super::DB_NAME)
}

/// The SHA-256 in a [`sum_line`], if that is exactly what `bytes` hold.
pub(crate) fn parse_sum_line(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let (sha, rest) = text.split_at_checked(64)?;
    let is_hex = sha
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    (is_hex && rest == format!("  {}\n", super::DB_NAME)).then(|| sha.to_string())
}

/// A writer that hashes and counts what goes through it.
pub(crate) struct Hashing<W> {
    pub inner: W,
    hasher: Sha256,
    pub size: u64,
}

impl<W> Hashing<W> {
    pub fn new(inner: W) -> Self {
        Self {
            inner,
            hasher: Sha256::new(),
            size: 0,
        }
    }

    pub fn finish(self) -> (W, String, u64) {
        (self.inner, hex::encode(self.hasher.finalize()), self.size)
    }
}

impl<W: std::io::Write> std::io::Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
