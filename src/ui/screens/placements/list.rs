//! The Placements tab: every placement with where it stands, its last
//! visit and the next one due, narrowed by words typed after `/`
//! (`trade:tailoring status:working year:2026 kind:business`, and any
//! other word matches a name, case number, employer or business) and
//! sorted by a column with `s`/`S`.
//!
//! An office has a few thousand placements at most (one for a share of
//! its older children), so the list is read whole and filtered here: a
//! keystroke never goes back to the office file.

use std::str::FromStr;

use chrono::{Datelike, NaiveDate};

use crate::domain::placements::{Placement, PlacementKind, PlacementStatus, Standing};
use crate::ui::widgets::table::{Column, SortDir, TableState};

pub fn columns() -> Vec<Column> {
    vec![
        Column::fixed("Case no.", 13),
        Column::fill("Name", 3),
        Column::fill("Work", 4),
        Column::fixed("Status", 7),
        Column::fixed("Visited", 10),
        Column::fixed("Next due", 11),
    ]
}

/// A date as the lists show it, or "" for none.
pub fn date(d: Option<NaiveDate>) -> String {
    crate::ui::dates::show_or(d, "")
}

/// A date as every screen shows it (empty when there is none).
fn short(d: Option<NaiveDate>) -> String {
    crate::ui::dates::show_or(d, "")
}

/// What a placement is, in words for a line to itself: "job at Jinnah
/// Road tailors (tailoring)", "own small business: tea stall".
pub fn about(p: &Placement) -> String {
    match p.kind {
        PlacementKind::Job => {
            let mut s = String::from("job");
            if !p.employer.is_empty() {
                s.push_str(&format!(" at {}", p.employer));
            }
            if !p.trade.is_empty() {
                s.push_str(&format!(" ({})", p.trade));
            }
            s
        }
        PlacementKind::Business => format!("own small business: {}", p.business_kind),
    }
}

/// What a placement is, in a few words: "tailoring · Jinnah Road tailors",
/// "tea stall (own)".
pub fn work(p: &Placement) -> String {
    match p.kind {
        PlacementKind::Job => [p.trade.as_str(), p.employer.as_str()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
        PlacementKind::Business => format!("{} (own)", p.business_kind),
    }
}

/// The filters typed after `/`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub trade: Option<String>,
    pub status: Option<PlacementStatus>,
    pub year: Option<i32>,
    pub kind: Option<PlacementKind>,
    pub words: Vec<String>,
}

impl Filter {
    /// Read the typed search; a word that is not understood is named in
    /// the problem (and filters nothing).
    pub fn parse(typed: &str) -> (Filter, Option<String>) {
        let mut f = Filter::default();
        let mut problem = None;
        for w in typed.split_whitespace() {
            let Some((k, v)) = w.split_once(':').filter(|(_, v)| !v.is_empty()) else {
                f.words.push(w.to_lowercase());
                continue;
            };
            match k.to_ascii_lowercase().as_str() {
                // Trades of two words are typed with _ or -: motor_mechanic.
                "trade" => f.trade = Some(v.replace(['_', '-'], " ").to_lowercase()),
                "status" => match PlacementStatus::from_str(v) {
                    Ok(s) => f.status = Some(s),
                    Err(_) => {
                        problem = Some(
                            "status: can be working, changed, lost, running, closed or ended"
                                .to_string(),
                        )
                    }
                },
                "year" => match v.parse::<i32>() {
                    Ok(y) if (1990..=2200).contains(&y) => f.year = Some(y),
                    _ => problem = Some("year: write the year, e.g. year:2026".to_string()),
                },
                "kind" => match v.to_ascii_lowercase().as_str() {
                    "job" => f.kind = Some(PlacementKind::Job),
                    "business" | "own" => f.kind = Some(PlacementKind::Business),
                    _ => problem = Some("kind: can be job or business".to_string()),
                },
                _ => f.words.push(w.to_lowercase()),
            }
        }
        (f, problem)
    }

    pub fn matches(&self, p: &Placement) -> bool {
        if let Some(t) = &self.trade
            && !p.trade.to_lowercase().contains(t.as_str())
        {
            return false;
        }
        if self.status.is_some_and(|s| p.status != s)
            || self.year.is_some_and(|y| p.starts_on.year() != y)
            || self.kind.is_some_and(|k| p.kind != k)
        {
            return false;
        }
        let hay = format!(
            "{} {} {} {} {}",
            p.case_number, p.name, p.employer, p.business_kind, p.trade
        )
        .to_lowercase();
        self.words.iter().all(|w| hay.contains(w.as_str()))
    }

    /// The filters in force, as the top line shows them.
    pub fn chips(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(t) = &self.trade {
            out.push(format!("trade: {t}"));
        }
        if let Some(s) = self.status {
            out.push(format!("status: {}", s.code()));
        }
        if let Some(y) = self.year {
            out.push(format!("year: {y}"));
        }
        if let Some(k) = self.kind {
            out.push(format!("kind: {}", k.code()));
        }
        out
    }
}

/// The placements read from the office file, the ones shown, and the
/// table's state.
#[derive(Default)]
pub struct PlacementList {
    pub all: Vec<Placement>,
    /// Indices into `all`, filtered and sorted.
    pub shown: Vec<usize>,
    pub filter: Filter,
    pub problem: Option<String>,
    pub state: TableState,
}

impl PlacementList {
    pub fn selected(&self) -> Option<&Placement> {
        self.state
            .selected(self.shown.len())
            .and_then(|i| self.shown.get(i))
            .and_then(|i| self.all.get(*i))
    }

    /// New rows from the office file; the selection stays on the same
    /// placement (or `select`, a placement just saved).
    pub fn set(&mut self, all: Vec<Placement>, select: Option<i64>) {
        let keep = select.or(self.selected().map(|p| p.id));
        self.all = all;
        self.apply();
        if let Some(id) = keep
            && let Some(row) = self.shown.iter().position(|i| self.all[*i].id == id)
        {
            self.state.select(row);
        }
    }

    pub fn set_query(&mut self, typed: &str) {
        let (f, problem) = Filter::parse(typed);
        self.filter = f;
        self.problem = problem;
        self.state.select(0);
        self.apply();
    }

    /// Filter and sort `all` into `shown`.
    pub fn apply(&mut self) {
        let mut shown: Vec<usize> = (0..self.all.len())
            .filter(|i| self.filter.matches(&self.all[*i]))
            .collect();
        if let Some((column, dir)) = self.state.sort() {
            let all = &self.all;
            shown.sort_by(|a, b| {
                let (a, b) = (&all[*a], &all[*b]);
                let o = match column {
                    0 => a.case_number.cmp(&b.case_number),
                    1 => a.name.to_lowercase().cmp(&b.name.to_lowercase()),
                    2 => work(a).to_lowercase().cmp(&work(b).to_lowercase()),
                    3 => a.status.code().cmp(b.status.code()),
                    4 => a.last_visit.cmp(&b.last_visit),
                    _ => a.next_due.cmp(&b.next_due),
                };
                if dir == SortDir::Desc { o.reverse() } else { o }
            });
        }
        self.shown = shown;
    }

    /// The cells of one shown row; a next visit already late is marked `!`.
    pub fn rows(&self, today: NaiveDate) -> Vec<Vec<String>> {
        self.shown
            .iter()
            .map(|i| {
                let p = &self.all[*i];
                let next = match p.next_due {
                    Some(d) if Standing::of(d, today) == Standing::Overdue => {
                        format!("{}!", short(Some(d)))
                    }
                    d => short(d),
                };
                vec![
                    p.case_number.clone(),
                    p.name.clone(),
                    work(p),
                    p.status.code().to_string(),
                    short(p.last_visit),
                    next,
                ]
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placement(id: i64, trade: &str, status: PlacementStatus, year: i32) -> Placement {
        let start = NaiveDate::from_ymd_opt(year, 3, 1).expect("date");
        Placement {
            id,
            person_id: id,
            case_number: format!("CPC-{year}-{id:04}"),
            name: format!("Child {id}"),
            kind: PlacementKind::Job,
            trade: trade.into(),
            employer: "Kasi electric works".into(),
            business_kind: String::new(),
            starts_on: start,
            wage: Some(9000),
            skill_class_id: None,
            ended_on: None,
            end_reason: String::new(),
            status,
            last_visit: None,
            next_due: Some(start),
        }
    }

    #[test]
    fn typed_filters_narrow_the_list() {
        let mut l = PlacementList::default();
        l.set(
            vec![
                placement(1, "tailoring", PlacementStatus::Working, 2026),
                placement(2, "motor mechanic", PlacementStatus::Lost, 2025),
                placement(3, "tailoring", PlacementStatus::Lost, 2025),
            ],
            None,
        );
        assert_eq!(l.shown.len(), 3);
        l.set_query("trade:motor_mechanic");
        assert_eq!(l.shown, [1]);
        l.set_query("status:lost year:2025");
        assert_eq!(l.shown, [1, 2]);
        l.set_query("TAILORING status:lost");
        assert_eq!(l.shown, [2]);
        assert!(l.problem.is_none());
        l.set_query("status:asleep");
        assert!(
            l.problem
                .as_deref()
                .is_some_and(|p| p.starts_with("status:"))
        );
        assert_eq!(l.shown.len(), 3, "a word not understood filters nothing");
        l.set_query("year:26");
        assert!(l.problem.is_some());
    }

    #[test]
    fn the_selection_follows_the_placement() {
        let mut l = PlacementList::default();
        let rows = vec![
            placement(1, "a", PlacementStatus::Working, 2026),
            placement(2, "b", PlacementStatus::Working, 2026),
        ];
        l.set(rows.clone(), Some(2));
        assert_eq!(l.selected().map(|p| p.id), Some(2));
        let mut more = vec![placement(3, "c", PlacementStatus::Working, 2026)];
        more.extend(rows);
        l.set(more, None);
        assert_eq!(l.selected().map(|p| p.id), Some(2));
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
        assert!(l.rows(today)[0][5].ends_with('!'), "late visits are marked");
    }
}
