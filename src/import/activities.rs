//! An activities import's rows turned into activity records: the date,
//! the kind (by code, label or a common short name), the place, the staff
//! (account names), head counts by sex and age band, the children newly
//! identified on a spot visit, and a note. Then the same rules the
//! activity form passes (`NewActivity::validate`). Every problem of a row
//! is collected, in plain words, with the row number.
//!
//! Which staff names are accounts is the office's knowledge, so the
//! caller passes a look-up; nothing here touches an office file.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::columns::{self, ACTIVITIES, Mapping, normalise};
use super::dates::{self, ColumnOrder};
use super::preview::{ActivityRow, ImportOptions, Problem};
use super::vocabulary::vocab;
use super::{Cell, Table};
use crate::domain::Sex;
use crate::domain::activities::{Activity, ActivityKind, NewActivity};
use crate::domain::reports::{AgeBand, Grid};
use crate::{Error, Result};

/// An activities file read and checked (no office involved yet).
#[derive(Debug, Clone)]
pub struct ParsedActivities {
    pub mapping: Mapping,
    pub settings: Vec<(String, String)>,
    pub valid: Vec<ActivityRow>,
    pub problems: Vec<Problem>,
    /// Data rows read.
    pub rows: usize,
    pub headers: Vec<String>,
    /// Every invalid row's cells as text, for the rejects file.
    pub rejected: Vec<(usize, Vec<Cell>)>,
}

/// The head-count fields, in the order of `ACTIVITIES`.
pub const COUNTS: [(&str, Sex, AgeBand); 12] = [
    ("female_under12", Sex::Female, AgeBand::Under12),
    ("female_12_17", Sex::Female, AgeBand::Teen),
    ("female_18plus", Sex::Female, AgeBand::Adult),
    ("female_unknown", Sex::Female, AgeBand::Unknown),
    ("male_under12", Sex::Male, AgeBand::Under12),
    ("male_12_17", Sex::Male, AgeBand::Teen),
    ("male_18plus", Sex::Male, AgeBand::Adult),
    ("male_unknown", Sex::Male, AgeBand::Unknown),
    ("other_under12", Sex::Other, AgeBand::Under12),
    ("other_12_17", Sex::Other, AgeBand::Teen),
    ("other_18plus", Sex::Other, AgeBand::Adult),
    ("other_unknown", Sex::Other, AgeBand::Unknown),
];

/// The fields a row must have, from a column or the mapping file's
/// `[defaults]`.
pub const REQUIRED: [&str; 4] = ["on_date", "kind", "place", "staff"];

/// An activity kind as offices write it: the code, the label, or a short
/// name from their own sheets ("PCM", "MLU visit", "awareness").
pub fn parse_kind(text: &str) -> std::result::Result<ActivityKind, String> {
    if let Some(k) = vocab(
        ActivityKind::ALL,
        ActivityKind::code,
        ActivityKind::english,
        text,
    ) {
        return Ok(k);
    }
    use ActivityKind::*;
    Ok(match normalise(text).as_str() {
        "spot" | "spotvisits" | "outreach" | "outreachvisit" => SpotVisit,
        "followup" | "followupvisits" | "homevisit" => FollowUpVisit,
        "pcm" | "parentsmeeting" | "parentscommitteemeeting" | "parentcommitteemeeting" => {
            ParentsMeeting
        }
        "cgm" | "childgroup" | "childrengroupmeeting" | "childrensgroupmeeting" => {
            ChildGroupMeeting
        }
        "policestation" | "policevisit" | "psvisit" => PoliceStationVisit,
        "mlu" | "mluvisit" | "medicolegalunit" | "medicolegalvisit" => MluVisit,
        "jailvisit" | "custody" | "prisonvisit" | "darulamanvisit" => CustodyVisit,
        "stafftraining" => StaffTraining,
        "policetraining" => PoliceTraining,
        "volunteertraining" => VolunteerTraining,
        "awareness" | "awarenesssessions" => AwarenessSession,
        "sports" | "sportsevent" | "event" | "recreationalevent" => SportsEvent,
        _ => {
            return Err(format!(
                "Activity: '{}' is not a kind of activity; use one of: {}",
                crate::safe_text::brief(text.trim()).escape_debug(),
                ActivityKind::ALL
                    .iter()
                    .map(|k| k.code())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    })
}

/// A head count: a whole number cell, or text of digits. Blank is 0.
fn parse_count(label: &str, cell: &Cell) -> std::result::Result<i64, String> {
    let bad = || {
        format!(
            "{label}: '{}' is not a whole number of people",
            crate::safe_text::brief(cell.text().trim()).escape_debug()
        )
    };
    match cell {
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e9 => Ok(*n as i64),
        Cell::Text(t) => t.trim().parse::<i64>().map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// Read the activities in a table. `staff_id` finds an account by name.
pub fn parse_activities(
    table: &Table,
    opts: &ImportOptions,
    today: NaiveDate,
    staff_id: &dyn Fn(&str) -> Option<i64>,
) -> Result<ParsedActivities> {
    let map = opts.mapping.as_ref();
    if let Some(m) = map {
        m.check(ACTIVITIES, &[])?;
    }
    let (mut mapping, at) = columns::map_columns(ACTIVITIES, &table.rows, table.first_row, map)?;
    for key in REQUIRED {
        let has_default = map.is_some_and(|m| m.defaults.contains_key(key));
        if mapping.column(key).is_none() && !has_default {
            let label = ACTIVITIES
                .iter()
                .find(|f| f.key == key)
                .map_or(key, |f| f.label);
            // Escaped: a header is text from the file and goes to the terminal.
            let headers: Vec<String> = mapping
                .columns
                .iter()
                .map(|c| {
                    crate::safe_text::brief(&c.header)
                        .escape_debug()
                        .to_string()
                })
                .collect();
            return Err(Error::invalid(format!(
                "no column of row {} looks like the {} (the columns are: {}); name it in a mapping file: [columns] {key} = \"…\", or give it for every row in [defaults] (see casedesk import --help)",
                mapping.header_row,
                label.to_lowercase(),
                headers.join(", ")
            )));
        }
    }
    let data = &table.rows[at + 1..];
    let order = match mapping.column("on_date") {
        Some(c) => dates::column_order(data.iter().filter_map(|r| r.get(c)), opts.file_dates()),
        None => ColumnOrder::Open,
    };
    if let Some(c) = mapping
        .column("on_date")
        .and_then(|c| mapping.columns.iter_mut().find(|u| u.column == c))
    {
        c.note = Some(order.describe());
    }
    let defaults: HashMap<&str, Cell> = map
        .map(|m| {
            m.defaults
                .iter()
                .map(|(k, v)| (k.as_str(), Cell::Text(v.clone())))
                .collect()
        })
        .unwrap_or_default();
    let settings = map
        .map(|m| {
            m.defaults
                .iter()
                .filter(|(k, _)| mapping.column(k).is_none())
                .map(|(k, v)| {
                    let label = ACTIVITIES
                        .iter()
                        .find(|f| f.key == k)
                        .map_or(k.as_str(), |f| f.label);
                    (label.to_string(), format!("{v} (from the mapping file)"))
                })
                .collect()
        })
        .unwrap_or_default();
    let headers = mapping.columns.iter().map(|c| c.header.clone()).collect();
    let cols: HashMap<&'static str, usize> = ACTIVITIES
        .iter()
        .filter_map(|f| mapping.column(f.key).map(|c| (f.key, c)))
        .collect();
    let mut out = ParsedActivities {
        mapping,
        settings,
        valid: Vec::new(),
        problems: Vec::new(),
        rows: 0,
        headers,
        rejected: Vec::new(),
    };
    for (i, cells) in data.iter().enumerate() {
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        out.rows += 1;
        super::progress::PROGRESS.checked(1);
        let row = table.row_number(at + 1 + i);
        let cell = |key: &str| -> Option<&Cell> {
            cols.get(key)
                .and_then(|c| cells.get(*c))
                .filter(|c| !c.is_blank())
                .or_else(|| defaults.get(key))
        };
        let mut problems = Vec::new();
        let activity = read_activity(&cell, order, today, staff_id, &mut problems);
        match activity {
            Some(activity) if problems.is_empty() => out.valid.push(ActivityRow {
                row,
                activity,
                in_office: 0,
            }),
            _ => {
                out.problems
                    .extend(problems.into_iter().map(|message| Problem { row, message }));
                out.rejected.push((row, cells.to_vec()));
            }
        }
    }
    Ok(out)
}

/// One row's activity, or None with `problems` filled.
fn read_activity<'a>(
    cell: &dyn Fn(&str) -> Option<&'a Cell>,
    order: ColumnOrder,
    today: NaiveDate,
    staff_id: &dyn Fn(&str) -> Option<i64>,
    problems: &mut Vec<String>,
) -> Option<NewActivity> {
    let text = |key: &str| {
        cell(key)
            .map(|c| c.text().trim().to_string())
            .unwrap_or_default()
    };
    let on_date = match cell("on_date") {
        Some(c) => match dates::read(c, order) {
            Ok(d) => Some(d),
            Err(e) => {
                problems.push(e.message("Date", c.text().trim(), order));
                None
            }
        },
        None => {
            problems.push("Date is missing".into());
            None
        }
    };
    let kind = match cell("kind") {
        Some(c) => parse_kind(&c.text()).map_err(|m| problems.push(m)).ok(),
        None => {
            problems.push("Activity is missing".into());
            None
        }
    };
    let mut staff = Vec::new();
    let names = text("staff");
    for name in names
        .split([',', ';', '/', '&', '+'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        match staff_id(name) {
            Some(id) if !staff.contains(&id) => staff.push(id),
            Some(_) => {}
            None => problems.push(format!(
                "Staff: '{}' is not an account; write the staff members' account names",
                crate::safe_text::brief(name).escape_debug()
            )),
        }
    }
    let mut participants = Vec::new();
    for (key, sex, band) in COUNTS {
        let Some(c) = cell(key) else { continue };
        let label = ACTIVITIES
            .iter()
            .find(|f| f.key == key)
            .map_or(key, |f| f.label);
        match parse_count(label, c) {
            Ok(n) => participants.push((sex, band, n)),
            Err(m) => problems.push(m),
        }
    }
    let new_identified = match cell("new_identified") {
        Some(c) => parse_count("New children identified", c)
            .map_err(|m| problems.push(m))
            .unwrap_or(0),
        None => 0,
    };
    let (Some(on_date), Some(kind)) = (on_date, kind) else {
        return None;
    };
    let activity = NewActivity {
        kind,
        on_date,
        place: text("place"),
        staff,
        participants,
        new_identified,
        persons: Vec::new(),
        note: text("note"),
    };
    // The form's own rules; "name at least one staff member" only when no
    // name was given at all (a name not found was reported above).
    for e in activity.validate(today) {
        if !(e.field == "staff" && activity.staff.is_empty() && !names.is_empty()) {
            problems.push(e.message);
        }
    }
    Some(activity)
}

/// What two activities (two rows, or a row and a saved activity) must
/// share to be the same: everything in them. The date, the kind, the place
/// and the note (as compared headers are: case, spaces and punctuation
/// aside), the staff (by account name, in any order), every head count,
/// the new children, and the linked people. Two rows that differ in any
/// of these are two activities.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActivityKey {
    on_date: NaiveDate,
    kind: ActivityKind,
    place: String,
    staff: Vec<String>,
    participants: Grid,
    new_identified: i64,
    note: String,
    persons: Vec<i64>,
}

impl ActivityKey {
    /// A row's key; `staff_name` names an account by id.
    pub fn of_new(a: &NewActivity, staff_name: &dyn Fn(i64) -> String) -> ActivityKey {
        ActivityKey::new(
            a,
            a.staff.iter().map(|id| staff_name(*id)).collect(),
            a.grid(),
            a.persons.clone(),
        )
    }

    /// A saved activity's key.
    pub fn of_saved(a: &Activity) -> ActivityKey {
        let like = NewActivity {
            kind: a.kind,
            on_date: a.on_date,
            place: a.place.clone(),
            staff: Vec::new(),
            participants: Vec::new(),
            new_identified: a.new_identified,
            persons: Vec::new(),
            note: a.note.clone(),
        };
        ActivityKey::new(
            &like,
            a.staff.clone(),
            a.participants,
            a.persons.iter().map(|(id, _)| *id).collect(),
        )
    }

    fn new(
        a: &NewActivity,
        staff: Vec<String>,
        participants: Grid,
        persons: Vec<i64>,
    ) -> ActivityKey {
        let mut staff: Vec<String> = staff.iter().map(|n| n.to_lowercase()).collect();
        staff.sort();
        staff.dedup();
        let mut persons = persons;
        persons.sort_unstable();
        persons.dedup();
        ActivityKey {
            on_date: a.on_date,
            kind: a.kind,
            place: normalise(&a.place),
            staff,
            participants,
            new_identified: a.new_identified,
            note: normalise(&a.note),
            persons,
        }
    }

    pub fn on_date(&self) -> NaiveDate {
        self.on_date
    }

    pub fn kind(&self) -> ActivityKind {
        self.kind
    }
}

/// The columns of the preview's sample.
pub const SAMPLE_HEADER: [&str; 6] = ["row", "date", "activity", "place", "staff", "people"];

/// A row as it will be saved, for the preview; `staff_name` names an
/// account by id.
pub fn sample_row(r: &ActivityRow, staff_name: &dyn Fn(i64) -> String) -> Vec<String> {
    let a = &r.activity;
    vec![
        r.row.to_string(),
        a.on_date.to_string(),
        a.kind.label().to_string(),
        a.place.clone(),
        a.staff
            .iter()
            .map(|id| staff_name(*id))
            .collect::<Vec<_>>()
            .join(", "),
        a.grid().total().to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::read_csv;

    fn parse(csv: &str) -> ParsedActivities {
        let staff = |n: &str| match n.to_ascii_lowercase().as_str() {
            "staff" => Some(2),
            "manager" => Some(1),
            _ => None,
        };
        parse_activities(
            &read_csv(csv.as_bytes()).expect("csv"),
            &ImportOptions::default(),
            NaiveDate::from_ymd_opt(2026, 11, 28).expect("date"),
            &staff,
        )
        .expect("parse")
    }

    #[test]
    fn a_good_row_becomes_an_activity() {
        let p = parse(
            "Date,Activity,Place,Staff,M 12-17,Boys under 12,Women,New children,Remarks\n\
             23/11/2026,Spot visit,Baldia Plaza,staff; manager,14,3,,2,met at the bus stand\n\
             24/11/2026,PCM,Sariab,staff,,,12,,\n",
        );
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let a = &p.valid[0].activity;
        assert_eq!(a.kind, ActivityKind::SpotVisit);
        assert_eq!(a.staff, [2, 1]);
        assert_eq!(a.grid().total(), 17);
        assert_eq!(a.new_identified, 2);
        assert_eq!(p.valid[1].activity.kind, ActivityKind::ParentsMeeting);
        assert_eq!(p.valid[1].activity.grid().total(), 12);
    }

    #[test]
    fn bad_rows_are_told_in_words() {
        let p = parse(
            "Date,Activity,Place,Staff,Women\n\
             31/02/2026,Spot visit,Baldia,staff,3\n\
             23/11/2026,Picnic,Baldia,staff,3\n\
             23/11/2026,Spot visit,Baldia,nobody,3\n\
             23/11/2026,Spot visit,,staff,many\n\
             23/11/2030,Spot visit,Baldia,staff,3\n",
        );
        let has = |row: usize, words: &str| {
            assert!(
                p.problems
                    .iter()
                    .any(|x| x.row == row && x.message.contains(words)),
                "row {row} should say '{words}': {:?}",
                p.problems
            )
        };
        has(2, "no such date");
        has(3, "is not a kind of activity");
        has(4, "is not an account");
        has(5, "not a whole number");
        has(5, "Spot is required");
        has(6, "in the future");
        assert!(p.valid.is_empty());
        assert_eq!(p.rejected.len(), 5);
        // An unknown name is one problem, not also "name at least one".
        assert_eq!(p.problems.iter().filter(|x| x.row == 4).count(), 1);
    }
}
