//! Backup benchmark: export, verify and restore of a large demo office,
//! side by side with the `age` CLI on the same office file.
//!
//! A plain bench binary (no harness), because a few runs of each step on a
//! large office are the figures we want, not a statistical micro-benchmark:
//!
//! ```text
//! CASEDESK_BENCH_CHILDREN=100000 cargo bench --bench backup
//! ```
//!
//! The demo office is built once into `target/bench-backup/` (or
//! `CASEDESK_BENCH_DIR`) and reused by later runs; delete it to rebuild.
//! `CASEDESK_BENCH_RUNS` (default 3) runs of each step; the median is
//! shown. The `age` CLI (`CASEDESK_BENCH_AGE`, default `age` on the PATH;
//! Debian's is the Go one) encrypts and decrypts the office file itself to
//! give the yardstick: export is compared with `age -r`, restore with
//! `age -d`. Results go to stdout; BENCHMARKS.md records them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use age::secrecy::{ExposeSecret, SecretString};
use casedesk::office::OfficePaths;
use casedesk::office::backup::{self, DataKey, Encryption, Unlock};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Run `f` `runs` times (each with its run number); the median seconds.
fn timed(runs: usize, mut f: impl FnMut(usize)) -> f64 {
    median(
        (0..runs)
            .map(|i| {
                let t = Instant::now();
                f(i);
                t.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

fn age_cli(age: &str, args: &[&str]) {
    let status = Command::new(age)
        .args(args)
        .status()
        .unwrap_or_else(|e| panic!("cannot run {age} (apt-get install age): {e}"));
    assert!(status.success(), "{age} {args:?} failed");
}

fn main() {
    // `cargo bench` passes `--bench`; any filter argument is ignored.
    let env = |k: &str| std::env::var(k).ok();
    let children: usize = env("CASEDESK_BENCH_CHILDREN")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let runs: usize = env("CASEDESK_BENCH_RUNS")
        .and_then(|v| v.parse().ok())
        .unwrap_or(3)
        .max(1);
    let age = env("CASEDESK_BENCH_AGE").unwrap_or_else(|| "age".into());
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
    let id_file = work.path().join("bench-identity.txt");
    std::fs::write(&id_file, recipient.to_string().expose_secret()).expect("identity");
    let public = recipient.to_public().to_string();
    let passphrase = SecretString::from("bench passphrase, long enough".to_string());
    let path = |name: String| work.path().join(name);
    let s = |p: &Path| p.to_str().expect("utf-8 path").to_string();

    // The yardstick: the age CLI on the office file itself.
    let db = s(&paths.db);
    let age_enc = timed(runs, |i| {
        age_cli(
            &age,
            &["-r", &public, "-o", &s(&path(format!("cli-{i}.age"))), &db],
        );
    });
    let cli_file = s(&path("cli-0.age".into()));
    let age_dec = timed(runs, |i| {
        let out = s(&path(format!("cli-{i}.out")));
        age_cli(&age, &["-d", "-i", &s(&id_file), "-o", &out, &cli_file]);
        std::fs::remove_file(out).expect("remove");
    });

    // When each stage of the first export began, from its progress reports.
    let mut stages: Vec<(backup::Stage, Instant)> = Vec::new();
    let mut export_end = Instant::now();
    let export_r = timed(runs, |i| {
        let mut mine = Vec::new();
        session
            .export_backup(
                &path(format!("recipients-{i}.age")),
                &Encryption::Recipients(vec![recipient.to_public()]),
                &mut |p: backup::Progress| {
                    if mine.last().is_none_or(|(s, _)| *s != p.stage) {
                        mine.push((p.stage, Instant::now()));
                    }
                },
            )
            .expect("export");
        if i == 0 {
            stages = mine;
            export_end = Instant::now();
        }
    });
    let export_p = timed(runs, |i| {
        session
            .export_backup(
                &path(format!("passphrase-{i}.age")),
                &Encryption::Passphrase(passphrase.clone()),
                &mut backup::no_progress(),
            )
            .expect("export");
    });
    let out_r = path("recipients-0.age".into());
    let backup_size = std::fs::metadata(&out_r).expect("backup").len();
    let unlock = Unlock::Identities(vec![Box::new(recipient.clone())]);
    let verify = timed(runs, |_| {
        backup::verify(&out_r, &unlock, DataKey::None, &mut backup::no_progress()).expect("verify");
    });
    let verify_data = timed(1, |_| {
        backup::verify(
            &out_r,
            &unlock,
            DataKey::Master(&key),
            &mut backup::no_progress(),
        )
        .expect("verify");
    });
    let restore = timed(runs, |i| {
        let to = OfficePaths::new(path(format!("restored-{i}.casedesk")));
        backup::restore(&out_r, &to, &unlock, &mut backup::no_progress()).expect("restore");
        let _ = std::fs::remove_file(&to.db);
        let _ = std::fs::remove_file(&to.keys);
    });

    // An export while a reader elsewhere keeps the checkpoint from copying
    // the WAL back: the snapshot then takes its newest pages from the WAL.
    let wal_frames;
    let export_wal = {
        let writer = casedesk::vault::login(&paths, "manager", &password).expect("login");
        let reader = casedesk::vault::login(&paths, "manager", &password).expect("login");
        reader
            .conn()
            .execute_batch("BEGIN; SELECT count(*) FROM persons;")
            .expect("reader");
        writer
            .conn()
            .execute_batch(
                "UPDATE persons SET phone = CASE WHEN phone LIKE '% ' THEN rtrim(phone)
                 ELSE phone || ' ' END WHERE id % 10 = 0;
                 UPDATE services SET note = CASE WHEN note LIKE '% ' THEN rtrim(note)
                 ELSE note || ' ' END WHERE id % 10 = 0;",
            )
            .expect("writes");
        wal_frames = std::fs::metadata(format!("{}-wal", paths.db.display()))
            .map(|m| m.len().saturating_sub(32) / (24 + 4096))
            .unwrap_or(0);
        let t = timed(1, |_| {
            session
                .export_backup(
                    &path("wal.age".into()),
                    &Encryption::Recipients(vec![recipient.to_public()]),
                    &mut backup::no_progress(),
                )
                .expect("export");
        });
        reader.conn().execute_batch("COMMIT").expect("reader");
        t
    };

    println!(
        "office: {children} children, office file {:.1} MB, backup {:.1} MB; median of {runs} runs",
        db_size as f64 / 1e6,
        backup_size as f64 / 1e6
    );
    let counts = backup::verify(&out_r, &unlock, DataKey::None, &mut backup::no_progress())
        .expect("verify")
        .manifest
        .counts;
    let total_rows: u64 = counts.values().sum();
    println!("rows: {total_rows} in {} tables", counts.len());
    println!("| step | seconds | MB/s of office data | × age CLI |");
    println!("| --- | ---: | ---: | ---: |");
    let row = |label: &str, secs: f64, vs: Option<f64>| {
        let ratio = vs.map_or(String::from("–"), |a| format!("{:.2}", secs / a));
        println!(
            "| {label} | {secs:.2} | {:.0} | {ratio} |",
            db_size as f64 / secs / 1e6
        );
    };
    row(&format!("`{age} -r` (the office file)"), age_enc, None);
    row(&format!("`{age} -d`"), age_dec, None);
    row("export to a recipient", export_r, Some(age_enc));
    row("export to a passphrase", export_p, Some(age_enc));
    row(
        &format!("export to a recipient, {wal_frames} WAL frames held"),
        export_wal,
        Some(age_enc),
    );
    row("verify without a login", verify, Some(age_dec));
    row("verify with the data opened", verify_data, None);
    row("restore", restore, Some(age_dec));

    println!("\nexport to a recipient (first run), by stage:");
    for (i, (stage, start)) in stages.iter().enumerate() {
        let end = stages.get(i + 1).map_or(export_end, |(_, t)| *t);
        println!("- {}: {:.2} s", stage.label(), (end - *start).as_secs_f64());
    }
    // Keep the work dir for inspection only when asked.
    if std::env::var_os("CASEDESK_BENCH_KEEP").is_some() {
        let _ = work.keep();
    }
}
