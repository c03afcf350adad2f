//! What the panic key shows: a plain clock on a dark screen. It must look
//! like nothing in particular to a visitor — no program name, no title —
//! with one quiet line at the foot for whoever sits down at it (the way
//! back is the password), and a plain word when a password was wrong.

use chrono::NaiveDateTime;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Clear, Widget};

use crate::ui::theme::Theme;

#[derive(Debug, Clone)]
pub struct BlankPage {
    now: NaiveDateTime,
    theme: Theme,
    note: Option<String>,
}

/// The quiet line at the foot of the page.
pub const HINT: &str = "type your password and Enter to come back";

impl BlankPage {
    /// `now` is passed in so the page is the same in every test; the app
    /// gives it `clock::now_local()` on each tick.
    pub fn new(now: NaiveDateTime) -> BlankPage {
        BlankPage {
            now,
            theme: Theme::default(),
            note: None,
        }
    }

    /// A word under the clock (a wrong password).
    pub fn with_note(mut self, note: Option<&str>) -> BlankPage {
        self.note = note.map(str::to_string);
        self
    }

    pub fn with_theme(mut self, theme: &Theme) -> BlankPage {
        self.theme = theme.clone();
        self
    }
}

impl Widget for &BlankPage {
    fn render(self, area: Rect, buf: &mut Buffer) {
        // Wipe every cell: nothing of the previous screen may survive.
        Clear.render(area, buf);
        buf.set_style(area, self.theme.blank);
        if area.height < 2 || area.width < 20 {
            return;
        }
        let time = self.now.format("%H:%M").to_string();
        let date = self.now.format("%A %-d %B %Y").to_string();
        let mid = area.y + area.height / 2;
        let mut lines = vec![(time, mid - 1), (date, mid)];
        if let Some(note) = &self.note
            && mid + 2 < area.bottom()
        {
            lines.push((note.clone(), mid + 2));
        }
        if area.height >= 6 {
            lines.push((HINT.to_string(), area.bottom() - 1));
        }
        for (text, y) in lines {
            let w = crate::safe_text::width(&text) as u16;
            let x = area.x + area.width.saturating_sub(w) / 2;
            buf.set_stringn(x, y, &text, usize::from(area.width), self.theme.blank);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::testing::render_80x24;

    fn now() -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .and_then(|d| d.and_hms_opt(14, 5, 0))
            .expect("valid")
    }

    fn visible(page: &BlankPage) -> String {
        let text = render_80x24(page).to_string();
        text.chars().filter(|c| c.is_alphanumeric()).collect()
    }

    #[test]
    fn shows_the_clock_and_one_quiet_line_on_the_way_back() {
        let text = render_80x24(&BlankPage::new(now())).to_string();
        assert!(text.contains("14:05"));
        assert!(text.contains("Monday 23 November 2026"));
        let last = text.lines().last().expect("a last line");
        assert!(last.contains(HINT), "{text}");
        // Nothing else: no program name, no title.
        assert_eq!(
            visible(&BlankPage::new(now())),
            "1405Monday23November2026typeyourpasswordandEntertocomeback"
        );
    }

    #[test]
    fn a_wrong_password_is_said_plainly_under_the_clock() {
        let page = BlankPage::new(now()).with_note(Some("Wrong password."));
        let text = render_80x24(&page).to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[14].contains("Wrong password."), "{text}");
        assert!(visible(&page).contains("WrongpasswordtypeyourpasswordandEnter"));
    }
}
