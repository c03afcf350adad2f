//! Register search latency per keystroke over a demo office of 100,000
//! children (+ 25,000 women), and the duplicate check at intake.
//!
//! `cargo bench --bench search` first times the duplicate check on a small
//! (3,000-child) demo office, as a test once did with a 500 ms limit; then
//! builds the large demo office once in a temp dir (about half a minute),
//! prints a per-keystroke table (median of 15 runs each, one page of 50
//! rows plus the total count), then runs criterion on a few representative
//! searches. `CASEDESK_BENCH_CHILDREN=N` changes the large office's size.
//! Demo offices are built on a fixed day and the clock is fixed to it, so
//! every run searches the same records. Figures are in BENCHMARKS.md.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

use casedesk::domain::person::{NewPerson, estimated_birth_date};
use casedesk::domain::{Centre, Concern, Programme, ReferralSource, RiskLevel, Sex};
use casedesk::office::OfficePaths;
use casedesk::store::duplicates;
use casedesk::store::search::{RegisterQuery, SortColumn, register};
use casedesk::vault::{self, Unlocked};

/// The day demo offices here are built on, and the clock is fixed to.
fn bench_day() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date")
}

struct Bench {
    _dir: tempfile::TempDir,
    /// A raw connection: the searches below are the store's own queries.
    session: Unlocked,
}

fn build_with(children: usize) -> Bench {
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = OfficePaths::new(dir.path().join("bench.casedesk"));
    let t = Instant::now();
    casedesk::demo::build(
        &paths,
        &casedesk::demo::DemoOptions::new(children, bench_day()),
    )
    .expect("demo");
    eprintln!(
        "demo office with {children} children built in {:.1?}",
        t.elapsed()
    );
    let password = age::secrecy::SecretString::from("demo".to_string());
    let session = vault::login(&paths, "staff", &password).expect("login");
    Bench { _dir: dir, session }
}

fn build() -> Bench {
    let children: usize = std::env::var("CASEDESK_BENCH_CHILDREN")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    build_with(children)
}

/// The duplicate check at intake on a 3,000-child demo office: the first
/// call on a fresh login (nothing cached), then the median of warm calls.
/// A test asserted the first call under 500 ms in a debug build; a limit
/// on a shared machine proves nothing, so the figure is printed here.
fn duplicate_check_on_a_small_office() {
    let b = build_with(3_000);
    let conn = b.session.conn();
    // The person the test typed at intake: name, father, age 12, phone, area.
    let mut p = intake("Muhammad Ali", "Muhammad Akbar");
    p.phone = "0300-1234567".into();
    p.area = "Satellite Town".into();
    let t = Instant::now();
    let shown = duplicates::likely_matches(conn, &p).unwrap().len();
    let first = t.elapsed();
    let (med, max) = time(|| {
        duplicates::likely_matches(conn, &p).unwrap();
    });
    println!(
        "\n| duplicate check, 3,000-child office ({shown} shown) | first call ms | median ms | max ms |\n\
         | --- | ---: | ---: | ---: |\n\
         | `Muhammad Ali` / `Muhammad Akbar`, 12 | {:.2}{} | {:.2} | {:.2} |",
        first.as_secs_f64() * 1e3,
        if first > Duration::from_millis(500) {
            " (over the old 500 ms limit)"
        } else {
            ""
        },
        med.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
}

fn page(text: &str) -> RegisterQuery {
    RegisterQuery {
        text: text.into(),
        limit: 50,
        ..RegisterQuery::default()
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<F: FnMut()>(mut f: F) -> (Duration, Duration) {
    f(); // warm the page cache
    let runs: Vec<Duration> = (0..15)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    let max = *runs.iter().max().unwrap_or(&Duration::ZERO);
    (median(runs), max)
}

fn keystrokes(conn: &rusqlite::Connection, typed: &str) {
    let today = casedesk::clock::today();
    let mut prefix = String::new();
    for c in typed.chars() {
        prefix.push(c);
        let mut total = 0;
        let (med, max) = time(|| total = register(conn, &page(&prefix), today).unwrap().total);
        println!(
            "| `{prefix}` | {total} | {:.2} | {:.2} |",
            med.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3
        );
    }
}

fn intake(name: &str, father: &str) -> NewPerson {
    let today = casedesk::clock::today();
    NewPerson {
        programme: Programme::Cpc,
        name: name.into(),
        father_name: father.into(),
        alias: String::new(),
        sex: Sex::Male,
        birth_date: Some(estimated_birth_date(12, today)),
        age_estimated: true,
        cnic: String::new(),
        phone: String::new(),
        area: String::new(),
        address: String::new(),
        guardian_name: String::new(),
        guardian_relation: String::new(),
        school_status: String::new(),
        work_status: String::new(),
        referral_source: ReferralSource::OutreachSpot,
        referral_detail: String::new(),
        concerns: vec![Concern::AtRisk],
        consent_by: String::new(),
        consent_date: None,
        consent_services: false,
        consent_sharing: false,
        risk: RiskLevel::Low,
        risk_reason: String::new(),
        worker_id: None,
        centre: Centre::Cpc,
        registered_on: today,
    }
}

fn table(conn: &rusqlite::Connection) {
    let year = casedesk::clock::today().format("%Y").to_string();
    println!("\n| typed | matches | median ms | max ms |\n| --- | ---: | ---: | ---: |");
    keystrokes(conn, "Muhammad Ali");
    keystrokes(conn, "zainab");
    keystrokes(conn, "محمد علی");
    keystrokes(conn, &format!("CPC-{year}-0042"));
    keystrokes(conn, "satellite");
    keystrokes(conn, "42");

    let today = casedesk::clock::today();
    println!("\n| query | median ms | max ms |\n| --- | ---: | ---: |");
    let cases: Vec<(&str, RegisterQuery)> = vec![
        ("whole register, case-number order", page("")),
        (
            "whole register sorted by name, page 1000",
            RegisterQuery {
                sort: SortColumn::Name,
                offset: 50_000,
                ..page("")
            },
        ),
        (
            "CPC, active, high risk, sorted by age",
            RegisterQuery {
                programme: Some(Programme::Cpc),
                status: Some(casedesk::domain::CaseStatus::Active),
                risk: Some(RiskLevel::High),
                sort: SortColumn::Age,
                ..page("")
            },
        ),
        (
            "`khan`, concern CSEC, sorted by risk",
            RegisterQuery {
                concern: Some(Concern::Csec),
                sort: SortColumn::Risk,
                ..page("khan")
            },
        ),
        (
            "whole register sorted by status",
            RegisterQuery {
                sort: SortColumn::Status,
                ..page("")
            },
        ),
        (
            "`khan`, status closed (screen filter)",
            RegisterQuery {
                status: Some(casedesk::domain::CaseStatus::Closed),
                ..page("khan")
            },
        ),
        (
            "`muhammad` sorted by risk",
            RegisterQuery {
                sort: SortColumn::Risk,
                ..page("muhammad")
            },
        ),
        (
            "`CPC-202`, CPC tab, sorted by name",
            RegisterQuery {
                programme: Some(Programme::Cpc),
                sort: SortColumn::Name,
                ..page("CPC-202")
            },
        ),
        (
            "screen keystroke: `muhammad`, first 100 rows",
            RegisterQuery {
                limit: 100,
                ..page("muhammad")
            },
        ),
        (
            "screen keystroke: `muhammad`, 1,000-row window",
            RegisterQuery {
                limit: 1000,
                ..page("muhammad")
            },
        ),
        (
            "jump to the end: whole register, last 1,000-row window",
            RegisterQuery {
                offset: 124_500,
                limit: 1000,
                ..page("")
            },
        ),
    ];
    for (label, q) in &cases {
        let (med, max) = time(|| {
            register(conn, q, today).unwrap();
        });
        println!(
            "| {label} | {:.2} | {:.2} |",
            med.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3
        );
    }
    for (name, father) in [
        ("Muhammad Ali", "Muhammad Akbar"),
        ("Mohd Ali", ""),
        ("محمد علی", "عبدالغفور"),
        ("Zainab", "Gul Muhammad"),
    ] {
        let p = intake(name, father);
        let mut n = 0;
        let (med, max) = time(|| n = duplicates::likely_matches(conn, &p).unwrap().len());
        println!(
            "| duplicate check `{name}` / `{father}` ({n} shown) | {:.2} | {:.2} |",
            med.as_secs_f64() * 1e3,
            max.as_secs_f64() * 1e3
        );
    }
}

fn benches(c: &mut Criterion) {
    // Everything here runs on this thread: "today" is the demo's day.
    let _clock = casedesk::clock::fixed(bench_day().and_hms_opt(10, 0, 0).expect("valid time"));
    duplicate_check_on_a_small_office();
    let b = build();
    let conn = b.session.conn();
    table(conn);
    let today = casedesk::clock::today();
    let mut g = c.benchmark_group("register_search");
    g.sample_size(10).measurement_time(Duration::from_secs(2));
    for text in ["m", "mu", "muh", "muhammad", "muhammad ali", "محمد", "0042"] {
        g.bench_function(text, |bch| {
            bch.iter(|| register(conn, &page(text), today).unwrap())
        });
    }
    g.finish();
    let p = intake("Mohammad Ali", "Mohd Akbar");
    c.bench_function("likely_matches", |bch| {
        bch.iter(|| duplicates::likely_matches(conn, &p).unwrap())
    });
}

criterion_group!(search, benches);
criterion_main!(search);
