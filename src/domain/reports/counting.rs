//! Putting people in cells (their sex and age band at the end of a
//! period), rates per person, and whether a case was open in a period.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use super::{AgeBand, Figures, Period, RateGrid, Record};
use crate::domain::Sex;

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
    changes: impl IntoIterator<Item = (NaiveDate, crate::domain::CaseStatus)>,
    p: &Period,
) -> bool {
    use crate::domain::CaseStatus::Closed;
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
