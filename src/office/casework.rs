//! The registers and each person's file: search, open, edit, services,
//! follow-ups, case-plan goals and the case's status.

use crate::office::rules::Capability;
use chrono::NaiveDate;

use super::{AuditAction, RowPasses, Session, Target};
use crate::Result;
use crate::domain::casework::{
    DueFollowUp, FollowUp, FollowUpDone, Goal, HistoryEntry, NewFollowUp, NewGoal, NewService,
    Service, StatusChange, StatusStep, TimelineEntry,
};
use crate::domain::person::{NewPerson, Person, PersonId, RegisterRow};
pub use crate::store::persons::{RegisterFilter, Saved};
pub use crate::store::search::{RegisterPage, RegisterQuery, SortColumn};
use crate::store::{casework, persons, search};

/// Everything a person's file shows, read together.
#[derive(Debug, Clone)]
pub struct PersonFile {
    pub person: Person,
    pub timeline: Vec<TimelineEntry>,
    pub services: Vec<Service>,
    pub follow_ups: Vec<FollowUp>,
    pub goals: Vec<Goal>,
    pub steps: Vec<StatusStep>,
    pub history: Vec<HistoryEntry>,
}

fn target(id: PersonId) -> String {
    Target::Person(id.0).to_string()
}

impl Session {
    /// One page of the register for a search (anyone: every account may
    /// find a person; psychologists to record a session).
    pub fn search_register(&self, query: &RegisterQuery, today: NaiveDate) -> Result<RegisterPage> {
        self.need(Capability::ReadRegister)?;
        search::register(self.conn(), query, today)
    }

    /// How many people `query` finds (its limit is ignored): Home's
    /// numbers, which every role sees.
    pub fn count_register(&self, query: &RegisterQuery, today: NaiveDate) -> Result<usize> {
        self.need(Capability::CountRegister)?;
        let q = RegisterQuery {
            limit: 0,
            ..query.clone()
        };
        Ok(search::register(self.conn(), &q, today)?.total)
    }

    /// The whole register for a listing (staff, managers); audited with
    /// the number of rows, never their content.
    pub fn list_register(
        &self,
        filter: &RegisterFilter,
        today: NaiveDate,
    ) -> Result<Vec<RegisterRow>> {
        self.need(Capability::ReadRegister)?;
        let rows = persons::list_register(self.conn(), filter, today)?;
        self.record_now(
            AuditAction::RegisterExport,
            "",
            &format!("{} rows", rows.len()),
        )?;
        Ok(rows)
    }

    /// The register as [`Session::list_register`] lists it, handed to
    /// `write` row by row as it is read (the CLI's listing of a whole
    /// office). Audited before the first row is read, with the number of
    /// rows counted just then, never their content: an export that fails to
    /// be recorded does not happen.
    pub fn export_register<T>(
        &self,
        filter: &RegisterFilter,
        today: NaiveDate,
        write: impl FnOnce(&RowPasses<'_, RegisterRow>) -> Result<T>,
    ) -> Result<T> {
        self.need(Capability::ReadRegister)?;
        let count = persons::count_register(self.conn(), filter)?;
        self.record_now(AuditAction::RegisterExport, "", &format!("{count} rows"))?;
        self.in_snapshot(
            |f| persons::each_register_row(self.conn(), filter, today, f),
            write,
        )
    }

    /// A person's record id from a case number (exact, ignoring case).
    pub fn find_case_number(&self, case_number: &str) -> Result<Option<PersonId>> {
        self.need(Capability::OpenFile)?;
        persons::find_by_case_number(self.conn(), case_number)
    }

    /// A person by case number or record id (the CLI's `--person`).
    pub fn find_person(&self, key: &str) -> Result<Option<PersonId>> {
        self.need(Capability::OpenFile)?;
        persons::find_by_case_number_or_id(self.conn(), key)
    }

    /// Record that this person looked at a file (`what`: which part, or
    /// empty for the whole file). The desk calls it once when a file is
    /// opened, not on every reload.
    pub fn person_viewed(&self, id: PersonId, what: &str) -> Result<()> {
        self.need(Capability::OpenFile)?;
        self.record_now(AuditAction::PersonView, &target(id), what)
    }

    /// Read a person's file (no audit entry: see [`Session::person_viewed`]).
    pub fn person(&self, id: PersonId) -> Result<Person> {
        self.need(Capability::OpenFile)?;
        persons::load_person(self.conn(), id)
    }

    /// Everything a person's file shows (no audit entry).
    pub fn person_file(&self, id: PersonId) -> Result<PersonFile> {
        self.need(Capability::OpenFile)?;
        let conn = self.conn();
        Ok(PersonFile {
            person: persons::load_person(conn, id)?,
            timeline: casework::timeline(conn, id)?,
            services: casework::services(conn, id)?,
            follow_ups: casework::follow_ups(conn, id)?,
            goals: casework::goals(conn, id)?,
            steps: casework::status_steps(conn, id)?,
            history: persons::history(conn, id)?,
        })
    }

    /// Save an edited profile (staff, managers). Refused with a conflict
    /// naming the fields when someone saved since `expected_version`.
    pub fn update_person(
        &mut self,
        id: PersonId,
        expected_version: i64,
        changes: &NewPerson,
    ) -> Result<Saved> {
        self.need(Capability::ChangeFile)?;
        // A file may keep a worker who has left; a new one must be active.
        if persons::load_person(self.conn(), id)?.profile.worker_id != changes.worker_id {
            self.check_worker(changes.worker_id)?;
        }
        self.write(|tx, user| {
            let saved = persons::update_person(tx, id, expected_version, changes, user)?;
            if !saved.changed.is_empty() {
                Session::record_in(
                    tx,
                    user,
                    AuditAction::PersonEdit,
                    &target(id),
                    &format!(
                        "version {}; fields: {}",
                        saved.version,
                        saved.changed.join(", ")
                    ),
                )?;
            }
            Ok(saved)
        })
    }

    /// Record a service delivered (staff, managers). Returns its id.
    pub fn add_service(&mut self, id: PersonId, service: &NewService) -> Result<i64> {
        self.need(Capability::ChangeFile)?;
        self.write(|tx, user| {
            let sid = casework::add_service(tx, id, service, user)?;
            Session::record_in(
                tx,
                user,
                AuditAction::ServiceAdd,
                &target(id),
                &format!("service {sid}; {}", service.kind.code()),
            )?;
            Ok(sid)
        })
    }

    /// Plan a follow-up (staff, managers). Returns its id.
    pub fn add_follow_up(&mut self, id: PersonId, follow_up: &NewFollowUp) -> Result<i64> {
        self.need(Capability::ChangeFile)?;
        self.write(|tx, user| {
            let fid = casework::add_follow_up(tx, id, follow_up, user)?;
            Session::record_in(
                tx,
                user,
                AuditAction::FollowUpAdd,
                &target(id),
                &format!("follow-up {fid}"),
            )?;
            Ok(fid)
        })
    }

    /// Mark a follow-up done with its outcome (staff, managers).
    pub fn complete_follow_up(&mut self, follow_up: i64, done: &FollowUpDone) -> Result<()> {
        self.need(Capability::ChangeFile)?;
        self.write(|tx, user| {
            let person = casework::complete_follow_up(tx, follow_up, done)?;
            Session::record_in(
                tx,
                user,
                AuditAction::FollowUpDone,
                &target(person),
                &format!("follow-up {follow_up}"),
            )
        })
    }

    /// Follow-ups due on or before `through`, most overdue first, for one
    /// worker or everyone (staff, managers).
    pub fn due_follow_ups(
        &self,
        through: NaiveDate,
        worker: Option<i64>,
        limit: usize,
    ) -> Result<Vec<DueFollowUp>> {
        self.need(Capability::SeeFollowUps)?;
        casework::due_follow_ups(self.conn(), through, worker, limit)
    }

    /// Add a case-plan goal (staff, managers). Returns its id.
    pub fn add_goal(&mut self, id: PersonId, goal: &NewGoal) -> Result<i64> {
        self.need(Capability::ChangeFile)?;
        self.write(|tx, user| {
            let gid = casework::add_goal(tx, id, goal, user)?;
            Session::record_in(
                tx,
                user,
                AuditAction::GoalAdd,
                &target(id),
                &format!("goal {gid}"),
            )?;
            Ok(gid)
        })
    }

    /// Mark a goal achieved (staff, managers).
    pub fn achieve_goal(&mut self, goal: i64, on: NaiveDate) -> Result<()> {
        self.need(Capability::ChangeFile)?;
        self.write(|tx, user| {
            let person = casework::achieve_goal(tx, goal, on)?;
            Session::record_in(
                tx,
                user,
                AuditAction::GoalAchieved,
                &target(person),
                &format!("goal {goal}"),
            )
        })
    }

    /// Move a case along its lifecycle (staff, managers).
    pub fn change_status(&mut self, id: PersonId, change: &StatusChange) -> Result<()> {
        self.need(Capability::ChangeFile)?;
        self.write(|tx, user| {
            let from = casework::change_status(tx, id, change, user)?;
            Session::record_in(
                tx,
                user,
                AuditAction::PersonStatus,
                &target(id),
                &format!("{} -> {}", from.code(), change.to.code()),
            )
        })
    }
}
