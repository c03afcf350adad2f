//! The report read on two connections sees one snapshot; the records
//! behind a number are named for the manager only.

use chrono::NaiveDate;

use super::*;
use crate::domain::person::NewPerson;
use crate::domain::{Centre, ReferralSource, RiskLevel, Role, Sex};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn child(name: &str, registered_on: &str) -> NewPerson {
    let registered_on = d(registered_on);
    NewPerson {
        programme: Programme::Cpc,
        name: name.into(),
        father_name: String::new(),
        alias: String::new(),
        sex: Sex::Male,
        birth_date: Some(d("2012-03-04")),
        age_estimated: false,
        cnic: String::new(),
        phone: String::new(),
        area: String::new(),
        address: String::new(),
        guardian_name: String::new(),
        guardian_relation: String::new(),
        school_status: String::new(),
        work_status: String::new(),
        referral_source: ReferralSource::OutreachSpot,
        referral_detail: String::new(),
        concerns: vec![Concern::AtRisk],
        consent_by: String::new(),
        consent_date: None,
        consent_services: false,
        consent_sharing: false,
        risk: RiskLevel::Low,
        risk_reason: String::new(),
        worker_id: None,
        centre: Centre::Cpc,
        registered_on,
    }
}

/// The previous period read on a second connection gives the same
/// report as one connection; and when another terminal writes between
/// the two snapshots, the second connection's read is not used.
#[test]
fn both_periods_come_from_one_snapshot() {
    crate::vault::crypto::pin_work_factor(10);
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = crate::paths::OfficePaths::new(dir.path().join("o.casedesk"));
    let password = age::secrecy::SecretString::from("kite river lantern 7".to_string());
    let (mut s, _) = crate::office::create_office(&paths, "T", "amina", &password).expect("office");
    for (name, on) in [("Asad", "2025-12-10"), ("Bilawal", "2026-01-20")] {
        s.register_person(&child(name, on)).expect("register");
    }
    let p = Period::new(d("2026-01-01"), d("2026-01-31")).expect("period");
    let one = {
        let tx = s.conn().unchecked_transaction().expect("tx");
        build(&tx, p, None).expect("one connection")
    };
    let two = {
        let tx = s.conn().unchecked_transaction().expect("tx");
        build(&tx, p, Some(s.worker().expect("worker"))).expect("two connections")
    };
    assert_eq!(one, two);
    let new = |r: &Report, prev: bool| {
        let i = r.indicator("new_cases").expect("new cases");
        if prev { &i.previous } else { &i.current }.cells.total()
    };
    assert_eq!((new(&one, false), new(&one, true)), (1, 1));

    // This snapshot begins; another terminal then registers someone
    // in the previous period; the helper, starting after, sees it.
    let mut other = crate::office::login(&paths, "amina", &password).expect("login");
    let tx = s.conn().unchecked_transaction().expect("tx");
    snapshot(&tx).expect("snapshot begins");
    other
        .register_person(&child("Chakar", "2025-12-11"))
        .expect("register");
    let r = build(&tx, p, Some(s.worker().expect("worker"))).expect("report");
    assert_eq!(new(&r, true), 1, "the previous period from this snapshot");
    drop(tx);
    let after = s.report(p, false).expect("report");
    assert_eq!(new(&after, true), 2);
}

/// The drill-down names exactly the people behind a number, for the
/// manager only, and is recorded in the audit trail.
#[test]
fn the_records_behind_a_number_are_named_for_the_manager_only() {
    crate::vault::crypto::pin_work_factor(10);
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = crate::paths::OfficePaths::new(dir.path().join("o.casedesk"));
    let password = age::secrecy::SecretString::from("kite river lantern 7".to_string());
    let (mut s, _) = crate::office::create_office(&paths, "T", "amina", &password).expect("office");
    for (name, on) in [
        ("Asad", "2026-01-10"),
        ("Bilawal", "2026-01-20"),
        ("Chakar", "2025-12-01"),
    ] {
        s.register_person(&child(name, on)).expect("register");
    }
    s.add_user("sara", Role::Staff, &password).expect("staff");
    let p = Period::new(d("2026-01-01"), d("2026-01-31")).expect("period");
    let r = s.report(p, false).expect("report");
    let new = r.indicator("new_cases").expect("new cases");
    let Records::People(people) = s
        .report_records(p, new.record_kind, &new.current.records)
        .expect("records")
    else {
        panic!("people");
    };
    let names: Vec<&str> = people.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Asad", "Bilawal"]);
    assert!(people.iter().all(|p| p.cell.is_some()));
    // Audited as its own action, with the count and never a name.
    let entries = s
        .audit_entries(&crate::office::audit::AuditFilter {
            action: Some("report.records".into()),
            ..Default::default()
        })
        .expect("audit");
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert!(
        entries[0].detail.starts_with("2 rows"),
        "{}",
        entries[0].detail
    );
    assert!(!entries[0].detail.contains("Asad") && !entries[0].target.contains("Asad"));
    let staff = crate::office::login(&paths, "sara", &password).expect("login");
    assert!(matches!(
        staff.report_records(p, new.record_kind, &new.current.records),
        Err(crate::Error::NotAllowed(_))
    ));
}
