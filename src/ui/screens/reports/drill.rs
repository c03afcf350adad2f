//! The records behind one number: the people (case number, name, the
//! cell they are counted in), or the activities. Enter on a person opens
//! their file; Enter on an activity shows it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use crate::domain::activities::Activity;
use crate::domain::reports::sex_letter;
use crate::office::reports::Records;
use crate::ui::theme::Theme;
use crate::ui::widgets::table::{Column, Table, TableState};

pub struct Drill {
    /// What the list is: "New cases registered, March 2026".
    pub title: String,
    pub records: Records,
    pub state: TableState,
    /// An activity opened from the list.
    pub open: Option<Box<Activity>>,
    rows: Vec<Vec<String>>,
}

impl Drill {
    pub fn new(title: String, records: Records) -> Drill {
        let rows = match &records {
            Records::People(people) => people
                .iter()
                .map(|p| {
                    let (sex, age) = p
                        .cell
                        .map(|(s, b)| (sex_letter(s), b.short()))
                        .unwrap_or(("", ""));
                    vec![
                        p.case_number.clone(),
                        p.name.clone(),
                        sex.to_string(),
                        age.to_string(),
                        p.status.label().to_string(),
                    ]
                })
                .collect(),
            Records::Activities(list) => list
                .iter()
                .map(|a| {
                    vec![
                        crate::ui::dates::show(a.on_date),
                        a.kind.label().to_string(),
                        a.place.clone(),
                        a.participants.total().to_string(),
                    ]
                })
                .collect(),
        };
        Drill {
            title,
            records,
            state: TableState::new(),
            open: None,
            rows,
        }
    }

    pub fn columns(&self) -> Vec<Column> {
        match self.records {
            Records::People(_) => vec![
                Column::fixed("Case no.", 13).unsortable(),
                Column::fill("Name", 1).unsortable(),
                Column::fixed("Sex", 3).unsortable(),
                Column::fixed("Age", 5).unsortable(),
                Column::fixed("Status", 10).unsortable(),
            ],
            Records::Activities(_) => vec![
                Column::fixed("Date", 10).unsortable(),
                Column::fill("Kind", 1).unsortable(),
                Column::fill("Place", 1).unsortable(),
                Column::fixed("People", 6).right().unsortable(),
            ],
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// The person's record id, or the activity, on the selected row.
    pub fn selected(&self) -> Option<Selected<'_>> {
        let i = self.state.selected(self.len())?;
        match &self.records {
            Records::People(p) => p.get(i).map(|p| Selected::Person(p.id)),
            Records::Activities(a) => a.get(i).map(Selected::Activity),
        }
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let cols = self.columns();
        let empty = "Nothing is behind this number in the period.";
        Table::new(&self.rows, &cols, &self.state, t)
            .title(self.title.as_str())
            .empty_message(empty)
            .render(area, buf);
    }
}

pub enum Selected<'a> {
    Person(i64),
    Activity(&'a Activity),
}
