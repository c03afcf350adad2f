//! Reading a backup: decrypt, check, and either verify or restore.

use std::fs::File;
use std::io::{BufReader, Read, Write};
use std::path::{Path, PathBuf};

use age::secrecy::SecretString;

use super::manifest::{self, Hashing, Manifest};
use super::side_hash::SideHasher;
use super::{
    DB_NAME, DB_SUM_NAME, KEYS_NAME, MANIFEST_NAME, Progress, ProgressReader, Stage, Unlock,
};
use crate::vault::keyfile::KeyFile;
use crate::vault::{MasterKey, OfficePaths, crypto};
use crate::{Error, Result};

/// The biggest manifest or key file we will hold in memory.
const MAX_SMALL_FILE: u64 = 16 << 20;

/// What a backup held besides the office data itself.
pub(crate) struct Contents {
    pub manifest: Manifest,
    pub keys: Vec<u8>,
}

/// Is this backup protected with a passphrase (rather than to recipients)?
/// Reads only the header.
pub fn needs_passphrase(path: &Path) -> Result<bool> {
    let file = open_backup_file(path)?;
    let dec =
        age::Decryptor::new_buffered(BufReader::new(file)).map_err(|e| header_error(e, path))?;
    Ok(dec.is_scrypt())
}

/// The most an age header may take before we call the file "not a
/// backup": ours are a few hundred bytes (a few KiB with many recipients).
/// age itself would read a header line of any length, so a file of zeros
/// (`/dev/zero`) would grow its buffer until memory runs out.
const MAX_HEADER: u64 = 64 * 1024;

/// Open a backup after a look at its start: an age file (binary, as
/// casedesk writes, or ASCII-armored) whose header ends within
/// [`MAX_HEADER`] bytes. Anything else is refused before age reads it.
fn open_backup_file(path: &Path) -> Result<File> {
    let mut file = File::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::invalid(format!("there is no backup at {}", path.display()))
        } else {
            Error::io(format!("cannot read {}", path.display()), e)
        }
    })?;
    let mut head = Vec::new();
    (&mut file)
        .take(MAX_HEADER)
        .read_to_end(&mut head)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    let binary =
        head.starts_with(b"age-encryption.org/v1\n") && head.windows(4).any(|w| w == b"\n---");
    let armored = head.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----");
    if !binary && !armored {
        return Err(Error::damaged(format!(
            "{} is not a casedesk backup, or it is damaged",
            path.display()
        )));
    }
    // Start again from the beginning for age.
    File::open(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))
}

fn header_error(e: age::DecryptError, path: &Path) -> Error {
    match e {
        age::DecryptError::Io(e) if e.kind() != std::io::ErrorKind::UnexpectedEof => {
            Error::io(format!("cannot read {}", path.display()), e)
        }
        _ => Error::damaged(format!(
            "{} is not a casedesk backup, or it is damaged",
            path.display()
        )),
    }
}

fn damaged(path: &Path) -> Error {
    Error::damaged(format!(
        "the backup {} is damaged or incomplete (cut short or altered after it was written); it cannot be used",
        path.display()
    ))
}

/// Decrypt a whole backup, streaming the office data into `db_out`, and
/// check everything: the manifest, both checksums, the archive's shape, and
/// age's authentication of every byte up to the end of the file.
pub(crate) fn read_backup(
    path: &Path,
    unlock: &Unlock,
    db_out: &mut (dyn Write + Send),
    stage: Stage,
    progress: &mut dyn FnMut(Progress),
) -> Result<Contents> {
    let file = open_backup_file(path)?;
    let total = file.metadata().map(|m| m.len()).unwrap_or(0);
    let counted = ProgressReader::new(file, stage, total, progress);
    read_from(counted, path, unlock, db_out, HashOn::SecondThread)
}

/// Where the office data is hashed as it is decrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HashOn {
    /// On a second thread, beside decryption: restore and verify have a
    /// core to spare.
    SecondThread,
    /// On the decrypting thread: export's read-back runs beside the
    /// writer, which keeps the other core busy, so one more thread would
    /// only add hand-overs.
    ThisThread,
}

/// [`read_backup`] from any reader of the backup's bytes (`path` names it
/// in messages): export reads its file back through this as it writes it.
pub(crate) fn read_from<R: Read>(
    src: R,
    path: &Path,
    unlock: &Unlock,
    db_out: &mut (dyn Write + Send),
    hash_on: HashOn,
) -> Result<Contents> {
    // A small buffer: age asks for whole 64 KiB chunks, which a buffer
    // smaller than that passes straight through instead of copying.
    let dec = age::Decryptor::new_buffered(BufReader::with_capacity(16 << 10, src))
        .map_err(|e| header_error(e, path))?;
    let scrypt;
    let identities: Vec<&dyn age::Identity> = match (unlock, dec.is_scrypt()) {
        (Unlock::Passphrase(p), true) => {
            scrypt = super::scrypt_identity(p);
            vec![&scrypt]
        }
        (Unlock::Identities(ids), false) => ids.iter().map(|i| i.as_ref() as _).collect(),
        (Unlock::Passphrase(_), false) => {
            return Err(Error::Usage(
                "this backup is encrypted to age public keys, not a passphrase; give --identity FILE"
                    .into(),
            ));
        }
        (Unlock::Identities(_), true) => {
            return Err(Error::Usage(
                "this backup is protected with a passphrase; leave out --identity".into(),
            ));
        }
    };
    let stream = dec
        .decrypt(identities.into_iter())
        .map_err(|e| match e {
            age::DecryptError::DecryptionFailed
            | age::DecryptError::NoMatchingKeys
            | age::DecryptError::KeyDecryptionFailed => match unlock {
                Unlock::Passphrase(_) => Error::not_allowed(
                    "the passphrase does not open this backup (a wrong passphrase, or a damaged backup)",
                ),
                Unlock::Identities(_) => {
                    Error::not_allowed("none of the given identities opens this backup")
                }
            },
            age::DecryptError::ExcessiveWork { .. } => Error::damaged(
                "this backup's passphrase protection asks for far more work than casedesk allows; it is damaged or not a casedesk backup",
            ),
            age::DecryptError::Io(e) if e.kind() != std::io::ErrorKind::UnexpectedEof => {
                Error::io(format!("cannot read {}", path.display()), e)
            }
            _ => damaged(path),
        })?;

    let mut archive = tar::Archive::new(stream);
    let mut entries = archive.entries().map_err(|_| damaged(path))?;
    let mut next = |want: &str| -> Result<tar::Entry<'_, _>> {
        let entry = entries
            .next()
            .ok_or_else(|| damaged(path))?
            .map_err(|_| damaged(path))?;
        let name_ok = entry.path().map(|p| p == Path::new(want)).unwrap_or(false);
        if !name_ok || entry.header().entry_type() != tar::EntryType::Regular {
            return Err(Error::damaged(format!(
                "{} is not a casedesk backup (its contents are not what casedesk writes)",
                path.display()
            )));
        }
        Ok(entry)
    };

    // 1. The manifest: refuse a newer backup before reading any further.
    let mut manifest: Manifest = {
        let entry = next(MANIFEST_NAME)?;
        let bytes = read_small(entry, path)?;
        serde_json::from_slice(&bytes).map_err(|_| {
            Error::damaged(format!(
                "{} is not a casedesk backup (its manifest cannot be read)",
                path.display()
            ))
        })?
    };
    manifest.check_supported()?;
    let sum_after_data = manifest.format >= manifest::SUM_AFTER_DATA;
    let expect_db = manifest
        .file(DB_NAME)
        .cloned()
        .ok_or_else(|| damaged(path))?;
    if sum_after_data != expect_db.sha256.is_empty() {
        return Err(damaged(path));
    }
    let expect_keys = manifest
        .file(KEYS_NAME)
        .cloned()
        .ok_or_else(|| damaged(path))?;

    // 2. The office data, streamed out and hashed on the way.
    {
        let mut entry = next(DB_NAME)?;
        if entry.header().size().ok() != Some(expect_db.size) {
            return Err(damaged(path));
        }
        let (sha, size) = copy_hashed(&mut entry, db_out, hash_on).map_err(|e| match e {
            Copy::Read => damaged(path),
            Copy::Write(e) => Error::io("cannot write the restored office file", e),
        })?;
        // Format 2 hashes the data as export streams it, so its checksum
        // follows the data.
        let expected = if sum_after_data {
            let entry = next(DB_SUM_NAME)?;
            let line = read_small(entry, path)?;
            manifest::parse_sum_line(&line).ok_or_else(|| damaged(path))?
        } else {
            expect_db.sha256
        };
        if sha != expected || size != expect_db.size {
            return Err(Error::damaged(format!(
                "the office data in {} does not match its checksum; the backup is damaged",
                path.display()
            )));
        }
        if let Some(db) = manifest.file_mut(DB_NAME) {
            db.sha256 = sha;
        }
    }

    // 3. The key file.
    let keys = {
        let entry = next(KEYS_NAME)?;
        read_small(entry, path)?
    };
    if manifest::sha256_hex(&keys) != expect_keys.sha256 || keys.len() as u64 != expect_keys.size {
        return Err(Error::damaged(format!(
            "the key file in {} does not match its checksum; the backup is damaged",
            path.display()
        )));
    }
    let key_file: KeyFile = serde_json::from_slice(&keys).map_err(|_| damaged(path))?;
    if key_file.office_id != manifest.office_id {
        return Err(damaged(path));
    }

    // Nothing else may follow, and age must authenticate up to the very end
    // (a cut-short file fails here, not earlier, if the cut is in the tail).
    if entries.next().is_some() {
        return Err(damaged(path));
    }
    let mut rest = archive.into_inner();
    std::io::copy(&mut rest, &mut std::io::sink()).map_err(|_| damaged(path))?;
    Ok(Contents { manifest, keys })
}

enum Copy {
    Read,
    Write(std::io::Error),
}

/// Copy `src` to `out`, hashing it. With [`HashOn::SecondThread`] this
/// thread reads (decrypts) and a second one hashes and writes, so a restore
/// costs about what decryption costs rather than decryption plus hashing
/// plus writing.
fn copy_hashed(
    src: &mut dyn Read,
    out: &mut (dyn Write + Send),
    hash_on: HashOn,
) -> std::result::Result<(String, u64), Copy> {
    if hash_on == HashOn::ThisThread {
        let mut hashing = Hashing::new(out);
        let mut buf = vec![0u8; 64 << 10];
        loop {
            let n = match src.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(_) => return Err(Copy::Read),
            };
            hashing.write_all(&buf[..n]).map_err(Copy::Write)?;
        }
        let (_, sha, size) = hashing.finish();
        return Ok((sha, size));
    }
    std::thread::scope(|s| {
        let mut side = SideHasher::spawn(s, out);
        let pumped = side.pump(src, |_| Ok(()));
        let written = side.finish();
        match pumped {
            Err(_) => Err(Copy::Read),
            Ok(()) => written.map_err(Copy::Write),
        }
    })
}

fn read_small<R: Read>(entry: tar::Entry<'_, R>, path: &Path) -> Result<Vec<u8>> {
    let size = entry.header().size().map_err(|_| damaged(path))?;
    if size > MAX_SMALL_FILE {
        return Err(damaged(path));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    entry
        .take(MAX_SMALL_FILE)
        .read_to_end(&mut bytes)
        .map_err(|_| damaged(path))?;
    Ok(bytes)
}

/// How `verify` may open the contained data.
pub enum DataKey<'a> {
    /// Check the file, manifest and checksums only.
    None,
    /// A master key in hand, e.g. the logged-in session's
    /// (`Session::master_key`); it opens backups of the same office made
    /// since the last rekey.
    Master(&'a MasterKey),
    /// An account's name and password, checked against the key file inside
    /// the backup (not the office's current one).
    Account {
        name: &'a str,
        password: &'a SecretString,
    },
}

/// What `verify` found. Any problem is an error instead.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub manifest: Manifest,
    /// The data was opened, passed SQLCipher's and SQLite's integrity
    /// checks and has exactly the manifest's row counts.
    pub data_checked: bool,
}

/// Decrypt and check a backup without restoring it. With a `DataKey`, the
/// office data is copied (still SQLCipher-encrypted) to a temporary file,
/// opened read-only and checked; the copy is deleted afterwards.
pub fn verify(
    from: &Path,
    unlock: &Unlock,
    key: DataKey<'_>,
    progress: &mut dyn FnMut(Progress),
) -> Result<VerifyReport> {
    if matches!(key, DataKey::None) {
        let contents = read_backup(
            from,
            unlock,
            &mut std::io::sink(),
            Stage::Verifying,
            progress,
        )?;
        return Ok(VerifyReport {
            manifest: contents.manifest,
            data_checked: false,
        });
    }
    let mut copy = tempfile::Builder::new()
        .prefix(".casedesk-verify-")
        .tempfile()
        .map_err(|e| Error::io("cannot make a temporary file", e))?;
    let contents = read_backup(
        from,
        unlock,
        &mut std::io::BufWriter::new(copy.as_file_mut()),
        Stage::Verifying,
        progress,
    )?;
    let candidates: Vec<MasterKey> = match key {
        DataKey::None => Vec::new(),
        DataKey::Master(k) => vec![MasterKey::from_hex(&k.hex())?],
        DataKey::Account { name, password } => {
            let file: KeyFile = serde_json::from_slice(&contents.keys)
                .map_err(|_| Error::damaged("the key file in the backup is damaged"))?;
            let slot = file.slot(name).ok_or(Error::BadLogin)?;
            let identity = crypto::open_identity(slot, password)?;
            slot.master_next
                .iter()
                .chain(std::iter::once(&slot.master))
                .map(|sealed| crypto::open_master(sealed, &identity))
                .collect::<Result<_>>()?
        }
    };
    let conn = candidates
        .iter()
        .find_map(|k| manifest::open_snapshot(copy.path(), k).ok())
        .ok_or_else(|| {
            Error::not_allowed("this key does not open the office data in this backup")
        })?;
    check_data(&conn, &contents.manifest)?;
    drop(conn);
    Ok(VerifyReport {
        manifest: contents.manifest,
        data_checked: true,
    })
}

fn check_data(conn: &rusqlite::Connection, manifest: &Manifest) -> Result<()> {
    let bad = || Error::damaged("the office data in this backup fails its integrity check");
    let cipher: Vec<String> = conn
        .prepare("PRAGMA cipher_integrity_check")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if !cipher.is_empty() {
        return Err(bad());
    }
    let plain: Vec<String> = conn
        .prepare("PRAGMA integrity_check")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if plain != ["ok"] {
        return Err(bad());
    }
    let facts = manifest::data_facts(conn)?;
    if facts.counts != manifest.counts
        || facts.schema_version != manifest.schema_version
        || facts.office_id != manifest.office_id
    {
        return Err(Error::damaged(
            "the office data in this backup does not match its manifest",
        ));
    }
    Ok(())
}

/// Restore a backup into a new office file `to.db` and its key file
/// `to.keys`. Never overwrites: if any file of an office is there (see
/// `OfficePaths::all_files`), nothing happens. On any error nothing is left behind, not even
/// a folder this call created.
pub fn restore(
    from: &Path,
    to: &OfficePaths,
    unlock: &Unlock,
    progress: &mut dyn FnMut(Progress),
) -> Result<Manifest> {
    let refuse = |p: &Path| {
        Error::invalid(format!(
            "{} already exists; casedesk will not overwrite it; restore to a new name",
            p.display()
        ))
    };
    for p in to.all_files() {
        if p.exists() {
            return Err(refuse(&p));
        }
    }
    let dir = super::parent_dir(&to.db).to_path_buf();
    let created = create_dirs(&dir)?;
    let result = restore_into(from, to, &dir, unlock, progress, &refuse);
    if result.is_err() {
        for d in created.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
    result
}

fn restore_into(
    from: &Path,
    to: &OfficePaths,
    dir: &Path,
    unlock: &Unlock,
    progress: &mut dyn FnMut(Progress),
    refuse: &dyn Fn(&Path) -> Error,
) -> Result<Manifest> {
    let tmp = |what: &str| {
        tempfile::Builder::new()
            .prefix(&format!(".casedesk-restore-{what}-"))
            .suffix(".tmp")
            .tempfile_in(dir)
            .map_err(|e| Error::io(format!("cannot write in {}", dir.display()), e))
    };
    let db = tmp("data")?;
    // Written in 256 KiB pieces from `read_backup`'s writing thread, flushed
    // to disk in the background as it grows.
    let contents = super::with_background_sync(db.as_file(), |w| {
        read_backup(from, unlock, w, Stage::Restoring, progress)
    })?;
    let io = |e: std::io::Error| Error::io(format!("cannot write {}", to.db.display()), e);
    db.as_file().sync_all().map_err(io)?;
    let mut keys = tmp("keys")?;
    keys.write_all(&contents.keys).map_err(io)?;
    keys.as_file().sync_all().map_err(io)?;

    db.persist_noclobber(&to.db).map_err(|e| {
        if to.db.exists() {
            refuse(&to.db)
        } else {
            io(e.error)
        }
    })?;
    if let Err(e) = keys.persist_noclobber(&to.keys) {
        let _ = std::fs::remove_file(&to.db);
        return Err(if to.keys.exists() {
            refuse(&to.keys)
        } else {
            io(e.error)
        });
    }
    super::sync_dir(dir);
    tracing::info!("backup restored");
    Ok(contents.manifest)
}

/// Create `dir` and any missing parents; returns those created, outermost
/// first, so a failed restore can remove them again.
fn create_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut d = Some(dir);
    while let Some(p) = d.filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        missing.push(p.to_path_buf());
        d = p.parent();
    }
    missing.reverse();
    for p in &missing {
        if let Err(e) = std::fs::create_dir(p) {
            for q in missing.iter().rev() {
                let _ = std::fs::remove_dir(q);
            }
            return Err(Error::io(format!("cannot create {}", p.display()), e));
        }
    }
    Ok(missing)
}
