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
pub fn open(id: ScreenId) -> Option<Box<dyn Screen>> {
    match id {
        ScreenId::Home => Some(Box::new(home::HomeScreen::new())),
        ScreenId::Register => Some(Box::new(register::RegisterScreen::new())),
        ScreenId::Intake => Some(Box::new(intake::IntakeScreen::new())),
        ScreenId::Accounts => Some(Box::new(accounts::AccountsScreen::new())),
        ScreenId::Counselling => Some(Box::new(counselling::CounsellingScreen::new())),
        ScreenId::Audit => Some(Box::new(audit::AuditScreen::new())),
        ScreenId::Backup => Some(Box::new(backup::BackupScreen::new())),
        ScreenId::Classes => Some(Box::new(classes::ClassesScreen::new())),
        ScreenId::Placements => Some(Box::new(placements::PlacementsScreen::new())),
        ScreenId::Activities => Some(Box::new(activities::ActivitiesScreen::new())),
        ScreenId::Reports => Some(Box::new(reports::ReportsScreen::new())),
        ScreenId::Import => Some(Box::new(import::ImportScreen::new())),
    }
}

/// Build the file screen for one person (opened from the register, search
/// or the home page), or `None` while it does not exist yet.
pub fn open_person(person_id: i64) -> Option<Box<dyn Screen>> {
    Some(Box::new(person::PersonScreen::new(person_id)))
}
