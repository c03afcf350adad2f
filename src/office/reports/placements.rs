//! The "Jobs and small businesses" section: placements and their
//! follow-up visits, by the placements area's own rules.

use super::builder::{Builder, people};
use crate::domain::reports::Section;
use crate::store::reports::PlacementRow;

pub(super) fn section(b: &Builder) -> Section {
    let placed = |f: fn(&PlacementRow) -> bool| {
        b.people(
            move |r| {
                r.placements
                    .iter()
                    .filter(|p| f(p))
                    .map(|p| p.person_id)
                    .collect()
            },
            true,
        )
    };
    let v = vec![
        people("placements.job", "Placed in a job", placed(|p| p.job))
            .events("placements")
            .say(
                "{n} person was placed in a job",
                "{n} people were placed in jobs",
            ),
        people(
            "placements.business",
            "Started an own small business",
            placed(|p| !p.job),
        )
        .events("placements")
        .say(
            "{n} person started their own small business",
            "{n} people started their own small business",
        ),
        people(
            "placements.after_skill",
            "Placed after a skill course",
            placed(|p| p.after_skill_course),
        )
        .events("placements")
        .say(
            "{n} person was placed after a skill course",
            "{n} people were placed after a skill course",
        ),
        people(
            "placements.working_3m",
            "Still working at 3 months",
            placed(|p| p.working_at_3_months),
        )
        .events("placements")
        .say(
            "{n} person was still working at 3 months",
            "{n} people were still working at 3 months",
        ),
        people(
            "placements.working_6m",
            "Still working at 6 months",
            placed(|p| p.working_at_6_months),
        )
        .events("placements")
        .say(
            "{n} person was still working at 6 months",
            "{n} people were still working at 6 months",
        ),
        people(
            "placements.visits",
            "Placement follow-up visits",
            b.people(|r| r.visits.clone(), true),
        )
        .events("visits")
        .say(
            "{e} placement follow-up visit was made to {n} people",
            "{e} placement follow-up visits were made to {n} people",
        ),
    ];
    Section {
        key: "placements",
        title: "Jobs and small businesses",
        indicators: v,
    }
}
