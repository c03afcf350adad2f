//! Taking over the terminal and always giving it back.
//!
//! [`TerminalGuard`] enters raw mode and the alternate screen through
//! `ratatui::try_init` and restores both (and shows the cursor) when it is
//! dropped: on a normal quit, on an error that returns through `?`, and
//! while a panic unwinds. The panic hook installed first prints one generic
//! line with the source location instead of the panic message, because a
//! message may carry a value from the office file. SIGTERM, SIGINT and
//! SIGHUP (the SSH connection dropped) set a flag the event loop checks
//! every quarter second, so those leave through the same restoring path
//! (crossterm has no signal handling of its own; `signal-hook` is the
//! well-kept crate that does only this).

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossterm::{cursor, execute, terminal};
use ratatui::DefaultTerminal;

/// The terminal while the desk owns it.
pub struct TerminalGuard {
    terminal: DefaultTerminal,
    stop: Arc<AtomicBool>,
    /// Set once the event loop has let go of the terminal.
    done: Arc<AtomicBool>,
}

impl TerminalGuard {
    /// Raw mode, alternate screen, panic hook, signal flags.
    pub fn new() -> io::Result<TerminalGuard> {
        install_panic_hook();
        let stop = Arc::new(AtomicBool::new(false));
        let done = Arc::new(AtomicBool::new(false));
        register_signals(&stop);
        watch_for_hang_up(Arc::clone(&stop), Arc::clone(&done));
        // ratatui's hook restores the terminal, then calls ours.
        let terminal = match ratatui::try_init() {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        Ok(TerminalGuard {
            terminal,
            stop,
            done,
        })
    }

    pub fn terminal(&mut self) -> &mut DefaultTerminal {
        &mut self.terminal
    }

    /// True once a termination signal arrived.
    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// The event loop is over: the watchdog stands down.
    pub fn loop_done(&self) {
        self.done.store(true, Ordering::Relaxed);
    }
}

/// How long the event loop has to notice a stop before the watchdog ends
/// the process.
const GRACE: Duration = Duration::from_secs(3);

/// When the terminal hangs up (an SSH connection drops), crossterm's event
/// poll can spin forever on the dead terminal without returning, so the
/// loop never sees the stop flag. A small thread notices the hang-up (or a
/// stop signal the loop does not act on) and, if the loop has not let go
/// within `GRACE`, ends the process. Whatever was saved is safe: every save
/// is a committed transaction; only typed, unsaved work is lost, as it
/// would be with the connection anyway.
fn watch_for_hang_up(stop: Arc<AtomicBool>, done: Arc<AtomicBool>) {
    let spawned = std::thread::Builder::new()
        .name("hang-up watch".into())
        .spawn(move || {
            let mut since: Option<Instant> = None;
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(250));
                if terminal_hung_up() {
                    stop.store(true, Ordering::Relaxed);
                }
                if stop.load(Ordering::Relaxed)
                    && since.get_or_insert_with(Instant::now).elapsed() > GRACE
                    && !done.load(Ordering::Relaxed)
                {
                    tracing::warn!("desk.forced_exit");
                    restore();
                    std::process::exit(1);
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "could not watch the terminal");
    }
}

/// True when standard input is a terminal that has hung up.
#[cfg(unix)]
fn terminal_hung_up() -> bool {
    use rustix::event::{PollFd, PollFlags, poll};
    let stdin = rustix::stdio::stdin();
    let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
    let zero = rustix::event::Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    poll(&mut fds, Some(&zero)).is_ok()
        && fds[0]
            .revents()
            .intersects(PollFlags::HUP | PollFlags::ERR | PollFlags::NVAL)
}

#[cfg(not(unix))]
fn terminal_hung_up() -> bool {
    false
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        // Wipe what was on the screen first, so nothing of it lingers in a
        // terminal that ignores the alternate screen. Written directly:
        // ratatui's `clear` asks the terminal where the cursor is, and a
        // terminal that hung up (SSH dropped) never answers.
        let _ = execute!(io::stdout(), terminal::Clear(terminal::ClearType::All));
        restore();
    }
}

/// Leave raw mode and the alternate screen, show the cursor. Safe to call
/// more than once.
pub fn restore() {
    let _ = ratatui::try_restore();
    let mut out = io::stdout();
    let _ = execute!(out, cursor::Show);
    let _ = out.flush();
}

fn register_signals(stop: &Arc<AtomicBool>) {
    use signal_hook::consts::{SIGINT, SIGTERM};
    for sig in [SIGTERM, SIGINT] {
        if let Err(e) = signal_hook::flag::register(sig, Arc::clone(stop)) {
            tracing::warn!(error = %e, "could not watch for a stop signal");
        }
    }
    #[cfg(unix)]
    if let Err(e) = signal_hook::flag::register(signal_hook::consts::SIGHUP, Arc::clone(stop)) {
        tracing::warn!(error = %e, "could not watch for a hang-up signal");
    }
}

/// A panic restores the terminal first, then says only where it happened.
fn install_panic_hook() {
    crate::logging::install_panic_hook(restore);
}
