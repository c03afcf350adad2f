//! Hostile stored text on screen: names, notes and places holding control
//! characters, escape sequences, bidi marks, wide and combining characters
//! and Urdu, written into the office file below the forms' rules (as an
//! old file or a tampered one would hold them), then drawn by the register
//! and the person's file into a `TestBackend` at 80x24 and 200x60. No
//! panic, and no cell of the buffer holds a control character (C0, DEL,
//! C1, ESC among them). Case counts: `properties_support`.

mod common;
mod properties_support;

use std::time::Duration;

use casedesk::config::Config;
use casedesk::domain::casework::NewService;
use casedesk::domain::person::{NewPerson, estimated_birth_date};
use casedesk::domain::{Centre, Concern, Programme, ReferralSource, RiskLevel, ServiceKind, Sex};
use casedesk::ui::App;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use properties_support::{config, is_terminal_control, stored_text};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const PASSWORD: &str = "boss-pw river lantern";

fn person() -> NewPerson {
    let on = casedesk::clock::today() - chrono::Duration::days(20);
    NewPerson {
        programme: Programme::Cpc,
        name: "Placeholder Name".into(),
        father_name: "Father".into(),
        alias: String::new(),
        sex: Sex::Female,
        birth_date: Some(estimated_birth_date(11, on)),
        age_estimated: true,
        cnic: String::new(),
        phone: String::new(),
        area: "Area".into(),
        address: String::new(),
        guardian_name: String::new(),
        guardian_relation: String::new(),
        school_status: String::new(),
        work_status: String::new(),
        referral_source: ReferralSource::OutreachSpot,
        referral_detail: String::new(),
        concerns: vec![Concern::AtRisk],
        consent_by: "mother".into(),
        consent_date: Some(on),
        consent_services: true,
        consent_sharing: false,
        risk: RiskLevel::High,
        risk_reason: String::new(),
        worker_id: None,
        centre: Centre::Cpc,
        registered_on: on,
    }
}

fn key(app: &mut App, code: KeyCode) {
    app.handle_key(&KeyEvent::new(code, KeyModifiers::NONE));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// Draw at `w`x`h`; the first cell holding a control character, if any.
fn control_cell(app: &App, w: u16, h: u16) -> Option<(u16, u16, String)> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("backend");
    t.draw(|f| app.draw(f)).expect("draw");
    let buf = t.backend().buffer();
    for y in 0..h {
        for x in 0..w {
            let s = buf[(x, y)].symbol();
            if s.chars().any(is_terminal_control) {
                return Some((x, y, s.escape_debug().to_string()));
            }
        }
    }
    None
}

/// What the case writes into the file.
#[derive(Debug, Clone)]
struct Stored {
    name: String,
    father: String,
    alias: String,
    area: String,
    address: String,
    risk_reason: String,
    phone: String,
    note: String,
    detail: String,
}

fn stored() -> impl Strategy<Value = Stored> {
    (
        (stored_text(30), stored_text(30), stored_text(12)),
        (stored_text(30), stored_text(60), stored_text(60)),
        (stored_text(16), stored_text(80), stored_text(30)),
    )
        .prop_map(
            |((name, father, alias), (area, address, risk_reason), (phone, note, detail))| Stored {
                name,
                father,
                alias,
                area,
                address,
                risk_reason,
                phone,
                note,
                detail,
            },
        )
}

#[test]
fn hostile_stored_text_never_reaches_a_cell() {
    let o = common::Office::new();
    let (id, case) = {
        let mut s = o.login("boss", PASSWORD);
        let (id, case) = s.register_person(&person()).expect("register");
        s.add_service(
            id,
            &NewService {
                kind: ServiceKind::MedicalReferral,
                on_date: casedesk::clock::today() - chrono::Duration::days(2),
                detail: "Civil Hospital".into(),
                note: "seen".into(),
            },
        )
        .expect("service");
        (id, case)
    };
    let raw = o.raw("boss", PASSWORD);
    let mut runner = TestRunner::new(config(24));
    runner
        .run(&stored(), |t| {
            raw.conn()
                .execute(
                    "UPDATE persons SET name = ?2, father_name = ?3, alias = ?4, area = ?5,
                     address = ?6, risk_reason = ?7, phone = ?8 WHERE id = ?1",
                    rusqlite::params![
                        id.0,
                        t.name,
                        t.father,
                        t.alias,
                        t.area,
                        t.address,
                        t.risk_reason,
                        t.phone
                    ],
                )
                .expect("update");
            raw.conn()
                .execute(
                    "UPDATE services SET note = ?2, detail = ?3 WHERE person_id = ?1",
                    rusqlite::params![id.0, t.note, t.detail],
                )
                .expect("update");
            let mut app = App::new(
                o.paths.clone(),
                Some("boss".into()),
                Config::default(),
                Some(&o.dir.path().join("config")),
            );
            typed(&mut app, PASSWORD);
            key(&mut app, KeyCode::Enter);
            app.wait_idle(Duration::from_secs(30));
            prop_assert!(app.is_logged_in());
            let check = |app: &App, what: &str| -> Result<(), TestCaseError> {
                for (w, h) in [(80, 24), (200, 60)] {
                    if let Some(cell) = control_cell(app, w, h) {
                        return Err(TestCaseError::fail(format!("{what} at {w}x{h}: {cell:?}")));
                    }
                }
                Ok(())
            };
            // The register, searched for the case, then the file's tabs.
            key(&mut app, KeyCode::Char('2'));
            check(&app, "register")?;
            key(&mut app, KeyCode::Char('/'));
            typed(&mut app, &case);
            app.wait_idle(Duration::from_secs(30));
            check(&app, "register search")?;
            key(&mut app, KeyCode::Enter);
            check(&app, "register row")?;
            key(&mut app, KeyCode::Enter);
            app.wait_idle(Duration::from_secs(30));
            let mut t80 = Terminal::new(TestBackend::new(80, 24)).expect("backend");
            t80.draw(|f| app.draw(f)).expect("draw");
            let shown = t80.backend().to_string();
            prop_assert!(
                shown.contains(" Profile "),
                "the file did not open:\n{}",
                shown
            );
            for tab in 0..4 {
                check(&app, &format!("person tab {tab}"))?;
                key(&mut app, KeyCode::Right);
                app.wait_idle(Duration::from_secs(30));
            }
            Ok(())
        })
        .unwrap();
}
