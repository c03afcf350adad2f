//! An office's rows in a file at an older schema: a new file made by the
//! first `version` migrations, every row of an encrypted office copied in
//! (the columns that schema has). Used by `tests/upgrade.rs` and
//! `benches/upgrade.rs` (included there by path).

use std::path::Path;

use rusqlite::Connection;

use casedesk::store;

/// The tables to copy: not the full-text indexes (nor their own tables),
/// which triggers keep.
const TABLES: &str = "SELECT m.name FROM main.sqlite_master m WHERE m.type = 'table'
    AND m.name NOT LIKE 'sqlite_%' AND m.sql NOT LIKE 'CREATE VIRTUAL%'
    AND NOT EXISTS (SELECT 1 FROM main.sqlite_master v
                    WHERE v.sql LIKE 'CREATE VIRTUAL%' AND m.name LIKE v.name || '_%')";

/// Bring the new, empty `conn` to `version` and copy in every row of the
/// office at `src`, whose raw key is `key` (`x'…'`).
pub fn copy_at(conn: &mut Connection, version: u32, src: &Path, key: &str) {
    store::configure(conn).expect("configure");
    store::migrate_to(conn, version).expect("the older schema");
    // Tables are copied in name order, not in the order they refer to
    // each other.
    conn.execute_batch("PRAGMA foreign_keys = OFF")
        .expect("fk off");
    conn.execute(
        "ATTACH DATABASE ?1 AS src KEY ?2",
        [src.to_str().expect("utf-8 path"), key],
    )
    .expect("attach");
    let tables: Vec<String> = conn
        .prepare(TABLES)
        .expect("tables")
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<Result<_, _>>()
        .expect("tables");
    let tx = conn.transaction().expect("tx");
    // `OR IGNORE`: rows a trigger already made from an earlier table (the
    // monthly attendance tally from the marks) are the same rows.
    for t in tables {
        // The columns the older schema has (later migrations add some).
        let cols: Vec<String> = tx
            .prepare(&format!(
                "SELECT name FROM pragma_table_info('{t}', 'main')"
            ))
            .expect("columns")
            .query_map([], |r| r.get(0))
            .expect("columns")
            .collect::<Result<_, _>>()
            .expect("columns");
        let cols = cols.join(", ");
        tx.execute_batch(&format!(
            "INSERT OR IGNORE INTO main.{t}({cols}) SELECT {cols} FROM src.{t}"
        ))
        .unwrap_or_else(|e| panic!("copy {t}: {e}"));
    }
    tx.commit().expect("commit");
    conn.execute_batch(
        "DETACH DATABASE src; PRAGMA foreign_keys = ON; PRAGMA wal_checkpoint(TRUNCATE);",
    )
    .expect("detach");
}
