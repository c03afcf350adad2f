//! Keys → [`Action`]s, per context, from the embedded `assets/keymap.toml`
//! plus an optional partial `keymap.toml` in the config dir.
//!
//! Lookup walks a *stack* of contexts, most specific first (see [`stacks`]).
//! If the top context takes typing ([`Context::takes_text`]), a plain
//! printable key is returned as [`Input::Text`] before any binding is
//! consulted: that is what keeps `j`, `q` or `1` from being stolen from a
//! name field, without every form having to unbind them.

use std::collections::HashMap;
use std::path::Path;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Action;

const DEFAULT_KEYMAP: &str = include_str!("../../assets/keymap.toml");

/// File name of the user's partial keymap in the config dir.
pub const USER_FILE: &str = "keymap.toml";

/// Where a key is pressed. Each is a `[section]` of the keymap file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    /// Always active, even in dialogs: ctrl/alt/F-keys only.
    Global,
    /// Screens where nothing is being typed.
    Nav,
    List,
    Form,
    /// One-line inputs: search box, palette, login.
    Text,
    Dialog,
    Help,
    /// An attendance sheet: one key per mark.
    Sheet,
}

impl Context {
    pub const ALL: [Context; 8] = [
        Context::Global,
        Context::Nav,
        Context::List,
        Context::Form,
        Context::Text,
        Context::Dialog,
        Context::Help,
        Context::Sheet,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Nav => "nav",
            Context::List => "list",
            Context::Form => "form",
            Context::Text => "text",
            Context::Dialog => "dialog",
            Context::Help => "help",
            Context::Sheet => "sheet",
        }
    }

    /// Heading for the help overlay.
    pub fn title(self) -> &'static str {
        match self {
            Context::Global => "Everywhere",
            Context::Nav => "Screens",
            Context::List => "Lists",
            Context::Form => "Forms",
            Context::Text => "Typing boxes",
            Context::Dialog => "Questions",
            Context::Help => "Help",
            Context::Sheet => "Attendance sheets",
        }
    }

    /// Contexts where printable keys are typing, not commands.
    pub fn takes_text(self) -> bool {
        matches!(self, Context::Form | Context::Text)
    }

    fn from_name(s: &str) -> Option<Context> {
        Context::ALL.into_iter().find(|c| c.name() == s)
    }
}

/// The usual context stacks, most specific first.
pub mod stacks {
    use super::Context::{self, *};
    pub const LIST: &[Context] = &[List, Nav, Global];
    pub const HOME: &[Context] = &[Nav, Global];
    pub const FORM: &[Context] = &[Form, Global];
    pub const TEXT: &[Context] = &[Text, Global];
    pub const DIALOG: &[Context] = &[Dialog, Global];
    pub const HELP: &[Context] = &[Help, Global];
    pub const SHEET: &[Context] = &[Sheet, Global];
}

pub use super::key_chord::{KeyChord, UnknownKey};

/// What a key press means in the current context stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    Action(Action),
    /// A character to type into the focused field.
    Text(char),
    /// Not bound here (or a key release/repeat): ignore.
    None,
}

/// The live keymap.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    maps: HashMap<Context, HashMap<KeyChord, Action>>,
}

impl Keymap {
    /// The built-in keymap from `assets/keymap.toml`.
    pub fn embedded() -> Keymap {
        let mut km = Keymap::default();
        let problems = km.overlay_str(DEFAULT_KEYMAP, "built-in keymap");
        // A test keeps the embedded file clean; in a release build we would
        // rather run with what parsed than refuse to start.
        debug_assert!(problems.is_empty(), "{problems:?}");
        km
    }

    /// The built-in keymap with the user's `keymap.toml` from `config_dir`
    /// laid over it. Problems in the user file are returned as plain
    /// sentences for the status line; the lines that were fine still apply.
    pub fn load(config_dir: Option<&Path>) -> (Keymap, Vec<String>) {
        let mut km = Keymap::embedded();
        let Some(dir) = config_dir else {
            return (km, Vec::new());
        };
        let path = dir.join(USER_FILE);
        let problems = match std::fs::read_to_string(&path) {
            Ok(text) => km.overlay_str(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => vec![format!("Could not read {}: {e}", path.display())],
        };
        (km, problems)
    }

    /// Lays a (partial) keymap in the file format over this one. `source`
    /// names the file in messages, which quote what the file says with its
    /// control characters escaped (a tab in a key name shows as `\t`).
    pub fn overlay_str(&mut self, text: &str, source: &str) -> Vec<String> {
        let problems = self.overlay_unescaped(text, source);
        problems
            .iter()
            .map(|p| crate::safe_text::escape_controls(p))
            .collect()
    }

    fn overlay_unescaped(&mut self, text: &str, source: &str) -> Vec<String> {
        let table: toml::Table = match toml::from_str(text) {
            Ok(t) => t,
            Err(e) => {
                return vec![format!(
                    "{source} is not valid TOML, so none of it was used: {}",
                    e.message()
                )];
            }
        };
        let mut problems = Vec::new();
        for (section, entries) in table {
            let Some(ctx) = Context::from_name(&section) else {
                let known: Vec<_> = Context::ALL.iter().map(|c| c.name()).collect();
                problems.push(format!(
                    "{source}: [{section}] is not a section casedesk knows (known: {})",
                    known.join(", ")
                ));
                continue;
            };
            let Some(entries) = entries.as_table() else {
                problems.push(format!("{source}: {section} should be a [section] of keys"));
                continue;
            };
            for (key, value) in entries {
                let chord = match key.parse::<KeyChord>() {
                    Ok(c) => c,
                    Err(e) => {
                        problems.push(format!("{source}, [{section}]: {e}"));
                        continue;
                    }
                };
                let Some(name) = value.as_str() else {
                    problems.push(format!(
                        "{source}, [{section}] \"{key}\": the action must be in quotes, like \"help\""
                    ));
                    continue;
                };
                if name.trim().eq_ignore_ascii_case("none") || name.trim().is_empty() {
                    self.unbind(ctx, chord);
                    continue;
                }
                match name.parse::<Action>() {
                    Ok(action) => {
                        self.maps.entry(ctx).or_default().insert(chord, action);
                    }
                    Err(e) => problems.push(format!(
                        "{source}, [{section}] \"{key}\": {e} (known: {})",
                        Action::all_names().join(", ")
                    )),
                }
            }
        }
        problems
    }

    pub fn bind(&mut self, ctx: Context, key: KeyChord, action: Action) {
        self.maps.entry(ctx).or_default().insert(key, action);
    }

    pub fn unbind(&mut self, ctx: Context, key: KeyChord) {
        if let Some(m) = self.maps.get_mut(&ctx) {
            m.remove(&key);
        }
    }

    /// Makes `key` (from `config.toml`'s `panic_key`) the global panic key,
    /// replacing the default, so a visitor walking in can never be met by
    /// a key that was rebound elsewhere.
    pub fn set_panic_key(&mut self, key: &str) -> Result<(), UnknownKey> {
        let chord: KeyChord = key.parse()?;
        let global = self.maps.entry(Context::Global).or_default();
        global.retain(|_, a| *a != Action::PanicBlank);
        for ctx in Context::ALL {
            self.unbind(ctx, chord);
        }
        self.bind(Context::Global, chord, Action::PanicBlank);
        Ok(())
    }

    /// Finds what `ev` means with `stack` (most specific context first).
    pub fn resolve(&self, stack: &[Context], ev: &KeyEvent) -> Input {
        if ev.kind != KeyEventKind::Press {
            return Input::None;
        }
        if let (Some(top), KeyCode::Char(c)) = (stack.first(), ev.code)
            && top.takes_text()
            && is_typing(ev.modifiers)
            && !c.is_control()
        {
            return Input::Text(c);
        }
        let chord = KeyChord::from_event(ev);
        let bound = stack
            .iter()
            .find_map(|ctx| self.maps.get(ctx).and_then(|m| m.get(&chord)).copied());
        match (bound, stack.first(), ev.code) {
            (Some(action), _, _) => Input::Action(action),
            // On a sheet every key is meant as a mark: one that is not
            // bound goes on as text, so the desk can say which keys mark
            // instead of doing nothing.
            (None, Some(Context::Sheet), KeyCode::Char(c))
                if is_typing(ev.modifiers) && !c.is_control() =>
            {
                Input::Text(c)
            }
            (None, _, _) => Input::None,
        }
    }

    /// Every binding in one context as (key string, action, description),
    /// ordered by action then key, for help screens.
    pub fn bindings_for(&self, ctx: Context) -> Vec<(String, Action, String)> {
        let mut out: Vec<(String, Action, String)> = self
            .maps
            .get(&ctx)
            .into_iter()
            .flatten()
            .map(|(k, a)| (k.to_string(), *a, a.description()))
            .collect();
        out.sort_by(|x, y| {
            (x.1.rank(), key_rank(&x.0), &x.0).cmp(&(y.1.rank(), key_rank(&y.0), &y.0))
        });
        out
    }

    /// The keys bound to `action` in `stack`, for hints like "Ctrl-S save".
    pub fn keys_for(&self, stack: &[Context], action: Action) -> Vec<String> {
        let mut keys: Vec<String> = stack
            .iter()
            .filter_map(|ctx| self.maps.get(ctx))
            .flatten()
            .filter(|(_, a)| **a == action)
            .map(|(k, _)| k.to_string())
            .collect();
        keys.sort_by(|a, b| (key_rank(a), a).cmp(&(key_rank(b), b)));
        keys.dedup();
        keys
    }
}

/// Plain and shifted keys type; AltGr arrives as ctrl+alt on Windows and
/// types too (many layouts need it for symbols).
fn is_typing(mods: KeyModifiers) -> bool {
    let ctrl_alt = KeyModifiers::CONTROL | KeyModifiers::ALT;
    let m = mods & (ctrl_alt | KeyModifiers::SHIFT);
    !m.intersects(ctrl_alt) || m.contains(ctrl_alt)
}

/// Order within one help line: named keys, then letters, then chords,
/// so "down, j" and "pageup, ctrl-b".
fn key_rank(k: &str) -> u8 {
    if k.starts_with("ctrl-") || k.starts_with("alt-") {
        2
    } else if k.chars().count() == 1 {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn embedded_keymap_is_clean() {
        let mut km = Keymap::default();
        let problems = km.overlay_str(DEFAULT_KEYMAP, "built-in");
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn key_strings_parse_and_print() {
        for s in [
            "ctrl-p",
            "F12",
            "j",
            "G",
            "down",
            "?",
            "shift-tab",
            "space",
            "-",
            "ctrl--",
            "alt-x",
        ] {
            let k: KeyChord = s.parse().unwrap_or_else(|e| panic!("{s}: {e}"));
            let again: KeyChord = k.to_string().parse().expect("round trip");
            assert_eq!(k, again, "{s}");
        }
        assert_eq!("shift-g".parse::<KeyChord>(), "G".parse::<KeyChord>());
        assert_eq!("Ctrl-P".parse::<KeyChord>(), "ctrl-p".parse::<KeyChord>());
        assert!("ctrl-".parse::<KeyChord>().is_err());
        assert!("F99".parse::<KeyChord>().is_err());
        assert!("banana".parse::<KeyChord>().is_err());
    }

    #[test]
    fn arrows_and_vim_keys_move_in_lists() {
        let km = Keymap::embedded();
        let none = KeyModifiers::NONE;
        for code in [KeyCode::Down, KeyCode::Char('j')] {
            assert_eq!(
                km.resolve(stacks::LIST, &press(code, none)),
                Input::Action(Action::Down)
            );
        }
        assert_eq!(
            km.resolve(
                stacks::LIST,
                &press(KeyCode::Char('G'), KeyModifiers::SHIFT)
            ),
            Input::Action(Action::End)
        );
        assert_eq!(
            km.resolve(stacks::LIST, &press(KeyCode::Char('3'), none)),
            Input::Action(Action::Screen(3))
        );
    }

    #[test]
    fn forms_keep_printable_keys() {
        let km = Keymap::embedded();
        for c in ['j', 'q', '?', '1', ':', 'G', ' ', 'ی'] {
            assert_eq!(
                km.resolve(stacks::FORM, &press(KeyCode::Char(c), KeyModifiers::NONE)),
                Input::Text(c)
            );
        }
        // AltGr typing is text; ctrl-s still saves; tab still moves.
        let altgr = KeyModifiers::CONTROL | KeyModifiers::ALT;
        assert_eq!(
            km.resolve(stacks::FORM, &press(KeyCode::Char('@'), altgr)),
            Input::Text('@')
        );
        assert_eq!(
            km.resolve(
                stacks::FORM,
                &press(KeyCode::Char('s'), KeyModifiers::CONTROL)
            ),
            Input::Action(Action::Save)
        );
        assert_eq!(
            km.resolve(stacks::FORM, &press(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Input::Action(Action::PrevField)
        );
        assert_eq!(
            km.resolve(stacks::FORM, &press(KeyCode::F(12), KeyModifiers::NONE)),
            Input::Action(Action::PanicBlank)
        );
    }

    #[test]
    fn only_presses_count() {
        let km = Keymap::embedded();
        let mut ev = press(KeyCode::Down, KeyModifiers::NONE);
        ev.kind = KeyEventKind::Release;
        assert_eq!(km.resolve(stacks::LIST, &ev), Input::None);
    }

    #[test]
    fn user_overlay_is_partial_and_reports_problems() {
        let mut km = Keymap::embedded();
        let problems = km.overlay_str(
            "[list]\n\"x\" = \"down\"\n\"j\" = \"none\"\n\"ctrl-\" = \"up\"\n\"y\" = \"fly\"\n[moon]\n",
            "keymap.toml",
        );
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems[0].contains("\"ctrl-\" is not a key"),
            "{problems:?}"
        );
        assert!(
            problems[1].contains("\"fly\" is not an action"),
            "{problems:?}"
        );
        assert!(problems[2].contains("[moon]"), "{problems:?}");
        let none = KeyModifiers::NONE;
        assert_eq!(
            km.resolve(stacks::LIST, &press(KeyCode::Char('x'), none)),
            Input::Action(Action::Down)
        );
        assert_eq!(
            km.resolve(stacks::LIST, &press(KeyCode::Char('j'), none)),
            Input::None
        );
        // Untouched defaults survive.
        assert_eq!(
            km.resolve(stacks::LIST, &press(KeyCode::Char('k'), none)),
            Input::Action(Action::Up)
        );
        let broken = km.overlay_str("[list", "keymap.toml");
        assert!(broken[0].contains("not valid TOML"));
    }

    #[test]
    fn panic_key_can_move() {
        let mut km = Keymap::embedded();
        km.set_panic_key("F9").expect("valid");
        let f = |n| press(KeyCode::F(n), KeyModifiers::NONE);
        assert_eq!(
            km.resolve(stacks::DIALOG, &f(9)),
            Input::Action(Action::PanicBlank)
        );
        assert_eq!(km.resolve(stacks::DIALOG, &f(12)), Input::None);
        assert!(km.set_panic_key("F99").is_err());
        // Not a key anyone can press: refused, and the panic key stays.
        for bad in ["\u{0}", "ctrl-", "\u{1b}"] {
            let e = km.set_panic_key(bad).expect_err("refused");
            assert!(!e.to_string().chars().any(char::is_control), "{e}");
        }
        assert_eq!(
            km.resolve(stacks::DIALOG, &f(9)),
            Input::Action(Action::PanicBlank)
        );
    }

    #[test]
    fn bindings_for_lists_every_key_with_words() {
        let km = Keymap::embedded();
        let b = km.bindings_for(Context::List);
        let downs: Vec<&str> = b
            .iter()
            .filter(|(_, a, _)| *a == Action::Down)
            .map(|(k, _, _)| k.as_str())
            .collect();
        assert_eq!(downs, ["down", "j"]);
        assert!(b.iter().all(|(_, _, d)| !d.is_empty()));
    }
}
