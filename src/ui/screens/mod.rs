//! One module per screen. `open` builds a screen for the shell; each
//! screen module adds its arm here.

use crate::ui::screen::{Screen, ScreenId};

/// Build the screen `id`, or `None` while it does not exist yet (the shell
/// shows a "coming later" page for those).
pub fn open(id: ScreenId) -> Option<Box<dyn Screen>> {
    match id {
        _ => None,
    }
}

/// Build the file screen for one person (opened from the register, search
/// or the home page), or `None` while it does not exist yet.
pub fn open_person(_person_id: i64) -> Option<Box<dyn Screen>> {
    None
}
