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

use chrono::NaiveDate;

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
    }
}
