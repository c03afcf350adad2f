//! What a key means, independent of which key it was.
//!
//! Screens and widgets only ever see an [`Action`] (or typed text), never a
//! raw key, so the keymap file can rebind anything without code changes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A user intention. Names (as written in `keymap.toml`) are snake_case;
/// number keys are `screen_1` … `screen_9`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    Left,
    Right,
    NextField,
    PrevField,
    DeleteBack,
    DeleteForward,
    /// Enter: open the selected row, accept a dialog, next field in a form.
    Confirm,
    /// Esc: close, cancel, go back.
    Back,
    /// Space in lists and choice fields: tick or untick.
    Toggle,
    Search,
    Help,
    Palette,
    Quit,
    PanicBlank,
    Lock,
    Save,
    New,
    Edit,
    Sort,
    SortReverse,
    Refresh,
    Yes,
    No,
    /// Attendance sheet: mark the row and move to the next.
    MarkPresent,
    MarkAbsent,
    MarkLate,
    MarkExcused,
    /// Attendance sheet: every row not marked yet is present.
    MarkRestPresent,
    /// Attendance sheet: type the date of the session to open.
    OtherDate,
    /// Jump to a numbered screen (1–9) from the menu.
    Screen(u8),
}

const NAMED: &[(Action, &str, &str)] = &[
    (
        Action::MarkPresent,
        "mark_present",
        "Present, then the next child",
    ),
    (
        Action::MarkAbsent,
        "mark_absent",
        "Absent, then the next child",
    ),
    (Action::MarkLate, "mark_late", "Late, then the next child"),
    (
        Action::MarkExcused,
        "mark_excused",
        "Excused, then the next child",
    ),
    (
        Action::MarkRestPresent,
        "mark_rest_present",
        "Everyone not marked yet is present",
    ),
    (Action::OtherDate, "other_date", "Open another date"),
    (Action::Up, "up", "Move up"),
    (Action::Down, "down", "Move down"),
    (Action::PageUp, "page_up", "Page up"),
    (Action::PageDown, "page_down", "Page down"),
    (Action::Home, "home", "Go to the first line / start"),
    (Action::End, "end", "Go to the last line / end"),
    (Action::Left, "left", "Move left"),
    (Action::Right, "right", "Move right"),
    (Action::NextField, "next_field", "Next field"),
    (Action::PrevField, "prev_field", "Previous field"),
    (
        Action::DeleteBack,
        "delete_back",
        "Delete the character before the cursor",
    ),
    (
        Action::DeleteForward,
        "delete_forward",
        "Delete the character under the cursor",
    ),
    (Action::Confirm, "confirm", "Open / accept / next field"),
    (Action::Back, "back", "Go back / cancel"),
    (Action::Toggle, "toggle", "Tick or untick"),
    (Action::Search, "search", "Search this list"),
    (Action::Help, "help", "Show this help"),
    (Action::Palette, "palette", "Go to… (command palette)"),
    (Action::Quit, "quit", "Quit casedesk"),
    (
        Action::PanicBlank,
        "panic_blank",
        "Blank the screen at once",
    ),
    (Action::Lock, "lock", "Lock now"),
    (Action::Save, "save", "Save"),
    (Action::New, "new", "Add new"),
    (Action::Edit, "edit", "Edit the selected record"),
    (Action::Sort, "sort", "Sort by the next column"),
    (
        Action::SortReverse,
        "sort_reverse",
        "Reverse the sort order",
    ),
    (Action::Refresh, "refresh", "Reload from the office file"),
    (Action::Yes, "yes", "Yes"),
    (Action::No, "no", "No"),
];

impl Action {
    /// The name used in `keymap.toml`.
    pub fn name(self) -> String {
        match self {
            Action::Screen(n) => format!("screen_{n}"),
            other => NAMED
                .iter()
                .find(|(a, _, _)| *a == other)
                .map(|(_, n, _)| (*n).to_string())
                .unwrap_or_default(),
        }
    }

    /// Plain words for the help overlay.
    pub fn description(self) -> String {
        match self {
            Action::Screen(n) => format!("Go to screen {n}"),
            other => NAMED
                .iter()
                .find(|(a, _, _)| *a == other)
                .map(|(_, _, d)| (*d).to_string())
                .unwrap_or_default(),
        }
    }

    /// Every action name, for error messages that suggest what is possible.
    pub fn all_names() -> Vec<String> {
        let mut names: Vec<String> = NAMED.iter().map(|(_, n, _)| (*n).to_string()).collect();
        names.push("screen_1 … screen_9".into());
        names
    }

    /// Order for help listings: the declaration order above, screens last.
    pub(crate) fn rank(self) -> usize {
        match self {
            Action::Screen(n) => NAMED.len() + n as usize,
            other => NAMED.iter().position(|(a, _, _)| *a == other).unwrap_or(0),
        }
    }
}

/// An action name in a keymap file that is not one we know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("\"{0}\" is not an action casedesk knows")]
pub struct UnknownAction(pub String);

impl FromStr for Action {
    type Err = UnknownAction;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let norm = s.trim().to_ascii_lowercase().replace('-', "_");
        if let Some(n) = norm.strip_prefix("screen_") {
            return match n.parse::<u8>() {
                Ok(n @ 1..=9) => Ok(Action::Screen(n)),
                _ => Err(UnknownAction(s.to_string())),
            };
        }
        NAMED
            .iter()
            .find(|(_, n, _)| *n == norm)
            .map(|(a, _, _)| *a)
            .ok_or_else(|| UnknownAction(s.to_string()))
    }
}

impl TryFrom<String> for Action {
    type Error = UnknownAction;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Action> for String {
    fn from(a: Action) -> String {
        a.name()
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (a, name, _) in NAMED {
            assert_eq!(name.parse::<Action>().ok(), Some(*a));
            assert_eq!(a.name(), *name);
        }
        assert_eq!("screen_3".parse::<Action>().ok(), Some(Action::Screen(3)));
        assert_eq!("Page-Up".parse::<Action>().ok(), Some(Action::PageUp));
        assert!("screen_0".parse::<Action>().is_err());
        assert!("fly".parse::<Action>().is_err());
    }

    #[test]
    fn serde_uses_names() {
        #[derive(Deserialize)]
        struct W {
            a: Action,
        }
        let w: W = toml::from_str("a = \"panic_blank\"").expect("parses");
        assert_eq!(w.a, Action::PanicBlank);
        assert!(toml::from_str::<W>("a = \"nope\"").is_err());
    }
}
