//! The office file's schema, as an ordered list of migrations.
//!
//! `PRAGMA user_version` holds how many migrations a file has had. Opening a
//! file runs the missing ones inside one transaction (`store::upgrade`), so
//! a power cut leaves the file at the old version, never half-way. A file
//! with a higher version than this code knows is refused: an older
//! casedesk must not write to it.
//!
//! A migration is never edited once released: an office that ran the old
//! text and one that ran a new text would have different schemas under
//! the same version. `tests/upgrade.rs` holds each migration's SHA-256 and
//! fails when one changes; new work goes in a new migration at the end.
//! Each one is a numbered file in `src/store/migrations/`.
//!
//! Dates are `YYYY-MM-DD` text, instants RFC 3339 UTC text.

use rusqlite::Transaction;

use crate::Result;

/// One step of the schema: migration `i` (0-based) takes a file from
/// version `i` to `i + 1`.
#[derive(Clone, Copy)]
pub enum Migration {
    /// SQL run as one batch.
    Sql(&'static str),
    /// Rust code, where SQL alone cannot do it (rebuilding a table keeping
    /// its indexes and triggers). `source` is the code's own file, which is
    /// what the frozen hash covers.
    Code {
        source: &'static str,
        run: fn(&Transaction<'_>) -> Result<()>,
    },
}

impl Migration {
    /// The text the frozen hash covers.
    pub fn text(&self) -> &'static str {
        match self {
            Migration::Sql(sql) => sql,
            Migration::Code { source, .. } => source,
        }
    }

    /// Run it inside the upgrade's transaction.
    pub fn run(&self, tx: &Transaction<'_>) -> Result<()> {
        match self {
            Migration::Sql(sql) => Ok(tx.execute_batch(sql)?),
            Migration::Code { run, .. } => run(tx),
        }
    }
}

/// Every migration, in order. Append only.
pub const MIGRATIONS: &[Migration] = &[
    Migration::Sql(include_str!("migrations/0001_accounts.sql")),
    Migration::Sql(include_str!("migrations/0002_registers.sql")),
    Migration::Sql(include_str!("migrations/0003_casework.sql")),
    Migration::Sql(include_str!("migrations/0004_counselling.sql")),
    Migration::Sql(include_str!("migrations/0005_note_macs.sql")),
    Migration::Sql(include_str!("migrations/0006_classes.sql")),
    Migration::Sql(include_str!("migrations/0007_placements.sql")),
    Migration::Sql(include_str!("migrations/0008_activities_reports.sql")),
    Migration::Code {
        source: include_str!("migrations/v0009_vocabularies.rs"),
        run: super::migrations::v0009_vocabularies::run,
    },
    Migration::Sql(include_str!("migrations/0010_visit_states.sql")),
];

/// The version this code writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;
