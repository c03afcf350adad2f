//! Failed logins, noted beside the office file.
//!
//! A failed login has no key to the office file, so it cannot write there.
//! It appends one line (time, and the account name only if that account
//! exists; otherwise `?`, since people type passwords into the name field)
//! to `<office>.failed-logins`. The office layer moves those lines into the
//! audit trail at the next successful login (`office::audit`). Anyone with
//! access to the folder can delete or add lines before then: those entries
//! are reports, not proof.

use std::io::Write;
use std::path::PathBuf;

use crate::paths::OfficePaths;
use crate::{Error, Result};

/// The file failed logins are noted in until the next successful login.
pub fn path(paths: &OfficePaths) -> PathBuf {
    paths.sibling(".failed-logins")
}

/// Note a failed login (best effort: a failure to write it must not change
/// what the person at the keyboard sees).
pub fn note(paths: &OfficePaths, name: &str) {
    let known = super::read_key_file(paths)
        .map(|f| f.slot(name).is_some())
        .unwrap_or(false);
    let who = if known && crate::domain::check_user_name(name).is_ok() {
        name
    } else {
        "?"
    };
    append(paths, &format!("{} {who}\n", crate::clock::now()));
}

/// Note that a login was refused because the key file did not match the
/// office file (`code`: which key; see `pins::PinProblem::code`). It enters
/// the audit trail at the next good login, like a failed login.
pub fn note_alert(paths: &OfficePaths, code: &str) {
    let code: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    append(paths, &format!("{} ! {code}\n", crate::clock::now()));
}

fn append(paths: &OfficePaths, line: &str) {
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let result = opts
        .open(path(paths))
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = result {
        tracing::warn!(error = %e, "could not note a failed login");
    }
}

/// One noted line: a failed login (when, and the account name or `?`) or
/// an alert (a key file refused; `who` is `!` and `alert` says which key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub at: String,
    pub who: String,
    pub alert: Option<String>,
}

/// The noted attempts, and how many lines could not be read. `None` when
/// there is no file.
pub fn read(paths: &OfficePaths) -> Result<Option<(Vec<Attempt>, usize)>> {
    let text = match std::fs::read_to_string(path(paths)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("cannot read the failed-login file", e)),
    };
    let mut attempts = Vec::new();
    let mut unreadable = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let parsed = line.split_once(' ').and_then(|(at, rest)| {
            chrono::DateTime::parse_from_rfc3339(at).ok()?;
            match rest.split_once(' ') {
                Some(("!", code))
                    if !code.is_empty()
                        && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
                {
                    Some(Attempt {
                        at: at.to_string(),
                        who: "!".into(),
                        alert: Some(code.to_string()),
                    })
                }
                None if rest == "?" || crate::domain::check_user_name(rest).is_ok() => {
                    Some(Attempt {
                        at: at.to_string(),
                        who: rest.to_string(),
                        alert: None,
                    })
                }
                _ => None,
            }
        });
        match parsed {
            Some(a) => attempts.push(a),
            None => unreadable += 1,
        }
    }
    Ok(Some((attempts, unreadable)))
}

/// Remove the file once its lines are in the trail.
pub fn remove(paths: &OfficePaths) -> Result<()> {
    match std::fs::remove_file(path(paths)) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("cannot remove the failed-login file", e)),
    }
}
