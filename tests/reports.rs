//! Activities and period reports on real office files in temp dirs: a
//! small office with known records built through the office layer, and
//! every indicator's number checked exactly (disaggregation by sex and age
//! band, inclusive period ends, once-per-person counting, the previous
//! period, the records behind each number); suppression in de-identified
//! output, including totals that would reveal a suppressed cell; no name,
//! case number, date of birth, note or place in any output; the real
//! binary's exit codes for non-managers and bad periods; activities
//! refused with nothing saved.
//!
//! Self-contained on purpose: `tests/common` is being rewritten.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Output, Stdio};

use age::secrecy::SecretString;
use chrono::{NaiveDate, NaiveDateTime};

use casedesk::Error;
use casedesk::domain::activities::{ActivityFilter, ActivityKind, NewActivity};
use casedesk::domain::casework::{FollowUpDone, NewFollowUp, NewService, StatusChange};
use casedesk::domain::classes::{ClassKind, Days, LiteracyScores, Mark, MarkChange, NewClass};
use casedesk::domain::counselling::NewSession;
use casedesk::domain::person::{NewPerson, PersonId};
use casedesk::domain::placements::{NewPlacement, PlacementKind, VisitDone, VisitOutcome};
use casedesk::domain::reports::text::{csv_rows, markdown};
use casedesk::domain::{
    CaseStatus, Centre, ClosureReason, Concern, CounsellingKind, Programme, ReferralSource,
    RiskLevel, Role, ServiceKind, Sex,
};
use casedesk::office::audit::AuditFilter;
use casedesk::office::reports::{AgeBand, Measure, Period, RecordKind, Report};
use casedesk::office::{self, OfficePaths, Session};
use casedesk::vault;

const MANAGER: &str = "amina";
const STAFF: &str = "bilal";
const PSYCHOLOGIST: &str = "sana";

fn password(user: &str) -> &'static str {
    match user {
        MANAGER => "kite river lantern 7",
        STAFF => "otter canyon velvet 42",
        _ => "marble orchard thistle 9",
    }
}

fn secret(s: &str) -> SecretString {
    SecretString::from(s.to_string())
}

fn d(s: &str) -> NaiveDate {
    s.parse().expect("a date")
}

/// The day the test offices are built on.
fn today() -> NaiveDate {
    d("2026-11-20")
}

fn fixed_clock() -> casedesk::clock::FixedClock {
    let at: NaiveDateTime = today().and_hms_opt(10, 0, 0).expect("time");
    casedesk::clock::fixed(at)
}

fn q2() -> Period {
    Period::new(d("2026-04-01"), d("2026-06-30")).expect("period")
}

struct Office {
    /// Kept so the office's folder lives as long as the test.
    _dir: tempfile::TempDir,
    paths: OfficePaths,
}

impl Office {
    fn new() -> Office {
        vault::crypto::pin_work_factor(10);
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = OfficePaths::new(dir.path().join("office.casedesk"));
        let (mut manager, _recovery) = office::create_office(
            &paths,
            "Test office, Quetta",
            MANAGER,
            &secret(password(MANAGER)),
        )
        .expect("create office");
        manager
            .add_user(STAFF, Role::Staff, &secret(password(STAFF)))
            .expect("add staff");
        manager
            .add_user(
                PSYCHOLOGIST,
                Role::Psychologist,
                &secret(password(PSYCHOLOGIST)),
            )
            .expect("add psychologist");
        Office { _dir: dir, paths }
    }

    fn login(&self, name: &str) -> Session {
        office::login(&self.paths, name, &secret(password(name))).expect("login")
    }

    fn user_id(&self, name: &str) -> i64 {
        self.login(MANAGER)
            .account_named(name)
            .expect("account")
            .expect("exists")
            .id
    }

    /// The real binary, as `user`, with its password on stdin.
    fn run(&self, user: &str, args: &[&str]) -> Output {
        run_binary(&self.paths, user, args, &format!("{}\n", password(user)))
    }
}

fn run_binary(paths: &OfficePaths, user: &str, args: &[&str], stdin: &str) -> Output {
    let db = paths.db.to_str().expect("utf-8 path");
    let data = paths.db.parent().expect("dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_casedesk"))
        .args(["--db", db, "--user", user])
        .args(args)
        .env("CASEDESK_SCRYPT_LOG_N", "10")
        .env("CASEDESK_DATA_DIR", data)
        .env_remove("CASEDESK_DB")
        .env_remove("CASEDESK_USER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run casedesk");
    // A command refused before it reads the password closes stdin early.
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    child.wait_with_output().expect("wait")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A person of the known office.
struct Who {
    name: &'static str,
    father: &'static str,
    programme: Programme,
    sex: Sex,
    born: &'static str,
    registered: &'static str,
    referral: ReferralSource,
    concerns: &'static [Concern],
}

fn new_person(w: &Who) -> NewPerson {
    let registered_on = d(w.registered);
    NewPerson {
        programme: w.programme,
        name: w.name.into(),
        father_name: w.father.into(),
        alias: String::new(),
        sex: w.sex,
        birth_date: Some(d(w.born)),
        age_estimated: false,
        cnic: String::new(),
        phone: String::new(),
        area: "Zarghoonabad".into(),
        address: String::new(),
        guardian_name: String::new(),
        guardian_relation: String::new(),
        school_status: String::new(),
        work_status: String::new(),
        referral_source: w.referral,
        referral_detail: String::new(),
        concerns: w.concerns.to_vec(),
        consent_by: "self".into(),
        consent_date: Some(registered_on),
        consent_services: true,
        consent_sharing: false,
        risk: RiskLevel::Medium,
        risk_reason: String::new(),
        worker_id: None,
        centre: if w.programme == Programme::Cpc {
            Centre::Cpc
        } else {
            Centre::Desk
        },
        registered_on,
    }
}

/// The known office's people, A to G.
const PEOPLE: [Who; 7] = [
    // A: registered in Q1; 11 at the end of Q1, 12 at the end of Q2.
    Who {
        name: "Zarbadshah Qalandarzai",
        father: "Gulbadin Tareenkhel",
        programme: Programme::Cpc,
        sex: Sex::Male,
        born: "2014-05-01",
        registered: "2026-01-10",
        referral: ReferralSource::OutreachSpot,
        concerns: &[Concern::Csec],
    },
    // B: registered on the first day of Q2.
    Who {
        name: "Shahzaman Mengalzai",
        father: "Dostain Raisanikhel",
        programme: Programme::Cpc,
        sex: Sex::Male,
        born: "2010-01-03",
        registered: "2026-04-01",
        referral: ReferralSource::PoliceStation,
        concerns: &[Concern::Csa, Concern::Runaway],
    },
    // C: registered on the last day of Q2.
    Who {
        name: "Gulnaz Bangulzai",
        father: "Mirdad Lehrizai",
        programme: Programme::Cpc,
        sex: Sex::Female,
        born: "2016-02-02",
        registered: "2026-06-30",
        referral: ReferralSource::OutreachSpot,
        concerns: &[Concern::AtRisk],
    },
    // D: the women's desk, in Q2.
    Who {
        name: "Mahjabeen Sasolizai",
        father: "Khudainazar Jamaldini",
        programme: Programme::WomensDesk,
        sex: Sex::Female,
        born: "1990-03-03",
        registered: "2026-05-15",
        referral: ReferralSource::PoliceStation,
        concerns: &[Concern::DomesticViolence, Concern::PhysicalAssault],
    },
    // E: the day after Q2.
    Who {
        name: "Sherjan Kakarkhel",
        father: "Nazeer Badinizai",
        programme: Programme::Cpc,
        sex: Sex::Male,
        born: "2012-07-09",
        registered: "2026-07-01",
        referral: ReferralSource::SelfReferred,
        concerns: &[Concern::StreetWorking],
    },
    // F: the day before Q1; closed in Q1, reopened in Q2.
    Who {
        name: "Noorjahan Samalanizai",
        father: "Abdulwahid Zehrikhel",
        programme: Programme::WomensDesk,
        sex: Sex::Female,
        born: "1985-01-07",
        registered: "2025-12-31",
        referral: ReferralSource::OtherOrganisation,
        concerns: &[Concern::InCustody],
    },
    // G: the last day of Q1, closed the same day; date of birth unknown
    // (cleared after intake, as an imported record may lack one).
    Who {
        name: "Paikhan Kurdgalizai",
        father: "Saadullah Shahwanikhel",
        programme: Programme::Cpc,
        sex: Sex::Other,
        born: "2013-08-08",
        registered: "2026-03-31",
        referral: ReferralSource::CommunityGroup,
        concerns: &[Concern::AtRisk],
    },
];

const NOTE: &str = "Quietly shared worries about the family at home";
const PLACES: [&str; 4] = [
    "Baldia Plaza",
    "railway station",
    "Kasi Road mohalla",
    "Bijli Road police station",
];

struct Known {
    office: Office,
    ids: Vec<i64>,
    case_numbers: Vec<String>,
    activities: BTreeMap<&'static str, i64>,
}

impl Known {
    fn id(&self, who: char) -> i64 {
        self.ids[(who as u8 - b'A') as usize]
    }
}

fn service(s: &mut Session, id: i64, kind: ServiceKind, on: &str) {
    s.add_service(
        PersonId(id),
        &NewService {
            kind,
            on_date: d(on),
            detail: if kind == ServiceKind::MedicalReferral {
                "Civil Hospital Quetta".into()
            } else {
                String::new()
            },
            note: String::new(),
        },
    )
    .expect("service");
}

fn follow_up(s: &mut Session, id: i64, due: &str, done: &str) {
    let f = s
        .add_follow_up(
            PersonId(id),
            &NewFollowUp {
                due_on: d(due),
                purpose: "Home visit".into(),
            },
        )
        .expect("follow-up");
    s.complete_follow_up(
        f,
        &FollowUpDone {
            done_on: d(done),
            outcome: "Met".into(),
        },
    )
    .expect("done");
}

fn status(s: &mut Session, id: i64, to: CaseStatus, on: &str, reason: Option<ClosureReason>) {
    s.change_status(
        PersonId(id),
        &StatusChange {
            to,
            on_date: d(on),
            reason,
        },
    )
    .expect("status");
}

fn marks(s: &mut Session, class: i64, on: &str, list: &[(i64, Mark)]) {
    let changes: Vec<MarkChange> = list
        .iter()
        .map(|(p, m)| MarkChange {
            person_id: *p,
            mark: *m,
            loaded_version: 0,
        })
        .collect();
    s.save_attendance(class, d(on), &changes, false)
        .expect("attendance");
}

fn activity(kind: ActivityKind, on: &str, place: &str, staff: i64) -> NewActivity {
    NewActivity {
        kind,
        on_date: d(on),
        place: place.into(),
        staff: vec![staff],
        participants: Vec::new(),
        new_identified: 0,
        persons: Vec::new(),
        note: String::new(),
    }
}

/// The known office: seven people and their services, counselling,
/// follow-ups, classes, literacy tests, a skill course, two placements,
/// activities and case status steps, around Q2 2026 (see each number's
/// reason in `every_indicator_has_its_number`).
fn known() -> Known {
    let _clock = fixed_clock();
    let office = Office::new();
    let staff_id = office.user_id(STAFF);
    let mut s = office.login(STAFF);
    let mut ids = Vec::new();
    let mut case_numbers = Vec::new();
    for w in &PEOPLE {
        let (id, case) = s.register_person(&new_person(w)).expect("register");
        ids.push(id.0);
        case_numbers.push(case);
    }
    let id = |c: char| ids[(c as u8 - b'A') as usize];

    // Services: A twice in Q2 (its first and last day), once in Q1.
    service(&mut s, id('A'), ServiceKind::HealthCheck, "2026-04-01");
    service(&mut s, id('A'), ServiceKind::HealthCheck, "2026-06-30");
    service(&mut s, id('A'), ServiceKind::Literacy, "2026-02-01");
    service(&mut s, id('B'), ServiceKind::HealthCheck, "2026-05-05");
    service(&mut s, id('B'), ServiceKind::MedicalReferral, "2026-05-06");
    service(&mut s, id('D'), ServiceKind::LegalCounselling, "2026-05-20");
    service(&mut s, id('D'), ServiceKind::LegalAid, "2026-06-01");
    service(&mut s, id('E'), ServiceKind::HealthCheck, "2026-07-01");
    service(&mut s, id('G'), ServiceKind::HealthCheck, "2026-03-31");

    // Case follow-ups: A twice and B once in Q2, C after it, G in Q1.
    follow_up(&mut s, id('A'), "2026-04-20", "2026-04-22");
    follow_up(&mut s, id('A'), "2026-05-01", "2026-05-02");
    follow_up(&mut s, id('B'), "2026-06-29", "2026-06-30");
    follow_up(&mut s, id('C'), "2026-07-01", "2026-07-02");
    follow_up(&mut s, id('G'), "2026-03-31", "2026-03-31");

    // Classes: literacy (A, B, C) and tailoring (D).
    let literacy = s
        .add_class(&NewClass {
            kind: ClassKind::Literacy,
            name: "Literacy morning".into(),
            trade: String::new(),
            teacher_id: Some(staff_id),
            days: "mon-thu".parse::<Days>().expect("days"),
            starts_at: None,
            ends_at: None,
            starts_on: d("2026-01-01"),
            ends_on: None,
            room: String::new(),
        })
        .expect("class");
    let tailoring = s
        .add_class(&NewClass {
            kind: ClassKind::Skill,
            name: "Tailoring".into(),
            trade: "tailoring".into(),
            teacher_id: Some(staff_id),
            days: "mon,wed,fri".parse::<Days>().expect("days"),
            starts_at: None,
            ends_at: None,
            starts_on: d("2026-01-01"),
            ends_on: None,
            room: String::new(),
        })
        .expect("class");
    s.enrol(literacy, PersonId(id('A')), d("2026-01-12"))
        .expect("enrol");
    s.enrol(literacy, PersonId(id('B')), d("2026-04-02"))
        .expect("enrol");
    s.enrol(literacy, PersonId(id('C')), d("2026-06-30"))
        .expect("enrol");
    s.enrol(tailoring, PersonId(id('D')), d("2026-05-15"))
        .expect("enrol");
    marks(&mut s, literacy, "2026-03-30", &[(id('A'), Mark::Present)]);
    marks(
        &mut s,
        literacy,
        "2026-04-06",
        &[(id('A'), Mark::Present), (id('B'), Mark::Late)],
    );
    marks(
        &mut s,
        literacy,
        "2026-04-07",
        &[(id('A'), Mark::Absent), (id('B'), Mark::Present)],
    );
    marks(
        &mut s,
        literacy,
        "2026-06-30",
        &[
            (id('A'), Mark::Excused),
            (id('B'), Mark::Present),
            (id('C'), Mark::Present),
        ],
    );
    marks(&mut s, tailoring, "2026-05-18", &[(id('D'), Mark::Present)]);
    s.complete_skill(PersonId(id('D')), tailoring, d("2026-06-20"), true)
        .expect("completed");
    let test = |s: &mut Session, who: i64, month: &str, score: u8| {
        s.record_literacy_test(
            PersonId(who),
            d(month),
            &LiteracyScores {
                reading_urdu: Some(score),
                ..Default::default()
            },
        )
        .expect("literacy test");
    };
    test(&mut s, id('A'), "2026-03-01", 1);
    test(&mut s, id('A'), "2026-04-01", 1);
    test(&mut s, id('A'), "2026-06-01", 2);
    test(&mut s, id('B'), "2026-05-01", 2);
    test(&mut s, id('B'), "2026-06-01", 2);

    // Placements: B in a job (visited at 2 weeks and at 3 months), D a
    // business after the tailoring course.
    let job = s
        .add_placement(
            &NewPlacement {
                person_id: id('B'),
                kind: Some(PlacementKind::Job),
                starts_on: Some(d("2026-06-01")),
                trade: "tailoring".into(),
                employer: "Jinnah Road tailors".into(),
                ..Default::default()
            },
            false,
        )
        .expect("placement");
    s.add_placement(
        &NewPlacement {
            person_id: id('D'),
            kind: Some(PlacementKind::Business),
            starts_on: Some(d("2026-06-25")),
            business_kind: "tea stall".into(),
            skill_class_id: Some(tailoring),
            ..Default::default()
        },
        false,
    )
    .expect("placement");
    let visits = s.placement_visits(job).expect("visits");
    for (due, done) in [("2026-06-15", "2026-06-16"), ("2026-08-30", "2026-09-01")] {
        let v = visits
            .iter()
            .find(|v| v.due_on == d(due))
            .expect("a scheduled visit");
        s.record_visit(
            v.id,
            &VisitDone {
                done_on: d(done),
                outcome: VisitOutcome::StillWorking,
                problems: String::new(),
                support: String::new(),
                next_step: String::new(),
            },
        )
        .expect("visit");
    }

    // Activities.
    let mut activities = BTreeMap::new();
    let mut spot = activity(ActivityKind::SpotVisit, "2026-04-01", PLACES[0], staff_id);
    spot.participants = vec![
        (Sex::Male, AgeBand::Teen, 10),
        (Sex::Male, AgeBand::Under12, 3),
    ];
    spot.new_identified = 2;
    spot.persons = vec![id('A')];
    spot.note = "Met the children near the cinema".into();
    activities.insert("spot1", s.add_activity(&spot).expect("activity"));
    let mut spot = activity(ActivityKind::SpotVisit, "2026-06-30", PLACES[1], staff_id);
    spot.participants = vec![(Sex::Male, AgeBand::Teen, 4)];
    spot.new_identified = 1;
    activities.insert("spot2", s.add_activity(&spot).expect("activity"));
    let mut parents = activity(
        ActivityKind::ParentsMeeting,
        "2026-05-05",
        PLACES[2],
        staff_id,
    );
    parents.participants = vec![
        (Sex::Female, AgeBand::Adult, 3),
        (Sex::Male, AgeBand::Adult, 1),
    ];
    activities.insert("parents", s.add_activity(&parents).expect("activity"));
    let mut police = activity(
        ActivityKind::PoliceStationVisit,
        "2026-03-31",
        PLACES[3],
        staff_id,
    );
    police.participants = vec![(Sex::Male, AgeBand::Adult, 2)];
    activities.insert("police", s.add_activity(&police).expect("activity"));
    let mut late = activity(ActivityKind::SpotVisit, "2026-07-01", PLACES[0], staff_id);
    late.participants = vec![(Sex::Male, AgeBand::Teen, 5)];
    activities.insert("late", s.add_activity(&late).expect("activity"));

    // Status steps, last (a closed case takes no placement without a
    // confirmation).
    status(&mut s, id('A'), CaseStatus::Active, "2026-01-15", None);
    status(
        &mut s,
        id('A'),
        CaseStatus::Closed,
        "2026-05-10",
        Some(ClosureReason::Reintegrated),
    );
    status(&mut s, id('B'), CaseStatus::Active, "2026-04-02", None);
    status(
        &mut s,
        id('B'),
        CaseStatus::Closed,
        "2026-06-30",
        Some(ClosureReason::PlacedInJob),
    );
    status(&mut s, id('F'), CaseStatus::Active, "2026-01-05", None);
    status(
        &mut s,
        id('F'),
        CaseStatus::Closed,
        "2026-03-20",
        Some(ClosureReason::LostContact),
    );
    status(&mut s, id('F'), CaseStatus::Reopened, "2026-06-15", None);
    status(
        &mut s,
        id('G'),
        CaseStatus::Closed,
        "2026-03-31",
        Some(ClosureReason::Transferred),
    );
    drop(s);

    // Counselling: A alone in Q2; a group (B with A and C) on Q2's last
    // day; an assessment of F in Q1.
    let mut psy = office.login(PSYCHOLOGIST);
    for (person, kind, on, others) in [
        (id('A'), CounsellingKind::Individual, "2026-04-10", vec![]),
        (
            id('B'),
            CounsellingKind::Group,
            "2026-06-30",
            vec![id('A'), id('C')],
        ),
        (id('F'), CounsellingKind::Assessment, "2026-03-15", vec![]),
    ] {
        psy.record_counselling(
            &NewSession {
                person_id: person,
                kind,
                on_date: d(on),
                minutes: 45,
                participants: others,
            },
            NOTE,
        )
        .expect("counselling");
    }
    drop(psy);

    // G's date of birth is unknown.
    let obs = vault::login(&office.paths, MANAGER, &secret(password(MANAGER))).expect("observer");
    obs.conn()
        .execute(
            "UPDATE persons SET birth_date = NULL WHERE id = ?1",
            [id('G')],
        )
        .expect("clear birth date");
    Known {
        office,
        ids,
        case_numbers,
        activities,
    }
}

#[derive(Clone, Copy)]
enum P {
    Cur,
    Prev,
}

fn figures<'a>(r: &'a Report, key: &str, p: P) -> &'a casedesk::office::reports::Figures {
    let i = r
        .indicator(key)
        .unwrap_or_else(|| panic!("no indicator {key}"));
    match p {
        P::Cur => &i.current,
        P::Prev => &i.previous,
    }
}

/// (total, events) of an indicator.
fn n(r: &Report, key: &str, p: P) -> (i64, Option<i64>) {
    let f = figures(r, key, p);
    (f.cells.total(), f.events)
}

fn cell(r: &Report, key: &str, p: P, s: Sex, b: AgeBand) -> i64 {
    figures(r, key, p).cells.get(s, b)
}

/// The non-zero cells of an indicator, as (sex, band, count).
fn nonzero(r: &Report, key: &str, p: P) -> Vec<(Sex, AgeBand, i64)> {
    figures(r, key, p)
        .cells
        .iter()
        .filter(|c| c.2 != 0)
        .collect()
}

fn report(k: &Known, p: Period, deidentified: bool) -> Report {
    k.office
        .login(MANAGER)
        .report(p, deidentified)
        .expect("report")
}

#[test]
fn every_indicator_has_its_number() {
    let k = known();
    let r = report(&k, q2(), false);
    use AgeBand::*;
    use Sex::*;
    assert_eq!(r.period, q2());
    assert_eq!(
        r.previous,
        Period::new(d("2026-01-01"), d("2026-03-31")).unwrap()
    );

    // New cases: B (first day), C (last day), D; not A (Q1) or E (the
    // day after). Previous: A (11 at the end of Q1) and G (age unknown).
    assert_eq!(n(&r, "new_cases", P::Cur), (3, None));
    assert_eq!(
        nonzero(&r, "new_cases", P::Cur),
        [(Female, Under12, 1), (Female, Adult, 1), (Male, Teen, 1)]
    );
    assert_eq!(
        nonzero(&r, "new_cases", P::Prev),
        [(Male, Under12, 1), (Other, Unknown, 1)]
    );
    assert_eq!(n(&r, "new_cases.programme.cpc", P::Cur).0, 2);
    assert_eq!(n(&r, "new_cases.programme.wd", P::Cur).0, 1);
    for (concern, cur) in [
        ("csec", 0),
        ("csa", 1),
        ("runaway", 1),
        ("at_risk", 1),
        ("domestic_violence", 1),
        ("physical_assault", 1),
        ("in_custody", 0),
    ] {
        assert_eq!(
            n(&r, &format!("new_cases.concern.{concern}"), P::Cur).0,
            cur,
            "{concern}"
        );
    }
    assert_eq!(n(&r, "new_cases.concern.csec", P::Prev).0, 1);
    assert_eq!(n(&r, "new_cases.referral.police_station", P::Cur).0, 2);
    assert_eq!(n(&r, "new_cases.referral.outreach_spot", P::Cur).0, 1);
    assert_eq!(n(&r, "new_cases.referral.self", P::Cur).0, 0);
    assert_eq!(n(&r, "new_cases.referral.community_group", P::Prev).0, 1);

    // Open cases: A (closed in Q2), B, C, D, F (reopened in Q2); not G
    // (closed in Q1) or E. A is 12 by the end of Q2.
    assert_eq!(n(&r, "active", P::Cur).0, 5);
    assert_eq!(
        nonzero(&r, "active", P::Cur),
        [(Female, Under12, 1), (Female, Adult, 2), (Male, Teen, 2)]
    );
    assert_eq!(n(&r, "active", P::Prev).0, 3, "A, F and G");
    assert_eq!(cell(&r, "active", P::Prev, Other, Unknown), 1, "G");
    assert_eq!(cell(&r, "active", P::Prev, Male, Under12), 1, "A");
    assert_eq!(n(&r, "closed", P::Cur).0, 2);
    assert_eq!(n(&r, "closed.reason.reintegrated", P::Cur).0, 1);
    assert_eq!(n(&r, "closed.reason.placed_in_job", P::Cur).0, 1);
    assert_eq!(n(&r, "closed.reason.lost_contact", P::Prev).0, 1);
    assert_eq!(n(&r, "closed.reason.transferred", P::Prev).0, 1);
    assert_eq!(n(&r, "follow_ups.case", P::Cur), (2, Some(3)));
    assert_eq!(n(&r, "follow_ups.case", P::Prev), (1, Some(1)));

    // Services: A, B, C (counselled) and D.
    assert_eq!(n(&r, "services.any", P::Cur).0, 4);
    assert_eq!(n(&r, "services.any", P::Prev).0, 3, "A, G and F");
    assert_eq!(n(&r, "services.health_check", P::Cur), (2, Some(3)));
    assert_eq!(n(&r, "services.health_check", P::Prev), (1, Some(1)));
    assert_eq!(n(&r, "services.medical_referral", P::Cur), (1, Some(1)));
    assert_eq!(n(&r, "services.legal_counselling", P::Cur), (1, Some(1)));
    assert_eq!(n(&r, "services.legal_aid", P::Cur), (1, Some(1)));
    assert_eq!(n(&r, "services.literacy", P::Cur), (0, Some(0)));
    assert_eq!(n(&r, "services.literacy", P::Prev), (1, Some(1)));
    assert_eq!(n(&r, "counselling", P::Cur), (3, Some(2)));
    assert_eq!(n(&r, "counselling.individual", P::Cur), (1, Some(1)));
    assert_eq!(n(&r, "counselling.group", P::Cur), (3, Some(1)));
    assert_eq!(n(&r, "counselling.assessment", P::Cur), (0, Some(0)));
    assert_eq!(n(&r, "counselling.assessment", P::Prev), (1, Some(1)));

    // Classes: A, B and C attended literacy (3 sessions), D tailoring.
    assert_eq!(n(&r, "classes", P::Cur), (4, Some(4)));
    assert_eq!(n(&r, "classes.literacy", P::Cur), (3, Some(3)));
    assert_eq!(n(&r, "classes.skill", P::Cur), (1, Some(1)));
    assert_eq!(n(&r, "classes.literacy", P::Prev), (1, Some(1)));
    let rate = |key: &str| r.indicator(key).expect("rate").current.value(Measure::Rate);
    // Literacy: A 1 of 2 (excused left out), B 3 of 3, C 1 of 1.
    assert_eq!(rate("attendance.literacy"), 83);
    assert_eq!(rate("attendance.skill"), 100);
    assert_eq!(rate("attendance"), 86, "6 of 7");
    let lit = figures(&r, "attendance.literacy", P::Cur)
        .rate
        .expect("marks");
    assert_eq!(
        (lit.attended.get(Male, Teen), lit.counted.get(Male, Teen)),
        (4, 5)
    );
    assert_eq!(n(&r, "literacy.tested", P::Cur).0, 2);
    assert_eq!(
        n(&r, "literacy.improved", P::Cur).0,
        1,
        "A: 1 in March, 2 in June"
    );
    assert_eq!(n(&r, "literacy.tested", P::Prev).0, 1);
    assert_eq!(n(&r, "literacy.improved", P::Prev).0, 0);
    assert_eq!(n(&r, "skills.completed", P::Cur), (1, Some(1)));

    // Placements: the same numbers as the placements area's own counts.
    assert_eq!(n(&r, "placements.job", P::Cur), (1, Some(1)));
    assert_eq!(n(&r, "placements.business", P::Cur), (1, Some(1)));
    assert_eq!(n(&r, "placements.after_skill", P::Cur), (1, Some(1)));
    assert_eq!(n(&r, "placements.working_3m", P::Cur), (1, Some(1)));
    assert_eq!(n(&r, "placements.working_6m", P::Cur), (0, Some(0)));
    assert_eq!(n(&r, "placements.visits", P::Cur), (1, Some(1)));
    let c = k
        .office
        .login(MANAGER)
        .placement_counts(q2().from, q2().to)
        .expect("counts");
    assert_eq!(
        (
            c.jobs,
            c.businesses,
            c.after_skill_course,
            c.working_at_3_months,
            c.working_at_6_months,
            c.visits_made
        ),
        (1, 1, 1, 1, 0, 1)
    );

    // Activities: two spot visits (first and last day; not the one the
    // day after), a parents' meeting; a police station visit in Q1.
    assert_eq!(n(&r, "activities.spot_visit", P::Cur), (17, Some(2)));
    assert_eq!(
        nonzero(&r, "activities.spot_visit", P::Cur),
        [(Male, Under12, 3), (Male, Teen, 14)]
    );
    assert_eq!(n(&r, "activities.parents_meeting", P::Cur), (4, Some(1)));
    assert_eq!(
        n(&r, "activities.police_station_visit", P::Cur),
        (0, Some(0))
    );
    assert_eq!(
        n(&r, "activities.police_station_visit", P::Prev),
        (2, Some(1))
    );
    assert_eq!(
        figures(&r, "activities.new_identified", P::Cur).events,
        Some(3)
    );
    assert_eq!(n(&r, "activities.people", P::Cur).0, 1);

    // Women's desk: D (domestic violence) and F (in custody, reopened).
    assert_eq!(n(&r, "womens_desk", P::Cur).0, 2);
    assert_eq!(n(&r, "womens_desk.domestic_violence", P::Cur).0, 1);
    assert_eq!(n(&r, "womens_desk.in_custody", P::Cur).0, 1);
    assert_eq!(n(&r, "womens_desk.harassment", P::Cur).0, 0);
    assert_eq!(n(&r, "womens_desk", P::Prev).0, 1);

    // Month by month: new cases and services plus counselling sessions.
    let months: Vec<(NaiveDate, i64, i64)> = r
        .monthly
        .iter()
        .map(|m| (m.month.from, m.new_cases, m.services))
        .collect();
    assert_eq!(
        months,
        [
            (d("2026-04-01"), 1, 2),
            (d("2026-05-01"), 1, 3),
            (d("2026-06-01"), 1, 3)
        ]
    );
}

#[test]
fn records_behind_each_number() {
    let k = known();
    let r = report(&k, q2(), false);
    let ids = |key: &str| -> Vec<i64> {
        figures(&r, key, P::Cur)
            .records
            .iter()
            .map(|x| x.id)
            .collect()
    };
    let mut new = vec![k.id('B'), k.id('C'), k.id('D')];
    new.sort_unstable();
    assert_eq!(ids("new_cases"), new);
    assert_eq!(ids("services.health_check"), [k.id('A'), k.id('B')]);
    // Each person's record says which cell they are counted in.
    let a = figures(&r, "active", P::Cur)
        .records
        .iter()
        .find(|x| x.id == k.id('A'))
        .expect("A is open");
    assert_eq!(a.cell, Some((Sex::Male, AgeBand::Teen)));
    let spots = r.indicator("activities.spot_visit").expect("spots");
    assert_eq!(spots.record_kind, RecordKind::Activity);
    assert_eq!(
        ids("activities.spot_visit"),
        [k.activities["spot1"], k.activities["spot2"]]
    );
    // A de-identified report carries none.
    let de = report(&k, q2(), true);
    assert!(de.deidentified);
    assert!(
        de.indicators()
            .all(|i| i.current.records.is_empty() && i.previous.records.is_empty())
    );
}

#[test]
fn periods_are_inclusive_and_people_count_once() {
    let k = known();
    let day = |s: &str| report(&k, Period::new(d(s), d(s)).unwrap(), false);
    let first = day("2026-04-01");
    assert_eq!(
        figures(&first, "new_cases", P::Cur).records[0].id,
        k.id('B')
    );
    assert_eq!(n(&first, "services.health_check", P::Cur), (1, Some(1)));
    assert_eq!(n(&first, "activities.spot_visit", P::Cur), (13, Some(1)));
    // The previous period of one day is the day before.
    assert_eq!(
        first.previous,
        Period::new(d("2026-03-31"), d("2026-03-31")).unwrap()
    );
    assert_eq!(n(&first, "new_cases", P::Prev).0, 1, "G");
    let last = day("2026-06-30");
    assert_eq!(figures(&last, "new_cases", P::Cur).records[0].id, k.id('C'));
    // The group session on the last day: B, A and C, one session.
    assert_eq!(n(&last, "counselling", P::Cur), (3, Some(1)));
    let after = day("2026-07-01");
    assert_eq!(
        figures(&after, "new_cases", P::Cur).records[0].id,
        k.id('E')
    );
    assert_eq!(n(&after, "new_cases", P::Prev).0, 1, "C on 30 June");

    // A had two health checks and two counselling sessions in Q2, and two
    // follow-ups: counted once each time.
    let r = report(&k, q2(), false);
    let a = k.id('A');
    for key in ["services.health_check", "counselling", "follow_ups.case"] {
        let f = figures(&r, key, P::Cur);
        assert_eq!(f.records.iter().filter(|x| x.id == a).count(), 1, "{key}");
    }

    // Ten days not on month boundaries: the ten days before.
    let odd = Period::new(d("2026-05-06"), d("2026-05-15")).unwrap();
    let r = report(&k, odd, false);
    assert_eq!(
        r.previous,
        Period::new(d("2026-04-26"), d("2026-05-05")).unwrap()
    );
    assert_eq!(n(&r, "new_cases", P::Cur).0, 1, "D on 15 May");
    assert_eq!(n(&r, "services.medical_referral", P::Cur).0, 1);
    assert_eq!(
        n(&r, "services.health_check", P::Prev),
        (1, Some(1)),
        "B on 5 May"
    );
}

#[test]
fn attendance_follows_corrected_marks_in_whole_and_partial_months() {
    let k = known();
    let rate = |p: Period| {
        report(&k, p, false)
            .indicator("attendance.literacy")
            .expect("rate")
            .current
            .rate
            .map(|r| (r.attended.total(), r.counted.total()))
    };
    let partial = Period::new(d("2026-04-07"), d("2026-06-30")).unwrap();
    // Q2: A 1 of 2, B 3 of 3, C 1 of 1; from 7 April: A 0 of 1, B 2 of 2, C 1 of 1.
    assert_eq!(rate(q2()), Some((5, 6)));
    assert_eq!(rate(partial), Some((3, 4)));
    // A's absence on 7 April corrected to present, at another desk.
    let _clock = fixed_clock();
    let mut s = k.office.login(STAFF);
    let class = s
        .class_named("Literacy morning")
        .expect("class")
        .expect("exists")
        .id;
    let saved = s
        .save_attendance(
            class,
            d("2026-04-07"),
            &[MarkChange {
                person_id: k.id('A'),
                mark: Mark::Present,
                loaded_version: 1,
            }],
            false,
        )
        .expect("corrected");
    assert_eq!(saved.saved, 1);
    assert_eq!(rate(q2()), Some((6, 6)));
    assert_eq!(rate(partial), Some((4, 4)));
    assert_eq!(
        rate(Period::new(d("2026-04-07"), d("2026-04-07")).unwrap()),
        Some((2, 2))
    );
}

/// The sums the report shows hold: parts of a partition add up to their
/// parent, cell by cell; the months add up to the period.
#[test]
fn partitions_add_up() {
    let k = known();
    for r in [
        report(&k, q2(), false),
        report(
            &k,
            Period::new(d("2026-01-01"), d("2026-12-31")).unwrap(),
            false,
        ),
    ] {
        let mut groups: BTreeMap<(String, String, bool, bool), Vec<String>> = BTreeMap::new();
        for i in r.indicators() {
            if let Some(p) = &i.partition {
                groups
                    .entry((p.parent.clone(), p.by.clone(), p.cells, p.events))
                    .or_default()
                    .push(i.key.clone());
            }
        }
        assert_eq!(groups.len(), 4, "{groups:?}");
        for ((parent, _, cells, events), parts) in &groups {
            let par = r.indicator(parent).expect("parent");
            for p in [P::Cur, P::Prev] {
                let pf = match p {
                    P::Cur => &par.current,
                    P::Prev => &par.previous,
                };
                let fig = |k: &String| figures(&r, k, p);
                if *cells {
                    for (s, b, v) in pf.cells.iter() {
                        let sum: i64 = parts.iter().map(|k| fig(k).cells.get(s, b)).sum();
                        assert_eq!(sum, v, "{parent} {s:?} {b:?}");
                    }
                }
                if *events {
                    let sum: i64 = parts.iter().map(|k| fig(k).events.unwrap_or(0)).sum();
                    assert_eq!(Some(sum), pf.events, "{parent} events");
                }
            }
        }
        let new: i64 = r.monthly.iter().map(|m| m.new_cases).sum();
        assert_eq!(new, n(&r, "new_cases", P::Cur).0);
        let services: i64 = r.monthly.iter().map(|m| m.services).sum();
        let by_kind: i64 = r
            .indicators()
            .filter(|i| i.key.starts_with("services.") || i.key == "counselling")
            .filter_map(|i| i.current.events)
            .sum();
        assert_eq!(services, by_kind);
    }
}

// ---------------------------------------------------------------------
// Suppression.

/// CSV rows keyed by (indicator, measure, sex, band): (value, previous).
type Csv = BTreeMap<(String, String, String, String), (String, String)>;

fn parse_csv(rows: &[Vec<String>]) -> Csv {
    rows.iter()
        .map(|r| {
            // The months share an indicator key: their label tells them apart.
            let key = if r[0] == "monthly" {
                format!("{}|{}", r[1], r[2])
            } else {
                r[1].clone()
            };
            (
                (key, r[3].clone(), r[4].clone(), r[5].clone()),
                (r[6].clone(), r[7].clone()),
            )
        })
        .collect()
}

/// A shown number: a value or `x` (withheld).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Seen {
    N(i64),
    Withheld,
}

fn seen(s: &str) -> Seen {
    match s {
        "x" => Seen::Withheld,
        v => Seen::N(v.parse().unwrap_or_else(|_| panic!("not a count: {v:?}"))),
    }
}

/// The one number `sum = parts` gives away, if any: a single withheld
/// member (the sum or a part) of a line where everything else is shown.
/// Checked independently of the report's own solver (the property test
/// `properties_reports` solves every sum at once).
fn revealed(sum: Seen, parts: &[Seen]) -> Option<i64> {
    let withheld = parts.iter().filter(|p| **p == Seen::Withheld).count();
    let shown: i64 = parts
        .iter()
        .filter_map(|p| match p {
            Seen::N(v) => Some(*v),
            Seen::Withheld => None,
        })
        .sum();
    match (sum, withheld) {
        (Seen::N(total), 1) => Some(total - shown),
        (Seen::Withheld, 0) => Some(shown),
        _ => None,
    }
}

const CELL_SEXES: [&str; 3] = ["female", "male", "other"];
const CELL_BANDS: [&str; 4] = ["under12", "12-17", "18+", "unknown"];

/// Every sum the de-identified CSV shows: none gives away a count from 1
/// to 4.
#[track_caller]
fn assert_nothing_revealed(report: &Report, csv: &Csv) {
    let get = |key: &str, measure: &str, sex: &str, band: &str, prev: bool| -> Option<Seen> {
        csv.get(&(key.into(), measure.into(), sex.into(), band.into()))
            .map(|v| seen(if prev { &v.1 } else { &v.0 }))
    };
    let reveals =
        |sum: Seen, parts: &[Seen]| revealed(sum, parts).is_some_and(|v| (1..=4).contains(&v));
    let mut problems = Vec::new();
    for prev in [false, true] {
        for ind in report.indicators() {
            if !matches!(ind.measure, Measure::People | Measure::Participants) {
                continue;
            }
            let m = ind.measure.code();
            let cells: Vec<Seen> = CELL_SEXES
                .iter()
                .flat_map(|s| CELL_BANDS.iter().map(move |b| (s, b)))
                .map(|(s, b)| get(&ind.key, m, s, b, prev).expect("cell row"))
                .collect();
            let total = get(&ind.key, m, "all", "all", prev).expect("total row");
            if reveals(total, &cells) {
                problems.push(format!("{} total (previous: {prev})", ind.key));
            }
        }
        // Partitions, cell by cell and in total.
        for (parent, prefix) in [
            ("new_cases", "new_cases.programme."),
            ("new_cases", "new_cases.referral."),
            ("closed", "closed.reason."),
        ] {
            let parts: Vec<&str> = report
                .indicators()
                .filter(|i| i.key.starts_with(prefix))
                .map(|i| i.key.as_str())
                .collect();
            let mut slots: Vec<(&str, &str)> = CELL_SEXES
                .iter()
                .flat_map(|s| CELL_BANDS.iter().map(move |b| (*s, *b)))
                .collect();
            slots.push(("all", "all"));
            for (s, b) in slots {
                let sum = get(parent, "people", s, b, prev).expect("parent");
                let ps: Vec<Seen> = parts
                    .iter()
                    .map(|k| get(k, "people", s, b, prev).expect("part"))
                    .collect();
                if reveals(sum, &ps) {
                    problems.push(format!("{prefix}* in {parent} {s} {b} (previous: {prev})"));
                }
            }
        }
        let kinds: Vec<Seen> = ["assessment", "individual", "group"]
            .iter()
            .map(|k| {
                get(&format!("counselling.{k}"), "sessions", "all", "all", prev).expect("kind")
            })
            .collect();
        let sessions = get("counselling", "sessions", "all", "all", prev).expect("sessions");
        if reveals(sessions, &kinds) {
            problems.push(format!("counselling sessions by kind (previous: {prev})"));
        }
    }
    let months: Vec<Seen> = csv
        .iter()
        .filter(|(k, _)| k.0.starts_with("monthly.new_cases|"))
        .map(|(_, v)| seen(&v.0))
        .collect();
    let new = get("new_cases", "people", "all", "all", false).expect("new cases");
    if reveals(new, &months) {
        problems.push("new cases by month".into());
    }
    assert!(
        problems.is_empty(),
        "a count below 5 can be worked out: {problems:?}"
    );
}

/// Every count of 1 to 4 shows as `x` (withheld), zero as 0 or `x`,
/// anything else as itself or `x`; a rate as itself or `x`.
#[track_caller]
fn assert_small_counts_hidden(plain: &Csv, de: &Csv) {
    assert_eq!(
        plain.keys().collect::<Vec<_>>(),
        de.keys().collect::<Vec<_>>(),
        "the same rows"
    );
    for (k, (v, p)) in plain {
        let (dv, dp) = &de[k];
        for (raw, shown) in [(v, dv), (p, dp)] {
            if raw.is_empty() {
                assert!(shown.is_empty() || shown == "x", "{k:?}");
                continue;
            }
            if k.1 == "attendance_rate" {
                assert!(
                    shown == raw || shown == "x",
                    "{k:?}: {raw} shown as {shown}"
                );
                continue;
            }
            let raw: i64 = raw.parse().expect("a count");
            match raw {
                0 => assert!(shown == "0" || shown == "x", "{k:?}: 0 shown as {shown}"),
                1..=4 => assert_eq!(shown, "x", "{k:?}: {raw} shown"),
                _ => assert!(
                    *shown == raw.to_string() || shown == "x",
                    "{k:?}: {raw} shown as {shown}"
                ),
            }
        }
    }
}

/// Nine children registered in March 2026: six boys of 12–17 from
/// outreach, a girl under 12 from outreach and two girls of 12–17 (one
/// from outreach, one from a police station); the six boys and the girl
/// under 12 had a health check.
fn nine_children() -> Office {
    let _clock = fixed_clock();
    let office = Office::new();
    let mut s = office.login(STAFF);
    let names = [
        "Abdulbaqi",
        "Abdulhaq",
        "Abdulmalik",
        "Abdulqadir",
        "Abdulrazzaq",
        "Abdulsamad",
        "Bibi Hajira",
        "Bibi Mehrunnisa",
        "Bibi Shahnaz",
    ];
    for (i, name) in names.iter().enumerate() {
        let (sex, born) = match i {
            0..=5 => (Sex::Male, "2010-06-01"),
            6 => (Sex::Female, "2016-06-01"),
            _ => (Sex::Female, "2011-06-01"),
        };
        let w = Who {
            name,
            father: "Haji Abdulkarim",
            programme: Programme::Cpc,
            sex,
            born,
            registered: "2026-03-10",
            referral: if i == 8 {
                ReferralSource::PoliceStation
            } else {
                ReferralSource::OutreachSpot
            },
            concerns: &[Concern::AtRisk],
        };
        let (id, _) = s.register_person(&new_person(&w)).expect("register");
        if i <= 6 {
            service(&mut s, id.0, ServiceKind::HealthCheck, "2026-03-12");
        }
    }
    office
}

#[test]
fn small_counts_and_the_totals_that_would_reveal_them_are_suppressed() {
    let office = nine_children();
    let march = Period::new(d("2026-03-01"), d("2026-03-31")).unwrap();
    let session = office.login(MANAGER);
    let plain = session.report(march, false).expect("report");
    let de = session.report(march, true).expect("report");
    let (p, dcsv) = (parse_csv(&csv_rows(&plain)), parse_csv(&csv_rows(&de)));
    assert_small_counts_hidden(&p, &dcsv);
    assert_nothing_revealed(&de, &dcsv);
    let shown = |key: &str, measure: &str, sex: &str, band: &str| {
        dcsv[&(key.into(), measure.into(), sex.into(), band.into())]
            .0
            .clone()
    };
    // Health checks: 6 boys and 1 girl: the 1 is withheld, and so is
    // the 6 (else 7 − 6 gives it away); the total of 7 is kept, as are
    // the 7 services.
    assert_eq!(
        shown("services.health_check", "people", "male", "12-17"),
        "x"
    );
    assert_eq!(
        shown("services.health_check", "people", "female", "under12"),
        "x"
    );
    assert_eq!(shown("services.health_check", "people", "all", "all"), "7");
    assert_eq!(
        shown("services.health_check", "services", "all", "all"),
        "7"
    );
    // New cases: 6 boys of 12–17, 1 girl under 12, 2 girls of 12–17.
    // The headline total of 9 stays (a donor report keeps it); the small
    // cells are withheld with enough others that none can be worked out.
    assert_eq!(shown("new_cases", "people", "all", "all"), "9");
    assert_eq!(shown("new_cases", "people", "female", "under12"), "x");
    assert_eq!(shown("new_cases", "people", "female", "12-17"), "x");
    assert_eq!(shown("new_cases", "people", "male", "12-17"), "x");
    // The police station's one referral is withheld, and so is the
    // outreach spots' 8 (9 − 8 would give it away).
    assert_eq!(
        shown("new_cases.referral.police_station", "people", "all", "all"),
        "x"
    );
    assert_eq!(
        shown("new_cases.referral.outreach_spot", "people", "all", "all"),
        "x"
    );
    let month = dcsv
        .iter()
        .find(|(k, _)| k.0.starts_with("monthly.new_cases|"))
        .expect("a month");
    assert_eq!(month.1.0, "9");
    // The Markdown says the same, the total in the sentence too.
    let md = markdown(&de);
    assert!(
        md.contains("In March 2026, 9 new cases were registered"),
        "{md}"
    );
    assert!(
        !md.contains("<5") && !md.contains("a withheld number of new cases"),
        "{md}"
    );
    let row = md
        .lines()
        .find(|l| l.starts_with("| New cases registered |"))
        .expect("the new cases row");
    assert!(row.contains("| 9 |") && row.contains("| x |"), "{row}");
    assert!(!row.contains("| 6 |"), "a complement shows: {row}");

    // The known office, both periods: the same two promises.
    let k = known();
    for period in [q2(), Period::new(d("2026-01-01"), d("2026-12-31")).unwrap()] {
        let plain = report(&k, period, false);
        let de = report(&k, period, true);
        let (p, dcsv) = (parse_csv(&csv_rows(&plain)), parse_csv(&csv_rows(&de)));
        assert_small_counts_hidden(&p, &dcsv);
        assert_nothing_revealed(&de, &dcsv);
    }
}

// ---------------------------------------------------------------------
// What leaves the office.

/// Everything in the known office that identifies a person or a place
/// finer than the district.
fn identifying(k: &Known) -> Vec<String> {
    let mut v: Vec<String> = Vec::new();
    for w in &PEOPLE {
        v.push(w.name.into());
        v.push(w.father.into());
        v.push(w.born.into());
        let b = d(w.born);
        v.push(b.format("%d/%m/%Y").to_string());
        v.push(b.format("%d-%m-%Y").to_string());
    }
    v.extend(k.case_numbers.iter().cloned());
    v.extend(PLACES.iter().map(|p| p.to_string()));
    v.push(NOTE.into());
    v.push("Zarghoonabad".into());
    v.push("Met the children near the cinema".into());
    v
}

#[track_caller]
fn assert_clean(k: &Known, what: &str, out: &str) {
    for s in identifying(k) {
        assert!(!out.contains(&s), "{what} holds {s:?}");
    }
}

#[test]
fn no_name_case_number_date_of_birth_or_place_in_any_output() {
    let k = known();
    for deid in [false, true] {
        let r = report(&k, q2(), deid);
        assert_clean(&k, "markdown", &markdown(&r));
        let csv: String = csv_rows(&r)
            .iter()
            .map(|row| row.join(","))
            .collect::<Vec<_>>()
            .join("\n");
        assert_clean(&k, "csv", &csv);
    }
    // The real binary, every format.
    for args in [
        &["report", "--from", "2026-04-01", "--to", "2026-06-30"][..],
        &[
            "report",
            "--from",
            "2026-04-01",
            "--to",
            "2026-06-30",
            "--format",
            "csv",
        ],
        &[
            "report",
            "--from",
            "2026-04-01",
            "--to",
            "2026-06-30",
            "--deidentified",
        ],
        &[
            "report",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--format",
            "csv",
            "--deidentified",
        ],
    ] {
        let out = k.office.run(MANAGER, args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let stdout = text(&out.stdout);
        assert!(stdout.len() > 500, "{args:?} printed {stdout:?}");
        assert_clean(&k, &format!("{args:?}"), &stdout);
        assert_clean(&k, &format!("{args:?} stderr"), &text(&out.stderr));
    }
    let md = text(
        &k.office
            .run(
                MANAGER,
                &["report", "--from", "2026-04-01", "--to", "2026-06-30"],
            )
            .stdout,
    );
    // Reads like the office's own reports, ready to paste.
    assert!(
        md.contains("In the quarter April–June 2026, 3 new cases were registered"),
        "{md}"
    );
    assert!(
        md.contains("3 follow-up visits were made to 2 people"),
        "{md}"
    );
    assert!(
        md.contains("2 visits to spots were made, with 17 contacts with children"),
        "{md}"
    );
    assert!(md.contains("(previous period: 2)"), "{md}");
    assert!(md.contains("| New cases registered |"), "{md}");
    let csv = text(
        &k.office
            .run(
                MANAGER,
                &[
                    "report",
                    "--from",
                    "2026-04-01",
                    "--to",
                    "2026-06-30",
                    "--format",
                    "csv",
                ],
            )
            .stdout,
    );
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("section,indicator,label,measure,sex,age_band,value,previous")
    );
    assert!(
        csv.contains("cases,new_cases,New cases registered,people,male,12-17,1,0"),
        "{csv}"
    );
    assert!(
        csv.contains("cases,new_cases,New cases registered,people,all,all,3,2"),
        "{csv}"
    );
}

#[test]
fn only_a_manager_runs_reports() {
    let k = known();
    for who in [STAFF, PSYCHOLOGIST] {
        let err = k
            .office
            .login(who)
            .report(q2(), false)
            .expect_err("refused");
        assert!(matches!(err, Error::NotAllowed(_)), "{err:?}");
        for extra in [&[][..], &["--deidentified"], &["--format", "csv"]] {
            let mut args = vec!["report", "--from", "2026-04-01", "--to", "2026-06-30"];
            args.extend_from_slice(extra);
            let out = k.office.run(who, &args);
            assert_eq!(out.status.code(), Some(3), "{who} {args:?}");
            assert!(out.stdout.is_empty(), "{who} printed a report");
            let err = text(&out.stderr);
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(err.starts_with("error: "), "{err}");
        }
    }
}

#[test]
fn a_bad_period_is_a_usage_error() {
    let k = known();
    for (from, to) in [
        ("2026-06-30", "2026-04-01"),
        ("2026-02-30", "2026-03-31"),
        ("2026-04-01", "30/06/2026"),
        ("yesterday", "2026-06-30"),
    ] {
        // No password on stdin: the period is checked before any is read.
        let out = run_binary(
            &k.office.paths,
            MANAGER,
            &["report", "--from", from, "--to", to],
            "",
        );
        assert_eq!(out.status.code(), Some(2), "{from} {to}");
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(out.stdout.is_empty());
    }
    assert!(Period::parse("2026-06-30", "2026-04-01").is_err());
}

/// Issue 19, item 11: the reports for 1–27 and 1–26 November gave 8 and
/// 7 boys of 12–17, revealing the one registered on the 27th. A
/// de-identified report is made only for whole calendar months,
/// quarters and years; any other period is refused (exit 2, one plain
/// line, before any password is read), and the full report keeps any
/// period.
#[test]
fn a_deidentified_report_is_only_for_calendar_months_quarters_and_years() {
    let k = known();
    for (from, to) in [
        ("2026-11-01", "2026-11-27"),
        ("2026-11-01", "2026-11-26"),
        ("2026-11-02", "2026-11-30"),
        ("2026-02-01", "2026-04-30"),
        ("2025-11-01", "2026-10-31"),
        ("2026-04-01", "2026-06-29"),
    ] {
        let out = run_binary(
            &k.office.paths,
            MANAGER,
            &["report", "--from", from, "--to", to, "--deidentified"],
            "",
        );
        assert_eq!(out.status.code(), Some(2), "{from} {to}");
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with("error: ")
                && err.contains("whole calendar month, quarter or year")
                && err.contains("without --deidentified"),
            "{err}"
        );
        assert!(out.stdout.is_empty());
        // The office layer refuses it too; the full report is made.
        let p = Period::parse(from, to).expect("period");
        let session = k.office.login(MANAGER);
        let e = session.report(p, true).expect_err("refused");
        assert!(e.to_string().contains("calendar month"), "{e}");
        session
            .report(p, false)
            .expect("the full report keeps any period");
    }
    for (from, to) in [
        ("2026-11-01", "2026-11-30"),
        ("2026-02-01", "2026-02-28"),
        ("2026-10-01", "2026-12-31"),
        ("2026-01-01", "2026-12-31"),
    ] {
        let out = k.office.run(
            MANAGER,
            &["report", "--from", from, "--to", to, "--deidentified"],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{from} {to}: {}",
            text(&out.stderr)
        );
    }
    let help = run_binary(&k.office.paths, MANAGER, &["report", "--help"], "");
    assert!(
        text(&help.stdout).contains("whole calendar month, quarter or year"),
        "{}",
        text(&help.stdout)
    );
}

#[test]
fn running_a_report_is_one_audit_entry_with_its_period() {
    let k = known();
    let session = k.office.login(MANAGER);
    let filter = AuditFilter {
        action: Some("report.run".into()),
        ..Default::default()
    };
    assert!(session.audit_entries(&filter).expect("audit").is_empty());
    session.report(q2(), false).expect("report");
    session.report(q2(), true).expect("report");
    let entries = session.audit_entries(&filter).expect("audit");
    let details: Vec<(&str, &str, &str)> = entries
        .iter()
        .map(|e| (e.user_name.as_str(), e.target.as_str(), e.detail.as_str()))
        .collect();
    assert_eq!(
        details,
        [
            (MANAGER, "", "2026-04-01 to 2026-06-30"),
            (MANAGER, "", "2026-04-01 to 2026-06-30; de-identified")
        ]
    );
    // A refused report leaves no entry.
    let _ = k.office.login(STAFF).report(q2(), false);
    assert_eq!(session.audit_entries(&filter).expect("audit").len(), 2);
}

// ---------------------------------------------------------------------
// Activities.

#[test]
fn activities_are_recorded_and_listed() {
    let k = known();
    let s = k.office.login(STAFF);
    let list = s
        .activities(
            &ActivityFilter {
                from: Some(d("2026-04-01")),
                to: Some(d("2026-06-30")),
                kind: Some(ActivityKind::SpotVisit),
            },
            100,
        )
        .expect("list");
    assert_eq!(
        list.iter().map(|a| a.id).collect::<Vec<_>>(),
        [k.activities["spot2"], k.activities["spot1"]],
        "newest first"
    );
    let spot = &list[1];
    assert_eq!(spot.place, PLACES[0]);
    assert_eq!(spot.participants.total(), 13);
    assert_eq!(spot.participants.get(Sex::Male, AgeBand::Under12), 3);
    assert_eq!(spot.new_identified, 2);
    assert_eq!(spot.staff, [STAFF]);
    assert_eq!(spot.persons, [(k.id('A'), k.case_numbers[0].clone())]);
    assert_eq!(spot.recorded_by.as_deref(), Some(STAFF));
    // Its audit entry names the person and the activity, not the place.
    let entries = k
        .office
        .login(MANAGER)
        .audit_entries(&AuditFilter {
            action: Some("activity.add".into()),
            ..Default::default()
        })
        .expect("audit");
    assert_eq!(entries.len(), 5);
    assert_eq!(
        entries[0].target,
        format!("person:{} activity:{}", k.id('A'), k.activities["spot1"])
    );
    assert_eq!(entries[0].detail, "spot_visit");
    // A psychologist does not keep the activities log.
    assert!(matches!(
        k.office
            .login(PSYCHOLOGIST)
            .activities(&ActivityFilter::default(), 10),
        Err(Error::NotAllowed(_))
    ));
}

#[test]
fn bad_activities_are_refused_and_nothing_is_saved() {
    let _clock = fixed_clock();
    let office = Office::new();
    let staff = office.user_id(STAFF);
    let mut s = office.login(STAFF);
    let good = || {
        let mut a = activity(ActivityKind::SpotVisit, "2026-11-02", "Baldia Plaza", staff);
        a.participants = vec![(Sex::Male, AgeBand::Teen, 6)];
        a
    };
    let mut cases: Vec<(&str, NewActivity, &str)> = Vec::new();
    let mut a = good();
    a.participants = vec![(Sex::Male, AgeBand::Teen, -3)];
    cases.push(("a negative count", a, "cannot be negative"));
    let mut a = good();
    a.participants = vec![(Sex::Female, AgeBand::Adult, 90_000)];
    cases.push(("an absurd count", a, "not believable"));
    let mut a = good();
    a.new_identified = -1;
    cases.push(("negative new children", a, "cannot be negative"));
    let mut a = good();
    a.new_identified = 7;
    cases.push(("more new children than met", a, "More new children"));
    let mut a = good();
    a.on_date = d("2026-11-21");
    cases.push(("a date in the future", a, "in the future"));
    let mut a = good();
    a.persons = vec![987_654];
    cases.push((
        "a person who does not exist",
        a,
        "no person with record id 987654",
    ));
    let mut a = good();
    a.staff = vec![424_242];
    cases.push(("staff who do not exist", a, "no account with id 424242"));
    let mut a = good();
    a.place = "Baldia\u{1b}[2J Plaza".into();
    cases.push(("an escape sequence in the place", a, "control characters"));
    let mut a = good();
    a.note = "fine\u{7}".into();
    cases.push(("a control character in the note", a, "control characters"));
    let mut a = good();
    a.place = " ".into();
    cases.push(("no place", a, "Spot is required"));
    for (what, a, message) in &cases {
        match s.add_activity(a) {
            Err(e @ Error::Invalid(_)) => {
                assert!(e.to_string().contains(message), "{what}: {e}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    assert!("picnic".parse::<ActivityKind>().is_err(), "an unknown kind");
    let saved = s.activities(&ActivityFilter::default(), 100).expect("list");
    assert!(saved.is_empty(), "{saved:?}");
    let audit = office
        .login(MANAGER)
        .audit_entries(&AuditFilter {
            action: Some("activity.add".into()),
            ..Default::default()
        })
        .expect("audit");
    assert!(audit.is_empty());
    // The good one goes in.
    s.add_activity(&good()).expect("a good activity");
    assert_eq!(
        s.activities(&ActivityFilter::default(), 100).unwrap().len(),
        1
    );
}

#[test]
fn activities_from_the_command_line() {
    let k = known();
    let add = |args: &[&str]| {
        let mut all = vec!["activity", "add"];
        all.extend_from_slice(args);
        k.office.run(STAFF, &all)
    };
    let count = || {
        let out = k
            .office
            .run(STAFF, &["activity", "list", "--format", "csv"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout).lines().count() - 1
    };
    let before = count();
    let out = add(&[
        "--kind",
        "parents_meeting",
        "--date",
        "2026-10-05",
        "--place",
        "Satellite Town community hall",
        "--people",
        "female:18+=3",
        "--people",
        "m:18+=1",
        "--person",
        &k.case_numbers[0],
        "--note",
        "Planned the next month",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let id: i64 = text(&out.stdout).trim().parse().expect("the new id");
    let list = text(
        &k.office
            .run(
                STAFF,
                &[
                    "activity",
                    "list",
                    "--kind",
                    "parents_meeting",
                    "--format",
                    "csv",
                ],
            )
            .stdout,
    );
    assert!(
        list.contains(&format!(
            "{id},2026-10-05,parents_meeting,Satellite Town community hall,bilal,3,1,0,4,0,{},Planned the next month",
            k.case_numbers[0]
        )),
        "{list}"
    );
    // Refused, with one error line and nothing saved.
    for (args, code) in [
        (vec!["--kind", "picnic", "--place", "x"], 2),
        (
            vec![
                "--kind",
                "spot_visit",
                "--place",
                "x",
                "--people",
                "male:12-17=-3",
            ],
            1,
        ),
        (
            vec![
                "--kind",
                "spot_visit",
                "--place",
                "x",
                "--people",
                "male:teen=3",
            ],
            2,
        ),
        (
            vec![
                "--kind",
                "spot_visit",
                "--place",
                "x",
                "--date",
                "2099-01-01",
            ],
            1,
        ),
        (
            vec![
                "--kind",
                "spot_visit",
                "--place",
                "x",
                "--person",
                "CPC-2099-9999",
            ],
            1,
        ),
        (vec!["--kind", "spot_visit", "--place", "x\u{1b}[31m"], 1),
    ] {
        let out = add(&args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let err = text(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.starts_with("error: "), "{err}");
        assert!(!err.contains('\u{1b}'), "the escape came back: {err:?}");
    }
    assert_eq!(count(), before + 1);
    // The help documents the flags.
    let help = text(&k.office.run(STAFF, &["activity", "add", "--help"]).stdout);
    for flag in [
        "--kind",
        "--date",
        "--place",
        "--staff",
        "--people",
        "--new",
        "--person",
        "--note",
        "spot_visit",
        "mlu_visit",
    ] {
        assert!(help.contains(flag), "help lacks {flag}");
    }
    let help = text(&k.office.run(MANAGER, &["report", "--help"]).stdout);
    for flag in [
        "--from",
        "--to",
        "--format",
        "--deidentified",
        "withheld (x)",
    ] {
        assert!(help.contains(flag), "help lacks {flag}");
    }
}
