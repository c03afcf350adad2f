//! The fields each kind of import fills, with the header spellings
//! (English and Urdu) that match them automatically. Adding a spelling
//! an office uses is a one-line change here.

/// A field a column can fill: its key (as in a mapping file), the words
/// shown for it, and the header spellings that match it automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub label: &'static str,
    pub spellings: &'static [&'static str],
    pub date: bool,
}

const fn field(
    key: &'static str,
    label: &'static str,
    spellings: &'static [&'static str],
) -> Field {
    Field {
        key,
        label,
        spellings,
        date: false,
    }
}

const fn date_field(
    key: &'static str,
    label: &'static str,
    spellings: &'static [&'static str],
) -> Field {
    Field {
        key,
        label,
        spellings,
        date: true,
    }
}

/// A person's name as registers, service logs and attendance sheets head
/// it. Services and attendance check it against the case number's person.
const NAME: &[&str] = &[
    "name",
    "child name",
    "childs name",
    "name of child",
    "name of the child",
    "full name",
    "beneficiary name",
    "beneficiary",
    "client name",
    "survivor name",
    "name of survivor",
    "woman name",
    "womans name",
    "name of woman",
    "girl name",
    "boy name",
    "نام",
    "بچے کا نام",
    "بچہ کا نام",
    "نام بچہ",
    "پورا نام",
];

/// The fields of a people import, in the order the preview lists them.
pub const PEOPLE: &[Field] = &[
    field("name", "Name", NAME),
    field(
        "father_name",
        "Father's or husband's name",
        &[
            "father name",
            "fathers name",
            "father",
            "name of father",
            "father husband name",
            "father or husband name",
            "father husband",
            "fathers husbands name",
            "husband name",
            "husbands name",
            "so",
            "do",
            "wo",
            "son of",
            "daughter of",
            "wife of",
            "f name",
            "fname",
            "parentage",
            "ولدیت",
            "ولد",
            "والد",
            "والد کا نام",
            "شوہر کا نام",
            "ولدیت زوجیت",
            "والد شوہر کا نام",
        ],
    ),
    field(
        "alias",
        "Alias",
        &[
            "alias",
            "nickname",
            "nick name",
            "also known as",
            "aka",
            "عرف",
        ],
    ),
    field("sex", "Sex", &["sex", "gender", "mf", "جنس"]),
    field(
        "age",
        "Age",
        &[
            "age",
            "age years",
            "age in years",
            "age yrs",
            "approx age",
            "estimated age",
            "عمر",
            "عمر سال",
        ],
    ),
    date_field(
        "birth_date",
        "Date of birth",
        &[
            "dob",
            "date of birth",
            "birth date",
            "birthdate",
            "born",
            "born on",
            "تاریخ پیدائش",
        ],
    ),
    field(
        "cnic",
        "CNIC / B-form",
        &[
            "cnic",
            "cnic no",
            "cnic number",
            "nic",
            "nic no",
            "b form",
            "bform",
            "b form no",
            "cnic b form",
            "cnic bform",
            "id card",
            "شناختی کارڈ",
            "شناختی کارڈ نمبر",
            "ب فارم",
        ],
    ),
    field(
        "phone",
        "Phone",
        &[
            "phone",
            "phone no",
            "phone number",
            "mobile",
            "mobile no",
            "mobile number",
            "cell",
            "cell no",
            "contact",
            "contact no",
            "contact number",
            "فون",
            "فون نمبر",
            "موبائل",
            "موبائل نمبر",
            "رابطہ نمبر",
        ],
    ),
    field(
        "area",
        "Area",
        &[
            "area",
            "locality",
            "location",
            "mohalla",
            "mohallah",
            "town",
            "village",
            "علاقہ",
            "محلہ",
        ],
    ),
    field(
        "address",
        "Address",
        &["address", "home address", "residence", "پتہ", "رہائش"],
    ),
    field(
        "guardian_name",
        "Guardian",
        &["guardian", "guardian name", "guardians name", "سرپرست"],
    ),
    field(
        "guardian_relation",
        "Guardian's relation",
        &["relation", "guardian relation", "relationship", "رشتہ"],
    ),
    field(
        "school_status",
        "School status",
        &["school", "school status", "education", "schooling", "تعلیم"],
    ),
    field(
        "work_status",
        "Work status",
        &[
            "work",
            "work status",
            "occupation",
            "job",
            "profession",
            "پیشہ",
            "کام",
        ],
    ),
    field(
        "referral_source",
        "Referral source",
        &[
            "referral source",
            "source of referral",
            "referral",
            "source",
        ],
    ),
    field(
        "referral_detail",
        "Referred by",
        &["referred by", "referral detail", "referred from"],
    ),
    field(
        "concerns",
        "Concerns",
        &[
            "concern",
            "concerns",
            "issue",
            "issues",
            "case type",
            "type of case",
            "category",
            "nature of case",
            "مسئلہ",
        ],
    ),
    field(
        "risk",
        "Risk level",
        &["risk", "risk level", "risk category"],
    ),
    field("centre", "Centre", &["centre", "center", "cfs", "site"]),
    field(
        "programme",
        "Programme",
        &["programme", "program", "project", "پروگرام"],
    ),
    date_field(
        "registered_on",
        "Date of registration",
        &[
            "date of registration",
            "registration date",
            "registered on",
            "date registered",
            "reg date",
            "date of intake",
            "intake date",
            "date of admission",
            "admission date",
            "date",
            "تاریخ اندراج",
            "تاریخ رجسٹریشن",
            "تاریخ",
        ],
    ),
];

/// The sheet `casedesk list attendance --format csv` writes: the case
/// number; the name (checked against the register); one column per
/// session date; the rate (ignored).
pub const ATTENDANCE: &[Field] = &[
    field(
        "case_number",
        "Case number",
        &["case number", "case no", "case", "casenumber", "کیس نمبر"],
    ),
    field("name", "Name", NAME),
];

/// Services delivered: the person's case number (and name, checked
/// against the register), the service, its date, the detail and a note.
pub const SERVICES: &[Field] = &[
    field(
        "case_number",
        "Case number",
        &["case number", "case no", "case", "casenumber", "کیس نمبر"],
    ),
    field("name", "Name", NAME),
    field(
        "kind",
        "Service",
        &[
            "service",
            "kind",
            "service kind",
            "service type",
            "type",
            "سروس",
        ],
    ),
    date_field(
        "on_date",
        "Date",
        &["date", "service date", "on", "date of service", "تاریخ"],
    ),
    field(
        "detail",
        "Detail",
        &[
            "detail",
            "details",
            "referred to",
            "medicines",
            "medicines given",
        ],
    ),
    field(
        "note",
        "Note",
        &["note", "notes", "remarks", "comment", "comments"],
    ),
];

/// Outreach and community activities: the date, the kind, the place, the
/// staff who went, head counts by sex and age band, the children newly
/// identified (spot visits) and a note. A count column left out counts
/// nothing.
pub const ACTIVITIES: &[Field] = &[
    date_field(
        "on_date",
        "Date",
        &[
            "date",
            "activity date",
            "date of activity",
            "date of visit",
            "visit date",
            "تاریخ",
        ],
    ),
    field(
        "kind",
        "Activity",
        &[
            "activity",
            "kind",
            "type",
            "activity type",
            "type of activity",
            "activity kind",
            "سرگرمی",
        ],
    ),
    field(
        "place",
        "Place",
        &[
            "place", "location", "spot", "venue", "site", "area", "جگہ", "مقام",
        ],
    ),
    field(
        "staff",
        "Staff",
        &[
            "staff",
            "staff name",
            "staff names",
            "by",
            "conducted by",
            "team",
            "عملہ",
        ],
    ),
    field(
        "female_under12",
        "Female under 12",
        &["female under 12", "f under 12", "f <12", "girls under 12"],
    ),
    field(
        "female_12_17",
        "Female 12–17",
        &["female 12-17", "f 12-17", "girls 12-17"],
    ),
    field(
        "female_18plus",
        "Female 18+",
        &["female 18+", "f 18+", "women", "women 18+", "adult women"],
    ),
    field(
        "female_unknown",
        "Female, age unknown",
        &["female unknown", "female", "girls", "f"],
    ),
    field(
        "male_under12",
        "Male under 12",
        &["male under 12", "m under 12", "m <12", "boys under 12"],
    ),
    field(
        "male_12_17",
        "Male 12–17",
        &["male 12-17", "m 12-17", "boys 12-17"],
    ),
    field(
        "male_18plus",
        "Male 18+",
        &["male 18+", "m 18+", "men", "men 18+", "adult men"],
    ),
    field(
        "male_unknown",
        "Male, age unknown",
        &["male unknown", "male", "boys", "m"],
    ),
    field(
        "other_under12",
        "Other under 12",
        &["other under 12", "o under 12", "o <12"],
    ),
    field("other_12_17", "Other 12–17", &["other 12-17", "o 12-17"]),
    field("other_18plus", "Other 18+", &["other 18+", "o 18+"]),
    field(
        "other_unknown",
        "Other, age unknown",
        &["other unknown", "other", "transgender", "o"],
    ),
    field(
        "new_identified",
        "New children identified",
        &[
            "new children",
            "new identified",
            "newly identified",
            "new children identified",
            "new",
        ],
    ),
    field(
        "note",
        "Note",
        &[
            "note",
            "notes",
            "remarks",
            "comment",
            "comments",
            "description",
            "تفصیل",
        ],
    ),
];
