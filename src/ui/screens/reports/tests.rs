//! The Reports screen on a real demo office (built on the fixed demo day,
//! so the periods, numbers and names are part of what is compared): the
//! periods, the indicators with the breakdown, the charts, a drill-down,
//! the de-identified view, typed dates refused, and the message other
//! roles see.

#![cfg(test)]

use std::collections::BTreeSet;

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::office::Session;
use crate::office::reports::Records;
use crate::ui::testing::{demo, login, today};
use crate::ui::widgets::form::Value;

fn ctx<'a>(session: &'a mut Session, theme: &'a Theme) -> ScreenCtx<'a> {
    ScreenCtx {
        session,
        today: today(),
        theme,
    }
}

fn draw(screen: &ReportsScreen, w: u16, h: u16) -> String {
    let theme = Theme::default();
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("backend");
    t.draw(|f| {
        let area = f.area();
        screen.render(area, f.buffer_mut(), &theme)
    })
    .expect("draw");
    t.backend().to_string()
}

fn act(screen: &mut ReportsScreen, s: &mut Session, a: Action) -> Outcome {
    let theme = Theme::default();
    screen
        .handle(Input::Action(a), &mut ctx(s, &theme))
        .expect("handle")
}

fn opened(s: &mut Session) -> ReportsScreen {
    let theme = Theme::default();
    let mut screen = ReportsScreen::new();
    screen.refresh(&mut ctx(s, &theme)).expect("refresh");
    screen
}

/// Run the report for the `n`th period of the list.
fn run(screen: &mut ReportsScreen, s: &mut Session, choice: Choice) {
    let i = Choice::ALL
        .iter()
        .position(|c| *c == choice)
        .expect("choice");
    act(screen, s, Action::Home);
    for _ in 0..i {
        act(screen, s, Action::Down);
    }
    act(screen, s, Action::Confirm);
    wait(screen, s);
}

/// Tick until the report counted off the UI thread is shown.
fn wait(screen: &mut ReportsScreen, s: &mut Session) {
    let theme = Theme::default();
    for _ in 0..3000 {
        if !matches!(screen.mode, Mode::Running(..)) {
            break;
        }
        screen.tick(&mut ctx(s, &theme)).expect("tick");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(
        matches!(screen.mode, Mode::Report(_)),
        "the report is shown"
    );
}

fn view(screen: &ReportsScreen) -> &ReportView {
    match &screen.mode {
        Mode::Report(v) | Mode::Drill(v, _) => v,
        _ => panic!("a report is shown"),
    }
}

/// Select the indicator with this key.
fn select(screen: &mut ReportsScreen, s: &mut Session, key: &str) {
    let i = view(screen)
        .report()
        .indicators()
        .position(|i| i.key == key)
        .expect("indicator");
    act(screen, s, Action::Home);
    for _ in 0..i {
        act(screen, s, Action::Down);
    }
}

#[test]
fn staff_are_told_calmly_that_reports_are_the_managers() {
    let (_dir, paths) = demo(20);
    let mut s = login(&paths, "staff");
    let mut screen = opened(&mut s);
    assert!(matches!(screen.mode, Mode::Denied));
    insta::assert_snapshot!("reports_denied", draw(&screen, 80, 24));
    assert_eq!(act(&mut screen, &mut s, Action::Confirm), Outcome::Stay);
    assert_eq!(act(&mut screen, &mut s, Action::Back), Outcome::Back);
}

#[test]
fn the_report_table_breakdown_and_charts() {
    let (_dir, paths) = demo(300);
    let mut s = login(&paths, "manager");
    let mut screen = opened(&mut s);
    insta::assert_snapshot!("reports_periods", draw(&screen, 80, 24));

    run(&mut screen, &mut s, Choice::LastMonth);
    let v = view(&screen);
    assert_eq!(v.report().period.words(), "October 2026");
    assert_eq!(v.report().previous.words(), "September 2026");
    insta::assert_snapshot!("reports_table", draw(&screen, 80, 24));
    insta::assert_snapshot!("reports_table_wide", draw(&screen, 120, 40));

    // The breakdown follows the selection.
    select(&mut screen, &mut s, "services.any");
    insta::assert_snapshot!("reports_breakdown_services", draw(&screen, 80, 24));

    // The charts of the year so far: one bar a month.
    act(&mut screen, &mut s, Action::Back);
    run(&mut screen, &mut s, Choice::ThisYear);
    act(&mut screen, &mut s, Action::Right);
    assert_eq!(view(&screen).tab, Tab::Charts);
    assert_eq!(view(&screen).report().monthly.len(), 12);
    insta::assert_snapshot!("reports_charts", draw(&screen, 80, 24));
    act(&mut screen, &mut s, Action::Left);
    assert_eq!(view(&screen).tab, Tab::Indicators);
}

#[test]
fn drilling_into_a_number_lists_exactly_the_records_behind_it() {
    let (_dir, paths) = demo(300);
    let mut s = login(&paths, "manager");
    let mut screen = opened(&mut s);
    run(&mut screen, &mut s, Choice::LastMonth);

    for key in ["new_cases", "closed", "services.any", "classes"] {
        select(&mut screen, &mut s, key);
        let ind = view(&screen)
            .report()
            .indicator(key)
            .expect("indicator")
            .clone();
        act(&mut screen, &mut s, Action::Confirm);
        let Mode::Drill(_, d) = &screen.mode else {
            panic!("{key}: a list opens");
        };
        let Records::People(people) = &d.records else {
            panic!("{key}: people");
        };
        let listed: BTreeSet<i64> = people.iter().map(|p| p.id).collect();
        let behind: BTreeSet<i64> = ind.current.records.iter().map(|r| r.id).collect();
        assert_eq!(listed, behind, "{key}");
        assert_eq!(people.len() as i64, ind.current.cells.total(), "{key}");
        if key == "new_cases" {
            assert!(!people.is_empty(), "the demo registers people every month");
            insta::assert_snapshot!("reports_drill_new_cases", draw(&screen, 80, 24));
            // Enter on a person opens their file.
            let first = people[0].id;
            assert_eq!(
                act(&mut screen, &mut s, Action::Confirm),
                Outcome::OpenPerson(first)
            );
            // Coming back from the file keeps the list (no second run).
            let theme = Theme::default();
            screen.refresh(&mut ctx(&mut s, &theme)).expect("refresh");
            assert!(matches!(screen.mode, Mode::Drill(..)));
        }
        act(&mut screen, &mut s, Action::Back);
        assert!(matches!(screen.mode, Mode::Report(_)), "{key}: back");
    }

    // Activities: the list is the activities the number counts.
    select(&mut screen, &mut s, "activities.spot_visit");
    let ind = view(&screen)
        .report()
        .indicator("activities.spot_visit")
        .expect("spot visits")
        .clone();
    act(&mut screen, &mut s, Action::Confirm);
    let Mode::Drill(_, d) = &screen.mode else {
        panic!("a list opens");
    };
    let Records::Activities(list) = &d.records else {
        panic!("activities");
    };
    assert_eq!(Some(list.len() as i64), ind.current.events);
    assert!(
        list.iter()
            .all(|a| a.kind == crate::domain::activities::ActivityKind::SpotVisit)
    );
    assert_eq!(
        list.iter().map(|a| a.participants.total()).sum::<i64>(),
        ind.current.cells.total()
    );
    act(&mut screen, &mut s, Action::Confirm);
    assert!(matches!(&screen.mode, Mode::Drill(_, d) if d.open.is_some()));
    act(&mut screen, &mut s, Action::Back);
    act(&mut screen, &mut s, Action::Back);
    assert!(matches!(screen.mode, Mode::Report(_)));
}

#[test]
fn the_deidentified_view_withholds_small_counts_keeps_totals_and_shows_no_names() {
    let (_dir, paths) = demo(300);
    let mut s = login(&paths, "manager");
    let mut screen = opened(&mut s);
    run(&mut screen, &mut s, Choice::LastMonth);
    select(&mut screen, &mut s, "new_cases");
    act(&mut screen, &mut s, Action::Confirm);
    let names: Vec<String> = match &screen.mode {
        Mode::Drill(_, d) => match &d.records {
            Records::People(p) => p.iter().map(|p| p.name.clone()).collect(),
            Records::Activities(_) => panic!("people"),
        },
        _ => panic!("a list"),
    };
    act(&mut screen, &mut s, Action::Back);

    let out = act(&mut screen, &mut s, Action::Toggle);
    assert!(matches!(out, Outcome::Status(ref m) if m.starts_with("De-identified")));
    let v = view(&screen);
    assert!(v.deidentified);
    assert!(
        v.report()
            .indicators()
            .all(|i| i.current.records.is_empty()),
        "no records are kept"
    );
    // Every small count of the month is withheld (x), no raw 1–4, and
    // the new cases' total is kept.
    let shown = draw(&screen, 120, 60);
    assert!(!shown.contains("<5"), "{shown}");
    let mut small = 0;
    for (i, ind) in v.report().indicators().enumerate() {
        let n = ind.current.cells.total();
        let text = crate::domain::reports::text::figure(
            v.report(),
            v.view(),
            i,
            crate::domain::reports::suppress::Which::Current,
            crate::domain::reports::suppress::Slot::Total,
        );
        if ind.measure == crate::domain::reports::Measure::People && (1..=4).contains(&n) {
            small += 1;
            assert_eq!(text, "x", "{}", ind.key);
        }
        if ind.key == "new_cases" && n >= 5 {
            assert_eq!(text, n.to_string(), "the total of new cases is kept");
        }
    }
    assert!(small > 0, "the demo month has small counts");
    let at_80 = draw(&screen, 80, 24);
    // The screen says what x is, on one line.
    assert!(at_80.contains(view::LEGEND), "{at_80}");
    insta::assert_snapshot!("reports_deidentified", at_80);

    // Enter lists no one, and no name is drawn anywhere.
    let out = act(&mut screen, &mut s, Action::Confirm);
    assert!(matches!(out, Outcome::Status(ref m) if m.contains("no names")));
    assert!(matches!(screen.mode, Mode::Report(_)));
    for tab in [Action::Right, Action::Left] {
        let shown = draw(&screen, 120, 60);
        for n in &names {
            assert!(!shown.contains(n.as_str()), "{n} is shown");
        }
        act(&mut screen, &mut s, tab);
    }
    // Space again: the full report, without running it again.
    act(&mut screen, &mut s, Action::Toggle);
    assert!(!view(&screen).deidentified);
}

#[test]
fn typed_dates_that_end_before_they_start_are_refused_beside_the_field() {
    let (_dir, paths) = demo(20);
    let mut s = login(&paths, "manager");
    let mut screen = opened(&mut s);
    act(&mut screen, &mut s, Action::End);
    act(&mut screen, &mut s, Action::Confirm);
    let Mode::Dates(form) = &mut screen.mode else {
        panic!("the dates form");
    };
    form.set_value(period::FROM, Value::Date(Some(today())));
    form.set_value(
        period::TO,
        Value::Date(NaiveDate::from_ymd_opt(2026, 1, 31)),
    );
    let out = act(&mut screen, &mut s, Action::Save);
    assert!(matches!(out, Outcome::Status(ref m) if m.starts_with("Not run")));
    let Mode::Dates(form) = &screen.mode else {
        panic!("still the form");
    };
    assert!(
        form.error(period::TO)
            .is_some_and(|e| e.contains("before it starts"))
    );
    insta::assert_snapshot!("reports_dates_error", draw(&screen, 80, 24));

    // Put right, it runs.
    let Mode::Dates(form) = &mut screen.mode else {
        panic!("the form");
    };
    form.set_value(
        period::FROM,
        Value::Date(NaiveDate::from_ymd_opt(2026, 1, 1)),
    );
    act(&mut screen, &mut s, Action::Save);
    assert!(screen.is_working(), "counted off the UI thread");
    insta::assert_snapshot!("reports_running", draw(&screen, 80, 24));
    wait(&mut screen, &mut s);
    assert_eq!(view(&screen).report().period.words(), "January 2026");
}

#[test]
fn a_period_that_is_not_a_calendar_one_has_no_deidentified_view() {
    let (_dir, paths) = demo(20);
    let mut s = login(&paths, "manager");
    let mut screen = opened(&mut s);
    act(&mut screen, &mut s, Action::End);
    act(&mut screen, &mut s, Action::Confirm);
    let Mode::Dates(form) = &mut screen.mode else {
        panic!("the dates form");
    };
    form.set_value(
        period::FROM,
        Value::Date(NaiveDate::from_ymd_opt(2026, 1, 5)),
    );
    form.set_value(
        period::TO,
        Value::Date(NaiveDate::from_ymd_opt(2026, 1, 31)),
    );
    act(&mut screen, &mut s, Action::Save);
    wait(&mut screen, &mut s);
    // Beside the period, and when Space is pressed.
    assert!(
        view(&screen)
            .heading()
            .contains("de-identified: whole months, quarters, years only"),
        "{}",
        view(&screen).heading()
    );
    let out = act(&mut screen, &mut s, Action::Toggle);
    assert_eq!(out, Outcome::Status(view::CALENDAR_ONLY.into()));
    assert!(!view(&screen).deidentified);
}

#[test]
fn head_counts_at_activities_are_labelled_contacts_with_how_many_were_held() {
    let (_dir, paths) = demo(300);
    let mut s = login(&paths, "manager");
    let mut screen = opened(&mut s);
    run(&mut screen, &mut s, Choice::ThisYear);
    let (held, contacts) = view(&screen)
        .report()
        .indicators()
        .find(|i| i.key == "activities.spot_visit")
        .map(|i| (i.current.events.expect("visits"), i.current.cells.total()))
        .expect("spot visits");
    assert!(
        contacts > held,
        "the demo meets more children than it makes visits"
    );
    select(&mut screen, &mut s, "activities.spot_visit");
    let text = draw(&screen, 120, 40);
    let line = format!("Spot visit: contacts ({held} held)");
    assert!(text.contains(&line), "{line} in {text}");
    assert!(text.contains(&contacts.to_string()), "{text}");
}

#[test]
fn the_keys_line_is_whole_beside_the_desk_menu_at_80_columns() {
    let (_dir, paths) = demo(50);
    let mut s = login(&paths, "manager");
    let mut screen = opened(&mut s);
    run(&mut screen, &mut s, Choice::LastMonth);
    // The desk's menu takes 15 of 80 columns.
    let text = draw(&screen, 65, 24);
    let last = text.lines().last().expect("a keys line");
    assert!(last.contains("Esc: period"), "{text}");
    act(&mut screen, &mut s, Action::Right);
    let text = draw(&screen, 65, 24);
    let last = text.lines().last().expect("a keys line");
    assert!(last.contains("Esc: period"), "{text}");
}

#[test]
fn chart_months_fit_their_bars_and_are_never_cut_mid_word() {
    // Fifteen months across a new year at 80 columns: bars four wide.
    let months = [
        "Jul25", "Aug25", "Sep25", "Oct25", "Nov25", "Dec25", "Jan26", "Feb26", "Mar26", "Apr26",
        "May26", "Jun26", "Jul26", "Aug26", "Sep26",
    ];
    let points: Vec<chart::Point> = months
        .iter()
        .map(|m| chart::Point {
            label: (*m).to_string(),
            height: 3,
            text: "3".into(),
        })
        .collect();
    let theme = Theme::default();
    let mut t = Terminal::new(TestBackend::new(80, 8)).expect("backend");
    t.draw(|f| {
        let area = f.area();
        chart::render("New cases per month", &points, area, f.buffer_mut(), &theme)
    })
    .expect("draw");
    let text = t.backend().to_string();
    assert!(!text.contains("Jul2"), "{text}");
    assert!(text.contains("Jul  Aug  Sep"), "{text}");
    // Very narrow bars: one letter each.
    assert_eq!(chart::fitted("Jul25", 1), "J");
    assert_eq!(chart::fitted("Jul25", 4), "Jul");
    assert_eq!(chart::fitted("Jul25", 5), "Jul25");
}
