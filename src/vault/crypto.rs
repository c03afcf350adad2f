//! The age operations behind the key file. Nothing here is hand-made
//! cryptography: age does the sealing, scrypt and X25519.

use std::io::Read;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Instant;

use age::secrecy::{ExposeSecret, SecretString};
use age::{scrypt, x25519};
use rand::RngCore;
use zeroize::Zeroizing;

use super::keyfile::UserSlot;
pub use crate::keys::MasterKey;
use crate::{Error, Result};

/// A random id for an office (not secret; ties the key file to its office).
pub fn random_id() -> String {
    let mut b = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// The slowest work factor we will ever try, so an edited key file cannot
/// make a login take hours.
const MAX_LOG_N: u8 = 22;
const MIN_LOG_N: u8 = 14;
/// Unlocking takes about this long on this machine.
const TARGET_SECONDS: f64 = 0.5;

/// The lowest work factor a pin or `CASEDESK_SCRYPT_LOG_N` may set. Debug
/// builds (the test suite) may go lower so logins are quick; a release
/// build, the one an office runs, never does.
#[cfg(debug_assertions)]
const FLOOR: u8 = 1;
#[cfg(not(debug_assertions))]
const FLOOR: u8 = MIN_LOG_N;

/// A work factor pinned for this process by `pin_work_factor` (0: none).
static PINNED: AtomicU8 = AtomicU8::new(0);

/// Pin the scrypt work factor of new slots and passphrase backups for this
/// process, instead of measuring the machine: a very slow PC may want a
/// smaller one, and tests use a small one so logins are quick. Setting an
/// environment variable at run time is not safe in a threaded process, so
/// this is how code inside the process does it.
pub fn pin_work_factor(log_n: u8) {
    PINNED.store(log_n.clamp(FLOOR, MAX_LOG_N), Ordering::Relaxed);
}

/// The pinned work factor: `pin_work_factor`, else `CASEDESK_SCRYPT_LOG_N`
/// (read once), else none.
pub fn pinned_work_factor() -> Option<u8> {
    static FROM_ENV: OnceLock<Option<u8>> = OnceLock::new();
    match PINNED.load(Ordering::Relaxed) {
        0 => *FROM_ENV.get_or_init(|| {
            std::env::var("CASEDESK_SCRYPT_LOG_N")
                .ok()
                .and_then(|v| v.parse::<u8>().ok())
                .filter(|n| (1..=MAX_LOG_N).contains(n))
                .map(|n| n.max(FLOOR))
        }),
        n => Some(n),
    }
}

/// The scrypt work factor for new slots: the pinned one, else measured
/// once per process so that unlocking takes about half a second here.
pub fn work_factor() -> u8 {
    static MEASURED: OnceLock<u8> = OnceLock::new();
    pinned_work_factor().unwrap_or_else(|| {
        *MEASURED.get_or_init(|| {
            const PROBE: u8 = 12;
            let t = time_scrypt(PROBE).max(1e-4);
            let extra = (TARGET_SECONDS / t).log2().round();
            (PROBE as f64 + extra).clamp(MIN_LOG_N as f64, MAX_LOG_N as f64) as u8
        })
    })
}

fn time_scrypt(log_n: u8) -> f64 {
    let start = Instant::now();
    waste_like(log_n);
    start.elapsed().as_secs_f64()
}

/// Spend one scrypt of this work factor and throw the result away.
pub fn waste_like(log_n: u8) {
    let mut r = scrypt::Recipient::new(SecretString::from("casedesk".to_string()));
    r.set_work_factor(log_n.clamp(1, MAX_LOG_N));
    let _ = age::encrypt(&r, b"");
}

fn armor_to(recipient: &dyn age::Recipient, plaintext: &[u8]) -> Result<String> {
    use std::io::Write;
    let enc = age::Encryptor::with_recipients(std::iter::once(recipient))?;
    let mut out = Vec::new();
    let armored = age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
        .map_err(|e| Error::Crypto(e.to_string()))?;
    let mut w = enc
        .wrap_output(armored)
        .map_err(|e| Error::Crypto(e.to_string()))?;
    w.write_all(plaintext)
        .and_then(|_| w.finish())
        .and_then(|a| a.finish())
        .map_err(|e| Error::Crypto(e.to_string()))?;
    String::from_utf8(out).map_err(|e| Error::Crypto(e.to_string()))
}

fn open_armored(
    identity: &dyn age::Identity,
    armored: &str,
) -> std::result::Result<Zeroizing<Vec<u8>>, age::DecryptError> {
    let dec = age::Decryptor::new_buffered(age::armor::ArmoredReader::new(armored.as_bytes()))?;
    let mut r = dec.decrypt(std::iter::once(identity))?;
    let mut out = Zeroizing::new(Vec::new());
    r.read_to_end(&mut out)?;
    Ok(out)
}

/// Encrypt an account identity to its password.
pub fn wrap_identity(
    identity: &x25519::Identity,
    password: &SecretString,
    log_n: u8,
) -> Result<String> {
    let mut r = scrypt::Recipient::new(password.clone());
    r.set_work_factor(log_n);
    let secret = identity.to_string();
    armor_to(&r, secret.expose_secret().as_bytes())
}

/// A new account's slot: a fresh identity, wrapped to the password, with
/// the master key sealed to it.
pub fn new_user_slot(
    name: &str,
    password: &SecretString,
    master: &MasterKey,
) -> Result<(UserSlot, x25519::Identity)> {
    let identity = x25519::Identity::generate();
    let log_n = work_factor();
    let slot = UserSlot {
        name: name.to_string(),
        public_key: identity.to_public().to_string(),
        log_n,
        identity: wrap_identity(&identity, password, log_n)?,
        master: seal_master(master, &identity.to_public())?,
        master_next: None,
        counselling: None,
        counselling_next: None,
    };
    Ok((slot, identity))
}

/// Open an account's identity with its password. Any failure that a wrong
/// password could cause is reported as a bad login.
pub fn open_identity(slot: &UserSlot, password: &SecretString) -> Result<x25519::Identity> {
    let mut id = scrypt::Identity::new(password.clone());
    id.set_max_work_factor(slot.log_n.min(MAX_LOG_N));
    let plain = match open_armored(&id, &slot.identity) {
        Ok(p) => p,
        Err(age::DecryptError::DecryptionFailed) | Err(age::DecryptError::NoMatchingKeys) => {
            return Err(Error::BadLogin);
        }
        Err(_) => {
            return Err(Error::damaged(
                "the key file is damaged; put it back from a backup",
            ));
        }
    };
    std::str::from_utf8(&plain)
        .ok()
        .and_then(|s| s.trim().parse::<x25519::Identity>().ok())
        .ok_or_else(|| Error::damaged("the key file is damaged; put it back from a backup"))
}

pub fn seal_master(master: &MasterKey, to: &x25519::Recipient) -> Result<String> {
    armor_to(to, master.hex().as_bytes())
}

pub fn open_master(sealed: &str, identity: &x25519::Identity) -> Result<MasterKey> {
    let plain = open_armored(identity, sealed)
        .map_err(|_| Error::damaged("the key file is damaged; put it back from a backup"))?;
    let text = std::str::from_utf8(&plain)
        .map_err(|_| Error::damaged("the key file is damaged; put it back from a backup"))?;
    MasterKey::from_hex(text)
}

pub fn seal_counselling(counselling: &x25519::Identity, to: &x25519::Recipient) -> Result<String> {
    armor_to(to, counselling.to_string().expose_secret().as_bytes())
}

pub fn open_counselling(sealed: &str, identity: &x25519::Identity) -> Result<x25519::Identity> {
    let plain = open_armored(identity, sealed)
        .map_err(|_| Error::damaged("your counselling key in the key file is damaged"))?;
    std::str::from_utf8(&plain)
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| Error::damaged("your counselling key in the key file is damaged"))
}

/// Seal bytes to one or more X25519 recipients (notes, backups).
pub fn seal_to(recipients: &[x25519::Recipient], plaintext: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write;
    let enc = age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))?;
    let mut out = Vec::new();
    let mut w = enc
        .wrap_output(&mut out)
        .map_err(|e| Error::Crypto(e.to_string()))?;
    w.write_all(plaintext)
        .and_then(|_| w.finish())
        .map_err(|e| Error::Crypto(e.to_string()))?;
    Ok(out)
}

/// Open bytes sealed by `seal_to`.
pub fn open_sealed(identity: &x25519::Identity, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let dec = age::Decryptor::new_buffered(sealed)
        .map_err(|_| Error::damaged("a sealed record is damaged"))?;
    let mut r = dec
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|_| Error::damaged("a sealed record cannot be opened with this key"))?;
    let mut out = Zeroizing::new(Vec::new());
    r.read_to_end(&mut out)
        .map_err(|_| Error::damaged("a sealed record is damaged"))?;
    Ok(out)
}

/// Cheap structural check of a slot's armored fields, for `check`.
pub fn check_envelope_shape(slot: &UserSlot) -> Result<()> {
    for text in [
        Some(&slot.identity),
        Some(&slot.master),
        slot.counselling.as_ref(),
    ]
    .into_iter()
    .flatten()
    {
        age::Decryptor::new_buffered(age::armor::ArmoredReader::new(text.as_bytes()))
            .map_err(|_| Error::damaged("slot damaged"))?;
    }
    if slot.public_key.parse::<x25519::Recipient>().is_err() {
        return Err(Error::damaged("slot damaged"));
    }
    Ok(())
}
