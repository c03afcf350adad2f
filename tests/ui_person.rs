//! Snapshots of intake and a person's file at 80x24 (TestBackend + insta),
//! driven through the real `App` on a demo office in a temp dir built on
//! the demo day, the desk's clock (and this thread's) fixed to it. The
//! person shown is registered by the test with fixed dates, so case
//! numbers and dates are shown as drawn, nothing masked.

mod common;

use casedesk::domain::casework::{NewFollowUp, NewGoal, NewService, StatusChange};
use casedesk::domain::classes::{LiteracyScores, Mark, MarkChange};
use casedesk::domain::counselling::NewSession;
use casedesk::domain::person::NewPerson;
use casedesk::domain::person::PersonId;
use casedesk::domain::placements::{NewPlacement, PlacementKind};
use casedesk::domain::{
    CaseStatus, Centre, Concern, CounsellingKind, Programme, ReferralSource, RiskLevel,
    ServiceKind, Sex,
};
use casedesk::office::placements::PlacementConfirm;
use casedesk::store::{persons, write_tx};
use casedesk::ui::App;
use casedesk::ui::screen::ScreenId;
use casedesk::vault::Unlocked;
use chrono::NaiveDate;
use common::desk::{app_on, ctrl, key, keys, screen, typed};
use common::{Office, fix_clock};
use crossterm::event::KeyCode;

const NOTE: &str = "Private words only the psychologist reads";

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

/// Snapshot as drawn.
macro_rules! snap {
    ($name:literal, $text:expr) => {{
        insta::assert_snapshot!($name, $text);
    }};
}

fn person() -> NewPerson {
    NewPerson {
        programme: Programme::Cpc,
        name: "Zarghun Testkhel".into(),
        father_name: "Gul Testkhel".into(),
        alias: "Zari".into(),
        sex: Sex::Male,
        birth_date: Some(d(2014, 3, 10)),
        age_estimated: true,
        cnic: "54400-1234567-1".into(),
        phone: "0300-1234567".into(),
        area: "Satellite Town".into(),
        address: "Near the bus stand".into(),
        guardian_name: "Bibi Testkhel".into(),
        guardian_relation: "mother".into(),
        school_status: "dropped out in class 3".into(),
        work_status: "shoe shining".into(),
        referral_source: ReferralSource::OutreachSpot,
        referral_detail: "Baldia plaza".into(),
        concerns: vec![Concern::AtRisk, Concern::StreetWorking],
        consent_by: "mother".into(),
        consent_date: Some(d(2026, 2, 1)),
        consent_services: true,
        consent_sharing: false,
        risk: RiskLevel::High,
        risk_reason: "Works nights near the cinema".into(),
        worker_id: None,
        centre: Centre::Cpc,
        registered_on: d(2026, 2, 1),
    }
}

/// Registers the test person with a little case work; returns id and
/// case number.
fn file_with_work(office: &Office) -> (PersonId, String) {
    let mut staff = office.login("staff", "demo");
    let mut p = person();
    p.worker_id = Some(staff.user().id);
    let (id, case) = staff.register_person(&p).expect("register");
    staff
        .change_status(
            id,
            &StatusChange {
                to: CaseStatus::Active,
                on_date: d(2026, 2, 3),
                reason: None,
            },
        )
        .expect("active");
    staff
        .add_service(
            id,
            &NewService {
                kind: ServiceKind::MedicalReferral,
                on_date: d(2026, 3, 2),
                detail: "Civil Hospital Quetta".into(),
                note: "Cough for a month".into(),
            },
        )
        .expect("service");
    staff
        .add_follow_up(
            id,
            &NewFollowUp {
                due_on: d(2026, 12, 15),
                purpose: "Home visit with the mother".into(),
            },
        )
        .expect("follow-up");
    staff
        .add_goal(
            id,
            &NewGoal {
                goal: "Back in school by spring".into(),
                target_date: Some(d(2027, 3, 1)),
            },
        )
        .expect("goal");
    let mut psy = office.login("psychologist", "demo");
    psy.record_counselling(
        &NewSession {
            person_id: id.0,
            kind: CounsellingKind::Individual,
            on_date: d(2026, 3, 5),
            minutes: 45,
            participants: Vec::new(),
        },
        NOTE,
    )
    .expect("counselling");
    (id, case)
}

/// From the register: search the case number and open the file.
fn open_file(app: &mut App, case: &str) {
    key(app, KeyCode::Char('2'));
    key(app, KeyCode::Char('/'));
    typed(app, case);
    key(app, KeyCode::Enter);
    key(app, KeyCode::Enter);
    let text = screen(app);
    assert!(text.contains("Zarghun Testkhel"), "{text}");
    assert!(text.contains(" Profile "), "{text}");
}

/// How many times the file was recorded as viewed (read on a raw
/// connection, which records nothing itself).
fn views(s: &Unlocked, id: PersonId) -> i64 {
    s.conn()
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'person.view' AND target = ?1",
            [format!("person:{}", id.0)],
            |r| r.get(0),
        )
        .expect("count")
}

#[test]
fn intake_form_empty_and_with_errors() {
    let _clock = fix_clock();
    let office = Office::demo(30);
    let mut app = app_on(&office, "staff");
    key(&mut app, KeyCode::Char('3'));
    assert_eq!(app.current_screen(), Some(ScreenId::Intake));
    snap!("intake_empty", screen(&app));

    // Name, then a date of birth in the future and a malformed CNIC.
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "Test Child");
    keys(&mut app, KeyCode::Tab, 4);
    typed(&mut app, "2030-01-01");
    keys(&mut app, KeyCode::Tab, 2);
    typed(&mut app, "123-45");
    ctrl(&mut app, 's');
    let text = screen(&app);
    assert!(text.contains("This date is in the future"), "{text}");
    assert!(text.contains("12345-1234567-1"), "{text}");
    // Nothing typed is lost.
    assert!(text.contains("123-45"), "{text}");
    snap!("intake_errors", text);

    // The office's own rules, beside their fields: age out of range for
    // the CPC, a women's-desk concern on a CPC child, consent without who.
    // The focus went to the first problem: sex.
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Tab); // date of birth
    keys(&mut app, KeyCode::Backspace, 10);
    key(&mut app, KeyCode::Tab); // age
    typed(&mut app, "35");
    key(&mut app, KeyCode::Tab); // cnic
    keys(&mut app, KeyCode::Backspace, 6);
    keys(&mut app, KeyCode::Tab, 8); // referral source
    key(&mut app, KeyCode::Char(' '));
    keys(&mut app, KeyCode::Tab, 3); // women's concerns
    key(&mut app, KeyCode::Char(' '));
    keys(&mut app, KeyCode::Tab, 3); // consent to services
    key(&mut app, KeyCode::Char('y'));
    keys(&mut app, KeyCode::Tab, 2); // risk
    key(&mut app, KeyCode::Char(' '));
    ctrl(&mut app, 's');
    let text = screen(&app);
    assert!(text.contains("Age must be 4 to 20"), "{text}");
    snap!("intake_rule_errors", text);
    key(&mut app, KeyCode::Esc);
    assert!(screen(&app).contains("Discard changes?"));
}

#[test]
fn duplicate_warning_then_register_anyway() {
    let _clock = fix_clock();
    let office = Office::demo(30);
    let (existing, case) = file_with_work(&office);
    let mut app = app_on(&office, "staff");
    key(&mut app, KeyCode::Char('3'));
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "Zarghoon Testkhel");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "Gul Testkhel");
    keys(&mut app, KeyCode::Tab, 2);
    key(&mut app, KeyCode::Char('m'));
    key(&mut app, KeyCode::Char(' '));
    keys(&mut app, KeyCode::Tab, 2);
    typed(&mut app, "12");
    keys(&mut app, KeyCode::Tab, 9);
    key(&mut app, KeyCode::Char(' ')); // outreach spot
    keys(&mut app, KeyCode::Tab, 2);
    key(&mut app, KeyCode::Char(' ')); // CSEC
    keys(&mut app, KeyCode::Tab, 6);
    key(&mut app, KeyCode::Char('l')); // low
    key(&mut app, KeyCode::Char(' '));
    ctrl(&mut app, 's');
    let text = screen(&app);
    assert!(text.contains("may be the same person"), "{text}");
    assert!(text.contains(&case), "{text}");
    snap!("intake_duplicates", text);

    // Enter opens the existing file (the view is audited); Esc comes back
    // to the warning with everything typed still there.
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    assert!(
        text.contains("Zarghun Testkhel") && text.contains(" Profile "),
        "{text}"
    );
    key(&mut app, KeyCode::Esc);
    assert!(screen(&app).contains("may be the same person"));
    assert_eq!(views(&office.raw("manager", "demo"), existing), 1);

    // n registers a new person anyway; the case number is shown, then the
    // new file opens.
    key(&mut app, KeyCode::Char('n'));
    let text = screen(&app);
    assert!(text.contains("Registered CPC-2026-"), "{text}");
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    assert!(text.contains("Zarghoon Testkhel"), "{text}");
    assert!(text.contains("age 12 (est.)"), "{text}");
    let s = office.raw("manager", "demo");
    assert_eq!(views(&s, existing), 1);
    let created: i64 = s
        .conn()
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'person.create'",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert!(created >= 2, "intake is audited");
}

#[test]
fn person_file_profile_timeline_and_conflict() {
    let _clock = fix_clock();
    let office = Office::demo(30);
    let (id, case) = file_with_work(&office);
    let mut app = app_on(&office, "staff");
    open_file(&mut app, &case);
    snap!("person_profile", screen(&app));
    let manager = office.raw("manager", "demo");
    assert_eq!(views(&manager, id), 1, "opening the file is audited once");

    key(&mut app, KeyCode::Right);
    let text = screen(&app);
    assert!(text.contains("Civil Hospital"), "{text}");
    assert!(text.contains("individual session"), "{text}");
    assert!(!text.contains("Private words"), "{text}");
    snap!("person_timeline", text);
    key(&mut app, KeyCode::Left);

    // Edit the profile; meanwhile someone else saves the file.
    key(&mut app, KeyCode::Char('e'));
    keys(&mut app, KeyCode::Tab, 9); // area
    keys(&mut app, KeyCode::End, 1);
    typed(&mut app, " Block 4");
    {
        let mut other = office.login("manager", "demo");
        let mut p = other.person(id).expect("load");
        let version = p.version;
        p.profile.phone = "0311-7654321".into();
        p.profile.risk = RiskLevel::Medium;
        other
            .update_person(id, version, &p.profile)
            .expect("theirs");
    }
    ctrl(&mut app, 's');
    let text = screen(&app);
    assert!(text.contains("Someone else saved this file"), "{text}");
    snap!("person_conflict", text);
    // Closing the message: our typing is still in the form, their change
    // beside its field; saving again keeps both.
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    assert!(text.contains("Satellite Town Block 4"), "{text}");
    ctrl(&mut app, 's');
    let p = persons::load_person(manager.conn(), id).expect("load");
    assert_eq!(p.profile.area, "Satellite Town Block 4");
    assert_eq!(p.profile.phone, "0311-7654321");
    assert_eq!(p.profile.risk, RiskLevel::Medium);
}

#[test]
fn person_file_services_follow_ups_goals_status_and_history() {
    let _clock = fix_clock();
    let office = Office::demo(30);
    let (id, case) = file_with_work(&office);
    let mut app = app_on(&office, "staff");
    open_file(&mut app, &case);

    // Services: add a health check.
    keys(&mut app, KeyCode::Right, 2);
    key(&mut app, KeyCode::Char('n'));
    key(&mut app, KeyCode::Char('h'));
    key(&mut app, KeyCode::Char(' '));
    keys(&mut app, KeyCode::Tab, 2);
    typed(&mut app, "weight 28 kg");
    ctrl(&mut app, 's');
    assert!(screen(&app).contains("weight 28 kg"), "{}", screen(&app));

    // Follow-ups: mark the open one done.
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "Mother agrees to school");
    ctrl(&mut app, 's');
    let text = screen(&app);
    assert!(text.contains("Mother agrees"), "{text}");

    // Goals: mark achieved.
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Enter);
    ctrl(&mut app, 's');
    assert!(screen(&app).contains("23/11/2026"), "{}", screen(&app));

    // Status: close with a reason, after the question.
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Char('n'));
    key(&mut app, KeyCode::Char(' ')); // closed (the only move from active)
    keys(&mut app, KeyCode::Tab, 2);
    key(&mut app, KeyCode::Char('m')); // mainstreamed
    key(&mut app, KeyCode::Char(' '));
    ctrl(&mut app, 's');
    let text = screen(&app);
    assert!(text.contains("Change the status?"), "{text}");
    key(&mut app, KeyCode::Char('y'));
    let text = screen(&app);
    assert!(text.contains("closed (mainstreamed to school)"), "{text}");

    let s = office.login("manager", "demo");
    let file = s.person_file(id).expect("load");
    assert_eq!(file.person.status, CaseStatus::Closed);
    assert_eq!(file.services.len(), 2);

    // History after a profile edit.
    keys(&mut app, KeyCode::Right, 4); // history, placements, classes, profile
    key(&mut app, KeyCode::Char('e'));
    keys(&mut app, KeyCode::Tab, 8); // phone
    keys(&mut app, KeyCode::Backspace, 12);
    typed(&mut app, "0333-1111111");
    ctrl(&mut app, 's');
    keys(&mut app, KeyCode::Left, 3); // classes, placements, history
    let text = screen(&app);
    assert!(text.contains("0333-111"), "{text}");
    assert!(text.contains("phone"), "{text}");
}

#[test]
fn stored_escape_codes_and_direction_marks_never_reach_the_terminal() {
    let _clock = fix_clock();
    let office = Office::demo(10);
    let mut s = office.raw("staff", "demo");
    let mut p = person();
    p.name = "Evil\x1b[2J\x1b]0;owned\x07 \u{202E}nuhgraZ".into();
    p.father_name = "Gul\rTestkhel".into();
    p.area = "x".repeat(10_000);
    let tx = write_tx(s.conn_mut()).expect("tx");
    // Straight into the table, as a damaged or hostile file could hold it.
    let (_, case) = persons::add_person(&tx, &p, None).expect("add");
    tx.commit().expect("commit");
    let mut app = app_on(&office, "staff");
    key(&mut app, KeyCode::Char('2'));
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, &case);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    for tab in 0..3 {
        let text = screen(&app);
        assert!(text.contains(&case), "tab {tab}: {text}");
        assert!(!text.contains('\x1b'), "{text}");
        assert!(!text.contains('\u{202E}'), "{text}");
        assert!(!text.contains('\x07') && !text.contains('\r'), "{text}");
        key(&mut app, KeyCode::Char('e'));
        let form = screen(&app);
        assert!(
            !form.contains('\x1b') && !form.contains('\u{202E}'),
            "{form}"
        );
        key(&mut app, KeyCode::Esc);
        key(&mut app, KeyCode::Right);
    }
}

/// Classes with their attendance, the monthly literacy tests as a chart
/// (digits on the bars) with "improved", skill courses, and a placement
/// whose visit is recorded from the file.
#[test]
fn person_file_classes_literacy_chart_and_placements() {
    let _clock = fix_clock();
    let office = Office::demo(30);
    let (id, case) = file_with_work(&office);
    let mut s = office.login("staff", "demo");
    let class = |s: &casedesk::office::Session, name: &str| {
        s.class_named(name).expect("class").expect("demo class")
    };
    let (literacy, tailoring) = (class(&s, "Literacy morning"), class(&s, "Tailoring"));
    s.enrol(literacy.id, id, d(2026, 3, 2)).expect("enrol");
    s.enrol(tailoring.id, id, d(2026, 6, 1)).expect("enrol");
    let marks = [
        (d(2026, 11, 16), Mark::Present),
        (d(2026, 11, 17), Mark::Present),
        (d(2026, 11, 18), Mark::Late),
        (d(2026, 11, 19), Mark::Absent),
    ];
    for (on, mark) in marks {
        let sheet = s.attendance_sheet(literacy.id, on).expect("sheet");
        let loaded_version = sheet
            .rows
            .iter()
            .find(|r| r.person_id == id.0)
            .map_or(0, |r| r.version);
        let change = MarkChange {
            person_id: id.0,
            mark,
            loaded_version,
        };
        s.save_attendance(literacy.id, on, &[change], false)
            .expect("marks");
    }
    // March to November: reading and writing in Urdu, then English too.
    let scores = [
        (1, 0, 0, 0),
        (1, 1, 0, 0),
        (2, 1, 0, 0),
        (2, 2, 1, 0),
        (3, 2, 1, 0),
        (3, 2, 1, 1),
        (3, 3, 2, 1),
        (4, 3, 2, 2),
        (4, 4, 3, 2),
    ];
    for (month, (ru, wu, re, we)) in (3..=11).zip(scores) {
        let scores = LiteracyScores {
            reading_urdu: Some(ru),
            writing_urdu: Some(wu),
            reading_english: Some(re),
            writing_english: Some(we),
        };
        s.record_literacy_test(id, d(2026, month, 1), &scores)
            .expect("test");
    }
    s.complete_skill(id, tailoring.id, d(2026, 10, 30), true)
        .expect("skill");
    // Entered on its start day, so its first visit is late now. The child
    // is 12: placed all the same, with the reason the office confirmed.
    let entered = casedesk::clock::fixed(d(2026, 11, 2).and_hms_opt(9, 0, 0).expect("time"));
    s.add_placement_confirmed(
        &NewPlacement {
            person_id: id.0,
            kind: Some(PlacementKind::Business),
            starts_on: Some(d(2026, 11, 2)),
            business_kind: "tea stall".into(),
            place: "Baldia plaza".into(),
            toolkit: true,
            grant: Some(20000),
            skill_class_id: Some(tailoring.id),
            ..NewPlacement::default()
        },
        &PlacementConfirm {
            closed_case: false,
            underage_reason: Some("family stall, school in the morning".into()),
        },
    )
    .expect("placement");
    drop(entered);

    let mut app = app_on(&office, "staff");
    open_file(&mut app, &case);
    key(&mut app, KeyCode::Left);
    let text = screen(&app);
    assert!(text.contains("improved"), "{text}");
    assert!(text.contains("attended 75%"), "{text}");
    assert!(text.contains("certificate yes"), "{text}");
    assert!(text.contains("13"), "the latest total is drawn: {text}");
    snap!("person_classes", text);

    // Placements: the visit due is recorded from the file.
    key(&mut app, KeyCode::Left);
    let text = screen(&app);
    assert!(text.contains("tea stall (own)"), "{text}");
    assert!(text.contains("late: Enter records it"), "{text}");
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert!(
        screen(&app).contains("Date of the visit"),
        "{}",
        screen(&app)
    );
    key(&mut app, KeyCode::Tab);
    typed(&mut app, " "); // the first: business running
    ctrl(&mut app, 's');
    let text = screen(&app);
    assert!(text.contains("Visit recorded"), "{text}");
    assert!(text.contains("business running (staff)"), "{text}");

    // The timeline shows the placement and the visit among the rest.
    keys(&mut app, KeyCode::Right, 3);
    let text = screen(&app);
    assert!(text.contains("placed: business"), "{text}");
    assert!(text.contains("placement visit"), "{text}");
}
