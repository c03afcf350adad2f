//! Rendering helpers for snapshot tests.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
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
