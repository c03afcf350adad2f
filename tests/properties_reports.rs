//! De-identified reports against a reader with a linear-programming
//! solver (issue 19, item 11). Random offices of three calendar years;
//! every de-identified report of the last two years (each month, quarter
//! and year, with the previous period beside each number) as the real
//! text functions print them. The reader knows every number shown and
//! every sum that holds — an indicator's total is its cells, the parts of
//! a partition add up to their parent, the series months are the new
//! cases and the counselling sessions, a quarter is its months and a
//! year its quarters — and each `x` is 0 or more; they solve it all at
//! once (`microlp`, independent of the report's own code).
//!
//! Criterion (the report's, `suppress` rule 4): for every withheld count
//! from 1 to 4, the largest value the reader can prove possible is at
//! least 5 — no one can show it is below 5. And every total is shown
//! unless showing it would break that: a withheld headline total of 5 or
//! more, shown, lets the reader narrow some count below 5.

mod properties_support;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use casedesk::domain::Sex;
use casedesk::domain::reports::suppress::Pattern;
use casedesk::domain::reports::text::csv_rows;
use casedesk::domain::reports::{
    AgeBand, Figures, Indicator, Measure, MonthPoint, Period, Report, Section,
};
use chrono::Datelike;
use microlp::{ComparisonOp, OptimizationDirection, Problem};
use properties_support::config;
use proptest::prelude::*;

/// The cells the model uses (the others stay 0).
const CELLS: [(Sex, AgeBand); 4] = [
    (Sex::Female, AgeBand::Under12),
    (Sex::Female, AgeBand::Teen),
    (Sex::Male, AgeBand::Under12),
    (Sex::Male, AgeBand::Teen),
];

/// One month of an office: new cases by programme × referral × cell,
/// activity head counts by cell and activities, counselling people by
/// cell and sessions by kind.
#[derive(Debug, Clone, Default)]
struct Month {
    new: [[[i64; 4]; 3]; 2],
    heads: [i64; 4],
    activities: i64,
    counselled: [i64; 4],
    sessions: [i64; 2],
}

/// Mostly zeros and small numbers, as a small office's month is.
fn count() -> impl Strategy<Value = i64> {
    prop_oneof![5 => Just(0i64), 4 => 1i64..=4, 2 => 5i64..=12]
}

fn month() -> impl Strategy<Value = Month> {
    (
        proptest::collection::vec(count(), 24),
        proptest::collection::vec(count(), 4),
        count(),
        proptest::collection::vec(count(), 4),
        proptest::collection::vec(count(), 2),
    )
        .prop_map(|(new, heads, activities, counselled, sessions)| {
            let mut m = Month {
                activities,
                ..Month::default()
            };
            for (i, v) in new.into_iter().enumerate() {
                m.new[i / 12][(i / 4) % 3][i % 4] = v;
            }
            m.heads.copy_from_slice(&heads);
            m.counselled.copy_from_slice(&counselled);
            m.sessions.copy_from_slice(&sessions);
            m
        })
}

const FIRST_YEAR: i32 = 2024;

/// 36 months from January of the first year.
struct Office {
    months: Vec<Month>,
}

impl Office {
    fn months_of(&self, p: &Period) -> Vec<&Month> {
        p.months()
            .iter()
            .filter_map(|m| {
                let i = (m.from.year() - FIRST_YEAR) * 12 + m.from.month0() as i32;
                usize::try_from(i).ok().and_then(|i| self.months.get(i))
            })
            .collect()
    }

    fn grid(&self, p: &Period, f: impl Fn(&Month) -> [i64; 4]) -> Figures {
        let mut fig = Figures::default();
        for m in self.months_of(p) {
            for (i, (s, b)) in CELLS.iter().enumerate() {
                fig.cells.add(*s, *b, f(m)[i]);
            }
        }
        fig
    }

    fn events(&self, p: &Period, f: impl Fn(&Month) -> i64) -> i64 {
        self.months_of(p).into_iter().map(f).sum()
    }

    /// Every indicator's figures for a period.
    fn figures(&self, p: &Period) -> Vec<(String, Figures)> {
        let mut out = Vec::new();
        let new = |prog: Option<usize>, referral: Option<usize>| {
            self.grid(p, move |m| {
                let mut c = [0; 4];
                for (g, by_ref) in m.new.iter().enumerate() {
                    for (r, cells) in by_ref.iter().enumerate() {
                        if prog.is_none_or(|x| x == g) && referral.is_none_or(|x| x == r) {
                            for i in 0..4 {
                                c[i] += cells[i];
                            }
                        }
                    }
                }
                c
            })
        };
        out.push(("new_cases".to_string(), new(None, None)));
        for g in 0..2 {
            out.push((format!("new_cases.programme.p{g}"), new(Some(g), None)));
        }
        for r in 0..3 {
            out.push((format!("new_cases.referral.r{r}"), new(None, Some(r))));
        }
        out.push((
            "activities.spot_visit".into(),
            self.grid(p, |m| m.heads)
                .with_events(self.events(p, |m| m.activities)),
        ));
        out.push((
            "counselling".into(),
            self.grid(p, |m| m.counselled)
                .with_events(self.events(p, |m| m.sessions[0] + m.sessions[1])),
        ));
        for k in 0..2 {
            out.push((
                format!("counselling.k{k}"),
                Figures::default().with_events(self.events(p, |m| m.sessions[k])),
            ));
        }
        out
    }

    fn report(&self, p: Period) -> Report {
        let prev = p.previous();
        let (cur, before) = (self.figures(&p), self.figures(&prev));
        let indicators = cur
            .into_iter()
            .zip(before)
            .map(|((key, c), (_, b))| {
                let ind = Indicator::people(key.clone(), key.clone());
                let ind = if key.starts_with("new_cases.programme") {
                    ind.part_of("new_cases", "programme", true, false)
                } else if key.starts_with("new_cases.referral") {
                    ind.part_of("new_cases", "referral", true, false)
                } else if key.starts_with("counselling.") {
                    ind.events("sessions")
                        .part_of("counselling", "kind", false, true)
                } else if key == "counselling" {
                    ind.events("sessions")
                } else if key.starts_with("activities") {
                    ind.measure(Measure::Participants).events("activities")
                } else {
                    ind
                };
                ind.figures(c, b)
            })
            .collect();
        let monthly = p
            .months()
            .into_iter()
            .map(|m| MonthPoint {
                month: m,
                new_cases: self.figures(&m)[0].1.cells.total(),
                services: self.events(&m, |x| x.sessions[0] + x.sessions[1]),
            })
            .collect();
        Report {
            office: "Model".into(),
            period: p,
            previous: prev,
            sections: vec![Section {
                key: "model",
                title: "Model",
                indicators,
            }],
            monthly,
            deidentified: true,
            suppression: None,
        }
    }
}

/// A number of a period, as the reader names it: `key|sex|band` (a
/// cell or, with `all|all`, a total), `key|events`, `series.new`,
/// `series.services`.
type Var = (Period, String);

/// Everything a reader can know: the true values (to check), what is
/// published, and the sums.
#[derive(Default)]
struct Reader {
    truth: BTreeMap<Var, i64>,
    shown: BTreeMap<Var, i64>,
    withheld: BTreeSet<Var>,
    lines: Vec<(Var, Vec<Var>)>,
}

const SEXES: [&str; 3] = ["female", "male", "other"];
const BANDS: [&str; 4] = ["under12", "12-17", "18+", "unknown"];

fn cell_names(key: &str) -> Vec<String> {
    SEXES
        .iter()
        .flat_map(|s| BANDS.iter().map(move |b| format!("{key}|{s}|{b}")))
        .collect()
}

impl Reader {
    /// Read one printed report: its period and its previous period.
    fn read(&mut self, r: &Report) {
        for row in csv_rows(r) {
            let (key, measure, sex, band) = (&row[1], &row[3], &row[4], &row[5]);
            if row[0] == "monthly" {
                let label = &row[2];
                let dates = label.rsplit(", ").next().expect("dates");
                let (from, to) = dates.split_once(" to ").expect("from to");
                let p = Period::parse(from, to).expect("month");
                let name = if key == "monthly.new_cases" {
                    "series.new"
                } else {
                    "series.services"
                };
                self.publish((p, name.into()), &row[6]);
                continue;
            }
            let name = if measure == "people" || measure == "participants" {
                format!("{key}|{sex}|{band}")
            } else {
                format!("{key}|events")
            };
            self.publish((r.period, name.clone()), &row[6]);
            self.publish((r.previous, name), &row[7]);
        }
    }

    fn publish(&mut self, var: Var, text: &str) {
        match text {
            "x" => {
                self.withheld.insert(var);
            }
            v => {
                let n: i64 = v.parse().unwrap_or_else(|_| panic!("{var:?}: {v:?}"));
                if let Some(old) = self.shown.insert(var.clone(), n) {
                    assert_eq!(old, n, "{var:?} printed two ways");
                }
            }
        }
    }

    /// The true numbers and the sums of one period.
    fn period(&mut self, office: &Office, p: Period) {
        for (key, f) in office.figures(&p) {
            let cells = cell_names(&key);
            for (name, (_, _, v)) in cells.iter().zip(f.cells.iter()) {
                self.truth.insert((p, name.clone()), v);
            }
            self.truth
                .insert((p, format!("{key}|all|all")), f.cells.total());
            self.lines.push((
                (p, format!("{key}|all|all")),
                cells.iter().map(|c| (p, c.clone())).collect(),
            ));
            if let Some(e) = f.events {
                self.truth.insert((p, format!("{key}|events")), e);
            }
        }
        for by in ["programme", "referral"] {
            let kids: Vec<String> = (0..if by == "programme" { 2 } else { 3 })
                .map(|i| format!("new_cases.{by}.{}{i}", &by[..1]))
                .collect();
            let mut slots = cell_names("");
            slots.push("|all|all".into());
            for slot in slots {
                self.lines.push((
                    (p, format!("new_cases{slot}")),
                    kids.iter().map(|k| (p, format!("{k}{slot}"))).collect(),
                ));
            }
        }
        self.lines.push((
            (p, "counselling|events".into()),
            vec![
                (p, "counselling.k0|events".into()),
                (p, "counselling.k1|events".into()),
            ],
        ));
        let new = self.truth[&(p, "new_cases|all|all".to_string())];
        let services = self.truth[&(p, "counselling|events".to_string())];
        self.truth.insert((p, "series.new".into()), new);
        self.truth.insert((p, "series.services".into()), services);
        self.lines.push((
            (p, "series.new".into()),
            vec![(p, "new_cases|all|all".into())],
        ));
        self.lines.push((
            (p, "series.services".into()),
            vec![(p, "counselling|events".into())],
        ));
    }

    /// A year's periods and its quarter = months, year = quarters sums.
    fn year(&mut self, office: &Office, year: i32) {
        let family = Period::calendar_family(year);
        for p in &family {
            self.period(office, *p);
        }
        let names: Vec<String> = self
            .truth
            .keys()
            .filter(|(p, _)| *p == family[0])
            .map(|(_, n)| n.clone())
            .collect();
        for (parent, parts) in family[16..].iter().map(|y| (y, &family[12..16])).chain(
            family[12..16]
                .iter()
                .enumerate()
                .map(|(q, p)| (p, &family[q * 3..q * 3 + 3])),
        ) {
            for n in &names {
                self.lines.push((
                    (*parent, n.clone()),
                    parts.iter().map(|m| (*m, n.clone())).collect(),
                ));
            }
        }
    }

    /// The reader's problem in numbers: every number by index, its value
    /// if shown, and the sums by index.
    fn solver(&self, shown: &BTreeMap<Var, i64>) -> Solver {
        let vars: Vec<&Var> = self.truth.keys().collect();
        let index: HashMap<&Var, usize> = vars.iter().enumerate().map(|(i, v)| (*v, i)).collect();
        let lines: Vec<(usize, Vec<usize>)> = self
            .lines
            .iter()
            .map(|(s, parts)| (index[s], parts.iter().map(|p| index[p]).collect()))
            .collect();
        let mut member_of = vec![Vec::new(); vars.len()];
        for (l, (s, parts)) in lines.iter().enumerate() {
            for v in std::iter::once(s).chain(parts) {
                member_of[*v].push(l);
            }
        }
        Solver {
            truth: vars.iter().map(|v| self.truth[*v]).collect(),
            shown: vars.iter().map(|v| shown.get(*v).copied()).collect(),
            names: vars.iter().map(|v| (*v).clone()).collect(),
            lines,
            member_of,
        }
    }

    /// The withheld counts from 1 to 4 the reader can narrow below 5.
    fn narrowed(&self, shown: &BTreeMap<Var, i64>) -> Vec<(Var, f64)> {
        let s = self.solver(shown);
        let all: Vec<usize> = (0..s.truth.len()).collect();
        s.narrowed(&all)
    }

    /// Would showing `var` too let a count be narrowed below 5?
    fn unsafe_to_show(&self, var: &Var, value: i64) -> bool {
        let mut more = self.shown.clone();
        more.insert(var.clone(), value);
        let s = self.solver(&more);
        let at = s.names.iter().position(|n| n == var).expect("known");
        // Only the counts tied to it through sums can change.
        let near: Vec<usize> = s.member_of[at]
            .iter()
            .flat_map(|l| {
                let (sum, parts) = &s.lines[*l];
                std::iter::once(*sum).chain(parts.iter().copied())
            })
            .filter(|v| s.shown[*v].is_none())
            .flat_map(|v| s.component(v).0)
            .collect();
        !s.narrowed(&near).is_empty()
    }
}

struct Solver {
    truth: Vec<i64>,
    shown: Vec<Option<i64>>,
    names: Vec<Var>,
    lines: Vec<(usize, Vec<usize>)>,
    member_of: Vec<Vec<usize>>,
}

impl Solver {
    /// The unknowns tied to `v` through sums, and those sums.
    fn component(&self, v: usize) -> (Vec<usize>, Vec<usize>) {
        let mut seen = BTreeSet::from([v]);
        let mut lines = BTreeSet::new();
        let mut queue = vec![v];
        while let Some(x) = queue.pop() {
            for l in &self.member_of[x] {
                if !lines.insert(*l) {
                    continue;
                }
                let (s, parts) = &self.lines[*l];
                for m in std::iter::once(s).chain(parts) {
                    if self.shown[*m].is_none() && seen.insert(*m) {
                        queue.push(*m);
                    }
                }
            }
        }
        (seen.into_iter().collect(), lines.into_iter().collect())
    }

    /// Solve within a component: maximise `objective` (variable → weight),
    /// with `capped` variables' helpers at most 5. The values of the
    /// table reached; None if unbounded.
    fn solve(&self, vars: &[usize], lines: &[usize], objective: Objective) -> Option<Vec<f64>> {
        let mut lp = Problem::new(OptimizationDirection::Maximize);
        let x: HashMap<usize, microlp::Variable> = vars
            .iter()
            .map(|v| {
                let w = match &objective {
                    Objective::One(o) if o == v => 1.0,
                    _ => 0.0,
                };
                (*v, lp.add_var(w, (0.0, f64::INFINITY)))
            })
            .collect();
        if let Objective::Capped(of) = &objective {
            // y ≤ x, 0 ≤ y ≤ 5: maximise how many reach 5 at once.
            for v in of {
                let y = lp.add_var(1.0, (0.0, 5.0));
                lp.add_constraint([(y, 1.0), (x[v], -1.0)], ComparisonOp::Le, 0.0);
            }
        }
        for l in lines {
            let (s, parts) = &self.lines[*l];
            let mut terms = Vec::new();
            let mut rhs = 0.0;
            for (v, c) in parts.iter().map(|p| (p, 1.0)).chain([(s, -1.0)]) {
                match self.shown[*v] {
                    Some(n) => rhs -= c * n as f64,
                    None => terms.push((x[v], c)),
                }
            }
            lp.add_constraint(terms, ComparisonOp::Eq, rhs);
        }
        match lp.solve() {
            Ok(o) => {
                let sol = o.into_solution().expect("solved");
                Some(vars.iter().map(|v| sol.var_value(x[v])).collect())
            }
            Err(microlp::Error::Unbounded) => None,
            Err(e) => panic!("the reader's problem failed: {e:?}"),
        }
    }

    /// Of the numbers `among`, the withheld counts from 1 to 4 the reader
    /// can narrow below 5, with their bound.
    fn narrowed(&self, among: &[usize]) -> Vec<(Var, f64)> {
        let small = |v: usize| (1..5).contains(&self.truth[v]) && self.shown[v].is_none();
        let mut safe = vec![false; self.truth.len()];
        let mut out = Vec::new();
        for v in among.iter().copied().filter(|v| small(*v)) {
            if safe[v] {
                continue;
            }
            let (vars, lines) = self.component(v);
            // First one solve for all of the component's small counts.
            let smalls: Vec<usize> = vars
                .iter()
                .copied()
                .filter(|w| small(*w) && !safe[*w])
                .collect();
            let mark = |table: &Option<Vec<f64>>, safe: &mut Vec<bool>| {
                for (w, x) in vars.iter().zip(table.iter().flatten()) {
                    if *x >= 5.0 - 1e-6 {
                        safe[*w] = true;
                    }
                }
            };
            let table = self.solve(&vars, &lines, Objective::Capped(smalls.clone()));
            mark(&table, &mut safe);
            for w in smalls {
                if safe[w] {
                    continue;
                }
                let table = self.solve(&vars, &lines, Objective::One(w));
                match &table {
                    None => safe[w] = true,
                    Some(t) => {
                        let at = vars.iter().position(|x| *x == w).expect("in it");
                        if t[at] < 5.0 - 1e-6 {
                            out.push((self.names[w].clone(), t[at]));
                            safe[w] = true; // reported once
                        }
                    }
                }
                mark(&table, &mut safe);
            }
        }
        out
    }
}

enum Objective {
    One(usize),
    Capped(Vec<usize>),
}

fn check(months: Vec<Month>) -> Result<(), TestCaseError> {
    let office = Office { months };
    let patterns: Vec<Pattern> = (FIRST_YEAR..FIRST_YEAR + 3)
        .map(|y| {
            let reports: Vec<Report> = Period::calendar_family(y)
                .into_iter()
                .map(|p| office.report(p))
                .collect();
            Pattern::of(&reports)
        })
        .collect();
    let mut reader = Reader::default();
    for year in FIRST_YEAR..FIRST_YEAR + 3 {
        reader.year(&office, year);
    }
    // Every report of the last two years, as printed.
    for (i, year) in (FIRST_YEAR + 1..FIRST_YEAR + 3).enumerate() {
        for p in Period::calendar_family(year) {
            let mut r = office.report(p);
            r.suppression = Pattern::suppression(&r, &patterns[i + 1], &patterns[i]);
            prop_assert!(r.suppression.is_some(), "{p}: no suppression");
            reader.read(&r);
        }
    }
    for (v, n) in &reader.shown {
        prop_assert_eq!(reader.truth.get(v), Some(n), "{:?} printed wrong", v);
        prop_assert!(!(1..5).contains(n), "{:?}: {} printed", v, n);
    }
    let narrowed = reader.narrowed(&reader.shown);
    prop_assert!(narrowed.is_empty(), "narrowed below 5: {:?}", narrowed);
    // Every safe total is shown: a withheld headline total of 5 or more
    // would, shown, let some count be narrowed below 5 (in the years whose
    // every report the reader holds; the first year's pattern was made
    // for all of its reports, of which the reader has only three columns).
    for v in reader
        .withheld
        .iter()
        .filter(|v| v.0.from.year() > FIRST_YEAR)
    {
        let headline = [
            "new_cases|all|all",
            "activities.spot_visit|all|all",
            "counselling|all|all",
        ]
        .contains(&v.1.as_str());
        let n = reader.truth[v];
        if headline && n >= 5 {
            prop_assert!(
                reader.unsafe_to_show(v, n),
                "{:?} ({}) is withheld though showing it is safe",
                v,
                n
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(3))]

    #[test]
    fn no_withheld_count_can_be_narrowed_below_5_and_safe_totals_show(
        months in proptest::collection::vec(month(), 36),
    ) {
        check(months)?;
    }
}

/// The example, fixed: one small cell in December beside a
/// quarter and two months that would give it away.
#[test]
fn december_cannot_be_worked_out_from_the_quarter() {
    let mut months = vec![Month::default(); 36];
    for (i, m) in months.iter_mut().enumerate() {
        // Boys of 12–17 new each month, from the first referral source.
        m.new[0][0][3] = 7 + (i as i64 % 3);
    }
    // December of the last year: one more boy, from another source.
    months[35].new[0][1][3] = 1;
    check(months).expect("protected");
}

/// The reader is not blind: with everything shown but one small count
/// and its indicator's total, they work it out.
#[test]
fn the_reader_catches_a_count_given_away() {
    let mut months = vec![Month::default(); 36];
    months[30].new[1][2][0] = 3;
    months[30].new[0][0][1] = 9;
    let office = Office { months };
    let mut reader = Reader::default();
    for year in FIRST_YEAR..FIRST_YEAR + 3 {
        reader.year(&office, year);
    }
    let july = Period::calendar_family(FIRST_YEAR + 2)[6];
    let secret = (july, "new_cases.programme.p1|female|under12".to_string());
    assert_eq!(reader.truth[&secret], 3);
    let shown: BTreeMap<Var, i64> = reader
        .truth
        .iter()
        .filter(|(v, _)| **v != secret)
        .map(|(v, n)| (v.clone(), *n))
        .collect();
    let narrowed = reader.narrowed(&shown);
    assert_eq!(narrowed.len(), 1, "{narrowed:?}");
    assert_eq!(narrowed[0].0, secret);
    assert!((narrowed[0].1 - 3.0).abs() < 1e-6);
}
