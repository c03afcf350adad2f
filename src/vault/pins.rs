//! The office file vouches for every public key that receives a secret.
//!
//! Two public keys in the plain key file decide who can read secrets: the
//! recovery key's (the master key is sealed to it at every rekey) and the
//! counselling recipient (notes are sealed to it). Anyone who can write the
//! office's folder can edit the key file, so both are pinned inside the
//! encrypted office file at `init`, and every login, `check` and `rekey`
//! compares the key file with the pins and refuses an altered one.
//!
//! Every account holds the master key, so any account could also rewrite a
//! pin in the office file. The recovery pin stops an outsider (a copy of the
//! folder, a USB stick); against an insider, every rekey makes a new
//! recovery key and pins it (so a planted one survives no rekey), and a
//! removed pin is refused, never taken back from the key file. The
//! counselling pin is a MAC keyed by the
//! counselling identity itself, so only a psychologist holding that
//! identity can make it, and holders check it at login. Notes are sealed to
//! the holder's own identity's public key, never to a recorded one, so a
//! re-pointed recipient never receives a note.

use age::secrecy::ExposeSecret;
use age::x25519;
use hmac::{Hmac, Mac};
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::keyfile::KeyFile;
use crate::store::meta;
use crate::{Error, Result};

type HmacSha256 = Hmac<Sha256>;

/// A key for MACs that only a holder of the counselling identity can make,
/// derived from the identity (`label` keeps uses apart).
pub fn counselling_mac_key(identity: &x25519::Identity, label: &str) -> Zeroizing<[u8; 32]> {
    let mut h = Sha256::new();
    h.update(b"casedesk counselling mac key v1\0");
    h.update(label.as_bytes());
    h.update(b"\0");
    h.update(identity.to_string().expose_secret().as_bytes());
    Zeroizing::new(h.finalize().into())
}

/// HMAC-SHA256 of length-prefixed parts, hex.
pub fn mac_hex(key: &[u8; 32], parts: &[&[u8]]) -> String {
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).expect("any key length");
    for p in parts {
        m.update(&(p.len() as u64).to_le_bytes());
        m.update(p);
    }
    hex::encode(m.finalize().into_bytes())
}

/// Constant-time check of a MAC made by [`mac_hex`].
pub fn mac_ok(key: &[u8; 32], parts: &[&[u8]], expected_hex: &str) -> bool {
    let Ok(expected) = hex::decode(expected_hex) else {
        return false;
    };
    let mut m = <HmacSha256 as Mac>::new_from_slice(key).expect("any key length");
    for p in parts {
        m.update(&(p.len() as u64).to_le_bytes());
        m.update(p);
    }
    m.verify_slice(&expected).is_ok()
}

/// Constant-time comparison of two hex MACs.
pub fn mac_ok_hex(expected_hex: &str, got_hex: &str) -> bool {
    use subtle::ConstantTimeEq;
    expected_hex.len() == got_hex.len()
        && bool::from(expected_hex.as_bytes().ct_eq(got_hex.as_bytes()))
}

/// The counselling pin for `office_id`: a MAC of the identity's own public
/// key.
pub fn counselling_pin(identity: &x25519::Identity, office_id: &str) -> String {
    let key = counselling_mac_key(identity, "recipient pin");
    let recipient = identity.to_public().to_string();
    mac_hex(&key, &[office_id.as_bytes(), recipient.as_bytes()])
}

/// What a comparison of the key file with the pins found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinProblem {
    /// The key file names another recovery key than the office file.
    RecoveryAltered,
    /// The key file names another counselling recipient than the office
    /// file.
    CounsellingAltered,
    /// The office file's counselling recipient or its pin is not the one
    /// the counselling identity makes (found by a holder only).
    CounsellingRecordAltered,
}

impl PinProblem {
    pub fn message(&self) -> &'static str {
        match self {
            PinProblem::RecoveryAltered => {
                "the key file has been altered: its recovery key is not the one this office was created with; put the key file back from a backup"
            }
            PinProblem::CounsellingAltered => {
                "the key file has been altered: its counselling key is not the one the office file records; put the key file back from a backup"
            }
            PinProblem::CounsellingRecordAltered => {
                "the office file's record of the counselling key has been altered"
            }
        }
    }

    /// The short code noted beside the office file and in the audit trail.
    pub fn code(&self) -> &'static str {
        match self {
            PinProblem::RecoveryAltered => "recovery-key",
            PinProblem::CounsellingAltered => "counselling-key",
            PinProblem::CounsellingRecordAltered => "counselling-record",
        }
    }
}

/// The pinned recovery recipient. Every office has one from `init`; a
/// missing one was removed (refused at login: `Unlocked::check_pins`), and
/// the next `rekey` pins a new one.
pub fn recovery(conn: &Connection) -> Result<Option<x25519::Recipient>> {
    meta::get(conn, meta::RECOVERY_RECIPIENT)?
        .map(|s| {
            s.parse().map_err(|_| {
                Error::damaged("the pinned recovery key in the office file is damaged")
            })
        })
        .transpose()
}

/// Compare the key file with the pins. `holder` is the counselling
/// identity when this login holds it: then the office file's own record is
/// checked too.
pub fn compare(
    conn: &Connection,
    file: &KeyFile,
    holder: Option<&x25519::Identity>,
) -> Result<Vec<PinProblem>> {
    let mut problems = Vec::new();
    // During a rekey cut short after the office file took the new
    // recovery key, the key file still names the old one beside the new.
    if let Some(pinned) = meta::get(conn, meta::RECOVERY_RECIPIENT)?
        && pinned != file.recovery.public_key
        && file.recovery.public_key_next.as_deref() != Some(pinned.as_str())
    {
        problems.push(PinProblem::RecoveryAltered);
    }
    let recorded = meta::get(conn, meta::COUNSELLING_RECIPIENT)?;
    if recorded != file.counselling_recipient {
        problems.push(PinProblem::CounsellingAltered);
    }
    if let Some(identity) = holder {
        let office_id = meta::get(conn, meta::OFFICE_ID)?.unwrap_or_default();
        let own = identity.to_public().to_string();
        let pin = meta::get(conn, meta::COUNSELLING_PIN)?;
        let key = counselling_mac_key(identity, "recipient pin");
        let pin_ok = pin
            .as_deref()
            .is_some_and(|p| mac_ok(&key, &[office_id.as_bytes(), own.as_bytes()], p));
        if recorded.as_deref() != Some(own.as_str()) || !pin_ok {
            problems.push(PinProblem::CounsellingRecordAltered);
        }
    }
    Ok(problems)
}

/// The code noted for the audit trail when the office file's recovery
/// pin is missing.
pub const RECOVERY_PIN_MISSING: &str = "recovery-pin-missing";

/// What a login or `check` says when the recovery pin is missing.
pub const RECOVERY_PIN_MISSING_MESSAGE: &str = "the office file's record of its recovery key has been removed; a manager must log in and run 'casedesk rekey', which makes a new recovery key";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_needs_the_identity() {
        let id = x25519::Identity::generate();
        let other = x25519::Identity::generate();
        let pin = counselling_pin(&id, "office-1");
        let key = counselling_mac_key(&id, "recipient pin");
        let own = id.to_public().to_string();
        assert!(mac_ok(&key, &[b"office-1", own.as_bytes()], &pin));
        assert!(!mac_ok(&key, &[b"office-2", own.as_bytes()], &pin));
        // Another identity cannot make this office's pin for its own key.
        assert_ne!(counselling_pin(&other, "office-1"), pin);
        assert!(!mac_ok(&key, &[b"office-1", own.as_bytes()], "zz"));
    }
}
