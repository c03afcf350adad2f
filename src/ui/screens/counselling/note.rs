//! One session's note, opened (an audited read) and shown, with its
//! history of versions.

use super::*;

impl CounsellingScreen {
    pub(super) fn open_note(&mut self, index: usize, ctx: &ScreenCtx<'_>) -> Result<Outcome> {
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

    pub(super) fn handle_note(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
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

    pub(super) fn render_note(&self, nv: &NoteView, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let s = &nv.session;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border_focus)
            .style(theme.base)
            .title(Span::styled(
                format!(
                    " {} session · {} · {} ",
                    kind_word(s.kind),
                    crate::ui::dates::show(s.on_date),
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
                if !note.verified {
                    // Its signature does not check out: written or changed
                    // outside casedesk, or a later version was removed.
                    line(
                        buf,
                        y,
                        "NOT VERIFIABLE: this version was not written through casedesk, or a later one was removed.",
                        theme.error,
                    );
                    y += 1;
                }
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
pub(super) fn wrap(line: &str, width: usize) -> Vec<Zeroizing<String>> {
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
