//! Logging to a file in the data dir; stdout belongs to the screen.
//!
//! Filtered by `CASEDESK_LOG` (e.g. `CASEDESK_LOG=debug`), default `info`.
//! Log lines carry record ids and event names only: call sites never pass
//! names, notes or passwords to `tracing`.

use std::io::Write;
use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Log lines waiting for the writer thread.
const LOG_QUEUE_LINES: usize = 4096;

/// Days of log kept: a file a day (`casedesk.YYYY-MM-DD.log`), the oldest
/// removed when a new day's file starts, so the log never grows for years
/// on an office PC.
pub const LOG_DAYS_KEPT: usize = 14;

/// Start logging into `dir/logs/casedesk.YYYY-MM-DD.log`. Keep the guard
/// alive until exit so buffered lines are written. Logging is best-effort:
/// a read-only data dir must not stop the office from working.
pub fn init(dir: &Path) -> Option<WorkerGuard> {
    let appender = appender(&dir.join("logs")).ok()?;
    // The default queue holds 128,000 lines and is allocated (and touched)
    // up front: 4 MiB in every process, for a log that writes a few lines a
    // minute. A passphrase backup's peak memory is age's scrypt plus what
    // is live beside it, so the queue is kept small; should it ever fill,
    // lines are dropped rather than the desk made to wait.
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .finish(appender);
    let filter = EnvFilter::try_from_env("CASEDESK_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}

/// A file a day in `logs`, at most [`LOG_DAYS_KEPT`]. The folder is the
/// log's own: the appender removes old files by their name's shape, so it
/// must never share a folder with the office file.
fn appender(logs: &Path) -> std::io::Result<tracing_appender::rolling::RollingFileAppender> {
    std::fs::create_dir_all(logs)?;
    tracing_appender::rolling::RollingFileAppender::builder()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("casedesk")
        .filename_suffix("log")
        .max_log_files(LOG_DAYS_KEPT)
        .build(logs)
        .map_err(std::io::Error::other)
}

/// Replace the default panic message (it may contain a name or a note)
/// with a generic line and the place in the source. `before` runs first
/// (the desk restores the terminal there).
pub fn install_panic_hook(before: fn()) {
    std::panic::set_hook(Box::new(move |info| {
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_else(|| "an unknown place".into());
        if CONTAINED.get() {
            // Caught by `contain_panic`: the desk goes on, so the terminal
            // stays as it is and nothing is said on stderr.
            tracing::warn!(place = %place, "contained panic in a library");
            return;
        }
        before();
        tracing::error!(place = %place, "panic");
        // Not `eprintln!`: it panics when stderr is gone (a hung-up
        // terminal), and a panic inside the hook aborts.
        let _ = writeln!(
            std::io::stderr(),
            "casedesk stopped because of an internal error (at {place}). Nothing that was \
             saved is lost. The details are not shown so that no personal data reaches the \
             screen; please tell whoever looks after casedesk the place above."
        );
    }));
}

thread_local! {
    /// Set while `contain_panic` runs a closure on this thread.
    static CONTAINED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Run `f`, turning a panic inside it into `Err` instead of stopping the
/// program: for a library that panics on some hostile input instead of
/// returning an error (calamine on a cut-short `.xls`). The panic hook
/// then only logs the place; the caller reports a plain error.
pub fn contain_panic<T>(f: impl FnOnce() -> T + std::panic::UnwindSafe) -> Option<T> {
    let was = CONTAINED.replace(true);
    let out = std::panic::catch_unwind(f);
    CONTAINED.set(was);
    out.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_two_weeks_of_days_and_nothing_else_is_touched() {
        let dir = tempfile::tempdir().expect("temp dir");
        let logs = dir.path().join("logs");
        std::fs::create_dir_all(&logs).expect("logs");
        for day in 1..=20 {
            let old = logs.join(format!("casedesk.2025-01-{day:02}.log"));
            std::fs::write(old, "old line\n").expect("old log");
        }
        std::fs::write(dir.path().join("office.casedesk"), "x").expect("beside");
        let mut a = appender(&logs).expect("appender");
        std::io::Write::write_all(&mut a, b"new line\n").expect("write");
        let kept = std::fs::read_dir(&logs).expect("read").count();
        assert_eq!(
            kept, LOG_DAYS_KEPT,
            "today's file and the newest days before it"
        );
        assert!(dir.path().join("office.casedesk").exists());
    }
}
