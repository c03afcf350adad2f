//! The Backup screen, the automatic backup after login (or on exit) and the
//! home page's stale-backup warning: snapshots at 80x24 (TestBackend +
//! insta) and behaviour, on real demo offices in temp dirs built on the
//! demo day, the desk's clock fixed to it.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use casedesk::config::{BackupWhen, Config};
use casedesk::office::OfficePaths;
use casedesk::office::backup::{self, AutoSettings, DataKey, Progress, Stage, Unlock};
use casedesk::ui::App;
use casedesk::ui::screen::{Screen, ScreenCtx, ScreenId};
use casedesk::ui::screens::backup::{BackupScreen, Task};
use casedesk::ui::theme::Theme;
use common::{Office, demo_day, demo_now, fix_clock, secret};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const PASSPHRASE: &str = "a long backup passphrase";

fn app_with(office: &Office, config: Config) -> App {
    let config_dir = office.dir.path().join("config");
    let mut app = App::new(
        office.paths.clone(),
        Some("manager".into()),
        config,
        Some(&config_dir),
    );
    app.fix_clock(demo_now());
    app
}

fn key(app: &mut App, code: KeyCode) {
    app.handle_key(&KeyEvent::new(code, KeyModifiers::NONE));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// Empty the focused field (it may hold a suggested value).
fn clear_field(app: &mut App) {
    key(app, KeyCode::End);
    for _ in 0..300 {
        key(app, KeyCode::Backspace);
    }
}

fn settle(app: &mut App) {
    app.wait_idle(Duration::from_secs(60));
}

fn screen(app: &App) -> String {
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("backend");
    t.draw(|f| app.draw(f)).expect("draw");
    t.backend().to_string()
}

fn logged_in(office: &Office, config: Config) -> App {
    let mut app = app_with(office, config);
    typed(&mut app, "demo");
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    assert!(app.is_logged_in(), "{}", screen(&app));
    app
}

fn backup_screen(office: &Office) -> App {
    let mut app = logged_in(office, Config::default());
    key(&mut app, KeyCode::Char('9'));
    assert_eq!(app.current_screen(), Some(ScreenId::Backup));
    app
}

/// Snapshot with what truly varies masked: the temp dir's random name,
/// and when a backup made from the screen was written (the export runs on
/// a worker thread, on the real clock). Everything else, counts and the
/// demo day's dates included, is shown as drawn. Widths stay as drawn.
macro_rules! snap {
    ($name:literal, $text:expr) => {{
        let mut settings = insta::Settings::clone_current();
        settings.add_filter(r"tmp[A-Za-z0-9_]{6}", "tmpXXXXXX");
        settings.add_filter(
            r"(Last good backup: |made )\d\d/\d\d/\d{4}",
            "${1}DD/MM/YYYY",
        );
        settings.add_filter(r"\b\d\d:\d\d\b", "hh:mm");
        settings.bind(|| insta::assert_snapshot!($name, $text));
    }};
}

fn no_backup_files(dir: &Path) -> Vec<PathBuf> {
    common::walk(dir)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("restored"))
        .collect()
}

#[test]
fn export_verify_and_restore_from_the_screen() {
    let _clock = fix_clock();
    let office = Office::demo(20);
    let dir = office.dir.path().to_path_buf();
    let mut app = backup_screen(&office);
    snap!("backup_idle", screen(&app));

    // Export to a passphrase, into the suggested file.
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Tab);
    typed(&mut app, PASSPHRASE);
    key(&mut app, KeyCode::Tab);
    typed(&mut app, PASSPHRASE);
    key(&mut app, KeyCode::Tab);
    let form = screen(&app);
    assert!(form.contains("casedesk-export-2026-11-23.age"), "{form}");
    assert!(!form.contains(PASSPHRASE), "{form}");
    snap!("backup_export_form", form);
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    let done = screen(&app);
    assert!(done.contains("Backup written"), "{done}");
    let file = dir.join("casedesk-export-2026-11-23.age");
    let report = backup::verify(
        &file,
        &Unlock::Passphrase(secret(PASSPHRASE)),
        DataKey::None,
        &mut backup::no_progress(),
    )
    .expect("the engine accepts the screen's export");
    assert!(report.manifest.counts.values().any(|n| *n > 0));

    // Esc closes the result, back to the screen's own menu: it does not
    // leave the screen (where the next keys would open something else).
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.current_screen(), Some(ScreenId::Backup));
    let menu = screen(&app);
    assert!(!menu.contains("Backup written"), "{menu}");
    assert!(menu.contains("▸ Export a backup"), "{menu}");

    // Verify it from the screen: the file just written is offered.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    let offered = screen(&app);
    assert!(
        offered.contains("casedesk-export-2026-11-23.age"),
        "{offered}"
    );
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    typed(&mut app, PASSPHRASE);
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    let verified = screen(&app);
    assert!(verified.contains("Backup verified"), "{verified}");
    assert!(verified.contains("integrity checks pass"), "{verified}");
    // What the backup holds, in words, not the store's table names.
    assert!(verified.contains("head counts at activities"), "{verified}");
    assert!(!verified.contains("activity_counts"), "{verified}");
    snap!("backup_verified", verified);

    // Restore with a wrong passphrase: a plain message, nothing created.
    let target = dir.join("restored").join("office.casedesk");
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    typed(&mut app, &file.display().to_string());
    key(&mut app, KeyCode::Tab);
    typed(&mut app, &target.display().to_string());
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "not the passphrase");
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    let wrong = screen(&app);
    assert!(
        wrong.contains("The passphrase does not open this backup"),
        "{wrong}"
    );
    assert!(!wrong.contains("not the passphrase"), "{wrong}");
    assert!(
        no_backup_files(&dir).is_empty(),
        "{:?}",
        no_backup_files(&dir)
    );

    // Into the office's own file: the engine refuses, beside the field.
    key(&mut app, KeyCode::BackTab);
    key(&mut app, KeyCode::BackTab);
    clear_field(&mut app);
    typed(&mut app, &office.paths.db.display().to_string());
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    typed(&mut app, PASSPHRASE);
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    let refused = screen(&app);
    assert!(refused.contains("Already there"), "{refused}");
    assert!(refused.contains("overwrite"), "{refused}");
    snap!("backup_restore_refused", refused);

    // Into a new path: done, and the usual password opens it.
    clear_field(&mut app);
    typed(&mut app, &target.display().to_string());
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    clear_field(&mut app);
    typed(&mut app, PASSPHRASE);
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    let restored = screen(&app);
    assert!(restored.contains("Backup restored"), "{restored}");
    assert!(restored.contains("casedesk --db"), "{restored}");
    let restored = casedesk::vault::login(&OfficePaths::new(&target), "manager", &secret("demo"))
        .expect("the restored office opens with the usual password");
    let people = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row("SELECT count(*) FROM persons", [], |r| r.get(0))
            .expect("count")
    };
    assert_eq!(
        people(restored.conn()),
        people(office.raw("manager", "demo").conn())
    );
}

#[test]
fn export_to_the_office_keys_and_set_up_automatic_backups() {
    let _clock = fix_clock();
    let office = Office::demo(10);
    let dir = office.dir.path().to_path_buf();
    let folder = dir.join("auto");
    std::fs::create_dir(&folder).expect("folder");
    let id = age::x25519::Identity::generate();
    let public = id.to_public().to_string();
    let mut app = backup_screen(&office);

    // Automatic backups: on, with the folder and the key.
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Tab);
    typed(&mut app, &folder.display().to_string());
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "not-a-key");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    assert!(text.contains("Not an age public key"), "{text}");
    clear_field(&mut app);
    typed(&mut app, &public);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    assert!(text.contains("Automatic backups are on"), "{text}");
    assert!(
        text.contains("Automatic: on, after the day's first login"),
        "{text}"
    );
    let settings = office
        .login("manager", "demo")
        .auto_backup_settings()
        .expect("settings")
        .expect("on");
    assert_eq!(settings.recipients, vec![public.clone()]);

    // Export: the office's key is offered first.
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Enter);
    let form = screen(&app);
    assert!(form.contains("recipient keys"), "{form}");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    settle(&mut app);
    let done = screen(&app);
    assert!(done.contains("Backup written"), "{done}");
    let file = folder.join("casedesk-export-2026-11-23.age");
    assert!(!backup::needs_passphrase(&file).expect("header"));
    backup::verify(
        &file,
        &Unlock::Identities(vec![Box::new(id)]),
        DataKey::None,
        &mut backup::no_progress(),
    )
    .expect("head office's key opens it");
}

#[test]
fn progress_bar_while_exporting() {
    let _clock = fix_clock();
    let office = Office::demo(10);
    let mut session = office.login("manager", "demo");
    let theme = Theme::default();
    let mut s = BackupScreen::new();
    s.set_config(&Config::default());
    s.refresh(&mut ScreenCtx {
        session: &mut session,
        today: demo_day(),
        theme: &theme,
    })
    .expect("refresh");
    s.show_progress(
        Task::Export,
        Progress {
            stage: Stage::Encrypting,
            done: 3 << 20,
            total: 8 << 20,
        },
    );
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("backend");
    t.draw(|f| s.render(f.area(), f.buffer_mut(), &theme))
        .expect("draw");
    let text = t.backend().to_string();
    assert!(text.contains("Step 3 of 4: encrypting"), "{text}");
    assert!(text.contains("37%"), "{text}");
    snap!("backup_progress", text);
}

#[test]
fn home_warns_when_the_last_backup_is_old() {
    let _clock = fix_clock();
    let office = Office::demo(10);
    casedesk::store::meta::set(
        office.raw("manager", "demo").conn(),
        "backup.last_good",
        "2026-11-14T10:00:00Z",
    )
    .expect("set");
    let app = logged_in(&office, Config::default());
    let text = screen(&app);
    let line = "Last backup 9 days ago — make one from Backup";
    assert!(text.contains(line), "{text}");
    // In the warning style.
    let mut t = Terminal::new(TestBackend::new(80, 24)).expect("backend");
    t.draw(|f| app.draw(f)).expect("draw");
    let buf = t.backend().buffer();
    let y = (0..24)
        .find(|&y| {
            (0..80)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
                .contains("Last backup")
        })
        .expect("the line");
    let x = (0..80)
        .find(|&x| buf[(x, y)].symbol() == "L")
        .expect("start");
    assert_eq!(buf[(x, y)].fg, app.theme().warning.fg.unwrap_or_default());
    snap!("home_backup_warning", text);

    // A recent one: no warning.
    casedesk::store::meta::set(
        office.raw("manager", "demo").conn(),
        "backup.last_good",
        "2026-11-20T10:00:00Z",
    )
    .expect("set");
    let text = screen(&logged_in(&office, Config::default()));
    assert!(!text.contains("days ago"), "{text}");
    assert!(text.contains("Last good backup:"), "{text}");
}

fn auto_on(office: &Office) -> PathBuf {
    let folder = office.dir.path().join("auto");
    std::fs::create_dir_all(&folder).expect("folder");
    office
        .login("manager", "demo")
        .configure_auto_backup(Some(AutoSettings {
            enabled: true,
            folder: folder.clone(),
            recipients: vec![age::x25519::Identity::generate().to_public().to_string()],
            keep: 14,
        }))
        .expect("configure");
    folder
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .expect("read dir")
        .flatten()
        .map(|e| e.path())
        .collect()
}

#[test]
fn automatic_backup_after_the_days_first_login_only() {
    let _clock = fix_clock();
    let office = Office::demo(10);
    let folder = auto_on(&office);
    let app = logged_in(&office, Config::default());
    assert_eq!(files_in(&folder).len(), 1, "{:?}", files_in(&folder));
    let text = screen(&app);
    assert!(text.contains("automatic backup is written"), "{text}");
    drop(app);
    // Someone else logs in the same day: nothing more.
    let app = logged_in(&office, Config::default());
    assert_eq!(files_in(&folder).len(), 1, "{:?}", files_in(&folder));
    assert!(!screen(&app).contains("automatic backup"));
}

#[test]
fn automatic_backup_failure_is_a_status_message() {
    let _clock = fix_clock();
    let office = Office::demo(10);
    let folder = auto_on(&office);
    std::fs::remove_dir(&folder).expect("the stick is out");
    let app = logged_in(&office, Config::default());
    let text = screen(&app);
    assert!(text.contains("The automatic backup failed"), "{text}");
    assert_eq!(app.current_screen(), Some(ScreenId::Home));
}

#[test]
fn automatic_backup_on_exit() {
    let _clock = fix_clock();
    let office = Office::demo(10);
    let folder = auto_on(&office);
    let mut config = Config::default();
    config.auto_backup.when = BackupWhen::Exit;
    let mut app = logged_in(&office, config);
    assert!(files_in(&folder).is_empty());
    key(&mut app, KeyCode::Char('q'));
    assert!(screen(&app).contains("Quit casedesk?"));
    key(&mut app, KeyCode::Char('y'));
    assert!(!app.should_quit());
    assert!(screen(&app).contains("Writing the daily backup"));
    settle(&mut app);
    assert!(app.should_quit());
    assert_eq!(files_in(&folder).len(), 1);
}

#[test]
fn a_short_passphrase_is_refused_and_never_shown() {
    let _clock = fix_clock();
    // Too short: the rule beside the field, nothing written, never shown.
    let office = Office::demo(5);
    let mut app = backup_screen(&office);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "short");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "short");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Enter);
    let text = screen(&app);
    assert!(text.contains("at least 8 characters"), "{text}");
    assert!(!text.contains("short"), "{text}");
    assert!(
        !files_in(office.dir.path())
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "age"))
    );
}
