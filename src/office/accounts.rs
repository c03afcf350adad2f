//! Accounts and keys: who may log in, with which role, and the master key.

use crate::office::rules::Capability;
use age::secrecy::SecretString;

use super::{AuditAction, Session, Target};
use crate::Result;
use crate::domain::{Role, User};
use crate::store::{self, users};

impl Session {
    /// Add an account (managers). A psychologist gets the counselling key
    /// at once if they are the first; later ones get it when a
    /// psychologist who holds it shares it ([`Session::grant_counselling`]).
    pub fn add_user(&mut self, name: &str, role: Role, password: &SecretString) -> Result<()> {
        self.need(Capability::ManageAccounts)?;
        users::check_name(name)?;
        let me = self.user().name.clone();
        self.unlocked_mut()
            .add_user(name, role, password, |tx, id| {
                store::audit::record(
                    tx,
                    &me,
                    AuditAction::AccountAdd,
                    &Target::User(id).to_string(),
                    role.code(),
                )
            })
    }

    /// Disable an account: its slot is removed, so its password opens
    /// nothing from now on (managers). Copies of the old key file still
    /// could: that is what [`Session::rekey`] is for.
    pub fn disable_user(&mut self, name: &str) -> Result<()> {
        self.need(Capability::ManageAccounts)?;
        let me = self.user().name.clone();
        self.unlocked_mut().disable_user(name, |tx, id| {
            store::audit::record(
                tx,
                &me,
                AuditAction::AccountDisable,
                &Target::User(id).to_string(),
                "",
            )
        })
    }

    /// Change one's own password (anyone): the same identity, wrapped anew.
    pub fn change_password(&mut self, new: &SecretString) -> Result<()> {
        let me = self.user().name.clone();
        self.unlocked_mut().change_password(new, |tx, id| {
            store::audit::record(
                tx,
                &me,
                AuditAction::AccountPasswd,
                &Target::User(id).to_string(),
                "",
            )
        })
    }

    /// Share the counselling key with another psychologist account
    /// (psychologists holding it).
    pub fn grant_counselling(&mut self, name: &str) -> Result<()> {
        self.need(Capability::KeepCounsellingKey)?;
        let me = self.user().name.clone();
        self.unlocked_mut().grant_counselling(name, |tx, id| {
            store::audit::record(
                tx,
                &me,
                AuditAction::AccountGrantCounselling,
                &Target::User(id).to_string(),
                "",
            )
        })
    }

    /// Psychologists who do not yet hold the counselling key (shown to a
    /// psychologist who can share it).
    pub fn pending_counselling_grants(&self) -> Result<Vec<String>> {
        if self.role() != Role::Psychologist {
            return Ok(Vec::new());
        }
        self.unlocked().pending_counselling_grants()
    }

    /// Does this login hold the counselling key?
    pub fn holds_counselling_key(&self) -> bool {
        self.unlocked().counselling_identity().is_some()
    }

    /// Replace the master key, for when someone who knew it leaves
    /// (managers). Every slot is rewritten, and a new recovery key is made
    /// and pinned (returned, to be shown once: the old one opens nothing
    /// from now on). One audit entry, in the transaction that pins it.
    pub fn rekey(&mut self) -> Result<crate::vault::RecoveryKey> {
        self.need(Capability::ChangeMasterKey)?;
        let me = self.user().clone();
        self.unlocked_mut().rekey(|tx| {
            Session::record_in(
                tx,
                &me,
                AuditAction::OfficeRekey,
                "",
                "new master key; new recovery key",
            )
        })
    }

    /// Full integrity check: SQLCipher page HMACs, SQLite structure, and
    /// agreement between the key file and the accounts (anyone). Returns
    /// the problems found; empty means all is well.
    pub fn check(&self) -> Result<Vec<String>> {
        let mut problems = self.unlocked().check()?;
        problems.extend(self.unlocked().key_file_exposure());
        let bad = self.unverifiable_notes()?;
        if bad > 0 {
            problems.push(format!(
                "counselling: {bad} note version(s) cannot be verified: written or changed outside casedesk, a later version removed, or written before notes were signed"
            ));
        }
        Ok(problems)
    }

    /// What the person should be told at login (the CLI on standard error,
    /// the desk on its status line): a key file others can read.
    pub fn login_warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self.unlocked().warnings().to_vec();
        out.extend(self.unlocked().key_file_exposure());
        out
    }

    /// The copies of the office file kept beside it from before an
    /// upgrade (`store::upgrade`), with the schema version each holds.
    pub fn upgrade_copies(&self) -> Vec<(u32, std::path::PathBuf)> {
        crate::store::upgrade::kept_copies(&self.paths().db)
    }

    /// Every account, enabled or not (managers).
    pub fn accounts(&self) -> Result<Vec<User>> {
        self.need(Capability::ListAccounts)?;
        users::list(self.conn())
    }

    /// Enabled accounts that can take on a case (staff and managers), for
    /// a form's "worker" choice. Anyone who registers people may see them.
    pub fn workers(&self) -> Result<Vec<User>> {
        self.need(Capability::SeeOffice)?;
        let mut list: Vec<User> = users::enabled(self.conn())?
            .into_iter()
            .filter(|u| u.role != Role::Psychologist)
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(list)
    }

    /// Every account's id and name, former ones too (a file's history
    /// names who did what). Names only: no roles, no keys.
    pub fn account_names(&self) -> Result<Vec<(i64, String)>> {
        self.need(Capability::SeeOffice)?;
        Ok(users::list(self.conn())?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect())
    }

    /// An account by name (enabled or not), for filters.
    pub fn account_named(&self, name: &str) -> Result<Option<User>> {
        self.need(Capability::SeeOffice)?;
        users::find(self.conn(), name)
    }
}
