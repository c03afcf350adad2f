//! The scripting surface (CLI.md): names, options, exit codes and output
//! formats here are relied on by scripts and tests. Extend, never rename.

mod activities;
mod audit;
mod backup;
mod classes;
mod counselling;
mod import;
mod output;
mod placements;
mod progress;
mod reports;
mod settings;

use crate::office::rules::Capability;
use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::domain::{CaseStatus, Programme, Role};
use crate::office::{self, OfficePaths, Session};
use crate::secrets::SecretReader;
use crate::{Error, Result};

#[derive(Debug, Parser)]
#[command(
    name = "casedesk",
    version,
    about = "An office's case work in one encrypted file",
    long_about = "casedesk keeps a small NGO office's case work (intake, the CPC and \
women's desk registers, each person's file, counselling notes, reports and backups) \
in one encrypted file. With no command it opens the full-screen desk.\n\n\
Secrets are never taken as arguments: on a terminal casedesk asks for them without \
echo; otherwise it reads them from standard input, one per line: first the acting \
user's password, then the command's own secret.\n\n\
Exit codes: 0 done; 1 failed (one 'error:' line on stderr); 2 usage error; \
3 wrong user name or password, or not allowed for this role."
)]
pub struct Cli {
    /// The office file [default: $CASEDESK_DB, else office.casedesk in the data dir]
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// Who is acting, for commands that need a login [env: CASEDESK_USER]
    #[arg(long, global = true, value_name = "NAME")]
    pub user: Option<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new office file with its first manager (--user); prints the recovery key once
    Init {
        /// The office's name, e.g. "SEHER Quetta"
        #[arg(long, value_name = "NAME")]
        office: String,
        /// How the office writes dates (01/12/2026 is 1 December in dmy);
        /// later: `casedesk office set date-order`
        #[arg(long, value_enum, value_name = "ORDER", default_value = "dmy")]
        date_order: settings::DateOrderArg,
    },
    /// Create a demo office full of synthetic data (accounts manager, staff, psychologist; password "demo")
    Demo(DemoArgs),
    /// Accounts and roles
    #[command(subcommand)]
    User(UserCommand),
    /// Print a register
    #[command(subcommand)]
    List(ListCommand),
    /// Full integrity check of the office file and its key file; prints "ok"
    Check,
    /// Replace the master key and rewrite every key slot (manager); prints a new recovery key once
    Rekey,
    /// Accept an office file older than its key file, after restoring a backup over it on purpose (manager; audited)
    RestoreAccept,
    /// Give a manager (--user) a new password using the recovery key
    Recover {
        /// A file holding the recovery key (AGE-SECRET-KEY-…)
        #[arg(long, value_name = "FILE")]
        recovery_key: PathBuf,
    },
    /// Encrypted backups: export, verify, restore, automatic backups
    #[command(subcommand)]
    Backup(backup::BackupCommand),
    /// The audit trail (manager); filter by person, account (--by) and dates
    Audit(audit::AuditArgs),
    /// Counselling sessions; notes are readable by psychologists only
    #[command(subcommand)]
    Counselling(counselling::CounsellingCommand),
    /// Classes and enrolments (staff, manager)
    #[command(subcommand)]
    Class(classes::ClassCommand),
    /// Take attendance for a class's session from CASE_NUMBER,MARK lines on standard input
    #[command(subcommand)]
    Attendance(AttendanceCommand),
    /// Monthly literacy tests
    #[command(subcommand)]
    Literacy(LiteracyCommand),
    /// Jobs and small businesses (staff, manager)
    #[command(subcommand)]
    Placement(placements::PlacementCommand),
    /// Follow-ups due from placements and case files (staff, manager)
    #[command(subcommand)]
    Followup(placements::FollowupCommand),
    /// Bring in spreadsheets (CSV, XLSX, XLS, ODS): people, services, attendance, activities; all or nothing (manager)
    #[command(subcommand)]
    Import(import::ImportCommand),
    /// Outreach and community activities: spot visits, meetings, police and MLU visits, trainings, events (staff, manager)
    #[command(subcommand)]
    Activity(activities::ActivityCommand),
    /// The period's indicators for a donor report, by sex and age band, with the previous period (manager)
    Report(reports::ReportArgs),
    /// The office's settings: show them (anyone); set the date order (manager)
    #[command(subcommand)]
    Office(settings::OfficeCommand),
}

#[derive(Debug, Subcommand)]
pub enum AttendanceCommand {
    /// Marks from standard input, one CASE_NUMBER,MARK line each (P, A, L or E); all or nothing
    Take(classes::TakeArgs),
}

#[derive(Debug, Subcommand)]
pub enum LiteracyCommand {
    /// Record one person's scores for a month (levels of the office's scale)
    Record(classes::LiteracyArgs),
    /// Show the office's literacy scale, or set it (manager): e.g. "none,letters,words,sentences,stories"
    Scale {
        /// The levels, lowest first, comma-separated (2 to 11)
        levels: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// How many CPC children (the women's desk gets a quarter as many women)
    #[arg(long, default_value_t = 800, value_name = "N")]
    pub children: usize,
    /// Seed: the same seed and date build the same office
    #[arg(long, default_value_t = 2014, value_name = "S")]
    pub seed: u64,
    /// The day the demo office is built on (YYYY-MM-DD) [default: today]
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub today: Option<chrono::NaiveDate>,
    /// Build the office but do not open the desk
    #[arg(long)]
    pub no_open: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add an account (manager); its password is read after yours
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Accounts, roles, enabled (manager)
    List,
    /// Disable an account; its key slot is removed (manager)
    Disable { name: String },
    /// Change your own password; the new one is read after the current one
    Passwd,
    /// Share the counselling key with another psychologist account (psychologist)
    Grant { name: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum RoleArg {
    Manager,
    Staff,
    Psychologist,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Manager => Role::Manager,
            RoleArg::Staff => Role::Staff,
            RoleArg::Psychologist => Role::Psychologist,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ListCommand {
    /// The register: case number, name, father's/husband's name, sex, age, programme, status, risk, registered on
    Children {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// cpc or wd (women's desk); both when not given
        #[arg(long, value_name = "P")]
        programme: Option<String>,
        /// registered, active, closed or reopened
        #[arg(long, value_name = "S")]
        status: Option<String>,
    },
    /// A class's month of attendance: case number, name, one column per session date (P/A/L/E), the rate
    Attendance {
        #[arg(long, value_name = "NAME")]
        class: String,
        /// YYYY-MM
        #[arg(long, value_name = "YYYY-MM")]
        month: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Csv,
    Table,
}

/// Run the command line; returns the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => 2,
            };
        }
    };
    let _log = crate::logging::init(&data_dir());
    crate::logging::install_panic_hook(|| {});
    match run(cli) {
        Ok(()) => 0,
        Err(crate::Error::Quiet) => 0,
        Err(e) => {
            // A closed stderr (hung-up terminal) must not turn into a panic.
            // Messages quote paths and names as given: never raw controls on
            // the terminal, and always one line.
            let _ = writeln!(
                std::io::stderr(),
                "error: {}",
                crate::safe_text::sanitize(&e.to_string())
            );
            tracing::warn!(code = e.exit_code(), "command failed");
            e.exit_code()
        }
    }
}

/// A `YYYY-MM-DD` date argument.
fn parse_date(s: &str) -> std::result::Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| "a date is written YYYY-MM-DD".to_string())
}

/// Where casedesk keeps its files unless told otherwise.
pub fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CASEDESK_DATA_DIR") {
        return PathBuf::from(d);
    }
    directories::ProjectDirs::from("org", "casedesk", "casedesk")
        .map(|p| p.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("."))
}

/// `--db`, else `$CASEDESK_DB`, else `office.casedesk` in the data dir.
fn office_paths(db: Option<PathBuf>) -> OfficePaths {
    OfficePaths::new(
        db.or_else(|| std::env::var_os("CASEDESK_DB").map(PathBuf::from))
            .unwrap_or_else(|| data_dir().join("office.casedesk")),
    )
}

fn acting_user(user: Option<String>) -> Result<String> {
    user.or_else(|| std::env::var("CASEDESK_USER").ok())
        .filter(|u| !u.is_empty())
        .ok_or_else(|| Error::Usage("say who is acting with --user NAME (or CASEDESK_USER)".into()))
}

fn login(paths: &OfficePaths, user: Option<String>, secrets: &mut SecretReader) -> Result<Session> {
    let name = acting_user(user)?;
    let password = secrets.read(&format!("Password for {name}"))?;
    let session = office::login(paths, &name, &password)?;
    if let Some(u) = session.upgrade() {
        eprintln!("{}", u.notice());
    }
    for w in session.login_warnings() {
        eprintln!("warning: {w}");
    }
    Ok(session)
}

fn run(cli: Cli) -> Result<()> {
    let mut secrets = SecretReader::new();
    let Some(command) = cli.command else {
        return crate::ui::run(office_paths(cli.db), cli.user);
    };
    match command {
        Command::Init { office, date_order } => {
            let paths = office_paths(cli.db);
            let user = acting_user(cli.user)?;
            if paths.any_exists() {
                return Err(Error::invalid(format!(
                    "{} already exists; casedesk will not overwrite an office",
                    crate::safe_text::path(&paths.db)
                )));
            }
            let password = secrets.read_new(&format!("New password for {user}"))?;
            let (mut session, recovery) = office::create_office(&paths, &office, &user, &password)?;
            let order = crate::domain::dates::DateOrder::from(date_order);
            if order != crate::domain::dates::DateOrder::default() {
                session.set_date_order(order)?;
            }
            output::recovery_key(&recovery);
            eprintln!("Created {}.", crate::safe_text::path(&paths.db));
        }
        Command::Demo(args) => {
            let explicit = cli.db.is_some() || std::env::var_os("CASEDESK_DB").is_some();
            let paths = if explicit {
                office_paths(cli.db)
            } else {
                OfficePaths::new(data_dir().join("demo.casedesk"))
            };
            let summary = crate::demo::build(
                &paths,
                &crate::demo::DemoOptions {
                    children: args.children,
                    seed: args.seed,
                    today: args.today.unwrap_or_else(crate::clock::today),
                },
            )?;
            eprintln!(
                "Built a demo office at {} ({} children, {} women). Log in as manager, staff or psychologist with password \"demo\".",
                crate::safe_text::path(&paths.db),
                summary.children,
                summary.women
            );
            if !args.no_open {
                crate::ui::run(paths, Some("manager".into()))?;
            }
        }
        Command::User(cmd) => {
            let paths = office_paths(cli.db);
            let mut session = login(&paths, cli.user, &mut secrets)?;
            match cmd {
                UserCommand::Add { name, role } => {
                    // Refuse before asking for the new password.
                    session.need(Capability::ManageAccounts)?;
                    crate::domain::check_user_name(&name)?;
                    let password =
                        secrets.read_new(&format!("Password for the new account {name}"))?;
                    session.add_user(&name, role.into(), &password)?;
                    eprintln!("Added {name}.");
                }
                UserCommand::List => {
                    let users = session.accounts()?;
                    output::users(&users);
                }
                UserCommand::Disable { name } => {
                    session.disable_user(&name)?;
                    eprintln!(
                        "Disabled {name}; its key slot is gone. Run 'casedesk rekey' if they may have a copy of the office."
                    );
                }
                UserCommand::Passwd => {
                    let new = secrets.read_new("New password")?;
                    session.change_password(&new)?;
                    eprintln!("Password changed.");
                }
                UserCommand::Grant { name } => {
                    session.grant_counselling(&name)?;
                    eprintln!("{name} can now read counselling notes.");
                }
            }
        }
        Command::List(ListCommand::Children {
            format,
            programme,
            status,
        }) => {
            let paths = office_paths(cli.db);
            // A filter value that is not a programme or status is a usage error.
            let usage = |e: Error| Error::Usage(e.to_string());
            let programme: Option<Programme> =
                programme.map(|p| p.parse()).transpose().map_err(usage)?;
            let status: Option<CaseStatus> =
                status.map(|s| s.parse()).transpose().map_err(usage)?;
            let session = login(&paths, cli.user, &mut secrets)?;
            session.export_register(
                &office::casework::RegisterFilter { programme, status },
                crate::clock::today(),
                |rows| output::register(rows, format),
            )?;
        }
        Command::Check => {
            let paths = office_paths(cli.db);
            let session = login(&paths, cli.user, &mut secrets)?;
            let problems = session.check()?;
            // Information, not a problem: on standard error, so `ok` stays
            // the whole output of a clean check.
            for (version, copy) in session.upgrade_copies() {
                let name = copy.file_name().unwrap_or(copy.as_os_str());
                eprintln!(
                    "kept from before the last upgrade: {} (the office file at schema {version}; removed at the next upgrade)",
                    crate::safe_text::sanitize(&name.to_string_lossy())
                );
            }
            if problems.is_empty() {
                println!("ok");
            } else {
                for p in &problems {
                    println!("{p}");
                }
                return Err(Error::damaged(format!(
                    "the check found {} problem(s)",
                    problems.len()
                )));
            }
        }
        Command::Rekey => {
            let paths = office_paths(cli.db);
            let mut session = login(&paths, cli.user, &mut secrets)?;
            let recovery = session.rekey()?;
            eprintln!("New master key in place; every key slot was rewritten.");
            output::recovery_key(&recovery);
            eprintln!(
                "The old recovery key opens nothing from now on: destroy it once the new one is in the safe."
            );
        }
        Command::RestoreAccept => {
            let paths = office_paths(cli.db);
            let name = acting_user(cli.user)?;
            let password = secrets.read(&format!("Password for {name}"))?;
            let (session, gap) = office::accept_restore(&paths, &name, &password)?;
            for w in session.login_warnings() {
                eprintln!("warning: {w}");
            }
            match gap {
                Some(gap) => eprintln!(
                    "Accepted ({}). Entries written after this office file was copied are not in it; the audit trail records the acceptance.",
                    crate::safe_text::sanitize(&gap)
                ),
                None => {
                    eprintln!("This office file is not older than its key file: nothing to accept.")
                }
            }
        }
        Command::Recover { recovery_key } => {
            let paths = office_paths(cli.db);
            let user = acting_user(cli.user)?;
            let text =
                zeroize::Zeroizing::new(std::fs::read_to_string(&recovery_key).map_err(|e| {
                    Error::io(format!("cannot read {}", recovery_key.display()), e)
                })?);
            let password = secrets.read_new(&format!("New password for {user}"))?;
            office::recover(&paths, &text, &user, &password)?;
            eprintln!("{user} has a new password.");
        }
        Command::Backup(cmd) => backup::run(cmd, cli.db, cli.user, &mut secrets)?,
        Command::Audit(args) => {
            let paths = office_paths(cli.db);
            let session = login(&paths, cli.user, &mut secrets)?;
            audit::run(&session, args)?;
        }
        Command::Counselling(cmd) => {
            let paths = office_paths(cli.db);
            let mut session = login(&paths, cli.user, &mut secrets)?;
            counselling::run(&mut session, cmd)?;
        }
        Command::Class(cmd) => {
            let mut session = login(&office_paths(cli.db), cli.user, &mut secrets)?;
            classes::run(&mut session, cmd)?;
        }
        Command::Attendance(AttendanceCommand::Take(args)) => {
            let mut session = login(&office_paths(cli.db), cli.user, &mut secrets)?;
            classes::take(&mut session, args)?;
        }
        Command::Placement(cmd) => {
            let mut session = login(&office_paths(cli.db), cli.user, &mut secrets)?;
            placements::placement(&mut session, cmd)?;
        }
        Command::Followup(cmd) => {
            let mut session = login(&office_paths(cli.db), cli.user, &mut secrets)?;
            placements::followup(&mut session, cmd)?;
        }
        Command::Import(cmd) => {
            let mut session = login(&office_paths(cli.db), cli.user, &mut secrets)?;
            import::run(&mut session, cmd)?;
        }
        Command::Activity(cmd) => {
            let mut session = login(&office_paths(cli.db), cli.user, &mut secrets)?;
            activities::run(&mut session, cmd)?;
        }
        Command::Report(args) => {
            let period = reports::period(&args)?;
            let session = login(&office_paths(cli.db), cli.user, &mut secrets)?;
            reports::run(&session, &args, period)?;
        }
        Command::Office(cmd) => {
            let mut session = login(&office_paths(cli.db), cli.user, &mut secrets)?;
            settings::run(&mut session, cmd)?;
        }
        Command::Literacy(LiteracyCommand::Record(args)) => {
            let mut session = login(&office_paths(cli.db), cli.user, &mut secrets)?;
            classes::literacy(&mut session, args)?;
        }
        Command::Literacy(LiteracyCommand::Scale { levels }) => {
            let mut session = login(&office_paths(cli.db), cli.user, &mut secrets)?;
            classes::scale(&mut session, levels)?;
        }
        Command::List(ListCommand::Attendance {
            class,
            month,
            format,
        }) => {
            let session = login(&office_paths(cli.db), cli.user, &mut secrets)?;
            classes::month(&session, &class, &month, format)?;
        }
    }
    Ok(())
}
