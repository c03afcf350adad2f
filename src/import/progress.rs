//! How far an import has got, for a person watching a long one: rows
//! read from the file, rows checked (the rules, then the register's
//! duplicate check), rows saved. The reading, checking and saving code
//! counts here as it goes; the CLI shows the counts on stderr once an
//! import has taken more than a second (`cli::import`). One import runs
//! at a time in a process, so the counts are one shared set; they are
//! counts only, never what a row holds.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Rows read, checked and saved since the last [`Progress::reset`].
#[derive(Debug, Default)]
pub struct Progress {
    read: AtomicUsize,
    checked: AtomicUsize,
    saved: AtomicUsize,
}

/// The import under way.
pub static PROGRESS: Progress = Progress::new();

impl Progress {
    pub const fn new() -> Progress {
        Progress {
            read: AtomicUsize::new(0),
            checked: AtomicUsize::new(0),
            saved: AtomicUsize::new(0),
        }
    }

    pub fn reset(&self) {
        for c in [&self.read, &self.checked, &self.saved] {
            c.store(0, Ordering::Relaxed);
        }
    }

    pub fn read(&self, rows: usize) {
        self.read.fetch_add(rows, Ordering::Relaxed);
    }

    pub fn checked(&self, rows: usize) {
        self.checked.fetch_add(rows, Ordering::Relaxed);
    }

    pub fn saved(&self, rows: usize) {
        self.saved.fetch_add(rows, Ordering::Relaxed);
    }

    /// `Import: 120,000 rows read, 80,000 checked, 0 saved`.
    pub fn line(&self) -> String {
        let n = |c: &AtomicUsize| crate::safe_text::grouped(c.load(Ordering::Relaxed));
        format!(
            "Import: {} rows read, {} checked, {} saved",
            n(&self.read),
            n(&self.checked),
            n(&self.saved)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_reset() {
        let p = Progress::new();
        p.read(300_000);
        p.checked(1_234);
        p.saved(1);
        assert_eq!(
            p.line(),
            "Import: 300,000 rows read, 1,234 checked, 1 saved"
        );
        p.reset();
        assert_eq!(p.line(), "Import: 0 rows read, 0 checked, 0 saved");
    }
}
