//! `casedesk counselling …`.
//!
//! Counselling text reaches standard output only through `show`, only for a
//! psychologist holding the counselling key, and only sanitized (no raw
//! control characters). Everyone else sees that sessions happened.

use crate::csv_out::Field;
use crate::office::rules::Capability;
use std::io::{Read, Write};

use chrono::NaiveDate;
use clap::Subcommand;

use super::{Format, parse_date};
use crate::domain::CounsellingKind;
use crate::domain::counselling::{NewSession, SessionId};
use crate::office::Session;
use crate::office::counselling::SessionRow;
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
    /// Print a session's note (psychologist holding the counselling key); the read is audited. A note that does not verify (forged, altered or rolled back) is printed under a NOT VERIFIABLE warning and the exit code is 1
    Show {
        id: i64,
        /// Every version, oldest first
        #[arg(long)]
        history: bool,
    },
    /// Save a new version of a note (psychologist); the text is the rest of standard input
    Amend { id: i64 },
    /// Replace the counselling key and re-seal every note (psychologist holding it; after a psychologist leaves)
    Rotate,
}

/// A person by case number or record id.
pub(super) fn find_person(session: &Session, key: &str) -> Result<i64> {
    let key = key.trim();
    session.find_person(key)?.map(|p| p.0).ok_or_else(|| {
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
            let rows = session.counselling_sessions(id)?;
            session.person_viewed(crate::domain::person::PersonId(id), "counselling sessions")?;
            print_sessions(&rows, format)
        }
        CounsellingCommand::Add {
            person,
            kind,
            minutes,
            date,
            with,
        } => {
            // Refuse before reading the note.
            session.need(Capability::WriteNotes)?;
            let kind: CounsellingKind = kind.parse()?;
            let person_id = find_person(session, &person)?;
            let participants = with
                .iter()
                .map(|p| find_person(session, p))
                .collect::<Result<Vec<_>>>()?;
            let note = read_note_from_stdin()?;
            let id = session.record_counselling(
                &NewSession {
                    person_id,
                    kind,
                    on_date: date.unwrap_or_else(crate::clock::today),
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
                session.note_history(SessionId(id))?
            } else {
                vec![session.read_note(SessionId(id))?]
            };
            let mut out = std::io::stdout().lock();
            let unverified: Vec<String> = notes
                .iter()
                .filter(|n| !n.verified)
                .map(|n| n.version.to_string())
                .collect();
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
                if !n.verified {
                    // The same check as the desk's NOT VERIFIABLE line.
                    writeln!(out, "{NOT_VERIFIABLE}").map_err(pipe)?;
                }
                for line in crate::safe_text::sanitize_lines(&n.text) {
                    writeln!(out, "{line}").map_err(pipe)?;
                }
            }
            if unverified.is_empty() {
                Ok(())
            } else {
                Err(Error::damaged(format!(
                    "counselling session {id}: note version {} cannot be verified (shown above under a warning); run 'casedesk check' and compare with a backup",
                    unverified.join(", ")
                )))
            }
        }
        CounsellingCommand::Amend { id } => {
            session.need(Capability::WriteNotes)?;
            let note = read_note_from_stdin()?;
            let v = session.amend_note(SessionId(id), &note)?;
            eprintln!("Saved version {v}.");
            Ok(())
        }
        CounsellingCommand::Rotate => {
            let holders = session.rotate_counselling_key()?;
            eprintln!(
                "New counselling key in place; every note was re-sealed. {holders} psychologist account(s) hold it. Disable the departed psychologist's account if you have not."
            );
            Ok(())
        }
    }
}

/// Printed above a version that does not verify.
const NOT_VERIFIABLE: &str = "*** NOT VERIFIABLE: this version was not written through casedesk, or a later one was removed. Do not rely on it. ***";

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
    super::output::items(&header, rows, format, |r| {
        vec![
            Field::num(r.id.0),
            r.case_number.clone().into(),
            r.on_date.to_string().into(),
            r.kind.code().into(),
            Field::num(r.minutes),
            r.psychologist.clone().unwrap_or_default().into(),
            r.participants
                .iter()
                .map(|p| p.case_number.as_str())
                .collect::<Vec<_>>()
                .join(" ")
                .into(),
            Field::num(r.versions),
        ]
    })
}
