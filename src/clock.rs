//! The time casedesk stamps records with.
//!
//! Everything that stores "now" or checks "not in the future" asks here. A
//! thread can fix the clock for a while (`fixed`): the demo generator does,
//! so a demo office built for a seed and a date has the same content every
//! time, whatever the real date. The fix is per thread, so tests running in
//! parallel threads never see each other's clocks.

use std::cell::Cell;

use chrono::{DateTime, Local, NaiveDate, NaiveDateTime, Utc};

thread_local! {
    static FIXED: Cell<Option<NaiveDateTime>> = const { Cell::new(None) };
}

/// The current instant (UTC).
pub fn now_utc() -> DateTime<Utc> {
    match FIXED.with(Cell::get) {
        Some(t) => t.and_utc(),
        None => Utc::now(),
    }
}

/// The current instant, as stored (RFC 3339, seconds, UTC).
pub fn now() -> String {
    now_utc().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The current local time (or the fixed clock's), for what the desk shows.
pub fn now_local() -> NaiveDateTime {
    match FIXED.with(Cell::get) {
        Some(t) => t,
        None => Local::now().naive_local(),
    }
}

/// Today's date in the office's local time (or the fixed clock's date).
pub fn today() -> NaiveDate {
    match FIXED.with(Cell::get) {
        Some(t) => t.date(),
        None => Local::now().date_naive(),
    }
}

/// Fix this thread's clock at `at` until the guard is dropped.
#[must_use = "the clock is fixed only while the guard lives"]
pub fn fixed(at: NaiveDateTime) -> FixedClock {
    let previous = FIXED.with(|f| f.replace(Some(at)));
    FixedClock { previous }
}

/// `f`, to run on another thread with this thread's clock: a worker the
/// desk starts sees the same time as the desk, fixed or real.
pub fn carry<T>(f: impl FnOnce() -> T + Send) -> impl FnOnce() -> T + Send {
    let at = FIXED.with(Cell::get);
    move || {
        let _fixed = at.map(fixed);
        f()
    }
}

/// Restores the clock it replaced when dropped.
pub struct FixedClock {
    previous: Option<NaiveDateTime>,
}

impl Drop for FixedClock {
    fn drop(&mut self) {
        FIXED.with(|f| f.set(self.previous));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fixed_clock_is_per_thread_and_restored() {
        let at = NaiveDate::from_ymd_opt(2026, 11, 23)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .expect("valid");
        {
            let _g = fixed(at);
            assert_eq!(today(), at.date());
            assert_eq!(now(), "2026-11-23T09:00:00Z");
            let other = std::thread::spawn(today).join().expect("thread");
            assert_eq!(other, Local::now().date_naive());
        }
        assert_eq!(today(), Local::now().date_naive());
        // Carried to a worker, the fixed clock holds there too.
        let _g = fixed(at);
        let carried = std::thread::spawn(carry(today)).join().expect("thread");
        assert_eq!(carried, at.date());
    }
}
