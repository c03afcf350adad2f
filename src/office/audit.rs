//! The audit trail as people meet it: a login's bookkeeping, the desk's
//! lock and unlock, and the manager reading and verifying the trail.

use super::{AuditAction, RowPasses, Session, Target};
use crate::Result;
use crate::office::rules::Capability;
pub use crate::store::audit::{AuditFilter, Entry, Head, Verdict};
use crate::store::{self, audit};
use crate::vault::failed_logins;

/// At most this many failed attempts become separate entries per login;
/// the rest are counted in one.
const MAX_FAILED_ENTRIES: usize = 200;

/// Everything a successful login does to the trail after its own entry:
/// bring in failed attempts and move the head file forward. Problems are
/// logged, never shown as a failed login.
pub(crate) fn after_login(session: &mut Session) {
    if let Err(e) = import_failed_logins(session) {
        tracing::warn!(error = %e, "could not import failed logins");
    }
    if let Err(e) = audit::advance_anchor(session.conn()) {
        tracing::warn!(error = %e, "could not write the audit head file");
    }
    if let Err(e) = session.unlocked().advance_key_file_head() {
        tracing::warn!(error = %e, "could not record the audit head in the key file");
    }
}

/// Move failed logins noted beside the office file into the trail.
/// Returns how many entries were written.
pub fn import_failed_logins(session: &mut Session) -> Result<usize> {
    let paths = session.paths().clone();
    if !failed_logins::path(&paths).exists() {
        return Ok(0);
    }
    // Under the write lock, so two terminals logging in at once do not both
    // import the same lines.
    let moved = session.write(|tx, _| {
        let Some((attempts, mut unreadable)) = failed_logins::read(&paths)? else {
            return Ok(0);
        };
        let mut moved = 0;
        for a in attempts {
            if let Some(code) = &a.alert {
                // Always listed: a refused key file is evidence.
                audit::record(
                    tx,
                    "?",
                    AuditAction::KeyFileAltered,
                    "",
                    &format!("{code}; refused at {}", a.at),
                )?;
                moved += 1;
            } else if moved < MAX_FAILED_ENTRIES {
                audit::record(
                    tx,
                    &a.who,
                    AuditAction::LoginFailed,
                    "",
                    &format!("attempt at {}", a.at),
                )?;
                moved += 1;
            } else {
                unreadable += 1;
            }
        }
        if unreadable > 0 {
            audit::record(
                tx,
                "?",
                AuditAction::LoginFailed,
                "",
                &format!("{unreadable} more attempts (not listed one by one)"),
            )?;
        }
        Ok(moved + unreadable)
    })?;
    // A power cut here would import these lines twice at the next login
    // (harmless); a line appended between the read and the removal is lost.
    failed_logins::remove(&paths)?;
    Ok(moved)
}

impl Session {
    /// The person left the desk (`why`: quit, a stop signal, a hang-up).
    pub fn logged_out(&self, why: &str) -> Result<()> {
        self.record_now(AuditAction::Logout, "", why)
    }

    /// The desk was locked (idle timeout, by hand, or the panic key:
    /// `reason` says which). The head file moves forward too, so entries
    /// up to the lock cannot be cut off unnoticed.
    pub fn locked(&self, reason: &str) -> Result<()> {
        self.record_now(AuditAction::Lock, "", reason)?;
        audit::advance_anchor(self.conn())?;
        self.unlocked().advance_key_file_head()
    }

    /// An unlock attempt on the lock screen; `ok` says whether the
    /// password was right.
    pub fn unlock_attempted(&self, ok: bool) -> Result<()> {
        let action = if ok {
            AuditAction::Unlock
        } else {
            AuditAction::UnlockFailed
        };
        self.record_now(action, "", "")
    }

    /// Check the whole chain (managers). An intact trail moves the head
    /// file beside the office file forward; returns the head too.
    pub fn verify_trail(&self) -> Result<(Verdict, Option<Head>)> {
        self.need(Capability::ReadAudit)?;
        let verdict = audit::verify(self.conn())?;
        if matches!(verdict, Verdict::Intact { .. }) {
            // A failure here only weakens a later check.
            if let Err(e) = audit::advance_anchor(self.conn()) {
                tracing::warn!(error = %e, "could not write the audit head file");
            }
            if let Err(e) = self.unlocked().advance_key_file_head() {
                tracing::warn!(error = %e, "could not record the audit head in the key file");
            }
        }
        Ok((verdict, audit::head(self.conn())?))
    }

    /// Record that the manager is looking at the trail (filtered by a
    /// person or not). The look itself is recorded first, so it shows.
    pub fn audit_viewed(&self, person: Option<i64>) -> Result<()> {
        self.need(Capability::ReadAudit)?;
        let target = person.map(|p| Target::Person(p).to_string());
        self.record_now(AuditAction::AuditView, &target.unwrap_or_default(), "")
    }

    /// Entries matching `filter` (managers). Not recorded by itself: call
    /// [`Session::audit_viewed`] once per look, not once per page.
    pub fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<Entry>> {
        self.need(Capability::ReadAudit)?;
        audit::query(self.conn(), filter)
    }

    /// The manager's look at the trail from the command line: the look is
    /// recorded first (as [`Session::audit_viewed`] does), then the entries
    /// matching `filter` that came before it are handed to `write` one at a
    /// time as they are read, so a long trail is never held at once. A look
    /// that cannot be recorded shows nothing.
    pub fn export_audit<T>(
        &self,
        filter: &AuditFilter,
        write: impl FnOnce(&RowPasses<'_, Entry>) -> Result<T>,
    ) -> Result<T> {
        self.need(Capability::ReadAudit)?;
        let target = filter.person.map(|p| Target::Person(p).to_string());
        // The look's own number, read under the same write lock as the
        // entry, bounds the listing: the look itself is not listed.
        let tx = rusqlite::Transaction::new_unchecked(
            self.conn(),
            rusqlite::TransactionBehavior::Immediate,
        )?;
        audit::record(
            &tx,
            &self.user().name,
            AuditAction::AuditView,
            &target.unwrap_or_default(),
            "",
        )?;
        let look = audit::head(&tx)?.map(|h| h.seq);
        tx.commit()?;
        let filter = AuditFilter {
            before_seq: match (filter.before_seq, look) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            ..filter.clone()
        };
        self.in_snapshot(|f| audit::each_entry(self.conn(), &filter, f), write)
    }

    /// A person's record id from a case number, for filters.
    pub fn person_by_case_number(&self, case_number: &str) -> Result<Option<i64>> {
        self.need(Capability::OpenFile)?;
        Ok(store::persons::find_by_case_number(self.conn(), case_number)?.map(|p| p.0))
    }
}
