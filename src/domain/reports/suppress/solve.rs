//! Choosing what to withhold: small counts, then complements until a
//! linear-programming solver (`microlp`), solving every published sum at
//! once as a reader would, can no longer prove any small count below 5;
//! then totals put back wherever that stays true.

use std::collections::VecDeque;

use microlp::{ComparisonOp, OptimizationDirection, Problem as Lp};

/// The protection level: a reader must not be able to prove that a
/// withheld count from 1 to 4 is below this.
pub const LEVEL: i64 = 5;

/// The cost of a number that may never be withheld (a total its shown
/// cells give away).
pub(super) const FIXED: u8 = u8::MAX;

/// Slack for the solver's floating point.
const EPS: f64 = 1e-6;

/// Numbers (one per position of one period), their sums, and which are
/// withheld.
#[derive(Debug, Default)]
pub(super) struct Problem {
    pub(super) values: Vec<i64>,
    /// What withholding this number costs the reader: 1 a breakdown's
    /// total or events, 2 a headline's events, 3 a headline total or a
    /// month of the series (a margin); [`FIXED`] never.
    pub(super) cost: Vec<u8>,
    /// 0 a month, 1 a quarter, 2 a year: complements are taken in the
    /// shortest period first.
    pub(super) rank: Vec<u8>,
    pub(super) withheld: Vec<bool>,
    /// (sum, parts)
    lines: Vec<(usize, Vec<usize>)>,
    member_of: Vec<Vec<usize>>,
}

impl Problem {
    pub(super) fn number(&mut self, value: i64, cost: u8, rank: u8) -> usize {
        self.values.push(value);
        self.cost.push(cost);
        self.rank.push(rank);
        self.withheld.push(small(value));
        self.member_of.push(Vec::new());
        self.values.len() - 1
    }

    /// `sum = parts`, taken only when it holds: a reader who knows the
    /// rule assumes every sum they can see.
    pub(super) fn line(&mut self, sum: usize, parts: Vec<usize>) {
        if parts.is_empty()
            || parts.iter().map(|p| self.values[*p]).sum::<i64>() != self.values[sum]
        {
            return;
        }
        let l = self.lines.len();
        for i in std::iter::once(sum).chain(parts.iter().copied()) {
            if !self.member_of[i].contains(&l) {
                self.member_of[i].push(l);
            }
        }
        self.lines.push((sum, parts));
    }

    /// The withheld numbers tied to `p` through sums, and those sums.
    fn component(&self, p: usize) -> (Vec<usize>, Vec<usize>) {
        let mut seen = vec![false; self.values.len()];
        let mut line_seen = vec![false; self.lines.len()];
        let (mut vars, mut lines) = (vec![p], Vec::new());
        seen[p] = true;
        let mut queue = VecDeque::from([p]);
        while let Some(x) = queue.pop_front() {
            for l in &self.member_of[x] {
                if line_seen[*l] {
                    continue;
                }
                line_seen[*l] = true;
                lines.push(*l);
                let (sum, parts) = &self.lines[*l];
                for m in std::iter::once(*sum).chain(parts.iter().copied()) {
                    if self.withheld[m] && !seen[m] {
                        seen[m] = true;
                        vars.push(m);
                        queue.push_back(m);
                    }
                }
            }
        }
        (vars, lines)
    }

    /// The largest value a reader could give number `p` from everything
    /// shown, and a table that reaches it (number, value) — `None` when
    /// it is unbounded.
    fn max_of(&self, p: usize) -> (f64, Option<Vec<(usize, f64)>>) {
        let (vars, lines) = self.component(p);
        let mut lp = Lp::new(OptimizationDirection::Maximize);
        let mut var = std::collections::HashMap::new();
        for v in &vars {
            let obj = if *v == p { 1.0 } else { 0.0 };
            var.insert(*v, lp.add_var(obj, (0.0, f64::INFINITY)));
        }
        for l in lines {
            let (sum, parts) = &self.lines[l];
            let mut terms: Vec<(microlp::Variable, f64)> = Vec::new();
            let mut rhs = 0.0;
            for (m, coef) in parts
                .iter()
                .map(|m| (*m, 1.0))
                .chain(std::iter::once((*sum, -1.0)))
            {
                match var.get(&m) {
                    Some(x) => terms.push((*x, coef)),
                    None => rhs -= coef * self.values[m] as f64,
                }
            }
            lp.add_constraint(terms, ComparisonOp::Eq, rhs);
        }
        match lp.solve().map(|o| o.into_solution()) {
            Ok(Ok(s)) => {
                let table = vars.iter().map(|v| (*v, s.var_value(var[v]))).collect();
                (s.objective(), Some(table))
            }
            Err(microlp::Error::Unbounded) => (f64::INFINITY, None),
            // The true numbers meet every sum, so this is the solver
            // giving up: count it as not protected (withhold more).
            _ => (0.0, Some(Vec::new())),
        }
    }

    fn protected(&self, max: f64) -> bool {
        max >= LEVEL as f64 - EPS
    }

    /// Solve for `p`; mark it, and every small count the solution lifts
    /// to 5, protected. Its bound.
    fn check(&self, p: usize, safe: &mut [bool]) -> f64 {
        let (max, table) = self.max_of(p);
        for (v, x) in table.into_iter().flatten() {
            if small(self.values[v]) && self.protected(x) {
                safe[v] = true;
            }
        }
        if self.protected(max) {
            safe[p] = true;
        }
        max
    }

    /// Withhold every count from 1 to 4, then complements, until none
    /// can be proved below [`LEVEL`]; then show again, year first, each
    /// withheld margin whose return leaves that true. Withholding more
    /// only widens what a reader can say, so a count once protected
    /// stays protected while more is withheld.
    pub(super) fn run(&mut self) {
        let smalls: Vec<usize> = (0..self.values.len())
            .filter(|i| small(self.values[*i]))
            .collect();
        let mut safe = vec![false; self.values.len()];
        let mut added = Vec::new();
        for p in &smalls {
            while !safe[*p] {
                let max = self.check(*p, &mut safe);
                if safe[*p] {
                    break;
                }
                // Nothing left to take cannot happen (a sum of withheld
                // numbers only is unbounded): stop rather than loop.
                let Some(c) = self.complement(*p, max) else {
                    break;
                };
                self.withheld[c] = true;
                added.push(c);
            }
        }
        // Margins back, the year's first, then the quarters', then the
        // months'.
        let mut margins: Vec<usize> = added
            .iter()
            .copied()
            .filter(|c| (2..FIXED).contains(&self.cost[*c]))
            .collect();
        margins.sort_by_key(|c| (std::cmp::Reverse(self.rank[*c]), *c));
        for c in margins {
            self.withheld[c] = false;
            let (vars, _) = self.component(c);
            let mut safe = vec![false; self.values.len()];
            let mut broken = false;
            for v in vars.iter().filter(|v| small(self.values[**v])) {
                if !safe[*v] {
                    self.check(*v, &mut safe);
                    if !safe[*v] {
                        broken = true;
                        break;
                    }
                }
            }
            if broken {
                self.withheld[c] = true;
            }
        }
    }

    /// The next number to withhold so that `p` (at most `max` now) is
    /// protected: one shown in a sum of `p`'s component; the cheapest
    /// (cost, then period rank, then in a sum with `p` itself, then above
    /// 0 before a zero, then the smallest) that protects `p` on its own,
    /// else of those tried the one that raises its bound most.
    fn complement(&mut self, p: usize, max: f64) -> Option<usize> {
        let (_, lines) = self.component(p);
        let own = &self.member_of[p];
        let mut candidates: Vec<(usize, bool)> = Vec::new();
        for l in &lines {
            let (sum, parts) = &self.lines[*l];
            for m in std::iter::once(*sum).chain(parts.iter().copied()) {
                if !self.withheld[m]
                    && self.cost[m] != FIXED
                    && !candidates.iter().any(|c| c.0 == m)
                {
                    candidates.push((m, own.contains(l)));
                }
            }
        }
        candidates.sort_by_key(|(m, near)| {
            let v = self.values[*m];
            (self.cost[*m], self.rank[*m], !near, v == 0, v, *m)
        });
        let mut best: Option<(usize, f64)> = None;
        // Try the cheapest few; most are settled by the first.
        for (m, _) in candidates.iter().take(12) {
            if best
                .is_some_and(|b| (self.cost[b.0], self.rank[b.0]) < (self.cost[*m], self.rank[*m]))
            {
                break;
            }
            self.withheld[*m] = true;
            let (after, _) = self.max_of(p);
            self.withheld[*m] = false;
            if self.protected(after) {
                return Some(*m);
            }
            if after > max + EPS && best.is_none_or(|b| after > b.1 + EPS) {
                best = Some((*m, after));
            }
        }
        best.map(|b| b.0)
            .or_else(|| {
                candidates
                    .iter()
                    .find(|c| self.values[c.0] > 0)
                    .map(|c| c.0)
            })
            .or_else(|| candidates.first().map(|c| c.0))
    }
}

fn small(v: i64) -> bool {
    (1..LEVEL).contains(&v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(values: &[i64]) -> Problem {
        let mut p = Problem::default();
        for v in values {
            p.number(*v, 0, 0);
        }
        p
    }

    #[test]
    fn one_small_cell_takes_a_second_cell_and_keeps_the_total() {
        // total 19 = 15 + 4 + 0
        let mut p = problem(&[15, 4, 0, 19]);
        p.cost[3] = 3;
        p.line(3, vec![0, 1, 2]);
        p.run();
        assert_eq!(p.withheld, [true, true, false, false]);
    }

    #[test]
    fn two_small_cells_that_reach_five_together_need_nothing_more() {
        let mut p = problem(&[15, 3, 2, 20]);
        p.cost[3] = 3;
        p.line(3, vec![0, 1, 2]);
        p.run();
        assert_eq!(p.withheld, [false, true, true, false]);
        // 1 + 1: the reader knows they add to 2; one more cell.
        let mut p = problem(&[15, 1, 1, 17]);
        p.cost[3] = 3;
        p.line(3, vec![0, 1, 2]);
        p.run();
        assert_eq!(p.withheld, [true, true, true, false]);
    }

    #[test]
    fn a_small_total_is_withheld_and_a_row_of_zeros_stays() {
        let mut p = problem(&[0, 3, 0, 3, 0, 0, 0]);
        p.line(3, vec![0, 1, 2]);
        p.line(6, vec![4, 5]);
        p.run();
        assert_eq!(p.withheld, [false, true, false, true, false, false, false]);
    }
}
