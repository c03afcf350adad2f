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

pub mod suppress;
pub mod text;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Duration, Months, NaiveDate};

use super::Sex;
use crate::Error;

vocabulary!(
    /// The age bands reports disaggregate by. `Unknown` holds people
    /// without a date of birth (and crowds whose ages were not counted).
    AgeBand, "age band" {
        Under12 => "under12", "under 12";
        Teen => "12-17", "12–17";
        Adult => "18+", "18 and over";
        Unknown => "unknown", "age unknown";
    }
);

impl AgeBand {
    /// The band of someone born on `birth`, on the day `on` (at the end
    /// of a period).
    pub fn of(birth: Option<NaiveDate>, on: NaiveDate) -> AgeBand {
        match birth.and_then(|b| on.years_since(b)) {
            None => AgeBand::Unknown,
            Some(a) if a < 12 => AgeBand::Under12,
            Some(a) if a < 18 => AgeBand::Teen,
            Some(_) => AgeBand::Adult,
        }
    }

    /// A short column heading.
    pub fn short(self) -> &'static str {
        match self {
            AgeBand::Under12 => "<12",
            AgeBand::Teen => "12–17",
            AgeBand::Adult => "18+",
            AgeBand::Unknown => "?",
        }
    }

    fn index(self) -> usize {
        match self {
            AgeBand::Under12 => 0,
            AgeBand::Teen => 1,
            AgeBand::Adult => 2,
            AgeBand::Unknown => 3,
        }
    }
}

fn sex_index(s: Sex) -> usize {
    match s {
        Sex::Female => 0,
        Sex::Male => 1,
        Sex::Other => 2,
    }
}

/// One letter per sex for column headings.
pub fn sex_letter(s: Sex) -> &'static str {
    match s {
        Sex::Female => "F",
        Sex::Male => "M",
        Sex::Other => "O",
    }
}

/// Numbers by sex × age band: 3 × 4 cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Grid {
    cells: [[i64; 4]; 3],
}

/// Every (sex, band) cell in the order reports show them: female under
/// 12 … female unknown, male …, other ….
pub fn cells() -> impl Iterator<Item = (Sex, AgeBand)> {
    Sex::ALL
        .iter()
        .flat_map(|s| AgeBand::ALL.iter().map(move |b| (*s, *b)))
}

impl Grid {
    pub fn get(&self, sex: Sex, band: AgeBand) -> i64 {
        self.cells[sex_index(sex)][band.index()]
    }

    pub fn add(&mut self, sex: Sex, band: AgeBand, n: i64) {
        self.cells[sex_index(sex)][band.index()] += n;
    }

    pub fn total(&self) -> i64 {
        self.cells.iter().flatten().sum()
    }

    pub fn sex_total(&self, sex: Sex) -> i64 {
        self.cells[sex_index(sex)].iter().sum()
    }

    pub fn band_total(&self, band: AgeBand) -> i64 {
        self.cells.iter().map(|r| r[band.index()]).sum()
    }

    /// Every cell with its value, in [`cells`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Sex, AgeBand, i64)> + '_ {
        cells().map(|(s, b)| (s, b, self.get(s, b)))
    }
}

impl std::ops::AddAssign for Grid {
    fn add_assign(&mut self, other: Grid) {
        for (s, b, n) in other.iter() {
            self.add(s, b, n);
        }
    }
}

/// A reporting period, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| {
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

/// What an indicator's cells count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// Distinct people (each counted once).
    People,
    /// Head counts at activities (not distinct people: the same child at
    /// two meetings is two participants).
    Participants,
    /// An attendance rate per cell; the cells count the people with marks.
    Rate,
    /// One number, not disaggregated (`Figures::events`).
    Count,
}

impl Measure {
    pub fn code(self) -> &'static str {
        match self {
            Measure::People => "people",
            Measure::Participants => "participants",
            Measure::Rate => "attendance_rate",
            Measure::Count => "count",
        }
    }
}

/// What the record ids of an indicator are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Person,
    Activity,
}

/// One record behind a number: a person (with the cell they are counted
/// in) or an activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    pub id: i64,
    pub cell: Option<(Sex, AgeBand)>,
}

/// Attendance marks per cell: attended (present or late) out of counted
/// (present, late or absent; excused left out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateGrid {
    pub attended: Grid,
    pub counted: Grid,
}

/// A rate as a whole percentage, rounded half up; none when nothing was
/// counted.
pub fn percent(attended: i64, counted: i64) -> Option<i64> {
    (counted > 0).then(|| (attended * 100 + counted / 2) / counted)
}

/// The numbers of one indicator for one period.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Figures {
    /// People (or participants, or the people a rate is over) by cell.
    pub cells: Grid,
    /// How many times it happened: services given, sessions held, visits
    /// made, activities held; for a `Count` indicator, the number itself.
    pub events: Option<i64>,
    /// Rate indicators: the marks per cell.
    pub rate: Option<RateGrid>,
    /// The records behind the number (people or activities), by id.
    pub records: Vec<Record>,
}

impl Figures {
    pub fn with_events(mut self, n: i64) -> Figures {
        self.events = Some(n);
        self
    }

    /// The one number a sentence or a chart uses.
    pub fn value(&self, measure: Measure) -> i64 {
        match measure {
            Measure::People | Measure::Participants => self.cells.total(),
            Measure::Rate => self
                .rate
                .and_then(|r| percent(r.attended.total(), r.counted.total()))
                .unwrap_or(0),
            Measure::Count => self.events.unwrap_or(0),
        }
    }
}

/// This indicator is one part of an exact partition of `parent` (every
/// person or event of the parent falls in exactly one part): the parts
/// add up to the parent, cell by cell, which suppression must know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    pub parent: String,
    /// Which partition of the parent (a parent may be split several
    /// ways: new cases by programme, and by referral source).
    pub by: String,
    /// The cells (and totals) add up.
    pub cells: bool,
    /// The events add up.
    pub events: bool,
}

/// How a headline indicator is said in a sentence: `{n}` is the number,
/// `{e}` the events; `one` is used when the number is 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sentence {
    pub one: &'static str,
    pub many: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indicator {
    /// A stable code, e.g. `new_cases.programme.cpc` (CSV, tests).
    pub key: String,
    pub label: String,
    pub measure: Measure,
    /// What `events` counts ("services", "sessions"), when it is kept.
    pub events: Option<&'static str>,
    /// 0 for a headline, 1 for a breakdown of the headline above it.
    pub level: u8,
    pub partition: Option<Partition>,
    pub record_kind: RecordKind,
    /// Headlines only: their sentence in the narrative.
    pub sentence: Option<Sentence>,
    pub current: Figures,
    pub previous: Figures,
}

impl Indicator {
    /// A headline counting people.
    pub fn people(key: impl Into<String>, label: impl Into<String>) -> Indicator {
        Indicator {
            key: key.into(),
            label: label.into(),
            measure: Measure::People,
            events: None,
            level: 0,
            partition: None,
            record_kind: RecordKind::Person,
            sentence: None,
            current: Figures::default(),
            previous: Figures::default(),
        }
    }

    pub fn measure(mut self, m: Measure) -> Indicator {
        self.measure = m;
        self
    }

    pub fn events(mut self, word: &'static str) -> Indicator {
        self.events = Some(word);
        self
    }

    /// A breakdown row under the headline before it.
    pub fn breakdown(mut self) -> Indicator {
        self.level = 1;
        self
    }

    /// A breakdown that is an exact partition `by` of `parent`.
    pub fn part_of(mut self, parent: &str, by: &str, cells: bool, events: bool) -> Indicator {
        self.level = 1;
        self.partition = Some(Partition {
            parent: parent.to_string(),
            by: by.to_string(),
            cells,
            events,
        });
        self
    }

    pub fn records(mut self, kind: RecordKind) -> Indicator {
        self.record_kind = kind;
        self
    }

    pub fn say(mut self, one: &'static str, many: &'static str) -> Indicator {
        self.sentence = Some(Sentence { one, many });
        self
    }

    pub fn figures(mut self, current: Figures, previous: Figures) -> Indicator {
        self.current = current;
        self.previous = previous;
        self
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub key: &'static str,
    pub title: &'static str,
    pub indicators: Vec<Indicator>,
}

/// One month of the period (cut to the period) for the bar charts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthPoint {
    pub month: Period,
    pub new_cases: i64,
    /// Services recorded plus counselling sessions held.
    pub services: i64,
}

/// A whole report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub office: String,
    pub period: Period,
    pub previous: Period,
    pub sections: Vec<Section>,
    pub monthly: Vec<MonthPoint>,
    /// Aggregates only: no record ids are kept, and the text shows small
    /// numbers as `<5` (`suppress`).
    pub deidentified: bool,
}

impl Report {
    /// Every indicator, in order.
    pub fn indicators(&self) -> impl Iterator<Item = &Indicator> {
        self.sections.iter().flat_map(|s| s.indicators.iter())
    }

    pub fn indicator(&self, key: &str) -> Option<&Indicator> {
        self.indicators().find(|i| i.key == key)
    }

    /// Drop every record id: what leaves the office as aggregates.
    pub fn deidentify(&mut self) {
        self.deidentified = true;
        for s in &mut self.sections {
            for i in &mut s.indicators {
                i.current.records.clear();
                i.previous.records.clear();
            }
        }
    }
}

/// Everyone's sex and date of birth, to put people in cells.
#[derive(Debug, Default)]
pub struct Demographics {
    /// By record id when the ids are dense (as rowids are): a report
    /// looks people up millions of times on a large office.
    dense: Vec<Option<(Sex, Option<NaiveDate>)>>,
    sparse: HashMap<i64, (Sex, Option<NaiveDate>)>,
}

impl Demographics {
    pub fn new(rows: impl IntoIterator<Item = (i64, Sex, Option<NaiveDate>)>) -> Demographics {
        let rows: Vec<_> = rows.into_iter().collect();
        let max = rows.iter().map(|r| r.0).max().unwrap_or(0);
        let dense = max >= 0 && (max as usize) <= rows.len() * 4 + 1024;
        let mut d = Demographics::default();
        if dense {
            d.dense = vec![None; max as usize + 1];
            for (id, s, b) in rows {
                if let Ok(i) = usize::try_from(id) {
                    d.dense[i] = Some((s, b));
                }
            }
        } else {
            d.sparse = rows.into_iter().map(|(id, s, b)| (id, (s, b))).collect();
        }
        d
    }

    /// A person's cell on `on` (the end of a period). Someone unknown
    /// here (deleted since) counts as "other, age unknown".
    pub fn cell(&self, id: i64, on: NaiveDate) -> (Sex, AgeBand) {
        let found = usize::try_from(id)
            .ok()
            .and_then(|i| self.dense.get(i).copied().flatten())
            .or_else(|| self.sparse.get(&id).copied());
        match found {
            Some((s, b)) => (s, AgeBand::of(b, on)),
            None => (Sex::Other, AgeBand::Unknown),
        }
    }

    /// The distinct people among `ids`, in cells, with their records in
    /// id order.
    pub fn people(&self, ids: impl IntoIterator<Item = i64>, on: NaiveDate) -> Figures {
        let mut ids: Vec<i64> = ids.into_iter().collect();
        ids.sort_unstable();
        ids.dedup();
        let mut f = Figures::default();
        for id in ids {
            let (s, b) = self.cell(id, on);
            f.cells.add(s, b, 1);
            f.records.push(Record {
                id,
                cell: Some((s, b)),
            });
        }
        f
    }

    /// Attendance per person — (person, attended, counted) rows, a person
    /// possibly on several — as a rate indicator's figures.
    pub fn rate(&self, rows: impl IntoIterator<Item = (i64, i64, i64)>, on: NaiveDate) -> Figures {
        let mut per: BTreeMap<i64, (i64, i64)> = BTreeMap::new();
        for (id, a, c) in rows {
            let e = per.entry(id).or_default();
            e.0 += a;
            e.1 += c;
        }
        let mut f = self.people(per.iter().filter(|e| e.1.1 > 0).map(|e| *e.0), on);
        let mut r = RateGrid::default();
        for (id, (a, c)) in per {
            let (s, b) = self.cell(id, on);
            r.attended.add(s, b, a);
            r.counted.add(s, b, c);
        }
        f.rate = Some(r);
        f
    }
}

/// Was a case open on some day of `p`? `changes` are the case's status
/// steps (date, new status) in order. Open: the status it had when the
/// period began was not closed, or a step within the period left it open
/// (registered, active or reopened). A case closed during the period was
/// open until that day, so it counts.
pub fn open_during(
    changes: impl IntoIterator<Item = (NaiveDate, super::CaseStatus)>,
    p: &Period,
) -> bool {
    use super::CaseStatus::Closed;
    let mut before = None;
    for (on, status) in changes {
        if on < p.from {
            before = Some(status);
        } else if on <= p.to && status != Closed {
            return true;
        }
    }
    before.is_some_and(|s| s != Closed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CaseStatus;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn p(a: &str, b: &str) -> Period {
        Period::new(d(a), d(b)).expect("period")
    }

    #[test]
    fn previous_periods_are_the_same_length() {
        assert_eq!(
            p("2026-04-01", "2026-06-30").previous(),
            p("2026-01-01", "2026-03-31")
        );
        assert_eq!(
            p("2026-03-01", "2026-03-31").previous(),
            p("2026-02-01", "2026-02-28")
        );
        assert_eq!(
            p("2026-01-01", "2026-12-31").previous(),
            p("2025-01-01", "2025-12-31")
        );
        // Not whole months: the same number of days.
        assert_eq!(
            p("2026-03-10", "2026-03-19").previous(),
            p("2026-02-28", "2026-03-09")
        );
        assert!(Period::new(d("2026-02-01"), d("2026-01-31")).is_err());
        assert!(Period::parse("2026-02-30", "2026-03-01").is_err());
    }

    #[test]
    fn periods_are_said_in_words_and_cut_in_months() {
        assert_eq!(p("2026-03-01", "2026-03-31").words(), "March 2026");
        assert_eq!(
            p("2026-04-01", "2026-06-30").words(),
            "the quarter April–June 2026"
        );
        assert_eq!(p("2025-01-01", "2025-12-31").words(), "2025");
        assert_eq!(
            p("2026-01-05", "2026-02-10").words(),
            "the period 5 January 2026 to 10 February 2026"
        );
        let months = p("2026-01-15", "2026-03-02").months();
        assert_eq!(months.len(), 3);
        assert_eq!(months[0], p("2026-01-15", "2026-01-31"));
        assert_eq!(months[2], p("2026-03-01", "2026-03-02"));
    }

    #[test]
    fn ages_fall_in_bands_at_the_end_of_the_period() {
        let on = d("2026-12-31");
        assert_eq!(AgeBand::of(Some(d("2015-01-01")), on), AgeBand::Under12);
        assert_eq!(AgeBand::of(Some(d("2014-12-31")), on), AgeBand::Teen);
        assert_eq!(AgeBand::of(Some(d("2009-01-01")), on), AgeBand::Teen);
        assert_eq!(AgeBand::of(Some(d("2008-12-31")), on), AgeBand::Adult);
        assert_eq!(AgeBand::of(None, on), AgeBand::Unknown);
        assert_eq!(AgeBand::of(Some(d("2027-01-01")), on), AgeBand::Unknown);
    }

    #[test]
    fn people_count_once_and_rates_add_up() {
        let demo = Demographics::new([
            (1, Sex::Male, Some(d("2015-06-01"))),
            (2, Sex::Female, None),
        ]);
        let f = demo.people([1, 2, 1, 1], d("2026-12-31"));
        assert_eq!(f.cells.total(), 2);
        assert_eq!(f.cells.get(Sex::Male, AgeBand::Teen), 0);
        assert_eq!(f.cells.get(Sex::Male, AgeBand::Under12), 1);
        assert_eq!(f.cells.get(Sex::Female, AgeBand::Unknown), 1);
        let r = demo.rate([(1, 3, 4), (1, 1, 4), (2, 0, 0)], d("2026-12-31"));
        assert_eq!(
            r.cells.total(),
            1,
            "a person with nothing counted is left out"
        );
        assert_eq!(r.value(Measure::Rate), 50);
    }

    #[test]
    fn a_case_is_open_if_any_day_of_the_period_was() {
        use CaseStatus::*;
        let q = p("2026-04-01", "2026-06-30");
        let steps = |v: &[(&str, CaseStatus)]| -> Vec<(NaiveDate, CaseStatus)> {
            v.iter().map(|(a, s)| (d(a), *s)).collect()
        };
        let open_during =
            |v: &Vec<(NaiveDate, CaseStatus)>, p: &Period| open_during(v.iter().copied(), p);
        assert!(open_during(&steps(&[("2026-01-01", Registered)]), &q));
        assert!(open_during(&steps(&[("2026-06-30", Registered)]), &q));
        assert!(!open_during(&steps(&[("2026-07-01", Registered)]), &q));
        let closed_before = steps(&[("2026-01-01", Registered), ("2026-03-31", Closed)]);
        assert!(!open_during(&closed_before, &q));
        let closed_on_first = steps(&[("2026-01-01", Registered), ("2026-04-01", Closed)]);
        assert!(open_during(&closed_on_first, &q));
        let reopened = steps(&[
            ("2026-01-01", Registered),
            ("2026-02-01", Closed),
            ("2026-05-01", Reopened),
        ]);
        assert!(open_during(&reopened, &q));
    }
}
