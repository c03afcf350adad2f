//! Per-machine settings from `config.toml` in the casedesk config folder.
//!
//! The folder is the platform one (`directories`), or `CASEDESK_CONFIG_DIR`
//! when set — tests and portable installs (a USB stick) use that. A missing
//! file means defaults; a file we cannot read is an error with the line and
//! the reason, because silently ignoring e.g. a mistyped lock time would
//! leave the office less safe than the manager believes.

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Environment variable that overrides the config folder.
pub const CONFIG_DIR_ENV: &str = "CASEDESK_CONFIG_DIR";
/// File name of the settings file inside the config folder.
pub const CONFIG_FILE: &str = "config.toml";

/// Upper bound on the idle lock, so a typo cannot leave a desk open all day.
pub const MAX_IDLE_LOCK_MINUTES: u32 = 120;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Minutes without a key press before the desk locks (1–120).
    pub idle_lock_minutes: u32,
    /// Key that blanks the screen at once, e.g. "F12" or "ctrl-b".
    pub panic_key: String,
    /// Theme name: "default", "high_contrast", or one from `theme.toml`.
    pub theme: String,
    /// This machine's side of automatic backups (the manager turns them on
    /// for the whole office on the Backup screen or `casedesk backup auto`).
    pub auto_backup: AutoBackup,
}

/// This machine's settings for automatic encrypted backups. Whether they
/// happen, and to which keys, is the office's setting (in the office file).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AutoBackup {
    /// Write this machine's automatic backups here instead of the office's
    /// folder (e.g. a USB stick's drive letter on this PC).
    pub dir: Option<PathBuf>,
    /// How many automatic backups to keep (0 = the office's setting).
    pub keep: u32,
    /// When the day's automatic backup is written: after the day's first
    /// login (`"login"`, the default) or when leaving the desk (`"exit"`).
    pub when: BackupWhen,
}

/// When the day's automatic backup is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub enum BackupWhen {
    /// After the day's first login, off the UI thread.
    #[default]
    Login,
    /// When the first person leaves the desk that day (quit).
    Exit,
}

impl BackupWhen {
    /// In words, for the Backup screen.
    pub fn describe(self) -> &'static str {
        match self {
            BackupWhen::Login => "after the day's first login",
            BackupWhen::Exit => "when leaving casedesk",
        }
    }
}

impl TryFrom<String> for BackupWhen {
    type Error = String;

    fn try_from(s: String) -> Result<BackupWhen, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "login" => Ok(BackupWhen::Login),
            "exit" => Ok(BackupWhen::Exit),
            _ => Err(format!(
                "auto_backup.when must be \"login\" (after the day's first login) or \"exit\" (when leaving casedesk), not \"{}\"",
                crate::safe_text::sanitize(&s)
            )),
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            idle_lock_minutes: 5,
            panic_key: "F12".into(),
            theme: "default".into(),
            auto_backup: AutoBackup::default(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} has a mistake: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error(
        "no folder for settings on this computer; set {CONFIG_DIR_ENV} to a folder casedesk may use"
    )]
    NoConfigDir,
}

/// The casedesk config folder: `$CASEDESK_CONFIG_DIR` if set, else the
/// platform's (e.g. `~/.config/casedesk`, `%APPDATA%\casedesk\casedesk\config`).
pub fn config_dir() -> Option<PathBuf> {
    match std::env::var_os(CONFIG_DIR_ENV) {
        Some(d) if !d.is_empty() => Some(PathBuf::from(d)),
        _ => directories::ProjectDirs::from("org", "casedesk", "casedesk")
            .map(|p| p.config_dir().to_path_buf()),
    }
}

impl Config {
    /// Reads `config.toml` from [`config_dir`].
    pub fn load() -> Result<Config, ConfigError> {
        let dir = config_dir().ok_or(ConfigError::NoConfigDir)?;
        Config::load_from_dir(&dir)
    }

    /// Reads `config.toml` from `dir`; defaults if there is none.
    pub fn load_from_dir(dir: &Path) -> Result<Config, ConfigError> {
        let path = dir.join(CONFIG_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Config::from_toml(&text).map_err(|message| ConfigError::Invalid {
                path: path.clone(),
                message,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(ConfigError::Read { path, source }),
        }
    }

    /// Parses and checks settings text; the error is a plain sentence.
    pub fn from_toml(text: &str) -> Result<Config, String> {
        let cfg: Config = toml::from_str(text).map_err(|e| {
            // toml's own message names the key; add the line for people
            // editing in Notepad.
            match e.span() {
                Some(span) => {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!("line {line}: {}", e.message().trim())
                }
                None => e.message().trim().to_string(),
            }
        })?;
        cfg.check()?;
        Ok(cfg)
    }

    fn check(&self) -> Result<(), String> {
        if !(1..=MAX_IDLE_LOCK_MINUTES).contains(&self.idle_lock_minutes) {
            return Err(format!(
                "idle_lock_minutes must be from 1 to {MAX_IDLE_LOCK_MINUTES}, not {}",
                self.idle_lock_minutes
            ));
        }
        if self.theme.trim().is_empty() {
            return Err("theme must name a theme, like \"default\" or \"high_contrast\"".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_gives_defaults() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = Config::load_from_dir(dir.path()).expect("defaults");
        assert_eq!(cfg, Config::default());
        assert_eq!(cfg.idle_lock_minutes, 5);
        assert_eq!(cfg.panic_key, "F12");
    }

    #[test]
    fn partial_file_keeps_other_defaults() {
        let cfg = Config::from_toml("theme = \"high_contrast\"\n").expect("ok");
        assert_eq!(cfg.theme, "high_contrast");
        assert_eq!(cfg.idle_lock_minutes, 5);
        let cfg = Config::from_toml("[auto_backup]\ndir = \"E:/backups\"\nkeep = 3\n").expect("ok");
        assert_eq!(cfg.auto_backup.keep, 3);
        assert_eq!(cfg.auto_backup.when, BackupWhen::Login);
        let cfg = Config::from_toml("[auto_backup]\nwhen = \"exit\"\n").expect("ok");
        assert_eq!(cfg.auto_backup.when, BackupWhen::Exit);
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let e = Config::from_toml("theme = \"x\"\nidle_lock = 3\n").expect_err("unknown key");
        assert!(e.contains("line 2") && e.contains("idle_lock"), "{e}");
        let e = Config::from_toml("idle_lock_minutes = \"five\"").expect_err("type");
        assert!(e.contains("line 1"), "{e}");
        let e = Config::from_toml("idle_lock_minutes = 0").expect_err("range");
        assert!(e.contains("from 1 to 120"), "{e}");
        let e = Config::from_toml("[auto_backup]\nwhen = \"daily\"\n").expect_err("when");
        assert!(
            e.contains("line 2") && e.contains("\"login\"") && e.contains("\"exit\""),
            "{e}"
        );
        let e = Config::from_toml("idle_lock_minutes = -1").expect_err("negative");
        assert!(!e.is_empty());
    }

    #[test]
    fn bad_file_on_disk_names_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(CONFIG_FILE), "idle_lock_minutes = [").expect("write");
        let e = Config::load_from_dir(dir.path()).expect_err("invalid");
        let msg = e.to_string();
        assert!(msg.contains("config.toml has a mistake"), "{msg}");
    }
}
