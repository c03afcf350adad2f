//! The Import screen on a real office file in a temp dir: snapshots at
//! 80x24 of each step (the form with a file that is not there, the
//! preview with the mapping and the problems, the counts, the message for
//! staff), and what confirming and a dry run do to the office.

// The whole file is test code (the layers test reads it as such): the
// office is made with the vault's test work factor.
#![cfg(test)]

use std::path::{Path, PathBuf};

use age::secrecy::SecretString;

use super::*;
use crate::domain::Role;
use crate::office::audit::AuditFilter;
use crate::office::casework::RegisterQuery;
use crate::office::{self, OfficePaths, Session};
use crate::ui::testing::{draw, today};

const PW: &str = "a test password 7";

struct Office {
    dir: tempfile::TempDir,
    paths: OfficePaths,
}

impl Office {
    fn new() -> Office {
        crate::vault::crypto::pin_work_factor(10);
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = OfficePaths::new(dir.path().join("office.casedesk"));
        let pw = SecretString::from(PW.to_string());
        let (mut m, _) =
            office::create_office(&paths, "Test office", "manager", &pw).expect("office");
        m.add_user("staff", Role::Staff, &pw).expect("staff");
        Office { dir, paths }
    }

    fn login(&self, user: &str) -> Session {
        office::login(&self.paths, user, &SecretString::from(PW.to_string())).expect("login")
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    }
}

/// People on the register (every programme, every status).
fn registered(session: &Session) -> usize {
    session
        .search_register(&RegisterQuery::default(), today())
        .expect("register")
        .total
}

/// Run `f` with a context on `session`.
fn with_ctx<T>(session: &mut Session, f: impl FnOnce(&mut ScreenCtx<'_>) -> T) -> T {
    let theme = Theme::default();
    let mut ctx = ScreenCtx {
        session,
        today: today(),
        theme: &theme,
    };
    f(&mut ctx)
}

fn opened(session: &mut Session) -> ImportScreen {
    let mut screen = ImportScreen::new();
    with_ctx(session, |ctx| screen.refresh(ctx)).expect("refresh");
    screen
}

fn act(screen: &mut ImportScreen, session: &mut Session, a: Action) -> Outcome {
    with_ctx(session, |ctx| screen.handle(Input::Action(a), ctx)).expect("handle")
}

fn typed(screen: &mut ImportScreen, session: &mut Session, text: &str) {
    for c in text.chars() {
        with_ctx(session, |ctx| screen.handle(Input::Text(c), ctx)).expect("type");
    }
}

/// Fill the form from the top: the file, then the choices for rows with
/// problems (`skip`) and the run (`dry`), and submit.
fn fill(screen: &mut ImportScreen, session: &mut Session, file: &Path, skip: bool, dry: bool) {
    act(screen, session, Action::NextField);
    typed(screen, session, &file.display().to_string());
    // Sheet, mapping file, dates in the file, programme: as they are.
    for _ in 0..5 {
        act(screen, session, Action::NextField);
    }
    if skip {
        act(screen, session, Action::Right);
    }
    act(screen, session, Action::NextField);
    if dry {
        act(screen, session, Action::Right);
    }
    act(screen, session, Action::Confirm);
}

const REGISTER: &str = "Child Name,Father Name,Age,Sex,Date of Registration,Programme,Remarks\n\
Zarghoon Khan,Qadir Khan,12,M,23/04/2025,CPC,\n\
Mahrang Bibi,Gul Khan,9,F,05/06/2025,CPC,\n\
Shahzaib,Noor Ahmed,15,x,01/07/2025,CPC,\n\
Palwasha,Noor Ahmed,11,F,31/02/2025,CPC,\n";

#[test]
fn snapshot_form_with_a_file_that_is_not_there() {
    let o = Office::new();
    let mut m = o.login("manager");
    let mut screen = opened(&mut m);
    act(&mut screen, &mut m, Action::NextField);
    // A relative path, so the snapshot does not hold the temp dir's name.
    typed(&mut screen, &mut m, "registers/cpc-2025.xlsx");
    for _ in 0..7 {
        act(&mut screen, &mut m, Action::Confirm);
    }
    let Mode::Form(f) = &screen.mode else {
        panic!("still the form")
    };
    assert_eq!(
        f.entries.entries[1].error.as_deref(),
        Some("File not found.")
    );
    insta::assert_snapshot!("import_file_not_found", draw(&screen));
}

#[test]
fn snapshot_preview_with_the_mapping_and_the_problems() {
    let o = Office::new();
    let file = o.file("register.csv", REGISTER);
    let mut m = o.login("manager");
    let mut screen = opened(&mut m);
    fill(&mut screen, &mut m, &file, false, false);
    let Mode::Preview(p) = &screen.mode else {
        panic!("a preview")
    };
    assert_eq!(p.preview.ready_rows, 2);
    assert_eq!(p.preview.invalid_rows, 2);
    let text = draw(&screen);
    assert!(text.contains("row 4: Sex: 'x' is not male"), "{text}");
    insta::assert_snapshot!("import_preview_problems", text);

    // Enter saves nothing: two rows have problems and were not to be
    // skipped. The reason shows under the preview.
    act(&mut screen, &mut m, Action::Confirm);
    assert_eq!(registered(&m), 0);
    let text = draw(&screen);
    assert!(text.contains("2 of 4 rows have problems"), "{text}");
    // Scrolling brings the columns up under the table.
    for _ in 0..4 {
        act(&mut screen, &mut m, Action::Down);
    }
    assert!(draw(&screen).contains("Child Name → Name"));
}

#[test]
fn a_missing_programme_points_to_the_form_and_messages_wrap_whole() {
    let o = Office::new();
    let file = o.file(
        "no-programme.csv",
        "Child Name,Father Name,Age,Sex,Date of Registration\n\
         Zarghoon Khan,Qadir Khan,12,M,23/04/2025\n",
    );
    let mut m = o.login("manager");
    let mut screen = opened(&mut m);
    fill(&mut screen, &mut m, &file, false, false);
    let text = draw(&screen);
    // The form has its own programme choice: no command-line option.
    assert!(!text.contains("--programme"), "{text}");
    // Read whole: the message goes on under itself to its last word.
    assert!(text.contains("or choose the"), "{text}");
    assert!(
        text.contains("│     programme on the form (Programme: CPC or women's desk)"),
        "{text}"
    );
    assert!(text.contains("Programme: none: every row needs one (the form's Programme)"));
    insta::assert_snapshot!("import_programme_missing", text);

    // The refusal under the preview is shown whole, to its last word.
    act(&mut screen, &mut m, Action::Confirm);
    assert_eq!(registered(&m), 0);
    let text = draw(&screen);
    let Mode::Preview(p) = &screen.mode else {
        panic!("still the preview")
    };
    let message = p.message.clone().expect("a message");
    let last = message.split_whitespace().last().expect("words");
    assert!(text.contains("nothing was saved"), "{text}");
    assert!(text.contains(last), "{last} in {text}");
}

#[test]
fn snapshot_the_counts_after_an_import() {
    let o = Office::new();
    let file = o.file(
        "register.csv",
        "Child Name,Father Name,Age,Sex,Date of Registration,Programme\n\
         Zarghoon Khan,Qadir Khan,12,M,23/04/2025,CPC\n\
         Mahrang Bibi,Gul Khan,9,F,05/06/2025,CPC\n\
         Zarghoon Khan,Qadir Khan,12,M,23/04/2025,CPC\n",
    );
    let mut m = o.login("manager");
    let mut screen = opened(&mut m);
    fill(&mut screen, &mut m, &file, false, false);
    let out = act(&mut screen, &mut m, Action::Confirm);
    assert_eq!(
        out,
        Outcome::Status(
            "Imported 2 people (CPC-2025-0001 to CPC-2025-0002) from 3 rows; 1 left out as \
             already there."
                .into()
        )
    );
    assert_eq!(registered(&m), 2);
    insta::assert_snapshot!("import_done", draw(&screen));
    // Back to the form, as it was filled in.
    act(&mut screen, &mut m, Action::Back);
    let Mode::Form(f) = &screen.mode else {
        panic!("the form")
    };
    assert_eq!(f.text(form::F::File), file.display().to_string());
}

#[test]
fn snapshot_staff_see_a_calm_message() {
    let o = Office::new();
    let mut s = o.login("staff");
    let mut screen = opened(&mut s);
    assert!(matches!(screen.mode, Mode::NotAllowed));
    let text = draw(&screen);
    assert!(text.contains("for the office's manager"), "{text}");
    insta::assert_snapshot!("import_not_allowed", text);
    assert_eq!(act(&mut screen, &mut s, Action::Back), Outcome::Back);
}

#[test]
fn confirming_imports_exactly_the_valid_rows_and_a_dry_run_changes_nothing() {
    let o = Office::new();
    let file = o.file("register.csv", REGISTER);
    let mut m = o.login("manager");

    // A dry run: the preview, and Enter says nothing was saved.
    let mut screen = opened(&mut m);
    fill(&mut screen, &mut m, &file, true, true);
    assert!(matches!(screen.mode, Mode::Preview(_)));
    assert_eq!(act(&mut screen, &mut m, Action::Confirm), Outcome::Stay);
    assert!(draw(&screen).contains("Dry run: nothing was saved"));
    assert_eq!(registered(&m), 0);
    assert!(!file.with_file_name("register.csv.rejects.csv").exists());

    // A dry run without skipping: it says the import would refuse the
    // file (as `casedesk import --dry-run` exits 1).
    let mut screen = opened(&mut m);
    fill(&mut screen, &mut m, &file, false, true);
    act(&mut screen, &mut m, Action::Confirm);
    let Mode::Preview(p) = &screen.mode else {
        panic!("the preview")
    };
    assert!(
        p.message.as_deref().is_some_and(|m| m
            .starts_with("Dry run: the import would refuse this file. 2 of 4 rows have problems")),
        "{:?}",
        p.message
    );
    assert_eq!(registered(&m), 0);

    // Skip the rows with problems, and confirm.
    let mut screen = opened(&mut m);
    fill(&mut screen, &mut m, &file, true, false);
    let out = act(&mut screen, &mut m, Action::Confirm);
    assert!(
        matches!(&out, Outcome::Status(s) if s.starts_with("Imported 2 people")),
        "{out:?}"
    );
    let page = m
        .search_register(&RegisterQuery::default(), today())
        .expect("register");
    let mut names: Vec<&str> = page.rows.iter().map(|r| r.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["Mahrang Bibi", "Zarghoon Khan"]);
    // The two others, with their reasons, beside the input.
    let rejects = std::fs::read_to_string(file.with_file_name("register.csv.rejects.csv"))
        .expect("rejects file");
    assert_eq!(rejects.lines().count(), 3, "{rejects}");
    assert!(rejects.contains("Shahzaib") && rejects.contains("Palwasha"));
    // One audit entry, counts only.
    let audit: Vec<String> = m
        .audit_entries(&AuditFilter {
            action: Some("import.people".into()),
            ..AuditFilter::default()
        })
        .expect("audit entries")
        .into_iter()
        .map(|e| e.detail)
        .collect();
    assert_eq!(
        audit,
        ["4 rows; 2 added; 0 already there; 0 unchanged; 2 rejected"]
    );
}

#[test]
fn an_unknown_sheet_and_a_bad_mapping_file_are_named_beside_their_fields() {
    let o = Office::new();
    let file = o.file("register.csv", REGISTER);
    let map = o.file("map.toml", "[colums]\n");
    let mut m = o.login("manager");
    let mut screen = opened(&mut m);
    act(&mut screen, &mut m, Action::NextField);
    typed(&mut screen, &mut m, &file.display().to_string());
    act(&mut screen, &mut m, Action::NextField);
    typed(&mut screen, &mut m, "Register");
    for _ in 0..6 {
        act(&mut screen, &mut m, Action::Confirm);
    }
    let Mode::Form(f) = &screen.mode else {
        panic!("the form")
    };
    // A CSV has no sheets: said beside the sheet.
    assert!(
        f.entries.entries[2].error.is_some(),
        "{:?}",
        f.entries.entries
    );
    let mut screen = opened(&mut m);
    act(&mut screen, &mut m, Action::NextField);
    typed(&mut screen, &mut m, &file.display().to_string());
    act(&mut screen, &mut m, Action::NextField);
    act(&mut screen, &mut m, Action::NextField);
    typed(&mut screen, &mut m, &map.display().to_string());
    for _ in 0..6 {
        act(&mut screen, &mut m, Action::Confirm);
    }
    let Mode::Form(f) = &screen.mode else {
        panic!("the form")
    };
    assert_eq!(
        f.entries.entries[3].error.as_deref(),
        Some("This mapping file has a problem.")
    );
    assert!(
        f.message
            .as_deref()
            .is_some_and(|m| m.contains("not valid"))
    );
}

#[test]
fn two_columns_for_one_field_are_refused_on_the_form_naming_both() {
    let o = Office::new();
    let file = o.file(
        "register.csv",
        "Name,Age,Sex,Child Name,Programme\nAli,12,M,Ali Raza,CPC\n",
    );
    let mut m = o.login("manager");
    let mut screen = opened(&mut m);
    fill(&mut screen, &mut m, &file, false, false);
    let Mode::Form(f) = &screen.mode else {
        panic!("the form, not a preview")
    };
    assert!(
        f.message
            .as_deref()
            .is_some_and(|m| m.contains("Columns A 'Name' and D 'Child Name'")
                && m.contains("both look like the name")),
        "{:?}",
        f.message
    );
    assert_eq!(registered(&m), 0);
}
