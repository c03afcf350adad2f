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
    DueCounts, DueKind, NewPlacement, PlacementKind, PlacementStatus, Standing, VisitDone,
    VisitOutcome, VisitState,
};
use casedesk::domain::{
    CaseStatus, Centre, ClosureReason, Concern, Programme, ReferralSource, RiskLevel, Role, Sex,
};
use casedesk::office::Session;
use casedesk::office::placements::DueFilter;

mod office_support;
use office_support::{Office, ok};

/// The accounts these tests use beside the manager.
fn office() -> Office {
    Office::with(&[("staff", Role::Staff), ("other", Role::Staff)])
}

fn today() -> NaiveDate {
    casedesk::clock::today()
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

/// This thread's clock on `day`: what is recorded meanwhile is entered
/// on that day (a placement entered on its start day has no visit that
/// fell due before it was entered).
fn on(day: NaiveDate) -> casedesk::clock::FixedClock {
    casedesk::clock::fixed(day.and_hms_opt(9, 0, 0).expect("time"))
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
    let id = {
        let _entered = on(start);
        a.add_placement(&job(p, start), false).expect("placement")
    };
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
            &today().to_string(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // As the list will be 20 days on: the first visit (after 2 weeks) 6
    // days late.
    let later = (today() + Duration::days(20)).to_string();
    let out = o.run(
        "staff",
        &[
            "followup",
            "list",
            "--overdue",
            "--format",
            "csv",
            "--today",
            &later,
        ],
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
        let starts = start + Duration::days(i * 10);
        {
            let _entered = on(starts);
            s.add_placement(&job(p, starts), false).expect("placement");
        }
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

/// A placement entered years after it started (an old register brought
/// in) makes no backlog: the visits that fell due before it was entered
/// are "not recorded (entered later)", neither due nor overdue nor made,
/// and the report counts none of them; one that was made can still be
/// recorded, and then counts.
#[test]
fn a_back_entered_placement_makes_no_backlog() {
    let o = office();
    let mut s = o.login("staff");
    let (_, case) = s
        .register_person(&youth("Back entered", d(2013, 1, 10), None))
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
            "--start",
            "2013-03-01",
        ],
    );
    let (id, said) = ok(&out);
    let id: i64 = id.trim().parse().expect("the placement's id");
    assert!(
        said.contains("4 of its visits fell due before today")
            && said.contains("not recorded (entered later)"),
        "what was not scheduled is said: {said}"
    );
    for filter in [&[][..], &["--overdue"][..]] {
        let mut args = vec![
            "followup",
            "list",
            "--format",
            "csv",
            "--today",
            "2026-12-07",
        ];
        args.extend_from_slice(filter);
        let (list, _) = ok(&o.run("staff", &args));
        assert_eq!(list.lines().count(), 1, "only the header: {list}");
    }
    let (list, _) = ok(&o.run("staff", &["placement", "list", "--format", "csv"]));
    let row = list.lines().find(|l| l.contains(&case)).expect("ours");
    assert!(row.ends_with(",,"), "no visit made, none due next: {row}");

    let mut s = o.login("staff");
    let day = d(2026, 12, 7);
    let visits = s.placement_visits(id).expect("visits");
    assert_eq!(visits.len(), 4, "the whole schedule is kept");
    assert!(
        visits
            .iter()
            .all(|v| v.state(day) == VisitState::NotRecorded),
        "{visits:?}"
    );
    assert_eq!(
        s.due_counts(day, DueFilter::default()).expect("counts"),
        DueCounts::default()
    );
    let c = s
        .placement_counts(d(2013, 1, 1), d(2013, 12, 31))
        .expect("counts");
    assert_eq!(
        (c.jobs, c.visits_made, c.working_at_3_months),
        (1, 0, 0),
        "a visit not recorded is not a visit made"
    );
    // The period report's follow-up figures say the same.
    let year =
        casedesk::office::reports::Period::new(d(2013, 1, 1), d(2013, 12, 31)).expect("period");
    let report_visits = |key: &str| {
        let r = o.login("manager").report(year, false).expect("report");
        let f = &r.indicator(key).expect("indicator").current;
        (f.cells.total(), f.events)
    };
    assert_eq!(report_visits("placements.visits"), (0, Some(0)));
    assert_eq!(report_visits("placements.working_3m").0, 0);
    // The visit at 3 months was made after all: recorded, it counts.
    let three = &visits[2];
    assert_eq!(three.due_on, d(2013, 5, 30));
    s.record_visit(three.id, &visit(VisitOutcome::StillWorking, d(2013, 6, 2)))
        .expect("recorded late");
    let c = s
        .placement_counts(d(2013, 1, 1), d(2013, 12, 31))
        .expect("counts");
    assert_eq!((c.visits_made, c.working_at_3_months), (1, 1));
    assert_eq!(report_visits("placements.visits"), (1, Some(1)));
    let states: Vec<VisitState> = s
        .placement_visits(id)
        .expect("visits")
        .iter()
        .map(|v| v.state(day))
        .collect();
    assert_eq!(
        states,
        [
            VisitState::NotRecorded,
            VisitState::NotRecorded,
            VisitState::Done,
            VisitState::NotRecorded
        ]
    );
    assert_eq!(
        o.count("SELECT count(*) FROM audit WHERE action = 'placement.add' AND detail LIKE '%4 visits entered later'"),
        1
    );
}

/// A visit not made stays due only until a later visit of the same
/// placement is made: then it is missed, the person is on the list once
/// (for the visit still to make), and "next due" is never before the last
/// visit. Ending the placement keeps what happened.
#[test]
fn a_missed_visit_is_not_due_once_a_later_one_is_made() {
    let o = office();
    let mut s = o.login("staff");
    let start = d(2026, 6, 1);
    let (p, case) = s
        .register_person(&youth("Missed", d(2026, 5, 1), None))
        .expect("register");
    let id = {
        let _entered = on(start);
        s.add_placement(&job(p, start), false).expect("placement")
    };
    let today = d(2026, 12, 7);
    let _clock = on(today);
    let visits = s.placement_visits(id).expect("visits");
    let due = s.due_list(today, DueFilter::default(), 100).expect("due");
    assert_eq!(due.len(), 4, "none made: all four late");
    // The visit at 3 months (due 30 August) is made on 2 September.
    s.record_visit(
        visits[2].id,
        &visit(VisitOutcome::StillWorking, d(2026, 9, 2)),
    )
    .expect("visit");
    let due = s.due_list(today, DueFilter::default(), 100).expect("due");
    assert_eq!(
        due.iter().map(|x| x.id).collect::<Vec<_>>(),
        [visits[3].id],
        "the two before it are missed, not due: {due:?}"
    );
    assert_eq!(
        s.due_counts(today, DueFilter::default()).expect("counts"),
        DueCounts {
            overdue: 1,
            today: 0
        }
    );
    let states: Vec<VisitState> = s
        .placement_visits(id)
        .expect("visits")
        .iter()
        .map(|v| v.state(today))
        .collect();
    assert_eq!(
        states,
        [
            VisitState::Missed,
            VisitState::Missed,
            VisitState::Done,
            VisitState::Open(Standing::Overdue)
        ]
    );
    let pl = s.placement(id).expect("placement");
    assert_eq!(pl.last_visit, Some(d(2026, 9, 2)));
    assert_eq!(pl.next_due, Some(d(2026, 11, 28)), "not the missed 15 June");
    // The CLI says the same.
    let (list, _) = ok(&o.run(
        "staff",
        &[
            "followup",
            "list",
            "--format",
            "csv",
            "--today",
            "2026-12-07",
        ],
    ));
    assert_eq!(
        list.lines().filter(|l| l.contains(&case)).count(),
        1,
        "{list}"
    );
    let (list, _) = ok(&o.run("staff", &["placement", "list", "--format", "csv"]));
    let row = list.lines().find(|l| l.contains(&case)).expect("ours");
    assert!(row.ends_with(",2026-09-02,2026-11-28"), "{row}");
    // A missed visit can still be recorded (made after all, recorded late).
    // Ending the placement drops only the visit still to make.
    s.end_placement(id, today, "moved to Karachi").expect("end");
    let states: Vec<VisitState> = s
        .placement_visits(id)
        .expect("visits")
        .iter()
        .map(|v| v.state(today))
        .collect();
    assert_eq!(
        states,
        [VisitState::Missed, VisitState::Missed, VisitState::Done]
    );
}

/// The counts are the whole list's, whatever its limit and filters, and
/// `followup list` prints as many rows.
#[test]
fn the_due_counts_are_the_whole_lists() {
    let o = office();
    let mut s = o.login("staff");
    let me = s.user().id;
    let today = d(2026, 12, 7);
    let _clock = on(today);
    let (p, _) = s
        .register_person(&youth("Counted", d(2026, 1, 5), Some(me)))
        .expect("register");
    let (q, _) = s
        .register_person(&youth("Other's", d(2026, 1, 5), None))
        .expect("register");
    for i in 0..70 {
        s.add_follow_up(
            if i % 3 == 0 { q } else { p },
            &NewFollowUp {
                due_on: today - Duration::days(i % 40),
                purpose: format!("visit {i}"),
            },
        )
        .expect("follow-up");
    }
    {
        let _entered = on(d(2026, 6, 1));
        s.add_placement(&job(p, d(2026, 6, 1)), false)
            .expect("placement");
    }
    let filters = [
        DueFilter::default(),
        DueFilter {
            overdue: true,
            ..Default::default()
        },
        DueFilter {
            mine: true,
            ..Default::default()
        },
        DueFilter {
            kind: Some(DueKind::Placement),
            ..Default::default()
        },
        DueFilter {
            kind: Some(DueKind::Case),
            overdue: true,
            mine: true,
        },
    ];
    for f in filters {
        let all = s.due_list(today, f, 10_000).expect("all");
        let counts = s.due_counts(today, f).expect("counts");
        let late = all
            .iter()
            .filter(|x| x.standing(today) == Standing::Overdue)
            .count();
        assert_eq!(counts.total(), all.len(), "{f:?}");
        assert_eq!(counts.overdue, late, "{f:?}");
        assert!(s.due_list(today, f, 50).expect("head").len() <= 50);
    }
    let counts = s.due_counts(today, DueFilter::default()).expect("counts");
    assert!(counts.total() > 50 && counts.today > 0, "{counts:?}");
    for (args, n) in [
        (&[][..], counts.total()),
        (&["--overdue"][..], counts.overdue),
    ] {
        let mut all = vec![
            "followup",
            "list",
            "--format",
            "csv",
            "--today",
            "2026-12-07",
        ];
        all.extend_from_slice(args);
        let (list, _) = ok(&o.run("staff", &all));
        assert_eq!(list.lines().count() - 1, n, "{args:?}");
    }
}

#[test]
fn a_child_under_14_or_under_18_in_hazardous_work_needs_a_confirmed_reason() {
    let o = office();
    let mut s = o.login("staff");
    let intake = today() - Duration::days(30);
    let (child, case) = s
        .register_person(&NewPerson {
            birth_date: Some(estimated_birth_date(8, intake)),
            ..youth("Young Child", intake, None)
        })
        .expect("register an 8-year-old");
    let (teen, _) = s
        .register_person(&youth("Teen", intake, None))
        .expect("register a 16-year-old");

    // The office layer: an 8-year-old in hotel work is refused, in the
    // law's words, and nothing is saved.
    let hotel = NewPlacement {
        trade: "hotel work".into(),
        employer: "Quetta hotel".into(),
        ..job(child, today())
    };
    let e = s.add_placement(&hotel, false).expect_err("under 14");
    let message = e.to_string();
    assert!(message.contains("under 14"), "{message}");
    assert!(
        message.contains("Employment of Children Act 1991"),
        "{message}"
    );
    assert!(!message.contains("Young Child"), "no name: {message}");
    // 16 in a brick kiln: hazardous work under 18. 16 in tailoring: fine.
    let kiln = NewPlacement {
        trade: "labour".into(),
        employer: "Sariab brick kiln".into(),
        ..job(teen, today())
    };
    let e = s
        .add_placement(&kiln, false)
        .expect_err("hazardous under 18");
    assert!(e.to_string().contains("hazardous"), "{e}");
    assert_eq!(
        s.placement_underage(&job(teen, today())).expect("check"),
        None
    );
    assert_eq!(o.count("SELECT count(*) FROM placements"), 0);
    drop(s);

    // The command line: exit 1, one plain error line naming the option,
    // nothing recorded; with a reason it is recorded and the reason audited.
    let start = today().to_string();
    let mut args = vec![
        "placement",
        "add",
        &case,
        "--kind",
        "job",
        "--trade",
        "hotel work",
        "--employer",
        "Quetta hotel",
        "--start",
        &start,
    ];
    let (_, err) = office_support::failed(&o.run("staff", &args), 1);
    assert!(
        err.contains("under 14") && err.contains("--confirm-underage"),
        "{err}"
    );
    assert!(!err.contains("Young Child"), "no name: {err}");
    assert_eq!(o.count("SELECT count(*) FROM placements"), 0);
    args.extend([
        "--confirm-underage",
        "supervised apprenticeship at the centre",
    ]);
    ok(&o.run("staff", &args));
    assert_eq!(o.count("SELECT count(*) FROM placements"), 1);
    let detail = o.query("SELECT detail FROM audit WHERE action = 'placement.add'");
    assert_eq!(detail.len(), 1, "{detail:?}");
    assert!(
        detail[0][0].ends_with("; under 14 confirmed: supervised apprenticeship at the centre"),
        "{detail:?}"
    );
    // A reason that is blank is no reason.
    args.pop();
    args.push("  ");
    office_support::failed(&o.run("staff", &args), 1);
    assert_eq!(o.count("SELECT count(*) FROM placements"), 1);
}
