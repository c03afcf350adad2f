//! Opening the office file: key slots, login, recovery key, rekey.
//!
//! See `keyfile` for what the key file holds and why. Passwords only ever
//! unlock an account's own identity (age scrypt); the master key and the
//! counselling identity are sealed to identities, never to passwords.

pub mod crypto;
pub mod keyfile;

use std::path::{Path, PathBuf};

use age::secrecy::SecretString;
use age::x25519;
use rusqlite::Connection;

use crate::domain::Role;
use crate::store::{self, meta, users};
use crate::{Error, Result, audit};
pub use crypto::MasterKey;
use keyfile::{KeyFile, RecoverySlot};

/// The office file and its key file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficePaths {
    pub db: PathBuf,
    pub keys: PathBuf,
}

impl OfficePaths {
    pub fn new(db: impl Into<PathBuf>) -> Self {
        let db = db.into();
        let mut keys = db.clone().into_os_string();
        keys.push(".keys");
        Self {
            db,
            keys: keys.into(),
        }
    }

    /// True when either file is there: `init` must not touch an office.
    pub fn any_exists(&self) -> bool {
        self.db.exists() || self.keys.exists()
    }

    /// A file beside the office file: `<office><suffix>`.
    pub fn sibling(&self, suffix: &str) -> PathBuf {
        let mut p = self.db.clone().into_os_string();
        p.push(suffix);
        p.into()
    }

    /// Every file that belongs to this office: the office file, its key
    /// file, SQLite's companions and casedesk's side files. Creating,
    /// replacing or restoring an office considers all of them.
    pub fn all_files(&self) -> Vec<PathBuf> {
        let mut v = vec![self.db.clone(), self.keys.clone()];
        for suffix in ["-wal", "-shm", "-journal", ".audit-head", ".failed-logins"] {
            v.push(self.sibling(suffix));
        }
        v
    }

    /// Remove every file of this office; missing ones are fine.
    pub fn remove_all(&self) -> Result<()> {
        for f in self.all_files() {
            match std::fs::remove_file(&f) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(format!("cannot remove {}", f.display()), e)),
            }
        }
        Ok(())
    }
}

/// A logged-in user with the office file open.
pub struct Session {
    pub conn: Connection,
    pub user: users::User,
    pub paths: OfficePaths,
    master: MasterKey,
    /// The account's own identity, opened from its slot at login.
    identity: x25519::Identity,
    counselling: Option<x25519::Identity>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("Session")
            .field("user", &self.user.name)
            .field("role", &self.user.role)
            .finish_non_exhaustive()
    }
}

/// Shown once at `init`: the manager writes it down and keeps it in the safe.
pub struct RecoveryKey(pub SecretString);

/// Create a new office with its first manager.
pub fn create_office(
    paths: &OfficePaths,
    office_name: &str,
    manager: &str,
    password: &SecretString,
) -> Result<(Session, RecoveryKey)> {
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
    crate::secrets::check_new_password(password)?;
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
        meta::set(&tx, meta::CREATED_AT, &store::now())?;
        users::add(&tx, manager, Role::Manager, &slot.public_key)?;
        audit::record(&tx, manager, "office.create", "", "")?;
        let file = KeyFile {
            format: keyfile::FORMAT,
            office_id: office_id.clone(),
            counselling_recipient: None,
            users: vec![slot],
            recovery: RecoverySlot {
                public_key: recovery.to_public().to_string(),
                master: crypto::seal_master(&master, &recovery.to_public())?,
                master_next: None,
            },
        };
        file.write(&paths.keys)?;
        tx.commit()?;
        let user = users::find(&conn, manager)?.ok_or(Error::BadLogin)?;
        Ok(Session {
            conn,
            user,
            paths: paths.clone(),
            master,
            identity,
            counselling: None,
        })
    })();
    match result {
        Ok(session) => Ok((session, RecoveryKey(recovery.to_string()))),
        Err(e) => {
            // Leave nothing half-made behind: a later `init` must work.
            let _ = paths.remove_all();
            Err(e)
        }
    }
}

/// Log in: open the account's slot with its password, then the office file.
/// Unknown user, wrong password and disabled account give the same error.
/// A failed attempt is noted beside the office file and enters the audit
/// trail at the next successful login (see `audit`).
pub fn login(paths: &OfficePaths, name: &str, password: &SecretString) -> Result<Session> {
    match login_inner(paths, name, password) {
        Err(Error::BadLogin) => {
            audit::note_failed_login(paths, name);
            Err(Error::BadLogin)
        }
        Ok(mut session) => {
            audit::after_login(&mut session.conn, paths);
            Ok(session)
        }
        other => other,
    }
}

fn login_inner(paths: &OfficePaths, name: &str, password: &SecretString) -> Result<Session> {
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
    let (master, conn) = open_with_envelopes(
        &paths.db,
        &identity,
        &slot.master,
        slot.master_next.as_deref(),
    )?;
    let user = check_account(&conn, &file, name, &slot.public_key)?;
    let counselling = match (&slot.counselling, user.role) {
        (Some(sealed), Role::Psychologist) => Some(crypto::open_counselling(sealed, &identity)?),
        _ => None,
    };
    let mut session = Session {
        conn,
        user,
        paths: paths.clone(),
        master,
        identity,
        counselling,
    };
    session.finish_pending_rekey()?;
    audit::record(&session.conn, name, "login", "", "")?;
    tracing::info!("login");
    Ok(session)
}

fn key_file_mismatch() -> Error {
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
) -> Result<(MasterKey, Connection)> {
    if let Some(next) = master_next {
        let key = crypto::open_master(next, identity)?;
        if let Ok(conn) = store::open(db, &key) {
            return Ok((key, conn));
        }
    }
    let key = crypto::open_master(master, identity)?;
    let conn = store::open(db, &key)?;
    Ok((key, conn))
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
/// password is lost.
pub fn recover(
    paths: &OfficePaths,
    recovery_identity: &str,
    manager: &str,
    new_password: &SecretString,
) -> Result<()> {
    crate::secrets::check_new_password(new_password)?;
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
    let (master, mut conn) = open_with_envelopes(
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
    audit::record(
        &tx,
        manager,
        "account.recover",
        &format!("user:{}", user.id),
        "",
    )?;
    file.users.retain(|s| s.name != manager);
    file.users.push(slot);
    file.write(&paths.keys)?;
    tx.commit()?;
    Ok(())
}

impl Session {
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// Refuse unless the user has one of `roles`.
    pub fn require(&self, roles: &[Role], what: &str) -> Result<()> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            let who: Vec<&str> = roles.iter().map(|r| r.label()).collect();
            Err(Error::not_allowed(format!(
                "only a {} may {what}",
                who.join(" or ")
            )))
        }
    }

    /// The identity that opens sealed counselling notes; psychologists only.
    pub fn counselling_identity(&self) -> Option<&x25519::Identity> {
        self.counselling.as_ref()
    }

    /// The recipient notes are sealed to.
    pub fn counselling_recipient(&self) -> Result<Option<x25519::Recipient>> {
        match meta::get(&self.conn, meta::COUNSELLING_RECIPIENT)? {
            Some(s) => s.parse().map(Some).map_err(|_| {
                Error::damaged("the counselling key recorded in the office file is damaged")
            }),
            None => Ok(None),
        }
    }

    /// Record an audit entry as this user, outside any other transaction.
    pub fn audit(&self, action: &str, target: &str, detail: &str) -> Result<()> {
        audit::record(&self.conn, &self.user.name, action, target, detail)
    }

    /// Add an account (managers only). A psychologist gets the counselling
    /// identity at once if this is the first one; later ones get it when a
    /// psychologist who holds it grants it (`grant_counselling`), since no
    /// manager can read it.
    pub fn add_user(&mut self, name: &str, role: Role, password: &SecretString) -> Result<()> {
        self.require(&[Role::Manager], "add accounts")?;
        users::check_name(name)?;
        crate::secrets::check_new_password(password)?;
        let (mut slot, identity) = crypto::new_user_slot(name, password, &self.master)?;
        let tx = store::write_tx(&mut self.conn)?;
        let mut file = KeyFile::read(&self.paths.keys)?;
        if file.slot(name).is_some() {
            return Err(Error::invalid(format!(
                "there is already an account named {name}"
            )));
        }
        let id = users::add(&tx, name, role, &slot.public_key)?;
        if role == Role::Psychologist && file.counselling_recipient.is_none() {
            let counselling = x25519::Identity::generate();
            let recipient = counselling.to_public().to_string();
            slot.counselling = Some(crypto::seal_counselling(
                &counselling,
                &identity.to_public(),
            )?);
            meta::set(&tx, meta::COUNSELLING_RECIPIENT, &recipient)?;
            file.counselling_recipient = Some(recipient);
        }
        audit::record(
            &tx,
            &self.user.name,
            "account.add",
            &format!("user:{id}"),
            role.code(),
        )?;
        file.users.push(slot);
        file.write(&self.paths.keys)?;
        tx.commit()?;
        Ok(())
    }

    /// Psychologists who do not yet hold the counselling identity.
    pub fn pending_counselling_grants(&self) -> Result<Vec<String>> {
        let file = KeyFile::read(&self.paths.keys)?;
        let psychologists = users::enabled(&self.conn)?
            .into_iter()
            .filter(|u| u.role == Role::Psychologist);
        Ok(psychologists
            .filter(|u| file.slot(&u.name).is_some_and(|s| s.counselling.is_none()))
            .map(|u| u.name)
            .collect())
    }

    /// Share the counselling identity with another psychologist account.
    pub fn grant_counselling(&mut self, name: &str) -> Result<()> {
        self.require(&[Role::Psychologist], "share the counselling key")?;
        let Some(identity) = &self.counselling else {
            return Err(Error::not_allowed(
                "you do not hold the counselling key yet; ask a psychologist who does",
            ));
        };
        let tx = store::write_tx(&mut self.conn)?;
        let user = users::find(&tx, name)?
            .filter(|u| u.enabled && u.role == Role::Psychologist)
            .ok_or_else(|| {
                Error::invalid(format!("{name} is not an enabled psychologist account"))
            })?;
        let recipient: x25519::Recipient = user
            .public_key
            .parse()
            .map_err(|_| Error::damaged("an account's public key in the office file is damaged"))?;
        let mut file = KeyFile::read(&self.paths.keys)?;
        let slot = file.slot_mut(name).ok_or_else(key_file_mismatch)?;
        if slot.public_key != user.public_key {
            return Err(key_file_mismatch());
        }
        slot.counselling = Some(crypto::seal_counselling(identity, &recipient)?);
        audit::record(
            &tx,
            &self.user.name,
            "account.grant_counselling",
            &format!("user:{}", user.id),
            "",
        )?;
        file.write(&self.paths.keys)?;
        tx.commit()?;
        Ok(())
    }

    /// Disable an account: its slot is removed, so its password opens
    /// nothing from now on. (Copies of the old key file still could: that
    /// is what `rekey` is for.)
    pub fn disable_user(&mut self, name: &str) -> Result<()> {
        self.require(&[Role::Manager], "disable accounts")?;
        let tx = store::write_tx(&mut self.conn)?;
        let user = users::find(&tx, name)?
            .filter(|u| u.enabled)
            .ok_or_else(|| Error::invalid(format!("there is no enabled account named {name}")))?;
        if user.role == Role::Manager {
            let managers = users::enabled(&tx)?
                .into_iter()
                .filter(|u| u.role == Role::Manager)
                .count();
            if managers <= 1 {
                return Err(Error::invalid(
                    "the last manager account cannot be disabled",
                ));
            }
        }
        users::disable(&tx, user.id)?;
        audit::record(
            &tx,
            &self.user.name,
            "account.disable",
            &format!("user:{}", user.id),
            "",
        )?;
        let mut file = KeyFile::read(&self.paths.keys)?;
        file.users.retain(|s| s.name != name);
        file.write(&self.paths.keys)?;
        tx.commit()?;
        Ok(())
    }

    /// Change one's own password: the same identity, wrapped anew.
    pub fn change_password(&mut self, new: &SecretString) -> Result<()> {
        crate::secrets::check_new_password(new)?;
        let tx = store::write_tx(&mut self.conn)?;
        let mut file = KeyFile::read(&self.paths.keys)?;
        let slot = file.slot_mut(&self.user.name).ok_or(Error::BadLogin)?;
        if slot.public_key != self.user.public_key {
            return Err(key_file_mismatch());
        }
        let log_n = crypto::work_factor();
        slot.identity = crypto::wrap_identity(&self.identity, new, log_n)?;
        slot.log_n = log_n;
        audit::record(
            &tx,
            &self.user.name,
            "account.passwd",
            &format!("user:{}", self.user.id),
            "",
        )?;
        file.write(&self.paths.keys)?;
        tx.commit()?;
        Ok(())
    }

    /// Replace the master key, for when someone who knew it leaves. Crash
    /// safe: the key file first gets the new key beside the old one, then
    /// the office file is rekeyed, then the old key is dropped. An open
    /// after a cut tries the new key first.
    pub fn rekey(&mut self) -> Result<()> {
        self.require(&[Role::Manager], "change the master key")?;
        let new = MasterKey::generate();
        let mut file = KeyFile::read(&self.paths.keys)?;
        let accounts = users::enabled(&self.conn)?;
        for slot in &mut file.users {
            let user = accounts
                .iter()
                .find(|u| u.name == slot.name)
                .ok_or_else(key_file_mismatch)?;
            // Seal to the key the encrypted office file vouches for, not the
            // one in the plain key file, which anyone could have edited.
            let recipient: x25519::Recipient = user.public_key.parse().map_err(|_| {
                Error::damaged("an account's public key in the office file is damaged")
            })?;
            slot.master_next = Some(crypto::seal_master(&new, &recipient)?);
        }
        let recovery: x25519::Recipient = file.recovery.public_key.parse().map_err(|_| {
            Error::damaged("the recovery key's public half in the key file is damaged")
        })?;
        file.recovery.master_next = Some(crypto::seal_master(&new, &recovery)?);
        file.write(&self.paths.keys)?;

        // SQLCipher cannot rekey a database in WAL mode.
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")?;
        let pragma =
            zeroize::Zeroizing::new(format!("PRAGMA rekey = \"x'{}'\";", new.hex().as_str()));
        self.conn.execute_batch(&pragma)?;
        self.conn.execute_batch("PRAGMA journal_mode = WAL;")?;
        self.master = new;
        self.finish_pending_rekey()?;
        self.audit("office.rekey", "", "")?;
        Ok(())
    }

    /// If the key file still holds two master keys, keep only the one that
    /// opens the office file now.
    fn finish_pending_rekey(&mut self) -> Result<()> {
        let mut file = KeyFile::read(&self.paths.keys)?;
        let pending = file.users.iter().any(|s| s.master_next.is_some())
            || file.recovery.master_next.is_some();
        if !pending {
            return Ok(());
        }
        let accounts = users::enabled(&self.conn)?;
        let recovery: x25519::Recipient = file.recovery.public_key.parse().map_err(|_| {
            Error::damaged("the recovery key's public half in the key file is damaged")
        })?;
        for slot in &mut file.users {
            if let Some(user) = accounts.iter().find(|u| u.name == slot.name) {
                let recipient: x25519::Recipient = user.public_key.parse().map_err(|_| {
                    Error::damaged("an account's public key in the office file is damaged")
                })?;
                slot.master = crypto::seal_master(&self.master, &recipient)?;
            }
            slot.master_next = None;
        }
        file.recovery.master = crypto::seal_master(&self.master, &recovery)?;
        file.recovery.master_next = None;
        file.write(&self.paths.keys)
    }

    /// Full integrity check: SQLCipher page HMACs, SQLite structure, and
    /// agreement between the key file and the accounts.
    pub fn check(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        let mut stmt = self.conn.prepare("PRAGMA cipher_integrity_check")?;
        let cipher: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        problems.extend(cipher.into_iter().map(|m| format!("encryption: {m}")));
        let mut stmt = self.conn.prepare("PRAGMA integrity_check")?;
        let plain: Vec<String> = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        problems.extend(
            plain
                .into_iter()
                .filter(|m| m != "ok")
                .map(|m| format!("structure: {m}")),
        );
        let file = KeyFile::read(&self.paths.keys)?;
        if meta::get(&self.conn, meta::OFFICE_ID)?.as_deref() != Some(file.office_id.as_str()) {
            problems.push("key file: it belongs to another office".into());
        }
        let accounts = users::list(&self.conn)?;
        for slot in &file.users {
            match accounts.iter().find(|u| u.name == slot.name) {
                None => problems.push(format!("key file: slot '{}' has no account", slot.name)),
                Some(u) if !u.enabled => problems.push(format!(
                    "key file: account '{}' is disabled but still has a slot",
                    slot.name
                )),
                Some(u) if u.public_key != slot.public_key => problems.push(format!(
                    "key file: slot '{}' does not match its account",
                    slot.name
                )),
                Some(_) => {}
            }
            if crypto::check_envelope_shape(slot).is_err() {
                problems.push(format!("key file: slot '{}' is damaged", slot.name));
            }
        }
        for u in accounts.iter().filter(|u| u.enabled) {
            if file.slot(&u.name).is_none() {
                problems.push(format!("key file: account '{}' has no slot", u.name));
            }
        }
        if file.counselling_recipient != meta::get(&self.conn, meta::COUNSELLING_RECIPIENT)? {
            problems.push("key file: the counselling key does not match the office file".into());
        }
        // Our own slot must open the master key in use now.
        if let Some(slot) = file.slot(&self.user.name) {
            if slot.public_key != self.user.public_key {
                problems.push("key file: your slot does not match your account".into());
            }
        }
        Ok(problems)
    }

    /// The master key, for backup and restore.
    pub fn master_key(&self) -> &MasterKey {
        &self.master
    }

    /// The same login on a connection of its own, for work off the UI
    /// thread (the automatic backup after login). No password work and no
    /// audit entry: it is the same login. It never holds the counselling
    /// identity.
    pub fn worker(&self) -> Result<Session> {
        let master = MasterKey::from_hex(&self.master.hex())?;
        Ok(Session {
            conn: store::open(&self.paths.db, &master)?,
            user: self.user.clone(),
            paths: self.paths.clone(),
            master,
            identity: self.identity.clone(),
            counselling: None,
        })
    }
}

/// A slot as the key file stores it, for tests that tamper with one.
pub fn read_key_file(paths: &OfficePaths) -> Result<KeyFile> {
    KeyFile::read(&paths.keys)
}

/// Does this slot decrypt with this password? Used by the UI's lock screen,
/// which re-checks the password without reopening the office.
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
