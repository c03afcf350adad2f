//! `casedesk activity add|list`: outreach and community activities from
//! scripts.

use crate::csv_out::Field;
use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::counselling::find_person;
use super::{Format, parse_date};
use crate::domain::activities::{ActivityFilter, ActivityKind, NewActivity, parse_count};
use crate::office::Session;
use crate::{Error, Result};

const KINDS: &str = "spot_visit, follow_up_visit, parents_meeting, child_group_meeting, \
police_station_visit, mlu_visit (medico-legal unit), custody_visit (jail or custody), \
training_staff, training_police, training_volunteers, awareness_session, sports_event";

#[derive(Debug, Subcommand)]
pub enum ActivityCommand {
    /// Record an activity: kind, date, place, staff, head counts by sex and age band, people met
    #[command(
        after_help = "Example:\n  casedesk activity add --kind spot_visit --date 2026-03-02 \
--place \"Baldia Plaza\" --people male:12-17=14 --people male:under12=3 --new 2 \
--person CPC-2026-0042 --note \"talked about safe places\"\n\n\
Kinds: spot_visit, follow_up_visit, parents_meeting, child_group_meeting, \
police_station_visit, mlu_visit (medico-legal unit), custody_visit (jail or custody), \
training_staff, training_police, training_volunteers, awareness_session, sports_event.\n\n\
Refused, with nothing saved: a date in the future, a negative count or more than 5,000 \
people, an unknown kind, staff or person that does not exist, control characters in the \
place or note. Prints the new activity's id."
    )]
    Add(AddArgs),
    /// Activities, newest first: id, date, kind, place, staff, female, male, other, total, new children, people linked
    List {
        /// From this date (YYYY-MM-DD)
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        from: Option<NaiveDate>,
        /// Up to this date (YYYY-MM-DD)
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        to: Option<NaiveDate>,
        /// Only this kind (see `activity add --help`)
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// At most this many
        #[arg(long, value_name = "N", default_value_t = 1000)]
        limit: usize,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// What it was (see the list of kinds below)
    #[arg(long, value_name = "KIND")]
    pub kind: String,
    /// When (YYYY-MM-DD) [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    /// Where: the spot, police station, medico-legal unit, jail, school, …
    #[arg(long, value_name = "PLACE")]
    pub place: String,
    /// Staff account(s) who carried it out, comma-separated [default: you]
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    pub staff: Vec<String>,
    /// People who took part (for a spot visit: the children met), as
    /// SEX:BAND=N with SEX female|male|other (or f|m|o) and BAND
    /// under12|12-17|18+|unknown; repeat for each group, e.g.
    /// --people male:12-17=14 --people female:18+=4
    #[arg(long = "people", value_name = "SEX:BAND=N", allow_hyphen_values = true)]
    pub people: Vec<String>,
    /// Spot visits: how many of the children met were met for the first time
    #[arg(
        long = "new",
        value_name = "N",
        default_value_t = 0,
        allow_hyphen_values = true
    )]
    pub new_identified: i64,
    /// A registered person who was there (case number or record id); repeat for each
    #[arg(long = "person", value_name = "CASE")]
    pub persons: Vec<String>,
    /// A short note (at most 500 characters; no names)
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub note: String,
}

fn kind(s: &str) -> Result<ActivityKind> {
    s.parse().map_err(|_| {
        Error::Usage(format!(
            "'{}' is not an activity kind; use one of: {KINDS}",
            s.escape_debug()
        ))
    })
}

pub fn run(session: &mut Session, cmd: ActivityCommand) -> Result<()> {
    match cmd {
        ActivityCommand::Add(a) => {
            let kind = kind(&a.kind)?;
            let participants = a
                .people
                .iter()
                .map(|p| parse_count(p).map_err(|e| Error::Usage(e.to_string())))
                .collect::<Result<Vec<_>>>()?;
            let staff = if a.staff.is_empty() {
                vec![session.user().id]
            } else {
                a.staff
                    .iter()
                    .map(|name| {
                        session
                            .account_named(name.trim())?
                            .map(|u| u.id)
                            .ok_or_else(|| {
                                Error::invalid(format!(
                                    "there is no account named '{}'",
                                    name.escape_debug()
                                ))
                            })
                    })
                    .collect::<Result<Vec<_>>>()?
            };
            let persons = a
                .persons
                .iter()
                .map(|p| find_person(session, p))
                .collect::<Result<Vec<_>>>()?;
            let id = session.add_activity(&NewActivity {
                kind,
                on_date: a.date.unwrap_or_else(crate::clock::today),
                place: a.place,
                staff,
                participants,
                new_identified: a.new_identified,
                persons,
                note: a.note,
            })?;
            println!("{id}");
            Ok(())
        }
        ActivityCommand::List {
            from,
            to,
            kind: k,
            limit,
            format,
        } => {
            let filter = ActivityFilter {
                from,
                to,
                kind: k.as_deref().map(kind).transpose()?,
            };
            let list = session.activities(&filter, limit)?;
            super::output::items(
                &[
                    "id", "date", "kind", "place", "staff", "female", "male", "other", "total",
                    "new", "people", "note",
                ],
                &list,
                format,
                |a| {
                    let by_sex = |s: crate::domain::Sex| Field::num(a.participants.sex_total(s));
                    vec![
                        Field::num(a.id),
                        a.on_date.to_string().into(),
                        a.kind.code().into(),
                        a.place.clone().into(),
                        a.staff.join(",").into(),
                        by_sex(crate::domain::Sex::Female),
                        by_sex(crate::domain::Sex::Male),
                        by_sex(crate::domain::Sex::Other),
                        Field::num(a.participants.total()),
                        Field::num(a.new_identified),
                        a.persons
                            .iter()
                            .map(|p| p.1.as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                            .into(),
                        a.note.replace('\n', " ").into(),
                    ]
                },
            )
        }
    }
}
