//! What a logged-in person can do: the one way the desk and the CLI reach
//! the office file.
//!
//! A [`Session`] is a login. Its methods, one module per area, are the
//! things a person does: each checks the role once, runs in one explicit
//! transaction, records its audit entry with a typed [`AuditAction`], and
//! returns domain types. Reads do not write, except the explicit
//! "viewed a file" entries this layer records on purpose.
//!
//! Below: `vault` (keys, login, rekey), `store` (SQL), `backup` (the backup
//! file format). Above: `cli` and `ui`, which import nothing from below this
//! layer (`tests/layers.rs` checks).

pub mod accounts;
pub mod activities;
pub mod audit;
pub mod backup;
pub mod casework;
pub mod classes;
pub mod counselling;
pub mod import;
pub mod intake;
mod note_chain;
pub mod placements;
pub mod reports;
pub mod rules;
pub mod settings;

use crate::office::rules::Capability;
use age::secrecy::SecretString;
use rusqlite::{Connection, Transaction};

use crate::Result;
use crate::domain::Role;
pub use crate::domain::User;
pub use crate::domain::audit::{AuditAction, Target};
pub use crate::paths::OfficePaths;
use crate::store::{self, meta};
pub use crate::vault::RecoveryKey;
use crate::vault::{self, Unlocked};

/// A logged-in person with the office file open.
pub struct Session {
    open: Unlocked,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("Session")
            .field("user", &self.open.user.name)
            .field("role", &self.open.user.role)
            .finish_non_exhaustive()
    }
}

/// Log in: open the account's key slot with its password, then the office
/// file. Unknown user, wrong password and disabled account give the same
/// error ([`Error::BadLogin`]). The login is audited; failed attempts noted
/// since the last login enter the trail now.
pub fn login(paths: &OfficePaths, name: &str, password: &SecretString) -> Result<Session> {
    begin(vault::login(paths, name, password)?)
}

/// `casedesk restore-accept`: a manager logs in to an office file older
/// than its key file (a backup put back on purpose) and accepts it. The
/// acceptance is audited, and the key file's record of the audit head (and
/// the head file beside the office file) move to this office file's, so
/// the next logins work. Returns what was accepted; None when the office
/// file was not behind (then nothing changes but the login).
pub fn accept_restore(
    paths: &OfficePaths,
    name: &str,
    password: &SecretString,
) -> Result<(Session, Option<String>)> {
    let (open, gap) = vault::login_accepting_restore(paths, name, password)?;
    let Some(gap) = gap else {
        return Ok((begin(open)?, None));
    };
    let session = begin(open)?;
    session.record_now(AuditAction::OfficeRestoreAccept, "", &gap)?;
    session.open.reset_key_file_head()?;
    Ok((session, Some(gap)))
}

/// Everything a login does once the keys have opened the office file.
fn begin(mut open: Unlocked) -> Result<Session> {
    let repairs = open.take_repairs();
    let upgrade = open.upgrade().map(|u| {
        let copy = u
            .copy
            .as_deref()
            .and_then(std::path::Path::file_name)
            .map(|n| format!("; copy from before: {}", n.to_string_lossy()))
            .unwrap_or_default();
        format!("schema {} to {}{copy}", u.from, u.to)
    });
    let mut session = Session { open };
    if let Some(detail) = upgrade {
        session.record_now(AuditAction::OfficeUpgrade, "", &detail)?;
    }
    session.record_now(AuditAction::Login, "", "")?;
    for r in repairs {
        session.record_now(AuditAction::KeysRepaired, "", &r)?;
    }
    audit::after_login(&mut session);
    // A backup export killed half-way left files beside the office file.
    let dir = session
        .paths()
        .db
        .parent()
        .map(std::path::Path::to_path_buf);
    if let Some(dir) = dir.filter(|d| !d.as_os_str().is_empty()) {
        crate::backup::remove_leftovers(&dir, &dir);
        crate::paths::remove_stale_writes(&dir);
    }
    Ok(session)
}

impl Session {
    /// The schema upgrade this login ran when it opened the office file
    /// (`store::upgrade`), if it ran one: what the faces tell the person.
    pub fn upgrade(&self) -> Option<&crate::store::upgrade::Upgraded> {
        self.open.upgrade()
    }
}

/// Create a new office with its first manager, who is logged in.
pub fn create_office(
    paths: &OfficePaths,
    office_name: &str,
    manager: &str,
    password: &SecretString,
) -> Result<(Session, RecoveryKey)> {
    let (open, recovery) =
        vault::create_office(paths, office_name, manager, password, |conn, user| {
            // Written out at the start, so `office show` and a SQLCipher
            // client see the order the office works in.
            meta::set_date_order(conn, crate::domain::dates::DateOrder::default())?;
            store::audit::record(conn, &user.name, AuditAction::OfficeCreate, "", "")
        })?;
    Ok((Session { open }, recovery))
}

/// Give a manager a new password with the recovery key (no login: the
/// recovery key is the proof).
pub fn recover(
    paths: &OfficePaths,
    recovery_identity: &str,
    manager: &str,
    new_password: &SecretString,
) -> Result<()> {
    vault::recover(
        paths,
        recovery_identity,
        manager,
        new_password,
        |conn, user| {
            store::audit::record(
                conn,
                &user.name,
                AuditAction::AccountRecover,
                &Target::User(user.id).to_string(),
                "",
            )
        },
    )
}

/// Does this password open this account's key slot? For the desk's lock
/// screen, which runs it off the UI thread and then records the attempt
/// with [`Session::unlock_attempted`].
pub fn password_opens(paths: &OfficePaths, name: &str, password: &SecretString) -> Result<bool> {
    vault::password_opens(paths, name, password)
}

impl Session {
    pub fn user(&self) -> &User {
        &self.open.user
    }

    pub fn role(&self) -> Role {
        self.open.user.role
    }

    pub fn paths(&self) -> &OfficePaths {
        &self.open.paths
    }

    /// The office's name, for the desk's title line.
    pub fn office_name(&self) -> Result<String> {
        self.need(Capability::SeeOffice)?;
        Ok(meta::get(&self.open.conn, meta::OFFICE_NAME)?.unwrap_or_default())
    }

    /// The same login on a connection of its own, for work off the UI
    /// thread. It never holds the counselling identity.
    pub fn worker(&self) -> Result<Session> {
        Ok(Session {
            open: self.open.worker()?,
        })
    }

    // -----------------------------------------------------------------
    // For the area modules: the connection, transactions, audit entries.

    pub(crate) fn conn(&self) -> &Connection {
        &self.open.conn
    }

    pub(crate) fn unlocked(&self) -> &Unlocked {
        &self.open
    }

    pub(crate) fn unlocked_mut(&mut self) -> &mut Unlocked {
        &mut self.open
    }

    /// Run `work` in one write transaction (taking the write lock at once,
    /// so two terminals queue instead of failing half-way); commit if it
    /// returns Ok, roll back otherwise.
    pub(crate) fn write<T>(
        &mut self,
        work: impl FnOnce(&Transaction<'_>, &User) -> Result<T>,
    ) -> Result<T> {
        let user = self.open.user.clone();
        let tx = store::write_tx(&mut self.open.conn)?;
        let out = work(&tx, &user)?;
        tx.commit()?;
        Ok(out)
    }

    /// Record an audit entry as this user in the caller's transaction.
    pub(crate) fn record_in(
        conn: &Connection,
        user: &User,
        action: AuditAction,
        target: &str,
        detail: &str,
    ) -> Result<()> {
        store::audit::record(conn, &user.name, action, target, detail)
    }

    /// Record an audit entry as this user, in a transaction of its own.
    pub(crate) fn record_now(&self, action: AuditAction, target: &str, detail: &str) -> Result<()> {
        store::audit::record(
            &self.open.conn,
            &self.open.user.name,
            action,
            target,
            detail,
        )
    }

    /// Run `write` over rows read straight from the office file: `read`
    /// steps a statement and hands each row on. A writer may read more than
    /// once (an aligned table measures its columns first); every pass runs
    /// inside one read transaction, so each sees the same rows even while
    /// another desk writes.
    pub(crate) fn in_snapshot<R, T>(
        &self,
        read: impl Fn(&mut dyn FnMut(R) -> Result<()>) -> Result<usize>,
        write: impl FnOnce(&RowPasses<'_, R>) -> Result<T>,
    ) -> Result<T> {
        let snapshot = self.conn().unchecked_transaction()?;
        let out = write(&RowPasses { read: &read })?;
        snapshot.commit()?;
        Ok(out)
    }
}

/// Rows handed to a writer one at a time as they are read, never all held
/// at once (see [`Session::export_register`]). `each` may be called more
/// than once; every call sees the same rows.
pub struct RowPasses<'a, R> {
    read: &'a ReadRows<'a, R>,
}

/// Steps a statement, handing each row to the callback; returns how many.
type ReadRows<'a, R> = dyn Fn(&mut dyn FnMut(R) -> Result<()>) -> Result<usize> + 'a;

impl<R> RowPasses<'_, R> {
    /// Hand every row to `f`, in order; returns how many there were.
    pub fn each(&self, mut f: impl FnMut(R) -> Result<()>) -> Result<usize> {
        (self.read)(&mut f)
    }
}
