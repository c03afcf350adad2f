//! Classes and attendance as staff and teachers use them: classes, who is
//! enrolled, a session's marks (fast, and safe when two desks mark one
//! session), the month's sheet, rates, the dropout alert, monthly literacy
//! tests and skill courses completed.

use crate::office::rules::Capability;
use chrono::NaiveDate;

use super::{AuditAction, Session, Target};
use crate::Result;
use crate::domain::classes::{
    Class, ClassKind, Enrolment, LiteracyScale, LiteracyScores, LiteracyTest, MarkChange, NewClass,
    Rate, SavedSheet, Sheet, SkillCompletion,
};
use crate::domain::person::{FieldError, PersonId};
pub use crate::store::attendance::{MonthRow, MonthSheet};
use crate::store::{attendance, classes, persons};

fn targets(person: i64, class: i64) -> String {
    crate::domain::audit::targets(&[Target::Person(person), Target::Class(class)])
}

/// Refuse a form's errors as one message (they name fields, never values).
fn refuse(errors: Vec<FieldError>) -> Result<()> {
    persons::refuse_invalid(&errors)
}

/// A dropout alert: someone absent from their class's last sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsentAlert {
    pub class_id: i64,
    pub class_name: String,
    pub person_id: i64,
    pub case_number: String,
    pub name: String,
}

/// How many sessions in a row make a dropout alert.
pub const ABSENT_IN_A_ROW: u32 = 3;

impl Session {
    /// Every class (staff, managers).
    pub fn classes(&self) -> Result<Vec<Class>> {
        self.need(Capability::SeeClasses)?;
        classes::classes(self.conn())
    }

    pub fn class(&self, id: i64) -> Result<Class> {
        self.need(Capability::SeeClasses)?;
        classes::get_class(self.conn(), id)
    }

    pub fn class_named(&self, name: &str) -> Result<Option<Class>> {
        self.need(Capability::SeeClasses)?;
        classes::class_named(self.conn(), name)
    }

    /// Add a class (staff, managers). Its teacher must be an enabled
    /// account.
    pub fn add_class(&mut self, class: &NewClass) -> Result<i64> {
        self.need(Capability::TeachClasses)?;
        refuse(class.validate())?;
        if let Some(t) = class.teacher_id {
            let teacher = crate::store::users::get(self.conn(), t)?;
            if !teacher.enabled {
                return Err(crate::Error::invalid(
                    "the teacher's account is disabled; choose another teacher",
                ));
            }
        }
        self.write(|tx, user| {
            let id = classes::add_class(tx, class)?;
            Session::record_in(
                tx,
                user,
                AuditAction::ClassAdd,
                &Target::Class(id).to_string(),
                class.kind.code(),
            )?;
            Ok(id)
        })
    }

    /// Enrol a person from the register (staff, managers).
    pub fn enrol(&mut self, class_id: i64, person: PersonId, on: NaiveDate) -> Result<i64> {
        self.need(Capability::TeachClasses)?;
        let class = classes::get_class(self.conn(), class_id)?;
        let p = persons::load_person(self.conn(), person)?;
        if on < p.profile.registered_on {
            return Err(crate::Error::invalid(format!(
                "the enrolment date is before the person's intake ({})",
                p.profile.registered_on
            )));
        }
        if class.ends_on.is_some_and(|e| on > e) {
            return Err(crate::Error::invalid("the class has ended by that date"));
        }
        self.write(|tx, user| {
            let id = classes::enrol(tx, class_id, person.0, on, user.id)?;
            Session::record_in(
                tx,
                user,
                AuditAction::ClassEnrol,
                &targets(person.0, class_id),
                &on.to_string(),
            )?;
            Ok(id)
        })
    }

    /// Withdraw a person from a class from `on` (staff, managers).
    pub fn withdraw(
        &mut self,
        class_id: i64,
        person: PersonId,
        on: NaiveDate,
        why: &str,
    ) -> Result<()> {
        self.need(Capability::TeachClasses)?;
        if why.chars().any(char::is_control) {
            return Err(crate::Error::invalid(
                "the reason must not contain control characters",
            ));
        }
        self.write(|tx, user| {
            classes::withdraw(tx, class_id, person.0, on, why)?;
            Session::record_in(
                tx,
                user,
                AuditAction::ClassWithdraw,
                &targets(person.0, class_id),
                &on.to_string(),
            )
        })
    }

    /// A class's enrolments, current first (staff, managers).
    pub fn enrolments(&self, class_id: i64) -> Result<Vec<Enrolment>> {
        self.need(Capability::SeeClasses)?;
        classes::enrolments(self.conn(), class_id)
    }

    /// A person's enrolments with each class's name (anyone who may see
    /// the person's file).
    pub fn person_enrolments(&self, person: PersonId) -> Result<Vec<(String, Enrolment)>> {
        self.need(Capability::SeeClasses)?;
        classes::person_enrolments(self.conn(), person.0)
    }

    /// The sheet of a class on a date: who is enrolled that day, with any
    /// marks saved (staff, managers). Read only: the session is made when
    /// marks are first saved.
    pub fn attendance_sheet(&self, class_id: i64, on: NaiveDate) -> Result<Sheet> {
        self.need(Capability::TeachClasses)?;
        attendance::sheet(self.conn(), class_id, on)
    }

    /// Save marks on a class's session (staff, managers). `extra` confirms
    /// a session on a day the class does not meet or outside its dates (a
    /// make-up class); without it such a date is refused. Marks changed at
    /// another desk since the sheet was loaded are kept and reported in
    /// [`SavedSheet::conflicts`]; the rest are saved, all in one
    /// transaction with one audit entry.
    pub fn save_attendance(
        &mut self,
        class_id: i64,
        on: NaiveDate,
        changes: &[MarkChange],
        extra: bool,
    ) -> Result<SavedSheet> {
        self.need(Capability::TeachClasses)?;
        let class = classes::get_class(self.conn(), class_id)?;
        if on > crate::clock::today() {
            return Err(crate::Error::invalid(
                "attendance cannot be taken for a day that has not come yet",
            ));
        }
        let regular = class.meets_on(on);
        if !regular && !extra {
            return Err(crate::Error::invalid(format!(
                "the class does not meet on {on} ({}); confirm it is a make-up session",
                if class.runs_on(on) {
                    "not one of its days"
                } else {
                    "outside its dates"
                }
            )));
        }
        self.write(|tx, user| {
            let session = attendance::ensure_session(tx, class_id, on, !regular)?;
            let saved = attendance::save_marks(tx, session, on, class_id, changes, user.id)?;
            Session::record_in(
                tx,
                user,
                AuditAction::AttendanceTake,
                &Target::Class(class_id).to_string(),
                &format!(
                    "{on}; {} mark(s); {} kept from another desk",
                    saved.saved,
                    saved.conflicts.len()
                ),
            )?;
            Ok(saved)
        })
    }

    /// The month's sheet of a class for the paper file (staff, managers).
    pub fn month_sheet(&self, class_id: i64, month: NaiveDate) -> Result<MonthSheet> {
        self.need(Capability::SeeClasses)?;
        attendance::month_sheet(self.conn(), class_id, month)
    }

    /// Every class's attendance rate over a period (staff, managers).
    pub fn class_rates(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<(i64, Rate)>> {
        self.need(Capability::SeeClasses)?;
        attendance::class_rates(self.conn(), from, to)
    }

    /// A person's attendance rate per class.
    pub fn person_rates(&self, person: PersonId) -> Result<Vec<(String, Rate)>> {
        self.need(Capability::SeeClasses)?;
        attendance::person_rates(self.conn(), person.0)
    }

    /// Classes meeting on `date`, each with whether attendance was taken.
    pub fn classes_on(&self, date: NaiveDate) -> Result<Vec<(Class, bool)>> {
        self.need(Capability::SeeClasses)?;
        attendance::classes_on(self.conn(), date)
    }

    /// People absent [`ABSENT_IN_A_ROW`] sessions in a row (dropout risk).
    pub fn absent_alerts(&self, today: NaiveDate) -> Result<Vec<AbsentAlert>> {
        self.need(Capability::SeeClasses)?;
        Ok(
            attendance::absent_in_a_row(self.conn(), today, ABSENT_IN_A_ROW)?
                .into_iter()
                .map(
                    |(class_id, class_name, person_id, case_number, name)| AbsentAlert {
                        class_id,
                        class_name,
                        person_id,
                        case_number,
                        name,
                    },
                )
                .collect(),
        )
    }

    /// The office's literacy scale (anyone).
    pub fn literacy_scale(&self) -> Result<LiteracyScale> {
        self.need(Capability::SeeClasses)?;
        classes::literacy_scale(self.conn())
    }

    /// Set the office's literacy scale (managers): 2 to 11 levels, named.
    pub fn set_literacy_scale(&mut self, scale: &LiteracyScale) -> Result<()> {
        self.need(Capability::SetLiteracyScale)?;
        if !(2..=11).contains(&scale.levels.len())
            || scale
                .levels
                .iter()
                .any(|l| l.trim().is_empty() || l.chars().any(char::is_control))
        {
            return Err(crate::Error::invalid(
                "a literacy scale has 2 to 11 levels, each with a name",
            ));
        }
        self.write(|tx, user| {
            classes::set_literacy_scale(tx, scale)?;
            Session::record_in(
                tx,
                user,
                AuditAction::LiteracyScale,
                "",
                &format!("{} levels", scale.levels.len()),
            )
        })
    }

    /// Record a person's literacy test for a month (staff, managers).
    pub fn record_literacy_test(
        &mut self,
        person: PersonId,
        month: NaiveDate,
        scores: &LiteracyScores,
    ) -> Result<()> {
        self.need(Capability::TeachClasses)?;
        if scores.is_empty() {
            return Err(crate::Error::invalid("give at least one score"));
        }
        let scale = classes::literacy_scale(self.conn())?;
        for s in scores.all().into_iter().flatten() {
            scale.check(s).map_err(crate::Error::invalid)?;
        }
        if month > crate::clock::today() {
            return Err(crate::Error::invalid("the month has not come yet"));
        }
        persons::load_person(self.conn(), person)?;
        self.write(|tx, user| {
            classes::set_literacy_test(tx, person.0, month, scores, user.id)?;
            Session::record_in(
                tx,
                user,
                AuditAction::LiteracyTest,
                &Target::Person(person.0).to_string(),
                &month.format("%Y-%m").to_string(),
            )
        })
    }

    /// A person's literacy tests, oldest first.
    pub fn literacy_tests(&self, person: PersonId) -> Result<Vec<LiteracyTest>> {
        self.need(Capability::SeeClasses)?;
        classes::literacy_tests(self.conn(), person.0)
    }

    /// Record that a person completed a skill course (staff, managers).
    pub fn complete_skill(
        &mut self,
        person: PersonId,
        class_id: i64,
        on: NaiveDate,
        certificate: bool,
    ) -> Result<i64> {
        self.need(Capability::TeachClasses)?;
        let class = classes::get_class(self.conn(), class_id)?;
        if class.kind != ClassKind::Skill {
            return Err(crate::Error::invalid(
                "only a skill class is completed with a date",
            ));
        }
        if on > crate::clock::today() {
            return Err(crate::Error::invalid(
                "the completion date is in the future",
            ));
        }
        self.write(|tx, user| {
            let id = classes::complete_skill(tx, person.0, class_id, on, certificate, user.id)?;
            Session::record_in(
                tx,
                user,
                AuditAction::SkillComplete,
                &targets(person.0, class_id),
                if certificate {
                    "certificate"
                } else {
                    "no certificate"
                },
            )?;
            Ok(id)
        })
    }

    /// A person's completed skill courses.
    pub fn skill_completions(&self, person: PersonId) -> Result<Vec<SkillCompletion>> {
        self.need(Capability::SeeClasses)?;
        classes::skill_completions(self.conn(), person.0)
    }
}
