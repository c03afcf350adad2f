//! Encrypted backups: export, verify, restore and automatic backups.
//!
//! # The backup file
//!
//! A backup is one [age](https://age-encryption.org) file (binary, not
//! armored) whose plaintext is a POSIX tar archive of exactly four
//! regular files, in this order (format 2; format 1 had no third file and
//! the data's checksum in the manifest, and is still read):
//!
//! 1. `manifest.json`: see [`Manifest`] (backup format, casedesk version,
//!    schema version, when, office id and name, row counts per table, size
//!    of the office data, size and SHA-256 of the key file);
//! 2. `office.casedesk`: a consistent snapshot of the office file's pages,
//!    copied as they are on disk (`snapshot`). It is still a SQLCipher 4
//!    database keyed with the office's master key, so the backup has two
//!    locks: age outside, SQLCipher inside;
//! 3. `office.casedesk.sha256`: the data's SHA-256 as `sha256sum` writes
//!    it, taken as the data streamed (so export reads the pages once);
//! 4. `office.casedesk.keys`: the key file as it was at the snapshot, so
//!    every account (and the recovery key) opens the restored office with
//!    its usual password.
//!
//! The age layer is either a passphrase (scrypt; it must be the file's only
//! recipient) or one or more X25519 recipients (`age1…`, e.g. head office).
//! With only the `age` CLI and `tar` an office gets the two files back;
//! with a SQLCipher 4 client and a user's key slot it reads the data
//! (README, "Backups").
//!
//! # Guarantees
//!
//! - **No plaintext on disk.** The office file's pages are never
//!   decrypted: they are read as SQLCipher wrote them (encrypted with the
//!   master key) and streamed through tar into the age encryptor into a
//!   temporary `.…partial` file in the target folder. No snapshot file, no
//!   temporary plaintext.
//! - **A half-written backup never looks like a good one.** The partial
//!   file is read back from the file as it is written, decrypted and
//!   checked against its manifest, then finished and fsynced, and only then
//!   renamed to its final name (never over an existing file). For a
//!   recipients-only backup, export has no key to read it back with, so it
//!   adds one more recipient: a one-time X25519 key that lives only in
//!   memory for the check and is then forgotten.
//! - **Consistent while others work.** The pages are those of one read
//!   transaction on the office connection, taken from the office file or,
//!   where a checkpoint has not copied them back yet, from the write-ahead
//!   log (`snapshot`); in WAL mode other terminals keep writing.
//! - **Restore changes nothing on failure.** Files are written to temporary
//!   names in the target folder and renamed into place (no-clobber) only
//!   after the whole age stream is authenticated and every checksum
//!   matches. A wrong passphrase, a cut-short or altered file, a backup from
//!   a newer casedesk: a clear error and no file left behind.
//! - **Verify needs no login.** It decrypts, checks the manifest and the
//!   checksums and reports the manifest's counts. Given a key (a session's
//!   master key, or an account name and password checked against the
//!   *backup's own* key file) it also opens the contained data in a
//!   temporary (still encrypted) copy, runs SQLCipher's and SQLite's
//!   integrity checks and compares the real row counts with the manifest.

mod auto;
mod export;
mod leftovers;
mod manifest;
mod read;
mod side_hash;
mod snapshot;

use std::path::Path;

use age::secrecy::SecretString;
use age::x25519;

use crate::{Error, Result};

pub use auto::{
    AutoSettings, DEFAULT_KEEP, STALE_AFTER_DAYS, auto_file, auto_settings, backup_is_stale,
    checked_settings, claim_day, last_good_backup, prune, release_day, save_settings,
};
pub use export::{ExportSummary, Source, set_last_good, write_backup};
pub use leftovers::remove_leftovers;
pub use manifest::{FORMAT, FileEntry, Manifest};
pub use read::{DataKey, VerifyReport, needs_passphrase, restore, verify};

/// Names of the files inside the archive.
pub const MANIFEST_NAME: &str = "manifest.json";
pub const DB_NAME: &str = "office.casedesk";
pub const KEYS_NAME: &str = "office.casedesk.keys";
/// From backup format 2: the office data's SHA-256, after the data.
pub const DB_SUM_NAME: &str = "office.casedesk.sha256";

/// Shortest backup passphrase we accept: the file leaves the office, so it
/// can be attacked offline.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// Highest scrypt work factor we will spend on opening a backup (2^22 is a
/// few seconds on an old PC), so a hostile file cannot make us work for hours.
const MAX_SCRYPT_LOG_N: u8 = 22;

/// What a backup is encrypted to.
pub enum Encryption {
    /// A passphrase (age scrypt), the file's only recipient.
    Passphrase(SecretString),
    /// One or more age X25519 public keys.
    Recipients(Vec<x25519::Recipient>),
}

impl Encryption {
    /// Parse `age1…` public keys given on the command line or in settings.
    pub fn parse_recipients(keys: &[String]) -> Result<Vec<x25519::Recipient>> {
        // The value is not echoed: someone may paste a secret key by mistake.
        keys.iter()
            .enumerate()
            .map(|(i, k)| {
                k.trim().parse::<x25519::Recipient>().map_err(|_| {
                    Error::Usage(format!(
                        "recipient {} is not an age public key (age1…)",
                        i + 1
                    ))
                })
            })
            .collect()
    }
}

/// What opens a backup.
pub enum Unlock {
    Passphrase(SecretString),
    Identities(Vec<Box<dyn age::Identity + Send + Sync>>),
}

impl Unlock {
    /// Read an age identity file (`AGE-SECRET-KEY-…` lines, `#` comments),
    /// e.g. head office's key or the office's recovery key.
    pub fn identity_file(path: &Path) -> Result<Unlock> {
        let text = zeroize::Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?,
        );
        let bad = || {
            Error::invalid(format!(
                "{} is not an age identity file (AGE-SECRET-KEY-…)",
                path.display()
            ))
        };
        let ids = age::IdentityFile::from_buffer(text.as_bytes())
            .map_err(|_| bad())?
            .into_identities()
            .map_err(|_| bad())?;
        if ids.is_empty() {
            return Err(bad());
        }
        Ok(Unlock::Identities(ids))
    }
}

/// Rules for a new backup passphrase.
pub fn check_passphrase(p: &SecretString) -> Result<()> {
    use age::secrecy::ExposeSecret;
    crate::secrets::check_secret_chars(p)?;
    if p.expose_secret().chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::invalid(format!(
            "the backup passphrase must be at least {MIN_PASSPHRASE_CHARS} characters"
        )));
    }
    Ok(())
}

/// Which step a long backup operation is at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Taking the snapshot (a read transaction); no byte counts.
    Snapshot,
    /// Counting the snapshot's rows for the manifest; no byte counts.
    Counting,
    /// Streaming the snapshot into the encrypted file.
    Encrypting,
    /// Reading the written file back and checking it.
    Verifying,
    /// Decrypting a backup into a new office.
    Restoring,
}

impl Stage {
    pub fn label(self) -> &'static str {
        match self {
            Stage::Snapshot => "taking a snapshot",
            Stage::Counting => "counting rows",
            Stage::Encrypting => "encrypting",
            Stage::Verifying => "checking the backup",
            Stage::Restoring => "restoring",
        }
    }
}

/// A progress report: `done` of `total` bytes in `stage` (`total` is 0
/// when unknown). Sent often enough for a progress bar, at most every MiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub stage: Stage,
    pub done: u64,
    pub total: u64,
}

/// A progress callback that ignores everything.
pub fn no_progress() -> impl FnMut(Progress) {
    |_| {}
}

/// Adapt a channel into a progress callback, for work off the UI thread.
pub fn progress_to(tx: std::sync::mpsc::Sender<Progress>) -> impl FnMut(Progress) {
    move |p| {
        let _ = tx.send(p);
    }
}

/// A reader that reports how many bytes went through it.
pub(crate) struct ProgressReader<'a, R> {
    inner: R,
    stage: Stage,
    done: u64,
    total: u64,
    reported: u64,
    progress: &'a mut dyn FnMut(Progress),
}

impl<'a, R> ProgressReader<'a, R> {
    pub(crate) fn new(
        inner: R,
        stage: Stage,
        total: u64,
        progress: &'a mut dyn FnMut(Progress),
    ) -> Self {
        progress(Progress {
            stage,
            done: 0,
            total,
        });
        Self {
            inner,
            stage,
            done: 0,
            total,
            reported: 0,
            progress,
        }
    }
}

impl<R: std::io::Read> std::io::Read for ProgressReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        if self.done - self.reported >= 1 << 20 || (n == 0 && self.done != self.reported) {
            self.reported = self.done;
            (self.progress)(Progress {
                stage: self.stage,
                done: self.done,
                total: self.total.max(self.done),
            });
        }
        Ok(n)
    }
}

/// The scrypt recipient for a new passphrase backup: age's own work factor
/// (about a second here), unless one is pinned for this process
/// (`vault::crypto::pinned_work_factor`; tests pin a small one).
fn scrypt_recipient(passphrase: &SecretString) -> age::scrypt::Recipient {
    let mut r = age::scrypt::Recipient::new(passphrase.clone());
    if let Some(n) = crate::vault::crypto::pinned_work_factor() {
        r.set_work_factor(n.min(MAX_SCRYPT_LOG_N));
    }
    r
}

fn scrypt_identity(passphrase: &SecretString) -> age::scrypt::Identity {
    let mut id = age::scrypt::Identity::new(passphrase.clone());
    id.set_max_work_factor(MAX_SCRYPT_LOG_N);
    id
}

/// How much is written before the file is flushed to disk in the
/// background (`with_background_sync`).
const SYNC_EVERY: u64 = 32 << 20;

/// Run `f` with a writer to `file` that flushes the file to disk on a
/// second thread each time another [`SYNC_EVERY`] bytes are written, so
/// the caller's final fsync has little left to do and the disk works while
/// this thread encrypts or decrypts. The final fsync stays the caller's.
pub(crate) fn with_background_sync<T>(
    file: &std::fs::File,
    f: impl FnOnce(&mut SyncingWriter<'_>) -> T,
) -> T {
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<()>(1);
        s.spawn(move || {
            for () in rx {
                // An error shows again in the caller's final fsync.
                let _ = file.sync_data();
            }
        });
        let mut w = SyncingWriter {
            file,
            tx,
            unsynced: 0,
        };
        let out = f(&mut w);
        drop(w);
        out
    })
}

/// See [`with_background_sync`].
pub(crate) struct SyncingWriter<'a> {
    file: &'a std::fs::File,
    tx: std::sync::mpsc::SyncSender<()>,
    unsynced: u64,
}

impl std::io::Write for SyncingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = (&mut &*self.file).write(buf)?;
        self.unsynced += n as u64;
        if self.unsynced >= SYNC_EVERY {
            self.unsynced = 0;
            // A flush still running covers this one soon enough.
            let _ = self.tx.try_send(());
        }
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// fsync a folder so a rename in it reaches the disk.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// The folder a file is in (`.` for a bare name).
fn parent_dir(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}
