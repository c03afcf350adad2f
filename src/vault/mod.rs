//! Opening the office file: key slots, login, recovery key, rekey.
//!
//! See `keyfile` for what the key file holds and why. Passwords only ever
//! unlock an account's own identity (age scrypt); the master key and the
//! counselling identity are sealed to identities, never to passwords.
//!
//! The vault checks keys, never roles, and writes no audit entry on its
//! own: an operation that changes the office file takes a `record` closure
//! from the office layer and runs it inside its transaction, so the change
//! and its audit entry land together.

pub mod accounts;
pub mod crypto;
pub mod failed_logins;
pub mod head;
pub mod keyfile;
pub mod lock;
pub mod pins;

use std::path::Path;

use age::secrecy::SecretString;
use age::x25519;
use rusqlite::Connection;

use crate::domain::Role;
pub use crate::keys::MasterKey;
pub use crate::paths::OfficePaths;
use crate::store::{self, meta, users};
use crate::{Error, Result};
use keyfile::{KeyFile, RecoverySlot};
use lock::Presence;
use pins::PinProblem;

/// The office file open with a user's keys. Below the office layer: it
/// knows keys, not roles. The desk and the CLI hold an `office::Session`,
/// which wraps this and never hands it out.
pub struct Unlocked {
    pub(crate) conn: Connection,
    pub user: users::User,
    pub paths: OfficePaths,
    master: MasterKey,
    /// The account's own identity, opened from its slot at login.
    identity: x25519::Identity,
    counselling: Option<x25519::Identity>,
    /// This login's mark among the office's open desks (none for a
    /// worker connection of the same login).
    presence: Option<Presence>,
    /// What the login found and put right (a rekey cut short, a slot left
    /// by an interrupted account change, …), for the office layer's audit
    /// trail. Never personal data.
    repairs: Vec<String>,
    /// The schema upgrade this login's opening of the office file ran, if
    /// it ran one (for the message and the audit trail).
    upgraded: Option<store::upgrade::Upgraded>,
    /// What the person must be told at login (a missing recovery pin a
    /// manager's login lets through so that a rekey can put it right).
    warnings: Vec<String>,
    /// Others could read the key file when this login began (casedesk's
    /// own rewrites of it, at this login too, leave it to its owner only).
    key_file_exposed: Option<String>,
}

impl std::fmt::Debug for Unlocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("Unlocked")
            .field("user", &self.user.name)
            .field("role", &self.user.role)
            .finish_non_exhaustive()
    }
}

/// Shown once at `init`: the manager writes it down and keeps it in the safe.
/// (And at every rekey.) `Debug` never shows the key.
#[derive(Debug)]
pub struct RecoveryKey(pub SecretString);

/// Create a new office with its first manager. `record` runs inside the
/// creating transaction (the office layer's audit entry).
pub fn create_office(
    paths: &OfficePaths,
    office_name: &str,
    manager: &str,
    password: &SecretString,
    record: impl FnOnce(&Connection, &users::User) -> Result<()>,
) -> Result<(Unlocked, RecoveryKey)> {
    if paths.any_exists() {
        return Err(Error::invalid(format!(
            "{} already exists; casedesk will not overwrite an office",
            if paths.db.exists() {
                &paths.db
            } else {
                &paths.keys
            }
            .display()
        )));
    }
    let office_name = office_name.trim();
    if office_name.is_empty() || office_name.chars().count() > 80 {
        return Err(Error::invalid("the office name must be 1 to 80 characters"));
    }
    if office_name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "the office name must not contain control characters",
        ));
    }
    users::check_name(manager)?;
    crate::secrets::check_new_password(password, &[manager, office_name])?;
    if let Some(dir) = paths.db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }

    let master = MasterKey::generate();
    let recovery = x25519::Identity::generate();
    let office_id = crypto::random_id();
    let (slot, identity) = crypto::new_user_slot(manager, password, &master)?;

    let result = (|| {
        let mut conn = store::create(&paths.db, &master)?;
        let tx = store::write_tx(&mut conn)?;
        meta::set(&tx, meta::OFFICE_ID, &office_id)?;
        meta::set(&tx, meta::OFFICE_NAME, office_name)?;
        meta::set(&tx, meta::CREATED_AT, &crate::clock::now())?;
        meta::set(
            &tx,
            meta::RECOVERY_RECIPIENT,
            &recovery.to_public().to_string(),
        )?;
        let id = users::add(&tx, manager, Role::Manager, &slot.public_key)?;
        record(&tx, &users::get(&tx, id)?)?;
        let file = KeyFile {
            format: keyfile::FORMAT,
            office_id: office_id.clone(),
            counselling_recipient: None,
            counselling_next_recipient: None,
            users: vec![slot],
            recovery: RecoverySlot {
                public_key: recovery.to_public().to_string(),
                master: crypto::seal_master(&master, &recovery.to_public())?,
                master_next: None,
                public_key_next: None,
            },
            audit_head: None,
        };
        file.write(&paths.keys)?;
        tx.commit()?;
        let user = users::find(&conn, manager)?.ok_or(Error::BadLogin)?;
        Ok(Unlocked {
            conn,
            user,
            paths: paths.clone(),
            master,
            identity,
            counselling: None,
            presence: Some(Presence::register(paths)?),
            repairs: Vec::new(),
            upgraded: None,
            warnings: Vec::new(),
            key_file_exposed: None,
        })
    })();
    match result {
        Ok(open) => Ok((open, RecoveryKey(recovery.to_string()))),
        Err(e) => {
            // Leave nothing half-made behind: a later `init` must work.
            let _ = paths.remove_all();
            Err(e)
        }
    }
}

/// Open the office with an account's password. Unknown user, wrong
/// password and disabled account give the same error. A failed attempt is
/// noted beside the office file (`failed_logins`); the office layer moves
/// those notes into the audit trail at the next successful login. A key
/// file that does not match the office file's pins is refused, and noted
/// the same way.
pub fn login(paths: &OfficePaths, name: &str, password: &SecretString) -> Result<Unlocked> {
    login_as(paths, name, password, false).map(|(open, _)| open)
}

/// Log in as a manager accepting an office file older than its key file
/// (a backup restored on purpose: `casedesk restore-accept`). Returns what
/// was accepted (the gap, for the audit entry), or None when the office
/// file was not behind. The office layer records the acceptance and moves
/// the key file's head to the office file's ([`Unlocked::reset_key_file_head`]).
pub fn login_accepting_restore(
    paths: &OfficePaths,
    name: &str,
    password: &SecretString,
) -> Result<(Unlocked, Option<String>)> {
    login_as(paths, name, password, true)
}

fn login_as(
    paths: &OfficePaths,
    name: &str,
    password: &SecretString,
    accept_restore: bool,
) -> Result<(Unlocked, Option<String>)> {
    match login_inner(paths, name, password, accept_restore) {
        Err(Error::BadLogin) => {
            failed_logins::note(paths, name);
            Err(Error::BadLogin)
        }
        other => other,
    }
}

fn login_inner(
    paths: &OfficePaths,
    name: &str,
    password: &SecretString,
    accept_restore: bool,
) -> Result<(Unlocked, Option<String>)> {
    let key_file_exposed = keyfile::exposure(&paths.keys);
    // The password work first, outside the lock: it is the slow part.
    let file = KeyFile::read(&paths.keys)?;
    let Some(slot) = file.slot(name) else {
        // Spend the same effort as a real attempt, so timing does not tell
        // which names have accounts.
        crypto::waste_like(
            file.users
                .first()
                .map_or(crypto::work_factor(), |s| s.log_n),
        );
        return Err(Error::BadLogin);
    };
    let identity = crypto::open_identity(slot, password)?;
    if identity.to_public().to_string() != slot.public_key {
        return Err(key_file_mismatch());
    }
    // Then, under the key-file lock, the key file as it is now: a rekey or
    // an account change in another process is never seen half-done.
    let _lock = lock::key_file(paths)?;
    let file = KeyFile::read(&paths.keys)?;
    let slot = file
        .slot(name)
        .filter(|s| s.public_key == identity.to_public().to_string())
        .ok_or(Error::BadLogin)?;
    let (master, conn, upgraded) = open_with_envelopes(
        &paths.db,
        &identity,
        &slot.master,
        slot.master_next.as_deref(),
    )?;
    let user = check_account(&conn, &file, name, &slot.public_key)?;
    // Before anything is written: an office file older than its key file
    // says (an old copy put back) is refused, unless a manager accepts it.
    let accepted = match head::behind(&conn, &file)? {
        None => None,
        Some(gap) if accept_restore => {
            if user.role != Role::Manager {
                return Err(Error::not_allowed(
                    "only a manager may accept a restored office file",
                ));
            }
            Some(gap)
        }
        Some(gap) => {
            failed_logins::note_alert(paths, head::OLDER_CODE);
            return Err(Error::damaged(gap));
        }
    };
    let rotated = accounts::finish_pending_rotation(&conn, &paths.keys)?;
    let file = if rotated.is_some() {
        KeyFile::read(&paths.keys)?
    } else {
        file
    };
    let slot = file.slot(name).ok_or(Error::BadLogin)?;
    let counselling = match (&slot.counselling, user.role) {
        (Some(sealed), Role::Psychologist) => Some(crypto::open_counselling(sealed, &identity)?),
        _ => None,
    };
    let mut open = Unlocked {
        conn,
        user,
        paths: paths.clone(),
        master,
        identity,
        counselling,
        presence: None,
        repairs: Vec::new(),
        upgraded,
        warnings: Vec::new(),
        key_file_exposed,
    };
    open.repairs.extend(rotated);
    open.check_pins(&file)?;
    if let Some(done) = open.finish_pending_rekey()? {
        open.repairs.push(done.into());
    }
    open.remove_leftover_slots()?;
    open.presence = Some(Presence::register(paths)?);
    tracing::info!("login");
    Ok((open, accepted))
}

pub(crate) fn key_file_mismatch() -> Error {
    Error::damaged(
        "the key file does not match the office file; put the right key file back from a backup",
    )
}

/// Open the office file with whichever master key an account's envelopes
/// give. A rekey that was cut short leaves two: the new one is tried first.
fn open_with_envelopes(
    db: &Path,
    identity: &x25519::Identity,
    master: &str,
    master_next: Option<&str>,
) -> Result<(MasterKey, Connection, Option<store::upgrade::Upgraded>)> {
    if let Some(next) = master_next {
        let key = crypto::open_master(next, identity)?;
        if let Ok((conn, upgraded)) = store::open_upgrading(db, &key) {
            return Ok((key, conn, upgraded));
        }
    }
    let key = crypto::open_master(master, identity)?;
    let (conn, upgraded) = store::open_upgrading(db, &key)?;
    Ok((key, conn, upgraded))
}

/// The office file must agree with the key file about who this is.
fn check_account(
    conn: &Connection,
    file: &KeyFile,
    name: &str,
    public_key: &str,
) -> Result<users::User> {
    if meta::get(conn, meta::OFFICE_ID)?.as_deref() != Some(file.office_id.as_str()) {
        return Err(key_file_mismatch());
    }
    let user = users::find(conn, name)?.ok_or(Error::BadLogin)?;
    if !user.enabled {
        return Err(Error::BadLogin);
    }
    if user.public_key != public_key {
        return Err(key_file_mismatch());
    }
    Ok(user)
}

/// Give a manager a new password with the recovery key, when every
/// password is lost. `record` runs inside the transaction (the office
/// layer's audit entry) with the account reset.
pub fn recover(
    paths: &OfficePaths,
    recovery_identity: &str,
    manager: &str,
    new_password: &SecretString,
    record: impl FnOnce(&Connection, &users::User) -> Result<()>,
) -> Result<()> {
    crate::secrets::check_new_password(new_password, &[manager])?;
    let recovery: x25519::Identity = recovery_identity
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("AGE-SECRET-KEY-"))
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| {
            Error::invalid(
                "the recovery key file does not hold an age secret key (AGE-SECRET-KEY-…)",
            )
        })?;
    let mut file = KeyFile::read(&paths.keys)?;
    if recovery.to_public().to_string() != file.recovery.public_key {
        return Err(Error::BadLogin);
    }
    let (master, mut conn, _) = open_with_envelopes(
        &paths.db,
        &recovery,
        &file.recovery.master,
        file.recovery.master_next.as_deref(),
    )?;
    let tx = store::write_tx(&mut conn)?;
    let user = users::find(&tx, manager)?
        .filter(|u| u.enabled && u.role == Role::Manager)
        .ok_or_else(|| {
            Error::not_allowed(
                "the recovery key can only reset the password of an enabled manager account",
            )
        })?;
    let (slot, _identity) = crypto::new_user_slot(manager, new_password, &master)?;
    users::set_public_key(&tx, user.id, &slot.public_key)?;
    record(&tx, &user)?;
    file.users.retain(|s| s.name != manager);
    file.users.push(slot);
    file.write(&paths.keys)?;
    tx.commit()?;
    Ok(())
}

impl Unlocked {
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// The open connection. Public for store-level tests and tools; the
    /// desk and the CLI never see an `Unlocked` (the layer test keeps them
    /// off `vault` and `store`).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The identity that opens sealed counselling notes; psychologists only.
    pub fn counselling_identity(&self) -> Option<&x25519::Identity> {
        self.counselling.as_ref()
    }

    /// The recipient notes are sealed to, as the office file records it
    /// (only a holder can check it: see `pins`).
    pub fn counselling_recipient(&self) -> Result<Option<x25519::Recipient>> {
        match meta::get(&self.conn, meta::COUNSELLING_RECIPIENT)? {
            Some(s) => s.parse().map(Some).map_err(|_| {
                Error::damaged("the counselling key recorded in the office file is damaged")
            }),
            None => Ok(None),
        }
    }

    /// The master key, for backup and restore.
    pub fn master_key(&self) -> &MasterKey {
        &self.master
    }

    /// The same login on a connection of its own, for work off the UI
    /// thread (the automatic backup after login). No password work: it is
    /// the same login. It never holds the counselling identity.
    pub fn worker(&self) -> Result<Unlocked> {
        let master = MasterKey::from_hex(&self.master.hex())?;
        Ok(Unlocked {
            conn: store::open(&self.paths.db, &master)?,
            user: self.user.clone(),
            paths: self.paths.clone(),
            master,
            identity: self.identity.clone(),
            counselling: None,
            presence: None,
            repairs: Vec::new(),
            upgraded: None,
            warnings: Vec::new(),
            key_file_exposed: None,
        })
    }

    /// The schema upgrade this login's opening of the office file ran, if
    /// it ran one.
    pub fn upgrade(&self) -> Option<&store::upgrade::Upgraded> {
        self.upgraded.as_ref()
    }

    /// What the person must be told about the office's keys (see
    /// `check_pins`).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Whether others than its owner could read the key file when this
    /// login began, or can now (see `keyfile::exposure`).
    pub fn key_file_exposure(&self) -> Option<String> {
        self.key_file_exposed
            .clone()
            .or_else(|| keyfile::exposure(&self.paths.keys))
    }

    /// What the login put right, for the audit trail (taken once).
    pub fn take_repairs(&mut self) -> Vec<String> {
        std::mem::take(&mut self.repairs)
    }

    /// Compare the key file with the office file's pins (see `pins`). A
    /// holder of the counselling identity puts the office's own record of
    /// it right (from the identity, never from the key file); anything else
    /// that does not match, or a recovery pin that is missing, is refused
    /// and noted beside the office file for the audit trail. Under the
    /// key-file lock.
    fn check_pins(&mut self, file: &KeyFile) -> Result<()> {
        let problems = pins::compare(&self.conn, file, self.counselling.as_ref())?;
        let holder = self.counselling.clone();
        let mut refused = None;
        for problem in problems {
            match (&problem, &holder) {
                (
                    PinProblem::CounsellingRecordAltered | PinProblem::CounsellingAltered,
                    Some(id),
                ) => {
                    self.restore_counselling_record(id)?;
                    self.repairs.push(format!(
                        "counselling key record restored ({})",
                        problem.code()
                    ));
                }
                _ => {
                    failed_logins::note_alert(&self.paths, problem.code());
                    refused.get_or_insert(problem);
                }
            }
        }
        if let Some(problem) = refused {
            return Err(Error::damaged(problem.message()));
        }
        // A missing recovery pin is never taken from the key file (anyone
        // with the master key could have removed it to have their own key
        // adopted). It is noted for the trail; only a manager may log in,
        // to run `rekey`, which makes and pins a new recovery key.
        if pins::recovery(&self.conn)?.is_none() {
            failed_logins::note_alert(&self.paths, pins::RECOVERY_PIN_MISSING);
            if self.user.role != Role::Manager {
                return Err(Error::damaged(pins::RECOVERY_PIN_MISSING_MESSAGE));
            }
            self.warnings
                .push(pins::RECOVERY_PIN_MISSING_MESSAGE.to_string());
        }
        Ok(())
    }

    /// A holder knows the true counselling recipient (its identity's public
    /// key): write it, and its pin, back where they were altered.
    fn restore_counselling_record(&mut self, identity: &x25519::Identity) -> Result<()> {
        let own = identity.to_public().to_string();
        let office_id = meta::get(&self.conn, meta::OFFICE_ID)?.unwrap_or_default();
        let tx = store::write_tx(&mut self.conn)?;
        meta::set(&tx, meta::COUNSELLING_RECIPIENT, &own)?;
        meta::set(
            &tx,
            meta::COUNSELLING_PIN,
            &pins::counselling_pin(identity, &office_id),
        )?;
        tx.commit()?;
        let mut file = KeyFile::read(&self.paths.keys)?;
        if file.counselling_recipient.as_deref() != Some(own.as_str()) {
            file.counselling_recipient = Some(own);
            file.write(&self.paths.keys)?;
        }
        Ok(())
    }
}

/// A slot as the key file stores it, for tests that tamper with one.
pub fn read_key_file(paths: &OfficePaths) -> Result<KeyFile> {
    KeyFile::read(&paths.keys)
}

/// Does this slot decrypt with this password? Used by the desk's lock
/// screen, which re-checks the password without reopening the office.
pub fn password_opens(paths: &OfficePaths, name: &str, password: &SecretString) -> Result<bool> {
    let file = KeyFile::read(&paths.keys)?;
    match file.slot(name) {
        Some(slot) => match crypto::open_identity(slot, password) {
            Ok(_) => Ok(true),
            Err(Error::BadLogin) => Ok(false),
            Err(e) => Err(e),
        },
        None => Ok(false),
    }
}

/// A pause between the steps of a key change, for tests that must crash
/// or race a process exactly there: `CASEDESK_TEST_PAUSE=STEP:MILLIS`
/// (e.g. `rekey:1500`). Debug builds only; release builds ignore it.
pub(crate) fn test_pause(step: &str) {
    #[cfg(debug_assertions)]
    if let Ok(v) = std::env::var("CASEDESK_TEST_PAUSE")
        && let Some(ms) = v
            .split_once(':')
            .filter(|(s, _)| *s == step)
            .and_then(|(_, ms)| ms.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    #[cfg(not(debug_assertions))]
    let _ = step;
}
