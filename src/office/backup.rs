//! Backups as the office uses them: a manager's export (on this thread or
//! a worker), automatic backups after the day's first login, and the
//! settings and "last good backup" the desk shows. The file format, its
//! checks, verify and restore are `backup`'s; the role checks and audit
//! entries are here.

use crate::office::rules::Capability;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{AuditAction, Session};
use crate::backup::{self, Source};
// What the desk and the CLI use of the backup format itself: verify and
// restore need no login (the passphrase or identity is the key).
use crate::Result;
pub use crate::backup::{
    AutoSettings, DEFAULT_KEEP, DataKey, Encryption, ExportSummary, FORMAT, FileEntry,
    MIN_PASSPHRASE_CHARS, Manifest, Progress, STALE_AFTER_DAYS, Stage, Unlock, VerifyReport,
    check_passphrase, needs_passphrase, no_progress, progress_to, restore, verify,
};
use crate::keys::MasterKey;
use crate::store::audit;

fn detail(to: &Encryption) -> String {
    match to {
        Encryption::Passphrase(_) => "passphrase".to_string(),
        Encryption::Recipients(r) => format!("recipients:{}", r.len()),
    }
}

/// A checked backup is noted: its time and its audit entry, together. No
/// record, no backup: if they cannot be written, the new file (a full copy
/// of the office) is removed again rather than left behind unaudited.
fn record_good(
    session: &mut Session,
    action: AuditAction,
    detail: &str,
    written: &Path,
) -> Result<()> {
    session
        .write(|tx, user| {
            backup::set_last_good(tx)?;
            audit::record(tx, &user.name, action, "", detail)
        })
        .inspect_err(|_| {
            if let Err(e) = std::fs::remove_file(written) {
                tracing::warn!(error = %e, "could not remove an unrecorded backup");
            }
        })
}

fn write(
    session: &Session,
    out: &Path,
    to: &Encryption,
    progress: &mut dyn FnMut(Progress),
) -> Result<ExportSummary> {
    let open = session.unlocked();
    backup::write_backup(
        &Source {
            conn: session.conn(),
            key: open.master_key(),
            paths: &open.paths,
        },
        out,
        to,
        progress,
    )
}

impl Session {
    /// Export a backup to `out` (managers). Refuses an existing `out`. On
    /// success the export is in the audit trail and the last good backup
    /// is now. Runs on this thread; for a progress bar use [`Exporter`].
    pub fn export_backup(
        &mut self,
        out: &Path,
        to: &Encryption,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ExportSummary> {
        self.need(Capability::Backup)?;
        let summary = write(self, out, to, progress)?;
        record_good(self, AuditAction::BackupExport, &detail(to), &summary.path)?;
        Ok(summary)
    }

    /// The office's automatic backup settings, if ever set up (anyone: the
    /// desk says whether backups run).
    pub fn auto_backup_settings(&self) -> Result<Option<AutoSettings>> {
        self.need(Capability::SeeOffice)?;
        backup::auto_settings(self.conn())
    }

    /// Turn automatic backups on with these settings, or off with `None`
    /// (managers). The folder must exist and the recipients must parse.
    pub fn configure_auto_backup(&mut self, settings: Option<AutoSettings>) -> Result<()> {
        self.need(Capability::Backup)?;
        let (value, detail) = match settings {
            Some(s) => {
                let s = backup::checked_settings(s)?;
                let detail = format!("keep={} recipients={}", s.keep, s.recipients.len());
                (s, detail)
            }
            None => match backup::auto_settings(self.conn())? {
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
        self.write(|tx, user| {
            backup::save_settings(tx, &value)?;
            audit::record(
                tx,
                &user.name,
                AuditAction::BackupAutoConfigure,
                "",
                &detail,
            )
        })
    }

    /// Make today's automatic backup if it is on and nobody has made one
    /// yet today (by the office's local date). Any account's login may
    /// trigger it: it goes to the office's recipients only, so whoever
    /// triggers it learns nothing. Returns the new file, or `None` when
    /// nothing was due. On error the day is given back, so the next login
    /// tries again.
    pub fn auto_backup_if_due(
        &mut self,
        config: &crate::config::Config,
    ) -> Result<Option<PathBuf>> {
        let Some(settings) = backup::auto_settings(self.conn())? else {
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
        let today = crate::clock::today().format("%Y-%m-%d").to_string();
        let Some(previous) = backup::claim_day(self.conn(), &today)? else {
            return Ok(None);
        };
        let result = (|| {
            if !folder.is_dir() {
                return Err(crate::Error::invalid(format!(
                    "the automatic backup folder {} is not there (is the drive connected?)",
                    folder.display()
                )));
            }
            let recipients = Encryption::parse_recipients(&settings.recipients)?;
            let (out, tag) = backup::auto_file(self.conn(), &folder)?;
            let summary = write(
                self,
                &out,
                &Encryption::Recipients(recipients),
                &mut backup::no_progress(),
            )?;
            record_good(self, AuditAction::BackupAuto, "", &summary.path)?;
            backup::prune(&folder, &tag, keep);
            Ok(summary.path)
        })();
        match result {
            Ok(p) => Ok(Some(p)),
            Err(e) => {
                backup::release_day(self.conn(), previous.as_deref());
                Err(e)
            }
        }
    }

    /// When the last backup (export or automatic) was written and checked.
    pub fn last_good_backup(&self) -> Option<DateTime<Utc>> {
        backup::last_good_backup(self.conn())
    }

    /// True when there is no good backup, or the last is older than
    /// [`STALE_AFTER_DAYS`] at `now`: the desk warns.
    pub fn backup_is_stale(&self, now: DateTime<Utc>) -> bool {
        backup::backup_is_stale(self.conn(), now)
    }

    /// A copy of the master key, to check the data in a backup of this
    /// office from the desk (managers; `DataKey::Master`).
    pub fn backup_check_key(&self) -> Result<MasterKey> {
        self.need(Capability::Backup)?;
        MasterKey::from_hex(&self.unlocked().master_key().hex())
    }
}

/// An export that can move to a worker thread (it is `Send`): it holds a
/// login of its own, so the desk keeps its session and reports progress
/// from a channel (`backup::progress_to`).
pub struct Exporter {
    session: Session,
}

impl Exporter {
    /// Managers only, checked here.
    pub fn new(session: &Session) -> Result<Exporter> {
        session.need(Capability::Backup)?;
        Ok(Exporter {
            session: session.worker()?,
        })
    }

    pub fn run(
        &mut self,
        out: &Path,
        to: &Encryption,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<ExportSummary> {
        let summary = write(&self.session, out, to, progress)?;
        record_good(
            &mut self.session,
            AuditAction::BackupExport,
            &detail(to),
            &summary.path,
        )?;
        Ok(summary)
    }
}
