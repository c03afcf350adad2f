//! The records behind one of a report's numbers, named: the drill-down
//! of the Reports screen. A [`Report`](super::Report) keeps only record
//! ids (so a report is cheap to keep and to de-identify); this turns the
//! ids of one indicator into case numbers and names, or into the
//! activities they are.

use crate::office::rules::Capability;
use std::collections::{HashMap, HashSet};

use super::{AuditAction, Period, Record, RecordKind, Session};
use crate::Result;
use crate::domain::activities::{Activity, ActivityFilter};
use crate::domain::reports::AgeBand;
use crate::domain::{CaseStatus, Programme, Sex};
use crate::store::{activities, persons};

/// One person behind a number: enough to recognise them and open their
/// file, and the cell (sex × age band) they are counted in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub id: i64,
    pub case_number: String,
    pub name: String,
    pub programme: Programme,
    pub status: CaseStatus,
    pub cell: Option<(Sex, AgeBand)>,
}

/// An activity behind a number.
pub type ActivityRecord = Activity;

/// The records behind one number, in case-number (people) or date
/// (activities) order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Records {
    People(Vec<PersonRecord>),
    Activities(Vec<ActivityRecord>),
}

impl Records {
    pub fn len(&self) -> usize {
        match self {
            Records::People(v) => v.len(),
            Records::Activities(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Session {
    /// Name the records behind one number of a report for `period`
    /// (managers, as the report itself). `kind` and `records` are the
    /// indicator's. Listing people is recorded in the audit trail like
    /// any list of the register: the number of rows, never who.
    pub fn report_records(
        &self,
        period: Period,
        kind: RecordKind,
        records: &[Record],
    ) -> Result<Records> {
        self.need(Capability::ReportRecords)?;
        match kind {
            RecordKind::Person => {
                let people = people(self.conn(), records)?;
                self.record_now(
                    AuditAction::ReportRecords,
                    "",
                    &format!("{} rows behind a report number ({period})", people.len()),
                )?;
                Ok(Records::People(people))
            }
            RecordKind::Activity => {
                let ids: HashSet<i64> = records.iter().map(|r| r.id).collect();
                let filter = ActivityFilter {
                    from: Some(period.from),
                    to: Some(period.to),
                    kind: None,
                };
                // A period's activities are few (tens a month), so they are
                // read whole and kept by id; newest first as everywhere.
                let list = activities::list(self.conn(), &filter, usize::MAX)?
                    .into_iter()
                    .filter(|a| ids.contains(&a.id))
                    .collect();
                Ok(Records::Activities(list))
            }
        }
    }
}

/// The register rows of `records` (people deleted since are left out),
/// by case number.
fn people(conn: &rusqlite::Connection, records: &[Record]) -> Result<Vec<PersonRecord>> {
    let cells: HashMap<i64, Option<(Sex, AgeBand)>> =
        records.iter().map(|r| (r.id, r.cell)).collect();
    let ids: Vec<i64> = cells.keys().copied().collect();
    let mut out: Vec<PersonRecord> = persons::briefs(conn, &ids)?
        .into_iter()
        .map(|b| PersonRecord {
            cell: cells.get(&b.id).copied().flatten(),
            id: b.id,
            case_number: b.case_number,
            name: b.name,
            programme: b.programme,
            status: b.status,
        })
        .collect();
    out.sort_by(|a, b| a.case_number.cmp(&b.case_number));
    Ok(out)
}
