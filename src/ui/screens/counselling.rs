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

/// "2026-11-23T09:05:00Z" → "2026-11-23 14:05" in local time.
pub(crate) fn local_time(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_else(|_| stored.to_string())
}

// ---------------------------------------------------------------------
// Reading the lists (read only; nothing here is audited or secret). The
// queries are the office layer's (`office::counselling`).

/// A person in the list: their case number, name and how many sessions
/// they were in.
type PersonRow = CounselledPerson;

struct PersonRows<'a>(&'a [PersonRow]);

impl RowSource for PersonRows<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn row(&self, index: usize) -> Vec<Cow<'_, str>> {
        let Some(p) = self.0.get(index) else {
            return Vec::new();
        };
        vec![
            Cow::Borrowed(p.case_number.as_str()),
            Cow::Borrowed(p.name.as_str()),
            Cow::Owned(p.sessions.to_string()),
            Cow::Owned(p.last.map(|d| d.to_string()).unwrap_or_default()),
        ]
    }
}

fn person_columns() -> Vec<Column> {
    vec![
        Column::fixed("Case number", 14).unsortable(),
        Column::fill("Name", 1).unsortable(),
        Column::fixed("Sessions", 8).right().unsortable(),
        Column::fixed("Last session", 12).unsortable(),
    ]
}

/// The other persons present, as seen from `person_id`'s file.
fn others(row: &SessionRow, person_id: i64) -> String {
    let mut names: Vec<&str> = Vec::new();
    if row.person_id != person_id {
        names.push(&row.case_number);
    }
    names.extend(
        row.participants
            .iter()
            .filter(|p| p.person_id != person_id)
            .map(|p| p.case_number.as_str()),
    );
    names.join(" ")
}

struct SessionRows<'a> {
    rows: &'a [SessionRow],
    person_id: i64,
}

impl RowSource for SessionRows<'_> {
    fn len(&self) -> usize {
        self.rows.len()
    }
    fn row(&self, index: usize) -> Vec<Cow<'_, str>> {
        let Some(s) = self.rows.get(index) else {
            return Vec::new();
        };
        vec![
            Cow::Owned(s.on_date.to_string()),
            Cow::Borrowed(kind_word(s.kind)),
            Cow::Owned(s.minutes.to_string()),
            Cow::Borrowed(s.psychologist.as_deref().unwrap_or("?")),
            Cow::Owned(others(s, self.person_id)),
            Cow::Owned(s.versions.to_string()),
        ]
    }
}

fn session_columns() -> Vec<Column> {
    vec![
        Column::fixed("Date", 10).unsortable(),
        Column::fixed("Kind", 10).unsortable(),
        Column::fixed("Min", 4).right().unsortable(),
        Column::fixed("By", 12).unsortable(),
        Column::fill("With", 1).unsortable(),
        Column::fixed("Versions", 8).right().unsortable(),
    ]
}

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
    fn offer_grant(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()> {
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

    fn is_psychologist(&self) -> bool {
        self.role == Role::Psychologist
    }

    fn load_persons(&mut self, ctx: &ScreenCtx<'_>) -> Result<()> {
        let query = self.persons_state.query().trim().to_string();
        self.persons = if query.is_empty() {
            ctx.session.counselled_persons()?
        } else {
            ctx.session
                .search_counselled(&query, ctx.today, SEARCH_LIMIT)?
        };
        Ok(())
    }

    fn load_sessions(&mut self, ctx: &ScreenCtx<'_>) -> Result<()> {
        if let Some(p) = &mut self.person {
            self.sessions = ctx.session.counselling_sessions(p.id)?;
            p.sessions = self.sessions.len() as i64;
            p.last = self.sessions.first().map(|s| s.on_date);
        }
        Ok(())
    }

    fn error_popup(&mut self, title: &str, e: &Error) {
        self.popup = Some(MessagePopup::error(title, sentence(e)).with_theme(&self.theme));
    }

    fn info_popup(&mut self, title: &str, message: &str) {
        self.popup = Some(MessagePopup::info(title, message).with_theme(&self.theme));
    }

    fn choose_person(&mut self, index: usize, ctx: &ScreenCtx<'_>) -> Result<Outcome> {
        let Some(p) = self.persons.get(index).cloned() else {
            return Ok(Outcome::Stay);
        };
        self.person = Some(p);
        self.sessions_state = TableState::new();
        self.load_sessions(ctx)?;
        self.view = View::Sessions;
        Ok(Outcome::Stay)
    }

    /// `n`: pick the kind of a new session (psychologists only).
    fn start_new(&mut self) -> Outcome {
        if !self.is_psychologist() {
            return Outcome::Status("Only a psychologist can record counselling sessions.".into());
        }
        self.view = View::Kinds(TableState::new());
        Outcome::Stay
    }

    fn open_note(&mut self, index: usize, ctx: &ScreenCtx<'_>) -> Result<Outcome> {
        let Some(row) = self.sessions.get(index).cloned() else {
            return Ok(Outcome::Stay);
        };
        let hidden = |why: String| -> Result<NoteBody> {
            Ok(NoteBody::Hidden {
                versions: ctx.session.note_versions(row.id)?,
                why,
            })
        };
        let body = if !self.is_psychologist() {
            hidden(NOT_A_PSYCHOLOGIST.into())?
        } else if !self.holds_key {
            hidden(no_key_message(&self.user))?
        } else {
            match ctx.session.read_note(row.id) {
                Ok(note) => NoteBody::Text {
                    notes: vec![note],
                    shown: 0,
                    history: false,
                },
                Err(Error::NotAllowed(_)) => hidden(no_key_message(&self.user))?,
                Err(e) => {
                    tracing::warn!(session = row.id.0, "a counselling note could not be opened");
                    self.error_popup("The note could not be opened", &e);
                    return Ok(Outcome::Stay);
                }
            }
        };
        self.view = View::Note(Box::new(NoteView {
            session: row,
            body,
            scroll: 0,
            drawn: Cell::new((0, 0)),
        }));
        Ok(Outcome::Stay)
    }

    fn new_form(&self, kind: CounsellingKind) -> Form {
        let mut specs = vec![
            FieldSpec::date(ON_DATE, "Date").required(),
            FieldSpec::number(MINUTES, "Minutes", Some(1), Some(i64::from(MAX_MINUTES)))
                .required()
                .hint("How long the session took, in minutes."),
        ];
        if kind == CounsellingKind::Group {
            specs.push(
                FieldSpec::text(PARTICIPANTS, "Others present")
                    .required()
                    .hint("Case numbers of the others, separated by spaces."),
            );
        }
        specs.push(
            FieldSpec::multi_line(NOTE, "Note", NEW_NOTE_ROWS)
                .required()
                .hint("Sealed before it is stored; only a psychologist can read it."),
        );
        let case = self
            .person
            .as_ref()
            .map(|p| p.case_number.as_str())
            .unwrap_or("");
        let mut form = Form::new(
            format!("New {} session · {case}", kind_word(kind).to_lowercase()),
            specs,
        )
        .with_theme(&self.theme)
        .with_today(self.today);
        form.set_value(ON_DATE, Value::Date(Some(self.today)));
        form.set_value(NOTE, Value::text(template(kind)));
        form.mark_clean();
        form
    }

    fn amend_form(&self, session: &SessionRow, text: &str) -> Form {
        let mut form = Form::new(
            format!(
                "Amend note · {} session {} · {}",
                kind_word(session.kind).to_lowercase(),
                session.on_date,
                session.case_number
            ),
            vec![
                FieldSpec::multi_line(NOTE, "Note", AMEND_NOTE_ROWS)
                    .required()
                    .hint("Saved as a new version; the earlier ones are kept."),
            ],
        )
        .with_theme(&self.theme)
        .with_today(self.today);
        form.set_value(NOTE, Value::text(text));
        form.mark_clean();
        form
    }

    /// `e` on a session or in a note: edit the current text as a new
    /// version (psychologists holding the key).
    fn start_amend(&mut self, session: SessionRow, ctx: &ScreenCtx<'_>) -> Outcome {
        if !self.is_psychologist() {
            return Outcome::Status("Only a psychologist can amend counselling notes.".into());
        }
        if !self.holds_key {
            self.info_popup("No counselling key", &no_key_message(&self.user));
            return Outcome::Stay;
        }
        // Reuse the text already open in the note view, else open it.
        let opened = match std::mem::replace(&mut self.view, View::Sessions) {
            View::Note(nv) => match nv.body {
                NoteBody::Text { mut notes, .. } if nv.session.id == session.id => notes.pop(),
                _ => None,
            },
            _ => None,
        };
        let note = match opened {
            Some(n) => n,
            None => match ctx.session.read_note(session.id) {
                Ok(n) => n,
                Err(e) => {
                    self.error_popup("The note could not be opened", &e);
                    return Outcome::Stay;
                }
            },
        };
        let form = self.amend_form(&session, &note.text);
        drop(note);
        self.view = View::Edit(Box::new(Editor {
            form,
            kind: EditKind::Amend { session },
        }));
        Outcome::Stay
    }

    /// Case numbers typed in the participants field → person ids.
    fn participants(&self, raw: &str, session: &Session) -> std::result::Result<Vec<i64>, String> {
        let mut ids = Vec::new();
        for token in raw
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|t| !t.is_empty())
        {
            match session.find_case_number(token) {
                Ok(Some(id)) => ids.push(id.0),
                Ok(None) => {
                    return Err(format!(
                        "No person has the case number {}.",
                        token.to_uppercase()
                    ));
                }
                Err(e) => return Err(sentence(&e)),
            }
        }
        Ok(ids)
    }

    fn save_new(
        &mut self,
        kind: CounsellingKind,
        values: FormValues,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<Outcome> {
        let Some(person) = self.person.clone() else {
            return Ok(Outcome::Stay);
        };
        let note = Zeroizing::new(values.text(NOTE).to_string());
        let on_date = values.date(ON_DATE).unwrap_or(self.today);
        let minutes = values
            .number(MINUTES)
            .and_then(|m| u32::try_from(m).ok())
            .unwrap_or(0);
        let participants = if kind == CounsellingKind::Group {
            match self.participants(values.text(PARTICIPANTS), ctx.session) {
                Ok(ids) => ids,
                Err(msg) => {
                    self.set_form_error(PARTICIPANTS, msg);
                    return Ok(Outcome::Stay);
                }
            }
        } else {
            Vec::new()
        };
        drop(values);
        let new = NewSession {
            person_id: person.id,
            kind,
            on_date,
            minutes,
            participants,
        };
        if let Err(e) = new.validate(ctx.today) {
            let msg = sentence(&e);
            let field = if msg.contains("date") {
                ON_DATE
            } else if msg.contains("duration") {
                MINUTES
            } else {
                PARTICIPANTS
            };
            self.set_form_error(field, msg);
            return Ok(Outcome::Stay);
        }
        match ctx.session.record_counselling(&new, &note) {
            Ok(id) => {
                self.after_save(id, ctx)?;
                Ok(Outcome::Status(
                    "Session saved. Its note is sealed: only a psychologist can read it.".into(),
                ))
            }
            Err(e) => {
                tracing::warn!("a counselling session could not be saved");
                self.error_popup("The session was not saved", &e);
                Ok(Outcome::Stay)
            }
        }
    }

    fn save_amend(
        &mut self,
        session: SessionRow,
        values: FormValues,
        dirty: bool,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<Outcome> {
        if !dirty {
            self.view = View::Sessions;
            return Ok(Outcome::Status(
                "Nothing changed; the note is as it was.".into(),
            ));
        }
        let note = Zeroizing::new(values.text(NOTE).to_string());
        drop(values);
        match ctx.session.amend_note(session.id, &note) {
            Ok(version) => {
                self.after_save(session.id, ctx)?;
                Ok(Outcome::Status(format!(
                    "Note amended: version {version} saved; earlier versions are kept."
                )))
            }
            Err(e) => {
                tracing::warn!("a counselling note could not be amended");
                self.error_popup("The note was not saved", &e);
                Ok(Outcome::Stay)
            }
        }
    }

    /// Back to the person's sessions with `id` selected.
    fn after_save(&mut self, id: SessionId, ctx: &ScreenCtx<'_>) -> Result<()> {
        self.view = View::Sessions;
        self.load_sessions(ctx)?;
        if let Some(i) = self.sessions.iter().position(|s| s.id == id) {
            self.sessions_state.select(i);
        }
        if let Some(p) = &self.person
            && let Some(row) = self.persons.iter_mut().find(|r| r.id == p.id)
        {
            *row = p.clone();
        }
        Ok(())
    }

    fn set_form_error(&mut self, key: FieldKey, msg: String) {
        if let View::Edit(ed) = &mut self.view {
            ed.form.set_error(key, msg);
        }
    }

    fn handle_persons(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let cols = person_columns();
        match self.persons_state.handle(input, self.persons.len(), &cols) {
            TableEvent::Activate(i) => self.choose_person(i, ctx),
            TableEvent::QueryChanged(_) => {
                self.load_persons(ctx)?;
                Ok(Outcome::Stay)
            }
            TableEvent::Back => Ok(Outcome::Back),
            TableEvent::Other(Action::New, Some(i)) => {
                self.choose_person(i, ctx)?;
                Ok(self.start_new())
            }
            TableEvent::Other(Action::Refresh, _) => {
                self.load_persons(ctx)?;
                Ok(Outcome::Stay)
            }
            _ => Ok(Outcome::Stay),
        }
    }

    fn handle_sessions(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let cols = session_columns();
        match self
            .sessions_state
            .handle(input, self.sessions.len(), &cols)
        {
            TableEvent::Activate(i) => self.open_note(i, ctx),
            TableEvent::Back => {
                self.view = View::Persons;
                self.person = None;
                self.sessions.clear();
                Ok(Outcome::Stay)
            }
            TableEvent::Other(Action::New, _) => Ok(self.start_new()),
            TableEvent::Other(Action::Edit, Some(i)) => match self.sessions.get(i).cloned() {
                Some(s) => Ok(self.start_amend(s, ctx)),
                None => Ok(Outcome::Stay),
            },
            TableEvent::Other(Action::Refresh, _) => {
                self.load_sessions(ctx)?;
                Ok(Outcome::Stay)
            }
            _ => Ok(Outcome::Stay),
        }
    }

    fn handle_note(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let View::Note(nv) = &mut self.view else {
            return Ok(Outcome::Stay);
        };
        let Input::Action(action) = input else {
            return Ok(Outcome::Stay);
        };
        let page = nv.drawn.get().1.max(1);
        match action {
            Action::Back => {
                // Dropping the view wipes the opened text.
                self.view = View::Sessions;
            }
            Action::Down => nv.scroll = (nv.scroll + 1).min(nv.max_scroll()),
            Action::Up => nv.scroll = nv.scroll.saturating_sub(1),
            Action::PageDown => nv.scroll = (nv.scroll + page).min(nv.max_scroll()),
            Action::PageUp => nv.scroll = nv.scroll.saturating_sub(page),
            Action::Home => nv.scroll = 0,
            Action::End => nv.scroll = nv.max_scroll(),
            Action::Left | Action::Right => {
                let older = action == Action::Left;
                let id = nv.session.id;
                let NoteBody::Text {
                    notes,
                    shown,
                    history,
                } = &mut nv.body
                else {
                    return Ok(Outcome::Stay);
                };
                if !*history && older {
                    if nv.session.versions <= 1 {
                        return Ok(Outcome::Status("This note has only one version.".into()));
                    }
                    match ctx.session.note_history(id) {
                        Ok(all) => {
                            *notes = all;
                            *history = true;
                            *shown = notes.len().saturating_sub(2);
                        }
                        Err(e) => {
                            self.error_popup("The earlier versions could not be opened", &e);
                            return Ok(Outcome::Stay);
                        }
                    }
                } else if older {
                    if *shown == 0 {
                        return Ok(Outcome::Status("This is the first version.".into()));
                    }
                    *shown -= 1;
                } else if *shown + 1 < notes.len() {
                    *shown += 1;
                } else {
                    return Ok(Outcome::Status("This is the latest version.".into()));
                }
                nv.scroll = 0;
            }
            Action::Edit => {
                let s = nv.session.clone();
                return Ok(self.start_amend(s, ctx));
            }
            _ => {}
        }
        Ok(Outcome::Stay)
    }

    fn handle_kinds(&mut self, input: Input) -> Outcome {
        let View::Kinds(state) = &mut self.view else {
            return Outcome::Stay;
        };
        let cols = [Column::fill("Kind of session", 1).unsortable()];
        match state.handle(input, CounsellingKind::ALL.len(), &cols) {
            TableEvent::Activate(i) => {
                let kind = CounsellingKind::ALL[i];
                let form = self.new_form(kind);
                self.view = View::Edit(Box::new(Editor {
                    form,
                    kind: EditKind::New { kind },
                }));
            }
            TableEvent::Back => self.view = View::Sessions,
            _ => {}
        }
        Outcome::Stay
    }

    fn handle_edit(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let View::Edit(ed) = &mut self.view else {
            return Ok(Outcome::Stay);
        };
        let dirty = ed.form.is_dirty();
        match ed.form.handle(input) {
            FormOutcome::Pending => Ok(Outcome::Stay),
            FormOutcome::Cancelled => {
                self.view = View::Sessions;
                Ok(Outcome::Stay)
            }
            FormOutcome::Submitted(values) => match &ed.kind {
                EditKind::New { kind } => {
                    let kind = *kind;
                    self.save_new(kind, values, ctx)
                }
                EditKind::Amend { session } => {
                    let session = session.clone();
                    self.save_amend(session, values, dirty, ctx)
                }
            },
        }
    }

    // ---- drawing -----------------------------------------------------

    /// A one-line notice above the lists for whoever cannot read notes.
    fn notice(&self) -> Option<String> {
        if !self.is_psychologist() {
            Some(NOT_A_PSYCHOLOGIST.to_string())
        } else if !self.holds_key {
            Some(no_key_message(&self.user))
        } else {
            None
        }
    }

    fn render_lists(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let mut area = area;
        if let Some(n) = self.notice() {
            let w = usize::from(area.width);
            // The no-key message is long: give it two rows if needed.
            let rows = if crate::safe_text::width(&n) > w && area.height > 6 {
                2
            } else {
                1
            };
            let style = if self.is_psychologist() {
                theme.warning
            } else {
                theme.hint
            };
            for (i, line) in wrap(&n, w).iter().take(rows).enumerate() {
                buf.set_string(area.x, area.y + i as u16, fit(line, w, Align::Left), style);
            }
            area.y += rows as u16;
            area.height = area.height.saturating_sub(rows as u16);
        }
        match (&self.view, &self.person) {
            (View::Persons, _) | (_, None) => {
                let title = if self.persons_state.query().is_empty() {
                    "Persons with counselling sessions · / search any person".to_string()
                } else {
                    "Persons matching the search".to_string()
                };
                let cols = person_columns();
                let rows = PersonRows(&self.persons);
                Table::new(&rows, &cols, &self.persons_state, theme)
                    .title(title)
                    .empty_message("No counselling sessions yet. Press / to find a person.")
                    .render(area, buf);
            }
            (_, Some(p)) => {
                let title = format!("Sessions · {} {}", p.case_number, p.name);
                let cols = session_columns();
                let rows = SessionRows {
                    rows: &self.sessions,
                    person_id: p.id,
                };
                let empty = if self.is_psychologist() {
                    "No sessions yet. Press n to record one."
                } else {
                    "No sessions yet."
                };
                Table::new(&rows, &cols, &self.sessions_state, theme)
                    .title(title)
                    .empty_message(empty)
                    .render(area, buf);
            }
        }
    }

    fn render_kinds(&self, state: &TableState, area: Rect, buf: &mut Buffer, theme: &Theme) {
        self.render_lists(area, buf, theme);
        let rect = crate::ui::layout::centered(area, 44, 7);
        ratatui::widgets::Clear.render(rect, buf);
        let rows: Vec<Vec<String>> = CounsellingKind::ALL
            .iter()
            .map(|k| {
                let mut c = k.label().chars();
                vec![
                    c.next()
                        .map_or(String::new(), |f| f.to_uppercase().chain(c).collect()),
                ]
            })
            .collect();
        let cols = [Column::fill("Kind of session", 1).unsortable()];
        Table::new(&rows, &cols, state, theme)
            .title("New session: which kind?")
            .render(rect, buf);
    }

    fn render_note(&self, nv: &NoteView, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let s = &nv.session;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focus)
            .style(theme.base)
            .title(Span::styled(
                format!(
                    " {} session · {} · {} ",
                    kind_word(s.kind),
                    s.on_date,
                    sanitize(&s.case_number)
                ),
                theme.title,
            ));
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height < 4 || inner.width < 10 {
            return;
        }
        let inner = Rect {
            x: inner.x + 1,
            width: inner.width - 2,
            ..inner
        };
        let w = usize::from(inner.width);
        let mut y = inner.y;
        let bottom = inner.bottom() - 1; // footer row
        let line = |buf: &mut Buffer, y: u16, text: &str, style| {
            buf.set_string(inner.x, y, fit(text, w, Align::Left), style);
        };
        let with = {
            let o = self
                .person
                .as_ref()
                .map_or(String::new(), |p| others(s, p.id));
            if o.is_empty() {
                String::new()
            } else {
                format!(" · with {o}")
            }
        };
        line(
            buf,
            y,
            &format!(
                "{} minutes · by {}{with}",
                s.minutes,
                s.psychologist.as_deref().unwrap_or("?")
            ),
            theme.label,
        );
        y += 1;
        let footer = match &nv.body {
            NoteBody::Hidden { versions, why } => {
                if let Some(last) = versions.last() {
                    line(
                        buf,
                        y,
                        &format!(
                            "{} version{} · last written by {} on {}",
                            versions.len(),
                            if versions.len() == 1 { "" } else { "s" },
                            last.written_by.as_deref().unwrap_or("?"),
                            local_time(&last.written_at)
                        ),
                        theme.hint,
                    );
                }
                y += 2;
                for l in wrap(why, w) {
                    if y >= bottom {
                        break;
                    }
                    line(buf, y, &l, theme.label_focus);
                    y += 1;
                }
                nv.drawn.set((0, 0));
                "Esc back"
            }
            NoteBody::Text {
                notes,
                shown,
                history,
            } => {
                let Some(note) = notes.get(*shown) else {
                    return;
                };
                line(
                    buf,
                    y,
                    &format!(
                        "Version {} of {} · written by {} on {}",
                        note.version,
                        if *history {
                            notes.len() as i64
                        } else {
                            s.versions.max(note.version)
                        },
                        note.written_by.as_deref().unwrap_or("?"),
                        local_time(&note.written_at)
                    ),
                    theme.hint,
                );
                y += 1;
                if *history {
                    // The history: every version, the one shown marked.
                    let rows = notes.len().min(4);
                    let first = (*shown + 1).saturating_sub(rows);
                    for (i, n) in notes.iter().enumerate().skip(first).take(rows) {
                        if y >= bottom {
                            break;
                        }
                        let mark = if i == *shown { "▸" } else { " " };
                        let style = if i == *shown {
                            theme.selected
                        } else {
                            theme.base
                        };
                        line(
                            buf,
                            y,
                            &format!(
                                "{mark} v{:<3} {:<14} {}",
                                n.version,
                                n.written_by.as_deref().unwrap_or("?"),
                                local_time(&n.written_at)
                            ),
                            style,
                        );
                        y += 1;
                    }
                }
                // A rule between the heading and the text.
                if y < bottom {
                    buf.set_string(inner.x, y, "─".repeat(w), theme.border);
                    y += 1;
                }
                let lines: Vec<Zeroizing<String>> = sanitize_lines(&note.text)
                    .iter()
                    .flat_map(|l| wrap(l, w))
                    .collect();
                let rows = usize::from(bottom.saturating_sub(y));
                nv.drawn.set((lines.len(), rows));
                let scroll = nv.scroll.min(lines.len().saturating_sub(rows));
                for l in lines.iter().skip(scroll).take(rows) {
                    line(buf, y, l, theme.base);
                    y += 1;
                }
                if scroll > 0 {
                    buf.set_string(inner.right() - 1, bottom - rows as u16, "↑", theme.hint);
                }
                if scroll + rows < lines.len() {
                    buf.set_string(inner.right() - 1, bottom - 1, "↓", theme.hint);
                }
                "↑↓ scroll · ← → versions · e amend · Esc back"
            }
        };
        line(buf, bottom, footer, theme.hint);
    }
}

/// Word-wraps one sanitized line to `width` columns; words longer than a
/// row are cut. Rows are wiped from memory when dropped (note text).
fn wrap(line: &str, width: usize) -> Vec<Zeroizing<String>> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut cur = Zeroizing::new(String::new());
    let mut cur_w = 0;
    for word in line.split(' ') {
        let ww: usize = word.chars().map(char_width).sum();
        let sep = usize::from(cur_w > 0);
        if cur_w + sep + ww <= width {
            if sep == 1 {
                cur.push(' ');
            }
            cur.push_str(word);
            cur_w += sep + ww;
            continue;
        }
        if cur_w > 0 {
            rows.push(std::mem::replace(&mut cur, Zeroizing::new(String::new())));
            cur_w = 0;
        }
        for c in word.chars() {
            let cw = char_width(c);
            if cur_w + cw > width && cur_w > 0 {
                rows.push(std::mem::replace(&mut cur, Zeroizing::new(String::new())));
                cur_w = 0;
            }
            cur.push(c);
            cur_w += cw;
        }
    }
    rows.push(cur);
    rows
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
        self.holds_key = self.role == Role::Psychologist && ctx.session.holds_counselling_key();
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

/// Demo offices and rendering for this module's and the audit screen's
/// snapshot tests.
#[cfg(test)]
pub(crate) mod testing {
    use chrono::NaiveDate;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    use crate::office::{self, OfficePaths, Session};
    use crate::ui::screen::Screen;
    use crate::ui::theme::Theme;

    /// A fixed "today" for forms.
    pub fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
    }

    /// A demo office (manager, staff, psychologist; password demo) in a
    /// temp dir.
    pub fn demo(children: usize) -> (tempfile::TempDir, OfficePaths) {
        crate::vault::crypto::pin_work_factor(10);
        let dir = tempfile::tempdir().expect("temp dir");
        let paths = OfficePaths::new(dir.path().join("office.casedesk"));
        crate::demo::build(&paths, &crate::demo::DemoOptions::new(children, today()))
            .expect("demo office");
        (dir, paths)
    }

    pub fn login(paths: &OfficePaths, user: &str) -> Session {
        let pw = age::secrecy::SecretString::from("demo".to_string());
        office::login(paths, user, &pw).expect("login")
    }

    /// Draws a screen at 80x24 and returns the text, with dates and times
    /// (which depend on the day the demo was built) masked.
    pub fn draw(screen: &dyn Screen) -> String {
        let theme = Theme::default();
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("backend");
        terminal
            .draw(|f| {
                let area = f.area();
                screen.render(area, f.buffer_mut(), &theme)
            })
            .expect("draw");
        mask(&terminal.backend().to_string())
    }

    /// `2026-11-23` → `YYYY-MM-DD`, `14:05` → `hh:mm`: same widths, so the
    /// layout is what is compared.
    pub fn mask(s: &str) -> String {
        let chars: Vec<char> = s.chars().collect();
        let digits = |at: usize, n: usize| {
            (at..at + n).all(|i| chars.get(i).is_some_and(|c| c.is_ascii_digit()))
        };
        let is = |at: usize, c: char| chars.get(at) == Some(&c);
        let mut out = String::with_capacity(s.len());
        let mut i = 0;
        while i < chars.len() {
            if digits(i, 4)
                && is(i + 4, '-')
                && digits(i + 5, 2)
                && is(i + 7, '-')
                && digits(i + 8, 2)
            {
                out.push_str("YYYY-MM-DD");
                i += 10;
            } else if digits(i, 2) && is(i + 2, ':') && digits(i + 3, 2) {
                out.push_str("hh:mm");
                i += 5;
            } else {
                out.push(chars[i]);
                i += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{demo, draw, login, today};
    use super::*;
    use crate::office::Session;

    fn ctx<'a>(session: &'a mut Session, theme: &'a Theme) -> ScreenCtx<'a> {
        ScreenCtx {
            session,
            today: today(),
            theme,
        }
    }

    fn act(screen: &mut CounsellingScreen, session: &mut Session, a: Action) -> Outcome {
        let theme = Theme::default();
        screen
            .handle(Input::Action(a), &mut ctx(session, &theme))
            .expect("handle")
    }

    fn typ(screen: &mut CounsellingScreen, session: &mut Session, s: &str) {
        let theme = Theme::default();
        for c in s.chars() {
            screen
                .handle(Input::Text(c), &mut ctx(session, &theme))
                .expect("type");
        }
    }

    fn opened(session: &mut Session) -> CounsellingScreen {
        let theme = Theme::default();
        let mut screen = CounsellingScreen::new();
        screen.refresh(&mut ctx(session, &theme)).expect("refresh");
        screen
    }

    fn reads(session: &Session) -> i64 {
        session
            .conn()
            .query_row(
                "SELECT count(*) FROM audit WHERE action = 'counselling.read'",
                [],
                |r| r.get(0),
            )
            .expect("count")
    }

    #[test]
    fn psychologist_sees_sessions_and_reads_a_note() {
        let (_dir, paths) = demo(12);
        let mut psy = login(&paths, "psychologist");
        let mut screen = opened(&mut psy);
        assert!(
            !screen.persons.is_empty(),
            "the demo has counselled persons"
        );
        act(&mut screen, &mut psy, Action::Confirm);
        assert!(matches!(screen.view, View::Sessions));
        insta::assert_snapshot!("psychologist_sessions", draw(&screen));
        let before = reads(&psy);
        act(&mut screen, &mut psy, Action::Confirm);
        assert!(matches!(
            &screen.view,
            View::Note(nv) if matches!(nv.body, NoteBody::Text { .. })
        ));
        assert_eq!(reads(&psy), before + 1, "the read is audited");
        insta::assert_snapshot!("psychologist_note", draw(&screen));
        assert!(!screen.has_unsaved_work());
        // Leaving the note drops it.
        act(&mut screen, &mut psy, Action::Back);
        assert!(matches!(screen.view, View::Sessions));
    }

    #[test]
    fn staff_see_that_sessions_happened_but_never_text() {
        let (_dir, paths) = demo(12);
        let mut psy = login(&paths, "psychologist");
        let mut ps = opened(&mut psy);
        act(&mut ps, &mut psy, Action::Confirm);
        act(&mut ps, &mut psy, Action::Confirm);
        let View::Note(nv) = &ps.view else {
            panic!("note open")
        };
        let NoteBody::Text { notes, .. } = &nv.body else {
            panic!("text")
        };
        let secret_line = notes[0]
            .text
            .lines()
            .find(|l| l.len() > 20)
            .expect("a long line")
            .to_string();
        drop(ps);

        for user in ["staff", "manager"] {
            let mut s = login(&paths, user);
            let before = reads(&s);
            let mut screen = opened(&mut s);
            act(&mut screen, &mut s, Action::Confirm);
            let list = draw(&screen);
            assert!(list.contains(NOT_A_PSYCHOLOGIST), "{list}");
            if user == "staff" {
                insta::assert_snapshot!("staff_sessions", list);
            }
            act(&mut screen, &mut s, Action::Confirm);
            let note = draw(&screen);
            assert!(note.contains(NOT_A_PSYCHOLOGIST), "{note}");
            assert!(!note.contains(&secret_line));
            if user == "staff" {
                insta::assert_snapshot!("staff_note", note);
            }
            assert_eq!(reads(&s), before, "nothing was read");
            // No new session, no amend.
            act(&mut screen, &mut s, Action::Back);
            assert!(matches!(
                act(&mut screen, &mut s, Action::New),
                Outcome::Status(_)
            ));
            assert!(matches!(
                act(&mut screen, &mut s, Action::Edit),
                Outcome::Status(_)
            ));
            assert!(matches!(screen.view, View::Sessions));
        }
    }

    #[test]
    fn new_session_form_shows_a_validation_error_and_keeps_the_text() {
        let (_dir, paths) = demo(12);
        let mut psy = login(&paths, "psychologist");
        let mut screen = opened(&mut psy);
        act(&mut screen, &mut psy, Action::Confirm);
        act(&mut screen, &mut psy, Action::New);
        assert!(matches!(screen.view, View::Kinds(_)));
        // Assessment, Individual, Group.
        act(&mut screen, &mut psy, Action::Down);
        act(&mut screen, &mut psy, Action::Down);
        act(&mut screen, &mut psy, Action::Confirm);
        assert!(!screen.has_unsaved_work(), "the prefilled form is clean");
        act(&mut screen, &mut psy, Action::NextField);
        typ(&mut screen, &mut psy, "45");
        act(&mut screen, &mut psy, Action::NextField);
        typ(&mut screen, &mut psy, "cpc-1999-0001");
        assert!(screen.has_unsaved_work());
        act(&mut screen, &mut psy, Action::Save);
        let View::Edit(ed) = &screen.view else {
            panic!("still editing")
        };
        assert_eq!(
            ed.form.error(PARTICIPANTS),
            Some("No person has the case number CPC-1999-0001.")
        );
        insta::assert_snapshot!("new_group_session_error", draw(&screen));
    }

    #[test]
    fn write_amend_and_browse_the_history() {
        let (_dir, paths) = demo(12);
        let mut psy = login(&paths, "psychologist");
        let mut screen = opened(&mut psy);
        act(&mut screen, &mut psy, Action::Confirm);
        let before = screen.sessions.len();
        act(&mut screen, &mut psy, Action::New);
        act(&mut screen, &mut psy, Action::Down);
        act(&mut screen, &mut psy, Action::Confirm); // individual
        act(&mut screen, &mut psy, Action::NextField);
        typ(&mut screen, &mut psy, "30");
        act(&mut screen, &mut psy, Action::NextField);
        act(&mut screen, &mut psy, Action::End);
        typ(&mut screen, &mut psy, "Quokka lantern phrase");
        let out = act(&mut screen, &mut psy, Action::Save);
        assert!(matches!(out, Outcome::Status(_)), "{out:?}");
        assert_eq!(screen.sessions.len(), before + 1);
        assert!(!screen.has_unsaved_work());
        // The new session is selected: open, amend, read the history.
        act(&mut screen, &mut psy, Action::Confirm);
        assert!(draw(&screen).contains("Quokka lantern phrase"));
        act(&mut screen, &mut psy, Action::Edit);
        assert!(matches!(screen.view, View::Edit(_)));
        act(&mut screen, &mut psy, Action::End);
        typ(&mut screen, &mut psy, " amended");
        act(&mut screen, &mut psy, Action::Save);
        act(&mut screen, &mut psy, Action::Confirm);
        let now = draw(&screen);
        assert!(now.contains("Version 2 of 2"), "{now}");
        assert!(now.contains("amended"), "{now}");
        act(&mut screen, &mut psy, Action::Left);
        let old = draw(&screen);
        assert!(old.contains("Version 1 of 2"), "{old}");
        assert!(old.contains("v1") && old.contains("v2"), "{old}");
        assert!(!old.contains("amended"), "{old}");
        act(&mut screen, &mut psy, Action::Right);
        assert!(draw(&screen).contains("Version 2 of 2"));
        // Locked: the opened note is dropped at once, before any unlock.
        screen.on_lock();
        assert!(matches!(screen.view, View::Sessions));
        assert!(!draw(&screen).contains("amended"));
        // Shown again: an opened note is not kept either.
        act(&mut screen, &mut psy, Action::Confirm);
        assert!(matches!(screen.view, View::Note(_)));
        let theme = Theme::default();
        screen.refresh(&mut ctx(&mut psy, &theme)).expect("refresh");
        assert!(matches!(screen.view, View::Sessions));
    }

    #[test]
    fn a_psychologist_without_the_key_is_told_to_ask_for_it() {
        let (_dir, paths) = demo(12);
        let mut manager = login(&paths, "manager");
        // Demo accounts share the demo password (CLI.md).
        let _demo = crate::secrets::allow_demo_password();
        let pw = age::secrecy::SecretString::from("demo".to_string());
        manager
            .add_user("second", Role::Psychologist, &pw)
            .expect("add");
        let mut s = login(&paths, "second");
        assert!(!s.holds_counselling_key());
        let mut screen = opened(&mut s);
        assert!(draw(&screen).contains("casedesk user grant second"));
        act(&mut screen, &mut s, Action::Confirm);
        act(&mut screen, &mut s, Action::Confirm);
        let note = draw(&screen);
        assert!(note.contains("casedesk user grant second"), "{note}");
    }

    #[test]
    fn a_psychologist_is_asked_to_share_the_key_with_a_new_colleague() {
        let (_dir, paths) = demo(12);
        let mut manager = login(&paths, "manager");
        // Demo accounts share the demo password (CLI.md).
        let _demo = crate::secrets::allow_demo_password();
        let pw = age::secrecy::SecretString::from("demo".to_string());
        manager
            .add_user("second", Role::Psychologist, &pw)
            .expect("add");
        manager
            .add_user("third", Role::Psychologist, &pw)
            .expect("add");
        // Staff are never asked: they hold no key.
        let mut staff = login(&paths, "staff");
        assert!(opened(&mut staff).grant.is_none());

        let mut psy = login(&paths, "psychologist");
        let mut screen = opened(&mut psy);
        let asked = draw(&screen);
        assert!(asked.contains("Share the counselling key?"), "{asked}");
        assert!(asked.contains("second"), "{asked}");
        let out = act(&mut screen, &mut psy, Action::Yes);
        assert!(matches!(out, Outcome::Status(m) if m.contains("second")));
        // "Not now" for the third: not asked again on this screen.
        let theme = Theme::default();
        screen.refresh(&mut ctx(&mut psy, &theme)).expect("refresh");
        assert!(draw(&screen).contains("third"));
        act(&mut screen, &mut psy, Action::No);
        screen.refresh(&mut ctx(&mut psy, &theme)).expect("refresh");
        assert!(screen.grant.is_none());

        // The second now holds the same counselling identity; the third not.
        let second = login(&paths, "second");
        let third = login(&paths, "third");
        assert_eq!(
            second
                .unlocked()
                .counselling_identity()
                .map(|i| i.to_public().to_string()),
            psy.unlocked()
                .counselling_identity()
                .map(|i| i.to_public().to_string())
        );
        assert!(!third.holds_counselling_key());
    }

    #[test]
    fn search_finds_a_person_without_sessions() {
        let (_dir, paths) = demo(12);
        let mut psy = login(&paths, "psychologist");
        let mut screen = opened(&mut psy);
        let counselled: Vec<i64> = screen.persons.iter().map(|p| p.id).collect();
        let other: String = psy
            .conn()
            .query_row(
                "SELECT case_number FROM persons WHERE id NOT IN
                   (SELECT person_id FROM counselling_sessions
                    UNION SELECT person_id FROM counselling_participants) LIMIT 1",
                [],
                |r| r.get(0),
            )
            .expect("a person without sessions");
        act(&mut screen, &mut psy, Action::Search);
        typ(&mut screen, &mut psy, &other);
        assert_eq!(screen.persons.len(), 1);
        assert!(!counselled.contains(&screen.persons[0].id));
        assert_eq!(screen.persons[0].sessions, 0);
    }

    #[test]
    fn wrap_keeps_words_and_cuts_long_ones() {
        let rows: Vec<String> = wrap("one two three", 7)
            .iter()
            .map(|r| r.to_string())
            .collect();
        assert_eq!(rows, ["one two", "three"]);
        let rows: Vec<String> = wrap("abcdefghij", 4)
            .iter()
            .map(|r| r.to_string())
            .collect();
        assert_eq!(rows, ["abcd", "efgh", "ij"]);
    }
}
