//! The one rulebook (`office::rules`) against the office itself: for
//! every capability, an office method that needs it is called by every
//! role on a real office file, and the method refuses ("not allowed",
//! exit code 3 on the CLI) exactly when the rulebook says the role lacks
//! the capability. A method that asks nothing, or asks the wrong
//! capability, fails here. Each role works in its own office, so what
//! one role may change (a rekey, a setting) cannot decide another's
//! outcome.

mod office_support;

use std::path::Path;

use casedesk::Error;
use casedesk::domain::Role;
use casedesk::domain::activities::{ActivityKind, NewActivity};
use casedesk::domain::counselling::SessionId;
use casedesk::domain::person::{NewPerson, PersonId};
use casedesk::domain::placements::Schedule;
use casedesk::domain::reports::{Period, RecordKind};
use casedesk::domain::{Centre, Concern, Programme, ReferralSource, RiskLevel, Sex};
use casedesk::office::Session;
use casedesk::office::casework::RegisterQuery;
use casedesk::office::import::{ImportKind, ImportOptions};
use casedesk::office::rules::Capability;
use chrono::NaiveDate;
use office_support::{Office, secret};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 7).expect("date")
}

fn person() -> NewPerson {
    NewPerson {
        programme: Programme::Cpc,
        name: "Rulebook Test".into(),
        father_name: "Father".into(),
        alias: String::new(),
        sex: Sex::Female,
        birth_date: NaiveDate::from_ymd_opt(2015, 1, 1),
        age_estimated: false,
        cnic: String::new(),
        phone: String::new(),
        area: "Satellite Town".into(),
        address: String::new(),
        guardian_name: String::new(),
        guardian_relation: String::new(),
        school_status: String::new(),
        work_status: String::new(),
        referral_source: ReferralSource::OutreachSpot,
        referral_detail: String::new(),
        concerns: vec![Concern::AtRisk],
        consent_by: "self".into(),
        consent_date: Some(today()),
        consent_services: true,
        consent_sharing: false,
        risk: RiskLevel::Low,
        risk_reason: String::new(),
        worker_id: None,
        centre: Centre::Cpc,
        registered_on: today(),
    }
}

fn activity() -> NewActivity {
    NewActivity {
        kind: ActivityKind::SpotVisit,
        on_date: today(),
        place: "Railway station".into(),
        staff: Vec::new(),
        participants: Vec::new(),
        new_identified: 0,
        persons: Vec::new(),
        note: String::new(),
    }
}

/// Call one office method that needs `cap`. Only whether it was refused
/// for the role matters: a method allowed to run may still fail on the
/// made-up ids it is given.
fn probe(s: &mut Session, cap: Capability, dir: &Path) -> Result<(), Error> {
    use Capability::*;
    let q = RegisterQuery::default();
    let month = Period::parse("2026-11-01", "2026-11-30").expect("period");
    match cap {
        ReadRegister => s.search_register(&q, today()).map(drop),
        CountRegister => s.count_register(&q, today()).map(drop),
        OpenFile => s.find_case_number("CPC-2026-0001").map(drop),
        SeeSessions => s.counselled_persons().map(drop),
        Register => s.likely_duplicates(&person()).map(drop),
        ChangeFile => s.achieve_goal(999_999, today()),
        SeeFollowUps => s.due_follow_ups(today(), None, 10).map(drop),
        SeePlacements => s.placement(999_999).map(drop),
        RecordPlacements => s.end_placement(999_999, today(), "moved"),
        SetVisitSchedule => s.set_visit_schedule(&Schedule(vec![30, 90])),
        SeeClasses => s.classes().map(drop),
        TeachClasses => s.enrol(999_999, PersonId(999_999), today()).map(drop),
        SetLiteracyScale => {
            // Setting the scale it has is allowed or refused all the same.
            let scale = s.literacy_scale()?;
            s.set_literacy_scale(&scale)
        }
        SeeActivities => s.activity(999_999).map(drop),
        RecordActivities => s.add_activity(&activity()).map(drop),
        ReadNotes => s.read_note(SessionId(999_999)).map(drop),
        WriteNotes => s.amend_note(SessionId(999_999), "note").map(drop),
        KeepCounsellingKey => s.grant_counselling("nobody").map(drop),
        ListAccounts => s.accounts().map(drop),
        ManageAccounts => s.disable_user("nobody"),
        ChangeMasterKey => s.rekey().map(drop),
        ReadAudit => s.verify_trail().map(drop),
        RunReports => s.report_for_screen(month).map(drop),
        ReportRecords => s.report_records(month, RecordKind::Person, &[]).map(drop),
        Backup => s.backup_check_key().map(drop),
        Import => {
            let file = dir.join("people.csv");
            std::fs::write(&file, "Name,Sex\n").expect("file");
            s.preview_import(ImportKind::People, &file, &ImportOptions::default())
                .map(drop)
        }
        OfficeSettings => {
            let order = s.date_order()?;
            s.set_date_order(order)
        }
    }
}

#[test]
fn every_office_method_asks_the_rulebook_for_every_role() {
    let mut wrong = Vec::new();
    for role in [Role::Manager, Role::Staff, Role::Psychologist] {
        let office = Office::with(&[("who", role)]);
        let name = if role == Role::Manager {
            "manager"
        } else {
            "who"
        };
        // The rekey goes last: after it the office asks for its new key.
        let mut caps: Vec<Capability> = Capability::all()
            .filter(|c| *c != Capability::ChangeMasterKey)
            .collect();
        caps.push(Capability::ChangeMasterKey);
        for cap in caps {
            let mut s = casedesk::office::login(&office.paths, name, &secret(office_support::PW))
                .expect("login");
            let refused = matches!(
                probe(&mut s, cap, office.dir.path()),
                Err(Error::NotAllowed(_))
            );
            if refused == cap.allows(role) {
                wrong.push(format!(
                    "{role:?} {cap:?}: {} but the rulebook says {}",
                    if refused { "refused" } else { "allowed" },
                    if cap.allows(role) {
                        "allowed"
                    } else {
                        "refused"
                    }
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn every_capability_has_one_row_and_someone_who_has_it() {
    let all: Vec<Capability> = Capability::all().collect();
    for (i, cap) in all.iter().enumerate() {
        assert!(!all[..i].contains(cap), "{cap:?} twice in the rulebook");
        assert!(!cap.roles().is_empty(), "{cap:?}: no one may");
        assert!(!cap.what().is_empty());
    }
    // The counselling notes are the psychologist's alone (DESIGN.md).
    for cap in [Capability::ReadNotes, Capability::WriteNotes] {
        assert_eq!(cap.roles(), &[Role::Psychologist], "{cap:?}");
    }
}

#[test]
fn a_refusal_names_who_may() {
    let office = Office::new();
    let s = office.login("staff");
    match s.need(Capability::ReadAudit) {
        Err(Error::NotAllowed(m)) => assert_eq!(m, "only a manager may read the audit trail"),
        other => panic!("{other:?}"),
    }
}
