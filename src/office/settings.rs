//! Office-wide settings that are not one area's: the office's date order
//! (how forms and imports read `06/12/2026` and how the desk shows dates).
//! Anyone reads them; a manager changes them, in one transaction with a
//! typed audit entry.

use super::{AuditAction, Session};
use crate::Result;
use crate::domain::dates::DateOrder;
use crate::office::rules::Capability;
use crate::store::meta;

/// What `casedesk office show` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeSettings {
    pub name: String,
    pub date_order: DateOrder,
}

impl Session {
    /// The office's date order (anyone): day first unless a manager set
    /// another.
    pub fn date_order(&self) -> Result<DateOrder> {
        self.need(Capability::SeeOffice)?;
        meta::date_order(self.conn())
    }

    /// Set the office's date order (managers).
    pub fn set_date_order(&mut self, order: DateOrder) -> Result<()> {
        self.need(Capability::OfficeSettings)?;
        self.write(|tx, user| {
            meta::set_date_order(tx, order)?;
            Session::record_in(tx, user, AuditAction::OfficeDateOrder, "", order.code())
        })
    }

    /// The office's settings (anyone).
    pub fn office_settings(&self) -> Result<OfficeSettings> {
        Ok(OfficeSettings {
            name: self.office_name()?,
            date_order: self.date_order()?,
        })
    }
}
