//! The preview of a people import: the file's rows checked by intake's
//! rules, then against the register (intake's duplicate check) and
//! against each other.

use std::collections::HashMap;
use std::path::Path;

use super::{SAMPLE_ROWS, empty_preview};
use crate::Result;
use crate::import::Table;
use crate::import::people;
use crate::import::preview::{
    Duplicate, DuplicateOf, ImportKind, ImportOptions, ImportPreview, Ready,
};
use crate::office::Session;
use crate::store::duplicates;

pub(super) fn preview_people(
    session: &Session,
    table: &mut Table,
    file: &Path,
    options: &ImportOptions,
) -> Result<ImportPreview> {
    let parsed = people::parse_people(table, options, crate::clock::today())?;
    let register_state = duplicates::register_state(session.conn())?;
    let in_file: HashMap<usize, usize> = people::in_file_duplicates(&parsed.valid)
        .into_iter()
        .collect();
    let mut dups = Vec::new();
    let mut ready = Vec::new();
    for r in parsed.valid {
        crate::import::progress::PROGRESS.checked(1);
        if let Some(&of) = in_file.get(&r.row) {
            dups.push(Duplicate {
                row: r.row,
                of: DuplicateOf::Row(of),
            });
            continue;
        }
        match duplicates::likely_matches(session.conn(), &r.person)?
            .into_iter()
            .next()
        {
            Some(m) => dups.push(Duplicate {
                row: r.row,
                of: DuplicateOf::Existing {
                    case_number: m.case_number,
                    reasons: m.reasons,
                },
            }),
            None => ready.push(r),
        }
    }
    let mut p = empty_preview(
        ImportKind::People,
        table,
        file,
        options,
        parsed.mapping,
        Ready::People(Vec::new()),
    );
    p.headers = parsed.headers;
    p.settings = parsed.settings;
    p.sample_header = people::SAMPLE_HEADER
        .iter()
        .map(|s| s.to_string())
        .collect();
    p.sample = ready
        .iter()
        .take(SAMPLE_ROWS)
        .map(people::sample_row)
        .collect();
    p.problems = parsed.problems;
    p.duplicates = dups;
    p.rows = parsed.rows;
    p.invalid_rows = parsed.rejected.len();
    p.rejected = parsed.rejected;
    p.ready_rows = ready.len();
    p.ready = Ready::People(ready);
    p.register_state = Some(register_state);
    Ok(p)
}
