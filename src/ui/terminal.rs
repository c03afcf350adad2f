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

use crossterm::{cursor, execute};
use ratatui::DefaultTerminal;

/// The terminal while the desk owns it.
pub struct TerminalGuard {
    terminal: DefaultTerminal,
    stop: Arc<AtomicBool>,
}

impl TerminalGuard {
    /// Raw mode, alternate screen, panic hook, signal flags.
    pub fn new() -> io::Result<TerminalGuard> {
        install_panic_hook();
        let stop = Arc::new(AtomicBool::new(false));
        register_signals(&stop);
        // ratatui's hook restores the terminal, then calls ours.
        let terminal = match ratatui::try_init() {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        Ok(TerminalGuard { terminal, stop })
    }

    pub fn terminal(&mut self) -> &mut DefaultTerminal {
        &mut self.terminal
    }

    /// True once a termination signal arrived.
    pub fn stop_requested(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        // Wipe what was on the screen first, so nothing of it lingers in a
        // terminal that ignores the alternate screen.
        let _ = self.terminal.clear();
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
