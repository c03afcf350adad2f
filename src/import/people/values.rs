//! Reading one cell of a people row: programme, sex, age, concerns,
//! CNIC. Each returns the value or the problem in plain words.

use super::super::Cell;
use super::super::columns::normalise;
use super::super::vocabulary::vocab;
use crate::domain::{Concern, Programme, Sex};

pub fn parse_programme(text: &str) -> Result<Programme, String> {
    if let Some(p) = vocab(Programme::ALL, Programme::code, Programme::english, text) {
        return Ok(p);
    }
    match normalise(text).as_str() {
        "childprotectioncentre" | "childprotectioncenter" | "cpcs" | "child" | "children" => {
            Ok(Programme::Cpc)
        }
        "womensdesk" | "womendesk" | "women" | "womensdeskwd" | "خواتینڈیسک" => {
            Ok(Programme::WomensDesk)
        }
        _ => Err(format!(
            "Programme: '{}' is not a programme; write cpc or wd (women's desk)",
            crate::safe_text::brief(text.trim()).escape_debug()
        )),
    }
}

pub(super) fn parse_sex(text: &str) -> Result<Sex, String> {
    if let Some(s) = vocab(Sex::ALL, Sex::code, Sex::english, text) {
        return Ok(s);
    }
    match normalise(text).as_str() {
        "m" | "boy" | "man" | "لڑکا" | "مرد" | "مذکر" => Ok(Sex::Male),
        "f" | "girl" | "woman" | "لڑکی" | "عورت" | "خاتون" | "مونث" | "مؤنث" => {
            Ok(Sex::Female)
        }
        "transgender" | "khawajasira" | "خواجہسرا" => Ok(Sex::Other),
        _ => Err(format!(
            "Sex: '{}' is not male, female or other (M/F are fine)",
            crate::safe_text::brief(text.trim()).escape_debug()
        )),
    }
}

/// Whole years, as a number cell or text like "12", "12 years", "12 سال".
pub(super) fn parse_age(cell: &Cell) -> Result<u32, String> {
    let bad = || {
        format!(
            "Age: '{}' is not a whole number of years",
            crate::safe_text::brief(cell.text().trim()).escape_debug()
        )
    };
    match cell {
        Cell::Number(n) if n.fract() == 0.0 && (0.0..=150.0).contains(n) => Ok(*n as u32),
        Cell::Text(t) => {
            let t = t.trim();
            let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
            let unit = normalise(&t[digits.len()..]);
            if digits.is_empty()
                || digits.len() > 3
                || !matches!(
                    unit.as_str(),
                    "" | "y" | "yr" | "yrs" | "year" | "years" | "سال"
                )
            {
                return Err(bad());
            }
            digits.parse().map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

pub(super) fn parse_concerns(text: &str) -> Result<Vec<Concern>, String> {
    if let Some(c) = vocab(Concern::ALL, Concern::code, Concern::english, text) {
        return Ok(vec![c]);
    }
    let mut out = Vec::new();
    for part in text
        .split([',', ';', '/', '+', '&'])
        .filter(|p| !p.trim().is_empty())
    {
        match vocab(Concern::ALL, Concern::code, Concern::english, part) {
            Some(c) if !out.contains(&c) => out.push(c),
            Some(_) => {}
            None => {
                return Err(format!(
                    "Concerns: '{}' is not a concern; use: {}",
                    crate::safe_text::brief(part.trim()).escape_debug(),
                    Concern::ALL
                        .iter()
                        .map(|c| c.code())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    Ok(out)
}

/// `1234512345671` (as a number cell or text) is written the standard way,
/// `12345-1234567-1`; anything else is kept as typed for the rules to judge.
pub(super) fn normalise_cnic(text: &str) -> String {
    let t = text.trim();
    let digits: String = t.chars().filter(|c| !matches!(c, '-' | ' ')).collect();
    if digits.len() == 13 && digits.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}-{}-{}", &digits[..5], &digits[5..12], &digits[12..])
    } else {
        t.to_string()
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        // PROPTEST_CASES runs it longer.
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
            ..ProptestConfig::default()
        })]

        #[test]
        fn a_cnic_normalises_idempotently(
            text in "[0-9 -]{0,20}|\\PC{0,20}",
            digits in "[0-9]{13}",
            gaps in prop::collection::vec(prop::sample::select(vec!["", " ", "-", " - "]), 14),
        ) {
            let once = normalise_cnic(&text);
            prop_assert_eq!(normalise_cnic(&once), once.clone());
            // Thirteen digits however spaced become the standard layout.
            let spaced: String = digits
                .chars()
                .zip(&gaps)
                .flat_map(|(c, g)| format!("{g}{c}").chars().collect::<Vec<_>>())
                .collect();
            let cnic = normalise_cnic(&spaced);
            prop_assert!(crate::domain::person::cnic_is_valid(&cnic), "{}", cnic);
            prop_assert_eq!(cnic.replace('-', ""), digits);
            prop_assert_eq!(normalise_cnic(&cnic), cnic.clone());
        }

        #[test]
        fn any_age_cell_is_read_or_refused(text in "\\PC{0,12}|[0-9]{1,5} ?(years|y|سال)?", n in any::<f64>()) {
            if let Ok(age) = parse_age(&Cell::Text(text.clone())) {
                prop_assert!(age <= 999);
            }
            if let Ok(age) = parse_age(&Cell::Number(n)) {
                prop_assert!(age <= 150);
            }
            let _ = (parse_sex(&text), parse_concerns(&text), parse_programme(&text));
        }
    }
}
