//! `casedesk placement …` and `casedesk followup …`: jobs and small
//! businesses, and the follow-ups due from placements and case files.

use crate::csv_out::Field;
use chrono::NaiveDate;
use clap::{Args, Subcommand};

use super::counselling::find_person;
use super::{Format, parse_date};
use crate::domain::placements::{
    DueKind, NewPlacement, PlacementKind, PlacementStatus, VisitDone, VisitOutcome, parse_due_key,
};
use crate::office::Session;
use crate::office::placements::{DueFilter, PlacementConfirm};
use crate::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum PlacementCommand {
    /// Placements: person, kind, trade, employer or business, start, status, last visit, next due
    List {
        #[arg(long, value_name = "TRADE")]
        trade: Option<String>,
        #[arg(long, value_name = "YEAR")]
        year: Option<i32>,
        /// working, changed, lost, running, closed or ended
        #[arg(long, value_name = "S")]
        status: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Record a placement in a job or an own small business
    Add(Box<AddPlacement>),
    /// Show the follow-up visit schedule for new placements, or set it (manager): days after the start, e.g. 14,30,90,180
    Schedule {
        /// Days after the start, rising, comma-separated
        days: Option<String>,
    },
    /// End a placement: when and why
    End {
        id: i64,
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        date: Option<NaiveDate>,
        #[arg(long, value_name = "TEXT")]
        reason: String,
    },
}

#[derive(Debug, Args)]
pub struct AddPlacement {
    /// The person's case number or record id
    pub person: String,
    /// job or business
    #[arg(long, value_name = "KIND")]
    pub kind: String,
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub start: Option<NaiveDate>,
    #[arg(long, value_name = "TRADE", default_value = "")]
    pub trade: String,
    #[arg(long, value_name = "NAME", default_value = "")]
    pub employer: String,
    #[arg(long, value_name = "NAME", default_value = "")]
    pub contact: String,
    #[arg(long, value_name = "PHONE", default_value = "")]
    pub phone: String,
    /// Monthly wage in rupees
    #[arg(long, value_name = "RUPEES")]
    pub wage: Option<i64>,
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub hours: String,
    /// What kind of business (e.g. tea stall)
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub business: String,
    #[arg(long, value_name = "PLACE", default_value = "")]
    pub place: String,
    /// A toolkit was given
    #[arg(long)]
    pub toolkit: bool,
    /// Grant in rupees
    #[arg(long, value_name = "RUPEES")]
    pub grant: Option<i64>,
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub training: String,
    /// The skill class it followed from
    #[arg(long, value_name = "CLASS")]
    pub after_class: Option<String>,
    /// The case is closed and the placement belongs to it anyway (recorded)
    #[arg(long)]
    pub closed_case: bool,
    /// Place a child under 14, or under 18 in hazardous work, all the same,
    /// for this reason (recorded in the audit trail: write no names)
    #[arg(long, value_name = "REASON")]
    pub confirm_underage: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum FollowupCommand {
    /// What is due, most overdue first: placement visits (V…) and case follow-ups (F…)
    List(ListArgs),
    /// Record a follow-up from the list (id like V12 or F34)
    Visit(VisitArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Due by today (the default)
    #[arg(long, conflicts_with = "overdue")]
    pub due: bool,
    /// Only those already late
    #[arg(long)]
    pub overdue: bool,
    /// Only people whose case worker is you
    #[arg(long)]
    pub mine: bool,
    /// placement or case
    #[arg(long, value_name = "KIND")]
    pub kind: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Count due and late as on this day (YYYY-MM-DD), e.g. to check a list made earlier [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<NaiveDate>,
}

#[derive(Debug, Args)]
pub struct VisitArgs {
    /// V12 (a placement visit) or F34 (a case follow-up)
    pub id: String,
    /// [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    /// still_working, changed_job, lost_job, business_running or business_closed (placement visits)
    #[arg(long, value_name = "OUTCOME")]
    pub outcome: Option<String>,
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub problems: String,
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub support: String,
    #[arg(long = "next", value_name = "TEXT", default_value = "")]
    pub next_step: String,
}

fn today() -> NaiveDate {
    crate::clock::today()
}

pub fn placement(session: &mut Session, cmd: PlacementCommand) -> Result<()> {
    match cmd {
        PlacementCommand::List {
            trade,
            year,
            status,
            format,
        } => {
            let status: Option<PlacementStatus> = status
                .map(|s| s.parse())
                .transpose()
                .map_err(|e: Error| Error::Usage(e.to_string()))?;
            let mut list = session.placements(trade.as_deref(), year, None)?;
            list.retain(|p| status.is_none_or(|s| p.status == s));
            super::output::items(
                &[
                    "id",
                    "case_number",
                    "name",
                    "kind",
                    "trade",
                    "employer_or_business",
                    "started",
                    "status",
                    "last_visit",
                    "next_due",
                ],
                &list,
                format,
                |p| {
                    vec![
                        Field::num(p.id),
                        p.case_number.clone().into(),
                        p.name.clone().into(),
                        p.kind.code().into(),
                        p.trade.clone().into(),
                        if p.kind == PlacementKind::Job {
                            p.employer.clone()
                        } else {
                            p.business_kind.clone()
                        }
                        .into(),
                        p.starts_on.to_string().into(),
                        p.status.code().into(),
                        p.last_visit
                            .map(|d| d.to_string())
                            .unwrap_or_default()
                            .into(),
                        p.next_due.map(|d| d.to_string()).unwrap_or_default().into(),
                    ]
                },
            )
        }
        PlacementCommand::Add(a) => {
            let kind: PlacementKind = a.kind.parse()?;
            let person = find_person(session, &a.person)?;
            let skill_class_id = match &a.after_class {
                Some(name) => Some(
                    session
                        .class_named(name)?
                        .ok_or_else(|| {
                            Error::invalid(format!(
                                "there is no class named '{}'",
                                name.escape_debug()
                            ))
                        })?
                        .id,
                ),
                None => None,
            };
            let placement = NewPlacement {
                person_id: person,
                kind: Some(kind),
                starts_on: Some(a.start.unwrap_or_else(today)),
                trade: a.trade,
                employer: a.employer,
                contact_person: a.contact,
                contact_phone: a.phone,
                wage: a.wage,
                hours: a.hours,
                business_kind: a.business,
                place: a.place,
                toolkit: a.toolkit,
                grant: a.grant,
                training: a.training,
                skill_class_id,
            };
            if a.confirm_underage.is_none()
                && let Some(rule) = session.placement_underage(&placement)?
            {
                return Err(Error::invalid(format!(
                    "{}. Nothing was recorded. If the office places them all the same, say why with --confirm-underage REASON (it goes into the audit trail; write no names)",
                    rule.message()
                )));
            }
            let (id, later) = session.add_placement_confirmed(
                &placement,
                &PlacementConfirm {
                    closed_case: a.closed_case,
                    underage_reason: a.confirm_underage,
                },
            )?;
            println!("{id}");
            if later > 0 {
                eprintln!(
                    "{later} of its visits fell due before today: they are marked \"not recorded (entered later)\" and are not due. A visit that was made can still be recorded from the placement's visits on the desk."
                );
            }
            Ok(())
        }
        PlacementCommand::Schedule { days } => {
            if let Some(days) = days {
                session.set_visit_schedule(&days.parse()?)?;
            }
            println!("{}", session.visit_schedule()?);
            Ok(())
        }
        PlacementCommand::End { id, date, reason } => {
            session.end_placement(id, date.unwrap_or_else(today), &reason)?;
            eprintln!("Ended.");
            Ok(())
        }
    }
}

pub fn followup(session: &mut Session, cmd: FollowupCommand) -> Result<()> {
    match cmd {
        FollowupCommand::List(a) => {
            let kind = match a.kind.as_deref().map(str::to_ascii_lowercase).as_deref() {
                None => None,
                Some("placement") => Some(DueKind::Placement),
                Some("case") => Some(DueKind::Case),
                Some(_) => return Err(Error::Usage("--kind is placement or case".into())),
            };
            let now = a.today.unwrap_or_else(today);
            let items = session.due_list(
                now,
                DueFilter {
                    mine: a.mine,
                    overdue: a.overdue,
                    kind,
                },
                usize::MAX >> 1,
            )?;
            super::output::items(
                &[
                    "id",
                    "kind",
                    "case_number",
                    "name",
                    "due",
                    "days_late",
                    "worker",
                    "what",
                ],
                &items,
                a.format,
                |d| {
                    vec![
                        d.key().into(),
                        d.kind.label().into(),
                        d.case_number.clone().into(),
                        d.name.clone().into(),
                        d.due_on.to_string().into(),
                        Field::num(d.days_late(now).max(0)),
                        d.worker.clone().unwrap_or_default().into(),
                        d.what.clone().into(),
                    ]
                },
            )
        }
        FollowupCommand::Visit(a) => {
            let (kind, id) = parse_due_key(&a.id).map_err(|e| Error::Usage(e.to_string()))?;
            let outcome = match (kind, a.outcome) {
                (_, Some(o)) => o.parse::<VisitOutcome>()?,
                (DueKind::Placement, None) => {
                    return Err(Error::Usage(
                        "a placement visit needs --outcome (still_working, changed_job, lost_job, business_running or business_closed)".into(),
                    ));
                }
                (DueKind::Case, None) => VisitOutcome::StillWorking,
            };
            session.follow_up_done(
                kind,
                id,
                &VisitDone {
                    done_on: a.date.unwrap_or_else(today),
                    outcome,
                    problems: a.problems,
                    support: a.support,
                    next_step: a.next_step,
                },
            )?;
            eprintln!("Recorded.");
            Ok(())
        }
    }
}
