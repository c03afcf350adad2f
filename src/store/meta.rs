//! Office-wide settings kept inside the encrypted file.

use rusqlite::{Connection, OptionalExtension, params};

use crate::Result;

pub const OFFICE_ID: &str = "office_id";
pub const OFFICE_NAME: &str = "office_name";
pub const CREATED_AT: &str = "created_at";
pub const COUNSELLING_RECIPIENT: &str = "counselling_recipient";

pub fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// The recovery key's public half, pinned at `init`: a key file that names
/// another one has been altered (`vault::pins`).
pub const RECOVERY_RECIPIENT: &str = "recovery_recipient";
/// A MAC over the counselling recipient that only a holder of the
/// counselling identity can make (`vault::pins`).
pub const COUNSELLING_PIN: &str = "counselling_pin";
