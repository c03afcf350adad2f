//! Matching a cell against a closed list of words (a programme, a risk
//! level, a service, an activity kind) by its code or its label, the way
//! people type them: any case, with or without spaces and punctuation.

use super::columns::normalise;

/// Match a closed vocabulary by code or label, ignoring case, spaces and
/// punctuation ("Women's Desk", "womens desk", "wd").
pub(crate) fn vocab<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    text: &str,
) -> Option<T> {
    let t = normalise(text);
    all.iter()
        .copied()
        .find(|v| normalise(code(*v)) == t || normalise(label(*v)) == t)
}

pub(crate) fn parse_vocab<T: Copy>(
    all: &[T],
    code: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
    what: &str,
    text: &str,
) -> Result<T, String> {
    vocab(all, code, label, text).ok_or_else(|| {
        format!(
            "{what}: '{}' is not known; use one of: {}",
            crate::safe_text::brief(text.trim()).escape_debug(),
            all.iter().map(|v| code(*v)).collect::<Vec<_>>().join(", ")
        )
    })
}
