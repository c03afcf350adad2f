//! Import (managers): bring in the office's existing spreadsheets, in the
//! same steps as `casedesk import`:
//!
//! 1. the form (`form.rs`): what to import, the file, its sheet, a
//!    mapping file, how the file writes its dates, what to do with rows
//!    that have problems, dry run;
//! 2. the preview: how the columns were matched, the first rows as they
//!    will be saved, every problem with its row number, the rows left out
//!    as already there; Enter saves it (unless it is a dry run);
//! 3. the counts of what was saved.
//!
//! Reading and checking happen in `Session::preview_import`, saving in
//! `Session::import` (one transaction, one audit entry); this screen only
//! holds their results. Others than the manager see a calm message.
//! Drawing is in `render.rs`.

mod form;
mod render;
#[cfg(test)]
mod tests;

use crate::office::rules::Capability;
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use self::form::{ImportForm, Request, What};
use super::fields::EntryEvent;
use crate::office::import::{ImportKind, ImportPreview, ImportSummary};
use crate::ui::action::Action;
use crate::ui::keymap::{Context, Input, stacks};
use crate::ui::screen::{Outcome, Screen, ScreenCtx, ScreenId};
use crate::ui::theme::Theme;
use crate::ui::widgets::table::TableState;
use crate::ui::words::sentence;
use crate::{Error, Result};

/// How a line of the preview or the result is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tone {
    Plain,
    Head,
    Good,
    Bad,
    Hint,
}

enum Mode {
    /// Not a manager: a calm message, nothing else.
    NotAllowed,
    Form(ImportForm),
    Preview(Box<Previewing>),
    Done(Box<Done>),
}

/// A preview on screen, with the form it came from (to go back to).
struct Previewing {
    form: ImportForm,
    what: What,
    preview: ImportPreview,
    dry_run: bool,
    /// The problems, duplicates, columns and settings, as lines.
    lines: Vec<(String, Tone)>,
    scroll: usize,
    /// Why Enter did not save (rows with problems; the import refused).
    message: Option<String>,
    sample: TableState,
}

/// What an import did.
struct Done {
    form: ImportForm,
    what: What,
    kind: ImportKind,
    summary: ImportSummary,
}

pub struct ImportScreen {
    mode: Mode,
}

impl Default for ImportScreen {
    fn default() -> Self {
        ImportScreen::new()
    }
}

impl ImportScreen {
    pub fn new() -> ImportScreen {
        ImportScreen {
            mode: Mode::Form(ImportForm::new()),
        }
    }

    /// Read and check the file the form names; the preview, or the form
    /// again with the problem beside its field.
    fn preview(&mut self, mut form: ImportForm, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let Some(request) = form.check() else {
            self.mode = Mode::Form(form);
            return Ok(Outcome::Stay);
        };
        let Request {
            what,
            file,
            class,
            options,
            dry_run,
        } = request;
        let class_id = if what == What::Attendance {
            match ctx.session.class_named(&class) {
                Ok(Some(c)) => c.id,
                Ok(None) => {
                    form.fail(
                        form::F::Class,
                        "No class by this name.",
                        Some("There is no class by this name; see the Classes screen.".into()),
                    );
                    self.mode = Mode::Form(form);
                    return Ok(Outcome::Stay);
                }
                Err(e) => return Err(e),
            }
        } else {
            0
        };
        match ctx
            .session
            .preview_import(what.kind(class_id), &file, &options)
        {
            Ok(preview) => {
                let lines = render::preview_lines(&preview);
                self.mode = Mode::Preview(Box::new(Previewing {
                    form,
                    what,
                    preview,
                    dry_run,
                    lines,
                    scroll: 0,
                    message: None,
                    sample: TableState::new(),
                }));
                Ok(Outcome::Stay)
            }
            Err(e) if user_can_correct(&e) => {
                form.show_refused(&e);
                self.mode = Mode::Form(form);
                Ok(Outcome::Stay)
            }
            Err(e) => Err(e),
        }
    }

    /// Enter on the preview: save it, unless it is a dry run or rows have
    /// problems and were not to be skipped.
    fn confirm(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        let Mode::Preview(p) = &mut self.mode else {
            return Ok(Outcome::Stay);
        };
        if p.dry_run {
            // As `casedesk import --dry-run` exits 1: say when the real
            // run would refuse.
            p.message = Some(if p.preview.can_save() {
                "Dry run: nothing was saved. Go back (Esc) and choose \"preview, then confirm\" \
                 to import."
                    .into()
            } else {
                format!(
                    "Dry run: the import would refuse this file. {}",
                    render::cannot_save(&p.preview)
                )
            });
            return Ok(Outcome::Stay);
        }
        if !p.preview.can_save() {
            p.message = Some(render::cannot_save(&p.preview));
            return Ok(Outcome::Stay);
        }
        match ctx.session.import(&p.preview) {
            Ok(summary) => {
                let status = summary.sentence(p.preview.kind);
                // Counts only: never names, never the file's name.
                tracing::info!(kind = p.what.noun(), added = summary.added, "import.done");
                let Mode::Preview(p) = std::mem::replace(&mut self.mode, Mode::NotAllowed) else {
                    return Ok(Outcome::Stay);
                };
                self.mode = Mode::Done(Box::new(Done {
                    form: p.form,
                    what: p.what,
                    kind: p.preview.kind,
                    summary,
                }));
                Ok(Outcome::Status(status))
            }
            Err(e) if user_can_correct(&e) => {
                p.message = Some(sentence(&e));
                Ok(Outcome::Stay)
            }
            Err(e) => Err(e),
        }
    }

    fn back_to_form(&mut self) {
        let form = match &self.mode {
            Mode::Preview(p) => p.form.again(),
            Mode::Done(d) => d.form.again(),
            _ => return,
        };
        self.mode = Mode::Form(form);
    }
}

/// Errors the person can do something about, shown on the screen; the
/// rest (a damaged office file) go to the shell.
fn user_can_correct(e: &Error) -> bool {
    matches!(
        e,
        Error::Invalid(_) | Error::Usage(_) | Error::Io { .. } | Error::NotAllowed(_)
    )
}

impl Screen for ImportScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Import
    }

    fn context_stack(&self) -> &'static [Context] {
        match self.mode {
            Mode::Form(_) => stacks::TEXT,
            _ => stacks::LIST,
        }
    }

    fn refresh(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<()> {
        let manager = ctx.session.may(Capability::Import);
        match (&self.mode, manager) {
            (Mode::NotAllowed, true) => self.mode = Mode::Form(ImportForm::new()),
            (_, false) => self.mode = Mode::NotAllowed,
            _ => {}
        }
        Ok(())
    }

    fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<Outcome> {
        match &mut self.mode {
            Mode::NotAllowed => match input {
                Input::Action(Action::Back) => Ok(Outcome::Back),
                _ => Ok(Outcome::Stay),
            },
            Mode::Form(form) => match form.handle(input) {
                EntryEvent::None => Ok(Outcome::Stay),
                EntryEvent::Back => Ok(Outcome::Back),
                EntryEvent::Submit => {
                    let Mode::Form(form) = std::mem::replace(&mut self.mode, Mode::NotAllowed)
                    else {
                        return Ok(Outcome::Stay);
                    };
                    self.preview(form, ctx)
                }
            },
            Mode::Preview(p) => {
                let Input::Action(a) = input else {
                    return Ok(Outcome::Stay);
                };
                // Long lines wrap; a rough count of the wrapped lines is
                // enough to stop scrolling into empty space.
                let last = p
                    .lines
                    .iter()
                    .map(|(s, _)| s.chars().count() / 50 + 1)
                    .sum::<usize>()
                    .saturating_sub(1);
                match a {
                    Action::Down => p.scroll = (p.scroll + 1).min(last),
                    Action::Up => p.scroll = p.scroll.saturating_sub(1),
                    Action::PageDown => p.scroll = (p.scroll + 10).min(last),
                    Action::PageUp => p.scroll = p.scroll.saturating_sub(10),
                    Action::Home => p.scroll = 0,
                    Action::End => p.scroll = last,
                    Action::Confirm | Action::Save => return self.confirm(ctx),
                    Action::Back => self.back_to_form(),
                    _ => {}
                }
                Ok(Outcome::Stay)
            }
            Mode::Done(_) => {
                if let Input::Action(Action::Back | Action::Confirm) = input {
                    self.back_to_form();
                }
                Ok(Outcome::Stay)
            }
        }
    }

    fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        self.draw(area, buf, theme)
    }

    fn cursor(&self) -> Option<Position> {
        match &self.mode {
            Mode::Form(f) => f.entries.cursor(),
            _ => None,
        }
    }

    fn help_intro(&self) -> &str {
        "Bring in the office's existing spreadsheets (CSV, .xlsx, .xls, .ods): people onto the \
         registers, services delivered, a class's attendance sheet, or the activity log. Columns \
         are matched by their headers in English or Urdu (a mapping file can name them). A date \
         like 01/12/2026 is read in the office's date order unless \"Dates in the file\" says \
         otherwise. The preview shows how each column is used, the first rows as they will be \
         saved and every problem with its row number; nothing is saved until you confirm, and \
         then all at once. \
         Rows already in the office are left out, so importing a file twice adds nothing."
    }
}
