//! Reusable widgets. Each keeps its own state, turns [`Action`]s and typed
//! characters into changes of that state, and draws it with
//! `impl Widget for &T`. Text from outside goes through
//! [`crate::safe_text`] before it is drawn.
//!
//! [`Action`]: crate::ui::Action

pub mod blank;
pub mod dialog;
pub mod form;
pub mod help;
pub mod palette;
pub mod table;
pub mod text_input;
