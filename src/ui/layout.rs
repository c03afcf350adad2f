//! Small geometry helpers shared by the overlays and screens.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::safe_text::{Align, fit};

/// One line of text on row `y` of `area`, one column in from its left
/// edge, cut to fit (and cleaned of control characters by `fit`): the
/// summary under a list and the hint on a screen's last row.
pub fn text_line(buf: &mut Buffer, area: Rect, y: u16, text: &str, style: Style) {
    let w = usize::from(area.width.saturating_sub(1));
    buf.set_string(area.x + 1, y, fit(text, w, Align::Left), style);
}

/// A `width` x `height` box centred in `area`, shrunk to fit.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
