//! Driving the desk in-process, as the screen tests do: an `App` on a real
//! office, keys sent one at a time, the whole 80x24 frame drawn to a
//! `TestBackend`.

use std::time::Duration;

use casedesk::config::Config;
use casedesk::ui::App;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::{Office, demo_now};

/// The desk on `office`, its clock at the demo's day, logged in as `user`
/// (password "demo").
pub fn app_on(office: &Office, user: &str) -> App {
    let config_dir = office.dir.path().join("config");
    let mut app = App::new(
        office.paths.clone(),
        Some(user.to_string()),
        Config::default(),
        Some(&config_dir),
    );
    app.fix_clock(demo_now());
    typed(&mut app, "demo");
    key(&mut app, KeyCode::Enter);
    app.wait_idle(Duration::from_secs(30));
    assert!(app.is_logged_in(), "{}", screen(&app));
    app
}

pub fn key(app: &mut App, code: KeyCode) {
    app.handle_key(&KeyEvent::new(code, KeyModifiers::NONE));
}

pub fn keys(app: &mut App, code: KeyCode, n: usize) {
    for _ in 0..n {
        key(app, code);
    }
}

pub fn ctrl(app: &mut App, c: char) {
    app.handle_key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
}

pub fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// The whole frame at 80x24, as text.
pub fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("backend");
    t.draw(|f| app.draw(f)).expect("draw");
    t.backend().to_string()
}
