//! What a report is made of: indicators with their figures for the
//! period and the one before, the records behind each number, sections,
//! and the month-by-month series for the charts.

use super::{AgeBand, Grid, Period};
use crate::domain::Sex;

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
    /// Aggregates only: no record ids are kept, and the text withholds
    /// small numbers and their complements (`suppress`).
    pub deidentified: bool,
    /// What a de-identified report withholds, worked out with the other
    /// reports of its calendar year (`suppress::Pattern`); `None` for a
    /// period no de-identified report is made for, or when not asked.
    pub suppression: Option<super::suppress::Suppression>,
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
