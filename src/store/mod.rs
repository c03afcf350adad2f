//! The office file: a SQLCipher database opened with the raw master key.
//!
//! One module per table group, each with typed functions that take a
//! connection or transaction. Transactions are opened by the caller, so a
//! screen's save is one transaction however many tables it touches.

pub mod activities;
pub mod attendance;
pub mod audit;
pub mod casework;
pub mod classes;
pub mod counselling;
pub mod duplicates;
pub mod meta;
mod migrations;
pub mod persons;
pub mod placements;
pub mod rebuild;
pub mod reports;
pub mod schema;
pub mod search;
pub mod upgrade;
pub mod users;
pub mod vocab;

use std::path::Path;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};
use zeroize::Zeroizing;

use crate::keys::MasterKey;
use crate::{Error, Result};

/// How long a connection waits for another terminal's write to finish.
const BUSY_TIMEOUT_MS: u32 = 10_000;

/// Open an existing office file with its master key, upgrading its schema
/// if it is older than this code (`store::upgrade`: a copy of the file
/// from before is kept beside it as `<office>.before-v<N>`).
pub fn open(path: &Path, key: &MasterKey) -> Result<Connection> {
    open_upgrading(path, key).map(|(conn, _)| conn)
}

/// [`open`], and what the upgrade did if it ran (for the message a login
/// shows and the audit trail).
pub fn open_upgrading(
    path: &Path,
    key: &MasterKey,
) -> Result<(Connection, Option<upgrade::Upgraded>)> {
    match std::fs::metadata(path) {
        Err(_) => {
            return Err(Error::damaged(format!(
                "the office file {} does not exist",
                path.display()
            )));
        }
        // SQLite would take an empty file for a new database and write a
        // fresh, empty office into it.
        Ok(m) if m.len() == 0 => {
            return Err(Error::damaged(format!(
                "the office file {} is empty; restore it from a backup",
                path.display()
            )));
        }
        Ok(_) => {}
    }
    let mut conn = open_keyed(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        key,
    )?;
    configure(&conn)?;
    let upgraded = upgrade::run(
        &mut conn,
        schema::MIGRATIONS,
        schema::LATEST,
        Some(upgrade::KeepCopy { db: path, key }),
    )?;
    Ok((conn, upgraded))
}

/// Create a new, empty office file. Refuses an existing path.
pub fn create(path: &Path, key: &MasterKey) -> Result<Connection> {
    if path.exists() {
        return Err(Error::invalid(format!(
            "{} already exists; casedesk will not overwrite it",
            path.display()
        )));
    }
    let mut conn = open_keyed(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        key,
    )?;
    configure(&conn)?;
    migrate(&mut conn)?;
    Ok(conn)
}

/// Let SQLCipher set up its crypto provider once, on one thread, before any
/// office connection is keyed: its first set-up is not safe to race (many
/// tests, or a desk and its backup worker, key connections at once).
fn warm_up_sqlcipher() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if let Ok(c) = Connection::open_in_memory() {
            let _ = c.execute_batch(
                "PRAGMA key = 'casedesk warm-up'; PRAGMA cipher_log_level = NONE;
                 SELECT count(*) FROM sqlite_master;",
            );
        }
    });
}

/// Open `path` and key the connection; the key must be its first
/// statement.
///
/// Seen rarely when many threads open offices at once (the test suite; a
/// desk and its backup worker): SQLCipher answers "error with PRAGMA key"
/// for a good key. A failed keying leaves that connection in an error
/// state, so trying again on it fails too; a fresh connection succeeds.
pub fn open_keyed(path: &Path, flags: OpenFlags, key: &MasterKey) -> Result<Connection> {
    warm_up_sqlcipher();
    let pragma = Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", key.hex().as_str()));
    let mut attempt = 1;
    loop {
        let conn = Connection::open_with_flags(path, flags)?;
        match conn.execute_batch(&pragma) {
            Ok(()) => return Ok(conn),
            Err(e) if attempt >= KEY_ATTEMPTS => return Err(e.into()),
            Err(_) => {
                tracing::warn!(attempt, "store.key_retry");
                drop(conn);
                std::thread::sleep(std::time::Duration::from_millis(20 * u64::from(attempt)));
                attempt += 1;
            }
        }
    }
}

const KEY_ATTEMPTS: u32 = 4;

/// Set the pragmas every office connection needs, right after keying; the
/// read here is what reveals a wrong key or a file that is not ours.
pub fn configure(conn: &Connection) -> Result<()> {
    // SQLCipher 4.6+ logs to stderr, which would scribble over the UI.
    conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
        .map_err(|e| match said_plainly(conn, e) {
            // A full disk or a failing drive is said as such, not blamed
            // on the file.
            Error::Database(m) if m.contains("disk") => Error::Database(m),
            Error::Database(_) => {
                Error::damaged("the office file is damaged or does not belong with its key file")
            }
            other => other,
        })?;
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS.into()))?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;
         -- Every page read from the file is decrypted and checked; a 32 MiB
         -- cache (per connection; SQLite's default is 2 MiB) keeps a large
         -- register's search from decrypting the same pages again.
         PRAGMA cache_size = -32768;",
    )
    .map_err(|e| said_plainly(conn, e))?;
    Ok(())
}

/// An error from `conn`, with a full disk said as such. SQLite reports
/// some failures of a full disk as a plain I/O error: in particular, when
/// the office is opened in WAL mode and its shared-memory file cannot grow
/// (`SQLITE_IOERR_SHMSIZE`), which is the first thing to fail when nobody
/// has the office open. The operating system's error number tells.
fn said_plainly(conn: &Connection, e: rusqlite::Error) -> Error {
    if let rusqlite::Error::SqliteFailure(f, _) = &e
        && f.code == rusqlite::ffi::ErrorCode::SystemIoFailure
    {
        // SAFETY: the handle is valid while `conn` lives, and
        // sqlite3_system_errno only reads the connection's last errno.
        let errno = unsafe { rusqlite::ffi::sqlite3_system_errno(conn.handle()) };
        if errno != 0
            && std::io::Error::from_raw_os_error(errno).kind() == std::io::ErrorKind::StorageFull
        {
            return Error::Database(crate::error::DISK_FULL.into());
        }
    }
    Error::from(e)
}

/// The schema version a file is at.
pub fn user_version(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Bring the file up to `schema::LATEST` in one transaction
/// (`store::upgrade`; no copy is kept: [`open`] keeps one).
pub fn migrate(conn: &mut Connection) -> Result<()> {
    migrate_to(conn, schema::LATEST)
}

/// Bring the file up to `target` (tests use this to build old fixtures).
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<()> {
    upgrade::run(conn, schema::MIGRATIONS, target, None).map(|_| ())
}

/// Start a write transaction that takes the write lock at once, so two
/// terminals queue up instead of failing half-way.
pub fn write_tx(conn: &mut Connection) -> Result<rusqlite::Transaction<'_>> {
    Ok(conn.transaction_with_behavior(TransactionBehavior::Immediate)?)
}
