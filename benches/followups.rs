//! The Follow-ups list on the large office: the due-list query
//! (placement visits and case follow-ups together, most late first) and
//! the Placements screen with its Follow-ups tab, drawn whole at 80x24.
//!
//! `cargo bench --bench followups` builds a 100,000-child demo office in a
//! temp dir (a few minutes), or reuses one: `BENCH_DB=/path/demo.casedesk`
//! (accounts from `casedesk demo`, password "demo"). Figures are printed
//! as a Markdown section; BENCHMARKS.md records them with the command.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use casedesk::config::Config;
use casedesk::demo::{self, DemoOptions};
use casedesk::domain::placements::DueKind;
use casedesk::office::placements::DueFilter;
use casedesk::office::{self, OfficePaths};
use casedesk::ui::App;
use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const CHILDREN: usize = 100_000;
const RUNS: usize = 15;
const LIMIT: usize = casedesk::ui::screens::placements::followups::LIMIT;

fn key(app: &mut App, code: KeyCode) {
    app.handle_key(&KeyEvent::new(code, KeyModifiers::NONE));
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

/// Median and max of `RUNS` runs of `f` (after one to warm the cache).
fn time<T>(mut f: impl FnMut() -> T) -> (Duration, Duration, T) {
    let mut last = f();
    let mut all = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let t = Instant::now();
        last = f();
        all.push(t.elapsed());
    }
    all.sort();
    (all[RUNS / 2], all[RUNS - 1], last)
}

fn main() {
    casedesk::vault::crypto::pin_work_factor(10);
    let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date");
    let tmp = tempfile::tempdir().expect("temp dir");
    let paths = match std::env::var_os("BENCH_DB") {
        Some(p) if std::path::Path::new(&p).exists() => OfficePaths::new(p),
        _ => {
            let paths = OfficePaths::new(tmp.path().join("bench.casedesk"));
            eprintln!("building a demo office with {CHILDREN} children…");
            let t = Instant::now();
            demo::build(
                &paths,
                &DemoOptions {
                    children: CHILDREN,
                    seed: 2014,
                    today,
                },
            )
            .expect("demo office");
            eprintln!("built in {:.1} s", t.elapsed().as_secs_f64());
            paths
        }
    };
    let _clock = casedesk::clock::fixed(today.and_hms_opt(10, 30, 0).expect("time"));

    // The office call alone.
    let pw = age::secrecy::SecretString::from("demo".to_string());
    let session = office::login(&paths, "staff", &pw).expect("login");
    let mut report = String::new();
    let _ = writeln!(
        report,
        "| query (at most {LIMIT} items) | items | median ms | max ms |\n| --- | ---: | ---: | ---: |"
    );
    let filters = [
        ("everyone's, due by today", DueFilter::default()),
        (
            "mine",
            DueFilter {
                mine: true,
                ..DueFilter::default()
            },
        ),
        (
            "overdue only",
            DueFilter {
                overdue: true,
                ..DueFilter::default()
            },
        ),
        (
            "placement visits only",
            DueFilter {
                kind: Some(DueKind::Placement),
                ..DueFilter::default()
            },
        ),
        (
            "case follow-ups only",
            DueFilter {
                kind: Some(DueKind::Case),
                ..DueFilter::default()
            },
        ),
    ];
    for (label, filter) in filters {
        let (median, max, items) = time(|| {
            session
                .due_list(today, filter, LIMIT)
                .expect("due list")
                .len()
        });
        let _ = writeln!(
            report,
            "| {label} | {items} | {} | {} |",
            ms(median),
            ms(max)
        );
    }
    let (median, max, n) = time(|| {
        session
            .placements(None, None, None)
            .expect("placements")
            .len()
    });
    let _ = writeln!(
        report,
        "| every placement, for the Placements tab | {n} | {} | {} |",
        ms(median),
        ms(max)
    );
    // The Home page's other new panels read on every visit to it.
    let (median, max, n) = time(|| session.classes_on(today).expect("classes").len());
    let _ = writeln!(
        report,
        "| classes today (Home) | {n} | {} | {} |",
        ms(median),
        ms(max)
    );
    let (median, max, n) = time(|| session.absent_alerts(today).expect("alerts").len());
    let _ = writeln!(
        report,
        "| absent 3 sessions in a row (Home) | {n} | {} | {} |",
        ms(median),
        ms(max)
    );
    drop(session);

    // The screen: keys and the whole desk frame at 80x24.
    let config_dir = tmp.path().join("config");
    let mut app = App::new(
        paths.clone(),
        Some("staff".into()),
        Config::default(),
        Some(&config_dir),
    );
    app.fix_clock(today.and_hms_opt(10, 30, 0).expect("time"));
    for c in "demo".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Enter);
    app.wait_idle(Duration::from_secs(60));
    assert!(app.is_logged_in(), "login");
    let mut term = Terminal::new(TestBackend::new(80, 24)).expect("backend");
    let mut step = |app: &mut App, code: KeyCode| {
        let t = Instant::now();
        key(app, code);
        term.draw(|f| app.draw(f)).expect("draw");
        t.elapsed()
    };
    let open = step(&mut app, KeyCode::Char('5'));
    let tab = step(&mut app, KeyCode::Right);
    let mine = step(&mut app, KeyCode::Char(' '));
    let everyone = step(&mut app, KeyCode::Char(' '));
    let mut frames = Vec::new();
    for _ in 0..RUNS {
        frames.push(step(&mut app, KeyCode::Down));
    }
    frames.sort();
    step(&mut app, KeyCode::Char('/'));
    let typing: Vec<Duration> = "kind:visit"
        .chars()
        .map(|c| step(&mut app, KeyCode::Char(c)))
        .collect();
    step(&mut app, KeyCode::Enter);
    let form = step(&mut app, KeyCode::Enter);
    step(&mut app, KeyCode::Esc);
    let home = step(&mut app, KeyCode::Char('1'));
    let _ = writeln!(
        report,
        "\n| on the desk (key + whole 80x24 frame) | ms |\n| --- | ---: |"
    );
    for (what, d) in [
        ("open Placements (every placement read)", open),
        ("→ to the Follow-ups tab (the due list read)", tab),
        ("Space: only mine (the list read again)", mine),
        ("Space: everyone's again", everyone),
        ("↓ + frame (median)", frames[frames.len() / 2]),
        (
            "typing `kind:visit` after / (slowest key)",
            typing.iter().max().copied().unwrap_or_default(),
        ),
        ("Enter: the visit form opens", form),
        (
            "1: Home (counts, due list, classes today, alerts, intakes)",
            home,
        ),
    ] {
        let _ = writeln!(report, "| {what} | {} |", ms(d));
    }
    println!(
        "# Follow-ups benchmark\n\n`cargo bench --bench followups` (release profile; \
         `BENCH_DB=…` reuses an office). A {CHILDREN}-child demo office, logged in as \
         staff (the demo's case worker for every case), today fixed at {today}.\n\n{report}"
    );
}
