//! Writing a backup: snapshot, manifest, tar into age, read back, rename.
//! No role check and no audit entry here: `office::backup` does both.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use age::x25519;
use rusqlite::Connection;

use super::manifest::{self, FileEntry, Hashing, Manifest};
use super::{
    DB_NAME, Encryption, KEYS_NAME, MANIFEST_NAME, Progress, ProgressReader, Stage, Unlock,
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

/// The snapshot and what the manifest says about it.
struct Snapshot {
    file: tempfile::NamedTempFile,
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
    let snap = take_snapshot(session, &mark.token, progress)?;

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
    write_archive(partial.as_file(), &snap, to, check_key.as_ref(), progress)
        .map_err(|e| write_error(e, out))?;

    let unlock = match (to, check_key) {
        (Encryption::Passphrase(p), _) => Unlock::Passphrase(p.clone()),
        (Encryption::Recipients(_), Some(k)) => Unlock::Identities(vec![Box::new(k)]),
        (Encryption::Recipients(_), None) => unreachable!("a check key is made for recipients"),
    };
    let contents = super::read::read_backup(
        partial.path(),
        &unlock,
        &mut std::io::sink(),
        Stage::Verifying,
        progress,
    )
    .map_err(|e| {
        Error::damaged(format!(
            "the backup did not read back correctly ({e}); nothing was saved; check the disk and try again"
        ))
    })?;
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
    drop(snap);
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

/// `VACUUM INTO` a temporary file beside the office file: SQLCipher writes
/// it encrypted with the same master key. The key file is read before and
/// after, so a rekey or account change at that moment cannot give a
/// snapshot whose key slots do not open it.
fn take_snapshot(
    session: &Source<'_>,
    token: &str,
    progress: &mut dyn FnMut(Progress),
) -> Result<Snapshot> {
    let office_dir = super::parent_dir(&session.paths.db);
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
        let file = tempfile::Builder::new()
            .prefix(&format!("{}{token}-", super::leftovers::SNAPSHOT_PREFIX))
            .suffix(".tmp")
            .tempfile_in(office_dir)
            .map_err(|e| Error::io(format!("cannot write in {}", office_dir.display()), e))?;
        let target = file.path().to_str().ok_or_else(|| {
            Error::invalid("the office file's folder name cannot be used for a snapshot")
        })?;
        session.conn.execute("VACUUM INTO ?1", [target])?;
        let keys = read_keys()?;
        if keys != keys_before {
            continue;
        }
        progress(Progress {
            stage: Stage::Checksums,
            done: 0,
            total: 0,
        });
        let facts = {
            let conn = manifest::open_snapshot(file.path(), session.key)?;
            manifest::data_facts(&conn)?
        };
        let key_file: KeyFile = serde_json::from_slice(&keys).map_err(|_| {
            Error::damaged("the key file is damaged; run 'casedesk check' before a backup")
        })?;
        if key_file.office_id != facts.office_id {
            return Err(Error::damaged(
                "the key file does not belong to this office; run 'casedesk check'",
            ));
        }
        let mut hashing = Hashing::new(std::io::sink());
        let total = file.as_file().metadata().map(|m| m.len()).unwrap_or(0);
        let mut reader = ProgressReader::new(
            File::open(file.path()).map_err(|e| Error::io("cannot read the snapshot", e))?,
            Stage::Checksums,
            total,
            progress,
        );
        std::io::copy(&mut reader, &mut hashing)
            .map_err(|e| Error::io("cannot read the snapshot", e))?;
        let (_, db_sha, db_size) = hashing.finish();
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
                    size: db_size,
                    sha256: db_sha,
                },
                FileEntry {
                    name: KEYS_NAME.into(),
                    size: keys.len() as u64,
                    sha256: manifest::sha256_hex(&keys),
                },
            ],
        };
        return Ok(Snapshot {
            file,
            keys,
            manifest,
        });
    }
    Err(Error::Conflict(
        "the key file kept changing during the backup (a rekey or account change?); try again"
            .into(),
    ))
}

/// Stream manifest, snapshot and key file through tar into age.
fn write_archive(
    file: &File,
    snap: &Snapshot,
    to: &Encryption,
    check_key: Option<&x25519::Identity>,
    progress: &mut dyn FnMut(Progress),
) -> Result<()> {
    let io = |e: std::io::Error| Error::io("cannot write the backup", e);
    let encryptor = match to {
        Encryption::Passphrase(p) => {
            let r = super::scrypt_recipient(p);
            age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))?
        }
        Encryption::Recipients(rs) => {
            let check = check_key.map(|k| k.to_public());
            age::Encryptor::with_recipients(
                rs.iter()
                    .chain(check.iter())
                    .map(|r| r as &dyn age::Recipient),
            )?
        }
    };
    let buffered = BufWriter::with_capacity(1 << 20, file);
    let age_out = encryptor.wrap_output(buffered).map_err(io)?;
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
    let db_size = snap.manifest.file(DB_NAME).map_or(0, |f| f.size);
    let db = File::open(snap.file.path()).map_err(|e| Error::io("cannot read the snapshot", e))?;
    let reader = ProgressReader::new(db, Stage::Encrypting, db_size, progress);
    tar.append_data(&mut header(db_size), DB_NAME, reader)
        .map_err(io)?;
    tar.append_data(
        &mut header(snap.keys.len() as u64),
        KEYS_NAME,
        snap.keys.as_slice(),
    )
    .map_err(io)?;
    let age_out = tar.into_inner().map_err(io)?;
    let mut buffered = age_out.finish().map_err(io)?;
    buffered.flush().map_err(io)?;
    let file = buffered.into_inner().map_err(|e| io(e.into_error()))?;
    file.sync_all().map_err(io)?;
    Ok(())
}
