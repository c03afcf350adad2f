//! Demo placements: jobs and small businesses for a share of the children
//! (older ones, in the office's reports) and some women, with visit
//! histories on the office's schedule (most made a few days late, some
//! still overdue), realistic outcomes (most still working; some changed or
//! lost a job, some businesses closed), and the skill course a placement
//! followed from where the child completed one.
//!
//! No child is placed younger than the law allows (under 14 in any work,
//! under 18 in hazardous work: [`crate::domain::child_labour`]). Such a
//! child's placement is drawn all the same and then not written, so the
//! random draws, and with them every other demo record, stay as they were.

use chrono::Duration;
use rand::Rng;
use rand::seq::SliceRandom;
use rusqlite::{Connection, OptionalExtension, params};

use super::DemoContext;
use crate::Result;
use crate::domain::Programme;
use crate::domain::child_labour;
use crate::domain::person::age_on;
use crate::domain::placements::{PlacementKind, Schedule, VisitOutcome};

const TRADES: &[&str] = &[
    "tailoring",
    "motor mechanic",
    "hotel work",
    "electrician",
    "carpentry",
    "calligraphy",
    "shop assistant",
];
const EMPLOYERS: &[&str] = &[
    "Jinnah Road tailors",
    "Sariab motor workshop",
    "Quetta hotel",
    "Kasi electric works",
    "Brewery Road furniture",
    "Liaquat Bazaar shop",
];
const BUSINESSES: &[&str] = &[
    "tea stall",
    "vegetable cart",
    "tailoring shop",
    "mobile repair",
];

pub fn generate<R: Rng>(conn: &Connection, rng: &mut R, ctx: &DemoContext) -> Result<()> {
    let schedule = Schedule::default();
    let mut add = conn.prepare_cached(
        "INSERT INTO placements(person_id, kind, starts_on, trade, employer, contact_person,
             contact_phone, wage, hours, business_kind, place, toolkit, grant_amount, training,
             skill_class_id, by_user, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    )?;
    let mut visit = conn.prepare_cached(
        "INSERT INTO placement_visits(placement_id, due_on, done_on, by_user, outcome, problems,
                                      support, next_step, done_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    let mut end =
        conn.prepare_cached("UPDATE placements SET ended_on = ?2, end_reason = ?3 WHERE id = ?1")?;
    let mut skill = conn.prepare_cached(
        "SELECT class_id, completed_on FROM skill_completions WHERE person_id = ?1
         ORDER BY completed_on DESC LIMIT 1",
    )?;
    let mut born = conn.prepare_cached("SELECT birth_date FROM persons WHERE id = ?1")?;
    for &(person, programme, registered_on) in &ctx.persons {
        let share = match programme {
            Programme::Cpc => 0.27,
            Programme::WomensDesk => 0.12,
        };
        if !rng.gen_bool(share) {
            continue;
        }
        let completed: Option<(i64, chrono::NaiveDate)> = skill
            .query_row([person], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let after = completed.map_or(
            registered_on + Duration::days(rng.gen_range(60..=400)),
            |c| c.1 + Duration::days(rng.gen_range(7..=45)),
        );
        if after > ctx.today {
            continue;
        }
        let kind = if programme == Programme::WomensDesk || rng.gen_bool(0.2) {
            PlacementKind::Business
        } else {
            PlacementKind::Job
        };
        let trade = *TRADES.choose(rng).unwrap_or(&"tailoring");
        let (employer, business) = match kind {
            PlacementKind::Job => (*EMPLOYERS.choose(rng).unwrap_or(&""), ""),
            PlacementKind::Business => ("", *BUSINESSES.choose(rng).unwrap_or(&"")),
        };
        // Drawn in the order they always were.
        let phone = if employer.is_empty() {
            String::new()
        } else {
            format!("081-{:07}", rng.gen_range(0..10_000_000u32))
        };
        let wage = (kind == PlacementKind::Job).then(|| rng.gen_range(6..=25) * 1000);
        let toolkit = kind == PlacementKind::Business && rng.gen_bool(0.6);
        let grant = (kind == PlacementKind::Business).then(|| rng.gen_range(10..=50) * 1000);
        let birth: Option<chrono::NaiveDate> = born.query_row([person], |r| r.get(0))?;
        let lawful = birth
            .and_then(|b| age_on(b, after))
            .is_none_or(|age| child_labour::check(age, &[trade, employer, business]).is_none());
        if lawful {
            add.execute(params![
                person,
                kind,
                after,
                trade,
                employer,
                if employer.is_empty() { "" } else { "the owner" },
                phone,
                wage,
                if kind == PlacementKind::Job {
                    "9 to 5, six days"
                } else {
                    ""
                },
                business,
                if business.is_empty() {
                    ""
                } else {
                    "near the bus stand"
                },
                toolkit,
                grant,
                if completed.is_some() {
                    "skill course"
                } else {
                    ""
                },
                completed.map(|c| c.0),
                ctx.staff_id,
                format!("{after}T09:00:00Z"),
            ])?;
        }
        let id = conn.last_insert_rowid();
        for due in schedule.due_dates(after) {
            let late = Duration::days(rng.gen_range(0..=10));
            let done = due + late;
            // Visits not yet due stay planned; some of the last two
            // months' are overdue.
            if done > ctx.today || (due > ctx.today - Duration::days(60) && rng.gen_bool(0.3)) {
                if !lawful {
                    continue;
                }
                visit.execute(params![
                    id,
                    due,
                    None::<String>,
                    None::<i64>,
                    None::<String>,
                    "",
                    "",
                    "",
                    None::<String>
                ])?;
                continue;
            }
            let roll: f64 = rng.r#gen();
            let outcome = match kind {
                PlacementKind::Job if roll < 0.75 => VisitOutcome::StillWorking,
                PlacementKind::Job if roll < 0.87 => VisitOutcome::ChangedJob,
                PlacementKind::Job => VisitOutcome::LostJob,
                PlacementKind::Business if roll < 0.85 => VisitOutcome::BusinessRunning,
                PlacementKind::Business => VisitOutcome::BusinessClosed,
            };
            let (problems, support, next) = match outcome {
                VisitOutcome::StillWorking | VisitOutcome::BusinessRunning => {
                    ("long hours", "talked with the employer", "visit as planned")
                }
                VisitOutcome::ChangedJob => {
                    ("low wage", "helped find better work", "visit new place")
                }
                VisitOutcome::LostJob => ("quarrel at work", "counselling", "look for work"),
                VisitOutcome::BusinessClosed => ("no customers", "advice", "try a job"),
            };
            if !lawful {
                // The same draws, nothing written; the same end.
                if matches!(
                    outcome,
                    VisitOutcome::LostJob | VisitOutcome::BusinessClosed
                ) {
                    break;
                }
                continue;
            }
            visit.execute(params![
                id,
                due,
                done,
                ctx.staff_id,
                outcome,
                problems,
                support,
                next,
                format!("{done}T14:00:00Z")
            ])?;
            if matches!(
                outcome,
                VisitOutcome::LostJob | VisitOutcome::BusinessClosed
            ) {
                end.execute(params![id, done, outcome.label()])?;
                conn.execute(
                    "DELETE FROM placement_visits WHERE placement_id = ?1 AND done_on IS NULL",
                    [id],
                )?;
                break;
            }
        }
    }
    Ok(())
}
