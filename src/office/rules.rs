//! The one rulebook: who may do what, reads included. Every office
//! method asks it once, first ([`Session::need`]); the desk and the CLI
//! ask it too ([`Session::may`]) to build their menus and never compare
//! roles themselves. `tests/rulebook.rs` runs an office method of every
//! capability as every role and compares the outcome with this table.

use crate::domain::Role;
use crate::error::{Error, Result};

use super::Session;

/// Something a role may or may not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Capability {
    /// List and search the register's rows.
    ReadRegister,
    /// Count the register (Home's numbers).
    CountRegister,
    /// Find a person by case number and open their file.
    OpenFile,
    /// See that counselling sessions happened (not their notes).
    SeeSessions,
    /// The office's name and settings, its accounts' names, its backup
    /// settings: what every screen's header and forms show.
    SeeOffice,
    /// Register a new person at intake.
    Register,
    /// Change a person's file: details, services, status, notes.
    ChangeFile,
    /// See follow-ups due and done.
    SeeFollowUps,
    SeePlacements,
    /// Record and end placements and their visits.
    RecordPlacements,
    SetVisitSchedule,
    /// See classes, enrolments and attendance.
    SeeClasses,
    /// Add classes, enrol and withdraw, take attendance, record tests.
    TeachClasses,
    SetLiteracyScale,
    SeeActivities,
    RecordActivities,
    /// Read sealed counselling notes.
    ReadNotes,
    /// Record counselling sessions and amend notes.
    WriteNotes,
    /// Share or replace the counselling key.
    KeepCounsellingKey,
    ListAccounts,
    ManageAccounts,
    /// Rekey the office, accept a restored copy.
    ChangeMasterKey,
    ReadAudit,
    RunReports,
    /// See the records behind a report's number.
    ReportRecords,
    Backup,
    Import,
    OfficeSettings,
}

use Capability::*;
use Role::{Manager, Psychologist, Staff};

const CASEWORKERS: &[Role] = &[Staff, Manager];
const EVERYONE: &[Role] = &[Staff, Manager, Psychologist];

/// The table: each capability, the roles that have it, and what it is
/// called in a refusal ("only a manager may …").
const RULEBOOK: &[(Capability, &[Role], &str)] = &[
    (ReadRegister, CASEWORKERS, "see the register"),
    (CountRegister, EVERYONE, "count the register"),
    (OpenFile, EVERYONE, "open a person's file"),
    (SeeSessions, EVERYONE, "see counselling sessions"),
    (SeeOffice, EVERYONE, "see the office's settings"),
    (Register, CASEWORKERS, "register a new person"),
    (ChangeFile, CASEWORKERS, "change a person's file"),
    (SeeFollowUps, CASEWORKERS, "see follow-ups"),
    (SeePlacements, CASEWORKERS, "see placements"),
    (RecordPlacements, CASEWORKERS, "record placements"),
    (SetVisitSchedule, &[Manager], "change the visit schedule"),
    (SeeClasses, CASEWORKERS, "see classes"),
    (TeachClasses, CASEWORKERS, "record class work"),
    (SetLiteracyScale, &[Manager], "set the literacy scale"),
    (SeeActivities, CASEWORKERS, "see activities"),
    (RecordActivities, CASEWORKERS, "record activities"),
    (ReadNotes, &[Psychologist], "read counselling notes"),
    (WriteNotes, &[Psychologist], "write counselling notes"),
    (
        KeepCounsellingKey,
        &[Psychologist],
        "share the counselling key",
    ),
    (ListAccounts, &[Manager], "list accounts"),
    (ManageAccounts, &[Manager], "add or disable accounts"),
    (ChangeMasterKey, &[Manager], "change the master key"),
    (ReadAudit, &[Manager], "read the audit trail"),
    (RunReports, &[Manager], "run reports"),
    (ReportRecords, &[Manager], "see the records behind a report"),
    (Backup, &[Manager], "export or check a backup"),
    (Import, &[Manager], "import spreadsheets"),
    (OfficeSettings, &[Manager], "change the office's settings"),
];

impl Capability {
    /// Every capability, in the rulebook's order.
    pub fn all() -> impl Iterator<Item = Capability> {
        RULEBOOK.iter().map(|(c, _, _)| *c)
    }

    fn entry(self) -> (&'static [Role], &'static str) {
        RULEBOOK
            .iter()
            .find(|(c, _, _)| *c == self)
            .map(|(_, roles, what)| (*roles, *what))
            // A capability without a row is refused to everyone: a new
            // one fails its tests until the table says who may.
            .unwrap_or((&[], "do that"))
    }

    /// The roles that have it.
    pub fn roles(self) -> &'static [Role] {
        self.entry().0
    }

    /// Does `role` have it?
    pub fn allows(self, role: Role) -> bool {
        self.roles().contains(&role)
    }

    /// What it is called in a refusal.
    pub fn what(self) -> &'static str {
        self.entry().1
    }
}

impl Session {
    /// May this login do it? For menus and hints.
    pub fn may(&self, cap: Capability) -> bool {
        cap.allows(self.role())
    }

    /// Refuse unless this login may do it: "only a manager may …". Each
    /// office method calls it once, first.
    pub fn need(&self, cap: Capability) -> Result<()> {
        if self.may(cap) {
            return Ok(());
        }
        let who: Vec<&str> = cap.roles().iter().map(|r| r.label()).collect();
        Err(Error::not_allowed(format!(
            "only a {} may {}",
            who.join(" or "),
            cap.what()
        )))
    }
}
