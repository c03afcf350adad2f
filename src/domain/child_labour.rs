//! What the law says about children's work, for placements: no child under
//! 14 may be employed (the Employment of Children Act 1991, and the
//! Balochistan Employment of Children (Prohibition and Regulation) Act
//! 2021, which applies in Quetta), and no one under 18 in hazardous work.
//!
//! A placement that breaks either rule is refused unless the person at the
//! keyboard confirms it with a reason (an office may place a 13-year-old
//! in its own supervised apprenticeship, say); the reason is audited.
//! Which work counts as hazardous is judged here from the words of the
//! trade, the employer and the business: [`HAZARDOUS`] lists them.

/// No child younger than this may be employed.
pub const MIN_WORK_AGE: u32 = 14;

/// No one younger than this in hazardous work.
pub const MIN_HAZARDOUS_AGE: u32 = 18;

/// Words that make work hazardous, each matched at the start of a word of
/// the trade, employer or business (so "brick" finds "brick kiln" and
/// "bricks"). From the occupations and processes in the Schedule of the
/// 1991 Act and the hazardous work the provincial laws add.
pub const HAZARDOUS: &[&str] = &[
    "mine",
    "mining",
    "coal",
    "quarry",
    "stone crush",
    "brick",
    "kiln",
    "tanner",
    "tanning",
    "carpet",
    "firework",
    "explosive",
    "match factory",
    "chemical",
    "pesticide",
    "slaughter",
    "butcher",
    "welding",
    "glass",
    "bangle",
    "sewer",
    "sewage",
    "scaveng",
    "rag pick",
    "construction",
    "demolition",
    "surgical instrument",
    "railway",
    "cinder",
    "fishing",
];

/// Why a placement needs a confirmed reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Underage {
    /// Younger than [`MIN_WORK_AGE`] at the start.
    Child { age: u32 },
    /// Younger than [`MIN_HAZARDOUS_AGE`], in work that reads as hazardous.
    Hazardous { age: u32, word: &'static str },
}

impl Underage {
    /// The rule's short name, for the audit entry (no age, no name).
    pub fn code(self) -> &'static str {
        match self {
            Underage::Child { .. } => "under 14",
            Underage::Hazardous { .. } => "hazardous work under 18",
        }
    }

    /// In words for the person at the keyboard (no name, no age).
    pub fn message(self) -> String {
        match self {
            Underage::Child { .. } => format!(
                "this child is under {MIN_WORK_AGE} when the placement starts, and no child under {MIN_WORK_AGE} may be employed (Employment of Children Act 1991; Balochistan Act 2021)"
            ),
            Underage::Hazardous { word, .. } => format!(
                "this young person is under {MIN_HAZARDOUS_AGE} when the placement starts, and \"{word}…\" is hazardous work, which no one under {MIN_HAZARDOUS_AGE} may do (Employment of Children Act 1991; Balochistan Act 2021)"
            ),
        }
    }
}

/// The rule a placement starting at `age` in work described by `words`
/// would break, if any (the younger rule first).
pub fn check(age: u32, words: &[&str]) -> Option<Underage> {
    if age < MIN_WORK_AGE {
        return Some(Underage::Child { age });
    }
    if age >= MIN_HAZARDOUS_AGE {
        return None;
    }
    let text = format!(" {} ", words.join(" ").to_lowercase());
    let text: String = text
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    HAZARDOUS
        .iter()
        .find(|w| text.contains(&format!(" {w}")))
        .map(|word| Underage::Hazardous { age, word })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_14_in_any_work_and_under_18_in_hazardous_work() {
        assert_eq!(check(8, &["hotel work"]), Some(Underage::Child { age: 8 }));
        assert_eq!(check(13, &["tailoring"]), Some(Underage::Child { age: 13 }));
        assert_eq!(check(14, &["tailoring", "Jinnah Road tailors"]), None);
        assert_eq!(
            check(16, &["labour", "Sariab Brick-Kiln"]),
            Some(Underage::Hazardous {
                age: 16,
                word: "brick"
            })
        );
        assert_eq!(check(18, &["coal mining"]), None);
        // A word inside another word is not a match.
        assert_eq!(check(15, &["tailoring", "Domine shop"]), None);
    }
}
