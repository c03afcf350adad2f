//! Bringing an office file's schema up to date without ever losing a row.
//!
//! An upgrade runs on the only copy of an office's records, so:
//!
//! - Before it changes the file, a page copy of the file as it is
//!   (encrypted with the same key, the pages SQLite itself reads) is kept
//!   beside it as `<office>.before-v<N>`, N the old version. It is taken
//!   inside the upgrade's write transaction, so it is exactly the file the
//!   upgrade starts from, and stays until the next successful upgrade.
//! - Foreign keys are off for the upgrade: a table rebuild (create the new
//!   table, copy, drop the old one, rename) would otherwise let `DROP
//!   TABLE persons` delete every row that cascades from it. SQLite ignores
//!   `PRAGMA foreign_keys` inside a transaction, so it is set before the
//!   transaction begins and set back on after it ends, whatever happened.
//! - Every migration runs in one transaction; before it commits,
//!   `PRAGMA foreign_key_check` must find no broken reference and
//!   `PRAGMA integrity_check` must say `ok`. On any failure the transaction
//!   is rolled back and the error says the file is unchanged.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::schema::Migration;
use super::{user_version, vocab};
use crate::keys::MasterKey;
use crate::{Error, Result};

/// Where to keep the copy from before an upgrade: the office file and the
/// key it is encrypted with.
#[derive(Clone, Copy)]
pub struct KeepCopy<'a> {
    pub db: &'a Path,
    pub key: &'a MasterKey,
}

/// What an upgrade did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upgraded {
    pub from: u32,
    pub to: u32,
    /// The copy kept from before (none for a new file or an in-memory one).
    pub copy: Option<PathBuf>,
}

impl Upgraded {
    /// What the faces tell the person who opened the office.
    pub fn notice(&self) -> String {
        let copy = self
            .copy
            .as_deref()
            .and_then(Path::file_name)
            .map(|n| {
                format!(
                    "; the file as it was is kept beside it as {} until the next upgrade",
                    n.to_string_lossy()
                )
            })
            .unwrap_or_default();
        format!(
            "The office file was upgraded from schema {} to {}{copy}.",
            self.from, self.to
        )
    }
}

/// Bring `conn` from its version up to `target`, running `migrations`
/// (the office's own list, [`super::schema::MIGRATIONS`]; tests pass
/// others). `None` when there was nothing to do.
pub fn run(
    conn: &mut Connection,
    migrations: &[Migration],
    target: u32,
    keep: Option<KeepCopy<'_>>,
) -> Result<Option<Upgraded>> {
    let known = u32::try_from(migrations.len()).unwrap_or(u32::MAX);
    let current = user_version(conn)?;
    if current > known {
        return Err(Error::TooNew(format!(
            "this office file was written by a newer casedesk (schema {current}; this one knows up to {known}); update casedesk to open it"
        )));
    }
    let target = target.min(known);
    if current >= target {
        return Ok(None);
    }
    // Outside any transaction, or SQLite ignores it.
    conn.execute_batch("PRAGMA foreign_keys = OFF;")?;
    let done = upgrade(conn, migrations, target, keep);
    let back_on = conn.execute_batch("PRAGMA foreign_keys = ON;");
    let done = done?;
    back_on?;
    if let Some(u) = &done {
        let copy = u
            .copy
            .as_deref()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        tracing::info!(from = u.from, to = u.to, copy, "schema upgraded");
        if let (Some(keep), Some(copy)) = (keep, &u.copy) {
            remove_older_copies(keep.db, copy);
        }
    }
    Ok(done)
}

fn upgrade(
    conn: &mut Connection,
    migrations: &[Migration],
    target: u32,
    keep: Option<KeepCopy<'_>>,
) -> Result<Option<Upgraded>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another terminal may have upgraded while we waited for the lock.
    let from: u32 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if from >= target {
        return Ok(None);
    }
    let copy = match keep {
        Some(keep) if from > 0 => {
            Some(keep_copy(keep, from).map_err(|e| undone(from, target, None, None, e))?)
        }
        _ => None,
    };
    let failed = |step: Option<u32>, e: Error| undone(from, target, step, copy.as_deref(), e);
    for (i, m) in migrations
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(from as usize)
    {
        let step = u32::try_from(i + 1).unwrap_or(u32::MAX);
        m.run(&tx).map_err(|e| failed(Some(step), e))?;
        tracing::info!(version = step, "schema step done");
    }
    vocab::fill(&tx).map_err(|e| failed(None, e))?;
    if let Some(why) = problems(&tx)? {
        return Err(failed(None, Error::Database(why)));
    }
    tx.pragma_update(None, "user_version", target)?;
    tx.commit().map_err(|e| failed(None, e.into()))?;
    Ok(Some(Upgraded {
        from,
        to: target,
        copy,
    }))
}

/// The error of an upgrade that was undone: the file is as it was.
fn undone(from: u32, to: u32, step: Option<u32>, copy: Option<&Path>, e: Error) -> Error {
    tracing::error!(from, to, step, "schema upgrade failed and was undone");
    let at = step.map(|s| format!(" at step {s}")).unwrap_or_default();
    let kept = copy
        .and_then(Path::file_name)
        .map(|n| format!(" (the copy from before is {})", n.to_string_lossy()))
        .unwrap_or_default();
    let why = match e {
        // Not "the office file could not be used: …" twice.
        Error::Database(m) => m,
        other => other.to_string(),
    };
    Error::Database(format!(
        "upgrading it from schema {from} to {to} failed{at}, so nothing was changed: the file is as it was{kept}; {why}"
    ))
}

/// What `foreign_key_check` and `integrity_check` find, said plainly (table
/// names and counts, never row values).
fn problems(tx: &Transaction<'_>) -> Result<Option<String>> {
    let mut stmt = tx.prepare("PRAGMA foreign_key_check")?;
    let broken: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if let Some((table, parent)) = broken.first() {
        return Ok(Some(format!(
            "{} reference(s) would point to no row (the first: in {table}, to {parent})",
            broken.len()
        )));
    }
    let mut stmt = tx.prepare("PRAGMA integrity_check")?;
    let lines: Vec<String> = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if lines.len() != 1 || lines[0] != "ok" {
        return Ok(Some(format!(
            "the integrity check found {} problem(s) (the first: {})",
            lines.len(),
            lines.first().map(String::as_str).unwrap_or("")
        )));
    }
    Ok(None)
}

/// The name of the copy kept from before an upgrade from `version`.
pub fn copy_path(db: &Path, version: u32) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(format!(".before-v{version}"));
    p.into()
}

/// Every copy kept beside `db` from before an upgrade, with the version it
/// holds, oldest first.
pub fn kept_copies(db: &Path) -> Vec<(u32, PathBuf)> {
    let (Some(dir), Some(name)) = (db.parent(), db.file_name()) else {
        return Vec::new();
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!("{}.before-v", name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<(u32, PathBuf)> = entries
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_str()?.to_string();
            let v: u32 = n.strip_prefix(&prefix)?.parse().ok()?;
            Some((v, e.path()))
        })
        .collect();
    found.sort();
    found
}

/// Copy the file's pages to `<db>.before-v<version>` encrypted with the
/// same key: SQLite's backup of the same pages, written to a new file under
/// a temporary name and renamed when complete.
///
/// Called while the upgrade's transaction holds the write lock and has
/// written nothing: SQLite's backup will not read from a connection in a
/// write transaction, so a second connection reads the pages, and it sees
/// exactly what the upgrade starts from (nobody else can commit).
fn keep_copy(keep: KeepCopy<'_>, version: u32) -> Result<PathBuf> {
    let path = copy_path(keep.db, version);
    let mut partial = path.clone().into_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let ctx = |what: &str| format!("cannot {what} the copy from before the upgrade");
    match std::fs::remove_file(&partial) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(Error::io(ctx("replace"), e)),
    }
    {
        let flags =
            rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let source = super::open_keyed(keep.db, flags, keep.key)?;
        source.execute_batch("PRAGMA cipher_log_level = NONE;")?;
        let mut dest = super::open_keyed(
            &partial,
            flags | rusqlite::OpenFlags::SQLITE_OPEN_CREATE,
            keep.key,
        )?;
        dest.execute_batch("PRAGMA cipher_log_level = NONE;")?;
        let step = rusqlite::backup::Backup::new(&source, &mut dest)?.step(-1)?;
        let copied: u32 = dest.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let check: String = dest.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if step != rusqlite::backup::StepResult::Done || copied != version || check != "ok" {
            return Err(Error::Database(
                "the copy from before the upgrade did not read back whole, so the upgrade did not start".into(),
            ));
        }
    }
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(ctx("write"), e))?;
    std::fs::rename(&partial, &path).map_err(|e| Error::io(ctx("write"), e))?;
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(path)
}

/// After a successful upgrade, only its own copy stays.
fn remove_older_copies(db: &Path, keep: &Path) {
    for (_, p) in kept_copies(db) {
        if p != keep && std::fs::remove_file(&p).is_err() {
            tracing::warn!("store.old_upgrade_copy_not_removed");
        }
    }
    // A copy cut short (its process was killed) is never a copy.
    let mut partial = keep.as_os_str().to_owned();
    partial.push(".partial");
    let _ = std::fs::remove_file(PathBuf::from(partial));
}
