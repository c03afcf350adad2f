//! Reading secrets (passwords, passphrases) the way CLI.md prescribes.
//!
//! On a terminal we prompt without echo. Otherwise standard input gives one
//! secret per line, in the order the command asks for them. Secrets live in
//! `SecretString` so they are zeroized when dropped.

use std::io::{BufRead, IsTerminal};

use age::secrecy::{ExposeSecret, SecretString};

use crate::{Error, Result};

/// Where secrets come from for one command run.
pub struct SecretReader {
    tty: bool,
}

impl Default for SecretReader {
    fn default() -> Self {
        Self::new()
    }
}

impl SecretReader {
    pub fn new() -> Self {
        Self {
            tty: std::io::stdin().is_terminal(),
        }
    }

    /// Read one secret. `prompt` is shown only on a terminal.
    pub fn read(&mut self, prompt: &str) -> Result<SecretString> {
        let line = if self.tty {
            rpassword::prompt_password(format!("{prompt}: "))
                .map_err(|e| Error::io("could not read the password", e))?
        } else {
            let mut line = String::new();
            let n = std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|e| Error::io("could not read the password from standard input", e))?;
            if n == 0 {
                return Err(Error::invalid(format!(
                    "standard input ended before the {} was given",
                    prompt.to_lowercase()
                )));
            }
            let trimmed = line.trim_end_matches(['\n', '\r']).to_string();
            zeroize::Zeroize::zeroize(&mut line);
            trimmed
        };
        Ok(SecretString::from(line))
    }

    /// Read a new secret; on a terminal ask twice so a typo is caught.
    pub fn read_new(&mut self, prompt: &str) -> Result<SecretString> {
        let first = self.read(prompt)?;
        if self.tty {
            let again = self.read(&format!("{prompt} (again)"))?;
            if first.expose_secret() != again.expose_secret() {
                return Err(Error::invalid("the two passwords are not the same"));
            }
        }
        Ok(first)
    }
}

/// Rules for a new password. Kept modest: the office's staff type these on
/// an old keyboard every day; the scrypt work factor does the heavy lifting.
pub fn check_new_password(p: &SecretString) -> Result<()> {
    let p = p.expose_secret();
    if p.is_empty() {
        return Err(Error::invalid("the password must not be empty"));
    }
    if p.chars().any(char::is_control) {
        return Err(Error::invalid(
            "the password must not contain control characters",
        ));
    }
    Ok(())
}
