//! Values for the fields a people file does not have: the built-in ones,
//! the mapping file's [defaults] and --programme, and how the preview
//! lists them.

use chrono::NaiveDate;

use super::super::Cell;
use super::super::columns::{Mapping, MappingFile, PEOPLE};
use super::super::dates::{self, FileDates};
use super::super::vocabulary::parse_vocab;
use super::values::{parse_concerns, parse_programme, parse_sex};
use crate::domain::{Centre, Concern, Programme, ReferralSource, RiskLevel, Sex};
use crate::{Error, Result};

/// Risk level when the file has none: the middle, so no imported child is
/// marked safe by default; the person can change it in a mapping file.
const DEFAULT_RISK: RiskLevel = RiskLevel::Medium;
/// Referral source when the file has none: old registers rarely kept it.
const DEFAULT_REFERRAL: ReferralSource = ReferralSource::OtherOrganisation;

/// Values for fields the file does not have.
#[derive(Debug, Clone)]
pub(super) struct Defaults {
    pub(super) programme: Option<Programme>,
    pub(super) sex: Option<Sex>,
    pub(super) risk: RiskLevel,
    pub(super) referral_source: ReferralSource,
    pub(super) centre: Option<Centre>,
    pub(super) concerns: Option<Vec<Concern>>,
    pub(super) registered_on: NaiveDate,
    /// Which of them the mapping file set.
    pub(super) from_file: Vec<&'static str>,
}

impl Defaults {
    pub(super) fn read(
        map: Option<&MappingFile>,
        programme: Option<Programme>,
        today: NaiveDate,
        file_dates: FileDates,
    ) -> Result<Defaults> {
        let mut d = Defaults {
            programme,
            sex: None,
            risk: DEFAULT_RISK,
            referral_source: DEFAULT_REFERRAL,
            centre: None,
            concerns: None,
            registered_on: today,
            from_file: Vec::new(),
        };
        let Some(map) = map else { return Ok(d) };
        let bad = |key: &str, m: String| {
            Error::invalid(format!("the mapping file's default for {key}: {m}"))
        };
        for (key, value) in &map.defaults {
            let f = PEOPLE.iter().find(|f| f.key == key).map_or("", |f| f.key);
            match f {
                // --programme on the command line wins over the file.
                "programme" => {
                    let p = parse_programme(value).map_err(|m| bad(key, m))?;
                    d.programme = d.programme.or(Some(p));
                }
                "sex" => d.sex = Some(parse_sex(value).map_err(|m| bad(key, m))?),
                "risk" => {
                    d.risk = parse_vocab(
                        RiskLevel::ALL,
                        RiskLevel::code,
                        RiskLevel::english,
                        "risk",
                        value,
                    )
                    .map_err(|m| bad(key, m))?
                }
                "referral_source" => {
                    d.referral_source = parse_vocab(
                        ReferralSource::ALL,
                        ReferralSource::code,
                        ReferralSource::english,
                        "referral source",
                        value,
                    )
                    .map_err(|m| bad(key, m))?
                }
                "centre" => {
                    d.centre = Some(
                        parse_vocab(Centre::ALL, Centre::code, Centre::english, "centre", value)
                            .map_err(|m| bad(key, m))?,
                    )
                }
                "concerns" => d.concerns = Some(parse_concerns(value).map_err(|m| bad(key, m))?),
                "registered_on" => {
                    let c = Cell::Text(value.clone());
                    // In the file's date order, as its dates are.
                    let order = dates::column_order(std::iter::once(&c), file_dates);
                    d.registered_on = dates::read(&c, order)
                        .map_err(|p| bad(key, p.message("date", value, order)))?;
                }
                _ => {
                    return Err(Error::invalid(format!(
                        "the mapping file's [defaults] cannot set {key}; defaults are for: programme, sex, risk, referral_source, centre, concerns, registered_on"
                    )));
                }
            }
            d.from_file.push(f);
        }
        Ok(d)
    }

    /// "Field → value (where it comes from)" for fields the file lacks.
    pub(super) fn settings(&self, mapping: &Mapping) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut add = |key: &'static str, label: &str, value: String, builtin: &str| {
            if mapping.column(key).is_some() {
                return;
            }
            let from = if self.from_file.contains(&key) {
                "from the mapping file".to_string()
            } else {
                builtin.to_string()
            };
            out.push((label.to_string(), format!("{value} ({from})")));
        };
        add(
            "programme",
            "Programme",
            self.programme
                .map_or("none: every row needs one".into(), |p| {
                    p.label().to_string()
                }),
            "--programme",
        );
        add(
            "sex",
            "Sex",
            self.sex.map_or(
                "female for the women's desk; otherwise required".into(),
                |s| s.label().to_string(),
            ),
            "default",
        );
        add(
            "risk",
            "Risk level",
            self.risk.label().to_string(),
            "default",
        );
        add(
            "referral_source",
            "Referral source",
            self.referral_source.label().to_string(),
            "default",
        );
        add(
            "centre",
            "Centre",
            self.centre
                .map_or("the programme's own (CPC, women's desk)".into(), |c| {
                    c.label().to_string()
                }),
            "default",
        );
        add(
            "concerns",
            "Concerns",
            self.concerns.as_ref().map_or(
                "at risk for the CPC; required for the women's desk".into(),
                |c| c.iter().map(|c| c.label()).collect::<Vec<_>>().join(", "),
            ),
            "default",
        );
        add(
            "registered_on",
            "Date of registration",
            self.registered_on.to_string(),
            "the day of the import",
        );
        out
    }
}
