//! What the panic key shows: a plain clock on a dark screen. It must look
//! like nothing in particular to a visitor — no program name, no title,
//! no hint that a password brings the desk back (staff know).

use chrono::NaiveDateTime;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Clear, Widget};

use crate::ui::theme::Theme;

#[derive(Debug, Clone)]
pub struct BlankPage {
    now: NaiveDateTime,
    theme: Theme,
}

impl BlankPage {
    /// `now` is passed in so the page is the same in every test; the app
    /// gives it `clock::now_local()` on each tick.
    pub fn new(now: NaiveDateTime) -> BlankPage {
        BlankPage {
            now,
            theme: Theme::default(),
        }
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
        for (text, y) in [(time, mid - 1), (date, mid)] {
            let w = text.chars().count() as u16;
            let x = area.x + area.width.saturating_sub(w) / 2;
            buf.set_stringn(x, y, &text, usize::from(area.width), self.theme.blank);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::testing::render_80x24;

    #[test]
    fn shows_only_the_clock() {
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 23)
            .and_then(|d| d.and_hms_opt(14, 5, 0))
            .expect("valid");
        let text = render_80x24(&BlankPage::new(now)).to_string();
        assert!(text.contains("14:05"));
        assert!(text.contains("Monday 23 November 2026"));
        let visible: String = text.chars().filter(|c| c.is_alphanumeric()).collect();
        assert_eq!(visible, "1405Monday23November2026");
    }
}
