//! The key file beside the office file (`<office>.keys`).
//!
//! It holds, for every enabled account, a *slot*:
//! - `identity`: the account's own age X25519 identity, encrypted with age to
//!   the account's password (scrypt, work factor `log_n` recorded here);
//! - `master`: the office's master key, encrypted with age to that identity;
//! - `counselling` (psychologists only): the counselling identity, encrypted
//!   to that identity.
//!
//! The indirection through a per-account identity lets a manager rewrite
//! every slot's master key at rekey, or add an account, without knowing
//! anybody's password. The recovery key is one more X25519 identity with a
//! master-key envelope of its own. Everything here is either public (account
//! names, public keys) or age ciphertext in ASCII armor, so the standard
//! `age` CLI can open it (README: "Getting your data back").
//!
//! The file is replaced atomically (temporary file, fsync, rename), so a
//! power cut leaves either the old or the new file, never half of one.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::paths::write_atomically;
use crate::{Error, Result};

pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    pub format: u32,
    pub office_id: String,
    /// The age recipient counselling notes are sealed to; absent until the
    /// first psychologist account exists.
    #[serde(default)]
    pub counselling_recipient: Option<String>,
    /// During a rotation of the counselling identity: the new recipient,
    /// until the office file and every holder's slot have moved to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counselling_next_recipient: Option<String>,
    pub users: Vec<UserSlot>,
    pub recovery: RecoverySlot,
    /// The audit trail's head (entry number and hash) as the office file
    /// had it when this file was last moved forward (every login, lock and
    /// audit check): an older office file put back beside this key file is
    /// refused (`vault::head`). Absent in key files from before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_head: Option<AuditHeadRecord>,
}

/// An audit entry's number and hash, as the key file records it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AuditHeadRecord {
    pub seq: i64,
    pub hash: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct UserSlot {
    pub name: String,
    pub public_key: String,
    /// scrypt work factor (N = 2^log_n) of `identity`.
    pub log_n: u8,
    pub identity: String,
    pub master: String,
    /// During a rekey: the new master key, tried before `master`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_next: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counselling: Option<String>,
    /// During a rotation: the new counselling identity, sealed like
    /// `counselling`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counselling_next: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RecoverySlot {
    pub public_key: String,
    pub master: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_next: Option<String>,
    /// During a rekey: the new recovery key's public half (every rekey
    /// makes a new recovery key), which `master_next` is sealed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_key_next: Option<String>,
}

/// A warning when others than its owner can read the key file (Unix mode
/// bits: any group or other permission). Its slots are encrypted to
/// passwords, but a copy lets anyone try passwords offline, so only its
/// owner should read it. `casedesk` writes it that way (mode 0600, at
/// every login too, which puts a loose mode right after warning about it);
/// a copy or a change by hand may not. On Windows there are no mode bits to read
/// (access is by ACL, inherited from the folder), so there is no check.
pub fn exposure(path: &Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
        (mode & 0o077 != 0).then(|| {
            let shown = crate::safe_text::path(path);
            format!(
                "the key file {shown} can be read by other accounts on this computer (mode {mode:o}); only its owner should read it: chmod 600 {shown}"
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

impl KeyFile {
    pub fn slot(&self, name: &str) -> Option<&UserSlot> {
        self.users.iter().find(|s| s.name == name)
    }

    pub fn slot_mut(&mut self, name: &str) -> Option<&mut UserSlot> {
        self.users.iter_mut().find(|s| s.name == name)
    }

    pub fn read(path: &Path) -> Result<KeyFile> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::damaged(format!(
                    "the key file {} is missing; put it back from a backup, or restore the whole office from a backup",
                    path.display()
                )));
            }
            Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
        };
        let file: KeyFile = serde_json::from_slice(&bytes).map_err(|_| {
            Error::damaged(format!(
                "the key file {} is damaged; put it back from a backup",
                path.display()
            ))
        })?;
        if file.format != FORMAT {
            return Err(Error::TooNew(format!(
                "the key file {} has format {} which this casedesk does not know; update casedesk",
                path.display(),
                file.format
            )));
        }
        Ok(file)
    }

    /// Replace the file atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::Crypto(format!("cannot encode the key file: {e}")))?;
        write_atomically(path, &json)
    }
}
