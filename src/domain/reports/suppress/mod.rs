//! What a de-identified report may show: complementary cell suppression,
//! as statistical offices do it (tau-Argus, sdcTable), over every report
//! of a calendar year at once, with the totals kept wherever that is safe.
//!
//! The exact rule:
//!
//! 1. **Which periods.** A de-identified report is made only for a whole
//!    calendar month, quarter (January–March, …) or year
//!    ([`Period::is_calendar`]). Two overlapping periods of any other kind
//!    could be subtracted (1–27 and 1–26 November differ by one day, and
//!    by whoever was registered on it); calendar periods only nest.
//! 2. **What a reader knows.** Every number shown, and every sum between
//!    numbers that holds: an indicator's total is the sum of its sex ×
//!    age-band cells; the parts of an exact partition (new cases by
//!    programme or by referral source, cases closed by reason,
//!    counselling sessions by kind) add up to their parent, cell by cell
//!    and in total; the month's new cases and services (the series) are
//!    the new cases' total and the services by kind plus the counselling
//!    sessions; and across reports, a quarter is the sum of its three
//!    months and the year of its four quarters, wherever that holds for
//!    a number (head counts, services, new cases' totals; not distinct
//!    people, whom a quarter counts once). A sum is taken only when it
//!    holds exactly: a reader who knows the rule assumes every sum that
//!    could.
//! 3. **Small counts.** Every count from 1 to 4 — a cell, a total, a
//!    number of services, sessions, visits or activities, a month of the
//!    series — is withheld, shown as `x`. Zero is shown as 0, unless
//!    withheld as a complement (rule 5): an `x` may be 0.
//! 4. **Protection (the criterion).** For every withheld count from 1 to
//!    4, the largest value a reader can give it — solving every sum of
//!    the calendar year's 17 reports at once (12 months, 4 quarters, the
//!    year), each `x` being 0 or more — must be at least 5 (an upper
//!    protection level of 5, as tau-Argus's and sdcTable's interval
//!    protection; a linear-programming solver works it out, as the reader
//!    would). So no one can prove a withheld count is below 5, whichever
//!    reports of the year they hold.
//! 5. **Complements.** Until 4. holds, one more number is withheld, in a
//!    sum with an unprotected count: the cheapest for the reader first —
//!    a cell, then a breakdown's total or events, then a headline's
//!    events, and a headline total or a month of the series (the margins
//!    an office publishes) last; a month before a quarter before the year;
//!    of those, the first that protects the count on its own, else the
//!    one that raises its bound most. Then each margin withheld that way
//!    is shown again, the year's first, if 4. still holds without it. So
//!    a total is withheld only when showing it would let a small count be
//!    narrowed below 5: every safe total is shown.
//! 6. **One pattern per year.** The 17 reports of a calendar year are
//!    suppressed together (steps 3–5 on all of them at once), and each
//!    report shows its own period of that pattern. The previous period
//!    beside each number is shown exactly as that period's own report
//!    shows it (December beside January from the year before's pattern):
//!    it adds nothing a reader could not already have.
//! 7. **Rates.** An attendance rate is shown for a cell (or the total)
//!    only when the number of people behind it is 5 or more; otherwise
//!    `x`. The people behind a rate are not printed.
//!
//! Why this is sound across reports: every sum a reader can use is in
//! the one problem step 4 solves, for the whole year, so combining a
//! month's report with its quarter's, its year's or the previous
//! period's column gives nothing the solver did not already take into
//! account. (A year's report also shows the year before beside it: that
//! is the previous year's own pattern, no sum links the two years.)
//! Lines that merely overlap (new cases by concern, where one person may
//! have several; services by kind) are not sums and bind each other
//! only loosely; they are not used.
//!
//! Nothing else in a de-identified report is about people: no record
//! ids, names, case numbers, dates of birth or places.

mod solve;

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::{Measure, Period, Report, cells};
use solve::Problem;
pub use solve::LEVEL;

/// How a number appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Value(i64),
    /// Withheld: `x` (a count from 1 to 4, or a number that would let one
    /// be worked out; 0 or more).
    Withheld,
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Value(n) => write!(f, "{n}"),
            Shown::Withheld => f.write_str("x"),
        }
    }
}

/// Which of a report's two periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Which {
    Current,
    Previous,
}

/// One number of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Slot {
    Cell(crate::domain::Sex, super::AgeBand),
    Total,
    Events,
}

/// A number of a period: an indicator's key and slot. The month series
/// are `monthly.new_cases` and `monthly.services` (their `Total`).
pub type Pos = (String, Slot);

const SERIES_NEW: &str = "monthly.new_cases";
const SERIES_SERVICES: &str = "monthly.services";

/// What a de-identified report withholds: its period's numbers, the
/// previous period's, and each month of the series (new cases,
/// services). Made by [`Pattern::suppression`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Suppression {
    current: HashSet<Pos>,
    previous: HashSet<Pos>,
    months: Vec<(bool, bool)>,
}

/// One period's numbers and sums, as step 2 of the rule reads them.
struct Table {
    period: Period,
    pos: Vec<Pos>,
    values: Vec<i64>,
    cost: Vec<u8>,
    lines: Vec<(usize, Vec<usize>)>,
    at: HashMap<Pos, usize>,
}

impl Table {
    fn add(&mut self, pos: Pos, value: i64, cost: u8) -> usize {
        let i = self.pos.len();
        self.at.insert(pos.clone(), i);
        self.pos.push(pos);
        self.values.push(value);
        self.cost.push(cost);
        i
    }

    fn of(report: &Report) -> Table {
        let mut t = Table {
            period: report.period,
            pos: Vec::new(),
            values: Vec::new(),
            cost: Vec::new(),
            lines: Vec::new(),
            at: HashMap::new(),
        };
        for ind in report.indicators() {
            let f = &ind.current;
            let headline = ind.level == 0;
            if !matches!(ind.measure, Measure::Count | Measure::Rate) {
                let parts: Vec<usize> = cells()
                    .map(|(s, b)| t.add((ind.key.clone(), Slot::Cell(s, b)), f.cells.get(s, b), 0))
                    .collect();
                let cost = if headline { 3 } else { 1 };
                let total = t.add((ind.key.clone(), Slot::Total), f.cells.total(), cost);
                t.lines.push((total, parts));
            }
            if let Some(n) = f.events {
                t.add((ind.key.clone(), Slot::Events), n, if headline { 2 } else { 1 });
            }
        }
        // Exact partitions: the parts add up to their parent.
        let mut groups: Vec<((String, String, bool, bool), Vec<String>)> = Vec::new();
        for ind in report.indicators() {
            if let Some(p) = &ind.partition {
                let key = (p.parent.clone(), p.by.clone(), p.cells, p.events);
                match groups.iter_mut().find(|g| g.0 == key) {
                    Some(g) => g.1.push(ind.key.clone()),
                    None => groups.push((key, vec![ind.key.clone()])),
                }
            }
        }
        for ((parent, _, with_cells, with_events), children) in groups {
            let mut slots: Vec<Slot> = Vec::new();
            if with_cells {
                slots.extend(cells().map(|(s, b)| Slot::Cell(s, b)));
                slots.push(Slot::Total);
            }
            if with_events {
                slots.push(Slot::Events);
            }
            for slot in slots {
                let sum = t.at.get(&(parent.clone(), slot)).copied();
                let parts: Option<Vec<usize>> = children
                    .iter()
                    .map(|c| t.at.get(&(c.clone(), slot)).copied())
                    .collect();
                if let (Some(sum), Some(parts)) = (sum, parts) {
                    t.lines.push((sum, parts));
                }
            }
        }
        // The series: the period's new cases and services.
        let new: i64 = report.monthly.iter().map(|m| m.new_cases).sum();
        let services: i64 = report.monthly.iter().map(|m| m.services).sum();
        let n = t.add((SERIES_NEW.into(), Slot::Total), new, 3);
        let s = t.add((SERIES_SERVICES.into(), Slot::Total), services, 3);
        if let Some(total) = t.at.get(&("new_cases".to_string(), Slot::Total)) {
            t.lines.push((n, vec![*total]));
        }
        let by_kind: Vec<usize> = t
            .pos
            .iter()
            .enumerate()
            .filter(|(_, (k, slot))| {
                *slot == Slot::Events && (k.starts_with("services.") || k == "counselling")
            })
            .map(|(i, _)| i)
            .collect();
        if !by_kind.is_empty() {
            t.lines.push((s, by_kind));
        }
        t
    }
}

/// What the de-identified reports of one calendar year withhold, worked
/// out together (rule 6).
#[derive(Debug, Clone, Default)]
pub struct Pattern {
    withheld: HashMap<Period, HashSet<Pos>>,
}

impl Pattern {
    /// The pattern of the reports given (a calendar year's 12 months, 4
    /// quarters and the year, in any order; their current figures are
    /// used). Quarters are linked to their months and the year to its
    /// quarters wherever the numbers add up.
    pub fn of(reports: &[Report]) -> Pattern {
        let tables: Vec<Table> = reports.iter().map(Table::of).collect();
        let mut p = Problem::default();
        let mut ids: Vec<HashMap<&Pos, usize>> = Vec::new();
        for t in &tables {
            let rank = match t.period.whole_months() {
                Some(1) => 0,
                Some(3) => 1,
                _ => 2,
            };
            let first = p.values.len();
            for (v, c) in t.values.iter().zip(&t.cost) {
                p.number(*v, *c, rank);
            }
            for (sum, parts) in &t.lines {
                p.line(first + sum, parts.iter().map(|x| first + x).collect());
            }
            ids.push(t.pos.iter().enumerate().map(|(i, pos)| (pos, first + i)).collect());
        }
        // A quarter is its months, a year its quarters.
        for (i, t) in tables.iter().enumerate() {
            let part_len = match t.period.whole_months() {
                Some(3) => 1,
                Some(12) => 3,
                _ => continue,
            };
            let parts: Vec<usize> = (0..tables.len())
                .filter(|j| {
                    let q = tables[*j].period;
                    q.whole_months() == Some(part_len)
                        && t.period.from <= q.from
                        && q.to <= t.period.to
                })
                .collect();
            if parts.iter().map(|j| tables[*j].period.days()).sum::<i64>() != t.period.days() {
                continue;
            }
            for (pos, sum) in &ids[i] {
                let members: Option<Vec<usize>> =
                    parts.iter().map(|j| ids[*j].get(pos).copied()).collect();
                if let Some(members) = members {
                    p.line(*sum, members);
                }
            }
        }
        p.run();
        let withheld = tables
            .iter()
            .zip(&ids)
            .map(|(t, ids)| {
                let set = ids
                    .iter()
                    .filter(|(_, id)| p.withheld[**id])
                    .map(|(pos, _)| (*pos).clone())
                    .collect();
                (t.period, set)
            })
            .collect();
        Pattern { withheld }
    }

    /// Is this number of that period withheld? `None` for a period the
    /// pattern does not cover.
    pub fn withheld(&self, period: &Period, pos: &Pos) -> Option<bool> {
        self.withheld.get(period).map(|s| s.contains(pos))
    }

    /// What `report` withholds: its period from `this` year's pattern,
    /// its previous period from `before` (the same pattern unless the
    /// previous period is in the year before). `None` when either does
    /// not cover the period.
    pub fn suppression(report: &Report, this: &Pattern, before: &Pattern) -> Option<Suppression> {
        let current = this.withheld.get(&report.period)?.clone();
        let previous = before
            .withheld
            .get(&report.previous)
            .or_else(|| this.withheld.get(&report.previous))?
            .clone();
        let months = report
            .monthly
            .iter()
            .map(|m| {
                let set = this.withheld.get(&m.month)?;
                Some((
                    set.contains(&(SERIES_NEW.to_string(), Slot::Total)),
                    set.contains(&(SERIES_SERVICES.to_string(), Slot::Total)),
                ))
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Suppression {
            current,
            previous,
            months,
        })
    }
}

/// The numbers a report shows: as they are, or after suppression.
#[derive(Debug, Clone)]
pub struct View {
    suppressed: bool,
    shown: HashMap<(Which, usize, Slot), Shown>,
    months: Vec<(Shown, Shown)>,
}

impl View {
    /// The numbers of `report` as its text shows them: suppressed when
    /// the report is de-identified (everything withheld if it carries no
    /// [`Suppression`], which the office always attaches).
    pub fn of(report: &Report) -> View {
        let mut view = View {
            suppressed: report.deidentified,
            shown: HashMap::new(),
            months: Vec::new(),
        };
        if !report.deidentified {
            return view;
        }
        let Some(sup) = &report.suppression else {
            return view;
        };
        for (i, ind) in report.indicators().enumerate() {
            for which in [Which::Current, Which::Previous] {
                let (f, set) = match which {
                    Which::Current => (&ind.current, &sup.current),
                    Which::Previous => (&ind.previous, &sup.previous),
                };
                let slots = cells()
                    .map(|(s, b)| (Slot::Cell(s, b), f.cells.get(s, b)))
                    .chain([
                        (Slot::Total, f.cells.total()),
                        (Slot::Events, f.events.unwrap_or(0)),
                    ]);
                for (slot, value) in slots {
                    let shown = if ind.measure == Measure::Rate && slot != Slot::Events {
                        // Rule 7: the people behind a rate.
                        if value >= LEVEL {
                            Shown::Value(value)
                        } else {
                            Shown::Withheld
                        }
                    } else if set.contains(&(ind.key.clone(), slot)) {
                        Shown::Withheld
                    } else {
                        Shown::Value(value)
                    };
                    view.shown.insert((which, i, slot), shown);
                }
            }
        }
        view.months = report
            .monthly
            .iter()
            .zip(&sup.months)
            .map(|(m, (n, s))| {
                let show = |hide: bool, v: i64| {
                    if hide {
                        Shown::Withheld
                    } else {
                        Shown::Value(v)
                    }
                };
                (show(*n, m.new_cases), show(*s, m.services))
            })
            .collect();
        view
    }

    pub fn suppressed(&self) -> bool {
        self.suppressed
    }

    /// Indicator `i` (in report order), `which` period, `slot`; `raw` is
    /// its true value.
    pub fn get(&self, which: Which, i: usize, slot: Slot, raw: i64) -> Shown {
        if !self.suppressed {
            return Shown::Value(raw);
        }
        self.shown
            .get(&(which, i, slot))
            .copied()
            .unwrap_or(Shown::Withheld)
    }

    /// Month `i` of the series: (new cases, services).
    pub fn month(&self, i: usize, raw: (i64, i64)) -> (Shown, Shown) {
        if !self.suppressed {
            return (Shown::Value(raw.0), Shown::Value(raw.1));
        }
        self.months
            .get(i)
            .copied()
            .unwrap_or((Shown::Withheld, Shown::Withheld))
    }
}
