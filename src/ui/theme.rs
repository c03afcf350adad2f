//! Colours and text styles, from the embedded `assets/theme.toml` plus an
//! optional partial `theme.toml` in the config dir.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

const DEFAULT_THEMES: &str = include_str!("../../assets/theme.toml");

/// File name of the user's partial theme file in the config dir.
pub const USER_FILE: &str = "theme.toml";

/// One entry of a theme file. Every part is optional so a user file can
/// change just the colour of one thing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleSpec {
    pub fg: Option<String>,
    pub bg: Option<String>,
    pub bold: Option<bool>,
    pub dim: Option<bool>,
    pub italic: Option<bool>,
    pub underlined: Option<bool>,
    pub reversed: Option<bool>,
}

impl StyleSpec {
    fn overlay(&mut self, other: &StyleSpec) {
        fn pick<T: Clone>(mine: &mut Option<T>, theirs: &Option<T>) {
            if theirs.is_some() {
                mine.clone_from(theirs);
            }
        }
        pick(&mut self.fg, &other.fg);
        pick(&mut self.bg, &other.bg);
        pick(&mut self.bold, &other.bold);
        pick(&mut self.dim, &other.dim);
        pick(&mut self.italic, &other.italic);
        pick(&mut self.underlined, &other.underlined);
        pick(&mut self.reversed, &other.reversed);
    }

    fn to_style(&self) -> Result<Style, String> {
        let colour = |s: &Option<String>| -> Result<Option<Color>, String> {
            s.as_deref()
                .map(|c| {
                    c.parse::<Color>()
                        .map_err(|_| format!("\"{c}\" is not a colour casedesk knows"))
                })
                .transpose()
        };
        let mut style = Style::default();
        if let Some(c) = colour(&self.fg)? {
            style = style.fg(c);
        }
        if let Some(c) = colour(&self.bg)? {
            style = style.bg(c);
        }
        for (flag, m) in [
            (self.bold, Modifier::BOLD),
            (self.dim, Modifier::DIM),
            (self.italic, Modifier::ITALIC),
            (self.underlined, Modifier::UNDERLINED),
            (self.reversed, Modifier::REVERSED),
        ] {
            if flag == Some(true) {
                style = style.add_modifier(m);
            }
        }
        Ok(style)
    }
}

macro_rules! theme_slots {
    ($($slot:ident: $doc:literal),* $(,)?) => {
        /// Resolved styles for every kind of thing the UI draws.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Theme {
            $(#[doc = $doc] pub $slot: Style,)*
        }

        const SLOTS: &[&str] = &[$(stringify!($slot)),*];

        impl Theme {
            fn from_specs(specs: &BTreeMap<String, StyleSpec>) -> (Theme, Vec<String>) {
                let mut problems = Vec::new();
                let mut get = |name: &str| {
                    specs.get(name).map(|s| s.to_style()).unwrap_or(Ok(Style::default()))
                        .unwrap_or_else(|e| { problems.push(format!("{name}: {e}")); Style::default() })
                };
                let theme = Theme { $($slot: get(stringify!($slot)),)* };
                (theme, problems)
            }
        }
    };
}

theme_slots! {
    base: "Background and ordinary text.",
    title: "Screen and box titles.",
    border: "Box borders.",
    border_focus: "The border of the box that has the keyboard.",
    header: "Table column headings.",
    selected: "The selected row or option.",
    label: "Form field labels.",
    label_focus: "The label of the field being edited.",
    input: "Form field contents.",
    input_focus: "The contents of the field being edited.",
    cursor: "The text cursor drawn in a field.",
    placeholder: "Grey hints inside empty fields.",
    error: "Validation errors and failures.",
    warning: "Warnings that need attention.",
    hint: "Quiet hints and footers.",
    key: "Key names in help and hints.",
    status: "The status line.",
    matched: "Characters matched by a search.",
    dialog: "Dialog boxes.",
    scrollbar: "Scroll bars.",
    blank: "The neutral page shown by the panic key.",
}

/// All themes: the built-in ones with the user's file laid over them.
#[derive(Debug, Clone)]
pub struct ThemeSet {
    themes: BTreeMap<String, BTreeMap<String, StyleSpec>>,
}

impl ThemeSet {
    /// The built-in themes from `assets/theme.toml`.
    pub fn embedded() -> ThemeSet {
        let mut set = ThemeSet {
            themes: BTreeMap::new(),
        };
        let problems = set.overlay_str(DEFAULT_THEMES, "built-in themes");
        debug_assert!(problems.is_empty(), "{problems:?}");
        set
    }

    /// Built-in themes plus `theme.toml` from `config_dir`. Problems are
    /// plain sentences for the status line; good entries still apply.
    pub fn load(config_dir: Option<&Path>) -> (ThemeSet, Vec<String>) {
        let mut set = ThemeSet::embedded();
        let Some(dir) = config_dir else {
            return (set, Vec::new());
        };
        let path = dir.join(USER_FILE);
        let problems = match std::fs::read_to_string(&path) {
            Ok(text) => set.overlay_str(&text, &path.display().to_string()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => vec![format!("Could not read {}: {e}", path.display())],
        };
        (set, problems)
    }

    /// Lays a partial theme file over this set. Messages quote the file
    /// with its control characters escaped.
    pub fn overlay_str(&mut self, text: &str, source: &str) -> Vec<String> {
        let problems = self.overlay_unescaped(text, source);
        problems
            .iter()
            .map(|p| crate::safe_text::escape_controls(p))
            .collect()
    }

    fn overlay_unescaped(&mut self, text: &str, source: &str) -> Vec<String> {
        let parsed: BTreeMap<String, BTreeMap<String, toml::Value>> = match toml::from_str(text) {
            Ok(p) => p,
            Err(e) => {
                return vec![format!(
                    "{source} is not valid TOML, so none of it was used: {}",
                    e.message()
                )];
            }
        };
        let mut problems = Vec::new();
        for (theme, entries) in parsed {
            let base = self.themes.get("default").cloned().unwrap_or_default();
            let target = self.themes.entry(theme.clone()).or_insert(base);
            for (slot, value) in entries {
                if !SLOTS.contains(&slot.as_str()) {
                    problems.push(format!(
                        "{source}, [{theme}]: \"{slot}\" is not something casedesk colours (known: {})",
                        SLOTS.join(", ")
                    ));
                    continue;
                }
                let spec: StyleSpec = match value.try_into() {
                    Ok(s) => s,
                    Err(e) => {
                        problems.push(format!("{source}, [{theme}] {slot}: {}", e.message()));
                        continue;
                    }
                };
                if let Err(e) = spec.to_style() {
                    problems.push(format!("{source}, [{theme}] {slot}: {e}"));
                    continue;
                }
                target.entry(slot).or_default().overlay(&spec);
            }
        }
        problems
    }

    pub fn names(&self) -> Vec<&str> {
        self.themes.keys().map(String::as_str).collect()
    }

    /// The named theme, or `None` if there is no such theme.
    pub fn get(&self, name: &str) -> Option<Theme> {
        self.themes
            .get(name)
            .map(|specs| Theme::from_specs(specs).0)
    }
}

/// Parsed once: widgets are created with the default theme all the time.
static EMBEDDED: LazyLock<ThemeSet> = LazyLock::new(ThemeSet::embedded);

impl Default for Theme {
    fn default() -> Theme {
        EMBEDDED.get("default").unwrap_or_else(Theme::plain)
    }
}

impl Theme {
    pub fn high_contrast() -> Theme {
        EMBEDDED.get("high_contrast").unwrap_or_else(Theme::plain)
    }

    /// No colours at all: the fallback if the embedded file were broken.
    fn plain() -> Theme {
        Theme::from_specs(&BTreeMap::new()).0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_themes_are_complete_and_clean() {
        let mut set = ThemeSet {
            themes: BTreeMap::new(),
        };
        assert!(set.overlay_str(DEFAULT_THEMES, "built-in").is_empty());
        for name in ["default", "high_contrast"] {
            let specs = &set.themes[name];
            for slot in SLOTS {
                assert!(specs.contains_key(*slot), "{name} lacks {slot}");
            }
            let (_, problems) = Theme::from_specs(specs);
            assert!(problems.is_empty(), "{problems:?}");
        }
        assert_eq!(Theme::default().error.fg, Some(Color::LightRed));
        assert_eq!(Theme::high_contrast().base.bg, Some(Color::Black));
    }

    /// The old office PC's console (conhost) may show only the 16 console
    /// colours; the built-in themes use nothing else, so they look the
    /// same there as in Windows Terminal or over SSH.
    #[test]
    fn embedded_themes_use_only_the_16_console_colours() {
        let set = ThemeSet::embedded();
        let mut seen = 0;
        for (name, specs) in &set.themes {
            for (slot, spec) in specs {
                for c in [&spec.fg, &spec.bg].into_iter().flatten() {
                    let colour: Color = c.parse().expect("a colour");
                    assert!(
                        !matches!(colour, Color::Rgb(..) | Color::Indexed(_)),
                        "{name}.{slot} uses {c}, which a 16-colour console cannot show"
                    );
                    seen += 1;
                }
            }
        }
        assert!(seen > 20, "only {seen} colours checked");
    }

    #[test]
    fn user_file_is_partial() {
        let mut set = ThemeSet::embedded();
        let problems = set.overlay_str(
            "[default]\nerror = { fg = \"magenta\" }\nnonsense = { fg = \"red\" }\n\
             title = { fg = \"octarine\" }\n[mine]\nselected = { bg = \"blue\" }\n",
            "theme.toml",
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        let t = set.get("default").expect("default");
        assert_eq!(t.error.fg, Some(Color::Magenta));
        assert!(
            t.error.add_modifier.contains(Modifier::BOLD),
            "merged, not replaced"
        );
        assert_eq!(t.title.fg, Some(Color::Cyan), "bad entry left the old one");
        let mine = set.get("mine").expect("new theme");
        assert_eq!(mine.selected.bg, Some(Color::Blue));
        assert_eq!(mine.error.fg, Some(Color::Magenta), "based on default");
    }
}
