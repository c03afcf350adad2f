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

use super::export::{LAST_GOOD, Office, record_good, write_backup};
use super::{Encryption, no_progress};
use crate::domain::Role;
use crate::store::meta;
use crate::vault::Session;
use crate::{Error, Result, audit};

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

/// Turn automatic backups on with these settings, or off with `None`
/// (managers only). The folder must exist and the recipients must parse.
pub fn configure_auto(session: &Session, settings: Option<AutoSettings>) -> Result<()> {
    session.require(&[Role::Manager], "set up automatic backups")?;
    let (value, detail) = match settings {
        Some(s) => {
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
            let s = AutoSettings {
                enabled: true,
                folder: std::path::absolute(&s.folder).unwrap_or(s.folder),
                ..s
            };
            let detail = format!("keep={} recipients={}", s.keep, s.recipients.len());
            (s, detail)
        }
        None => match auto_settings(&session.conn)? {
            Some(s) => (
                AutoSettings {
                    enabled: false,
                    ..s
                },
                "off".to_string(),
            ),
            None => return Ok(()),
        },
    };
    let json = serde_json::to_string(&value)
        .map_err(|e| Error::Crypto(format!("cannot encode the settings: {e}")))?;
    let tx = Transaction::new_unchecked(&session.conn, TransactionBehavior::Immediate)?;
    meta::set(&tx, SETTINGS, &json)?;
    audit::record(
        &tx,
        &session.user.name,
        "backup.auto.configure",
        "",
        &detail,
    )?;
    tx.commit()?;
    Ok(())
}

/// Make today's automatic backup if it is on and nobody has made one yet
/// today (by the office's local date). Call it after a login (or on exit);
/// it takes as long as an export. Returns the new file, or `None` when
/// nothing was due. On error the day is not marked, so the next login
/// tries again; the caller shows the error (e.g. the USB stick is out).
pub fn auto_backup_if_due(
    session: &Session,
    config: &crate::config::Config,
) -> Result<Option<PathBuf>> {
    let Some(settings) = auto_settings(&session.conn)? else {
        return Ok(None);
    };
    if !settings.enabled {
        return Ok(None);
    }
    let folder = config
        .auto_backup
        .dir
        .clone()
        .unwrap_or_else(|| settings.folder.clone());
    let keep = match config.auto_backup.keep {
        0 => settings.keep,
        n => n,
    }
    .max(1);
    let today = crate::store::today().format("%Y-%m-%d").to_string();

    // Claim today, so a second terminal logging in now does not also start one.
    let previous = {
        let tx = Transaction::new_unchecked(&session.conn, TransactionBehavior::Immediate)?;
        let previous = meta::get(&tx, LAST_DAY)?;
        if previous.as_deref() == Some(today.as_str()) {
            return Ok(None);
        }
        meta::set(&tx, LAST_DAY, &today)?;
        tx.commit()?;
        previous
    };
    let result = (|| {
        if !folder.is_dir() {
            return Err(Error::invalid(format!(
                "the automatic backup folder {} is not there (is the drive connected?)",
                folder.display()
            )));
        }
        let recipients = Encryption::parse_recipients(&settings.recipients)?;
        let office_id = meta::get(&session.conn, meta::OFFICE_ID)?.unwrap_or_default();
        let tag: String = office_id.chars().take(8).collect();
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S");
        let out = folder.join(format!("{FILE_PREFIX}{stamp}-{tag}.age"));
        let office = Office {
            conn: &session.conn,
            key: session.master_key(),
            paths: &session.paths,
        };
        let summary = write_backup(
            &office,
            &out,
            &Encryption::Recipients(recipients),
            &mut no_progress(),
        )?;
        record_good(&session.conn, &session.user.name, "backup.auto", "")?;
        prune(&folder, &tag, keep);
        Ok(summary.path)
    })();
    match result {
        Ok(p) => Ok(Some(p)),
        Err(e) => {
            let _ = meta::set(&session.conn, LAST_DAY, previous.as_deref().unwrap_or(""));
            Err(e)
        }
    }
}

/// Delete this office's oldest automatic backups beyond `keep`. Only files
/// named like ours (prefix, time stamp, office tag, `.age`) are touched.
fn prune(folder: &Path, tag: &str, keep: u32) {
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
