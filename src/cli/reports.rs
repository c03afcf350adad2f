//! `casedesk report --from DATE --to DATE [--format md|csv] [--deidentified]`:
//! the period's indicators for a donor report or head office.

use clap::{Args, ValueEnum};

use crate::csv_out::Field;
use crate::domain::reports::Period;
use crate::domain::reports::text::{CSV_HEADER, csv_rows, markdown};
use crate::office::Session;
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Markdown: a sentence per indicator with its number, then the tables
    Md,
    /// CSV: one row per indicator × cell (sex × age band), then the totals and the months
    Csv,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Every indicator the office reports — new cases (by programme, \
concern and referral source), open cases, cases closed by reason, case follow-ups, services \
and the people who received each, psychosocial counselling (counts only), class participants \
and attendance, literacy progress, skill courses, placements, outreach and community \
activities, women's desk cases by category — by sex (F, M, O) and age band (<12, 12–17, 18+, \
? unknown; age at the end of the period), with the previous period of the same length beside \
it, and new cases and services month by month. Dates are inclusive. A person is counted once \
per line however many services they had.\n\n\
--deidentified: aggregates only (no names, case numbers, dates of birth or places), for a whole \
calendar month, quarter or year only (exit 2 otherwise). Counts from 1 to 4 are withheld (x), \
with enough other numbers that none can be worked out from the totals, the previous period, or \
the quarter and year around it; the totals are kept wherever that is safe.\n\n\
Manager only (exit 3 otherwise). A bad period (a date not YYYY-MM-DD, or --to before --from) \
is exit 2. Running a report is recorded in the audit trail with its period."
)]
pub struct ReportArgs {
    /// First day of the period (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub from: String,
    /// Last day of the period, included (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub to: String,
    #[arg(long, value_enum, default_value_t = ReportFormat::Md)]
    pub format: ReportFormat,
    /// Aggregates only, small counts withheld (x): for head office or a donor; whole calendar months, quarters or years only
    #[arg(long)]
    pub deidentified: bool,
}

/// The period, checked before any password is asked for: a bad one is a
/// usage error (exit 2), and so is `--deidentified` for a period that is
/// not a whole calendar month, quarter or year.
pub fn period(args: &ReportArgs) -> Result<Period> {
    let period = Period::parse(&args.from, &args.to).map_err(|e| Error::Usage(e.to_string()))?;
    if args.deidentified && !period.is_calendar() {
        return Err(Error::Usage(DEIDENTIFIED_PERIODS.into()));
    }
    Ok(period)
}

/// Why a de-identified report is refused for any other period.
pub const DEIDENTIFIED_PERIODS: &str = "a de-identified report is made only for a whole calendar month, quarter or year (e.g. --from 2026-11-01 --to 2026-11-30), so that two reports cannot be subtracted; run this period without --deidentified";

pub fn run(session: &Session, args: &ReportArgs, period: Period) -> Result<()> {
    let report = session.report(period, args.deidentified)?;
    match args.format {
        ReportFormat::Md => super::output::document(&markdown(&report)),
        ReportFormat::Csv => {
            super::output::rows(&CSV_HEADER, &typed(csv_rows(&report)), super::Format::Csv)
        }
    }
}

/// The report's rows with their types: its value columns (`value`,
/// `previous`) are numbers (a withheld `x` stays text); the rest is text,
/// escaped in CSV where a spreadsheet would read a formula.
fn typed(rows: Vec<Vec<String>>) -> Vec<Vec<Field>> {
    let numbers = ["value", "previous"];
    rows.into_iter()
        .map(|row| {
            row.into_iter()
                .zip(CSV_HEADER)
                .map(|(cell, column)| {
                    if numbers.contains(&column) {
                        Field::number_or_text(cell)
                    } else {
                        Field::Text(cell)
                    }
                })
                .collect()
        })
        .collect()
}
