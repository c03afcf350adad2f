//! The "Services" section: people served (by service) and the
//! psychologist's counselling sessions (counted from session rows only).

use std::collections::BTreeSet;

use super::builder::{Builder, people};
use super::rows::Raw;
use crate::domain::reports::Section;
use crate::domain::{CounsellingKind, ServiceKind};

pub(super) fn section(b: &Builder) -> Section {
    let mut v = vec![
        people(
            "services.any",
            "People who received services",
            b.people(
                |r| {
                    r.services
                        .iter()
                        .map(|s| s.0)
                        .chain(r.counselling.iter().map(|c| c.3))
                        .collect()
                },
                false,
            ),
        )
        .say(
            "{n} person was provided with services",
            "{n} people were provided with services",
        ),
    ];
    let kinds = b.grouped(|r| r.services.iter().map(|s| (s.1, s.0)).collect());
    for k in ServiceKind::ALL {
        v.push(
            people(
                format!("services.{}", k.code()),
                format!("People served, by service: {}", k.label()),
                b.group(&kinds, k, true),
            )
            .events("services")
            .breakdown(),
        );
    }
    let sessions = |r: &Raw, kind: Option<CounsellingKind>| -> i64 {
        r.counselling
            .iter()
            .filter(|c| kind.is_none_or(|k| c.1 == k))
            .map(|c| c.0)
            .collect::<BTreeSet<_>>()
            .len() as i64
    };
    v.push(
        people(
            "counselling",
            "Psychosocial counselling (psychologist)",
            b.both(|r, d| {
                d.people(r.counselling.iter().map(|c| c.3), r.period.to)
                    .with_events(sessions(r, None))
            }),
        )
        .events("sessions")
        .say(
            "{n} person was provided with psychosocial counselling in {e} sessions",
            "{n} people were provided with psychosocial counselling in {e} sessions",
        ),
    );
    for k in CounsellingKind::ALL {
        v.push(
            people(
                format!("counselling.{}", k.code()),
                format!("Counselling by kind of session: {}", k.label()),
                b.both(|r, d| {
                    d.people(
                        r.counselling.iter().filter(|c| c.1 == *k).map(|c| c.3),
                        r.period.to,
                    )
                    .with_events(sessions(r, Some(*k)))
                }),
            )
            .events("sessions")
            // Each session has one kind; a person may have several.
            .part_of("counselling", "kind", false, true),
        );
    }
    Section {
        key: "services",
        title: "Services",
        indicators: v,
    }
}
