//! The "New cases and caseload" section: new cases (by programme, concern
//! and referral source), open cases, cases closed (by reason), case
//! follow-ups.

use super::builder::{Builder, people};
use crate::domain::reports::Section;
use crate::domain::{ClosureReason, Concern, Programme, ReferralSource};

pub(super) fn section(b: &Builder) -> Section {
    let mut v = vec![
        people(
            "new_cases",
            "New cases registered",
            b.people(|r| r.new_cases.iter().map(|c| c.person_id).collect(), false),
        )
        .say(
            "{n} new case was registered",
            "{n} new cases were registered",
        ),
    ];
    let programmes = b.grouped(|r| {
        r.new_cases
            .iter()
            .map(|c| (c.programme, c.person_id))
            .collect()
    });
    for p in Programme::ALL {
        v.push(
            people(
                format!("new_cases.programme.{}", p.code()),
                format!("New cases by programme: {}", p.label()),
                b.group(&programmes, p, false),
            )
            .part_of("new_cases", "programme", true, false),
        );
    }
    let concerns = b.grouped(|r| r.concerns.iter().map(|x| (x.1, x.0)).collect());
    for c in Concern::ALL {
        v.push(
            people(
                format!("new_cases.concern.{}", c.code()),
                format!("New cases by concern: {}", c.label()),
                b.group(&concerns, c, false),
            )
            .breakdown(),
        );
    }
    let sources = b.grouped(|r| {
        r.new_cases
            .iter()
            .map(|c| (c.referral, c.person_id))
            .collect()
    });
    for s in ReferralSource::ALL {
        v.push(
            people(
                format!("new_cases.referral.{}", s.code()),
                format!("New cases by referral source: {}", s.label()),
                b.group(&sources, s, false),
            )
            .part_of("new_cases", "referral", true, false),
        );
    }
    v.push(
        people(
            "active",
            "People with an open case",
            b.people(|r| r.open.clone(), false),
        )
        .say("{n} person had an open case", "{n} people had an open case"),
    );
    v.push(
        people(
            "closed",
            "Cases closed",
            b.people(|r| r.closed.iter().map(|c| c.0).collect(), false),
        )
        .say("{n} case was closed", "{n} cases were closed"),
    );
    let reasons = b.grouped(|r| r.closed.iter().map(|c| (c.1, c.0)).collect());
    for reason in ClosureReason::ALL {
        v.push(
            people(
                format!("closed.reason.{}", reason.code()),
                format!("Cases closed by reason: {}", reason.label()),
                b.group(&reasons, reason, false),
            )
            .part_of("closed", "reason", true, false),
        );
    }
    v.push(
        people(
            "follow_ups.case",
            "Case follow-ups done",
            b.people(|r| r.follow_ups.clone(), true),
        )
        .events("follow-ups")
        .say(
            "{e} follow-up visit was made to {n} people",
            "{e} follow-up visits were made to {n} people",
        ),
    );
    Section {
        key: "cases",
        title: "New cases and caseload",
        indicators: v,
    }
}
