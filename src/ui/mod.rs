//! The full-screen terminal UI.
//!
//! This part is the toolkit every screen uses: the key → [`action::Action`]
//! mapping ([`keymap`]), colours ([`theme`]) and widgets (forms, tables,
//! palette, help, dialogs, the panic page). Widgets hold state and draw it;
//! they never touch the office file.
//!
//! On top of it: [`app::App`] (state and the one update path), the event
//! loop ([`run`]), the terminal guard ([`terminal`]) and the screens.

pub mod action;
pub mod app;
pub mod dates;
pub mod key_chord;
pub mod keymap;
pub mod layout;
pub mod screen;
pub mod screens;
pub mod terminal;
#[cfg(test)]
pub(crate) mod testing;
pub mod theme;
pub mod widgets;
pub mod words;

pub use action::Action;
pub use app::App;
pub use keymap::{Context, Input, Keymap};
pub use theme::Theme;

mod run;
pub use run::run;
