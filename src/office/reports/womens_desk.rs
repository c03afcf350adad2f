//! The "Women's desk cases by category" section.

use std::collections::HashMap;

use super::builder::{Builder, people};
use crate::domain::Concern;
use crate::domain::reports::Section;

/// The desk's own case categories (the VAW centre's: domestic violence,
/// family, harassment, criminal, and women in custody).
const DESK_CATEGORIES: [Concern; 5] = [
    Concern::DomesticViolence,
    Concern::FamilyCase,
    Concern::Harassment,
    Concern::CriminalOffence,
    Concern::InCustody,
];

pub(super) fn section(b: &Builder, desk: &[(i64, Concern)]) -> Section {
    // Each women's desk person's categories, once: (person, None) for
    // the desk, (person, Some(category)) for each category they have.
    let mut by: HashMap<i64, Vec<Concern>> = HashMap::new();
    for (p, c) in desk {
        by.entry(*p).or_default().push(*c);
    }
    let cases = b.grouped(|r| {
        let mut out = Vec::new();
        for p in &r.open {
            if let Some(cs) = by.get(p) {
                out.push((None, *p));
                for c in cs.iter().filter(|c| DESK_CATEGORIES.contains(c)) {
                    out.push((Some(*c), *p));
                }
            }
        }
        out
    });
    let mut v = vec![
        people(
            "womens_desk",
            "Women's desk cases open",
            b.group(&cases, &None, false),
        )
        .say(
            "the women's desk handled {n} case",
            "the women's desk handled {n} cases",
        ),
    ];
    for c in DESK_CATEGORIES {
        v.push(
            people(
                format!("womens_desk.{}", c.code()),
                format!("Women's desk cases by category: {}", c.label()),
                b.group(&cases, &Some(c), false),
            )
            .breakdown(),
        );
    }
    Section {
        key: "womens_desk",
        title: "Women's desk cases by category",
        indicators: v,
    }
}
