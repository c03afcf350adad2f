//! casedesk at scale, side by side with a peer: the large demo office
//! (100,000 CPC children and 25,000 women) against a plain, unencrypted
//! SQLite copy of the same data, on the same machine, in the same loop.
//!
//!     cargo bench --bench scale
//!     BENCH_DB=/path/office.casedesk cargo bench --bench scale   # reuse an office
//!
//! The office is built once, in a child process, by the casedesk binary
//! cargo builds with this bench (release code, no LTO): `casedesk demo
//! --children 100000 --today 2026-11-23 --no-open`. Or it is
//! copied from `BENCH_DB` (with its key file; accounts from `casedesk
//! demo`, password "demo") into the temp dir, so the figures that write
//! (logins, attendance, audit entries) never touch the office given.
//!
//! The peer is that office exported with SQLCipher's `sqlcipher_export`
//! into a plaintext database in the same temp dir, opened with the same
//! pragmas (`store::configure`): the same store functions run on both
//! connections, so what differs is encryption (every page read is
//! decrypted and its HMAC checked). Where casedesk and the peer are timed
//! together they take turns, run by run, so the shared machine's load
//! falls on both alike. Peak RSS is given for whole-process figures: a
//! child process under `/usr/bin/time -f %M`, or this process's `VmHWM`
//! reset just before the figure. Prints a Markdown table; BENCHMARKS.md
//! records it ("At scale, side by side").

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use chrono::NaiveDate;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use rusqlite::{Connection, OpenFlags};

use casedesk::config::Config;
use casedesk::domain::classes::{ClassKind, Mark, MarkChange, NewClass};
use casedesk::domain::person::PersonId;
use casedesk::domain::{CaseStatus, Programme};
use casedesk::office::reports::Period;
use casedesk::office::{self, OfficePaths};
use casedesk::store::{self, attendance, persons, search};
use casedesk::ui::App;
use casedesk::vault::{self, crypto};

#[path = "support/memory.rs"]
mod memory;
use memory::{reset_peak, status_kib};

/// The day the office is built on (as every other bench), and the desk's
/// and the store's clock is fixed to.
const TODAY: &str = "2026-11-23";
const CHILDREN: usize = 100_000;

fn today() -> NaiveDate {
    TODAY.parse().expect("date")
}

fn pw() -> SecretString {
    SecretString::from("demo".to_string())
}

// ---------------------------------------------------------------- timing

fn ms(d: Duration) -> String {
    let m = d.as_secs_f64() * 1000.0;
    if m >= 100.0 {
        format!("{m:.0} ms")
    } else if m >= 10.0 {
        format!("{m:.1} ms")
    } else {
        format!("{m:.2} ms")
    }
}

/// The value at quantile `q` (0..=1) of the sorted times.
fn quantile(v: &[Duration], q: f64) -> Duration {
    let mut s = v.to_vec();
    s.sort();
    let i = ((s.len() - 1) as f64 * q).round() as usize;
    s[i]
}

fn median(v: &[Duration]) -> Duration {
    quantile(v, 0.5)
}

/// "p50 / p95" of the runs.
fn p50_p95(v: &[Duration]) -> String {
    format!("{} / {}", ms(median(v)), ms(quantile(v, 0.95)))
}

/// Everyone on a sheet marked present, as a save sends it.
fn all_present(rows: &[casedesk::domain::classes::SheetRow]) -> Vec<MarkChange> {
    rows.iter()
        .map(|r| MarkChange {
            person_id: r.person_id,
            mark: Mark::Present,
            loaded_version: r.version,
        })
        .collect()
}

fn ratio(ours: Duration, peer: Duration) -> String {
    let p = peer.as_secs_f64();
    if p <= 0.0 {
        return "–".into();
    }
    format!("{:.1}×", ours.as_secs_f64() / p)
}

fn timed<T>(f: impl FnOnce() -> T) -> (Duration, T) {
    let t = Instant::now();
    let v = f();
    (t.elapsed(), v)
}

/// Run `ours` and `peer` `runs` times each, taking turns (who goes first
/// alternates), after one untimed warm-up run of each.
fn turns(runs: usize, ours: impl FnMut(), peer: impl FnMut()) -> (Vec<Duration>, Vec<Duration>) {
    turns_between(runs, ours, peer, || {})
}

/// [`turns`] with `between` (untimed) before every timed run.
fn turns_between(
    runs: usize,
    mut ours: impl FnMut(),
    mut peer: impl FnMut(),
    between: impl Fn(),
) -> (Vec<Duration>, Vec<Duration>) {
    ours();
    peer();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for i in 0..runs {
        if i % 2 == 0 {
            between();
            a.push(timed(&mut ours).0);
            between();
            b.push(timed(&mut peer).0);
        } else {
            between();
            b.push(timed(&mut peer).0);
            between();
            a.push(timed(&mut ours).0);
        }
    }
    (a, b)
}

// ---------------------------------------------------------------- memory

fn peak_mib() -> String {
    status_kib("VmHWM:").map_or("n/a".into(), |k| format!("{} MiB", k / 1024))
}

const TIME: &str = "/usr/bin/time";

/// A child process's wall time and peak RSS (KiB; `/usr/bin/time -f %M`
/// when it exists, else none). The wall time includes `time`'s own
/// fork and exec, the same for casedesk and its peer.
fn run_child(cmd: &[&str], stdin: &str, rss_file: &Path) -> (Duration, Option<u64>) {
    let with_time = Path::new(TIME).exists();
    let mut c = if with_time {
        let mut c = Command::new(TIME);
        c.arg("-f").arg("%M").arg("-o").arg(rss_file).args(cmd);
        c
    } else {
        let mut c = Command::new(cmd[0]);
        c.args(&cmd[1..]);
        c
    };
    c.stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let t = Instant::now();
    let mut child = c.spawn().expect("spawn");
    {
        use std::io::Write;
        let mut input = child.stdin.take().expect("stdin");
        let _ = input.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().expect("wait");
    let took = t.elapsed();
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rss = with_time
        .then(|| std::fs::read_to_string(rss_file).ok())
        .flatten()
        .and_then(|s| s.trim().lines().last()?.trim().parse().ok());
    (took, rss)
}

/// Children taking turns; median times and the largest peak RSS seen.
fn child_turns(
    runs: usize,
    ours: &[&str],
    ours_in: &str,
    peer: &[&str],
    dir: &Path,
) -> (Duration, Duration, Option<u64>, Option<u64>) {
    let f = dir.join("rss.txt");
    let (mut a, mut b, mut ra, mut rb) = (Vec::new(), Vec::new(), None, None);
    let one = |cmd: &[&str], input: &str, v: &mut Vec<Duration>, r: &mut Option<u64>| {
        let (t, rss) = run_child(cmd, input, &f);
        v.push(t);
        *r = (*r).max(rss);
    };
    // One warm-up each: the first exec reads the binary from disk.
    one(ours, ours_in, &mut Vec::new(), &mut None);
    one(peer, "", &mut Vec::new(), &mut None);
    for i in 0..runs {
        if i % 2 == 0 {
            one(ours, ours_in, &mut a, &mut ra);
            one(peer, "", &mut b, &mut rb);
        } else {
            one(peer, "", &mut b, &mut rb);
            one(ours, ours_in, &mut a, &mut ra);
        }
    }
    (median(&a), median(&b), ra, rb)
}

/// [`turns`] with the disk settled (`sync`, untimed) before every run:
/// `age` leaves its output for the kernel to write back, and that
/// writeback would otherwise land in the next export's fsync (casedesk
/// syncs what it writes; the `age` CLI does not, and is not charged for
/// it either way).
fn settled_turns(
    runs: usize,
    ours: impl FnMut(),
    peer: impl FnMut(),
) -> (Vec<Duration>, Vec<Duration>) {
    turns_between(runs, ours, peer, || {
        let _ = Command::new("sync").status();
    })
}

/// Rows 8a–8c: export to a recipient and restore, in this process, in
/// turns with `age -r` and `age -d` on the same bytes; then both exports as
/// whole processes, for their peak RSS.
fn backup_rows(t: &mut Table, manager: &mut office::Session, bin: &Path, db: &str, dir: &Path) {
    use age::secrecy::ExposeSecret;
    use casedesk::backup::{self, Encryption, Unlock};
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public();
    let key_file = dir.join("backup-key.txt");
    std::fs::write(&key_file, identity.to_string().expose_secret()).expect("key file");
    let key_s = key_file.to_string_lossy().into_owned();
    let r = recipient.to_string();
    let fresh = |name: &str| {
        let p = dir.join(name);
        let _ = std::fs::remove_file(&p);
        p
    };
    let age_cli = |args: &[&str]| {
        let out = Command::new("age").args(args).output().expect("age");
        assert!(out.status.success(), "age {args:?}");
    };
    let (a, b) = settled_turns(
        3,
        || {
            let out = fresh("ours.age");
            manager
                .export_backup(
                    &out,
                    &Encryption::Recipients(vec![recipient.clone()]),
                    &mut backup::no_progress(),
                )
                .expect("export");
        },
        || {
            let out = fresh("peer.age");
            age_cli(&["-r", &r, "-o", &out.to_string_lossy(), db]);
        },
    );
    t.medians(
        "8a",
        "backup export to a recipient (`Session::export_backup`: snapshot, counts, tar + age, hashing, read-back, fsync) vs `age -r` on the office file (median of 3; `sync` before each run)",
        &a,
        &b,
    );
    let backup_file = dir.join("ours.age");
    let (a, b) = settled_turns(
        3,
        || {
            let to = dir.join("restored");
            let _ = std::fs::remove_dir_all(&to);
            let unlock = Unlock::Identities(vec![Box::new(identity.clone())]);
            backup::restore(
                &backup_file,
                &casedesk::office::OfficePaths::new(to.join("office.casedesk")),
                &unlock,
                &mut backup::no_progress(),
            )
            .expect("restore");
        },
        || {
            let out = fresh("peer.out");
            age_cli(&[
                "-d",
                "-i",
                &key_s,
                "-o",
                &out.to_string_lossy(),
                &backup_file.to_string_lossy(),
            ]);
        },
    );
    t.medians(
        "8b",
        "restore of that backup (decrypt, check, write, fsync, rename) vs `age -d` of it (median of 3; `sync` before each run)",
        &a,
        &b,
    );
    let rss_file = dir.join("rss.txt");
    let ours_out = fresh("child.age");
    let (ta, ra) = run_child(
        &[
            &bin.to_string_lossy(),
            "--db",
            db,
            "--user",
            "manager",
            "backup",
            "export",
            "--out",
            &ours_out.to_string_lossy(),
            "--recipient",
            &r,
        ],
        "demo\n",
        &rss_file,
    );
    let peer_out = fresh("child-peer.age");
    let (tb, rb) = run_child(
        &["age", "-r", &r, "-o", &peer_out.to_string_lossy(), db],
        "",
        &rss_file,
    );
    t.processes(
        "8c",
        "… as whole processes: `casedesk backup export --recipient` (login included, with its scrypt unlock) vs `age -r` (one run)",
        (ta, ra),
        (tb, rb),
    );
    for f in [
        "ours.age",
        "peer.age",
        "peer.out",
        "child.age",
        "child-peer.age",
    ] {
        let _ = std::fs::remove_file(dir.join(f));
    }
    let _ = std::fs::remove_dir_all(dir.join("restored"));
}

fn mib(kib: Option<u64>) -> String {
    kib.map_or("n/a".into(), |k| format!("{} MiB", k / 1024))
}

// ---------------------------------------------------------------- the table

struct Table(String);

impl Table {
    fn new() -> Table {
        Table(
            "| # | figure | casedesk | peer (plain SQLite) | ratio | peak RSS (casedesk / peer) |\n\
             | --- | --- | ---: | ---: | ---: | --- |\n"
                .into(),
        )
    }

    /// A row of two sets of timings: their medians and the ratio.
    fn medians(&mut self, n: &str, what: &str, ours: &[Duration], peer: &[Duration]) {
        let (a, b) = (median(ours), median(peer));
        self.row(n, what, &ms(a), &ms(b), &ratio(a, b), "");
    }

    /// A row of two whole processes: (wall time, peak RSS in KiB) each.
    fn processes(
        &mut self,
        n: &str,
        what: &str,
        ours: (Duration, Option<u64>),
        peer: (Duration, Option<u64>),
    ) {
        let rss = format!("{} / {}", mib(ours.1), mib(peer.1));
        self.row(
            n,
            what,
            &ms(ours.0),
            &ms(peer.0),
            &ratio(ours.0, peer.0),
            &rss,
        );
    }

    fn row(&mut self, n: &str, what: &str, ours: &str, peer: &str, ratio: &str, rss: &str) {
        let _ = writeln!(
            self.0,
            "| {n} | {what} | {ours} | {peer} | {ratio} | {rss} |"
        );
        // Shown as it comes: a long run is followed on stderr.
        eprintln!("{n} {what}: {ours} | {peer} | {ratio} | {rss}");
    }
}

// ---------------------------------------------------------------- the office

/// The casedesk binary cargo built with this bench (the bench profile).
fn casedesk_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_casedesk"))
}

/// The office to measure, in `dir`: copied from `BENCH_DB`, or built.
fn office(dir: &Path, bin: &Path) -> OfficePaths {
    let paths = OfficePaths::new(dir.join("office.casedesk"));
    match std::env::var_os("BENCH_DB") {
        Some(from) if Path::new(&from).exists() => {
            let from = OfficePaths::new(from);
            eprintln!("copying {} …", from.db.display());
            std::fs::copy(&from.db, &paths.db).expect("copy office");
            std::fs::copy(&from.keys, &paths.keys).expect("copy key file");
            let mut wal = from.db.clone().into_os_string();
            wal.push("-wal");
            if Path::new(&wal).exists() {
                let mut to = paths.db.clone().into_os_string();
                to.push("-wal");
                std::fs::copy(&wal, to).expect("copy wal");
            }
        }
        _ => {
            eprintln!("building the {CHILDREN}-child demo office with the casedesk binary …");
            let t = Instant::now();
            let out = Command::new(bin)
                .arg("--db")
                .arg(&paths.db)
                .args(["demo", "--children", &CHILDREN.to_string()])
                .args(["--today", TODAY, "--no-open"])
                .output()
                .expect("casedesk demo");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            eprintln!("built in {:.1} s", t.elapsed().as_secs_f64());
        }
    }
    paths
}

fn file_mib(p: &Path) -> f64 {
    let mut total = 0;
    for s in ["", "-wal"] {
        let mut f = p.to_path_buf().into_os_string();
        f.push(s);
        total += std::fs::metadata(f).map_or(0, |m| m.len());
    }
    total as f64 / (1024.0 * 1024.0)
}

fn count(conn: &Connection, table: &str) -> i64 {
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .expect("count")
}

/// Rows in every table of our own (not the search index's, whose rows
/// are index pages, nor SQLite's).
fn total_rows(conn: &Connection) -> i64 {
    let mut st = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
             AND name NOT LIKE 'person_search%'",
        )
        .expect("tables");
    let names: Vec<String> = st
        .query_map([], |r| r.get(0))
        .expect("tables")
        .collect::<rusqlite::Result<_>>()
        .expect("tables");
    names.iter().map(|n| count(conn, n)).sum()
}

/// The plain copy: the same database, decrypted, through SQLCipher's own
/// export on a connection keyed with the master key. It is synthetic demo
/// data and lives only in the bench's temp dir, which is deleted at the
/// end, so an unencrypted copy is acceptable here (never of a real office).
fn export_plain(conn: &Connection, to: &Path) {
    // The office connection is opened without SQLITE_OPEN_CREATE, and an
    // ATTACH opens with its connection's flags: make the (empty) file first.
    std::fs::File::create(to).expect("plain file");
    let to = to.to_str().expect("utf-8 temp path").replace('\'', "''");
    // The export copies schema and rows, not the schema version.
    let version = store::user_version(conn).expect("user_version");
    conn.execute_batch(&format!(
        "ATTACH DATABASE '{to}' AS plain KEY '';
         SELECT sqlcipher_export('plain');
         PRAGMA plain.user_version = {version};
         DETACH DATABASE plain;"
    ))
    .expect("sqlcipher_export");
}

/// The plain copy opened as casedesk opens its office, minus the key.
fn open_plain(path: &Path) -> Connection {
    let mut c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("open plain");
    store::configure(&c).expect("configure plain");
    store::migrate(&mut c).expect("schema");
    c
}

// ---------------------------------------------------------------- the desk

fn key(app: &mut App, code: KeyCode) {
    app.handle_key(&KeyEvent::new(code, KeyModifiers::NONE));
}

fn text_of(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("backend");
    t.draw(|f| app.draw(f)).expect("draw");
    t.backend().to_string()
}

/// Tick the desk until `done` says so of its screen (a report is counted
/// off the UI thread).
fn settle(app: &mut App, done: impl Fn(&str) -> bool) {
    let end = Instant::now() + Duration::from_secs(300);
    while Instant::now() < end {
        app.tick(Instant::now());
        if done(&text_of(app, 80, 24)) {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("the desk did not settle:\n{}", text_of(app, 80, 24));
}

/// Mean and max of `n` frames of what the desk shows now, at w×h.
fn frames(app: &App, w: u16, h: u16, n: usize) -> (Duration, Duration) {
    let mut term = Terminal::new(TestBackend::new(w, h)).expect("backend");
    term.draw(|f| app.draw(f)).expect("draw");
    let mut v = Vec::with_capacity(n);
    for _ in 0..n {
        v.push(timed(|| term.draw(|f| app.draw(f)).expect("draw")).0);
    }
    let mean = v.iter().sum::<Duration>() / n as u32;
    (mean, v.into_iter().max().unwrap_or_default())
}

const FRAMES: usize = 200;

fn render_rows(t: &mut Table, paths: &OfficePaths, config_dir: &Path) {
    let mut app = App::new(
        paths.clone(),
        Some("manager".into()),
        Config::default(),
        Some(config_dir),
    );
    app.fix_clock(today().and_hms_opt(10, 30, 0).expect("time"));
    for c in "demo".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Enter);
    app.wait_idle(Duration::from_secs(60));
    assert!(app.is_logged_in(), "{}", text_of(&app, 80, 24));

    let mut shots: Vec<(&str, [(Duration, Duration); 2])> = Vec::new();
    let mut measure = |app: &App, name: &'static str| {
        let a = frames(app, 80, 24, FRAMES);
        let b = frames(app, 200, 60, FRAMES);
        shots.push((name, [a, b]));
    };

    // The register, then the first person's file from it.
    key(&mut app, KeyCode::Char('2'));
    measure(&app, "the register");
    key(&mut app, KeyCode::Enter);
    let file = text_of(&app, 80, 24);
    assert!(file.contains("CPC-"), "a person's file:\n{file}");
    measure(&app, "a person's file");
    key(&mut app, KeyCode::Esc);

    // Classes, Enter on the first class: its attendance sheet.
    key(&mut app, KeyCode::Char('4'));
    key(&mut app, KeyCode::Enter);
    let sheet = text_of(&app, 80, 24);
    assert!(
        sheet.contains("Attendance"),
        "an attendance sheet:\n{sheet}"
    );
    measure(&app, "an attendance sheet");
    key(&mut app, KeyCode::Esc);

    // Reports: this month's report, counted, on screen.
    key(&mut app, KeyCode::Char('8'));
    key(&mut app, KeyCode::Enter);
    settle(&mut app, |s| !s.contains("Counting the report"));
    measure(&app, "the Reports screen (this month's report)");

    for (name, [(m1, x1), (m2, x2)]) in shots {
        t.row(
            "4",
            &format!("frame of {name}: 80x24 mean / max · 200x60 mean / max ({FRAMES} frames)"),
            &format!("{} / {} · {} / {}", ms(m1), ms(x1), ms(m2), ms(x2)),
            "–",
            "–",
            "",
        );
    }
}

// ---------------------------------------------------------------- main

fn main() {
    let day = today();
    let _clock = casedesk::clock::fixed(day.and_hms_opt(10, 0, 0).expect("time"));
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path();
    let bin = casedesk_binary();
    let paths = office(dir, &bin);
    let office_mib = file_mib(&paths.db);
    let db = paths.db.to_str().expect("utf-8 temp path").to_string();
    let mut t = Table::new();

    // A raw connection (staff): counts, the export, the store functions.
    let mut raw = vault::login(&paths, "staff", &pw()).expect("login");
    let c = raw.conn();
    let people = count(c, "persons");
    let marks = count(c, "attendance");
    let services = count(c, "services");
    let placements = count(c, "placements");

    // Attendance set-up before the export, so both copies hold the class:
    // a new daily class with 40 people enrolled.
    let mut staff = office::login(&paths, "staff", &pw()).expect("login");
    let teacher = staff.account_named("staff").expect("staff").map(|u| u.id);
    let class = staff
        .add_class(&NewClass {
            kind: ClassKind::Literacy,
            name: "Scale bench class".into(),
            trade: String::new(),
            teacher_id: teacher,
            days: "daily".parse().expect("days"),
            starts_on: day - chrono::Duration::days(400),
            starts_at: None,
            ends_at: None,
            ends_on: None,
            room: String::new(),
        })
        .expect("class");
    let mut enrolled = 0;
    let mut id = 1;
    while enrolled < 40 {
        if staff
            .enrol(class, PersonId(id), day - chrono::Duration::days(365))
            .is_ok()
        {
            enrolled += 1;
        }
        id += 1;
    }

    let plain_path = dir.join("plain.db");
    let (export, ()) = timed(|| export_plain(raw.conn(), &plain_path));
    let plain_mib = file_mib(&plain_path);
    let mut plain = open_plain(&plain_path);
    eprintln!(
        "plain copy: {plain_mib:.1} MiB in {:.1} s",
        export.as_secs_f64()
    );
    let pages = |c: &Connection| -> String {
        // SQLCipher answers `page_size` on a keyed connection as text.
        let p = |name: &str| -> String {
            c.query_row(&format!("PRAGMA {name}"), [], |r| {
                Ok(match r.get_ref(0)? {
                    rusqlite::types::ValueRef::Integer(i) => i.to_string(),
                    v => String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into_owned(),
                })
            })
            .expect("pragma")
        };
        format!(
            "{} pages of {} bytes, {} free",
            p("page_count"),
            p("page_size"),
            p("freelist_count")
        )
    };
    let (office_pages, plain_pages) = (pages(raw.conn()), pages(&plain));
    let rows = total_rows(raw.conn());
    let plain_s = plain_path.to_str().expect("utf-8 temp path").to_string();

    // 1. Process start.
    let (a, b, ra, rb) = child_turns(
        20,
        &[&bin.to_string_lossy(), "--version"],
        "",
        &["sqlite3", "--version"],
        dir,
    );
    t.processes(
        "1a",
        "process start: `casedesk --version` vs `sqlite3 --version` (median of 20)",
        (a, ra),
        (b, rb),
    );
    let config_dir = dir.join("config");
    let login_screen: Vec<Duration> = (0..20)
        .map(|_| {
            timed(|| {
                let app = App::new(
                    paths.clone(),
                    Some("staff".into()),
                    Config::default(),
                    Some(&config_dir),
                );
                let mut term = Terminal::new(TestBackend::new(80, 24)).expect("backend");
                term.draw(|f| app.draw(f)).expect("draw");
            })
            .0
        })
        .collect();
    t.row(
        "1b",
        "in-process: the desk's state and its first frame, the login screen at 80x24 (median of 20)",
        &ms(median(&login_screen)),
        "–",
        "–",
        "",
    );
    let (a, b, ra, rb) = child_turns(
        5,
        &[
            &bin.to_string_lossy(),
            "--db",
            &db,
            "--user",
            "staff",
            "list",
            "children",
            "--programme",
            "wd",
            "--status",
            "closed",
            "--format",
            "csv",
        ],
        "demo\n",
        &[
            "sqlite3",
            &plain_s,
            // The statement `store::persons::each_register_row` runs for
            // this filter, its parameters written in.
            "SELECT p.id, p.case_number, p.name, p.father_name, p.sex, p.birth_date, \
             p.age_estimated, p.programme, p.status, p.risk, p.area, p.registered_on, \
             p.closure_reason FROM persons p WHERE programme = 'wd' AND status = 'closed' \
             ORDER BY programme, registered_on, id",
        ],
        dir,
    );
    t.processes(
        "1c",
        "a whole process that opens the office and lists the closed women's-desk cases as CSV (casedesk: password, scrypt unlock, open, audit entry) vs `sqlite3 plain.db` running the same SELECT (median of 5)",
        (a, ra),
        (b, rb),
    );

    let master = raw.master_key();
    // What 1c's process does after its login: count the rows, then list
    // them (`Session::export_register`), on a connection it has just
    // opened, so every page is read and decrypted once.
    let filter = persons::RegisterFilter {
        programme: Some(Programme::WomensDesk),
        status: Some(CaseStatus::Closed),
    };
    let list = |c: &Connection| {
        let n = persons::count_register(c, &filter).expect("count");
        let read = persons::each_register_row(c, &filter, day, |_| Ok(())).expect("list");
        assert_eq!(n, read);
    };
    let (a, b) = turns(
        10,
        || list(&store::open(&paths.db, master).expect("open")),
        || list(&open_plain(&plain_path)),
    );
    t.medians(
        "1d",
        "… 1c's listing in-process: `persons::count_register` + `each_register_row` (women's desk, closed) on a fresh connection, open included (median of 10)",
        &a,
        &b,
    );

    // 2. Login, and the scrypt unlock inside it.
    let keys = vault::read_key_file(&paths).expect("key file");
    let slot = keys
        .users
        .iter()
        .find(|s| s.name == "staff")
        .expect("staff slot");
    // Taking turns, so the two are measured under the same load.
    let (login, unlock) = turns(
        5,
        || drop(office::login(&paths, "staff", &pw()).expect("login")),
        || drop(crypto::open_identity(slot, &pw()).expect("unlock")),
    );
    t.row(
        "2a",
        "login as `office::login` does it (median of 5)",
        &ms(median(&login)),
        "–",
        "–",
        "",
    );
    t.row(
        "2b",
        &format!(
            "… of which the deliberate scrypt unlock of the slot (log_n {}, calibrated to ~0.5 s when written)",
            slot.log_n
        ),
        &ms(median(&unlock)),
        "–",
        "–",
        "",
    );
    let (a, b) = turns(
        10,
        || drop(store::open(&paths.db, master).expect("open")),
        || drop(open_plain(&plain_path)),
    );
    t.medians(
        "2c",
        "… of which opening the file: key, pragmas, first read, schema check (`store::open`) vs the same without a key (median of 10)",
        &a,
        &b,
    );

    // 3. Register search per keystroke: the same function on both.
    let first_page = casedesk::ui::screens::register::FIRST_PAGE;
    for typed in ["a", "al", "ali", "ali k", "ali kh", "khan", "CPC-2026-004"] {
        let q = search::RegisterQuery {
            text: typed.into(),
            limit: first_page,
            ..Default::default()
        };
        let enc = raw.conn();
        let (a, b) = turns(
            40,
            || {
                search::register(enc, &q, day).expect("search");
            },
            || {
                search::register(&plain, &q, day).expect("search");
            },
        );
        t.row(
            "3",
            &format!(
                "register search, `{typed}` (first {first_page} rows + count): p50 / p95 of 40"
            ),
            &p50_p95(&a),
            &p50_p95(&b),
            &ratio(median(&a), median(&b)),
            "",
        );
    }

    // The first search on a fresh connection: nothing in its page cache
    // (the OS's file cache is warm for both), so every page it needs is
    // read again, and on the office decrypted and checked.
    for typed in ["a", "ali kh", "CPC-2026-004"] {
        let q = search::RegisterQuery {
            text: typed.into(),
            limit: first_page,
            ..Default::default()
        };
        let (a, b) = turns(
            20,
            || {
                let c = store::open(&paths.db, master).expect("open");
                search::register(&c, &q, day).expect("search");
            },
            || {
                let c = open_plain(&plain_path);
                search::register(&c, &q, day).expect("search");
            },
        );
        t.row(
            "3c",
            &format!(
                "first search on a fresh connection (cold page cache), `{typed}`, open included: p50 / p95 of 20"
            ),
            &p50_p95(&a),
            &p50_p95(&b),
            &ratio(median(&a), median(&b)),
            "",
        );
    }

    // 4. Frames.
    render_rows(&mut t, &paths, &config_dir);

    // 5. Saving a session of 40.
    let sheet_changes = |conn: &Connection, on: NaiveDate| -> Vec<MarkChange> {
        all_present(&attendance::sheet(conn, class, on).expect("sheet").rows)
    };
    let mut on = day - chrono::Duration::days(300);
    let office_save: Vec<Duration> = (0..9)
        .map(|_| {
            on += chrono::Duration::days(1);
            let changes = all_present(&staff.attendance_sheet(class, on).expect("sheet").rows);
            timed(|| {
                staff
                    .save_attendance(class, on, &changes, true)
                    .expect("save")
            })
            .0
        })
        .collect();
    t.row(
        "5a",
        "save an attendance session of 40 through the office layer (`Session::save_attendance`: role, one transaction, audit entry; median of 9)",
        &ms(median(&office_save)),
        "–",
        "–",
        "",
    );
    let user_id = raw.user.id;
    let (mut on_a, mut on_b) = (on, on);
    let save = |conn: &mut Connection, on: NaiveDate| {
        let changes = sheet_changes(conn, on);
        let tx = store::write_tx(conn).expect("tx");
        let s = attendance::ensure_session(&tx, class, on, false).expect("session");
        let saved = attendance::save_marks(&tx, s, on, class, &changes, user_id).expect("marks");
        assert_eq!(saved.saved, 40);
        tx.commit().expect("commit");
    };
    let (a, b) = turns(
        9,
        || {
            on_a += chrono::Duration::days(1);
            save(raw.conn_mut(), on_a);
        },
        || {
            on_b += chrono::Duration::days(1);
            save(&mut plain, on_b);
        },
    );
    t.medians(
        "5b",
        "… the same store calls (sheet, `ensure_session`, `save_marks`, commit with `synchronous = FULL`) on both (median of 9)",
        &a,
        &b,
    );
    drop(staff);

    // 6. A year's report.
    let mut manager = office::login(&paths, "manager", &pw()).expect("login");
    let period = Period::new(
        "2025-11-01".parse().expect("date"),
        "2026-10-31".parse().expect("date"),
    )
    .expect("period");
    manager.report(period, false).expect("warm-up report");
    reset_peak();
    let reports: Vec<Duration> = (0..3)
        .map(|_| timed(|| manager.report(period, false).expect("report")).0)
        .collect();
    let report_peak = peak_mib();
    t.row(
        "6a",
        "a year's full report (`Session::report`, both periods on two connections; median of 3 after a warm-up)",
        &ms(median(&reports)),
        "–",
        "–",
        &format!("{report_peak} (this process's peak during the runs)"),
    );
    let (a, ra) = run_child(
        &[
            &bin.to_string_lossy(),
            "--db",
            &db,
            "--user",
            "manager",
            "report",
            "--from",
            "2025-11-01",
            "--to",
            "2026-10-31",
        ],
        "demo\n",
        &dir.join("rss.txt"),
    );
    t.row(
        "6b",
        "… as a whole process: `casedesk report --from 2025-11-01 --to 2026-10-31` (login included; one run)",
        &ms(a),
        "–",
        "–",
        &mib(ra),
    );

    // 7. The integrity check.
    let (a, b) = turns(
        3,
        || {
            let problems = manager.check().expect("check");
            assert!(problems.is_empty(), "{problems:?}");
        },
        || {
            let ok: String = plain
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .expect("integrity_check");
            assert_eq!(ok, "ok");
        },
    );
    t.medians(
        "7a",
        "`check` as `Session::check` runs it (`cipher_integrity_check` + `integrity_check` + key file) vs `PRAGMA integrity_check` on the plain copy (median of 3)",
        &a,
        &b,
    );
    let pragma = |conn: &Connection, p: &str| {
        let mut st = conn.prepare(p).expect("pragma");
        let rows: Vec<String> = st
            .query_map([], |r| r.get(0))
            .expect("pragma")
            .collect::<rusqlite::Result<_>>()
            .expect("pragma");
        rows
    };
    let (a, b) = turns(
        3,
        || drop(pragma(raw.conn(), "PRAGMA cipher_integrity_check")),
        || drop(pragma(raw.conn(), "PRAGMA integrity_check")),
    );
    t.row(
        "7b",
        "… its two halves on the encrypted office: `cipher_integrity_check` (casedesk column) and `integrity_check` (peer column; median of 3)",
        &ms(median(&a)),
        &ms(median(&b)),
        "–",
        "",
    );
    let (a, b, ra, rb) = child_turns(
        1,
        &[
            &bin.to_string_lossy(),
            "--db",
            &db,
            "--user",
            "manager",
            "check",
        ],
        "demo\n",
        &["sqlite3", &plain_s, "PRAGMA integrity_check"],
        dir,
    );
    t.processes(
        "7c",
        "… as whole processes: `casedesk check` (login included) vs `sqlite3 plain.db 'PRAGMA integrity_check'` (one run after a warm-up)",
        (a, ra),
        (b, rb),
    );

    // 8. Backups against the `age` CLI on the office file (the backup
    // bench has more: passphrase, a held WAL, verify).
    if Command::new("age").arg("--version").output().is_ok() {
        backup_rows(&mut t, &mut manager, &bin, &db, dir);
    } else {
        t.row(
            "8",
            "backup export and restore: no `age` CLI here",
            "–",
            "–",
            "–",
            "",
        );
    }

    drop(manager);
    drop(raw);
    drop(plain);
    let rss_note = if Path::new(TIME).exists() {
        "child processes' peak RSS from `/usr/bin/time -f %M`"
    } else {
        "no /usr/bin/time here: child processes' peak RSS not measured"
    };
    println!(
        "## At scale, side by side\n\n\
         `cargo bench --bench scale` (`BENCH_DB=…` copies an office instead of building one). \
         The office: {office_mib:.1} MiB ({office_pages}); {rows} rows in all: {people} people, \
         {marks} attendance marks, {services} services, {placements} placements. The peer: \
         the same data exported by `sqlcipher_export` to a plain SQLite file ({plain_mib:.1} MiB, \
         {plain_pages}; {:.1} s to export), \
         opened with the same pragmas. Casedesk and the peer take turns, run by run; {rss_note}.\n\n{}",
        export.as_secs_f64(),
        t.0
    );
}
