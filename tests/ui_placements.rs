//! Snapshots and keystroke tests of the Placements screen (its list, the
//! placement form, a placement's visits, the Follow-ups tab) and of the
//! Home page's classes and dropout panels, at 80x24 through the real
//! `App` on a demo office built on the demo day, the desk's clock and this
//! thread's fixed to it. Dates and counts are shown as drawn.

mod common;

use casedesk::domain::casework::StatusChange;
use casedesk::domain::classes::{Mark, MarkChange};
use casedesk::domain::person::{NewPerson, PersonId};
use casedesk::domain::placements::{DueKind, NewPlacement, PlacementKind};
use casedesk::domain::{
    CaseStatus, Centre, ClosureReason, Concern, Programme, ReferralSource, RiskLevel, Sex,
};
use casedesk::office::placements::DueFilter;
use casedesk::ui::App;
use casedesk::ui::screen::ScreenId;
use chrono::NaiveDate;
use common::desk::{app_on, ctrl, key, keys, screen, typed};
use common::{Office, demo_day, fix_clock};
use crossterm::event::KeyCode;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("date")
}

/// This thread's clock on `day` while the guard lives: a placement
/// recorded meanwhile was entered on its start day, so its visits fall
/// due after it was entered (one entered later would have its past
/// visits "not recorded").
fn entered_on(day: NaiveDate) -> casedesk::clock::FixedClock {
    casedesk::clock::fixed(day.and_hms_opt(9, 0, 0).expect("time"))
}

/// Empty a date field (it opens holding today) and type another.
fn date(app: &mut App, text: &str) {
    keys(app, KeyCode::Backspace, 12);
    typed(app, text);
}

/// Snapshot as drawn.
macro_rules! snap {
    ($name:literal, $text:expr) => {{
        insta::assert_snapshot!($name, $text);
    }};
}

/// A youth registered on 1 February 2026 and made active, whose worker
/// is the staff account; returns id and case number.
fn youth(office: &Office) -> (PersonId, String) {
    youth_born(office, d(2009, 3, 10))
}

/// [`youth`], born on `born`.
fn youth_born(office: &Office, born: NaiveDate) -> (PersonId, String) {
    let mut staff = office.login("staff", "demo");
    let p = NewPerson {
        programme: Programme::Cpc,
        name: "Quokka Testkhel".into(),
        father_name: "Gul Testkhel".into(),
        alias: String::new(),
        sex: Sex::Male,
        birth_date: Some(born),
        age_estimated: true,
        cnic: String::new(),
        phone: String::new(),
        area: "Satellite Town".into(),
        address: String::new(),
        guardian_name: "Bibi Testkhel".into(),
        guardian_relation: "mother".into(),
        school_status: String::new(),
        work_status: "shoe shining".into(),
        referral_source: ReferralSource::OutreachSpot,
        referral_detail: String::new(),
        concerns: vec![Concern::StreetWorking],
        consent_by: "mother".into(),
        consent_date: Some(d(2026, 2, 1)),
        consent_services: true,
        consent_sharing: false,
        risk: RiskLevel::Low,
        risk_reason: String::new(),
        worker_id: Some(staff.user().id),
        centre: Centre::Cpc,
        registered_on: d(2026, 2, 1),
    };
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
    (id, case)
}

/// The placement form filled for the youth: a job from `start`.
fn fill_job(app: &mut App, case: &str, start: &str) {
    key(app, KeyCode::Char('n'));
    assert!(
        screen(app).contains("Record a placement"),
        "{}",
        screen(app)
    );
    typed(app, case);
    key(app, KeyCode::Tab);
    typed(app, "j ");
    key(app, KeyCode::Tab);
    date(app, start);
    key(app, KeyCode::Tab);
    typed(app, "tailoring");
    keys(app, KeyCode::Tab, 2);
    typed(app, "Quokka Tailors");
    keys(app, KeyCode::Tab, 3);
    typed(app, "12000");
}

#[test]
fn placements_list_form_errors_and_follow_ups() {
    let _clock = fix_clock();
    let office = Office::demo(50);
    let (id, case) = youth(&office);
    // Placed (and entered) in October: its first two visits are late.
    let entered = entered_on(d(2026, 10, 1));
    office
        .login("staff", "demo")
        .add_placement(
            &NewPlacement {
                person_id: id.0,
                kind: Some(PlacementKind::Job),
                starts_on: Some(d(2026, 10, 1)),
                trade: "electrician".into(),
                employer: "Kasi electric works".into(),
                wage: Some(9000),
                ..NewPlacement::default()
            },
            false,
        )
        .expect("placement");
    drop(entered);
    let mut app = app_on(&office, "staff");
    key(&mut app, KeyCode::Char('5'));
    assert_eq!(app.current_screen(), Some(ScreenId::Placements));
    let text = screen(&app);
    assert!(text.contains("Placements, newest first"), "{text}");
    snap!("placements_list", text);

    // A filter word narrows the list; one not understood says so.
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "kind:business");
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    assert!(text.contains("kind: business"), "{text}");
    key(&mut app, KeyCode::Esc);

    // The form: the rules' messages beside their fields, typing kept.
    fill_job(&mut app, &case, "2026-01-15");
    keys(&mut app, KeyCode::BackTab, 3);
    keys(&mut app, KeyCode::Backspace, 14);
    keys(&mut app, KeyCode::Tab, 2);
    typed(&mut app, "call me");
    key(&mut app, KeyCode::Tab);
    keys(&mut app, KeyCode::Backspace, 5);
    typed(&mut app, "-500");
    ctrl(&mut app, 's');
    let text = screen(&app);
    assert!(text.contains("start date is before the"), "{text}");
    assert!(text.contains("15/01/2026"), "nothing typed is lost: {text}");
    snap!("placement_form_errors", text);
    key(&mut app, KeyCode::Esc);
    assert!(screen(&app).contains("Discard changes?"));
    key(&mut app, KeyCode::Char('y'));

    // Follow-ups: everything due, most late first, days late shown.
    key(&mut app, KeyCode::Right);
    let text = screen(&app);
    assert!(text.contains("most late first"), "{text}");
    assert!(text.contains(" days ") && text.contains("visit"), "{text}");
    snap!("followups", text);

    // Enter on the most late goes straight to its form; saving moves the
    // list on.
    let s = office.login("staff", "demo");
    let before = s
        .due_list(demo_day(), DueFilter::default(), 1000)
        .expect("due");
    let first = before[0].clone();
    key(&mut app, KeyCode::Enter);
    let form = screen(&app);
    assert!(form.contains(&first.case_number), "{form}");
    if first.kind == DueKind::Case {
        assert!(form.contains("Follow-up done"), "{form}");
        key(&mut app, KeyCode::Tab);
        typed(&mut app, "Met the mother");
    } else {
        assert!(form.contains("Outcome"), "{form}");
        key(&mut app, KeyCode::Tab);
        typed(&mut app, "s ");
    }
    ctrl(&mut app, 's');
    let after = s
        .due_list(demo_day(), DueFilter::default(), 1000)
        .expect("due");
    assert_eq!(after.len() + 1, before.len(), "{}", screen(&app));
    assert!(
        !after
            .iter()
            .any(|x| x.kind == first.kind && x.id == first.id)
    );
    assert!(screen(&app).contains(&after[0].case_number));

    // Space: only mine (the demo gives the staff account every case).
    key(&mut app, KeyCode::Char(' '));
    let text = screen(&app);
    assert!(text.contains(" mine "), "{text}");
}

#[test]
fn a_placement_its_visits_and_its_end() {
    let _clock = fix_clock();
    let office = Office::demo(30);
    let (id, case) = youth(&office);
    let mut app = app_on(&office, "staff");
    key(&mut app, KeyCode::Char('5'));
    // Entered today (23 November), started 1 September: the visits due
    // on 15 September and 1 October were not recorded then.
    fill_job(&mut app, &case, "2026-09-01");
    ctrl(&mut app, 's');
    let text = screen(&app);
    assert!(
        text.contains(&format!("Placement recorded for {case}. 2 visits were due")),
        "{text}"
    );
    assert!(text.contains("Quokka Tailors"), "{text}");

    // Enter opens it, on the first visit still to make (30 November); the
    // two before it stand "not recorded".
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    assert!(text.contains("15/09/2026"), "{text}");
    assert_eq!(text.matches("not recorded").count(), 2, "{text}");
    snap!("placement_visits", text);
    // The one of 15 September was made after all: it is recorded.
    keys(&mut app, KeyCode::Up, 2);
    key(&mut app, KeyCode::Enter);
    assert!(screen(&app).contains("Date of the visit"));
    date(&mut app, "2026-09-16");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "s ");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "long hours");
    ctrl(&mut app, 's');
    let text = screen(&app);
    assert!(
        text.contains("Visit recorded. The next visit is due 30/11/2026."),
        "{text}"
    );
    assert!(text.contains("still working"), "{text}");

    // e ends it: the visits still to make are dropped; the one not
    // recorded stays, as what happened.
    key(&mut app, KeyCode::Char('e'));
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "Moved to Karachi");
    ctrl(&mut app, 's');
    let text = screen(&app);
    assert!(text.contains("Placement ended."), "{text}");
    assert!(text.contains("Moved to Karachi"), "{text}");
    let s = office.login("staff", "demo");
    let p = &s.placements(None, None, Some(id)).expect("placements")[0];
    assert_eq!(p.ended_on, Some(demo_day()));
    let visits = s.placement_visits(p.id).expect("visits");
    assert_eq!(visits.len(), 2, "the visit made and the one not recorded");
    assert_eq!(visits[0].problems, "long hours");
    assert!(visits[1].entered_later && visits[1].done_on.is_none());
}

#[test]
fn a_closed_case_asks_before_a_placement() {
    let _clock = fix_clock();
    let office = Office::demo(20);
    let (id, case) = youth(&office);
    office
        .login("staff", "demo")
        .change_status(
            id,
            &StatusChange {
                to: CaseStatus::Closed,
                on_date: d(2026, 10, 1),
                reason: Some(ClosureReason::ALL[0]),
            },
        )
        .expect("closed");
    let mut app = app_on(&office, "staff");
    key(&mut app, KeyCode::Char('5'));
    fill_job(&mut app, &case, "2026-11-02");
    ctrl(&mut app, 's');
    assert!(
        screen(&app).contains("This case is closed"),
        "{}",
        screen(&app)
    );
    // No: nothing saved, the form is still there.
    key(&mut app, KeyCode::Char('n'));
    let text = screen(&app);
    assert!(text.contains("Quokka Tailors"), "{text}");
    let s = office.login("staff", "demo");
    assert!(s.placements(None, None, Some(id)).expect("list").is_empty());
    // Yes: recorded, and that it was confirmed goes into the audit trail.
    ctrl(&mut app, 's');
    key(&mut app, KeyCode::Char('y'));
    assert!(
        screen(&app).contains("Placement recorded"),
        "{}",
        screen(&app)
    );
    assert_eq!(s.placements(None, None, Some(id)).expect("list").len(), 1);
    let raw = office.raw("manager", "demo");
    let detail: String = raw
        .conn()
        .query_row(
            "SELECT detail FROM audit WHERE action = 'placement.add' ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert!(detail.contains("closed case confirmed"), "{detail}");
}

/// Issue 24: an 8-year-old placed in a job without a word. The desk now
/// asks why, in the law's words, and records nothing without a reason.
#[test]
fn a_child_under_14_needs_a_reason_before_a_placement() {
    let _clock = fix_clock();
    let office = Office::demo(20);
    let (id, case) = youth_born(&office, d(2018, 5, 1));
    let mut app = app_on(&office, "staff");
    key(&mut app, KeyCode::Char('5'));
    fill_job(&mut app, &case, "2026-11-02");
    ctrl(&mut app, 's');
    let text = screen(&app);
    assert!(
        text.contains("under 14") && text.contains("Employment of Children"),
        "{text}"
    );
    snap!("placement_under_14_reason", text);
    let s = office.login("staff", "demo");
    assert!(s.placements(None, None, Some(id)).expect("list").is_empty());
    // Enter with no reason: still asked, nothing saved.
    key(&mut app, KeyCode::Enter);
    assert!(
        screen(&app).contains("Please fill this in."),
        "{}",
        screen(&app)
    );
    assert!(s.placements(None, None, Some(id)).expect("list").is_empty());
    // Esc goes back to the form with everything typed.
    key(&mut app, KeyCode::Esc);
    let text = screen(&app);
    assert!(
        text.contains("Quokka Tailors") && !text.contains("Employment of Children"),
        "{text}"
    );
    // With a reason: recorded, and the rule and reason are audited.
    ctrl(&mut app, 's');
    typed(&mut app, "apprenticeship at the centre");
    key(&mut app, KeyCode::Enter);
    assert!(
        screen(&app).contains("Placement recorded"),
        "{}",
        screen(&app)
    );
    assert_eq!(s.placements(None, None, Some(id)).expect("list").len(), 1);
    let raw = office.raw("manager", "demo");
    let detail: String = raw
        .conn()
        .query_row(
            "SELECT detail FROM audit WHERE action = 'placement.add' ORDER BY seq DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("audit");
    assert!(
        detail.ends_with("; under 14 confirmed: apprenticeship at the centre"),
        "{detail}"
    );
}

#[test]
fn home_shows_classes_today_and_a_child_absent_three_times() {
    let _clock = fix_clock();
    let office = Office::demo(30);
    let (id, case) = youth(&office);
    let mut s = office.login("staff", "demo");
    let class = s
        .class_named("Literacy morning")
        .expect("class")
        .expect("demo class");
    s.enrol(class.id, id, d(2026, 11, 2)).expect("enrol");
    // Absent at the class's last three meetings, today's included.
    for on in [d(2026, 11, 18), d(2026, 11, 19), demo_day()] {
        let sheet = s.attendance_sheet(class.id, on).expect("sheet");
        let version = sheet
            .rows
            .iter()
            .find(|r| r.person_id == id.0)
            .map_or(0, |r| r.version);
        s.save_attendance(
            class.id,
            on,
            &[MarkChange {
                person_id: id.0,
                mark: Mark::Absent,
                loaded_version: version,
            }],
            false,
        )
        .expect("marks");
    }
    let mut app = app_on(&office, "staff");
    let text = screen(&app);
    assert!(text.contains("Classes today"), "{text}");
    assert!(text.contains("Literacy morning"), "{text}");
    assert!(text.contains("Absent 3 in a row: 1"), "{text}");
    assert!(text.contains(&case), "{text}");
    // Down to the alert's line, and Enter opens the child's file.
    for _ in 0..100 {
        let now = screen(&app);
        if now.lines().any(|l| l.contains('▸') && l.contains(&case)) {
            break;
        }
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    assert!(text.contains(&format!("File {case}")), "{text}");
}

/// Two desks open the same visit: the second to save is told, keeps its
/// typing until it leaves the form, and then sees the list without it.
#[test]
fn two_desks_recording_the_same_visit() {
    let _clock = fix_clock();
    let office = Office::demo(20);
    let (id, case) = youth(&office);
    let mut other = office.login("manager", "demo");
    let entered = entered_on(d(2026, 10, 1));
    other
        .add_placement(
            &NewPlacement {
                person_id: id.0,
                kind: Some(PlacementKind::Job),
                starts_on: Some(d(2026, 10, 1)),
                employer: "Kasi electric works".into(),
                ..NewPlacement::default()
            },
            false,
        )
        .expect("placement");
    drop(entered);
    let mut app = app_on(&office, "staff");
    key(&mut app, KeyCode::Char('5'));
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, &format!("kind:visit {case}"));
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    assert!(
        screen(&app).contains("Date of the visit"),
        "{}",
        screen(&app)
    );
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "s ");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "typed at the second desk");

    // Meanwhile the first desk records the same visit.
    let item = other
        .due_list(demo_day(), DueFilter::default(), 1000)
        .expect("due")
        .into_iter()
        .find(|x| x.kind == DueKind::Placement && x.person_id == id.0)
        .expect("the visit");
    other
        .follow_up_done(
            DueKind::Placement,
            item.id,
            &casedesk::domain::placements::VisitDone {
                done_on: demo_day(),
                outcome: casedesk::domain::placements::VisitOutcome::StillWorking,
                problems: "seen first".into(),
                support: String::new(),
                next_step: String::new(),
            },
        )
        .expect("first desk");

    ctrl(&mut app, 's');
    let text = screen(&app);
    assert!(text.contains("Someone else saved first"), "{text}");
    key(&mut app, KeyCode::Enter);
    assert!(screen(&app).contains("typed at the second desk"));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('y'));
    let text = screen(&app);
    assert!(!text.contains("Date of the visit"), "{text}");
    let visits = other
        .placement_visits(other.placements(None, None, Some(id)).expect("list")[0].id)
        .expect("visits");
    let done = visits.iter().find(|v| v.id == item.id).expect("the visit");
    assert_eq!(done.problems, "seen first", "the first desk's is kept");
    // The list was read again: the first visit (2 weeks) is gone, the
    // second (a month, also late) is there.
    assert!(text.contains("31/10/2026"), "{text}");
    assert!(!text.contains("15/10/2026"), "{text}");
}

/// The number right after `words` in `text` (thousands commas allowed).
fn number_after(text: &str, words: &str) -> usize {
    let at = text
        .find(words)
        .unwrap_or_else(|| panic!("no {words:?} in\n{text}"))
        + words.len();
    let digits: String = text[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(|c| *c != ',')
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number after {words:?} in\n{text}"))
}

/// The number right before `words` in `text`.
fn number_before(text: &str, words: &str) -> usize {
    let at = text
        .find(words)
        .unwrap_or_else(|| panic!("no {words:?} in\n{text}"));
    let digits: String = text[..at]
        .chars()
        .rev()
        .take_while(char::is_ascii_digit)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number before {words:?} in\n{text}"))
}

/// How many rows a list holds, from its count at the bottom right ("1/69").
fn rows_of(text: &str) -> usize {
    let at = text
        .rfind(" 1/")
        .unwrap_or_else(|| panic!("no count in\n{text}"));
    number_after(&text[at..], " 1/")
}

/// The data rows `casedesk … --format csv` prints as staff.
fn cli_rows(office: &Office, args: &[&str]) -> usize {
    let mut all = vec!["--user", "staff"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "csv"]);
    let out = office.run(&all, "demo\n");
    assert!(out.status.success(), "{}", common::stderr(&out));
    common::stdout(&out).lines().count() - 1
}

/// Every count on Home is its screen's and the CLI's, on a demo office on
/// the demo day with more follow-ups due than Home lists: the follow-ups
/// due and overdue (the Follow-ups screen, `followup list [--overdue]`)
/// and the people and active cases per programme (`list children`).
#[test]
fn home_counts_are_the_screens_and_the_clis() {
    let _clock = fix_clock();
    let office = Office::demo(50);
    let (id, _) = youth(&office);
    let mut staff = office.login("staff", "demo");
    for i in 0..60 {
        staff
            .add_follow_up(
                id,
                &casedesk::domain::casework::NewFollowUp {
                    due_on: demo_day() - chrono::Duration::days(i % 30),
                    purpose: format!("Home visit {i}"),
                },
            )
            .expect("follow-up");
    }
    drop(staff);
    let mut app = app_on(&office, "staff");
    let home = screen(&app);
    let due = number_after(&home, "Follow-ups due today and overdue: ");
    let overdue = number_before(&home, " overdue ┐");
    assert!(due > 60 && overdue > 50 && overdue < due, "{home}");

    key(&mut app, KeyCode::Char('5'));
    key(&mut app, KeyCode::Right);
    let list = screen(&app);
    assert!(list.contains("most late first"), "{list}");
    assert_eq!(number_before(&list, " late ─"), overdue, "{list}");
    assert_eq!(rows_of(&list), due, "{list}");
    key(&mut app, KeyCode::Char('/'));
    typed(&mut app, "overdue");
    key(&mut app, KeyCode::Enter);
    let list = screen(&app);
    assert!(list.contains("overdue only"), "{list}");
    assert_eq!(rows_of(&list), overdue, "{list}");

    let day = ["--today", common::DEMO_DAY];
    assert_eq!(
        cli_rows(&office, &[&["followup", "list"][..], &day].concat()),
        due
    );
    assert_eq!(
        cli_rows(
            &office,
            &[&["followup", "list", "--overdue"][..], &day].concat()
        ),
        overdue
    );
    for (programme, words) in [
        ("cpc", ("CPC: ", " children, ")),
        ("wd", ("Women's desk: ", " women, ")),
    ] {
        let people = number_after(&home, words.0);
        let active = number_after(&home, &format!("{people}{}", words.1));
        assert_eq!(
            cli_rows(&office, &["list", "children", "--programme", programme]),
            people,
            "{programme}"
        );
        assert_eq!(
            cli_rows(
                &office,
                &[
                    "list",
                    "children",
                    "--programme",
                    programme,
                    "--status",
                    "active"
                ]
            ),
            active,
            "{programme}"
        );
    }
}
