//! Dates as offices type them into spreadsheets: `23/11/2026`,
//! `23-11-2026`, `23.11.2026`, `2026-11-23`, `23 Nov 2026`, `Nov 23, 2026`,
//! a cell formatted as a date, or an Excel serial number (`46349`).
//!
//! Whether `03/04/2026` is the 3rd of April or the 4th of March is read in
//! the file's date order ([`FileDates`]): a mapping file's `[dates] order`,
//! else the order asked for this file (`--dates`, the Import screen's
//! choice), else the office's date order (day first by default). A column
//! that proves the office's order wrong (a second number above 12 in a
//! day-first office) is not read either way: its rows are reported with
//! the fix (`--dates mdy`). Nothing is guessed.
//!
//! In a year-first office (or with `--dates ymd`) `a/b/yyyy` dates are
//! settled per column by the rows that settle it (a first number above 12
//! is a day; a second number above 12 is a day); rows no row settles are
//! reported as ambiguous.

use chrono::NaiveDate;
use serde::Deserialize;

use super::Cell;
use crate::domain::dates::DateOrder;

/// Which number comes first in `dd/mm/yyyy`-like dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DayMonth {
    /// 23/11/2026: day first (Pakistan, Britain).
    Dmy,
    /// 11/23/2026: month first (the United States; some Excel set-ups).
    Mdy,
}

impl DayMonth {
    pub fn describe(self) -> &'static str {
        self.order().label()
    }

    /// The office date order this is.
    pub fn order(self) -> DateOrder {
        match self {
            DayMonth::Dmy => DateOrder::Dmy,
            DayMonth::Mdy => DateOrder::Mdy,
        }
    }

    /// The day/month order of an office date order (none for year first).
    pub fn of(order: DateOrder) -> Option<DayMonth> {
        match order {
            DateOrder::Dmy => Some(DayMonth::Dmy),
            DateOrder::Mdy => Some(DayMonth::Mdy),
            DateOrder::Ymd => None,
        }
    }

    /// "day first" or "month first", without an example.
    fn words(self) -> &'static str {
        match self {
            DayMonth::Dmy => "day first",
            DayMonth::Mdy => "month first",
        }
    }

    fn other(self) -> DayMonth {
        match self {
            DayMonth::Dmy => DayMonth::Mdy,
            DayMonth::Mdy => DayMonth::Dmy,
        }
    }
}

/// Who said how a file writes its dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderFrom {
    /// The mapping file's `[dates] order` (wins over everything).
    MappingFile,
    /// `--dates` on the command line, or the Import screen's choice.
    ThisFile,
    /// The office's date order.
    Office,
}

/// How a file's dates are read, before its columns are looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileDates {
    pub order: DateOrder,
    pub from: OrderFrom,
}

impl FileDates {
    /// The office's order, with nothing said for this file.
    pub fn office(order: DateOrder) -> FileDates {
        FileDates {
            order,
            from: OrderFrom::Office,
        }
    }
}

/// What one cell says, before the column's order is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Exact(NaiveDate),
    /// `a/b/year` with both orders still open.
    Numeric {
        a: u32,
        b: u32,
        year: i32,
    },
    /// A full day, month and year that make no date (31/02/2026).
    Impossible,
    NotADate,
}

/// Excel's largest serial date (9999-12-31).
const MAX_SERIAL: f64 = 2_958_465.0;

/// An Excel serial day number as a date, through calamine's conversion
/// (which knows Excel's 1900 leap-year bug).
fn serial(n: f64) -> Option<NaiveDate> {
    if !(1.0..=MAX_SERIAL).contains(&n) {
        return None;
    }
    let dt = calamine::ExcelDateTime::new(n, calamine::ExcelDateTimeType::DateTime, false);
    let (y, m, d, ..) = dt.to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(i32::from(y), u32::from(m), u32::from(d))
}

/// Month-name forms chrono reads (names and short names, any case).
const NAMED: &[&str] = &[
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%B-%Y",
    "%d/%b/%Y",
    "%d %b, %Y",
    "%d %B, %Y",
    "%b %d %Y",
    "%B %d %Y",
    "%b %d, %Y",
    "%B %d, %Y",
];

fn shape(cell: &Cell) -> Shape {
    let text = match cell {
        Cell::Date(d) => return Shape::Exact(*d),
        Cell::Number(n) if n.fract() == 0.0 => {
            return serial(*n).map_or(Shape::NotADate, Shape::Exact);
        }
        Cell::Number(_) => return Shape::NotADate,
        Cell::Text(t) => t.trim(),
    };
    // A time after the date ("2026-11-23T00:00:00", "23/11/2026 00:00")
    // says nothing about the day.
    let text = match text.split_once(['T', ' ']) {
        Some((date, time)) if time.contains(':') => date.trim(),
        _ => text,
    };
    if text.is_empty() {
        return Shape::NotADate;
    }
    // A serial number exported as text (a CSV saved from a sheet whose
    // date column lost its format): five digits are 1927 to 2173; shorter
    // numbers are more likely a year or a typing slip than a date.
    if text.len() == 5 && text.bytes().all(|b| b.is_ascii_digit()) {
        return text
            .parse::<f64>()
            .ok()
            .and_then(serial)
            .map_or(Shape::NotADate, Shape::Exact);
    }
    let parts: Vec<&str> = text.split(['/', '-', '.']).collect();
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
    {
        let n: Vec<u32> = parts.iter().filter_map(|p| p.parse().ok()).collect();
        if parts[0].len() == 4 {
            return NaiveDate::from_ymd_opt(n[0] as i32, n[1], n[2])
                .map_or(Shape::Impossible, Shape::Exact);
        }
        if parts[2].len() != 4 {
            // Two-digit years are left alone: 23/11/26 could be 1926.
            return Shape::NotADate;
        }
        let (a, b, year) = (n[0], n[1], n[2] as i32);
        if a == 0 || b == 0 || a > 31 || b > 31 || (a > 12 && b > 12) {
            return Shape::Impossible;
        }
        return Shape::Numeric { a, b, year };
    }
    let mut impossible = false;
    for fmt in NAMED {
        match NaiveDate::parse_from_str(text, fmt) {
            Ok(d) => return Shape::Exact(d),
            Err(e)
                if matches!(
                    e.kind(),
                    chrono::format::ParseErrorKind::OutOfRange
                        | chrono::format::ParseErrorKind::Impossible
                ) =>
            {
                impossible = true
            }
            Err(_) => {}
        }
    }
    if impossible {
        Shape::Impossible
    } else {
        Shape::NotADate
    }
}

/// How a column's `a/b/year` dates are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnOrder {
    /// Given by the mapping file.
    Given(DayMonth),
    /// Asked for this file (`--dates`, the Import screen's choice).
    ForFile(DayMonth),
    /// The office's date order, and no row of the column says otherwise.
    Office(DayMonth),
    /// The office reads dates `office`, but a row of the column (`proof`)
    /// can only be the other way: the column is not read either way.
    AgainstOffice { office: DayMonth, proof: NaiveDate },
    /// Settled by rows of the column (and no row says otherwise).
    Settled(DayMonth),
    /// Rows of the column disagree: some can only be day first, some only
    /// month first. Each of those is read its own way; the rest are
    /// ambiguous.
    Mixed,
    /// No row settles it (or there are no such dates).
    Open,
}

impl ColumnOrder {
    pub fn order(self) -> Option<DayMonth> {
        match self {
            ColumnOrder::Given(o)
            | ColumnOrder::ForFile(o)
            | ColumnOrder::Office(o)
            | ColumnOrder::Settled(o) => Some(o),
            _ => None,
        }
    }

    /// For the preview's mapping list.
    pub fn describe(self) -> String {
        match self {
            ColumnOrder::Given(o) => format!("{}, as the mapping file says", o.describe()),
            ColumnOrder::ForFile(o) => format!("{}, as asked for this file", o.describe()),
            ColumnOrder::Office(o) => format!("{}, the office's date order", o.describe()),
            ColumnOrder::AgainstOffice { office, proof } => format!(
                "not read: the column has {}, which can only be {}, but the office reads dates {}; {}",
                office.other().order().format(proof),
                office.other().words(),
                office.words(),
                fix(office.other())
            ),
            ColumnOrder::Settled(o) => format!("{}, settled by the column's dates", o.describe()),
            ColumnOrder::Mixed => "mixed: some dates are day first, some month first".into(),
            ColumnOrder::Open => "day/month order not settled by any row".into(),
        }
    }
}

/// How to set the order that would read a column: for the messages.
fn fix(o: DayMonth) -> String {
    format!(
        "if the file writes dates {}, import it with --dates {} (on the desk: the Dates choice)",
        o.words(),
        o.order().code()
    )
}

/// Decide a column's order from its cells and the file's date order.
pub fn column_order<'a>(cells: impl Iterator<Item = &'a Cell>, dates: FileDates) -> ColumnOrder {
    let given = DayMonth::of(dates.order);
    match (given, dates.from) {
        (Some(o), OrderFrom::MappingFile) => return ColumnOrder::Given(o),
        (Some(o), OrderFrom::ThisFile) => return ColumnOrder::ForFile(o),
        _ => {}
    }
    // Rows that can only be read one way: (day first, month first).
    let (mut dmy, mut mdy) = (None, None);
    for c in cells {
        if let Shape::Numeric { a, b, year } = shape(c) {
            if a > 12 {
                dmy = dmy.or(NaiveDate::from_ymd_opt(year, b, a));
            }
            if b > 12 {
                mdy = mdy.or(NaiveDate::from_ymd_opt(year, a, b));
            }
        }
    }
    match (given, dmy, mdy) {
        (_, Some(_), Some(_)) => ColumnOrder::Mixed,
        (Some(DayMonth::Dmy), None, Some(proof)) => ColumnOrder::AgainstOffice {
            office: DayMonth::Dmy,
            proof,
        },
        (Some(DayMonth::Mdy), Some(proof), None) => ColumnOrder::AgainstOffice {
            office: DayMonth::Mdy,
            proof,
        },
        (Some(o), _, _) => ColumnOrder::Office(o),
        (None, Some(_), None) => ColumnOrder::Settled(DayMonth::Dmy),
        (None, None, Some(_)) => ColumnOrder::Settled(DayMonth::Mdy),
        (None, None, None) => ColumnOrder::Open,
    }
}

/// Why a date cell was not read, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateProblem {
    Empty,
    NotADate,
    Impossible,
    /// Either of two dates.
    Ambiguous(NaiveDate, NaiveDate),
    /// In a column that proves the office's order wrong.
    AgainstOffice,
}

impl DateProblem {
    /// "`label`: …" for the preview, with the cell's text (a date is not
    /// what identifies a person, and the person needs it to find the cell).
    pub fn message(&self, label: &str, text: &str, order: ColumnOrder) -> String {
        let long = |d: &NaiveDate| d.format("%-d %B %Y").to_string();
        match self {
            DateProblem::Empty => format!("{label} is missing"),
            DateProblem::NotADate => format!(
                "{label}: '{}' is not a date; write it like 23/11/2026, 2026-11-23 or 23 Nov 2026",
                crate::safe_text::brief(text).escape_debug()
            ),
            DateProblem::Impossible => match order.order() {
                Some(o) => format!(
                    "{label}: there is no such date as {text} (the column is read {})",
                    o.describe()
                ),
                None => format!("{label}: there is no such date as {text}"),
            },
            DateProblem::Ambiguous(a, b) => format!(
                "{label}: {text} could be {} or {}; {} — say which with --dates dmy or --dates mdy (on the desk: the Dates choice)",
                long(a),
                long(b),
                if order == ColumnOrder::Mixed {
                    "the column has dates written both ways"
                } else {
                    "no date in the column has a day above 12 to settle it"
                }
            ),
            DateProblem::AgainstOffice => match order {
                ColumnOrder::AgainstOffice { office, proof } => format!(
                    "{label}: {text} is not read: the column has {}, which can only be {}, but the office reads dates {}; {}",
                    office.other().order().format(proof),
                    office.other().words(),
                    office.words(),
                    fix(office.other())
                ),
                _ => format!("{label}: {text} is not read in the office's date order"),
            },
        }
    }
}

/// Read a date cell of a column read in `order`.
pub fn read(cell: &Cell, order: ColumnOrder) -> Result<NaiveDate, DateProblem> {
    if cell.is_blank() {
        return Err(DateProblem::Empty);
    }
    match shape(cell) {
        Shape::Exact(d) => Ok(d),
        Shape::Impossible => Err(DateProblem::Impossible),
        Shape::NotADate => Err(DateProblem::NotADate),
        Shape::Numeric { a, b, year } => {
            let dmy = || NaiveDate::from_ymd_opt(year, b, a);
            let mdy = || NaiveDate::from_ymd_opt(year, a, b);
            let pick = |d: Option<NaiveDate>| d.ok_or(DateProblem::Impossible);
            if let ColumnOrder::AgainstOffice { .. } = order {
                // Only a date that is the same both ways is certain.
                return if a == b {
                    pick(dmy())
                } else {
                    Err(DateProblem::AgainstOffice)
                };
            }
            match order.order() {
                Some(DayMonth::Dmy) => pick(dmy()),
                Some(DayMonth::Mdy) => pick(mdy()),
                // Unsettled: a row settles itself, or is the same both ways.
                None if a > 12 => pick(dmy()),
                None if b > 12 || a == b => pick(mdy()),
                None => match (dmy(), mdy()) {
                    (Some(x), Some(y)) => Err(DateProblem::Ambiguous(x, y)),
                    _ => Err(DateProblem::Impossible),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Cell {
        Cell::Text(s.into())
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn the_forms_offices_type() {
        let open = ColumnOrder::Open;
        for s in [
            "23/11/2026",
            "23-11-2026",
            "23.11.2026",
            "2026-11-23",
            "23 Nov 2026",
            "23 november 2026",
            "23-Nov-2026",
            "Nov 23, 2026",
            "2026-11-23T00:00:00",
            "23/11/2026 00:00",
            "46349",
        ] {
            assert_eq!(read(&t(s), open), Ok(d(2026, 11, 23)), "{s}");
        }
        assert_eq!(read(&Cell::Number(46349.0), open), Ok(d(2026, 11, 23)));
        assert_eq!(
            read(&Cell::Date(d(2026, 11, 23)), open),
            Ok(d(2026, 11, 23))
        );
    }

    #[test]
    fn impossible_and_garbage_are_told_apart() {
        let open = ColumnOrder::Open;
        for s in [
            "31/02/2026",
            "2026-02-30",
            "32/01/2026",
            "30 Feb 2026",
            "13/13/2026",
        ] {
            assert_eq!(read(&t(s), open), Err(DateProblem::Impossible), "{s}");
        }
        for s in ["soon", "23/11/26", "12.5", "2026"] {
            assert_eq!(read(&t(s), open), Err(DateProblem::NotADate), "{s}");
        }
        assert_eq!(read(&t(" "), open), Err(DateProblem::Empty));
    }

    #[test]
    fn a_year_first_office_settles_the_order_per_column_and_never_guesses() {
        let ymd = FileDates::office(DateOrder::Ymd);
        let dmy = [t("03/04/2026"), t("23/11/2026")];
        let order = column_order(dmy.iter(), ymd);
        assert_eq!(order, ColumnOrder::Settled(DayMonth::Dmy));
        assert_eq!(read(&dmy[0], order), Ok(d(2026, 4, 3)));

        let mdy = [t("03/04/2026"), t("11/23/2026")];
        let order = column_order(mdy.iter(), ymd);
        assert_eq!(read(&mdy[0], order), Ok(d(2026, 3, 4)));

        let open = [t("03/04/2026"), t("05/05/2026"), t("2026-01-20")];
        let order = column_order(open.iter(), ymd);
        assert_eq!(order, ColumnOrder::Open);
        assert_eq!(
            read(&open[0], order),
            Err(DateProblem::Ambiguous(d(2026, 4, 3), d(2026, 3, 4)))
        );
        assert_eq!(read(&open[1], order), Ok(d(2026, 5, 5)));

        let mixed = [t("03/04/2026"), t("23/11/2026"), t("11/23/2026")];
        let order = column_order(mixed.iter(), ymd);
        assert_eq!(order, ColumnOrder::Mixed);
        assert!(matches!(
            read(&mixed[0], order),
            Err(DateProblem::Ambiguous(..))
        ));
        assert_eq!(read(&mixed[1], order), Ok(d(2026, 11, 23)));
        assert_eq!(read(&mixed[2], order), Ok(d(2026, 11, 23)));

        // The mapping file decides; a row against it has no such date.
        let map = FileDates {
            order: DateOrder::Mdy,
            from: OrderFrom::MappingFile,
        };
        let order = column_order(open.iter(), map);
        assert_eq!(read(&open[0], order), Ok(d(2026, 3, 4)));
        assert_eq!(read(&t("23/11/2026"), order), Err(DateProblem::Impossible));
    }

    #[test]
    fn the_office_order_reads_a_column_no_row_settles() {
        let cells = [t("01/12/2026"), t("05/03/2026"), t("2026-01-20")];
        let order = column_order(cells.iter(), FileDates::office(DateOrder::Dmy));
        assert_eq!(order, ColumnOrder::Office(DayMonth::Dmy));
        assert_eq!(read(&cells[0], order), Ok(d(2026, 12, 1)));
        assert_eq!(read(&cells[2], order), Ok(d(2026, 1, 20)));
        let order = column_order(cells.iter(), FileDates::office(DateOrder::Mdy));
        assert_eq!(read(&cells[0], order), Ok(d(2026, 1, 12)));
        // Asked for this file: over the office's order.
        let file = FileDates {
            order: DateOrder::Mdy,
            from: OrderFrom::ThisFile,
        };
        let order = column_order(cells.iter(), file);
        assert_eq!(order, ColumnOrder::ForFile(DayMonth::Mdy));
        assert_eq!(read(&cells[1], order), Ok(d(2026, 5, 3)));
    }

    #[test]
    fn a_column_against_the_office_order_is_reported_with_the_fix() {
        let cells = [t("01/12/2026"), t("11/23/2026"), t("04/04/2026")];
        let order = column_order(cells.iter(), FileDates::office(DateOrder::Dmy));
        assert_eq!(
            order,
            ColumnOrder::AgainstOffice {
                office: DayMonth::Dmy,
                proof: d(2026, 11, 23)
            }
        );
        for c in &cells[..2] {
            let e = read(c, order).expect_err("not guessed");
            assert_eq!(e, DateProblem::AgainstOffice);
            let m = e.message("Date", c.text().trim(), order);
            assert!(m.contains("11/23/2026"), "{m}");
            assert!(m.contains("--dates mdy"), "{m}");
        }
        assert_eq!(read(&cells[2], order), Ok(d(2026, 4, 4)));
        assert!(order.describe().contains("--dates mdy"));
        // Rows settling both ways are mixed, whatever the office says.
        let mixed = [t("23/11/2026"), t("11/23/2026")];
        let order = column_order(mixed.iter(), FileDates::office(DateOrder::Dmy));
        assert_eq!(order, ColumnOrder::Mixed);
    }
}
