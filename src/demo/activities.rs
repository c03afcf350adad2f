//! Demo outreach and community activities, month by month over the
//! demo's three years, in the numbers of the office's own reports (per
//! 800 children, a month): about 20 spot visits (a dozen children met,
//! one or two new), 12 follow-up visits in the community, 4 parents'
//! committee meetings (4 parents each), 2 child group meetings, 4 police
//! station visits, 1–2 medico-legal unit visits, 2 jail or custody visits
//! for the women's desk, a training now and then, 2 awareness sessions
//! and a sports event every other month. A big office does proportionally
//! more. Registered people are linked where staff would know them: the
//! children followed up, the women visited in custody. Straight SQL on
//! prepared statements inside the demo's one transaction, for speed.

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand::seq::SliceRandom;
use rusqlite::{Connection, params};

use super::DemoContext;
use crate::Result;
use crate::domain::activities::ActivityKind;
use crate::domain::reports::AgeBand;
use crate::domain::{Programme, Sex};

/// Children per set of monthly activities, as for classes.
const CHILDREN_PER_SET: usize = 800;

const POLICE_STATIONS: &[&str] = &[
    "City police station",
    "Bijli Road police station",
    "Saryab police station",
    "Gawalmandi police station",
    "Jinnah Town police station",
];
const MLUS: &[&str] = &["Civil Hospital MLU", "Bolan Medical Complex MLU"];
const CUSTODY: &[&str] = &[
    "District Jail Quetta",
    "Women's police station",
    "Dar-ul-Aman Quetta",
    "Judicial lock-up",
];
const COMMUNITY: &[&str] = &[
    "Satellite Town community hall",
    "Kasi Road mohalla",
    "Sariab Road school",
    "Pashtunabad mosque hall",
    "CPC hall",
];
const NOTES: &[&str] = &[
    "Talked about safe places and whom to call",
    "Shared the plan for next month",
    "Followed up last month's concerns",
    "",
    "",
];

/// (kind, how many a month per set: whole part and chance of one more)
const MONTHLY: &[(ActivityKind, u32, f64)] = &[
    (ActivityKind::SpotVisit, 20, 0.5),
    (ActivityKind::FollowUpVisit, 12, 0.3),
    (ActivityKind::ParentsMeeting, 4, 0.0),
    (ActivityKind::ChildGroupMeeting, 2, 0.0),
    (ActivityKind::PoliceStationVisit, 4, 0.0),
    (ActivityKind::MluVisit, 1, 0.5),
    (ActivityKind::CustodyVisit, 2, 0.0),
    (ActivityKind::StaffTraining, 0, 0.25),
    (ActivityKind::PoliceTraining, 0, 0.15),
    (ActivityKind::VolunteerTraining, 0, 0.2),
    (ActivityKind::AwarenessSession, 2, 0.0),
    (ActivityKind::SportsEvent, 0, 0.5),
];

pub fn generate<R: Rng>(conn: &Connection, rng: &mut R, ctx: &DemoContext) -> Result<()> {
    let cpc: Vec<(i64, NaiveDate)> = ctx
        .persons
        .iter()
        .filter(|p| p.1 == Programme::Cpc)
        .map(|p| (p.0, p.2))
        .collect();
    let desk: Vec<(i64, NaiveDate)> = ctx
        .persons
        .iter()
        .filter(|p| p.1 == Programme::WomensDesk)
        .map(|p| (p.0, p.2))
        .collect();
    let sets = (cpc.len() / CHILDREN_PER_SET).max(1) as u32;
    let spots = &super::names::Names::get().spots;
    let mut add = conn.prepare_cached(
        "INSERT INTO activities(kind, on_date, place, new_identified, note, by_user, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut count = conn.prepare_cached(
        "INSERT INTO activity_counts(activity_id, sex, band, n) VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut staff =
        conn.prepare_cached("INSERT INTO activity_staff(activity_id, user_id) VALUES (?1, ?2)")?;
    let mut link = conn.prepare_cached(
        "INSERT OR IGNORE INTO activity_persons(activity_id, person_id) VALUES (?1, ?2)",
    )?;
    let start = ctx.today - Duration::days(3 * 365);
    let mut month = NaiveDate::from_ymd_opt(start.year(), start.month(), 1).unwrap_or(start);
    while month <= ctx.today {
        let days_in = crate::domain::reports::Period::month_of(month).days();
        for (kind, whole, extra) in MONTHLY {
            let mut n = whole * sets;
            for _ in 0..sets {
                if rng.gen_bool(*extra) {
                    n += 1;
                }
            }
            for _ in 0..n {
                let on = month + Duration::days(rng.gen_range(0..days_in));
                if on > ctx.today || on < start {
                    continue;
                }
                let a = activity(rng, *kind, spots);
                add.execute(params![
                    kind,
                    on,
                    a.place,
                    a.new_identified,
                    *NOTES.choose(rng).unwrap_or(&""),
                    ctx.staff_id,
                    format!("{on}T16:00:00Z"),
                ])?;
                let id = conn.last_insert_rowid();
                for (s, b, n) in &a.counts {
                    if *n > 0 {
                        count.execute(params![id, s, b, n])?;
                    }
                }
                staff.execute(params![id, ctx.staff_id])?;
                if rng.gen_bool(0.3) {
                    staff.execute(params![id, ctx.manager_id])?;
                }
                // Registered people met: children followed up, women seen
                // in custody; only people registered by that day.
                let (pool, links) = match kind {
                    ActivityKind::FollowUpVisit => (&cpc, rng.gen_range(1..=3)),
                    ActivityKind::SpotVisit => (&cpc, rng.gen_range(0..=2)),
                    ActivityKind::ChildGroupMeeting => (&cpc, rng.gen_range(2..=5)),
                    ActivityKind::CustodyVisit => (&desk, rng.gen_range(1..=2)),
                    _ => (&cpc, 0),
                };
                let known = pool.partition_point(|p| p.1 <= on);
                for _ in 0..links {
                    if known == 0 {
                        break;
                    }
                    let p = pool[rng.gen_range(0..known)];
                    link.execute(params![id, p.0])?;
                }
            }
        }
        month = month
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(ctx.today + Duration::days(1));
    }
    Ok(())
}

struct Planned {
    place: String,
    counts: Vec<(Sex, AgeBand, i64)>,
    new_identified: i64,
}

fn activity<R: Rng>(rng: &mut R, kind: ActivityKind, spots: &[&str]) -> Planned {
    use ActivityKind::*;
    use AgeBand::*;
    let pick = |rng: &mut R, xs: &[&str]| xs.choose(rng).copied().unwrap_or("").to_string();
    let mut counts = Vec::new();
    let mut new_identified = 0;
    let place = match kind {
        SpotVisit => {
            // Mostly boys, 12–17, some younger (the office's reports).
            let teens = rng.gen_range(4..=14);
            let young = rng.gen_range(0..=5);
            counts.push((Sex::Male, Teen, teens));
            counts.push((Sex::Male, Under12, young));
            if rng.gen_bool(0.1) {
                counts.push((Sex::Female, Teen, rng.gen_range(1..=2)));
            }
            let met: i64 = counts.iter().map(|c| c.2).sum();
            new_identified = rng.gen_range(0..=2).min(met);
            pick(rng, spots)
        }
        FollowUpVisit => {
            counts.push((Sex::Male, Teen, rng.gen_range(1..=3)));
            counts.push((Sex::Female, Adult, rng.gen_range(0..=2)));
            pick(rng, COMMUNITY)
        }
        ParentsMeeting => {
            // Four parents, mothers and fathers.
            let mothers = rng.gen_range(1..=3);
            counts.push((Sex::Female, Adult, mothers));
            counts.push((Sex::Male, Adult, 4 - mothers));
            pick(rng, COMMUNITY)
        }
        ChildGroupMeeting => {
            counts.push((Sex::Male, Teen, rng.gen_range(3..=6)));
            counts.push((Sex::Male, Under12, rng.gen_range(0..=2)));
            counts.push((Sex::Female, Teen, rng.gen_range(0..=1)));
            pick(rng, COMMUNITY)
        }
        PoliceStationVisit => {
            counts.push((Sex::Male, Adult, rng.gen_range(1..=4)));
            pick(rng, POLICE_STATIONS)
        }
        MluVisit => {
            counts.push((Sex::Male, Adult, rng.gen_range(1..=2)));
            pick(rng, MLUS)
        }
        CustodyVisit => {
            counts.push((Sex::Female, Adult, rng.gen_range(2..=8)));
            counts.push((Sex::Female, Teen, rng.gen_range(0..=1)));
            pick(rng, CUSTODY)
        }
        StaffTraining => {
            counts.push((Sex::Female, Adult, rng.gen_range(2..=6)));
            counts.push((Sex::Male, Adult, rng.gen_range(3..=8)));
            "SEHER office".to_string()
        }
        PoliceTraining => {
            counts.push((Sex::Male, Adult, rng.gen_range(15..=30)));
            counts.push((Sex::Female, Adult, rng.gen_range(0..=5)));
            pick(rng, POLICE_STATIONS)
        }
        VolunteerTraining => {
            counts.push((Sex::Female, Adult, rng.gen_range(3..=10)));
            counts.push((Sex::Male, Adult, rng.gen_range(3..=10)));
            counts.push((Sex::Male, Teen, rng.gen_range(0..=6)));
            "CPC hall".to_string()
        }
        AwarenessSession => {
            counts.push((Sex::Female, Adult, rng.gen_range(5..=30)));
            counts.push((Sex::Male, Adult, rng.gen_range(5..=30)));
            counts.push((Sex::Male, Teen, rng.gen_range(0..=20)));
            counts.push((Sex::Female, Teen, rng.gen_range(0..=10)));
            counts.push((Sex::Male, Unknown, rng.gen_range(0..=15)));
            pick(rng, COMMUNITY)
        }
        SportsEvent => {
            counts.push((Sex::Male, Teen, rng.gen_range(15..=40)));
            counts.push((Sex::Male, Under12, rng.gen_range(0..=15)));
            "Ayub Stadium".to_string()
        }
    };
    Planned {
        place,
        counts,
        new_identified,
    }
}
