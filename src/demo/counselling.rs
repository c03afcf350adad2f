//! Demo counselling: assessments, individual and group sessions with
//! sealed synthetic notes for some of the demo's persons.
//!
//! The notes are sealed and signed with the counselling identity of the
//! demo's `psychologist` account (which holds it), so that account can read
//! them and nobody else can. The notes name nobody:
//! they are built from generic clinical phrases, and group notes refer to
//! participants only as "participants".

use chrono::{Duration, NaiveDate};
use rand::Rng;
use rand::seq::SliceRandom;
use rusqlite::Connection;

use super::DemoContext;
use crate::Result;
use crate::domain::CounsellingKind;
use crate::domain::counselling::NewSession;
use crate::office::counselling;

/// Share of persons who see the psychologist.
const SHARE: f64 = 0.15;

const PRESENTING: &[&str] = &[
    "Referred after intake for difficulty sleeping and frequent nightmares.",
    "Presents with low mood and withdrawal from peers since the incident.",
    "Reports fear of returning to the area where the incident took place.",
    "Anger outbursts at the centre; staff asked for an assessment.",
    "Tearful during intake; describes constant worry about family at home.",
    "Complains of headaches and stomach pain with no medical cause found.",
];
const HISTORY: &[&str] = &[
    "Lives with extended family; father works away for months at a time.",
    "Left school after class three; has been working on the street for two years.",
    "Several moves between relatives in the past year.",
    "Describes a supportive older sibling; mother unwell.",
    "No earlier psychological help; visited a shrine with family.",
];
const OBSERVATIONS: &[&str] = &[
    "Good eye contact by the end of the session; speech normal in rate and tone.",
    "Restless, fidgeting; settled with a drawing task.",
    "Affect flat; answered in few words but stayed for the whole session.",
    "Engaged well, used the breathing exercise without prompting.",
    "Startled at loud noises from the corridor; reassured easily.",
];
const PLANS: &[&str] = &[
    "Weekly individual sessions for six weeks; review after four.",
    "Practise the breathing exercise at bedtime; sleep diary.",
    "Join the Thursday group for stress management.",
    "Liaise with the case worker about the family visit; no details shared.",
    "Review risk at the next session; safety plan agreed and understood.",
];
const GROUP_TOPICS: &[&str] = &[
    "Feelings and how the body shows them.",
    "Safe and unsafe touch; who to tell.",
    "Managing anger: stop, breathe, think.",
    "Hopes for the future; drawing and sharing.",
    "Trust and friendship in the group.",
];

fn pick<R: Rng>(rng: &mut R, list: &[&'static str]) -> &'static str {
    list.choose(rng).copied().unwrap_or("")
}

fn assessment_note<R: Rng>(rng: &mut R) -> String {
    format!(
        "Presenting problem\n{}\n\nHistory\n{}\n\nObservations\n{}\n\nPlan\n{}\n",
        pick(rng, PRESENTING),
        pick(rng, HISTORY),
        pick(rng, OBSERVATIONS),
        pick(rng, PLANS)
    )
}

fn individual_note<R: Rng>(rng: &mut R) -> String {
    format!(
        "Session content\n{}\n\nObservations\n{}\n\nPlan\n{}\n",
        pick(rng, PRESENTING),
        pick(rng, OBSERVATIONS),
        pick(rng, PLANS)
    )
}

fn group_note<R: Rng>(rng: &mut R, n: usize) -> String {
    format!(
        "Topic\n{}\n\nGroup process\n{n} participants. {}\n\nPlan\n{}\n",
        pick(rng, GROUP_TOPICS),
        pick(rng, OBSERVATIONS),
        pick(rng, PLANS)
    )
}

/// Add counselling sessions to the demo office, written (sealed and
/// signed) as the demo's psychologist. Does nothing without one.
pub fn generate<R: Rng>(conn: &Connection, rng: &mut R, ctx: &DemoContext) -> Result<()> {
    let Some(keys) = &ctx.note_keys else {
        return Ok(());
    };
    let psychologist = ctx.psychologist_id;
    let add = |new: &NewSession, note: &str| -> Result<()> {
        counselling::add_session(conn, new, keys, note, psychologist).map(|_| ())
    };
    let mut clients: Vec<(i64, NaiveDate)> = Vec::new();
    for &(id, _, registered_on) in &ctx.persons {
        if !rng.gen_bool(SHARE) {
            continue;
        }
        clients.push((id, registered_on));
        let mut on = registered_on + Duration::days(rng.gen_range(0..=10));
        if on > ctx.today {
            continue;
        }
        let note = assessment_note(rng);
        add(
            &NewSession {
                person_id: id,
                kind: CounsellingKind::Assessment,
                on_date: on,
                minutes: *[45, 60, 90].choose(rng).unwrap_or(&60),
                participants: vec![],
            },
            &note,
        )?;
        for _ in 0..rng.gen_range(0..=5) {
            on += Duration::days(rng.gen_range(5..=14));
            if on > ctx.today {
                break;
            }
            let note = individual_note(rng);
            add(
                &NewSession {
                    person_id: id,
                    kind: CounsellingKind::Individual,
                    on_date: on,
                    minutes: *[30, 40, 45, 60].choose(rng).unwrap_or(&45),
                    participants: vec![],
                },
                &note,
            )?;
        }
    }
    // One group session for every dozen clients, with clients already
    // registered on the day.
    for _ in 0..clients.len() / 12 {
        let Some(&(lead, from)) = clients.choose(rng) else {
            break;
        };
        let span = (ctx.today - from).num_days().max(0);
        let on = from + Duration::days(rng.gen_range(0..=span));
        let mut others: Vec<i64> = clients
            .iter()
            .filter(|(id, reg)| *id != lead && *reg <= on)
            .map(|(id, _)| *id)
            .collect();
        others.shuffle(rng);
        others.truncate(rng.gen_range(3..=7));
        if others.is_empty() {
            continue;
        }
        let note = group_note(rng, others.len() + 1);
        add(
            &NewSession {
                person_id: lead,
                kind: CounsellingKind::Group,
                on_date: on,
                minutes: *[60, 90].choose(rng).unwrap_or(&60),
                participants: others,
            },
            &note,
        )?;
    }
    Ok(())
}
