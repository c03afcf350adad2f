//! A people import's rows turned into intake records: each field read
//! from its column (or the mapping file's default), then the same rules an
//! intake form passes (`NewPerson::validate`). Every problem of a row is
//! collected, in plain words, with the row number; nothing is guessed.

//!
//! `values.rs` reads one cell (programme, sex, age, …); `defaults.rs`
//! holds the values for fields the file does not have.

mod defaults;
mod values;

use std::collections::HashMap;

use chrono::NaiveDate;

use self::defaults::Defaults;
pub use self::values::parse_programme;
use self::values::{normalise_cnic, parse_age, parse_concerns, parse_sex};
use super::columns::{self, Mapping, PEOPLE};
use super::dates::{self, ColumnOrder, DateProblem};
use super::preview::{ImportOptions, Problem};
use super::vocabulary::parse_vocab;
use super::{Cell, Table};
use crate::domain::names::name_key;
use crate::domain::person::{NewPerson, age_on, estimated_birth_date};
use crate::domain::{Centre, Concern, Programme, ReferralSource, RiskLevel, Sex};
use crate::{Error, Result};

/// A row that passed every rule, ready to register.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonRow {
    pub row: usize,
    pub person: NewPerson,
}

/// A people file read and checked (no office involved yet).
#[derive(Debug, Clone)]
pub struct ParsedPeople {
    pub mapping: Mapping,
    pub settings: Vec<(String, String)>,
    pub valid: Vec<PersonRow>,
    pub problems: Vec<Problem>,
    /// Data rows read.
    pub rows: usize,
    pub headers: Vec<String>,
    /// Every invalid row's cells as text, for the rejects file.
    pub rejected: Vec<(usize, Vec<Cell>)>,
}

/// Read the people in a table. Each data row is taken out of the table as
/// it is checked (moved to the rejects when it has problems), so the sheet
/// and the records made from it are not held twice.
pub fn parse_people(
    table: &mut Table,
    opts: &ImportOptions,
    today: NaiveDate,
) -> Result<ParsedPeople> {
    let map = opts.mapping.as_ref();
    if let Some(m) = map {
        m.check(PEOPLE, &[])?;
    }
    let (mut mapping, at) = columns::map_columns(PEOPLE, &table.rows, table.first_row, map)?;
    if mapping.column("name").is_none() {
        // Escaped: a header is text from the file and goes to the terminal.
        let headers: Vec<String> = mapping
            .columns
            .iter()
            .map(|c| {
                crate::safe_text::brief(&c.header)
                    .escape_debug()
                    .to_string()
            })
            .collect();
        return Err(Error::invalid(format!(
            "no column of row {} looks like the name (the columns are: {}); name it in a mapping file: [columns] name = \"…\" (see casedesk import --help)",
            mapping.header_row,
            headers.join(", ")
        )));
    }
    let data = &table.rows[at + 1..];
    let file_dates = opts.file_dates();
    let mut orders: HashMap<&'static str, ColumnOrder> = HashMap::new();
    for key in ["birth_date", "registered_on"] {
        if let Some(col) = mapping.column(key) {
            let order = dates::column_order(data.iter().filter_map(|r| r.get(col)), file_dates);
            orders.insert(key, order);
            if let Some(c) = mapping.columns.iter_mut().find(|c| c.column == col) {
                c.note = Some(order.describe());
            }
        }
    }
    let defaults = Defaults::read(map, opts.programme, today, file_dates)?;
    let settings = defaults.settings(&mapping);
    let headers = mapping.columns.iter().map(|c| c.header.clone()).collect();

    let mut out = ParsedPeople {
        mapping,
        settings,
        valid: Vec::new(),
        problems: Vec::new(),
        rows: 0,
        headers,
        rejected: Vec::new(),
    };
    let cols: HashMap<&'static str, usize> = PEOPLE
        .iter()
        .filter_map(|f| out.mapping.column(f.key).map(|c| (f.key, c)))
        .collect();
    let first_row = table.first_row;
    for (i, slot) in table.rows[at + 1..].iter_mut().enumerate() {
        let cells = std::mem::take(slot);
        if cells.iter().all(Cell::is_blank) {
            continue;
        }
        out.rows += 1;
        let row = first_row + at + 1 + i;
        let cell = |key: &str| -> Option<&Cell> {
            cols.get(key)
                .and_then(|c| cells.get(*c))
                .filter(|c| !c.is_blank())
        };
        let text = |key: &str| {
            cell(key)
                .map(|c| c.text().trim().to_string())
                .unwrap_or_default()
        };
        let mut problems = Vec::new();
        match read_person(&cell, &text, &defaults, &orders, today, &mut problems) {
            Some(p) if problems.is_empty() => out.valid.push(PersonRow { row, person: p }),
            _ => {
                out.problems
                    .extend(problems.into_iter().map(|message| Problem { row, message }));
                out.rejected.push((row, cells));
                crate::import::progress::PROGRESS.checked(1);
            }
        }
    }
    Ok(out)
}

/// One row's person, or None with `problems` filled.
fn read_person<'a>(
    cell: &dyn Fn(&str) -> Option<&'a Cell>,
    text: &dyn Fn(&str) -> String,
    d: &Defaults,
    orders: &HashMap<&'static str, ColumnOrder>,
    today: NaiveDate,
    problems: &mut Vec<String>,
) -> Option<NewPerson> {
    let mut bad = |m: String| problems.push(m);
    let programme = match cell("programme").map(|c| parse_programme(&c.text())) {
        Some(Ok(p)) => Some(p),
        Some(Err(m)) => {
            bad(m);
            None
        }
        None => {
            if d.programme.is_none() {
                bad(
                    "Programme is missing: add a Programme column, or give --programme cpc or wd"
                        .into(),
                );
            }
            d.programme
        }
    };
    let date = |key: &str, label: &str, bad: &mut dyn FnMut(String)| -> Option<NaiveDate> {
        let c = cell(key)?;
        let order = orders.get(key).copied().unwrap_or(ColumnOrder::Open);
        match dates::read(c, order) {
            Ok(d) => Some(d),
            Err(DateProblem::Empty) => None,
            Err(p) => {
                bad(p.message(label, c.text().trim(), order));
                None
            }
        }
    };
    let registered_bad = cell("registered_on").is_some();
    let registered_on = date("registered_on", "Date of registration", &mut bad);
    let registered_unread = registered_bad && registered_on.is_none();
    let registered_on = registered_on.unwrap_or(d.registered_on);
    let birth_given = cell("birth_date").is_some();
    let mut birth_date = date("birth_date", "Date of birth", &mut bad);
    let mut age_estimated = false;
    // An age counts only when no date of birth is given (a date is exact).
    if let (None, false, Some(c)) = (birth_date, birth_given, cell("age")) {
        match parse_age(c) {
            Ok(age) => {
                birth_date = Some(estimated_birth_date(age, registered_on.min(today)));
                age_estimated = true;
            }
            Err(m) => bad(m),
        }
    }
    let sex = match cell("sex").map(|c| parse_sex(&c.text())) {
        Some(Ok(s)) => Some(s),
        Some(Err(m)) => {
            bad(m);
            None
        }
        None => match (d.sex, programme) {
            (Some(s), _) => Some(s),
            // The women's desk serves women.
            (None, Some(Programme::WomensDesk)) => Some(Sex::Female),
            (None, Some(Programme::Cpc)) => {
                bad("Sex is missing".into());
                None
            }
            // No programme: that is the row's problem already.
            (None, None) => None,
        },
    };
    let vocab_or = |key: &str| cell(key).map(|c| c.text().trim().to_string());
    let risk = match vocab_or("risk") {
        Some(t) => parse_vocab(
            RiskLevel::ALL,
            RiskLevel::code,
            RiskLevel::english,
            "Risk level",
            &t,
        )
        .map_err(&mut bad)
        .ok(),
        None => Some(d.risk),
    };
    let referral_source = match vocab_or("referral_source") {
        Some(t) => parse_vocab(
            ReferralSource::ALL,
            ReferralSource::code,
            ReferralSource::english,
            "Referral source",
            &t,
        )
        .map_err(&mut bad)
        .ok(),
        None => Some(d.referral_source),
    };
    let centre = match vocab_or("centre") {
        Some(t) => parse_vocab(Centre::ALL, Centre::code, Centre::english, "Centre", &t)
            .map_err(&mut bad)
            .ok(),
        None => d.centre.or_else(|| {
            programme.map(|p| match p {
                Programme::Cpc => Centre::Cpc,
                Programme::WomensDesk => Centre::Desk,
            })
        }),
    };
    let concerns = match cell("concerns").map(|c| parse_concerns(&c.text())) {
        Some(Ok(c)) => Some(c),
        Some(Err(m)) => {
            bad(m);
            None
        }
        None => match (&d.concerns, programme) {
            (Some(c), _) => Some(c.clone()),
            // Every CPC child is at least a child at risk; the women's desk
            // has no such general concern, so it must be given.
            (None, Some(Programme::Cpc)) => Some(vec![Concern::AtRisk]),
            (None, Some(Programme::WomensDesk)) => {
                bad("Concerns are missing: add a Concerns column, or set concerns in [defaults] of a mapping file".into());
                None
            }
            // No programme: that is the row's problem already.
            (None, None) => None,
        },
    };
    let (
        Some(programme),
        Some(sex),
        Some(risk),
        Some(referral_source),
        Some(centre),
        Some(concerns),
    ) = (programme, sex, risk, referral_source, centre, concerns)
    else {
        return None;
    };
    let person = NewPerson {
        programme,
        name: text("name"),
        father_name: text("father_name"),
        alias: text("alias"),
        sex,
        birth_date,
        age_estimated,
        cnic: normalise_cnic(&text("cnic")),
        phone: text("phone"),
        area: text("area"),
        address: text("address"),
        guardian_name: text("guardian_name"),
        guardian_relation: text("guardian_relation"),
        school_status: text("school_status"),
        work_status: text("work_status"),
        referral_source,
        referral_detail: text("referral_detail"),
        concerns,
        consent_by: String::new(),
        consent_date: None,
        consent_services: false,
        consent_sharing: false,
        risk,
        risk_reason: String::new(),
        worker_id: None,
        centre,
        registered_on,
    };
    // The intake form's own rules, except where a cell was already
    // reported as unreadable (one message per problem).
    let birth_unread = birth_date.is_none() && (birth_given || cell("age").is_some());
    for e in person.validate(today) {
        let skip = match e.field {
            "birth_date" => birth_unread,
            "registered_on" => registered_unread,
            _ => false,
        };
        if !skip {
            problems.push(e.message);
        }
    }
    Some(person)
}

/// Rows that are likely the same person as an earlier row of the file:
/// the same name and father's or husband's name (as name keys, so
/// spellings like Mohammad/Muhammad meet) and ages within three years.
/// Returns (row, earlier row) pairs; the later row is left out.
pub fn in_file_duplicates(rows: &[PersonRow]) -> Vec<(usize, usize)> {
    let mut seen: HashMap<(String, String), Vec<usize>> = HashMap::new();
    let mut out = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let key = (name_key(&r.person.name), name_key(&r.person.father_name));
        let earlier = seen.entry(key).or_default();
        let same = earlier.iter().copied().find(|&j| {
            match (rows[j].person.birth_date, r.person.birth_date) {
                (Some(a), Some(b)) => age_on(a.min(b), a.max(b)).is_some_and(|gap| gap <= 3),
                _ => true,
            }
        });
        match same {
            Some(j) => out.push((r.row, rows[j].row)),
            None => earlier.push(i),
        }
    }
    out
}

/// The columns of the preview's sample.
pub const SAMPLE_HEADER: [&str; 10] = [
    "row",
    "programme",
    "name",
    "father/husband",
    "sex",
    "born",
    "registered on",
    "area",
    "CNIC",
    "phone",
];

/// A row as it will be saved, for the preview.
pub fn sample_row(r: &PersonRow) -> Vec<String> {
    let p = &r.person;
    vec![
        r.row.to_string(),
        p.programme.code().to_string(),
        p.name.clone(),
        p.father_name.clone(),
        p.sex.code().to_string(),
        p.birth_date.map_or(String::new(), |b| {
            if p.age_estimated {
                format!(
                    "{b} (age {} estimated)",
                    age_on(b, p.registered_on).unwrap_or(0)
                )
            } else {
                b.to_string()
            }
        }),
        p.registered_on.to_string(),
        p.area.clone(),
        p.cnic.clone(),
        p.phone.clone(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::read_csv;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn parse(csv: &str, opts: &ImportOptions) -> ParsedPeople {
        parse_people(
            &mut read_csv(csv.as_bytes()).expect("csv"),
            opts,
            d(2026, 11, 28),
        )
        .expect("parse")
    }

    #[test]
    fn a_good_row_becomes_an_intake_record() {
        let p = parse(
            "Child Name,Father Name,Age,Sex,Date of Registration,Area,CNIC,Programme\n\
             Ali,Akbar,12,M,23/11/2026,Sariab,1234512345671,CPC\n",
            &ImportOptions::default(),
        );
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let r = &p.valid[0];
        assert_eq!(r.row, 2);
        assert_eq!(r.person.name, "Ali");
        assert_eq!(r.person.sex, Sex::Male);
        assert_eq!(r.person.registered_on, d(2026, 11, 23));
        assert_eq!(r.person.birth_date, Some(d(2014, 11, 23)));
        assert!(r.person.age_estimated);
        assert_eq!(r.person.cnic, "12345-1234567-1");
        assert_eq!(r.person.concerns, [Concern::AtRisk]);
        assert_eq!(r.person.risk, RiskLevel::Medium);
    }

    #[test]
    fn each_kind_of_bad_row_is_told_in_words() {
        let p = parse(
            "Name,Father Name,Age,Sex,Date of Registration,CNIC,Programme\n\
             Ali,Akbar,12,M,23/11/2026,,CPS\n\
             Sara,Akbar,12,F,31/02/2026,,CPC\n\
             Zahid,Akbar,45,M,23/11/2026,,CPC\n\
             Bilal,Akbar,12,M,23/11/2026,12-34,CPC\n\
             ,Akbar,12,M,23/11/2026,,CPC\n\
             Omar,Akbar,ten,M,23/11/2026,,CPC\n",
            &ImportOptions::default(),
        );
        let by_row: Vec<(usize, &str)> = p
            .problems
            .iter()
            .map(|x| (x.row, x.message.as_str()))
            .collect();
        let has = |row: usize, words: &str| {
            assert!(
                by_row.iter().any(|(r, m)| *r == row && m.contains(words)),
                "row {row} should say '{words}': {by_row:?}"
            )
        };
        has(2, "is not a programme");
        has(3, "no such date");
        has(4, "Age must be 4 to 20");
        has(5, "CNIC");
        has(6, "Name is required");
        has(7, "not a whole number of years");
        assert_eq!(p.rows, 6);
        assert!(p.valid.is_empty());
        assert_eq!(p.rejected.len(), 6);
        // One message per problem: the bad date is not also "missing".
        assert_eq!(
            by_row.iter().filter(|(r, _)| *r == 3).count(),
            1,
            "{by_row:?}"
        );
    }

    #[test]
    fn a_row_without_a_programme_has_that_one_problem() {
        let p = parse("Name,Age\nAli,12\n", &ImportOptions::default());
        let msgs: Vec<&str> = p.problems.iter().map(|x| x.message.as_str()).collect();
        assert_eq!(
            msgs,
            ["Programme is missing: add a Programme column, or give --programme cpc or wd"]
        );
        let wd = ImportOptions {
            programme: Some(Programme::WomensDesk),
            ..Default::default()
        };
        let p = parse("Name,Age\nRukhsana,30\n", &wd);
        let msgs: Vec<&str> = p.problems.iter().map(|x| x.message.as_str()).collect();
        assert_eq!(msgs.len(), 1, "{msgs:?}");
        assert!(msgs[0].starts_with("Concerns are missing"), "{msgs:?}");
    }

    #[test]
    fn duplicates_within_the_file() {
        let p = parse(
            "Name,Father Name,Age,Sex,Programme\n\
             Muhammad Ali,Akbar,12,M,cpc\n\
             Mohammad Ali,Akbar,13,M,cpc\n\
             Muhammad Ali,Akbar,19,M,cpc\n",
            &ImportOptions::default(),
        );
        assert_eq!(in_file_duplicates(&p.valid), [(3, 2)]);
    }
}
