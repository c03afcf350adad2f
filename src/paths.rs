//! Where an office's files are, and how casedesk replaces a small file
//! safely. Leaf module: used by every layer, uses none of them.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// The office file and its key file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficePaths {
    pub db: PathBuf,
    pub keys: PathBuf,
}

impl OfficePaths {
    pub fn new(db: impl Into<PathBuf>) -> Self {
        let db = db.into();
        let mut keys = db.clone().into_os_string();
        keys.push(".keys");
        Self {
            db,
            keys: keys.into(),
        }
    }

    /// True when either file is there: `init` must not touch an office.
    pub fn any_exists(&self) -> bool {
        self.db.exists() || self.keys.exists()
    }

    /// A file beside the office file: `<office><suffix>`.
    pub fn sibling(&self, suffix: &str) -> PathBuf {
        let mut p = self.db.clone().into_os_string();
        p.push(suffix);
        p.into()
    }

    /// The lock every change of the key file holds (`vault::lock`).
    pub fn lock_file(&self) -> PathBuf {
        self.sibling(".lock")
    }

    /// One small locked file per open login (`vault::lock::Presence`), so a
    /// rekey can tell how many desks have the office open.
    pub fn open_dir(&self) -> PathBuf {
        self.sibling(".open")
    }

    /// Every file that belongs to this office: the office file, its key
    /// file, SQLite's companions and casedesk's side files. Creating,
    /// replacing or restoring an office considers all of them.
    pub fn all_files(&self) -> Vec<PathBuf> {
        let mut v = vec![self.db.clone(), self.keys.clone()];
        for suffix in [
            "-wal",
            "-shm",
            "-journal",
            ".audit-head",
            ".failed-logins",
            ".lock",
        ] {
            v.push(self.sibling(suffix));
        }
        v
    }

    /// Remove every file of this office; missing ones are fine.
    pub fn remove_all(&self) -> Result<()> {
        for f in self.all_files() {
            match std::fs::remove_file(&f) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(format!("cannot remove {}", f.display()), e)),
            }
        }
        match std::fs::remove_dir_all(self.open_dir()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io("cannot remove the office's desk list", e)),
        }
    }
}

/// The name every temporary file of `write_atomically` starts with.
const TEMP_PREFIX: &str = ".casedesk-write-";

/// Remove temporary files `write_atomically` left when its process was
/// killed between writing and renaming (they hold an old or new copy of a
/// small file such as the key file: nothing more than the file itself, but
/// clutter that should not pile up). Only files older than ten minutes, so
/// a write going on in another process right now is left alone.
pub fn remove_stale_writes(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let cutoff = std::time::SystemTime::now() - std::time::Duration::from_secs(600);
    entries
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.starts_with(TEMP_PREFIX))
        })
        .filter(|e| {
            e.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < cutoff)
        })
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

/// Write `bytes` to `path` through a temporary file in the same folder, so
/// readers see the old or the new content, never a mix.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let ctx = || format!("cannot write {}", path.display());
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)
        .map_err(|e| Error::io(ctx(), e))?;
    tmp.write_all(bytes).map_err(|e| Error::io(ctx(), e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(ctx(), e))?;
    tmp.persist(path).map_err(|e| Error::io(ctx(), e.error))?;
    // The rename itself must reach the disk before we report success.
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}
