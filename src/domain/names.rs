//! Name keys for the duplicate warning at intake.
//!
//! A name key is a name reduced to the form two spellings of the same name
//! share: lower case, punctuation gone, Urdu-script names mapped to Latin
//! through a small table (`assets/names/urdu.txt`), and spelling variants
//! (Muhammad / Mohammad / Mohd, Ahmed / Ahmad, …) mapped to one spelling
//! through another (`assets/names/variants.txt`). Keys are stored in the
//! `persons` table and indexed, so likely duplicates are found without a
//! scan; similarity between candidates is measured with `strsim`.

use std::collections::HashMap;
use std::sync::OnceLock;

struct Tables {
    /// spelling → the key spelling
    variants: HashMap<String, String>,
    /// Urdu-script name (folded, possibly two words) → Latin key words
    urdu: HashMap<String, String>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut variants = HashMap::new();
        for line in data_lines(include_str!("../../assets/names/variants.txt")) {
            let mut words = line.split_whitespace();
            if let Some(key) = words.next() {
                let key = key.to_lowercase();
                for w in words {
                    variants.insert(w.to_lowercase(), key.clone());
                }
            }
        }
        let mut urdu = HashMap::new();
        for line in data_lines(include_str!("../../assets/names/urdu.txt")) {
            if let Some((u, latin)) = line.split_once('|') {
                let u: String = fold_script(u)
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ");
                urdu.insert(u, latin.trim().to_lowercase());
            }
        }
        Tables { variants, urdu }
    })
}

fn data_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Fold the letter forms that differ between Arabic and Urdu keyboards and
/// drop vowel marks and invisible joiners/direction marks, so the same
/// written name gives the same text however it was typed.
fn fold_script(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            // vowel marks, superscript alef, tatweel
            '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{0640}' => None,
            // zero-width joiners and direction marks
            '\u{200B}'..='\u{200F}' | '\u{061C}' | '\u{FEFF}' => None,
            '\u{064A}' | '\u{0649}' => Some('\u{06CC}'), // ي ى → ی
            '\u{0643}' => Some('\u{06A9}'),              // ك → ک
            '\u{0647}' | '\u{0629}' | '\u{06D5}' | '\u{06C3}' => Some('\u{06C1}'), // ه ة ە ۃ → ہ
            '\u{0622}' | '\u{0623}' | '\u{0625}' => Some('\u{0627}'), // آ أ إ → ا
            '\u{06D3}' => Some('\u{06D2}'),              // ۓ → ے
            _ => Some(c),
        })
        .collect()
}

/// The key a name is compared and indexed by. Empty for an empty name.
pub fn name_key(name: &str) -> String {
    let t = tables();
    let folded = fold_script(name).to_lowercase();
    let cleaned: String = folded
        .chars()
        .filter(|c| !matches!(c, '\'' | '\u{2019}' | '`'))
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let raw: Vec<&str> = cleaned.split_whitespace().collect();

    // Urdu-script words (one or two at a time) to Latin words.
    let mut words: Vec<String> = Vec::with_capacity(raw.len() + 1);
    let mut i = 0;
    while i < raw.len() {
        if i + 1 < raw.len() {
            let two = format!("{} {}", raw[i], raw[i + 1]);
            let joined = format!("{}{}", raw[i], raw[i + 1]);
            if let Some(latin) = t.urdu.get(&two).or_else(|| t.urdu.get(&joined)) {
                words.extend(latin.split_whitespace().map(str::to_string));
                i += 2;
                continue;
            }
        }
        match t.urdu.get(raw[i]) {
            Some(latin) => words.extend(latin.split_whitespace().map(str::to_string)),
            None => words.push(raw[i].to_string()),
        }
        i += 1;
    }

    // "Abdulghafoor" is "Abdul Ghafoor"; "Habib Ullah" is "Habibullah".
    let mut out: Vec<String> = Vec::with_capacity(words.len() + 1);
    for w in words {
        let w = canonical(t, &w);
        if let Some(rest) = w.strip_prefix("abdul").filter(|r| r.chars().count() >= 3) {
            out.push("abdul".into());
            out.push(canonical(t, rest));
        } else if matches!(w.as_str(), "ullah" | "ulla" | "ullha") && !out.is_empty() {
            let last = out.pop().unwrap_or_default();
            out.push(canonical(t, &format!("{last}ullah")));
        } else {
            out.push(w);
        }
    }
    out.join(" ")
}

fn canonical(t: &Tables, word: &str) -> String {
    t.variants
        .get(word)
        .cloned()
        .unwrap_or_else(|| word.to_string())
}

/// How alike two name keys are, from 0 (nothing alike) to 1 (the same).
/// Word order is ignored ("Ali Muhammad" is "Muhammad Ali").
pub fn similarity(a: &str, b: &str) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let direct = strsim::jaro_winkler(a, b);
    let sorted = |s: &str| {
        let mut w: Vec<&str> = s.split_whitespace().collect();
        w.sort_unstable();
        w.join(" ")
    };
    direct.max(strsim::jaro_winkler(&sorted(a), &sorted(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spelling_variants_share_a_key() {
        for n in [
            "Muhammad Ali",
            "Mohammad Ali",
            "MUHAMMED ALY",
            "Mohd. Ali",
            "muhammad  ali",
        ] {
            assert_eq!(name_key(n), "muhammad ali", "{n}");
        }
        assert_eq!(name_key("Ahmad"), name_key("Ahmed"));
        assert_eq!(name_key("Abdulghafoor"), "abdul ghafoor");
        assert_eq!(name_key("Habib Ullah"), name_key("Habibullah"));
    }

    #[test]
    fn urdu_script_maps_to_latin() {
        assert_eq!(name_key("محمد علی"), "muhammad ali");
        assert_eq!(name_key("عبدالغفور"), "abdul ghafoor");
        // Arabic-keyboard letter forms fold to the Urdu ones.
        assert_eq!(name_key("محمد علي"), "muhammad ali");
        assert_eq!(name_key("زینب بی بی"), name_key("Zainab Bibi"));
        // Unknown words stay in their script.
        assert_eq!(name_key("ژالہ"), "ژالہ");
    }

    #[test]
    fn similarity_ignores_order() {
        assert!(similarity("muhammad ali", "ali muhammad") > 0.99);
        assert!(similarity("bilal", "bilaal") > 0.9);
        assert!(similarity("bilal", "zainab") < 0.7);
        assert_eq!(similarity("", "x"), 0.0);
    }
}
