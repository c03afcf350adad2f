//! The two lists: people who were counselled (or match a search), and a
//! person's sessions; and the choice of kind for a new session.

use super::*;

// ---------------------------------------------------------------------
// Reading the lists (read only; nothing here is audited or secret). The
// queries are the office layer's (`office::counselling`).

/// A person in the list: their case number, name and how many sessions
/// they were in.
pub(super) type PersonRow = CounselledPerson;

pub(super) struct PersonRows<'a>(&'a [PersonRow]);

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
            Cow::Owned(crate::ui::dates::show_or(p.last, "")),
        ]
    }
}

pub(super) fn person_columns() -> Vec<Column> {
    vec![
        Column::fixed("Case number", 14).unsortable(),
        Column::fill("Name", 1).unsortable(),
        Column::fixed("Sessions", 8).right().unsortable(),
        Column::fixed("Last session", 12).unsortable(),
    ]
}

/// The other persons present, as seen from `person_id`'s file.
pub(super) fn others(row: &SessionRow, person_id: i64) -> String {
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

pub(super) struct SessionRows<'a> {
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
            Cow::Owned(crate::ui::dates::show(s.on_date)),
            Cow::Borrowed(kind_word(s.kind)),
            Cow::Owned(s.minutes.to_string()),
            Cow::Borrowed(s.psychologist.as_deref().unwrap_or("?")),
            Cow::Owned(others(s, self.person_id)),
            Cow::Owned(s.versions.to_string()),
        ]
    }
}

pub(super) fn session_columns() -> Vec<Column> {
    vec![
        Column::fixed("Date", 10).unsortable(),
        Column::fixed("Kind", 10).unsortable(),
        Column::fixed("Min", 4).right().unsortable(),
        Column::fixed("By", 12).unsortable(),
        Column::fill("With", 1).unsortable(),
        Column::fixed("Versions", 8).right().unsortable(),
    ]
}

impl CounsellingScreen {
    pub(super) fn choose_person(&mut self, index: usize, ctx: &ScreenCtx<'_>) -> Result<Outcome> {
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
    pub(super) fn start_new(&mut self) -> Outcome {
        if !self.is_psychologist() {
            return Outcome::Status("Only a psychologist can record counselling sessions.".into());
        }
        self.view = View::Kinds(TableState::new());
        Outcome::Stay
    }

    pub(super) fn handle_persons(
        &mut self,
        input: Input,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<Outcome> {
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

    pub(super) fn handle_sessions(
        &mut self,
        input: Input,
        ctx: &mut ScreenCtx<'_>,
    ) -> Result<Outcome> {
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

    pub(super) fn handle_kinds(&mut self, input: Input) -> Outcome {
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

    pub(super) fn render_lists(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
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

    pub(super) fn render_kinds(
        &self,
        state: &TableState,
        area: Rect,
        buf: &mut Buffer,
        theme: &Theme,
    ) {
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
}
