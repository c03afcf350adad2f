//! A report as text: Markdown that reads like the office's own reports
//! (a sentence per headline with its number, ready to paste into a donor
//! report, then the tables) and CSV with one row per indicator × cell.
//! Both go through [`View`], so a de-identified report shows exactly what
//! `suppress` allows, in the sentences as in the tables.

use std::fmt::Write as _;

use super::suppress::{Shown, Slot, View, Which};
use super::{Indicator, Measure, Report, cells, percent, sex_letter};

/// The CSV header.
pub const CSV_HEADER: [&str; 8] = [
    "section",
    "indicator",
    "label",
    "measure",
    "sex",
    "age_band",
    "value",
    "previous",
];

/// `1,495`: numbers in sentences are read by people.
fn grouped(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

/// A number in a list ("self 12", "rape withheld").
fn words(s: Shown) -> String {
    match s {
        Shown::Value(n) => grouped(n),
        Shown::Withheld => "withheld".into(),
    }
}

/// A number before a noun in a sentence ("a withheld number of new cases
/// were registered").
fn counted(s: Shown) -> String {
    match s {
        Shown::Withheld => "a withheld number of".into(),
        other => words(other),
    }
}

/// "1 visit", "2 visits": the unit agrees with a shown 1.
fn unit(s: Shown, many: &str) -> String {
    let one = match many {
        "people" => "person".to_string(),
        w if w.ends_with("ies") => format!("{}y", &w[..w.len() - 3]),
        w => w.strip_suffix('s').unwrap_or(w).to_string(),
    };
    format!(
        "{} {}",
        counted(s),
        if s == Shown::Value(1) { &one } else { many }
    )
}

/// The numbers of one indicator as the view shows them.
struct Shows<'a> {
    view: &'a View,
    index: usize,
    ind: &'a Indicator,
}

impl Shows<'_> {
    fn figures(&self, which: Which) -> &super::Figures {
        match which {
            Which::Current => &self.ind.current,
            Which::Previous => &self.ind.previous,
        }
    }

    fn slot(&self, which: Which, slot: Slot) -> Shown {
        let f = self.figures(which);
        let raw = match slot {
            Slot::Cell(s, b) => f.cells.get(s, b),
            Slot::Total => f.cells.total(),
            Slot::Events => f.events.unwrap_or(0),
        };
        self.view.get(which, self.index, slot, raw)
    }

    /// A rate where the people behind it may be shown; `None` when no
    /// marks were counted.
    fn rate(&self, which: Which, slot: Slot) -> Option<String> {
        let r = self.figures(which).rate?;
        let (a, c) = match slot {
            Slot::Cell(s, b) => (r.attended.get(s, b), r.counted.get(s, b)),
            _ => (r.attended.total(), r.counted.total()),
        };
        let p = percent(a, c)?;
        let people = self.slot(
            which,
            if slot == Slot::Events {
                Slot::Total
            } else {
                slot
            },
        );
        Some(match people {
            Shown::Value(n) if !self.view.suppressed() || n >= 5 => format!("{p}%"),
            _ => "x".into(),
        })
    }

    /// The headline number as text (a cell's or the total's).
    fn text(&self, which: Which, slot: Slot) -> String {
        match self.ind.measure {
            Measure::Rate => self.rate(which, slot).unwrap_or_else(|| "–".into()),
            Measure::Count => self.slot(which, Slot::Events).to_string(),
            _ => self.slot(which, slot).to_string(),
        }
    }

    /// The headline number as shown: events for a count, else the total.
    fn main(&self, which: Which) -> Shown {
        match self.ind.measure {
            Measure::Count => self.slot(which, Slot::Events),
            _ => self.slot(which, Slot::Total),
        }
    }

    /// The headline number in a list, or in a sentence before its noun.
    fn main_words(&self, which: Which, in_sentence: bool) -> String {
        match self.ind.measure {
            Measure::Rate => self.rate(which, Slot::Total).unwrap_or_else(|| "–".into()),
            _ if in_sentence => counted(self.main(which)),
            _ => words(self.main(which)),
        }
    }

    /// The number a sentence agrees with: the events when it leads with
    /// them ("{e} visits were made to {n} people"), else the headline.
    fn subject(&self, which: Which) -> Shown {
        let Some(s) = self.ind.sentence else {
            return self.main(which);
        };
        let e = s.many.find("{e}");
        if e.is_some_and(|e| s.many.find("{n}").is_none_or(|n| e < n)) {
            self.slot(which, Slot::Events)
        } else {
            self.main(which)
        }
    }

    /// Nothing to say: zero (or no marks) in both periods.
    fn quiet(&self) -> bool {
        match self.ind.measure {
            Measure::Rate => {
                self.rate(Which::Current, Slot::Total).is_none()
                    && self.rate(Which::Previous, Slot::Total).is_none()
            }
            _ => [Which::Current, Which::Previous]
                .iter()
                .all(|w| self.subject(*w) == Shown::Value(0) && self.main(*w) == Shown::Value(0)),
        }
    }

    /// The indicator's sentence, without the full stop; none for a
    /// breakdown, or when there is nothing to say.
    fn sentence(&self) -> Option<String> {
        let s = self.ind.sentence?;
        if self.quiet() {
            return None;
        }
        let template = if self.subject(Which::Current) == Shown::Value(1) {
            s.one
        } else {
            s.many
        };
        Some(
            template
                .replace("{n}", &self.main_words(Which::Current, true))
                .replace("{e}", &counted(self.slot(Which::Current, Slot::Events))),
        )
    }

    /// "previous period: 15", or with the events a sentence names too
    /// ("previous period: 194 follow-ups, 167 people").
    fn previous_words(&self) -> String {
        let names_events = self
            .ind
            .sentence
            .is_some_and(|s| s.many.contains("{e}") && s.many.contains("{n}"));
        match (self.ind.events, names_events) {
            (Some(word), true) => format!(
                "previous period: {}, {}",
                unit(self.slot(Which::Previous, Slot::Events), word),
                unit(
                    self.main(Which::Previous),
                    if self.ind.measure == Measure::Participants {
                        "participants"
                    } else {
                        "people"
                    }
                )
            ),
            _ => format!(
                "previous period: {}",
                self.main_words(Which::Previous, false)
            ),
        }
    }
}

/// What a screen shows for one number of indicator `index` (in report
/// order) as `view` allows, the same as the text: the headline (`Total`:
/// the events of a count, the rate of a rate), a cell, or the events.
/// Empty for an index past the end.
pub fn figure(report: &Report, view: &View, index: usize, which: Which, slot: Slot) -> String {
    let Some(ind) = report.indicators().nth(index) else {
        return String::new();
    };
    let s = Shows { view, index, ind };
    match slot {
        Slot::Events => s.slot(which, Slot::Events).to_string(),
        _ => s.text(which, slot),
    }
}

fn shows<'a>(report: &'a Report, view: &'a View) -> Vec<Shows<'a>> {
    report
        .indicators()
        .enumerate()
        .map(|(index, ind)| Shows { view, index, ind })
        .collect()
}

/// Join sentences with commas and a final "and".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The headlines the opening sentence gathers, as the office's own
/// reports open ("143 follow up visits, 258 visits to spots were made
/// and 19 new cases were registered").
const SUMMARY: &[&str] = &[
    "new_cases",
    "active",
    "follow_ups.case",
    "activities.spot_visit",
    "counselling",
    "placements.job",
];

/// The report in Markdown.
pub fn markdown(report: &Report) -> String {
    let view = View::of(report);
    let all = shows(report, &view);
    let mut out = String::new();
    let p = report.period;
    let _ = writeln!(out, "# {}: report for {}\n", report.office, p.words());
    let _ = writeln!(
        out,
        "Period: {} to {} ({} days). Beside each number, the previous period of the same length: {} to {}.",
        p.from,
        p.to,
        p.days(),
        report.previous.from,
        report.previous.to
    );
    let _ = writeln!(
        out,
        "People are counted once per line however many services they had; ages are at the end of each period. Columns: F female, M male, O other; <12, 12–17, 18+ and ? (age unknown).\n"
    );
    if report.deidentified {
        let _ = writeln!(
            out,
            "De-identified: aggregates only. x marks a number withheld: a count from 1 to 4, or a number that, with the totals, the previous period or the other reports of the year, would let one be worked out (an x may be 0). Totals are shown wherever that is safe. No names, case numbers, dates of birth or places are included.\n"
        );
    }

    let opening: Vec<String> = SUMMARY
        .iter()
        .filter_map(|k| all.iter().find(|s| s.ind.key == *k))
        .filter_map(Shows::sentence)
        .collect();
    if !opening.is_empty() {
        let _ = writeln!(out, "## Summary\n");
        let _ = writeln!(out, "In {}, {}.\n", p.words(), and_list(&opening));
    }

    let mut at = 0;
    for section in &report.sections {
        let rows = &all[at..at + section.indicators.len()];
        at += section.indicators.len();
        let _ = writeln!(out, "## {}\n", section.title);
        let mut para = Vec::new();
        for (i, s) in rows.iter().enumerate() {
            let Some(sentence) = s.sentence() else {
                continue;
            };
            let mut line = format!("{} ({}).", capitalised(&sentence), s.previous_words());
            // The breakdowns under this headline, group by group, the
            // ones with something to say.
            let mut groups: Vec<(String, Vec<String>)> = Vec::new();
            for b in rows[i + 1..].iter().take_while(|b| b.ind.level == 1) {
                let shown = b.main(Which::Current);
                if shown == Shown::Value(0) {
                    continue;
                }
                let group = b.ind.label.split_once(": ").map_or("", |g| g.0).to_string();
                let name = b
                    .ind
                    .label
                    .split_once(": ")
                    .map_or(b.ind.label.as_str(), |g| g.1);
                let item = format!("{name} {}", b.main_words(Which::Current, false));
                match groups.last_mut() {
                    Some((g, items)) if *g == group => items.push(item),
                    _ => groups.push((group, vec![item])),
                }
            }
            for (group, items) in groups {
                let _ = write!(line, " {}: {}.", capitalised(&group), items.join(", "));
            }
            para.push(line);
        }
        if !para.is_empty() {
            let _ = writeln!(out, "{}\n", para.join(" "));
        }
        table(&mut out, rows);
        out.push('\n');
    }

    if !report.monthly.is_empty() {
        let _ = writeln!(out, "## Month by month\n");
        let _ = writeln!(
            out,
            "| Month | New cases | Services (incl. counselling sessions) |\n|---|---:|---:|"
        );
        for (i, m) in report.monthly.iter().enumerate() {
            let (n, s) = view.month(i, (m.new_cases, m.services));
            let label = if m.month == super::Period::month_of(m.month.from) {
                m.month.from.format("%B %Y").to_string()
            } else {
                format!("{} to {}", m.month.from, m.month.to)
            };
            let _ = writeln!(out, "| {label} | {n} | {s} |");
        }
    }
    out
}

fn table(out: &mut String, rows: &[Shows<'_>]) {
    let events = rows.iter().any(|r| r.ind.events.is_some());
    let mut head = String::from("| Indicator |");
    let mut rule = String::from("|---|");
    for (s, b) in cells() {
        let _ = write!(head, " {} {} |", sex_letter(s), b.short());
        rule.push_str("---:|");
    }
    head.push_str(" Total | Previous |");
    rule.push_str("---:|---:|");
    if events {
        head.push_str(" Count | Previous |");
        rule.push_str("---:|---:|");
    }
    let _ = writeln!(out, "{head}\n{rule}");
    for r in rows {
        let label = if r.ind.level == 1 {
            let name = r
                .ind
                .label
                .split_once(": ")
                .map_or(r.ind.label.as_str(), |g| g.1);
            format!("– {name}")
        } else {
            r.ind.label.clone()
        };
        let mut line = format!("| {} |", label.replace('|', "/"));
        for (s, b) in cells() {
            let cell = if r.ind.measure == Measure::Count {
                String::new()
            } else {
                r.text(Which::Current, Slot::Cell(s, b))
            };
            let _ = write!(line, " {cell} |");
        }
        let _ = write!(
            line,
            " {} | {} |",
            r.text(Which::Current, Slot::Total),
            r.text(Which::Previous, Slot::Total)
        );
        if events {
            match r.ind.events {
                Some(word) if r.ind.measure != Measure::Count => {
                    let _ = write!(
                        line,
                        " {} {word} | {} |",
                        r.slot(Which::Current, Slot::Events),
                        r.slot(Which::Previous, Slot::Events)
                    );
                }
                _ => line.push_str("  |  |"),
            }
        }
        let _ = writeln!(out, "{line}");
    }
}

/// The report as CSV rows under [`CSV_HEADER`]: for every indicator one
/// row per cell (sex × age band), one for the total (`all`, `all`) and
/// one for its events (measure: what they count); then the months.
pub fn csv_rows(report: &Report) -> Vec<Vec<String>> {
    let view = View::of(report);
    let all = shows(report, &view);
    let mut rows = Vec::new();
    let mut at = 0;
    for section in &report.sections {
        for r in &all[at..at + section.indicators.len()] {
            let row = |measure: &str, sex: &str, band: &str, value: String, previous: String| {
                vec![
                    section.key.to_string(),
                    r.ind.key.clone(),
                    r.ind.label.clone(),
                    measure.to_string(),
                    sex.to_string(),
                    band.to_string(),
                    value,
                    previous,
                ]
            };
            let number = |which: Which, slot: Slot| -> String {
                match r.ind.measure {
                    // Percent without the sign; empty when nothing counted.
                    Measure::Rate => r
                        .rate(which, slot)
                        .map(|t| t.trim_end_matches('%').to_string())
                        .unwrap_or_default(),
                    _ => r.slot(which, slot).to_string(),
                }
            };
            if r.ind.measure == Measure::Count {
                rows.push(row(
                    "count",
                    "all",
                    "all",
                    number(Which::Current, Slot::Events),
                    number(Which::Previous, Slot::Events),
                ));
            } else {
                for (s, b) in cells() {
                    let slot = Slot::Cell(s, b);
                    rows.push(row(
                        r.ind.measure.code(),
                        s.code(),
                        b.code(),
                        number(Which::Current, slot),
                        number(Which::Previous, slot),
                    ));
                }
                rows.push(row(
                    r.ind.measure.code(),
                    "all",
                    "all",
                    number(Which::Current, Slot::Total),
                    number(Which::Previous, Slot::Total),
                ));
                if let Some(word) = r.ind.events {
                    rows.push(row(
                        word,
                        "all",
                        "all",
                        r.slot(Which::Current, Slot::Events).to_string(),
                        r.slot(Which::Previous, Slot::Events).to_string(),
                    ));
                }
            }
        }
        at += section.indicators.len();
    }
    for (i, m) in report.monthly.iter().enumerate() {
        let (n, s) = view.month(i, (m.new_cases, m.services));
        let month = format!("{} to {}", m.month.from, m.month.to);
        for (key, label, measure, v) in [
            ("monthly.new_cases", "New cases", "people", n),
            ("monthly.services", "Services", "services", s),
        ] {
            rows.push(vec![
                "monthly".into(),
                key.into(),
                format!("{label}, {month}"),
                measure.into(),
                "all".into(),
                "all".into(),
                v.to_string(),
                String::new(),
            ]);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_sentences_are_grouped() {
        assert_eq!(grouped(1495), "1,495");
        assert_eq!(grouped(19), "19");
        assert_eq!(grouped(1_000_000), "1,000,000");
        assert_eq!(words(Shown::Withheld), "withheld");
        assert_eq!(counted(Shown::Withheld), "a withheld number of");
        assert_eq!(unit(Shown::Value(1), "activities"), "1 activity");
        assert_eq!(unit(Shown::Value(1), "people"), "1 person");
        assert_eq!(unit(Shown::Value(3), "follow-ups"), "3 follow-ups");
        assert_eq!(
            unit(Shown::Withheld, "visits"),
            "a withheld number of visits"
        );
        assert_eq!(
            and_list(&["a".into(), "b".into(), "c".into()]),
            "a, b and c"
        );
    }
}
