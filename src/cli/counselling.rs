//! `casedesk counselling …` and `casedesk audit …`.
//!
//! Counselling text reaches standard output only through `show`, only for a
//! psychologist holding the counselling key, and only sanitized (no raw
//! control characters). Everyone else sees that sessions happened.

use std::io::{Read, Write};

use chrono::NaiveDate;
use clap::{Args, Subcommand};
use rusqlite::OptionalExtension;

use super::Format;
use crate::audit::{self, AuditFilter, Verdict};
use crate::domain::counselling::NewSession;
use crate::domain::{CounsellingKind, Role};
use crate::store::counselling::{self as store, SessionId, SessionRow};
use crate::vault::Session;
use crate::{Error, Result};

#[derive(Debug, Subcommand)]
pub enum CounsellingCommand {
    /// A person's counselling sessions: date, kind, minutes, psychologist, participants (never the notes)
    List {
        /// The person's case number (e.g. CPC-2026-0042) or record id
        #[arg(long, value_name = "CASE")]
        person: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Record a session (psychologist); the note is the rest of standard input after the password
    Add {
        #[arg(long, value_name = "CASE")]
        person: String,
        /// assessment, individual or group
        #[arg(long, value_name = "KIND")]
        kind: String,
        #[arg(long, value_name = "N")]
        minutes: u32,
        /// The session's date [default: today]
        #[arg(long, value_name = "DATE", value_parser = parse_date)]
        date: Option<NaiveDate>,
        /// Another participant of a group session (repeat for each)
        #[arg(long = "with", value_name = "CASE")]
        with: Vec<String>,
    },
    /// Print a session's note (psychologist holding the counselling key); the read is audited
    Show {
        id: i64,
        /// Every version, oldest first
        #[arg(long)]
        history: bool,
    },
    /// Save a new version of a note (psychologist); the text is the rest of standard input
    Amend { id: i64 },
}

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

fn parse_date(s: &str) -> std::result::Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| "a date is written YYYY-MM-DD".to_string())
}

/// A person by case number or record id.
fn find_person(session: &Session, key: &str) -> Result<i64> {
    let key = key.trim();
    let found: Option<i64> = session
        .conn
        .query_row(
            "SELECT id FROM persons WHERE case_number = ?1 COLLATE NOCASE
             OR (?1 GLOB '[0-9]*' AND id = CAST(?1 AS INTEGER)) LIMIT 1",
            [key],
            |r| r.get(0),
        )
        .optional()?;
    found.ok_or_else(|| {
        Error::invalid(format!(
            "there is no person with case number or id '{}'",
            key.escape_debug()
        ))
    })
}

fn read_note_from_stdin() -> Result<zeroize::Zeroizing<String>> {
    let mut text = zeroize::Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut text)
        .map_err(|e| Error::io("cannot read the note from standard input", e))?;
    Ok(text)
}

pub fn run(session: &mut Session, cmd: CounsellingCommand) -> Result<()> {
    match cmd {
        CounsellingCommand::List { person, format } => {
            let id = find_person(session, &person)?;
            let rows = store::list_sessions(&session.conn, id)?;
            session.audit(
                audit::action::PERSON_VIEW,
                &audit::person(id),
                "counselling sessions",
            )?;
            print_sessions(&rows, format)
        }
        CounsellingCommand::Add {
            person,
            kind,
            minutes,
            date,
            with,
        } => {
            session.require(&[Role::Psychologist], "record counselling sessions")?;
            let kind: CounsellingKind = kind.parse()?;
            let person_id = find_person(session, &person)?;
            let participants = with
                .iter()
                .map(|p| find_person(session, p))
                .collect::<Result<Vec<_>>>()?;
            let note = read_note_from_stdin()?;
            let id = store::record(
                session,
                &NewSession {
                    person_id,
                    kind,
                    on_date: date.unwrap_or_else(crate::store::today),
                    minutes,
                    participants,
                },
                &note,
            )?;
            println!("{}", id.0);
            Ok(())
        }
        CounsellingCommand::Show { id, history } => {
            let notes = if history {
                store::note_history(session, SessionId(id))?
            } else {
                vec![store::read_note(session, SessionId(id))?]
            };
            let mut out = std::io::stdout().lock();
            for n in &notes {
                if history {
                    writeln!(
                        out,
                        "--- version {} by {} at {}",
                        n.version,
                        n.written_by.as_deref().unwrap_or("?"),
                        n.written_at
                    )
                    .map_err(pipe)?;
                }
                for line in crate::safe_text::sanitize_lines(&n.text) {
                    writeln!(out, "{line}").map_err(pipe)?;
                }
            }
            Ok(())
        }
        CounsellingCommand::Amend { id } => {
            session.require(&[Role::Psychologist], "amend counselling notes")?;
            let note = read_note_from_stdin()?;
            let v = store::amend_note(session, SessionId(id), &note)?;
            eprintln!("Saved version {v}.");
            Ok(())
        }
    }
}

fn pipe(e: std::io::Error) -> Error {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        Error::Quiet
    } else {
        Error::io("cannot write the output", e)
    }
}

fn print_sessions(rows: &[SessionRow], format: Format) -> Result<()> {
    let header = [
        "id",
        "case_number",
        "date",
        "kind",
        "minutes",
        "psychologist",
        "participants",
        "versions",
    ];
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.id.0.to_string(),
                r.case_number.clone(),
                r.on_date.to_string(),
                r.kind.code().to_string(),
                r.minutes.to_string(),
                r.psychologist.clone().unwrap_or_default(),
                r.participants
                    .iter()
                    .map(|p| p.case_number.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                r.versions.to_string(),
            ]
        })
        .collect();
    super::output::rows(&header, &cells, format)
}

pub fn audit(session: &Session, args: AuditArgs) -> Result<()> {
    session.require(&[Role::Manager], "read the audit trail")?;
    if args.verify {
        return match audit::verify(&session.conn)? {
            Verdict::Intact { entries } => {
                audit::advance_anchor(&session.conn)?;
                println!("ok: {entries} entries, chain intact");
                if let Some(h) = audit::head(&session.conn)? {
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
        .map(|p| find_person(session, p))
        .transpose()?;
    let entries = audit::query(
        &session.conn,
        &AuditFilter {
            person,
            user: args.by,
            from: args.from,
            to: args.to,
            action: args.action,
            ..AuditFilter::default()
        },
    )?;
    session.audit(
        audit::action::AUDIT_VIEW,
        &person.map(audit::person).unwrap_or_default(),
        "",
    )?;
    let cells: Vec<Vec<String>> = entries
        .into_iter()
        .map(|e| {
            vec![
                e.seq.to_string(),
                e.at,
                e.user_name,
                e.action,
                e.target,
                e.detail,
            ]
        })
        .collect();
    match args.format {
        Format::Csv => super::output::rows(
            &["seq", "at", "user", "action", "record", "detail"],
            &cells,
            Format::Csv,
        ),
        Format::Table => super::output::rows(
            &["#", "at", "user", "action", "record", "detail"],
            &cells,
            Format::Table,
        ),
    }
}
