//! Who a number counts, by sex and age band: the bands, and the 3 × 4
//! grid every person-based number is kept in.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;

use crate::Error;
use crate::domain::Sex;

vocabulary!(
    /// The age bands reports disaggregate by. `Unknown` holds people
    /// without a date of birth (and crowds whose ages were not counted).
    AgeBand, "age band" {
        Under12 => "under12", "under 12";
        Teen => "12-17", "12–17";
        Adult => "18+", "18 and over";
        Unknown => "unknown", "age unknown";
    }
);

impl AgeBand {
    /// The band of someone born on `birth`, on the day `on` (at the end
    /// of a period).
    pub fn of(birth: Option<NaiveDate>, on: NaiveDate) -> AgeBand {
        match birth.and_then(|b| on.years_since(b)) {
            None => AgeBand::Unknown,
            Some(a) if a < 12 => AgeBand::Under12,
            Some(a) if a < 18 => AgeBand::Teen,
            Some(_) => AgeBand::Adult,
        }
    }

    /// A short column heading.
    pub fn short(self) -> &'static str {
        match self {
            AgeBand::Under12 => "<12",
            AgeBand::Teen => "12–17",
            AgeBand::Adult => "18+",
            AgeBand::Unknown => "?",
        }
    }

    pub(super) fn index(self) -> usize {
        match self {
            AgeBand::Under12 => 0,
            AgeBand::Teen => 1,
            AgeBand::Adult => 2,
            AgeBand::Unknown => 3,
        }
    }
}

fn sex_index(s: Sex) -> usize {
    match s {
        Sex::Female => 0,
        Sex::Male => 1,
        Sex::Other => 2,
    }
}

/// One letter per sex for column headings.
pub fn sex_letter(s: Sex) -> &'static str {
    match s {
        Sex::Female => "F",
        Sex::Male => "M",
        Sex::Other => "O",
    }
}

/// Numbers by sex × age band: 3 × 4 cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Grid {
    cells: [[i64; 4]; 3],
}

/// Every (sex, band) cell in the order reports show them: female under
/// 12 … female unknown, male …, other ….
pub fn cells() -> impl Iterator<Item = (Sex, AgeBand)> {
    Sex::ALL
        .iter()
        .flat_map(|s| AgeBand::ALL.iter().map(move |b| (*s, *b)))
}

impl Grid {
    pub fn get(&self, sex: Sex, band: AgeBand) -> i64 {
        self.cells[sex_index(sex)][band.index()]
    }

    pub fn add(&mut self, sex: Sex, band: AgeBand, n: i64) {
        self.cells[sex_index(sex)][band.index()] += n;
    }

    pub fn total(&self) -> i64 {
        self.cells.iter().flatten().sum()
    }

    pub fn sex_total(&self, sex: Sex) -> i64 {
        self.cells[sex_index(sex)].iter().sum()
    }

    pub fn band_total(&self, band: AgeBand) -> i64 {
        self.cells.iter().map(|r| r[band.index()]).sum()
    }

    /// Every cell with its value, in [`cells`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Sex, AgeBand, i64)> + '_ {
        cells().map(|(s, b)| (s, b, self.get(s, b)))
    }
}

impl std::ops::AddAssign for Grid {
    fn add_assign(&mut self, other: Grid) {
        for (s, b, n) in other.iter() {
            self.add(s, b, n);
        }
    }
}
