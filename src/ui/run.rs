//! Entry point of the full-screen desk.

use crate::vault::OfficePaths;
use crate::{Error, Result};

/// Open the full-screen desk on an office file.
pub fn run(_paths: OfficePaths, _user: Option<String>) -> Result<()> {
    Err(Error::invalid(
        "the full-screen desk is not built yet; use the commands (casedesk --help)",
    ))
}
