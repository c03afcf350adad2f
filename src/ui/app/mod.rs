//! The desk's state and its one update path: key → [`Action`] (keymap) →
//! [`App::handle_key`] → office calls in a screen → new state →
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
//!
//! This file holds the state (where the user is, what hides or overlays
//! the desk) and the entry points the event loop calls. The rest is split
//! by job: `desk.rs` keys on the open desk (overlays, menu, moving between
//! screens, quitting), `lock.rs` the lock and blank pages and unlocking,
//! `work.rs` what runs off the UI thread (login, set-up, unlock, the
//! automatic backup), `render.rs` drawing the shell around the screens.

mod desk;
mod lock;
mod render;
mod work;

use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::Instant;

use chrono::{NaiveDate, NaiveDateTime};
use crossterm::event::KeyEvent;

pub use self::desk::{menu, wrap};
use self::work::Work;
use crate::Result;
use crate::config::Config;
use crate::office::{self, OfficePaths, Session};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, Keymap, stacks};
use crate::ui::screen::{Screen, ScreenCtx, ScreenId};
use crate::ui::screens::lock::{BlindEntry, LockScreen};
use crate::ui::screens::login::LoginScreen;
use crate::ui::screens::setup::SetupScreen;
use crate::ui::screens::{self, login::LoginEvent, setup::SetupEvent};
use crate::ui::theme::{Theme, ThemeSet};
use crate::ui::widgets::dialog::ConfirmDialog;
use crate::ui::widgets::help::HelpOverlay;
use crate::ui::widgets::palette::Palette;
use crate::ui::words::capitalise;

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
    /// The desk's clock fixed by [`App::fix_clock`]: the thread's clock
    /// (`clock::fixed`), which the desk's workers carry.
    fixed_clock: Option<crate::clock::FixedClock>,
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
            fixed_clock: None,
            mode,
            pending: None,
            status,
            quit: false,
            last_key: Instant::now(),
            auto_backup: None,
            exit_backup_tried: false,
        }
    }

    /// Show a problem found before the desk started (a broken
    /// `config.toml`) on the status line, beside any others.
    pub fn report_problem(&mut self, text: &str) {
        let text = match self.status.take() {
            Some(s) => format!("{} {}", s.text, text),
            None => text.to_string(),
        };
        self.status = Some(Status { text, error: true });
    }

    /// Fix the clock (dates on screens, the blank page's time), for
    /// snapshots and demonstrations.
    pub fn fix_clock(&mut self, now: NaiveDateTime) {
        // The old fix first gives the clock back, then the new one holds.
        self.fixed_clock = None;
        self.fixed_clock = Some(crate::clock::fixed(now));
    }

    fn now(&self) -> NaiveDateTime {
        crate::clock::now_local()
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
                (None, Some(Overlay::Leave(..))) => stacks::DIALOG,
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
                    if let SetupEvent::Done = screen.handle(input, now)
                        && let Some(s) = session.take()
                    {
                        self.enter_desk(s);
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

    /// Time passes: finished background work, count-downs, the idle lock.
    pub fn tick(&mut self, now: Instant) {
        self.poll_pending(now);
        self.tick_backups();
        match &mut self.mode {
            Mode::Login(l) => l.tick(now),
            Mode::Desk(_) => self.tick_lock(now),
            Mode::Setup(..) => {}
        }
    }

    fn enter_desk(&mut self, session: Session) {
        let office = session.office_name().unwrap_or_default();
        let upgraded = session.upgrade().map(|u| u.notice());
        let warning = session.login_warnings().into_iter().next();
        let desk = Box::new(Desk {
            session,
            office,
            screen: screens::open(ScreenId::Home),
            history: Vec::new(),
            overlay: None,
            guard: None,
        });
        self.mode = Mode::Desk(desk);
        self.last_key = Instant::now();
        self.refresh_screen();
        if let Some(text) = upgraded {
            self.status = Some(Status { text, error: false });
        }
        // A warning outranks the upgrade notice (the audit trail has that).
        if let Some(text) = warning {
            self.status = Some(Status {
                text: format!("Warning: {text}"),
                error: true,
            });
        }
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
        // The office's date order, read again as each screen opens: a
        // manager may have changed it at another terminal.
        self.ctx_call(|s, ctx| {
            crate::ui::dates::set_order(ctx.session.date_order()?);
            s.refresh(ctx)
        });
    }
}
