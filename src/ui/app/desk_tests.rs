//! Desk keys on a real demo office: quitting asks first.

use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::config::Config;
use crate::office::OfficePaths;
use crate::ui::App;
use crate::ui::screen::ScreenId;
use crate::ui::testing::demo;

/// A demo office and a desk on it on the demo day, logged in as the
/// manager through the login page.
fn manager_desk(children: usize) -> (tempfile::TempDir, OfficePaths, App) {
    let (dir, paths) = demo(children);
    let config_dir = dir.path().join("config");
    let mut app = App::new(
        paths.clone(),
        Some("manager".into()),
        Config::default(),
        Some(&config_dir),
    );
    // The day the demo was built on, before the first screen is drawn.
    app.fix_clock(
        crate::ui::testing::today()
            .and_hms_opt(10, 0, 0)
            .expect("time"),
    );
    for c in "demo".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Enter);
    app.wait_idle(Duration::from_secs(30));
    assert!(app.is_logged_in(), "logged in");
    (dir, paths, app)
}

fn key(app: &mut App, code: KeyCode) {
    app.handle_key(&KeyEvent::new(code, KeyModifiers::NONE));
}

fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("backend");
    t.draw(|f| app.draw(f)).expect("draw");
    t.backend().to_string()
}

#[test]
fn a_single_q_on_a_list_asks_before_quitting() {
    let (_dir, _paths, mut app) = manager_desk(3);
    key(&mut app, KeyCode::Char('2'));
    assert_eq!(app.current_screen(), Some(ScreenId::Register));

    key(&mut app, KeyCode::Char('q'));
    assert!(!app.should_quit(), "one q does not close the desk");
    assert!(screen(&app).contains("Quit casedesk?"), "{}", screen(&app));

    // Enter and n both stay, on the same list.
    key(&mut app, KeyCode::Enter);
    assert!(!app.should_quit());
    assert!(!screen(&app).contains("Quit casedesk?"));
    key(&mut app, KeyCode::Char('q'));
    key(&mut app, KeyCode::Char('n'));
    assert!(!app.should_quit());
    assert_eq!(app.current_screen(), Some(ScreenId::Register));

    // Ctrl-Q asks the same question; y quits.
    app.handle_key(&KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL));
    assert!(screen(&app).contains("Quit casedesk?"));
    key(&mut app, KeyCode::Char('y'));
    assert!(app.should_quit());
}

#[test]
fn caps_lock_marks_on_the_sheet_and_an_unknown_key_names_the_keys() {
    let (_dir, _paths, mut app) = manager_desk(300);
    app.fix_clock(
        crate::ui::testing::today()
            .and_hms_opt(10, 0, 0)
            .expect("time"),
    );
    key(&mut app, KeyCode::Char('4'));
    assert_eq!(app.current_screen(), Some(ScreenId::Classes));
    key(&mut app, KeyCode::Enter);
    let before = screen(&app);
    assert!(
        before.contains("Attendance") && before.contains("E 0"),
        "{before}"
    );

    // Caps Lock on: the terminal sends upper-case letters, with or
    // without shift reported.
    key(&mut app, KeyCode::Char('E'));
    app.handle_key(&KeyEvent::new(KeyCode::Char('E'), KeyModifiers::SHIFT));
    let marked = screen(&app);
    assert!(
        marked.contains("E 2") && marked.contains("2 not saved"),
        "{marked}"
    );

    // A key that means nothing here says so, naming the marking keys.
    key(&mut app, KeyCode::Char('x'));
    let text = screen(&app);
    let status = text
        .lines()
        .find(|l| l.contains("Not a sheet key"))
        .unwrap_or_else(|| panic!("no message: {text}"));
    for k in [
        "p present",
        "a absent",
        "l late",
        "e excused",
        "r rest present",
    ] {
        assert!(status.contains(k), "{k}: {status}");
    }
    assert!(text.contains("2 not saved"), "nothing else changed: {text}");
}

/// Issue 24: at 80 columns the Classes list lost its Class column (the
/// fixed columns took the whole width). The name is now the last to go.
#[test]
fn the_classes_list_at_80_columns_keeps_the_class_names() {
    let (_dir, _paths, mut app) = manager_desk(300);
    app.fix_clock(
        crate::ui::testing::today()
            .and_hms_opt(10, 0, 0)
            .expect("time"),
    );
    key(&mut app, KeyCode::Char('4'));
    assert_eq!(app.current_screen(), Some(ScreenId::Classes));
    let text = screen(&app);
    let header = text
        .lines()
        .find(|l| l.contains("Kind"))
        .unwrap_or_else(|| panic!("a header: {text}"));
    assert!(header.contains("Class "), "{text}");
    for name in ["Tailoring", "Calligraphy", "LSBE"] {
        assert!(text.contains(name), "{name}: {text}");
    }
    insta::assert_snapshot!("desk_classes_80x24", text);
}

/// Issue 24: at 40x12 Home kept "Latest intakes" and dropped Today and
/// the follow-ups. The urgent panels go last now.
#[test]
fn home_on_a_tiny_window_keeps_today_and_the_follow_ups() {
    let (_dir, _paths, mut app) = manager_desk(300);
    app.fix_clock(
        crate::ui::testing::today()
            .and_hms_opt(10, 0, 0)
            .expect("time"),
    );
    key(&mut app, KeyCode::Char('1'));
    assert_eq!(app.current_screen(), Some(ScreenId::Home));
    let mut t = Terminal::new(TestBackend::new(40, 12)).expect("backend");
    t.draw(|f| app.draw(f)).expect("draw");
    let text = t.backend().to_string();
    assert!(text.contains("Today"), "{text}");
    assert!(text.contains("Follow-ups"), "{text}");
    insta::assert_snapshot!("desk_home_40x12", text);
}
