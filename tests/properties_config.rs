//! Hostile settings files: any text, TOML-shaped junk and damaged copies
//! of the built-in files as `config.toml`, `keymap.toml` and `theme.toml`
//! overlays. Nothing may panic; a file that is refused says so in plain
//! words; what is accepted still leaves a panic key and working themes.
//! Case counts: `properties_support`.

mod properties_support;

use casedesk::config::Config;
use casedesk::ui::keymap::{Context, Input, KeyChord, Keymap};
use casedesk::ui::theme::ThemeSet;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use properties_support::{config, hostile_text, stored_text};
use proptest::prelude::*;

const KEYMAP: &str = include_str!("../assets/keymap.toml");
const THEME: &str = include_str!("../assets/theme.toml");

fn key_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "(ctrl-|alt-|shift-|CTRL-|Alt-){0,3}[ -~]",
        "(ctrl-|alt-)?(enter|esc|tab|shift-tab|space|backspace|delete|home|end|pageup|pagedown|up|down|left|right|F[0-9]{1,3}|f0|F99999999999)",
        stored_text(8),
        Just("-".to_string()),
        Just("ctrl-".to_string()),
        Just("ctrl--".to_string()),
    ]
}

fn toml_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "\"(help|quit|lock|palette|panic_blank|none|save|next_field|[a-z_]{1,12})\"",
        "\"[^\"\\\\\n]{0,12}\"",
        "-?[0-9]{1,20}",
        "(true|false|nan|inf|-inf|1e999)",
        "\\{ ?(fg|bg|bold|reversed) = (\"[a-z#0-9]{0,8}\"|true|[0-9]{1,4}) ?\\}",
        "\\[\"[a-z]{0,5}\", ?[0-9]{0,3}\\]",
        "'''[^']{0,10}'''",
    ]
}

/// TOML that parses often enough to reach the checks behind the parser.
fn toml_like() -> impl Strategy<Value = String> {
    let section = "(global|nav|list|form|text|dialog|help|sheet|default|high_contrast|auto_backup|[a-z_]{1,8}|\"\u{1b}\")";
    prop::collection::vec(
        (
            prop::option::of(section),
            prop::collection::vec((key_string(), toml_value()), 0..4),
        ),
        0..5,
    )
    .prop_map(|sections| {
        let mut out = String::new();
        for (name, entries) in sections {
            if let Some(n) = name {
                out.push_str(&format!("[{n}]\n"));
            }
            for (k, v) in entries {
                let key: String = k.escape_default().collect();
                out.push_str(&format!("\"{key}\" = {v}\n"));
            }
        }
        out
    })
}

/// The built-in file with a few bytes changed or a piece cut out.
fn damaged(original: &'static str) -> impl Strategy<Value = String> {
    (
        prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..6),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
    )
        .prop_map(move |(flips, a, b)| {
            let mut bytes = original.as_bytes().to_vec();
            for (at, byte) in flips {
                let i = at.index(bytes.len());
                bytes[i] = byte;
            }
            let (x, y) = (a.index(bytes.len()), b.index(bytes.len()));
            bytes.drain(x.min(y)..x.max(y).min(x.min(y) + 200));
            String::from_utf8_lossy(&bytes).into_owned()
        })
}

fn settings_text() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => toml_like(),
        1 => hostile_text(80),
        1 => damaged(KEYMAP),
        1 => damaged(THEME),
        1 => "(idle_lock_minutes = -?[0-9]{1,12}\n)?(panic_key = \"[^\"\\\\\n]{0,10}\"\n)?(theme = \"[^\"\\\\\n]{0,10}\"\n)?(\\[auto_backup\\]\nkeep = -?[0-9]{1,12}\nwhen = \"[a-z]{0,6}\"\ndir = \"[^\"\\\\\n]{0,10}\"\n)?",
    ]
}

fn no_controls(problems: &[String]) -> bool {
    problems
        .iter()
        .all(|p| !p.chars().any(|c| c.is_control() && c != '\n'))
}

/// Found by `any_keymap_overlay_is_applied_or_refused` and
/// `any_theme_overlay_is_applied_or_refused`: messages quoted a tab (or
/// an ESC) from the file raw.
#[test]
fn regression_overlay_messages_escape_controls() {
    let mut km = Keymap::embedded();
    let problems = km.overlay_str("[list]\n\"F5\" = \"\trefresh\\u001b\"\n", "keymap.toml");
    assert!(
        problems.iter().any(|p| p.contains("\\trefresh\\u{1b}")),
        "{problems:?}"
    );
    let mut set = ThemeSet::embedded();
    let problems = set.overlay_str("[text]\n\"\tackspace\" = { fg = \"red\" }\n", "theme.toml");
    assert!(
        problems.iter().any(|p| p.contains("\\tackspace")),
        "{problems:?}"
    );
    assert!(no_controls(&problems));
}

fn press(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
    KeyEvent::new(code, mods)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn any_keymap_overlay_is_applied_or_refused(text in settings_text()) {
        let mut km = Keymap::embedded();
        let problems = km.overlay_str(&text, "keymap.toml");
        prop_assert!(no_controls(&problems), "{:?}", problems);
        // The panic key survives any overlay.
        prop_assert!(matches!(
            km.resolve(&[Context::Text, Context::Global], &press(KeyCode::F(12), KeyModifiers::NONE)),
            Input::Action(_)
        ) || !problems.is_empty() || text.contains("F12") || text.contains("f12"));
        for ctx in Context::ALL {
            let _ = km.bindings_for(ctx);
        }
    }

    #[test]
    fn any_theme_overlay_is_applied_or_refused(text in settings_text()) {
        let mut set = ThemeSet::embedded();
        let problems = set.overlay_str(&text, "theme.toml");
        prop_assert!(no_controls(&problems), "{:?}", problems);
        for name in set.names() {
            prop_assert!(set.get(name).is_some());
        }
        prop_assert!(set.get("default").is_some());
    }

    #[test]
    fn any_config_is_read_or_refused_in_words(text in settings_text()) {
        match Config::from_toml(&text) {
            Ok(cfg) => {
                prop_assert!((1..=casedesk::config::MAX_IDLE_LOCK_MINUTES).contains(&cfg.idle_lock_minutes));
                let mut km = Keymap::embedded();
                let _ = km.set_panic_key(&cfg.panic_key);
            }
            Err(message) => prop_assert!(!message.is_empty()),
        }
    }

    #[test]
    fn any_key_string_is_a_key_or_refused(s in key_string()) {
        if let Ok(chord) = s.parse::<KeyChord>() {
            // What a key is shown as reads back as the same key.
            let shown = chord.to_string();
            prop_assert_eq!(shown.parse::<KeyChord>().ok(), Some(chord), "{:?} shown as {:?}", s, shown);
            let mut km = Keymap::embedded();
            prop_assert!(km.set_panic_key(&s).is_ok());
            prop_assert_eq!(
                km.resolve(&[Context::Global], &press(chord.code, chord.mods)),
                Input::Action(casedesk::ui::action::Action::PanicBlank)
            );
        }
    }

    #[test]
    fn any_key_press_resolves(
        c in any::<char>(),
        f in any::<u8>(),
        bits in any::<u8>(),
        ctx in prop::sample::select(Context::ALL.to_vec()),
    ) {
        let km = Keymap::embedded();
        let mods = KeyModifiers::from_bits_truncate(bits);
        for code in [KeyCode::Char(c), KeyCode::F(f), KeyCode::BackTab, KeyCode::Null] {
            let ev = press(code, mods);
            let _ = km.resolve(&[ctx, Context::Global], &ev);
            if let Input::Text(t) = km.resolve(&[ctx], &ev) {
                prop_assert!(!t.is_control());
            }
        }
    }
}
