//! `casedesk class …`, `casedesk attendance take`, `casedesk list
//! attendance`, `casedesk literacy record`: classes and attendance from
//! scripts.

use crate::csv_out::Field;
use std::io::{BufRead, IsTerminal};

use chrono::{NaiveDate, NaiveTime};
use clap::{Args, Subcommand};

use super::counselling::find_person;
use super::{Format, parse_date};
use crate::domain::classes::{
    ClassKind, Days, LiteracyScores, Mark, MarkChange, NewClass, parse_month,
};
use crate::domain::person::PersonId;
use crate::office::Session;
use crate::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum ClassCommand {
    /// Every class: name, kind, trade, teacher, days, time, dates, room, enrolled
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Add a class (staff, manager)
    Add(AddArgs),
    /// Enrol a person (case number or record id) in a class
    Enrol {
        /// The person's case number (e.g. CPC-2026-0042) or record id
        person: String,
        #[arg(long, value_name = "NAME")]
        class: String,
        /// From this date [default: today]
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        date: Option<NaiveDate>,
    },
    /// Withdraw a person from a class
    Withdraw {
        person: String,
        #[arg(long, value_name = "NAME")]
        class: String,
        /// From this date [default: today]
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        date: Option<NaiveDate>,
        /// Why (no names: e.g. "moved away")
        #[arg(long, value_name = "TEXT", default_value = "")]
        reason: String,
    },
    /// Record that a person completed a skill course
    Complete {
        person: String,
        #[arg(long, value_name = "NAME")]
        class: String,
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        date: Option<NaiveDate>,
        /// A certificate was issued
        #[arg(long)]
        certificate: bool,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The class's name, e.g. "Literacy morning"
    pub name: String,
    /// literacy, lsbe, nfe (non-formal education) or skill
    #[arg(long, value_name = "KIND")]
    pub kind: String,
    /// The trade a skill class teaches, e.g. tailoring
    #[arg(long, value_name = "TRADE", default_value = "")]
    pub trade: String,
    /// The teacher's account name
    #[arg(long, value_name = "NAME")]
    pub teacher: Option<String>,
    /// Days it meets: mon,wed,fri or mon-sat or daily
    #[arg(long, value_name = "DAYS")]
    pub days: String,
    /// HH:MM
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub from: Option<NaiveTime>,
    /// HH:MM
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    pub to: Option<NaiveTime>,
    /// First day [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub starts: Option<NaiveDate>,
    /// Last day, if known
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub ends: Option<NaiveDate>,
    #[arg(long, value_name = "ROOM", default_value = "")]
    pub room: String,
}

#[derive(Debug, Args)]
pub struct TakeArgs {
    /// The class's name
    #[arg(long, value_name = "NAME")]
    pub class: String,
    /// The session's date [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    /// Allow a date the class does not meet on (a make-up session)
    #[arg(long)]
    pub extra: bool,
}

#[derive(Debug, Args)]
pub struct LiteracyArgs {
    /// The person's case number or record id
    #[arg(long, value_name = "CASE")]
    pub person: String,
    /// The month tested, YYYY-MM
    #[arg(long, value_name = "YYYY-MM")]
    pub month: String,
    #[arg(long, value_name = "LEVEL")]
    pub reading_urdu: Option<u8>,
    #[arg(long, value_name = "LEVEL")]
    pub writing_urdu: Option<u8>,
    #[arg(long, value_name = "LEVEL")]
    pub reading_english: Option<u8>,
    #[arg(long, value_name = "LEVEL")]
    pub writing_english: Option<u8>,
}

/// `literacy scale LEVEL,LEVEL,…`: the office's levels, lowest first.
pub fn scale(session: &mut Session, levels: Option<String>) -> Result<()> {
    if let Some(levels) = levels {
        let scale = crate::domain::classes::LiteracyScale {
            levels: levels.split(',').map(|l| l.trim().to_string()).collect(),
        };
        session.set_literacy_scale(&scale)?;
    }
    let scale = session.literacy_scale()?;
    for (i, l) in scale.levels.iter().enumerate() {
        println!("{i} {}", crate::safe_text::sanitize(l));
    }
    Ok(())
}

fn parse_time(s: &str) -> std::result::Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M").map_err(|_| "a time is written HH:MM".into())
}

fn class_id(session: &Session, name: &str) -> Result<i64> {
    session
        .class_named(name)?
        .map(|c| c.id)
        .ok_or_else(|| Error::invalid(format!("there is no class named '{}'", name.escape_debug())))
}

fn today() -> NaiveDate {
    crate::clock::today()
}

pub fn run(session: &mut Session, cmd: ClassCommand) -> Result<()> {
    match cmd {
        ClassCommand::List { format } => {
            let classes = session.classes()?;
            super::output::items(
                &[
                    "name", "kind", "trade", "teacher", "days", "time", "starts", "ends", "room",
                    "enrolled",
                ],
                &classes,
                format,
                |c| {
                    vec![
                        c.name.clone().into(),
                        c.kind.code().into(),
                        c.trade.clone().into(),
                        c.teacher.clone().unwrap_or_default().into(),
                        c.days.to_string().into(),
                        c.time_text().into(),
                        c.starts_on.to_string().into(),
                        c.ends_on.map(|d| d.to_string()).unwrap_or_default().into(),
                        c.room.clone().into(),
                        Field::num(c.enrolled),
                    ]
                },
            )
        }
        ClassCommand::Add(a) => {
            let kind: ClassKind = a.kind.parse()?;
            let days: Days = a.days.parse()?;
            let teacher_id = match &a.teacher {
                Some(t) => Some(
                    session
                        .account_named(t)?
                        .filter(|u| u.enabled)
                        .ok_or_else(|| {
                            Error::invalid(format!("there is no enabled account named {t}"))
                        })?
                        .id,
                ),
                None => None,
            };
            session.add_class(&NewClass {
                kind,
                name: a.name.clone(),
                trade: a.trade,
                teacher_id,
                days,
                starts_at: a.from,
                ends_at: a.to,
                starts_on: a.starts.unwrap_or_else(today),
                ends_on: a.ends,
                room: a.room,
            })?;
            eprintln!("Added the class.");
            Ok(())
        }
        ClassCommand::Enrol {
            person,
            class,
            date,
        } => {
            let class = class_id(session, &class)?;
            let person = PersonId(find_person(session, &person)?);
            session.enrol(class, person, date.unwrap_or_else(today))?;
            eprintln!("Enrolled.");
            Ok(())
        }
        ClassCommand::Withdraw {
            person,
            class,
            date,
            reason,
        } => {
            let class = class_id(session, &class)?;
            let person = PersonId(find_person(session, &person)?);
            session.withdraw(class, person, date.unwrap_or_else(today), &reason)?;
            eprintln!("Withdrawn.");
            Ok(())
        }
        ClassCommand::Complete {
            person,
            class,
            date,
            certificate,
        } => {
            let class = class_id(session, &class)?;
            let person = PersonId(find_person(session, &person)?);
            session.complete_skill(person, class, date.unwrap_or_else(today), certificate)?;
            eprintln!("Recorded.");
            Ok(())
        }
    }
}

/// `attendance take`: marks from standard input, `CASE_NUMBER,MARK` per
/// line (P, A, L or E). The whole input is checked before anything is
/// saved; a bad line refuses all of it, naming the line.
pub fn take(session: &mut Session, args: TakeArgs) -> Result<()> {
    if std::io::stdin().is_terminal() {
        return Err(Error::Usage(
            "attendance take reads CASE_NUMBER,MARK lines from standard input; on a terminal, take attendance in the desk (casedesk, then Classes)".into(),
        ));
    }
    let class = class_id(session, &args.class)?;
    let on = args.date.unwrap_or_else(today);
    let sheet = session.attendance_sheet(class, on)?;
    let mut changes = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, line) in std::io::stdin().lock().lines().enumerate() {
        let n = i + 1;
        let line = line.map_err(|e| Error::io("cannot read standard input", e))?;
        let bad = |why: &str| Error::invalid(format!("line {n}: {why}; nothing was saved"));
        let Some((case, mark)) = mark_line(&line).map_err(bad)? else {
            continue;
        };
        let Some(row) = sheet
            .rows
            .iter()
            .find(|r| r.case_number.eq_ignore_ascii_case(case))
        else {
            return Err(bad(&format!(
                "'{}' is not enrolled in this class on {on}",
                case.escape_debug()
            )));
        };
        if !seen.insert(row.person_id) {
            return Err(bad("this person is marked twice"));
        }
        changes.push(MarkChange {
            person_id: row.person_id,
            mark,
            loaded_version: row.version,
        });
    }
    let saved = session.save_attendance(class, on, &changes, args.extra)?;
    for c in &saved.conflicts {
        eprintln!(
            "{} was marked {} at another desk meanwhile; that mark is kept.",
            c.case_number,
            c.theirs.code()
        );
    }
    eprintln!("Saved {} mark(s).", saved.saved);
    Ok(())
}

/// One line of `attendance take`'s input: the case number and the mark,
/// `None` for a blank or `#` comment line, or what is wrong with it.
fn mark_line(line: &str) -> std::result::Result<Option<(&str, Mark)>, &'static str> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let Some((case, mark)) = line.split_once(',') else {
        return Err("write CASE_NUMBER,MARK (e.g. CPC-2026-0042,P)");
    };
    let mark: Mark = mark
        .trim()
        .parse()
        .map_err(|_| "the mark must be P, A, L or E")?;
    Ok(Some((case.trim(), mark)))
}

/// `list attendance`: the month's sheet, one column per session date, the
/// rate last.
pub fn month(session: &Session, class: &str, month: &str, format: Format) -> Result<()> {
    let class = class_id(session, class)?;
    let month = parse_month(month).map_err(|e| Error::Usage(e.to_string()))?;
    let sheet = session.month_sheet(class, month)?;
    let dates: Vec<String> = sheet.dates.iter().map(|d| d.to_string()).collect();
    let mut header: Vec<&str> = vec!["case_number", "name"];
    header.extend(dates.iter().map(String::as_str));
    header.push("rate");
    // One class's month: bounded by its enrolment, so the sheet is read
    // whole (its columns are the month's session dates).
    super::output::items(&header, &sheet.rows, format, |r| {
        let mut row: Vec<Field> = vec![r.case_number.clone().into(), r.name.clone().into()];
        row.extend(
            r.marks
                .iter()
                .map(|m| m.map(|m| m.code()).unwrap_or_default().into()),
        );
        row.push(r.rate.to_string().into());
        row
    })
}

/// `literacy record`: one month's scores for one person.
pub fn literacy(session: &mut Session, a: LiteracyArgs) -> Result<()> {
    let person = PersonId(find_person(session, &a.person)?);
    let month = parse_month(&a.month).map_err(|e| Error::Usage(e.to_string()))?;
    session.record_literacy_test(
        person,
        month,
        &LiteracyScores {
            reading_urdu: a.reading_urdu,
            writing_urdu: a.writing_urdu,
            reading_english: a.reading_english,
            writing_english: a.writing_english,
        },
    )?;
    eprintln!("Recorded.");
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        // PROPTEST_CASES runs it longer.
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
            ..ProptestConfig::default()
        })]

        #[test]
        fn any_attendance_line_is_read_or_refused(line in "\\PC{0,30}|[ -~]{0,30}") {
            if let Ok(Some((case, _))) = mark_line(&line) {
                prop_assert!(line.contains(case));
                prop_assert_eq!(case.trim(), case);
            }
        }

        #[test]
        fn a_written_mark_reads_back(
            case in "(CPC|WD)-[0-9]{4}-[0-9]{4}",
            mark in prop::sample::select(vec![Mark::Present, Mark::Absent, Mark::Late, Mark::Excused]),
            pad in "[ \t]{0,3}",
        ) {
            let line = format!("{pad}{case}{pad},{pad}{}{pad}", mark.code());
            prop_assert_eq!(mark_line(&line), Ok(Some((case.as_str(), mark))));
            let comment = format!("{pad}# {line}");
            prop_assert_eq!(mark_line(&comment), Ok(None));
        }
    }
}
