//! Demo classes: literacy (morning and evening), LSBE, non-formal
//! education and skill classes (tailoring, calligraphy), with teachers,
//! enrolments and withdrawals, two years of sessions with realistic
//! attendance (most children come most days; some drift into absence), a
//! monthly literacy test that mostly improves, and skill courses completed
//! with or without a certificate. About 20 marks per child of the office
//! (two million for `--children 100000`). Straight SQL on prepared
//! statements inside the demo's one transaction, for speed.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use rand::Rng;
use rusqlite::{Connection, params};

use super::DemoContext;
use crate::Result;
use crate::domain::Programme;
use crate::domain::classes::{ClassKind, Days, Mark};

/// A class the demo office runs: kind, name, trade, days, hours.
type Planned = (
    ClassKind,
    &'static str,
    &'static str,
    &'static str,
    (u32, u32),
);

/// The classes the office runs, repeated (numbered) for a big office.
const PLAN: &[Planned] = &[
    (
        ClassKind::Literacy,
        "Literacy morning",
        "",
        "mon-thu",
        (9, 11),
    ),
    (
        ClassKind::Literacy,
        "Literacy evening",
        "",
        "mon-thu",
        (16, 18),
    ),
    (ClassKind::Lsbe, "LSBE", "", "tue,thu", (11, 12)),
    (
        ClassKind::NonFormal,
        "Non-formal education",
        "",
        "mon-sat",
        (13, 15),
    ),
    (
        ClassKind::Skill,
        "Tailoring",
        "tailoring",
        "mon,wed,fri",
        (14, 17),
    ),
    (
        ClassKind::Skill,
        "Calligraphy",
        "calligraphy",
        "sat",
        (10, 12),
    ),
];

/// Children per running class, roughly.
const CHILDREN_PER_CLASS_SET: usize = 800;

struct DemoClass {
    id: i64,
    kind: ClassKind,
    days: Days,
}

pub fn generate<R: Rng>(conn: &Connection, rng: &mut R, ctx: &DemoContext) -> Result<()> {
    let cpc = ctx.persons.iter().filter(|p| p.1 == Programme::Cpc).count();
    let sets = (cpc / CHILDREN_PER_CLASS_SET).max(1);
    let starts_on = ctx.today - Duration::days(730);
    let teachers = [ctx.staff_id, ctx.manager_id];
    let now = format!("{starts_on}T08:00:00Z");
    let mut add_class = conn.prepare_cached(
        "INSERT INTO classes(kind, name, trade, teacher_id, days, starts_at, ends_at, starts_on,
                             ends_on, room, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, NULL, ?9, ?10)",
    )?;
    let mut classes: Vec<DemoClass> = Vec::new();
    for set in 0..sets {
        for (i, (kind, name, trade, days, (from, to))) in PLAN.iter().enumerate() {
            let name = if set == 0 {
                (*name).to_string()
            } else {
                format!("{name} {}", set + 1)
            };
            let days: Days = days.parse()?;
            add_class.execute(params![
                kind,
                name,
                trade,
                teachers[(set + i) % teachers.len()],
                days.bits(),
                NaiveTime::from_hms_opt(*from, 0, 0),
                NaiveTime::from_hms_opt(*to, 0, 0),
                starts_on,
                format!("Room {}", 1 + (set * PLAN.len() + i) % 6),
                now,
            ])?;
            classes.push(DemoClass {
                id: conn.last_insert_rowid(),
                kind: *kind,
                days,
            });
        }
    }

    let mut enrol = conn.prepare_cached(
        "INSERT INTO enrolments(class_id, person_id, enrolled_on, withdrawn_on, withdrawn_why,
                                by_user, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut session_of = conn.prepare_cached(
        "INSERT INTO class_sessions(class_id, on_date, extra, created_at) VALUES (?1, ?2, 0, ?3)
         ON CONFLICT(class_id, on_date) DO UPDATE SET extra = 0 RETURNING id",
    )?;
    let mut mark = conn.prepare_cached(
        "INSERT INTO attendance(session_id, person_id, mark, version, marked_by, marked_at)
         VALUES (?1, ?2, ?3, 1, ?4, ?5)",
    )?;
    let mut test = conn.prepare_cached(
        "INSERT INTO literacy_tests(person_id, month, reading_urdu, writing_urdu,
                                    reading_english, writing_english, tested_by, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?;
    let mut complete = conn.prepare_cached(
        "INSERT INTO skill_completions(person_id, class_id, completed_on, certificate, by_user, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    let mut sessions: std::collections::HashMap<(i64, NaiveDate), i64> = Default::default();
    let skills: Vec<&DemoClass> = classes
        .iter()
        .filter(|c| c.kind == ClassKind::Skill)
        .collect();

    for &(person, programme, registered_on) in &ctx.persons {
        // Children in their first two years here go to classes; some women
        // learn a trade.
        let (joins, pool): (bool, Vec<&DemoClass>) = match programme {
            Programme::Cpc => (rng.gen_bool(0.57), classes.iter().collect()),
            Programme::WomensDesk => (rng.gen_bool(0.12), skills.clone()),
        };
        let enrolled_on = registered_on + Duration::days(rng.gen_range(0..=21));
        if !joins || enrolled_on < starts_on || enrolled_on >= ctx.today || pool.is_empty() {
            continue;
        }
        let class = pool[rng.gen_range(0..pool.len())];
        let length = Duration::days(rng.gen_range(40..=200));
        let ends = enrolled_on + length;
        let (withdrawn_on, why) = if ends < ctx.today {
            let why = if class.kind == ClassKind::Skill && rng.gen_bool(0.7) {
                "completed the course"
            } else if rng.gen_bool(0.5) {
                "stopped coming"
            } else {
                "moved away"
            };
            (Some(ends), why)
        } else {
            (None, "")
        };
        enrol.execute(params![
            class.id,
            person,
            enrolled_on,
            withdrawn_on,
            why,
            ctx.staff_id,
            format!("{enrolled_on}T09:00:00Z"),
        ])?;
        // How reliably this child comes, and whether they drift away.
        let base: f64 = rng.gen_range(0.65..0.97);
        let drifts = rng.gen_bool(0.12);
        let last = withdrawn_on.unwrap_or(ctx.today + Duration::days(1));
        let span = (last - enrolled_on).num_days().max(1) as f64;
        let mut day = enrolled_on;
        while day < last && day <= ctx.today {
            if class.days.meets_on(day) {
                let session = match sessions.get(&(class.id, day)) {
                    Some(id) => *id,
                    None => {
                        let id: i64 = session_of
                            .query_row(params![class.id, day, format!("{day}T08:00:00Z")], |r| {
                                r.get(0)
                            })?;
                        sessions.insert((class.id, day), id);
                        id
                    }
                };
                let through = (day - enrolled_on).num_days() as f64 / span;
                let p = if drifts {
                    (base - through * 0.9).max(0.05)
                } else {
                    base
                };
                let roll: f64 = rng.r#gen();
                let m = if roll < p * 0.93 {
                    Mark::Present
                } else if roll < p {
                    Mark::Late
                } else if roll < p + 0.03 {
                    Mark::Excused
                } else {
                    Mark::Absent
                };
                mark.execute(params![
                    session,
                    person,
                    m,
                    class_teacher(ctx, class.id),
                    format!("{day}T12:00:00Z")
                ])?;
            }
            day += Duration::days(1);
        }
        if class.kind == ClassKind::Literacy {
            // A test at the end of each month enrolled, mostly improving.
            let mut level: [u8; 4] = [rng.gen_range(0..=1), rng.gen_range(0..=1), 0, 0];
            let mut month = NaiveDate::from_ymd_opt(enrolled_on.year(), enrolled_on.month(), 1)
                .unwrap_or(enrolled_on);
            while month <= last.min(ctx.today) {
                for l in &mut level {
                    if rng.gen_bool(0.45) {
                        *l = (*l + 1).min(4);
                    } else if rng.gen_bool(0.05) {
                        *l = l.saturating_sub(1);
                    }
                }
                test.execute(params![
                    person,
                    month.format("%Y-%m").to_string(),
                    level[0],
                    level[1],
                    level[2],
                    level[3],
                    ctx.staff_id,
                    format!("{month}T10:00:00Z"),
                ])?;
                month = month
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(last);
            }
        }
        if why == "completed the course" {
            complete.execute(params![
                person,
                class.id,
                withdrawn_on,
                rng.gen_bool(0.8),
                ctx.staff_id,
                format!("{ends}T15:00:00Z"),
            ])?;
        }
    }
    Ok(())
}

/// Who marks a class's register: the class's teacher (the demo's classes
/// alternate staff and manager).
fn class_teacher(ctx: &DemoContext, class_id: i64) -> i64 {
    if class_id % 2 == 1 {
        ctx.staff_id
    } else {
        ctx.manager_id
    }
}
