//! Making stored text safe to put on a terminal, and measuring it in columns.
//!
//! Anything that came from the office file, a user's typing or an import may
//! hold bytes that a terminal would obey instead of show: an escape sequence
//! can recolour the screen, move the cursor, set the window title or (on some
//! terminals) write to the clipboard; a bidi override can make "ali" look like
//! "ila" and hide what a record says. Every widget runs text through
//! [`sanitize`] before it reaches a buffer.
//!
//! Decisions:
//! - C0 controls, DEL and C1 controls become U+FFFD (�), so tampering shows
//!   instead of vanishing. A tab becomes one space (a pasted tab is innocent).
//! - A whole escape sequence (ESC or C1 CSI/OSC/DCS…) becomes a single �,
//!   not "�[31m": the parameters are noise to the reader.
//! - Bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069)
//!   are removed: they exist to reorder what the reader sees, which is the
//!   attack, and text pasted from a word processor sometimes carries them.
//! - LRM, RLM and ALM (U+200E, U+200F, U+061C) are removed too. They cannot
//!   reorder beyond their neighbours, but terminals have no shared bidi
//!   algorithm to use them for, and as invisible zero-width characters some
//!   consoles draw them as a box or a space, which breaks column alignment.
//!   Urdu text reads the same without them in a terminal.
//! - ZWNJ/ZWJ (U+200C/U+200D) are kept: Urdu spelling uses ZWNJ.
//! - BOM (U+FEFF) is removed; line/paragraph separators (U+2028/U+2029)
//!   become �, as a newline would (callers split multi-line text first with
//!   [`sanitize_lines`]).

use std::borrow::Cow;

use unicode_width::UnicodeWidthChar;

/// What a dropped control or escape sequence is shown as.
pub const REPLACEMENT: char = '\u{FFFD}';
/// Marks text cut short by [`truncate`] and [`fit`].
pub const ELLIPSIS: char = '…';

const ESC: char = '\u{1b}';
const BEL: char = '\u{07}';
const C1_CSI: char = '\u{9b}';
const C1_ST: char = '\u{9c}';
const C1_OSC: char = '\u{9d}';
const C1_DCS: char = '\u{90}';
const C1_SOS: char = '\u{98}';
const C1_PM: char = '\u{9e}';
const C1_APC: char = '\u{9f}';

/// Characters removed without a trace (see the module notes).
fn is_dropped(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{FEFF}'
    )
}

fn needs_work(c: char) -> bool {
    c.is_control() || is_dropped(c) || c == '\u{2028}' || c == '\u{2029}'
}

/// Returns `s` with every control character, escape sequence and bidi
/// control replaced or removed, borrowing when nothing needed to change.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_work) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if !needs_work(c) {
            out.push(c);
            continue;
        }
        if is_dropped(c) {
            continue;
        }
        match c {
            '\t' => out.push(' '),
            ESC => {
                match chars.peek().copied() {
                    Some('[') => {
                        chars.next();
                        skip_csi(&mut chars);
                    }
                    Some(']' | 'P' | 'X' | '^' | '_') => {
                        chars.next();
                        skip_string(&mut chars);
                    }
                    // Two-character sequences (ESC c, ESC 7, ESC ( B…): eat the
                    // final byte so it cannot combine with what follows.
                    Some(n) if (' '..='~').contains(&n) => {
                        chars.next();
                        // ESC ( B and friends carry one more byte.
                        if (' '..='/').contains(&n) {
                            chars.next_if(|c| (' '..='~').contains(c));
                        }
                    }
                    _ => {}
                }
                out.push(REPLACEMENT);
            }
            C1_CSI => {
                skip_csi(&mut chars);
                out.push(REPLACEMENT);
            }
            C1_OSC | C1_DCS | C1_SOS | C1_PM | C1_APC => {
                skip_string(&mut chars);
                out.push(REPLACEMENT);
            }
            _ => out.push(REPLACEMENT),
        }
    }
    Cow::Owned(out)
}

/// CSI: parameter and intermediate bytes, then one final byte.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(&c) = chars.peek() {
        if ('\u{30}'..='\u{3f}').contains(&c) || ('\u{20}'..='\u{2f}').contains(&c) {
            chars.next();
        } else {
            if ('\u{40}'..='\u{7e}').contains(&c) {
                chars.next();
            }
            return;
        }
    }
}

/// OSC/DCS/SOS/PM/APC: everything up to BEL, ST (ESC \) or C1 ST. An
/// unterminated string swallows the rest of the text, as a terminal would.
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            BEL | C1_ST => return,
            ESC => {
                chars.next_if_eq(&'\\');
                return;
            }
            _ => {}
        }
    }
}

/// `s` with each control character written as its Rust escape (`\t`,
/// `\u{1b}`) and everything else as it is: for messages that quote a
/// settings file, so the person sees what to fix.
pub fn escape_controls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// A path as it may be echoed on a terminal: run through [`sanitize`] like
/// stored text, since a file or folder name can hold escape sequences too.
pub fn path(p: &std::path::Path) -> String {
    sanitize(&p.display().to_string()).into_owned()
}

/// Splits multi-line text (a note) into sanitized lines. `\r\n`, `\n` and
/// `\r` all end a line.
pub fn sanitize_lines(s: &str) -> Vec<Cow<'_, str>> {
    s.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .flat_map(|line| line.split('\r'))
        .map(sanitize)
        .collect()
}

/// Columns a character takes; controls count as the one-column
/// replacement they will be shown as.
pub fn char_width(c: char) -> usize {
    if c.is_control() {
        1
    } else {
        c.width().unwrap_or(0)
    }
}

/// Columns `s` takes on screen once sanitized.
pub fn width(s: &str) -> usize {
    sanitize(s).chars().map(char_width).sum()
}

/// Sanitizes `s` and cuts it to at most `max` columns, ending in `…` when
/// something was cut. Never splits a wide character or separates a base
/// letter from its combining marks.
pub fn truncate(s: &str, max: usize) -> Cow<'_, str> {
    let clean = sanitize(s);
    let total: usize = clean.chars().map(char_width).sum();
    if total <= max {
        return clean;
    }
    if max == 0 {
        return Cow::Borrowed("");
    }
    let budget = max - 1; // room for the ellipsis
    let mut used = 0;
    let mut end = 0;
    for (i, c) in clean.char_indices() {
        let w = char_width(c);
        if used + w > budget {
            break;
        }
        used += w;
        end = i + c.len_utf8();
    }
    // Combining marks after the last kept letter belong to it.
    let rest = &clean[end..];
    let marks: usize = rest
        .char_indices()
        .take_while(|&(_, c)| char_width(c) == 0)
        .map(|(_, c)| c.len_utf8())
        .sum();
    let mut out = String::with_capacity(end + marks + ELLIPSIS.len_utf8());
    out.push_str(&clean[..end + marks]);
    out.push(ELLIPSIS);
    Cow::Owned(out)
}

/// How many characters of a cell a message shows ([`brief`]).
pub const BRIEF_CHARS: usize = 80;

/// A cell as a message echoes it: whole when it is short, else its first
/// [`BRIEF_CHARS`] characters and its length (`Ali Raza…
/// (5,242,880 characters)`), so a 5 MB cell never fills a terminal, a
/// rejects file's reason or the desk. Not sanitized: messages escape or
/// sanitize what they show.
pub fn brief(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(BRIEF_CHARS) {
        None => Cow::Borrowed(s),
        Some((end, _)) => Cow::Owned(format!(
            "{}{ELLIPSIS} ({} characters)",
            &s[..end],
            grouped(s.chars().count())
        )),
    }
}

/// `5,242,880`.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

/// How [`fit`] places text shorter than the column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Right,
    Center,
}

/// Sanitizes, truncates and pads `s` to exactly `cols` columns, so table
/// columns line up whatever script the text is in.
pub fn fit(s: &str, cols: usize, align: Align) -> String {
    let cut = truncate(s, cols);
    let w: usize = cut.chars().map(char_width).sum();
    let pad = cols.saturating_sub(w);
    let (left, right) = match align {
        Align::Left => (0, pad),
        Align::Right => (pad, 0),
        Align::Center => (pad / 2, pad - pad / 2),
    };
    let mut out = String::with_capacity(cut.len() + pad);
    out.extend(std::iter::repeat_n(' ', left));
    out.push_str(&cut);
    out.extend(std::iter::repeat_n(' ', right));
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn brief_cuts_long_cells_and_gives_their_length() {
        assert_eq!(brief("Ali Raza"), "Ali Raza");
        let exact = "a".repeat(80);
        assert_eq!(brief(&exact), exact);
        let long = "ب".repeat(5_242_880);
        let b = brief(&long);
        assert_eq!(b, format!("{}… (5,242,880 characters)", "ب".repeat(80)));
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(sanitize("Ali Khan"), Cow::Borrowed(_)));
        assert!(matches!(sanitize("علی خان"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_sequences_collapse_to_one_mark() {
        assert_eq!(sanitize("a\x1b[31mred\x1b[0m"), "a�red�");
        assert_eq!(sanitize("x\x1b]0;owned\x07y"), "x�y");
        assert_eq!(sanitize("x\x1b]52;c;aGk=\x1b\\y"), "x�y");
        assert_eq!(sanitize("x\u{9b}2Jy"), "x�y");
        assert_eq!(sanitize("x\x1b(By"), "x�y");
        assert_eq!(sanitize("x\x1bcy"), "x�y");
        assert_eq!(sanitize("end\x1b"), "end�");
    }

    #[test]
    fn controls_are_visible_tabs_are_spaces() {
        assert_eq!(sanitize("a\tb"), "a b");
        assert_eq!(sanitize("a\nb\rc\x00d\x7fe\u{85}f"), "a�b�c�d�e�f");
    }

    #[test]
    fn bidi_controls_are_removed_zwnj_kept() {
        assert_eq!(sanitize("a\u{202E}cba\u{202C}"), "acba");
        assert_eq!(sanitize("\u{2067}x\u{2069}\u{200F}\u{FEFF}"), "x");
        assert_eq!(sanitize("نئی\u{200C}دہلی"), "نئی\u{200C}دہلی");
    }

    #[test]
    fn lines_split_on_any_newline() {
        let lines = sanitize_lines("one\r\ntwo\nthree\rfour\x1b[2J");
        assert_eq!(lines, vec!["one", "two", "three", "four�"]);
    }

    #[test]
    fn width_and_fit_handle_wide_and_rtl() {
        assert_eq!(width("北京"), 4);
        assert_eq!(width("علی"), 3);
        assert_eq!(fit("北京市", 5, Align::Left), "北京…");
        assert_eq!(fit("北京", 5, Align::Right), " 北京");
        assert_eq!(fit("abc", 2, Align::Left), "a…");
        assert_eq!(fit("abc", 0, Align::Left), "");
        // A combining mark stays with its letter when cut.
        assert_eq!(truncate("e\u{301}xyz", 2), "e\u{301}…");
    }

    proptest! {
        #[test]
        fn sanitized_text_has_no_controls(s in any::<String>()) {
            let out = sanitize(&s);
            prop_assert!(!out.chars().any(needs_work));
        }

        #[test]
        fn fit_is_exact_width(s in any::<String>(), cols in 0usize..40) {
            let out = fit(&s, cols, Align::Left);
            prop_assert_eq!(width(&out), cols);
            prop_assert!(!out.chars().any(needs_work));
        }

        #[test]
        fn sanitize_is_idempotent(s in any::<String>()) {
            let once = sanitize(&s).into_owned();
            prop_assert_eq!(sanitize(&once), once.as_str());
        }
    }
}
