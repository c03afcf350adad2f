//! Rebuilding a table with a new definition, SQLite's way to change a
//! column's constraints: create the new table, copy every row, drop the
//! old one, rename the new one, and put back the indexes and triggers the
//! drop took with it.
//!
//! Only ever run inside an upgrade (`store::upgrade`), where foreign keys
//! are off: with them on, dropping `persons` would first delete every row
//! that cascades from it. The upgrade's `foreign_key_check` then proves
//! every reference still points to a row.

use rusqlite::Transaction;

use crate::{Error, Result};

/// Rebuild `table` from `create_new`, which must create `<table>_new`
/// with exactly the same columns in the same order (only constraints may
/// differ). Every row, index and trigger is kept.
pub fn table(tx: &Transaction<'_>, table: &str, create_new: &str) -> Result<()> {
    let new = format!("{table}_new");
    // Dropping a table drops its indexes and triggers: keep their text.
    let kept: Vec<String> = tx
        .prepare(
            "SELECT sql FROM sqlite_master
             WHERE tbl_name = ?1 AND type IN ('index', 'trigger') AND sql IS NOT NULL
             ORDER BY type, rowid",
        )?
        .query_map([table], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let old_columns = columns(tx, table)?;
    tx.execute_batch(create_new)?;
    let new_columns = columns(tx, &new)?;
    if old_columns.is_empty() || old_columns != new_columns {
        return Err(Error::Database(format!(
            "the rebuilt {table} would not have the same columns as the old one"
        )));
    }
    let before = count(tx, table)?;
    let list = old_columns
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    tx.execute_batch(&format!(
        "INSERT INTO \"{new}\" ({list}) SELECT {list} FROM \"{table}\";
         DROP TABLE \"{table}\";
         ALTER TABLE \"{new}\" RENAME TO \"{table}\";"
    ))?;
    let after = count(tx, table)?;
    if after != before {
        return Err(Error::Database(format!(
            "the rebuilt {table} has {after} rows where the old one had {before}"
        )));
    }
    for sql in &kept {
        tx.execute_batch(sql)?;
    }
    Ok(())
}

fn columns(tx: &Transaction<'_>, table: &str) -> Result<Vec<String>> {
    let cols = tx
        .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?
        .query_map([table], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(cols)
}

fn count(tx: &Transaction<'_>, table: &str) -> Result<i64> {
    Ok(
        tx.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
            r.get(0)
        })?,
    )
}
