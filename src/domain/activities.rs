//! Outreach and community activities: work that is not about one person's
//! file (visits to the spots where children are at risk, parents'
//! committee meetings, police station and medico-legal unit visits,
//! trainings, awareness sessions, sports events, …). Types and rules, no
//! I/O.
//!
//! An activity records who took part as head counts by sex and age band
//! (the people met are mostly not registered), and links the registered
//! people who were there where staff know them. For a spot visit the
//! participants are the children met there, and `new_identified` how many
//! of them the team met for the first time.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use super::Sex;
use super::person::{FieldError, earliest_date, is_bidi_control};
use super::reports::{AgeBand, Grid};
use crate::Error;

vocabulary!(
    /// What kind of activity it was. The codes are stored and typed on
    /// the command line.
    ActivityKind, "activity kind" {
        SpotVisit => "spot_visit", "spot visit";
        FollowUpVisit => "follow_up_visit", "follow-up visit";
        ParentsMeeting => "parents_meeting", "parents' committee meeting";
        ChildGroupMeeting => "child_group_meeting", "child group meeting";
        PoliceStationVisit => "police_station_visit", "police station visit";
        MluVisit => "mlu_visit", "medico-legal unit visit";
        CustodyVisit => "custody_visit", "jail / custody visit";
        StaffTraining => "training_staff", "training of staff";
        PoliceTraining => "training_police", "training of police";
        VolunteerTraining => "training_volunteers", "training of volunteers";
        AwarenessSession => "awareness_session", "awareness session";
        SportsEvent => "sports_event", "sports or recreational event";
    }
);

impl ActivityKind {
    /// What the place of this kind of activity is, for a form's label.
    pub fn place_label(self) -> &'static str {
        match self {
            ActivityKind::SpotVisit => "Spot",
            ActivityKind::PoliceStationVisit => "Police station",
            ActivityKind::MluVisit => "Medico-legal unit",
            ActivityKind::CustodyVisit => "Jail, lock-up or shelter",
            _ => "Place",
        }
    }
}

/// The most people we believe one activity had: a large awareness
/// session or sports day. More is a typing mistake (an extra zero).
pub const MAX_PARTICIPANTS: i64 = 5_000;
/// Registered people linked to one activity, at most.
pub const MAX_LINKED: usize = 200;
/// Staff accounts on one activity, at most.
pub const MAX_STAFF: usize = 20;
pub const MAX_PLACE_CHARS: usize = 120;
pub const MAX_NOTE_CHARS: usize = 500;

/// An activity as typed in. Counts are signed so a form or a script that
/// typed a negative number gets a plain refusal instead of a wrap-around.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivity {
    pub kind: ActivityKind,
    pub on_date: NaiveDate,
    /// Where: the spot, the police station, the school, the jail, …
    pub place: String,
    /// Staff accounts (ids) who carried it out.
    pub staff: Vec<i64>,
    /// Head counts of the people who took part (for a spot visit: the
    /// children met), by sex and age band.
    pub participants: Vec<(Sex, AgeBand, i64)>,
    /// Spot visits only: children met for the first time.
    pub new_identified: i64,
    /// Registered people who were there (record ids).
    pub persons: Vec<i64>,
    /// A short note: what was done, what came of it. No names.
    pub note: String,
}

impl NewActivity {
    /// The participants as one grid (negative cells left out: `validate`
    /// refuses them).
    pub fn grid(&self) -> Grid {
        let mut g = Grid::default();
        for (s, b, n) in &self.participants {
            if *n > 0 {
                g.add(*s, *b, *n);
            }
        }
        g
    }

    /// Every rule, checked together so a form shows all problems at once;
    /// `today` bounds the date. Messages name fields, never values.
    pub fn validate(&self, today: NaiveDate) -> Vec<FieldError> {
        let mut e = Vec::new();
        if self.on_date > today {
            e.push(FieldError::new("on_date", "The date is in the future"));
        } else if self.on_date < earliest_date() {
            e.push(FieldError::new(
                "on_date",
                "The date is before 2000; check the year",
            ));
        }
        let label = self.kind.place_label();
        if self.place.trim().is_empty() {
            e.push(FieldError::new("place", format!("{label} is required")));
        }
        check_text(&mut e, "place", label, &self.place, MAX_PLACE_CHARS, false);
        check_text(&mut e, "note", "Note", &self.note, MAX_NOTE_CHARS, true);

        if self.staff.is_empty() {
            e.push(FieldError::new(
                "staff",
                "Name at least one staff member who carried it out",
            ));
        } else if self.staff.len() > MAX_STAFF {
            e.push(FieldError::new(
                "staff",
                format!("At most {MAX_STAFF} staff on one activity"),
            ));
        } else if has_duplicates(&self.staff) {
            e.push(FieldError::new("staff", "A staff member is named twice"));
        }

        let mut total: i64 = 0;
        let mut seen = std::collections::HashSet::new();
        for (s, b, n) in &self.participants {
            if *n < 0 {
                e.push(FieldError::new(
                    "participants",
                    "A number of people cannot be negative",
                ));
                break;
            }
            if !seen.insert((*s, *b)) {
                e.push(FieldError::new(
                    "participants",
                    format!("{} {} is given twice", s.label(), b.label()),
                ));
                break;
            }
            total = total.saturating_add(*n);
        }
        if total > MAX_PARTICIPANTS {
            e.push(FieldError::new(
                "participants",
                format!(
                    "More than {MAX_PARTICIPANTS} people at one activity is not believable; check the numbers"
                ),
            ));
        }
        if self.new_identified < 0 {
            e.push(FieldError::new(
                "new_identified",
                "A number of children cannot be negative",
            ));
        } else if self.new_identified > 0 && self.kind != ActivityKind::SpotVisit {
            e.push(FieldError::new(
                "new_identified",
                "New children are identified on spot visits only",
            ));
        } else if self.new_identified > total {
            e.push(FieldError::new(
                "new_identified",
                "More new children than children met; count the children met by sex and age",
            ));
        }
        if self.persons.len() > MAX_LINKED {
            e.push(FieldError::new(
                "persons",
                format!("At most {MAX_LINKED} registered people on one activity"),
            ));
        } else if has_duplicates(&self.persons) {
            e.push(FieldError::new("persons", "A person is linked twice"));
        }
        e
    }
}

fn has_duplicates(ids: &[i64]) -> bool {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.windows(2).any(|w| w[0] == w[1])
}

/// Length, control characters (escape sequences start with one; a note
/// may hold line breaks), direction-changing characters.
fn check_text(
    e: &mut Vec<FieldError>,
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
    multi_line: bool,
) {
    let n = value.chars().count();
    if n > max {
        e.push(FieldError::new(
            field,
            format!("{label} is too long ({n} characters; at most {max})"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !(multi_line && c == '\n'))
    {
        e.push(FieldError::new(
            field,
            format!("{label} contains control characters (such as escape codes); type it again"),
        ));
    }
    if value.chars().any(is_bidi_control) {
        e.push(FieldError::new(
            field,
            format!("{label} contains hidden characters that change the direction of text"),
        ));
    }
}

/// An activity as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub id: i64,
    pub kind: ActivityKind,
    pub on_date: NaiveDate,
    pub place: String,
    /// Staff account names.
    pub staff: Vec<String>,
    pub participants: Grid,
    pub new_identified: i64,
    /// Linked people: (record id, case number).
    pub persons: Vec<(i64, String)>,
    pub note: String,
    pub recorded_by: Option<String>,
}

/// Which activities a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityFilter {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub kind: Option<ActivityKind>,
}

/// Read `SEX:BAND=N` (e.g. `male:12-17=14`, `f:under12=3`): one cell of
/// an activity's head counts, as the command line takes it. The count is
/// kept signed so a negative one reaches the rules and their message.
pub fn parse_count(s: &str) -> Result<(Sex, AgeBand, i64), Error> {
    let bad = || {
        Error::invalid(format!(
            "'{}' is not a head count; write SEX:BAND=N with SEX female, male or other and BAND under12, 12-17, 18+ or unknown (e.g. male:12-17=14)",
            s.escape_debug()
        ))
    };
    let (cell, n) = s.split_once('=').ok_or_else(bad)?;
    let (sex, band) = cell.split_once(':').ok_or_else(bad)?;
    let sex = match sex.trim().to_ascii_lowercase().as_str() {
        "f" => Sex::Female,
        "m" => Sex::Male,
        "o" => Sex::Other,
        other => other.parse().map_err(|_| bad())?,
    };
    let band: AgeBand = band.parse().map_err(|_| bad())?;
    let n: i64 = n.trim().parse().map_err(|_| bad())?;
    Ok((sex, band, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn spot() -> NewActivity {
        NewActivity {
            kind: ActivityKind::SpotVisit,
            on_date: d("2026-03-02"),
            place: "Baldia Plaza".into(),
            staff: vec![2],
            participants: vec![
                (Sex::Male, AgeBand::Teen, 14),
                (Sex::Male, AgeBand::Under12, 3),
            ],
            new_identified: 2,
            persons: vec![],
            note: String::new(),
        }
    }

    fn fields(a: &NewActivity) -> Vec<&'static str> {
        a.validate(d("2026-03-10"))
            .iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn a_good_spot_visit_passes() {
        assert!(fields(&spot()).is_empty());
        assert_eq!(spot().grid().total(), 17);
    }

    #[test]
    fn bad_input_is_named_by_field() {
        let mut a = spot();
        a.on_date = d("2026-03-11");
        a.place = "x\u{1b}[31m".into();
        a.staff = vec![];
        a.participants = vec![(Sex::Female, AgeBand::Adult, -1)];
        a.new_identified = 3;
        a.persons = vec![4, 4];
        assert_eq!(
            fields(&a),
            [
                "on_date",
                "place",
                "staff",
                "participants",
                "new_identified",
                "persons"
            ]
        );
        let mut b = spot();
        b.kind = ActivityKind::ParentsMeeting;
        b.participants = vec![(Sex::Female, AgeBand::Adult, 9_000)];
        b.note = "ok\nfine\u{7}".into();
        assert_eq!(fields(&b), ["note", "participants", "new_identified"]);
    }

    #[test]
    fn head_counts_parse() {
        assert_eq!(
            parse_count("male:12-17=14").expect("count"),
            (Sex::Male, AgeBand::Teen, 14)
        );
        assert_eq!(
            parse_count("F:under12=-3").expect("count"),
            (Sex::Female, AgeBand::Under12, -3)
        );
        assert_eq!(
            parse_count("o:18+=1").expect("count"),
            (Sex::Other, AgeBand::Adult, 1)
        );
        for bad in ["male=3", "male:teen=3", "x:18+=1", "m:18+=many", ""] {
            assert!(parse_count(bad).is_err(), "{bad:?}");
        }
    }
}
