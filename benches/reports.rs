//! A year's full report on the large demo office: 100,000 children and
//! 25,000 women with their services, counselling sessions, two years of
//! class attendance (about two million marks), placements and three
//! years of outreach activities.
//!
//! ```text
//! cargo bench --bench reports
//! CASEDESK_BENCH_OFFICE=/tmp/big.casedesk cargo bench --bench reports   # build once, reuse
//! CASEDESK_BENCH_CHILDREN=20000 cargo bench --bench reports             # another size
//! ```
//!
//! The office is built by the `casedesk demo` binary in a child process
//! (into a temp dir, or `CASEDESK_BENCH_OFFICE` when set and missing), so
//! this process's peak memory is the report's alone. It prints the
//! median, fastest and slowest of 9 runs (after one to warm the page
//! cache) of: the report as `Session::report` builds it (every query,
//! both periods, the monthly series, the audit entry), its Markdown, and
//! the de-identified report with its suppression, Markdown and CSV; then
//! the peak resident memory (`VmHWM`) over those runs. Criterion then
//! times the plain report as a cross-check. Figures are in BENCHMARKS.md.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use chrono::NaiveDate;
use criterion::Criterion;

use casedesk::domain::reports::text::{csv_rows, markdown};
use casedesk::office::reports::Period;
use casedesk::office::{self, OfficePaths};

#[path = "support/memory.rs"]
mod memory;
use memory::{reset_peak, status_kib};

/// The day the demo office is built on; the year reported is the twelve
/// months before its month.
const TODAY: &str = "2026-11-23";

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// CPU time this process has used (user + system), from /proc: the
/// figure a shared machine's load does not inflate.
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which may hold spaces) start at ')'.
    let rest = stat.rsplit_once(')').map_or("", |r| r.1);
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 (1-based), 12 and 13 here.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn median(mut v: Vec<Duration>) -> (Duration, Duration, Duration) {
    v.sort();
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

fn main() {
    let children: usize = std::env::var("CASEDESK_BENCH_CHILDREN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let temp = tempfile::tempdir().expect("temp dir");
    let db = std::env::var_os("CASEDESK_BENCH_OFFICE")
        .map(PathBuf::from)
        .unwrap_or_else(|| temp.path().join(format!("demo-{children}.casedesk")));
    let paths = OfficePaths::new(db.clone());
    if !paths.db.exists() {
        eprintln!("building a demo office with {children} children (once)…");
        let t = Instant::now();
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_casedesk"))
            .args([
                "--db",
                db.to_str().expect("utf-8 path"),
                "demo",
                "--no-open",
            ])
            .args(["--children", &children.to_string(), "--today", TODAY])
            .env("CASEDESK_DATA_DIR", temp.path())
            .status()
            .expect("run casedesk demo");
        assert!(status.success(), "casedesk demo failed");
        eprintln!("built in {:.1} s", t.elapsed().as_secs_f64());
    }
    let session = office::login(&paths, "manager", &SecretString::from("demo".to_string()))
        .expect("login as the demo manager");
    let period = Period::new(d("2025-11-01"), d("2026-10-31")).expect("period");
    // A de-identified report is made only for a calendar month, quarter
    // or year: the calendar year that period ends in.
    let calendar = Period::new(d("2026-01-01"), d("2026-12-31")).expect("period");

    // Warm the page cache once, then measure from here.
    let warm = session.report(period, false).expect("report");
    reset_peak();
    let before = status_kib("VmRSS:").unwrap_or(0);
    let runs = 9;
    let (mut plain, mut md, mut deid, mut cpu_plain) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut lines = 0;
    for _ in 0..runs {
        let (t, c) = (Instant::now(), cpu());
        let r = session.report(period, false).expect("report");
        plain.push(t.elapsed());
        cpu_plain.push(cpu().saturating_sub(c));
        let t = Instant::now();
        lines = markdown(&r).lines().count();
        md.push(t.elapsed());
        let t = Instant::now();
        let de = session.report(calendar, true).expect("report");
        let text = markdown(&de);
        let csv = csv_rows(&de);
        assert!(!text.is_empty() && !csv.is_empty());
        deid.push(t.elapsed());
    }
    let peak = status_kib("VmHWM:").unwrap_or(0);

    let people: i64 = warm
        .indicator("active")
        .map_or(0, |i| i.current.cells.total());
    let new: i64 = warm
        .indicator("new_cases")
        .map_or(0, |i| i.current.cells.total());
    let records: usize = warm
        .indicators()
        .map(|i| i.current.records.len() + i.previous.records.len())
        .sum();
    println!(
        "office: {children} children; period {period} (previous {}); {new} new cases, {people} people with an open case, {records} record ids kept, {lines} lines of Markdown",
        warm.previous
    );
    for (label, v) in [
        ("report (Session::report)", plain),
        ("its Markdown", md),
        ("de-identified report + suppression + Markdown + CSV", deid),
    ] {
        let (m, lo, hi) = median(v);
        println!(
            "{label}: median {} (fastest {}, slowest {}; {runs} runs)",
            ms(m),
            ms(lo),
            ms(hi)
        );
    }
    let (m, lo, hi) = median(cpu_plain);
    println!(
        "report CPU time (user + system): median {} (least {}, most {}; 10 ms ticks)",
        ms(m),
        ms(lo),
        ms(hi)
    );
    println!(
        "peak resident memory over the runs: {:.0} MiB (resident before them: {:.0} MiB)",
        peak as f64 / 1024.0,
        before as f64 / 1024.0
    );

    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .configure_from_args();
    c.bench_function("year report (Session::report)", |b| {
        b.iter(|| session.report(period, false).expect("report"))
    });
    c.final_summary();
}
