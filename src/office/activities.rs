//! Outreach and community activities as staff record them: spot visits,
//! parents' committee meetings, police station and medico-legal unit
//! visits, trainings, awareness sessions, sports events, …

use super::{AuditAction, Session, Target};
use crate::Result;
use crate::domain::activities::{Activity, ActivityFilter, NewActivity};
use crate::office::rules::Capability;
use crate::store::{activities, persons};

impl Session {
    /// Record an activity (staff, managers). Every rule is checked first
    /// (the date not in the future, believable head counts, staff that
    /// are accounts, linked people on a register, no control characters):
    /// a refused activity saves nothing. One audit entry, whose targets
    /// are the linked people and the activity (never the place or note).
    pub fn add_activity(&mut self, a: &NewActivity) -> Result<i64> {
        self.need(Capability::RecordActivities)?;
        persons::refuse_invalid(&a.validate(crate::clock::today()))?;
        self.write(|tx, user| {
            activities::check_links(tx, a)?;
            let id = activities::add(tx, a, user.id)?;
            let mut targets: Vec<Target> = a.persons.iter().map(|p| Target::Person(*p)).collect();
            targets.push(Target::Activity(id));
            Session::record_in(
                tx,
                user,
                AuditAction::ActivityAdd,
                &crate::domain::audit::targets(&targets),
                a.kind.code(),
            )?;
            Ok(id)
        })
    }

    /// Activities, newest first, at most `limit` (staff, managers).
    pub fn activities(&self, filter: &ActivityFilter, limit: usize) -> Result<Vec<Activity>> {
        self.need(Capability::SeeActivities)?;
        activities::list(self.conn(), filter, limit)
    }

    /// One activity (staff, managers).
    pub fn activity(&self, id: i64) -> Result<Activity> {
        self.need(Capability::SeeActivities)?;
        activities::get(self.conn(), id)
    }
}
