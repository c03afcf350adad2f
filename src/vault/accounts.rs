//! Accounts and keys: adding, disabling, sharing the counselling key,
//! passwords, rekey and the key file's agreement with the office file.
//! No role checks and no audit entries here: the office layer does both
//! (`office::accounts`), passing `record` to run inside the transaction.

use age::secrecy::SecretString;
use age::x25519;
use rusqlite::Connection;

use super::keyfile::KeyFile;
use super::{MasterKey, Unlocked, crypto, key_file_mismatch};
use crate::domain::Role;
use crate::store::{self, meta, users};
use crate::{Error, Result};

impl Unlocked {
    /// Add an account. A psychologist gets the counselling identity at once
    /// if this is the first one; later ones get it when a psychologist who
    /// holds it grants it (`grant_counselling`), since no manager can read
    /// it. `record` gets the new account's id inside the transaction.
    pub fn add_user(
        &mut self,
        name: &str,
        role: Role,
        password: &SecretString,
        record: impl FnOnce(&Connection, i64) -> Result<()>,
    ) -> Result<()> {
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
        record(&tx, id)?;
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
    pub fn grant_counselling(
        &mut self,
        name: &str,
        record: impl FnOnce(&Connection, i64) -> Result<()>,
    ) -> Result<()> {
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
        record(&tx, user.id)?;
        file.write(&self.paths.keys)?;
        tx.commit()?;
        Ok(())
    }

    /// Disable an account: its slot is removed, so its password opens
    /// nothing from now on. (Copies of the old key file still could: that
    /// is what `rekey` is for.)
    pub fn disable_user(
        &mut self,
        name: &str,
        record: impl FnOnce(&Connection, i64) -> Result<()>,
    ) -> Result<()> {
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
        record(&tx, user.id)?;
        let mut file = KeyFile::read(&self.paths.keys)?;
        file.users.retain(|s| s.name != name);
        file.write(&self.paths.keys)?;
        tx.commit()?;
        Ok(())
    }

    /// Change one's own password: the same identity, wrapped anew.
    pub fn change_password(
        &mut self,
        new: &SecretString,
        record: impl FnOnce(&Connection, i64) -> Result<()>,
    ) -> Result<()> {
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
        record(&tx, self.user.id)?;
        file.write(&self.paths.keys)?;
        tx.commit()?;
        Ok(())
    }

    /// Replace the master key, for when someone who knew it leaves. Crash
    /// safe: the key file first gets the new key beside the old one, then
    /// the office file is rekeyed, then the old key is dropped. An open
    /// after a cut tries the new key first.
    pub fn rekey(&mut self) -> Result<()> {
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
        self.finish_pending_rekey()

    }

    /// If the key file still holds two master keys, keep only the one that
    /// opens the office file now.
    pub(crate) fn finish_pending_rekey(&mut self) -> Result<()> {
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


}

