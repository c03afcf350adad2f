//! A realistic synthetic office, for trying casedesk and for benchmarks.
//!
//! Deterministic for a seed and a date: dates are spread over the three
//! years before `DemoOptions::today`, and while the office is built the
//! clock is fixed at that day (`clock::fixed`), so every stored time stamp
//! is too. The same seed and date give the same records, byte for byte
//! (keys and sealed notes aside: they are random by design). Every
//! generator draws from one seeded RNG in a fixed order; each later part of
//! the office (services, classes, notes, …) adds its own `generate_*` step
//! to `fill`.

pub mod activities;
pub mod casework;
pub mod classes;
pub mod counselling;
pub mod names;
pub mod placements;

use age::secrecy::SecretString;
use chrono::{Duration, NaiveDate};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rusqlite::{Connection, params};

use crate::domain::audit::AuditAction;
use crate::domain::person::{NewPerson, estimated_birth_date};
use crate::domain::{
    CaseStatus, Centre, ClosureReason, Concern, Programme, ReferralSource, RiskLevel, Role, Sex,
};
use crate::office::{self, OfficePaths, Session};
use crate::store::{self, meta, persons};
use crate::{Error, Result};

pub use crate::secrets::DEMO_PASSWORD;

#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// CPC children; the women's desk gets a quarter as many women.
    pub children: usize,
    pub seed: u64,
    /// The day the demo office is built "on": its records lead up to it.
    pub today: NaiveDate,
}

impl DemoOptions {
    /// `children` children, seed 7, built on `today`.
    pub fn new(children: usize, today: NaiveDate) -> DemoOptions {
        DemoOptions {
            children,
            seed: 7,
            today,
        }
    }
}

/// The moment of the demo's day its records are stamped with.
fn demo_now(today: NaiveDate) -> chrono::NaiveDateTime {
    today.and_hms_opt(9, 0, 0).unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    pub children: usize,
    pub women: usize,
}

/// What generators share: who works here and when "today" is.
pub struct DemoContext {
    pub today: NaiveDate,
    pub manager_id: i64,
    pub staff_id: i64,
    pub psychologist_id: i64,
    /// Every person created, in creation order, with their intake date.
    pub persons: Vec<(i64, Programme, NaiveDate)>,
    /// The demo psychologist's keys for writing notes, if there is one.
    pub note_keys: Option<office::counselling::NoteKeys>,
}

/// Build a demo office at `paths`. An existing demo office there (one that
/// opens with the demo password and says it is a demo) is replaced; any
/// other file is left alone and the build refused.
pub fn build(paths: &OfficePaths, opts: &DemoOptions) -> Result<DemoSummary> {
    if paths.any_exists() {
        if is_demo_office(paths) {
            paths.remove_all()?;
        } else {
            return Err(Error::invalid(format!(
                "{} already exists and is not a demo office; casedesk will not overwrite it",
                paths.db.display()
            )));
        }
    }
    let _clock = crate::clock::fixed(demo_now(opts.today));
    let _demo = crate::secrets::allow_demo_password();
    let password = SecretString::from(DEMO_PASSWORD.to_string());
    let (mut session, _recovery) =
        office::create_office(paths, "Demo office, Quetta", "manager", &password)?;
    session.add_user("staff", Role::Staff, &password)?;
    session.add_user("psychologist", Role::Psychologist, &password)?;
    // Notes are written as the psychologist, who alone holds the key.
    let note_keys = crate::vault::login(paths, "psychologist", &password)?
        .counselling_identity()
        .map(office::counselling::NoteKeys::new);
    let summary = fill(&mut session, opts, note_keys)?;
    tracing::info!(
        children = summary.children,
        women = summary.women,
        "demo office built"
    );
    Ok(summary)
}

fn is_demo_office(paths: &OfficePaths) -> bool {
    let password = SecretString::from(DEMO_PASSWORD.to_string());
    crate::vault::login(paths, "manager", &password)
        .ok()
        .and_then(|s| meta::get(s.conn(), "demo").ok().flatten())
        .is_some_and(|v| v == "1")
}

/// Fill an empty office with synthetic records, in one transaction.
pub fn fill(
    session: &mut Session,
    opts: &DemoOptions,
    note_keys: Option<office::counselling::NoteKeys>,
) -> Result<DemoSummary> {
    let _clock = crate::clock::fixed(demo_now(opts.today));
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let today = opts.today;
    let me = session.user().clone();
    let conn = &mut session.unlocked_mut().conn;
    let staff = store::users::find(conn, "staff")?;
    let psychologist = store::users::find(conn, "psychologist")?;
    let mut ctx = DemoContext {
        today,
        manager_id: me.id,
        staff_id: staff.map_or(me.id, |u| u.id),
        psychologist_id: psychologist.map_or(me.id, |u| u.id),
        persons: Vec::with_capacity(opts.children + opts.children / 4),
        note_keys,
    };
    // A large page cache keeps the index pages of 100,000 inserts in memory
    // instead of decrypting and re-encrypting them over and over.
    conn.execute_batch("PRAGMA cache_size = -131072;")?;
    let tx = store::write_tx(conn)?;
    meta::set(&tx, "demo", "1")?;
    let women = opts.children / 4;
    generate_persons(&tx, &mut rng, &mut ctx, Programme::Cpc, opts.children)?;
    generate_persons(&tx, &mut rng, &mut ctx, Programme::WomensDesk, women)?;
    counselling::generate(&tx, &mut rng, &ctx)?;
    casework::generate(&tx, &mut rng, &ctx)?;
    classes::generate(&tx, &mut rng, &ctx)?;
    placements::generate(&tx, &mut rng, &ctx)?;
    activities::generate(&tx, &mut rng, &ctx)?;
    store::audit::record(
        &tx,
        &me.name,
        AuditAction::DemoFill,
        "",
        &format!("seed {}", opts.seed),
    )?;
    tx.commit()?;
    Ok(DemoSummary {
        children: opts.children,
        women,
    })
}

fn pick<'a, R: Rng>(rng: &mut R, list: &'a [&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or("")
}

/// A date `days` back from today at most, skewed towards recent dates the
/// way an office's intake grows.
fn past_date<R: Rng>(rng: &mut R, today: NaiveDate, days: i64) -> NaiveDate {
    let x: f64 = rng.r#gen::<f64>().powf(1.4);
    today - Duration::days((x * days as f64) as i64)
}

fn generate_persons<R: Rng>(
    conn: &Connection,
    rng: &mut R,
    ctx: &mut DemoContext,
    programme: Programme,
    count: usize,
) -> Result<()> {
    let n = names::Names::get();
    // Intake dates are drawn first and sorted, so case numbers follow
    // intake order as they do in a real office.
    let mut dates: Vec<NaiveDate> = (0..count)
        .map(|_| past_date(rng, ctx.today, 3 * 365))
        .collect();
    dates.sort();
    for registered_on in dates {
        let p = person(rng, n, ctx, programme, registered_on);
        let (id, _) = persons::add_person(conn, &p, Some(ctx.staff_id))?;
        advance_status(conn, rng, ctx, id.0, registered_on)?;
        ctx.persons.push((id.0, programme, registered_on));
    }
    Ok(())
}

fn person<R: Rng>(
    rng: &mut R,
    n: &names::Names,
    ctx: &DemoContext,
    programme: Programme,
    registered_on: NaiveDate,
) -> NewPerson {
    let cpc = programme == Programme::Cpc;
    // The CPC mostly serves boys (the office's reports); the desk, women.
    let sex = if !cpc || rng.gen_bool(0.18) {
        Sex::Female
    } else {
        Sex::Male
    };
    let (name, father_name) = if rng.gen_bool(0.08) {
        let (a, b) = n.urdu.choose(rng).copied().unwrap_or(("", ""));
        (a.to_string(), b.to_string())
    } else {
        let first = if sex == Sex::Male {
            pick(rng, &n.boys)
        } else {
            pick(rng, &n.girls)
        };
        let name = if sex == Sex::Male && rng.gen_bool(0.3) {
            format!("{first} {}", pick(rng, &n.boys))
        } else {
            first.to_string()
        };
        (name, pick(rng, &n.fathers).to_string())
    };
    let age: u32 = if cpc {
        rng.gen_range(7..=18)
    } else {
        rng.gen_range(18..=55)
    };
    let age_estimated = rng.gen_bool(0.35);
    let birth_date = if age_estimated {
        estimated_birth_date(age, registered_on)
    } else {
        registered_on - Duration::days(i64::from(age) * 365 + rng.gen_range(0..360))
    };
    let concerns_pool = Concern::for_programme(programme);
    let how_many = rng.gen_range(1..=2);
    let mut concerns: Vec<Concern> = concerns_pool
        .choose_multiple(rng, how_many)
        .copied()
        .collect();
    concerns.sort();
    let (referral_source, referral_detail) = if cpc && rng.gen_bool(0.5) {
        (
            ReferralSource::OutreachSpot,
            pick(rng, &n.spots).to_string(),
        )
    } else if rng.gen_bool(0.15) {
        (ReferralSource::SelfReferred, String::new())
    } else {
        let (who, kind) = n
            .referrers
            .choose(rng)
            .copied()
            .unwrap_or(("", "other_organisation"));
        (
            kind.parse().unwrap_or(ReferralSource::OtherOrganisation),
            who.to_string(),
        )
    };
    let risk = *[
        RiskLevel::High,
        RiskLevel::Medium,
        RiskLevel::Medium,
        RiskLevel::Low,
    ]
    .choose(rng)
    .unwrap_or(&RiskLevel::Medium);
    let guardian_relation = if cpc {
        pick(
            rng,
            &["mother", "father", "uncle", "elder brother", "grandmother"],
        )
    } else {
        pick(rng, &["mother", "brother", "self", "sister"])
    };
    NewPerson {
        programme,
        name,
        father_name,
        alias: if rng.gen_bool(0.1) {
            pick(rng, &["Chotu", "Kaka", "Pappu", "Guddu"]).into()
        } else {
            String::new()
        },
        sex,
        birth_date: Some(birth_date),
        age_estimated,
        cnic: if !cpc && rng.gen_bool(0.6) {
            format!(
                "54400-{:07}-{}",
                rng.gen_range(0..10_000_000u32),
                rng.gen_range(0..10u8)
            )
        } else {
            String::new()
        },
        phone: if rng.gen_bool(0.5) {
            format!(
                "03{:02}-{:07}",
                rng.gen_range(0..50u8),
                rng.gen_range(0..10_000_000u32)
            )
        } else {
            String::new()
        },
        area: pick(rng, &n.areas).to_string(),
        address: String::new(),
        guardian_name: if cpc {
            pick(rng, &n.fathers).to_string()
        } else {
            String::new()
        },
        guardian_relation: guardian_relation.to_string(),
        school_status: if cpc {
            pick(rng, &["never enrolled", "dropped out", "enrolled"]).into()
        } else {
            String::new()
        },
        work_status: if cpc {
            pick(
                rng,
                &[
                    "street vending",
                    "hotel work",
                    "garbage picking",
                    "workshop",
                    "none",
                ],
            )
            .into()
        } else {
            pick(rng, &["housewife", "domestic worker", "none"]).into()
        },
        referral_source,
        referral_detail,
        concerns,
        consent_by: if cpc {
            "guardian".into()
        } else {
            "self".into()
        },
        consent_date: Some(registered_on),
        consent_services: true,
        consent_sharing: rng.gen_bool(0.7),
        risk,
        risk_reason: String::new(),
        worker_id: Some(ctx.staff_id),
        centre: if !cpc {
            Centre::Desk
        } else if rng.gen_bool(0.3) {
            Centre::ChildFriendlySpace
        } else {
            Centre::Cpc
        },
        registered_on,
    }
}

/// Move a case along registered → active → closed (→ reopened), the way
/// older cases have.
fn advance_status<R: Rng>(
    conn: &Connection,
    rng: &mut R,
    ctx: &DemoContext,
    id: i64,
    registered_on: NaiveDate,
) -> Result<()> {
    let age_days = (ctx.today - registered_on).num_days();
    if age_days < 14 && rng.gen_bool(0.7) {
        return Ok(());
    }
    let active_on = registered_on + Duration::days(rng.gen_range(0..=age_days.clamp(0, 14)));
    let mut steps = vec![(CaseStatus::Active, active_on, None)];
    if age_days > 120 && rng.gen_bool(0.55) {
        let closed_on = active_on + Duration::days(rng.gen_range(60..=(age_days - 14).max(61)));
        let closed_on = closed_on.min(ctx.today);
        let reason = *ClosureReason::ALL
            .choose(rng)
            .unwrap_or(&ClosureReason::LostContact);
        steps.push((CaseStatus::Closed, closed_on, Some(reason)));
        if rng.gen_bool(0.05) && closed_on < ctx.today {
            steps.push((
                CaseStatus::Reopened,
                ctx.today.min(closed_on + Duration::days(30)),
                None,
            ));
        }
    }
    let mut insert = conn.prepare_cached(
        "INSERT INTO status_changes(person_id, on_date, at, user_id, from_status, to_status, reason)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut from = CaseStatus::Registered;
    for (to, on, reason) in &steps {
        insert.execute(params![
            id,
            on,
            format!("{on}T09:00:00Z"),
            ctx.staff_id,
            from,
            to,
            reason
        ])?;
        from = *to;
    }
    let closure = steps
        .iter()
        .rev()
        .find_map(|s| s.2)
        .filter(|_| from == CaseStatus::Closed);
    conn.prepare_cached("UPDATE persons SET status = ?2, closure_reason = ?3 WHERE id = ?1")?
        .execute(params![id, from, closure])?;
    Ok(())
}
