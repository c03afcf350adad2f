//! Job placements and small businesses, and the follow-up visits after
//! them: types and rules, no I/O.
//!
//! Rehabilitated youth are placed in jobs or start a small business with
//! the office's support; staff visit them afterwards (by default after 2
//! weeks, 1, 3 and 6 months) so they can manage the problems they meet.

use chrono::{Duration, NaiveDate};

use super::person::FieldError;
use std::fmt;
use std::str::FromStr;

use crate::Error;

vocabulary!(
    PlacementKind, "placement kind" {
        Job => "job", "job";
        Business => "business", "own small business";
    }
);

vocabulary!(
    /// What a follow-up visit found.
    VisitOutcome, "visit outcome" {
        StillWorking => "still_working", "still working";
        ChangedJob => "changed_job", "changed job";
        LostJob => "lost_job", "lost job";
        BusinessRunning => "business_running", "business running";
        BusinessClosed => "business_closed", "business closed";
    }
);

impl VisitOutcome {
    /// Still earning from the placement (or a new job found).
    pub fn working(self) -> bool {
        matches!(
            self,
            VisitOutcome::StillWorking | VisitOutcome::ChangedJob | VisitOutcome::BusinessRunning
        )
    }

    pub fn for_kind(kind: PlacementKind) -> &'static [VisitOutcome] {
        use VisitOutcome::*;
        match kind {
            PlacementKind::Job => &[StillWorking, ChangedJob, LostJob],
            PlacementKind::Business => &[BusinessRunning, BusinessClosed],
        }
    }
}

vocabulary!(
    /// Where a placement stands now, from its last visit or its end.
    PlacementStatus, "placement status" {
        Working => "working", "working";
        Changed => "changed", "changed job";
        Lost => "lost", "lost job";
        Running => "running", "business running";
        Closed => "closed", "business closed";
        Ended => "ended", "ended";
    }
);

/// The largest monthly wage or grant we believe was typed on purpose.
pub const MAX_RUPEES: u32 = 1_000_000;

/// A placement as typed in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewPlacement {
    pub person_id: i64,
    pub kind: Option<PlacementKind>,
    pub starts_on: Option<NaiveDate>,
    pub trade: String,
    /// Job: the employer, a contact person and phone, the monthly wage in
    /// rupees and the hours.
    pub employer: String,
    pub contact_person: String,
    pub contact_phone: String,
    pub wage: Option<i64>,
    pub hours: String,
    /// Business: what kind, where, and the office's support.
    pub business_kind: String,
    pub place: String,
    pub toolkit: bool,
    pub grant: Option<i64>,
    pub training: String,
    /// The skill class it followed from, if any.
    pub skill_class_id: Option<i64>,
}

impl NewPlacement {
    /// Every rule; `intake` is the person's registration date.
    pub fn validate(&self, intake: NaiveDate, today: NaiveDate) -> Vec<FieldError> {
        let mut e = Vec::new();
        let mut err = |f: &'static str, m: &str| e.push(FieldError::new(f, m));
        match self.kind {
            None => err("kind", "Choose a job or an own small business"),
            Some(PlacementKind::Job) if self.employer.trim().is_empty() => {
                err("employer", "A job needs its employer")
            }
            Some(PlacementKind::Business) if self.business_kind.trim().is_empty() => {
                err("business_kind", "Say what kind of business it is")
            }
            _ => {}
        }
        match self.starts_on {
            None => err("starts_on", "The start date is required"),
            Some(d) if d < intake => err("starts_on", "The start date is before the intake date"),
            // Days between, not `today + 7`: that overflows at the calendar's end.
            Some(d) if (d - today).num_days() > 7 => {
                err("starts_on", "The start date is more than a week ahead")
            }
            _ => {}
        }
        for (f, v) in [("wage", self.wage), ("grant", self.grant)] {
            if let Some(v) = v {
                if v < 0 {
                    err(f, "An amount cannot be negative");
                } else if v > i64::from(MAX_RUPEES) {
                    err(f, "The amount is not believable (more than 10 lakh rupees)");
                }
            }
        }
        let texts = [
            ("employer", &self.employer),
            ("contact_person", &self.contact_person),
            ("contact_phone", &self.contact_phone),
            ("trade", &self.trade),
            ("hours", &self.hours),
            ("business_kind", &self.business_kind),
            ("place", &self.place),
            ("training", &self.training),
        ];
        for (f, t) in texts {
            if t.chars().any(char::is_control) {
                err(f, "Control characters are not allowed");
            } else if t.chars().count() > 120 {
                err(f, "Longer than 120 characters");
            }
        }
        if !self.contact_phone.trim().is_empty()
            && !self
                .contact_phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-()".contains(c))
        {
            err(
                "contact_phone",
                "A phone number has digits, spaces, + - ( ) only",
            );
        }
        e
    }
}

/// A placement as stored, with where it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub id: i64,
    pub person_id: i64,
    pub case_number: String,
    pub name: String,
    pub kind: PlacementKind,
    pub trade: String,
    pub employer: String,
    pub business_kind: String,
    pub starts_on: NaiveDate,
    pub wage: Option<i64>,
    pub skill_class_id: Option<i64>,
    pub ended_on: Option<NaiveDate>,
    pub end_reason: String,
    pub status: PlacementStatus,
    pub last_visit: Option<NaiveDate>,
    pub next_due: Option<NaiveDate>,
}

/// A follow-up visit: planned (`done_on` none) or made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub id: i64,
    pub placement_id: i64,
    pub due_on: NaiveDate,
    pub done_on: Option<NaiveDate>,
    pub by: Option<String>,
    pub outcome: Option<VisitOutcome>,
    pub problems: String,
    pub support: String,
    pub next_step: String,
    /// It fell due before the placement was entered (a back-entered
    /// record): not recorded, never due.
    pub entered_later: bool,
    /// Not made, and a later visit of the same placement was: it will not
    /// be made now (read from the visits, not stored).
    pub missed: bool,
}

impl Visit {
    /// Where this visit stands on `today`.
    pub fn state(&self, today: NaiveDate) -> VisitState {
        VisitState::of(
            self.due_on,
            self.done_on.is_some(),
            self.entered_later,
            self.missed,
            today,
        )
    }

    /// Still to make, whatever the day (neither made, missed nor not
    /// recorded).
    pub fn is_open(&self) -> bool {
        self.state(self.due_on).is_open()
    }
}

/// Where a follow-up not yet done (a placement visit or a case follow-up)
/// stands on a day. The one rule for "overdue" and "due today": the
/// lists, the counts on Home and the Follow-ups screen, the person's file
/// and the CLI all come to it (the office file's queries through
/// [`overdue_through`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Standing {
    /// Due before today.
    Overdue,
    DueToday,
    /// Not due yet.
    Later,
}

impl Standing {
    pub fn of(due_on: NaiveDate, today: NaiveDate) -> Standing {
        match due_on.cmp(&today) {
            std::cmp::Ordering::Less => Standing::Overdue,
            std::cmp::Ordering::Equal => Standing::DueToday,
            std::cmp::Ordering::Greater => Standing::Later,
        }
    }

    /// Due by today (overdue or due today): on the Follow-ups list.
    pub fn is_due(self) -> bool {
        self != Standing::Later
    }
}

/// The last due date that is overdue on `today` (the day before).
pub fn overdue_through(today: NaiveDate) -> NaiveDate {
    today.pred_opt().unwrap_or(today)
}

/// Where a placement visit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VisitState {
    /// Made (whenever it was recorded).
    Done,
    /// Fell due before the placement was entered and was not recorded: it
    /// is neither made nor overdue, and never on the Follow-ups list.
    NotRecorded,
    /// Not made, and a later visit of the placement was made: it will not
    /// be made now, and is not due.
    Missed,
    /// Still to make.
    Open(Standing),
}

impl VisitState {
    /// The one rule, from a visit's facts: made wins; then a visit that
    /// fell due before its placement was entered; then one a later visit
    /// has passed; otherwise it is open.
    pub fn of(
        due_on: NaiveDate,
        done: bool,
        entered_later: bool,
        later_made: bool,
        today: NaiveDate,
    ) -> VisitState {
        if done {
            VisitState::Done
        } else if entered_later {
            VisitState::NotRecorded
        } else if later_made {
            VisitState::Missed
        } else {
            VisitState::Open(Standing::of(due_on, today))
        }
    }

    /// In words, for screens.
    pub fn label(self) -> &'static str {
        match self {
            VisitState::Done => "made",
            VisitState::NotRecorded => "not recorded (entered later)",
            VisitState::Missed => "missed",
            VisitState::Open(Standing::Overdue) => "overdue",
            VisitState::Open(Standing::DueToday) => "due today",
            VisitState::Open(Standing::Later) => "planned",
        }
    }

    /// Still to make (whether due yet or not): it can be recorded from
    /// the Follow-ups list when due.
    pub fn is_open(self) -> bool {
        matches!(self, VisitState::Open(_))
    }
}

/// How many follow-ups are due by a day: the numbers Home, the
/// Follow-ups screen and `followup list` all show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DueCounts {
    /// Due before the day.
    pub overdue: usize,
    /// Due on the day itself.
    pub today: usize,
}

impl DueCounts {
    /// Everything due by the day (overdue and due today).
    pub fn total(&self) -> usize {
        self.overdue + self.today
    }
}

/// What a visit found, as typed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitDone {
    pub done_on: NaiveDate,
    pub outcome: VisitOutcome,
    pub problems: String,
    pub support: String,
    pub next_step: String,
}

impl VisitDone {
    pub fn validate(&self, starts_on: NaiveDate, today: NaiveDate) -> Vec<FieldError> {
        let mut e = Vec::new();
        if self.done_on > today {
            e.push(FieldError::new(
                "done_on",
                "The visit date is in the future",
            ));
        }
        if self.done_on < starts_on {
            e.push(FieldError::new(
                "done_on",
                "The visit date is before the placement started",
            ));
        }
        for (f, t) in [
            ("problems", &self.problems),
            ("support", &self.support),
            ("next_step", &self.next_step),
        ] {
            if t.chars().any(|c| c.is_control() && c != '\n') {
                e.push(FieldError::new(f, "Control characters are not allowed"));
            }
        }
        e
    }
}

/// When visits fall due after a start: days after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule(pub Vec<u32>);

impl Default for Schedule {
    /// 2 weeks, 1, 3 and 6 months.
    fn default() -> Self {
        Schedule(vec![14, 30, 90, 180])
    }
}

impl Schedule {
    pub fn due_dates(&self, start: NaiveDate) -> Vec<NaiveDate> {
        self.0
            .iter()
            .map(|d| start + Duration::days(i64::from(*d)))
            .collect()
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&days.join(","))
    }
}

impl FromStr for Schedule {
    type Err = Error;
    /// Days after the start, e.g. `14,30,90,180`.
    fn from_str(s: &str) -> Result<Schedule, Error> {
        let bad = || {
            Error::invalid(
                "a schedule is days after the start, rising, e.g. 14,30,90,180 (1 to 12 visits within 2 years)",
            )
        };
        let days: Vec<u32> = s
            .split(',')
            .map(|p| p.trim().parse::<u32>().map_err(|_| bad()))
            .collect::<Result<_, _>>()?;
        if days.is_empty()
            || days.len() > 12
            || days.iter().any(|d| *d == 0 || *d > 730)
            || days.windows(2).any(|w| w[0] >= w[1])
        {
            return Err(bad());
        }
        Ok(Schedule(days))
    }
}

/// What is due: a placement visit or a case follow-up from a person's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DueKind {
    Placement,
    Case,
}

impl DueKind {
    /// The letter before a due item's id on the CLI (`V12`, `F34`).
    pub fn letter(self) -> char {
        match self {
            DueKind::Placement => 'V',
            DueKind::Case => 'F',
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DueKind::Placement => "placement visit",
            DueKind::Case => "case follow-up",
        }
    }
}

/// One item on the Follow-ups list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueItem {
    pub kind: DueKind,
    /// The visit's or the follow-up's id.
    pub id: i64,
    pub person_id: i64,
    pub case_number: String,
    pub name: String,
    pub due_on: NaiveDate,
    /// The worker it belongs to (the person's case worker).
    pub worker: Option<String>,
    pub what: String,
}

impl DueItem {
    /// `V12` or `F34`.
    pub fn key(&self) -> String {
        format!("{}{}", self.kind.letter(), self.id)
    }

    pub fn days_late(&self, today: NaiveDate) -> i64 {
        (today - self.due_on).num_days()
    }

    pub fn standing(&self, today: NaiveDate) -> Standing {
        Standing::of(self.due_on, today)
    }
}

/// Parse a due item's key (`V12`, `F34`).
pub fn parse_due_key(s: &str) -> Result<(DueKind, i64), Error> {
    let s = s.trim();
    let bad = || {
        Error::invalid(format!(
            "'{}' is not a follow-up id; they look like V12 (a placement visit) or F34 (a case follow-up)",
            s.escape_debug()
        ))
    };
    let mut chars = s.chars();
    let kind = match chars.next().map(|c| c.to_ascii_uppercase()) {
        Some('V') => DueKind::Placement,
        Some('F') => DueKind::Case,
        _ => return Err(bad()),
    };
    let id: i64 = chars.as_str().parse().map_err(|_| bad())?;
    Ok((kind, id))
}

/// The counts reports use, for a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PlacementCounts {
    pub jobs: i64,
    pub businesses: i64,
    pub after_skill_course: i64,
    pub working_at_3_months: i64,
    pub working_at_6_months: i64,
    pub visits_made: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn a_placement_is_checked() {
        let p = NewPlacement {
            kind: Some(PlacementKind::Job),
            starts_on: Some(d(2025, 1, 1)),
            wage: Some(-5),
            contact_phone: "0300-x".into(),
            ..Default::default()
        };
        let fields: Vec<&str> = p
            .validate(d(2025, 6, 1), d(2026, 11, 23))
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["employer", "starts_on", "wage", "contact_phone"]);
        let later = NewPlacement {
            kind: Some(PlacementKind::Business),
            business_kind: "tea stall".into(),
            starts_on: Some(d(2026, 12, 10)),
            grant: Some(2_000_000),
            ..Default::default()
        };
        let fields: Vec<&str> = later
            .validate(d(2025, 6, 1), d(2026, 11, 23))
            .iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["starts_on", "grant"]);
    }

    #[test]
    fn schedules_parse_and_give_dates() {
        let s: Schedule = "14, 30,90".parse().expect("schedule");
        assert_eq!(s.due_dates(d(2026, 1, 1))[2], d(2026, 4, 1));
        for bad in ["", "30,14", "0,5", "a", "1,2,3,4,5,6,7,8,9,10,11,12,13"] {
            assert!(bad.parse::<Schedule>().is_err(), "{bad:?}");
        }
        assert_eq!(Schedule::default().to_string(), "14,30,90,180");
    }

    #[test]
    fn a_visit_stands_by_one_rule() {
        let today = d(2026, 12, 7);
        let due = |day| VisitState::of(day, false, false, false, today);
        assert_eq!(due(d(2026, 12, 6)), VisitState::Open(Standing::Overdue));
        assert_eq!(due(today), VisitState::Open(Standing::DueToday));
        assert_eq!(due(d(2026, 12, 8)), VisitState::Open(Standing::Later));
        let old = d(2013, 3, 1);
        assert_eq!(
            VisitState::of(old, false, true, false, today),
            VisitState::NotRecorded
        );
        assert_eq!(
            VisitState::of(old, false, false, true, today),
            VisitState::Missed
        );
        assert_eq!(
            VisitState::of(old, true, true, true, today),
            VisitState::Done
        );
        assert_eq!(overdue_through(today), d(2026, 12, 6));
        assert!(!VisitState::Missed.is_open());
    }

    #[test]
    fn due_keys_round_trip() {
        assert_eq!(parse_due_key("v12").expect("v"), (DueKind::Placement, 12));
        assert_eq!(parse_due_key("F34").expect("f"), (DueKind::Case, 34));
        assert!(parse_due_key("X1").is_err());
        assert!(parse_due_key("V").is_err());
    }
}
