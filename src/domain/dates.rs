//! The office's date order: how people in this office write a date, and so
//! how the desk shows one and how forms and imports read `06/12/2026`.
//!
//! An office has one order (an office setting, day first by default, as
//! dates are written in Pakistan). Every date on the desk is shown in it
//! with a four-digit year ([`DateOrder::format`]); forms read typed dates
//! in it ([`DateOrder::parse`]). `2026-12-06` (year first) is read in any
//! order: it cannot be mistaken. The command line keeps `YYYY-MM-DD`.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::Error;

vocabulary!(
    /// Which of day, month and year comes first in a date like 06/12/2026.
    DateOrder, "date order" {
        Dmy => "dmy", "day first (23/11/2026)";
        Mdy => "mdy", "month first (11/23/2026)";
        Ymd => "ymd", "year first (2026-11-23)";
    }
);

impl Default for DateOrder {
    /// Day first: how dates are written in Pakistan.
    fn default() -> DateOrder {
        DateOrder::Dmy
    }
}

/// Why typed text is not a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateTypo {
    /// Not written like a date at all.
    NotADate,
    /// A day, month and year that make no date (31/02/2026).
    NoSuchDate,
}

impl DateOrder {
    /// A date as the desk shows it: `23/11/2026`, `11/23/2026` or
    /// `2026-11-23`.
    pub fn format(self, d: NaiveDate) -> String {
        d.format(self.pattern()).to_string()
    }

    /// The chrono pattern of [`DateOrder::format`].
    pub fn pattern(self) -> &'static str {
        match self {
            DateOrder::Dmy => "%d/%m/%Y",
            DateOrder::Mdy => "%m/%d/%Y",
            DateOrder::Ymd => "%Y-%m-%d",
        }
    }

    /// How to write a date in this order, for help lines: "23/11/2026".
    pub fn example(self) -> String {
        NaiveDate::from_ymd_opt(2026, 11, 23).map_or_else(String::new, |d| self.format(d))
    }

    /// Read a typed date: year first (`2026-11-23`, `2026/11/23`) always;
    /// `a/b/yyyy` (with `/`, `-` or `.`) in this order. A year-first office
    /// reads only year-first dates: `06/12/2026` could be either.
    pub fn parse(self, text: &str) -> Result<NaiveDate, DateTypo> {
        let parts: Vec<&str> = text.trim().split(['/', '-', '.']).collect();
        let [a, b, c] = parts[..] else {
            return Err(DateTypo::NotADate);
        };
        let digits = |p: &str, max: usize| {
            (!p.is_empty() && p.len() <= max && p.bytes().all(|x| x.is_ascii_digit()))
                .then(|| p.parse::<u32>().ok())
                .flatten()
        };
        let ymd = |y: u32, m: u32, d: u32| {
            i32::try_from(y)
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
                .ok_or(DateTypo::NoSuchDate)
        };
        if a.len() == 4 {
            let (Some(y), Some(m), Some(d)) = (digits(a, 4), digits(b, 2), digits(c, 2)) else {
                return Err(DateTypo::NotADate);
            };
            return ymd(y, m, d);
        }
        let (Some(x), Some(z), Some(y)) = (digits(a, 2), digits(b, 2), digits(c, 4)) else {
            return Err(DateTypo::NotADate);
        };
        if c.len() != 4 {
            // Two-digit years are not read: 23/11/26 could be 1926.
            return Err(DateTypo::NotADate);
        }
        match self {
            DateOrder::Dmy => ymd(y, z, x),
            DateOrder::Mdy => ymd(y, x, z),
            DateOrder::Ymd => Err(DateTypo::NotADate),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn each_order_shows_a_four_digit_year() {
        let day = d(2026, 12, 6);
        assert_eq!(DateOrder::Dmy.format(day), "06/12/2026");
        assert_eq!(DateOrder::Mdy.format(day), "12/06/2026");
        assert_eq!(DateOrder::Ymd.format(day), "2026-12-06");
        assert_eq!(DateOrder::default(), DateOrder::Dmy);
        assert_eq!("mdy".parse::<DateOrder>().ok(), Some(DateOrder::Mdy));
        assert!("dym".parse::<DateOrder>().is_err());
    }

    #[test]
    fn typed_dates_are_read_in_the_order_and_year_first_always() {
        assert_eq!(DateOrder::Dmy.parse("06/12/2026"), Ok(d(2026, 12, 6)));
        assert_eq!(DateOrder::Dmy.parse("6-12-2026"), Ok(d(2026, 12, 6)));
        assert_eq!(DateOrder::Mdy.parse("06/12/2026"), Ok(d(2026, 6, 12)));
        assert_eq!(DateOrder::Mdy.parse("06.12.2026"), Ok(d(2026, 6, 12)));
        for o in DateOrder::ALL {
            assert_eq!(o.parse(" 2026-12-06 "), Ok(d(2026, 12, 6)), "{o:?}");
            assert_eq!(o.parse(&o.format(d(2026, 1, 31))), Ok(d(2026, 1, 31)));
            assert_eq!(o.parse("2026-02-30"), Err(DateTypo::NoSuchDate));
            assert_eq!(o.parse("soon"), Err(DateTypo::NotADate));
            assert_eq!(o.parse("06/12/26"), Err(DateTypo::NotADate));
        }
        assert_eq!(
            DateOrder::Dmy.parse("12/23/2026"),
            Err(DateTypo::NoSuchDate)
        );
        assert_eq!(
            DateOrder::Mdy.parse("23/12/2026"),
            Err(DateTypo::NoSuchDate)
        );
        assert_eq!(DateOrder::Ymd.parse("06/12/2026"), Err(DateTypo::NotADate));
    }
}
