//! Snapshots of the desk's screens at 80x24 (TestBackend + insta), built on
//! a real demo office in a temp dir built on the demo day, with the desk's
//! clock fixed to that day: counts, dates and case numbers are shown as
//! drawn, nothing masked.

mod common;

use std::time::Duration;

use casedesk::config::Config;
use casedesk::ui::App;
use casedesk::ui::screen::ScreenId;
use common::{Office, demo_now, fix_clock};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn app_on(office: &Office, user: Option<&str>) -> App {
    let config_dir = office.dir.path().join("config");
    let mut app = App::new(
        office.paths.clone(),
        user.map(str::to_string),
        Config::default(),
        Some(&config_dir),
    );
    app.fix_clock(demo_now());
    app
}

fn key(app: &mut App, code: KeyCode) {
    app.handle_key(&KeyEvent::new(code, KeyModifiers::NONE));
}

fn ctrl(app: &mut App, c: char) {
    app.handle_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn settle(app: &mut App) {
    app.wait_idle(Duration::from_secs(30));
}

fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("backend");
    t.draw(|f| app.draw(f)).expect("draw");
    t.backend().to_string()
}

fn logged_in(office: &Office, user: &str) -> App {
    let mut app = app_on(office, Some(user));
    typed(&mut app, "demo");
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    assert!(app.is_logged_in(), "{}", screen(&app));
    app
}

/// Snapshot as drawn.
macro_rules! snap {
    ($name:literal, $text:expr) => {{
        insta::assert_snapshot!($name, $text);
    }};
}

#[test]
fn setup_page() {
    let _clock = fix_clock();
    let office = Office::empty();
    let mut app = app_on(&office, None);
    typed(&mut app, "SEHER Quetta");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "boss");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "kite river lantern");
    snap!("setup", screen(&app));
    // Different passwords: the message, nothing lost.
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "kite river lanterN");
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    assert!(
        text.contains("The two passwords are not the same."),
        "{text}"
    );
    assert!(text.contains("SEHER Quetta"));
    // Typed the same: the office is made and the key shown once.
    typed(&mut app, "kite river lantern");
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    let text = screen(&app);
    assert!(text.contains("AGE-SECRET-KEY-"), "{text}");
    assert!(text.contains("only way back in"), "{text}");
    assert!(office.paths.db.exists());
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.current_screen(), Some(ScreenId::Home));
    assert!(!screen(&app).contains("AGE-SECRET-KEY-"));
}

#[test]
fn login_page_and_wrong_password() {
    let _clock = fix_clock();
    let office = Office::demo(50);
    let mut app = app_on(&office, Some("manager"));
    snap!("login", screen(&app));
    typed(&mut app, "not-it");
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    assert!(!app.is_logged_in());
    snap!("login_wrong_password", screen(&app));
    // An unknown user gets the very same words, and a growing wait.
    key(&mut app, KeyCode::BackTab);
    for _ in 0..7 {
        key(&mut app, KeyCode::Backspace);
    }
    typed(&mut app, "nobody");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "demo");
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    let text = screen(&app);
    assert!(text.contains("Wrong user name or password."), "{text}");
    assert!(text.contains("Wait 1 s"), "{text}");
}

#[test]
fn home_register_help_accounts_lock_and_blank() {
    let _clock = fix_clock();
    let office = Office::demo(50);
    let mut app = logged_in(&office, "manager");
    snap!("home", screen(&app));

    key(&mut app, KeyCode::Char('2'));
    assert_eq!(app.current_screen(), Some(ScreenId::Register));
    key(&mut app, KeyCode::Char('/'));
    // Search for the first listed name's first word.
    let before = screen(&app);
    assert!(before.contains("Register: All"), "{before}");
    typed(&mut app, "kha");
    let text = screen(&app);
    snap!("register_search", text);

    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('?'));
    snap!("register_help", screen(&app));
    key(&mut app, KeyCode::Esc);

    // Accounts is the 10th screen: reach it with the palette.
    key(&mut app, KeyCode::Char(':'));
    typed(&mut app, "accou");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.current_screen(), Some(ScreenId::Accounts));
    snap!("accounts", screen(&app));

    ctrl(&mut app, 'l');
    assert!(app.is_locked());
    snap!("lock", screen(&app));
    typed(&mut app, "demo");
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    assert!(!app.is_locked());
    assert_eq!(app.current_screen(), Some(ScreenId::Accounts));

    key(&mut app, KeyCode::F(12));
    let blank = screen(&app);
    snap!("blank", blank);
    typed(&mut app, "demo");
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    assert!(!app.is_locked());
}

/// Idle minutes (config) lock the desk for the same user; the half-filled
/// intake form is still there, as typed, after the password.
#[test]
fn idle_time_locks_the_desk_and_keeps_unsaved_work() {
    let _clock = fix_clock();
    let office = Office::demo(20);
    let mut app = logged_in(&office, "staff");
    key(&mut app, KeyCode::Char('3'));
    assert_eq!(app.current_screen(), Some(ScreenId::Intake));
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "Quokkaline");

    // Just under the default five minutes: still open.
    let start = std::time::Instant::now();
    app.tick(start + Duration::from_secs(4 * 60));
    assert!(!app.is_locked());
    app.tick(start + Duration::from_secs(5 * 60 + 1));
    assert!(app.is_locked());
    let locked = screen(&app);
    assert!(
        !locked.contains("Quokkaline"),
        "nothing of the form is drawn"
    );
    assert!(
        locked.contains("staff"),
        "locked for the same user: {locked}"
    );

    // A wrong password keeps it locked; the right one brings the form back.
    typed(&mut app, "wrong");
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    assert!(app.is_locked());
    typed(&mut app, "demo");
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    assert!(!app.is_locked(), "{}", screen(&app));
    assert_eq!(app.current_screen(), Some(ScreenId::Intake));
    assert!(screen(&app).contains("Quokkaline"));
}
