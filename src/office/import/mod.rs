//! Bringing in the office's existing spreadsheets (managers only), in two
//! steps the desk and the CLI share:
//!
//! 1. [`Session::preview_import`] reads the file (`crate::import`), matches
//!    its columns, checks every row by the same rules as the forms, and
//!    looks for rows already in the office (intake's duplicate check) or
//!    repeated in the file. It saves nothing.
//! 2. [`Session::import`] saves a preview: one transaction for the whole
//!    file with one audit entry holding counts only. Nothing is saved
//!    unless every row is valid, or the preview was made with
//!    `skip_invalid`: then the invalid rows go to `<input>.rejects.csv`
//!    (never overwritten), written inside the transaction so a failed
//!    import leaves neither records nor a rejects file.
//!
//! Rows already there are left out, so importing the same file twice adds
//! nothing the second time.
//!
//! One file per kind of import (`people.rs`, `services.rs`,
//! `attendance.rs`, `activities.rs`) makes its preview (and, for
//! attendance and activities, saves its rows); this file is the two steps
//! they share and the saving of people and services.

mod activities;
mod attendance;
mod people;
mod services;

use crate::office::rules::Capability;
use std::collections::{HashMap, HashSet};
use std::path::Path;

use self::activities::{preview_activities, save_activities};
use self::attendance::{preview_attendance, save_attendance};
use self::people::preview_people;
use self::services::{preview_services, service_recorded};
use super::{AuditAction, Session, Target};
use crate::domain::names::name_key;
use crate::import::columns::{self, Field, Mapping};
pub use crate::import::columns::{ColumnUse, MappingFile, MatchedBy, column_letter};
use crate::import::preview::Ready;
pub use crate::import::preview::{
    ActivityRow, AttendanceRow, Duplicate, DuplicateOf, ImportKind, ImportOptions, ImportPreview,
    ImportSummary, Problem, ServiceRow, rows,
};
use crate::import::{Cell, Table, read_table, rejects};
use crate::store::{casework, duplicates, persons};
use crate::{Error, Result};

/// How many rows the preview shows as they will be saved.
pub const SAMPLE_ROWS: usize = 5;

impl Session {
    /// Read and check a file for an import; saves nothing (managers).
    pub fn preview_import(
        &self,
        kind: ImportKind,
        file: &Path,
        options: &ImportOptions,
    ) -> Result<ImportPreview> {
        self.need(Capability::Import)?;
        let options = &ImportOptions {
            office_dates: self.date_order()?,
            ..options.clone()
        };
        let mut table = read_table(file, options.sheet.as_deref())?;
        let mut preview = match kind {
            ImportKind::People => preview_people(self, &mut table, file, options)?,
            ImportKind::Services => preview_services(self, &table, file, options)?,
            ImportKind::Attendance { class_id, extra } => {
                preview_attendance(self, &table, file, options, class_id, extra)?
            }
            ImportKind::Activities => preview_activities(self, &table, file, options)?,
        };
        preview.problems.sort_by_key(|p| p.row);
        preview.duplicates.sort_by_key(|d| d.row);
        Ok(preview)
    }

    /// Read, check and save a file in one go (the CLI without --dry-run).
    pub fn import_file(
        &mut self,
        kind: ImportKind,
        file: &Path,
        options: &ImportOptions,
    ) -> Result<ImportSummary> {
        let preview = self.preview_import(kind, file, options)?;
        self.import(&preview)
    }

    /// Save what a preview showed, in one transaction with one audit
    /// entry (managers). Refused, saving nothing, when any row has a
    /// problem, unless the preview was made with `skip_invalid`.
    pub fn import(&mut self, preview: &ImportPreview) -> Result<ImportSummary> {
        self.need(Capability::Import)?;
        if preview.blocked {
            return Err(Error::invalid(
                "the file's columns have problems (listed with the header row); nothing was saved",
            ));
        }
        if !preview.can_save() {
            return Err(Error::invalid(format!(
                "{} of {} rows have problems; nothing was saved. Correct them, or import the others with --skip-invalid (the rest go to {})",
                preview.invalid_rows,
                preview.rows,
                preview.rejects_path().display()
            )));
        }
        let rejects_file =
            (preview.skip_invalid && !preview.rejected.is_empty()).then(|| preview.rejects_path());
        if let Some(path) = &rejects_file {
            rejects::check_free(path)?;
        }
        let mut wrote_rejects = false;
        let result = self.write(|tx, user| {
            let mut summary = ImportSummary {
                rows: preview.rows,
                duplicates: preview.duplicates.len(),
                unchanged: preview.unchanged,
                rejected: if preview.skip_invalid {
                    preview.invalid_rows
                } else {
                    0
                },
                not_used: preview.columns_not_used(),
                ..ImportSummary::default()
            };
            let (action, target) = match &preview.ready {
                Ready::People(rows) => {
                    // Again inside the transaction when the register changed
                    // since the preview (someone may have registered one of
                    // these people meanwhile), against the records that were
                    // there before this import (its own rows were checked
                    // against each other in the preview).
                    let state = duplicates::register_state(tx)?;
                    let recheck = preview.register_state.as_ref() != Some(&state);
                    let before = state.1;
                    // Case numbers follow the registration dates (ties by
                    // row), as if the people had been registered then.
                    let mut rows: Vec<_> = rows.iter().collect();
                    rows.sort_by_key(|r| (r.person.registered_on, r.row));
                    for r in rows {
                        if recheck
                            && duplicates::likely_matches(tx, &r.person)?
                                .iter()
                                .any(|m| m.id <= before)
                        {
                            summary.duplicates += 1;
                            continue;
                        }
                        let (_, case_number) = persons::register_person(tx, &r.person, user)?;
                        summary.case_numbers.push(case_number);
                        summary.added += 1;
                        crate::import::progress::PROGRESS.saved(1);
                    }
                    (AuditAction::ImportPeople, String::new())
                }
                Ready::Services(rows) => {
                    for r in rows {
                        let id = crate::domain::person::PersonId(r.person_id);
                        if service_recorded(tx, id, &r.service)? {
                            summary.duplicates += 1;
                            continue;
                        }
                        casework::add_service(tx, id, &r.service, user)?;
                        summary.added += 1;
                        crate::import::progress::PROGRESS.saved(1);
                    }
                    (AuditAction::ImportServices, String::new())
                }
                Ready::Attendance(rows) => {
                    let ImportKind::Attendance { class_id, extra } = preview.kind else {
                        return Err(Error::invalid("this preview is not of attendance"));
                    };
                    let (saved, unchanged) = save_attendance(tx, class_id, extra, rows, user.id)?;
                    summary.added = saved;
                    crate::import::progress::PROGRESS.saved(saved);
                    summary.unchanged += unchanged;
                    (
                        AuditAction::ImportAttendance,
                        Target::Class(class_id).to_string(),
                    )
                }
                Ready::Activities(rows) => {
                    let added: HashSet<usize> =
                        save_activities(tx, rows, user.id)?.into_iter().collect();
                    summary.added = added.len();
                    crate::import::progress::PROGRESS.saved(added.len());
                    summary.duplicates += rows.len() - added.len();
                    summary.repeated = preview
                        .repeated
                        .iter()
                        .filter(|(row, _)| added.contains(row))
                        .count();
                    (AuditAction::ImportActivities, String::new())
                }
            };
            if let Some(path) = &rejects_file {
                let reasons = reasons_by_row(&preview.problems);
                let rows: Vec<(Vec<Cell>, String)> = preview
                    .rejected
                    .iter()
                    .map(|(row, cells)| {
                        (cells.clone(), reasons.get(row).cloned().unwrap_or_default())
                    })
                    .collect();
                rejects::write(path, &preview.headers, &rows)?;
                wrote_rejects = true;
            }
            // Counts only: never names, never the file's name.
            Session::record_in(
                tx,
                user,
                action,
                &target,
                &format!(
                    "{} rows; {} added; {} already there; {} unchanged; {} rejected",
                    summary.rows,
                    summary.added,
                    summary.duplicates,
                    summary.unchanged,
                    summary.rejected
                ),
            )?;
            summary.rejects_file = rejects_file.clone();
            Ok(summary)
        });
        if result.is_err() && wrote_rejects {
            // The records were not saved, so neither is the list of rows
            // "left out" of them.
            if let Some(path) = &rejects_file {
                let _ = std::fs::remove_file(path);
            }
        }
        result
    }
}

/// The rule every import that names a person beside a case number
/// follows (attendance, services): the name must be that person's, as
/// name keys compare (Mohammad and Muhammad meet), so a case number typed
/// wrong shows instead of attaching a record to someone else. A blank name
/// says nothing. The row's problem, naming neither name.
pub(super) fn name_disagrees(given: &str, case_number: &str, registered: &str) -> Option<String> {
    let given = given.trim();
    (!given.is_empty() && name_key(given) != name_key(registered))
        .then(|| format!("Name: does not match the name of {case_number} in the office"))
}

/// Each row's problems as one reason.
fn reasons_by_row(problems: &[Problem]) -> HashMap<usize, String> {
    let mut out: HashMap<usize, String> = HashMap::new();
    for p in problems {
        let r = out.entry(p.row).or_default();
        if !r.is_empty() {
            r.push_str("; ");
        }
        r.push_str(&p.message);
    }
    out
}

pub(super) fn empty_preview(
    kind: ImportKind,
    table: &Table,
    file: &Path,
    options: &ImportOptions,
    mapping: Mapping,
    ready: Ready,
) -> ImportPreview {
    ImportPreview {
        kind,
        file: file.to_path_buf(),
        source: table.source.clone(),
        header_row: mapping.header_row,
        headers: mapping.columns.iter().map(|c| c.header.clone()).collect(),
        columns: mapping.columns,
        settings: Vec::new(),
        sample_header: Vec::new(),
        sample: Vec::new(),
        problems: Vec::new(),
        duplicates: Vec::new(),
        repeated: Vec::new(),
        rows: 0,
        invalid_rows: 0,
        ready_rows: 0,
        unchanged: 0,
        skip_invalid: options.skip_invalid,
        blocked: false,
        ready,
        register_state: None,
        rejected: Vec::new(),
    }
}

/// The data rows after the header row that are not blank, with their
/// sheet row numbers.
pub(super) fn data_rows(table: &Table, at: usize) -> impl Iterator<Item = (usize, &Vec<Cell>)> {
    table.rows[at + 1..]
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.iter().all(Cell::is_blank))
        .map(move |(i, r)| (table.row_number(at + 1 + i), r))
}

/// Map the columns of a services or attendance file; `required` fields
/// must have a column (or, for services, a default).
pub(super) fn map_for(
    table: &Table,
    fields: &'static [Field],
    options: &ImportOptions,
    required: &[&str],
) -> Result<(Mapping, usize)> {
    let map = options.mapping.as_ref();
    if let Some(m) = map {
        m.check(fields, &[])?;
    }
    let (mapping, at) = columns::map_columns(fields, &table.rows, table.first_row, map)?;
    for key in required {
        let has_default = map.is_some_and(|m| m.defaults.contains_key(*key));
        if mapping.column(key).is_none() && !has_default {
            let f = fields
                .iter()
                .find(|f| f.key == *key)
                .map_or(*key, |f| f.label);
            // Escaped: a header is text from the file and goes to the terminal.
            let headers: Vec<String> = mapping
                .columns
                .iter()
                .map(|c| {
                    crate::safe_text::brief(&c.header)
                        .escape_debug()
                        .to_string()
                })
                .collect();
            return Err(Error::invalid(format!(
                "no column of row {} looks like the {} (the columns are: {}); name it in a mapping file: [columns] {key} = \"…\" (see casedesk import --help)",
                mapping.header_row,
                f.to_lowercase(),
                headers.join(", ")
            )));
        }
    }
    Ok((mapping, at))
}
