//! casedesk: an office's case work in one encrypted file.
//!
//! The library holds everything; `main.rs` is a thin command-line entry.
//! Data flows one way: key event → `Action` → the screen's update → an
//! `office` call → new state → draw. The desk (`ui`) and the command line
//! (`cli`) reach the office file only through `office`; widgets never touch
//! it; the store never knows about the UI.

// Leaves: plain types, rules and small helpers; no layer below them.
pub mod clock;
pub mod config;
pub mod csv_out;
pub mod domain;
pub mod error;
pub mod keys;
pub mod logging;
pub mod paths;
pub mod safe_text;
pub mod secrets;
// Reading spreadsheets to import: uses only the leaves; `office` and `cli`
// use it.
pub mod import;
// The layers, lowest first; each uses only those above it in this list
// (tests/layers.rs checks).
pub mod backup;
pub mod cli;
pub mod demo;
pub mod office;
pub mod store;
pub mod ui;
pub mod vault;

pub use error::{Error, Result};
