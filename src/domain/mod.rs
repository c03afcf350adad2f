//! Plain types and rules of the office's work. No I/O here.

pub mod casework;
pub mod child_labour;
pub mod counselling;
pub mod names;
pub mod person;

use std::fmt;
use std::str::FromStr;

use crate::Error;

/// Declares a closed vocabulary: stored as a short code, shown as a label.
/// Every domain word list (roles, concerns, services, …) goes through it so
/// storage, parsing and display cannot drift apart.
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($variant:ident => $code:literal, $label:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the office file and used on the CLI.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The words shown to people.
            pub fn label(self) -> &'static str {
                self.english()
            }

            /// The English name, which an import also accepts (with its
            /// own synonyms): it stays when the label is translated.
            pub fn english(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.label())
            }
        }

        impl FromStr for $name {
            type Err = Error;
            /// Accepts the code only, ignoring case: never a label, so a
            /// translated label cannot change what the CLI accepts.
            fn from_str(s: &str) -> Result<Self, Error> {
                let s = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.code().eq_ignore_ascii_case(s))
                    .ok_or_else(|| {
                        let known: Vec<&str> = $name::ALL.iter().map(|v| v.code()).collect();
                        Error::invalid(format!(
                            "'{}' is not a known {}; use one of: {}",
                            s.escape_debug().to_string(), $what, known.join(", ")
                        ))
                    })
            }
        }

        impl rusqlite::types::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.code().into())
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let s = v.as_str()?;
                $name::ALL
                    .iter()
                    .copied()
                    .find(|x| x.code() == s)
                    .ok_or_else(|| rusqlite::types::FromSqlError::Other(
                        format!("unknown {} code", $what).into(),
                    ))
            }
        }
    };
}

vocabulary!(
    /// What an account may do.
    Role, "role" {
        Manager => "manager", "manager";
        Staff => "staff", "staff";
        Psychologist => "psychologist", "psychologist";
    }
);

vocabulary!(
    /// The office's two programmes share one office file.
    Programme, "programme" {
        Cpc => "cpc", "CPC";
        WomensDesk => "wd", "women's desk";
    }
);

impl Programme {
    /// The prefix of this programme's case numbers.
    pub fn case_prefix(self) -> &'static str {
        match self {
            Programme::Cpc => "CPC",
            Programme::WomensDesk => "WD",
        }
    }
}

vocabulary!(
    Sex, "sex" {
        Female => "female", "female";
        Male => "male", "male";
        Other => "other", "other";
    }
);

vocabulary!(
    RiskLevel, "risk level" {
        High => "high", "high";
        Medium => "medium", "medium";
        Low => "low", "low";
    }
);

vocabulary!(
    CaseStatus, "case status" {
        Registered => "registered", "registered";
        Active => "active", "active";
        Closed => "closed", "closed";
        Reopened => "reopened", "reopened";
    }
);

vocabulary!(
    ClosureReason, "closure reason" {
        Reintegrated => "reintegrated", "reintegrated with family";
        Mainstreamed => "mainstreamed", "mainstreamed to school";
        PlacedInJob => "placed_in_job", "placed in job";
        Transferred => "transferred", "transferred";
        LostContact => "lost_contact", "lost contact";
    }
);

vocabulary!(
    /// Where a child is served: the CPC itself or a child-friendly space.
    Centre, "centre" {
        Cpc => "cpc", "CPC";
        ChildFriendlySpace => "cfs", "child-friendly space";
        Desk => "desk", "women's desk";
    }
);

vocabulary!(
    ReferralSource, "referral source" {
        OutreachSpot => "outreach_spot", "outreach spot";
        PoliceStation => "police_station", "police station";
        MedicoLegalUnit => "medico_legal_unit", "medico-legal unit";
        CommunityGroup => "community_group", "community group";
        ParentsCommittee => "parents_committee", "parents' committee";
        SelfReferred => "self", "self";
        OtherOrganisation => "other_organisation", "other organisation";
    }
);

vocabulary!(
    /// Concerns for both programmes; `Concern::for_programme` gives each list.
    Concern, "concern" {
        Csec => "csec", "CSEC";
        Csa => "csa", "CSA";
        AtRisk => "at_risk", "at risk";
        StreetWorking => "street_working", "street-working";
        Runaway => "runaway", "runaway";
        PhysicalAbuse => "physical_abuse", "physical abuse";
        Rape => "rape", "rape";
        SexualAssault => "sexual_assault", "sexual assault";
        PhysicalAssault => "physical_assault", "physical assault";
        ForcedMarriage => "forced_marriage", "forced marriage";
        DenialOfResources => "denial_of_resources", "denial of resources, opportunities or services";
        PsychologicalAbuse => "psychological_abuse", "psychological / emotional abuse";
        DomesticViolence => "domestic_violence", "domestic violence";
        FamilyCase => "family_case", "family case";
        Harassment => "harassment", "harassment";
        CriminalOffence => "criminal_offence", "criminal offence";
        InCustody => "in_custody", "in custody";
    }
);

impl Concern {
    pub fn for_programme(p: Programme) -> &'static [Concern] {
        use Concern::*;
        match p {
            Programme::Cpc => &[Csec, Csa, AtRisk, StreetWorking, Runaway, PhysicalAbuse],
            Programme::WomensDesk => &[
                Rape,
                SexualAssault,
                PhysicalAssault,
                ForcedMarriage,
                DenialOfResources,
                PsychologicalAbuse,
                DomesticViolence,
                FamilyCase,
                Harassment,
                CriminalOffence,
                InCustody,
            ],
        }
    }
}

vocabulary!(
    ServiceKind, "service" {
        Counselling => "counselling", "counselling";
        HealthCheck => "health_check", "health check";
        MedicalReferral => "medical_referral", "medical referral";
        Medicines => "medicines", "medicines";
        Nutrition => "nutrition", "nutrition";
        Recreation => "recreation", "recreation";
        Literacy => "literacy", "literacy";
        Lsbe => "lsbe", "LSBE";
        SkillClass => "skill_class", "skill class";
        SchoolMainstreaming => "school_mainstreaming", "school mainstreaming";
        FamilyReunification => "family_reunification", "family reunification visit";
        LegalCounselling => "legal_counselling", "legal counselling";
        LegalAid => "legal_aid", "legal aid";
        StressManagement => "stress_management", "stress management";
        LifeSkills => "life_skills", "life skills";
    }
);

vocabulary!(
    CounsellingKind, "counselling kind" {
        Assessment => "assessment", "assessment / history taking";
        Individual => "individual", "individual";
        Group => "group", "group";
    }
);

/// An account, as the office file records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub enabled: bool,
    pub public_key: String,
    pub created_at: String,
}

/// Account names are short words people type at the login prompt; keeping
/// them plain ASCII means they can sit in the key file without escaping.
pub fn check_user_name(name: &str) -> crate::Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "a user name is 1 to 32 letters, digits, '.', '_' or '-', starting with a letter or digit",
        ))
    }
}

// After `vocabulary!`, which they use.
pub mod activities;
pub mod audit;
pub mod classes;
pub mod dates;
pub mod placements;
pub mod reports;
