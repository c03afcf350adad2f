//! Dates on the desk: every date is shown, and every typed date read, in
//! the office's date order (an office setting; day first by default), with
//! a four-digit year: `06/12/2026` in a day-first office, `2026-12-06` in a
//! year-first one.
//!
//! The shell reads the order through the office layer when the desk opens
//! and whenever a screen is opened (so a change made at another terminal
//! is picked up), and sets it here; screens and widgets ask here while they
//! draw or check a form, as they ask [`crate::clock`] for the time. The
//! order is held per thread (the desk draws on one), so tests running in
//! parallel threads never see each other's order.

use std::cell::Cell;

use chrono::{NaiveDate, NaiveDateTime};

pub use crate::domain::dates::{DateOrder, DateTypo};

thread_local! {
    static ORDER: Cell<DateOrder> = const { Cell::new(DateOrder::Dmy) };
}

/// The office's date order, as the desk last read it.
pub fn order() -> DateOrder {
    ORDER.with(Cell::get)
}

/// Use `order` on this thread's desk from now on.
pub fn set_order(order: DateOrder) {
    ORDER.with(|o| o.set(order));
}

/// A date as every screen shows it.
pub fn show(d: NaiveDate) -> String {
    order().format(d)
}

/// A moment as every screen shows it: the date, then the time (`14:05`).
pub fn show_time(t: NaiveDateTime) -> String {
    format!("{} {}", show(t.date()), t.format("%H:%M"))
}

/// Text made below the desk (an import's sample rows, which the command
/// line prints too) with each `YYYY-MM-DD` in it shown the desk's way.
pub fn reword(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((i, d)) = next_iso(rest) {
        out.push_str(&rest[..i]);
        out.push_str(&show(d));
        rest = &rest[i + 10..];
    }
    out.push_str(rest);
    out
}

/// Where the next stand-alone `YYYY-MM-DD` is in `s`, and its date.
fn next_iso(s: &str) -> Option<(usize, NaiveDate)> {
    let b = s.as_bytes();
    let edge = |i: Option<usize>| {
        i.and_then(|i| b.get(i))
            .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'-')
    };
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let candidate = s.get(i..i + 10)?;
        let shaped = candidate.bytes().enumerate().all(|(k, c)| match k {
            4 | 7 => c == b'-',
            _ => c.is_ascii_digit(),
        });
        if !shaped || !edge(i.checked_sub(1)) || !edge(Some(i + 10)) {
            return None;
        }
        NaiveDate::parse_from_str(candidate, "%Y-%m-%d")
            .ok()
            .map(|d| (i, d))
    })
}

/// An optional date, or `none` when there is none.
pub fn show_or(d: Option<NaiveDate>, none: &str) -> String {
    d.map_or_else(|| none.to_string(), show)
}

/// A typed date, read in the office's order (year first always works).
pub fn parse(text: &str) -> Result<NaiveDate, DateTypo> {
    order().parse(text)
}

/// How to write a date here, for hints: "23/11/2026 or 2026-11-23".
pub fn hint() -> String {
    match order() {
        DateOrder::Ymd => DateOrder::Ymd.example(),
        o => format!("{} or {}", o.example(), DateOrder::Ymd.example()),
    }
}

/// What an empty date field shows: how to write a date here.
pub fn placeholder() -> &'static str {
    match order() {
        DateOrder::Dmy => "DD/MM/YYYY or YYYY-MM-DD",
        DateOrder::Mdy => "MM/DD/YYYY or YYYY-MM-DD",
        DateOrder::Ymd => "YYYY-MM-DD",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_order_set_is_the_one_shown_and_read() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 6).expect("date");
        assert_eq!(show(d), "06/12/2026", "day first unless set");
        set_order(DateOrder::Mdy);
        assert_eq!(show(d), "12/06/2026");
        assert_eq!(parse("12/06/2026"), Ok(d));
        assert_eq!(hint(), "11/23/2026 or 2026-11-23");
        set_order(DateOrder::Dmy);
        assert_eq!(parse("06/12/2026"), Ok(d));
        assert_eq!(
            reword("2013-04-23 (age 12), 2026-12-06"),
            "23/04/2013 (age 12), 06/12/2026"
        );
        assert_eq!(reword("export-2026-12-06.age x"), "export-2026-12-06.age x");
        assert_eq!(reword("2026-13-06 ünï"), "2026-13-06 ünï");
    }
}
