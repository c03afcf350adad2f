//! The registers: people, their concerns, case numbers and status history.

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, Row, params};

use crate::domain::person::{NewPerson, RegisterRow, age_on};
use crate::domain::{CaseStatus, Programme};
use crate::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PersonId(pub i64);

/// Issue the next case number for a programme and year. Must run inside the
/// write transaction that inserts the person, so two terminals cannot get
/// the same number; the counter never goes back, so numbers are never reused.
pub fn next_case_number(conn: &Connection, programme: Programme, year: i32) -> Result<String> {
    let n: i64 = conn.query_row(
        "INSERT INTO case_counters(programme, year, last) VALUES (?1, ?2, 1)
         ON CONFLICT(programme, year) DO UPDATE SET last = last + 1
         RETURNING last",
        params![programme, year],
        |r| r.get(0),
    )?;
    Ok(format!("{}-{year}-{n:04}", programme.case_prefix()))
}

/// Register a new person. The caller validates first (`NewPerson::validate`)
/// and owns the transaction.
pub fn add_person(
    conn: &Connection,
    p: &NewPerson,
    created_by: Option<i64>,
) -> Result<(PersonId, String)> {
    let case_number = next_case_number(conn, p.programme, p.registered_on.year())?;
    let now = crate::store::now();
    conn.execute(
        "INSERT INTO persons(case_number, programme, name, father_name, alias, sex, birth_date,
            age_estimated, cnic, phone, area, address, guardian_name, guardian_relation,
            school_status, work_status, referral_source, referral_detail, consent_by,
            consent_date, consent_services, consent_sharing, risk, risk_reason, worker_id,
            centre, status, registered_on, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
            ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, 'registered', ?27, ?28, ?29, ?29)",
        params![
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
        ],
    )?;
    let id = conn.last_insert_rowid();
    let mut stmt =
        conn.prepare_cached("INSERT INTO person_concerns(person_id, concern) VALUES (?1, ?2)")?;
    for c in &p.concerns {
        stmt.execute(params![id, c])?;
    }
    conn.execute(
        "INSERT INTO status_changes(person_id, on_date, at, user_id, from_status, to_status)
         VALUES (?1, ?2, ?3, ?4, NULL, 'registered')",
        params![id, p.registered_on, now, created_by],
    )?;
    Ok((PersonId(id), case_number))
}

/// Which rows of the register to list.
#[derive(Debug, Clone, Default)]
pub struct RegisterFilter {
    pub programme: Option<Programme>,
    pub status: Option<CaseStatus>,
}

fn register_row(r: &Row<'_>, today: NaiveDate) -> rusqlite::Result<RegisterRow> {
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
    let mut stmt = conn.prepare(
        "SELECT id, case_number, name, father_name, sex, birth_date, age_estimated, programme,
                status, risk, area, registered_on, closure_reason
         FROM persons
         WHERE (?1 IS NULL OR programme = ?1) AND (?2 IS NULL OR status = ?2)
         ORDER BY programme, registered_on, id",
    )?;
    let rows = stmt.query_map(params![filter.programme, filter.status], |r| {
        register_row(r, today)
    })?;
    rows.collect::<rusqlite::Result<_>>().map_err(Error::from)
}
