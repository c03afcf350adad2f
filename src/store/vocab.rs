//! The office's closed vocabularies as rows of lookup tables, in one place.
//!
//! Each coded column the schema checks (a role, a programme, an activity
//! kind, …) references a `code_*` table of one column (migration 9)
//! instead of repeating the codes as a `CHECK (x IN (…))` list. The codes
//! themselves come from the domain's enums (`vocabulary!`), listed here
//! once, and are written into those tables by every upgrade
//! (`store::upgrade`). So adding a code is one line in its enum plus a
//! migration that touches no data (`Migration::Sql("-- …")` is enough: it
//! makes older casedesks refuse the file, and the upgrade it causes adds
//! the code). Codes are never removed here: rows may use them.
//! `tests/upgrade.rs` holds the codes' hash per migration, so a code added
//! without its migration fails a test instead of an office's first save.

use rusqlite::{Connection, OptionalExtension};

use crate::Result;
use crate::domain::activities::ActivityKind;
use crate::domain::classes::{ClassKind, Mark};
use crate::domain::placements::{PlacementKind, VisitOutcome};
use crate::domain::reports::AgeBand;
use crate::domain::{CaseStatus, Centre, CounsellingKind, Programme, RiskLevel, Role, Sex};

fn codes<T: Copy>(all: &[T], code: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| code(*v)).collect()
}

/// Every lookup table and the codes it must hold.
pub fn vocabularies() -> Vec<(&'static str, Vec<&'static str>)> {
    vec![
        ("code_role", codes(Role::ALL, Role::code)),
        ("code_programme", codes(Programme::ALL, Programme::code)),
        ("code_sex", codes(Sex::ALL, Sex::code)),
        ("code_risk", codes(RiskLevel::ALL, RiskLevel::code)),
        ("code_centre", codes(Centre::ALL, Centre::code)),
        ("code_case_status", codes(CaseStatus::ALL, CaseStatus::code)),
        (
            "code_counselling_kind",
            codes(CounsellingKind::ALL, CounsellingKind::code),
        ),
        ("code_class_kind", codes(ClassKind::ALL, ClassKind::code)),
        ("code_mark", codes(Mark::ALL, Mark::code)),
        (
            "code_placement_kind",
            codes(PlacementKind::ALL, PlacementKind::code),
        ),
        (
            "code_visit_outcome",
            codes(VisitOutcome::ALL, VisitOutcome::code),
        ),
        (
            "code_activity_kind",
            codes(ActivityKind::ALL, ActivityKind::code),
        ),
        ("code_age_band", codes(AgeBand::ALL, AgeBand::code)),
    ]
}

/// Add every code the enums have and a lookup table lacks. Tables a file
/// does not have yet (before migration 9) are passed over.
pub fn fill(conn: &Connection) -> Result<()> {
    for (table, codes) in vocabularies() {
        let exists = conn
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !exists {
            continue;
        }
        let mut insert =
            conn.prepare(&format!("INSERT OR IGNORE INTO {table}(code) VALUES (?1)"))?;
        for code in codes {
            insert.execute([code])?;
        }
    }
    Ok(())
}

/// The codes a file's lookup table holds (tests compare them with the
/// enums).
pub fn stored(conn: &Connection, table: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("SELECT code FROM {table} ORDER BY code"))?;
    let rows = stmt
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}
