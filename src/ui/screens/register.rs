//! The registers: every child (CPC) and woman (women's desk) in one list,
//! with instant search, programme tabs, status and risk filters and sort.
//!
//! The list is virtual: the screen holds one window of a few hundred rows
//! around the selection (`Session::search_register` with offset and limit) and the
//! total count; the table asks only for the rows it draws. Moving near the
//! edge of the window fetches the next one in `handle`, so drawing never
//! touches the office file and a 100,000-row register scrolls like a short
//! one.

use std::borrow::Cow;
use std::str::FromStr;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::Result;
use crate::domain::person::RegisterRow;
use crate::domain::{CaseStatus, Centre, Concern, Programme, RiskLevel};
use crate::office::casework::{RegisterQuery, SortColumn};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input};
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::theme::Theme;
use crate::ui::widgets::table::{Column, RowSource, SortDir, Table, TableEvent, TableState};

/// Rows fetched per window, and how close to its edge the selection may
/// come before the next window is fetched.
pub const WINDOW: usize = 1000;
const MARGIN: usize = 200;
/// Rows fetched on a keystroke (new search, tab or sort): more than a
/// screen shows, so typing reads a tenth of a window; the first move of the
/// selection fetches the full window around it.
pub const FIRST_PAGE: usize = 100;

const HELP: &str = "The CPC register and the women's desk register. Left and right switch \
between all, CPC and women's desk. Type / and a few letters of a name, father's or \
husband's name, area or case number: the list narrows as you type. In the search you can \
also write status:active, risk:high, concern:csec, centre:cfs (child-friendly space) or \
worker:NAME to filter. s sorts by the \
next column, S reverses. Enter opens the person's file; n registers a new intake.";

/// Which programme's register is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    All,
    Cpc,
    WomensDesk,
}

impl Tab {
    const ALL: [Tab; 3] = [Tab::All, Tab::Cpc, Tab::WomensDesk];

    fn label(self) -> &'static str {
        match self {
            Tab::All => "All",
            Tab::Cpc => "CPC",
            Tab::WomensDesk => "Women's desk",
        }
    }

    fn programme(self) -> Option<Programme> {
        match self {
            Tab::All => None,
            Tab::Cpc => Some(Programme::Cpc),
            Tab::WomensDesk => Some(Programme::WomensDesk),
        }
    }

    fn step(self, by: isize) -> Tab {
        let i = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0) as isize;
        Tab::ALL[(i + by).rem_euclid(3) as usize]
    }
}

/// One window of the register plus the total that matches.
#[derive(Debug, Clone, Default)]
pub struct Window {
    pub total: usize,
    /// `total` is a capped count: at least this many match.
    pub at_least: bool,
    pub offset: usize,
    pub rows: Vec<RegisterRow>,
}

impl Window {
    fn get(&self, index: usize) -> Option<&RegisterRow> {
        index
            .checked_sub(self.offset)
            .and_then(|i| self.rows.get(i))
    }
}

impl RowSource for Window {
    fn len(&self) -> usize {
        self.total
    }

    fn row(&self, index: usize) -> Vec<Cow<'_, str>> {
        let Some(r) = self.get(index) else {
            return vec![Cow::Borrowed("…")];
        };
        let age = match (r.age, r.age_estimated) {
            (Some(a), true) => format!("~{a}"),
            (Some(a), false) => a.to_string(),
            (None, _) => String::new(),
        };
        vec![
            Cow::Borrowed(r.case_number.as_str()),
            Cow::Borrowed(r.name.as_str()),
            Cow::Borrowed(r.father_name.as_str()),
            Cow::Owned(age),
            Cow::Borrowed(r.status.label()),
            Cow::Borrowed(r.risk.label()),
            Cow::Borrowed(r.area.as_str()),
        ]
    }
}

/// The sort column behind each table column.
const SORTS: [SortColumn; 7] = [
    SortColumn::CaseNumber,
    SortColumn::Name,
    SortColumn::FatherName,
    SortColumn::Age,
    SortColumn::Status,
    SortColumn::Risk,
    SortColumn::Area,
];

pub fn columns() -> Vec<Column> {
    vec![
        Column::fixed("Case no.", 13),
        Column::fill("Name", 3),
        Column::fill("Father/husband", 3),
        Column::fixed("Age", 3).right(),
        Column::fixed("Status", 10),
        Column::fixed("Risk", 6),
        Column::fill("Area", 2),
    ]
}

pub struct RegisterScreen {
    state: TableState,
    columns: Vec<Column>,
    tab: Tab,
    query: RegisterQuery,
    window: Window,
    /// A filter word that was not understood, shown above the list.
    problem: Option<String>,
}

impl Default for RegisterScreen {
    fn default() -> Self {
        RegisterScreen::new()
    }
}

impl RegisterScreen {
    pub fn new() -> RegisterScreen {
        RegisterScreen {
            state: TableState::new(),
            columns: columns(),
            tab: Tab::All,
            query: RegisterQuery {
                limit: WINDOW,
                ..RegisterQuery::default()
            },
            window: Window::default(),
            problem: None,
        }
    }

    /// The rows as the table sees them (tests, benches).
    pub fn window(&self) -> &Window {
        &self.window
    }

    pub fn total(&self) -> usize {
        self.window.total
    }

    /// Turn the typed search into query text and filters. A worker is
    /// named by account name and looked up in the office file.
    fn apply_search(&mut self, typed: &str, ctx: &ScreenCtx<'_>) -> Result<()> {
        let mut words = Vec::new();
        self.query.status = None;
        self.query.risk = None;
        self.query.worker_id = None;
        self.query.concern = None;
        self.query.centre = None;
        self.problem = None;
        for w in typed.split_whitespace() {
            let (key, value) = match w.split_once(':') {
                Some((k, v)) if !v.is_empty() => (k.to_ascii_lowercase(), v),
                _ => {
                    words.push(w);
                    continue;
                }
            };
            match key.as_str() {
                "status" => match CaseStatus::from_str(value) {
                    Ok(s) => self.query.status = Some(s),
                    Err(_) => {
                        self.problem =
                            Some("status: can be registered, active, closed or reopened".into())
                    }
                },
                "risk" => match RiskLevel::from_str(value) {
                    Ok(r) => self.query.risk = Some(r),
                    Err(_) => self.problem = Some("risk: can be high, medium or low".into()),
                },
                "concern" => match Concern::from_str(value) {
                    Ok(c) => self.query.concern = Some(c),
                    Err(_) => {
                        let codes: Vec<&str> = Concern::ALL.iter().map(|c| c.code()).collect();
                        self.problem = Some(format!("concern: can be {}", codes.join(", ")));
                    }
                },
                "centre" => match Centre::from_str(value) {
                    Ok(c) => self.query.centre = Some(c),
                    Err(_) => self.problem = Some("centre: can be cpc, cfs or desk".into()),
                },
                "worker" => match ctx.session.account_named(value)? {
                    Some(u) => self.query.worker_id = Some(u.id),
                    None => self.problem = Some("worker: no account has that name".into()),
                },
                _ => words.push(w),
            }
        }
        self.query.text = words.join(" ");
        Ok(())
    }

    /// Fetch the window around `center`.
    fn fetch(&mut self, ctx: &ScreenCtx<'_>, center: usize) -> Result<()> {
        self.fetch_rows(ctx, center.saturating_sub(WINDOW / 2), WINDOW)
    }

    fn fetch_rows(&mut self, ctx: &ScreenCtx<'_>, offset: usize, limit: usize) -> Result<()> {
        self.query.programme = self.tab.programme();
        self.query.offset = offset;
        self.query.limit = limit;
        let page = ctx.session.search_register(&self.query, ctx.today)?;
        // A capped count ("at least"): let the list reach past it while
        // rows keep coming, so scrolling a broad search never hits a wall.
        let mut total = page.total;
        if !page.exact {
            let more = usize::from(page.rows.len() == limit);
            total = total.max(offset + page.rows.len() + more);
        }
        self.window = Window {
            total,
            at_least: !page.exact,
            offset,
            rows: page.rows,
        };
        Ok(())
    }

    /// Re-query from the top (new search, tab, sort): only the first page,
    /// so each keystroke stays quick; `follow` fetches the window later.
    fn reload(&mut self, ctx: &ScreenCtx<'_>) -> Result<()> {
        self.state.select(0);
        self.fetch_rows(ctx, 0, FIRST_PAGE)
    }

    /// Fetch a new window if the selection came near this one's edge.
    fn follow(&mut self, ctx: &ScreenCtx<'_>) -> Result<()> {
        let Some(sel) = self.state.selected(self.window.total) else {
            return Ok(());
        };
        let w = &self.window;
        let start = w.offset;
        let end = w.offset + w.rows.len();
        let near_top = start > 0 && sel < start + MARGIN;
        let near_end = end < w.total && sel + MARGIN >= end;
        if near_top || near_end || sel < start || sel >= end {
            self.fetch(ctx, sel)?;
        }
        Ok(())
    }
}

impl Screen for RegisterScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Register
    }

    fn context_stack(&self) -> &'static [Context] {
        self.state.context_stack()
    }

    fn refresh(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        let sel = self.state.selected(self.window.total).unwrap_or(0);
        self.fetch(ctx, sel)
    }

    fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let searching = self.state.is_searching();
        if !searching && let Input::Action(a @ (Action::Left | Action::Right)) = input {
            self.tab = self.tab.step(if a == Action::Left { -1 } else { 1 });
            self.reload(ctx)?;
            return Ok(Outcome::Stay);
        }
        match self.state.handle(input, self.window.total, &self.columns) {
            TableEvent::None => {
                self.follow(ctx)?;
                Ok(Outcome::Stay)
            }
            TableEvent::QueryChanged(q) => {
                self.apply_search(&q, ctx)?;
                self.reload(ctx)?;
                Ok(Outcome::Stay)
            }
            TableEvent::SortChanged { column, dir } => {
                self.query.sort = SORTS.get(column).copied().unwrap_or_default();
                self.query.descending = dir == SortDir::Desc;
                self.reload(ctx)?;
                Ok(Outcome::Stay)
            }
            TableEvent::Activate(i) => Ok(match self.window.get(i) {
                Some(r) => Outcome::OpenPerson(r.id),
                None => Outcome::Stay,
            }),
            TableEvent::Back => Ok(Outcome::Back),
            TableEvent::Other(Action::New, _) => Ok(Outcome::Go(ScreenId::Intake)),
            TableEvent::Other(Action::Refresh, _) => {
                self.refresh(ctx)?;
                Ok(Outcome::Status("Reloaded.".into()))
            }
            TableEvent::Other(..) => Ok(Outcome::Stay),
        }
    }

    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        if area.height < 3 {
            return;
        }
        // Tabs and filters on the first line.
        let mut spans = vec![Span::styled(" ", theme.base)];
        for t in Tab::ALL {
            let style = if t == self.tab {
                theme.selected
            } else {
                theme.hint
            };
            spans.push(Span::styled(format!(" {} ", t.label()), style));
            spans.push(Span::styled(" ", theme.base));
        }
        if let Some(s) = self.query.status {
            spans.push(Span::styled(format!(" status: {} ", s.label()), theme.key));
        }
        if let Some(r) = self.query.risk {
            spans.push(Span::styled(format!(" risk: {} ", r.label()), theme.key));
        }
        if let Some(c) = self.query.concern {
            spans.push(Span::styled(format!(" concern: {} ", c.label()), theme.key));
        }
        if let Some(c) = self.query.centre {
            spans.push(Span::styled(format!(" centre: {} ", c.label()), theme.key));
        }
        if self.query.worker_id.is_some() {
            spans.push(Span::styled(" worker ".to_string(), theme.key));
        }
        if let Some(p) = &self.problem {
            spans.push(Span::styled(format!(" {p}"), theme.error));
        } else {
            spans.push(Span::styled(" ←→ programme", theme.hint));
        }
        let top = Rect { height: 1, ..area };
        buf.set_style(top, theme.base);
        Line::from(spans).render(top, buf);
        let rest = Rect {
            y: area.y + 1,
            height: area.height - 1,
            ..area
        };
        let empty = if self.state.query().is_empty() {
            "Nobody is registered here yet. Press n for a new intake."
        } else {
            "Nobody matches. Esc clears the search."
        };
        let title = format!("Register: {}", self.tab.label());
        Table::new(&self.window, &self.columns, &self.state, theme)
            .title(title)
            .empty_message(empty)
            .at_least(self.window.at_least)
            .render(rest, buf);
    }

    fn help_intro(&self) -> &str {
        HELP
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::office::Session;
    use crate::ui::testing::{demo, login, today};

    fn search(screen: &mut RegisterScreen, session: &mut Session, text: &str) {
        let theme = Theme::default();
        let mut ctx = ScreenCtx {
            session,
            today: today(),
            theme: &theme,
        };
        screen.refresh(&mut ctx).expect("refresh");
        screen
            .handle(Input::Action(Action::Search), &mut ctx)
            .expect("search");
        for c in text.chars() {
            screen.handle(Input::Text(c), &mut ctx).expect("type");
        }
    }

    fn count(session: &Session, sql: &str) -> usize {
        session
            .conn()
            .query_row(sql, [], |r| r.get::<_, i64>(0))
            .expect("count") as usize
    }

    #[test]
    fn typed_filters_narrow_the_register() {
        let (_dir, paths) = demo(80);
        let mut s = login(&paths, "staff");

        let mut screen = RegisterScreen::new();
        search(&mut screen, &mut s, "status:closed");
        let closed = count(&s, "SELECT count(*) FROM persons WHERE status = 'closed'");
        assert!(closed > 0);
        assert_eq!(screen.total(), closed);
        assert!(screen.problem.is_none());

        let mut screen = RegisterScreen::new();
        search(&mut screen, &mut s, "concern:csec centre:cfs");
        let both = count(
            &s,
            "SELECT count(*) FROM persons p JOIN person_concerns c ON c.person_id = p.id
             WHERE c.concern = 'csec' AND p.centre = 'cfs'",
        );
        assert_eq!(screen.total(), both);

        // The demo assigns every case to the staff account.
        let mut screen = RegisterScreen::new();
        search(&mut screen, &mut s, "worker:staff");
        assert_eq!(screen.total(), count(&s, "SELECT count(*) FROM persons"));
        let mut screen = RegisterScreen::new();
        search(&mut screen, &mut s, "worker:manager");
        assert_eq!(screen.total(), 0);

        // Words that are not understood say so, and filter nothing.
        let mut screen = RegisterScreen::new();
        search(&mut screen, &mut s, "worker:nobody");
        assert_eq!(
            screen.problem.as_deref(),
            Some("worker: no account has that name")
        );
        let mut screen = RegisterScreen::new();
        search(&mut screen, &mut s, "concern:flu");
        assert!(
            screen
                .problem
                .as_deref()
                .is_some_and(|p| p.starts_with("concern:"))
        );
    }
}
