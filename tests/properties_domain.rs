//! Hostile input to the leaves' parsers and rules: dates in every accepted
//! form, ages, CNIC, phone numbers, money, schedules, months, head counts,
//! attendance marks, and `safe_text`. Nothing may panic; what is accepted
//! must be what was meant. Case counts: see `properties_support::config`.

mod properties_support;

use casedesk::domain::activities::parse_count;
use casedesk::domain::classes::{Days, Mark, parse_month};
use casedesk::domain::person::{
    NewPerson, age_on, cnic_is_valid, estimated_birth_date, parse_date,
};
use casedesk::domain::placements::{
    MAX_RUPEES, NewPlacement, PlacementKind, Schedule, parse_due_key,
};
use casedesk::domain::reports::Period;
use casedesk::domain::{CaseStatus, Centre, Concern, Programme, ReferralSource, RiskLevel, Sex};
use casedesk::safe_text::{Align, fit, sanitize, sanitize_lines, truncate, width};
use chrono::{Datelike, NaiveDate};
use properties_support::{config, is_terminal_control, stored_text};
use proptest::prelude::*;

fn any_date() -> impl Strategy<Value = NaiveDate> {
    // Every day from year 1 to 9999: the years a four-digit form can say.
    (1i32..=9999, 1u32..=12, 1u32..=31)
        .prop_filter_map("a real day", |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
}

fn extreme_date() -> impl Strategy<Value = NaiveDate> {
    prop_oneof![
        any_date(),
        Just(NaiveDate::MIN),
        Just(NaiveDate::MAX),
        (-262_000i32..262_000, 1u32..=366)
            .prop_filter_map("a real day", |(y, o)| NaiveDate::from_yo_opt(y, o)),
    ]
}

/// Text shaped like a date: digits and separators, sometimes with space.
fn date_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{0,5}[-/. ][0-9]{0,3}[-/. ][0-9]{0,6}",
        " ?[+-]?[0-9]{1,12}-[0-9]{1,3}-[0-9]{1,3} ?",
        "(today|yesterday|TODAY|Today )",
        stored_text(16),
    ]
}

fn ui_parse(s: &str, today: NaiveDate) -> Option<NaiveDate> {
    casedesk::ui::widgets::form::parse_date(s, today)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_text_is_a_date_or_a_plain_message(s in date_like()) {
        // The message names the field, never echoes the text.
        if let Err(e) = parse_date("d", "Date", &s) {
            prop_assert!(!e.message.chars().any(is_terminal_control));
        }
        let _ = ui_parse(&s, NaiveDate::MIN);
        let _ = ui_parse(&s, NaiveDate::MAX);
        let _ = parse_month(&s);
        if let Ok(p) = Period::parse(&s, &s) {
            let _ = (p.whole_months(), p.previous(), p.months());
        }
    }

    #[test]
    fn any_period_of_real_dates_has_months_and_a_previous(a in extreme_date(), b in extreme_date()) {
        let (from, to) = (a.min(b), a.max(b));
        for text in [(from.to_string(), to.to_string()), (to.to_string(), to.to_string())] {
            if let Ok(p) = Period::parse(&text.0, &text.1) {
                let _ = (p.whole_months(), p.previous(), p.months(), p.days());
            }
        }
    }

    #[test]
    fn a_date_written_in_each_accepted_form_reads_back(d in any_date()) {
        let forms = [
            d.format("%Y-%m-%d").to_string(),
            d.format("%d/%m/%Y").to_string(),
            d.format("%d-%m-%Y").to_string(),
            d.format("%d.%m.%Y").to_string(),
        ];
        for text in forms {
            prop_assert_eq!(parse_date("d", "Date", &text).ok(), Some(d), "{}", text);
            prop_assert_eq!(parse_date("d", "Date", &format!(" {text}\t")).ok(), Some(d));
            prop_assert_eq!(ui_parse(&text, d), Some(d), "{}", text);
        }
        prop_assert_eq!(parse_month(&d.format("%Y-%m").to_string()).ok(), d.with_day(1));
    }

    #[test]
    fn today_and_yesterday_never_panic(today in extreme_date()) {
        prop_assert_eq!(ui_parse("today", today), Some(today));
        prop_assert_eq!(ui_parse("Yesterday", today), today.pred_opt());
    }

    #[test]
    fn ages_never_panic_and_an_estimate_gives_its_age(
        age in any::<u32>(),
        on in extreme_date(),
        other in extreme_date(),
    ) {
        let birth = estimated_birth_date(age, on);
        let _ = age_on(other, on);
        let _ = age_on(birth, other);
        if age <= 150 && on.year() > 200 && on.year() < 9000 {
            prop_assert_eq!(age_on(birth, on), Some(age));
        }
    }

    #[test]
    fn a_start_date_is_judged_at_the_ends_of_the_calendar(
        start in extreme_date(),
        today in extreme_date(),
    ) {
        let p = NewPlacement {
            kind: Some(PlacementKind::Job),
            employer: "a shop".into(),
            starts_on: Some(start),
            ..NewPlacement::default()
        };
        let _ = p.validate(NaiveDate::MIN, today);
    }

    #[test]
    fn cnic_layout(digits in "[0-9]{13}", junk in stored_text(20)) {
        let cnic = format!("{}-{}-{}", &digits[..5], &digits[5..12], &digits[12..]);
        prop_assert!(cnic_is_valid(&cnic));
        prop_assert!(!cnic_is_valid(&digits));
        if cnic_is_valid(&junk) {
            prop_assert_eq!(junk.len(), 15);
            prop_assert!(junk.bytes().all(|b| b.is_ascii_digit() || b == b'-'));
        }
    }

    #[test]
    fn a_profile_of_hostile_text_is_judged_never_panics(
        name in stored_text(30),
        father in stored_text(30),
        phone in prop_oneof!["[0-9+ -]{0,20}", stored_text(20)],
        cnic in prop_oneof!["[0-9]{5}-[0-9]{7}-[0-9]", stored_text(20)],
        area in stored_text(30),
        address in stored_text(60),
        birth in prop::option::of(extreme_date()),
        registered_on in extreme_date(),
        today in extreme_date(),
    ) {
        let p = NewPerson {
            name: name.clone(),
            father_name: father.clone(),
            phone: phone.clone(),
            cnic,
            area: area.clone(),
            address,
            birth_date: birth,
            registered_on,
            ..person()
        };
        let errors = p.validate(today);
        for e in &errors {
            prop_assert!(!e.message.chars().any(is_terminal_control), "{:?}", e.message);
        }
        if errors.is_empty() {
            for t in [&name, &father, &phone, &area] {
                prop_assert!(!t.chars().any(char::is_control), "{:?}", t);
                prop_assert!(!t.chars().any(casedesk::domain::person::is_bidi_control));
            }
            prop_assert!(phone.chars().all(|c| c.is_ascii_digit() || "+- ".contains(c)));
        }
    }

    #[test]
    fn money_and_placement_text_are_judged_never_panic(
        wage in prop::option::of(any::<i64>()),
        grant in prop::option::of(any::<i64>()),
        employer in stored_text(40),
        phone in stored_text(20),
        starts_on in prop::option::of(extreme_date()),
        intake in extreme_date(),
        today in extreme_date(),
    ) {
        let p = NewPlacement {
            person_id: 1,
            kind: Some(PlacementKind::Job),
            starts_on,
            trade: "tailoring".into(),
            employer,
            contact_phone: phone,
            wage,
            grant,
            ..NewPlacement::default()
        };
        let errors = p.validate(intake, today);
        if errors.is_empty() {
            for v in [wage, grant].into_iter().flatten() {
                prop_assert!((0..=i64::from(MAX_RUPEES)).contains(&v));
            }
        }
    }

    #[test]
    fn small_parsers_never_panic(s in stored_text(24), ascii in "[ -~]{0,24}") {
        for t in [&s, &ascii] {
            let _ = t.parse::<Schedule>();
            let _ = parse_due_key(t);
            let _ = parse_count(t);
            let _ = t.parse::<Days>();
            let _ = t.parse::<Mark>();
            let _ = t.parse::<Sex>();
            let _ = t.parse::<Programme>();
            let _ = t.parse::<CaseStatus>();
            let _ = t.parse::<RiskLevel>();
        }
    }

    #[test]
    fn schedules_and_days_print_as_they_parse(
        s in "[0-9]{1,4}(,[0-9]{1,4}){0,13}",
        d in "(mon|tue|wed|thu|fri|sat|sun)([,-](mon|tue|wed|thu|fri|sat|sun)){0,6}",
    ) {
        if let Ok(sch) = s.parse::<Schedule>() {
            prop_assert_eq!(sch.to_string().parse::<Schedule>().ok(), Some(sch));
        }
        if let Ok(days) = d.parse::<Days>() {
            prop_assert_eq!(days.to_string().parse::<Days>().ok(), Some(days));
        }
    }

    #[test]
    fn due_keys_round_trip(id in any::<i64>(), v in any::<bool>()) {
        let key = format!("{}{id}", if v { 'V' } else { 'f' });
        prop_assert!(parse_due_key(&key).is_ok_and(|(_, n)| n == id));
    }

    #[test]
    fn safe_text_leaves_no_control_and_is_stable(s in stored_text(60), cols in 0usize..50) {
        let clean = sanitize(&s);
        prop_assert!(!clean.chars().any(is_terminal_control), "{:?}", clean);
        prop_assert!(!clean.chars().any(casedesk::domain::person::is_bidi_control));
        let again = sanitize(&clean).into_owned();
        prop_assert_eq!(again.as_str(), clean.as_ref());
        for line in sanitize_lines(&s) {
            prop_assert!(!line.chars().any(is_terminal_control));
        }
        let cut = truncate(&s, cols);
        prop_assert!(width(&cut) <= cols, "{:?} {}", cut, cols);
        let fitted = fit(&s, cols, Align::Right);
        prop_assert_eq!(width(&fitted), cols, "{:?}", fitted);
        prop_assert!(!fitted.chars().any(is_terminal_control));
    }
}

/// Found by `ages_never_panic_and_an_estimate_gives_its_age`: an age of
/// 357,913,942 years overflowed `age * 12`.
#[test]
fn regression_absurd_age_does_not_overflow() {
    let on = NaiveDate::MIN;
    assert_eq!(estimated_birth_date(357_913_942, on), on);
    assert_eq!(
        estimated_birth_date(u32::MAX, NaiveDate::MAX),
        NaiveDate::MAX
    );
}

/// Found by `money_and_placement_text_are_judged_never_panic`: a start
/// date checked on the calendar's last day overflowed `today + 7 days`.
#[test]
fn regression_start_date_on_the_last_day() {
    let p = NewPlacement {
        kind: Some(PlacementKind::Job),
        employer: "a shop".into(),
        starts_on: Some(NaiveDate::MAX),
        ..NewPlacement::default()
    };
    assert!(p.validate(NaiveDate::MIN, NaiveDate::MAX).is_empty());
}

/// Found by `any_period_of_real_dates_has_months_and_a_previous`: a
/// report period ending on chrono's last day ran off the calendar.
#[test]
fn regression_report_period_at_the_calendar_end() {
    assert!(Period::parse("0001-01-01", "+262142-12-31").is_err());
    assert!(Period::parse("+262142-12-31", "+262142-12-31").is_err());
    let p = Period::parse("9999-12-01", "9999-12-31").expect("four-digit years");
    let _ = (p.whole_months(), p.previous(), p.months());
}

fn person() -> NewPerson {
    let on = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
    NewPerson {
        programme: Programme::Cpc,
        name: "Ali".into(),
        father_name: String::new(),
        alias: String::new(),
        sex: Sex::Male,
        birth_date: Some(estimated_birth_date(12, on)),
        age_estimated: true,
        cnic: String::new(),
        phone: String::new(),
        area: String::new(),
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
