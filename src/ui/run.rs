//! Entry point of the full-screen desk: the event loop.

use std::time::{Duration, Instant};

use crossterm::event::{self, Event, KeyEventKind};

use crate::config::{self, Config};
use crate::office::OfficePaths;
use crate::ui::app::App;
use crate::ui::terminal::TerminalGuard;
use crate::{Error, Result};

/// How often the loop wakes without a key: background work, count-downs,
/// the idle lock, the blank page's clock and stop signals.
const TICK: Duration = Duration::from_millis(200);

/// Open the full-screen desk on an office file. `user` (or
/// `CASEDESK_USER`) fills in the login page.
pub fn run(paths: OfficePaths, user: Option<String>) -> Result<()> {
    // A broken config.toml must not keep the office from working: the
    // defaults are used and the problem is shown on the status line.
    let (config, problem) = match Config::load() {
        Ok(c) => (c, None),
        Err(e) => (
            Config::default(),
            Some(format!("Default settings in use: {e}")),
        ),
    };
    let user = user.or_else(|| std::env::var("CASEDESK_USER").ok());
    let dir = config::config_dir();
    let mut app = App::new(paths, user, config, dir.as_deref());
    if let Some(p) = problem {
        tracing::warn!("config.toml could not be used");
        app.report_problem(&p);
    }
    tracing::info!("desk.start");
    let mut guard = TerminalGuard::new().map_err(|e| Error::io("cannot use this terminal", e))?;
    let result = event_loop(&mut app, &mut guard);
    guard.loop_done();
    if !app.should_quit() {
        app.shutdown(if result.is_err() { "error" } else { "signal" });
    }
    drop(guard);
    result
}

fn event_loop(app: &mut App, guard: &mut TerminalGuard) -> Result<()> {
    let io = |e| Error::io("the terminal stopped working", e);
    loop {
        guard.terminal().draw(|f| app.draw(f)).map_err(io)?;
        if app.should_quit() || guard.stop_requested() {
            return Ok(());
        }
        if event::poll(TICK).map_err(io)? {
            match event::read().map_err(io)? {
                Event::Key(k) if k.kind == KeyEventKind::Press => app.handle_key(&k),
                _ => {}
            }
            // Handle a burst of keys (a paste, fast typing) before drawing.
            while !app.should_quit() && event::poll(Duration::ZERO).map_err(io)? {
                if let Event::Key(k) = event::read().map_err(io)?
                    && k.kind == KeyEventKind::Press
                {
                    app.handle_key(&k);
                }
            }
        }
        app.tick(Instant::now());
    }
}
