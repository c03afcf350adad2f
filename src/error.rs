//! One error type for the whole library.
//!
//! Every message is written for the person at the keyboard and must never
//! carry personal data: callers put record ids or field names in messages,
//! never names or notes. The CLI maps each kind to an exit code (CLI.md).

use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Unknown user, wrong password or disabled account: one message for all,
    /// so a guesser learns nothing about which names exist.
    #[error("wrong user name or password")]
    BadLogin,
    /// The acting user's role may not do this.
    #[error("{0}")]
    NotAllowed(String),
    /// Bad flags or arguments (exit code 2).
    #[error("{0}")]
    Usage(String),
    /// Input the user can correct (bad date, empty field, file exists, …).
    #[error("{0}")]
    Invalid(String),
    /// A record changed under us (two terminals editing the same file).
    #[error("{0}")]
    Conflict(String),
    /// The office file or its key file is missing, damaged or foreign.
    #[error("{0}")]
    Damaged(String),
    /// An office file written by a newer casedesk.
    #[error("{0}")]
    TooNew(String),
    /// A database failure we did not anticipate. The inner text comes from
    /// SQLite and names tables or constraints, never row values.
    #[error("the office file could not be used: {0}")]
    Database(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("encryption failed: {0}")]
    Crypto(String),
    /// The reader of our output went away (`casedesk list … | head`):
    /// stop without a message.
    #[error("output closed")]
    Quiet,
}

/// What a full disk is called, everywhere.
pub const DISK_FULL: &str =
    "the disk is full: free some space (or use another drive) and try again; nothing was lost";

impl Error {
    /// The process exit code for this error (CLI.md).
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::BadLogin | Error::NotAllowed(_) => 3,
            Error::Quiet => 0,
            Error::Usage(_) => 2,
            _ => 1,
        }
    }

    pub fn invalid(msg: impl fmt::Display) -> Self {
        Error::Invalid(msg.to_string())
    }

    pub fn not_allowed(msg: impl fmt::Display) -> Self {
        Error::NotAllowed(msg.to_string())
    }

    pub fn damaged(msg: impl fmt::Display) -> Self {
        Error::Damaged(msg.to_string())
    }

    pub fn io(context: impl fmt::Display, source: std::io::Error) -> Self {
        if source.kind() == std::io::ErrorKind::StorageFull {
            return Error::Database(format!("{context}: {DISK_FULL}"));
        }
        Error::Io {
            context: context.to_string(),
            source,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::ErrorCode;
        match &e {
            rusqlite::Error::SqliteFailure(f, _) => match f.code {
                ErrorCode::NotADatabase => Error::Damaged(
                    "the office file is damaged or does not belong with its key file".into(),
                ),
                ErrorCode::DatabaseCorrupt => {
                    Error::Damaged("the office file is damaged; restore it from a backup".into())
                }
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => Error::Database(
                    "another casedesk is busy with the office file; try again".into(),
                ),
                ErrorCode::DiskFull => Error::Database(DISK_FULL.into()),
                ErrorCode::SystemIoFailure => Error::Database(
                    "the office file could not be read or written: is the disk full, or the drive gone?"
                        .into(),
                ),
                ErrorCode::ReadOnly => Error::Database("the office file is read-only".into()),
                ErrorCode::CannotOpen => Error::Database("the office file cannot be opened".into()),
                // Constraint messages name the constraint, not the values.
                _ => Error::Database(sanitize_sqlite_message(&e)),
            },
            _ => Error::Database(sanitize_sqlite_message(&e)),
        }
    }
}

/// SQLite messages are about schema objects, but keep them short and free of
/// anything that looks like a quoted value, to be safe.
fn sanitize_sqlite_message(e: &rusqlite::Error) -> String {
    let text = e.to_string();
    match text.find(['\'', '"']) {
        Some(cut) => text[..cut].trim_end().to_string(),
        None => text,
    }
}

impl From<age::EncryptError> for Error {
    fn from(e: age::EncryptError) -> Self {
        Error::Crypto(e.to_string())
    }
}
