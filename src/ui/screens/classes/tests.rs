//! The Classes screen on a real demo office (built on the fixed demo day):
//! the class list, a sheet before and after marking it by keystrokes, and
//! what was saved.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::ui::testing::{demo, login, today};

fn ctx<'a>(session: &'a mut crate::office::Session, theme: &'a Theme) -> ScreenCtx<'a> {
    ScreenCtx {
        session,
        today: today(),
        theme,
    }
}

/// Drawn at 80x24 as is: the demo office and the day are fixed, so dates
/// and counts are part of what is compared.
fn draw(screen: &ClassesScreen) -> String {
    let theme = Theme::default();
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("backend");
    t.draw(|f| {
        let area = f.area();
        screen.render(area, f.buffer_mut(), &theme)
    })
    .expect("draw");
    t.backend().to_string()
}

fn act(screen: &mut ClassesScreen, s: &mut crate::office::Session, a: Action) -> Outcome {
    let theme = Theme::default();
    screen
        .handle(Input::Action(a), &mut ctx(s, &theme))
        .expect("handle")
}

#[test]
fn list_then_a_sheet_marked_by_keystrokes_and_saved() {
    let (_dir, paths) = demo(300);
    let mut s = login(&paths, "staff");
    let theme = Theme::default();
    let mut screen = ClassesScreen::new();
    screen.refresh(&mut ctx(&mut s, &theme)).expect("refresh");
    insta::assert_snapshot!("classes_list", draw(&screen));

    // The first class (Calligraphy meets on Saturdays; the list is by kind
    // then name) opens on its latest day.
    act(&mut screen, &mut s, Action::Confirm);
    let Mode::Sheet(view) = &screen.mode else {
        panic!("a sheet opens");
    };
    let class = view.class.id;
    let date = view.date;
    let n = view.marks.len();
    assert!(n > 0, "children are enrolled");
    insta::assert_snapshot!("classes_sheet_before", draw(&screen));

    // Re-mark everyone: absent for the first, late for the second, the
    // rest present with one key; then save.
    act(&mut screen, &mut s, Action::Home);
    act(&mut screen, &mut s, Action::MarkAbsent);
    act(&mut screen, &mut s, Action::MarkLate);
    for _ in 2..n {
        act(&mut screen, &mut s, Action::MarkPresent);
    }
    insta::assert_snapshot!("classes_sheet_marked", draw(&screen));
    let out = act(&mut screen, &mut s, Action::Save);
    assert!(
        matches!(out, Outcome::Status(ref m) if m.starts_with("Saved")),
        "{out:?}"
    );
    let sheet = s.attendance_sheet(class, date).expect("sheet");
    let marks: Vec<Option<Mark>> = sheet.rows.iter().map(|r| r.mark).collect();
    let mut want = vec![Some(Mark::Present); n];
    want[0] = Some(Mark::Absent);
    if n > 1 {
        want[1] = Some(Mark::Late);
    }
    assert_eq!(marks, want);
    assert!(!screen.has_unsaved_work());
}

#[test]
fn leaving_a_sheet_with_marks_not_saved_asks_first() {
    let (_dir, paths) = demo(300);
    let mut s = login(&paths, "staff");
    let theme = Theme::default();
    let mut screen = ClassesScreen::new();
    screen.refresh(&mut ctx(&mut s, &theme)).expect("refresh");
    act(&mut screen, &mut s, Action::Confirm);
    act(&mut screen, &mut s, Action::MarkExcused);
    assert!(screen.has_unsaved_work());
    act(&mut screen, &mut s, Action::Back);
    assert!(matches!(screen.mode, Mode::Discard(..)));
    act(&mut screen, &mut s, Action::No);
    assert!(matches!(screen.mode, Mode::Sheet(_)), "still on the sheet");
    // Stepping to another day is refused while marks are not saved.
    let out = act(&mut screen, &mut s, Action::Left);
    assert!(matches!(out, Outcome::Status(ref m) if m.contains("Save first")));
}

/// Issue 24: Enter on the make-up question went "back" and saved
/// nothing, silently. Enter now does what the question asks.
#[test]
fn enter_on_the_make_up_question_saves() {
    let (_dir, paths) = demo(300);
    let mut s = login(&paths, "staff");
    let theme = Theme::default();
    let mut screen = ClassesScreen::new();
    screen.refresh(&mut ctx(&mut s, &theme)).expect("refresh");
    act(&mut screen, &mut s, Action::Confirm);
    // A Sunday: the first class (mon-thu) does not meet.
    act(&mut screen, &mut s, Action::OtherDate);
    for c in "2026-11-22".chars() {
        screen
            .handle(Input::Text(c), &mut ctx(&mut s, &theme))
            .expect("type");
    }
    act(&mut screen, &mut s, Action::Confirm);
    let Mode::Sheet(view) = &screen.mode else {
        panic!("the Sunday sheet opens");
    };
    assert!(view.is_extra(), "not a meeting day");
    let (class, date) = (view.class.id, view.date);
    act(&mut screen, &mut s, Action::MarkRestPresent);
    act(&mut screen, &mut s, Action::Save);
    assert!(matches!(screen.mode, Mode::Extra(..)), "asks first");
    assert!(draw(&screen).contains("[ Save ]"), "{}", draw(&screen));
    let out = act(&mut screen, &mut s, Action::Confirm);
    assert!(
        matches!(out, Outcome::Status(ref m) if m.starts_with("Saved")),
        "{out:?}"
    );
    let sheet = s.attendance_sheet(class, date).expect("sheet");
    assert!(!sheet.rows.is_empty());
    assert!(sheet.rows.iter().all(|r| r.mark == Some(Mark::Present)));
    assert!(!screen.has_unsaved_work());
}

#[test]
fn a_psychologist_has_no_classes() {
    let (_dir, paths) = demo(20);
    let mut p = login(&paths, "psychologist");
    let theme = Theme::default();
    let mut screen = ClassesScreen::new();
    assert!(matches!(
        screen.refresh(&mut ctx(&mut p, &theme)),
        Err(crate::Error::NotAllowed(_))
    ));
}
