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
        SeeOffice => s.office_settings().map(drop),
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

/// Every public method of a login (`impl Session` in `src/office/`) asks
/// the rulebook: its body calls `need`, or a function that does (a helper
/// like `identity` or another method). Read from the source whole (as
/// `tests/layers.rs` does), so a new method that forgets fails here
/// before any role can reach its data. The few that touch no office data
/// are listed with the reason.
#[test]
fn every_public_office_method_asks_the_rulebook() {
    use std::collections::{BTreeMap, BTreeSet};
    use syn::visit::Visit;

    /// Methods that read or write no records of the office.
    const NO_RECORDS: &[(&str, &str)] = &[
        ("user", "the login's own account"),
        ("role", "the login's own role"),
        ("paths", "where the files are"),
        ("worker", "the same login on another connection"),
        ("upgrade", "what the login's upgrade did"),
        ("login_warnings", "what the login noticed"),
        ("upgrade_copies", "file names beside the office file"),
        ("check", "the integrity check every role may run (CLI.md)"),
        ("change_password", "the login's own password"),
        ("holds_counselling_key", "whether this login holds a key"),
        (
            "pending_counselling_grants",
            "a count for the psychologist's hint",
        ),
        ("unverifiable_notes", "0 without the counselling key"),
        ("logged_out", "the login's own audit entry"),
        ("locked", "the login's own audit entry"),
        ("unlock_attempted", "the login's own audit entry"),
        (
            "auto_backup_if_due",
            "the day's backup after any login (DESIGN.md)",
        ),
        ("last_good_backup", "a date for every Home"),
        ("backup_is_stale", "a warning for every Home"),
        ("may", "the rulebook itself"),
        ("need", "the rulebook itself"),
    ];

    /// The functions and methods a body calls, by name.
    #[derive(Default)]
    struct Idents(BTreeSet<String>);
    impl<'ast> Visit<'ast> for Idents {
        fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
            self.0.insert(m.method.to_string());
            syn::visit::visit_expr_method_call(self, m);
        }
        fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
            if let syn::Expr::Path(p) = &*c.func
                && let Some(last) = p.path.segments.last()
            {
                self.0.insert(last.ident.to_string());
            }
            syn::visit::visit_expr_call(self, c);
        }
    }
    let mut bodies: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut public: BTreeSet<String> = BTreeSet::new();
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/office"
    ))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let file =
                syn::parse_file(&std::fs::read_to_string(&path).expect("read")).expect("parse");
            for item in &file.items {
                let mut idents = |name: String, block: &syn::Block| {
                    let mut v = Idents::default();
                    v.visit_block(block);
                    bodies.entry(name).or_default().extend(v.0);
                };
                match item {
                    syn::Item::Fn(f) => idents(f.sig.ident.to_string(), &f.block),
                    syn::Item::Impl(i) => {
                        let of_session = matches!(&*i.self_ty, syn::Type::Path(p)
                            if p.path.segments.last().is_some_and(|s| s.ident == "Session"));
                        for it in &i.items {
                            if let syn::ImplItem::Fn(f) = it {
                                let name = f.sig.ident.to_string();
                                if of_session
                                    && matches!(f.vis, syn::Visibility::Public(_))
                                    && f.sig.receiver().is_some()
                                {
                                    public.insert(name.clone());
                                }
                                idents(name, &f.block);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    // Which functions ask, directly or through one that does.
    let mut asks: BTreeSet<String> = BTreeSet::from(["need".to_string()]);
    loop {
        let more: Vec<String> = bodies
            .iter()
            .filter(|(name, called)| {
                !asks.contains(*name) && called.iter().any(|c| asks.contains(c))
            })
            .map(|(name, _)| name.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        asks.extend(more);
    }
    let allowed: BTreeSet<&str> = NO_RECORDS.iter().map(|(n, _)| *n).collect();
    let silent: Vec<&String> = public
        .iter()
        .filter(|m| !asks.contains(*m) && !allowed.contains(m.as_str()))
        .collect();
    assert!(
        silent.is_empty(),
        "office methods that never ask the rulebook: {silent:?}"
    );
    assert!(public.len() > 80, "read {} methods", public.len());
    // The list stays honest: each one is still a method.
    let gone: Vec<&str> = NO_RECORDS
        .iter()
        .map(|(n, _)| *n)
        .filter(|n| !public.contains(*n))
        .collect();
    assert!(gone.is_empty(), "not methods any more: {gone:?}");
}
