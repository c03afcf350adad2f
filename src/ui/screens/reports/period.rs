//! Choosing the period of a report: the periods a donor report usually
//! covers, counted from today, or two typed dates.

use chrono::{Datelike, Duration, Months, NaiveDate};

use crate::domain::reports::Period;
use crate::ui::widgets::form::{FieldKey, FieldSpec, Form, Value};
use crate::ui::widgets::table::Column;

/// One line of the period list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    ThisMonth,
    LastMonth,
    ThisQuarter,
    LastQuarter,
    ThisYear,
    LastYear,
    /// Two typed dates.
    Dates,
}

impl Choice {
    pub const ALL: [Choice; 7] = [
        Choice::ThisMonth,
        Choice::LastMonth,
        Choice::ThisQuarter,
        Choice::LastQuarter,
        Choice::ThisYear,
        Choice::LastYear,
        Choice::Dates,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Choice::ThisMonth => "This month",
            Choice::LastMonth => "Last month",
            Choice::ThisQuarter => "This quarter",
            Choice::LastQuarter => "Last quarter",
            Choice::ThisYear => "This year",
            Choice::LastYear => "Last year",
            Choice::Dates => "From … to … (type the dates)",
        }
    }

    /// The period on `today`; none for typed dates.
    pub fn period(self, today: NaiveDate) -> Option<Period> {
        let month = Period::month_of(today);
        let quarter = quarter_of(today);
        let year = year_of(today.year());
        Some(match self {
            Choice::ThisMonth => month,
            Choice::LastMonth => Period::month_of(month.from - Duration::days(1)),
            Choice::ThisQuarter => quarter,
            Choice::LastQuarter => quarter_of(quarter.from - Duration::days(1)),
            Choice::ThisYear => year,
            Choice::LastYear => year_of(today.year() - 1),
            Choice::Dates => return None,
        })
    }
}

/// The calendar quarter of `day` (January–March, …).
fn quarter_of(day: NaiveDate) -> Period {
    let first_month = (day.month0() / 3) * 3 + 1;
    let from = NaiveDate::from_ymd_opt(day.year(), first_month, 1).unwrap_or(day);
    let to = from
        .checked_add_months(Months::new(3))
        .map_or(from, |d| d - Duration::days(1));
    Period { from, to }
}

fn year_of(y: i32) -> Period {
    let from = NaiveDate::from_ymd_opt(y, 1, 1);
    let to = NaiveDate::from_ymd_opt(y, 12, 31);
    match (from, to) {
        (Some(from), Some(to)) => Period { from, to },
        // Only for years chrono cannot hold, far from any office's.
        _ => Period::month_of(NaiveDate::MIN),
    }
}

pub fn columns() -> Vec<Column> {
    vec![
        Column::fill("Period", 2).unsortable(),
        Column::fill("Dates", 2).unsortable(),
    ]
}

pub fn rows(today: NaiveDate) -> Vec<Vec<String>> {
    Choice::ALL
        .iter()
        .map(|c| {
            vec![
                c.label().to_string(),
                c.period(today)
                    .map(|p| {
                        format!(
                            "{} to {}",
                            crate::ui::dates::show(p.from),
                            crate::ui::dates::show(p.to)
                        )
                    })
                    .unwrap_or_default(),
            ]
        })
        .collect()
}

pub const FROM: FieldKey = FieldKey::new("from");
pub const TO: FieldKey = FieldKey::new("to");

/// The form for typed dates, filled with this month so only what differs
/// need be typed.
pub fn dates_form(today: NaiveDate, theme: &crate::ui::theme::Theme) -> Form {
    let mut f = Form::new(
        "Report for the period",
        vec![
            FieldSpec::date(FROM, "From")
                .required()
                .hint("The first day, e.g. 2026-01-01"),
            FieldSpec::date(TO, "To")
                .required()
                .hint("The last day, included"),
        ],
    )
    .with_theme(theme)
    .with_today(today);
    let m = Period::month_of(today);
    f.set_value(FROM, Value::Date(Some(m.from)));
    f.set_value(TO, Value::Date(Some(today)));
    f.mark_clean();
    f.set_footer("Tab next field · Ctrl-S runs the report · Esc back");
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn p(a: &str, b: &str) -> Option<Period> {
        Some(Period::new(d(a), d(b)).expect("period"))
    }

    #[test]
    fn periods_are_counted_from_today() {
        let today = d("2026-01-15");
        assert_eq!(
            Choice::ThisMonth.period(today),
            p("2026-01-01", "2026-01-31")
        );
        assert_eq!(
            Choice::LastMonth.period(today),
            p("2025-12-01", "2025-12-31")
        );
        assert_eq!(
            Choice::ThisQuarter.period(today),
            p("2026-01-01", "2026-03-31")
        );
        assert_eq!(
            Choice::LastQuarter.period(today),
            p("2025-10-01", "2025-12-31")
        );
        assert_eq!(
            Choice::ThisYear.period(today),
            p("2026-01-01", "2026-12-31")
        );
        assert_eq!(
            Choice::LastYear.period(today),
            p("2025-01-01", "2025-12-31")
        );
        assert_eq!(Choice::Dates.period(today), None);
        assert_eq!(
            Choice::ThisQuarter.period(d("2026-11-23")),
            p("2026-10-01", "2026-12-31")
        );
    }
}
