//! A sex × age-band table as lines of text, for the Reports screen's
//! breakdown and an activity's head counts. Numbers come already worded
//! (a de-identified report shows `x`), so this only lays them
//! out.

use crate::domain::Sex;
use crate::domain::reports::AgeBand;
use crate::safe_text::{Align, fit};
use crate::ui::words::capitalise;

const LABEL: usize = 8;
const CELL: usize = 7;

/// The heading and one line per sex, then the totals: `value(sex, band)`
/// with `None` for a total (both `None`: the grand total).
pub fn lines(value: &dyn Fn(Option<Sex>, Option<AgeBand>) -> String) -> Vec<String> {
    let mut out = Vec::with_capacity(5);
    let mut head = " ".repeat(LABEL);
    for b in AgeBand::ALL {
        head.push_str(&fit(b.short(), CELL, Align::Right));
    }
    head.push_str(&fit("Total", CELL, Align::Right));
    out.push(head);
    let rows = Sex::ALL.iter().map(|s| Some(*s)).chain([None]);
    for sex in rows {
        let name = sex.map_or("Total".to_string(), |s| capitalise(s.label()));
        let mut line = fit(&name, LABEL, Align::Left);
        for b in AgeBand::ALL {
            line.push_str(&fit(&value(sex, Some(*b)), CELL, Align::Right));
        }
        line.push_str(&fit(&value(sex, None), CELL, Align::Right));
        out.push(line);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grid_reads_in_rows_and_columns() {
        let l = lines(&|s, b| match (s, b) {
            (Some(Sex::Male), Some(AgeBand::Teen)) => "14".into(),
            (None, None) => "14".into(),
            _ => "0".into(),
        });
        assert_eq!(l.len(), 5);
        assert!(l[0].contains("12–17") && l[0].ends_with("Total"));
        assert!(l[2].starts_with("Male") && l[2].contains("     14"));
        assert!(l[4].starts_with("Total") && l[4].ends_with("14"));
    }
}
