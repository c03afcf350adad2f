//! Placements in jobs and small businesses, their follow-up visits and the
//! Follow-ups list, on real office files: the rules, the office layer, the
//! counts reports use, two desks recording one visit, and the scripting
//! surface (`placement`, `followup`).

use chrono::{Duration, NaiveDate, NaiveTime};

use casedesk::Error;
use casedesk::domain::casework::{NewFollowUp, StatusChange};
use casedesk::domain::classes::{ClassKind, NewClass};
use casedesk::domain::person::{NewPerson, PersonId, estimated_birth_date};
use casedesk::domain::placements::{
    DueKind, NewPlacement, PlacementKind, PlacementStatus, VisitDone, VisitOutcome,
};
use casedesk::domain::{
    CaseStatus, Centre, ClosureReason, Concern, Programme, ReferralSource, RiskLevel, Role, Sex,
};
use casedesk::office::Session;
use casedesk::office::placements::DueFilter;

mod office_support;
use office_support::Office;

/// The accounts these tests use beside the manager.
fn office() -> Office {
    Office::with(&[("staff", Role::Staff), ("other", Role::Staff)])
}

fn today() -> NaiveDate {
    casedesk::clock::today()
}

fn youth(name: &str, registered_on: NaiveDate, worker: Option<i64>) -> NewPerson {
    NewPerson {
        programme: Programme::Cpc,
        name: name.into(),
        father_name: "Father".into(),
        alias: String::new(),
        sex: Sex::Male,
        birth_date: Some(estimated_birth_date(16, registered_on)),
        age_estimated: true,
        cnic: String::new(),
        phone: String::new(),
        area: "Sariab".into(),
        address: String::new(),
        guardian_name: String::new(),
        guardian_relation: "uncle".into(),
        school_status: String::new(),
        work_status: String::new(),
        referral_source: ReferralSource::OutreachSpot,
        referral_detail: String::new(),
        concerns: vec![Concern::StreetWorking],
        consent_by: "uncle".into(),
        consent_date: Some(registered_on),
        consent_services: true,
        consent_sharing: false,
        risk: RiskLevel::Low,
        risk_reason: String::new(),
        worker_id: worker,
        centre: Centre::Cpc,
        registered_on,
    }
}

fn job(person: PersonId, starts_on: NaiveDate) -> NewPlacement {
    NewPlacement {
        person_id: person.0,
        kind: Some(PlacementKind::Job),
        starts_on: Some(starts_on),
        trade: "tailoring".into(),
        employer: "Jinnah Road tailors".into(),
        contact_person: "the owner".into(),
        contact_phone: "081-2834567".into(),
        wage: Some(12_000),
        hours: "9 to 5".into(),
        ..Default::default()
    }
}

fn visit(outcome: VisitOutcome, on: NaiveDate) -> VisitDone {
    VisitDone {
        done_on: on,
        outcome,
        problems: "long hours".into(),
        support: "talked with the employer".into(),
        next_step: "visit as planned".into(),
    }
}

#[test]
fn bad_placements_are_refused_and_nothing_is_saved() {
    let o = office();
    let mut s = o.login("staff");
    let intake = today() - Duration::days(100);
    let (p, _) = s
        .register_person(&youth("Youth", intake, None))
        .expect("register");
    let bad = [
        (job(p, intake - Duration::days(1)), "before the intake"),
        (
            job(p, today() + Duration::days(8)),
            "more than a week ahead",
        ),
        (
            NewPlacement {
                wage: Some(-100),
                ..job(p, today())
            },
            "negative",
        ),
        (
            NewPlacement {
                wage: Some(5_000_000),
                ..job(p, today())
            },
            "not believable",
        ),
        (
            NewPlacement {
                employer: String::new(),
                ..job(p, today())
            },
            "employer",
        ),
    ];
    for (placement, words) in bad {
        let e = s.add_placement(&placement, false).expect_err(words);
        assert!(e.to_string().contains(words), "{words}: {e}");
    }
    assert_eq!(o.count("SELECT count(*) FROM placements"), 0);
    assert_eq!(o.count("SELECT count(*) FROM placement_visits"), 0);
    // Up to a week ahead is fine; its visits follow the default schedule.
    let id = s
        .add_placement(&job(p, today() + Duration::days(7)), false)
        .expect("ok");
    let visits = s.placement_visits(id).expect("visits");
    let due: Vec<i64> = visits
        .iter()
        .map(|v| (v.due_on - (today() + Duration::days(7))).num_days())
        .collect();
    assert_eq!(due, [14, 30, 90, 180]);
}

#[test]
fn a_closed_case_needs_a_recorded_confirmation() {
    let o = office();
    let mut s = o.login("staff");
    let intake = today() - Duration::days(200);
    let (p, _) = s
        .register_person(&youth("Closed", intake, None))
        .expect("register");
    for (to, on, reason) in [
        (CaseStatus::Active, intake, None),
        (
            CaseStatus::Closed,
            today() - Duration::days(10),
            Some(ClosureReason::PlacedInJob),
        ),
    ] {
        s.change_status(
            p,
            &StatusChange {
                to,
                on_date: on,
                reason,
            },
        )
        .expect("status");
    }
    let e = s
        .add_placement(&job(p, today() - Duration::days(5)), false)
        .expect_err("closed");
    assert!(e.to_string().contains("closed"), "{e}");
    assert_eq!(o.count("SELECT count(*) FROM placements"), 0);
    s.add_placement(&job(p, today() - Duration::days(5)), true)
        .expect("confirmed");
    assert_eq!(
        o.count(
            "SELECT count(*) FROM audit WHERE action = 'placement.add'
             AND detail LIKE '%closed case confirmed'"
        ),
        1
    );
}

#[test]
fn visits_move_the_due_list_and_two_desks_cannot_record_one_visit() {
    let o = office();
    let mut a = o.login("staff");
    let mut b = o.login("other");
    let me = a.user().id;
    let start = today() - Duration::days(40);
    let (p, _) = a
        .register_person(&youth("Mine", start - Duration::days(30), Some(me)))
        .expect("register");
    let id = a.add_placement(&job(p, start), false).expect("placement");
    // A case follow-up from the file is on the same list.
    a.add_follow_up(
        p,
        &NewFollowUp {
            due_on: today() - Duration::days(3),
            purpose: "home visit".into(),
        },
    )
    .expect("follow-up");
    let due = a.due_list(today(), DueFilter::default(), 100).expect("due");
    let kinds: Vec<(DueKind, i64)> = due.iter().map(|d| (d.kind, d.days_late(today()))).collect();
    // Two visits due (14 and 30 days after the start), then the follow-up.
    assert_eq!(
        kinds,
        [
            (DueKind::Placement, 26),
            (DueKind::Placement, 10),
            (DueKind::Case, 3)
        ]
    );
    assert_eq!(
        b.due_list(
            today(),
            DueFilter {
                mine: true,
                ..Default::default()
            },
            100
        )
        .expect("b mine")
        .len(),
        0,
        "not other's cases"
    );
    assert_eq!(
        a.due_list(
            today(),
            DueFilter {
                kind: Some(DueKind::Case),
                ..Default::default()
            },
            100
        )
        .expect("case only")
        .len(),
        1
    );
    // Two desks open the first visit; the second save is a conflict.
    let first = due[0].id;
    a.record_visit(first, &visit(VisitOutcome::StillWorking, today()))
        .expect("a records");
    let e = b
        .record_visit(first, &visit(VisitOutcome::LostJob, today()))
        .expect_err("b too");
    assert!(matches!(e, Error::Conflict(_)), "{e}");
    let after = a.due_list(today(), DueFilter::default(), 100).expect("due");
    assert_eq!(after.len(), 2, "the list moved on");
    let p1 = a.placement(id).expect("placement");
    assert_eq!(p1.status, PlacementStatus::Working);
    assert_eq!(p1.last_visit, Some(today()));
    // A job's visit cannot say a business closed; an ended placement takes
    // no visits.
    let second = after[0].id;
    assert!(
        a.record_visit(second, &visit(VisitOutcome::BusinessClosed, today()))
            .is_err()
    );
    a.end_placement(id, today(), "moved to Karachi")
        .expect("end");
    let e = a
        .record_visit(second, &visit(VisitOutcome::StillWorking, today()))
        .expect_err("ended");
    assert!(
        e.to_string().contains("ended") || e.to_string().contains("no placement visit"),
        "{e}"
    );
    assert!(a.end_placement(id, today(), "again").is_err());
    assert_eq!(
        o.count("SELECT count(*) FROM audit WHERE action = 'placement.visit'"),
        1
    );
}

#[test]
fn counts_for_reports() {
    let o = office();
    let mut s = o.login("staff");
    let start = today() - Duration::days(400);
    let teacher = s.account_named("staff").expect("t").map(|u| u.id);
    let course = s
        .add_class(&NewClass {
            kind: ClassKind::Skill,
            name: "Tailoring".into(),
            trade: "tailoring".into(),
            teacher_id: teacher,
            days: "mon,wed,fri".parse().expect("days"),
            starts_at: NaiveTime::from_hms_opt(14, 0, 0),
            ends_at: NaiveTime::from_hms_opt(17, 0, 0),
            starts_on: start,
            ends_on: None,
            room: String::new(),
        })
        .expect("class");
    let placed = start + Duration::days(20);
    let mut ids = Vec::new();
    for i in 0..4 {
        let (p, _) = s
            .register_person(&youth(&format!("Y{i}"), start, None))
            .expect("register");
        let mut pl = job(p, placed);
        if i == 3 {
            pl = NewPlacement {
                kind: Some(PlacementKind::Business),
                employer: String::new(),
                business_kind: "tea stall".into(),
                grant: Some(20_000),
                wage: None,
                ..pl
            };
        }
        if i == 0 {
            pl.skill_class_id = Some(course);
        }
        ids.push(s.add_placement(&pl, false).expect("placement"));
    }
    // Visits: Y0 working at 3 and 6 months; Y1 working at 3, lost by 6;
    // Y2 never visited; the business running at 6 months.
    let visit_at = |s: &mut Session, placement: i64, days: i64, outcome: VisitOutcome| {
        let v = s
            .placement_visits(placement)
            .expect("visits")
            .into_iter()
            .find(|v| (v.due_on - placed).num_days() == days)
            .expect("scheduled");
        s.record_visit(v.id, &visit(outcome, placed + Duration::days(days)))
            .expect("visit");
    };
    visit_at(&mut s, ids[0], 90, VisitOutcome::StillWorking);
    visit_at(&mut s, ids[0], 180, VisitOutcome::StillWorking);
    visit_at(&mut s, ids[1], 90, VisitOutcome::ChangedJob);
    visit_at(&mut s, ids[1], 180, VisitOutcome::LostJob);
    visit_at(&mut s, ids[3], 180, VisitOutcome::BusinessRunning);
    let c = s.placement_counts(placed, placed).expect("counts");
    assert_eq!(
        (
            c.jobs,
            c.businesses,
            c.after_skill_course,
            c.working_at_3_months,
            c.working_at_6_months
        ),
        (3, 1, 1, 2, 2)
    );
    // Visits made in a period: inclusive dates.
    let c = s
        .placement_counts(placed + Duration::days(90), placed + Duration::days(90))
        .expect("counts");
    assert_eq!((c.jobs, c.visits_made), (0, 2));
    let c = s
        .placement_counts(placed + Duration::days(91), placed + Duration::days(179))
        .expect("counts");
    assert_eq!(c.visits_made, 0);
}

#[test]
fn the_scripting_surface() {
    let o = office();
    let mut s = o.login("staff");
    let (p, case) = s
        .register_person(&youth("Script", today() - Duration::days(60), None))
        .expect("register");
    drop(s);
    let out = o.run(
        "staff",
        &[
            "placement",
            "add",
            &case,
            "--kind",
            "job",
            "--employer",
            "Quetta hotel",
            "--wage",
            "9000",
            "--start",
            &(today() - Duration::days(20)).to_string(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = o.run(
        "staff",
        &["followup", "list", "--overdue", "--format", "csv"],
    );
    let csv = String::from_utf8_lossy(&out.stdout).to_string();
    let row = csv.lines().nth(1).expect("one due visit");
    assert!(
        row.starts_with('V') && row.contains(&case) && row.contains(",6,"),
        "{csv}"
    );
    let key = row.split(',').next().expect("id");
    let out = o.run("staff", &["followup", "visit", key]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a placement visit needs its outcome"
    );
    let out = o.run(
        "staff",
        &["followup", "visit", key, "--outcome", "still_working"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = o.run(
        "staff",
        &["followup", "visit", key, "--outcome", "still_working"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .starts_with("error: this visit has been recorded already")
    );
    let out = o.run("staff", &["followup", "visit", "X9"]);
    assert_eq!(out.status.code(), Some(2));
    let out = o.run(
        "staff",
        &[
            "placement",
            "list",
            "--status",
            "working",
            "--format",
            "csv",
        ],
    );
    let list = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(list.lines().count(), 2, "{list}");
    let _ = p;
}

#[test]
fn the_manager_changes_the_visit_schedule_for_new_placements() {
    let o = office();
    let out = o.run("staff", &["placement", "schedule", "7,60"]);
    assert_eq!(out.status.code(), Some(3), "staff may not change it");
    let out = o.run("manager", &["placement", "schedule", "60,7"]);
    assert_eq!(out.status.code(), Some(1), "days must rise");
    let out = o.run("manager", &["placement", "schedule", "7,60"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "7,60");
    let mut s = o.login("staff");
    let intake = today() - Duration::days(30);
    let (p, _) = s
        .register_person(&youth("Sched", intake, None))
        .expect("register");
    let id = s.add_placement(&job(p, today()), false).expect("placement");
    let due: Vec<i64> = s
        .placement_visits(id)
        .expect("visits")
        .iter()
        .map(|v| (v.due_on - today()).num_days())
        .collect();
    assert_eq!(due, [7, 60]);
}

/// The due list cuts at its limit across both kinds together: with
/// visits and follow-ups interleaved by date, the first N are the N most
/// late of either kind, in the same order as the whole list.
#[test]
fn a_short_due_list_is_the_head_of_the_whole_list() {
    let o = office();
    let mut s = o.login("staff");
    let intake = today() - Duration::days(300);
    let start = today() - Duration::days(200);
    for i in 0..4 {
        let (p, _) = s
            .register_person(&youth(&format!("Youth {i}"), intake, None))
            .expect("register");
        s.add_placement(&job(p, start + Duration::days(i * 10)), false)
            .expect("placement");
        for late in [3 + i * 50, 100 + i * 13, 250 - i * 17] {
            s.add_follow_up(
                p,
                &NewFollowUp {
                    due_on: today() - Duration::days(late),
                    purpose: format!("visit {late}"),
                },
            )
            .expect("follow-up");
        }
    }
    let whole = s
        .due_list(today(), DueFilter::default(), 1000)
        .expect("all");
    assert!(whole.iter().any(|d| d.kind == DueKind::Placement));
    assert!(whole.iter().any(|d| d.kind == DueKind::Case));
    let key = |d: &casedesk::domain::placements::DueItem| (d.kind, d.id);
    for n in [1, 3, 5, 8, 13] {
        let head = s.due_list(today(), DueFilter::default(), n).expect("head");
        assert_eq!(
            head.iter().map(key).collect::<Vec<_>>(),
            whole.iter().take(n).map(key).collect::<Vec<_>>(),
            "first {n}"
        );
    }
    let days: Vec<i64> = whole.iter().map(|d| d.days_late(today())).collect();
    assert!(days.windows(2).all(|w| w[0] >= w[1]), "{days:?}");
}
