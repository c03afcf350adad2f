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
//!    by whoever was registered on it); calendar periods only nest. The
//!    17 reports of a calendar year (12 months, 4 quarters, the year) are
//!    suppressed together, and each report shows its own period of that
//!    one pattern.
//! 2. **What a reader knows.** Every number shown, and every sum between
//!    numbers: an indicator's total is the sum of its sex × age-band
//!    cells; the parts of an exact partition (new cases by programme or
//!    by referral source, cases closed by reason, counselling sessions by
//!    kind) add up to their parent, cell by cell and in total; the
//!    month's new cases and services (the series) are the new cases'
//!    total and the services by kind plus the counselling sessions; and
//!    across reports, a quarter is the sum of its months and the year of
//!    its quarters, wherever that holds for a number (head counts,
//!    services, new cases; not distinct people, whom a quarter counts
//!    once). Lines that merely overlap (new cases by concern, services by
//!    kind per person) are not sums and are not used.
//! 3. **Cells.** An indicator's cells belong to a group: a headline and
//!    the breakdowns that partition it cell by cell (new cases with its
//!    programmes and referral sources, cases closed with their reasons),
//!    or the indicator alone. If any cell of a group is from 1 to 4 in
//!    any of the year's 17 periods, every cell of that group is withheld
//!    (`x`) in all 17 — the small ones and, as their complements, the
//!    rest of the row and column; otherwise all are shown. The totals
//!    stay (rule 4).
//! 4. **Totals, events and the series.** Every one from 1 to 4 is
//!    withheld. Then, until the criterion (5.) holds, one more is
//!    withheld, in a sum with an unprotected count: the cheapest for the
//!    reader first — a breakdown's total or events, then a headline's
//!    events, and a headline total or a month of the series (the margins
//!    an office publishes) last; a month before a quarter before the year;
//!    in a sum with the count itself before one further off; a number
//!    above 0 before a zero, the smallest first; of those, the first that
//!    protects the count on its own, else the one that raises its bound
//!    most. A total whose cells are shown is never taken (they give it
//!    away). Then each margin withheld that way is shown again, the
//!    year's first, if the criterion still holds without it: a total is
//!    withheld only when showing it would let a small count be narrowed
//!    below 5, so every safe total is shown.
//! 5. **The criterion.** For every withheld count from 1 to 4, the
//!    largest value a reader can give it — solving every sum of the
//!    year's 17 reports at once, each `x` being 0 or more (an `x` may be
//!    0) — is at least 5: an upper protection level of 5, as tau-Argus's
//!    and sdcTable's interval protection. No one can prove a withheld
//!    count is below 5, whichever reports of the year they hold. A
//!    linear-programming solver (`microlp`) checks it for the totals,
//!    events and series, as the reader would.
//! 6. **The previous period** beside each number is shown exactly as that
//!    period's own report shows it (December beside January from the year
//!    before's pattern): it adds nothing a reader could not already have.
//! 7. **Rates.** An attendance rate is shown for a cell (or the total)
//!    only when the number of people behind it is 5 or more; otherwise
//!    `x`. The people behind a rate are not printed.
//!
//! Why this is sound. Totals: every sum among totals, events and the
//! series, within a period and across the year, is in the one problem
//! the solver works on, so whatever a reader combines (a month with its
//! quarter, the year, the other months, the previous period's column),
//! they learn nothing it did not take into account. Cells: in a group
//! whose cells are all withheld, any totals the reader cannot rule out
//! can be filled with cells that meet every sum: put each of an
//! indicator's people in any one cell, and split the parent's cells
//! among the other partition's parts (a transportation problem, always
//! solvable when the totals agree); done month by month, quarters and
//! the year are the sums of those. So a withheld cell can be as large as
//! its indicator's total: 5 or more when that total is shown (a shown
//! total is 0 or at least 5, and a total of 0 has no small cell), and,
//! when the total is withheld, as large as the solver allows that total,
//! at least 5. The property test `tests/properties_reports.rs` checks the
//! whole of it — cells included — with its own solver on random offices.
//!
//! The price of rule 3's simplicity: a group with one small cell in one
//! month shows no cells all year; a finer pattern would need the cells in
//! the solver too, which on a year's 17 reports is too slow to run on the
//! desk. The totals, what donors ask for first, are kept.
//!
//! Nothing else in a de-identified report is about people: no record
//! ids, names, case numbers, dates of birth or places.

mod solve;

use std::collections::{HashMap, HashSet};
use std::fmt;

use super::{Measure, Period, Report, cells};
pub use solve::LEVEL;
use solve::{FIXED, Problem};

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

/// A partition: (parent, by, cells add up, events add up).
type PartitionKey = (String, String, bool, bool);

/// One period's numbers and sums, as step 2 of the rule reads them.
struct Table {
    period: Period,
    pos: Vec<Pos>,
    values: Vec<i64>,
    cost: Vec<u8>,
    lines: Vec<(usize, Vec<usize>)>,
    at: HashMap<Pos, usize>,
    /// Each indicator with cells: its group (rule 3).
    group: HashMap<String, String>,
    /// The groups with a cell from 1 to 4 in this period.
    small: HashSet<String>,
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
            group: HashMap::new(),
            small: HashSet::new(),
        };
        for ind in report.indicators() {
            let f = &ind.current;
            let headline = ind.level == 0;
            if !matches!(ind.measure, Measure::Count | Measure::Rate) {
                let group = match &ind.partition {
                    Some(p) if p.cells => p.parent.clone(),
                    _ => ind.key.clone(),
                };
                if f.cells.iter().any(|(_, _, n)| (1..LEVEL).contains(&n)) {
                    t.small.insert(group.clone());
                }
                t.group.insert(ind.key.clone(), group);
                let cost = if headline { 3 } else { 1 };
                t.add((ind.key.clone(), Slot::Total), f.cells.total(), cost);
            }
            if let Some(n) = f.events {
                t.add(
                    (ind.key.clone(), Slot::Events),
                    n,
                    if headline { 2 } else { 1 },
                );
            }
        }
        // Exact partitions: the parts add up to their parent.
        let mut groups: Vec<(PartitionKey, Vec<String>)> = Vec::new();
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
        // Rule 3: groups whose cells are withheld all year.
        let small: HashSet<&String> = tables.iter().flat_map(|t| &t.small).collect();
        let mut p = Problem::default();
        let mut ids: Vec<HashMap<&Pos, usize>> = Vec::new();
        for t in &tables {
            let rank = match t.period.whole_months() {
                Some(1) => 0,
                Some(3) => 1,
                _ => 2,
            };
            let first = p.values.len();
            for ((v, c), (key, slot)) in t.values.iter().zip(&t.cost).zip(&t.pos) {
                // A total whose cells are shown is known from them.
                let fixed =
                    *slot == Slot::Total && t.group.get(key).is_some_and(|g| !small.contains(g));
                p.number(*v, if fixed { FIXED } else { *c }, rank);
            }
            for (sum, parts) in &t.lines {
                p.line(first + sum, parts.iter().map(|x| first + x).collect());
            }
            ids.push(
                t.pos
                    .iter()
                    .enumerate()
                    .map(|(i, pos)| (pos, first + i))
                    .collect(),
            );
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
                let mut set: HashSet<Pos> = ids
                    .iter()
                    .filter(|(_, id)| p.withheld[**id])
                    .map(|(pos, _)| (*pos).clone())
                    .collect();
                for (key, group) in &t.group {
                    if small.contains(group) {
                        set.extend(cells().map(|(s, b)| (key.clone(), Slot::Cell(s, b))));
                    }
                }
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
