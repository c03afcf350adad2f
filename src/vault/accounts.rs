//! Accounts and keys: adding, disabling, sharing the counselling key,
//! passwords, rekey and the key file's agreement with the office file.
//! No role checks and no audit entries here: the office layer does both
//! (`office::accounts`), passing `record` to run inside the transaction.
//!
//! ## Crash safety
//!
//! Every change holds the key-file lock (`lock`) from its first read of the
//! key file to its last write, and orders its two writes so that a crash
//! between them leaves something the next login puts right under the same
//! lock (`remove_leftover_slots`, `finish_pending_rekey`):
//! - adding: the slot is written, then the account committed. A crash in
//!   between leaves a slot without an account, which is removed.
//! - disabling: the account is disabled and committed, then its slot
//!   removed. A crash in between leaves a disabled account's slot, which is
//!   removed.
//! - rekey: see [`Unlocked::rekey`].

use age::secrecy::SecretString;
use age::x25519;
use rusqlite::Connection;

use super::keyfile::KeyFile;
use super::lock::{self, Presence};
use super::{MasterKey, Unlocked, crypto, key_file_mismatch, pins};
use crate::domain::Role;
use crate::store::{self, meta, users};
use crate::{Error, Result};

fn public_key(user: &users::User) -> Result<x25519::Recipient> {
    user.public_key
        .parse()
        .map_err(|_| Error::damaged("an account's public key in the office file is damaged"))
}

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
        crate::secrets::check_new_password(password, &[name])?;
        // The password work before the lock: it is the slow part.
        let (mut slot, identity) = crypto::new_user_slot(name, password, &self.master)?;
        let _lock = lock::key_file(&self.paths)?;
        let mut file = KeyFile::read(&self.paths.keys)?;
        let tx = store::write_tx(&mut self.conn)?;
        if users::find(&tx, name)?.is_some() {
            return Err(Error::invalid(format!(
                "there is already an account named {name}"
            )));
        }
        // A slot with no account was left by an add that was cut short.
        file.users.retain(|s| s.name != name);
        let id = users::add(&tx, name, role, &slot.public_key)?;
        if role == Role::Psychologist && file.counselling_recipient.is_none() {
            let counselling = x25519::Identity::generate();
            let recipient = counselling.to_public().to_string();
            slot.counselling = Some(crypto::seal_counselling(
                &counselling,
                &identity.to_public(),
            )?);
            let office_id = meta::get(&tx, meta::OFFICE_ID)?.unwrap_or_default();
            meta::set(&tx, meta::COUNSELLING_RECIPIENT, &recipient)?;
            meta::set(
                &tx,
                meta::COUNSELLING_PIN,
                &pins::counselling_pin(&counselling, &office_id),
            )?;
            file.counselling_recipient = Some(recipient);
        }
        record(&tx, id)?;
        file.users.push(slot);
        file.write(&self.paths.keys)?;
        crate::vault::test_pause("add_user");
        tx.commit()?;
        Ok(())
    }

    /// Replace the counselling identity (a psychologist who holds it, e.g.
    /// after another psychologist left). Crash-safe in three steps under
    /// the key-file lock: every holder's slot gets the new identity beside
    /// the old one; one transaction re-seals every note (`reseal`, given
    /// the old and new identity) and moves the office file's record and pin
    /// to the new recipient (with `record`, the audit entry); then every
    /// slot keeps only the new one. A login after a cut finishes or undoes
    /// it (`finish_pending_rotation`). Returns how many holders now have it.
    pub fn rotate_counselling(
        &mut self,
        reseal: impl FnOnce(&Connection, &x25519::Identity, &x25519::Identity) -> Result<()>,
        record: impl FnOnce(&Connection, usize) -> Result<()>,
    ) -> Result<usize> {
        let Some(old) = self.counselling.clone() else {
            return Err(Error::not_allowed(
                "you do not hold the counselling key, so you cannot replace it",
            ));
        };
        let new = x25519::Identity::generate();
        let new_recipient = new.to_public().to_string();
        let _lock = lock::key_file(&self.paths)?;
        let mut file = KeyFile::read(&self.paths.keys)?;
        if let Some(p) = pins::compare(&self.conn, &file, Some(&old))?.first() {
            return Err(Error::damaged(p.message()));
        }
        let accounts = users::enabled(&self.conn)?;
        let mut holders = 0;
        for slot in &mut file.users {
            let Some(user) = accounts
                .iter()
                .find(|u| u.name == slot.name && u.role == Role::Psychologist)
            else {
                continue;
            };
            if slot.counselling.is_some() {
                slot.counselling_next = Some(crypto::seal_counselling(&new, &public_key(user)?)?);
                holders += 1;
            }
        }
        file.counselling_next_recipient = Some(new_recipient.clone());
        file.write(&self.paths.keys)?;
        crate::vault::test_pause("rotate");

        let office_id = meta::get(&self.conn, meta::OFFICE_ID)?.unwrap_or_default();
        let tx = store::write_tx(&mut self.conn)?;
        reseal(&tx, &old, &new)?;
        meta::set(&tx, meta::COUNSELLING_RECIPIENT, &new_recipient)?;
        meta::set(
            &tx,
            meta::COUNSELLING_PIN,
            &pins::counselling_pin(&new, &office_id),
        )?;
        record(&tx, holders)?;
        tx.commit()?;
        crate::vault::test_pause("rotate_commit");

        finish_pending_rotation(&self.conn, &self.paths.keys)?;
        self.counselling = Some(new);
        Ok(holders)
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
        let Some(identity) = self.counselling.clone() else {
            return Err(Error::not_allowed(
                "you do not hold the counselling key yet; ask a psychologist who does",
            ));
        };
        let _lock = lock::key_file(&self.paths)?;
        let tx = store::write_tx(&mut self.conn)?;
        let user = users::find(&tx, name)?
            .filter(|u| u.enabled && u.role == Role::Psychologist)
            .ok_or_else(|| {
                Error::invalid(format!("{name} is not an enabled psychologist account"))
            })?;
        let recipient = public_key(&user)?;
        let mut file = KeyFile::read(&self.paths.keys)?;
        let slot = file.slot_mut(name).ok_or_else(key_file_mismatch)?;
        if slot.public_key != user.public_key {
            return Err(key_file_mismatch());
        }
        slot.counselling = Some(crypto::seal_counselling(&identity, &recipient)?);
        record(&tx, user.id)?;
        file.write(&self.paths.keys)?;
        crate::vault::test_pause("grant");
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
        let _lock = lock::key_file(&self.paths)?;
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
        tx.commit()?;
        crate::vault::test_pause("disable_user");
        let mut file = KeyFile::read(&self.paths.keys)?;
        file.users.retain(|s| s.name != name);
        file.write(&self.paths.keys)?;
        Ok(())
    }

    /// Change one's own password: the same identity, wrapped anew.
    pub fn change_password(
        &mut self,
        new: &SecretString,
        record: impl FnOnce(&Connection, i64) -> Result<()>,
    ) -> Result<()> {
        crate::secrets::check_new_password(new, &[self.user.name.as_str()])?;
        let log_n = crypto::work_factor();
        let wrapped = crypto::wrap_identity(&self.identity, new, log_n)?;
        let _lock = lock::key_file(&self.paths)?;
        let tx = store::write_tx(&mut self.conn)?;
        let mut file = KeyFile::read(&self.paths.keys)?;
        let slot = file.slot_mut(&self.user.name).ok_or(Error::BadLogin)?;
        if slot.public_key != self.user.public_key {
            return Err(key_file_mismatch());
        }
        slot.identity = wrapped;
        slot.log_n = log_n;
        record(&tx, self.user.id)?;
        file.write(&self.paths.keys)?;
        tx.commit()?;
        Ok(())
    }

    /// Replace the master key, for when someone who knew it leaves.
    ///
    /// It needs the office to itself: it holds the key-file lock from start
    /// to end (logins and account changes elsewhere wait), and refuses,
    /// changing nothing, while another desk or command has the office open.
    /// Then, crash-safe: the key file gets the new key beside the old one;
    /// the office file is re-encrypted; a fresh connection must open it with
    /// the new key; only then does the key file drop the old key. An open
    /// after a cut tries the new key first, and the next login finishes.
    ///
    /// Every rekey makes a new recovery key too (returned, to be shown
    /// once, like at `init`): the master key is never sealed to a recovery
    /// key that was in a file someone who is leaving could write. The new
    /// key is pinned in the office file in one transaction with `record`
    /// (the audit entry), after the office file is re-encrypted.
    pub fn rekey(
        &mut self,
        record: impl FnOnce(&Connection) -> Result<()>,
    ) -> Result<super::RecoveryKey> {
        let _lock = lock::key_file(&self.paths)?;
        let others = Presence::others(&self.paths, self.presence.as_ref())?;
        if others > 0 {
            return Err(desks_open(others));
        }
        let mut file = KeyFile::read(&self.paths.keys)?;
        let problems = pins::compare(&self.conn, &file, self.counselling.as_ref())?;
        if let Some(p) = problems.first() {
            return Err(Error::damaged(p.message()));
        }
        // SQLCipher cannot rekey a database in WAL mode, and leaving WAL
        // mode needs every other connection closed: the office file's own
        // word that nobody else has it open, before anything is written.
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .map_err(|_| desks_open(1))?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(desks_open(1));
        }
        let result = self.rekey_alone(&mut file, record);
        // WAL again whatever happened, so other terminals can work.
        let _ = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()));
        result
    }

    fn rekey_alone(
        &mut self,
        file: &mut KeyFile,
        record: impl FnOnce(&Connection) -> Result<()>,
    ) -> Result<super::RecoveryKey> {
        let new = MasterKey::generate();
        let recovery = x25519::Identity::generate();
        let recovery_public = recovery.to_public().to_string();
        let accounts = users::enabled(&self.conn)?;
        // Slots left by an interrupted account change have no enabled
        // account: they get no new key (and are dropped).
        file.users.retain(|s| {
            accounts
                .iter()
                .any(|u| u.name == s.name && u.public_key == s.public_key)
        });
        for slot in &mut file.users {
            let user = accounts
                .iter()
                .find(|u| u.name == slot.name)
                .ok_or_else(key_file_mismatch)?;
            // Seal to the key the encrypted office file vouches for, not the
            // one in the plain key file, which anyone could have edited.
            slot.master_next = Some(crypto::seal_master(&new, &public_key(user)?)?);
        }
        file.recovery.master_next = Some(crypto::seal_master(&new, &recovery.to_public())?);
        file.recovery.public_key_next = Some(recovery_public.clone());
        file.write(&self.paths.keys)?;
        crate::vault::test_pause("rekey");

        let pragma =
            zeroize::Zeroizing::new(format!("PRAGMA rekey = \"x'{}'\";", new.hex().as_str()));
        self.conn.execute_batch(&pragma)?;
        // The new key must open the file from scratch before any slot
        // loses the old one.
        {
            let fresh = store::open(&self.paths.db, &new)?;
            fresh.query_row("SELECT count(*) FROM users", [], |_| Ok(()))?;
        }
        self.master = new;
        crate::vault::test_pause("rekey_pin");
        let tx = store::write_tx(&mut self.conn)?;
        meta::set(&tx, meta::RECOVERY_RECIPIENT, &recovery_public)?;
        record(&tx)?;
        tx.commit()?;
        self.finish_pending_rekey()?;
        Ok(super::RecoveryKey(recovery.to_string()))
    }

    /// If the key file still holds two master keys, keep only the one that
    /// opens the office file now, sealed to the keys the office file
    /// vouches for (accounts' public keys, the pinned recovery key). The
    /// caller holds the key-file lock. Says what it did, when there was a
    /// rekey to finish.
    pub(crate) fn finish_pending_rekey(&mut self) -> Result<Option<&'static str>> {
        let mut file = KeyFile::read(&self.paths.keys)?;
        let pending = file.users.iter().any(|s| s.master_next.is_some())
            || file.recovery.master_next.is_some()
            || file.recovery.public_key_next.is_some();
        if !pending {
            return Ok(None);
        }
        let accounts = users::enabled(&self.conn)?;
        for slot in &mut file.users {
            if let Some(user) = accounts.iter().find(|u| u.name == slot.name) {
                slot.master = crypto::seal_master(&self.master, &public_key(user)?)?;
            }
            slot.master_next = None;
        }
        let next = file.recovery.public_key_next.take();
        file.recovery.master_next = None;
        // Only ever the recovery key the office file pins; with none (it
        // was removed: login refused it but for a manager) the recovery
        // slot keeps what it had until a rekey pins a new one.
        let done = match meta::get(&self.conn, meta::RECOVERY_RECIPIENT)? {
            Some(pinned) => {
                let recipient: x25519::Recipient = pinned.parse().map_err(|_| {
                    Error::damaged("the pinned recovery key in the office file is damaged")
                })?;
                file.recovery.master = crypto::seal_master(&self.master, &recipient)?;
                let replaced = next.as_deref() == Some(pinned.as_str());
                let was = std::mem::replace(&mut file.recovery.public_key, pinned);
                if replaced && was != file.recovery.public_key {
                    "a rekey cut short was finished; its new recovery key was never shown: run rekey again to get one"
                } else if next.is_some() && !replaced {
                    "a rekey cut short was finished; the recovery key was not replaced: run rekey again"
                } else {
                    "a rekey cut short was finished"
                }
            }
            None => {
                "a rekey cut short was finished; the office file has no recovery key on record: run rekey again"
            }
        };
        file.write(&self.paths.keys)?;
        Ok(Some(done))
    }

    /// Remove slots an interrupted account change left: a slot with no
    /// account (an add cut short) or of a disabled account (a disable cut
    /// short). The caller holds the key-file lock.
    pub(crate) fn remove_leftover_slots(&mut self) -> Result<()> {
        let mut file = KeyFile::read(&self.paths.keys)?;
        let accounts = users::list(&self.conn)?;
        let before = file.users.len();
        file.users
            .retain(|s| accounts.iter().any(|u| u.name == s.name && u.enabled));
        let removed = before - file.users.len();
        if removed > 0 {
            file.write(&self.paths.keys)?;
            self.repairs.push(format!(
                "{removed} key slot(s) left by an interrupted account change removed"
            ));
        }
        Ok(())
    }

    /// Full integrity check: SQLCipher page HMACs, SQLite structure, and
    /// agreement between the key file, the accounts and the pins.
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
        // The key file and the accounts under the key-file lock, like a
        // login: an account change or a rekey in another process is never
        // seen half-done (a slot written, its account not yet committed).
        let _lock = lock::key_file(&self.paths)?;
        let file = KeyFile::read(&self.paths.keys)?;
        if meta::get(&self.conn, meta::OFFICE_ID)?.as_deref() != Some(file.office_id.as_str()) {
            problems.push("key file: it belongs to another office".into());
        }
        for p in pins::compare(&self.conn, &file, self.counselling.as_ref())? {
            problems.push(format!("key file: {}", p.message()));
        }
        if pins::recovery(&self.conn)?.is_none() {
            problems.push(format!("keys: {}", pins::RECOVERY_PIN_MISSING_MESSAGE));
        }
        if let Some(gap) = super::head::behind(&self.conn, &file)? {
            problems.push(format!("key file: {gap}"));
        }
        if let store::audit::Verdict::Broken { seq, reason } = store::audit::verify(&self.conn)? {
            problems.push(format!("audit trail: broken at entry {seq}: {reason}"));
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
            if slot.master_next.is_some() {
                problems.push(format!(
                    "key file: slot '{}' still holds two master keys (a rekey cut short; the next login finishes it)",
                    slot.name
                ));
            }
        }
        for u in accounts.iter().filter(|u| u.enabled) {
            if file.slot(&u.name).is_none() {
                problems.push(format!("key file: account '{}' has no slot", u.name));
            }
        }
        Ok(problems)
    }
}

/// Finish a rotation of the counselling identity that was cut short (see
/// [`Unlocked::rotate_counselling`]): if the office file already names the
/// new recipient, every holder's slot moves to the new identity; otherwise
/// the new one is dropped. Needs no identity: the sealed values move as
/// they are. The caller holds the key-file lock. Returns what it did.
pub(crate) fn finish_pending_rotation(
    conn: &Connection,
    keys: &std::path::Path,
) -> Result<Option<String>> {
    let mut file = KeyFile::read(keys)?;
    let Some(next) = file.counselling_next_recipient.take() else {
        return Ok(None);
    };
    let done = meta::get(conn, meta::COUNSELLING_RECIPIENT)?.as_deref() == Some(next.as_str());
    for slot in &mut file.users {
        let new = slot.counselling_next.take();
        if done && new.is_some() {
            slot.counselling = new;
        }
    }
    if done {
        file.counselling_recipient = Some(next);
    }
    file.write(keys)?;
    Ok(Some(if done {
        "a rotation of the counselling key cut short was finished".into()
    } else {
        "a rotation of the counselling key cut short was undone".into()
    }))
}

/// The refusal of a rekey while others have the office open.
fn desks_open(n: usize) -> Error {
    Error::Conflict(if n == 1 {
        "another desk or command has the office open; ask everyone to log out, then run rekey again (nothing was changed)".into()
    } else {
        format!(
            "{n} desks or commands have the office open; ask everyone to log out, then run rekey again (nothing was changed)"
        )
    })
}
