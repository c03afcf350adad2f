//! What the audit trail records: one typed action per thing a person can
//! do, and the record references an entry points at. No I/O here; the
//! chain itself is `store::audit`, and only the office layer writes to it.

use std::fmt;
use std::str::FromStr;

use crate::Error;

vocabulary!(
    /// Every action the office layer records. Stored as its code
    /// (`noun.verb`); the manager filters by code or by its first part
    /// (`login` matches `login.failed`).
    AuditAction, "audit action" {
        OfficeCreate => "office.create", "office created";
        OfficeRekey => "office.rekey", "master key replaced";
        OfficeRestoreAccept => "office.restore_accept", "older office file accepted";
        OfficeUpgrade => "office.upgrade", "office file upgraded";
        OfficeDateOrder => "office.date_order", "date order set";
        Login => "login", "logged in";
        LoginFailed => "login.failed", "failed login";
        Logout => "logout", "left the desk";
        KeyFileAltered => "keys.altered", "key file refused: altered";
        KeysRepaired => "keys.repaired", "keys put right";
        Lock => "session.lock", "desk locked";
        Unlock => "session.unlock", "desk unlocked";
        UnlockFailed => "session.unlock_failed", "failed unlock";
        AccountAdd => "account.add", "account added";
        AccountDisable => "account.disable", "account disabled";
        AccountPasswd => "account.passwd", "password changed";
        AccountRecover => "account.recover", "password reset with the recovery key";
        AccountGrantCounselling => "account.grant_counselling", "counselling key shared";
        PersonView => "person.view", "file viewed";
        PersonCreate => "person.create", "person registered";
        PersonEdit => "person.edit", "file edited";
        PersonStatus => "person.status", "case status changed";
        ServiceAdd => "service.add", "service recorded";
        FollowUpAdd => "follow_up.add", "follow-up planned";
        FollowUpDone => "follow_up.done", "follow-up done";
        GoalAdd => "goal.add", "goal added";
        GoalAchieved => "goal.achieved", "goal achieved";
        CounsellingCreate => "counselling.create", "counselling session recorded";
        CounsellingAmend => "counselling.amend", "counselling note amended";
        CounsellingRead => "counselling.read", "counselling note read";
        CounsellingHistory => "counselling.history", "counselling note history read";
        CounsellingRotate => "counselling.rotate", "counselling key replaced";
        RegisterExport => "register.export", "register listed";
        BackupExport => "backup.export", "backup exported";
        BackupAuto => "backup.auto", "automatic backup";
        BackupAutoConfigure => "backup.auto.configure", "automatic backups set up";
        AuditView => "audit.view", "audit trail viewed";
        DemoFill => "demo.fill", "demo data generated";
        ClassAdd => "class.add", "class added";
        ClassEnrol => "class.enrol", "enrolled in a class";
        ClassWithdraw => "class.withdraw", "withdrawn from a class";
        AttendanceTake => "attendance.take", "attendance taken";
        LiteracyTest => "literacy.test", "literacy test recorded";
        LiteracyScale => "literacy.scale", "literacy scale set";
        SkillComplete => "skill.complete", "skill course completed";
        PlacementAdd => "placement.add", "placement recorded";
        PlacementEnd => "placement.end", "placement ended";
        PlacementVisit => "placement.visit", "placement visit recorded";
        PlacementSchedule => "placement.schedule", "visit schedule set";
        ImportPeople => "import.people", "people imported";
        ImportServices => "import.services", "services imported";
        ImportAttendance => "import.attendance", "attendance imported";
        ImportActivities => "import.activities", "activities imported";
        ActivityAdd => "activity.add", "activity recorded";
        ReportRun => "report.run", "report run";
        ReportRecords => "report.records", "people behind a report number listed";
    }
);

/// A record an audit entry is about. An entry's target is a
/// space-separated list of these (`person:12 counselling:7`), so the
/// manager's filter by person finds everything about that person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Person(i64),
    Counselling(i64),
    User(i64),
    Class(i64),
    Activity(i64),
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Person(id) => write!(f, "person:{id}"),
            Target::Counselling(id) => write!(f, "counselling:{id}"),
            Target::User(id) => write!(f, "user:{id}"),
            Target::Class(id) => write!(f, "class:{id}"),
            Target::Activity(id) => write!(f, "activity:{id}"),
        }
    }
}

/// The stored form of a list of targets.
pub fn targets(list: &[Target]) -> String {
    list.iter()
        .map(Target::to_string)
        .collect::<Vec<_>>()
        .join(" ")
}

/// `person:P [person:Q …] counselling:S`: the session's person, any group
/// participants, then the session.
pub fn counselling_targets(persons: &[i64], session: i64) -> String {
    let mut list: Vec<Target> = persons.iter().map(|p| Target::Person(*p)).collect();
    list.push(Target::Counselling(session));
    targets(&list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for a in AuditAction::ALL {
            assert!(seen.insert(a.code()), "{} twice", a.code());
            assert_eq!(a.code().parse::<AuditAction>().ok(), Some(*a));
        }
    }

    #[test]
    fn targets_read_as_before() {
        assert_eq!(
            counselling_targets(&[3, 4], 9),
            "person:3 person:4 counselling:9"
        );
        assert_eq!(targets(&[Target::User(2)]), "user:2");
    }
}
