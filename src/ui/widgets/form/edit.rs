//! What a key does to a form: typing into the focused field, moving
//! between fields, opening choices and the discard question on Esc.

use super::Form;
use super::spec::FieldKind;
use super::state::FormOutcome;
use crate::ui::action::Action;
use crate::ui::keymap::Input;
use crate::ui::widgets::dialog::{ConfirmDialog, DialogOutcome};

impl Form {
    /// Feeds one resolved key to the form.
    pub fn handle(&mut self, input: Input) -> FormOutcome {
        if let Some(dialog) = &mut self.discard {
            let action = match input {
                Input::Action(a) => a,
                Input::Text('y' | 'Y') => Action::Yes,
                Input::Text('n' | 'N') => Action::No,
                _ => return FormOutcome::Pending,
            };
            return match dialog.handle(action) {
                DialogOutcome::Pending => FormOutcome::Pending,
                DialogOutcome::Yes => {
                    self.discard = None;
                    FormOutcome::Cancelled
                }
                DialogOutcome::No => {
                    self.discard = None;
                    FormOutcome::Pending
                }
            };
        }
        if self.specs.is_empty() {
            return match input {
                Input::Action(Action::Back) => FormOutcome::Cancelled,
                _ => FormOutcome::Pending,
            };
        }
        match input {
            Input::Text(c) => {
                self.type_char(c);
                FormOutcome::Pending
            }
            Input::Action(a) => self.act(a),
            Input::None => FormOutcome::Pending,
        }
    }

    fn act(&mut self, action: Action) -> FormOutcome {
        let i = self.focus;
        let n_options = self.specs[i].options().len();
        let kind = self.specs[i].kind.clone();
        let width = self.note_width.get();
        let f = &mut self.fields[i];
        match (action, &kind) {
            (Action::Save, _) => return self.submit(),
            (Action::Back, _) => {
                if self.is_dirty() {
                    self.discard = Some(
                        ConfirmDialog::new(
                            "Discard changes?",
                            "This form has changes that are not saved. Discard them?",
                        )
                        .labels("Discard", "Keep editing")
                        .with_theme(&self.theme),
                    );
                    return FormOutcome::Pending;
                }
                return FormOutcome::Cancelled;
            }
            (Action::NextField, _) => self.move_focus(1),
            (Action::PrevField, _) => self.move_focus(-1),
            (Action::PageDown, _) => self.move_focus(self.specs.len() as isize),
            (Action::PageUp, _) => self.move_focus(-(self.specs.len() as isize)),
            (Action::Confirm, FieldKind::MultiLine { .. }) => {
                f.input.insert('\n');
                f.error = None;
            }
            (Action::Confirm, FieldKind::Choice { .. }) => {
                if f.browsed {
                    f.choice = Some(f.hover);
                    f.error = None;
                }
                return self.next_or_submit();
            }
            (Action::Confirm, _) => return self.next_or_submit(),
            (Action::Toggle, _) => self.type_char(' '),
            // Up/Down walk options inside an open choice, rows inside a
            // note, and otherwise move between fields like Tab.
            (
                Action::Up | Action::Down,
                FieldKind::Choice { .. } | FieldKind::MultiChoice { .. },
            ) => {
                let down = action == Action::Down;
                if down && f.hover + 1 < n_options {
                    f.hover += 1;
                    f.browsed = true;
                } else if !down && f.hover > 0 {
                    f.hover -= 1;
                    f.browsed = true;
                } else {
                    self.move_focus(if down { 1 } else { -1 });
                }
            }
            (Action::Up, FieldKind::MultiLine { .. }) => {
                let moved = f.input.up(width);
                if !moved {
                    self.move_focus(-1);
                }
            }
            (Action::Down, FieldKind::MultiLine { .. }) => {
                let moved = f.input.down(width);
                if !moved {
                    self.move_focus(1);
                }
            }
            (Action::Up, _) => self.move_focus(-1),
            (Action::Down, _) => self.move_focus(1),
            (Action::Left | Action::Right, FieldKind::YesNo) => {
                f.choice = Some(match f.choice {
                    Some(0) => 1,
                    _ => 0,
                });
                f.error = None;
            }
            (Action::Home, FieldKind::Choice { .. } | FieldKind::MultiChoice { .. }) => {
                f.hover = 0;
                f.browsed = true;
            }
            (Action::End, FieldKind::Choice { .. } | FieldKind::MultiChoice { .. }) => {
                f.hover = n_options.saturating_sub(1);
                f.browsed = true;
            }
            (
                Action::DeleteBack | Action::DeleteForward,
                FieldKind::YesNo | FieldKind::Choice { .. },
            ) => {
                f.choice = None;
            }
            (_, _) if self.specs[i].is_textual() => {
                let changed = match action {
                    Action::Left => {
                        f.input.left();
                        false
                    }
                    Action::Right => {
                        f.input.right();
                        false
                    }
                    Action::Home => {
                        f.input.home();
                        false
                    }
                    Action::End => {
                        f.input.end();
                        false
                    }
                    Action::DeleteBack => f.input.delete_back(),
                    Action::DeleteForward => f.input.delete_forward(),
                    _ => false,
                };
                if changed {
                    f.error = None;
                }
            }
            _ => {}
        }
        FormOutcome::Pending
    }

    fn type_char(&mut self, c: char) {
        let i = self.focus;
        let spec = &self.specs[i];
        let f = &mut self.fields[i];
        match &spec.kind {
            FieldKind::Text { max_chars } => {
                if max_chars.is_some_and(|m| f.input.text().chars().count() >= m) {
                    f.error = max_chars.map(|m| format!("At most {m} characters fit here."));
                    return;
                }
                f.input.insert(c);
                f.error = None;
            }
            FieldKind::MultiLine { .. } | FieldKind::Date { .. } | FieldKind::Number { .. } => {
                f.input.insert(c);
                f.error = None;
            }
            FieldKind::YesNo => {
                f.choice = match c.to_ascii_lowercase() {
                    'y' => Some(0),
                    'n' => Some(1),
                    ' ' => Some(if f.choice == Some(0) { 1 } else { 0 }),
                    _ => return,
                };
                f.error = None;
            }
            FieldKind::Choice { options } | FieldKind::MultiChoice { options } => {
                if c == ' ' {
                    if let FieldKind::Choice { .. } = spec.kind {
                        f.choice = Some(f.hover);
                    } else if let Some(t) = f.ticks.get_mut(f.hover) {
                        *t = !*t;
                    }
                    f.error = None;
                } else {
                    // Typing a letter jumps to the next option starting with it.
                    let lc: String = c.to_lowercase().collect();
                    let n = options.len();
                    if let Some(j) = (1..=n)
                        .map(|k| (f.hover + k) % n)
                        .find(|&j| options[j].to_lowercase().starts_with(&lc))
                    {
                        f.hover = j;
                        f.browsed = true;
                    }
                }
            }
        }
    }

    fn next_or_submit(&mut self) -> FormOutcome {
        if self.focus + 1 >= self.specs.len() {
            self.submit()
        } else {
            self.move_focus(1);
            FormOutcome::Pending
        }
    }

    /// Leaving a field checks it, so mistakes show as soon as the user
    /// moves on; moving is never blocked.
    fn move_focus(&mut self, delta: isize) {
        self.check_field(self.focus);
        let last = self.specs.len().saturating_sub(1) as isize;
        self.focus = (self.focus as isize + delta).clamp(0, last) as usize;
        let f = &mut self.fields[self.focus];
        f.browsed = false;
        if let Some(c) = f.choice {
            f.hover = c;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{act, intake_form, typ};
    use super::super::{FieldKey, FieldSpec};
    use super::*;
    use crate::ui::keymap::stacks;

    #[test]
    fn esc_asks_only_when_changed() {
        let mut form = intake_form();
        assert_eq!(act(&mut form, Action::Back), FormOutcome::Cancelled);
        typ(&mut form, "A");
        assert!(form.is_dirty());
        assert_eq!(act(&mut form, Action::Back), FormOutcome::Pending);
        assert_eq!(form.context_stack(), stacks::DIALOG);
        // Enter on the question keeps editing (the safe default).
        assert_eq!(act(&mut form, Action::Confirm), FormOutcome::Pending);
        assert_eq!(form.fields[0].input.text(), "A");
        act(&mut form, Action::Back);
        assert_eq!(form.handle(Input::Text('y')), FormOutcome::Cancelled);
    }

    #[test]
    fn enter_passing_through_a_choice_picks_nothing() {
        const SRC: FieldKey = FieldKey::new("src");
        const X: FieldKey = FieldKey::new("x");
        let mut form = Form::new(
            "f",
            vec![
                FieldSpec::choice(SRC, "Source", ["Police", "Self"]),
                FieldSpec::text(X, "X"),
            ],
        );
        act(&mut form, Action::Confirm);
        assert_eq!(form.focused_key(), Some(X));
        act(&mut form, Action::PrevField);
        typ(&mut form, "s");
        act(&mut form, Action::Confirm);
        let FormOutcome::Submitted(v) = act(&mut form, Action::Save) else {
            panic!("valid");
        };
        assert_eq!(v.choice(SRC), Some(1));
    }

    #[test]
    fn max_chars_refuses_and_says_so() {
        const CODE: FieldKey = FieldKey::new("code");
        let mut form = Form::new("f", vec![FieldSpec::text(CODE, "Code").max_chars(3)]);
        typ(&mut form, "abcd");
        assert_eq!(form.fields[0].input.text(), "abc");
        assert!(form.error(CODE).is_some());
    }
}
