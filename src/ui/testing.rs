//! The desk's test helpers, in one place: demo offices built on a fixed
//! day, logins, and drawing a screen or widget on an 80x24 `TestBackend`
//! for snapshots. (Integration tests have theirs in `tests/common`.)

#![cfg(test)]

use chrono::NaiveDate;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::office::{self, OfficePaths, Session};
use crate::ui::screen::Screen;
use crate::ui::theme::Theme;

/// A fixed "today" for forms.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
}

/// A demo office (manager, staff, psychologist; password demo) in a
/// temp dir.
pub fn demo(children: usize) -> (tempfile::TempDir, OfficePaths) {
    crate::vault::crypto::pin_work_factor(10);
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = OfficePaths::new(dir.path().join("office.casedesk"));
    crate::demo::build(&paths, &crate::demo::DemoOptions::new(children, today()))
        .expect("demo office");
    (dir, paths)
}

pub fn login(paths: &OfficePaths, user: &str) -> Session {
    let pw = age::secrecy::SecretString::from("demo".to_string());
    office::login(paths, user, &pw).expect("login")
}

/// Draws a screen at 80x24 and returns the text, with dates and times
/// (which depend on the day the demo was built) masked.
pub fn draw(screen: &dyn Screen) -> String {
    let theme = Theme::default();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("backend");
    terminal
        .draw(|f| {
            let area = f.area();
            screen.render(area, f.buffer_mut(), &theme)
        })
        .expect("draw");
    mask(&terminal.backend().to_string())
}

/// `2026-11-23` → `YYYY-MM-DD`, `23/11/2026` → `DD/MM/YYYY`, `14:05` →
/// `hh:mm`: same widths, so the layout is what is compared.
pub fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let digits = |at: usize, n: usize| {
        (at..at + n).all(|i| chars.get(i).is_some_and(|c| c.is_ascii_digit()))
    };
    let is = |at: usize, c: char| chars.get(at) == Some(&c);
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if digits(i, 4) && is(i + 4, '-') && digits(i + 5, 2) && is(i + 7, '-') && digits(i + 8, 2)
        {
            out.push_str("YYYY-MM-DD");
            i += 10;
        } else if digits(i, 2)
            && is(i + 2, '/')
            && digits(i + 3, 2)
            && is(i + 5, '/')
            && digits(i + 6, 4)
        {
            out.push_str("DD/MM/YYYY");
            i += 10;
        } else if digits(i, 2) && is(i + 2, ':') && digits(i + 3, 2) {
            out.push_str("hh:mm");
            i += 5;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

use ratatui::widgets::Widget;

/// Draws `widget` on a blank 80x24 terminal and returns the backend, whose
/// `Display` is what insta snapshots.
pub fn render_80x24<W>(widget: W) -> TestBackend
where
    W: Widget,
{
    render_sized(widget, 80, 24)
}

pub fn render_sized<W>(widget: W, width: u16, height: u16) -> TestBackend
where
    W: Widget,
{
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|frame| frame.render_widget(widget, frame.area()))
        .expect("draw");
    terminal.backend().clone()
}
