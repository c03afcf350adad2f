//! How the desk words things for people: one place, so every screen says
//! an error the same way.

use crate::Error;

/// First letter in upper case.
pub fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// An error as a sentence for the screen: capitalised, with a full stop.
/// Errors name fields and record ids, never what was typed, so this is
/// safe to show.
pub fn sentence(e: &Error) -> String {
    let s = capitalise(&e.to_string());
    if s.ends_with('.') { s } else { format!("{s}.") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(
            sentence(&Error::invalid("the name is missing")),
            "The name is missing."
        );
        assert_eq!(sentence(&Error::invalid("Done.")), "Done.");
        assert_eq!(capitalise(""), "");
    }
}
