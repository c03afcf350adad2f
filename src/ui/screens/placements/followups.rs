//! The Follow-ups tab: one list of what is due by today from placements
//! (visits) and from case files (follow-ups), most late first, with how
//! many days late. Space switches between mine (people whose case worker
//! I am) and everyone's; words after `/` narrow it: `kind:visit`,
//! `kind:case`, `overdue` (only those already late), and any other word
//! matches a name, case number or what is due.
//!
//! The list is read from the office file whenever its filters change or
//! something is saved, at most [`LIMIT`] items (the most late), with the
//! office's whole counts for the same filters (the numbers Home and
//! `followup list` show); typed words are matched here.

use chrono::NaiveDate;

use crate::Result;
use crate::domain::placements::{DueCounts, DueItem, DueKind, Standing};
use crate::office::placements::DueFilter;
use crate::ui::screen::ScreenCtx;
use crate::ui::widgets::table::{Column, TableState};

/// Most items read at once. An office that is this far behind sees the
/// most late first and "1,000+".
pub const LIMIT: usize = 1000;

/// The worker is named on the line under the list, not in a column: at
/// 80 columns the name and what is due need the room.
pub fn columns() -> Vec<Column> {
    let c = |t: &str, w: u16| Column::fixed(t, w).unsortable();
    let f = |t: &str, w: u16| Column::fill(t, w).unsortable();
    vec![
        c("Late", 7).right(),
        c("Due", 10),
        c("Kind", 5),
        c("Case no.", 13),
        f("Name", 2),
        f("What", 3),
    ]
}

/// "today", "1 day", "12 days" (and "in 3 days" for one not due yet).
pub fn late(days: i64) -> String {
    match days {
        0 => "today".into(),
        1 => "1 day".into(),
        d if d > 1 => format!("{d} days"),
        d => format!("in {}", -d),
    }
}

fn kind_word(k: DueKind) -> &'static str {
    match k {
        DueKind::Placement => "visit",
        DueKind::Case => "case",
    }
}

#[derive(Default)]
pub struct DueList {
    pub items: Vec<DueItem>,
    /// Indices into `items` matching the typed words.
    pub shown: Vec<usize>,
    pub mine: bool,
    pub overdue: bool,
    pub kind: Option<DueKind>,
    pub words: Vec<String>,
    pub problem: Option<String>,
    pub state: TableState,
    /// The office file holds more than [`LIMIT`].
    pub at_least: bool,
    /// How many the office file holds for the filters, whole.
    pub counts: DueCounts,
}

impl DueList {
    pub fn selected(&self) -> Option<&DueItem> {
        self.state
            .selected(self.shown.len())
            .and_then(|i| self.shown.get(i))
            .and_then(|i| self.items.get(*i))
    }

    /// Read the list again; the selection stays on its row number, so
    /// after a save the next item comes up under the cursor.
    pub fn load(&mut self, ctx: &ScreenCtx<'_>) -> Result<()> {
        let filter = DueFilter {
            mine: self.mine,
            overdue: self.overdue,
            kind: self.kind,
        };
        self.items = ctx.session.due_list(ctx.today, filter, LIMIT)?;
        self.counts = ctx.session.due_counts(ctx.today, filter)?;
        self.at_least = self.items.len() >= LIMIT;
        self.apply();
        Ok(())
    }

    /// Read the typed search: the filters that go to the office file and
    /// the words matched here. True if the office file must be read again.
    pub fn set_query(&mut self, typed: &str) -> bool {
        let before = (self.kind, self.overdue);
        self.kind = None;
        self.overdue = false;
        self.problem = None;
        self.words.clear();
        for w in typed.split_whitespace() {
            let lower = w.to_lowercase();
            match lower.split_once(':') {
                // The start of a word will do, so that typing "kind:visit"
                // reads the office file once, at its first letter.
                Some(("kind", v)) if !v.is_empty() => {
                    let is = |words: &[&str]| words.iter().any(|w| w.starts_with(v));
                    if is(&["visit", "placement"]) {
                        self.kind = Some(DueKind::Placement);
                    } else if is(&["case", "follow-up", "followup"]) {
                        self.kind = Some(DueKind::Case);
                    } else {
                        self.problem = Some("kind: can be visit or case".into());
                    }
                }
                _ if lower == "overdue" || lower == "late" => self.overdue = true,
                _ => self.words.push(lower),
            }
        }
        self.state.select(0);
        self.apply();
        before != (self.kind, self.overdue)
    }

    pub fn apply(&mut self) {
        self.shown = (0..self.items.len())
            .filter(|i| {
                let d = &self.items[*i];
                let hay = format!("{} {} {}", d.case_number, d.name, d.what).to_lowercase();
                self.words.iter().all(|w| hay.contains(w.as_str()))
            })
            .collect();
    }

    /// The filters in force, as the top line shows them.
    pub fn chips(&self) -> Vec<String> {
        let mut out = vec![if self.mine { "mine" } else { "everyone's" }.to_string()];
        if let Some(k) = self.kind {
            out.push(format!("kind: {}", kind_word(k)));
        }
        if self.overdue {
            out.push("overdue only".into());
        }
        out
    }

    pub fn rows(&self, today: NaiveDate) -> Vec<Vec<String>> {
        self.shown
            .iter()
            .map(|i| {
                let d = &self.items[*i];
                vec![
                    late(d.days_late(today)),
                    crate::ui::dates::show(d.due_on),
                    kind_word(d.kind).to_string(),
                    d.case_number.clone(),
                    d.name.clone(),
                    d.what.clone(),
                ]
            })
            .collect()
    }

    /// The selected item in full, for the line under the list.
    pub fn about(&self) -> Option<String> {
        let d = self.selected()?;
        let worker = d
            .worker
            .as_deref()
            .map(|w| format!(" · worker {w}"))
            .unwrap_or_default();
        Some(format!(
            "{} · {} · due {}{worker}",
            d.name,
            d.what,
            crate::ui::dates::show(d.due_on)
        ))
    }

    /// How many are late (due before today): the office's count for the
    /// filters, or, while words narrow the list, how many of those shown.
    pub fn late_count(&self, today: NaiveDate) -> usize {
        if self.words.is_empty() {
            return self.counts.overdue;
        }
        self.shown
            .iter()
            .filter(|i| self.items[**i].standing(today) == Standing::Overdue)
            .count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(kind: DueKind, id: i64, due: NaiveDate, what: &str) -> DueItem {
        DueItem {
            kind,
            id,
            person_id: id,
            case_number: format!("CPC-2026-{id:04}"),
            name: format!("Child {id}"),
            due_on: due,
            worker: Some("staff".into()),
            what: what.into(),
        }
    }

    #[test]
    fn words_narrow_and_filters_ask_the_office_file_again() {
        let day = |d: u32| NaiveDate::from_ymd_opt(2026, 11, d).expect("date");
        let mut l = DueList {
            items: vec![
                item(DueKind::Case, 1, day(1), "Court hearing"),
                item(DueKind::Placement, 2, day(23), "job: tailoring"),
            ],
            ..DueList::default()
        };
        l.apply();
        assert_eq!(l.shown.len(), 2);
        assert!(!l.set_query("tailor"), "a word is matched here");
        assert_eq!(l.shown, [1]);
        assert!(l.set_query("kind:visit"), "a kind goes to the office file");
        assert_eq!(l.kind, Some(DueKind::Placement));
        assert!(!l.set_query("kind:visit court"));
        assert!(!l.set_query("kind:vis"), "a part of the word is enough");
        assert_eq!(l.kind, Some(DueKind::Placement));
        assert!(l.set_query("overdue"));
        assert!(l.overdue && l.kind.is_none());
        l.set_query("kind:nonsense");
        assert!(l.problem.is_some());
        l.set_query("court");
        assert_eq!(l.late_count(day(23)), 1, "words: the late ones shown");
        l.set_query("");
        l.counts.overdue = 7;
        assert_eq!(l.late_count(day(23)), 7, "no words: the office's count");
        let rows = l.rows(day(23));
        assert_eq!(rows[0][0], "22 days");
        assert_eq!(rows[1][0], "today");
        assert_eq!(rows[0].len(), columns().len());
        assert_eq!(late(1), "1 day");
        assert_eq!(late(-2), "in 2");
    }
}
