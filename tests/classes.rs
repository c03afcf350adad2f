//! Classes, enrolments, attendance, literacy tests and skill courses, on
//! real office files: the rules, the office layer (roles, one audit entry,
//! nothing saved on bad input), two desks marking one session, and the
//! scripting surface (`class`, `attendance take`, `list attendance`).

use std::path::Path;
use std::process::Output;

use chrono::{Duration, NaiveDate, NaiveTime};

use casedesk::Error;
use casedesk::domain::classes::{ClassKind, Days, LiteracyScores, Mark, MarkChange, NewClass};
use casedesk::domain::person::{NewPerson, PersonId, estimated_birth_date};
use casedesk::domain::{Centre, Concern, Programme, ReferralSource, RiskLevel, Role, Sex};

mod office_support;
use office_support::Office;

/// The accounts these tests use beside the manager.
fn office() -> Office {
    Office::with(&[
        ("staff", Role::Staff),
        ("teacher", Role::Staff),
        ("psychologist", Role::Psychologist),
    ])
}

fn today() -> NaiveDate {
    casedesk::clock::today()
}

/// The last Monday on or before today, so a Mon–Thu class met that day.
fn last_monday() -> NaiveDate {
    let t = today();
    t - Duration::days(chrono::Datelike::weekday(&t).num_days_from_monday() as i64)
}

fn child(name: &str, registered_on: NaiveDate) -> NewPerson {
    NewPerson {
        programme: Programme::Cpc,
        name: name.into(),
        father_name: "Father".into(),
        alias: String::new(),
        sex: Sex::Male,
        birth_date: Some(estimated_birth_date(11, registered_on)),
        age_estimated: true,
        cnic: String::new(),
        phone: String::new(),
        area: "Sariab".into(),
        address: String::new(),
        guardian_name: String::new(),
        guardian_relation: "mother".into(),
        school_status: String::new(),
        work_status: String::new(),
        referral_source: ReferralSource::OutreachSpot,
        referral_detail: String::new(),
        concerns: vec![Concern::AtRisk],
        consent_by: "mother".into(),
        consent_date: Some(registered_on),
        consent_services: true,
        consent_sharing: false,
        risk: RiskLevel::Medium,
        risk_reason: String::new(),
        worker_id: None,
        centre: Centre::Cpc,
        registered_on,
    }
}

fn literacy_class(teacher: Option<i64>, starts_on: NaiveDate) -> NewClass {
    NewClass {
        kind: ClassKind::Literacy,
        name: "Literacy morning".into(),
        trade: String::new(),
        teacher_id: teacher,
        days: "mon-thu".parse().expect("days"),
        starts_at: NaiveTime::from_hms_opt(9, 0, 0),
        ends_at: NaiveTime::from_hms_opt(11, 0, 0),
        starts_on,
        ends_on: None,
        room: "Room 1".into(),
    }
}

/// An office with a literacy class (teacher `teacher`) of `n` children
/// enrolled from 60 days ago.
fn with_class(n: usize) -> (Office, i64, Vec<PersonId>) {
    let o = office();
    let mut s = o.login("staff");
    let start = today() - Duration::days(90);
    let teacher = s.account_named("teacher").expect("find").map(|u| u.id);
    let class = s.add_class(&literacy_class(teacher, start)).expect("class");
    let mut people = Vec::new();
    for i in 0..n {
        let (id, _) = s
            .register_person(&child(&format!("Child {i:02}"), start))
            .expect("register");
        s.enrol(class, id, today() - Duration::days(60))
            .expect("enrol");
        people.push(id);
    }
    (o, class, people)
}

fn mark_all(sheet_rows: &[casedesk::domain::classes::SheetRow], mark: Mark) -> Vec<MarkChange> {
    sheet_rows
        .iter()
        .map(|r| MarkChange {
            person_id: r.person_id,
            mark,
            loaded_version: r.version,
        })
        .collect()
}

#[test]
fn a_class_needs_a_teacher_and_a_skill_class_its_trade() {
    let o = office();
    let mut s = o.login("staff");
    let before = o.count("SELECT count(*) FROM classes");
    let e = s
        .add_class(&literacy_class(None, today()))
        .expect_err("no teacher");
    assert!(e.to_string().contains("teacher"), "{e}");
    let teacher = s.account_named("teacher").expect("find").map(|u| u.id);
    let skill = NewClass {
        kind: ClassKind::Skill,
        name: "Tailoring".into(),
        ..literacy_class(teacher, today())
    };
    let e = s.add_class(&skill).expect_err("no trade");
    assert!(e.to_string().contains("trade"), "{e}");
    assert_eq!(
        o.count("SELECT count(*) FROM classes"),
        before,
        "nothing saved"
    );
    // The same name twice (any case) is refused too.
    s.add_class(&literacy_class(teacher, today()))
        .expect("first");
    let again = NewClass {
        name: "LITERACY MORNING".into(),
        ..literacy_class(teacher, today())
    };
    assert!(s.add_class(&again).is_err());
    assert_eq!(o.count("SELECT count(*) FROM classes"), before + 1);
    // A psychologist does not run classes.
    let mut p = o.login("psychologist");
    assert!(matches!(
        p.add_class(&literacy_class(teacher, today())),
        Err(Error::NotAllowed(_))
    ));
}

#[test]
fn enrolling_and_withdrawing_twice_is_refused_and_audited_once() {
    let (o, class, people) = with_class(2);
    let mut s = o.login("staff");
    let e = s
        .enrol(class, people[0], today())
        .expect_err("already enrolled");
    assert!(e.to_string().contains("already enrolled"), "{e}");
    let audits = o.count("SELECT count(*) FROM audit WHERE action = 'class.withdraw'");
    s.withdraw(class, people[0], today(), "moved away")
        .expect("withdraw");
    let e = s
        .withdraw(class, people[0], today(), "moved away")
        .expect_err("twice");
    assert!(e.to_string().contains("not enrolled"), "{e}");
    assert_eq!(
        o.count("SELECT count(*) FROM audit WHERE action = 'class.withdraw'"),
        audits + 1
    );
    // Withdrawn from today: not on today's sheet, still on yesterday's.
    assert_eq!(
        s.attendance_sheet(class, today())
            .expect("sheet")
            .rows
            .len(),
        1
    );
    assert_eq!(
        s.attendance_sheet(class, today() - Duration::days(1))
            .expect("sheet")
            .rows
            .len(),
        2
    );
}

#[test]
fn a_session_of_forty_is_saved_in_one_go_and_edited_later() {
    let (o, class, _) = with_class(40);
    let mut s = o.login("teacher");
    let day = last_monday();
    let sheet = s.attendance_sheet(class, day).expect("sheet");
    assert_eq!(sheet.rows.len(), 40);
    assert!(
        sheet
            .rows
            .windows(2)
            .all(|w| w[0].case_number < w[1].case_number),
        "a fixed order, by case number"
    );
    let mut changes = mark_all(&sheet.rows, Mark::Present);
    changes[3].mark = Mark::Absent;
    changes[7].mark = Mark::Late;
    let saved = s
        .save_attendance(class, day, &changes, false)
        .expect("save");
    assert_eq!((saved.saved, saved.conflicts.len()), (40, 0));
    assert_eq!(
        o.count("SELECT count(*) FROM audit WHERE action = 'attendance.take'"),
        1,
        "one audit entry for the whole session"
    );
    // Re-opening edits it, and the change is kept with who and when.
    let again = s.attendance_sheet(class, day).expect("sheet");
    assert_eq!(again.rows[3].mark, Some(Mark::Absent));
    let fix = [MarkChange {
        person_id: again.rows[3].person_id,
        mark: Mark::Excused,
        loaded_version: again.rows[3].version,
    }];
    s.save_attendance(class, day, &fix, false).expect("edit");
    assert_eq!(o.count("SELECT count(*) FROM attendance"), 40);
    assert_eq!(o.count("SELECT count(*) FROM attendance_history"), 41);
    assert_eq!(
        o.count(
            "SELECT count(*) FROM attendance_history h JOIN users u ON u.id = h.by_user
             WHERE h.old_mark = 'A' AND h.new_mark = 'E' AND u.name = 'teacher'"
        ),
        1
    );
    // Rates: 38 present, 1 late, 1 excused → 39 of 39 counted.
    let rates = s.class_rates(day, day).expect("rates");
    assert_eq!(
        rates,
        vec![(
            class,
            casedesk::domain::classes::Rate {
                attended: 39,
                counted: 39
            }
        )]
    );
}

#[test]
fn bad_marks_and_dates_are_refused_and_nothing_is_saved() {
    let (o, class, people) = with_class(3);
    let mut s = o.login("staff");
    let day = last_monday();
    let sheet = s.attendance_sheet(class, day).expect("sheet");
    // A child not enrolled on that date (registered, never enrolled).
    let (stranger, _) = s
        .register_person(&child("Stranger", today() - Duration::days(90)))
        .expect("register");
    let mut changes = mark_all(&sheet.rows, Mark::Present);
    changes.push(MarkChange {
        person_id: stranger.0,
        mark: Mark::Present,
        loaded_version: 0,
    });
    let e = s
        .save_attendance(class, day, &changes, false)
        .expect_err("stranger");
    assert!(e.to_string().contains("not enrolled"), "{e}");
    assert_eq!(
        o.count("SELECT count(*) FROM attendance"),
        0,
        "all or nothing"
    );
    assert_eq!(o.count("SELECT count(*) FROM class_sessions"), 0);
    // Friday is not one of its days: refused, then allowed as a make-up.
    let friday = day + Duration::days(4);
    let friday = if friday > today() {
        friday - Duration::days(7)
    } else {
        friday
    };
    let e = s
        .save_attendance(class, friday, &mark_all(&sheet.rows, Mark::Present), false)
        .expect_err("friday");
    assert!(e.to_string().contains("make-up"), "{e}");
    s.save_attendance(class, friday, &mark_all(&sheet.rows, Mark::Present), true)
        .expect("make-up session");
    assert_eq!(
        o.count("SELECT count(*) FROM class_sessions WHERE extra = 1"),
        1
    );
    // Before the class started: outside its dates.
    let before = today() - Duration::days(200);
    assert!(
        s.save_attendance(class, before, &[], false)
            .expect_err("before")
            .to_string()
            .contains("outside its dates")
    );
    // A day that has not come.
    assert!(
        s.save_attendance(class, today() + Duration::days(7), &[], true)
            .is_err()
    );
    // A score outside the office's scale (default 0–4).
    let e = s
        .record_literacy_test(
            people[0],
            NaiveDate::from_ymd_opt(2026, 1, 1).expect("month"),
            &LiteracyScores {
                reading_urdu: Some(9),
                ..Default::default()
            },
        )
        .expect_err("score");
    assert!(e.to_string().contains("from 0 to 4"), "{e}");
    assert_eq!(o.count("SELECT count(*) FROM literacy_tests"), 0);
}

#[test]
fn two_desks_marking_one_session_lose_nothing_and_overwrite_nothing_silently() {
    let (o, class, _) = with_class(4);
    let day = last_monday();
    let mut a = o.login("staff");
    let mut b = o.login("teacher");
    // Both open the same empty sheet.
    let sheet_a = a.attendance_sheet(class, day).expect("a");
    let sheet_b = b.attendance_sheet(class, day).expect("b");
    // A marks the first two; B marks the last two and (differently) the first.
    let ours =
        |sheet: &casedesk::domain::classes::Sheet, idx: &[(usize, Mark)]| -> Vec<MarkChange> {
            idx.iter()
                .map(|(i, m)| MarkChange {
                    person_id: sheet.rows[*i].person_id,
                    mark: *m,
                    loaded_version: sheet.rows[*i].version,
                })
                .collect()
        };
    let saved_a = a
        .save_attendance(
            class,
            day,
            &ours(&sheet_a, &[(0, Mark::Present), (1, Mark::Present)]),
            false,
        )
        .expect("a saves");
    assert_eq!(saved_a.saved, 2);
    let saved_b = b
        .save_attendance(
            class,
            day,
            &ours(
                &sheet_b,
                &[(0, Mark::Absent), (2, Mark::Late), (3, Mark::Present)],
            ),
            false,
        )
        .expect("b saves");
    // B's own marks are in; A's mark on the first child is kept and reported.
    assert_eq!(saved_b.saved, 2);
    assert_eq!(saved_b.conflicts.len(), 1);
    assert_eq!(saved_b.conflicts[0].theirs, Mark::Present);
    assert_eq!(saved_b.conflicts[0].ours, Mark::Absent);
    let now = a.attendance_sheet(class, day).expect("sheet");
    let marks: Vec<Option<Mark>> = now.rows.iter().map(|r| r.mark).collect();
    assert_eq!(
        marks,
        [
            Some(Mark::Present),
            Some(Mark::Present),
            Some(Mark::Late),
            Some(Mark::Present)
        ]
    );
}

#[test]
fn absent_three_sessions_in_a_row_is_an_alert_and_classes_today_say_if_taken() {
    let (o, class, people) = with_class(3);
    let mut s = o.login("staff");
    let monday = last_monday() - Duration::days(7);
    for d in 0..3 {
        let day = monday + Duration::days(d);
        let sheet = s.attendance_sheet(class, day).expect("sheet");
        let mut changes = mark_all(&sheet.rows, Mark::Present);
        changes[1].mark = Mark::Absent;
        s.save_attendance(class, day, &changes, false)
            .expect("save");
    }
    let alerts = s.absent_alerts(today()).expect("alerts");
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].person_id, people[1].0);
    let meets = s.classes_on(monday).expect("on monday");
    assert_eq!(meets.len(), 1);
    assert!(meets[0].1, "attendance was taken that day");
    let sunday = monday - Duration::days(1);
    assert!(s.classes_on(sunday).expect("sunday").is_empty());
}

#[test]
fn literacy_progress_and_skill_courses_are_kept_per_person() {
    let (o, _, people) = with_class(1);
    let mut s = o.login("staff");
    let months = [
        NaiveDate::from_ymd_opt(2026, 1, 1).expect("m"),
        NaiveDate::from_ymd_opt(2026, 2, 1).expect("m"),
    ];
    for (m, level) in months.iter().zip([1u8, 3]) {
        s.record_literacy_test(
            people[0],
            *m,
            &LiteracyScores {
                reading_urdu: Some(level),
                writing_urdu: Some(level),
                ..Default::default()
            },
        )
        .expect("test");
    }
    let tests = s.literacy_tests(people[0]).expect("tests");
    assert_eq!(tests.len(), 2);
    assert_eq!(casedesk::domain::classes::improved(&tests), Some(true));
    // A skill course: completed once, with its certificate.
    let teacher = s.account_named("teacher").expect("t").map(|u| u.id);
    let tailoring = s
        .add_class(&NewClass {
            kind: ClassKind::Skill,
            name: "Tailoring".into(),
            trade: "tailoring".into(),
            days: Days::from_bits(0b10101),
            ..literacy_class(teacher, today() - Duration::days(30))
        })
        .expect("skill class");
    s.complete_skill(people[0], tailoring, today(), true)
        .expect("complete");
    assert!(
        s.complete_skill(people[0], tailoring, today(), true)
            .is_err()
    );
    let done = s.skill_completions(people[0]).expect("done");
    assert_eq!((done.len(), done[0].certificate), (1, true));
    assert_eq!(
        o.count("SELECT count(*) FROM audit WHERE action = 'skill.complete'"),
        1
    );
}

#[test]
fn attendance_take_refuses_the_whole_input_naming_the_line_then_saves_it() {
    let (o, class, _) = with_class(3);
    let s = o.login("staff");
    let day = last_monday().to_string();
    let sheet = s.attendance_sheet(class, last_monday()).expect("sheet");
    let cases: Vec<&str> = sheet.rows.iter().map(|r| r.case_number.as_str()).collect();
    let args = [
        "attendance",
        "take",
        "--class",
        "Literacy morning",
        "--date",
        &day,
    ];
    for (input, line, words) in [
        (
            format!("{},P\n{},X\n", cases[0], cases[1]),
            2,
            "P, A, L or E",
        ),
        (
            format!("{},P\nCPC-1999-0001,A\n", cases[0]),
            2,
            "not enrolled",
        ),
        (
            format!("{},P\n{} P\n", cases[0], cases[1]),
            2,
            "CASE_NUMBER,MARK",
        ),
        (format!("{},P\n{},A\n", cases[0], cases[0]), 2, "twice"),
    ] {
        let out = o.run_with("staff", &args, &input);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(
            err.contains(&format!("line {line}")) && err.contains(words),
            "{err}"
        );
        assert_eq!(err.lines().count(), 1, "one line: {err}");
    }
    assert_eq!(
        o.count("SELECT count(*) FROM attendance"),
        0,
        "nothing saved"
    );
    let good = format!("{},P\n{},a\n{},L\n", cases[0], cases[1], cases[2]);
    let out = o.run_with("staff", &args, &good);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The month's sheet for the paper file.
    let month = &day[..7];
    let out = o.run_with(
        "staff",
        &[
            "list",
            "attendance",
            "--class",
            "literacy MORNING",
            "--month",
            month,
            "--format",
            "csv",
        ],
        "",
    );
    let csv = String::from_utf8_lossy(&out.stdout);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(format!("case_number,name,{day},rate").as_str())
    );
    assert_eq!(
        lines.next(),
        Some(format!("{},Child 00,P,100%", cases[0]).as_str())
    );
    assert_eq!(
        lines.next(),
        Some(format!("{},Child 01,A,0%", cases[1]).as_str())
    );
    assert_eq!(
        lines.next(),
        Some(format!("{},Child 02,L,100%", cases[2]).as_str())
    );
    // A psychologist may not take attendance (exit 3).
    let out = o.run_with("psychologist", &args, &good);
    assert_eq!(out.status.code(), Some(3));
    let _ = Path::new(&o.paths.db);
}

#[test]
fn the_manager_sets_the_literacy_scale_and_scores_follow_it() {
    let (o, _, people) = with_class(1);
    let out = o.run_with("staff", &["literacy", "scale", "0,1,2,3,4,5"], "");
    assert_eq!(out.status.code(), Some(3), "staff may not set it");
    let out = o.run_with("manager", &["literacy", "scale", "0,1,2,3,4,5"], "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 6);
    let out = o.run_with("manager", &["literacy", "scale", "only"], "");
    assert_eq!(out.status.code(), Some(1), "one level is not a scale");
    let mut s = o.login("staff");
    s.record_literacy_test(
        people[0],
        NaiveDate::from_ymd_opt(2026, 1, 1).expect("m"),
        &LiteracyScores {
            reading_urdu: Some(5),
            ..Default::default()
        },
    )
    .expect("5 is on the new scale");
    assert!(
        s.record_literacy_test(
            people[0],
            NaiveDate::from_ymd_opt(2026, 2, 1).expect("m"),
            &LiteracyScores {
                reading_urdu: Some(6),
                ..Default::default()
            },
        )
        .is_err()
    );
}

/// Real processes, as two terminals are: several `attendance take` runs on
/// one session at the same moment, each marking its own children, and
/// three of them also marking one child. No mark is lost and nothing is
/// overwritten silently: every mark a run says it saved is in the
/// session's history, and each run's mark for the shared child was either
/// saved or reported as kept from another desk.
#[test]
fn processes_marking_one_session_at_once_lose_no_mark() {
    const WRITERS: usize = 6;
    const EACH: usize = 4;
    let (o, class, _) = with_class(WRITERS * EACH);
    let s = o.login("staff");
    let day = last_monday();
    let date = day.to_string();
    let cases: Vec<String> = s
        .attendance_sheet(class, day)
        .expect("sheet")
        .rows
        .iter()
        .map(|r| r.case_number.clone())
        .collect();
    let shared = &cases[3 * EACH - 1];
    let code = |w: usize| ["P", "A", "L", "E"][w % 4];
    let input = |w: usize| -> String {
        let mut lines: String = cases[w * EACH..(w + 1) * EACH]
            .iter()
            .map(|c| format!("{c},{}\n", code(w)))
            .collect();
        if w < 2 {
            lines.push_str(&format!("{shared},{}\n", code(w)));
        }
        lines
    };
    let args = [
        "attendance",
        "take",
        "--class",
        "Literacy morning",
        "--date",
        date.as_str(),
    ];
    let outputs: Vec<Output> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (o, args, lines) = (&o, &args, input(w));
                scope.spawn(move || o.run_with("staff", args, &lines))
            })
            .collect();
        runs.into_iter().map(|r| r.join().expect("join")).collect()
    });
    let mut said_saved = 0;
    let mut shared_kept = 0;
    for (w, out) in outputs.iter().enumerate() {
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "writer {w}: {err}");
        let n: i64 = err
            .lines()
            .find_map(|l| l.strip_prefix("Saved ")?.split(' ').next()?.parse().ok())
            .unwrap_or_else(|| panic!("writer {w} said no count: {err}"));
        said_saved += n;
        shared_kept += err
            .lines()
            .filter(|l| l.starts_with(shared.as_str()) && l.contains("another desk"))
            .count();
    }
    let now = s.attendance_sheet(class, day).expect("sheet");
    let want = [Mark::Present, Mark::Absent, Mark::Late, Mark::Excused];
    for (i, row) in now.rows.iter().enumerate() {
        if row.case_number == *shared {
            assert!(
                matches!(row.mark, Some(Mark::Present | Mark::Absent | Mark::Late)),
                "{:?}",
                row.mark
            );
        } else {
            assert_eq!(row.mark, Some(want[(i / EACH) % 4]), "{}", row.case_number);
        }
    }
    let history = o.count("SELECT count(*) FROM attendance_history");
    assert_eq!(history, said_saved, "every saved mark is in the history");
    let shared_saved = o.count(&format!(
        "SELECT count(*) FROM attendance_history h JOIN persons p ON p.id = h.person_id \
         WHERE p.case_number = '{shared}'"
    ));
    assert_eq!(
        shared_saved + shared_kept as i64,
        3,
        "each of the three marks of the shared child was saved or reported"
    );
}
