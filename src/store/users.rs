//! Accounts. Passwords never come here: they open key slots (see `vault`).

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::domain::Role;
pub use crate::domain::User;
use crate::{Error, Result};

fn from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        enabled: r.get(3)?,
        public_key: r.get(4)?,
        created_at: r.get(5)?,
    })
}

const COLUMNS: &str = "id, name, role, enabled, public_key, created_at";

pub use crate::domain::check_user_name as check_name;

pub fn add(conn: &Connection, name: &str, role: Role, public_key: &str) -> Result<i64> {
    check_name(name)?;
    if find(conn, name)?.is_some() {
        return Err(Error::invalid(format!(
            "there is already an account named {name}"
        )));
    }
    conn.execute(
        "INSERT INTO users(name, role, enabled, public_key, created_at) VALUES (?1, ?2, 1, ?3, ?4)",
        params![name, role, public_key, crate::clock::now()],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn find(conn: &Connection, name: &str) -> Result<Option<User>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM users WHERE name = ?1"),
            [name],
            from_row,
        )
        .optional()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<User> {
    Ok(conn.query_row(
        &format!("SELECT {COLUMNS} FROM users WHERE id = ?1"),
        [id],
        from_row,
    )?)
}

pub fn list(conn: &Connection) -> Result<Vec<User>> {
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM users ORDER BY name"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn enabled(conn: &Connection) -> Result<Vec<User>> {
    Ok(list(conn)?.into_iter().filter(|u| u.enabled).collect())
}

pub fn disable(conn: &Connection, id: i64) -> Result<()> {
    conn.execute(
        "UPDATE users SET enabled = 0, disabled_at = ?2 WHERE id = ?1",
        params![id, crate::clock::now()],
    )?;
    Ok(())
}

pub fn set_public_key(conn: &Connection, id: i64, public_key: &str) -> Result<()> {
    conn.execute(
        "UPDATE users SET public_key = ?2 WHERE id = ?1",
        params![id, public_key],
    )?;
    Ok(())
}
