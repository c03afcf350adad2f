//! Demo case work: services delivered, follow-ups (some due today, some
//! overdue), case-plan goals and profile edits with their history, for the
//! persons `generate_persons` made. Batched on prepared statements inside
//! the demo's one transaction.

use chrono::{Duration, NaiveDate};
use rand::Rng;
use rand::seq::SliceRandom;
use rusqlite::{Connection, params};

use super::DemoContext;
use crate::Result;
use crate::domain::{CaseStatus, Programme, RiskLevel, ServiceKind};

const CPC_SERVICES: &[ServiceKind] = &[
    ServiceKind::Counselling,
    ServiceKind::HealthCheck,
    ServiceKind::MedicalReferral,
    ServiceKind::Medicines,
    ServiceKind::Nutrition,
    ServiceKind::Recreation,
    ServiceKind::Recreation,
    ServiceKind::Literacy,
    ServiceKind::Literacy,
    ServiceKind::Lsbe,
    ServiceKind::SkillClass,
    ServiceKind::SchoolMainstreaming,
    ServiceKind::FamilyReunification,
    ServiceKind::LifeSkills,
];

const WD_SERVICES: &[ServiceKind] = &[
    ServiceKind::Counselling,
    ServiceKind::LegalCounselling,
    ServiceKind::LegalCounselling,
    ServiceKind::LegalAid,
    ServiceKind::MedicalReferral,
    ServiceKind::HealthCheck,
    ServiceKind::StressManagement,
    ServiceKind::LifeSkills,
];

const CPC_GOALS: &[&str] = &[
    "Attend literacy class regularly for three months",
    "Enrol in the nearest government school",
    "Reunite with family after home visits",
    "Complete the tailoring course",
    "Stop visiting the spot at night",
    "Complete the LSBE sessions",
];

const WD_GOALS: &[&str] = &[
    "File the case with legal aid support",
    "Find safe accommodation",
    "Attend stress management sessions",
    "Obtain a CNIC",
    "Complete the skill course and start earning",
];

const FOLLOW_UP_PURPOSES: &[&str] = &[
    "Home visit",
    "Check school attendance",
    "Follow up the medical referral",
    "Visit at the work place",
    "Court hearing",
    "Check on safety at home",
];

const OUTCOMES: &[&str] = &[
    "Met; doing well",
    "Met the family; no new concerns",
    "Not found at home; visit again",
    "Attending regularly",
    "Referred again to the hospital",
];

fn detail<R: Rng>(rng: &mut R, kind: ServiceKind) -> &'static str {
    let pick = |rng: &mut R, xs: &[&'static str]| *xs.choose(rng).unwrap_or(&"");
    match kind {
        ServiceKind::MedicalReferral => pick(
            rng,
            &[
                "Civil Hospital Quetta",
                "Bolan Medical Complex",
                "Sandeman Hospital",
            ],
        ),
        ServiceKind::Medicines => pick(rng, &["paracetamol", "ORS", "deworming tablets"]),
        ServiceKind::SkillClass => pick(rng, &["tailoring", "calligraphy"]),
        ServiceKind::SchoolMainstreaming => {
            pick(rng, &["Government Boys School", "Government Girls School"])
        }
        _ => "",
    }
}

fn day_between<R: Rng>(rng: &mut R, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0);
    from + Duration::days(rng.gen_range(0..=span))
}

struct Case {
    id: i64,
    programme: Programme,
    status: CaseStatus,
    registered_on: NaiveDate,
    closed_on: Option<NaiveDate>,
    risk: RiskLevel,
    phone: String,
}

/// Fill services, follow-ups, goals and profile edits for every person.
pub fn generate<R: Rng>(conn: &Connection, rng: &mut R, ctx: &DemoContext) -> Result<()> {
    let cases: Vec<Case> = conn
        .prepare(
            "SELECT p.id, p.programme, p.status, p.registered_on,
                (SELECT max(on_date) FROM status_changes s
                  WHERE s.person_id = p.id AND s.to_status = 'closed'),
                p.risk, p.phone
             FROM persons p ORDER BY p.id",
        )?
        .query_map([], |r| {
            Ok(Case {
                id: r.get(0)?,
                programme: r.get(1)?,
                status: r.get(2)?,
                registered_on: r.get(3)?,
                closed_on: r.get(4)?,
                risk: r.get(5)?,
                phone: r.get(6)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;

    let mut service = conn.prepare_cached(
        "INSERT INTO services(person_id, kind, on_date, user_id, detail, note, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut follow_up = conn.prepare_cached(
        "INSERT INTO follow_ups(person_id, due_on, purpose, user_id, done_on, outcome, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut goal = conn.prepare_cached(
        "INSERT INTO goals(person_id, goal, target_date, achieved_on, user_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut edit = conn.prepare_cached(
        "UPDATE persons SET risk = ?2, phone = ?3, version = version + 1, updated_at = ?4
         WHERE id = ?1",
    )?;
    let mut history = conn.prepare_cached(
        "INSERT INTO person_history(person_id, at, user_id, field, old_value, new_value, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 2)",
    )?;
    let today = ctx.today;
    let at = |d: NaiveDate| format!("{d}T10:00:00Z");

    for c in &cases {
        let end = c.closed_on.unwrap_or(today).max(c.registered_on);
        let worker = if rng.gen_bool(0.85) {
            ctx.staff_id
        } else {
            ctx.manager_id
        };
        let kinds = if c.programme == Programme::Cpc {
            CPC_SERVICES
        } else {
            WD_SERVICES
        };
        let months = ((end - c.registered_on).num_days() / 30).clamp(0, 12) as u32;
        let n_services = rng.gen_range(0..=1 + months / 2).min(6);
        for _ in 0..n_services {
            let kind = *kinds.choose(rng).unwrap_or(&ServiceKind::Counselling);
            let on = day_between(rng, c.registered_on, end);
            let note = if rng.gen_bool(0.2) {
                "Cooperative; came on time"
            } else {
                ""
            };
            service.execute(params![
                c.id,
                kind,
                on,
                worker,
                detail(rng, kind),
                note,
                at(on)
            ])?;
        }

        // Follow-ups done in the past.
        for _ in 0..rng.gen_range(0..=(months / 3).min(2)) {
            let due = day_between(rng, c.registered_on, end);
            let done = (due + Duration::days(rng.gen_range(0..=5))).min(today);
            follow_up.execute(params![
                c.id,
                due,
                *FOLLOW_UP_PURPOSES.choose(rng).unwrap_or(&"Home visit"),
                worker,
                done,
                *OUTCOMES.choose(rng).unwrap_or(&"Met"),
                at(c.registered_on),
            ])?;
        }
        // One open follow-up for open cases: some due today, some overdue.
        if c.status != CaseStatus::Closed && rng.gen_bool(0.6) {
            let x: f64 = rng.r#gen();
            let due = if x < 0.08 {
                today
            } else if x < 0.3 {
                today - Duration::days(rng.gen_range(1..=30))
            } else {
                today + Duration::days(rng.gen_range(1..=60))
            }
            .max(c.registered_on);
            follow_up.execute(params![
                c.id,
                due,
                *FOLLOW_UP_PURPOSES.choose(rng).unwrap_or(&"Home visit"),
                worker,
                None::<NaiveDate>,
                "",
                at(c.registered_on),
            ])?;
        }

        // Case-plan goals.
        if rng.gen_bool(0.4) {
            let list = if c.programme == Programme::Cpc {
                CPC_GOALS
            } else {
                WD_GOALS
            };
            let how_many = rng.gen_range(1..=2);
            let chosen: Vec<&str> = list.choose_multiple(rng, how_many).copied().collect();
            for g in chosen {
                let target = c.registered_on + Duration::days(rng.gen_range(60..=180));
                let achieved = ((c.closed_on.is_some() || target < today) && rng.gen_bool(0.5))
                    .then(|| target.min(end));
                goal.execute(params![
                    c.id,
                    g,
                    target,
                    achieved,
                    worker,
                    at(c.registered_on)
                ])?;
            }
        }

        // A few profiles were edited after intake: risk reassessed, phone added.
        if rng.gen_bool(0.06) && c.registered_on < today {
            let on = day_between(
                rng,
                c.registered_on + Duration::days(1),
                end.max(c.registered_on + Duration::days(1)),
            );
            let new_risk = match c.risk {
                RiskLevel::High => RiskLevel::Medium,
                RiskLevel::Medium => RiskLevel::Low,
                RiskLevel::Low => RiskLevel::Medium,
            };
            let new_phone = if c.phone.is_empty() && rng.gen_bool(0.5) {
                format!(
                    "03{:02}-{:07}",
                    rng.gen_range(0..50u8),
                    rng.gen_range(0..10_000_000u32)
                )
            } else {
                c.phone.clone()
            };
            edit.execute(params![c.id, new_risk, new_phone, at(on)])?;
            history.execute(params![c.id, at(on), worker, "risk", c.risk, new_risk])?;
            if new_phone != c.phone {
                history.execute(params![c.id, at(on), worker, "phone", c.phone, new_phone])?;
            }
        }
    }
    Ok(())
}
