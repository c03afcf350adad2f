//! Automatic backups after the day's first login, and the dashboard's
//! "last good backup".
//!
//! The manager sets them up once (`casedesk backup auto --folder DIR
//! --recipient AGE_PUBKEY [--keep N]`); the settings live in the office
//! file's `meta` table (key `backup.auto`, JSON), so every terminal and
//! every user shares them. Backups go to the office's recipient key(s)
//! only, never to a passphrase: whoever triggers one (any user's first
//! login of the day) learns nothing from it. A per-machine `config.toml`
//! may point `auto_backup.dir` elsewhere (and `keep`, when not 0).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use serde::{Deserialize, Serialize};

use super::Encryption;
use super::export::LAST_GOOD;
use crate::store::meta;
use crate::{Error, Result};

/// How many automatic backups are kept unless the manager says otherwise.
pub const DEFAULT_KEEP: u32 = 14;
/// The dashboard warns when the last good backup is older than this.
pub const STALE_AFTER_DAYS: i64 = 7;

const SETTINGS: &str = "backup.auto";
/// The local date (`YYYY-MM-DD`) of the last automatic backup started;
/// claimed in a write transaction so two terminals do not both make one.
const LAST_DAY: &str = "backup.auto.day";
const FILE_PREFIX: &str = "casedesk-backup-";

/// The office's automatic backup settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoSettings {
    pub enabled: bool,
    pub folder: PathBuf,
    /// age X25519 public keys (`age1…`).
    pub recipients: Vec<String>,
    /// How many automatic backups to keep in the folder (at least 1).
    pub keep: u32,
}

/// The office's settings, if the manager ever set them up.
pub fn auto_settings(conn: &Connection) -> Result<Option<AutoSettings>> {
    match meta::get(conn, SETTINGS)? {
        None => Ok(None),
        Some(json) => serde_json::from_str(&json).map(Some).map_err(|_| {
            Error::damaged("the automatic backup settings are damaged; set them up again")
        }),
    }
}

/// Check new settings: the folder must exist, the recipients must parse,
/// `keep` must be at least 1. Returns them with the folder made absolute.
pub fn checked_settings(s: AutoSettings) -> Result<AutoSettings> {
    if !s.folder.is_dir() {
        return Err(Error::invalid(format!(
            "the folder {} does not exist",
            s.folder.display()
        )));
    }
    if s.recipients.is_empty() {
        return Err(Error::invalid(
            "automatic backups need at least one recipient (an age public key)",
        ));
    }
    Encryption::parse_recipients(&s.recipients)?;
    if s.keep == 0 {
        return Err(Error::invalid("--keep must be at least 1"));
    }
    Ok(AutoSettings {
        enabled: true,
        folder: std::path::absolute(&s.folder).unwrap_or(s.folder),
        ..s
    })
}

/// Store the settings, in the caller's transaction.
pub fn save_settings(conn: &Connection, settings: &AutoSettings) -> Result<()> {
    let json = serde_json::to_string(settings)
        .map_err(|e| Error::Crypto(format!("cannot encode the settings: {e}")))?;
    meta::set(conn, SETTINGS, &json)
}

/// Claim `today` for the automatic backup, so a second terminal logging in
/// now does not also start one. `None` when it was already claimed;
/// otherwise the day claimed before, to give back with [`release_day`] if
/// the backup fails.
pub fn claim_day(conn: &Connection, today: &str) -> Result<Option<Option<String>>> {
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)?;
    let previous = meta::get(&tx, LAST_DAY)?;
    if previous.as_deref() == Some(today) {
        return Ok(None);
    }
    meta::set(&tx, LAST_DAY, today)?;
    tx.commit()?;
    Ok(Some(previous))
}

/// Give the day back after a failed automatic backup, so the next login
/// tries again.
pub fn release_day(conn: &Connection, previous: Option<&str>) {
    let _ = meta::set(conn, LAST_DAY, previous.unwrap_or(""));
}

/// Where today's automatic backup goes in `folder`, and the office's tag
/// that [`prune`] keeps to.
pub fn auto_file(conn: &Connection, folder: &Path) -> Result<(PathBuf, String)> {
    let office_id = meta::get(conn, meta::OFFICE_ID)?.unwrap_or_default();
    let tag: String = office_id.chars().take(8).collect();
    // From `clock`, like every other time casedesk records.
    let stamp = crate::clock::now_utc()
        .with_timezone(&chrono::Local)
        .format("%Y%m%d-%H%M%S");
    Ok((folder.join(format!("{FILE_PREFIX}{stamp}-{tag}.age")), tag))
}

/// Delete this office's oldest automatic backups beyond `keep`. Only files
/// named like ours (prefix, time stamp, office tag, `.age`) are touched.
pub fn prune(folder: &Path, tag: &str, keep: u32) {
    let suffix = format!("-{tag}.age");
    let Ok(rd) = std::fs::read_dir(folder) else {
        return;
    };
    let mut ours: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(FILE_PREFIX) && n.ends_with(&suffix))
        })
        .collect();
    ours.sort();
    let excess = ours.len().saturating_sub(keep as usize);
    for old in &ours[..excess] {
        if let Err(e) = std::fs::remove_file(old) {
            tracing::warn!(error = %e, "could not remove an old automatic backup");
        }
    }
}

/// When the last backup (export or automatic) was written and checked.
pub fn last_good_backup(conn: &Connection) -> Option<DateTime<Utc>> {
    match meta::get(conn, LAST_GOOD) {
        Ok(Some(s)) => DateTime::parse_from_rfc3339(&s)
            .ok()
            .map(|t| t.with_timezone(&Utc)),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the last backup time");
            None
        }
    }
}

/// True when there is no good backup, or the last one is older than
/// `STALE_AFTER_DAYS` at `now`: the dashboard warns.
pub fn backup_is_stale(conn: &Connection, now: DateTime<Utc>) -> bool {
    last_good_backup(conn).is_none_or(|t| now - t > chrono::Duration::days(STALE_AFTER_DAYS))
}
