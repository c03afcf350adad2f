//! Drawing the backup screen: the task menu with the last good backup and
//! the automatic backup settings above, and below it the panel (the open
//! form, the progress bar of running work, or the last result).
//!
//! Only draws what the state holds; every office call happened in
//! `refresh`, `handle` or the jobs' `poll`.

use chrono::{DateTime, Local};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Widget, Wrap};

use super::forms::{PASSPHRASE, TaskForm};
use super::jobs::Running;
use super::{BackupScreen, Mode, TASKS, Task, Tone};
use crate::config::BackupWhen;
use crate::office::backup::{self, Stage};
use crate::safe_text::{Align, fit, sanitize};
use crate::ui::theme::Theme;
use crate::ui::words::capitalise;

impl BackupScreen {
    /// The whole screen: frame, menu and status lines, panel.
    pub(super) fn draw(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let t = theme;
        let hint = match self.mode {
            Mode::Menu => " ↑↓ choose · Enter open · Esc back ",
            Mode::Form(_) => " Enter next, on the last: go · ←→ choose · Esc cancel ",
            Mode::Running(_) => " Working… the other screens stay usable ",
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(t.border)
            .style(t.base)
            .title(Span::styled(" Backup ", t.title))
            .title_bottom(Span::styled(hint, t.hint));
        let inner = block.inner(area);
        block.render(area, buf);
        let top_h = (TASKS.len() as u16 + 4).min(inner.height);
        self.render_top(
            Rect {
                height: top_h,
                ..inner
            },
            buf,
            t,
        );
        let panel = Rect {
            y: inner.y + top_h,
            height: inner.height.saturating_sub(top_h),
            ..inner
        };
        self.render_panel(panel, buf, t);
    }

    fn render_top(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        let w = usize::from(area.width.saturating_sub(1));
        let menu = matches!(self.mode, Mode::Menu);
        let current = match &self.mode {
            Mode::Menu => None,
            Mode::Form(f) => Some(f.task),
            Mode::Running(r) => Some(r.task),
        };
        for (i, task) in TASKS.iter().enumerate() {
            let y = area.y + i as u16;
            if y >= area.bottom() {
                return;
            }
            let chosen = if menu {
                i == self.selected
            } else {
                current == Some(*task)
            };
            let style = match (chosen, menu) {
                (true, true) => t.selected,
                (true, false) => t.label_focus,
                (false, true) => t.base,
                (false, false) => t.hint,
            };
            let marker = if chosen { "▸" } else { " " };
            buf.set_style(Rect::new(area.x, y, area.width, 1), style);
            buf.set_stringn(
                area.x,
                y,
                fit(&format!("{marker} {}", task.label()), w + 1, Align::Left),
                w + 1,
                style,
            );
        }
        let (last, last_style) = match self.last_good {
            Some(tm) => {
                let days = (self.today - tm.with_timezone(&Local).date_naive()).num_days();
                let stale = days > backup::STALE_AFTER_DAYS;
                (
                    format!("Last good backup: {}{}", local(tm), ago(days)),
                    if stale { t.warning } else { t.base },
                )
            }
            None => ("Last good backup: none yet".to_string(), t.warning),
        };
        let (auto, folder) = match (&self.settings_problem, &self.settings) {
            (Some(p), _) => (p.clone(), String::new()),
            (None, Some(s)) if s.enabled => {
                let keep = match self.config.keep {
                    0 => s.keep,
                    n => n,
                };
                let folder = self.config.dir.as_ref().unwrap_or(&s.folder);
                (
                    format!(
                        "Automatic: on, {} · keep {keep} · {} key{}",
                        self.config.when.describe(),
                        s.recipients.len(),
                        if s.recipients.len() == 1 { "" } else { "s" }
                    ),
                    format!("Folder: {}", folder.display()),
                )
            }
            _ => ("Automatic: off".to_string(), String::new()),
        };
        let lines = [(last, last_style), (auto, t.base), (folder, t.base)];
        for (k, (text, style)) in lines.iter().enumerate() {
            let y = area.y + TASKS.len() as u16 + 1 + k as u16;
            if y < area.bottom() {
                buf.set_stringn(area.x + 1, y, fit(text, w, Align::Left), w, *style);
            }
        }
    }

    fn render_panel(&self, area: Rect, buf: &mut Buffer, t: &Theme) {
        if area.height < 3 {
            return;
        }
        let (title, focused) = match &self.mode {
            Mode::Menu => match &self.panel {
                Some(p) => (p.title.clone(), false),
                None => return,
            },
            Mode::Form(f) => (f.task.title().to_string(), true),
            Mode::Running(r) => (r.task.title().to_string(), false),
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if focused { t.border_focus } else { t.border })
            .style(t.base)
            .title(Span::styled(format!(" {title} "), t.title));
        let inner = block.inner(area);
        block.render(area, buf);
        let inner = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(2),
            ..inner
        };
        match &self.mode {
            Mode::Menu => {
                if let Some(p) = &self.panel {
                    paragraph(&p.lines, t).render(inner, buf);
                }
            }
            Mode::Form(f) => {
                let h = f.entries.height().min(inner.height);
                f.entries.render(Rect { height: h, ..inner }, buf, t, true);
                let rest = Rect {
                    y: inner.y + h + 1,
                    height: inner.height.saturating_sub(h + 1),
                    ..inner
                };
                let mut lines = Vec::new();
                if let Some(m) = &f.message {
                    lines.push((m.clone(), Tone::Bad));
                }
                lines.push((form_hint(f, self.config.when), Tone::Hint));
                paragraph(&lines, t).render(rest, buf);
            }
            Mode::Running(r) => render_progress(r, inner, buf, t),
        }
    }
}

fn render_progress(r: &Running, area: Rect, buf: &mut Buffer, t: &Theme) {
    let (stage, done, total) = match r.progress {
        Some(p) => (p.stage, p.done, p.total),
        None => (
            match r.task {
                Task::Restore => Stage::Restoring,
                Task::Verify => Stage::Verifying,
                _ => Stage::Snapshot,
            },
            0,
            0,
        ),
    };
    let step = match (r.task, stage) {
        (Task::Export, Stage::Snapshot) => "Step 1 of 4: ",
        (Task::Export, Stage::Counting) => "Step 2 of 4: ",
        (Task::Export, Stage::Encrypting) => "Step 3 of 4: ",
        (Task::Export, Stage::Verifying) => "Step 4 of 4: ",
        _ => "",
    };
    let head = if step.is_empty() {
        capitalise(stage.label())
    } else {
        format!("{step}{}", stage.label())
    };
    let w = usize::from(area.width);
    if area.height == 0 {
        return;
    }
    buf.set_stringn(area.x, area.y, fit(&head, w, Align::Left), w, t.base);
    if area.height < 3 {
        return;
    }
    let ratio = if total > 0 {
        (done as f64 / total as f64).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let label = if total > 0 {
        format!(
            "{}%  {} of {}",
            (ratio * 100.0).floor() as u32,
            size(done),
            size(total)
        )
    } else {
        "working…".to_string()
    };
    Gauge::default()
        .gauge_style(t.selected)
        .style(t.base)
        .ratio(ratio)
        .label(Span::styled(label, t.base))
        .render(Rect::new(area.x, area.y + 2, area.width, 1), buf);
    if area.height > 4 {
        buf.set_stringn(
            area.x,
            area.y + 4,
            fit(
                "Nothing half-written ever looks like a good backup.",
                w,
                Align::Left,
            ),
            w,
            t.hint,
        );
    }
}

fn paragraph<'a>(lines: &'a [(String, Tone)], t: &Theme) -> Paragraph<'a> {
    let text: Vec<Line> = lines
        .iter()
        .map(|(s, tone)| {
            let style: Style = match tone {
                Tone::Plain => t.base,
                Tone::Good => t.base,
                Tone::Bad => t.error,
                Tone::Hint => t.hint,
            };
            Line::from(Span::styled(sanitize(s).into_owned(), style))
        })
        .collect();
    Paragraph::new(text).wrap(Wrap { trim: true })
}

fn form_hint(f: &TaskForm, when: BackupWhen) -> String {
    match f.task {
        Task::Export if f.choice() == PASSPHRASE => format!(
            "At least {} characters. Keep it apart from the file.",
            backup::MIN_PASSPHRASE_CHARS
        ),
        Task::Export => "Only the holders of these keys can read the backup.".into(),
        Task::Verify => "Nothing is changed; the backup is only read.".into(),
        Task::Restore => "A new office file is made; nothing existing is touched.".into(),
        Task::Auto => format!(
            "A backup a day, {} (config.toml: auto_backup.when).",
            when.describe()
        ),
    }
}

fn local(t: DateTime<chrono::Utc>) -> String {
    crate::ui::dates::show_time(t.with_timezone(&Local).naive_local())
}

/// A manifest's RFC 3339 time, in local time.
pub(super) fn when(rfc3339: &str) -> String {
    DateTime::parse_from_rfc3339(rfc3339)
        .map(|t| local(t.with_timezone(&chrono::Utc)))
        .unwrap_or_else(|_| sanitize(rfc3339).into_owned())
}

fn ago(days: i64) -> String {
    match days {
        i64::MIN..=0 => String::new(),
        1 => " (yesterday)".into(),
        n => format!(" ({n} days ago)"),
    }
}

pub(super) fn size(bytes: u64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    if bytes < 1024 * 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MB", bytes as f64 / MB)
    }
}
