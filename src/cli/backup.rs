//! `casedesk backup …`: export, verify, restore, automatic backups.

use crate::office::rules::Capability;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::office::OfficePaths;
use crate::office::backup::{self, AutoSettings, DataKey, Encryption, Progress, Unlock};
use crate::secrets::SecretReader;
use crate::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Write an age-encrypted backup of the office (manager). Encrypted to a
    /// passphrase (read after your password) unless --recipient is given
    Export {
        /// The backup file to write; never overwritten
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Encrypt to this age public key (age1…) instead of a passphrase; repeatable
        #[arg(long = "recipient", value_name = "AGE_PUBKEY")]
        recipients: Vec<String>,
    },
    /// Decrypt and check a backup without restoring it; prints its manifest.
    /// Needs no login: the passphrase is the first secret. With --user NAME,
    /// NAME's password (checked against the backup's own key slots) is read
    /// first and the data itself is opened and checked too
    Verify {
        /// The backup file
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// An age identity file, for a backup encrypted to public keys
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
    },
    /// Restore a backup into a new office file (and its key file); never
    /// overwrites. Users log in afterwards with their usual passwords
    Restore {
        /// The backup file
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// The new office file to create
        #[arg(long, value_name = "PATH")]
        to: PathBuf,
        /// An age identity file, for a backup encrypted to public keys
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
    },
    /// Automatic backups after the day's first login (manager). With no
    /// options, show the current settings
    Auto(AutoArgs),
}

#[derive(Debug, Args)]
pub struct AutoArgs {
    /// Folder for automatic backups (must exist)
    #[arg(
        long,
        value_name = "DIR",
        requires = "recipients",
        conflicts_with = "off"
    )]
    folder: Option<PathBuf>,
    /// The office's age public key (age1…) backups are encrypted to; repeatable
    #[arg(long = "recipient", value_name = "AGE_PUBKEY", requires = "folder")]
    recipients: Vec<String>,
    /// How many automatic backups to keep
    #[arg(long, value_name = "N", default_value_t = backup::DEFAULT_KEEP,
          value_parser = clap::value_parser!(u32).range(1..))]
    keep: u32,
    /// Turn automatic backups off
    #[arg(long)]
    off: bool,
}

pub(super) fn run(
    cmd: BackupCommand,
    db: Option<PathBuf>,
    user: Option<String>,
    secrets: &mut SecretReader,
) -> Result<()> {
    match cmd {
        BackupCommand::Export { out, recipients } => {
            let to = if recipients.is_empty() {
                None
            } else {
                Some(Encryption::parse_recipients(&recipients)?)
            };
            let mut session = super::login(&super::office_paths(db), user, secrets)?;
            session.need(Capability::Backup)?;
            let to = match to {
                Some(r) => Encryption::Recipients(r),
                None => {
                    let p = secrets.read_new("Backup passphrase")?;
                    backup::check_passphrase(&p)?;
                    Encryption::Passphrase(p)
                }
            };
            let summary = session.export_backup(&out, &to, &mut bar())?;
            clear_bar();
            eprintln!(
                "Wrote {} ({} bytes) and checked it by decrypting it again.",
                crate::safe_text::path(&summary.path),
                summary.bytes
            );
        }
        BackupCommand::Verify { from, identity } => {
            // Only an explicit --user opens the data; $CASEDESK_USER does
            // not, so a script piping just the passphrase keeps working.
            let password = match &user {
                Some(name) => Some(secrets.read(&format!("Password for {name} (in the backup)"))?),
                None => None,
            };
            let unlock = unlock(&from, identity, secrets)?;
            let key = match (&user, &password) {
                (Some(name), Some(password)) => DataKey::Account { name, password },
                _ => DataKey::None,
            };
            let report = backup::verify(&from, &unlock, key, &mut bar())?;
            clear_bar();
            print_report(&report)?;
        }
        BackupCommand::Restore { from, to, identity } => {
            let paths = OfficePaths::new(to);
            let unlock = unlock(&from, identity, secrets)?;
            let manifest = backup::restore(&from, &paths, &unlock, &mut bar())?;
            clear_bar();
            eprintln!(
                "Restored the backup of {} made {} into {}. Log in with your usual password.",
                crate::safe_text::sanitize(&manifest.office_name),
                manifest.created_at,
                crate::safe_text::path(&paths.db)
            );
        }
        BackupCommand::Auto(args) => {
            let mut session = super::login(&super::office_paths(db), user, secrets)?;
            session.need(Capability::Backup)?;
            if args.off {
                session.configure_auto_backup(None)?;
                eprintln!("Automatic backups are off.");
            } else if let Some(folder) = args.folder {
                session.configure_auto_backup(Some(AutoSettings {
                    enabled: true,
                    folder,
                    recipients: args.recipients,
                    keep: args.keep,
                }))?;
                eprintln!("Automatic backups are on.");
            }
            let settings = session.auto_backup_settings()?;
            let mut out = std::io::stdout().lock();
            let result = (|| -> std::io::Result<()> {
                match settings {
                    Some(s) => {
                        writeln!(
                            out,
                            "automatic backups: {}",
                            if s.enabled { "on" } else { "off" }
                        )?;
                        writeln!(out, "folder: {}", crate::safe_text::path(&s.folder))?;
                        for r in &s.recipients {
                            writeln!(out, "recipient: {r}")?;
                        }
                        writeln!(out, "keep: {}", s.keep)?;
                    }
                    None => writeln!(out, "automatic backups: off")?,
                }
                match session.last_good_backup() {
                    Some(t) => writeln!(out, "last good backup: {}", t.to_rfc3339()),
                    None => writeln!(out, "last good backup: never"),
                }
            })();
            result.map_err(|_| Error::Quiet)?;
        }
    }
    Ok(())
}

/// The identity file, or the passphrase (the next secret) when the backup
/// is protected with one.
fn unlock(
    from: &std::path::Path,
    identity: Option<PathBuf>,
    secrets: &mut SecretReader,
) -> Result<Unlock> {
    match identity {
        Some(path) => Unlock::identity_file(&path),
        None => {
            if backup::needs_passphrase(from)? {
                Ok(Unlock::Passphrase(secrets.read("Backup passphrase")?))
            } else {
                Err(Error::Usage(
                    "this backup is encrypted to age public keys, not a passphrase; give --identity FILE"
                        .into(),
                ))
            }
        }
    }
}

/// The report on stdout. A reader that stops early (`| head -1`) is not
/// an error: the command still succeeded.
fn print_report(report: &backup::VerifyReport) -> Result<()> {
    let m = &report.manifest;
    let mut text = String::new();
    let mut line = |l: String| {
        text.push_str(&l);
        text.push('\n');
    };
    line("ok".into());
    line(format!(
        "office: {}",
        crate::safe_text::sanitize(&m.office_name)
    ));
    line(format!(
        "office id: {}",
        crate::safe_text::sanitize(&m.office_id)
    ));
    line(format!(
        "made: {}",
        crate::safe_text::sanitize(&m.created_at)
    ));
    line(format!(
        "casedesk: {}",
        crate::safe_text::sanitize(&m.casedesk_version)
    ));
    line(format!("schema: {}", m.schema_version));
    for f in &m.files {
        line(format!(
            "file: {} {} bytes sha256 {}",
            crate::safe_text::sanitize(&f.name),
            f.size,
            crate::safe_text::sanitize(&f.sha256)
        ));
    }
    for (table, n) in &m.counts {
        line(format!("rows: {table} {n}"));
    }
    line(format!(
        "data: {}",
        if report.data_checked {
            "opened; integrity checks pass; row counts match the manifest"
        } else {
            "not opened (give --user NAME to open it with that account's password)"
        }
    ));
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::io("cannot write the output", e)),
    }
}

/// A progress line on stderr when it is a terminal; nothing otherwise.
fn bar() -> impl FnMut(Progress) {
    let tty = std::io::stderr().is_terminal();
    move |p: Progress| {
        if !tty {
            return;
        }
        let line = if p.total > 0 {
            format!(
                "{}: {:>3}%",
                p.stage.label(),
                p.done.saturating_mul(100) / p.total.max(1)
            )
        } else {
            format!("{}…", p.stage.label())
        };
        eprint!("\r\x1b[2K{line}");
    }
}

fn clear_bar() {
    if std::io::stderr().is_terminal() {
        eprint!("\r\x1b[2K");
    }
}
