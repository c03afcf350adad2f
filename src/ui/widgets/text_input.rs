//! The editing core shared by form fields, the table's search box and the
//! palette: a string and a cursor, safe with multi-byte and wide text.
//!
//! The cursor is a byte offset that is always on a char boundary. Moving
//! left/right steps over zero-width characters (combining marks, Urdu
//! diacritics) together with the letter before them, so the cursor never
//! lands between a letter and its mark; Backspace removes one code point,
//! so a mistyped diacritic can be removed on its own.
//!
//! ## Typed text is wiped from memory
//!
//! The same editor takes counselling notes and passwords, so the text is
//! kept in a [`Zeroizing`] buffer:
//! - dropping the input, [`TextInput::clear`] and [`TextInput::set_text`]
//!   zero the old buffer (its whole capacity, not only the text);
//! - the buffer never grows by `String`'s own reallocation, which would free
//!   the old allocation with the text still in it: before an insert that
//!   does not fit, the text is copied into a new, larger zeroizing buffer
//!   (at least double) and the old one is zeroed as it is dropped;
//! - the bytes a deletion shifts past the end of the text are zeroed at
//!   once, so deleted characters do not wait in the spare capacity.
//!
//! Not covered here: copies a caller makes from [`TextInput::text`] (e.g.
//! `FormValues`, see the form's module comment), the `String` handed to
//! [`TextInput::new`] / [`TextInput::set_text`] before it was ours (a
//! `&str` argument is copied into a fresh buffer, the caller's stays the
//! caller's), text drawn into the terminal buffer, and the terminal itself.

use std::ops::Range;

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;

use zeroize::{Zeroize, Zeroizing};

use crate::safe_text::{char_width, sanitize};

/// Smallest buffer allocated when the text grows, so typing a short field
/// does not reallocate (and copy) at every key.
const MIN_CAPACITY: usize = 64;

/// `Debug` never shows the text (`Zeroizing` prints as `Zeroizing { .. }`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    text: Zeroizing<String>,
    cursor: usize,
}

impl TextInput {
    pub fn new(text: impl Into<String>) -> TextInput {
        let text = Zeroizing::new(text.into());
        let cursor = text.len();
        TextInput { text, cursor }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// Cursor as a byte offset into [`Self::text`].
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Replaces the text; the old buffer is zeroed as it is dropped.
    pub fn set_text(&mut self, text: impl Into<String>) {
        self.text = Zeroizing::new(text.into());
        self.cursor = self.text.len();
    }

    /// Empties the text, zeroing the buffer (which is kept for reuse).
    pub fn clear(&mut self) {
        self.text.zeroize();
        self.cursor = 0;
    }

    pub fn insert(&mut self, c: char) {
        self.reserve(c.len_utf8());
        self.text.insert(self.cursor, c);
        self.cursor += c.len_utf8();
    }

    pub fn delete_back(&mut self) -> bool {
        match self.text[..self.cursor].chars().next_back() {
            Some(c) => {
                self.cursor -= c.len_utf8();
                self.text.remove(self.cursor);
                self.wipe_spare();
                true
            }
            None => false,
        }
    }

    pub fn delete_forward(&mut self) -> bool {
        if self.cursor >= self.text.len() {
            return false;
        }
        let end = self.next_stop(self.cursor);
        self.text.replace_range(self.cursor..end, "");
        self.wipe_spare();
        true
    }

    /// Makes room for `additional` more bytes without letting `String`
    /// reallocate: a full buffer is copied into a new, larger zeroizing
    /// one and the old buffer is zeroed when it is dropped here.
    fn reserve(&mut self, additional: usize) {
        let needed = self.text.len() + additional;
        if needed <= self.text.capacity() {
            return;
        }
        let capacity = needed
            .max(self.text.capacity().saturating_mul(2))
            .max(MIN_CAPACITY);
        let mut grown = Zeroizing::new(String::with_capacity(capacity));
        grown.push_str(&self.text);
        self.text = grown;
    }

    /// Zeroes the buffer past the end of the text, where a deletion left
    /// the bytes it shifted.
    fn wipe_spare(&mut self) {
        // SAFETY: only the spare capacity (past `len`) is written, with
        // zeros; the string's contents, and so its UTF-8, are untouched.
        unsafe { self.text.as_mut_vec() }
            .spare_capacity_mut()
            .zeroize();
    }

    pub fn left(&mut self) {
        self.cursor = self.prev_stop(self.cursor);
    }

    pub fn right(&mut self) {
        self.cursor = self.next_stop(self.cursor);
    }

    /// Start of the current line.
    pub fn home(&mut self) {
        self.cursor = self.text[..self.cursor].rfind('\n').map_or(0, |i| i + 1);
    }

    /// End of the current line.
    pub fn end(&mut self) {
        self.cursor = self.text[self.cursor..]
            .find('\n')
            .map_or(self.text.len(), |i| self.cursor + i);
    }

    /// Moves one wrapped row up (multi-line fields). False at the top.
    pub fn up(&mut self, width: u16) -> bool {
        self.move_rows(width, -1)
    }

    /// Moves one wrapped row down (multi-line fields). False at the bottom.
    pub fn down(&mut self, width: u16) -> bool {
        self.move_rows(width, 1)
    }

    fn move_rows(&mut self, width: u16, delta: isize) -> bool {
        let rows = wrap_rows(&self.text, width);
        let (row, col) = locate(&self.text, &rows, self.cursor);
        let Some(target) = row.checked_add_signed(delta).filter(|r| *r < rows.len()) else {
            return false;
        };
        self.cursor = offset_at_col(&self.text, rows[target].clone(), col);
        true
    }

    /// Next cursor stop after `at`: past one char and any zero-width chars
    /// that belong to it.
    fn next_stop(&self, at: usize) -> usize {
        let mut chars = self.text[at..].char_indices();
        let Some((_, first)) = chars.next() else {
            return at;
        };
        let mut end = at + first.len_utf8();
        if first == '\n' {
            return end;
        }
        for (i, c) in chars {
            if c == '\n' || char_width(c) != 0 {
                break;
            }
            end = at + i + c.len_utf8();
        }
        end
    }

    fn prev_stop(&self, at: usize) -> usize {
        let mut pos = at;
        for (i, c) in self.text[..at].char_indices().rev() {
            pos = i;
            if c == '\n' || char_width(c) != 0 {
                break;
            }
        }
        pos
    }

    /// Draws one line with the cursor (when `cursor_style` is given),
    /// scrolled sideways so the cursor stays visible. Returns where the
    /// cursor is on screen.
    pub fn render_line(
        &self,
        area: Rect,
        buf: &mut Buffer,
        style: Style,
        cursor_style: Option<Style>,
    ) -> Option<Position> {
        if area.width == 0 || area.height == 0 {
            return None;
        }
        buf.set_style(area, style);
        let before = &self.text[..self.cursor];
        let before_w: usize = sanitize(before).chars().map(char_width).sum();
        // Keep one column free for the cursor at the end of the text.
        let room = usize::from(area.width).saturating_sub(1);
        let skip_cols = before_w.saturating_sub(room);
        let shown = skip_columns(&self.text, skip_cols);
        let clean = sanitize(shown);
        buf.set_stringn(area.x, area.y, &*clean, usize::from(area.width), style);
        let cursor_style = cursor_style?;
        let cx = area.x + u16::try_from(before_w - skip_cols).unwrap_or(area.width - 1);
        let cx = cx.min(area.right() - 1);
        let pos = Position::new(cx, area.y);
        if let Some(cell) = buf.cell_mut(pos) {
            cell.set_style(cursor_style);
        }
        Some(pos)
    }

    /// Draws wrapped lines, scrolled so the cursor row is visible. Returns
    /// where the cursor is on screen.
    pub fn render_wrapped(
        &self,
        area: Rect,
        buf: &mut Buffer,
        style: Style,
        cursor_style: Option<Style>,
    ) -> Option<Position> {
        if area.width == 0 || area.height == 0 {
            return None;
        }
        buf.set_style(area, style);
        let rows = wrap_rows(&self.text, area.width);
        let (crow, ccol) = locate(&self.text, &rows, self.cursor);
        let first = (crow + 1).saturating_sub(usize::from(area.height));
        for (i, range) in rows
            .iter()
            .skip(first)
            .take(usize::from(area.height))
            .enumerate()
        {
            let line = sanitize(self.text[range.clone()].trim_end_matches('\n'));
            let y = area.y + i as u16;
            buf.set_stringn(area.x, y, &*line, usize::from(area.width), style);
        }
        let cursor_style = cursor_style?;
        let x = area.x + u16::try_from(ccol).unwrap_or(0).min(area.width - 1);
        let pos = Position::new(x, area.y + (crow - first) as u16);
        if let Some(cell) = buf.cell_mut(pos) {
            cell.set_style(cursor_style);
        }
        Some(pos)
    }
}

/// The suffix of `s` after dropping `cols` display columns.
fn skip_columns(s: &str, cols: usize) -> &str {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        if used >= cols && char_width(c) > 0 {
            return &s[i..];
        }
        used += char_width(c);
    }
    ""
}

/// Splits text into screen rows no wider than `width`: at newlines, and
/// where a line is too long. Each range includes its trailing newline.
pub fn wrap_rows(text: &str, width: u16) -> Vec<Range<usize>> {
    let width = usize::from(width.max(1));
    let mut rows = Vec::new();
    let mut start = 0;
    let mut used = 0;
    for (i, c) in text.char_indices() {
        if c == '\n' {
            rows.push(start..i + 1);
            start = i + 1;
            used = 0;
            continue;
        }
        let w = char_width(c);
        if used + w > width && i > start {
            rows.push(start..i);
            start = i;
            used = 0;
        }
        used += w;
    }
    rows.push(start..text.len());
    rows
}

/// (row, column) of a byte offset. An offset at a wrap point belongs to
/// the row it starts.
fn locate(text: &str, rows: &[Range<usize>], at: usize) -> (usize, usize) {
    let row = rows.iter().rposition(|r| r.start <= at).unwrap_or(0);
    let start = rows.get(row).map_or(0, |r| r.start);
    let col = text[start..at].chars().map(char_width).sum();
    (row, col)
}

/// The offset in `row` closest to (not past) column `col`.
fn offset_at_col(text: &str, row: Range<usize>, col: usize) -> usize {
    let mut used = 0;
    let line = &text[row.clone()];
    for (i, c) in line.char_indices() {
        let w = char_width(c);
        if c == '\n' || used + w > col || (w > 0 && used == col) {
            return row.start + i;
        }
        used += w;
    }
    row.end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_multibyte_text() {
        let mut t = TextInput::new("علی");
        t.left();
        t.insert('X');
        assert_eq!(t.text(), "علXی");
        t.home();
        t.delete_forward();
        assert_eq!(t.text(), "لXی");
        t.end();
        assert!(t.delete_back());
        assert_eq!(t.text(), "لX");
        let mut t = TextInput::new("北京");
        t.left();
        t.delete_back();
        assert_eq!(t.text(), "京");
    }

    #[test]
    fn marks_travel_with_their_letter() {
        let mut t = TextInput::new("ab\u{301}c");
        t.left();
        assert_eq!(t.cursor(), 4, "before c");
        t.left();
        assert_eq!(t.cursor(), 1, "before b, not between b and its accent");
        t.delete_forward();
        assert_eq!(t.text(), "ac");
        // Backspace takes one code point so a wrong mark can go alone.
        let mut t = TextInput::new("b\u{301}");
        t.delete_back();
        assert_eq!(t.text(), "b");
    }

    #[test]
    fn wraps_and_moves_between_rows() {
        let rows = wrap_rows("abcdef\ngh", 4);
        assert_eq!(rows, vec![0..4, 4..7, 7..9]);
        let mut t = TextInput::new("abcdef\ngh");
        assert!(t.up(4));
        assert_eq!(t.cursor(), 6, "end of 'ef'");
        assert!(t.up(4));
        assert_eq!(t.cursor(), 2);
        assert!(!t.up(4));
        assert!(t.down(4));
        t.end();
        assert_eq!(t.cursor(), 6);
    }

    #[test]
    fn long_line_scrolls_to_cursor() {
        let t = TextInput::new("0123456789");
        let area = Rect::new(0, 0, 5, 1);
        let mut buf = Buffer::empty(area);
        let pos = t.render_line(area, &mut buf, Style::default(), Some(Style::default()));
        assert_eq!(pos, Some(Position::new(4, 0)));
        assert_eq!(buf, Buffer::with_lines(["6789 "]));
    }

    proptest::proptest! {
        #[test]
        fn any_edits_keep_the_cursor_on_a_boundary(
            start in ".{0,12}",
            ops in proptest::collection::vec((0u8..9, proptest::char::any()), 0..40),
            width in 1u16..12,
        ) {
            let mut t = TextInput::new(start);
            for (op, c) in ops {
                match op {
                    0 => t.insert(c),
                    1 => { t.delete_back(); }
                    2 => { t.delete_forward(); }
                    3 => t.left(),
                    4 => t.right(),
                    5 => t.home(),
                    6 => t.end(),
                    7 => { t.up(width); }
                    _ => { t.down(width); }
                }
                proptest::prop_assert!(t.text().is_char_boundary(t.cursor()));
            }
            let area = Rect::new(0, 0, width, 3);
            let mut buf = Buffer::empty(area);
            t.render_wrapped(area, &mut buf, Style::default(), Some(Style::default()));
            t.render_line(Rect::new(0, 0, width, 1), &mut buf, Style::default(), Some(Style::default()));
        }
    }

    /// The whole allocation, text and spare capacity.
    fn whole_buffer(t: &TextInput) -> &[u8] {
        // SAFETY: only called once the spare capacity has been written
        // (zeroed by `clear` or `wipe_spare`), so every byte is initialised.
        unsafe { std::slice::from_raw_parts(t.text.as_ptr(), t.text.capacity()) }
    }

    #[test]
    fn clear_zeroes_the_whole_buffer() {
        let mut t = TextInput::new("");
        for c in "private note text".chars() {
            t.insert(c);
        }
        let (ptr, cap) = (t.text.as_ptr(), t.text.capacity());
        t.clear();
        assert_eq!((t.text(), t.cursor()), ("", 0));
        assert_eq!(t.text.as_ptr(), ptr, "the buffer is kept, zeroed");
        assert_eq!(t.text.capacity(), cap);
        assert!(whole_buffer(&t).iter().all(|b| *b == 0));
    }

    #[test]
    fn deleted_text_does_not_wait_in_the_spare_capacity() {
        let mut t = TextInput::new("");
        for c in "abcXYZ".chars() {
            t.insert(c);
        }
        t.left();
        t.left();
        t.left();
        assert!(t.delete_back());
        t.delete_forward();
        assert_eq!(t.text(), "abYZ");
        let buf = whole_buffer(&t);
        assert_eq!(&buf[..4], b"abYZ");
        assert!(buf[4..].iter().all(|b| *b == 0), "{buf:?}");
    }

    #[test]
    fn grows_into_a_new_buffer_not_by_string_reallocation() {
        // "ab" arrives with room for exactly two bytes. String's own growth
        // would reallocate to 8 and free the old buffer unwiped; ours copies
        // into a new buffer of at least MIN_CAPACITY.
        let mut t = TextInput::new(String::from("ab"));
        assert_eq!(t.text.capacity(), 2);
        t.insert('c');
        assert!(t.text.capacity() >= MIN_CAPACITY);
        assert_eq!(t.text(), "abc");
        // Full again: at least double, with the text and cursor intact.
        while t.text.len() < t.text.capacity() {
            t.insert('x');
        }
        let cap = t.text.capacity();
        t.home();
        t.insert('ق');
        assert!(t.text.capacity() >= 2 * cap);
        assert!(t.text().starts_with("قabcx"));
        assert_eq!(t.cursor(), 'ق'.len_utf8());
    }

    #[test]
    fn debug_never_shows_the_text() {
        let t = TextInput::new("secret words");
        assert!(!format!("{t:?}").contains("secret"));
    }

    #[test]
    fn escape_sequences_never_reach_the_buffer() {
        let t = TextInput::new("a\x1b[2Jb");
        let area = Rect::new(0, 0, 6, 1);
        let mut buf = Buffer::empty(area);
        t.render_line(area, &mut buf, Style::default(), None);
        assert_eq!(buf, Buffer::with_lines(["a�b   "]));
    }
}
