//! Temporary files an export leaves if it is killed (a power cut, a closed
//! window): the `.partial` output in the target folder, and the snapshot
//! an older casedesk wrote beside the office file (`VACUUM INTO`; still
//! encrypted with the master key it was made under, so still readable
//! after a rekey by anyone who kept the old key).
//!
//! Each export holds a lock on a small mark file of its own beside the
//! office file, and puts the mark's token in the names of its temporary
//! files. Whoever comes next (an export, a login) removes every temporary
//! file whose mark is not held: its export is gone. Only the mark is
//! locked, never the temporary files themselves, which SQLite and the age
//! writer must be free to write (on Windows a lock would stop them).

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use crate::{Error, Result};

const MARK_PREFIX: &str = ".casedesk-export-";
const MARK_SUFFIX: &str = ".lock";
pub(crate) const SNAPSHOT_PREFIX: &str = ".casedesk-snapshot-";
const TOKEN_LEN: usize = 32;

/// An export's mark, held while it runs.
#[derive(Debug)]
pub(crate) struct ExportMark {
    pub token: String,
    path: PathBuf,
    file: Option<File>,
}

impl ExportMark {
    pub fn take(office_dir: &Path) -> Result<ExportMark> {
        let token = crate::vault::crypto::random_id();
        let path = office_dir.join(format!("{MARK_PREFIX}{token}{MARK_SUFFIX}"));
        let file = OpenOptions::new()
            .create_new(true)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(format!("cannot write in {}", office_dir.display()), e))?;
        file.try_lock()
            .map_err(|_| Error::Conflict("cannot start the backup; try again".into()))?;
        Ok(ExportMark {
            token,
            path,
            file: Some(file),
        })
    }
}

impl Drop for ExportMark {
    fn drop(&mut self) {
        drop(self.file.take());
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The token in a temporary file's name, if it has one.
fn token_in(name: &str) -> Option<&str> {
    name.split(['.', '-'])
        .find(|part| part.len() == TOKEN_LEN && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Is the export with this token still running (its mark held)?
fn running(office_dir: &Path, token: &str) -> bool {
    let mark = office_dir.join(format!("{MARK_PREFIX}{token}{MARK_SUFFIX}"));
    match OpenOptions::new().read(true).write(true).open(&mark) {
        Ok(f) => f.try_lock().is_err(),
        Err(_) => false,
    }
}

fn is_ours(name: &str) -> bool {
    (name.starts_with(SNAPSHOT_PREFIX) && name.ends_with(".tmp"))
        || (name.starts_with('.') && name.ends_with(".partial"))
}

/// Remove the temporary files of exports that are gone, in `dir` (the
/// office file's folder, or an export's target folder), and their marks.
/// Returns how many files were removed. Best effort: a file that cannot be
/// removed now is tried again next time.
pub fn remove_leftovers(dir: &Path, office_dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let stale = if is_ours(name) {
            // Files from before marks existed have no token: no export of
            // this version can be writing them.
            token_in(name).is_none_or(|t| !running(office_dir, t))
        } else if let Some(t) = name
            .strip_prefix(MARK_PREFIX)
            .and_then(|n| n.strip_suffix(MARK_SUFFIX))
        {
            !running(office_dir, t)
        } else {
            false
        };
        if stale && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    if removed > 0 {
        tracing::info!(removed, "backup.leftovers_removed");
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_of_exports_that_are_gone_are_removed() {
        let dir = tempfile::tempdir().expect("dir");
        let live = ExportMark::take(dir.path()).expect("mark");
        let dead = "0123456789abcdef0123456789abcdef";
        let files = [
            format!("{SNAPSHOT_PREFIX}{}-x1.tmp", live.token),
            format!(".b.age.{}.x2.partial", live.token),
            format!("{SNAPSHOT_PREFIX}{dead}-x3.tmp"),
            format!(".b.age.{dead}.x4.partial"),
            format!("{SNAPSHOT_PREFIX}old123.tmp"),
            "office.casedesk".to_string(),
            ".hidden-but-not-ours".to_string(),
        ];
        for f in &files {
            File::create(dir.path().join(f)).expect("file");
        }
        // A mark left by a killed export: nobody holds it.
        File::create(dir.path().join(format!("{MARK_PREFIX}{dead}{MARK_SUFFIX}"))).expect("mark");
        assert_eq!(remove_leftovers(dir.path(), dir.path()), 4);
        let left: Vec<bool> = files.iter().map(|f| dir.path().join(f).exists()).collect();
        assert_eq!(left, [true, true, false, false, false, true, true]);
        drop(live);
        assert_eq!(remove_leftovers(dir.path(), dir.path()), 2);
    }
}
