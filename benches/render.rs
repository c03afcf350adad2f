//! Frame render time of the register over a 100,000-child demo office,
//! and search time per keystroke as typed in the screen.
//!
//! `cargo bench --bench render` builds the office in a temp dir (a few
//! minutes), or reuses one: `BENCH_DB=/path/demo.casedesk` (accounts from
//! `casedesk demo`, password "demo"). Figures are printed as a Markdown
//! section; BENCHMARKS.md records them with the command.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use casedesk::config::Config;
use casedesk::demo::{self, DemoOptions};
use casedesk::office::OfficePaths;
use casedesk::ui::App;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const CHILDREN: usize = 100_000;
const FRAMES: u32 = 300;

fn key(app: &mut App, code: KeyCode) {
    app.handle_key(&KeyEvent::new(code, KeyModifiers::NONE));
}

fn per(d: Duration, n: u32) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0 / f64::from(n))
}

fn main() {
    casedesk::vault::crypto::pin_work_factor(10);
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
                    today: chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("valid date"),
                },
            )
            .expect("demo office");
            eprintln!("built in {:.1} s", t.elapsed().as_secs_f64());
            paths
        }
    };

    let mut report = String::new();
    let config_dir = tmp.path().join("config");
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let mut app = App::new(
            paths.clone(),
            Some("manager".into()),
            Config::default(),
            Some(&config_dir),
        );
        for c in "demo".chars() {
            key(&mut app, KeyCode::Char(c));
        }
        key(&mut app, KeyCode::Enter);
        app.wait_idle(Duration::from_secs(60));
        assert!(app.is_logged_in(), "login");
        let t = Instant::now();
        key(&mut app, KeyCode::Char('2'));
        let open = t.elapsed();
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("backend");

        // Still frames (what the loop draws while nothing changes).
        let t = Instant::now();
        for _ in 0..FRAMES {
            term.draw(|f| app.draw(f)).expect("draw");
        }
        let still = t.elapsed();

        // Scrolling: PageDown and a frame, across window fetches.
        let t = Instant::now();
        for _ in 0..FRAMES {
            key(&mut app, KeyCode::PageDown);
            term.draw(|f| app.draw(f)).expect("draw");
        }
        let scroll = t.elapsed();
        let t = Instant::now();
        key(&mut app, KeyCode::End);
        term.draw(|f| app.draw(f)).expect("draw");
        let end = t.elapsed();

        // Search per keystroke, frame included.
        key(&mut app, KeyCode::Home);
        key(&mut app, KeyCode::Char('/'));
        let mut keys = Vec::new();
        for word in ["khan", " gul"] {
            for c in word.chars() {
                let t = Instant::now();
                key(&mut app, KeyCode::Char(c));
                term.draw(|f| app.draw(f)).expect("draw");
                keys.push((c, t.elapsed()));
            }
        }
        let mut clear = Vec::new();
        for _ in 0.."khan gul".len() {
            let t = Instant::now();
            key(&mut app, KeyCode::Backspace);
            term.draw(|f| app.draw(f)).expect("draw");
            clear.push(t.elapsed());
        }
        let worst = keys.iter().map(|k| k.1).chain(clear.iter().copied()).max();

        let _ = writeln!(report, "### {w}x{h}\n");
        let _ = writeln!(report, "| what | time |\n| --- | --- |");
        let _ = writeln!(
            report,
            "| open the register (first page + count) | {} |",
            per(open, 1)
        );
        let _ = writeln!(
            report,
            "| still frame (mean of {FRAMES}) | {} |",
            per(still, FRAMES)
        );
        let _ = writeln!(
            report,
            "| PageDown + frame (mean of {FRAMES}, window refetches included) | {} |",
            per(scroll, FRAMES)
        );
        let _ = writeln!(
            report,
            "| End (jump to row {CHILDREN}+) + frame | {} |",
            per(end, 1)
        );
        let typed: Vec<String> = keys
            .iter()
            .map(|(c, d)| format!("`{}` {}", if *c == ' ' { '␣' } else { *c }, per(*d, 1)))
            .collect();
        let _ = writeln!(
            report,
            "| search keystroke + frame, typing \"khan gul\" | {} |",
            typed.join(", ")
        );
        let _ = writeln!(
            report,
            "| search keystroke + frame, Backspace back to empty (mean) | {} |",
            per(clear.iter().sum(), clear.len() as u32)
        );
        let _ = writeln!(
            report,
            "| slowest keystroke | {} |\n",
            worst.map(|d| per(d, 1)).unwrap_or_default()
        );
    }
    let doc = format!(
        "# Register render benchmark\n\n\
         `cargo bench --bench render` (release profile; `BENCH_DB=…` reuses an office). \
         A {CHILDREN}-child demo office (plus the women's desk), logged in as manager, \
         the whole desk frame (menu, register, status line) drawn to a ratatui TestBackend. \
         Each keystroke runs `store::search::register` for the first {} rows (the count \
         capped at 1,000); the {}-row window loads when the selection moves.\n\n{report}",
        casedesk::ui::screens::register::FIRST_PAGE,
        casedesk::ui::screens::register::WINDOW
    );
    println!("{doc}");
}
