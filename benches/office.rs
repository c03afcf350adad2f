//! Office-level figures: building the large demo office, logging in with the
//! calibrated scrypt work factor, and listing the whole register.
//!
//!     cargo bench --bench office            # 100,000 children
//!     BENCH_CHILDREN=20000 cargo bench --bench office
//!
//! A plain timing harness: each step is a single long operation measured
//! once (or a few times for login), which is what a user waits for.

use std::time::Instant;

use age::secrecy::SecretString;
use casedesk::demo::{DemoOptions, build};
use casedesk::office::{self, OfficePaths};
use casedesk::vault;

fn main() {
    // `cargo bench` passes `--bench`; nothing else to parse.
    let children: usize = std::env::var("BENCH_CHILDREN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = OfficePaths::new(dir.path().join("bench.casedesk"));

    // A fixed day, so every run builds the same office.
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
    let t = Instant::now();
    let summary = build(
        &paths,
        &DemoOptions {
            children,
            seed: 2014,
            today,
        },
    )
    .expect("demo");
    let build_s = t.elapsed().as_secs_f64();
    println!(
        "demo build: {} children + {} women in {build_s:.2} s",
        summary.children, summary.women
    );
    let size: u64 = ["", "-wal"]
        .iter()
        .filter_map(|s| {
            let mut p = paths.db.clone().into_os_string();
            p.push(s);
            std::fs::metadata(p).ok()
        })
        .map(|m| m.len())
        .sum();
    println!("office file: {:.1} MiB", size as f64 / (1024.0 * 1024.0));

    let log_n = vault::read_key_file(&paths).expect("keys").users[0].log_n;
    let pw = SecretString::from("demo".to_string());
    let mut times = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let s = office::login(&paths, "staff", &pw).expect("login");
        times.push(t.elapsed().as_secs_f64());
        drop(s);
    }
    times.sort_by(f64::total_cmp);
    println!("login (scrypt log_n {log_n}): median {:.3} s", times[1]);

    let s = office::login(&paths, "staff", &pw).expect("login");
    let t = Instant::now();
    let rows = s.list_register(&Default::default(), today).expect("list");
    println!(
        "list whole register: {} rows in {:.3} s",
        rows.len(),
        t.elapsed().as_secs_f64()
    );
}
