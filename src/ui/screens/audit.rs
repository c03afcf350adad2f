//! The manager's audit screen: the state of the hash chain at the top, the
//! trail below (newest first), and a small filter form (person, user,
//! dates, action) on `/` or `e`.
//!
//! The trail is read a page at a time, newest first: moving the selection
//! near the end of what is loaded fetches the next, older page (keyset
//! paging on `seq`, `AuditFilter::before_seq`, so entries written while
//! the screen is open do not shift the pages). Loaded pages are kept: an
//! entry is a few hundred bytes, so even a long trail scrolled to its
//! start fits comfortably.
//!
//! Opening the screen and applying a filter are themselves recorded
//! (`audit.view`), as `casedesk audit` does. Entries hold record ids and
//! field names, never personal data; they are still sanitized before they
//! are drawn (anyone with the database open could have written them).

mod filter;

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;

use super::counselling::local_time;

use crate::office::audit::{AuditFilter, Entry, Verdict};
use crate::safe_text::{Align, fit};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::theme::Theme;
use crate::ui::widgets::dialog::MessagePopup;
use crate::ui::widgets::form::{Form, FormOutcome};
use crate::ui::widgets::table::{Column, RowSource, Table, TableEvent, TableState};
use crate::{Error, Result};
use filter::Typed;

/// Entries fetched per page, and how close to the end of what is loaded
/// the selection may come before the next, older page is fetched.
pub const PAGE: usize = 500;
const MARGIN: usize = 100;

const HELP: &str = "Who did what and when, newest first. Entries name records by id \
(person:12), never personal data. The line at the top says whether the chain of \
entries is intact: an entry edited or deleted with a database tool shows there. \
/ or e filters by person, user, dates and action; Esc clears the filter; F5 checks again.";

struct EntryRows<'a>(&'a [Entry]);

impl RowSource for EntryRows<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn row(&self, index: usize) -> Vec<Cow<'_, str>> {
        let Some(e) = self.0.get(index) else {
            return Vec::new();
        };
        vec![
            Cow::Owned(e.seq.to_string()),
            Cow::Owned(local_time(&e.at)),
            Cow::Borrowed(e.user_name.as_str()),
            Cow::Borrowed(e.action.as_str()),
            Cow::Borrowed(e.target.as_str()),
            Cow::Borrowed(e.detail.as_str()),
        ]
    }
}

fn columns() -> Vec<Column> {
    vec![
        Column::fixed("#", 6).right().unsortable(),
        Column::fixed("When", 16).unsortable(),
        Column::fixed("User", 12).unsortable(),
        Column::fixed("Action", 19).unsortable(),
        Column::fill("Record", 3).unsortable(),
        Column::fill("Detail", 2).unsortable(),
    ]
}

pub struct AuditScreen {
    verdict: Option<Verdict>,
    /// The pages loaded so far, newest first.
    entries: Vec<Entry>,
    /// The last page fetched was full: older entries may follow.
    more: bool,
    state: TableState,
    filter: AuditFilter,
    typed: Typed,
    form: Option<Form>,
    popup: Option<MessagePopup>,
    theme: Theme,
    today: chrono::NaiveDate,
}

impl Default for AuditScreen {
    fn default() -> Self {
        Self::new()
    }
}

impl AuditScreen {
    pub fn new() -> AuditScreen {
        AuditScreen {
            verdict: None,
            entries: Vec::new(),
            more: false,
            state: TableState::new(),
            filter: AuditFilter::default(),
            typed: Typed::default(),
            form: None,
            popup: None,
            theme: Theme::default(),
            today: crate::clock::today(),
        }
    }

    /// Check the chain and load the entries matching the filter; the
    /// look itself is recorded first, so it shows in the trail.
    fn load(&mut self, ctx: &ScreenCtx<'_>) -> Result<()> {
        ctx.session.audit_viewed(self.filter.person)?;
        // As `casedesk audit --verify`: an intact trail moves the head file
        // forward.
        let (verdict, _head) = ctx.session.verify_trail()?;
        self.verdict = Some(verdict);
        // From the top, and back down to where the selection was (F5 deep
        // in the trail; a new filter starts at the top).
        let sel = self.state.selected(self.entries.len()).unwrap_or(0);
        self.entries.clear();
        self.more = true;
        self.load_until(ctx, sel)
    }

    /// Fetch the page after the last entry loaded (the first page when
    /// nothing is loaded). Not recorded: it is the same look, scrolled.
    fn load_more(&mut self, ctx: &ScreenCtx<'_>) -> Result<()> {
        let page = ctx.session.audit_entries(&AuditFilter {
            newest_first: true,
            before_seq: self.entries.last().map(|e| e.seq),
            limit: Some(PAGE),
            ..self.filter.clone()
        })?;
        self.more = page.len() == PAGE;
        self.entries.extend(page);
        Ok(())
    }

    /// Fetch older pages while the selection is near the end of what is
    /// loaded and more may follow.
    fn follow(&mut self, ctx: &ScreenCtx<'_>) -> Result<()> {
        let sel = self.state.selected(self.entries.len()).unwrap_or(0);
        self.load_until(ctx, sel)
    }

    /// Fetch pages until row `sel` is loaded with `MARGIN` rows after it,
    /// or the trail ends.
    fn load_until(&mut self, ctx: &ScreenCtx<'_>, sel: usize) -> Result<()> {
        while self.more && sel + MARGIN >= self.entries.len() {
            self.load_more(ctx)?;
        }
        Ok(())
    }

    fn clear_filter(&mut self, ctx: &ScreenCtx<'_>) -> Result<()> {
        self.typed = Typed::default();
        self.filter = AuditFilter::default();
        self.state = TableState::new();
        self.load(ctx)
    }

    fn show_error(&mut self, e: &Error) {
        self.popup = Some(
            MessagePopup::error("The audit trail could not be read", e.to_string())
                .with_theme(&self.theme),
        );
    }

    fn chain_line(&self) -> (String, bool) {
        match &self.verdict {
            Some(Verdict::Intact { entries }) => (format!("Chain intact: {entries} entries"), true),
            Some(Verdict::Broken { seq, reason }) => {
                (format!("BROKEN at entry {seq}: {reason}"), false)
            }
            None => ("Chain not checked yet".into(), true),
        }
    }
}

impl Screen for AuditScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Audit
    }

    fn context_stack(&self) -> &'static [Context] {
        if self.popup.is_some() {
            stacks::DIALOG
        } else if let Some(f) = &self.form {
            f.context_stack()
        } else {
            self.state.context_stack()
        }
    }

    fn refresh(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        self.theme = ctx.theme.clone();
        self.today = ctx.today;
        self.load(ctx)
    }

    fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        if let Some(popup) = &mut self.popup {
            if let Input::Action(a) = input
                && popup.handle(a)
            {
                self.popup = None;
            }
            return Ok(Outcome::Stay);
        }
        if let Some(form) = &mut self.form {
            match form.handle(input) {
                FormOutcome::Pending => {}
                FormOutcome::Cancelled => self.form = None,
                FormOutcome::Submitted(v) => {
                    if self.apply(&v, ctx)? {
                        self.form = None;
                        if let Err(e) = self.load(ctx) {
                            self.show_error(&e);
                        }
                    }
                }
            }
            return Ok(Outcome::Stay);
        }
        if let Input::Action(Action::Search | Action::Edit) = input {
            self.form = Some(self.filter_form());
            return Ok(Outcome::Stay);
        }
        let cols = columns();
        match self.state.handle(input, self.entries.len(), &cols) {
            TableEvent::Back if !self.typed.is_empty() => {
                if let Err(e) = self.clear_filter(ctx) {
                    self.show_error(&e);
                }
                Ok(Outcome::Status("Filter cleared.".into()))
            }
            TableEvent::Back => Ok(Outcome::Back),
            TableEvent::Other(Action::Refresh, _) => {
                if let Err(e) = self.load(ctx) {
                    self.show_error(&e);
                }
                Ok(Outcome::Stay)
            }
            TableEvent::None => {
                if let Err(e) = self.follow(ctx) {
                    self.show_error(&e);
                }
                Ok(Outcome::Stay)
            }
            _ => Ok(Outcome::Stay),
        }
    }

    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        buf.set_style(area, theme.base);
        if area.height < 4 {
            return;
        }
        let w = usize::from(area.width);
        let (chain, ok) = self.chain_line();
        let style = if ok { theme.title } else { theme.error };
        buf.set_string(area.x, area.y, fit(&chain, w, Align::Left), style);
        let filter = if self.typed.is_empty() {
            "All entries, newest first · / filter · F5 check again".to_string()
        } else {
            format!("Filter: {} · Esc clears", self.typed.describe())
        };
        buf.set_string(area.x, area.y + 1, fit(&filter, w, Align::Left), theme.hint);
        let table_area = Rect {
            y: area.y + 2,
            height: area.height - 2,
            ..area
        };
        let cols = columns();
        let rows = EntryRows(&self.entries);
        let title = if self.more {
            format!(
                "Audit trail · newest {} loaded; older ones load as you scroll",
                self.entries.len()
            )
        } else {
            "Audit trail".to_string()
        };
        Table::new(&rows, &cols, &self.state, theme)
            .title(title)
            .empty_message("No entries match.")
            .render(table_area, buf);
        if let Some(form) = &self.form {
            // The filter form in place of the list, under the chain line.
            let rect = Rect {
                height: table_area.height.min(14),
                ..table_area
            };
            ratatui::widgets::Clear.render(table_area, buf);
            buf.set_style(table_area, theme.base);
            form.render(rect, buf);
        }
        if let Some(p) = &self.popup {
            p.render(area, buf);
        }
    }

    fn cursor(&self) -> Option<Position> {
        match (&self.form, &self.popup) {
            (Some(f), None) => f.cursor_position(),
            _ => None,
        }
    }

    fn has_unsaved_work(&self) -> bool {
        false
    }

    fn help_intro(&self) -> &str {
        HELP
    }
}

#[cfg(test)]
mod tests {
    use super::filter::key;
    use super::*;
    use crate::ui::testing::{demo, draw, login, today};

    fn opened(session: &mut crate::office::Session) -> AuditScreen {
        let theme = Theme::default();
        let mut screen = AuditScreen::new();
        screen
            .refresh(&mut ScreenCtx {
                session,
                today: today(),
                theme: &theme,
            })
            .expect("refresh");
        screen
    }

    #[test]
    fn intact_chain_newest_first() {
        let (_dir, paths) = demo(5);
        let mut m = login(&paths, "manager");
        let screen = opened(&mut m);
        assert!(matches!(screen.verdict, Some(Verdict::Intact { .. })));
        assert_eq!(screen.entries[0].action, "audit.view");
        assert!(screen.entries.windows(2).all(|w| w[0].seq > w[1].seq));
        insta::assert_snapshot!("audit_intact", draw(&screen));
    }

    #[test]
    fn scrolling_near_the_end_loads_older_pages() {
        let (_dir, paths) = demo(5);
        let mut m = login(&paths, "manager");
        m.conn().execute_batch("BEGIN IMMEDIATE").expect("begin");
        for i in 0..2 * PAGE + 50 {
            crate::store::audit::record(
                m.conn(),
                "manager",
                crate::domain::audit::AuditAction::PersonView,
                "person:1",
                &i.to_string(),
            )
            .expect("record");
        }
        m.conn().execute_batch("COMMIT").expect("commit");
        let mut screen = opened(&mut m);
        assert_eq!(screen.entries.len(), PAGE, "one page at first");
        assert!(screen.more);
        assert!(draw(&screen).contains("older ones load as you scroll"));
        let theme = Theme::default();
        let mut ctx = ScreenCtx {
            session: &mut m,
            today: today(),
            theme: &theme,
        };
        // Moving down, short of the margin, loads nothing.
        for _ in 0..PAGE - MARGIN - 1 {
            screen
                .handle(Input::Action(Action::Down), &mut ctx)
                .expect("down");
        }
        assert_eq!(screen.entries.len(), PAGE);
        // Near the end of the page the next one is fetched.
        screen
            .handle(Input::Action(Action::Down), &mut ctx)
            .expect("down");
        assert_eq!(screen.entries.len(), 2 * PAGE);
        let mut turns = 0;
        while screen.more && turns < 10 {
            screen
                .handle(Input::Action(Action::End), &mut ctx)
                .expect("end");
            turns += 1;
        }
        let total: i64 = ctx
            .session
            .conn()
            .query_row("SELECT count(*) FROM audit", [], |r| r.get(0))
            .expect("count");
        assert_eq!(screen.entries.len() as i64, total, "the whole trail");
        assert_eq!(screen.entries.last().map(|e| e.seq), Some(1));
        assert!(
            screen.entries.windows(2).all(|w| w[0].seq == w[1].seq + 1),
            "pages join with nothing missing or repeated"
        );
        assert!(!draw(&screen).contains("older ones load"));
        // F5 reloads from the top and loads down to the selection again.
        let sel = screen.state.selected(screen.entries.len());
        screen
            .handle(Input::Action(Action::Refresh), &mut ctx)
            .expect("refresh");
        assert_eq!(screen.entries[0].action, "audit.view");
        assert_eq!(screen.state.selected(screen.entries.len()), sel);
    }

    #[test]
    fn broken_chain_in_the_error_style() {
        let (_dir, paths) = demo(5);
        let mut m = login(&paths, "manager");
        m.conn()
            .execute_batch(
                "DROP TRIGGER audit_no_update;
                 UPDATE audit SET user_name = 'someone' WHERE seq = 3;",
            )
            .expect("tamper");
        let screen = opened(&mut m);
        assert_eq!(
            screen.verdict,
            Some(Verdict::Broken {
                seq: 3,
                reason: "entry 3 has been altered".into()
            })
        );
        let text = draw(&screen);
        assert!(text.contains("BROKEN at entry 3: entry 3 has been altered"));
        insta::assert_snapshot!("audit_broken", text);
    }

    #[test]
    fn filters_by_user_and_person() {
        let (_dir, paths) = demo(12);
        let mut m = login(&paths, "manager");
        let psy = login(&paths, "psychologist");
        let person: i64 = psy
            .conn()
            .query_row(
                "SELECT person_id FROM counselling_sessions LIMIT 1",
                [],
                |r| r.get(0),
            )
            .expect("a counselled person");
        let sid = psy.counselling_sessions(person).expect("list")[0].id;
        psy.read_note(sid).expect("read");
        let mut screen = opened(&mut m);
        let theme = Theme::default();
        let mut ctx = ScreenCtx {
            session: &mut m,
            today: today(),
            theme: &theme,
        };
        let key = |s: &mut AuditScreen, ctx: &mut ScreenCtx<'_>, a: Action| {
            s.handle(Input::Action(a), ctx).expect("handle")
        };
        key(&mut screen, &mut ctx, Action::Search);
        assert!(screen.form.is_some());
        for c in person.to_string().chars() {
            screen.handle(Input::Text(c), &mut ctx).expect("type");
        }
        key(&mut screen, &mut ctx, Action::NextField);
        for c in "psychologist".chars() {
            screen.handle(Input::Text(c), &mut ctx).expect("type");
        }
        key(&mut screen, &mut ctx, Action::Save);
        assert!(screen.form.is_none());
        assert!(!screen.entries.is_empty());
        assert!(screen.entries.iter().all(|e| e.user_name == "psychologist"
            && e.target.split(' ').any(|t| t == format!("person:{person}"))));
        assert!(
            screen
                .entries
                .iter()
                .any(|e| e.action == "counselling.read")
        );
        // A case number that does not exist stays in the form with an error.
        key(&mut screen, &mut ctx, Action::Edit);
        for _ in 0..10 {
            key(&mut screen, &mut ctx, Action::DeleteBack);
        }
        for c in "CPC-1999-0001".chars() {
            screen.handle(Input::Text(c), &mut ctx).expect("type");
        }
        key(&mut screen, &mut ctx, Action::Save);
        assert!(
            screen
                .form
                .as_ref()
                .and_then(|f| f.error(key::PERSON))
                .is_some()
        );
        key(&mut screen, &mut ctx, Action::Back);
        key(&mut screen, &mut ctx, Action::Yes);
        assert!(screen.form.is_none());
        // Esc clears the filter.
        assert_eq!(
            key(&mut screen, &mut ctx, Action::Back),
            Outcome::Status("Filter cleared.".into())
        );
        assert!(screen.typed.is_empty());
        assert_eq!(key(&mut screen, &mut ctx, Action::Back), Outcome::Back);
    }
}
