//! The audit trail's head, kept in the key file too, so that an older copy
//! of the office file put back beside it (a restored backup, a copy kept
//! by someone who left) is noticed at login.
//!
//! The office file records its own head (`store::audit`) and a small file
//! beside it does too, but both can be put back or deleted with the office
//! file. The key file moves forward with every login, lock and audit check
//! (never back, but by `casedesk restore-accept`); every login and `check`
//! compare it with the office file: an office file that lacks the entry
//! the key file names, or has another entry under its number, is refused
//! until a manager accepts it. Someone who puts back the office file *and*
//! an old key file *and* deletes the head file beside them is not caught
//! here; the old key file then brings back every slot it held, which a
//! manager sees in `user list` and `check`.

use rusqlite::Connection;

use super::keyfile::{AuditHeadRecord, KeyFile};
use super::{Unlocked, lock};
use crate::Result;
use crate::store::audit;

/// The code noted for the audit trail when a login refuses an older
/// office file.
pub const OLDER_CODE: &str = "office-file-older";

/// Why the office file is behind its key file, if it is: the plain message
/// a login and `check` give.
pub fn behind(conn: &Connection, file: &KeyFile) -> Result<Option<String>> {
    let Some(recorded) = &file.audit_head else {
        return Ok(None);
    };
    let last = audit::head(conn)?.map_or(0, |h| h.seq);
    const ACCEPT: &str =
        "if you restored a backup on purpose, run 'casedesk restore-accept' (a manager)";
    if last < recorded.seq {
        let missing = if last + 1 == recorded.seq {
            format!("entry {} is missing", recorded.seq)
        } else {
            format!("entries {}–{} are missing", last + 1, recorded.seq)
        };
        return Ok(Some(format!(
            "this office file is older than its key file: {missing}; {ACCEPT}"
        )));
    }
    if audit::hash_at(conn, recorded.seq)?.as_deref() != Some(recorded.hash.as_str()) {
        return Ok(Some(format!(
            "this office file does not match its key file: its audit entry {} is not the one the key file records (another copy, or a trail rewritten); {ACCEPT}",
            recorded.seq
        )));
    }
    Ok(None)
}

impl Unlocked {
    /// Move the key file's record of the audit head forward to the office
    /// file's (never back). Under the key-file lock.
    pub fn advance_key_file_head(&self) -> Result<()> {
        self.write_key_file_head(false)
    }

    /// Set the key file's record to the office file's head even when that
    /// is behind it: a manager accepted a restored office file.
    pub(crate) fn reset_key_file_head(&self) -> Result<()> {
        self.write_key_file_head(true)?;
        audit::reset_anchor(&self.conn)
    }

    fn write_key_file_head(&self, back_too: bool) -> Result<()> {
        let _lock = lock::key_file(&self.paths)?;
        let Some(head) = audit::head(&self.conn)? else {
            return Ok(());
        };
        let mut file = KeyFile::read(&self.paths.keys)?;
        let current = file.audit_head.as_ref();
        if current.is_some_and(|a| a.seq == head.seq && a.hash == head.hash)
            || (!back_too && current.is_some_and(|a| a.seq >= head.seq))
        {
            return Ok(());
        }
        file.audit_head = Some(AuditHeadRecord {
            seq: head.seq,
            hash: head.hash,
        });
        file.write(&self.paths.keys)
    }
}
