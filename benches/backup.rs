//! Backup benchmark: export, verify and restore of a large demo office.
//!
//! A plain bench binary (no harness), because one run of each step on a
//! large office is the figure we want, not a statistical micro-benchmark:
//!
//! ```text
//! CASEDESK_BENCH_CHILDREN=100000 cargo bench --bench backup
//! ```
//!
//! The demo office is built once into `target/bench-backup/` (or
//! `CASEDESK_BENCH_DIR`) and reused by later runs; delete it to rebuild.
//! Results go to stdout; BENCHMARKS.md records them beside the
//! time the `rage` CLI takes to encrypt a file of the same size.

use std::path::PathBuf;
use std::time::Instant;

use age::secrecy::SecretString;
use casedesk::office::OfficePaths;
use casedesk::office::backup::{self, DataKey, Encryption, Unlock};

fn main() {
    // `cargo bench` passes `--bench`; any filter argument is ignored.
    let children: usize = std::env::var("CASEDESK_BENCH_CHILDREN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::var_os("CASEDESK_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/bench-backup"));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let paths = OfficePaths::new(dir.join(format!("demo-{children}.casedesk")));
    if !paths.db.exists() {
        eprintln!("building a demo office with {children} children (once)…");
        let t = Instant::now();
        casedesk::demo::build(
            &paths,
            &casedesk::demo::DemoOptions {
                children,
                seed: 2014,
                today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date"),
            },
        )
        .expect("demo");
        eprintln!("built in {:.1} s", t.elapsed().as_secs_f64());
    }
    let password = SecretString::from("demo".to_string());
    let mut session = casedesk::office::login(&paths, "manager", &password).expect("login");
    // Fold the WAL in, so the office file's size is the data's size (on a
    // raw connection: the office layer has no such thing to do).
    casedesk::vault::login(&paths, "manager", &password)
        .expect("login")
        .conn()
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
        .expect("checkpoint");
    let key = session.backup_check_key().expect("the master key");
    let db_size = std::fs::metadata(&paths.db).expect("db").len();

    let work = tempfile::tempdir_in(&dir).expect("temp");
    let recipient = age::x25519::Identity::generate();
    let passphrase = SecretString::from("bench passphrase, long enough".to_string());

    let mut rows = Vec::new();
    let mut time = |label: &str, bytes: u64, f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        let s = t.elapsed().as_secs_f64();
        rows.push((label.to_string(), s, bytes as f64 / s / 1e6));
    };

    let out_r = work.path().join("recipients.age");
    // When each stage of this export began, from its progress reports.
    let mut stages: Vec<(backup::Stage, Instant)> = Vec::new();
    time("export (to a recipient)", db_size, &mut || {
        session
            .export_backup(
                &out_r,
                &Encryption::Recipients(vec![recipient.to_public()]),
                &mut |p: backup::Progress| {
                    if stages.last().is_none_or(|(s, _)| *s != p.stage) {
                        stages.push((p.stage, Instant::now()));
                    }
                },
            )
            .expect("export");
    });
    let export_end = Instant::now();
    let out_p = work.path().join("passphrase.age");
    time("export (to a passphrase)", db_size, &mut || {
        session
            .export_backup(
                &out_p,
                &Encryption::Passphrase(passphrase.clone()),
                &mut backup::no_progress(),
            )
            .expect("export");
    });
    let backup_size = std::fs::metadata(&out_r).expect("backup").len();
    let unlock = Unlock::Identities(vec![Box::new(recipient.clone())]);
    time("verify (no login)", backup_size, &mut || {
        backup::verify(&out_r, &unlock, DataKey::None, &mut backup::no_progress()).expect("verify");
    });
    time("verify (data opened)", backup_size, &mut || {
        backup::verify(
            &out_r,
            &unlock,
            DataKey::Master(&key),
            &mut backup::no_progress(),
        )
        .expect("verify");
    });
    let mut n = 0;
    time("restore", backup_size, &mut || {
        n += 1;
        let to = OfficePaths::new(work.path().join(format!("restored-{n}.casedesk")));
        backup::restore(&out_r, &to, &unlock, &mut backup::no_progress()).expect("restore");
    });

    println!(
        "office: {children} children, office file {:.1} MB, backup {:.1} MB",
        db_size as f64 / 1e6,
        backup_size as f64 / 1e6
    );
    let counts = backup::verify(&out_r, &unlock, DataKey::None, &mut backup::no_progress())
        .expect("verify")
        .manifest
        .counts;
    let total_rows: u64 = counts.values().sum();
    println!("rows: {total_rows} in {} tables", counts.len());
    println!("| step | seconds | MB/s |");
    println!("| --- | ---: | ---: |");
    for (label, s, mbps) in rows {
        println!("| {label} | {s:.2} | {mbps:.0} |");
    }
    println!("\nexport (to a recipient), by stage:");
    for (i, (stage, start)) in stages.iter().enumerate() {
        let end = stages.get(i + 1).map_or(export_end, |(_, t)| *t);
        println!("- {}: {:.2} s", stage.label(), (end - *start).as_secs_f64());
    }
    println!(
        "\nfor comparison: rage -r {} -o {}/rage.age {}",
        recipient.to_public(),
        work.path().display(),
        paths.db.display()
    );
    // Keep the work dir for inspection only when asked.
    if std::env::var_os("CASEDESK_BENCH_KEEP").is_some() {
        let _ = work.keep();
    }
}
