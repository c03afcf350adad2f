//! Drawing the shell around the screens: the top bar (office, screen,
//! user), the menu column, the status line with its key hints, the
//! overlays on top, and the set-up, login, lock and blank pages.
//!
//! Only draws; every office call happened in an update. Text from the
//! office file (names) goes through `safe_text` before it is drawn.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::{App, Desk, Guard, Mode, Overlay, menu};
use crate::safe_text::{Align, fit, sanitize};
use crate::ui::action::Action;
use crate::ui::keymap::stacks;
use crate::ui::widgets::blank::BlankPage;

/// Width of the menu column (hidden below [`MENU_MIN_WIDTH`] columns).
const MENU_W: u16 = 15;
const MENU_MIN_WIDTH: u16 = 70;

impl App {
    /// Where the terminal cursor belongs after the last draw.
    pub fn cursor(&self) -> Option<Position> {
        match &self.mode {
            Mode::Setup(s, _) => s.cursor(),
            Mode::Login(l) => l.cursor(),
            Mode::Desk(d) => match (&d.guard, &d.overlay) {
                (Some(Guard::Locked(l)), _) => l.cursor(),
                (Some(Guard::Blank(_)), _) => None,
                (None, Some(_)) => None,
                (None, None) => d.screen.cursor(),
            },
        }
    }

    /// Draw a frame.
    pub fn draw(&self, frame: &mut Frame<'_>) {
        let area = frame.area();
        self.render(area, frame.buffer_mut());
        if let Some(p) = self.cursor() {
            frame.set_cursor_position(p);
        }
    }

    /// Draw everything into `buf` (the terminal, or a test buffer).
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        let t = &self.theme;
        buf.set_style(area, t.base);
        if let Mode::Desk(d) = &self.mode
            && let Some(Guard::Blank(b)) = &d.guard
        {
            (&BlankPage::new(self.now())
                .with_theme(t)
                .with_note(b.note.as_deref()))
                .render(area, buf);
            return;
        }
        if area.height < 3 || area.width < 20 {
            return;
        }
        let body = Rect {
            height: area.height - 1,
            ..area
        };
        let status_row = Rect {
            y: area.bottom() - 1,
            height: 1,
            ..area
        };
        match &self.mode {
            Mode::Setup(s, _) => s.render(body, buf, t),
            Mode::Login(l) => l.render(body, buf, t),
            Mode::Desk(d) => match &d.guard {
                Some(Guard::Locked(l)) => l.render(body, buf, t),
                _ => self.render_desk(d, body, buf),
            },
        }
        self.render_status(status_row, buf);
    }

    fn render_desk(&self, d: &Desk, area: Rect, buf: &mut Buffer) {
        let t = &self.theme;
        // Top bar: office, screen, user.
        let who = format!(
            " {} · {} ",
            sanitize(&d.session.user().name),
            d.session.role().label()
        );
        let title = format!(
            " casedesk · {} · {}",
            sanitize(&d.office),
            sanitize(&d.screen.title())
        );
        let bar = Rect { height: 1, ..area };
        buf.set_style(bar, t.status);
        let who_w = crate::safe_text::width(&who) as u16;
        let title_w = bar.width.saturating_sub(who_w);
        buf.set_stringn(
            bar.x,
            bar.y,
            fit(&title, usize::from(title_w), Align::Left),
            usize::from(title_w),
            t.status,
        );
        buf.set_stringn(bar.x + title_w, bar.y, &who, usize::from(who_w), t.status);

        let rest = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
        let screen_area = if area.width >= MENU_MIN_WIDTH {
            let menu_area = Rect {
                width: MENU_W,
                ..rest
            };
            self.render_menu(d, menu_area, buf);
            Rect {
                x: rest.x + MENU_W,
                width: rest.width - MENU_W,
                ..rest
            }
        } else {
            rest
        };
        d.screen.render(screen_area, buf, t);
        match &d.overlay {
            Some(Overlay::Help(h)) => h.render(area, buf),
            Some(Overlay::Palette(p)) => p.render(area, buf),
            Some(Overlay::Leave(c, _)) => c.render(area, buf),
            None => {}
        }
    }

    fn render_menu(&self, d: &Desk, area: Rect, buf: &mut Buffer) {
        let t = &self.theme;
        let block = Block::default()
            .borders(Borders::RIGHT)
            .border_style(t.border)
            .style(t.base);
        let inner = block.inner(area);
        block.render(area, buf);
        let current = d.history.first().map_or(d.screen.id(), |s| s.id());
        for (i, id) in menu(d.session.role()).iter().enumerate() {
            let y = inner.y + 1 + i as u16;
            if y >= inner.bottom() {
                break;
            }
            let key = if i < 9 {
                format!("{}", i + 1)
            } else {
                " ".into()
            };
            let style = if *id == current { t.selected } else { t.base };
            let marker = if *id == current { "▸" } else { " " };
            let line = format!("{marker}{key} {}", id.title());
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), style);
            buf.set_stringn(inner.x, y, &line, usize::from(inner.width), style);
            if i < 9 {
                buf.set_string(inner.x + 1, y, &key, style.patch(t.key));
            }
        }
        let hint_y = inner.bottom().saturating_sub(1);
        let keys = self.keymap.keys_for(stacks::LIST, Action::Palette);
        if let Some(k) = keys.first()
            && hint_y > inner.y + menu(d.session.role()).len() as u16 + 1
        {
            buf.set_stringn(
                inner.x,
                hint_y,
                format!("{k} go to…"),
                usize::from(inner.width),
                t.hint,
            );
        }
    }

    fn render_status(&self, area: Rect, buf: &mut Buffer) {
        let t = &self.theme;
        buf.set_style(area, t.status);
        if let Some(s) = &self.status {
            let style = if s.error {
                t.status.patch(t.error)
            } else {
                t.status
            };
            buf.set_stringn(
                area.x,
                area.y,
                fit(
                    &format!(" {}", s.text),
                    usize::from(area.width),
                    Align::Left,
                ),
                usize::from(area.width),
                style,
            );
            return;
        }
        let stack = self.context_stack();
        let mut parts: Vec<Span> = Vec::new();
        let wanted: &[(Action, &str)] = if self.is_logged_in() && !self.is_locked() {
            &[
                (Action::Help, "help"),
                (Action::Palette, "go to"),
                (Action::PanicBlank, "blank"),
                (Action::Lock, "lock"),
                (Action::Quit, "quit"),
            ]
        } else {
            &[(Action::Quit, "quit")]
        };
        for (action, word) in wanted {
            if let Some(k) = self.keymap.keys_for(stack, *action).first() {
                parts.push(Span::styled(format!(" {k}"), t.status.patch(t.key)));
                parts.push(Span::styled(format!(" {word} "), t.status));
            }
        }
        Paragraph::new(Line::from(parts))
            .style(t.status)
            .render(area, buf);
    }
}
