//! The registers: people, their concerns, case numbers and status history.

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, OptionalExtension, Row, ToSql, params};

use crate::domain::casework::HistoryEntry;
use crate::domain::names::name_key;
use crate::domain::person::{FieldError, NewPerson, Person, RegisterRow, age_on, field_label};
use crate::domain::{CaseStatus, Concern, Programme};
use crate::store::users::User;
use crate::{Error, Result};

pub use crate::domain::person::PersonId;

/// Issue the next case number for a programme and year. Must run inside the
/// write transaction that inserts the person, so two terminals cannot get
/// the same number; the counter never goes back, so numbers are never reused.
pub fn next_case_number(conn: &Connection, programme: Programme, year: i32) -> Result<String> {
    let n: i64 = conn
        .prepare_cached(
            "INSERT INTO case_counters(programme, year, last) VALUES (?1, ?2, 1)
             ON CONFLICT(programme, year) DO UPDATE SET last = last + 1
             RETURNING last",
        )?
        .query_row(params![programme, year], |r| r.get(0))?;
    Ok(format!("{}-{year}-{n:04}", programme.case_prefix()))
}

/// Intake: validate and register. Run it in the caller's write
/// transaction together with anything else the form saves. Returns the new
/// id and case number.
pub fn register_person(
    conn: &Connection,
    p: &NewPerson,
    user: &User,
) -> Result<(PersonId, String)> {
    refuse_invalid(&p.validate(crate::clock::today()))?;
    add_person(conn, p, Some(user.id))
}

/// Turn form errors into one refusal, for callers that skipped `validate`.
/// Messages name fields, never the values typed.
pub fn refuse_invalid(errors: &[FieldError]) -> Result<()> {
    if errors.is_empty() {
        return Ok(());
    }
    let msgs: Vec<&str> = errors.iter().map(|e| e.message.as_str()).collect();
    Err(Error::invalid(msgs.join("; ")))
}

/// Register a new person without validation or audit: the low-level insert
/// `register_person` and the demo generator use. Owns no transaction.
pub fn add_person(
    conn: &Connection,
    p: &NewPerson,
    created_by: Option<i64>,
) -> Result<(PersonId, String)> {
    let case_number = next_case_number(conn, p.programme, p.registered_on.year())?;
    let now = crate::clock::now();
    conn.prepare_cached(
        "INSERT INTO persons(case_number, programme, name, father_name, alias, sex, birth_date,
            age_estimated, cnic, phone, area, address, guardian_name, guardian_relation,
            school_status, work_status, referral_source, referral_detail, consent_by,
            consent_date, consent_services, consent_sharing, risk, risk_reason, worker_id,
            centre, status, registered_on, created_by, created_at, updated_at, name_key,
            father_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, 'registered', ?27, ?28, ?29, ?29, ?30,
            ?31)",
    )?
    .execute(params![
        case_number,
        p.programme,
        p.name,
        p.father_name,
        p.alias,
        p.sex,
        p.birth_date,
        p.age_estimated,
        p.cnic,
        p.phone,
        p.area,
        p.address,
        p.guardian_name,
        p.guardian_relation,
        p.school_status,
        p.work_status,
        p.referral_source,
        p.referral_detail,
        p.consent_by,
        p.consent_date,
        p.consent_services,
        p.consent_sharing,
        p.risk,
        p.risk_reason,
        p.worker_id,
        p.centre,
        p.registered_on,
        created_by,
        now,
        name_key(&p.name),
        name_key(&p.father_name),
    ])?;
    let id = conn.last_insert_rowid();
    let mut stmt =
        conn.prepare_cached("INSERT INTO person_concerns(person_id, concern) VALUES (?1, ?2)")?;
    for c in &p.concerns {
        stmt.execute(params![id, c])?;
    }
    conn.prepare_cached(
        "INSERT INTO status_changes(person_id, on_date, at, user_id, from_status, to_status)
         VALUES (?1, ?2, ?3, ?4, NULL, 'registered')",
    )?
    .execute(params![id, p.registered_on, now, created_by])?;
    Ok((PersonId(id), case_number))
}

/// Which rows of the register to list.
#[derive(Debug, Clone, Default)]
pub struct RegisterFilter {
    pub programme: Option<Programme>,
    pub status: Option<CaseStatus>,
}

/// The columns `register_row` reads, in its order (`p` is `persons`).
pub(crate) const REGISTER_COLUMNS: &str = "p.id, p.case_number, p.name, p.father_name, p.sex,
    p.birth_date, p.age_estimated, p.programme, p.status, p.risk, p.area, p.registered_on,
    p.closure_reason";

/// A register row from a query selecting `REGISTER_COLUMNS`.
pub(crate) fn register_row(r: &Row<'_>, today: NaiveDate) -> rusqlite::Result<RegisterRow> {
    let birth: Option<NaiveDate> = r.get(5)?;
    Ok(RegisterRow {
        id: r.get(0)?,
        case_number: r.get(1)?,
        name: r.get(2)?,
        father_name: r.get(3)?,
        sex: r.get(4)?,
        age: birth.and_then(|b| age_on(b, today)),
        age_estimated: r.get(6)?,
        programme: r.get(7)?,
        status: r.get(8)?,
        risk: r.get(9)?,
        area: r.get(10)?,
        registered_on: r.get(11)?,
        closure_reason: r.get(12)?,
    })
}

/// The register in case-number order.
pub fn list_register(
    conn: &Connection,
    filter: &RegisterFilter,
    today: NaiveDate,
) -> Result<Vec<RegisterRow>> {
    let mut rows = Vec::new();
    each_register_row(conn, filter, today, |r| {
        rows.push(r);
        Ok(())
    })?;
    Ok(rows)
}

/// The WHERE clause of a register listing and its parameters, naming only
/// what the filter sets. (One statement for every filter, `?1 IS NULL OR
/// programme = ?1`, keeps SQLite off `persons_programme_status`: every
/// listing then read, and on the office decrypted, the whole table; the
/// CLI's `--programme wd --status closed` read 125,000 rows for 10,000.)
fn register_where(filter: &RegisterFilter) -> (String, Vec<&dyn ToSql>) {
    let mut terms = Vec::new();
    let mut args: Vec<&dyn ToSql> = Vec::new();
    if let Some(p) = &filter.programme {
        terms.push("programme = ?");
        args.push(p);
    }
    if let Some(s) = &filter.status {
        terms.push("status = ?");
        args.push(s);
    }
    if terms.is_empty() {
        return (String::new(), args);
    }
    (format!("WHERE {}", terms.join(" AND ")), args)
}

/// The statement [`each_register_row`] runs for `filter`, with its
/// parameters.
fn register_select(filter: &RegisterFilter) -> (String, Vec<&dyn ToSql>) {
    let (clause, args) = register_where(filter);
    (
        format!(
            "SELECT {REGISTER_COLUMNS} FROM persons p {clause}
             ORDER BY programme, registered_on, id"
        ),
        args,
    )
}

/// The register in the order of [`list_register`], each row handed to `f`
/// as the statement steps, so a whole office is never held at once.
/// Returns how many rows were read; stops at the first error from `f`.
pub fn each_register_row(
    conn: &Connection,
    filter: &RegisterFilter,
    today: NaiveDate,
    mut f: impl FnMut(RegisterRow) -> Result<()>,
) -> Result<usize> {
    let (sql, args) = register_select(filter);
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query(&*args)?;
    let mut n = 0;
    while let Some(r) = rows.next()? {
        f(register_row(r, today)?)?;
        n += 1;
    }
    Ok(n)
}

/// How many rows [`each_register_row`] would read now.
pub fn count_register(conn: &Connection, filter: &RegisterFilter) -> Result<usize> {
    let (clause, args) = register_where(filter);
    let n: i64 = conn.query_row(
        &format!("SELECT COUNT(*) FROM persons {clause}"),
        &*args,
        |r| r.get(0),
    )?;
    Ok(usize::try_from(n).unwrap_or(0))
}

const PERSON_COLUMNS: &str = "id, case_number, version, status, closure_reason, created_at,
    updated_at, programme, name, father_name, alias, sex, birth_date, age_estimated, cnic, phone,
    area, address, guardian_name, guardian_relation, school_status, work_status, referral_source,
    referral_detail, consent_by, consent_date, consent_services, consent_sharing, risk,
    risk_reason, worker_id, centre, registered_on";

fn person_row(r: &Row<'_>) -> rusqlite::Result<Person> {
    Ok(Person {
        id: r.get(0)?,
        case_number: r.get(1)?,
        version: r.get(2)?,
        status: r.get(3)?,
        closure_reason: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
        profile: NewPerson {
            programme: r.get(7)?,
            name: r.get(8)?,
            father_name: r.get(9)?,
            alias: r.get(10)?,
            sex: r.get(11)?,
            birth_date: r.get(12)?,
            age_estimated: r.get(13)?,
            cnic: r.get(14)?,
            phone: r.get(15)?,
            area: r.get(16)?,
            address: r.get(17)?,
            guardian_name: r.get(18)?,
            guardian_relation: r.get(19)?,
            school_status: r.get(20)?,
            work_status: r.get(21)?,
            referral_source: r.get(22)?,
            referral_detail: r.get(23)?,
            concerns: Vec::new(),
            consent_by: r.get(24)?,
            consent_date: r.get(25)?,
            consent_services: r.get(26)?,
            consent_sharing: r.get(27)?,
            risk: r.get(28)?,
            risk_reason: r.get(29)?,
            worker_id: r.get(30)?,
            centre: r.get(31)?,
            registered_on: r.get(32)?,
        },
    })
}

/// Read a person's file. Reads never write: the office layer records the
/// view when a person opens a file.
pub fn load_person(conn: &Connection, id: PersonId) -> Result<Person> {
    let mut p = conn
        .prepare_cached(&format!(
            "SELECT {PERSON_COLUMNS} FROM persons WHERE id = ?1"
        ))?
        .query_row([id.0], person_row)
        .optional()?
        .ok_or_else(|| no_such_person(id))?;
    let mut stmt = conn.prepare_cached(
        "SELECT concern FROM person_concerns WHERE person_id = ?1 ORDER BY concern",
    )?;
    p.profile.concerns = stmt
        .query_map([id.0], |r| r.get::<_, Concern>(0))?
        .collect::<rusqlite::Result<_>>()?;
    p.profile.concerns.sort();
    Ok(p)
}

pub(crate) fn no_such_person(id: PersonId) -> Error {
    Error::invalid(format!("there is no person with record id {}", id.0))
}

/// Find a person by case number (exact, ignoring case).
pub fn find_by_case_number(conn: &Connection, case_number: &str) -> Result<Option<PersonId>> {
    Ok(conn
        .prepare_cached("SELECT id FROM persons WHERE case_number = ?1")?
        .query_row([case_number.trim().to_uppercase()], |r| r.get(0))
        .optional()?
        .map(PersonId))
}

/// Find a person by case number (ignoring case) or record id.
pub fn find_by_case_number_or_id(conn: &Connection, key: &str) -> Result<Option<PersonId>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM persons WHERE case_number = ?1 COLLATE NOCASE
             OR (?1 GLOB '[0-9]*' AND id = CAST(?1 AS INTEGER)) LIMIT 1",
        )?
        .query_row([key.trim()], |r| r.get(0))
        .optional()?
        .map(PersonId))
}

/// What a profile save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// The version the file is at now; pass it with the next save.
    pub version: i64,
    /// Fields that changed (empty when nothing did).
    pub changed: Vec<&'static str>,
}

/// Save an edited profile. `expected_version` is the version the form was
/// loaded from: when someone else saved in between, the save is refused
/// with `Error::Conflict` naming the fields they changed, and nothing is
/// written. Every changed field goes to `person_history` (old and new
/// value, who, when); the office layer's audit entry names the fields only.
/// Run inside `store::write_tx`.
pub fn update_person(
    conn: &Connection,
    id: PersonId,
    expected_version: i64,
    changes: &NewPerson,
    user: &User,
) -> Result<Saved> {
    let current = load_person(conn, id)?;
    if current.version != expected_version {
        return Err(conflict(conn, id, expected_version)?);
    }
    if changes.programme != current.profile.programme {
        return Err(Error::invalid(
            "the programme of a file cannot be changed; close it and register the person in the other programme",
        ));
    }
    refuse_invalid(&changes.validate(crate::clock::today()))?;
    let old = current.profile.field_values();
    let new = changes.field_values();
    let diffs: Vec<(&'static str, Option<String>, Option<String>)> = old
        .into_iter()
        .zip(new)
        .filter(|(a, b)| a.1 != b.1)
        .map(|(a, b)| (a.0, a.1, b.1))
        .collect();
    if diffs.is_empty() {
        return Ok(Saved {
            version: current.version,
            changed: Vec::new(),
        });
    }
    let version = current.version + 1;
    let now = crate::clock::now();
    let p = changes;
    let n = conn.execute(
        "UPDATE persons SET name = ?3, father_name = ?4, alias = ?5, sex = ?6, birth_date = ?7,
            age_estimated = ?8, cnic = ?9, phone = ?10, area = ?11, address = ?12,
            guardian_name = ?13, guardian_relation = ?14, school_status = ?15, work_status = ?16,
            referral_source = ?17, referral_detail = ?18, consent_by = ?19, consent_date = ?20,
            consent_services = ?21, consent_sharing = ?22, risk = ?23, risk_reason = ?24,
            worker_id = ?25, centre = ?26, registered_on = ?27, name_key = ?28, father_key = ?29,
            version = ?30, updated_at = ?31
         WHERE id = ?1 AND version = ?2",
        params![
            id.0,
            expected_version,
            p.name,
            p.father_name,
            p.alias,
            p.sex,
            p.birth_date,
            p.age_estimated,
            p.cnic,
            p.phone,
            p.area,
            p.address,
            p.guardian_name,
            p.guardian_relation,
            p.school_status,
            p.work_status,
            p.referral_source,
            p.referral_detail,
            p.consent_by,
            p.consent_date,
            p.consent_services,
            p.consent_sharing,
            p.risk,
            p.risk_reason,
            p.worker_id,
            p.centre,
            p.registered_on,
            name_key(&p.name),
            name_key(&p.father_name),
            version,
            now,
        ],
    )?;
    if n != 1 {
        return Err(conflict(conn, id, expected_version)?);
    }
    if diffs.iter().any(|d| d.0 == "concerns") {
        conn.execute("DELETE FROM person_concerns WHERE person_id = ?1", [id.0])?;
        let mut stmt = conn.prepare_cached(
            "INSERT OR IGNORE INTO person_concerns(person_id, concern) VALUES (?1, ?2)",
        )?;
        for c in &p.concerns {
            stmt.execute(params![id.0, c])?;
        }
    }
    let mut hist = conn.prepare_cached(
        "INSERT INTO person_history(person_id, at, user_id, field, old_value, new_value, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for (field, old, new) in &diffs {
        hist.execute(params![id.0, now, user.id, field, old, new, version])?;
    }
    let changed: Vec<&'static str> = diffs.iter().map(|d| d.0).collect();
    Ok(Saved { version, changed })
}

/// The refusal for a stale save, naming (never showing) what changed.
fn conflict(conn: &Connection, id: PersonId, since: i64) -> Result<Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT field FROM person_history WHERE person_id = ?1 AND version > ?2
         GROUP BY field ORDER BY min(id)",
    )?;
    let fields: Vec<String> = stmt
        .query_map(params![id.0, since], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let labels: Vec<&str> = fields.iter().map(|f| field_label(f)).collect();
    let what = if labels.is_empty() {
        String::new()
    } else {
        format!(" (they changed: {})", labels.join(", "))
    };
    Ok(Error::Conflict(format!(
        "someone else saved this file while you were editing it{what}; your changes were not saved. Reopen the file to see theirs, then make yours again"
    )))
}

/// Every profile change of a person, oldest first.
pub fn history(conn: &Connection, id: PersonId) -> Result<Vec<HistoryEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT h.at, u.name, h.field, h.old_value, h.new_value, h.version
         FROM person_history h LEFT JOIN users u ON u.id = h.user_id
         WHERE h.person_id = ?1 ORDER BY h.id",
    )?;
    let rows = stmt.query_map([id.0], |r| {
        Ok(HistoryEntry {
            at: r.get(0)?,
            user_name: r.get(1)?,
            field: r.get(2)?,
            old_value: r.get(3)?,
            new_value: r.get(4)?,
            version: r.get(5)?,
        })
    })?;
    rows.collect::<rusqlite::Result<_>>().map_err(Error::from)
}

/// One person's case number, name, programme and status, as a list of
/// the people behind a number names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brief {
    pub id: i64,
    pub case_number: String,
    pub name: String,
    pub programme: Programme,
    pub status: crate::domain::CaseStatus,
}

/// The people of `ids` still in the register (in no particular order).
pub fn briefs(conn: &Connection, ids: &[i64]) -> Result<Vec<Brief>> {
    // Ids per query: well under SQLite's limit on parameters.
    const CHUNK: usize = 500;
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let marks = vec!["?"; chunk.len()].join(",");
        let mut stmt = conn.prepare(&format!(
            "SELECT id, case_number, name, programme, status FROM persons WHERE id IN ({marks})"
        ))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(chunk.iter()), |r| {
            Ok(Brief {
                id: r.get(0)?,
                case_number: r.get(1)?,
                name: r.get(2)?,
                programme: r.get(3)?,
                status: r.get(4)?,
            })
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plan SQLite picks for a statement, one line per step.
    fn plan(conn: &Connection, sql: &str, args: &[&dyn ToSql]) -> String {
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .expect("explain");
        let steps: Vec<String> = stmt
            .query_map(args, |r| r.get(3))
            .expect("plan")
            .collect::<rusqlite::Result<_>>()
            .expect("plan");
        steps.join("\n")
    }

    /// A filtered listing reads the programme's (and status's) rows through
    /// `persons_programme_status`, not the whole table; an unfiltered one
    /// has nothing to narrow. The schema is all the planner needs.
    #[test]
    fn a_filtered_register_listing_uses_the_programme_status_index() {
        let mut conn = Connection::open_in_memory().expect("memory");
        crate::store::migrate(&mut conn).expect("schema");
        for filter in [
            RegisterFilter {
                programme: Some(Programme::WomensDesk),
                status: Some(CaseStatus::Closed),
            },
            RegisterFilter {
                programme: Some(Programme::Cpc),
                status: None,
            },
        ] {
            let (sql, args) = register_select(&filter);
            let p = plan(&conn, &sql, &args);
            assert!(p.contains("SEARCH p USING INDEX"), "{filter:?}: {p}");
            let (clause, args) = register_where(&filter);
            let sql = format!("SELECT COUNT(*) FROM persons {clause}");
            let p = plan(&conn, &sql, &args);
            assert!(p.contains("SEARCH persons USING"), "{filter:?}: {p}");
        }
        let all = RegisterFilter::default();
        let (sql, args) = register_select(&all);
        assert!(args.is_empty());
        assert!(!sql.contains("WHERE"), "{sql}");
    }
}
