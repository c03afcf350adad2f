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

/// The password of every demo office account (CLI.md).
pub const DEMO_PASSWORD: &str = "demo";

/// The shortest password an account may have.
pub const MIN_PASSWORD_CHARS: usize = 10;

thread_local! {
    static DEMO_ALLOWED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// While the guard lives, this thread may give accounts the demo password
/// (`demo`), which the rules below would refuse: only the demo generator
/// does, for an office of made-up people whose password CLI.md documents.
pub fn allow_demo_password() -> DemoPasswordGuard {
    DEMO_ALLOWED.with(|d| d.set(true));
    DemoPasswordGuard(())
}

/// Ends the demo allowance when dropped.
pub struct DemoPasswordGuard(());

impl Drop for DemoPasswordGuard {
    fn drop(&mut self) {
        DEMO_ALLOWED.with(|d| d.set(false));
    }
}

/// Characters any secret may hold: not empty, nothing that would act on a
/// terminal.
pub fn check_secret_chars(p: &SecretString) -> Result<()> {
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

/// Rules for an account's new password: at least [`MIN_PASSWORD_CHARS`]
/// characters and not easy to guess (zxcvbn, the estimator password
/// managers use, against common passwords, names, dates, keyboard runs and
/// `related` words such as the account and office names). A few unrelated
/// words pass easily; `Password123` does not. The messages never repeat
/// the password.
pub fn check_new_password(p: &SecretString, related: &[&str]) -> Result<()> {
    check_secret_chars(p)?;
    let text = p.expose_secret();
    if text == DEMO_PASSWORD && DEMO_ALLOWED.with(std::cell::Cell::get) {
        return Ok(());
    }
    if text.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::invalid(format!(
            "the password must be at least {MIN_PASSWORD_CHARS} characters; a few words make a good one"
        )));
    }
    let estimate = zxcvbn::zxcvbn(text, related);
    if estimate.score() < zxcvbn::Score::Three {
        let why = estimate
            .feedback()
            .and_then(|f| f.warning())
            .map(|w| format!(" ({})", w.to_string().trim_end_matches('.').to_lowercase()))
            .unwrap_or_default();
        return Err(Error::invalid(format!(
            "the password is too easy to guess{why}; add another word or two"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    #[test]
    fn short_common_and_related_passwords_are_refused() {
        for bad in [
            "",
            "short",
            "password123",
            "Password1234",
            "qwertyuiop",
            "amina12345",
        ] {
            assert!(check_new_password(&pw(bad), &["amina"]).is_err(), "{bad:?}");
        }
        assert!(check_new_password(&pw("kite river lantern"), &["amina"]).is_ok());
        let e = check_new_password(&pw("password123"), &[])
            .unwrap_err()
            .to_string();
        assert!(
            !e.contains("password123"),
            "the message never repeats it: {e}"
        );
    }

    #[test]
    fn the_demo_password_only_under_the_demo_guard() {
        assert!(check_new_password(&pw("demo"), &[]).is_err());
        {
            let _g = allow_demo_password();
            assert!(check_new_password(&pw("demo"), &[]).is_ok());
            assert!(check_new_password(&pw("demo2"), &[]).is_err());
        }
        assert!(check_new_password(&pw("demo"), &[]).is_err());
    }
}
