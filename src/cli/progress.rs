//! The progress line of a long import on stderr: after a second, the rows
//! read, checked and saved so far (`import::progress`), rewritten in place
//! a few times a second and cleared when the step ends. Only when stderr is
//! a terminal: a script's stderr gets the summary line alone. Ctrl-C stops
//! the process as always; the import's one transaction is never committed,
//! so nothing is saved.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crate::import::progress::PROGRESS;

/// How often the line is looked at (and the stop flag checked).
const TICK: Duration = Duration::from_millis(50);

/// Shows the progress while it lives.
pub struct ProgressLine {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ProgressLine {
    /// On a terminal's stderr, after a second, every quarter second.
    pub fn start() -> Option<ProgressLine> {
        std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
            ProgressLine::to(
                std::io::stderr(),
                Duration::from_secs(1),
                Duration::from_millis(250),
            )
        })
    }

    /// To `out`, first after `after`, then every `every`.
    pub fn to<W: Write + Send + 'static>(
        mut out: W,
        after: Duration,
        every: Duration,
    ) -> ProgressLine {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            let (mut waited, mut since) = (Duration::ZERO, every);
            let mut shown = false;
            while !stopped.load(Ordering::Relaxed) {
                if waited >= after && since >= every {
                    // Erase to the end of the line: a shorter line leaves
                    // nothing of the one before.
                    let _ = write!(out, "\r{}\x1b[K", PROGRESS.line());
                    let _ = out.flush();
                    shown = true;
                    since = Duration::ZERO;
                }
                std::thread::sleep(TICK);
                waited += TICK;
                since += TICK;
            }
            if shown {
                let _ = write!(out, "\r\x1b[K");
                let _ = out.flush();
            }
        });
        ProgressLine {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for ProgressLine {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn text(s: &Shared) -> String {
        String::from_utf8(s.0.lock().expect("lock").clone()).expect("utf-8")
    }

    #[test]
    fn the_line_shows_after_the_delay_and_is_cleared() {
        let out = Shared::default();
        let line = ProgressLine::to(out.clone(), Duration::ZERO, Duration::ZERO);
        std::thread::sleep(Duration::from_millis(200));
        drop(line);
        let t = text(&out);
        assert!(t.starts_with("\rImport: "), "{t:?}");
        assert!(t.contains("rows read,") && t.contains("checked,") && t.contains("saved"));
        assert!(t.ends_with("\r\x1b[K"), "cleared: {t:?}");

        // A step shorter than the delay shows nothing.
        let out = Shared::default();
        drop(ProgressLine::to(
            out.clone(),
            Duration::from_secs(60),
            Duration::ZERO,
        ));
        assert_eq!(text(&out), "");
    }
}
