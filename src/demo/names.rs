//! Name and place lists for the demo office, embedded from `assets/demo/`.

use std::sync::OnceLock;

pub struct Names {
    pub boys: Vec<&'static str>,
    pub girls: Vec<&'static str>,
    pub fathers: Vec<&'static str>,
    /// (name, father's name) in Urdu script.
    pub urdu: Vec<(&'static str, &'static str)>,
    pub areas: Vec<&'static str>,
    pub spots: Vec<&'static str>,
    /// (who referred, referral source code)
    pub referrers: Vec<(&'static str, &'static str)>,
}

fn lines(text: &'static str) -> Vec<&'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

fn pairs(text: &'static str) -> Vec<(&'static str, &'static str)> {
    lines(text)
        .into_iter()
        .filter_map(|l| l.split_once('|'))
        .collect()
}

impl Names {
    pub fn get() -> &'static Names {
        static NAMES: OnceLock<Names> = OnceLock::new();
        NAMES.get_or_init(|| Names {
            boys: lines(include_str!("../../assets/demo/boys.txt")),
            girls: lines(include_str!("../../assets/demo/girls.txt")),
            fathers: lines(include_str!("../../assets/demo/fathers.txt")),
            urdu: pairs(include_str!("../../assets/demo/urdu.txt")),
            areas: lines(include_str!("../../assets/demo/areas.txt")),
            spots: lines(include_str!("../../assets/demo/spots.txt")),
            referrers: pairs(include_str!("../../assets/demo/referrers.txt")),
        })
    }
}

/// Every personal name the demo can produce, for tests that search raw
/// file bytes for plaintext.
pub fn all_personal_names() -> Vec<&'static str> {
    let n = Names::get();
    let mut v: Vec<&str> = n
        .boys
        .iter()
        .chain(&n.girls)
        .chain(&n.fathers)
        .copied()
        .collect();
    for (a, b) in &n.urdu {
        v.push(a);
        v.push(b);
    }
    v
}
