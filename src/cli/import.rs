//! `casedesk import people|services|attendance|activities`: the office's existing
//! spreadsheets, through the office layer's two steps (preview, then one
//! transaction). Lists go to stdout; the one-line outcome to stderr.

use crate::office::rules::Capability;
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::Format;
use crate::domain::Programme;
use crate::import::columns;
use crate::office::Session;
use crate::office::import::{
    ImportKind, ImportOptions, ImportPreview, MappingFile, MatchedBy, rows,
};
use crate::safe_text::sanitize;
use crate::{Error, Result};

/// Shown under every import command's help.
pub const MAPPING_HELP: &str = "\
FILES: .csv (separated by , ; TAB or |; UTF-8 with or without a BOM, or UTF-16 \
as Excel's \"Unicode Text\" writes it), .xlsx, .xls, .ods (--sheet picks a sheet; \
default the first). The header row is found among the first ten rows.

COLUMNS are matched by their headers, in English or Urdu (Name, Child Name, نام, \
Father Name, ولدیت, Age, عمر, Sex/Gender, DOB, Date of Registration, Area, \
Programme, CNIC, Phone, …). A mapping file (--map, TOML) overrides:

    [columns]              # field = \"the header as written in the file\"
    name = \"Naam\"
    father_name = \"Walid ka naam\"
    phone = \"\"             # \"\" leaves a field unmatched
    [defaults]             # for rows (or files) without a value
    programme = \"cpc\"      # people: programme, sex, risk, referral_source,
    risk = \"medium\"        #   centre, concerns, registered_on
    [dates]
    order = \"dmy\"          # or \"mdy\": how to read 03/04/2026

Fields (people): name, father_name, alias, sex, age, birth_date, cnic, phone, \
area, address, guardian_name, guardian_relation, school_status, work_status, \
referral_source, referral_detail, concerns, risk, centre, programme, registered_on. \
(services): case_number, name, kind, on_date, detail, note. (attendance): case_number, \
name; every other header that is a date is a session. (activities): on_date, kind, \
place, staff (account names, separated by commas), head counts female_under12, \
female_12_17, female_18plus, female_unknown and the same for male_ and other_ \
(headers like \"F <12\", \"M 12-17\", \"Women\", \"Boys\"), new_identified, note; \
[defaults] may give any of them for every row (e.g. staff = \"sadia\"). Each \
row is its own activity; a row is left out only when an activity in the office \
has everything the same (date, kind, place, staff, counts, new children, note, \
no linked people): k identical rows against m such activities add k-m, so a \
second import of the same log adds nothing. Services and attendance: a name \
column (Name, Child Name, …) must agree with the case number's person.

Two columns that match one field (Men and M 18+) are refused, naming both, \
unless [columns] names the one to use; every column not used is listed in the \
preview and in the summary.

DATES: 23/11/2026, 23-11-2026, 2026-11-23, 23 Nov 2026, date cells, Excel serial \
numbers. 03/04/2026 is read in the office's date order (day first unless a manager \
changed it: casedesk office set date-order); --dates mdy (or [dates] order in a \
mapping file, which wins) says how this file writes them. A column that proves the \
order wrong (11/23/2026 in a day-first office) is reported with the fix, never \
guessed.

ALL OR NOTHING: one transaction. Nothing is saved unless every row is valid; \
--skip-invalid saves the valid rows and writes the others, with a last 'reason' \
column, to FILE.rejects.csv beside the input (never overwritten). Rows already in \
the office (intake's duplicate check) or repeated in the file (activities: as \
above) are left out, so importing a file twice adds nothing the second time. --dry-run shows the mapping, \
the first rows as they will be saved and every problem, and saves nothing.

Exit codes: 0 done, or a dry run the real run would accept; 1 problems or a file \
that cannot be read (nothing saved; a dry run exits 1 when the real run would \
refuse: rows with problems and no --skip-invalid); 2 usage; 3 not a manager.";

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// People onto the registers, from a register kept in Excel or CSV (manager)
    #[command(after_help = MAPPING_HELP)]
    People {
        #[command(flatten)]
        file: FileArgs,
        /// The programme of rows without one: cpc or wd (women's desk)
        #[arg(long, value_name = "P")]
        programme: Option<String>,
    },
    /// Services delivered: case number, service, date, detail, note (manager)
    #[command(after_help = MAPPING_HELP)]
    Services {
        #[command(flatten)]
        file: FileArgs,
    },
    /// A class's marks from the sheet 'list attendance --format csv' writes (manager)
    #[command(after_help = MAPPING_HELP)]
    Attendance {
        #[command(flatten)]
        file: FileArgs,
        /// The class's name
        #[arg(long, value_name = "NAME")]
        class: String,
        /// Allow dates the class does not meet on (make-up sessions)
        #[arg(long)]
        extra: bool,
    },
    /// Outreach and community activities: date, activity, place, staff, head counts (manager)
    #[command(after_help = MAPPING_HELP)]
    Activities {
        #[command(flatten)]
        file: FileArgs,
    },
}

#[derive(Debug, Args)]
pub struct FileArgs {
    /// The spreadsheet: .csv, .xlsx, .xls or .ods
    #[arg(long, value_name = "FILE")]
    pub from: PathBuf,
    /// The workbook's sheet [default: the first]
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// A TOML mapping file: columns, defaults, date order (see below)
    #[arg(long, value_name = "MAPFILE")]
    pub map: Option<PathBuf>,
    /// Show the mapping, the first rows and every problem; save nothing (exit 1 if the real run would refuse)
    #[arg(long)]
    pub dry_run: bool,
    /// Save the valid rows; write the others to FILE.rejects.csv
    #[arg(long)]
    pub skip_invalid: bool,
    /// How this file writes 03/04/2026: dmy (day first), mdy (month first) or ymd [default: the office's date order]
    #[arg(long, value_enum, value_name = "ORDER")]
    pub dates: Option<super::settings::DateOrderArg>,
}

pub fn run(session: &mut Session, cmd: ImportCommand) -> Result<()> {
    // Refuse before reading anything.
    session.need(Capability::Import)?;
    let (kind, file, programme) = match cmd {
        ImportCommand::People { file, programme } => {
            let programme: Option<Programme> = programme
                .map(|p| p.parse())
                .transpose()
                .map_err(|e: Error| Error::Usage(e.to_string()))?;
            (ImportKind::People, file, programme)
        }
        ImportCommand::Services { file } => (ImportKind::Services, file, None),
        ImportCommand::Activities { file } => (ImportKind::Activities, file, None),
        ImportCommand::Attendance { file, class, extra } => {
            let class_id = session.class_named(&class)?.map(|c| c.id).ok_or_else(|| {
                Error::invalid(format!(
                    "there is no class named '{}'",
                    class.escape_debug()
                ))
            })?;
            (ImportKind::Attendance { class_id, extra }, file, None)
        }
    };
    let options = ImportOptions {
        sheet: file.sheet.clone(),
        mapping: file.map.as_deref().map(MappingFile::load).transpose()?,
        programme,
        skip_invalid: file.skip_invalid,
        dates: file.dates.map(Into::into),
        ..ImportOptions::default()
    };
    crate::import::progress::PROGRESS.reset();
    let shown = super::progress::ProgressLine::start();
    let preview = session.preview_import(kind, &file.from, &options);
    drop(shown);
    let preview = preview?;
    if file.dry_run {
        print_preview(&preview)?;
        println!("Dry run: nothing was saved.");
        // A script checks a file with --dry-run: exit 1 when the real run
        // would refuse it.
        return match would_refuse(&preview) {
            Some(why) => Err(Error::invalid(format!(
                "dry run: the import would refuse this file: {why}"
            ))),
            None => Ok(()),
        };
    }
    print_lists(&preview);
    let shown = super::progress::ProgressLine::start();
    let summary = session.import(&preview);
    drop(shown);
    let summary = summary?;
    eprintln!("{}", sanitize(&summary.sentence(preview.kind)));
    Ok(())
}

/// Why the real run would save nothing, if it would not.
fn would_refuse(p: &ImportPreview) -> Option<String> {
    if p.blocked {
        Some(format!(
            "its columns have problems (listed at row {})",
            p.header_row
        ))
    } else if !p.can_save() {
        Some(format!(
            "{} of {} have problems; correct them, or add --skip-invalid to import the others",
            p.invalid_rows,
            rows(p.rows)
        ))
    } else {
        None
    }
}

fn print_preview(p: &ImportPreview) -> Result<()> {
    println!(
        "Reading {} from {}: {}; headers in row {}.",
        p.kind.noun(),
        sanitize(&p.file.display().to_string()),
        sanitize(&p.source),
        p.header_row
    );
    println!();
    println!("Columns:");
    for c in &p.columns {
        let what = match (c.label, c.matched_by) {
            (Some(l), Some(MatchedBy::MappingFile)) => format!("{l} (from the mapping file)"),
            (Some(l), Some(MatchedBy::Header)) => format!("{l} (by its header)"),
            (Some(l), None) => l.to_string(),
            (None, _) => "not used".to_string(),
        };
        let note = c
            .note
            .as_deref()
            .map(|n| format!("; {n}"))
            .unwrap_or_default();
        println!(
            "  {:<3} {} -> {what}{note}",
            columns::column_letter(c.column),
            sanitize(&crate::safe_text::brief(&c.header))
        );
    }
    if !p.settings.is_empty() {
        println!();
        println!("Not in the file (the same for every row):");
        for (k, v) in &p.settings {
            println!("  {k}: {v}");
        }
    }
    println!();
    if p.sample.is_empty() {
        println!("No rows would be saved.");
    } else {
        println!("First rows as they will be saved:");
        let header: Vec<&str> = p.sample_header.iter().map(String::as_str).collect();
        let sample: Vec<Vec<crate::csv_out::Field>> = p
            .sample
            .iter()
            .map(|r| r.iter().map(|c| c.as_str().into()).collect())
            .collect();
        super::output::rows(&header, &sample, Format::Table)?;
    }
    print_lists(p);
    println!(
        "{} read: {} ready to save, {} already there, {} with problems.",
        rows(p.rows),
        p.ready_rows,
        p.duplicates.len(),
        p.invalid_rows
    );
    Ok(())
}

/// Problems and rows left out, each with its row number.
fn print_lists(p: &ImportPreview) {
    if !p.problems.is_empty() {
        println!();
        println!(
            "Problems in {}:",
            rows(p.invalid_rows + usize::from(p.blocked))
        );
        for x in &p.problems {
            println!("  row {}: {}", x.row, sanitize(&x.message));
        }
    }
    if !p.duplicates.is_empty() {
        let what = match p.kind {
            ImportKind::People => "likely the same person",
            _ => "the same",
        };
        println!();
        println!("Left out as already there, {}:", rows(p.duplicates.len()));
        for d in &p.duplicates {
            println!("  {}", sanitize(&d.describe(what)));
        }
    }
    if !p.repeated.is_empty() {
        println!();
        println!(
            "Saved as activities of their own, though the same as an earlier row, {}:",
            rows(p.repeated.len())
        );
        for (row, first) in &p.repeated {
            println!("  row {row}: the same as row {first} of this file");
        }
    }
    println!();
}

#[cfg(test)]
mod tests {
    #[test]
    fn column_letters() {
        let l: Vec<String> = [0, 25, 26, 27, 701, 702]
            .map(super::columns::column_letter)
            .to_vec();
        assert_eq!(l, ["A", "Z", "AA", "AB", "ZZ", "AAA"]);
    }
}
