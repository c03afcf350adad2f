//! Who may change the key file, and who has the office open.
//!
//! - **The key-file lock** (`<office>.lock`, an OS file lock: `flock` on
//!   Unix, `LockFileEx` on Windows, through the standard library): every
//!   read-modify-write of the key file and every step of a rekey holds it
//!   exclusively, so two processes never interleave their changes and a
//!   login never reads a key file half-way through a rekey's steps. It is
//!   released by the OS when a process dies, so a crash never leaves the
//!   office locked.
//! - **Presence** (`<office>.open/`): each login holds an exclusive lock on
//!   a small file of its own there while it is open. A rekey counts the
//!   files it cannot lock: those are desks (or commands) still open, which
//!   would keep the office file busy. A file it can lock was left by a
//!   process that died, and is removed.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::paths::OfficePaths;
use crate::{Error, Result};

/// How long a login or an account change waits for another one (or a
/// rekey) to finish before saying so.
const WAIT: Duration = Duration::from_secs(120);

/// The key-file lock, held until dropped.
#[derive(Debug)]
pub struct KeyLock {
    _file: File,
}

fn open_lock_file(paths: &OfficePaths) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(paths.lock_file())
        .map_err(|e| Error::io("cannot open the office's lock file", e))
}

/// Take the key-file lock, waiting while another process holds it.
pub fn key_file(paths: &OfficePaths) -> Result<KeyLock> {
    let file = open_lock_file(paths)?;
    let deadline = Instant::now() + WAIT;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(KeyLock { _file: file }),
            Err(TryLockError::WouldBlock) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(TryLockError::WouldBlock) => {
                return Err(Error::Conflict(
                    "another casedesk is changing the office's keys (a rekey or an account change); try again in a minute"
                        .into(),
                ));
            }
            Err(TryLockError::Error(e)) => {
                return Err(Error::io("cannot lock the office's lock file", e));
            }
        }
    }
}

/// This login's mark in `<office>.open/`, removed when dropped.
#[derive(Debug)]
pub struct Presence {
    path: PathBuf,
    file: Option<File>,
}

impl Presence {
    /// Mark this login as open.
    pub fn register(paths: &OfficePaths) -> Result<Presence> {
        let dir = paths.open_dir();
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io("cannot create the office's desk list", e))?;
        let name = format!("{}-{}", std::process::id(), super::crypto::random_id());
        let path = dir.join(name);
        let file = File::create(&path).map_err(|e| Error::io("cannot mark the desk open", e))?;
        file.try_lock()
            .map_err(|_| Error::Conflict("cannot mark the desk open; try again".into()))?;
        Ok(Presence {
            path,
            file: Some(file),
        })
    }

    /// How many other logins have the office open now. Marks left by
    /// processes that died are removed on the way.
    pub fn others(paths: &OfficePaths, mine: Option<&Presence>) -> Result<usize> {
        let dir = paths.open_dir();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(Error::io("cannot read the office's desk list", e)),
        };
        let mut open = 0;
        for entry in entries.flatten() {
            let path = entry.path();
            if mine.is_some_and(|m| m.path == path) {
                continue;
            }
            let Ok(file) = OpenOptions::new().read(true).write(true).open(&path) else {
                continue;
            };
            match file.try_lock() {
                Ok(()) => {
                    // Nobody holds it: a process that ended without
                    // cleaning up (a crash, a power cut).
                    drop(file);
                    let _ = std::fs::remove_file(&path);
                }
                Err(_) => open += 1,
            }
        }
        Ok(open)
    }
}

impl Drop for Presence {
    fn drop(&mut self) {
        // Unlock (by closing) before removing, so a rekey counting at this
        // moment sees it gone or stale, never held.
        drop(self.file.take());
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_lock_is_exclusive_and_released_on_drop() {
        let dir = tempfile::tempdir().expect("dir");
        let paths = OfficePaths::new(dir.path().join("o.casedesk"));
        let held = key_file(&paths).expect("lock");
        let other = open_lock_file(&paths).expect("open");
        assert!(matches!(other.try_lock(), Err(TryLockError::WouldBlock)));
        drop(held);
        assert!(other.try_lock().is_ok());
    }

    #[test]
    fn presence_counts_open_logins_and_clears_dead_ones() {
        let dir = tempfile::tempdir().expect("dir");
        let paths = OfficePaths::new(dir.path().join("o.casedesk"));
        let me = Presence::register(&paths).expect("me");
        let other = Presence::register(&paths).expect("other");
        assert_eq!(Presence::others(&paths, Some(&me)).expect("count"), 1);
        // A mark nobody holds, as a killed process leaves it.
        let stale = paths.open_dir().join("999999-dead");
        File::create(&stale).expect("stale");
        assert_eq!(Presence::others(&paths, Some(&me)).expect("count"), 1);
        assert!(!stale.exists(), "a dead mark is removed");
        drop(other);
        assert_eq!(Presence::others(&paths, Some(&me)).expect("count"), 0);
    }
}
