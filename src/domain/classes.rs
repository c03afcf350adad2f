//! Classes, attendance, monthly literacy tests and skill courses: the
//! types and rules, no I/O.
//!
//! The CPC runs literacy classes (morning and evening), LSBE (life-skills
//! based education), non-formal education and skill classes (calligraphy,
//! tailoring, …). People are enrolled from the register, a woman from the
//! women's desk too. A class meets on some days of the week; each meeting
//! that takes attendance is a *session* with one mark per enrolled person.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};

use super::person::FieldError;
use crate::Error;

vocabulary!(
    /// What a class teaches.
    ClassKind, "class kind" {
        Literacy => "literacy", "literacy";
        Lsbe => "lsbe", "LSBE";
        NonFormal => "nfe", "non-formal education";
        Skill => "skill", "skill";
    }
);

vocabulary!(
    /// One person's mark at one session.
    Mark, "attendance mark" {
        Present => "P", "present";
        Absent => "A", "absent";
        Late => "L", "late";
        Excused => "E", "excused";
    }
);

impl Mark {
    /// Present or late: the person came.
    pub fn attended(self) -> bool {
        matches!(self, Mark::Present | Mark::Late)
    }
}

/// The days of the week a class meets, Monday first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Days(u8);

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

impl Days {
    pub const fn from_bits(bits: u8) -> Days {
        Days(bits & 0x7f)
    }

    pub fn bits(self) -> u8 {
        self.0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn has(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_monday()) != 0
    }

    /// Does the class meet on this date's weekday?
    pub fn meets_on(self, date: NaiveDate) -> bool {
        self.has(date.weekday())
    }
}

impl fmt::Display for Days {
    /// Runs of three or more days as a range: `mon-thu,sat`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        let mut i = 0;
        while i < 7 {
            if self.0 & (1 << i) == 0 {
                i += 1;
                continue;
            }
            let start = i;
            while i + 1 < 7 && self.0 & (1 << (i + 1)) != 0 {
                i += 1;
            }
            match i - start {
                0 => parts.push(DAY_NAMES[start].to_string()),
                1 => parts.push(format!("{},{}", DAY_NAMES[start], DAY_NAMES[i])),
                _ => parts.push(format!("{}-{}", DAY_NAMES[start], DAY_NAMES[i])),
            }
            i += 1;
        }
        f.write_str(&parts.join(","))
    }
}

impl FromStr for Days {
    type Err = Error;
    /// `mon,wed,fri`, `mon-sat`, `daily`; names of three letters or whole.
    fn from_str(s: &str) -> Result<Days, Error> {
        let day = |w: &str| -> Option<u8> {
            let w = w.trim().to_ascii_lowercase();
            DAY_NAMES
                .iter()
                .position(|d| w.len() >= 3 && (w.starts_with(d)))
                .map(|i| i as u8)
        };
        let bad = || {
            Error::invalid(format!(
                "'{}' is not a list of days; write them like mon,wed,fri or mon-sat",
                s.escape_debug()
            ))
        };
        let s = s.trim();
        if s.eq_ignore_ascii_case("daily") {
            return Ok(Days(0x7f));
        }
        let mut bits = 0u8;
        for part in s.split([',', ' ']).filter(|p| !p.trim().is_empty()) {
            match part.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (day(a).ok_or_else(bad)?, day(b).ok_or_else(bad)?);
                    if a > b {
                        return Err(bad());
                    }
                    for i in a..=b {
                        bits |= 1 << i;
                    }
                }
                None => bits |= 1 << day(part).ok_or_else(bad)?,
            }
        }
        if bits == 0 {
            return Err(bad());
        }
        Ok(Days(bits))
    }
}

/// A class as typed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewClass {
    pub kind: ClassKind,
    pub name: String,
    /// The trade a skill class teaches (tailoring, calligraphy, …).
    pub trade: String,
    pub teacher_id: Option<i64>,
    pub days: Days,
    pub starts_at: Option<NaiveTime>,
    pub ends_at: Option<NaiveTime>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub room: String,
}

impl NewClass {
    /// Every rule; each error names its field.
    pub fn validate(&self) -> Vec<FieldError> {
        let mut e = Vec::new();
        let mut err = |field: &'static str, message: &str| {
            e.push(FieldError {
                field,
                message: message.to_string(),
            })
        };
        let name = self.name.trim();
        if name.is_empty() {
            err("name", "A class needs a name");
        } else if name.chars().count() > 60 {
            err("name", "The name is longer than 60 characters");
        } else if name.chars().any(char::is_control) {
            err("name", "The name must not contain control characters");
        }
        if self.kind == ClassKind::Skill && self.trade.trim().is_empty() {
            err("trade", "A skill class needs its trade (e.g. tailoring)");
        }
        if self.trade.chars().any(char::is_control) || self.room.chars().any(char::is_control) {
            err("room", "Control characters are not allowed");
        }
        if self.teacher_id.is_none() {
            err("teacher", "A class needs a teacher");
        }
        if self.days.is_empty() {
            err("days", "Choose the days the class meets");
        }
        if let (Some(a), Some(b)) = (self.starts_at, self.ends_at)
            && b <= a
        {
            err("ends_at", "The class must end after it starts");
        }
        if let Some(end) = self.ends_on
            && end < self.starts_on
        {
            err("ends_on", "The end date is before the start date");
        }
        e
    }
}

/// A class as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub id: i64,
    pub kind: ClassKind,
    pub name: String,
    pub trade: String,
    pub teacher_id: Option<i64>,
    pub teacher: Option<String>,
    pub days: Days,
    pub starts_at: Option<NaiveTime>,
    pub ends_at: Option<NaiveTime>,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub room: String,
    /// People enrolled now (not withdrawn).
    pub enrolled: i64,
}

impl Class {
    /// Is `date` within the class's dates?
    pub fn runs_on(&self, date: NaiveDate) -> bool {
        date >= self.starts_on && self.ends_on.is_none_or(|e| date <= e)
    }

    /// Is `date` a regular meeting (within its dates, on one of its days)?
    pub fn meets_on(&self, date: NaiveDate) -> bool {
        self.runs_on(date) && self.days.meets_on(date)
    }

    /// "09:00–11:00", or "" when no time is set.
    pub fn time_text(&self) -> String {
        match (self.starts_at, self.ends_at) {
            (Some(a), Some(b)) => format!("{}–{}", a.format("%H:%M"), b.format("%H:%M")),
            (Some(a), None) => a.format("%H:%M").to_string(),
            _ => String::new(),
        }
    }
}

/// One enrolment of a person in a class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enrolment {
    pub id: i64,
    pub class_id: i64,
    pub person_id: i64,
    pub case_number: String,
    pub name: String,
    pub enrolled_on: NaiveDate,
    pub withdrawn_on: Option<NaiveDate>,
}

impl Enrolment {
    /// Enrolled on `date` (from the enrolment day, until the day before
    /// the withdrawal).
    pub fn active_on(&self, date: NaiveDate) -> bool {
        date >= self.enrolled_on && self.withdrawn_on.is_none_or(|w| date < w)
    }
}

/// One row of an attendance sheet: a person and their mark, if any, with
/// the version of the mark as loaded (for the conflict rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRow {
    pub person_id: i64,
    pub case_number: String,
    pub name: String,
    pub mark: Option<Mark>,
    /// 0 when unmarked.
    pub version: i64,
    pub marked_by: Option<String>,
}

/// A session's sheet: who is enrolled on its date, in case-number order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub class_id: i64,
    pub on_date: NaiveDate,
    /// None while the session has no marks saved yet.
    pub session_id: Option<i64>,
    pub rows: Vec<SheetRow>,
}

/// A mark to save: the person, the new mark, and the version it replaces
/// as the sheet loaded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkChange {
    pub person_id: i64,
    pub mark: Mark,
    pub loaded_version: i64,
}

/// A mark somebody else saved since the sheet was loaded: theirs is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkConflict {
    pub person_id: i64,
    pub case_number: String,
    pub theirs: Mark,
    pub ours: Mark,
    pub by: Option<String>,
}

/// What a save did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SavedSheet {
    pub session_id: i64,
    pub saved: usize,
    pub conflicts: Vec<MarkConflict>,
}

/// Attendance rate: sessions attended (present or late) out of sessions
/// marked present, late or absent; excused sessions do not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rate {
    pub attended: i64,
    pub counted: i64,
}

impl Rate {
    pub fn percent(self) -> Option<u32> {
        (self.counted > 0).then(|| ((self.attended * 100 + self.counted / 2) / self.counted) as u32)
    }

    pub fn add(&mut self, mark: Mark) {
        match mark {
            Mark::Excused => {}
            m => {
                self.counted += 1;
                if m.attended() {
                    self.attended += 1;
                }
            }
        }
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.percent() {
            Some(p) => write!(f, "{p}%"),
            None => f.write_str("–"),
        }
    }
}

/// The levels a literacy test is scored on, as the office configures them
/// (e.g. 0–5, or letters/words/sentences/stories). A score is an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiteracyScale {
    pub levels: Vec<String>,
}

impl Default for LiteracyScale {
    fn default() -> Self {
        LiteracyScale {
            levels: ["none", "letters", "words", "sentences", "stories"]
                .map(String::from)
                .to_vec(),
        }
    }
}

impl LiteracyScale {
    pub fn max(&self) -> u8 {
        self.levels.len().saturating_sub(1) as u8
    }

    pub fn check(&self, score: u8) -> Result<(), String> {
        if score > self.max() {
            Err(format!(
                "A score is from 0 to {} ({})",
                self.max(),
                self.levels.join(", ")
            ))
        } else {
            Ok(())
        }
    }

    pub fn label(&self, score: u8) -> &str {
        self.levels
            .get(usize::from(score))
            .map_or("?", String::as_str)
    }
}

/// One month's literacy test of one person; each score is a level of the
/// office's scale, or none when that part was not tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LiteracyScores {
    pub reading_urdu: Option<u8>,
    pub writing_urdu: Option<u8>,
    pub reading_english: Option<u8>,
    pub writing_english: Option<u8>,
}

impl LiteracyScores {
    pub fn all(&self) -> [Option<u8>; 4] {
        [
            self.reading_urdu,
            self.writing_urdu,
            self.reading_english,
            self.writing_english,
        ]
    }

    /// The sum of the parts tested (for a chart and "did they improve").
    pub fn total(&self) -> u32 {
        self.all().iter().flatten().map(|s| u32::from(*s)).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.all().iter().all(Option::is_none)
    }
}

/// A test result as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiteracyTest {
    pub person_id: i64,
    /// The first day of the month tested.
    pub month: NaiveDate,
    pub scores: LiteracyScores,
}

/// Improved: the latest month's total is above the first month's.
pub fn improved(tests: &[LiteracyTest]) -> Option<bool> {
    let first = tests.first()?;
    let last = tests.last()?;
    (tests.len() > 1).then(|| last.scores.total() > first.scores.total())
}

/// A skill course completed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkillCompletion {
    pub id: i64,
    pub person_id: i64,
    pub class_id: i64,
    pub class_name: String,
    pub trade: String,
    pub completed_on: NaiveDate,
    pub certificate: bool,
}

/// Parse `YYYY-MM` to the first of the month.
pub fn parse_month(s: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d").map_err(|_| {
        Error::invalid(format!(
            "'{}' is not a month; write it YYYY-MM",
            s.escape_debug()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn days_parse_and_print() {
        let days: Days = "mon-wed, fri".parse().expect("days");
        assert_eq!(days.to_string(), "mon-wed,fri");
        assert_eq!(
            "mon,tue,sat".parse::<Days>().expect("d").to_string(),
            "mon,tue,sat"
        );
        assert!(days.meets_on(d(2026, 11, 23))); // a Monday
        assert!(!days.meets_on(d(2026, 11, 26))); // a Thursday
        assert_eq!("daily".parse::<Days>().expect("daily").bits(), 0x7f);
        for bad in ["", "someday", "fri-mon", "mo"] {
            assert!(bad.parse::<Days>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_class_needs_name_teacher_days_and_sane_dates() {
        let c = NewClass {
            kind: ClassKind::Skill,
            name: " ".into(),
            trade: String::new(),
            teacher_id: None,
            days: Days::default(),
            starts_at: NaiveTime::from_hms_opt(10, 0, 0),
            ends_at: NaiveTime::from_hms_opt(9, 0, 0),
            starts_on: d(2026, 1, 1),
            ends_on: Some(d(2025, 1, 1)),
            room: String::new(),
        };
        let fields: Vec<&str> = c.validate().iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            ["name", "trade", "teacher", "days", "ends_at", "ends_on"]
        );
    }

    #[test]
    fn rates_leave_out_excused() {
        let mut r = Rate::default();
        for m in [Mark::Present, Mark::Late, Mark::Absent, Mark::Excused] {
            r.add(m);
        }
        assert_eq!((r.attended, r.counted), (2, 3));
        assert_eq!(r.to_string(), "67%");
        assert_eq!(Rate::default().to_string(), "–");
    }

    #[test]
    fn marks_parse_by_letter() {
        assert_eq!("p".parse::<Mark>().expect("p"), Mark::Present);
        assert_eq!("E".parse::<Mark>().expect("e"), Mark::Excused);
        assert!("X".parse::<Mark>().is_err());
    }

    #[test]
    fn literacy_scores_and_improvement() {
        let scale = LiteracyScale::default();
        assert!(scale.check(4).is_ok());
        assert!(scale.check(5).is_err());
        let t = |m: u32, r: u8| LiteracyTest {
            person_id: 1,
            month: d(2026, m, 1),
            scores: LiteracyScores {
                reading_urdu: Some(r),
                ..Default::default()
            },
        };
        assert_eq!(improved(&[t(1, 1), t(2, 3)]), Some(true));
        assert_eq!(improved(&[t(1, 3), t(2, 3)]), Some(false));
        assert_eq!(improved(&[t(1, 3)]), None);
        assert_eq!(parse_month("2026-11").expect("m"), d(2026, 11, 1));
        assert!(parse_month("2026-13").is_err());
    }
}
