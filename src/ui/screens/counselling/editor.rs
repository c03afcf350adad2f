//! Writing: a new session with its note, or a new version of a note.

use super::*;

impl CounsellingScreen {
    pub(super) fn new_form(&self, kind: CounsellingKind) -> Form {
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

    pub(super) fn amend_form(&self, session: &SessionRow, text: &str) -> Form {
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
    pub(super) fn start_amend(&mut self, session: SessionRow, ctx: &ScreenCtx<'_>) -> Outcome {
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
    pub(super) fn participants(
        &self,
        raw: &str,
        session: &Session,
    ) -> std::result::Result<Vec<i64>, String> {
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

    pub(super) fn save_new(
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

    pub(super) fn save_amend(
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
    pub(super) fn after_save(&mut self, id: SessionId, ctx: &ScreenCtx<'_>) -> Result<()> {
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

    pub(super) fn set_form_error(&mut self, key: FieldKey, msg: String) {
        if let View::Edit(ed) = &mut self.view {
            ed.form.set_error(key, msg);
        }
    }

    pub(super) fn handle_edit(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
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
}
