//! The schema upgrade from version 8 (the last before the vocabularies
//! moved to lookup tables) on the large demo office, against the same
//! upgrade on a plain (unencrypted) SQLite copy of the same rows, run in
//! the same process.
//!
//! ```text
//! cargo bench --bench upgrade
//! CASEDESK_BENCH_CHILDREN=20000 cargo bench --bench upgrade   # another size
//! ```
//!
//! The office is built by the `casedesk demo` binary in a child process,
//! then its rows are copied into a new file made by migrations 1 to 8
//! (the columns schema 8 has), once encrypted with the office's key and
//! once plain. Each file is upgraded by `store::upgrade::run` with the
//! office's migrations, as a login does: foreign keys off, every step in
//! one transaction, `foreign_key_check` and `integrity_check` before the
//! commit; the encrypted one also keeps its page copy from before. Prints
//! the time of each and the peak resident memory. Figures are in
//! BENCHMARKS.md.

use std::path::Path;
use std::time::Instant;

use rusqlite::{Connection, OpenFlags};

use casedesk::office::OfficePaths;
use casedesk::store::{self, schema, upgrade};

#[path = "../tests/upgrade_support/copy_at.rs"]
mod copy_at;
#[path = "support/memory.rs"]
mod memory;
use copy_at::copy_at;
use memory::{reset_peak, status_kib};

const FROM: u32 = 8;

fn rows(conn: &Connection) -> i64 {
    let tables: Vec<String> = conn
        .prepare(
            "SELECT m.name FROM sqlite_master m WHERE m.type = 'table'
               AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE 'code_%'
               AND m.sql NOT LIKE 'CREATE VIRTUAL%'
               AND NOT EXISTS (SELECT 1 FROM sqlite_master v
                               WHERE v.sql LIKE 'CREATE VIRTUAL%' AND m.name LIKE v.name || '_%')",
        )
        .expect("tables")
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<Result<_, _>>()
        .expect("tables");
    tables
        .iter()
        .map(|t| {
            conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| {
                r.get::<_, i64>(0)
            })
            .expect("count")
        })
        .sum()
}

fn main() {
    let children: usize = std::env::var("CASEDESK_BENCH_CHILDREN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let temp = tempfile::tempdir().expect("temp dir");
    let db = temp.path().join(format!("demo-{children}.casedesk"));
    eprintln!("building a demo office with {children} children…");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_casedesk"))
        .args([
            "--db",
            db.to_str().expect("utf-8 path"),
            "demo",
            "--no-open",
        ])
        .args(["--children", &children.to_string(), "--today", "2026-11-23"])
        .env("CASEDESK_DATA_DIR", temp.path())
        .status()
        .expect("run casedesk demo");
    assert!(status.success(), "casedesk demo failed");
    let paths = OfficePaths::new(db.clone());
    let unlocked = casedesk::vault::login(
        &paths,
        "manager",
        &age::secrecy::SecretString::from("demo".to_string()),
    )
    .expect("login");
    let key = casedesk::vault::MasterKey::from_hex(&unlocked.master_key().hex()).expect("key");
    drop(unlocked);
    let raw_key = format!("x'{}'", key.hex().as_str());

    let enc = temp.path().join("at-8.casedesk");
    let plain = temp.path().join("at-8-plain.sqlite");
    let rw = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE;
    {
        let mut c = store::open_keyed(&enc, rw, &key).expect("create");
        copy_at(&mut c, FROM, &db, &raw_key);
    }
    {
        let mut c = Connection::open_with_flags(&plain, rw).expect("create plain");
        copy_at(&mut c, FROM, &db, &raw_key);
    }
    let mib = |p: &Path| std::fs::metadata(p).map_or(0.0, |m| m.len() as f64 / 1048576.0);
    println!(
        "office at schema {FROM}: {:.1} MiB encrypted, {:.1} MiB plain",
        mib(&enc),
        mib(&plain)
    );

    reset_peak();
    let mut c = store::open_keyed(&enc, OpenFlags::SQLITE_OPEN_READ_WRITE, &key).expect("open");
    store::configure(&c).expect("configure");
    let before = rows(&c);
    let t = Instant::now();
    let done = upgrade::run(
        &mut c,
        schema::MIGRATIONS,
        schema::LATEST,
        Some(upgrade::KeepCopy {
            db: &enc,
            key: &key,
        }),
    )
    .expect("upgrade");
    let enc_time = t.elapsed();
    let peak = status_kib("VmHWM:").unwrap_or(0);
    assert_eq!(rows(&c), before, "every row kept");
    let copy = done.and_then(|u| u.copy).expect("a copy from before");

    let mut p =
        Connection::open_with_flags(&plain, OpenFlags::SQLITE_OPEN_READ_WRITE).expect("open plain");
    store::configure(&p).expect("configure plain");
    let t = Instant::now();
    upgrade::run(&mut p, schema::MIGRATIONS, schema::LATEST, None).expect("plain upgrade");
    let plain_time = t.elapsed();
    assert_eq!(rows(&p), before, "every row kept");

    println!("rows: {before}");
    println!(
        "upgrade {FROM} -> {}: casedesk (SQLCipher, with the page copy {:.1} MiB) {:.1} s; plain SQLite, no copy {:.1} s; peak memory {} MiB",
        schema::LATEST,
        mib(&copy),
        enc_time.as_secs_f64(),
        plain_time.as_secs_f64(),
        peak / 1024
    );
}
