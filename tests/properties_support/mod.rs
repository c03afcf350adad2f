//! Shared pieces of the `properties_*` tests: the case count and hostile
//! text generators.
#![allow(dead_code)]

use proptest::prelude::*;
use proptest::test_runner::Config;

/// `default` cases (small, so `cargo test` stays quick on two cores),
/// unless `PROPTEST_CASES` asks for more: e.g.
/// `PROPTEST_CASES=100000 cargo test --release --test properties_import`.
/// Failures are kept as named regression tests beside the properties,
/// not in proptest's regression files.
pub fn config(default: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default),
        failure_persistence: None,
        ..Config::default()
    }
}

/// Characters that have broken terminals and parsers: C0 and C1 controls,
/// ESC, bidi controls and marks, zero-width and wide characters, combining
/// marks, Urdu, separators, BOM, surrogate neighbours, the replacement
/// character itself.
pub fn hostile_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        3 => prop::char::range('\u{0}', '\u{1f}'),
        2 => prop::char::range('\u{7f}', '\u{9f}'),
        2 => Just('\u{1b}'),
        2 => prop::sample::select(vec![
            '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{061c}', '\u{200b}', '\u{200c}',
            '\u{200d}', '\u{feff}', '\u{2028}', '\u{2029}', '\u{fffd}', '\u{ffff}', '\u{d7ff}',
            '\u{e000}', '\u{10ffff}', '\t', '\n', '\r',
        ]),
        3 => prop::sample::select(vec![
            'ع', 'ل', 'ی', 'م', 'ح', 'د', 'ے', 'ۃ', 'ں', '۱', '٢', '\u{64b}', '\u{670}',
            '\u{301}', '\u{302}', '\u{20dd}', '界', '한', '😀', '🇵', 'ｗ', '\u{3000}',
        ]),
        4 => prop::char::range(' ', '~'),
    ]
}

/// Text of up to `max` hostile characters.
pub fn hostile_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(hostile_char(), 0..=max).prop_map(|v| v.into_iter().collect())
}

/// Known escape sequences with random text around them.
pub fn escapes() -> impl Strategy<Value = String> {
    (
        hostile_text(6),
        prop::sample::select(vec![
            "\u{1b}[31m",
            "\u{1b}]0;title\u{7}",
            "\u{1b}]52;c;aGk=\u{1b}\\",
            "\u{9b}2J",
            "\u{1b}P1$r\u{1b}\\",
            "\u{1b}[?1049h",
            "\u{1b}c",
            "\u{1b}",
            "\u{1b}[",
            "\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\",
        ]),
        hostile_text(6),
    )
        .prop_map(|(a, e, b)| format!("{a}{e}{b}"))
}

/// Text as an attacker or a broken spreadsheet would store it.
pub fn stored_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![3 => hostile_text(max), 1 => escapes(), 1 => "\\PC{0,40}"]
}

/// C0, DEL and C1 controls (ESC among them): what must never reach a
/// terminal cell.
pub fn is_terminal_control(c: char) -> bool {
    c.is_control()
}
