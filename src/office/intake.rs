//! Intake: registering a new person, after a look for likely duplicates.

use super::{AuditAction, Session, Target};
use crate::Result;
use crate::domain::Role;
use crate::domain::person::{NewPerson, PersonId};
use crate::office::rules::Capability;
pub use crate::store::duplicates::Match;
use crate::store::{duplicates, persons};

impl Session {
    /// A case may only go to an enabled account that does case work.
    pub(crate) fn check_worker(&self, worker: Option<i64>) -> Result<()> {
        let Some(id) = worker else { return Ok(()) };
        let ok = crate::store::users::list(self.conn())?
            .iter()
            .any(|u| u.id == id && u.enabled && u.role != Role::Psychologist);
        if ok {
            Ok(())
        } else {
            Err(crate::Error::invalid(
                "the case worker must be an enabled staff or manager account",
            ))
        }
    }

    /// People already registered who look like `person` (same or similar
    /// name, father's name, age, CNIC or phone), best first.
    pub fn likely_duplicates(&self, person: &NewPerson) -> Result<Vec<Match>> {
        self.need(Capability::Register)?;
        duplicates::likely_matches(self.conn(), person)
    }

    /// Register a new person (staff, managers): validated, given the next
    /// case number of their programme, audited. Returns the record id and
    /// case number.
    pub fn register_person(&mut self, person: &NewPerson) -> Result<(PersonId, String)> {
        self.need(Capability::Register)?;
        self.check_worker(person.worker_id)?;
        self.write(|tx, user| {
            let (id, case_number) = persons::register_person(tx, person, user)?;
            Session::record_in(
                tx,
                user,
                AuditAction::PersonCreate,
                &Target::Person(id.0).to_string(),
                &format!("case number {case_number}"),
            )?;
            Ok((id, case_number))
        })
    }
}
