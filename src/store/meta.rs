//! Office-wide settings kept inside the encrypted file.

use rusqlite::{Connection, OptionalExtension, params};

use crate::domain::dates::DateOrder;
use crate::{Error, Result};

pub const OFFICE_ID: &str = "office_id";
pub const OFFICE_NAME: &str = "office_name";
pub const CREATED_AT: &str = "created_at";
pub const COUNSELLING_RECIPIENT: &str = "counselling_recipient";
/// How the office writes dates (`dmy`, `mdy`, `ymd`); day first when absent
/// (offices made before the setting existed).
pub const DATE_ORDER: &str = "date_order";

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

/// The office's date order (day first when never set).
pub fn date_order(conn: &Connection) -> Result<DateOrder> {
    match get(conn, DATE_ORDER)? {
        None => Ok(DateOrder::default()),
        Some(code) => DateOrder::ALL
            .iter()
            .copied()
            .find(|o| o.code() == code)
            .ok_or_else(|| Error::damaged("the date order in the office file is damaged")),
    }
}

pub fn set_date_order(conn: &Connection, order: DateOrder) -> Result<()> {
    set(conn, DATE_ORDER, order.code())
}
