//! Writing a backup: snapshot, manifest, tar into age, read back, rename.
//! No role check and no audit entry here: `office::backup` does both.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use age::x25519;
use rusqlite::Connection;

use super::manifest::{self, FileEntry, Manifest};
use super::read::Contents;
use super::side_hash::{Pumped, SideHasher};
use super::snapshot::{self, Held};
use super::{
    DB_NAME, DB_SUM_NAME, Encryption, KEYS_NAME, MANIFEST_NAME, Progress, ProgressReader, Stage,
    Unlock,
};
use crate::store::meta;
use crate::vault::keyfile::KeyFile;
use crate::vault::{MasterKey, OfficePaths};
use crate::{Error, Result};

/// Where `last_good_backup` is recorded (RFC 3339 UTC).
pub const LAST_GOOD: &str = "backup.last_good";

/// A finished, checked backup.
#[derive(Debug, Clone)]
pub struct ExportSummary {
    pub path: PathBuf,
    pub manifest: Manifest,
    /// Size of the encrypted file.
    pub bytes: u64,
}

/// What a backup is taken from.
pub struct Source<'a> {
    pub conn: &'a Connection,
    pub key: &'a MasterKey,
    pub paths: &'a OfficePaths,
}

/// Note a checked backup's time, in the caller's transaction (the office
/// layer adds its audit entry to the same transaction).
pub fn set_last_good(conn: &Connection) -> Result<()> {
    meta::set(conn, LAST_GOOD, &crate::clock::now())
}

/// The snapshot, held open, and what the manifest says about it.
struct Snapshot<'c> {
    held: Held<'c>,
    keys: Vec<u8>,
    manifest: Manifest,
}

/// Write, check and rename a backup; no role check, no audit entry.
pub fn write_backup(
    session: &Source<'_>,
    out: &Path,
    to: &Encryption,
    progress: &mut dyn FnMut(Progress),
) -> Result<ExportSummary> {
    if out.exists() {
        return Err(Error::invalid(format!(
            "{} already exists; casedesk will not overwrite it",
            out.display()
        )));
    }
    let out_dir = super::parent_dir(out);
    if !out_dir.is_dir() {
        return Err(Error::invalid(format!(
            "the folder {} does not exist",
            out_dir.display()
        )));
    }
    let file_name = out
        .file_name()
        .ok_or_else(|| Error::invalid(format!("{} is not a file name", out.display())))?;
    match to {
        Encryption::Passphrase(p) => super::check_passphrase(p)?,
        Encryption::Recipients(r) if r.is_empty() => {
            return Err(Error::invalid("a backup needs at least one recipient"));
        }
        Encryption::Recipients(_) => {}
    }

    // Whatever a killed export left here or beside the office goes first.
    let office_dir = super::parent_dir(&session.paths.db);
    super::leftovers::remove_leftovers(office_dir, office_dir);
    super::leftovers::remove_leftovers(out_dir, office_dir);
    let mark = super::leftovers::ExportMark::take(office_dir)?;

    // Write to a temporary name beside the target; it is removed on any
    // error (and on drop) and renamed only once checked.
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(file_name);
    prefix.push(format!(".{}.", mark.token));
    let partial = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".partial")
        .tempfile_in(out_dir)
        .map_err(|e| Error::io(format!("cannot write in {}", out_dir.display()), e))?;

    // A recipients-only backup gets one more recipient: a one-time key that
    // only lives in memory, so we can read the file back before trusting it.
    let check_key = match to {
        Encryption::Recipients(_) => Some(x25519::Identity::generate()),
        Encryption::Passphrase(_) => None,
    };
    let check_public = check_key.as_ref().map(|k| k.to_public());
    let unlock = match (to, check_key) {
        (Encryption::Passphrase(p), _) => Unlock::Passphrase(p.clone()),
        (Encryption::Recipients(_), Some(k)) => Unlock::Identities(vec![Box::new(k)]),
        (Encryption::Recipients(_), None) => unreachable!("a check key is made for recipients"),
    };

    let mut snap = take_snapshot(session, progress)?;
    let (contents, db_sha) = write_and_check(
        &partial,
        &snap,
        to,
        check_public.as_ref(),
        &unlock,
        progress,
    )
    .map_err(|e| write_error(e, out))?;
    // The read transaction ends here: the pages are in the file.
    drop(snap.held);
    // What was hashed going in must be what the read-back found (it filled
    // in the data's checksum from the file, after checking the data).
    if let Some(db) = snap.manifest.file_mut(DB_NAME) {
        db.sha256 = db_sha;
    }
    if contents.manifest != snap.manifest || contents.keys != snap.keys {
        return Err(Error::damaged(
            "the backup did not read back correctly; nothing was saved; check the disk and try again",
        ));
    }

    let bytes = partial
        .as_file()
        .metadata()
        .map(|m| m.len())
        .unwrap_or_default();
    partial.persist_noclobber(out).map_err(|e| {
        if out.exists() {
            Error::invalid(format!(
                "{} already exists; casedesk will not overwrite it",
                out.display()
            ))
        } else {
            Error::io(format!("cannot write {}", out.display()), e.error)
        }
    })?;
    super::sync_dir(out_dir);
    tracing::info!(bytes, "backup written and checked");
    Ok(ExportSummary {
        path: out.to_path_buf(),
        manifest: contents.manifest,
        bytes,
    })
}

fn write_error(e: Error, out: &Path) -> Error {
    match e {
        Error::Io { source, .. } => Error::io(format!("cannot write {}", out.display()), source),
        other => other,
    }
}

/// Hold a snapshot of the office's encrypted pages (`snapshot::begin`: a
/// read transaction on the office connection) and work out the manifest
/// while it is held: the row counts (on the office connection, so of the
/// same snapshot). The pages' SHA-256 is taken later, as they stream into
/// the archive, and written after them (format 2). The key
/// file is read before and after, so a rekey or account change at that
/// moment cannot give a snapshot whose key slots do not open it.
fn take_snapshot<'c>(
    session: &Source<'c>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Snapshot<'c>> {
    let read_keys = || {
        std::fs::read(&session.paths.keys).map_err(|e| {
            Error::io(
                format!("cannot read the key file {}", session.paths.keys.display()),
                e,
            )
        })
    };
    for _attempt in 0..3 {
        progress(Progress {
            stage: Stage::Snapshot,
            done: 0,
            total: 0,
        });
        let keys_before = read_keys()?;
        let held = snapshot::begin(session.conn)?;
        progress(Progress {
            stage: Stage::Counting,
            done: 0,
            total: 0,
        });
        let facts = counted_lightly(&held, session)?;
        let keys = read_keys()?;
        if keys != keys_before {
            continue;
        }
        let key_file: KeyFile = serde_json::from_slice(&keys).map_err(|_| {
            Error::damaged("the key file is damaged; run 'casedesk check' before a backup")
        })?;
        if key_file.office_id != facts.office_id {
            return Err(Error::damaged(
                "the key file does not belong to this office; run 'casedesk check'",
            ));
        }
        tracing::debug!(
            pages = held.pages.len(),
            wal_frames = held.pages.wal_frames,
            "backup snapshot"
        );
        let manifest = Manifest {
            format: super::FORMAT,
            casedesk_version: env!("CARGO_PKG_VERSION").to_string(),
            schema_version: facts.schema_version,
            created_at: crate::clock::now(),
            office_id: facts.office_id,
            office_name: facts.office_name,
            counts: facts.counts,
            files: vec![
                FileEntry {
                    name: DB_NAME.into(),
                    size: held.pages.len(),
                    // Known once the pages have streamed (`write_archive`).
                    sha256: String::new(),
                },
                FileEntry {
                    name: KEYS_NAME.into(),
                    size: keys.len() as u64,
                    sha256: manifest::sha256_hex(&keys),
                },
            ],
        };
        return Ok(Snapshot {
            held,
            keys,
            manifest,
        });
    }
    Err(Error::Conflict(
        "the key file kept changing during the backup (a rekey or account change?); try again"
            .into(),
    ))
}

/// The manifest's facts, counted with a small page cache: counting reads
/// every table once, and the office connection's usual 32 MiB cache would
/// stay filled (and resident) for the rest of the export, on top of age's
/// scrypt for a passphrase backup.
fn counted_lightly(held: &Held<'_>, session: &Source<'_>) -> Result<manifest::DataFacts> {
    let conn: &Connection = &held.tx;
    let usual: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
    conn.execute_batch(&format!("PRAGMA cache_size = {SMALL_CACHE}"))?;
    let facts = manifest::counted_tables(conn)
        .and_then(|tables| counted_on_two_threads(held, session, &tables))
        .and_then(|counts| manifest::data_facts_with(conn, counts));
    // Give back the pages cached so far (the login's and the counts'):
    // nothing reads through the cache until the export ends.
    conn.execute_batch(&format!(
        "PRAGMA cache_size = {usual}; PRAGMA shrink_memory;"
    ))?;
    facts
}

/// `PRAGMA cache_size` while counting (KiB when negative).
const SMALL_CACHE: i64 = -2048;

/// Row counts of `tables` in `held`'s snapshot. Counting is decryption
/// bound, and nothing else can run until the manifest (which leads the
/// archive) is known, so a second connection on a second thread takes
/// tables from the same list, if it can join the very same snapshot
/// (`snapshot::join`; only a commit in that moment stops it). What it
/// leaves or fails to count, this thread counts.
fn counted_on_two_threads(
    held: &Held<'_>,
    session: &Source<'_>,
    tables: &[String],
) -> Result<std::collections::BTreeMap<String, u64>> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let count_from_list = |conn: &Connection| -> Result<Vec<(usize, u64)>> {
        let mut counted = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(table) = tables.get(i) else {
                return Ok(counted);
            };
            counted.push((i, manifest::count_rows(conn, table)?));
        }
    };
    let mark = held.mark();
    let (db, key) = (&session.paths.db, session.key);
    let (mine, theirs) = std::thread::scope(|s| {
        let helper = s.spawn(|| -> Result<Vec<(usize, u64)>> {
            let conn = crate::store::open_keyed(
                db,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
                key,
            )?;
            conn.execute_batch(&format!(
                "PRAGMA cipher_log_level = NONE; PRAGMA cache_size = {SMALL_CACHE};"
            ))?;
            match snapshot::join(mark, &conn)? {
                Some(tx) => count_from_list(&tx),
                None => Ok(Vec::new()),
            }
        });
        let mine = count_from_list(&held.tx);
        let theirs = helper.join().unwrap_or_else(|_| Ok(Vec::new()));
        (mine, theirs)
    });
    let mut counts = vec![None; tables.len()];
    for (i, n) in mine?.into_iter().chain(theirs.unwrap_or_else(|e| {
        tracing::debug!(error = %e, "backup.count_helper_failed");
        Vec::new()
    })) {
        counts[i] = Some(n);
    }
    tables
        .iter()
        .zip(counts)
        .map(|(table, n)| {
            let n = match n {
                Some(n) => n,
                None => manifest::count_rows(&held.tx, table)?,
            };
            Ok((table.clone(), n))
        })
        .collect()
}

/// Write the archive into `partial` and, at the same time on a second
/// thread, read the file back as it grows: decrypt it, walk the archive and
/// check both checksums against the manifest (`read::read_from`, what
/// `verify` runs). Then the file is fsynced. The read-back returns what it
/// found, for the caller to compare with what was meant to be written, and
/// the office data's SHA-256 as it went in.
fn write_and_check(
    partial: &tempfile::NamedTempFile,
    snap: &Snapshot<'_>,
    to: &Encryption,
    check_key: Option<&x25519::Recipient>,
    unlock: &Unlock,
    progress: &mut dyn FnMut(Progress),
) -> Result<(Contents, String)> {
    let io = |e: std::io::Error| Error::io("cannot write the backup", e);
    let tail = Tail::default();
    let back = File::open(partial.path()).map_err(io)?;
    let (written, read_back) = std::thread::scope(|s| {
        let checker = s.spawn(|| {
            let follow = Follow {
                file: back,
                tail: &tail,
                pos: 0,
            };
            super::read::read_from(
                follow,
                partial.path(),
                unlock,
                &mut std::io::sink(),
                super::read::HashOn::ThisThread,
            )
        });
        let written = super::with_background_sync(partial.as_file(), |file| {
            let mut out = Notify {
                file,
                tail: &tail,
                reader: checker.thread().clone(),
            };
            write_archive(&mut out, snap, to, check_key, progress)
        });
        tail.end(written.is_ok(), checker.thread());
        if written.is_ok() {
            // The read-back trails the writer; say how far it has got.
            let total = tail.written.load(Ordering::Acquire);
            let mut reported = u64::MAX;
            loop {
                let finished = checker.is_finished();
                let done = tail.read.load(Ordering::Acquire).min(total);
                if done != reported {
                    reported = done;
                    progress(Progress {
                        stage: Stage::Verifying,
                        done,
                        total,
                    });
                }
                if finished {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
        }
        let read_back = checker
            .join()
            .unwrap_or_else(|_| Err(Error::Crypto("the read-back thread failed".into())));
        (written, read_back)
    });
    let db_sha = written?;
    partial.as_file().sync_all().map_err(io)?;
    let contents = read_back.map_err(|e| {
        Error::damaged(format!(
            "the backup did not read back correctly ({e}); nothing was saved; check the disk and try again"
        ))
    })?;
    Ok((contents, db_sha))
}

/// How far the archive is written, shared with the read-back thread.
#[derive(Default)]
struct Tail {
    written: AtomicU64,
    /// Bytes the read-back has read.
    read: AtomicU64,
    /// 0 while writing, 1 when complete, 2 when writing failed.
    state: AtomicU8,
}

impl Tail {
    fn end(&self, ok: bool, reader: &std::thread::Thread) {
        self.state.store(if ok { 1 } else { 2 }, Ordering::Release);
        reader.unpark();
    }
}

/// The backup file as written to: notes each write for the read-back.
struct Notify<'a, 'f> {
    file: &'a mut super::SyncingWriter<'f>,
    tail: &'a Tail,
    reader: std::thread::Thread,
}

impl Write for Notify<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.tail.written.fetch_add(n as u64, Ordering::Release);
        self.reader.unpark();
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// The backup file as read back: what is written so far, waiting for more
/// until the writer is done.
struct Follow<'a> {
    file: File,
    tail: &'a Tail,
    pos: u64,
}

impl Read for Follow<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        loop {
            // The state first: once it says "complete", `written` is final.
            let state = self.tail.state.load(Ordering::Acquire);
            let written = self.tail.written.load(Ordering::Acquire);
            if self.pos < written {
                let want = buf.len().min((written - self.pos) as usize);
                let n = read_at(&self.file, &mut buf[..want], self.pos)?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                self.pos += n as u64;
                self.tail.read.store(self.pos, Ordering::Release);
                return Ok(n);
            }
            match state {
                1 => return Ok(0),
                2 => return Err(std::io::Error::other("the backup was not written")),
                // The writer unparks this thread after each write.
                _ => std::thread::park_timeout(std::time::Duration::from_millis(50)),
            }
        }
    }
}

/// Stream manifest, snapshot pages (hashed on the way), their checksum and
/// key file through tar into age; returns the pages' SHA-256.
fn write_archive(
    out: &mut Notify<'_, '_>,
    snap: &Snapshot<'_>,
    to: &Encryption,
    check_key: Option<&x25519::Recipient>,
    progress: &mut dyn FnMut(Progress),
) -> Result<String> {
    let io = |e: std::io::Error| Error::io("cannot write the backup", e);
    let encryptor = match to {
        Encryption::Passphrase(p) => {
            let r = super::scrypt_recipient(p);
            age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))?
        }
        Encryption::Recipients(rs) => age::Encryptor::with_recipients(
            rs.iter().chain(check_key).map(|r| r as &dyn age::Recipient),
        )?,
    };
    // No buffer between age and the file: age writes whole 64 KiB chunks.
    let age_out = encryptor.wrap_output(out).map_err(io)?;
    let mut tar = tar::Builder::new(age_out);
    let mtime = chrono::DateTime::parse_from_rfc3339(&snap.manifest.created_at)
        .map(|t| t.timestamp().max(0) as u64)
        .unwrap_or(0);
    let header = |size: u64| {
        let mut h = tar::Header::new_ustar();
        h.set_entry_type(tar::EntryType::Regular);
        h.set_size(size);
        h.set_mode(0o600);
        h.set_mtime(mtime);
        h
    };
    let manifest_json = serde_json::to_vec_pretty(&snap.manifest)
        .map_err(|e| Error::Crypto(format!("cannot encode the manifest: {e}")))?;
    tar.append_data(
        &mut header(manifest_json.len() as u64),
        MANIFEST_NAME,
        manifest_json.as_slice(),
    )
    .map_err(io)?;
    let db_size = snap.held.pages.len();
    let mut pages = ProgressReader::new(
        snap.held.pages.reader(),
        Stage::Encrypting,
        db_size,
        progress,
    );
    // The data entry is written here rather than by `append_data`: each
    // buffer of pages is read once, age encrypts from it and a second
    // thread hashes it; tar's copy loop would copy every byte three more
    // times. The header is tar's own; the padding is zeros to 512 bytes.
    let mut db_header = header(db_size);
    db_header.set_path(DB_NAME).map_err(io)?;
    db_header.set_cksum();
    let (db_sha, hashed_size) = std::thread::scope(|s| -> Result<(String, u64)> {
        let mut side = SideHasher::spawn(s, std::io::sink());
        let out = tar.get_mut();
        out.write_all(db_header.as_bytes()).map_err(io)?;
        side.pump(&mut pages, |chunk| out.write_all(chunk))
            .map_err(|e| match e {
                Pumped::Read(e) => Error::io("cannot read the office file", e),
                Pumped::Also(e) => io(e),
            })?;
        let (sha, size) = side.finish().map_err(io)?;
        let padding = (512 - size % 512) % 512;
        out.write_all(&[0; 512][..padding as usize]).map_err(io)?;
        Ok((sha, size))
    })?;
    if hashed_size != db_size {
        return Err(Error::io(
            "cannot read the office file",
            std::io::ErrorKind::UnexpectedEof.into(),
        ));
    }
    let sum = manifest::sum_line(&db_sha);
    tar.append_data(&mut header(sum.len() as u64), DB_SUM_NAME, sum.as_bytes())
        .map_err(io)?;
    tar.append_data(
        &mut header(snap.keys.len() as u64),
        KEYS_NAME,
        snap.keys.as_slice(),
    )
    .map_err(io)?;
    let age_out = tar.into_inner().map_err(io)?;
    age_out.finish().map_err(io)?.flush().map_err(io)?;
    Ok(db_sha)
}

/// A positioned read of the backup file being written.
#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buf, at)
}

#[cfg(windows)]
fn read_at(file: &File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buf, at)
}
