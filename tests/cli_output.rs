//! The CLI writes listings as it reads them (issue 15): the output must be
//! byte for byte what the buffered writers printed before. The reference
//! writers below are those writers, kept verbatim in behaviour; each
//! listing is printed by the real binary and compared with them on a demo
//! office plus people whose names stress CSV quoting and table alignment.

mod common;

use casedesk::domain::person::{NewPerson, RegisterRow};
use casedesk::domain::{Centre, Concern, Programme, ReferralSource, RiskLevel, Sex};
use casedesk::office::audit::{AuditFilter, Entry};
use casedesk::safe_text::{Align, fit, width};
use common::*;

/// The old `output::table`: widths from the whole listing (capped at 40).
fn old_table(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut widths: Vec<usize> = header.iter().map(|h| width(h)).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(width(cell).min(40));
        }
    }
    let mut out = Vec::new();
    let mut line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| fit(c, *w, Align::Left))
            .collect();
        out.extend_from_slice(parts.join("  ").trim_end().as_bytes());
        out.push(b'\n');
    };
    let head: Vec<String> = header.iter().map(|s| s.to_string()).collect();
    line(&head);
    rows.iter().for_each(|r| line(r));
    out
}

/// The old `output::csv` when stdout is not a terminal.
fn old_csv(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

fn register_cells(r: &RegisterRow) -> Vec<String> {
    vec![
        r.case_number.clone(),
        r.name.clone(),
        r.father_name.clone(),
        r.sex.code().to_string(),
        r.age.map(|a| a.to_string()).unwrap_or_default(),
        r.programme.code().to_string(),
        r.status.code().to_string(),
        r.risk.code().to_string(),
        r.registered_on.to_string(),
    ]
}

fn person(name: &str, father: &str) -> NewPerson {
    let on = casedesk::clock::today() - chrono::Duration::days(3);
    NewPerson {
        programme: Programme::Cpc,
        name: name.into(),
        father_name: father.into(),
        alias: String::new(),
        sex: Sex::Female,
        birth_date: Some(on - chrono::Duration::days(4000)),
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
        consent_date: Some(on),
        consent_services: true,
        consent_sharing: false,
        risk: RiskLevel::Low,
        risk_reason: String::new(),
        worker_id: None,
        centre: Centre::Cpc,
        registered_on: on,
    }
}

/// A demo office plus names that need quoting, are wider than 40
/// columns, are written in Urdu or carry control characters.
fn office() -> Office {
    let o = Office::demo(40);
    let mut s = o.login("manager", "demo");
    for (name, father) in [
        ("Gul, \"Guddi\" Bibi", "Khan Sahib"),
        ("زینب بی بی", "محمد علی"),
        (
            "A very long name that goes on and on past forty columns",
            "X",
        ),
        (
            "Another name wider than forty columns, which the table cuts",
            "Y",
        ),
        ("界界界 wide", "e\u{301}\u{302} combining"),
    ] {
        s.register_person(&person(name, father)).expect("register");
    }
    // Text the forms refuse may still be in older files: written below the
    // office layer.
    let raw = o.raw("manager", "demo");
    raw.conn()
        .execute(
            "UPDATE persons SET name = ?1, father_name = ?2 WHERE name = 'A very long name that goes on and on past forty columns'",
            ["Esc\u{1b}[31mRed\u{7}, \"line\"\nbreak", "Tab\there\r\n\u{202e}bidi"],
        )
        .expect("update");
    o
}

fn run_ok(o: &Office, args: &[&str]) -> Vec<u8> {
    let out = o.run(args, "demo\n");
    assert!(out.status.success(), "{:?}: {}", args, stderr(&out));
    out.stdout
}

#[test]
fn register_listings_are_byte_identical_to_the_buffered_writers() {
    let o = office();
    let s = o.login("staff", "demo");
    let all = s
        .list_register(&Default::default(), casedesk::clock::today())
        .expect("list");
    let cells: Vec<Vec<String>> = all.iter().map(register_cells).collect();
    let table_header = [
        "Case number",
        "Name",
        "Father/husband",
        "Sex",
        "Age",
        "Programme",
        "Status",
        "Risk",
        "Registered",
    ];
    let csv_header = [
        "case_number",
        "name",
        "father_name",
        "sex",
        "age",
        "programme",
        "status",
        "risk",
        "registered_on",
    ];
    let csv = run_ok(
        &o,
        &["--user", "staff", "list", "children", "--format", "csv"],
    );
    assert_eq!(
        String::from_utf8_lossy(&csv),
        String::from_utf8_lossy(&old_csv(&csv_header, &cells))
    );
    let table = run_ok(&o, &["--user", "staff", "list", "children"]);
    assert_eq!(
        String::from_utf8_lossy(&table),
        String::from_utf8_lossy(&old_table(&table_header, &cells))
    );

    // A filter, and one that matches nothing (header only).
    let cpc_closed: Vec<Vec<String>> = all
        .iter()
        .filter(|r| r.programme == Programme::Cpc && r.status.code() == "closed")
        .map(register_cells)
        .collect();
    let args = ["--user", "staff", "list", "children", "--programme", "cpc"];
    let filtered = run_ok(
        &o,
        &[&args[..], &["--status", "closed", "--format", "csv"]].concat(),
    );
    assert_eq!(filtered, old_csv(&csv_header, &cpc_closed));
    let none = run_ok(
        &o,
        &[
            "--user",
            "staff",
            "list",
            "children",
            "--programme",
            "wd",
            "--status",
            "reopened",
        ],
    );
    let wd_reopened: Vec<Vec<String>> = all
        .iter()
        .filter(|r| r.programme == Programme::WomensDesk && r.status.code() == "reopened")
        .map(register_cells)
        .collect();
    assert_eq!(none, old_table(&table_header, &wd_reopened));
}

fn audit_cells(e: &Entry) -> Vec<String> {
    vec![
        e.seq.to_string(),
        e.at.clone(),
        e.user_name.clone(),
        e.action.clone(),
        e.target.clone(),
        e.detail.clone(),
    ]
}

/// The entries the old `audit` printed: everything before its own look.
fn before_last_look(o: &Office, filter: AuditFilter) -> Vec<Vec<String>> {
    let s = o.login("manager", "demo");
    let all = s.audit_entries(&AuditFilter::default()).unwrap();
    let look = all
        .iter()
        .rev()
        .find(|e| e.action == "audit.view")
        .expect("the look is recorded")
        .seq;
    s.audit_entries(&filter)
        .unwrap()
        .iter()
        .filter(|e| e.seq < look)
        .map(audit_cells)
        .collect()
}

#[test]
fn audit_listings_are_byte_identical_to_the_buffered_writers() {
    let o = office();
    let csv = run_ok(&o, &["--user", "manager", "audit", "--format", "csv"]);
    let expected = before_last_look(&o, AuditFilter::default());
    assert!(expected.len() > 5);
    let header = ["seq", "at", "user", "action", "record", "detail"];
    assert_eq!(
        String::from_utf8_lossy(&csv),
        String::from_utf8_lossy(&old_csv(&header, &expected))
    );

    let table = run_ok(&o, &["--user", "manager", "audit", "--action", "login"]);
    let expected = before_last_look(
        &o,
        AuditFilter {
            action: Some("login".into()),
            ..AuditFilter::default()
        },
    );
    let header = ["#", "at", "user", "action", "record", "detail"];
    assert_eq!(
        String::from_utf8_lossy(&table),
        String::from_utf8_lossy(&old_table(&header, &expected))
    );
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    use std::process::{Command, Stdio};
    let o = Office::demo(300);
    let mut child = Command::new(bin())
        .args(["--db"])
        .arg(&o.paths.db)
        .args(["--user", "staff", "list", "children", "--format", "csv"])
        .env("CASEDESK_SCRYPT_LOG_N", TEST_LOG_N)
        .env("CASEDESK_DATA_DIR", o.dir.path().join("data"))
        .env("CASEDESK_CONFIG_DIR", o.dir.path().join("config"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    use std::io::{Read, Write};
    child.stdin.take().unwrap().write_all(b"demo\n").unwrap();
    let mut first = [0u8; 64];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}
