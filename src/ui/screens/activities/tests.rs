//! The Activities screen on a real demo office (built on the fixed demo
//! day, so dates and counts are part of what is compared) and on a new,
//! empty office: the list, one activity, the form with a refused number
//! beside its field, and an activity saved through the form.

#![cfg(test)]

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::domain::activities::{ActivityFilter, ActivityKind};
use crate::domain::{Sex, reports::AgeBand};
use crate::office::Session;
use crate::ui::testing::{demo, login, today};
use crate::ui::widgets::form::Value;

fn ctx<'a>(session: &'a mut Session, theme: &'a Theme) -> ScreenCtx<'a> {
    ScreenCtx {
        session,
        today: today(),
        theme,
    }
}

fn draw(screen: &ActivitiesScreen, w: u16, h: u16) -> String {
    let theme = Theme::default();
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("backend");
    t.draw(|f| {
        let area = f.area();
        screen.render(area, f.buffer_mut(), &theme)
    })
    .expect("draw");
    t.backend().to_string()
}

fn act(screen: &mut ActivitiesScreen, s: &mut Session, input: Input) -> Outcome {
    let theme = Theme::default();
    screen.handle(input, &mut ctx(s, &theme)).expect("handle")
}

fn action(screen: &mut ActivitiesScreen, s: &mut Session, a: Action) -> Outcome {
    act(screen, s, Input::Action(a))
}

fn opened(s: &mut Session) -> ActivitiesScreen {
    let theme = Theme::default();
    let mut screen = ActivitiesScreen::new();
    screen.refresh(&mut ctx(s, &theme)).expect("refresh");
    screen
}

fn form(screen: &mut ActivitiesScreen) -> &mut Form {
    match &mut screen.mode {
        Mode::Form(f) => &mut f.form,
        _ => panic!("the form is open"),
    }
}

use crate::ui::widgets::form::Form;

#[test]
fn a_new_office_says_how_to_record_the_first_activity() {
    crate::vault::crypto::pin_work_factor(10);
    let dir = tempfile::tempdir().expect("temp dir");
    let paths = crate::office::OfficePaths::new(dir.path().join("o.casedesk"));
    let pw = age::secrecy::SecretString::from("kite river lantern 7".to_string());
    let (mut s, _) =
        crate::office::create_office(&paths, "Test office", "amina", &pw).expect("office");
    let screen = opened(&mut s);
    insta::assert_snapshot!("activities_empty", draw(&screen, 80, 24));
}

#[test]
fn the_list_and_one_activity() {
    let (_dir, paths) = demo(300);
    let mut s = login(&paths, "staff");
    let mut screen = opened(&mut s);
    assert!(!screen.list.all.is_empty(), "the demo records activities");
    let dates: Vec<_> = screen.list.all.iter().map(|a| a.on_date).collect();
    assert!(dates.windows(2).all(|w| w[0] >= w[1]), "newest first");
    insta::assert_snapshot!("activities_list", draw(&screen, 80, 24));
    insta::assert_snapshot!("activities_list_wide", draw(&screen, 120, 30));

    // A kind typed after / is asked of the office file.
    action(&mut screen, &mut s, Action::Search);
    for c in "kind:police".chars() {
        act(&mut screen, &mut s, Input::Text(c));
    }
    action(&mut screen, &mut s, Action::Confirm);
    assert!(!screen.list.all.is_empty());
    assert!(
        screen
            .list
            .all
            .iter()
            .all(|a| a.kind == ActivityKind::PoliceStationVisit)
    );

    action(&mut screen, &mut s, Action::Confirm);
    assert!(matches!(screen.mode, Mode::Detail(_)));
    insta::assert_snapshot!("activity_detail", draw(&screen, 80, 24));
    action(&mut screen, &mut s, Action::Back);
    assert!(matches!(screen.mode, Mode::List));
}

#[test]
fn a_refused_number_is_shown_beside_its_field_and_nothing_typed_is_lost() {
    let (_dir, paths) = demo(40);
    let mut s = login(&paths, "staff");
    let mut screen = opened(&mut s);
    let before = screen.list.all.len();
    action(&mut screen, &mut s, Action::New);
    assert!(matches!(screen.mode, Mode::Form(_)));
    insta::assert_snapshot!("activity_form_new", draw(&screen, 80, 24));

    // A spot visit with 3 new children but no children counted.
    let f = form(&mut screen);
    f.set_value(form::key::KIND, Value::Choice(Some(0)));
    f.focus(form::key::PLACE);
    for c in "Baldia Plaza".chars() {
        act(&mut screen, &mut s, Input::Text(c));
    }
    form(&mut screen).set_value(form::key::NEW_IDENTIFIED, Value::Number(Some(3)));
    let out = action(&mut screen, &mut s, Action::Save);
    assert!(
        matches!(out, Outcome::Status(ref m) if m.starts_with("Not saved")),
        "{out:?}"
    );
    let f = form(&mut screen);
    assert!(
        f.error(form::key::NEW_IDENTIFIED)
            .is_some_and(|e| e.contains("More new children than children met")),
        "{:?}",
        f.error(form::key::NEW_IDENTIFIED)
    );
    assert_eq!(f.focused_key(), Some(form::key::NEW_IDENTIFIED));
    insta::assert_snapshot!("activity_form_error", draw(&screen, 80, 24));
    assert!(screen.has_unsaved_work(), "what was typed is kept");
    let theme = Theme::default();
    screen.refresh(&mut ctx(&mut s, &theme)).expect("refresh");
    assert_eq!(screen.list.all.len(), before, "nothing was saved");
}

#[test]
fn an_activity_saved_through_the_form_is_listed_and_in_the_office_file() {
    let (_dir, paths) = demo(40);
    let mut s = login(&paths, "staff");
    let case = s
        .list_register(&Default::default(), today())
        .expect("register")
        .first()
        .map(|r| (r.id, r.case_number.clone()))
        .expect("someone registered");
    let mut screen = opened(&mut s);
    action(&mut screen, &mut s, Action::New);
    let kind = ActivityKind::ALL
        .iter()
        .position(|k| *k == ActivityKind::ParentsMeeting);
    let f = form(&mut screen);
    f.set_value(form::key::KIND, Value::Choice(kind));
    f.set_value(
        form::key::PLACE,
        Value::text("Satellite Town community hall"),
    );
    f.set_value(form::COUNT_KEYS[2], Value::Number(Some(6)));
    f.set_value(form::COUNT_KEYS[6], Value::Number(Some(2)));
    f.set_value(form::key::PERSONS, Value::text(case.1.to_lowercase()));
    f.set_value(
        form::key::NOTE,
        Value::text("Talked about school enrolment"),
    );
    let out = action(&mut screen, &mut s, Action::Save);
    assert!(
        matches!(out, Outcome::Status(ref m) if m.starts_with("Recorded")),
        "{out:?}"
    );
    assert!(matches!(screen.mode, Mode::List));
    assert!(!screen.has_unsaved_work());

    let saved = screen
        .list
        .selected()
        .cloned()
        .expect("the new one is selected");
    assert_eq!(saved.kind, ActivityKind::ParentsMeeting);
    assert_eq!(saved.place, "Satellite Town community hall");
    let listed = s
        .activities(&ActivityFilter::default(), 5)
        .expect("activities");
    let a = listed
        .iter()
        .find(|a| a.id == saved.id)
        .expect("in Session::activities");
    assert_eq!(a.on_date, today());
    assert_eq!(a.participants.get(Sex::Female, AgeBand::Adult), 6);
    assert_eq!(a.participants.get(Sex::Male, AgeBand::Adult), 2);
    assert_eq!(a.participants.total(), 8);
    assert_eq!(a.staff, ["staff"], "the person at the keyboard went");
    assert_eq!(a.persons, [case]);
    assert_eq!(a.note, "Talked about school enrolment");
}
