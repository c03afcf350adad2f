//! Counselling sessions and their confidential notes: plain types and
//! rules, no I/O. The sealing lives in `store::counselling`.
//!
//! A session (who, when, what kind, how long, with whom) is visible to every
//! account: it counts in reports. Its note is sealed to the office's
//! counselling recipient and only a psychologist can open it.

use chrono::NaiveDate;
use zeroize::Zeroizing;

use super::CounsellingKind;
use crate::{Error, Result};

/// Decrypted note text: wiped from memory when dropped.
pub type NoteText = Zeroizing<String>;

/// Longest session we accept (a full day's workshop).
pub const MAX_MINUTES: u32 = 8 * 60;
/// Longest note, in characters (about 30 typed pages).
pub const MAX_NOTE_CHARS: usize = 100_000;
/// Most participants in one group session.
pub const MAX_PARTICIPANTS: usize = 60;

/// What the "new session" form collects, apart from the note.
/// A counselling session's record id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SessionId(pub i64);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSession {
    /// The person whose file the session belongs to.
    pub person_id: i64,
    pub kind: CounsellingKind,
    pub on_date: NaiveDate,
    pub minutes: u32,
    /// Other persons present (group sessions only).
    pub participants: Vec<i64>,
}

impl NewSession {
    /// Check the form; `today` bounds the date. Errors name the field, never
    /// a value.
    pub fn validate(&self, today: NaiveDate) -> Result<()> {
        if self.on_date > today {
            return Err(Error::invalid("the session date cannot be in the future"));
        }
        if self.minutes == 0 || self.minutes > MAX_MINUTES {
            return Err(Error::invalid(format!(
                "the duration must be 1 to {MAX_MINUTES} minutes"
            )));
        }
        match self.kind {
            CounsellingKind::Group => {
                if self.participants.is_empty() {
                    return Err(Error::invalid(
                        "a group session needs at least one other participant",
                    ));
                }
                if self.participants.len() > MAX_PARTICIPANTS {
                    return Err(Error::invalid(format!(
                        "a group session has at most {MAX_PARTICIPANTS} participants"
                    )));
                }
                if self.participants.contains(&self.person_id) {
                    return Err(Error::invalid(
                        "the person whose file this is is already in the session",
                    ));
                }
                let mut seen = self.participants.clone();
                seen.sort_unstable();
                seen.dedup();
                if seen.len() != self.participants.len() {
                    return Err(Error::invalid("a participant is listed twice"));
                }
            }
            CounsellingKind::Assessment | CounsellingKind::Individual => {
                if !self.participants.is_empty() {
                    return Err(Error::invalid(
                        "only a group session has other participants",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// Check a note before it is sealed.
pub fn validate_note(text: &str) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::invalid("the note is empty"));
    }
    if text.chars().count() > MAX_NOTE_CHARS {
        return Err(Error::invalid(format!(
            "the note is longer than {MAX_NOTE_CHARS} characters"
        )));
    }
    Ok(())
}

/// The optional starting text for a new note of this kind (from
/// `assets/note_templates/`).
pub fn template(kind: CounsellingKind) -> &'static str {
    match kind {
        CounsellingKind::Assessment => include_str!("../../assets/note_templates/assessment.md"),
        CounsellingKind::Individual => include_str!("../../assets/note_templates/individual.md"),
        CounsellingKind::Group => include_str!("../../assets/note_templates/group.md"),
    }
}

/// What a sealed note is bound to. The same values are written inside the
/// sealed text and checked when it is opened, so a sealed note copied to
/// another person's file, another session or another version is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoteBinding {
    pub person_id: i64,
    pub session_id: i64,
    pub version: i64,
}

const HEADER: &str = "casedesk-note 1";

impl NoteBinding {
    /// The plaintext that gets sealed: a short header naming what the note
    /// belongs to, a blank line, then the text.
    pub fn wrap(&self, text: &str) -> Zeroizing<String> {
        let mut s = Zeroizing::new(String::with_capacity(text.len() + 64));
        s.push_str(HEADER);
        s.push_str(&format!(
            "\nperson {}\nsession {}\nversion {}\n\n",
            self.person_id, self.session_id, self.version
        ));
        s.push_str(text);
        s
    }

    /// Check an opened plaintext against this binding and return the text.
    pub fn unwrap(&self, plain: &str) -> Result<NoteText> {
        let moved = || {
            Error::damaged(
                "this sealed note does not belong to this session; it may have been moved from another file",
            )
        };
        let (head, text) = plain.split_once("\n\n").ok_or_else(moved)?;
        let mut lines = head.lines();
        if lines.next() != Some(HEADER) {
            return Err(moved());
        }
        let mut field = |name: &str| -> Result<i64> {
            lines
                .next()
                .and_then(|l| l.strip_prefix(name))
                .and_then(|v| v.strip_prefix(' '))
                .and_then(|v| v.parse().ok())
                .ok_or_else(moved)
        };
        let found = NoteBinding {
            person_id: field("person")?,
            session_id: field("session")?,
            version: field("version")?,
        };
        if found != *self || lines.next().is_some() {
            return Err(moved());
        }
        Ok(Zeroizing::new(text.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn binding_round_trip_and_mismatch() {
        let b = NoteBinding {
            person_id: 4,
            session_id: 9,
            version: 1,
        };
        let wrapped = b.wrap("line one\n\nline three");
        assert_eq!(
            b.unwrap(&wrapped).unwrap().as_str(),
            "line one\n\nline three"
        );
        let other = NoteBinding { person_id: 5, ..b };
        assert!(other.unwrap(&wrapped).is_err());
        assert!(b.unwrap("plain text").is_err());
    }

    #[test]
    fn validation() {
        let ok = NewSession {
            person_id: 1,
            kind: CounsellingKind::Individual,
            on_date: day("2026-01-10"),
            minutes: 45,
            participants: vec![],
        };
        assert!(ok.validate(day("2026-01-10")).is_ok());
        assert!(ok.validate(day("2026-01-09")).is_err());
        let group = NewSession {
            kind: CounsellingKind::Group,
            ..ok.clone()
        };
        assert!(group.validate(day("2026-02-01")).is_err());
        let group = NewSession {
            participants: vec![2, 3],
            ..group
        };
        assert!(group.validate(day("2026-02-01")).is_ok());
        let dup = NewSession {
            participants: vec![2, 2],
            ..group.clone()
        };
        assert!(dup.validate(day("2026-02-01")).is_err());
        assert!(validate_note("  \n").is_err());
        assert!(!template(CounsellingKind::Assessment).is_empty());
    }
}
