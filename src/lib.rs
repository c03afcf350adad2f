//! casedesk: an office's case work in one encrypted file.
//!
//! The library holds everything; `main.rs` is a thin command-line entry.
//! Data flows one way: key event → `Action` → `App::update` → store call →
//! new state → draw. Widgets never touch the database; the store never knows
//! about the UI.

pub mod audit;
pub mod backup;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod logging;
pub mod safe_text;
pub mod secrets;
pub mod store;
pub mod ui;
pub mod vault;

pub use error::{Error, Result};
