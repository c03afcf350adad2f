//! Reports for any period: the types a report is made of, and the pure
//! rules behind its numbers. No I/O: `office::reports` reads the rows and
//! builds a [`Report`] with the helpers here; `reports::text` writes it as
//! Markdown or CSV; `reports::suppress` decides what a de-identified
//! report may show.
//!
//! Rules every number follows:
//! - A period is inclusive at both ends. The previous period has the same
//!   length and ends the day before: the same number of calendar months
//!   when the period is whole months (a quarter is compared with the
//!   quarter before, a year with the year before), else the same number
//!   of days.
//! - A person is counted once per indicator per period, however many
//!   services, sessions or visits they had; the number of services (or
//!   sessions, visits, activities) is kept beside as the indicator's
//!   `events`.
//! - People are disaggregated by sex and age band (under 12, 12–17, 18
//!   and over), their age taken at the end of the period from the date of
//!   birth; a person without one is counted under "age unknown".
//! - Each person-based number keeps the record ids behind it, so a screen
//!   can list them (for a role allowed to see them); a de-identified
//!   report carries none.

//!
//! Where things are: `grid` (age bands, sexes and the sex × age-band
//! grid every number is kept in), `period` (reporting periods and the
//! period before), `indicator` (what a report is made of: indicators,
//! their figures and the records behind them, sections, the monthly
//! series), `counting` (putting people in cells, whether a case was
//! open), `suppress` and `text`.

mod counting;
mod grid;
mod indicator;
mod period;
pub mod suppress;
#[cfg(test)]
mod tests;
pub mod text;

pub use counting::{Demographics, open_during};
pub use grid::{AgeBand, Grid, cells, sex_letter};
pub use indicator::{
    Figures, Indicator, Measure, MonthPoint, Partition, RateGrid, Record, RecordKind, Report,
    Section, Sentence, percent,
};
pub use period::Period;
