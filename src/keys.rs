//! The office's master key as a type: 32 random bytes, zeroized when
//! dropped, never printed. Leaf module, so the store can key a connection
//! without depending on the vault that unseals the key.

use rand::RngCore;
use zeroize::Zeroizing;

use crate::{Error, Result};

/// The office's 256-bit master key; zeroized when dropped.
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    pub fn generate() -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(k.as_mut());
        MasterKey(k)
    }

    pub fn hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(&self.0[..]))
    }

    pub fn from_hex(s: &str) -> Result<Self> {
        let mut k = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(s.trim(), k.as_mut())
            .map_err(|_| Error::damaged("a master key in the key file is damaged"))?;
        Ok(MasterKey(k))
    }
}
