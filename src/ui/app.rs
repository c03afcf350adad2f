//! The desk's state and its one update path: key → [`Action`] (keymap) →
//! [`App::handle_key`] → store calls in a screen → new state →
//! [`App::draw`].
//!
//! The shell owns what every screen shares: the session, the menu and
//! number keys, the command palette, help, the status line, the idle lock,
//! the panic key and the "leave without saving?" question. A screen (see
//! [`Screen`]) gets the session through [`ScreenCtx`] in `refresh` and
//! `handle`, and only draws in `render`.
//!
//! Slow password work (login, unlock, creating an office) runs on a worker
//! thread; the page says "Opening…" and the loop keeps drawing.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::time::{Duration, Instant};

use age::secrecy::SecretString;
use chrono::{Local, NaiveDate, NaiveDateTime};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget, Wrap};

use crate::config::{BackupWhen, Config};
use crate::office::{self, OfficePaths, RecoveryKey, Session};
use crate::safe_text::{Align, fit, sanitize};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, Keymap, stacks};
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::screens::lock::{BlindEntry, LockReason, LockScreen};
use crate::ui::screens::login::LoginScreen;
use crate::ui::screens::setup::SetupScreen;
use crate::ui::screens::{self, login::LoginEvent, setup::SetupEvent};
use crate::ui::theme::{Theme, ThemeSet};
use crate::ui::widgets::blank::BlankPage;
use crate::ui::widgets::dialog::{ConfirmDialog, DialogOutcome, MessagePopup};
use crate::ui::widgets::help::HelpOverlay;
use crate::ui::widgets::palette::{Palette, PaletteEvent};
use crate::ui::words::capitalise;
use crate::{Error, Result};

/// Width of the menu column (hidden below [`MENU_MIN_WIDTH`] columns).
const MENU_W: u16 = 15;
const MENU_MIN_WIDTH: u16 = 70;
/// Screens kept for "back" (e.g. the register behind a person's file).
const HISTORY: usize = 8;

/// Result of work done off the UI thread.
enum Work {
    Login(Result<Session>),
    Setup(Result<(Session, RecoveryKey)>),
    Unlock(Result<bool>),
    /// The day's automatic backup, written on the way out.
    ExitBackup(Result<Option<PathBuf>>),
}

/// Where the user is.
enum Mode {
    Setup(Box<SetupScreen>, Box<Option<Session>>),
    Login(Box<LoginScreen>),
    Desk(Box<Desk>),
}

struct Desk {
    session: Session,
    office: String,
    screen: Box<dyn Screen>,
    history: Vec<Box<dyn Screen>>,
    overlay: Option<Overlay>,
    guard: Option<Guard>,
}

impl Desk {
    /// Before a lock or blank: every screen drops what it only shows.
    fn forget_shown(&mut self) {
        self.screen.on_lock();
        for s in &mut self.history {
            s.on_lock();
        }
    }
}

enum Overlay {
    Help(HelpOverlay),
    Palette(Palette<Target>),
    Message(MessagePopup),
    Leave(ConfirmDialog, Leave),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leave {
    Quit,
    Go(ScreenId),
}

/// What a palette entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Screen(ScreenId),
    Action(Action),
}

/// What hides the desk.
enum Guard {
    Locked(Box<LockScreen>),
    Blank(BlindEntry),
}

/// A line for the status bar.
#[derive(Debug, Clone)]
struct Status {
    text: String,
    error: bool,
}

/// The whole desk.
pub struct App {
    paths: OfficePaths,
    keymap: Keymap,
    theme: Theme,
    config: Config,
    fixed_now: Option<NaiveDateTime>,
    mode: Mode,
    pending: Option<Receiver<Work>>,
    status: Option<Status>,
    quit: bool,
    last_key: Instant,
    /// The automatic backup after login, running off the UI thread.
    auto_backup: Option<Receiver<Result<Option<PathBuf>>>>,
    /// The backup on the way out was tried already (it failed once: the
    /// next quit just quits).
    exit_backup_tried: bool,
}

impl App {
    /// A desk on `paths`: the set-up page if there is no office file yet,
    /// else the login page with `user` filled in. Keymap and theme come
    /// from `config_dir` (partial overlays of the built-in ones); problems
    /// in those files show on the status line.
    pub fn new(
        paths: OfficePaths,
        user: Option<String>,
        config: Config,
        config_dir: Option<&Path>,
    ) -> App {
        let mut problems = Vec::new();
        let (mut keymap, p) = Keymap::load(config_dir);
        problems.extend(p);
        if let Err(e) = keymap.set_panic_key(&config.panic_key) {
            problems.push(format!("panic_key: {e}"));
        }
        let (themes, p) = ThemeSet::load(config_dir);
        problems.extend(p);
        let theme = themes.get(&config.theme).unwrap_or_else(|| {
            problems.push(format!(
                "There is no theme called \"{}\" (known: {}); using the default.",
                config.theme,
                themes.names().join(", ")
            ));
            Theme::default()
        });
        let place = paths
            .db
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let user = user.filter(|u| !u.trim().is_empty());
        let mode = if paths.any_exists() {
            Mode::Login(Box::new(LoginScreen::new(user.as_deref(), &place)))
        } else {
            Mode::Setup(
                Box::new(SetupScreen::new(user.as_deref(), &place)),
                Box::new(None),
            )
        };
        let status = (!problems.is_empty()).then(|| Status {
            text: problems.join(" "),
            error: true,
        });
        App {
            paths,
            keymap,
            theme,
            config,
            fixed_now: None,
            mode,
            pending: None,
            status,
            quit: false,
            last_key: Instant::now(),
            auto_backup: None,
            exit_backup_tried: false,
        }
    }

    /// Fix the clock (dates on screens, the blank page's time), for
    /// snapshots and demonstrations.
    pub fn fix_clock(&mut self, now: NaiveDateTime) {
        self.fixed_now = Some(now);
    }

    fn now(&self) -> NaiveDateTime {
        self.fixed_now.unwrap_or_else(|| Local::now().naive_local())
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date()
    }

    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// True while password work runs off the UI thread.
    pub fn is_busy(&self) -> bool {
        self.pending.is_some()
    }

    /// True once a user is logged in (the desk is open, locked or not).
    pub fn is_logged_in(&self) -> bool {
        matches!(self.mode, Mode::Desk(_))
    }

    /// True while the lock page or the blank page hides the desk.
    pub fn is_locked(&self) -> bool {
        matches!(&self.mode, Mode::Desk(d) if d.guard.is_some())
    }

    /// The screen shown (under any overlay), once logged in.
    pub fn current_screen(&self) -> Option<ScreenId> {
        match &self.mode {
            Mode::Desk(d) => Some(d.screen.id()),
            _ => None,
        }
    }

    /// The keymap contexts in force now, most specific first.
    pub fn context_stack(&self) -> &'static [Context] {
        match &self.mode {
            Mode::Setup(s, _) => s.context_stack(),
            Mode::Login(l) => l.context_stack(),
            Mode::Desk(d) => match (&d.guard, &d.overlay) {
                (Some(Guard::Locked(l)), _) => l.context_stack(),
                (Some(Guard::Blank(_)), _) => stacks::TEXT,
                (None, Some(Overlay::Help(_))) => stacks::HELP,
                (None, Some(Overlay::Palette(p))) => p.context_stack(),
                (None, Some(Overlay::Message(_) | Overlay::Leave(..))) => stacks::DIALOG,
                (None, None) => d.screen.context_stack(),
            },
        }
    }

    /// One key from the terminal (only presses count).
    pub fn handle_key(&mut self, ev: &KeyEvent) {
        let input = self.keymap.resolve(self.context_stack(), ev);
        if input == Input::None {
            return;
        }
        self.last_key = Instant::now();
        self.handle_input(input);
    }

    /// One resolved key.
    pub fn handle_input(&mut self, input: Input) {
        let now = Instant::now();
        // A message stays on the status line until the next key.
        self.status = None;
        if self.pending.is_some() {
            // Only the panic key works while a password is being checked.
            if input == Input::Action(Action::PanicBlank) {
                self.blank();
            }
            return;
        }
        if input == Input::Action(Action::Quit) && !self.is_logged_in() {
            self.quit = true;
            return;
        }
        match &mut self.mode {
            Mode::Setup(screen, session) => {
                if session.is_some() {
                    if let SetupEvent::Done = screen.handle(input, now) {
                        if let Some(s) = session.take() {
                            self.enter_desk(s);
                        }
                    }
                    return;
                }
                if let SetupEvent::Create {
                    office,
                    user,
                    password,
                } = screen.handle(input, now)
                {
                    let paths = self.paths.clone();
                    self.spawn(move || {
                        Work::Setup(office::create_office(&paths, &office, &user, &password))
                    });
                }
            }
            Mode::Login(screen) => {
                if let LoginEvent::Submit(name, pw) = screen.handle(input, now) {
                    let paths = self.paths.clone();
                    tracing::info!("login.try");
                    self.spawn(move || Work::Login(office::login(&paths, &name, &pw)));
                }
            }
            Mode::Desk(_) => self.desk_input(input, now),
        }
    }

    fn spawn(&mut self, work: impl FnOnce() -> Work + Send + 'static) {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(work());
        });
        self.pending = Some(rx);
    }

    /// Time passes: finished background work, count-downs, the idle lock.
    pub fn tick(&mut self, now: Instant) {
        if let Some(rx) = &self.pending {
            match rx.try_recv() {
                Ok(work) => {
                    self.pending = None;
                    self.finish(work, now);
                }
                Err(TryRecvError::Empty) => {}
                Err(TryRecvError::Disconnected) => {
                    self.pending = None;
                    self.finish(
                        Work::Unlock(Err(Error::invalid("the check stopped unexpectedly"))),
                        now,
                    );
                }
            }
        }
        self.tick_backups();
        match &mut self.mode {
            Mode::Login(l) => l.tick(now),
            Mode::Desk(d) => match &mut d.guard {
                Some(Guard::Locked(l)) => l.tick(now),
                Some(Guard::Blank(_)) => {}
                None => {
                    let idle = Duration::from_secs(u64::from(self.config.idle_lock_minutes) * 60);
                    if now.saturating_duration_since(self.last_key) >= idle {
                        self.lock(LockReason::Idle(self.config.idle_lock_minutes));
                    }
                }
            },
            Mode::Setup(..) => {}
        }
    }

    /// Block until background work is done (at most `limit`), then apply
    /// it. The event loop never calls this; scripts and tests do.
    pub fn wait_idle(&mut self, limit: Duration) {
        let end = Instant::now() + limit;
        while (self.pending.is_some() || self.backup_running()) && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(5));
            self.tick(Instant::now());
        }
    }

    fn finish(&mut self, work: Work, now: Instant) {
        match work {
            Work::Login(Ok(session)) => {
                self.enter_desk(session);
                if self.config.auto_backup.when == BackupWhen::Login {
                    self.start_auto_backup();
                }
            }
            Work::Login(Err(e)) => {
                tracing::info!("login.failed");
                if let Mode::Login(l) = &mut self.mode {
                    l.failed(&e, now);
                }
            }
            Work::Setup(Ok((session, key))) => {
                tracing::info!("office.created");
                if let Mode::Setup(s, slot) = &mut self.mode {
                    s.created(key);
                    **slot = Some(session);
                }
            }
            Work::Setup(Err(e)) => {
                if let Mode::Setup(s, _) = &mut self.mode {
                    s.failed(&e);
                }
            }
            Work::Unlock(result) => self.unlocked(result, now),
            Work::ExitBackup(result) => {
                self.exit_backup_tried = true;
                match result {
                    Ok(_) => self.do_quit(),
                    Err(e) => {
                        tracing::warn!(code = e.exit_code(), "backup.auto.failed");
                        self.status = Some(Status {
                            text: format!(
                                "The daily backup was not written: {}. Quit again to leave anyway.",
                                e
                            ),
                            error: true,
                        });
                    }
                }
            }
        }
    }

    /// An automatic backup on the worker: is it due (the office has them
    /// on)? Then a second connection for the same login runs it.
    fn auto_backup_job(&self) -> Option<impl FnOnce() -> Result<Option<PathBuf>> + Send + 'static> {
        let Mode::Desk(desk) = &self.mode else {
            return None;
        };
        match desk.session.auto_backup_settings() {
            Ok(Some(s)) if s.enabled => {}
            _ => return None,
        }
        let config = self.config.clone();
        let worker = desk.session.worker();
        Some(move || worker?.auto_backup_if_due(&config))
    }

    /// After a login: the day's automatic backup, off the UI thread.
    fn start_auto_backup(&mut self) {
        let Some(job) = self.auto_backup_job() else {
            return;
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(job());
        });
        self.auto_backup = Some(rx);
    }

    /// True while the automatic backup or a screen's backup work runs.
    pub fn backup_running(&self) -> bool {
        self.auto_backup.is_some() || matches!(&self.mode, Mode::Desk(d) if d.screen.is_working())
    }

    /// Results of backup work: the automatic one (a status line), and the
    /// screen's own (a progress bar).
    fn tick_backups(&mut self) {
        if let Some(rx) = &self.auto_backup {
            let result = match rx.try_recv() {
                Ok(r) => Some(r),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => Some(Err(Error::invalid(
                    "the automatic backup stopped unexpectedly",
                ))),
            };
            if let Some(result) = result {
                self.auto_backup = None;
                match result {
                    Ok(None) => {}
                    Ok(Some(path)) => {
                        tracing::info!("backup.auto.done");
                        self.status = Some(Status {
                            text: format!(
                                "Today's automatic backup is written: {}",
                                path.display()
                            ),
                            error: false,
                        });
                        self.refresh_home();
                    }
                    Err(e) => {
                        tracing::warn!(code = e.exit_code(), "backup.auto.failed");
                        self.status = Some(Status {
                            text: format!("The automatic backup failed: {e}."),
                            error: true,
                        });
                    }
                }
            }
        }
        if matches!(&self.mode, Mode::Desk(d) if d.screen.is_working()) {
            if let Some(outcome) = self.ctx_call(|s, ctx| s.tick(ctx)) {
                self.apply(outcome);
            }
        }
    }

    /// The home page shows the last good backup: read it again.
    fn refresh_home(&mut self) {
        if matches!(&self.mode, Mode::Desk(d) if d.screen.id() == ScreenId::Home && d.guard.is_none())
        {
            self.ctx_call(|s, ctx| s.refresh(ctx));
        }
    }

    fn enter_desk(&mut self, session: Session) {
        let office = session.office_name().unwrap_or_default();
        let mut desk = Box::new(Desk {
            session,
            office,
            screen: Box::new(ComingLater(ScreenId::Home)),
            history: Vec::new(),
            overlay: None,
            guard: None,
        });
        let screen =
            screens::open(ScreenId::Home).unwrap_or_else(|| Box::new(ComingLater(ScreenId::Home)));
        desk.screen = screen;
        self.mode = Mode::Desk(desk);
        self.last_key = Instant::now();
        self.refresh_screen();
    }

    fn ctx_call<T>(
        &mut self,
        f: impl FnOnce(&mut dyn Screen, &mut ScreenCtx<'_>) -> Result<T>,
    ) -> Option<T> {
        let today = self.today();
        let Mode::Desk(desk) = &mut self.mode else {
            return None;
        };
        let mut ctx = ScreenCtx {
            session: &mut desk.session,
            today,
            theme: &self.theme,
        };
        match f(desk.screen.as_mut(), &mut ctx) {
            Ok(v) => Some(v),
            Err(e) => {
                tracing::warn!(code = e.exit_code(), "screen.error");
                self.status = Some(Status {
                    text: format!("{}.", capitalise(&e.to_string())),
                    error: true,
                });
                None
            }
        }
    }

    fn refresh_screen(&mut self) {
        if let Some(id) = self.current_screen() {
            tracing::info!(screen = id.title(), "screen.open");
        }
        if let Mode::Desk(d) = &mut self.mode {
            d.screen.set_config(&self.config);
        }
        self.ctx_call(|s, ctx| s.refresh(ctx));
    }

    fn desk_input(&mut self, input: Input, now: Instant) {
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        // The lock page and the blank page come first.
        let unsaved = desk_unsaved(desk);
        match &mut desk.guard {
            Some(Guard::Blank(blind)) => {
                if let Some(pw) = blind.handle(input) {
                    self.check_password(pw);
                }
                return;
            }
            Some(Guard::Locked(lock)) => {
                match input {
                    Input::Action(Action::PanicBlank) => self.blank(),
                    Input::Action(Action::Quit) if unsaved => lock.note(
                        "Something typed is not saved yet: unlock first to save or discard it.",
                    ),
                    Input::Action(Action::Quit) => self.do_quit(),
                    _ => {
                        if let Some(pw) = lock.handle(input, now) {
                            self.check_password(pw);
                        }
                    }
                }
                return;
            }
            None => {}
        }
        match input {
            Input::Action(Action::PanicBlank) => return self.blank(),
            Input::Action(Action::Lock) => return self.lock(LockReason::Key),
            _ => {}
        }
        if let Some(overlay) = &mut desk.overlay {
            let Input::Action(action) = input else {
                // Typing only goes to the palette.
                if let Overlay::Palette(p) = overlay {
                    p.handle(input);
                }
                return;
            };
            match overlay {
                Overlay::Help(h) => {
                    if h.handle(action) {
                        desk.overlay = None;
                    }
                }
                Overlay::Message(m) => {
                    if m.handle(action) {
                        desk.overlay = None;
                    }
                }
                Overlay::Palette(p) => match p.handle(input) {
                    PaletteEvent::Chosen(target) => {
                        desk.overlay = None;
                        match target {
                            Target::Screen(id) => self.go_menu(id),
                            Target::Action(a) => self.desk_input(Input::Action(a), now),
                        }
                    }
                    PaletteEvent::Closed => desk.overlay = None,
                    PaletteEvent::None => {}
                },
                Overlay::Leave(dialog, leave) => {
                    let leave = *leave;
                    match dialog.handle(action) {
                        DialogOutcome::Pending => {}
                        DialogOutcome::No => desk.overlay = None,
                        DialogOutcome::Yes => {
                            desk.overlay = None;
                            match leave {
                                Leave::Quit => self.do_quit(),
                                Leave::Go(id) => self.switch_to(id),
                            }
                        }
                    }
                }
            }
            return;
        }
        match input {
            Input::Action(Action::Quit) => return self.ask_quit(),
            Input::Action(Action::Help) => {
                let title = sanitize(&desk.screen.title()).into_owned();
                let help =
                    HelpOverlay::from_keymap(&self.keymap, &title, desk.screen.context_stack())
                        .with_intro(&wrap(desk.screen.help_intro(), 70))
                        .with_theme(&self.theme);
                desk.overlay = Some(Overlay::Help(help));
                return;
            }
            Input::Action(Action::Palette) => {
                let palette =
                    Palette::new(palette_entries(desk.session.role())).with_theme(&self.theme);
                desk.overlay = Some(Overlay::Palette(palette));
                return;
            }
            Input::Action(Action::Screen(n)) => {
                let menu = menu(desk.session.role());
                if let Some(id) = menu.get(usize::from(n).saturating_sub(1)) {
                    self.go_menu(*id);
                }
                return;
            }
            _ => {}
        }
        let Some(outcome) = self.ctx_call(|s, ctx| s.handle(input, ctx)) else {
            return;
        };
        self.apply(outcome);
    }

    fn apply(&mut self, outcome: Outcome) {
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        match outcome {
            Outcome::Stay => {}
            Outcome::Status(text) => {
                self.status = Some(Status { text, error: false });
            }
            Outcome::Go(id) => {
                if desk.screen.id() != id {
                    let screen = screens::open(id).unwrap_or_else(|| Box::new(ComingLater(id)));
                    self.push(screen);
                }
            }
            Outcome::OpenPerson(person) => match screens::open_person(person) {
                Some(screen) => {
                    tracing::info!(person, "person.open");
                    self.push(screen);
                }
                None => {
                    desk.overlay = Some(Overlay::Message(
                        MessagePopup::info(
                            "Not available yet",
                            "Person files open here in a later version of casedesk.",
                        )
                        .with_theme(&self.theme),
                    ));
                }
            },
            Outcome::Back => match desk.history.pop() {
                Some(prev) => {
                    desk.screen = prev;
                    self.refresh_screen();
                }
                None if desk.screen.id() != ScreenId::Home => self.switch_to(ScreenId::Home),
                None => {}
            },
        }
    }

    /// Open a screen on top of the current one (Back returns).
    fn push(&mut self, screen: Box<dyn Screen>) {
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        let old = std::mem::replace(&mut desk.screen, screen);
        desk.history.push(old);
        if desk.history.len() > HISTORY {
            desk.history.remove(0);
        }
        self.refresh_screen();
    }

    /// From the menu, number keys or palette: asks first if the current
    /// screen holds unsaved typing.
    fn go_menu(&mut self, id: ScreenId) {
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        if !id.allowed(desk.session.role()) {
            return;
        }
        if desk.screen.id() == id && desk.history.is_empty() {
            return;
        }
        if desk_unsaved(desk) {
            desk.overlay = Some(Overlay::Leave(
                ConfirmDialog::new(
                    "Leave without saving?",
                    "What you typed on this screen is not saved yet. Leave it and lose it?",
                )
                .labels("Leave", "Stay")
                .with_theme(&self.theme),
                Leave::Go(id),
            ));
            return;
        }
        self.switch_to(id);
    }

    fn switch_to(&mut self, id: ScreenId) {
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        desk.history.clear();
        desk.screen = screens::open(id).unwrap_or_else(|| Box::new(ComingLater(id)));
        self.refresh_screen();
    }

    fn ask_quit(&mut self) {
        let Mode::Desk(desk) = &mut self.mode else {
            self.quit = true;
            return;
        };
        if desk_unsaved(desk) {
            desk.overlay = Some(Overlay::Leave(
                ConfirmDialog::new(
                    "Quit without saving?",
                    "Something typed is not saved yet. Quit and lose it?",
                )
                .labels("Quit", "Stay")
                .with_theme(&self.theme),
                Leave::Quit,
            ));
            return;
        }
        self.do_quit();
    }

    fn do_quit(&mut self) {
        if self.config.auto_backup.when == BackupWhen::Exit && !self.exit_backup_tried {
            self.exit_backup_tried = true;
            if let Some(job) = self.auto_backup_job() {
                self.status = Some(Status {
                    text: "Writing the daily backup…".into(),
                    error: false,
                });
                self.spawn(move || Work::ExitBackup(job()));
                return;
            }
        }
        self.shutdown("quit");
    }

    /// Leave the desk (quit, or a stop signal): note it in the audit trail.
    pub fn shutdown(&mut self, why: &str) {
        if let Mode::Desk(desk) = &self.mode {
            if let Err(e) = desk.session.logged_out(why) {
                tracing::warn!(code = e.exit_code(), "audit.failed");
            }
        }
        tracing::info!(why, "desk.close");
        self.quit = true;
    }

    /// Lock now (Ctrl-L or idle time); the screen stays in memory.
    pub fn lock(&mut self, reason: LockReason) {
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        if desk.guard.is_some() {
            return;
        }
        desk.forget_shown();
        if let Err(e) = desk.session.locked(reason.code()) {
            tracing::warn!(code = e.exit_code(), "audit.failed");
        }
        tracing::info!(reason = reason.code(), "desk.lock");
        desk.guard = Some(Guard::Locked(Box::new(LockScreen::new(
            &desk.session.user().name,
            reason,
        ))));
    }

    /// The panic key: blank at once.
    fn blank(&mut self) {
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        if matches!(desk.guard, Some(Guard::Blank(_))) {
            return;
        }
        desk.forget_shown();
        desk.guard = Some(Guard::Blank(BlindEntry::default()));
        if let Err(e) = desk.session.locked("panic") {
            tracing::warn!(code = e.exit_code(), "audit.failed");
        }
        tracing::info!("desk.blank");
    }

    fn check_password(&mut self, pw: SecretString) {
        let Mode::Desk(desk) = &self.mode else {
            return;
        };
        let paths = self.paths.clone();
        let name = desk.session.user().name.clone();
        self.spawn(move || Work::Unlock(office::password_opens(&paths, &name, &pw)));
    }

    fn unlocked(&mut self, result: Result<bool>, now: Instant) {
        let Mode::Desk(desk) = &mut self.mode else {
            return;
        };
        if let Ok(ok) = &result {
            // Every attempt is in the trail, the wrong ones too.
            if let Err(e) = desk.session.unlock_attempted(*ok) {
                tracing::warn!(code = e.exit_code(), "audit.failed");
            }
        }
        match (result, &mut desk.guard) {
            (Ok(true), guard) => {
                *guard = None;
                tracing::info!("desk.unlock");
                self.last_key = Instant::now();
            }
            (Ok(false), Some(Guard::Locked(l))) => l.failed("Wrong password.", now),
            (Err(e), Some(Guard::Locked(l))) => {
                l.failed(&format!("{}.", capitalise(&e.to_string())), now)
            }
            (_, Some(Guard::Blank(b))) => {
                // Nothing shows on the blank page: a wrong try just resets.
                b.busy = false;
                b.wipe();
            }
            (_, None) => {}
        }
    }

    /// Where the terminal cursor belongs after the last draw.
    pub fn cursor(&self) -> Option<Position> {
        match &self.mode {
            Mode::Setup(s, _) => s.cursor(),
            Mode::Login(l) => l.cursor(),
            Mode::Desk(d) => match (&d.guard, &d.overlay) {
                (Some(Guard::Locked(l)), _) => l.cursor(),
                (Some(Guard::Blank(_)), _) => None,
                (None, Some(_)) => None,
                (None, None) => d.screen.cursor(),
            },
        }
    }

    /// Draw a frame.
    pub fn draw(&self, frame: &mut Frame<'_>) {
        let area = frame.area();
        self.render(area, frame.buffer_mut());
        if let Some(p) = self.cursor() {
            frame.set_cursor_position(p);
        }
    }

    /// Draw everything into `buf` (the terminal, or a test buffer).
    pub fn render(&self, area: Rect, buf: &mut Buffer) {
        let t = &self.theme;
        buf.set_style(area, t.base);
        if let Mode::Desk(d) = &self.mode {
            if let Some(Guard::Blank(_)) = d.guard {
                (&BlankPage::new(self.now()).with_theme(t)).render(area, buf);
                return;
            }
        }
        if area.height < 3 || area.width < 20 {
            return;
        }
        let body = Rect {
            height: area.height - 1,
            ..area
        };
        let status_row = Rect {
            y: area.bottom() - 1,
            height: 1,
            ..area
        };
        match &self.mode {
            Mode::Setup(s, _) => s.render(body, buf, t),
            Mode::Login(l) => l.render(body, buf, t),
            Mode::Desk(d) => match &d.guard {
                Some(Guard::Locked(l)) => l.render(body, buf, t),
                _ => self.render_desk(d, body, buf),
            },
        }
        self.render_status(status_row, buf);
    }

    fn render_desk(&self, d: &Desk, area: Rect, buf: &mut Buffer) {
        let t = &self.theme;
        // Top bar: office, screen, user.
        let who = format!(
            " {} · {} ",
            sanitize(&d.session.user().name),
            d.session.role().label()
        );
        let title = format!(
            " casedesk · {} · {}",
            sanitize(&d.office),
            sanitize(&d.screen.title())
        );
        let bar = Rect { height: 1, ..area };
        buf.set_style(bar, t.status);
        let who_w = crate::safe_text::width(&who) as u16;
        let title_w = bar.width.saturating_sub(who_w);
        buf.set_stringn(
            bar.x,
            bar.y,
            fit(&title, usize::from(title_w), Align::Left),
            usize::from(title_w),
            t.status,
        );
        buf.set_stringn(bar.x + title_w, bar.y, &who, usize::from(who_w), t.status);

        let rest = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
        let screen_area = if area.width >= MENU_MIN_WIDTH {
            let menu_area = Rect {
                width: MENU_W,
                ..rest
            };
            self.render_menu(d, menu_area, buf);
            Rect {
                x: rest.x + MENU_W,
                width: rest.width - MENU_W,
                ..rest
            }
        } else {
            rest
        };
        d.screen.render(screen_area, buf, t);
        match &d.overlay {
            Some(Overlay::Help(h)) => h.render(area, buf),
            Some(Overlay::Palette(p)) => p.render(area, buf),
            Some(Overlay::Message(m)) => m.render(area, buf),
            Some(Overlay::Leave(c, _)) => c.render(area, buf),
            None => {}
        }
    }

    fn render_menu(&self, d: &Desk, area: Rect, buf: &mut Buffer) {
        let t = &self.theme;
        let block = Block::default()
            .borders(Borders::RIGHT)
            .border_style(t.border)
            .style(t.base);
        let inner = block.inner(area);
        block.render(area, buf);
        let current = d.history.first().map_or(d.screen.id(), |s| s.id());
        for (i, id) in menu(d.session.role()).iter().enumerate() {
            let y = inner.y + 1 + i as u16;
            if y >= inner.bottom() {
                break;
            }
            let key = if i < 9 {
                format!("{}", i + 1)
            } else {
                " ".into()
            };
            let style = if *id == current { t.selected } else { t.base };
            let marker = if *id == current { "▸" } else { " " };
            let line = format!("{marker}{key} {}", id.title());
            buf.set_style(Rect::new(inner.x, y, inner.width, 1), style);
            buf.set_stringn(inner.x, y, &line, usize::from(inner.width), style);
            if i < 9 {
                buf.set_string(inner.x + 1, y, &key, style.patch(t.key));
            }
        }
        let hint_y = inner.bottom().saturating_sub(1);
        let keys = self.keymap.keys_for(stacks::LIST, Action::Palette);
        if let Some(k) = keys.first() {
            if hint_y > inner.y + menu(d.session.role()).len() as u16 + 1 {
                buf.set_stringn(
                    inner.x,
                    hint_y,
                    format!("{k} go to…"),
                    usize::from(inner.width),
                    t.hint,
                );
            }
        }
    }

    fn render_status(&self, area: Rect, buf: &mut Buffer) {
        let t = &self.theme;
        buf.set_style(area, t.status);
        if let Some(s) = &self.status {
            let style = if s.error {
                t.status.patch(t.error)
            } else {
                t.status
            };
            buf.set_stringn(
                area.x,
                area.y,
                fit(
                    &format!(" {}", s.text),
                    usize::from(area.width),
                    Align::Left,
                ),
                usize::from(area.width),
                style,
            );
            return;
        }
        let stack = self.context_stack();
        let mut parts: Vec<Span> = Vec::new();
        let wanted: &[(Action, &str)] = if self.is_logged_in() && !self.is_locked() {
            &[
                (Action::Help, "help"),
                (Action::Palette, "go to"),
                (Action::PanicBlank, "blank"),
                (Action::Lock, "lock"),
                (Action::Quit, "quit"),
            ]
        } else {
            &[(Action::Quit, "quit")]
        };
        for (action, word) in wanted {
            if let Some(k) = self.keymap.keys_for(stack, *action).first() {
                parts.push(Span::styled(format!(" {k}"), t.status.patch(t.key)));
                parts.push(Span::styled(format!(" {word} "), t.status));
            }
        }
        Paragraph::new(Line::from(parts))
            .style(t.status)
            .render(area, buf);
    }
}

/// Break a paragraph into lines of at most `width` columns (help intros
/// are written as one paragraph).
pub fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split_whitespace() {
            let w = crate::safe_text::width(word);
            if !line.is_empty() && crate::safe_text::width(&line) + 1 + w > width {
                out.push_str(&line);
                out.push('\n');
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.trim_end().to_string()
}

fn desk_unsaved(desk: &Desk) -> bool {
    desk.screen.has_unsaved_work() || desk.history.iter().any(|s| s.has_unsaved_work())
}

/// The menu for a role: screens it may use, in menu order.
pub fn menu(role: crate::domain::Role) -> Vec<ScreenId> {
    ScreenId::MENU
        .iter()
        .copied()
        .filter(|id| id.allowed(role))
        .collect()
}

fn palette_entries(role: crate::domain::Role) -> Vec<(String, Target)> {
    let mut entries: Vec<(String, Target)> = menu(role)
        .into_iter()
        .map(|id| (format!("Go to {}", id.title()), Target::Screen(id)))
        .collect();
    for a in [
        Action::Search,
        Action::New,
        Action::Refresh,
        Action::Help,
        Action::Lock,
        Action::PanicBlank,
        Action::Quit,
    ] {
        entries.push((a.description(), Target::Action(a)));
    }
    entries
}

/// The calm page for screens that come in a later version.
struct ComingLater(ScreenId);

impl Screen for ComingLater {
    fn id(&self) -> ScreenId {
        self.0
    }

    fn context_stack(&self) -> &'static [Context] {
        stacks::LIST
    }

    fn refresh(&mut self, _ctx: &mut ScreenCtx<'_>) -> Result<()> {
        Ok(())
    }

    fn handle(&mut self, input: Input, _ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        Ok(match input {
            Input::Action(Action::Back) => Outcome::Back,
            _ => Outcome::Stay,
        })
    }

    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .style(theme.base)
            .title(Span::styled(format!(" {} ", self.0.title()), theme.title));
        let inner = block.inner(area);
        block.render(area, buf);
        let text = vec![
            Line::from(""),
            Line::from(Span::styled(
                format!(
                    "{} is coming in a later version of casedesk.",
                    self.0.title()
                ),
                theme.base,
            )),
            Line::from(""),
            Line::from(Span::styled(
                "Until then, the casedesk commands cover it (casedesk --help). \
                 Choose another screen with the number keys or the menu.",
                theme.hint,
            )),
        ];
        Paragraph::new(text).wrap(Wrap { trim: false }).render(
            Rect {
                x: inner.x + 2,
                width: inner.width.saturating_sub(4),
                ..inner
            },
            buf,
        );
    }
}
