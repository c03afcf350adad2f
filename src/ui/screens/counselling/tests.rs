//! The Counselling screen on real demo offices.

use super::*;
use crate::office::Session;
use crate::ui::testing::{demo, draw, login, today};

fn ctx<'a>(session: &'a mut Session, theme: &'a Theme) -> ScreenCtx<'a> {
    ScreenCtx {
        session,
        today: today(),
        theme,
    }
}

fn act(screen: &mut CounsellingScreen, session: &mut Session, a: Action) -> Outcome {
    let theme = Theme::default();
    screen
        .handle(Input::Action(a), &mut ctx(session, &theme))
        .expect("handle")
}

fn typ(screen: &mut CounsellingScreen, session: &mut Session, s: &str) {
    let theme = Theme::default();
    for c in s.chars() {
        screen
            .handle(Input::Text(c), &mut ctx(session, &theme))
            .expect("type");
    }
}

fn opened(session: &mut Session) -> CounsellingScreen {
    let theme = Theme::default();
    let mut screen = CounsellingScreen::new();
    screen.refresh(&mut ctx(session, &theme)).expect("refresh");
    screen
}

fn reads(session: &Session) -> i64 {
    session
        .conn()
        .query_row(
            "SELECT count(*) FROM audit WHERE action = 'counselling.read'",
            [],
            |r| r.get(0),
        )
        .expect("count")
}

#[test]
fn psychologist_sees_sessions_and_reads_a_note() {
    let (_dir, paths) = demo(12);
    let mut psy = login(&paths, "psychologist");
    let mut screen = opened(&mut psy);
    assert!(
        !screen.persons.is_empty(),
        "the demo has counselled persons"
    );
    act(&mut screen, &mut psy, Action::Confirm);
    assert!(matches!(screen.view, View::Sessions));
    insta::assert_snapshot!("psychologist_sessions", draw(&screen));
    let before = reads(&psy);
    act(&mut screen, &mut psy, Action::Confirm);
    assert!(matches!(
        &screen.view,
        View::Note(nv) if matches!(nv.body, NoteBody::Text { .. })
    ));
    assert_eq!(reads(&psy), before + 1, "the read is audited");
    insta::assert_snapshot!("psychologist_note", draw(&screen));
    assert!(!screen.has_unsaved_work());
    // Leaving the note drops it.
    act(&mut screen, &mut psy, Action::Back);
    assert!(matches!(screen.view, View::Sessions));
}

#[test]
fn staff_see_that_sessions_happened_but_never_text() {
    let (_dir, paths) = demo(12);
    let mut psy = login(&paths, "psychologist");
    let mut ps = opened(&mut psy);
    act(&mut ps, &mut psy, Action::Confirm);
    act(&mut ps, &mut psy, Action::Confirm);
    let View::Note(nv) = &ps.view else {
        panic!("note open")
    };
    let NoteBody::Text { notes, .. } = &nv.body else {
        panic!("text")
    };
    let secret_line = notes[0]
        .text
        .lines()
        .find(|l| l.len() > 20)
        .expect("a long line")
        .to_string();
    drop(ps);

    for user in ["staff", "manager"] {
        let mut s = login(&paths, user);
        let before = reads(&s);
        let mut screen = opened(&mut s);
        act(&mut screen, &mut s, Action::Confirm);
        let list = draw(&screen);
        assert!(list.contains(NOT_A_PSYCHOLOGIST), "{list}");
        if user == "staff" {
            insta::assert_snapshot!("staff_sessions", list);
        }
        act(&mut screen, &mut s, Action::Confirm);
        let note = draw(&screen);
        assert!(note.contains(NOT_A_PSYCHOLOGIST), "{note}");
        assert!(!note.contains(&secret_line));
        if user == "staff" {
            insta::assert_snapshot!("staff_note", note);
        }
        assert_eq!(reads(&s), before, "nothing was read");
        // No new session, no amend.
        act(&mut screen, &mut s, Action::Back);
        assert!(matches!(
            act(&mut screen, &mut s, Action::New),
            Outcome::Status(_)
        ));
        assert!(matches!(
            act(&mut screen, &mut s, Action::Edit),
            Outcome::Status(_)
        ));
        assert!(matches!(screen.view, View::Sessions));
    }
}

#[test]
fn new_session_form_shows_a_validation_error_and_keeps_the_text() {
    let (_dir, paths) = demo(12);
    let mut psy = login(&paths, "psychologist");
    let mut screen = opened(&mut psy);
    act(&mut screen, &mut psy, Action::Confirm);
    act(&mut screen, &mut psy, Action::New);
    assert!(matches!(screen.view, View::Kinds(_)));
    // Assessment, Individual, Group.
    act(&mut screen, &mut psy, Action::Down);
    act(&mut screen, &mut psy, Action::Down);
    act(&mut screen, &mut psy, Action::Confirm);
    assert!(!screen.has_unsaved_work(), "the prefilled form is clean");
    act(&mut screen, &mut psy, Action::NextField);
    typ(&mut screen, &mut psy, "45");
    act(&mut screen, &mut psy, Action::NextField);
    typ(&mut screen, &mut psy, "cpc-1999-0001");
    assert!(screen.has_unsaved_work());
    act(&mut screen, &mut psy, Action::Save);
    let View::Edit(ed) = &screen.view else {
        panic!("still editing")
    };
    assert_eq!(
        ed.form.error(PARTICIPANTS),
        Some("No person has the case number CPC-1999-0001.")
    );
    insta::assert_snapshot!("new_group_session_error", draw(&screen));
}

#[test]
fn write_amend_and_browse_the_history() {
    let (_dir, paths) = demo(12);
    let mut psy = login(&paths, "psychologist");
    let mut screen = opened(&mut psy);
    act(&mut screen, &mut psy, Action::Confirm);
    let before = screen.sessions.len();
    act(&mut screen, &mut psy, Action::New);
    act(&mut screen, &mut psy, Action::Down);
    act(&mut screen, &mut psy, Action::Confirm); // individual
    act(&mut screen, &mut psy, Action::NextField);
    typ(&mut screen, &mut psy, "30");
    act(&mut screen, &mut psy, Action::NextField);
    act(&mut screen, &mut psy, Action::End);
    typ(&mut screen, &mut psy, "Quokka lantern phrase");
    let out = act(&mut screen, &mut psy, Action::Save);
    assert!(matches!(out, Outcome::Status(_)), "{out:?}");
    assert_eq!(screen.sessions.len(), before + 1);
    assert!(!screen.has_unsaved_work());
    // The new session is selected: open, amend, read the history.
    act(&mut screen, &mut psy, Action::Confirm);
    assert!(draw(&screen).contains("Quokka lantern phrase"));
    act(&mut screen, &mut psy, Action::Edit);
    assert!(matches!(screen.view, View::Edit(_)));
    act(&mut screen, &mut psy, Action::End);
    typ(&mut screen, &mut psy, " amended");
    act(&mut screen, &mut psy, Action::Save);
    act(&mut screen, &mut psy, Action::Confirm);
    let now = draw(&screen);
    assert!(now.contains("Version 2 of 2"), "{now}");
    assert!(now.contains("amended"), "{now}");
    act(&mut screen, &mut psy, Action::Left);
    let old = draw(&screen);
    assert!(old.contains("Version 1 of 2"), "{old}");
    assert!(old.contains("v1") && old.contains("v2"), "{old}");
    assert!(!old.contains("amended"), "{old}");
    act(&mut screen, &mut psy, Action::Right);
    assert!(draw(&screen).contains("Version 2 of 2"));
    // Locked: the opened note is dropped at once, before any unlock.
    screen.on_lock();
    assert!(matches!(screen.view, View::Sessions));
    assert!(!draw(&screen).contains("amended"));
    // Shown again: an opened note is not kept either.
    act(&mut screen, &mut psy, Action::Confirm);
    assert!(matches!(screen.view, View::Note(_)));
    let theme = Theme::default();
    screen.refresh(&mut ctx(&mut psy, &theme)).expect("refresh");
    assert!(matches!(screen.view, View::Sessions));
}

#[test]
fn a_psychologist_without_the_key_is_told_to_ask_for_it() {
    let (_dir, paths) = demo(12);
    let mut manager = login(&paths, "manager");
    // Demo accounts share the demo password (CLI.md).
    let _demo = crate::secrets::allow_demo_password();
    let pw = age::secrecy::SecretString::from("demo".to_string());
    manager
        .add_user("second", Role::Psychologist, &pw)
        .expect("add");
    let mut s = login(&paths, "second");
    assert!(!s.holds_counselling_key());
    let mut screen = opened(&mut s);
    assert!(draw(&screen).contains("casedesk user grant second"));
    act(&mut screen, &mut s, Action::Confirm);
    act(&mut screen, &mut s, Action::Confirm);
    let note = draw(&screen);
    assert!(note.contains("casedesk user grant second"), "{note}");
}

#[test]
fn a_psychologist_is_asked_to_share_the_key_with_a_new_colleague() {
    let (_dir, paths) = demo(12);
    let mut manager = login(&paths, "manager");
    // Demo accounts share the demo password (CLI.md).
    let _demo = crate::secrets::allow_demo_password();
    let pw = age::secrecy::SecretString::from("demo".to_string());
    manager
        .add_user("second", Role::Psychologist, &pw)
        .expect("add");
    manager
        .add_user("third", Role::Psychologist, &pw)
        .expect("add");
    // Staff are never asked: they hold no key.
    let mut staff = login(&paths, "staff");
    assert!(opened(&mut staff).grant.is_none());

    let mut psy = login(&paths, "psychologist");
    let mut screen = opened(&mut psy);
    let asked = draw(&screen);
    assert!(asked.contains("Share the counselling key?"), "{asked}");
    assert!(asked.contains("second"), "{asked}");
    let out = act(&mut screen, &mut psy, Action::Yes);
    assert!(matches!(out, Outcome::Status(m) if m.contains("second")));
    // "Not now" for the third: not asked again on this screen.
    let theme = Theme::default();
    screen.refresh(&mut ctx(&mut psy, &theme)).expect("refresh");
    assert!(draw(&screen).contains("third"));
    act(&mut screen, &mut psy, Action::No);
    screen.refresh(&mut ctx(&mut psy, &theme)).expect("refresh");
    assert!(screen.grant.is_none());

    // The second now holds the same counselling identity; the third not.
    let second = login(&paths, "second");
    let third = login(&paths, "third");
    assert_eq!(
        second
            .unlocked()
            .counselling_identity()
            .map(|i| i.to_public().to_string()),
        psy.unlocked()
            .counselling_identity()
            .map(|i| i.to_public().to_string())
    );
    assert!(!third.holds_counselling_key());
}

#[test]
fn search_finds_a_person_without_sessions() {
    let (_dir, paths) = demo(12);
    let mut psy = login(&paths, "psychologist");
    let mut screen = opened(&mut psy);
    let counselled: Vec<i64> = screen.persons.iter().map(|p| p.id).collect();
    let other: String = psy
        .conn()
        .query_row(
            "SELECT case_number FROM persons WHERE id NOT IN
               (SELECT person_id FROM counselling_sessions
                UNION SELECT person_id FROM counselling_participants) LIMIT 1",
            [],
            |r| r.get(0),
        )
        .expect("a person without sessions");
    act(&mut screen, &mut psy, Action::Search);
    typ(&mut screen, &mut psy, &other);
    assert_eq!(screen.persons.len(), 1);
    assert!(!counselled.contains(&screen.persons[0].id));
    assert_eq!(screen.persons[0].sessions, 0);
}

#[test]
fn wrap_keeps_words_and_cuts_long_ones() {
    let rows: Vec<String> = wrap("one two three", 7)
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert_eq!(rows, ["one two", "three"]);
    let rows: Vec<String> = wrap("abcdefghij", 4)
        .iter()
        .map(|r| r.to_string())
        .collect();
    assert_eq!(rows, ["abcd", "efgh", "ij"]);
}
