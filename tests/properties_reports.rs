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
        for (parent, parts) in family[16..]
            .iter()
            .map(|y| (y, &family[12..16]))
            .chain(
                family[12..16]
                    .iter()
                    .enumerate()
                    .map(|(q, p)| (p, &family[q * 3..q * 3 + 3])),
            )
        {
            for n in &names {
                self.lines.push((
                    (*parent, n.clone()),
                    parts.iter().map(|m| (*m, n.clone())).collect(),
                ));
            }
        }
    }

    /// The largest value the reader can give `var`: None if unbounded.
    fn max(&self, var: &Var, shown: &BTreeMap<Var, i64>) -> Option<f64> {
        // Only the unknowns tied to `var` through sums matter.
        let mut members: HashMap<&Var, Vec<usize>> = HashMap::new();
        for (i, (s, parts)) in self.lines.iter().enumerate() {
            for v in std::iter::once(s).chain(parts) {
                members.entry(v).or_default().push(i);
            }
        }
        let mut seen: BTreeSet<&Var> = BTreeSet::from([var]);
        let mut lines = BTreeSet::new();
        let mut queue = vec![var];
        while let Some(v) = queue.pop() {
            for l in members.get(v).into_iter().flatten() {
                if !lines.insert(*l) {
                    continue;
                }
                let (s, parts) = &self.lines[*l];
                for m in std::iter::once(s).chain(parts) {
                    if !shown.contains_key(m) && seen.insert(m) {
                        queue.push(m);
                    }
                }
            }
        }
        let mut lp = Problem::new(OptimizationDirection::Maximize);
        let x: HashMap<&Var, microlp::Variable> = seen
            .iter()
            .map(|v| (*v, lp.add_var(if *v == var { 1.0 } else { 0.0 }, (0.0, f64::INFINITY))))
            .collect();
        for l in lines {
            let (s, parts) = &self.lines[l];
            let mut terms = Vec::new();
            let mut rhs = 0.0;
            for (v, c) in parts.iter().map(|p| (p, 1.0)).chain([(s, -1.0)]) {
                match shown.get(v) {
                    Some(n) => rhs -= c * *n as f64,
                    None => terms.push((x[v], c)),
                }
            }
            lp.add_constraint(terms, ComparisonOp::Eq, rhs);
        }
        match lp.solve() {
            Ok(o) => Some(o.into_solution().expect("solved").objective()),
            Err(microlp::Error::Unbounded) => None,
            Err(e) => panic!("the reader's problem for {var:?} failed: {e:?}"),
        }
    }

    /// The withheld counts from 1 to 4 the reader can narrow below 5.
    fn narrowed(&self, shown: &BTreeMap<Var, i64>) -> Vec<(Var, f64)> {
        self.truth
            .iter()
            .filter(|(v, n)| (1..5).contains(*n) && !shown.contains_key(*v))
            .filter_map(|(v, _)| match self.max(v, shown) {
                Some(m) if m < 5.0 - 1e-6 => Some((v.clone(), m)),
                _ => None,
            })
            .collect()
    }
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
    // would, shown, let some count be narrowed below 5.
    for v in &reader.withheld {
        let headline = ["new_cases|all|all", "activities.spot_visit|all|all", "counselling|all|all"]
            .contains(&v.1.as_str());
        let n = reader.truth[v];
        if headline && n >= 5 {
            let mut more = reader.shown.clone();
            more.insert(v.clone(), n);
            prop_assert!(
                !reader.narrowed(&more).is_empty(),
                "{:?} ({}) is withheld though showing it is safe",
                v,
                n
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config(6))]

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
