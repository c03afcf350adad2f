//! Accounts (managers): who may log in, with which role. `n` adds an
//! account (name, role, password twice); Enter on an account asks before
//! disabling it — its key slot goes, so its password opens nothing. `e`
//! changes the office's settings: its date order (how forms and imports
//! read 06/12/2026 and how every screen shows a date).

use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;

use super::fields::{Entries, Entry, EntryEvent};
use super::login::check_twice;
use crate::Result;
use crate::domain::Role;
use crate::domain::dates::DateOrder;
use crate::domain::{User, check_user_name};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::theme::Theme;
use crate::ui::widgets::dialog::{ConfirmDialog, DialogOutcome};
use crate::ui::widgets::table::{Column, Table, TableEvent, TableState};
use crate::ui::words::capitalise;

const ROLES: [Role; 3] = [Role::Staff, Role::Manager, Role::Psychologist];
const NAME: usize = 0;
const ROLE: usize = 1;
const PASSWORD: usize = 2;
const AGAIN: usize = 3;

enum Mode {
    List,
    Add(Entries),
    /// The office's settings: one entry, the date order.
    Settings(Entries),
    Disable(Box<ConfirmDialog>, String),
}

pub struct AccountsScreen {
    users: Vec<User>,
    shown: Vec<Vec<String>>,
    /// Index into `users` for each shown row.
    index: Vec<usize>,
    state: TableState,
    columns: Vec<Column>,
    mode: Mode,
    me: String,
    /// The office's date order as last read.
    dates: DateOrder,
}

impl Default for AccountsScreen {
    fn default() -> Self {
        AccountsScreen::new()
    }
}

impl AccountsScreen {
    pub fn new() -> AccountsScreen {
        AccountsScreen {
            users: Vec::new(),
            shown: Vec::new(),
            index: Vec::new(),
            state: TableState::new(),
            columns: vec![
                Column::fill("Name", 2),
                Column::fixed("Role", 13),
                Column::fixed("Account", 9),
                Column::fixed("Since", 10),
            ],
            mode: Mode::List,
            me: String::new(),
            dates: DateOrder::default(),
        }
    }

    fn settings_form(dates: DateOrder) -> Entries {
        let labels: Vec<&str> = DateOrder::ALL.iter().map(|o| o.label()).collect();
        let at = DateOrder::ALL.iter().position(|o| *o == dates).unwrap_or(0);
        Entries::new(vec![Entry::cycle("Date order", &labels).with_choice(at)])
    }

    fn filter(&mut self) {
        let q = self.state.query().to_lowercase();
        self.index = (0..self.users.len())
            .filter(|&i| q.is_empty() || self.users[i].name.to_lowercase().contains(&q))
            .collect();
        self.shown = self
            .index
            .iter()
            .map(|&i| {
                let u = &self.users[i];
                vec![
                    u.name.clone(),
                    u.role.label().to_string(),
                    if u.enabled { "enabled" } else { "disabled" }.to_string(),
                    since(&u.created_at),
                ]
            })
            .collect();
    }

    fn add_form() -> Entries {
        Entries::new(vec![
            Entry::text("Name"),
            Entry::cycle("Role", &ROLES.map(|r| r.label())),
            Entry::secret("Password"),
            Entry::secret("Password again"),
        ])
    }

    fn submit(form: &mut Entries, ctx: &mut ScreenCtx<'_>) -> Result<Option<String>> {
        form.clear_errors();
        let name = form.text(NAME).trim().to_string();
        if let Err(e) = check_user_name(&name) {
            form.set_error(NAME, capitalise(&e.to_string()));
            return Ok(None);
        }
        if let Err(msg) = check_twice(form.text(PASSWORD), form.text(AGAIN)) {
            form.set_error(AGAIN, msg);
            form.clear(AGAIN);
            return Ok(None);
        }
        let role = ROLES[form.choice(ROLE).min(ROLES.len() - 1)];
        match ctx.session.add_user(&name, role, &form.secret(PASSWORD)) {
            Ok(()) => Ok(Some(name)),
            Err(e @ (crate::Error::Invalid(_) | crate::Error::NotAllowed(_))) => {
                form.set_error(NAME, format!("{}.", capitalise(&e.to_string())));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }
}

/// An account's creation (stored as RFC 3339) as a local date.
fn since(stored: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(stored)
        .map(|t| crate::ui::dates::show(t.with_timezone(&chrono::Local).date_naive()))
        .unwrap_or_else(|_| stored.chars().take(10).collect())
}

impl Screen for AccountsScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Accounts
    }

    fn context_stack(&self) -> &'static [Context] {
        match self.mode {
            Mode::List => self.state.context_stack(),
            Mode::Add(_) | Mode::Settings(_) => stacks::TEXT,
            Mode::Disable(..) => stacks::DIALOG,
        }
    }

    fn refresh(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        self.me = ctx.session.user().name.clone();
        self.users = ctx.session.accounts()?;
        self.dates = ctx.session.date_order()?;
        self.filter();
        Ok(())
    }

    fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        match &mut self.mode {
            Mode::Add(form) => match form.handle(input) {
                EntryEvent::Back => {
                    self.mode = Mode::List;
                    Ok(Outcome::Stay)
                }
                EntryEvent::Submit => match AccountsScreen::submit(form, ctx)? {
                    Some(name) => {
                        self.mode = Mode::List;
                        self.refresh(ctx)?;
                        tracing::info!("account.added");
                        Ok(Outcome::Status(format!(
                            "Added the account {}.",
                            crate::safe_text::sanitize(&name)
                        )))
                    }
                    None => Ok(Outcome::Stay),
                },
                EntryEvent::None => Ok(Outcome::Stay),
            },
            Mode::Settings(form) => match form.handle(input) {
                EntryEvent::Back => {
                    self.mode = Mode::List;
                    Ok(Outcome::Stay)
                }
                EntryEvent::Submit => {
                    let order = DateOrder::ALL[form.choice(0).min(DateOrder::ALL.len() - 1)];
                    self.mode = Mode::List;
                    if order == self.dates {
                        return Ok(Outcome::Stay);
                    }
                    ctx.session.set_date_order(order)?;
                    crate::ui::dates::set_order(order);
                    self.refresh(ctx)?;
                    Ok(Outcome::Status(format!(
                        "The office's date order is now {}: forms and imports read dates that way, and every screen shows them so.",
                        order.label()
                    )))
                }
                EntryEvent::None => Ok(Outcome::Stay),
            },
            Mode::Disable(dialog, name) => {
                let Input::Action(a) = input else {
                    return Ok(Outcome::Stay);
                };
                match dialog.handle(a) {
                    DialogOutcome::Pending => Ok(Outcome::Stay),
                    DialogOutcome::No => {
                        self.mode = Mode::List;
                        Ok(Outcome::Stay)
                    }
                    DialogOutcome::Yes => {
                        let name = std::mem::take(name);
                        self.mode = Mode::List;
                        let result = ctx.session.disable_user(&name);
                        self.refresh(ctx)?;
                        match result {
                            Ok(()) => Ok(Outcome::Status(format!(
                                "Disabled the account {}.",
                                crate::safe_text::sanitize(&name)
                            ))),
                            Err(e) => {
                                Ok(Outcome::Status(format!("{}.", capitalise(&e.to_string()))))
                            }
                        }
                    }
                }
            }
            Mode::List => match self.state.handle(input, self.shown.len(), &self.columns) {
                TableEvent::QueryChanged(_) => {
                    self.filter();
                    Ok(Outcome::Stay)
                }
                TableEvent::Activate(i) => {
                    let Some(u) = self.index.get(i).map(|&k| &self.users[k]) else {
                        return Ok(Outcome::Stay);
                    };
                    if !u.enabled {
                        return Ok(Outcome::Status("That account is already disabled.".into()));
                    }
                    if u.name == self.me {
                        return Ok(Outcome::Status(
                            "You cannot disable your own account while using it.".into(),
                        ));
                    }
                    let question = format!(
                        "Disable the account {}? Its password will open nothing from now on.",
                        crate::safe_text::sanitize(&u.name)
                    );
                    self.mode = Mode::Disable(
                        Box::new(
                            ConfirmDialog::new("Disable account", question)
                                .labels("Disable", "Keep")
                                .with_theme(ctx.theme),
                        ),
                        u.name.clone(),
                    );
                    Ok(Outcome::Stay)
                }
                TableEvent::Other(Action::New, _) => {
                    self.mode = Mode::Add(AccountsScreen::add_form());
                    Ok(Outcome::Stay)
                }
                TableEvent::Other(Action::Edit, _) => {
                    self.mode = Mode::Settings(AccountsScreen::settings_form(self.dates));
                    Ok(Outcome::Stay)
                }
                TableEvent::Other(Action::Refresh, _) => {
                    self.refresh(ctx)?;
                    Ok(Outcome::Stay)
                }
                TableEvent::Back => Ok(Outcome::Back),
                _ => Ok(Outcome::Stay),
            },
        }
    }

    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let title = format!(
            "Accounts · n add · Enter disable · e dates: {}",
            self.dates.example()
        );
        Table::new(&self.shown, &self.columns, &self.state, theme)
            .title(&title)
            .render(area, buf);
        match &self.mode {
            Mode::List => {}
            Mode::Settings(form) => {
                super::fields::render_boxed(
                    form,
                    "Office settings",
                    "←→ choose · Enter save · Esc cancel",
                    56,
                    area,
                    buf,
                    theme,
                );
            }
            Mode::Disable(dialog, _) => dialog.render(area, buf),
            Mode::Add(form) => {
                super::fields::render_boxed(
                    form,
                    "New account",
                    "Enter next / add · ←→ role · Esc cancel",
                    56,
                    area,
                    buf,
                    theme,
                );
            }
        }
    }

    fn cursor(&self) -> Option<Position> {
        match &self.mode {
            Mode::Add(form) | Mode::Settings(form) => form.cursor(),
            _ => None,
        }
    }

    fn has_unsaved_work(&self) -> bool {
        matches!(&self.mode, Mode::Add(f) if !f.is_empty())
    }

    fn help_intro(&self) -> &str {
        "Who may log in. n adds an account: a name, a role (staff, manager or psychologist) \
         and a first password, typed twice. Enter on an account asks before disabling it; a \
         disabled account's password opens nothing. e sets the office's date order: how \
         forms and imports read 06/12/2026 (day first unless changed) and how every \
         screen shows a date."
    }
}
