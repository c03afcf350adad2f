//! The small forms of the Classes screen: a new class, enrol or withdraw a
//! person, and the date of a sheet to open. Errors show beside their field
//! and nothing typed is lost.

use chrono::{NaiveDate, NaiveTime};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};

use super::super::fields::{Entries, Entry, EntryEvent};
use crate::Result;
use crate::domain::User;
use crate::domain::classes::{Class, ClassKind, Days, NewClass};
use crate::domain::person::PersonId;
use crate::ui::keymap::Input;
use crate::ui::screen::ScreenCtx;
use crate::ui::theme::Theme;
use crate::ui::widgets::form::parse_date;
use crate::ui::words::sentence;

/// What a form's key did.
pub enum FormResult {
    Pending,
    Cancelled,
    /// Saved; the words for the status line.
    Done(String),
}

fn draw_box(entries: &Entries, title: &str, area: Rect, buf: &mut Buffer, theme: &Theme) {
    super::super::fields::render_boxed(
        entries,
        title,
        "Enter next / save · ←→ choose · Esc cancel",
        60,
        area,
        buf,
        theme,
    );
}

const KINDS: [ClassKind; 4] = [
    ClassKind::Literacy,
    ClassKind::Lsbe,
    ClassKind::NonFormal,
    ClassKind::Skill,
];

// Entry positions of the new-class form.
const NAME: usize = 0;
const KIND: usize = 1;
const TRADE: usize = 2;
const TEACHER: usize = 3;
const DAYS: usize = 4;
const FROM: usize = 5;
const TO: usize = 6;
const STARTS: usize = 7;
const ROOM: usize = 8;

pub struct ClassForm {
    entries: Entries,
    teachers: Vec<User>,
    today: NaiveDate,
}

fn time(s: &str) -> std::result::Result<Option<NaiveTime>, ()> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveTime::parse_from_str(s, "%H:%M")
        .map(Some)
        .map_err(|_| ())
}

impl ClassForm {
    pub fn new(teachers: &[User], today: NaiveDate) -> ClassForm {
        let names: Vec<&str> = teachers.iter().map(|u| u.name.as_str()).collect();
        let kinds = KINDS.map(|k| k.label());
        ClassForm {
            entries: Entries::new(vec![
                Entry::text("Name"),
                Entry::cycle("Kind", &kinds),
                Entry::text("Trade (skill)"),
                Entry::cycle("Teacher", &names),
                Entry::text("Days").with_text("mon-thu"),
                Entry::text("From (HH:MM)"),
                Entry::text("To (HH:MM)"),
                Entry::text("First day").with_text(&crate::ui::dates::show(today)),
                Entry::text("Room"),
            ]),
            teachers: teachers.to_vec(),
            today,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.text(NAME).trim().is_empty()
    }

    pub fn cursor(&self) -> Option<Position> {
        self.entries.cursor()
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        draw_box(&self.entries, "New class", area, buf, theme);
    }

    pub fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<FormResult> {
        match self.entries.handle(input) {
            EntryEvent::None => Ok(FormResult::Pending),
            EntryEvent::Back => Ok(FormResult::Cancelled),
            EntryEvent::Submit => self.submit(ctx),
        }
    }

    fn submit(&mut self, ctx: &mut ScreenCtx<'_>) -> Result<FormResult> {
        let e = &mut self.entries;
        e.clear_errors();
        let mut bad = false;
        let days = e.text(DAYS).parse::<Days>().unwrap_or_else(|err| {
            e.set_error(DAYS, sentence(&err));
            bad = true;
            Days::default()
        });
        let mut read_time = |i: usize, e: &mut Entries| {
            time(e.text(i)).unwrap_or_else(|()| {
                e.set_error(i, "Write the time like 09:30.");
                bad = true;
                None
            })
        };
        let starts_at = read_time(FROM, e);
        let ends_at = read_time(TO, e);
        let starts_on = parse_date(e.text(STARTS), self.today).unwrap_or_else(|| {
            e.set_error(
                STARTS,
                format!("Write the date like {}.", crate::ui::dates::hint()),
            );
            bad = true;
            self.today
        });
        let class = NewClass {
            kind: KINDS[e.choice(KIND).min(KINDS.len() - 1)],
            name: e.text(NAME).to_string(),
            trade: e.text(TRADE).to_string(),
            teacher_id: self.teachers.get(e.choice(TEACHER)).map(|u| u.id),
            days,
            starts_at,
            ends_at,
            starts_on,
            ends_on: None,
            room: e.text(ROOM).to_string(),
        };
        for err in class.validate() {
            let at = match err.field {
                "name" => NAME,
                "trade" => TRADE,
                "teacher" => TEACHER,
                "days" => DAYS,
                "ends_at" => TO,
                "room" => ROOM,
                _ => NAME,
            };
            e.set_error(at, format!("{}.", err.message));
            bad = true;
        }
        if bad {
            return Ok(FormResult::Pending);
        }
        match ctx.session.add_class(&class) {
            Ok(_) => Ok(FormResult::Done("Class added.".into())),
            Err(err @ crate::Error::Invalid(_)) => {
                e.set_error(NAME, sentence(&err));
                Ok(FormResult::Pending)
            }
            Err(err) => Err(err),
        }
    }
}

const WHAT: usize = 0;
const CASE: usize = 1;
const WHEN: usize = 2;
const WHY: usize = 3;

/// Enrol a person in the class, or withdraw them, by case number.
pub struct EnrolForm {
    class: Class,
    entries: Entries,
    today: NaiveDate,
}

impl EnrolForm {
    pub fn new(class: Class, today: NaiveDate) -> EnrolForm {
        EnrolForm {
            class,
            entries: Entries::new(vec![
                Entry::cycle("What", &["Enrol", "Withdraw"]),
                Entry::text("Case number"),
                Entry::text("From").with_text(&crate::ui::dates::show(today)),
                Entry::text("Why (withdraw)"),
            ]),
            today,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.entries.text(CASE).trim().is_empty()
    }

    pub fn cursor(&self) -> Option<Position> {
        self.entries.cursor()
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        let title = format!("Enrol or withdraw · {}", self.class.name);
        draw_box(&self.entries, &title, area, buf, theme);
    }

    pub fn handle(&mut self, input: Input, ctx: &mut ScreenCtx<'_>) -> Result<FormResult> {
        match self.entries.handle(input) {
            EntryEvent::None => return Ok(FormResult::Pending),
            EntryEvent::Back => return Ok(FormResult::Cancelled),
            EntryEvent::Submit => {}
        }
        let e = &mut self.entries;
        e.clear_errors();
        let Some(on) = parse_date(e.text(WHEN), self.today) else {
            e.set_error(
                WHEN,
                format!("Write the date like {}.", crate::ui::dates::hint()),
            );
            return Ok(FormResult::Pending);
        };
        let person = match ctx.session.find_case_number(e.text(CASE))? {
            Some(p) => p,
            None => {
                e.set_error(CASE, "No person has this case number (like CPC-2026-0042).");
                return Ok(FormResult::Pending);
            }
        };
        let withdraw = e.choice(WHAT) == 1;
        let result = if withdraw {
            ctx.session
                .withdraw(self.class.id, person, on, e.text(WHY))
                .map(|()| "Withdrawn.")
        } else {
            ctx.session
                .enrol(self.class.id, PersonId(person.0), on)
                .map(|_| "Enrolled.")
        };
        match result {
            Ok(words) => Ok(FormResult::Done(words.into())),
            Err(err @ (crate::Error::Invalid(_) | crate::Error::Conflict(_))) => {
                e.set_error(CASE, sentence(&err));
                Ok(FormResult::Pending)
            }
            Err(err) => Err(err),
        }
    }
}

/// What the date box gave.
pub enum DateEvent {
    Pending,
    Cancelled,
    Date(NaiveDate),
}

/// The date of the session to open.
pub struct DateForm {
    entries: Entries,
}

impl DateForm {
    pub fn new() -> DateForm {
        DateForm {
            entries: Entries::new(vec![Entry::text("Date")]),
        }
    }

    pub fn cursor(&self) -> Option<Position> {
        self.entries.cursor()
    }

    pub fn render(&self, area: Rect, buf: &mut Buffer, theme: &Theme) {
        draw_box(&self.entries, "Open the sheet of", area, buf, theme);
    }

    pub fn handle(&mut self, input: Input, today: NaiveDate) -> DateEvent {
        match self.entries.handle(input) {
            EntryEvent::None => DateEvent::Pending,
            EntryEvent::Back => DateEvent::Cancelled,
            EntryEvent::Submit => match parse_date(self.entries.text(0), today) {
                Some(d) if d <= today => DateEvent::Date(d),
                Some(_) => {
                    self.entries.set_error(0, "That day has not come yet.");
                    DateEvent::Pending
                }
                None => {
                    self.entries.set_error(
                        0,
                        format!(
                            "Write the date like {}, or today or yesterday.",
                            crate::ui::dates::hint()
                        ),
                    );
                    DateEvent::Pending
                }
            },
        }
    }
}
