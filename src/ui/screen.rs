//! The contract between the app shell and each screen.
//!
//! A screen owns its state. `handle` turns one resolved key (an `Action` or
//! typed text) into store calls and new state; `render` only draws that
//! state and never touches the office file. The shell handles the global
//! actions (quit, lock, panic, help, palette, screen switching) before a
//! screen sees a key.

use crate::office::rules::Capability;
use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use crate::Result;
use crate::domain::Role;
use crate::office::Session;
use crate::ui::keymap::{Context, Input};
use crate::ui::theme::Theme;

/// Every place the desk can show. The order is the menu's order and the
/// number keys' order (1 = Home).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScreenId {
    Home,
    Register,
    Intake,
    Classes,
    Placements,
    Counselling,
    Activities,
    Reports,
    Backup,
    Import,
    Accounts,
    Audit,
}

impl ScreenId {
    pub const MENU: &'static [ScreenId] = &[
        ScreenId::Home,
        ScreenId::Register,
        ScreenId::Intake,
        ScreenId::Classes,
        ScreenId::Placements,
        ScreenId::Counselling,
        ScreenId::Activities,
        ScreenId::Reports,
        ScreenId::Backup,
        ScreenId::Import,
        ScreenId::Accounts,
        ScreenId::Audit,
    ];

    pub fn title(self) -> &'static str {
        match self {
            ScreenId::Home => "Home",
            ScreenId::Register => "Register",
            ScreenId::Intake => "Intake",
            ScreenId::Classes => "Classes",
            ScreenId::Placements => "Placements",
            ScreenId::Counselling => "Counselling",
            ScreenId::Activities => "Activities",
            ScreenId::Reports => "Reports",
            ScreenId::Backup => "Backup",
            ScreenId::Import => "Import",
            ScreenId::Accounts => "Accounts",
            ScreenId::Audit => "Audit",
        }
    }

    /// Screens a role may use (the rulebook's capability behind each);
    /// others are not offered at all.
    pub fn allowed(self, role: Role) -> bool {
        use ScreenId::*;
        let cap = match self {
            Home => Capability::CountRegister,
            Register => Capability::ReadRegister,
            Intake => Capability::Register,
            Classes => Capability::SeeClasses,
            Placements => Capability::SeePlacements,
            Activities => Capability::SeeActivities,
            Counselling => Capability::SeeSessions,
            Reports => Capability::RunReports,
            Backup => Capability::Backup,
            Import => Capability::Import,
            Accounts => Capability::ListAccounts,
            Audit => Capability::ReadAudit,
        };
        cap.allows(role)
    }
}

/// What a screen asks the shell to do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stay; redraw.
    Stay,
    /// Go to another screen.
    Go(ScreenId),
    /// Open a person's file (by person id).
    OpenPerson(i64),
    /// Leave this screen (back to the previous one, or Home).
    Back,
    /// A short message for the status line.
    Status(String),
}

/// What a screen may use while handling a key.
pub struct ScreenCtx<'a> {
    pub session: &'a mut Session,
    pub today: NaiveDate,
    pub theme: &'a Theme,
}

pub trait Screen {
    fn id(&self) -> ScreenId;

    /// The screen's title line (may name the record shown, sanitized by the
    /// shell).
    fn title(&self) -> String {
        self.id().title().to_string()
    }

    /// The keymap contexts in force, most specific first (e.g. a form's
    /// stack while a form is focused, `stacks::LIST` on a list).
    fn context_stack(&self) -> &'static [Context];

    /// Load or reload data; called when the screen is shown.
    fn refresh(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()>;

    /// One resolved key.
    fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome>;

    /// Draw the current state. Never queries the office file.
    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme);

    /// Where the terminal cursor goes (a focused text field), if anywhere.
    fn cursor(&self) -> Option<Position> {
        None
    }

    /// True while the screen holds typed work that is not saved yet (the
    /// shell asks before leaving, and keeps the screen across an auto-lock).
    fn has_unsaved_work(&self) -> bool {
        false
    }

    /// The desk is being locked or blanked: drop anything sensitive that is
    /// only being shown (an opened counselling note), keep typed work.
    fn on_lock(&mut self) {}

    /// A paragraph at the top of this screen's help (`?`).
    fn help_intro(&self) -> &str {
        ""
    }

    /// The machine's settings (`config.toml`); given before each `refresh`.
    fn set_config(&mut self, _config: &crate::config::Config) {}

    /// Time passes (every loop turn, a few times a second): pick up what
    /// work running off the UI thread has reported.
    fn tick(&mut self, _ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        Ok(Outcome::Stay)
    }

    /// True while the screen has work running off the UI thread (a backup).
    fn is_working(&self) -> bool {
        false
    }
}
