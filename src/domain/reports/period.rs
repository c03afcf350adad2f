//! Reporting periods: both ends included, the period of the same length
//! before, the months a period touches, and the period in words.

use std::fmt;

use chrono::{Datelike, Duration, Months, NaiveDate};

use crate::Error;

/// A reporting period, both ends included (ordered by its first day,
/// then its last).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The longest period a report covers: everything since 2000 fits.
const MAX_YEARS: i32 = 60;

impl Period {
    /// A period from `from` to `to` inclusive; refused when it ends
    /// before it starts or is absurdly long.
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, Error> {
        if to < from {
            return Err(Error::invalid(format!(
                "the period ends ({to}) before it starts ({from})"
            )));
        }
        if to.year() - from.year() > MAX_YEARS {
            return Err(Error::invalid(format!(
                "a report covers at most {MAX_YEARS} years"
            )));
        }
        Ok(Period { from, to })
    }

    /// Read `--from`/`--to` dates (`YYYY-MM-DD`); a message names which
    /// one is wrong.
    pub fn parse(from: &str, to: &str) -> Result<Period, Error> {
        let date = |flag: &str, s: &str| {
            // Four-digit years only: chrono also reads "+262142-12-31",
            // where the previous period's arithmetic would run off the
            // calendar.
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .ok()
                .filter(|d| (1..=9999).contains(&d.year()))
                .ok_or_else(|| {
                    Error::invalid(format!(
                        "--{flag} '{}' is not a date; write it YYYY-MM-DD",
                        s.escape_debug()
                    ))
                })
        };
        Period::new(date("from", from)?, date("to", to)?)
    }

    /// The whole calendar month of `day`.
    pub fn month_of(day: NaiveDate) -> Period {
        let from = day.with_day(1).unwrap_or(day);
        let to = from
            .checked_add_months(Months::new(1))
            .map_or(from, |d| d - Duration::days(1));
        Period { from, to }
    }

    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }

    /// How many calendar months the period is, when it is exactly whole
    /// months (starts on a 1st, ends on a month's last day).
    pub fn whole_months(&self) -> Option<u32> {
        let last_of_month = (self.to + Duration::days(1)).day() == 1;
        if self.from.day() != 1 || !last_of_month {
            return None;
        }
        let months = (self.to.year() - self.from.year()) * 12 + self.to.month() as i32
            - self.from.month() as i32
            + 1;
        u32::try_from(months).ok()
    }

    /// Is this a whole calendar month, quarter (January–March,
    /// April–June, July–September, October–December) or year: the only
    /// periods a de-identified report is made for (see
    /// `suppress`: two overlapping periods could be subtracted).
    pub fn is_calendar(&self) -> bool {
        match self.whole_months() {
            Some(1) => true,
            Some(3) => (self.from.month() - 1).is_multiple_of(3),
            Some(12) => self.from.month() == 1,
            _ => false,
        }
    }

    /// The calendar year's months, quarters and the year itself: the
    /// periods whose de-identified reports are suppressed together.
    pub fn calendar_family(year: i32) -> Vec<Period> {
        let mut out = Vec::new();
        let Some(start) = NaiveDate::from_ymd_opt(year, 1, 1) else {
            return out;
        };
        let span = |from: NaiveDate, months: u32| {
            let to = from
                .checked_add_months(Months::new(months))
                .map_or(from, |d| d - Duration::days(1));
            Period { from, to }
        };
        for m in 0..12 {
            if let Some(from) = start.checked_add_months(Months::new(m)) {
                out.push(span(from, 1));
            }
        }
        for q in 0..4 {
            if let Some(from) = start.checked_add_months(Months::new(q * 3)) {
                out.push(span(from, 3));
            }
        }
        out.push(span(start, 12));
        out
    }

    /// The period of the same length just before this one (see the
    /// module comment).
    pub fn previous(&self) -> Period {
        let to = self.from - Duration::days(1);
        let from = match self.whole_months() {
            Some(m) => self.from.checked_sub_months(Months::new(m)),
            None => None,
        }
        .unwrap_or_else(|| self.from - Duration::days(self.days()));
        Period { from, to }
    }

    /// The calendar months the period touches, each cut to the period.
    pub fn months(&self) -> Vec<Period> {
        let mut out = Vec::new();
        let mut m = Period::month_of(self.from);
        while m.from <= self.to {
            out.push(Period {
                from: m.from.max(self.from),
                to: m.to.min(self.to),
            });
            let Some(next) = m.from.checked_add_months(Months::new(1)) else {
                break;
            };
            m = Period::month_of(next);
        }
        out
    }

    /// The period in words, for a sentence: "March 2026", "the quarter
    /// January–March 2026", "2026", "the period 5 January to 10 February
    /// 2026".
    pub fn words(&self) -> String {
        let month = |d: NaiveDate| d.format("%B").to_string();
        match self.whole_months() {
            Some(1) => self.from.format("%B %Y").to_string(),
            Some(3) if (self.from.month() - 1).is_multiple_of(3) => format!(
                "the quarter {}–{} {}",
                month(self.from),
                month(self.to),
                self.to.year()
            ),
            Some(12) if self.from.month() == 1 => self.from.year().to_string(),
            Some(_) if self.from.year() == self.to.year() => {
                format!("{}–{} {}", month(self.from), month(self.to), self.to.year())
            }
            Some(_) => format!(
                "{} {} – {} {}",
                month(self.from),
                self.from.year(),
                month(self.to),
                self.to.year()
            ),
            None if self.from == self.to => self.from.format("%-d %B %Y").to_string(),
            None => format!(
                "the period {} to {}",
                self.from.format("%-d %B %Y"),
                self.to.format("%-d %B %Y")
            ),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} to {}", self.from, self.to)
    }
}
