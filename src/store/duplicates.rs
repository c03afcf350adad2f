//! The duplicate warning at intake: existing records that are likely the
//! same person as the one being registered.
//!
//! Candidates come from two indexed lookups on the stored name keys
//! (`domain::names::name_key`): the same name, or the same father's or
//! husband's name. Only those candidates are scored, with `strsim`, on
//! name, father's name and age, so the check stays quick on a large office.
//! Typos in both the name and the father's name at once are not caught.

use chrono::NaiveDate;
use rusqlite::{Connection, params};

use crate::Result;
use crate::domain::names::{name_key, similarity};
use crate::domain::person::{NewPerson, age_on};
use crate::domain::{CaseStatus, Programme};

/// At most this many candidates are read per lookup (a very common name
/// with no father's name could otherwise pull thousands).
const CANDIDATES_PER_KEY: i64 = 2_000;
/// Names at least this alike count as the same name.
const NAME_ALIKE: f64 = 0.88;
const FATHER_ALIKE: f64 = 0.85;
/// Ages this many years apart still count as close (estimated ages are
/// rough).
const AGE_SLACK: u32 = 3;
/// At most this many matches are shown.
const MAX_MATCHES: usize = 10;

/// An existing record that may be the same person.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    pub id: i64,
    pub case_number: String,
    pub name: String,
    pub father_name: String,
    pub age: Option<u32>,
    pub programme: Programme,
    pub status: CaseStatus,
    /// 0..=1; higher is more alike.
    pub score: f64,
    /// Why it was shown, in plain words ("same name", "similar father's
    /// name", "age 2 years apart").
    pub reasons: Vec<String>,
}

/// Likely existing records for an intake form, best first. Call it when
/// the name (and father's name) are typed, before saving; reads only.
pub fn likely_matches(conn: &Connection, p: &NewPerson) -> Result<Vec<Match>> {
    let nk = name_key(&p.name);
    if nk.is_empty() {
        return Ok(Vec::new());
    }
    let fk = name_key(&p.father_name);
    let today = crate::clock::today();
    let on = p.registered_on.min(today);
    let new_age = p.birth_date.and_then(|b| age_on(b, on));

    let mut stmt = conn.prepare_cached(
        "SELECT id, case_number, name, father_name, birth_date, programme, status, name_key,
                father_key
         FROM persons WHERE name_key = ?1
         UNION
         SELECT * FROM (
            SELECT id, case_number, name, father_name, birth_date, programme, status, name_key,
                   father_key
            FROM persons WHERE ?2 <> '' AND father_key = ?2 LIMIT ?3)
         LIMIT ?4",
    )?;
    let rows = stmt.query_map(
        params![nk, fk, CANDIDATES_PER_KEY, 2 * CANDIDATES_PER_KEY],
        |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Option<NaiveDate>>(4)?,
                r.get::<_, Programme>(5)?,
                r.get::<_, CaseStatus>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, String>(8)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (id, case_number, name, father_name, birth, programme, status, ck, cfk) = row?;
        let name_sim = if ck == nk { 1.0 } else { similarity(&nk, &ck) };
        if name_sim < NAME_ALIKE {
            continue;
        }
        let mut reasons = vec![if ck == nk {
            "same name".to_string()
        } else {
            "similar name".to_string()
        }];
        let father_sim = if fk.is_empty() || cfk.is_empty() {
            None
        } else if fk == cfk {
            Some(1.0)
        } else {
            Some(similarity(&fk, &cfk))
        };
        match father_sim {
            Some(s) if s < FATHER_ALIKE => continue,
            Some(s) if s >= 1.0 => reasons.push("same father's or husband's name".into()),
            Some(_) => reasons.push("similar father's or husband's name".into()),
            None => {}
        }
        let age = birth.and_then(|b| age_on(b, today));
        let cand_age_then = birth.and_then(|b| age_on(b, on));
        let age_gap = match (new_age, cand_age_then) {
            (Some(a), Some(b)) => Some(a.abs_diff(b)),
            _ => None,
        };
        match age_gap {
            Some(g) if g > AGE_SLACK => continue,
            Some(0) => reasons.push("same age".into()),
            Some(g) => reasons.push(format!(
                "age {g} year{} apart",
                if g == 1 { "" } else { "s" }
            )),
            None => {}
        }
        // Name counts most; a father's name that agrees, and a close age,
        // make a match more likely.
        let score = 0.6 * name_sim
            + 0.3 * father_sim.unwrap_or(0.5)
            + 0.1 * age_gap.map_or(0.5, |g| 1.0 - f64::from(g) / f64::from(AGE_SLACK + 1));
        out.push(Match {
            id,
            case_number,
            name,
            father_name,
            age,
            programme,
            status,
            score,
            reasons,
        });
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    out.truncate(MAX_MATCHES);
    Ok(out)
}

/// A cheap fingerprint of the register (how many, the newest id, the last
/// edit): when it is the same inside an import's transaction as when the
/// import's preview ran, the preview's duplicate check still holds and
/// need not run again for every row.
pub fn register_state(conn: &Connection) -> Result<(i64, i64, String)> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*), coalesce(max(id), 0), coalesce(max(updated_at), '') FROM persons",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
}
