//! Periods, age bands, counting people once, open cases.

use chrono::NaiveDate;

use super::*;
use crate::domain::CaseStatus;
use crate::domain::Sex;

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
