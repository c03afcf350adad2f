//! Every row of an office's tables, to compare two offices (a source and
//! its restored backup) table by table.

use std::collections::BTreeMap;

use rusqlite::types::Value;

/// Every row of every ordinary table except the full-text index's own
/// tables, in a stable order; `filter` may add a `WHERE` per table.
pub fn rows(
    conn: &rusqlite::Connection,
    filter: &dyn Fn(&str) -> Option<String>,
) -> BTreeMap<String, Vec<Vec<Value>>> {
    let tables: Vec<(String, bool)> = conn
        .prepare(
            "SELECT name, sql LIKE 'CREATE VIRTUAL%' FROM sqlite_master
             WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let virtuals: Vec<String> = tables
        .iter()
        .filter(|(_, v)| *v)
        .map(|(n, _)| format!("{n}_"))
        .collect();
    let mut out = BTreeMap::new();
    for (t, is_virtual) in &tables {
        if *is_virtual || virtuals.iter().any(|v| t.starts_with(v)) {
            continue;
        }
        let n = conn
            .prepare(&format!("SELECT * FROM \"{t}\""))
            .unwrap()
            .column_count();
        let order: Vec<String> = (1..=n).map(|i| i.to_string()).collect();
        let cond = filter(t).map_or(String::new(), |w| format!("WHERE {w}"));
        let mut stmt = conn
            .prepare(&format!(
                "SELECT * FROM \"{t}\" {cond} ORDER BY {}",
                order.join(", ")
            ))
            .unwrap();
        let rows: Vec<Vec<Value>> = stmt
            .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        out.insert(t.clone(), rows);
    }
    out
}
