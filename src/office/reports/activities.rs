//! The "Outreach and community activities" section: each kind of
//! activity with its head counts, new children identified at spots, and
//! the registered people met.
//!
//! Head counts are added up over activities, so the same child met at
//! two spot visits counts twice: the sentences say "contacts" and
//! "attendances", never a number of children, which would read as
//! distinct people (those are "registered people met", counted once).

use std::collections::HashMap;

use super::builder::{Builder, capital, people};
use super::rows::Raw;
use crate::domain::activities::ActivityKind;
use crate::domain::reports::{Figures, Indicator, Measure, Record, RecordKind, Section};

fn activity_sentence(k: ActivityKind) -> (&'static str, &'static str) {
    use ActivityKind::*;
    match k {
        SpotVisit => (
            "{e} visit to a spot was made, with {n} contacts with children",
            "{e} visits to spots were made, with {n} contacts with children",
        ),
        FollowUpVisit => (
            "{e} follow-up visit was made in the community, with {n} contacts with people",
            "{e} follow-up visits were made in the community, with {n} contacts with people",
        ),
        ParentsMeeting => (
            "{e} meeting was organised with parents, with {n} parents' attendances",
            "{e} meetings were organised with parents, with {n} parents' attendances",
        ),
        ChildGroupMeeting => (
            "{e} meeting was organised for children's groups, with {n} attendances of children and youth",
            "{e} meetings were organised for children's groups, with {n} attendances of children and youth",
        ),
        PoliceStationVisit => (
            "{e} visit of a police station was made",
            "{e} visits of police stations were made",
        ),
        MluVisit => (
            "{e} visit was made to a medico-legal unit",
            "{e} visits were made to medico-legal units",
        ),
        CustodyVisit => (
            "{e} visit was made to a jail or custody, with {n} contacts with people",
            "{e} visits were made to jails and custody, with {n} contacts with people",
        ),
        StaffTraining => (
            "{e} training of staff was held, with {n} participants",
            "{e} trainings of staff were held, with {n} participants",
        ),
        PoliceTraining => (
            "{e} training of police was held, with {n} participants",
            "{e} trainings of police were held, with {n} participants",
        ),
        VolunteerTraining => (
            "{e} training of volunteers was held, with {n} participants",
            "{e} trainings of volunteers were held, with {n} participants",
        ),
        AwarenessSession => (
            "{e} awareness session was held, with {n} participants",
            "{e} awareness sessions were held, with {n} participants",
        ),
        SportsEvent => (
            "{e} sports or recreational event was held, with {n} participants",
            "{e} sports or recreational events were held, with {n} participants",
        ),
    }
}

/// Each kind's figures for one period, from one pass over its
/// activities and head counts (both in activity id order).
fn by_kind(r: &Raw) -> HashMap<ActivityKind, Figures> {
    let mut out: HashMap<ActivityKind, Figures> = ActivityKind::ALL
        .iter()
        .map(|k| (*k, Figures::default().with_events(0)))
        .collect();
    let acts = &r.activities.activities;
    for (id, kind, _) in acts {
        if let Some(f) = out.get_mut(kind) {
            f.events = f.events.map(|e| e + 1);
            f.records.push(Record {
                id: *id,
                cell: None,
            });
        }
    }
    let mut at = 0;
    for (id, sex, band, n) in &r.activities.counts {
        while at < acts.len() && acts[at].0 < *id {
            at += 1;
        }
        if let Some(f) = acts
            .get(at)
            .filter(|a| a.0 == *id)
            .and_then(|a| out.get_mut(&a.1))
        {
            f.cells.add(*sex, *band, *n);
        }
    }
    out
}

pub(super) fn section(b: &Builder) -> Section {
    let (mut cur, mut prev) = (by_kind(&b.cur), by_kind(&b.prev));
    let mut v = Vec::new();
    for k in ActivityKind::ALL {
        let (one, many) = activity_sentence(*k);
        v.push(
            people(
                format!("activities.{}", k.code()),
                capital(k.label()),
                (
                    cur.remove(k).unwrap_or_default(),
                    prev.remove(k).unwrap_or_default(),
                ),
            )
            .measure(Measure::Participants)
            .events("activities")
            .records(RecordKind::Activity)
            .say(one, many),
        );
    }
    v.push(
        Indicator::people(
            "activities.new_identified",
            "New children identified at spots",
        )
        .measure(Measure::Count)
        .records(RecordKind::Activity)
        .figures(new_identified(&b.cur), new_identified(&b.prev))
        .say(
            "{n} new child was identified at the spots",
            "{n} new children were identified at the spots",
        ),
    );
    v.push(
        people(
            "activities.people",
            "Registered people met at activities",
            b.people(
                |r| r.activities.persons.iter().map(|l| l.1).collect(),
                false,
            ),
        )
        .say(
            "{n} registered person was met at activities",
            "{n} registered people were met at activities",
        ),
    );
    Section {
        key: "activities",
        title: "Outreach and community activities",
        indicators: v,
    }
}

fn new_identified(r: &Raw) -> Figures {
    let spots: Vec<&(i64, ActivityKind, i64)> = r
        .activities
        .activities
        .iter()
        .filter(|a| a.1 == ActivityKind::SpotVisit && a.2 > 0)
        .collect();
    let mut f = Figures::default().with_events(spots.iter().map(|a| a.2).sum());
    f.records = spots
        .iter()
        .map(|a| Record {
            id: a.0,
            cell: None,
        })
        .collect();
    f
}
