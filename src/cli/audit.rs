//! `casedesk audit …`: the manager reads and verifies the trail.

use crate::csv_out::Field;
use crate::office::rules::Capability;
use chrono::NaiveDate;
use clap::Args;

use super::{Format, parse_date};
use crate::office::Session;
use crate::office::audit::{AuditFilter, Verdict};
use crate::{Error, Result};

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Check the hash chain; exits 1 and names the first broken entry if it is broken
    #[arg(long)]
    pub verify: bool,
    /// Only entries about this person (case number or record id)
    #[arg(long, value_name = "CASE")]
    pub person: Option<String>,
    /// Only entries by this account (`--user` names who is acting)
    #[arg(long, value_name = "NAME", visible_alias = "actor")]
    pub by: Option<String>,
    /// From this date, inclusive
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<NaiveDate>,
    /// To this date, inclusive
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Option<NaiveDate>,
    /// Only this action and its sub-actions (e.g. login, counselling.read)
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

pub fn run(session: &Session, args: AuditArgs) -> Result<()> {
    session.need(Capability::ReadAudit)?;
    if args.verify {
        let (verdict, head) = session.verify_trail()?;
        return match verdict {
            Verdict::Intact { entries } => {
                println!("ok: {entries} entries, chain intact");
                if let Some(h) = head {
                    eprintln!(
                        "Head: entry {} {}. Write it down: a later trail must still contain it.",
                        h.seq, h.hash
                    );
                }
                Ok(())
            }
            Verdict::Broken { seq, reason } => Err(Error::damaged(format!(
                "the audit trail is broken at entry {seq}: {reason}"
            ))),
        };
    }
    let person = args
        .person
        .as_deref()
        .map(|p| super::counselling::find_person(session, p))
        .transpose()?;
    let filter = AuditFilter {
        person,
        user: args.by,
        from: args.from,
        to: args.to,
        action: args.action,
        ..AuditFilter::default()
    };
    let header: &[&str] = match args.format {
        Format::Csv => &["seq", "at", "user", "action", "record", "detail"],
        Format::Table => &["#", "at", "user", "action", "record", "detail"],
    };
    session.export_audit(&filter, |entries| {
        super::output::stream(header, args.format, |emit| {
            entries
                .each(|e| {
                    emit(&[
                        Field::num(e.seq),
                        e.at.into(),
                        e.user_name.into(),
                        e.action.into(),
                        e.target.into(),
                        e.detail.into(),
                    ])
                })
                .map(drop)
        })
    })
}
