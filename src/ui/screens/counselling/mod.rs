//! The counselling screen: persons with sessions, a person's sessions, a
//! session's note, and the editor for a new session or an amended note.
//!
//! Everyone sees that sessions took place (date, kind, minutes, who, with
//! whom, how many versions): they count in reports. Only a psychologist
//! holding the counselling key sees a note's text, opened through
//! `Session::read_note` / `note_history` (`office::counselling`), which check the role
//! and write the audit entry. The opened text lives only in the note view
//! (`Note::text` is `Zeroizing`) and is dropped when the view is left or
//! the screen is shown again (after a lock).
//!
//! Views, each with its own keys:
//! - persons: Enter opens a person, `/` searches every person (to write a
//!   first session), `n` starts a session for the selected person;
//! - sessions: Enter opens the note, `n` new session, `e` amend;
//! - note: ↑↓ scroll, ← → earlier / later versions (the history), `e` amend;
//! - kind picker, then the form (date, minutes, participants for a group,
//!   the note prefilled from the template of the kind).

use crate::office::rules::Capability;
use std::borrow::Cow;
use std::cell::Cell;

use chrono::NaiveDate;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Widget};
use zeroize::Zeroizing;

use crate::domain::counselling::SessionId;
use crate::domain::counselling::{MAX_MINUTES, NewSession, template};
use crate::domain::{CounsellingKind, Role};
use crate::office::Session;
use crate::office::counselling::{CounselledPerson, Note, NoteVersionInfo, SessionRow};
use crate::safe_text::{Align, char_width, fit, sanitize, sanitize_lines};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::theme::Theme;
use crate::ui::widgets::dialog::{ConfirmDialog, DialogOutcome, MessagePopup};
use crate::ui::widgets::form::{FieldKey, FieldSpec, Form, FormOutcome, FormValues, Value};
use crate::ui::widgets::table::{Column, RowSource, Table, TableEvent, TableState};
use crate::ui::words::sentence;
use crate::{Error, Result};

// The session forms' fields.
const ON_DATE: FieldKey = FieldKey::new("on_date");
const MINUTES: FieldKey = FieldKey::new("minutes");
const PARTICIPANTS: FieldKey = FieldKey::new("participants");
const NOTE: FieldKey = FieldKey::new("note");

/// What staff and managers see instead of a note.
pub const NOT_A_PSYCHOLOGIST: &str = "Only a psychologist can read counselling notes.";
/// Most persons a search shows.
const SEARCH_LIMIT: usize = 200;
/// Rows of the note box in the new-session form and in the amend editor.
const NEW_NOTE_ROWS: u16 = 12;
const AMEND_NOTE_ROWS: u16 = 16;

const HELP: &str = "Counselling sessions by person. Everyone sees that a session took place; \
only a psychologist can read or write its note. Enter opens, n starts a new session, \
e amends a note (earlier versions are kept), ← → in a note show its earlier versions.";

/// The words telling a psychologist without the key what to do.
fn no_key_message(user: &str) -> String {
    format!(
        "You do not hold the counselling key yet. Ask a psychologist colleague who has it to run: casedesk user grant {user}"
    )
}

/// Short kind words for narrow columns and titles.
fn kind_word(kind: CounsellingKind) -> &'static str {
    match kind {
        CounsellingKind::Assessment => "Assessment",
        CounsellingKind::Individual => "Individual",
        CounsellingKind::Group => "Group",
    }
}

/// "2026-11-23T09:05:00Z" → "23/11/2026 14:05" in local time (the office's
/// date order).
pub(crate) fn local_time(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map(|t| crate::ui::dates::show_time(t.with_timezone(&chrono::Local).naive_local()))
        .unwrap_or_else(|_| stored.to_string())
}

mod editor;
mod list;
mod note;
#[cfg(test)]
mod tests;

use list::{PersonRow, others};
use note::wrap;

// ---------------------------------------------------------------------
// Screen state

/// What the note view shows.
enum NoteBody {
    /// Opened text: the latest version, or every version (oldest first)
    /// once the history was asked for. Wiped from memory when dropped.
    Text {
        notes: Vec<Note>,
        shown: usize,
        history: bool,
    },
    /// Who wrote which version, and why the text is not shown.
    Hidden {
        versions: Vec<NoteVersionInfo>,
        why: String,
    },
}

struct NoteView {
    session: SessionRow,
    body: NoteBody,
    scroll: usize,
    /// From the last draw: wrapped text rows and rows shown, so scrolling
    /// stops at the end.
    drawn: Cell<(usize, usize)>,
}

impl NoteView {
    fn max_scroll(&self) -> usize {
        let (total, shown) = self.drawn.get();
        total.saturating_sub(shown)
    }
}

enum EditKind {
    New { kind: CounsellingKind },
    Amend { session: SessionRow },
}

struct Editor {
    form: Form,
    kind: EditKind,
}

enum View {
    Persons,
    Sessions,
    Note(Box<NoteView>),
    Kinds(TableState),
    Edit(Box<Editor>),
}

pub struct CounsellingScreen {
    role: Role,
    user: String,
    /// A psychologist holding the counselling identity.
    holds_key: bool,
    today: NaiveDate,
    theme: Theme,
    persons: Vec<PersonRow>,
    persons_state: TableState,
    person: Option<PersonRow>,
    sessions: Vec<SessionRow>,
    sessions_state: TableState,
    view: View,
    popup: Option<MessagePopup>,
    /// A colleague psychologist waiting for the counselling key, and the
    /// question whether to share it with them.
    grant: Option<(ConfirmDialog, String)>,
    /// Colleagues already asked about on this screen (a "No" is not
    /// asked again until the next login).
    grant_asked: Vec<String>,
}

impl Default for CounsellingScreen {
    fn default() -> Self {
        Self::new()
    }
}

impl CounsellingScreen {
    pub fn new() -> CounsellingScreen {
        CounsellingScreen {
            role: Role::Staff,
            user: String::new(),
            holds_key: false,
            today: crate::clock::today(),
            theme: Theme::default(),
            persons: Vec::new(),
            persons_state: TableState::new(),
            person: None,
            sessions: Vec::new(),
            sessions_state: TableState::new(),
            view: View::Persons,
            popup: None,
            grant: None,
            grant_asked: Vec::new(),
        }
    }

    /// A psychologist who holds the counselling key is asked, once per
    /// colleague, whether to share it with a psychologist account that
    /// does not have it yet. A person decides: no manager can share it,
    /// and an account listed in the plain key file alone is never trusted.
    pub(super) fn offer_grant(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        if !self.holds_key || self.grant.is_some() {
            return Ok(());
        }
        let waiting = ctx.session.pending_counselling_grants()?;
        if let Some(name) = waiting.into_iter().find(|n| !self.grant_asked.contains(n)) {
            self.grant_asked.push(name.clone());
            let dialog = ConfirmDialog::new(
                "Share the counselling key?",
                format!(
                    "The psychologist account {} cannot read counselling notes yet. \
                     Share the counselling key with it?",
                    crate::safe_text::sanitize(&name)
                ),
            )
            .labels("Share", "Not now")
            .with_theme(&self.theme);
            self.grant = Some((dialog, name));
        }
        Ok(())
    }

    pub(super) fn is_psychologist(&self) -> bool {
        Capability::WriteNotes.allows(self.role)
    }

    pub(super) fn load_persons(&mut self, ctx: &ScreenCtx<'_>) -> Result<()> {
        let query = self.persons_state.query().trim().to_string();
        self.persons = if query.is_empty() {
            ctx.session.counselled_persons()?
        } else {
            ctx.session
                .search_counselled(&query, ctx.today, SEARCH_LIMIT)?
        };
        Ok(())
    }

    pub(super) fn load_sessions(&mut self, ctx: &ScreenCtx<'_>) -> Result<()> {
        if let Some(p) = &mut self.person {
            self.sessions = ctx.session.counselling_sessions(p.id)?;
            p.sessions = self.sessions.len() as i64;
            p.last = self.sessions.first().map(|s| s.on_date);
        }
        Ok(())
    }

    pub(super) fn error_popup(&mut self, title: &str, e: &Error) {
        self.popup = Some(MessagePopup::error(title, sentence(e)).with_theme(&self.theme));
    }

    pub(super) fn info_popup(&mut self, title: &str, message: &str) {
        self.popup = Some(MessagePopup::info(title, message).with_theme(&self.theme));
    }

    /// A one-line notice above the lists for whoever cannot read notes.
    pub(super) fn notice(&self) -> Option<String> {
        if !self.is_psychologist() {
            Some(NOT_A_PSYCHOLOGIST.to_string())
        } else if !self.holds_key {
            Some(no_key_message(&self.user))
        } else {
            None
        }
    }
}

impl Screen for CounsellingScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Counselling
    }

    fn title(&self) -> String {
        match &self.person {
            Some(p) if !matches!(self.view, View::Persons) => {
                format!("Counselling · {}", p.case_number)
            }
            _ => "Counselling".into(),
        }
    }

    fn context_stack(&self) -> &'static [Context] {
        if self.popup.is_some() || self.grant.is_some() {
            return stacks::DIALOG;
        }
        match &self.view {
            View::Persons => self.persons_state.context_stack(),
            View::Sessions => self.sessions_state.context_stack(),
            View::Note(_) => stacks::LIST,
            View::Kinds(s) => s.context_stack(),
            View::Edit(ed) => ed.form.context_stack(),
        }
    }

    fn on_lock(&mut self) {
        // An opened note must not sit in memory behind the lock screen.
        if matches!(self.view, View::Note(_)) {
            self.view = View::Sessions;
        }
    }

    fn refresh(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        self.role = ctx.session.role();
        self.user = ctx.session.user().name.clone();
        self.holds_key =
            Capability::ReadNotes.allows(self.role) && ctx.session.holds_counselling_key();
        self.today = ctx.today;
        self.theme = ctx.theme.clone();
        // Shown again (after a lock, or coming back): an opened note is
        // not kept on screen; a half-written one stays.
        if matches!(self.view, View::Note(_)) {
            self.view = View::Sessions;
        }
        self.load_persons(ctx)?;
        self.load_sessions(ctx)?;
        self.offer_grant(ctx)?;
        Ok(())
    }

    fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        if let Some((dialog, name)) = &mut self.grant {
            if let Input::Action(a) = input {
                match dialog.handle(a) {
                    DialogOutcome::Pending => {}
                    DialogOutcome::No => self.grant = None,
                    DialogOutcome::Yes => {
                        let name = name.clone();
                        self.grant = None;
                        match ctx.session.grant_counselling(&name) {
                            Ok(()) => {
                                return Ok(Outcome::Status(format!(
                                    "{name} can now read counselling notes."
                                )));
                            }
                            Err(e) => self.error_popup("The key was not shared", &e),
                        }
                    }
                }
            }
            return Ok(Outcome::Stay);
        }
        if let Some(popup) = &mut self.popup {
            if let Input::Action(a) = input
                && popup.handle(a)
            {
                self.popup = None;
            }
            return Ok(Outcome::Stay);
        }
        match &self.view {
            View::Persons => self.handle_persons(input, ctx),
            View::Sessions if self.person.is_none() => {
                self.view = View::Persons;
                Ok(Outcome::Stay)
            }
            View::Sessions => self.handle_sessions(input, ctx),
            View::Note(_) => self.handle_note(input, ctx),
            View::Kinds(_) => Ok(self.handle_kinds(input)),
            View::Edit(_) => self.handle_edit(input, ctx),
        }
    }

    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        buf.set_style(area, theme.base);
        match &self.view {
            View::Persons | View::Sessions => self.render_lists(area, buf, theme),
            View::Note(nv) => self.render_note(nv, area, buf, theme),
            View::Kinds(state) => self.render_kinds(state, area, buf, theme),
            View::Edit(ed) => (&ed.form).render(area, buf),
        }
        if let Some(p) = &self.popup {
            p.render(area, buf);
        }
        if let Some((dialog, _)) = &self.grant {
            dialog.render(area, buf);
        }
    }

    fn cursor(&self) -> Option<Position> {
        match (&self.view, &self.popup) {
            (View::Edit(ed), None) => ed.form.cursor_position(),
            _ => None,
        }
    }

    fn has_unsaved_work(&self) -> bool {
        matches!(&self.view, View::Edit(ed) if ed.form.is_dirty())
    }

    fn help_intro(&self) -> &str {
        HELP
    }
}
