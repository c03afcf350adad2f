//! The list of activities, newest first, narrowed by words typed after
//! `/`: `kind:spot_visit` (or any part of a kind's code or name, e.g.
//! `kind:police`), `year:2026`, `month:2026-03`, and any other word
//! matches the place or the staff.
//!
//! A kind and a period are asked of the office file (an office records a
//! few thousand activities a year, so only a window is read: see
//! [`LIMIT`]); other words only narrow what was read, so a keystroke in a
//! word never goes back to the office file.

use chrono::{Datelike, Months, NaiveDate};

use crate::domain::activities::{Activity, ActivityFilter, ActivityKind};
use crate::ui::widgets::table::{Column, TableState};

/// The most activities read at once: several years of a large office's
/// spot visits. A kind or a period typed after `/` reaches further back.
pub const LIMIT: usize = 2_000;

pub fn columns() -> Vec<Column> {
    vec![
        Column::fixed("Date", 10).unsortable(),
        Column::fill("Kind", 3).unsortable(),
        Column::fill("Place", 3).unsortable(),
        Column::fixed("People", 6).right().unsortable(),
        Column::fill("Staff", 2).unsortable(),
    ]
}

/// What was typed after `/`: the part the office file is asked, and
/// words matched here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub filter: ActivityFilter,
    pub words: Vec<String>,
}

/// A kind from a word: its code, or the first kind whose code or name
/// contains it.
fn kind_of(word: &str) -> Option<ActivityKind> {
    let w = word.to_lowercase().replace('-', "_");
    ActivityKind::ALL
        .iter()
        .find(|k| k.code() == w)
        .or_else(|| {
            ActivityKind::ALL.iter().find(|k| {
                k.code().contains(w.as_str())
                    || k.label().to_lowercase().contains(&word.to_lowercase())
            })
        })
        .copied()
}

impl Query {
    /// Read the typed search; a word that is not understood is named in
    /// the problem (and narrows nothing).
    pub fn parse(typed: &str) -> (Query, Option<String>) {
        let mut q = Query::default();
        let mut problem = None;
        for w in typed.split_whitespace() {
            let Some((k, v)) = w.split_once(':').filter(|(_, v)| !v.is_empty()) else {
                q.words.push(w.to_lowercase());
                continue;
            };
            match k.to_ascii_lowercase().as_str() {
                "kind" => match kind_of(v) {
                    Some(kind) => q.filter.kind = Some(kind),
                    None => {
                        problem = Some(
                            "kind: spot, follow_up, parents, child_group, police, mlu, custody, training, awareness or sports".to_string(),
                        )
                    }
                },
                "year" => match v.parse::<i32>().ok().and_then(|y| {
                    Some((
                        NaiveDate::from_ymd_opt(y, 1, 1)?,
                        NaiveDate::from_ymd_opt(y, 12, 31)?,
                    ))
                }) {
                    Some((from, to)) if (1990..=2200).contains(&from.year()) => {
                        q.filter.from = Some(from);
                        q.filter.to = Some(to);
                    }
                    _ => problem = Some("year: write the year, e.g. year:2026".to_string()),
                },
                "month" => match NaiveDate::parse_from_str(&format!("{v}-01"), "%Y-%m-%d") {
                    Ok(from) => {
                        q.filter.from = Some(from);
                        q.filter.to = from
                            .checked_add_months(Months::new(1))
                            .and_then(|d| d.pred_opt());
                    }
                    Err(_) => {
                        problem = Some("month: write year and month, e.g. month:2026-03".into())
                    }
                },
                _ => q.words.push(w.to_lowercase()),
            }
        }
        (q, problem)
    }

    pub fn matches(&self, a: &Activity) -> bool {
        if self.words.is_empty() {
            return true;
        }
        let hay = format!("{} {} {}", a.kind.label(), a.place, a.staff.join(" ")).to_lowercase();
        self.words.iter().all(|w| hay.contains(w.as_str()))
    }

    /// The filters in force, as the top line shows them.
    pub fn chips(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(k) = self.filter.kind {
            out.push(format!("kind: {}", k.label()));
        }
        match (self.filter.from, self.filter.to) {
            (Some(f), Some(t)) => out.push(format!("{f} to {t}")),
            (Some(f), None) => out.push(format!("from {f}")),
            (None, Some(t)) => out.push(format!("to {t}")),
            (None, None) => {}
        }
        out
    }
}

/// The activities read, the ones shown and the table's state.
#[derive(Default)]
pub struct ActivityList {
    pub all: Vec<Activity>,
    /// Indices into `all` that match the words.
    pub shown: Vec<usize>,
    pub query: Query,
    pub problem: Option<String>,
    pub state: TableState,
}

impl ActivityList {
    pub fn selected(&self) -> Option<&Activity> {
        self.state
            .selected(self.shown.len())
            .and_then(|i| self.shown.get(i))
            .and_then(|i| self.all.get(*i))
    }

    /// New rows from the office file; the selection stays on the same
    /// activity (or `select`, one just saved).
    pub fn set(&mut self, all: Vec<Activity>, select: Option<i64>) {
        let keep = select.or(self.selected().map(|a| a.id));
        self.all = all;
        self.apply();
        if let Some(id) = keep
            && let Some(row) = self.shown.iter().position(|i| self.all[*i].id == id)
        {
            self.state.select(row);
        }
    }

    /// A new search; true when the office file must be asked again (the
    /// kind or the period changed).
    pub fn set_query(&mut self, typed: &str) -> bool {
        let (q, problem) = Query::parse(typed);
        let ask = q.filter != self.query.filter;
        self.query = q;
        self.problem = problem;
        self.state.select(0);
        self.apply();
        ask
    }

    pub fn apply(&mut self) {
        self.shown = (0..self.all.len())
            .filter(|i| self.query.matches(&self.all[*i]))
            .collect();
    }

    pub fn rows(&self) -> Vec<Vec<String>> {
        self.shown
            .iter()
            .map(|i| {
                let a = &self.all[*i];
                vec![
                    crate::ui::dates::show(a.on_date),
                    a.kind.label().to_string(),
                    a.place.clone(),
                    a.participants.total().to_string(),
                    a.staff.join(", "),
                ]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_filters_are_read() {
        let (q, p) = Query::parse("kind:police year:2026 Baldia");
        assert!(p.is_none());
        assert_eq!(q.filter.kind, Some(ActivityKind::PoliceStationVisit));
        assert_eq!(q.filter.from, NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(q.filter.to, NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(q.words, ["baldia"]);
        let (q, _) = Query::parse("kind:spot_visit month:2026-02");
        assert_eq!(q.filter.kind, Some(ActivityKind::SpotVisit));
        assert_eq!(q.filter.to, NaiveDate::from_ymd_opt(2026, 2, 28));
        for bad in ["kind:picnic", "year:26", "month:March"] {
            assert!(Query::parse(bad).1.is_some(), "{bad}");
        }
    }
}
