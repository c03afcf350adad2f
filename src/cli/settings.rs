//! `casedesk office show` and `office set date-order dmy|mdy|ymd`: the
//! office's own settings.

use clap::{Subcommand, ValueEnum};

use crate::Result;
use crate::domain::dates::DateOrder;
use crate::office::Session;

#[derive(Debug, Subcommand)]
pub enum OfficeCommand {
    /// The office's settings, one "name: value" line each (anyone)
    Show,
    /// Change an office setting (manager)
    #[command(subcommand)]
    Set(OfficeSetting),
}

#[derive(Debug, Subcommand)]
pub enum OfficeSetting {
    /// How forms and imports read 06/12/2026 and how the desk shows dates: dmy (day first, the default), mdy (month first) or ymd (year first)
    DateOrder {
        #[arg(value_enum)]
        order: DateOrderArg,
    },
}

/// `dmy`, `mdy` or `ymd` on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DateOrderArg {
    /// Day first: 23/11/2026
    Dmy,
    /// Month first: 11/23/2026
    Mdy,
    /// Year first: 2026-11-23
    Ymd,
}

impl From<DateOrderArg> for DateOrder {
    fn from(a: DateOrderArg) -> DateOrder {
        match a {
            DateOrderArg::Dmy => DateOrder::Dmy,
            DateOrderArg::Mdy => DateOrder::Mdy,
            DateOrderArg::Ymd => DateOrder::Ymd,
        }
    }
}

pub fn run(session: &mut Session, cmd: OfficeCommand) -> Result<()> {
    match cmd {
        OfficeCommand::Show => {
            let s = session.office_settings()?;
            println!("name: {}", crate::safe_text::sanitize(&s.name));
            println!("date-order: {}", s.date_order.code());
        }
        OfficeCommand::Set(OfficeSetting::DateOrder { order }) => {
            let order = DateOrder::from(order);
            session.set_date_order(order)?;
            eprintln!(
                "The office's date order is now {}: forms and imports read 06/12/2026 that way.",
                order.label()
            );
        }
    }
    Ok(())
}
