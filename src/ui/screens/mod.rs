//! One module per screen. `open` builds a screen for the shell; each
//! screen module adds its arm here.
//!
//! The shell's own pages (set-up, login, lock) are not `Screen`s: they come
//! before there is a session.

pub mod accounts;
pub mod activities;
pub mod audit;
pub mod backup;
pub mod classes;
pub mod counselling;
pub mod fields;
pub mod home;
pub mod import;
pub mod intake;
pub mod lock;
pub mod login;
pub mod person;
pub mod placements;
pub mod register;
pub mod reports;
pub mod setup;

use crate::ui::screen::{Screen, ScreenId};

/// Build the screen `id`. Every screen of the menu exists now; the
/// `Option` stays so the next one can be added to the menu before its
/// screen (the shell shows a "coming later" page for a `None`).
pub fn open(id: ScreenId) -> Box<dyn Screen> {
    match id {
        ScreenId::Home => Box::new(home::HomeScreen::new()),
        ScreenId::Register => Box::new(register::RegisterScreen::new()),
        ScreenId::Intake => Box::new(intake::IntakeScreen::new()),
        ScreenId::Accounts => Box::new(accounts::AccountsScreen::new()),
        ScreenId::Counselling => Box::new(counselling::CounsellingScreen::new()),
        ScreenId::Audit => Box::new(audit::AuditScreen::new()),
        ScreenId::Backup => Box::new(backup::BackupScreen::new()),
        ScreenId::Classes => Box::new(classes::ClassesScreen::new()),
        ScreenId::Placements => Box::new(placements::PlacementsScreen::new()),
        ScreenId::Activities => Box::new(activities::ActivitiesScreen::new()),
        ScreenId::Reports => Box::new(reports::ReportsScreen::new()),
        ScreenId::Import => Box::new(import::ImportScreen::new()),
    }
}

/// Build the file screen for one person (opened from the register, search
/// or the home page).
pub fn open_person(person_id: i64) -> Box<dyn Screen> {
    Box::new(person::PersonScreen::new(person_id))
}
