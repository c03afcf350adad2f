//! Classes at scale, on the demo generator's large office (100,000
//! children, about two million attendance marks):
//!
//!     cargo bench --bench classes                       # 100,000 children
//!     BENCH_CHILDREN=20000 cargo bench --bench classes
//!
//! Opening and saving a session of 40 (the sheet, then all 40 marks in one
//! transaction), a month's sheet of one class, a year of attendance rates
//! for every class, the dropout alert and "classes today"; each the median
//! of several runs, with the process's peak memory (VmHWM) at the end.

use std::time::Instant;

use age::secrecy::SecretString;
use casedesk::demo::{DemoOptions, build};
use casedesk::domain::classes::{Mark, MarkChange};
use casedesk::domain::person::PersonId;
use casedesk::office::{self, OfficePaths};
use chrono::{Duration, NaiveDate};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    (median(times), last.expect("ran"))
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn main() {
    let children: usize = std::env::var("BENCH_CHILDREN")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    casedesk::vault::crypto::pin_work_factor(10);
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = OfficePaths::new(dir.path().join("bench.casedesk"));
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    let _clock = casedesk::clock::fixed(today.and_hms_opt(10, 0, 0).expect("time"));
    let t = Instant::now();
    build(&paths, &DemoOptions::new(children, today)).expect("demo");
    println!(
        "demo build ({children} children): {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let pw = SecretString::from("demo".to_string());
    let mut s = office::login(&paths, "staff", &pw).expect("login");
    let classes = s.classes().expect("classes");
    println!("classes: {}", classes.len());

    // A session of 40: a new class with 40 children enrolled.
    let teacher = s.account_named("staff").expect("t").map(|u| u.id);
    let class = s
        .add_class(&casedesk::domain::classes::NewClass {
            kind: casedesk::domain::classes::ClassKind::Literacy,
            name: "Bench class".into(),
            trade: String::new(),
            teacher_id: teacher,
            days: "daily".parse().expect("days"),
            starts_at: None,
            ends_at: None,
            starts_on: today - Duration::days(60),
            ends_on: None,
            room: String::new(),
        })
        .expect("class");
    for id in 1..=40 {
        s.enrol(class, PersonId(id), today - Duration::days(30))
            .or_else(|_| s.enrol(class, PersonId(id + 1000), today - Duration::days(30)))
            .ok();
    }
    let mut day = today - Duration::days(20);
    let (open_ms, _) = time(9, || s.attendance_sheet(class, today).expect("sheet"));
    let (save_ms, _) = time(9, || {
        let sheet = s.attendance_sheet(class, day).expect("sheet");
        let changes: Vec<MarkChange> = sheet
            .rows
            .iter()
            .map(|r| MarkChange {
                person_id: r.person_id,
                mark: Mark::Present,
                loaded_version: r.version,
            })
            .collect();
        let saved = s
            .save_attendance(class, day, &changes, false)
            .expect("save");
        day += Duration::days(1);
        saved.saved
    });
    println!("open a sheet of 40: median {open_ms:.1} ms");
    println!("open and save a session of 40: median {save_ms:.1} ms");

    let busiest = classes.iter().max_by_key(|c| c.enrolled).expect("a class");
    let month = NaiveDate::from_ymd_opt(2026, 10, 1).expect("month");
    let (month_ms, sheet) = time(9, || s.month_sheet(busiest.id, month).expect("month"));
    println!(
        "month sheet of {} ({} people × {} sessions): median {month_ms:.1} ms",
        busiest.name,
        sheet.rows.len(),
        sheet.dates.len()
    );
    let (rates_ms, rates) = time(5, || {
        s.class_rates(today - Duration::days(364), today)
            .expect("rates")
    });
    println!(
        "a year of attendance rates for {} classes: median {rates_ms:.1} ms",
        rates.len()
    );
    let (alert_ms, alerts) = time(5, || s.absent_alerts(today).expect("alerts"));
    println!(
        "dropout alert ({} children): median {alert_ms:.1} ms",
        alerts.len()
    );
    let (today_ms, _) = time(9, || s.classes_on(today).expect("today"));
    println!("classes today: median {today_ms:.1} ms");
    println!("peak RSS: {:.0} MiB", peak_rss_mib());
}
