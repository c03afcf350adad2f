//! What a de-identified report may show, following GBVIMS
//! information-sharing practice: no number that lets a reader single out
//! a person.
//!
//! The exact rule:
//!
//! 1. **Small counts.** Every count from 1 to 4 — a cell (sex × age
//!    band), an indicator's total, a number of services, sessions, visits
//!    or activities, a month of the monthly series, in the period and in
//!    the previous period alike — is shown as `<5`. Zero is shown as 0.
//! 2. **Totals that would reveal one.** The report shows sums: an
//!    indicator's total is the sum of its cells; the parts of an exact
//!    partition (new cases by programme or by referral source, cases
//!    closed by reason, counselling sessions by kind) add up to their
//!    parent, cell by cell and in total; the months add up to the
//!    period's new cases and its services (the services by kind plus the
//!    counselling sessions). A reader who knows that `<5` means 1 to 4
//!    can subtract the numbers shown from a sum. So every number is
//!    checked against every sum it takes part in, the way such a reader
//!    would: the possible range of each number not shown is narrowed from
//!    the sums until nothing changes (`<5` starts as 1 to 4, `x` as 1 or
//!    more, a sum the report does not print as 0 or more). If that pins a
//!    count from 1 to 4 to one value, one more number is withheld: the
//!    sum it was worked out from (the indicator's total, or the
//!    partition's parent cell or total) if it is shown, otherwise the
//!    smallest part of 5 or more shown in that sum, otherwise (only small
//!    numbers and zeros around it) a `<5` sum or part — preferring one
//!    that frees it — and everything is checked again. At the end each
//!    withheld number is put back, latest first, if that pins nothing. A
//!    withheld number is shown as `x`: it is 1 or more (zeros are never
//!    withheld, and say nothing a reader could not see).
//!
//!    Only sums are taken into account: lines that merely overlap (new
//!    cases by concern, where one person may have several; services by
//!    kind, where one person may have had several) are not sums of
//!    anything and bound each other only loosely.
//! 3. **Rates.** An attendance rate is shown for a cell (or the total)
//!    only when the number of people behind it is shown and is 5 or
//!    more; otherwise `x`.
//!
//! The period and the previous period are checked separately (they share
//! no sums). Nothing else in a de-identified report is about people: no
//! record ids, names, case numbers, dates of birth or places.

use std::collections::HashMap;
use std::fmt;

use super::{AgeBand, Measure, Report, cells};
use crate::domain::Sex;

/// How a number appears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Value(i64),
    /// 1 to 4: `<5`.
    Small,
    /// Withheld so a small count cannot be worked out: `x` (1 or more).
    Withheld,
}

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shown::Value(n) => write!(f, "{n}"),
            Shown::Small => f.write_str("<5"),
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
    Cell(Sex, AgeBand),
    Total,
    Events,
}

/// The numbers a report shows: as they are, or after suppression.
#[derive(Debug, Clone)]
pub struct View {
    suppressed: bool,
    shown: HashMap<(Which, usize, Slot), Shown>,
    months: Vec<(Shown, Shown)>,
}

const INF: i64 = 1 << 40;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Visible,
    Small,
    Withheld,
    /// A sum the report does not print.
    Hidden,
}

#[derive(Default)]
struct Engine {
    values: Vec<i64>,
    state: Vec<State>,
    /// (sum, parts)
    relations: Vec<(usize, Vec<usize>)>,
    member_of: Vec<Vec<usize>>,
}

impl Engine {
    fn item(&mut self, value: i64) -> usize {
        self.values.push(value);
        self.state.push(if (1..=4).contains(&value) {
            State::Small
        } else {
            State::Visible
        });
        self.member_of.push(Vec::new());
        self.values.len() - 1
    }

    fn hidden(&mut self, value: i64) -> usize {
        let i = self.item(value);
        self.state[i] = State::Hidden;
        i
    }

    fn relation(&mut self, sum: usize, parts: Vec<usize>) {
        let r = self.relations.len();
        self.member_of[sum].push(r);
        for p in &parts {
            self.member_of[*p].push(r);
        }
        self.relations.push((sum, parts));
    }

    /// Each number's possible range as a reader can work it out.
    fn ranges(&self) -> Vec<(i64, i64)> {
        let mut r: Vec<(i64, i64)> = self
            .values
            .iter()
            .zip(&self.state)
            .map(|(v, s)| match s {
                State::Visible => (*v, *v),
                State::Small => (1, 4),
                // Zeros are never withheld.
                State::Withheld => (1, INF),
                State::Hidden => (0, INF),
            })
            .collect();
        // Narrowing only ever shrinks integer ranges, so this ends; the
        // cap is a guard against a cycle creeping down from INF.
        for _ in 0..10_000 {
            let mut changed = false;
            for (sum, parts) in &self.relations {
                let lo: i64 = parts.iter().map(|p| r[*p].0).sum();
                let hi: i64 = parts.iter().map(|p| r[*p].1).sum();
                let s = (r[*sum].0.max(lo).min(INF), r[*sum].1.min(hi));
                if s != r[*sum] {
                    r[*sum] = s;
                    changed = true;
                }
                for p in parts {
                    let (plo, phi) = r[*p];
                    // Counts are never negative nor above INF: the
                    // clamp keeps the sums of many INFs in range.
                    let n = (
                        plo.max(s.0 - (hi - phi)).clamp(0, INF),
                        phi.min(s.1 - (lo - plo)).clamp(0, INF),
                    );
                    if n != (plo, phi) {
                        r[*p] = n;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        r
    }

    /// Withhold numbers until no count from 1 to 4 can be worked out.
    fn run(&mut self) {
        let n = self.values.len();
        let original = self.state.clone();
        let is_sum: Vec<bool> = (0..n)
            .map(|i| self.relations.iter().any(|(s, _)| *s == i))
            .collect();
        // Small counts are protected whether shown as <5, withheld or
        // never printed (a sum the report does not show).
        let pinned = |e: &Engine, r: &[(i64, i64)]| {
            (0..n).find(|i| (1..=4).contains(&e.values[*i]) && r[*i].0 == r[*i].1)
        };
        let mut withheld = Vec::new();
        loop {
            let ranges = self.ranges();
            let Some(p) = pinned(self, &ranges) else {
                break;
            };
            // Shown sums, then shown parts (small first), then — when
            // only small numbers and zeros are around it — a `<5` sum,
            // then a `<5` part.
            let mut candidates = self.candidates(p);
            candidates.sort_by_key(|c| match (self.state[*c], is_sum[*c]) {
                (State::Visible, true) => 0,
                (State::Visible, false) => 1,
                (_, true) => 2,
                (_, false) => 3,
            });
            let Some(first) = candidates.first().copied() else {
                // Nothing left to withhold: cannot happen with counts
                // that add up; stop rather than loop.
                break;
            };
            let freeing = candidates.iter().copied().find(|c| {
                let before = self.state[*c];
                self.state[*c] = State::Withheld;
                let r = self.ranges();
                self.state[*c] = before;
                r[p].0 != r[p].1
            });
            let w = freeing.unwrap_or(first);
            self.state[w] = State::Withheld;
            withheld.push(w);
        }
        // Withholding one at a time may have taken more than needed (a
        // number that freed nothing on its own): show again, latest
        // first, every one whose return pins nothing.
        for w in withheld.into_iter().rev() {
            self.state[w] = original[w];
            let r = self.ranges();
            if pinned(self, &r).is_some() {
                self.state[w] = State::Withheld;
            }
        }
    }

    /// The numbers a pinned count could have been worked out from, that
    /// can still be withheld (shown ones of 5 or more, and `<5`s): in the
    /// sums it is in, and, through hidden numbers, the sums those are
    /// in; nearest first, within one sum the sum before its parts and
    /// small parts before large.
    fn candidates(&self, pinned: usize) -> Vec<usize> {
        let mut queue = std::collections::VecDeque::from([pinned]);
        let mut seen = vec![false; self.values.len()];
        seen[pinned] = true;
        let mut out = Vec::new();
        let can = |i: usize| match self.state[i] {
            State::Visible => self.values[i] >= 5,
            State::Small => i != pinned,
            State::Withheld | State::Hidden => false,
        };
        while let Some(x) = queue.pop_front() {
            for r in &self.member_of[x] {
                let (sum, parts) = &self.relations[*r];
                let mut here: Vec<usize> = parts.iter().copied().filter(|p| can(*p)).collect();
                here.sort_by_key(|p| (self.values[*p], *p));
                if can(*sum) {
                    here.insert(0, *sum);
                }
                for i in here {
                    if !out.contains(&i) {
                        out.push(i);
                    }
                }
                for i in std::iter::once(*sum).chain(parts.iter().copied()) {
                    if !seen[i] && self.state[i] != State::Visible {
                        seen[i] = true;
                        queue.push_back(i);
                    }
                }
            }
        }
        out
    }

    fn shown(&self, i: usize) -> Shown {
        match self.state[i] {
            State::Small => Shown::Small,
            State::Withheld | State::Hidden => Shown::Withheld,
            State::Visible => Shown::Value(self.values[i]),
        }
    }
}

/// The items of one period's numbers.
type Items = HashMap<(usize, Slot), usize>;

fn build(report: &Report, which: Which) -> (Engine, Items, Vec<(usize, usize)>) {
    let mut e = Engine::default();
    let mut items: Items = HashMap::new();
    let inds: Vec<_> = report.indicators().collect();
    for (i, ind) in inds.iter().enumerate() {
        let f = match which {
            Which::Current => &ind.current,
            Which::Previous => &ind.previous,
        };
        if ind.measure != Measure::Count {
            let mut parts = Vec::new();
            for (s, b) in cells() {
                let id = e.item(f.cells.get(s, b));
                items.insert((i, Slot::Cell(s, b)), id);
                parts.push(id);
            }
            let total = e.item(f.cells.total());
            items.insert((i, Slot::Total), total);
            e.relation(total, parts);
        }
        if let Some(n) = f.events {
            let id = e.item(n);
            items.insert((i, Slot::Events), id);
        }
    }
    // Exact partitions: the parts add up to their parent.
    let index: HashMap<&str, usize> = inds
        .iter()
        .enumerate()
        .map(|(i, x)| (x.key.as_str(), i))
        .collect();
    let mut groups: HashMap<(usize, &str, bool, bool), Vec<usize>> = HashMap::new();
    for (i, ind) in inds.iter().enumerate() {
        if let Some(p) = &ind.partition
            && let Some(parent) = index.get(p.parent.as_str())
        {
            groups
                .entry((*parent, p.by.as_str(), p.cells, p.events))
                .or_default()
                .push(i);
        }
    }
    let mut keys: Vec<_> = groups.keys().copied().collect();
    keys.sort_unstable();
    for key in keys {
        let (parent, _, with_cells, with_events) = key;
        let children = &groups[&key];
        let mut slots: Vec<Slot> = Vec::new();
        if with_cells {
            slots.extend(cells().map(|(s, b)| Slot::Cell(s, b)));
            slots.push(Slot::Total);
        }
        if with_events {
            slots.push(Slot::Events);
        }
        for slot in slots {
            let (Some(sum), Some(parts)) = (
                items.get(&(parent, slot)).copied(),
                children
                    .iter()
                    .map(|c| items.get(&(*c, slot)).copied())
                    .collect::<Option<Vec<usize>>>(),
            ) else {
                continue;
            };
            e.relation(sum, parts);
        }
    }
    // The months add up to the period's new cases and services.
    let mut months = Vec::new();
    if which == Which::Current && !report.monthly.is_empty() {
        let new: Vec<usize> = report.monthly.iter().map(|m| e.item(m.new_cases)).collect();
        let services: Vec<usize> = report.monthly.iter().map(|m| e.item(m.services)).collect();
        months = new.iter().copied().zip(services.iter().copied()).collect();
        if let Some(total) = index
            .get("new_cases")
            .and_then(|i| items.get(&(*i, Slot::Total)))
        {
            e.relation(*total, new);
        }
        let by_kind: Vec<usize> = inds
            .iter()
            .enumerate()
            .filter(|(_, x)| x.key.starts_with("services.") || x.key == "counselling")
            .filter_map(|(i, _)| items.get(&(i, Slot::Events)).copied())
            .collect();
        let all: i64 = report.monthly.iter().map(|m| m.services).sum();
        let sum = e.hidden(all);
        e.relation(sum, services);
        if !by_kind.is_empty() {
            e.relation(sum, by_kind);
        }
    }
    (e, items, months)
}

impl View {
    /// The numbers of `report` as its text shows them: suppressed when
    /// the report is de-identified.
    pub fn of(report: &Report) -> View {
        let mut view = View {
            suppressed: report.deidentified,
            shown: HashMap::new(),
            months: Vec::new(),
        };
        if !report.deidentified {
            return view;
        }
        for which in [Which::Current, Which::Previous] {
            let (mut e, items, months) = build(report, which);
            e.run();
            for ((i, slot), id) in items {
                view.shown.insert((which, i, slot), e.shown(id));
            }
            if which == Which::Current {
                view.months = months
                    .into_iter()
                    .map(|(a, b)| (e.shown(a), e.shown(b)))
                    .collect();
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(values: &[i64]) -> Engine {
        let mut e = Engine::default();
        for v in values {
            e.item(*v);
        }
        e
    }

    #[test]
    fn one_small_cell_withholds_its_total() {
        // total 19 = 15 + 4: the 4 could be worked out.
        let mut e = engine(&[15, 4, 0, 19]);
        e.relation(3, vec![0, 1, 2]);
        e.run();
        assert_eq!(e.shown(1), Shown::Small);
        assert_eq!(e.shown(3), Shown::Withheld);
        assert_eq!(e.shown(0), Shown::Value(15));
    }

    #[test]
    fn two_small_cells_keep_their_total_unless_they_are_pinned() {
        // 19 = 15 + 3 + 1: the two <5 add to 4, either could be 1 to 3.
        let mut e = engine(&[15, 3, 1, 19]);
        e.relation(3, vec![0, 1, 2]);
        e.run();
        assert_eq!(e.shown(3), Shown::Value(19));
        // 17 = 15 + 1 + 1: both must be 1.
        let mut e = engine(&[15, 1, 1, 17]);
        e.relation(3, vec![0, 1, 2]);
        e.run();
        assert_eq!(e.shown(3), Shown::Withheld);
        // 23 = 15 + 4 + 4: both must be 4.
        let mut e = engine(&[15, 4, 4, 23]);
        e.relation(3, vec![0, 1, 2]);
        e.run();
        assert_eq!(e.shown(3), Shown::Withheld);
    }

    #[test]
    fn a_parent_total_that_would_reveal_a_part_is_withheld() {
        // Parent 30 = child A 27 + child B 3, each with one cell.
        let mut e = engine(&[27, 27, 3, 3, 30, 30]);
        e.relation(1, vec![0]); // A total = A cell
        e.relation(3, vec![2]); // B total = B cell
        e.relation(5, vec![4]); // parent total = parent cell
        e.relation(4, vec![0, 2]); // parent cell = A cell + B cell
        e.relation(5, vec![1, 3]); // parent total = A total + B total
        e.run();
        assert!(nothing_pinned(&e));
        assert_eq!(e.shown(2), Shown::Small);
        // Something of the parent's, or A's, had to go.
        assert!((0..6).any(|i| e.shown(i) == Shown::Withheld));
    }

    fn nothing_pinned(e: &Engine) -> bool {
        let r = e.ranges();
        (0..e.values.len()).all(|i| !(1..=4).contains(&e.values[i]) || r[i].0 < r[i].1)
    }

    #[test]
    fn a_small_sum_of_small_parts_is_not_left_to_pin_them() {
        // 4 = 1 + 1 + 1 + 1 + 0: a <5 over four parts of at least 1
        // each must be 4, and each part 1. Nothing of 5 or more is near,
        // so a <5 goes.
        let mut e = engine(&[1, 1, 1, 1, 0, 4]);
        e.relation(5, vec![0, 1, 2, 3, 4]);
        assert!(!nothing_pinned(&e));
        e.run();
        assert!(nothing_pinned(&e));
        assert!((0..6).any(|i| e.shown(i) == Shown::Withheld));
        assert_eq!(e.shown(4), Shown::Value(0));
    }

    #[test]
    fn zeros_and_large_numbers_stay() {
        let mut e = engine(&[0, 12, 0, 12]);
        e.relation(3, vec![0, 1, 2]);
        e.run();
        assert_eq!(
            (0..4).map(|i| e.shown(i)).collect::<Vec<_>>(),
            [
                Shown::Value(0),
                Shown::Value(12),
                Shown::Value(0),
                Shown::Value(12)
            ]
        );
    }
}
